"""The phones' feed (facilitation/feed.py): batched, in seq order, screens at once (issue 13)."""
from __future__ import annotations

import time

from conftest import card_payload, changes

from facilitation import feed_of
from facilitation.feed import PhoneFeed


class Recorder:
    """Stands in for a manager's deliver and for background tasks: records instead of running."""

    def __init__(self):
        self.delivered, self.tasks = [], []

    def deliver(self, name, data, room):
        self.delivered.append((name, [v["seq"] for v in data] if name == "changes" else data, room))

    def start(self, fn, *args):
        self.tasks.append((fn, args))


def feed_with(interval, now, tables=(1, 2)):
    recorder = Recorder()
    feed = PhoneFeed(recorder.deliver, interval, lambda event_id: list(tables), lambda s: None, recorder.start,
                     clock=lambda: now[0])
    return feed, recorder


def run_tasks(recorder):
    tasks, recorder.tasks = recorder.tasks, []
    for fn, args in tasks:
        fn(*args)


def test_a_quiet_table_gets_a_change_at_once_and_a_busy_one_one_message_per_interval():
    now = [100.0]
    feed, sent = feed_with(1.0, now)
    feed.add(["e:phones:1"], "change", {"seq": 1})
    assert [wait for _, (room, wait) in sent.tasks] == [0.0]  # at once: on the loop's next turn
    run_tasks(sent)
    assert sent.delivered == [("changes", [1], "e:phones:1")]
    now[0] += 0.2
    feed.add(["e:phones:1"], "change", {"seq": 2})
    feed.add(["e:phones"], "change", {"seq": 3})  # an event's change: every table's phones
    # Table 1 sent 0.2 s ago: one task waits for the rest of its second; table 2 at once.
    assert [(room, round(wait, 6)) for _, (room, wait) in sent.tasks] == [("e:phones:1", 0.8), ("e:phones:2", 0.0)]
    now[0] += 0.8
    run_tasks(sent)
    assert sent.delivered[1:] == [("changes", [2, 3], "e:phones:1"), ("changes", [3], "e:phones:2")]


def test_interval_zero_sends_every_change_at_once():
    feed, sent = feed_with(0, [0.0], tables=(1,))
    for seq in (1, 2):
        feed.add(["e:phones:1"], "change", {"seq": seq})
    assert [seqs for _, seqs, _ in sent.delivered] == [[1], [2]] and not sent.tasks


def test_phones_get_batches_in_seq_order_while_walls_get_each_change_at_once(app, clients, event):
    """A phone receives every change of its table, the event's and the results' in one
    stream: nothing overtakes (live.js drops a change older than one it applied)."""
    feed = feed_of(app)
    feed.interval = 0.4
    try:
        phone, wall, lead = clients.phone(0), clients.wall(), clients.lead()
        for client in (phone, wall):
            client.get_received()
        cards = [card_payload(event) for _ in range(3)]
        assert phone.emit("card:post", cards[0], callback=True)["ok"]
        assert phone.emit("card:post", cards[1], callback=True)["ok"]
        assert lead.emit("phase:set", {"phase": "round:1"}, callback=True)["ok"]
        assert phone.emit("card:post", cards[2], callback=True)["ok"]
        assert [c["type"] for c in changes(wall)] == ["card.posted", "card.posted", "event.updated", "card.posted"]
        time.sleep(0.6)
        messages = [m for m in phone.get_received() if m["name"] in ("change", "changes")]
        assert [m["name"] for m in messages] == ["changes", "changes"]  # the first at once, the rest batched
        seqs = [c["seq"] for m in messages for c in m["args"][0]]
        assert seqs == sorted(seqs) and len(seqs) == 4
        assert [c.get("card", {}).get("id") for m in messages for c in m["args"][0] if "card" in c] == \
            [c["id"] for c in cards]
    finally:
        feed.interval = 0


def test_a_signal_queues_behind_the_change_it_speaks_of():
    now = [100.0]
    feed, sent = feed_with(1.0, now, tables=(1,))
    feed.add(["e:phones:1"], "change", {"seq": 1})
    run_tasks(sent)
    feed.add(["e:phones"], "change", {"seq": 2, "event": {"phase": "round:2"}})
    feed.add(["e:phones"], "occupancy", {"1": 3})
    now[0] += 1
    run_tasks(sent)
    assert [(name, data) for name, data, _ in sent.delivered[1:]] == [("changes", [2]), ("occupancy", {"1": 3})]

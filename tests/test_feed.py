"""The phones' feed (facilitation/feed.py): batched, in seq order, screens at once (issue 13)."""
from __future__ import annotations

import time

from conftest import card_payload, changes

from facilitation import feed_of
from facilitation.feed import PhoneFeed


class FakeSocketIO:
    """Records emits and background tasks instead of running them."""

    def __init__(self):
        self.emitted, self.tasks = [], []

    def emit(self, name, data, to):
        self.emitted.append((name, [v["seq"] for v in data], to))

    def start_background_task(self, fn, *args):
        self.tasks.append((fn, args))

    def sleep(self, seconds):
        pass


def test_a_quiet_table_gets_a_change_at_once_and_a_busy_one_one_message_per_interval():
    sio, now = FakeSocketIO(), [100.0]
    feed = PhoneFeed(sio, 1.0, lambda event_id: [1, 2], clock=lambda: now[0])
    feed.add("e", ["e:phones:1"], {"seq": 1})
    feed.flush()
    assert sio.emitted == [("changes", [1], "e:phones:1")] and not sio.tasks
    now[0] += 0.2
    feed.add("e", ["e:phones:1"], {"seq": 2})
    feed.flush()
    feed.add("e", ["e:phones"], {"seq": 3})  # an event's change: every table's phones
    feed.flush()
    # Table 1 sent 0.2 s ago: it waits (one task, scheduled for the rest of the second);
    # table 2 has sent nothing yet: at once.
    assert sio.emitted[1:] == [("changes", [3], "e:phones:2")]
    [(send_later, (room, wait))] = sio.tasks
    assert room == "e:phones:1" and abs(wait - 0.8) < 1e-9
    now[0] += 0.8
    send_later(room, wait)
    assert sio.emitted[2:] == [("changes", [2, 3], "e:phones:1")]  # both, in seq order, one message


def test_interval_zero_sends_every_change_at_once():
    sio = FakeSocketIO()
    feed = PhoneFeed(sio, 0, lambda event_id: [1])
    for seq in (1, 2):
        feed.add("e", ["e:phones:1"], {"seq": seq})
        feed.flush()
    assert [seqs for _, seqs, _ in sio.emitted] == [[1], [2]] and not sio.tasks


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
    sio, now = FakeSocketIO(), [100.0]
    sio.emit = lambda name, data, to: sio.emitted.append((name, data, to))
    feed = PhoneFeed(sio, 1.0, lambda event_id: [1], clock=lambda: now[0])
    feed.add("e", ["e:phones:1"], {"seq": 1})
    feed.flush()
    feed.add("e", ["e:phones"], {"seq": 2, "event": {"phase": "round:2"}})
    feed.add("e", ["e:phones"], {"1": 3}, name="occupancy")
    feed.flush()
    assert len(sio.emitted) == 1  # both wait for the table's next second
    now[0] += 1
    send_later, args = sio.tasks[0]
    send_later(*args)
    assert [(name, data) for name, data, _ in sio.emitted[1:]] == [
        ("changes", [{"seq": 2, "event": {"phase": "round:2"}}]), ("occupancy", {"1": 3})]

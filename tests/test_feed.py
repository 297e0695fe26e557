"""The phones' feed (facilitation/feed.py): batched, in seq order, screens at once (issue 13)."""
from __future__ import annotations

import threading
import time

from conftest import card_payload, changes

from facilitation import feed_of, socketio_of
from facilitation.feed import DELIVERY_PAUSE, DELIVERY_TURN, PhoneFeed, table_room


class Recorder:
    """Stands in for a manager's deliver and for background tasks: records instead of running."""

    def __init__(self):
        self.delivered, self.tasks = [], []

    def deliver(self, name, data, room, pause=None):
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
    # Table 1 sent 0.2 s ago: its task waits for the table's send time, half a second to a
    # second and a half after its last message; table 2 at once.
    (room1, wait1), (room2, wait2) = [args for _, args in sent.tasks]
    assert (room1, room2, wait2) == ("e:phones:1", "e:phones:2", 0.0) and 0.3 <= wait1 < 1.3
    now[0] += wait1
    run_tasks(sent)
    assert sent.delivered[1:] == [("changes", [2, 3], "e:phones:1"), ("changes", [3], "e:phones:2")]


def test_busy_tables_send_at_their_own_point_in_each_interval():
    """Tables that turn busy together (the burst's 20 tables within 0.2 s) must not send
    their batches together every second ever after: 2,000 phones' messages in the same
    0.3 s held the walls' cards up by 10-28 ms (issue 13)."""
    now = [100.0]
    tables = range(1, 21)
    feed, sent = feed_with(1.0, now, tables=tables)
    feed.add(["e:phones"], "change", {"seq": 1})  # every table quiet: all at once
    assert {wait for _, (_, wait) in sent.tasks} == {0.0}
    run_tasks(sent)
    now[0] = 100.05
    feed.add(["e:phones"], "change", {"seq": 2})
    due = {room: now[0] + wait for _, (room, wait) in sent.tasks}
    assert all(100.5 <= t < 101.5 for t in due.values())  # at least half an interval apart
    per_tenth = [sum(1 for t in due.values() if k / 10 <= t % 1 < (k + 1) / 10) for k in range(10)]
    assert max(per_tenth) <= 3, per_tenth  # spread over the whole second
    sent.tasks.clear()
    for room, t in sorted(due.items(), key=lambda item: item[1]):
        now[0] = t
        feed._send_later(room, 0)
        feed.add([room], "change", {"seq": 3})  # still busy: the next batch a whole interval on
        (_, (again, wait)), = sent.tasks
        sent.tasks.clear()
        assert again == room and abs(wait - 1.0) < 1e-9


def test_a_tables_batch_goes_out_a_few_phones_per_turn(app, clients, event):
    """A wall's change must not wait behind a whole table's phones: 97 % of the loop's late
    wake-ups at the burst came right after a batch went to a table's 100 phones (issue 13)."""
    phones = [clients.phone(0) for _ in range(2 * DELIVERY_TURN + 5)]
    for phone in phones:
        phone.get_received()
    manager = socketio_of(app).server.manager
    reached_at_pauses, waits = [], []

    def pause(seconds):
        reached_at_pauses.append(sum(1 for phone in phones if phone.get_received()))
        waits.append(seconds)

    manager.deliver("changes", [{"seq": 7}], table_room(event["id"], event["tables"][0]), pause)
    reached_at_pauses.append(sum(1 for phone in phones if phone.get_received()))
    assert reached_at_pauses == [DELIVERY_TURN, DELIVERY_TURN, 5]
    # A real wait between turns: after a zero one, eventlet runs the batch's next turn first
    # in each of the loop turns a card needs to reach the walls (S2B walls' p99 7.1-7.4 ms
    # with zero, 4.8-5.7 with 1, 2 or 4 ms; docs/performance.md).
    assert waits == [DELIVERY_PAUSE, DELIVERY_PAUSE] and DELIVERY_PAUSE >= 0.001


def test_a_tables_batches_keep_their_order_while_one_is_delivered_in_turns():
    """A batch delivered in turns lets the server run on; the table's next batch must wait
    for it, or a phone would get a newer change first and drop the older (live.js)."""
    log = []

    def deliver(name, data, room, pause=None):
        seqs = [change["seq"] for change in data]
        log.append(("begin", seqs))
        if pause is not None and seqs == [1]:
            # Meanwhile the next change comes, and its batch is due at once.
            feed.add([room], "change", {"seq": 2})
            threading.Thread(target=feed._send_later, args=(room, 0)).start()
            time.sleep(0.2)
        log.append(("end", seqs))

    feed = PhoneFeed(deliver, 1.0, lambda event_id: [1], time.sleep, lambda *task: None)
    room = table_room("e", 1)
    feed.add([room], "change", {"seq": 1})
    feed._send_later(room, 0)
    deadline = time.monotonic() + 5
    while len(log) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log == [("begin", [1]), ("end", [1]), ("begin", [2]), ("end", [2])]


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
        time.sleep(0.7)  # the batch goes at the table's send time, within 0.2-0.6 s
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

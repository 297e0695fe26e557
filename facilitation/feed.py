"""The phones' feed: every change a table's phones may see, at most one message per interval.

Walls and tablets get each change at once (views.deliveries). Phones are most of the
connections and need no such haste: at a busy table a phone gets one ``changes`` message
a second carrying everything since, instead of one ``change`` per card (issue 13 measured
~10,500 deliveries a second at 2,000 phones). A quiet table's next change still goes out
at once.

Order: each table's phones have one queue that takes, in seq order, their table's cards,
every result and the event's own changes; a batch goes out whole before the next. So a
phone never receives a change older than one it already applied (live.js drops those).
A signal that speaks of a change (``occupancy`` after a new round) queues behind it.
"""
from __future__ import annotations

import threading
import time


def table_room(event_id: str, table_id: int) -> str:
    """The room of one table's phones (views.rooms_of puts a participant in it)."""
    return f"{event_id}:phones:{table_id}"


def all_phones_room(event_id: str) -> str:
    """The room of every phone of an event."""
    return f"{event_id}:phones"


class PhoneFeed:
    """Queues per table room; sends a room's queue at once when its last message is older
    than ``interval`` seconds, else when it is (interval 0: always at once)."""

    def __init__(self, sio, interval: float, table_ids, clock=time.monotonic):
        self.sio = sio
        self.interval = interval
        self.table_ids = table_ids  # event_id -> the ids of its tables
        self.clock = clock
        self.pending: dict[str, list[tuple[str, dict]]] = {}  # room -> ("change" or a signal's name, data)
        self.last_sent: dict[str, float] = {}
        self.scheduled: set[str] = set()
        # Sends of one room must not overtake each other (threading mode has real threads).
        self.lock = threading.RLock()

    def is_phone_room(self, event_id: str, room: str) -> bool:
        """Whether a delivery to this room goes through the feed."""
        return room == all_phones_room(event_id) or room.startswith(all_phones_room(event_id) + ":")

    def add(self, event_id: str, rooms: list[str], view: dict, name: str = "change") -> None:
        """Queue one change's view (or a signal: ``name`` and its data) for these phone rooms
        (every table's, for all phones)."""
        with self.lock:
            for room in self._table_rooms(event_id, rooms):
                self.pending.setdefault(room, []).append((name, view))

    def _table_rooms(self, event_id: str, rooms: list[str]) -> list[str]:
        out: list[str] = []
        for room in rooms:
            if room == all_phones_room(event_id):
                out.extend(table_room(event_id, t) for t in self.table_ids(event_id))
            else:
                out.append(room)
        return list(dict.fromkeys(out))

    def flush(self) -> None:
        """Send every queue whose room may have a message now; schedule the others."""
        with self.lock:
            now = self.clock()
            for room in list(self.pending):
                if room in self.scheduled:
                    continue
                wait = self.last_sent.get(room, float("-inf")) + self.interval - now
                if wait <= 0:
                    self._send(room, now)
                else:
                    self.scheduled.add(room)
                    self.sio.start_background_task(self._send_later, room, wait)

    def _send_later(self, room: str, wait: float) -> None:
        self.sio.sleep(wait)
        with self.lock:
            self.scheduled.discard(room)
            self._send(room, self.clock())

    def _send(self, room: str, now: float) -> None:
        items = self.pending.pop(room, None)
        if not items:
            return
        self.last_sent[room] = now
        changes: list[dict] = []
        for name, data in items:
            if name == "change":
                changes.append(data)
                continue
            if changes:
                self.sio.emit("changes", changes, to=room)
                changes = []
            self.sio.emit(name, data, to=room)
        if changes:
            self.sio.emit("changes", changes, to=room)

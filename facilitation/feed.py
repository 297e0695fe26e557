"""How emits reach the connections: the phones' feed, and the order across processes.

The phones' feed. Walls and tablets get each change at once. Phones are most of the
connections and need no such haste: at a busy table a phone gets one ``changes`` message a
second carrying everything since, instead of one ``change`` per card (issue 13 measured
~10,500 deliveries a second at 2,000 phones). A quiet table's next change still goes out at
once (on the next turn of the event loop, so one command's changes travel together).
A busy table's batches go at the table's own point in each second, so tables that turned
busy together (an evening's first round) do not all send in the same tenth of a second.

Order. Each table's phones have one queue that takes, in seq order, their table's cards,
every result, the event's own changes and the signals that speak of them (``occupancy``
after a new round); a batch goes out whole before the next. So a phone never receives a
change older than one it already applied (live.js drops those).

Past one process (``MESSAGE_QUEUE=redis://…``), every emit goes through Redis and every
process - the sender too - delivers it to its own connections in the order Redis gives,
and realtime.perform holds a lock across processes from a command's commit to its publish
(EmitOrder). So every connection sees changes in seq order whichever process made them;
each process batches for its own phones.
"""
from __future__ import annotations

import fcntl
import math
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from socketio import Manager, RedisManager


def table_room(event_id: str, table_id: int) -> str:
    """The room of one table's phones (views.rooms_of puts a participant in it)."""
    return f"{event_id}:phones:{table_id}"


def table_of_room(room: str) -> int:
    """The table id of a table's phones' room (table_room's inverse)."""
    return int(room.rsplit(":", 1)[1])


def all_phones_room(event_id: str) -> str:
    """The room of every phone of an event."""
    return f"{event_id}:phones"


def phone_room_event(room) -> str | None:
    """The event of a phones' room ("<event>:phones" or "<event>:phones:<table>"), else None.
    Event ids have no ':' (domain.check_event_id)."""
    if not isinstance(room, str):
        return None
    parts = room.split(":")
    return parts[0] if len(parts) in (2, 3) and parts[1] == "phones" else None


# Each table room's point in the interval: table ids times the golden ratio (mod 1) spread
# any run of ids evenly.
GOLDEN = (5 ** 0.5 - 1) / 2


class PhoneFeed:
    """Queues per table room; sends a room's queue at once when its last message is older
    than ``interval`` seconds, else at the room's next send time (interval 0: always at once,
    synchronously)."""

    def __init__(self, deliver, interval: float, table_ids, sleep, start, clock=time.monotonic):
        # (name, data, room, pause): to this process's connections in the room; with pause,
        # a few connections at a time, pausing between (_FeedRouting.deliver)
        self.deliver = deliver
        self.interval = interval
        self.table_ids = table_ids  # event_id -> the ids of its tables
        self.sleep, self.start, self.clock = sleep, start, clock
        self.pending: dict[str, list[tuple[str, dict]]] = {}  # room -> ("change" or a signal's name, data)
        self.last_sent: dict[str, float] = {}
        self.scheduled: set[str] = set()
        # Sends of one room must not overtake each other (threading mode has real threads).
        self.lock = threading.RLock()
        # A room's batch is delivered outside that lock, pausing (commands go on adding
        # meanwhile); one delivery per room at a time keeps its batches in order.
        self.delivering: dict[str, threading.Lock] = {}

    def add(self, rooms: list[str], name: str, data: dict) -> None:
        """Queue an emit for these phone rooms (every table's, for all phones) and send or
        schedule each room's queue."""
        with self.lock:
            for room in self._table_rooms(rooms):
                self.pending.setdefault(room, []).append((name, data))
                if self.interval <= 0:
                    self._send(room, self.clock())
                elif room not in self.scheduled:
                    self.scheduled.add(room)
                    self.start(self._send_later, room, self._wait(room, self.clock()))

    def _wait(self, room: str, now: float) -> float:
        """Nothing if the room's last message is an interval old; else until the room's first
        send time half an interval or more after that message. A busy room then sends once
        an interval, always at its own point: 20 tables' batches landing in the same 0.3 s
        of every second had held walls up by 10-28 ms at the burst (issue 13)."""
        last = self.last_sent.get(room)
        if last is None or now - last >= self.interval:
            return 0.0
        return max(0.0, self._send_time(room, last + self.interval / 2) - now)

    def _send_time(self, room: str, earliest: float) -> float:
        """The room's first send time at or after ``earliest``."""
        phase = table_of_room(room) * GOLDEN % 1.0 * self.interval
        return phase + math.ceil((earliest - phase) / self.interval) * self.interval

    def _table_rooms(self, rooms: list[str]) -> list[str]:
        out: list[str] = []
        for room in rooms:
            event_id = phone_room_event(room)
            if room == all_phones_room(event_id):
                out.extend(table_room(event_id, t) for t in self.table_ids(event_id))
            else:
                out.append(room)
        return list(dict.fromkeys(out))

    def _send_later(self, room: str, wait: float) -> None:
        self.sleep(wait)
        with self.delivering.setdefault(room, threading.Lock()):
            with self.lock:
                self.scheduled.discard(room)
                messages = self._take(room, self.clock())
            for name, data in messages:
                self.deliver(name, data, room, self.sleep)

    def _send(self, room: str, now: float) -> None:
        for name, data in self._take(room, now):
            self.deliver(name, data, room, None)

    def _take(self, room: str, now: float) -> list[tuple[str, object]]:
        """A room's queue as the messages to send: runs of changes as one ``changes``
        message, each signal on its own where it stands."""
        items = self.pending.pop(room, None)
        if not items:
            return []
        self.last_sent[room] = now
        messages: list[tuple[str, object]] = []
        for name, data in items:
            if name != "change":
                messages.append((name, data))
            elif messages and messages[-1][0] == "changes":
                messages[-1][1].append(data)
            else:
                messages.append(("changes", [data]))
        return messages


# Emitted to a room, this also closes the room's connections, in every process: a replaced
# secret link must end every session that came through the old one (realtime._close_room).
REVOKED = "revoked"


def _close_local(manager, room) -> None:
    """Disconnect this process's connections in a room (after they were told why)."""
    for sid, _ in list(manager.get_participants("/", room)):
        manager.server.disconnect(sid, namespace="/", ignore_queue=True)


def _split(room) -> tuple[list, list]:
    """(phone rooms, other rooms) of an emit's ``to``."""
    rooms = room if isinstance(room, list) else [room]
    phones = [r for r in rooms if phone_room_event(r)]
    return phones, [r for r in rooms if r not in phones]


# Phones sent a batch in one turn of the event loop, and the wait before the next turn
# (see _FeedRouting.deliver).
DELIVERY_TURN = 20
DELIVERY_PAUSE = 0.002


class _FeedRouting:
    """What both managers do to deliver an emit to this process's connections: phone rooms
    through the feed, the others at once; ``revoked`` then closes the room's connections."""

    feed: PhoneFeed | None = None

    def _route(self, event, data, room, send) -> None:
        """``send(rooms)`` delivers to rooms that are not the phones' the manager's own way."""
        phones, others = _split(room) if self.feed is not None else ([], [])
        if not phones:
            send(room)  # as it came (None: everyone)
        else:
            self.feed.add(phones, event, data)
            if others:
                send(others)
        if event == REVOKED:
            _close_local(self, room)

    def deliver(self, name: str, data, room: str, pause=None) -> None:
        """To this process's connections in one room, past the feed (and any queue). With
        ``pause`` (the server's sleep), DELIVERY_TURN connections at a time, letting the
        server serve others between: a wall's change then waits behind at most that many
        phones' sends, not behind a whole table's (issue 13).

        The pause is a real wait, not ``pause(0)``: a card takes three turns of the loop to
        reach the walls (its frame is read, its command runs, the walls' sends), ~1.5 ms at
        the burst. After ``pause(0)`` the batch's next turn comes first in every one of them.
        """
        if pause is None:
            Manager.emit(self, name, data, namespace="/", room=room)
            return
        sids = [sid for sid, _ in self.get_participants("/", room)]
        for start in range(0, len(sids), DELIVERY_TURN):
            if start:
                pause(DELIVERY_PAUSE)
            # Each connection is a room of its own; one that left meanwhile is skipped.
            Manager.emit(self, name, data, namespace="/", room=sids[start:start + DELIVERY_TURN])


class LocalManager(_FeedRouting, Manager):
    """One process: emits to phone rooms go through the feed, the others at once."""

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        if callback is not None or skip_sid is not None:
            return super().emit(event, data, namespace=namespace, room=to or room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        self._route(event, data, to or room,
                    lambda rooms: Manager.emit(self, event, data, namespace=namespace, room=rooms, **kwargs))


# Published emits carry this instead of the sender's host id, so every process, the sender
# too, delivers them from the queue, in the queue's order.
EVERY_HOST = "every-host"


# To every connection of a process whose queue came back: changes may have passed it by
# while it delivered only its own (live.js loads a fresh snapshot).
RESYNC = "resync"
# How often a process whose queue is down tries it again (publishing and listening).
QUEUE_RETRY_SECONDS = 2.0


class QueueManager(_FeedRouting, RedisManager):
    """Several processes on one Redis: every emit is delivered by each process from the queue
    (the sender's own connections too), phone rooms through each process's feed.

    When Redis is unreachable, each process delivers its own emits to its own connections
    (a wall on the same process still shows every card posted there), ``queue_state`` says
    "down" for /healthz, and once the listener is subscribed again every connection of the
    process is told to ``resync``: what other processes sent meanwhile never reached it.
    Before (issue 21), with Redis stopped, cards were acked and stored but no screen showed
    them, and they stayed missing until a screen reconnected.
    """

    def __init__(self, url, channel="socketio", clock=time.monotonic, **kwargs):
        kwargs.setdefault("redis_options", {"socket_connect_timeout": 1})
        super().__init__(url, channel=channel, **kwargs)
        self.clock = clock
        self.down_since: float | None = None
        self._last_try = float("-inf")

    def queue_state(self) -> str:
        """'up' or 'down' (then each process serves only its own connections)."""
        return "down" if self.down_since is not None else "up"

    def _publish(self, data):
        if self.down_since is None or self.clock() - self._last_try >= QUEUE_RETRY_SECONDS:
            self._last_try = self.clock()
            try:
                if not self.connected:
                    self._redis_connect()
                self.redis.publish(self.channel, self.json.dumps(data))
                if self.down_since is None:
                    return
            except Exception as exc:  # noqa: BLE001 - any failure of the queue: deliver here
                self.connected = False
                self._went_down(exc)
        if data.get("method") == "emit":
            self._handle_emit(data)  # until the listener is back, this process's own connections

    def _went_down(self, exc) -> None:
        if self.down_since is None:
            self.down_since = self.clock()
            self._get_logger().error("message queue unreachable, delivering locally: %s", exc)

    def _came_back(self) -> None:
        if self.down_since is not None:
            self.down_since = None
            self._get_logger().error("message queue back: every connection here resyncs")
            Manager.emit(self, RESYNC, {}, namespace="/", room=None)

    def _redis_listen_with_retries(self):
        """socketio's own loop, with a short retry (its backoff grew to 60 s) and the state
        kept: down at the first failure, back once subscribed again."""
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    self._came_back()
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - the queue's failures are all alike here
                subscribed = False
                self._went_down(exc)
                time.sleep(QUEUE_RETRY_SECONDS)

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        if kwargs.get("ignore_queue") or callback is not None or skip_sid is not None:
            return super().emit(event, data, namespace=namespace, room=to or room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        self._publish({"method": "emit", "event": event, "data": [data], "binary": False,
                       "namespace": namespace or "/", "room": to or room, "skip_sid": None, "callback": None,
                       "host_id": EVERY_HOST})

    def _handle_emit(self, message):
        self._route(message["event"], message["data"][0], message.get("room"),
                    lambda rooms: RedisManager._handle_emit(self, {**message, "room": rooms}))


class EmitOrder:
    """Held from a command's commit until its changes are published: with several processes
    (a lock file beside the database), publishes leave in the order of the commits. One
    process needs no more than its own lock (emits do not yield between commit and send)."""

    def __init__(self, lock_file: Path | None, sleep):
        self.local = threading.RLock()
        self.path, self.sleep = lock_file, sleep
        self.handle = None

    @contextmanager
    def held(self):
        with self.local:
            if self.path is None:
                yield
                return
            if self.handle is None:
                self.handle = open(self.path, "a")
            while True:  # never block the event loop in flock: try, and let others run meanwhile
                try:
                    fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self.sleep(0.0005)
            try:
                yield
            finally:
                fcntl.flock(self.handle, fcntl.LOCK_UN)

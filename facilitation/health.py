"""What the server knows is wrong right now, for /healthz and the staff screens.

A full disk once answered cards with `internal` while /healthz said ok (issue 21): a
failed write is noted here, /healthz reports it for a minute, and the staff screens are
told (at most every few seconds), while phones keep their cards and send them again.
"""
from __future__ import annotations

import threading
import time

# How long one failed write keeps /healthz unhealthy, and how often staff are told again.
REMEMBER_SECONDS = 60.0
TELL_EVERY_SECONDS = 10.0


class StorageHealth:
    """The last failed write (its message and time), and when each event's staff last heard."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self._message = ""
        self._told: dict[str, float] = {}

    def note(self, error: Exception) -> None:
        """A write failed (disk full, read-only, I/O error, locked)."""
        with self._lock:
            self._failed_at, self._message = self.clock(), str(error)

    def problem(self) -> str | None:
        """The last write's failure when it was less than a minute ago, else None."""
        with self._lock:
            if self._failed_at is None or self.clock() - self._failed_at > REMEMBER_SECONDS:
                return None
            return self._message

    def should_tell(self, event_id: str) -> bool:
        """True at most every TELL_EVERY_SECONDS per event: the staff hear, not a flood."""
        with self._lock:
            now = self.clock()
            if now - self._told.get(event_id, float("-inf")) < TELL_EVERY_SECONDS:
                return False
            self._told[event_id] = now
            return True

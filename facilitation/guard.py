"""Guards at the edge: the connection budget, the throttle on new participants, the Origin check.

Generic WSGI and Flask pieces (no eventlet here): app.py puts the budget in
front of the app with the real server's numbers.
"""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import request


class ConnectionBudget:
    """WSGI middleware: at most ``budget`` requests and live connections at once.

    Past the budget a new request gets a short 503 and the connections the
    server already has keep being served: one client opening sockets without
    end can slow the venue down, never stop it.
    """

    def __init__(self, app, budget: int):
        self.app = app
        self.budget = budget
        self.active = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            full = self.active >= self.budget
            if not full:
                self.active += 1
        if full:
            body = BUSY_BODY
            start_response("503 Service Unavailable", [
                ("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "5"),
                ("Content-Length", str(len(body))), ("Connection", "close"),
            ])
            return [body]
        try:
            return _Releasing(self.app(environ, start_response), self._release)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        with self._lock:
            self.active -= 1


class _Releasing:
    """A response body that gives its slot back when the server closes it (WSGI calls close())."""

    def __init__(self, result, release):
        self.result = result
        self.release = release

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            release, self.release = self.release, None
            if release:
                release()


class AddressSockets:
    """Open sockets per client address, so one address cannot take every file descriptor.

    A flood of half-sent requests never reaches the WSGI budget (a request counts once its
    headers are in): under ``ulimit -n 256`` 400 such sockets used up the descriptors, the
    next WebSocket hung in the backlog instead of getting its 503, and /healthz timed out
    (issue 21). The listener asks ``admit`` for each accepted socket; a socket counts until
    it is closed (``fileno()`` is -1 then), so nothing has to report the close.
    """

    def __init__(self, per_address: int):
        self.per_address = per_address
        self._open: dict[str, list] = {}

    def admit(self, address: str, sock) -> bool:
        """Count sock for address; False (and not counted) when the address holds its share."""
        still_open = [s for s in self._open.get(address, ()) if s.fileno() != -1]
        if len(still_open) >= self.per_address:
            self._open[address] = still_open
            return False
        still_open.append(sock)
        self._open[address] = still_open
        if len(self._open) > 10_000:  # forget addresses whose sockets are all closed
            self._open = {a: socks for a, socks in self._open.items() if any(s.fileno() != -1 for s in socks)}
        return True


BUSY_BODY = "Der Server ist gerade voll. Bitte gleich noch einmal versuchen. / Server busy, please retry.\n".encode()
# The same 503 as raw bytes, for a socket refused before any request was read.
BUSY_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n"
                 b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(BUSY_BODY)) + BUSY_BODY


class AddressThrottle:
    """A token bucket per client address for issuing new participant ids.

    A venue behind one public address sees 150 people arrive within ten
    minutes; the default burst (300) and rate (one new id per second after it)
    are never reached there, while a script that drops its cookie to shed the
    per-participant limits gets one new id a second.
    """

    def __init__(self, burst: int = 300, per_second: float = 1.0):
        self.burst = burst
        self.per_second = per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, now: float | None = None) -> bool:
        """Take one token for address; False when its bucket is empty."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, stamp = self._buckets.get(address, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.per_second)
            if tokens < 1:
                self._buckets[address] = (tokens, now)
                return False
            self._buckets[address] = (tokens - 1, now)
            if len(self._buckets) > 100_000:  # forget the oldest addresses rather than grow without end
                for key in list(self._buckets)[:50_000]:
                    del self._buckets[key]
            return True


def same_origin(public_url: str = "") -> bool:
    """True when a state-changing request comes from this server's own pages.

    Browsers send Origin on every POST; a page on another port of the same
    host (same site, so SameSite=Lax cookies go along) has another origin.
    A request without Origin or Referer is not a browser's form and is refused.
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    origin = urlsplit(source)
    allowed = {urlsplit(request.host_url)[:2]}
    if public_url:
        allowed.add(urlsplit(public_url)[:2])
    return (origin.scheme, origin.netloc) in allowed


"""What the server does, for Prometheus (/metrics, its text format): connections by role,
commands by name and outcome, cards posted, phone deliveries waiting, the event loop's
lag and the sentence model worker's restarts. Counts only: no event, person or text."""
from __future__ import annotations

import time
from collections import Counter as Tally

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry()
COMMANDS = Counter("tischrunde_commands", "Commands handled, by name and outcome code (ok or the refusal's code)",
                   ["command", "outcome"], registry=REGISTRY)
CARDS = Counter("tischrunde_cards_posted", "Cards posted (phones, tablets and paper forms)", registry=REGISTRY)
LOOP_LAG = Gauge("tischrunde_event_loop_lag_seconds", "How late the last 1-second timer woke up", registry=REGISTRY)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class _Live:
    """Gauges read when scraped, from the objects that hold them (set by create_app and realtime)."""

    def __init__(self):
        self.actors = None  # realtime's {sid: Actor}
        self.feed = None  # feed.PhoneFeed: batches waiting for phones
        self.model = None  # () -> the model worker's state

    def collect(self):
        roles = GaugeMetricFamily("tischrunde_connections", "Open Socket.IO connections, by role", labels=["role"])
        for role, n in sorted(Tally(a.role for a in list((self.actors or {}).values())).items()):
            roles.add_metric([role], n)
        yield roles
        waiting = sum(len(batch) for batch in list(self.feed.pending.values())) if self.feed is not None else 0
        yield GaugeMetricFamily("tischrunde_deliveries_queued", "Changes waiting for their phones' next batch", value=waiting)
        state = self.model() if self.model else {"deaths": 0}
        yield GaugeMetricFamily("tischrunde_model_worker_restarts", "Times the sentence model's worker died and was replaced",
                                value=state["deaths"])


LIVE = _Live()
REGISTRY.register(LIVE)


def command_done(name: str, outcome: str) -> None:
    """Count one handled command ('ok' or the refusal's code)."""
    COMMANDS.labels(name, outcome).inc()
    if name == "card:post" and outcome == "ok":
        CARDS.inc()


def measure_loop_lag(sleep, seconds: float = 1.0) -> None:
    """Forever: sleep a second and note how much later than asked the loop woke up (a
    stalled event loop shows here before anyone complains)."""
    while True:
        start = time.monotonic()
        sleep(seconds)
        LOOP_LAG.set(max(0.0, time.monotonic() - start - seconds))


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)

"""How long a suggestion request stalls everyone else, on the real eventlet server.

    .venv/bin/python bench/suggest_stall.py [--cards 300] [--phones 150]

Fills one table with cards, connects phones, then asks for suggestions while a probe
connection sends a `sync` every 10 ms; prints how long suggest took and the probe's
longest wait, once with the grouping pausing between steps (the default) and once without
(SUGGEST_PAUSES=0).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser_kit import seed_cards  # noqa: E402
from server import LiveServer, socket_client  # noqa: E402

WORDS = ("Bus Bahn Miete Wohnung Kita Schule Park Bank Licht Radweg Sprache Kurs Arbeit Verein Raum Fest "
         "Ampel Spielplatz Bäume Markt Laden Arzt Pflege Jugend Senioren Café Bibliothek Internet Wasser Müll").split()


def fill(live: LiveServer, table: int, count: int) -> None:
    texts = [f"{WORDS[n % len(WORDS)]} und {WORDS[(n * 7) % len(WORDS)]}: Karte {n} über {WORDS[(n * 3) % len(WORDS)]}"
             for n in range(count)]
    seed_cards(live, table, texts)


def measure(pausing: bool, cards: int, phones: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        live = LiveServer(Path(tmp), CARDS_PER_MINUTE="100000", SUGGEST_PAUSES="1" if pausing else "0").start()
        try:
            links = live.links()
            table = links["tables"][0]
            fill(live, table["id"], cards)
            crowd = [socket_client(live, f"/e/demo/t/{table['id']}", {"event": "demo", "role": "participant", "table": table["id"]})
                     for _ in range(phones)]
            link = table["moderator"].split(live.url, 1)[1]
            tablet = socket_client(live, link, {"event": "demo", "role": "moderator", "table": table["id"]})
            probe = socket_client(live, f"/e/demo/t/{table['id']}", {"event": "demo", "role": "participant", "table": table["id"]})
            waits, done = [], threading.Event()

            def probing():
                while not done.is_set():
                    started = time.perf_counter()
                    probe.call("sync", {"since": 10**6}, timeout=30)
                    waits.append(time.perf_counter() - started)
                    time.sleep(0.01)

            thread = threading.Thread(target=probing)
            thread.start()
            time.sleep(0.5)
            started = time.perf_counter()
            ack = tablet.call("suggest", {}, timeout=60)
            took = time.perf_counter() - started
            time.sleep(0.3)
            done.set()
            thread.join()
            for client in crowd + [tablet, probe]:
                client.disconnect()
            assert ack["ok"], ack
            return {"suggest_ms": took * 1000, "groups": len(ack["groups"]), "probe_max_ms": max(waits) * 1000,
                    "probe_p50_ms": statistics.median(waits) * 1000}
        finally:
            live.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--phones", type=int, default=150)
    args = parser.parse_args()
    for pausing in (True, False):
        result = measure(pausing, args.cards, args.phones)
        where = "pausing" if pausing else "not pausing"
        print(f"{args.cards} cards, {args.phones} phones, grouping {where}: suggest {result['suggest_ms']:.0f} ms "
              f"({result['groups']} groups); probe waited at most {result['probe_max_ms']:.0f} ms "
              f"(median {result['probe_p50_ms']:.1f} ms)")


if __name__ == "__main__":
    main()

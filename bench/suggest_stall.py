"""What suggestions cost, and how long they stall everyone else, on the real eventlet server.

    .venv/bin/python bench/suggest_stall.py [--cards 150 300] [--phones 150]

Prints:
- the time to embed one card (alone and in a batch of 300), in this process (the server
  asks its model worker, a process of its own, facilitation/model_worker.py);
- per card count, on a server with that many cards at one table and ``--phones`` phones
  connected, while a probe connection sends a `sync` every 10 ms: how long `suggest`
  took and the probe's longest and median wait, for
  * warm: every card's vector stored (the normal case: computed when the card was posted),
  * cold: no vector stored, computed during the call by the model worker.
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser_kit import seed_cards  # noqa: E402
from server import LiveServer, socket_client  # noqa: E402

WORDS = ("Bus Bahn Miete Wohnung Kita Schule Park Bank Licht Radweg Sprache Kurs Arbeit Verein Raum Fest "
         "Ampel Spielplatz Bäume Markt Laden Arzt Pflege Jugend Senioren Café Bibliothek Internet Wasser Müll").split()


def texts(count: int) -> list[str]:
    return [f"{WORDS[n % len(WORDS)]} und {WORDS[(n * 7) % len(WORDS)]}: Karte {n} über {WORDS[(n * 3) % len(WORDS)]}"
            for n in range(count)]


def embed_cost() -> tuple[float, float]:
    """Milliseconds per card: one card at a time, and in a batch of 300."""
    from facilitation.embeddings import embed

    sample = texts(300)
    embed(sample[:1])  # load the model
    started = time.perf_counter()
    for text in sample[:50]:
        embed([text])
    alone = (time.perf_counter() - started) / 50
    started = time.perf_counter()
    embed(sample)
    batch = (time.perf_counter() - started) / len(sample)
    return alone * 1000, batch * 1000


def stored_vectors(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM card_vectors").fetchone()[0]


def forget_vectors(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM card_vectors")


def measure(cards: int, phones: int, warm: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        live = LiveServer(Path(tmp), CARDS_PER_MINUTE="100000").start()
        db = Path(tmp) / "tischrunde.db"
        try:
            table = live.links()["tables"][0]
            seed_cards(live, table["id"], texts(cards))
            deadline = time.monotonic() + 120
            while stored_vectors(db) < cards and time.monotonic() < deadline:  # computed in the background
                time.sleep(0.1)
            if not warm:
                forget_vectors(db)
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
    parser.add_argument("--cards", type=int, nargs="+", default=[150, 300])
    parser.add_argument("--phones", type=int, default=150)
    args = parser.parse_args()
    alone, batch = embed_cost()
    print(f"embedding: {alone:.1f} ms per card alone, {batch:.1f} ms per card in a batch of 300")
    for cards in args.cards:
        for label, warm in (("warm", True), ("cold", False)):
            r = measure(cards, args.phones, warm)
            print(f"{cards} cards, {args.phones} phones, {label}: suggest {r['suggest_ms']:.0f} ms ({r['groups']} groups); "
                  f"probe waited at most {r['probe_max_ms']:.0f} ms (median {r['probe_p50_ms']:.1f} ms)")


if __name__ == "__main__":
    main()

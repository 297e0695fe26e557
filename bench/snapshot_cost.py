"""What joining costs the server when an event already holds many cards.

    .venv/bin/python bench/snapshot_cost.py [--cards 5000] [--tables 20] [--phones 100]

Builds an event with ``--cards`` cards over ``--tables`` tables, then times the state
(``views.snapshot``) that ``--phones`` phones at one table and 4 walls get when they join,
with the per-audience snapshot cache and without it (SNAPSHOT_CACHE=0), and a wall's sync
in pages (views.SNAPSHOT_PAGE).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitation import commands_of, create_app, views  # noqa: E402
from facilitation.domain import ADMIN, PARTICIPANT, WALL, Actor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--phones", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"DATABASE": str(tmp / "t.db"), "DATA_DIR": tmp, "SECRET_KEY": "bench", "CARDS_PER_MINUTE": 10**6})
    commands = commands_of(app)
    commands.run("event:create", Actor(ADMIN, ""), {"id": "bench", "template": "blank", "title": "Bench",
                                                    "table_count": args.tables})
    tables = [t["id"] for t in commands.store.tables("bench")]
    questions = {t: [q["id"] for q in commands.store.questions("bench") if q["table_id"] == t] for t in tables}
    commands.store.db.execute("PRAGMA synchronous=OFF")  # only to fill the event quickly
    for n in range(args.cards):
        table = tables[n % len(tables)]
        commands.run("card:post", Actor(PARTICIPANT, "bench", table, f"p{n % 500}"),
                     {"id": str(uuid.uuid4()), "question": questions[table][n % 3], "text": f"Karte {n}: mehr Grün"})
    for cache in (0, 64):
        views.SNAPSHOT_CACHE = cache
        views._snapshots.clear()
        started = time.perf_counter()
        for n in range(args.phones):
            views.snapshot(commands.store, Actor(PARTICIPANT, "bench", tables[0], f"new{n}"))
        phones = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(4):
            views.snapshot(commands.store, Actor(WALL, "bench"))
        walls = time.perf_counter() - started
        print(f"cache {cache:>2}: {args.phones} phones at one table ({args.cards // args.tables} cards there) "
              f"{phones * 1000:.0f} ms in all, {phones / args.phones * 1000:.1f} ms each; "
              f"4 walls ({args.cards} cards) {walls * 1000:.0f} ms in all")
    paged_wall(commands.store)


def paged_wall(store) -> None:
    """A wall's sync as it is served: the first page, then each further page; the longest
    single step is the longest the server is held up by it."""
    views._snapshots.clear()
    wall = Actor(WALL, "bench")
    steps = []
    started = time.perf_counter()
    first = views.snapshot(store, wall, views.SNAPSHOT_PAGE)
    steps.append(time.perf_counter() - started)
    more, pages = first["more"], 1
    while more:
        started = time.perf_counter()
        more = views.card_page(store, wall, more)["more"]
        steps.append(time.perf_counter() - started)
        pages += 1
    print(f"a wall's sync in pages of {views.SNAPSHOT_PAGE}: {pages} pages, {sum(steps) * 1000:.0f} ms in all, "
          f"the longest {max(steps) * 1000:.1f} ms (the state is built; JSON encoding and sending come on top)")


if __name__ == "__main__":
    main()

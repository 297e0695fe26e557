"""What one posted card costs the server, in-process: from the phone's emit to its ack.

    .venv/bin/python bench/card_cost.py [--cards 2000] [--tables 20] [--walls 4] [--repeat 5]

Builds the bench event (bench/fanout.py's), connects ``--walls`` walls and one phone per
table through Flask-SocketIO's test client (no network, no eventlet: the application's own
work, each commit synced to disk as on the server), posts ``--cards`` cards round the
tables and prints, per card, the median over ``--repeat`` rounds of the wall-clock time and
of the CPU time. The CPU figure moves by ~10 % from run to run, bench/fanout.py's
percentiles by several ms: compare changes to the card path here, alternating runs, and
let bench/fanout.py say what they do to the latency people see.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from fanout import SECRET_KEY, prepare_event  # noqa: E402

from facilitation import commands_of, create_app, socketio_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--walls", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="tischrunde-card-"))
    prepare_event(data, args.tables, 0)
    app = create_app({"DATA_DIR": data, "DATABASE": str(data / "tischrunde.db"), "SECRET_KEY": SECRET_KEY,
                      "CARDS_PER_MINUTE": 10 ** 9, "NEW_PARTICIPANTS_BURST": 10 ** 9,
                      # the vectors' own cost is not the card path's (embeddings.IdleRefresher)
                      "EMBED_QUIET_SECONDS": 10 ** 6})
    sio = socketio_of(app)
    walls = [sio.test_client(app, auth={"event": "bench", "role": "wall"}) for _ in range(args.walls)]
    questions = {}
    for q in commands_of(app).store.questions("bench"):
        questions.setdefault(q["table_id"], q["id"])
    phones = []
    for table, question in questions.items():
        http = app.test_client()
        assert http.get(f"/e/bench/t/{table}").status_code == 200
        phones.append((sio.test_client(app, flask_test_client=http,
                                       auth={"event": "bench", "role": "participant", "table": table}), question))
    post(phones, 50)  # warm up
    rounds = [post(phones, args.cards) for _ in range(args.repeat)]
    for wall in walls:
        wall.get_received()
    wall_ms = statistics.median(r[0] for r in rounds) * 1000
    cpu_ms = statistics.median(r[1] for r in rounds) * 1000
    print(f"{args.cards} cards round {args.tables} tables, {args.walls} walls, medians of {args.repeat} rounds, "
          f"per card: {wall_ms:.3f} ms wall clock, {cpu_ms:.3f} ms CPU")


def post(phones, cards: int) -> tuple[float, float]:
    """Seconds per card (wall clock, CPU) for ``cards`` cards posted round the tables."""
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(cards):
        client, question = phones[n % len(phones)]
        reply = client.emit("card:post", {"id": str(uuid.uuid4()), "question": question,
                                          "text": f"Karte {n}: Mehr Bänke am Marktplatz und Schatten im Sommer"},
                            callback=True)
        assert reply["ok"], reply
        if n % 200 == 0:
            client.get_received()  # the test client keeps what it got: keep its list short
    return (time.perf_counter() - started) / cards, (time.process_time() - cpu) / cards


if __name__ == "__main__":
    main()

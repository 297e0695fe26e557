"""What one phone's join costs the server, in-process: its page, its connection, its sync.

    .venv/bin/python bench/join_cost.py [--cards 5000] [--tables 30] [--phones 300]

Builds an event with ``--cards`` cards (as bench/fanout.py's S3 does), then joins
``--phones`` phones one after another through Flask's and Flask-SocketIO's test clients
(no network, no eventlet: the application's own work) and prints the mean time of each
step. bench/fanout.py measures the same join over real sockets, against the bare stack.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from fanout import SECRET_KEY, prepare_event  # noqa: E402

from facilitation import create_app, socketio_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--tables", type=int, default=30)
    parser.add_argument("--phones", type=int, default=300)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="tischrunde-join-"))
    prepare_event(data, args.tables, args.cards)
    app = create_app({"DATA_DIR": data, "DATABASE": str(data / "tischrunde.db"), "SECRET_KEY": SECRET_KEY,
                      "NEW_PARTICIPANTS_BURST": 10 ** 9})
    sio = socketio_of(app)
    join(app, sio, args.tables, 30)  # warm up: templates compiled, catalogues loaded
    page, connect, sync = join(app, sio, args.tables, args.phones)
    print(f"{args.phones} phones joining an event of {args.cards} cards at {args.tables} tables, per phone: "
          f"page {page * 1000:.2f} ms, connect {connect * 1000:.2f} ms, sync {sync * 1000:.2f} ms, "
          f"together {(page + connect + sync) * 1000:.2f} ms")


def join(app, sio, tables: int, phones: int) -> tuple[float, float, float]:
    """Mean seconds per phone for its page view, its Socket.IO connect and its first sync."""
    page = connect = sync = 0.0
    for n in range(phones):
        table = n % tables + 1
        http = app.test_client()
        started = time.perf_counter()
        assert http.get(f"/e/bench/t/{table}", headers={"Accept-Encoding": "gzip"}).status_code == 200
        loaded = time.perf_counter()
        client = sio.test_client(app, flask_test_client=http,
                                 auth={"event": "bench", "role": "participant", "table": table})
        connected = time.perf_counter()
        reply = client.emit("sync", {"since": 0}, callback=True)
        synced = time.perf_counter()
        assert reply["ok"]
        client.disconnect()
        page, connect, sync = page + loaded - started, connect + connected - loaded, sync + synced - connected
    return page / phones, connect / phones, sync / phones


if __name__ == "__main__":
    main()

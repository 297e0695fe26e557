"""The limit to compare with: a bare Flask-SocketIO server on eventlet that does only
what the fan-out benchmark needs (no database, no checks, no views).

    .venv/bin/python bench/bare_server.py --port 5055 --tables 20

Pages answer 200; a connection joins its rooms from ``auth`` (walls the event, tablets
and phones their table); ``sync`` from 0 returns a snapshot as large as the app's (the
tables, questions and the cards the connection may see: all for a wall, its table's for
the others; ``--prefill N`` cards made up at start), a later ``sync`` an empty replay;
``card:post`` acks and emits the card to the walls, the table's tablets and its phones -
the same emits, with the same listener, buffer, collector and request-context settings
as app.py.
"""
from __future__ import annotations

import argparse
import sys

import eventlet

eventlet.monkey_patch()
sys.modules.setdefault("aiohttp", None)  # as app.py: the benchmark's client library, not the server's

import eventlet.wsgi  # noqa: E402
from flask import Flask  # noqa: E402
from flask import request  # noqa: E402
from flask.ctx import RequestContext  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402


def made_up_card(i: int, tables: int) -> dict:
    """A card with the fields and length of a public card of the app."""
    table = i % tables + 1
    return {"id": f"00000000-0000-4000-8000-{i:012d}", "table_id": table, "question_id": table * 10 + i % 3,
            "text": f"Karte {i}: Mehr Grünflächen und Bänke im Quartier, damit sich Nachbarn treffen",
            "name": "", "status": "visible", "created_at": 1764000000.0 + i, "result_id": None,
            "rank": 1764000000.0 + i, "lang": "de", "translation": "", "source": "phone", "reactions": 0}


class EventContext(RequestContext):
    """No URL matching for Socket.IO events, as facilitation.EventContext (the failed match's
    NotFound and traceback are cyclic garbage the collector stops the server for)."""

    def match_request(self) -> None:
        if self.request.environ.get("PATH_INFO", "").rstrip("/") != "/socket.io":
            super().match_request()


class App(Flask):
    def request_context(self, environ: dict) -> RequestContext:
        return EventContext(self, environ)


def build(tables: int, prefill: int = 0) -> tuple[Flask, SocketIO]:
    app = App(__name__)
    sio = SocketIO(app, async_mode="eventlet", cors_allowed_origins=None, manage_session=False)
    base = {"tables": [{"id": t, "name": f"Tisch {t}"} for t in range(1, tables + 1)],
            "questions": [{"id": t * 10 + q, "table_id": t} for t in range(1, tables + 1) for q in range(3)]}
    cards = [made_up_card(i, tables) for i in range(prefill)]
    seq = {"n": prefill}
    tables_of: dict[str, int | None] = {}

    @app.get("/e/<event>/wall")
    @app.get("/e/<event>/t/<int:table>")
    @app.get("/e/<event>/m/<int:table>")
    def page(event, table=None):
        return "ok"

    @sio.on("connect")
    def connect(auth):
        role, table = auth.get("role"), auth.get("table")
        tables_of[request.sid] = None if role == "wall" else table
        join_room("walls" if role == "wall" else f"{role}:{table}")

    @sio.on("disconnect")
    def disconnect(*_args):
        tables_of.pop(request.sid, None)

    @sio.on("sync")
    def sync(payload=None):
        if (payload or {}).get("since"):
            return {"ok": True, "changes": [], "seq": seq["n"]}
        table = tables_of.get(request.sid)
        seen = cards if table is None else [c for c in cards if c["table_id"] == table]
        return {"ok": True, "snapshot": {"seq": seq["n"], **base, "cards": seen, "results": []}}

    @sio.on("card:post")
    def post(payload):
        seq["n"] += 1
        table = payload["question"] // 10
        change = {"seq": seq["n"], "type": "card.posted", "table_id": table,
                  "card": {"id": payload["id"], "text": payload["text"], "table_id": table}}
        for room in ("walls", f"moderator:{table}", f"participant:{table}"):
            sio.emit("change", change, to=room)
        return {"ok": True, "seq": seq["n"]}

    return app, sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--prefill", type=int, default=0, help="cards the event holds at start")
    args = parser.parse_args()
    app, _ = build(args.tables, args.prefill)
    # The same collector settings as app.py (GC_CALM), so the comparison is of the code, not of them.
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    listener = eventlet.listen(("127.0.0.1", args.port), backlog=1024, reuse_port=False)
    print("ready", flush=True)
    eventlet.wsgi.server(NoDelay(listener), app, max_size=20000, log_output=False, socket_timeout=60,
                         protocol=LeanProtocol)


class LeanProtocol(eventlet.wsgi.HttpProtocol):
    """4 KiB connection buffers, as app.py's lean_protocol."""

    rbufsize = 4096
    wbufsize = 4096


class NoDelay:
    """TCP_NODELAY on every accepted socket, as app.py sets it."""

    def __init__(self, sock):
        self.sock = sock

    def accept(self):
        import socket

        conn, address = self.sock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address

    def __getattr__(self, name):
        return getattr(self.sock, name)


if __name__ == "__main__":
    main()

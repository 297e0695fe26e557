"""Fan-out benchmark: the real eventlet server, many phones, walls and tablets.

Starts ``app.py`` in a subprocess on a fresh data directory, connects N phones
spread over the tables of an event it creates, W walls and one tablet per
table, posts cards at a steady rate and prints what arrived and how fast.

    .venv/bin/python bench/fanout.py --scenario S1
    .venv/bin/python bench/fanout.py --scenario S2
    .venv/bin/python bench/fanout.py --phones 500 --tables 10 --walls 2 --cards 500 --seconds 30
    .venv/bin/python bench/fanout.py --scenario S2 --compare 2   # app and bare server, interleaved, ratios

``--compare N`` runs the app and bench/bare_server.py (the same Flask-SocketIO stack doing
nothing but acks and emits) N times each, alternating, and prints app/bare ratios.

The clients speak Engine.IO 4 / Socket.IO 5 directly over aiohttp websockets
(a few lines each) because python-socketio's client costs more CPU per message
than the server does, and a benchmark should measure the server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from server import SECRET_KEY, LiveServer  # noqa: E402  (tests/server.py: runs app.py)

SCENARIOS = {
    "S1": {"phones": 150, "tables": 5, "walls": 2, "cards": 150, "seconds": 60},
    "S2": {"phones": 2000, "tables": 20, "walls": 4, "cards": 2000, "seconds": 20},
}


class Client:
    """One Socket.IO connection: connect with auth, emit with ack, collect changes."""

    def __init__(self, kind: str, table: int | None, stats: "Stats"):
        self.kind, self.table, self.stats = kind, table, stats
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.ws = None
        self.http = None

    async def connect(self, base: str, page: str, auth: dict) -> None:
        # unsafe=True: keep cookies from an IP-address host (127.0.0.1).
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.http.get(base + page) as response:
            response.raise_for_status()
        cookies = "; ".join(f"{c.key}={c.value}" for c in self.http.cookie_jar)
        url = base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(url, headers={"Cookie": cookies}, max_msg_size=0)
        opened = await self.ws.receive_str()
        assert opened.startswith("0"), opened
        await self.ws.send_str("40" + json.dumps(auth))
        reply = await self.ws.receive_str()
        if not reply.startswith("40"):
            raise RuntimeError(f"{self.kind} refused: {reply}")
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = msg.data
            if data == "2":  # Engine.IO ping
                await self.ws.send_str("3")
            elif data.startswith("42"):
                name, payload = json.loads(data[2:])
                if name == "change" and payload.get("type") == "card.posted":
                    self.stats.delivered(self.kind, payload["card"]["id"])
            elif data.startswith("43"):
                bracket = data.index("[")
                future = self.acks.pop(int(data[2:bracket]), None)
                if future and not future.done():
                    future.set_result(json.loads(data[bracket:])[0])

    async def emit(self, name: str, payload: dict, timeout: float = 10) -> dict:
        ack_id = self.next_ack
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = future
        await self.ws.send_str(f"42{ack_id}" + json.dumps([name, payload]))
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()


class Stats:
    """Send times, arrival times and counts per receiver kind."""

    def __init__(self):
        self.sent_at: dict[str, float] = {}
        self.latency = {"wall": [], "tablet": [], "phone": []}
        self.ack_latency: list[float] = []
        self.errors: list[str] = []

    def delivered(self, kind: str, card_id: str) -> None:
        sent = self.sent_at.get(card_id)
        if sent is not None:
            self.latency[kind].append(time.perf_counter() - sent)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def prepare_event(data_dir: Path, tables: int) -> dict[int, str]:
    """Create the bench event in the server's database before the server starts.

    Returns each table's moderator token.
    """
    os.environ["DATA_DIR"] = str(data_dir)
    from facilitation import commands_of, create_app
    from facilitation.domain import ADMIN, MODERATOR, Actor

    app = create_app({"DATA_DIR": data_dir, "DATABASE": str(data_dir / "tischrunde.db"), "SECRET_KEY": SECRET_KEY})
    commands = commands_of(app)
    names = [f"Tisch {n}" for n in range(1, tables + 1)]
    payload = {"template": "gmuend", "title": "Benchmark", "id": "bench", "tables": names}
    commands.run("event:create", Actor(ADMIN, "bench"), payload)
    tokens = {t["id"]: commands.token("bench", MODERATOR, t["id"]) for t in commands.store.tables("bench")}
    commands.store.close()
    return tokens


async def connect_all(coros, concurrency: int = 40) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def guarded(coro):
        async with gate:
            await coro

    await asyncio.gather(*(guarded(c) for c in coros))


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class BareServer:
    """bench/bare_server.py in a subprocess, shaped like tests/server.py's LiveServer."""

    def __init__(self, tables: int):
        from server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tables = tables
        self.proc = None

    def start(self) -> "BareServer":
        import subprocess

        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(self.port),
                                      "--tables", str(self.tables)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def run(args, target: str = "app") -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="tischrunde-bench-"))
    if target == "bare":
        tokens = {t: "" for t in range(1, args.tables + 1)}
        server = BareServer(args.tables).start()
    else:
        tokens = prepare_event(data_dir, args.tables)
        # One load generator is one address: lift the per-address throttle for new phones (guard.py),
        # which would otherwise let 300 in at once and then one a second.
        server = LiveServer(data_dir, DEMO="0", CARDS_PER_MINUTE="1000", NEW_PARTICIPANTS_BURST="1000000").start()
    stats = Stats()
    try:
        base = server.url
        walls = [Client("wall", None, stats) for _ in range(args.walls)]
        started = time.perf_counter()
        await connect_all([w.connect(base, "/e/bench/wall", {"event": "bench", "role": "wall"}) for w in walls])
        snapshot = (await walls[0].emit("sync", {"since": 0}))["snapshot"]
        table_ids = [t["id"] for t in snapshot["tables"]]
        questions = {t: [q["id"] for q in snapshot["questions"] if q["table_id"] == t] for t in table_ids}
        tablets = [Client("tablet", t, stats) for t in table_ids]
        phones = [Client("phone", table_ids[i % len(table_ids)], stats) for i in range(args.phones)]
        await connect_all(
            [
                t.connect(
                    base,
                    f"/e/bench/m/{t.table}?k={tokens[t.table]}",
                    {"event": "bench", "role": "moderator", "table": t.table},
                )
                for t in tablets
            ]
        )
        await connect_all(
            [
                p.connect(base, f"/e/bench/t/{p.table}", {"event": "bench", "role": "participant", "table": p.table})
                for p in phones
            ]
        )
        join_seconds = time.perf_counter() - started

        interval = args.seconds / args.cards

        async def post(i: int) -> None:
            await asyncio.sleep(i * interval)
            phone = phones[i % len(phones)]
            card_id = str(uuid.uuid4())
            payload = {"id": card_id, "question": questions[phone.table][i % 3], "text": f"Karte {i}: Mehr Grün"}
            stats.sent_at[card_id] = time.perf_counter()
            try:
                ack = await phone.emit("card:post", payload)
            except asyncio.TimeoutError:
                stats.errors.append(f"ack timeout for card {i}")
                return
            stats.ack_latency.append(time.perf_counter() - stats.sent_at[card_id])
            if not ack.get("ok"):
                stats.errors.append(str(ack))

        post_started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in range(args.cards)))
        post_seconds = time.perf_counter() - post_started
        await asyncio.sleep(args.settle)

        phones_per_table = {t: sum(1 for p in phones if p.table == t) for t in table_ids}
        cards_per_table = {t: 0 for t in table_ids}
        for i in range(args.cards):
            cards_per_table[phones[i % len(phones)].table] += 1
        expected = {
            "wall": args.cards * args.walls,
            "tablet": args.cards,
            "phone": sum(cards_per_table[t] * phones_per_table[t] for t in table_ids),
        }
        rss = peak_rss_mib(server.proc.pid)
        for client in walls + tablets + phones:
            await client.close()
    finally:
        server.stop()

    return {
        "connections": args.phones + args.walls + args.tables,
        "join_seconds": join_seconds,
        "cards_sent": args.cards,
        "cards_acked": len(stats.ack_latency),
        "post_seconds": post_seconds,
        "expected": expected,
        "delivered": {k: len(v) for k, v in stats.latency.items()},
        "latency_ms": {
            k: {p: percentile(v, q) * 1000 for p, q in (("p50", 50), ("p99", 99), ("max", 100))}
            for k, v in stats.latency.items()
        },
        "ack_ms": {"p50": percentile(stats.ack_latency, 50) * 1000, "p99": percentile(stats.ack_latency, 99) * 1000},
        "server_peak_rss_mib": rss,
        "errors": stats.errors[:5],
        "error_count": len(stats.errors),
    }


def report(name: str, args, result: dict) -> str:
    lines = [
        f"scenario {name}: {args.phones} phones, {args.tables} tables, {args.walls} walls, "
        f"{args.cards} cards in {args.seconds:g} s",
        f"  connections {result['connections']} joined in {result['join_seconds']:.1f} s",
        f"  cards sent {result['cards_sent']}, acked {result['cards_acked']} "
        f"(posting took {result['post_seconds']:.1f} s), errors {result['error_count']}",
    ]
    for kind in ("wall", "tablet", "phone"):
        lat = result["latency_ms"][kind]
        lines.append(
            f"  post-to-{kind:<6} delivered {result['delivered'][kind]:>7} of {result['expected'][kind]:>7}   "
            f"p50 {lat['p50']:7.1f} ms  p99 {lat['p99']:7.1f} ms  max {lat['max']:7.1f} ms"
        )
    lines.append(f"  ack latency p50 {result['ack_ms']['p50']:.1f} ms  p99 {result['ack_ms']['p99']:.1f} ms")
    lines.append(f"  server peak RSS {result['server_peak_rss_mib']:.0f} MiB")
    missing = sum(result["expected"][k] - result["delivered"][k] for k in result["expected"])
    lines.append(f"  missing deliveries: {missing}")
    for error in result["errors"]:
        lines.append(f"  error: {error}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--phones", type=int)
    parser.add_argument("--tables", type=int)
    parser.add_argument("--walls", type=int)
    parser.add_argument("--cards", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--settle", type=float, default=3.0, help="wait for stragglers after the last post")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--compare", type=int, default=0, metavar="N",
                        help="run the app and the bare server N times each, alternating, and print ratios")
    args = parser.parse_args()
    defaults = SCENARIOS.get(args.scenario, SCENARIOS["S1"])
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.phones + 256)), hard))
    if args.compare:
        sys.exit(compare(args))
    result = asyncio.run(run(args))
    print(report(args.scenario or "custom", args, result))
    if args.json:
        print(json.dumps(result, indent=2))
    sys.exit(failed(result))


def compare(args) -> int:
    """App and bare server, alternating; medians per target and app/bare ratios."""
    import statistics

    runs = {"app": [], "bare": []}
    status = 0
    for _ in range(args.compare):
        for target in ("app", "bare"):
            result = asyncio.run(run(args, target))
            print(f"[{target}]")
            print(report(args.scenario or "custom", args, result))
            status |= failed(result)
            runs[target].append(result)
    print("app / bare (medians):")
    for kind in ("wall", "tablet", "phone"):
        cells = []
        for p in ("p50", "p99", "max"):
            app = statistics.median(r["latency_ms"][kind][p] for r in runs["app"])
            bare = statistics.median(r["latency_ms"][kind][p] for r in runs["bare"])
            cells.append(f"{p} {app:.1f} / {bare:.1f} ms = {app / bare:.1f}x")
        print(f"  post-to-{kind:<6} " + ", ".join(cells))
    app_ack = statistics.median(r["ack_ms"]["p99"] for r in runs["app"])
    bare_ack = statistics.median(r["ack_ms"]["p99"] for r in runs["bare"])
    print(f"  ack p99 {app_ack:.1f} / {bare_ack:.1f} ms = {app_ack / bare_ack:.1f}x")
    return status


def failed(result: dict) -> int:
    """1 when anything was lost, refused or never acked (a benchmark that can fail), else 0."""
    missing = sum(result["expected"][k] - result["delivered"][k] for k in result["expected"])
    unacked = result["cards_sent"] - result["cards_acked"]
    if missing or unacked or result["error_count"]:
        print(f"FAILED: {missing} deliveries missing, {unacked} cards without ack, {result['error_count']} errors")
        return 1
    return 0


if __name__ == "__main__":
    main()

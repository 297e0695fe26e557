"""Fan-out benchmark: the real eventlet server, many phones, walls and tablets, against the limit.

Starts ``app.py`` (or bench/bare_server.py, the same Flask-SocketIO stack doing nothing but acks
and emits) in a subprocess on a fresh data directory, connects W walls, one tablet per table and
N phones the way the browser does (page, WebSocket, ``sync``), posts cards at a steady rate and
checks every delivery of every receiver.

    .venv/bin/python bench/fanout.py --scenario S1
    .venv/bin/python bench/fanout.py --scenario S2B --compare 2   # app and bare, interleaved, ratios
    .venv/bin/python bench/fanout.py --phones 500 --tables 10 --rate 20 --seconds 30 --prefill 1000

Scenarios (phones / tables / walls, cards per second for how long, cards already in the event):
S1 150/5/2 at 10/s, S2 2,000/20/4 at 10/s, S2B the burst (2,000/20/4 at 100/s), S3 4,000/30/4 (30 tables: the most an event may have) at
10/s with 5,000 cards already posted.

What makes the figures honest:
- The load generator runs in processes of its own: this one (walls, tablets, one posting phone
  per table, the probe) and ``--procs`` others for the rest of the phones, so a wall's figures
  never wait for the generator to read 2,000 phones' messages. Each prints its CPU share (a
  generator near 100 % of a core measures itself, and the run says so).
- Latency counts from when a card was *due* (stamped into its text, read by whichever process
  receives it; all share the machine's monotonic clock), not when the generator got round to
  sending it, so a late generator shows up as latency instead of hiding it.
- Every receiver keeps the ids it got: duplicates, unexpected disconnects, ack timeouts and every
  missing delivery per receiver are counted, and any of them makes the run exit 1.
- While everyone joins, a probe asks the server for nothing every 20 ms: its slowest answer is
  the longest time the event loop stalled (a large ``sync`` it had to build, say).
- ``--compare N`` alternates app and bare N times each and prints medians and app/bare ratios.

The clients speak Engine.IO 4 / Socket.IO 5 directly over aiohttp websockets (a few lines each)
because python-socketio's client costs more CPU per message than the server does.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from server import SECRET_KEY, LiveServer, free_port  # noqa: E402  (tests/server.py: runs app.py)

SCENARIOS = {
    "S1": {"phones": 150, "tables": 5, "walls": 2, "rate": 10, "seconds": 20, "prefill": 0},
    "S2": {"phones": 2000, "tables": 20, "walls": 4, "rate": 10, "seconds": 20, "prefill": 0},
    "S2B": {"phones": 2000, "tables": 20, "walls": 4, "rate": 100, "seconds": 20, "prefill": 0},
    "S3": {"phones": 4000, "tables": 30, "walls": 4, "rate": 10, "seconds": 20, "prefill": 5000},
}
KINDS = ("wall", "tablet", "phone")
DUE = " due="  # a card's text ends with its due time (time.perf_counter, the same clock in every process)


def stamp(due: float) -> str:
    """A due time in letters: digits would look like a phone number, and the app holds those."""
    n, letters = int(due * 1e6), ""
    while n:
        n, digit = divmod(n, 26)
        letters = chr(97 + digit) + letters
    return letters


def unstamp(letters: str) -> float:
    n = 0
    for letter in letters:
        n = n * 26 + ord(letter) - 97
    return n / 1e6
ACK_TIMEOUT = 10.0
PROBE_EVERY = 0.02


class Client:
    """One Socket.IO connection: connect with auth, emit with ack, keep the card ids it got."""

    def __init__(self, kind: str, table: int | None, stats: "Stats", base: str = ""):
        self.kind, self.table, self.stats, self.base = kind, table, stats, base
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.ws = self.http = self.reader = None
        self.received: set[str] = set()
        self.duplicates = 0
        self.closing = False
        self.disconnected = False
        self.messages = 0  # change/changes frames received (a batch is one)

    async def connect(self, page: str, auth: dict) -> None:
        """Load the page (cookie), open the WebSocket and authenticate, as live.js does."""
        base = self.base
        # unsafe=True: keep cookies from an IP-address host (127.0.0.1).
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.http.get(base + page) as response:
            response.raise_for_status()
            await response.read()
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

    async def join(self, page: str, auth: dict) -> dict:
        """Connect, then ``sync`` from nothing like a fresh page (and its pages, as live.js
        does); returns the snapshot."""
        await self.connect(page, auth)
        reply = await self.emit("sync", {"since": 0}, timeout=60)
        snapshot = reply["snapshot"]
        while snapshot.get("more"):
            page = await self.emit("sync", {"page": snapshot["more"]}, timeout=60)
            snapshot["cards"] += page["cards"]
            snapshot["more"] = page["more"]
        return snapshot

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = msg.data
            if data == "2":  # Engine.IO ping
                await self.ws.send_str("3")
            elif data.startswith("42"):
                name, payload = json.loads(data[2:])
                if name == "change":
                    self.messages += 1
                    self.got(payload)
                elif name == "changes":  # a batch, in seq order
                    self.messages += 1
                    for change in payload:
                        self.got(change)
            elif data.startswith("43"):
                bracket = data.index("[")
                future = self.acks.pop(int(data[2:bracket]), None)
                if future and not future.done():
                    future.set_result(json.loads(data[bracket:])[0])
        if not self.closing:
            self.disconnected = True

    def got(self, change: dict) -> None:
        if change.get("type") != "card.posted":
            return
        card_id = change["card"]["id"]
        if card_id in self.received:
            self.duplicates += 1
            return
        self.received.add(card_id)
        self.stats.delivered(self.kind, change["card"]["text"])

    async def emit(self, name: str, payload: dict, timeout: float = ACK_TIMEOUT) -> dict:
        ack_id = self.next_ack
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = future
        await self.ws.send_str(f"42{ack_id}" + json.dumps([name, payload]))
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()


class Stats:
    """When each card was due, arrival latencies per receiver kind, acks, the generator's lag."""

    def __init__(self):
        self.due_at: dict[str, float] = {}
        self.table_of: dict[str, int] = {}
        self.latency = {kind: [] for kind in KINDS}
        self.ack_latency: list[float] = []
        self.send_lag: list[float] = []
        self.errors: list[str] = []
        self.ack_timeouts = 0

    def delivered(self, kind: str, text: str) -> None:
        """A card arrived: its latency from the due time stamped into its text."""
        _, _, due = text.rpartition(DUE)
        if due:
            self.latency[kind].append(time.perf_counter() - unstamp(due))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def spread(values: list[float]) -> dict:
    """p50 / p99 / max in ms."""
    return {p: percentile(values, q) * 1000 for p, q in (("p50", 50), ("p99", 99), ("max", 100))}


# -- the servers ----------------------------------------------------------------------------


def prepare_event(data_dir: Path, tables: int, prefill: int) -> dict[int, str]:
    """Create the bench event (and ``prefill`` cards spread over its tables) before the server
    starts. Returns each table's moderator token."""
    os.environ["DATA_DIR"] = str(data_dir)
    from facilitation import commands_of, create_app
    from facilitation.domain import ADMIN, MODERATOR, PARTICIPANT, Actor

    app = create_app({"DATA_DIR": data_dir, "DATABASE": str(data_dir / "tischrunde.db"), "SECRET_KEY": SECRET_KEY,
                      "CARDS_PER_MINUTE": 10 ** 9})
    commands = commands_of(app)
    names = [f"Tisch {n}" for n in range(1, tables + 1)]
    commands.run("event:create", Actor(ADMIN, "bench"), {"template": "gmuend", "title": "Benchmark", "id": "bench",
                                                        "tables": names})
    store = commands.store
    tokens = {t["id"]: commands.token("bench", MODERATOR, t["id"]) for t in store.tables("bench")}
    if prefill:
        store.db.execute("PRAGMA synchronous=OFF")  # preparation only: the server itself syncs every commit
        questions = [(q["table_id"], q["id"]) for q in store.questions("bench")]
        for i in range(prefill):
            table_id, question_id = questions[i % len(questions)]
            actor = Actor(PARTICIPANT, "bench", table_id, f"prefill-{i % 500}")
            commands.run("card:post", actor, {"id": str(uuid.uuid4()), "question": question_id,
                                              "text": prefill_text(i)})
    store.close()
    return tokens


def prefill_text(i: int) -> str:
    """A card as long as a typical one (~70 characters), different every time."""
    return f"Karte {i}: Mehr Grünflächen und Bänke im Quartier, damit sich Nachbarn treffen"


class BareServer:
    """bench/bare_server.py in a subprocess, shaped like tests/server.py's LiveServer."""

    def __init__(self, tables: int, prefill: int, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--port", str(self.port), "--tables", str(tables), "--prefill", str(prefill)]
        self.proc = None

    def start(self) -> "BareServer":
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_server.py"), *self.args],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def start_servers(args, target: str, data_dir: Path) -> tuple[list, dict]:
    """The server processes under test and each table's moderator token. With ``--servers N``
    (the app only), N processes on one database share their rooms through a Redis of their own."""
    if target == "bare":
        return [BareServer(args.tables, args.prefill, args.port).start()], {t: "" for t in range(1, args.tables + 1)}
    tokens = prepare_event(data_dir, args.tables, args.prefill)
    # One load generator is one address: lift the per-address throttle for new phones (guard.py),
    # which would otherwise let 300 in at once and then one a second.
    env = {"DEMO": "0", "CARDS_PER_MINUTE": "1000", "NEW_PARTICIPANTS_BURST": "1000000"}
    servers = []
    if args.servers > 1:
        servers.append(RedisServer(data_dir).start())
        env["MESSAGE_QUEUE"] = servers[0].url
    for n in range(args.servers):
        port = args.port + n if args.port else None
        servers.append(LiveServer(data_dir, port=port, **env).start(timeout=60))
    return servers, tokens


class RedisServer:
    """Debian's redis-server on a free port, for a multi-process run."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.data_dir = data_dir

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.data_dir)], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


MEMORY_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def proc_memory_mib(pid: int) -> dict:
    """Resident memory now (VmRSS), at its peak (VmHWM), and now split into the process's own
    pages (RssAnon) and mapped files' pages (RssFile: shared, reclaimable page cache), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in MEMORY_FIELDS:
            fields[key] = int(value.split()[0]) / 1024
    return fields


def proc_cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of a process so far: the server's from /proc, ours from getrusage."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_of(pids: list[int]) -> dict:
    """The server processes' memory figures (``proc_memory_mib``), added up (MiB)."""
    each = [proc_memory_mib(pid) for pid in pids]
    return {key: sum(m.get(key, float("nan")) for m in each) for key in MEMORY_FIELDS}


class CpuShare:
    """CPU share of the generator (this process) and the server processes over a stretch of wall time."""

    def __init__(self, server_pids: list[int]):
        self.pids = server_pids
        self.start = (time.perf_counter(), proc_cpu_seconds(), sum(map(proc_cpu_seconds, server_pids)))

    def stop(self) -> dict:
        wall = time.perf_counter() - self.start[0]
        return {"generator": (proc_cpu_seconds() - self.start[1]) / wall,
                "server": (sum(map(proc_cpu_seconds, self.pids)) - self.start[2]) / wall}


# -- one run --------------------------------------------------------------------------------


async def connect_all(coros, concurrency: int = 40) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def guarded(coro):
        async with gate:
            await coro

    await asyncio.gather(*(guarded(c) for c in coros))


async def probe_loop(client: Client, until: asyncio.Event, seq: int, rtts: list[float],
                     every: float = PROBE_EVERY) -> None:
    """Ask for the (empty) changes since ``seq`` again and again: each answer's time is how long
    the server's loop took to get to it."""
    while not until.is_set():
        sent = time.perf_counter()
        await client.emit("sync", {"since": seq}, timeout=60)
        rtts.append(time.perf_counter() - sent)
        await asyncio.sleep(every)


def phone_join(phone: Client):
    return phone.join(f"/e/bench/t/{phone.table}", {"event": "bench", "role": "participant", "table": phone.table})


async def join_everyone(tokens: dict, walls, tablets, posters, workers, probe, seq: int) -> dict:
    """Walls, then tablets, then the phones (here and in the worker processes, at once) join
    as browsers do while the probe measures stalls."""
    rtts: list[float] = []
    done = asyncio.Event()
    prober = asyncio.create_task(probe_loop(probe, done, seq, rtts))
    started = time.perf_counter()
    await connect_all([w.join("/e/bench/wall", {"event": "bench", "role": "wall"}) for w in walls])
    await connect_all([t.join(f"/e/bench/m/{t.table}?k={tokens[t.table]}",
                              {"event": "bench", "role": "moderator", "table": t.table}) for t in tablets])
    for worker in workers:
        worker.send("join")
    await connect_all([phone_join(p) for p in posters], concurrency=10)
    for worker in workers:
        await worker.answer()  # "joined"
    seconds = time.perf_counter() - started
    done.set()
    await prober
    return {"seconds": seconds, "probe_ms": spread(rtts)}


class Worker:
    """A process of its own running ``body(pipe, *args)``, steered by messages through the pipe
    (phone_worker, wall_worker)."""

    def __init__(self, body, *args):
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.proc = context.Process(target=body, args=(child, *args), daemon=True)
        self.proc.start()

    def send(self, message: str) -> None:
        self.pipe.send(message)

    async def answer(self):
        return await asyncio.get_running_loop().run_in_executor(None, self.pipe.recv)

    def stop(self) -> None:
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()


def phone_worker(pipe, phones: list[tuple[str, int]]) -> None:
    """A Worker holding a share of the phones (receivers only): join -> 'joined'; measure ->
    (CPU starts counting); report -> what its phones received. ``phones`` are (server URL,
    table) pairs."""
    asyncio.run(_phone_worker(pipe, phones))


async def _phone_worker(pipe, pairs: list[tuple[str, int]]) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    phones = [Client("phone", table, stats, base) for base, table in pairs]
    assert await loop.run_in_executor(None, pipe.recv) == "join"
    await connect_all([phone_join(p) for p in phones])
    pipe.send("joined")
    assert await loop.run_in_executor(None, pipe.recv) == "measure"
    cpu = (time.perf_counter(), proc_cpu_seconds())
    assert await loop.run_in_executor(None, pipe.recv) == "report"
    pipe.send({
        "cpu_share": (proc_cpu_seconds() - cpu[1]) / (time.perf_counter() - cpu[0]),
        "latency": stats.latency["phone"],
        "received": [(p.table, sorted(p.received)) for p in phones],
        "duplicates": sum(p.duplicates for p in phones),
        "disconnected": sum(p.disconnected for p in phones),
        "messages": sum(p.messages for p in phones),
    })
    for phone in phones:
        await phone.close()


async def one_wall_joins(base: str, probe: Client, seq: int) -> dict:
    """One more wall joins a quiet server (the whole event in its snapshot) while the probe asks
    every 5 ms: the probe's slowest answer is how long that sync held up everyone else.

    The wall joins from a process of its own: reading its 1.5 MB snapshot in the probe's
    process held the probe's answers up too, and the probe counted that as the server's
    stall (20.5 ms at 4,000 phones, while the server's loop was never more than 6 ms late)."""
    joiner = Worker(wall_worker, base)
    try:
        assert await joiner.answer() == "ready"
        rtts: list[float] = []
        done = asyncio.Event()
        prober = asyncio.create_task(probe_loop(probe, done, seq, rtts, every=0.005))
        await asyncio.sleep(0.1)
        joiner.send("join")
        seconds = await joiner.answer()
        await asyncio.sleep(0.1)
        done.set()
        await prober
    finally:
        joiner.send("close")  # only its join was measured
        joiner.stop()
    return {"seconds": seconds, "probe_ms": spread(rtts)}


def wall_worker(pipe, base: str) -> None:
    """A Worker that is one more wall: ready -> join -> the seconds its join took; close."""
    asyncio.run(_wall_worker(pipe, base))


async def _wall_worker(pipe, base: str) -> None:
    loop = asyncio.get_running_loop()
    wall = Client("wall", None, Stats(), base)
    pipe.send("ready")
    assert await loop.run_in_executor(None, pipe.recv) == "join"
    started = time.perf_counter()
    await wall.join("/e/bench/wall", {"event": "bench", "role": "wall"})
    pipe.send(time.perf_counter() - started)
    await loop.run_in_executor(None, pipe.recv)
    await wall.close()


async def sample_rss(pids: list[int], every: float, series: list) -> None:
    """The server's resident memory every ``every`` seconds while cards are posted (0: never)."""
    started = time.perf_counter()
    while every:
        series.append((time.perf_counter() - started, memory_of(pids)["VmRSS"]))
        await asyncio.sleep(every)


async def post_cards(args, phones, questions, stats: Stats) -> float:
    """Each card is due at start + i / rate and sent from the next phone; returns how long
    posting took."""
    count = int(args.rate * args.seconds)
    start = time.perf_counter() + 0.5

    async def post(i: int) -> None:
        due = start + i / args.rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        phone = phones[i % len(phones)]
        card_id = str(uuid.uuid4())
        stats.due_at[card_id] = due
        stats.table_of[card_id] = phone.table
        stats.send_lag.append(time.perf_counter() - due)
        payload = {"id": card_id, "question": questions[phone.table][i % len(questions[phone.table])],
                   "text": f"Karte {i}: Mehr Grün{DUE}{stamp(due)}"}
        try:
            ack = await phone.emit("card:post", payload)
        except asyncio.TimeoutError:
            stats.ack_timeouts += 1
            return
        stats.ack_latency.append(time.perf_counter() - due)
        if not ack.get("ok"):
            stats.errors.append(str(ack))

    await asyncio.gather(*(post(i) for i in range(count)))
    return time.perf_counter() - start


def losses(receivers: list[tuple[str, int | None, set]], cards_by_table: dict, all_cards: set) -> dict:
    """Missing deliveries per receiver kind, and how many receivers missed anything; each
    receiver is (kind, table, the card ids it got)."""
    missing = {kind: 0 for kind in KINDS}
    losers = {kind: 0 for kind in KINDS}
    for kind, table, received in receivers:
        expected = all_cards if kind == "wall" else cards_by_table.get(table, set())
        lost = len(expected - received)
        missing[kind] += lost
        losers[kind] += bool(lost)
    return {"missing": missing, "receivers_with_loss": losers}


async def run(args, target: str = "app") -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="tischrunde-bench-"))
    servers, tokens = start_servers(args, target, data_dir)
    pids = [server.proc.pid for server in servers]
    stats = Stats()
    clients: list[Client] = []
    workers: list[Worker] = []
    rss_series: list[tuple[float, float]] = []
    try:
        # CPU and memory figures add up every server process (Redis too); clients go to the app's.
        bases = [server.url for server in servers if not isinstance(server, RedisServer)]

        def base(n: int) -> str:  # clients spread over the server processes in turn
            return bases[n % len(bases)]

        first = Client("wall", None, stats, base(0))
        snapshot = await first.join("/e/bench/wall", {"event": "bench", "role": "wall"})
        table_ids = [t["id"] for t in snapshot["tables"]]
        questions = {t: [q["id"] for q in snapshot["questions"] if q["table_id"] == t] for t in table_ids}
        walls = [Client("wall", None, stats, base(n + 1)) for n in range(args.walls - 1)]
        tablets = [Client("tablet", t, stats, base(n)) for n, t in enumerate(table_ids)]
        # One phone per table posts (here); the others only read (in the worker processes).
        phone_tables = [table_ids[i % len(table_ids)] for i in range(args.phones)]
        posters = [Client("phone", t, stats, base(n)) for n, t in enumerate(phone_tables[:len(table_ids)])]
        readers = [(base(n), t) for n, t in enumerate(phone_tables[len(table_ids):])]
        workers = [Worker(phone_worker, readers[n::args.procs]) for n in range(args.procs)]
        clients = [first, *walls, *tablets, *posters]
        joined = await join_everyone(tokens, walls, tablets, posters, workers, first, snapshot["seq"])
        memory_joined = memory_of(pids)
        late_wall = await one_wall_joins(base(0), first, snapshot["seq"])

        cpu = CpuShare(pids)
        for worker in workers:
            worker.send("measure")
        sampler = asyncio.create_task(sample_rss(pids, args.sample_rss, rss_series))
        post_seconds = await post_cards(args, posters, questions, stats)
        await asyncio.sleep(args.settle)
        sampler.cancel()
        cpu_share = cpu.stop()
        for worker in workers:
            worker.send("report")
        reports = [await worker.answer() for worker in workers]
        cpu_share["phone workers"] = [r["cpu_share"] for r in reports]
        for r in reports:
            stats.latency["phone"].extend(r["latency"])

        cards_by_table: dict[int, set] = {}
        for card_id, table in stats.table_of.items():
            cards_by_table.setdefault(table, set()).add(card_id)
        receivers = [(c.kind, c.table, c.received) for c in clients] + [
            ("phone", table, set(ids)) for r in reports for table, ids in r["received"]]
        lost = losses(receivers, cards_by_table, set(stats.due_at))
        memory = memory_of(pids)
        expected = {"wall": len(stats.due_at) * args.walls, "tablet": len(stats.due_at),
                    "phone": sum(len(cards_by_table.get(t, ())) for t in phone_tables)}
        result = {
            "target": target,
            "connections": len(clients) + len(readers),
            "join_seconds": joined["seconds"],
            "join_probe_ms": joined["probe_ms"],
            "wall_sync_seconds": late_wall["seconds"],
            "wall_sync_probe_ms": late_wall["probe_ms"],
            "cards_sent": len(stats.due_at),
            "cards_acked": len(stats.ack_latency),
            "ack_timeouts": stats.ack_timeouts,
            "post_seconds": post_seconds,
            "expected": expected,
            "delivered": {k: len(v) for k, v in stats.latency.items()},
            "missing": lost["missing"],
            "receivers_with_loss": lost["receivers_with_loss"],
            "phone_messages": sum(c.messages for c in clients if c.kind == "phone") + sum(r["messages"] for r in reports),
            "duplicates": sum(c.duplicates for c in clients) + sum(r["duplicates"] for r in reports),
            "disconnected": sum(c.disconnected for c in clients) + sum(r["disconnected"] for r in reports),
            "latency_ms": {k: spread(v) for k, v in stats.latency.items()},
            "ack_ms": spread(stats.ack_latency),
            "send_lag_ms": spread(stats.send_lag),
            "cpu_share": cpu_share,
            "server_memory_mib": {"joined": memory_joined, "end": memory},  # memory_of's figures
            "rss_series": rss_series,
            "errors": stats.errors[:5],
            "error_count": len(stats.errors),
        }
    finally:
        for client in clients:
            await client.close()
        for worker in workers:
            worker.stop()
        for server in servers:
            server.stop()
    return result


# -- reporting ------------------------------------------------------------------------------


def report(name: str, args, result: dict) -> str:
    lines = [
        f"scenario {name} [{result['target']}]: {args.phones} phones, {args.tables} tables, {args.walls} walls, "
        f"{args.rate:g} cards/s for {args.seconds:g} s, {args.prefill} cards already in the event",
        f"  {result['connections']} connections joined (page, socket, sync) in {result['join_seconds']:.1f} s; "
        f"loop stall probe p50 {result['join_probe_ms']['p50']:.1f} / p99 {result['join_probe_ms']['p99']:.1f} / "
        f"max {result['join_probe_ms']['max']:.1f} ms",
        f"  one more wall joins a quiet server in {result['wall_sync_seconds'] * 1000:.0f} ms; probe meanwhile "
        f"p50 {result['wall_sync_probe_ms']['p50']:.1f} / max {result['wall_sync_probe_ms']['max']:.1f} ms",
        f"  cards due {result['cards_sent']}, acked {result['cards_acked']}, ack timeouts {result['ack_timeouts']}, "
        f"errors {result['error_count']} (posting took {result['post_seconds']:.1f} s)",
    ]
    for kind in KINDS:
        lat = result["latency_ms"][kind]
        lines.append(
            f"  due-to-{kind:<6} delivered {result['delivered'][kind]:>7} of {result['expected'][kind]:>7}   "
            f"p50 {lat['p50']:7.1f}  p99 {lat['p99']:7.1f}  max {lat['max']:7.1f} ms   "
            f"missing {result['missing'][kind]} at {result['receivers_with_loss'][kind]} receivers"
        )
    lines.append(f"  messages the phones received: {result['phone_messages']} for {result['delivered']['phone']} cards")
    ack, lag = result["ack_ms"], result["send_lag_ms"]
    lines.append(f"  ack p50 {ack['p50']:.1f} / p99 {ack['p99']:.1f} / max {ack['max']:.1f} ms;  "
                 f"generator lag p99 {lag['p99']:.1f} / max {lag['max']:.1f} ms")
    cpu = result["cpu_share"]
    workers = ", ".join(f"{share:.0%}" for share in cpu["phone workers"])
    saturated = max([cpu["generator"], *cpu["phone workers"]]) > 0.9
    lines.append(f"  CPU while posting: server {cpu['server']:.0%} of a core, generator {cpu['generator']:.0%}, "
                 f"phone workers {workers}" + ("  (a generator saturated: figures include its own delay)"
                                               if saturated else ""))
    rss = {moment: f"{m['VmRSS']:.0f} MiB ({m['RssAnon']:.0f} own + {m['RssFile']:.0f} mapped files)"
           for moment, m in result["server_memory_mib"].items()}
    lines.append(f"  server RSS after the join {rss['joined']}, at the end {rss['end']}, "
                 f"peak {result['server_memory_mib']['end']['VmHWM']:.0f} MiB")
    if result["rss_series"]:
        lines.append("  server RSS while posting (s: MiB): " + ", ".join(
            f"{t:.0f}: {mib:.0f}" for t, mib in result["rss_series"]))
    lines.append(f"  duplicates {result['duplicates']}, unexpected disconnects {result['disconnected']}")
    for error in result["errors"]:
        lines.append(f"  error: {error}")
    return "\n".join(lines)


def failed(result: dict) -> int:
    """1 when anything was lost, doubled, refused, dropped or never acked, else 0."""
    missing = sum(result["missing"].values())
    problems = missing + result["ack_timeouts"] + result["error_count"] + result["duplicates"] + result["disconnected"]
    if problems:
        print(f"FAILED [{result['target']}]: {missing} deliveries missing, {result['ack_timeouts']} ack timeouts, "
              f"{result['error_count']} errors, {result['duplicates']} duplicates, "
              f"{result['disconnected']} disconnects")
        return 1
    return 0


def compare(args) -> int:
    """App and bare server, alternating; medians and app/bare ratios."""
    runs = {"app": [], "bare": []}
    status = 0
    for _ in range(args.compare):
        for target in ("app", "bare"):
            result = asyncio.run(run(args, target))
            print(report(args.scenario or "custom", args, result), flush=True)
            status |= failed(result)
            runs[target].append(result)

    def ratio(label: str, pick) -> str:
        app = statistics.median(pick(r) for r in runs["app"])
        bare = statistics.median(pick(r) for r in runs["bare"])
        return f"{label} {app:.1f} / {bare:.1f} = {app / bare:.2f}x"

    print(f"app / bare, medians of {args.compare} runs each:")
    for kind in KINDS:
        print(f"  due-to-{kind:<6} " + ", ".join(
            ratio(p, lambda r, k=kind, p=p: r["latency_ms"][k][p]) for p in ("p50", "p99", "max")) + " ms")
    print("  ack " + ", ".join(ratio(p, lambda r, p=p: r["ack_ms"][p]) for p in ("p50", "p99", "max")) + " ms")
    print("  " + ratio("join", lambda r: r["join_seconds"]) + " s; "
          + ratio("probe max during the join", lambda r: r["join_probe_ms"]["max"]) + " ms; "
          + ratio("probe max during a wall's sync", lambda r: r["wall_sync_probe_ms"]["max"]) + " ms")
    print("  " + ratio("peak RSS", lambda r: r["server_memory_mib"]["end"]["VmHWM"]) + " MiB")
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--phones", type=int)
    parser.add_argument("--tables", type=int)
    parser.add_argument("--walls", type=int)
    parser.add_argument("--rate", type=float, help="cards per second")
    parser.add_argument("--seconds", type=float, help="how long cards are posted")
    parser.add_argument("--prefill", type=int, help="cards already in the event before anyone joins")
    parser.add_argument("--settle", type=float, default=3.0, help="wait for stragglers after the last post")
    parser.add_argument("--port", type=int, help="the server's port (default: a free one)")
    parser.add_argument("--procs", type=int, default=1, help="processes for the reading phones")
    parser.add_argument("--servers", type=int, default=1,
                        help="app processes sharing their rooms through Redis (needs redis-server)")
    parser.add_argument("--sample-rss", type=float, default=0, metavar="SECONDS",
                        help="print the server's RSS every SECONDS while posting (for hour-long runs)")
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


if __name__ == "__main__":
    main()

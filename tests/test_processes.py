"""Past one process (issue 13): two servers share their rooms through Redis
(MESSAGE_QUEUE), every screen sees changes in seq order whichever process made them, and
the clients of a killed process converge on the other one."""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from server import LiveServer, free_port


class RedisServer:
    """Debian's redis-server on a port of its own, which a test can stop and start again."""

    def __init__(self, data_dir):
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server is missing: `make test` installs it (apt-get install redis-server)"
        self.port, self.data_dir, self.proc = free_port(), data_dir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        import redis

        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.data_dir)], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        assert wait_for(lambda: _pings(client), seconds=60), "redis-server did not start"
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """Debian's redis-server on a free port, for this test only (make test installs it)."""
    return redis_server.url


class Screen:
    """A Socket.IO client with a session cookie, that keeps every change it receives."""

    def __init__(self, server, page: str, auth: dict, cookie: str | None = None):
        if cookie is None:
            http = requests.Session()
            http.get(server.url + page, timeout=5).raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        self.cookie, self.auth, self.received = cookie, auth, []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("change", lambda change: self.keep([change]))
        self.client.on("changes", self.keep)
        self.client.connect(server.url, headers={"Cookie": cookie}, auth=auth, transports=["websocket"], wait_timeout=5)
        self.state = self.client.call("sync", {"since": 0})["snapshot"]

    def keep(self, changes):
        with self.lock:
            self.received.extend(changes)

    def seqs(self) -> list[int]:
        with self.lock:
            return [c["seq"] for c in self.received]

    def card_ids(self) -> set[str]:
        with self.lock:
            return {c["card"]["id"] for c in self.received if c.get("type") == "card.posted"}


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def wait_for(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_two_processes_share_rooms_in_seq_order_and_a_killed_ones_clients_converge(tmp_path, redis_url):
    first = LiveServer(tmp_path, MESSAGE_QUEUE=redis_url, PHONE_FEED_INTERVAL="0.3", CARDS_PER_MINUTE="1000").start()
    second = LiveServer(tmp_path, MESSAGE_QUEUE=redis_url, PHONE_FEED_INTERVAL="0.3", CARDS_PER_MINUTE="1000").start()
    try:
        links = first.links()
        table = links["tables"][0]["id"]
        page, auth = f"/e/demo/t/{table}", {"event": "demo", "role": "participant", "table": table}
        wall_auth = {"event": "demo", "role": "wall"}
        phone_a, phone_b = Screen(first, page, auth), Screen(second, page, auth)
        wall_a, wall_b = Screen(first, "/e/demo/wall", wall_auth), Screen(second, "/e/demo/wall", wall_auth)
        question = [q["id"] for q in phone_a.state["questions"] if q["table_id"] == table][0]
        posted: list[str] = []

        def post(phone, count):
            for n in range(count):
                card_id = str(uuid.uuid4())
                assert phone.client.call("card:post", {"id": card_id, "question": question, "text": f"Karte {n}"})["ok"]
                posted.append(card_id)

        # Cards from two phones on each process at once: their commits interleave.
        phone_a2, phone_b2 = Screen(first, page, auth), Screen(second, page, auth)
        posters = [threading.Thread(target=post, args=(phone, 25)) for phone in (phone_a, phone_b, phone_a2, phone_b2)]
        for thread in posters:
            thread.start()
        for thread in posters:
            thread.join()
        for screen in (wall_a, wall_b, phone_a, phone_b):
            assert wait_for(lambda s=screen: s.card_ids() == set(posted)), "a card did not arrive"
            seqs = screen.seqs()
            assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), f"out of order: {seqs}"

        # A moderator link replaced by the lead on one process closes the tablet on the other.
        tablet = Screen(second, path_of(links["tables"][0]["moderator"]), {"event": "demo", "role": "moderator",
                                                                            "table": table})
        lead = Screen(first, path_of(links["lead"]), {"event": "demo", "role": "lead"})
        assert lead.client.call("link:replace", {"role": "moderator", "table": table})["ok"]
        assert wait_for(lambda: not tablet.client.connected), "the replaced link's tablet is still connected"

        # The first process dies; its phone comes back on the second and catches up.
        first.kill9()
        last_seen = max(phone_a.seqs())
        post(phone_b, 3)
        back = Screen(second, page, auth, cookie=phone_a.cookie)
        replay = back.client.call("sync", {"since": last_seen})
        assert {c["card"]["id"] for c in replay["changes"]} == set(posted[-3:])
        assert wait_for(lambda: wall_b.card_ids() == set(posted))
        mine = back.client.call("sync", {"since": 0})["snapshot"]["mine"]
        assert len(mine) == 25  # the same phone (its cookie), on the other process
        for screen in (phone_b, phone_b2, wall_b, back):
            screen.client.disconnect()
    finally:
        first.stop()
        second.stop()


def test_a_write_survives_another_process_committing_after_it_read(tmp_path):
    """Two connections to one database, as two processes have: the first reads inside its
    transaction, the second commits meanwhile, the first writes. With a deferred BEGIN the
    first failed at once with "database is locked" (a card refused as an internal error in
    a two-process run); BEGIN IMMEDIATE makes the second wait instead."""
    from facilitation.store import Store

    path = str(tmp_path / "shared.db")
    first, second = Store(path), Store(path)
    done = threading.Event()

    def other_process_writes():
        second.write_problem()  # a write transaction of its own (the health row)
        done.set()

    with first.transaction():
        first.db.execute("SELECT count(*) FROM events").fetchone()  # a read first
        writer = threading.Thread(target=other_process_writes)
        writer.start()
        assert not done.wait(0.3)  # it waits for this transaction
        first.db.execute("INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, 1.0)")
    writer.join(5)
    assert done.is_set()
    first.close()
    second.close()


def test_with_the_queue_down_each_process_serves_its_own_and_all_resync_when_it_returns(tmp_path, redis_server):
    """Issue 21: with Redis stopped, cards were acked and stored but no screen showed them,
    /healthz said ok, and after Redis returned the missed changes never arrived."""
    first = LiveServer(tmp_path, MESSAGE_QUEUE=redis_server.url, CARDS_PER_MINUTE="1000").start()
    second = LiveServer(tmp_path, MESSAGE_QUEUE=redis_server.url, CARDS_PER_MINUTE="1000").start()
    screens = []
    try:
        table = first.links()["tables"][0]["id"]
        page, auth = f"/e/demo/t/{table}", {"event": "demo", "role": "participant", "table": table}
        wall_auth = {"event": "demo", "role": "wall"}
        phone_a, phone_b = Screen(first, page, auth), Screen(second, page, auth)
        wall_a, wall_b = Screen(first, "/e/demo/wall", wall_auth), Screen(second, "/e/demo/wall", wall_auth)
        screens = [phone_a, phone_b, wall_a, wall_b]
        told = []
        wall_a.client.on("resync", lambda *_: told.append(wall_a.client.call("sync", {"since": 0})["snapshot"]))
        question = [q["id"] for q in phone_a.state["questions"] if q["table_id"] == table][0]
        health = requests.get(f"{first.url}/healthz", timeout=10).json()
        assert (health["ok"], health["database"], health["queue"]) == (True, "ok", "up")

        redis_server.stop()
        posted = {}
        for name, phone in (("a", phone_a), ("b", phone_b)):
            posted[name] = str(uuid.uuid4())
            ack = phone.client.call("card:post", {"id": posted[name], "question": question, "text": f"Ohne Redis {name}"})
            assert ack["ok"], ack
        assert wait_for(lambda: posted["a"] in wall_a.card_ids()), "the wall on the same process missed its card"
        assert wait_for(lambda: posted["b"] in wall_b.card_ids())
        health = requests.get(f"{first.url}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["queue"] == "down"
        assert posted["b"] not in wall_a.card_ids()  # from the other process: only after the queue is back

        redis_server.start()
        assert wait_for(lambda: told, seconds=60), "no resync after the queue came back"
        assert posted["b"] in {c["id"] for c in told[-1]["cards"]}
        assert wait_for(lambda: requests.get(f"{first.url}/healthz", timeout=10).json()["queue"] == "up")
    finally:
        for screen in screens:
            screen.client.disconnect()
        first.stop()
        second.stop()


def test_a_phones_card_limit_holds_across_two_processes(tmp_path, redis_server):
    """Issue 23: with two processes the per-participant limits were per process (39 cards a
    minute accepted at a limit of 20); they live in Redis now."""
    first = LiveServer(tmp_path, MESSAGE_QUEUE=redis_server.url, CARDS_PER_MINUTE="5").start()
    second = LiveServer(tmp_path, MESSAGE_QUEUE=redis_server.url, CARDS_PER_MINUTE="5").start()
    clients = []
    try:
        table = first.links()["tables"][0]["id"]
        page = requests.Session()
        page.get(f"{first.url}/e/demo/t/{table}", timeout=10).raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())  # one phone, both processes
        for server in (first, second):
            client = socketio.Client(reconnection=False)
            client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10,
                           auth={"event": "demo", "role": "participant", "table": table})
            clients.append(client)
        question = [q["id"] for q in clients[0].call("sync", {"since": 0})["snapshot"]["questions"]
                    if q["table_id"] == table][0]
        acks = [clients[n % 2].call("card:post", {"id": str(uuid.uuid4()), "question": question, "text": f"Karte {n}"})
                for n in range(8)]
        assert [a["ok"] for a in acks] == [True] * 5 + [False] * 3
        assert {a["error"]["code"] for a in acks[5:]} == {"rate_limited"}
    finally:
        for client in clients:
            client.disconnect()
        first.stop()
        second.stop()

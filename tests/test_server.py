"""The real eventlet server in a subprocess: acked cards survive kill -9."""
from __future__ import annotations

import uuid

import pytest

from server import socket_client


def test_acked_cards_survive_kill_9(server):
    links = server.links()
    table = links["tables"][0]["id"]
    phone = socket_client(server, f"/e/demo/t/{table}", {"event": "demo", "role": "participant", "table": table})
    snapshot = phone.call("sync", {"since": 0}, timeout=5)["snapshot"]
    question = next(q["id"] for q in snapshot["questions"] if q["table_id"] == table)
    posted = []
    for n in range(15):
        card_id = str(uuid.uuid4())
        ack = phone.call("card:post", {"id": card_id, "question": question, "text": f"Karte {n} – Grüße"}, timeout=5)
        assert ack["ok"], ack
        posted.append(card_id)
    server.kill9()

    server.start()
    wall = socket_client(server, "/e/demo/wall", {"event": "demo", "role": "wall"})
    cards = wall.call("sync", {"since": 0}, timeout=5)["snapshot"]["cards"]
    assert sorted(c["id"] for c in cards) == sorted(posted)
    assert {c["text"] for c in cards} == {f"Karte {n} – Grüße" for n in range(15)}
    wall.disconnect()


def test_server_refuses_foreign_origins(server):
    import requests

    response = requests.get(
        f"{server.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://evil.example"}, timeout=5
    )
    assert response.status_code == 400
    ok = requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": server.url}, timeout=5)
    assert ok.status_code == 200


def test_restart_reuses_the_database(server):
    first = server.links()
    server.stop()
    server.start()
    assert server.links() == first  # same event, same secret links


def test_event_links_prints_the_running_servers_address_without_port(tmp_path):
    import os
    import subprocess
    import sys

    from server import ROOT, LiveServer

    live = LiveServer(tmp_path, PUBLIC_URL="").start()
    try:
        env = {k: v for k, v in live.env.items() if k not in ("PORT", "PUBLIC_URL")}
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "event", "links", "demo", "--json"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        assert f":{live.port}/e/demo" in out.stdout and ":5000/" not in out.stdout
    finally:
        live.stop()
    assert os.path.exists(tmp_path / "server.json")  # left behind by a killed server: its pid is gone
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "event", "links", "demo", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert ":5000/e/demo" in out.stdout


def test_the_server_sends_small_messages_at_once_and_calms_the_garbage_collector(tmp_path):
    """TCP_NODELAY on every accepted socket, a frozen start-up heap with a larger first
    threshold (issue 13: ack p99 56 -> 40 ms; full-collection freezes of 105-202 ms), and
    4 KiB connection buffers (31 MiB less at 2,000 phones)."""
    import os
    import subprocess
    import sys

    from server import ROOT

    probe = """
import gc, socket
import app
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
client = socket.create_connection(listener.getsockname())
conn, _ = app.PatientListener(listener).accept()
print(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
app.calm_garbage_collector()
print(gc.get_threshold()[0], gc.get_freeze_count() > 10000)
print(app.lean_protocol().rbufsize, app.lean_protocol().wbufsize)
"""
    env = {**os.environ, "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32, "DEMO": "0"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "50000", "True", "4096", "4096"]


def test_the_server_leaves_the_benchmarks_client_library_out(server):
    """python-socketio loads aiohttp whenever it is installed (the test requirements install it
    for bench/fanout.py); the server never uses it, and it cost every benchmark run ~9 MiB
    that a town's server, installed from requirements.txt, does not have (issue 13)."""
    with open(f"/proc/{server.proc.pid}/maps") as maps:
        mapped = maps.read()
    assert "/aiohttp/" not in mapped and "/multidict/" not in mapped
    assert server.links()["wall"]  # and it serves


def test_small_connection_buffers_still_carry_long_headers_and_large_pages(server):
    """A 6 KB cookie header and a page of many KB pass the 4 KiB buffers whole."""
    import requests

    wall = server.links()["wall"]
    plain = requests.get(wall, timeout=5)
    padded = requests.get(wall, headers={"Cookie": "pad=" + "x" * 6000}, timeout=5)
    assert plain.status_code == padded.status_code == 200
    assert len(plain.content) > 2 * 4096 and plain.text.rstrip().endswith("</html>")
    assert len(padded.content) == len(plain.content)


def test_the_server_hands_freed_heap_pages_back_to_the_system(tmp_path):
    """Freed memory between live blocks stays with the process until it is trimmed: after a
    join wave that was 27-357 MiB at 2,000 phones (issue 13). The server trims every 2 s."""
    import os
    import subprocess
    import sys

    from server import ROOT

    probe = """
import app
def own_mib():
    line = [l for l in open("/proc/self/status") if l.startswith("RssAnon")][0]
    return int(line.split()[1]) / 1024
blocks = [bytearray(4000) for _ in range(20000)]   # 80 MB on the C heap, block by block
kept = blocks[::50]                                # one live block every 200 KB pins the heap
del blocks
before = own_mib()
print(app.return_free_memory(), round(before - own_mib()))
"""
    env = {**os.environ, "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32, "DEMO": "0"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    returned, freed_mib = done.stdout.split()
    assert returned == "True" and int(freed_mib) > 40, done.stdout


def test_a_start_that_times_out_stops_what_it_started(tmp_path):
    """Issue 21: on a busy machine a server missed the fixed 20 s, the test errored, and the
    harness left that app.py running for 20 minutes."""
    from server import LiveServer

    live = LiveServer(tmp_path)
    with pytest.raises(RuntimeError, match="did not answer"):
        live.start(timeout=0)
    assert live.proc.poll() is not None  # stopped, not left behind

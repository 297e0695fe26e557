"""The service kit in deploy/ (issue 23): the systemd unit parses, the server starts with
exactly the kit's settings file and nothing else in its environment, the command line
reads the same file, and the server serves behind the kit's nginx configuration, WebSocket
included, with an access log that keeps no secret link."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
import socketio
from server import ROOT, free_port, start_timeout

DEPLOY = ROOT / "deploy"


def _nginx() -> str:
    found = shutil.which("nginx") or str(ROOT / ".venv" / "nginx" / "usr" / "sbin" / "nginx")
    assert os.access(found, os.X_OK), "nginx is missing: `make test` unpacks Debian's nginx into .venv/nginx"
    return found


def test_the_unit_file_parses(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (Debian's systemd package)"
    unit = (DEPLOY / "tischrunde.service").read_text()
    assert "UMask=0077" in unit and "StateDirectory=tischrunde" in unit and "User=tischrunde" in unit
    # Here the code is not in /opt/tischrunde: point the unit at this checkout, nothing else.
    local = unit.replace("/opt/tischrunde/.venv/bin/python", sys.executable).replace("/opt/tischrunde", str(ROOT))
    (tmp_path / "tischrunde.service").write_text(local)
    done = subprocess.run([analyze, "verify", str(tmp_path / "tischrunde.service")], capture_output=True, text=True)
    problems = [line for line in done.stderr.splitlines() if "tischrunde.service" in line]
    assert done.returncode == 0 and not problems, done.stderr


def _kit_settings(tmp_path: Path, port: int, public: str) -> Path:
    """deploy/tischrunde.env with this test's folder, port and address; every other line as shipped."""
    text = (DEPLOY / "tischrunde.env").read_text()
    text = re.sub(r"^DATA_DIR=.*$", f"DATA_DIR={tmp_path / 'state'}", text, flags=re.M)
    text = re.sub(r"^PORT=.*$", f"PORT={port}", text, flags=re.M)
    text = re.sub(r"^PUBLIC_URL=.*$", f"PUBLIC_URL={public}", text, flags=re.M)
    path = tmp_path / "tischrunde.env"
    path.write_text(text)
    return path


def _nginx_config(tmp_path: Path, listen: int, upstream: int) -> Path:
    """The kit's http-level lines (log format, upgrade map) and its locations file, in a plain
    http server on a test port (the kit's TLS server needs a certificate)."""
    site = (DEPLOY / "nginx-tischrunde.conf").read_text()
    preamble = site[:site.index("server {")]
    locations = (DEPLOY / "nginx-tischrunde-locations.conf").read_text().replace("127.0.0.1:5000", f"127.0.0.1:{upstream}")
    (tmp_path / "locations.conf").write_text(locations)
    temp = "\n".join(f"    {kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = f"""daemon off;
pid {tmp_path / 'nginx.pid'};
error_log {tmp_path / 'error.log'};
events {{ worker_connections 256; }}
http {{
{temp}
{preamble}
    server {{
        listen 127.0.0.1:{listen};
        access_log {tmp_path / 'access.log'} tischrunde;
        include {tmp_path / 'locations.conf'};
    }}
}}
"""
    path = tmp_path / "nginx.conf"
    path.write_text(config)
    return path


def _wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + start_timeout()
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args[0]} ended"
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_server_runs_on_the_kits_settings_behind_the_kits_nginx(tmp_path):
    port, proxy_port = free_port(), free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    settings = _kit_settings(tmp_path, port, public)
    # Exactly what the unit gives the service: TISCHRUNDE_ENV, and a bare PATH.
    env = {"TISCHRUNDE_ENV": str(settings), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    log = open(tmp_path / "journal.log", "w")
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    nginx = None
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        cli = [sys.executable, "-m", "flask", "--app", "app", "event"]
        made = subprocess.run(cli + ["create", "--title", "Bürgerdialog Stadt", "--id", "stadt"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        links = json.loads(subprocess.run(cli + ["links", "stadt", "--json"], cwd=ROOT, env=env, capture_output=True,
                                          text=True, timeout=120, check=True).stdout)
        assert links["lead"].startswith(public)  # the links follow PUBLIC_URL

        nginx = subprocess.Popen([_nginx(), "-c", str(_nginx_config(tmp_path, proxy_port, port)), "-p", str(tmp_path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(f"{public}/healthz", nginx)
        http = requests.Session()
        redeemed = http.get(links["lead"], timeout=10, allow_redirects=False)
        assert redeemed.status_code == 303 and "k=" not in redeemed.headers["Location"]
        assert http.get(f"{public}/e/stadt/lead", timeout=10).status_code == 200
        assert requests.get(f"{public}/metrics", timeout=10).status_code == 404  # kept inside
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 200
        lead = socketio.Client(reconnection=False)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        lead.connect(public, headers={"Cookie": cookie}, auth={"event": "stadt", "role": "lead"},
                     transports=["websocket"], wait_timeout=10)
        assert lead.transport() == "websocket" and lead.call("sync", {"since": 0}, timeout=10)["ok"]
        lead.disconnect()
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(30)
        server.terminate()
        server.wait(30)
        log.close()
    journal = (tmp_path / "journal.log").read_text()
    assert "k=" not in journal  # DEMO=0: no secret link in the journal
    access = (tmp_path / "access.log").read_text()
    assert "/e/stadt/lead" in access and "/socket.io/" in access
    assert "k=" not in access and links["lead"].split("k=")[1] not in access
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "state").iterdir()}
    assert modes and all(mode == 0o600 for mode in modes.values()), modes

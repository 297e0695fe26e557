"""Run the real server (app.py on eventlet) in a subprocess for end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "e2e-secret-of-the-test-servers-only-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_timeout(base: float = 30.0) -> float:
    """How long a server may take to start here: 30 s on an idle machine, more in
    proportion to the load per core (a suite beside a CPU hog took over 20 s to start one)."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    return base * max(1.0, 1.0 + load)


class LiveServer:
    """``python app.py`` on 127.0.0.1 with its own data directory."""

    def __init__(self, data_dir: Path, port: int | None = None, open_files: int | None = None, **env):
        self.data_dir = data_dir
        self.open_files = open_files  # soft and hard RLIMIT_NOFILE for the server, as `ulimit -n` would
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "SECRET_KEY": SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc = None

    def start(self, timeout: float | None = None) -> "LiveServer":
        """Start app.py and wait until /healthz answers. The wait adapts to a busy machine
        (start_timeout); a start that fails or times out stops what it started."""
        self.log = open(self.data_dir / f"server-{time.time():.0f}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=self._limit_open_files if self.open_files else None,
        )
        try:
            self._wait_until_serving(start_timeout() if timeout is None else timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: see {self.log.name}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s: see {self.log.name}")

    def _limit_open_files(self) -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """End the server (SIGTERM, then SIGKILL after 10 s) and close its log."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        if getattr(self, "log", None):
            self.log.close()

    def links(self) -> dict:
        """The demo event's links, as `flask event links --json` prints them."""
        out = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "event", "links", "demo", "--json"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=True,
        )
        import json

        return json.loads(out.stdout)


def socket_client(server: LiveServer, page_path: str, auth: dict) -> socketio.Client:
    """A Socket.IO client that first opens ``page_path`` to get its session cookie."""
    with requests.Session() as http:  # closed at once: its socket would count against the address's cap
        http.get(server.url + page_path, timeout=5).raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client = socketio.Client(reconnection=False)
    client.connect(server.url, headers={"Cookie": cookie}, auth=auth, transports=["websocket"], wait_timeout=5)
    return client

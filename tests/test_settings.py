"""A town's IT runs it as a service (issue 23): every setting is checked at the start with a
sentence that names it, one settings file serves the server and the command line, the
command line says which database it opened and never makes a second one, and a server
without the demo event writes no secret link to its log."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from server import ROOT, LiveServer

from facilitation.config import SettingError, load_config


@pytest.mark.parametrize("name, value", [
    ("LOG_REQUESTS", "ja"), ("PORT", "70000"), ("ASYNC_MODE", "gevent"), ("SOCKETIO_TRANSPORTS", "websockets"),
    ("CARDS_PER_MINUTE", "-5"), ("MAX_CONNECTIONS", "0"), ("SECRET_KEY", "kurz"), ("PUBLIC_URL", "dialog.gmuend.de"),
    ("MESSAGE_QUEUE", "127.0.0.1:6379"), ("NEW_PARTICIPANTS_PER_SECOND", "nan"), ("DEMO", "yes"),
])
def test_a_wrong_setting_is_named_not_used(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=name):
        load_config()


def test_log_requests_0_means_off_and_the_good_values_are_taken(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name, value in {"LOG_REQUESTS": "0", "PORT": "8080", "PUBLIC_URL": "https://dialog.gmuend.de",
                        "MESSAGE_QUEUE": "redis://127.0.0.1:6379/0", "SOCKETIO_TRANSPORTS": "polling"}.items():
        monkeypatch.setenv(name, value)
    config = load_config()
    assert config["LOG_REQUESTS"] is False and config["PORT"] == 8080 and config["SOCKETIO_TRANSPORTS"] == ["polling"]


def _flask(*args, env: dict, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "flask", "--app", str(ROOT / "app"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _clean_env(**settings) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "DATABASE", "SECRET_KEY", "TISCHRUNDE_ENV")}
    return {**env, "PYTHONPATH": str(ROOT), **settings}


def test_config_check_says_yes_only_when_every_setting_holds(tmp_path):
    good = _flask("config", "check", env=_clean_env(DATA_DIR=str(tmp_path / "data")), cwd=tmp_path)
    assert good.returncode == 0 and "Alle Einstellungen sind gültig" in good.stdout, good.stderr
    assert "noch nicht angelegt" in good.stdout
    assert not (tmp_path / "data" / "tischrunde.db").exists() and not (tmp_path / "data" / "secret_key").exists()
    bad = _flask("config", "check", env=_clean_env(DATA_DIR=str(tmp_path / "data"), PORT="70000"), cwd=tmp_path)
    assert bad.returncode != 0 and "PORT='70000'" in bad.stderr and "Traceback" not in bad.stderr


def test_the_command_line_reads_the_servers_settings_file_and_makes_no_second_database(tmp_path):
    from facilitation.store import Store

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Without the service's settings: a sentence, exit status 1, and nothing made.
    lost = _flask("event", "list", env=_clean_env(DATA_DIR=str(tmp_path / "nowhere")), cwd=elsewhere)
    assert lost.returncode == 1 and "keine Datenbank" in lost.stderr and "TISCHRUNDE_ENV" in lost.stderr
    assert not (tmp_path / "nowhere" / "tischrunde.db").exists() and not (tmp_path / "nowhere" / "secret_key").exists()
    # With the file the service uses (TISCHRUNDE_ENV), the same database as the server.
    data = tmp_path / "state"
    Store(str(data / "tischrunde.db")).close()  # the server's first start made it
    settings = tmp_path / "tischrunde.env"
    settings.write_text(f"DATA_DIR={data}\nSECRET_KEY={'s' * 64}\n")
    found = _flask("event", "list", env=_clean_env(TISCHRUNDE_ENV=str(settings)), cwd=elsewhere)
    assert found.returncode == 0, found.stderr
    assert f"Datenbank: {data / 'tischrunde.db'}" in found.stderr
    # A .env in the working directory serves too; a variable of the real environment wins.
    (elsewhere / ".env").write_text(f"DATA_DIR={data}\nSECRET_KEY={'s' * 64}\nPORT=abc\n")
    won = _flask("event", "list", env=_clean_env(PORT="5001"), cwd=elsewhere)
    assert won.returncode == 0 and f"Datenbank: {data / 'tischrunde.db'}" in won.stderr, won.stderr
    missing = _flask("event", "list", env=_clean_env(TISCHRUNDE_ENV=str(tmp_path / "fehlt.env")), cwd=elsewhere)
    assert missing.returncode != 0 and "fehlt.env" in missing.stderr


def test_without_the_demo_event_the_start_writes_no_secret_link(tmp_path):
    live = LiveServer(tmp_path, DEMO="0").start()
    try:
        log = (next(tmp_path.glob("server-*.log"))).read_text()
    finally:
        live.stop()
    assert "k=" not in log and "event links" in log


def test_log_format_json_writes_one_json_object_per_line_with_the_version(tmp_path):
    import json
    import time

    import requests

    from facilitation import VERSION

    live = LiveServer(tmp_path, DEMO="0", LOG_FORMAT="json", LOG_REQUESTS="1").start()
    try:
        requests.get(f"{live.url}/e/nothing/lead?k=0123456789abcdef0123", timeout=10)
        time.sleep(0.5)
    finally:
        live.stop()
    lines = [line for line in next(tmp_path.glob("server-*.log")).read_text().splitlines() if line.strip()]
    def parsed(line):
        try:
            return json.loads(line)
        except ValueError:
            return None

    records = [parsed(line) for line in lines]
    assert None not in records, [line for line, r in zip(lines, records) if r is None]  # one JSON object a line
    assert any(f"Tischrunde {VERSION} läuft auf" in r["message"] for r in records)
    assert any(r["logger"] == "request" and "k=[redacted]" in r["message"] for r in records)
    assert "0123456789abcdef0123" not in "\n".join(lines)

"""The side doors stay shut: forged forms, floods, oversized requests, refusals, revoked links,
too many sockets. Each test fails without its fix."""
from __future__ import annotations

import socket
import sqlite3
import time
import uuid

import pytest
import requests
from conftest import card_payload, create_event, lead, participant
from test_commands import refused

from facilitation import create_app, domain
from facilitation.domain import LEAD, MODERATOR, CommandError
from server import LiveServer, socket_client


def table_url(event, index=0):
    return f"/e/{event['id']}/t/{event['tables'][index]}"


def lead_client(app, commands, event):
    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], LEAD)}")
    http.get(f"/e/{event['id']}/lead")
    return http


# -- forged forms -----------------------------------------------------------------------


def test_forms_need_the_pages_token(app, commands, event):
    http = lead_client(app, commands, event)
    refused = http.post(f"/e/{event['id']}/lead/delete", data={"confirm": "Bürgerdialog Test", "csrf_token": "forged"})
    assert refused.status_code == 400 and "Formular ist abgelaufen" in refused.get_data(as_text=True)
    assert commands.store.event(event["id"]) is not None


def test_a_page_on_another_port_cannot_delete_an_event(app, commands, event):
    http = lead_client(app, commands, event)
    for origin in ("http://localhost:8080", "null", None):
        headers = {"Origin": origin} if origin else {"Origin": ""}
        response = http.post(f"/e/{event['id']}/lead/delete", data={"confirm": "Bürgerdialog Test"}, headers=headers)
        assert response.status_code == 403, origin
    assert commands.store.event(event["id"]) is not None
    assert http.post(f"/e/{event['id']}/lead/delete", data={"confirm": "Bürgerdialog Test"}).status_code == 303
    assert commands.store.event(event["id"]) is None


def test_oversized_posts_get_a_413_page_in_the_users_language(app, event):
    http = app.test_client()
    http.get(table_url(event) + "?lang=en")
    response = http.post(f"{table_url(event)}/cards", data={"text": "x" * 200_000, "question": "1", "id": str(uuid.uuid4())})
    assert response.status_code == 413
    assert "at most 280 characters" in response.get_data(as_text=True)


# -- floods that shed the cookie ------------------------------------------------------------


def test_cookieless_form_posts_store_nothing_and_keep_the_text(app, commands, event):
    question = event["questions"][event["tables"][0]][0]
    for n in range(20):
        response = app.test_client().post(f"{table_url(event)}/cards",
                                          data={"id": str(uuid.uuid4()), "question": question, "text": f"Flut {n}"})
        assert response.status_code == 400 and f"Flut {n}" in response.get_data(as_text=True)
        assert "session=" in response.headers.get("Set-Cookie", "")
    assert commands.store.cards(event["id"]) == []


def test_new_participant_ids_are_throttled_per_address(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "t.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "s",
                      "NEW_PARTICIPANTS_BURST": 3, "NEW_PARTICIPANTS_PER_SECOND": 0.001})
    from facilitation import commands_of

    event_id = create_event(commands_of(app), "gmuend", "Drossel")
    table = commands_of(app).store.tables(event_id)[0]["id"]
    phones = [app.test_client() for _ in range(4)]
    statuses = [p.get(f"/e/{event_id}/t/{table}").status_code for p in phones]
    assert statuses == [200, 200, 200, 429]
    assert "in einer Minute neu" in phones[3].get(f"/e/{event_id}/t/{table}").get_data(as_text=True)
    assert phones[0].get(f"/e/{event_id}/t/{table}").status_code == 200  # who has an id keeps it


def test_edits_and_dots_are_rate_limited(commands, event):
    actor = participant(event)
    card = card_payload(event)
    commands.run("card:post", actor, card)
    limit = commands.limiters["edits"].limit
    for n in range(limit):
        commands.run("card:edit", actor, {"id": card["id"], "text": f"Fassung {n}"})
    with pytest.raises(CommandError) as info:
        commands.run("card:edit", actor, {"id": card["id"], "text": "eine zu viel"})
    assert info.value.code == "rate_limited"
    assert commands.limiters["dots"].limit <= 60


# -- strict input ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    {"question": "²"}, {"question": 2**64}, {"question": -1}, {"question": "1e3"}, {"text": "a\ud800b"},
    {"id": "../x"}, {"question": True}, {"name": "\udfff"},
])
def test_bad_values_are_invalid_payload_never_internal(commands, event, payload):
    with pytest.raises(CommandError) as info:
        commands.run("card:post", participant(event), {**card_payload(event), **payload})
    assert info.value.code == "invalid_payload"


def test_noncharacters_and_controls_are_cleaned_at_the_door(commands, event):
    card = card_payload(event, text="Gut\ufffe\uffff\x85\U0010fffe zu wissen")
    commands.run("card:post", participant(event), card)
    assert commands.store.card(card["id"])["text"] == "Gut zu wissen"


@pytest.mark.parametrize("blank", ["\ufeff", "\u00ad\u00ad", "\u200b\ufeff \u2060", "\u3164", "\u200e\u200f"])
def test_text_that_shows_nothing_is_refused_like_empty_text(commands, event, blank):
    """Issue 21: a card, a result title or a table name of only U+FEFF or soft hyphens was
    stored and shown as an empty card."""
    refused("empty_text", commands.run, "card:post", participant(event), card_payload(event, text=blank))
    refused("title_empty", commands.run, "result:create", lead(event),
            {"id": str(uuid.uuid4()), "kind": "solution", "title": blank, "table": event["tables"][0]})
    with pytest.raises(CommandError):
        commands.run("table:rename", lead(event), {"table": event["tables"][0], "name": blank})
    assert commands.store.tables(event["id"])[0]["name"].strip()
    kept = card_payload(event, text="Gut\u00adachten \ufeffzu Bänken")  # visible text keeps its soft hyphen
    commands.run("card:post", participant(event, pid="p2"), kept)
    assert commands.store.card(kept["id"])["text"] == "Gut\u00adachten \ufeffzu Bänken"


def test_redeeming_a_link_with_extra_parameters_is_no_500(app, commands, event):
    token = commands.token(event["id"], LEAD)
    response = app.test_client().get(f"/e/{event['id']}/lead?k={token}&event_id=x&lang=en&k2=1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/lead?lang=en")


def test_sync_and_commands_always_ack(clients, event):
    wall = clients.wall()
    for payload in (None, [], "x", {"since": "²"}, {"since": 2**70}, {"since": -5}):
        ack = wall.emit("sync", payload, callback=True)
        assert ack["ok"] is True or ack["error"]["code"] == "invalid_payload", payload
    assert wall.emit("no:such", {}, callback=True) is None or True  # unknown events are ignored by Socket.IO
    ack = clients.phone().emit("card:post", "not an object", callback=True)
    assert ack == {"ok": False, "error": {"code": "invalid_payload", "message": str(domain.ERRORS["invalid_payload"])}}


# -- refusals carry their reason ---------------------------------------------------------


def test_a_refused_connection_says_why(app, event):
    from facilitation import socketio_of

    client = socketio_of(app).test_client(app, auth={"event": event["id"], "role": "lead"})
    assert not client.is_connected()


def test_the_real_server_refuses_with_code_and_message(server):
    import socketio

    client = socketio.Client(reconnection=False)
    errors = []
    client.on("connect_error", lambda data: errors.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, auth={"event": "demo", "role": "lead"}, transports=["websocket"], wait_timeout=5)
    # As the browser client gets it: err.message, and err.data = {code, message}.
    assert errors and errors[0]["data"]["code"] == "not_authenticated"
    assert errors[0]["message"] == errors[0]["data"]["message"] == str(domain.ERRORS["not_authenticated"])


# -- secret links can be replaced -----------------------------------------------------------


def test_replacing_a_moderator_link_ends_old_grants(app, clients, commands, event):
    table = event["tables"][0]
    old_token = commands.token(event["id"], MODERATOR, table)
    tablet = clients.moderator(0)
    old_http = app.test_client()
    old_http.get(f"/e/{event['id']}/m/{table}?k={old_token}")
    lead = lead_client(app, commands, event)
    response = lead.post(f"/e/{event['id']}/lead/links", data={"role": "moderator", "table": table})
    assert response.status_code == 303
    assert not tablet.is_connected()  # its connection was closed
    assert old_http.get(f"/e/{event['id']}/m/{table}").status_code == 403
    assert app.test_client().get(f"/e/{event['id']}/m/{table}?k={old_token}").status_code == 403
    new_token = commands.token(event["id"], MODERATOR, table)
    assert new_token != old_token
    assert app.test_client().get(f"/e/{event['id']}/m/{table}?k={new_token}").status_code == 303
    assert lead.get(f"/e/{event['id']}/lead").status_code == 200  # the lead kept its own role


def test_replacing_the_lead_link_keeps_this_console(app, commands, event):
    lead = lead_client(app, commands, event)
    other = lead_client(app, commands, event)
    assert lead.post(f"/e/{event['id']}/lead/links", data={"role": "lead"}).status_code == 303
    assert lead.get(f"/e/{event['id']}/lead").status_code == 200
    assert other.get(f"/e/{event['id']}/lead").status_code == 403


def test_an_event_id_used_again_does_not_inherit_old_grants(app, commands, event):
    lead = lead_client(app, commands, event)
    old_token = commands.token(event["id"], LEAD)
    lead.post(f"/e/{event['id']}/lead/delete", data={"confirm": "Bürgerdialog Test"})
    create_event(commands, "gmuend", "Neu unter alter ID", event["id"])
    assert commands.token(event["id"], LEAD) != old_token
    assert lead.get(f"/e/{event['id']}/lead").status_code == 403


# -- deployment ---------------------------------------------------------------------------


def test_https_public_url_means_secure_cookies_and_hsts(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "t.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "s",
                      "PUBLIC_URL": "https://dialog.example.org"})
    from facilitation import commands_of

    event_id = create_event(commands_of(app), "gmuend", "Sicher")
    table = commands_of(app).store.tables(event_id)[0]["id"]
    response = app.test_client().get(f"/e/{event_id}/t/{table}", base_url="https://dialog.example.org")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_the_forwarded_scheme_and_host_count(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "t.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "s", "TRUSTED_PROXIES": 1})
    from facilitation import commands_of, socketio_of

    event_id = create_event(commands_of(app), "gmuend", "Proxy")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dialog.example.org"}
    page = app.test_client().get(f"/e/{event_id}/wall", headers=headers).get_data(as_text=True)
    assert "https://dialog.example.org/e/" in page
    wall = socketio_of(app).test_client(app, auth={"event": event_id, "role": "wall"}, headers={
        **headers, "Origin": "https://dialog.example.org"})
    assert wall.is_connected()


def test_staff_pages_are_never_cached_and_csp_allows_only_this_origin(app, commands, event):
    lead = lead_client(app, commands, event)
    response = lead.get(f"/e/{event['id']}/lead")
    assert response.headers["Cache-Control"] == "no-store"
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
    assert "ws:" not in response.headers["Content-Security-Policy"]
    download = lead.get(f"/e/{event['id']}/lead/export.csv")
    assert download.headers["Content-Type"].count("charset") == 1
    # Issue 23: the internal record (with contacts), posters, howto and a secret link's redirect too.
    for path in ("lead/record?internal=1", "lead/record", "lead/posters", "lead/howto", "lead/sheets"):
        assert lead.get(f"/e/{event['id']}/{path}").headers.get("Cache-Control") == "no-store", path
    redirect = app.test_client().get(f"/e/{event['id']}/lead?k={commands.token(event['id'], LEAD)}")
    assert redirect.status_code == 303 and redirect.headers.get("Cache-Control") == "no-store"


def test_healthz_reports_a_database_it_cannot_write(app, commands):
    health = app.test_client().get("/healthz").json
    assert {k: health[k] for k in ("ok", "database", "queue")} == {"ok": True, "database": "ok", "queue": "none"}
    assert health["version"].count(".") == 2
    assert set(health["model"]) == {"running", "deaths", "failed_texts"}  # this process's worker, started or not
    commands.store.db.execute("PRAGMA query_only = ON")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["ok"] is False
    assert "readonly" in response.json["database"] and response.json["queue"] == "none"
    commands.store.db.execute("PRAGMA query_only = OFF")


def test_a_read_only_database_stops_the_start_with_a_clear_message(tmp_path):
    import os
    import subprocess
    import sys

    from server import ROOT

    data = tmp_path / "data"
    data.mkdir()
    create_app({"DATA_DIR": data, "DATABASE": str(data / "tischrunde.db"), "SECRET_KEY": "s"})
    os.chmod(data / "tischrunde.db", 0o444)
    env = {**os.environ, "DATA_DIR": str(data), "SECRET_KEY": "k" * 32, "PORT": "0", "HOST": "127.0.0.1",
           # root ignores file modes: make SQLite open the file read-only as a normal user would be refused
           "DATABASE": f"file:{data / 'tischrunde.db'}?mode=ro"}
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "lässt sich nicht beschreiben" in done.stderr
    assert not (ROOT / "file:").exists()  # the URI was opened as one, not made into folders in the checkout


def test_a_mistyped_setting_stops_the_start_with_a_message_that_names_it(tmp_path):
    """An empty or mistyped number in the environment (PORT=, CARDS_PER_MINUTE=zwanzig) used
    to stop the start with a Python traceback ending in "could not convert string"."""
    import os
    import subprocess
    import sys

    from server import ROOT

    env = {**os.environ, "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32, "HOST": "127.0.0.1", "PORT": "0",
           "EMBED_QUIET_SECONDS": ""}
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "Die Einstellung EMBED_QUIET_SECONDS='' ist keine gültige Angabe" in done.stderr
    assert "Traceback" not in done.stderr


def test_settings_read_numbers_and_name_the_one_that_is_not(monkeypatch):
    from facilitation.config import SettingError, load_config

    monkeypatch.setenv("CARDS_PER_MINUTE", "12")
    monkeypatch.setenv("WALL_ROTATE_SECONDS", "2.5")
    config = load_config(SECRET_KEY="s")
    assert (config["CARDS_PER_MINUTE"], config["WALL_ROTATE_SECONDS"]) == (12, 2.5)
    monkeypatch.setenv("CARDS_PER_MINUTE", "zwanzig")
    with pytest.raises(SettingError, match="CARDS_PER_MINUTE='zwanzig'.*ganze Zahl"):
        load_config(SECRET_KEY="s")


# -- too many sockets ---------------------------------------------------------------------


def test_one_client_opening_sockets_cannot_end_the_evening(tmp_path):
    live = LiveServer(tmp_path, open_files=256).start()
    flood = []
    try:
        for _ in range(400):
            try:
                s = socket.create_connection(("127.0.0.1", live.port), timeout=2)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
                flood.append(s)
            except OSError:
                break
        time.sleep(1)
        assert live.proc.poll() is None, "the server exited"
        for s in flood:
            s.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{live.url}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not serve again after the flood")
    finally:
        for s in flood:
            s.close()
        live.stop()


def test_a_flood_from_one_address_leaves_room_for_everyone_else(tmp_path):
    """Issue 21: under `ulimit -n 256` a 400-socket flood used up the descriptors, /healthz
    timed out and the next WebSocket hung instead of getting its 503. The flood comes from
    127.0.0.2, the venue from 127.0.0.1."""
    live = LiveServer(tmp_path, open_files=256, MAX_CONNECTIONS="40", SOCKETS_PER_ADDRESS="60").start()
    flood, walls = [], []
    try:
        refused_at_once = 0
        for _ in range(400):
            s = socket.create_connection(("127.0.0.1", live.port), timeout=5, source_address=("127.0.0.2", 0))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            flood.append(s)
        for s in flood[60:]:
            if s.recv(200).startswith(b"HTTP/1.1 503"):
                refused_at_once += 1
        assert refused_at_once == 340
        started = time.monotonic()
        assert requests.get(f"{live.url}/healthz", timeout=10).ok
        assert time.monotonic() - started < 5
        for _ in range(40):
            walls.append(socket_client(live, "/e/demo/wall", {"event": "demo", "role": "wall"}))
        with pytest.raises(Exception):
            walls.append(socket_client(live, "/e/demo/wall", {"event": "demo", "role": "wall"}))
        busy = requests.get(f"{live.url}/healthz", timeout=10)
        assert busy.status_code == 503 and "voll" in busy.text  # an answer, not a hang
        assert live.proc.poll() is None and all(w.connected for w in walls)
    finally:
        for s in flood:
            s.close()
        for w in walls:
            w.disconnect()
        live.stop()


def test_past_the_connection_budget_new_requests_get_503(tmp_path):
    # The WSGI budget alone (8 is its floor): with the per-address cap at its default (the
    # budget), page requests still closing counted against it, a wall was refused early
    # and /healthz found room (a flaky CI run).
    live = LiveServer(tmp_path, MAX_CONNECTIONS="8", SOCKETS_PER_ADDRESS="1000").start()
    walls = []
    try:
        for _ in range(8):
            walls.append(socket_client(live, "/e/demo/wall", {"event": "demo", "role": "wall"}))
        with pytest.raises(requests.HTTPError):
            socket_client(live, "/e/demo/wall", {"event": "demo", "role": "wall"})
        busy = requests.get(f"{live.url}/healthz", timeout=5)
        assert busy.status_code == 503 and "voll" in busy.text
        assert all(w.connected for w in walls)  # the connections it has keep being served
        walls.pop().disconnect()
        time.sleep(0.5)
        assert requests.get(f"{live.url}/healthz", timeout=5).status_code == 200
    finally:
        for w in walls:
            w.disconnect()
        live.stop()


@pytest.mark.parametrize("error, status, message", [
    (RuntimeError("a bug"), 500, "Your input is not lost"),
    (sqlite3.OperationalError("database or disk is full"), 503, "What you wrote stays here"),  # retryable
])
def test_a_server_error_on_the_form_keeps_the_text_in_the_readers_language(app, event, monkeypatch, error, status, message):
    from facilitation.web import phone as web

    def failing(*_args, **_kwargs):
        raise error

    http = app.test_client()
    http.get(table_url(event) + "?lang=en")
    monkeypatch.setattr(web, "perform", failing)
    question = event["questions"][event["tables"][0]][0]
    response = http.post(f"{table_url(event)}/cards", data={"id": str(uuid.uuid4()), "question": question, "text": "Bitte behalten"})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Bitte behalten" in html and message in html


def test_request_logs_never_show_secret_tokens(tmp_path):
    live = LiveServer(tmp_path, LOG_REQUESTS="1").start()
    try:
        token = live.links()["lead"].split("k=")[1]
        requests.get(f"{live.url}/e/demo/lead?k={token}", timeout=5, allow_redirects=False)
        requests.get(f"{live.url}/e/demo/lead?lang=en&k={token}", timeout=5, allow_redirects=False)
        time.sleep(0.3)
    finally:
        live.stop()
    # The start-up banner prints the links for the admin on purpose; the request lines must not.
    requests_logged = [line for p in tmp_path.glob("server-*.log") for line in p.read_text().splitlines() if '"GET ' in line]
    assert any("/e/demo/lead?k=[redacted]" in line for line in requests_logged)
    assert any("lang=en&k=[redacted]" in line for line in requests_logged)
    assert not any(token in line for line in requests_logged)


def test_huge_posts_are_refused_fast_and_the_server_keeps_serving(server):
    import threading

    body = b"text=" + b"x" * (20 * 1024 * 1024)
    statuses = []

    def huge():
        try:
            statuses.append(requests.post(f"{server.url}/e/demo/t/1/cards", data=body, timeout=30,
                                          headers={"Origin": server.url, "Content-Type": "application/x-www-form-urlencoded"}).status_code)
        except requests.RequestException as err:  # the server may close before reading it all
            statuses.append(type(err).__name__)

    threads = [threading.Thread(target=huge) for _ in range(3)]
    for t in threads:
        t.start()
    started = time.monotonic()
    assert requests.get(f"{server.url}/healthz", timeout=5).ok
    assert time.monotonic() - started < 1.0
    for t in threads:
        t.join()
    assert all(s in (413, "ConnectionError") for s in statuses), statuses


def test_a_start_failure_names_its_cause(server, tmp_path):
    import subprocess
    import sys

    from server import ROOT

    env = {**server.env, "DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert f"Port {server.port} ist schon belegt" in done.stderr


def test_a_phone_whose_cookie_expired_still_owns_its_cards(app, clients, commands, event):
    """Issue 21: a new cookie made a phone a stranger to its own cards (no edit, no withdraw).
    Its device secret (held by the phone, stored hashed) keeps it their author; another
    phone, or the same secret at another event, claims nothing."""
    from facilitation import socketio_of

    table = event["tables"][0]
    secret, other = "a" * 32, "b" * 32

    def phone(device):
        http = app.test_client()  # a fresh cookie jar: a new participant id
        assert http.get(f"/e/{event['id']}/t/{table}").status_code == 200
        auth = {"event": event["id"], "role": "participant", "table": table, "device": device}
        return socketio_of(app).test_client(app, flask_test_client=http, auth=auth)

    first = phone(secret)
    card = card_payload(event, text="Meine Karte")
    assert first.emit("card:post", card, callback=True)["ok"]
    first.disconnect()
    back = phone(secret)  # the cookie expired: a new session, the same phone
    mine = back.emit("sync", {"since": 0}, callback=True)["snapshot"]["mine"]
    assert [c["id"] for c in mine] == [card["id"]]
    assert back.emit("card:edit", {"id": card["id"], "text": "Meine Karte, besser"}, callback=True)["ok"]
    stranger = phone(other)
    assert stranger.emit("sync", {"since": 0}, callback=True)["snapshot"]["mine"] == []
    assert stranger.emit("card:withdraw", {"id": card["id"]}, callback=True)["error"]["code"] == "forbidden"
    assert back.emit("card:withdraw", {"id": card["id"]}, callback=True)["ok"]
    stored = commands.store.db.execute("SELECT secret_hash FROM devices").fetchall()
    assert stored and all(secret not in row[0] for row in stored)  # only hashes


def test_every_file_in_the_data_folder_is_private_whatever_the_umask(tmp_path):
    """Issue 23: the database, its WAL and SHM and server.json were created 0644 (contacts and
    sign-up phone numbers readable by every user of the machine), only secret_key was 0600."""
    import os
    import stat

    from facilitation.config import load_config
    from facilitation.links import announce_running
    from facilitation.store import Store

    data = tmp_path / "data"
    old = os.umask(0o022)
    try:
        config = load_config(DATA_DIR=data, PUBLIC_URL="http://tischrunde.example")
        store = Store(str(data / "tischrunde.db"))
        with store.transaction():
            store.db.execute("INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, 1.0)")
        announce_running({**config, "HOST": "127.0.0.1", "PORT": 5000})
        files = sorted(p.name for p in data.iterdir())
        assert {"tischrunde.db", "tischrunde.db-wal", "tischrunde.db-shm", "server.json", "secret_key"} <= set(files)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
        assert modes == {name: 0o600 for name in files}, modes
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        store.close()
        (data / "tischrunde.db").chmod(0o644)  # left so by an older version
        Store(str(data / "tischrunde.db")).close()
        assert stat.S_IMODE((data / "tischrunde.db").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_busy_lead_keeps_the_console_in_use_however_many_events_they_make(app, commands, event):
    """Issue 23: a browser session dropped its oldest grant after 21, so a lead who made
    21 events lost the console they were working in."""
    from facilitation import access

    lead = lead_client(app, commands, event)
    made = []
    for n in range(access.MAX_GRANTS + 6):
        response = lead.post(f"/e/{event['id']}/lead/events", data={"template": "gmuend", "title": f"Folgeabend {n}"})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        made.append(response.headers["Location"].split("/e/")[1].split("/")[0])
        assert made[-1] != event["id"] and commands.store.event(made[-1])["title"] == f"Folgeabend {n}"
        assert lead.get(f"/e/{event['id']}/lead").status_code == 200  # the console in use
    assert lead.get(f"/e/{made[-1]}/lead").status_code == 200  # and the newest
    with lead.session_transaction() as session:  # and the cookie stays small
        assert len(session["grants"]) <= access.MAX_GRANTS

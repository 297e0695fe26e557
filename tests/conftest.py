"""Shared fixtures: an app on a temporary database, an event, and clients per role."""
from __future__ import annotations

import datetime
import re
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient

from facilitation import commands_of, create_app, socketio_of
from facilitation.changes import FULL, INTERPRETING, PUBLIC
from facilitation.changes import check as check_change
from facilitation.commands.core import RateLimiter
from facilitation.guard import AddressThrottle
from facilitation.store import Store
from facilitation.domain import ADMIN, FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, Actor


class FormClient(FlaskClient):
    """A test client that posts forms as a browser does from the page it last loaded.

    It sends the page's CSRF token and the Origin header; pass ``csrf_token``
    or ``headers={"Origin": ...}`` to post as something else.
    """

    csrf = None

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and "Content-Encoding" not in response.headers:
            found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
            self.csrf = found.group(1) if found else self.csrf
        return response

    def post(self, *args, data=None, headers=None, **kwargs):
        data = dict(data or {})
        if self.csrf:
            data.setdefault("csrf_token", self.csrf)
        headers = {"Origin": "http://localhost", **(headers or {})}
        return super().post(*args, data=data, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One app per test module (building one costs ~20 ms); each test gets its own database."""
    data = tmp_path_factory.mktemp("app")
    app = create_app({"DATABASE": str(data / "first.db"), "DATA_DIR": data, "SECRET_KEY": "test-secret", "TESTING": True,
                      "PHONE_FEED_INTERVAL": 0, "EMBED_QUIET_SECONDS": 0.05})
    app.test_client_class = FormClient
    yield app
    commands_of(app).store.close()


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory) -> Path:
    """A database with every migration applied, made once: each test starts from a copy
    (migrating a new file for each of ~300 tests cost about 12 s)."""
    path = tmp_path_factory.mktemp("schema") / "empty.db"
    Store(str(path)).close()
    return path


@pytest.fixture
def app(shared_app, tmp_path, empty_database):
    """The module's app on a fresh database, with fresh rate limits."""
    commands = commands_of(shared_app)
    commands.store.close()
    shutil.copyfile(empty_database, tmp_path / "test.db")
    commands.store = Store(str(tmp_path / "test.db"))
    commands.limiters = {name: RateLimiter(limiter.limit, limiter.window) for name, limiter in commands.limiters.items()}
    shared_app.extensions["tischrunde_throttle"] = AddressThrottle(
        shared_app.config["NEW_PARTICIPANTS_BURST"], shared_app.config["NEW_PARTICIPANTS_PER_SECOND"]
    )
    yield shared_app
    # Connections of this test must not sit in the next test's rooms (same event id, same app).
    for client in list(SocketIOTestClient.clients.values()):
        if client.is_connected():
            client.disconnect()


@pytest.fixture
def commands(app):
    return commands_of(app)


def create_event(commands, template: str, title: str, event_id: str | None = None, tables: list | None = None) -> str:
    """Create an event as the command line does (the admin); returns its id."""
    payload = {"template": template, "title": title}
    payload.update({"id": event_id} if event_id else {}, **({"tables": tables} if tables else {}))
    return commands.run("event:create", Actor(ADMIN, event_id or ""), payload).ack["event_id"]


@pytest.fixture
def event(commands):
    """The Gmünd demo event: its id, tables and questions per table."""
    event_id = create_event(commands, "gmuend", "Bürgerdialog Test", "test")
    tables = commands.store.tables(event_id)
    questions = commands.store.questions(event_id)
    return {
        "id": event_id,
        "tables": [t["id"] for t in tables],
        "questions": {t["id"]: [q["id"] for q in questions if q["table_id"] == t["id"]] for t in tables},
    }


# A sign-up deletion day a year ahead (at most two years are allowed), ISO and as the pages write it.
KEEP_UNTIL_DAY = datetime.date.today() + datetime.timedelta(days=365)
KEEP_UNTIL, KEEP_UNTIL_DE = KEEP_UNTIL_DAY.isoformat(), KEEP_UNTIL_DAY.strftime("%d.%m.%Y")


def canonical_backup(data: dict) -> dict:
    """A JSON backup with its pseudonyms (new in every backup) named p1, p2, ... in order of
    appearance: two backups of the same event compare equal, links between cards, dots and
    present phones included."""
    names: dict[str, str] = {}

    def name(pid: str) -> str:
        return names.setdefault(pid, f"p{len(names) + 1}")

    return {**data,
            "cards": [{**c, "author": name(c["author"])} for c in data["cards"]],
            "dots": [{**d, "participant_id": name(d["participant_id"])} for d in data["dots"]],
            "presence": [{**p, "participant_id": name(p["participant_id"])} for p in data["presence"]]}


def participant(event, table_index=0, pid="p1") -> Actor:
    table = event["tables"][table_index]
    return Actor(PARTICIPANT, event["id"], table, pid)


def moderator(event, table_index=0) -> Actor:
    return Actor(MODERATOR, event["id"], event["tables"][table_index])


def lead(event) -> Actor:
    return Actor(LEAD, event["id"])


def card_payload(event, table_index=0, question_index=0, text="Mehr Bänke am Marktplatz", **extra) -> dict:
    table = event["tables"][table_index]
    return {"id": str(uuid.uuid4()), "question": event["questions"][table][question_index], "text": text, **extra}


def _viewing(view: str, client):
    """Mark a test client with the view its audience gets (changes() checks against it)."""
    client.view = view
    return client


class Clients:
    """Socket.IO test clients with real session cookies, one per role."""

    def __init__(self, app, commands, event):
        self.app, self.commands, self.event = app, commands, event
        self.sio = socketio_of(app)

    def phone(self, table_index=0):
        http = self.app.test_client()
        table = self.event["tables"][table_index]
        assert http.get(f"/e/{self.event['id']}/t/{table}").status_code == 200
        return _viewing(PUBLIC, self.sio.test_client(
            self.app, flask_test_client=http, auth={"event": self.event["id"], "role": PARTICIPANT, "table": table}
        ))

    def moderator(self, table_index=0):
        http = self.app.test_client()
        table = self.event["tables"][table_index]
        token = self.commands.token(self.event["id"], MODERATOR, table)
        assert http.get(f"/e/{self.event['id']}/m/{table}?k={token}").status_code == 303
        return _viewing(FULL, self.sio.test_client(
            self.app, flask_test_client=http, auth={"event": self.event["id"], "role": MODERATOR, "table": table}
        ))

    def lead(self):
        http = self.app.test_client()
        token = self.commands.token(self.event["id"], LEAD)
        assert http.get(f"/e/{self.event['id']}/lead?k={token}").status_code == 303
        return _viewing(FULL, self.sio.test_client(self.app, flask_test_client=http, auth={"event": self.event["id"], "role": LEAD}))

    def interpreter(self):
        http = self.app.test_client()
        token = self.commands.token(self.event["id"], INTERPRETER)
        assert http.get(f"/e/{self.event['id']}/i?k={token}").status_code == 303
        return _viewing(INTERPRETING, self.sio.test_client(self.app, flask_test_client=http, auth={"event": self.event["id"], "role": INTERPRETER}))

    def follower(self):
        http = self.app.test_client()
        token = self.commands.token(self.event["id"], FOLLOWER)
        assert http.get(f"/e/{self.event['id']}/f?k={token}").status_code == 303
        return _viewing(PUBLIC, self.sio.test_client(self.app, flask_test_client=http, auth={"event": self.event["id"], "role": FOLLOWER}))

    def wall(self):
        return _viewing(PUBLIC, self.sio.test_client(self.app, auth={"event": self.event["id"], "role": "wall"}))


@pytest.fixture
def clients(app, commands, event):
    return Clients(app, commands, event)


def changes(client) -> list[dict]:
    """The changes a test client received since the last call: one by one ('change', screens)
    or batched ('changes', phones), in the order they came. Each is checked against its
    declaration (facilitation/changes.py), in the view its client's audience gets."""
    out = []
    for msg in client.get_received():
        if msg["name"] == "change":
            out.append(msg["args"][0])
        elif msg["name"] == "changes":
            out.extend(msg["args"][0])
    for change in out:
        check_change(change, getattr(client, "view", None))
    return out


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from browser_kit import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    """The real server (app.py on eventlet) on its own data directory."""
    from server import LiveServer

    live = LiveServer(tmp_path).start()
    yield live
    live.stop()


def pytest_collection_modifyitems(items):
    """Mark tests that start the real server or a browser, so `-m "not browser"` runs only the
    fast ones. With pytest-xdist they all go to one worker, one after the other, as they ran
    before: two servers and two browsers at once on a 2-core machine would slow each other
    past the waits they measure; the fast tests run beside them on the other worker."""
    for item in items:
        if {"browser", "server"} & set(getattr(item, "fixturenames", ())) or "LiveServer" in item.function.__code__.co_names:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))

"""Tischrunde: a live facilitation app for world-café citizen dialogues."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask.ctx import RequestContext
from flask_babel import Babel
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import delivery, feed, languages
from .commands import Commands
from .config import ROOT, load_config
from .guard import AddressThrottle
from .store import Store

# The version a start line and /healthz name; raised with each release.
VERSION = "0.23.0"
# Languages with a catalogue in translations/ (German is the source language); which of them
# cover the staff pages too, and which were reviewed, says translations/languages.json.
LANGUAGES = languages.codes()

# Pages for moderators, the lead and interpreters: shown in a language only where its
# catalogue covers them, else in German, left to right (never half translated and mirrored).
STAFF_PAGES = {"staff.moderator", "lead.lead", "lead.lead_board", "staff.followup", "staff.interpreter", "lead.posters", "lead.sheets",
               "lead.record", "lead.howto"}

babel = Babel()
csrf = CSRFProtect()


def wanted_language() -> str:
    """The reader's language: ?lang= (remembered in the session), else the browser's."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "de"


def select_locale() -> str:
    """The UI language: the reader's, but German on staff pages their language does not cover."""
    if not has_request_context():  # command line: German, the source language
        return "de"
    lang = wanted_language()
    if request.endpoint in STAFF_PAGES and not languages.staff_complete(lang):
        return "de"
    return lang


# Where Socket.IO connects (Flask-SocketIO's default path; its test client leaves off the
# final slash). The engine.io middleware answers it before Flask, and no route matches it.
SOCKET_PATH = "/socket.io"


class EventContext(RequestContext):
    """The request context, without URL matching for Socket.IO events.

    Flask-SocketIO pushes a request context built from the connection's handshake for every
    Socket.IO event. Matching that path against the app's routes can only fail, and the
    failure is a NotFound kept with its traceback: ~80 objects in reference cycles per
    event, and the cyclic garbage collector then stopped the server for 50-180 ms every few
    seconds at the burst (issue 13). Without a match, request.endpoint is None, as before.
    """

    def match_request(self) -> None:
        if self.request.environ.get("PATH_INFO", "").rstrip("/") != SOCKET_PATH:
            super().match_request()


class App(Flask):
    """Flask, with request contexts that skip URL matching for Socket.IO events."""

    def request_context(self, environ: dict) -> RequestContext:
        return EventContext(self, environ)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app, its store and the Socket.IO server.

    ``config`` overrides the settings read from the environment; tests pass
    their own DATABASE and SECRET_KEY.
    """
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(**(config or {})))
    store = Store(app.config["DATABASE"])
    limits = {"cards": app.config["CARDS_PER_MINUTE"], "edits": app.config["EDITS_PER_MINUTE"],
              "dots": app.config["DOTS_PER_MINUTE"]}
    app.extensions["tischrunde"] = Commands(store, app.config["SECRET_KEY"], limits, shared=app.config["MESSAGE_QUEUE"])
    app.extensions["tischrunde"].grant_missing_links()
    app.extensions["tischrunde_throttle"] = AddressThrottle(
        app.config["NEW_PARTICIPANTS_BURST"], app.config["NEW_PARTICIPANTS_PER_SECOND"]
    )
    babel.init_app(app, locale_selector=select_locale)
    delivery.init_app(app)
    csrf.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take scheme, host and client address from its X-Forwarded-* headers.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=0)

    from . import cli, embeddings, health, metrics, realtime, views, web

    web.register(app)
    cli.register(app)
    # Past one process, emits go through Redis (feed.QueueManager); else feed.LocalManager.
    queue = app.config["MESSAGE_QUEUE"]
    manager = feed.QueueManager(queue, channel="tischrunde") if queue else feed.LocalManager()
    socketio = SocketIO(
        app,
        client_manager=manager,
        async_mode=app.config["ASYNC_MODE"],
        max_http_buffer_size=app.config["MAX_HTTP_BUFFER_SIZE"],
        # Same-origin only (the default); say it so nobody "fixes" it to '*'.
        cors_allowed_origins=None,
        manage_session=False,
        transports=app.config["SOCKETIO_TRANSPORTS"],
        serializer=realtime.TextPacket,
    )
    realtime.register(socketio)
    views.SNAPSHOT_PAGE = app.config["SNAPSHOT_PAGE"]
    app.extensions["storage_health"] = health.StorageHealth()
    app.extensions["embedding_refresher"] = embeddings.IdleRefresher(
        lambda: commands_of(app).store, socketio.sleep,
        socketio.start_background_task, app.config["EMBED_QUIET_SECONDS"])
    manager.feed = feed.PhoneFeed(manager.deliver, app.config["PHONE_FEED_INTERVAL"],
                                  lambda event_id: [t["id"] for t in commands_of(app).store.tables(event_id)],
                                  socketio.sleep, socketio.start_background_task)
    metrics.LIVE.feed, metrics.LIVE.model = manager.feed, embeddings.worker_state
    app.extensions["emit_order"] = feed.EmitOrder(Path(app.config["DATA_DIR"]) / "emit.lock" if queue else None,
                                                  socketio.sleep)
    return app


def commands_of(app: Flask) -> Commands:
    """The Commands (and through it the Store) of an app."""
    return app.extensions["tischrunde"]


def feed_of(app: Flask) -> feed.PhoneFeed:
    """The phones' feed of an app (feed.py)."""
    return app.extensions["socketio"].server.manager.feed


def socketio_of(app: Flask) -> SocketIO:
    """The Socket.IO server of an app (Flask-SocketIO keeps it in extensions)."""
    return app.extensions["socketio"]

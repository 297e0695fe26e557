"""Tischrunde entry point: ``python app.py`` starts the server with a demo event.

Every eventlet-specific line lives in this file, so the async mode stays a
setting (ASYNC_MODE=eventlet by default, ASYNC_MODE=threading for a plain
development server). ``flask --app app ...`` imports this module for the
command line and runs no server, so it does not monkey-patch.
"""
import os

SERVING = __name__ == "__main__"
ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet") if SERVING else "threading"

if ASYNC_MODE == "eventlet":
    import warnings

    # Known and chosen (see docs/architecture.md); not news for a venue's admin.
    warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
    import eventlet  # must patch before anything else imports socket/threading

    eventlet.monkey_patch()

import sys  # noqa: E402

from facilitation import commands_of, create_app, socketio_of  # noqa: E402
from facilitation.cli import format_links  # noqa: E402
from facilitation.domain import ADMIN, Actor  # noqa: E402
from facilitation.links import base_url, event_links  # noqa: E402
from facilitation.realtime import perform  # noqa: E402

DEMO_EVENT = "demo"
DEMO_TITLE = "Bürgerdialog Schwäbisch Gmünd (Demo)"

app = create_app({"ASYNC_MODE": ASYNC_MODE})


def ensure_demo_event() -> str:
    """Create the demo event from the Gmünd template once; reuse it afterwards."""
    if commands_of(app).store.event(DEMO_EVENT) is None:
        perform(app, Actor(ADMIN, DEMO_EVENT), "event:create", {"template": "gmuend", "title": DEMO_TITLE, "id": DEMO_EVENT})
    return DEMO_EVENT


def announce() -> None:
    """Say where the server listens, once the port is ours."""
    print(f"Tischrunde läuft auf {app.config['HOST']}:{app.config['PORT']} ({ASYNC_MODE}). Beenden: Strg+C", flush=True)


def serve_eventlet() -> None:
    """Run the real server: eventlet WSGI with the limits a venue needs.

    eventlet's defaults would cap the server at 1,024 connections, queue only
    50 pending connects and share the port with a second instance
    (SO_REUSEPORT), which would silently take half of the phones.
    """
    import eventlet.wsgi

    listener = eventlet.listen(
        (app.config["HOST"], app.config["PORT"]), backlog=1024, reuse_port=False
    )
    announce()
    eventlet.wsgi.server(
        listener,
        app,
        max_size=app.config["MAX_CONNECTIONS"],
        log_output=bool(os.environ.get("LOG_REQUESTS")),
    )


def main() -> None:
    """Prepare the demo event, print its links and QR code, and serve."""
    event_id = ensure_demo_event() if os.environ.get("DEMO", "1") == "1" else None
    if event_id:
        links = event_links(commands_of(app), event_id, base_url(app.config))
        print(format_links(links, with_qr=True), flush=True)
    try:
        serve(ASYNC_MODE)
    except OSError as err:
        sys.exit(f"Der Server kann nicht starten ({err}). Ist Port {app.config['PORT']} schon belegt? "
                 f"Dann z. B. mit PORT={app.config['PORT'] + 1} make run starten.")


def serve(mode: str) -> None:
    """Serve with eventlet (the default) or Flask-SocketIO's threading server."""
    if mode == "eventlet":
        serve_eventlet()
    else:
        announce()
        socketio_of(app).run(
            app, host=app.config["HOST"], port=app.config["PORT"], allow_unsafe_werkzeug=True
        )


if SERVING:
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)

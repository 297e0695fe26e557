"""Tischrunde entry point: ``python app.py`` starts the server with a demo event.

Every eventlet-specific line lives in this file, so the async mode stays a
setting (ASYNC_MODE=eventlet by default, ASYNC_MODE=threading for a plain
development server). ``flask --app app ...`` imports this module for the
command line and runs no server, so it does not monkey-patch.
"""
import os
import sys

SERVING = __name__ == "__main__"
if SERVING:
    # The settings file may choose the async mode, which must be known before anything is
    # imported; facilitation/config.py reads the same file again (real variables win).
    from dotenv import load_dotenv

    load_dotenv(os.environ.get("TISCHRUNDE_ENV") or ".env", override=False)
ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet") if SERVING else "threading"

if ASYNC_MODE == "eventlet":
    import warnings

    # Known and chosen (see docs/architecture.md); not news for a venue's admin.
    warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
    import eventlet  # must patch before anything else imports socket/threading

    eventlet.monkey_patch()

if SERVING:
    # python-socketio imports aiohttp, for its asyncio client, whenever it is installed, and
    # the test requirements install it for bench/fanout.py's clients. The server never uses
    # it: ~9 MiB that a server installed from requirements.txt alone does not load either,
    # so the benchmark measures what a town's server holds (issue 13).
    sys.modules.setdefault("aiohttp", None)

import atexit  # noqa: E402
import ctypes  # noqa: E402
import errno  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402

from facilitation import VERSION, commands_of, create_app, embeddings, logs, socketio_of  # noqa: E402
from facilitation.cli import format_links  # noqa: E402
from facilitation.config import SettingError  # noqa: E402
from facilitation.migrations import NewerDatabase  # noqa: E402
from facilitation.domain import ADMIN, Actor  # noqa: E402
from facilitation.links import announce_running, base_url, event_links, forget_running  # noqa: E402
from facilitation.realtime import every, flush_presence_often, measure_loop_lag, perform, purge_hourly  # noqa: E402

DEMO_EVENT = "demo"
DEMO_TITLE = "Bürgerdialog Schwäbisch Gmünd (Demo)"

try:
    app = create_app({"ASYNC_MODE": ASYNC_MODE})
except (SettingError, NewerDatabase) as err:
    sys.exit(f"Tischrunde startet nicht: {err}")


def ensure_demo_event() -> str:
    """Create the demo event from the Gmünd template once; reuse it afterwards."""
    if commands_of(app).store.event(DEMO_EVENT) is None:
        perform(app, Actor(ADMIN, DEMO_EVENT), "event:create", {"template": "gmuend", "title": DEMO_TITLE, "id": DEMO_EVENT})
    return DEMO_EVENT


def announce() -> None:
    """Say where the server listens, once the port is ours (also to the command line)."""
    announce_running(app.config)
    atexit.register(forget_running, app.config)
    logs.say(app.config["LOG_FORMAT"], f"Tischrunde {VERSION} läuft auf {app.config['HOST']}:{app.config['PORT']} "
                                       f"({ASYNC_MODE}). Beenden: Strg+C")


FD_RESERVE = 64  # files the server needs besides connections: the database, logs, imports


def raise_open_files_limit() -> int:
    """Raise the soft open-files limit to the hard one; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def socket_capacity(open_files: int) -> int:
    """How many sockets the server can hold open at once (each is a file)."""
    return max(16, open_files - FD_RESERVE)


def connection_budget(open_files: int) -> int:
    """How many connections to serve at once: MAX_CONNECTIONS, within half the sockets the
    server can hold, so that one address's flood of half-sent requests (at most a budget's
    worth, guard.AddressSockets) leaves the other half for everyone else."""
    return max(8, min(app.config["MAX_CONNECTIONS"], socket_capacity(open_files) // 2))


def refuse_at_once(conn) -> None:
    """Answer 503 on a socket its address has no room for, and close it (its descriptor is
    free again at once)."""
    from facilitation.guard import BUSY_RESPONSE

    try:
        conn.settimeout(0.5)
        conn.sendall(BUSY_RESPONSE)
    except OSError:
        pass
    finally:
        conn.close()


class PatientListener:
    """A listen socket whose accept() waits out EMFILE/ENFILE instead of ending the server.

    eventlet.wsgi.server stops serving when accept() raises; out of file
    descriptors, the pending connection can simply wait in the backlog.
    """

    def __init__(self, sock, sockets=None):
        self.sock = sock
        self.sockets = sockets  # guard.AddressSockets: each address's share of the descriptors

    def accept(self):
        import eventlet

        while True:
            try:
                conn, address = self.sock.accept()
                if self.sockets is not None and not self.sockets.admit(address[0], conn):
                    refuse_at_once(conn)
                    continue
                # Acks and single cards are small: send them now, not after Nagle's wait
                # (issue 13 measured ack p99 56 -> 40 ms with it).
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return conn, address
            except OSError as err:
                if err.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                eventlet.sleep(0.05)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def calm_garbage_collector() -> None:
    """Fewer and shorter pauses of Python's garbage collector while serving.

    With 2,000 connections a full collection froze the server for 105-202 ms (issue 13).
    What exists after start-up (modules, the app, the demo event) lives as long as the
    process: frozen, full collections no longer walk it; a larger first threshold makes
    young collections rarer. GC_CALM=0 keeps Python's defaults (to measure the difference).
    """
    if os.environ.get("GC_CALM", "1") != "1":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# Often, so each trim has little to hand back: a trim's stall grows with what it returns
# (30 ms for the 357 MiB a join wave of 2,000 phones into 5,000 cards left; ~1.5 ms for none).
MEMORY_RETURN_SECONDS = 2.0


def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS).

    Looked up among the symbols the process already has (``CDLL(None)``): finding libc by
    name runs ldconfig in a subprocess at every import of this module, the CLI's too."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


MALLOC_TRIM = _malloc_trim()


def return_free_memory() -> bool:
    """Hand the C heap's free pages back to the system; False where that cannot be done.

    glibc returns freed memory only from the top of its heap: a join wave of 2,000 phones
    (pages, snapshots, handshakes) leaves 27 MiB of free pages between live ones in an
    empty event and 357 MiB in one of 5,000 cards, which the server would keep until it
    ends; the sentence model's worker threads leave more in heaps of their own (issue 13).
    """
    if MALLOC_TRIM is None:
        return False
    MALLOC_TRIM(0)
    return True


def lean_protocol():
    """eventlet's HTTP protocol with 4 KiB read and write buffers instead of 8 and 16 KiB.

    Each connection keeps both buffers for its whole life, and a WebSocket never uses them
    after its handshake: at 2,000 phones the defaults held 31 MiB (issue 13). Request lines,
    headers and small answers still fit; larger bodies bypass the buffer either way.
    """
    import eventlet.wsgi

    class LeanProtocol(eventlet.wsgi.HttpProtocol):
        rbufsize = 4096
        wbufsize = 4096

    return LeanProtocol


def serve_eventlet() -> None:
    """Run the real server: eventlet WSGI with the limits a venue needs.

    eventlet's defaults would cap the server at 1,024 connections, queue only
    50 pending connects and share the port with a second instance
    (SO_REUSEPORT), which would silently take half of the phones. Past the
    connection budget new requests get a 503 (facilitation/guard.py), and the
    pool has room to say so.
    """
    import eventlet.wsgi

    from facilitation.guard import AddressSockets, ConnectionBudget

    # Long computations (suggestions) pause between steps so the hub serves everyone else
    # meanwhile. A thread pool does not help pure Python here: the GIL convoy made every
    # other request wait as long (bench/suggest_stall.py; SUGGEST_PAUSES=0 compares).
    if os.environ.get("SUGGEST_PAUSES", "1") == "1":
        app.config["PAUSE"] = eventlet.sleep
    open_files = raise_open_files_limit()
    budget = connection_budget(open_files)
    per_address = app.config["SOCKETS_PER_ADDRESS"] or budget
    listener = eventlet.listen(
        (app.config["HOST"], app.config["PORT"]), backlog=1024, reuse_port=False
    )
    announce()
    eventlet.wsgi.server(
        PatientListener(listener, AddressSockets(per_address)),
        ConnectionBudget(app, budget),
        # A green thread for every socket that can be open: a socket waiting for its request
        # must not hold up the next one (the 101st WebSocket hung there, issue 21).
        max_size=socket_capacity(open_files),
        log=logs.RequestLog(sys.stderr, app.config["LOG_FORMAT"]),
        log_output=app.config["LOG_REQUESTS"],
        # An idle or half-sent request gives its slot back after a minute.
        socket_timeout=60,
        protocol=lean_protocol(),
    )


def start_failure(err: OSError) -> str:
    """What to tell the admin when the server cannot start, by its real cause."""
    port = app.config["PORT"]
    if err.errno == errno.EADDRINUSE:
        return (f"Port {port} ist schon belegt (läuft Tischrunde schon?). "
                f"Dann z. B. mit PORT={port + 1} make run starten.")
    if err.errno == errno.EACCES:
        return f"Port {port} darf dieser Benutzer nicht öffnen. Bitte einen Port über 1024 wählen (PORT=5000)."
    if err.errno == errno.EADDRNOTAVAIL:
        return f"Die Adresse HOST={app.config['HOST']} gibt es auf diesem Rechner nicht."
    return f"Der Server kann nicht starten: {err.strerror or err}."


def main() -> None:
    """Check the database, prepare the demo event, print its links and QR code, and serve."""
    logs.configure(app.config["LOG_FORMAT"])
    problem = commands_of(app).store.write_problem()
    if problem:
        sys.exit(f"Die Datenbank {app.config['DATABASE']} lässt sich nicht beschreiben ({problem}). "
                 "Bitte Rechte und freien Platz prüfen (oder DATA_DIR auf einen beschreibbaren Ordner setzen).")
    if app.config["DEMO"]:
        links = event_links(commands_of(app), ensure_demo_event(), base_url(app.config))
        print(format_links(links, with_qr=True), flush=True)
    else:
        # A town's server logs to the journal: no secret link may go there.
        logs.say(app.config["LOG_FORMAT"], "Ohne Demo-Veranstaltung (DEMO=0). Die Links einer Veranstaltung zeigt "
                 "`flask --app app event links <ID>` (die IDs: `flask --app app event list`).")
    socketio_of(app).start_background_task(embeddings.start_worker)
    socketio_of(app).start_background_task(purge_hourly, app)
    socketio_of(app).start_background_task(flush_presence_often, app)
    socketio_of(app).start_background_task(measure_loop_lag, app)
    socketio_of(app).start_background_task(every, app, MEMORY_RETURN_SECONDS, return_free_memory,
                                           "memory not returned")
    calm_garbage_collector()
    try:
        serve(ASYNC_MODE)
    except OSError as err:
        sys.exit(start_failure(err))


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

"""Socket.IO: authorise connections, join rooms, and perform(): run a command, then broadcast.

perform() is the one door for every change, whoever makes it: the Socket.IO
handlers below, the no-JavaScript forms (web/) and the command line
(cli.py). Which rooms get which view of a change is views.deliveries'.
"""
from __future__ import annotations

import logging
import sqlite3

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import SocketIO, join_room
from socketio.packet import Packet
from socketio.exceptions import ConnectionRefusedError as Refused

from . import access, commands_of, metrics, views
from .commands import COMMANDS
from .commands import signups
from .commands.results import likely, suggest
from .domain import MODERATOR, Actor, CommandError, Result, fail
from .feed import REVOKED

log = logging.getLogger(__name__)


class TextPacket(Packet):
    """Socket.IO packets without the search for binary data: nothing here sends bytes, and
    that search walked every card of every reply (4 ms of a phone's 11 ms join with 5,000
    cards in the event, issue 13). A client's binary packet still decodes, and is refused
    as bad input like any other."""

    uses_binary_events = False


def perform(app, actor: Actor, name: str, payload=None) -> Result:
    """Run a command and send what it changed to exactly who may see it.

    Broadcasting happens after the transaction committed (run returned), before any other
    command of the server (or, past one process, of any process) commits (feed.EmitOrder).
    """
    sio = app.extensions.get("socketio")
    with app.extensions["emit_order"].held():
        result = _counted(name, lambda: commands_of(app).run(name, actor, payload))
        if sio is not None:
            broadcast(sio, actor.event_id, result)
            if any(_starts_a_later_round(change) for change in result.changes):
                # Behind the round's change in the phones' feed: the phone shows the table
                # change once it knows the round began.
                sio.emit("occupancy", occupancy(sio, commands_of(app).store, actor.event_id),
                         to=f"{actor.event_id}:phones")
    if sio is not None:
        _refresh_vectors(app, result)
    return result


def _counted(name: str, run) -> Result:
    """Run a command and count its outcome for /metrics (ok, the refusal's code, or what broke)."""
    try:
        result = run()
    except CommandError as err:
        metrics.command_done(name, err.code)
        raise
    except sqlite3.OperationalError:
        metrics.command_done(name, "storage_unavailable")
        raise
    except Exception:
        metrics.command_done(name, "internal")
        raise
    metrics.command_done(name, "ok")
    return result


# Changes that give a card a new text (a card taken at the table is posted too).
TEXT_CHANGES = {"card.posted", "card.edited"}


def measure_loop_lag(app) -> None:
    """Note the event loop's lag once a second, for /metrics (started by app.py)."""
    metrics.measure_loop_lag(app.extensions["socketio"].sleep)


def purge_hourly(app) -> None:
    """Delete sign-ups whose deletion date has come: at start (a server that was off on the
    date deletes then) and every hour while it runs (started by app.py once the database
    proved writable)."""
    every(app, 3600, lambda: signups.purge(commands_of(app).store), "sign-up purge failed")


PRESENCE_FLUSH_SECONDS = 1.0


def flush_presence_often(app) -> None:
    """Write the phones noted present by page views once a second (started by app.py; every
    read of presence writes them first too)."""
    every(app, PRESENCE_FLUSH_SECONDS, lambda: commands_of(app).store.flush_presence(), "presence not written")


def every(app, seconds: float, work, failed: str) -> None:
    """Do ``work`` now and every ``seconds`` for as long as the server runs (socketio.sleep
    lets it serve meanwhile); a failure (a full disk, say) is logged and tried again next time."""
    sio = app.extensions["socketio"]
    while True:
        try:
            work()
        except Exception:
            log.exception(failed)
        sio.sleep(seconds)


def _refresh_vectors(app, result: Result) -> None:
    """Have the sentence vectors of posted or edited cards computed once posting pauses, so a
    suggestion later finds them ready (the fingerprint skips cards whose text is unchanged)."""
    card_ids = [change["card"]["id"] for change in result.changes if change["type"] in TEXT_CHANGES]
    if card_ids:
        app.extensions["embedding_refresher"].note(card_ids)


def _starts_a_later_round(change: dict) -> bool:
    event = change.get("event")
    return bool(event) and event["phase"].startswith("round:") and event["current_round"] >= 2


def occupancy(sio: SocketIO, store, event_id: str) -> dict:
    """How many phones are connected at each table (so phones can suggest the emptiest one)."""
    return {str(t["id"]): len(list(sio.server.manager.get_participants("/", f"{event_id}:phones:{t['id']}")))
            for t in store.tables(event_id)}


def broadcast(sio: SocketIO, event_id: str, result: Result) -> None:
    """Emit a command's changes (in seq order) and signals; phones get theirs through their
    feed (feed.py: batched, at most one message a second)."""
    for change in result.changes:
        for rooms, view in views.deliveries(event_id, change):
            sio.emit("change", view, to=rooms)
    for signal in result.signals:
        if signal["type"] == "deleted":
            sio.emit("deleted", {"event": event_id}, to=event_id)
        elif signal["type"] == "link_replaced":
            _close_room(sio, views.staff_room(event_id, signal["role"], signal["table_id"]))


def _close_room(sio: SocketIO, room: str) -> None:
    """Tell every connection in a room that its grant was withdrawn, and close it (the client
    manager closes them, in every process: feed.REVOKED)."""
    sio.emit(REVOKED, {}, to=room)


TROUBLE = "trouble"  # to the lead and the moderators: the server cannot store right now
STORAGE_TROUBLE = _l("Der Server kann gerade nichts speichern (Speicherplatz voll oder Datenbank gesperrt). "
                     "Eingaben warten auf den Geräten. Bitte die IT benachrichtigen.")


def storage_failed(app, sio: SocketIO, event_id: str | None, error: Exception) -> CommandError:
    """A write failed for lack of disk (or a read-only or locked database): note it for
    /healthz, tell the event's lead and moderators, and answer with the retryable code."""
    health = app.extensions["storage_health"]
    health.note(error)
    log.error("storage: %s", error)
    if event_id and health.should_tell(event_id):
        staff = [f"{event_id}:lead"] + [views.staff_room(event_id, MODERATOR, t["id"])
                                         for t in commands_of(app).store.tables(event_id)]
        sio.emit(TROUBLE, {"code": "storage_unavailable", "message": str(STORAGE_TROUBLE), "detail": str(error)}, to=staff)
    return fail("storage_unavailable")


def _error(err: CommandError) -> dict:
    return {"ok": False, "error": err.as_dict()}


def register(sio: SocketIO) -> None:
    """Attach the connection and command handlers to a Socket.IO server."""
    actors: dict[str, Actor] = {}
    metrics.LIVE.actors = actors

    def on_connect(auth=None):
        try:
            actor = access.actor_for(commands_of(current_app), auth)
        except CommandError as err:
            # The client gets connect_error with err.data = {code, message}.
            raise Refused(str(err.message), err.as_dict()) from None
        actors[request.sid] = actor
        for room in views.rooms_of(actor):
            join_room(room)

    def on_disconnect(*_args):
        actors.pop(request.sid, None)

    def guarded(run):
        """Run a handler; every outcome is an ack, the connection stays up."""
        actor = actors.get(request.sid)
        if actor is None:
            return _error(fail("not_authenticated"))
        try:
            return run(actor)
        except CommandError as err:
            return _error(err)
        except sqlite3.OperationalError as err:  # disk full, read-only, locked: retryable
            return _error(storage_failed(current_app, sio, actor.event_id, err))
        except Exception:  # whatever a payload does, the client gets an answer
            log.exception("handler failed")
            return _error(fail("internal"))

    def on_sync(payload=None):
        return guarded(lambda actor: {"ok": True, **views.sync(commands_of(current_app).store, actor, payload)})

    def on_suggest(payload=None):
        pause = current_app.config.get("PAUSE")
        return guarded(lambda actor: {"ok": True, **suggest(commands_of(current_app), actor, payload, pause)})

    def on_likely(payload=None):
        return guarded(lambda actor: {"ok": True, **likely(commands_of(current_app), actor, payload)})

    def command_handler(name):
        def handle(payload=None):
            def run(actor):
                result = perform(current_app, actor, name, payload)
                return {"ok": True, "seq": result.change["seq"] if result.change else None, **result.ack}

            return guarded(run)

        return handle

    sio.on_event("connect", on_connect)
    sio.on_event("disconnect", on_disconnect)
    sio.on_event("sync", on_sync)
    sio.on_event("suggest", on_suggest)
    sio.on_event("likely", on_likely)
    for name in COMMANDS:  # run() refuses roles a connection cannot have (admin)
        sio.on_event(name, command_handler(name))

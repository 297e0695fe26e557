"""Socket.IO: authorise connections, join rooms, run commands, broadcast changes.

Rooms per event ``E``: ``E`` (everyone), ``E:lead``, ``E:wall``, ``E:phones``
(every phone), and per table ``T`` ``E:mod:T`` (its moderators) and
``E:phones:T`` (its phones).
A change goes only to the rooms that may see it, in the view they may see.
"""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import SocketIO, join_room

from . import access, commands_of
from .commands import COMMANDS, audience_view
from .domain import LEAD, MODERATOR, WALL, Actor, CommandError, fail

log = logging.getLogger(__name__)


def rooms_of(actor: Actor) -> list[str]:
    """The rooms a connection joins."""
    e = actor.event_id
    if actor.role == LEAD:
        return [e, f"{e}:lead"]
    if actor.role == MODERATOR:
        return [e, f"{e}:mod:{actor.table_id}"]
    if actor.role == WALL:
        return [e, f"{e}:wall"]
    return [e, f"{e}:phones", f"{e}:phones:{actor.table_id}"]


def broadcast(sio: SocketIO, event_id: str, change: dict) -> None:
    """Send a stored change to exactly the rooms allowed to see it.

    Call only after the transaction committed (the command returned).
    """
    table_id = change.get("table_id")
    if table_id is None:
        sio.emit("change", change, to=event_id)
        return
    e = event_id
    # Results are public to every phone (the market place votes on all of them);
    # cards only to the phones of their table.
    phones = f"{e}:phones" if "result" in change else f"{e}:phones:{table_id}"
    sio.emit("change", audience_view(change, "moderator"), to=[f"{e}:lead", f"{e}:mod:{table_id}"])
    sio.emit("change", audience_view(change, "public"), to=[f"{e}:wall", phones])


def _error(err: CommandError) -> dict:
    return {"ok": False, "error": err.as_dict()}


def register(sio: SocketIO) -> None:
    """Attach the connection and command handlers to a Socket.IO server."""
    actors: dict[str, Actor] = {}

    def on_connect(auth=None):
        try:
            actor = access.actor_for(commands_of(current_app), auth)
        except CommandError as err:
            # The client sees this as connect_error with {code, message}.
            raise ConnectionRefusedError(err.as_dict()) from None
        actors[request.sid] = actor
        for room in rooms_of(actor):
            join_room(room)

    def on_disconnect(*_args):
        actors.pop(request.sid, None)

    def guarded(run):
        """Run a handler: unknown connection, refusals and crashes become acks."""
        actor = actors.get(request.sid)
        if actor is None:
            return _error(fail("not_authenticated"))
        try:
            return run(actor)
        except CommandError as err:
            return _error(err)
        except Exception:  # the connection must stay up whatever a payload does
            log.exception("command failed")
            return _error(fail("internal"))

    def on_sync(payload=None):
        return guarded(lambda actor: {"ok": True, **commands_of(current_app).sync(actor, payload)})

    def on_suggest(payload=None):
        return guarded(lambda actor: {"ok": True, **commands_of(current_app).suggest(actor, payload)})

    def command_handler(name):
        def handle(payload=None):
            def run(actor):
                result = commands_of(current_app).run(name, actor, payload)
                for change in result.changes:
                    broadcast(sio, actor.event_id, change)
                seq = result.change["seq"] if result.change else None
                return {"ok": True, "seq": seq, **result.ack}

            return guarded(run)

        return handle

    sio.on_event("connect", on_connect)
    sio.on_event("disconnect", on_disconnect)
    sio.on_event("sync", on_sync)
    sio.on_event("suggest", on_suggest)
    for name in COMMANDS:
        sio.on_event(name, command_handler(name))

"""Who is who: grants from secret links and the participant id, kept in the session.

The session is Flask's signed, HttpOnly cookie; it holds no secret tokens,
only the hash of the link that granted a role. A grant counts only while that
hash is still the link's current one, so replacing a link (or deleting and
re-creating an event under the same id) ends every grant made through the old one.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid

from flask import session

from .domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, WALL, Actor, fail


# Grants one browser keeps (each ~100 bytes of a 4 KiB cookie). Past it the one used longest
# ago goes, never the console in use: a busy lead with 21 events lost the one they were in.
MAX_GRANTS = 24


def _works(store, entry: list) -> bool:
    current = store.secret(entry[3]) if len(entry) == 4 else None
    return bool(current) and [current["event_id"], current["role"], current["table_id"]] == entry[:3]


def add_grant(grant: dict, store=None) -> None:
    """Remember in the session that a secret link granted this role; grants whose link no
    longer works (replaced, event deleted) go first, then the ones used longest ago."""
    entry = [grant["event_id"], grant["role"], grant["table_id"], grant["hash"]]
    grants = [g for g in session.get("grants", []) if g[:3] != entry[:3] and (store is None or _works(store, g))]
    session["grants"] = grants[-(MAX_GRANTS - 1):] + [entry]
    session.permanent = True


def has_grant(store, event_id: str, role: str, table_id: int | None = None) -> bool:
    """True when the session holds the role through a link that still works.

    The lead's grant covers every table.
    """
    wanted = [[event_id, LEAD, None]] + ([[event_id, role, table_id]] if role in (MODERATOR, INTERPRETER, FOLLOWER) else [])
    grants = session.get("grants", [])
    for n, entry in enumerate(grants):
        if len(entry) == 4 and entry[:3] in wanted and _works(store, entry):
            if n != len(grants) - 1:  # used now: the last to go
                session["grants"] = grants[:n] + grants[n + 1:] + [entry]
            return True
    return False


def participant_id(create: bool = False) -> str | None:
    """The random id of this phone's participant; made on first visit when asked."""
    pid = session.get("pid")
    if pid is None and create:
        pid = session["pid"] = uuid.uuid4().hex
        session.permanent = True
    return pid


def actor_for(commands, auth) -> Actor:
    """Authorise a connection: the role asked for in ``auth``, if the session holds it.

    ``auth`` is ``{event, role, table?}`` from the client; it is a request, the
    session cookie is the proof.
    """
    if not isinstance(auth, dict) or not isinstance(auth.get("event"), str):
        raise fail("invalid_payload")
    store = commands.store
    event_id, role = auth["event"], auth.get("role")
    if store.event(event_id) is None:
        raise fail("unknown_event")
    if role == WALL:
        return Actor(WALL, event_id)
    if role in (LEAD, INTERPRETER, FOLLOWER):
        if not has_grant(store, event_id, role):
            raise fail("not_authenticated")
        return Actor(role, event_id, participant_id=participant_id())
    if role not in (PARTICIPANT, MODERATOR):
        raise fail("invalid_payload")
    table = commands.event_table(event_id, auth.get("table"))
    if role == MODERATOR:
        if not has_grant(store, event_id, MODERATOR, table["id"]):
            raise fail("not_authenticated")
        # The session id tells this tablet's actions apart (for undo).
        return Actor(MODERATOR, event_id, table["id"], participant_id())
    pid = participant_id()
    if pid is None:
        raise fail("not_authenticated")
    return Actor(PARTICIPANT, event_id, table["id"], device_participant(store, event_id, auth.get("device"), pid))


DEVICE_SECRET = re.compile(r"^[0-9a-f]{32}$")
# A phone has one secret per event; a few more (another browser on it) are no harm, a
# script making thousands would only grow the table.
DEVICES_PER_PARTICIPANT = 5


def device_participant(store, event_id: str, secret, pid: str) -> str:
    """Who a phone is: the participant its device secret first came with (so a new cookie
    does not make it a stranger to its own cards), else the session's id.

    The secret is 128 random bits that only the phone holds (localStorage, live.js); the
    database keeps its hash, so neither a reader of the database nor another phone can
    claim the cards. Without a secret (no JavaScript, no storage) the cookie decides."""
    if not isinstance(secret, str) or not DEVICE_SECRET.match(secret):
        return pid
    secret_hash = hashlib.sha256(f"{event_id}\n{secret}".encode()).hexdigest()
    try:
        return store.device_participant(event_id, secret_hash, pid, DEVICES_PER_PARTICIPANT)
    except sqlite3.Error:  # a full disk must not keep a phone out: the cookie decides
        return pid

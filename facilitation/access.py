"""Who is who: grants from secret links and the participant id, kept in the session.

The session is Flask's signed, HttpOnly cookie; it holds no secret tokens,
only what they granted, so a copied cookie is the only way to borrow a role.
"""
from __future__ import annotations

import uuid

from flask import session

from .domain import LEAD, MODERATOR, PARTICIPANT, WALL, Actor, fail


def add_grant(grant: dict) -> None:
    """Remember in the session that a secret link granted this role."""
    entry = [grant["event_id"], grant["role"], grant["table_id"]]
    grants = [g for g in session.get("grants", []) if g != entry]
    session["grants"] = grants[-20:] + [entry]
    session.permanent = True


def has_grant(event_id: str, role: str, table_id: int | None = None) -> bool:
    """True when the session holds the role (the lead's grant covers every table)."""
    grants = session.get("grants", [])
    if [event_id, LEAD, None] in grants:
        return True
    return role == MODERATOR and [event_id, MODERATOR, table_id] in grants


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
    event_id, role = auth["event"], auth.get("role")
    if commands.store.event(event_id) is None:
        raise fail("unknown_event")
    if role == WALL:
        return Actor(WALL, event_id)
    if role == LEAD:
        if not has_grant(event_id, LEAD):
            raise fail("not_authenticated")
        return Actor(LEAD, event_id, participant_id=participant_id())
    if role not in (PARTICIPANT, MODERATOR):
        raise fail("invalid_payload")
    table = commands.event_table(Actor(role, event_id), auth.get("table"))
    if role == MODERATOR:
        if not has_grant(event_id, MODERATOR, table["id"]):
            raise fail("not_authenticated")
        # The session id tells this tablet's actions apart (for undo).
        return Actor(MODERATOR, event_id, table["id"], participant_id())
    pid = participant_id()
    if pid is None:
        raise fail("not_authenticated")
    return Actor(PARTICIPANT, event_id, table["id"], pid)

"""Round-table sign-ups: "Ich mache mit" from a phone, after consent.

A name and a contact are personal data: they are never logged as a change, never
broadcast, never in the public record or the backup; only the lead sees and exports
them, the phone that signed up can take it back, and they are deleted on the date
the lead set (store.purge_signups). Sign-up stays open after the event closed.
"""
from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

from flask_babel import gettext as _

from .. import domain
from ..record import day_text
from ..domain import LEAD, PARTICIPANT, Result, fail
from .core import Call, command, result_ack


def consent_text(event: dict) -> str:
    """What a person agrees to, in words (shown next to the checkbox, stored with the sign-up)."""
    return _("Ich bin einverstanden, dass mein Name und meine Kontaktangabe gespeichert werden, damit ich zu "
             "diesem Runden Tisch eingeladen werde. Nur die Leitung der Veranstaltung sieht sie. Sie werden am "
             "%(date)s gelöscht; ich kann meine Anmeldung auf diesem Gerät vorher zurückziehen.",
             date=day_text(event["signup_delete_on"]) if event["signup_delete_on"] else "–")


def today(ahead: int = 0) -> str:
    """Today, or the day ``ahead`` days later, as 'YYYY-MM-DD' (the server's local date:
    deletion dates are days, not instants). From time.time(), so a test's fake clock moves it too."""
    return (date.fromtimestamp(time.time()) + timedelta(days=ahead)).isoformat()


def in_a_year() -> str:
    """The deletion date the lead is offered: a year from today."""
    return today(365)


def purge(store) -> int:
    """Delete the sign-ups whose deletion date has come (at start, hourly, and before the
    lead sees them); how many went."""
    return store.purge_signups(today())


def _signer(c: Call) -> str:
    if not c.actor.participant_id:
        raise fail("not_authenticated")
    return c.actor.participant_id


@command("signup:add", roles=(PARTICIPANT,), while_closed=True, limit="cards")
def add_signup(c: Call, p: dict) -> Result:
    """Sign up for a result open for sign-up; signing up again replaces this phone's entry."""
    result = c.result(p.get("result"))
    if not domain.signup_open(result, c.event, today()):
        raise fail("signup_closed")
    if p.get("consent") is not True:
        raise fail("consent_needed")
    name = domain.check_name(p.get("name"))
    if not name:
        raise fail("name_needed")
    contact = " ".join(domain.check_optional_text(p.get("contact"), domain.MAX_CONTACT_LENGTH).split())
    if not contact:
        raise fail("contact_needed")
    signer = _signer(c)
    c.store.delete_signup(result["id"], signer)
    c.store.insert_signup({"id": str(uuid.uuid4()), "event_id": c.actor.event_id, "result_id": result["id"],
                           "participant_id": signer, "name": name, "contact": contact,
                           "consent": consent_text(c.event), "created_at": time.time()})
    return Result([], {"signup": {"result": result["id"], "name": name}})


@command("signup:remove", roles=(PARTICIPANT,), while_closed=True, limit="edits")
def remove_signup(c: Call, p: dict) -> Result:
    """Take this phone's sign-up back (nothing happens when there is none)."""
    result = c.result(p.get("result"))
    removed = c.store.delete_signup(result["id"], _signer(c))
    return Result([], {"removed": bool(removed)})


@command("signup:set", roles=(LEAD,), while_closed=True)
def set_signup(c: Call, p: dict) -> Result:
    """Open or close sign-up for a result (a Runder Tisch is open unless the lead closes it)."""
    result = c.result(p.get("id"))
    state = domain.check_choice(p.get("signup"), ("", "open", "closed"), "invalid_payload")
    if result["signup"] == state:
        return Result([], result_ack(result))
    change = c.save_result(result["id"], "result.signup", signup=state)
    return Result([change], result_ack(change["result"]))


@command("signups:delete_on", roles=(LEAD,), while_closed=True)
def set_deletion_date(c: Call, p: dict) -> Result:
    """The day the event's sign-ups are deleted ('' = none set: then no sign-up is open).
    A day that has come deletes them at once."""
    day = domain.check_due(p.get("date"))
    if day > today(domain.MAX_SIGNUP_KEEP_DAYS):
        raise fail("date_too_far")
    result = c.run_change(signup_delete_on=day)
    if day and day <= today():
        c.store.delete_signups(c.actor.event_id)
    return result

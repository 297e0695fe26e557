"""What the record says besides the results: who took part (anonymously) and the method.

"Ich bin hier als …" is optional, one tap, and never tied to a card: it is stored with
the phone's presence only, and the record shows a group only from domain.MIN_GROUP
people on. The method section (mandate, course of the evening, rules, Begleitgruppe)
is the lead's text, editable after closing too.
"""
from __future__ import annotations

import json

from .. import domain
from ..domain import LEAD, PARTICIPANT, Result, fail
from .core import Call, command


@command("affiliation:set", roles=(PARTICIPANT,), limit="edits")
def set_affiliation(c: Call, p: dict) -> Result:
    """This phone says what it is here as ('' takes it back)."""
    if not c.actor.participant_id:
        raise fail("not_authenticated")
    value = p.get("affiliation")
    affiliation = "" if value in ("", None) else domain.check_choice(value, domain.AFFILIATIONS, "invalid_payload")
    c.store.note_presence(c.actor.event_id, c.actor.participant_id, affiliation)
    return Result([], {"affiliation": affiliation})


@command("method:set", roles=(LEAD,), while_closed=True)
def set_method(c: Call, p: dict) -> Result:
    """The record's method section: only the parts sent change ('' removes one)."""
    method = domain.method_of(c.event)
    for part in domain.METHOD_PARTS:
        if part in p:
            method[part] = domain.check_optional_text(p[part], domain.MAX_METHOD_LENGTH).strip()
    return c.run_change(method=json.dumps({k: v for k, v in method.items() if v}, ensure_ascii=False))


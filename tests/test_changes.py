"""The change types are declared once (facilitation/changes.py, issue 22): nothing else is
stored or sent, and the protocol document names every one."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from facilitation import changes
from facilitation.changes import CHANGE_TYPES, PUBLIC

PROTOCOL = Path(__file__).parent.parent / "docs" / "protocol.md"


def test_the_protocol_document_names_every_change_type_and_no_other():
    named = set(re.findall(r"`([a-z]+\.[a-z_]+)`", PROTOCOL.read_text(encoding="utf-8")))
    kinds = {name.split(".")[0] for name in CHANGE_TYPES}
    assert set(CHANGE_TYPES) <= named
    assert {n for n in named if n.split(".")[0] in kinds} == set(CHANGE_TYPES)


@pytest.mark.parametrize("type_, kind", [("card.exploded", "card"), ("card.posted", "result")])
def test_the_store_refuses_a_change_type_not_declared(commands, event, type_, kind):
    store = commands.store
    before = store.last_seq(event["id"])
    with pytest.raises(ValueError, match="not declared"):
        with store.transaction():
            store.append_change(event["id"], type_, None, {kind: {"id": "x"}})
    assert store.last_seq(event["id"]) == before


def test_a_public_view_with_a_private_field_fails_the_check():
    result = {"id": "r", "table_id": 1, "status": "active", "title": "Bänke", "contact": "ali@example.org"}
    change = {"seq": 3, "type": "result.updated", "table_id": 1, "result": result}
    changes.check(change)  # the moderators' view may carry the contact
    with pytest.raises(ValueError, match="contact"):
        changes.check(change, PUBLIC)
    with pytest.raises(ValueError, match="table_id"):
        changes.check({**change, "table_id": None})
    with pytest.raises(ValueError, match="undeclared"):
        changes.check({**change, "type": "result.exploded"})

"""Events as a whole: create, import a backup, delete, replace a secret link.

These change more than one event's run, so they log no change in the event's
log; their Result carries a signal instead (``deleted``, ``link_replaced``)
that realtime.perform turns into what the connected screens must learn.
"""
from __future__ import annotations

import secrets
import uuid

from .. import domain
from ..domain import ADMIN, FOLLOWER, INTERPRETER, LEAD, MODERATOR, Result, fail
from ..export import check_backup
from ..templates_library import get_template
from .core import Call, command, new_event_id


def _new_event(c: Call, event_id: str, title: str, template: str) -> None:
    """Insert an event row with a fresh salt, so its links are new even for a re-used id,
    and grant the lead's, the interpreters' and the follow-up links."""
    if c.store.event(event_id) is not None:
        raise fail("event_exists", id=event_id)
    c.store.insert_event(event_id, title, template, secrets.token_hex(16))
    c.commands.grant(event_id, LEAD, None)
    c.commands.grant(event_id, INTERPRETER, None)
    c.commands.grant(event_id, FOLLOWER, None)


def _new_table(c: Call, event_id: str, position: int, name: str) -> int:
    """Insert a table with its moderators' link; returns its id."""
    table_id = c.store.insert_table(event_id, position, name)
    c.commands.grant(event_id, MODERATOR, table_id)
    return table_id


@command("event:create", roles=(LEAD, ADMIN), needs_event=False)
def create_event(c: Call, p: dict) -> Result:
    """Create an event from a template, with a secret link per table and for the lead.

    ``tables`` (a list of names) replaces the template's tables, each with the
    template's questions. Only an admin (the command line) picks the id.
    """
    spec = get_template(p.get("template"))
    if spec is None:
        raise fail("unknown_template")
    title = domain.check_label(p.get("title"))
    names = p.get("tables")
    if names is not None:
        if not isinstance(names, list) or not 1 <= len(names) <= domain.MAX_TABLES:
            raise fail("invalid_payload")
        names = [domain.check_label(n) for n in names]
    wanted = p.get("id") if c.actor.role == ADMIN else None
    event_id = domain.check_event_id(wanted) if wanted is not None else new_event_id()
    _new_event(c, event_id, title, p["template"])
    for position, name in enumerate(names or spec["tables"], start=1):
        table_id = _new_table(c, event_id, position, name)
        for q_position, text in enumerate(spec["questions"], start=1):
            c.store.insert_question(table_id, q_position, text)
    return Result([], {"event_id": event_id})


@command("event:import", roles=(ADMIN,), needs_event=False)
def import_event(c: Call, p: dict) -> Result:
    """Import a JSON backup as a new event (optionally under another id).

    Every value is checked with the same validators as the live commands; a
    backup that does not fit leaves nothing behind. On the server the backup
    came from, cards and results get new ids, so an event can also be copied.
    """
    data = check_backup(p.get("data"))
    ev = data["event"]
    event_id = domain.check_event_id(p["id"]) if p.get("id") is not None else ev["id"]
    _new_event(c, event_id, ev["title"], ev["template"])
    store = c.store
    ids = [r["id"] for r in data["results"]] + [card["id"] for card in data["cards"]]
    copy = any(store.result(i) or store.card(i) for i in ids)
    fresh = {i: str(uuid.uuid4()) for i in ids} if copy else {}

    def renamed(i):
        return fresh.get(i, i) if i else i

    store.update_event(event_id, **{k: v for k, v in ev.items() if k not in ("id", "title", "template")})
    table_ids, question_ids = {}, {}
    for t in data["tables"]:
        table_id = table_ids[t["position"]] = _new_table(c, event_id, t["position"], t["name"])
        store.set_i18n("table", table_id, t["i18n"])
        store.set_table_moderation(table_id, t["moderation"])
        for q in t["questions"]:
            question_id = question_ids[(t["position"], q["position"])] = store.insert_question(table_id, q["position"], q["text"])
            store.set_i18n("question", question_id, q["i18n"])
    for r in data["results"]:
        row = {k: v for k, v in r.items() if k != "table"}
        store.insert_result({**row, "id": renamed(r["id"]), "merged_into": renamed(r["merged_into"]),
                             "event_id": event_id, "table_id": table_ids[r["table"]], "version": 1})
    for card in data["cards"]:
        row = {k: v for k, v in card.items() if k not in ("table", "question", "author")}
        store.insert_card({**row, "id": renamed(card["id"]), "result_id": renamed(card["result_id"]),
                           "event_id": event_id, "table_id": table_ids[card["table"]],
                           "question_id": question_ids[(card["table"], card["question"])],
                           "author_id": card["author"], "version": 1})
    for d in data["dots"]:
        store.insert_vote(str(uuid.uuid4()) if copy else d["id"], event_id, d["participant_id"], renamed(d["result_id"]))
    for p in data["presence"]:
        store.note_presence(event_id, p["participant_id"], p["affiliation"])
    return Result([], {"event_id": event_id})


@command("event:delete", roles=(LEAD, ADMIN), while_closed=True)
def delete_event(c: Call, p: dict) -> Result:
    """Delete the event and every row of it, after its title was typed as confirmation."""
    confirm = p.get("confirm")
    if not isinstance(confirm, str) or confirm.strip() != c.event["title"]:
        raise fail("confirm_mismatch")
    c.store.delete_event(c.actor.event_id)
    return Result([], {"deleted": c.actor.event_id}, signals=[{"type": "deleted", "event": c.actor.event_id}])


@command("link:replace", roles=(LEAD,), while_closed=True)
def replace_link(c: Call, p: dict) -> Result:
    """Replace a secret link (a table's moderator link, the interpreters', the follow-up or the lead's): the old one stops working.

    Sessions that came in through the old link lose the role, and their open
    connections are closed (they may rejoin only with the new link).
    """
    role = domain.check_choice(p.get("role"), (LEAD, MODERATOR, INTERPRETER, FOLLOWER), "invalid_payload")
    table_id = c.table(p.get("table"))["id"] if role == MODERATOR else None
    generation = c.store.secret_generation(c.actor.event_id, role, table_id) + 1
    token_hash = c.commands.grant(c.actor.event_id, role, table_id, generation)
    signal = {"type": "link_replaced", "event": c.actor.event_id, "role": role, "table_id": table_id}
    return Result([], {"role": role, "table": table_id, "hash": token_hash}, signals=[signal])

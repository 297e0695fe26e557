"""Events as a whole: create, import a backup, delete, replace a secret link.

These change more than one event's run, so they log no change in the event's
log; their Result carries a signal instead (``deleted``, ``link_replaced``)
that realtime.perform turns into what the connected screens must learn.
"""
from __future__ import annotations

import json
import secrets
import uuid

from .. import domain, views
from ..domain import ADMIN, FOLLOWER, INTERPRETER, LEAD, MODERATOR, Result, fail
from ..backup import check_backup
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


# What a saved template carries besides tables and questions.
TEMPLATE_SETTINGS = ("rounds", "round_minutes", "dots", "moderation", "languages", "private_writing", "auto_timer",
                     "sorting_minutes", "market_minutes", "actors")


@command("event:create", roles=(LEAD, ADMIN), needs_event=False)
def create_event(c: Call, p: dict) -> Result:
    """Create an event with a secret link per table and for the lead.

    From a built-in template, or a saved one (``saved:<id>``: its tables, questions,
    translations, settings and actor list). ``tables`` (names) or ``table_count`` (1-30)
    and ``questions`` (1-5 texts) replace the template's. ``dialog``: "same" puts it in the
    Dialog of the lead's event (made on the spot if there is none). ``follow_of``: a Runder
    Tisch result of the lead's event; the new event starts with its title and its cards as
    background. Only an admin (the command line) picks the id.
    """
    spec, saved = _template_of(c, p.get("template"))
    origin = _follow_of(c, p.get("follow_of"))
    given = p.get("title")
    title = domain.check_label(origin["title"] if origin and given in (None, "") else given)
    tables = _table_names(p, spec)
    questions = _questions(p, spec)
    wanted = p.get("id") if c.actor.role == ADMIN else None
    event_id = domain.check_event_id(wanted) if wanted is not None else new_event_id()
    _new_event(c, event_id, title, "blank" if saved else p["template"])
    # A saved template gives each table its own questions and translations, unless the
    # tables or the questions are given anew.
    own_shape = saved and p.get("tables") is None and p.get("table_count") is None and p.get("questions") is None
    for position, name in enumerate(tables, start=1):
        table_id = _new_table(c, event_id, position, name)
        if own_shape:
            shape = saved["tables"][position - 1]
            c.store.set_i18n("table", table_id, json.dumps(shape.get("i18n") or {}, ensure_ascii=False))
            for q_position, question in enumerate(shape["questions"], start=1):
                question_id = c.store.insert_question(table_id, q_position, question["text"])
                c.store.set_i18n("question", question_id, json.dumps(question.get("i18n") or {}, ensure_ascii=False))
        else:
            for q_position, text in enumerate(questions, start=1):
                c.store.insert_question(table_id, q_position, text)
    fields = {k: v for k, v in (saved or {}).get("settings", {}).items() if k in TEMPLATE_SETTINGS}
    if origin:
        fields["method"] = json.dumps({"background": origin["background"]}, ensure_ascii=False)
    dialog_id = _dialog_for(c, p.get("dialog"))
    if dialog_id:
        fields["dialog_id"] = dialog_id
    if fields:
        c.store.update_event(event_id, **fields)
    return Result([], {"event_id": event_id, "dialog": dialog_id})


def template_scopes(event: dict) -> list[str]:
    """Whose saved templates an event's lead sees (beside the admin's): the event's own and,
    when it belongs to one, its dialogue's (a template saved there is saved for the dialogue)."""
    return [f"event:{event['id']}"] + ([f"dialog:{event['dialog_id']}"] if event.get("dialog_id") else [])


def _template_of(c: Call, name) -> tuple[dict, dict | None]:
    """A built-in template, or a saved one with its data."""
    if isinstance(name, str) and name.startswith("saved:"):
        row = c.store.saved_template(name[len("saved:"):])
        if row is None or (c.actor.role == LEAD and row["scope"] not in ("", *template_scopes(c.store.event(c.actor.event_id)))):
            raise fail("unknown_template")  # another dialogue's template is not this lead's
        data = json.loads(row["data"])
        # Tables given anew get the questions of the template's first table.
        return {"tables": [t["name"] for t in data["tables"]],
                "questions": [q["text"] for q in data["tables"][0]["questions"]]}, data
    spec = get_template(name)
    if spec is None:
        raise fail("unknown_template")
    return spec, None


def _table_names(p: dict, spec: dict) -> list[str]:
    low, high = domain.NEW_EVENT_TABLES
    if p.get("tables") is not None:
        names = p["tables"]
        if not isinstance(names, list) or not low <= len(names) <= high:
            raise fail("table_count")
        return [domain.check_label(n) for n in names]
    if p.get("table_count") not in (None, ""):
        count = domain.check_int(p["table_count"], 0, 1000)
        if not low <= count <= high:
            raise fail("table_count")
        return [f"Tisch {n}" for n in range(1, count + 1)]
    return list(spec["tables"])


def _questions(p: dict, spec: dict) -> list[str]:
    """The questions every table gets (a saved template keeps its own per table unless given)."""
    texts = p.get("questions")
    if texts is None:
        return spec["questions"]
    low, high = domain.NEW_EVENT_QUESTIONS
    if not isinstance(texts, list) or not low <= len(texts) <= high:
        raise fail("question_count")
    return [domain.check_label(t, domain.MAX_QUESTION_LENGTH) for t in texts]


def _follow_of(c: Call, result_id) -> dict | None:
    """A Runder Tisch of the lead's event to follow up: its title and its cards as background."""
    if result_id in (None, ""):
        return None
    if c.actor.role != LEAD:
        raise fail("forbidden")
    result = c.store.result(domain.check_uuid(result_id))
    if result is None or result["event_id"] != c.actor.event_id or result["status"] == domain.DELETED:
        raise fail("unknown_result")
    if result["kind"] != "round_table":
        raise fail("not_round_table")
    cards = [x["text"] for x in c.store.cards_of_result(result["id"]) if x["status"] == domain.VISIBLE]
    background = "\n".join([result["title"], result["description"]] + [f"– {text}" for text in cards]).strip()
    return {"title": result["title"], "background": background[: domain.MAX_BACKGROUND_LENGTH]}


def _dialog_for(c: Call, wanted) -> str | None:
    """The Dialog a new event joins: "same" as the lead's event (made when it has none), or an
    existing Dialog's id (the command line)."""
    if wanted in (None, ""):
        return None
    if wanted == "same" and c.actor.role == LEAD:
        current = c.store.event(c.actor.event_id)
        if current["dialog_id"]:
            return current["dialog_id"]
        dialog_id = new_event_id()
        c.store.insert_dialog(dialog_id, current["title"])
        c.store.update_event(current["id"], dialog_id=dialog_id)
        return dialog_id
    if c.actor.role == ADMIN and isinstance(wanted, str) and c.store.dialog(wanted):
        return wanted
    raise fail("unknown_dialog")


@command("template:save", roles=(LEAD,), while_closed=True)
def save_template(c: Call, p: dict) -> Result:
    """Save this event's shape as a template: tables, questions, their translations, the
    evening's settings and the actor list (no cards, results or people)."""
    name = domain.check_label(p.get("name"))
    questions = c.store.questions(c.actor.event_id)
    data = {
        "tables": [{"name": t["name"], "i18n": views.i18n(t),
                    "questions": [{"text": q["text"], "i18n": views.i18n(q)} for q in questions if q["table_id"] == t["id"]]}
                   for t in c.store.tables(c.actor.event_id)],
        "settings": {k: c.event[k] for k in TEMPLATE_SETTINGS},
    }
    template_id = uuid.uuid4().hex[:12]
    c.store.insert_saved_template(template_id, name, json.dumps(data, ensure_ascii=False), template_scopes(c.event)[-1])
    return Result([], {"template": f"saved:{template_id}", "name": name})


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

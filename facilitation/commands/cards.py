"""Cards: post, edit, withdraw (the author); hide and show (moderation); tables and questions."""
from __future__ import annotations

import time

from .. import domain, views
from ..domain import HIDDEN, LEAD, MODERATOR, PARTICIPANT, PENDING, PRIVATE, VISIBLE, WITHDRAWN, Result, fail
from ..holds import hold_reason, hold_words
from ..languages import card_language
from .core import STAFF, Call, command


def table_moderation(event: dict, table: dict) -> str:
    """A table's moderation mode: its own, else the event's."""
    return table.get("moderation") or event["moderation"]


def arrival(c: Call, table_id: int, text: str) -> dict:
    """Status and hold reason of a card a participant writes or rewrites.

    PENDING with its reason when it holds a phone number, an e-mail or web address
    or a listed word (in both modes); PENDING while the table is pre-moderated;
    else VISIBLE.
    """
    reason = hold_reason(text, hold_words(c.event))
    if reason or table_moderation(c.event, c.store.table(table_id)) == "pre":
        return {"status": PENDING, "hold_reason": reason}  # the tablet says why, in both modes
    return {"status": PRIVATE if c.event["private_writing"] else VISIBLE, "hold_reason": ""}


def _ack(card: dict, **extra) -> dict:
    return {"card": views.moderator_card(card), **extra}


@command("card:post", roles=(PARTICIPANT,), limit="cards")
def post_card(c: Call, p: dict) -> Result:
    """A participant posts a card to a question of their table.

    The id comes from the phone; posting the same id again returns the stored
    card and logs nothing, so an outbox may resend freely.
    """
    actor = c.actor
    card_id = domain.check_uuid(p.get("id"))
    existing = c.store.card(card_id)
    if existing is not None:
        if existing["author_id"] != actor.participant_id or existing["event_id"] != actor.event_id:
            raise fail("id_conflict")
        return Result([], _ack(existing, duplicate=True))
    question = _question_at(c, p.get("question"), actor.table_id)
    text = domain.check_card_text(p.get("text"))
    card = new_card(c, card_id, question, text, domain.check_name(p.get("name")), actor.participant_id,
                    lang=card_language(text, _optional_code(p.get("lang"))), **arrival(c, actor.table_id, text))
    change = c.log("card.posted", actor.table_id, {"card": card})
    return Result([change], _ack(card))


def _question_at(c: Call, question_id, table_id: int) -> dict:
    question = c.store.question(domain.check_int(question_id))
    if question is None or question["table_id"] != table_id:
        raise fail("unknown_question")
    return question


def _optional_code(value) -> str | None:
    """A language code as a client sends it (anything else counts as none)."""
    return value if isinstance(value, str) and len(value) <= 8 else None


def new_card(c: Call, card_id: str, question: dict, text: str, name: str, author_id: str, **fields) -> dict:
    """Insert a card at the question's table in the current round; returns the row."""
    now = time.time()
    card = {
        "id": card_id, "event_id": c.actor.event_id, "table_id": question["table_id"], "question_id": question["id"],
        "author_id": author_id, "name": name, "text": text, "version": 1, "created_at": now, "updated_at": now,
        "result_id": None, "rank": now, "round": c.event["current_round"], "lang": "", "translation": "",
        "translated_by": "", "source": "phone", "hold_reason": "", "reactions": 0, **fields,
    }
    c.store.insert_card(card)
    return card


@command("card:record", roles=(MODERATOR, LEAD))
def record_card(c: Call, p: dict) -> Result:
    """A moderator types a card for someone at the table without a phone.

    The card is marked as taken at the table, counts as its own anonymous
    participant (never as the tablet's), is shown at once, and may be in the
    person's language with a German translation.
    """
    card_id = domain.check_uuid(p.get("id"))
    existing = c.store.card(card_id)
    if existing is not None:
        if existing["author_id"] != f"table:{card_id}" or existing["event_id"] != c.actor.event_id:
            raise fail("id_conflict")
        return Result([], _ack(existing, duplicate=True))
    question = c.question(p.get("question"))
    if not c.actor.may_moderate(question["table_id"]):
        raise fail("forbidden")
    text = domain.check_card_text(p.get("text"))
    translation = domain.check_optional_text(p.get("translation"), domain.MAX_CARD_LENGTH)
    lang = card_language(text, _optional_code(p.get("lang")) or "de")
    card = new_card(c, card_id, question, text, domain.check_name(p.get("name")), f"table:{card_id}",
                    status=VISIBLE, source="table", lang=lang, translation=translation,
                    translated_by=c.actor.role if translation else "")
    change = c.log("card.posted", question["table_id"], {"card": card})
    return Result([change], _ack(card))


def _editable(c: Call, card_id) -> dict:
    if c.actor.role != PARTICIPANT:
        return c.moderated_card(card_id)
    card = c.card(card_id)
    if card["author_id"] != c.actor.participant_id:
        raise fail("forbidden")
    if card["status"] == WITHDRAWN:
        raise fail("card_withdrawn")
    return card


@command("card:edit", roles=(PARTICIPANT, MODERATOR, LEAD), limit="edits")
def edit_card(c: Call, p: dict) -> Result:
    """The author edits their card's text or name; a moderator corrects a card."""
    card = _editable(c, p.get("id"))
    fields = {"text": domain.check_card_text(p.get("text"))}
    if "name" in p:
        fields["name"] = domain.check_name(p.get("name"))
    if all(card[k] == v for k, v in fields.items()):
        return Result([], _ack(card))
    if c.actor.role == PARTICIPANT and card["status"] in (VISIBLE, PRIVATE):
        # An edited card is checked again (queue, phone numbers, words), or editing would bypass them;
        # a revealed card stays revealed.
        fields.update(arrival(c, card["table_id"], fields["text"]))
        if card["status"] == VISIBLE and fields["status"] == PRIVATE:
            fields["status"] = VISIBLE
    elif c.actor.role == PARTICIPANT and card["status"] == PENDING:
        # Still waiting, for the moderator to see why now (it waits either way).
        fields["hold_reason"] = arrival(c, card["table_id"], fields["text"])["hold_reason"]
    if c.actor.role == PARTICIPANT and fields["text"] != card["text"]:
        # The author said something else: the old translation no longer fits it.
        fields.update(lang=card_language(fields["text"], _optional_code(p.get("lang")) or card["lang"]),
                      translation="", translated_by="")
    change = c.save_card(card["id"], "card.edited", **fields)
    return Result([change], _ack(change["card"]))


@command("card:withdraw", roles=(PARTICIPANT,), limit="edits")
def withdraw_card(c: Call, p: dict) -> Result:
    """The author takes their card back; it disappears from every screen."""
    card = c.card(p.get("id"))
    if card["author_id"] != c.actor.participant_id:
        raise fail("forbidden")
    if card["status"] == WITHDRAWN:
        return Result([], {"card": views.public_card(card)})
    change = c.save_card(card["id"], "card.withdrawn", status=WITHDRAWN)
    return Result([change], _ack(change["card"]))


def _set_visibility(c: Call, p: dict, status: str, type_: str) -> Result:
    card = c.moderated_card(p.get("id"))
    if card["status"] == status:
        return Result([], _ack(card))
    # Approved: the reason it waited is settled. Rejected: it stays, for the moderators to see why.
    fields = {"status": status, **({"hold_reason": ""} if status == VISIBLE else {})}
    change = c.save_card(card["id"], type_, **fields)
    return Result([change], _ack(change["card"]))


@command("card:hide", roles=STAFF)
def hide_card(c: Call, p: dict) -> Result:
    """A moderator hides a card from the wall and the phones."""
    return _set_visibility(c, p, HIDDEN, "card.hidden")


@command("card:show", roles=STAFF)
def show_card(c: Call, p: dict) -> Result:
    """A moderator shows a hidden (or waiting) card."""
    return _set_visibility(c, p, VISIBLE, "card.shown")


@command("cards:reveal", roles=STAFF)
def reveal_cards(c: Call, p: dict) -> Result:
    """Reveal the privately written cards of a table (the moderator's own; the lead names one)."""
    changes = show_all(c, c.moderated_table(p)["id"], PRIVATE)
    return Result(changes, {"revealed": len(changes)})


def show_all(c: Call, table_id: int | None, status: str) -> list[dict]:
    """Show every card of one table (or all tables) that has ``status`` (private, or waiting in the queue)."""
    return [c.save_card(card["id"], "card.shown", status=VISIBLE, hold_reason="")
            for card in c.store.cards(c.actor.event_id, table_id) if card["status"] == status]


@command("card:react", roles=(PARTICIPANT,), limit="edits")
def react_to_card(c: Call, p: dict) -> Result:
    """A phone's '+1 / sehe ich auch so' on another person's card at its table (``on`` false takes it back).

    Counted once per phone and card, so moderators and the wall see how many share a point
    before the market place.
    """
    card = c.card(p.get("id"))
    if card["table_id"] != c.actor.table_id or card["status"] != VISIBLE:
        raise fail("unknown_card")
    if card["author_id"] == c.actor.participant_id:
        raise fail("own_card")
    on = p.get("on", True)
    if not isinstance(on, bool):
        raise fail("invalid_payload")
    store = c.store
    changed = (store.add_reaction(card["id"], c.actor.participant_id, c.actor.event_id) if on
               else store.remove_reaction(card["id"], c.actor.participant_id))
    if not changed:
        return Result([], {"card": views.public_card(card), "reacted": on})
    change = c.save_card(card["id"], "card.reacted", reactions=store.reaction_count(card["id"]))
    return Result([change], {"card": views.public_card(change["card"]), "reacted": on})


@command("table:rename", roles=(LEAD,))
def rename_table(c: Call, p: dict) -> Result:
    """The lead renames a table."""
    table = c.table(p.get("table"))
    name = domain.check_label(p.get("name"))
    if name == table["name"]:
        return Result([], {"table": table})
    c.store.rename_table(table["id"], name)
    table = c.store.table(table["id"])
    change = c.log("table.renamed", None, {"table": table})
    return Result([change], {"table": table})


@command("question:edit", roles=(LEAD,))
def edit_question(c: Call, p: dict) -> Result:
    """The lead changes the wording of a question."""
    question = c.question(p.get("question"))
    text = domain.check_label(p.get("text"), domain.MAX_QUESTION_LENGTH)
    if text == question["text"]:
        return Result([], {"question": question})
    c.store.set_question_text(question["id"], text)
    question = c.store.question(question["id"])
    change = c.log("question.edited", None, {"question": question})
    return Result([change], {"question": question})

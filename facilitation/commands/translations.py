"""Content across languages: German translations of cards, and table names, questions and
result titles in the languages an event offers. People translate; the app carries it."""
from __future__ import annotations

import json

from .. import domain, views
from ..domain import INTERPRETER, LEAD, MODERATOR, PENDING, VISIBLE, Result, fail
from ..languages import SOURCE, languages
from .core import Call, command

TRANSLATORS = (INTERPRETER, MODERATOR, LEAD)


@command("card:translate", roles=TRANSLATORS)
def translate_card(c: Call, p: dict) -> Result:
    """Add or correct a card's German translation (empty removes it); optionally set its language.

    Interpreters work on every table; a moderator on their own; the lead on all.
    """
    card = c.card(p.get("id"))
    if c.actor.role != INTERPRETER and not c.actor.may_moderate(card["table_id"]):
        raise fail("forbidden")
    if card["status"] not in (VISIBLE, PENDING) and c.actor.role == INTERPRETER:
        raise fail("forbidden")  # hidden or withdrawn: not the interpreters' to read
    if card["status"] == domain.WITHDRAWN:
        raise fail("card_withdrawn")
    fields = {"translation": domain.check_optional_text(p.get("translation"), domain.MAX_CARD_LENGTH)}
    if "lang" in p:
        fields["lang"] = "" if p["lang"] in ("", None) else domain.check_choice(p["lang"], languages(), "unknown_language")
    fields["translated_by"] = c.actor.role if fields["translation"] else ""
    if all(card[k] == v for k, v in fields.items()):
        return Result([], {"card": views.moderator_card(card)})
    change = c.save_card(card["id"], "card.translated", **fields)
    return Result([change], {"card": views.moderator_card(change["card"])})


def _translatable(c: Call, kind: str, row_id) -> tuple[dict, int]:
    """The table, question or result to translate, and the table it belongs to."""
    if kind == "table":
        row = c.table(row_id)
        return row, row["id"]
    if kind == "question":
        row = c.question(row_id)
        return row, row["table_id"]
    row = c.result(row_id)
    return row, row["table_id"]


@command("text:translate", roles=TRANSLATORS)
def translate_text(c: Call, p: dict) -> Result:
    """Set a table name, question or result title in one offered language (empty removes it).

    The lead and interpreters translate everything; a moderator the results of
    their own table. The German original stays as it is, so a question the lead
    rewrites keeps its translations, to be checked and edited.
    """
    kind = domain.check_choice(p.get("kind"), ("table", "question", "result"), "invalid_payload")
    row, table_id = _translatable(c, kind, p.get("id"))
    if c.actor.role == MODERATOR and (kind != "result" or not c.actor.may_moderate(table_id)):
        raise fail("forbidden")
    lang = domain.check_choice(p.get("lang"), [code for code in languages() if code != SOURCE], "unknown_language")
    limit = domain.MAX_QUESTION_LENGTH if kind == "question" else domain.MAX_TITLE_LENGTH
    text = domain.check_optional_text(p.get("text"), limit)
    text = " ".join(text.split())
    wording = views.i18n(row)
    if wording.get(lang, "") == text:
        return Result([], {kind: row})
    if text:
        wording[lang] = text
    else:
        wording.pop(lang, None)
    c.store.set_i18n(kind, row["id"], json.dumps(wording, ensure_ascii=False, sort_keys=True))
    return Result([_log_translated(c, kind, row["id"])], {"kind": kind, "i18n": wording})


def _log_translated(c: Call, kind: str, row_id) -> dict:
    if kind == "table":
        return c.log("table.translated", None, {"table": c.store.table(row_id)})
    if kind == "question":
        return c.log("question.translated", None, {"question": c.store.question(row_id)})
    result = c.store.result(row_id)
    return c.log("result.translated", result["table_id"], {"result": result})

"""The lead's complete JSON of an event (backup), hidden cards included and marked, and
check_backup(), which the event:import command (commands/events.py) runs before it
brings a backup into another Tischrunde server: every value through the live
commands' validators.
"""
from __future__ import annotations

import json
import random
import uuid

from . import domain, views
from . import languages as catalogue
from .holds import check_words
from .templates_library import TEMPLATES
from .domain import ACTIVE, MERGED, VISIBLE, fail


BACKUP_FORMAT = "tischrunde-event"
BACKUP_VERSION = 1

RUN_FIELDS = ("wall_mode", "phase", "current_round", "rounds", "round_minutes", "moderation", "dots", "status",
              "auto_timer", "sorting_minutes", "market_minutes", "publish_note")


def backup(store, event_id: str) -> dict:
    """The complete event for another server: tables by position, hidden cards marked.

    Withdrawn cards stay out: their authors took them back.
    """
    event = store.event(event_id)
    tables = store.tables(event_id)
    questions = store.questions(event_id)
    position = {t["id"]: t["position"] for t in tables}
    pseudonym = _pseudonyms()
    presence = store.presence(event_id)
    q_position = {q["id"]: q["position"] for q in questions}
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "event": {"id": event["id"], "title": event["title"], "template": event["template"],
                  "date": event["date"], "place": event["place"], **{k: event[k] for k in RUN_FIELDS},
                  "languages": json.loads(event["languages"]) if event["languages"] else [],
                  "hold_words": json.loads(event["hold_words"]) if event["hold_words"] else None,
                  "actors": json.loads(event["actors"]) if event["actors"] else None,
                  "method": domain.method_of(event)},
        "tables": [
            {"position": t["position"], "name": t["name"], "i18n": views.i18n(t), "moderation": t["moderation"],
             "questions": [{"position": q["position"], "text": q["text"], "i18n": views.i18n(q)}
                           for q in questions if q["table_id"] == t["id"]]}
            for t in tables
        ],
        "results": [
            {"id": r["id"], "table": position[r["table_id"]], "i18n": views.i18n(r), "news": views.news(r),
             "tags": views.tags(r),
             **{k: r[k] for k in ("kind", "title", "description", "next_step", "contact", "addressee",
                                  "status", "merged_into", "rank", "votes", "paper_votes", "created_at", "updated_at",
                                  "responsible", "due", "progress", "reason")}}
            for r in store.results(event_id) if r["status"] != domain.DELETED
        ],
        "cards": [
            {"id": c["id"], "table": position[c["table_id"]], "question": q_position[c["question_id"]],
             "author": pseudonym(c["author_id"]), "hidden": c["status"] != VISIBLE,
             **{k: c[k] for k in ("name", "text", "status", "round", "result_id", "rank", "created_at", "updated_at",
                                  "lang", "translation", "translated_by", "source", "hold_reason", "reactions")}}
            for c in store.cards(event_id) if c["status"] != domain.WITHDRAWN
        ],
        # Authors, voters and present phones under pseudonyms made for this backup only, the
        # same within it: "who took part" and the readers survive a move.
        "dots": [{**d, "participant_id": pseudonym(d["participant_id"])} for d in store.all_votes(event_id)],
        "presence": [{"participant_id": pseudonym(p["participant_id"])} for p in presence],
        # "Ich bin hier als …" as counts only: joined with the authors, per-phone answers would
        # attribute each card, hidden ones too, to a group. The import deals them out at random.
        "affiliations": _affiliation_counts(presence),
    }


def _pseudonyms():
    """A fresh random name for each participant id, the same one for it throughout one backup."""
    names: dict[str, str] = {}
    return lambda pid: names.setdefault(pid, uuid.uuid4().hex)


def _affiliation_counts(presence: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in presence:
        if row["affiliation"]:
            counts[row["affiliation"]] = counts.get(row["affiliation"], 0) + 1
    return counts


def _check_list(value, limit: int) -> list:
    if not isinstance(value, list) or len(value) > limit:
        raise fail("invalid_backup")
    return value


def _check_number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e15:
        raise fail("invalid_backup")
    return float(value)


def _check_event(ev: dict) -> dict:
    rounds = domain.check_number(ev["rounds"], *domain.LIMITS["rounds"])
    return {
        "id": domain.check_event_id(ev["id"]),
        "title": domain.check_label(ev["title"]),
        "template": domain.check_choice(ev["template"], TEMPLATES, "invalid_backup"),
        "date": domain.check_optional_text(ev["date"], domain.MAX_TITLE_LENGTH),
        "place": domain.check_optional_text(ev["place"], domain.MAX_TITLE_LENGTH),
        "wall_mode": domain.check_choice(ev["wall_mode"], domain.WALL_MODES, "invalid_backup"),
        "phase": domain.check_choice(ev["phase"], domain.phases(rounds), "invalid_backup"),
        "current_round": domain.check_int(ev["current_round"], 0, rounds),
        "rounds": rounds,
        "round_minutes": domain.check_number(ev["round_minutes"], *domain.LIMITS["round_minutes"]),
        "moderation": domain.check_choice(ev["moderation"], domain.MODERATION_MODES, "invalid_backup"),
        "dots": domain.check_number(ev["dots"], *domain.LIMITS["dots"]),
        "status": domain.check_choice(ev["status"], ("open", "closed", "archived"), "invalid_backup"),
        "languages": json.dumps([domain.check_choice(code, catalogue.languages(), "invalid_backup")
                                 for code in _check_list(ev.get("languages", []), 50)]) if ev.get("languages") else "",
        "auto_timer": int(_check_bool(ev.get("auto_timer", True))),
        "sorting_minutes": domain.check_number(ev.get("sorting_minutes", 15), *domain.LIMITS["sorting_minutes"]),
        "market_minutes": domain.check_number(ev.get("market_minutes", 15), *domain.LIMITS["market_minutes"]),
        "publish_note": domain.check_optional_text(ev.get("publish_note", ""), domain.MAX_PUBLISH_NOTE_LENGTH),
        "hold_words": check_words(ev["hold_words"]) if ev.get("hold_words") is not None else "",
        "actors": json.dumps([domain.check_label(name) for name in _check_list(ev["actors"], domain.MAX_ACTORS)],
                             ensure_ascii=False) if ev.get("actors") is not None else "",
        "method": json.dumps({part: text for part in domain.METHOD_PARTS
                              if (text := domain.check_optional_text((ev.get("method") or {}).get(part, ""),
                                                                     domain.MAX_METHOD_LENGTH))},
                             ensure_ascii=False) if ev.get("method") else "",
    }


def _check_bool(value) -> bool:
    if not isinstance(value, (bool, int)) or value not in (0, 1):
        raise fail("invalid_backup")
    return bool(value)


def _check_i18n(value, limit: int) -> str:
    """Wording in other languages from a backup, as stored (JSON)."""
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise fail("invalid_backup")
    wording = {domain.check_choice(lang, catalogue.languages(), "invalid_backup"): domain.check_label(text, limit)
               for lang, text in value.items()}
    return json.dumps(wording, ensure_ascii=False, sort_keys=True)


def _check_tables(tables: list) -> list[dict]:
    checked = []
    for t in _check_list(tables, domain.MAX_TABLES):
        questions = [{"position": domain.check_int(q["position"], 1, domain.MAX_QUESTIONS),
                      "text": domain.check_label(q["text"], domain.MAX_QUESTION_LENGTH),
                      "i18n": _check_i18n(q.get("i18n"), domain.MAX_QUESTION_LENGTH)}
                     for q in _check_list(t["questions"], domain.MAX_QUESTIONS)]
        if len({q["position"] for q in questions}) != len(questions):
            raise fail("invalid_backup")
        checked.append({"position": domain.check_int(t["position"], 1, domain.MAX_TABLES),
                        "name": domain.check_label(t["name"]), "questions": questions,
                        "moderation": domain.check_choice(t.get("moderation", ""), ("", "pre", "post"), "invalid_backup"),
                        "i18n": _check_i18n(t.get("i18n"), domain.MAX_TITLE_LENGTH)})
    if len({t["position"] for t in checked}) != len(checked):
        raise fail("invalid_backup")
    return checked


def _check_result(r: dict, tables: set) -> dict:
    from .commands.results import RESULT_FIELDS

    if domain.check_int(r["table"]) not in tables:
        raise fail("invalid_backup")
    return {
        "id": domain.check_uuid(r["id"]), "table": r["table"],
        **{key: check(r[key] if key != "tags" else r.get("tags", [])) for key, check in RESULT_FIELDS.items()},
        "status": domain.check_choice(r["status"], (ACTIVE, MERGED), "invalid_backup"),
        "merged_into": domain.check_uuid(r["merged_into"]) if r["merged_into"] is not None else None,
        "rank": _check_number(r["rank"]), "votes": domain.check_int(r["votes"]),
        "paper_votes": domain.check_int(r.get("paper_votes", 0), 0, domain.MAX_PAPER_VOTES),
        "i18n": _check_i18n(r.get("i18n"), domain.MAX_TITLE_LENGTH),
        "created_at": _check_number(r["created_at"]), "updated_at": _check_number(r["updated_at"]),
        # The follow-up after the evening (absent from backups made before it existed).
        "responsible": domain.check_optional_text(r.get("responsible", ""), domain.MAX_TITLE_LENGTH),
        "due": domain.check_due(r.get("due", "")),
        "progress": domain.check_choice(r.get("progress", "open"), domain.PROGRESS, "invalid_backup"),
        "reason": domain.check_optional_text(r.get("reason", ""), domain.MAX_REASON_LENGTH),
        "news": json.dumps([{"id": domain.check_uuid(n["id"]),
                             "text": domain.check_optional_text(n["text"], domain.MAX_NEWS_LENGTH),
                             "at": _check_number(n["at"])} for n in _check_list(r.get("news", []), domain.MAX_NEWS_PER_RESULT)],
                           ensure_ascii=False),
    }


def _check_card(c: dict, questions: set, results: dict, rounds: int) -> dict:
    card = {
        "id": domain.check_uuid(c["id"]), "table": domain.check_int(c["table"]), "question": domain.check_int(c["question"]),
        "author": domain.check_label(c["author"], 64), "name": domain.check_name(c["name"]),
        "text": domain.check_card_text(c["text"]),
        "status": domain.check_choice(c["status"], (VISIBLE, domain.HIDDEN, domain.PENDING, domain.PRIVATE), "invalid_backup"),
        "round": domain.check_int(c["round"], 0, rounds),
        "result_id": domain.check_uuid(c["result_id"]) if c["result_id"] is not None else None,
        "rank": _check_number(c["rank"]),
        "created_at": _check_number(c["created_at"]), "updated_at": _check_number(c["updated_at"]),
        "lang": "" if not c.get("lang") else domain.check_choice(c["lang"], catalogue.names(), "invalid_backup"),
        "translation": domain.check_optional_text(c.get("translation"), domain.MAX_CARD_LENGTH),
        "translated_by": domain.check_choice(c.get("translated_by", ""), ("", "interpreter", "moderator", "lead"), "invalid_backup"),
        "source": domain.check_choice(c.get("source", "phone"), ("phone", "table"), "invalid_backup"),
        "hold_reason": domain.check_optional_text(c.get("hold_reason", ""), 60),
        "reactions": domain.check_int(c.get("reactions", 0)),
    }
    if (card["table"], card["question"]) not in questions:
        raise fail("invalid_backup")
    if card["result_id"] is not None and results.get(card["result_id"]) != card["table"]:
        raise fail("invalid_backup")
    return card


def _merges_hold(results: list[dict]) -> bool:
    """What result:merge can make: a merged result points to an active result of another
    table (one level: no result merged into itself, no cycles), an active one to none."""
    by_id = {r["id"]: r for r in results}
    for r in results:
        target = by_id.get(r["merged_into"]) if r["merged_into"] is not None else None
        if (r["status"] == MERGED) != (target is not None):
            return False
        if target is not None and (target["status"] != ACTIVE or target["table"] == r["table"]):
            return False
    return True


def _deal_affiliations(presence: list[dict], counts) -> None:
    """Give the counted "Ich bin hier als …" answers to present phones at random: each group's
    count stays as it was, no phone's answer is its own again."""
    if not isinstance(counts, dict):
        raise fail("invalid_backup")
    dealt = [domain.check_choice(key, domain.AFFILIATIONS, "invalid_backup")
             for key, n in counts.items() for _ in range(domain.check_int(n, 0, len(presence)))]
    open_rows = [p for p in presence if not p["affiliation"]]
    if len(dealt) > len(open_rows):
        raise fail("invalid_backup")
    random.SystemRandom().shuffle(open_rows)
    for row, affiliation in zip(open_rows, dealt):
        row["affiliation"] = affiliation


def check_backup(data) -> dict:
    """A backup with every value checked by the live commands' validators, else invalid_backup.

    What a command would refuse, an import refuses too, so an imported event
    never holds a value that breaks a page, a sync or an export later.
    """
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT or data.get("version") != BACKUP_VERSION:
        raise fail("invalid_backup")
    try:
        event = _check_event(data["event"])
        tables = _check_tables(data["tables"])
        positions = {t["position"] for t in tables}
        questions = {(t["position"], q["position"]) for t in tables for q in t["questions"]}
        results = [_check_result(r, positions) for r in _check_list(data["results"], 100_000)]
        table_of = {r["id"]: r["table"] for r in results}
        if len(table_of) != len(results) or not _merges_hold(results):
            raise fail("invalid_backup")
        cards = [_check_card(c, questions, table_of, event["rounds"]) for c in _check_list(data["cards"], 1_000_000)]
        if len({c["id"] for c in cards}) != len(cards):
            raise fail("invalid_backup")
        dots = [{"id": domain.check_uuid(d["id"]), "participant_id": domain.check_label(d["participant_id"], 64),
                 "result_id": d["result_id"]} for d in _check_list(data.get("dots", []), 1_000_000)]
        if any(d["result_id"] not in table_of for d in dots):
            raise fail("invalid_backup")
        presence = [{"participant_id": domain.check_label(p["participant_id"], 64),
                     "affiliation": "" if not p.get("affiliation") else  # per phone: older backups
                     domain.check_choice(p["affiliation"], domain.AFFILIATIONS, "invalid_backup")}
                    for p in _check_list(data.get("presence", []), 1_000_000)]
        _deal_affiliations(presence, data.get("affiliations", {}))
        if len({d["id"] for d in dots}) != len(dots) or len({p["participant_id"] for p in presence}) != len(presence):
            raise fail("invalid_backup")
    except domain.CommandError as err:
        raise fail("invalid_backup") from err
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise fail("invalid_backup") from err
    return {"event": event, "tables": tables, "results": results, "cards": cards, "dots": dots, "presence": presence}


def backup_json(store, event_id: str) -> bytes:
    """The backup as pretty JSON bytes."""
    return json.dumps(backup(store, event_id), ensure_ascii=False, indent=2).encode("utf-8")

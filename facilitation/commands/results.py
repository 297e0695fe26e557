"""Results: clustering cards on the tablet, merging across tables, undo, suggestions.

Every clustering action remembers, in the same transaction, the rows it
touched as they were before (undo_log), so "undo" can put them back.
"""
from __future__ import annotations

import time

from .. import domain, suggestions, views
from ..domain import LEAD, VISIBLE, Actor, Result, fail
from ..embeddings import vectors_for
from ..suggestions import suggest_groups
from .core import STAFF, Call, command, result_ack, undo_key


def rank_before(ranks: list[tuple[str, float]], before: str | None, moving: str) -> float:
    """The rank that puts ``moving`` just before ``before`` (or last) in ``ranks``.

    A ``before`` that is no longer there (moved by another tablet meanwhile)
    means last: the move still happens, nothing is refused or lost.
    """
    others = [(i, r) for i, r in ranks if i != moving]
    ids = [i for i, _ in others]
    if before is None or before not in ids:
        return (others[-1][1] + 1) if others else time.time()
    index = ids.index(before)
    previous = others[index - 1][1] if index > 0 else others[index][1] - 1
    return (previous + others[index][1]) / 2


def _card_ids(value) -> list[str]:
    if not isinstance(value, list) or len(value) > domain.MAX_CARDS_PER_COMMAND:
        raise fail("invalid_payload")
    return list(dict.fromkeys(domain.check_uuid(v) for v in value))


def _card_placement(card: dict) -> dict:
    """An undo row: where a card was."""
    return {"table": "cards", "row": {"id": card["id"], "result_id": card["result_id"], "rank": card["rank"]}}


def _result_row(result: dict, fields) -> dict:
    """An undo row: the given fields of a result as they were."""
    return {"table": "results", "row": {"id": result["id"], **{k: result[k] for k in fields}}}


def _optional_uuid(value) -> str | None:
    return domain.check_uuid(value) if value is not None else None


def _placeable_card(c: Call, card_id, table_id: int) -> dict:
    card = c.moderated_card(card_id)
    if card["table_id"] != table_id:
        raise fail("other_table")
    return card


def _move_card(c: Call, card: dict, result_id: str | None, rank: float) -> dict:
    return c.save_card(card["id"], "card.moved", result_id=result_id, rank=rank)


def _end_rank(c: Call, table_id: int, result_id: str | None) -> float:
    ranks = c.store.card_ranks(table_id, result_id)
    return (ranks[-1][1] + 1) if ranks else time.time()


def _merged_children(c: Call, result: dict) -> list[dict]:
    return [r for r in c.store.results(result["event_id"]) if r["merged_into"] == result["id"] and r["status"] == domain.MERGED]


RESULT_FIELDS = {
    "kind": lambda v: domain.check_choice(v, domain.RESULT_KINDS, "unknown_kind"),
    "title": lambda v: domain.check_label(v),
    "description": lambda v: domain.check_optional_text(v, domain.MAX_DESCRIPTION_LENGTH),
    "next_step": lambda v: domain.check_optional_text(v, domain.MAX_NEXT_STEP_LENGTH),
    "contact": lambda v: domain.check_optional_text(v, domain.MAX_CONTACT_LENGTH),
    "addressee": lambda v: "" if v in (None, "") else domain.check_choice(v, domain.ADDRESSEES, "unknown_addressee"),
    "tags": domain.check_tags,
}


def result_fields(c: Call, payload: dict, partial: bool) -> dict:
    """Validated result fields from a payload (only those present when partial)."""
    fields = {}
    for key, check in RESULT_FIELDS.items():
        if key in payload:
            fields[key] = check(payload[key])
        elif not partial and key in ("kind", "title"):
            raise fail("invalid_payload")
    if ("addressee" in fields or "tags" in fields) and c.actor.role != LEAD:
        raise fail("forbidden")
    return fields


@command("result:create", roles=STAFF)
def create_result(c: Call, p: dict) -> Result:
    """A moderator makes a result at their table, optionally with cards in it.

    The id comes from the tablet (UUID), so a resent create stores one result.
    """
    table_id = c.cluster_table(p)
    result_id = domain.check_uuid(p.get("id"))
    existing = c.store.result(result_id)
    if existing is not None:
        if existing["event_id"] != c.actor.event_id or existing["table_id"] != table_id:
            raise fail("id_conflict")
        return Result([], {**result_ack(existing), "duplicate": True})
    fields = result_fields(c, p, partial=False)
    cards = [_placeable_card(c, card_id, table_id) for card_id in _card_ids(p.get("cards", []))]
    now = time.time()
    ranks = c.store.result_ranks(table_id)
    c.store.insert_result({
        "id": result_id, "event_id": c.actor.event_id, "table_id": table_id,
        "description": "", "next_step": "", "contact": "", "addressee": "", **fields,
        "status": domain.ACTIVE, "merged_into": None,
        "rank": (ranks[-1][1] + 1) if ranks else now, "version": 1, "created_at": now, "updated_at": now,
    })
    changes = [c.log("result.created", table_id, {"result": c.store.result(result_id)})]
    undo = [{"table": "results", "row": {"id": result_id, "status": domain.DELETED}}]
    for n, card in enumerate(cards):
        undo.append(_card_placement(card))
        changes.append(_move_card(c, card, result_id, now + n))
    c.undo_entry(table_id, "result.created", undo)
    return Result(changes, result_ack(changes[0]["result"]))


@command("result:update", roles=STAFF)
def update_result(c: Call, p: dict) -> Result:
    """Change some fields of a result; the fields not sent stay as they are.

    Two tablets editing different fields never overwrite each other; on the
    same field the last write wins. The addressee is the lead's call.
    """
    result = c.moderated_result(p.get("id"))
    fields = {k: v for k, v in result_fields(c, p, partial=True).items() if result[k] != v}
    if not fields:
        return Result([], result_ack(result))
    c.undo_entry(result["table_id"], "result.updated", [_result_row(result, fields)])
    change = c.save_result(result["id"], **fields)
    return Result([change], result_ack(change["result"]))


@command("result:delete", roles=STAFF)
def delete_result(c: Call, p: dict) -> Result:
    """Dissolve a result: its cards go back to 'not yet sorted'."""
    result = c.moderated_result(p.get("id"))
    changes, undo = _dissolve(c, result)
    c.undo_entry(result["table_id"], "result.deleted", undo)
    return Result(changes, result_ack(changes[-1]["result"]))


def _dissolve(c: Call, result: dict) -> tuple[list, list]:
    """Delete a result, unsort its cards, unfold results merged into it."""
    undo = [_result_row(result, {"status": 1, "merged_into": 1})]
    changes = []
    end = _end_rank(c, result["table_id"], None)
    for n, card in enumerate(c.store.cards_of_result(result["id"])):
        undo.append(_card_placement(card))
        changes.append(_move_card(c, card, None, end + n))
    for child in _merged_children(c, result):
        undo.append(_result_row(child, {"status": 1, "merged_into": 1}))
        changes.append(c.save_result(child["id"], status=domain.ACTIVE, merged_into=None))
    changes.append(c.save_result(result["id"], "result.deleted", status=domain.DELETED))
    return changes, undo


@command("card:assign", roles=STAFF)
def assign_card(c: Call, p: dict) -> Result:
    """Put a card into a result (or back to 'not yet sorted' with result None),
    before another card there, or at the end.

    A card has one result_id, so it is never in two results, whoever moves it.
    """
    card = c.moderated_card(p.get("id"))
    result_id = None
    if p.get("result") is not None:
        result = c.result(p.get("result"))
        if result["status"] != domain.ACTIVE:
            raise fail("unknown_result")
        if result["table_id"] != card["table_id"]:
            raise fail("other_table")
        result_id = result["id"]
    rank = rank_before(c.store.card_ranks(card["table_id"], result_id), _optional_uuid(p.get("before")), card["id"])
    if card["result_id"] == result_id and card["rank"] == rank:
        return Result([], {"card": views.moderator_card(card)})
    c.undo_entry(card["table_id"], "card.moved", [_card_placement(card)])
    change = _move_card(c, card, result_id, rank)
    return Result([change], {"card": views.moderator_card(change["card"])})


@command("result:move", roles=STAFF)
def move_result(c: Call, p: dict) -> Result:
    """Reorder a result on its table's board: before another result, or last."""
    result = c.moderated_result(p.get("id"))
    rank = rank_before(c.store.result_ranks(result["table_id"]), _optional_uuid(p.get("before")), result["id"])
    if rank == result["rank"]:
        return Result([], result_ack(result))
    c.undo_entry(result["table_id"], "result.moved", [_result_row(result, {"rank": 1})])
    change = c.save_result(result["id"], rank=rank)
    return Result([change], result_ack(change["result"]))


@command("result:merge", roles=STAFF)
def merge_results(c: Call, p: dict) -> Result:
    """Merge ``source`` into ``target``.

    Same table: the source's cards move to the end of the target and the
    source goes. Across tables (the lead only): the source stays with its
    table and cards, folded under the target on the boards and the wall.
    """
    source = c.moderated_result(p.get("source"))
    target = c.result(p.get("target"))
    if source["id"] == target["id"]:
        raise fail("same_result")
    if target["status"] != domain.ACTIVE or source["status"] != domain.ACTIVE:
        raise fail("unknown_result")
    if source["table_id"] == target["table_id"]:
        return _merge_same_table(c, source, target)
    if c.actor.role != LEAD:
        raise fail("forbidden")
    undo = [_result_row(source, {"status": 1, "merged_into": 1})]
    changes = []
    for child in _merged_children(c, source):  # keep one level: re-point them
        undo.append(_result_row(child, {"merged_into": 1}))
        changes.append(c.save_result(child["id"], merged_into=target["id"]))
    changes.append(c.save_result(source["id"], "result.merged", status=domain.MERGED, merged_into=target["id"]))
    c.undo_entry(source["table_id"], "result.merged", undo)
    return Result(changes, result_ack(c.store.result(target["id"])))


def _merge_same_table(c: Call, source: dict, target: dict) -> Result:
    end = _end_rank(c, target["table_id"], target["id"])
    undo, changes = [], []
    for n, card in enumerate(c.store.cards_of_result(source["id"])):
        undo.append(_card_placement(card))
        changes.append(_move_card(c, card, target["id"], end + n))
    more_changes, more_undo = _dissolve(c, c.store.result(source["id"]))
    c.undo_entry(source["table_id"], "result.merged", undo + more_undo)
    return Result(changes + more_changes, result_ack(c.store.result(target["id"])))


@command("result:unmerge", roles=(LEAD,))
def unmerge_result(c: Call, p: dict) -> Result:
    """The lead unfolds a result merged into another table's result."""
    result = c.result(p.get("id"))
    if result["status"] != domain.MERGED:
        return Result([], result_ack(result))
    c.undo_entry(result["table_id"], "result.unmerged", [_result_row(result, {"status": 1, "merged_into": 1})])
    change = c.save_result(result["id"], status=domain.ACTIVE, merged_into=None)
    return Result([change], result_ack(change["result"]))


@command("undo", roles=STAFF)
def undo(c: Call, p: dict) -> Result:
    """Undo this device's last clustering action: put its rows back as they were.

    Rows are restored as recorded; a card whose old result is gone by now
    goes to 'not yet sorted' rather than into a deleted result.
    """
    entry = c.store.last_undo(c.actor.event_id, undo_key(c.actor))
    if entry is None:
        raise fail("nothing_to_undo")
    changes = []
    for item in sorted(entry["rows"], key=lambda r: r["table"] != "results"):  # results first
        row = dict(item["row"])
        if item["table"] == "cards":
            target = c.store.result(row["result_id"]) if row.get("result_id") else None
            if target is not None and target["status"] != domain.ACTIVE:
                row["result_id"] = None
            changes.append(c.save_card(row.pop("id"), "card.moved", **row))
            continue
        changes.append(c.save_result(row.pop("id"), **row))
        stored = changes[-1]["result"]
        if stored["status"] == domain.DELETED:  # cards others put in meanwhile
            end = _end_rank(c, stored["table_id"], None)
            for n, card in enumerate(c.store.cards_of_result(stored["id"])):
                changes.append(_move_card(c, card, None, end + n))
    c.store.mark_undone(entry["id"])
    return Result(changes, {"undone": entry["label"]})


def suggest(commands, actor: Actor, payload=None, pause=None) -> dict:
    """Groups of similar unsorted cards of a table (a read: nothing is logged).

    Card vectors are computed when cards are posted; any still missing are computed
    here by the model worker (embeddings.compute). ``pause`` (app.py passes
    eventlet.sleep) is called between the grouping's steps, so other connections are
    served meanwhile.
    """
    if actor.role not in STAFF:
        raise fail("forbidden")
    payload = {} if payload is None else domain.payload_dict(payload)
    with commands.store.reading():
        table_id = Call(commands, actor, None).cluster_table(payload)
        cards = [x for x in commands.store.cards(actor.event_id, table_id) if x["status"] == VISIBLE and x["result_id"] is None]
        positions = {q["id"]: q["position"] for q in commands.store.questions(actor.event_id)}
    vectors = vectors_for(commands.store, cards)
    return {"groups": suggest_groups(cards, positions, pause, vectors)}


def likely(commands, actor: Actor, payload=None) -> dict:
    """The results of its table a card most likely belongs to (a read: nothing is logged),
    so the tablet can mark them while the moderator sorts the card."""
    if actor.role not in STAFF:
        raise fail("forbidden")
    payload = domain.payload_dict(payload)
    with commands.store.reading():
        card = Call(commands, actor, None).moderated_card(payload.get("card"))
        results = {r["id"] for r in commands.store.results(actor.event_id, card["table_id"]) if r["status"] == domain.ACTIVE}
        sorted_cards = [x for x in commands.store.cards(actor.event_id, card["table_id"])
                        if x["status"] == VISIBLE and x["result_id"] in results and x["id"] != card["id"]]
    if not sorted_cards:
        return {"results": []}
    cards = [card] + sorted_cards[: suggestions.MAX_CARDS - 1]
    members: dict[str, list[int]] = {}
    for i, other in enumerate(cards[1:], start=1):
        members.setdefault(other["result_id"], []).append(i)
    vectors = vectors_for(commands.store, cards)
    sim = suggestions.similarity([c["text"] for c in cards], vectors, [c["lang"] or "de" for c in cards])
    return {"results": suggestions.likely_results(0, sim, members)}

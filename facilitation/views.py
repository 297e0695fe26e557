"""Who sees what: one function per thing and audience.

The live broadcast (deliveries), the replay after a reconnect (sync), the
pages (snapshot) and the exports (published_cards) all take their view from
here, so what a screen shows after a replay is what it would show live.

Audiences: the lead and a table's moderators see everything of their tables
(full view, author id excepted); interpreters see the cards of every table
that are visible or waiting for approval, so they can translate them (the
interpreter view); the wall and the phones see what is public (public view):
visible cards only (any other card travels as a tombstone: id, table, status)
and results without their contact. Phones see the cards of their own table and
the results of every table (the market place votes on all of them).
"""
from __future__ import annotations

import json
import math
import time
from collections import OrderedDict

from . import domain
from .changes import FULL, INTERPRETING, PUBLIC, PUBLIC_CARD_FIELDS, thing_of
from .domain import DELETED, FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, PENDING, PRIVATE, VISIBLE, WALL, WITHDRAWN, Actor, fail

# A client that is further behind than this gets a fresh snapshot instead.
MAX_REPLAY = 2000
# Cards per sync reply: a wall joining an event of 5,000 cards got them in one piece, and the
# server served nobody else for 56 ms meanwhile (issue 13). The rest come page by page.
SNAPSHOT_PAGE = 500



# -- one thing, one audience -----------------------------------------------------------


def public_card(card: dict) -> dict:
    """What a phone or the wall may see of a card: a visible card, else its tombstone.

    Text and name of a card that is not visible never leave the moderators' rooms. A card
    written privately travels veiled (its question, no words), so the wall can count them.
    """
    if card["status"] == VISIBLE:
        return {k: card.get(k) for k in PUBLIC_CARD_FIELDS}
    tombstone = {"id": card["id"], "table_id": card["table_id"], "status": card["status"]}
    if card["status"] == PRIVATE:
        tombstone.update(question_id=card["question_id"], created_at=card["created_at"])
    return tombstone


def kept(view: dict) -> bool:
    """Whether a screen keeps a card view: one with words, or a veiled private card (counted)."""
    return "text" in view or view.get("status") == PRIVATE


def moderator_card(card: dict) -> dict:
    """What a table's moderators and the lead see: everything but the author id.

    A withdrawn card is gone for them too: the author took it back.
    """
    if card["status"] == WITHDRAWN:
        return public_card(card)
    return {k: v for k, v in card.items() if k not in ("author_id", "event_id")}


def interpreter_card(card: dict) -> dict:
    """What an interpreter sees: a visible or waiting card to translate, else its tombstone."""
    if card["status"] in (VISIBLE, PENDING, PRIVATE):
        return {k: v for k, v in card.items() if k not in ("author_id", "event_id")}
    return public_card(card)


def _json_column(row: dict, key: str, empty):
    """A JSON column as data: parsed when it comes from the database, copied when already parsed."""
    value = row.get(key)
    if not value:
        return type(empty)()
    return json.loads(value) if isinstance(value, str) else type(empty)(value)


def i18n(row: dict) -> dict:
    """The wording of a table, question or result in other languages: {lang: text}."""
    return _json_column(row, "i18n", {})


def news(result: dict) -> list[dict]:
    """A result's dated news after the evening, oldest first: [{id, text, at}]."""
    return _json_column(result, "news", [])


def tags(result: dict) -> list[str]:
    """A result's topic tags (keys of domain.TOPICS)."""
    return _json_column(result, "tags", [])


def public_result(result: dict) -> dict:
    """What phones and the wall see of a result: no contact (a person's details)."""
    if result["status"] == DELETED:
        return {"id": result["id"], "table_id": result["table_id"], "status": DELETED}
    return {**{k: v for k, v in result.items() if k not in ("contact", "event_id")}, "i18n": i18n(result),
            "news": news(result), "tags": tags(result)}


def ranking(results, dots) -> list[dict]:
    """Results in ranking order, the one rule of every screen and format: most dots first
    (``dots(result)``: digital and paper), at equal dots the result made first, then by id
    (numbers and ASCII ids, so live.js's ranking() sorts exactly alike: tests/test_ranking.py)."""
    return sorted(results, key=lambda r: (-dots(r), r["created_at"], r["id"]))


def moderator_result(result: dict) -> dict:
    """What moderators and the lead see of a result: everything."""
    return {**{k: v for k, v in result.items() if k != "event_id"}, "i18n": i18n(result), "news": news(result),
            "tags": tags(result)}


def table_view(table: dict) -> dict:
    """A table as every screen sees it."""
    return {"id": table["id"], "name": table["name"], "position": table["position"], "i18n": i18n(table),
            "moderation": table.get("moderation", "")}


def question_view(question: dict) -> dict:
    """A question as every screen sees it."""
    return {**{k: question[k] for k in ("id", "table_id", "text", "position")}, "i18n": i18n(question)}


def published_cards(cards: list[dict]) -> list[dict]:
    """The cards the public record shows: visible ones (never hidden, waiting or withdrawn)."""
    return [c for c in cards if c["status"] == VISIBLE]


def level_of(actor: Actor) -> str:
    """Which view an actor gets: FULL (lead, moderators), INTERPRETING, or PUBLIC."""
    if actor.role in (LEAD, MODERATOR):
        return FULL
    return INTERPRETING if actor.role == INTERPRETER else PUBLIC


def sees_table(actor: Actor, table_id: int, is_result: bool) -> bool:
    """Whether a change of this table reaches this actor at all."""
    if actor.role in (LEAD, WALL, INTERPRETER, FOLLOWER):
        return True
    if actor.role == MODERATOR:
        return table_id == actor.table_id
    return table_id == actor.table_id or is_result


_SHAPES = {
    "card": {FULL: moderator_card, INTERPRETING: interpreter_card, PUBLIC: public_card},
    "result": {FULL: moderator_result, INTERPRETING: public_result, PUBLIC: public_result},
    "table": {FULL: table_view, INTERPRETING: table_view, PUBLIC: table_view},
    "question": {FULL: question_view, INTERPRETING: question_view, PUBLIC: question_view},
}


def shaped(change: dict, level: str) -> dict:
    """A change with its thing in the view of one level (FULL, INTERPRETING, PUBLIC)."""
    key = thing_of(change).key
    if key in _SHAPES:
        return {**change, key: _SHAPES[key][level](change[key])}
    return dict(change)


def view_for(change: dict, actor: Actor) -> dict | None:
    """A change as this actor may see it, or None when it is not theirs."""
    table_id = change.get("table_id")
    key = thing_of(change).key
    if table_id is not None and not sees_table(actor, table_id, key == "result"):
        return None
    if key == "tally" and actor.role == PARTICIPANT:
        return None  # phones never show live dots (they show the ranking stored at closing)
    return shaped(change, level_of(actor))


# -- rooms: the live broadcast ----------------------------------------------------------


def rooms_of(actor: Actor) -> list[str]:
    """The Socket.IO rooms a connection joins (see deliveries for what each gets)."""
    e = actor.event_id
    if actor.role == PARTICIPANT:
        return [e, f"{e}:phones", f"{e}:phones:{actor.table_id}"]
    return [e, f"{e}:screens"] + _own_rooms(actor)


def _own_rooms(actor: Actor) -> list[str]:
    e = actor.event_id
    if actor.role == LEAD:
        return [f"{e}:lead"]
    if actor.role == MODERATOR:
        return [f"{e}:mod:{actor.table_id}"]
    if actor.role == INTERPRETER:
        return [f"{e}:interpret"]
    if actor.role == FOLLOWER:  # sees what the wall sees; its own room for link replacement
        return [f"{e}:wall", f"{e}:follow"]
    return [f"{e}:wall"]


def staff_room(event_id: str, role: str, table_id: int | None) -> str:
    """The room of the connections that hold a secret link's role."""
    if role == INTERPRETER:
        return f"{event_id}:interpret"
    if role == FOLLOWER:
        return f"{event_id}:follow"
    return f"{event_id}:lead" if role == LEAD else f"{event_id}:mod:{table_id}"


def deliveries(event_id: str, change: dict) -> list[tuple[list[str], dict]]:
    """(rooms, view) pairs that send a stored change to exactly who may see it: its
    thing's audience as facilitation/changes.py declares it.

    Agrees with view_for for every actor (tests/test_views.py checks it). The rooms
    "<event>:phones" and "<event>:phones:<table>" are served by the phones' feed (feed.py),
    every other room at once; "<event>:screens" is every screen but the phones.
    """
    table = change.get("table_id")
    return [([f"{event_id}:{room.format(table=table)}" for room in rooms], shaped(change, level))
            for rooms, level in thing_of(change).audience]


# -- reading: the whole state, and the replay -------------------------------------------


# Snapshots of the same audience at the same seq are the same: 100 phones joining one
# table, or every wall, share one build (issue 13). Keyed by the event's salt too, so an
# event deleted and made again under its id never meets the old one's state.
SNAPSHOT_CACHE = 64
_snapshots: OrderedDict = OrderedDict()


def snapshot(store, actor: Actor, limit: int | None = None) -> dict:
    """The whole state an actor may see, with the seq it is valid at; with ``limit``, only
    the first ``limit`` cards, and ``more``: where the next page starts (None: no more)."""
    event_id = actor.event_id
    level = level_of(actor)
    own_table = _own_table(actor)
    results_table = actor.table_id if actor.role == MODERATOR else None
    with store.reading():
        seq = store.last_seq(event_id)
        event = store.event(event_id)
        if event is None:
            raise fail("unknown_event")
        key = (event_id, event["salt"], seq, level, own_table, results_table, actor.role == PARTICIPANT, limit)
        shared = _snapshots.get(key)
        if shared is None:
            shared = _shared_state(store, event, level, own_table, results_table, actor.role == PARTICIPANT, limit)
            _snapshots[key] = shared
            while len(_snapshots) > SNAPSHOT_CACHE:
                _snapshots.popitem(last=False)
        mine = store.cards_by_author(event_id, actor.participant_id) if actor.role == PARTICIPANT else []
        votes = store.votes_of(event_id, actor.participant_id) if actor.role == PARTICIPANT else []
        reacted = store.reactions_of(event_id, actor.participant_id) if actor.role == PARTICIPANT else []
    return {
        "seq": seq,
        **shared,
        "mine": [moderator_card(c) for c in mine if c["status"] != WITHDRAWN],
        "my_votes": votes,
        "my_reactions": reacted,
    }


def _own_table(actor: Actor) -> int | None:
    """The table whose cards alone an actor sees (moderators and phones), else None: all."""
    return actor.table_id if actor.role in (MODERATOR, PARTICIPANT) else None


def _shared_state(store, event: dict, level: str, own_table, results_table, phone: bool, limit) -> dict:
    """What every reader of one audience sees alike (read inside the caller's store.reading())."""
    event_id = event["id"]
    result_view = _SHAPES["result"][level]
    if limit is None:
        cards, more = _card_views(store.cards(event_id, own_table), level), None
    else:
        cards, more = _card_page(store, event_id, own_table, level, None, limit)
    return {
        "event": domain.event_state(event),
        "tables": [table_view(t) for t in store.tables(event_id)],
        "questions": [question_view(q) for q in store.questions(event_id)],
        "cards": cards,
        "more": more,
        "results": [result_view(r) for r in store.results(event_id, results_table) if r["status"] != DELETED],
        "tallies": store.tallies(event_id) if not phone else {},
    }


def _card_views(rows: list[dict], level: str) -> list[dict]:
    return [view for view in map(_SHAPES["card"][level], rows) if kept(view)]


def _card_page(store, event_id: str, own_table, level: str, after, limit: int) -> tuple[list[dict], list | None]:
    """One page of card views and where the next starts (None: this was the last)."""
    rows = store.cards_page(event_id, own_table, after, limit)
    more = [rows[-1]["created_at"], rows[-1]["id"]] if rows and len(rows) == limit else None
    return _card_views(rows, level), more


def card_page(store, actor: Actor, after) -> dict:
    """The next page of a paged snapshot: the cards after ``after`` as they are now.

    A page read later than the first may show a card newer than the snapshot's seq; the
    client applies the changes it buffered meanwhile (newer than that seq) after the last
    page, and each change carries its thing's whole state, so it ends where the server is.
    """
    if not (isinstance(after, list) and len(after) == 2 and isinstance(after[0], (int, float))
            and not isinstance(after[0], bool) and math.isfinite(after[0]) and abs(after[0]) < 1e12):
        raise fail("invalid_payload")
    after = (float(after[0]), domain.check_uuid(after[1]))  # a card id (bench/fuzz.py found the holes)
    own_table = _own_table(actor)
    with store.reading():
        if store.event(actor.event_id) is None:
            raise fail("unknown_event")
        cards, more = _card_page(store, actor.event_id, own_table, level_of(actor), after, SNAPSHOT_PAGE)
    return {"cards": cards, "more": more}


def _current(store, event_id: str, kind: str, ref_id: str) -> dict | None:
    """The data of a logged change's thing as it is now (None when it is gone)."""
    if kind == "card":
        row = store.card(ref_id)
    elif kind == "result":
        row = store.result(ref_id)
    elif kind == "event":
        event = store.event(event_id)
        row = domain.event_state(event) if event else None
    elif kind == "table":
        row = store.table(int(ref_id))
    elif kind == "question":
        row = store.question(int(ref_id))
    else:  # tally
        row = {"result_id": ref_id, "votes": store.tally(ref_id)}
    return {kind: row} if row is not None else None


def replay(store, actor: Actor, since: int) -> dict:
    """The changes after ``since`` that the actor may see, each thing once and as it is now.

    A card posted and then hidden replays as its tombstone at the seq of the
    hiding; its old text is not in the log and never travels again.
    """
    refs = store.changes_since(actor.event_id, since, MAX_REPLAY)
    latest = {}
    for ref in refs:  # in seq order: the last change of each thing wins
        latest.pop((ref["ref_kind"], ref["ref_id"]), None)
        latest[(ref["ref_kind"], ref["ref_id"])] = ref
    changes = []
    with store.reading():
        for (kind, ref_id), ref in latest.items():
            data = _current(store, actor.event_id, kind, ref_id)
            if data is None:
                continue
            view = view_for({"seq": ref["seq"], "type": ref["type"], "table_id": ref["table_id"], **data}, actor)
            if view is not None:
                changes.append(view)
    return {"changes": changes, "seq": refs[-1]["seq"] if refs else since}


def sync(store, actor: Actor, payload) -> dict:
    """Changes after ``since`` that the actor may see, or a fresh snapshot (its cards paged:
    ``{"page": more}`` asks for the next page).

    A snapshot comes when the client is new (since 0), too far behind, or
    ahead of the server (the database was replaced).
    """
    payload = {} if payload is None else domain.payload_dict(payload)
    if "page" in payload:
        return card_page(store, actor, payload["page"])
    since = domain.check_int(payload.get("since", 0))
    last = store.last_seq(actor.event_id)
    if since == 0 or since > last or last - since > MAX_REPLAY:
        state = snapshot(store, actor, SNAPSHOT_PAGE)
        return {"snapshot": state, "seq": state["seq"], "now": time.time()}
    return {**replay(store, actor, since), "now": time.time()}

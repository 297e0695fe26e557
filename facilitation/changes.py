"""Every change the server sends, declared once: its type, the thing it carries and who
gets that thing in which view.

store.append_change refuses a type that is not declared here; views.deliveries sends
each change by its thing's audience; tests check every change they receive against
its declaration (``check``, as Zulip checks its events) and that docs/protocol.md
names every type.
"""
from __future__ import annotations

from dataclasses import dataclass

# The views of a thing: moderators and the lead see everything, interpreters what they
# translate, phones and walls what is public (views.py builds each).
FULL, INTERPRETING, PUBLIC = "full", "interpreter", "public"

_CARD_FIELDS = frozenset(
    "id table_id question_id text name status created_at updated_at version result_id rank lang translation "
    "translated_by source reactions round hold_reason".split())
# What phones and walls see of a visible card (views.public_card), in this order.
PUBLIC_CARD_FIELDS = ("id", "table_id", "question_id", "text", "name", "status", "created_at", "result_id", "rank",
                      "lang", "translation", "source", "reactions")
_RESULT_FIELDS = frozenset(
    "id table_id kind title description next_step contact addressee status merged_into rank version created_at "
    "updated_at votes paper_votes i18n responsible due progress reason news signup tags".split())
_EVENT_FIELDS = frozenset(
    "id title date place status phase phases rounds current_round round_minutes sorting_minutes market_minutes "
    "auto_timer timer dots voting_open moderation private_writing wall_mode focus_table spotlight publish_note "
    "languages actors signup_delete_on".split())


@dataclass(frozen=True)
class Thing:
    """What a change carries under the key ``key``, and who gets it.

    ``audience``: (rooms, view) pairs; a room is "<event>:<room>", "{table}" the thing's
    table. ``table_bound``: the change's table_id is the thing's table (else null).
    ``fields``: every field a view of it may carry; ``public``: those phones and walls may
    get (None: all of them). ``ref``: the field the change log keeps as its reference.
    """

    key: str
    audience: tuple
    table_bound: bool
    fields: frozenset
    public: frozenset | None = None
    ref: str = "id"


_EVERYONE = ((("screens", "phones"), PUBLIC),)

THINGS = {
    "card": Thing("card", ((("lead", "mod:{table}"), FULL), (("interpret",), INTERPRETING),
                           (("wall", "phones:{table}"), PUBLIC)), True, _CARD_FIELDS, frozenset(PUBLIC_CARD_FIELDS)),
    # Every phone votes on every result; interpreters translate titles.
    "result": Thing("result", ((("lead", "mod:{table}"), FULL), (("wall", "phones", "interpret"), PUBLIC)),
                    True, _RESULT_FIELDS, _RESULT_FIELDS - {"contact"}),
    "event": Thing("event", _EVERYONE, False, _EVENT_FIELDS),
    "table": Thing("table", _EVERYONE, False, frozenset({"id", "position", "name", "moderation", "i18n"})),
    "question": Thing("question", _EVERYONE, False, frozenset({"id", "table_id", "position", "text", "i18n"})),
    # Live dots: every screen but the phones (~70 % of an evening's updates); no voter named.
    "tally": Thing("tally", ((("screens",), PUBLIC),), False, frozenset({"result_id", "votes"}), ref="result_id"),
}


@dataclass(frozen=True)
class ChangeType:
    """One type of change: its name, the thing it carries, and when it is sent."""

    name: str
    thing: str
    sent_when: str


CHANGE_TYPES = {t.name: t for t in (
    ChangeType("card.posted", "card", "a phone, a moderator or the paper desk adds a card"),
    ChangeType("card.edited", "card", "its author or a moderator changes its words"),
    ChangeType("card.withdrawn", "card", "its author takes it back"),
    ChangeType("card.hidden", "card", "a moderator hides it, or it waits for approval"),
    ChangeType("card.shown", "card", "a moderator approves or shows it again"),
    ChangeType("card.moved", "card", "it goes into a result, out of one, or to another place in it"),
    ChangeType("card.reacted", "card", "a phone gives or takes back its '+1'"),
    ChangeType("card.translated", "card", "an interpreter writes its translation"),
    ChangeType("result.created", "result", "a moderator or the lead makes a result"),
    ChangeType("result.updated", "result", "its fields, place on the board or paper dots change, or a merge is taken back"),
    ChangeType("result.merged", "result", "it is merged into another result"),
    ChangeType("result.deleted", "result", "it is deleted (its cards go back to unsorted)"),
    ChangeType("result.translated", "result", "an interpreter translates its title"),
    ChangeType("result.followed", "result", "the lead records who takes it on, by when, how far"),
    ChangeType("result.news", "result", "the lead adds or removes a piece of news"),
    ChangeType("result.signup", "result", "its follow-up sign-up opens, closes or counts a sign-up"),
    ChangeType("event.updated", "event", "the run changes: phase, round, timer, voting, wall, settings"),
    ChangeType("vote.tally", "tally", "a dot is given or taken back"),
    ChangeType("table.renamed", "table", "the lead renames a table"),
    ChangeType("table.moderation", "table", "the lead sets a table's moderation mode"),
    ChangeType("table.translated", "table", "an interpreter translates its name"),
    ChangeType("question.edited", "question", "the lead rewords a question"),
    ChangeType("question.translated", "question", "an interpreter translates a question"),
)}


def thing_of(change: dict) -> Thing:
    """The declared thing a change carries."""
    return THINGS[CHANGE_TYPES[change["type"]].thing]


def declared(type_: str, kind: str) -> None:
    """Refuse a change type that is not declared, or that carries another thing than declared."""
    declaration = CHANGE_TYPES.get(type_)
    if declaration is None or declaration.thing != kind:
        raise ValueError(f"change type {type_!r} carrying {kind!r} is not declared in facilitation/changes.py")


def check(change: dict, view: str | None = None) -> None:
    """Raise ValueError where a change as sent does not match its declaration; ``view``
    (FULL, INTERPRETING, PUBLIC) also checks what that audience may get."""
    declaration = CHANGE_TYPES.get(change.get("type"))
    if declaration is None:
        raise ValueError(f"undeclared change type: {change.get('type')!r}")
    thing = THINGS[declaration.thing]
    if set(change) != {"seq", "type", "table_id", thing.key}:
        raise ValueError(f"{declaration.name}: fields {sorted(change)}, expected seq, type, table_id, {thing.key}")
    if not isinstance(change["seq"], int) or change["seq"] < 1:
        raise ValueError(f"{declaration.name}: seq {change['seq']!r}")
    body = change[thing.key]
    expected_table = body.get("table_id") if thing.table_bound else None
    if change["table_id"] != expected_table:
        raise ValueError(f"{declaration.name}: table_id {change['table_id']!r}, its thing's is {expected_table!r}")
    allowed = thing.public if view == PUBLIC and thing.public is not None else thing.fields
    extra = set(body) - allowed
    if extra or thing.ref not in body:
        raise ValueError(f"{declaration.name} ({view or 'any view'}): fields {sorted(extra)} not declared"
                         if extra else f"{declaration.name}: no {thing.ref}")

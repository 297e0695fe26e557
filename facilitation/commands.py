"""Every state change of Tischrunde: check role, validate, store in one transaction.

Each command takes an Actor and a payload (a dict straight from the client),
and returns a Result: the stored change (or None when nothing changed, e.g. a
repeated post) and the data for the ack. Socket.IO handlers, HTML forms and
the command line all come through here, so the rules hold for every path.
"""
from __future__ import annotations

import secrets
import string
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from . import domain
from .domain import HIDDEN, LEAD, MODERATOR, PARTICIPANT, VISIBLE, WALL, WITHDRAWN, Actor, fail
from .store import Store
from .templates_library import get_template

# A client that is further behind than this gets a fresh snapshot instead.
MAX_REPLAY = 2000


@dataclass
class Result:
    """What a command did: the change it logged (if any) and the ack data."""

    change: dict | None
    ack: dict = field(default_factory=dict)


class RateLimiter:
    """At most ``limit`` actions per ``window`` seconds per key (in memory)."""

    def __init__(self, limit: int, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque] = defaultdict(deque)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one action for key; False when it is over the limit."""
        now = time.monotonic() if now is None else now
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


def _payload(payload) -> dict:
    if not isinstance(payload, dict):
        raise fail("invalid_payload")
    return payload


def new_event_id() -> str:
    """A short, unambiguous event id for links (e.g. 'k7m2qx')."""
    alphabet = "".join(c for c in string.ascii_lowercase + string.digits if c not in "01lo")
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Commands:
    """The command path of one server: store plus per-process rate limits."""

    def __init__(self, store: Store, secret_key: str, cards_per_minute: int = 20):
        self.store = store
        self.secret_key = secret_key
        self.post_limiter = RateLimiter(cards_per_minute)

    # -- events (admin and lead) ---------------------------------------------

    def create_event(
        self, template: str, title: str, event_id: str | None = None, table_names: list[str] | None = None
    ) -> str:
        """Create an event from a template, with a secret link per table and for the lead.

        ``table_names`` replaces the template's tables (same questions at each).
        """
        spec = get_template(template)
        if spec is None:
            raise fail("unknown_template")
        title = domain.check_label(title)
        names = [domain.check_label(n) for n in table_names] if table_names else spec["tables"]
        event_id = event_id or new_event_id()
        with self.store.transaction():
            self.store.insert_event(event_id, title, template)
            self._grant(event_id, LEAD, None)
            for position, name in enumerate(names, start=1):
                table_id = self.store.insert_table(event_id, position, name)
                self._grant(event_id, MODERATOR, table_id)
                for q_position, text in enumerate(spec["questions"], start=1):
                    self.store.insert_question(table_id, q_position, text)
        return event_id

    def token(self, event_id: str, role: str, table_id: int | None = None) -> str:
        """The secret link token of a role (lead, or moderator of a table)."""
        return domain.derive_token(self.secret_key, event_id, role, table_id or "")

    def _grant(self, event_id: str, role: str, table_id: int | None) -> None:
        token = self.token(event_id, role, table_id)
        self.store.insert_secret(domain.hash_token(token), event_id, role, table_id)

    def redeem(self, token: str) -> dict | None:
        """The grant (event_id, role, table_id) behind a secret token, or None."""
        if not isinstance(token, str) or len(token) > 200:
            return None
        return self.store.secret(domain.hash_token(token))

    # -- cards ---------------------------------------------------------------

    def event_table(self, actor: Actor, table_id) -> dict:
        """The table with this id if it belongs to the actor's event, else unknown_table."""
        table = self.store.table(domain.check_int(table_id))
        if table is None or table["event_id"] != actor.event_id:
            raise fail("unknown_table")
        return table

    def _card(self, actor: Actor, card_id) -> dict:
        card = self.store.card(domain.check_uuid(card_id))
        if card is None or card["event_id"] != actor.event_id:
            raise fail("unknown_card")
        return card

    def _own_card(self, actor: Actor, card_id) -> dict:
        card = self._card(actor, card_id)
        if actor.role != PARTICIPANT or card["author_id"] != actor.participant_id:
            raise fail("forbidden")
        if card["status"] == WITHDRAWN:
            raise fail("card_withdrawn")
        return card

    def _moderated_card(self, actor: Actor, card_id) -> dict:
        card = self._card(actor, card_id)
        if not actor.may_moderate(card["table_id"]):
            raise fail("forbidden")
        if card["status"] == WITHDRAWN:
            raise fail("card_withdrawn")
        return card

    def post_card(self, actor: Actor, payload) -> Result:
        """A participant posts a card to a question of their table.

        The id comes from the phone; posting the same id again returns the
        stored card and logs nothing, so an outbox may resend freely.
        """
        payload = _payload(payload)
        if actor.role != PARTICIPANT or actor.table_id is None:
            raise fail("forbidden")
        card_id = domain.check_uuid(payload.get("id"))
        question_id = domain.check_int(payload.get("question"))
        existing = self.store.card(card_id)
        if existing is not None:
            if existing["author_id"] != actor.participant_id or existing["event_id"] != actor.event_id:
                raise fail("id_conflict")
            return Result(None, {"card": domain.moderator_card(existing), "duplicate": True})
        text = domain.check_card_text(payload.get("text"))
        name = domain.check_name(payload.get("name"))
        question = self.store.question(question_id)
        if question is None or question["table_id"] != actor.table_id:
            raise fail("unknown_question")
        if not self.post_limiter.allow(actor.participant_id):
            raise fail("rate_limited")
        now = time.time()
        card = {
            "id": card_id,
            "event_id": actor.event_id,
            "table_id": actor.table_id,
            "question_id": question_id,
            "author_id": actor.participant_id,
            "name": name,
            "text": text,
            "status": VISIBLE,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        with self.store.transaction():
            self.store.insert_card(card)
            change = self.store.append_change(actor.event_id, "card.posted", actor.table_id, {"card": card})
        return Result(change, {"card": domain.moderator_card(card)})

    def _update_card(self, actor: Actor, card: dict, type_: str, **fields) -> Result:
        with self.store.transaction():
            self.store.update_card(card["id"], **fields)
            stored = self.store.card(card["id"])
            change = self.store.append_change(actor.event_id, type_, card["table_id"], {"card": stored})
        return Result(change, {"card": domain.moderator_card(stored)})

    def edit_card(self, actor: Actor, payload) -> Result:
        """The author edits their card's text or name; a moderator corrects a card."""
        payload = _payload(payload)
        if actor.role == PARTICIPANT:
            card = self._own_card(actor, payload.get("id"))
        else:
            card = self._moderated_card(actor, payload.get("id"))
        fields = {"text": domain.check_card_text(payload.get("text"))}
        if "name" in payload:
            fields["name"] = domain.check_name(payload.get("name"))
        if all(card[k] == v for k, v in fields.items()):
            return Result(None, {"card": domain.moderator_card(card)})
        return self._update_card(actor, card, "card.edited", **fields)

    def withdraw_card(self, actor: Actor, payload) -> Result:
        """The author takes their card back; it disappears from every screen."""
        payload = _payload(payload)
        card = self._card(actor, payload.get("id"))
        if actor.role != PARTICIPANT or card["author_id"] != actor.participant_id:
            raise fail("forbidden")
        if card["status"] == WITHDRAWN:
            return Result(None, {"card": domain.public_card(card)})
        return self._update_card(actor, card, "card.withdrawn", status=WITHDRAWN)

    def _set_visibility(self, actor: Actor, payload, status: str, type_: str) -> Result:
        card = self._moderated_card(actor, _payload(payload).get("id"))
        if card["status"] == status:
            return Result(None, {"card": domain.moderator_card(card)})
        return self._update_card(actor, card, type_, status=status)

    def hide_card(self, actor: Actor, payload) -> Result:
        """A moderator hides a card from the wall and the phones."""
        return self._set_visibility(actor, payload, HIDDEN, "card.hidden")

    def show_card(self, actor: Actor, payload) -> Result:
        """A moderator shows a hidden card again."""
        return self._set_visibility(actor, payload, VISIBLE, "card.shown")

    # -- tables and questions (lead) ------------------------------------------

    def rename_table(self, actor: Actor, payload) -> Result:
        """The lead renames a table."""
        payload = _payload(payload)
        if actor.role != LEAD:
            raise fail("forbidden")
        table = self.event_table(actor, payload.get("table"))
        name = domain.check_label(payload.get("name"))
        if name == table["name"]:
            return Result(None, {"table": table})
        with self.store.transaction():
            self.store.rename_table(table["id"], name)
            table = {**table, "name": name}
            change = self.store.append_change(actor.event_id, "table.renamed", None, {"table": table})
        return Result(change, {"table": table})

    def edit_question(self, actor: Actor, payload) -> Result:
        """The lead changes the wording of a question."""
        payload = _payload(payload)
        if actor.role != LEAD:
            raise fail("forbidden")
        question = self.store.question(domain.check_int(payload.get("question")))
        if question is None:
            raise fail("unknown_question")
        self.event_table(actor, question["table_id"])
        text = domain.check_label(payload.get("text"), domain.MAX_QUESTION_LENGTH)
        if text == question["text"]:
            return Result(None, {"question": question})
        with self.store.transaction():
            self.store.set_question_text(question["id"], text)
            question = {**question, "text": text}
            change = self.store.append_change(actor.event_id, "question.edited", None, {"question": question})
        return Result(change, {"question": question})

    # -- reading: snapshots and replay ----------------------------------------

    def snapshot(self, actor: Actor) -> dict:
        """The whole state an actor may see, with the seq it is valid at."""
        event_id = actor.event_id
        with self.store.reading():
            seq = self.store.last_seq(event_id)
            event = self.store.event(event_id)
            tables = self.store.tables(event_id)
            questions = self.store.questions(event_id)
            if actor.role == PARTICIPANT:
                cards = [c for c in self.store.cards(event_id, actor.table_id) if c["status"] == VISIBLE]
                mine = self.store.cards_by_author(event_id, actor.participant_id)
            else:
                table_filter = actor.table_id if actor.role == MODERATOR else None
                cards = self.store.cards(event_id, table_filter)
                mine = []
        view = domain.moderator_card if actor.role in (LEAD, MODERATOR) else domain.public_card
        cards_out = [view(c) for c in cards if c["status"] != WITHDRAWN]
        return {
            "seq": seq,
            "event": {"id": event["id"], "title": event["title"]},
            "tables": [{"id": t["id"], "name": t["name"], "position": t["position"]} for t in tables],
            "questions": [{"id": q["id"], "table_id": q["table_id"], "text": q["text"]} for q in questions],
            "cards": cards_out,
            "mine": [domain.moderator_card(c) for c in mine],
        }

    def sync(self, actor: Actor, payload) -> dict:
        """Changes after ``since`` that the actor may see, or a fresh snapshot.

        A snapshot comes when the client is new (since 0), too far behind, or
        ahead of the server (the database was replaced).
        """
        payload = _payload(payload) if payload is not None else {}
        since = payload.get("since", 0)
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise fail("invalid_payload")
        last = self.store.last_seq(actor.event_id)
        if since == 0 or since > last or last - since > MAX_REPLAY:
            snapshot = self.snapshot(actor)
            return {"snapshot": snapshot, "seq": snapshot["seq"]}
        changes = self.store.changes_since(actor.event_id, since, MAX_REPLAY)
        visible = [v for v in (view_for(c, actor) for c in changes) if v is not None]
        return {"changes": visible, "seq": changes[-1]["seq"] if changes else since}


def audience_view(change: dict, audience: str) -> dict:
    """A change as one audience may see it: 'moderator' (full) or 'public'."""
    if "card" not in change:
        return change
    view = domain.moderator_card if audience == "moderator" else domain.public_card
    return {**change, "card": view(change["card"])}


def view_for(change: dict, actor: Actor) -> dict | None:
    """A logged change as this actor may see it, or None when it is not theirs."""
    table_id = change.get("table_id")
    if table_id is None:
        return change
    if actor.role == LEAD:
        return audience_view(change, "moderator")
    if actor.role == MODERATOR:
        return audience_view(change, "moderator") if table_id == actor.table_id else None
    if actor.role == WALL or table_id == actor.table_id:
        return audience_view(change, "public")
    return None


COMMANDS = {
    "card:post": Commands.post_card,
    "card:edit": Commands.edit_card,
    "card:withdraw": Commands.withdraw_card,
    "card:hide": Commands.hide_card,
    "card:show": Commands.show_card,
    "table:rename": Commands.rename_table,
    "question:edit": Commands.edit_question,
}

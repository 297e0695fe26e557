"""Every state change of Tischrunde: check role, validate, store in one transaction.

Each command takes an Actor and a payload (a dict straight from the client),
and returns a Result: the stored changes (none when nothing changed, e.g. a
repeated post) and the data for the ack. Socket.IO handlers, HTML forms and
the command line all come through here, so the rules hold for every path.
"""
from __future__ import annotations

import secrets
import string
import time
from collections import defaultdict, deque

from . import domain
from .domain import HIDDEN, LEAD, MODERATOR, PARTICIPANT, VISIBLE, WALL, WITHDRAWN, Actor, Result, fail
from .domain import payload_dict as _payload
from .evening import EveningCommands
from .store import Store
from .suggestions import suggest_groups
from .templates_library import get_template

# A client that is further behind than this gets a fresh snapshot instead.
MAX_REPLAY = 2000


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


def new_event_id() -> str:
    """A short, unambiguous event id for links (e.g. 'k7m2qx')."""
    alphabet = "".join(c for c in string.ascii_lowercase + string.digits if c not in "01lo")
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Commands(EveningCommands):
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
            self.grant(event_id, LEAD, None)
            for position, name in enumerate(names, start=1):
                table_id = self.store.insert_table(event_id, position, name)
                self.grant(event_id, MODERATOR, table_id)
                for q_position, text in enumerate(spec["questions"], start=1):
                    self.store.insert_question(table_id, q_position, text)
        return event_id

    def token(self, event_id: str, role: str, table_id: int | None = None) -> str:
        """The secret link token of a role (lead, or moderator of a table)."""
        return domain.derive_token(self.secret_key, event_id, role, table_id or "")

    def grant(self, event_id: str, role: str, table_id: int | None) -> None:
        """Store the hash of a role's secret link token (inside a transaction)."""
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
            return Result([], {"card": domain.moderator_card(existing), "duplicate": True})
        text = domain.check_card_text(payload.get("text"))
        name = domain.check_name(payload.get("name"))
        question = self.store.question(question_id)
        if question is None or question["table_id"] != actor.table_id:
            raise fail("unknown_question")
        if not self.post_limiter.allow(actor.participant_id):
            raise fail("rate_limited")
        event = self.store.event(actor.event_id)
        now = time.time()
        card = {
            "id": card_id,
            "event_id": actor.event_id,
            "table_id": actor.table_id,
            "question_id": question_id,
            "author_id": actor.participant_id,
            "name": name,
            "text": text,
            "status": self.new_card_status(event),
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "result_id": None,
            "rank": now,
            "round": event["current_round"],
        }
        with self.store.transaction():
            self.store.insert_card(card)
            change = self.store.append_change(actor.event_id, "card.posted", actor.table_id, {"card": card})
        return Result([change], {"card": domain.moderator_card(card)})

    def _update_card(self, actor: Actor, card: dict, type_: str, **fields) -> Result:
        with self.store.transaction():
            change = self._save_card(actor, card["id"], type_, **fields)
        return Result([change], {"card": domain.moderator_card(change["card"])})

    def _save_card(self, actor: Actor, card_id: str, type_: str, **fields) -> dict:
        """Write fields of a card and log it as it is now (inside a transaction)."""
        self.store.update_card(card_id, **fields)
        card = self.store.card(card_id)
        return self.store.append_change(actor.event_id, type_, card["table_id"], {"card": card})

    def _save_result(self, actor: Actor, result_id: str, type_: str = "result.updated", **fields) -> dict:
        """Write fields of a result and log it as it is now (inside a transaction)."""
        self.store.update_result(result_id, **fields)
        result = self.store.result(result_id)
        return self.store.append_change(actor.event_id, type_, result["table_id"], {"result": result})

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
            return Result([], {"card": domain.moderator_card(card)})
        if actor.role == PARTICIPANT and card["status"] == VISIBLE:
            # Pre-moderated: an edited card is checked again, or editing would bypass the queue.
            fields["status"] = self.new_card_status(self.store.event(actor.event_id))
        return self._update_card(actor, card, "card.edited", **fields)

    def withdraw_card(self, actor: Actor, payload) -> Result:
        """The author takes their card back; it disappears from every screen."""
        payload = _payload(payload)
        card = self._card(actor, payload.get("id"))
        if actor.role != PARTICIPANT or card["author_id"] != actor.participant_id:
            raise fail("forbidden")
        if card["status"] == WITHDRAWN:
            return Result([], {"card": domain.public_card(card)})
        return self._update_card(actor, card, "card.withdrawn", status=WITHDRAWN)

    def _set_visibility(self, actor: Actor, payload, status: str, type_: str) -> Result:
        card = self._moderated_card(actor, _payload(payload).get("id"))
        if card["status"] == status:
            return Result([], {"card": domain.moderator_card(card)})
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
            return Result([], {"table": table})
        with self.store.transaction():
            self.store.rename_table(table["id"], name)
            table = {**table, "name": name}
            change = self.store.append_change(actor.event_id, "table.renamed", None, {"table": table})
        return Result([change], {"table": table})

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
            return Result([], {"question": question})
        with self.store.transaction():
            self.store.set_question_text(question["id"], text)
            question = {**question, "text": text}
            change = self.store.append_change(actor.event_id, "question.edited", None, {"question": question})
        return Result([change], {"question": question})

    # -- results: clustering cards on the tablet --------------------------------
    #
    # Every clustering action remembers, in the same transaction, the rows it
    # touched as they were before (undo_log), so "undo" can put them back.

    def _result(self, actor: Actor, result_id) -> dict:
        result = self.store.result(domain.check_uuid(result_id))
        if result is None or result["event_id"] != actor.event_id or result["status"] == domain.DELETED:
            raise fail("unknown_result")
        return result

    def _moderated_result(self, actor: Actor, result_id) -> dict:
        result = self._result(actor, result_id)
        if not actor.may_moderate(result["table_id"]):
            raise fail("forbidden")
        return result

    def _placeable_card(self, actor: Actor, card_id, table_id: int) -> dict:
        card = self._moderated_card(actor, card_id)
        if card["table_id"] != table_id:
            raise fail("other_table")
        return card

    def _cluster_table(self, actor: Actor, payload: dict) -> int:
        """The table a clustering action is for: the moderator's own, or the one the lead names."""
        if actor.role == MODERATOR:
            return actor.table_id
        if actor.role != LEAD:
            raise fail("forbidden")
        return self.event_table(actor, payload.get("table"))["id"]

    def _undo_entry(self, actor: Actor, table_id: int, label: str, rows: list) -> None:
        self.store.push_undo(actor.event_id, table_id, undo_key(actor), label, rows)

    def _move_card(self, actor: Actor, card: dict, result_id: str | None, rank: float) -> dict:
        return self._save_card(actor, card["id"], "card.moved", result_id=result_id, rank=rank)

    def _result_fields(self, payload: dict, partial: bool) -> dict:
        """Validated result fields from a payload (only those present when partial)."""
        checks = {
            "kind": lambda v: domain.check_choice(v, domain.RESULT_KINDS, "unknown_kind"),
            "title": lambda v: domain.check_label(v),
            "description": lambda v: domain.check_optional_text(v, domain.MAX_DESCRIPTION_LENGTH),
            "next_step": lambda v: domain.check_optional_text(v, domain.MAX_NEXT_STEP_LENGTH),
            "contact": lambda v: domain.check_optional_text(v, domain.MAX_CONTACT_LENGTH),
            "addressee": lambda v: "" if v in (None, "") else domain.check_choice(v, domain.ADDRESSEES, "unknown_addressee"),
        }
        fields = {}
        for key, check in checks.items():
            if key in payload:
                fields[key] = check(payload[key])
            elif not partial and key in ("kind", "title"):
                raise fail("invalid_payload")
        return fields

    def create_result(self, actor: Actor, payload) -> Result:
        """A moderator makes a result at their table, optionally with cards in it.

        The id comes from the tablet (UUID), so a resent create stores one result.
        """
        payload = _payload(payload)
        table_id = self._cluster_table(actor, payload)
        result_id = domain.check_uuid(payload.get("id"))
        existing = self.store.result(result_id)
        if existing is not None:
            if existing["event_id"] != actor.event_id or existing["table_id"] != table_id:
                raise fail("id_conflict")
            return Result([], {"result": existing, "duplicate": True})
        fields = self._result_fields(payload, partial=False)
        if "addressee" in fields and actor.role != LEAD:
            raise fail("forbidden")
        cards = [self._placeable_card(actor, c, table_id) for c in _card_ids(payload.get("cards", []))]
        now = time.time()
        ranks = self.store.result_ranks(table_id)
        result = {
            "id": result_id, "event_id": actor.event_id, "table_id": table_id,
            "description": "", "next_step": "", "contact": "", "addressee": "",
            **fields,
            "status": domain.ACTIVE, "merged_into": None,
            "rank": (ranks[-1][1] + 1) if ranks else now, "version": 1, "created_at": now, "updated_at": now,
        }
        with self.store.transaction():
            self.store.insert_result(result)
            changes = [self.store.append_change(actor.event_id, "result.created", table_id, {"result": self.store.result(result_id)})]
            undo = [{"table": "results", "row": {"id": result_id, "status": domain.DELETED}}]
            for n, card in enumerate(cards):
                undo.append(_card_placement(card))
                changes.append(self._move_card(actor, card, result_id, now + n))
            self._undo_entry(actor, table_id, "result.created", undo)
        return Result(changes, {"result": changes[0]["result"]})

    def update_result(self, actor: Actor, payload) -> Result:
        """Change some fields of a result; the fields not sent stay as they are.

        Two tablets editing different fields never overwrite each other; on the
        same field the last write wins. The addressee is the lead's call.
        """
        payload = _payload(payload)
        result = self._moderated_result(actor, payload.get("id"))
        fields = self._result_fields(payload, partial=True)
        if "addressee" in fields and actor.role != LEAD:
            raise fail("forbidden")
        fields = {k: v for k, v in fields.items() if result[k] != v}
        if not fields:
            return Result([], {"result": result})
        with self.store.transaction():
            self._undo_entry(actor, result["table_id"], "result.updated", [_result_row(result, fields)])
            change = self._save_result(actor, result["id"], **fields)
        return Result([change], {"result": change["result"]})

    def delete_result(self, actor: Actor, payload) -> Result:
        """Dissolve a result: its cards go back to 'not yet sorted'."""
        result = self._moderated_result(actor, _payload(payload).get("id"))
        with self.store.transaction():
            changes, undo = self._dissolve(actor, result)
            self._undo_entry(actor, result["table_id"], "result.deleted", undo)
        return Result(changes, {"result": changes[-1]["result"]})

    def _dissolve(self, actor: Actor, result: dict) -> tuple[list, list]:
        """Delete a result, unsort its cards, unfold results merged into it."""
        undo = [_result_row(result, {"status": 1, "merged_into": 1})]
        changes = []
        end = self._end_rank(result["table_id"], None)
        for n, card in enumerate(self.store.cards_of_result(result["id"])):
            undo.append(_card_placement(card))
            changes.append(self._move_card(actor, card, None, end + n))
        for child in self._merged_children(result):
            undo.append(_result_row(child, {"status": 1, "merged_into": 1}))
            changes.append(self._save_result(actor, child["id"], status=domain.ACTIVE, merged_into=None))
        changes.append(self._save_result(actor, result["id"], "result.deleted", status=domain.DELETED))
        return changes, undo

    def _merged_children(self, result: dict) -> list[dict]:
        return [r for r in self.store.results(result["event_id"]) if r["merged_into"] == result["id"] and r["status"] == domain.MERGED]

    def _end_rank(self, table_id: int, result_id: str | None) -> float:
        ranks = self.store.card_ranks(table_id, result_id)
        return (ranks[-1][1] + 1) if ranks else time.time()

    def assign_card(self, actor: Actor, payload) -> Result:
        """Put a card into a result (or back to 'not yet sorted' with result None),
        before another card there, or at the end.

        A card has one result_id, so it is never in two results, whoever moves it.
        """
        payload = _payload(payload)
        card = self._moderated_card(actor, payload.get("id"))
        target = payload.get("result")
        if target is None:
            result_id = None
        else:
            result = self._result(actor, target)
            if result["status"] != domain.ACTIVE:
                raise fail("unknown_result")
            if result["table_id"] != card["table_id"]:
                raise fail("other_table")
            result_id = result["id"]
        before = payload.get("before")
        before = domain.check_uuid(before) if before is not None else None
        rank = rank_before(self.store.card_ranks(card["table_id"], result_id), before, card["id"])
        if card["result_id"] == result_id and card["rank"] == rank:
            return Result([], {"card": domain.moderator_card(card)})
        with self.store.transaction():
            self._undo_entry(actor, card["table_id"], "card.moved", [_card_placement(card)])
            change = self._move_card(actor, card, result_id, rank)
        return Result([change], {"card": domain.moderator_card(change["card"])})

    def move_result(self, actor: Actor, payload) -> Result:
        """Reorder a result on its table's board: before another result, or last."""
        payload = _payload(payload)
        result = self._moderated_result(actor, payload.get("id"))
        before = payload.get("before")
        before = domain.check_uuid(before) if before is not None else None
        rank = rank_before(self.store.result_ranks(result["table_id"]), before, result["id"])
        if rank == result["rank"]:
            return Result([], {"result": result})
        with self.store.transaction():
            self._undo_entry(actor, result["table_id"], "result.moved", [_result_row(result, {"rank": 1})])
            change = self._save_result(actor, result["id"], rank=rank)
        return Result([change], {"result": change["result"]})

    def merge_results(self, actor: Actor, payload) -> Result:
        """Merge ``source`` into ``target``.

        Same table: the source's cards move to the end of the target and the
        source goes. Across tables (the lead only): the source stays with its
        table and cards, folded under the target on the boards and the wall.
        """
        payload = _payload(payload)
        source = self._moderated_result(actor, payload.get("source"))
        target = self._result(actor, payload.get("target"))
        if source["id"] == target["id"]:
            raise fail("same_result")
        if target["status"] != domain.ACTIVE or source["status"] != domain.ACTIVE:
            raise fail("unknown_result")
        if source["table_id"] == target["table_id"]:
            return self._merge_same_table(actor, source, target)
        if actor.role != LEAD:
            raise fail("forbidden")
        with self.store.transaction():
            undo = [_result_row(source, {"status": 1, "merged_into": 1})]
            changes = []
            for child in self._merged_children(source):  # keep one level: re-point them
                undo.append(_result_row(child, {"merged_into": 1}))
                changes.append(self._save_result(actor, child["id"], merged_into=target["id"]))
            changes.append(self._save_result(actor, source["id"], "result.merged", status=domain.MERGED, merged_into=target["id"]))
            self._undo_entry(actor, source["table_id"], "result.merged", undo)
        return Result(changes, {"result": self.store.result(target["id"])})

    def _merge_same_table(self, actor: Actor, source: dict, target: dict) -> Result:
        with self.store.transaction():
            end = self._end_rank(target["table_id"], target["id"])
            undo, changes = [], []
            for n, card in enumerate(self.store.cards_of_result(source["id"])):
                undo.append(_card_placement(card))
                changes.append(self._move_card(actor, card, target["id"], end + n))
            more_changes, more_undo = self._dissolve(actor, self.store.result(source["id"]))
            self._undo_entry(actor, source["table_id"], "result.merged", undo + more_undo)
        return Result(changes + more_changes, {"result": self.store.result(target["id"])})

    def unmerge_result(self, actor: Actor, payload) -> Result:
        """The lead unfolds a result merged into another table's result."""
        result = self._result(actor, _payload(payload).get("id"))
        if actor.role != LEAD:
            raise fail("forbidden")
        if result["status"] != domain.MERGED:
            return Result([], {"result": result})
        with self.store.transaction():
            self._undo_entry(actor, result["table_id"], "result.unmerged", [_result_row(result, {"status": 1, "merged_into": 1})])
            change = self._save_result(actor, result["id"], status=domain.ACTIVE, merged_into=None)
        return Result([change], {"result": change["result"]})

    def undo(self, actor: Actor, payload=None) -> Result:
        """Undo this device's last clustering action: put its rows back as they were.

        Rows are restored as recorded; a card whose old result is gone by now
        goes to 'not yet sorted' rather than into a deleted result.
        """
        if actor.role not in (MODERATOR, LEAD):
            raise fail("forbidden")
        entry = self.store.last_undo(actor.event_id, undo_key(actor))
        if entry is None:
            raise fail("nothing_to_undo")
        changes = []
        with self.store.transaction():
            ordered = sorted(entry["rows"], key=lambda r: r["table"] != "results")  # results first
            for item in ordered:
                row = dict(item["row"])
                if item["table"] == "cards":
                    target = self.store.result(row["result_id"]) if row.get("result_id") else None
                    if target is not None and target["status"] != domain.ACTIVE:
                        row["result_id"] = None
                    changes.append(self._save_card(actor, row.pop("id"), "card.moved", **row))
                else:
                    changes.append(self._save_result(actor, row.pop("id"), **row))
                    stored = changes[-1]["result"]
                    if stored["status"] == domain.DELETED:  # cards others put in meanwhile
                        end = self._end_rank(stored["table_id"], None)
                        for n, card in enumerate(self.store.cards_of_result(stored["id"])):
                            changes.append(self._move_card(actor, card, None, end + n))
            self.store.mark_undone(entry["id"])
        return Result(changes, {"undone": entry["label"]})

    def suggest(self, actor: Actor, payload=None) -> dict:
        """Groups of similar unsorted cards of a table (read only; nothing is logged)."""
        payload = _payload(payload) if payload is not None else {}
        table_id = self._cluster_table(actor, payload)
        cards = [c for c in self.store.cards(actor.event_id, table_id) if c["status"] == VISIBLE and c["result_id"] is None]
        positions = {q["id"]: q["position"] for q in self.store.questions(actor.event_id)}
        return {"groups": suggest_groups(cards, positions)}

    def run(self, name: str, actor: Actor, payload) -> Result:
        """Run the command called ``name`` (see COMMANDS) for an actor.

        The one entry for Socket.IO and HTML forms alike; a closed event
        refuses every change but reopening.
        """
        if name not in WHILE_CLOSED:
            event = self.store.event(actor.event_id)
            if event is None:
                raise fail("unknown_event")
            if event["status"] != "open":
                raise fail("event_closed")
        return COMMANDS[name](self, actor, payload)

    # -- reading: snapshots and replay ----------------------------------------

    def snapshot(self, actor: Actor) -> dict:
        """The whole state an actor may see, with the seq it is valid at."""
        event_id = actor.event_id
        full = actor.role in (LEAD, MODERATOR)
        table_filter = actor.table_id if actor.role in (MODERATOR, PARTICIPANT) else None
        with self.store.reading():
            seq = self.store.last_seq(event_id)
            event = self.store.event(event_id)
            tables = self.store.tables(event_id)
            questions = self.store.questions(event_id)
            cards = self.store.cards(event_id, table_filter)
            # Results are public to every phone: the market place votes on all of them.
            results = self.store.results(event_id, actor.table_id if actor.role == MODERATOR else None)
            mine = self.store.cards_by_author(event_id, actor.participant_id) if actor.role == PARTICIPANT else []
            votes = self.store.votes_of(event_id, actor.participant_id) if actor.role == PARTICIPANT else []
            tallies = self.store.tallies(event_id)
        card_view = domain.moderator_card if full else domain.public_card
        result_view = domain.moderator_result if full else domain.public_result
        return {
            "seq": seq,
            "event": domain.event_state(event),
            "tables": [{"id": t["id"], "name": t["name"], "position": t["position"]} for t in tables],
            "questions": [
                {"id": q["id"], "table_id": q["table_id"], "text": q["text"], "position": q["position"]}
                for q in questions
            ],
            "cards": [card_view(c) for c in cards if c["status"] == VISIBLE or (full and c["status"] != WITHDRAWN)],
            "results": [result_view(r) for r in results if r["status"] != domain.DELETED],
            "mine": [domain.moderator_card(c) for c in mine if c["status"] != WITHDRAWN],
            "my_votes": votes,
            "tallies": tallies,
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
            return {"snapshot": snapshot, "seq": snapshot["seq"], "now": time.time()}
        changes = self.store.changes_since(actor.event_id, since, MAX_REPLAY)
        visible = [v for v in (view_for(c, actor) for c in changes) if v is not None]
        return {"changes": visible, "seq": changes[-1]["seq"] if changes else since, "now": time.time()}


def audience_view(change: dict, audience: str) -> dict:
    """A change as one audience may see it: 'moderator' (full) or 'public'."""
    full = audience == "moderator"
    if "card" in change:
        return {**change, "card": (domain.moderator_card if full else domain.public_card)(change["card"])}
    if "result" in change:
        return {**change, "result": (domain.moderator_result if full else domain.public_result)(change["result"])}
    return change


def undo_key(actor: Actor) -> str:
    """Whose actions an undo takes back: this device (its session id)."""
    return actor.participant_id or f"{actor.role}:{actor.table_id or ''}"


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


def view_for(change: dict, actor: Actor) -> dict | None:
    """A logged change as this actor may see it, or None when it is not theirs."""
    table_id = change.get("table_id")
    if table_id is None:
        return change
    if actor.role == LEAD:
        return audience_view(change, "moderator")
    if actor.role == MODERATOR:
        return audience_view(change, "moderator") if table_id == actor.table_id else None
    if actor.role == WALL or table_id == actor.table_id or "result" in change:
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
    "result:create": Commands.create_result,
    "result:update": Commands.update_result,
    "result:delete": Commands.delete_result,
    "result:move": Commands.move_result,
    "result:merge": Commands.merge_results,
    "result:unmerge": Commands.unmerge_result,
    "card:assign": Commands.assign_card,
    "undo": Commands.undo,
    "wall:mode": Commands.set_wall_mode,
    "event:configure": Commands.configure_event,
    "phase:set": Commands.set_phase,
    "timer:start": Commands.timer_start,
    "timer:pause": Commands.timer_pause,
    "timer:add": Commands.timer_add,
    "timer:stop": Commands.timer_stop,
    "moderation:set": Commands.set_moderation,
    "voting:open": Commands.open_voting,
    "voting:close": Commands.close_voting,
    "vote:add": Commands.add_vote,
    "vote:remove": Commands.remove_vote,
    "event:update": Commands.update_event,
    "event:close": Commands.close_event,
    "event:archive": Commands.archive_event,
    "event:reopen": Commands.reopen_event,
}
# What still works on a closed event: archiving and reopening it.
WHILE_CLOSED = {"event:reopen", "event:archive"}

"""The command registry, the one run() and what every command shares (Call)."""
from __future__ import annotations

import logging
import secrets
import string
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Callable

from .. import domain, views
from ..domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, Actor, Result, fail
from ..store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spec:
    """A registered command: its function and the rules run() checks before it."""

    name: str
    fn: Callable
    roles: frozenset
    needs_event: bool = True  # the actor's event must exist (all but event:create/import)
    while_closed: bool = False  # allowed on a closed or archived event
    limit: str | None = None  # a participant's rate limit (see Commands.limits)


COMMANDS: dict[str, Spec] = {}
STAFF = (MODERATOR, LEAD)  # who moderates and sorts a table


def command(name: str, roles, *, needs_event: bool = True, while_closed: bool = False, limit: str | None = None):
    """Register a function ``fn(call, payload) -> Result`` as the command ``name``."""

    def register(fn):
        if name in COMMANDS:
            raise ValueError(f"command {name} registered twice")
        COMMANDS[name] = Spec(name, fn, frozenset(roles), needs_event, while_closed, limit)
        return fn

    return register


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


class SharedRateLimiter:
    """The same limit, kept in Redis (the ``limits`` library's moving window), so it holds
    whichever server process a phone reaches (MESSAGE_QUEUE): two processes had accepted 39
    cards a minute at a limit of 20. While Redis cannot be reached, each process counts on
    its own (the limit is then per process again; refusing everyone would be worse)."""

    def __init__(self, url: str, name: str, limit: int, window: float = 60.0):
        from limits import RateLimitItemPerSecond, storage, strategies

        self.limit, self.window, self.name = limit, window, name
        self._item = RateLimitItemPerSecond(limit, int(window))
        self._shared = strategies.MovingWindowRateLimiter(storage.storage_from_string(url))
        self._local = RateLimiter(limit, window)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one action for key across processes; False when it is over the limit."""
        try:
            return self._shared.hit(self._item, "tischrunde", self.name, key)
        except Exception:  # noqa: BLE001 - Redis down: count here rather than refuse all
            log.warning("rate limit %s counted in this process only: Redis not reachable", self.name)
            return self._local.allow(key, now)


def new_event_id() -> str:
    """A short, unambiguous event id for links (e.g. 'k7m2qx')."""
    alphabet = "".join(c for c in string.ascii_lowercase + string.digits if c not in "01lo")
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Commands:
    """The command path of one server: the store, the secret, per-process rate limits."""

    def __init__(self, store: Store, secret_key: str, limits: dict[str, int] | None = None, shared: str = ""):
        self.store = store
        self.secret_key = secret_key
        per_minute = {"cards": 20, "edits": 30, "dots": 60, **(limits or {})}
        # With several processes (shared = MESSAGE_QUEUE's Redis) the limits live in Redis.
        self.limiters = {name: SharedRateLimiter(shared, name, n) if shared else RateLimiter(n)
                         for name, n in per_minute.items()}

    def run(self, name: str, actor: Actor, payload=None) -> Result:
        """Run the command ``name`` for ``actor``: the one entry for every change.

        Role, rate limit and the event's state are checked here; the command's
        own checks and its writes share one transaction.
        """
        spec = COMMANDS.get(name)
        if spec is None:
            raise fail("unknown_command")
        payload = {} if payload is None else domain.payload_dict(payload)
        if actor.role not in spec.roles:
            raise fail("forbidden")
        if spec.limit and actor.role == PARTICIPANT and not self.limiters[spec.limit].allow(actor.participant_id or ""):
            raise fail("rate_limited")
        with self.store.transaction():
            event = None
            if spec.needs_event:
                event = self.store.event(actor.event_id)
                if event is None:
                    raise fail("unknown_event")
                if event["status"] != "open" and not spec.while_closed:
                    raise fail("event_closed")
            return spec.fn(Call(self, actor, event), payload)

    def event_table(self, event_id: str, table_id) -> dict:
        """The table with this id if it belongs to the event, else unknown_table (invalid_payload for no id)."""
        table = self.store.table(domain.check_int(table_id))
        if table is None or table["event_id"] != event_id:
            raise fail("unknown_table")
        return table

    # -- secret links ----------------------------------------------------------
    #
    # A link's token is derived from the server secret, the event's salt (new for
    # every event, so an id used again never gets the old links) and the link's
    # generation (raised when the lead replaces the link). Only hashes are stored.

    def token(self, event_id: str, role: str, table_id: int | None = None) -> str:
        """The current secret link token of a role (lead, or moderator of a table)."""
        event = self.store.event(event_id)
        generation = self.store.secret_generation(event_id, role, table_id)
        return self._derive(event_id, event["salt"] if event else "", role, table_id, generation)

    def _derive(self, event_id: str, salt: str, role: str, table_id: int | None, generation: int) -> str:
        parts = [event_id, role, table_id or ""] + ([salt] if salt else []) + ([generation] if generation else [])
        return domain.derive_token(self.secret_key, *parts)

    def grant(self, event_id: str, role: str, table_id: int | None, generation: int = 0) -> str:
        """Store the hash of a role's secret link token (inside a transaction); returns the hash."""
        salt = self.store.event(event_id)["salt"]
        token_hash = domain.hash_token(self._derive(event_id, salt, role, table_id, generation))
        self.store.replace_secret(token_hash, event_id, role, table_id, generation)
        return token_hash

    def grant_missing_links(self) -> None:
        """Give events made before a role existed that role's link (the interpreters' since m006,
        the follow-up link since m011)."""
        with self.store.transaction():
            for event in self.store.events():
                for role in (INTERPRETER, FOLLOWER):
                    if not self.store.has_secret(event["id"], role):
                        self.grant(event["id"], role, None)

    def redeem(self, token) -> dict | None:
        """The grant (event_id, role, table_id, hash) behind a secret token, or None."""
        if not isinstance(token, str) or not 16 <= len(token) <= 200:
            return None
        token_hash = domain.hash_token(token)
        grant = self.store.secret(token_hash)
        return {**grant, "hash": token_hash} if grant else None


def result_ack(result: dict) -> dict:
    """A command's ack about a result: the result as its staff see it (JSON fields parsed),
    the same view the change carries."""
    return {"result": views.moderator_result(result)}


class Call:
    """One run of one command: who, on which event, and the shared steps.

    Everything here runs inside the command's transaction.
    """

    def __init__(self, commands: Commands, actor: Actor, event: dict | None):
        self.commands = commands
        self.store = commands.store
        self.actor = actor
        self.event = event

    # -- lookups that refuse what is not the actor's event ----------------------

    def table(self, table_id) -> dict:
        """The table with this id if it belongs to the actor's event, else unknown_table."""
        return self.commands.event_table(self.actor.event_id, table_id)

    def question(self, question_id) -> dict:
        """A question of a table of the actor's event, else unknown_question (unknown_table: another event's)."""
        question = self.store.question(domain.check_int(question_id))
        if question is None:
            raise fail("unknown_question")
        self.table(question["table_id"])
        return question

    def card(self, card_id) -> dict:
        """A card of the actor's event, else unknown_card."""
        card = self.store.card(domain.check_uuid(card_id))
        if card is None or card["event_id"] != self.actor.event_id:
            raise fail("unknown_card")
        return card

    def moderated_card(self, card_id) -> dict:
        """A card the actor may moderate (not withdrawn)."""
        card = self.card(card_id)
        if not self.actor.may_moderate(card["table_id"]):
            raise fail("forbidden")
        if card["status"] == domain.WITHDRAWN:
            raise fail("card_withdrawn")
        return card

    def result(self, result_id) -> dict:
        """A live (not deleted) result of the actor's event, else unknown_result."""
        result = self.store.result(domain.check_uuid(result_id))
        if result is None or result["event_id"] != self.actor.event_id or result["status"] == domain.DELETED:
            raise fail("unknown_result")
        return result

    def moderated_result(self, result_id) -> dict:
        """A result the actor may moderate."""
        result = self.result(result_id)
        if not self.actor.may_moderate(result["table_id"]):
            raise fail("forbidden")
        return result

    def moderated_table(self, payload: dict) -> dict:
        """The table ``payload`` names (a moderator's own when it names none), if the actor moderates it."""
        table = self.table(payload.get("table") if payload.get("table") is not None else self.actor.table_id)
        if not self.actor.may_moderate(table["id"]):
            raise fail("forbidden")
        return table

    def cluster_table(self, payload: dict) -> int:
        """The table a clustering action is for: the moderator's own, or the one the lead names."""
        if self.actor.role == MODERATOR:
            return self.actor.table_id
        if self.actor.role != LEAD:
            raise fail("forbidden")
        return self.table(payload.get("table"))["id"]

    # -- writes, each logged as the row is now -----------------------------------

    def log(self, type_: str, table_id: int | None, data: dict) -> dict:
        """Append a change to the event's log (the next seq)."""
        return self.store.append_change(self.actor.event_id, type_, table_id, data)

    def save_card(self, card_id: str, type_: str, **fields) -> dict:
        """Write fields of a card and log it as it is now."""
        self.store.update_card(card_id, **fields)
        card = self.store.card(card_id)
        return self.log(type_, card["table_id"], {"card": card})

    def save_result(self, result_id: str, type_: str = "result.updated", **fields) -> dict:
        """Write fields of a result and log it as it is now."""
        self.store.update_result(result_id, **fields)
        result = self.store.result(result_id)
        return self.log(type_, result["table_id"], {"result": result})

    def event_change(self, **fields) -> dict:
        """Write run fields of the event and log its whole run state."""
        if fields:
            self.store.update_event(self.actor.event_id, **fields)
        self.event = self.store.event(self.actor.event_id)
        return self.log("event.updated", None, {"event": domain.event_state(self.event)})

    def unchanged_event(self, **ack) -> Result:
        """The ack of a run command that had nothing to change."""
        return Result([], {"event": domain.event_state(self.event), **ack})

    def run_change(self, **fields) -> Result:
        """Write run fields, log them, ack with the new run state."""
        change = self.event_change(**fields)
        return Result([change], {"event": change["event"]})

    def undo_entry(self, table_id: int, label: str, rows: list) -> None:
        """Remember rows as they were before this action, for this device's undo."""
        self.store.push_undo(self.actor.event_id, table_id, undo_key(self.actor), label, rows)


def undo_key(actor: Actor) -> str:
    """Whose actions an undo takes back: this device (its session id)."""
    return actor.participant_id or f"{actor.role}:{actor.table_id or ''}"

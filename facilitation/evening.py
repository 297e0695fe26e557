"""Running the evening: phases, the round timer, moderation mode, dot-voting.

The lead's commands, mixed into Commands (commands.py) so they share its
store, checks and change log. Every change to the run of the evening logs one
``event.updated`` carrying the whole run state (domain.event_state), so a
screen that applies it, or replays it after a reconnect, is exactly up to date.
"""
from __future__ import annotations

import time

from . import domain
from .domain import LEAD, MARKET, PARTICIPANT, PENDING, VISIBLE, Actor, Result, fail
from .domain import payload_dict as _payload


def _number(payload: dict, key: str) -> int:
    low, high = domain.LIMITS[key]
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail("out_of_range", min=low, max=high)
    return value


class EveningCommands:
    """Commands of the run of show (needs self.store and the helpers of Commands)."""

    def _lead_only(self, actor: Actor) -> dict:
        if actor.role != LEAD:
            raise fail("forbidden")
        return self.store.event(actor.event_id)

    def _event_change(self, actor: Actor, **fields) -> list[dict]:
        """Write run fields and log the new run state (inside a transaction)."""
        if fields:
            self.store.update_event(actor.event_id, **fields)
        state = domain.event_state(self.store.event(actor.event_id))
        return [self.store.append_change(actor.event_id, "event.updated", None, {"event": state})]

    def _run(self, actor: Actor, **fields) -> Result:
        with self.store.transaction():
            changes = self._event_change(actor, **fields)
        return Result(changes, {"event": changes[-1]["event"]})

    def configure_event(self, actor: Actor, payload) -> Result:
        """The lead sets how many rounds, how long each, how many dots per person."""
        payload = _payload(payload)
        event = self._lead_only(actor)
        fields = {key: _number(payload, key) for key in domain.LIMITS if key in payload}
        if "dots" in fields and event["voting_open"] and fields["dots"] != event["dots"]:
            raise fail("voting_open")
        if "rounds" in fields and event["current_round"] > fields["rounds"]:
            raise fail("out_of_range", min=event["current_round"], max=domain.LIMITS["rounds"][1])
        return self._run(actor, **fields)

    def set_phase(self, actor: Actor, payload) -> Result:
        """The lead moves the evening to a phase; every screen follows.

        Entering a round sets the timer to the round's length (stopped, the
        lead starts it); entering the market place opens voting; leaving it
        closes voting and stores the ranking with the results.
        """
        payload = _payload(payload)
        event = self._lead_only(actor)
        phase = payload.get("phase")
        if phase not in domain.phases(event["rounds"]):
            raise fail("unknown_phase")
        if phase == event["phase"]:
            return Result([], {"event": domain.event_state(event)})
        fields = {"phase": phase}
        number = domain.round_of(phase)
        if number is not None:
            fields.update(current_round=number, timer_duration=event["round_minutes"] * 60.0,
                          timer_started_at=None, timer_elapsed=0.0)
        with self.store.transaction():
            changes = []
            if phase == MARKET and not event["voting_open"]:
                fields["voting_open"] = 1
            elif phase != MARKET and event["voting_open"]:
                changes += self._store_ranking(actor)
                fields["voting_open"] = 0
            changes += self._event_change(actor, **fields)
        return Result(changes, {"event": changes[-1]["event"]})

    # -- timer: durations in seconds, server clock; clients derive the countdown

    def timer_start(self, actor: Actor, payload=None) -> Result:
        """Start or resume the round timer."""
        event = self._lead_only(actor)
        if event["timer_started_at"] is not None:
            return Result([], {"event": domain.event_state(event)})
        duration = event["timer_duration"] or event["round_minutes"] * 60.0
        return self._run(actor, timer_started_at=time.time(), timer_duration=duration)

    def timer_pause(self, actor: Actor, payload=None) -> Result:
        """Pause the timer, keeping the time already run."""
        event = self._lead_only(actor)
        if event["timer_started_at"] is None:
            return Result([], {"event": domain.event_state(event)})
        elapsed = event["timer_elapsed"] + (time.time() - event["timer_started_at"])
        return self._run(actor, timer_started_at=None, timer_elapsed=elapsed)

    def timer_add(self, actor: Actor, payload) -> Result:
        """Give the round more minutes (also after it ran out)."""
        payload = _payload(payload)
        event = self._lead_only(actor)
        minutes = payload.get("minutes")
        limit = domain.MAX_TIMER_ADD_MINUTES
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= limit:
            raise fail("out_of_range", min=1, max=limit)
        fields = {"timer_duration": event["timer_duration"] + minutes * 60.0}
        if domain.timer_remaining(domain.event_state(event)["timer"], time.time()) == 0 and event["timer_started_at"]:
            # It had run out: count the new minutes from now, not from the old end.
            fields.update(timer_started_at=time.time(), timer_elapsed=0.0, timer_duration=minutes * 60.0)
        return self._run(actor, **fields)

    def timer_stop(self, actor: Actor, payload=None) -> Result:
        """Stop and reset the timer to the round's length."""
        event = self._lead_only(actor)
        return self._run(actor, timer_started_at=None, timer_elapsed=0.0, timer_duration=event["round_minutes"] * 60.0)

    # -- moderation mode ----------------------------------------------------------

    def set_moderation(self, actor: Actor, payload) -> Result:
        """Switch pre- and post-moderation live.

        Back to post-moderation, the cards still waiting in the queues are
        released (shown), so none stays forgotten in a queue nobody watches.
        """
        payload = _payload(payload)
        event = self._lead_only(actor)
        mode = domain.check_choice(payload.get("mode"), domain.MODERATION_MODES, "invalid_payload")
        if mode == event["moderation"]:
            return Result([], {"event": domain.event_state(event)})
        with self.store.transaction():
            changes = []
            if mode == "post":
                for card in self.store.cards(actor.event_id):
                    if card["status"] == PENDING:
                        changes.append(self._save_card(actor, card["id"], "card.shown", status=VISIBLE))
            changes += self._event_change(actor, moderation=mode)
        return Result(changes, {"event": changes[-1]["event"], "released": len(changes) - 1})

    @staticmethod
    def new_card_status(event: dict) -> str:
        """VISIBLE, or PENDING while the event (its row) is pre-moderated."""
        return PENDING if event["moderation"] == "pre" else VISIBLE

    # -- dot-voting -----------------------------------------------------------------

    def open_voting(self, actor: Actor, payload=None) -> Result:
        """Reopen voting (the market place opens it by itself)."""
        event = self._lead_only(actor)
        if event["phase"] != MARKET:
            raise fail("wrong_phase")
        if event["voting_open"]:
            return Result([], {"event": domain.event_state(event)})
        return self._run(actor, voting_open=1)

    def close_voting(self, actor: Actor, payload=None) -> Result:
        """Close voting and store the ranking with the results."""
        event = self._lead_only(actor)
        if not event["voting_open"]:
            return Result([], {"event": domain.event_state(event)})
        with self.store.transaction():
            changes = self._store_ranking(actor) + self._event_change(actor, voting_open=0)
        return Result(changes, {"event": changes[-1]["event"]})

    def _store_ranking(self, actor: Actor) -> list[dict]:
        tallies = self.store.tallies(actor.event_id)
        changes = []
        for result in self.store.results(actor.event_id):
            votes = tallies.get(result["id"], 0)
            if result["votes"] != votes:
                changes.append(self._save_result(actor, result["id"], votes=votes))
        return changes

    def _votable(self, actor: Actor, payload: dict) -> tuple[dict, dict]:
        if actor.role != PARTICIPANT:
            raise fail("forbidden")
        event = self.store.event(actor.event_id)
        if not event["voting_open"]:
            raise fail("voting_closed")
        return event, payload

    def add_vote(self, actor: Actor, payload) -> Result:
        """A participant puts one dot on a result (several on one result are fine).

        The dot's id comes from the phone: a resent dot is counted once.
        """
        event, payload = self._votable(actor, _payload(payload))
        vote_id = domain.check_uuid(payload.get("id"))
        existing = self.store.vote(vote_id)
        if existing is not None:
            if existing["participant_id"] != actor.participant_id:
                raise fail("id_conflict")
            return Result([], {"vote": {"id": vote_id, "result_id": existing["result_id"]}, "duplicate": True})
        result = self._result(actor, payload.get("result"))
        if result["status"] != domain.ACTIVE:
            raise fail("unknown_result")
        with self.store.transaction():
            if len(self.store.votes_of(actor.event_id, actor.participant_id)) >= event["dots"]:
                raise fail("no_dots_left", dots=event["dots"])
            self.store.insert_vote(vote_id, actor.event_id, actor.participant_id, result["id"])
            change = self._tally_change(actor, result["id"])
        return Result([change], {"vote": {"id": vote_id, "result_id": result["id"]}})

    def remove_vote(self, actor: Actor, payload) -> Result:
        """A participant takes one of their dots back (gone already: nothing to do)."""
        _, payload = self._votable(actor, _payload(payload))
        vote_id = domain.check_uuid(payload.get("id"))
        vote = self.store.vote(vote_id)
        if vote is None:
            return Result([], {"vote": {"id": vote_id, "result_id": None}})
        if vote["participant_id"] != actor.participant_id or vote["event_id"] != actor.event_id:
            raise fail("forbidden")
        with self.store.transaction():
            self.store.delete_vote(vote_id)
            change = self._tally_change(actor, vote["result_id"])
        return Result([change], {"vote": {"id": vote_id, "result_id": None}})

    def _tally_change(self, actor: Actor, result_id: str) -> dict:
        """Log a result's new live count: public (no voter), for every screen."""
        tally = {"result_id": result_id, "votes": self.store.tally(result_id)}
        return self.store.append_change(actor.event_id, "vote.tally", None, {"tally": tally})

    # -- the event itself: details for the record, closing and archiving ----------

    def update_event(self, actor: Actor, payload) -> Result:
        """The lead sets the title, date and place that the record's title page shows."""
        payload = _payload(payload)
        self._lead_only(actor)
        fields = {}
        if "title" in payload:
            fields["title"] = domain.check_label(payload["title"])
        for key in ("date", "place"):
            if key in payload:
                fields[key] = domain.check_optional_text(payload[key], domain.MAX_TITLE_LENGTH)
        return self._run(actor, **fields)

    def close_event(self, actor: Actor, payload=None) -> Result:
        """Close the event: read only from now on (voting closes, the ranking is stored)."""
        event = self._lead_only(actor)
        if event["status"] != "open":
            return Result([], {"event": domain.event_state(event)})
        with self.store.transaction():
            changes = self._store_ranking(actor) if event["voting_open"] else []
            changes += self._event_change(actor, status="closed", voting_open=0, timer_started_at=None)
        return Result(changes, {"event": changes[-1]["event"]})

    def archive_event(self, actor: Actor, payload=None) -> Result:
        """Archive a closed event (still read only, marked as done in lists)."""
        event = self._lead_only(actor)
        if event["status"] == "open":
            raise fail("invalid_payload")
        return self._run(actor, status="archived")

    def reopen_event(self, actor: Actor, payload=None) -> Result:
        """Open a closed or archived event again."""
        event = self._lead_only(actor)
        if event["status"] == "open":
            return Result([], {"event": domain.event_state(event)})
        return self._run(actor, status="open")

    def set_wall_mode(self, actor: Actor, payload) -> Result:
        """The lead switches the wall between cards and results."""
        payload = _payload(payload)
        event = self._lead_only(actor)
        mode = domain.check_choice(payload.get("mode"), domain.WALL_MODES, "invalid_payload")
        if event["wall_mode"] == mode:
            return Result([], {"mode": mode, "event": domain.event_state(event)})
        result = self._run(actor, wall_mode=mode)
        return Result(result.changes, {"mode": mode, **result.ack})



"""Dot-voting in the market place: open and close (the lead), add and remove dots (phones)."""
from __future__ import annotations

from .. import domain
from ..domain import LEAD, MARKET, MODERATOR, PARTICIPANT, Result, fail
from .core import Call, command, result_ack


@command("voting:open", roles=(LEAD,))
def open_voting(c: Call, p: dict) -> Result:
    """Reopen voting (the market place opens it by itself)."""
    if c.event["phase"] != MARKET:
        raise fail("wrong_phase")
    if c.event["voting_open"]:
        return c.unchanged_event()
    return c.run_change(voting_open=1)


@command("voting:close", roles=(LEAD,))
def close_voting(c: Call, p: dict) -> Result:
    """Close voting and store the ranking with the results."""
    if not c.event["voting_open"]:
        return c.unchanged_event()
    changes = store_ranking(c) + [c.event_change(voting_open=0)]
    return Result(changes, {"event": changes[-1]["event"]})


def store_ranking(c: Call) -> list[dict]:
    """Write each result's dots into the result (at closing); the changed ones are logged."""
    tallies = c.store.tallies(c.actor.event_id)
    return [
        c.save_result(result["id"], votes=tallies.get(result["id"], 0))
        for result in c.store.results(c.actor.event_id)
        if result["votes"] != tallies.get(result["id"], 0)
    ]


@command("vote:paper", roles=(MODERATOR, LEAD))
def paper_votes(c: Call, p: dict) -> Result:
    """Set the dots counted on paper for a result (people without a phone vote on paper).

    The number is the whole count, not an increment, so sending it twice changes nothing.
    """
    result = c.moderated_result(p.get("result"))
    count = domain.check_number(p.get("votes"), 0, domain.MAX_PAPER_VOTES)
    if result["paper_votes"] == count:
        return Result([], result_ack(result))
    change = c.save_result(result["id"], paper_votes=count)
    return Result([change], result_ack(change["result"]))


def _open_for_votes(c: Call) -> None:
    if not c.event["voting_open"]:
        raise fail("voting_closed")


@command("vote:add", roles=(PARTICIPANT,), limit="dots")
def add_vote(c: Call, p: dict) -> Result:
    """A participant puts one dot on a result (several on one result are fine).

    The dot's id comes from the phone: a resent dot is counted once. The
    limit is checked in the same transaction as the write.
    """
    _open_for_votes(c)
    vote_id = domain.check_uuid(p.get("id"))
    existing = c.store.vote(vote_id)
    if existing is not None:
        if existing["participant_id"] != c.actor.participant_id:
            raise fail("id_conflict")
        return Result([], {"vote": {"id": vote_id, "result_id": existing["result_id"]}, "duplicate": True})
    result = c.result(p.get("result"))
    if result["status"] != domain.ACTIVE:
        raise fail("unknown_result")
    dots = c.event["dots"]
    if len(c.store.votes_of(c.actor.event_id, c.actor.participant_id)) >= dots:
        raise fail("no_dots_left", dots=dots)
    c.store.insert_vote(vote_id, c.actor.event_id, c.actor.participant_id, result["id"])
    return Result([_tally_change(c, result["id"])], {"vote": {"id": vote_id, "result_id": result["id"]}})


@command("vote:remove", roles=(PARTICIPANT,), limit="dots")
def remove_vote(c: Call, p: dict) -> Result:
    """A participant takes one of their dots back (gone already: nothing to do)."""
    _open_for_votes(c)
    vote_id = domain.check_uuid(p.get("id"))
    vote = c.store.vote(vote_id)
    if vote is None:
        return Result([], {"vote": {"id": vote_id, "result_id": None}})
    if vote["participant_id"] != c.actor.participant_id or vote["event_id"] != c.actor.event_id:
        raise fail("forbidden")
    c.store.delete_vote(vote_id)
    return Result([_tally_change(c, vote["result_id"])], {"vote": {"id": vote_id, "result_id": None}})


def _tally_change(c: Call, result_id: str) -> dict:
    """Log a result's new live count: public (no voter), for every screen."""
    tally = {"result_id": result_id, "votes": c.store.tally(result_id)}
    return c.log("vote.tally", None, {"tally": tally})

"""Running the evening (the lead): phases, the round timer, moderation mode, wall mode.

Every change to the run logs one ``event.updated`` carrying the whole run
state (domain.event_state), so a screen that applies it, or replays it after a
reconnect, is exactly up to date.
"""
from __future__ import annotations

import json
import time

from .. import domain
from ..languages import SOURCE, languages
from ..domain import LEAD, MARKET, MODERATOR, PENDING, VISIBLE, Result, fail
from ..holds import check_words
from .cards import show_all
from .core import Call, command
from .voting import store_ranking

LEAD_ONLY = (LEAD,)


@command("event:configure", roles=LEAD_ONLY)
def configure_event(c: Call, p: dict) -> Result:
    """The lead sets how many rounds, how long each, how many dots per person."""
    fields = {key: domain.check_number(p.get(key), *domain.LIMITS[key]) for key in domain.LIMITS if key in p}
    if "languages" in p:
        fields["languages"] = _check_languages(p["languages"])
    for key in ("auto_timer", "private_writing"):
        if key in p:
            if not isinstance(p[key], bool):
                raise fail("invalid_payload")
            fields[key] = int(p[key])
    if "hold_words" in p:
        fields["hold_words"] = check_words(p["hold_words"])
    if "dots" in fields and c.event["voting_open"] and fields["dots"] != c.event["dots"]:
        raise fail("voting_open")
    if "rounds" in fields and c.event["current_round"] > fields["rounds"]:
        raise fail("out_of_range", min=c.event["current_round"], max=domain.LIMITS["rounds"][1])
    return c.run_change(**fields)


def _check_languages(value) -> str:
    """The languages an event offers, as stored: German always among them."""
    if not isinstance(value, list) or not value or len(value) > len(languages()):
        raise fail("invalid_payload")
    chosen = {domain.check_choice(code, languages(), "unknown_language") for code in value} | {SOURCE}
    return json.dumps([code for code in languages() if code in chosen])


@command("phase:set", roles=LEAD_ONLY)
def set_phase(c: Call, p: dict) -> Result:
    """The lead moves the evening to a phase; every screen follows.

    Entering a round sets the timer to the round's length (stopped, the lead
    starts it); entering the market place opens voting; leaving it closes
    voting and stores the ranking with the results.
    """
    event = c.event
    phase = p.get("phase")
    if not isinstance(phase, str) or phase not in domain.phases(event["rounds"]):
        raise fail("unknown_phase")
    if phase == event["phase"]:
        return c.unchanged_event()
    fields = {"phase": phase}
    number = domain.round_of(phase)
    if number is not None:
        fields["current_round"] = number
    minutes = domain.phase_minutes(event, phase)
    if minutes is not None:
        # A timed phase starts its timer with it when the lead wants that (the default).
        fields.update(timer_duration=minutes * 60.0, timer_elapsed=0.0,
                      timer_started_at=time.time() if event["auto_timer"] else None)
    else:
        fields.update(timer_started_at=None, timer_elapsed=0.0, timer_duration=0.0)
    changes = []
    if phase == MARKET and not event["voting_open"]:
        fields["voting_open"] = 1
    elif phase != MARKET and event["voting_open"]:
        changes += store_ranking(c)
        fields["voting_open"] = 0
    changes.append(c.event_change(**fields))
    return Result(changes, {"event": changes[-1]["event"]})


# -- timer: durations in seconds, server clock; clients derive the countdown


def _phase_seconds(event: dict) -> float:
    """The full length of the current phase's timer (a round's length where the phase has none)."""
    return (domain.phase_minutes(event, event["phase"]) or event["round_minutes"]) * 60.0


@command("timer:start", roles=LEAD_ONLY)
def timer_start(c: Call, p: dict) -> Result:
    """Start or resume the phase's timer."""
    if c.event["timer_started_at"] is not None:
        return c.unchanged_event()
    duration = c.event["timer_duration"] or _phase_seconds(c.event)
    return c.run_change(timer_started_at=time.time(), timer_duration=duration)


@command("timer:pause", roles=LEAD_ONLY)
def timer_pause(c: Call, p: dict) -> Result:
    """Pause the timer, keeping the time already run."""
    if c.event["timer_started_at"] is None:
        return c.unchanged_event()
    elapsed = c.event["timer_elapsed"] + (time.time() - c.event["timer_started_at"])
    return c.run_change(timer_started_at=None, timer_elapsed=elapsed)


@command("timer:add", roles=LEAD_ONLY)
def timer_add(c: Call, p: dict) -> Result:
    """Give the round more minutes (also after it ran out)."""
    event = c.event
    minutes = domain.check_number(p.get("minutes"), 1, domain.MAX_TIMER_ADD_MINUTES)
    fields = {"timer_duration": event["timer_duration"] + minutes * 60.0}
    if domain.timer_remaining(domain.event_state(event)["timer"], time.time()) == 0 and event["timer_started_at"]:
        # It had run out: count the new minutes from now, not from the old end.
        fields.update(timer_started_at=time.time(), timer_elapsed=0.0, timer_duration=minutes * 60.0)
    return c.run_change(**fields)


@command("timer:stop", roles=LEAD_ONLY)
def timer_stop(c: Call, p: dict) -> Result:
    """Stop and reset the timer to the phase's length."""
    return c.run_change(timer_started_at=None, timer_elapsed=0.0, timer_duration=_phase_seconds(c.event))


@command("moderation:set", roles=(LEAD, MODERATOR))
def set_moderation(c: Call, p: dict) -> Result:
    """Switch pre- and post-moderation live, for the event (the lead) or one table.

    ``table`` sets that table's own mode ('pre', 'post', or 'event' to follow the
    event again); a moderator sets only their own table's. Cards waiting in the
    queue stay there unless ``queue`` is 'release': switching never publishes
    unreviewed cards by itself, and rejected cards stay rejected.
    """
    queue = p.get("queue", "keep")
    domain.check_choice(queue, ("keep", "release"), "invalid_payload")
    if p.get("table") is not None or c.actor.role == MODERATOR:
        return _set_table_moderation(c, p, queue)
    mode = domain.check_choice(p.get("mode"), domain.MODERATION_MODES, "invalid_payload")
    released = show_all(c, None, PENDING) if queue == "release" and mode == "post" else []
    changes = list(released)
    if mode != c.event["moderation"]:
        changes.append(c.event_change(moderation=mode))
    if not changes:
        return c.unchanged_event(released=0)
    return Result(changes, {"event": domain.event_state(c.event), "released": len(released)})


def _set_table_moderation(c: Call, p: dict, queue: str) -> Result:
    table = c.moderated_table(p)
    mode = domain.check_choice(p.get("mode"), domain.MODERATION_MODES + ("event",), "invalid_payload")
    stored = "" if mode == "event" else mode
    effective = stored or c.event["moderation"]
    released = show_all(c, table["id"], PENDING) if queue == "release" and effective == "post" else []
    changes = list(released)
    if stored != table["moderation"]:
        c.store.set_table_moderation(table["id"], stored)
        changes.append(c.log("table.moderation", None, {"table": c.store.table(table["id"])}))
    return Result(changes, {"table": c.store.table(table["id"]), "released": len(released)})


@command("wall:mode", roles=LEAD_ONLY)
def set_wall_mode(c: Call, p: dict) -> Result:
    """The lead switches the wall between cards and results."""
    mode = domain.check_choice(p.get("mode"), domain.WALL_MODES, "invalid_payload")
    if c.event["wall_mode"] == mode:
        return c.unchanged_event(mode=mode)
    result = c.run_change(wall_mode=mode)
    return Result(result.changes, {"mode": mode, **result.ack})


@command("wall:spotlight", roles=(LEAD, MODERATOR))
def set_spotlight(c: Call, p: dict) -> Result:
    """Put one card or one result on the wall, large, with its table; without ``id``: release it.

    A moderator spotlights only their table's things, and releases only their own spotlight.
    Only what the wall may show anyway can stand in the spotlight: a visible card, a live result.
    """
    current = domain.event_state(c.event)["spotlight"]
    if p.get("id") is None:
        if current and c.actor.role == MODERATOR and current.get("table_id") != c.actor.table_id:
            raise fail("forbidden")
        return c.run_change(spotlight="") if current else c.unchanged_event()
    kind = domain.check_choice(p.get("kind"), ("card", "result"), "invalid_payload")
    if kind == "card":
        thing = c.moderated_card(p.get("id"))
        if thing["status"] != VISIBLE:
            raise fail("not_public")
    else:
        thing = c.moderated_result(p.get("id"))
    spotlight = {"kind": kind, "id": thing["id"], "table_id": thing["table_id"]}
    if current == spotlight:
        return c.unchanged_event()
    return c.run_change(spotlight=json.dumps(spotlight))


@command("wall:focus", roles=LEAD_ONLY)
def set_focus(c: Call, p: dict) -> Result:
    """Show one table full screen on the wall (``table``), or every table again (no ``table``)."""
    table_id = c.table(p.get("table"))["id"] if p.get("table") is not None else None
    if table_id == c.event["focus_table"]:
        return c.unchanged_event()
    return c.run_change(focus_table=table_id)


# -- the event itself: details for the record, closing and archiving ----------


@command("event:update", roles=LEAD_ONLY)
def update_event(c: Call, p: dict) -> Result:
    """The lead sets the title, date and place that the record's title page shows, and where
    the results will be published (the phones show it at the end)."""
    fields = {}
    if "title" in p:
        fields["title"] = domain.check_label(p["title"])
    for key in ("date", "place"):
        if key in p:
            fields[key] = domain.check_optional_text(p[key], domain.MAX_TITLE_LENGTH)
    if "publish_note" in p:
        fields["publish_note"] = domain.check_optional_text(p["publish_note"], domain.MAX_PUBLISH_NOTE_LENGTH)
    return c.run_change(**fields)


@command("event:close", roles=LEAD_ONLY)
def close_event(c: Call, p: dict) -> Result:
    """Close the event: read only from now on (voting closes, the ranking is stored)."""
    changes = store_ranking(c) if c.event["voting_open"] else []
    changes.append(c.event_change(status="closed", voting_open=0, timer_started_at=None))
    return Result(changes, {"event": changes[-1]["event"]})


@command("event:archive", roles=LEAD_ONLY, while_closed=True)
def archive_event(c: Call, p: dict) -> Result:
    """Archive a closed event (still read only, marked as done in lists)."""
    if c.event["status"] == "open":
        raise fail("invalid_payload")
    return c.run_change(status="archived")


@command("event:reopen", roles=LEAD_ONLY, while_closed=True)
def reopen_event(c: Call, p: dict) -> Result:
    """Open a closed or archived event again."""
    if c.event["status"] == "open":
        return c.unchanged_event()
    return c.run_change(status="open")

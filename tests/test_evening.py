"""Running the evening: phases, timer arithmetic, moderation modes, dot-voting."""
from __future__ import annotations

import json
import threading
import uuid

import pytest
from conftest import card_payload, changes, create_event, lead, moderator, participant
from test_commands import refused
from test_results import mod_actor, new_result

from facilitation import commands_of, create_app, domain
from facilitation.domain import Actor


class Clock:
    """A controllable time.time() for the timer."""

    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("time.time", fake)
    return fake


def state(commands, event):
    return domain.event_state(commands.store.event(event["id"]))


def remaining(commands, event, now):
    return domain.timer_remaining(state(commands, event)["timer"], now)


def test_phases_in_order_and_only_the_lead(commands, event):
    assert state(commands, event)["phases"] == ["arrival", "round:1", "round:2", "sorting", "market", "closing"]
    refused("forbidden", commands.run, "phase:set", moderator(event), {"phase": "round:1"})
    refused("forbidden", commands.run, "phase:set", participant(event), {"phase": "round:1"})
    refused("unknown_phase", commands.run, "phase:set", lead(event), {"phase": "round:3"})
    refused("unknown_phase", commands.run, "phase:set", lead(event), {"phase": None})
    change = commands.run("phase:set", lead(event), {"phase": "round:1"}).change
    assert change["type"] == "event.updated" and change["table_id"] is None
    assert change["event"]["phase"] == "round:1" and change["event"]["current_round"] == 1
    assert commands.run("phase:set", lead(event), {"phase": "round:1"}).changes == []


def test_configure_rounds_minutes_dots(commands, event):
    commands.run("event:configure", lead(event), {"rounds": 3, "round_minutes": 15, "dots": 5})
    s = state(commands, event)
    assert (s["rounds"], s["round_minutes"], s["dots"]) == (3, 15, 5)
    assert "round:3" in s["phases"]
    refused("out_of_range", commands.run, "event:configure", lead(event), {"rounds": 0})
    refused("out_of_range", commands.run, "event:configure", lead(event), {"round_minutes": 241})
    refused("out_of_range", commands.run, "event:configure", lead(event), {"dots": "3"})
    refused("forbidden", commands.run, "event:configure", moderator(event), {"dots": 4})
    commands.run("phase:set", lead(event), {"phase": "round:3"})
    refused("out_of_range", commands.run, "event:configure", lead(event), {"rounds": 2})  # already in round 3


def test_timer_arithmetic(commands, event, clock):
    commands.run("event:configure", lead(event), {"round_minutes": 20})
    commands.run("phase:set", lead(event), {"phase": "round:1"})
    assert remaining(commands, event, clock.now) == 1200  # set, not running
    commands.run("timer:start", lead(event))
    clock.now += 300
    assert remaining(commands, event, clock.now) == 900
    commands.run("timer:pause", lead(event))
    clock.now += 1000  # paused: nothing runs
    assert remaining(commands, event, clock.now) == 900
    commands.run("timer:start", lead(event))  # resume
    clock.now += 100
    assert remaining(commands, event, clock.now) == 800
    commands.run("timer:add", lead(event), {"minutes": 5})
    assert remaining(commands, event, clock.now) == 1100
    clock.now += 5000
    assert remaining(commands, event, clock.now) == 0  # ran out, never negative
    commands.run("timer:add", lead(event), {"minutes": 2})  # after the end: two minutes from now
    assert remaining(commands, event, clock.now) == 120
    commands.run("timer:stop", lead(event))
    assert remaining(commands, event, clock.now + 99) == 1200
    refused("out_of_range", commands.run, "timer:add", lead(event), {"minutes": 0})
    refused("out_of_range", commands.run, "timer:add", lead(event), {"minutes": 61})
    refused("forbidden", commands.run, "timer:start", moderator(event))
    assert commands.run("timer:pause", lead(event)).changes == []  # pausing a stopped timer: nothing


def test_timer_survives_a_restart(tmp_path, clock):
    config = {"DATABASE": str(tmp_path / "t.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "s"}
    commands = commands_of(create_app(config))
    event_id = create_event(commands, "gmuend", "Neustart")
    ev = {"id": event_id}
    commands.run("phase:set", Actor("lead", event_id), {"phase": "round:1"})
    commands.run("timer:start", Actor("lead", event_id))
    clock.now += 60
    commands.store.close()
    restarted = commands_of(create_app(config))
    clock.now += 60  # the server was down for a minute: the round went on
    assert remaining(restarted, ev, clock.now) == 20 * 60 - 120


def test_entering_a_round_resets_the_timer_and_tags_cards(commands, event, clock):
    commands.run("phase:set", lead(event), {"phase": "round:1"})
    commands.run("timer:start", lead(event))
    first = card_payload(event)
    commands.run("card:post", participant(event), first)
    clock.now += 600
    commands.run("phase:set", lead(event), {"phase": "round:2"})
    assert remaining(commands, event, clock.now) == 1200
    assert state(commands, event)["timer"]["started_at"] == clock.now  # the round's timer starts with it
    second = card_payload(event)
    commands.run("card:post", participant(event), second)
    assert commands.store.card(first["id"])["round"] == 1
    assert commands.store.card(second["id"])["round"] == 2


def test_timers_start_with_their_phase_unless_the_lead_says_otherwise(commands, event, clock):
    commands.run("event:configure", lead(event), {"sorting_minutes": 10, "market_minutes": 12})
    commands.run("phase:set", lead(event), {"phase": "sorting"})
    assert state(commands, event)["timer"] == {"duration": 600.0, "started_at": clock.now, "elapsed": 0.0}
    commands.run("phase:set", lead(event), {"phase": "market"})
    assert remaining(commands, event, clock.now + 60) == 11 * 60
    commands.run("event:configure", lead(event), {"auto_timer": False})
    commands.run("phase:set", lead(event), {"phase": "round:1"})
    assert state(commands, event)["timer"] == {"duration": 1200.0, "started_at": None, "elapsed": 0.0}
    commands.run("phase:set", lead(event), {"phase": "closing"})
    assert state(commands, event)["timer"]["duration"] == 0.0  # no timer in the closing
    refused("invalid_payload", commands.run, "event:configure", lead(event), {"auto_timer": "yes"})


def test_pre_moderation_queue(clients, commands, event):
    commands.run("moderation:set", lead(event), {"mode": "pre"})
    author, neighbour, wall, mod = clients.phone(), clients.phone(), clients.wall(), clients.moderator()
    for client in (author, neighbour, wall, mod):
        client.get_received()
    payload = card_payload(event, text="Bitte prüfen")
    ack = author.emit("card:post", payload, callback=True)
    assert ack["card"]["status"] == "pending"
    assert changes(mod)[0]["card"]["text"] == "Bitte prüfen"  # in the moderators' queue
    assert changes(wall)[0]["card"] == {"id": payload["id"], "table_id": event["tables"][0], "status": "pending"}
    assert neighbour.emit("sync", {"since": 0}, callback=True)["snapshot"]["cards"] == []
    mine = author.emit("sync", {"since": 0}, callback=True)["snapshot"]["mine"]
    assert mine[0]["status"] == "pending"  # the author sees "waiting for approval"
    mod.emit("card:show", {"id": payload["id"]}, callback=True)  # approve
    assert changes(wall)[-1]["card"]["text"] == "Bitte prüfen"
    # An approved card edited by its author goes back to the queue.
    author.emit("card:edit", {"id": payload["id"], "text": "Jetzt mit Beleidigung"}, callback=True)
    assert commands.store.card(payload["id"])["status"] == "pending"
    assert "text" not in changes(wall)[-1]["card"]


def test_switching_to_post_moderation_keeps_the_queue_unless_the_lead_releases_it(commands, event):
    commands.run("moderation:set", lead(event), {"mode": "pre"})
    waiting = [card_payload(event, table_index=i, text="Eine Beleidigung") for i in range(3)]
    for i, payload in enumerate(waiting):
        commands.run("card:post", participant(event, table_index=i, pid=f"q{i}"), payload)
    rejected = waiting[0]["id"]
    commands.run("card:hide", lead(event), {"id": rejected})
    kept = commands.run("moderation:set", lead(event), {"mode": "post"})
    assert kept.ack["released"] == 0 and [c["type"] for c in kept.changes] == ["event.updated"]
    assert {commands.store.card(p["id"])["status"] for p in waiting[1:]} == {"pending"}  # nothing unreviewed goes out
    released = commands.run("moderation:set", lead(event), {"mode": "post", "queue": "release"})
    assert released.ack["released"] == 2
    assert [c["type"] for c in released.changes] == ["card.shown", "card.shown"]
    assert {commands.store.card(p["id"])["status"] for p in waiting[1:]} == {"visible"}
    assert commands.store.card(rejected)["status"] == "hidden"  # rejected stays rejected
    refused("invalid_payload", commands.run, "moderation:set", lead(event), {"mode": "sometimes"})
    refused("invalid_payload", commands.run, "moderation:set", lead(event), {"mode": "post", "queue": "all"})
    refused("forbidden", commands.run, "moderation:set", moderator(event), {"mode": "pre", "table": event["tables"][1]})


def test_one_table_goes_to_pre_moderation_alone(commands, event):
    heated, calm = event["tables"][0], event["tables"][1]
    commands.run("moderation:set", moderator(event), {"mode": "pre"})  # the table's moderator, own table
    assert commands.store.table(heated)["moderation"] == "pre"
    at_heated, at_calm = card_payload(event, 0), card_payload(event, 1)
    commands.run("card:post", participant(event, 0), at_heated)
    commands.run("card:post", participant(event, 1, pid="p2"), at_calm)
    assert commands.store.card(at_heated["id"])["status"] == "pending"
    assert commands.store.card(at_calm["id"])["status"] == "visible"
    result = commands.run("moderation:set", lead(event), {"mode": "event", "table": heated, "queue": "release"})
    assert result.ack["released"] == 1 and commands.store.table(heated)["moderation"] == ""
    assert commands.store.table(calm)["moderation"] == ""


@pytest.mark.parametrize("text, reason", [
    ("Ruf mich an: 0171 1234567", "phone"), ("Schreib an mia@example.org", "email"),
    ("Mehr unter www.beispiel.de", "url"), ("Der Bürgermeister ist ein Idiot", "word:Idiot"),
])
def test_cards_with_contact_details_or_listed_words_wait_for_a_moderator(commands, event, text, reason):
    payload = card_payload(event, text=text)
    ack = commands.run("card:post", participant(event), payload).ack
    card = commands.store.card(payload["id"])
    assert card["status"] == "pending" and card["hold_reason"] == reason
    assert ack["card"]["status"] == "pending"  # the author sees "wartet auf Freigabe"
    commands.run("card:show", moderator(event), {"id": payload["id"]})
    assert commands.store.card(payload["id"])["hold_reason"] == ""


def test_the_lead_edits_the_list_of_words(commands, event):
    commands.run("event:configure", lead(event), {"hold_words": ["Mist", " mist ", "Quatsch"]})
    assert json.loads(commands.store.event(event["id"])["hold_words"]) == ["Mist", "Quatsch"]
    payload = card_payload(event, text="So ein Quatsch")
    commands.run("card:post", participant(event), payload)
    assert commands.store.card(payload["id"])["hold_reason"] == "word:Quatsch"
    fine = card_payload(event, text="Du Idiot")  # no longer on the list
    commands.run("card:post", participant(event, pid="p9"), fine)
    assert commands.store.card(fine["id"])["status"] == "visible"
    refused("invalid_payload", commands.run, "event:configure", lead(event), {"hold_words": "Mist"})


def vote(commands, event, result_id, pid="v1", vote_id=None):
    payload = {"id": vote_id or str(uuid.uuid4()), "result": result_id}
    commands.run("vote:add", participant(event, pid=pid), payload)
    return payload["id"]


def test_voting_only_in_the_market_place(commands, event):
    result_id = new_result(commands, mod_actor(event))
    refused("voting_closed", commands.run, "vote:add", participant(event), {"id": str(uuid.uuid4()), "result": result_id})
    refused("wrong_phase", commands.run, "voting:open", lead(event))
    commands.run("phase:set", lead(event), {"phase": "market"})
    assert state(commands, event)["voting_open"] is True
    vote(commands, event, result_id)
    commands.run("phase:set", lead(event), {"phase": "closing"})
    assert state(commands, event)["voting_open"] is False
    assert commands.store.result(result_id)["votes"] == 1  # the ranking is stored
    refused("voting_closed", commands.run, "vote:add", participant(event), {"id": str(uuid.uuid4()), "result": result_id})


def test_dot_limits_double_submits_and_taking_back(commands, event):
    first, second = (new_result(commands, mod_actor(event), title=t) for t in ("A", "B"))
    commands.run("phase:set", lead(event), {"phase": "market"})
    dot = vote(commands, event, first)
    vote(commands, event, first, vote_id=dot)  # resent by the outbox: counted once
    vote(commands, event, first)  # several dots on one result are fine
    vote(commands, event, second)
    assert commands.store.tallies(event["id"]) == {first: 2, second: 1}
    err = refused("no_dots_left", commands.run, "vote:add", participant(event, pid="v1"), {"id": str(uuid.uuid4()), "result": second})
    assert "3" in str(err.message)
    commands.run("vote:remove", participant(event, pid="v1"), {"id": dot})
    commands.run("vote:remove", participant(event, pid="v1"), {"id": dot})  # again: nothing happens
    assert commands.store.tallies(event["id"]) == {first: 1, second: 1}
    vote(commands, event, second)
    someone_elses = commands.store.votes_of(event["id"], "v1")[0]["id"]
    refused("forbidden", commands.run, "vote:remove", participant(event, pid="v2"), {"id": someone_elses})
    refused("id_conflict", commands.run, "vote:add", participant(event, pid="v2"), {"id": someone_elses, "result": first})


def test_votes_for_unknown_or_folded_results_are_refused(commands, event):
    commands.run("phase:set", lead(event), {"phase": "market"})
    refused("unknown_result", commands.run, "vote:add", participant(event), {"id": str(uuid.uuid4()), "result": str(uuid.uuid4())})
    refused("invalid_payload", commands.run, "vote:add", participant(event), {"id": "x", "result": str(uuid.uuid4())})
    a = new_result(commands, mod_actor(event, 0))
    b = new_result(commands, mod_actor(event, 1))
    commands.run("result:merge", lead(event), {"source": a, "target": b})
    refused("unknown_result", commands.run, "vote:add", participant(event), {"id": str(uuid.uuid4()), "result": a})
    refused("forbidden", commands.run, "vote:add", moderator(event), {"id": str(uuid.uuid4()), "result": b})
    assert commands.store.tallies(event["id"]) == {}


def test_racing_double_taps_never_exceed_the_dots(commands, event):
    result_id = new_result(commands, mod_actor(event))
    commands.run("phase:set", lead(event), {"phase": "market"})
    outcomes = []

    def tap():
        try:
            vote(commands, event, result_id, pid="fast")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(getattr(exc, "code", repr(exc)))

    threads = [threading.Thread(target=tap) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3 and outcomes.count("no_dots_left") == 7
    assert commands.store.tallies(event["id"]) == {result_id: 3}


def test_tally_changes_name_no_voter_and_reach_every_screen_but_the_phones(clients, commands, event):
    """Phones never show live dots (they show the ranking stored at closing): sending them
    every tally was most of an evening's updates (issue 13)."""
    result_id = new_result(commands, mod_actor(event, 2))
    commands.run("phase:set", lead(event), {"phase": "market"})
    voter, far_phone, wall, tablet, lead_console = (clients.phone(0), clients.phone(4), clients.wall(),
                                                    clients.moderator(0), clients.lead())
    for client in (voter, far_phone, wall, tablet, lead_console):
        client.get_received()
    dot = str(uuid.uuid4())
    ack = voter.emit("vote:add", {"id": dot, "result": result_id}, callback=True)
    assert ack["ok"] and ack["vote"] == {"id": dot, "result_id": result_id}
    for client in (wall, tablet, lead_console):
        [change] = changes(client)
        assert change["type"] == "vote.tally" and change["tally"] == {"result_id": result_id, "votes": 1}
    assert changes(voter) == changes(far_phone) == []
    snap = voter.emit("sync", {"since": 0}, callback=True)["snapshot"]
    assert snap["my_votes"] == [{"id": dot, "result_id": result_id}] and snap["tallies"] == {}
    assert wall.emit("sync", {"since": 0}, callback=True)["snapshot"]["tallies"] == {result_id: 1}
    assert wall.emit("sync", {"since": 0}, callback=True)["snapshot"]["my_votes"] == []


def test_reconnecting_client_resyncs_phase_timer_and_votes(clients, commands, event, clock):
    result_id = new_result(commands, mod_actor(event))
    wall = clients.wall()
    since = wall.emit("sync", {"since": 0}, callback=True)["seq"]
    commands.run("phase:set", lead(event), {"phase": "round:1"})
    commands.run("timer:start", lead(event))
    commands.run("phase:set", lead(event), {"phase": "market"})
    vote(commands, event, result_id)
    replay = wall.emit("sync", {"since": since}, callback=True)
    events = [c["event"] for c in replay["changes"] if c["type"] == "event.updated"]
    assert events[-1]["phase"] == "market" and events[-1]["voting_open"] is True
    assert [c["tally"]["votes"] for c in replay["changes"] if c["type"] == "vote.tally"] == [1]
    assert replay["now"] == clock.now


def test_a_later_round_tells_phones_how_many_are_at_each_table(clients, event):
    lead_client = clients.lead()
    phone = clients.phone(0)
    others = [clients.phone(1), clients.phone(1)]
    lead_client.emit("phase:set", {"phase": "round:1"}, callback=True)
    assert not [m for m in phone.get_received() if m["name"] == "occupancy"]  # round 1: nobody changes tables
    lead_client.emit("phase:set", {"phase": "round:2"}, callback=True)
    [message] = [m for m in phone.get_received() if m["name"] == "occupancy"]
    counts = message["args"][0]
    t0, t1, t2 = (str(t) for t in event["tables"][:3])
    assert counts[t0] == 1 and counts[t1] == 2 and counts[t2] == 0
    assert len(others) == 2


def test_reactions_count_once_per_phone_and_never_the_authors_own(commands, event):
    card = card_payload(event)
    commands.run("card:post", participant(event, pid="author"), card)
    for _ in range(3):
        commands.run("card:react", participant(event, pid="neighbour"), {"id": card["id"]})
    commands.run("card:react", participant(event, pid="third"), {"id": card["id"]})
    assert commands.store.card(card["id"])["reactions"] == 2
    commands.run("card:react", participant(event, pid="third"), {"id": card["id"], "on": False})
    assert commands.store.card(card["id"])["reactions"] == 1
    refused("own_card", commands.run, "card:react", participant(event, pid="author"), {"id": card["id"]})
    refused("unknown_card", commands.run, "card:react", participant(event, 1, pid="elsewhere"), {"id": card["id"]})
    commands.run("card:hide", lead(event), {"id": card["id"]})
    refused("unknown_card", commands.run, "card:react", participant(event, pid="late"), {"id": card["id"]})


def test_spotlight_and_table_focus(commands, event):
    card, hidden = card_payload(event), card_payload(event, text="Weg damit")
    commands.run("card:post", participant(event), card)
    commands.run("card:post", participant(event, pid="p2"), hidden)
    commands.run("card:hide", lead(event), {"id": hidden["id"]})
    commands.run("wall:spotlight", moderator(event), {"kind": "card", "id": card["id"]})
    assert state(commands, event)["spotlight"] == {"kind": "card", "id": card["id"], "table_id": event["tables"][0]}
    refused("not_public", commands.run, "wall:spotlight", moderator(event), {"kind": "card", "id": hidden["id"]})
    refused("forbidden", commands.run, "wall:spotlight", moderator(event, 1), {"kind": "card", "id": card["id"]})
    refused("forbidden", commands.run, "wall:spotlight", moderator(event, 1), {})  # not theirs to release
    commands.run("wall:spotlight", lead(event), {})
    assert state(commands, event)["spotlight"] is None
    commands.run("wall:focus", lead(event), {"table": event["tables"][2]})
    assert state(commands, event)["focus_table"] == event["tables"][2]
    commands.run("wall:focus", lead(event), {})
    assert state(commands, event)["focus_table"] is None
    refused("forbidden", commands.run, "wall:focus", moderator(event), {"table": event["tables"][0]})

"""Each command, each role refusal and each bad input, straight through commands.py."""
from __future__ import annotations

import uuid

import pytest
from conftest import card_payload, create_event, lead, moderator, participant

from facilitation import views
from facilitation.commands.core import RateLimiter
from facilitation.domain import hash_token, MAX_CARD_LENGTH, MAX_NAME_LENGTH, WALL, Actor, CommandError


def refused(code, fn, *args):
    with pytest.raises(CommandError) as info:
        fn(*args)
    assert info.value.code == code
    assert str(info.value.message)  # a readable message, never empty
    return info.value


def count_rows(commands, table):
    return commands.store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_posted_card_takes_few_statements(commands, event):
    """The card path talks to SQLite straight: sqlite_utils wrapped every read in a savepoint
    and looked the table up before every insert (26 statements a card; issue 13)."""
    commands.run("card:post", participant(event), card_payload(event))  # warm: the event's first card
    statements = []
    commands.store.db.conn.set_trace_callback(statements.append)
    try:
        commands.run("card:post", participant(event), card_payload(event, text="Noch eine Bank"))
    finally:
        commands.store.db.conn.set_trace_callback(None)
    assert not [s for s in statements if "SAVEPOINT" in s or "sqlite_master" in s], statements
    assert len(statements) <= 14, statements


def test_post_stores_card_and_logs_change(commands, event):
    payload = card_payload(event, name="Ayşe")
    result = commands.run("card:post", participant(event), payload)
    card = commands.store.card(payload["id"])
    assert card["text"] == "Mehr Bänke am Marktplatz"
    assert card["name"] == "Ayşe"
    assert card["status"] == "visible"
    assert result.change["seq"] == 1 and result.change["type"] == "card.posted"
    assert "author_id" not in result.ack["card"]
    logged = commands.store.changes_since(event["id"], 0, 10)[0]
    assert (logged["ref_kind"], logged["ref_id"]) == ("card", payload["id"])


def test_posting_same_id_twice_stores_one_card(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    again = commands.run("card:post", participant(event), payload)
    assert again.change is None and again.ack["duplicate"] is True
    assert count_rows(commands, "cards") == 1
    assert commands.store.last_seq(event["id"]) == 1


def test_same_id_from_another_participant_is_a_conflict(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event, pid="p1"), payload)
    refused("id_conflict", commands.run, "card:post", participant(event, pid="p2"), payload)
    assert commands.store.card(payload["id"])["author_id"] == "p1"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"text": ""}, "empty_text"),
        ({"text": "   \n\t "}, "empty_text"),
        ({"text": "x" * (MAX_CARD_LENGTH + 1)}, "text_too_long"),
        ({"name": "n" * (MAX_NAME_LENGTH + 1)}, "name_too_long"),
        ({"text": None}, "invalid_payload"),
        ({"text": ["a"]}, "invalid_payload"),
        ({"id": "not-a-uuid"}, "invalid_payload"),
        ({"id": None}, "invalid_payload"),
        ({"question": "eins"}, "invalid_payload"),
        ({"question": True}, "invalid_payload"),
        ({"question": 99999}, "unknown_question"),
    ],
)
def test_bad_card_input_is_refused_and_nothing_stored(commands, event, change, code):
    payload = {**card_payload(event), **change}
    refused(code, commands.run, "card:post", participant(event), payload)
    assert count_rows(commands, "cards") == 0
    assert count_rows(commands, "changes") == 0


@pytest.mark.parametrize("payload", [None, "text", 42, ["a"], {}])
def test_malformed_payloads_are_refused(commands, event, payload):
    refused("invalid_payload", commands.run, "card:post", participant(event), payload)


def test_question_of_another_table_is_refused(commands, event):
    other_question = event["questions"][event["tables"][1]][0]
    payload = {**card_payload(event), "question": other_question}
    refused("unknown_question", commands.run, "card:post", participant(event), payload)


def test_text_at_the_limit_is_accepted_and_html_kept_as_text(commands, event):
    text = "<script>alert(1)</script>" + "ä" * (MAX_CARD_LENGTH - 25)
    payload = card_payload(event, text=text)
    commands.run("card:post", participant(event), payload)
    assert commands.store.card(payload["id"])["text"] == text


def test_text_is_normalised(commands, event):
    payload = card_payload(event, text="  Zeile\x00 eins\r\n\n\n\nZeile zwei  ")
    commands.run("card:post", participant(event), payload)
    assert commands.store.card(payload["id"])["text"] == "Zeile eins\n\nZeile zwei"


def test_only_participants_post(commands, event):
    for actor in (moderator(event), lead(event), Actor(WALL, event["id"])):
        refused("forbidden", commands.run, "card:post", actor, card_payload(event))


def test_author_edits_own_card(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    result = commands.run("card:edit", participant(event), {"id": payload["id"], "text": "Neu", "name": "Ali"})
    card = commands.store.card(payload["id"])
    assert (card["text"], card["name"], card["version"]) == ("Neu", "Ali", 2)
    assert result.change["type"] == "card.edited"


def test_unchanged_edit_logs_nothing(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    assert commands.run("card:edit", participant(event), {"id": payload["id"], "text": payload["text"]}).change is None
    assert commands.store.last_seq(event["id"]) == 1


def test_participant_cannot_edit_or_withdraw_others_cards(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event, pid="p1"), payload)
    other = participant(event, pid="p2")
    refused("forbidden", commands.run, "card:edit", other, {"id": payload["id"], "text": "gekapert"})
    refused("forbidden", commands.run, "card:withdraw", other, {"id": payload["id"]})
    refused("forbidden", commands.run, "card:hide", other, {"id": payload["id"]})
    assert commands.store.card(payload["id"])["text"] == payload["text"]


def test_withdraw_removes_card_for_everyone_and_is_idempotent(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    result = commands.run("card:withdraw", participant(event), {"id": payload["id"]})
    assert result.change["type"] == "card.withdrawn"
    assert commands.run("card:withdraw", participant(event), {"id": payload["id"]}).change is None
    refused("card_withdrawn", commands.run, "card:edit", participant(event), {"id": payload["id"], "text": "x"})
    refused("card_withdrawn", commands.run, "card:hide", moderator(event), {"id": payload["id"]})
    snapshot = views.snapshot(commands.store, moderator(event))
    assert snapshot["cards"] == []


def test_moderator_hides_shows_and_corrects(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    mod = moderator(event)
    assert commands.run("card:hide", mod, {"id": payload["id"]}).change["type"] == "card.hidden"
    assert commands.run("card:hide", mod, {"id": payload["id"]}).change is None
    assert commands.store.card(payload["id"])["status"] == "hidden"
    assert commands.run("card:show", mod, {"id": payload["id"]}).change["type"] == "card.shown"
    commands.run("card:edit", mod, {"id": payload["id"], "text": "Korrigiert"})
    card = commands.store.card(payload["id"])
    assert (card["status"], card["text"]) == ("visible", "Korrigiert")


def test_moderator_of_another_table_is_refused(commands, event):
    payload = card_payload(event)
    commands.run("card:post", participant(event), payload)
    other_mod = moderator(event, table_index=1)
    refused("forbidden", commands.run, "card:hide", other_mod, {"id": payload["id"]})
    refused("forbidden", commands.run, "card:edit", other_mod, {"id": payload["id"], "text": "x"})
    assert commands.store.card(payload["id"])["status"] == "visible"


def test_lead_moderates_every_table_and_wall_nothing(commands, event):
    payload = card_payload(event, table_index=2)
    commands.run("card:post", participant(event, table_index=2), payload)
    assert commands.run("card:hide", lead(event), {"id": payload["id"]}).change is not None
    refused("forbidden", commands.run, "card:show", Actor(WALL, event["id"]), {"id": payload["id"]})


def test_unknown_card_and_card_of_other_event(commands, event):
    refused("unknown_card", commands.run, "card:hide", moderator(event), {"id": str(uuid.uuid4())})
    other_event = create_event(commands, "gmuend", "Anderes")
    other_table = commands.store.tables(other_event)[0]
    other_question = commands.store.questions(other_event)[0]
    payload = {"id": str(uuid.uuid4()), "question": other_question["id"], "text": "Fremd"}
    commands.run("card:post", Actor("participant", other_event, other_table["id"], "p9"), payload)
    refused("unknown_card", commands.run, "card:hide", lead(event), {"id": payload["id"]})


def test_lead_renames_table_and_edits_question(commands, event):
    table = event["tables"][0]
    result = commands.run("table:rename", lead(event), {"table": table, "name": "Wohnen"})
    assert result.change["type"] == "table.renamed" and result.change["table_id"] is None
    assert commands.store.table(table)["name"] == "Wohnen"
    question = event["questions"][table][0]
    commands.run("question:edit", lead(event), {"question": question, "text": "Was gelingt?"})
    assert commands.store.question(question)["text"] == "Was gelingt?"


def test_only_the_lead_renames_and_edits_questions(commands, event):
    table = event["tables"][0]
    refused("forbidden", commands.run, "table:rename", moderator(event), {"table": table, "name": "x"})
    refused("forbidden", commands.run, "question:edit", participant(event), {"question": 1, "text": "x"})
    refused("title_empty", commands.run, "table:rename", lead(event), {"table": table, "name": "  "})
    refused("unknown_table", commands.run, "table:rename", lead(event), {"table": 424242, "name": "x"})
    refused("unknown_question", commands.run, "question:edit", lead(event), {"question": 424242, "text": "x"})


def test_rate_limit_is_per_participant(commands, event):
    commands.limiters["cards"] = RateLimiter(limit=2)
    for _ in range(2):
        commands.run("card:post", participant(event, pid="fast"), card_payload(event))
    refused("rate_limited", commands.run, "card:post", participant(event, pid="fast"), card_payload(event))
    commands.run("card:post", participant(event, pid="other"), card_payload(event))


def test_rate_limiter_window_slides():
    limiter = RateLimiter(limit=1, window=10)
    assert limiter.allow("a", now=0)
    assert not limiter.allow("a", now=5)
    assert limiter.allow("a", now=10.5)


def test_create_event_from_template(commands):
    event_id = create_event(commands, "gmuend", "Gmünd 2026")
    names = [t["name"] for t in commands.store.tables(event_id)]
    assert names == ["Bauen & Wohnen", "Ehrenamt & Beteiligung", "Arbeit", "Frauen", "Bildung & Ausbildung"]
    texts = {q["text"] for q in commands.store.questions(event_id)}
    assert texts == {"Was läuft gut?", "Was muss verbessert werden?", "Was braucht es?"}
    refused("unknown_template", create_event, commands, "nope", "x")
    refused("title_empty", create_event, commands, "gmuend", "")


def test_database_stores_only_token_hashes(commands, event):
    token = commands.token(event["id"], "lead")
    assert len(token) * 4 >= 128
    dump = "\n".join(commands.store.db.iterdump())
    assert token not in dump
    assert commands.redeem(token) == {"event_id": event["id"], "role": "lead", "table_id": None, "hash": hash_token(token)}
    assert commands.redeem(token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1") is None

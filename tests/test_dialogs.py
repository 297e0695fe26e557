"""The dialogue as a process: events of any shape, templates saved from an event, a
follow-up event from a Runder Tisch, and a Dialog that groups events."""
from __future__ import annotations

import uuid

import pytest
from conftest import card_payload, lead, moderator, participant
from test_commands import refused

from facilitation import domain
from facilitation.domain import LEAD, Actor


def create(commands, actor, **payload):
    return commands.run("event:create", actor, {"template": "blank", "title": "Neu", **payload}).ack


def shape(commands, event_id):
    questions = commands.store.questions(event_id)
    return [(t["name"], [q["text"] for q in questions if q["table_id"] == t["id"]]) for t in commands.store.tables(event_id)]


@pytest.mark.parametrize("count", [1, 30])
def test_an_event_has_one_to_thirty_tables(commands, event, count):
    new = create(commands, lead(event), table_count=count)["event_id"]
    assert len(commands.store.tables(new)) == count


@pytest.mark.parametrize("payload, code", [
    ({"table_count": 0}, "table_count"), ({"table_count": 31}, "table_count"), ({"tables": []}, "table_count"),
    ({"questions": []}, "question_count"), ({"questions": ["?"] * 6}, "question_count"),
])
def test_shapes_outside_the_limits_are_refused(commands, event, payload, code):
    before = len(commands.store.events())
    refused(code, lambda: create(commands, lead(event), **payload))
    assert len(commands.store.events()) == before


def test_questions_and_table_names_of_ones_own(commands, event):
    new = create(commands, lead(event), tables=["Jugend", "Senioren"], questions=["Was fehlt?", "Wer hilft?"])["event_id"]
    assert shape(commands, new) == [("Jugend", ["Was fehlt?", "Wer hilft?"]), ("Senioren", ["Was fehlt?", "Wer hilft?"])]


def test_an_event_saved_as_a_template_gives_the_next_event_its_shape(commands, event):
    t0 = event["tables"][0]
    commands.run("table:rename", lead(event), {"table": t0, "name": "Wohnen im Quartier"})
    commands.run("text:translate", lead(event), {"kind": "table", "id": t0, "lang": "ar", "text": "السكن في الحي"})
    commands.run("event:configure", lead(event), {"rounds": 3, "dots": 5, "languages": ["ar", "uk"]})
    commands.run("actors:set", lead(event), {"actors": ["Stadtwerke", "Jobcenter"]})
    saved = commands.run("template:save", lead(event), {"name": "Gmünder Abend"}).ack["template"]
    assert [t["name"] for t in commands.store.saved_templates()] == ["Gmünder Abend"]
    new = create(commands, lead(event), template=saved)["event_id"]
    assert shape(commands, new) == shape(commands, event["id"])
    new_event = commands.store.event(new)
    assert (new_event["rounds"], new_event["dots"]) == (3, 5)
    assert domain.event_languages(new_event) == domain.event_languages(commands.store.event(event["id"]))
    assert domain.event_actors(new_event) == ["Stadtwerke", "Jobcenter"]
    from facilitation import views
    assert views.i18n(commands.store.tables(new)[0]) == {"ar": "السكن في الحي"}
    assert commands.store.cards(new) == [] and commands.store.results(new) == []
    refused("unknown_template", lambda: create(commands, lead(event), template="saved:nope"))
    # With a number of tables of its own, each table gets the template's questions (this crashed once).
    fewer = create(commands, lead(event), template=saved, table_count=2)["event_id"]
    assert shape(commands, fewer) == [(f"Tisch {n}", shape(commands, event["id"])[0][1]) for n in (1, 2)]


def round_table(commands, event, kind="round_table"):
    card = card_payload(event, text="Vereine brauchen Räume am Abend")
    commands.run("card:post", participant(event), card)
    result = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": result, "kind": kind, "title": "Runder Tisch Vereinsräume",
                                                     "description": "Stadt, Schulen und Vereine", "cards": [card["id"]]})
    return result


def test_a_round_table_starts_a_follow_up_event_in_the_same_dialog(commands, event):
    result = round_table(commands, event)
    ack = create(commands, lead(event), title="", follow_of=result, dialog="same")
    new = commands.store.event(ack["event_id"])
    assert new["title"] == "Runder Tisch Vereinsräume"
    background = domain.method_of(new)["background"]
    assert "Stadt, Schulen und Vereine" in background and "– Vereine brauchen Räume am Abend" in background
    assert new["dialog_id"] == commands.store.event(event["id"])["dialog_id"] == ack["dialog"]
    assert [e["id"] for e in commands.store.dialog_events(ack["dialog"])] == [event["id"], new["id"]]
    # A second follow-up joins the same Dialog, it does not make another.
    again = create(commands, lead(event), title="Frauendialog", dialog="same")
    assert again["dialog"] == ack["dialog"]


def test_a_follow_up_event_needs_a_round_table_of_ones_own_event(commands, event):
    other = round_table(commands, event, kind="solution")
    refused("not_round_table", lambda: create(commands, lead(event), follow_of=other))
    elsewhere = create(commands, Actor("admin", ""), template="gmuend", title="Anderswo", id="anderswo")["event_id"]
    refused("unknown_result", lambda: create(commands, Actor(LEAD, elsewhere), follow_of=round_table(commands, event)))
    refused("unknown_dialog", lambda: create(commands, lead(event), dialog="someone-elses"))


def test_the_command_line_creates_events_of_any_shape(app, commands):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["event", "create", "--template", "blank", "--title", "Frauendialog", "--id", "frauen",
                               "--tables", "3", "--question", "Was brauchen Sie?", "--question", "Wer hilft?"])
    assert done.exit_code == 0, done.output
    assert shape(commands, "frauen") == [(f"Tisch {n}", ["Was brauchen Sie?", "Wer hilft?"]) for n in (1, 2, 3)]
    bad = runner.invoke(args=["event", "create", "--title", "Zu groß", "--tables", "31"])
    assert bad.exit_code != 0 and "1 bis 30 Tische" in bad.output


def test_the_dialog_page_shows_every_event_and_the_combined_record_is_a_leads(app, commands, event):
    result = round_table(commands, event)
    commands.run("result:follow", lead(event), {"id": result, "progress": "in_progress"})
    ack = create(commands, lead(event), title="Frauendialog", dialog="same")
    http = app.test_client()
    page = http.get(f"/d/{ack['dialog']}").get_data(as_text=True)
    assert "Bürgerdialog Test" in page and "Frauendialog" in page and "Runder Tisch Vereinsräume" in page
    assert "in Arbeit" in page
    assert http.get(f"/d/{ack['dialog']}/record").status_code == 403
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    record = http.get(f"/d/{ack['dialog']}/record").get_data(as_text=True)
    assert record.count("Wer macht was bis wann") == 2
    assert http.get("/d/nope").status_code == 404


def test_topic_tags_filter_the_record(app, commands, event):
    from facilitation import record as records

    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": a, "kind": "solution", "title": "Sprachcafé"})
    commands.run("result:create", moderator(event), {"id": b, "kind": "solution", "title": "Sichere Schulwege"})
    commands.run("result:update", lead(event), {"id": a, "tags": ["lernen", "gemeinschaft"]})
    commands.run("result:update", lead(event), {"id": b, "tags": ["sicherheit"]})
    assert commands.store.result(a)["tags"] == '["gemeinschaft", "lernen"]'  # the map's order
    refused("forbidden", commands.run, "result:update", moderator(event), {"id": b, "tags": []})
    refused("unknown_topic", commands.run, "result:update", lead(event), {"id": b, "tags": ["Verkehr"]})
    record = records.build_record(commands.store, event["id"], topic="lernen")
    assert [r["title"] for r in record["who_does_what"]] == ["Sprachcafé"]
    assert record["topic"] == "Lernen"
    assert ["Themen", "Gemeinschaft, Lernen"] in record["tables"][0]["results"][0]["facts"]
    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    page = http.get(f"/e/{event['id']}/lead/record?topic=sicherheit").get_data(as_text=True)
    assert "Sichere Schulwege" in page and "Sprachcafé" not in page
    assert http.get(f"/e/{event['id']}/lead/record?topic=nope").status_code == 404


def test_a_saved_template_is_its_dialogues_not_every_leads(app, commands, event):
    """Issue 23: saved templates were global; a lead of one event saw and used another
    event's. They belong to the dialogue (or the event) that saved them; the admin's are
    for everyone."""
    from conftest import create_event

    saved = commands.run("template:save", lead(event), {"name": "Nur unser Abend"}).ack["template"]
    same = create(commands, lead(event), dialog="same")["event_id"]  # the event's dialogue, made now
    stranger = {"id": create_event(commands, "gmuend", "Anderer Ort")}
    refused("unknown_template", lambda: create(commands, lead(stranger), template=saved))
    http = app.test_client()
    http.get(f"/e/{stranger['id']}/lead?k={commands.token(stranger['id'], LEAD)}")
    assert "Nur unser Abend" not in http.get(f"/e/{stranger['id']}/lead").get_data(as_text=True)
    # Saved before the dialogue existed: the event's own; saved in the dialogue: for all of it.
    create(commands, lead(event), template=saved)
    in_dialog = commands.run("template:save", lead({"id": same}), {"name": "Für den Dialog"}).ack["template"]
    assert create(commands, lead(event), template=in_dialog)["event_id"]
    refused("unknown_template", lambda: create(commands, lead(stranger), template=in_dialog))
    mine = app.test_client()
    mine.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], LEAD)}")
    console = mine.get(f"/e/{event['id']}/lead").get_data(as_text=True)
    assert "Nur unser Abend" in console and "Für den Dialog" in console

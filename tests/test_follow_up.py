"""After the evening: the follow-up goes on when the evening is frozen, and the public
results page (and its feed) is where the join link and the table QR codes lead then."""
from __future__ import annotations

import uuid
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest
from conftest import KEEP_UNTIL, KEEP_UNTIL_DE, card_payload, lead, moderator, participant
from test_commands import refused

from facilitation import domain


@pytest.fixture
def closed(commands, event):
    """The demo event with one result holding one card (and a contact), then closed."""
    card = card_payload(event, text="Mehr Sitzbänke am Marktplatz")
    commands.run("card:post", participant(event), card)
    result = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": result, "kind": "project_idea", "title": "Sitzbänke",
                                                     "cards": [card["id"]], "contact": "Frau K., 0171 1234567"})
    commands.run("vote:paper", moderator(event), {"result": result, "votes": 3})
    commands.run("event:close", lead(event), {})
    return {**event, "result": result, "card": card["id"]}


def test_closing_freezes_the_evening_but_not_the_follow_up(commands, closed):
    r = closed["result"]
    refused("event_closed", commands.run, "result:update", lead(closed), {"id": r, "title": "Anders"})
    refused("event_closed", commands.run, "card:edit", lead(closed), {"id": closed["card"], "text": "Anders"})
    commands.run("result:follow", lead(closed), {"id": r, "responsible": "Kommunalverwaltung", "due": "2027-03-31",
                                                 "progress": "in_progress"})
    news_id = str(uuid.uuid4())
    commands.run("news:add", lead(closed), {"result": r, "id": news_id, "text": "Zwei Bänke sind bestellt."})
    commands.run("news:add", lead(closed), {"result": r, "id": news_id, "text": "Zwei Bänke sind bestellt."})  # once
    row = commands.store.result(r)
    assert (row["responsible"], row["due"], row["progress"]) == ("Kommunalverwaltung", "2027-03-31", "in_progress")
    assert [n["text"] for n in domain_news(row)] == ["Zwei Bänke sind bestellt."]
    commands.run("news:remove", lead(closed), {"result": r, "id": news_id})
    assert domain_news(commands.store.result(r)) == []
    refused("unknown_news", commands.run, "news:remove", lead(closed), {"result": r, "id": news_id})


def domain_news(row):
    from facilitation import views

    return views.news(row)


@pytest.mark.parametrize("payload, code", [
    ({"responsible": "Irgendwer"}, "unknown_actor"),
    ({"progress": "fertig"}, "unknown_progress"),
    ({"due": "31.03.2027"}, "bad_date"),
    ({"due": "2027-02-30"}, "bad_date"),
    ({"due": "２０２７-０３-３１"}, "bad_date"),
    ({"progress": "not_feasible"}, "reason_needed"),
    ({"progress": "not_feasible", "reason": "   "}, "reason_needed"),
])
def test_follow_up_refuses_what_does_not_fit(commands, closed, payload, code):
    before = commands.store.result(closed["result"])
    refused(code, commands.run, "result:follow", lead(closed), {"id": closed["result"], **payload})
    assert commands.store.result(closed["result"]) == before


def test_only_the_lead_follows_up(commands, closed):
    for actor in (moderator(closed), participant(closed)):
        refused("forbidden", commands.run, "result:follow", actor, {"id": closed["result"], "progress": "done"})
        refused("forbidden", commands.run, "news:add", actor, {"result": closed["result"], "id": str(uuid.uuid4()), "text": "x"})
    refused("empty_text", commands.run, "news:add", lead(closed), {"result": closed["result"], "id": str(uuid.uuid4()), "text": " "})


def test_the_actor_list_starts_from_the_seed_and_is_the_events_own(commands, closed):
    assert commands.store.event(closed["id"])["actors"] == ""
    assert domain.event_actors(commands.store.event(closed["id"]))[:3] == ["Kommunalverwaltung", "Kommunalpolitik", "Landkreis"]
    commands.run("result:follow", lead(closed), {"id": closed["result"], "responsible": "Jobcenter"})
    ack = commands.run("actors:set", lead(closed), {"actors": ["Bürgerverein Hardt", " Bürgerverein  Hardt ", "Stadtwerke"]}).ack
    assert ack["event"]["actors"] == ["Bürgerverein Hardt", "Stadtwerke"]
    # Someone named before the list changed stays; a new name must be on the list.
    commands.run("result:follow", lead(closed), {"id": closed["result"], "responsible": "Jobcenter", "due": "2027-01-15"})
    refused("unknown_actor", commands.run, "result:follow", lead(closed), {"id": closed["result"], "responsible": "Schulen"})
    refused("too_many", commands.run, "actors:set", lead(closed), {"actors": [f"A{i}" for i in range(domain.MAX_ACTORS + 1)]})


def test_after_closing_the_join_link_and_table_qr_lead_to_the_results(app, commands, closed):
    http = app.test_client()
    join = http.get(f"/e/{closed['id']}?lang=ar")
    assert join.status_code == 303 and join.headers["Location"].endswith(f"/e/{closed['id']}/results?lang=ar")
    table = http.get(f"/e/{closed['id']}/t/{closed['tables'][0]}")
    assert table.status_code == 303 and table.headers["Location"].endswith(f"/results#table-{closed['tables'][0]}")


def test_the_results_page_shows_progress_news_and_ranking_without_contacts(app, commands, closed):
    r = closed["result"]
    commands.run("result:follow", lead(closed), {"id": r, "responsible": "Kommunalverwaltung", "due": "2027-03-31",
                                                 "progress": "not_feasible", "reason": "Der Platz ist denkmalgeschützt."})
    commands.run("news:add", lead(closed), {"result": r, "id": str(uuid.uuid4()), "text": "Gespräch mit dem Denkmalamt"})
    page = app.test_client().get(f"/e/{closed['id']}/results").get_data(as_text=True)
    for text in ("Was aus dem Dialog wurde", "Sitzbänke", "nicht umsetzbar", "Kommunalverwaltung", "31.03.2027",
                 "Der Platz ist denkmalgeschützt.", "Gespräch mit dem Denkmalamt", f'id="table-{closed["tables"][0]}"',
                 "Rangliste", "3 Punkte"):
        assert text in page, text
    assert "0171 1234567" not in page and "Frau K." not in page


def test_the_feed_carries_every_piece_of_news(app, commands, closed):
    r = closed["result"]
    for text in ("Angebot eingeholt", "Bänke bestellt"):
        commands.run("news:add", lead(closed), {"result": r, "id": str(uuid.uuid4()), "text": text})
    response = app.test_client().get(f"/e/{closed['id']}/results.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.find("a:content", ns).text for e in entries] == ["Bänke bestellt", "Angebot eingeholt"]
    assert entries[0].find("a:title", ns).text == "Sitzbänke (offen)"
    assert all(e.find("a:id", ns).text.startswith("urn:uuid:") for e in entries)
    assert "0171 1234567".encode() not in response.data and b"Frau K." not in response.data  # a random uuid may hold "0171"


def test_result_acks_carry_the_view_a_screen_draws_not_the_raw_row(commands, event):
    """The lead board drew from an ack whose news was still a JSON string, and the whole board
    vanished (a script error): every result ack now carries the staff view."""
    result = str(uuid.uuid4())
    acks = [commands.run("result:create", moderator(event), {"id": result, "kind": "solution", "title": "Bänke"}).ack,
            commands.run("result:update", lead(event), {"id": result, "addressee": "kommune"}).ack,
            commands.run("vote:paper", moderator(event), {"result": result, "votes": 2}).ack]
    for ack in acks:
        assert ack["result"]["news"] == [] and ack["result"]["i18n"] == {}
        assert "event_id" not in ack["result"]


def test_the_follow_up_link_may_follow_up_and_nothing_else(app, clients, commands, closed):
    follower = clients.follower()
    r = closed["result"]
    assert follower.emit("result:follow", {"id": r, "progress": "done"}, callback=True)["ok"]
    assert follower.emit("news:add", {"result": r, "id": str(uuid.uuid4()), "text": "Fertig"}, callback=True)["ok"]
    for name, payload in (("result:update", {"id": r, "title": "Anders"}), ("actors:set", {"actors": []}),
                          ("event:reopen", {}), ("link:replace", {"role": "followup"})):
        assert follower.emit(name, payload, callback=True)["error"]["code"] == "forbidden", name
    state = follower.emit("sync", {"since": 0}, callback=True)["snapshot"]
    assert [x["progress"] for x in state["results"]] == ["done"]
    assert "0171 1234567" not in repr(state)  # the public view: no contact
    # Without the link, the page and the connection are refused.
    assert app.test_client().get(f"/e/{closed['id']}/f").status_code == 403


def test_replacing_the_follow_up_link_ends_the_old_one(app, clients, commands, closed):
    follower = clients.follower()
    old = commands.token(closed["id"], domain.FOLLOWER)
    assert clients.lead().emit("link:replace", {"role": "followup"}, callback=True)["ok"]
    assert not follower.is_connected()
    http = app.test_client()
    assert http.get(f"/e/{closed['id']}/f?k={old}").status_code == 403
    assert http.get(f"/e/{closed['id']}/f?k={commands.token(closed['id'], domain.FOLLOWER)}").status_code == 303


def test_the_backup_keeps_the_follow_up_and_older_backups_still_import(tmp_path, commands, closed):
    import json

    from facilitation import backup, commands_of, create_app
    from facilitation.domain import ADMIN, Actor

    r = closed["result"]
    commands.run("actors:set", lead(closed), {"actors": ["Kommunalverwaltung", "Bürgerverein Hardt"]})
    commands.run("result:follow", lead(closed), {"id": r, "responsible": "Bürgerverein Hardt", "due": "2027-03-31",
                                                 "progress": "not_feasible", "reason": "Denkmalschutz"})
    commands.run("news:add", lead(closed), {"result": r, "id": str(uuid.uuid4()), "text": "Gespräch geführt"})
    commands.run("method:set", lead(closed), {"mandate": "Wie gelingt Ankommen?"})
    commands.store.note_presence(closed["id"], "phone-1", "refugee")
    data = json.loads(backup.backup_json(commands.store, closed["id"]))
    other = commands_of(create_app({"DATABASE": str(tmp_path / "other.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "x"}))

    def restore(backup, event_id):
        return other.run("event:import", Actor(ADMIN, ""), {"data": backup, "id": event_id}).ack["event_id"]

    restore(data, "kopie")
    row = other.store.result(r)
    assert (row["responsible"], row["due"], row["progress"], row["reason"]) == ("Bürgerverein Hardt", "2027-03-31",
                                                                              "not_feasible", "Denkmalschutz")
    assert [n["text"] for n in json.loads(row["news"])] == ["Gespräch geführt"]
    assert domain.event_actors(other.store.event("kopie")) == ["Kommunalverwaltung", "Bürgerverein Hardt"]
    assert domain.method_of(other.store.event("kopie"))["mandate"] == "Wie gelingt Ankommen?"
    [present] = other.store.presence("kopie")
    assert present["affiliation"] == "refugee" and present["participant_id"] != "phone-1"  # a pseudonym
    # A backup from before the follow-up existed: the fields are simply not there.
    old = json.loads(json.dumps(data))
    del old["event"]["actors"], old["event"]["method"], old["presence"], old["affiliations"]
    for result in old["results"]:
        for key in ("responsible", "due", "progress", "reason", "news"):
            del result[key]
    restore(old, "alt")
    [imported] = [x for x in other.store.results("alt")]
    assert (imported["progress"], imported["news"]) == ("open", "[]")
    # A follow-up value a command would refuse is refused in a backup too.
    bad = json.loads(json.dumps(data))
    bad["results"][0]["due"] = "morgen"
    refused("invalid_backup", restore, bad, "kaputt")
    assert other.store.event("kaputt") is None


# -- round-table sign-up ------------------------------------------------------------------


@pytest.fixture
def round_table(commands, event):
    """An open event with a Runder Tisch result, sign-ups to be deleted a year from today."""
    result = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": result, "kind": "round_table", "title": "Runder Tisch Wohnen"})
    commands.run("signups:delete_on", lead(event), {"date": KEEP_UNTIL})
    return {**event, "result": result}


def signup(commands, event, pid="p1", **payload):
    body = {"result": event["result"], "name": "Aylin", "contact": "aylin@example.org", "consent": True, **payload}
    return commands.run("signup:add", participant(event, pid=pid), body)


def test_a_phone_signs_up_with_consent_and_takes_it_back(commands, round_table):
    signup(commands, round_table)
    signup(commands, round_table, contact="0171 1234567")  # the same phone again: one entry, the new contact
    rows = commands.store.signups(round_table["id"])
    assert [(r["name"], r["contact"]) for r in rows] == [("Aylin", "0171 1234567")]
    assert KEEP_UNTIL_DE in rows[0]["consent"]  # what the person agreed to, with the deletion date
    commands.run("signup:remove", participant(round_table, pid="someone-else"), {"result": round_table["result"]})
    assert len(commands.store.signups(round_table["id"])) == 1  # another phone cannot take it back
    commands.run("signup:remove", participant(round_table), {"result": round_table["result"]})
    assert commands.store.signups(round_table["id"]) == []


@pytest.mark.parametrize("payload, code", [
    ({"consent": False}, "consent_needed"), ({"consent": "yes"}, "consent_needed"), ({"name": " "}, "name_needed"),
    ({"contact": ""}, "contact_needed"), ({"contact": "x" * 121}, "title_too_long"),
])
def test_a_sign_up_needs_consent_a_name_and_a_contact(commands, round_table, payload, code):
    refused(code, lambda: signup(commands, round_table, **payload))
    assert commands.store.signups(round_table["id"]) == []


def test_sign_up_is_open_for_round_tables_and_what_the_lead_opens_once_a_deletion_date_is_set(commands, event):
    other = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": other, "kind": "solution", "title": "Bänke"})
    table = str(uuid.uuid4())
    commands.run("result:create", moderator(event), {"id": table, "kind": "round_table", "title": "Runder Tisch"})
    refused("signup_closed", signup, commands, {**event, "result": table})  # no deletion date yet
    commands.run("signups:delete_on", lead(event), {"date": KEEP_UNTIL})
    signup(commands, {**event, "result": table})
    refused("signup_closed", signup, commands, {**event, "result": other})
    commands.run("signup:set", lead(event), {"id": other, "signup": "open"})
    signup(commands, {**event, "result": other}, pid="p2")
    commands.run("signup:set", lead(event), {"id": table, "signup": "closed"})
    refused("signup_closed", lambda: signup(commands, {**event, "result": table}, pid="p3"))
    refused("forbidden", commands.run, "signup:set", moderator(event), {"id": table, "signup": "open"})


def test_sign_ups_are_deleted_on_their_date_and_never_leave_the_leads_hands(app, commands, round_table):
    from facilitation import backup
    from facilitation import record as records
    from facilitation.commands import signups as signup_commands

    signup(commands, round_table)
    commands.run("event:close", lead(round_table), {})
    signup(commands, round_table, pid="p2", name="Olena", contact="olena@example.org")  # after closing too
    everywhere = [backup.backup_json(commands.store, round_table["id"]).decode(),
                  records.to_markdown(records.build_record(commands.store, round_table["id"])),
                  app.test_client().get(f"/e/{round_table['id']}/results").get_data(as_text=True)]
    assert not any("aylin@example.org" in text or "Olena" in text for text in everywhere)
    assert signup_commands.purge(commands.store) == 0  # the day has not come
    commands.store.update_event(round_table["id"], signup_delete_on="2020-01-01")
    assert signup_commands.purge(commands.store) == 2
    assert commands.store.signups(round_table["id"]) == []
    # Setting a day that has come deletes at once.
    commands.run("signups:delete_on", lead(round_table), {"date": KEEP_UNTIL})
    signup(commands, round_table)
    commands.run("signups:delete_on", lead(round_table), {"date": "2020-01-01"})
    assert commands.store.signups(round_table["id"]) == []


# -- who took part, and the method ------------------------------------------------------


def test_affiliations_count_only_groups_of_five_and_readers_count_too(app, commands, event):
    from facilitation import record as records

    first_card = {}

    def phone(pid, affiliation=None, writes=False, reacts=False):
        commands.store.note_presence_soon(event["id"], pid)  # what opening the table page does
        if affiliation is not None:
            commands.run("affiliation:set", participant(event, pid=pid), {"affiliation": affiliation})
        if writes:
            card = card_payload(event, text=f"Karte von {pid}")
            commands.run("card:post", participant(event, pid=pid), card)
            first_card.setdefault("id", card["id"])
        if reacts:
            commands.run("card:react", participant(event, pid=pid), {"id": first_card["id"], "on": True})

    for n in range(5):
        phone(f"r{n}", "refugee", writes=n < 2, reacts=n >= 2)  # all five took part
    for n in range(4):
        phone(f"s{n}", "resident")  # scripted: opened a page and answered, nothing more
    phone("a0", "resident", writes=True)  # one real resident: with the scripts, 5 answers
    phone("v0", "volunteer", writes=True)
    phone("v0", "")  # and taken back
    phone("quiet")
    record = records.build_record(commands.store, event["id"])
    assert record["affiliations"] == [["Geflüchtete/r", 5]]  # the residents are 1 who took part: not shown
    assert record["affiliations_suppressed"] is True
    assert record["readers_only"] == 8  # 12 phones, 4 wrote (a '+1' alone still counts as reading)
    md = records.to_markdown(record)
    assert "- Geflüchtete/r: 5" in md and "Anwohner" not in md and "Handys, die nur gelesen haben: 8" in md
    refused("invalid_payload", commands.run, "affiliation:set", participant(event, pid="x"), {"affiliation": "Polizei"})
    # Never per card: no card view and no change carries it.
    assert "refugee" not in repr(commands.store.cards(event["id"]))


def test_the_method_section_is_the_leads_and_the_rules_start_as_a_suggestion(app, commands, event):
    from facilitation import record as records

    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    console = http.get(f"/e/{event['id']}/lead").get_data(as_text=True)
    assert "Wir hören einander zu" in console  # the suggested rules, in the form only
    assert records.build_record(commands.store, event["id"])["method"] == []
    commands.run("method:set", lead(event), {"mandate": "Der Gemeinderat fragt: Wie gelingt Ankommen?",
                                             "group": "Integrationsbeirat, Stadtverwaltung"})
    commands.run("event:close", lead(event), {})
    commands.run("method:set", lead(event), {"course": "18 Uhr Begrüßung, drei Runden, Marktplatz"})  # closed: still
    record = records.build_record(commands.store, event["id"])
    assert [label for label, _ in record["method"]] == ["Auftrag", "Ablauf des Abends", "Begleitgruppe"]
    refused("forbidden", commands.run, "method:set", moderator(event), {"mandate": "x"})
    refused("title_too_long", commands.run, "method:set", lead(event), {"rules": "x" * 4001})


def test_a_page_view_notes_presence_without_a_disk_sync_of_its_own(app, commands, event):
    """Issue 13: 2,000 phones opening their table page paid a write transaction each; now they
    are written together (once a second by app.py, and before any read of presence)."""
    import sqlite3

    path = commands.store.db.execute("PRAGMA database_list").fetchone()[2]
    for n in range(3):
        assert app.test_client().get(f"/e/{event['id']}/t/{event['tables'][0]}").status_code == 200
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM presence").fetchone()[0] == 0
    assert len(commands.store.presence(event["id"])) == 3  # a read writes them first
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM presence").fetchone()[0] == 3
    commands.store.note_presence_soon("gone", "phone")  # an event deleted meanwhile: skipped, no error
    commands.store.flush_presence()



def test_sign_ups_go_when_their_day_begins_not_a_second_sooner(app, commands, round_table, monkeypatch):
    """Date boundaries on a fake clock (issue 22): the deletion day is a local date; the purge
    keeps sign-ups until its first second, the lead's page purges before it shows them, and
    setting today deletes at once while tomorrow keeps them."""
    import datetime as dt
    import time

    from facilitation.commands import signups as signup_commands

    def at(text):  # the server's local time
        moment = dt.datetime.fromisoformat(text).timestamp()
        monkeypatch.setattr(time, "time", lambda: moment)

    signup(commands, round_table)
    commands.run("signups:delete_on", lead(round_table), {"date": "2027-04-01"})
    at("2027-03-31T23:59:59")
    assert signup_commands.today() == "2027-03-31" and signup_commands.in_a_year() == "2028-03-30"
    assert signup_commands.purge(commands.store) == 0
    http = app.test_client()
    assert http.get(f"/e/{round_table['id']}/lead?k={commands.token(round_table['id'], domain.LEAD)}").status_code == 303
    assert "aylin@example.org" in http.get(f"/e/{round_table['id']}/lead").get_data(as_text=True)
    at("2027-04-01T00:00:00")
    assert "aylin@example.org" not in http.get(f"/e/{round_table['id']}/lead").get_data(as_text=True)  # purged first
    assert commands.store.signups(round_table["id"]) == []

    commands.run("signups:delete_on", lead(round_table), {"date": "2027-04-02"})  # tomorrow: kept
    signup(commands, round_table)
    assert len(commands.store.signups(round_table["id"])) == 1
    commands.run("signups:delete_on", lead(round_table), {"date": "2027-04-01"})  # today: deleted at once
    assert commands.store.signups(round_table["id"]) == []


def test_purged_and_deleted_personal_data_leaves_the_files(tmp_path, commands, round_table):
    """Issue 23: after the sign-up purge the names and phone numbers were still readable in
    tischrunde.db-wal (`strings`). Read the raw files, as `strings` would."""
    from facilitation.commands import signups as signup_commands

    signup(commands, round_table, name="Zarah Quellmann", contact="0176 99887766")
    path = Path(commands.store.path)

    def on_disk(text: str) -> bool:
        return any(text.encode() in p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    assert on_disk("0176 99887766")  # it was there
    commands.store.update_event(round_table["id"], signup_delete_on="2020-01-01")
    assert signup_commands.purge(commands.store) == 1
    assert not on_disk("0176 99887766") and not on_disk("Zarah Quellmann")
    card = card_payload(round_table, text="Ein Satz, den nach dem Löschen niemand mehr findet")
    commands.run("card:post", participant(round_table), card)
    title = commands.store.event(round_table["id"])["title"]
    commands.run("event:delete", lead(round_table), {"confirm": title})
    assert not on_disk("niemand mehr findet")


def test_sign_ups_keep_their_bounds(app, commands, round_table):
    """Issue 23: 9999-12-31 was accepted as a deletion day (the consent then promised it),
    sign-ups were accepted on and after the deletion day, and 60 cookieless form sign-ups in
    2.5 s were all stored."""
    import datetime as dt

    far = (dt.date.today() + dt.timedelta(days=3 * 365)).isoformat()
    refused("date_too_far", commands.run, "signups:delete_on", lead(round_table), {"date": far})
    refused("date_too_far", commands.run, "signups:delete_on", lead(round_table), {"date": "9999-12-31"})
    within = (dt.date.today() + dt.timedelta(days=domain.MAX_SIGNUP_KEEP_DAYS)).isoformat()
    commands.run("signups:delete_on", lead(round_table), {"date": within})
    commands.store.update_event(round_table["id"], signup_delete_on=dt.date.today().isoformat())  # the day has come
    refused("signup_closed", commands.run, "signup:add", participant(round_table),
            {"result": round_table["result"], "name": "A", "contact": "a@example.org", "consent": True})
    commands.run("signups:delete_on", lead(round_table), {"date": KEEP_UNTIL})

    form = {"name": "Skript", "contact": "0170 0000000", "consent": "yes"}
    url = f"/e/{round_table['id']}/results/{round_table['result']}/signup"
    # A post without this phone's id stores nothing, as a card's does (a script that drops it
    # would shed the per-phone limit); the page that comes back carries a new one.
    early = app.test_client()
    early.get(f"/e/{round_table['id']}/results")
    with early.session_transaction() as session:
        session.pop("pid")
    again = early.post(url, data=form)
    assert again.status_code == 400 and "Bitte senden Sie Ihre Anmeldung noch einmal" in again.get_data(as_text=True)
    assert commands.store.signups(round_table["id"]) == []
    assert early.post(url, data=form).status_code == 303  # sent again, with the id
    phone = app.test_client()
    assert phone.get(f"/e/{round_table['id']}/results").status_code == 200  # the page gives the phone its cookie
    codes = [phone.post(url, data=form).status_code for _ in range(21)]
    assert codes[:20] == [303] * 20 and codes[20] == 400  # 20 a minute per phone, as for cards
    assert len(commands.store.signups(round_table["id"])) == 2


def test_the_backup_attributes_no_card_to_a_group_and_keeps_the_records_counts(tmp_path, commands, event):
    """Issue 23: the backup's cards[].author joined with presence[].affiliation told which
    group wrote each card, hidden ones too."""
    import json

    from facilitation import backup, commands_of, create_app
    from facilitation import record as records
    from facilitation.domain import ADMIN, Actor

    for n in range(6):
        pid = f"phone-{n}"
        commands.store.note_presence_soon(event["id"], pid)
        commands.run("affiliation:set", participant(event, pid=pid), {"affiliation": "refugee" if n < 5 else "resident"})
        if n < 3:
            commands.run("card:post", participant(event, pid=pid), card_payload(event, text=f"Karte {n}"))
    commands.store.note_presence_soon(event["id"], "quiet")
    data = backup.backup(commands.store, event["id"])
    text = json.dumps(data)
    assert "affiliation" not in json.dumps(data["presence"]) and "phone-" not in text  # pseudonyms, no per-phone answer
    assert data["affiliations"] == {"refugee": 5, "resident": 1}
    assert backup.backup(commands.store, event["id"])["cards"][0]["author"] != data["cards"][0]["author"]  # new each time
    other = commands_of(create_app({"DATABASE": str(tmp_path / "o.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "x"}))
    other.run("event:import", Actor(ADMIN, ""), {"data": data})
    before, after = (records.build_record(store, event["id"]) for store in (commands.store, other.store))
    for key in ("affiliations", "affiliations_suppressed", "readers_only", "counts"):
        assert after[key] == before[key], key

"""The record and the backup: DOCX, HTML, Markdown, CSV, JSON, import, delete, close."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid

import pytest
from conftest import canonical_backup, card_payload, create_event, lead, participant
from test_commands import refused
from test_results import mod_actor

from facilitation import backup, commands_of, create_app
from facilitation import record as records
from facilitation.domain import ADMIN, RESULT_KINDS, Actor

ARABIC = "نحتاج إلى دورات لغة في المساء"
EMOJI = "Mehr Grün 🌳 im Quartier 💚"
UMLAUTS = "Bürgerbüro öffnet später – Grüße aus Gmünd (ß)"


@pytest.fixture
def full_event(commands, event):
    """An event with every result kind, hidden and withdrawn cards, umlauts, emoji, Arabic, votes."""
    texts = [UMLAUTS, EMOJI, ARABIC, "Runder Tisch zu Mieten", "Sprachcafé gibt es schon", "Bus abends"]
    cards = []
    for n, text in enumerate(texts):
        payload = card_payload(event, question_index=n % 3, text=text, name="Aylin" if n == 0 else None)
        commands.run("card:post", participant(event, pid=f"p{n}"), payload)
        cards.append(payload["id"])
    hidden = card_payload(event, text="Beleidigung, bitte ausblenden")
    commands.run("card:post", participant(event, pid="troll"), hidden)
    commands.run("card:hide", lead(event), {"id": hidden["id"]})
    withdrawn = card_payload(event, text="Doch nicht")
    commands.run("card:post", participant(event, pid="shy"), withdrawn)
    commands.run("card:withdraw", participant(event, pid="shy"), {"id": withdrawn["id"]})
    unsorted = card_payload(event, question_index=2, text="Noch nicht sortiert: Bänke")
    commands.run("card:post", participant(event, pid="late"), unsorted)
    other_table_card = card_payload(event, table_index=1, text="Ehrenamt braucht Räume")
    commands.run("card:post", participant(event, table_index=1, pid="p9"), other_table_card)

    results = {}
    for n, kind in enumerate(RESULT_KINDS):
        rid = str(uuid.uuid4())
        commands.run("result:create", mod_actor(event), {
            "id": rid, "kind": kind, "title": f"{RESULT_KINDS[kind]} – {texts[n][:12]}", "description": f"Beschreibung {n}",
            "next_step": f"Schritt {n}", "contact": f"Kontakt {n}", "cards": [cards[n]] + ([cards[5]] if n == 0 else []),
        })
        results[kind] = rid
    commands.run("result:update", lead(event), {"id": results["project_idea"], "addressee": "kommune"})
    commands.run("result:update", lead(event), {"id": results["round_table"], "addressee": "land"})
    other = str(uuid.uuid4())
    commands.run("result:create", mod_actor(event, 1), {"id": other, "kind": "solution", "title": "Räume für Vereine", "cards": [other_table_card["id"]]})
    commands.run("result:merge", lead(event), {"source": other, "target": results["solution"]})
    commands.run("phase:set", lead(event), {"phase": "market"})
    for n, kind in enumerate(("project_idea", "project_idea", "round_table")):
        commands.run("vote:add", participant(event, pid=f"voter{n}"), {"id": str(uuid.uuid4()), "result": results[kind]})
    commands.run("voting:close", lead(event))
    commands.run("event:update", lead(event), {"date": "24. November 2026", "place": "Stadtgarten, Schwäbisch Gmünd"})
    commands.run("result:follow", lead(event), {"id": results["round_table"], "responsible": "Wohnungswirtschaft/Mieterbund",
                                                "due": "2027-03-31", "progress": "in_progress"})
    commands.run("news:add", lead(event), {"result": results["round_table"], "id": str(uuid.uuid4()),
                                           "text": "Erstes Treffen im Rathaus"})
    return {"event": event, "cards": cards, "hidden": hidden["id"], "withdrawn": withdrawn["id"], "results": results, "merged": other}


def test_record_leaves_out_hidden_withdrawn_and_counts_right(commands, full_event):
    record = records.build_record(commands.store, full_event["event"]["id"])
    counts = record["counts"]
    assert {k: counts[k] for k in ("participants", "cards", "results", "tables")} == {
        "participants": 12, "cards": 8, "results": 5, "tables": 5}  # not "shy": withdrew
    # No phone language in these posts: the script decides (umlauts: German, Arabic letters), else unknown.
    assert counts["languages"] == [["Deutsch", 4], ["العربية", 1], ["Sprache unbekannt", 3]]
    text = json.dumps(record, ensure_ascii=False)
    assert "Beleidigung" not in text and "Doch nicht" not in text
    assert ARABIC in text and EMOJI in text and UMLAUTS in text
    assert [r["votes"] for r in record["ranking"][:2]] == [2, 1]
    assert record["ranking"][0]["addressee_label"] == "Kommune"
    assert set(record["by_addressee"]) == {"Kommune", "Land", "Noch ohne Adressat"}
    merged = [r for r in record["tables"][1]["results"]][0]
    assert merged["merged_into"].startswith("Lösungsanregung")


def test_docx_structure(commands, full_event):
    from docx import Document

    doc = Document(io.BytesIO(records.to_docx(records.build_record(commands.store, full_event["event"]["id"]))))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Ergebnisprotokoll")
    level1 = [t for s, t in headings if s == "Heading 1"]
    # Who does what first, then one section per kind, then the tables and the ranking as appendices.
    assert level1 == ["Wer war da", "Wer macht was bis wann", "Projektideen", "Bestehende Angebote", "Problemhinweise",
                      "Lösungsanregungen", "Runde Tische", "Anhang: nach Tischen", "Anhang: alle Ergebnisse nach Punkten"]
    level2 = [t for s, t in headings if s == "Heading 2"]
    assert [t.split(" – ")[0] for t in level2[:5]] == [str(label) for label in RESULT_KINDS.values()]
    assert all(t.endswith("(Bauen & Wohnen)") for t in level2[:5])
    assert level2[5:10] == ["Bauen & Wohnen", "Ehrenamt & Beteiligung", "Arbeit", "Frauen", "Bildung & Ausbildung"]
    assert "Nicht in Ergebnisse sortierte Karten" in [t for s, t in headings if s == "Heading 3"]
    title_facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert title_facts["Datum"] == "24. November 2026" and title_facts["Karten"] == "8"
    plan = doc.tables[1]
    assert [c.text for c in plan.rows[0].cells] == ["Ergebnis", "Tisch", "Art", "Wer kümmert sich", "Bis wann", "Stand"]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in plan.rows[1:]}
    assert len(rows) == 5  # the merged result is under its target, not a line of its own
    round_table = rows[f"{RESULT_KINDS['round_table']} – Sprachcafé g"]
    assert round_table[3:] == ["Wohnungswirtschaft/Mieterbund", "31.03.2027", "in Arbeit"]
    assert rows[f"{RESULT_KINDS['solution']} – Runder Tisch"][3:] == ["–", "–", "offen"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Erstes Treffen im Rathaus" in body and "Frage: " in body
    ranking = doc.tables[2]
    assert [c.text for c in ranking.rows[0].cells] == ["#", "Ergebnis", "Tisch", "Art", "Punkte", "Adressat"]
    assert ranking.rows[1].cells[4].text == "2"
    body = "\n".join(p.text for p in doc.paragraphs)
    assert ARABIC in body and EMOJI in body and "Beleidigung" not in body
    arabic = next(p for p in doc.paragraphs if ARABIC in p.text)
    assert arabic._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None


def test_csv_opens_in_excel_with_umlauts(commands, full_event):
    data = records.to_csv(records.build_record(commands.store, full_event["event"]["id"]))
    assert data.startswith("\ufeff".encode("utf-8"))  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tisch", "Frage", "Runde", "Karte", "Sprache", "Deutsche Übersetzung", "Name", "Ergebnis", "Art", "Status"]
    by_text = {r[3]: r for r in rows[1:]}
    assert len(rows) - 1 == 8
    assert by_text[UMLAUTS][6] == "Aylin" and by_text[UMLAUTS][8] == "Projektidee"
    assert by_text[UMLAUTS][4] == "Deutsch" and by_text[ARABIC][4] == "العربية"
    assert by_text["Noch nicht sortiert: Bänke"][9] == "nicht sortiert"
    assert ARABIC in by_text and EMOJI in by_text and "Beleidigung, bitte ausblenden" not in by_text


def test_markdown_and_html(app, commands, full_event):
    record = records.build_record(commands.store, full_event["event"]["id"])
    md = records.to_markdown(record)
    assert md.startswith("# Ergebnisprotokoll: Bürgerdialog Test")
    assert "## Wer macht was bis wann" in md and "## Runde Tische" in md and "### Bauen & Wohnen" in md
    assert "| Wohnungswirtschaft/Mieterbund | 31.03.2027 | in Arbeit |" in md
    assert ARABIC in md and "Beleidigung" not in md
    http = app.test_client()
    http.get(f"/e/{full_event['event']['id']}/lead?k={commands.token(full_event['event']['id'], 'lead')}")
    page = http.get(f"/e/{full_event['event']['id']}/lead/record")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "@page" in html and "<script" not in html
    assert EMOJI in html and "Beleidigung" not in html and 'dir="auto"' in html
    for text in ("Wer macht was bis wann", "Runde Tische", "Anhang: nach Tischen", "Wohnungswirtschaft/Mieterbund",
                 "Erstes Treffen im Rathaus"):
        assert text in html, text


def test_json_backup_marks_hidden_cards_and_round_trips(tmp_path, commands, full_event):
    e = full_event["event"]["id"]
    data = backup.backup(commands.store, e)
    cards = {c["id"]: c for c in data["cards"]}
    assert cards[full_event["hidden"]]["hidden"] is True and cards[full_event["hidden"]]["status"] == "hidden"
    assert full_event["withdrawn"] not in cards
    assert canonical_backup(json.loads(backup.backup_json(commands.store, e))) == canonical_backup(data)

    other = commands_of(create_app({"DATABASE": str(tmp_path / "other.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "x"}))

    def restore(data, event_id=None):
        return other.run("event:import", Actor(ADMIN, event_id or ""), {"data": data, "id": event_id}).ack["event_id"]

    assert restore(data) == e
    assert canonical_backup(backup.backup(other.store, e)) == canonical_backup(data)  # the same event on the other server
    assert records.build_record(other.store, e)["ranking"][0]["votes"] == 2
    assert other.redeem(other.token(e, "lead"))["role"] == "lead"
    refused("event_exists", restore, data)
    copy = restore(data, "copy")  # a copy on the same server: new card and result ids
    assert records.build_record(other.store, copy)["tables"] == records.build_record(other.store, e)["tables"]
    refused("invalid_backup", restore, {"format": "something else"})
    refused("invalid_backup", restore, {**data, "tables": "nonsense"}, "broken")
    assert other.store.event("broken") is None  # a failed import leaves nothing behind


def test_downloads_are_the_leads(app, commands, full_event):
    e = full_event["event"]["id"]
    assert app.test_client().get(f"/e/{e}/lead/export.docx").status_code == 403
    http = app.test_client()
    http.get(f"/e/{e}/lead?k={commands.token(e, 'lead')}")
    for fmt, mimetype in (("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                          ("csv", "text/csv"), ("md", "text/markdown"), ("json", "application/json"), ("html", "text/html")):
        response = http.get(f"/e/{e}/lead/export.{fmt}")
        assert response.status_code == 200 and response.mimetype == mimetype, fmt
        assert f'filename="tischrunde-{e}.{fmt}"' in response.headers["Content-Disposition"]
    assert http.get(f"/e/{e}/lead/export.exe").status_code == 404


def test_cli_export_and_import(app, tmp_path, commands, full_event):
    e = full_event["event"]["id"]
    runner = app.test_cli_runner()
    target = tmp_path / "backup.json"
    result = runner.invoke(args=["event", "export", e, "--format", "json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    docx = tmp_path / "record.docx"
    assert runner.invoke(args=["event", "export", e, "--format", "docx", "-o", str(docx)]).exit_code == 0
    assert docx.read_bytes()[:2] == b"PK"
    result = runner.invoke(args=["event", "import", str(target), "--id", "kopie"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "kopie"
    original, copy = (records.build_record(commands.store, i) for i in (e, "kopie"))
    assert copy["tables"] == original["tables"] and copy["counts"] == original["counts"]
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    result = runner.invoke(args=["event", "import", str(bad)])
    assert result.exit_code != 0 and "keine Tischrunde-Sicherung" in result.output


def test_the_command_line_answers_mistakes_with_a_sentence(app, tmp_path, commands, full_event):
    """Issue 21: an export into a missing folder ended in a traceback."""
    runner = app.test_cli_runner()
    missing = tmp_path / "gibt-es-nicht" / "backup.json"
    result = runner.invoke(args=["event", "export", full_event["event"]["id"], "--format", "json", "-o", str(missing)])
    assert result.exit_code == 1 and "Den Ordner" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (tmp_path / "schreibgeschützt").mkdir(mode=0o500)
    locked = tmp_path / "schreibgeschützt" / "backup.json"
    result = runner.invoke(args=["event", "export", full_event["event"]["id"], "--format", "json", "-o", str(locked)])
    if os.geteuid() != 0:  # root writes anywhere
        assert result.exit_code == 1 and "lässt sich nicht schreiben" in result.output
    for title in ("", "\ufeff", "   "):
        result = runner.invoke(args=["event", "create", "--title", title])
        assert result.exit_code == 1 and "Der Titel darf nicht leer sein." in result.output


def count_rows(commands, event_id):
    db = commands.store.db
    counts = {}
    for table in ("events", "tables", "cards", "results", "votes", "changes", "secrets", "undo_log"):
        column = "id" if table == "events" else "event_id"
        counts[table] = db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (event_id,)).fetchone()[0]
    counts["questions"] = db.execute(
        "SELECT count(*) FROM questions WHERE table_id IN (SELECT id FROM tables WHERE event_id = ?)", (event_id,)
    ).fetchone()[0]
    return counts


def test_delete_removes_every_row_of_the_event_and_nothing_else(app, commands, full_event):
    e = full_event["event"]["id"]
    keep = create_event(commands, "gmuend", "Bleibt")
    commands.run("card:post", Actor("participant", keep, commands.store.tables(keep)[0]["id"], "k1"),
                       {"id": str(uuid.uuid4()), "question": commands.store.questions(keep)[0]["id"], "text": "Ich bleibe"})
    before_keep = count_rows(commands, keep)
    assert all(count_rows(commands, e)[t] for t in ("cards", "results", "votes", "changes", "secrets"))
    http = app.test_client()
    http.get(f"/e/{e}/lead?k={commands.token(e, 'lead')}")
    http.get(f"/e/{e}/lead")
    wrong = http.post(f"/e/{e}/lead/delete", data={"confirm": "falsch"})
    assert wrong.status_code == 303 and commands.store.event(e) is not None
    done = http.post(f"/e/{e}/lead/delete", data={"confirm": "Bürgerdialog Test"})
    assert done.status_code == 303
    assert set(count_rows(commands, e).values()) == {0}
    assert count_rows(commands, keep) == before_keep
    assert http.get(f"/e/{e}/wall").status_code == 404


def test_cli_delete(app, commands, event):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["event", "delete", event["id"]], input="n\n").exit_code != 0
    assert commands.store.event(event["id"]) is not None
    assert runner.invoke(args=["event", "delete", event["id"], "--yes"]).exit_code == 0
    assert set(count_rows(commands, event["id"]).values()) == {0}


def test_closed_event_is_read_only_until_reopened(commands, event):
    commands.run("event:close", lead(event))
    refused("event_closed", commands.run, "card:post", participant(event), card_payload(event))
    refused("event_closed", commands.run, "phase:set", lead(event), {"phase": "round:1"})
    commands.run("event:archive", lead(event), {})
    assert commands.store.event(event["id"])["status"] == "archived"
    commands.run("event:reopen", lead(event), {})
    commands.run("card:post", participant(event), card_payload(event))
    refused("forbidden", commands.run, "event:close", moderator_actor(event), {})


def moderator_actor(event):
    return Actor("moderator", event["id"], event["tables"][0])


def test_exports_carry_no_formulas_markup_or_bad_xml(commands, event):
    """What a person typed stays text in Excel, Markdown and Word."""
    texts = ["=HYPERLINK(\"http://x\",\"klick\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
             "<img src=x onerror=alert(1)> [klick](javascript:alert(1))"]
    for n, text in enumerate(texts):
        payload = card_payload(event, text=text)
        commands.run("card:post", participant(event, pid=f"t{n}"), payload)
        commands.run("card:show", lead(event), {"id": payload["id"]})  # web addresses wait for approval
    # A card stored before the door cleaned text (an old database): U+FFFE would break Word's XML.
    bad = card_payload(event, text="vorher")
    commands.run("card:post", participant(event, pid="old"), bad)
    commands.store.db.execute("UPDATE cards SET text = ? WHERE id = ?", ("alt\ufffe\uffff text", bad["id"]))
    record = records.build_record(commands.store, event["id"])

    rows = list(csv.reader(io.StringIO(records.to_csv(record).decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    assert "'=HYPERLINK(\"http://x\",\"klick\")" in cells

    md = records.to_markdown(record)
    assert not re.search(r"(?<!\\)<img", md) and "](javascript:" not in md
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in md

    from docx import Document

    doc = Document(io.BytesIO(records.to_docx(record)))
    assert "alt text" in "\n".join(p.text for p in doc.paragraphs)


def test_the_public_record_has_no_contacts_the_internal_copy_has(app, commands, full_event):
    e = full_event["event"]["id"]
    public = records.build_record(commands.store, e)
    assert not any(r["contact"] for t in public["tables"] for r in t["results"])
    assert "Kontakt 0" not in records.to_markdown(public)
    internal = records.build_record(commands.store, e, internal=True)
    assert "Kontakt 0" in records.to_markdown(internal)
    http = app.test_client()
    http.get(f"/e/{e}/lead?k={commands.token(e, 'lead')}")
    assert "Kontakt 0" not in http.get(f"/e/{e}/lead/record").get_data(as_text=True)
    assert "Kontakt 0" in http.get(f"/e/{e}/lead/record?internal=1").get_data(as_text=True)
    internal_download = http.get(f"/e/{e}/lead/export.md?internal=1")
    assert "intern" in internal_download.headers["Content-Disposition"]


DOT = str(uuid.uuid4())


def merged(data: dict) -> dict:
    return next(r for r in data["results"] if r["status"] == "merged")


def target(data: dict) -> dict:
    return next(r for r in data["results"] if r["id"] == merged(data)["merged_into"])


@pytest.mark.parametrize("broken", [
    lambda d: d["results"][0].update(kind="nonsense"),
    lambda d: d["results"][0].update(addressee="mars"),
    lambda d: d["event"].update(rounds=99),
    lambda d: d["event"].update(phase="round:7"),
    lambda d: d["event"].update(id="../x"),
    lambda d: d["cards"][0].update(text="x" * 281),
    lambda d: d["cards"][0].update(question=9),
    lambda d: d["cards"][0].update(result_id=str(uuid.uuid4())),
    lambda d: d["results"][0].update(merged_into="not-a-uuid"),
    lambda d: d["dots"][0].update(result_id="gone"),
    lambda d: d["tables"][0].update(name=""),
    lambda d: d["tables"][0].update(name="\ufeff\u00ad"),
    lambda d: merged(d).update(merged_into=merged(d)["id"]),  # into itself
    lambda d: target(d).update(status="merged", merged_into=merged(d)["id"]),  # a cycle
    lambda d: merged(d).update(table=target(d)["table"]),  # "across tables" within one table
    lambda d: target(d).update(merged_into=merged(d)["id"]),  # active, yet merged
    lambda d: d["presence"].extend([{"participant_id": "p1", "affiliation": ""}] * 2),
    lambda d: d["dots"].extend([{"id": DOT, "participant_id": "v9", "result_id": target(d)["id"]}] * 2),
])
def test_import_checks_every_value_like_the_live_commands(tmp_path, commands, full_event, broken):
    data = json.loads(backup.backup_json(commands.store, full_event["event"]["id"]))
    broken(data)
    other = commands_of(create_app({"DATABASE": str(tmp_path / "o.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "x"}))
    refused("invalid_backup", other.run, "event:import", Actor(ADMIN, ""), {"data": data})
    assert other.store.events() == []


def test_the_record_carries_translations_paper_dots_and_languages(tmp_path, commands, full_event):
    e = full_event["event"]["id"]
    arabic = full_event["cards"][2]
    commands.run("card:translate", lead(full_event["event"]), {"id": arabic, "translation": "Wir brauchen Deutschkurse"})
    commands.run("vote:paper", lead(full_event["event"]), {"result": full_event["results"]["project_idea"], "votes": 4})
    commands.run("text:translate", lead(full_event["event"]), {"kind": "table", "id": full_event["event"]["tables"][0], "lang": "ar", "text": "البناء والسكن"})
    table0_q = full_event["event"]["questions"][full_event["event"]["tables"][0]][0]
    commands.run("card:record", lead(full_event["event"]), {"id": str(uuid.uuid4()), "question": table0_q, "text": "Mehr Kitaplätze"})
    record = records.build_record(commands.store, e)
    md = records.to_markdown(record)
    assert "Wir brauchen Deutschkurse" in md and "العربية → Deutsch" in md
    assert "davon 4 auf Papier" in md and "am Tisch aufgenommen" in md
    top = record["ranking"][0]
    assert top["votes"] == 2 + 4 and top["paper_votes"] == 4
    html = records.to_docx(record)
    from docx import Document

    assert "Wir brauchen Deutschkurse" in "\n".join(p.text for p in Document(io.BytesIO(html)).paragraphs)
    # Everything of it survives a backup and an import elsewhere.
    data = backup.backup(commands.store, e)
    other = commands_of(create_app({"DATABASE": str(tmp_path / "o.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "x"}))
    other.run("event:import", Actor(ADMIN, ""), {"data": data})
    assert canonical_backup(backup.backup(other.store, e)) == canonical_backup(data)
    assert data["tables"][0]["i18n"] == {"ar": "البناء والسكن"}


def test_a_result_merged_across_tables_stays_in_every_format_and_unmerge_restores_it(app, commands, event):
    """Issue 21: a Frauen result merged into an Arbeit result lost its cards from the
    Markdown, HTML and Word record and from the public page."""
    names = {t["id"]: t["name"] for t in commands.store.tables(event["id"])}
    arbeit, frauen = (event["tables"].index(t) for t in names if names[t] in ("Arbeit", "Frauen"))
    texts = [f"Kinderbetreuung beim Sprachkurs {n}" for n in range(5)]
    cards = []
    for n, text in enumerate(texts):
        payload = card_payload(event, table_index=frauen, text=text)
        commands.run("card:post", participant(event, table_index=frauen, pid=f"f{n}"), payload)
        cards.append(payload["id"])
    source, target = str(uuid.uuid4()), str(uuid.uuid4())
    commands.run("result:create", mod_actor(event, frauen), {"id": source, "kind": "project_idea", "title": "Kurse mit Kita",
                                                             "cards": cards})
    commands.run("result:create", mod_actor(event, arbeit), {"id": target, "kind": "project_idea", "title": "Sprachkurse im Betrieb"})

    def record():
        data = records.build_record(commands.store, event["id"])
        data.pop("made_at")
        return data

    before = record()
    commands.run("result:merge", lead(event), {"source": source, "target": target})
    with app.test_request_context():
        from facilitation.web.lead import export_bytes

        outputs = {fmt: export_bytes(event["id"], fmt) for fmt in ("md", "html", "docx")}
    from docx import Document

    docx = "\n".join(p.text for p in Document(io.BytesIO(outputs["docx"])).paragraphs)
    for text in (outputs["md"].decode(), outputs["html"].decode(), docx):
        assert "Auch an Tisch Frauen: Kurse mit Kita" in text
        assert all(text.count(card) == 1 for card in texts)
    public = app.test_client().get(f"/e/{event['id']}/results").get_data(as_text=True)
    under_target = public.split(f'id="result-{target}"', 1)[1].split("</article>", 1)[0]
    assert "Auch an Tisch Frauen: Kurse mit Kita" in under_target
    commands.run("result:unmerge", lead(event), {"id": source})
    assert record() == before

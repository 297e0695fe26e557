"""The record of an event ("Ergebnisprotokoll") and the full backup.

build_record() gathers what the town publishes: results per table with their
cards, the cards not sorted into results, the ranking; hidden, withdrawn and
unapproved cards are left out. The writers turn it into DOCX, Markdown and
CSV (the HTML page is a Jinja template). backup() is the lead's complete JSON
of an event, hidden cards included and marked, which restore() imports into
another Tischrunde server.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import unicodedata
import uuid

from flask_babel import gettext as _

from . import domain
from .domain import ACTIVE, MERGED, VISIBLE, fail

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
BACKUP_FORMAT = "tischrunde-event"
BACKUP_VERSION = 1


# -- the record -------------------------------------------------------------------


def build_record(store, event_id: str) -> dict:
    """Everything the published record holds, in reading order."""
    event = store.event(event_id)
    tables = store.tables(event_id)
    questions = store.questions(event_id)
    cards = [c for c in store.cards(event_id) if c["status"] == VISIBLE]
    results = [r for r in store.results(event_id) if r["status"] in (ACTIVE, MERGED)]
    tallies = store.tallies(event_id)
    names = {t["id"]: t["name"] for t in tables}
    question_text = {q["id"]: q["text"] for q in questions}
    by_id = {r["id"]: r for r in results}

    def result_entry(r: dict) -> dict:
        merged = by_id.get(r["merged_into"]) if r["status"] == MERGED else None
        return {
            "kind": r["kind"],
            "kind_label": str(domain.RESULT_KINDS[r["kind"]]),
            "title": r["title"],
            "description": r["description"],
            "next_step": r["next_step"],
            "contact": r["contact"],
            "addressee_label": str(domain.ADDRESSEES[r["addressee"]]) if r["addressee"] else "",
            # Live dots while there are any, else the ranking stored at closing (or restored).
            "votes": tallies.get(r["id"], 0) if tallies else r["votes"],
            "table": names[r["table_id"]],
            "merged_into": f"{merged['title']} ({names[merged['table_id']]})" if merged else "",
            "cards": [card_entry(c) for c in sorted(cards, key=lambda c: c["rank"]) if c["result_id"] == r["id"]],
        }

    def card_entry(c: dict) -> dict:
        return {"text": c["text"], "name": c["name"], "question": question_text[c["question_id"]], "round": c["round"]}

    table_entries = []
    for t in tables:
        qs = [q for q in questions if q["table_id"] == t["id"]]
        unsorted = [c for c in cards if c["table_id"] == t["id"] and not (c["result_id"] in by_id)]
        table_entries.append(
            {
                "name": t["name"],
                "questions": [q["text"] for q in qs],
                "results": [result_entry(r) for r in results if r["table_id"] == t["id"]],
                "unsorted": [
                    {"question": q["text"], "cards": [card_entry(c) for c in unsorted if c["question_id"] == q["id"]]}
                    for q in qs
                ],
            }
        )
    ranking = sorted(
        (e for t in table_entries for e in t["results"] if not e["merged_into"]),
        key=lambda e: (-e["votes"], e["title"].lower()),
    )
    by_addressee = {}
    for entry in ranking:
        by_addressee.setdefault(entry["addressee_label"] or _("Noch ohne Adressat"), []).append(entry)
    return {
        "event": {k: event[k] for k in ("id", "title", "date", "place", "status")},
        "counts": {
            "participants": store.participant_count(event_id),
            "cards": len(cards),
            "results": len(ranking),
            "tables": len(tables),
        },
        "tables": table_entries,
        "ranking": ranking,
        "by_addressee": by_addressee,
        "made_at": time.strftime("%d.%m.%Y %H:%M"),
    }


def is_rtl(text: str) -> bool:
    """True when the first strongly directed letter is right-to-left (Arabic, Farsi, Hebrew)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


# -- writers ------------------------------------------------------------------------


def to_markdown(record: dict) -> str:
    """The record as Markdown."""
    e = record["event"]
    c = record["counts"]
    out = [f"# {_('Ergebnisprotokoll')}: {e['title']}", ""]
    meta = [x for x in (e["date"], e["place"]) if x]
    if meta:
        out += [" · ".join(meta), ""]
    out += [
        _("%(p)d Teilnehmende, %(c)d Karten, %(r)d Ergebnisse an %(t)d Tischen.",
          p=c["participants"], c=c["cards"], r=c["results"], t=c["tables"]),
        "",
    ]
    for table in record["tables"]:
        out += [f"## {table['name']}", ""]
        for r in table["results"]:
            out += [f"### {r['kind_label']}: {r['title']}", ""]
            out += _result_lines(r, markdown=True)
            out += [f"- {_card_line(card)}" for card in r["cards"]] + [""]
        if any(group["cards"] for group in table["unsorted"]):
            out += [f"### {_('Nicht in Ergebnisse sortierte Karten')}", ""]
            for group in table["unsorted"]:
                if group["cards"]:
                    out += [f"**{group['question']}**", ""] + [f"- {_card_line(card)}" for card in group["cards"]] + [""]
    out += [f"## {_('Anhang: alle Ergebnisse nach Punkten')}", ""]
    out += [f"| # | {_('Ergebnis')} | {_('Tisch')} | {_('Art')} | {_('Punkte')} | {_('Adressat')} |", "|---|---|---|---|---|---|"]
    for n, r in enumerate(record["ranking"], start=1):
        cells = [str(n), r["title"], r["table"], r["kind_label"], str(r["votes"]), r["addressee_label"]]
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    out.append("")
    for addressee, entries in record["by_addressee"].items():
        out += [f"### {addressee}", ""] + [f"- {r['title']} ({r['table']}, {r['votes']} {_('Punkte')})" for r in entries] + [""]
    return "\n".join(out)


def _card_line(card: dict) -> str:
    name = f" — {card['name']}" if card["name"] else ""
    return f"{card['text']}{name}".replace("\n", " ")


def _result_lines(r: dict, markdown: bool = False) -> list[str]:
    lines = []
    if r["description"]:
        lines += [r["description"], ""]
    facts = [
        (_("Nächster Schritt"), r["next_step"]),
        (_("Kontakt"), r["contact"]),
        (_("Punkte"), str(r["votes"])),
        (_("Adressat"), r["addressee_label"]),
        (_("Zusammengeführt mit"), r["merged_into"]),
    ]
    for label, value in facts:
        if value:
            lines.append(f"{'**' + label + ':**' if markdown else label + ':'} {value}  ")
    return lines + [""]


CSV_COLUMNS = ["table", "question", "round", "card", "name", "result", "result_kind", "status"]


def to_csv(record: dict) -> bytes:
    """One row per card. UTF-8 with BOM and ';' so Excel (German) opens it with umlauts intact."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Tisch"), _("Frage"), _("Runde"), _("Karte"), _("Name"), _("Ergebnis"), _("Art"), _("Status")])
    for table in record["tables"]:
        for r in table["results"]:
            for card in r["cards"]:
                writer.writerow([table["name"], card["question"], card["round"], card["text"], card["name"],
                                 r["title"], r["kind_label"], _("in Ergebnis")])
        for group in table["unsorted"]:
            for card in group["cards"]:
                writer.writerow([table["name"], card["question"], card["round"], card["text"], card["name"],
                                 "", "", _("nicht sortiert")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_docx(record: dict) -> bytes:
    """The record as an editable Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    doc = Document()

    def para(text: str, style: str | None = None, bold_label: str | None = None):
        p = doc.add_paragraph(style=style)
        if bold_label:
            p.add_run(f"{bold_label}: ").bold = True
        run = p.add_run(text)
        if is_rtl(text):  # Arabic or Farsi cards read right to left in Word too
            p._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
            run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
        return p

    e, c = record["event"], record["counts"]
    doc.add_heading(_("Ergebnisprotokoll"), level=0)
    para(e["title"]).runs[0].bold = True
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Light List Accent 1"
    for label, value in (
        (_("Veranstaltung"), e["title"]),
        (_("Datum"), e["date"] or "–"),
        (_("Ort"), e["place"] or "–"),
        (_("Teilnehmende"), str(c["participants"])),
        (_("Karten"), str(c["cards"])),
        (_("Ergebnisse"), str(c["results"])),
        (_("Tische"), str(c["tables"])),
    ):
        row = facts.add_row().cells
        row[0].text, row[1].text = label, value
    para(_("Erstellt mit Tischrunde am %(when)s.", when=record["made_at"]))
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    for table in record["tables"]:
        doc.add_heading(table["name"], level=1)
        for r in table["results"]:
            doc.add_heading(f"{r['kind_label']}: {r['title']}", level=2)
            if r["description"]:
                para(r["description"])
            for label, value in (
                (_("Nächster Schritt"), r["next_step"]),
                (_("Kontakt"), r["contact"]),
                (_("Punkte"), str(r["votes"])),
                (_("Adressat"), r["addressee_label"]),
                (_("Zusammengeführt mit"), r["merged_into"]),
            ):
                if value:
                    para(value, bold_label=label)
            for card in r["cards"]:
                para(_card_line(card), "List Bullet")
        if any(group["cards"] for group in table["unsorted"]):
            doc.add_heading(_("Nicht in Ergebnisse sortierte Karten"), level=2)
            for group in table["unsorted"]:
                if group["cards"]:
                    doc.add_heading(group["question"], level=3)
                    for card in group["cards"]:
                        para(_card_line(card), "List Bullet")

    doc.add_heading(_("Anhang: alle Ergebnisse nach Punkten"), level=1)
    ranking = doc.add_table(rows=1, cols=6)
    ranking.style = "Light Grid Accent 1"
    for cell, label in zip(ranking.rows[0].cells, ("#", _("Ergebnis"), _("Tisch"), _("Art"), _("Punkte"), _("Adressat"))):
        cell.text = label
    for n, r in enumerate(record["ranking"], start=1):
        cells = ranking.add_row().cells
        for cell, value in zip(cells, (str(n), r["title"], r["table"], r["kind_label"], str(r["votes"]), r["addressee_label"])):
            cell.text = value
    doc.add_heading(_("Nach Adressat"), level=2)
    for addressee, entries in record["by_addressee"].items():
        doc.add_heading(addressee, level=3)
        for r in entries:
            para(f"{r['title']} ({r['table']}, {r['votes']} {_('Punkte')})", "List Bullet")
    doc.core_properties.title = f"{_('Ergebnisprotokoll')}: {e['title']}"
    doc.core_properties.author = "Tischrunde"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- backup and restore ----------------------------------------------------------------

RUN_FIELDS = ("wall_mode", "phase", "current_round", "rounds", "round_minutes", "moderation", "dots", "status")


def backup(store, event_id: str) -> dict:
    """The complete event for another server: tables by position, hidden cards marked.

    Withdrawn cards stay out: their authors took them back.
    """
    event = store.event(event_id)
    tables = store.tables(event_id)
    questions = store.questions(event_id)
    position = {t["id"]: t["position"] for t in tables}
    q_position = {q["id"]: q["position"] for q in questions}
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "event": {"id": event["id"], "title": event["title"], "template": event["template"],
                  "date": event["date"], "place": event["place"], **{k: event[k] for k in RUN_FIELDS}},
        "tables": [
            {"position": t["position"], "name": t["name"],
             "questions": [{"position": q["position"], "text": q["text"]} for q in questions if q["table_id"] == t["id"]]}
            for t in tables
        ],
        "results": [
            {"id": r["id"], "table": position[r["table_id"]],
             **{k: r[k] for k in ("kind", "title", "description", "next_step", "contact", "addressee",
                                  "status", "merged_into", "rank", "votes", "created_at", "updated_at")}}
            for r in store.results(event_id) if r["status"] != domain.DELETED
        ],
        "cards": [
            {"id": c["id"], "table": position[c["table_id"]], "question": q_position[c["question_id"]],
             "author": c["author_id"], "hidden": c["status"] != VISIBLE,
             **{k: c[k] for k in ("name", "text", "status", "round", "result_id", "rank", "created_at", "updated_at")}}
            for c in store.cards(event_id) if c["status"] != domain.WITHDRAWN
        ],
        # Dots with the voter's random id only: counts and "who took part" survive a move.
        "dots": store.all_votes(event_id),
    }


def restore(commands, data, event_id: str | None = None) -> str:
    """Import a backup as a new event (optionally under another id); returns its id.

    On the server the backup came from, cards and results get new ids, so an
    event can also be copied; a backup that does not fit leaves nothing behind.
    """
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT or data.get("version") != BACKUP_VERSION:
        raise fail("invalid_backup")
    store = commands.store
    ev = data["event"]
    event_id = event_id or ev["id"]
    if store.event(event_id) is not None:
        raise fail("event_exists", id=event_id)
    try:
        ids = [r["id"] for r in data["results"]] + [c["id"] for c in data["cards"]]
        # A copy on the server it came from: give cards and results new ids.
        fresh = {i: str(uuid.uuid4()) for i in ids} if any(store.result(i) or store.card(i) for i in ids) else {}
        renamed = lambda i: fresh.get(i, i) if i else i  # noqa: E731

        with store.transaction():
            store.insert_event(event_id, ev["title"], ev["template"])
            store.update_event(event_id, date=ev["date"], place=ev["place"], **{k: ev[k] for k in RUN_FIELDS})
            commands.grant(event_id, domain.LEAD, None)
            table_ids, question_ids = {}, {}
            for t in data["tables"]:
                table_id = store.insert_table(event_id, t["position"], t["name"])
                table_ids[t["position"]] = table_id
                commands.grant(event_id, domain.MODERATOR, table_id)
                for q in t["questions"]:
                    question_ids[(t["position"], q["position"])] = store.insert_question(table_id, q["position"], q["text"])
            for r in data["results"]:
                row = {k: v for k, v in r.items() if k != "table"}
                store.insert_result({**row, "id": renamed(r["id"]), "merged_into": renamed(r["merged_into"]),
                                     "event_id": event_id, "table_id": table_ids[r["table"]], "version": 1})
            for c in data["cards"]:
                row = {k: v for k, v in c.items() if k not in ("table", "question", "author", "hidden")}
                store.insert_card({**row, "id": renamed(c["id"]), "result_id": renamed(c["result_id"]),
                                   "event_id": event_id, "table_id": table_ids[c["table"]],
                                   "question_id": question_ids[(c["table"], c["question"])],
                                   "author_id": c["author"], "version": 1})
            for d in data.get("dots", []):
                store.insert_vote(str(uuid.uuid4()) if fresh else d["id"], event_id, d["participant_id"], renamed(d["result_id"]))
    except (KeyError, TypeError, AttributeError, ValueError, sqlite3.IntegrityError) as err:
        raise fail("invalid_backup") from err
    return event_id


def backup_json(store, event_id: str) -> bytes:
    """The backup as pretty JSON bytes."""
    return json.dumps(backup(store, event_id), ensure_ascii=False, indent=2).encode("utf-8")

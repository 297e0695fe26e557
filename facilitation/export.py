"""The record of an event ("Ergebnisprotokoll") and the full backup.

build_record() gathers what the town publishes: who does what by when, the
results by kind with their cards (and the question each answered), per table in
an appendix with the cards not sorted into results, the ranking; hidden,
withdrawn and unapproved cards are left out, and contacts too unless the lead
asks for the internal copy. The writers turn it into DOCX, Markdown and
CSV (the HTML page is a Jinja template). backup() is the lead's complete JSON
of an event, hidden cards included and marked, which the event:import command
(commands/events.py, after check_backup) brings into another Tischrunde server.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import re
import time
import unicodedata

from babel.dates import format_date
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from . import domain, views
from . import languages as catalogue
from .holds import check_words
from .templates_library import TEMPLATES
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


def result_votes(result: dict, tallies: dict[str, int]) -> int:
    """A result's dots: live ones while there are any, else the ranking stored at closing
    (or restored), plus the dots counted on paper."""
    return (tallies.get(result["id"], 0) if tallies else result["votes"]) + result["paper_votes"]


def build_record(store, event_id: str, internal: bool = False, topic: str | None = None) -> dict:
    """Everything the published record holds, in reading order.

    Contacts (a person's details) are in it only for the ``internal`` copy the
    lead asks for explicitly; the record the town publishes carries none.
    """
    event = store.event(event_id)
    tables = store.tables(event_id)
    questions = store.questions(event_id)
    cards = views.published_cards(store.cards(event_id))
    results = [r for r in store.results(event_id) if r["status"] in (ACTIVE, MERGED)
               and (topic is None or topic in views.tags(r))]
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
            "contact": r["contact"] if internal else "",
            "addressee_label": str(domain.ADDRESSEES[r["addressee"]]) if r["addressee"] else "",
            "votes": result_votes(r, tallies),
            "paper_votes": r["paper_votes"],
            "table": names[r["table_id"]],
            "merged_into": f"{merged['title']} ({names[merged['table_id']]})" if merged else "",
            "also": [],  # results of other tables merged into this one (filled below)
            "cards": [card_entry(c) for c in sorted(cards, key=lambda c: c["rank"]) if c["result_id"] == r["id"]],
            **follow_up_entry(r),
            "topics": ", ".join(str(domain.TOPICS[t]) for t in views.tags(r)),
        }

    def card_entry(c: dict) -> dict:
        return {"text": c["text"], "name": c["name"], "question": question_text[c["question_id"]], "round": c["round"],
                "lang": c["lang"], "lang_name": language_names.get(c["lang"], c["lang"]),
                "translation": c["translation"], "at_table": c["source"] == "table"}

    language_names = catalogue.names()

    entries = {r["id"]: result_entry(r) for r in results}
    for r in results:
        if entries[r["id"]]["merged_into"]:  # shown under its target, with its own table and cards
            entries[r["merged_into"]]["also"].append(entries[r["id"]])
    table_entries = []
    for t in tables:
        qs = [q for q in questions if q["table_id"] == t["id"]]
        unsorted = [c for c in cards if c["table_id"] == t["id"] and not (c["result_id"] in by_id)]
        table_entries.append(
            {
                "name": t["name"],
                "questions": [q["text"] for q in qs],
                "results": [entries[r["id"]] for r in results if r["table_id"] == t["id"]],
                "unsorted": [
                    {"question": q["text"], "cards": [card_entry(c) for c in unsorted if c["question_id"] == q["id"]]}
                    for q in qs
                ],
            }
        )
    for entry in (e for t in table_entries for e in t["results"]):
        entry["facts"] = result_facts(entry)
    # A merged result is ranked with its target, unless the target is not in this record.
    ranked = views.ranking([r for r in results if not entries[r["id"]]["merged_into"]], lambda r: entries[r["id"]]["votes"])
    ranking = [entries[r["id"]] for r in ranked]
    # By kind, in board order within a table and table order across (the sort is stable).
    in_order = [e for t in table_entries for e in t["results"] if not e["merged_into"]]
    by_kind = [{"kind": kind, "label": str(label), "results": [e for e in in_order if e["kind"] == kind]}
               for kind, label in domain.RESULT_KIND_SECTIONS.items()]
    by_addressee = {}
    for entry in ranking:
        by_addressee.setdefault(entry["addressee_label"] or _("Noch ohne Adressat"), []).append(entry)
    return {
        "event": {k: event[k] for k in ("id", "title", "date", "place", "status")},
        "counts": {
            "participants": store.participant_count(event_id),
            "languages": language_counts(cards, language_names),
            "cards": len(cards),
            "results": len(ranking),
            "tables": len(tables),
        },
        "tables": table_entries,
        "ranking": ranking,
        "by_addressee": by_addressee,
        "by_kind": [section for section in by_kind if section["results"]],
        "method": [[str(domain.METHOD_PARTS[part]), text] for part, text in domain.method_of(event).items() if text],
        **presence_entry(store, event_id),
        "who_does_what": [e for section in by_kind for e in section["results"]],
        "made_at": time.strftime("%d.%m.%Y %H:%M"),
        "topic": str(domain.TOPICS[topic]) if topic else "",
        "internal": internal,
    }


def also_heading(merged: dict) -> str:
    """The line over a result of another table merged into this one."""
    return _("Auch an Tisch %(table)s: %(title)s", table=merged["table"], title=merged["title"])


def presence_entry(store, event_id: str) -> dict:
    """Who was there, anonymously: phones that only read, and "Ich bin hier als …" per group,
    a group shown only from domain.MIN_GROUP people on (fewer could be recognised)."""
    counts: dict[str, int] = {}
    for row in store.presence(event_id):
        if row["affiliation"] in domain.AFFILIATIONS:
            counts[row["affiliation"]] = counts.get(row["affiliation"], 0) + 1
    return {
        "readers_only": store.readers_only(event_id),
        "affiliations": [[str(label), counts[key]] for key, label in domain.AFFILIATIONS.items()
                         if counts.get(key, 0) >= domain.MIN_GROUP],
        "affiliations_suppressed": any(0 < n < domain.MIN_GROUP for n in counts.values()),
    }


def presence_note() -> str:
    """How the affiliation counts come about (written next to them in every format)."""
    return _("Freiwillige, anonyme Angabe „Ich bin hier als …“; gezeigt werden nur Gruppen ab %(n)d Personen.",
             n=domain.MIN_GROUP)


def no_group_note() -> str:
    return _("Keine Gruppe mit mindestens %(n)d Angaben.", n=domain.MIN_GROUP)


def follow_up_entry(r: dict) -> dict:
    """A result's follow-up for the record: who, by when, how far (why not), the latest news."""
    news = views.news(r)
    latest = max(news, key=lambda n: n["at"]) if news else None
    return {
        "responsible": r["responsible"],
        "due": day_text(r["due"]) if r["due"] else "",
        "progress_label": str(domain.PROGRESS[r["progress"]]),
        "reason": r["reason"] if r["progress"] == "not_feasible" else "",
        "latest_news": f"{day_text(latest['at'])}: {latest['text']}" if latest else "",
    }


def day_text(value) -> str:
    """A day as the record's reader writes dates (German outside a request: the CLI, tests)."""
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else datetime.date.fromtimestamp(value)
    return format_date(day, "medium", locale=str(get_locale() or "de") if has_request_context() else "de")


def result_facts(r: dict) -> list[list[str]]:
    """[label, value] pairs the record shows under a result (empty ones left out); lists,
    not tuples, so the writers' escaping (_map_strings) reaches them."""
    progress = f"{r['progress_label']}: {r['reason']}" if r["reason"] else r["progress_label"]
    facts = [
        [_("Nächster Schritt"), r["next_step"]],
        [_("Kontakt"), r["contact"]],
        [_("Punkte"), votes_text(r)],
        [_("Adressat"), r["addressee_label"]],
        [_("Zusammengeführt mit"), r["merged_into"]],
        [_("Wer kümmert sich"), r["responsible"]],
        [_("Bis wann"), r["due"]],
        [_("Stand"), progress],
        [_("Neuigkeit"), r["latest_news"]],
        [_("Themen"), r["topics"]],
    ]
    return [[label, value] for label, value in facts if value]


def summary_line(counts: dict) -> str:
    """'12 Personen, 40 Karten, 8 Ergebnisse an 5 Tischen.' with each noun in its plural form."""
    return _("%(people)s, %(cards)s, %(results)s an %(tables)s.",
             people=ngettext("%(num)d Person", "%(num)d Personen", counts["participants"]),
             cards=ngettext("%(num)d Karte", "%(num)d Karten", counts["cards"]),
             results=ngettext("%(num)d Ergebnis", "%(num)d Ergebnisse", counts["results"]),
             tables=ngettext("%(num)d Tisch", "%(num)d Tischen", counts["tables"]))


def dots_text(n: int) -> str:
    """'1 Punkt', '3 Punkte'."""
    return ngettext("%(num)d Punkt", "%(num)d Punkte", n)


def language_counts(cards: list[dict], language_names: dict) -> list[tuple[str, int]]:
    """(language name, cards) for the published cards, most first; unknown languages last."""
    counts: dict[str, int] = {}
    for card in cards:
        counts[card["lang"]] = counts.get(card["lang"], 0) + 1
    named = sorted(([language_names.get(code, code), n] for code, n in counts.items() if code), key=lambda x: (-x[1], x[0]))
    return named + ([[_("Sprache unbekannt"), counts[""]]] if "" in counts else [])


def languages_text(record: dict) -> str:
    """'Deutsch 12, العربية 3' for the title page."""
    return ", ".join(f"{name} {n}" for name, n in record["counts"]["languages"]) or "–"


def votes_text(r: dict) -> str:
    """A result's dots for the record: the total, and how many of them were counted on paper."""
    paper = f" ({_('davon %(n)d auf Papier', n=r['paper_votes'])})" if r.get("paper_votes") else ""
    return f"{r['votes']}{paper}"


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
#
# What people typed goes into files that other programs open: Excel runs cell
# formulas, Markdown viewers render HTML and links, Word's XML refuses some
# characters. Each writer first makes every string of the record safe for its
# format (_map_strings), so no place that writes a field can forget it.

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|!~])")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _map_strings(value, fn):
    """The record with fn applied to every string in it."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    return value


def markdown_text(text: str) -> str:
    """Text shown as itself in Markdown: no HTML, no links, no emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def csv_cell(text: str) -> str:
    """A cell Excel shows as text, never runs as a formula (OWASP CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xml_text(text: str) -> str:
    """Text a DOCX can hold: without characters XML 1.0 forbids."""
    return _XML_INVALID.sub("", text)


def to_markdown(record: dict) -> str:
    """The record as Markdown."""
    record = _map_strings(record, markdown_text)
    e = record["event"]
    c = record["counts"]
    out = [f"# {_('Ergebnisprotokoll')}: {e['title']}", ""]
    meta = [x for x in (e["date"], e["place"]) if x]
    if meta:
        out += [" · ".join(meta), ""]
    out += [
        summary_line(c),
        "",
        f"{_('Handys, die nur gelesen haben')}: {record['readers_only']}",
        "",
        f"{_('Karten nach Sprache')}: {languages_text(record)}",
        "",
    ]
    if record["method"]:
        out += [f"## {_('Methode')}", ""]
        for label, text in record["method"]:
            out += [f"### {label}", "", text.replace("\n", "  \n"), ""]
    out += [f"## {_('Wer war da')}", "", presence_note(), ""]
    out += [f"- {label}: {n}" for label, n in record["affiliations"]] or [no_group_note()]
    out.append("")
    out += [f"## {_('Wer macht was bis wann')}", ""]
    out += [f"| {_('Ergebnis')} | {_('Tisch')} | {_('Art')} | {_('Wer kümmert sich')} | {_('Bis wann')} | {_('Stand')} |",
            "|---|---|---|---|---|---|"]
    for r in record["who_does_what"]:
        out.append("| " + " | ".join([r["title"], r["table"], r["kind_label"], r["responsible"] or "–", r["due"] or "–",
                                      r["progress_label"]]) + " |")
    out.append("")
    for section in record["by_kind"]:
        out += [f"## {section['label']}", ""]
        for r in section["results"]:
            out += [f"### {r['title']} ({r['table']})", ""]
            out += _result_lines(r, markdown=True)
            out += [f"- {_card_line(card, with_question=True)}" for card in r["cards"]] + [""]
            for merged in r["also"]:
                out += [f"#### {also_heading(merged)}", ""] + ([merged["description"], ""] if merged["description"] else [])
                out += [f"- {_card_line(card, with_question=True)}" for card in merged["cards"]] + [""]
    out += [f"## {_('Anhang: nach Tischen')}", ""]
    for table in record["tables"]:
        out += [f"### {table['name']}", ""]
        if table["results"]:
            out += [f"{_('Ergebnisse')}: " + "; ".join(r["title"] for r in table["results"]), ""]
        if any(group["cards"] for group in table["unsorted"]):
            out += [f"#### {_('Nicht in Ergebnisse sortierte Karten')}", ""]
            for group in table["unsorted"]:
                if group["cards"]:
                    out += [f"**{group['question']}**", ""] + [f"- {_card_line(card)}" for card in group["cards"]] + [""]
    out += [f"## {_('Anhang: alle Ergebnisse nach Punkten')}", ""]
    out += [f"| # | {_('Ergebnis')} | {_('Tisch')} | {_('Art')} | {_('Punkte')} | {_('Adressat')} |", "|---|---|---|---|---|---|"]
    for n, r in enumerate(record["ranking"], start=1):
        cells = [str(n), r["title"], r["table"], r["kind_label"], str(r["votes"]), r["addressee_label"]]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    for addressee, entries in record["by_addressee"].items():
        out += [f"### {addressee}", ""] + [f"- {r['title']} ({r['table']}, {dots_text(r['votes'])})" for r in entries] + [""]
    return "\n".join(out)


def _card_line(card: dict, with_question: bool = False) -> str:
    name = f" — {card['name']}" if card["name"] else ""
    translation = f" [{card['lang_name']} → Deutsch: {card['translation']}]" if card.get("translation") else ""
    at_table = f" ({_('am Tisch aufgenommen')})" if card.get("at_table") else ""
    # Left-to-right marks keep "(Frage: …?)" in its order inside a right-to-left card.
    question = f" \u200e({_('Frage')}: {card['question']})\u200e" if with_question else ""
    return f"{card['text']}{name}{translation}{at_table}{question}".replace("\n", " ")


def _result_lines(r: dict, markdown: bool = False) -> list[str]:
    lines = []
    if r["description"]:
        lines += [r["description"], ""]
    for label, value in r["facts"]:
        lines.append(f"{'**' + label + ':**' if markdown else label + ':'} {value}  ")
    return lines + [""]


CSV_COLUMNS = ["table", "question", "round", "card", "language", "translation", "name", "result", "result_kind", "status"]


def to_csv(record: dict) -> bytes:
    """One row per card."""
    rows = []
    for table in record["tables"]:
        for r in table["results"]:
            for card in r["cards"]:
                rows.append([table["name"], card["question"], card["round"], card["text"], card["lang_name"],
                             card["translation"], card["name"], r["title"], r["kind_label"], _("in Ergebnis")])
        for group in table["unsorted"]:
            for card in group["cards"]:
                rows.append([table["name"], card["question"], card["round"], card["text"], card["lang_name"],
                             card["translation"], card["name"], "", "", _("nicht sortiert")])
    return csv_bytes([_("Tisch"), _("Frage"), _("Runde"), _("Karte"), _("Sprache"), _("Deutsche Übersetzung"), _("Name"),
                      _("Ergebnis"), _("Art"), _("Status")], rows)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """A CSV file Excel (German) opens right: UTF-8 with BOM, ';', no cell run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in [header] + rows:
        writer.writerow(_map_strings([str(v) if not isinstance(v, str) else v for v in row], csv_cell))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# "Wer macht was bis wann" in Word: equal columns broke "Kommunalverwaltung" and dates
# mid-word in LibreOffice; the long texts get the room (16.4 cm of a 16.5 cm line).
PLAN_WIDTHS_CM = (3.4, 2.3, 2.3, 4.2, 2.2, 2.0)
PLAN_FONT_PT = 9
RANKING_WIDTHS_CM = (0.8, 4.6, 2.9, 2.9, 1.6, 3.6)


def _column_widths(table, widths_cm, font_pt: int) -> None:
    """Fixed column widths, as Word and LibreOffice both read them, and a smaller font."""
    from docx.shared import Cm, Pt

    for run in (run for row in table.rows for cell in row.cells for p in cell.paragraphs for run in p.runs):
        run.font.size = Pt(font_pt)
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)  # the grid LibreOffice lays out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)  # the cell widths Word reads


def to_docx(record: dict) -> bytes:
    """The record as an editable Word document (python-docx)."""
    record = _map_strings(record, xml_text)
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
        (_("Handys, die nur gelesen haben"), str(record["readers_only"])),
        (_("Karten"), str(c["cards"])),
        (_("Karten nach Sprache"), languages_text(record)),
        (_("Ergebnisse"), str(c["results"])),
        (_("Tische"), str(c["tables"])),
    ):
        row = facts.add_row().cells
        row[0].text, row[1].text = label, value
    para(_("Erstellt mit Tischrunde am %(when)s.", when=record["made_at"]))
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    if record["method"]:
        doc.add_heading(_("Methode"), level=1)
        for label, text in record["method"]:
            doc.add_heading(label, level=2)
            para(text)
    doc.add_heading(_("Wer war da"), level=1)
    para(presence_note())
    for label, n in record["affiliations"]:
        para(str(n), "List Bullet", bold_label=label)
    if not record["affiliations"]:
        para(no_group_note())

    doc.add_heading(_("Wer macht was bis wann"), level=1)
    plan = doc.add_table(rows=1, cols=6)
    plan.style = "Light Grid Accent 1"
    for cell, label in zip(plan.rows[0].cells, (_("Ergebnis"), _("Tisch"), _("Art"), _("Wer kümmert sich"), _("Bis wann"),
                                                _("Stand"))):
        cell.text = label
    for r in record["who_does_what"]:
        values = (r["title"], r["table"], r["kind_label"], r["responsible"] or "–", r["due"] or "–", r["progress_label"])
        for cell, value in zip(plan.add_row().cells, values):
            cell.text = value
    _column_widths(plan, PLAN_WIDTHS_CM, PLAN_FONT_PT)

    for section in record["by_kind"]:
        doc.add_heading(section["label"], level=1)
        for r in section["results"]:
            doc.add_heading(f"{r['title']} ({r['table']})", level=2)
            if r["description"]:
                para(r["description"])
            for label, value in r["facts"]:
                para(value, bold_label=label)
            for card in r["cards"]:
                para(_card_line(card, with_question=True), "List Bullet")
            for merged in r["also"]:
                doc.add_heading(also_heading(merged), level=3)
                if merged["description"]:
                    para(merged["description"])
                for card in merged["cards"]:
                    para(_card_line(card, with_question=True), "List Bullet")

    doc.add_heading(_("Anhang: nach Tischen"), level=1)
    for table in record["tables"]:
        doc.add_heading(table["name"], level=2)
        if table["results"]:
            para("; ".join(r["title"] for r in table["results"]), bold_label=_("Ergebnisse"))
        if any(group["cards"] for group in table["unsorted"]):
            doc.add_heading(_("Nicht in Ergebnisse sortierte Karten"), level=3)
            for group in table["unsorted"]:
                if group["cards"]:
                    para(group["question"]).runs[0].bold = True
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
    _column_widths(ranking, RANKING_WIDTHS_CM, PLAN_FONT_PT)
    doc.add_heading(_("Nach Adressat"), level=2)
    for addressee, entries in record["by_addressee"].items():
        doc.add_heading(addressee, level=3)
        for r in entries:
            para(f"{r['title']} ({r['table']}, {dots_text(r['votes'])})", "List Bullet")
    doc.core_properties.title = f"{_('Ergebnisprotokoll')}: {e['title']}"
    doc.core_properties.author = "Tischrunde"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- backup and restore ----------------------------------------------------------------

RUN_FIELDS = ("wall_mode", "phase", "current_round", "rounds", "round_minutes", "moderation", "dots", "status",
              "auto_timer", "sorting_minutes", "market_minutes", "publish_note")


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
                  "date": event["date"], "place": event["place"], **{k: event[k] for k in RUN_FIELDS},
                  "languages": json.loads(event["languages"]) if event["languages"] else [],
                  "hold_words": json.loads(event["hold_words"]) if event["hold_words"] else None,
                  "actors": json.loads(event["actors"]) if event["actors"] else None,
                  "method": domain.method_of(event)},
        "tables": [
            {"position": t["position"], "name": t["name"], "i18n": views.i18n(t), "moderation": t["moderation"],
             "questions": [{"position": q["position"], "text": q["text"], "i18n": views.i18n(q)}
                           for q in questions if q["table_id"] == t["id"]]}
            for t in tables
        ],
        "results": [
            {"id": r["id"], "table": position[r["table_id"]], "i18n": views.i18n(r), "news": views.news(r),
             "tags": views.tags(r),
             **{k: r[k] for k in ("kind", "title", "description", "next_step", "contact", "addressee",
                                  "status", "merged_into", "rank", "votes", "paper_votes", "created_at", "updated_at",
                                  "responsible", "due", "progress", "reason")}}
            for r in store.results(event_id) if r["status"] != domain.DELETED
        ],
        "cards": [
            {"id": c["id"], "table": position[c["table_id"]], "question": q_position[c["question_id"]],
             "author": c["author_id"], "hidden": c["status"] != VISIBLE,
             **{k: c[k] for k in ("name", "text", "status", "round", "result_id", "rank", "created_at", "updated_at",
                                  "lang", "translation", "translated_by", "source", "hold_reason", "reactions")}}
            for c in store.cards(event_id) if c["status"] != domain.WITHDRAWN
        ],
        # Dots with the voter's random id only: counts and "who took part" survive a move.
        "dots": store.all_votes(event_id),
        # Present phones with their optional "Ich bin hier als …": the record's counts survive a move.
        "presence": store.presence(event_id),
    }


def _check_list(value, limit: int) -> list:
    if not isinstance(value, list) or len(value) > limit:
        raise fail("invalid_backup")
    return value


def _check_number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e15:
        raise fail("invalid_backup")
    return float(value)


def _check_event(ev: dict) -> dict:
    rounds = domain.check_number(ev["rounds"], *domain.LIMITS["rounds"])
    return {
        "id": domain.check_event_id(ev["id"]),
        "title": domain.check_label(ev["title"]),
        "template": domain.check_choice(ev["template"], TEMPLATES, "invalid_backup"),
        "date": domain.check_optional_text(ev["date"], domain.MAX_TITLE_LENGTH),
        "place": domain.check_optional_text(ev["place"], domain.MAX_TITLE_LENGTH),
        "wall_mode": domain.check_choice(ev["wall_mode"], domain.WALL_MODES, "invalid_backup"),
        "phase": domain.check_choice(ev["phase"], domain.phases(rounds), "invalid_backup"),
        "current_round": domain.check_int(ev["current_round"], 0, rounds),
        "rounds": rounds,
        "round_minutes": domain.check_number(ev["round_minutes"], *domain.LIMITS["round_minutes"]),
        "moderation": domain.check_choice(ev["moderation"], domain.MODERATION_MODES, "invalid_backup"),
        "dots": domain.check_number(ev["dots"], *domain.LIMITS["dots"]),
        "status": domain.check_choice(ev["status"], ("open", "closed", "archived"), "invalid_backup"),
        "languages": json.dumps([domain.check_choice(code, catalogue.languages(), "invalid_backup")
                                 for code in _check_list(ev.get("languages", []), 50)]) if ev.get("languages") else "",
        "auto_timer": int(_check_bool(ev.get("auto_timer", True))),
        "sorting_minutes": domain.check_number(ev.get("sorting_minutes", 15), *domain.LIMITS["sorting_minutes"]),
        "market_minutes": domain.check_number(ev.get("market_minutes", 15), *domain.LIMITS["market_minutes"]),
        "publish_note": domain.check_optional_text(ev.get("publish_note", ""), domain.MAX_PUBLISH_NOTE_LENGTH),
        "hold_words": check_words(ev["hold_words"]) if ev.get("hold_words") is not None else "",
        "actors": json.dumps([domain.check_label(name) for name in _check_list(ev["actors"], domain.MAX_ACTORS)],
                             ensure_ascii=False) if ev.get("actors") is not None else "",
        "method": json.dumps({part: text for part in domain.METHOD_PARTS
                              if (text := domain.check_optional_text((ev.get("method") or {}).get(part, ""),
                                                                     domain.MAX_METHOD_LENGTH))},
                             ensure_ascii=False) if ev.get("method") else "",
    }


def _check_bool(value) -> bool:
    if not isinstance(value, (bool, int)) or value not in (0, 1):
        raise fail("invalid_backup")
    return bool(value)


def _check_i18n(value, limit: int) -> str:
    """Wording in other languages from a backup, as stored (JSON)."""
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise fail("invalid_backup")
    wording = {domain.check_choice(lang, catalogue.languages(), "invalid_backup"): domain.check_label(text, limit)
               for lang, text in value.items()}
    return json.dumps(wording, ensure_ascii=False, sort_keys=True)


def _check_tables(tables: list) -> list[dict]:
    checked = []
    for t in _check_list(tables, domain.MAX_TABLES):
        questions = [{"position": domain.check_int(q["position"], 1, domain.MAX_QUESTIONS),
                      "text": domain.check_label(q["text"], domain.MAX_QUESTION_LENGTH),
                      "i18n": _check_i18n(q.get("i18n"), domain.MAX_QUESTION_LENGTH)}
                     for q in _check_list(t["questions"], domain.MAX_QUESTIONS)]
        if len({q["position"] for q in questions}) != len(questions):
            raise fail("invalid_backup")
        checked.append({"position": domain.check_int(t["position"], 1, domain.MAX_TABLES),
                        "name": domain.check_label(t["name"]), "questions": questions,
                        "moderation": domain.check_choice(t.get("moderation", ""), ("", "pre", "post"), "invalid_backup"),
                        "i18n": _check_i18n(t.get("i18n"), domain.MAX_TITLE_LENGTH)})
    if len({t["position"] for t in checked}) != len(checked):
        raise fail("invalid_backup")
    return checked


def _check_result(r: dict, tables: set) -> dict:
    from .commands.results import RESULT_FIELDS

    if domain.check_int(r["table"]) not in tables:
        raise fail("invalid_backup")
    return {
        "id": domain.check_uuid(r["id"]), "table": r["table"],
        **{key: check(r[key] if key != "tags" else r.get("tags", [])) for key, check in RESULT_FIELDS.items()},
        "status": domain.check_choice(r["status"], (ACTIVE, MERGED), "invalid_backup"),
        "merged_into": domain.check_uuid(r["merged_into"]) if r["merged_into"] is not None else None,
        "rank": _check_number(r["rank"]), "votes": domain.check_int(r["votes"]),
        "paper_votes": domain.check_int(r.get("paper_votes", 0), 0, domain.MAX_PAPER_VOTES),
        "i18n": _check_i18n(r.get("i18n"), domain.MAX_TITLE_LENGTH),
        "created_at": _check_number(r["created_at"]), "updated_at": _check_number(r["updated_at"]),
        # The follow-up after the evening (absent from backups made before it existed).
        "responsible": domain.check_optional_text(r.get("responsible", ""), domain.MAX_TITLE_LENGTH),
        "due": domain.check_due(r.get("due", "")),
        "progress": domain.check_choice(r.get("progress", "open"), domain.PROGRESS, "invalid_backup"),
        "reason": domain.check_optional_text(r.get("reason", ""), domain.MAX_REASON_LENGTH),
        "news": json.dumps([{"id": domain.check_uuid(n["id"]),
                             "text": domain.check_optional_text(n["text"], domain.MAX_NEWS_LENGTH),
                             "at": _check_number(n["at"])} for n in _check_list(r.get("news", []), domain.MAX_NEWS_PER_RESULT)],
                           ensure_ascii=False),
    }


def _check_card(c: dict, questions: set, results: dict, rounds: int) -> dict:
    card = {
        "id": domain.check_uuid(c["id"]), "table": domain.check_int(c["table"]), "question": domain.check_int(c["question"]),
        "author": domain.check_label(c["author"], 64), "name": domain.check_name(c["name"]),
        "text": domain.check_card_text(c["text"]),
        "status": domain.check_choice(c["status"], (VISIBLE, domain.HIDDEN, domain.PENDING, domain.PRIVATE), "invalid_backup"),
        "round": domain.check_int(c["round"], 0, rounds),
        "result_id": domain.check_uuid(c["result_id"]) if c["result_id"] is not None else None,
        "rank": _check_number(c["rank"]),
        "created_at": _check_number(c["created_at"]), "updated_at": _check_number(c["updated_at"]),
        "lang": "" if not c.get("lang") else domain.check_choice(c["lang"], catalogue.names(), "invalid_backup"),
        "translation": domain.check_optional_text(c.get("translation"), domain.MAX_CARD_LENGTH),
        "translated_by": domain.check_choice(c.get("translated_by", ""), ("", "interpreter", "moderator", "lead"), "invalid_backup"),
        "source": domain.check_choice(c.get("source", "phone"), ("phone", "table"), "invalid_backup"),
        "hold_reason": domain.check_optional_text(c.get("hold_reason", ""), 60),
        "reactions": domain.check_int(c.get("reactions", 0)),
    }
    if (card["table"], card["question"]) not in questions:
        raise fail("invalid_backup")
    if card["result_id"] is not None and results.get(card["result_id"]) != card["table"]:
        raise fail("invalid_backup")
    return card


def _merges_hold(results: list[dict]) -> bool:
    """What result:merge can make: a merged result points to an active result of another
    table (one level: no result merged into itself, no cycles), an active one to none."""
    by_id = {r["id"]: r for r in results}
    for r in results:
        target = by_id.get(r["merged_into"]) if r["merged_into"] is not None else None
        if (r["status"] == MERGED) != (target is not None):
            return False
        if target is not None and (target["status"] != ACTIVE or target["table"] == r["table"]):
            return False
    return True


def check_backup(data) -> dict:
    """A backup with every value checked by the live commands' validators, else invalid_backup.

    What a command would refuse, an import refuses too, so an imported event
    never holds a value that breaks a page, a sync or an export later.
    """
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT or data.get("version") != BACKUP_VERSION:
        raise fail("invalid_backup")
    try:
        event = _check_event(data["event"])
        tables = _check_tables(data["tables"])
        positions = {t["position"] for t in tables}
        questions = {(t["position"], q["position"]) for t in tables for q in t["questions"]}
        results = [_check_result(r, positions) for r in _check_list(data["results"], 100_000)]
        table_of = {r["id"]: r["table"] for r in results}
        if len(table_of) != len(results) or not _merges_hold(results):
            raise fail("invalid_backup")
        cards = [_check_card(c, questions, table_of, event["rounds"]) for c in _check_list(data["cards"], 1_000_000)]
        if len({c["id"] for c in cards}) != len(cards):
            raise fail("invalid_backup")
        dots = [{"id": domain.check_uuid(d["id"]), "participant_id": domain.check_label(d["participant_id"], 64),
                 "result_id": d["result_id"]} for d in _check_list(data.get("dots", []), 1_000_000)]
        if any(d["result_id"] not in table_of for d in dots):
            raise fail("invalid_backup")
        presence = [{"participant_id": domain.check_label(p["participant_id"], 64),
                     "affiliation": "" if not p["affiliation"] else
                     domain.check_choice(p["affiliation"], domain.AFFILIATIONS, "invalid_backup")}
                    for p in _check_list(data.get("presence", []), 1_000_000)]
        if len({d["id"] for d in dots}) != len(dots) or len({p["participant_id"] for p in presence}) != len(presence):
            raise fail("invalid_backup")
    except domain.CommandError as err:
        raise fail("invalid_backup") from err
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise fail("invalid_backup") from err
    return {"event": event, "tables": tables, "results": results, "cards": cards, "dots": dots, "presence": presence}


def backup_json(store, event_id: str) -> bytes:
    """The backup as pretty JSON bytes."""
    return json.dumps(backup(store, event_id), ensure_ascii=False, indent=2).encode("utf-8")

"""The record of an event ("Ergebnisprotokoll"): what the town publishes.

build_record() gathers it: who does what by when, the results by kind with their
cards (and the question each answered), per table in an appendix with the cards not
sorted into results, the ranking; hidden, withdrawn and unapproved cards are left
out, and contacts too unless the lead asks for the internal copy. The writers turn
it into DOCX, Markdown and CSV (the HTML page is a Jinja template).
"""
from __future__ import annotations

import csv
import datetime
import io
import re
import time
import unicodedata
from dataclasses import dataclass

from babel.dates import format_date
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from . import domain, views
from . import languages as catalogue
from .domain import ACTIVE, MERGED


FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def result_votes(result: dict, tallies: dict[str, int]) -> int:
    """A result's dots: live ones while there are any, else the ranking stored at closing
    (or restored), plus the dots counted on paper."""
    return (tallies.get(result["id"], 0) if tallies else result["votes"]) + result["paper_votes"]


@dataclass
class _Source:
    """What one record is built from, read once."""

    event: dict
    tables: list[dict]
    questions: list[dict]
    cards: list[dict]  # the published ones
    results: list[dict]  # active and merged, of the topic when one is asked for
    tallies: dict
    internal: bool

    def __post_init__(self):
        self.names = {t["id"]: t["name"] for t in self.tables}
        self.question_text = {q["id"]: q["text"] for q in self.questions}
        self.by_id = {r["id"]: r for r in self.results}
        self.language_names = catalogue.names()


def build_record(store, event_id: str, internal: bool = False, topic: str | None = None) -> dict:
    """Everything the published record holds, in reading order.

    Contacts (a person's details) are in it only for the ``internal`` copy the
    lead asks for explicitly; the record the town publishes carries none.
    """
    event = store.event(event_id)
    src = _Source(event, store.tables(event_id), store.questions(event_id), views.published_cards(store.cards(event_id)),
                  [r for r in store.results(event_id) if r["status"] in (ACTIVE, MERGED)
                   and (topic is None or topic in views.tags(r))], store.tallies(event_id), internal)
    entries = _result_entries(src)
    tables = _table_entries(src, entries)
    ranking = _ranking(src, entries)
    by_kind = _by_kind(tables)
    return {
        "event": {k: event[k] for k in ("id", "title", "date", "place", "status")},
        "counts": {
            "participants": store.participant_count(event_id),
            "languages": language_counts(src.cards, src.language_names),
            "cards": len(src.cards),
            "results": len(ranking),
            "tables": len(src.tables),
        },
        "tables": tables,
        "ranking": ranking,
        "by_addressee": _by_addressee(ranking),
        "by_kind": [section for section in by_kind if section["results"]],
        "method": [[str(domain.METHOD_PARTS[part]), text] for part, text in domain.method_of(event).items() if text],
        **presence_entry(store, event_id),
        "who_does_what": [e for section in by_kind for e in section["results"]],
        "made_at": time.strftime("%d.%m.%Y %H:%M"),
        "topic": str(domain.TOPICS[topic]) if topic else "",
        "internal": internal,
    }


def _card_entry(src: _Source, c: dict) -> dict:
    return {"text": c["text"], "name": c["name"], "question": src.question_text[c["question_id"]], "round": c["round"],
            "lang": c["lang"], "lang_name": src.language_names.get(c["lang"], c["lang"]),
            "translation": c["translation"], "at_table": c["source"] == "table"}


def _result_entry(src: _Source, r: dict) -> dict:
    merged = src.by_id.get(r["merged_into"]) if r["status"] == MERGED else None
    return {
        "kind": r["kind"],
        "kind_label": str(domain.RESULT_KINDS[r["kind"]]),
        "title": r["title"],
        "description": r["description"],
        "next_step": r["next_step"],
        "contact": r["contact"] if src.internal else "",
        "addressee_label": str(domain.ADDRESSEES[r["addressee"]]) if r["addressee"] else "",
        "votes": result_votes(r, src.tallies),
        "paper_votes": r["paper_votes"],
        "table": src.names[r["table_id"]],
        "merged_into": f"{merged['title']} ({src.names[merged['table_id']]})" if merged else "",
        "also": [],  # results of other tables merged into this one (filled by _result_entries)
        "cards": [_card_entry(src, c) for c in sorted(src.cards, key=lambda c: c["rank"]) if c["result_id"] == r["id"]],
        **follow_up_entry(r),
        "topics": ", ".join(str(domain.TOPICS[t]) for t in views.tags(r)),
    }


def _result_entries(src: _Source) -> dict[str, dict]:
    """Every result's entry by id; a merged one also shown under its target, with its own
    table and cards (so no table drops out of the record)."""
    entries = {r["id"]: _result_entry(src, r) for r in src.results}
    for r in src.results:
        if entries[r["id"]]["merged_into"]:
            entries[r["merged_into"]]["also"].append(entries[r["id"]])
    return entries


def _table_entries(src: _Source, entries: dict[str, dict]) -> list[dict]:
    """Per table: its questions, its results (with their facts) and the cards in none."""
    tables = []
    for t in src.tables:
        qs = [q for q in src.questions if q["table_id"] == t["id"]]
        unsorted = [c for c in src.cards if c["table_id"] == t["id"] and c["result_id"] not in src.by_id]
        tables.append({
            "name": t["name"],
            "questions": [q["text"] for q in qs],
            "results": [entries[r["id"]] for r in src.results if r["table_id"] == t["id"]],
            "unsorted": [{"question": q["text"], "cards": [_card_entry(src, c) for c in unsorted if c["question_id"] == q["id"]]}
                         for q in qs],
        })
    for entry in (e for t in tables for e in t["results"]):
        entry["facts"] = result_facts(entry)
    return tables


def _ranking(src: _Source, entries: dict[str, dict]) -> list[dict]:
    """The ranking (views.ranking): a merged result is ranked with its target, unless the
    target is not in this record."""
    standing = [r for r in src.results if not entries[r["id"]]["merged_into"]]
    return [entries[r["id"]] for r in views.ranking(standing, lambda r: entries[r["id"]]["votes"])]


def _by_kind(tables: list[dict]) -> list[dict]:
    """Results by kind, in board order within a table and table order across (the sort is stable)."""
    in_order = [e for t in tables for e in t["results"] if not e["merged_into"]]
    return [{"kind": kind, "label": str(label), "results": [e for e in in_order if e["kind"] == kind]}
            for kind, label in domain.RESULT_KIND_SECTIONS.items()]


def _by_addressee(ranking: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for entry in ranking:
        groups.setdefault(entry["addressee_label"] or _("Noch ohne Adressat"), []).append(entry)
    return groups


def also_heading(merged: dict) -> str:
    """The line over a result of another table merged into this one."""
    return _("Auch an Tisch %(table)s: %(title)s", table=merged["table"], title=merged["title"])


def presence_entry(store, event_id: str) -> dict:
    """Who was there, anonymously: phones that only read, and "Ich bin hier als …" per group,
    a group shown only from domain.MIN_GROUP people on (fewer could be recognised)."""
    counts: dict[str, int] = {}
    for affiliation in store.affiliations_of_participants(event_id):
        if affiliation in domain.AFFILIATIONS:
            counts[affiliation] = counts.get(affiliation, 0) + 1
    return {
        "readers_only": store.readers_only(event_id),
        "affiliations": [[str(label), counts[key]] for key, label in domain.AFFILIATIONS.items()
                         if counts.get(key, 0) >= domain.MIN_GROUP],
        "affiliations_suppressed": any(0 < n < domain.MIN_GROUP for n in counts.values()),
    }


def presence_note() -> str:
    """How the affiliation counts come about (written next to them in every format)."""
    return _("Freiwillige, anonyme Angabe „Ich bin hier als …“ der Handys, die mitgemacht haben (Karte, „+1“ oder Punkt); gezeigt werden nur Gruppen ab %(n)d Personen.",
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

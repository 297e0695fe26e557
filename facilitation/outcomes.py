"""What became of the dialogue: the public page after the evening and its Atom feed.

Results by table and kind with how far each has come, who took it on, by when, the
latest news and the ranking. Public: no contacts, no cards' authors; the same for
everyone (the reader's language comes in through the template).
"""
from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

from . import domain, views
from .domain import ACTIVE, MERGED
from .commands import signups
from .record import result_votes

ATOM = "http://www.w3.org/2005/Atom"


def outcome(store, event_id: str) -> dict:
    """The public page's data: tables with their results (kind order, then board order),
    counts by progress, the ranking, and every piece of news newest first."""
    event = store.event(event_id)
    tallies = store.tallies(event_id)
    results = [r for r in store.results(event_id) if r["status"] == ACTIVE]
    kinds = list(domain.RESULT_KINDS)
    today = signups.today()
    entries = {r["id"]: _entry(r, result_votes(r, tallies), domain.signup_open(r, event, today)) for r in results}
    table_rows = store.tables(event_id)
    names = {t["id"]: t["name"] for t in table_rows}
    for merged in store.results(event_id):  # another table's result, shown under the one it joined
        if merged["status"] == MERGED and merged["merged_into"] in entries:
            entries[merged["merged_into"]]["also"].append(
                {"id": merged["id"], "title": merged["title"], "table": names[merged["table_id"]],
                 "description": merged["description"]})
    tables = []
    for table in table_rows:
        mine = [entries[r["id"]] for r in results if r["table_id"] == table["id"]]
        mine.sort(key=lambda e: kinds.index(e["kind"]))  # stable: board order within a kind
        tables.append({"id": table["id"], "name": table["name"], "i18n": views.i18n(table), "results": mine})
    progress = {key: sum(e["progress"] == key for e in entries.values()) for key in domain.PROGRESS}
    ranking = [entries[r["id"]] for r in views.ranking(results, lambda r: entries[r["id"]]["votes"])
               if entries[r["id"]]["votes"]]
    news = sorted(({**item, "result": e} for e in entries.values() for item in e["news"]), key=lambda n: -n["at"])
    return {"event": event, "tables": tables, "progress": progress, "ranking": ranking, "news": news,
            "updated": max([event["created_at"]] + [r["updated_at"] for r in results])}


def _entry(result: dict, votes: int, signup_open: bool) -> dict:
    view = views.public_result(result)
    return {
        "id": result["id"], "kind": result["kind"], "title": result["title"], "i18n": view["i18n"],
        "description": result["description"], "next_step": result["next_step"],
        "progress": result["progress"], "responsible": result["responsible"], "due": result["due"],
        "reason": result["reason"], "votes": votes, "table_id": result["table_id"],
        "news": sorted(view["news"], key=lambda n: -n["at"]), "signup_open": signup_open, "also": [],
    }


def _stamp(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="seconds")


def atom_feed(data: dict, page_url: str, feed_url: str, progress_labels: dict[str, str]) -> bytes:
    """An Atom feed: one entry per piece of news, newest first (for people who want to follow)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    event = data["event"]
    add(feed, "id", feed_url)
    add(feed, "title", event["title"])
    add(feed, "updated", _stamp(max([data["updated"]] + [n["at"] for n in data["news"]])))
    add(feed, "link", href=page_url, rel="alternate")
    add(feed, "link", href=feed_url, rel="self")
    author = add(feed, "author")
    add(author, "name", event["title"])
    for item in data["news"]:
        result = item["result"]
        entry = add(feed, "entry")
        add(entry, "id", f"urn:uuid:{item['id']}")
        add(entry, "title", f"{result['title']} ({progress_labels[result['progress']]})")
        add(entry, "updated", _stamp(item["at"]))
        add(entry, "link", href=f"{page_url}#result-{result['id']}", rel="alternate")
        add(entry, "content", item["text"], type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")

"""Whatever the evening did, every format publishes each visible card exactly once (issue 21).

A cross-table merge once dropped a table's result and its cards from the Markdown, HTML
and Word record and from the public page. Hypothesis drives random command sequences
through the real door (posts, pre-moderation, hiding, withdrawing, edits, results,
sorting, merges across tables, unmerges, deletions) and then reads every format.
"""
from __future__ import annotations

import io
import itertools
from collections import Counter
import re
import uuid

from conftest import create_event
from docx import Document
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from facilitation.web.lead import export_bytes
from facilitation.domain import ACTIVE, LEAD, MERGED, PARTICIPANT, VISIBLE, Actor, CommandError

EXAMPLES = 200
TABLES = 3  # of the five: enough for merges across tables
_events = itertools.count()
RAN: Counter = Counter()  # commands that went through, over all examples (--hypothesis-show-statistics)

index = st.integers(min_value=0, max_value=30)
STEPS = {
    "post": st.tuples(st.just("post"), st.integers(0, TABLES - 1), st.integers(0, 2)),
    "card": st.tuples(st.sampled_from(["hide", "show", "withdraw", "edit"]), index),
    "create": st.tuples(st.just("create"), st.integers(0, TABLES - 1), st.lists(index, min_size=1, max_size=3)),
    "assign": st.tuples(st.just("assign"), index, st.one_of(st.none(), index)),
    "merge": st.tuples(st.just("merge"), index, index),
    "result": st.tuples(st.sampled_from(["unmerge", "delete"]), index),
    "undo": st.tuples(st.just("undo"), st.integers(0, TABLES - 1)),
    "moderation": st.tuples(st.just("moderation"), st.integers(0, TABLES - 1), st.sampled_from(["pre", "post"])),
}
# An evening is mostly cards, then sorting: the weights of the steps.
WEIGHTS = {"post": 6, "card": 2, "create": 3, "assign": 2, "merge": 3, "result": 1, "undo": 1, "moderation": 1}
OPERATIONS = st.sampled_from([k for k, w in WEIGHTS.items() for _ in range(w)]).flatmap(STEPS.__getitem__)


class Evening:
    """One event driven through Commands.run, remembering every text each card ever had."""

    def __init__(self, commands):
        self.commands = commands
        self.id = create_event(commands, "gmuend", "Eigenschaften", f"prop{next(_events)}")
        self.tables = [t["id"] for t in commands.store.tables(self.id)]
        self.questions = {t: [q["id"] for q in commands.store.questions(self.id) if q["table_id"] == t] for t in self.tables}
        self.cards: list[dict] = []  # id, table, author, texts
        self.results: list[str] = []
        self.result_table: dict[str, int] = {}

    def staff(self, table: int) -> Actor:
        return Actor("moderator", self.id, self.tables[table], "tablet")

    def run(self, actor: Actor, name: str, payload: dict) -> bool:
        try:
            self.commands.run(name, actor, payload)
        except CommandError:  # a refused step (wrong table, not mergeable, ...) changes nothing
            return False
        RAN[name] += 1
        return True

    def apply(self, op: tuple) -> None:
        kind = op[0]
        if kind == "post":
            n = len(self.cards)
            card = {"id": str(uuid.uuid4()), "table": op[1], "author": f"{self.id}-p{n}", "texts": [f"zq{n:03d}v0zq"]}
            self.cards.append(card)
            self.run(Actor(PARTICIPANT, self.id, self.tables[op[1]], card["author"]), "card:post",
                     {"id": card["id"], "question": self.questions[self.tables[op[1]]][op[2]], "text": card["texts"][0]})
        elif kind == "create":
            rid = str(uuid.uuid4())
            here = [c["id"] for c in self.cards if c["table"] == op[1]]
            cards = list(dict.fromkeys(here[i % len(here)] for i in op[2])) if here else []
            if self.run(self.staff(op[1]), "result:create",
                        {"id": rid, "kind": "solution", "title": f"rq{len(self.results)}rq", "cards": cards}):
                self.results.append(rid)
                self.result_table[rid] = op[1]
        elif not self.cards and kind in ("hide", "show", "withdraw", "edit", "assign"):
            return
        elif kind in ("hide", "show"):
            self.run(self.lead(), f"card:{kind}", {"id": self.card(op[1])["id"]})
        elif kind == "withdraw":
            card = self.card(op[1])
            self.run(Actor(PARTICIPANT, self.id, self.tables[card["table"]], card["author"]), "card:withdraw",
                     {"id": card["id"]})
        elif kind == "edit":
            card = self.card(op[1])
            card["texts"].append(f"zq{self.cards.index(card):03d}v{len(card['texts'])}zq")
            self.run(self.lead(), "card:edit", {"id": card["id"], "text": card["texts"][-1]})
        elif kind == "assign":
            result = self.result(op[2]) if op[2] is not None else None
            self.run(self.lead(), "card:assign", {"id": self.card(op[1])["id"], "result": result})
        elif kind == "merge" and self.results:  # mostly across tables: what dropped a table once
            source = self.result(op[1])
            others = [r for r in self.results if self.result_table[r] != self.result_table[source]] or self.results
            self.run(self.lead(), "result:merge", {"source": source, "target": others[op[2] % len(others)]})
        elif kind in ("unmerge", "delete") and self.results:
            self.run(self.lead(), f"result:{kind}", {"id": self.result(op[1])})
        elif kind == "undo":
            self.run(self.staff(op[1]), "undo", {})
        elif kind == "moderation":
            self.run(self.lead(), "moderation:set", {"table": self.tables[op[1]], "mode": op[2]})

    def card(self, i: int) -> dict:
        return self.cards[i % len(self.cards)]

    def result(self, i: int) -> str | None:
        return self.results[i % len(self.results)] if self.results else None

    def lead(self) -> Actor:
        return Actor(LEAD, self.id)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = (cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    return "\n".join([p.text for p in doc.paragraphs] + list(cells))


def formats(app, event_id: str) -> dict[str, str]:
    with app.test_request_context():
        record = {fmt: export_bytes(event_id, fmt) for fmt in ("html", "md", "csv", "docx")}
    return {"html": record["html"].decode(), "md": record["md"].decode(), "csv": record["csv"].decode("utf-8-sig"),
            "docx": docx_text(record["docx"]),
            "public": app.test_client().get(f"/e/{event_id}/results").get_data(as_text=True)}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(st.lists(OPERATIONS, min_size=5, max_size=40))
def test_every_format_publishes_each_visible_card_once(app, commands, ops):
    evening = Evening(commands)
    before = RAN.copy()
    for op in ops:
        evening.apply(op)
    for name in RAN - before:
        event(name)
    stored = {c["id"]: c for c in commands.store.cards(evening.id)}
    published = {c["id"] for c in stored.values() if c["status"] == VISIBLE}
    texts = formats(app, evening.id)
    for card in evening.cards:
        current = card["texts"][-1]
        shown = card["id"] in published
        for name in ("html", "md", "csv", "docx"):
            count = len(re.findall(current, texts[name]))
            assert count == (1 if shown else 0), (name, current, stored.get(card["id"], {}).get("status"), count)
        for old in card["texts"][:-1] + ([] if shown else [current]):
            assert all(old not in text for text in texts.values()), old
        assert current not in texts["public"]  # the public page shows results, never cards
    results = commands.store.results(evening.id)
    live = {r["id"] for r in results if r["status"] == ACTIVE}
    for r in results:
        anchors = texts["public"].count(f'id="result-{r["id"]}"')
        visible = r["status"] == ACTIVE or (r["status"] == MERGED and r["merged_into"] in live)
        assert anchors == (1 if visible else 0), (r["status"], r["title"])
        if visible:
            assert all(r["title"] in texts[name] for name in ("html", "md", "docx")), r["title"]

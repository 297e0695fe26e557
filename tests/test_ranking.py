"""One ranking everywhere (issue 22): the record, the public page and every screen order
results by views.ranking's rule, most dots first, at equal dots the result made first.
The screens' copy of the rule in live.js runs under Node against the server's."""
from __future__ import annotations

import random
import uuid

from conftest import lead, moderator
from node import run_js

from facilitation import outcomes, views
from facilitation import record as records


def test_live_js_ranks_exactly_as_the_server_on_many_ties():
    rng = random.Random(22)
    cases, server = [], []
    for _ in range(30):
        results = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "created_at": float(rng.choice([1, 2, 3])),
                    "title": rng.choice(["Apfel", "apfel", "Äpfel", "Zebra", "ein Titel"])} for _ in range(12)]
        dots = {r["id"]: rng.choice([0, 1, 1, 2]) for r in results}
        cases.append({"results": results, "dots": dots})
        server.append([r["id"] for r in views.ranking(results, lambda r, dots=dots: dots[r["id"]])])
    assert run_js("ranking.js", cases) == server


def _two_results_with_equal_dots(commands, event):
    """"Zebra" made first, "Apfel" second, both with 2 dots on paper; "Mitte" with 1."""
    ids = {}
    for title, votes in (("Zebra", 2), ("Apfel", 2), ("Mitte", 1)):
        ids[title] = str(uuid.uuid4())
        commands.run("result:create", moderator(event), {"id": ids[title], "kind": "project_idea", "title": title})
        commands.run("vote:paper", moderator(event), {"result": ids[title], "votes": votes})
    return ids


def test_at_equal_dots_the_result_made_first_leads_in_the_record_and_on_the_public_page(commands, event):
    _two_results_with_equal_dots(commands, event)
    record = records.build_record(commands.store, event["id"])
    assert [e["title"] for e in record["ranking"]] == ["Zebra", "Apfel", "Mitte"]  # the title no longer decides
    commands.run("event:close", lead(event), {})
    public = outcomes.outcome(commands.store, event["id"])
    assert [e["title"] for e in public["ranking"]] == ["Zebra", "Apfel", "Mitte"]

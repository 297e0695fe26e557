"""axe-core (WCAG 2.1 AA rules) finds no serious or critical violation on the pages people use:
phone (German, Arabic), tablet (both tabs, with a hidden card), lead console, synthesis board,
interpreter page and wall."""
from __future__ import annotations

import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_kit import PHONE, TABLET, WALL, lead_api, open_page

from server import socket_client

SERIOUS = ("serious", "critical")


@pytest.fixture
def busy_event(server):
    """The demo event with cards (one hidden, one Arabic) and a result."""
    links = server.links()
    table = links["tables"][0]
    phone = socket_client(server, f"/e/demo/t/{table['id']}", {"event": "demo", "role": "participant", "table": table["id"]})
    question = [q["id"] for q in phone.call("sync", {"since": 0})["snapshot"]["questions"] if q["table_id"] == table["id"]][0]
    ids = []
    for text, lang in (("Mehr Bänke am Marktplatz", "de"), ("نحتاج إلى دروس لغة", "ar"), ("Beleidigung", "de")):
        ids.append(str(uuid.uuid4()))
        assert phone.call("card:post", {"id": ids[-1], "question": question, "text": text, "lang": lang})["ok"]
    phone.disconnect()
    api = lead_api(server, links)
    assert api.call("card:hide", {"id": ids[2]})["ok"]
    assert api.call("result:create", {"id": str(uuid.uuid4()), "table": table["id"], "kind": "solution", "title": "Sitzbänke",
                                      "cards": [ids[0]]})["ok"]
    api.disconnect()
    return links


def serious_violations(page) -> list:
    result = Axe().run(page)
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result.response["violations"] if v["impact"] in SERIOUS]


def test_no_serious_accessibility_violations(browser, busy_event):
    links = busy_event
    table = links["tables"][0]
    pages = [
        ("phone-de", PHONE, table["participant"], "#status.ok", None),
        ("phone-ar", {**PHONE, "locale": "ar"}, table["participant"] + "?lang=ar", "#status.ok", None),
        ("tablet-cards", TABLET, table["moderator"], ".card.hidden", None),
        ("tablet-results", TABLET, table["moderator"], "#status.ok", "#tab-results"),
        ("lead", {"viewport": {"width": 1280, "height": 800}}, links["lead"], "#status.ok", None),
        ("board", {"viewport": {"width": 1280, "height": 800}}, links["lead"], "#status.ok", "a[href$='/lead/board']"),
        ("interpreter", TABLET, links["interpreter"], "#status.ok", None),
        ("wall", WALL, links["wall"], ".wall-table .card", None),
    ]
    found = {}
    for name, options, url, ready, click in pages:
        ctx, page = open_page(browser, options, url, ready=ready)
        if click:
            page.click(click)
            page.wait_for_selector("#status.ok")
        violations = serious_violations(page)
        if violations:
            found[name] = violations
        ctx.close()
    assert found == {}

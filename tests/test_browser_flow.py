"""A flow without glitches: a round starts its timer, the table change is offered from round 2
on (emptiest table first) and goes away with the next phase; time-up shows on every screen."""
from __future__ import annotations

import sqlite3

from browser_kit import PHONE, TABLET, lead_api, open_page, shot


def test_rounds_timers_table_change_and_time_up_on_every_screen(browser, server):
    links = server.links()
    table = links["tables"][0]
    api = lead_api(server, links)
    phone_ctx, phone = open_page(browser, PHONE, table["participant"])
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])

    # Round 1 starts its timer by itself; no table change yet.
    assert api.call("event:configure", {"round_minutes": 1})["ok"]
    assert api.call("phase:set", {"phase": "round:1"})["ok"]
    phone.wait_for_selector("#run-bar .run-timer.running")
    assert phone.locator("#change-table").is_hidden()

    # Time is up: phone and tablet say so too, not only the wall.
    with sqlite3.connect(server.data_dir / "tischrunde.db") as db:
        db.execute("UPDATE events SET timer_started_at = timer_started_at - 58 WHERE id = 'demo'")
    assert api.call("event:configure", {"dots": 3})["ok"]  # any run change makes screens read the timer again
    for page in (phone, tablet):
        page.wait_for_selector("#run-bar .time-up-note:not([hidden])", timeout=10_000)
        assert "Zeit ist um" in page.locator("#run-bar .time-up-note").inner_text()
    shot(phone, "phone-time-up-390")

    # Round 2: the table change, emptiest table first; the next phase takes it away.
    assert api.call("phase:set", {"phase": "round:2"})["ok"]
    phone.wait_for_selector("#change-table:not([hidden]) a.suggested")
    assert phone.locator("#change-table a").count() == 4
    assert phone.locator("#run-bar .time-up-note").is_hidden()  # a new timer runs
    assert api.call("phase:set", {"phase": "sorting"})["ok"]
    phone.wait_for_selector("#change-table", state="hidden")
    phone.wait_for_selector("#run-bar .run-timer.running")  # sorting has its timer too
    for ctx in (phone_ctx, tablet_ctx):
        ctx.close()
    api.disconnect()


def test_phones_get_thanks_the_ranking_and_where_results_appear(browser, server):
    import uuid

    links = server.links()
    table = links["tables"][0]
    api = lead_api(server, links)
    result = str(uuid.uuid4())
    assert api.call("result:create", {"id": result, "table": table["id"], "kind": "project_idea", "title": "Bürgerbus"})["ok"]
    assert api.call("event:update", {"publish_note": "Ab 1. Dezember auf www.gmuend.de/dialog"})["ok"]
    assert api.call("phase:set", {"phase": "market"})["ok"]
    phone_ctx, phone = open_page(browser, PHONE, table["participant"])
    phone.locator(f"[data-result='{result}'] .dot-plus").click()
    phone.wait_for_selector("#dots-left >> text=2 Punkte übrig")
    phone.wait_for_timeout(300)
    assert phone.locator("#closing-panel").is_hidden()
    assert api.call("voting:close", {})["ok"]
    phone.wait_for_selector("#closing-panel:not([hidden]) >> text=Danke fürs Mitmachen!")
    assert "Bürgerbus" in phone.locator("#closing-ranking").inner_text()
    assert "1 Punkt" in phone.locator("#closing-ranking").inner_text()
    assert api.call("event:close", {})["ok"]
    phone.wait_for_selector("#publish-note:not([hidden]) >> text=Ab 1. Dezember")
    shot(phone, "phone-closing-390")
    phone_ctx.close()
    api.disconnect()

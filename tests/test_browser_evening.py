"""A whole short evening in the browser: the lead runs it, every screen follows."""
from __future__ import annotations

import sqlite3
import uuid

from browser_kit import PHONE, TABLET, WALL, lead_api, open_page, shot


def test_a_short_world_cafe(browser, server):
    links = server.links()
    table = links["tables"][0]
    lead_ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    lead = lead_ctx.new_page()
    lead.goto(links["lead"])
    lead.wait_for_selector("#phase-steps button.current")
    wall_ctx = browser.new_context(**WALL)
    wall = wall_ctx.new_page()
    wall.goto(links["wall"])
    wall.wait_for_selector("#run-bar .run-phase >> text=Ankommen")
    phones = [open_page(browser, PHONE, table["participant"]) for _ in range(2)]
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])

    # Round 1: the lead moves on and starts the timer; every screen follows.
    lead.click("#phase-next")
    wall.wait_for_selector("#run-bar .run-phase >> text=Runde 1")
    lead.click("[data-timer='timer:start']")
    for page in (wall, tablet, phones[0][1]):
        page.wait_for_selector("#run-bar .run-timer.running")
    times = [p.locator("#run-bar .run-timer").inner_text() for p in (wall, tablet, phones[0][1], phones[1][1])]
    assert all(t.startswith(("20:00", "19:5")) for t in times), times
    shot(lead, "lead-console-1280")

    # A phone posts; the tablet sorts it into a result.
    phone = phones[0][1]
    phone.fill("#card-text", "Ein Bürgerbus für die Ortsteile")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#mine .card:not(:has(.pending))")
    api = lead_api(server, links)
    card_id = api.call("sync", {"since": 0})["snapshot"]["cards"][0]["id"]
    result_id = str(uuid.uuid4())
    assert api.call("result:create", {"id": result_id, "table": table["id"], "kind": "project_idea", "title": "Bürgerbus", "cards": [card_id]})["ok"]
    other = str(uuid.uuid4())
    assert api.call("result:create", {"id": other, "table": links["tables"][1]["id"], "kind": "solution", "title": "Sprachcafé"})["ok"]

    # Round 2 offers a table change on the phones.
    lead.click("#phase-next")
    phone.wait_for_selector("#change-table:not([hidden])")
    assert phone.locator("#change-table a").count() == 4
    phone.click("#change-table button")
    # The host's tablet shows what round 1 said at this table.
    tablet.wait_for_selector("#earlier:not([hidden]) li >> text=Ein Bürgerbus für die Ortsteile")
    tablet.wait_for_selector("#earlier li >> text=Projektidee: Bürgerbus")
    shot(tablet, "tablet-round2-1024")

    # Market place: voting opens on the phones; two phones vote; the wall ranks live.
    lead.click("#phase-steps button >> text=Marktplatz")
    wall.wait_for_selector(".ranking .rank-item")
    first, second = phones[0][1], phones[1][1]
    for page in (first, second):
        page.wait_for_selector("#vote-panel:not([hidden])")
    first.click(f"[data-result='{result_id}'] .dot-plus")
    first.click(f"[data-result='{result_id}'] .dot-plus")
    first.click(f"[data-result='{other}'] .dot-plus")
    first.wait_for_selector("#dots-left >> text=0 Punkte übrig")
    assert first.locator(f"[data-result='{other}'] .dot-plus").is_disabled()
    second.click(f"[data-result='{other}'] .dot-plus")
    second.click(f"[data-result='{other}'] .dot-plus")
    second.click(f"[data-result='{other}'] .dot-plus")
    first.click(f"[data-result='{result_id}'] .dot-minus")  # take one back
    wall.wait_for_function(
        "() => [...document.querySelectorAll('.rank-item .rank-votes')].map(e => e.textContent).join(',') === '4,1'"
    )
    assert wall.locator(".rank-item .rank-title").first.inner_text() == "Sprachcafé"
    shot(first, "phone-voting-390")
    shot(wall, "wall-ranking-1920")

    # Closing: voting closes, the ranking is stored with the results.
    lead.click("#phase-next")
    lead.wait_for_selector("#voting-state >> text=gespeichert")
    stored = {r["id"]: r["votes"] for r in api.call("sync", {"since": 0})["snapshot"]["results"]}
    assert stored == {result_id: 1, other: 4}
    first.wait_for_selector("#vote-panel[hidden]", state="attached")
    api.disconnect()
    for ctx in [lead_ctx, wall_ctx, tablet_ctx] + [c for c, _ in phones]:
        ctx.close()


def test_pre_moderation_in_the_browser(browser, server):
    links = server.links()
    table = links["tables"][2]
    api = lead_api(server, links)
    assert api.call("moderation:set", {"mode": "pre"})["ok"]
    phone_ctx, tablet_ctx, wall_ctx = browser.new_context(**PHONE), browser.new_context(**TABLET), browser.new_context(**WALL)
    phone, tablet, wall = phone_ctx.new_page(), tablet_ctx.new_page(), wall_ctx.new_page()
    phone.goto(table["participant"])
    tablet.goto(table["moderator"])
    wall.goto(links["wall"])
    phone.wait_for_selector("#status.ok")
    phone.fill("#card-text", "Bitte erst prüfen")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#mine .badge.pending >> text=wartet auf Freigabe")
    tablet.wait_for_selector("#queue:not([hidden]) .card-text >> text=Bitte erst prüfen")
    shot(tablet, "tablet-queue-1024")
    assert wall.locator(".card-text").count() == 0
    tablet.click("#queue button >> text=Freigeben")
    wall.wait_for_selector(".card-text >> text=Bitte erst prüfen")
    phone.wait_for_selector("#mine .card:not(:has(.pending))")
    api.disconnect()
    for ctx in (phone_ctx, tablet_ctx, wall_ctx):
        ctx.close()


def test_time_up_signal_on_the_wall(browser, server):
    links = server.links()
    api = lead_api(server, links)
    assert api.call("event:configure", {"round_minutes": 1})["ok"]
    assert api.call("phase:set", {"phase": "round:1"})["ok"]
    assert api.call("timer:start", {})["ok"]
    wall_ctx = browser.new_context(**WALL)
    wall = wall_ctx.new_page()
    wall.goto(links["wall"])
    wall.wait_for_selector("#run-bar .run-timer.ending")
    # Move the round's start back 58 s in the database (as if a minute had nearly
    # passed), then let any lead command carry the run state to the screens.
    with sqlite3.connect(server.data_dir / "tischrunde.db") as db:
        db.execute("UPDATE events SET timer_started_at = timer_started_at - 58 WHERE id = 'demo'")
    assert api.call("event:configure", {"dots": 3})["ok"]
    wall.wait_for_selector("#time-up:not([hidden])", timeout=10_000)
    assert "Zeit ist um" in wall.locator("#time-up").inner_text()
    assert wall.locator("#run-bar .run-timer").inner_text() == "0:00"
    shot(wall, "wall-time-up-1920")
    api.disconnect()
    wall_ctx.close()

"""Clustering in the browser: a tablet drags cards onto a result by finger and
by mouse; a second tablet, the wall and the phones follow live."""
from __future__ import annotations

import uuid

from browser_kit import PHONE, TABLET, WALL, lead_api, open_page, shot, touch_drag, seed_cards
from test_browser_axe import serious_violations


def centre(page, selector):
    target = page.locator(selector).first
    target.wait_for(state="visible")  # the board may be re-rendering after the last change
    box = target.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def open_results_tab(browser, url):
    ctx, page = open_page(browser, TABLET, url)
    page.click("#tab-results")
    return ctx, page


def test_tablets_cluster_cards_and_everyone_sees_it(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], ["Mehr Busse am Abend", "Der Bus fährt zu selten", "Spielplatz im Hardt fehlt"])

    tablet_ctx, tablet = open_results_tab(browser, table["moderator"])
    second_ctx, second = open_results_tab(browser, table["moderator"])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready=".wall-table")

    # A result, made through the dialog.
    tablet.click("#new-result")
    tablet.check("#result-dialog input[value=solution]")
    tablet.fill("#result-title", "Bessere Busanbindung")
    tablet.fill("#result-next", "Antrag an den Gemeinderat")
    tablet.click("#result-dialog button[value=save]")
    second.wait_for_selector("#results .result h3 >> text=Bessere Busanbindung")

    # Finger: drag the first bus card onto the result.
    start = centre(tablet, "#unsorted .card:has-text('Mehr Busse am Abend') .grip")
    target = centre(tablet, "#results .result")
    touch_drag(tablet, start, target)
    second.wait_for_selector("#results .result .card-text >> text=Mehr Busse am Abend")

    # Mouse: drag the second bus card onto the same result.
    sx, sy = centre(tablet, "#unsorted .card:has-text('Der Bus fährt zu selten') .grip")
    tx, ty = centre(tablet, "#results .result h3")
    tablet.mouse.move(sx, sy)
    tablet.mouse.down()
    tablet.mouse.move(sx + 30, sy + 20, steps=4)
    tablet.mouse.move(tx, ty, steps=10)
    tablet.mouse.up()
    second.wait_for_selector("#results .result .card-text >> text=Der Bus fährt zu selten")
    assert second.locator("#results .result .card").count() == 2
    assert second.locator("#unsorted .card").count() == 1
    shot(tablet, "tablet-results-1024")

    # Keyboard only: focus the grip, Enter, choose the target.
    tablet.focus("#unsorted .card .grip")
    tablet.keyboard.press("Enter")
    tablet.wait_for_selector("#choice-dialog[open]")
    tablet.get_by_role("button", name="→ Bessere Busanbindung").focus()
    tablet.keyboard.press("Enter")
    second.wait_for_selector("#unsorted .empty")

    # Undo takes the keyboard move back.
    tablet.click("#undo")
    second.wait_for_selector("#unsorted .card-text >> text=Spielplatz im Hardt fehlt")

    # The wall, switched to results by the lead, shows the result with its card count.
    lead_ctx = browser.new_context(**TABLET)
    lead = lead_ctx.new_page()
    lead.goto(links["lead"])
    lead.wait_for_selector("#status.ok")
    lead.click("[data-wall-mode=results]")
    wall.wait_for_selector(".wall-result h3 >> text=Bessere Busanbindung")
    assert "2" in wall.locator(".wall-result .meta").inner_text()
    shot(wall, "wall-results-1920")

    # Phones of the table see the result, read only.
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone.goto(table["participant"])
    phone.wait_for_selector("#table-results .result h3 >> text=Bessere Busanbindung")
    shot(phone, "phone-results-390")
    for ctx in (tablet_ctx, second_ctx, wall_ctx, lead_ctx, phone_ctx):
        ctx.close()


def test_suggestions_accepted_on_the_tablet(browser, server):
    links = server.links()
    table = links["tables"][1]
    seed_cards(server, table["id"], [
        "Mehr Ehrenamtliche für die Hausaufgabenhilfe", "Ehrenamt braucht Anerkennung", "Ehrenamtliche Helfer fehlen überall",
        "Vereine finden keinen Vorstand", "Der Sportverein sucht Trainer", "Die Vereine brauchen Nachwuchs",
    ])
    ctx, tablet = open_results_tab(browser, table["moderator"])
    tablet.click("#suggest")
    tablet.wait_for_selector(".suggestion")
    groups = tablet.locator(".suggestion").count()
    assert groups >= 1
    tablet.locator(".suggestion button.primary").first.click()
    tablet.wait_for_selector("#results .result")
    assert tablet.locator("#results .result .card").count() >= 2
    assert tablet.locator(".suggestion").count() == groups - 1
    ctx.close()


def test_lead_merges_across_tables_and_sets_addressee(browser, server):
    links = server.links()
    # Two tables' results, made through the command path as a tablet would.
    api = lead_api(server, links)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for table, result_id in zip(links["tables"][:2], (first, second)):
        ack = api.call("result:create", {"id": result_id, "table": table["id"], "kind": "round_table", "title": f"Runder Tisch {table['name']}"})
        assert ack["ok"], ack

    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    lead = ctx.new_page()
    lead.goto(links["lead"])
    lead.click("text=Ergebnisse aller Tische (Synthese)")
    lead.wait_for_selector(f"[data-result='{second}']")
    lead.select_option(f"[data-result='{first}'] select[aria-label='Adressat']", "kommune")
    lead.wait_for_selector("#status.ok >> text=Gespeichert")
    lead.select_option(f"[data-result='{first}'] select[aria-label='Zusammenführen mit …']", second)
    lead.wait_for_selector(f"[data-result='{first}'].merged")
    shot(lead, "lead-board-1280")
    state = {r["id"]: r for r in api.call("sync", {"since": 0})["snapshot"]["results"]}
    assert (state[first]["status"], state[first]["merged_into"]) == ("merged", second)
    assert state[first]["addressee"] == "kommune"
    lead.click(f"[data-result='{first}'] button >> text=Trennen")
    lead.wait_for_selector(f"[data-result='{first}']:not(.merged)")
    api.disconnect()
    ctx.close()


def test_a_picked_up_card_marks_the_results_it_likely_belongs_to(browser, server):
    links = server.links()
    table = links["tables"][2]
    seed_cards(server, table["id"], ["Der Bus nach Bettringen fährt abends zu selten", "Mehr Busverbindungen am Wochenende",
                                     "Der Spielplatz im Hardt ist kaputt", "Neue Spielgeräte für den Stadtgarten",
                                     "Автобус увечері ходить дуже рідко"])
    api = lead_api(server, links)
    ids = {c["text"]: c["id"] for c in api.call("sync", {"since": 0})["snapshot"]["cards"]}
    bus, play = str(uuid.uuid4()), str(uuid.uuid4())
    for result_id, title, texts in ((bus, "Busse", ["Der Bus nach Bettringen fährt abends zu selten", "Mehr Busverbindungen am Wochenende"]),
                                    (play, "Spielplätze", ["Der Spielplatz im Hardt ist kaputt", "Neue Spielgeräte für den Stadtgarten"])):
        ack = api.call("result:create", {"id": result_id, "table": table["id"], "kind": "problem_note", "title": title,
                                          "cards": [ids[t] for t in texts]})
        assert ack["ok"], ack
    api.disconnect()
    loose = ids["Автобус увечері ходить дуже рідко"]
    ctx, tablet = open_results_tab(browser, table["moderator"])
    grip = f"#cluster [data-card='{loose}'] .grip"

    # Dragging: while the card is held, the bus result is marked.
    x, y = centre(tablet, grip)
    tablet.mouse.move(x, y)
    tablet.mouse.down()
    tablet.mouse.move(x + 40, y + 40, steps=5)
    tablet.wait_for_selector(f"#results [data-result='{bus}'].likely .likely-badge >> text=passt vielleicht")
    assert tablet.locator(f"#results [data-result='{play}'].likely").count() == 0
    shot(tablet, "tablet-likely-1024")
    tablet.mouse.move(5, 5, steps=3)
    tablet.mouse.up()  # dropped nowhere: nothing moves, the marks go
    tablet.wait_for_selector(f"#results [data-result='{bus}']:not(.likely)")

    # Tapping the grip (no dragging): the dialog marks the same result.
    tablet.click(grip)
    tablet.wait_for_selector(f"#choice-list [data-result='{bus}'].likely")
    assert tablet.locator(f"#choice-list [data-result='{play}'].likely").count() == 0
    shot(tablet, "tablet-likely-dialog-1024")
    assert serious_violations(tablet) == []
    ctx.close()

"""Real pages in Debian's Chromium (Playwright), against the real eventlet server.

Screenshots of every page land in test-artifacts/ (git-ignored) to look at.
"""
from __future__ import annotations

from browser_kit import PHONE, TABLET, WALL, no_foreign_requests, open_page, shot


def test_phone_posts_wall_shows_moderator_hides(browser, server):
    links = server.links()
    table = links["tables"][0]

    wall_ctx = browser.new_context(**WALL)
    wall = wall_ctx.new_page()
    wall_foreign = no_foreign_requests(wall, server)
    wall.goto(links["wall"])
    wall.wait_for_selector(".join-screen img")  # before the first card: the join screen
    shot(wall, "wall-join-1920")

    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone_foreign = no_foreign_requests(phone, server)
    phone.goto(table["participant"])
    phone.wait_for_selector("#status.ok")
    phone.get_by_label("Was muss verbessert werden?").check()
    text = "Mehr Sprachkurse am Abend <b>bitte</b> 🙏"
    phone.fill("#card-text", text)
    phone.fill("#card-name", "Olena")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#mine .card:not(:has(.pending))")
    assert phone.locator("#mine .card-text").inner_text() == text
    shot(phone, "phone-390")

    card_on_wall = wall.locator(".wall-table[data-table='%d'] .card-text" % table["id"])
    card_on_wall.wait_for(timeout=3000)
    assert card_on_wall.inner_text() == text  # shown as text, not as HTML
    assert wall.locator(".wall-table h2").first.inner_text().startswith("Bauen & Wohnen")
    assert wall.locator(".wall-table b").count() == 0
    shot(wall, "wall-1920")

    tablet_ctx = browser.new_context(**TABLET)
    tablet = tablet_ctx.new_page()
    tablet.goto(table["moderator"])
    assert "?k=" not in tablet.url
    tablet.wait_for_selector("[data-cards-for] .card")
    assert tablet.locator("[data-cards-for] .card-text").inner_text() == text
    shot(tablet, "tablet-1024")
    tablet.click("[data-cards-for] .card button.edit")
    tablet.fill(".edit-form textarea", "Mehr Sprachkurse am Abend, bitte")
    tablet.click(".edit-form button[type=submit]")
    wall.wait_for_selector(".card-text >> text=Mehr Sprachkurse am Abend, bitte", timeout=3000)
    phone.wait_for_selector("#mine .card-text >> text=Mehr Sprachkurse am Abend, bitte")
    tablet.click("[data-cards-for] .card button.hide")

    card_on_wall.wait_for(state="detached", timeout=3000)
    tablet.wait_for_selector("[data-cards-for] .card.hidden")
    phone.wait_for_selector("#mine .card.hidden")
    assert wall_foreign == [] and phone_foreign == []
    for ctx in (wall_ctx, phone_ctx, tablet_ctx):
        ctx.close()


def test_card_typed_while_server_is_down_arrives_later(browser, server):
    links = server.links()
    table = links["tables"][1]
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone.goto(table["participant"])
    phone.wait_for_selector("#status.ok")

    server.kill9()
    phone.wait_for_selector("#status.bad")
    phone.fill("#card-text", "Geschrieben im Funkloch")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#mine .pending")
    shot(phone, "phone-offline")

    server.start()
    phone.wait_for_selector("#mine .card:not(:has(.pending))", timeout=15000)
    wall_ctx = browser.new_context(**WALL)
    wall = wall_ctx.new_page()
    wall.goto(links["wall"])
    wall.wait_for_selector(".wall-table[data-table='%d'] .card-text" % table["id"])
    assert wall.locator(".card-text").all_inner_texts() == ["Geschrieben im Funkloch"]
    phone_ctx.close()
    wall_ctx.close()


def test_plain_form_without_javascript(browser, server):
    links = server.links()
    table = links["tables"][2]
    ctx = browser.new_context(java_script_enabled=False, **PHONE)
    page = ctx.new_page()
    page.goto(table["participant"])
    page.fill("#card-text", "Ohne JavaScript geht es auch")
    page.click("button[type=submit]")
    page.wait_for_selector(".notice")
    assert "Ohne JavaScript geht es auch" in page.locator("#mine").inner_text()
    page.click("a[href^='?cards=all']")  # Playwright's text selectors skip <noscript>
    assert "Ohne JavaScript geht es auch" in page.locator("#table-cards").inner_text()
    ctx.close()


def test_lead_console_and_720p_wall(browser, server):
    links = server.links()
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    lead = ctx.new_page()
    lead.goto(links["lead"])
    assert "?k=" not in lead.url
    lead.wait_for_selector("#status.ok")
    lead.click("#phase-next")  # round 1: the wall leaves its join screen for the tables
    lead.fill("#name-%d" % links["tables"][3]["id"], "Frauen & Familie")
    lead.click("form.rename[data-table='%d'] button" % links["tables"][3]["id"])
    lead.wait_for_selector("#status.ok >> text=Gespeichert")
    shot(lead, "lead-1280")
    wall_ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 720})
    wall = wall_ctx.new_page()
    wall.goto(links["wall"])
    wall.wait_for_selector(".wall-table[data-table='%d'] h2 >> text=Frauen & Familie" % links["tables"][3]["id"])
    shot(wall, "wall-1280")
    ctx.close()
    wall_ctx.close()


def test_editing_survives_live_updates(browser, server):
    links = server.links()
    table = links["tables"][4]
    (ctx_a, a), (ctx_b, b) = (open_page(browser, PHONE, table["participant"]) for _ in range(2))
    a.fill("#card-text", "Erste Fassung")
    a.click("button[type=submit]")
    a.wait_for_selector("#mine .card:not(:has(.pending))")
    a.click("#mine .card button >> text=Bearbeiten")
    a.fill(".edit-form textarea", "Zweite Fassung, noch nicht gespeichert")
    b.fill("#card-text", "Karte vom Nachbarn")
    b.click("button[type=submit]")
    a.wait_for_selector("#table-cards .card-text >> text=Karte vom Nachbarn")
    assert a.input_value(".edit-form textarea") == "Zweite Fassung, noch nicht gespeichert"
    a.click(".edit-form button[type=submit]")
    a.wait_for_selector("#mine .card-text >> text=Zweite Fassung, noch nicht gespeichert")
    b.wait_for_selector("#table-cards .card-text >> text=Zweite Fassung, noch nicht gespeichert")
    ctx_a.close()
    ctx_b.close()


def test_arabic_phone_right_to_left(browser, server):
    links = server.links()
    table = links["tables"][0]
    ctx, page = open_page(browser, {**PHONE, "locale": "ar"}, table["participant"])
    assert page.eval_on_selector("html", "e => [e.lang, e.dir]") == ["ar", "rtl"]
    assert page.inner_text("#status") == "متصل"
    page.fill("#card-text", "نحتاج إلى دورات لغة في المساء")
    page.click("button[type=submit]")
    page.wait_for_selector("#mine .card:not(:has(.pending))")
    card = page.locator("#mine .card-text")
    assert card.inner_text() == "نحتاج إلى دورات لغة في المساء"
    assert card.evaluate("e => getComputedStyle(e).direction") == "rtl"
    shot(page, "phone-arabic-390")
    ctx.close()

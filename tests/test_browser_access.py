"""Accessible pages: the send confirmation is announced, the tablet keeps the keyboard focus while
cards arrive and after a keyboard move."""
from __future__ import annotations


from browser_kit import PHONE, TABLET, open_page, seed_cards


def test_the_phone_confirms_a_sent_card_and_shows_it_first(browser, server):
    table = server.links()["tables"][0]
    ctx, phone = open_page(browser, PHONE, table["participant"])
    for text in ("Erste Karte", "Zweite Karte"):
        phone.fill("#card-text", text)
        phone.click("#card-form button[type=submit]")
        phone.wait_for_selector("#sent-note:not([hidden]) >> text=Ihre Karte ist angekommen.")
    note = phone.locator("#sent-note")
    assert note.get_attribute("role") == "status" and note.is_visible()
    assert phone.locator("#mine .card-text").first.inner_text() == "Zweite Karte"  # newest first
    ctx.close()


def test_the_tablet_keeps_focus_while_cards_arrive_and_after_a_keyboard_move(browser, server):
    table = server.links()["tables"][0]
    seed_cards(server, table["id"], ["Die erste Karte"])
    ctx, tablet = open_page(browser, TABLET, table["moderator"])
    card = tablet.locator(".card", has_text="Die erste Karte").first
    card.wait_for()
    card.locator("button.edit").focus()
    seed_cards(server, table["id"], ["Eine neue Karte kommt an"])
    tablet.wait_for_selector(".card >> text=Eine neue Karte kommt an")
    focused = tablet.evaluate("() => [document.activeElement.className, document.activeElement.closest('[data-card]').innerText]")
    assert focused[0] == "edit" and "Die erste Karte" in focused[1]

    # Keyboard path on the results tab: Enter on the grip, choose a new result; focus follows the card.
    tablet.click("#tab-results")
    grip = tablet.locator("#unsorted .card", has_text="Die erste Karte").locator(".grip")
    grip.focus()
    tablet.keyboard.press("Enter")
    tablet.locator("#choice-list button", has_text="Neues Ergebnis").click()
    tablet.fill("#result-title", "Erstes Ergebnis")
    tablet.click("#result-dialog button[value=save]")
    tablet.wait_for_selector("#results .card-text >> text=Die erste Karte")
    seed_cards(server, table["id"], ["Noch eine Karte"])
    tablet.wait_for_selector("#unsorted .card-text >> text=Noch eine Karte")
    active = tablet.evaluate("() => document.activeElement.tagName + ' ' + (document.activeElement.closest('[data-card],[data-result]') || document.body).innerText")
    assert active != "BODY " and not active.startswith("BODY"), active
    ctx.close()


def test_the_wall_reads_from_the_back_and_grows_with_zoom_and_the_join_page_never_overflows(browser, server):
    links = server.links()
    seed_cards(server, links["tables"][0]["id"], ["Wohnungsbaugenossenschaftsgründung unterstützen"])

    def wall_sizes(viewport, scale):
        ctx = browser.new_context(viewport=viewport, device_scale_factor=scale)
        page = ctx.new_page()
        page.goto(links["wall"])
        page.wait_for_selector(".wall-table .card")
        sizes = page.evaluate("""() => ({
            card: parseFloat(getComputedStyle(document.querySelector('.wall-table .card')).fontSize),
            qr: document.querySelector('.wall-join img').getBoundingClientRect().width,
            overflow: [...document.querySelectorAll('.wall-table .card')].some(c => c.scrollWidth > c.clientWidth + 1),
        })""")
        ctx.close()
        return sizes

    normal = wall_sizes({"width": 1920, "height": 1080}, 1)
    zoomed = wall_sizes({"width": 960, "height": 540}, 2)  # what 200 % browser zoom does to a 1080p wall
    assert normal["card"] >= 34 and normal["qr"] >= 280 and not normal["overflow"]
    assert zoomed["card"] * 2 > normal["card"] * 1.3  # text grows with zoom (it was fixed in vw)

    ctx = browser.new_context(viewport={"width": 195, "height": 600})  # a 390 px phone at 200 %
    page = ctx.new_page()
    page.goto(links["join"] + "?lang=ar")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    ctx.close()

"""Content across languages in the browser: an interpreter translates an Arabic card, the tablet
and the wall show it; a card and paper dots for someone without a phone; a result voted on in Farsi."""
from __future__ import annotations

import uuid

from browser_kit import PHONE, TABLET, WALL, lead_api, open_page, seed_cards, shot

ARABIC = "نحتاج إلى دروس لغة في المساء"
TRANSLATION = "Wir brauchen Sprachkurse am Abend"


def test_an_arabic_card_is_translated_and_read_by_everyone(browser, server):
    links = server.links()
    table = links["tables"][0]
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready="#run-bar")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    phone_ctx, phone = open_page(browser, {**PHONE, "locale": "ar"}, table["participant"] + "?lang=ar")
    phone.fill("#card-text", ARABIC)
    phone.click("#card-form button[type=submit]")
    phone.wait_for_selector("#mine .card:not(:has(.pending))")

    # The tablet sees the card as Arabic, not yet translated.
    card = tablet.locator(".card", has_text=ARABIC).first
    card.wait_for()
    assert card.locator(".card-text").get_attribute("lang") == "ar"
    assert card.locator(".badge.lang").inner_text() == "العربية"

    # The interpreter translates it.
    interp_ctx, interp = open_page(browser, TABLET, links["interpreter"])
    item = interp.locator("#to-translate li", has_text=ARABIC)
    item.wait_for()
    interp.select_option("#filter-lang", "ar")  # the filters keep their choice through redraws
    interp.select_option("#filter-table", str(table["id"]))
    assert interp.locator("#filter-lang").input_value() == "ar"
    assert interp.locator("#filter-table").input_value() == str(table["id"])
    assert item.locator("select").input_value() == "ar"  # the card's language, preselected
    interp.select_option("#filter-lang", "")
    item.locator("textarea").fill(TRANSLATION)
    item.locator("button[type=submit]").click()
    interp.wait_for_selector("#status.ok >> text=Gespeichert")
    shot(interp, "interpreter-1024")

    # Tablet and wall show the original with the German translation under it.
    tablet.wait_for_selector(f".card .card-translation >> text={TRANSLATION}")
    wall.wait_for_selector(f".wall-table .card-translation >> text={TRANSLATION}")
    assert wall.locator(".wall-table .card-translation").first.get_attribute("lang") == "de"
    shot(wall, "wall-translated-1920")
    shot(tablet, "tablet-translated-1024")
    for ctx in (wall_ctx, tablet_ctx, phone_ctx, interp_ctx):
        ctx.close()


def test_a_moderator_translates_a_card_on_the_tablet(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], [ARABIC])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready=".wall-table .card")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    card = tablet.locator("[data-cards-for] .card", has_text=ARABIC).first
    card.locator("button.translate").click()
    form = tablet.locator(".edit-form")
    assert form.locator("textarea").get_attribute("lang") == "de"  # the translation is typed in German
    form.locator("textarea").fill(TRANSLATION)
    form.locator("button[type=submit]").click()
    tablet.wait_for_selector(f"[data-cards-for] .card .card-translation >> text={TRANSLATION}")
    wall.wait_for_selector(f".wall-table .card-translation >> text={TRANSLATION}")
    for ctx in (wall_ctx, tablet_ctx):
        ctx.close()


def test_someone_without_a_phone_takes_part_and_a_farsi_phone_votes(browser, server):
    links = server.links()
    table = links["tables"][0]
    api = lead_api(server, links)
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready="#run-bar")

    # The moderator types a card for someone at the table, in Farsi, with a translation.
    tablet.click("#record summary")
    tablet.fill("#record-text", "ما به مهد کودک بیشتری نیاز داریم")
    tablet.select_option("#record-lang", "fa")
    tablet.fill("#record-translation", "Wir brauchen mehr Kitaplätze")
    tablet.click("#record-form button[type=submit]")
    tablet.wait_for_selector(".card .badge >> text=am Tisch aufgenommen")
    wall.wait_for_selector(".wall-table .card-translation >> text=Wir brauchen mehr Kitaplätze")
    snapshot = api.call("sync", {"since": 0})["snapshot"]
    recorded = snapshot["cards"][0]
    assert recorded["source"] == "table" and recorded["lang"] == "fa"

    # A result with a Farsi title; the market place opens.
    result_id = str(uuid.uuid4())
    assert api.call("result:create", {"id": result_id, "table": table["id"], "kind": "project_idea", "title": "Mehr Kitaplätze",
                                      "cards": [recorded["id"]]})["ok"]
    assert api.call("text:translate", {"kind": "result", "id": result_id, "lang": "fa", "text": "مهد کودک بیشتر"})["ok"]
    assert api.call("phase:set", {"phase": "market"})["ok"]

    # A Farsi phone votes on the Farsi title, the German under it.
    phone_ctx, phone = open_page(browser, {**PHONE, "locale": "fa"}, table["participant"] + "?lang=fa")
    vote = phone.locator(f".vote-item[data-result='{result_id}']")
    vote.wait_for()
    assert vote.locator(".vote-title").first.inner_text() == "مهد کودک بیشتر"
    assert vote.locator(".vote-title").first.get_attribute("lang") == "fa"
    assert vote.locator(".original").inner_text() == "Mehr Kitaplätze"
    vote.locator(".dot-plus").click()
    wall.wait_for_selector(f".rank-item[data-result='{result_id}'] .rank-votes >> text=1")
    assert phone.locator("#dots-left").inner_text() == "۲ امتیاز باقی مانده"  # counted phrase, Persian digits
    shot(phone, "phone-fa-vote-390")

    # Paper dots counted at the table join the ranking.
    tablet.click("#tab-results")
    paper = tablet.locator(f"[data-result='{result_id}'] .paper-dots")
    paper.locator("input").fill("3")
    paper.locator("button").click()
    wall.wait_for_selector(f".rank-item[data-result='{result_id}'] .rank-votes >> text=4")
    assert "3" in wall.locator(f".rank-item[data-result='{result_id}'] .rank-meta").inner_text()
    shot(wall, "wall-paper-dots-1920")
    for ctx in (tablet_ctx, wall_ctx, phone_ctx):
        ctx.close()
    api.disconnect()


def test_every_offered_language_sets_lang_and_direction_and_farsi_writes_persian_digits(browser, server):
    from facilitation.languages import languages

    table = server.links()["tables"][0]
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    for code, entry in languages().items():
        page.goto(f"{table['participant']}?lang={code}")
        page.wait_for_selector("#status.ok")
        assert page.locator("html").get_attribute("lang") == code
        assert page.locator("html").get_attribute("dir") == entry["dir"]
        if code == "fa":
            assert page.locator("#card-count").inner_text().startswith("۲۸۰")
            shot(page, "phone-fa-390")
    ctx.close()

"""Moderation that cannot leak: the queue survives a switch back to 'Sofort sichtbar', a phone
number waits for the moderator (with the reason), one table goes to pre-moderation alone."""
from __future__ import annotations

from browser_kit import PHONE, TABLET, WALL, lead_api, open_page, shot


def post(phone, text):
    phone.fill("#card-text", text)
    phone.click("#card-form button[type=submit]")


def test_the_queue_survives_a_mode_switch_until_the_lead_releases_it(browser, server):
    links = server.links()
    table = links["tables"][0]
    api = lead_api(server, links)
    assert api.call("moderation:set", {"mode": "pre"})["ok"]
    lead_ctx, lead = open_page(browser, {"viewport": {"width": 1280, "height": 900}}, links["lead"])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready="#run-bar")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    phone_ctx, phone = open_page(browser, PHONE, table["participant"])
    post(phone, "Eine Beleidigung, die niemand sehen soll")
    tablet.wait_for_selector("#queue:not([hidden]) .card-text >> text=Eine Beleidigung")
    lead.click("[data-moderation='post']")
    lead.wait_for_selector("[data-moderation='post'][aria-pressed='true']")
    phone.wait_for_timeout(500)
    assert tablet.locator("#queue-list .card").count() == 1  # still waiting
    assert wall.locator(".card-text >> text=Eine Beleidigung").count() == 0
    assert "wartet auf Freigabe" in phone.locator("#mine").inner_text()
    lead.once("dialog", lambda dialog: dialog.accept())
    lead.click("#release-queue")
    wall.wait_for_selector(".card-text >> text=Eine Beleidigung")
    for ctx in (lead_ctx, wall_ctx, tablet_ctx, phone_ctx):
        ctx.close()
    api.disconnect()


def test_a_phone_number_waits_for_the_moderator_with_the_reason(browser, server):
    links = server.links()
    table = links["tables"][0]
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready="#run-bar")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    phone_ctx, phone = open_page(browser, PHONE, table["participant"])
    post(phone, "Ruf mich an: 0171 1234567")
    held = tablet.locator("#queue-list .card", has_text="0171")
    held.wait_for()
    assert held.locator(".badge.hold").inner_text() == "enthält eine Telefonnummer"
    phone.wait_for_selector("#mine .badge.pending >> text=wartet auf Freigabe")
    shot(tablet, "tablet-held-phone-number-1024")
    assert wall.locator(".card-text >> text=0171").count() == 0
    held.locator("button.show").click()
    wall.wait_for_selector(".card-text >> text=Ruf mich an")
    for ctx in (wall_ctx, tablet_ctx, phone_ctx):
        ctx.close()


def test_one_table_goes_to_pre_moderation_alone(browser, server):
    links = server.links()
    heated, calm = links["tables"][0], links["tables"][1]
    tablet_ctx, tablet = open_page(browser, TABLET, heated["moderator"])
    tablet.select_option("#table-moderation", "pre")
    tablet.wait_for_selector("#status.ok >> text=Verbunden")
    tablet.wait_for_timeout(300)
    hot_ctx, hot = open_page(browser, PHONE, heated["participant"])
    cool_ctx, cool = open_page(browser, PHONE, calm["participant"])
    post(hot, "Am heißen Tisch")
    post(cool, "Am ruhigen Tisch")
    hot.wait_for_selector("#mine .badge.pending >> text=wartet auf Freigabe")
    cool.wait_for_selector("#sent-note >> text=Ihre Karte ist angekommen.")
    tablet.wait_for_selector("#queue-list .card-text >> text=Am heißen Tisch")
    for ctx in (tablet_ctx, hot_ctx, cool_ctx):
        ctx.close()

"""A wall that shows a table's whole harvest: 20 cards at one table all come round, with
"+N weitere"; the spotlight; '+1' reactions counted once per phone."""
from __future__ import annotations


from browser_kit import PHONE, TABLET, WALL, lead_api, open_page, shot, seed_cards

from server import LiveServer


def test_twenty_cards_at_a_table_all_come_round_on_the_wall(browser, tmp_path):
    # Pages of 3 cards: the wall loads its snapshot in 7 pages (issue 13) and misses none.
    live = LiveServer(tmp_path, WALL_ROTATE_SECONDS="1", SNAPSHOT_PAGE="3").start()
    try:
        table = live.links()["tables"][0]["id"]
        texts = [f"Karte Nummer {n}: ein Gedanke zum Wohnen in der Stadt" for n in range(20)]
        seed_cards(live, table, texts[:10])
        seed_cards(live, table, texts[10:])
        ctx, wall = open_page(browser, WALL, live.links()["wall"], ready=".wall-table .card")
        section = wall.locator(f".wall-table[data-table='{table}']")
        more = section.locator(".more")
        more.wait_for()
        assert "weitere Karten" in more.inner_text()
        assert section.locator(".count").inner_text() == "20"
        shot(wall, "wall-more-cards-1920")
        seen = set()
        for _ in range(40):
            seen |= set(section.locator(".card:not([hidden]) .card-text").all_inner_texts())
            if len(seen) == 20:
                break
            wall.wait_for_timeout(500)
        assert seen == set(texts)  # every card came round, none vanished unseen
        ctx.close()
    finally:
        live.stop()


def test_the_spotlight_puts_a_card_large_on_the_wall(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], ["Ein Gemeinschaftsgarten hinter dem Rathaus"])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready=".wall-table .card")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    card = tablet.locator(".card", has_text="Gemeinschaftsgarten").first
    card.locator(".spotlight-button").click()
    wall.wait_for_selector("#spotlight:not([hidden]) .card-text >> text=Ein Gemeinschaftsgarten")
    assert "Bauen & Wohnen" in wall.locator("#spotlight .spotlight-table").inner_text()
    shot(wall, "wall-spotlight-1920")
    tablet.locator(".card", has_text="Gemeinschaftsgarten").first.locator(".spotlight-button[aria-pressed='true']").click()
    wall.wait_for_selector("#spotlight", state="hidden")
    wall_ctx.close()
    tablet_ctx.close()


def test_reactions_count_once_per_phone(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], ["Mehr Licht im Park"])
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready=".wall-table .card")
    first_ctx, first = open_page(browser, PHONE, table["participant"])
    second_ctx, second = open_page(browser, PHONE, table["participant"])
    first.locator("#table-cards .card", has_text="Mehr Licht").locator("button.agree").click()
    wall.wait_for_selector(".wall-table .reactions >> text=+1")
    # Still someone else's card on the phone: pressed, and not among "my cards" (the ack of a
    # '+1' carries the card, and the phone took it for its own).
    first.wait_for_selector("#table-cards .card:has-text('Mehr Licht') button.agree[aria-pressed=true]", state="attached")
    assert first.locator("#mine .card-text >> text=Mehr Licht").count() == 0
    second.locator("#table-cards .card", has_text="Mehr Licht").locator("button.agree").click()
    wall.wait_for_selector(".wall-table .reactions >> text=+2")
    first.reload()
    first.wait_for_selector("#status.ok")
    pressed = first.locator("#table-cards .card", has_text="Mehr Licht").locator("button.agree")
    assert pressed.get_attribute("aria-pressed") == "true"  # the phone remembers its +1
    pressed.click()  # pressed again: taken back, never counted twice
    wall.wait_for_selector(".wall-table .reactions >> text=+1")
    for ctx in (wall_ctx, first_ctx, second_ctx):
        ctx.close()


def test_private_writing_then_reveal(browser, server):
    links = server.links()
    table = links["tables"][0]
    api = lead_api(server, links)
    assert api.call("event:configure", {"private_writing": True})["ok"]
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready="#run-bar")
    tablet_ctx, tablet = open_page(browser, TABLET, table["moderator"])
    author_ctx, author = open_page(browser, PHONE, table["participant"])
    neighbour_ctx, neighbour = open_page(browser, PHONE, table["participant"])
    author.fill("#card-text", "Mein stiller Gedanke")
    author.click("#card-form button[type=submit]")
    author.wait_for_selector("#mine .badge.private")
    wall.wait_for_selector(".wall-table .veiled >> text=1 Karte wird noch verdeckt geschrieben")
    neighbour.wait_for_selector(".veiled >> text=1 Karte wird noch verdeckt geschrieben")
    assert "Mein stiller Gedanke" not in wall.content() and "Mein stiller Gedanke" not in neighbour.content()
    tablet.wait_for_selector(".card .badge.private")
    assert "Mein stiller Gedanke" in tablet.content()  # the moderator reads it
    shot(wall, "wall-veiled-1920")
    tablet.click("#reveal")
    wall.wait_for_selector(".wall-table .card-text >> text=Mein stiller Gedanke")
    neighbour.wait_for_selector("#table-cards .card-text >> text=Mein stiller Gedanke")
    for ctx in (wall_ctx, tablet_ctx, author_ctx, neighbour_ctx):
        ctx.close()
    api.disconnect()


def test_one_table_in_focus_on_the_wall(browser, server):
    links = server.links()
    api = lead_api(server, links)
    assert api.call("phase:set", {"phase": "round:1"})["ok"]
    wall_ctx, wall = open_page(browser, WALL, links["wall"], ready=".wall-table")
    focus = links["tables"][2]["id"]
    assert api.call("wall:focus", {"table": focus})["ok"]
    wall.wait_for_selector("body.focus")
    assert wall.locator(".wall-table").count() == 1
    assert wall.locator(".wall-table").get_attribute("data-table") == str(focus)
    assert api.call("wall:focus", {})["ok"]
    wall.wait_for_selector("body:not(.focus)")
    wall_ctx.close()
    api.disconnect()


def test_a_change_the_wall_was_never_sent_shows_at_the_next_catch_up(browser, tmp_path):
    """Issue 21: a change stored but never sent (the queue was down, or the server died between
    storing and sending) stayed missing on a screen until it reconnected, even once later
    changes had arrived: asked from the last seq it had seen, the missed one was older."""
    from facilitation.commands import Commands
    from facilitation.domain import LEAD, Actor
    from facilitation.store import Store
    from server import SECRET_KEY

    live = LiveServer(tmp_path, CATCH_UP_SECONDS="1").start()
    try:
        tables = live.links()["tables"]
        seed_cards(live, tables[1]["id"], ["Eine Karte davor"])
        ctx, wall = open_page(browser, WALL, live.links()["wall"])
        # Another process stores a change whose sending is lost: the same database, no broadcast.
        elsewhere = Store(str(tmp_path / "tischrunde.db"))
        Commands(elsewhere, SECRET_KEY).run(
            "table:rename", Actor(LEAD, "demo"), {"table": tables[1]["id"], "name": "Im Stillen umbenannt"})
        elsewhere.close()
        # A later change does arrive live: the wall has now seen a newer seq than the one it missed.
        seed_cards(live, tables[0]["id"], ["Eine Karte danach"])
        wall.wait_for_selector(".card-text >> text=Eine Karte danach")
        assert wall.locator(".card-text >> text=Eine Karte danach").count() == 1
        wall.wait_for_selector(f".wall-table[data-table='{tables[1]['id']}'] h2 >> text=Im Stillen umbenannt", timeout=15000)
        ctx.close()
    finally:
        live.stop()

"""A phone on bad terms with the server: a card refused for good never blocks the others, and a
phone whose cookie is gone gets back in."""
from __future__ import annotations

import json
import uuid

from browser_kit import PHONE, open_page, shot


def test_a_card_refused_for_good_leaves_the_outbox_and_stays_readable(browser, server):
    links = server.links()
    table = links["tables"][0]
    ctx, phone = open_page(browser, PHONE, table["participant"])
    question = int(phone.locator("input[name=question]").first.get_attribute("value"))
    refused = {"key": "a", "name": "card:post", "payload": {"id": str(uuid.uuid4()), "question": question, "text": "x" * 400}}
    good = {"key": "b", "name": "card:post", "payload": {"id": str(uuid.uuid4()), "question": question, "text": "Danach gesendet"}}
    # Two cards waiting from an earlier visit: the first too long for the server (an old page's limit).
    phone.evaluate("([k, v]) => localStorage.setItem(k, v)", ["tischrunde:outbox:demo", json.dumps([refused, good])])
    phone.reload()
    phone.wait_for_selector("#refused .refused")
    phone.wait_for_selector("#mine .card-text >> text=Danach gesendet")
    assert phone.locator("#refused .refused-text").input_value() == "x" * 400
    assert "280" in phone.locator("#refused .badge").inner_text()
    phone.wait_for_function("() => localStorage.getItem('tischrunde:outbox:demo') === '[]'")  # the good one went through
    phone.wait_for_selector("#mine .card:not(:has(.pending)) .card-text >> text=Danach gesendet")
    shot(phone, "phone-refused-card-390")
    ctx.close()


def test_a_phone_whose_cookie_expired_gets_back_in_and_sends_its_outbox(browser, server):
    links = server.links()
    table = links["tables"][0]
    ctx, phone = open_page(browser, PHONE, table["participant"])
    question = int(phone.locator("input[name=question]").first.get_attribute("value"))
    phone.fill("#card-text", "Vor dem Funkloch")
    phone.locator("#card-form button[type=submit]").first.click()
    phone.wait_for_selector("#mine .card:not(:has(.pending)) .card-text >> text=Vor dem Funkloch")
    waiting = {"key": "w", "name": "card:post", "payload": {"id": str(uuid.uuid4()), "question": question, "text": "Trotz Funkloch"}}
    phone.evaluate("([k, v]) => localStorage.setItem(k, v)", ["tischrunde:outbox:demo", json.dumps([waiting])])
    ctx.clear_cookies()  # the session cookie expired while the phone was in a pocket
    server.stop()  # the connection drops; Socket.IO reconnects without a cookie and is refused
    server.start()
    phone.wait_for_function("() => localStorage.getItem('tischrunde:outbox:demo') === '[]'", timeout=20000)
    phone.wait_for_selector("#mine .card:not(:has(.pending)) .card-text >> text=Trotz Funkloch")
    assert phone.locator("#status").inner_text() == "Verbunden"
    # Still this phone's own card after the new cookie (its device secret, issue 21).
    assert phone.locator("#mine .card-text >> text=Vor dem Funkloch").count() == 1
    ctx.close()


def test_a_phone_goes_live_over_long_polling_where_websockets_are_refused(browser, tmp_path):
    """The pages try a WebSocket first (faster on a slow Wi-Fi) and fall back to long-polling
    when the WebSocket is refused (a proxy that breaks them): the phone still posts a card."""
    from browser_kit import PHONE, open_page
    from server import LiveServer

    live = LiveServer(tmp_path, SOCKETIO_TRANSPORTS="polling").start()
    try:
        table = live.links()["tables"][0]
        ctx, phone = open_page(browser, PHONE, table["participant"])
        phone.fill("#card-text", "Über Long-Polling angekommen")
        phone.click("#card-form button[type=submit]")
        phone.wait_for_selector("#mine >> text=Über Long-Polling angekommen")
        wall_ctx, wall = open_page(browser, {"viewport": {"width": 1280, "height": 720}}, table["participant"].split("/t/")[0] + "/wall",
                                   ready=".wall-table .card >> text=Über Long-Polling angekommen")
        ctx.close()
        wall_ctx.close()
    finally:
        live.stop()


def test_a_phone_keeps_a_card_while_the_server_cannot_store_it(browser, server):
    """Issue 21: on a full disk the phone gave up after three tries and showed the card as
    "Nicht gesendet" although the server would take it later. The first four posts get
    `storage_unavailable` (rewritten in the WebSocket); the fifth goes through."""
    links = server.links()
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    page.clock.install()
    refusals = []

    def route(ws):
        upstream = ws.connect_to_server()

        def from_page(message):
            if isinstance(message, str) and message.startswith("42") and '"card:post"' in message and len(refusals) < 4:
                ack_id = message[2:message.index("[")]
                refusals.append(ack_id)
                ws.send("43" + ack_id + json.dumps([{"ok": False, "error": {
                    "code": "storage_unavailable", "message": "Der Server kann gerade nicht speichern."}}]))
                return
            upstream.send(message)

        ws.on_message(from_page)
        upstream.on_message(lambda message: ws.send(message))

    page.route_web_socket("**/socket.io/**", route)
    page.goto(links["tables"][0]["participant"])
    page.wait_for_selector("#status.ok")
    page.fill("#card-text", "Trotz voller Platte")
    page.locator("#card-form button[type=submit]").first.click()
    for tries in range(1, 5):
        while len(refusals) < tries and page.locator("#refused .refused").count() == 0:
            page.wait_for_timeout(50)  # the route's handler runs meanwhile
        page.clock.run_for(11_000)  # the phone's next try
    page.wait_for_selector("#mine .card:not(:has(.pending)) .card-text >> text=Trotz voller Platte")
    assert len(refusals) == 4 and page.locator("#refused .refused").count() == 0
    ctx.close()

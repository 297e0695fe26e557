"""Shared pieces of the browser tests: Debian's Chromium, screen sizes, screenshots."""
from __future__ import annotations

import os
import uuid

from urllib.parse import urlsplit

from server import ROOT, socket_client

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"locale": "de-DE", "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABLET = {"locale": "de-DE", "viewport": {"width": 1024, "height": 768}, "has_touch": True}
WALL = {"locale": "de-DE", "viewport": {"width": 1920, "height": 1080}}
SHOTS = ROOT / "test-artifacts"


def shot(page, name):
    """Save a screenshot to test-artifacts/NAME.png for people to look at."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def no_foreign_requests(page, server):
    """Collect every request that leaves our server (the list must stay empty)."""
    foreign = []
    page.on("request", lambda r: None if r.url.startswith((server.url, "data:")) else foreign.append(r.url))
    return foreign


def touch_drag(page, start, end, steps=12):
    """Drag with a real finger: touch events through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)

    def touch(kind, x, y):
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", *start)
    for i in range(1, steps + 1):
        touch("touchMove", start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
    touch("touchEnd", *end)
    cdp.detach()


def open_page(browser, options, url, ready="#status.ok"):
    """A new browser context with these options, one page at ``url``, waited until ``ready``."""
    ctx = browser.new_context(**options)
    page = ctx.new_page()
    page.goto(url)
    if ready:
        page.wait_for_selector(ready)
    return ctx, page


def lead_api(server, links):
    """A Socket.IO client with the lead's session (from the lead link), for setting the scene."""
    link = urlsplit(links["lead"])
    return socket_client(server, f"{link.path}?{link.query}", {"event": "demo", "role": "lead"})


def seed_cards(server, table, texts):
    """Post cards at a table from a phone of its own (questions in turn), as the demo event's participant."""
    phone = socket_client(server, f"/e/demo/t/{table}", {"event": "demo", "role": "participant", "table": table})
    questions = [q["id"] for q in phone.call("sync", {"since": 0})["snapshot"]["questions"] if q["table_id"] == table]
    for n, text in enumerate(texts):
        ack = phone.call("card:post", {"id": str(uuid.uuid4()), "question": questions[n % len(questions)], "text": text})
        assert ack["ok"], ack
    phone.disconnect()

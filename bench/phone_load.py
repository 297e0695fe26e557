"""A phone's first visit on bad Wi-Fi: bytes transferred and time until it is live.

    .venv/bin/python bench/phone_load.py [--kbit 400] [--rtt 300] [--runs 3]

Starts app.py with the demo event, opens a table page in Debian's Chromium (phone size,
empty cache) with the network throttled through DevTools (400 kbit/s down and up,
300 ms round trip by default), and prints the bytes that crossed the network (the
encoded sizes, as the phone pays for them) and the time until the page says it is
connected (#status.ok: the Socket.IO connection is up and the state is loaded).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_kit import ARGS, CHROMIUM, PHONE  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from server import LiveServer  # noqa: E402


def one_visit(browser, url: str, kbit: int, rtt: int) -> tuple[int, float]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    rate = kbit * 1000 / 8
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                  "downloadThroughput": rate, "uploadThroughput": rate})
    sizes: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#status.ok", timeout=60_000)
    live = time.perf_counter() - started
    page.wait_for_timeout(300)
    context.close()
    return int(sum(sizes.values())), live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kbit", type=int, default=400)
    parser.add_argument("--rtt", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            url = server.links()["tables"][0]["participant"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                runs = [one_visit(browser, url, args.kbit, args.rtt) for _ in range(args.runs)]
                browser.close()
        finally:
            server.stop()
    for n, (size, live) in enumerate(runs, start=1):
        print(f"run {n}: {size / 1024:.1f} KiB transferred, live after {live:.2f} s")
    print(f"median: {statistics.median(s for s, _ in runs) / 1024:.1f} KiB, live after "
          f"{statistics.median(t for _, t in runs):.2f} s ({args.kbit} kbit/s, {args.rtt} ms round trip)")


if __name__ == "__main__":
    main()

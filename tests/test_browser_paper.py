"""Posters and moderator sheets printed to PDF by Chromium; their QR codes decode to the right links."""
from __future__ import annotations

import pypdfium2
import zxingcpp
from browser_kit import shot


def pdf_pages(page) -> list:
    """Print the page as Chromium does (A4, CSS page size) and render each PDF page to an image."""
    pdf = pypdfium2.PdfDocument(page.pdf(prefer_css_page_size=True, print_background=True))
    return [pdf[i].render(scale=2).to_pil() for i in range(len(pdf))]


def decoded(images) -> list[list[str]]:
    return [[code.text for code in zxingcpp.read_barcodes(image)] for image in images]


def open_as_lead(browser, links, path):
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 1400})
    page = ctx.new_page()
    page.goto(links["lead"])
    page.goto(links["lead"].split("?")[0] + path)
    return ctx, page


def test_table_posters_one_a4_page_per_table(browser, server):
    links = server.links()
    ctx, page = open_as_lead(browser, links, "/posters")
    page.wait_for_selector(".poster svg")
    shot(page, "posters-screen")
    size = page.eval_on_selector(".poster-table", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 55  # 44 pt: a table name readable from 2 m
    pages = pdf_pages(page)
    assert len(pages) == len(links["tables"]) == 5
    width, height = pages[0].size
    assert 1.38 < height / width < 1.45  # A4 portrait
    assert decoded(pages) == [[t["participant"]] for t in links["tables"]]
    pages[0].save(str(shot.__globals__["SHOTS"] / "poster-page-1.png"))
    text = page.inner_text(".poster")
    assert "Bauen & Wohnen" in text and "Was braucht es?" in text
    assert links["tables"][0]["participant"].split("://")[1] in text  # the short link, written out
    ctx.close()


def test_moderator_sheets_carry_the_secret_links(browser, server):
    links = server.links()
    ctx, page = open_as_lead(browser, links, "/sheets")
    page.wait_for_selector(".sheet svg")
    pages = pdf_pages(page)
    assert len(pages) == 5
    assert decoded(pages) == [[t["moderator"]] for t in links["tables"]]
    assert page.locator(".confidential").count() == 5
    assert "VERTRAULICH" in page.inner_text(".sheet")
    ctx.close()


def test_paper_is_for_the_lead_only(browser, server):
    links = server.links()
    ctx = browser.new_context(locale="de-DE")
    page = ctx.new_page()
    for path in ("/posters", "/sheets", "/record"):
        response = page.goto(links["join"] + "/lead" + path)
        assert response.status == 403, path
    ctx.close()

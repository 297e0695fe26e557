"""HTTP pages: secret links, the no-JavaScript card forms, QR codes, escaping, CLI."""
from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urlsplit

import pytest
from conftest import changes

from facilitation import commands_of
from facilitation.links import base_url


def table_url(event, index=0):
    return f"/e/{event['id']}/t/{event['tables'][index]}"


def test_secret_link_sets_session_and_redirects_to_clean_url(app, commands, event):
    http = app.test_client()
    token = commands.token(event["id"], "lead")
    response = http.get(f"/e/{event['id']}/lead?k={token}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/e/{event['id']}/lead"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert token not in cookie
    page = http.get(f"/e/{event['id']}/lead")
    assert page.status_code == 200
    assert "Bauen &amp; Wohnen" in page.get_data(as_text=True)


def test_wrong_or_missing_secret_is_a_clear_403(app, event):
    http = app.test_client()
    wrong = http.get(f"/e/{event['id']}/lead?k=deadbeef")
    assert wrong.status_code == 403
    assert "geheime Link ist ungültig" in wrong.get_data(as_text=True)
    assert http.get(f"/e/{event['id']}/lead").status_code == 403
    assert http.get(f"/e/{event['id']}/m/{event['tables'][0]}").status_code == 403


def test_unknown_event_and_table_are_404_in_the_users_language(app, event):
    http = app.test_client()
    page = http.get("/e/nope/t/1", headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "This event does not exist." in page.get_data(as_text=True)
    assert http.get(f"/e/{event['id']}/t/99999").status_code == 404
    assert "Diese Seite gibt es nicht." in http.get("/nirgends").get_data(as_text=True)


def test_participant_page_shows_table_and_questions(app, event):
    html = app.test_client().get(table_url(event)).get_data(as_text=True)
    assert "<h1 id=\"table-name\" dir=\"auto\">Bauen &amp; Wohnen</h1>" in html
    for question in ("Was läuft gut?", "Was muss verbessert werden?", "Was braucht es?"):
        assert question in html
    assert 'maxlength="280"' in html
    assert 'lang="de" dir="ltr"' in html


def test_a_table_s_cards_travel_once_to_a_phone_with_a_script(app, commands, event):
    """The page leaves the table's cards to the script's first sync (issue 13: they travelled
    twice); without a script, the <noscript> link shows them in the page."""
    from conftest import card_payload, participant

    commands.run("card:post", participant(event, pid="neighbour"), card_payload(event, text="Karte vom Nachbarn"))
    http = app.test_client()
    page = http.get(f"/e/{event['id']}/t/{event['tables'][0]}").get_data(as_text=True)
    assert "Karte vom Nachbarn" not in page and 'href="?cards=all#table-cards-title"' in page
    listed = http.get(f"/e/{event['id']}/t/{event['tables'][0]}?cards=all").get_data(as_text=True)
    assert "Karte vom Nachbarn" in listed and "?cards=all" not in listed


def test_plain_form_post_goes_through_the_command_path(app, clients, event):
    wall = clients.wall()
    wall.get_received()
    http = app.test_client()
    html = http.get(table_url(event)).get_data(as_text=True)
    form_id = re.search(r'name="id" value="([0-9a-f-]{36})"', html).group(1)
    question = event["questions"][event["tables"][0]][1]
    data = {"id": form_id, "question": question, "text": "<script>alert('x')</script> Mehr Licht", "name": "Mia"}
    response = http.post(f"{table_url(event)}/cards", data=data)
    assert response.status_code == 303
    again = http.post(f"{table_url(event)}/cards", data=data)  # a double tap stores once
    assert again.status_code == 303
    cards = commands_of(app).store.cards(event["id"])
    assert len(cards) == 1 and cards[0]["id"] == form_id
    [change] = changes(wall)
    assert change["card"]["text"] == data["text"]
    page = http.get(table_url(event)).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mehr Licht" in page
    assert "<script>alert('x')</script>" not in page
    assert "Ihre Karte ist angekommen." in page


def test_plain_form_errors_keep_the_text_and_store_nothing(app, event):
    http = app.test_client()
    http.get(table_url(event))
    question = event["questions"][event["tables"][0]][0]
    long_text = "x" * 281
    response = http.post(
        f"{table_url(event)}/cards", data={"id": str(uuid.uuid4()), "question": question, "text": long_text}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "höchstens 280 Zeichen" in html
    assert long_text in html  # nothing the person typed is lost
    assert commands_of(app).store.cards(event["id"]) == []


def test_plain_form_edit_and_withdraw(app, event):
    http = app.test_client()
    http.get(table_url(event))
    card_id = str(uuid.uuid4())
    question = event["questions"][event["tables"][0]][0]
    http.post(f"{table_url(event)}/cards", data={"id": card_id, "question": question, "text": "Erst"})
    assert http.post(f"{table_url(event)}/cards/{card_id}/edit", data={"text": "Dann"}).status_code == 303
    assert commands_of(app).store.card(card_id)["text"] == "Dann"
    stranger = app.test_client()
    stranger.get(table_url(event))
    assert stranger.post(f"{table_url(event)}/cards/{card_id}/withdraw").status_code == 400
    assert http.post(f"{table_url(event)}/cards/{card_id}/withdraw").status_code == 303
    assert commands_of(app).store.card(card_id)["status"] == "withdrawn"


def test_qr_codes_are_svg(app, event):
    http = app.test_client()
    for url in (f"/e/{event['id']}/qr.svg", f"{table_url(event)}/qr.svg"):
        response = http.get(url)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).startswith("<svg")


def test_pages_name_no_third_party_hosts(app, commands, event):
    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    for url in ("/", f"/e/{event['id']}", table_url(event), f"/e/{event['id']}/wall", f"/e/{event['id']}/lead"):
        response = http.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        hosts = set(re.findall(r'(?:src|href)="(https?://[^"/]+)', html))
        assert hosts <= {"http://localhost", base_url(app.config)}, (url, hosts)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_cli_create_and_links(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["event", "create", "--template", "gmuend", "--title", "Gmünd im Dialog"])
    assert result.exit_code == 0, result.output
    event_id = result.stdout.strip()
    result = runner.invoke(args=["event", "links", event_id, "--json"])
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert links["title"] == "Gmünd im Dialog"
    assert links["join"].endswith(f"/e/{event_id}") and "?k=" in links["lead"]
    assert [t["name"] for t in links["tables"]][0] == "Bauen & Wohnen"
    assert all("?k=" in t["moderator"] for t in links["tables"])
    lead = urlsplit(links["lead"])
    assert app.test_client().get(f"{lead.path}?{lead.query}").status_code == 303


def test_cli_refuses_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["event", "links", "nope"])
    assert result.exit_code != 0 and "gibt es nicht" in result.output
    result = runner.invoke(args=["event", "create", "--template", "gmuend", "--title", "  "])
    assert result.exit_code != 0 and "Titel darf nicht leer" in result.output


def test_public_url_is_used_for_links_and_qr(tmp_path):
    from facilitation import create_app
    from facilitation.store import Store

    Store(str(tmp_path / "p.db")).close()  # made by the server's first start: the command line makes none
    app = create_app(
        {"DATABASE": str(tmp_path / "p.db"), "DATA_DIR": tmp_path, "SECRET_KEY": "s", "PUBLIC_URL": "https://dialog.gmuend.de/"}
    )
    runner = app.test_cli_runner()
    event_id = runner.invoke(args=["event", "create", "--title", "X"]).stdout.strip()
    links = json.loads(runner.invoke(args=["event", "links", event_id, "--json"]).stdout)
    assert links["join"] == f"https://dialog.gmuend.de/e/{event_id}"
    html = app.test_client().get(f"/e/{event_id}/wall").get_data(as_text=True)
    assert f"https://dialog.gmuend.de/e/{event_id}" in html


def test_moderator_qr_is_for_the_lead_only(app, commands, event):
    table = event["tables"][0]
    url = f"/e/{event['id']}/m/{table}/qr.svg"
    assert app.test_client().get(url).status_code == 403
    moderator = app.test_client()
    moderator.get(f"/e/{event['id']}/m/{table}?k={commands.token(event['id'], 'moderator', table)}")
    assert moderator.get(url).status_code == 403
    lead = app.test_client()
    lead.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    response = lead.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_participant_page_in_arabic_is_right_to_left(app, event):
    http = app.test_client()
    html = http.get(f"{table_url(event)}?lang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "أرسل البطاقة" in html  # "Karte senden"
    # The template's German question stays, with its translation beside it.
    assert "Was läuft gut?" in html and "ما الذي يسير بشكل جيد؟" in html
    assert "البناء والسكن" in html  # "Bauen & Wohnen"
    again = http.get(table_url(event)).get_data(as_text=True)  # the choice is remembered
    assert 'lang="ar" dir="rtl"' in again


def test_questions_a_lead_rewrote_show_only_as_written(app, commands, event):
    from conftest import lead

    question = event["questions"][event["tables"][0]][0]
    commands.run("question:edit", lead(event), {"question": question, "text": "Was gefällt Ihnen am Quartier?"})
    html = app.test_client().get(f"{table_url(event)}?lang=tr").get_data(as_text=True)
    assert "Was gefällt Ihnen am Quartier?" in html
    assert "Neler iyi gidiyor?" not in html and "Neler iyileştirilmeli?" in html


@pytest.mark.parametrize("lang, message", [
    ("uk", "Будь ласка, напишіть щось на картці."),
    ("fa", "لطفاً چیزی روی کارت بنویسید."),
    ("tr", "Lütfen karta bir şey yazın."),
])
def test_errors_reach_phones_in_their_language(app, clients, event, lang, message):
    http = app.test_client()
    http.get(f"{table_url(event)}?lang={lang}")
    phone = clients.sio.test_client(
        app, flask_test_client=http, auth={"event": event["id"], "role": "participant", "table": event["tables"][0]}
    )
    ack = phone.emit("card:post", {"id": str(uuid.uuid4()), "question": event["questions"][event["tables"][0]][0], "text": " "}, callback=True)
    assert ack["error"]["message"] == message


def test_catalogues_hold_no_fuzzy_guesses_and_name_their_review_state():
    """`make extract` guesses translations for new strings (fuzzy); shown, a guess says something else."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    from facilitation.languages import languages

    for code, entry in languages().items():
        assert isinstance(entry["reviewed"], bool) and entry["scope"] in ("all", "participant"), code
        if code == "de":
            continue
        catalogue = read_po(open(Path("translations") / code / "LC_MESSAGES" / "messages.po", encoding="utf-8"))
        fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
        assert fuzzy == [], (code, fuzzy[:5])
    assert "--use-fuzzy" not in Path("Makefile").read_text()


def test_staff_pages_are_complete_or_german_left_to_right(app, commands, event):
    lead = app.test_client()
    lead.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    arabic = lead.get(f"/e/{event['id']}/lead?lang=ar").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in arabic  # Arabic covers the phones only: German, not half-mirrored
    english = lead.get(f"/e/{event['id']}/lead?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "Run of the evening" in english
    switch = re.findall(r'<a href="\?lang=(\w+)"', english)
    assert switch == ["de", "en"]  # the staff pages offer only languages that cover them
    phone = app.test_client().get(f"{table_url(event)}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in phone


def test_the_phone_offers_the_events_languages(app, commands, event):
    from conftest import lead

    commands.run("event:configure", lead(event), {"languages": ["ar", "uk"]})
    html = app.test_client().get(table_url(event)).get_data(as_text=True)
    assert re.findall(r'<a href="\?lang=(\w+)"', html) == ["de", "ar", "uk"]


def test_english_covers_every_string():
    from pathlib import Path

    from babel.messages.pofile import read_po

    catalogue = read_po(open(Path("translations/en/LC_MESSAGES/messages.po"), encoding="utf-8"))
    missing = [m.id for m in catalogue if m.id and not m.string]
    assert missing == []


def test_posters_and_the_wall_call_to_scan_in_every_offered_language(app, commands, event):
    from conftest import lead

    commands.run("event:configure", lead(event), {"languages": ["ar", "fa", "uk"]})
    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    for page in (http.get(f"/e/{event['id']}/lead/posters"), app.test_client().get(f"/e/{event['id']}/wall")):
        html = page.get_data(as_text=True)
        assert '<li lang="ar" dir="rtl">امسح الرمز وشارك</li>' in html
        assert '<li lang="uk" dir="ltr">Скануйте й долучайтеся</li>' in html
        assert '<bdi lang="de">Deutsch</bdi> · <bdi lang="ar">العربية</bdi> · <bdi lang="fa">فارسی</bdi>' in html
        assert 'lang="tr"' not in html.split("join-calls")[1].split("</ul>")[0]  # not offered at this event


def test_how_to_take_part_sheets_one_per_language(app, commands, event):
    from conftest import lead

    commands.run("event:configure", lead(event), {"languages": ["ar", "uk"]})
    http = app.test_client()
    http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}")
    html = http.get(f"/e/{event['id']}/lead/howto").get_data(as_text=True)
    pages = re.findall(r'<section class="poster howto" lang="(\w+)" dir="(\w+)">', html)
    assert pages == [("de", "ltr"), ("ar", "rtl"), ("uk", "ltr")]
    assert "So machen Sie mit" in html and "هكذا تشارك" in html and "Як долучитися" in html
    assert html.count("<svg") == 3  # the join QR code on every sheet


@pytest.mark.parametrize("lang, n, expected", [
    ("de", 1, "1 Karte"), ("de", 3, "3 Karten"), ("en", 1, "1 card"),
    ("uk", 1, "1 картка"), ("uk", 3, "3 картки"), ("uk", 5, "5 карток"), ("uk", 21, "21 картка"),
    ("ar", 0, "لا بطاقات"), ("ar", 2, "بطاقتان"), ("ar", 3, "3 بطاقات"), ("ar", 11, "11 بطاقة"),
])
def test_counted_phrases_follow_each_languages_plural_rules(app, lang, n, expected):
    """What the page scripts get: a template per CLDR category; the category is the one
    Intl.PluralRules picks in the browser (babel's rule is the same CLDR data)."""
    from babel import Locale

    from facilitation.web.strings import plural_forms

    with app.test_request_context(f"/?lang={lang}"):
        forms = plural_forms("%(num)d Karte", "%(num)d Karten")
    category = Locale.parse(lang).plural_form(n)
    assert forms[category].replace("%(num)d", str(n)) == expected


def test_titles_keep_their_own_direction_on_right_to_left_pages(app, commands, event):
    from conftest import lead

    commands.run("event:update", lead(event), {"title": "Bürgerdialog 2026, Teil 1."})
    html = app.test_client().get(f"{table_url(event)}?lang=ar").get_data(as_text=True)
    assert '<p class="event-title" dir="auto">Bürgerdialog 2026, Teil 1.</p>' in html  # not "… Teil .1"
    assert '<h1 id="table-name" dir="auto">' in html


def test_phones_get_compressed_pages_and_assets_they_may_keep(app, event):
    """Issue 13: text is gzipped for clients that accept it; static URLs carry a fingerprint
    and such a URL may be kept for a year (a new file version gets a new URL)."""
    import gzip
    import re

    from facilitation.config import ROOT

    http = app.test_client()
    page = http.get(f"/e/{event['id']}/t/{event['tables'][0]}", headers={"Accept-Encoding": "gzip, deflate"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    html = gzip.decompress(page.data).decode()
    asset = re.search(r'src="(/static/js/live\.js\?v=([0-9a-f]{10}))"', html)
    assert asset, "static URLs carry a fingerprint"
    js = http.get(asset.group(1), headers={"Accept-Encoding": "gzip"})
    assert "max-age=31536000" in js.headers["Cache-Control"]
    source = (ROOT / "static/js/live.js").read_bytes()
    plain = http.get(asset.group(1))  # a client that does not accept gzip gets it uncompressed
    assert "Content-Encoding" not in plain.headers and gzip.decompress(js.data) == plain.data
    assert len(plain.data) < 0.8 * len(source)  # minified: comments and spaces out
    assert b"function connect" in plain.data and b"// " not in plain.data[:2000]
    assert len(js.data) < 0.3 * len(source)
    stale = http.get("/static/js/live.js?v=0000000000")
    assert "max-age=31536000" not in stale.headers.get("Cache-Control", "")


def test_the_phone_gets_every_string_its_scripts_use_and_no_more(app, event):
    """The phone's boot strings are filtered (PHONE_STRINGS): a string the scripts use but the
    filter drops would show as 'undefined' on the phone. This reads the scripts to be sure."""
    import json
    import re

    from facilitation.config import ROOT

    used = set()
    for script in ("static/js/participant.js", "static/js/live.js"):
        used |= set(re.findall(r"\b(?:S|strings)\.([a-z_0-9]+)", (ROOT / script).read_text()))
    html = app.test_client().get(f"/e/{event['id']}/t/{event['tables'][0]}").get_data(as_text=True)
    boot = json.loads(re.search(r'<script id="boot" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert used <= set(boot["strings"]), used - set(boot["strings"])
    assert "merge_into" not in boot["strings"]  # a staff string stays on staff pages

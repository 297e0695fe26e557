"""After the evening in the browser: the lead follows a result up on a closed event, and a
phone that scans the table's QR code lands on the public results page and sees it."""
from __future__ import annotations

import uuid

from browser_kit import PHONE, TABLET, lead_api, open_page, seed_cards, shot
from conftest import KEEP_UNTIL, KEEP_UNTIL_DE
from test_browser_axe import serious_violations


def lead_console(browser, links):
    """The lead's console on a laptop: (context, page)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.goto(links["lead"])
    return ctx, page


def test_lead_updates_a_closed_events_result_and_the_table_qr_shows_it(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], ["Mehr Sitzbänke am Marktplatz"])
    api = lead_api(server, links)
    card = api.call("sync", {"since": 0})["snapshot"]["cards"][0]["id"]
    result = str(uuid.uuid4())
    assert api.call("result:create", {"id": result, "table": table["id"], "kind": "project_idea", "title": "Sitzbänke",
                                      "cards": [card], "contact": "Frau K., 0171 1234567"})["ok"]
    assert api.call("event:close", {})["ok"]
    api.disconnect()

    ctx, lead = lead_console(browser, links)
    lead.click("text=Ergebnisse aller Tische (Synthese)")
    box = f"[data-result='{result}'] .follow-up"
    lead.wait_for_selector(box)
    lead.select_option(f"{box} select[aria-label='Wer kümmert sich']", "Kommunalverwaltung")
    lead.fill(f"{box} input[type=date]", "2027-03-31")
    lead.select_option(f"{box} select[aria-label='Stand']", "done")
    lead.click(f"{box} button.primary")
    lead.wait_for_selector("#status.ok >> text=Gespeichert")
    lead.fill(f"{box} textarea", "Drei Bänke stehen seit Mai.")
    lead.click(f"{box} button >> text=Neuigkeit hinzufügen")
    lead.wait_for_selector(f"{box} .news >> text=Drei Bänke stehen seit Mai.")
    # "nicht umsetzbar" needs a reason: refused with a clear message, nothing stored.
    lead.select_option(f"{box} select[aria-label='Stand']", "not_feasible")
    lead.click(f"{box} button.primary")
    lead.wait_for_selector("#status.bad >> text=warum es nicht umsetzbar ist")
    shot(lead, "lead-follow-up-1280")
    ctx.close()

    # Someone the lead gave the follow-up link (a town officer) adds news; that is all they can do.
    officer_ctx, officer = open_page(browser, TABLET, links["followup"], ready=f"[data-result='{result}'] .follow-up")
    assert officer.locator("#undo, .actors-editor, select[aria-label='Adressat']").count() == 0
    officer.fill(f"{box} textarea", "Einweihung am 1. Juni.")
    officer.click(f"{box} button >> text=Neuigkeit hinzufügen")
    officer.wait_for_selector(f"{box} .news >> text=Einweihung am 1. Juni.")
    shot(officer, "followup-1024")
    officer_ctx.close()

    # The table's QR code holds its participant link: after closing it leads to the results.
    phone_ctx, phone = open_page(browser, PHONE, table["participant"], ready=f"#result-{result}")
    assert "/results" in phone.url and phone.url.endswith(f"#table-{table['id']}")
    entry = phone.locator(f"#result-{result}")
    assert "umgesetzt" in entry.inner_text()
    assert "Kommunalverwaltung" in entry.inner_text()
    assert "Einweihung am 1. Juni." in entry.locator(".latest-news").inner_text()  # the newest first
    assert "0171" not in phone.content()
    shot(phone, "phone-outcomes-390")
    assert serious_violations(phone) == []
    phone.goto(links["join"] + "?lang=ar")
    phone.wait_for_selector(f"#result-{result}")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    shot(phone, "phone-outcomes-ar-390")
    assert serious_violations(phone) == []
    phone_ctx.close()


def test_a_phone_signs_up_for_a_round_table_takes_it_back_and_the_deletion_date_holds(browser, server):
    links = server.links()
    table = links["tables"][1]
    api = lead_api(server, links)
    result = str(uuid.uuid4())
    assert api.call("result:create", {"id": result, "table": table["id"], "kind": "round_table",
                                      "title": "Runder Tisch Vereinsräume"})["ok"]
    api.disconnect()

    ctx, lead = lead_console(browser, links)
    lead.fill("#delete-on", KEEP_UNTIL)
    lead.click("#signups button >> text=Löschdatum speichern")
    lead.wait_for_selector(f"#signups >> text=Löschdatum: {KEEP_UNTIL_DE}")

    # During the evening the phone finds the page from its table page.
    phone_ctx, phone = open_page(browser, PHONE, table["participant"])
    phone.click("text=bei einem Runden Tisch mitmachen")
    entry = f"#result-{result}"
    phone.click(f"{entry} summary >> text=Ich mache mit")
    phone.fill(f"#name-{result}", "Olena")
    phone.fill(f"#contact-{result}", "olena@example.org")
    phone.click(f"{entry} button >> text=Ich mache mit")  # without consent: refused, nothing lost
    phone.wait_for_selector(f"{entry} .error-message >> text=gespeichert werden dürfen")
    assert phone.input_value(f"#contact-{result}") == "olena@example.org"
    assert KEEP_UNTIL_DE in phone.locator(f"{entry} .consent").inner_text()
    shot(phone, "phone-signup-consent-390")
    assert serious_violations(phone) == []
    phone.check(f"{entry} input[name=consent]")
    phone.click(f"{entry} button >> text=Ich mache mit")
    phone.wait_for_selector(f"{entry} >> text=Sie machen mit als Olena.")
    shot(phone, "phone-signup-done-390")

    lead.reload()
    lead.wait_for_selector("#signups >> text=olena@example.org")
    phone.click(f"{entry} button >> text=Anmeldung zurückziehen")
    phone.wait_for_selector("text=Ihre Anmeldung ist gelöscht.")
    lead.reload()
    assert lead.locator("#signups >> text=olena@example.org").count() == 0

    # Signed up again, then the deletion date comes: the list is empty.
    phone.click(f"{entry} summary >> text=Ich mache mit")
    phone.fill(f"#name-{result}", "Olena")
    phone.fill(f"#contact-{result}", "olena@example.org")
    phone.check(f"{entry} input[name=consent]")
    phone.click(f"{entry} button >> text=Ich mache mit")
    phone.wait_for_selector(f"{entry} >> text=Sie machen mit als Olena.")
    lead.reload()
    lead.wait_for_selector("#signups >> text=olena@example.org")
    lead.fill("#delete-on", "2020-01-01")
    lead.click("#signups button >> text=Löschdatum speichern")
    lead.wait_for_selector("#signups >> text=Noch keine Anmeldungen.")
    phone.reload()
    assert phone.locator(f"{entry} >> text=Sie machen mit").count() == 0
    ctx.close()
    phone_ctx.close()


def test_the_record_has_its_sections_who_does_what_and_affiliation_counts_with_a_group_of_four_hidden(browser, server):
    links = server.links()
    table = links["tables"][0]
    seed_cards(server, table["id"], ["Mehr Sitzbänke am Marktplatz"])

    def agree(phone):  # taking part: only phones that did count in "Wer war da"
        phone.locator("#table-cards .card", has_text="Mehr Sitzbänke").locator("button.agree").click()
        phone.wait_for_function("() => localStorage.getItem('tischrunde:outbox:demo') === '[]'")  # sent

    # Phones answer "Ich bin hier als …" on the table page and give a '+1': five Geflüchtete,
    # four Verwaltung; one more Verwaltung only taps and is not counted.
    for n, label in enumerate(["Geflüchtete/r"] * 4 + ["Verwaltung"] * 5):
        ctx, phone = open_page(browser, PHONE, table["participant"])
        phone.click(f".here-as button >> text={label}")
        phone.wait_for_selector(f".here-as button[aria-pressed=true] >> text={label}")
        if n < 8:
            agree(phone)
        if n == 0:
            shot(phone, "phone-here-as-390")
            assert serious_violations(phone) == []
        ctx.close()
    ctx, phone = open_page(browser, PHONE, table["participant"])
    phone.click(".here-as button >> text=Verwaltung")
    phone.click(".here-as button >> text=Geflüchtete/r")  # changed its mind: counted once, as Geflüchtete/r
    phone.wait_for_selector(".here-as button[aria-pressed=true] >> text=Geflüchtete/r")
    agree(phone)
    ctx.close()

    api = lead_api(server, links)
    card = api.call("sync", {"since": 0})["snapshot"]["cards"][0]["id"]
    result = str(uuid.uuid4())
    assert api.call("result:create", {"id": result, "table": table["id"], "kind": "project_idea", "title": "Sitzbänke",
                                      "cards": [card]})["ok"]
    assert api.call("result:follow", {"id": result, "responsible": "Kommunalverwaltung", "due": "2027-03-31",
                                      "progress": "in_progress"})["ok"]
    api.disconnect()

    lead_ctx, lead = lead_console(browser, links)
    lead.fill("#method-mandate", "Der Gemeinderat fragt: Wie gelingt das Ankommen in Gmünd?")
    lead.click("#method button >> text=Methode speichern")
    lead.wait_for_selector("text=Gespeichert")
    record = lead_ctx.new_page()
    record.goto(links["lead"].split("/lead")[0] + "/lead/record")
    headings = record.locator("h2").all_inner_texts()
    assert headings[:4] == ["Methode", "Wer war da", "Wer macht was bis wann", "Projektideen"]
    assert "Anhang: nach Tischen" in headings
    assert "Wie gelingt das Ankommen in Gmünd?" in record.content()
    assert "Wir hören einander zu" in record.content()  # the suggested rules, saved with the method
    who = record.locator("section:has(h2:text-is('Wer war da'))").inner_text()
    assert "Geflüchtete/r\t5" in who and "Verwaltung" not in who  # 4 who took part (and one who only tapped): not shown
    assert "nur gelesen" in record.locator(".title-page").inner_text()
    plan = record.locator("section:has(h2:text-is('Wer macht was bis wann')) tr").all_inner_texts()
    assert any("Sitzbänke" in row and "Kommunalverwaltung" in row and "31.03.2027" in row and "in Arbeit" in row
               for row in plan)
    record.set_viewport_size({"width": 900, "height": 1400})
    shot(record, "record-900")
    lead_ctx.close()


def test_a_template_a_follow_up_event_from_a_round_table_and_the_two_event_dialog_page(browser, server):
    links = server.links()
    table = links["tables"][2]
    seed_cards(server, table["id"], ["Sprachkurse nur vormittags", "Kinderbetreuung während der Kurse"])
    api = lead_api(server, links)
    cards = [c["id"] for c in api.call("sync", {"since": 0})["snapshot"]["cards"]]
    result = str(uuid.uuid4())
    assert api.call("result:create", {"id": result, "table": table["id"], "kind": "round_table",
                                      "title": "Runder Tisch Sprachkurse", "cards": cards})["ok"]
    assert api.call("result:follow", {"id": result, "progress": "in_progress"})["ok"]
    api.disconnect()

    ctx, lead = lead_console(browser, links)
    # Save this evening's shape as a template ...
    lead.fill("#template-name", "Gmünder Abend")
    lead.click("button >> text=Als Vorlage speichern")
    lead.wait_for_selector("text=Als Vorlage „Gmünder Abend“ gespeichert.")
    # ... and start the follow-up of the round table with it, in the same Dialog.
    lead.fill("#new-title-input", "Runder Tisch Sprachkurse – erstes Treffen")
    lead.select_option("#new-template", label="Gespeichert: Gmünder Abend")
    lead.select_option("#new-follow", label="Runder Tisch Sprachkurse")
    lead.fill("#new-tables", "2")
    lead.check("input[name=same_dialog]")
    shot(lead, "lead-new-follow-up-event-1280")
    lead.click("form.new-event button >> text=Anlegen")
    lead.wait_for_selector("h1 >> text=Runder Tisch Sprachkurse – erstes Treffen")
    # Two tables (asked for), each with the saved template's questions.
    assert lead.locator(".lead-table").count() == 2
    assert lead.locator(".lead-table >> nth=1").locator("ol.questions > li").count() == 3
    assert lead.input_value("#method-background").startswith("Runder Tisch Sprachkurse")
    assert "– Kinderbetreuung während der Kurse" in lead.input_value("#method-background")
    lead.click("text=Seite des Dialogs")
    lead.wait_for_selector(".dialog-event")
    assert lead.locator(".dialog-event h2").all_inner_texts() == [
        "Bürgerdialog Schwäbisch Gmünd (Demo)", "Runder Tisch Sprachkurse – erstes Treffen"]
    entry = lead.locator(f"#result-{result}")
    assert "Runder Tisch Sprachkurse" in entry.inner_text() and "in Arbeit" in entry.inner_text()
    shot(lead, "dialog-1280")
    assert serious_violations(lead) == []
    ctx.close()


def test_topics_tag_results_and_filter_the_synthesis_board(browser, server):
    links = server.links()
    api = lead_api(server, links)
    ids = {}
    for table, title in zip(links["tables"][:2], ("Sprachcafé", "Sichere Schulwege")):
        ids[title] = str(uuid.uuid4())
        assert api.call("result:create", {"id": ids[title], "table": table["id"], "kind": "solution", "title": title})["ok"]
    api.disconnect()
    ctx, lead = lead_console(browser, links)
    lead.click("text=Ergebnisse aller Tische (Synthese)")
    lead.check(f"[data-result='{ids['Sprachcafé']}'] .topics input[value=lernen]")
    lead.wait_for_selector("#status.ok >> text=Gespeichert")
    lead.select_option("#topic-filter", "lernen")
    lead.wait_for_selector(f"[data-result='{ids['Sichere Schulwege']}']", state="detached")
    assert lead.locator(f"[data-result='{ids['Sprachcafé']}']").count() == 1
    assert lead.get_attribute("#topic-record", "href").endswith("/lead/record?topic=lernen")
    shot(lead, "lead-board-topics-1280")
    ctx.close()

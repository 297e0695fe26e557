"""A full disk: phones keep their cards, /healthz and the staff screens say so (issue 21).

SQLite's own limit on the database's pages gives the real SQLITE_FULL ("database or disk
is full") without filling a disk."""
from __future__ import annotations

import uuid

from facilitation.health import StorageHealth


def fill_up(commands) -> None:
    """Let the database grow by no page more, and use up the free ones."""
    db = commands.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_a_retryable_answer_that_everyone_hears(app, clients, commands, event):
    phone, lead, tablet = clients.phone(), clients.lead(), clients.moderator()
    question = event["questions"][event["tables"][0]][0]
    fill_up(commands)
    acks = []
    for n in range(200):  # until the free pages are gone
        card = {"id": str(uuid.uuid4()), "question": question, "text": f"Karte {n} " + "x" * 250}
        ack = phone.emit("card:post", card, callback=True)
        acks.append(ack)
        if not ack["ok"]:
            break
    refused = acks[-1]
    assert refused["error"]["code"] == "storage_unavailable" and "bleibt hier" in refused["error"]["message"]
    assert commands.store.card(card["id"]) is None  # not stored, and nothing else broke
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and "full" in health.get_json()["database"]
    for screen in (lead, tablet):
        told = [m for m in screen.get_received() if m["name"] == "trouble"]
        assert len(told) == 1 and "nichts speichern" in told[0]["args"][0]["message"]
    assert phone.emit("card:post", card, callback=True)["error"]["code"] == "storage_unavailable"
    assert [m for m in lead.get_received() if m["name"] == "trouble"] == []  # told once, not per card
    commands.store.db.execute("PRAGMA max_page_count = 1073741823")  # room again
    assert phone.emit("card:post", card, callback=True)["ok"]  # the phone's retry goes through
    assert commands.store.card(card["id"])["text"].startswith(f"Karte {n}")


def test_the_form_keeps_the_text_when_the_disk_is_full(app, commands, event):
    http = app.test_client()
    table = event["tables"][0]
    page = http.get(f"/e/{event['id']}/t/{table}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    fill_up(commands)
    for n in range(200):
        response = http.post(f"/e/{event['id']}/t/{table}/cards", headers={"Origin": "http://localhost"}, data={
            "csrf_token": token, "id": str(uuid.uuid4()), "question": event["questions"][table][0],
            "text": f"Formular {n} " + "y" * 250})
        if response.status_code != 303:
            break
    assert response.status_code == 503 and f"Formular {n}" in response.get_data(as_text=True)


def test_health_forgets_a_failure_after_a_minute():
    now = [0.0]
    health = StorageHealth(clock=lambda: now[0])
    health.note(OSError("database or disk is full"))
    assert health.problem() == "database or disk is full"
    assert health.should_tell("e") and not health.should_tell("e")
    now[0] += 61
    assert health.problem() is None and health.should_tell("e")

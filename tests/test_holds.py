"""Which cards wait for a moderator: listed words in their forms, not just as whole words (issue 21)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import card_payload, moderator, participant

from facilitation.holds import DEFAULT_WORDS, hold_reason

ROOT = Path(__file__).resolve().parent.parent

# The forms that reached the wall at once with the default list, and their kin.
INSULT_FORMS = [
    ("Ihr seid alle Idioten", "Idiot"), ("Kanaken raus", "Kanake"), ("Ihr Arschlöcher", "Arschloch"),
    ("Idiooot", "Idiot"), ("I D I O T", "Idiot"), ("I.D.I.O.T.", "Idiot"), ("i-d-i-o-t", "Idiot"),
    ("1d10t", "Idiot"), ("Du Drecksidiot", "Idiot"), ("idiotische Planung", "Idiot"),
    ("A r s c h l o c h", "Arschloch"), ("4rschl0ch", "Arschloch"), ("Arschlööööcher", "Arschloch"),
    ("scheiß Politik", "Scheiße"), ("Scheisse", "Scheiße"), ("SCHEIẞE", "Scheiße"), ("Scheißverein", "Scheiße"),
    ("Huren", "Hure"), ("Hurensohn", "Hure"), ("Schlampen", "Schlampe"), ("Wichsern", "Wichser"),
    ("W i c h s e r", "Wichser"), ("Fotzen", "Fotze"), ("K4n4ken", "Kanake"), ("Kanakenpack", "Kanake"),
]


@pytest.mark.parametrize("text, word", INSULT_FORMS)
def test_listed_words_hold_in_their_forms(text, word):
    assert hold_reason(text, DEFAULT_WORDS) == f"word:{word}"


def ordinary_texts() -> list[str]:
    """Every card in the project's fixtures, and every German sentence of the interface."""
    texts = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                texts.append(item) if key in ("text", "translation") and isinstance(item, str) else walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    catalogue = read_po(open(ROOT / "translations" / "messages.pot", encoding="utf-8"))
    texts += [m.id if isinstance(m.id, str) else " ".join(m.id) for m in catalogue if m.id]
    return texts


def test_ordinary_cards_are_not_held_for_a_word():
    texts = ordinary_texts()
    assert len(texts) >= 600
    held = [(text, hold_reason(text, DEFAULT_WORDS)) for text in texts]
    assert [h for h in held if h[1].startswith("word:")] == []


@pytest.mark.parametrize("word, ordinary", [
    ("Sau", "Der Park ist sauber"), ("Hure", "Ein Schuhregal im Flur"), ("Scheiße", "Bescheid sagen, Scheiben putzen"),
    ("Idiot", "Idee: ein Treffpunkt"), ("Mist", "Mistral, mistig? Nein: Kompost statt Mistel"),
])
def test_short_words_do_not_hold_the_words_that_contain_them(word, ordinary):
    assert hold_reason(ordinary, [word]) == ""


def test_short_words_still_hold_with_their_endings():
    assert hold_reason("So eine Sau", ["Sau"]) == "word:Sau"
    assert hold_reason("Ihr Säue", ["Sau"]) == "word:Sau"
    assert hold_reason("Mistkerle", ["Mist"]) == ""  # a compound without a joint: the price of "Mistral"
    assert hold_reason("So ein Mist", ["Mist"]) == hold_reason("Drecksmist", ["Mist"]) == "word:Mist"


def test_a_pre_moderated_table_says_why_a_card_waits(commands, event):
    """In "Erst nach Freigabe" a card with a phone number waited without its reason, and a
    moderator approved it onto the wall: the reason is there in both modes."""
    commands.run("moderation:set", moderator(event), {"mode": "pre"})
    held, plain = card_payload(event, text="Ruf an: 0171 1234567"), card_payload(event, text="Mehr Bänke")
    commands.run("card:post", participant(event), held)
    commands.run("card:post", participant(event, pid="p2"), plain)
    assert commands.store.card(held["id"])["hold_reason"] == "phone"
    assert (commands.store.card(plain["id"])["status"], commands.store.card(plain["id"])["hold_reason"]) == ("pending", "")
    commands.run("card:edit", participant(event, pid="p2"), {"id": plain["id"], "text": "Schreib an mia@example.org"})
    assert commands.store.card(plain["id"])["hold_reason"] == "email"


def test_the_lead_console_folds_the_list_of_words(app, commands, event):
    """The console is often on the projector: the list of insults is folded until opened."""
    http = app.test_client()
    page = http.get(f"/e/{event['id']}/lead?k={commands.token(event['id'], 'lead')}", follow_redirects=True).get_data(as_text=True)
    fold = page.split('<details class="hold-words-fold">', 1)
    assert len(fold) == 2 and "Idiot" not in fold[0]
    assert "Idiot" in fold[1].split("</details>", 1)[0]  # inside the closed fold, not before or after it

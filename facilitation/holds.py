"""Why a card should wait for a moderator even in post-moderation: it holds a phone number, an
e-mail address, a web address, or a word from the event's list (kept and checked here too).

No Flask, no SQL. The reason travels with the card (cards.hold_reason) so the tablet can say it.
"""
from __future__ import annotations

import json
import re

from . import domain
from .domain import fail

# A small German start; the lead edits the event's list in the console.
DEFAULT_WORDS = ["Arschloch", "Idiot", "Scheiße", "Wichser", "Hure", "Fotze", "Kanake", "Schlampe"]
MAX_WORDS = 200
MAX_WORD_LENGTH = 40

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(de|com|org|net|info|eu|io|app)\b(/\S*)?", re.IGNORECASE)
# Seven or more digits, possibly with +, spaces, slashes, dots, dashes or brackets between them.
_PHONE = re.compile(r"(?:\+|\b)[\d٠-٩۰-۹][\d٠-٩۰-۹ /().\-]{5,}[\d٠-٩۰-۹]")


_AMOUNT = re.compile(r"^\d{1,3}([.,' ]\d{3})+([.,]\d+)?$")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _looks_like_phone(match: str) -> bool:
    """Seven digits or more, and not an amount written with thousands separators (1.500.000)."""
    return _digits(match) >= 7 and not _AMOUNT.match(match.strip())


def hold_reason(text: str, words: list[str]) -> str:
    """'phone', 'email', 'url', 'word:<word>' when the card should wait for a moderator, else ''."""
    if _EMAIL.search(text):
        return "email"
    if any(_looks_like_phone(m.group(0)) for m in _PHONE.finditer(text)):
        return "phone"
    if _URL.search(text):
        return "url"
    lowered = text.casefold()
    for word in words:
        if re.search(r"(?<!\w)" + re.escape(word.casefold()) + r"(?!\w)", lowered):
            return f"word:{word}"
    return ""


def hold_words(event: dict) -> list[str]:
    """The event's words that hold a card for a moderator (the default list until the lead edits it)."""
    return json.loads(event["hold_words"]) if event["hold_words"] else list(DEFAULT_WORDS)


def check_words(value) -> str:
    """The words that hold a card, as stored: cleaned, one line each, no repeats."""
    if not isinstance(value, list) or len(value) > MAX_WORDS:
        raise fail("invalid_payload")
    words = []
    for word in value:
        word = " ".join(domain.check_optional_text(word, MAX_WORD_LENGTH).split())
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return json.dumps(words, ensure_ascii=False)

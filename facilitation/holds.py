"""Why a card should wait for a moderator even in post-moderation: it holds a phone number, an
e-mail address, a web address, or a word from the event's list (kept and checked here too).

No Flask, no SQL. The reason travels with the card (cards.hold_reason) so the tablet can say it.
"""
from __future__ import annotations

import json
import re
import unicodedata

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
    tokens = spoken_tokens(text)
    for word in words:
        if any(word_in(token, form) for form in word_forms(word) for token in tokens):
            return f"word:{word}"
    return ""


# What people type to slip a word past a filter: digits for letters, stretched letters
# ("Idiooot"), letters split by spaces or dots ("I D I O T"), umlauts in plurals
# ("Arschlöcher"). Both the card and the listed word are brought to the same plain form.
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SEPARATOR = re.compile(r"[^\w@$]+")
# German endings after a short word ("Sau" holds "Säue"... but not "sauber").
_ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern", "in", "innen")
# The joints between the parts of a German compound ("Hure-n-sohn").
_JOINTS = ("n", "en", "s", "es")


def plain(text: str) -> str:
    """Lower case, no accents or umlauts, digits swapped back to letters, no repeated letters."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_SWAPS)
    return re.sub(r"(.)\1+", r"\1", letters)


def spoken_tokens(text: str) -> list[str]:
    """The card's words in plain form; a run of single letters ("I D I O T", "I.D.I.O.T") is
    read as the one word it spells."""
    tokens, run = [], []
    for raw in _SEPARATOR.split(text):
        if len(raw) == 1:
            run.append(raw)
            continue
        if len(run) > 1:
            tokens.append("".join(run))
        tokens += run if len(run) == 1 else []
        run = []
        if raw:
            tokens.append(raw)
    tokens += ["".join(run)] if len(run) > 1 else run
    return [plain(token) for token in tokens if token]


def word_forms(word: str) -> list[str]:
    """A listed word in plain form, and its stem without a final -e when that stem is long
    enough to mean something ("Scheiße" holds "scheiß", "Kanake" holds "Kanaken")."""
    form = plain(word)
    forms = [form]
    if form.endswith("e") and len(form) >= 6:
        forms.append(form[:-1])
    return forms


def word_in(token: str, form: str) -> bool:
    """Whether a card's word is a form of the listed word: inside it for words of five
    letters or more (inflections, compounds: "Idioten", "Drecksidiot"); for four, with an
    ending, at a compound's end, or at its start before a joint ("Huren", "Hurensohn", but
    not "Schuhregal" or "Mistral"); for shorter ones only with an ending ("Sau" is not
    "sauber")."""
    if not form:
        return False
    if len(form) >= 5:
        return form in token
    with_ending = any(token == form + ending for ending in _ENDINGS)
    if len(form) == 4:
        compound = token.endswith(form) or any(
            token.startswith(form + joint) and len(token) >= len(form + joint) + 3 for joint in _JOINTS)
        return with_ending or compound
    return with_ending


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

"""The languages Tischrunde offers (translations/languages.json) and the language of a card.

No Flask here. A card's language is the phone's interface language, refined by
the script the text is written in where the two disagree: Arabic letters typed
on a German phone are not German.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "translations" / "languages.json"
SOURCE = "de"  # the language the app is written in, and the one translations are made into


@lru_cache(maxsize=1)
def languages() -> dict[str, dict]:
    """Every offered language by code: name, dir, reviewed, scope (see languages.json)."""
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {entry["code"]: entry for entry in data["languages"]}


def names() -> dict[str, str]:
    """Every offered language by code, named in itself (a card is in one of them, or unknown)."""
    return {code: entry["name"] for code, entry in languages().items()}


def codes() -> list[str]:
    """The codes, in the catalogue's order (German first)."""
    return list(languages())


def direction(code: str) -> str:
    """The writing direction of a language for HTML's dir: "rtl" or "ltr"."""
    return "rtl" if languages().get(code, {}).get("dir") == "rtl" else "ltr"


def staff_complete(code: str) -> bool:
    """True when the staff pages (tablet, console) are translated into this language."""
    return languages().get(code, {}).get("scope") == "all"


# Letters that only some languages written in Arabic or Cyrillic script use.
_PERSIAN = set("پچژگکی")
_PASHTO = set("ټډړږښګڼۍې")
_UKRAINIAN = set("іїєґІЇЄҐ")
_TURKISH = set("ğşıİĞŞ")
_GERMAN = set("äöüßÄÖÜ")


def script_of(text: str) -> str:
    """The script most letters of text are written in: latin, arabic, cyrillic, other or ''."""
    counts = Counter(filter(None, map(_script_of_char, text)))
    return max(counts, key=counts.get) if counts else ""


@lru_cache(maxsize=8192)
def _script_of_char(char: str) -> str | None:
    # Cached: every posted card runs through here, a few hundred distinct letters in all.
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return next((s.lower() for s in ("LATIN", "ARABIC", "CYRILLIC") if name.startswith(s)), "other")


def _script_of_language(code: str) -> str:
    return {"ar": "arabic", "fa": "arabic", "ps": "arabic", "ku": "latin", "uk": "cyrillic", "ru": "cyrillic"}.get(code, "latin")


def card_language(text: str, ui_language: str | None) -> str:
    """The language a card is written in: the phone's, unless the script says otherwise ('' unknown)."""
    ui = ui_language if ui_language in names() else ""
    script = script_of(text)
    if not script or (ui and _script_of_language(ui) == script):
        return ui
    letters = set(text)
    if script == "arabic":
        return "ps" if letters & _PASHTO else "fa" if letters & _PERSIAN else "ar"
    if script == "cyrillic":
        return "uk" if letters & _UKRAINIAN else "ru"
    if script == "latin":
        return "tr" if letters & _TURKISH else "de" if letters & _GERMAN else ""
    return ""

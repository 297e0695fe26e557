"""Event templates: the tables and questions an event starts with."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

GMUEND_QUESTIONS = ["Was läuft gut?", "Was muss verbessert werden?", "Was braucht es?"]

TEMPLATES = {
    "gmuend": {
        "label": _l("Schwäbisch Gmünd: fünf Thementische, drei Fragen"),
        "tables": [
            "Bauen & Wohnen",
            "Ehrenamt & Beteiligung",
            "Arbeit",
            "Frauen",
            "Bildung & Ausbildung",
        ],
        "questions": GMUEND_QUESTIONS,
    },
    "blank": {
        "label": _l("Ein Tisch, drei Fragen (zum Anpassen)"),
        "tables": ["Tisch 1"],
        "questions": GMUEND_QUESTIONS,
    },
}


def get_template(name: str) -> dict | None:
    """The template called ``name``, or None."""
    return TEMPLATES.get(name)

"""Event templates: the tables and questions an event starts with."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def N_(text: str) -> str:
    """Mark a template's table name or question for translation, but store it as written.

    Events keep their German wording; pages show a translation of it beside the
    original while it is still the template's text (see web.base.local_text).
    """
    return text


GMUEND_QUESTIONS = [N_("Was läuft gut?"), N_("Was muss verbessert werden?"), N_("Was braucht es?")]

TEMPLATES = {
    "gmuend": {
        "label": _l("Schwäbisch Gmünd: fünf Thementische, drei Fragen"),
        "tables": [
            N_("Bauen & Wohnen"),
            N_("Ehrenamt & Beteiligung"),
            N_("Arbeit"),
            N_("Frauen"),
            N_("Bildung & Ausbildung"),
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
    """The template called ``name``, or None (also for a name that is not a string)."""
    return TEMPLATES.get(name) if isinstance(name, str) else None

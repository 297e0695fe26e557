"""The strings the page scripts show, translated on the server (phones get only theirs),
and counted phrases in every plural form of the page language."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _

from .. import domain, languages

# The strings the phone's scripts use (participant.js and live.js): a phone on a slow
# Wi-Fi does not download the staff pages' wording (about 1.5 KB of its first visit).
PHONE_STRINGS = frozenset(
    """
    add_dot agree agree_n arrived arrived_pending cancel cards_n change_table chars_left close confirm_withdraw
    copy dots_left_n dots_n edit error event_closed event_deleted fewest_people hidden in_result kinds
    language_names my_dots next_step no_cards no_results not_sent offline online pending pending_approval
    phase_round private_own rejoin remove_dot revoked save sending stay taken_at_table time_up translation
    untranslated veiled_n vote_title withdraw
""".split()
)


@lru_cache(maxsize=None)
def boot_strings(lang: str, phone: bool) -> dict:
    """The script strings of one language (phones get only theirs), translated once: at 4,000
    phones joining, translating ~160 strings per page view cost 3.5 ms each (issue 13).
    Called inside the request whose locale is ``lang``."""
    strings = ui_strings()
    if phone:
        strings = {k: v for k, v in strings.items() if k in PHONE_STRINGS or k.startswith("phase_")}
    return strings


def plural_forms(singular: str, plural: str) -> dict:
    """A counted phrase for the page scripts: its template per CLDR plural category of the
    page language ({'one': '%(num)d Karte', 'other': '%(num)d Karten'}; Arabic has six).

    The script picks the category with Intl.PluralRules (live.js T.plural), so '1 Karte',
    '3 картки' and 'بطاقتان' come out right without shipping gettext's plural formulas.
    """
    translations = get_translations()
    return {tag: translations.ngettext(singular, plural, n) for tag, n in _plural_samples(str(get_locale())).items()}


@lru_cache(maxsize=None)
def _plural_samples(locale: str) -> dict[str, int]:
    """One whole number per CLDR plural category of a language (searched once per language)."""
    rule = Locale.parse(locale).plural_form
    wanted = set(rule.tags) | {"other"}
    samples: dict[str, int] = {}
    for n in range(0, 1000):
        samples.setdefault(rule(n), n)
        if len(samples) == len(wanted):
            break
    # Some languages keep 'other' for fractions (Ukrainian): whole numbers never reach it.
    samples.setdefault("other", 5)
    return samples


def ui_strings() -> dict:
    """Strings the page scripts show, translated on the server."""
    return {
        "saved": _("Gespeichert"),
        "offline": _("Keine Verbindung – Ihre Karten werden gesendet, sobald sie wieder da ist."),
        "online": _("Verbunden"),
        "hidden": _("Von der Moderation ausgeblendet"),
        "hide": _("Ausblenden"),
        "show": _("Wieder zeigen"),
        "edit": _("Bearbeiten"),
        "save": _("Speichern"),
        "cancel": _("Abbrechen"),
        "withdraw": _("Zurückziehen"),
        "confirm_withdraw": _("Diese Karte wirklich zurückziehen?"),
        "no_cards": _("Noch keine Karten."),
        "pending": _("wartet auf Versand"),
        "chars_left": _("Zeichen übrig"),
        "error": _("Fehler"),
        "cards_n": plural_forms("%(num)d Karte", "%(num)d Karten"),
        "dots_n": plural_forms("%(num)d Punkt", "%(num)d Punkte"),
        "dots_left_n": plural_forms("%(num)d Punkt übrig", "%(num)d Punkte übrig"),
        "kinds": {k: str(v) for k, v in domain.RESULT_KINDS.items()},
        "addressees": {k: str(v) for k, v in domain.ADDRESSEES.items()},
        "unsorted": _("Noch nicht sortiert"),
        "move_to": _("Karte verschieben nach …"),
        "move_up": _("Nach oben"),
        "move_down": _("Nach unten"),
        "merge_into": _("Zusammenführen mit …"),
        "merge": _("Zusammenführen"),
        "delete": _("Auflösen"),
        "confirm_delete": _("Ergebnis auflösen? Die Karten kommen zurück zu „Noch nicht sortiert“."),
        "new_result": _("Neues Ergebnis"),
        "accept": _("Übernehmen"),
        "ignore": _("Ignorieren"),
        "no_suggestions": _("Keine Vorschläge: zu wenige ähnliche Karten, die noch nicht sortiert sind."),
        "likely": _("passt vielleicht"),
        "progress": {k: str(v) for k, v in domain.PROGRESS.items()},
        "follow_up": _("Nachverfolgung"),
        "signup": _("Anmeldung „Ich mache mit“"),
        "topics": {k: str(v) for k, v in domain.TOPICS.items()},
        "topic_filter": _("Thema"),
        "all_topics": _("alle Themen"),
        "topic_record": _("Protokoll zu diesem Thema"),
        "signup_states": {"": _("wie die Art (Runder Tisch: offen)"), "open": _("offen"), "closed": _("geschlossen")},
        "responsible": _("Wer kümmert sich"),
        "due": _("Bis wann"),
        "progress_label": _("Stand"),
        "reason": _("Warum nicht umsetzbar"),
        "news": _("Neuigkeiten"),
        "add_news": _("Neuigkeit hinzufügen"),
        "remove": _("Entfernen"),
        "next_step": _("Nächster Schritt"),
        "contact": _("Kontakt"),
        "undone": _("Rückgängig gemacht"),
        "no_results": _("Noch keine Ergebnisse."),
        "grip": _("Karte verschieben"),
        "grip_result": _("Ergebnis verschieben"),
        "results": _("Ergebnisse"),
        "in_result": _("Im Ergebnis:"),
        "merged_with": _("zusammengeführt mit"),
        "table": _("Tisch"),
        "unmerge": _("Trennen"),
        "addressee": _("Adressat"),
        "none": _("– noch offen –"),
        "also_at": _("auch an:"),
        "wall_cards": _("Wand zeigt Karten"),
        "wall_results": _("Wand zeigt Ergebnisse"),
        "phase_arrival": _("Ankommen"),
        "phase_round": _("Runde %d"),
        "phase_sorting": _("Ergebnisse sortieren"),
        "phase_market": _("Marktplatz"),
        "phase_closing": _("Abschluss"),
        "time_up": _("Die Zeit ist um – bitte zum Ende kommen."),
        "pending_approval": _("wartet auf Freigabe"),
        "approve": _("Freigeben"),
        "reject": _("Ablehnen"),
        "queue": _("Warten auf Freigabe"),
        "change_table": _("Neue Runde: Sie können jetzt den Tisch wechseln."),
        "stay": _("Hier bleiben"),
        "vote_title": _("Marktplatz: Was ist Ihnen am wichtigsten?"),
        "add_dot": _("Punkt geben"),
        "remove_dot": _("Punkt zurücknehmen"),
        "my_dots": _("meine Punkte"),
        "voting_closed": _("Die Abstimmung ist geschlossen."),
        "ranking": _("Rangliste"),
        "earlier_rounds": _("Was frühere Runden an diesem Tisch gesagt haben"),
        "round_short": _("R%d"),
        "voting_is_open": _("Die Abstimmung ist offen."),
        "voting_is_closed": _("Die Abstimmung ist geschlossen; die Rangliste ist gespeichert."),
        "voting_not_yet": _("Die Abstimmung öffnet im Marktplatz."),
        "status_open": _("Die Veranstaltung läuft."),
        "status_closed": _("Abgeschlossen: nur noch lesen und exportieren."),
        "status_archived": _("Archiviert: nur noch lesen und exportieren."),
        "join_call": _("Mitmachen: QR-Code scannen"),
        "event_closed": _("Diese Veranstaltung ist abgeschlossen."),
        "event_deleted": _("Diese Veranstaltung wurde gelöscht."),
        "sending": _("Ihre Karte wird gesendet …"),
        "arrived": _("Ihre Karte ist angekommen."),
        "arrived_pending": _("Ihre Karte ist angekommen und wartet auf Freigabe durch die Moderation."),
        "translate": _("Übersetzen"),
        "fewest_people": _("Hier sind gerade die wenigsten Leute."),
        "more_n": plural_forms("+%(num)d weitere Karte", "+%(num)d weitere Karten"),
        "agree_n": plural_forms("%(num)d Person sieht das auch so", "%(num)d Personen sehen das auch so"),
        "agree": _("Sehe ich auch so"),
        "veiled_n": plural_forms(
            "%(num)d Karte wird noch verdeckt geschrieben", "%(num)d Karten werden noch verdeckt geschrieben"
        ),
        "private_own": _("nur für Sie und die Moderation, bis die Karten aufgedeckt werden"),
        "private_card": _("verdeckt"),
        "reveal": _("Karten aufdecken"),
        "to_wall": _("An die Wand"),
        "from_wall": _("Von der Wand nehmen"),
        "confirm_release": _("Alle wartenden Karten zeigen, auch die noch niemand angesehen hat?"),
        "hold_phone": _("enthält eine Telefonnummer"),
        "hold_email": _("enthält eine E-Mail-Adresse"),
        "hold_url": _("enthält eine Webadresse"),
        "hold_word": _("enthält ein Wort von der Liste:"),
        "language": _("Sprache"),
        "translation": _("Übersetzung"),
        "untranslated": _("noch nicht übersetzt"),
        "taken_at_table": _("am Tisch aufgenommen"),
        "language_names": languages.names(),
        "paper_dots": _("Punkte auf Papier"),
        "on_paper": _("auf Papier"),
        "all_tables": _("alle Tische"),
        "all_languages": _("alle Sprachen"),
        "nothing_to_translate": _("Gerade gibt es nichts zu übersetzen."),
        "recorded": _("Karte aufgenommen"),
        "revoked": _("Dieser Link wurde ersetzt. Bitte lassen Sie sich den neuen Link geben."),
        "rejoin": _("Neu verbinden"),
        "not_sent": _("Nicht gesendet"),
        "copy": _("Text kopieren"),
        "close": _("Schließen"),
    }

"""Rules of a Tischrunde event: roles, limits, card states and input checks.

No Flask, no SQL: everything here is plain Python so it can be tested and reused
by the HTTP forms, the Socket.IO handlers and the command-line tools alike.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

MAX_CARD_LENGTH = 280
MAX_NAME_LENGTH = 40
MAX_TITLE_LENGTH = 120
MAX_QUESTION_LENGTH = 200

# Roles. A moderator is bound to one table; the lead may act on every table.
PARTICIPANT = "participant"
MODERATOR = "moderator"
LEAD = "lead"
WALL = "wall"
INTERPRETER = "interpreter"  # Sprachmittlung: translates cards into German, for every table
ADMIN = "admin"  # the command line on the server itself
FOLLOWER = "followup"  # Nachverfolgung: keeps results' progress and news up to date after the evening
ROLES = (PARTICIPANT, MODERATOR, LEAD, WALL, INTERPRETER, FOLLOWER, ADMIN)
MAX_PAPER_VOTES = 10_000
MAX_PUBLISH_NOTE_LENGTH = 300

MAX_DESCRIPTION_LENGTH = 1000
MAX_NEXT_STEP_LENGTH = 300
MAX_CONTACT_LENGTH = 120
MAX_NEWS_LENGTH = 500
MAX_REASON_LENGTH = 300
MAX_CARDS_PER_COMMAND = 300
# Every length limit a form or script needs, sent to the pages from here (web.site.page_globals, web.base.boot_data).
INPUT_LIMITS = {
    "card": MAX_CARD_LENGTH, "name": MAX_NAME_LENGTH, "title": MAX_TITLE_LENGTH, "question": MAX_QUESTION_LENGTH,
    "description": MAX_DESCRIPTION_LENGTH, "next_step": MAX_NEXT_STEP_LENGTH, "contact": MAX_CONTACT_LENGTH,
    "news": MAX_NEWS_LENGTH, "reason": MAX_REASON_LENGTH,
}
MAX_TABLES = 50
MAX_QUESTIONS = 10
# What a new event may have (the console and the command line): 1-30 tables, 1-5 questions.
NEW_EVENT_TABLES = (1, 30)
NEW_EVENT_QUESTIONS = (1, 5)
MAX_BACKGROUND_LENGTH = 4000
# Ids and numbers from clients: SQLite integers end at 2**63; JSON-safe ones at 2**53.
MAX_INT = 2**53

# Kinds of result, in the order a moderator meets them (seed format).
RESULT_KINDS = {
    "project_idea": _l("Projektidee"),
    "existing_offer": _l("Bestehendes Angebot"),
    "problem_note": _l("Problemhinweis"),
    "solution": _l("Lösungsanregung"),
    "round_table": _l("Runder Tisch"),
}
# The record's sections, one per kind, in the same order.
RESULT_KIND_SECTIONS = {
    "project_idea": _l("Projektideen"),
    "existing_offer": _l("Bestehende Angebote"),
    "problem_note": _l("Problemhinweise"),
    "solution": _l("Lösungsanregungen"),
    "round_table": _l("Runde Tische"),
}
# The seed's topic map: optional tags on results, to filter the synthesis board and the record.
TOPICS = {
    "gemeinschaft": _l("Gemeinschaft"),
    "arbeiten": _l("Arbeiten"),
    "wohnen": _l("Wohnen aktuell"),
    "bauen": _l("Bauen, künftiges Wohnen"),
    "lernen": _l("Lernen"),
    "sicherheit": _l("Sicherheit"),
    "sorgen": _l("Sorgen"),
}


def check_tags(value) -> str:
    """Topic tags as stored (a JSON list in TOPICS order), or unknown_topic."""
    if not isinstance(value, list) or len(value) > len(TOPICS):
        raise fail("invalid_payload")
    chosen = {check_choice(tag, TOPICS, "unknown_topic") for tag in value}
    return json.dumps([tag for tag in TOPICS if tag in chosen])


# To whom a recommendation is addressed ('' = not yet decided).
ADDRESSEES = {
    "kommune": _l("Kommune"),
    "land": _l("Land"),
    "bund": _l("Bund"),
    "ehrenamt": _l("Ehrenamt/Vereine"),
    "wirtschaft": _l("Wirtschaft"),
    "buergerschaft": _l("Bürgerschaft"),
}
WALL_MODES = ("cards", "results")

# After the evening: how far a result has come ("open" until someone says otherwise).
PROGRESS = {
    "open": _l("offen"),
    "in_progress": _l("in Arbeit"),
    "done": _l("umgesetzt"),
    "not_feasible": _l("nicht umsetzbar"),
}
# Who can take a result on: the seed's actor map, editable per event (events.actors).
DEFAULT_ACTORS = (
    "Kommunalverwaltung", "Kommunalpolitik", "Landkreis", "Land", "Agentur für Arbeit", "Jobcenter", "Kindergärten",
    "Schulen", "Volkshochschule", "Hochschulen", "Polizei", "Verkehrsbetriebe", "Kirchen", "Sportvereine",
    "Kultureinrichtungen", "Freie Träger", "DRK", "Freiwillige Feuerwehr", "Freundeskreise/Ehrenamt",
    "Arbeitgeber/Kammern", "Gewerkschaften", "Wohnungswirtschaft/Mieterbund", "Bürgerschaft", "Geflüchtete",
)
# "Ich bin hier als …": optional, one tap, never shown per card; the record shows a group
# only from MIN_GROUP people on.
AFFILIATIONS = {
    "refugee": _l("Geflüchtete/r"),
    "resident": _l("Anwohner/in"),
    "volunteer": _l("Ehrenamt"),
    "administration": _l("Verwaltung"),
    "politics": _l("Politik"),
    "business": _l("Wirtschaft"),
    "other": _l("Sonstige"),
}
MIN_GROUP = 5
# The record's method section: what the lead can write, in this order.
METHOD_PARTS = {
    "background": _l("Hintergrund"),
    "mandate": _l("Auftrag"),
    "course": _l("Ablauf des Abends"),
    "rules": _l("Regeln für das Gespräch"),
    "group": _l("Begleitgruppe"),
}
MAX_METHOD_LENGTH = 4000
# A starting text for the rules (the lead edits or leaves it out).
DEFAULT_RULES = _l(
    "1. Alle Beiträge sind willkommen; jede und jeder spricht für sich.\n"
    "2. Wir hören einander zu und lassen ausreden.\n"
    "3. Wir fassen uns kurz, damit alle zu Wort kommen.\n"
    "4. Wir gehen respektvoll miteinander um, auch wenn wir anderer Meinung sind.\n"
    "5. Es gibt keine falschen Fragen; jede Sprache ist willkommen.\n"
    "6. Wir schauen nach vorn: Was können wir gemeinsam tun?\n"
    "7. Persönliches, das hier erzählt wird, bleibt im Raum.\n"
    "8. Die Moderation achtet auf die Zeit und die Regeln."
)
MAX_ACTORS = 80
MAX_NEWS_PER_RESULT = 100

# Result states: ACTIVE on the boards; MERGED folded into another table's result
# by the lead (kept, shown under its target); DELETED gone (kept for undo).
ACTIVE = "active"
MERGED = "merged"
DELETED = "deleted"

# Card states. Only VISIBLE cards reach the wall and other phones.
VISIBLE = "visible"
HIDDEN = "hidden"
WITHDRAWN = "withdrawn"
PENDING = "pending"  # pre-moderation: waits in the moderators' queue
PRIVATE = "private"  # written privately: its author and the moderators read it until the table's cards are revealed

# The run of an evening: arrival, rounds 1..n, sorting, market place (voting), closing.
ARRIVAL, SORTING, MARKET, CLOSING = "arrival", "sorting", "market", "closing"
MODERATION_MODES = ("post", "pre")
LIMITS = {"rounds": (1, 10), "round_minutes": (1, 240), "dots": (1, 20), "sorting_minutes": (1, 240),
          "market_minutes": (1, 240)}
MAX_TIMER_ADD_MINUTES = 60


def phases(rounds: int) -> list[str]:
    """Every phase of an evening with ``rounds`` rounds, in order."""
    return [ARRIVAL] + [f"round:{n}" for n in range(1, rounds + 1)] + [SORTING, MARKET, CLOSING]


def round_of(phase: str) -> int | None:
    """The round number of a 'round:n' phase, else None."""
    return int(phase.split(":", 1)[1]) if phase.startswith("round:") else None


def event_state(event: dict) -> dict:
    """What every screen knows of an event's run: phase, timer, modes, voting."""
    return {
        "id": event["id"],
        "title": event["title"],
        "wall_mode": event["wall_mode"],
        "phase": event["phase"],
        "phases": phases(event["rounds"]),
        "current_round": event["current_round"],
        "rounds": event["rounds"],
        "round_minutes": event["round_minutes"],
        "timer": {
            "duration": event["timer_duration"],
            "started_at": event["timer_started_at"],
            "elapsed": event["timer_elapsed"],
        },
        "moderation": event["moderation"],
        "dots": event["dots"],
        "voting_open": bool(event["voting_open"]),
        "date": event["date"],
        "place": event["place"],
        "status": event["status"],
        "languages": event_languages(event),
        "auto_timer": bool(event["auto_timer"]),
        "sorting_minutes": event["sorting_minutes"],
        "market_minutes": event["market_minutes"],
        "spotlight": json.loads(event["spotlight"]) if event["spotlight"] else None,
        "focus_table": event["focus_table"],
        "publish_note": event["publish_note"],
        "private_writing": bool(event["private_writing"]),
        "actors": event_actors(event),
        "signup_delete_on": event["signup_delete_on"],
    }


def method_of(event: dict) -> dict[str, str]:
    """The event's method texts by part ('' for a part not written)."""
    stored = json.loads(event.get("method") or "{}")
    return {part: stored.get(part, "") for part in METHOD_PARTS}


def signup_open(result: dict, event: dict, today: str) -> bool:
    """Whether phones may sign up for a result: a Runder Tisch (or one the lead opened) that
    the lead did not close, while the day on which the event's sign-ups are deleted is still
    ahead (``today``: 'YYYY-MM-DD'); a sign-up on that day would be deleted at once."""
    wanted = result["signup"] == "open" or (result["signup"] == "" and result["kind"] == "round_table")
    return wanted and result["status"] == ACTIVE and event["signup_delete_on"] > today


def event_actors(event: dict) -> list[str]:
    """Who can take a result on at this event: its own list, else the seed's actor map."""
    stored = json.loads(event.get("actors") or "null")
    return list(stored) if isinstance(stored, list) else list(DEFAULT_ACTORS)


MAX_SIGNUP_KEEP_DAYS = 730  # sign-ups are deleted at most two years after the lead sets the day


def check_due(value) -> str:
    """A due date as ISO 'YYYY-MM-DD' ('' = none), or bad_date."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise fail("bad_date")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise fail("bad_date") from None
    return value


def phase_minutes(event: dict, phase: str) -> int | None:
    """How long a phase's timer runs: a round's length, the sorting and market times; None for the rest."""
    if phase.startswith("round:"):
        return event["round_minutes"]
    return {SORTING: event["sorting_minutes"], MARKET: event["market_minutes"]}.get(phase)


def event_languages(event: dict) -> list[str]:
    """The languages an event offers its participants (all offered ones until the lead chooses)."""
    from .languages import codes

    chosen = json.loads(event["languages"]) if event.get("languages") else []
    return [code for code in codes() if code in chosen] if chosen else codes()


def timer_remaining(timer: dict, now: float) -> float:
    """Seconds left on a timer at ``now`` (server time); never below 0."""
    elapsed = timer["elapsed"] + (now - timer["started_at"] if timer["started_at"] is not None else 0)
    return max(0.0, timer["duration"] - elapsed)


class CommandError(Exception):
    """A refused command: a stable machine code plus a message for people.

    The message is a lazy gettext string, so it is rendered in the language of
    whoever receives the error.
    """

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message

    def as_dict(self) -> dict:
        """The error as it travels in an ack: ``{code, message}``."""
        return {"code": self.code, "message": str(self.message)}


# One place for every refusal, so the codes and wording stay consistent.
ERRORS = {
    "invalid_payload": _l("Die Anfrage ist unvollständig oder fehlerhaft."),
    "empty_text": _l("Bitte schreiben Sie etwas auf die Karte."),
    "text_too_long": _l("Die Karte ist zu lang: höchstens %(max)d Zeichen."),
    "name_too_long": _l("Der Name ist zu lang: höchstens %(max)d Zeichen."),
    "title_empty": _l("Der Titel darf nicht leer sein."),
    "title_too_long": _l("Der Text ist zu lang: höchstens %(max)d Zeichen."),
    "unknown_event": _l("Diese Veranstaltung gibt es nicht."),
    "unknown_table": _l("Diesen Tisch gibt es nicht."),
    "unknown_question": _l("Diese Frage gibt es an diesem Tisch nicht."),
    "unknown_card": _l("Diese Karte gibt es nicht."),
    "unknown_template": _l("Diese Vorlage gibt es nicht."),
    "unknown_result": _l("Dieses Ergebnis gibt es nicht (mehr)."),
    "unknown_kind": _l("Diese Art von Ergebnis gibt es nicht."),
    "unknown_addressee": _l("Diesen Adressaten gibt es nicht."),
    "other_table": _l("Karte und Ergebnis gehören zu verschiedenen Tischen."),
    "same_result": _l("Ein Ergebnis kann nicht mit sich selbst zusammengeführt werden."),
    "nothing_to_undo": _l("Es gibt nichts rückgängig zu machen."),
    "unknown_phase": _l("Diesen Abschnitt gibt es in dieser Veranstaltung nicht."),
    "out_of_range": _l("Bitte eine Zahl von %(min)d bis %(max)d."),
    "voting_closed": _l("Die Abstimmung ist gerade nicht offen."),
    "voting_open": _l("Während der Abstimmung lässt sich die Zahl der Punkte nicht ändern."),
    "no_dots_left": _l("Sie haben alle %(dots)d Punkte vergeben. Nehmen Sie einen zurück, um neu zu wählen."),
    "wrong_phase": _l("Das geht nur im Marktplatz."),
    "event_closed": _l("Diese Veranstaltung ist abgeschlossen; es lässt sich nichts mehr ändern."),
    "event_exists": _l("Die Veranstaltung „%(id)s“ gibt es hier schon. Bitte eine andere ID wählen."),
    "invalid_backup": _l("Diese Datei ist keine Tischrunde-Sicherung (oder sie ist beschädigt)."),
    "confirm_mismatch": _l("Zur Bestätigung bitte genau den Titel der Veranstaltung eingeben."),
    "id_conflict": _l("Diese Karten-ID ist schon vergeben."),
    "card_withdrawn": _l("Diese Karte wurde zurückgezogen."),
    "forbidden": _l("Das dürfen Sie hier nicht."),
    "not_authenticated": _l("Bitte öffnen Sie den Link noch einmal."),
    "rate_limited": _l("Bitte etwas langsamer: zu viele Karten in kurzer Zeit."),
    "unknown_command": _l("Diesen Befehl gibt es nicht."),
    "unknown_language": _l("Diese Sprache wird hier nicht angeboten."),
    "not_public": _l("Nur sichtbare Karten können an die Wand."),
    "own_card": _l("Ihrer eigenen Karte stimmen Sie schon zu."),
    "invalid_event_id": _l("Eine Veranstaltungs-ID besteht aus 1 bis 40 Kleinbuchstaben, Ziffern, - oder _."),
    "too_large": _l("Die Eingabe ist zu groß."),
    "unknown_topic": _l("Dieses Thema gibt es nicht."),
    "table_count": _l("Eine Veranstaltung hat 1 bis 30 Tische."),
    "question_count": _l("Ein Tisch hat 1 bis 5 Fragen."),
    "unknown_dialog": _l("Diesen Dialog gibt es nicht."),
    "not_round_table": _l("Eine Folgeveranstaltung geht von einem Runden Tisch aus."),
    "unknown_actor": _l("Diesen Akteur gibt es in der Liste der Veranstaltung nicht."),
    "unknown_progress": _l("Diesen Stand gibt es nicht."),
    "reason_needed": _l("Bitte sagen Sie, warum es nicht umsetzbar ist."),
    "bad_date": _l("Bitte ein Datum wie 2027-03-31 angeben."),
    "date_too_far": _l("Das Löschdatum darf höchstens zwei Jahre in der Zukunft liegen."),
    "unknown_news": _l("Diese Meldung gibt es nicht (mehr)."),
    "too_many": _l("Zu viele Einträge: höchstens %(max)d."),
    "consent_needed": _l("Bitte bestätigen Sie, dass Ihr Name und Ihre Kontaktangabe gespeichert werden dürfen."),
    "signup_closed": _l("Für dieses Ergebnis ist keine Anmeldung offen."),
    "name_needed": _l("Bitte geben Sie einen Namen an."),
    "contact_needed": _l("Bitte geben Sie an, wie man Sie erreicht (Telefon oder E-Mail)."),
    "internal": _l("Ein Fehler im Server. Ihre Eingabe ist nicht verloren, bitte später erneut senden."),
    "storage_unavailable": _l("Der Server kann gerade nicht speichern. Ihre Eingabe bleibt hier und wird gleich noch einmal gesendet."),
}


def fail(code: str, **params) -> CommandError:
    """Build the CommandError for ``code`` (see ERRORS), formatted with params."""
    message = ERRORS[code]
    return CommandError(code, message % params if params else message)


@dataclass(frozen=True)
class Actor:
    """Who sends a command: role, event, and table or participant where bound."""

    role: str
    event_id: str
    table_id: int | None = None
    participant_id: str | None = None

    def may_moderate(self, table_id: int) -> bool:
        """True for the lead, and for the moderator of exactly this table."""
        if self.role == LEAD:
            return True
        return self.role == MODERATOR and self.table_id == table_id


# Control characters (C0 but tab and newline, DEL, C1), zero-width space, line and
# paragraph separators, and Unicode noncharacters: none belongs on a card, and the
# XML of a DOCX export cannot hold several of them.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufdd0-\ufdef"
    + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
    + "]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def clean_text(value) -> str:
    """Normalise user text: NFC, no control characters, trimmed.

    Newlines are kept (a card may have two lines); runs of blank lines are
    folded so a card cannot push the wall layout around.
    """
    if not isinstance(value, str) or _SURROGATE.search(value):
        # A lone surrogate is no character: it cannot be stored or shown.
        raise fail("invalid_payload")
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "" if is_blank(text) else text.strip()


# Characters that show nothing: fillers some keyboards type as "blank" letters.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def is_blank(text: str) -> bool:
    """True when nothing of the text would show: only spaces, format characters (U+FEFF,
    soft hyphen, joiners, direction marks) and blank fillers. Such a card showed as an
    empty card (issue 21); it is refused like empty text."""
    return all(ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) == "Cf" for ch in text)


def check_card_text(value) -> str:
    """Return the cleaned card text or raise empty_text / text_too_long."""
    text = clean_text(value)
    if not text:
        raise fail("empty_text")
    if len(text) > MAX_CARD_LENGTH:
        raise fail("text_too_long", max=MAX_CARD_LENGTH)
    return text


def check_name(value) -> str:
    """Return the cleaned optional first name ('' when none)."""
    if value is None:
        return ""
    name = " ".join(clean_text(value).split())
    if len(name) > MAX_NAME_LENGTH:
        raise fail("name_too_long", max=MAX_NAME_LENGTH)
    return name


def check_label(value, limit: int = MAX_TITLE_LENGTH) -> str:
    """Return a cleaned one-line label (table name, question, event title)."""
    label = " ".join(clean_text(value).split())
    if not label:
        raise fail("title_empty")
    if len(label) > limit:
        raise fail("title_too_long", max=limit)
    return label


def check_uuid(value) -> str:
    """Return the canonical form of a client-made UUID or raise invalid_payload."""
    if not isinstance(value, str):
        raise fail("invalid_payload")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise fail("invalid_payload") from None


def check_int(value, low: int = 0, high: int = MAX_INT) -> int:
    """Return value as an int in [low, high] (ints and ASCII digit strings), else invalid_payload."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,16}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail("invalid_payload")
    return value


def check_number(value, low: int, high: int) -> int:
    """Return an int a person typed in [low, high], else out_of_range (which names the range)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail("out_of_range", min=low, max=high)
    return value


def check_event_id(value) -> str:
    """Return a valid event id (lowercase letters, digits, - and _; up to 40), else invalid_event_id."""
    if not isinstance(value, str) or not _EVENT_ID.match(value):
        raise fail("invalid_event_id")
    return value


def hash_token(token: str) -> str:
    """SHA-256 of a secret link token: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_token(secret_key: str, *parts) -> str:
    """A secret link token (256 bits) derived from the server secret.

    Deriving instead of storing lets the server print the same links again
    (after a restart, for the lead) while the database holds only hashes.
    """
    message = ":".join(str(p) for p in parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def check_optional_text(value, limit: int) -> str:
    """Return cleaned optional free text ('' when None) or raise title_too_long."""
    if value is None:
        return ""
    text = clean_text(value)
    if len(text) > limit:
        raise fail("title_too_long", max=limit)
    return text


def check_choice(value, choices, code: str) -> str:
    """Return value if it is one of choices, else raise ``code``."""
    if not isinstance(value, str) or value not in choices:
        raise fail(code)
    return value


@dataclass
class Result:
    """What a command did: the changes it logged (in seq order) and the ack data."""

    changes: list[dict]
    ack: dict = field(default_factory=dict)
    # What the screens must learn beyond the log (an event deleted, a link replaced).
    signals: list[dict] = field(default_factory=list)

    @property
    def change(self) -> dict | None:
        """The last change logged, or None when the command changed nothing."""
        return self.changes[-1] if self.changes else None


def payload_dict(payload) -> dict:
    """A command's payload, which must be a JSON object."""
    if not isinstance(payload, dict):
        raise fail("invalid_payload")
    return payload

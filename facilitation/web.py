"""HTTP pages, secret-link redemption, the no-JavaScript card forms and QR images."""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from babel import Locale
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from . import LANGUAGES, STAFF_PAGES, access, commands_of, domain, export, guard, languages, outcomes, socketio_of, views
from .commands import Commands, signups
from .domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, WALL, Actor, CommandError
from .holds import hold_words
from .links import base_url, event_links
from .qr import qr_svg
from .realtime import perform, storage_failed
from .templates_library import TEMPLATES

bp = Blueprint("web", __name__)

def _commands() -> Commands:
    return commands_of(current_app)


def public_base() -> str:
    """The base URL for links shown to phones: PUBLIC_URL, else this host.

    A page opened as 'localhost' on the server itself must still show a QR
    code that phones can reach, so loopback hosts become the LAN address.
    """
    if current_app.config.get("PUBLIC_URL"):
        return current_app.config["PUBLIC_URL"]
    host = urlsplit(request.host_url).hostname or ""
    if host in ("localhost", "::1") or host.startswith("127."):
        return base_url(current_app.config)
    return request.host_url.rstrip("/")


@bp.app_context_processor
def page_globals() -> dict:
    """lang/dir for <html>, and the language switch, on every page."""
    lang = str(get_locale() or "de")
    return {
        "lang": lang,
        "text_dir": languages.direction(lang),
        "languages": [(code, languages.names()[code]) for code in switch_languages()],
        "limits": domain.INPUT_LIMITS,
    }


def switch_languages() -> list[str]:
    """The languages the switch offers: the staff-complete ones on staff pages, else the event's."""
    if request.endpoint in STAFF_PAGES:
        return [code for code in LANGUAGES if languages.staff_complete(code)]
    event_id = (request.view_args or {}).get("event_id")
    event = _commands().store.event(event_id) if isinstance(event_id, str) else None
    return domain.event_languages(event) if event else LANGUAGES


@bp.app_template_filter("local")
def local_text(thing) -> str:
    """The reader's wording of a table name, question or result title, or '' (the German shows alone).

    What the lead or an interpreter entered for the reader's language wins; a
    template's table name or question falls back to the app's catalogue; text a
    lead wrote and nobody translated shows only as written.
    """
    if isinstance(thing, dict):
        lang = str(get_locale() or "de")
        wording = views.i18n(thing).get(lang, "") if lang != "de" else ""
        return wording or local_text(thing.get("name") or thing.get("text") or thing.get("title") or "")
    translated = _(thing) if thing else ""
    return translated if translated != thing else ""


@bp.app_template_filter("day")
def local_day(value) -> str:
    """A day (ISO 'YYYY-MM-DD' or a timestamp) as the reader writes dates, '' for none."""
    return local_digits(export.day_text(value)) if value else ""


@bp.app_template_filter("digits")
def local_digits(text) -> str:
    """Digits as the reader writes them: Persian digits on Farsi pages."""
    if str(get_locale() or "de") != "fa":
        return str(text)
    return str(text).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


@bp.app_template_filter("boot_json")
def boot_json(data: dict) -> Markup:
    """Data for a page's script, safe inside <script type=application/json>."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def _event_or_404(event_id: str) -> dict:
    event = _commands().store.event(event_id)
    if event is None:
        abort(404, _("Diese Veranstaltung gibt es nicht."))
    return event


def _table_of(event_id: str, table_id: int) -> dict | None:
    """The event's table with this id from a URL, else None (a number past SQLite's integers too)."""
    try:
        return _commands().event_table(event_id, table_id)
    except CommandError:
        return None


def _table_or_404(event_id: str, table_id: int) -> dict:
    table = _table_of(event_id, table_id)
    if table is None:
        abort(404, _("Diesen Tisch gibt es nicht."))
    return table


def _redeem_secret_link() -> Response | None:
    """If the URL carries ?k=, trade it for a session grant and drop it from the URL.

    The token must not stay in the address bar, browser history or the
    Referer header, so the page is always reached again by its clean URL.
    """
    token = request.args.get("k")
    if token is None:
        return None
    grant = _commands().redeem(token)
    if grant is None or grant["event_id"] != request.view_args.get("event_id"):
        abort(403, _("Dieser geheime Link ist ungültig. Bitte fragen Sie die Leitung nach dem richtigen Link."))
    access.add_grant(grant)
    # Only the language survives the redirect: other parameters could clash with the route's.
    args = {"lang": request.args["lang"]} if request.args.get("lang") else {}
    return redirect(url_for(request.endpoint, **request.view_args, **args), code=303)


def _require(event_id: str, role: str, table_id: int | None = None) -> None:
    if not access.has_grant(_commands().store, event_id, role, table_id):
        abort(403, _("Diese Seite braucht den geheimen Link. Bitte öffnen Sie ihn noch einmal."))


def _questions_of(event_id: str, table_id: int) -> list[dict]:
    return [q for q in _commands().store.questions(event_id) if q["table_id"] == table_id]


# The strings the phone's scripts use (participant.js and live.js): a phone on a slow
# Wi-Fi does not download the staff pages' wording (about 1.5 KB of its first visit).
PHONE_STRINGS = frozenset("""
    add_dot agree agree_n arrived arrived_pending cancel cards_n change_table chars_left close confirm_withdraw
    copy dots_left_n dots_n edit error event_closed event_deleted fewest_people hidden in_result kinds
    language_names my_dots next_step no_cards no_results not_sent offline online pending pending_approval
    phase_round private_own rejoin remove_dot revoked save sending stay taken_at_table time_up translation
    untranslated veiled_n vote_title withdraw
""".split())


def _boot(event_id: str, role: str, table_id: int | None = None) -> dict:
    """What a page's script needs to start: who it is, limits, its strings."""
    lang = str(get_locale() or "de")
    return {
        "event": event_id,
        "role": role,
        "table": table_id,
        "limits": domain.INPUT_LIMITS,
        "catch_up": current_app.config["CATCH_UP_SECONDS"] * (3 if role == PARTICIPANT else 1),
        "lang": lang,
        "strings": _boot_strings(lang, role == PARTICIPANT),
    }


@lru_cache(maxsize=None)
def _boot_strings(lang: str, phone: bool) -> dict:
    """The script strings of one language (phones get only theirs), translated once: at 4,000
    phones joining, translating ~160 strings per page view cost 3.5 ms each (issue 13).
    Called inside the request whose locale is ``lang``."""
    strings = _ui_strings()
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


def _ui_strings() -> dict:
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
        "veiled_n": plural_forms("%(num)d Karte wird noch verdeckt geschrieben", "%(num)d Karten werden noch verdeckt geschrieben"),
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


# -- pages ---------------------------------------------------------------------


@bp.get("/")
def index():
    """A short landing page: events are joined through their links."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    """Health for the venue's admin: the database answers and can be written."""
    problem = _commands().store.write_problem() or current_app.extensions["storage_health"].problem()
    if problem:
        return {"ok": False, "database": problem}, 503
    manager = socketio_of(current_app).server.manager
    # A queue that is down still leaves this process serving its own connections: 200.
    return {"ok": True, **({"queue": manager.queue_state()} if hasattr(manager, "queue_state") else {})}


@bp.get("/e/<event_id>")
def join(event_id: str):
    """The event's join page: pick your table (after closing: what became of the dialogue)."""
    event = _event_or_404(event_id)
    if event["status"] != "open":
        return _to_outcomes(event_id)
    return render_template("join.html", event=event, tables=_commands().store.tables(event_id))


def _to_outcomes(event_id: str, table_id: int | None = None) -> Response:
    """After closing, the join link and every table's QR code lead to the public results page."""
    lang = {"lang": request.args["lang"]} if request.args.get("lang") else {}
    anchor = {"_anchor": f"table-{table_id}"} if table_id is not None else {}
    return redirect(url_for("web.outcomes_page", event_id=event_id, **lang, **anchor), 303)


@bp.get("/e/<event_id>/results")
def outcomes_page(event_id: str):
    """Was aus dem Dialog wurde: results by table and kind, how far each has come, the
    latest news and the ranking. Public, printable, no contacts; "Ich mache mit" where a
    result is open for sign-up."""
    _event_or_404(event_id)
    return _outcomes_page(event_id)


def _outcomes_page(event_id: str, status: int = 200, form: dict | None = None, error: str = "", failed: str = ""):
    store = _commands().store
    data = outcomes.outcome(store, event_id)
    event = data["event"]
    body = render_template(
        "outcomes.html", data=data, event=event, kinds=domain.RESULT_KINDS, progress=domain.PROGRESS,
        feed_url=url_for("web.outcomes_feed", event_id=event_id),
        signups_here=True, mine=store.signups_of(event_id, access.participant_id()), consent=signups.consent_text(event),
        form=form or {}, error=error, failed=failed, messages=get_flashed_messages(),
    )
    return body, status


@bp.post("/e/<event_id>/results/<result_id>/signup")
def signup_form(event_id: str, result_id: str):
    """Ich mache mit: sign up for a round table (name, contact, consent), a plain form."""
    payload = {"result": result_id, "name": request.form.get("name"), "contact": request.form.get("contact"),
               "consent": request.form.get("consent") == "yes"}
    return _signup_command(event_id, result_id, "signup:add", payload, _("Sie sind dabei. Danke!"))


@bp.post("/e/<event_id>/results/<result_id>/signup/withdraw")
def withdraw_signup_form(event_id: str, result_id: str):
    """Take this phone's sign-up back."""
    return _signup_command(event_id, result_id, "signup:remove", {"result": result_id},
                           _("Ihre Anmeldung ist gelöscht."))


def _signup_command(event_id: str, result_id: str, name: str, payload: dict, done: str) -> Response | tuple:
    """Run a sign-up form through perform(); on a refusal the page comes back with what
    was typed and the reason, next to the form."""
    _event_or_404(event_id)
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    pid = _issue_participant_id()
    if pid is None:
        return _outcomes_page(event_id, 429, form, _("Gerade kommen sehr viele Neue über diese Adresse. Bitte in einer Minute noch einmal."), result_id)
    try:
        perform(current_app, Actor(PARTICIPANT, event_id, None, pid), name, payload)
    except CommandError as err:
        return _outcomes_page(event_id, 400, form, str(err.message), result_id)
    flash(done)
    return redirect(url_for("web.outcomes_page", event_id=event_id, _anchor=f"result-{result_id}"), code=303)


@bp.get("/d/<dialog_id>")
def dialog_page(dialog_id: str):
    """A Dialog's public page: every event of it, and every result with how far it has come."""
    store = _commands().store
    dialog = store.dialog(dialog_id)
    if dialog is None:
        abort(404, _("Diesen Dialog gibt es nicht."))
    events = [outcomes.outcome(store, e["id"]) for e in store.dialog_events(dialog_id)]
    return render_template("dialog.html", dialog=dialog, events=events, kinds=domain.RESULT_KINDS,
                           progress=domain.PROGRESS, mine={}, signups_here=False)


@bp.get("/d/<dialog_id>/record")
def dialog_record(dialog_id: str):
    """The record of every event of a Dialog in one document, for a lead of any of them."""
    store = _commands().store
    dialog = store.dialog(dialog_id)
    events = store.dialog_events(dialog_id) if dialog else []
    if not any(access.has_grant(store, e["id"], LEAD) for e in events):
        abort(403)
    records = [export.build_record(store, e["id"]) for e in events]
    response = make_response(render_template("dialog_record.html", dialog=dialog, records=records,
                                             min_group=domain.MIN_GROUP))
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return response


@bp.get("/e/<event_id>/results.atom")
def outcomes_feed(event_id: str):
    """The news of every result as an Atom feed."""
    _event_or_404(event_id)
    data = outcomes.outcome(_commands().store, event_id)
    base = public_base()
    body = outcomes.atom_feed(data, base + url_for("web.outcomes_page", event_id=event_id),
                              base + url_for("web.outcomes_feed", event_id=event_id),
                              {k: str(v) for k, v in domain.PROGRESS.items()})
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _issue_participant_id() -> str | None:
    """This phone's participant id; a new one only within the address's throttle (guard.py)."""
    pid = access.participant_id()
    if pid is None and current_app.extensions["tischrunde_throttle"].allow(request.remote_addr or ""):
        pid = access.participant_id(create=True)
    return pid


def _participant_page(event: dict, table: dict, status: int = 200, form: dict | None = None, error: str = ""):
    pid = _issue_participant_id()
    if pid is None:
        status, error = 429, _("Gerade kommen sehr viele Neue über diese Adresse. Bitte laden Sie die Seite in einer Minute neu.")
    store = _commands().store
    if pid is not None:
        _note_presence(store, event["id"], pid)
    show_cards = request.args.get("cards") == "all"
    # Without ?cards=all the page shares its state with the phones' first sync (one build per seq).
    state = views.snapshot(store, Actor(PARTICIPANT, event["id"], table["id"], pid),
                           None if show_cards else views.SNAPSHOT_PAGE)
    questions = [q for q in state["questions"] if q["table_id"] == table["id"]]
    results = [r for r in state["results"] if r["table_id"] == table["id"]]
    boot = _boot(event["id"], PARTICIPANT, table["id"])
    translations = {t: local_text(t) for t in [table["name"]] + [q["text"] for q in questions]}
    boot["local"] = {t: local for t, local in translations.items() if local}
    body = render_template(
        "participant.html",
        event=event,
        table=table,
        questions=questions,
        mine=state["mine"],
        # The page's script gets the table's cards from its first sync: in the page too, they
        # would travel twice (61.6 + 80.6 KB at 250 cards, issue 13). Without a script, a link
        # inside <noscript> asks for them here (?cards=all).
        table_cards=state["cards"] if show_cards else None,
        results=results,
        kinds=domain.RESULT_KINDS,
        affiliations=domain.AFFILIATIONS,
        affiliation=store.affiliation_of(event["id"], pid),
        form=form or {},
        form_id=str(uuid.uuid4()),
        error=error,
        boot=boot,
        messages=get_flashed_messages(),
    )
    return body, status


@bp.get("/e/<event_id>/t/<int:table_id>")
def participant(event_id: str, table_id: int):
    """A table's participant page (from the table's QR code; after closing: the results page)."""
    event = _event_or_404(event_id)
    table = _table_or_404(event_id, table_id)
    if event["status"] != "open":
        return _to_outcomes(event_id, table["id"])
    return _participant_page(event, table)


def _form_command(event_id: str, table_id: int, name: str, payload: dict, done: str) -> Response | tuple:
    """Run a no-JavaScript form through perform(), then back to the page.

    Whatever goes wrong, the page comes back with the typed text and the
    reason in the reader's language. A post without a participant cookie
    stores nothing: it gets the page back with its text and a cookie, so a
    script cannot shed its rate limit by dropping the cookie.
    """
    event = _event_or_404(event_id)
    table = _table_or_404(event_id, table_id)
    form = request.form.to_dict()
    pid = access.participant_id()
    if pid is None:
        return _participant_page(event, table, 400, form=form, error=_("Bitte senden Sie Ihre Karte noch einmal."))
    try:
        perform(current_app, Actor(PARTICIPANT, event_id, table_id, pid), name, payload)
    except CommandError as err:
        return _participant_page(event, table, 400, form=form, error=str(err.message))
    except sqlite3.OperationalError as err:  # disk full, read-only, locked: the text stays in the form
        refusal = storage_failed(current_app, socketio_of(current_app), event_id, err)
        return _participant_page(event, table, 503, form=form, error=str(refusal.message))
    except Exception:  # noqa: BLE001 - the person keeps their text whatever broke
        current_app.logger.exception("form %s failed", name)
        return _participant_page(event, table, 500, form=form, error=str(domain.ERRORS["internal"]))
    flash(done)
    return redirect(url_for("web.participant", event_id=event_id, table_id=table_id), code=303)


def _note_presence(store, event_id: str, pid: str) -> None:
    """Count this phone as present (readers count too); a page view never fails on it."""
    try:
        store.note_presence_soon(event_id, pid)
    except Exception:  # noqa: BLE001 - a read-only disk must not take the page away
        current_app.logger.exception("presence not noted")


@bp.post("/e/<event_id>/t/<int:table_id>/affiliation")
def affiliation_form(event_id: str, table_id: int):
    """"Ich bin hier als …": one tap, optional, anonymous."""
    return _form_command(event_id, table_id, "affiliation:set", {"affiliation": request.form.get("affiliation", "")},
                         _("Danke!"))


@bp.post("/e/<event_id>/t/<int:table_id>/cards")
def post_card_form(event_id: str, table_id: int):
    """Post a card with a plain HTML form (same command as Socket.IO)."""
    payload = {k: request.form.get(k) for k in ("id", "question", "text", "name")}
    return _form_command(event_id, table_id, "card:post", payload, _("Ihre Karte ist angekommen."))


@bp.post("/e/<event_id>/t/<int:table_id>/cards/<card_id>/edit")
def edit_card_form(event_id: str, table_id: int, card_id: str):
    """Edit one's own card with a plain HTML form."""
    payload = {"id": card_id, "text": request.form.get("text")}
    return _form_command(event_id, table_id, "card:edit", payload, _("Ihre Karte ist geändert."))


@bp.post("/e/<event_id>/t/<int:table_id>/cards/<card_id>/withdraw")
def withdraw_card_form(event_id: str, table_id: int, card_id: str):
    """Withdraw one's own card with a plain HTML form."""
    return _form_command(event_id, table_id, "card:withdraw", {"id": card_id}, _("Ihre Karte ist zurückgezogen."))


@bp.get("/e/<event_id>/m/<int:table_id>")
def moderator(event_id: str, table_id: int):
    """A table's moderator board (secret link)."""
    redirected, event = _enter_staff_page(event_id, MODERATOR, table_id)
    if redirected:
        return redirected
    table = _table_or_404(event_id, table_id)
    boot = _boot(event_id, MODERATOR, table_id)
    return _private(render_template(
        "moderator.html",
        event=event,
        table=table,
        questions=_questions_of(event_id, table_id),
        kinds=domain.RESULT_KINDS,
        card_languages=list(languages.names().items()),
        boot=boot,
    ))


def _enter_staff_page(event_id: str, role: str, table_id: int | None = None) -> tuple[Response | None, dict | None]:
    """A secret link's page: trade ?k= for the grant (a redirect), else check the grant.

    Returns (redirect, None) or (None, event); the device gets its id for its own undo.
    """
    redirected = _redeem_secret_link()
    if redirected:
        return redirected, None
    return None, _staff_event(event_id, role, table_id)


def _staff_event(event_id: str, role: str, table_id: int | None = None) -> dict:
    """The event of a staff page, once the session's grant is checked; the device gets its id."""
    event = _event_or_404(event_id)
    if table_id is not None:
        _table_or_404(event_id, table_id)
    _require(event_id, role, table_id)
    access.participant_id(create=True)
    return event


def _private(body: str) -> Response:
    """A staff page: never kept in a cache (it may show secret links)."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<event_id>/i")
def interpreter(event_id: str):
    """Sprachmittlung (secret link): cards not written in German, to translate; titles and questions."""
    redirected, event = _enter_staff_page(event_id, INTERPRETER)
    if redirected:
        return redirected
    return _private(render_template("interpreter.html", event=event, boot=_boot(event_id, INTERPRETER)))


@bp.get("/e/<event_id>/f")
def followup(event_id: str):
    """Nachverfolgung (secret link the lead gives, e.g. to a town officer): every result's
    responsible, due date, progress and news, also after the event closed. Nothing else."""
    redirected, event = _enter_staff_page(event_id, FOLLOWER)
    if redirected:
        return redirected
    return _private(render_template("lead_board.html", event=event, boot=_boot(event_id, FOLLOWER), follow_only=True))


@bp.get("/e/<event_id>/lead")
def lead(event_id: str):
    """The lead's console (secret link): tables, questions, links and QR codes."""
    redirected, event = _enter_staff_page(event_id, LEAD)
    if redirected:
        return redirected
    commands = _commands()
    links = event_links(commands, event_id, public_base())
    boot = _boot(event_id, LEAD)
    return _private(render_template(
        "lead.html",
        signup_groups=_signup_groups(event_id),
        method_parts=domain.METHOD_PARTS, method_limit=domain.MAX_METHOD_LENGTH, method=_method_form_values(event),
        saved_templates=commands.store.saved_templates(), new_event_limits=(domain.NEW_EVENT_TABLES, domain.NEW_EVENT_QUESTIONS),
        round_tables=[r for r in commands.store.results(event_id) if r["kind"] == "round_table" and r["status"] == domain.ACTIVE],
        dialog=commands.store.dialog(event["dialog_id"]) if event["dialog_id"] else None,
        suggested_delete_on=signups.in_a_year(),
        event=event,
        links=links,
        tables=commands.store.tables(event_id),
        questions=commands.store.questions(event_id),
        templates=TEMPLATES,
        all_languages=languages.languages(),
        hold_words=hold_words(event),
        event_languages=domain.event_languages(event),
        boot=boot,
    ))


def _signup_groups(event_id: str) -> list[dict]:
    """The sign-ups per result, for the lead only; what is past its deletion date goes first."""
    store = _commands().store
    signups.purge(store)
    rows = store.signups(event_id)
    titles = {r["id"]: r["title"] for r in store.results(event_id)}
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row["result_id"], []).append(row)
    return [{"result_id": rid, "title": titles.get(rid, ""), "signups": items} for rid, items in groups.items()]


def _method_form_values(event: dict) -> dict[str, str]:
    """The method texts for the console's form: the rules start as a suggestion until saved."""
    values = domain.method_of(event)
    if not event["method"]:
        values["rules"] = str(domain.DEFAULT_RULES)
    return values


def _lead_form(event_id: str, name: str, payload: dict, anchor: str, done=None) -> Response:
    """Run one of the console's plain forms through perform(); say what happened, and go
    back to the console's section (``done(ack)`` words the success, else "Gespeichert")."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    try:
        ack = perform(current_app, _lead_actor(event_id), name, payload).ack
        flash(done(ack) if done else _("Gespeichert"), "notice")
    except CommandError as err:
        flash(str(err.message))
    return redirect(url_for("web.lead", event_id=event_id, _anchor=anchor), code=303)


@bp.post("/e/<event_id>/lead/method")
def method_form(event_id: str):
    """The lead saves the record's method section."""
    return _lead_form(event_id, "method:set", {part: request.form.get(part, "") for part in domain.METHOD_PARTS},
                      "method")


@bp.post("/e/<event_id>/lead/signups/delete-on")
def signups_delete_on(event_id: str):
    """The lead sets the day the sign-ups are deleted (a day that has come deletes them now)."""
    return _lead_form(event_id, "signups:delete_on", {"date": request.form.get("date", "")}, "signups")


@bp.get("/e/<event_id>/lead/signups.csv")
def signups_csv(event_id: str):
    """The sign-ups as CSV for the lead (Excel-safe like the record's CSV)."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    rows = [[group["title"], s["name"], s["contact"], time.strftime("%d.%m.%Y", time.localtime(s["created_at"]))]
            for group in _signup_groups(event_id) for s in group["signups"]]
    body = export.csv_bytes([_("Ergebnis"), _("Name"), _("Kontakt"), _("Angemeldet am")], rows)
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="tischrunde-{event_id}-anmeldungen.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<event_id>/lead/board")
def lead_board(event_id: str):
    """The lead's synthesis board: results of all tables, merges, addressees."""
    event = _staff_event(event_id, LEAD)
    return _private(render_template("lead_board.html", event=event, boot=_boot(event_id, LEAD), topics=domain.TOPICS))


def join_calls(event: dict) -> list[dict]:
    """'Scan and join in' in every other language the event offers, each in its own words and direction.

    German stands on the poster and the wall already; a language whose catalogue lacks the
    line is left out rather than repeating the German.
    """
    calls = []
    for code in domain.event_languages(event):
        with force_locale(code):
            text = _("Scannen und mitmachen")
        if code != "de" and text != "Scannen und mitmachen":
            calls.append({"lang": code, "dir": languages.direction(code), "text": text})
    return calls


def language_list(event: dict) -> list[dict]:
    """The event's languages, each named in itself (the pages isolate each name: Arabic between
    German names must not reorder the list)."""
    return [{"lang": code, "name": languages.names()[code]} for code in domain.event_languages(event)]


def _short(url: str) -> str:
    """A link as people type it: without the scheme."""
    return url.split("://", 1)[-1]


@bp.get("/e/<event_id>/lead/posters")
def posters(event_id: str):
    """Printable A4 table posters: title, questions, a large QR code, the short link."""
    event = _event_or_404(event_id)
    _require(event_id, LEAD)
    questions = _commands().store.questions(event_id)
    base = public_base()
    posters = []
    for table in _commands().store.tables(event_id):
        url = f"{base}/e/{event_id}/t/{table['id']}"
        posters.append({
            "id": table["id"], "name": table["name"], "short": _short(url), "qr": Markup(qr_svg(url)),
            "questions": [q["text"] for q in questions if q["table_id"] == table["id"]],
        })
    return render_template("posters.html", event=event, posters=posters, calls=join_calls(event),
                           language_list=language_list(event))


@bp.get("/e/<event_id>/lead/howto")
def howto(event_id: str):
    """Printable 'how to take part' sheets: one A4 page per language the event offers."""
    event = _event_or_404(event_id)
    _require(event_id, LEAD)
    join_url = f"{public_base()}/e/{event_id}"
    qr = Markup(qr_svg(join_url))
    pages = []
    for code in domain.event_languages(event):
        with force_locale(code):
            pages.append(Markup(render_template("_howto_page.html", event=event, page_lang=code,
                                                page_dir=languages.direction(code),
                                                join_short=_short(join_url), qr=qr)))
    return render_template("howto.html", event=event, pages=pages)


@bp.get("/e/<event_id>/lead/sheets")
def sheets(event_id: str):
    """Confidential moderator sheets: each table's secret link as QR and text, with a how-to."""
    event = _event_or_404(event_id)
    _require(event_id, LEAD)
    links = event_links(_commands(), event_id, public_base())
    sheets = [{"id": t["id"], "name": t["name"], "link": t["moderator"], "qr": Markup(qr_svg(t["moderator"]))}
              for t in links["tables"]]
    return _private(render_template("sheets.html", event=event, sheets=sheets))


def _record_html(event_id: str, internal: bool = False, topic: str | None = None) -> str:
    return render_template("record.html", record=export.build_record(_commands().store, event_id, internal, topic),
                           min_group=domain.MIN_GROUP)


def _internal() -> bool:
    """The lead asked for the internal copy (with contacts): ?internal=1."""
    return request.args.get("internal") == "1"


@bp.get("/e/<event_id>/lead/record")
def record(event_id: str):
    """The results record as a print-ready page (the browser makes the PDF)."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    topic = request.args.get("topic") or None
    if topic is not None and topic not in domain.TOPICS:
        abort(404)
    response = make_response(_record_html(event_id, _internal(), topic))
    # A standalone page with its own inline styles and no scripts.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return response


def export_bytes(event_id: str, fmt: str, internal: bool = False) -> bytes:
    """The event in one export format (docx, html, md, csv, json); contacts only when internal."""
    store = _commands().store
    if fmt == "json":
        return export.backup_json(store, event_id)
    if fmt == "html":
        return _record_html(event_id, internal).encode("utf-8")
    record_data = export.build_record(store, event_id, internal)
    return {"docx": export.to_docx, "md": lambda r: export.to_markdown(r).encode("utf-8"), "csv": export.to_csv}[fmt](record_data)


@bp.get("/e/<event_id>/lead/export.<fmt>")
def download(event_id: str, fmt: str):
    """Download the record (docx, html, md, csv) or the full backup (json)."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    if fmt not in export.FORMATS:
        abort(404)
    filename = f"tischrunde-{event_id}{'-intern' if _internal() else ''}.{fmt}"
    response = Response(export_bytes(event_id, fmt, _internal()), content_type=export.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _lead_actor(event_id: str) -> Actor:
    return Actor(LEAD, event_id, participant_id=access.participant_id(create=True))


@bp.post("/e/<event_id>/lead/delete")
def delete_event(event_id: str):
    """Delete the event and everything in it, after the lead typed its title."""
    event = _event_or_404(event_id)
    _require(event_id, LEAD)
    try:
        perform(current_app, _lead_actor(event_id), "event:delete", {"confirm": request.form.get("confirm", "")})
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("web.lead", event_id=event_id) + "#danger", code=303)
    flash(_("Die Veranstaltung „%(title)s“ ist gelöscht, mit allen Karten und Ergebnissen.", title=event["title"]))
    return redirect(url_for("web.index"), code=303)


@bp.post("/e/<event_id>/lead/events")
def lead_create_event(event_id: str):
    """The lead creates a new event from a template and becomes its lead."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    form = request.form
    questions = [line.strip() for line in form.get("questions", "").splitlines() if line.strip()]
    payload = {"template": form.get("template", ""), "title": form.get("title", ""),
               **({"table_count": form["table_count"]} if form.get("table_count") else {}),
               **({"questions": questions} if questions else {}),
               **({"dialog": "same"} if form.get("same_dialog") == "yes" else {}),
               **({"follow_of": form["follow_of"]} if form.get("follow_of") else {})}
    try:
        new_id = perform(current_app, _lead_actor(event_id), "event:create", payload).ack["event_id"]
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("web.lead", event_id=event_id), code=303)
    access.add_grant(_commands().redeem(_commands().token(new_id, LEAD)))
    return redirect(url_for("web.lead", event_id=new_id), code=303)


@bp.post("/e/<event_id>/lead/template")
def save_template_form(event_id: str):
    """The lead saves this event's shape as a template for the next one."""
    return _lead_form(event_id, "template:save", {"name": request.form.get("name", "")}, "new-title",
                      lambda ack: _("Als Vorlage „%(name)s“ gespeichert.", name=ack["name"]))


@bp.post("/e/<event_id>/lead/links")
def replace_link(event_id: str):
    """Replace one secret link (a table's moderator link or the lead's); the old one stops working."""
    _event_or_404(event_id)
    _require(event_id, LEAD)
    role = request.form.get("role", "")
    payload = {"role": role, "table": request.form.get("table")} if role == MODERATOR else {"role": role}
    try:
        result = perform(current_app, _lead_actor(event_id), "link:replace", payload)
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("web.lead", event_id=event_id) + "#links", code=303)
    if result.ack["role"] == LEAD:  # this console keeps its role through the new link
        access.add_grant({"event_id": event_id, "role": LEAD, "table_id": None, "hash": result.ack["hash"]})
    flash(_("Der alte Link gilt nicht mehr. Geben Sie den neuen weiter."), "notice")
    return redirect(url_for("web.lead", event_id=event_id), code=303)


@bp.get("/e/<event_id>/wall")
def wall(event_id: str):
    """The projector wall: every table's visible cards, live, with the join QR."""
    event = _event_or_404(event_id)
    boot = {**_boot(event_id, WALL), "rotateSeconds": current_app.config["WALL_ROTATE_SECONDS"]}
    join_url = f"{public_base()}/e/{event_id}"
    response = make_response(render_template("wall.html", event=event, boot=boot, join_url=join_url,
                                             calls=join_calls(event), language_list=language_list(event)))
    # The lead console shows a preview of the wall: framing by this server's own pages only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'self'")
    return response


def _svg(data: str) -> Response:
    return Response(qr_svg(data), mimetype="image/svg+xml", headers={"Cache-Control": "max-age=300"})


@bp.get("/e/<event_id>/qr.svg")
def join_qr(event_id: str):
    """QR code of the event's join page."""
    _event_or_404(event_id)
    return _svg(f"{public_base()}/e/{event_id}")


@bp.get("/e/<event_id>/t/<int:table_id>/qr.svg")
def table_qr(event_id: str, table_id: int):
    """QR code of a table's participant page."""
    _event_or_404(event_id)
    _table_or_404(event_id, table_id)
    return _svg(f"{public_base()}/e/{event_id}/t/{table_id}")


@bp.get("/e/<event_id>/m/<int:table_id>/qr.svg")
def moderator_qr(event_id: str, table_id: int):
    """QR code of a table's secret moderator link (for the lead to show a tablet)."""
    _event_or_404(event_id)
    _table_or_404(event_id, table_id)
    _require(event_id, LEAD)
    token = _commands().token(event_id, MODERATOR, table_id)
    response = _svg(f"{public_base()}/e/{event_id}/m/{table_id}?k={token}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def same_origin_posts():
    """Every state-changing form comes from this server's own pages (CSRF tokens check it too)."""
    if request.method == "POST" and not guard.same_origin(current_app.config["PUBLIC_URL"]):
        abort(403, _("Dieses Formular kam nicht von dieser Seite. Bitte laden Sie die Seite neu und senden Sie noch einmal."))


def _card_form_target() -> tuple[dict, dict] | None:
    """The event and table when the failed request was a phone's card form."""
    args = request.view_args or {}
    if not request.endpoint or not request.endpoint.endswith("_card_form"):
        return None
    event = _commands().store.event(args.get("event_id", ""))
    table = _table_of(event["id"], args.get("table_id", 0)) if event else None
    return (event, table) if table else None


@bp.app_errorhandler(CSRFError)
def csrf_failed(err):
    """An old or missing form token: the card form comes back with its text, to send again."""
    target = _card_form_target()
    if target:
        return _participant_page(*target, 400, form=request.form.to_dict(), error=_("Bitte senden Sie Ihre Karte noch einmal."))
    message = _("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie noch einmal.")
    return render_template("error.html", message=message, code=400), 400


@bp.app_errorhandler(413)
def too_large(err):
    """A request larger than any form here: say so in the reader's language."""
    message = _("Das ist zu viel Text auf einmal: eine Karte hat höchstens %(max)d Zeichen.", max=domain.MAX_CARD_LENGTH)
    target = _card_form_target()
    if target:
        return _participant_page(*target, 413, error=message)
    return render_template("error.html", message=message, code=413), 413


@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
def error_page(err):
    """Errors as a readable page in the user's language, not a stack of HTML."""
    message = err.description
    if message == type(err).description:  # werkzeug's English default
        message = _("Diese Seite gibt es nicht.") if err.code == 404 else _("Das dürfen Sie hier nicht.")
    return render_template("error.html", message=message, code=err.code), err.code


@bp.after_app_request
def security_headers(response: Response) -> Response:
    """No third-party anything, no referrer leaks of secret paths, no framing."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; frame-src 'self'",
    )
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


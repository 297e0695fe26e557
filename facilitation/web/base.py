"""What the web pages share: the app's commands, the public base URL, 404s, secret-link
redemption and the grant check, a page's boot data, private (no-store) pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from .. import access, commands_of, domain, languages, views
from ..commands import Commands
from ..domain import PARTICIPANT, CommandError
from ..links import base_url
from ..qr import qr_svg
from .strings import boot_strings


def app_commands() -> Commands:
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


def event_or_404(event_id: str) -> dict:
    event = app_commands().store.event(event_id)
    if event is None:
        abort(404, _("Diese Veranstaltung gibt es nicht."))
    return event


def table_of(event_id: str, table_id: int) -> dict | None:
    """The event's table with this id from a URL, else None (a number past SQLite's integers too)."""
    try:
        return app_commands().event_table(event_id, table_id)
    except CommandError:
        return None


def table_or_404(event_id: str, table_id: int) -> dict:
    table = table_of(event_id, table_id)
    if table is None:
        abort(404, _("Diesen Tisch gibt es nicht."))
    return table


def redeem_secret_link() -> Response | None:
    """If the URL carries ?k=, trade it for a session grant and drop it from the URL.

    The token must not stay in the address bar, browser history or the
    Referer header, so the page is always reached again by its clean URL.
    """
    token = request.args.get("k")
    if token is None:
        return None
    grant = app_commands().redeem(token)
    if grant is None or grant["event_id"] != request.view_args.get("event_id"):
        abort(403, _("Dieser geheime Link ist ungültig. Bitte fragen Sie die Leitung nach dem richtigen Link."))
    access.add_grant(grant, app_commands().store)
    # Only the language survives the redirect: other parameters could clash with the route's.
    args = {"lang": request.args["lang"]} if request.args.get("lang") else {}
    response = redirect(url_for(request.endpoint, **request.view_args, **args), code=303)
    response.headers["Cache-Control"] = "no-store"  # it answers a URL with a secret in it
    return response


def require(event_id: str, role: str, table_id: int | None = None) -> None:
    if not access.has_grant(app_commands().store, event_id, role, table_id):
        abort(403, _("Diese Seite braucht den geheimen Link. Bitte öffnen Sie ihn noch einmal."))


def questions_of(event_id: str, table_id: int) -> list[dict]:
    return [q for q in app_commands().store.questions(event_id) if q["table_id"] == table_id]


def boot_data(event_id: str, role: str, table_id: int | None = None) -> dict:
    """What a page's script needs to start: who it is, limits, its strings."""
    lang = str(get_locale() or "de")
    return {
        "event": event_id,
        "role": role,
        "table": table_id,
        "limits": domain.INPUT_LIMITS,
        "catch_up": current_app.config["CATCH_UP_SECONDS"] * (3 if role == PARTICIPANT else 1),
        "lang": lang,
        "strings": boot_strings(lang, role == PARTICIPANT),
    }


def enter_staff_page(event_id: str, role: str, table_id: int | None = None) -> tuple[Response | None, dict | None]:
    """A secret link's page: trade ?k= for the grant (a redirect), else check the grant.

    Returns (redirect, None) or (None, event); the device gets its id for its own undo.
    """
    redirected = redeem_secret_link()
    if redirected:
        return redirected, None
    return None, staff_event(event_id, role, table_id)


def staff_event(event_id: str, role: str, table_id: int | None = None) -> dict:
    """The event of a staff page, once the session's grant is checked; the device gets its id."""
    event = event_or_404(event_id)
    if table_id is not None:
        table_or_404(event_id, table_id)
    require(event_id, role, table_id)
    access.participant_id(create=True)
    return event


def private_page(body: str) -> Response:
    """A staff page: never kept in a cache (it may show secret links)."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def svg_response(data: str) -> Response:
    return Response(qr_svg(data), mimetype="image/svg+xml", headers={"Cache-Control": "max-age=300"})


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


def issue_participant_id() -> str | None:
    """This phone's participant id; a new one only within the address's throttle (guard.py)."""
    pid = access.participant_id()
    if pid is None and current_app.extensions["tischrunde_throttle"].allow(request.remote_addr or ""):
        pid = access.participant_id(create=True)
    return pid


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


def short_url(url: str) -> str:
    """A link as people type it: without the scheme."""
    return url.split("://", 1)[-1]

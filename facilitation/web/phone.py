"""The phones' pages: join, a table's page, the no-JavaScript card forms, the QR codes to them."""

from __future__ import annotations

import sqlite3
import uuid

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from .. import access, domain, socketio_of, views
from ..domain import PARTICIPANT, Actor, CommandError
from ..realtime import perform, storage_failed
from .base import (
    app_commands,
    boot_data,
    event_or_404,
    issue_participant_id,
    local_text,
    public_base,
    svg_response,
    table_or_404,
)
from .public import to_outcomes

bp = Blueprint("phone", __name__)


@bp.get("/e/<event_id>")
def join(event_id: str):
    """The event's join page: pick your table (after closing: what became of the dialogue)."""
    event = event_or_404(event_id)
    if event["status"] != "open":
        return to_outcomes(event_id)
    return render_template("join.html", event=event, tables=app_commands().store.tables(event_id))


def participant_page(event: dict, table: dict, status: int = 200, form: dict | None = None, error: str = ""):
    pid = issue_participant_id()
    if pid is None:
        status, error = (
            429,
            _("Gerade kommen sehr viele Neue über diese Adresse. Bitte laden Sie die Seite in einer Minute neu."),
        )
    store = app_commands().store
    if pid is not None:
        _note_presence(store, event["id"], pid)
    show_cards = request.args.get("cards") == "all"
    # Without ?cards=all the page shares its state with the phones' first sync (one build per seq).
    state = views.snapshot(
        store, Actor(PARTICIPANT, event["id"], table["id"], pid), None if show_cards else views.SNAPSHOT_PAGE
    )
    questions = [q for q in state["questions"] if q["table_id"] == table["id"]]
    results = [r for r in state["results"] if r["table_id"] == table["id"]]
    boot = boot_data(event["id"], PARTICIPANT, table["id"])
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
    event = event_or_404(event_id)
    table = table_or_404(event_id, table_id)
    if event["status"] != "open":
        return to_outcomes(event_id, table["id"])
    return participant_page(event, table)


def _form_command(event_id: str, table_id: int, name: str, payload: dict, done: str) -> Response | tuple:
    """Run a no-JavaScript form through perform(), then back to the page.

    Whatever goes wrong, the page comes back with the typed text and the
    reason in the reader's language. A post without a participant cookie
    stores nothing: it gets the page back with its text and a cookie, so a
    script cannot shed its rate limit by dropping the cookie.
    """
    event = event_or_404(event_id)
    table = table_or_404(event_id, table_id)
    form = request.form.to_dict()
    pid = access.participant_id()
    if pid is None:
        return participant_page(event, table, 400, form=form, error=_("Bitte senden Sie Ihre Karte noch einmal."))
    try:
        perform(current_app, Actor(PARTICIPANT, event_id, table_id, pid), name, payload)
    except CommandError as err:
        return participant_page(event, table, 400, form=form, error=str(err.message))
    except sqlite3.OperationalError as err:  # disk full, read-only, locked: the text stays in the form
        refusal = storage_failed(current_app, socketio_of(current_app), event_id, err)
        return participant_page(event, table, 503, form=form, error=str(refusal.message))
    except Exception:  # noqa: BLE001 - the person keeps their text whatever broke
        current_app.logger.exception("form %s failed", name)
        return participant_page(event, table, 500, form=form, error=str(domain.ERRORS["internal"]))
    flash(done)
    return redirect(url_for("phone.participant", event_id=event_id, table_id=table_id), code=303)


def _note_presence(store, event_id: str, pid: str) -> None:
    """Count this phone as present (readers count too); a page view never fails on it."""
    try:
        store.note_presence_soon(event_id, pid)
    except Exception:  # noqa: BLE001 - a read-only disk must not take the page away
        current_app.logger.exception("presence not noted")


@bp.post("/e/<event_id>/t/<int:table_id>/affiliation")
def affiliation_form(event_id: str, table_id: int):
    """ "Ich bin hier als …": one tap, optional, anonymous."""
    return _form_command(
        event_id, table_id, "affiliation:set", {"affiliation": request.form.get("affiliation", "")}, _("Danke!")
    )


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


@bp.get("/e/<event_id>/qr.svg")
def join_qr(event_id: str):
    """QR code of the event's join page."""
    event_or_404(event_id)
    return svg_response(f"{public_base()}/e/{event_id}")


@bp.get("/e/<event_id>/t/<int:table_id>/qr.svg")
def table_qr(event_id: str, table_id: int):
    """QR code of a table's participant page."""
    event_or_404(event_id)
    table_or_404(event_id, table_id)
    return svg_response(f"{public_base()}/e/{event_id}/t/{table_id}")

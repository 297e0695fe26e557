"""What the town publishes after the evening: the results page and its sign-ups, the
dialogue pages across events, the Atom feed."""

from __future__ import annotations

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
from flask_babel import gettext as _

from .. import access, domain, outcomes, record
from ..commands import signups
from ..domain import LEAD, PARTICIPANT, Actor, CommandError
from ..realtime import perform
from .base import app_commands, event_or_404, issue_participant_id, public_base

bp = Blueprint("public", __name__)


def to_outcomes(event_id: str, table_id: int | None = None) -> Response:
    """After closing, the join link and every table's QR code lead to the public results page."""
    lang = {"lang": request.args["lang"]} if request.args.get("lang") else {}
    anchor = {"_anchor": f"table-{table_id}"} if table_id is not None else {}
    return redirect(url_for("public.outcomes_page", event_id=event_id, **lang, **anchor), 303)


@bp.get("/e/<event_id>/results")
def outcomes_page(event_id: str):
    """Was aus dem Dialog wurde: results by table and kind, how far each has come, the
    latest news and the ranking. Public, printable, no contacts; "Ich mache mit" where a
    result is open for sign-up."""
    event_or_404(event_id)
    return _outcomes_page(event_id)


def _outcomes_page(event_id: str, status: int = 200, form: dict | None = None, error: str = "", failed: str = ""):
    store = app_commands().store
    data = outcomes.outcome(store, event_id)
    event = data["event"]
    if any(e["signup_open"] for t in data["tables"] for e in t["results"]):
        issue_participant_id()  # the sign-up form's post then comes with this phone's cookie
    body = render_template(
        "outcomes.html",
        data=data,
        event=event,
        kinds=domain.RESULT_KINDS,
        progress=domain.PROGRESS,
        feed_url=url_for("public.outcomes_feed", event_id=event_id),
        signups_here=True,
        mine=store.signups_of(event_id, access.participant_id()),
        consent=signups.consent_text(event),
        form=form or {},
        error=error,
        failed=failed,
        messages=get_flashed_messages(),
    )
    return body, status


@bp.post("/e/<event_id>/results/<result_id>/signup")
def signup_form(event_id: str, result_id: str):
    """Ich mache mit: sign up for a round table (name, contact, consent), a plain form."""
    payload = {
        "result": result_id,
        "name": request.form.get("name"),
        "contact": request.form.get("contact"),
        "consent": request.form.get("consent") == "yes",
    }
    return _signup_command(event_id, result_id, "signup:add", payload, _("Sie sind dabei. Danke!"))


@bp.post("/e/<event_id>/results/<result_id>/signup/withdraw")
def withdraw_signup_form(event_id: str, result_id: str):
    """Take this phone's sign-up back."""
    return _signup_command(
        event_id, result_id, "signup:remove", {"result": result_id}, _("Ihre Anmeldung ist gelöscht.")
    )


def _signup_command(event_id: str, result_id: str, name: str, payload: dict, done: str) -> Response | tuple:
    """Run a sign-up form through perform(); on a refusal the page comes back with what
    was typed and the reason, next to the form."""
    event_or_404(event_id)
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    pid = access.participant_id()
    if pid is None:
        # As with cards: a post without this phone's cookie stores nothing (a script that drops
        # its cookie would shed the per-phone limit); the page comes back with a cookie.
        if issue_participant_id() is None:
            return _outcomes_page(event_id, 429, form,
                                  _("Gerade kommen sehr viele Neue über diese Adresse. Bitte in einer Minute noch einmal."),
                                  result_id)
        return _outcomes_page(event_id, 400, form, _("Bitte senden Sie Ihre Anmeldung noch einmal."), result_id)
    try:
        perform(current_app, Actor(PARTICIPANT, event_id, None, pid), name, payload)
    except CommandError as err:
        return _outcomes_page(event_id, 400, form, str(err.message), result_id)
    flash(done)
    return redirect(url_for("public.outcomes_page", event_id=event_id, _anchor=f"result-{result_id}"), code=303)


@bp.get("/d/<dialog_id>")
def dialog_page(dialog_id: str):
    """A Dialog's public page: every event of it, and every result with how far it has come."""
    store = app_commands().store
    dialog = store.dialog(dialog_id)
    if dialog is None:
        abort(404, _("Diesen Dialog gibt es nicht."))
    events = [outcomes.outcome(store, e["id"]) for e in store.dialog_events(dialog_id)]
    return render_template(
        "dialog.html",
        dialog=dialog,
        events=events,
        kinds=domain.RESULT_KINDS,
        progress=domain.PROGRESS,
        mine={},
        signups_here=False,
    )


@bp.get("/d/<dialog_id>/record")
def dialog_record(dialog_id: str):
    """The record of every event of a Dialog in one document, for a lead of any of them."""
    store = app_commands().store
    dialog = store.dialog(dialog_id)
    events = store.dialog_events(dialog_id) if dialog else []
    if not any(access.has_grant(store, e["id"], LEAD) for e in events):
        abort(403)
    records = [record.build_record(store, e["id"]) for e in events]
    response = make_response(
        render_template("dialog_record.html", dialog=dialog, records=records, min_group=domain.MIN_GROUP)
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


@bp.get("/e/<event_id>/results.atom")
def outcomes_feed(event_id: str):
    """The news of every result as an Atom feed."""
    event_or_404(event_id)
    data = outcomes.outcome(app_commands().store, event_id)
    base = public_base()
    body = outcomes.atom_feed(
        data,
        base + url_for("public.outcomes_page", event_id=event_id),
        base + url_for("public.outcomes_feed", event_id=event_id),
        {k: str(v) for k, v in domain.PROGRESS.items()},
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")

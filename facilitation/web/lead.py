"""The lead's console and what it prints and exports: sign-ups, method, board, posters,
howto, paper sheets, the record and its downloads, event and link management."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .. import access, backup, domain, languages
from .. import record as the_record
from ..commands import signups
from ..commands.events import template_scopes
from ..domain import LEAD, MODERATOR, Actor, CommandError
from ..holds import hold_words
from ..links import event_links
from ..qr import qr_svg
from ..realtime import perform
from ..templates_library import TEMPLATES
from .base import (
    app_commands,
    boot_data,
    enter_staff_page,
    event_or_404,
    join_calls,
    language_list,
    private_page,
    public_base,
    require,
    short_url,
    staff_event,
)

bp = Blueprint("lead", __name__)


@bp.get("/e/<event_id>/lead")
def lead(event_id: str):
    """The lead's console (secret link): tables, questions, links and QR codes."""
    redirected, event = enter_staff_page(event_id, LEAD)
    if redirected:
        return redirected
    commands = app_commands()
    links = event_links(commands, event_id, public_base())
    boot = boot_data(event_id, LEAD)
    return private_page(
        render_template(
            "lead.html",
            signup_groups=_signup_groups(event_id),
            method_parts=domain.METHOD_PARTS,
            method_limit=domain.MAX_METHOD_LENGTH,
            method=_method_form_values(event),
            saved_templates=commands.store.saved_templates(template_scopes(event)),
            new_event_limits=(domain.NEW_EVENT_TABLES, domain.NEW_EVENT_QUESTIONS),
            round_tables=[
                r
                for r in commands.store.results(event_id)
                if r["kind"] == "round_table" and r["status"] == domain.ACTIVE
            ],
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
        )
    )


def _signup_groups(event_id: str) -> list[dict]:
    """The sign-ups per result, for the lead only; what is past its deletion date goes first."""
    store = app_commands().store
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
    event_or_404(event_id)
    require(event_id, LEAD)
    try:
        ack = perform(current_app, _lead_actor(event_id), name, payload).ack
        flash(done(ack) if done else _("Gespeichert"), "notice")
    except CommandError as err:
        flash(str(err.message))
    return redirect(url_for("lead.lead", event_id=event_id, _anchor=anchor), code=303)


@bp.post("/e/<event_id>/lead/method")
def method_form(event_id: str):
    """The lead saves the record's method section."""
    return _lead_form(
        event_id, "method:set", {part: request.form.get(part, "") for part in domain.METHOD_PARTS}, "method"
    )


@bp.post("/e/<event_id>/lead/signups/delete-on")
def signups_delete_on(event_id: str):
    """The lead sets the day the sign-ups are deleted (a day that has come deletes them now)."""
    return _lead_form(event_id, "signups:delete_on", {"date": request.form.get("date", "")}, "signups")


@bp.get("/e/<event_id>/lead/signups.csv")
def signups_csv(event_id: str):
    """The sign-ups as CSV for the lead (Excel-safe like the record's CSV)."""
    event_or_404(event_id)
    require(event_id, LEAD)
    rows = [
        [group["title"], s["name"], s["contact"], time.strftime("%d.%m.%Y", time.localtime(s["created_at"]))]
        for group in _signup_groups(event_id)
        for s in group["signups"]
    ]
    body = the_record.csv_bytes([_("Ergebnis"), _("Name"), _("Kontakt"), _("Angemeldet am")], rows)
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="tischrunde-{event_id}-anmeldungen.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<event_id>/lead/board")
def lead_board(event_id: str):
    """The lead's synthesis board: results of all tables, merges, addressees."""
    event = staff_event(event_id, LEAD)
    return private_page(
        render_template("lead_board.html", event=event, boot=boot_data(event_id, LEAD), topics=domain.TOPICS)
    )


@bp.get("/e/<event_id>/lead/posters")
def posters(event_id: str):
    """Printable A4 table posters: title, questions, a large QR code, the short link."""
    event = event_or_404(event_id)
    require(event_id, LEAD)
    questions = app_commands().store.questions(event_id)
    base = public_base()
    posters = []
    for table in app_commands().store.tables(event_id):
        url = f"{base}/e/{event_id}/t/{table['id']}"
        posters.append(
            {
                "id": table["id"],
                "name": table["name"],
                "short": short_url(url),
                "qr": Markup(qr_svg(url)),
                "questions": [q["text"] for q in questions if q["table_id"] == table["id"]],
            }
        )
    return private_page(render_template(
        "posters.html", event=event, posters=posters, calls=join_calls(event), language_list=language_list(event)
    ))


@bp.get("/e/<event_id>/lead/howto")
def howto(event_id: str):
    """Printable 'how to take part' sheets: one A4 page per language the event offers."""
    event = event_or_404(event_id)
    require(event_id, LEAD)
    join_url = f"{public_base()}/e/{event_id}"
    qr = Markup(qr_svg(join_url))
    pages = []
    for code in domain.event_languages(event):
        with force_locale(code):
            pages.append(
                Markup(
                    render_template(
                        "_howto_page.html",
                        event=event,
                        page_lang=code,
                        page_dir=languages.direction(code),
                        join_short=short_url(join_url),
                        qr=qr,
                    )
                )
            )
    return private_page(render_template("howto.html", event=event, pages=pages))


@bp.get("/e/<event_id>/lead/sheets")
def sheets(event_id: str):
    """Confidential moderator sheets: each table's secret link as QR and text, with a how-to."""
    event = event_or_404(event_id)
    require(event_id, LEAD)
    links = event_links(app_commands(), event_id, public_base())
    sheets = [
        {"id": t["id"], "name": t["name"], "link": t["moderator"], "qr": Markup(qr_svg(t["moderator"]))}
        for t in links["tables"]
    ]
    return private_page(render_template("sheets.html", event=event, sheets=sheets))


def _record_html(event_id: str, internal: bool = False, topic: str | None = None) -> str:
    return render_template(
        "record.html",
        record=the_record.build_record(app_commands().store, event_id, internal, topic),
        min_group=domain.MIN_GROUP,
    )


def _internal() -> bool:
    """The lead asked for the internal copy (with contacts): ?internal=1."""
    return request.args.get("internal") == "1"


@bp.get("/e/<event_id>/lead/record")
def record(event_id: str):
    """The results record as a print-ready page (the browser makes the PDF)."""
    event_or_404(event_id)
    require(event_id, LEAD)
    topic = request.args.get("topic") or None
    if topic is not None and topic not in domain.TOPICS:
        abort(404)
    response = private_page(_record_html(event_id, _internal(), topic))  # the internal copy has contacts
    # A standalone page with its own inline styles and no scripts.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


def export_bytes(event_id: str, fmt: str, internal: bool = False) -> bytes:
    """The event in one export format (docx, html, md, csv, json); contacts only when internal."""
    store = app_commands().store
    if fmt == "json":
        return backup.backup_json(store, event_id)
    if fmt == "html":
        return _record_html(event_id, internal).encode("utf-8")
    record_data = the_record.build_record(store, event_id, internal)
    return {"docx": the_record.to_docx, "md": lambda r: the_record.to_markdown(r).encode("utf-8"), "csv": the_record.to_csv}[fmt](
        record_data
    )


@bp.get("/e/<event_id>/lead/export.<fmt>")
def download(event_id: str, fmt: str):
    """Download the record (docx, html, md, csv) or the full backup (json)."""
    event_or_404(event_id)
    require(event_id, LEAD)
    if fmt not in the_record.FORMATS:
        abort(404)
    filename = f"tischrunde-{event_id}{'-intern' if _internal() else ''}.{fmt}"
    response = Response(export_bytes(event_id, fmt, _internal()), content_type=the_record.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _lead_actor(event_id: str) -> Actor:
    return Actor(LEAD, event_id, participant_id=access.participant_id(create=True))


@bp.post("/e/<event_id>/lead/delete")
def delete_event(event_id: str):
    """Delete the event and everything in it, after the lead typed its title."""
    event = event_or_404(event_id)
    require(event_id, LEAD)
    try:
        perform(current_app, _lead_actor(event_id), "event:delete", {"confirm": request.form.get("confirm", "")})
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("lead.lead", event_id=event_id) + "#danger", code=303)
    flash(_("Die Veranstaltung „%(title)s“ ist gelöscht, mit allen Karten und Ergebnissen.", title=event["title"]))
    return redirect(url_for("site.index"), code=303)


@bp.post("/e/<event_id>/lead/events")
def lead_create_event(event_id: str):
    """The lead creates a new event from a template and becomes its lead."""
    event_or_404(event_id)
    require(event_id, LEAD)
    form = request.form
    questions = [line.strip() for line in form.get("questions", "").splitlines() if line.strip()]
    payload = {
        "template": form.get("template", ""),
        "title": form.get("title", ""),
        **({"table_count": form["table_count"]} if form.get("table_count") else {}),
        **({"questions": questions} if questions else {}),
        **({"dialog": "same"} if form.get("same_dialog") == "yes" else {}),
        **({"follow_of": form["follow_of"]} if form.get("follow_of") else {}),
    }
    try:
        new_id = perform(current_app, _lead_actor(event_id), "event:create", payload).ack["event_id"]
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("lead.lead", event_id=event_id), code=303)
    access.add_grant(app_commands().redeem(app_commands().token(new_id, LEAD)), app_commands().store)
    return redirect(url_for("lead.lead", event_id=new_id), code=303)


@bp.post("/e/<event_id>/lead/template")
def save_template_form(event_id: str):
    """The lead saves this event's shape as a template for the next one."""
    return _lead_form(
        event_id,
        "template:save",
        {"name": request.form.get("name", "")},
        "new-title",
        lambda ack: _("Als Vorlage „%(name)s“ gespeichert.", name=ack["name"]),
    )


@bp.post("/e/<event_id>/lead/links")
def replace_link(event_id: str):
    """Replace one secret link (a table's moderator link or the lead's); the old one stops working."""
    event_or_404(event_id)
    require(event_id, LEAD)
    role = request.form.get("role", "")
    payload = {"role": role, "table": request.form.get("table")} if role == MODERATOR else {"role": role}
    try:
        result = perform(current_app, _lead_actor(event_id), "link:replace", payload)
    except CommandError as err:
        flash(str(err.message))
        return redirect(url_for("lead.lead", event_id=event_id) + "#links", code=303)
    if result.ack["role"] == LEAD:  # this console keeps its role through the new link
        access.add_grant({"event_id": event_id, "role": LEAD, "table_id": None, "hash": result.ack["hash"]})
    flash(_("Der alte Link gilt nicht mehr. Geben Sie den neuen weiter."), "notice")
    return redirect(url_for("lead.lead", event_id=event_id), code=303)

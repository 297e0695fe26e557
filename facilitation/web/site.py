"""What every page shares: language and direction, template filters, the landing page and
/healthz, the Origin check, error pages and the security headers."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from .. import LANGUAGES, STAFF_PAGES, VERSION, domain, embeddings, metrics, guard, languages, record, socketio_of
from .base import app_commands, local_text, table_of
from .phone import participant_page

bp = Blueprint("site", __name__)
bp.app_template_filter("local")(local_text)


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
    event = app_commands().store.event(event_id) if isinstance(event_id, str) else None
    return domain.event_languages(event) if event else LANGUAGES


@bp.app_template_filter("day")
def local_day(value) -> str:
    """A day (ISO 'YYYY-MM-DD' or a timestamp) as the reader writes dates, '' for none."""
    return local_digits(record.day_text(value)) if value else ""


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


@bp.get("/")
def index():
    """A short landing page: events are joined through their links."""
    return render_template("index.html")


@bp.get("/metrics")
def metrics_page():
    """Counts for Prometheus (no event, person or text); the kit's proxy keeps it inside."""
    return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


@bp.get("/healthz")
def healthz():
    """Health for the venue's admin, one key each: the database (answers and can be written:
    else 503), the message queue ("up", "down", or "none" for one process; down still
    answers 200, the process serves its own connections) and the sentence model's worker."""
    problem = app_commands().store.write_problem() or current_app.extensions["storage_health"].problem()
    manager = socketio_of(current_app).server.manager
    health = {
        "ok": not problem,
        "version": VERSION,
        "database": problem or "ok",
        "queue": manager.queue_state() if hasattr(manager, "queue_state") else "none",
        "model": embeddings.worker_state(),
    }
    return health, 503 if problem else 200


@bp.before_app_request
def same_origin_posts():
    """Every state-changing form comes from this server's own pages (CSRF tokens check it too)."""
    if request.method == "POST" and not guard.same_origin(current_app.config["PUBLIC_URL"]):
        abort(
            403,
            _("Dieses Formular kam nicht von dieser Seite. Bitte laden Sie die Seite neu und senden Sie noch einmal."),
        )


def _card_form_target() -> tuple[dict, dict] | None:
    """The event and table when the failed request was a phone's card form."""
    args = request.view_args or {}
    if not request.endpoint or not request.endpoint.endswith("_card_form"):
        return None
    event = app_commands().store.event(args.get("event_id", ""))
    table = table_of(event["id"], args.get("table_id", 0)) if event else None
    return (event, table) if table else None


@bp.app_errorhandler(CSRFError)
def csrf_failed(err):
    """An old or missing form token: the card form comes back with its text, to send again."""
    target = _card_form_target()
    if target:
        return participant_page(
            *target, 400, form=request.form.to_dict(), error=_("Bitte senden Sie Ihre Karte noch einmal.")
        )
    message = _("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie noch einmal.")
    return render_template("error.html", message=message, code=400), 400


@bp.app_errorhandler(413)
def too_large(err):
    """A request larger than any form here: say so in the reader's language."""
    message = _(
        "Das ist zu viel Text auf einmal: eine Karte hat höchstens %(max)d Zeichen.", max=domain.MAX_CARD_LENGTH
    )
    target = _card_form_target()
    if target:
        return participant_page(*target, 413, error=message)
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

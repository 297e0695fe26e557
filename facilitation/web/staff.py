"""The evening's staff screens behind a secret link: moderator tablet, interpreter,
follow-up desk, and the wall."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    make_response,
    render_template,
)

from .. import domain, languages
from ..domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR, WALL
from .base import (
    app_commands,
    boot_data,
    enter_staff_page,
    event_or_404,
    join_calls,
    language_list,
    private_page,
    public_base,
    questions_of,
    require,
    svg_response,
    table_or_404,
)

bp = Blueprint("staff", __name__)


@bp.get("/e/<event_id>/m/<int:table_id>")
def moderator(event_id: str, table_id: int):
    """A table's moderator board (secret link)."""
    redirected, event = enter_staff_page(event_id, MODERATOR, table_id)
    if redirected:
        return redirected
    table = table_or_404(event_id, table_id)
    boot = boot_data(event_id, MODERATOR, table_id)
    return private_page(
        render_template(
            "moderator.html",
            event=event,
            table=table,
            questions=questions_of(event_id, table_id),
            kinds=domain.RESULT_KINDS,
            card_languages=list(languages.names().items()),
            boot=boot,
        )
    )


@bp.get("/e/<event_id>/i")
def interpreter(event_id: str):
    """Sprachmittlung (secret link): cards not written in German, to translate; titles and questions."""
    redirected, event = enter_staff_page(event_id, INTERPRETER)
    if redirected:
        return redirected
    return private_page(render_template("interpreter.html", event=event, boot=boot_data(event_id, INTERPRETER)))


@bp.get("/e/<event_id>/f")
def followup(event_id: str):
    """Nachverfolgung (secret link the lead gives, e.g. to a town officer): every result's
    responsible, due date, progress and news, also after the event closed. Nothing else."""
    redirected, event = enter_staff_page(event_id, FOLLOWER)
    if redirected:
        return redirected
    return private_page(
        render_template("lead_board.html", event=event, boot=boot_data(event_id, FOLLOWER), follow_only=True)
    )


@bp.get("/e/<event_id>/wall")
def wall(event_id: str):
    """The projector wall: every table's visible cards, live, with the join QR."""
    event = event_or_404(event_id)
    boot = {**boot_data(event_id, WALL), "rotateSeconds": current_app.config["WALL_ROTATE_SECONDS"]}
    join_url = f"{public_base()}/e/{event_id}"
    response = make_response(
        render_template(
            "wall.html",
            event=event,
            boot=boot,
            join_url=join_url,
            calls=join_calls(event),
            language_list=language_list(event),
        )
    )
    # The lead console shows a preview of the wall: framing by this server's own pages only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'self'"
    )
    return response


@bp.get("/e/<event_id>/m/<int:table_id>/qr.svg")
def moderator_qr(event_id: str, table_id: int):
    """QR code of a table's secret moderator link (for the lead to show a tablet)."""
    event_or_404(event_id)
    table_or_404(event_id, table_id)
    require(event_id, LEAD)
    token = app_commands().token(event_id, MODERATOR, table_id)
    response = svg_response(f"{public_base()}/e/{event_id}/m/{table_id}?k={token}")
    response.headers["Cache-Control"] = "no-store"
    return response

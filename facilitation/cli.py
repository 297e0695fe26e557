"""Command line for admins: ``flask --app app event create|links|list``."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import commands_of, domain, record
from .commands.results import suggest
from .domain import ADMIN, LEAD, Actor, CommandError
from .links import event_links, running_base_url
from .qr import qr_text
from .realtime import perform
from .web.lead import export_bytes
from .config import SECRET_KEYS_MADE
from .migrations import copy_database
from .templates_library import TEMPLATES

def opened_database() -> None:
    """Say which database the command line opened, and refuse one it would have made: run
    without the service's settings, it silently made a second database in the code folder."""
    store = commands_of(current_app).store
    if store.created:
        _take_back_what_was_made(store)
        raise click.ClickException(
            f"Unter {store.path} gibt es keine Datenbank, und die Kommandozeile legt keine an. "
            "Gelten hier die Einstellungen des Servers? Sie stehen in .env im Arbeitsordner oder in der "
            "Datei, die TISCHRUNDE_ENV nennt (z. B. TISCHRUNDE_ENV=/etc/tischrunde/tischrunde.env); "
            "eine neue Datenbank legt der erste Start des Servers an.")
    click.echo(f"Datenbank: {store.path}", err=True)


def _take_back_what_was_made(store) -> None:
    """Remove the database and secret_key that opening the app made just now: the command
    line never leaves a new one behind (the server's first start makes them)."""
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(store.path + suffix).unlink(missing_ok=True)
    for made in SECRET_KEYS_MADE:
        made.unlink(missing_ok=True)


@click.group("event", cls=AppGroup, help="Veranstaltungen anlegen und ihre Links zeigen.")
@with_appcontext
def event_cli() -> None:
    opened_database()


config_cli = AppGroup("config", help="Die Einstellungen des Servers.")


@config_cli.command("check")
@with_appcontext
def config_check_command() -> None:
    """Check every setting (exit status 0 only when all are valid; a wrong one has already
    stopped the command with a sentence that names it)."""
    c = current_app.config
    store = commands_of(current_app).store
    where = c["DATABASE"]
    if store.created:
        _take_back_what_was_made(store)
        where += " (noch nicht angelegt: der erste Start des Servers legt sie an)"
    click.echo(f"Alle Einstellungen sind gültig.\nEinstellungsdatei: {c['SETTINGS_FILE'] or '(keine)'}\n"
               f"Datenbank: {where}\nÖffentliche Adresse: {c['PUBLIC_URL'] or '(die Adresse im Netz dieses Rechners)'}")


def _fail(err: CommandError) -> None:
    raise click.ClickException(str(err.message))


def _admin(event_id: str, name: str, payload: dict):
    """Perform a command as the server's admin; a refusal is a clear error, no traceback.

    Screens connected to a running server learn of it at their next sync (the
    command line is another process).
    """
    try:
        return perform(current_app, Actor(ADMIN, event_id), name, payload)
    except CommandError as err:
        _fail(err)


@event_cli.command("create")
@click.option("--template", default="gmuend", show_default=True, type=click.Choice(sorted(TEMPLATES)))
@click.option("--title", required=True, help="Titel der Veranstaltung.")
@click.option("--id", "event_id", default=None, help="Kurz-ID für die Links (sonst zufällig).")
@click.option("--tables", "table_count", type=int, default=None, help="Anzahl Tische, 1 bis 30 (sonst wie die Vorlage).")
@click.option("--question", "questions", multiple=True, help="Eine Frage je Angabe, 1 bis 5 (sonst wie die Vorlage).")
@click.option("--dialog", default=None, help="ID eines Dialogs, zu dem die Veranstaltung gehört.")
def create_command(template: str, title: str, event_id: str | None, table_count: int | None, questions: tuple,
                   dialog: str | None) -> None:
    """Create an event from a template and print its id."""
    payload = {"template": template, "title": title, **({"id": event_id} if event_id else {}),
               **({"table_count": table_count} if table_count is not None else {}),
               **({"questions": list(questions)} if questions else {}), **({"dialog": dialog} if dialog else {})}
    click.echo(_admin(event_id or "", "event:create", payload).ack["event_id"])


@event_cli.command("links")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="Als JSON ausgeben (mit geheimen Links).")
def links_command(event_id: str, as_json: bool) -> None:
    """Print every link of an event, secret ones included."""
    commands = commands_of(current_app)
    if commands.store.event(event_id) is None:
        raise click.ClickException(f"Die Veranstaltung '{event_id}' gibt es nicht.")
    links = event_links(commands, event_id, running_base_url(current_app.config))
    if as_json:
        click.echo(json.dumps(links, ensure_ascii=False, indent=2))
    else:
        click.echo(format_links(links))


@event_cli.command("export")
@click.argument("event_id")
@click.option("--format", "fmt", required=True, type=click.Choice(sorted(record.FORMATS)))
@click.option("-o", "--output", default=None, help="Datei (Standard: tischrunde-<event>.<format>; - für die Ausgabe).")
@click.option("--internal", is_flag=True, help="Interne Fassung: mit den Kontakten der Ergebnisse.")
def export_command(event_id: str, fmt: str, output: str | None, internal: bool) -> None:
    """Write the results record (docx, html, md, csv) or the full backup (json)."""
    commands = commands_of(current_app)
    if commands.store.event(event_id) is None:
        raise click.ClickException(f"Die Veranstaltung '{event_id}' gibt es nicht.")
    with current_app.test_request_context(base_url=running_base_url(current_app.config)):
        data = export_bytes(event_id, fmt, internal)
    if output == "-":
        click.get_binary_stream("stdout").write(data)
        return
    path = Path(output or f"tischrunde-{event_id}.{fmt}")
    write_file(path, data)
    click.echo(str(path))


def write_file(path: Path, data: bytes) -> None:
    """Write a whole file or none (a half-written backup is worse than none), and say in a
    sentence why not."""
    if not path.parent.is_dir():
        raise click.ClickException(f"Den Ordner {path.parent} gibt es nicht. Bitte einen vorhandenen Ordner angeben.")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"Die Datei {path} lässt sich nicht schreiben: {err.strerror or err}.") from None


@event_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "event_id", default=None, help="Unter dieser ID anlegen (sonst die aus der Datei).")
def import_command(file: Path, event_id: str | None) -> None:
    """Import a JSON backup (from `event export --format json`) as a new event."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise click.ClickException(str(domain.ERRORS["invalid_backup"])) from None
    click.echo(_admin(event_id or "", "event:import", {"data": data, "id": event_id}).ack["event_id"])


@event_cli.command("delete")
@click.argument("event_id")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage löschen.")
def delete_command(event_id: str, yes: bool) -> None:
    """Delete an event with all its cards, results, votes and logs."""
    commands = commands_of(current_app)
    event = commands.store.event(event_id)
    if event is None:
        raise click.ClickException(f"Die Veranstaltung '{event_id}' gibt es nicht.")
    if not yes:
        click.confirm(f"„{event['title']}“ ({event_id}) mit allen Daten unwiderruflich löschen?", abort=True)
    _admin(event_id, "event:delete", {"confirm": event["title"]})
    click.echo(f"gelöscht: {event_id}")


@event_cli.command("list")
def list_command() -> None:
    """List the events of this server."""
    for event in commands_of(current_app).store.events():
        click.echo(f"{event['id']}\t{event['status']}\t{event['title']}")


@click.command("suggest")
@with_appcontext
@click.argument("event_id")
@click.argument("table_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Als JSON ausgeben.")
def suggest_command(event_id: str, table_id: int, as_json: bool) -> None:
    """Print the groups of similar unsorted cards the server would suggest for a table."""
    opened_database()
    commands = commands_of(current_app)
    if commands.store.event(event_id) is None:
        raise click.ClickException(f"Die Veranstaltung '{event_id}' gibt es nicht.")
    try:
        groups = suggest(commands, Actor(LEAD, event_id), {"table": table_id})["groups"]
    except CommandError as err:
        _fail(err)
    if as_json:
        click.echo(json.dumps(groups, ensure_ascii=False, indent=2))
        return
    for group in groups:
        click.echo(f"{group['title']}  ({len(group['cards'])} Karten)")
        for card in group["cards"]:
            click.echo(f"  - {card['text']}")


def format_links(links: dict, with_qr: bool = False) -> str:
    """The links of an event as labelled text for a terminal (optionally the join QR)."""
    lines = [f"Veranstaltung: {links['title']}  ({links['event']})", ""]
    lines.append(f"  Teilnehmende (Beitritt):  {links['join']}")
    lines.append(f"  Wand (Beamer):            {links['wall']}")
    lines.append(f"  Leitung (GEHEIM):         {links['lead']}")
    lines.append(f"  Sprachmittlung (GEHEIM):  {links['interpreter']}")
    lines.append(f"  Nachverfolgung (GEHEIM):  {links['followup']}")
    lines.append("")
    for table in links["tables"]:
        lines.append(f"  Tisch {table['name']}")
        lines.append(f"    Teilnehmende:           {table['participant']}")
        lines.append(f"    Moderation (GEHEIM):    {table['moderator']}")
    if with_qr:
        lines += ["", f"QR-Code zum Beitritt ({links['join']}):", qr_text(links["join"])]
    return "\n".join(lines)


@click.command("backup")
@with_appcontext
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Copy the whole server while it runs into FOLDER: tischrunde.db (consistent, the newest
    card included) and secret_key beside it (without it the restored links answer 403)."""
    opened_database()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy_database(commands_of(current_app).store.db.conn, str(folder / "tischrunde.db"))
        fd = os.open(folder / "secret_key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(current_app.config["SECRET_KEY"])
    except OSError as err:
        raise click.ClickException(f"In den Ordner {folder} lässt sich nicht sichern ({err.strerror or err}).") from None
    click.echo(f"Gesichert: {folder / 'tischrunde.db'} und {folder / 'secret_key'}. Zurückspielen: den Dienst "
               "anhalten, beide Dateien in DATA_DIR legen (dem Dienstkonto gehörend), den Dienst starten.")


def register(app: Flask) -> None:
    """Add the ``event``, ``config`` and ``backup`` commands to the app's CLI."""
    app.cli.add_command(event_cli)
    app.cli.add_command(config_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(suggest_command)

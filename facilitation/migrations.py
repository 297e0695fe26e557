"""The database's schema, one migration per step (sqlite-utils' Migrations): each runs once,
in order, when a Store opens a database, so one from any older version comes up to date.
A new step goes at the end; a step that has shipped is never edited."""
from __future__ import annotations

import os
import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("tischrunde")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Events, tables, questions, secret-link hashes, cards and the change log."""
    db.executescript(
        """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            template TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_seq INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE tables (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL
        );
        CREATE INDEX tables_event ON tables(event_id, position);
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX questions_table ON questions(table_id, position);
        CREATE TABLE secrets (
            hash TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            table_id INTEGER
        );
        CREATE TABLE cards (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            question_id INTEGER NOT NULL REFERENCES questions(id),
            author_id TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX cards_table ON cards(table_id, created_at);
        CREATE INDEX cards_author ON cards(event_id, author_id);
        CREATE TABLE changes (
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            table_id INTEGER,
            data TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (event_id, seq)
        );
        """
    )


@migrations()
def m002_results(db: sqlite_utils.Database) -> None:
    """Results (clusters of cards), card placement, wall mode, undo log."""
    db.executescript(
        """
        ALTER TABLE events ADD COLUMN wall_mode TEXT NOT NULL DEFAULT 'cards';
        ALTER TABLE cards ADD COLUMN result_id TEXT REFERENCES results(id);
        ALTER TABLE cards ADD COLUMN rank REAL NOT NULL DEFAULT 0;
        CREATE TABLE results (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            next_step TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            addressee TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'active',
            merged_into TEXT,
            rank REAL NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX results_table ON results(table_id, rank);
        CREATE INDEX cards_result ON cards(result_id, rank);
        CREATE TABLE undo_log (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            table_id INTEGER NOT NULL,
            actor TEXT NOT NULL,
            label TEXT NOT NULL,
            rows TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );
        CREATE INDEX undo_actor ON undo_log(event_id, actor, id);
        """
    )


@migrations()
def m003_evening(db: sqlite_utils.Database) -> None:
    """Run of show: phases, timer, moderation mode, dot-voting; cards tagged with their round."""
    db.executescript(
        """
        ALTER TABLE events ADD COLUMN phase TEXT NOT NULL DEFAULT 'arrival';
        ALTER TABLE events ADD COLUMN current_round INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN rounds INTEGER NOT NULL DEFAULT 2;
        ALTER TABLE events ADD COLUMN round_minutes INTEGER NOT NULL DEFAULT 20;
        ALTER TABLE events ADD COLUMN timer_duration REAL NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN timer_started_at REAL;
        ALTER TABLE events ADD COLUMN timer_elapsed REAL NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN moderation TEXT NOT NULL DEFAULT 'post';
        ALTER TABLE events ADD COLUMN dots INTEGER NOT NULL DEFAULT 3;
        ALTER TABLE events ADD COLUMN voting_open INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cards ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN votes INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE votes (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            participant_id TEXT NOT NULL,
            result_id TEXT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            created_at REAL NOT NULL
        );
        CREATE INDEX votes_participant ON votes(event_id, participant_id);
        CREATE INDEX votes_result ON votes(result_id);
        """
    )


@migrations()
def m004_record(db: sqlite_utils.Database) -> None:
    """Date, place and status (open, closed, archived) of an event, for the record."""
    db.executescript(
        """
        ALTER TABLE events ADD COLUMN date TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN place TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
        """
    )


@migrations()
def m005_one_view(db: sqlite_utils.Database) -> None:
    """Per-event salt and link generations (replaceable links); the log keeps references only;
    a one-row table that the health check writes.

    The change log used to keep each change's rows as they were, so a replay
    could hand out the text of a card hidden later. From now on it keeps what
    changed (kind and id); readers get each thing as it is now.
    """
    db.executescript(
        """
        CREATE TABLE health (id INTEGER PRIMARY KEY, checked_at REAL);
        ALTER TABLE events ADD COLUMN salt TEXT NOT NULL DEFAULT '';
        ALTER TABLE secrets ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE changes ADD COLUMN ref_kind TEXT NOT NULL DEFAULT '';
        ALTER TABLE changes ADD COLUMN ref_id TEXT NOT NULL DEFAULT '';
        UPDATE changes SET ref_kind = 'card', ref_id = json_extract(data, '$.card.id') WHERE json_extract(data, '$.card.id') IS NOT NULL;
        UPDATE changes SET ref_kind = 'result', ref_id = json_extract(data, '$.result.id') WHERE json_extract(data, '$.result.id') IS NOT NULL;
        UPDATE changes SET ref_kind = 'event', ref_id = event_id WHERE json_extract(data, '$.event') IS NOT NULL;
        UPDATE changes SET ref_kind = 'table', ref_id = json_extract(data, '$.table.id') WHERE json_extract(data, '$.table.id') IS NOT NULL;
        UPDATE changes SET ref_kind = 'question', ref_id = json_extract(data, '$.question.id') WHERE json_extract(data, '$.question.id') IS NOT NULL;
        UPDATE changes SET ref_kind = 'tally', ref_id = json_extract(data, '$.tally.result_id') WHERE json_extract(data, '$.tally.result_id') IS NOT NULL;
        UPDATE changes SET data = '{}';
        """
    )


@migrations()
def m006_languages(db: sqlite_utils.Database) -> None:
    """Content across languages and taking part without a phone.

    Cards: the language written in, a German translation and who made it, and
    whether the card was taken at the table for someone without a phone.
    Tables, questions and results: their wording in other languages (i18n, a
    JSON object {lang: text}). Results: dots counted on paper. Events: the
    languages they offer.
    """
    db.executescript(
        """
        ALTER TABLE cards ADD COLUMN lang TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN translation TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN translated_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN source TEXT NOT NULL DEFAULT 'phone';
        ALTER TABLE tables ADD COLUMN i18n TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE questions ADD COLUMN i18n TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE results ADD COLUMN i18n TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE results ADD COLUMN paper_votes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN languages TEXT NOT NULL DEFAULT '';
        """
    )


@migrations()
def m007_evening_flow(db: sqlite_utils.Database) -> None:
    """Safe moderation and a smoother evening.

    Tables: their own moderation mode ('' = the event's). Cards: why one is held
    for a moderator, and its '+1' reactions (one per phone, in reactions).
    Events: the list of words that hold a card, whether a round's timer starts
    with the round, timers for sorting and the market place, the wall's
    spotlight (JSON {kind, id}) and table focus.
    """
    db.executescript(
        """
        ALTER TABLE tables ADD COLUMN moderation TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN reactions INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN hold_words TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN auto_timer INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE events ADD COLUMN sorting_minutes INTEGER NOT NULL DEFAULT 15;
        ALTER TABLE events ADD COLUMN market_minutes INTEGER NOT NULL DEFAULT 15;
        ALTER TABLE events ADD COLUMN spotlight TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN focus_table INTEGER;
        CREATE TABLE reactions (
            card_id TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
            participant_id TEXT NOT NULL,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            PRIMARY KEY (card_id, participant_id)
        );
        """
    )


@migrations()
def m008_publish_note(db: sqlite_utils.Database) -> None:
    """Where the town publishes the results (shown on the phones at the end)."""
    db.execute("ALTER TABLE events ADD COLUMN publish_note TEXT NOT NULL DEFAULT ''")


@migrations()
def m009_private_writing(db: sqlite_utils.Database) -> None:
    """Private writing: cards of a round stay with their authors and the moderators until revealed."""
    db.execute("ALTER TABLE events ADD COLUMN private_writing INTEGER NOT NULL DEFAULT 0")


@migrations()
def m010_card_vectors(db: sqlite_utils.Database) -> None:
    """Sentence vectors of cards for suggestions (derived data: recomputed when missing or stale)."""
    db.execute(
        """
        CREATE TABLE card_vectors (
            card_id TEXT PRIMARY KEY REFERENCES cards(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            vector BLOB NOT NULL
        )
        """
    )


@migrations()
def m011_follow_up(db: sqlite_utils.Database) -> None:
    """After the evening: who took a result on, by when, how far it has come (with the
    reason when it cannot be done) and dated news (a JSON list); the event's actor list."""
    db.executescript(
        """
        ALTER TABLE results ADD COLUMN responsible TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN due TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN progress TEXT NOT NULL DEFAULT 'open';
        ALTER TABLE results ADD COLUMN reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN news TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE events ADD COLUMN actors TEXT NOT NULL DEFAULT '';
        """
    )


@migrations()
def m012_signups(db: sqlite_utils.Database) -> None:
    """Round-table sign-ups: a name and a contact from a phone, after consent, until the
    event's deletion date. Results say whether sign-up is open ('' = by kind)."""
    db.executescript(
        """
        ALTER TABLE results ADD COLUMN signup TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN signup_delete_on TEXT NOT NULL DEFAULT '';
        CREATE TABLE signups (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            result_id TEXT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            participant_id TEXT NOT NULL,
            name TEXT NOT NULL,
            contact TEXT NOT NULL,
            consent TEXT NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (result_id, participant_id)
        );
        """
    )


@migrations()
def m013_presence_and_method(db: sqlite_utils.Database) -> None:
    """Who took part, anonymously: every phone that opened a table page (so phones that
    only read count too) with its optional "Ich bin hier als …"; the record's method
    section (JSON: mandate, course, rules, group)."""
    db.executescript(
        """
        CREATE TABLE presence (
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            participant_id TEXT NOT NULL,
            affiliation TEXT NOT NULL DEFAULT '',
            first_seen REAL NOT NULL,
            PRIMARY KEY (event_id, participant_id)
        );
        ALTER TABLE events ADD COLUMN method TEXT NOT NULL DEFAULT '';
        """
    )


@migrations()
def m014_dialogs_and_templates(db: sqlite_utils.Database) -> None:
    """A Dialog (process) groups events; templates saved from an event (server-wide)."""
    db.executescript(
        """
        CREATE TABLE dialogs (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL);
        ALTER TABLE events ADD COLUMN dialog_id TEXT REFERENCES dialogs(id);
        CREATE TABLE saved_templates (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL, created_at REAL NOT NULL
        );
        """
    )


@migrations()
def m015_topics(db: sqlite_utils.Database) -> None:
    """Optional topic tags on results (a JSON list of domain.TOPICS keys)."""
    db.execute("ALTER TABLE results ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")


@migrations()
def m016_devices(db: sqlite_utils.Database) -> None:
    """A phone's device secret (only its hash) and the participant id it first came with, so
    a phone whose cookie expired is still the author of its cards (issue 21)."""
    db.executescript(
        """
        CREATE TABLE devices (
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            secret_hash TEXT NOT NULL,
            participant_id TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (event_id, secret_hash)
        );
        CREATE INDEX devices_by_participant ON devices (event_id, participant_id);
        """
    )


@migrations()
def m017_template_scope(db: sqlite_utils.Database) -> None:
    """Saved templates belong to the dialogue (or the event) that saved them; '' is the
    admin's, for every event (those saved before m017 stay so)."""
    db.executescript("ALTER TABLE saved_templates ADD COLUMN scope TEXT NOT NULL DEFAULT '';")


class NewerDatabase(RuntimeError):
    """The database was migrated by a newer Tischrunde than this one: refuse to open it."""


def bring_up_to_date(db: sqlite_utils.Database, path: str | None, log=print) -> list[str]:
    """Apply the pending migrations; before that, keep a copy of a database that has rows
    (``<path>.before-<first step>``, through SQLite's backup API) and log each step.
    A database with steps this version does not know was made by a newer one: refused."""
    known = {m.name for m in migrations._migrations}
    applied = migrations.applied(db)
    unknown = [m.name for m in applied if m.name not in known]
    if unknown:
        raise NewerDatabase(f"Die Datenbank {path} stammt von einer neueren Tischrunde (Schritt {unknown[-1]}); "
                            "diese Fassung kann sie nicht öffnen. Bitte die neuere Fassung starten.")
    pending = [m.name for m in migrations.pending(db)]
    if pending and path and applied:
        copy = f"{path}.before-{pending[0]}"
        copy_database(db.conn, copy)
        log(f"Datenbank wird aktualisiert ({', '.join(pending)}); die Fassung davor liegt in {copy}.")
    migrations.apply(db)
    return pending


def copy_database(source, path: str) -> None:
    """A consistent copy of an open database (SQLite's online backup API: what is only in the
    WAL yet is in the copy too), private (0600), written whole or not at all."""
    partial = f"{path}.partial"
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
    os.replace(partial, path)

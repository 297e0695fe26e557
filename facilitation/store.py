"""Every SQL statement of Tischrunde, through sqlite-utils.

One Store per process holds the one writing connection. Writes happen inside
``store.transaction()``; a state change and its change-log entry are always
written in the same transaction, so the log never disagrees with the rows.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from . import changes
from .migrations import bring_up_to_date

CARD_COLUMNS = (
    "id, event_id, table_id, question_id, author_id, name, text, status, version, created_at, updated_at, "
    "result_id, rank, round, lang, translation, translated_by, source, hold_reason, reactions"
)
RESULT_COLUMNS = (
    "id, event_id, table_id, kind, title, description, next_step, contact, addressee, status, merged_into, "
    "rank, version, created_at, updated_at, votes, i18n, paper_votes, responsible, due, progress, reason, news, signup, tags"
)


def make_private(path: Path) -> bool:
    """Make the database file (and its folder) readable by this user only, whatever the umask:
    it holds contacts and sign-up phone numbers. SQLite gives its -wal and -shm files the
    database file's mode, so they are private too. True when the database is new."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = not path.exists()
    if created:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists() and part.stat().st_mode & 0o077:
            part.chmod(0o600)  # made by an older version, world-readable
    return created


class Store:
    """The database of one Tischrunde server."""

    def __init__(self, path: str):
        uri = path.startswith("file:")  # an SQLite URI (file:...?mode=ro) names no folder to make
        self.path = path
        self.created = False  # True when this Store made the database file (the CLI refuses that)
        if path != ":memory:" and not uri:
            self.created = make_private(Path(path))
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, uri=uri)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL would lose the last transactions on power loss; an acked card
        # must survive, so every commit is synced.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten, not just unlinked: a purged phone number must not stay
        # readable in the file (issue 23); forget() then empties the WAL too.
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA busy_timeout=2000")
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._forgetting = False  # personal data deleted in this transaction: forget() after it
        self._presence_pending: dict[tuple[str, str], float] = {}  # (event, phone) -> first seen
        with self._lock:
            bring_up_to_date(self.db, path if path != ":memory:" and not uri else None)

    def write_problem(self) -> str | None:
        """Why the database cannot be written right now (read-only, disk full, ...), or None."""
        try:
            with self.transaction():
                self.db.execute("INSERT OR REPLACE INTO health (id, checked_at) VALUES (1, ?)", (time.time(),))
        except sqlite3.Error as err:
            return str(err)
        return None

    def close(self) -> None:
        """Close the connection (tests, CLI), once no other thread is inside a transaction:
        closing under a writer's feet crashes SQLite's C library (a background vector
        refresh still writing when a test closed its store did). Presence noted for later
        is written first."""
        with self._lock:
            try:
                self.flush_presence()
            except sqlite3.Error:
                pass  # a read-only or full disk: closing must still close
            self.db.close()

    @contextmanager
    def transaction(self):
        """One short write transaction; never yield (emit, sleep, I/O) inside.

        It takes the write lock at once (BEGIN IMMEDIATE): with several processes on one
        database, a transaction that read first could not write once another process had
        committed meanwhile ("database is locked" at once, whatever busy_timeout says; seen
        with two processes at 100 cards/s, issue 13). Nested, it is a savepoint.
        """
        with self._lock:
            conn = self.db.conn
            if conn.in_transaction:
                with self.db.atomic():
                    yield self
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self._forgetting = False
                raise
            if self._forgetting:
                self.forget()

    def forget(self) -> None:
        """After personal data was deleted: copy the WAL into the database and empty it, so
        the old page versions, deleted names and numbers with them, leave the files."""
        self._forgetting = False
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # a reader in another process keeps the WAL; the next forget() empties it

    @contextmanager
    def reading(self):
        """Hold off writers while several reads must agree (a snapshot)."""
        with self._lock:
            yield self

    def _all(self, sql: str, params=()) -> list[dict]:
        # Reads take the lock too: the one connection is shared, and a read
        # from another thread must not see a transaction half-way. Straight to the
        # connection: sqlite_utils' query() wraps every read in a savepoint of its own
        # (13 of a posted card's 26 statements, issue 13).
        with self._lock:
            cursor = self.db.conn.execute(sql, params)
            keys = [column[0] for column in cursor.description]
            return [dict(zip(keys, row)) for row in cursor]

    def _one(self, sql: str, params=()) -> dict | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    # -- events, tables, questions -------------------------------------------

    def insert_event(self, event_id: str, title: str, template: str, salt: str) -> None:
        """Insert an event row (inside a transaction)."""
        self.db.execute(
            "INSERT INTO events (id, title, template, created_at, salt) VALUES (?, ?, ?, ?, ?)",
            (event_id, title, template, time.time(), salt),
        )

    def insert_table(self, event_id: str, position: int, name: str) -> int:
        """Insert a table and return its id."""
        cur = self.db.execute(
            "INSERT INTO tables (event_id, position, name) VALUES (?, ?, ?)", (event_id, position, name)
        )
        return cur.lastrowid

    def insert_question(self, table_id: int, position: int, text: str) -> int:
        """Insert a question of a table and return its id."""
        cur = self.db.execute(
            "INSERT INTO questions (table_id, position, text) VALUES (?, ?, ?)", (table_id, position, text)
        )
        return cur.lastrowid

    def replace_secret(self, token_hash: str, event_id: str, role: str, table_id: int | None, generation: int) -> None:
        """Keep the hash of a role's secret link token; the role's older hash goes."""
        self.db.execute(
            "DELETE FROM secrets WHERE event_id = ? AND role = ? AND table_id IS ?", (event_id, role, table_id)
        )
        self.db.execute(
            "INSERT OR REPLACE INTO secrets (hash, event_id, role, table_id, generation) VALUES (?, ?, ?, ?, ?)",
            (token_hash, event_id, role, table_id, generation),
        )

    def secret(self, token_hash: str) -> dict | None:
        """The grant behind a token hash: event_id, role, table_id."""
        return self._one("SELECT event_id, role, table_id FROM secrets WHERE hash = ?", (token_hash,))

    def has_secret(self, event_id: str, role: str) -> bool:
        """Whether a role of an event has a link at all."""
        return self._one("SELECT 1 AS x FROM secrets WHERE event_id = ? AND role = ?", (event_id, role)) is not None

    def secret_generation(self, event_id: str, role: str, table_id: int | None) -> int:
        """How often a role's link was replaced (0: the first link)."""
        row = self._one(
            "SELECT generation FROM secrets WHERE event_id = ? AND role = ? AND table_id IS ?", (event_id, role, table_id)
        )
        return row["generation"] if row else 0

    def event(self, event_id: str) -> dict | None:
        """One event row."""
        return self._one("SELECT * FROM events WHERE id = ?", (event_id,))

    def events(self) -> list[dict]:
        """All events, newest first."""
        return self._all("SELECT * FROM events ORDER BY created_at DESC")

    def tables(self, event_id: str) -> list[dict]:
        """The tables of an event, in order."""
        return self._all("SELECT * FROM tables WHERE event_id = ? ORDER BY position, id", (event_id,))

    def table(self, table_id: int) -> dict | None:
        """One table row."""
        return self._one("SELECT * FROM tables WHERE id = ?", (table_id,))

    def questions(self, event_id: str) -> list[dict]:
        """All questions of an event's tables, in order."""
        return self._all(
            "SELECT q.* FROM questions q JOIN tables t ON t.id = q.table_id "
            "WHERE t.event_id = ? ORDER BY t.position, q.position, q.id",
            (event_id,),
        )

    def question(self, question_id: int) -> dict | None:
        """One question row."""
        return self._one("SELECT * FROM questions WHERE id = ?", (question_id,))

    def rename_table(self, table_id: int, name: str) -> None:
        """Set a table's name."""
        self.db.execute("UPDATE tables SET name = ? WHERE id = ?", (name, table_id))

    def set_question_text(self, question_id: int, text: str) -> None:
        """Set a question's wording."""
        self.db.execute("UPDATE questions SET text = ? WHERE id = ?", (text, question_id))

    def set_table_moderation(self, table_id: int, mode: str) -> None:
        """A table's own moderation mode ('' follows the event)."""
        self.db.execute("UPDATE tables SET moderation = ? WHERE id = ?", (mode, table_id))

    def add_reaction(self, card_id: str, participant_id: str, event_id: str) -> bool:
        """One '+1' of a phone on a card; False when it had given it already."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO reactions (card_id, participant_id, event_id, created_at) VALUES (?, ?, ?, ?)",
            (card_id, participant_id, event_id, time.time()),
        )
        return cur.rowcount == 1

    def remove_reaction(self, card_id: str, participant_id: str) -> bool:
        """Take a '+1' back; False when there was none."""
        return self.db.execute(
            "DELETE FROM reactions WHERE card_id = ? AND participant_id = ?", (card_id, participant_id)
        ).rowcount == 1

    def reaction_count(self, card_id: str) -> int:
        """How many phones gave a card their '+1'."""
        return self._one("SELECT count(*) AS n FROM reactions WHERE card_id = ?", (card_id,))["n"]

    def reactions_of(self, event_id: str, participant_id: str) -> list[str]:
        """The cards a phone gave its '+1'."""
        return [r["card_id"] for r in self._all(
            "SELECT card_id FROM reactions WHERE event_id = ? AND participant_id = ?", (event_id, participant_id))]

    def set_i18n(self, kind: str, row_id, i18n: str) -> None:
        """Set the wording in other languages (JSON) of a table, question or result."""
        table = {"table": "tables", "question": "questions", "result": "results"}[kind]
        self.db.execute(f"UPDATE {table} SET i18n = ? WHERE id = ?", (i18n, row_id))

    # -- cards ---------------------------------------------------------------

    def card(self, card_id: str) -> dict | None:
        """One card row."""
        return self._one(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,))

    def cards(self, event_id: str, table_id: int | None = None) -> list[dict]:
        """The cards of an event (or of one table), oldest first."""
        if table_id is None:
            sql, params = "WHERE event_id = ?", (event_id,)
        else:
            sql, params = "WHERE event_id = ? AND table_id = ?", (event_id, table_id)
        return self._all(f"SELECT {CARD_COLUMNS} FROM cards {sql} ORDER BY created_at, id", params)

    def cards_page(self, event_id: str, table_id: int | None, after: tuple | None, limit: int) -> list[dict]:
        """Up to ``limit`` cards of an event (or one table) in the order of ``cards``, from just
        after the card whose (created_at, id) is ``after``."""
        sql, params = "WHERE event_id = ?", [event_id]
        if table_id is not None:
            sql, params = sql + " AND table_id = ?", params + [table_id]
        if after is not None:
            sql, params = sql + " AND (created_at, id) > (?, ?)", params + list(after)
        return self._all(f"SELECT {CARD_COLUMNS} FROM cards {sql} ORDER BY created_at, id LIMIT ?", params + [limit])

    def card_vectors(self, card_ids: list[str]) -> dict[str, dict]:
        """Stored sentence vectors by card id: ``{fingerprint, vector}`` (raw bytes)."""
        found = {}
        for start in range(0, len(card_ids), 500):  # SQLite's limit on bound parameters
            chunk = card_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._all(f"SELECT card_id, fingerprint, vector FROM card_vectors WHERE card_id IN ({marks})", chunk):
                found[row["card_id"]] = row
        return found

    def save_card_vectors(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store (card id, fingerprint, vector) rows of cards that still exist (inside a transaction)."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO card_vectors (card_id, fingerprint, vector) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM cards WHERE id = ?)",
            [(card_id, fingerprint, vector, card_id) for card_id, fingerprint, vector in rows],
        )

    def cards_by_author(self, event_id: str, author_id: str) -> list[dict]:
        """A participant's own cards, oldest first."""
        return self._all(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE event_id = ? AND author_id = ? ORDER BY created_at, id",
            (event_id, author_id),
        )

    def insert_card(self, card: dict) -> None:
        """Insert a new card row."""
        self._insert("cards", card)

    def update_card(self, card_id: str, **fields) -> None:
        """Update fields of a card and bump its version."""
        self._update("cards", card_id, fields)

    def cards_of_result(self, result_id: str) -> list[dict]:
        """The cards sorted into a result, in their order."""
        return self._all(f"SELECT {CARD_COLUMNS} FROM cards WHERE result_id = ? ORDER BY rank, created_at", (result_id,))

    def card_ranks(self, table_id: int, result_id: str | None) -> list[tuple[str, float]]:
        """(id, rank) of the cards in one place of a table: a result, or unsorted (None)."""
        if result_id is None:
            rows = self._all("SELECT id, rank FROM cards WHERE table_id = ? AND result_id IS NULL ORDER BY rank", (table_id,))
        else:
            rows = self._all("SELECT id, rank FROM cards WHERE result_id = ? ORDER BY rank", (result_id,))
        return [(r["id"], r["rank"]) for r in rows]

    # -- results -------------------------------------------------------------

    def result(self, result_id: str) -> dict | None:
        """One result row."""
        return self._one(f"SELECT {RESULT_COLUMNS} FROM results WHERE id = ?", (result_id,))

    def results(self, event_id: str, table_id: int | None = None) -> list[dict]:
        """The results of an event (or one table), in board order, deleted ones included."""
        if table_id is None:
            sql, params = "WHERE event_id = ?", (event_id,)
        else:
            sql, params = "WHERE event_id = ? AND table_id = ?", (event_id, table_id)
        return self._all(f"SELECT {RESULT_COLUMNS} FROM results {sql} ORDER BY table_id, rank, created_at", params)

    def result_ranks(self, table_id: int) -> list[tuple[str, float]]:
        """(id, rank) of the live results of a table, in order."""
        rows = self._all(
            "SELECT id, rank FROM results WHERE table_id = ? AND status = 'active' ORDER BY rank", (table_id,)
        )
        return [(r["id"], r["rank"]) for r in rows]

    def insert_result(self, result: dict) -> None:
        """Insert a new result row."""
        self._insert("results", result)

    def update_result(self, result_id: str, **fields) -> None:
        """Update fields of a result and bump its version."""
        self._update("results", result_id, fields)

    def _insert(self, table: str, row: dict) -> None:
        # Lists and dicts are stored as JSON text, as sqlite_utils' insert() did; that one
        # also looked the table up in sqlite_master twice for every card.
        values = [json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list, tuple)) else v
                  for v in row.values()]
        columns = ", ".join(f'"{key}"' for key in row)
        self.db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(row))})', values)

    def _update(self, table: str, row_id: str, fields: dict) -> None:
        fields = {**fields, "updated_at": time.time()}
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE {table} SET {sets}, version = version + 1 WHERE id = ?", (*fields.values(), row_id))

    def update_event(self, event_id: str, **fields) -> None:
        """Set run-of-show fields of an event (phase, timer, modes, voting)."""
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE events SET {sets} WHERE id = ?", (*fields.values(), event_id))

    def delete_event(self, event_id: str) -> None:
        """Remove an event and every row that belongs to it (inside a transaction)."""
        self._forgetting = True
        for table in ("devices", "presence", "signups", "votes", "reactions", "undo_log", "changes", "cards", "results",
                      "secrets"):
            self.db.execute(f"DELETE FROM {table} WHERE event_id = ?", (event_id,))
        self.db.execute(
            "DELETE FROM questions WHERE table_id IN (SELECT id FROM tables WHERE event_id = ?)", (event_id,)
        )
        self.db.execute("DELETE FROM tables WHERE event_id = ?", (event_id,))
        self.db.execute("DELETE FROM events WHERE id = ?", (event_id,))

    # -- dialogs and saved templates --------------------------------------------

    def insert_dialog(self, dialog_id: str, title: str) -> None:
        """A new Dialog (inside a transaction)."""
        self.db.execute("INSERT INTO dialogs (id, title, created_at) VALUES (?, ?, ?)", (dialog_id, title, time.time()))

    def dialog(self, dialog_id: str) -> dict | None:
        """One Dialog."""
        return self._one("SELECT * FROM dialogs WHERE id = ?", (dialog_id,))

    def dialog_events(self, dialog_id: str) -> list[dict]:
        """The events of a Dialog, oldest first."""
        return self._all("SELECT * FROM events WHERE dialog_id = ? ORDER BY created_at, id", (dialog_id,))

    def insert_saved_template(self, template_id: str, name: str, data: str, scope: str = "") -> None:
        """Store a template saved from an event (inside a transaction), for ``scope``."""
        self.db.execute("INSERT INTO saved_templates (id, name, data, created_at, scope) VALUES (?, ?, ?, ?, ?)",
                        (template_id, name, data, time.time(), scope))

    def saved_templates(self, scopes: list[str] | None = None) -> list[dict]:
        """The saved templates of these scopes and the admin's ('' ), newest first (None: all)."""
        if scopes is None:
            return self._all("SELECT * FROM saved_templates ORDER BY created_at DESC, id")
        marks = ", ".join("?" for _ in scopes)
        return self._all(f"SELECT * FROM saved_templates WHERE scope IN ('', {marks}) ORDER BY created_at DESC, id",
                         tuple(scopes))

    def saved_template(self, template_id: str) -> dict | None:
        """One saved template."""
        return self._one("SELECT * FROM saved_templates WHERE id = ?", (template_id,))

    # -- who took part (anonymous) ---------------------------------------------

    def note_presence(self, event_id: str, participant_id: str, affiliation: str | None = None) -> None:
        """Count a phone as present now; with ``affiliation``, set what it said it is."""
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO presence (event_id, participant_id, first_seen) VALUES (?, ?, ?)",
                            (event_id, participant_id, time.time()))
            if affiliation is not None:
                self.db.execute("UPDATE presence SET affiliation = ? WHERE event_id = ? AND participant_id = ?",
                                (affiliation, event_id, participant_id))

    def note_presence_soon(self, event_id: str, participant_id: str) -> None:
        """Count a phone as present with the next flush_presence: a page view need not wait
        for a disk sync of its own (2,000 phones joining paid one each, issue 13). A crash
        forgets at most the last second's first views; nothing anyone was told is lost."""
        with self._lock:
            self._presence_pending.setdefault((event_id, participant_id), time.time())

    def flush_presence(self) -> None:
        """Write the presence noted for later, in one transaction (of events that still exist)."""
        with self._lock:
            pending, self._presence_pending = self._presence_pending, {}
            if not pending:
                return
            with self.transaction():
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO presence (event_id, participant_id, first_seen) "
                    "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)",
                    [(event_id, pid, seen, event_id) for (event_id, pid), seen in pending.items()])

    def affiliation_of(self, event_id: str, participant_id: str | None) -> str:
        """What this phone said it is here as ('' = nothing said; saying it writes at once, so
        presence still waiting for flush_presence has said nothing)."""
        row = self._one("SELECT affiliation FROM presence WHERE event_id = ? AND participant_id = ?",
                        (event_id, participant_id or ""))
        return row["affiliation"] if row else ""

    def device_participant(self, event_id: str, secret_hash: str, participant_id: str, most: int) -> str:
        """The participant id a device secret belongs to: the one it first came with, bound
        now when it is new (and the participant has fewer than ``most`` devices here)."""
        row = self._one("SELECT participant_id FROM devices WHERE event_id = ? AND secret_hash = ?",
                        (event_id, secret_hash))
        if row:
            return row["participant_id"]
        with self.transaction():
            count = self._one("SELECT count(*) AS n FROM devices WHERE event_id = ? AND participant_id = ?",
                              (event_id, participant_id))["n"]
            if count < most:
                self.db.execute("INSERT OR IGNORE INTO devices (event_id, secret_hash, participant_id, created_at) "
                                "VALUES (?, ?, ?, ?)", (event_id, secret_hash, participant_id, time.time()))
        row = self._one("SELECT participant_id FROM devices WHERE event_id = ? AND secret_hash = ?",
                        (event_id, secret_hash))
        return row["participant_id"] if row else participant_id

    def affiliations_of_participants(self, event_id: str) -> list[str]:
        """The "Ich bin hier als …" answers of the phones that took part (wrote a card, gave a
        '+1' or a dot): a phone that only opened a page and answered counts nowhere, so a
        few scripted phones cannot tip a group over the threshold by tapping alone."""
        self.flush_presence()
        rows = self._all(
            "SELECT affiliation FROM presence WHERE event_id = ? AND affiliation != '' AND participant_id IN "
            "(SELECT author_id FROM cards WHERE event_id = ? AND status != 'withdrawn' "
            "UNION SELECT participant_id FROM votes WHERE event_id = ? "
            "UNION SELECT participant_id FROM reactions WHERE event_id = ?)", (event_id,) * 4)
        return [row["affiliation"] for row in rows]

    def presence(self, event_id: str) -> list[dict]:
        """Every present phone: participant id and affiliation (for counts and the backup)."""
        self.flush_presence()
        return self._all("SELECT participant_id, affiliation FROM presence WHERE event_id = ? ORDER BY first_seen, "
                         "participant_id", (event_id,))

    def readers_only(self, event_id: str) -> int:
        """Phones that opened a table page but wrote no card and gave no dot."""
        self.flush_presence()
        row = self._one(
            "SELECT count(*) AS n FROM presence WHERE event_id = ? AND participant_id NOT IN "
            "(SELECT author_id FROM cards WHERE event_id = ? AND status != 'withdrawn' "
            "UNION SELECT participant_id FROM votes WHERE event_id = ?)", (event_id, event_id, event_id))
        return row["n"]

    def participant_count(self, event_id: str) -> int:
        """How many phones took part: wrote a card or gave a dot."""
        row = self._one(
            "SELECT count(*) AS n FROM (SELECT author_id FROM cards WHERE event_id = ? AND status != 'withdrawn' "
            "UNION SELECT participant_id FROM votes WHERE event_id = ?)",
            (event_id, event_id),
        )
        return row["n"]

    # -- votes ---------------------------------------------------------------

    def vote(self, vote_id: str) -> dict | None:
        """One dot."""
        return self._one("SELECT * FROM votes WHERE id = ?", (vote_id,))

    def votes_of(self, event_id: str, participant_id: str) -> list[dict]:
        """The dots one participant has spent, oldest first."""
        return self._all(
            "SELECT id, result_id FROM votes WHERE event_id = ? AND participant_id = ? ORDER BY created_at",
            (event_id, participant_id),
        )

    def insert_vote(self, vote_id: str, event_id: str, participant_id: str, result_id: str) -> None:
        """Spend one dot on a result."""
        self.db.execute(
            "INSERT INTO votes (id, event_id, participant_id, result_id, created_at) VALUES (?, ?, ?, ?, ?)",
            (vote_id, event_id, participant_id, result_id, time.time()),
        )

    def delete_vote(self, vote_id: str) -> None:
        """Take one dot back."""
        self.db.execute("DELETE FROM votes WHERE id = ?", (vote_id,))

    # -- round-table sign-ups (personal data: only the lead sees them) ----------

    def signups(self, event_id: str) -> list[dict]:
        """Every sign-up of an event, oldest first."""
        return self._all("SELECT * FROM signups WHERE event_id = ? ORDER BY created_at, id", (event_id,))

    def signups_of(self, event_id: str, participant_id: str | None) -> dict[str, dict]:
        """This phone's sign-ups by result id."""
        if not participant_id:
            return {}
        rows = self._all("SELECT * FROM signups WHERE event_id = ? AND participant_id = ?", (event_id, participant_id))
        return {row["result_id"]: row for row in rows}

    def insert_signup(self, row: dict) -> None:
        """Insert a sign-up (inside a transaction)."""
        self._insert("signups", row)

    def delete_signup(self, result_id: str, participant_id: str) -> int:
        """Remove a phone's sign-up for a result (inside a transaction); how many went."""
        self._forgetting = True
        return self.db.execute("DELETE FROM signups WHERE result_id = ? AND participant_id = ?",
                               (result_id, participant_id)).rowcount

    def delete_signups(self, event_id: str) -> None:
        """Delete every sign-up of an event (inside a transaction)."""
        self._forgetting = True
        self.db.execute("DELETE FROM signups WHERE event_id = ?", (event_id,))

    def purge_signups(self, today: str) -> int:
        """Delete the sign-ups of every event whose deletion date has come; how many went."""
        with self.transaction():
            self._forgetting = True
            return self.db.execute(
                "DELETE FROM signups WHERE event_id IN "
                "(SELECT id FROM events WHERE signup_delete_on != '' AND signup_delete_on <= ?)", (today,)
            ).rowcount

    def all_votes(self, event_id: str) -> list[dict]:
        """Every dot of an event (id, participant_id, result_id), oldest first."""
        return self._all(
            "SELECT id, participant_id, result_id FROM votes WHERE event_id = ? ORDER BY created_at, id", (event_id,)
        )

    def tallies(self, event_id: str) -> dict[str, int]:
        """Dots per result, live."""
        rows = self._all("SELECT result_id, count(*) AS n FROM votes WHERE event_id = ? GROUP BY result_id", (event_id,))
        return {r["result_id"]: r["n"] for r in rows}

    def tally(self, result_id: str) -> int:
        """Dots on one result, live."""
        return self._one("SELECT count(*) AS n FROM votes WHERE result_id = ?", (result_id,))["n"]

    # -- undo ----------------------------------------------------------------

    def push_undo(self, event_id: str, table_id: int, actor: str, label: str, rows: list) -> None:
        """Remember the rows an action changed, as they were before it."""
        self.db.execute(
            "INSERT INTO undo_log (event_id, table_id, actor, label, rows, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, table_id, actor, label, json.dumps(rows, ensure_ascii=False), time.time()),
        )

    def last_undo(self, event_id: str, actor: str) -> dict | None:
        """The newest action of this actor that is not undone yet."""
        row = self._one(
            "SELECT id, table_id, label, rows FROM undo_log WHERE event_id = ? AND actor = ? AND undone = 0 "
            "ORDER BY id DESC LIMIT 1",
            (event_id, actor),
        )
        return {**row, "rows": json.loads(row["rows"])} if row else None

    def mark_undone(self, undo_id: int) -> None:
        """An undo entry was used."""
        self.db.execute("UPDATE undo_log SET undone = 1 WHERE id = ?", (undo_id,))

    # -- change log ----------------------------------------------------------

    def append_change(self, event_id: str, type_: str, table_id: int | None, data: dict) -> dict:
        """Append a change with the event's next seq (inside a transaction).

        The log keeps what changed (kind and id), never the row itself; the
        change returned carries the row for the live broadcast.
        """
        (kind, row), = data.items()
        changes.declared(type_, kind)
        self.db.execute("UPDATE events SET last_seq = last_seq + 1 WHERE id = ?", (event_id,))
        seq = self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))["last_seq"]
        self.db.execute(
            "INSERT INTO changes (event_id, seq, type, table_id, data, created_at, ref_kind, ref_id) "
            "VALUES (?, ?, ?, ?, '{}', ?, ?, ?)",
            (event_id, seq, type_, table_id, time.time(), kind, str(row[changes.THINGS[kind].ref])),
        )
        return {"seq": seq, "type": type_, "table_id": table_id, **data}

    def changes_since(self, event_id: str, since: int, limit: int) -> list[dict]:
        """Up to ``limit`` logged references after ``since``: seq, type, table_id, ref_kind, ref_id."""
        return self._all(
            "SELECT seq, type, table_id, ref_kind, ref_id FROM changes WHERE event_id = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (event_id, since, limit),
        )

    def last_seq(self, event_id: str) -> int:
        """The seq of the event's newest change (0 when none)."""
        row = self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))
        return row["last_seq"] if row else 0

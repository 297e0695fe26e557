"""Every SQL statement of Tischrunde, through sqlite-utils.

One Store per process holds the one writing connection. Writes happen inside
``store.transaction()``; a state change and its change-log entry are always
written in the same transaction, so the log never disagrees with the rows.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

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


CARD_COLUMNS = "id, event_id, table_id, question_id, author_id, name, text, status, version, created_at, updated_at"


class Store:
    """The database of one Tischrunde server."""

    def __init__(self, path: str):
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL would lose the last transactions on power loss; an acked card
        # must survive, so every commit is synced.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=2000")
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        with self._lock:
            migrations.apply(self.db)

    def close(self) -> None:
        """Close the connection (tests, CLI)."""
        self.db.close()

    @contextmanager
    def transaction(self):
        """One short write transaction; never yield (emit, sleep, I/O) inside."""
        with self._lock, self.db.atomic():
            yield self

    @contextmanager
    def reading(self):
        """Hold off writers while several reads must agree (a snapshot)."""
        with self._lock:
            yield self

    def _all(self, sql: str, params=()) -> list[dict]:
        # Reads take the lock too: the one connection is shared, and a read
        # from another thread must not see a transaction half-way.
        with self._lock:
            return list(self.db.query(sql, params))

    def _one(self, sql: str, params=()) -> dict | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    # -- events, tables, questions -------------------------------------------

    def insert_event(self, event_id: str, title: str, template: str) -> None:
        """Insert an event row (inside a transaction)."""
        self.db.execute(
            "INSERT INTO events (id, title, template, created_at) VALUES (?, ?, ?, ?)",
            (event_id, title, template, time.time()),
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

    def insert_secret(self, token_hash: str, event_id: str, role: str, table_id: int | None) -> None:
        """Remember the hash of a secret link token."""
        self.db.execute(
            "INSERT OR REPLACE INTO secrets (hash, event_id, role, table_id) VALUES (?, ?, ?, ?)",
            (token_hash, event_id, role, table_id),
        )

    def secret(self, token_hash: str) -> dict | None:
        """The grant behind a token hash: event_id, role, table_id."""
        return self._one("SELECT event_id, role, table_id FROM secrets WHERE hash = ?", (token_hash,))

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

    def cards_by_author(self, event_id: str, author_id: str) -> list[dict]:
        """A participant's own cards, oldest first."""
        return self._all(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE event_id = ? AND author_id = ? ORDER BY created_at, id",
            (event_id, author_id),
        )

    def insert_card(self, card: dict) -> None:
        """Insert a new card row."""
        self.db.table("cards").insert(card)

    def update_card(self, card_id: str, **fields) -> None:
        """Update fields of a card and bump its version."""
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(
            f"UPDATE cards SET {sets}, version = version + 1 WHERE id = ?", (*fields.values(), card_id)
        )

    # -- change log ----------------------------------------------------------

    def append_change(self, event_id: str, type_: str, table_id: int | None, data: dict) -> dict:
        """Append a change with the event's next seq (inside a transaction)."""
        self.db.execute("UPDATE events SET last_seq = last_seq + 1 WHERE id = ?", (event_id,))
        seq = self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))["last_seq"]
        self.db.execute(
            "INSERT INTO changes (event_id, seq, type, table_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, seq, type_, table_id, json.dumps(data, ensure_ascii=False), time.time()),
        )
        return {"seq": seq, "type": type_, "table_id": table_id, **data}

    def changes_since(self, event_id: str, since: int, limit: int) -> list[dict]:
        """Up to ``limit`` changes after ``since``, in seq order."""
        rows = self._all(
            "SELECT seq, type, table_id, data FROM changes WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (event_id, since, limit),
        )
        return [{"seq": r["seq"], "type": r["type"], "table_id": r["table_id"], **json.loads(r["data"])} for r in rows]

    def last_seq(self, event_id: str) -> int:
        """The seq of the event's newest change (0 when none)."""
        row = self._one("SELECT last_seq FROM events WHERE id = ?", (event_id,))
        return row["last_seq"] if row else 0

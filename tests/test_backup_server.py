"""The whole server's backup while it runs, and upgrades that keep the old file (issue 23):
a naive `cp` of the database missed the newest card (only in the WAL yet), and a restore
without secret_key printed lead links that answer 403."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid

import pytest
import requests
from server import ROOT, LiveServer, socket_client

from facilitation.migrations import NewerDatabase, bring_up_to_date, migrations


def test_a_backup_while_serving_holds_the_card_posted_a_moment_before_and_restores_whole(tmp_path):
    (tmp_path / "live").mkdir()
    live = LiveServer(tmp_path / "live").start()
    backup = tmp_path / "sicherung"
    try:
        table = live.links()["tables"][0]
        phone = socket_client(live, f"/e/demo/t/{table['id']}", {"event": "demo", "role": "participant", "table": table["id"]})
        question = [q["id"] for q in phone.call("sync", {"since": 0})["snapshot"]["questions"] if q["table_id"] == table["id"]][0]
        assert phone.call("card:post", {"id": str(uuid.uuid4()), "question": question, "text": "Gerade eben gesendet"})["ok"]
        phone.disconnect()
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "backup", str(backup)], cwd=ROOT, env=live.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        lead_link = live.links()["lead"]
    finally:
        live.stop()
    copy = sqlite3.connect(backup / "tischrunde.db")
    assert copy.execute("SELECT count(*) FROM cards WHERE text = 'Gerade eben gesendet'").fetchone()[0] == 1
    copy.close()
    assert (backup / "secret_key").read_text() == live.env["SECRET_KEY"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in backup.iterdir())
    # Restored on another machine: the same links open the same event.
    restored = LiveServer(backup, SECRET_KEY=(backup / "secret_key").read_text()).start()
    try:
        path = lead_link.split("/", 3)[3]
        assert requests.get(f"{restored.url}/{path}", timeout=10, allow_redirects=False).status_code == 303
    finally:
        restored.stop()


def test_an_upgrade_keeps_the_database_as_it_was_and_an_older_version_refuses_a_newer_one(tmp_path):
    import sqlite_utils

    path = str(tmp_path / "alt.db")
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    last = migrations._migrations[-1].name
    migrations.apply(db, stop_before=last)  # a database of the version before the last step
    db.execute("INSERT INTO health (id, checked_at) VALUES (1, 1.0)")  # a row: worth keeping
    schema_before = sorted(r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    logged = []
    assert bring_up_to_date(db, path, logged.append) == [last]
    assert logged and last in logged[0]
    before = sqlite3.connect(f"{path}.before-{last}")
    assert sorted(r[0] for r in before.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")) == schema_before
    before.close()
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('tischrunde', 'm999_future', '')")
    with pytest.raises(NewerDatabase, match="neueren Tischrunde"):
        bring_up_to_date(db, path, logged.append)

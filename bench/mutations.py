"""One-line mutations of the rules (who sees what, ordering, limits, date boundaries, the
client's update rule), each run against the tests that should catch it, in a copy of the
tree: prints "caught" or "MISSED" for each (issue 22). ONLY=<part of a label> runs some.

    .venv/bin/python bench/mutations.py
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

SRC = pathlib.Path(__file__).resolve().parents[1]
WORK = pathlib.Path(tempfile.mkdtemp(prefix="tischrunde-mutants-")) / "tree"
MUTANTS = [
    ("who sees what: a moderator sees every table", "facilitation/views.py",
     "        return table_id == actor.table_id\n    return table_id == actor.table_id or is_result",
     "        return True\n    return table_id == actor.table_id or is_result", "tests/test_views.py tests/test_realtime.py"),
    ("who sees what: phones get live dots", "facilitation/views.py",
     'if key == "tally" and actor.role == PARTICIPANT:', 'if key == "tally" and actor.role == "nobody":', "tests/test_views.py tests/test_realtime.py"),
    ("who sees what: phones miss other tables' results", "facilitation/views.py",
     "    return table_id == actor.table_id or is_result", "    return table_id == actor.table_id", "tests/test_views.py tests/test_realtime.py"),
    ("who sees what: a private card's words reach the wall", "facilitation/views.py",
     '    if card["status"] == VISIBLE:\n        return {k: card.get(k) for k in PUBLIC_CARD_FIELDS}',
     '    if card["status"] in (VISIBLE, PRIVATE):\n        return {k: card.get(k) for k in PUBLIC_CARD_FIELDS}', "tests/test_views.py tests/test_realtime.py tests/test_evening.py"),
    ("who sees what: the contact in the public result", "facilitation/views.py",
     'if k not in ("contact", "event_id")}, "i18n": i18n(result),', 'if k not in ("event_id",)}, "i18n": i18n(result),', "tests/test_views.py tests/test_realtime.py"),
    ("who sees what: hidden cards in the record", "facilitation/views.py",
     'return [c for c in cards if c["status"] == VISIBLE]', 'return [c for c in cards if c["status"] != "withdrawn"]', "tests/test_export.py tests/test_record_property.py"),
    ("ordering: ties by the newest result", "facilitation/views.py",
     'key=lambda r: (-dots(r), r["created_at"], r["id"])', 'key=lambda r: (-dots(r), -r["created_at"], r["id"])', "tests/test_ranking.py"),
    ("ordering: the screens' ties reversed", "static/js/live.js",
     "a.created_at - b.created_at ||", "b.created_at - a.created_at ||", "tests/test_ranking.py"),
    ("client rule: a reworded question keeps its old text", "static/js/live.js",
     "      replaceIn(state.questions, change.question);\n", "\n", "tests/test_views.py"),
    ("client rule: a result's deletion is kept", "static/js/live.js",
     'if (change.result.status === "deleted") delete state.results[change.result.id];\n      else ', "", "tests/test_views.py"),
    ("limits: a 281-character card", "facilitation/domain.py",
     "    if len(text) > MAX_CARD_LENGTH:", "    if len(text) > MAX_CARD_LENGTH + 1:", "tests/test_commands.py tests/test_fuzz.py"),
    ("limits: one card more per minute", "facilitation/commands/core.py",
     "        if len(hits) >= self.limit:", "        if len(hits) > self.limit:", "tests/test_commands.py tests/test_hardening.py"),
    ("limits: 4-letter words hold inside longer ones", "facilitation/holds.py",
     "    if len(form) >= 5:", "    if len(form) >= 4:", "tests/test_holds.py"),
    ("dates: the purge a day late", "facilitation/store.py",
     "signup_delete_on != '' AND signup_delete_on <= ?", "signup_delete_on != '' AND signup_delete_on < ?", "tests/test_follow_up.py"),
    ("dates: setting today keeps the sign-ups", "facilitation/commands/signups.py",
     "    if day and day <= today():", "    if day and day < today():", "tests/test_follow_up.py"),
    ("replay: the snapshot one change later", "facilitation/views.py",
     "last - since > MAX_REPLAY", "last - since > MAX_REPLAY + 1", "tests/test_views.py tests/test_realtime.py"),
]
shutil.copytree(SRC, WORK, ignore=shutil.ignore_patterns(".git", ".venv", "data", "__pycache__", ".hypothesis"), symlinks=True)
(WORK / ".venv").symlink_to(SRC / ".venv")
ONLY = os.environ.get("ONLY")
for label, rel, old, new, tests in MUTANTS:
    if ONLY and ONLY not in label:
        continue
    path = WORK / rel
    text = path.read_text()
    assert text.count(old) == 1, (label, text.count(old))
    path.write_text(text.replace(old, new))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n0", "-p", "no:cacheprovider", *tests.split()],
                         cwd=WORK, capture_output=True, text=True)
    path.write_text(text)
    failed = [l for l in run.stdout.splitlines() if l.startswith("FAILED")]
    print(f"{'caught ' if run.returncode else 'MISSED '} {label}: {failed[0][7:110] if failed else ''}", flush=True)
shutil.rmtree(WORK.parent)

"""Fuzz every command and every page with hostile values; count `internal` acks and HTTP 500s.

    .venv/bin/python bench/fuzz.py [--per-command 200] [--seed 1]

Each registered command is sent by every role (lead, moderator, phone, wall)
through the real Socket.IO handlers, with payloads built from valid ones by
swapping values for wrong types, huge and negative numbers, digit-like
characters, lone surrogates, noncharacters, long strings and nesting. Every
page and form is requested with the same values in paths, query strings and
form fields. Both must give a clear refusal, never `internal` and never 500.
Prints the counts; exits 1 when any `internal` ack or 500 was seen.
"""
from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HOSTILE = [
    None, True, False, 0, -1, 1, 2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 1.5, float("inf"), float("nan"),
    "", " ", "0", "-1", "²", "١٢", "1e3", "0x10", "1" * 40, "a" * 10_000, "\ud800", "x\udfffy", "\ufffe\uffff",
    "\x00\x01", "<script>alert(1)</script>", "../x", "%00", "'; DROP TABLE cards; --", "=HYPERLINK(1)",
    [], [1, 2], {}, {"a": {"b": [None]}}, str(uuid.uuid4()), "round:99", "market", "pre", "results",
]


def mutations(valid: dict, rng: random.Random) -> dict:
    """A payload like ``valid`` with one to three values replaced (or keys added) by hostile ones."""
    payload = dict(valid)
    keys = list(payload) + ["id", "text", "question", "result", "table", "phase", "minutes", "mode", "since", "cards"]
    for _ in range(rng.randint(1, 3)):
        payload[rng.choice(keys)] = rng.choice(HOSTILE)
    return payload


# Socket.IO reads besides `sync` (no command, nothing logged), with a plausible payload.
READS = {
    "suggest": lambda event: {"suggest": {"table": event["tables"][0]}},
    "likely": lambda event: {"likely": {"card": event["card"]}},
}


def valid_payloads(event: dict) -> dict[str, dict]:
    """A plausible payload per command, the start of every mutation."""
    t, q = event["tables"][0], event["questions"][event["tables"][0]][0]
    card, result = event["card"], event["result"]
    return {
        "card:post": {"id": str(uuid.uuid4()), "question": q, "text": "Karte"},
        "card:edit": {"id": card, "text": "neu"}, "card:withdraw": {"id": card}, "card:hide": {"id": card},
        "card:show": {"id": card}, "table:rename": {"table": t, "name": "Tisch"},
        "question:edit": {"question": q, "text": "Frage?"},
        "result:create": {"id": str(uuid.uuid4()), "kind": "project_idea", "title": "T", "cards": [card]},
        "result:update": {"id": result, "title": "T2"}, "result:delete": {"id": result},
        "result:move": {"id": result, "before": None}, "result:merge": {"source": result, "target": result},
        "result:unmerge": {"id": result}, "card:assign": {"id": card, "result": result}, "undo": {},
        "wall:mode": {"mode": "results"}, "event:configure": {"rounds": 3, "round_minutes": 10, "dots": 3},
        "phase:set": {"phase": "round:1"}, "timer:start": {}, "timer:pause": {}, "timer:add": {"minutes": 1},
        "timer:stop": {}, "moderation:set": {"mode": "pre"}, "voting:open": {}, "voting:close": {},
        "vote:add": {"id": str(uuid.uuid4()), "result": result}, "vote:remove": {"id": str(uuid.uuid4())},
        "event:update": {"title": "T", "date": "heute", "place": "hier"}, "event:close": {}, "event:archive": {},
        "event:reopen": {}, "event:create": {"template": "gmuend", "title": "Neu", "table_count": 3,
                                             "questions": ["Was läuft gut?"], "dialog": "same"},
        "event:import": {"data": {"format": "tischrunde-event", "version": 1}},
        "event:delete": {"confirm": "nicht der Titel"}, "link:replace": {"role": "moderator", "table": t},
        "card:translate": {"id": card, "translation": "Übersetzung", "lang": "ar"},
        "card:record": {"id": str(uuid.uuid4()), "question": q, "text": "Für jemanden", "lang": "fa", "translation": "x"},
        "text:translate": {"kind": "table", "id": t, "lang": "ar", "text": "طاولة"},
        "result:follow": {"id": result, "responsible": "Jobcenter", "due": "2027-03-31", "progress": "not_feasible",
                          "reason": "kein Geld"},
        "news:add": {"result": result, "id": str(uuid.uuid4()), "text": "Gespräch mit dem Amt"},
        "news:remove": {"result": result, "id": str(uuid.uuid4())},
        "actors:set": {"actors": ["Jobcenter", "Schulen"]},
        "signup:add": {"result": result, "name": "Aylin", "contact": "0171 1234567", "consent": True},
        "signup:remove": {"result": result}, "signup:set": {"id": result, "signup": "open"},
        "signups:delete_on": {"date": "2027-12-31"},
        "template:save": {"name": "Vorlage"},
        "affiliation:set": {"affiliation": "refugee"}, "method:set": {"mandate": "Auftrag", "rules": "1. Zuhören"},
        "vote:paper": {"result": result, "votes": 3},
        "wall:spotlight": {"kind": "card", "id": card}, "wall:focus": {"table": t},
        "card:react": {"id": card, "on": True}, "cards:reveal": {"table": t},
    }


def setup(tmp: Path):
    """An app on a fresh database with an event, a card and a result; clients for every role."""
    from facilitation import commands_of, create_app, socketio_of
    from facilitation.domain import ADMIN, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, Actor

    app = create_app({"DATABASE": str(tmp / "fuzz.db"), "DATA_DIR": tmp, "SECRET_KEY": "fuzz",
                      "CARDS_PER_MINUTE": 10**6, "EDITS_PER_MINUTE": 10**6, "DOTS_PER_MINUTE": 10**6})
    commands = commands_of(app)
    commands.run("event:create", Actor(ADMIN, "fuzz"), {"template": "gmuend", "title": "Fuzz", "id": "fuzz"})
    tables = [t["id"] for t in commands.store.tables("fuzz")]
    questions = {t: [q["id"] for q in commands.store.questions("fuzz") if q["table_id"] == t] for t in tables}
    card = str(uuid.uuid4())
    commands.run("card:post", Actor(PARTICIPANT, "fuzz", tables[0], "seed"), {"id": card, "question": questions[tables[0]][0], "text": "Saat"})
    result = str(uuid.uuid4())
    commands.run("result:create", Actor(MODERATOR, "fuzz", tables[0], "m"), {"id": result, "kind": "solution", "title": "R"})
    event = {"id": "fuzz", "tables": tables, "questions": questions, "card": card, "result": result}
    sio = socketio_of(app)

    def client(path: str, auth: dict):
        http = app.test_client()
        http.get(path)
        return sio.test_client(app, flask_test_client=http, auth=auth)

    t = tables[0]
    clients = {
        "lead": client(f"/e/fuzz/lead?k={commands.token('fuzz', LEAD)}", {"event": "fuzz", "role": "lead"}),
        "moderator": client(f"/e/fuzz/m/{t}?k={commands.token('fuzz', MODERATOR, t)}", {"event": "fuzz", "role": "moderator", "table": t}),
        "phone": client(f"/e/fuzz/t/{t}", {"event": "fuzz", "role": "participant", "table": t}),
        "wall": sio.test_client(app, auth={"event": "fuzz", "role": "wall"}),
        "interpreter": client(f"/e/fuzz/i?k={commands.token('fuzz', INTERPRETER)}", {"event": "fuzz", "role": "interpreter"}),
    }
    return app, commands, event, clients


HTTP_PATHS = [
    "/", "/healthz", "/e/{v}", "/e/fuzz/t/{v}", "/e/fuzz/t/1?lang={v}", "/e/fuzz/m/1?k={v}", "/e/fuzz/lead?k={v}",
    "/e/fuzz/lead?k={v}&event_id=x&lang=en", "/e/fuzz/wall", "/e/fuzz/qr.svg", "/e/fuzz/t/1/qr.svg",
    "/e/fuzz/lead/export.{v}", "/e/fuzz/lead/record?internal={v}", "/e/{v}/lead/posters",
]
HTTP_FORMS = ["/e/fuzz/t/1/cards", "/e/fuzz/t/1/cards/{v}/edit", "/e/fuzz/t/1/cards/{v}/withdraw",
              "/e/fuzz/lead/delete", "/e/fuzz/lead/events", "/e/fuzz/lead/links"]


def text_of(value) -> str:
    return value if isinstance(value, str) else repr(value)


def url_bytes(text: str) -> str:
    """Percent-encoded as a broken client would send it (lone surrogates included)."""
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def fuzz(per_command: int = 200, seed: int = 1, quiet: bool = False) -> dict:
    """Run the fuzz; returns the counts."""
    logging.getLogger("facilitation").setLevel(logging.CRITICAL)
    rng = random.Random(seed)
    from facilitation.commands import COMMANDS

    counts = {"commands_sent": 0, "refused": 0, "ok": 0, "internal": 0, "no_ack": 0, "skipped": 0,
              "http_requests": 0, "http_500": 0}
    for name in sorted(COMMANDS) + sorted(READS):
        # Each command on a fresh event: one that closes the event or replaces a link
        # must not leave the next command nothing to try.
        with tempfile.TemporaryDirectory() as tmp:
            app, commands, event, clients = setup(Path(tmp))
            payloads = valid_payloads(event)
            assert set(payloads) == set(COMMANDS), set(COMMANDS) ^ set(payloads)
            payloads.update(READS[name](event) if name in READS else {})
            for n in range(per_command):
                role = rng.choice(list(clients))
                if not clients[role].is_connected():
                    counts["skipped"] += 1
                    continue
                payload = mutations(payloads[name], rng) if n else payloads[name]
                if rng.random() < 0.05:
                    payload = rng.choice(HOSTILE)  # not even an object
                count_ack(counts, clients[role].emit(name, payload, callback=True), f"{role} {name} {payload!r}"[:200], quiet)
            for sync in ({"since": rng.choice(HOSTILE)}, rng.choice(HOSTILE), {"page": rng.choice(HOSTILE)},
                         {"page": [rng.choice(HOSTILE), rng.choice(HOSTILE)]}):
                count_ack(counts, clients["wall"].emit("sync", sync, callback=True), f"sync {sync!r}"[:200], quiet)
            commands.store.close()
    with tempfile.TemporaryDirectory() as tmp:
        app, commands, event, clients = setup(Path(tmp))
        http = app.test_client()
        http.get("/e/fuzz/t/1")
        for _ in range(per_command * 5):
            value = url_bytes(text_of(rng.choice(HOSTILE))[:300])
            if rng.random() < 0.5:
                response = http.get(rng.choice(HTTP_PATHS).format(v=value))
            else:
                fields = rng.sample(["id", "question", "text", "name", "confirm", "role", "table", "template", "title", "csrf_token"], 4)
                body = "&".join(f"{k}={url_bytes(text_of(rng.choice(HOSTILE))[:2000])}" for k in fields)
                response = http.post(rng.choice(HTTP_FORMS).format(v=value), data=body,
                                     content_type="application/x-www-form-urlencoded",
                                     headers={"Origin": "http://localhost"})
            counts["http_requests"] += 1
            if response.status_code >= 500:
                counts["http_500"] += 1
                if not quiet:
                    print("500:", response.request.path)
        commands.store.close()
    return counts


def count_ack(counts: dict, ack, what: str, quiet: bool) -> None:
    """Count one ack: ok, refused with a reason, internal, or none at all."""
    counts["commands_sent"] += 1
    if not isinstance(ack, dict):
        counts["no_ack"] += 1
    elif ack.get("ok"):
        counts["ok"] += 1
    elif ack["error"]["code"] == "internal":
        counts["internal"] += 1
        if not quiet:
            print("internal:", what)
    else:
        counts["refused"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-command", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = fuzz(args.per_command, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["internal"] or counts["http_500"] or counts["no_ack"] else 0)


if __name__ == "__main__":
    main()

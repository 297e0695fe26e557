"""One view for every reader: state before + the changes broadcast = state after, for every
registered command and every audience; a replay gives the same; nothing hidden leaks."""
from __future__ import annotations

import uuid

import pytest
from conftest import KEEP_UNTIL, changes
from node import run_js

from facilitation import views
from facilitation.changes import CHANGE_TYPES
from facilitation.commands import COMMANDS
from facilitation.domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, WALL, Actor

# Commands that are not steps of the evening below, and the test that covers each.
ELSEWHERE = {
    "event:import": "admin only (command line): tests/test_export.py",
    "event:delete": "ends the event: test_deleting_an_event_tells_every_screen",
    "link:replace": "closes connections: tests/test_hardening.py",
}


def state_of(snapshot: dict) -> dict:
    """What a screen shows, from a snapshot (the participant's own cards and dots aside)."""
    return {
        "event": snapshot["event"],
        "tables": {t["id"]: t for t in snapshot["tables"]},
        "questions": {q["id"]: q for q in snapshot["questions"]},
        "cards": {c["id"]: c for c in snapshot["cards"]},
        "results": {r["id"]: r for r in snapshot["results"]},
        "tallies": {k: v for k, v in snapshot["tallies"].items() if v},
    }


def live_js_states(cases: list[tuple[dict, list[dict]]]) -> list[dict]:
    """What live.js's own rule (loadSnapshot, then applyChange for each change) makes of each
    (snapshot, changes) case, run under Node, as state_of shows it."""
    states = run_js("apply_changes.js", [{"snapshot": snap, "changes": list(changed)} for snap, changed in cases])
    return [_shown(state) for state in states]


def _shown(state: dict) -> dict:
    """A live.js state in state_of's shape."""
    return {
        "event": state["event"],
        "tables": {t["id"]: t for t in state["tables"]},
        "questions": {q["id"]: q for q in state["questions"]},
        "cards": {c["id"]: c for c in state["cards"].values()},
        "results": {r["id"]: r for r in state["results"].values()},
        "tallies": {k: v for k, v in state["tallies"].items() if v},
    }


def snapshot(client) -> dict:
    ack = client.emit("sync", {"since": 0}, callback=True)
    assert ack["ok"], ack
    return ack["snapshot"]


def evening(ids: dict, event: dict) -> list[tuple[str, str, object]]:
    """(who, command, payload) steps that run every command once at least, in an order that works."""
    t0, t1 = event["tables"][0], event["tables"][1]
    q0 = event["questions"][t0][0]

    def card(key, table=t0, q=None, text="Mehr Bänke"):
        ids[key] = str(uuid.uuid4())
        return {"id": ids[key], "question": q or event["questions"][table][0], "text": text}

    def result(key, title, cards=()):
        ids[key] = str(uuid.uuid4())
        return {"id": ids[key], "kind": "project_idea", "title": title, "cards": [ids[c] for c in cards]}

    return [
        ("phone0", "card:post", lambda: card("a")),
        ("phone1", "affiliation:set", lambda: {"affiliation": "refugee"}),
        ("phone0", "card:post", lambda: card("b", text="Telefon 0171 1234567")),
        ("phone1", "card:post", lambda: card("c", table=t1, text="Sprachkurs am Abend")),
        ("phone0", "card:post", lambda: card("d", text="zurückziehen")),
        ("phone0", "card:edit", lambda: {"id": ids["a"], "text": "Mehr Bänke, bitte"}),
        ("mod0", "card:hide", lambda: {"id": ids["b"]}),
        ("mod0", "card:edit", lambda: {"id": ids["b"], "text": "Telefon entfernt"}),
        ("mod0", "card:show", lambda: {"id": ids["b"]}),
        ("phone0", "card:withdraw", lambda: {"id": ids["d"]}),
        ("phone1", "card:post", lambda: {**card("f", table=t1, text="نحتاج إلى دروس لغة"), "lang": "de"}),
        ("interpreter", "card:translate", lambda: {"id": ids["f"], "translation": "Wir brauchen Sprachkurse"}),
        ("mod1", "card:translate", lambda: {"id": ids["f"], "translation": "Wir brauchen Sprachunterricht", "lang": "ar"}),
        ("mod0", "card:record", lambda: {"id": str(uuid.uuid4()), "question": q0, "text": "Mehr Kitaplätze", "name": "Frau K."}),
        ("watcher", "card:react", lambda: {"id": ids["a"]}),
        ("watcher", "card:react", lambda: {"id": ids["a"], "on": False}),
        ("mod0", "wall:spotlight", lambda: {"kind": "card", "id": ids["a"]}),
        ("lead", "wall:spotlight", lambda: {}),
        ("lead", "wall:focus", lambda: {"table": t1}),
        ("lead", "event:configure", lambda: {"private_writing": True}),
        ("phone0", "card:post", lambda: card("g", text="Erst einmal nur für mich")),
        ("mod0", "cards:reveal", lambda: {}),
        ("lead", "event:configure", lambda: {"private_writing": False}),
        ("lead", "table:rename", lambda: {"table": t0, "name": "Wohnen"}),
        ("lead", "question:edit", lambda: {"question": q0, "text": "Was gelingt?"}),
        ("mod0", "result:create", lambda: result("r1", "Bänke", ["a"])),
        ("mod0", "result:create", lambda: result("r2", "Telefon", ["b"])),
        ("mod0", "result:update", lambda: {"id": ids["r1"], "title": "Sitzbänke", "contact": "Amt 12"}),
        ("mod0", "card:assign", lambda: {"id": ids["b"], "result": ids["r1"]}),
        ("mod0", "result:move", lambda: {"id": ids["r2"], "before": ids["r1"]}),
        ("mod0", "undo", lambda: {}),
        ("mod1", "result:create", lambda: result("r3", "Sprache", ["c"])),
        ("lead", "result:merge", lambda: {"source": ids["r3"], "target": ids["r1"]}),
        ("lead", "result:unmerge", lambda: {"id": ids["r3"]}),
        ("mod0", "result:merge", lambda: {"source": ids["r2"], "target": ids["r1"]}),
        ("interpreter", "text:translate", lambda: {"kind": "table", "id": t0, "lang": "ar", "text": "السكن"}),
        ("lead", "text:translate", lambda: {"kind": "question", "id": q0, "lang": "fa", "text": "چه چیزی خوب است؟"}),
        ("mod0", "text:translate", lambda: {"kind": "result", "id": ids["r1"], "lang": "uk", "text": "Лавки"}),
        ("mod0", "vote:paper", lambda: {"result": ids["r1"], "votes": 4}),
        ("mod0", "result:create", lambda: result("r4", "Kurz da")),
        ("mod0", "result:delete", lambda: {"id": ids["r4"]}),
        ("lead", "wall:mode", lambda: {"mode": "results"}),
        ("lead", "event:configure", lambda: {"dots": 5, "rounds": 3, "languages": ["ar", "fa", "en"]}),
        ("lead", "moderation:set", lambda: {"mode": "pre"}),
        ("phone0", "card:post", lambda: card("e", text="wartet")),
        ("lead", "moderation:set", lambda: {"mode": "post"}),
        ("mod1", "moderation:set", lambda: {"mode": "pre"}),  # one table's own mode
        ("phone1", "card:post", lambda: card("f", table=t1, text="wartet am Tisch")),
        ("mod1", "moderation:set", lambda: {"mode": "event", "queue": "release"}),
        ("lead", "phase:set", lambda: {"phase": "round:1"}),
        ("lead", "timer:start", lambda: {}),
        ("lead", "timer:pause", lambda: {}),
        ("lead", "timer:add", lambda: {"minutes": 2}),
        ("lead", "timer:stop", lambda: {}),
        ("lead", "phase:set", lambda: {"phase": "market"}),
        ("phone0", "vote:add", lambda: {"id": str(uuid.uuid4()), "result": ids["r1"]}),
        ("phone1", "vote:add", lambda: (ids.__setitem__("v", str(uuid.uuid4())), {"id": ids["v"], "result": ids["r3"]})[1]),
        ("phone1", "vote:remove", lambda: {"id": ids["v"]}),
        ("lead", "voting:close", lambda: {}),
        ("lead", "voting:open", lambda: {}),
        ("lead", "event:update", lambda: {"title": "Dialog", "date": "26.11.2026", "place": "Rathaus"}),
        ("lead", "event:close", lambda: {}),
        # After the evening: the follow-up goes on while the event is closed.
        ("lead", "actors:set", lambda: {"actors": ["Kommunalverwaltung", "Jobcenter", "Bürgerverein Hardt"]}),
        ("lead", "result:follow", lambda: {"id": ids["r1"], "responsible": "Bürgerverein Hardt", "due": "2027-03-31",
                                           "progress": "in_progress"}),
        ("lead", "news:add", lambda: (ids.__setitem__("n", str(uuid.uuid4())),
                                      {"result": ids["r1"], "id": ids["n"], "text": "Erste Bank steht"})[1]),
        ("follower", "news:add", lambda: {"result": ids["r1"], "id": str(uuid.uuid4()), "text": "Zweite folgt im Mai"}),
        ("follower", "result:follow", lambda: {"id": ids["r1"], "progress": "done"}),
        ("lead", "signups:delete_on", lambda: {"date": KEEP_UNTIL}),
        ("lead", "method:set", lambda: {"mandate": "Wie gelingt Ankommen?"}),
        ("lead", "template:save", lambda: {"name": "Unser Abend"}),
        ("lead", "signup:set", lambda: {"id": ids["r1"], "signup": "open"}),
        ("phone0", "signup:add", lambda: {"result": ids["r1"], "name": "Aylin", "contact": "aylin@example.org", "consent": True}),
        ("phone0", "signup:remove", lambda: {"result": ids["r1"]}),
        ("lead", "news:remove", lambda: {"result": ids["r1"], "id": ids["n"]}),
        ("lead", "event:archive", lambda: {}),
        ("lead", "event:reopen", lambda: {}),
        ("lead", "event:create", lambda: {"template": "blank", "title": "Nächstes Mal"}),
    ]


@pytest.fixture
def screens(clients):
    """One connection per audience, plus a second phone that only watches."""
    return {
        "lead": clients.lead(), "mod0": clients.moderator(0), "mod1": clients.moderator(1), "wall": clients.wall(),
        "phone0": clients.phone(0), "phone1": clients.phone(1), "watcher": clients.phone(0),
        "interpreter": clients.interpreter(), "follower": clients.follower(),
    }


def test_every_command_is_a_step_or_tested_elsewhere(event):
    steps = {name for _, name, _ in evening({}, event)}
    assert steps | set(ELSEWHERE) == set(COMMANDS)


def test_state_before_plus_changes_is_state_after_for_every_command_and_audience(event, screens):
    ids: dict = {}
    cases, expected, labels = [], [], []
    for who, name, payload in evening(ids, event):
        before = {key: snapshot(client) for key, client in screens.items()}
        for client in screens.values():
            client.get_received()
        ack = screens[who].emit(name, payload(), callback=True)
        assert ack["ok"], (name, ack)
        for key, client in screens.items():
            after = state_of(snapshot(client))
            cases.append((before[key], changes(client)))
            replay = client.emit("sync", {"since": before[key]["seq"]}, callback=True)
            cases.append((replay["snapshot"], []) if "snapshot" in replay else (before[key], replay["changes"]))
            expected += [after, after]
            labels += [f"{name}: live changes to {key}", f"{name}: replay to {key}"]
    for label, got, after in zip(labels, live_js_states(cases), expected):
        assert got == after, f"{label} disagree(s) with a fresh snapshot"
    # Every declared change type is sent by some command (and changes() checked each one).
    assert {change["type"] for _, sent in cases for change in sent} == set(CHANGE_TYPES)


def test_replay_never_carries_what_was_hidden_corrected_or_withdrawn(clients, event):
    phone, mod, wall = clients.phone(0), clients.moderator(0), clients.wall()
    q = event["questions"][event["tables"][0]][0]
    secret = {"hidden": "Beleidigung XY", "corrected": "Ruf an: 0171 1234567", "withdrawn": "Doch nicht"}
    ids = {}
    for key, text in secret.items():
        ids[key] = str(uuid.uuid4())
        assert phone.emit("card:post", {"id": ids[key], "question": q, "text": text, "name": "Ayşe"}, callback=True)["ok"]
    mod.emit("card:hide", {"id": ids["hidden"]}, callback=True)
    mod.emit("card:edit", {"id": ids["corrected"], "text": "Bitte an die Moderation wenden"}, callback=True)
    phone.emit("card:withdraw", {"id": ids["withdrawn"]}, callback=True)
    for client, sees_hidden in ((wall, False), (clients.phone(0), False), (mod, True), (clients.lead(), True)):
        sent = repr(client.emit("sync", {"since": 1}, callback=True))
        assert "0171" not in sent and "Doch nicht" not in sent
        assert ("Beleidigung" in sent) == sees_hidden
    # The log keeps references only: no old text to leak, even from a copied database.
    assert {row[0] for row in clients.commands.store.db.execute("SELECT data FROM changes")} == {"{}"}


def test_a_card_written_privately_travels_without_its_words_until_revealed(clients, event):
    """Private writing: the wall counts what is being written, other phones see nothing of it;
    only after the moderator reveals the table's cards do their words travel."""
    lead, mod, phone = clients.lead(), clients.moderator(0), clients.phone(0)
    wall, other = clients.wall(), clients.phone(0)
    assert lead.emit("event:configure", {"private_writing": True}, callback=True)["ok"]
    words = "Nur für mich, noch nicht für die Wand"
    q = event["questions"][event["tables"][0]][0]
    assert phone.emit("card:post", {"id": str(uuid.uuid4()), "question": q, "text": words}, callback=True)["ok"]
    for client in (wall, other):
        received = changes(client)
        assert any(c.get("card", {}).get("status") == "private" for c in received)  # counted on the wall
        assert words not in repr(received) and words not in repr(snapshot(client))
    assert words in repr(snapshot(mod))
    assert mod.emit("cards:reveal", {}, callback=True)["ok"]
    assert words in repr(changes(wall)) and words in repr(snapshot(other))


def test_a_client_at_most_max_replay_behind_gets_changes_one_further_a_snapshot(commands, event, monkeypatch):
    from conftest import card_payload, participant

    monkeypatch.setattr(views, "MAX_REPLAY", 3)
    wall = Actor(WALL, event["id"])
    commands.run("card:post", participant(event), card_payload(event, text="Davor"))  # since 0 is always a snapshot
    since = commands.store.last_seq(event["id"])
    for n in range(3):
        commands.run("card:post", participant(event), card_payload(event, text=f"Karte {n}"))
    assert "changes" in views.sync(commands.store, wall, {"since": since})  # exactly MAX_REPLAY behind
    commands.run("card:post", participant(event), card_payload(event, text="Karte 3"))
    assert "snapshot" in views.sync(commands.store, wall, {"since": since})


def test_deliveries_agree_with_view_for_every_actor(commands, event):
    """The rooms a change is sent to are exactly the actors view_for lets see it."""
    t0, t1 = event["tables"][0], event["tables"][1]
    actors = [Actor(LEAD, "test"), Actor(WALL, "test"), Actor(INTERPRETER, "test"), Actor(FOLLOWER, "test")] + [
        Actor(role, "test", t, "p") for role in (MODERATOR, PARTICIPANT) for t in (t0, t1)
    ]
    card = {"id": "c", "table_id": t0, "status": "hidden", "text": "x", "name": "", "author_id": "p", "event_id": "test"}
    result = {"id": "r", "table_id": t0, "status": "active", "contact": "c", "event_id": "test", "title": "t"}
    pending = {**card, "id": "p", "status": "pending"}
    table = {"id": t1, "position": 1, "name": "Arbeit", "moderation": "open", "i18n": {}}
    for change in ({"seq": 1, "type": "card.hidden", "table_id": t0, "card": card},
                   {"seq": 4, "type": "card.hidden", "table_id": t0, "card": pending},
                   {"seq": 2, "type": "result.created", "table_id": t0, "result": result},
                   {"seq": 3, "type": "vote.tally", "table_id": None, "tally": {"result_id": "r", "votes": 1}},
                   {"seq": 5, "type": "table.renamed", "table_id": None, "table": table}):
        sent = views.deliveries("test", change)
        for actor in actors:
            got = [view for rooms, view in sent if set(rooms) & set(views.rooms_of(actor))]
            expected = views.view_for(change, actor)
            assert got == ([expected] if expected is not None else []), (change, actor)


def test_deleting_an_event_tells_every_screen(clients, event, commands):
    wall, phone, lead = clients.wall(), clients.phone(0), clients.lead()
    ack = lead.emit("event:delete", {"confirm": "falsch"}, callback=True)
    assert ack["error"]["code"] == "confirm_mismatch" and commands.store.event(event["id"])
    ack = lead.emit("event:delete", {"confirm": "Bürgerdialog Test"}, callback=True)
    assert ack["ok"] and commands.store.event(event["id"]) is None
    for client in (wall, phone):
        assert any(msg["name"] == "deleted" for msg in client.get_received())


def test_one_audience_at_one_seq_shares_one_snapshot_and_a_change_makes_a_new_one(commands, event, monkeypatch):
    """Issue 13: 100 phones joining one table (or every wall) share one build of the state;
    any change (a new seq) builds anew, and an event made again under a deleted one's id
    never meets the old state."""
    from conftest import card_payload, create_event, participant

    commands.run("card:post", participant(event, pid="a"), card_payload(event, text="Erste Karte"))
    reads = []
    real = commands.store.cards
    monkeypatch.setattr(commands.store, "cards", lambda *a: reads.append(a) or real(*a))
    first = views.snapshot(commands.store, participant(event, pid="p1"))
    second = views.snapshot(commands.store, participant(event, pid="p2"))
    assert len(reads) == 1 and first["cards"] == second["cards"]
    assert second["mine"] == [] and len(first["cards"]) == 1
    commands.run("card:post", participant(event, pid="a"), card_payload(event, text="Zweite Karte"))
    third = views.snapshot(commands.store, participant(event, pid="p3"))
    assert len(reads) == 2 and [c["text"] for c in third["cards"]] == ["Erste Karte", "Zweite Karte"]
    commands.run("event:delete", Actor(LEAD, event["id"]), {"confirm": "Bürgerdialog Test"})
    create_event(commands, "gmuend", "Bürgerdialog Test", event["id"])
    tables = commands.store.tables(event["id"])
    renewed = {"id": event["id"], "tables": [t["id"] for t in tables],
               "questions": {t["id"]: [q["id"] for q in commands.store.questions(event["id"]) if q["table_id"] == t["id"]]
                             for t in tables}}
    for text in ("Neu eins", "Neu zwei"):  # the same seq as the old event's last snapshot
        commands.run("card:post", participant(renewed, pid="b"), card_payload(renewed, text=text))
    again = views.snapshot(commands.store, participant(renewed, pid="p1"))
    assert again["seq"] == third["seq"] and [c["text"] for c in again["cards"]] == ["Neu eins", "Neu zwei"]


def test_a_paged_snapshot_plus_the_changes_meanwhile_is_the_state_after(clients, commands, event, monkeypatch):
    """Issue 13: a wall's snapshot comes in pages so one sync never holds up the server for
    long. Cards changed, hidden or posted between the pages end as they are on the server
    once the changes buffered meanwhile are applied (as live.js does)."""
    from conftest import card_payload, changes

    monkeypatch.setattr(views, "SNAPSHOT_PAGE", 2)
    phone, mod = clients.phone(0), clients.moderator(0)
    posted = [card_payload(event, text=f"Karte {n}") for n in range(5)]
    for payload in posted:
        assert phone.emit("card:post", payload, callback=True)["ok"]
    wall = clients.wall()
    wall.get_received()
    first = wall.emit("sync", {"since": 0}, callback=True)
    snap = first["snapshot"]
    assert len(snap["cards"]) == 2 and snap["more"]
    # Meanwhile: a card of the first page edited, one of a later page hidden, a new one posted.
    mod.emit("card:edit", {"id": posted[0]["id"], "text": "Karte 0, berichtigt"}, callback=True)
    mod.emit("card:hide", {"id": posted[3]["id"]}, callback=True)
    assert phone.emit("card:post", card_payload(event, text="Karte 5"), callback=True)["ok"]
    more, pages = snap["more"], 0
    while more:
        page = wall.emit("sync", {"page": more}, callback=True)
        assert page["ok"] and len(page["cards"]) <= 2
        snap["cards"] += page["cards"]
        more, pages = page["more"], pages + 1
    assert pages >= 2 and len({c["id"] for c in snap["cards"]}) == len(snap["cards"])  # no card twice
    [state] = live_js_states([(snap, [c for c in changes(wall) if c["seq"] > snap["seq"]])])
    assert state == state_of(views.snapshot(commands.store, Actor(WALL, event["id"])))
    assert "Karte 0, berichtigt" in repr(state) and "Karte 3" not in repr(state) and "Karte 5" in repr(state)
    for page in (["x", 1], [2 ** 64, posted[0]["id"]], [1.0, "x\udfffy"], [float("nan"), posted[0]["id"]]):
        refused = wall.emit("sync", {"page": page}, callback=True)  # bench/fuzz.py found the first two
        assert refused["error"]["code"] == "invalid_payload", page

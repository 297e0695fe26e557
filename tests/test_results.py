"""Clustering cards into results: every action, every refusal, races, undo."""
from __future__ import annotations

import threading
import uuid

import pytest
from conftest import card_payload, changes, create_event, lead, participant
from test_commands import count_rows, refused

from facilitation import views
from facilitation.commands.results import suggest
from facilitation.domain import Actor


def post_cards(commands, event, n, table_index=0):
    ids = []
    for i in range(n):
        payload = card_payload(event, table_index=table_index, question_index=i % 3, text=f"Karte {i}")
        commands.run("card:post", participant(event, table_index, pid=f"p{i}"), payload)
        ids.append(payload["id"])
    return ids


def new_result(commands, actor, **fields):
    payload = {"id": str(uuid.uuid4()), "kind": "project_idea", "title": "Bürgerbus", **fields}
    commands.run("result:create", actor, payload)
    return payload["id"]


def placement(commands, card_id):
    card = commands.store.card(card_id)
    return card["result_id"], card["rank"]


def order_in(commands, result_id):
    return [c["id"] for c in commands.store.cards_of_result(result_id)]


def mod_actor(event, table_index=0, device="tablet-1"):
    return Actor("moderator", event["id"], event["tables"][table_index], device)


def test_create_result_with_all_fields_and_cards(commands, event):
    cards = post_cards(commands, event, 3)
    payload = {
        "id": str(uuid.uuid4()), "kind": "round_table", "title": "Runder Tisch Wohnen",
        "description": "Vermieter und Stadt an einen Tisch", "next_step": "Termin im März",
        "contact": "Frau Yilmaz, Amt für Wohnen", "cards": cards[:2],
    }
    result = commands.run("result:create", mod_actor(event), payload)
    stored = commands.store.result(payload["id"])
    assert (stored["kind"], stored["title"], stored["contact"]) == ("round_table", "Runder Tisch Wohnen", "Frau Yilmaz, Amt für Wohnen")
    assert order_in(commands, payload["id"]) == cards[:2]
    assert placement(commands, cards[2])[0] is None
    assert [c["type"] for c in result.changes] == ["result.created", "card.moved", "card.moved"]
    again = commands.run("result:create", mod_actor(event), payload)
    assert again.changes == [] and again.ack["duplicate"] is True
    assert count_rows(commands, "results") == 1


@pytest.mark.parametrize(
    "change, code",
    [
        ({"kind": "wish"}, "unknown_kind"),
        ({"kind": None}, "unknown_kind"),
        ({"title": " "}, "title_empty"),
        ({"title": "x" * 121}, "title_too_long"),
        ({"description": "x" * 1001}, "title_too_long"),
        ({"addressee": "kommune"}, "forbidden"),
        ({"id": "nope"}, "invalid_payload"),
        ({"cards": "abc"}, "invalid_payload"),
        ({"cards": [str(uuid.uuid4())]}, "unknown_card"),
    ],
)
def test_bad_result_input_changes_nothing(commands, event, change, code):
    payload = {"id": str(uuid.uuid4()), "kind": "project_idea", "title": "T", **change}
    refused(code, commands.run, "result:create", mod_actor(event), payload)
    assert count_rows(commands, "results") == 0 and count_rows(commands, "undo_log") == 0


def test_card_of_another_table_cannot_join_a_result(commands, event):
    other = post_cards(commands, event, 1, table_index=1)
    payload = {"id": str(uuid.uuid4()), "kind": "project_idea", "title": "T", "cards": other}
    refused("forbidden", commands.run, "result:create", mod_actor(event), payload)  # not this moderator's card
    refused("other_table", commands.run, "result:create", lead(event), {**payload, "table": event["tables"][0]})
    result_id = new_result(commands, mod_actor(event))
    refused("other_table", commands.run, "card:assign", lead(event), {"id": other[0], "result": result_id})
    assert placement(commands, other[0])[0] is None


def test_moderator_of_table_a_cannot_act_on_table_b(commands, event):
    result_b = new_result(commands, mod_actor(event, 1))
    card_b = post_cards(commands, event, 1, table_index=1)[0]
    mod_a = mod_actor(event, 0)
    refused("forbidden", commands.run, "result:update", mod_a, {"id": result_b, "title": "x"})
    refused("forbidden", commands.run, "result:delete", mod_a, {"id": result_b})
    refused("forbidden", commands.run, "card:assign", mod_a, {"id": card_b, "result": result_b})
    refused("forbidden", commands.run, "result:move", mod_a, {"id": result_b})
    assert commands.store.result(result_b)["title"] == "Bürgerbus"


def test_participants_and_walls_cannot_cluster(commands, event):
    card = post_cards(commands, event, 1)[0]
    result_id = new_result(commands, mod_actor(event))
    for actor in (participant(event), Actor("wall", event["id"])):
        refused("forbidden", commands.run, "result:create", actor, {"id": str(uuid.uuid4()), "kind": "solution", "title": "x"})
        refused("forbidden", commands.run, "card:assign", actor, {"id": card, "result": result_id})
        refused("forbidden", commands.run, "undo", actor, {})
    refused("forbidden", suggest, commands, participant(event), {})


def test_result_of_another_event_is_unknown(commands, event):
    other_event = create_event(commands, "gmuend", "Anderswo")
    other_table = commands.store.tables(other_event)[0]["id"]
    foreign = str(uuid.uuid4())
    commands.run("result:create", Actor("lead", other_event), {"id": foreign, "table": other_table, "kind": "solution", "title": "x"})
    card = post_cards(commands, event, 1)[0]
    refused("unknown_result", commands.run, "card:assign", lead(event), {"id": card, "result": foreign})
    refused("unknown_result", commands.run, "result:update", lead(event), {"id": foreign, "title": "y"})
    refused("unknown_result", commands.run, "result:merge", lead(event), {"source": foreign, "target": new_result(commands, lead(event) , table=event["tables"][0])})


def test_update_changes_only_the_fields_sent(commands, event):
    result_id = new_result(commands, mod_actor(event), description="alt")
    commands.run("result:update", mod_actor(event, device="tablet-2"), {"id": result_id, "title": "Neuer Titel"})
    commands.run("result:update", mod_actor(event), {"id": result_id, "next_step": "Antrag stellen"})
    stored = commands.store.result(result_id)
    assert (stored["title"], stored["description"], stored["next_step"]) == ("Neuer Titel", "alt", "Antrag stellen")
    assert commands.run("result:update", mod_actor(event), {"id": result_id, "title": "Neuer Titel"}).changes == []


def test_assign_reorder_and_split_out(commands, event):
    a, b, c = post_cards(commands, event, 3)
    result_id = new_result(commands, mod_actor(event))
    for card in (a, b, c):
        commands.run("card:assign", mod_actor(event), {"id": card, "result": result_id})
    assert order_in(commands, result_id) == [a, b, c]
    commands.run("card:assign", mod_actor(event), {"id": c, "result": result_id, "before": a})
    assert order_in(commands, result_id) == [c, a, b]
    commands.run("card:assign", mod_actor(event), {"id": a, "result": None})  # split out
    assert order_in(commands, result_id) == [c, b]
    assert placement(commands, a)[0] is None
    gone = str(uuid.uuid4())
    commands.run("card:assign", mod_actor(event), {"id": a, "result": result_id, "before": gone})  # before a vanished card: last
    assert order_in(commands, result_id) == [c, b, a]


def test_move_results(commands, event):
    first, second, third = (new_result(commands, mod_actor(event), title=t) for t in ("Eins", "Zwei", "Drei"))
    commands.run("result:move", mod_actor(event), {"id": third, "before": first})
    assert [r for r, _ in commands.store.result_ranks(event["tables"][0])] == [third, first, second]
    commands.run("result:move", mod_actor(event), {"id": third})
    assert [r for r, _ in commands.store.result_ranks(event["tables"][0])] == [first, second, third]


def test_merge_at_one_table_moves_cards_and_removes_source(commands, event):
    a, b, c = post_cards(commands, event, 3)
    target = new_result(commands, mod_actor(event), cards=[a])
    source = new_result(commands, mod_actor(event), title="Doppelt", cards=[b, c])
    result = commands.run("result:merge", mod_actor(event), {"source": source, "target": target})
    assert order_in(commands, target) == [a, b, c]
    assert commands.store.result(source)["status"] == "deleted"
    assert result.changes[-1]["type"] == "result.deleted"
    refused("same_result", commands.run, "result:merge", mod_actor(event), {"source": target, "target": target})
    refused("unknown_result", commands.run, "result:merge", mod_actor(event), {"source": source, "target": target})


def test_cross_table_merge_is_the_leads_and_keeps_cards_at_their_table(commands, event):
    card_a = post_cards(commands, event, 1, table_index=0)[0]
    card_b = post_cards(commands, event, 1, table_index=1)[0]
    result_a = new_result(commands, mod_actor(event, 0), cards=[card_a])
    result_b = new_result(commands, mod_actor(event, 1), cards=[card_b])
    refused("forbidden", commands.run, "result:merge", mod_actor(event, 0), {"source": result_a, "target": result_b})
    commands.run("result:merge", lead(event), {"source": result_a, "target": result_b})
    stored = commands.store.result(result_a)
    assert (stored["status"], stored["merged_into"]) == ("merged", result_b)
    assert placement(commands, card_a)[0] == result_a  # the card stays where it was
    refused("unknown_result", commands.run, "card:assign", mod_actor(event, 0), {"id": card_a, "result": result_a})
    commands.run("result:unmerge", lead(event), {"id": result_a})
    assert commands.store.result(result_a)["status"] == "active"


def test_lead_sets_addressee_moderator_may_not(commands, event):
    result_id = new_result(commands, mod_actor(event))
    refused("forbidden", commands.run, "result:update", mod_actor(event), {"id": result_id, "addressee": "land"})
    refused("unknown_addressee", commands.run, "result:update", lead(event), {"id": result_id, "addressee": "mars"})
    commands.run("result:update", lead(event), {"id": result_id, "addressee": "kommune"})
    assert commands.store.result(result_id)["addressee"] == "kommune"


def test_delete_result_returns_cards_to_unsorted(commands, event):
    a, b = post_cards(commands, event, 2)
    result_id = new_result(commands, mod_actor(event), cards=[a, b])
    commands.run("result:delete", mod_actor(event), {"id": result_id})
    assert placement(commands, a)[0] is None and placement(commands, b)[0] is None
    refused("unknown_result", commands.run, "result:update", mod_actor(event), {"id": result_id, "title": "x"})


def test_undo_takes_back_this_devices_last_action_only(commands, event):
    a, b = post_cards(commands, event, 2)
    mine, other = mod_actor(event, device="tablet-1"), mod_actor(event, device="tablet-2")
    result_id = new_result(commands, mine, cards=[a])
    commands.run("card:assign", other, {"id": b, "result": result_id})
    commands.run("result:update", mine, {"id": result_id, "title": "Umbenannt"})
    undone = commands.run("undo", mine, {})
    assert undone.ack["undone"] == "result.updated"
    assert commands.store.result(result_id)["title"] == "Bürgerbus"
    assert placement(commands, b)[0] == result_id  # tablet-2's move stays
    commands.run("undo", mine, {})  # the creation: result gone, its card unsorted
    assert commands.store.result(result_id)["status"] == "deleted"
    assert placement(commands, a)[0] is None
    assert placement(commands, b)[0] is None  # cannot stay in a deleted result
    refused("nothing_to_undo", commands.run, "undo", mine, {})
    commands.run("undo", other, {})
    assert placement(commands, b)[0] is None


def test_undo_of_a_merge_restores_both_results(commands, event):
    a, b = post_cards(commands, event, 2)
    target = new_result(commands, mod_actor(event), cards=[a])
    source = new_result(commands, mod_actor(event), title="Quelle", cards=[b])
    commands.run("result:merge", mod_actor(event), {"source": source, "target": target})
    commands.run("undo", mod_actor(event), {})
    assert commands.store.result(source)["status"] == "active"
    assert order_in(commands, source) == [b] and order_in(commands, target) == [a]


def test_two_moderators_racing_on_one_card(commands, event):
    """Many moves of one card from two tablets at once: it always ends in exactly one place."""
    card = post_cards(commands, event, 1)[0]
    results = [new_result(commands, mod_actor(event), title=f"R{i}") for i in range(2)]
    errors = []

    def tablet(device, target):
        try:
            for _ in range(30):
                commands.run("card:assign", mod_actor(event, device=device), {"id": card, "result": target})
                commands.run("card:assign", mod_actor(event, device=device), {"id": card, "result": None})
                commands.run("card:assign", mod_actor(event, device=device), {"id": card, "result": target})
        except Exception as exc:  # noqa: BLE001 - any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=tablet, args=(f"t{i}", results[i])) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = placement(commands, card)[0]
    assert final in results
    assert sum(card in order_in(commands, r) for r in results) == 1
    # A replay agrees with the row: the card's last change shows the same result.
    replayed = [c for c in views.replay(commands.store, mod_actor(event), 0)["changes"] if c.get("card", {}).get("id") == card]
    assert [c["card"]["result_id"] for c in replayed] == [final]


def test_merge_racing_with_a_move_loses_no_card(commands, event, monkeypatch):
    """Force the race: the move has checked its target when the merge runs.

    The move's check and write share one transaction, so the merge waits for
    it; with the check outside the transaction the card would land in the
    result the merge just deleted.
    """
    cards = post_cards(commands, event, 6)
    target = new_result(commands, mod_actor(event), cards=cards[:3])
    source = new_result(commands, mod_actor(event), cards=cards[3:5])
    checked, merged, errors = threading.Event(), threading.Event(), []
    card_ranks = commands.store.card_ranks

    def paused_card_ranks(*args):
        if threading.current_thread().name == "mover":  # after assign checked its target
            checked.set()
            merged.wait(timeout=1)
        return card_ranks(*args)

    def mover():
        try:
            commands.run("card:assign", mod_actor(event, device="t2"), {"id": cards[5], "result": source})
        except Exception as exc:  # noqa: BLE001
            errors.append(getattr(exc, "code", exc))

    monkeypatch.setattr(commands.store, "card_ranks", paused_card_ranks)
    thread = threading.Thread(target=mover, name="mover")
    thread.start()
    assert checked.wait(timeout=5)
    commands.run("result:merge", mod_actor(event), {"source": source, "target": target})
    merged.set()
    thread.join()
    assert errors in ([], ["unknown_result"])
    placed = {c: placement(commands, c)[0] for c in cards}
    assert all(r in (target, None) for r in placed.values()), placed  # nothing left in the deleted source
    assert set(order_in(commands, target)) >= set(cards[:5])


def test_wall_mode_is_the_leads(commands, event):
    refused("forbidden", commands.run, "wall:mode", mod_actor(event), {"mode": "results"})
    refused("invalid_payload", commands.run, "wall:mode", lead(event), {"mode": "disco"})
    change = commands.run("wall:mode", lead(event), {"mode": "results"}).change
    assert change["type"] == "event.updated" and change["event"]["wall_mode"] == "results"
    assert views.snapshot(commands.store, Actor("wall", event["id"]))["event"]["wall_mode"] == "results"


def test_views_hide_contact_from_phones_and_walls(clients, event):
    mod, wall, phone, other_phone = clients.moderator(0), clients.wall(), clients.phone(0), clients.phone(1)
    for client in (mod, wall, phone, other_phone):
        client.get_received()
    result_id = str(uuid.uuid4())
    ack = mod.emit("result:create", {"id": result_id, "kind": "solution", "title": "Sprachcafé", "contact": "0171 123"}, callback=True)
    assert ack["ok"] and ack["result"]["contact"] == "0171 123"
    [full] = changes(mod)
    assert full["result"]["contact"] == "0171 123"
    for client in (wall, phone, other_phone):  # results are public to every phone (market place)
        [public] = changes(client)
        assert public["result"]["title"] == "Sprachcafé" and "contact" not in public["result"]
    snapshot = phone.emit("sync", {"since": 0}, callback=True)["snapshot"]
    assert snapshot["results"][0]["id"] == result_id and "contact" not in snapshot["results"][0]


def test_reconnecting_tablet_resyncs_the_board_exactly(clients, commands, event):
    cards = post_cards(commands, event, 3)
    mod = clients.moderator(0)
    seen = mod.emit("sync", {"since": 0}, callback=True)["seq"]
    mod.disconnect()
    other = mod_actor(event, device="other-tablet")
    result_id = new_result(commands, other, cards=cards[:2])
    commands.run("card:assign", other, {"id": cards[0], "result": None})
    mod = clients.moderator(0)
    replay = mod.emit("sync", {"since": seen}, callback=True)["changes"]
    board = {c: None for c in cards}  # what the tablet had: all unsorted
    for change in replay:
        if "card" in change:
            board[change["card"]["id"]] = change["card"]["result_id"]
    assert board == {cards[0]: None, cards[1]: result_id, cards[2]: None}
    assert board == {c: commands.store.card(c)["result_id"] for c in cards}


def test_suggest_over_socket_and_cli(app, clients, commands, event):
    texts = ["Mehr Busse abends nach Bettringen", "Der Bus fährt abends zu selten", "Bessere Busverbindungen am Abend",
             "Mehr Spielplätze im Hardt", "Der Spielplatz im Hardt ist kaputt"]
    ids = []
    for i, text in enumerate(texts):
        payload = card_payload(event, text=text)
        commands.run("card:post", participant(event, pid=f"s{i}"), payload)
        ids.append(payload["id"])
    groups = clients.moderator(0).emit("suggest", {}, callback=True)["groups"]
    as_sets = [{c["id"] for c in g["cards"]} for g in groups]
    assert set(ids[:3]) in as_sets and set(ids[3:]) in as_sets
    assert any("Bus" in g["title"] for g in groups)
    result = app.test_cli_runner().invoke(args=["suggest", event["id"], str(event["tables"][0]), "--json"])
    assert result.exit_code == 0, result.output
    import json

    assert [{c["id"] for c in g["cards"]} for g in json.loads(result.stdout)] == as_sets
    bad = app.test_cli_runner().invoke(args=["suggest", event["id"], "99999"])
    assert bad.exit_code != 0 and "Tisch" in bad.output


def stored_print(commands, card_id, wait=10.0):
    """The fingerprint of a card's stored vector, once the background task has stored it."""
    import time

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        row = commands.store.card_vectors([card_id]).get(card_id)
        if row:
            return row["fingerprint"]
        time.sleep(0.02)
    return None


def test_card_vectors_are_computed_when_posted_and_again_when_edited(app, commands, event):
    from facilitation import embeddings
    from facilitation.realtime import perform

    author = participant(event, pid="vec")
    payload = card_payload(event, text="Mehr Busse abends nach Bettringen")
    perform(app, author, "card:post", payload)
    assert stored_print(commands, payload["id"]) == embeddings.fingerprint("Mehr Busse abends nach Bettringen")
    perform(app, author, "card:edit", {"id": payload["id"], "text": "Mehr Busse sonntags nach Bettringen"})
    wanted = embeddings.fingerprint("Mehr Busse sonntags nach Bettringen")
    for _ in range(500):
        if stored_print(commands, payload["id"]) == wanted:
            break
        threading.Event().wait(0.02)
    assert stored_print(commands, payload["id"]) == wanted


def test_vectors_wait_until_posting_pauses(monkeypatch):
    """Issue 13: computing each card's vector at once stalled the loop in a burst; while
    cards keep coming the refresher computes only a trickle per step, the rest once nobody
    posted for `quiet` seconds, in batches."""
    from facilitation import embeddings

    now, computed, started = [0.0], [], []
    monkeypatch.setattr(embeddings, "refresh", lambda store, ids: computed.append(list(ids)))
    refresher = embeddings.IdleRefresher(lambda: None, lambda s: None, started.append, quiet=2.0,
                                         batch=2, trickle=1, clock=lambda: now[0])
    for i in range(4):  # a burst: a card every 10 ms
        refresher.note([f"c{i}"])
    refresher.step()
    assert computed == [["c0"]] and len(started) == 1  # one background task, one card so far
    now[0] += 2.0
    refresher.step()
    assert computed == [["c0"], ["c1", "c2"], ["c3"]] and not refresher.pending


def test_suggest_computes_only_missing_or_stale_vectors(app, commands, event, monkeypatch):
    from facilitation import embeddings

    texts = ["Mehr Busse abends nach Bettringen", "Der Bus fährt abends zu selten", "Mehr Spielplätze im Hardt"]
    ids = []
    for i, text in enumerate(texts):
        payload = card_payload(event, text=text)
        commands.run("card:post", participant(event, pid=f"m{i}"), payload)  # no broadcast: nothing computed yet
        ids.append(payload["id"])
    embedded = []
    real = embeddings.compute
    monkeypatch.setattr(embeddings, "compute", lambda batch: embedded.append(list(batch)) or real(batch))
    actor = Actor("lead", event["id"])
    first = suggest(commands, actor, {"table": event["tables"][0]})
    assert sorted(embedded.pop()) == sorted(texts)
    assert suggest(commands, actor, {"table": event["tables"][0]}) == first
    assert embedded == []  # all stored now
    commands.run("card:edit", lead(event), {"id": ids[2], "text": "Der Spielplatz im Hardt ist kaputt"})
    suggest(commands, actor, {"table": event["tables"][0]})
    assert embedded == [["Der Spielplatz im Hardt ist kaputt"]]


def test_card_vectors_go_with_their_event(app, commands, event):
    payload = card_payload(event, text="Mehr Bänke am Marktplatz")
    commands.run("card:post", participant(event), payload)
    suggest(commands, lead(event), {"table": event["tables"][0]})
    assert commands.store.card_vectors([payload["id"]])
    commands.run("event:delete", lead(event), {"confirm": "Bürgerdialog Test"})
    assert commands.store.card_vectors([payload["id"]]) == {}


def test_likely_marks_the_results_a_card_belongs_to(app, clients, commands, event):
    from facilitation.commands.results import likely

    def post(text, pid, lang=None):
        payload = card_payload(event, text=text, **({"lang": lang} if lang else {}))
        commands.run("card:post", participant(event, pid=pid), payload)
        return payload["id"]

    mod = mod_actor(event)
    bus = new_result(commands, mod, title="Busse", cards=[post("Der Bus nach Bettringen fährt abends zu selten", "a"),
                                                         post("Mehr Busverbindungen am Wochenende", "b")])
    play = new_result(commands, mod, title="Spielplätze", cards=[post("Der Spielplatz im Hardt ist kaputt", "c"),
                                                                 post("Neue Spielgeräte für den Stadtgarten", "d")])
    new_card = post("Автобус увечері ходить дуже рідко", "e", lang="uk")
    ranked = likely(commands, mod, {"card": new_card})["results"]
    assert ranked and ranked[0] == bus and len(ranked) <= 3
    assert clients.moderator(0).emit("likely", {"card": new_card}, callback=True) == {"ok": True, "results": ranked}
    refused("forbidden", likely, commands, participant(event), {"card": new_card})
    refused("forbidden", likely, commands, mod_actor(event, table_index=1), {"card": new_card})
    assert play not in ranked[:1]

"""The sentence model runs in a worker process: no text can crash it, and a crash there
costs a vector, never the server (issue 21)."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import requests
from conftest import card_payload, lead, participant

import crashing_model
from facilitation import embeddings
from facilitation.commands.results import suggest
from facilitation.domain import Actor
from facilitation.model_worker import ModelWorker

RANDOM_STRINGS = 60  # bench/model_fuzz.py runs thousands (~0.2 s each)


def expanding_code_points(at_least: int = 4) -> list[int]:
    """Every code point whose NFKC form has ``at_least`` characters (U+FDFA has 18)."""
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF
            and len(unicodedata.normalize("NFKC", chr(cp))) >= at_least]


def random_strings(count: int, seed: int = 21) -> list[str]:
    """Strings of 1-280 code points drawn from the whole Unicode range (no surrogates:
    the door refuses them, domain.clean_text)."""
    rng = random.Random(seed)
    points = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    return ["".join(chr(rng.choice(points)) for _ in range(rng.randint(1, 280))) for _ in range(count)]


@pytest.fixture
def real_worker():
    worker = ModelWorker()
    yield worker
    worker.stop()


def test_no_text_crashes_the_model(real_worker):
    """U+FDFA x 20 aborted the server: every expanding code point twenty times, the longest
    expansions as full cards, and random strings over all of Unicode go through the real
    worker, which never dies."""
    points = expanding_code_points()
    assert len(points) >= 72 and 0xFDFA in points
    longest = sorted(points, key=lambda cp: -len(unicodedata.normalize("NFKC", chr(cp))))[:6]
    texts = [chr(cp) * 20 for cp in points] + [chr(cp) * 280 for cp in longest] + random_strings(RANDOM_STRINGS)
    vectors = []
    for start in range(0, len(texts), 32):
        vectors += real_worker.embed_each(texts[start:start + 32])
    assert real_worker.deaths == 0 and real_worker.failed_texts == 0
    norms = np.linalg.norm(np.stack(vectors), axis=1)
    assert np.all(np.isfinite(norms)) and np.allclose(norms, 1, atol=1e-3)
    print(f"{len(points)} expanding code points, {len(longest)} full cards and {RANDOM_STRINGS} random strings embedded")


def test_prepared_text_is_nfkc_bounded_and_speakable():
    text = embeddings.prepare("\ufdfa" * 40 + "\x00\ud800")
    assert text == unicodedata.normalize("NFKC", text) and len(text) == embeddings.MAX_MODEL_CHARS
    assert "\x00" not in embeddings.prepare("a\x00b") and embeddings.prepare("\ud800") == " "


@pytest.fixture
def crashing_worker(monkeypatch):
    worker = ModelWorker(crashing_model.command())
    monkeypatch.setattr(embeddings, "_worker", worker)
    yield worker
    worker.stop()


def post(commands, event, texts):
    ids = []
    for i, text in enumerate(texts):
        payload = card_payload(event, text=text)
        commands.run("card:post", participant(event, pid=f"w{i}"), payload)
        ids.append(payload["id"])
    return ids


def test_a_card_that_kills_the_model_is_remembered_and_the_others_get_vectors(commands, event, crashing_worker):
    texts = ["Mehr Busse abends", "Der Bus fährt zu selten", f"Kaputt {crashing_model.POISON}", "Mehr Spielplätze"]
    ids = post(commands, event, texts)
    actor = Actor("lead", event["id"])
    groups = suggest(commands, actor, {"table": event["tables"][0]})["groups"]
    assert crashing_worker.failed_texts == 1 and crashing_worker.deaths >= 1
    vectors = commands.store.card_vectors(ids)
    assert vectors[ids[2]]["fingerprint"] == embeddings.failed_mark(texts[2])
    assert all(vectors[i]["fingerprint"] == embeddings.fingerprint(t) for i, t in zip(ids, texts) if i != ids[2])
    deaths = crashing_worker.deaths
    for _ in range(3):  # never tried again: no loop of deaths
        assert suggest(commands, actor, {"table": event["tables"][0]})["groups"] == groups
    assert crashing_worker.deaths == deaths and crashing_worker.pid is not None
    commands.run("card:edit", lead(event), {"id": ids[2], "text": "Kaputt ist der Spielplatz"})
    suggest(commands, actor, {"table": event["tables"][0]})
    assert commands.store.card_vectors([ids[2]])[ids[2]]["fingerprint"] == embeddings.fingerprint("Kaputt ist der Spielplatz")


def test_a_worker_that_cannot_start_leaves_suggestions_to_words(commands, event, monkeypatch):
    worker = ModelWorker(["/nonexistent/python"])
    monkeypatch.setattr(embeddings, "_worker", worker)
    ids = post(commands, event, ["Mehr Busse abends", "Mehr Busse am Abend"])
    assert suggest(commands, Actor("lead", event["id"]), {"table": event["tables"][0]}) == {"groups": []}
    assert commands.store.card_vectors(ids) == {}  # nothing stored: computed once a worker runs


def test_a_worker_that_dies_on_everything_is_given_up_at_once(commands, event, monkeypatch):
    """Narrowing down a batch only helps when some texts are fine: a worker that dies on a
    known-good text too is broken, and the suggestion goes on by words after two deaths,
    not one restart per card."""
    worker = ModelWorker(crashing_model.command(always=True))
    monkeypatch.setattr(embeddings, "_worker", worker)
    try:
        ids = post(commands, event, [f"Karte {n}" for n in range(40)])
        assert suggest(commands, Actor("lead", event["id"]), {"table": event["tables"][0]})["groups"] is not None
        assert worker.deaths == 2 and worker.failed_texts == 0
        assert commands.store.card_vectors(ids) == {}
    finally:
        worker.stop()


def children_of(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_worker_killed_mid_suggestion_costs_nothing(tmp_path):
    """SIGKILL the model worker while a suggestion computes 250 vectors: the server keeps
    serving, the suggestion still answers, and the next one works with a new worker."""
    from browser_kit import seed_cards
    from server import LiveServer, socket_client
    from test_suggestions import load

    live = LiveServer(tmp_path, CARDS_PER_MINUTE="100000", EMBED_QUIET_SECONDS="3600").start()
    tablet = None
    try:
        table = live.links()["tables"][0]
        texts = [c["text"] for c in load("cards_arbeit.json")[1]]
        seed_cards(live, table["id"], [f"{texts[n % len(texts)]} ({n})" for n in range(250)])
        tablet = socket_client(live, table["moderator"].split(live.url, 1)[1],
                               {"event": "demo", "role": "moderator", "table": table["id"]})
        deadline = time.monotonic() + 120
        while not children_of(live.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        [worker] = children_of(live.proc.pid)
        idle, answers = cpu_ticks(worker), []
        asking = threading.Thread(target=lambda: answers.append(tablet.call("suggest", {}, timeout=300)))
        asking.start()
        while cpu_ticks(worker) < idle + 10 and asking.is_alive():  # 0.1 s into the computation
            time.sleep(0.01)
        assert asking.is_alive(), "the suggestion ended before the worker could be killed"
        os.kill(worker, signal.SIGKILL)
        assert requests.get(f"{live.url}/healthz", timeout=10).ok
        asking.join(300)
        assert answers and answers[0]["ok"] and answers[0]["groups"], answers
        model = requests.get(f"{live.url}/healthz", timeout=10).json()["model"]
        assert model["deaths"] == 1 and model["running"]  # /healthz tells the admin it died once
        assert live.proc.poll() is None and children_of(live.proc.pid) not in ([], [worker])
        again = tablet.call("suggest", {}, timeout=300)
        assert again["ok"] and again["groups"] == answers[0]["groups"]
        [second] = children_of(live.proc.pid)
        live.kill9()  # the worker ends with the server: it reads the end of its socket
        deadline = time.monotonic() + 60
        while Path(f"/proc/{second}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{second}").exists(), "the model worker outlived the server"
    finally:
        if tablet:
            tablet.disconnect()
        live.stop()


def test_the_worker_ends_quietly_when_the_server_is_gone():
    """A server stopped mid-evening reset the worker's socket, and the worker's traceback
    landed in a log that LOG_FORMAT=json keeps as one JSON object per line."""
    import socket as sockets

    from facilitation.model_worker import serve

    ours, theirs = sockets.socketpair()
    errors = []

    def child():
        try:
            serve(theirs, lambda texts: [[0.0]] * len(texts))
        except Exception as error:  # noqa: BLE001 - what the child would have printed
            errors.append(error)

    worker = threading.Thread(target=child)
    worker.start()
    time.sleep(0.2)  # its ready frame sits unread here: closing now resets the connection
    ours.close()
    worker.join(5)
    assert not worker.is_alive() and errors == []

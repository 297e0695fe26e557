"""Suggestion quality against human groupings, and the pieces of the method.

Pairwise precision: of the card pairs the server puts in one group, the share a
human put together too. Pairwise recall: of the pairs a human put together, the
share the server found. Cards a human left alone (group "") belong to no pair.
Run with -s to see the groups and the held-out figures.

The two older fixtures (tests/fixtures/cards_*.json) and the tune_* sets were used
to choose the method: their floors are regression guards, not evidence. The test_*
sets were set aside before anything was chosen: docs/suggestions.md reports them.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.suggest_eval import evaluate, pairwise
from facilitation.embeddings import embed
from facilitation.suggestions import kind, similarity, suggest_groups, title, tokens, word_similarity

FIXTURES = Path(__file__).parent / "fixtures"

# Regression floors on the tuning fixtures (measured 0.77 / 0.72 and 0.94 / 0.56).
TARGETS = {
    "cards_bauen_wohnen.json": {"precision": 0.72, "recall": 0.65},
    "cards_arbeit.json": {"precision": 0.85, "recall": 0.50},
}


def load(name):
    data = json.loads((FIXTURES / name).read_text())
    cards = [
        {"id": f"c{i}", "text": c["text"], "question_id": c["q"], "group": c["group"]}
        for i, c in enumerate(data["cards"])
    ]
    return data["table"], cards


@pytest.mark.parametrize("fixture", sorted(TARGETS))
def test_suggestions_keep_their_figures_on_the_older_fixtures(fixture):
    table, cards = load(fixture)
    assert len(cards) >= 30
    groups = suggest_groups(cards, {1: 1, 2: 2, 3: 3})
    precision, recall = pairwise(cards, groups)
    print(f"\n{table}: {len(cards)} cards, {len(groups)} groups, pairwise precision {precision:.2f}, recall {recall:.2f}")
    for group in groups:
        print(f"  [{group['kind']}] {group['title']}: " + " | ".join(c["text"][:40] for c in group["cards"]))
    assert precision >= TARGETS[fixture]["precision"]
    assert recall >= TARGETS[fixture]["recall"]


def test_held_out_figures_do_not_fall():
    """The figures docs/suggestions.md reports (printed with -s); floors just under them,
    so a change that makes suggestions worse on unseen cards goes red."""
    summary = evaluate("test")["summary"]
    assert summary["precision"] >= 0.43
    assert summary["recall"] >= 0.29
    assert summary["placed"] >= 0.6  # the target for cards in other languages
    assert summary["titles"] >= 0.25


def test_a_card_meets_its_twin_in_another_language():
    texts = ["Mehr Deutschkurse am Abend", "Die Busse fahren zu selten", "Wir brauchen mehr Kitaplätze",
             "نحتاج دورات لغة في المساء", "Автобуси ходять дуже рідко"]
    sim = similarity(texts, embed(texts), ["de", "de", "de", "ar", "uk"])
    assert int(np.argmax(sim[3, :3])) == 0  # Arabic language courses -> Deutschkurse
    assert int(np.argmax(sim[4, :3])) == 1  # Ukrainian buses -> Busse


def test_cards_in_other_languages_join_their_german_group():
    cards = [
        {"id": "a", "text": "Mehr Deutschkurse am Abend, nach der Arbeit", "question_id": 3, "lang": "de"},
        {"id": "b", "text": "Deutschkurse nur vormittags, da arbeite ich", "question_id": 2, "lang": "de"},
        {"id": "c", "text": "نحتاج دورات لغة ألمانية في المساء", "question_id": 3, "lang": "ar"},
        {"id": "d", "text": "Die Busse ins Gewerbegebiet fahren zu selten", "question_id": 2, "lang": "de"},
        {"id": "e", "text": "Der Bus zum Gewerbegebiet kommt nur stündlich", "question_id": 2, "lang": "de"},
        {"id": "f", "text": "Kita-Plätze für Kinder von Schichtarbeitern fehlen", "question_id": 2, "lang": "de"},
    ]
    groups = [{c["id"] for c in g["cards"]} for g in suggest_groups(cards, {2: 2, 3: 3})]
    assert {"a", "b", "c"} in groups
    assert {"d", "e"} in groups


def test_stems_bring_compounds_together():
    sim = word_similarity(["Mehr Busverbindungen", "Der Bus kommt nie", "Kita-Plätze fehlen"])
    assert sim[0][1] > 0.1
    assert sim[0][1] > 5 * sim[0][2]


def test_tokens_drop_stopwords_and_stem():
    assert [s for s, _ in tokens("Die Wohnungen sind nicht bezahlbar")] == ["wohnung", "bezahlbar"]


def test_kind_and_title_are_guessed():
    cards = [
        {"id": "a", "text": "Der Bus fährt abends nicht", "question_id": 2},
        {"id": "b", "text": "Mehr Busse am Abend", "question_id": 2},
        {"id": "c", "text": "Busverbindungen abends verbessern", "question_id": 3},
    ]
    [group] = suggest_groups(cards, {2: 2, 3: 3})
    assert group["kind"] == "problem_note"
    assert group["title"].startswith("Bus")


def test_project_ideas_and_round_tables_are_recognised_or_left_to_the_question():
    round_table = ["Vereine und Stadt sollten sich regelmäßig treffen", "Ein runder Tisch für alle Vereine"]
    assert kind(round_table, [3, 3]) == "round_table"
    project = ["Wir könnten ein Repair-Café gründen", "Eine Initiative für ein Nachbarschaftscafé"]
    assert kind(project, [3, 3]) == "project_idea"
    assert kind(["Die Mieten sind zu hoch", "Wir könnten eine Genossenschaft gründen", "Miete frisst das Geld"],
                [2, 3, 2]) == "problem_note"  # one card in three is no project


def test_title_is_a_german_noun_never_a_filler_or_the_tables_topic():
    texts = ["Leute finden keine bezahlbare Wohnung", "Leute zahlen zu hohe Mieten für kleine Wohnungen",
             "Rent is too high for families"]
    sim = np.ones((3, 3))
    assert title(texts, ["de", "de", "en"], sim) == "Wohnung"
    assert title(texts, ["de", "de", "en"], sim, topics={"wohnung"}) == "Mieten"


def test_a_group_in_other_languages_is_titled_from_its_german_translation():
    cards = [
        {"id": "a", "text": "نحتاج دورات لغة في المساء", "lang": "ar", "translation": "Wir brauchen mehr Sprachkurse"},
        {"id": "b", "text": "Потрібні вечірні мовні курси", "lang": "uk", "translation": "Sprachkurse auch abends anbieten"},
    ]
    [group] = suggest_groups(cards, {}, vectors=np.ones((2, 384), dtype=np.float32))
    assert group["title"] == "Sprachkurse"


def test_nothing_to_suggest_for_few_or_unrelated_cards():
    assert suggest_groups([]) == []
    unrelated = [{"id": "a", "text": "Kita-Plätze fehlen"}, {"id": "b", "text": "Radwege sind gefährlich"}]
    assert suggest_groups(unrelated) == []


def test_grouping_pauses_between_steps_so_the_server_serves_others():
    """app.py passes eventlet.sleep: the hub serves other connections at every pause."""
    _, cards = load("cards_bauen_wohnen.json")
    vectors = embed([c["text"] for c in cards])
    pauses = []
    plain = suggest_groups(cards, {1: 1, 2: 2, 3: 3}, vectors=vectors)
    paused = suggest_groups(cards, {1: 1, 2: 2, 3: 3}, pause=lambda: pauses.append(1), vectors=vectors)
    assert paused == plain
    assert len(pauses) >= sum(len(g["cards"]) - 1 for g in plain)  # at least once per merge

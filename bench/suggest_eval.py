"""Measure suggested groups against human groupings of card sets written independently.

    .venv/bin/python bench/suggest_eval.py            # the test sets: the figures docs report
    .venv/bin/python bench/suggest_eval.py --tune     # the tuning sets (used to choose the method)

Per set: pairwise precision and recall (of card pairs grouped together by the
server and by a person), the share of non-German cards placed in a group with a
German card of their human group (cross-language placement), how many titles
share a word stem with the person's title, and the time to suggest.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SETS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "suggestions"


def load(path: Path) -> dict:
    """A card set: cards with ids, gold groups and the card's language."""
    from facilitation.languages import card_language

    data = json.loads(path.read_text(encoding="utf-8"))
    data["cards"] = [
        {"id": f"c{i}", "text": c["text"], "question_id": c["q"], "group": c["group"],
         "lang": c.get("lang") or card_language(c["text"], "de")}
        for i, c in enumerate(data["cards"])
    ]
    return data


def pairwise(cards: list[dict], groups: list[dict]) -> tuple[float, float]:
    """Pairwise precision and recall of suggested groups against the human groups."""
    predicted = {card["id"]: n for n, group in enumerate(groups) for card in group["cards"]}
    tp = fp = fn = 0
    for a, b in itertools.combinations(cards, 2):
        same_pred = a["id"] in predicted and predicted.get(a["id"]) == predicted.get(b["id"])
        same_gold = bool(a["group"]) and a["group"] == b["group"]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def cross_language(cards: list[dict], groups: list[dict]) -> tuple[int, int]:
    """(placed, all): non-German grouped cards that share a suggested group with a German card of their human group."""
    by_id = {c["id"]: c for c in cards}
    group_of = {card["id"]: n for n, group in enumerate(groups) for card in group["cards"]}
    members = {}
    for card_id, n in group_of.items():
        members.setdefault(n, []).append(by_id[card_id])
    foreign = [c for c in cards if c["group"] and c["lang"] != "de"]
    placed = sum(
        1 for c in foreign
        if c["id"] in group_of and any(o["lang"] == "de" and o["group"] == c["group"] for o in members[group_of[c["id"]]])
    )
    return placed, len(foreign)


def _related(a: str, b: str) -> bool:
    """Two stems name the same thing: equal, or one starts the other (Leer ~ Leerstand)."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def title_hits(data: dict, groups: list[dict]) -> tuple[int, int]:
    """(usable, suggested): titles sharing a word stem with the person's title for the group most
    of its cards come from (on a tie, any of the tied groups)."""
    from facilitation.suggestions import stems

    by_id = {c["id"]: c for c in data["cards"]}
    usable = 0
    for group in groups:
        gold = [by_id[c["id"]]["group"] for c in group["cards"] if by_id[c["id"]]["group"]]
        if not gold:
            continue
        top = max(gold.count(label) for label in gold)
        wanted = {s for label in set(gold) if gold.count(label) == top for s in stems(data["titles"][label])}
        if any(_related(s, w) for s in stems(group["title"]) for w in wanted):
            usable += 1
    return usable, len(groups)


def evaluate(split: str, verbose: bool = True) -> dict:
    """Figures for every set of a split, and their totals."""
    from facilitation.suggestions import suggest_groups

    totals = {"tp_pairs": [], "placed": 0, "foreign": 0, "titles": 0, "groups": 0}
    report = []
    for path in sorted(SETS.glob(f"{split}_*.json")):
        data = load(path)
        started = time.perf_counter()
        groups = suggest_groups(data["cards"], {1: 1, 2: 2, 3: 3})
        seconds = time.perf_counter() - started
        precision, recall = pairwise(data["cards"], groups)
        placed, foreign = cross_language(data["cards"], groups)
        usable, suggested = title_hits(data, groups)
        report.append({"set": path.stem, "cards": len(data["cards"]), "groups": len(groups), "precision": precision,
                       "recall": recall, "placed": placed, "foreign": foreign, "titles": usable, "seconds": seconds})
        totals["placed"] += placed
        totals["foreign"] += foreign
        totals["titles"] += usable
        totals["groups"] += suggested
        if verbose:
            print(f"{path.stem}: {len(data['cards'])} cards, {len(groups)} groups, precision {precision:.2f}, "
                  f"recall {recall:.2f}, other-language cards placed {placed}/{foreign}, "
                  f"usable titles {usable}/{suggested}, {seconds * 1000:.0f} ms")
            for group in groups:
                print(f"   [{group['kind'] or '-'}] {group['title']}: " + " | ".join(c["text"][:40] for c in group["cards"]))
    mean = lambda key: sum(r[key] for r in report) / len(report)  # noqa: E731
    summary = {"precision": mean("precision"), "recall": mean("recall"),
               "placed": totals["placed"] / max(totals["foreign"], 1), "titles": totals["titles"] / max(totals["groups"], 1)}
    if verbose:
        print(f"mean precision {summary['precision']:.2f}, mean recall {summary['recall']:.2f}, "
              f"other-language cards placed {totals['placed']}/{totals['foreign']} ({summary['placed']:.0%}), "
              f"usable titles {totals['titles']}/{totals['groups']}")
    return {"sets": report, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="the tuning sets instead of the test sets")
    args = parser.parse_args()
    evaluate("tune" if args.tune else "test")


if __name__ == "__main__":
    main()

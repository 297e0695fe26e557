"""Suggest groups of similar cards, computed on our own server.

German Snowball stemming (snowballstemmer, pure Python), then character
4-grams of the stems, so compounds meet their parts ("Busverbindung" ~ "Bus",
"Mietpreise" ~ "Miete"), plus a small vocabulary of dialogue themes (THEMES);
TF-IDF weights and cosine similarity; average-linkage clustering with a
similarity threshold. No cloud service, no model download.
Only suggestions: the moderator accepts, edits or ignores each group.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import snowballstemmer

# Chosen on both fixtures in tests/fixtures/ (see tests/test_suggestions.py and
# docs/suggestions.md): a plateau where small changes do not matter.
THRESHOLD = 0.085
THEME_WEIGHT = 0.25
NGRAM = 4
MAX_CARDS = 300

STOPWORDS = set(
    """
    aber alle allem allen aller alles als also am an ander andere anderen anderer anderes auch auf aus bei beim bin
    bis bitte bleibt braucht brauchen bräuchte da dabei dadurch dafür daher damit dann darauf darum das dass dem
    den denen der deren des deshalb die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem
    einen einer eines einfach einige einmal er es etwas euch fehlt fehlen findet finde für gab gibt geht gerade
    gern gut gute guten gutes hab habe haben hat hatte hier ihm ihn ihnen ihr ihre im immer in ins ist ja jede
    jeden jeder jedes jetzt kann kaum kein keine keinen können könnte man manche mehr mein meine meiner mich mir
    mit muss müssen müsste nach nicht nichts noch nur ob oder ohne oft sehr sein seine sich sie sind so soll
    sollen sollte sollten sonst statt uns unser unsere unter viel viele vom von vor war wäre waren was weil wenig
    wenn wer werden wie wieder wir wird wo wurde würde zu zum zur zwar über läuft laufen klappt toll super schön
    schon endlich dringend wichtig besser mal ganz eher leider echt richtig und ich nie kommt kommen macht machen
    gibts dass einer einem einen jemand niemand alle viel zu
    """.split()
)

KIND_BY_QUESTION = {1: "existing_offer", 2: "problem_note", 3: "solution"}

# Themes of citizen dialogues (the seed's five tables and what comes up at
# them): words that start with one of these stems count as one topic, so
# "Busfahrplan" meets "Nahverkehr" and "Rollator" meets "barrierefrei".
THEMES = {
    "wohnen": "wohn miet vermiet unterkunft",
    "verkehr": "bus bahn zug züg nahverkehr öpnv ticket fahrplan haltestell radweg fahrrad parkpl verkehr",
    "barriere": "barriere rollstuhl rollator bordstein aufzug altersgerecht behindert inklusi",
    "innenstadt": "leerstand leersteh laden läden geschäft einzelhand innenstadt",
    "grün": "spielplatz spielgerät grünfläch park baum bäum garten",
    "genehmigung": "bauantrag genehmig bürokrat amt ämt behörd formular antrag",
    "nachbarschaft": "nachbar quartier treffpunkt begegn",
    "ehrenamt": "ehrenamt verein freiwillig engagement helfer",
    "arbeit": "arbeit job stell bewerb praktik betrieb beruf anerkenn",
    "sprache": "sprach deutschkurs sprachkurs dolmetsch übersetz",
    "betreuung": "kita kindergart betreuung tagesmutt krippe ganztag",
    "schule": "schul lehrer bildung nachhilf ausbild",
    "frauen": "frau mütter mutter frauenhaus alleinerzieh",
    "gesundheit": "arzt ärzt pflege gesund hebamm klinik",
    "digital": "digital internet wlan online",
}
# The German Snowball stemmer folds umlauts and ß; fold the theme stems alike.
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_THEME_PREFIXES = [(prefix.translate(_FOLD), theme) for theme, words in THEMES.items() for prefix in words.split()]
# A theme on more than this share of a table's cards is the table's own topic
# (every card at "Arbeit" is about work): it no longer tells groups apart.
TABLE_TOPIC_SHARE = 0.4
TABLE_TOPIC_MIN_CARDS = 10

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def tokens(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) pairs of the meaningful words of a text."""
    words = [w for w in _WORD.findall(text) if len(w) >= 3 and w.lower() not in STOPWORDS]
    # A stemmer keeps state while it works: one per call, since with ASYNC_MODE=threading two
    # suggestions can run at once (creating one costs well under a microsecond).
    stems = snowballstemmer.stemmer("german").stemWords([w.lower() for w in words])
    return [(s, w) for s, w in zip(stems, words) if len(s) >= 3]


def stems(text: str) -> list[str]:
    """The stems of the meaningful words of a text."""
    return [s for s, _ in tokens(text)]


def _char_grams(stem: str) -> list[str]:
    padded = f"_{stem}_"
    return [padded[i : i + NGRAM] for i in range(max(1, len(padded) - NGRAM + 1))]


def _tfidf(docs: list[list[str]]) -> list[dict[str, float]]:
    """L2-normalised TF-IDF vectors of token lists."""
    df = Counter(t for doc in docs for t in set(doc))
    n = len(docs)
    vectors = []
    for doc in docs:
        counts = Counter(doc)
        # Smoothed IDF (+1, as scikit-learn does): a word on every card still counts.
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _cosine(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def themes_of(stems: list[str]) -> list[str]:
    """The themes the stems of a card touch (see THEMES)."""
    # Theme stems of five letters or more also count inside a compound
    # ("Kinderspielplatz" -> "spielplatz"); short ones only at the start.
    return [
        theme
        for stem in stems
        for prefix, theme in _THEME_PREFIXES
        if stem.startswith(prefix) or (len(prefix) >= 5 and prefix in stem)
    ]


def _no_pause() -> None:
    pass


def similarity_matrix(texts: list[str], theme_weight: float | None = None, pause=None) -> list[list[float]]:
    """Pairwise similarity of texts: stem n-grams and shared themes, weighted together.

    ``pause`` is called after each row (the server lets other work run there).
    """
    pause = pause or _no_pause
    weight = THEME_WEIGHT if theme_weight is None else theme_weight
    doc_stems = [stems(t) for t in texts]
    char_vecs = _tfidf([[g for s in doc for g in _char_grams(s)] for doc in doc_stems])
    themes = [themes_of(doc) for doc in doc_stems]
    spread = Counter(t for doc in themes for t in set(doc))
    topic = {t for t, c in spread.items() if len(texts) >= TABLE_TOPIC_MIN_CARDS and c > TABLE_TOPIC_SHARE * len(texts)}
    theme_vecs = _tfidf([[t for t in doc if t not in topic] for doc in themes])
    n = len(texts)
    sim = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            value = (1 - weight) * _cosine(char_vecs[i], char_vecs[j]) + weight * _cosine(theme_vecs[i], theme_vecs[j])
            sim[i][j] = sim[j][i] = value
        pause()
    return sim


def cluster(sim: list[list[float]], threshold: float = THRESHOLD, pause=None) -> list[list[int]]:
    """Average-linkage agglomerative clustering; stops below ``threshold``; ``pause`` after each merge."""
    pause = pause or _no_pause
    clusters = {i: [i] for i in range(len(sim))}
    link = {(i, j): sim[i][j] for i in clusters for j in clusters if i < j}
    while link:
        pause()
        (a, b), best = max(link.items(), key=lambda item: item[1])
        if best < threshold:
            break
        merged = clusters[a] + clusters.pop(b)
        clusters[a] = merged
        link = {k: v for k, v in link.items() if a not in k and b not in k}
        for other, members in clusters.items():
            if other == a:
                continue
            avg = sum(sim[x][y] for x in merged for y in members) / (len(merged) * len(members))
            link[(min(a, other), max(a, other))] = avg
    return sorted(clusters.values(), key=lambda c: (-len(c), c[0]))


def _title(texts: list[str]) -> str:
    """Up to two words the group shares, as people wrote them.

    Stems that start alike count together ("Bus", "Busse", "Busverbindung"
    -> "Bus"), and German nouns (capitalised inside a sentence) weigh more.
    """
    score: Counter = Counter()
    surface: Counter = Counter()
    per_card = [tokens(t) for t in texts]
    stems = sorted({s for card in per_card for s, _ in card}, key=len)
    root = {s: next(r for r in stems if s.startswith(r)) for s in stems}
    for text, card in zip(texts, per_card):
        first_word = (_WORD.findall(text) or [""])[0]
        for stem in {root[s] for s, _ in card}:
            score[stem] += 1
        for stem, word in card:
            noun = word[:1].isupper() and word != first_word
            score[root[stem]] += 0.5 if noun else 0
            surface[(root[stem], word)] += 1
    top = [s for s, c in score.most_common(2) if c >= 2] or [s for s, _ in score.most_common(1)]
    words = []
    for stem in top:
        forms = [w for (s, w) in surface if s == stem]
        word = min(forms, key=lambda w: (len(w), -surface[(stem, w)]))
        words.append(word[:1].upper() + word[1:])
    return " · ".join(words)


def suggest_groups(cards: list[dict], question_positions: dict[int, int] | None = None, pause=None) -> list[dict]:
    """Groups (2+ cards) of similar cards, biggest first.

    Each group: ``{title, kind, cards: [{id, text}]}``; ``kind`` is a guess
    from the questions the cards answer (what works -> existing offer, ...).
    """
    cards = cards[:MAX_CARDS]
    texts = [c["text"] for c in cards]
    groups = []
    for members in cluster(similarity_matrix(texts, pause=pause), pause=pause):
        if len(members) < 2:
            continue
        group_cards = [cards[i] for i in members]
        positions = Counter((question_positions or {}).get(c.get("question_id")) for c in group_cards)
        position = positions.most_common(1)[0][0]
        groups.append(
            {
                "title": _title([c["text"] for c in group_cards]),
                "kind": KIND_BY_QUESTION.get(position, "problem_note"),
                "cards": [{"id": c["id"], "text": c["text"]} for c in group_cards],
            }
        )
    return groups

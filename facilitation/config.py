"""Every setting in one place: environment variables with defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one made once and kept in data/.

    It signs session cookies and derives the secret links, so it must survive
    restarts, and it must never be in the repository.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


class SettingError(ValueError):
    """A setting from the environment that cannot be used; the message names it (German, for
    whoever starts the server)."""


def _number(name: str, default: str, kind=int):
    """The environment variable ``name`` as ``kind`` (int or float), else a SettingError that
    names it: an empty or mistyped value would otherwise stop the start with a traceback."""
    raw = os.environ.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        wanted = "eine ganze Zahl" if kind is int else "eine Zahl (z. B. 1.5)"
        raise SettingError(f"Die Einstellung {name}={raw!r} ist keine gültige Angabe; erwartet wird {wanted}.") from None


def load_config(**overrides) -> dict:
    """The app settings: defaults, then environment, then ``overrides``."""
    data_dir = Path(overrides.get("DATA_DIR") or os.environ.get("DATA_DIR") or ROOT / "data")
    config = {
        "DATA_DIR": data_dir,
        "DATABASE": os.environ.get("DATABASE") or str(data_dir / "tischrunde.db"),
        "HOST": os.environ.get("HOST", "0.0.0.0"),
        "PORT": _number("PORT", "5000"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        # eventlet in production (app.py); tests use threading.
        "ASYNC_MODE": os.environ.get("ASYNC_MODE", "threading"),
        "MAX_CONNECTIONS": _number("MAX_CONNECTIONS", "10000"),
        # Open sockets one client address may hold (0: the connection budget), so its flood
        # leaves room for everyone else (issue 21).
        "SOCKETS_PER_ADDRESS": _number("SOCKETS_PER_ADDRESS", "0"),
        "MAX_HTTP_BUFFER_SIZE": 64 * 1024,
        # How Socket.IO may connect: "websocket,polling" (the default); "polling" for a proxy
        # that breaks WebSockets (the pages then fall back by themselves; tests check it).
        "SOCKETIO_TRANSPORTS": [t for t in os.environ.get("SOCKETIO_TRANSPORTS", "websocket,polling").split(",") if t],
        # Several server processes share their rooms through Redis: "redis://127.0.0.1:6379/0"
        # (feed.py; docs/performance.md). Empty: one process.
        "MESSAGE_QUEUE": os.environ.get("MESSAGE_QUEUE", ""),
        # Phones get a table's changes at most once per this many seconds, batched (feed.py);
        # walls and tablets always at once. 0: every change at once (tests).
        "PHONE_FEED_INTERVAL": _number("PHONE_FEED_INTERVAL", "1", float),
        # Cards per sync reply; a larger snapshot comes in pages (views.py).
        "SNAPSHOT_PAGE": _number("SNAPSHOT_PAGE", "500"),
        # Every screen asks "what changed since I last knew all of it?" this often (phones 3x
        # less): a change it missed (queue down, a crash between store and send) shows then.
        "CATCH_UP_SECONDS": _number("CATCH_UP_SECONDS", "60", float),
        # Sentence vectors of new cards are computed once nobody posted for this long (embeddings.py).
        "EMBED_QUIET_SECONDS": _number("EMBED_QUIET_SECONDS", "2", float),
        # Cards one participant may post per minute (per session, never per IP:
        # a whole venue shares one public address).
        "CARDS_PER_MINUTE": _number("CARDS_PER_MINUTE", "20"),
        # Edits and withdrawals, and dots given or taken back, per participant and minute.
        "EDITS_PER_MINUTE": _number("EDITS_PER_MINUTE", "30"),
        "DOTS_PER_MINUTE": _number("DOTS_PER_MINUTE", "60"),
        # How long the wall shows a table's cards before it moves on to those that did not fit.
        "WALL_ROTATE_SECONDS": _number("WALL_ROTATE_SECONDS", "8", float),
        # New participant ids per client address: a burst a venue behind one NAT never reaches.
        "NEW_PARTICIPANTS_BURST": _number("NEW_PARTICIPANTS_BURST", "300"),
        "NEW_PARTICIPANTS_PER_SECOND": _number("NEW_PARTICIPANTS_PER_SECOND", "1", float),
        # How many reverse proxies stand in front (0: none); their X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": _number("TRUSTED_PROXIES", "0"),
        # A card form needs a few KiB; nothing a browser sends here needs more.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # CSRF tokens live as long as the session (a moderator's tablet stays open all evening).
        "WTF_CSRF_TIME_LIMIT": None,
        # The Origin check (guard.same_origin) covers plain http too; Flask-WTF's Referer check is https only.
        "WTF_CSRF_SSL_STRICT": True,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
    }
    config.update(overrides)
    config["PUBLIC_URL"] = (config.get("PUBLIC_URL") or "").rstrip("/")
    # Served over https: cookies only over https, and browsers remember to use it (HSTS, web/site.py).
    config.setdefault("SESSION_COOKIE_SECURE", config["PUBLIC_URL"].startswith("https://"))
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(Path(config["DATA_DIR"]))
    return config

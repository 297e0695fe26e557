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
        if len(os.environ["SECRET_KEY"]) < MIN_SECRET_KEY:
            raise SettingError(f"Die Einstellung SECRET_KEY ist zu kurz (mindestens {MIN_SECRET_KEY} Zeichen, "
                               "z. B. aus: python3 -c 'import secrets; print(secrets.token_hex(32))').")
        return os.environ["SECRET_KEY"]
    path = data_dir / "secret_key"
    if not path.exists():
        SECRET_KEYS_MADE.add(path)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


class SettingError(ValueError):
    """A setting from the environment that cannot be used; the message names it (German, for
    whoever starts the server)."""


def _number(name: str, default: str, kind=int, low: float = 0, high: float | None = None):
    """The environment variable ``name`` as ``kind`` (int or float) within low..high, else a
    SettingError that names it: an empty or mistyped value would otherwise stop the start
    with a traceback, and a negative limit would silently refuse everything."""
    raw = os.environ.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        wanted = "eine ganze Zahl" if kind is int else "eine Zahl (z. B. 1.5)"
        raise SettingError(f"Die Einstellung {name}={raw!r} ist keine gültige Angabe; erwartet wird {wanted}.") from None
    if value != value or value < low or (high is not None and value > high):  # value != value: NaN
        wanted = f"von {low} bis {high}" if high is not None else f"mindestens {low}"
        raise SettingError(f"Die Einstellung {name}={raw!r} liegt außerhalb des Erlaubten ({wanted}).")
    return value


def _flag(name: str, default: str) -> bool:
    """An on/off setting: 1 (on) or 0 (off); LOG_REQUESTS=0 used to turn logging on."""
    raw = os.environ.get(name, default).strip()
    if raw not in ("0", "1"):
        raise SettingError(f"Die Einstellung {name}={raw!r} ist keine gültige Angabe; erwartet wird 1 (an) oder 0 (aus).")
    return raw == "1"


def _choices(name: str, default: str, allowed: tuple[str, ...]) -> list[str]:
    """A comma-separated list of allowed words (at least one)."""
    raw = os.environ.get(name, default)
    words = [w.strip() for w in raw.split(",") if w.strip()]
    if not words or any(w not in allowed for w in words):
        raise SettingError(f"Die Einstellung {name}={raw!r} ist keine gültige Angabe; erlaubt: {', '.join(allowed)}.")
    return words


def _address(name: str, schemes: tuple[str, ...]) -> str:
    """An address that must start with one of ``schemes`` (or be empty)."""
    raw = os.environ.get(name, "").strip()
    if raw and (not raw.startswith(schemes) or len(raw) <= len(raw.split("://")[0]) + 3):
        raise SettingError(f"Die Einstellung {name}={raw!r} ist keine gültige Adresse; sie beginnt mit "
                           f"{' oder '.join(schemes)} (z. B. {schemes[0]}…).")
    return raw


SECRET_KEYS_MADE: set[Path] = set()  # secret_key files this process made (the CLI takes them back)
MIN_SECRET_KEY = 32  # characters: it signs the cookies and derives every secret link
ASYNC_MODES = ("eventlet", "threading")


def read_settings_file() -> str:
    """Put a settings file's values into the environment, for the server and the command line
    alike: the file TISCHRUNDE_ENV names, else .env in the working directory. Variables set
    in the real environment win. Returns the file read ('' for none)."""
    named = os.environ.get("TISCHRUNDE_ENV", "")
    path = Path(named) if named else Path.cwd() / ".env"
    if named and not path.is_file():
        raise SettingError(f"Die Einstellungsdatei TISCHRUNDE_ENV={named!r} gibt es nicht (oder sie ist nicht lesbar).")
    if not path.is_file():
        return ""
    from dotenv import load_dotenv

    load_dotenv(path, override=False)
    return str(path.resolve())


def load_config(**overrides) -> dict:
    """The app settings: defaults, then the settings file and the environment, then ``overrides``."""
    settings_file = read_settings_file()
    data_dir = Path(overrides.get("DATA_DIR") or os.environ.get("DATA_DIR") or ROOT / "data")
    config = {
        "SETTINGS_FILE": settings_file,
        "DATA_DIR": data_dir,
        "DATABASE": os.environ.get("DATABASE") or str(data_dir / "tischrunde.db"),
        "HOST": os.environ.get("HOST", "0.0.0.0"),
        "PORT": _number("PORT", "5000", high=65535),
        "PUBLIC_URL": _address("PUBLIC_URL", ("https://", "http://")),
        # eventlet in production (app.py); tests use threading.
        "ASYNC_MODE": _choices("ASYNC_MODE", "threading", ASYNC_MODES)[0],
        "MAX_CONNECTIONS": _number("MAX_CONNECTIONS", "10000", low=1),
        # Open sockets one client address may hold (0: the connection budget), so its flood
        # leaves room for everyone else (issue 21).
        "SOCKETS_PER_ADDRESS": _number("SOCKETS_PER_ADDRESS", "0"),
        "MAX_HTTP_BUFFER_SIZE": 64 * 1024,
        # How Socket.IO may connect: "websocket,polling" (the default); "polling" for a proxy
        # that breaks WebSockets (the pages then fall back by themselves; tests check it).
        "SOCKETIO_TRANSPORTS": _choices("SOCKETIO_TRANSPORTS", "websocket,polling", ("websocket", "polling")),
        # Several server processes share their rooms through Redis: "redis://127.0.0.1:6379/0"
        # (feed.py; docs/performance.md). Empty: one process.
        "MESSAGE_QUEUE": _address("MESSAGE_QUEUE", ("redis://", "rediss://", "unix://")),
        # Phones get a table's changes at most once per this many seconds, batched (feed.py);
        # walls and tablets always at once. 0: every change at once (tests).
        "PHONE_FEED_INTERVAL": _number("PHONE_FEED_INTERVAL", "1", float),
        # Cards per sync reply; a larger snapshot comes in pages (views.py).
        "SNAPSHOT_PAGE": _number("SNAPSHOT_PAGE", "500", low=1),
        # Every screen asks "what changed since I last knew all of it?" this often (phones 3x
        # less): a change it missed (queue down, a crash between store and send) shows then.
        "CATCH_UP_SECONDS": _number("CATCH_UP_SECONDS", "60", float),
        # Sentence vectors of new cards are computed once nobody posted for this long (embeddings.py).
        "EMBED_QUIET_SECONDS": _number("EMBED_QUIET_SECONDS", "2", float),
        # Cards one participant may post per minute (per session, never per IP:
        # a whole venue shares one public address).
        "CARDS_PER_MINUTE": _number("CARDS_PER_MINUTE", "20", low=1),
        # Edits and withdrawals, and dots given or taken back, per participant and minute.
        "EDITS_PER_MINUTE": _number("EDITS_PER_MINUTE", "30", low=1),
        "DOTS_PER_MINUTE": _number("DOTS_PER_MINUTE", "60", low=1),
        # How long the wall shows a table's cards before it moves on to those that did not fit.
        "WALL_ROTATE_SECONDS": _number("WALL_ROTATE_SECONDS", "8", float, low=1),
        # New participant ids per client address: a burst a venue behind one NAT never reaches.
        "NEW_PARTICIPANTS_BURST": _number("NEW_PARTICIPANTS_BURST", "300", low=1),
        "NEW_PARTICIPANTS_PER_SECOND": _number("NEW_PARTICIPANTS_PER_SECOND", "1", float, low=0.01),
        # How many reverse proxies stand in front (0: none); their X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": _number("TRUSTED_PROXIES", "0", high=5),
        # Log every request (secret tokens redacted): 1; 0 (the default) logs none.
        "LOG_REQUESTS": _flag("LOG_REQUESTS", "0"),
        # text: plain lines; json: one JSON object per line (for a log collector).
        "LOG_FORMAT": _choices("LOG_FORMAT", "text", ("text", "json"))[0],
        # The demo event (make run): 1 creates it and prints its links; 0 for a town's server.
        "DEMO": _flag("DEMO", "1"),
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

"""The links of an event, public and secret, as people in the venue must type them."""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from .domain import FOLLOWER, INTERPRETER, LEAD, MODERATOR


def lan_address() -> str:
    """This machine's address on the local network (phones cannot reach 'localhost').

    Asking the routing table for a route sends no packet; the address is a
    documentation address (TEST-NET-1) that is never contacted.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
            if not address.startswith("0."):
                return address
    except OSError:
        pass
    return "127.0.0.1"


def base_url(config: dict) -> str:
    """PUBLIC_URL when set, else http://<LAN address>:<PORT>."""
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"].rstrip("/")
    return f"http://{lan_address()}:{config['PORT']}"


RUNNING = "server.json"  # in DATA_DIR: where the running server listens


def announce_running(config: dict) -> None:
    """Write the running server's base address, so the command line prints its links."""
    path = Path(config["DATA_DIR"]) / RUNNING
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private, whatever the umask
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps({"base_url": base_url(config), "pid": os.getpid()}))


def forget_running(config: dict) -> None:
    """The server stops: its address is no longer where the links point."""
    path = Path(config["DATA_DIR"]) / RUNNING
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def running_base_url(config: dict) -> str:
    """The base address of the server running on this data directory, else base_url(config)."""
    try:
        running = json.loads((Path(config["DATA_DIR"]) / RUNNING).read_text())
        os.kill(int(running["pid"]), 0)  # still alive?
        return running["base_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return base_url(config)


def event_links(commands, event_id: str, base: str) -> dict:
    """Every link of an event, secret ones included, for the lead and admins."""
    event = commands.store.event(event_id)
    e = f"{base}/e/{event_id}"
    return {
        "event": event_id,
        "title": event["title"],
        "join": e,
        "wall": f"{e}/wall",
        "lead": f"{e}/lead?k={commands.token(event_id, LEAD)}",
        "interpreter": f"{e}/i?k={commands.token(event_id, INTERPRETER)}",
        "followup": f"{e}/f?k={commands.token(event_id, FOLLOWER)}",
        "tables": [
            {
                "id": t["id"],
                "name": t["name"],
                "participant": f"{e}/t/{t['id']}",
                "moderator": f"{e}/m/{t['id']}?k={commands.token(event_id, MODERATOR, t['id'])}",
            }
            for t in commands.store.tables(event_id)
        ],
    }

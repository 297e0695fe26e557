"""After the evening: what becomes of each result.

Closing freezes the evening (cards, dots, the results' content), not the follow-up:
these commands run on a closed or archived event too. The lead says who took a
result on, by when and how far it has come, and adds dated news; the event's actor
list says who can take a result on.
"""
from __future__ import annotations

import json
import time

from .. import domain
from ..domain import FOLLOWER, LEAD, Result, fail
from .core import Call, command, result_ack

# The lead, and whoever the lead gives the follow-up link (a town officer, say).
FOLLOWERS = (LEAD, FOLLOWER)


@command("result:follow", roles=FOLLOWERS, while_closed=True)
def follow_result(c: Call, p: dict) -> Result:
    """Set who is responsible, the due date, the progress and (for "nicht umsetzbar") the reason."""
    result = c.result(p.get("id"))
    fields = {}
    if "responsible" in p:
        responsible = "" if p["responsible"] in ("", None) else domain.check_label(p["responsible"])
        # Someone already named stays valid after the list changed; a new name must be on it.
        if responsible and responsible != result["responsible"] and responsible not in domain.event_actors(c.event):
            raise fail("unknown_actor")
        fields["responsible"] = responsible
    if "due" in p:
        fields["due"] = domain.check_due(p["due"])
    if "progress" in p:
        fields["progress"] = domain.check_choice(p["progress"], domain.PROGRESS, "unknown_progress")
    if "reason" in p:
        fields["reason"] = domain.check_optional_text(p["reason"], domain.MAX_REASON_LENGTH)
    after = {**result, **fields}
    if after["progress"] == "not_feasible" and not after["reason"].strip():
        raise fail("reason_needed")
    if all(result[k] == v for k, v in fields.items()):
        return Result([], result_ack(result))
    change = c.save_result(result["id"], "result.followed", **fields)
    return Result([change], result_ack(change["result"]))


def _news_of(result: dict) -> list[dict]:
    return json.loads(result["news"] or "[]")


@command("news:add", roles=FOLLOWERS, while_closed=True)
def add_news(c: Call, p: dict) -> Result:
    """Add a dated piece of news to a result (what happened since); the same id twice adds it once."""
    result = c.result(p.get("result"))
    news_id = domain.check_uuid(p.get("id"))
    text = domain.check_optional_text(p.get("text"), domain.MAX_NEWS_LENGTH).strip()
    if not text:
        raise fail("empty_text")
    news = _news_of(result)
    if any(item["id"] == news_id for item in news):
        return Result([], result_ack(result))
    if len(news) >= domain.MAX_NEWS_PER_RESULT:
        raise fail("too_many", max=domain.MAX_NEWS_PER_RESULT)
    news.append({"id": news_id, "text": text, "at": time.time()})
    change = c.save_result(result["id"], "result.news", news=json.dumps(news, ensure_ascii=False))
    return Result([change], result_ack(change["result"]))


@command("news:remove", roles=FOLLOWERS, while_closed=True)
def remove_news(c: Call, p: dict) -> Result:
    """Take a piece of news back (written to the wrong result, say)."""
    result = c.result(p.get("result"))
    news_id = domain.check_uuid(p.get("id"))
    news = _news_of(result)
    kept = [item for item in news if item["id"] != news_id]
    if len(kept) == len(news):
        raise fail("unknown_news")
    change = c.save_result(result["id"], "result.news", news=json.dumps(kept, ensure_ascii=False))
    return Result([change], result_ack(change["result"]))


@command("actors:set", roles=(LEAD,), while_closed=True)
def set_actors(c: Call, p: dict) -> Result:
    """The event's list of who can take a result on (the seed's actor map to start with)."""
    value = p.get("actors")
    if not isinstance(value, list):
        raise fail("invalid_payload")
    if len(value) > domain.MAX_ACTORS:
        raise fail("too_many", max=domain.MAX_ACTORS)
    actors = list(dict.fromkeys(domain.check_label(name) for name in value))
    return c.run_change(actors=json.dumps(actors, ensure_ascii=False))

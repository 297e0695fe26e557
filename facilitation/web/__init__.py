"""The web layer: a blueprint per audience, as the Flask tutorial lays out features.

- ``phone``: join, a table's page, the no-JavaScript card forms, their QR codes
- ``staff``: the moderator tablet, interpreter, follow-up desk and the wall (secret links)
- ``lead``: the lead's console, prints, the record and its downloads, event and links
- ``public``: what the town publishes afterwards (results page, sign-ups, dialogues, feed)
- ``site``: what every page shares (language, filters, /healthz, errors, headers)

``base`` holds the helpers they share, ``strings`` the page scripts' string table.
"""
from __future__ import annotations

from . import lead, phone, public, site, staff


def register(app) -> None:
    """Register every audience's blueprint on the app."""
    for module in (site, phone, staff, lead, public):
        app.register_blueprint(module.bp)

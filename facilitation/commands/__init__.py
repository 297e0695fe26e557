"""Every state change of Tischrunde, by capability, through one door.

Each command is a function registered where it is written::

    @command("card:post", roles=(PARTICIPANT,), limit="cards")
    def post_card(c: Call, p: dict) -> Result: ...

``Commands.run`` is the only way to call one: it checks the payload's shape,
the actor's role, the rate limit and the event's state, then runs the function
inside ONE transaction that holds the check and every row and change-log entry
it writes, so nothing can change between the check and the write.
``realtime.perform`` runs a command and broadcasts its changes; Socket.IO, the
no-JavaScript forms and the command line all go through it.
"""
from .core import COMMANDS, Call, Commands, Spec, command

# Importing the capability modules registers their commands.
from . import cards, evening, events, follow_up, record, results, signups, translations, voting  # noqa: E402,F401

__all__ = ["COMMANDS", "Call", "Commands", "Spec", "command"]

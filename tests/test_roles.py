"""Who may send what, generated from the registry (issue 22): every registered command, sent
by every role through its real door, is refused as `forbidden` exactly where the command
does not name the role, and a refused command changes nothing."""
from __future__ import annotations

import pytest

from facilitation.commands import COMMANDS
from facilitation.domain import ADMIN, FOLLOWER, INTERPRETER, LEAD, MODERATOR, PARTICIPANT, ROLES, WALL, Actor, CommandError

# The connection each role has: phones, tablets, the lead, interpreters, the follow-up desk
# and walls over Socket.IO; the admin is the command line on the server (no connection).
CONNECTIONS = {
    PARTICIPANT: lambda clients: clients.phone(0),
    MODERATOR: lambda clients: clients.moderator(0),
    LEAD: lambda clients: clients.lead(),
    INTERPRETER: lambda clients: clients.interpreter(),
    FOLLOWER: lambda clients: clients.follower(),
    WALL: lambda clients: clients.wall(),
}


def test_every_role_has_a_door_here():
    assert set(CONNECTIONS) | {ADMIN} == set(ROLES)


@pytest.mark.parametrize("role", sorted(CONNECTIONS))
def test_every_command_a_role_is_not_named_for_is_forbidden_over_its_connection(clients, commands, event, role):
    client = CONNECTIONS[role](clients)
    forbidden = set()
    for name in COMMANDS:
        before = commands.store.last_seq(event["id"])
        ack = client.emit(name, {}, callback=True)
        if not ack["ok"] and ack["error"]["code"] == "forbidden":
            forbidden.add(name)
            assert commands.store.last_seq(event["id"]) == before, f"{name} refused, but logged a change"
    assert forbidden == {name for name, spec in COMMANDS.items() if role not in spec.roles}


def test_the_command_line_may_send_only_what_names_the_admin(commands, event):
    refused = set()
    for name, spec in COMMANDS.items():
        try:
            commands.run(name, Actor(ADMIN, event["id"]), {})
        except CommandError as err:
            if err.code == "forbidden":
                refused.add(name)
    assert refused == {name for name, spec in COMMANDS.items() if ADMIN not in spec.roles}

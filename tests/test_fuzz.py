"""Hostile input never becomes `internal` or a 500 (bench/fuzz.py, a short run), and the two
defects its long run found stay fixed."""
from __future__ import annotations

import pytest
from conftest import create_event
from test_commands import refused

from bench.fuzz import fuzz
from facilitation.domain import ADMIN, Actor


def test_a_short_fuzz_run_finds_no_internal_ack_and_no_500():
    counts = fuzz(per_command=40, seed=7, quiet=True)
    assert counts["commands_sent"] > 1000 and counts["http_requests"] >= 200
    assert counts["internal"] == counts["no_ack"] == counts["http_500"] == 0, counts


def test_a_template_that_is_not_a_name_is_unknown(commands):
    refused("unknown_template", commands.run, "event:create", Actor(ADMIN, ""), {"template": {}, "title": "x"})
    refused("unknown_template", create_event, commands, ["gmuend"], "x")


@pytest.mark.parametrize("table", ["9223372036854775808", "18446744073709551616", "1" * 40])
def test_a_table_number_past_sqlites_integers_is_404(app, event, table):
    assert app.test_client().get(f"/e/{event['id']}/t/{table}").status_code == 404
    assert app.test_client().get(f"/e/{event['id']}/m/{table}").status_code == 404
    # The error pages for a refused card form look the table up too.
    refused_form = app.test_client().post(f"/e/{event['id']}/t/{table}/cards", data={"text": "x"},
                                          headers={"Origin": "http://localhost"})
    assert refused_form.status_code == 400

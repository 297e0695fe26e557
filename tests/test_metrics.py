"""/metrics in Prometheus' text format (issue 23): what a town's monitoring watches."""
from __future__ import annotations

import re
import time
import uuid

import requests
from server import LiveServer, socket_client


def _value(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, flags=re.M)
    assert found, f"{name}{labels} not in /metrics"
    return float(found.group(1))


def test_metrics_count_connections_commands_cards_and_the_loops_lag(tmp_path):
    live = LiveServer(tmp_path).start()
    try:
        table = live.links()["tables"][0]
        phone = socket_client(live, f"/e/demo/t/{table['id']}", {"event": "demo", "role": "participant", "table": table["id"]})
        wall = socket_client(live, "/e/demo/wall", {"event": "demo", "role": "wall"})
        question = [q["id"] for q in phone.call("sync", {"since": 0})["snapshot"]["questions"] if q["table_id"] == table["id"]][0]
        assert phone.call("card:post", {"id": str(uuid.uuid4()), "question": question, "text": "Gezählt"})["ok"]
        assert phone.call("card:post", {"id": str(uuid.uuid4()), "question": question, "text": "x" * 400})["error"]
        time.sleep(1.5)  # one round of the lag timer
        response = requests.get(f"{live.url}/metrics", timeout=10)
        text = response.text
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
        assert _value(text, "tischrunde_connections", '{role="participant"}') == 1
        assert _value(text, "tischrunde_connections", '{role="wall"}') == 1
        assert _value(text, "tischrunde_commands_total", '{command="card:post",outcome="ok"}') == 1
        assert _value(text, "tischrunde_commands_total", '{command="card:post",outcome="text_too_long"}') == 1
        assert _value(text, "tischrunde_cards_posted_total") == 1
        assert 0 <= _value(text, "tischrunde_event_loop_lag_seconds") < 5
        assert _value(text, "tischrunde_model_worker_restarts") == 0
        assert _value(text, "tischrunde_deliveries_queued") >= 0
        assert "Gezählt" not in text and "demo" not in text  # counts only
        phone.disconnect()
        wall.disconnect()
    finally:
        live.stop()

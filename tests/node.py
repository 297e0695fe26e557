"""Run the pages' own JavaScript under Node (Debian's nodejs; `make test` installs it)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).parent / "js"


def run_js(script: str, payload):
    """Feed ``payload`` as JSON to tests/js/<script> and return what it prints, parsed."""
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is missing: `make test` installs Debian's nodejs"
    done = subprocess.run([node, str(SCRIPTS / script)], input=json.dumps(payload), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)

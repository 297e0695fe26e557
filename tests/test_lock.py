"""Installs are reproducible (issue 23): every package of the tree is pinned with its hashes
in requirements*.lock (`make lock` makes them from requirements*.txt), and each direct
requirement's pin is the one the lock holds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _pins(text: str) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version
            for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\;#]+)", text, flags=re.M)}


@pytest.mark.parametrize("source, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-test.txt", "requirements-test.lock")])
def test_every_package_is_pinned_with_hashes_and_agrees_with_the_requirements(source, lock):
    text = (ROOT / lock).read_text()
    lines = text.splitlines()
    pinned = [n for n, line in enumerate(lines) if re.match(r"[A-Za-z0-9_.-]+==", line)]
    unhashed = [lines[n] for n in pinned if not re.match(r"\s+--hash=sha256:[0-9a-f]{64}", lines[n + 1])]
    assert pinned and not unhashed, f"pinned without hashes: {unhashed}"
    locked = _pins(text)
    wanted = _pins((ROOT / source).read_text())
    if source == "requirements-test.txt":
        wanted |= _pins((ROOT / "requirements.txt").read_text())
    assert {name: locked.get(name) for name in wanted} == wanted  # run `make lock` after changing a requirement
    assert {"werkzeug", "jinja2", "click"} <= set(locked)  # the tree, not only the direct requirements

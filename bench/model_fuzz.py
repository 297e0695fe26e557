"""Random Unicode through the real model worker: how many texts, how many worker deaths.

    .venv/bin/python bench/model_fuzz.py [--strings 2000] [--seed 7]

Prints how many of the code points that expand to 4 or more characters under NFKC were
embedded (twenty times each, as the card that once aborted the server), how many random
strings of 1-280 code points over the whole Unicode range, the worker's deaths and the
texts it failed on (both must be 0), and the time per text.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from facilitation.model_worker import ModelWorker  # noqa: E402
from test_model_worker import expanding_code_points, random_strings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strings", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    points = expanding_code_points()
    texts = [chr(cp) * 20 for cp in points] + random_strings(args.strings, seed=args.seed)
    worker = ModelWorker()
    try:
        worker.start()
        started = time.perf_counter()
        failed = 0
        for start in range(0, len(texts), 32):
            failed += sum(v is None for v in worker.embed_each(texts[start:start + 32]))
        took = time.perf_counter() - started
    finally:
        worker.stop()
    print(f"{len(points)} expanding code points and {args.strings} random strings (seed {args.seed}) embedded: "
          f"{worker.deaths} worker deaths, {failed} texts failed, {took / len(texts) * 1000:.0f} ms a text")


if __name__ == "__main__":
    main()

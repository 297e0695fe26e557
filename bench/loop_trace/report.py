"""Summarise a trace written by bench/loop_trace/sitecustomize.py (see there).

    .venv/bin/python bench/loop_trace/report.py /tmp/trace.txt [--whole]

While the phones' feed sent (the app: from its first send to its last; with ``--whole`` or
without sends, the whole trace): the garbage collections, the loop's late wake-ups, the
recurring tasks' slow rounds, and in which tenth of a second the feed's sends fell; with
``--whole``, the ten latest wake-ups with what happened in the 50 ms before them.
"""
from __future__ import annotations

import sys
from collections import Counter


def when(row: list[str]) -> float:
    """A trace line's time (time.perf_counter); its place differs by kind."""
    return float(row[2] if row[0] in ("gc", "send", "work") else row[1])


def main(path: str, whole: bool = False) -> None:
    rows = [line.split() for line in open(path)]
    sends = sorted(float(r[2]) for r in rows if r[0] == "send")
    windowed = bool(sends) and not whole
    start, end = (sends[0], sends[-1]) if windowed else (float("-inf"), float("inf"))
    within = [r for r in rows if start <= when(r) <= end]
    for kind, floor in (("commit", 1), ("perform", 2)):
        ms = sorted(float(r[2]) for r in within if r[0] == kind)
        if ms:
            print(f"{kind}s of {floor} ms or more: {len(ms)}, median {ms[len(ms) // 2]:.1f}, longest {ms[-1]:.1f} ms")
    collections = [(int(r[1]), float(r[3]), int(r[4])) for r in within if r[0] == "gc"]
    lags = [float(r[2]) for r in within if r[0] == "lag"]
    print(f"window: {'the feed sending, %.1f s' % (end - start) if windowed else 'the whole trace'}")
    for generation in sorted({g for g, _, _ in collections}):
        ms = [m for g, m, _ in collections if g == generation]
        found = sum(n for g, _, n in collections if g == generation)
        print(f"gc generation {generation}: {len(ms)} passes of 1 ms or more, longest {max(ms):.1f} ms, "
              f"{sum(ms):.0f} ms in all, {found} objects in cycles")
    if lags:
        print(f"loop woke late (> 4 ms): {len(lags)} times, {sum(lags):.0f} ms in all, longest {max(lags):.1f} ms, "
              f"{sum(1 for lag in lags if lag > 10)} over 10 ms")
    else:
        print("loop woke late (> 4 ms): never")
    works: dict[str, list[float]] = {}
    for r in within:
        if r[0] == "work":
            works.setdefault(r[1], []).append(float(r[3]))
    for name, ms in works.items():
        print(f"{name}: {len(ms)} rounds of 1 ms or more, longest {max(ms):.1f} ms")
    if whole:
        for lag in sorted((r for r in within if r[0] == "lag"), key=lambda r: -float(r[2]))[:10]:
            t = when(lag)
            before = [" ".join(r) for r in within if r[0] != "lag" and t - 0.05 <= when(r) <= t + float(lag[2]) / 1000]
            print(f"late {float(lag[2]):.1f} ms at {t:.3f}: " + ("; ".join(before) or "nothing traced"))
    if windowed:
        tenths = Counter(int((t - start) % 1 * 10) for t in sends)
        print("feed sends per tenth of a second:", " ".join(str(tenths.get(k, 0)) for k in range(10)))


if __name__ == "__main__":
    main(sys.argv[1], "--whole" in sys.argv[2:])

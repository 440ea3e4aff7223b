"""Shared timing helpers: interleaved rounds, medians, ratios measured in one process."""

from __future__ import annotations

import importlib.util
import statistics
import time


def interleaved(cases: dict, rounds: int = 15, inner: int = 1) -> dict:
    """Run every case once per round, round after round, and return median seconds per call.

    Interleaving means a burst of load on a shared machine hits every case alike,
    so the ratios between them stay meaningful even when absolute times wander.
    """
    times = {name: [] for name in cases}
    for fn in cases.values():  # warm up caches and lazy imports
        fn()
    for _ in range(rounds):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            for _ in range(inner):
                inside = fn()
            elapsed = time.perf_counter() - t0
            # a case may time its own core (leaving out set-up) and return the seconds
            times[name].append(inside if isinstance(inside, float) and inner == 1 else elapsed / inner)
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(rows: list, headers: list) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def has_torch() -> bool:
    """Is PyTorch installed? It is measured when present, never required (and imported only by the caller)."""
    return importlib.util.find_spec("torch") is not None

"""W5, deep graphs: x = x * 1.0001 + 0.0001 repeated N times, then backward.

Shows that backward time grows linearly with depth (no recursion, no
quadratic bookkeeping) and compares against the same chain written by hand
in NumPy, in the same process. Also reports the forward pass separately.

    python benchmarks/bench_deep.py            # N = 10^4, 10^5, 10^6
    python benchmarks/bench_deep.py --quick    # N = 10^3, 10^4, 10^5
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import numpy as np

import autograd_lite as ag
from _common import has_torch, table

A, B = 1.0001, 0.0001


def run_autograd(n: int) -> tuple[float, float, float]:
    x = ag.Tensor(np.array(0.5), requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * A + B
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, x.grad.item()


def forward_without_collector(n: int) -> float:
    """The library's forward pass with Python's cyclic collector paused: what the collector costs."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return run_autograd(n)[0]
    finally:
        if gc_was_enabled:
            gc.enable()


def run_numpy(n: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    y = np.array(0.5)
    for _ in range(n):
        y = y * A + B
    t1 = time.perf_counter()
    g = np.array(1.0)
    for _ in range(n):
        g = g * A  # d/dy (y * A + B): the add passes g on, the mul scales it
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(g)


def run_torch(n: int) -> tuple[float, float, float]:
    import torch

    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * A + B
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(x.grad)


def main(sizes=(10**4, 10**5, 10**6), repeats: int = 5, with_torch: bool = True) -> dict:
    rows = []
    ratios = {}
    np_times = {}
    fwd_steps = {}  # n -> (forward s a loop step, the same with the cyclic collector paused)
    per_op = []
    for n in sizes:
        ag_f, ag_b, np_f, np_b = [], [], [], []
        for _ in range(repeats):  # interleaved
            f, b, g_ag = run_autograd(n)
            ag_f.append(f)
            ag_b.append(b)
            f, b, g_np = run_numpy(n)
            np_f.append(f)
            np_b.append(b)
        assert abs(g_ag - g_np) <= 1e-9 * abs(g_np), (g_ag, g_np)
        agt = statistics.median(a + b for a, b in zip(ag_f, ag_b))
        npt = statistics.median(a + b for a, b in zip(np_f, np_b))
        np_times[n] = npt
        fwd_steps[n] = (statistics.median(ag_f) / n, forward_without_collector(n) / n)
        bwd = statistics.median(ag_b)
        per_op.append(bwd / n)
        ratios[n] = agt / npt
        rows.append(
            (
                f"{n:,}",
                f"{statistics.median(ag_f):.3f}",
                f"{bwd:.3f}",
                f"{bwd / n * 1e6:.2f}",
                f"{npt:.3f}",
                f"{agt / npt:.1f}x",
            )
        )
    print("W5 deep chain: x = x * 1.0001 + 0.0001, N times, then backward (median of", repeats, "runs)")
    print(table(rows, ["N", "fwd s", "bwd s", "bwd us/op", "numpy fwd+bwd s", "ratio"]))
    # slope of log(backward time) against log(N): 1 is linear, 2 would be quadratic
    ns = np.log(np.array(sizes, dtype=float))
    ts = np.log(np.array(per_op) * np.array(sizes))
    growth = float(np.polyfit(ns, ts, 1)[0])
    lo, hi = min(per_op) * 1e6, max(per_op) * 1e6
    print(f"backward time grows as N^{growth:.2f} (1.00 = linear; {lo:.1f} to {hi:.1f} us per loop step)")
    print(
        "forward us a loop step, collector on / paused: "
        + ", ".join(f"N={n:,}: {on * 1e6:.2f} / {off * 1e6:.2f}" for n, (on, off) in fwd_steps.items())
    )
    results = {"W5": ratios, "W5_linearity": growth, "W5_numpy_s": np_times}
    if with_torch:
        results.update(measure_torch(np_times))
    return results


def measure_torch(np_times: dict) -> dict:
    """PyTorch on the same chain (N <= 10^5), against the NumPy times measured by ``main``.

    Run after everything else: importing PyTorch adds some 170,000 objects that Python's
    cyclic collector rescans during every full collection, which would slow this
    library's forward pass in any run after it (a cost of the process, not of the library).
    """
    if not has_torch():
        return {}
    torch_ratios = {}
    for n, npt in np_times.items():
        if n <= 10**5:
            tf, tb, _ = run_torch(n)
            torch_ratios[n] = (tf + tb) / npt
    print("PyTorch, same chain: " + ", ".join(f"N={n:,}: {r:.0f}x" for n, r in torch_ratios.items()))
    return {"W5_torch": torch_ratios}


if __name__ == "__main__":
    if "--quick" in sys.argv:
        main((10**3, 10**4, 10**5))
    else:
        main()

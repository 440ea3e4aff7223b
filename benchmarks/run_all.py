"""Run every benchmark and print the ratios to hand-written NumPy against the targets.

    python benchmarks/run_all.py            # the full sizes (a few minutes)
    python benchmarks/run_all.py --quick    # smaller sizes, a smoke run

PyTorch is measured too where it is installed (``pip install torch``); it is
never a dependency.
"""

from __future__ import annotations

import sys
import time

import bench_deep
import bench_memory
import bench_mlp
import bench_overhead

from _common import table

TARGETS = {"W1": 2.0, "W2": 2.5, "W3": 1.3, "W4": 1.05}


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    t0 = time.perf_counter()
    results = {}
    # W5 first: its forward pass is sensitive to how many objects the process holds (the
    # cyclic collector rescans them all), and the others import scikit-learn. PyTorch runs
    # last of all, never between the library's rounds: importing it adds objects for the
    # collector, and its OpenMP threads spin on after each call, slowing whatever runs next.
    deep = bench_deep.main((10**3, 10**4, 10**5) if quick else (10**4, 10**5, 10**6), with_torch=False)
    results.update(deep)
    print()
    results.update(bench_overhead.main(with_torch=False))
    print()
    results.update(bench_mlp.main(quick=quick, with_torch=False))
    print()
    results.update(bench_memory.main(quick=quick))
    print()
    results.update(bench_overhead.measure_torch())
    results.update(bench_mlp.measure_torch(quick=quick))
    results.update(bench_deep.measure_torch(deep["W5_numpy_s"]))
    print()
    rows = []
    for w, target in TARGETS.items():
        t = results.get(f"{w}_torch")
        rows.append((w, f"{results[w]:.2f}x", f"<= {target}x", "-" if t is None else f"{t:.2f}x"))
    for n, r in results["W5"].items():
        t = results.get("W5_torch", {}).get(n)
        rows.append((f"W5 N={n:,}", f"{r:.1f}x", "<= 25x", "-" if t is None else f"{t:.0f}x"))
    rows.append(("W5 backward ~ N^k", f"k = {results['W5_linearity']:.2f}", "k = 1 (linear)", ""))
    rows.append(("W6 import", f"+{results['W6_import_mib']:.1f} MiB", "<= +15 MiB", ""))
    rows.append(("W6 W4 peak", f"{results['W6_w4_ratio']:.2f}x", "<= 1.2x", ""))
    print("summary: ratio to hand-written NumPy, medians measured in this run")
    print(table(rows, ["workload", "autograd_lite", "target", "PyTorch"]))
    print(f"total benchmark time {time.perf_counter() - t0:.0f} s")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run every benchmark in this folder and print a summary of the ratios to hand-written NumPy.

python benchmarks/run_all.py            # full sizes
python benchmarks/run_all.py --quick    # smaller sizes, for a smoke run
"""

from __future__ import annotations

import sys
import time

import bench_deep
import bench_overhead


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    t0 = time.perf_counter()
    results = {}
    results.update(bench_overhead.main())
    print()
    results.update(bench_deep.main((10**3, 10**4, 10**5) if quick else (10**4, 10**5, 10**6)))
    print()
    print("summary (ratio to hand-written NumPy, medians measured in this run)")
    print(f"  W1 per-op overhead      {results['W1']:.2f}x")
    for n, r in results["W5"].items():
        print(f"  W5 deep chain N={n:<9,} {r:.1f}x")
    print(f"  W5 backward us/op growth, largest/smallest N: {results['W5_linearity']:.2f}x")
    print(f"total benchmark time {time.perf_counter() - t0:.0f} s")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])

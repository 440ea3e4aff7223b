"""W6, memory: what ``import autograd_lite`` adds over NumPy, and the peak of W4 against the NumPy limit.

Each measurement runs in a fresh Python process and reads its peak resident
set size (``VmHWM``), so it counts everything the process touched.

    python benchmarks/bench_memory.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _common import table

HERE = Path(__file__).resolve().parent

# VmHWM is the process's own high-water mark; ru_maxrss would also count the parent
# (Linux keeps it across exec), and the benchmark runner itself grows large.
_PEAK = """
try:
    with open("/proc/self/status") as fh:
        print(next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024)
except OSError:
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_mib(code: str) -> float:
    """Peak RSS in MiB of a fresh interpreter running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\n" + _PEAK], capture_output=True, text=True, check=True, cwd=HERE
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> dict:
    base = peak_mib("import numpy")
    lib = peak_mib("import numpy, autograd_lite")
    lib_nn = peak_mib("import numpy, autograd_lite, nn")
    w4 = "import bench_mlp as b; p = b.make_problem('W4', quick={q}); b.run_{impl}(p)"
    np_peak = peak_mib(w4.format(q=quick, impl="numpy"))
    ag_peak = peak_mib(w4.format(q=quick, impl="autograd"))
    rows = [
        ("import numpy", f"{base:.1f}", ""),
        ("import numpy, autograd_lite", f"{lib:.1f}", f"+{lib - base:.1f} MiB"),
        ("import numpy, autograd_lite, nn", f"{lib_nn:.1f}", f"+{lib_nn - base:.1f} MiB"),
        ("W4 training, hand-written NumPy", f"{np_peak:.1f}", "1.00x"),
        ("W4 training, autograd_lite", f"{ag_peak:.1f}", f"{ag_peak / np_peak:.2f}x"),
    ]
    print("W6 peak resident memory (fresh process each, MiB)")
    print(table(rows, ["process", "peak MiB", "vs baseline"]))
    return {"W6_import_mib": lib - base, "W6_w4_ratio": ag_peak / np_peak}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

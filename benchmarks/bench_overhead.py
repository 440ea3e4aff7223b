"""W1, per-op overhead: a chain of 100 add/mul/tanh ops on a float64[10] array, forward and backward.

The same chain is written by hand in NumPy (forward, then the backward pass
with the chain rule spelled out) and timed in the same process, interleaved
round by round. Prints microseconds per op and the ratio to NumPy.

    python benchmarks/bench_overhead.py
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag
from _common import interleaved, table

N_OPS = 100
KINDS = ("add", "mul", "tanh")
C = 0.999


def chain_autograd(x0: np.ndarray) -> np.ndarray:
    x = ag.Tensor(x0, requires_grad=True)
    y = x
    for i in range(N_OPS):
        k = KINDS[i % 3]
        if k == "add":
            y = y + x
        elif k == "mul":
            y = y * C
        else:
            y = y.tanh()
    y.backward(np.ones_like(x0))
    return x.grad.data


def chain_numpy(x0: np.ndarray) -> np.ndarray:
    # forward, keeping what the backward pass needs
    saved = []
    y = x0
    for i in range(N_OPS):
        k = KINDS[i % 3]
        if k == "add":
            y = y + x0
        elif k == "mul":
            y = y * C
        else:
            y = np.tanh(y)
            saved.append(y)
    # backward
    g = np.ones_like(x0)
    gx = np.zeros_like(x0)
    for i in reversed(range(N_OPS)):
        k = KINDS[i % 3]
        if k == "add":
            gx = gx + g
        elif k == "mul":
            g = g * C
        else:
            t = saved.pop()
            g = g * (1.0 - t * t)
    return gx + g


def main() -> dict:
    x0 = np.random.default_rng(0).standard_normal(10)
    np.testing.assert_allclose(chain_autograd(x0), chain_numpy(x0), rtol=1e-12)
    med = interleaved(
        {"numpy": lambda: chain_numpy(x0), "autograd_lite": lambda: chain_autograd(x0)}, rounds=31, inner=20
    )
    ratio = med["autograd_lite"] / med["numpy"]
    rows = [
        ("hand-written NumPy", f"{med['numpy'] / N_OPS * 1e6:.2f}", "1.00x"),
        ("autograd_lite", f"{med['autograd_lite'] / N_OPS * 1e6:.2f}", f"{ratio:.2f}x"),
    ]
    print("W1 per-op overhead: 100 add/mul/tanh ops on float64[10], forward + backward (median of 31 rounds)")
    print(table(rows, ["implementation", "us/op", "ratio"]))
    return {"W1": ratio}


if __name__ == "__main__":
    main()

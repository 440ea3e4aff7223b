"""W1, per-op overhead: a chain of 100 add/mul/tanh ops on a float64[10] array, forward and backward.

The same chain is written by hand in NumPy (forward, then the backward pass
with the chain rule spelled out) and timed in the same process, interleaved
round by round. Prints microseconds per op and the ratio to NumPy.

    python benchmarks/bench_overhead.py
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag
from _common import has_torch, interleaved, table

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


def chain_torch(x0: np.ndarray) -> np.ndarray:
    import torch

    x = torch.tensor(x0, requires_grad=True)
    y = x
    for i in range(N_OPS):
        k = KINDS[i % 3]
        if k == "add":
            y = y + x
        elif k == "mul":
            y = y * C
        else:
            y = torch.tanh(y)
    y.backward(torch.ones_like(x))
    return x.grad.numpy()


def measure_torch() -> dict:
    """PyTorch's ratio to NumPy on W1, in rounds of its own (after the library's; see bench_mlp)."""
    if not has_torch():
        return {}
    x0 = np.random.default_rng(0).standard_normal(10)
    np.testing.assert_allclose(chain_torch(x0), chain_numpy(x0), rtol=1e-12)
    med = interleaved({"numpy": lambda: chain_numpy(x0), "torch": lambda: chain_torch(x0)}, rounds=31, inner=20)
    ratio = med["torch"] / med["numpy"]
    print(f"PyTorch (CPU), W1 in its own rounds: {med['torch'] / N_OPS * 1e6:.2f} us/op, {ratio:.2f}x NumPy")
    return {"W1_torch": ratio}


def main(with_torch: bool = True) -> dict:
    x0 = np.random.default_rng(0).standard_normal(10)
    np.testing.assert_allclose(chain_autograd(x0), chain_numpy(x0), rtol=1e-12)
    cases = {"numpy": lambda: chain_numpy(x0), "autograd_lite": lambda: chain_autograd(x0)}
    med = interleaved(cases, rounds=31, inner=20)
    rows = []
    results = {}
    labels = {"numpy": "hand-written NumPy", "autograd_lite": "autograd_lite"}
    for name, t in med.items():
        rows.append((labels[name], f"{t / N_OPS * 1e6:.2f}", f"{t / med['numpy']:.2f}x"))
    results["W1"] = med["autograd_lite"] / med["numpy"]
    print("W1 per-op overhead: 100 add/mul/tanh ops on float64[10], forward + backward (median of 31 rounds)")
    print(table(rows, ["implementation", "us/op", "ratio"]))
    if with_torch:
        results.update(measure_torch())
    return results


if __name__ == "__main__":
    main()

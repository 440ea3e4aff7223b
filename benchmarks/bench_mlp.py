"""W2-W4: training small and large MLPs, against the same training written by hand in NumPy.

- W2 XOR: 2-4-1 sigmoid MLP, MSE, batch 4, SGD lr 0.5, 2000 epochs (float64).
- W3 digits: 64-128-64-10 ReLU MLP, softmax cross-entropy, batch 64, SGD lr 0.1
  momentum 0.9, 10 epochs over the 8x8 digits, float32.
- W4 large MLP: 784-512-512-10 ReLU, cross-entropy, batch 256, float32, 50 SGD steps.

Every implementation starts from the same weights and sees the same batches,
and the final losses are compared, so all do the same work. The training
loop is timed; building the model is not. The library uses
its ordinary user-facing API (nn.Sequential, nn.Linear, nn.CrossEntropyLoss,
nn.optim.SGD). PyTorch is timed too when it is installed.

    python benchmarks/bench_mlp.py [--quick]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import autograd_lite as ag
import nn
from _common import has_torch, interleaved, table


def _torch():
    """PyTorch if it is installed (measured when present, never required), imported on first use."""
    if not has_torch():
        return None
    import torch

    return torch


# ------------------------------------------------------------------ problems
def make_problem(name: str, quick: bool = False) -> dict:
    rng = np.random.default_rng(0)
    if name == "W2":
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        Y = np.array([[0.0], [1.0], [1.0], [0.0]])
        return dict(sizes=[2, 4, 1], act="sigmoid", loss="mse", dtype=np.float64, lr=0.5, momentum=0.0,
                    batches=[(X, Y)] * (200 if quick else 2000))  # fmt: skip
    if name == "W3":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        epochs = 2 if quick else 10
        batches = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for s in range(0, len(X) - 63, 64):
                idx = order[s : s + 64]
                batches.append((X[idx], y[idx]))
        return dict(sizes=[64, 128, 64, 10], act="relu", loss="ce", dtype=np.float32, lr=0.1, momentum=0.9,
                    batches=batches)  # fmt: skip
    if name == "W4":
        steps = 5 if quick else 50
        X = rng.standard_normal((256, 784)).astype(np.float32)
        y = rng.integers(0, 10, 256)
        return dict(sizes=[784, 512, 512, 10], act="relu", loss="ce", dtype=np.float32, lr=0.01, momentum=0.0,
                    batches=[(X, y)] * steps)  # fmt: skip
    raise ValueError(name)


def init_weights(sizes: list, dtype) -> list:
    rng = np.random.default_rng(1)
    out = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(i)
        out.append((rng.uniform(-bound, bound, (o, i)).astype(dtype), rng.uniform(-bound, bound, o).astype(dtype)))
    return out


# ------------------------------------------------------------ implementations
def run_numpy(p: dict) -> float:
    """Forward and backward written by hand: the limit."""
    params = [(W.copy(), b.copy()) for W, b in init_weights(p["sizes"], p["dtype"])]
    vel = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    lr, mom, dt = p["lr"], p["momentum"], p["dtype"]
    loss = 0.0
    t0 = time.perf_counter()
    for X, y in p["batches"]:
        acts = [X]
        for k, (W, b) in enumerate(params):
            z = acts[-1] @ W.T + b
            if k < len(params) - 1 or p["loss"] == "mse":
                z = 1 / (1 + np.exp(-z)) if p["act"] == "sigmoid" else np.maximum(z, 0)
            acts.append(z)
        out = acts[-1]
        if p["loss"] == "mse":
            diff = out - y
            loss = float(np.mean(diff * diff))
            g = (2 / diff.size) * diff
            g = g * out * (1 - out)
        else:
            m = out.max(axis=1, keepdims=True)
            e = np.exp(out - m)
            s = e.sum(axis=1, keepdims=True)
            n = len(y)
            loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - out[np.arange(n), y]))
            g = e / s
            g[np.arange(n), y] -= 1
            g = (g / n).astype(dt)
        for k in range(len(params) - 1, -1, -1):
            W, b = params[k]
            gW, gb = g.T @ acts[k], g.sum(axis=0)
            if k > 0:
                g = g @ W
                a = acts[k]
                g = g * a * (1 - a) if p["act"] == "sigmoid" else g * (a > 0)
            vW, vb = vel[k]
            if mom:
                vW *= mom
                vW += gW
                vb *= mom
                vb += gb
                gW, gb = vW, vb
            W -= lr * gW
            b -= lr * gb
    p["last_loss"] = loss
    return time.perf_counter() - t0


def build_model(p: dict) -> nn.Module:
    layers = []
    weights = init_weights(p["sizes"], p["dtype"])
    for k, (W, b) in enumerate(weights):
        fc = nn.Linear(W.shape[1], W.shape[0])
        fc.load_state_dict({"weight": W, "bias": b})
        fc.astype(p["dtype"])
        layers.append(fc)
        if k < len(weights) - 1 or p["loss"] == "mse":
            layers.append(nn.Sigmoid() if p["act"] == "sigmoid" else nn.ReLU())
    return nn.Sequential(*layers)


def run_autograd(p: dict) -> float:
    model = build_model(p)
    loss_fn = nn.MSELoss() if p["loss"] == "mse" else nn.CrossEntropyLoss()
    opt = nn.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"])
    loss = None
    t0 = time.perf_counter()
    for X, y in p["batches"]:
        opt.zero_grad()
        loss = loss_fn(model(ag.from_numpy(X)), y)
        loss.backward()
        opt.step()
    p["last_loss"] = float(loss.item())
    return time.perf_counter() - t0


def run_torch(p: dict) -> float:
    torch = _torch()
    layers = []
    weights = init_weights(p["sizes"], p["dtype"])
    tdt = torch.float32 if p["dtype"] == np.float32 else torch.float64
    for k, (W, b) in enumerate(weights):
        fc = torch.nn.Linear(W.shape[1], W.shape[0]).to(tdt)
        with torch.no_grad():
            fc.weight.copy_(torch.from_numpy(W))
            fc.bias.copy_(torch.from_numpy(b))
        layers.append(fc)
        if k < len(weights) - 1 or p["loss"] == "mse":
            layers.append(torch.nn.Sigmoid() if p["act"] == "sigmoid" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.MSELoss() if p["loss"] == "mse" else torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"])
    batches = [(torch.from_numpy(X), torch.from_numpy(np.asarray(y))) for X, y in p["batches"]]
    loss = None
    t0 = time.perf_counter()
    for X, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
    p["last_loss"] = float(loss.item())
    return time.perf_counter() - t0


def measure_torch(quick: bool = False, rounds: int | None = None) -> dict:
    """PyTorch's ratio to hand-written NumPy on W2-W4, in rounds of their own.

    Run after the library's rounds, never interleaved with them: after each run,
    PyTorch's OpenMP threads keep spinning on the second core for a while, which
    slowed whatever ran next (the NumPy baseline's multi-threaded matrix products
    most: W3's 40 ms became 57 ms, flattering the library's ratio).
    """
    results = {}
    if _torch() is None:
        return results
    for name in ("W2", "W3", "W4"):
        p = make_problem(name, quick)
        med = interleaved(
            {"numpy": lambda p=p: run_numpy(p), "torch": lambda p=p: run_torch(p)},
            rounds=rounds or (3 if name == "W4" else 5),
        )
        results[name + "_torch"] = med["torch"] / med["numpy"]
    print("PyTorch (CPU), measured after the library, against NumPy in its own rounds: "
          + ", ".join(f"{name} {results[name + '_torch']:.2f}x" for name in ("W2", "W3", "W4")))  # fmt: skip
    return results


def main(quick: bool = False, rounds: int | None = None, with_torch: bool = True) -> dict:
    results = {}
    rows = []
    for name in ("W2", "W3", "W4"):
        p = make_problem(name, quick)
        run_numpy(p)
        ref = p["last_loss"]
        run_autograd(p)
        got = p["last_loss"]
        tol = 1e-9 if p["dtype"] == np.float64 else 1e-3
        assert abs(got - ref) <= tol * max(1.0, abs(ref)), (name, got, ref)
        cases = {"numpy": lambda p=p: run_numpy(p), "autograd_lite": lambda p=p: run_autograd(p)}
        med = interleaved(cases, rounds=rounds or (5 if name == "W4" else 9))
        ratio = med["autograd_lite"] / med["numpy"]
        results[name] = ratio
        ms = f"{med['numpy'] * 1e3:.1f}", f"{med['autograd_lite'] * 1e3:.1f}"
        rows.append((name, *ms, f"{ratio:.2f}x", f"{got:.6g}"))
    print("W2-W4 MLP training, median ms per run (same weights, same batches, interleaved rounds)")
    print(table(rows, ["workload", "numpy ms", "autograd_lite ms", "ratio", "final loss"]))
    if with_torch:
        results.update(measure_torch(quick, rounds))
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

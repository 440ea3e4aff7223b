"""Every activation beside the derivative the engine computes for it, on one PNG grid.

Nothing here differentiates by hand: each curve's derivative comes from
``backward()`` through the activation's forward form. Shaded bands mark
where the activation saturates (|f'(x)| < 0.01 out to the end of the
range), the places where gradients vanish in deep networks. The derivative is also checked against
the closed form people learn (sigmoid' = s(1 - s), tanh' = 1 - t^2, ...).

    python examples/activations.py                 # writes examples/out/activations.png
    python examples/activations.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
import autograd_lite.functional as F

ACTIVATIONS = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu (0.1)": lambda x: F.leaky_relu(x, 0.1),
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "gelu (tanh)": lambda x: F.gelu(x, "tanh"),
    "softplus": F.softplus,
    "silu": F.silu,
    "exponential": F.exponential,
    "identity": F.identity,
}

_s = lambda x: 1 / (1 + np.exp(-x))
CLOSED_FORMS = {
    "sigmoid": lambda x: _s(x) * (1 - _s(x)),
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "relu": lambda x: (x > 0).astype(float),
    "softplus": _s,
    "silu": lambda x: _s(x) * (1 + x * (1 - _s(x))),
    "exponential": np.exp,
    "identity": np.ones_like,
}


def curves(x: np.ndarray) -> dict:
    """Value and engine-computed derivative of every activation on the grid ``x``."""
    out = {}
    for name, f in ACTIVATIONS.items():
        t = ag.tensor(x, requires_grad=True)
        y = f(t)
        y.sum().backward()  # elementwise, so d(sum)/dx_i = f'(x_i)
        out[name] = (y.data.copy(), t.grad.data.copy())
    return out


def saturated(dy: np.ndarray) -> np.ndarray:
    """Where |f'| < 0.01 all the way out to an end of the range (a flat tail, not a stationary point)."""
    small = np.abs(dy) < 0.01
    mask = np.zeros_like(small)
    for s, e in _runs(small):
        if s == 0 or e == len(small) - 1:
            mask[s : e + 1] = True
    return mask


def plot(x: np.ndarray, data: dict, path: pathlib.Path) -> pathlib.Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 4, figsize=(16, 10), sharex=True)
    for ax, (name, (y, dy)) in zip(axes.ravel(), data.items()):
        sat = saturated(dy)
        ax.fill_between(x, 0, 1, where=sat, transform=ax.get_xaxis_transform(), color="0.9", label="|f'| < 0.01")
        ax.plot(x, y, color="C0", lw=2, label="f(x)")
        ax.plot(x, dy, color="C3", lw=2, ls="--", label="f'(x) from backward()")
        ax.axhline(0, color="0.6", lw=0.5)
        ax.axvline(0, color="0.6", lw=0.5)
        ax.set_title(name)
        ax.set_ylim(-2, 4)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Activations and the derivatives the engine computes for them (shaded: saturated)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    x = np.linspace(-6, 6, 601)
    data = curves(x)
    worst = 0.0
    for name, closed in CLOSED_FORMS.items():
        err = float(np.max(np.abs(data[name][1] - closed(x))))
        worst = max(worst, err)
        print(f"{name:12s} engine derivative vs closed form: max difference {err:.1e}")
    assert worst < 1e-12, worst
    print("\nsaturated (|f'| < 0.01) on [-6, 6]:")
    for name, (_, dy) in data.items():
        sat = saturated(dy)
        where = (
            "nowhere"
            if not sat.any()
            else f"{sat.mean():.0%} of the range, x in " + ", ".join(f"[{x[s]:.1f}, {x[e]:.1f}]" for s, e in _runs(sat))
        )
        print(f"  {name:17s} {where}")
    path = plot(x, data, out_dir / "activations.png")
    print(f"\nwrote {path}")
    return data


def _runs(mask: np.ndarray) -> list:
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


if __name__ == "__main__":
    main(sys.argv[1:])

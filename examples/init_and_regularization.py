"""Initialisation scales in a deep network, then weight decay and gradient clipping.

Part 1, initialisation: a batch of 512 standard-normal inputs goes through
8 layers of 64 units (tanh, then again with ReLU), biases zero, the weights
drawn by one scheme from ``nn.init`` at a time. The standard deviation of
each layer's activations tells the story:

* N(0, 1) and U(-1, 1) are far too large for 64 inputs: tanh units sit in
  saturation (|a| > 0.99, where the gradient vanishes), ReLU activations grow
  by about sqrt(64 var / 2) per layer and explode;
* N(0, 0.01^2) is far too small: the signal shrinks by ~12x per layer;
* Xavier (var 2 / (fan_in + fan_out)) keeps tanh activations in range, He
  (var 2 / fan_in) does the same for ReLU, whose half-zero outputs need the
  factor 2 (Xavier with ReLU still fades away, layer by layer);
* the ``nn.Linear`` default (PyTorch's, U(+-1/sqrt(fan_in))) shrinks slowly.

Part 2, weight decay: a 1-64-64-1 tanh network (4,353 parameters) fits 16
noisy points of sin(x). ``nn.optim.AdamW`` with growing ``weight_decay``
ends with a smaller weight norm and a smoother curve, closer to sin(x) away
from the training points, at the price of a slightly higher training loss.

Part 3, gradient clipping: SGD (momentum 0.9) with a learning rate too large
for this network (0.2) diverges to inf/NaN within a few epochs; the same run
with ``nn.utils.clip_grad_norm_(params, 1.0)`` before each step stays finite
and fits the data.

    python examples/init_and_regularization.py           # writes examples/out/init_*.png, regularization.png
    python examples/init_and_regularization.py --quick   # fewer steps (used by the test suite)
    python examples/init_and_regularization.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
import nn

DEPTH, WIDTH = 8, 64

INITS = {
    "N(0, 1)": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "U(-1, 1)": lambda w: nn.init.uniform_(w, -1.0, 1.0),
    "N(0, 0.01^2)": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "Xavier normal": lambda w: nn.init.xavier_normal_(w),
    "He normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "nn.Linear default": lambda w: w,  # what nn.Linear drew already: kaiming_uniform_(a=sqrt(5))
}


def activation_stats(init: str, activation: str, x: ag.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Per-layer std of the activations and the fraction of units that are saturated (tanh, |a| > 0.99)
    or dead (ReLU, a == 0), for the deep MLP initialised with scheme ``init``."""
    ag.manual_seed(1)
    layers = [nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)]
    for layer in layers:
        INITS[init](layer.weight)
        nn.init.zeros_(layer.bias)
    stds, fractions = [], []
    h = x
    with ag.no_grad():
        for layer in layers:
            h = layer(h)
            h = h.tanh() if activation == "tanh" else h.relu()
            stds.append(float(h.data.std()))
            a = h.data
            fractions.append(float(np.mean(np.abs(a) > 0.99) if activation == "tanh" else np.mean(a == 0)))
    return np.array(stds), np.array(fractions)


def regression_data(n: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` noisy samples of sin(x) on [-3, 3] (noise std 0.2) and a clean test grid."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (n, 1))
    X_test = np.linspace(-3, 3, 200)[:, None]
    return X, np.sin(X) + 0.2 * rng.standard_normal(X.shape), X_test, np.sin(X_test)


def weight_norm(model: nn.Module) -> float:
    """The Euclidean norm of all weight matrices together (biases left out)."""
    return float(np.sqrt(sum(float((p.data**2).sum()) for n, p in model.named_parameters() if n.endswith("weight"))))


def train_weight_decay(weight_decay: float, steps: int) -> dict:
    """Full-batch AdamW (lr 0.01) on the 16 points; returns losses, the weight norm per step and the fitted curve."""
    X, Y, X_test, Y_test = regression_data()
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    optimizer = nn.optim.AdamW(model.parameters(), lr=0.01, weight_decay=weight_decay)
    loss_fn = nn.MSELoss()
    x, y = ag.tensor(X), ag.tensor(Y)
    norms = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        norms.append(weight_norm(model))
    with ag.no_grad():
        curve = model(ag.tensor(X_test)).data.ravel()
    return {
        "train": nn.evaluate(model, loss_fn, (X, Y))["loss"],
        "test": float(np.mean((curve - Y_test.ravel()) ** 2)),
        "norms": np.array(norms),
        "curve": curve,
    }


def train_clipping(max_norm: float | None, epochs: int = 30, lr: float = 0.2) -> dict:
    """Minibatch SGD (momentum 0.9) with a too-large rate on 256 noisy sine samples, optionally clipped.

    Returns the training MSE after each epoch (stopping at the first inf/NaN) and the gradient norm
    before clipping at every step.
    """
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (256, 1))
    Y = np.sin(2 * X) + 0.1 * rng.standard_normal(X.shape)
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = nn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, Y), batch_size=16, shuffle=True)
    loss_fn = nn.MSELoss()
    losses, grad_norms = [], []
    # the unclipped run overflows on purpose; NumPy would warn about it at every step
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            for xb, yb in loader:
                optimizer.zero_grad()
                loss_fn(model(xb), yb).backward()
                total = nn.utils.clip_grad_norm_(model.parameters(), max_norm if max_norm else float("inf"))
                grad_norms.append(total.item())
                optimizer.step()
            losses.append(nn.evaluate(model, loss_fn, (X, Y))["loss"])
            if not np.isfinite(losses[-1]):
                break
    return {"losses": np.array(losses), "grad_norms": np.array(grad_norms)}


def plot_init(stats: dict, path: pathlib.Path) -> pathlib.Path:
    """Activation std per layer (tanh and ReLU) and the fraction of saturated tanh units."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    layers = np.arange(1, DEPTH + 1)
    for k, init in enumerate(INITS):
        style = dict(color=f"C{k}", marker="o", ms=4, lw=2, label=init)
        axes[0].semilogy(layers, stats["tanh"][init][0], **style)
        axes[1].plot(layers, stats["tanh"][init][1], **style)
        axes[2].semilogy(layers, stats["relu"][init][0], **style)
    axes[0].set_title("tanh: std of the activations")
    axes[1].set_title("tanh: fraction of saturated units (|a| > 0.99)")
    axes[2].set_title("ReLU: std of the activations")
    for ax in axes:
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{DEPTH} layers of {WIDTH}, one batch of 512 N(0, 1) inputs, biases zero")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_regularization(decay: dict, clip: dict, path: pathlib.Path) -> pathlib.Path:
    """Weight decay (fitted curves, weight norm per step) and clipping (loss per epoch, gradient norms)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, Y, X_test, Y_test = regression_data()
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    ax = axes[0, 0]
    ax.plot(X_test, Y_test, color="0.6", lw=4, alpha=0.5, label="sin(x)")
    ax.plot(X, Y, "ko", label="training points")
    for k, (wd, r) in enumerate(decay.items()):
        ax.plot(X_test, r["curve"], color=f"C{k}", lw=1.5, label=f"weight_decay {wd:g} (test MSE {r['test']:.3f})")
        axes[0, 1].plot(r["norms"], color=f"C{k}", lw=2, label=f"weight_decay {wd:g}")
    ax.set_ylim(-2, 2)
    ax.set_title("AdamW on 16 noisy points: the fitted curves")
    ax.legend(fontsize=8)
    axes[0, 1].set_title("norm of all weight matrices")
    axes[0, 1].set_xlabel("step")
    axes[0, 1].legend(fontsize=8)
    cap = 1e6  # the diverging run reaches 1e300 and beyond; show it as running off the top of the plot
    shown = lambda v: np.where(np.isfinite(v), np.minimum(v, cap), np.nan)
    for k, (name, r) in enumerate(clip.items()):
        losses = r["losses"]
        axes[1, 0].semilogy(np.arange(1, len(losses) + 1), shown(losses), color=f"C{k}", marker="o", ms=3, label=name)
        if not np.isfinite(losses[-1]):
            axes[1, 0].axvline(len(losses), color=f"C{k}", ls=":", label=f"{name}: inf/NaN at epoch {len(losses)}")
        axes[1, 1].semilogy(shown(r["grad_norms"]), color=f"C{k}", lw=1, label=name)
    for a in axes[1]:
        a.set_ylim(top=cap * 3)
    axes[1, 1].axhline(1.0, color="k", ls="--", lw=1, label="max_norm = 1")
    axes[1, 0].set_title("SGD with lr 0.2 (too large): training MSE (capped at 1e6)")
    axes[1, 0].set_xlabel("epoch")
    axes[1, 1].set_title("gradient norm before clipping (capped at 1e6)")
    axes[1, 1].set_xlabel("step")
    for a in axes[1]:
        a.legend(fontsize=8)
    for a in axes.ravel():
        a.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"

    ag.manual_seed(0)
    x = ag.randn(512, WIDTH)
    stats = {act: {init: activation_stats(init, act, x) for init in INITS} for act in ("tanh", "relu")}
    for act, what in (("tanh", "saturated"), ("relu", "dead")):
        print(f"{act}: std of the activations per layer ({DEPTH} layers of {WIDTH}), and the last layer's {what} units")
        print(f"{'init':18s}" + "".join(f"{f'layer {i}':>10s}" for i in range(1, DEPTH + 1)) + f"{what:>10s}")
        for init, (stds, frac) in stats[act].items():
            print(f"{init:18s}" + "".join(f"{s:10.3g}" for s in stds) + f"{frac[-1]:10.0%}")
        print()

    steps = 600 if quick else 1500
    decay = {wd: train_weight_decay(wd, steps) for wd in ((0.0, 0.3, 1.0) if quick else (0.0, 0.1, 0.3, 1.0))}
    print(f"weight decay: AdamW, 1-64-64-1 tanh net on 16 noisy points of sin(x), {steps} full-batch steps")
    print(f"{'weight_decay':>12s} {'train MSE':>10s} {'test MSE':>9s} {'weight norm':>12s}")
    for wd, r in decay.items():
        print(f"{wd:12g} {r['train']:10.4f} {r['test']:9.4f} {r['norms'][-1]:12.2f}")

    clip = {"no clipping": train_clipping(None), "clip_grad_norm_(1.0)": train_clipping(1.0)}
    print("\ngradient clipping: SGD, lr 0.2, momentum 0.9, tanh MLP on 256 noisy samples of sin(2x)")
    for name, r in clip.items():
        losses, g = r["losses"], r["grad_norms"]
        fate = f"inf/NaN at epoch {len(losses)}" if not np.isfinite(losses[-1]) else f"{len(losses)} epochs"
        clipped = np.mean(g > 1.0)
        print(
            f"{name:22s} {fate:>22s}, final MSE {losses[-1]:.4g}, best {np.nanmin(losses):.4g}, "
            f"gradient norm > 1 at {clipped:.0%} of the steps"
        )

    paths = [
        plot_init(stats, out_dir / "init_activations.png"),
        plot_regularization(decay, clip, out_dir / "regularization.png"),
    ]
    for p in paths:
        print(f"wrote {p}")

    spread = lambda s: float(s.max() / s.min())
    assert spread(stats["tanh"]["Xavier normal"][0]) < 3, "Xavier should keep tanh activations at one scale"
    assert spread(stats["relu"]["He normal"][0]) < 3, "He should keep ReLU activations at one scale"
    assert stats["tanh"]["N(0, 1)"][1].min() > 0.5, "N(0, 1) should saturate most tanh units in every layer"
    assert stats["tanh"]["Xavier normal"][1].max() < 0.05
    for act in ("tanh", "relu"):
        assert stats[act]["N(0, 0.01^2)"][0][-1] < 1e-6, "a small normal should make the activations vanish"
    assert stats["relu"]["N(0, 1)"][0][-1] > 1e4 and stats["relu"]["U(-1, 1)"][0][-1] > 1e3, "should explode"
    assert stats["relu"]["Xavier normal"][0][-1] < stats["relu"]["Xavier normal"][0][0] / 5, "Xavier fades with ReLU"
    wds = list(decay)
    norms = [decay[wd]["norms"][-1] for wd in wds]
    assert all(a > b for a, b in zip(norms, norms[1:])), f"more weight decay should mean smaller weights: {norms}"
    assert norms[-1] < 0.6 * norms[0]
    assert decay[wds[-1]]["test"] < 0.5 * decay[0.0]["test"], "weight decay should generalise better here"
    assert decay[0.0]["train"] < decay[wds[-1]]["train"], "without decay the training points are fitted closer"
    bad, good = clip["no clipping"]["losses"], clip["clip_grad_norm_(1.0)"]["losses"]
    assert not np.isfinite(bad[-1]), "the unclipped run was expected to diverge"
    assert np.all(np.isfinite(good)) and len(good) == 30 and good[-1] < 0.15, good
    return {"stats": stats, "weight_decay": decay, "clipping": clip, "paths": paths}


if __name__ == "__main__":
    main(sys.argv[1:])

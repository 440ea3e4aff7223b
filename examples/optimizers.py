"""Six optimizers on the same problem, then four learning-rate schedules on a small network.

Part 1: SGD, SGD with momentum, Nesterov momentum, Adagrad, RMSprop and Adam
minimise the Rosenbrock function ``(1 - x)^2 + 100 (y - x^2)^2`` from the
classic start (-1.2, 1). Its minimum (1, 1) lies at the end of a long,
curved, flat-bottomed valley: plain SGD needs a small rate to stay stable
across the steep walls and then crawls along the floor, which is exactly
what momentum and per-coordinate scaling (Adagrad, RMSprop, Adam) are for.
The paths are drawn on the contour plot and the losses on one log-scale
plot; a table lists the final losses.

Part 2: a 1-32-32-1 tanh network fits a noisy sine with minibatch SGD
(momentum 0.9) under four schedules from ``nn.optim.lr_scheduler``:
constant, ``LinearWarmup`` then constant, ``StepLR`` and
``CosineAnnealingLR``. Minibatch noise keeps a constant rate bouncing
around the minimum; the decaying schedules end lower. (Warmup matters
when a peak rate is too large for the first steps; with this stable peak
rate it only starts slower.)

    python examples/optimizers.py              # writes examples/out/optimizers.png and lr_schedules.png
    python examples/optimizers.py --quick      # fewer steps and epochs (used by the test suite)
    python examples/optimizers.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
import nn

START = (-1.2, 1.0)

# name -> (learning rate, factory); each rate is about the largest that stays stable for that method here
OPTIMIZERS = {
    "SGD": (1e-3, lambda ps, lr: nn.optim.SGD(ps, lr=lr)),
    "SGD + momentum 0.9": (5e-4, lambda ps, lr: nn.optim.SGD(ps, lr=lr, momentum=0.9)),
    "Nesterov 0.9": (5e-4, lambda ps, lr: nn.optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True)),
    "Adagrad": (0.5, lambda ps, lr: nn.optim.Adagrad(ps, lr=lr)),
    "RMSprop": (1e-2, lambda ps, lr: nn.optim.RMSprop(ps, lr=lr)),
    "Adam": (0.05, lambda ps, lr: nn.optim.Adam(ps, lr=lr)),
}


def rosenbrock(p):
    """``(1 - x)^2 + 100 (y - x^2)^2`` for ``p = (x, y)``; works on Tensors and on NumPy arrays."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def run_optimizer(name: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimise the Rosenbrock function with optimizer ``name``; return the losses and the path of (x, y)."""
    lr, make = OPTIMIZERS[name]
    p = nn.Parameter(np.array(START))
    optimizer = make([p], lr)
    losses, path = [], [p.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        path.append(p.data.copy())
    return np.array(losses), np.array(path)


def schedule_data() -> tuple[np.ndarray, np.ndarray]:
    """256 noisy samples of sin(2x) on [-3, 3] (noise std 0.1, so the best reachable MSE is about 0.01)."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (256, 1))
    return X, np.sin(2 * X) + 0.1 * rng.standard_normal(X.shape)


def make_scheduler(name: str, optimizer, epochs: int):
    """The schedule ``name`` for ``optimizer`` over ``epochs`` epochs (``None`` for a constant rate)."""
    lr_scheduler = nn.optim.lr_scheduler
    if name == "constant":
        return None
    if name == "warmup + constant":
        return lr_scheduler.LinearWarmup(optimizer, warmup_steps=max(epochs // 6, 1), start_factor=0.05)
    if name == "step decay":
        return lr_scheduler.StepLR(optimizer, step_size=max(epochs // 3, 1), gamma=0.2)
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    raise ValueError(name)


SCHEDULES = ["constant", "warmup + constant", "step decay", "cosine"]


def run_schedule(name: str, epochs: int, lr: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Train the tanh MLP with SGD + momentum under schedule ``name``; return the per-epoch rates and losses.

    The loss recorded after each epoch is the mean squared error on the whole training set.
    """
    X, Y = schedule_data()
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = nn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = make_scheduler(name, optimizer, epochs)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, Y), batch_size=16, shuffle=True)
    loss_fn = nn.MSELoss()
    rates, losses = [], []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
        losses.append(nn.evaluate(model, loss_fn, (X, Y))["loss"])
        if scheduler is not None:
            scheduler.step()
    return np.array(rates), np.array(losses)


def plot_optimizers(results: dict, path: pathlib.Path) -> pathlib.Path:
    """Paths on the Rosenbrock contours (left) and loss per step on a log scale (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(14, 5.5))
    gx, gy = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    ax0.contour(gx, gy, np.log10(rosenbrock(np.stack([gx, gy]))), levels=25, cmap="Greys", linewidths=0.6)
    for k, (name, (losses, trace)) in enumerate(results.items()):
        ax0.plot(trace[:, 0], trace[:, 1], color=f"C{k}", lw=1.5, label=name)
        ax1.semilogy(np.maximum(losses, 1e-20), color=f"C{k}", lw=1.5, label=f"{name} (lr {OPTIMIZERS[name][0]:g})")
    ax0.plot(*START, "ko", ms=6)
    ax0.plot(1, 1, "r*", ms=14)
    ax0.set_xlim(-2, 2)
    ax0.set_ylim(-1, 3)
    ax0.set_xlabel("x")
    ax0.set_ylabel("y")
    ax0.set_title("Rosenbrock: paths from (-1.2, 1) to the minimum (1, 1)")
    ax0.legend(fontsize=8, loc="upper left")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss")
    ax1.set_title("loss per step")
    ax1.grid(alpha=0.3, which="both")
    ax1.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_schedules(results: dict, path: pathlib.Path) -> pathlib.Path:
    """Learning rate per epoch (left) and training loss per epoch (right) for each schedule."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.5))
    for k, (name, (rates, losses)) in enumerate(results.items()):
        epochs = np.arange(1, len(rates) + 1)
        dashed = name == "constant"  # otherwise hidden under the warmup curve
        ax0.plot(epochs, rates, color=f"C{k}", lw=3 if dashed else 2, ls="--" if dashed else "-", label=name)
        ax1.semilogy(epochs, losses, color=f"C{k}", lw=1.5, label=name)
    ax1.axhline(0.01, color="0.5", ls=":", label="noise floor (0.1^2)")
    ax0.set_title("learning rate (SGD, momentum 0.9)")
    ax1.set_title("training MSE after each epoch")
    for ax in (ax0, ax1):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    steps = 1000 if quick else 3000
    epochs = 30 if quick else 60

    print(f"Rosenbrock from {START}, {steps} steps each (minimum 0 at (1, 1))\n")
    print(
        f"{'optimizer':20s} {'lr':>7s} {'initial':>8s} {f'step {steps // 10}':>10s} {'final':>10s}  "
        f"{'distance to (1, 1)':>18s}  steps to loss < 1e-2"
    )
    runs, final = {}, {}
    for name in OPTIMIZERS:
        losses, trace = run_optimizer(name, steps)
        runs[name] = (losses, trace)
        final[name] = float(losses[-1])
        dist = float(np.hypot(*(trace[-1] - 1.0)))
        reach = np.flatnonzero(losses < 1e-2)
        reached = f"{reach[0]}" if len(reach) else "never"
        print(
            f"{name:20s} {OPTIMIZERS[name][0]:7g} {losses[0]:8.3g} {losses[steps // 10]:10.3g} {losses[-1]:10.3g}  "
            f"{dist:18.3g}  {reached}"
        )

    print(f"\nlearning-rate schedules: tanh MLP on a noisy sine, SGD (momentum 0.9, peak lr 0.1), {epochs} epochs\n")
    print(
        f"{'schedule':18s} {'lr at start':>11s} {'lr at end':>10s} {'loss epoch 1':>12s} "
        f"{'best':>8s} {'mean of last 5':>15s}"
    )
    schedules, tail = {}, {}
    for name in SCHEDULES:
        rates, losses = run_schedule(name, epochs)
        schedules[name] = (rates, losses)
        tail[name] = float(losses[-5:].mean())
        print(f"{name:18s} {rates[0]:11.4g} {rates[-1]:10.4g} {losses[0]:12.4f} {losses.min():8.4f} {tail[name]:15.4f}")

    paths = [
        plot_optimizers(runs, out_dir / "optimizers.png"),
        plot_schedules(schedules, out_dir / "lr_schedules.png"),
    ]
    for p in paths:
        print(f"wrote {p}")

    initial = rosenbrock(np.array(START))
    for name, (losses, _) in runs.items():
        assert np.all(np.isfinite(losses)), f"{name} diverged"
        assert final[name] < initial / 50, f"{name} did not reduce the loss substantially: {final[name]}"
    assert final["SGD + momentum 0.9"] < final["SGD"] / 10 and final["Nesterov 0.9"] < final["SGD"] / 10
    assert final["Adam"] < final["SGD"] / 10 and final["RMSprop"] < final["SGD"]
    rates = {name: r for name, (r, _) in schedules.items()}
    assert np.allclose(rates["constant"], 0.1)
    assert np.isclose(rates["warmup + constant"][0], 0.1 * 0.05) and np.isclose(rates["warmup + constant"][-1], 0.1)
    assert np.all(np.diff(rates["cosine"]) <= 1e-12) and rates["cosine"][-1] < 0.01
    assert np.isclose(rates["step decay"][-1], 0.1 * 0.2**2)
    for name in ("step decay", "cosine"):
        assert tail[name] < 0.8 * tail["constant"], f"{name} should end below the constant rate: {tail}"
    assert all(0.009 < v < 0.1 for v in tail.values()), tail
    return {"optimizers": final, "schedules": tail, "paths": paths}


if __name__ == "__main__":
    main(sys.argv[1:])

"""Adding your own primitive: a NumPy forward, a VJP rule, and the checks that catch a wrong rule.

``log1pexp(x) = log(1 + exp(x))`` (softplus) written naively overflows:
``exp(800)`` is inf, and its gradient becomes NaN. As a primitive, its
forward is NumPy's stable ``np.logaddexp(0, x)`` and its derivative,
sigmoid(x), is declared with ``ag.defvjp``. The rule may use the output:
``exp(x - out)`` is sigmoid(x) to full precision in both tails. Because the
rule is written with Tensor operations, the engine can differentiate it
again, so second derivatives come for free.

Then the checks: ``ag.testing.gradcheck`` and ``gradgradcheck`` compare the
rules with central differences. Two deliberately broken primitives show what
they catch:

* ``softsign_wrong``, whose rule forgot a square: gradcheck of a composite
  that uses it fails, and the message names the broken node;
* ``softsign_detached``, whose rule is right but computed in NumPy (it leaves
  the graph): first derivatives pass, gradgradcheck catches the second.

Finally the primitive is used as the activation of a small network trained
with ``nn.fit``; it trains exactly like ``nn.Softplus``.

    python examples/custom_primitive.py            # writes examples/out/custom_primitive.png
    python examples/custom_primitive.py --quick    # fewer epochs (used by the test suite)
    python examples/custom_primitive.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
import nn


@ag.primitive
def log1pexp(x):
    """log(1 + exp(x)) without overflow: NumPy arrays in, a NumPy array out."""
    return np.logaddexp(0.0, x)


# d/dx log(1 + e^x) = sigmoid(x) = e^x / (1 + e^x) = exp(x - out): Tensors in, Tensor out
ag.defvjp(log1pexp, lambda g, out, x: g * (x - out).exp())


def naive_log1pexp(x: ag.Tensor) -> ag.Tensor:
    """The textbook formula from existing operations: fine for moderate x, inf (and NaN gradients) for large x."""
    return (1 + x.exp()).log()


@ag.primitive
def softsign_wrong(x):
    """x / (1 + |x|), whose rule below is wrong on purpose."""
    return x / (1 + np.abs(x))


ag.defvjp(softsign_wrong, lambda g, out, x: g / (1 + x.abs()))  # BUG: the derivative is 1 / (1 + |x|)^2


@ag.primitive
def softsign_detached(x):
    """x / (1 + |x|), with a correct rule that is computed in NumPy and so cannot be differentiated again."""
    return x / (1 + np.abs(x))


ag.defvjp(softsign_detached, lambda g, out, x: g * ag.tensor(1 / (1 + np.abs(x.data)) ** 2))  # BUG: leaves the graph


class Log1pExp(nn.Module):
    """The new primitive as an activation module."""

    def forward(self, x):
        return log1pexp(x)


def extremes_table(xs: np.ndarray) -> dict:
    """Value and derivative (from backward) of the naive formula and of the primitive at ``xs``."""
    out = {}
    for name, f in (("naive", naive_log1pexp), ("primitive", log1pexp)):
        t = ag.tensor(xs, requires_grad=True)
        with np.errstate(over="ignore", invalid="ignore"):  # the naive formula overflows on purpose
            y = f(t)
            y.sum().backward()
        out[name] = (y.data.copy(), t.grad.data.copy())
    return out


def catch(check, f, x) -> str | None:
    """Run ``check(f, x)``; return the GradcheckError message, or ``None`` if the check passed."""
    try:
        check(f, x)
    except ag.testing.GradcheckError as e:
        return str(e)
    return None


def train(activation: type, epochs: int) -> tuple[nn.Module, nn.History]:
    """A 1-16-1 network with the given activation fitted to |x| - 1 plus noise, by nn.fit with Adam."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (128, 1))
    Y = np.abs(X) - 1 + 0.05 * rng.standard_normal(X.shape)
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 16), activation(), nn.Linear(16, 1))
    optimizer = nn.optim.Adam(model.parameters(), lr=0.03)
    history = nn.fit(model, nn.MSELoss(), optimizer, (X, Y), epochs=epochs, progress=False)
    return model, history


def plot(model: nn.Module, histories: dict, path: pathlib.Path) -> pathlib.Path:
    """log1pexp and its derivative from backward(), the trained network's fit, and both training curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    x = np.linspace(-6, 6, 301)
    first = ag.grad(lambda t: log1pexp(t).sum())  # elementwise, so d(sum)/dx_i = f'(x_i)
    second = ag.grad(lambda t: first(t).sum())
    axes[0].plot(x, log1pexp(ag.tensor(x)).data, lw=2, label="log1pexp(x)")
    axes[0].plot(x, first(x).data, lw=2, ls="--", label="first derivative (sigmoid)")
    axes[0].plot(x, second(x).data, lw=2, ls=":", label="second derivative")
    axes[0].set_ylim(-0.5, 3)
    axes[0].set_title("log1pexp and its derivatives from the engine")
    axes[0].legend(fontsize=8)
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (128, 1))
    Y = np.abs(X) - 1 + 0.05 * rng.standard_normal(X.shape)
    grid = np.linspace(-2, 2, 200)[:, None]
    with ag.no_grad():
        fit = model(ag.tensor(grid)).data
    axes[1].plot(X, Y, "k.", ms=4, label="data: |x| - 1 + noise")
    axes[1].plot(grid, fit, "C3", lw=2, label="1-16-1 network with Log1pExp()")
    axes[1].set_title("a network using the primitive, trained by nn.fit")
    axes[1].legend(fontsize=8)
    for k, (name, h) in enumerate(histories.items()):
        axes[2].semilogy(h.epochs, h["loss"], color=f"C{k}", lw=4 - 2 * k, ls="-" if k == 0 else "--", label=name)
    axes[2].set_xlabel("epoch")
    axes[2].set_title("training MSE: the primitive vs nn.Softplus")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"

    xs = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    table = extremes_table(xs)
    print("log(1 + exp(x)) and its derivative, naive formula vs primitive")
    print(f"{'x':>7s} {'naive':>12s} {'primitive':>12s} {'naive d/dx':>12s} {'primitive d/dx':>15s}")
    for i, x in enumerate(xs):
        (nv, nd), (pv, pd) = table["naive"], table["primitive"]
        print(f"{x:7g} {nv[i]:12.6g} {pv[i]:12.6g} {nd[i]:12.6g} {pd[i]:15.6g}")

    x = np.random.default_rng(0).uniform(-6, 6, 6)
    checks = {
        "gradcheck(log1pexp)": ag.testing.gradcheck(log1pexp, x),
        "gradgradcheck(log1pexp)": ag.testing.gradgradcheck(log1pexp, x),
    }
    s = 1 / (1 + np.exp(-x))
    second = ag.grad(lambda t: ag.grad(lambda u: log1pexp(u).sum())(t).sum())(x).data
    print(f"\n{', '.join(f'{k}: {v}' for k, v in checks.items())}")
    worst = np.abs(second - s * (1 - s)).max()
    print(f"second derivative from ag.grad(ag.grad(...)) vs s(1 - s): max difference {worst:.1e}")

    composite = lambda t: (log1pexp(t) * softsign_wrong(t) + t.tanh()).sum()
    wrong_msg = catch(ag.testing.gradcheck, composite, x[:4])
    print("\ngradcheck of sum(log1pexp(x) * softsign_wrong(x) + tanh(x)), a composite with one broken rule:")
    print(wrong_msg)
    detached_first = catch(ag.testing.gradcheck, softsign_detached, x[:4])
    detached_msg = catch(ag.testing.gradgradcheck, lambda t: log1pexp(t) * softsign_detached(t), x[:4])
    print(
        f"\nsoftsign_detached: gradcheck {'passes' if detached_first is None else 'FAILS'}; "
        f"gradgradcheck of log1pexp(x) * softsign_detached(x):"
    )
    print(detached_msg)

    epochs = 60 if quick else 150
    model, history = train(Log1pExp, epochs)
    _, reference = train(nn.Softplus, epochs)
    print(f"\n1-16-1 network with Log1pExp() on |x| - 1 + noise (noise variance 0.0025), nn.fit, {epochs} epochs:")
    print(
        f"  training MSE {history['loss'][0]:.4f} -> {history['loss'][-1]:.4f}; "
        f"with nn.Softplus instead: {reference['loss'][-1]:.4f}"
    )

    curves = {"Log1pExp (the new primitive)": history, "nn.Softplus": reference}
    path = plot(model, curves, out_dir / "custom_primitive.png")
    print(f"\nwrote {path}")

    (nv, nd), (pv, pd) = table["naive"], table["primitive"]
    assert np.isinf(nv[-1]) and np.isnan(nd[-1]), "the naive formula was expected to overflow at x = 800"
    assert np.allclose(pv, np.logaddexp(0, xs), rtol=1e-15, atol=0) and np.allclose(pd, [0, np.exp(-30), 0.5, 1, 1])
    assert all(checks.values())
    assert np.allclose(second, s * (1 - s), rtol=1e-12, atol=1e-15)
    assert wrong_msg is not None and "'softsign_wrong'" in wrong_msg and "'log1pexp'" not in wrong_msg
    assert detached_first is None and detached_msg is not None and "'softsign_detached'" in detached_msg
    assert history["loss"][-1] < (0.03 if quick else 0.015) and history["loss"][-1] < 0.1 * history["loss"][0]
    assert np.allclose(history["loss"], reference["loss"], rtol=1e-8), "the primitive should train like nn.Softplus"
    return {
        "checks": checks,
        "wrong_message": wrong_msg,
        "detached_message": detached_msg,
        "final_loss": history["loss"][-1],
        "path": path,
    }


if __name__ == "__main__":
    main(sys.argv[1:])

"""See the chain rule at work: micrograd's classic expression, then tanh's higher derivatives.

1. micrograd's "more ops" expression with a = -4, b = 2. ``explain`` prints
   the backward pass as the engine runs it, one chain-rule step per edge
   (upstream gradient x local derivative = contribution), and the numbers are
   checked against the ones a hand calculation gives. ``render_graph`` draws
   the graph with every value and gradient, and with each gradient's
   numerical estimate beside it.
2. A derivative is itself a graph: ``backward(create_graph=True)`` records
   d tanh(x)/dx, which is drawn and explained in turn (its own backward pass
   is tanh''). ``ag.grad`` nested three times gives tanh', tanh'' and tanh''',
   plotted beside tanh and checked against their closed forms.

    python examples/chain_rule.py                 # writes into examples/out/
    python examples/chain_rule.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
from autograd_lite.viz import explain, render_graph


def micrograd_expression() -> dict:
    """micrograd's "more ops" example; returns its named tensors (what ``names=`` wants)."""
    a = ag.tensor(-4.0, requires_grad=True)
    b = ag.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def by_hand() -> dict:
    """The same derivatives by hand, for the last steps of the chain."""
    f = 49.0  # e = c - d = -1 - 6 = -7, f = e^2
    dg_df = 1 / 2 - 10 / f**2  # g = f/2 + 10/f
    dg_de = dg_df * 2 * -7.0  # f = e^2
    return {"dg/df": dg_df, "dg/de": dg_de, "dg/dc": dg_de, "dg/dd": -dg_de}


def render(root, path: pathlib.Path, **kw) -> pathlib.Path | None:
    """Render with Graphviz; without its ``dot`` program, say so and carry on (the .dot is written)."""
    try:
        return render_graph(root, path, format=path.suffix.lstrip("."), **kw)
    except RuntimeError as e:
        print(f"  (not rendered: {e})")
        return None


def tanh_derivatives(x: np.ndarray) -> list:
    """tanh and its first three derivatives on the grid ``x``, from nested ``ag.grad``."""
    d1 = ag.grad(lambda v: ag.tanh(v).sum())  # tanh is elementwise: d(sum)/dx_i = tanh'(x_i)
    d2 = ag.grad(lambda v: d1(v).sum())
    d3 = ag.grad(lambda v: d2(v).sum())
    return [np.tanh(x)] + [d(x).numpy() for d in (d1, d2, d3)]


def closed_forms(x: np.ndarray) -> list:
    t = np.tanh(x)
    return [t, 1 - t**2, -2 * t * (1 - t**2), -2 * (1 - t**2) * (1 - 3 * t**2)]


def plot_tanh(x: np.ndarray, curves: list, path: pathlib.Path) -> pathlib.Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    names = ["tanh", "tanh'", "tanh''", "tanh'''"]
    for k, (name, y) in enumerate(zip(names, curves)):
        ax.plot(x, y, lw=2, ls=["-", "--", "-.", ":"][k], label=name)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("x")
    ax.set_title("tanh and its derivatives, each from ag.grad of the one before")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    print("1. micrograd's expression, a = -4, b = 2\n")
    v = micrograd_expression()
    g = v["g"]
    text = explain(g, names=v)
    print(text)
    hand = by_hand()
    print("\nby hand:")
    for key, value in hand.items():
        engine = text.grads[key.split("/d")[1]].item()
        print(f"  {key} = {value:.6g}   (explain: {engine:.6g})")
        assert abs(engine - value) <= 1e-12 * max(1.0, abs(value)), key
    g.backward()
    print(f"\nafter backward(): a.grad = {v['a'].grad.item():.4f}, b.grad = {v['b'].grad.item():.4f}")
    for suffix in ("svg", "png"):
        p = render(g, out_dir / f"micrograd.{suffix}", names=v, check_numeric=True)
        if p:
            written.append(p)

    print("\n2. the derivative of tanh is a graph too")
    x = ag.tensor(0.5, requires_grad=True)
    y = x.tanh()
    y.backward(create_graph=True)
    dy = x.grad  # 1 - tanh(x)^2, recorded
    names = {"x": x, "y": y, "dydx": dy}
    second = explain(dy, names=names)
    print("y = tanh(x) at x = 0.5; dydx = x.grad after y.backward(create_graph=True) is 1 - y*y times the")
    print("seed gradient c1 = 1. Its own backward pass is the second derivative:\n")
    print(second)
    th = np.tanh(0.5)
    print(f"  tanh''(0.5) by hand: -2 tanh (1 - tanh^2) = {-2 * th * (1 - th**2):.6f}")
    p = render(dy, out_dir / "tanh_derivative_graph.svg", names=names)
    if p:
        written.append(p)

    grid = np.linspace(-4, 4, 401)
    curves = tanh_derivatives(grid)
    worst = max(float(np.max(np.abs(c - ref))) for c, ref in zip(curves, closed_forms(grid)))
    print(f"\ntanh', tanh'', tanh''' from nested ag.grad vs closed forms: max difference {worst:.1e}")
    assert worst < 1e-12, worst
    written.append(plot_tanh(grid, curves, out_dir / "tanh_derivatives.png"))

    print("\nwrote " + ", ".join(str(p) for p in written))
    return {
        "g": g.item(),
        "a_grad": v["a"].grad.item(),
        "b_grad": v["b"].grad.item(),
        "tanh2": second.grads["x"].item(),
        "max_error": worst,
        "files": written,
    }


if __name__ == "__main__":
    main(sys.argv[1:])

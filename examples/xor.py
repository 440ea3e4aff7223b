"""XOR with a 2-2-1 sigmoid network, trained by gradient descent on the engine's gradients.

The classic first network: two inputs, two hidden sigmoid units, one sigmoid
output, mean squared error. The backward pass is not written by hand: the
engine applies the chain rule. To show it computes what a hand-written
backpropagation computes, the first step's gradients are compared with the
NumPy version people write in tutorials.

After training, ``ag.viz.render_graph`` draws the backward graph of the loss
at the trained weights, every node with its value and its gradient (the
sigmoid shows up as the operations it is built from: 0.5 * tanh(x / 2) +
0.5), and the loss curve is plotted. Without Graphviz's ``dot`` program the
graph's DOT source is written instead and the demo carries on.

    python examples/xor.py                # trains, prints predictions, writes examples/out/xor_*
    python examples/xor.py --quick        # fewer epochs (used by the test suite)
    python examples/xor.py --out DIR      # write the pictures into DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def init_params(seed: int = 2) -> dict:
    ag.manual_seed(seed)
    return {
        "W1": ag.randn(2, 2, requires_grad=True),
        "b1": ag.zeros(2, requires_grad=True),
        "W2": ag.randn(2, 1, requires_grad=True),
        "b2": ag.zeros(1, requires_grad=True),
    }


def forward(p: dict, x) -> ag.Tensor:
    h = (x @ p["W1"] + p["b1"]).sigmoid()
    return (h @ p["W2"] + p["b2"]).sigmoid()


def mse(pred: ag.Tensor, target) -> ag.Tensor:
    return ((pred - target) ** 2).mean()


def numpy_gradients(p: dict) -> dict:
    """The same network's gradients, backpropagated by hand."""
    W1, b1, W2, b2 = (p[k].data for k in ("W1", "b1", "W2", "b2"))
    sig = lambda z: 1 / (1 + np.exp(-z))
    h = sig(X @ W1 + b1)
    out = sig(h @ W2 + b2)
    d_out = 2 * (out - Y) / Y.size  # dL/d(out) for the mean of squares
    d_z2 = d_out * out * (1 - out)  # through the output sigmoid
    d_h = d_z2 @ W2.T
    d_z1 = d_h * h * (1 - h)  # through the hidden sigmoid
    return {"W2": h.T @ d_z2, "b2": d_z2.sum(0), "W1": X.T @ d_z1, "b1": d_z1.sum(0)}


def train(epochs: int = 5000, lr: float = 2.0, verbose: bool = True) -> tuple[dict, list]:
    p = init_params()
    losses = []
    for epoch in range(epochs):
        loss = mse(forward(p, X), Y)
        for t in p.values():
            t.grad = None
        loss.backward()
        if epoch == 0:
            hand = numpy_gradients(p)
            worst = max(float(np.max(np.abs(p[k].grad.data - hand[k]))) for k in p)
            if verbose:
                print(f"engine vs hand-written NumPy gradients, largest difference: {worst:.1e}")
            assert worst < 1e-12
        with ag.no_grad():
            for t in p.values():
                t -= lr * t.grad
        losses.append(loss.item())
        if verbose and epoch % (epochs // 5) == 0:
            print(f"epoch {epoch:5d}  loss {loss.item():.5f}")
    return p, losses


def render(root: ag.Tensor, path: pathlib.Path, names: dict) -> pathlib.Path | None:
    """Render the backward graph of ``root`` into ``path`` (its suffix is the format).

    Without Graphviz (the ``dot`` program, or the ``graphviz`` Python
    package) print why and return ``None``: the demo does not need it.
    """
    try:
        return ag.viz.render_graph(root, path, format=path.suffix.lstrip("."), names=names, rankdir="TB", compact=True)
    except (RuntimeError, ImportError) as e:
        print(f"  (not rendered: {e})")
        return None


def plot_losses(losses: list, path: pathlib.Path) -> pathlib.Path:
    """The loss per epoch on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.semilogy(np.arange(len(losses)), losses, lw=2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"XOR, 2-2-1 sigmoid network: final loss {losses[-1]:.5f}")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _shown(path: pathlib.Path) -> str:
    """The path relative to the working directory when it lies below it (as the README shows it)."""
    try:
        return str(pathlib.Path(path).resolve().relative_to(pathlib.Path.cwd().resolve()))
    except ValueError:
        return str(path)


def pictures(p: dict, losses: list, out_dir: pathlib.Path) -> list:
    """Draw the backward graph of the trained network's loss (SVG and PNG) and the loss curve; return the paths."""
    x, y = ag.tensor(X), ag.tensor(Y)
    loss = mse(forward(p, x), y)  # a fresh graph: the weights changed in place after the last step's
    names = {**p, "X": x, "Y": y, "loss": loss}
    print(
        f"\nbackward graph of the loss at the trained weights ({loss.item():.5f}), values and gradients on every node:"
    )
    written = []
    for suffix in ("svg", "png"):
        path = render(loss, out_dir / f"xor_graph.{suffix}", names)
        if path is None:
            break  # no Graphviz: said once is enough
        written.append(path)
        print(f"  wrote {_shown(path)}")
    path = plot_losses(losses, out_dir / "xor_loss.png")
    print(f"loss curve: wrote {_shown(path)}")
    return written + [path]


def main(argv: list[str]) -> float:
    epochs = 2000 if "--quick" in argv else 5000
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    p0 = init_params()
    with ag.no_grad():
        before = forward(p0, X).data.ravel()
    p, losses = train(epochs)
    with ag.no_grad():
        after = forward(p, X).data.ravel()
    print("\ninput   target  before  after")
    for x, y, b, a in zip(X, Y.ravel(), before, after):
        print(f"{x.astype(int)}  {y:4.0f}    {b:.3f}   {a:.3f}")
    print(f"\nfinal loss {losses[-1]:.5f} after {epochs} epochs")
    assert losses[-1] < 0.01 and np.all((after > 0.5) == (Y.ravel() > 0.5)), "XOR was not learned"
    pictures(p, losses, out_dir)
    return losses[-1]


if __name__ == "__main__":
    main(sys.argv[1:])

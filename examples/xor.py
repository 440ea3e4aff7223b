"""XOR with a 2-2-1 sigmoid network, trained by gradient descent on the engine's gradients.

The classic first network: two inputs, two hidden sigmoid units, one sigmoid
output, mean squared error. The backward pass is not written by hand: the
engine applies the chain rule. To show it computes what a hand-written
backpropagation computes, the first step's gradients are compared with the
NumPy version people write in tutorials.

    python examples/xor.py            # trains and prints predictions
    python examples/xor.py --quick    # fewer epochs (used by the test suite)
"""

from __future__ import annotations

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


def main(argv: list[str]) -> float:
    epochs = 2000 if "--quick" in argv else 5000
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
    return losses[-1]


if __name__ == "__main__":
    main(sys.argv[1:])

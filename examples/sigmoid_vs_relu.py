"""Sigmoid or ReLU hidden units? Small XOR networks side by side, then what goes wrong in deep stacks.

Part 1, 2-4-1 networks on XOR. The same initial weights (PyTorch's
``nn.Linear`` init) are trained once with sigmoid hidden units and once with
ReLU, by plain gradient descent written out on the parameter tensors
(``with ag.no_grad(): p -= lr * p.grad``), learning rate 1.0, binary cross
entropy on the output logit. Fifty such networks are trained at once: every
parameter has a leading axis that indexes the network, ``matmul`` broadcasts
over it, and the sum of the fifty losses has each network's own gradient
(network k's loss depends on network k's weights only). Network 0 is shown in
detail; all fifty show how often each activation succeeds.

- Sigmoid networks sit on a plateau for a few hundred epochs, then all learn.
- ReLU networks that learn do so several times faster, but about a third of
  them never do: a ReLU unit whose input is negative for all four XOR inputs
  outputs 0 and passes back a gradient of exactly 0, so nothing ever changes
  its weights again (a *dead* unit). Many were dead from the first step,
  others die during training; with at most one live hidden unit XOR cannot
  be represented at all (the output is a threshold of one linear function).
  The ReLU network shown is one that learns; the picture shows the others.

Part 2, deep stacks: ten hidden layers of 16 units on 256 noisy XOR points,
checked with ``ag.viz.grad_flow_report`` (printed) and
``ag.viz.plot_grad_flow`` (one panel per stack):

- sigmoid (Xavier init): at the first step the gradient shrinks by a factor
  of 3 to 5 per layer (sigmoid' <= 1/4), the first layer gets 1e-7 of the
  last one's: VANISHING gradients;
- ReLU (He init): no vanishing, but dead units, already some at the first
  step in a deep narrow stack, and many more after 20 steps at a learning
  rate that is too high (1.0);
- Leaky ReLU, the same initial weights and the same 20 steps: no unit is
  ever exactly zero, the gradient reaches every unit, the report is healthy.

    python examples/sigmoid_vs_relu.py           # writes examples/out/sigmoid_vs_relu_loss.png, grad_flow.png
    python examples/sigmoid_vs_relu.py --quick   # fewer epochs (used by the test suite)
    python examples/sigmoid_vs_relu.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Callable

import numpy as np

import autograd_lite as ag
import autograd_lite.functional as F
import nn
from autograd_lite.viz import GradFlowReport, grad_flow_report, plot_grad_flow

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])

N_NETS, SEED, LR, HIDDEN = 50, 1, 1.0, 4
ACTIVATIONS = {"sigmoid": F.sigmoid, "ReLU": F.relu}

DEPTH, WIDTH, DEEP_SEED = 10, 16, 0
HIGH_LR, HIGH_LR_STEPS = 1.0, 20


# ------------------------------------------------------------ part 1: 2-4-1
def init_params(n_nets: int = N_NETS, seed: int = SEED) -> dict:
    """``n_nets`` independent 2-4-1 networks: network k is ``W1[k], b1[k], W2[k], b2[k]``.

    Each weight and bias is drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    what ``nn.Linear`` does; the same seed gives the same networks.
    """
    ag.manual_seed(seed)

    def uniform(*shape: int, fan_in: int) -> ag.Tensor:
        bound = 1 / np.sqrt(fan_in)
        return (ag.rand(*shape) * (2 * bound) - bound).requires_grad_()

    return {
        "W1": uniform(n_nets, 2, HIDDEN, fan_in=2),
        "b1": uniform(n_nets, 1, HIDDEN, fan_in=2),
        "W2": uniform(n_nets, HIDDEN, 1, fan_in=HIDDEN),
        "b2": uniform(n_nets, 1, 1, fan_in=HIDDEN),
    }


def hidden_input(p: dict) -> ag.Tensor:
    """The hidden units' pre-activations, shape (networks, 4 XOR inputs, hidden units)."""
    return X @ p["W1"] + p["b1"]


def forward(p: dict, act: Callable[[ag.Tensor], ag.Tensor]) -> ag.Tensor:
    """The output logits, shape (networks, 4, 1)."""
    return act(hidden_input(p)) @ p["W2"] + p["b2"]


def train(act: Callable[[ag.Tensor], ag.Tensor], epochs: int, lr: float = LR) -> tuple[dict, np.ndarray]:
    """Plain gradient descent, by hand; returns the parameters and the losses, shape (epochs, networks)."""
    p = init_params()
    target = np.broadcast_to(Y, (N_NETS, *Y.shape))
    losses = []
    for _ in range(epochs):
        per_net = F.binary_cross_entropy_with_logits(forward(p, act), target, reduction="none").mean(axis=(1, 2))
        for t in p.values():
            t.grad = None
        per_net.sum().backward()  # network k's loss depends on network k's weights only
        with ag.no_grad():
            for t in p.values():
                t -= lr * t.grad
        losses.append(per_net.data)
    return p, np.array(losses)


def learned(p: dict, act: Callable[[ag.Tensor], ag.Tensor]) -> np.ndarray:
    """Which networks classify all four XOR inputs correctly (logit > 0 for class 1)."""
    with ag.no_grad():
        logits = forward(p, act).data[..., 0]
    return ((logits > 0) == (Y.ravel() > 0.5)).all(axis=1)


def dead_units(p: dict) -> np.ndarray:
    """Per network, the number of hidden units whose pre-activation is <= 0 on all four inputs (dead as ReLUs)."""
    with ag.no_grad():
        return (hidden_input(p).data <= 0).all(axis=1).sum(axis=1)


def median_epochs_to(losses: np.ndarray, level: float) -> float:
    """The median over the networks that get there of the first epoch whose loss is below ``level``."""
    below = losses < level
    return float(np.median(below.argmax(axis=0)[below.any(axis=0)]))


def plot_small(runs: dict, path: pathlib.Path) -> pathlib.Path:
    """Loss curves side by side: every network faint (failures in red), network 0 bold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, (name, run) in zip(axes, runs.items()):
        losses, ok = run["losses"], run["learned"]
        epochs = np.arange(len(losses))
        for k in range(losses.shape[1]):
            ax.semilogy(epochs, losses[:, k], lw=0.7, alpha=0.35, color="0.5" if ok[k] else "#d7191c")
        ax.semilogy(epochs, losses[:, 0], lw=2.5, color="C0", label="network 0")
        ax.plot([], [], lw=0.7, color="0.5", label=f"learned XOR ({int(ok.sum())})")
        ax.plot([], [], lw=0.7, color="#d7191c", label=f"did not ({int((~ok).sum())}, flat lines overlap)")
        ax.set_title(f"{name} hidden units: {int(ok.sum())} of {len(ok)} networks learn XOR")
        ax.set_xlabel("epoch (full-batch gradient descent, lr 1.0)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("binary cross entropy")
    fig.suptitle("2-4-1 networks on XOR, the same 50 initialisations for both activations")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def small_networks(epochs: int, out_dir: pathlib.Path) -> dict:
    """Part 1: train, print network 0's progress and the statistics over all networks, plot."""
    print(f"1. 2-4-1 networks on XOR, {N_NETS} initialisations, gradient descent by hand at lr {LR}, {epochs} epochs\n")
    runs = {}
    for name, act in ACTIVATIONS.items():
        p, losses = train(act, epochs)
        runs[name] = {"params": p, "losses": losses, "learned": learned(p, act), "dead": dead_units(p)}
    runs["ReLU"]["dead_at_start"] = dead_units(init_params())

    print("network 0 (the same initial weights for both):")
    print(f"{'epoch':>7}  {'sigmoid':>8}  {'ReLU':>8}")
    for e in sorted({0, 100, 200, 300, 500, 1000, epochs - 1} & set(range(epochs))):
        print(f"{e:7d}  {runs['sigmoid']['losses'][e, 0]:8.4f}  {runs['ReLU']['losses'][e, 0]:8.4f}")
    print("\ninput   target  sigmoid  ReLU   (predicted probability of 1)")
    probs = {}
    for name, act in ACTIVATIONS.items():
        with ag.no_grad():
            probs[name] = F.sigmoid(forward(runs[name]["params"], act)).data[0, :, 0]
    for i, (x, y) in enumerate(zip(X, Y.ravel())):
        print(f"{x.astype(int)}  {y:4.0f}    {probs['sigmoid'][i]:.3f}    {probs['ReLU'][i]:.3f}")
    print(f"network 0's ReLU layer: {runs['ReLU']['dead'][0]} of {HIDDEN} hidden units dead")

    print(f"\nall {N_NETS} initialisations:")
    for name, run in runs.items():
        ok = run["learned"]
        print(
            f"  {name:8s} {int(ok.sum()):2d} of {N_NETS} learn XOR; loss < 0.1 after a median of "
            f"{median_epochs_to(run['losses'], 0.1):.0f} epochs"
        )
    relu = runs["ReLU"]
    failed = ~relu["learned"]
    print(f"\n  ReLU networks by dead hidden units at the end:  {''.join(f'{k:4d}' for k in range(HIDDEN + 1))}")
    for label, which in (("learn XOR", ~failed), ("do not", failed)):
        counts = np.bincount(relu["dead"][which], minlength=HIDDEN + 1)
        print(f"  {label:>45s}:  {''.join(f'{c:4d}' for c in counts)}")
    print(
        f"  the failures' dead units: {int(relu['dead_at_start'][failed].sum())} dead from the first step, "
        f"{int((relu['dead'] - relu['dead_at_start'])[failed].sum())} died during training. "
        "One live unit cannot represent XOR; two can."
    )
    # what the text claims
    assert runs["sigmoid"]["learned"].all(), "a sigmoid network did not learn XOR"
    assert relu["learned"][0], "the ReLU network shown did not learn XOR"
    assert not (relu["learned"] & (relu["dead"] >= HIDDEN - 1)).any(), "a net with one live unit learned XOR?"
    assert median_epochs_to(relu["losses"], 0.1) < median_epochs_to(runs["sigmoid"]["losses"], 0.1) / 3, "slow ReLU"

    path = plot_small(runs, out_dir / "sigmoid_vs_relu_loss.png")
    print(f"\nwrote {path}")
    return {"runs": runs, "file": path}


# ---------------------------------------------------------- part 2: deep
def noisy_xor(n: int = 256, seed: int = DEEP_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform in [-1, 1]^2, labelled 1 where x1 * x2 > 0."""
    ag.manual_seed(seed)
    x = ag.rand(n, 2).numpy() * 2 - 1
    return x, (x[:, :1] * x[:, 1:] > 0).astype(float)


def deep_stack(act: type, seed: int = DEEP_SEED) -> nn.Sequential:
    """``DEPTH`` hidden layers of ``WIDTH`` units with activation ``act``, one output logit.

    Weights: Xavier normal for sigmoid, He normal for the ReLU family (each
    activation's recommended init), biases zero. The same seed draws the
    same weights for ReLU and LeakyReLU.
    """
    ag.manual_seed(seed)
    layers, fan_in = [], 2
    for _ in range(DEPTH):
        linear = nn.Linear(fan_in, WIDTH)
        if act is nn.Sigmoid:
            nn.init.xavier_normal_(linear.weight)
        else:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, act()]
        fan_in = WIDTH
    return nn.Sequential(*layers, nn.Linear(fan_in, 1))


def gd_steps(model: nn.Module, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> float:
    """``steps`` of full-batch gradient descent, by hand; returns the last loss."""
    xs, ys = ag.tensor(x), ag.tensor(y)
    loss = None
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(xs), ys)
        model.zero_grad()
        loss.backward()
        with ag.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    return float(loss.item())


def n_dead(report: GradFlowReport) -> int:
    """How many hidden units the report found dead."""
    return sum(len(units) for units in report.dead.values())


def plot_flows(models: dict, path: pathlib.Path) -> pathlib.Path:
    """``plot_grad_flow`` of each model (with the gradients its report left on it), side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 4.8), sharey=True)
    for ax, (title, model) in zip(axes, models.items()):
        plot_grad_flow(model.named_parameters(), ax=ax)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(top=10.0)  # room for the legend above the bars
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def deep_stacks(out_dir: pathlib.Path) -> dict:
    """Part 2: the three deep stacks' gradient-flow reports and their picture."""
    hidden = DEPTH * WIDTH
    print(f"\n2. {DEPTH} hidden layers of {WIDTH} units on 256 noisy XOR points\n")
    x, y = noisy_xor()
    loss_fn = F.binary_cross_entropy_with_logits

    sigmoid = deep_stack(nn.Sigmoid)
    r_sigmoid = grad_flow_report(sigmoid, x, y, loss_fn)
    print("sigmoid, Xavier init, at the first step:")
    print(r_sigmoid.text)

    relu = deep_stack(nn.ReLU)
    first = n_dead(grad_flow_report(relu, x, y, loss_fn))
    gd_steps(relu, x, y, HIGH_LR_STEPS, HIGH_LR)
    r_relu = grad_flow_report(relu, x, y, loss_fn)
    print(f"\nReLU, He init: {first} of {hidden} hidden units already dead at the first step, zero for all 256 points")
    print("(after a ReLU layer the points have no negative coordinates and lie on a 2-D surface, the data being 2-D;")
    print("a unit whose weights point away from all of them never fires).")
    print(f"After {HIGH_LR_STEPS} steps at lr {HIGH_LR}, too high:")
    print(r_relu.text)

    leaky = deep_stack(nn.LeakyReLU)  # the same initial weights as the ReLU stack
    gd_steps(leaky, x, y, HIGH_LR_STEPS, HIGH_LR)
    r_leaky = grad_flow_report(leaky, x, y, loss_fn)
    print(f"\nLeakyReLU (slope 0.01 below 0), the same initial weights and the same {HIGH_LR_STEPS} steps:")
    print(r_leaky.text)
    print(
        f"\ndead units: ReLU {n_dead(r_relu)} of {hidden}, LeakyReLU {n_dead(r_leaky)}. A leaky unit is never exactly "
        "flat, so every unit keeps a gradient and can recover\n(that does not make lr 1.0 a good choice: lower it too)."
    )

    assert r_sigmoid.vanishing and r_sigmoid.vanishing[0] == "0", "the sigmoid stack's gradients did not vanish"
    assert r_relu.dead and n_dead(r_relu) > first, "no ReLU units died"
    assert not r_leaky.dead and r_leaky.healthy, "the LeakyReLU stack is not healthy"

    path = plot_flows(
        {
            "sigmoid, first step: vanishing": sigmoid,
            f"ReLU after {HIGH_LR_STEPS} steps at lr {HIGH_LR}: {n_dead(r_relu)} dead units": relu,
            f"LeakyReLU, same steps: {n_dead(r_leaky)} dead units": leaky,
        },
        out_dir / "grad_flow.png",
    )
    print(f"\nwrote {path}")
    return {
        "reports": {"sigmoid": r_sigmoid, "relu": r_relu, "leaky_relu": r_leaky},
        "relu_dead_first": first,
        "file": path,
    }


def main(argv: list[str]) -> dict:
    """Run both parts; return the counts of networks that learned, network 0's final losses, ReLU's dead units
    per network, the three gradient-flow reports and the files written."""
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    small = small_networks(1000 if quick else 2000, out_dir)
    deep = deep_stacks(out_dir)
    runs = small["runs"]
    return {
        "n_nets": N_NETS,
        "learned": {name: int(run["learned"].sum()) for name, run in runs.items()},
        "loss": {name: float(run["losses"][-1, 0]) for name, run in runs.items()},
        "relu_dead": runs["ReLU"]["dead"],
        "reports": deep["reports"],
        "relu_dead_first_step": deep["relu_dead_first"],
        "files": [small["file"], deep["file"]],
    }


if __name__ == "__main__":
    main(sys.argv[1:])

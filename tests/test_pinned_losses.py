"""Training results stay what they were: a float64 run's losses are pinned to 1e-12.

Speed work must not change the numbers. If a change alters one of these
values on purpose (a more accurate formula, say), update the pins in the same
commit and say why.
"""

import numpy as np

import autograd_lite as ag
import autograd_lite.functional as F
import nn

PINNED = [
    3.7965990296296868, 3.574452722643287, 3.4218368875943774, 3.318204820219857, 3.2376427217170565,
    3.1722837274914473, 3.12052086573718, 3.081310927170291, 3.0505989257051622, 3.019759522966579,
    2.9905628319135027, 2.9601230309729254, 2.92872134024728, 2.8964437858289376, 2.862385019341187,
]  # fmt: skip


def run() -> list:
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 5))
    y = rng.integers(0, 3, 32)
    t = rng.standard_normal((32, 1))
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.LayerNorm(16), nn.Linear(16, 3))
    head = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = nn.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=0.01)

    def loss():
        logits = model(X)
        return F.cross_entropy(logits, y, label_smoothing=0.1) + F.mse_loss(head(logits), t) + F.softplus(logits).mean()

    return train(opt, loss)


def train(opt, loss_fn, steps: int = 15) -> list:
    """``steps`` optimizer steps on ``loss_fn()``; the loss of each step."""
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_losses_are_pinned():
    np.testing.assert_allclose(run(), PINNED, rtol=1e-12, atol=0)


# Plain cross-entropy with class indices, a ReLU wide enough (64 x 128) for where's
# multiply-by-mask path, mean over an axis, SGD with momentum. Pinned with the
# code before the performance work of issue 9 (commit 96ae929).
PINNED_CLASSIFIER = [
    2.369145010160896, 2.3204756122059993, 2.2630707996483577, 2.231384285235938, 2.231642333043496,
    2.2481224905783526, 2.262237544898413, 2.265482101571013, 2.259571752649121, 2.249858035434031,
    2.239809135345189, 2.22931641981629, 2.2167123543659617, 2.202572241438179, 2.1907707743473064,
]  # fmt: skip


def run_classifier() -> list:
    ag.manual_seed(1)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 20))
    y = rng.integers(0, 10, 64)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid(), nn.Linear(64, 10))
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def loss():
        hidden = model[1](model[0](X))
        return nn.CrossEntropyLoss()(model(X), y) + 0.1 * F.mse_loss(hidden.mean(axis=1), np.zeros(64))

    return train(opt, loss)


def test_classifier_losses_are_pinned():
    np.testing.assert_allclose(run_classifier(), PINNED_CLASSIFIER, rtol=1e-12, atol=0)

"""Activations and losses: closed-form derivatives, second order, stability at the extremes, errors."""

import math

import numpy as np
import pytest

import autograd_lite as ag
import autograd_lite.functional as F
from autograd_lite.testing import check_grads
from autograd_lite.testing.strategies import floats, grad_property, tensors


def d(f, x):
    """Elementwise derivative of f at x, from the engine."""
    t = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(t).sum().backward()
    return t.grad.data


X = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5])
phi = lambda x: np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
Phi = lambda x: 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in np.ravel(x)]).reshape(np.shape(x)))
sig = lambda x: 1 / (1 + np.exp(-x))


class TestActivations:
    def test_closed_form_derivatives(self):
        s = sig(X)
        np.testing.assert_allclose(d(F.sigmoid, X), s * (1 - s), rtol=1e-12)
        np.testing.assert_allclose(d(F.tanh, X), 1 - np.tanh(X) ** 2, rtol=1e-12)
        np.testing.assert_array_equal(d(F.relu, X), (X > 0).astype(float))
        np.testing.assert_allclose(d(lambda t: F.leaky_relu(t, 0.2), X), np.where(X > 0, 1, 0.2))
        np.testing.assert_allclose(d(lambda t: F.elu(t, 1.5), X), np.where(X > 0, 1, 1.5 * np.exp(X)), rtol=1e-12)
        np.testing.assert_allclose(
            d(F.selu, X), 1.0507009873554805 * np.where(X > 0, 1, 1.6732632423543772 * np.exp(X)), rtol=1e-12
        )
        np.testing.assert_allclose(d(F.gelu, X), Phi(X) + X * phi(X), rtol=1e-12)
        np.testing.assert_allclose(d(F.softplus, X), s, rtol=1e-12)
        np.testing.assert_allclose(d(lambda t: F.softplus(t, beta=3.0), X), sig(3 * X), rtol=1e-12)
        np.testing.assert_allclose(d(F.silu, X), s + X * s * (1 - s), rtol=1e-12)
        np.testing.assert_allclose(d(F.exponential, X), np.exp(X), rtol=1e-12)
        np.testing.assert_array_equal(d(F.identity, X), np.ones_like(X))
        np.testing.assert_allclose(d(F.log_sigmoid, X), 1 - s, rtol=1e-12)

    def test_derivative_at_the_split_point_is_exact(self):
        # the stable forms split by sign; at 0 they must still give the true derivative
        assert d(F.sigmoid, [0.0])[0] == 0.25
        assert d(F.softplus, [0.0])[0] == 0.5
        assert d(F.log_sigmoid, [0.0])[0] == 0.5
        assert d(lambda t: F.binary_cross_entropy_with_logits(t, ag.tensor([1.0])), [0.0])[0] == -0.5

    def test_values(self):
        np.testing.assert_allclose(F.gelu(ag.tensor(X)).data, X * Phi(X), rtol=1e-14)
        c = math.sqrt(2 / math.pi)
        want = 0.5 * X * (1 + np.tanh(c * (X + 0.044715 * X**3)))
        np.testing.assert_allclose(F.gelu(ag.tensor(X), approximate="tanh").data, want, rtol=1e-14)
        np.testing.assert_allclose(F.softplus(ag.tensor(X)).data, np.log1p(np.exp(X)), rtol=1e-14)
        with pytest.raises(ValueError, match="approximate"):
            F.gelu(ag.tensor(X), approximate="fast")

    def test_softmax_jacobian(self):
        x = np.array([0.3, -1.0, 2.0])
        s = np.exp(x) / np.exp(x).sum()
        J = ag.jacobian(F.softmax)(x)
        np.testing.assert_allclose(J.data, np.diag(s) - np.outer(s, s), atol=1e-15)
        Jl = ag.jacobian(F.log_softmax)(x)
        np.testing.assert_allclose(Jl.data, np.eye(3) - s[None, :], atol=1e-15)

    def test_softmax_axis(self):
        x = np.arange(6.0).reshape(2, 3)
        for ax in (0, 1, -1, -2):
            s = F.softmax(ag.tensor(x), axis=ax).data
            np.testing.assert_allclose(s.sum(axis=ax), 1.0)
        with pytest.raises(ValueError, match="axis 2 is out of range"):
            F.softmax(ag.tensor(x), axis=2)

    @pytest.mark.parametrize(
        "f",
        [
            F.sigmoid,
            F.tanh,
            F.relu,
            F.leaky_relu,
            F.elu,
            F.selu,
            F.gelu,
            lambda t: F.gelu(t, "tanh"),
            F.softplus,
            F.silu,
            F.exponential,
            F.softmax,
            F.log_softmax,
            F.log_sigmoid,
        ],
    )
    def test_finite_at_large_magnitude(self, f):
        x = ag.tensor([-1e300, -1e6, -1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
        if f is F.exponential:
            x = ag.tensor([-1e4, -50.0, 0.0, 50.0, 700.0], requires_grad=True)
        y = f(x)  # RuntimeWarnings are errors in this suite: no overflow anywhere
        y.sum().backward()
        assert np.isfinite(y.data).all(), y
        assert np.isfinite(x.grad.data).all(), x.grad

    def test_softmax_with_minus_inf_mask(self):
        x = ag.tensor([[0.5, -np.inf, 1.5], [-np.inf, 2.0, -np.inf]], requires_grad=True)
        s = F.softmax(x)
        np.testing.assert_allclose(s.data.sum(axis=1), 1.0)
        assert s.data[0, 1] == 0.0 and s.data[1, 1] == 1.0
        (s * ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        assert np.isfinite(x.grad.data).all()
        lp = F.log_softmax(ag.tensor([[0.5, -np.inf, 1.5]], requires_grad=True))
        assert lp.data[0, 1] == -np.inf and np.isfinite(lp.data[0, [0, 2]]).all()


ACTIVATIONS = {
    "sigmoid": (F.sigmoid, {}),
    "tanh": (F.tanh, {}),
    "relu": (F.relu, dict(avoid=(0.0,))),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), dict(avoid=(0.0,))),
    "elu": (F.elu, dict(avoid=(0.0,))),
    "selu": (F.selu, dict(avoid=(0.0,))),
    "gelu": (F.gelu, {}),
    "gelu_tanh": (lambda t: F.gelu(t, "tanh"), {}),
    "softplus": (lambda t: F.softplus(t, 2.0), {}),
    "silu": (F.silu, {}),
    "softmax": (lambda t: F.softmax(t, axis=0), {}),
    "log_softmax": (lambda t: F.log_softmax(t, axis=-1), {}),
    "log_sigmoid": (F.log_sigmoid, {}),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_second_order(name):
    f, kw = ACTIVATIONS[name]
    grad_property(f, tensors(shape=(2, 3), **kw), max_examples=10)()


class TestLosses:
    def setup_method(self):
        rng = np.random.default_rng(0)
        self.pred = rng.standard_normal((4, 3))
        self.target = rng.standard_normal((4, 3))
        self.logits = rng.standard_normal((5, 4))
        self.classes = np.array([0, 3, 1, 1, 2])
        self.probs = sig(rng.standard_normal((4, 3)))
        self.bits = (rng.random((4, 3)) > 0.5).astype(float)

    def test_values_against_formulas(self):
        p, t = ag.tensor(self.pred), ag.tensor(self.target)
        diff = self.pred - self.target
        assert F.mse_loss(p, t).item() == pytest.approx(np.mean(diff**2))
        assert F.l1_loss(p, t, reduction="sum").item() == pytest.approx(np.abs(diff).sum())
        hub = np.where(np.abs(diff) <= 0.5, 0.5 * diff**2, 0.5 * (np.abs(diff) - 0.25))
        np.testing.assert_allclose(F.huber_loss(p, t, delta=0.5, reduction="none").data, hub)
        bce = -(self.bits * np.log(self.probs) + (1 - self.bits) * np.log(1 - self.probs))
        assert F.binary_cross_entropy(self.probs, self.bits).item() == pytest.approx(bce.mean())
        logit = np.log(self.probs / (1 - self.probs))
        assert F.binary_cross_entropy_with_logits(logit, self.bits).item() == pytest.approx(bce.mean())
        lsm = self.logits - np.log(np.exp(self.logits).sum(1, keepdims=True))
        ce = -lsm[np.arange(5), self.classes]
        assert F.cross_entropy(self.logits, self.classes).item() == pytest.approx(ce.mean())
        assert F.nll_loss(lsm, self.classes, reduction="sum").item() == pytest.approx(ce.sum())

    def test_cross_entropy_targets_and_smoothing(self):
        one_hot = np.eye(4)[self.classes]
        a = F.cross_entropy(self.logits, self.classes)
        b = F.cross_entropy(self.logits, one_hot)
        assert a.item() == pytest.approx(b.item(), rel=1e-14)
        eps = 0.1
        lsm = self.logits - np.log(np.exp(self.logits).sum(1, keepdims=True))
        smooth = (1 - eps) * one_hot + eps / 4
        want = -(smooth * lsm).sum(1).mean()
        assert F.cross_entropy(self.logits, self.classes, label_smoothing=eps).item() == pytest.approx(want)
        assert F.cross_entropy(self.logits, one_hot, label_smoothing=eps).item() == pytest.approx(want)
        # the class axis may be anywhere
        moved = F.cross_entropy(ag.tensor(self.logits.T), self.classes, axis=0)
        assert moved.item() == pytest.approx(a.item(), rel=1e-14)
        # gradient of mean cross-entropy w.r.t. logits is (softmax - one_hot) / N
        x = ag.tensor(self.logits, requires_grad=True)
        F.cross_entropy(x, self.classes).backward()
        np.testing.assert_allclose(x.grad.data, (np.exp(lsm) - one_hot) / 5, atol=1e-15)

    def test_kl_div(self):
        q = np.array([[0.2, 0.3, 0.5]])
        p = np.array([[0.0, 0.4, 0.6]])
        want = 0.4 * np.log(0.4 / 0.3) + 0.6 * np.log(0.6 / 0.5)
        assert F.kl_div(np.log(q), p, reduction="sum").item() == pytest.approx(want)
        assert F.kl_div(np.log(q), p, reduction="batchmean").item() == pytest.approx(want)
        assert F.kl_div(np.log(q), p).item() == pytest.approx(want / 3)

    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_reductions(self, reduction):
        loss = F.mse_loss(ag.tensor(self.pred), ag.tensor(self.target), reduction=reduction)
        full = (self.pred - self.target) ** 2
        want = {"mean": full.mean(), "sum": full.sum(), "none": full}[reduction]
        np.testing.assert_allclose(loss.data, want)
        with pytest.raises(ValueError, match="reduction must be one of"):
            F.l1_loss(self.pred, self.target, reduction="avg")

    def test_second_order(self):
        t, y = self.target[:2, :2], self.pred[:2, :2]
        assert check_grads(lambda a: F.mse_loss(a, t), y)
        assert check_grads(lambda a: F.huber_loss(a, t, delta=0.7), y + 0.01)
        assert check_grads(lambda a: F.l1_loss(a, t), y)
        assert check_grads(lambda a: F.binary_cross_entropy(a, self.bits[:2, :2]), self.probs[:2, :2])
        assert check_grads(lambda a: F.binary_cross_entropy_with_logits(a, self.probs[:2, :2]), y)
        assert check_grads(lambda a: F.cross_entropy(a, self.classes[:3], label_smoothing=0.1), self.logits[:3])
        assert check_grads(lambda a: F.cross_entropy(a, np.eye(4)[self.classes[:3]]), self.logits[:3])
        assert check_grads(lambda a: F.nll_loss(a, self.classes[:3]), self.logits[:3])
        p = np.array([[0.0, 0.4, 0.6]])
        assert check_grads(lambda a: F.kl_div(a, p), np.log(np.array([[0.2, 0.3, 0.5]])))

    def test_finite_at_the_extremes(self):
        big = ag.tensor([[1e4, -1e4, 0.0], [-1e6, 1e6, 3.0]], requires_grad=True)
        for loss in (
            F.cross_entropy(big, np.array([1, 0])),
            F.cross_entropy(big, np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])),
            F.binary_cross_entropy_with_logits(big, np.ones((2, 3))),
            F.nll_loss(F.log_softmax(big), np.array([1, 0])),
            F.binary_cross_entropy(ag.tensor([0.0, 1.0, 1.0], requires_grad=True), np.array([1.0, 0.0, 1.0])),
        ):
            loss.backward()
            assert np.isfinite(loss.item())
        assert np.isfinite(big.grad.data).all()
        p = ag.tensor([0.0, 1.0], requires_grad=True)
        F.binary_cross_entropy(p, np.array([1.0, 0.0])).backward()
        assert F.binary_cross_entropy(p, np.array([1.0, 0.0])).item() == 100.0  # log clamped at -100
        assert np.isfinite(p.grad.data).all()

    def test_errors_name_the_offending_values(self):
        with pytest.raises(ValueError, match=r"mse_loss: prediction has shape \(4, 3\) but target has shape \(4,\)"):
            F.mse_loss(self.pred, self.target[:, 0])
        with pytest.raises(IndexError, match=r"class indices must lie in \[0, 4\).*\[7, -1\]"):
            F.cross_entropy(self.logits, np.array([0, 7, 1, -1, 2]))
        # every integer dtype, either byte order: one range check catches both ends
        for dt in ("i1", "i2", "i4", "i8", ">i8", "<i4", "u1", "u8", ">u2"):
            bad = np.array([0, 3, 1, 4 if dt[-2] == "u" else -1, 2], dtype=dt)
            with pytest.raises(IndexError, match=r"class indices must lie in \[0, 4\)"):
                F.cross_entropy(self.logits, bad)
            good = np.array([0, 3, 1, 0, 2], dtype=dt)
            assert F.cross_entropy(self.logits, good).item() == F.cross_entropy(self.logits, [0, 3, 1, 0, 2]).item()
        with pytest.raises(IndexError, match=r"got \[-128\]"):
            F.nll_loss(self.logits, np.array([0, 1, -128, 1, 2], dtype=np.int8))
        with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\], got \[1.5, -0.2\]"):
            F.binary_cross_entropy(np.array([0.5, 1.5, -0.2]), np.array([1.0, 0.0, 1.0]))
        with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got \[2.0\]"):
            F.binary_cross_entropy_with_logits(np.array([0.5, 1.5]), np.array([1.0, 2.0]))
        with pytest.raises(ValueError, match=r"integer targets must have the shape .*\(5,\); got \(4,\)"):
            F.cross_entropy(self.logits, np.array([0, 1, 2, 3]))
        with pytest.raises(ValueError, match=r"probability targets must have the scores' shape \(5, 4\)"):
            F.cross_entropy(self.logits, np.ones((5, 3)) / 3)
        with pytest.raises(TypeError, match="integer class indices"):
            F.nll_loss(self.logits, np.array([0.0, 1.0, 2.0, 3.0, 0.0]))
        with pytest.raises(ValueError, match="label_smoothing"):
            F.cross_entropy(self.logits, self.classes, label_smoothing=1.5)


@pytest.mark.parametrize("x", [0.0, 1e-300, 0.3, -0.7, 2.2, -4.0, 5.9, 27.0])
def test_erf_is_accurate(x):
    assert ag.erf(ag.tensor(x)).item() == pytest.approx(math.erf(x), abs=1e-15, rel=1e-15)


test_erf_second_order = grad_property(ag.erf, tensors(shape=(3,)), max_examples=10)
test_expm1_second_order = grad_property(ag.expm1, tensors(shape=(3,)), reference=np.expm1, max_examples=10)
test_log1p_second_order = grad_property(
    ag.log1p, tensors(shape=(3,), elements=floats(-0.5, 3.0)), reference=np.log1p, max_examples=10
)


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_linear_to_second_order(lead):
    rng = np.random.default_rng(len(lead))
    x, w, b = rng.standard_normal(lead + (4,)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    assert check_grads(F.linear, x, w, b, expected=x @ w.T + b)
    assert check_grads(lambda xx, ww: F.linear(xx, ww), x, w, expected=x @ w.T)
    with pytest.raises(ValueError, match=r"linear: input of shape \(3,\) does not fit a weight of shape \(2, 4\)"):
        F.linear(np.ones(3), w)
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(x, w, np.ones(3))


def test_fully_masked_softmax_row_is_a_clear_error():
    x = ag.tensor([[0.5, -np.inf], [-np.inf, -np.inf]])
    with pytest.raises(ValueError, match="no finite entry"):
        F.softmax(x)
    assert ag.logsumexp(ag.tensor([-np.inf, -np.inf])).item() == -np.inf  # mathematically right, no warning

"""Optimizers against hand-written references of their published rules; schedules; clipping; resuming."""

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4))
B0 = RNG.standard_normal(4)
X = RNG.standard_normal((8, 3))


def loss_and_grads(W, b):
    """A non-quadratic loss and its gradients, written out by hand."""
    z = X @ W + b
    t = np.tanh(z)
    loss = (t**2).sum() + 0.1 * (W**4).sum()
    dz = 2 * t * (1 - t**2)
    return loss, X.T @ dz + 0.4 * W**3, dz.sum(0)


def engine_loss(W, b):
    return ((ag.tensor(X) @ W + b).tanh() ** 2).sum() + 0.1 * (W**4).sum()


# ---- references, straight from the papers' / PyTorch docs' pseudo-code
def ref_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    state = {}

    def step(k, p, g):
        g = g + weight_decay * p
        if momentum:
            b = state.get(k)
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            state[k] = b
            g = g + momentum * b if nesterov else b
        return p - lr * g

    return step


def ref_adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10):
    state = {}

    def step(k, p, g):
        t, s = state.get(k, (0, np.zeros_like(p)))
        t += 1
        g = g + weight_decay * p
        s = s + g * g
        state[k] = (t, s)
        return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)

    return step


def ref_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    state = {}

    def step(k, p, g):
        v, gavg, buf = state.get(k, (np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)))
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            denom = np.sqrt(v - gavg**2) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum:
            buf = momentum * buf + g / denom
            upd = buf
        else:
            upd = g / denom
        state[k] = (v, gavg, buf)
        return p - lr * upd

    return step


def ref_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    b1, b2 = betas
    state = {}

    def step(k, p, g):
        t, m, v, vmax = state.get(k, (0, np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)))
        t += 1
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1**t)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        state[k] = (t, m, v, vmax)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)

    return step


CASES = [
    (nn.optim.SGD, dict(lr=0.05), ref_sgd),
    (nn.optim.SGD, dict(lr=0.05, momentum=0.9), ref_sgd),
    (nn.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), ref_sgd),
    (nn.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3), ref_sgd),
    (nn.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.02), ref_adagrad),
    (nn.optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    (nn.optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01), ref_rmsprop),
    (nn.optim.Adam, dict(lr=0.01), ref_adam),
    (nn.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True), ref_adam),
    (nn.optim.AdamW, dict(lr=0.01, weight_decay=0.1), lambda **kw: ref_adam(decoupled=True, **kw)),
    (nn.optim.AdamW, dict(lr=0.02, amsgrad=True), lambda **kw: ref_adam(decoupled=True, weight_decay=1e-2, **kw)),
]


@pytest.mark.parametrize("cls, kw, ref", CASES, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_trajectory_matches_reference(cls, kw, ref):
    W, b = nn.Parameter(W0), nn.Parameter(B0)
    opt = cls([W, b], **kw)
    step = ref(**kw)
    Wr, br = W0.copy(), B0.copy()
    for _ in range(25):
        opt.zero_grad()
        engine_loss(W, b).backward()
        opt.step()
        _, gW, gb = loss_and_grads(Wr, br)
        Wr, br = step("W", Wr, gW), step("b", br, gb)
    np.testing.assert_allclose(W.data, Wr, atol=1e-10, rtol=0)
    np.testing.assert_allclose(b.data, br, atol=1e-10, rtol=0)


def test_parameters_without_grad_are_skipped_and_updates_are_in_place():
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    arr = a.data
    opt = nn.optim.Adam([a, b], lr=0.1)
    (a * 3).sum().backward()
    opt.step()
    assert b.data.tolist() == [2.0] and a.data is arr and a.data[0] != 1.0


def test_param_groups_and_live_lr():
    fc = nn.Linear(2, 2)
    opt = nn.optim.SGD([{"params": [fc.weight]}, {"params": [fc.bias], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["momentum"] == 0.9
    opt.param_groups[0]["lr"] = 0.0
    w0 = fc.weight.data.copy()
    fc(ag.ones(1, 2)).sum().backward()
    opt.step()
    assert (fc.weight.data == w0).all()
    with pytest.raises(ValueError, match="more than one group"):
        nn.optim.SGD([{"params": [fc.weight]}, {"params": [fc.weight]}], lr=0.1)
    with pytest.raises(TypeError, match="iterable of tensors"):
        nn.optim.SGD(fc.weight, lr=0.1)


@pytest.mark.parametrize("cls", [nn.optim.SGD, nn.optim.Adagrad, nn.optim.RMSprop, nn.optim.Adam, nn.optim.AdamW])
def test_state_dict_resumes_exactly(cls, tmp_path):
    kw = dict(lr=0.01, momentum=0.9) if cls in (nn.optim.SGD, nn.optim.RMSprop) else dict(lr=0.01)

    def run(W, b, opt, n):
        for _ in range(n):
            opt.zero_grad()
            engine_loss(W, b).backward()
            opt.step()

    W, b = nn.Parameter(W0), nn.Parameter(B0)
    opt = cls([W, b], **kw)
    run(W, b, opt, 10)
    saved_W, saved_b, saved_opt = W.data.copy(), b.data.copy(), opt.state_dict()
    run(W, b, opt, 10)
    W2, b2 = nn.Parameter(saved_W), nn.Parameter(saved_b)
    opt2 = cls([W2, b2], **kw)
    opt2.load_state_dict(saved_opt)
    run(W2, b2, opt2, 10)
    assert (W2.data == W.data).all() and (b2.data == b.data).all()


def test_float32_stays_float32():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = nn.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[id(p)]["exp_avg"].dtype == np.float32


class TestSchedules:
    def rates(self, make, n=12, metrics=None):
        opt = nn.optim.SGD([nn.Parameter([0.0])], lr=0.5)
        sched = make(opt)
        out = []
        for e in range(n):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step() if metrics is None else sched.step(metrics[e])
        return out

    def test_step_and_exponential(self):
        S = nn.optim.lr_scheduler
        assert self.rates(lambda o: S.StepLR(o, 3, 0.1), 7) == pytest.approx([0.5] * 3 + [0.05] * 3 + [0.005])
        assert self.rates(lambda o: S.ExponentialLR(o, 0.5), 4) == pytest.approx([0.5, 0.25, 0.125, 0.0625])

    def test_cosine(self):
        S = nn.optim.lr_scheduler
        got = self.rates(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.1), 21)
        want = [0.1 + 0.4 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(21)]
        assert got == pytest.approx(want, abs=1e-12)

    def test_lambda_and_warmup(self):
        S = nn.optim.lr_scheduler
        assert self.rates(lambda o: S.LambdaLR(o, lambda e: 1 / (e + 1)), 4) == pytest.approx(
            [0.5, 0.25, 0.5 / 3, 0.125]
        )
        got = self.rates(lambda o: S.LinearWarmup(o, warmup_steps=4, start_factor=0.2), 7)
        assert got == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5])

    def test_plateau(self):
        S = nn.optim.lr_scheduler
        losses = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4]
        got = self.rates(lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2), 10, losses)
        assert got == pytest.approx([0.5] * 5 + [0.25] * 5)  # cut after 3 epochs without improvement

    def test_get_last_lr_and_errors(self):
        S = nn.optim.lr_scheduler
        opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
        s = S.StepLR(opt, 1, 0.5)
        opt.step()
        s.step()
        assert s.get_last_lr() == [0.5]
        with pytest.raises(ValueError, match="step_size"):
            S.StepLR(opt, 0)
        with pytest.raises(TypeError, match="expected an optimizer"):
            S.StepLR(object(), 1)


class TestClipping:
    def test_clip_norm_returns_total_and_scales(self):
        a, b = nn.Parameter([3.0]), nn.Parameter([4.0, 0.0])
        a.grad, b.grad = ag.tensor([3.0]), ag.tensor([4.0, 0.0])
        total = nn.utils.clip_grad_norm_([a, b], max_norm=2.5)
        assert total.item() == pytest.approx(5.0)
        assert a.grad.item() == pytest.approx(1.5, rel=1e-6) and b.grad.data[0] == pytest.approx(2.0, rel=1e-6)
        unchanged = nn.utils.clip_grad_norm_([a, b], max_norm=100)
        assert unchanged.item() == pytest.approx(2.5, rel=1e-6) and a.grad.item() == pytest.approx(1.5, rel=1e-6)
        inf = nn.utils.clip_grad_norm_([a, b], 1.0, norm_type=float("inf"))
        assert inf.item() == pytest.approx(2.0, rel=1e-6)

    def test_clip_value(self):
        a = nn.Parameter([0.0, 0.0, 0.0])
        a.grad = ag.tensor([-5.0, 0.5, 3.0])
        nn.utils.clip_grad_value_([a], 1.0)
        assert a.grad.tolist() == [-1.0, 0.5, 1.0]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_step_between_forward_and_backward_is_caught(name):
    # the optimizer marks every parameter it updates (views included) as modified in place,
    # so a graph that saved their old values refuses to use them
    base = np.arange(6.0)
    w = nn.Parameter(base[:3].copy())
    v = ag.Tensor(np.zeros((2, 3)), requires_grad=True)
    view = v.data[1]  # a parameter whose array is a view of another array
    p = ag.from_numpy(view, requires_grad=True)
    opt = getattr(nn.optim, name)([w, p], lr=0.1)
    for _ in range(2):  # the first step registers the arrays, the second re-dates them
        opt.zero_grad()
        loss = (w * w).sum() + (p * w).sum()
        loss.backward()
        opt.step()
    loss = (w * w).sum() + (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    loss2 = (p * p).sum()
    v.data[1, 0] += 1.0  # writing through the base counts for the view
    ag.graph.mark_modified(v.data)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss2.backward()


def test_sgd_subclass_with_its_own_update_still_gets_the_group():
    # SGD reads its hyper-parameters once per group; a subclass overriding _update keeps the
    # (p, g, state, group) form every optimizer has, and may call SGD's own
    class Clipped(nn.optim.SGD):
        def _update(self, p, g, state, group):
            assert isinstance(group, dict) and group["lr"] == 0.5
            super()._update(p, np.clip(g, -1.0, 1.0), state, group)

    w = nn.Parameter([3.0, -0.1])
    opt = Clipped([w], lr=0.5, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    g1 = np.clip(2 * np.array([3.0, -0.1]), -1, 1)
    w1 = np.array([3.0, -0.1]) - 0.5 * g1
    buf = 0.9 * g1 + np.clip(2 * w1, -1, 1)
    np.testing.assert_allclose(w.data, w1 - 0.5 * buf)

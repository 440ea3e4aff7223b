"""Regressions found by an independent review of the performance work (issue 9), and
guards for the behaviour that work made riskier (heap-ordered backward, records kept in
tensors, ReLU via fmax, the cross-entropy fast path)."""

import copy

import numpy as np
import pytest

import autograd_lite as ag
import autograd_lite.functional as F
import nn
from autograd_lite.tensor import run_backward


# ------------------------------------------------------------ regressions
@pytest.mark.parametrize(
    "loss",
    [F.binary_cross_entropy_with_logits, lambda p, t: F.binary_cross_entropy(p.sigmoid(), t), F.kl_div],
    ids=["bce_logits", "bce", "kl_div"],
)
def test_loss_target_array_is_not_aliased(loss):
    # _pair wraps an ndarray target without a copy; mul saves it for backward, so refilling
    # the caller's buffer (the next batch) before backward() silently changed the gradient.
    x = ag.tensor([0.3, -1.2, 2.0], requires_grad=True)
    buf = np.array([1.0, 0.0, 1.0])
    out = loss(x, buf)
    buf[:] = [0.0, 1.0, 0.0]
    out.backward()
    x_ref = ag.tensor([0.3, -1.2, 2.0], requires_grad=True)
    loss(x_ref, np.array([1.0, 0.0, 1.0])).backward()
    np.testing.assert_allclose(x.grad.data, x_ref.grad.data)


def test_copied_non_leaf_tensors_share_seq_without_crashing_the_heap():
    # copy.copy keeps _seq; two heap entries with the same seq compared the Tensors themselves.
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y * copy.copy(y) * copy.copy(y)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 81 * x.data**2)


def test_three_input_primitive_accepts_keywords():
    # arity 3 now goes through wrapped3(x, y, z, **kwargs): a keyword for the third input, or a
    # keyword-only option named x/y/z, raised TypeError (the generic wrapper accepted both).
    @ag.primitive
    def lerp(a, b, t):
        return a + (b - a) * t

    ag.defvjp(lerp, lambda g, out, a, b, t: g * (1 - t), lambda g, out, a, b, t: g * t, None)

    @ag.primitive
    def scaled(a, b, c, *, x=1.0):
        return (a + b + c) * x

    ag.defvjp(scaled, *[lambda g, out, a, b, c, x=1.0: g * x] * 3)
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 5.0])
    np.testing.assert_allclose(lerp(a, b, t=0.25).data, [1.5, 2.75])
    scaled(a, b, b, x=2.0).sum().backward()
    np.testing.assert_allclose(a.grad.data, [2.0, 2.0])


def test_linear_with_reparametrised_weight():
    # Linear.forward reads self._parameters["weight"]; a weight replaced by a computed tensor
    # (weight-norm style: del fc.weight; fc.weight = f(v)) lives in __dict__ -> KeyError.
    fc = nn.Linear(3, 2)
    v = nn.Parameter(fc.weight.data.copy())
    del fc.weight
    fc.v = v
    fc.weight = fc.v * 2.0
    fc(ag.ones(4, 3)).sum().backward()
    assert v.grad is not None


# ----------------------------------------------------------------- guards
def _numeric(f, leaves, eps=1e-6):
    out = []
    for leaf in leaves:
        g = np.zeros_like(leaf.data)
        for i in np.ndindex(leaf.data.shape):
            old = leaf.data[i]
            leaf.data[i] = old + eps
            hi = f()
            leaf.data[i] = old - eps
            lo = f()
            leaf.data[i] = old
            g[i] = (hi - lo) / (2 * eps)
        out.append(g)
    return out


@ag.primitive
def _ucube(x):  # a user primitive: Tensor rules only, mixed into the fast engine's heap
    return x**3


ag.defvjp(_ucube, lambda g, out, x: g * 3 * x * x)


@pytest.mark.parametrize("seed", range(12))
def test_heap_order_multi_root_matches_numeric(seed):
    rng = np.random.default_rng(seed)
    leaves = [ag.tensor(rng.normal(size=3), requires_grad=True) for _ in range(3)]

    def build():
        r = np.random.default_rng(seed + 100)
        pool = list(leaves)
        for _ in range(15):
            a, b = pool[r.integers(len(pool))], pool[r.integers(len(pool))]
            k = r.integers(6)
            pool.append([a * b, a * a, ag.tanh(a) + b, F.relu(a - b), _ucube(a * 0.5), a[[0, 0, 2]].sum() * b][k])
        # several roots, the second one inside the first one's graph
        return [pool[-1].sum(), pool[-4] * 2.0]

    def value():
        with ag.no_grad():
            r1, r2 = build()
            return float(r1.data + (r2.data * np.arange(1.0, 4.0)).sum())

    r1, r2 = build()
    run_backward([r1, r2], [None, np.arange(1.0, 4.0)])
    for leaf, num in zip(leaves, _numeric(value, leaves)):
        got = np.zeros(3) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6)


def test_backward_twice_and_retained_nonleaf_with_hook():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(y.grad.data, [40.0, 80.0])
    np.testing.assert_allclose(x.grad.data, [80.0, 160.0])
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_cross_entropy_fast_path_equals_log_softmax_form():
    rng = np.random.default_rng(0)
    for shape, ax in [((4, 5), -1), ((5, 4), 0), ((2, 5, 3), 1)]:
        x = rng.normal(size=shape) * 3
        tgt = rng.integers(0, shape[ax], size=tuple(n for i, n in enumerate(shape) if i != ax % len(shape)))
        a, b = ag.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
        F.cross_entropy(a, tgt, axis=ax).backward()
        F.nll_loss(F.log_softmax(b, axis=ax), tgt, axis=ax).backward()
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-12, atol=1e-15)


def test_relu_and_where_on_large_arrays_match_numpy_where():
    a = np.random.default_rng(1).normal(size=10000)
    a[::97], a[::101], a[::103], a[::107] = -0.0, np.inf, -np.inf, np.nan
    x = ag.tensor(a, requires_grad=True)
    y = x.relu()
    (y.mean() + ag.where(a < 0.5, 0.0, x).sum()).backward()
    np.testing.assert_array_equal(y.data, np.where(a > 0, a, 0.0))
    assert not np.signbit(y.data).any()
    np.testing.assert_array_equal(x.grad.data, (a > 0) / a.size + ~(a < 0.5))


def test_zero_d_gradients_are_arrays():
    # NumPy arithmetic on 0-d arrays returns NumPy scalars; .grad, hooks and retained grads hold arrays
    seen = []
    x = ag.tensor(3.0, requires_grad=True)
    x.register_hook(lambda g: seen.append(type(g.data)))
    y = x * x
    y.retain_grad()
    (y * 2).backward()
    (x * x).backward()  # accumulates into an existing .grad
    assert type(x.grad.data) is np.ndarray and type(y.grad.data) is np.ndarray
    assert seen == [np.ndarray, np.ndarray]
    x.grad.data[...] = 0.0  # writable in place
    assert type(ag.grad(lambda t: t * t)(ag.tensor(2.0)).data) is np.ndarray


def test_float16_mean_over_more_elements_than_float16_can_count():
    x = ag.tensor(np.ones(70000, np.float16), requires_grad=True)
    m = x.mean()
    assert m.dtype == np.float16 and m.item() == 1.0  # a float32 sum, as NumPy's mean
    m.backward()
    np.testing.assert_allclose(x.grad.data.astype(np.float64), 1 / 70000, rtol=5e-3)  # a float16 subnormal


def test_nan_slice_does_not_hide_an_all_minus_inf_slice():
    x = np.array([[np.nan, 1.0], [-np.inf, -np.inf]])
    with pytest.raises(ValueError, match="no finite entry"):
        F.log_softmax(ag.tensor(x), axis=-1)


def test_sequential_calls_hooks_and_custom_call_methods():
    # Sequential skips Module.__call__ for plain modules; hooks and overridden __call__ still run
    class Doubler(nn.Module):
        def __call__(self, x):  # a module that overrides __call__ instead of forward
            return x * 2.0

    seen = []
    fc = nn.Linear(2, 2)
    fc.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    model = nn.Sequential(fc, Doubler(), nn.ReLU())
    out = model(ag.ones(3, 2))
    assert seen == [(3, 2)]
    with ag.no_grad():
        expected = np.maximum(fc(ag.ones(3, 2)).data * 2.0, 0.0)
    np.testing.assert_allclose(out.data, expected)


# ---------------------------------------------- a review of the third round's changes
def test_negative_small_int_targets_with_many_classes_are_refused():
    # the range check views signed indices as unsigned; with more classes than half the
    # dtype's range that view cannot tell -1 from a class, so such indices are widened first
    logits = ag.tensor(np.zeros((2, 300)))
    with pytest.raises(IndexError, match=r"got \[-1\]"):
        F.cross_entropy(logits, np.array([5, -1], np.int8))
    with pytest.raises(IndexError, match=r"got \[-100\]"):
        F.nll_loss(logits, np.array([-100, 3], np.int8))
    with pytest.raises(IndexError, match=r"got \[-1\]"):
        F.cross_entropy(ag.tensor(np.zeros((1, 70_000))), np.array([-1], np.int16))
    assert F.cross_entropy(logits, np.array([127, 5], np.int8)).item() == pytest.approx(np.log(300))


def test_a_step_that_fails_halfway_still_marks_what_it_updated():
    a = nn.Parameter(np.array([1.0, 2.0]))
    b = nn.Parameter(np.array([3.0, 4.0]))
    opt = nn.optim.SGD([a, b], lr=0.1)
    loss = (a * a).sum()
    a.grad = ag.tensor([1.0, 1.0])
    b.grad = ag.tensor(np.ones(3))  # the wrong shape: step raises after updating a
    with pytest.raises(ValueError, match="gradient of shape"):
        opt.step()
    np.testing.assert_allclose(a.data, [0.9, 1.9])
    a.grad = None
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_sgd_update_patched_on_the_instance_or_called_with_a_group_copy():
    from collections import OrderedDict

    w = nn.Parameter([1.0, 2.0])
    opt = nn.optim.SGD([w], lr=0.5)
    seen = []
    original = opt._update

    def logged(p, g, state, group):
        seen.append(group["lr"])
        original(p, g, state, OrderedDict(group))  # a mapping that is not a plain dict

    opt._update = logged
    (w * w).sum().backward()
    opt.step()
    assert seen == [0.5]
    np.testing.assert_allclose(w.data, [0.0, 0.0])


@pytest.mark.parametrize("setting", ["raise", "warn", "ignore"])
@pytest.mark.parametrize(
    "a, b, op",
    [
        (1e-200, 1e-200, "mul"),
        (1e-300, 1e-10, "mul"),
        (3e-308, -2.9e-308, "add"),
        (1e-310, 1.0, "mul"),
        (0.0, 5.0, "mul"),
    ],
)
def test_scalar_path_follows_errstate_for_underflow(setting, a, b, op):
    import warnings

    def run(f):
        with np.errstate(all=setting), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                return f().tobytes(), [str(x.message) for x in w]
            except FloatingPointError as e:
                return "raised: " + str(e), []

    x = ag.tensor(a, requires_grad=True)
    ours = run(lambda: (x * b if op == "mul" else x + b).data)
    numpy = run(lambda: np.asarray(np.multiply(np.array(a), b) if op == "mul" else np.add(np.array(a), b)))
    assert ours == numpy


def test_linear_takes_a_list_bias():
    out = ag.linear(ag.ones(2, 3), ag.ones(4, 3), [1, 2, 3, 4])
    np.testing.assert_array_equal(out.data, [[4.0, 5.0, 6.0, 7.0]] * 2)

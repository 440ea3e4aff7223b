"""Every primitive and derived op, checked against central differences to first and second order.

Shapes and values are drawn by Hypothesis (float64, small shapes so the full
Jacobians stay cheap). Values are kept away from kinks (relu, abs, clip,
maximum/minimum and max/min ties) and poles (log, div, sqrt at 0), where a
central difference straddles a non-differentiable point. Each check also
compares the forward value with NumPy's.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing import check_grads
from autograd_lite.testing.strategies import broadcastable_shapes, floats, grad_property, shapes, tensors

SIDE = 3  # every axis has 1 to SIDE elements
DIMS = 3

fast = settings(max_examples=25, deadline=None)
slow = settings(max_examples=15, deadline=None)  # for tests with several inputs or large outputs


def small_shapes(min_dims=0, max_dims=DIMS, min_side=1):
    return shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=SIDE)


def small_tensors(shape=None, **kw):
    return tensors(shape=small_shapes() if shape is None else shape, **kw)


def check(f, *inputs, expected=None):
    """First and second derivatives of ``f`` match central differences (and the value matches NumPy's)."""
    if expected is not None:
        assert f(*inputs).dtype == np.float64
    assert check_grads(f, *inputs, order=2, expected=expected)


def grad_of(f, *xs):
    """Gradients of the scalar ``f(*xs)`` with respect to each of ``xs`` (plain backward)."""
    xs = [ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in xs]
    f(*xs).backward()
    return [x.grad.data for x in xs]


@st.composite
def distinct_tensors(draw, shape=None, spacing=0.3):
    """Tensors whose values are pairwise at least ``spacing * 2/3`` apart: no ties for max/min/maximum."""
    shape = draw(small_shapes()) if shape is None else shape
    n = math.prod(shape)
    perm = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    jitter = draw(hnp.arrays(np.float64, (n,), elements=floats(0.0, spacing / 3)))
    offset = draw(floats(-1.0, 1.0))
    return ag.tensor(((perm - n / 2) * spacing + jitter + offset).reshape(shape), requires_grad=True)


@st.composite
def axes_for(draw, ndim):
    """``axis`` arguments: None, an int (possibly negative) or a tuple of distinct axes (mixed signs)."""
    kind = draw(st.sampled_from(["none", "int", "tuple"] if ndim else ["none", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim)) if ndim else []
    return tuple(a - ndim if draw(st.booleans()) else a for a in picked)


def _count(shape, axis):
    if axis is None:
        return math.prod(shape)
    axis = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in axis)


# ------------------------------------------------------------ elementwise binary
POSITIVE = dict(min_value=0.5, max_value=2.5)
NONZERO = dict(avoid=(0.0,), margin=0.5)

BINARY = {
    "add": (lambda a, b: a + b, np.add, {}, {}),
    "sub": (lambda a, b: a - b, np.subtract, {}, {}),
    "mul": (lambda a, b: a * b, np.multiply, {}, {}),
    "div": (lambda a, b: a / b, np.divide, {}, NONZERO),
    "pow": (lambda a, b: a**b, np.power, POSITIVE, dict(min_value=-2.0, max_value=2.0)),
    "module add": (ag.add, np.add, {}, {}),
    "module sub": (ag.sub, np.subtract, {}, {}),
    "module mul": (ag.mul, np.multiply, {}, {}),
    "module div": (ag.div, np.divide, {}, NONZERO),
    "module power": (ag.power, np.power, POSITIVE, dict(min_value=-2.0, max_value=2.0)),
}


@pytest.mark.parametrize("name", list(BINARY))
@fast
@given(data=st.data(), pair=broadcastable_shapes(2, max_dims=DIMS, max_side=SIDE))
def test_binary_broadcasting(name, data, pair):
    f, npf, kw_a, kw_b = BINARY[name]
    a = data.draw(tensors(shape=pair[0], **kw_a), label="a")
    b = data.draw(tensors(shape=pair[1], **kw_b), label="b")
    check(f, a, b, expected=npf(a.data, b.data))


# two interleaved grids, so that a value of one never comes near a value of the other
_upper = st.builds(lambda k, u: k * 0.5 + u, st.integers(-6, 6), floats(0.1, 0.4))
_lower = st.builds(lambda k, u: k * 0.5 + u, st.integers(-6, 6), floats(-0.05, 0.05))


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum, ag.Tensor.maximum, ag.Tensor.minimum])
@fast
@given(data=st.data(), pair=broadcastable_shapes(2, max_dims=DIMS, max_side=SIDE), flip=st.booleans())
def test_maximum_minimum_broadcasting(fn, data, pair, flip):
    a = data.draw(tensors(shape=pair[0], elements=_upper), label="a")
    b = data.draw(tensors(shape=pair[1], elements=_lower), label="b")
    if flip:
        a, b = b, a
    npf = np.maximum if fn.__name__ == "maximum" else np.minimum
    check(fn, a, b, expected=npf(a.data, b.data))


@fast
@given(data=st.data(), shapes3=broadcastable_shapes(3, max_dims=DIMS, max_side=SIDE))
def test_where_broadcasting(data, shapes3):
    cond = data.draw(hnp.arrays(np.bool_, shapes3[0]), label="cond")
    a = data.draw(tensors(shape=shapes3[1]), label="a")
    b = data.draw(tensors(shape=shapes3[2]), label="b")
    check(lambda x, y: ag.where(cond, x, y), a, b, expected=np.where(cond, a.data, b.data))
    # a Tensor condition works the same and receives no gradient
    check(lambda x, y: ag.where(ag.tensor(cond), x, y), a, b)


def test_maximum_tie_shares_gradient():
    ga, gb = grad_of(lambda a, b: ag.maximum(a, b).sum(), [1.0, 2.0, 3.0], [1.0, 0.0, 5.0])
    np.testing.assert_array_equal(ga, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0, 1.0])


def test_maximum_of_a_tensor_with_itself():
    (g,) = grad_of(lambda a: ag.maximum(a, a).sum() + ag.minimum(a, a).sum(), [1.0, -2.0])
    np.testing.assert_array_equal(g, [2.0, 2.0])


def test_broadcast_gradient_is_summed_closed_form():
    a = np.array([[1.0], [2.0], [3.0]])
    b = np.array([0.5, -1.0, 2.0, 4.0])
    ga, gb = grad_of(lambda x, y: (x * y).sum(), a, b)
    np.testing.assert_allclose(ga, np.full((3, 1), b.sum()))
    np.testing.assert_allclose(gb, np.full(4, a.sum()))


# ------------------------------------------------------- mixed Python-number operands
SCALAR_OPS = {
    "2 * t": (lambda t: 2 * t, lambda a: 2 * a, {}),
    "t * 2": (lambda t: t * 2, lambda a: a * 2, {}),
    "1.5 + t": (lambda t: 1.5 + t, lambda a: 1.5 + a, {}),
    "t + 1.5": (lambda t: t + 1.5, lambda a: a + 1.5, {}),
    "t - 3.0": (lambda t: t - 3.0, lambda a: a - 3.0, {}),
    "3.0 - t": (lambda t: 3.0 - t, lambda a: 3.0 - a, {}),
    "t / 4.0": (lambda t: t / 4.0, lambda a: a / 4.0, {}),
    "1.0 / t": (lambda t: 1.0 / t, lambda a: 1.0 / a, NONZERO),
    "t ** 2": (lambda t: t**2, lambda a: a**2, {}),
    "t ** 3.0": (lambda t: t**3.0, lambda a: a**3.0, {}),
    "t ** 0.5": (lambda t: t**0.5, np.sqrt, POSITIVE),
    "t ** -1.5": (lambda t: t**-1.5, lambda a: a**-1.5, POSITIVE),
    "3.0 ** t": (lambda t: 3.0**t, lambda a: 3.0**a, {}),
    "0.5 ** t": (lambda t: 0.5**t, lambda a: 0.5**a, {}),
    "maximum(t, 0.5)": (lambda t: ag.maximum(t, 0.5), lambda a: np.maximum(a, 0.5), dict(avoid=(0.5,))),
    "maximum(0.5, t)": (lambda t: ag.maximum(0.5, t), lambda a: np.maximum(0.5, a), dict(avoid=(0.5,))),
    "minimum(t, -0.5)": (lambda t: ag.minimum(t, -0.5), lambda a: np.minimum(a, -0.5), dict(avoid=(-0.5,))),
    "minimum(-0.5, t)": (lambda t: ag.minimum(-0.5, t), lambda a: np.minimum(-0.5, a), dict(avoid=(-0.5,))),
    "where(t > 0, t, 0.0)": (lambda t: ag.where(t > 0, t, 0.0), lambda a: np.where(a > 0, a, 0.0), dict(avoid=(0,))),
    "where(t > 0, 2.0, t)": (lambda t: ag.where(t > 0, 2.0, t), lambda a: np.where(a > 0, 2.0, a), dict(avoid=(0,))),
    "t * array": (lambda t: t * np.arange(1.0, 4.0), lambda a: a * np.arange(1.0, 4.0), {}),
    "t - array": (lambda t: t - np.arange(1.0, 4.0), lambda a: a - np.arange(1.0, 4.0), {}),
    "array + t": (lambda t: np.arange(1.0, 4.0) + t, lambda a: np.arange(1.0, 4.0) + a, {}),
    "array / t": (lambda t: np.arange(1.0, 4.0) / t, lambda a: np.arange(1.0, 4.0) / a, NONZERO),
    "array ** t": (lambda t: np.arange(1.0, 4.0) ** t, lambda a: np.arange(1.0, 4.0) ** a, {}),
    "np.float64 * t": (lambda t: np.float64(2.5) * t, lambda a: 2.5 * a, {}),
    "clip(array, array)": (
        lambda t: t.clip(np.array([-1.0, 0.5, -2.0]), np.array([1.0, 2.0, -1.0])),
        lambda a: np.clip(a, [-1.0, 0.5, -2.0], [1.0, 2.0, -1.0]),
        dict(avoid=(-2.0, -1.0, 0.5, 1.0, 2.0)),
    ),
}


@pytest.mark.parametrize("name", list(SCALAR_OPS))
@fast
@given(data=st.data())
def test_number_operand(name, data):
    f, npf, kw = SCALAR_OPS[name]
    shape = (3,) if "array" in name else small_shapes()
    t = data.draw(tensors(shape=shape, **kw), label="t")
    check(f, t, expected=npf(t.data))


def test_pow_exponent_zero_keeps_mixed_second_derivative():
    # d2/dx dy x**y at y = 0 is 1/x; it must not be zeroed by the x = 0 special case
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    y = ag.tensor([0.0, 0.0], requires_grad=True)
    (x**y).sum().backward(create_graph=True)
    gx = x.grad
    np.testing.assert_array_equal(gx.data, [0.0, 0.0])
    x.grad = y.grad = None
    gx.sum().backward()
    np.testing.assert_allclose(y.grad.data, [1 / 1.5, 1 / 2.0])


def test_pow_zero_base_zero_exponent():
    # x**0 is the constant 1, so its derivative at x = 0 is 0 (not 0 * inf)
    (gx,) = grad_of(lambda x: (x**0).sum(), [0.0, 2.0])
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    (gx,) = grad_of(lambda x: (x**2.0).sum(), [0.0, 3.0])
    np.testing.assert_array_equal(gx, [0.0, 6.0])


# ------------------------------------------------------------------ elementwise unary
UNARY = {
    "neg": (lambda t: -t, np.negative, {}),
    "ag.neg": (ag.neg, np.negative, {}),
    "exp": (lambda t: t.exp(), np.exp, {}),
    "log": (lambda t: t.log(), np.log, dict(min_value=0.3)),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, dict(min_value=0.3)),
    "sin": (lambda t: t.sin(), np.sin, {}),
    "cos": (lambda t: t.cos(), np.cos, {}),
    "tanh": (lambda t: t.tanh(), np.tanh, {}),
    "abs": (lambda t: t.abs(), np.abs, dict(avoid=(0.0,))),
    "builtin abs": (abs, np.abs, dict(avoid=(0.0,))),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), dict(min_value=-6.0, max_value=6.0)),
    "relu": (lambda t: t.relu(), lambda a: np.maximum(a, 0.0), dict(avoid=(0.0,))),
    "clip(-1, 1)": (lambda t: t.clip(-1.0, 1.0), lambda a: np.clip(a, -1.0, 1.0), dict(avoid=(-1.0, 1.0))),
    "clip(lo=0.5)": (lambda t: ag.clip(t, lo=0.5), lambda a: np.clip(a, 0.5, None), dict(avoid=(0.5,))),
    "clip(hi=-0.5)": (lambda t: ag.clip(t, hi=-0.5), lambda a: np.clip(a, None, -0.5), dict(avoid=(-0.5,))),
    "module exp": (ag.exp, np.exp, {}),
    "module log": (ag.log, np.log, dict(min_value=0.3)),
    "module sqrt": (ag.sqrt, np.sqrt, dict(min_value=0.3)),
    "module sin": (ag.sin, np.sin, {}),
    "module cos": (ag.cos, np.cos, {}),
    "module tanh": (ag.tanh, np.tanh, {}),
    "module abs": (ag.abs, np.abs, dict(avoid=(0.0,))),
    "module sigmoid": (ag.sigmoid, lambda a: 1 / (1 + np.exp(-a)), {}),
    "module relu": (ag.relu, lambda a: np.maximum(a, 0.0), dict(avoid=(0.0,))),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name):
    f, npf, kw = UNARY[name]
    grad_property(f, small_tensors(**kw), reference=npf, max_examples=25)()


def test_unary_closed_forms():
    x = np.array([-1.5, -0.2, 0.3, 2.0])
    np.testing.assert_allclose(grad_of(lambda t: (t * t).sum(), x)[0], 2 * x)
    np.testing.assert_allclose(grad_of(lambda t: t.exp().sum(), x)[0], np.exp(x))
    np.testing.assert_allclose(grad_of(lambda t: t.tanh().sum(), x)[0], 1 - np.tanh(x) ** 2)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(grad_of(lambda t: t.sigmoid().sum(), x)[0], s * (1 - s))
    np.testing.assert_array_equal(grad_of(lambda t: t.relu().sum(), x)[0], [0, 0, 1, 1])
    np.testing.assert_array_equal(grad_of(lambda t: t.abs().sum(), x)[0], [-1, -1, 1, 1])
    np.testing.assert_array_equal(grad_of(lambda t: t.clip(-1, 1).sum(), x)[0], [0, 1, 1, 0])


def test_second_derivative_closed_form():
    x = ag.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_sigmoid_is_stable_at_large_magnitude():
    x = ag.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    y = x.sigmoid()
    y.sum().backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(y.data[[0, 2, 4]], [0.0, 0.5, 1.0])


# ------------------------------------------------------------------------ reductions
REDUCTIONS = {
    "sum": (lambda t, ax, kd: t.sum(axis=ax, keepdims=kd), np.sum, 0),
    "ag.sum": (lambda t, ax, kd: ag.sum(t, axis=ax, keepdims=kd), np.sum, 0),
    "mean": (lambda t, ax, kd: t.mean(axis=ax, keepdims=kd), np.mean, 1),
    "var": (lambda t, ax, kd: t.var(axis=ax, keepdims=kd), np.var, 1),
    "var ddof=1": (
        lambda t, ax, kd: ag.var(t, axis=ax, keepdims=kd, ddof=1),
        lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
        2,
    ),
    "std": (lambda t, ax, kd: t.std(axis=ax, keepdims=kd), np.std, 2),
    "std ddof=1": (
        lambda t, ax, kd: ag.std(t, axis=ax, keepdims=kd, ddof=1),
        lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1),
        2,
    ),
    "max": (lambda t, ax, kd: t.max(axis=ax, keepdims=kd), np.max, 1),
    "min": (lambda t, ax, kd: ag.min(t, axis=ax, keepdims=kd), np.min, 1),
    "logsumexp": (
        lambda t, ax, kd: t.logsumexp(axis=ax, keepdims=kd),
        lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
        0,
    ),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@fast
@given(data=st.data(), keepdims=st.booleans())
def test_reduction(name, data, keepdims):
    f, npf, min_count = REDUCTIONS[name]
    # distinct values: no ties for max/min and a nonzero variance under std's square root
    t = data.draw(distinct_tensors(), label="t")
    axis = data.draw(axes_for(t.ndim), label="axis")
    assume(_count(t.shape, axis) >= min_count)
    check(lambda x: f(x, axis, keepdims), t, expected=npf(t.data, axis=axis, keepdims=keepdims))


def test_reduction_closed_forms():
    x = np.array([[1.0, 4.0, 2.0], [0.5, -1.0, 3.0]])
    np.testing.assert_allclose(grad_of(lambda t: t.mean(), x)[0], np.full(x.shape, 1 / 6))
    for ddof in (0, 1):
        d = x - x.mean(axis=1, keepdims=True)
        g = grad_of(lambda t, ddof=ddof: ag.var(t, axis=1, ddof=ddof).sum(), x)[0]
        np.testing.assert_allclose(g, 2 * d / (3 - ddof))
    np.testing.assert_array_equal(grad_of(lambda t: t.max(axis=1).sum(), x)[0], [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(grad_of(lambda t: t.min(axis=0).sum(), x)[0], [[0, 0, 1], [1, 1, 0]])
    sm = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(grad_of(lambda t: t.logsumexp(axis=-1).sum(), x)[0], sm)


def test_max_ties_share_gradient():
    np.testing.assert_array_equal(grad_of(lambda t: t.max(), [3.0, 1.0, 3.0])[0], [0.5, 0.0, 0.5])


def test_logsumexp_is_stable_at_large_magnitude():
    x = ag.tensor([[1000.0, 1000.0], [-1000.0, -1e4]], requires_grad=True)
    y = x.logsumexp(axis=1)
    y.sum().backward()
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000.0])
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.5], [1.0, 0.0]])


def test_logsumexp_edge_inputs_and_dtypes():
    # 0-d and integer inputs, non-finite rows, and a float64 upstream gradient into float32
    assert ag.tensor(2.5, requires_grad=True).logsumexp().item() == 2.5
    np.testing.assert_allclose(ag.tensor([1, 2, 3]).logsumexp().item(), np.log(np.exp([1, 2, 3]).sum()))
    x = ag.tensor([[0.0, np.inf], [np.nan, 1.0], [-np.inf, -np.inf], [1.0, 2.0]], requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = x.logsumexp(axis=1)
    assert y.data[0] == np.inf and np.isnan(y.data[1]) and y.data[2] == -np.inf
    np.testing.assert_allclose(y.data[3], np.log(np.exp(1.0) + np.exp(2.0)))
    x32 = ag.tensor(np.array([[1.0, 2.0, 3.0]], np.float32), requires_grad=True)
    y32 = x32.logsumexp(axis=1)
    assert y32.dtype == np.float32
    y32.backward(np.array([2.0]))  # a float64 gradient for a float32 output
    sm = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad.data[0], 2 * sm, rtol=1e-6)


# ------------------------------------------------------------------------ shape ops
@st.composite
def reshape_targets(draw, shape):
    """A new shape with the same number of elements, sometimes with a -1."""
    n = math.prod(shape)
    dims = []
    rest = n
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from([k for k in range(1, rest + 1) if rest % k == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    dims = draw(st.permutations(dims))
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@fast
@given(data=st.data())
def test_reshape(data):
    t = data.draw(small_tensors(), label="t")
    target = data.draw(reshape_targets(t.shape), label="target")
    check(lambda x: x.reshape(target), t, expected=t.data.reshape(target))
    check(lambda x: x.reshape(*target), t)
    check(lambda x: ag.reshape(x, target), t)


@fast
@given(data=st.data())
def test_transpose(data):
    t = data.draw(small_tensors(), label="t")
    perm = tuple(data.draw(st.permutations(range(t.ndim)), label="perm"))
    neg = tuple(a - t.ndim for a in perm)
    check(lambda x: x.transpose(*perm), t, expected=t.data.transpose(perm))
    check(lambda x: x.transpose(neg), t, expected=t.data.transpose(perm))
    check(lambda x: ag.transpose(x), t, expected=t.data.transpose())
    check(lambda x: x.T, t, expected=t.data.T)


@fast
@given(data=st.data())
def test_swapaxes(data):
    t = data.draw(small_tensors(shape=small_shapes(min_dims=1)), label="t")
    a = data.draw(st.integers(-t.ndim, -1), label="a")
    b = data.draw(st.integers(-t.ndim, t.ndim - 1), label="b")
    check(lambda x: x.swapaxes(a, b), t, expected=np.swapaxes(t.data, a, b))
    check(lambda x: ag.swapaxes(x, b, a), t, expected=np.swapaxes(t.data, b, a))


@fast
@given(data=st.data())
def test_squeeze_and_expand_dims(data):
    t = data.draw(small_tensors(), label="t")
    ones = [i for i, n in enumerate(t.shape) if n == 1]
    check(lambda x: x.squeeze(), t, expected=np.squeeze(t.data))
    if ones:
        picked = data.draw(st.lists(st.sampled_from(ones), unique=True, min_size=1), label="axes")
        axis = tuple(a - t.ndim if data.draw(st.booleans()) else a for a in picked)
        axis = axis[0] if len(axis) == 1 else axis
        check(lambda x: ag.squeeze(x, axis), t, expected=np.squeeze(t.data, axis))
    ax = data.draw(st.integers(-t.ndim - 1, t.ndim), label="expand axis")
    check(lambda x: x.expand_dims(ax), t, expected=np.expand_dims(t.data, ax))
    check(lambda x: ag.expand_dims(x, (0, -1)), t, expected=np.expand_dims(t.data, (0, -1)))


@fast
@given(data=st.data())
def test_flatten(data):
    t = data.draw(small_tensors(), label="t")
    check(lambda x: x.flatten(), t, expected=t.data.reshape(-1))
    if t.ndim:
        start = data.draw(st.integers(-t.ndim, t.ndim - 1), label="start")
        s = start % t.ndim
        end = data.draw(st.integers(s, t.ndim - 1), label="end")
        expected = t.data.reshape(t.shape[:s] + (-1,) + t.shape[end + 1 :])
        check(lambda x: ag.flatten(x, start, end), t, expected=expected)


@fast
@given(data=st.data(), pair=broadcastable_shapes(2, max_dims=DIMS, max_side=SIDE))
def test_broadcast_to(data, pair):
    t = data.draw(tensors(shape=pair[0]), label="t")
    target = np.broadcast_shapes(*pair)
    check(lambda x: x.broadcast_to(target), t, expected=np.broadcast_to(t.data, target))
    check(lambda x: ag.broadcast_to(x, list(target)), t)


# --------------------------------------------------------------------------- indexing
@slow
@given(data=st.data())
def test_getitem_basic(data):
    """Ints (also negative), slices with steps, None and Ellipsis."""
    t = data.draw(small_tensors(), label="t")
    index = data.draw(hnp.basic_indices(t.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True), label="index")
    check(lambda x: x[index], t, expected=t.data[index])


@slow
@given(data=st.data())
def test_getitem_negative_int_and_stepped_slice(data):
    t = data.draw(small_tensors(shape=small_shapes(min_dims=2)), label="t")
    i = data.draw(st.integers(-t.shape[0], -1), label="i")
    n = t.shape[1]
    ends = st.none() | st.integers(-n - 1, n + 1)
    sl = data.draw(st.builds(slice, ends, ends, st.sampled_from([-3, -2, -1, 2, 3])), label="slice")
    check(lambda x: x[i, sl], t, expected=t.data[i, sl])
    check(lambda x: x[None, ..., ::-1], t, expected=t.data[None, ..., ::-1])


@st.composite
def repeated_indices(draw, n, size=4):
    """An index list into an axis of length ``n`` that picks at least one position twice."""
    idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=size))
    k = draw(st.integers(0, len(idx)))
    idx.insert(k, idx[0] - n if idx[0] >= 0 else idx[0] + n)  # the same position, written the other way
    return np.array(idx)


@slow
@given(data=st.data(), form=st.sampled_from(["x[i]", "x[i2d]", "x[:, i]", "x[i, j]", "x[..., i]", "x[i, None]"]))
def test_getitem_integer_arrays_accumulate(data, form):
    min_dims = 2 if form in ("x[:, i]", "x[i, j]") else 1
    t = data.draw(small_tensors(shape=small_shapes(min_dims=min_dims)), label="t")
    i = data.draw(repeated_indices(t.shape[-1] if form == "x[..., i]" else t.shape[0]), label="i")
    if form == "x[i]":
        index = i
    elif form == "x[i2d]":
        index = np.stack([i, i[::-1]])
    elif form == "x[:, i]":
        index = (slice(None), data.draw(repeated_indices(t.shape[1]), label="i1"))
    elif form == "x[i, j]":
        j = data.draw(hnp.arrays(np.int64, i.shape, elements=st.integers(-t.shape[1], t.shape[1] - 1)), label="j")
        index = (i, j)
    elif form == "x[..., i]":
        index = (Ellipsis, i)
    else:
        index = (i, None)
    check(lambda x: x[index], t, expected=t.data[index])
    # the gradient of a sum counts how often each position was picked
    counts = np.zeros(t.shape)
    np.add.at(counts, index, 1.0)
    np.testing.assert_array_equal(grad_of(lambda x: x[index].sum(), t.data)[0], counts)


def test_getitem_repeated_indices_closed_form():
    (g,) = grad_of(lambda x: (x[[0, 0, 3, -1, 3]] * 2.0).sum(), np.arange(5.0))
    np.testing.assert_array_equal(g, [4.0, 0.0, 0.0, 4.0, 2.0])
    (g,) = grad_of(lambda x: x[ag.tensor(np.array([1, 1]))].sum(), np.arange(3.0))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0])


@slow
@given(data=st.data())
def test_getitem_boolean_masks(data):
    t = data.draw(small_tensors(shape=small_shapes(min_dims=1)), label="t")
    full = data.draw(hnp.arrays(np.bool_, t.shape), label="mask")
    check(lambda x: x[full], t, expected=t.data[full])
    check(lambda x: x[ag.tensor(full)], t)
    rows = data.draw(hnp.arrays(np.bool_, t.shape[:1]), label="row mask")
    check(lambda x: x[rows], t, expected=t.data[rows])
    check(lambda x: x[rows.tolist()], t, expected=t.data[rows])
    np.testing.assert_array_equal(grad_of(lambda x: x[full].sum(), t.data)[0], full.astype(float))


# -------------------------------------------------------------------- concatenate, stack
@slow
@given(data=st.data(), n=st.integers(1, 3))
def test_concatenate(data, n):
    base = data.draw(small_shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(-len(base), len(base) - 1), label="axis")
    ts = []
    for k in range(n):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, SIDE), label=f"size {k}")
        ts.append(data.draw(tensors(shape=tuple(shape)), label=f"t{k}"))
    expected = np.concatenate([t.data for t in ts], axis=axis)
    check(lambda *xs: ag.concatenate(xs, axis=axis), *ts, expected=expected)
    # a constant array among the inputs gets no gradient and does not disturb the others
    const = np.ones(ts[0].shape)
    check(lambda *xs: ag.concatenate([const, *xs], axis=axis), *ts)


@slow
@given(data=st.data(), n=st.integers(1, 3))
def test_stack(data, n):
    shape = data.draw(small_shapes(max_dims=2), label="shape")
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    ts = [data.draw(tensors(shape=shape), label=f"t{k}") for k in range(n)]
    check(lambda *xs: ag.stack(list(xs), axis=axis), *ts, expected=np.stack([t.data for t in ts], axis=axis))


# ------------------------------------------------------------------------ matmul, dot
_side = st.integers(1, SIDE)

MATMUL_SHAPES = {
    "1-D @ 1-D": lambda n, k, m, b: ((k,), (k,)),
    "1-D @ 2-D": lambda n, k, m, b: ((k,), (k, m)),
    "2-D @ 1-D": lambda n, k, m, b: ((n, k), (k,)),
    "2-D @ 2-D": lambda n, k, m, b: ((n, k), (k, m)),
    "3-D @ 2-D": lambda n, k, m, b: ((b, n, k), (k, m)),
    "2-D @ 3-D": lambda n, k, m, b: ((n, k), (b, k, m)),
    "3-D @ 3-D": lambda n, k, m, b: ((b, n, k), (b, k, m)),
    "3-D @ 3-D broadcast": lambda n, k, m, b: ((1, n, k), (b, k, m)),
    "3-D @ 3-D broadcast other": lambda n, k, m, b: ((b, n, k), (1, k, m)),
    "4-D @ 3-D broadcast": lambda n, k, m, b: ((2, 1, n, k), (b, k, m)),
    "1-D @ 3-D": lambda n, k, m, b: ((k,), (b, k, m)),
    "3-D @ 1-D": lambda n, k, m, b: ((b, n, k), (k,)),
}


@pytest.mark.parametrize("case", list(MATMUL_SHAPES))
@slow
@given(data=st.data(), n=_side, k=_side, m=_side, b=st.integers(2, 3))
def test_matmul(case, data, n, k, m, b):
    sa, sb = MATMUL_SHAPES[case](n, k, m, b)
    a = data.draw(tensors(shape=sa), label="a")
    c = data.draw(tensors(shape=sb), label="b")
    expected = np.matmul(a.data, c.data)
    check(lambda x, y: x @ y, a, c, expected=expected)
    check(lambda x, y: ag.matmul(x, y), a, c)
    # one operand constant: NumPy array on either side of @
    check(lambda x: x @ c.data, a, expected=expected)
    check(lambda y: a.data @ y, c, expected=expected)


def test_matmul_closed_form():
    A = np.arange(6.0).reshape(2, 3)
    B = np.arange(12.0).reshape(3, 4) / 10
    ga, gb = grad_of(lambda x, y: (x @ y).sum(), A, B)
    np.testing.assert_allclose(ga, np.ones((2, 4)) @ B.T)
    np.testing.assert_allclose(gb, A.T @ np.ones((2, 4)))


DOT_SHAPES = {
    "1-D . 1-D": lambda n, k, m, b: ((k,), (k,)),
    "1-D . 2-D": lambda n, k, m, b: ((k,), (k, m)),
    "2-D . 1-D": lambda n, k, m, b: ((n, k), (k,)),
    "2-D . 2-D": lambda n, k, m, b: ((n, k), (k, m)),
    "3-D . 2-D": lambda n, k, m, b: ((b, n, k), (k, m)),
    "2-D . 3-D": lambda n, k, m, b: ((n, k), (b, k, m)),
    "3-D . 3-D": lambda n, k, m, b: ((2, n, k), (b, k, m)),
    "1-D . 3-D": lambda n, k, m, b: ((k,), (b, k, m)),
    "3-D . 1-D": lambda n, k, m, b: ((b, n, k), (k,)),
    "0-D . 2-D": lambda n, k, m, b: ((), (k, m)),
}


@pytest.mark.parametrize("case", list(DOT_SHAPES))
@slow
@given(data=st.data(), n=_side, k=_side, m=_side, b=st.integers(2, 3))
def test_dot(case, data, n, k, m, b):
    sa, sb = DOT_SHAPES[case](n, k, m, b)
    a = data.draw(tensors(shape=sa), label="a")
    c = data.draw(tensors(shape=sb), label="b")
    expected = np.dot(a.data, c.data)
    check(lambda x, y: x.dot(y), a, c, expected=expected)
    check(lambda x, y: ag.dot(x, y), a, c, expected=expected)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk,k->i", [(2, 3), (3, 4), (4,)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij,k->ik", [(2, 3), (4,)]),  # j only in the first operand: summed out, its gradient broadcast back
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("i,i->", [(3,), (3,)]),
]


@pytest.mark.parametrize("spec, shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum_to_second_order(spec, shapes):
    rng = np.random.default_rng(len(spec))
    arrays = [rng.standard_normal(s) for s in shapes]
    check(lambda *ts: ag.einsum(spec, *ts), *arrays, expected=np.einsum(spec, *arrays))


def test_einsum_errors():
    with pytest.raises(NotImplementedError, match="diagonals"):
        ag.einsum("ii->i", ag.ones(2, 2))
    with pytest.raises(NotImplementedError, match=r"'\.\.\.'"):
        ag.einsum("...i->i", ag.ones(2, 2))
    with pytest.raises(ValueError, match="names 2 operands, but 1 were given"):
        ag.einsum("ij,jk->ik", ag.ones(2, 2))


@fast
@given(data=st.data(), shapes3=broadcastable_shapes(3, max_dims=DIMS, max_side=SIDE))
def test_muladd_broadcasting(data, shapes3):
    # the fused x * a + b node behind sigmoid, with every input a tensor
    from autograd_lite import ops

    x, a, b = (data.draw(tensors(shape=s), label=f"input {i}") for i, s in enumerate(shapes3))
    check(ops._muladd, x, a, b, expected=x.data * a.data + b.data)
    check(lambda t: ops._muladd(t, 0.5, 0.5), x, expected=x.data * 0.5 + 0.5)


@fast
@given(x=tensors(shape=shapes(max_dims=DIMS, max_side=SIDE)))
def test_square(x):
    from autograd_lite import ops

    check(ops._square, x, expected=x.data * x.data)

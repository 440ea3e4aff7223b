"""The NumPy fast rules compute exactly what the Tensor rules compute.

First-order gradients run through the fast rules (create_graph=False), second
order through the Tensor rules; here every primitive that has fast rules is
run both ways on the same recorded node and the results are compared.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import ops
from autograd_lite.tensor import _make, _wrap_const
from autograd_lite.testing.strategies import broadcastable_shapes, tensors


def both_ways(out: ag.Tensor, g: np.ndarray) -> list:
    node = out.grad_fn
    prim = node.prim
    raw = [a.data if isinstance(a, ag.Tensor) else a for a in node.inputs]
    targs = [a if isinstance(a, ag.Tensor) else _wrap_const(a, out.data.dtype) for a in node.inputs]
    pairs = []
    with ag.no_grad():
        for i, a in enumerate(node.inputs):
            if not (isinstance(a, ag.Tensor) and a.requires_grad):
                continue
            if prim.fast is not None:
                fast = prim.fast[i](g, out.data, *raw, **node.kwargs)
            else:
                fast = prim.fast_argnum(i, g, out.data, *raw, **node.kwargs)
            slow = prim.vjp(i, _make(g), out, targs, node.kwargs)
            pairs.append((np.asarray(fast), slow.data))
    return pairs


def check(out: ag.Tensor, seed: int = 0):
    g = np.random.default_rng(seed).standard_normal(out.shape)
    for fast, slow in both_ways(out, g):
        assert fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, rtol=1e-13, atol=1e-14)


UNARY = ["neg", "exp", "log", "expm1", "log1p", "erf", "sqrt", "sin", "cos", "tanh", "abs", "alias", "clone"]


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=10, deadline=None)
@given(x=tensors(shape=(2, 3), min_value=0.2, max_value=2.0))
def test_unary(name, x):
    check(getattr(ops, name)(x))


BINARY = [ops.add, ops.sub, ops.mul, ops.div, ops.power, ops.maximum, ops.minimum, ops.matmul]


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_binary(op, data):
    if op is ops.matmul:
        a = data.draw(tensors(shape=st.sampled_from([(3,), (2, 3), (4, 2, 3)])))
        b = data.draw(tensors(shape=st.sampled_from([(3,), (3, 2), (4, 3, 2)])))
    else:
        sa, sb = data.draw(broadcastable_shapes(2, max_side=3))
        a = data.draw(tensors(shape=sa, min_value=0.3, max_value=2.0))
        b = data.draw(tensors(shape=sb, min_value=0.3, max_value=2.0))
    out = op(a, b)
    check(out)
    for x in out.grad_fn.inputs:  # the broadcast nodes as well
        if x.grad_fn is not None:
            check(x)


def test_reductions_shapes_and_indexing():
    x = ag.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    for out in (
        ag.sum(x, axis=0),
        ag.sum(x, axis=(0, 1), keepdims=True),
        ag.mean(x),
        ops._muladd(x, x[0] * 2, 3.0),
        ops._square(x),
        ag.mean(x, axis=1),
        ag.mean(x, axis=(0, 1), keepdims=True),
        ops._getitem(x, index=ops._DistinctIndex([np.arange(3), np.array([1, 0, 3])])),
        ag.max(x, axis=1),
        ag.min(x),
        ag.std(x, axis=0),
        ag.logsumexp(x, axis=1),
        ag.logsumexp(x, axis=(0, 1), keepdims=True),
        ag.logsumexp(x),
        ag.einsum("ij,kj->ik", x, x * 2),
        ag.einsum("ij,k->ik", x, x[0, :2]),
        x.reshape(4, 3),
        x.transpose(1, 0),
        x[[0, 0, 2], 1:],
        x[x.data > 0],
        ag.concatenate([x, x * 2], axis=1),
        ag.where(x.data > 0, x, 0.0),
        ag.where(x.data > 0, 0.0, x),
        ag.clip(x, -0.5, 0.5),
        x.astype(np.float32),
        ag.broadcast_to(x[0], (2, 4)),
        ag.linear(x, ag.tensor(np.ones((5, 4)), requires_grad=True), ag.tensor(np.ones(5), requires_grad=True)),
        ag.linear(x.reshape(2, 6)[:, :4], x[:2], None),
        ag.linear(x[0], x[1:], x[0, :2]),
    ):
        check(out)


def test_index_add():
    g = ag.tensor(np.ones(3), requires_grad=True)
    check(ops._scatter_add(g, index=np.array([0, 0, 2]), shape=(4,)))


def test_every_library_primitive_has_fast_rules():
    prims = {getattr(v, "primitive", None) for v in vars(ops).values()}
    prims = {p for p in prims if isinstance(p, ag.Primitive)}
    assert len(prims) > 30
    missing = sorted(p.name for p in prims if p.fast is None and p.fast_argnum is None)
    assert missing == []


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, -0.0])
@pytest.mark.parametrize("kept", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_large_where_matches_numpy_bit_for_bit(bad, kept, dtype):
    # arrays of 1024+ elements take the bit-mask path of ops._select
    x = np.random.default_rng(0).standard_normal(5000).astype(dtype)
    x[7] = bad
    cond = x > 0
    cond[7] = kept
    for got, want in (
        (ops._select(cond, x, 0.0), np.where(cond, x, 0.0)),
        (ops._select(cond, 0.0, x), np.where(cond, 0.0, x)),
        (ops._select(cond, x, 0), np.where(cond, x, 0)),
        (ag.where(cond, ag.tensor(x), 0.0).data, np.where(cond, x, 0.0)),
    ):
        assert got.dtype == want.dtype and got.shape == want.shape
        # the same bits: NaN, inf and the sign of every zero included
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from([(1024,), (32, 40), (3, 20, 30), (64, 128)]),
    dtype=st.sampled_from([np.float16, np.float32, np.float64]),
    keep_first=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    strided=st.booleans(),
)
def test_bitmask_select_is_numpy_where(shape, dtype, keep_first, seed, strided):
    rng = np.random.default_rng(seed)
    pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, -3.5, 2.0])
    v = np.where(rng.random(shape) < 0.2, rng.choice(pool, shape), rng.standard_normal(shape))
    with np.errstate(over="ignore", under="ignore"):
        v = v.astype(dtype)
    cond = rng.random(shape) < rng.random()
    if strided:  # a transposed view: the bit mask works on any layout
        v, cond = v.T, cond.T
    want = np.where(cond, v, 0.0) if keep_first else np.where(cond, 0.0, v)
    got = ops._select(cond, v, 0.0) if keep_first else ops._select(cond, 0.0, v)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_select_with_a_negative_zero_branch_keeps_its_sign(dtype):
    # -0.0 == 0, but its bits are not zero: where() must put -0.0 in the unselected places
    rng = np.random.default_rng(3)
    x = -np.abs(rng.standard_normal(2000)).astype(dtype)
    cond = rng.random(2000) > 0.5
    for got, want in (
        (ops._select(cond, x, -0.0), np.where(cond, x, -0.0)),
        (ops._select(cond, -0.0, x), np.where(cond, -0.0, x)),
        (ag.where(cond, ag.tensor(x), -0.0).data, np.where(cond, x, -0.0)),
    ):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))
        assert np.signbit(got).all()


def test_select_result_is_laid_out_like_numpy_where():
    rng = np.random.default_rng(4)
    row = rng.random(80) > 0.5
    for v in (rng.standard_normal((64, 80)), rng.standard_normal((80, 64)).T):  # C and Fortran order
        for cond in (v > 0, np.broadcast_to(row, (64, 80))):
            for got, want in ((ops._select(cond, v, 0.0), np.where(cond, v, 0.0)),
                              (ops._select(cond, 0.0, v), np.where(cond, 0.0, v))):  # fmt: skip
                assert got.strides == want.strides
                np.testing.assert_array_equal(got, want)


def test_select_falls_back_for_what_the_bit_mask_cannot_do():
    cond = np.arange(2000) % 3 == 0
    x = np.arange(2000.0)
    for c, a, b in (
        (cond, x.astype(">f8"), 0.0),  # non-native byte order
        (cond, x.astype(np.int64), 0),  # integers
        (cond, x.astype(np.complex128), 0.0),  # no integer of that size
        (cond[None, :], x, 0.0),  # broadcasting
        (cond, x, 1.0),  # no zero branch
        (cond.astype(np.int8), x, 0.0),  # a non-boolean condition
    ):
        got, want = ops._select(c, a, b), np.where(c, a, b)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_large_relu_forward_and_gradient():
    x = np.random.default_rng(1).standard_normal((64, 128))
    x[0, :3] = [0.0, np.inf, -np.inf]
    t = ag.tensor(x, requires_grad=True)
    y = t.relu()
    np.testing.assert_array_equal(y.data, np.where(x > 0, x, 0.0))
    assert not np.signbit(y.data).any()
    g = np.random.default_rng(2).standard_normal(x.shape)
    g[0, 5] = np.inf  # an inf gradient where the unit is off still gives 0
    x[0, 5] = -1.0
    t = ag.tensor(x, requires_grad=True)
    t.relu().backward(g)
    np.testing.assert_array_equal(t.grad.data, np.where(x > 0, g, 0.0))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 8, 50, 4096, 10001])
def test_relu_forward_is_where_bit_for_bit(dtype, n):
    # relu's forward uses np.fmax (ops._where_positive); it must equal where(x > 0, x, 0.0)
    x = np.random.default_rng(n).standard_normal(n).astype(dtype)
    x[::3] = -0.0
    x[1::7] = np.nan
    x[2::11] = -np.inf
    x[4::13] = np.inf
    x[5::17] = 0.0
    for xs in (x, x[::2]):
        got = ag.relu(ag.tensor(xs, requires_grad=True)).data
        want = np.where(xs > 0, xs, 0.0)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))


# ------------------------------------------- 0-d float64 with a Python float
_SCALAR_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply}
_EDGE = [0.0, -0.0, 1.0, -2.5, 1e-310, -1e-310, 1e308, -1e308, 1.7976931348623157e308, 0.1, np.pi, 3e-324]


@pytest.mark.parametrize("name", sorted(_SCALAR_OPS))
@settings(max_examples=200, deadline=None)
@given(
    a=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_EDGE)),
    b=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_EDGE)),
)
def test_scalar_arithmetic_matches_numpy_bit_for_bit(name, a, b):
    # x * 1.0001 on a 0-d float64 tensor takes Python's float arithmetic instead of the
    # ufunc: value, sign of zero, dtype, shape, NaN and warnings must all be NumPy's
    import warnings

    x = ag.tensor(np.array(a), requires_grad=True)
    op = {"add": lambda t: t + b, "sub": lambda t: t - b, "mul": lambda t: t * b}[name]
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        out = op(x)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        want = np.asarray(_SCALAR_OPS[name](np.array(a), b))
    assert type(out.data) is np.ndarray and out.data.dtype == np.float64 and out.data.shape == ()
    assert out.data.tobytes() == want.tobytes() or (np.isnan(want) and np.isnan(out.data))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert out.data.flags.writeable and out.data.flags.owndata


def test_scalar_path_keeps_float32_and_records_the_graph():
    # float32 (NEP 50: the Python float is cast to float32) is left to NumPy
    x32 = ag.tensor(np.float32(0.1), requires_grad=True)
    assert (x32 * 1.0001).data.dtype == np.float32
    assert (x32 * 1.0001).item() == np.float32(0.1) * np.float32(1.0001)
    x = ag.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.0001 + 0.0001 - 0.00005
    y.backward()
    assert y.grad_fn.name == "sub" and y.grad_fn.inputs[1] == 0.00005
    want = np.float64(0.5)
    for _ in range(50):
        want = want * 1.0001 + 0.0001 - 0.00005
    assert y.item() == want
    assert abs(x.grad.item() - 1.0001**50) < 1e-12
    assert y.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn.kwargs == {} and not y.is_leaf
    with ag.no_grad():
        assert (x * 2.0).grad_fn is None and not (x * 2.0).requires_grad
    c = ag.tensor(0.5)  # needs no grad: a plain result
    assert (c * 2.0).grad_fn is None and not (c * 2.0).requires_grad and (c * 2.0).item() == 1.0


def test_relu_zero_operand_is_shared_read_only_and_stays_zero():
    # ops._zeros_like hands fmax a contiguous zero array (its SIMD loop) from one buffer
    for shape, dtype in [((3, 5), np.float32), ((70, 80), np.float64), ((2,), np.float16), ((6000,), np.float32)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        for _ in range(2):
            np.testing.assert_array_equal(ag.relu(ag.tensor(x, requires_grad=True)).data, np.where(x > 0, x, 0.0))
        z = ops._zeros_like(x)
        assert z.shape == shape and z.dtype == dtype and not z.flags.writeable and not z.any()
        assert ops._zeros_like(x) is z  # one view per shape, reused
    assert ops._zeros_like(x.T[::2]) is None  # not contiguous: the scalar operand
    for buf in list(ops._ZERO_BUFFERS.values()) + list(ops._ZERO_VIEWS.values()):
        assert not buf.flags.writeable and not buf.any()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 1), (64, 10), (100, 32), (17, 3), (15, 10), (64, 33)])
def test_logsumexp_row_max_route_is_bit_for_bit(dtype, shape):
    # short rows take the maximum over a transposed copy (ops._row_max); the result must be
    # exactly what the plain reduction gives, specials included
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    x = (rng.standard_normal(shape) * 30).astype(dtype)
    x[::5] = np.where(rng.random(shape[1]) < 0.5, 0.0, -0.0)
    x[1::7, 0] = np.nan
    x[2::9] = -np.inf
    x[3::11, -1] = np.inf
    x[4::13, 0] = -0.0
    xf = np.nan_to_num(x, nan=-0.0, posinf=7.0, neginf=-7.0)  # all finite: the fast path, zeros of both signs
    for xs in (x, np.asfortranarray(x), x[:, ::-1], xf, xf[:, ::-1]):
        with np.errstate(all="ignore"):  # rows with inf or NaN: the careful path, as before
            got = ops._logsumexp(xs, axis=(1,)).data
            m = np.maximum.reduce(xs, axis=1, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0).astype(xs.dtype)
            want = (np.log(np.exp(xs - m).sum(axis=1, keepdims=True)) + m).reshape(-1)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
    if shape[1] <= 32 and shape[0] >= 16:
        np.testing.assert_array_equal(ops._row_max(x), np.maximum.reduce(x, axis=1, keepdims=True))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_logsumexp_with_maxima_whose_sum_overflows(dtype):
    # huge finite values: a shortcut that summed the maxima to ask "are all finite?" would
    # overflow (and warn); the result and the softmax gradient stay exact and quiet
    big = float(np.finfo(dtype).max) / 2
    x = np.array([[big, big * 0.5, 1.0], [big, 0.0, -big], [big * 0.9, big, 2.0], [0.0, 1.0, 2.0]], dtype=dtype)
    m = np.maximum.reduce(x, axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ag.tensor(x, requires_grad=True)
        out = ag.logsumexp(t, axis=1)
        out.backward(np.ones(4, dtype))
    want = (np.log(np.exp(x - m).sum(axis=1, keepdims=True)) + m).reshape(-1)
    np.testing.assert_array_equal(out.data, want)
    assert np.isfinite(out.data).all()
    np.testing.assert_array_equal(t.grad.data, np.exp(x - out.data[:, None]))

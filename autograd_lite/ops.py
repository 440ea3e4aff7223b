"""Every primitive: its NumPy forward next to its VJP rule, then the ops built from them.

Rules are Tensor expressions, so they are themselves differentiable:
``grad(grad(f))`` needs nothing extra. ``out`` is the primitive's output,
``g`` the upstream gradient. Elementwise primitives never think about
broadcasting: the engine gives every grad-requiring input the output's shape
through an explicit ``broadcast_to`` node first (see ``primitive.py``).
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from . import config
from . import primitive as _primitive_mod
from . import special as _special
from .graph import _grad_state, _pass, mark_modified
from .primitive import ShapeError, _deffast, defvjp, defvjp_argnum, primitive
from .tensor import Tensor, _make

_ndarray = np.ndarray
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _const(arr) -> Tensor:
    """A constant (non-differentiable) tensor around an array."""
    return _make(arr if type(arr) is _ndarray else np.asarray(arr))


# ufunc reductions called directly: ndarray.sum and .max go through a Python layer
# (numpy/_core/_methods.py) that costs about 0.4 us a call on small arrays
_add_reduce = np.add.reduce
_max_reduce = np.maximum.reduce
_min_reduce = np.minimum.reduce
_all = np.logical_and.reduce


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _ndim_of(x) -> int:
    return x.data.ndim if isinstance(x, Tensor) else np.ndim(x)


def _axes(axis, ndim: int, op: str):
    """Normalise ``axis`` (int, tuple or None) to a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, quickly
        return (axis % ndim,)
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in items:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {a!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _shape_arg(shape, op: str) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: expected a shape as ints or a tuple of ints, got {shape!r}") from None


# ------------------------------------------------------------- broadcasting
# Below this many elements, broadcasting into a fresh array is cheaper than building
# NumPy's read-only broadcast view (about 2 us); above it the view saves the memory.
_FILL_LIMIT = 1 << 16


def _np_fill(a, shape: tuple) -> np.ndarray:
    """``a`` broadcast to ``shape``: a new array when small, NumPy's read-only view when large."""
    if math.prod(shape) <= _FILL_LIMIT:
        r = np.empty(shape, a.dtype if isinstance(a, (np.ndarray, np.generic)) else np.result_type(a))
        r[...] = a
        return r
    return np.broadcast_to(a, shape)


_ZERO_BUFFERS: dict = {}  # dtype -> a read-only flat buffer of zeros, grown on demand
_ZERO_VIEWS: dict = {}  # (shape, dtype) -> a view of that buffer (see _zeros_like)
_ZEROS_LIMIT = 1 << 20


def _zeros_like(x) -> np.ndarray | None:
    """A read-only array of zeros shaped like the contiguous array ``x``, from a shared buffer.

    NumPy's SIMD loops for binary ufuncs such as ``fmax`` take two contiguous
    operands; a scalar operand (stride 0) sends the call down a strided loop that
    is 2-3 times slower. None when ``x`` is not a C-contiguous array (or is large).
    """
    if type(x) is not np.ndarray or not x.flags.c_contiguous:
        return None
    key = (x.shape, x.dtype)
    z = _ZERO_VIEWS.get(key)
    if z is None:
        if x.size > _ZEROS_LIMIT:
            return None
        buf = _ZERO_BUFFERS.get(x.dtype)
        if buf is None or buf.size < x.size:
            buf = _ZERO_BUFFERS[x.dtype] = np.zeros(builtins.max(x.size, 4096), x.dtype)
            buf.flags.writeable = False
            _ZERO_VIEWS.clear()  # views of an outgrown buffer would keep it alive
        if len(_ZERO_VIEWS) >= 64:  # many shapes seen: start again (each entry is only a view)
            _ZERO_VIEWS.clear()
        z = _ZERO_VIEWS[key] = buf[: x.size].reshape(x.shape)
    return z


@primitive
def _broadcast_to(x, *, shape):
    try:
        return _np_fill(x, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast a tensor of shape {np.shape(x)} to shape {shape}") from None


_broadcast_to.primitive.name = "broadcast_to"


def _np_sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """``_sum_to`` on plain arrays (for the NumPy fast rules)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = _add_reduce(g, axis=axes, keepdims=True)
    return g if g.shape == shape else g.reshape(shape)


def _sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Sum ``g`` down to ``shape``: the gradient of broadcasting to g's shape."""
    if g.data.shape == shape:
        return g
    lead = g.data.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.data.shape[i + lead] != 1)
    s = _sum(g, axis=axes, keepdims=True) if axes else g
    return s if s.data.shape == shape else reshape(s, shape)


defvjp(_broadcast_to, lambda g, out, x, shape: _sum_to(g, x.data.shape))
_deffast(_broadcast_to, lambda g, out, x, shape: _np_sum_to(g, x.shape if type(x) is np.ndarray else np.shape(x)))
_primitive_mod._bcast[0] = lambda x, shape: _broadcast_to(x, shape=shape)


def broadcast_to(x, shape) -> Tensor:
    """Broadcast to ``shape``; the gradient is summed back to x's shape.

    >>> import autograd_lite as ag
    >>> ag.tensor([1.0, 2.0]).broadcast_to((2, 2)).shape
    (2, 2)
    """
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return _broadcast_to(x, shape=tuple(int(s) for s in shape))


# ------------------------------------------------------- elementwise binary
add = primitive(np.add, name="add", elementwise=True)
add.__doc__ = """x + y, elementwise with broadcasting.

    >>> import autograd_lite as ag
    >>> ag.add(ag.tensor([1.0, 2.0]), 3.0)
    tensor([4., 5.])
    """


defvjp(add, lambda g, out, x, y: g, lambda g, out, x, y: g)
_deffast(add, _pass, _pass)


sub = primitive(np.subtract, name="sub", elementwise=True)
sub.__doc__ = """x - y, elementwise with broadcasting.

    >>> import autograd_lite as ag
    >>> ag.sub(ag.tensor([1.0, 2.0]), 3.0)
    tensor([-2., -1.])
    """


defvjp(sub, lambda g, out, x, y: g, lambda g, out, x, y: -g)
_deffast(sub, _pass, lambda g, out, x, y: -g)


mul = primitive(np.multiply, name="mul", elementwise=True)
mul.__doc__ = """x * y, elementwise with broadcasting.

    >>> import autograd_lite as ag
    >>> ag.mul(ag.tensor([1.0, 2.0]), 3.0)
    tensor([3., 6.])
    """


defvjp(mul, lambda g, out, x, y: g * y, lambda g, out, x, y: g * x)
_deffast(mul, lambda g, out, x, y: g * y, lambda g, out, x, y: g * x)


div = primitive(np.true_divide, name="div", elementwise=True)
div.__doc__ = """x / y, elementwise with broadcasting.

    >>> import autograd_lite as ag
    >>> ag.div(ag.tensor([1.0, 2.0]), 4.0)
    tensor([0.25, 0.5 ])
    """


defvjp(div, lambda g, out, x, y: g / y, lambda g, out, x, y: -g * (out / y))
_deffast(div, lambda g, out, x, y: g / y, lambda g, out, x, y: -g * (out / y))


power = primitive(np.power, name="pow", elementwise=True)
power.__doc__ = """x ** y, elementwise with broadcasting.

    >>> import autograd_lite as ag
    >>> ag.power(ag.tensor([1.0, 2.0]), 3.0)
    tensor([1., 8.])
    """


def _pow_vjp_x(g, out, x, y):
    both_zero = (x.data == 0) & (y.data == 0)
    if both_zero.any():  # d/dx x**0 is 0 also at x == 0, where y * x**(y-1) would be 0 * inf
        return where(both_zero, 0.0, g * y * where(both_zero, 1.0, x) ** (y - 1))
    return g * y * x ** (y - 1)


def _pow_vjp_y(g, out, x, y):
    zero = x == 0
    if zero.data.any():  # 0**y has derivative 0 in y for y >= 0, not 0 * log(0)
        safe = where(zero, 1.0, x)
        return where(zero & (y >= 0), 0.0, g * out * log(safe))
    return g * out * log(x)


defvjp(power, _pow_vjp_x, _pow_vjp_y)


def _pow_fast_x(g, out, x, y):
    x, y = np.asarray(x), np.asarray(y)
    both_zero = (x == 0) & (y == 0)
    if both_zero.any():
        return np.where(both_zero, 0.0, g * y * np.where(both_zero, 1.0, x) ** (y - 1))
    return g * y * x ** (y - 1)


def _pow_fast_y(g, out, x, y):
    x, y = np.asarray(x), np.asarray(y)
    zero = x == 0
    if zero.any():
        return np.where(zero & (y >= 0), 0.0, g * out * np.log(np.where(zero, 1.0, x)))
    return g * out * np.log(x)


_deffast(power, _pow_fast_x, _pow_fast_y)


def _np_tie_weights(a, b, dtype, greater: bool) -> np.ndarray:
    w = ((a > b) if greater else (a < b)).astype(dtype)
    ties = a == b
    if np.any(ties):  # ties share the gradient evenly
        w = w + 0.5 * ties
    return w


def _tie_weights(x: Tensor, y: Tensor, g: Tensor, greater: bool) -> Tensor:
    return _const(_np_tie_weights(x.data, y.data, g.data.dtype, greater).astype(g.data.dtype, copy=False))


@primitive(name="muladd", elementwise=True)
def _muladd(x, a, b):
    """``x * a + b`` as one node (sigmoid's affine step uses it with constants)."""
    return x * a + b


defvjp(_muladd, lambda g, out, x, a, b: g * a, lambda g, out, x, a, b: g * x, lambda g, out, x, a, b: g)
_deffast(_muladd, lambda g, out, x, a, b: g * a, lambda g, out, x, a, b: g * x, _pass)


_square = primitive(np.square, name="square")
defvjp(_square, lambda g, out, x: g * (2 * x))
_deffast(_square, lambda g, out, x: g * (2 * x))


maximum = primitive(np.maximum, name="maximum", elementwise=True)
maximum.__doc__ = """Elementwise maximum; tied inputs share the gradient evenly.

    >>> import autograd_lite as ag
    >>> ag.maximum(ag.tensor([1.0, 5.0]), 3.0)
    tensor([3., 5.])
    """


defvjp(
    maximum,
    lambda g, out, x, y: g * _tie_weights(x, y, g, True),
    lambda g, out, x, y: g * _tie_weights(y, x, g, True),
)
_deffast(
    maximum,
    lambda g, out, x, y: g * _np_tie_weights(x, y, g.dtype, True),
    lambda g, out, x, y: g * _np_tie_weights(y, x, g.dtype, True),
)


minimum = primitive(np.minimum, name="minimum", elementwise=True)
minimum.__doc__ = """Elementwise minimum; tied inputs share the gradient evenly.

    >>> import autograd_lite as ag
    >>> ag.minimum(ag.tensor([1.0, 5.0]), 3.0)
    tensor([1., 3.])
    """


defvjp(
    minimum,
    lambda g, out, x, y: g * _tie_weights(x, y, g, False),
    lambda g, out, x, y: g * _tie_weights(y, x, g, False),
)
_deffast(
    minimum,
    lambda g, out, x, y: g * _np_tie_weights(x, y, g.dtype, False),
    lambda g, out, x, y: g * _np_tie_weights(y, x, g.dtype, False),
)


# float dtypes -> the integer dtype of the same size, for selecting by bit masks
_SAME_SIZE_INT = {np.dtype(f"f{n}"): np.dtype(f"i{n}") for n in (2, 4, 8)}


def _plus_zero(v) -> bool:
    """Is ``v`` the number 0 (an int, or a float +0.0: a -0.0 branch has other bits)?"""
    return (type(v) is float and v == 0.0 and math.copysign(1.0, v) > 0) or (type(v) is int and v == 0)


def _select(cond, x, y):
    """``np.where(cond, x, y)`` without its branchy inner loop when one branch is zero.

    NumPy's where costs about 1 ns an element on unpredictable masks (a ReLU's).
    With a zero branch the choice is a bitwise AND of the value's bits with a
    mask of all ones or all zeros: every bit of a selected value is kept (NaN
    payloads and -0.0 included), every other element is +0.0, bit for bit
    where's result, with no floating-point operation to warn. Three cheap
    passes (the mask as integers, its negation, the AND) instead of where's one
    slow one: 2.6 us against 5.2 on 4096 float32 elements, 30 against 460 on
    256x512.
    """
    if type(cond) is not np.ndarray or cond.size < 1024 or cond.dtype != np.bool_:  # small: where is as fast
        return np.where(cond, x, y)
    if _plus_zero(y) and type(x) is np.ndarray:
        v, keep = x, True
    elif _plus_zero(x) and type(y) is np.ndarray:
        v, keep = y, False
    else:
        return np.where(cond, x, y)
    itype = _SAME_SIZE_INT.get(v.dtype)
    if itype is None or v.shape != cond.shape:
        return np.where(cond, x, y)
    if cond.flags.c_contiguous and v.flags.c_contiguous:
        m = cond.astype(itype)  # 1 where cond holds, else 0
    else:  # laid out like the value, as where's result is
        m = np.empty_like(v, dtype=itype)
        np.copyto(m, cond)
    if keep:
        np.negative(m, out=m)  # all bits set where cond holds
    else:
        np.subtract(m, 1, out=m)  # all bits set where it does not
    np.bitwise_and(m, v.view(itype), out=m)
    return m.view(v.dtype)


@primitive(name="where", elementwise=True)
def _where(cond, x, y):
    return _select(cond, x, y)


_WHERE_RULES = (None, lambda g, out, c, x, y: _where(c, g, 0.0), lambda g, out, c, x, y: _where(c, 0.0, g))
_WHERE_FAST = (None, lambda g, out, c, x, y: _select(c, g, 0.0), lambda g, out, c, x, y: _select(c, 0.0, g))
defvjp(_where, *_WHERE_RULES)
_deffast(_where, *_WHERE_FAST)


@primitive(name="where", elementwise=True)
def _where_positive(cond, x, y):
    """``where(cond, x, y)`` for the case ``cond == (x > 0)`` and ``y == 0`` (ReLU's).

    The same operation with the same gradient rules as ``where``; only the
    forward value is computed differently: ``np.fmax(x, 0)`` equals
    ``where(x > 0, x, 0)`` everywhere, NaN (giving 0) included, up to the sign
    of zero, which ``+= 0.0`` settles; two cheap passes instead of where's
    branchy loop or a multiply by the mask.
    """
    z = _zeros_like(x) if y == 0 else None
    out = np.fmax(x, y if z is None else z)
    out += 0.0  # fmax(-0.0, 0.0) may give -0.0; where gives 0.0
    return out


defvjp(_where_positive, *_WHERE_RULES)
_deffast(_where_positive, *_WHERE_FAST)


def where(cond, a, b) -> Tensor:
    """Elementwise choice: ``x`` where ``cond`` holds, else ``y`` (gradient flows to the chosen one).

    >>> import autograd_lite as ag
    >>> ag.where(ag.tensor([1.0, -1.0]) > 0, 1.0, 0.0)
    tensor([1., 0.])
    """
    c = cond.data if isinstance(cond, Tensor) else cond
    if not isinstance(c, _ndarray) or c.dtype != np.bool_:
        c = np.asarray(c, dtype=bool)
    out = _where(c, a, b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and out.data.dtype.kind in "iuf":
        out = _const(out.data.astype(config._state["dtype"]))  # two Python numbers: the default dtype
    return out


# -------------------------------------------------------- elementwise unary
@primitive(name="alias")
def alias(x):
    """The identity as a graph node: a distinct tensor with the same value.

    The function transforms differentiate with respect to an alias of an
    argument that is already part of a graph, so an outer transform's
    gradients never mix with an inner one's.
    """
    return x.view()


defvjp(alias, lambda g, out, x: g)
_deffast(alias, _pass)


neg = primitive(np.negative, name="neg")
neg.__doc__ = """-x.

    >>> import autograd_lite as ag
    >>> ag.neg(ag.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """


defvjp(neg, lambda g, out, x: -g)
_deffast(neg, lambda g, out, x: -g)


exp = primitive(np.exp, name="exp")
exp.__doc__ = """e ** x.

    >>> import autograd_lite as ag
    >>> ag.exp(ag.tensor([0.0]))
    tensor([1.])
    """


defvjp(exp, lambda g, out, x: g * out)
_deffast(exp, lambda g, out, x: g * out)


log = primitive(np.log, name="log")
log.__doc__ = """Natural logarithm.

    >>> import autograd_lite as ag
    >>> ag.log(ag.tensor([1.0]))
    tensor([0.])
    """


defvjp(log, lambda g, out, x: g / x)
_deffast(log, lambda g, out, x: g / x)


expm1 = primitive(np.expm1, name="expm1")
expm1.__doc__ = """exp(x) - 1, accurate near 0.

    >>> import autograd_lite as ag
    >>> ag.expm1(ag.tensor([0.0]))
    tensor([0.])
    """


defvjp(expm1, lambda g, out, x: g * (out + 1.0))
_deffast(expm1, lambda g, out, x: g * (out + 1.0))


log1p = primitive(np.log1p, name="log1p")
log1p.__doc__ = """log(1 + x), accurate near 0.

    >>> import autograd_lite as ag
    >>> ag.log1p(ag.tensor([0.0]))
    tensor([0.])
    """


defvjp(log1p, lambda g, out, x: g / (1.0 + x))
_deffast(log1p, lambda g, out, x: g / (1.0 + x))


@primitive(name="erf")
def erf(x):
    """The error function, elementwise; its gradient is ``2/sqrt(pi) * exp(-x^2)``.

    >>> import autograd_lite as ag
    >>> round(ag.erf(ag.tensor(0.5)).item(), 9)
    0.520499878
    """
    return _special.erf(x)


def _erf_vjp(g, out, x):
    xc = clip(x, -30.0, 30.0)  # exp(-x^2) is 0 beyond 30 anyway; x * x would overflow near 1e154
    return g * (_TWO_OVER_SQRT_PI * exp(-(xc * xc)))


defvjp(erf, _erf_vjp)
_deffast(erf, lambda g, out, x: g * (_TWO_OVER_SQRT_PI * np.exp(-(np.clip(x, -30.0, 30.0) ** 2))))


sqrt = primitive(np.sqrt, name="sqrt")
sqrt.__doc__ = """Square root.

    >>> import autograd_lite as ag
    >>> ag.sqrt(ag.tensor([4.0]))
    tensor([2.])
    """


defvjp(sqrt, lambda g, out, x: g / (2.0 * out))
_deffast(sqrt, lambda g, out, x: g / (2.0 * out))


sin = primitive(np.sin, name="sin")
sin.__doc__ = """Sine.

    >>> import autograd_lite as ag
    >>> ag.sin(ag.tensor([0.0]))
    tensor([0.])
    """


defvjp(sin, lambda g, out, x: g * cos(x))
_deffast(sin, lambda g, out, x: g * np.cos(x))


cos = primitive(np.cos, name="cos")
cos.__doc__ = """Cosine.

    >>> import autograd_lite as ag
    >>> ag.cos(ag.tensor([0.0]))
    tensor([1.])
    """


defvjp(cos, lambda g, out, x: -(g * sin(x)))
_deffast(cos, lambda g, out, x: -(g * np.sin(x)))


tanh = primitive(np.tanh, name="tanh")
tanh.__doc__ = """Hyperbolic tangent.

    >>> import autograd_lite as ag
    >>> ag.tanh(ag.tensor([0.0]))
    tensor([0.])
    """


defvjp(tanh, lambda g, out, x: g * (1.0 - out * out))
_deffast(tanh, lambda g, out, x: g * (1.0 - out * out))


abs = primitive(np.absolute, name="abs")  # noqa: A001 - the NumPy name
abs.__doc__ = """|x|; the gradient at 0 is 0.

    >>> import autograd_lite as ag
    >>> ag.abs(ag.tensor([-2.0]))
    tensor([2.])
    """


defvjp(abs, lambda g, out, x: g * sign(x))
_deffast(abs, lambda g, out, x: g * np.sign(x))


@primitive(name="clip", elementwise=True)
def _clip(x, lo, hi):
    # NaN marks a missing bound (NumPy's clip wants None there)
    lo = None if np.ndim(lo) == 0 and np.isnan(lo) else lo
    hi = None if np.ndim(hi) == 0 and np.isnan(hi) else hi
    return np.clip(x, lo, hi)


def _clip_mask(x, lo, hi, shape, dtype) -> np.ndarray:
    keep = np.ones(shape, dtype=bool)
    for bound, inside in ((np.asarray(lo), np.greater_equal), (np.asarray(hi), np.less_equal)):
        if bound.ndim or not np.isnan(bound):
            keep &= inside(x, bound)
    return keep.astype(dtype)


def _clip_vjp(g, out, x, lo, hi):
    return g * _const(_clip_mask(x.data, lo.data, hi.data, out.data.shape, g.data.dtype))


defvjp(_clip, _clip_vjp, None, None)
_deffast(_clip, lambda g, out, x, lo, hi: g * _clip_mask(x, lo, hi, out.shape, g.dtype), None, None)


def clip(x, lo=None, hi=None) -> Tensor:
    """Limit values to ``[lo, hi]``; the gradient passes where ``lo <= x <= hi``.

    >>> import autograd_lite as ag
    >>> ag.tensor([-2.0, 0.5, 3.0]).clip(0, 1)
    tensor([0. , 0.5, 1. ])
    """
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    lo = np.nan if lo is None else (lo.data if isinstance(lo, Tensor) else lo)
    hi = np.nan if hi is None else (hi.data if isinstance(hi, Tensor) else hi)
    return _clip(x, lo, hi)


@primitive(name="astype")
def _astype(x, *, dtype):
    return x.astype(dtype)


defvjp(_astype, lambda g, out, x, dtype: _astype(g, dtype=x.data.dtype))
_deffast(_astype, lambda g, out, x, dtype: g.astype(np.asarray(x).dtype))


def astype(x, dtype) -> Tensor:
    """Cast to ``dtype``; differentiable between floating dtypes.

    >>> import autograd_lite as ag, numpy as np
    >>> ag.tensor([1.5]).astype(np.float32).dtype
    dtype('float32')
    """
    dt = np.dtype(dtype)
    if dt == x.data.dtype:
        return x
    if dt.kind not in "fc":  # an integer or boolean result has no gradient
        return _const(x.data.astype(dt))
    return _astype(x, dtype=dt)


# ------------------------------------------------------ non-differentiable
def _nondiff(npfn, name):
    def f(x, y):
        a = x.data if isinstance(x, Tensor) else x
        b = y.data if isinstance(y, Tensor) else y
        try:
            return _make(np.asarray(npfn(a, b)))
        except ValueError as e:
            raise ShapeError(f"{name}: {e} (shapes {np.shape(a)} and {np.shape(b)})") from None

    f.__name__ = name
    return f


def _bitwise(npfn, name):
    f = _nondiff(npfn, name)

    def op(x, y):
        for v in (x, y):
            dt = v.data.dtype if isinstance(v, Tensor) else np.asarray(v).dtype
            if dt.kind not in "biu":
                raise TypeError(f"{name}: expected boolean or integer tensors, got dtype {dt}")
        return f(x, y)

    op.__name__ = name
    return op


lt = _nondiff(np.less, "lt")
le = _nondiff(np.less_equal, "le")
gt = _nondiff(np.greater, "gt")
ge = _nondiff(np.greater_equal, "ge")
eq = _nondiff(np.equal, "eq")
ne = _nondiff(np.not_equal, "ne")
bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def invert(x) -> Tensor:
    """Elementwise NOT of a boolean tensor (bitwise NOT of an integer one); ``~t``.

    >>> import autograd_lite as ag
    >>> ~(ag.tensor([1.0, -1.0]) > 0)
    tensor([False,  True])
    """
    a = _t(x).data
    if a.dtype.kind not in "biu":
        raise TypeError(f"invert: ~ needs a boolean or integer tensor, got dtype {a.dtype}")
    return _const(np.invert(a))


def floor_divide(x, y) -> Tensor:
    """``x // y``, elementwise; its result is piecewise constant, so it carries no gradient.

    >>> import autograd_lite as ag
    >>> ag.arange(5) // 2
    tensor([0, 0, 1, 1, 2])
    """
    for v in (x, y):
        if isinstance(v, Tensor) and v.requires_grad and _grad_state.enabled:
            raise TypeError(
                "floor_divide: // has zero gradient almost everywhere and would silently cut the graph; "
                "apply it to .detach()ed tensors"
            )
    return _nondiff(np.floor_divide, "floor_divide")(x, y)


def remainder(x, y) -> Tensor:
    """``x % y`` (sign of ``y``, as NumPy); differentiable: ``x - floor(x / y) * y``.

    >>> import autograd_lite as ag
    >>> ag.tensor([5.5, -1.0]) % 2.0
    tensor([1.5, 1. ])
    """
    a = x.data if isinstance(x, Tensor) else x
    b = y.data if isinstance(y, Tensor) else y
    return x - _const(np.floor_divide(a, b)) * y


@primitive(name="clone")
def clone(x):
    """A copy that owns its memory and stays in the graph (gradient passes through).

    >>> import autograd_lite as ag
    >>> x = ag.ones(2, requires_grad=True)
    >>> c = x.clone(); c.grad_fn.name
    'clone'
    """
    return np.array(x, copy=True)


defvjp(clone, lambda g, out, x: g)
_deffast(clone, _pass)


def sign(x) -> Tensor:
    """Elementwise sign (-1, 0 or 1); not differentiable.

    >>> import autograd_lite as ag
    >>> ag.sign(ag.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return _const(np.sign(x.data if isinstance(x, Tensor) else x))


def isfinite(x) -> Tensor:
    """Elementwise test for finite values (a bool tensor).

    >>> import autograd_lite as ag
    >>> ag.isfinite(ag.tensor([1.0, float("inf")]))
    tensor([ True, False])
    """
    return _const(np.isfinite(x.data if isinstance(x, Tensor) else x))


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (flattened if ``axis`` is None); not differentiable.

    >>> import autograd_lite as ag
    >>> ag.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(axis=1)
    tensor([1, 0])
    """
    return _arg_extreme(np.argmax, x, axis, keepdims, "argmax")


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the smallest value (flattened if ``axis`` is None); not differentiable.

    >>> import autograd_lite as ag
    >>> ag.tensor([3.0, 1.0, 2.0]).argmin().item()
    1
    """
    return _arg_extreme(np.argmin, x, axis, keepdims, "argmin")


def _arg_extreme(npfn, x, axis, keepdims: bool, op: str) -> Tensor:
    a = _t(x).data
    if axis is not None:
        axis = _axes(axis, a.ndim, op)[0]
    try:
        return _const(np.asarray(npfn(a, axis=axis, keepdims=keepdims)))
    except ValueError as e:
        raise ShapeError(f"{op}: {e} (tensor of shape {a.shape})") from None


# ------------------------------------------------------------- reductions
def _unreduce(g: Tensor, axis, ndim: int) -> Tensor:
    """Put back the reduced axes of ``g`` as size-1 axes."""
    if axis is None:
        return reshape(g, (1,) * ndim) if g.data.ndim != ndim else g
    shape = list(g.data.shape)
    for a in axis:
        shape.insert(a, 1)
    return reshape(g, tuple(shape))


def _np_unreduce(a: np.ndarray, axis, ndim: int) -> np.ndarray:
    """``_unreduce`` on plain arrays (for the NumPy fast rules)."""
    if axis is None:
        return a.reshape((1,) * ndim)
    if len(axis) == 1 and axis[0] == ndim - 1:  # the last axis (rows of scores)
        return a.reshape(a.shape + (1,))
    shape = list(a.shape)
    for ax in axis:  # sorted, non-negative (see _axes)
        shape.insert(ax, 1)
    return a.reshape(shape)


@primitive(name="sum")
def _sum(x, *, axis=None, keepdims=False):
    return _add_reduce(np.asarray(x), axis=axis, keepdims=keepdims)


def _sum_vjp(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g = _unreduce(g, axis, x.data.ndim)
    return _broadcast_to(g, shape=x.data.shape)


defvjp(_sum, _sum_vjp)


def _sum_fast(g, out, x, axis=None, keepdims=False):
    shape = x.shape
    if not keepdims and axis is not None:
        g = _np_unreduce(g, axis, len(shape))
    return _np_fill(g, shape)


_deffast(_sum, _sum_fast)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - the NumPy name
    """Sum over ``axis`` (all axes if None).

    >>> import autograd_lite as ag
    >>> ag.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)
    tensor([4., 6.])
    """
    x = _t(x)
    return _sum(x, axis=_axes(axis, x.data.ndim, "sum"), keepdims=bool(keepdims))


def _count(shape: tuple, axis) -> int:
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


@primitive(name="mean")
def _mean(x, *, axis=None, keepdims=False, n=1):
    x = np.asarray(x)
    if x.dtype == np.float16:  # as NumPy's mean: a float32 sum (and n itself may exceed float16's range)
        return (x.sum(axis=axis, keepdims=keepdims, dtype=np.float32) / n).astype(np.float16)
    return _add_reduce(x, axis=axis, keepdims=keepdims) / n  # exactly sum / n, as NumPy's mean


# mean's gradient is sum's, divided by n (in float32 for float16, whose range n may exceed)
def _mean_vjp(g, out, x, axis=None, keepdims=False, n=1):
    g = astype(astype(g, np.float32) / n, np.float16) if g.data.dtype == np.float16 else g / n
    return _sum_vjp(g, out, x, axis, keepdims)


def _mean_fast(g, out, x, axis=None, keepdims=False, n=1):
    g = (g.astype(np.float32) / n).astype(np.float16) if g.dtype == np.float16 else g / n
    return _sum_fast(g, out, x, axis, keepdims)


defvjp(_mean, _mean_vjp)
_deffast(_mean, _mean_fast)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (all axes if None).

    >>> import autograd_lite as ag
    >>> ag.tensor([1.0, 2.0, 6.0]).mean().item()
    3.0
    """
    x = _t(x)
    ax = _axes(axis, x.data.ndim, "mean")
    n = _count(x.data.shape, ax)
    if n == 0:
        raise ShapeError(f"mean: cannot take the mean over an empty axis (shape {x.data.shape}, axis {axis})")
    return _mean(x, axis=ax, keepdims=bool(keepdims), n=n)


def var(x, axis=None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over ``axis``, NumPy's convention (``ddof=0``; ``ddof=1`` is unbiased).

    >>> import autograd_lite as ag
    >>> ag.tensor([1.0, 2.0, 3.0, 4.0]).var().item()
    1.25
    """
    x = _t(x)
    ax = _axes(axis, x.data.ndim, "var")
    n = _count(x.data.shape, ax)
    if n - ddof <= 0:
        raise ShapeError(f"var: need more than ddof={ddof} elements, got {n} (shape {x.data.shape}, axis {axis})")
    d = x - _sum(x, axis=ax, keepdims=True) / n
    return _sum(d * d, axis=ax, keepdims=bool(keepdims)) / (n - ddof)


def std(x, axis=None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation over ``axis`` (``sqrt(var)``, NumPy's ``ddof`` convention).

    >>> import autograd_lite as ag
    >>> ag.tensor([1.0, 3.0]).std().item()
    1.0
    """
    return _std_sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))


@primitive(name="sqrt")
def _std_sqrt(v):
    return np.sqrt(v)


def _std_sqrt_vjp(g, out, v):
    # A constant slice has std 0, where sqrt's slope is infinite but var's is 0: its
    # gradient is 0 (as in PyTorch), not inf * 0 = NaN.
    pos = out.data > 0
    return where(pos, g / (2.0 * where(pos, out, 1.0)), 0.0)


defvjp(_std_sqrt, _std_sqrt_vjp)


def _std_sqrt_fast(g, out, v):
    pos = out > 0
    return np.where(pos, g / (2.0 * np.where(pos, out, 1.0)), 0.0)


_deffast(_std_sqrt, _std_sqrt_fast)


def _extreme_vjp(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g = _unreduce(g, axis, x.data.ndim)
        out = _unreduce(out, axis, x.data.ndim)
    return g * _const(_extreme_weights(x.data, out.data, axis, g.data.dtype))


def _extreme_weights(x: np.ndarray, out_k: np.ndarray, axis, dtype) -> np.ndarray:
    """Where the max/min was attained, ties sharing evenly (a NaN extreme counts as attained)."""
    hit = (x == out_k) | (np.isnan(x) & np.isnan(out_k))
    return (hit / np.sum(hit, axis=axis, keepdims=True)).astype(dtype, copy=False)


@primitive(name="max")
def _max(x, *, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


@primitive(name="min")
def _min(x, *, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


defvjp(_max, _extreme_vjp)
defvjp(_min, _extreme_vjp)


def _extreme_fast(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g, out = _np_unreduce(g, axis, x.ndim), _np_unreduce(out, axis, x.ndim)
    return g * _extreme_weights(x, out, axis, g.dtype)


_deffast(_max, _extreme_fast)
_deffast(_min, _extreme_fast)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - the NumPy name
    """Largest value over ``axis``; tied maxima share the gradient evenly.

    >>> import autograd_lite as ag
    >>> ag.tensor([[1.0, 5.0], [7.0, 2.0]]).max(axis=1)
    tensor([5., 7.])
    """
    x = _t(x)
    return _max(x, axis=_axes(axis, x.data.ndim, "max"), keepdims=bool(keepdims))


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - the NumPy name
    """Smallest value over ``axis``; tied minima share the gradient evenly.

    >>> import autograd_lite as ag
    >>> ag.tensor([3.0, 1.0]).min().item()
    1.0
    """
    x = _t(x)
    return _min(x, axis=_axes(axis, x.data.ndim, "min"), keepdims=bool(keepdims))


@primitive(name="logsumexp")
def _logsumexp(x, *, axis=None, keepdims=False):
    x = np.asarray(x)
    rows = axis == (1,) and x.ndim == 2
    m = _row_max(x) if rows else None
    if m is None:
        m = _max_reduce(x, axis=axis, keepdims=True)  # a constant shift: no overflow
    if _all(np.isfinite(m), axis=None):  # the max term is exp(0) = 1, so the log sees a sum >= 1
        out = np.log(_add_reduce(np.exp(x - m), axis=axis, keepdims=True)) + m
    else:
        m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore"):  # a slice of only -inf has logsumexp -inf, quietly
            out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    if rows:
        return out.reshape(x.shape[0])
    return out.reshape([n for i, n in enumerate(x.shape) if axis is not None and i not in axis])


def _row_max(x: np.ndarray) -> np.ndarray | None:
    """The maximum of each row of a C-contiguous 2-D array with short rows, shape ``(n, 1)``.

    NumPy reduces a short last axis one small row at a time (4 us for 64 rows of 10);
    over the first axis of the transposed copy it runs whole columns through its SIMD
    loop (under 2 us, copy included). A maximum is exact in any order. None when the
    shape does not call for it.
    """
    n, k = x.shape
    if k > 32 or n < 16 or not x.flags.c_contiguous:
        return None
    return _max_reduce(np.ascontiguousarray(x.T), axis=0).reshape(n, 1)


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g = _unreduce(g, axis, x.data.ndim)
        out = _unreduce(out, axis, x.data.ndim)
    shift = _where(np.isfinite(out.data), out, 0.0)  # an all -inf slice gets weight 0, not NaN
    return g * exp(x - shift)  # the softmax: differentiable again through exp


def _logsumexp_fast(g, out, x, axis=None, keepdims=False):
    if not keepdims:
        g, out = _np_unreduce(g, axis, x.ndim), _np_unreduce(out, axis, x.ndim)
    finite = np.isfinite(out)
    shift = out if _all(finite, axis=None) else np.where(finite, out, 0.0)  # an all -inf slice: weight 0, not NaN
    return g * np.exp(x - shift)


defvjp(_logsumexp, _logsumexp_vjp)
_deffast(_logsumexp, _logsumexp_fast)


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow; its gradient is the softmax.

    >>> import autograd_lite as ag
    >>> round(ag.tensor([1000.0, 1000.0]).logsumexp().item(), 6)
    1000.693147
    """
    x = _t(x)
    ax = _axes(axis, x.data.ndim, "logsumexp")
    if _count(x.data.shape, ax) == 0:
        raise ShapeError(f"logsumexp: cannot reduce over an empty axis (shape {x.data.shape}, axis {axis})")
    return _logsumexp(x, axis=ax, keepdims=bool(keepdims))


# ------------------------------------------------------------------ shapes
@primitive(name="reshape")
def _reshape(x, *, shape):
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise ShapeError(
            f"reshape: cannot reshape a tensor of shape {np.shape(x)} ({np.size(x)} elements) into shape {shape}"
        ) from None


defvjp(_reshape, lambda g, out, x, shape: _reshape(g, shape=x.data.shape))
_deffast(_reshape, lambda g, out, x, shape: np.reshape(g, np.shape(x)))


def reshape(x, *shape) -> Tensor:
    """A tensor with the same data in a new shape (one dimension may be -1).

    >>> import autograd_lite as ag
    >>> ag.arange(6.0).reshape(2, 3).shape
    (2, 3)
    """
    return _reshape(x, shape=_shape_arg(shape, "reshape"))


@primitive(name="transpose")
def _transpose(x, *, axes):
    return np.transpose(x, axes)


defvjp(_transpose, lambda g, out, x, axes: _transpose(g, axes=tuple(np.argsort(axes))))
_deffast(_transpose, lambda g, out, x, axes: np.transpose(g, np.argsort(axes)))


def transpose(x, *axes) -> Tensor:
    """Permute the axes (reverse them when none are given).

    >>> import autograd_lite as ag
    >>> ag.zeros(2, 3, 4).transpose(2, 0, 1).shape
    (4, 2, 3)
    """
    x = _t(x)
    nd = x.data.ndim
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(range(nd))[::-1]
    if sorted(a % nd if nd else a for a in axes) != list(range(nd)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {nd} axes of shape {x.data.shape}")
    return _transpose(x, axes=tuple(int(a) % nd for a in axes))


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    >>> import autograd_lite as ag
    >>> ag.zeros(2, 3, 4).swapaxes(0, -1).shape
    (4, 3, 2)
    """
    x = _t(x)
    nd = x.data.ndim
    a, b = _axes(axis1, nd, "swapaxes")[0], _axes(axis2, nd, "swapaxes")[0]
    perm = list(range(nd))
    perm[a], perm[b] = perm[b], perm[a]
    return _transpose(x, axes=tuple(perm))


def squeeze(x, axis=None) -> Tensor:
    """Remove size-1 axes (all of them, or the ones named by ``axis``).

    >>> import autograd_lite as ag
    >>> ag.zeros(1, 3, 1).squeeze().shape
    (3,)
    """
    x = _t(x)
    shape = x.data.shape
    ax = _axes(axis, x.data.ndim, "squeeze")
    if ax is None:
        ax = tuple(i for i, n in enumerate(shape) if n == 1)
    for a in ax:
        if shape[a] != 1:
            raise ShapeError(f"squeeze: cannot squeeze axis {a} of shape {shape}: its size is {shape[a]}, not 1")
    return _reshape(x, shape=tuple(n for i, n in enumerate(shape) if i not in ax))


def expand_dims(x, axis) -> Tensor:
    """Insert a size-1 axis at ``axis`` (or several, given a tuple).

    >>> import autograd_lite as ag
    >>> ag.zeros(3).expand_dims(0).shape
    (1, 3)
    """
    x = _t(x)
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = x.data.ndim + len(items)
    ax = _axes(tuple(items), nd, "expand_dims")
    shape = list(x.data.shape)
    for a in ax:
        shape.insert(a, 1)
    return _reshape(x, shape=tuple(shape))


def flatten(x, start: int = 0, end: int = -1) -> Tensor:
    """Merge axes ``start`` to ``end`` (inclusive) into one.

    >>> import autograd_lite as ag
    >>> ag.zeros(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    x = _t(x)
    shape = x.data.shape
    if not shape:
        return _reshape(x, shape=(1,))
    s = _axes(start, len(shape), "flatten")[0]
    e = _axes(end, len(shape), "flatten")[0]
    if s > e:
        raise ShapeError(f"flatten: start axis {start} comes after end axis {end} for shape {shape}")
    return _reshape(x, shape=shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


# ---------------------------------------------------------------- indexing
class _DistinctIndex(tuple):
    """An index tuple known to pick every element at most once, such as a gather of one
    entry per row: its gradient is scattered by assignment instead of ``np.add.at``."""

    __slots__ = ()


def _basic_index(index) -> bool:
    if type(index) is _DistinctIndex:
        return True
    items = index if isinstance(index, tuple) else (index,)
    # boolean masks select each element at most once, like ints and slices
    return builtins.all(
        i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) or getattr(i, "dtype", None) == np.bool_
        for i in items
    )


def _normalize_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    return index


@primitive(name="getitem")
def _getitem(x, *, index):
    return x[index]


@primitive(name="index_add")
def _scatter_add(g, *, index, shape):
    return _np_scatter_add(g, index, shape)


def _np_scatter_add(g, index, shape):
    z = np.zeros(shape, dtype=g.dtype)
    if _basic_index(index):
        z[index] = g  # no element is picked twice
    else:
        np.add.at(z, index, g)  # repeated indices accumulate
    return z


defvjp(_getitem, lambda g, out, x, index: _scatter_add(g, index=index, shape=x.data.shape))
defvjp(_scatter_add, lambda g, out, gg, index, shape: _getitem(g, index=index))
_deffast(_getitem, lambda g, out, x, index: _np_scatter_add(g, index, np.shape(x)))
_deffast(_scatter_add, lambda g, out, gg, index, shape: g[index])


def getitem(x, index) -> Tensor:
    """``x[index]`` with ints, slices, None, ..., integer arrays or boolean masks.

    >>> import autograd_lite as ag
    >>> x = ag.arange(5.0, requires_grad=True)
    >>> x[[0, 0, 3]].sum().backward(); x.grad
    tensor([2., 0., 0., 1., 0.])
    """
    x = _t(x)
    index = _normalize_index(index)
    if isinstance(index, _ndarray) and index.dtype.kind == "f":
        raise IndexError(f"getitem: indices must be integers or booleans, got an array of dtype {index.dtype}")
    return _getitem(x, index=index)


# ------------------------------------------------------------ joining
@primitive(name="concatenate")
def _concatenate(*xs, axis=0):
    try:
        return np.concatenate(xs, axis=axis)
    except ValueError:
        shapes = ", ".join(str(np.shape(a)) for a in xs)
        raise ShapeError(
            f"concatenate: all inputs must have the same shape except along axis {axis}; got shapes {shapes}"
        ) from None


def _concatenate_vjp(i, g, out, *xs, axis=0):
    start = builtins.sum(xs[j].data.shape[axis] for j in range(i))
    index = (slice(None),) * axis + (slice(start, start + xs[i].data.shape[axis]),)
    return _getitem(g, index=index)


defvjp_argnum(_concatenate, _concatenate_vjp)


def _concatenate_fast(i, g, out, *xs, axis=0):
    start = builtins.sum(np.shape(xs[j])[axis] for j in range(i))
    return g[(slice(None),) * axis + (slice(start, start + np.shape(xs[i])[axis]),)]


_deffast(_concatenate, argnum=_concatenate_fast)


def concatenate(ts, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    >>> import autograd_lite as ag
    >>> ag.concatenate([ag.ones(2), ag.zeros(3)]).shape
    (5,)
    """
    ts = list(ts)
    if not ts:
        raise ValueError("concatenate: expected a non-empty sequence of tensors")
    nd = _ndim_of(ts[0])
    if nd == 0:
        raise ShapeError("concatenate: zero-dimensional tensors cannot be concatenated; use ag.stack")
    return _concatenate(*ts, axis=_axes(axis, nd, "concatenate")[0])


def stack(ts, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis.

    >>> import autograd_lite as ag
    >>> ag.stack([ag.ones(2), ag.zeros(2)], axis=1).shape
    (2, 2)
    """
    ts = [_t(t) for t in ts]
    if not ts:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.data.shape for t in ts}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {[t.data.shape for t in ts]}")
    ax = _axes(axis, ts[0].data.ndim + 1, "stack")[0]
    return _concatenate(*[expand_dims(t, ax) for t in ts], axis=ax)


# ------------------------------------------------------------------ matmul
@primitive(name="matmul")
def matmul(a, b):
    """Matrix product with NumPy's rules (1-D operands, batch dimensions broadcast); ``a @ b``.

    >>> import autograd_lite as ag
    >>> (ag.ones(2, 3) @ ag.ones(3, 4)).shape
    (2, 4)
    """
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ShapeError(f"matmul: both operands need at least one dimension, got shapes {sa} and {sb}; use * to scale")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise ShapeError(
            f"matmul: shapes {sa} and {sb} are not aligned: the last axis of the first ({ka}) must equal "
            f"the {'second-to-last' if len(sb) > 1 else 'only'} axis of the second ({kb})"
        )
    return np.matmul(a, b)


def _matmul_vjp(i, g, out, a, b):
    a2 = a if a.data.ndim > 1 else _reshape(a, shape=(1, a.data.shape[0]))
    b2 = b if b.data.ndim > 1 else _reshape(b, shape=(b.data.shape[0], 1))
    if a.data.ndim == 1 and b.data.ndim == 1:
        g2 = _reshape(g, shape=(1, 1))
    elif a.data.ndim == 1:
        g2 = expand_dims(g, -2)
    elif b.data.ndim == 1:
        g2 = expand_dims(g, -1)
    else:
        g2 = g
    if i == 0:
        r = _sum_to(matmul(g2, swapaxes(b2, -1, -2)), a2.data.shape)
        return r if a.data.ndim > 1 else _reshape(r, shape=a.data.shape)
    r = _sum_to(matmul(swapaxes(a2, -1, -2), g2), b2.data.shape)
    return r if b.data.ndim > 1 else _reshape(r, shape=b.data.shape)


defvjp_argnum(matmul, _matmul_vjp)


def _matmul_fast(i, g, out, a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
        if i == 0:
            return g @ b.T
        if b.flags.f_contiguous and not b.flags.c_contiguous:
            # b is a transposed weight (x @ W.T): give its gradient the same layout, so
            # that W's gradient comes out C-contiguous for the optimizer's in-place update
            return (g.T @ a).T
        return a.T @ g
    if a.ndim == 1 and b.ndim == 1:
        return g * (b if i == 0 else a)
    a2 = a if a.ndim > 1 else a[None, :]
    b2 = b if b.ndim > 1 else b[:, None]
    g2 = g[..., None, :] if a.ndim == 1 else g[..., :, None] if b.ndim == 1 else g
    if i == 0:
        return _np_sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    return _np_sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)


_deffast(matmul, argnum=_matmul_fast)


@primitive(name="linear")
def _linear(x, weight, bias):
    x = x if type(x) is _ndarray else np.asarray(x)
    w = weight if type(weight) is _ndarray else np.asarray(weight)
    ws = w.shape
    if len(ws) != 2 or not x.shape or x.shape[-1] != ws[1]:
        raise ShapeError(
            f"linear: input of shape {x.shape} does not fit a weight of shape {ws} "
            f"(expected input shape (..., {ws[1] if len(ws) == 2 else '?'}))"
        )
    out = np.matmul(x, w.T)
    if bias is not None:
        b = bias if type(bias) is _ndarray else np.asarray(bias)
        if b.shape != ws[:1]:
            raise ShapeError(f"linear: bias of shape {b.shape} does not fit {ws[0]} outputs")
        if b.dtype == out.dtype or np.result_type(out, b) == out.dtype:
            out += b  # in place: the product is a fresh array
        else:
            out = out + b  # a wider bias widens the result, as NumPy's promotion says
    return out


def _flat2(t: Tensor, n: int) -> Tensor:
    return t if t.data.ndim == 2 else _reshape(t, shape=(-1, n))


def _linear_vjp_w(g, out, x, w, b):
    n_out, n_in = w.data.shape
    return matmul(_transpose(_flat2(g, n_out), axes=(1, 0)), _flat2(x, n_in))


def _linear_vjp_b(g, out, x, w, b):
    return _sum(_flat2(g, w.data.shape[0]), axis=(0,), keepdims=False)


defvjp(_linear, lambda g, out, x, w, b: matmul(g, w), _linear_vjp_w, _linear_vjp_b)


def _linear_fast_w(g, out, x, w, b):
    if g.ndim == 2 and (x.ndim if type(x) is _ndarray else np.ndim(x)) == 2:
        return g.T @ x
    return g.reshape(-1, w.shape[0]).T @ np.reshape(x, (-1, w.shape[1]))


_deffast(
    _linear,
    lambda g, out, x, w, b: g @ w,
    _linear_fast_w,
    lambda g, out, x, w, b: _add_reduce(g if g.ndim == 2 else g.reshape(-1, w.shape[0]), axis=0),
)


def linear(x, weight, bias=None) -> Tensor:
    """``x @ weight.T + bias`` as one node (what ``nn.Linear`` computes), like PyTorch's ``F.linear``.

    ``weight`` has shape ``(out, in)``; ``x`` any shape ending in ``in``.

    >>> import autograd_lite as ag
    >>> ag.linear(ag.ones(2, 3), ag.ones(4, 3), ag.zeros(4)).shape
    (2, 4)
    """
    return _linear(x, weight, bias)


def _einsum_parse(spec: str, n: int) -> tuple[list, str]:
    spec = spec.replace(" ", "")
    if "." in spec:
        raise NotImplementedError("einsum: '...' is not supported here; write every axis as a letter")
    lhs, arrow, out = spec.partition("->")
    ins = lhs.split(",")
    if len(ins) != n:
        raise ValueError(f"einsum: the spec {spec!r} names {len(ins)} operands, but {n} were given")
    for s in ins:
        if (s and not s.isalpha()) or len(set(s)) != len(s):  # "" is a 0-d operand
            raise NotImplementedError(
                f"einsum: operand subscripts {s!r}: each operand needs distinct letters (diagonals and traces "
                f"such as 'ii' are not supported)"
            )
    letters = "".join(ins)
    if not arrow:  # NumPy's implicit output: the letters that appear once, in order
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(set(out)) != len(out) or any(c not in letters for c in out):
        raise ValueError(f"einsum: output subscripts {out!r} must be distinct letters taken from the inputs")
    return ins, out


@primitive(name="einsum")
def _einsum(*operands, spec):
    return np.einsum(spec, *operands)


def _einsum_sub(i: int, ins: list, out: str) -> tuple[str, str]:
    """The einsum that gives operand i's gradient, and the letters of operand i it produces."""
    others = [ins[j] for j in range(len(ins)) if j != i]
    available = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in ins[i] if c in available)
    return ",".join([out, *others]) + "->" + kept, kept


def _einsum_fast(i, g, out, *operands, spec):
    ins, o = _einsum_parse(spec, len(operands))
    sub, kept = _einsum_sub(i, ins, o)
    r = np.einsum(sub, g, *[operands[j] for j in range(len(operands)) if j != i])
    shape = np.shape(operands[i])
    if kept != ins[i]:  # letters only operand i had were summed out: the gradient is constant along them
        r = np.broadcast_to(r.reshape([n if c in kept else 1 for c, n in zip(ins[i], shape)]), shape)
    return r


def _einsum_vjp(i, g, out, *operands, spec):
    ins, o = _einsum_parse(spec, len(operands))
    sub, kept = _einsum_sub(i, ins, o)
    r = _einsum(g, *[operands[j] for j in range(len(operands)) if j != i], spec=sub)
    shape = operands[i].data.shape
    if kept != ins[i]:
        r = _broadcast_to(_reshape(r, shape=tuple(n if c in kept else 1 for c, n in zip(ins[i], shape))), shape=shape)
    return r


defvjp_argnum(_einsum, _einsum_vjp)
_deffast(_einsum, argnum=_einsum_fast)


def einsum(spec: str, *tensors) -> Tensor:
    """Einstein summation, differentiable: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Every operand needs distinct letters (no diagonals such as ``"ii"``) and
    ``...`` is not supported; the output may be implicit, as in NumPy.

    >>> import autograd_lite as ag
    >>> a = ag.ones(2, 3, requires_grad=True)
    >>> ag.einsum("ij,j->i", a, ag.tensor([1.0, 2.0, 3.0]))
    tensor([6., 6.], grad_fn=<einsum>)
    """
    if not tensors:
        raise ValueError("einsum: expected at least one operand")
    _einsum_parse(spec, len(tensors))
    return _einsum(*tensors, spec=spec)


def dot(a, b) -> Tensor:
    """NumPy's ``dot``: inner product of vectors, matrix product of matrices.

    >>> import autograd_lite as ag
    >>> ag.tensor([1.0, 2.0]).dot(ag.tensor([3.0, 4.0])).item()
    11.0
    """
    a, b = _t(a), _t(b)
    if a.data.ndim == 0 or b.data.ndim == 0:
        return a * b
    if b.data.ndim <= 2:
        return matmul(a, b)
    # N-d, as NumPy: contract a's last axis with b's second-to-last one
    nb = b.data.ndim
    perm = (nb - 2,) + tuple(range(nb - 2)) + (nb - 1,)
    bm = reshape(transpose(b, *perm), b.data.shape[-2], -1)
    out = matmul(reshape(a, -1, a.data.shape[-1]), bm)
    return reshape(out, a.data.shape[:-1] + b.data.shape[:-2] + b.data.shape[-1:])


# ------------------------------------------------------- composite activations
def sigmoid(x) -> Tensor:
    """The logistic function ``1 / (1 + exp(-x))``, as ``0.5 * tanh(x / 2) + 0.5``.

    The identity is exact and tanh cannot overflow, so any magnitude is
    safe; it takes three cheap nodes (mul, tanh, muladd). (Far in the negative tail, below
    about -36, the result rounds to 0 where ``exp(x)`` would still be
    representable; ``F.log_sigmoid`` and the losses on logits keep full
    precision there.)

    >>> import autograd_lite as ag
    >>> ag.tensor([0.0, 1e4, -1e4]).sigmoid()
    tensor([0.5, 1. , 0. ])
    """
    return _muladd.op(tanh.op(_t(x) * 0.5), 0.5, 0.5)  # (.op: the wrappers without keyword handling)


def relu(x) -> Tensor:
    """``max(x, 0)``; the gradient is 1 where x > 0 and 0 elsewhere.

    >>> import autograd_lite as ag
    >>> ag.tensor([-1.0, 2.0]).relu()
    tensor([0., 2.])
    """
    x = _t(x)
    if x.data.dtype.kind == "f":
        return _where_positive.op(x.data > 0, x, 0.0)
    return _where(x.data > 0, x, 0.0)


# ----------------------------------------------------------- Tensor methods
def _swap(f):
    f = getattr(f, "op", f)

    def r(self, other):
        return f(other, self)

    r.__name__ = "r" + f.__name__
    return r


def _inplace(f, ufunc, name):

    def method(self, other):
        o = other.data if isinstance(other, Tensor) else other
        if _grad_state.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    f"in-place {name}= on a leaf tensor that requires grad would change a value the graph "
                    f"records; update parameters inside `with ag.no_grad():`, or write x = x {name} y"
                )
            return f(self, other)  # out of place: the graph keeps the old tensor intact
        try:
            if self.data.flags.writeable:
                ufunc(self.data, o, out=self.data)
            else:
                self.data = ufunc(self.data, o)
        except (ValueError, TypeError) as e:
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"in-place {name}=: {e} (tensor of shape {self.data.shape} and dtype {self.data.dtype}, "
                f"operand of shape {np.shape(o)})"
            ) from None
        mark_modified(self.data)  # a graph that saved this memory must not use it now
        return self

    return method


def _setitem(self, index, value):
    v = value.data if isinstance(value, Tensor) else value
    if _grad_state.enabled and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        raise RuntimeError(
            "setitem: assigning into a tensor that takes part in autograd would rewrite a recorded value; "
            "build the result with ag.where / ag.concatenate, or assign inside `with ag.no_grad():`"
        )
    if not self.data.flags.writeable:
        self.data = self.data.copy()
    try:
        self.data[_normalize_index(index)] = v
    except (ValueError, IndexError, TypeError) as e:
        cls = IndexError if isinstance(e, IndexError) else TypeError if isinstance(e, TypeError) else ValueError
        raise cls(f"setitem: {e} (tensor of shape {self.data.shape})") from None
    mark_modified(self.data)


def _pos(self):
    return self


def _zero_(self):
    """Fill with zeros in place (``t.grad.zero_()``); same rules as other in-place ops."""
    _setitem(self, Ellipsis, 0)
    return self


_METHODS = {
    "__add__": add,
    "__radd__": _swap(add),
    "__sub__": sub,
    "__rsub__": _swap(sub),
    "__mul__": mul,
    "__rmul__": _swap(mul),
    "__truediv__": div,
    "__rtruediv__": _swap(div),
    "__pow__": power,
    "__rpow__": _swap(power),
    "__matmul__": matmul,
    "__rmatmul__": _swap(matmul),
    "__neg__": neg,
    "__pos__": _pos,
    "__abs__": abs,
    "__lt__": lt,
    "__le__": le,
    "__gt__": gt,
    "__ge__": ge,
    "__eq__": eq,
    "__ne__": ne,
    "__and__": bitwise_and,
    "__rand__": _swap(bitwise_and),
    "__or__": bitwise_or,
    "__ror__": _swap(bitwise_or),
    "__xor__": bitwise_xor,
    "__rxor__": _swap(bitwise_xor),
    "__invert__": invert,
    "__floordiv__": floor_divide,
    "__rfloordiv__": _swap(floor_divide),
    "__mod__": remainder,
    "__rmod__": _swap(remainder),
    "clone": clone,
    "zero_": _zero_,
    "__iadd__": _inplace(add, np.add, "+"),
    "__isub__": _inplace(sub, np.subtract, "-"),
    "__imul__": _inplace(mul, np.multiply, "*"),
    "__itruediv__": _inplace(div, np.true_divide, "/"),
    "__ipow__": _inplace(power, np.power, "**"),
    "__getitem__": getitem,
    "__setitem__": _setitem,
    "abs": abs,
    "exp": exp,
    "expm1": expm1,
    "log": log,
    "log1p": log1p,
    "erf": erf,
    "sqrt": sqrt,
    "sin": sin,
    "cos": cos,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "clip": clip,
    "sum": sum,
    "mean": mean,
    "var": var,
    "std": std,
    "max": max,
    "min": min,
    "argmax": argmax,
    "argmin": argmin,
    "logsumexp": logsumexp,
    "reshape": reshape,
    "transpose": transpose,
    "swapaxes": swapaxes,
    "squeeze": squeeze,
    "expand_dims": expand_dims,
    "flatten": flatten,
    "broadcast_to": broadcast_to,
    "matmul": matmul,
    "dot": dot,
    "astype": astype,
    "maximum": maximum,
    "minimum": minimum,
}
for _name, _fn in _METHODS.items():
    # primitives are bound in their keyword-free form (``x * y``, ``x.tanh()``)
    _m = getattr(_fn, "op", _fn)
    if _m is not _fn:
        _m.__doc__ = _fn.__doc__
    setattr(Tensor, _name, _m)
Tensor.T = property(
    lambda self: _transpose(self, axes=tuple(range(self.data.ndim - 1, -1, -1))),
    doc="The tensor with its axes reversed.",
)
Tensor.any = lambda self, axis=None: _const(np.any(self.data, axis=axis))
Tensor.all = lambda self, axis=None: _const(np.all(self.data, axis=axis))

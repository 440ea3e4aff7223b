"""Declaring primitives: a NumPy forward function plus one VJP rule per input.

This is the one mechanism every operation in the library uses, and it is
public: users add their own primitives exactly the way the library does.

    @ag.primitive
    def cube(x):                      # NumPy arrays in, a NumPy array out
        return x ** 3

    ag.defvjp(cube, lambda g, out, x: g * 3 * x ** 2)   # Tensors in, Tensor out

Rules are written with Tensor operations, so when the engine runs them with
``create_graph=True`` they are recorded too, and the primitive can be
differentiated again.
"""

from __future__ import annotations

import functools
import inspect
import operator

import numpy as np

from .graph import _grad_state, _next_seq
from .graph import _inplace_epoch as _epoch
from .tensor import Tensor, _make

_ndarray = np.ndarray
_F64 = np.dtype(np.float64)
# ufuncs whose float64 result Python's float arithmetic reproduces bit for bit (IEEE
# add, subtract, multiply); op2 uses them for a 0-d float64 array and a Python float
_SCALAR_FORMS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul}
_TINY = float(np.finfo(np.float64).tiny)  # the smallest normal float64
_asarray = np.asarray
_new = object.__new__


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation (the message names op and shapes)."""


class Primitive:
    """The record behind a primitive: its name, forward function and VJP rules."""

    __slots__ = ("name", "fn", "vjps", "argnum_vjp", "elementwise", "apply", "fast", "fast_argnum")

    def __init__(self, name: str, fn, elementwise: bool) -> None:
        self.name = name
        self.fn = fn
        self.apply = None  # the Tensor-level function (set by @primitive), to re-run one node
        # Optional NumPy versions of the rules, used only when backward is not recorded
        # (create_graph=False); the Tensor rules stay the definition (see _deffast).
        self.fast = None
        self.fast_argnum = None
        self.vjps = None
        self.argnum_vjp = None
        self.elementwise = elementwise

    def vjp(self, i: int, g: Tensor, out: Tensor, args: list, kwargs: dict):
        """The contribution of upstream gradient ``g`` to input ``i`` (or ``None``)."""
        if self.vjps is not None:
            rule = self.vjps[i] if i < len(self.vjps) else None
            return None if rule is None else rule(g, out, *args, **kwargs)
        if self.argnum_vjp is not None:
            return self.argnum_vjp(i, g, out, *args, **kwargs)
        raise NotImplementedError(
            f"primitive '{self.name}' has no gradient rule; declare one with "
            f"ag.defvjp({self.name}, lambda g, out, ...: ...)"
        )

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _describe(a) -> str:
    if isinstance(a, Tensor):
        return f"Tensor of shape {a.data.shape} and dtype {a.data.dtype}"
    if isinstance(a, _ndarray):
        return f"ndarray of shape {a.shape} and dtype {a.dtype}"
    return f"{type(a).__name__} {a!r}"[:80]


def _forward_error(prim: Primitive, args: tuple, e: Exception) -> Exception:
    given = "; ".join(f"input {i}: {_describe(a)}" for i, a in enumerate(args))
    msg = f"{prim.name}: {e} (given {given})"
    for cls in (IndexError, ValueError, TypeError):
        if isinstance(e, cls):
            return cls(msg)
    return type(e)(msg)


def _broadcast_inputs(bcast, args: tuple, shape: tuple) -> tuple:
    """Give each grad-requiring input of an elementwise op the output's shape.

    The one place where broadcasting meets the chain rule: an explicit
    ``broadcast_to`` node, whose VJP sums the gradient back to the input's
    shape. No other rule has to think about broadcasting.
    """
    new = list(args)
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a.requires_grad and a.data.shape != shape:
            new[i] = bcast(a, shape)
    return tuple(new)


def primitive(fn=None, *, name: str | None = None, elementwise: bool = False):
    """Turn a NumPy function into a differentiable operation on Tensors.

    Tensor arguments are unwrapped to their arrays before ``fn`` runs; other
    arguments (numbers, arrays, keyword options) pass through unchanged. Use
    ``@ag.primitive(elementwise=True)`` for a function that broadcasts its
    inputs against each other, so that their gradients are summed back to
    each input's shape.

    >>> import autograd_lite as ag
    >>> @ag.primitive
    ... def cube(x):
    ...     return x ** 3
    >>> ag.defvjp(cube, lambda g, out, x: g * 3 * x ** 2)
    >>> x = ag.tensor(2.0, requires_grad=True)
    >>> cube(x).backward(); x.grad.item()
    12.0
    """
    if fn is None:
        return lambda f: primitive(f, name=name, elementwise=elementwise)
    prim = Primitive(name or fn.__name__, fn, elementwise)
    state = _grad_state
    arity = _arity(fn)
    scalar = _SCALAR_FORMS.get(fn) if isinstance(fn, np.ufunc) else None

    def check_kwargs(kwargs: dict) -> None:
        for k, v in kwargs.items():
            if isinstance(v, Tensor) and v.requires_grad:
                raise TypeError(
                    f"{prim.name}: keyword argument {k}= is a tensor that requires grad; pass "
                    f"differentiable inputs positionally (keyword arguments are constants)"
                )

    # The hot path: most primitives take one or two positional inputs, and a
    # wrapper written for exactly that avoids building lists per call. The
    # ``op1``/``op2`` variants take no keyword arguments at all (Tensor
    # operators and methods such as ``x * y`` and ``x.tanh()`` use them), and
    # all of them build the result tensor and its node inline: this is the
    # code every recorded operation runs.
    def op1(x):
        if isinstance(x, Tensor):
            xd = x.data
            need = x.requires_grad
        else:
            xd = x
            need = False
        try:
            out = fn(xd)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise _forward_error(prim, (x,), e) from None
        t = _new(Tensor)
        t.data = out if type(out) is _ndarray else _asarray(out)
        t.grad = t._meta = None
        if need and state.enabled:
            t.requires_grad = True
            t._prim = prim
            t._nin = 1
            t._x = x
            t._xd = xd
            t._kwargs = _NO_KWARGS
            t._epoch = _epoch[0]
            t._grad_idx = _FIRST
            t._consumed = False
            t._seq = _next_seq()
        else:
            t.requires_grad = False
            t._prim = None
        return t

    def wrapped1(x, **kwargs):
        if not kwargs:
            return op1(x)
        if isinstance(x, Tensor):
            xd = x.data
            need = x.requires_grad
        else:
            xd = x
            need = False
        try:
            out = fn(xd, **kwargs)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise _forward_error(prim, (x,), e) from None
        t = _new(Tensor)
        t.data = out if type(out) is _ndarray else _asarray(out)
        t.grad = t._meta = None
        if need and state.enabled:
            check_kwargs(kwargs)
            t.requires_grad = True
            t._prim = prim
            t._nin = 1
            t._x = x
            t._xd = xd
            t._kwargs = kwargs
            t._epoch = _epoch[0]
            t._grad_idx = _FIRST
            t._consumed = False
            t._seq = _next_seq()
        else:
            t.requires_grad = False
            t._prim = None
        return t

    def op2(x, y):
        out = None
        if type(y) is float and (type(x) is Tensor or isinstance(x, Tensor)):  # a tensor and a number
            xd = x.data
            gx = x.requires_grad
            yd = y
            gy = False
            if scalar is not None and type(xd) is _ndarray and not xd.ndim and xd.dtype is _F64:
                # a float64 scalar and a Python float (deep chains of scalar arithmetic): Python's
                # own float arithmetic is the same IEEE operation, without NumPy's per-call cost.
                # A non-finite, zero or subnormal result goes through NumPy below, so that it
                # warns (or raises, under np.errstate) about overflow, invalid values and
                # underflow exactly as NumPy does.
                r = scalar(xd.item(), y)
                if r - r == 0.0 and (r >= _TINY or r <= -_TINY):
                    out = _asarray(r)  # (the shapes match: nothing to broadcast)
        else:
            if isinstance(x, Tensor):
                xd = x.data
                gx = x.requires_grad
            else:
                xd = x
                gx = False
            if isinstance(y, Tensor):
                yd = y.data
                gy = y.requires_grad
            else:
                yd = y
                gy = False
        if out is None:
            try:
                out = fn(xd, yd)
            except ShapeError:
                raise
            except (ValueError, TypeError, IndexError) as e:
                raise _forward_error(prim, (x, y), e) from None
            if type(out) is not _ndarray:
                out = _asarray(out)
            if elementwise and (gx or gy) and state.enabled:
                shape = out.shape
                if (gx and xd.shape != shape) or (gy and yd.shape != shape):
                    x, y = _broadcast_inputs(_bcast[0], (x, y), shape)
                    xd = x.data if gx else xd
                    yd = y.data if gy else yd
        t = _new(Tensor)
        t.data = out
        t.grad = t._meta = None
        if (gx or gy) and state.enabled:
            t.requires_grad = True
            t._prim = prim
            t._nin = 2
            t._x = x
            t._y = y
            t._xd = xd
            t._yd = yd
            t._kwargs = _NO_KWARGS
            t._epoch = _epoch[0]
            t._grad_idx = _BOTH if gx and gy else _FIRST if gx else _SECOND
            t._consumed = False
            t._seq = _next_seq()
        else:
            t.requires_grad = False
            t._prim = None
        return t

    def wrapped2(x, y, **kwargs):
        if not kwargs:
            return op2(x, y)
        if isinstance(x, Tensor):
            xd = x.data
            gx = x.requires_grad
        else:
            xd = x
            gx = False
        if isinstance(y, Tensor):
            yd = y.data
            gy = y.requires_grad
        else:
            yd = y
            gy = False
        try:
            out = fn(xd, yd, **kwargs)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise _forward_error(prim, (x, y), e) from None
        if type(out) is not _ndarray:
            out = _asarray(out)
        if not ((gx or gy) and state.enabled):
            return _make(out)
        check_kwargs(kwargs)
        if elementwise:
            shape = out.shape
            if (gx and xd.shape != shape) or (gy and yd.shape != shape):
                x, y = _broadcast_inputs(_bcast[0], (x, y), shape)
                xd = x.data if gx else xd
                yd = y.data if gy else yd
        t = _make(out)
        t.requires_grad = True
        t._prim = prim
        t._nin = 2
        t._x = x
        t._y = y
        t._xd = xd
        t._yd = yd
        t._kwargs = kwargs
        t._epoch = _epoch[0]
        t._grad_idx = _BOTH if gx and gy else _FIRST if gx else _SECOND
        t._consumed = False
        t._seq = _next_seq()
        return t

    def op3(x, y, z):
        if isinstance(x, Tensor):
            xd = x.data
            gx = x.requires_grad
        else:
            xd = x
            gx = False
        if isinstance(y, Tensor):
            yd = y.data
            gy = y.requires_grad
        else:
            yd = y
            gy = False
        if isinstance(z, Tensor):
            zd = z.data
            gz = z.requires_grad
        else:
            zd = z
            gz = False
        try:
            out = fn(xd, yd, zd)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise _forward_error(prim, (x, y, z), e) from None
        t = _new(Tensor)
        t.data = out if type(out) is _ndarray else _asarray(out)
        t.grad = t._meta = None
        if (gx or gy or gz) and state.enabled:
            if elementwise:
                shape = t.data.shape
                if (gx and xd.shape != shape) or (gy and yd.shape != shape) or (gz and zd.shape != shape):
                    x, y, z = _broadcast_inputs(_bcast[0], (x, y, z), shape)
                    xd = x.data if gx else xd
                    yd = y.data if gy else yd
                    zd = z.data if gz else zd
            t.requires_grad = True
            t._prim = prim
            t._nin = 3
            t._x = x
            t._y = y
            t._z = z
            t._xd = xd
            t._yd = yd
            t._zd = zd
            t._kwargs = _NO_KWARGS
            t._epoch = _epoch[0]
            t._grad_idx = _GRAD_IDX3[gx + 2 * gy + 4 * gz]
            t._consumed = False
            t._seq = _next_seq()
        else:
            t.requires_grad = False
            t._prim = None
        return t

    def wrapped3(*args, **kwargs):
        if not kwargs and len(args) == 3:
            return op3(*args)
        return wrapped(*args, **kwargs)  # inputs passed by keyword, options

    def wrapped(*args, **kwargs):
        if not state.enabled:  # inside no_grad, and while the engine runs rules
            try:
                out = fn(*[a.data if isinstance(a, Tensor) else a for a in args], **kwargs)
            except ShapeError:
                raise
            except (ValueError, TypeError, IndexError) as e:
                raise _forward_error(prim, args, e) from None
            return _make(out if type(out) is _ndarray else _asarray(out))
        datas = []
        grad_idx = None  # positions of the inputs that require grad
        i = 0
        for a in args:
            if isinstance(a, Tensor):
                datas.append(a.data)
                if a.requires_grad:
                    if grad_idx is None:
                        grad_idx = [i]
                    else:
                        grad_idx.append(i)
            else:
                datas.append(a)
            i += 1
        if kwargs:
            check_kwargs(kwargs)
        try:
            out = fn(*datas, **kwargs)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise _forward_error(prim, args, e) from None
        if type(out) is not _ndarray:
            out = _asarray(out)
        if grad_idx is None:
            return _make(out)
        if elementwise:
            shape = out.shape
            for i in grad_idx:
                if datas[i].shape != shape:
                    args = _broadcast_inputs(_bcast[0], args, shape)
                    for j in grad_idx:
                        datas[j] = args[j].data
                    break
        t = _new(Tensor)
        t.data = out
        t.grad = t._meta = None
        t.requires_grad = True
        t._prim = prim
        t._nin = 0
        t._x = args
        t._kwargs = kwargs or _NO_KWARGS
        t._epoch = _epoch[0]
        t._xd = tuple(datas)
        t._grad_idx = tuple(grad_idx)
        t._consumed = False
        t._seq = _next_seq()
        return t

    chosen, op = {1: (wrapped1, op1), 2: (wrapped2, op2), 3: (wrapped3, op3)}.get(arity, (wrapped, wrapped))
    functools.update_wrapper(chosen, fn)
    # ``op`` is the keyword-free variant, for binding as a Tensor operator or method
    if op is not chosen:
        functools.update_wrapper(op, fn)
        op.primitive = prim
    chosen.op = op
    if isinstance(fn, np.ufunc):
        chosen.__doc__ = f"The primitive '{prim.name}' (NumPy's {fn.__name__}), differentiable."
    chosen.primitive = prim
    prim.apply = chosen
    return chosen


_FIRST, _SECOND, _BOTH = (0,), (1,), (0, 1)
# the positions that need grad among three inputs, indexed by gx + 2 * gy + 4 * gz
_GRAD_IDX3 = ((), (0,), (1,), (0, 1), (2,), (0, 2), (1, 2), (0, 1, 2))


def _arity(fn) -> int | None:
    """1, 2 or 3 when ``fn`` takes exactly that many positional inputs (no defaults, no *args), else None."""
    if isinstance(fn, np.ufunc):
        return fn.nin if fn.nout == 1 and fn.nin in (1, 2, 3) else None
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or any(p.default is not p.empty for p in positional):
        return None
    return len(positional) if len(positional) in (1, 2, 3) else None


_NO_KWARGS: dict = {}  # shared by every node called without keyword arguments; never written to

# filled in by ops.py once broadcast_to exists (it is a primitive itself)
_bcast = [None]


def _prim_of(f) -> Primitive:
    prim = getattr(f, "primitive", None)
    if not isinstance(prim, Primitive):
        raise TypeError(f"defvjp: expected a function decorated with @ag.primitive, got {getattr(f, '__name__', f)!r}")
    return prim


def defvjp(f, *rules) -> None:
    """Declare the VJP rule of each positional input of primitive ``f``.

    Each rule is called as ``rule(g, out, *inputs, **kwargs)`` with Tensors
    and returns the gradient for its input (a Tensor shaped like that input).
    Pass ``None`` for an input that has no gradient.

    >>> import autograd_lite as ag
    >>> @ag.primitive
    ... def scale(x, k):
    ...     return x * k
    >>> ag.defvjp(scale, lambda g, out, x, k: g * k, None)
    """
    prim = _prim_of(f)
    for i, r in enumerate(rules):
        if r is not None and not callable(r):
            raise TypeError(f"defvjp({prim.name}): rule {i} must be callable or None, got {type(r).__name__}")
    try:
        params = inspect.signature(prim.fn).parameters.values()
    except (TypeError, ValueError):
        params = ()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params)
    if positional and not variadic and len(rules) > len(positional):
        raise TypeError(
            f"defvjp({prim.name}): got {len(rules)} rules but the primitive takes {len(positional)} positional inputs"
        )
    prim.vjps = list(rules)
    prim.argnum_vjp = None


def defvjp_argnum(f, rule) -> None:
    """Declare one rule for every input: ``rule(argnum, g, out, *inputs, **kwargs)``.

    For primitives with a variable number of inputs, such as ``concatenate``.

    >>> import autograd_lite as ag
    >>> @ag.primitive
    ... def total(*xs):
    ...     return sum(xs)
    >>> ag.defvjp_argnum(total, lambda i, g, out, *xs: g)
    """
    prim = _prim_of(f)
    if not callable(rule):
        raise TypeError(f"defvjp_argnum({prim.name}): the rule must be callable")
    prim.argnum_vjp = rule
    prim.vjps = None


def _deffast(f, *rules, argnum=None) -> None:
    """Give a library primitive NumPy versions of its VJP rules (internal).

    The engine uses them instead of the Tensor rules when the backward pass
    is not recorded, which skips building a Tensor for every intermediate
    value. They must compute exactly what the Tensor rules compute: the
    first-order gradient tests run through them, the second-order tests
    through the Tensor rules, and a test compares the two directly.
    """
    prim = _prim_of(f)
    prim.fast = tuple(rules) if argnum is None else None
    prim.fast_argnum = argnum

"""NumPy functions called on tensors: ``np.exp(t)``, ``arr + t``, ``np.sum(t, axis=0)``.

NumPy hands ufuncs and array functions that meet a Tensor to the hooks
below. The ones with a differentiable counterpart run it (so the graph is
recorded); any other function runs on the plain arrays, and refuses to do
so where it would silently drop a gradient.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .graph import _grad_state
from .tensor import Tensor, _make

_UFUNCS = {
    np.add: ops.add,
    np.subtract: ops.sub,
    np.multiply: ops.mul,
    np.true_divide: ops.div,
    np.power: ops.power,
    np.negative: ops.neg,
    np.exp: ops.exp,
    np.log: ops.log,
    np.sqrt: ops.sqrt,
    np.sin: ops.sin,
    np.cos: ops.cos,
    np.tanh: ops.tanh,
    np.absolute: ops.abs,
    np.maximum: ops.maximum,
    np.minimum: ops.minimum,
    np.matmul: ops.matmul,
    np.less: ops.lt,
    np.less_equal: ops.le,
    np.greater: ops.gt,
    np.greater_equal: ops.ge,
    np.equal: ops.eq,
    np.not_equal: ops.ne,
}

_FUNCTIONS = {
    np.sum: ops.sum,
    np.mean: ops.mean,
    np.var: ops.var,
    np.std: ops.std,
    np.max: ops.max,
    np.amax: ops.max,
    np.min: ops.min,
    np.amin: ops.min,
    np.argmax: ops.argmax,
    np.argmin: ops.argmin,
    np.reshape: lambda a, shape: ops.reshape(a, shape),
    np.transpose: lambda a, axes=None: ops.transpose(a, *(axes or ())),
    np.swapaxes: ops.swapaxes,
    np.squeeze: ops.squeeze,
    np.expand_dims: ops.expand_dims,
    np.broadcast_to: ops.broadcast_to,
    np.concatenate: ops.concatenate,
    np.stack: ops.stack,
    np.where: ops.where,
    np.clip: ops.clip,
    np.dot: ops.dot,
    np.sign: ops.sign,
    np.isfinite: ops.isfinite,
}


def _needs_grad(values) -> bool:
    return _grad_state.enabled and any(isinstance(v, Tensor) and v.requires_grad for v in values)


def _plain(v):
    if isinstance(v, Tensor):
        return v.data
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


def _wrap(result):
    if isinstance(result, np.ndarray):
        return _make(result)
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    return result


def _flat(args, kwargs):
    for v in list(args) + list(kwargs.values()):
        if isinstance(v, (list, tuple)):
            yield from v
        else:
            yield v


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    fn = _UFUNCS.get(ufunc)
    if fn is not None and method == "__call__" and not kwargs:
        return fn(*inputs)
    if _needs_grad(list(inputs) + list(kwargs.get("out", ()))):
        raise TypeError(
            f"np.{ufunc.__name__} ({method}) has no gradient rule in autograd_lite; use the library's "
            f"operations (ag.exp, ag.maximum, ...), or detach() the tensor if no gradient is wanted"
        )
    if "out" in kwargs:
        kwargs["out"] = tuple(_plain(o) for o in kwargs["out"])
    return _wrap(getattr(ufunc, method)(*(_plain(x) for x in inputs), **kwargs))


def _array_function(self, func, types, args, kwargs):
    fn = _FUNCTIONS.get(func)
    if fn is not None:
        try:
            return fn(*args, **kwargs)
        except TypeError:
            if _needs_grad(_flat(args, kwargs)):
                raise
    result = func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
    floating = isinstance(result, (np.ndarray, np.generic)) and result.dtype.kind in "fc"
    if floating and _needs_grad(_flat(args, kwargs)):
        raise TypeError(
            f"np.{func.__name__} has no gradient rule in autograd_lite, so its result would silently lose the "
            f"gradient; build it from the library's operations, or detach() the tensor if no gradient is wanted"
        )
    return _wrap(result)


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function

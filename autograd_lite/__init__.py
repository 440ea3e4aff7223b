"""autograd_lite: reverse-mode automatic differentiation on NumPy.

>>> import autograd_lite as ag
>>> x = ag.tensor(3.0, requires_grad=True)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad.item()
8.0
"""

from __future__ import annotations

import importlib as _importlib

from . import numpy_interop as _numpy_interop
from . import ops as _ops
from .config import get_default_dtype, get_rng, manual_seed, set_default_dtype
from .creation import (
    arange,
    eye,
    from_numpy,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .graph import Node, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import (
    abs,
    add,
    argmax,
    argmin,
    astype,
    broadcast_to,
    clip,
    clone,
    concatenate,
    cos,
    div,
    dot,
    einsum,
    erf,
    exp,
    expand_dims,
    expm1,
    flatten,
    getitem,
    isfinite,
    linear,
    log,
    log1p,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    power,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    var,
    where,
)
from .primitive import Primitive, ShapeError, defvjp, defvjp_argnum, primitive
from .tensor import Tensor
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

__version__ = "0.1.0"

# Subpackages that pull in optional dependencies load on first use.
_LAZY = {"testing", "functional", "viz"}


def __getattr__(name: str):
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Tensor", "tensor", "from_numpy", "Node", "Primitive", "ShapeError",
    "primitive", "defvjp", "defvjp_argnum",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "manual_seed", "get_rng", "set_default_dtype", "get_default_dtype",
    "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "linspace", "eye", "rand", "randn", "randint",
    "add", "sub", "mul", "div", "power", "neg", "abs", "exp", "expm1", "log", "log1p", "erf",
    "sqrt", "sin", "cos", "tanh",
    "sigmoid", "relu", "clip", "maximum", "minimum", "where", "sign", "isfinite", "astype",
    "sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "logsumexp",
    "reshape", "transpose", "swapaxes", "squeeze", "expand_dims", "flatten", "broadcast_to", "getitem",
    "concatenate", "stack", "matmul", "dot", "einsum", "linear", "clone",
    "grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp",
]  # fmt: skip
del _ops, _numpy_interop

"""Factories: tensors from shapes, ranges and the library's random generator.

Shapes are given as ints or as one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``).
Floating results take the default dtype (see ``set_default_dtype``); every
random draw goes through the generator that ``ag.manual_seed`` seeds.
"""

from __future__ import annotations

import numpy as np

from . import config
from .tensor import Tensor, _check_float, _make


def _shape(shape, op: str) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0:
            raise TypeError(f"{op}: a shape is non-negative ints (or one tuple of them), got {shape!r}")
    return tuple(int(s) for s in shape)


def _float_dtype(dtype) -> np.dtype:
    return config._state["dtype"] if dtype is None else np.dtype(dtype)


def _wrap(arr: np.ndarray, requires_grad: bool, op: str) -> Tensor:
    if requires_grad:
        _check_float(arr, f"{op}(requires_grad=True)")
    t = Tensor(arr)
    t.requires_grad = bool(requires_grad)
    return t


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Build a tensor (the same as ``ag.Tensor``).

    >>> import autograd_lite as ag
    >>> ag.tensor([1, 2]).dtype
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(arr: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A tensor sharing ``arr``'s memory (``ag.tensor`` copies; this does not).

    >>> import autograd_lite as ag, numpy as np
    >>> a = np.zeros(2); t = ag.from_numpy(a); a[0] = 5.0
    >>> t
    tensor([5., 0.])
    """
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(arr).__name__}")
    t = _make(arr)
    if requires_grad:
        _check_float(arr, "from_numpy(requires_grad=True)")
        t.requires_grad = True
    return t


def zeros(*shape, requires_grad: bool = False, dtype=None) -> Tensor:
    """A tensor of zeros.

    >>> import autograd_lite as ag
    >>> ag.zeros(2, 3).shape
    (2, 3)
    """
    return _wrap(np.zeros(_shape(shape, "zeros"), dtype=_float_dtype(dtype)), requires_grad, "zeros")


def ones(*shape, requires_grad: bool = False, dtype=None) -> Tensor:
    """A tensor of ones.

    >>> import autograd_lite as ag
    >>> ag.ones((2,))
    tensor([1., 1.])
    """
    return _wrap(np.ones(_shape(shape, "ones"), dtype=_float_dtype(dtype)), requires_grad, "ones")


def full(shape, fill_value, requires_grad: bool = False, dtype=None) -> Tensor:
    """A tensor filled with ``fill_value`` (default float dtype unless ``dtype`` is given).

    >>> import autograd_lite as ag
    >>> ag.full((2,), 7)
    tensor([7., 7.])
    """
    shp = _shape(shape if isinstance(shape, (tuple, list)) else (shape,), "full")
    return _wrap(np.full(shp, fill_value, dtype=_float_dtype(dtype)), requires_grad, "full")


def zeros_like(t, requires_grad: bool = False, dtype=None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``t``.

    >>> import autograd_lite as ag
    >>> ag.zeros_like(ag.ones(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    a = t.data if isinstance(t, Tensor) else np.asarray(t)
    return _wrap(np.zeros_like(a, dtype=dtype), requires_grad, "zeros_like")


def ones_like(t, requires_grad: bool = False, dtype=None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``t``.

    >>> import autograd_lite as ag
    >>> ag.ones_like(ag.zeros(2)).tolist()
    [1.0, 1.0]
    """
    a = t.data if isinstance(t, Tensor) else np.asarray(t)
    return _wrap(np.ones_like(a, dtype=dtype), requires_grad, "ones_like")


def arange(start, stop=None, step=1, requires_grad: bool = False, dtype=None) -> Tensor:
    """Evenly spaced values in ``[start, stop)``; integers if every argument is an int.

    >>> import autograd_lite as ag
    >>> ag.arange(3)
    tensor([0, 1, 2])
    >>> ag.arange(0.0, 1.0, 0.5)
    tensor([0. , 0.5])
    """
    if stop is None:
        start, stop = 0, start
    all_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, stop, step))
    if dtype is None:
        dtype = np.int64 if all_int else config._state["dtype"]
    return _wrap(np.arange(start, stop, step, dtype=dtype), requires_grad, "arange")


def linspace(start, stop, num: int = 50, requires_grad: bool = False, dtype=None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive.

    >>> import autograd_lite as ag
    >>> ag.linspace(0, 1, 3)
    tensor([0. , 0.5, 1. ])
    """
    return _wrap(np.linspace(start, stop, int(num), dtype=_float_dtype(dtype)), requires_grad, "linspace")


def eye(n: int, m: int | None = None, requires_grad: bool = False, dtype=None) -> Tensor:
    """The identity matrix (``n`` x ``m``, square by default).

    >>> import autograd_lite as ag
    >>> ag.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _wrap(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, "eye")


def rand(*shape, requires_grad: bool = False, dtype=None) -> Tensor:
    """Uniform samples in ``[0, 1)`` from the library's generator.

    >>> import autograd_lite as ag
    >>> float(ag.rand(100).max()) < 1.0
    True
    """
    dt = _float_dtype(dtype)
    arr = config._state["rng"].random(_shape(shape, "rand")).astype(dt, copy=False)
    return _wrap(arr, requires_grad, "rand")


def randn(*shape, requires_grad: bool = False, dtype=None) -> Tensor:
    """Standard normal samples from the library's generator.

    >>> import autograd_lite as ag
    >>> ag.randn(2, 3).shape
    (2, 3)
    """
    dt = _float_dtype(dtype)
    arr = config._state["rng"].standard_normal(_shape(shape, "randn")).astype(dt, copy=False)
    return _wrap(arr, requires_grad, "randn")


def randint(low, high=None, size=(), dtype=None) -> Tensor:
    """Random integers in ``[low, high)`` (or ``[0, low)`` when ``high`` is omitted).

    Both NumPy's ``randint(low, high, size)`` and PyTorch's
    ``randint(high, size)`` spellings work.

    >>> import autograd_lite as ag
    >>> t = ag.randint(0, 10, (5,)); t.shape, t.dtype
    ((5,), dtype('int64'))
    """
    if isinstance(high, (tuple, list)):  # PyTorch's randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    shp = _shape(size if isinstance(size, (tuple, list)) else (size,), "randint")
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    arr = config._state["rng"].integers(low, high, size=shp, dtype=np.dtype(dtype or np.int64))
    return Tensor(arr)

"""Grad mode (thread-local), the in-place log, and the view of one recorded operation.

The backward graph is made of tensors: a tensor produced by an operation
keeps the record of that operation (which primitive, which inputs; shown as
a :class:`Node` by ``tensor.grad_fn``), and so points to its inputs. Nothing
points from an input to the tensors made from it, so a graph holds no
reference cycles and is freed by reference counting as soon as its root is
dropped.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import threading
import weakref

import numpy as np


class _GradState(threading.local):
    enabled = True  # each new thread starts with gradients on


_grad_state = _GradState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded.

    >>> import autograd_lite as ag
    >>> ag.is_grad_enabled()
    True
    >>> with ag.no_grad():
    ...     ag.is_grad_enabled()
    False
    """
    return _grad_state.enabled


def _with_mode(fn, mode: bool):
    """Wrap ``fn`` so it runs with grad mode ``mode``; a generator gets it around each step."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            sent = None
            while True:
                prev = _grad_state.enabled
                _grad_state.enabled = mode
                try:
                    item = gen.send(sent)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _grad_state.enabled = prev
                sent = yield item

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        prev = _grad_state.enabled
        _grad_state.enabled = mode
        try:
            return fn(*args, **kwargs)
        finally:
            _grad_state.enabled = prev

    return wrapper


class set_grad_enabled:
    """Turn recording on or off: a context manager, a decorator, or a plain call.

    >>> import autograd_lite as ag
    >>> with ag.set_grad_enabled(False):
    ...     ag.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)
        self._prev = _grad_state.enabled
        _grad_state.enabled = self._mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        _grad_state.enabled = self._prev

    def __call__(self, fn):
        _grad_state.enabled = self._prev  # used as a decorator: undo the call-time switch
        return _with_mode(fn, self._mode)


class _GradMode:
    _mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if fn is not None else self  # bare @no_grad as well as @no_grad()

    def __enter__(self) -> None:
        self._prev = _grad_state.enabled
        _grad_state.enabled = self._mode

    def __exit__(self, *exc) -> None:
        _grad_state.enabled = self._prev

    def __call__(self, fn):
        return _with_mode(fn, self._mode)


class no_grad(_GradMode):
    """Stop recording operations; a context manager or a decorator.

    >>> import autograd_lite as ag
    >>> w = ag.ones(2, requires_grad=True)
    >>> with ag.no_grad():
    ...     (w * 2).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block; context manager or decorator.

    >>> import autograd_lite as ag
    >>> w = ag.ones(2, requires_grad=True)
    >>> with ag.no_grad():
    ...     with ag.enable_grad():
    ...         (w * 2).requires_grad
    True
    """

    _mode = True


# ------------------------------------------------------------ in-place log
# In-place operations bump a global epoch and note which memory they wrote
# to (the array that owns it, so views and detached tensors share the note).
# A node remembers the epoch it was made in; backward refuses a node whose
# inputs or output were written to since. Nothing is recorded per operation
# but one integer, and nothing is looked up unless an in-place write happened.
_inplace_epoch = [0]
_modified: dict = {}  # id(owner array) -> [epoch, weakref to the owner]


def _memory_owner(arr: np.ndarray) -> np.ndarray:
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def mark_modified(arr: np.ndarray) -> None:
    """Record that ``arr``'s memory was written in place (called by in-place ops)."""
    _inplace_epoch[0] += 1
    _date(arr, _inplace_epoch[0])


def _mark_modified_all(arrs: list) -> None:
    """``mark_modified`` for each of ``arrs`` (an optimizer's parameters), under one new epoch."""
    _inplace_epoch[0] += 1
    epoch = _inplace_epoch[0]
    for arr in arrs:
        _date(arr, epoch)


def _date(arr: np.ndarray, epoch: int) -> None:
    """Date the last in-place write to ``arr``'s memory ``epoch``."""
    owner = arr if arr.base is None else _memory_owner(arr)
    key = id(owner)
    entry = _modified.get(key)
    if entry is not None and entry[1]() is owner:  # the same array again (an optimizer step): just re-date it
        entry[0] = epoch
        return

    def forget(ref, key=key):
        entry = _modified.get(key)
        if entry is not None and entry[1] is ref:
            del _modified[key]

    _modified[key] = [epoch, weakref.ref(owner, forget)]


def modified_since(arr: np.ndarray, epoch: int) -> bool:
    """Was ``arr``'s memory written in place after ``epoch``?"""
    owner = _memory_owner(arr)
    entry = _modified.get(id(owner))
    return entry is not None and entry[0] > epoch and entry[1]() is owner


def _pass(g, out, *args, **kwargs):
    """The NumPy rule that hands the upstream gradient on unchanged (add, alias, ...); the engine skips the call."""
    return g


_next_seq = itertools.count().__next__


# An operation's inputs and their raw values live in fields of its output: ``_x``,
# ``_y``, ``_z`` and ``_xd``, ``_yd``, ``_zd`` for one to three inputs (``_nin``),
# or two tuples in ``_x`` and ``_xd`` (``_nin == 0``) for more. No tuple is built
# for the common case, and the output is the only object the collector tracks.
def _inputs_of(t) -> tuple:
    """The positional arguments of the operation that made ``t``, as given."""
    n = t._nin
    if n == 2:
        return (t._x, t._y)
    if n == 1:
        return (t._x,)
    if n == 3:
        return (t._x, t._y, t._z)
    return t._x


def _raw_of(t) -> tuple:
    """The arguments' values as the forward function saw them (arrays and constants)."""
    n = t._nin
    if n == 2:
        return (t._xd, t._yd)
    if n == 1:
        return (t._xd,)
    if n == 3:
        return (t._xd, t._yd, t._zd)
    return t._xd


class Node:
    """One recorded operation, as ``tensor.grad_fn`` shows it: which primitive ran, on which inputs.

    The record itself lives in the output tensor's own fields (one object per
    operation instead of two is cheaper to build, and the cyclic garbage
    collector has fewer objects to scan in a large graph); a ``Node`` is a
    view of it, made when ``grad_fn`` is read. It holds its tensor, and
    nothing in the graph points back to it, so the graph stays free of
    reference cycles.

    ``inputs`` holds the operation's positional arguments as they were given
    (tensors, or constants such as Python numbers and arrays); ``kwargs``
    holds its keyword arguments. ``epoch`` is the in-place epoch when it ran,
    so that backward can refuse a graph whose saved values were overwritten;
    ``raw`` holds the inputs' values as the forward function saw them,
    ``grad_idx`` the positions of the inputs that required grad, and ``seq``
    numbers operations in the order they ran (every input is older than the
    operation that uses it, so decreasing ``seq`` is a topological order).

    >>> import autograd_lite as ag
    >>> y = ag.tensor([1.0, 2.0], requires_grad=True).exp()
    >>> y.grad_fn, y.grad_fn.name, len(y.grad_fn.inputs)
    (<exp>, 'exp', 1)
    """

    __slots__ = ("_t",)

    def __init__(self, tensor) -> None:
        self._t = tensor

    prim = property(lambda self: self._t._prim, doc="The :class:`Primitive` that ran.")
    inputs = property(lambda self: _inputs_of(self._t), doc="The positional arguments, as given.")
    kwargs = property(lambda self: self._t._kwargs, doc="The keyword arguments.")
    epoch = property(lambda self: self._t._epoch, doc="The in-place epoch when the operation ran.")
    raw = property(lambda self: _raw_of(self._t), doc="The inputs' values as the forward function saw them.")
    grad_idx = property(lambda self: self._t._grad_idx, doc="Positions of the inputs that required grad.")
    seq = property(lambda self: self._t._seq, doc="Creation order among all recorded operations.")
    consumed = property(
        lambda self: self._t._consumed, doc="True once a backward pass without retain_graph went through it."
    )

    @property
    def name(self) -> str:
        """The operation's name, e.g. ``"mul"``."""
        return self._t._prim.name

    def __eq__(self, other) -> bool:
        return isinstance(other, Node) and other._t is self._t

    def __hash__(self) -> int:
        return id(self._t)

    def __repr__(self) -> str:
        return f"<{self._t._prim.name}>"

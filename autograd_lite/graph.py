"""Grad mode (thread-local) and the graph node that records one operation.

The backward graph is made of tensors and nodes: a tensor produced by an
operation points to its :class:`Node` (``tensor.grad_fn``), and the node
points to the operation's inputs. Nothing points back from a node to its
output, so a graph holds no reference cycles and is freed by reference
counting as soon as its root is dropped.
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
    epoch = _inplace_epoch[0] = _inplace_epoch[0] + 1
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

    _modified[key] = [_inplace_epoch[0], weakref.ref(owner, forget)]


def modified_since(arr: np.ndarray, epoch: int) -> bool:
    """Was ``arr``'s memory written in place after ``epoch``?"""
    owner = _memory_owner(arr)
    entry = _modified.get(id(owner))
    return entry is not None and entry[0] > epoch and entry[1]() is owner


def _pass(g, out, *args, **kwargs):
    """The NumPy rule that hands the upstream gradient on unchanged (add, alias, ...); the engine skips the call."""
    return g


_next_seq = itertools.count().__next__


class Node:
    """One recorded operation: which primitive ran, on which inputs.

    ``inputs`` holds the operation's positional arguments as they were given
    (tensors, or constants such as Python numbers and arrays); ``kwargs``
    holds its keyword arguments. ``epoch`` is the in-place epoch when it ran,
    so that backward can refuse a graph whose saved values were overwritten;
    ``raw`` and ``grad_idx`` save the backward pass some unwrapping; ``seq``
    numbers nodes in the order they were made.
    """

    __slots__ = ("prim", "inputs", "kwargs", "epoch", "raw", "grad_idx", "consumed", "seq")

    def __init__(self, prim, inputs: tuple, kwargs: dict, epoch: int, raw: tuple, grad_idx: tuple) -> None:
        self.prim = prim
        self.inputs = inputs
        self.kwargs = kwargs
        self.epoch = epoch
        self.raw = raw  # the inputs' values as the forward function saw them (arrays and constants)
        self.grad_idx = grad_idx  # positions of the inputs that required grad
        self.consumed = False
        # Creation order: every input of a node was made before it, so visiting nodes by
        # decreasing ``seq`` is a topological order (the backward pass needs no graph sort).
        self.seq = _next_seq()

    @property
    def name(self) -> str:
        """The operation's name, e.g. ``"mul"``."""
        return self.prim.name

    def __repr__(self) -> str:
        return f"<{self.prim.name}>"

"""Grad mode (thread-local) and the graph node that records one operation.

The backward graph is made of tensors and nodes: a tensor produced by an
operation points to its :class:`Node` (``tensor.grad_fn``), and the node
points to the operation's inputs. Nothing points back from a node to its
output, so a graph holds no reference cycles and is freed by reference
counting as soon as its root is dropped.
"""

from __future__ import annotations

import functools
import threading


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
        mode = self._mode
        _grad_state.enabled = self._prev  # used as a decorator: undo the call-time switch

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _grad_state.enabled
            _grad_state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_state.enabled = prev

        return wrapper


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
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _grad_state.enabled
            _grad_state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_state.enabled = prev

        return wrapper


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


class Node:
    """One recorded operation: which primitive ran, on which inputs.

    ``inputs`` holds the operation's positional arguments as they were given
    (tensors, or constants such as Python numbers and arrays); ``kwargs``
    holds its keyword arguments. ``versions`` remembers each tensor input's
    in-place version (``None`` when all were 0, the common case) so that
    backward can refuse a graph whose saved values were overwritten.
    """

    __slots__ = ("prim", "inputs", "kwargs", "versions", "consumed")

    def __init__(self, prim, inputs: tuple, kwargs: dict, versions: tuple) -> None:
        self.prim = prim
        self.inputs = inputs
        self.kwargs = kwargs
        self.versions = versions
        self.consumed = False

    @property
    def name(self) -> str:
        """The operation's name, e.g. ``"mul"``."""
        return self.prim.name

    def __repr__(self) -> str:
        return f"<{self.prim.name}>"

"""Hypothesis strategies for property tests of differentiable code.

>>> from hypothesis import given
>>> from autograd_lite.testing.strategies import tensors
>>> @given(tensors(shape=(3,)))
... def test_square_is_nonnegative(x):
...     assert ((x * x).data >= 0).all()
>>> test_square_is_nonnegative()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor


def floats(min_value: float = -3.0, max_value: float = 3.0, avoid=(), margin: float = 1e-2, width: int = 64):
    """Bounded finite floats, at least ``margin`` away from every point in ``avoid``.

    Use ``avoid`` for kinks (``relu`` at 0, ``abs`` at 0) and poles (``log`` at 0)
    where a central difference straddles a non-differentiable point.

    >>> from hypothesis import given
    >>> @given(floats(avoid=(0.0,)))
    ... def test(v):
    ...     assert abs(v) >= 1e-2
    >>> test()
    """
    base = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=width)
    if not avoid:
        return base
    points = tuple(float(a) for a in avoid)
    return base.filter(lambda v: all(abs(v - a) >= margin for a in points))


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes, as tuples of ints.

    >>> from hypothesis import given
    >>> @given(shapes(max_dims=2))
    ... def test(s):
    ...     assert len(s) <= 2
    >>> test()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """A tuple of ``n`` shapes that broadcast together (sizes 1 and missing axes included).

    >>> from hypothesis import given
    >>> import numpy as np
    >>> @given(broadcastable_shapes(2))
    ... def test(pair):
    ...     np.broadcast_shapes(*pair)
    >>> test()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: tuple(r.input_shapes))


@st.composite
def tensors(
    draw,
    shape=None,
    dtype=np.float64,
    elements=None,
    requires_grad: bool = True,
    min_value: float = -3.0,
    max_value: float = 3.0,
    avoid=(),
    margin: float = 1e-2,
):
    """Tensors of a given (or drawn) shape with bounded finite values.

    ``shape`` may be a tuple or a strategy (default: :func:`shapes`);
    ``elements`` a strategy for the values (default: :func:`floats` between
    ``min_value`` and ``max_value``, ``margin`` away from ``avoid``).

    >>> from hypothesis import given
    >>> @given(tensors(shape=(2, 2), avoid=(0.0,)))
    ... def test(x):
    ...     assert x.shape == (2, 2) and x.requires_grad
    >>> test()
    """
    if shape is None:
        shape = shapes()
    if not isinstance(shape, tuple):
        shape = draw(shape)
    dt = np.dtype(dtype)
    if elements is None:
        width = 32 if dt == np.float32 else 16 if dt == np.float16 else 64
        elements = floats(min_value, max_value, avoid=avoid, margin=margin, width=width)
    arr = draw(hnp.arrays(dt, shape, elements=elements))
    return Tensor(arr, requires_grad=requires_grad and dt.kind == "f")


def grad_property(f, *inputs, order: int = 2, reference=None, max_examples: int = 25, **tolerances):
    """Turn ``f`` into a ready pytest property test of its first (and second) derivatives.

    Each of ``inputs`` is a strategy drawing one argument of ``f`` (for
    example :func:`tensors`). The returned function, collected by pytest
    when bound to a ``test_`` name, draws arguments and runs
    :func:`autograd_lite.testing.check_grads` on them. ``reference``, a
    NumPy function of the same arguments' arrays, also checks the value.

    >>> import autograd_lite as ag
    >>> test_softplus = grad_property(lambda x: (x.exp() + 1).log(), tensors(shape=(3,)))
    >>> test_softplus()
    """
    from hypothesis import given, settings

    from .gradcheck import check_grads

    @settings(max_examples=max_examples, deadline=None)
    @given(st.tuples(*inputs))
    def test(args):
        expected = None
        if reference is not None:
            expected = reference(*[a.data if isinstance(a, Tensor) else a for a in args])
        check_grads(f, *args, order=order, expected=expected, **tolerances)

    test.__name__ = f"test_grads_of_{getattr(f, '__name__', 'f')}"
    return test

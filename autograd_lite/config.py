"""Library-wide settings: the default floating dtype and the random generator.

Every random draw in the library (factories, initialisation, dropout,
shuffling) goes through :func:`get_rng`, so :func:`manual_seed` makes a whole
run reproducible.
"""

from __future__ import annotations

import numpy as np

_state = {"dtype": np.dtype(np.float64), "rng": np.random.default_rng()}


def set_default_dtype(dtype) -> None:
    """Set the dtype of new floating tensors built from Python data.

    >>> import autograd_lite as ag, numpy as np
    >>> ag.set_default_dtype(np.float32); ag.tensor([1.0]).dtype
    dtype('float32')
    >>> ag.set_default_dtype(np.float64)
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype (float16/32/64), got {dt}")
    _state["dtype"] = dt


def get_default_dtype() -> np.dtype:
    """Return the dtype new floating tensors get (float64 unless changed).

    >>> import autograd_lite as ag
    >>> ag.get_default_dtype()
    dtype('float64')
    """
    return _state["dtype"]


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every random draw in the library; returns the new generator.

    >>> import autograd_lite as ag
    >>> _ = ag.manual_seed(0); a = ag.randn(3)
    >>> _ = ag.manual_seed(0); bool((ag.randn(3) == a).all())
    True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__}")
    _state["rng"] = np.random.default_rng(int(seed))
    return _state["rng"]


def get_rng() -> np.random.Generator:
    """Return the generator every random draw in the library uses.

    >>> import autograd_lite as ag
    >>> ag.get_rng().random() < 1.0
    True
    """
    return _state["rng"]

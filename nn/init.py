"""Initialisation schemes, in place, drawing from the generator ``ag.manual_seed`` seeds.

Fan-in and fan-out follow PyTorch: for a weight of shape ``(out, in, *k)``,
``fan_in = in * prod(k)`` and ``fan_out = out * prod(k)``.

>>> import nn, autograd_lite as ag
>>> _ = ag.manual_seed(0)
>>> w = nn.init.kaiming_normal_(nn.Parameter(ag.zeros(256, 128)), nonlinearity="relu")
>>> round(float(w.data.std()), 2)        # sqrt(2 / fan_in) = 0.125
0.12
"""

from __future__ import annotations

import math

import numpy as np

import autograd_lite as ag
from autograd_lite.graph import mark_modified
from autograd_lite.tensor import Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "zeros_",
    "ones_",
    "constant_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    >>> import nn
    >>> nn.init.calculate_gain("relu"), round(nn.init.calculate_gain("tanh"), 4)
    (1.4142135623730951, 1.6667)
    """
    linear = {"linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of linear, sigmoid, tanh, relu, "
        f"leaky_relu, selu"
    )


def _fans(t: Tensor) -> tuple[int, int]:
    shape = t.data.shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a weight with at least 2 dimensions, got shape {shape}; "
            f"use uniform_ or normal_ for biases"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"nn.init: expected a Tensor or Parameter, got {type(t).__name__}")
    with ag.no_grad():
        t.data[...] = values.astype(t.data.dtype, copy=False)
        mark_modified(t.data)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b).

    >>> import nn, autograd_lite as ag
    >>> nn.init.uniform_(nn.Parameter(ag.zeros(3)), -1.0, 1.0).shape
    (3,)
    """
    return _fill(t, ag.get_rng().uniform(a, b, t.data.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std^2).

    >>> import nn, autograd_lite as ag
    >>> nn.init.normal_(nn.Parameter(ag.zeros(3)), 0.0, 0.1).shape
    (3,)
    """
    return _fill(t, ag.get_rng().normal(mean, std, t.data.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    >>> import nn, autograd_lite as ag
    >>> nn.init.constant_(nn.Parameter(ag.zeros(2)), 0.5).tolist()
    [0.5, 0.5]
    """
    return _fill(t, np.full(t.data.shape, val))


def zeros_(t: Tensor) -> Tensor:
    """Fill with 0.

    >>> import nn, autograd_lite as ag
    >>> nn.init.zeros_(nn.Parameter(ag.ones(2))).tolist()
    [0.0, 0.0]
    """
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    """Fill with 1.

    >>> import nn, autograd_lite as ag
    >>> nn.init.ones_(nn.Parameter(ag.zeros(2))).tolist()
    [1.0, 1.0]
    """
    return constant_(t, 1.0)


def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import nn, autograd_lite as ag
    >>> float(abs(nn.init.xavier_uniform_(nn.Parameter(ag.zeros(64, 32))).data).max()) <= (6 / 96) ** 0.5
    True
    """
    fan_in, fan_out = _fans(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> import nn, autograd_lite as ag
    >>> nn.init.xavier_normal_(nn.Parameter(ag.zeros(4, 4))).shape
    (4, 4)
    """
    fan_in, fan_out = _fans(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan_in, fan_out = _fans(t)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    >>> import nn, autograd_lite as ag
    >>> float(abs(nn.init.kaiming_uniform_(nn.Parameter(ag.zeros(8, 6)), nonlinearity="relu").data).max()) <= 1.0
    True
    """
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``.

    >>> import nn, autograd_lite as ag
    >>> nn.init.kaiming_normal_(nn.Parameter(ag.zeros(4, 4)), nonlinearity="relu").shape
    (4, 4)
    """
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity))

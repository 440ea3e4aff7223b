"""Gradient clipping.

>>> import nn, autograd_lite as ag
>>> w = nn.Parameter([3.0, 4.0]); w.grad = ag.tensor([3.0, 4.0])
>>> nn.utils.clip_grad_norm_([w], max_norm=1.0).item()
5.0
>>> w.grad.data.round(4).tolist()
[0.6, 0.8]
"""

from __future__ import annotations

import math

import numpy as np

from autograd_lite.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(params) -> list:
    params = [params] if isinstance(params, Tensor) else list(params)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(params, max_norm: float, norm_type: float = 2.0) -> Tensor:
    """Scale all gradients in place so that their joint norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). ``norm_type`` may
    be ``float("inf")``.

    >>> import nn, autograd_lite as ag
    >>> w = nn.Parameter([0.0, 0.0]); w.grad = ag.tensor([6.0, 8.0])
    >>> nn.utils.clip_grad_norm_([w], 5.0).item(), w.grad.data.round(3).tolist()
    (10.0, [3.0, 4.0])
    """
    grads = _grads(params)
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g.data))) if g.data.size else 0.0 for g in grads)
    else:  # in float64: float32 gradients of 1e19 would overflow when squared
        total = float(
            sum(float(np.sum(np.abs(g.data.astype(np.float64)) ** norm_type)) for g in grads) ** (1.0 / norm_type)
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g.data = g.data * coef  # a new array: a grad may share memory with another tensor
    return Tensor(total)


def clip_grad_value_(params, v: float) -> None:
    """Clamp every gradient element to ``[-v, v]`` in place.

    >>> import nn, autograd_lite as ag
    >>> w = nn.Parameter([0.0, 0.0]); w.grad = ag.tensor([-5.0, 0.5])
    >>> nn.utils.clip_grad_value_([w], 1.0); w.grad.tolist()
    [-1.0, 0.5]
    """
    if v < 0:
        raise ValueError(f"clip_grad_value_: the limit v must be non-negative, got {v}")
    for g in _grads(params):
        g.data = np.clip(g.data, -v, v)

"""Activations and losses, written only in forward form.

Nothing here declares a derivative: every function is a composition of
primitives, and the engine derives its gradient (a test enforces this).
Forms are chosen to stay finite at the extremes: no overflow, no NaN and a
finite gradient for inputs of magnitude 1e4 and beyond.

>>> import autograd_lite as ag
>>> import autograd_lite.functional as F
>>> x = ag.tensor([-1e4, 0.0, 1e4], requires_grad=True)
>>> F.softplus(x).sum().backward()
>>> x.grad                                    # softplus' = sigmoid
tensor([0. , 0.5, 1. ])
"""

from __future__ import annotations

import math

import numpy as np

from .ops import (
    _axes,
    _DistinctIndex,
    _getitem,
    _max_reduce,
    _square,
    _t,
    clip,
    erf,
    exp,
    expm1,
    linear,
    log,
    log1p,
    logsumexp,
    mean,
    relu,
    sigmoid,
    tanh,
    where,
)
from .primitive import ShapeError
from .tensor import Tensor

__all__ = [
    "linear",
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "silu",
    "exponential",
    "softmax",
    "log_softmax",
    "log_sigmoid",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "kl_div",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


def _neg_abs(x: Tensor) -> Tensor:
    """``-|x|`` with derivative -1 at x > 0 and +1 at x <= 0 (never the 0 of abs' kink).

    The stable forms below split by sign; picking a side at 0 keeps their
    derivative at 0 exact (sigmoid'(0) = 1/4, not 0).
    """
    return where(x.data > 0, -x, x)


# ---------------------------------------------------------------- activations
def identity(x) -> Tensor:
    """Return ``x`` unchanged (the activation of a linear layer).

    >>> import autograd_lite.functional as F
    >>> F.identity(2.0)
    tensor(2.)
    """
    return _t(x)


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.leaky_relu(ag.tensor([-2.0, 3.0]), 0.1)
    tensor([-0.2,  3. ])
    """
    x = _t(x)
    return where(x.data > 0, x, negative_slope * x)


def elu(x, alpha: float = 1.0) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.elu(ag.tensor([-1e4, 0.0, 2.0]))
    tensor([-1.,  0.,  2.])
    """
    x = _t(x)
    pos = x.data > 0
    # exp only ever sees the non-positive side, so it cannot overflow
    return where(pos, x, alpha * expm1(where(pos, 0.0, x)))


def selu(x) -> Tensor:
    """Scaled ELU with the self-normalising constants (alpha 1.6733, scale 1.0507).

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> round(F.selu(ag.tensor(1.0)).item(), 4)
    1.0507
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)``, exact (erf) or the tanh approximation.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> round(F.gelu(ag.tensor(1.0)).item(), 6), round(F.gelu(ag.tensor(1.0), "tanh").item(), 6)
    (0.841345, 0.841192)
    """
    x = _t(x)
    if approximate == "none":
        return 0.5 * x * (1.0 + erf(x * _INV_SQRT_2))
    if approximate == "tanh":
        # tanh saturates long before |x| = 50; clipping there keeps x**3 from overflowing
        xc = clip(x, -50.0, 50.0)
        return 0.5 * x * (1.0 + tanh(_SQRT_2_OVER_PI * (xc + 0.044715 * xc * xc * xc)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(x, beta: float = 1.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, computed without overflow.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.softplus(ag.tensor([-1e4, 0.0, 1e4]))
    tensor([0.00000000e+00, 6.93147181e-01, 1.00000000e+04])
    """
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    z = _t(x) * beta if beta != 1.0 else _t(x)
    out = relu(z) + log1p(exp(_neg_abs(z)))
    return out if beta == 1.0 else out / beta


def log_sigmoid(x) -> Tensor:
    """``log(sigmoid(x))``, finite for any input (``-softplus(-x)``).

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.log_sigmoid(ag.tensor([-1e4, 0.0]))
    tensor([-1.00000000e+04, -6.93147181e-01])
    """
    return -softplus(-_t(x))


def silu(x) -> Tensor:
    """``x * sigmoid(x)`` (also called swish).

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.silu(ag.tensor([0.0, 1e4]))
    tensor([    0., 10000.])
    """
    x = _t(x)
    return x * sigmoid(x)


def exponential(x) -> Tensor:
    """``exp(x)``, listed with the activations.

    >>> import autograd_lite.functional as F
    >>> round(F.exponential(1.0).item(), 6)
    2.718282
    """
    return exp(_t(x))


def softmax(x, axis: int = -1) -> Tensor:
    """Normalised exponentials along ``axis``; ``-inf`` entries get probability 0.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.softmax(ag.tensor([[1000.0, 1000.0, -float("inf")]]))
    tensor([[0.5, 0.5, 0. ]])
    """
    return exp(log_softmax(x, axis=axis))


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``: the stable log of softmax.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.log_softmax(ag.tensor([0.0, 0.0])).tolist() == [-0.6931471805599453] * 2
    True
    """
    x = _t(x)
    _axes(axis, x.data.ndim, "log_softmax")
    return x - _log_normalizer(x, axis, keepdims=True)


def _log_normalizer(x: Tensor, axis: int, keepdims: bool = False) -> Tensor:
    """``logsumexp(x)`` along ``axis``, refusing a slice with no finite entry (log_softmax's divisor)."""
    lse = logsumexp(x, axis=axis, keepdims=keepdims)
    if np.fmin.reduce(lse.data, axis=None, initial=np.inf) == -np.inf:  # fmin: a NaN slice hides nothing
        raise ValueError(
            f"log_softmax/softmax: a slice along axis {axis} has no finite entry (all -inf), so its "
            f"probabilities are undefined; leave at least one entry unmasked (input shape {x.data.shape})"
        )
    return lse


# --------------------------------------------------------------------- losses
_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _pair(pred, target, op: str) -> tuple[Tensor, Tensor]:
    # Tensor() copies an array target: a loss may save it for backward, and the caller
    # may refill their buffer (the next batch) before calling backward()
    pred, target = _t(pred), _t(target)
    if pred.data.shape != target.data.shape:
        raise ShapeError(
            f"{op}: prediction has shape {pred.data.shape} but target has shape {target.data.shape}; "
            f"they must match (broadcasting them silently is a common bug; reshape one of them)"
        )
    return pred, target


def _check_unit_interval(t: Tensor, what: str, op: str) -> None:
    a = t.data
    bad = ~((a >= 0) & (a <= 1))
    if bad.any():
        vals = a[bad][:5].tolist()
        raise ValueError(
            f"{op}: {what} must lie in [0, 1], got {vals}{' ...' if bad.sum() > 5 else ''} "
            f"at {int(bad.sum())} position(s); pass logits to binary_cross_entropy_with_logits instead"
        )


def mse_loss(pred, target, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(pred - target) ** 2``.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.mse_loss(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0])).item()
    2.5
    """
    pred, target = _pair(pred, target, "mse_loss")
    return _reduce(_square(pred - target), reduction, "mse_loss")


def l1_loss(pred, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|pred - target|``.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.l1_loss(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0])).item()
    1.5
    """
    pred, target = _pair(pred, target, "l1_loss")
    return _reduce((pred - target).abs(), reduction, "l1_loss")


def huber_loss(pred, target, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Quadratic for errors up to ``delta``, linear beyond: ``0.5 d^2`` or ``delta (|d| - delta / 2)``.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.huber_loss(ag.tensor([0.5, 3.0]), ag.tensor([0.0, 0.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    pred, target = _pair(pred, target, "huber_loss")
    d = pred - target
    small = np.abs(d.data) <= delta
    loss = where(small, 0.5 * d * d, delta * (d.abs() - 0.5 * delta))
    return _reduce(loss, reduction, "huber_loss")


def binary_cross_entropy(prob, target, reduction: str = "mean") -> Tensor:
    """Cross-entropy of probabilities against targets in [0, 1]; each log is clamped at -100.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> round(F.binary_cross_entropy(ag.tensor([0.9, 0.2]), ag.tensor([1.0, 0.0])).item(), 6)
    0.164252
    """
    prob, target = _pair(prob, target, "binary_cross_entropy")
    _check_unit_interval(prob, "probabilities", "binary_cross_entropy")
    _check_unit_interval(target, "targets", "binary_cross_entropy")
    tiny = math.exp(-100.0)  # log never goes below -100, as in PyTorch, so p = 0 or 1 stays finite
    log_p = log(clip(prob, tiny, None))
    log_1mp = log(clip(1.0 - prob, tiny, None))
    return _reduce(-(target * log_p + (1.0 - target) * log_1mp), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits: ``softplus(x) - x * t``, stable for any logit.

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> F.binary_cross_entropy_with_logits(ag.tensor([1e4, -1e4]), ag.tensor([1.0, 0.0])).item()
    0.0
    """
    logits, target = _pair(logits, target, "binary_cross_entropy_with_logits")
    _check_unit_interval(target, "targets", "binary_cross_entropy_with_logits")
    loss = relu(logits) - logits * target + log1p(exp(_neg_abs(logits)))
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _class_axis(logits: Tensor, axis: int, op: str) -> int:
    if logits.data.ndim == 0:
        raise ShapeError(f"{op}: expected scores with a class axis, got a 0-d tensor")
    return _axes(axis, logits.data.ndim, op)[0]


# signed index dtypes -> the unsigned ones of the same size: viewed so, a negative index is
# a huge one, and one max checks both ends of the range
_UNSIGNED = {np.dtype(f"i{n}"): np.dtype(f"u{n}") for n in (1, 2, 4, 8)}


def _pick(log_probs: Tensor, target, axis: int, op: str) -> Tensor:
    """``log_probs`` at the integer class ``target`` along ``axis``: shape of ``target``."""
    idx = target.data if isinstance(target, Tensor) else np.asarray(target)
    shape = log_probs.data.shape
    expected = shape[:axis] + shape[axis + 1 :]
    if idx.shape != expected:
        raise ShapeError(
            f"{op}: integer targets must have the shape of the scores without the class axis, "
            f"{expected}; got {idx.shape} (scores {shape}, class axis {axis})"
        )
    n_classes = shape[axis]
    if idx.dtype.kind == "i" and (idx.dtype not in _UNSIGNED or n_classes > 1 << (8 * idx.itemsize - 1)):
        idx = idx.astype(np.int64)  # a non-native byte order, or more classes than the view can tell apart
    if idx.size and _max_reduce(idx.view(_UNSIGNED.get(idx.dtype, idx.dtype)), axis=None) >= n_classes:
        bad = (idx < 0) | (idx >= n_classes)
        raise IndexError(
            f"{op}: class indices must lie in [0, {n_classes}) for {n_classes} classes, got "
            f"{idx[bad][:5].tolist()} at {int(bad.sum())} position(s)"
        )
    k = len(expected)
    if k == 1:  # scores of shape (batch, classes) or (classes, batch)
        grids = [np.arange(expected[0])]
    else:
        grids = [np.arange(n).reshape([n if j == i else 1 for j in range(k)]) for i, n in enumerate(expected)]
    # one entry per position along the other axes: each element is picked at most once
    return _getitem(log_probs, index=_DistinctIndex(grids[:axis] + [idx] + grids[axis:]))


def _is_index_target(target) -> bool:
    a = target.data if isinstance(target, Tensor) else np.asarray(target)
    return a.dtype.kind in "iu"


def cross_entropy(logits, target, axis: int = -1, label_smoothing: float = 0.0, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of ``logits`` against class indices or class probabilities.

    ``target`` holds integer class indices (the scores' shape without
    ``axis``) or probabilities (the scores' shape). ``label_smoothing``
    mixes the target with the uniform distribution over classes.

    >>> import autograd_lite as ag, numpy as np, autograd_lite.functional as F
    >>> logits = ag.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> round(F.cross_entropy(logits, np.array([0, 2])).item(), 6)
    0.175456
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}")
    logits = _t(logits)
    ax = _class_axis(logits, axis, "cross_entropy")
    n_classes = logits.data.shape[ax]
    if _is_index_target(target) and not label_smoothing:
        # -log_softmax(x)[target] = logsumexp(x) - x[target]: the same numbers as the
        # general form below, without building the whole log_softmax
        lse = _log_normalizer(logits, ax)
        return _reduce(lse - _pick(logits, target, ax, "cross_entropy"), reduction, "cross_entropy")
    log_probs = log_softmax(logits, axis=ax)
    if _is_index_target(target):
        loss = -_pick(log_probs, target, ax, "cross_entropy")
        uniform = -log_probs.mean(axis=ax)
        loss = (1.0 - label_smoothing) * loss + label_smoothing * uniform
        return _reduce(loss, reduction, "cross_entropy")
    target = _t(target)
    if target.data.shape != logits.data.shape:
        raise ShapeError(
            f"cross_entropy: probability targets must have the scores' shape {logits.data.shape}, got "
            f"{target.data.shape}; for class indices pass an integer array of shape "
            f"{logits.data.shape[:ax] + logits.data.shape[ax + 1 :]}"
        )
    _check_unit_interval(target, "target probabilities", "cross_entropy")
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
    loss = -(target * log_probs).sum(axis=ax)
    return _reduce(loss, reduction, "cross_entropy")


def nll_loss(log_probs, target, axis: int = -1, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer class ``target`` given log-probabilities.

    >>> import autograd_lite as ag, numpy as np, autograd_lite.functional as F
    >>> F.nll_loss(ag.tensor([[-0.1, -2.3], [-1.2, -0.4]]), np.array([0, 1])).item()
    0.25
    """
    log_probs = _t(log_probs)
    if not _is_index_target(target):
        a = target.data if isinstance(target, Tensor) else np.asarray(target)
        raise TypeError(f"nll_loss: target must be integer class indices, got dtype {a.dtype}")
    ax = _class_axis(log_probs, axis, "nll_loss")
    return _reduce(-_pick(log_probs, target, ax, "nll_loss"), reduction, "nll_loss")


def kl_div(log_q, p, reduction: str = "mean") -> Tensor:
    """``KL(p || q) = p * (log p - log q)``, elementwise; ``log_q`` holds log-probabilities.

    Entries with ``p == 0`` contribute 0. ``reduction="batchmean"`` divides
    the sum by the size of the first axis (the mathematical KL per sample).

    >>> import autograd_lite as ag, autograd_lite.functional as F
    >>> p = ag.tensor([[0.5, 0.5, 0.0]])
    >>> F.kl_div(ag.tensor([[0.5, 0.25, 0.25]]).log(), p, reduction="batchmean").item() > 0
    True
    """
    log_q, p = _pair(log_q, p, "kl_div")
    _check_unit_interval(p, "target probabilities p", "kl_div")
    pos = p.data > 0
    p_log_p = where(pos, p * log(where(pos, p, 1.0)), 0.0)
    loss = p_log_p - p * log_q
    if reduction == "batchmean":
        n = log_q.data.shape[0] if log_q.data.ndim else 1
        return loss.sum() / n
    return _reduce(loss, reduction, "kl_div")

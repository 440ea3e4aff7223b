"""Loss modules: thin wrappers over ``autograd_lite.functional`` holding their options.

>>> import nn, autograd_lite as ag, numpy as np
>>> nn.CrossEntropyLoss()(ag.tensor([[2.0, 0.0]]), np.array([0])).item() < 0.2
True
"""

from __future__ import annotations

import autograd_lite.functional as F

from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error (``F.mse_loss``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> nn.MSELoss()(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0])).item()
    2.5
    """

    def forward(self, pred, target):
        return F.mse_loss(pred, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (``F.l1_loss``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> nn.L1Loss()(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0])).item()
    1.5
    """

    def forward(self, pred, target):
        return F.l1_loss(pred, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber loss (``F.huber_loss``) with threshold ``delta``.

    >>> import nn, autograd_lite as ag, numpy as np
    >>> nn.HuberLoss(delta=1.0)(ag.tensor([0.5]), ag.tensor([0.0])).item()
    0.125
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, pred, target):
        return F.huber_loss(pred, target, delta=self.delta, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (``F.binary_cross_entropy``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> round(nn.BCELoss()(ag.tensor([0.5]), ag.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, prob, target):
        return F.binary_cross_entropy(prob, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, numerically stable (``F.binary_cross_entropy_with_logits``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> round(nn.BCEWithLogitsLoss()(ag.tensor([0.0]), ag.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, logits, target):
        return F.binary_cross_entropy_with_logits(logits, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits against class indices or probabilities (``F.cross_entropy``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> round(nn.CrossEntropyLoss()(ag.tensor([[0.0, 0.0]]), np.array([1])).item(), 4)
    0.6931
    """

    def __init__(self, reduction: str = "mean", axis: int = -1, label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.axis = axis
        self.label_smoothing = label_smoothing

    def forward(self, logits, target):
        return F.cross_entropy(
            logits, target, axis=self.axis, label_smoothing=self.label_smoothing, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, axis={self.axis}, label_smoothing={self.label_smoothing}"


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (``F.nll_loss``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> nn.NLLLoss()(ag.tensor([[-0.5, -2.0]]), np.array([0])).item()
    0.5
    """

    def __init__(self, reduction: str = "mean", axis: int = -1) -> None:
        super().__init__(reduction)
        self.axis = axis

    def forward(self, log_probs, target):
        return F.nll_loss(log_probs, target, axis=self.axis, reduction=self.reduction)


class KLDivLoss(Module):
    """KL divergence ``p * (log p - log q)`` from log-probabilities (``F.kl_div``).

    >>> import nn, autograd_lite as ag, numpy as np
    >>> nn.KLDivLoss(reduction="sum")(ag.tensor([[0.5, 0.5]]).log(), ag.tensor([[0.5, 0.5]])).item()
    0.0
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
        self.reduction = reduction

    def forward(self, log_q, p):
        return F.kl_div(log_q, p, reduction=self.reduction)

"""Layers: Linear, Dropout, LayerNorm, BatchNorm1d, Embedding, and activation modules.

Everything is forward form on autograd_lite operations; the engine supplies
the gradients.
"""

from __future__ import annotations

import math

import numpy as np

import autograd_lite as ag
import autograd_lite.functional as F
from autograd_lite.graph import mark_modified
from autograd_lite.ops import _linear as _linear_primitive
from autograd_lite.primitive import ShapeError
from autograd_lite.tensor import Tensor

from . import init
from .module import Module, Parameter

_linear = _linear_primitive.op  # ag.linear's primitive, called without its wrapper layers


def _empty(*shape) -> Parameter:
    return Parameter(np.zeros(shape, dtype=ag.get_default_dtype()))


class Linear(Module):
    """``y = x @ weight.T + bias``, with PyTorch's default initialisation U(-1/sqrt(in), 1/sqrt(in)).

    >>> import nn, autograd_lite as ag
    >>> fc = nn.Linear(3, 2)
    >>> fc.weight.shape, fc.bias.shape, fc(ag.ones(5, 3)).shape
    ((2, 3), (2,), (5, 2))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = _empty(self.out_features, self.in_features)
        if bias:
            self.bias = _empty(self.out_features)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: the same distributions PyTorch's Linear uses."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        shape = x.data.shape if isinstance(x, Tensor) else np.shape(x)
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): expected input "
                f"whose last dimension is {self.in_features}, got shape {shape}"
            )
        params = self._parameters  # (one dict lookup instead of Module.__getattr__ for each)
        if "weight" in params and "bias" in params:
            return _linear(x, params["weight"], params["bias"])
        return _linear(x, self.weight, self.bias)  # a weight computed from other parameters

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Dropout(Module):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1/(1-p)``.

    In evaluation mode it is the identity (inverted dropout).

    >>> import nn, autograd_lite as ag
    >>> d = nn.Dropout(0.5).eval()
    >>> d(ag.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must lie in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        x = x if isinstance(x, Tensor) else ag.tensor(x)
        if self.p == 1.0:
            return x * 0.0
        keep = ag.get_rng().random(x.data.shape) >= self.p
        scale = (keep / (1.0 - self.p)).astype(x.data.dtype)
        return x * scale

    def extra_repr(self) -> str:
        return f"p={self.p}"


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift.

    >>> import nn, autograd_lite as ag
    >>> y = nn.LayerNorm(4)(ag.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> round(float(y.data.mean()), 6), round(float(y.data.std()), 4)
    (0.0, 1.0)
    """

    def __init__(self, shape=None, eps: float = 1e-5, elementwise_affine: bool = True, *, normalized_shape=None):
        super().__init__()
        shape = normalized_shape if shape is None else shape  # PyTorch's keyword works too
        if shape is None:
            raise TypeError("LayerNorm: give the shape to normalise over (an int or a tuple)")
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = float(eps)
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=ag.get_default_dtype()))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=ag.get_default_dtype()))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else ag.tensor(x)
        n = len(self.normalized_shape)
        if x.data.shape[x.data.ndim - n :] != self.normalized_shape:
            raise ShapeError(
                f"LayerNorm({self.normalized_shape}): expected input ending in shape {self.normalized_shape}, "
                f"got shape {x.data.shape}"
            )
        axes = tuple(range(x.data.ndim - n, x.data.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        d = x - mu
        var = (d * d).mean(axis=axes, keepdims=True)
        y = d / (var + self.eps).sqrt()
        if self.elementwise_affine:
            y = y * self.weight + self.bias
        return y

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class BatchNorm1d(Module):
    """Batch normalisation over the batch (and length) axes of ``(N, C)`` or ``(N, C, L)`` input.

    In training it normalises with the batch statistics and updates
    ``running_mean`` and ``running_var`` (the unbiased batch variance) with
    ``momentum``; in evaluation it uses the running statistics. Both buffers
    are saved in ``state_dict``.

    >>> import nn, autograd_lite as ag
    >>> bn = nn.BatchNorm1d(2)
    >>> _ = bn(ag.tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> bn.running_mean.tolist(), bn.running_var.tolist()
    ([0.2, 2.0], [1.1, 20.9])
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = ag.get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else ag.tensor(x)
        shape = x.data.shape
        if x.data.ndim not in (2, 3) or shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm1d({self.num_features}): expected input of shape (N, {self.num_features}) or "
                f"(N, {self.num_features}, L), got {shape}"
            )
        axes = (0,) if x.data.ndim == 2 else (0, 2)
        bshape = (1, self.num_features) + ((1,) if x.data.ndim == 3 else ())
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            n = math.prod(shape[a] for a in axes)
            if n <= 1:
                raise ValueError(
                    f"BatchNorm1d: expected more than 1 value per channel when training, got input shape {shape}"
                )
            mu = x.mean(axis=axes, keepdims=True)
            d = x - mu
            var = (d * d).mean(axis=axes, keepdims=True)
            if self.training and self.track_running_stats:
                self._update_running(mu.data.reshape(-1), var.data.reshape(-1) * n / (n - 1))
            y = d / (var + self.eps).sqrt()
        else:
            mean = self.running_mean.data.reshape(bshape)
            std = np.sqrt(self.running_var.data.reshape(bshape) + self.eps)
            y = (x - mean) / std
        if self.affine:
            y = y * self.weight.reshape(bshape) + self.bias.reshape(bshape)
        return y

    def _update_running(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        self.num_batches_tracked.data[...] += 1
        m = self.momentum
        if m is None:  # a cumulative average, as PyTorch does for momentum=None
            m = 1.0 / float(self.num_batches_tracked.data)
        rm, rv = self.running_mean.data, self.running_var.data
        rm[...] = (1 - m) * rm + m * mean
        rv[...] = (1 - m) * rv + m * unbiased_var
        mark_modified(rm)
        mark_modified(rv)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (initialised N(0, 1)) for index ``i``.

    >>> import nn, numpy as np
    >>> emb = nn.Embedding(10, 3)
    >>> emb(np.array([[1, 2], [3, 1]])).shape
    (2, 2, 3)
    """

    def __init__(self, num=None, dim=None, *, num_embeddings=None, embedding_dim=None) -> None:
        super().__init__()
        num = num_embeddings if num is None else num  # PyTorch's keywords work too
        dim = embedding_dim if dim is None else dim
        if num is None or dim is None:
            raise TypeError("Embedding: give the number of rows and their size, Embedding(num, dim)")
        self.num_embeddings = int(num)
        self.embedding_dim = int(dim)
        self.weight = _empty(self.num_embeddings, self.embedding_dim)
        init.normal_(self.weight)

    def forward(self, idx):
        arr = idx.data if isinstance(idx, Tensor) else np.asarray(idx)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"Embedding: expected integer indices, got dtype {arr.dtype}")
        bad = (arr < 0) | (arr >= self.num_embeddings)
        if bad.any():
            raise IndexError(
                f"Embedding({self.num_embeddings}, {self.embedding_dim}): indices must lie in "
                f"[0, {self.num_embeddings}), got {arr[bad][:5].tolist()}"
            )
        return self.weight[arr]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


# --------------------------------------------------------------- activations
class _Activation(Module):
    _fn = None
    _args: tuple = ()

    def forward(self, x):
        fn = type(self)._fn
        if not self._args:
            return fn(x)
        return fn(x, *[getattr(self, a) for a in self._args])

    def extra_repr(self) -> str:
        return ", ".join(f"{a}={getattr(self, a)!r}" for a in self._args)


class ReLU(_Activation):
    """Module form of ``F.relu``.

    >>> import nn, autograd_lite as ag
    >>> nn.ReLU()(ag.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    _fn = F.relu


class Sigmoid(_Activation):
    """Module form of ``F.sigmoid``.

    >>> import nn, autograd_lite as ag
    >>> nn.Sigmoid()(ag.tensor([0.0]))
    tensor([0.5])
    """

    _fn = F.sigmoid


class Tanh(_Activation):
    """Module form of ``F.tanh``.

    >>> import nn, autograd_lite as ag
    >>> nn.Tanh()(ag.tensor([0.0]))
    tensor([0.])
    """

    _fn = F.tanh


class SiLU(_Activation):
    """Module form of ``F.silu``.

    >>> import nn, autograd_lite as ag
    >>> nn.SiLU()(ag.tensor([0.0]))
    tensor([0.])
    """

    _fn = F.silu


class SELU(_Activation):
    """Module form of ``F.selu``.

    >>> import nn, autograd_lite as ag
    >>> nn.SELU()(ag.tensor([0.0]))
    tensor([0.])
    """

    _fn = F.selu


class LeakyReLU(_Activation):
    """Module form of ``F.leaky_relu``.

    >>> import nn, autograd_lite as ag
    >>> nn.LeakyReLU(0.1)(ag.tensor([-1.0, 2.0]))
    tensor([-0.1,  2. ])
    """

    _fn = F.leaky_relu
    _args = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope


class ELU(_Activation):
    """Module form of ``F.elu``.

    >>> import nn, autograd_lite as ag
    >>> nn.ELU()(ag.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """

    _fn = F.elu
    _args = ("alpha",)

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha


class GELU(_Activation):
    """Module form of ``F.gelu`` (``approximate="none"`` or ``"tanh"``).

    >>> import nn, autograd_lite as ag
    >>> nn.GELU()(ag.tensor([0.0]))
    tensor([0.])
    """

    _fn = F.gelu
    _args = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate


class Softplus(_Activation):
    """Module form of ``F.softplus``.

    >>> import nn, autograd_lite as ag
    >>> nn.Softplus()(ag.tensor([0.0])).numpy().round(4)
    array([0.6931])
    """

    _fn = F.softplus
    _args = ("beta",)

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta


class Softmax(_Activation):
    """Module form of ``F.softmax`` along ``axis``.

    >>> import nn, autograd_lite as ag
    >>> nn.Softmax(axis=-1)(ag.tensor([0.0, 0.0]))
    tensor([0.5, 0.5])
    """

    _fn = F.softmax
    _args = ("axis",)

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis


class LogSoftmax(_Activation):
    """Module form of ``F.log_softmax`` along ``axis``.

    >>> import nn, autograd_lite as ag
    >>> nn.LogSoftmax()(ag.tensor([0.0, 0.0])).numpy().round(4)
    array([-0.6931, -0.6931])
    """

    _fn = F.log_softmax
    _args = ("axis",)

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

"""nn: modules, layers, initialisation and checkpoints on top of autograd_lite.

Someone who knows PyTorch ports a model by changing the imports (and
``dim=`` to ``axis=``):

>>> import nn, autograd_lite as ag
>>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> loss = nn.CrossEntropyLoss()(net(ag.randn(5, 4)), ag.randint(0, 3, (5,)))
>>> loss.backward()
>>> all(p.grad is not None for p in net.parameters())
True
"""

from __future__ import annotations

from . import data, init, optim, utils
from .layers import (
    ELU,
    GELU,
    SELU,
    BatchNorm1d,
    Dropout,
    Embedding,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Flatten, Identity, Module, ModuleList, Parameter, Sequential
from .serialization import load, save
from .training import History, accuracy, evaluate, fit

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "Identity", "Flatten",
    "Linear", "Dropout", "LayerNorm", "BatchNorm1d", "Embedding",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "ELU", "SELU", "GELU", "SiLU", "Softplus", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "KLDivLoss",
    "init", "optim", "utils", "data", "save", "load", "fit", "evaluate", "History", "accuracy",
]  # fmt: skip

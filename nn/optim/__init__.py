"""Optimizers and learning-rate schedules (``nn.optim.lr_scheduler``).

>>> import nn, autograd_lite as ag
>>> model = nn.Linear(3, 1)
>>> opt = nn.optim.Adam(model.parameters(), lr=1e-2)
>>> loss = (model(ag.ones(4, 3)) ** 2).mean()
>>> opt.zero_grad(); loss.backward(); opt.step()
>>> opt.param_groups[0]["lr"]
0.01
"""

from . import lr_scheduler
from .optimizer import Optimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]

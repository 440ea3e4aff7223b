"""Check derivatives: numerical gradients, full-Jacobian gradchecks and Hypothesis strategies.

``autograd_lite.testing.strategies`` imports Hypothesis; the rest needs NumPy only.

>>> import autograd_lite as ag, numpy as np
>>> ag.testing.gradcheck(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
True
"""

from __future__ import annotations

import importlib as _importlib

from .gradcheck import GradcheckError, check_grads, gradcheck, gradgradcheck, numerical_grad

__all__ = ["GradcheckError", "check_grads", "gradcheck", "gradgradcheck", "numerical_grad", "strategies"]


def __getattr__(name: str):
    if name == "strategies":
        return _importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

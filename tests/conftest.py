import numpy as np
import pytest
from hypothesis import settings

import autograd_lite as ag

settings.register_profile("ci", deadline=None, max_examples=20, derandomize=True)
settings.register_profile("dev", deadline=None, max_examples=20)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Every test starts with float64 defaults and gradients on, and leaves them so."""
    ag.set_default_dtype(np.float64)
    yield
    ag.set_default_dtype(np.float64)
    assert ag.is_grad_enabled(), "a test left gradient recording switched off"

"""Checkpoints as ``.npz`` files: plain arrays, never pickle, so loading cannot run code.

>>> import nn, tempfile, os
>>> model = nn.Linear(2, 2)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> nn.save(model, path)
>>> clone = nn.Linear(2, 2); _ = clone.load_state_dict(nn.load(path))
>>> bool((clone.weight.data == model.weight.data).all())
True
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict

import numpy as np

from autograd_lite.tensor import Tensor

from .module import Module


def save(obj, path) -> None:
    """Write a module's ``state_dict`` (or a dict of arrays) to ``path`` as ``.npz``.

    Values must be numeric or boolean arrays (tensors and numbers are
    converted); anything that would need pickling is refused.
    """
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, dict):
        raise TypeError(f"nn.save: expected an nn.Module or a dict of arrays, got {type(obj).__name__}")
    arrays = OrderedDict()
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"nn.save: keys must be strings, got {key!r}")
        arr = value.data if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"nn.save: {key!r} holds dtype {arr.dtype}; only numeric and boolean arrays can be saved "
                f"(checkpoints never use pickle)"
            )
        arrays[key] = arr
    path = os.fspath(path)
    with open(path, "wb") as fh:  # a file object: np.savez would otherwise append ".npz"
        np.savez(fh, **arrays)


def load(path) -> OrderedDict:
    """Read a checkpoint written by :func:`save`: an ordered dict of name -> array.

    Files holding object arrays (which need pickle) are refused.
    """
    path = os.fspath(path)
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"nn.load: {path} is not a readable .npz checkpoint (not a zip archive; a pickle file is never "
            f"loaded, since loading one could run code)"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return OrderedDict((k, data[k]) for k in data.files)
    except ValueError as e:
        if "allow_pickle" in str(e) or "Object arrays" in str(e):
            raise ValueError(
                f"nn.load: {path} holds object arrays, which only pickle can read; refusing to load it "
                f"(loading a checkpoint must never run code)"
            ) from None
        raise ValueError(f"nn.load: {path} is not a readable .npz checkpoint: {e}") from None
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"nn.load: {path} is not a readable .npz checkpoint: {e}") from None

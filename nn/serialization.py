"""Checkpoints as ``.npz`` files: plain arrays and JSON, never pickle, so loading cannot run code.

A module's ``state_dict`` is stored one array per key. Nested dictionaries
(an optimizer's ``state_dict``, or ``{"model": ..., "optimizer": ..., "epoch": 3}``)
are stored too: arrays as ``.npy`` members under ``/``-joined paths, and
everything else (numbers, strings, lists, the nesting itself) as one JSON
member.

>>> import nn, tempfile, os
>>> model = nn.Linear(2, 2)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> nn.save(model, path)
>>> clone = nn.Linear(2, 2); _ = clone.load_state_dict(nn.load(path))
>>> bool((clone.weight.data == model.weight.data).all())
True
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np

from autograd_lite.tensor import Tensor

from .module import Module

_META = "__structure__.json"  # present only for nested checkpoints


def _array(key: str, value) -> np.ndarray:
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"nn.save: {key!r} holds dtype {arr.dtype}; only numeric and boolean arrays can be saved "
            f"(checkpoints never use pickle)"
        )
    return arr


def _flatten(obj, path: str, arrays: dict):
    """Replace arrays in a nested structure by references to ``.npy`` members; return the JSON skeleton."""
    if isinstance(obj, (Tensor, np.ndarray)):
        arrays[path] = _array(path, obj)
        return {"__array__": path}
    if isinstance(obj, dict):
        items = {}
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"nn.save: keys must be strings or ints, got {k!r} at {path or 'the top'}")
            items[f"{type(k).__name__}:{k}"] = _flatten(v, f"{path}/{k}" if path else str(k), arrays)
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        kind = "__tuple__" if isinstance(obj, tuple) else "__list__"
        return {kind: [_flatten(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"nn.save: cannot store a {type(obj).__name__} at {path!r}: checkpoints hold arrays, numbers, strings, "
        f"lists and dicts only (never pickled objects)"
    )


def _unflatten(node, arrays: dict):
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__dict__" in node:
            out = OrderedDict()
            for tagged, v in node["__dict__"].items():
                kind, _, key = tagged.partition(":")
                out[int(key) if kind == "int" else key] = _unflatten(v, arrays)
            return out
        if "__tuple__" in node:
            return tuple(_unflatten(v, arrays) for v in node["__tuple__"])
        if "__list__" in node:
            return [_unflatten(v, arrays) for v in node["__list__"]]
    return node


def save(module_or_state_dict, path) -> None:
    """Write a module's ``state_dict``, a dict of arrays, or a nested dict of them to ``path`` (``.npz``).

    Values must be numeric or boolean arrays (tensors and numbers are
    converted), or, in nested checkpoints, numbers, strings, lists and dicts;
    anything that would need pickling is refused.

    >>> import nn, tempfile, os
    >>> opt = nn.optim.Adam(nn.Linear(2, 1).parameters())
    >>> path = os.path.join(tempfile.mkdtemp(), "opt.npz")
    >>> nn.save(opt.state_dict(), path)
    >>> nn.load(path)["param_groups"][0]["betas"]
    (0.9, 0.999)
    """
    obj = module_or_state_dict
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, dict):
        raise TypeError(f"nn.save: expected an nn.Module or a dict, got {type(obj).__name__}")
    flat = all(isinstance(k, str) and isinstance(v, (Tensor, np.ndarray, np.generic)) for k, v in state.items())
    arrays: dict = OrderedDict()
    skeleton = None
    if flat:
        for k, v in state.items():
            arrays[k] = _array(k, v)
    else:
        skeleton = _flatten(state, "", arrays)
    # written member by member: np.savez(**arrays) would choke on keys such as "file"
    with zipfile.ZipFile(os.fspath(path), "w", compression=zipfile.ZIP_STORED) as zf:
        for k, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.array(arr, order="C", copy=None), allow_pickle=False)
            zf.writestr(k + ".npy", buf.getvalue())
        if skeleton is not None:
            zf.writestr(_META, json.dumps(skeleton))


def load(path) -> OrderedDict:
    """Read a checkpoint written by :func:`save`: an ordered dict of name -> array (or the nested dict saved).

    Only ``.npy`` members holding numeric or boolean arrays (and the JSON
    structure of a nested checkpoint) are accepted; a file that would need
    pickle, such as a PyTorch ``.pt``, is refused.

    >>> import nn, numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> nn.save({"w": np.arange(3.0)}, path)
    >>> nn.load(path)["w"].tolist()
    [0.0, 1.0, 2.0]
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"nn.load: no such file: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"nn.load: {path} is not a readable .npz checkpoint (not a zip archive; a pickle file is never "
            f"loaded, since loading one could run code)"
        )
    arrays: dict = OrderedDict()
    skeleton = None
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name == _META:
                skeleton = json.loads(zf.read(name).decode("utf-8"))
                continue
            if not name.endswith(".npy"):
                raise ValueError(
                    f"nn.load: {path} is not an nn.save checkpoint: it holds {name!r} (a PyTorch .pt file?); "
                    f"only .npy arrays are read"
                )
            try:
                arr = np.lib.format.read_array(io.BytesIO(zf.read(name)), allow_pickle=False)
            except ValueError:
                raise ValueError(
                    f"nn.load: {path} holds object arrays in {name!r}, which only pickle can read; refusing to "
                    f"load it (loading a checkpoint must never run code)"
                ) from None
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"nn.load: {name!r} in {path} holds dtype {arr.dtype}, not numbers")
            arrays[name[: -len(".npy")]] = arr
    return _unflatten(skeleton, arrays) if skeleton is not None else arrays

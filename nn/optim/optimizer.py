"""The optimizer base class: parameter groups, per-parameter state, state dicts.

Update rules live in the subclasses (``optimizers.py``) and follow PyTorch's
published formulas in the same order (weight decay, momentum, bias
correction, epsilon placement), updating parameter arrays in place.
"""

from __future__ import annotations

import copy

import numpy as np

from autograd_lite.graph import _mark_modified_all
from autograd_lite.tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts) and per-parameter ``state``.

    ``opt.param_groups[i]["lr"]`` is the live learning rate of group ``i``;
    schedules change it there.
    """

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}  # id(param) -> dict of arrays and counters
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of tensors (e.g. model.parameters()), "
                f"got a single Tensor; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("add_param_group: expected a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can only optimize leaf tensors (made by you, not by an op)")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
            seen.add(id(p))
        new = {k: v for k, v in self.defaults.items()}
        new.update({k: v for k, v in group.items() if k != "params"})
        new["params"] = params
        self._check_group(new)
        self.param_groups.append(new)

    def _check_group(self, group: dict) -> None:
        for key in ("lr", "weight_decay", "eps", "momentum"):
            if key in group and group[key] < 0:
                raise ValueError(f"{type(self).__name__}: {key} must be non-negative, got {group[key]}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to ``None`` by default)."""
        for g in self.param_groups:
            for p in g["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor(np.zeros_like(p.grad.data))

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            from autograd_lite.graph import enable_grad

            with enable_grad():
                loss = closure()
        states = self.state
        update = self._update
        changed = []
        try:
            for group in self.param_groups:
                hyper = self._hyper(group)
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue  # parameters without a gradient are left alone
                    g = grad.data
                    data = p.data
                    if g.shape != data.shape:
                        raise ValueError(
                            f"{type(self).__name__}.step: a gradient of shape {g.shape} for a parameter of shape "
                            f"{data.shape}"
                        )
                    if g.dtype != data.dtype:
                        g = g.astype(data.dtype)
                    state = states.get(id(p))
                    if state is None:
                        state = states[id(p)] = {}
                    if not data.flags.writeable:
                        data = p.data = data.copy()
                    changed.append(data)  # (before the update: it may fail halfway)
                    update(data, g, state, hyper)
        finally:
            _mark_modified_all(changed)  # a graph that saved the old values must not reuse them
        return loss

    def _hyper(self, group: dict):
        """What ``_update`` receives as its last argument: the group itself, unless a subclass
        reads its hyper-parameters once per group and step (``SGD`` does)."""
        return group

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------- state dicts
    def _all_params(self) -> list:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [...]}`` with parameters as indices (copies)."""
        index = {id(p): i for i, p in enumerate(self._all_params())}
        state = {
            index[pid]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for pid, s in self.state.items()
            if pid in index
        }
        groups = []
        for g in self.param_groups:
            entry = {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            entry["params"] = [index[id(p)] for p in g["params"]]
            groups.append(entry)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by :meth:`state_dict`."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the saved optimizer has {len(groups)} parameter groups, this one "
                f"{len(self.param_groups)}"
            )
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    f"load_state_dict: a saved group has {len(saved['params'])} parameters, this one "
                    f"{len(mine['params'])}"
                )
        params = self._all_params()
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            restored = {}
            for k, v in s.items():
                if isinstance(v, np.ndarray) and v.shape == p.data.shape:
                    v = v.astype(p.data.dtype)
                restored[k] = v.copy() if isinstance(v, np.ndarray) else v
            self.state[id(p)] = restored
        for mine, saved in zip(self.param_groups, groups):
            for k, v in saved.items():
                if k != "params":
                    mine[k] = copy.deepcopy(v)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"  group {i}: {len(g['params'])} params")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"

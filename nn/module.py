"""Module, Parameter and the containers: the PyTorch model-building API on autograd_lite.

A :class:`Module` finds its parameters, buffers and sub-modules by the
attributes it is given, in the order they were set, and names them by the
attribute path (``encoder.fc1.weight``, ``0.bias``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

import numpy as np

import autograd_lite as ag
from autograd_lite.graph import mark_modified
from autograd_lite.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that a :class:`Module` registers as trainable (``requires_grad=True``).

    >>> import nn
    >>> p = nn.Parameter([1.0, 2.0])
    >>> p.requires_grad, p.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


def _count(n: int) -> str:
    return f"{n:,}"


class Module:
    """Base class of every layer and model: subclass it and write ``forward``.

    >>> import nn, autograd_lite as ag
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(3, 4)
    ...         self.fc2 = nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> model(ag.ones(2, 3)).shape
    (2, 1)
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --------------------------------------------------------- registration
    def _check_init(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran; call super().__init__() first "
                f"in {type(self).__name__}.__init__"
            )

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Parameter):
            self._check_init(name)
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_init(name)
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r} of {type(self).__name__}; "
                    f"assign an nn.Parameter (or None), or change its values with .data inside ag.no_grad()"
                )
            self._parameters[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            self._buffers[name] = None if value is None else _as_buffer(value)
        else:
            if "_modules" in self.__dict__ and name in self._modules:
                del self._modules[name]
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self._persistent.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, a declared but absent one, like a disabled bias)."""
        self._check_init(name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: expected nn.Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, value, persistent: bool = True) -> None:
        """Add state that is not trained but saved (``running_mean`` of a batch norm, say).

        >>> import nn, numpy as np
        >>> m = nn.Module(); m.register_buffer("steps", np.zeros(1))
        >>> list(m.state_dict())
        ['steps']
        """
        self._check_init(name)
        self._forget(name)
        self._buffers[name] = None if value is None else _as_buffer(value)
        if persistent:
            self._persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under ``name`` (what attribute assignment does)."""
        self._check_init(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: expected an nn.Module, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    # ------------------------------------------------------------- forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass")

    # A class-level empty mapping, never written to: a module without hooks pays one
    # attribute lookup per call. register_forward_hook gives the instance its own dict.
    _forward_hooks: dict = {}

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in tuple(self._forward_hooks.values()):
                r = hook(self, args, out)
                if r is not None:
                    out = r
        return out

    def register_forward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward pass of this module.

        ``inputs`` is the tuple of positional arguments. If the hook returns
        something other than ``None``, that replaces the output (as in
        PyTorch). Returns a handle whose ``remove()`` unregisters the hook;
        the handle is also a context manager that removes it on exit.

        >>> import nn, autograd_lite as ag
        >>> fc = nn.Linear(3, 2)
        >>> seen = []
        >>> handle = fc.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
        >>> _ = fc(ag.ones(4, 3)); handle.remove(); _ = fc(ag.ones(1, 3))
        >>> seen
        [(4, 2)]
        """
        if not callable(hook):
            raise TypeError(f"register_forward_hook: expected a callable, got {type(hook).__name__}")
        if "_forward_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_hooks", OrderedDict())
        return RemovableHandle(self._forward_hooks, hook)

    # ------------------------------------------------------------- walking
    def named_modules(self, prefix: str = "", memo: set | None = None) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every descendant, depth first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the direct sub-modules."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def _named(self, store: str, prefix: str, recurse: bool):
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, v in getattr(m, store).items():
                if v is None or id(v) in seen:
                    continue
                seen.add(id(v))
                yield (f"{mprefix}.{name}" if mprefix else name), v

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs in registration order; shared parameters appear once."""
        yield from self._named("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, in registration order (what an optimizer takes).

        >>> import nn
        >>> sum(p.size for p in nn.Linear(3, 2).parameters())
        8
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(name, buffer)`` pairs."""
        yield from self._named("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every descendant, then on this module; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every descendant (Dropout and BatchNorm depend on it)."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to ``None``, PyTorch's default)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = ag.zeros_like(p.grad)

    def requires_grad_(self, flag: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def astype(self, dtype) -> Module:
        """Cast every parameter and floating buffer to ``dtype`` in place; returns self.

        >>> import nn, numpy as np
        >>> nn.Linear(2, 2).astype(np.float32).weight.dtype
        dtype('float32')
        """
        dt = np.dtype(dtype)
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.data = p.data.astype(dt)
                    p.grad = None if p.grad is None else p.grad.astype(dt)
            for k, b in m._buffers.items():
                if b is not None and b.data.dtype.kind == "f":
                    m._buffers[k] = _as_buffer(b.data.astype(dt))
        return self

    def float(self) -> Module:
        """Cast to float32 (PyTorch's ``.float()``)."""
        return self.astype(np.float32)

    def double(self) -> Module:
        """Cast to float64 (PyTorch's ``.double()``)."""
        return self.astype(np.float64)

    # ---------------------------------------------------------- state dict
    def state_dict(self) -> OrderedDict:
        """Parameters and persistent buffers by name, as NumPy array copies.

        >>> import nn
        >>> list(nn.Linear(2, 3).state_dict())
        ['weight', 'bias']
        """
        out = OrderedDict()
        for mprefix, m in self.named_modules():
            for name, p in m._parameters.items():
                if p is not None:
                    out[f"{mprefix}.{name}" if mprefix else name] = p.data.copy()
            for name, b in m._buffers.items():
                if b is not None and name in m._persistent:
                    out[f"{mprefix}.{name}" if mprefix else name] = b.data.copy()
        return out

    def load_state_dict(self, sd, strict: bool = True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Every problem is reported at once: missing keys, unexpected keys and
        wrongly shaped values. With ``strict=False`` missing and unexpected
        keys are allowed (shapes must still match). Returns
        ``(missing_keys, unexpected_keys)``.

        >>> import nn
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        """
        targets = OrderedDict()
        for mprefix, m in self.named_modules():
            for store, names in ((m._parameters, None), (m._buffers, m._persistent)):
                for name, v in store.items():
                    if v is not None and (names is None or name in names):
                        targets[f"{mprefix}.{name}" if mprefix else name] = v
        given = OrderedDict((k, v.data if isinstance(v, Tensor) else np.asarray(v)) for k, v in sd.items())
        missing = [k for k in targets if k not in given]
        unexpected = [k for k in given if k not in targets]
        wrong = [
            f"{k}: expected shape {targets[k].data.shape}, got {given[k].shape}"
            for k in targets
            if k in given and given[k].shape != targets[k].data.shape
        ]
        problems = []
        if wrong:
            problems.append("wrongly shaped: " + "; ".join(wrong))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise RuntimeError(
                f"load_state_dict into {type(self).__name__}: " + " | ".join(problems) + ". Nothing was loaded."
            )
        for k, t in targets.items():
            if k in given:
                value = given[k]
                if value.dtype.kind not in "biuf":
                    raise TypeError(f"load_state_dict: {k} holds dtype {value.dtype}, expected numbers")
                if t.data.flags.writeable:
                    t.data[...] = value.astype(t.data.dtype, copy=False)
                else:
                    t.data = np.array(value, dtype=t.data.dtype)
                mark_modified(t.data)
        return IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The arguments shown in ``repr`` (override in layers)."""
        return ""

    def _repr_lines(self) -> str:
        n_own = sum(p.size for p in self._parameters.values() if p is not None)
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            tail = f"  [{_count(n_own)} params]" if n_own else ""
            return head + ")" + tail
        lines = [head]
        for name, m in self._modules.items():
            body = "None" if m is None else m._repr_lines()
            body = body.replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

    def __repr__(self) -> str:
        total = sum(p.size for p in self.parameters())
        trainable = sum(p.size for p in self.parameters() if p.requires_grad)
        text = self._repr_lines()
        if self._modules:
            extra = "" if trainable == total else f", {_count(trainable)} trainable"
            text += f"  # {_count(total)} parameters{extra}"
        return text

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


class RemovableHandle:
    """Returned by :meth:`Module.register_forward_hook`; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_key")
    _next_key = [0]

    def __init__(self, hooks: dict, hook) -> None:
        self._next_key[0] += 1
        self._hooks = hooks
        self._key = self._next_key[0]
        hooks[self._key] = hook

    def remove(self) -> None:
        """Unregister the hook (calling it twice is harmless)."""
        self._hooks.pop(self._key, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class IncompatibleKeys(tuple):
    """``(missing_keys, unexpected_keys)`` returned by ``load_state_dict``."""

    def __new__(cls, missing: list, unexpected: list):
        return super().__new__(cls, (missing, unexpected))

    @property
    def missing_keys(self) -> list:
        return self[0]

    @property
    def unexpected_keys(self) -> list:
        return self[1]

    def __repr__(self) -> str:
        return f"IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"


def _as_buffer(value) -> Tensor:
    if isinstance(value, Tensor):
        return value.detach() if value.requires_grad else value
    return Tensor(np.asarray(value))


# ---------------------------------------------------------------- containers
_MODULE_CALL = Module.__call__


class Sequential(Module):
    """Modules applied one after another; indexable and sliceable.

    >>> import nn, autograd_lite as ag
    >>> net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    >>> net(ag.ones(3, 2)).shape, len(net), type(net[1:]).__name__
    ((3, 1), 3, 'Sequential')
    """

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(str(name), m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not an nn.Module")
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            # a module without forward hooks (and with Module's own __call__) is called
            # through forward() directly: what __call__ would do, minus a layer of calls
            x = m.forward(x) if not m._forward_hooks and type(m).__call__ is _MODULE_CALL else m(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        try:
            return items[idx][1]
        except IndexError:
            raise IndexError(f"Sequential index {idx} is out of range for {len(items)} modules") from None

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them).

    >>> import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _reindex(self, mods: list) -> None:
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._reindex(mods)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(mods[idx])
        return mods[idx]

    def __setitem__(self, idx: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods[idx] = module
        self._reindex(mods)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your own forward()")


class Identity(Module):
    """Returns its input unchanged (a placeholder layer).

    >>> import nn
    >>> nn.Identity()(3.0)
    3.0
    """

    def forward(self, x):
        return x


class Flatten(Module):
    """Flatten axes ``start_dim`` to ``end_dim`` (by default all but the batch axis).

    >>> import nn, autograd_lite as ag
    >>> nn.Flatten()(ag.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        return ag.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

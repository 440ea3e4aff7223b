"""Reading a recorded graph without changing it.

Everything in :mod:`autograd_lite.viz` goes through here: the tensors behind
a root in the engine's order, readable names for them, and a *replay* of the
backward pass that calls each node's VJP rule exactly as the engine does,
but keeps every gradient in a dictionary instead of writing ``.grad``. That
is why a graph can be drawn or explained before ``backward()``, after it,
and after a ``backward()`` that released the graph (its values stay).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..graph import _inplace_epoch, modified_since, no_grad
from ..tensor import Tensor, _make, _topo_order, _wrap_const


class Edge:
    """One chain-rule step: the gradient of ``out`` handed to input ``index`` of its node."""

    __slots__ = ("out", "index", "inp", "upstream", "contribution", "error")

    def __init__(self, out: Tensor, index: int, inp: Tensor) -> None:
        self.out = out
        self.index = index
        self.inp = inp
        self.upstream = None  # ndarray: the gradient of ``out``
        self.contribution = None  # ndarray shaped like ``inp`` (None: the rule gives no gradient)
        self.error = None  # why the rule could not be run, if it could not

    @property
    def node(self):
        return self.out.grad_fn


class Graph:
    """The tensors behind ``root``.

    ``order`` holds the non-leaf tensors in the order the engine processes
    them (root first, the order of ``_topo_order``); ``leaves`` the leaf
    tensors (parameters, inputs, constants that are tensors) in order of
    first use in the forward pass.
    """

    def __init__(self, root: Tensor) -> None:
        if not isinstance(root, Tensor):
            raise TypeError(f"expected a Tensor as the root of the graph, got {type(root).__name__}")
        self.root = root
        self.order = _topo_order([root])
        self.leaves, self.forward = _program_order(root)

    # ``forward``: non-leaf tensors, each after every tensor it was made from, first inputs
    # first, which for code written left to right is close to the order it ran in.

    def tensors(self) -> list:
        """Leaves first, then the non-leaf tensors in forward order."""
        return self.leaves + self.forward


def _program_order(root: Tensor) -> tuple[list, list]:
    """Leaves and non-leaf tensors in a forward order: a depth-first post-order visiting inputs left first.

    Iterative, like the engine's sort: deep graphs are normal.
    """
    leaves, forward, seen = [], [], set()
    stack = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            forward.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.grad_fn is None:
            leaves.append(t)
            continue
        stack.append((t, True))
        for a in reversed(t.grad_fn.inputs):
            if isinstance(a, Tensor) and id(a) not in seen:
                stack.append((a, False))
    return leaves, forward


# ------------------------------------------------------------------- names
def name_sources(model=None, names=None) -> dict:
    """``id(tensor) -> name`` from a Module (its parameters) and/or a mapping or pairs.

    A mapping may hold other things besides tensors (``names=locals()``
    works); those are ignored. The first name given to a tensor wins.
    """
    out: dict = {}
    for src in (names, model):
        if src is None:
            continue
        if hasattr(src, "named_parameters"):
            pairs = src.named_parameters()
        elif isinstance(src, Mapping):
            pairs = src.items()
        elif isinstance(src, Iterable):
            pairs = src
        else:
            raise TypeError(
                f"expected an nn.Module, a mapping of names to tensors or (name, tensor) pairs, "
                f"got {type(src).__name__}"
            )
        for item in pairs:
            try:
                name, t = item
            except (TypeError, ValueError):
                raise TypeError(f"expected (name, tensor) pairs, got {item!r:.60}") from None
            if isinstance(t, Tensor) and not str(name).startswith("_"):
                out.setdefault(id(t), str(name))
    return out


def auto_names(graph: Graph, given: dict) -> dict:
    """A name for every tensor of the graph: the given ones, else ``x1, x2`` for leaves
    that require grad, ``c1, c2`` for constant tensors, ``t1, t2`` (forward order) for
    the rest; an unnamed root is ``out``."""
    names = {}
    counts = {"x": 0, "c": 0, "t": 0}
    taken = set(given.values())

    def fresh(prefix: str) -> str:
        while True:
            counts[prefix] += 1
            n = f"{prefix}{counts[prefix]}"
            if n not in taken:
                return n

    for t in graph.leaves:
        names[id(t)] = given.get(id(t)) or fresh("x" if t.requires_grad else "c")
    for t in graph.forward:
        if t is graph.root and id(t) not in given:
            names[id(t)] = "out" if "out" not in taken else fresh("t")
        else:
            names[id(t)] = given.get(id(t)) or fresh("t")
    return names


# --------------------------------------------------------------- formatting
def fmt_num(x) -> str:
    """A number with 6 significant digits, without noise (``-4``, ``0.5``, ``-0.00416493``)."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.6g}"


def fmt_const(v) -> str:
    """A non-tensor argument of an operation, short."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, float, np.number)):
        return fmt_num(v) if isinstance(v, (float, np.floating)) else str(v)
    if isinstance(v, np.ndarray):
        if v.dtype == bool:
            return f"mask{v.shape}"
        if v.size == 1:
            return fmt_num(v.item()) if v.dtype.kind in "fc" else str(v.item())
        if v.size <= 4 and v.dtype.kind in "biuf":
            return "[" + ", ".join(fmt_num(x) for x in v.ravel()) + "]"
        return f"array{v.shape}"
    if isinstance(v, (tuple, list)) and len(v) <= 6:
        inner = ", ".join(fmt_const(x) for x in v)
        return f"({inner}{',' if len(v) == 1 else ''})" if isinstance(v, tuple) else f"[{inner}]"
    if isinstance(v, slice):
        return ":".join("" if x is None else str(x) for x in (v.start, v.stop, v.step)).rstrip(":") or ":"
    s = repr(v)
    return s if len(s) <= 24 else s[:21] + "..."


def stats(arr: np.ndarray) -> str:
    """``mean``, ``|max|`` and the shape of an array; the values themselves when it is tiny."""
    arr = np.asarray(arr)
    if arr.size == 1:
        return fmt_num(arr.item())
    if arr.size == 0:
        return f"{arr.shape} (empty)"
    if arr.size <= 4:
        return "[" + ", ".join(fmt_num(x) for x in arr.ravel()) + "]"
    with np.errstate(all="ignore"):
        finite = np.isfinite(arr).all()
        extra = "" if finite else f", {int((~np.isfinite(arr)).sum())} non-finite"
        return f"{arr.shape} mean {fmt_num(np.mean(arr))}, |max| {fmt_num(np.max(np.abs(arr)))}{extra}"


_masks = (np.ndarray, np.bool_)


def op_signature(node, names: dict) -> str:
    """``mul(a, b)``, ``pow(e, 2)``, ``sum(t3, axis=1)``: the operation with its arguments."""
    ins = node.inputs
    parts = [names.get(id(a), "?") if isinstance(a, Tensor) else fmt_const(a) for a in ins]
    if node.prim.name == "where" and len(ins) == 3 and isinstance(ins[1], Tensor) and isinstance(ins[0], _masks):
        # relu and friends record where(x > 0, x, ...): say so rather than print a mask
        mask, x = np.asarray(ins[0]), ins[1].data
        if mask.shape == x.shape and np.array_equal(mask, x > 0):
            parts[0] = f"{parts[1]} > 0"
        elif mask.shape == x.shape and np.array_equal(mask, x >= 0):
            parts[0] = f"{parts[1]} >= 0"
    parts += [f"{k}={fmt_const(v)}" for k, v in node.kwargs.items() if v is not None and v is not False]
    return f"{node.prim.name}({', '.join(parts)})"


# ------------------------------------------------------------------ replay
def _rule_contribution(out: Tensor, i: int, g: np.ndarray) -> np.ndarray | None:
    """Call the VJP rule of ``out``'s node for input ``i`` with upstream ``g``, as ``backward()`` does.

    Like the engine's untraced pass: a primitive's NumPy rules when it has
    them (the library's own), its Tensor rules otherwise (user primitives).
    """
    node = out.grad_fn
    prim = node.prim
    fast, fast_argnum = getattr(prim, "fast", None), getattr(prim, "fast_argnum", None)
    g = np.asarray(g)
    # inf and NaN gradients are shown (coloured), not warned about a second time
    with no_grad(), np.errstate(all="ignore"):
        if fast is not None or fast_argnum is not None:
            raw = getattr(node, "raw", None)
            if raw is None:
                raw = tuple(a.data if isinstance(a, Tensor) else a for a in node.inputs)
            if fast is not None:
                c = fast[i](g, out.data, *raw, **node.kwargs) if i < len(fast) and fast[i] is not None else None
            else:
                c = fast_argnum(i, g, out.data, *raw, **node.kwargs)
        else:
            dt = out.data.dtype
            targs = [a if isinstance(a, Tensor) else _wrap_const(a, dt) for a in node.inputs]
            c = prim.vjp(i, _make(g), out, targs, node.kwargs)
    if c is None:
        return None
    arr = c.data if isinstance(c, Tensor) else np.asarray(c)
    inp = node.inputs[i]
    if arr.shape != inp.data.shape:
        raise ValueError(
            f"{prim.name}: the gradient rule for input {i} returned shape {arr.shape}, but that input has "
            f"shape {inp.data.shape}"
        )
    return arr if arr.dtype == inp.data.dtype else arr.astype(inp.data.dtype)


def _grad_inputs(node) -> list:
    """Positions of the inputs that required grad when the operation ran (the ones the engine visits)."""
    idx = getattr(node, "grad_idx", None)
    if idx is not None:
        return list(idx)
    return [i for i, a in enumerate(node.inputs) if isinstance(a, Tensor) and a.requires_grad]


def _modified_input(out: Tensor) -> str | None:
    node = out.grad_fn
    if _inplace_epoch[0] <= node.epoch:
        return None
    changed = [i for i, a in enumerate(node.inputs) if isinstance(a, Tensor) and modified_since(a.data, node.epoch)]
    if changed:
        which = f"input {changed[0]}" if len(changed) == 1 else "inputs " + ", ".join(map(str, changed))
        return (
            f"{which} of '{node.prim.name}' changed in place after the operation ran (an optimizer step?); "
            f"draw or explain before optimizer.step(), or run the forward pass again"
        )
    if modified_since(out.data, node.epoch):
        return f"the output of '{node.prim.name}' was modified in place after the operation ran"
    return None


def seed_for(root: Tensor, gradient=None) -> np.ndarray:
    """The gradient the replay starts from: ``gradient``, or ones (the gradient of ``root.sum()``)."""
    if gradient is None:
        return np.ones_like(root.data)
    arr = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if arr.shape != root.data.shape:
        raise ValueError(f"gradient: expected shape {root.data.shape} (the root's shape), got shape {arr.shape}")
    return arr.astype(root.data.dtype, copy=False)


def replay(graph: Graph, gradient=None) -> tuple[dict, list]:
    """Run the backward pass of ``graph.root`` without writing any ``.grad``.

    Returns ``(grads, edges)``: ``grads`` maps ``id(tensor)`` to the gradient
    of the root with respect to it (for every tensor that requires grad and
    leads to the root), and ``edges`` lists each chain-rule step in the order
    the engine takes them. Tensor hooks are not run (they may have side effects).
    """
    root = graph.root
    grads: dict = {}
    if not root.requires_grad:
        return grads, []
    grads[id(root)] = seed_for(root, gradient)
    edges = []
    for t in graph.order:
        g = grads.get(id(t))
        if g is None:
            continue
        node = t.grad_fn
        problem = _modified_input(t)
        for i in _grad_inputs(node):
            inp = node.inputs[i]
            e = Edge(t, i, inp)
            e.upstream = g
            edges.append(e)
            if problem:
                e.error = problem
                continue
            try:
                e.contribution = _rule_contribution(t, i, g)
            except Exception as exc:  # a broken rule is shown, not raised: the drawing must still appear
                e.error = f"{type(exc).__name__}: {exc}"
                continue
            if e.contribution is None:
                continue
            key = id(inp)
            prev = grads.get(key)
            with np.errstate(all="ignore"):
                grads[key] = e.contribution if prev is None else prev + e.contribution
    return grads, edges


def local_derivative(edge: Edge) -> np.ndarray | None:
    """The rule called with upstream 1: the local partial derivative d out / d input (scalars)."""
    try:
        return _rule_contribution(edge.out, edge.index, np.ones_like(edge.upstream))
    except Exception:
        return None


# ----------------------------------------------------- numerical derivatives
def _forward_from(graph: Graph, replaced: dict) -> np.ndarray:
    """Re-run the forward pass with some tensors' values replaced; return the root's value."""
    vals = dict(replaced)
    for t in graph.forward:
        node = t.grad_fn
        if not any(isinstance(a, Tensor) and id(a) in vals for a in node.inputs):
            continue
        args = [vals.get(id(a), a.data) if isinstance(a, Tensor) else a for a in node.inputs]
        with no_grad(), np.errstate(all="ignore"):
            vals[id(t)] = np.asarray(node.prim.fn(*args, **node.kwargs))
    return vals.get(id(graph.root), graph.root.data)


def numerical_grad_of(graph: Graph, t: Tensor, seed: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference derivative of ``sum(seed * root)`` with respect to tensor ``t``."""
    base = np.array(t.data, dtype=np.float64, order="C")
    out = np.zeros(base.shape)
    flat, gflat = base.reshape(-1), out.reshape(-1)
    with np.errstate(all="ignore"):
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            hi = np.sum(seed * _forward_from(graph, {id(t): base.copy()}))
            flat[k] = orig - eps
            lo = np.sum(seed * _forward_from(graph, {id(t): base.copy()}))
            flat[k] = orig
            gflat[k] = (hi - lo) / (2 * eps)
    return out


def numerical_vjp(out: Tensor, i: int, cotangent: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference VJP of one node alone: d sum(cotangent * node(inputs)) / d input ``i``."""
    node = out.grad_fn
    args = [a.data if isinstance(a, Tensor) else a for a in node.inputs]
    base = np.array(args[i], dtype=np.float64, order="C")
    res = np.zeros(base.shape)
    flat, rflat = base.reshape(-1), res.reshape(-1)
    with no_grad(), np.errstate(all="ignore"):
        for k in range(flat.size):
            orig = flat[k]
            vals = []
            for step in (eps, -eps):
                flat[k] = orig + step
                args[i] = base.copy()
                vals.append(np.sum(cotangent * np.asarray(node.prim.fn(*args, **node.kwargs))))
            flat[k] = orig
            rflat[k] = (vals[0] - vals[1]) / (2 * eps)
    return res

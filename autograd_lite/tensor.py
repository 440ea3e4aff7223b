"""The Tensor and the reverse-mode engine.

A :class:`Tensor` wraps a NumPy array. An operation on tensors that require
grad records itself in its result (``grad_fn`` shows the record as a
:class:`~autograd_lite.graph.Node`); :meth:`Tensor.backward` visits those
records in reverse topological order and applies each primitive's
vector-Jacobian product rule. The tensor has no maths of its own: operators
and methods are attached by :mod:`autograd_lite.ops`.
"""

from __future__ import annotations

import gc
from heapq import heapify, heappop, heappush, heappushpop

import numpy as np

from . import config
from .graph import Node, _grad_state, _inplace_epoch, _inputs_of, _memory_owner, _pass, _raw_of, modified_since

_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__


def _as_array(data, dtype=None) -> np.ndarray:
    """Turn user data into an ndarray, following the library's dtype rules.

    NumPy arrays and NumPy scalars keep their dtype and are copied (as
    ``torch.tensor`` does; ``ag.from_numpy`` shares memory instead); Python
    numbers and (nested) lists of numbers become the default float dtype;
    booleans stay boolean.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    if isinstance(data, (_ndarray, np.generic)):
        return np.array(data)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Tensor: cannot build a tensor from {type(data).__name__}: {e}") from None
    kind = arr.dtype.kind
    if kind in "iuf":
        return arr.astype(config._state["dtype"], copy=False)
    if kind in "bc":
        return arr
    raise TypeError(
        f"Tensor: expected numbers, nested lists of numbers or a NumPy array, got "
        f"{type(data).__name__} holding dtype {arr.dtype}"
    )


def _check_float(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind not in "fc":
        raise TypeError(
            f"{what}: only floating-point tensors can require gradients, but this tensor has "
            f"dtype {arr.dtype}; gradients of integer or boolean values are not defined. "
            f"Build it with dtype=np.float64 (or float32), or call .astype(np.float64) first."
        )


class Tensor:
    """An n-dimensional array that records operations for reverse-mode autodiff.

    >>> import autograd_lite as ag
    >>> x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # The fields from ``_prim`` on are the record of the operation that made the tensor
    # (``_prim`` is None for a leaf; inputs as in graph._inputs_of); ``grad_fn`` shows them as a Node.
    __slots__ = (
        "data", "grad", "requires_grad", "_meta", "__weakref__",
        "_prim", "_kwargs", "_epoch", "_grad_idx", "_consumed", "_seq",
        "_nin", "_x", "_y", "_z", "_xd", "_yd", "_zd",
    )  # fmt: skip
    # Let NumPy hand mixed expressions (array + tensor) to our operators.
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None) -> None:
        arr = _as_array(data, dtype)
        if requires_grad:
            _check_float(arr, "Tensor(requires_grad=True)")
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._prim = None
        self._meta = None

    # ----------------------------------------------------------------- basics
    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by an operation."""
        return self._prim is None

    @property
    def grad_fn(self) -> Node | None:
        """The operation that made this tensor (a :class:`Node`), ``None`` for a leaf.

        >>> import autograd_lite as ag
        >>> (ag.ones(2, requires_grad=True) * 2).grad_fn
        <mul>
        """
        return None if self._prim is None else Node(self)

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.data.shape[0]):
            yield self[i]

    # comparisons are elementwise, identity is the hash (object's own, in C: the engine keys
    # its dicts by tensor, and two live tensors never share a hash, so == is never called)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements (shape {self.data.shape}) "
                f"is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(
                f"only integer tensors with one element can be used as an index, got dtype "
                f"{self.data.dtype} and shape {self.data.shape}"
            )
        return int(self.data.item())

    def __format__(self, spec: str) -> str:
        if spec and self.data.size == 1:
            return format(self.data.item(), spec)  # f"{loss:.4f}" works as for a number
        return format(repr(self), spec)

    def __round__(self, ndigits: int | None = None):
        if self.data.size == 1 and ndigits is None:
            return round(self.data.item())
        return _make(np.round(self.data, ndigits or 0))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        if copy:
            return self.data.copy()
        return self.data

    # ------------------------------------------------------------ conversions
    def item(self):
        """The value of a one-element tensor as a Python number.

        >>> import autograd_lite as ag
        >>> ag.tensor([2.5]).item()
        2.5
        """
        if self.data.size != 1:
            raise ValueError(
                f"item(): expected a tensor with exactly one element, got shape {self.data.shape} "
                f"({self.data.size} elements)"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying NumPy array (no copy: changes to it show in the tensor).

        >>> import autograd_lite as ag
        >>> ag.tensor([1.0, 2.0]).numpy()
        array([1., 2.])
        """
        return self.data

    def tolist(self):
        """The values as (nested) Python lists.

        >>> import autograd_lite as ag
        >>> ag.tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph.

        >>> import autograd_lite as ag
        >>> x = ag.ones(2, requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        return _make(self.data)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf to ``flag`` in place and return it.

        >>> import autograd_lite as ag
        >>> ag.zeros(3).requires_grad_().requires_grad
        True
        """
        if self.grad_fn is not None:
            if flag:
                return self
            raise RuntimeError(
                f"requires_grad_(False): only leaf tensors can change requires_grad; this tensor was "
                f"made by '{self.grad_fn.name}'. Use .detach() to get a tensor outside the graph."
            )
        if flag:
            _check_float(self.data, "requires_grad_()")
        self.requires_grad = bool(flag)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward.

        >>> import autograd_lite as ag
        >>> x = ag.tensor(3.0, requires_grad=True)
        >>> y = x * x; y.retain_grad(); (y * 2).backward()
        >>> y.grad.item()
        2.0
        """
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad, so it never gets one")
        if self.grad_fn is None:
            return  # leaves keep their grad anyway
        self._meta_dict()["retain"] = True

    def register_hook(self, hook) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        If the hook returns a tensor (or array), it replaces the gradient.
        Returns a handle whose ``remove()`` unregisters the hook.

        >>> import autograd_lite as ag
        >>> x = ag.tensor(1.0, requires_grad=True)
        >>> _ = x.register_hook(lambda g: g * 10)
        >>> (x * 3).backward(); x.grad.item()
        30.0
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that does not require grad")
        if not callable(hook):
            raise TypeError(f"register_hook(): expected a callable, got {type(hook).__name__}")
        hooks = self._meta_dict().setdefault("hooks", [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def _meta_dict(self) -> dict:
        if self._meta is None:
            self._meta = {}
        return self._meta

    # ---------------------------------------------------------------- backward
    def backward(self, gradient=None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``gradient`` is required when this tensor is not a scalar: it is the
        vector in the vector-Jacobian product and must have this tensor's shape.

        >>> import autograd_lite as ag
        >>> a = ag.tensor(2.0, requires_grad=True)
        >>> (a ** 3).backward(); a.grad.item()
        12.0
        """
        run_backward((self,), (gradient,), retain_graph=retain_graph, create_graph=create_graph)

    # ------------------------------------------------------------------- repr
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", threshold=200)
        extras = []
        dt = self.data.dtype
        if dt not in (config._state["dtype"], np.int64, np.bool_):  # the dtypes one reads off the values
            extras.append(f"dtype={dt}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.data.size == 0:
            extras.insert(0, f"shape={self.data.shape}")
        tail = "".join(", " + e for e in extras)
        return f"tensor({body}{tail})"

    __str__ = __repr__


class _HookHandle:
    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _grad_tensor(g) -> Tensor:
    """A gradient of the untraced pass as a tensor: NumPy arithmetic on 0-d arrays gives
    NumPy scalars, and what users see (``.grad``, hooks, ``ag.grad``) holds arrays."""
    return _make(g if type(g) is _ndarray else _asarray(g))


def _make(data: np.ndarray) -> Tensor:
    """Build a leaf tensor without validation (operations build theirs in ``primitive``)."""
    t = _new(Tensor)
    t.data = data
    t.grad = t._prim = t._meta = None
    t.requires_grad = False
    return t


# --------------------------------------------------------------------- engine
def _topo_order(roots) -> list:
    """Non-leaf tensors reachable from ``roots``, each before every tensor it was made from.

    Iterative depth-first search (graphs a million operations deep are
    normal): each stack entry keeps an iterator over its node's inputs, so a
    tensor is pushed once and finished once.
    """
    order = []
    seen = set()
    add = seen.add
    for r in roots:
        if r._prim is None or r in seen:
            continue
        add(r)
        stack = [(r, iter(_inputs_of(r)))]
        push, top = stack.append, stack.pop
        while stack:
            t, it = stack[-1]
            for p in it:
                if type(p) is not Tensor and not isinstance(p, Tensor):
                    continue
                if p._prim is not None and p not in seen:
                    add(p)
                    push((p, iter(_inputs_of(p))))
                    break
            else:
                top()
                order.append(t)
    order.reverse()
    return order


def _leading_to(order: list, wanted: dict) -> set:
    """Ids of the tensors in ``order`` (and leaves) from which a wanted tensor can be reached."""
    useful = set(wanted)
    for t in reversed(order):  # inputs before the tensors made from them
        if t in useful:
            continue
        for p in _inputs_of(t):
            if isinstance(p, Tensor) and p in useful:
                useful.add(t)
                break
    return useful


def _as_grad_array(g, like: Tensor, what: str) -> np.ndarray:
    arr = g.data if isinstance(g, Tensor) else np.asarray(g)
    if arr.shape != like.data.shape:
        raise ValueError(
            f"{what}: expected a gradient of shape {like.data.shape} (the tensor's shape), got shape {arr.shape}"
        )
    if arr.dtype != like.data.dtype:
        arr = arr.astype(like.data.dtype)
    return arr


def _wrap_const(value, dtype) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _ndarray):
        return _make(value)
    arr = np.asarray(value)
    if dtype.kind in "fc" and arr.dtype.kind in "biuf":
        arr = arr.astype(dtype)  # a Python scalar is "weak": it takes the result's dtype
    return _make(arr)


def _run_hooks(t: Tensor, g: Tensor) -> Tensor:
    for hook in t._meta.get("hooks", ()):
        r = hook(g)
        if r is not None:
            g = r if isinstance(r, Tensor) else _make(np.asarray(r))
            if g.data.shape != t.data.shape:
                raise ValueError(
                    f"register_hook: the hook returned a gradient of shape {g.data.shape}, expected {t.data.shape}"
                )
            if g.data.dtype != t.data.dtype:
                g = g.astype(t.data.dtype)
    return g


def _seed(r: Tensor, g, create_graph: bool) -> Tensor:
    if not isinstance(r, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(r).__name__}")
    if not r.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; create the leaves "
            "with requires_grad=True (and not inside ag.no_grad()) to differentiate through them"
        )
    if g is None:
        if r.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be created implicitly only for scalar outputs, but this tensor "
                f"has shape {r.data.shape}; pass gradient= with that shape (e.g. ag.ones_like(y))"
            )
        ones = np.array(1, dtype=r.data.dtype)  # cheaper than np.ones_like for the usual 0-d loss
        return _make(ones.reshape(r.data.shape) if r.data.ndim else ones)
    if isinstance(g, Tensor) and g.requires_grad and create_graph:
        _as_grad_array(g, r, "backward(gradient=...)")
        return g if g.data.dtype == r.data.dtype else g.astype(r.data.dtype)
    # the caller keeps their array: copy it so no .grad can alias it
    return _make(np.array(_as_grad_array(g, r, "backward(gradient=...)")))


def run_backward(roots, grad_outputs, retain_graph=False, create_graph=False, inputs=None):
    """The engine: propagate ``grad_outputs`` from ``roots`` back through the graph.

    With ``inputs=None`` gradients of leaves accumulate into their ``.grad``.
    With ``inputs`` (a sequence of tensors) nothing is written to ``.grad``;
    the gradients of those tensors are returned (``None`` where a tensor does
    not influence the roots), and only the part of the graph that leads to
    them is visited. With ``create_graph`` the backward pass is itself
    recorded, so the gradients can be differentiated again; without it,
    gradients travel as plain arrays and primitives use their NumPy rules.
    """
    # The engine makes no reference cycles, so the cyclic collector has nothing to find
    # here; left on, it would rescan the whole (possibly huge) graph again and again
    # while the sort and the pass allocate.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if not create_graph and inputs is None:
            return _backward_untraced(roots, grad_outputs, retain_graph)
        return _run_backward(roots, grad_outputs, retain_graph, create_graph, inputs)
    finally:
        if gc_was_enabled:
            gc.enable()


def _seed_all(roots, grad_outputs, traced: bool) -> tuple[dict, dict]:
    """The roots' gradients: non-leaf -> gradient and leaf -> gradient (Tensors when traced, else arrays)."""
    grads, leaf_grads = {}, {}
    for r, g in zip(roots, grad_outputs):
        g = _seed(r, g, traced)
        if not traced:
            g = g.data
        store = leaf_grads if r._prim is None else grads  # a leaf: differentiated with respect to itself
        prev = store.get(r)
        store[r] = g if prev is None else prev + g
    return grads, leaf_grads


def _backward_untraced(roots, grad_outputs, retain_graph: bool) -> None:
    """``_run_backward`` for its most common call: gradients as arrays, accumulated into ``.grad``."""
    grads, leaf_grads = _seed_all(roots, grad_outputs, False)
    state = _grad_state
    prev_mode = state.enabled
    state.enabled = False
    assigned = set()
    try:
        if grads:
            _run_untraced(roots, grads, leaf_grads, retain_graph, assigned)
        # leaves: hooks see the total gradient of this backward, then it accumulates
        for leaf, g in leaf_grads.items():
            if leaf._meta is None:
                _accumulate_leaf_array(leaf, g, assigned)
                continue
            g = _grad_tensor(g)
            if "hooks" in leaf._meta:
                g = _run_hooks(leaf, g)
            _accumulate_leaf(leaf, g, False, assigned)
    finally:
        state.enabled = prev_mode


def _run_backward(roots, grad_outputs, retain_graph, create_graph, inputs):
    """The general pass: recorded (``create_graph``) and/or restricted to ``inputs``.

    It sorts the graph first (``_topo_order``), so that with ``inputs`` only the
    part that leads to them is visited, and it runs the Tensor rules when the
    pass is recorded. The everyday ``loss.backward()`` takes ``_backward_untraced``.
    """
    retain_graph = retain_graph or create_graph  # the new graph reuses the old one's nodes
    traced = bool(create_graph)
    grads, leaf_grads = _seed_all(roots, grad_outputs, traced)

    wanted = None if inputs is None else {t: None for t in inputs}
    order = _topo_order(roots)
    useful = None
    if wanted is not None:
        useful = _leading_to(order, wanted)
        order = [t for t in order if t in useful]
    for t in order:
        if t._consumed:
            _already_consumed(t)

    as_tensor = (lambda g: g) if traced else _grad_tensor
    prev_mode = _grad_state.enabled
    _grad_state.enabled = traced
    assigned = set()
    try:
        for t in order:
            g = grads.pop(t, None)
            if not retain_graph:
                t._consumed = True
            if g is None:
                continue  # this branch does not reach the roots
            if t._meta is not None:
                g = _tensor_meta(t, g, traced, assigned, retain=wanted is None)
            if wanted is not None and t in wanted:
                wanted[t] = as_tensor(g)
            _propagate(t, g, grads, leaf_grads, traced, useful)
        # leaves: hooks see the total gradient of this backward, then it accumulates
        for leaf, g in leaf_grads.items():
            g = as_tensor(g)
            if leaf._meta is not None and "hooks" in leaf._meta:
                g = _run_hooks(leaf, g)
            if wanted is not None:
                if leaf in wanted:
                    wanted[leaf] = g
                continue
            _accumulate_leaf(leaf, g, traced, assigned)
    finally:
        _grad_state.enabled = prev_mode
    if wanted is not None:
        return [wanted[t] for t in inputs]
    return None


def _already_consumed(t: Tensor) -> None:
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time (the '{t._prim.name}' node was "
        f"already used by an earlier backward, which released it). Pass retain_graph=True to the "
        f"first backward() if you need to backward through it again. The graph can still be "
        f"inspected and drawn."
    )


def _run_untraced(roots, grads: dict, leaf_grads: dict, retain_graph: bool, assigned: set) -> None:
    """The common backward pass, written for speed: arrays, NumPy rules, everything inline.

    It does what the general loop in ``run_backward`` with ``_propagate`` does
    for an untraced pass that accumulates into ``.grad``, without sorting the
    graph first: operations are numbered as they run (``Node.seq``) and every
    input is older than the node that uses it, so a heap that always hands out
    the newest tensor still waiting for its gradient visits them in reverse
    topological order. A tensor enters the heap with its first gradient
    contribution; by the time it leaves, every tensor made from it is done.
    Heap entries are ``(-seq, id, tensor)``: copies of a tensor share its record
    and its ``seq``, and the id keeps the heap from comparing two tensors.
    """
    heap = []
    seen = set()
    for t in roots:
        if t._prim is not None and t not in seen:
            seen.add(t)
            heap.append((-t._seq, id(t), t))
    heapify(heap)
    hpop, hpush, hpushpop = heappop, heappush, heappushpop
    pop, get, lget = grads.pop, grads.get, leaf_grads.get
    epoch = _inplace_epoch
    # ``nxt`` holds the first tensor a node handed a new gradient to, outside the heap: in
    # a chain (most of any graph) it is the very next tensor to visit, and the heap is
    # never touched. Before visiting it, it is compared with the heap's newest entry.
    nxt = None
    while True:
        if nxt is not None:
            t = nxt
            nxt = None
            if heap and heap[0][0] < -t._seq:  # a newer tensor is waiting
                t = hpushpop(heap, (-t._seq, id(t), t))[2]
        elif heap:
            t = hpop(heap)[2]
        else:
            break
        g = pop(t)
        if t._consumed:
            _already_consumed(t)
        t._consumed = not retain_graph
        if t._meta is not None:
            g = _tensor_meta(t, g, False, assigned, retain=True)
        fast = t._prim.fast
        if fast is None:  # a primitive with only Tensor rules (user-defined ones)
            ins = _inputs_of(t)
            before = {p for p in ins if isinstance(p, Tensor) and p in grads}
            _propagate(t, g, grads, leaf_grads, False, None)
            for p in ins:
                if isinstance(p, Tensor) and p._prim is not None and p in grads and p not in before:
                    before.add(p)
                    hpush(heap, (-p._seq, id(p), p))
            continue
        if epoch[0] > t._epoch:
            _check_unmodified(t)
        n, out = t._nin, t.data
        for i in t._grad_idx:
            try:
                rule = fast[i]
            except IndexError:
                continue
            if n:
                inp = t._x if i == 0 else t._y if i == 1 else t._z
            else:
                inp = t._x[i]
            d = inp.data
            if rule is _pass:  # the gradient of an op whose inputs have its output's shape
                c = g
            elif rule is None:
                continue
            else:
                kw = t._kwargs
                if kw:
                    c = rule(g, out, *_raw_of(t), **kw)
                elif n == 2:  # (plain calls: cheaper than unpacking *args)
                    c = rule(g, out, t._xd, t._yd)
                elif n == 1:
                    c = rule(g, out, t._xd)
                elif n == 3:
                    c = rule(g, out, t._xd, t._yd, t._zd)
                else:
                    c = rule(g, out, *t._xd)
                if c.shape != d.shape:
                    _bad_shape(t._prim, i, c.shape, d.shape)
            cd = c.dtype
            if cd is not d.dtype and cd != d.dtype:  # (NumPy's dtypes are mostly shared objects)
                c = c.astype(d.dtype)
            if inp._prim is None:
                prev = lget(inp)
                leaf_grads[inp] = c if prev is None else prev + c
            else:
                prev = get(inp)
                if prev is None:
                    grads[inp] = c
                    if nxt is None:
                        nxt = inp
                    else:
                        hpush(heap, (-inp._seq, id(inp), inp))
                else:
                    grads[inp] = prev + c


def _tensor_meta(t: Tensor, g, traced: bool, assigned: set, retain: bool):
    """A non-leaf's hooks (which may replace ``g``) and, if it retains its grad, the accumulation."""
    meta = t._meta
    if "hooks" in meta:
        g = _run_hooks(t, g if traced else _grad_tensor(g))
        g = g if traced else g.data
    if retain and meta.get("retain"):
        _accumulate_leaf(t, g if traced else _grad_tensor(g), traced, assigned)
    return g


def _bad_shape(prim, i: int, got: tuple, want: tuple):
    raise ValueError(
        f"{prim.name}: the gradient rule for input {i} returned shape {got}, but that input has "
        f"shape {want}. A rule must return a gradient shaped like its input; a primitive "
        f"that broadcasts its inputs should be declared with @ag.primitive(elementwise=True)."
    )


def _accumulate_leaf(leaf: Tensor, g: Tensor, create_graph: bool, assigned: set) -> None:
    old = leaf.grad
    if old is not None:
        old_shape = old.shape if isinstance(old, Tensor) else np.shape(old)
        if old_shape != leaf.data.shape:
            raise ValueError(
                f"backward: this tensor's existing .grad has shape {old_shape}, but the tensor has shape "
                f"{leaf.data.shape}; set .grad to None (or a tensor of the right shape) before backward"
            )
        if not isinstance(old, Tensor):
            old = _make(np.asarray(old))
    if create_graph:
        leaf.grad = g if old is None else old + g
        return
    if old is None:
        _accumulate_leaf_array(leaf, g.data, assigned)
    else:
        leaf.grad = _grad_tensor(old.data + g.data)


def _accumulate_leaf_array(leaf: Tensor, arr: np.ndarray, assigned: set) -> None:
    """``_accumulate_leaf`` for an untraced pass, taking the gradient as an array (the hot path)."""
    if leaf.grad is not None:
        _accumulate_leaf(leaf, _grad_tensor(arr), False, assigned)
        return
    if type(arr) is not _ndarray:  # a NumPy scalar (see _grad_tensor): a fresh 0-d array
        arr = _asarray(arr)
    # add passes its gradient through unchanged and slicing rules return views, so
    # one piece of memory can reach several tensors. Gradients are temporaries of
    # this backward pass: the first tensor to receive a piece of memory keeps it,
    # later ones (and read-only broadcasts) get a copy, so every .grad can be
    # changed in place without touching another.
    owner = arr if arr.base is None else _memory_owner(arr)
    if id(owner) in assigned or not arr.flags.writeable:
        arr = owner = arr.copy()
    assigned.add(id(owner))
    leaf.grad = _make(arr)


def _check_unmodified(t: Tensor) -> None:
    """Refuse to run a rule whose saved values were written in place after the op ran."""
    for i, inp in enumerate(_inputs_of(t)):
        if isinstance(inp, Tensor) and modified_since(inp.data, t._epoch):
            what = f"input {i} (shape {inp.data.shape})"
            break
    else:
        if not modified_since(t.data, t._epoch):
            return
        what = f"its output (shape {t.data.shape})"
    raise RuntimeError(
        f"backward: {what} of '{t._prim.name}' was modified in place after the operation ran (directly, "
        f"or through a view or a detached tensor sharing its memory); the value the gradient needs is gone. "
        f"Use an out-of-place operation (x = x + y) or .clone() the tensor before changing it."
    )


def _propagate(t: Tensor, g, grads: dict, leaf_grads: dict, traced: bool, useful) -> None:
    """Apply the VJP rules of the operation that made ``t`` to ``g``; hand each input its contribution.

    Untraced, ``g`` and the contributions are arrays, and a primitive's NumPy
    rules run when it has them; traced (``create_graph``), everything is a
    Tensor and the Tensor rules run, so the backward pass is recorded too.
    """
    if _inplace_epoch[0] > t._epoch:  # some in-place write happened since this node ran
        _check_unmodified(t)
    prim = t._prim
    inputs = _inputs_of(t)
    kwargs = t._kwargs
    fast = fast_argnum = None
    if not traced:
        fast, fast_argnum = prim.fast, prim.fast_argnum
    raw = _raw_of(t)
    targs = gt = None
    for i in t._grad_idx:  # no work for inputs that need no gradient
        inp = inputs[i]
        if useful is not None and inp not in useful:
            continue  # does not lead to any tensor the caller asked about
        if fast is not None or fast_argnum is not None:
            if fast is not None:
                if i >= len(fast) or fast[i] is None:
                    continue
                contrib = fast[i](g, t.data, *raw, **kwargs)
            else:
                contrib = fast_argnum(i, g, t.data, *raw, **kwargs)
            if contrib is None:
                continue
        else:
            if targs is None:
                dt = t.data.dtype
                targs = [a if isinstance(a, Tensor) else _wrap_const(a, dt) for a in inputs]
                gt = g if traced else _make(g)
            contrib = _call_rule(prim, i, gt, t, targs, kwargs, traced)
            if contrib is None:
                continue
        carr = contrib.data if traced else contrib
        if carr.shape != inp.data.shape:
            _bad_shape(prim, i, carr.shape, inp.data.shape)
        if carr.dtype != inp.data.dtype:
            contrib = contrib.astype(inp.data.dtype)
        store = leaf_grads if inp._prim is None else grads
        prev = store.get(inp)
        store[inp] = contrib if prev is None else prev + contrib


def _call_rule(prim, i: int, g: Tensor, t: Tensor, targs: list, kwargs: dict, traced: bool):
    """Run a Tensor rule; untraced, return its result as an array."""
    rules = prim.vjps
    try:
        if rules is not None:
            if i >= len(rules):
                raise NotImplementedError(
                    f"primitive '{prim.name}' has no gradient rule for input {i} (ag.defvjp gave "
                    f"{len(rules)} rules); pass one rule per positional input, None for no gradient"
                )
            rule = rules[i]
            if rule is None:
                return None
            contrib = rule(g, t, *targs, **kwargs)
        else:
            contrib = prim.vjp(i, g, t, targs, kwargs)
    except TypeError as e:
        raise TypeError(
            f"{prim.name}: calling its gradient rule for input {i} failed: {e}. A rule is called as "
            f"rule(g, out, *inputs, **kwargs) with Tensors and returns a Tensor"
        ) from e
    if contrib is None:
        return None
    if isinstance(contrib, Tensor):
        return contrib if traced else contrib.data
    if traced:
        raise TypeError(
            f"{prim.name}: the gradient rule for input {i} returned {type(contrib).__name__}, not a "
            f"Tensor; with create_graph=True rules must be written with Tensor operations so that "
            f"they can be differentiated again"
        )
    return np.asarray(contrib)

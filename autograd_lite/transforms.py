"""Function transforms: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``vjp``, ``jvp``.

Each takes a function and returns a function, and they compose:
``grad(grad(f))`` is the second derivative and ``hessian`` is
``jacobian(grad(f))``. They are built on the engine, never on finite
differences: while grad mode is on, the backward passes they run are
recorded (``create_graph``), so an outer transform can differentiate them.

The caller's tensors are never touched: each differentiated argument is
replaced by a fresh tensor (a new leaf, or an ``alias`` node when the
argument is itself part of an outer graph), and gradients are returned,
not written to ``.grad``.
"""

from __future__ import annotations

import functools

import numpy as np

from . import config
from .graph import enable_grad, is_grad_enabled
from .ops import alias, reshape, stack
from .tensor import Tensor, _make, _topo_order, run_backward


def _float_array(x, name: str) -> np.ndarray:
    if isinstance(x, (np.ndarray, np.generic)):
        arr = np.asarray(x)
        if arr.dtype.kind in "iub":
            arr = arr.astype(np.float64)
    else:  # Python numbers and lists take the default float dtype
        arr = np.asarray(x, dtype=config.get_default_dtype())
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{name}: cannot differentiate with respect to an argument of dtype {arr.dtype}")
    return arr


def _wrap_arg(x, name: str, outer: bool) -> Tensor:
    if isinstance(x, Tensor):
        if x.requires_grad and outer:
            return alias(x)  # stays connected to the outer graph
        if x.data.dtype.kind not in "fc":
            raise TypeError(
                f"{name}: cannot differentiate with respect to a tensor of dtype {x.data.dtype}; "
                f"use a floating dtype (e.g. .astype(np.float64))"
            )
        return Tensor(x.data, requires_grad=True)
    return Tensor(_float_array(x, name), requires_grad=True)


def _argnums(argnums, nargs: int, name: str) -> tuple:
    nums = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    for n in nums:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not -nargs <= n < nargs:
            raise ValueError(f"{name}: argnums={argnums!r} does not name one of the {nargs} positional arguments")
    return tuple(int(n) % nargs for n in nums)


def _prepare(args: tuple, argnums, name: str, outer: bool) -> tuple[list, tuple, list]:
    nums = _argnums(argnums, len(args), name)
    call = list(args)
    wrt = []
    for n in nums:
        call[n] = _wrap_arg(args[n], name, outer)
        wrt.append(call[n])
    return call, nums, wrt


def _zeros_for(t: Tensor) -> Tensor:
    return _make(np.zeros_like(t.data))


def _needs_recording(outputs: list, wrt: list) -> bool:
    """Should the backward pass be recorded, for an outer transform or backward() to use?

    Only if the caller records (grad mode on outside the transform) and the
    graph behind ``outputs`` reaches a tensor requiring grad other than the
    fresh leaves made for ``wrt``: an argument that came from an outer
    graph, or a tensor captured by ``f``. Otherwise the gradients are
    returned as plain tensors.
    """
    fresh = {id(w) for w in wrt if w.grad_fn is None}
    roots = [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]
    if any(o.grad_fn is None and id(o) not in fresh for o in roots):
        return True
    for t in _topo_order(roots):
        for a in t.grad_fn.inputs:
            if isinstance(a, Tensor) and a.requires_grad and a.grad_fn is None and id(a) not in fresh:
                return True
    return False


def _backward_to(outputs: list, cotangents: list, wrt: list, create_graph: bool) -> list:
    """Gradients of ``sum(outputs * cotangents)`` with respect to ``wrt`` (zeros where unconnected)."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if isinstance(o, Tensor) and o.requires_grad]
    if not pairs:
        return [_zeros_for(w) for w in wrt]
    grads = run_backward(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        retain_graph=True,
        create_graph=create_graph,
        inputs=wrt,
    )
    return [g if g is not None else _zeros_for(w) for g, w in zip(grads, wrt)]


def _tensor_outputs(out, name: str) -> list:
    """``f``'s result as a list of Tensors (one, or each entry of a tuple/list)."""
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"{name}: the function must return a Tensor (or a tuple of Tensors), got {type(o).__name__}; "
                f"a value that left the library (.item(), float(), a NumPy array) carries no gradient"
            )
    return outs


def _scalar_output(out, name: str) -> Tensor:
    if isinstance(out, (tuple, list)):
        raise TypeError(f"{name}: the function must return one scalar Tensor, got a {type(out).__name__}")
    (out,) = _tensor_outputs(out, name)
    if out.data.size != 1:
        raise ValueError(
            f"{name}: the function must return a scalar, but it returned shape {out.data.shape}; "
            f"use ag.jacobian for the derivative of a vector-valued function, or ag.vjp for a "
            f"vector-Jacobian product"
        )
    return out


def _pack(results: list, argnums):
    return tuple(results) if isinstance(argnums, (tuple, list)) else results[0]


def value_and_grad(f, argnums=0, *, _name: str = "value_and_grad"):
    """Return a function computing ``(f(*args), gradient of f)`` in one pass.

    >>> import autograd_lite as ag
    >>> v, g = ag.value_and_grad(lambda x: (x ** 2).sum())(ag.tensor([1.0, 3.0]))
    >>> v.item(), g.tolist()
    (10.0, [2.0, 6.0])
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        outer = is_grad_enabled()
        with enable_grad():  # a transform differentiates even inside no_grad
            call, _, wrt = _prepare(args, argnums, _name, outer)
            out = _scalar_output(f(*call, **kwargs), _name)
            record = outer and _needs_recording([out], wrt)
            grads = _backward_to([out], [np.ones_like(out.data)], wrt, record)
        return (out if record else out.detach()), _pack(grads, argnums)

    return wrapper


def grad(f, argnums=0):
    """Return a function computing the gradient of scalar-valued ``f``.

    ``argnums`` picks the positional argument(s) to differentiate (an int,
    or a tuple for a tuple of gradients). Arguments may be numbers, arrays
    or tensors; gradients come back as tensors shaped like them.

    >>> import autograd_lite as ag
    >>> d2sin = ag.grad(ag.grad(ag.sin))
    >>> round(d2sin(1.0).item(), 6) == round(-float(ag.sin(1.0).item()), 6)
    True
    """
    vg = value_and_grad(f, argnums, _name="grad")

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return wrapper


def jacobian(f, argnums=0):
    """Return a function computing the Jacobian of ``f``: shape ``out.shape + in.shape``.

    >>> import autograd_lite as ag
    >>> J = ag.jacobian(lambda x: x ** 2)(ag.tensor([1.0, 2.0]))
    >>> J.tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        outer = is_grad_enabled()
        with enable_grad():
            call, _, wrt = _prepare(args, argnums, "jacobian", outer)
            result = f(*call, **kwargs)
            outs = _tensor_outputs(result, "jacobian")
            record = outer and _needs_recording(outs, wrt)
            per_output = [_pack(_jacobian_rows(o, wrt, record), argnums) for o in outs]
        return tuple(per_output) if isinstance(result, (tuple, list)) else per_output[0]

    return wrapper


def _jacobian_rows(out: Tensor, wrt: list, record: bool) -> list:
    """The Jacobian of one output with respect to each of ``wrt``, one backward pass per element."""
    rows = [[] for _ in wrt]
    for j in range(out.data.size):
        seed = np.zeros(out.data.shape, dtype=out.data.dtype)
        seed.reshape(-1)[j] = 1
        for k, g in enumerate(_backward_to([out], [seed], wrt, record)):
            rows[k].append(g)
    jacs = []
    for k, w in enumerate(wrt):
        shape = out.data.shape + w.data.shape
        if not rows[k]:
            jacs.append(_make(np.zeros(shape, dtype=w.data.dtype)))
        else:
            jacs.append(reshape(stack(rows[k]), shape))
    return jacs


def hessian(f, argnums=0):
    """Return a function computing the Hessian of scalar ``f``: shape ``in.shape + in.shape``.

    >>> import autograd_lite as ag
    >>> H = ag.hessian(lambda x: (x ** 3).sum())(ag.tensor([1.0, 2.0]))
    >>> H.tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacobian(grad(f, argnums), argnums)


def vjp(f, *primals):
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)``.

    ``vjp_fn(cotangent)`` returns a tuple with one gradient per primal: the
    cotangent times the Jacobian. It can be called more than once.

    >>> import autograd_lite as ag
    >>> out, back = ag.vjp(lambda x, y: x * y, ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]))
    >>> [g.tolist() for g in back(ag.tensor([1.0, 10.0]))]
    [[3.0, 40.0], [1.0, 20.0]]
    """
    outer = is_grad_enabled()
    with enable_grad():
        wrt = [_wrap_arg(p, "vjp", outer) for p in primals]
        result = f(*wrt)
    outs = _tensor_outputs(result, "vjp")
    several = isinstance(result, (tuple, list))
    reaches_outer = outer and _needs_recording(outs, wrt)

    def vjp_fn(cotangent):
        cts = list(cotangent) if several else [cotangent]
        if len(cts) != len(outs):
            raise ValueError(f"vjp: the function returned {len(outs)} outputs but got {len(cts)} cotangents")
        checked = []
        for ct, out in zip(cts, outs):
            ct = ct if isinstance(ct, Tensor) else np.asarray(ct, dtype=out.data.dtype)
            shape = ct.data.shape if isinstance(ct, Tensor) else ct.shape
            if shape != out.data.shape:
                raise ValueError(f"vjp: a cotangent has shape {shape}, but its output has shape {out.data.shape}")
            checked.append(ct)
        traced = any(isinstance(ct, Tensor) and ct.requires_grad for ct in checked)
        record = is_grad_enabled() and (reaches_outer or traced)
        return tuple(_backward_to(outs, checked, wrt, record))

    vjp_fn.wrt = wrt
    return (tuple(outs) if several else outs[0]), vjp_fn


def jvp(f, primals, tangents):
    """Forward-mode product: return ``(f(*primals), J @ tangents)``.

    Computed as the transpose of a VJP (the VJP is linear in its cotangent),
    so it works for every primitive and composes with the other transforms.

    >>> import autograd_lite as ag
    >>> out, t = ag.jvp(lambda x: x ** 2, (ag.tensor([1.0, 3.0]),), (ag.tensor([1.0, 1.0]),))
    >>> t.tolist()
    [2.0, 6.0]
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"jvp: primals and tangents must be tuples (one entry per argument of f), got "
            f"{type(primals).__name__} and {type(tangents).__name__}; write ag.jvp(f, (x,), (v,))"
        )
    primals = tuple(primals)
    tangents = tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    tans = []
    for p, t in zip(primals, tangents):
        tarr = t.data if isinstance(t, Tensor) else np.asarray(t, dtype=np.float64)
        pshape = p.data.shape if isinstance(p, Tensor) else np.shape(p)
        if tarr.shape != pshape:
            raise ValueError(f"jvp: a tangent has shape {tarr.shape}, but its primal has shape {pshape}")
        tans.append(t)
    outer = is_grad_enabled()
    out, vjp_fn = vjp(f, *primals)
    if isinstance(out, tuple):
        raise TypeError("jvp: the function must return one Tensor; for several outputs, call jvp once per output")
    with enable_grad():
        record = outer and _needs_recording([out], vjp_fn.wrt)
        u = Tensor(np.zeros_like(out.data), requires_grad=True)  # a dummy cotangent
        grads = vjp_fn(u)  # linear in u: J^T u
        total = None
        for g, t in zip(grads, tans):
            if g.requires_grad:
                term = (g * t).sum()
                total = term if total is None else total + term
        if total is None:
            return out, _make(np.zeros_like(out.data))
        (jv,) = run_backward([total], [None], retain_graph=True, create_graph=record, inputs=[u])
    if not record:
        out = out.detach()
    return out, jv if jv is not None else _make(np.zeros_like(out.data))

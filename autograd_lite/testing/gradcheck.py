"""Numerical gradients and full-Jacobian checks of analytic derivatives."""

from __future__ import annotations

import warnings

import numpy as np

from ..graph import enable_grad, no_grad
from ..tensor import Tensor, run_backward


class GradcheckError(AssertionError):
    """Analytic and numerical derivatives disagree; the message lists the worst entries."""


def _as_inputs(inputs) -> list:
    """Tensors stay as they are; arrays and numbers become float64 tensors that require grad."""
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            out.append(x)
        elif isinstance(x, (np.ndarray, float, int, np.floating, list)) and not isinstance(x, bool):
            arr = np.asarray(x)
            if arr.dtype.kind in "iu":
                arr = arr.astype(np.float64)
            out.append(Tensor(arr, requires_grad=arr.dtype.kind == "f"))
        else:
            out.append(x)
    return out


def _outputs(f, inputs) -> list:
    out = f(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"gradcheck: the function must return a Tensor or a tuple of Tensors, got {type(o).__name__}"
            )
    return outs


def _warn_precision(inputs) -> None:
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x.data.dtype != np.float64:
            warnings.warn(
                f"gradcheck: input of dtype {x.data.dtype}; central differences need float64 to be "
                f"trustworthy (pass .astype(np.float64) inputs)",
                UserWarning,
                stacklevel=3,
            )


def numerical_grad(f, *inputs, eps: float = 1e-6) -> list:
    """Central-difference gradient of scalar ``f`` with respect to every input.

    Returns one NumPy array per input (shaped like it). Inputs may be
    tensors, arrays or numbers; they are never modified.

    >>> import autograd_lite as ag, numpy as np
    >>> g, = ag.testing.numerical_grad(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]))
    >>> np.round(g, 4)
    array([ 3., 12.])
    """
    tensors = _as_inputs(inputs)
    grads = []
    for k, x in enumerate(tensors):
        if not isinstance(x, Tensor) or x.data.dtype.kind != "f":
            grads.append(None)
            continue
        base = x.data
        g = np.zeros(base.shape, dtype=np.float64)
        for idx in np.ndindex(base.shape):
            vals = []
            for step in (eps, -eps):
                pert = base.copy()
                pert[idx] += step
                args = list(tensors)
                args[k] = Tensor(pert)
                with no_grad():
                    out = f(*args)
                val = out.data if isinstance(out, Tensor) else np.asarray(out)
                if val.size != 1:
                    raise ValueError(
                        f"numerical_grad: f must return a scalar, got shape {val.shape}; "
                        f"use gradcheck or ag.jacobian for vector outputs"
                    )
                vals.append(float(val.reshape(())))
            g[idx] = (vals[0] - vals[1]) / (2 * eps)
        grads.append(g)
    return grads


def _numerical_jacobian(f, tensors, k, out_sizes, eps) -> np.ndarray:
    x = tensors[k]
    base = x.data
    n_out = sum(out_sizes)
    jac = np.zeros((n_out, base.size))
    for j, idx in enumerate(np.ndindex(base.shape)):
        vals = []
        for step in (eps, -eps):
            pert = base.astype(np.float64, copy=True)
            pert[idx] += step
            args = list(tensors)
            args[k] = Tensor(pert.astype(base.dtype, copy=False), requires_grad=x.requires_grad)
            with no_grad():
                outs = _outputs(f, args)
            vals.append(np.concatenate([o.data.astype(np.float64).ravel() for o in outs]) if outs else np.zeros(0))
        jac[:, j] = (vals[0] - vals[1]) / (2 * eps)
    return jac


def _analytic_jacobian(outs, tensors, checked, out_sizes) -> dict:
    jacs = {k: np.zeros((sum(out_sizes), tensors[k].data.size)) for k in checked}
    row = 0
    for o in outs:
        for j in range(o.data.size):
            if o.requires_grad:
                seed = np.zeros(o.data.shape, dtype=o.data.dtype)
                seed.reshape(-1)[j] = 1.0
                grads = run_backward([o], [seed], retain_graph=True, inputs=[tensors[k] for k in checked])
                for k, g in zip(checked, grads):
                    if g is not None:
                        jacs[k][row + j] = g.data.ravel()
        row += o.data.size
    return jacs


def _report(mismatches: list, what: str, limit: int = 8) -> str:
    mismatches.sort(key=lambda m: -m[4])
    lines = [f"{what}: analytic and numerical derivatives disagree at {len(mismatches)} entries; the worst:"]
    lines.append(
        f"  {'input':>5}  {'output idx':>12}  {'input idx':>12}  {'analytic':>14}  {'numeric':>14}  {'error':>10}"
    )
    for k, oi, ii, a, n, err in [(m[0], m[1], m[2], m[3][0], m[3][1], m[4]) for m in mismatches[:limit]]:
        lines.append(f"  {k:>5}  {oi!s:>12}  {ii!s:>12}  {a:>14.6g}  {n:>14.6g}  {err:>10.3g}")
    return "\n".join(lines)


def gradcheck(
    f,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = True,
    localize: bool = True,
):
    """Check the full Jacobian of ``f`` against central differences.

    Every output element is differentiated with respect to every input that
    requires grad (NumPy arrays and numbers are treated as float64 inputs
    that do). Returns ``True``, or raises :class:`GradcheckError` whose
    message is a table of the worst mismatches. With ``localize`` (the
    default) the message also names the first node of ``f``'s graph whose
    own VJP disagrees with its numerical derivative, so a broken primitive
    inside a composite is found directly.

    >>> import autograd_lite as ag, numpy as np
    >>> ag.testing.gradcheck(lambda x: x.tanh() * x, np.array([0.3, -1.2]))
    True
    """
    tensors = _as_inputs(inputs)
    _warn_precision(tensors)
    checked = [k for k, x in enumerate(tensors) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    with enable_grad():
        outs = _outputs(f, tensors)
    out_sizes = [o.data.size for o in outs]
    analytic = _analytic_jacobian(outs, tensors, checked, out_sizes)
    mismatches = []
    for k in checked:
        num = _numerical_jacobian(f, tensors, k, out_sizes, eps)
        ana = analytic[k]
        err = np.abs(ana - num)
        bad = ~(err <= atol + rtol * np.abs(num))
        for r, c in zip(*np.nonzero(bad)):
            mismatches.append(
                (k, _unravel(r, outs), _unravel_one(c, tensors[k].data.shape), (ana[r, c], num[r, c]), err[r, c])
            )
    if mismatches:
        if not raise_exception:
            return False
        msg = _report(mismatches, "gradcheck")
        if localize:
            msg += "\n" + _localize(f, tensors, gradcheck, eps=eps, atol=atol, rtol=rtol)
        raise GradcheckError(msg)
    return True


def _unravel_one(i: int, shape: tuple):
    return tuple(int(v) for v in np.unravel_index(i, shape)) if shape else ()


def _unravel(row: int, outs) -> str:
    for n, o in enumerate(outs):
        if row < o.data.size:
            idx = _unravel_one(row, o.data.shape)
            return f"{n}:{idx}" if len(outs) > 1 else str(idx)
        row -= o.data.size
    return "?"


def gradgradcheck(
    f,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
    raise_exception: bool = True,
    localize: bool = True,
):
    """Check second derivatives: gradcheck of the gradient function itself.

    The gradient of ``sum(f(*inputs) * v)`` for a fixed random ``v`` is
    computed with ``create_graph=True`` and its full Jacobian is compared
    against central differences of that gradient.

    >>> import autograd_lite as ag, numpy as np
    >>> ag.testing.gradgradcheck(lambda x: (x ** 3).sum(), np.array([0.5, 2.0]))
    True
    """
    tensors = _as_inputs(inputs)
    _warn_precision(tensors)
    checked = [k for k, x in enumerate(tensors) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    with enable_grad():
        shapes = [(o.data.shape, o.data.dtype) for o in _outputs(f, tensors)]
    rng = np.random.default_rng(seed)
    cotangents = [rng.uniform(0.5, 1.5, s).astype(d) for s, d in shapes]

    def first_derivative(*xs):
        with enable_grad():
            outs = _outputs(f, xs)
            pairs = [(o, v) for o, v in zip(outs, cotangents) if o.requires_grad]
            wanted = [xs[k] for k in checked]
            if not pairs:
                return tuple(Tensor(np.zeros_like(x.data)) for x in wanted)
            grads = run_backward([p[0] for p in pairs], [p[1] for p in pairs], create_graph=True, inputs=wanted)
        return tuple(g if g is not None else Tensor(np.zeros_like(x.data)) for g, x in zip(grads, wanted))

    try:
        return gradcheck(first_derivative, *tensors, eps=eps, atol=atol, rtol=rtol, localize=False)
    except GradcheckError as e:
        if not raise_exception:
            return False
        msg = str(e).replace("gradcheck:", "gradgradcheck (second derivatives):", 1)
        if localize:
            msg += "\n" + _localize(f, tensors, gradgradcheck, eps=eps, atol=atol, rtol=rtol)
        raise GradcheckError(msg) from None


def _graph_nodes(outs) -> list:
    """The nodes of the graph behind ``outs``, inputs first (the order the forward pass ran)."""
    from ..tensor import _topo_order

    return [t.grad_fn for t in reversed(_topo_order([o for o in outs if o.grad_fn is not None]))]


def _describe_inputs(node) -> str:
    parts = []
    for a in node.inputs:
        if isinstance(a, Tensor):
            parts.append(f"{a.data.shape} {a.data.dtype}")
        else:
            parts.append(type(a).__name__)
    kw = ", ".join(f"{k}={v!r}" for k, v in node.kwargs.items())
    return ", ".join(parts) + (f"; {kw}" if kw else "")


def _localize(f, tensors, check, **tol) -> str:
    """Re-check each node of ``f``'s graph on its own; name the first whose VJP is wrong."""
    with enable_grad():
        outs = _outputs(f, tensors)
    for node in _graph_nodes(outs):
        if node.prim.apply is None:
            continue
        diff = [
            k
            for k, a in enumerate(node.inputs)
            if isinstance(a, Tensor) and a.requires_grad and a.data.dtype.kind == "f"
        ]
        if not diff:
            continue
        local_inputs = [
            Tensor(a.data.astype(np.float64), requires_grad=True) if k in diff else a for k, a in enumerate(node.inputs)
        ]

        def local(*xs, _node=node):
            return _node.prim.apply(*xs, **_node.kwargs)

        try:
            check(local, *local_inputs, localize=False, **tol)
        except GradcheckError as e:
            table = "\n".join("  " + line for line in str(e).splitlines())
            return (
                f"The first node whose own VJP disagrees with its numerical derivative is "
                f"'{node.prim.name}' (inputs: {_describe_inputs(node)}):\n{table}"
            )
        except Exception as e:  # a node that cannot be re-run alone is skipped, not blamed
            del e
            continue
    return (
        "Every node's own VJP agrees with its numerical derivative; the mismatch comes from how they are "
        "combined, or from a kink or discontinuity that a central difference straddles."
    )


def check_grads(f, *inputs, order: int = 2, expected=None, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4):
    """Check ``f``'s derivatives up to ``order`` (1 or 2), and optionally its value.

    The one-call check the project's own op tests use: ``expected`` (an
    array) is compared with ``f(*inputs)`` to 1e-12, then :func:`gradcheck`
    and, for ``order=2``, :func:`gradgradcheck` run. Returns ``True`` or
    raises :class:`GradcheckError`.

    >>> import autograd_lite as ag, numpy as np
    >>> x = np.array([0.2, 1.5])
    >>> ag.testing.check_grads(lambda t: t.sin() * t, x, expected=np.sin(x) * x)
    True
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order}")
    if expected is not None:
        with no_grad():
            out = f(*_as_inputs(inputs))
        got = out.data if isinstance(out, Tensor) else np.asarray(out)
        if got.shape != np.shape(expected) or not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
            raise GradcheckError(f"check_grads: the value is wrong: got {got!r}, expected {np.asarray(expected)!r}")
    gradcheck(f, *inputs, eps=eps, atol=atol, rtol=rtol)
    if order == 2:
        gradgradcheck(f, *inputs, eps=eps, atol=atol, rtol=rtol)
    return True

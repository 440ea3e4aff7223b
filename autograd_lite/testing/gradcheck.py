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


def gradcheck(f, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, raise_exception: bool = True):
    """Check the full Jacobian of ``f`` against central differences.

    Every output element is differentiated with respect to every input that
    requires grad (NumPy arrays and numbers are treated as float64 inputs
    that do). Returns ``True``, or raises :class:`GradcheckError` whose
    message is a table of the worst mismatches.

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
        raise GradcheckError(_report(mismatches, "gradcheck"))
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
    f, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, seed: int = 0, raise_exception: bool = True
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
        return gradcheck(first_derivative, *tensors, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as e:
        if not raise_exception:
            return False
        raise GradcheckError(str(e).replace("gradcheck:", "gradgradcheck (second derivatives):", 1)) from None

"""The chain rule, spelled out: the backward pass as text, one step per edge.

For every node, in the order the engine runs them, and every input that
needs a gradient, one line reads

    upstream gradient  x  local derivative  =  contribution

with the numbers when they are scalars and shapes with summary statistics
when they are arrays. Where broadcasting made a tensor bigger, the line says
which axes the gradient is summed over to bring it back to the smaller shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from ..tensor import Tensor
from . import _walk

if TYPE_CHECKING:
    from nn import Module


@dataclass
class Step:
    """One chain-rule step of :func:`explain`: the gradient of ``out`` handed to ``input``."""

    out: str  #: name of the node's output tensor
    op: str  #: the primitive's name, e.g. ``"mul"``
    input: str  #: name of the input receiving the contribution
    index: int  #: which positional input of the operation
    upstream: np.ndarray  #: d(root)/d(out)
    local: np.ndarray | None  #: d(out)/d(input) when both are scalars, else None
    contribution: np.ndarray | None  #: what this edge adds to d(root)/d(input)
    kind: str  #: ``"chain"``, ``"broadcast"``, ``"none"`` (the rule gives no gradient) or ``"error"``
    text: str = field(repr=False)  #: the line as printed


class Explanation(str):
    """The text of :func:`explain` (a ``str``, shown as-is at the prompt), plus structure.

    ``steps`` lists every :class:`Step` in the engine's order; ``grads`` maps
    each tensor's name to d(root)/d(tensor) (leaves and intermediates).
    """

    steps: list
    grads: dict

    def __new__(cls, text: str, steps: list, grads: dict):
        self = super().__new__(cls, text)
        self.steps = steps
        self.grads = grads
        return self

    def __repr__(self) -> str:
        return str(self)


def _sum_axes(g_shape: tuple, shape: tuple) -> tuple:
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g_shape[i + lead] != 1)


def _line(e: _walk.Edge, names: dict) -> Step:
    out, inp = names[id(e.out)], names[id(e.inp)]
    op = e.node.prim.name
    head = f"      -> {inp}: "
    base = dict(out=out, op=op, input=inp, index=e.index, upstream=e.upstream, contribution=e.contribution)
    if e.error:
        return Step(**base, local=None, kind="error", text=head + f"cannot apply the rule: {e.error}")
    if e.contribution is None:
        return Step(
            **base, local=None, kind="none", text=head + f"no gradient ({op}'s rule for input {e.index} is None)"
        )
    up, c = e.upstream, e.contribution
    if op == "broadcast_to":
        axes = _sum_axes(up.shape, c.shape)
        over = f"axis {axes[0]}" if len(axes) == 1 else f"axes {axes}"
        text = (
            f"{_walk.stats(up)} summed over {over} = {_walk.stats(c)}   "
            f"[broadcasting {c.shape} -> {up.shape}: the gradient is summed back to the smaller shape]"
        )
        return Step(**base, local=None, kind="broadcast", text=head + text)
    if up.size == 1 and c.size == 1:
        local = _walk.local_derivative(e)
        if local is None and up.item() != 0:
            local = c / up
        loc = "?" if local is None else _walk.fmt_num(np.asarray(local).item())
        text = f"{_walk.fmt_num(up.item())} x {loc} = {_walk.fmt_num(c.item())}"
        return Step(**base, local=local, kind="chain", text=head + text)
    text = f"{_walk.stats(up)} x d{op}/d{inp} = {_walk.stats(c)}"
    return Step(**base, local=None, kind="chain", text=head + text)


def explain(
    root: Tensor,
    gradient: Tensor | np.ndarray | None = None,
    *,
    names: Mapping[str, Any] | Iterable[tuple[str, Tensor]] | None = None,
    model: Module | None = None,
    file: TextIO | None = None,
) -> Explanation:
    """The backward pass from ``root`` as text: one chain-rule step per edge, in the engine's order.

    Each node is headed by ``[k] out = op(inputs)`` and the gradient that
    reached ``out`` (written as a sum when several uses of ``out``
    contributed); each of its inputs then gets a line ``upstream x local
    derivative = contribution``. Scalars are shown as numbers; arrays by
    shape, mean and max |.|, with the local derivative written as the
    Jacobian ``dop/dinput``; a broadcast shows the axes its gradient is
    summed over. The last lines give each leaf's total gradient, which is
    what ``backward()`` adds to its ``.grad``.

    The numbers come from calling each node's VJP rule as the engine does;
    nothing is written to ``.grad`` (tensor hooks are not run), so it can be
    called before or after ``backward()``. ``gradient`` seeds a non-scalar
    root (default: ones, the gradient of ``root.sum()``).

    Tensors are named by ``names`` (a mapping such as ``locals()``, or
    pairs) and ``model`` (an ``nn.Module`` names its parameters); others are
    ``x1, x2`` (leaves), ``c1`` (constant tensors), ``t1, t2`` (intermediate
    results, in forward order) and ``out`` (the root).

    Returns an :class:`Explanation`: a ``str`` that displays as the text at
    the prompt, with ``.steps`` and ``.grads`` for programs. Nothing is
    printed unless ``file`` is given (``file=sys.stdout`` prints it).

    >>> import autograd_lite as ag
    >>> from autograd_lite.viz import explain
    >>> x = ag.tensor(3.0, requires_grad=True)
    >>> y = x * x                  # x used twice: two contributions, summed
    >>> z = 2 * y + 1
    >>> explain(z, names={"x": x, "y": y, "z": z})
    backward pass of z = 19 (scalar float64), starting from dz/dz = 1
    one line per edge, in the order the engine runs them: upstream x local derivative = contribution
    [1] z = add(t1, 1)                      dz/dz = 1
          -> t1: 1 x 1 = 1
    [2] t1 = mul(2, y)                      dz/dt1 = 1
          -> y: 1 x 2 = 2
    [3] y = mul(x, x)                       dz/dy = 2
          -> x: 2 x 3 = 6
          -> x: 2 x 3 = 6
    leaf gradients (what backward() adds to .grad):
      x: 6 + 6 = 12
    """
    graph = _walk.Graph(root)
    nm = _walk.auto_names(graph, _walk.name_sources(model, names))
    rname = nm[id(root)]
    kind = "scalar" if root.data.shape == () else str(root.data.shape)
    value = _walk.stats(root.data) if root.data.dtype.kind in "fc" else str(root.data.shape)
    lines = [f"backward pass of {rname} = {value} ({kind} {root.data.dtype}), "]
    if not root.requires_grad:
        lines[0] += "which does not require grad: there is nothing to propagate"
        text = "\n".join(lines)
        if file is not None:
            print(text, file=file)
        return Explanation(text, [], {})
    seed = _walk.seed_for(root, gradient)
    start = f"d{rname}/d{rname} = {_walk.stats(seed)}"
    if gradient is None and root.data.size != 1:
        start += " (ones: the gradient of the root's sum)"
    lines[0] += f"starting from {start}"
    lines.append("one line per edge, in the order the engine runs them: upstream x local derivative = contribution")
    grads, edges = _walk.replay(graph, gradient)

    parts: dict = {}  # id(tensor) -> contributions received, in order
    for e in edges:
        if e.contribution is not None:
            parts.setdefault(id(e.inp), []).append(e.contribution)

    def total(t: Tensor) -> str:
        g = grads[id(t)]
        got = parts.get(id(t), [])
        if len(got) > 1:
            if g.size == 1:
                terms = [_walk.fmt_num(p.item()) for p in got]
                terms = terms[:1] + [f"({x})" if x.startswith("-") else x for x in terms[1:]]
                return " + ".join(terms) + f" = {_walk.fmt_num(g.item())}"
            return f"{_walk.stats(g)} (sum of {len(got)} contributions)"
        return _walk.stats(g)

    by_out: dict = {}
    for e in edges:
        by_out.setdefault(id(e.out), []).append(e)
    steps = []
    k = 0
    for t in graph.order:
        if id(t) not in grads:
            continue
        k += 1
        head = f"[{k}] {nm[id(t)]} = {_walk.op_signature(t.grad_fn, nm)}"
        lines.append(f"{head:<39} d{rname}/d{nm[id(t)]} = {total(t)}")
        for e in by_out.get(id(t), []):
            step = _line(e, nm)
            steps.append(step)
            lines.append(step.text)
    leaves = [t for t in graph.leaves if id(t) in grads and t is not root]
    if root.grad_fn is None:
        lines.append(f"{rname} is a leaf: no operation to go back through; backward() adds the seed to its .grad")
    if leaves:
        lines.append("leaf gradients (what backward() adds to .grad):")
        lines.extend(f"  {nm[id(t)]}: {total(t)}" for t in leaves)
    text = "\n".join(lines)
    if file is not None:
        print(text, file=file)
    named = {nm[i]: g for i, g in grads.items() if i in nm}
    return Explanation(text, steps, named)

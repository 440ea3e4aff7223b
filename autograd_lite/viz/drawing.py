"""Drawing the backward graph with Graphviz, and rendering it with the real ``dot``.

The drawing reads the graph and nothing else: gradients shown on it come
from a replay of the VJP rules (:mod:`autograd_lite.viz._walk`), so it works
before ``backward()``, after it, and on a graph that ``backward()`` released.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor
from . import _walk

if TYPE_CHECKING:  # the drawing types, without importing graphviz or nn at run time
    import graphviz

    from nn import Module

INSTALL_HINT = (
    "Install Graphviz's programs (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; Windows: winget install graphviz) and the Python package "
    "(pip install graphviz, or pip install 'autograd_lite[viz]')"
)

# Fill colours by max |gradient|. Healthy magnitudes are shades of blue; the
# ones that deserve a look are not blue at all.
_BINS = [  # (upper bound of max |grad|, fill, font colour, legend text)
    (1e-6, "#fff3b0", "black", "0 < |g| < 1e-6  (vanishing?)"),
    (1e-3, "#deebf7", "black", "1e-6 .. 1e-3"),
    (1.0, "#9ecae1", "black", "1e-3 .. 1"),
    (None, "#4292c6", "white", "1 .. {explode:g}"),  # up to the exploding threshold
]
_ZERO = ("#d9d9d9", "black", "exactly 0  (no signal)")
_EXPLODING = ("#ff8c1a", "black", "> {explode:g}  (exploding)")
_NONFINITE = ("#d7191c", "white", "NaN or inf")
_NOGRAD = ("white", "black", "no gradient (constant, or unused)")
_MISMATCH = "#d7191c"


def _require_graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "autograd_lite.viz.draw_graph needs the graphviz Python package, which is not installed. "
            + INSTALL_HINT
            + "."
        ) from None
    return graphviz


def grad_category(g: np.ndarray | None, explode: float = 1e3) -> str:
    """``"none"``, ``"nonfinite"``, ``"zero"``, ``"exploding"`` or ``"bin0"``..``"bin3"`` by max |g|."""
    if g is None:
        return "none"
    g = np.asarray(g)
    if g.size == 0:
        return "zero"
    if not np.isfinite(g).all():
        return "nonfinite"
    m = float(np.max(np.abs(g)))
    if m == 0.0:
        return "zero"
    if m > explode:
        return "exploding"
    for k, (hi, *_rest) in enumerate(_BINS):
        if hi is None or m < hi:
            return f"bin{k}"
    return f"bin{len(_BINS) - 1}"


def _style(cat: str, explode: float) -> tuple[str, str, str]:
    if cat.startswith("bin"):
        _hi, fill, font, text = _BINS[int(cat[3:])]
        return fill, font, text.format(explode=explode)
    fill, font, text = {"zero": _ZERO, "exploding": _EXPLODING, "nonfinite": _NONFINITE, "none": _NOGRAD}[cat]
    return fill, font, text.format(explode=explode)


def _values(arr: np.ndarray, max_size: int) -> str:
    arr = np.asarray(arr)
    if arr.size == 1:
        return _walk.fmt_num(arr.item()) if arr.dtype.kind in "fc" else str(arr.item())
    if arr.size <= max_size:
        return "[" + ", ".join(_walk.fmt_num(x) if arr.dtype.kind in "fc" else str(x) for x in arr.ravel()) + "]"
    return ""


def _grad_lines(what: str, g: np.ndarray, max_size: int) -> list:
    small = _values(g, max_size)
    if small:
        return [f"{what} {small}"]
    with np.errstate(all="ignore"):
        a = np.abs(g)
        return [f"mean |{what}| {np.mean(a):.1e}", f"max |{what}| {np.max(a):.1e}"]


def _shape_text(t: Tensor) -> str:
    shape = "scalar" if t.data.shape == () else str(t.data.shape)
    return f"{shape} {t.data.dtype}"


def _module_owners(model) -> dict:
    """``id(parameter) -> (module path, module)`` for the module that directly owns each parameter."""
    owners: dict = {}
    if model is None or not hasattr(model, "named_modules"):
        return owners
    for prefix, m in model.named_modules():
        for p in m._parameters.values():
            if p is not None:
                owners.setdefault(id(p), (prefix, m))
    return owners


def _clusters(graph: _walk.Graph, owners: dict) -> dict:
    """``id(tensor) -> module key``: a layer's parameters, what is made from them alone
    (``weight.T``, a broadcast bias) and the operations that first mix them with data.

    Activations and losses touch no parameter, so they sit between the clusters.
    """
    where: dict = {}
    pure: dict = {}  # tensors made only from one module's parameters
    for t in graph.leaves:
        if id(t) in owners:
            where[id(t)] = pure[id(t)] = owners[id(t)][0]
    for t in graph.forward:
        mods, other = set(), False
        for a in t.grad_fn.inputs:
            if isinstance(a, Tensor):  # a tensor that is not a parameter's is data, grad or not
                k = pure.get(id(a))
                if k is None:
                    other = True
                else:
                    mods.add(k)
        if len(mods) == 1:
            (k,) = mods
            where[id(t)] = k
            if not other:
                pure[id(t)] = k
    return where


def _numeric_checks(graph, grads, edges, seed, max_size, atol, rtol):
    """Numerical derivatives beside the analytic ones: per tensor, and per node's own VJP."""
    per_tensor: dict = {}  # id -> (numeric, agrees)
    for t in graph.tensors():
        g = grads.get(id(t))
        if g is None or not t.requires_grad or t.data.dtype.kind not in "fc" or t.data.size > max_size:
            continue
        num = _walk.numerical_grad_of(graph, t, seed)
        per_tensor[id(t)] = (num, bool(np.allclose(g, num, atol=atol, rtol=rtol)))
    bad_nodes: dict = {}  # id(output tensor) -> list of input indices whose rule disagrees
    for e in edges:
        if e.error or e.inp.data.size > max_size or e.inp.data.dtype.kind not in "fc":
            continue
        cot = e.upstream
        if not np.any(cot) or not np.isfinite(cot).all():
            cot = np.ones_like(cot)  # a zero cotangent would make any rule look right
        try:
            analytic = _walk._rule_contribution(e.out, e.index, cot)
        except Exception:
            continue
        if analytic is None:
            continue
        num = _walk.numerical_vjp(e.out, e.index, cot)
        if not np.allclose(analytic, num, atol=atol, rtol=rtol):
            bad_nodes.setdefault(id(e.out), []).append(e.index)
    return per_tensor, bad_nodes


def draw_graph(
    root: Tensor,
    show_values: bool = True,
    show_grads: bool = True,
    rankdir: str = "LR",
    *,
    model: Module | Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None,
    names: Mapping[str, Any] | Iterable[tuple[str, Tensor]] | None = None,
    gradient: Tensor | np.ndarray | None = None,
    max_value_size: int = 6,
    check_numeric: bool = False,
    numeric_max_size: int = 64,
    explode: float = 1e3,
    legend: bool = True,
    cluster: bool = True,
    compact: bool | None = None,
) -> graphviz.Digraph:
    """The graph behind ``root`` as a ``graphviz.Digraph``: tensor nodes and operation nodes.

    Data flows along the arrows (inputs on the left with ``rankdir="LR"``);
    the gradients written on the nodes flow the other way. Each tensor shows
    its name, shape and dtype, and when it has at most ``max_value_size``
    elements, its value (``data``) and gradient (``grad``); larger tensors
    show the mean and max of |grad|. Tensor nodes are filled by max |grad|
    (see the legend): exactly zero, NaN/inf and exploding (> ``explode``)
    gradients stand out.

    The gradients are d(root)/d(tensor), computed by replaying the VJP rules
    from ``root`` (with ``gradient``, or ones for a non-scalar root, i.e. the
    gradient of ``root.sum()``); no ``.grad`` is read or written, so the
    drawing is the same before and after ``backward()``.

    ``model`` (an ``nn.Module``, a mapping of names to tensors, or ``(name,
    tensor)`` pairs) names the parameters (``0.weight``); with a Module each
    layer's parameters and the operations that use them are grouped in a
    cluster (``cluster=False`` turns that off). ``names`` names any other
    tensor (``names=locals()`` works); unnamed tensors are ``x1``, ``c1``
    (constant), ``t1`` (intermediate) as in :func:`explain`.

    ``compact=True`` draws each operation and the tensor it makes as one
    node (its label starts with the operation); by default a graph drawn
    with a Module, or with more than 30 operations, is compact, so a
    model's graph stays readable.

    ``check_numeric=True`` also computes each gradient numerically (central
    differences, for tensors up to ``numeric_max_size`` elements) and writes
    it beside the analytic one; disagreements get a red border, and an
    operation whose own VJP rule disagrees with its numerical derivative is
    outlined in red. (A kink such as ReLU's at exactly 0 can also disagree.)

    >>> import autograd_lite as ag
    >>> from autograd_lite.viz import draw_graph
    >>> a = ag.tensor(2.0, requires_grad=True)
    >>> b = ag.tensor(-3.0, requires_grad=True)
    >>> c = a * b + 1
    >>> dot = draw_graph(c, names={"a": a, "b": b, "c": c}, legend=False)
    >>> type(dot).__name__
    'Digraph'
    >>> labels = [line.split('"')[1] for line in dot.body if "label=" in line]
    >>> print(labels[0])                 # the first tensor: a, with its value and d(c)/d(a)
    a\\nscalar float64\\ndata 2\\ngrad -3
    >>> len(labels), sum("->" in line for line in dot.body)   # a, b, a*b, c and two operations
    (6, 5)
    """
    graphviz = _require_graphviz()
    graph = _walk.Graph(root)
    given = _walk.name_sources(model, names)
    nm = _walk.auto_names(graph, given)
    grads, edges = _walk.replay(graph, gradient) if (show_grads or check_numeric) else ({}, [])
    per_tensor, bad_nodes = {}, {}
    if check_numeric and root.requires_grad:
        seed = _walk.seed_for(root, gradient)
        per_tensor, bad_nodes = _numeric_checks(graph, grads, edges, seed, numeric_max_size, 1e-5, 1e-4)
    owners = _module_owners(model) if cluster else {}
    where = _clusters(graph, owners) if owners else {}

    dot = graphviz.Digraph(name="autograd_lite")
    dot.attr(rankdir=rankdir, nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", color="#555555", arrowsize="0.7")
    stmts: dict = {}  # cluster key (None: top level) -> list of (name, attrs)

    ids: dict = {}
    for k, t in enumerate(graph.leaves):
        ids[id(t)] = f"x_{k}"
    for k, t in enumerate(graph.forward):
        ids[id(t)] = f"t_{k}"

    if compact is None:
        compact = len(graph.forward) > 30 or hasattr(model, "named_modules")

    def op_label(t: Tensor) -> list:
        """The operation, with its constant arguments and options on a second line when long."""
        node = t.grad_fn
        if not (node.kwargs or any(not isinstance(a, Tensor) for a in node.inputs)):
            return [node.prim.name]
        sig = _walk.op_signature(node, {id(a): "." for a in node.inputs if isinstance(a, Tensor)})
        if not sig[len(node.prim.name) :].strip("(., )"):
            return [node.prim.name]  # only default options (axis=None): nothing worth showing
        if len(sig) <= 22:
            return [sig]
        args = sig[len(node.prim.name) :]
        return [node.prim.name, args if len(args) <= 28 else args[:25] + "..."]

    def tensor_node(t: Tensor) -> None:
        lines = [nm[id(t)], _shape_text(t)]
        if compact and t.grad_fn is not None:
            op = op_label(t)
            lines = [f"{nm[id(t)]} = {op[0]}"] + op[1:] + [_shape_text(t)]
        if show_values:
            v = _values(t.data, max_value_size)
            if v:
                lines.append(f"data {v}")
        g = grads.get(id(t)) if t.requires_grad else None
        cat = grad_category(g, explode) if show_grads else "none"
        if show_grads and g is not None:
            lines += _grad_lines("grad", g, max_value_size)
        op_drawn_here = compact and t.grad_fn is not None
        attrs = {"shape": "box", "style": "filled" if op_drawn_here else "rounded,filled"}
        if show_grads:
            fill, font, _ = _style(cat, explode)
        else:
            fill, font = "white", "black"
        attrs["fillcolor"], attrs["fontcolor"] = fill, font
        if t.grad_fn is None and t.requires_grad:
            attrs["penwidth"] = "2"  # leaves that receive .grad
        if not t.requires_grad:
            attrs["style"] = "rounded,dashed"
        check = per_tensor.get(id(t))
        if check is not None:
            num, ok = check
            lines += _grad_lines("numeric", num, max_value_size)
            lines[-1] += " ok" if ok else " MISMATCH"
            if not ok:
                attrs.update(color=_MISMATCH, penwidth="3")
        if op_drawn_here and id(t) in bad_nodes:
            which = ", ".join(str(i) for i in bad_nodes[id(t)])
            lines.append(f"VJP rule disagrees with numeric (input {which})")
            attrs.update(color=_MISMATCH, penwidth="3")
        attrs["label"] = "\\n".join(_esc(line) for line in lines)
        stmts.setdefault(where.get(id(t)), []).append((ids[id(t)], attrs))

    for t in graph.leaves:
        tensor_node(t)
    edge_list = []
    for t in graph.forward:
        tensor_node(t)
        node = t.grad_fn
        if compact:
            for a in node.inputs:
                if isinstance(a, Tensor):
                    edge_list.append((ids[id(a)], ids[id(t)]))
            continue
        op_id = "op_" + ids[id(t)][2:]
        label = _esc("".join(op_label(t)))
        label = label if len(label) <= 40 else label[:37] + "..."
        attrs = {"label": label, "shape": "ellipse", "style": "filled", "fillcolor": "#fffbe6", "fontsize": "9"}
        if id(t) in bad_nodes:
            which = ", ".join(str(i) for i in bad_nodes[id(t)])
            attrs.update(color=_MISMATCH, penwidth="3", fontcolor=_MISMATCH)
            attrs["label"] = label + f"\\nVJP rule disagrees\\nwith numeric (input {which})"
        stmts.setdefault(where.get(id(t)), []).append((op_id, attrs))
        for a in node.inputs:
            if isinstance(a, Tensor):
                edge_list.append((ids[id(a)], op_id))
        edge_list.append((op_id, ids[id(t)]))

    for name, attrs in stmts.pop(None, []):
        dot.node(name, **attrs)
    mods = {prefix: m for prefix, m in owners.values()}
    for k, key in enumerate(stmts):
        m = mods.get(key)
        title = f"{key} ({type(m).__name__})" if key else type(m).__name__
        with dot.subgraph(name=f"cluster_{k}") as c:
            c.attr(label=title, style="rounded", color="#888888", fontname="Helvetica", fontsize="11")
            for name, attrs in stmts[key]:
                c.node(name, **attrs)
    for a, b in edge_list:
        dot.edge(a, b)
    if legend and show_grads:
        _legend(dot, explode, check_numeric)
    return dot


def _legend(dot, explode: float, check_numeric: bool) -> None:
    """One node holding a table of the colours (an HTML-like label: small, and always in one piece)."""
    cats = ["zero", "bin0", "bin1", "bin2", "bin3", "exploding", "nonfinite", "none"]
    rows = ['<tr><td colspan="2"><b>max |grad|</b></td></tr>']
    for cat in cats:
        fill, _font, text = _style(cat, explode)
        rows.append(f'<tr><td bgcolor="{fill}" border="1" width="18"> </td><td align="left">{_html(text)}</td></tr>')
    if check_numeric:
        rows.append(
            f'<tr><td border="3" color="{_MISMATCH}" width="18"> </td><td align="left">analytic != numeric</td></tr>'
        )
    table = '<table border="0" cellborder="0" cellspacing="3">' + "".join(rows) + "</table>"
    dot.node("legend", label=f"<{table}>", shape="plaintext", fontsize="9")


def _esc(text: str) -> str:
    """A backslash in a name must not start a DOT escape (``\\l``, ``\\n``)."""
    return text.replace("\\", "\\\\")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_graph(root: Tensor, path: str | os.PathLike, format: str = "svg", **draw_kwargs: Any) -> pathlib.Path:
    """Draw the graph behind ``root`` and render it with Graphviz's ``dot`` into ``path``.

    ``format`` is any output format of ``dot`` (``"svg"``, ``"png"``,
    ``"pdf"``); a ``path`` without a suffix gets ``.{format}``. Other keyword
    arguments go to :func:`draw_graph`. Returns the path written.

    Without the ``dot`` program on ``PATH`` nothing can be rendered: the DOT
    source is written next to ``path`` (same name, suffix ``.dot``) and a
    ``RuntimeError`` says how to install Graphviz.

    >>> import tempfile, pathlib
    >>> import autograd_lite as ag
    >>> from autograd_lite.viz import render_graph
    >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> out = render_graph((x * x).sum(), pathlib.Path(tempfile.mkdtemp()) / "square")
    >>> out.name, out.read_text().count("<svg")
    ('square.svg', 1)
    """
    path = pathlib.Path(path)
    fmt = str(format).lower().lstrip(".")
    if not path.suffix:
        path = path.with_name(path.name + "." + fmt)
    elif path.suffix.lower().lstrip(".") != fmt:
        raise ValueError(
            f"render_graph: the path ends in {path.suffix!r} but format={format!r}; pass format="
            f"{path.suffix.lstrip('.')!r} or a path ending in '.{fmt}'"
        )
    source = draw_graph(root, **draw_kwargs).source
    path.parent.mkdir(parents=True, exist_ok=True)
    exe = shutil.which("dot")
    if exe is None:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(source)
        raise RuntimeError(
            f"render_graph: Graphviz's 'dot' program was not found on PATH, so {path} could not be rendered; "
            f"the graph's DOT source was written to {dot_path} instead (render it later with "
            f"'dot -T{fmt} {dot_path} -o {path}'). {INSTALL_HINT}."
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"render_graph: 'dot -T{fmt}' failed with exit code {proc.returncode}: "
            f"{proc.stderr.decode(errors='replace').strip()}"
        )
    path.write_bytes(proc.stdout)
    return path

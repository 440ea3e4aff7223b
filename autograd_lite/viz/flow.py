"""Gradient flow through a model: per-layer gradient magnitudes, and units that never fire.

A *layer* is a module that owns parameters (a ``Linear``, a ``LayerNorm``);
its gradient magnitude is the mean (and max) of |grad| over all its
parameters' elements. A layer is flagged *vanishing* when that mean is more
than ``1 / vanishing`` times smaller than the last layer's, *exploding* when
it is ``exploding`` times larger (or non-finite). A *dead unit* is an output
unit of an activation module (``nn.ReLU`` and friends) that was exactly zero
for every sample of the batch; activations are seen through forward hooks
(:func:`record_activations`).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..tensor import Tensor

if TYPE_CHECKING:  # matplotlib and nn are imported where they are used, not at import time
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from nn import Module


# ------------------------------------------------------------------ layers
def _owners(model) -> dict:
    out = {}
    if hasattr(model, "named_modules"):
        for prefix, m in model.named_modules():
            for p in m._parameters.values():
                if p is not None:
                    out.setdefault(id(p), (prefix, type(m).__name__))
    return out


def _group(named_parameters) -> list:
    """``[(layer name, kind, [(param name, param), ...]), ...]`` in parameter order."""
    owners = {}
    if hasattr(named_parameters, "named_parameters"):
        owners = _owners(named_parameters)
        named_parameters = named_parameters.named_parameters()
    groups: dict = {}
    for item in named_parameters:
        try:
            name, p = item
        except (TypeError, ValueError):
            raise TypeError(
                f"expected (name, parameter) pairs such as model.named_parameters(), got {item!r:.60}"
            ) from None
        if not isinstance(p, Tensor):
            raise TypeError(f"parameter {name!r} is a {type(p).__name__}, not a Tensor")
        layer, kind = owners.get(id(p), (name.rsplit(".", 1)[0] if "." in name else name, ""))
        groups.setdefault(layer, (kind, []))[1].append((name, p))
    return [(layer, kind, params) for layer, (kind, params) in groups.items()]


@dataclass
class LayerStats:
    """Gradient statistics of one layer (a module owning parameters)."""

    name: str  #: module path, e.g. ``"0"`` or ``"encoder.fc1"``
    kind: str  #: the module's class name (``""`` when only names were given)
    params: list  #: names of its parameters
    size: int  #: number of parameter elements
    grad_mean: float  #: mean |grad| over all elements (nan without gradients)
    grad_max: float  #: max |grad|
    ratio: float  #: grad_mean / the last layer's grad_mean
    status: str  #: ``"ok"``, ``"vanishing"``, ``"exploding"``, ``"zero"``, ``"non-finite"`` or ``"no grad"``
    zero_grad_units: int | None  #: output units (rows of a 2-D weight) whose gradient is exactly 0


@dataclass
class ActivationStats:
    """What an activation module output during the recorded forward passes."""

    name: str  #: module path (with ``[width n]`` when one module served several widths)
    kind: str  #: the module's class name
    units: int  #: size of the last axis
    samples: int  #: rows seen (all axes but the last, over every recorded call)
    dead: list  #: indices of units that were exactly 0 for every sample
    mean: float  #: mean activation

    @property
    def dead_fraction(self) -> float:
        return len(self.dead) / self.units if self.units else 0.0


class ActivationRecorder(dict):
    """``name -> ActivationStats`` filled by forward hooks; see :func:`record_activations`."""

    def __init__(self) -> None:
        super().__init__()
        self._raw: dict = {}  # key -> [kind, alive mask, samples, sum]
        self.handles: list = []

    def _hook(self, name: str):
        def hook(module, inputs, out):
            arr = np.asarray(out.data if isinstance(out, Tensor) else out)
            if arr.ndim == 0 or arr.dtype.kind not in "biuf":
                return None
            units = arr.shape[-1]
            flat = arr.reshape(-1, units)
            key = (name, units)
            rec = self._raw.get(key)
            if rec is None:
                rec = self._raw[key] = [type(module).__name__, np.zeros(units, dtype=bool), 0, 0.0]
            rec[1] |= (flat != 0).any(axis=0)
            rec[2] += flat.shape[0]
            rec[3] += float(flat.sum())
            self._refresh()
            return None

        return hook

    def _refresh(self) -> None:
        widths: dict = {}
        for name, units in self._raw:
            widths.setdefault(name, set()).add(units)
        self.clear()
        for (name, units), (kind, alive, samples, total) in self._raw.items():
            label = name if len(widths[name]) == 1 else f"{name} [width {units}]"
            mean = total / (samples * units) if samples and units else 0.0
            self[label] = ActivationStats(label, kind, units, samples, np.flatnonzero(~alive).tolist(), mean)

    def remove(self) -> None:
        """Unregister the hooks (done on leaving the ``with`` block)."""
        for h in self.handles:
            h.remove()
        self.handles = []


def _is_activation(m) -> bool:
    from nn.layers import _Activation

    return isinstance(m, _Activation)


@contextmanager
def record_activations(
    model: Module, modules: type | tuple[type, ...] | Callable[[str, Module], bool] | None = None
) -> Iterator[ActivationRecorder]:
    """Record the outputs of a model's activation modules while the block runs.

    Yields an :class:`ActivationRecorder` (a dict ``name ->``
    :class:`ActivationStats`) that keeps filling as forward passes run and
    stays readable after the block. ``modules`` picks other modules: a
    tuple of module classes, or a predicate ``f(name, module) -> bool``; by
    default every activation module (``nn.ReLU``, ``nn.Sigmoid``, ...). A
    module used at several places is recorded once per output width, and a
    unit counts as dead only if it was zero everywhere it was used.

    >>> import nn, autograd_lite as ag
    >>> from autograd_lite.viz import record_activations
    >>> _ = ag.manual_seed(0)
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> with ag.no_grad():
    ...     _ = net[0].bias.data.fill(-100.0)    # no input gets past this bias
    >>> with record_activations(net) as acts:
    ...     _ = net(ag.randn(8, 3))
    >>> acts["1"].dead
    [0, 1, 2, 3]
    """
    if modules is None:
        pick = lambda name, m: _is_activation(m)
    elif isinstance(modules, (type, tuple)):
        pick = lambda name, m: isinstance(m, modules)
    elif callable(modules):
        pick = modules
    else:
        raise TypeError(f"record_activations: modules must be classes or a predicate, got {type(modules).__name__}")
    rec = ActivationRecorder()
    for name, m in model.named_modules():
        if pick(name, m):
            rec.handles.append(m.register_forward_hook(rec._hook(name or type(m).__name__)))
    try:
        yield rec
    finally:
        rec.remove()


# ------------------------------------------------------------------ report
_HINTS = {
    "vanishing": "try ReLU-family activations with He init (nn.init.kaiming_normal_), normalisation layers "
    "(nn.LayerNorm, nn.BatchNorm1d) or residual connections",
    "exploding": "clip gradients (nn.utils.clip_grad_norm_), lower the learning rate, or initialise with smaller "
    "weights",
    "zero": "no gradient reached them: dead units downstream, a detached path (.detach(), no_grad), or an unused layer",
    "dead": "lower the learning rate, start biases at 0 (or slightly positive), or use nn.LeakyReLU / nn.ELU",
}


@dataclass
class GradFlowReport:
    """The result of :func:`grad_flow_report`: structured fields and a readable ``text``."""

    layers: list  #: one :class:`LayerStats` per layer, in parameter order
    activations: list  #: one :class:`ActivationStats` per recorded activation (empty if none recorded)
    loss: float | None = None  #: the loss of the pass the report ran itself
    vanishing_ratio: float = 1e-3
    exploding_ratio: float = 1e3
    max_grad: float = 1e3
    activations_recorded: bool = False
    title: str = field(default="model")

    def _names(self, status: str) -> list:
        return [layer.name for layer in self.layers if layer.status == status]

    @property
    def vanishing(self) -> list:
        """Names of the layers whose gradients vanish."""
        return self._names("vanishing")

    @property
    def exploding(self) -> list:
        """Names of the layers whose gradients explode (or are NaN/inf)."""
        return self._names("exploding") + self._names("non-finite")

    @property
    def zero(self) -> list:
        """Names of the layers whose gradient is exactly zero."""
        return self._names("zero")

    @property
    def dead(self) -> dict:
        """``activation name -> indices of dead units`` for activations with any."""
        return {a.name: a.dead for a in self.activations if a.dead}

    @property
    def healthy(self) -> bool:
        """True when nothing was flagged."""
        return not (self.vanishing or self.exploding or self.zero or self.dead)

    @property
    def text(self) -> str:
        """The report as a table and a verdict."""
        head = f"gradient flow of {self.title}: {len(self.layers)} layers"
        if self.loss is not None:
            head += f", loss {self.loss:.6g}"
        lines = [head]
        w = max([len("layer")] + [len(layer.name) for layer in self.layers])
        lines.append(
            f"{'layer':<{w}}  {'kind':<10} {'params':>8}  {'mean|grad|':>10}  {'max|grad|':>10}  {'vs last':>8}  status"
        )
        for layer in self.layers:
            status = layer.status.upper() if layer.status != "ok" else "ok"
            if layer.zero_grad_units:
                n = layer.zero_grad_units
                status += f" ({n} unit{'s' if n != 1 else ''} got no gradient)"
            lines.append(
                f"{layer.name:<{w}}  {layer.kind[:10]:<10} {layer.size:>8}  {_e(layer.grad_mean):>10}  "
                f"{_e(layer.grad_max):>10}  {_e(layer.ratio, 0):>8}  {status}"
            )
        if self.activations_recorded:
            dead = [a for a in self.activations if a.dead]
            if dead:
                lines.append("dead units (exactly 0 for every sample of the batch):")
                for a in dead:
                    n = len(a.dead)
                    which = "all" if n == a.units else ", ".join(map(str, a.dead[:8])) + (" ..." if n > 8 else "")
                    lines.append(f"  {a.name} ({a.kind}): {n} of {a.units} units dead ({which}), {a.samples} samples")
            else:
                lines.append(f"dead units: none in {len(self.activations)} recorded activations")
        else:
            lines.append("dead units: not checked (pass inputs=, or activations= from viz.record_activations)")
        lines.extend(self._verdict())
        return "\n".join(lines)

    def _verdict(self) -> list:
        out = []
        n = len(self.layers)
        v = self.vanishing
        if v:
            out.append(
                f"VANISHING gradients in {len(v)} of {n} layers ({', '.join(v)}): their mean |grad| is more than "
                f"{1 / self.vanishing_ratio:g}x smaller than the last layer's; {_HINTS['vanishing']}"
            )
        x = self.exploding
        if x:
            out.append(
                f"EXPLODING gradients in {len(x)} of {n} layers ({', '.join(x)}): more than "
                f"{self.exploding_ratio:g}x the last layer's, above {self.max_grad:g}, or NaN/inf; "
                f"{_HINTS['exploding']}"
            )
        z = self.zero
        if z:
            out.append(f"ZERO gradient in {len(z)} layers ({', '.join(z)}): {_HINTS['zero']}")
        d = self.dead
        if d:
            out.append(f"DEAD units in {', '.join(d)}: {_HINTS['dead']}")
        if not out:
            out.append("verdict: healthy (no vanishing, exploding, zero or dead gradients found)")
        return out

    def __str__(self) -> str:
        return self.text


def _e(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    return f"{x:.{digits}e}"


def _layer_stats(groups, vanishing: float, exploding: float, max_grad: float = np.inf, min_grad: float = 0.0) -> list:
    rows = []
    for layer, kind, params in groups:
        gs = [
            np.asarray(p.grad.data if isinstance(p.grad, Tensor) else p.grad) for _, p in params if p.grad is not None
        ]
        size = sum(p.data.size for _, p in params)
        if gs:
            with np.errstate(all="ignore"):
                flat = np.abs(np.concatenate([g.ravel().astype(np.float64) for g in gs]))
                mean = float(flat.mean()) if flat.size else 0.0
                mx = float(flat.max()) if flat.size else 0.0
            finite = bool(np.isfinite(flat).all())
        else:
            mean = mx = float("nan")
            finite = True
        zero_units = None if kind == "Embedding" else _zero_units(params)  # unused vocabulary rows are normal
        rows.append([layer, kind, [n for n, _ in params], size, mean, mx, bool(gs), finite, zero_units])
    usable = [r for r in rows if r[6] and r[7] and r[4] > 0]
    ref = usable[-1][4] if usable else None
    out = []
    for layer, kind, names, size, mean, mx, has, finite, zero_units in rows:
        ratio = float("nan") if (ref is None or not has or not finite) else mean / ref
        if not has:
            status = "no grad"
        elif not finite:
            status = "non-finite"
        elif mx == 0.0:
            status = "zero"
        elif ratio < vanishing or mean < min_grad:
            status = "vanishing"
        elif ratio > exploding or mx > max_grad:
            status = "exploding"
        else:
            status = "ok"
        out.append(LayerStats(layer, kind, names, size, mean, mx, ratio, status, zero_units))
    return out


def _zero_units(params) -> int | None:
    """Rows of the layer's 2-D weight whose gradient (and bias gradient) is exactly zero."""
    weight = next((p for n, p in params if p.data.ndim == 2 and p.grad is not None), None)
    if weight is None:
        return None
    g = np.asarray(weight.grad.data)
    dead = ~(g != 0).any(axis=1)
    for _, p in params:
        if p.data.ndim == 1 and p.data.shape[0] == g.shape[0] and p.grad is not None:
            dead &= np.asarray(p.grad.data) == 0
    return int(dead.sum())


def grad_flow_report(
    model: Module,
    inputs: Tensor | np.ndarray | None = None,
    targets: Tensor | np.ndarray | None = None,
    loss_fn: Callable[..., Tensor] | None = None,
    *,
    activations: ActivationRecorder | None = None,
    vanishing: float = 1e-3,
    exploding: float = 1e3,
    max_grad: float = 1e3,
    min_grad: float = 1e-8,
) -> GradFlowReport:
    """Check how gradients flow through ``model``: vanishing, exploding and dead units.

    Two ways to use it:

    - Give a batch: ``grad_flow_report(model, x, y, loss_fn)`` clears the
      parameters' gradients, runs ``loss_fn(model(x), y)`` (``loss_fn(model(x))``
      without targets; by default the mean squared error with targets, the
      mean of the output without) and ``backward()``, recording activations
      with forward hooks, and leaves the gradients on the parameters like a
      training step would.
    - After your own ``backward()``: ``grad_flow_report(model)`` reads the
      gradients already on the parameters; pass ``activations=`` from
      :func:`record_activations` around your forward pass to check for dead
      units as well.

    A layer is ``"vanishing"`` when its mean |grad| is below ``vanishing``
    times the last layer's (three orders of magnitude by default), or below
    ``min_grad`` in absolute terms (a whole stack can stall together, which
    the relative test alone misses; a converged model trips it too),
    ``"exploding"`` when above ``exploding`` times, or when any of its
    gradients exceeds ``max_grad`` in magnitude (in plain linear or ReLU
    stacks with too large weights every layer explodes alike, so only the
    absolute test sees it), ``"non-finite"`` with NaN/inf, ``"zero"`` when
    its gradient is exactly zero. The report's
    ``text`` (also its ``str()``) is a table plus a verdict with hints.

    >>> import nn, autograd_lite as ag
    >>> from autograd_lite.viz import grad_flow_report
    >>> _ = ag.manual_seed(0)
    >>> layers = []
    >>> for _ in range(9):
    ...     layers += [nn.Linear(16, 16), nn.Sigmoid()]
    >>> deep = nn.Sequential(*layers, nn.Linear(16, 1))
    >>> report = grad_flow_report(deep, ag.randn(32, 16), ag.randn(32, 1))
    >>> report.vanishing, report.healthy
    (['0', '2', '4', '6', '8', '10', '12'], False)
    >>> print(report.text.splitlines()[2])
    0      Linear          272     2.5e-09     2.2e-08     3e-09  VANISHING
    """
    recorder = activations
    loss_value = None
    if inputs is not None:
        from ..graph import enable_grad

        x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
        model.zero_grad()
        with enable_grad(), record_activations(model) as recorder:
            out = model(x)
            if loss_fn is not None:
                loss = loss_fn(out, targets) if targets is not None else loss_fn(out)
            elif targets is not None:
                from ..functional import mse_loss

                loss = mse_loss(out, targets if isinstance(targets, Tensor) else Tensor(targets))
            else:
                loss = out.mean()
        loss.backward()
        loss_value = float(loss.item()) if loss.data.size == 1 else None
    groups = _group(model)
    if not groups:
        raise ValueError("grad_flow_report: the model has no parameters")
    if inputs is None and all(p.grad is None for _, _, ps in groups for _, p in ps):
        raise ValueError(
            "grad_flow_report: no parameter has a gradient yet; call loss.backward() first, or pass a batch: "
            "grad_flow_report(model, inputs, targets, loss_fn)"
        )
    layers = _layer_stats(groups, vanishing, exploding, max_grad, min_grad)
    acts = list(recorder.values()) if recorder is not None else []
    title = type(model).__name__ if hasattr(model, "named_modules") else "model"
    return GradFlowReport(layers, acts, loss_value, vanishing, exploding, max_grad, recorder is not None, title)


# -------------------------------------------------------------------- plot
def _pyplot():
    import matplotlib

    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ and headless:
        if sys.platform.startswith("linux"):
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_grad_flow(
    named_parameters: Iterable[tuple[str, Tensor]] | Module, ax: Axes | None = None, vanishing: float = 1e-3
) -> Figure:
    """A bar chart of max and mean |grad| per layer, on a log scale; returns the matplotlib Figure.

    ``named_parameters`` is ``model.named_parameters()`` (or the model
    itself); parameters are grouped into layers by the module that owns
    them (by the name before the last dot when only names are given). Each
    layer gets two bars, max |grad| (light) and mean |grad| (dark); a layer
    whose gradient is zero or missing gets a red stub and a ``(zero)`` or
    ``(no grad)`` tick label. A dashed line marks ``vanishing`` times the
    last layer's mean, the threshold :func:`grad_flow_report` uses. Draws
    into ``ax`` when given; uses the Agg backend when there is no display.

    >>> import nn, autograd_lite as ag
    >>> from autograd_lite.viz import plot_grad_flow
    >>> _ = ag.manual_seed(0)
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> net(ag.randn(16, 4)).mean().backward()
    >>> fig = plot_grad_flow(net.named_parameters())
    >>> len(fig.axes[0].patches)       # 2 layers x (max, mean)
    4
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    groups = _group(named_parameters)
    if not groups:
        raise ValueError("plot_grad_flow: no parameters given")
    layers = _layer_stats(groups, vanishing, 1e3)
    if ax is None:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(layers) + 2), 4.5))
    else:
        fig = ax.figure
    good = [v for layer in layers for v in (layer.grad_mean, layer.grad_max) if np.isfinite(v) and v > 0]
    floor = min(good) / 10 if good else 1e-12
    xs = np.arange(len(layers))
    labels = []
    for i, layer in enumerate(layers):
        ok = np.isfinite(layer.grad_max) and layer.grad_max > 0
        mx = layer.grad_max if ok else floor
        mean = layer.grad_mean if ok and layer.grad_mean > 0 else floor
        ax.bar(i, mx, width=0.7, color="#9ecae1" if ok else "#d7191c", label="max |grad|" if i == 0 else None)
        ax.bar(i, mean, width=0.4, color="#08519c" if ok else "#d7191c", label="mean |grad|" if i == 0 else None)
        tag = "" if ok else (" (no grad)" if layer.status == "no grad" else f" ({layer.status})")
        labels.append(f"{layer.name}{tag}")
    last = [layer for layer in layers if np.isfinite(layer.grad_mean) and layer.grad_mean > 0]
    if last:
        ax.axhline(last[-1].grad_mean * vanishing, color="#d7191c", ls="--", lw=1, label="vanishing threshold")
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, rotation=45 if len(layers) > 6 else 0, ha="right" if len(layers) > 6 else "center")
    ax.set_xlabel("layer (input side on the left)")
    ax.set_ylabel("|gradient|")
    ax.set_title("gradient flow")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig

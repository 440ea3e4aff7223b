"""See the chain rule: graph drawings, a step-by-step explainer and gradient flow.

Everything here only *reads* a recorded graph (``tensor.grad_fn`` and the
nodes' inputs); the engine does not know this package exists. Graphviz and
matplotlib are imported inside the functions that need them.

- :func:`draw_graph` / :func:`render_graph`: the graph of operations and
  tensors, coloured by gradient magnitude (Graphviz).
- :func:`explain`: the backward pass as text, one chain-rule step per edge.
- :func:`plot_grad_flow` / :func:`grad_flow_report`: gradient magnitude per
  layer, vanishing and exploding gradients, dead units.

>>> import autograd_lite as ag
>>> a = ag.tensor(2.0, requires_grad=True)
>>> print(ag.viz.explain((a * a).exp(), names={"a": a}).splitlines()[-1])
  a: 109.196 + 109.196 = 218.393
"""

from __future__ import annotations

from .drawing import draw_graph, render_graph
from .explain import Explanation, Step, explain
from .flow import (
    ActivationRecorder,
    ActivationStats,
    GradFlowReport,
    LayerStats,
    grad_flow_report,
    plot_grad_flow,
    record_activations,
)

__all__ = [
    "draw_graph",
    "render_graph",
    "explain",
    "Explanation",
    "Step",
    "plot_grad_flow",
    "grad_flow_report",
    "record_activations",
    "GradFlowReport",
    "LayerStats",
    "ActivationStats",
    "ActivationRecorder",
]

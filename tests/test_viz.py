"""autograd_lite.viz: graph drawings, the chain-rule explainer and gradient flow."""

import re
import subprocess
import sys

import numpy as np
import pytest
from test_micrograd import more_ops as micrograd  # noqa: E402 - the same expression the engine tests use

import autograd_lite as ag
import nn
from autograd_lite.tensor import _topo_order
from autograd_lite.viz import (
    draw_graph,
    explain,
    grad_flow_report,
    plot_grad_flow,
    record_activations,
    render_graph,
)
from autograd_lite.viz import drawing as viz_drawing


def parse_dot(dot):
    """Nodes ``{id: attrs}`` and edges ``[(src, dst)]`` from a Digraph's body (top level and clusters)."""
    nodes, edges = {}, []
    for line in dot.body:
        line = line.strip()
        m = re.match(r"^(\w+) -> (\w+)", line)
        if m:
            edges.append(m.groups())
            continue
        m = re.match(r"^(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("node", "edge", "graph"):
            attrs = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', m.group(2)))
            nodes[m.group(1)] = {k: v.strip('"') for k, v in attrs.items()}
    return nodes, edges


def labels(nodes):
    return [attrs.get("label", "") for attrs in nodes.values()]


# ------------------------------------------------------------------ drawing
def test_micrograd_dot_golden():
    v = micrograd()
    dot = draw_graph(v["g"], names=v, legend=False)
    nodes, edges = parse_dot(dot)
    tensors = [n for n in nodes if n.startswith(("x_", "t_"))]
    ops = [n for n in nodes if n.startswith("op_")]
    # 2 leaves + 25 results, 25 operations; 39 operand edges + 25 result edges
    assert (len(tensors), len(ops), len(edges)) == (27, 25, 64)
    assert len(nodes) == 52
    labs = labels(nodes)
    assert r"a\nscalar float64\ndata -4\ngrad 138.834" in labs
    assert r"b\nscalar float64\ndata 2\ngrad 645.577" in labs
    assert r"f\nscalar float64\ndata 49\ngrad 0.495835" in labs
    assert r"g\nscalar float64\ndata 24.7041\ngrad 1" in labs
    assert r"e\nscalar float64\ndata -7\ngrad -6.94169" in labs
    ops_labels = sorted(nodes[n]["label"] for n in ops)
    assert (
        ops_labels.count("add") == 11
        and ops_labels.count("add(., 1)") == 2
        and ops_labels.count("where(. > 0, ., 0)") == 2
    )
    assert {"div(., 2)", "div(10, .)", "pow(., 2)", "pow(., 3)", "mul(3, .)", "neg", "sub"} <= set(ops_labels)
    # every operation has exactly one result edge
    assert sorted(s for s, _ in edges if s.startswith("op_")) == sorted(ops)


def test_zero_gradient_stands_out_and_legend():
    v = micrograd()
    nodes, _ = parse_dot(draw_graph(v["g"], names=v))
    # relu(b + a) with b + a = -2: its input gets exactly zero gradient
    zero = [n for n, a in nodes.items() if a.get("label", "").endswith(r"data -2\ngrad 0")]
    assert len(zero) == 1 and nodes[zero[0]]["fillcolor"] == "#d9d9d9"
    legend = next(line for line in draw_graph(v["g"]).body if line.strip().startswith("legend"))
    assert "exactly 0" in legend and "NaN or inf" in legend and "exploding" in legend
    assert "legend" not in draw_graph(v["g"], legend=False).source


def test_nan_and_exploding_gradients_are_coloured():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    nodes, _ = parse_dot(draw_graph(x.sqrt().sum(), names={"x": x}, legend=False))  # d sqrt at 0 is inf
    assert nodes["x_0"]["fillcolor"] == "#d7191c"
    w = ag.tensor(1.0, requires_grad=True)
    nodes, _ = parse_dot(draw_graph(w * 1e5, legend=False))
    assert nodes["x_0"]["fillcolor"] == "#ff8c1a"


def test_drawing_is_the_same_before_and_after_backward_and_writes_no_grad():
    v = micrograd()
    before = draw_graph(v["g"], names=v).source
    assert v["a"].grad is None and v["f"].grad is None
    v["g"].backward()  # releases the graph; its values stay readable
    after = draw_graph(v["g"], names=v).source
    assert before == after
    assert v["a"].grad.item() == pytest.approx(138.83381924198252)


def test_compact_merges_each_operation_with_its_result():
    v = micrograd()
    nodes, edges = parse_dot(draw_graph(v["g"], names=v, legend=False, compact=True))
    assert (len(nodes), len(edges)) == (27, 39)
    assert r"f = pow\n(., 2)" not in labels(nodes)
    assert any(lab.startswith(r"f = pow(., 2)\nscalar float64") for lab in labels(nodes))


def mlp3(seed=0):
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = ag.randn(16, 4), ag.randint(0, 3, (16,))
    return model, nn.CrossEntropyLoss()(model(x), y)


def test_model_parameters_are_named_and_layers_clustered():
    model, loss = mlp3()
    dot = draw_graph(loss, model=model)
    src = dot.source
    for k in ("0", "2", "4"):
        assert f'label="{k} (Linear)"' in src
    assert src.count("subgraph cluster_") == 3
    nodes, _ = parse_dot(dot)
    assert any(lab.startswith(r"0.weight\n(8, 4) float64") for lab in labels(nodes))
    assert any(lab.startswith(r"4.bias\n(3,) float64\ndata [") for lab in labels(nodes))  # small: values shown
    # readable: one node per operation, well under a screenful
    assert len(nodes) <= 40
    # activations sit between the clusters, not inside them
    clusters = re.findall(r"subgraph cluster_\d+ \{(.*?)\n\t\}", src, flags=re.S)
    assert not any("where" in c for c in clusters)
    assert all("linear" in c for c in clusters)  # nn.Linear is one node


def test_numeric_check_flags_a_wrong_rule():
    @ag.primitive
    def bad_cube(x):
        return x**3

    ag.defvjp(bad_cube, lambda g, out, x: g * 2 * x**2)  # should be 3 x^2

    @ag.primitive
    def good_cube(x):
        return x**3

    ag.defvjp(good_cube, lambda g, out, x: g * 3 * x**2)

    x = ag.tensor([0.5, -1.5], requires_grad=True)
    dot = draw_graph((bad_cube(x) * 2.0).sum(), names={"x": x}, check_numeric=True)
    nodes, _ = parse_dot(dot)
    assert nodes["x_0"]["label"] == r"x\n(2,) float64\ndata [0.5, -1.5]\ngrad [1, 9]\nnumeric [1.5, 13.5] MISMATCH"
    assert nodes["x_0"]["color"] == "#d7191c"
    culprits = [n for n, a in nodes.items() if "VJP rule disagrees" in a.get("label", "")]
    assert len(culprits) == 1 and nodes[culprits[0]]["label"].startswith("bad_cube")
    assert "analytic != numeric" in next(line for line in dot.body if line.strip().startswith("legend"))
    # every other node agrees
    assert sum("MISMATCH" in lab for lab in labels(nodes)) == 1

    src = draw_graph((good_cube(x) * 2.0).sum(), check_numeric=True).source
    assert "MISMATCH" not in src and "disagrees" not in src and src.count(" ok") == 4


def test_render_svg_and_png_with_dot(tmp_path):
    v = micrograd()
    out = render_graph(v["g"], tmp_path / "micrograd.svg", names=v)
    assert out == tmp_path / "micrograd.svg"
    svg = out.read_text()
    assert "<svg" in svg and "138.834" in svg and "645.577" in svg
    png = render_graph(v["g"], tmp_path / "sub" / "graph", format="png")
    assert png.name == "graph.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_without_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(viz_drawing.shutil, "which", lambda name: None)
    v = micrograd()
    with pytest.raises(RuntimeError, match="apt-get install graphviz") as info:
        render_graph(v["g"], tmp_path / "g.svg")
    assert "pip install graphviz" in str(info.value) and str(tmp_path / "g.dot") in str(info.value)
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert not (tmp_path / "g.svg").exists()


def test_render_rejects_a_suffix_that_contradicts_the_format(tmp_path):
    with pytest.raises(ValueError, match="format='png'"):
        render_graph(ag.tensor(1.0, requires_grad=True) * 2, tmp_path / "g.png")


def test_core_import_does_not_load_graphviz_or_matplotlib():
    code = (
        "import sys, autograd_lite as ag, nn; ag.viz.explain; "
        "assert 'graphviz' not in sys.modules and 'matplotlib' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ explain
def test_explain_micrograd_gives_the_hand_calculation(capsys):
    v = micrograd()
    text = explain(v["g"], names=v)
    assert capsys.readouterr().out == ""  # returned, not printed
    assert isinstance(text, str)
    lines = text.splitlines()
    # g = f/2 + 10/f with f = e^2 = 49:  dg/df = 1/2 - 10/f^2 = 0.5 - 0.00416493
    # (the two terms come in whichever order the engine visits the branches)
    assert "      -> f: 1 x 0.5 = 0.5" in lines
    assert "      -> f: 1 x -0.00416493 = -0.00416493" in lines
    assert any(
        re.match(r"\[4\] f = pow\(e, 2\) +dg/df = (-0.00416493 \+ 0.5|0.5 \+ \(-0.00416493\)) = 0.495835$", ln)
        for ln in lines
    )
    # df/de = 2e = -14;  e = c - d:  dc gets +1, dd gets -1 times that
    assert "      -> e: 0.495835 x -14 = -6.94169" in lines
    assert "      -> c: -6.94169 x 1 = -6.94169" in lines
    assert "      -> d: -6.94169 x -1 = 6.94169" in lines
    # relu(b + a) at -2 passes nothing back
    assert any(re.search(r"where\(t\d+ > 0, t\d+, 0\)", ln) for ln in lines)
    assert lines[-2].startswith("  a: ") and lines[-2].endswith("= 138.834")
    assert lines[-1].startswith("  b: ") and lines[-1].endswith("= 645.577")

    f = 49.0
    steps = {(s.op, s.out, s.input): s for s in text.steps}
    div_f2 = next(s for (op, _o, i), s in steps.items() if op == "div" and i == "f" and s.local.item() == 0.5)
    assert div_f2.contribution.item() == 0.5
    div_10f = [s for s in text.steps if s.op == "div" and s.input == "f" and s is not div_f2][0]
    assert div_10f.contribution.item() == pytest.approx(-10 / f**2, rel=1e-14)
    assert text.grads["f"].item() == pytest.approx(0.5 - 10 / f**2, rel=1e-14)
    assert text.grads["a"].item() == pytest.approx(138.83381924198252, rel=1e-14)
    assert text.grads["b"].item() == pytest.approx(645.5772594752186, rel=1e-14)
    assert v["a"].grad is None  # explain writes no .grad


def test_explain_follows_the_engine_order_and_can_print(capsys):
    v = micrograd()
    text = explain(v["g"], names=v, file=sys.stdout)
    assert capsys.readouterr().out.strip() == text.strip()
    heads = [ln for ln in text.splitlines() if ln.startswith("[")]
    ops = [re.match(r"\[\d+\] \S+ = (\w+)\(", h).group(1) for h in heads]
    assert ops == [t.grad_fn.name for t in _topo_order([v["g"]])]
    edges = [ln for ln in text.splitlines() if ln.startswith("      -> ")]
    assert len(edges) == len(text.steps) == 39
    v["g"].backward()
    assert explain(v["g"], names=v) == text  # the released graph still explains the same


def test_replay_gives_the_gradients_backward_gives_on_a_model():
    model, loss = mlp3()
    text = explain(loss, model=model)
    assert all(p.grad is None for p in model.parameters())
    loss.backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(text.grads[name], p.grad.data, rtol=1e-13, atol=0)
    assert "linear(" in text and "-> 0.bias: " in text  # nn.Linear is one node; its bias gradient sums the batch


def test_explain_shows_where_broadcasting_sums_the_gradient_back():
    w = ag.ones(3, 4, requires_grad=True)
    b = ag.tensor([0.5, -1.0, 2.0, 0.0], requires_grad=True)
    s = ag.tensor(2.0, requires_grad=True)
    text = explain(((w + b) * s).sum(), names={"w": w, "b": b, "s": s})
    bline = [ln for ln in text.splitlines() if ln.startswith("      -> b:")]
    assert bline == [
        "      -> b: (3, 4) mean 2, |max| 2 summed over axis 0 = [6, 6, 6, 6]   "
        "[broadcasting (4,) -> (3, 4): the gradient is summed back to the smaller shape]"
    ]
    assert "summed over axes (0, 1) = 16.5" in text  # the scalar s: 3 rows * sum(1 + b) = 3 * 5.5
    kinds = [st.kind for st in text.steps if st.input in ("b", "s")]
    assert kinds == ["broadcast", "broadcast"]
    assert "x dmul/d" in text  # arrays: the Jacobian is named, not printed
    np.testing.assert_array_equal(text.grads["b"], [6.0, 6.0, 6.0, 6.0])


def test_explain_non_scalar_root_and_constants():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    text = explain(x * 3, names={"x": x})
    assert "(ones: the gradient of the root's sum)" in text.splitlines()[0]
    assert text.splitlines()[-1] == "  x: [3, 3]"
    with pytest.raises(ValueError, match=r"expected shape \(2,\)"):
        explain(x * 3, gradient=np.ones(3))
    assert "nothing to propagate" in explain(ag.tensor(1.0) * 2)


def test_explain_reports_a_rule_that_cannot_run():
    @ag.primitive
    def no_rule(x):
        return x * 2

    x = ag.tensor(1.0, requires_grad=True)
    text = explain(no_rule(x) + x, names={"x": x})
    assert "-> x: cannot apply the rule: NotImplementedError" in text
    assert text.splitlines()[-1] == "  x: 1"


# ------------------------------------------------------------ gradient flow
def deep_mlp(act, he=False, depth=10, width=16, seed=0):
    ag.manual_seed(seed)
    layers = []
    for _ in range(depth - 1):
        fc = nn.Linear(width, width)
        if he:
            nn.init.kaiming_normal_(fc.weight, nonlinearity="relu")
            nn.init.zeros_(fc.bias)
        layers += [fc, act()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_sigmoid_mlp_vanishes_and_relu_with_he_init_does_not(seed):
    sig = deep_mlp(nn.Sigmoid, seed=seed)
    x, y = ag.randn(64, 16), ag.randn(64, 1)
    report = grad_flow_report(sig, x, y)
    assert report.vanishing[:4] == ["0", "2", "4", "6"] and not report.healthy
    assert report.layers[0].ratio < 1e-6 and report.layers[-1].ratio == 1.0
    assert "VANISHING gradients in" in report.text and "kaiming_normal_" in report.text

    relu = deep_mlp(nn.ReLU, he=True, seed=seed)
    report = grad_flow_report(relu, x, y)
    assert report.vanishing == [] and report.exploding == [] and report.zero == []
    assert all(layer.status == "ok" for layer in report.layers)
    assert min(layer.ratio for layer in report.layers) > 1e-2


def test_relu_layer_with_large_negative_bias_is_reported_dead():
    ag.manual_seed(5)  # a seed where no unit is dead to begin with
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    x, y = ag.randn(32, 4), ag.randn(32, 1)
    assert grad_flow_report(net, x, y).dead == {}
    with ag.no_grad():
        net[2].bias.data[:3] = -100.0
    report = grad_flow_report(net, x, y)
    assert report.dead == {"3": [0, 1, 2]}
    assert report.layers[1].zero_grad_units == 3 and report.layers[1].status == "ok"
    assert "3 (ReLU): 3 of 8 units dead (0, 1, 2), 32 samples" in report.text
    assert "ok (3 units got no gradient)" in report.text
    with ag.no_grad():
        net[2].bias.data[:] = -100.0
    report = grad_flow_report(net, x, y)
    assert report.dead == {"3": list(range(8))}
    assert "8 of 8 units dead (all)" in report.text
    assert report.zero == ["0", "2"]  # nothing reaches the layers before the dead one
    assert "DEAD units in 3" in report.text and "ZERO gradient in 2 layers (0, 2)" in report.text


def test_report_from_your_own_backward_with_recorded_activations():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 1))
    with pytest.raises(ValueError, match="no parameter has a gradient"):
        grad_flow_report(net)
    with ag.no_grad():
        net[0].bias.data[0] = -50.0
    with record_activations(net) as acts:
        loss = nn.MSELoss()(net(ag.randn(20, 3)), ag.zeros(20, 1))
    loss.backward()
    report = grad_flow_report(net, activations=acts)
    assert report.dead == {"1": [0]} and report.loss is None
    assert acts["1"].samples == 20 and acts["1"].units == 6
    assert net[1]._forward_hooks == {}  # the hooks are gone after the block
    plain = grad_flow_report(net)
    assert "dead units: not checked" in plain.text and plain.dead == {}


def test_exploding_and_non_finite_gradients_are_flagged():
    ag.manual_seed(0)
    net = nn.Sequential(*[nn.Linear(8, 8) for _ in range(8)])
    for layer in net:
        nn.init.normal_(layer.weight, 0.0, 1.5)  # each layer multiplies activations and gradients by about 4
    report = grad_flow_report(net, ag.randn(16, 8), ag.randn(16, 8))
    # forward and backward grow alike, so the ratios stay near 1: the absolute bound sees it
    assert all(0.1 < layer.ratio < 10 for layer in report.layers)
    assert report.exploding == [str(k) for k in range(8)] and "EXPLODING gradients in 8 of 8" in report.text
    assert "clip_grad_norm_" in report.text
    assert grad_flow_report(net, max_grad=np.inf).exploding == []
    # growing towards the input, relative to the last layer
    for k, layer in enumerate(net):
        layer.weight.grad = ag.full((8, 8), 10.0 ** (4 - k))
        layer.bias.grad = ag.zeros(8)
    report = grad_flow_report(net, max_grad=np.inf)
    assert report.exploding == ["0", "1", "2", "3"] and report.layers[0].ratio == pytest.approx(1e7)
    net[3].weight.grad.data[0, 0] = np.nan
    report = grad_flow_report(net)
    assert "3" in report.exploding and report.layers[3].status == "non-finite"


def test_plot_grad_flow_draws_two_bars_per_layer():
    import matplotlib.pyplot as plt

    model, loss = mlp3()
    loss.backward()
    fig = plot_grad_flow(model.named_parameters())
    try:
        ax = fig.axes[0]
        assert len(ax.patches) == 2 * 3
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "4"]
        assert ax.get_yscale() == "log"
        heights = [p.get_height() for p in ax.patches]
        assert heights[0] == pytest.approx(
            np.abs(np.concatenate([model[0].weight.grad.data.ravel(), model[0].bias.grad.data.ravel()])).max()
        )
    finally:
        plt.close(fig)
    model[4].bias.grad = None
    model[2].weight.grad = None
    model[2].bias.grad = None
    fig, ax = plt.subplots()
    try:
        assert plot_grad_flow(model, ax=ax) is fig
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2 (no grad)", "4"]
    finally:
        plt.close(fig)


# ------------------------------------------------------------- forward hooks
def test_forward_hooks():
    fc = nn.Linear(2, 3)
    assert "_forward_hooks" not in fc.__dict__  # no hooks: __call__ stays on its fast path
    calls = []
    h1 = fc.register_forward_hook(lambda m, inputs, out: calls.append((m, inputs[0].shape, out.shape)))
    x = ag.ones(4, 2)
    fc(x)
    assert calls == [(fc, (4, 2), (4, 3))]
    with fc.register_forward_hook(lambda m, inputs, out: out * 0):
        assert np.all(fc(x).data == 0)  # a returned value replaces the output
    assert np.any(fc(x).data != 0)
    h1.remove()
    h1.remove()
    fc(x)
    assert len(calls) == 3
    with pytest.raises(TypeError, match="callable"):
        fc.register_forward_hook(3)


def test_a_stalled_stack_is_flagged_even_when_every_layer_is_equally_small():
    import nn
    from autograd_lite.viz import grad_flow_report

    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    for p in model.parameters():
        p.grad = ag.full(p.shape, 1e-10)
    report = grad_flow_report(model)
    assert report.vanishing == ["0", "2"] and not report.healthy
    assert grad_flow_report(model, min_grad=0.0).healthy

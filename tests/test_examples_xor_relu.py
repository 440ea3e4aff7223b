"""examples/xor.py draws its graph and loss curve; examples/sigmoid_vs_relu.py shows what it claims."""

import contextlib
import importlib.util
import io
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _png(path: pathlib.Path, min_size: int = 5_000) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > min_size


def test_xor_keeps_its_output_and_writes_graph_and_loss_curve(tmp_path, capsys):
    final_loss = load("xor").main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert final_loss < 0.01
    # the lines the README quotes come first, unchanged; the new ones only after "final loss"
    head, tail = out.split("\nfinal loss ")
    assert head.startswith("engine vs hand-written NumPy gradients, largest difference: ")
    assert float(head.split("largest difference:")[1].split()[0]) < 1e-12
    assert "\ninput   target  before  after\n[0 0]     0    0.813   " in head
    assert tail.startswith(f"{final_loss:.5f} after 2000 epochs\n")
    assert "backward graph of the loss at the trained weights" in tail

    svg = tmp_path / "xor_graph.svg"
    text = svg.read_text()
    assert "<svg" in text
    for name in ("W1", "b1", "W2", "b2", "loss"):  # the parameters are named, and shown with their gradients
        assert f">{name}" in text, name
    assert "grad [" in text
    assert _png(tmp_path / "xor_graph.png", 20_000)
    assert _png(tmp_path / "xor_loss.png")
    for f in ("xor_graph.svg", "xor_graph.png", "xor_loss.png"):
        assert f"wrote {tmp_path / f}" in tail


def test_xor_carries_on_without_graphviz(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # render_graph looks for `dot` on PATH
    assert load("xor").main(["--quick", "--out", str(tmp_path)]) < 0.01
    out = capsys.readouterr().out
    assert out.count("not rendered:") == 1 and "Graphviz" in out
    assert not (tmp_path / "xor_graph.svg").exists()
    assert (tmp_path / "xor_graph.dot").read_text().startswith("digraph")
    assert _png(tmp_path / "xor_loss.png")


@pytest.fixture(scope="module")
def sigmoid_vs_relu(tmp_path_factory):
    """Run the example once for the tests below (capsys is per test, so capture stdout here)."""
    out_dir = tmp_path_factory.mktemp("sigmoid_vs_relu")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = load("sigmoid_vs_relu").main(["--quick", "--out", str(out_dir)])
    return result, buf.getvalue(), out_dir


def test_small_networks_sigmoid_learns_relu_sometimes_dies(sigmoid_vs_relu):
    result, out, _ = sigmoid_vs_relu
    n = result["n_nets"]
    assert result["learned"]["sigmoid"] == n
    assert 0 < result["learned"]["ReLU"] < n  # some ReLU networks fail ...
    assert result["loss"]["ReLU"] < result["loss"]["sigmoid"] < 0.1  # ... the one shown learns, faster
    dead = result["relu_dead"]
    assert dead.shape == (n,) and dead.max() >= 3  # nets with one live unit exist, and cannot learn XOR
    assert f"sigmoid  {n} of {n} learn XOR" in out
    assert f"ReLU     {result['learned']['ReLU']} of {n} learn XOR" in out
    table = out.split("ReLU networks by dead hidden units at the end:")[1].splitlines()
    learn = [int(v) for v in table[1].split(":")[1].split()]
    fail = [int(v) for v in table[2].split(":")[1].split()]
    assert sum(learn) == result["learned"]["ReLU"] and sum(fail) == n - sum(learn)
    assert learn[3:] == [0, 0] and fail[3] > 0  # 3 or 4 dead of 4: never learned


def test_deep_stacks_vanish_die_and_leaky_relu_is_healthy(sigmoid_vs_relu):
    result, out, _ = sigmoid_vs_relu
    reports = result["reports"]
    assert reports["sigmoid"].vanishing[:2] == ["0", "2"] and not reports["sigmoid"].dead
    assert reports["relu"].dead and not reports["relu"].vanishing
    assert sum(map(len, reports["relu"].dead.values())) > result["relu_dead_first_step"] > 0
    assert reports["leaky_relu"].healthy and not reports["leaky_relu"].dead
    # the reports' text is printed
    assert "VANISHING gradients in" in out
    assert "DEAD units in" in out
    assert "verdict: healthy" in out
    assert out.count("gradient flow of Sequential") == 3


def test_sigmoid_vs_relu_writes_its_pictures(sigmoid_vs_relu):
    result, out, out_dir = sigmoid_vs_relu
    files = [out_dir / "sigmoid_vs_relu_loss.png", out_dir / "grad_flow.png"]
    assert [pathlib.Path(f) for f in result["files"]] == files
    for f in files:
        assert _png(f, 20_000), f
        assert f"wrote {f}" in out
    assert np.isfinite(list(result["loss"].values())).all()

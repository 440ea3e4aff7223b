"""examples/chain_rule.py runs, prints the hand-calculated numbers and writes its drawings."""

import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_chain_rule_example(tmp_path, capsys):
    result = load("chain_rule").main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    # micrograd's numbers, step by step and in total
    assert "      -> f: 1 x 0.5 = 0.5" in out
    assert "      -> f: 1 x -0.00416493 = -0.00416493" in out
    assert "      -> e: 0.495835 x -14 = -6.94169" in out
    assert "dg/df = 0.495835   (explain: 0.495835)" in out
    assert "a.grad = 138.8338, b.grad = 645.5773" in out
    assert result["g"] == pytest.approx(24.70408163265306, rel=1e-14)
    assert result["a_grad"] == pytest.approx(138.83381924198252, rel=1e-14)
    assert result["b_grad"] == pytest.approx(645.5772594752186, rel=1e-14)
    # the derivative's own backward pass is tanh''(0.5)
    assert "      -> x: -0.924234 x 0.786448 = -0.726862" in out
    assert result["tanh2"] == pytest.approx(-0.7268619813, rel=1e-9)
    assert result["max_error"] < 1e-12
    # the drawings: real Graphviz output with values, gradients and their numerical check
    svg = (tmp_path / "micrograd.svg").read_text()
    assert "<svg" in svg and "138.834" in svg and "645.577" in svg and "numeric" in svg and "MISMATCH" not in svg
    assert (tmp_path / "micrograd.png").read_bytes()[:4] == b"\x89PNG"
    assert "dydx" in (tmp_path / "tanh_derivative_graph.svg").read_text()
    assert (tmp_path / "tanh_derivatives.png").stat().st_size > 10_000
    assert sorted(p.name for p in result["files"]) == sorted(p.name for p in tmp_path.iterdir())

"""Every example runs and learns what it claims to learn."""

import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_xor_learns_and_matches_hand_written_backprop(capsys):
    final_loss = load("xor").main(["--quick"])
    out = capsys.readouterr().out
    assert final_loss < 0.01
    assert "largest difference" in out
    diff = float(out.split("largest difference:")[1].split()[0])
    assert diff < 1e-12


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_every_example_has_a_docstring_and_main(path):
    src = path.read_text()
    assert src.lstrip().startswith('"""') and "def main" in src


def test_activations_plot_and_closed_forms(tmp_path, capsys):
    data = load("activations").main(["--out", str(tmp_path)])
    assert (tmp_path / "activations.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "sigmoid           24% of the range" in out and "leaky_relu (0.1)  nowhere" in out
    assert set(data) >= {"sigmoid", "tanh", "relu", "gelu", "softplus", "silu"}

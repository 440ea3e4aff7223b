"""The training examples run in their quick mode, learn what they claim, and write their pictures."""

import importlib.util
import pathlib

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(name: str, tmp_path, capsys) -> tuple[dict, str]:
    result = load(name).main(["--quick", "--out", str(tmp_path)])
    return result, capsys.readouterr().out


def assert_pngs(tmp_path, *names: str) -> None:
    for name in names:
        path = tmp_path / name
        assert path.exists(), f"{name} was not written"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, name


def test_digits_both_styles_reach_95_percent(tmp_path, capsys):
    result, out = run("digits", tmp_path, capsys)
    assert result["accuracy_loop"] >= 0.95 and result["accuracy_fit"] >= 0.95
    cm = result["confusion"]
    assert cm.shape == (10, 10) and cm.sum() == 450 and np.trace(cm) / 450 == result["accuracy_loop"]
    assert result["history"]["val_accuracy"][-1] == result["accuracy_fit"]
    assert "test accuracy" in out and "confusion matrix" in out and "reproduces the hand-written loop exactly" in out
    assert len([line for line in out.splitlines() if line.rstrip().endswith("%") and line.split()[0].isdigit()]) == 10
    assert_pngs(tmp_path, "digits_misclassified.png", "digits_history.png")


def test_optimizers_all_reduce_the_loss_and_decay_beats_constant(tmp_path, capsys):
    result, out = run("optimizers", tmp_path, capsys)
    final = result["optimizers"]
    assert set(final) == {"SGD", "SGD + momentum 0.9", "Nesterov 0.9", "Adagrad", "RMSprop", "Adam"}
    assert all(np.isfinite(v) and v < 24.2 / 50 for v in final.values()), final
    assert final["Adam"] < final["SGD"] and final["SGD + momentum 0.9"] < final["SGD"]
    tail = result["schedules"]
    assert set(tail) == {"constant", "warmup + constant", "step decay", "cosine"}
    assert tail["cosine"] < tail["constant"] and tail["step decay"] < tail["constant"]
    for name in final:
        assert name in out
    assert_pngs(tmp_path, "optimizers.png", "lr_schedules.png")


def test_init_scales_weight_decay_and_clipping(tmp_path, capsys):
    result, out = run("init_and_regularization", tmp_path, capsys)
    tanh, relu = result["stats"]["tanh"], result["stats"]["relu"]
    xavier = tanh["Xavier normal"][0]
    assert xavier.max() / xavier.min() < 3
    assert tanh["N(0, 1)"][1].min() > 0.5  # saturated
    assert relu["N(0, 1)"][0][-1] > 1e4 and relu["N(0, 0.01^2)"][0][-1] < 1e-6
    norms = [r["norms"][-1] for r in result["weight_decay"].values()]
    assert norms == sorted(norms, reverse=True)
    clip = result["clipping"]
    assert not np.isfinite(clip["no clipping"]["losses"][-1])
    assert np.all(np.isfinite(clip["clip_grad_norm_(1.0)"]["losses"]))
    assert "inf/NaN at epoch" in out and "weight norm" in out
    assert_pngs(tmp_path, "init_activations.png", "regularization.png")


def test_cross_validation_stratified_folds_keep_proportions(tmp_path, capsys):
    result, out = run("cross_validation", tmp_path, capsys)
    strat = np.array([f["counts"] for f in result["folds"]["StratifiedKFold"]])
    assert (np.ptp(strat, axis=0) <= 1).all()
    assert result["mean_accuracy"]["StratifiedKFold"] >= 0.9
    assert result["balanced_accuracy"]["KFold, no shuffle"] < result["balanced_accuracy"]["StratifiedKFold"]
    assert out.count("mean  accuracy") == 3 and "trained without any digit 8" in out
    assert_pngs(tmp_path, "cross_validation.png")


def test_custom_primitive_checks_pass_and_broken_rules_are_named(tmp_path, capsys):
    result, out = run("custom_primitive", tmp_path, capsys)
    assert all(result["checks"].values())
    assert "'softsign_wrong'" in result["wrong_message"]
    assert "'softsign_detached'" in result["detached_message"]
    assert result["final_loss"] < 0.03
    assert "gradcheck passes" in out and "The first node whose own VJP disagrees" in out
    assert_pngs(tmp_path, "custom_primitive.png")

"""nn.fit, History and what training reaches on XOR and the 8x8 digits."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import autograd_lite as ag
import nn


def test_xor_learns_with_sgd_momentum():
    ag.manual_seed(0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    opt = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    hist = nn.fit(model, nn.MSELoss(), opt, (X, y), epochs=300, batch_size=4, shuffle=False, progress=False)
    pred = model(X).data
    assert hist.history["loss"][-1] < 0.01
    assert ((pred > 0.5) == (y > 0.5)).all()


def test_digits_reach_96_percent_in_under_20_epochs():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    ag.manual_seed(0)
    X_tr, X_te, y_tr, y_te = nn.data.train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = nn.optim.Adam(model.parameters(), lr=5e-3)
    hist = nn.fit(
        model, nn.CrossEntropyLoss(), opt, (X_tr, y_tr), epochs=19, val_data=(X_te, y_te), metrics=["accuracy"],
        progress=False,
    )  # fmt: skip
    assert hist.history["val_accuracy"][-1] >= 0.96, hist
    assert len(hist.epochs) == 19 and set(hist.history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}


def test_history_plot_and_lines(tmp_path, capsys):
    ag.manual_seed(1)
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = nn.Linear(3, 1)
    sched_opt = nn.optim.SGD(model.parameters(), lr=0.1)
    sched = nn.optim.lr_scheduler.StepLR(sched_opt, 2, 0.5)
    hist = nn.fit(
        model, nn.MSELoss(), sched_opt, (X, y[:, None]), epochs=4, val_data=(X, y[:, None]), progress="lines",
        scheduler=sched,
    )  # fmt: skip
    out = capsys.readouterr().out
    assert out.count("epoch ") == 4 and "val_loss" in out
    assert hist.history["lr"] == [0.1, 0.1, 0.05, 0.05]
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    fig = hist.plot(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 5000 and len(fig.axes) == 1
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_fit_shows_a_progress_bar_when_forced(capsys):
    model = nn.Linear(2, 1)
    nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1), (np.zeros((8, 2)), np.zeros((8, 1))),
           epochs=2, progress="always")  # fmt: skip
    err = capsys.readouterr().err
    assert "fit" in err and "batch" in err and "loss" in err


def test_accuracy_metric_and_errors():
    assert nn.accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert nn.accuracy(np.array([0.9, 0.2]), np.array([1.0, 1.0])) == 0.5  # probabilities
    assert nn.accuracy(np.array([2.0, -1.0]), np.array([1.0, 0.0])) == 1.0  # logits
    model = nn.Linear(2, 1)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown metric"):
        nn.fit(model, nn.MSELoss(), opt, (np.zeros((2, 2)), np.zeros((2, 1))), 1, metrics=["f1"], progress=False)
    with pytest.raises(TypeError, match="DataLoader, a Dataset or a tuple"):
        nn.fit(model, nn.MSELoss(), opt, 5, 1, progress=False)


def test_fit_keeps_float32_and_handles_awkward_batches():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).astype(np.float32)
    X = np.random.default_rng(0).standard_normal((33, 3))  # float64 data, and 33 = 32 + a batch of one
    y = X.sum(axis=1, keepdims=True)
    seen = []
    model.register_forward_hook(lambda m, inputs, out: seen.append(out.dtype))
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    nn.fit(model, nn.MSELoss(), opt, (X, y), epochs=1, batch_size=32, drop_last=True, progress=False)
    assert set(seen) == {np.dtype(np.float32)} and all(p.dtype == np.float32 for p in model.parameters())
    with pytest.raises(ValueError, match=r"\(inputs, targets\)"):
        nn.fit(model, nn.MSELoss(), opt, (X,), epochs=1, progress=False)


def test_accuracy_with_single_scores_and_explicit_threshold():
    assert nn.accuracy(np.array([[2.0], [-3.0]]), np.array([1, 0])) == 1.0
    assert nn.accuracy(np.array([[0.3], [0.7], [0.2]]), np.array([[1.0], [0.0], [1.0]]), threshold=0.0) == 2 / 3

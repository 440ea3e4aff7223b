"""Handwritten digits with the PyTorch tutorial's ``Net`` (64-64-64-10, ReLU), trained twice.

The 8x8 digits that ship with scikit-learn (1797 images, no download),
scaled to [0, 1] and split 75/25 with every class in its proportion
(``nn.data.train_test_split(..., stratify=y)``). The same fully connected
network is trained with Adam and cross-entropy in the two styles people
learn:

* PyTorch style: a ``class Net(nn.Module)`` with ``forward``, and a loop
  over an ``nn.data.DataLoader`` doing ``optimizer.zero_grad()``,
  ``loss.backward()``, ``optimizer.step()``;
* Keras style: ``nn.fit(model, loss_fn, optimizer, (X, y), epochs,
  val_data=..., metrics=["accuracy"])``, which returns a ``History``.

Both reach about 96% test accuracy; with the same seed they draw the same
initial weights and the same shuffles, so nn.fit reproduces the
hand-written loop to the last digit. The script prints the accuracies and the
10x10 confusion matrix, and draws some misclassified digits and the training
curves.

    python examples/digits.py                 # writes examples/out/digits_*.png
    python examples/digits.py --quick         # fewer epochs (used by the test suite)
    python examples/digits.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

import autograd_lite as ag
import nn


class Net(nn.Module):
    """The fully connected net of the PyTorch tutorials: 64 inputs, two hidden layers of 64, 10 scores."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.fc1(x).relu()
        x = self.fc2(x).relu()
        return self.fc3(x)  # logits; CrossEntropyLoss applies log-softmax itself


def load_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as ``X_train, X_test, y_train, y_test``: pixels scaled from 0..16 to 0..1, split stratified."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data / 16.0
    y = digits.target
    return nn.data.train_test_split(X, y, test_size=0.25, stratify=y, seed=seed)


def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """Predicted class of every row of ``X`` (eval mode, no graph recorded)."""
    model.eval()
    with ag.no_grad():
        scores = model(ag.tensor(X))
    model.train()
    return scores.data.argmax(axis=1)


def train_pytorch_style(X: np.ndarray, y: np.ndarray, epochs: int, lr: float = 3e-3) -> tuple[Net, list[float]]:
    """The explicit loop: batches from a DataLoader, zero_grad, forward, loss, backward, step."""
    ag.manual_seed(0)
    model = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=32, shuffle=True)
    losses = []
    for _epoch in range(epochs):
        total = 0.0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(inputs)
        losses.append(total / len(X))
    return model, losses


def train_keras_style(
    X: np.ndarray, y: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, epochs: int, lr: float = 3e-3, progress=True
) -> tuple[nn.Module, nn.History]:
    """The same network and optimizer, trained by ``nn.fit`` with validation data and an accuracy metric."""
    ag.manual_seed(0)
    model = Net()
    history = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(model.parameters(), lr=lr),
        (X, y),
        epochs=epochs,
        val_data=(X_val, y_val),
        metrics=["accuracy"],
        batch_size=32,
        progress=progress,
    )
    return model, history


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """``cm[i, j]`` counts the samples of class ``i`` predicted as ``j`` (rows: truth, columns: prediction)."""
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def format_confusion(cm: np.ndarray) -> str:
    """The confusion matrix as a text table with the per-class recall at the end of each row."""
    n = len(cm)
    lines = ["true\\pred " + " ".join(f"{j:4d}" for j in range(n)) + "   recall"]
    for i in range(n):
        recall = cm[i, i] / max(cm[i].sum(), 1)
        lines.append(f"{i:9d} " + " ".join(f"{v:4d}" for v in cm[i]) + f"   {recall:6.1%}")
    return "\n".join(lines)


def plot(X: np.ndarray, y: np.ndarray, pred: np.ndarray, cm: np.ndarray, path: pathlib.Path) -> pathlib.Path:
    """Up to 12 misclassified test digits (true and predicted label) beside the confusion matrix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wrong = np.flatnonzero(pred != y)[:12]
    fig = plt.figure(figsize=(13, 5))
    grid = fig.add_gridspec(3, 7, width_ratios=[1, 1, 1, 1, 0.2, 2, 2])
    for k in range(12):
        ax = fig.add_subplot(grid[k // 4, k % 4])
        ax.axis("off")
        if k < len(wrong):
            i = wrong[k]
            ax.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"true {y[i]}, pred {pred[i]}", fontsize=9, color="C3")
    ax = fig.add_subplot(grid[:, 5:])
    ax.imshow(np.log1p(cm), cmap="Blues")
    for i in range(len(cm)):
        for j in range(len(cm)):
            if cm[i, j]:
                ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=8, color="w" if i == j else "k")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix (test set)")
    fig.suptitle(f"{len(np.flatnonzero(pred != y))} of {len(y)} test digits misclassified; some of them:")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_history(history: nn.History, path: pathlib.Path) -> pathlib.Path:
    """``History.plot()``: loss and accuracy per epoch, training and validation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig = history.plot()
    fig.suptitle("nn.fit on the digits: History.plot()", y=1.02)
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    epochs = 15 if quick else 40
    X_train, X_test, y_train, y_test = load_data()
    print(f"digits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels, 10 classes")
    print(Net())

    t0 = time.perf_counter()
    model, losses = train_pytorch_style(X_train, y_train, epochs)
    pred = predict(model, X_test)
    acc_loop = float(np.mean(pred == y_test))
    print(
        f"\nPyTorch-style loop, {epochs} epochs ({time.perf_counter() - t0:.1f}s): training loss "
        f"{losses[0]:.3f} -> {losses[-1]:.4f}, test accuracy {acc_loop:.1%}"
    )

    t0 = time.perf_counter()
    model_fit, history = train_keras_style(X_train, y_train, X_test, y_test, epochs, progress=not quick)
    acc_fit = float(np.mean(predict(model_fit, X_test) == y_test))
    print(f"nn.fit (Keras style), {epochs} epochs ({time.perf_counter() - t0:.1f}s): {history}")
    print(f"nn.fit test accuracy {acc_fit:.1%}")
    same = abs(history["loss"][-1] - losses[-1]) < 1e-9 and acc_fit == acc_loop
    print("same seed, same batches: nn.fit " + ("reproduces the hand-written loop exactly" if same else "differs"))

    cm = confusion_matrix(y_test, pred)
    print("\nconfusion matrix of the PyTorch-style model on the test set:")
    print(format_confusion(cm))
    worst = max(((i, j) for i in range(10) for j in range(10) if i != j), key=lambda ij: cm[ij])
    print(f"most frequent confusion: {cm[worst]} x a true {worst[0]} read as {worst[1]}")

    paths = [
        plot(X_test, y_test, pred, cm, out_dir / "digits_misclassified.png"),
        plot_history(history, out_dir / "digits_history.png"),
    ]
    for p in paths:
        print(f"wrote {p}")
    assert acc_loop >= 0.95 and acc_fit >= 0.95, (acc_loop, acc_fit)
    assert cm.sum() == len(y_test) and np.trace(cm) / cm.sum() == acc_loop
    assert history["val_accuracy"][-1] == acc_fit
    assert same, "nn.fit should run the very loop written out above (same init, same shuffling)"
    assert losses[-1] < 0.1 * losses[0], losses
    return {
        "accuracy_loop": acc_loop,
        "accuracy_fit": acc_fit,
        "confusion": cm,
        "losses": losses,
        "history": history,
        "paths": paths,
    }


if __name__ == "__main__":
    main(sys.argv[1:])

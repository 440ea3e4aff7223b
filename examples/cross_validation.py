"""Random vs stratified splits and k-fold cross-validation on imbalanced data.

The data: the 8x8 digits 3, 5 and 8 (look-alikes) from scikit-learn's
``load_digits``, made imbalanced on purpose: all 183 threes, 60 fives and 24
eights, stored sorted by class as many datasets are. The script shows

* hold-out splits: ``nn.data.train_test_split`` draws a test set whose number
  of eights varies from seed to seed; with ``stratify=y`` every seed gets the
  same class counts;
* 5-fold cross-validation, a small 64-32-3 network trained per fold with
  ``nn.fit``, under three splitters: ``KFold(5)`` without shuffling (on
  sorted data each fold is mostly one class, so the model is tested on a
  class it barely saw: a trap), ``KFold(5, shuffle=True)`` (right on
  average, but the class mix varies per fold) and ``StratifiedKFold(5,
  shuffle=True)`` (every fold has the class proportions of the whole set).

For each fold it prints the class counts, the validation accuracy and the
balanced accuracy (the mean of the per-class recalls, which an imbalanced
set needs: always answering "3" scores 69% accuracy but 33% balanced).

    python examples/cross_validation.py            # writes examples/out/cross_validation.png
    python examples/cross_validation.py --quick    # fewer epochs (used by the test suite)
    python examples/cross_validation.py --out DIR
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import autograd_lite as ag
import nn

CLASSES = {3: 183, 5: 60, 8: 24}  # digit -> how many images of it to keep


def load_data() -> tuple[np.ndarray, np.ndarray]:
    """Pixels scaled to [0, 1] and labels 0, 1, 2 (for the digits 3, 5, 8), sorted by class."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = [], []
    for label, (digit, count) in enumerate(CLASSES.items()):
        members = np.flatnonzero(digits.target == digit)[:count]
        X.append(digits.data[members] / 16.0)
        y.append(np.full(len(members), label))
    return np.concatenate(X), np.concatenate(y)


def counts(y: np.ndarray) -> np.ndarray:
    """How many samples of each class ``y`` holds."""
    return np.bincount(y, minlength=len(CLASSES))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The mean over the classes present in ``y_true`` of the fraction of that class predicted right."""
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]))


def train_fold(X_tr, y_tr, X_val, y_val, epochs: int) -> dict:
    """Train a fresh 64-32-3 ReLU network with ``nn.fit`` on one fold; score it on the held-out part."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, len(CLASSES)))
    history = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(model.parameters(), lr=0.01),
        (X_tr, y_tr),
        epochs=epochs,
        val_data=(X_val, y_val),
        metrics=["accuracy"],
        progress=False,
    )
    with ag.no_grad():
        pred = model(ag.tensor(X_val)).data.argmax(axis=1)
    return {"accuracy": history["val_accuracy"][-1], "balanced": balanced_accuracy(y_val, pred)}


def cross_validate(splitter, X: np.ndarray, y: np.ndarray, epochs: int) -> list[dict]:
    """One record per fold: the validation fold's class counts and the scores of a model trained on the rest."""
    folds = []
    for train_idx, val_idx in splitter.split(X, y):
        scores = train_fold(X[train_idx], y[train_idx], X[val_idx], y[val_idx], epochs)
        folds.append({"counts": counts(y[val_idx]), "train_counts": counts(y[train_idx]), **scores})
    return folds


def plot(y: np.ndarray, results: dict, path: pathlib.Path) -> pathlib.Path:
    """Class proportions of every validation fold (stacked bars) and the per-fold scores, per splitter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [f"digit {d}" for d in CLASSES]
    overall = counts(y) / len(y)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(14, 4.8))
    ticks, labels = [], []
    for g, (splitter, folds) in enumerate(results.items()):
        for k, fold in enumerate(folds):
            x = g * (len(folds) + 1.5) + k
            share = fold["counts"] / fold["counts"].sum()
            ax0.bar(
                x,
                share,
                bottom=np.concatenate([[0], np.cumsum(share)[:-1]]),
                color=["C0", "C1", "C2"],
                width=0.8,
                label=names if g == 0 and k == 0 else None,
            )
            ticks.append(x)
            labels.append(str(k + 1))
        middle = g * (len(folds) + 1.5) + (len(folds) - 1) / 2
        ax0.text(middle, 1.03, splitter, ha="center", fontsize=9)
        acc = [f["accuracy"] for f in folds]
        bal = [f["balanced"] for f in folds]
        ax1.plot(np.full(len(folds), g) - 0.1, acc, "o", color="C0", label="accuracy" if g == 0 else None)
        ax1.plot(np.full(len(folds), g) + 0.1, bal, "s", color="C3", label="balanced accuracy" if g == 0 else None)
        ax1.plot([g - 0.3, g + 0.3], [np.mean(acc)] * 2, color="C0", lw=2)
        ax1.plot([g - 0.3, g + 0.3], [np.mean(bal)] * 2, color="C3", lw=2)
    for c in np.cumsum(overall)[:-1]:
        ax0.axhline(c, color="k", ls=":", lw=1)
    ax0.set_xticks(ticks, labels)
    ax0.set_ylim(0, 1.1)
    ax0.set_xlabel("validation fold (dotted: the whole data set)")
    ax0.set_title("class proportions of each validation fold")
    ax0.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax1.set_xticks(range(len(results)), list(results))
    ax1.set_ylim(-0.05, 1.05)
    ax1.set_title("validation score per fold (bars: mean)")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv: list[str]) -> dict:
    quick = "--quick" in argv
    out_dir = pathlib.Path(argv[argv.index("--out") + 1]) if "--out" in argv else pathlib.Path(__file__).parent / "out"
    epochs = 15 if quick else 30
    X, y = load_data()
    overall = counts(y) / len(y)
    print(
        f"{len(y)} images of the digits {', '.join(map(str, CLASSES))}: {counts(y).tolist()} "
        f"({', '.join(f'{p:.1%}' for p in overall)}), stored sorted by class\n"
    )

    print("hold-out split, 20% test: class counts of the test set for five seeds")
    holdout = {}
    for stratify in (None, y):
        name = "stratified" if stratify is not None else "random"
        rows = []
        for seed in range(5):
            _, _, _, y_te = nn.data.train_test_split(X, y, test_size=0.2, stratify=stratify, seed=seed)
            rows.append(counts(y_te))
        holdout[name] = np.array(rows)
        print(f"  {name:11s}" + "  ".join(str(r.tolist()) for r in rows))

    splitters = {
        "KFold, no shuffle": nn.data.KFold(5),
        "KFold, shuffled": nn.data.KFold(5, shuffle=True, seed=0),
        "StratifiedKFold": nn.data.StratifiedKFold(5, shuffle=True, seed=0),
    }
    results = {}
    for name, splitter in splitters.items():
        folds = cross_validate(splitter, X, y, epochs)
        results[name] = folds
        print(f"\n{name}: 64-32-3 network, nn.fit with Adam for {epochs} epochs per fold")
        print(f"  {'fold':>4s}  {'validation counts':>18s}  {'proportions':>20s}  {'accuracy':>8s}  {'balanced':>8s}")
        for k, f in enumerate(folds, 1):
            share = " ".join(f"{p:5.1%}" for p in f["counts"] / f["counts"].sum())
            missing = [str(d) for d, n in zip(CLASSES, f["train_counts"]) if n == 0]
            note = f"  (trained without any digit {', '.join(missing)})" if missing else ""
            print(
                f"  {k:4d}  {str(f['counts'].tolist()):>18s}  {share:>20s}  {f['accuracy']:8.1%}  "
                f"{f['balanced']:8.1%}{note}"
            )
        acc = np.array([f["accuracy"] for f in folds])
        bal = np.array([f["balanced"] for f in folds])
        print(f"  mean  accuracy {acc.mean():.1%} +- {acc.std():.1%}, ", end="")
        print(f"balanced accuracy {bal.mean():.1%} +- {bal.std():.1%}")

    path = plot(y, results, out_dir / "cross_validation.png")
    print(f"\nwrote {path}")

    # hold-out: stratified test sets all have the same class counts; random ones do not
    assert (holdout["stratified"] == holdout["stratified"][0]).all()
    assert np.abs(holdout["stratified"][0] - 0.2 * counts(y)).max() <= 1
    assert len({tuple(r) for r in holdout["random"]}) > 1
    # stratified folds keep the proportions: per-class counts differ by at most one between folds
    strat = np.array([f["counts"] for f in results["StratifiedKFold"]])
    assert (strat.max(axis=0) - strat.min(axis=0) <= 1).all(), strat
    assert np.abs(strat / strat.sum(axis=1, keepdims=True) - overall).max() < 0.03
    shuffled = np.array([f["counts"] for f in results["KFold, shuffled"]])
    spread = lambda c: np.ptp(c / c.sum(axis=1, keepdims=True), axis=0).max()
    assert spread(shuffled) > spread(strat), "shuffled KFold should vary more in class mix than StratifiedKFold"
    sorted_folds = np.array([f["counts"] for f in results["KFold, no shuffle"]])
    assert (sorted_folds == 0).sum() >= 5, "unshuffled folds of sorted data should miss classes"
    mean = {name: float(np.mean([f["accuracy"] for f in folds])) for name, folds in results.items()}
    balanced = {name: float(np.mean([f["balanced"] for f in folds])) for name, folds in results.items()}
    assert mean["StratifiedKFold"] >= 0.9 and balanced["StratifiedKFold"] >= 0.85, (mean, balanced)
    assert mean["KFold, shuffled"] >= 0.9, mean
    assert balanced["KFold, no shuffle"] < balanced["StratifiedKFold"] - 0.1, balanced
    return {"holdout": holdout, "folds": results, "mean_accuracy": mean, "balanced_accuracy": balanced, "path": path}


if __name__ == "__main__":
    main(sys.argv[1:])

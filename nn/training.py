"""``nn.fit``: the Keras-style training loop, with a progress bar, validation and a History.

>>> import nn, autograd_lite as ag, numpy as np
>>> _ = ag.manual_seed(0)
>>> X = np.random.default_rng(0).standard_normal((64, 2)); y = (X[:, 0] > 0).astype(int)
>>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
>>> hist = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.05), (X, y),
...               epochs=20, metrics=["accuracy"], progress=False)
>>> hist.history["accuracy"][-1] > 0.9
True
"""

from __future__ import annotations

import sys
import time

import numpy as np

import autograd_lite as ag
from autograd_lite.tensor import Tensor

from .data import DataLoader, TensorDataset
from .module import Module

__all__ = ["fit", "evaluate", "History", "accuracy"]


def accuracy(pred, target, threshold: float | None = None) -> float:
    """Fraction of correct predictions.

    Scores of shape ``(..., C)`` against integer targets of shape ``(...)``
    are compared by argmax. Single scores (shape ``(..., 1)`` or the targets'
    shape) are thresholded: at ``threshold`` when given, else at 0.5 when
    they all lie in [0, 1] (probabilities) and at 0 otherwise (logits); pass
    ``threshold=0.0`` for logits that may happen to fall in [0, 1].

    >>> import nn, numpy as np
    >>> nn.accuracy(np.array([[2.0, 0.1], [0.3, 0.9]]), np.array([0, 0]))
    0.5
    """
    p = pred.data if isinstance(pred, Tensor) else np.asarray(pred)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        p = p[..., 0]  # one score per sample against plain labels
    if t.dtype.kind in "iu" and p.ndim == t.ndim + 1:
        return float(np.mean(p.argmax(axis=-1) == t))
    if p.shape == t.shape:
        cut = threshold if threshold is not None else (0.5 if (p.min() >= 0 and p.max() <= 1) else 0.0)
        return float(np.mean((p > cut) == (t > 0.5)))
    raise ValueError(f"accuracy: cannot compare predictions of shape {p.shape} with targets of shape {t.shape}")


_METRICS = {"accuracy": accuracy, "acc": accuracy}


class History:
    """Per-epoch losses and metrics recorded by :func:`fit` (``history.history["loss"]``, ...).

    >>> import nn
    >>> h = nn.History(); h._log(1, {"loss": 0.5}); h._log(2, {"loss": 0.25})
    >>> h["loss"], h.epochs
    ([0.5, 0.25], [1, 2])
    """

    def __init__(self) -> None:
        self.history: dict[str, list] = {}
        self.epochs: list[int] = []

    def _log(self, epoch: int, values: dict) -> None:
        self.epochs.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(v)

    def __getitem__(self, key: str) -> list:
        return self.history[key]

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self.epochs)} epochs: {last})"

    def plot(self, path=None):
        """Draw loss and each metric per epoch (training and validation); returns the matplotlib Figure."""
        from autograd_lite.viz.flow import _pyplot

        plt = _pyplot()  # the user's backend; Agg only when headless and pyplot is not loaded yet

        names = [k for k in self.history if not k.startswith("val_") and k != "lr"]
        fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.5), squeeze=False)
        for ax, name in zip(axes[0], names):
            ax.plot(self.epochs, self.history[name], marker="o", ms=3, label=f"train {name}")
            if f"val_{name}" in self.history:
                ax.plot(self.epochs, self.history[f"val_{name}"], marker="o", ms=3, label=f"validation {name}")
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.legend()
            ax.grid(alpha=0.3)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=80)
        return fig


def _loader(data, batch_size: int, shuffle: bool, drop_last: bool = False) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ValueError(f"fit: data as a tuple must be (inputs, targets), got {len(data)} items")
        return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    raise TypeError(
        f"fit: training/validation data must be a DataLoader, a Dataset or a tuple (X, y), got {type(data).__name__}"
    )


def _batches(loader: DataLoader, model: Module):
    """(inputs, targets) per batch; floating inputs take the model's parameter dtype (float32 stays float32)."""
    dt = next((p.data.dtype for p in model.parameters()), None)
    for batch in loader:
        if len(batch) != 2:
            raise ValueError(f"fit: each batch must hold (inputs, targets), got {len(batch)} fields")
        xb, yb = batch
        if dt is not None and xb.data.dtype.kind == "f" and xb.data.dtype != dt:
            xb = Tensor(xb.data, dtype=dt)
        yield xb, yb


def _metric_fns(metrics) -> dict:
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in _METRICS:
                raise ValueError(f"fit: unknown metric {m!r}; use 'accuracy' or a function (pred, target) -> float")
            out[m] = _METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", "metric")] = m
        else:
            raise TypeError(f"fit: a metric is a name or a function, got {type(m).__name__}")
    return out


def evaluate(model: Module, loss_fn, data, metrics=(), batch_size: int = 256) -> dict:
    """Mean loss and metrics of ``model`` over ``data``, in eval mode and without recording a graph.

    >>> import nn, numpy as np
    >>> nn.evaluate(nn.Linear(2, 1), nn.MSELoss(), (np.zeros((4, 2)), np.zeros((4, 1))))["loss"] >= 0
    True
    """
    fns = _metric_fns(metrics)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    sums = dict.fromkeys(fns, 0.0)
    try:
        with ag.no_grad():
            for xb, yb in _batches(_loader(data, batch_size, False), model):
                pred = model(xb)
                n = len(xb)
                total += float(loss_fn(pred, yb).item()) * n
                for k, f in fns.items():
                    sums[k] += float(f(pred, yb)) * n
                count += n
    finally:
        model.train(was_training)
    out = {"loss": total / max(count, 1)}
    out.update({k: v / max(count, 1) for k, v in sums.items()})
    return out


def _progress_mode(progress) -> str:
    """ "bar", "lines" or "off": True means a bar on a terminal or in a notebook, nothing otherwise."""
    if progress == "lines":
        return "lines"
    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    if progress == "always" or (progress is True and interactive):
        try:
            import tqdm  # noqa: F401
        except ImportError:  # the progress extra is not installed
            return "lines"
        return "bar"
    if progress not in (True, False, None, "always"):
        raise ValueError(f"fit: progress must be True, False, 'always' or 'lines', got {progress!r}")
    return "off"


def fit(
    model: Module,
    loss_fn,
    optimizer,
    train_data,
    epochs: int,
    val_data=None,
    metrics=(),
    progress=True,
    batch_size: int = 32,
    shuffle: bool = True,
    scheduler=None,
    drop_last: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_data``; return a :class:`History`.

    ``train_data`` and ``val_data`` are DataLoaders, Datasets or ``(X, y)``
    tuples (batched with ``batch_size``, training data shuffled). Each epoch
    records the mean training loss and metrics and, with ``val_data``, the
    validation ones (``val_loss``, ``val_accuracy``, ...). A tqdm progress bar
    shows them when ``progress`` is true and standard error is a terminal
    (``progress="always"`` forces it, ``"lines"`` prints one line per epoch
    instead, ``False`` is silent). ``scheduler`` is stepped once per
    epoch (with the validation loss, or the training loss, for
    ``ReduceLROnPlateau``). ``drop_last`` skips a last, smaller batch (a
    batch of one breaks ``BatchNorm1d``). Floating inputs are cast to the
    parameters' dtype, so a float32 model trains in float32.

    >>> import nn, numpy as np
    >>> model = nn.Linear(1, 1)
    >>> X = np.linspace(-1, 1, 16)[:, None]; y = 3 * X
    >>> h = nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.5), (X, y), epochs=30, progress=False)
    >>> h.history["loss"][-1] < 1e-3
    True
    """
    if epochs < 1:
        raise ValueError(f"fit: epochs must be at least 1, got {epochs}")
    from .optim.lr_scheduler import ReduceLROnPlateau

    train = _loader(train_data, batch_size, shuffle, drop_last)
    fns = _metric_fns(metrics)
    history = History()
    mode = _progress_mode(progress)
    bar = None
    if mode == "bar":
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * len(train), unit="batch", desc="fit", leave=True, dynamic_ncols=True)
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            t0 = time.perf_counter()
            total, count = 0.0, 0
            sums = dict.fromkeys(fns, 0.0)
            for xb, yb in _batches(train, model):
                optimizer.zero_grad()
                pred = model(xb)
                loss = loss_fn(pred, yb)
                loss.backward()
                optimizer.step()
                n = len(xb)
                value = float(loss.item())
                total += value * n
                count += n
                for k, f in fns.items():
                    sums[k] += float(f(pred, yb)) * n
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=epoch, loss=f"{value:.4f}", refresh=False)
            values = {"loss": total / max(count, 1)}
            values.update({k: v / max(count, 1) for k, v in sums.items()})
            if val_data is not None:
                values.update({f"val_{k}": v for k, v in evaluate(model, loss_fn, val_data, metrics).items()})
            values["lr"] = optimizer.param_groups[0]["lr"]
            history._log(epoch, values)
            if scheduler is not None:
                if isinstance(scheduler, ReduceLROnPlateau):
                    scheduler.step(values.get("val_loss", values["loss"]))
                else:
                    scheduler.step()
            summary = "  ".join(f"{k} {v:.4f}" for k, v in values.items() if k != "lr")
            if bar is not None:
                bar.set_postfix_str(f"epoch {epoch}/{epochs}  {summary}")
            elif mode == "lines":
                print(f"epoch {epoch}/{epochs}  {summary}  ({time.perf_counter() - t0:.1f}s)")
    finally:
        if bar is not None:
            bar.close()
    return history

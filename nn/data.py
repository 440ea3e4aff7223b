"""Datasets, batching and splits: TensorDataset, DataLoader, train_test_split, KFold, StratifiedKFold.

Shuffling draws from the generator ``ag.manual_seed`` seeds, unless a
``seed`` is given.

>>> import nn, numpy as np
>>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
>>> X_tr, X_te, y_tr, y_te = nn.data.train_test_split(X, y, test_size=0.3, seed=0)
>>> X_tr.shape, X_te.shape
((7, 2), (3, 2))
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import numpy as np

import autograd_lite as ag
from autograd_lite.tensor import Tensor, _make

__all__ = ["Dataset", "TensorDataset", "DataLoader", "train_test_split", "KFold", "StratifiedKFold"]


def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _labels(y, op: str) -> np.ndarray:
    labels = _array(y)
    if labels.ndim != 1:
        raise ValueError(
            f"{op}: expected one class label per sample (shape (n,)), got shape {labels.shape}; "
            f"for one-hot labels pass labels.argmax(axis=1)"
        )
    return labels


def _rng(seed) -> np.random.Generator:
    return ag.get_rng() if seed is None else np.random.default_rng(seed)


class Dataset:
    """Anything with ``__len__`` and ``__getitem__`` returning a sample (a tuple of arrays).

    >>> import nn, numpy as np
    >>> class Squares(nn.data.Dataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         return np.array([float(i)]), np.array([float(i * i)])
    >>> [y.tolist() for _, y in nn.data.DataLoader(Squares(), batch_size=3)]
    [[[0.0], [1.0], [4.0]]]
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, i):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of the given tensors/arrays, which share their first dimension.

    >>> import nn, numpy as np
    >>> ds = nn.data.TensorDataset(np.zeros((4, 3)), np.arange(4))
    >>> len(ds), [t.shape for t in ds[1]]
    (4, [(3,), ()])
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        self.arrays = [_array(t) for t in tensors]
        sizes = [len(a) if a.ndim else None for a in self.arrays]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [a.shape for a in self.arrays]
            raise ValueError(f"TensorDataset: every tensor needs the same first dimension, got shapes {shapes}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(_make(a[i]) for a in self.arrays)


class DataLoader:
    """Iterate over a dataset in batches of ``batch_size``, optionally shuffled each epoch.

    Each batch is a tuple of tensors (one per dataset field), stacked along a
    new first axis.

    >>> import nn, numpy as np
    >>> loader = nn.data.DataLoader(nn.data.TensorDataset(np.arange(10.0)), batch_size=4)
    >>> [b[0].shape for b in loader]
    [(4,), (4,), (2,)]
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False, seed=None):
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: expected a dataset with __len__ and __getitem__, got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        n = len(self.dataset)
        order = (self._rng or ag.get_rng()).permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        arrays = getattr(self.dataset, "arrays", None)
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            if arrays is not None:  # TensorDataset: slice the arrays directly
                yield tuple(_make(a[idx]) for a in arrays)
            else:
                samples = [self.dataset[int(i)] for i in idx]
                yield _collate(samples)


def _collate(samples: list):
    first = samples[0]
    if isinstance(first, dict):  # dict samples give a dict batch, as PyTorch's default collate does
        return {k: _make(np.stack([_array(s[k]) for s in samples])) for k in first}
    if not isinstance(first, (tuple, list)):
        return (_make(np.stack([_array(s) for s in samples])),)
    return tuple(_make(np.stack([_array(s[k]) for s in samples])) for k in range(len(first)))


def _like(original, arr: np.ndarray):
    """Return ``arr`` in the container type of ``original`` (Tensor, ndarray or list)."""
    if isinstance(original, Tensor):
        return _make(arr)
    if isinstance(original, list):
        return arr.tolist()
    return arr


def _split_sizes(n: int, test_size, train_size) -> tuple[int, int]:
    def count(size, name):
        if size is None:
            return None
        if isinstance(size, float):
            if not 0.0 < size < 1.0:
                raise ValueError(f"train_test_split: {name} as a fraction must lie in (0, 1), got {size}")
            return size
        if not 0 < size < n:
            raise ValueError(f"train_test_split: {name}={size} must lie between 1 and n_samples - 1 = {n - 1}")
        return int(size)

    test, train = count(test_size, "test_size"), count(train_size, "train_size")
    if test is None and train is None:
        test = 0.25
    n_test = math.ceil(test * n) if isinstance(test, float) else test
    n_train = math.floor(train * n) if isinstance(train, float) else train
    if n_test is None:
        n_test = n - n_train
    if n_train is None:
        n_train = n - n_test
    if n_train + n_test > n or n_train < 1 or n_test < 1:
        raise ValueError(f"train_test_split: {n_train} train + {n_test} test samples do not fit in {n} samples")
    return n_train, n_test


def _largest_remainder(counts: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``counts`` that add up to ``total``."""
    exact = counts / counts.sum() * total
    out = np.floor(exact).astype(int)
    short = total - out.sum()
    if short > 0:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:short]] += 1
    return out


def train_test_split(*arrays, test_size=None, train_size=None, stratify=None, shuffle: bool = True, seed=None):
    """Split arrays into random train and test subsets, as scikit-learn does.

    Returns ``a_train, a_test, b_train, b_test, ...``. ``test_size`` is a
    fraction (default 0.25) or a count. With ``stratify=labels`` each class
    keeps its proportion in both parts.

    >>> import nn, numpy as np
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> _, y_te = nn.data.train_test_split(y, test_size=0.25, stratify=y, seed=1)
    >>> np.bincount(y_te).tolist()
    [2, 1]
    """
    if not arrays:
        raise ValueError("train_test_split: expected at least one array")
    data = [_array(a) for a in arrays]
    n = len(data[0])
    if any(len(d) != n for d in data):
        raise ValueError(f"train_test_split: arrays have different lengths {[len(d) for d in data]}")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    rng = _rng(seed)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        labels = _labels(stratify, "train_test_split")
        if len(labels) != n:
            raise ValueError(f"train_test_split: stratify has {len(labels)} labels for {n} samples")
        classes, y = np.unique(labels, return_inverse=True)
        counts = np.bincount(y)
        if n_test < len(classes) or n_train < len(classes):
            raise ValueError(
                f"train_test_split: {n_test} test and {n_train} train samples cannot hold every one of "
                f"{len(classes)} classes; make the smaller part at least {len(classes)} samples"
            )
        if counts.min() < 2:
            raise ValueError(
                f"train_test_split: the least populated class ({classes[counts.argmin()]!r}) has only "
                f"{counts.min()} member; stratifying needs at least 2 per class"
            )
        per_class_test = _largest_remainder(counts, n_test)
        per_class_train = _largest_remainder(counts - per_class_test, n_train)
        test_idx, train_idx = [], []
        for c in range(len(classes)):
            members = rng.permutation(np.flatnonzero(y == c))
            test_idx.append(members[: per_class_test[c]])
            train_idx.append(members[per_class_test[c] : per_class_test[c] + per_class_train[c]])
        test_idx = rng.permutation(np.concatenate(test_idx))
        train_idx = rng.permutation(np.concatenate(train_idx))
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train_idx, test_idx = order[:n_train], order[n_train : n_train + n_test]
    out = []
    for original, d in zip(arrays, data):
        out.append(_like(original, d[train_idx]))
        out.append(_like(original, d[test_idx]))
    return out


class KFold:
    """K consecutive folds (shuffled first if asked); each sample is in exactly one test fold.

    >>> import nn, numpy as np
    >>> [len(te) for _, te in nn.data.KFold(3).split(np.zeros(10))]
    [4, 3, 3]
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed=None) -> None:
        if not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise ValueError(f"{type(self).__name__}: n_splits must be an int of at least 2, got {n_splits!r}")
        if seed is not None and not shuffle:
            raise ValueError(
                f"{type(self).__name__}: a seed has no effect without shuffle=True; pass shuffle=True or drop the seed"
            )
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.seed = seed

    def get_n_splits(self, X=None, y=None) -> int:
        return self.n_splits

    def _check_n(self, X) -> int:
        n = len(_array(X))
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: cannot make {self.n_splits} folds from {n} samples")
        return n

    def split(self, X, y=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_idx, test_idx)`` for each fold."""
        n = self._check_n(X)
        order = _rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            test = np.zeros(n, dtype=bool)
            test[order[start : start + size]] = True
            yield np.flatnonzero(~test), np.flatnonzero(test)  # sorted, as scikit-learn gives them
            start += size


class StratifiedKFold(KFold):
    """K folds that keep every class's proportion: per-class counts differ by at most one between folds.

    Without shuffling the folds are scikit-learn's, sample for sample.

    >>> import nn, numpy as np
    >>> y = np.array([0] * 10 + [1] * 5)
    >>> [np.bincount(y[te]).tolist() for _, te in nn.data.StratifiedKFold(5).split(y, y)]
    [[2, 1], [2, 1], [2, 1], [2, 1], [2, 1]]
    """

    def split(self, X, y=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if y is None:
            raise ValueError("StratifiedKFold.split: the labels y are required")
        n = self._check_n(X)
        labels = _labels(y, "StratifiedKFold.split")
        if len(labels) != n:
            raise ValueError(f"StratifiedKFold.split: {len(labels)} labels for {n} samples")
        classes, yi = np.unique(labels, return_inverse=True)
        counts = np.bincount(yi)
        if counts.max() < self.n_splits:
            raise ValueError(
                f"StratifiedKFold: n_splits={self.n_splits} is larger than the size of every class ({counts.tolist()})"
            )
        if counts.min() < self.n_splits:
            warnings.warn(
                f"StratifiedKFold: the least populated class has {counts.min()} members, fewer than "
                f"n_splits={self.n_splits}; some folds will miss it",
                UserWarning,
                stacklevel=2,
            )
        rng = _rng(self.seed) if self.shuffle else None
        # scikit-learn's allocation: classes numbered by first appearance, the sorted labels dealt
        # round-robin to count each fold's share of each class, then each class's samples (in
        # order, or shuffled) filled into the folds in turn. Unshuffled folds match scikit-learn's.
        _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        _, by_appearance = np.unique(first, return_inverse=True)
        encoded = by_appearance[inverse.reshape(-1)]
        ordered = np.sort(encoded)
        k = len(classes)
        allocation = np.asarray([np.bincount(ordered[i :: self.n_splits], minlength=k) for i in range(self.n_splits)])
        fold_of = np.empty(n, dtype=int)
        for c in range(k):
            folds = np.repeat(np.arange(self.n_splits), allocation[:, c])
            if rng is not None:
                folds = rng.permutation(folds)
            fold_of[encoded == c] = folds
        for f in range(self.n_splits):
            yield np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)

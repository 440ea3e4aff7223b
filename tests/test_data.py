"""Datasets, loaders, train/test splits and k-fold."""

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.data import DataLoader, KFold, StratifiedKFold, TensorDataset, train_test_split


def test_tensor_dataset_and_loader():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ds = TensorDataset(X, ag.tensor(y))
    assert len(ds) == 10 and ds[3][0].tolist() == [6.0, 7.0]
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert np.concatenate([b[1].data for b in batches]).tolist() == list(range(10))
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)


def test_shuffle_is_seeded_and_covers_everything():
    ds = TensorDataset(np.arange(50))
    ag.manual_seed(3)
    a = np.concatenate([b[0].data for b in DataLoader(ds, batch_size=8, shuffle=True)])
    ag.manual_seed(3)
    b = np.concatenate([b[0].data for b in DataLoader(ds, batch_size=8, shuffle=True)])
    assert (a == b).all() and sorted(a.tolist()) == list(range(50)) and a.tolist() != list(range(50))


def test_generic_dataset_is_collated():
    class Squares(nn.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i]), i * i

    (xb, yb), *_ = DataLoader(Squares(), batch_size=3)
    assert xb.shape == (3, 2) and yb.tolist() == [0, 1, 4]


def test_train_test_split_like_scikit_learn():
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert X_tr.shape == (15, 2) and X_te.shape == (5, 2)
    assert (X_tr[:, 0] // 2 == y_tr).all() and (X_te[:, 0] // 2 == y_te).all()  # rows stay paired
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    t_tr, t_te = train_test_split(ag.tensor(X), test_size=3, seed=1)
    assert isinstance(t_tr, ag.Tensor) and t_te.shape == (3, 2)
    a, b = train_test_split(list(range(10)), test_size=0.2, shuffle=False)
    assert a == list(range(8)) and b == [8, 9]
    again = train_test_split(X, y, test_size=0.25, seed=0)
    assert all((u == v).all() for u, v in zip(again, (X_tr, X_te, y_tr, y_te)))


def test_stratified_split_keeps_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    _, y_te = train_test_split(y, test_size=0.2, stratify=y, seed=0)
    assert np.bincount(y_te).tolist() == [12, 6, 2]
    with pytest.raises(ValueError, match="least populated class"):
        train_test_split(np.arange(5), stratify=np.array([0, 0, 0, 0, 1]))


def test_split_errors():
    with pytest.raises(ValueError, match="different lengths"):
        train_test_split(np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros(5), test_size=1.5)


def test_kfold_every_sample_once():
    X = np.zeros(23)
    folds = list(KFold(5).split(X))
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests.tolist()) == list(range(23)) and [len(te) for _, te in folds] == [5, 5, 5, 4, 4]
    for tr, te in folds:
        assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 23
    shuffled = list(KFold(5, shuffle=True, seed=0).split(X))
    assert shuffled[0][1].tolist() != folds[0][1].tolist()
    with pytest.raises(ValueError, match="cannot make 30 folds from 23"):
        list(KFold(30).split(X))


def test_stratified_kfold_keeps_class_ratio_on_imbalanced_labels():
    rng = np.random.default_rng(0)
    y = rng.permutation(np.array([0] * 90 + [1] * 25 + [2] * 10))
    overall = np.bincount(y) / len(y)
    tests = []
    for tr, te in StratifiedKFold(5, shuffle=True, seed=0).split(np.zeros(len(y)), y):
        counts = np.bincount(y[te], minlength=3)
        assert counts.tolist() in ([18, 5, 2],), counts  # 90/5, 25/5, 10/5 exactly
        np.testing.assert_allclose(counts / counts.sum(), overall, atol=0.01)
        assert len(np.intersect1d(tr, te)) == 0
        tests.append(te)
    assert sorted(np.concatenate(tests).tolist()) == list(range(len(y)))


def test_stratified_kfold_uneven_counts_differ_by_at_most_one():
    y = np.array([0] * 13 + [1] * 7)
    per_fold = [np.bincount(y[te], minlength=2) for _, te in StratifiedKFold(3).split(y, y)]
    for c in range(2):
        counts = [f[c] for f in per_fold]
        assert max(counts) - min(counts) <= 1 and sum(counts) == [13, 7][c]
    with pytest.warns(UserWarning, match="least populated class"):
        list(StratifiedKFold(3).split(np.zeros(7), np.array([0] * 5 + [1] * 2)))


def test_split_argument_checks_like_scikit_learn():
    with pytest.raises(ValueError, match="seed has no effect without shuffle"):
        KFold(3, seed=0)
    y = np.array([0, 1, 2] * 4)
    with pytest.raises(ValueError, match="cannot hold every one of 3 classes"):
        train_test_split(np.arange(12), test_size=2, stratify=y, seed=0)
    with pytest.raises(ValueError, match="one class label per sample"):
        list(StratifiedKFold(2).split(np.zeros(12), np.eye(3)[y]))
    for tr, te in KFold(4, shuffle=True, seed=1).split(np.zeros(12)):
        assert (np.diff(tr) > 0).all() and (np.diff(te) > 0).all()


def test_dict_samples_collate_into_a_dict_batch():
    class Pairs(nn.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": np.full(2, float(i)), "y": i}

    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].tolist() == [0, 1, 2]


def test_unshuffled_stratified_folds_are_scikit_learns():
    from sklearn.model_selection import StratifiedKFold as Reference

    for seed in range(4):
        y = np.random.default_rng(seed).choice(["a", "b", "c"], size=83, p=[0.6, 0.25, 0.15])
        ours = [te.tolist() for _, te in StratifiedKFold(4).split(y, y)]
        theirs = [te.tolist() for _, te in Reference(4).split(np.zeros(len(y)), y)]
        assert ours == theirs

"""Factories and the seeded generator."""

import numpy as np
import pytest

import autograd_lite as ag


@pytest.mark.parametrize("make", [ag.zeros, ag.ones, ag.rand, ag.randn])
def test_shape_as_ints_or_tuple(make):
    assert make(2, 3).shape == (2, 3)
    assert make((2, 3)).shape == (2, 3)
    assert make([4]).shape == (4,)
    assert make().shape == ()
    t = make(2, requires_grad=True, dtype=np.float32)
    assert t.requires_grad and t.dtype == np.float32 and t.is_leaf


def test_values():
    np.testing.assert_array_equal(ag.zeros(2).data, [0, 0])
    np.testing.assert_array_equal(ag.full((2, 2), 3.5).data, np.full((2, 2), 3.5))
    np.testing.assert_array_equal(ag.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 3).data, np.eye(2, 3))
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    assert ag.arange(5).dtype == np.int64 and ag.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert ag.arange(1.0, 2.0, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert ag.arange(3, dtype=np.float32).dtype == np.float32


def test_like_factories_keep_dtype_and_shape():
    t = ag.tensor(np.ones((2, 3), dtype=np.float32))
    z = ag.zeros_like(t)
    o = ag.ones_like(t, requires_grad=True)
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.requires_grad
    assert o.dtype == np.float32 and o.requires_grad and o.data.sum() == 6


def test_random_ranges():
    ag.manual_seed(1)
    r = ag.rand(1000).data
    assert r.min() >= 0 and r.max() < 1
    n = ag.randn(20000).data
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    i = ag.randint(3, 7, (1000,))
    assert i.dtype == np.int64 and set(i.tolist()) == {3, 4, 5, 6}
    assert set(ag.randint(2, (500,)).tolist()) == {0, 1}  # PyTorch's spelling
    with pytest.raises(ValueError, match="low < high"):
        ag.randint(5, 5, (2,))


def test_manual_seed_makes_every_draw_reproducible():
    ag.manual_seed(123)
    a = (ag.rand(3).data, ag.randn(2, 2).data, ag.randint(0, 100, (4,)).data)
    ag.manual_seed(123)
    b = (ag.rand(3).data, ag.randn(2, 2).data, ag.randint(0, 100, (4,)).data)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    ag.manual_seed(124)
    assert not np.array_equal(ag.rand(3).data, a[0])
    with pytest.raises(TypeError, match="int seed"):
        ag.manual_seed(1.5)


def test_bad_shapes():
    with pytest.raises(TypeError, match="shape"):
        ag.zeros(2.5)
    with pytest.raises(TypeError, match="shape"):
        ag.ones(-1)

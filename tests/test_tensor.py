"""The Tensor itself: construction, dtypes, attributes, conversions, operators, errors."""

import numpy as np
import pytest

import autograd_lite as ag


class TestConstruction:
    def test_python_numbers_and_lists_become_float64(self):
        assert ag.tensor(2).dtype == np.float64
        assert ag.tensor(2.5).dtype == np.float64
        assert ag.tensor([1, 2, 3]).dtype == np.float64
        assert ag.Tensor([[1.0, 2.0]]).shape == (1, 2)

    def test_numpy_arrays_keep_their_dtype(self):
        assert ag.tensor(np.arange(3)).dtype == np.int64
        assert ag.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
        assert ag.tensor([True, False]).dtype == np.bool_

    def test_dtype_argument(self):
        assert ag.tensor([1, 2], dtype=np.float32).dtype == np.float32
        assert ag.tensor([1.7], dtype=np.int32).dtype == np.int32

    def test_set_default_dtype(self):
        ag.set_default_dtype(np.float32)
        assert ag.tensor([1.0]).dtype == np.float32
        assert ag.zeros(2).dtype == np.float32
        assert ag.randn(2).dtype == np.float32
        assert ag.tensor(np.ones(1)).dtype == np.float64  # arrays keep theirs
        with pytest.raises(TypeError, match="floating dtype"):
            ag.set_default_dtype(np.int32)

    def test_integer_tensor_cannot_require_grad(self):
        with pytest.raises(TypeError, match=r"only floating-point tensors can require gradients.*int64"):
            ag.tensor(np.arange(3), requires_grad=True)
        with pytest.raises(TypeError, match="int64"):
            ag.tensor(np.arange(3)).requires_grad_()
        with pytest.raises(TypeError, match="floating"):
            ag.arange(3, requires_grad=True)

    def test_bad_data_is_a_clear_error(self):
        with pytest.raises(TypeError, match="cannot build a tensor|expected numbers"):
            ag.tensor({"a": 1})
        with pytest.raises(TypeError, match="expected numbers"):
            ag.tensor(["a", "b"])

    def test_tensor_from_tensor_shares_nothing_of_the_graph(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = ag.tensor(x * 2)
        assert y.is_leaf and not y.requires_grad
        np.testing.assert_array_equal(y.data, [2.0, 4.0])


class TestAttributes:
    def test_leaf_and_op_results(self):
        x = ag.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        y = x * 2
        assert x.is_leaf and x.grad_fn is None and x.grad is None
        assert not y.is_leaf and y.grad_fn.name == "mul" and y.requires_grad
        assert (y.shape, y.ndim, y.size, y.dtype) == ((1, 3), 2, 3, np.float64)
        assert y.T.shape == (3, 1)
        assert isinstance(y.data, np.ndarray)

    def test_no_graph_without_requires_grad(self):
        y = ag.tensor([1.0]) * 3
        assert y.grad_fn is None and not y.requires_grad


class TestConversions:
    def test_item_numpy_tolist(self):
        t = ag.tensor([[1.5]])
        assert t.item() == 1.5 and isinstance(t.item(), float)
        assert t.numpy() is t.data
        assert t.tolist() == [[1.5]]
        assert float(t) == 1.5 and int(ag.tensor(3.7)) == 3
        with pytest.raises(ValueError, match=r"exactly one element, got shape \(2,\)"):
            ag.tensor([1.0, 2.0]).item()

    def test_array_protocol(self):
        t = ag.tensor([1.0, 2.0])
        assert np.asarray(t) is t.data
        assert np.asarray(t, dtype=np.float32).dtype == np.float32
        np.testing.assert_array_equal(np.array(t), [1.0, 2.0])

    def test_detach_shares_data_but_not_graph(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        d = (x * 2).detach()
        assert d.is_leaf and not d.requires_grad
        y = x * 1
        assert y.detach().data is y.data

    def test_requires_grad_(self):
        t = ag.zeros(2)
        assert t.requires_grad_() is t and t.requires_grad
        t.requires_grad_(False)
        assert not t.requires_grad
        y = ag.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="only leaf tensors"):
            y.requires_grad_(False)

    def test_repr_is_numpy_like(self):
        assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
        assert repr(ag.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
        assert repr(ag.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<mul>)"
        assert "dtype=float32" in repr(ag.tensor([1.0], dtype=np.float32))
        assert str(ag.tensor(2.0)) == "tensor(2.)"

    def test_len_and_iteration(self):
        x = ag.arange(6.0, requires_grad=True).reshape(2, 3)
        assert len(x) == 2
        rows = list(x)
        assert [r.shape for r in rows] == [(3,), (3,)]
        sum(r.sum() for r in rows).backward()
        pytest.raises(TypeError, len, ag.tensor(1.0))

    def test_bool(self):
        assert bool(ag.tensor([1.0]))
        with pytest.raises(ValueError, match="ambiguous"):
            bool(ag.tensor([1.0, 2.0]))


class TestOperators:
    def test_mixed_operands_on_either_side(self):
        t = ag.tensor([1.0, 4.0], requires_grad=True)
        arr = np.array([2.0, 2.0])
        for expr, want in [
            (2 * t, [2, 8]),
            (t * 2, [2, 8]),
            (arr + t, [3, 6]),
            (t + arr, [3, 6]),
            (1 - t, [0, -3]),
            (arr / t, [2, 0.5]),
            (t**0.5, [1, 2]),
            (3**t, [3, 81]),
            (arr**t, [2, 16]),
            (-t, [-1, -4]),
            (abs(-t), [1, 4]),
        ]:
            assert isinstance(expr, ag.Tensor) and expr.requires_grad
            np.testing.assert_allclose(expr.data, want)

    def test_matmul_operator_with_arrays(self):
        w = ag.eye(2, requires_grad=True)
        x = np.array([[1.0, 2.0]])
        assert isinstance(x @ w, ag.Tensor) and isinstance(w @ x.T, ag.Tensor)
        np.testing.assert_array_equal((x @ w).data, x)

    def test_numpy_type_promotion(self):
        f32 = ag.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
        assert (f32 * 2.0).dtype == np.float32  # Python scalars are weak
        assert (f32 + np.float64(1)).dtype == np.float64
        assert (f32 * np.ones(2)).dtype == np.float64
        assert (ag.tensor(np.arange(3)) + 0.5).dtype == np.float64
        assert (ag.tensor(np.arange(3)) * 2).dtype == np.int64
        assert (f32 / 3).dtype == np.float32

    def test_float32_stays_float32_through_backward(self):
        x = ag.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
        b = ag.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        loss = ((x * 0.5 + b).tanh() ** 2).mean()
        loss.backward()
        assert loss.dtype == np.float32
        assert x.grad.dtype == np.float32 and b.grad.dtype == np.float32

    def test_comparisons_are_boolean_and_not_differentiable(self):
        x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
        for r in (x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2, 2 < x):
            assert r.dtype == np.bool_ and not r.requires_grad
        np.testing.assert_array_equal((x == 2).data, [False, True, False])
        np.testing.assert_array_equal(((x > 1) & (x < 3)).data, [False, True, False])

    def test_numpy_ufuncs_dispatch_to_the_library(self):
        x = ag.tensor([0.5, 1.0], requires_grad=True)
        y = np.exp(x) + np.sum(np.tanh(x))
        assert isinstance(y, ag.Tensor) and y.grad_fn is not None
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, np.exp([0.5, 1.0]) + 2 * (1 - np.tanh([0.5, 1.0]) ** 2))
        with pytest.raises(TypeError, match="no gradient rule"):
            np.cumsum(x)
        assert np.allclose(x, [0.5, 1.0])

    def test_methods_are_also_module_functions(self):
        x = ag.tensor([[1.0, -2.0], [3.0, 0.5]])
        for name in ["sum", "mean", "var", "std", "max", "min", "exp", "tanh", "sigmoid", "relu", "abs"]:
            np.testing.assert_allclose(getattr(ag, name)(x).data, getattr(x, name)().data)
        np.testing.assert_allclose(ag.logsumexp(x, axis=1).data, np.log(np.exp(x.data).sum(1)))
        np.testing.assert_allclose(ag.clip(x, 0, 1).data, np.clip(x.data, 0, 1))
        assert ag.argmax(x).item() == 2 and ag.argmin(x, axis=1).tolist() == [1, 1]
        np.testing.assert_allclose(ag.where(x > 0, x, 0.0).data, np.maximum(x.data, 0))


class TestErrors:
    def test_broadcast_mismatch_names_op_and_shapes(self):
        a, b = ag.ones(2, 3), ag.ones(4)
        with pytest.raises(ValueError, match=r"add: .*\(2, ?3\).*\(4,\)"):
            a + b
        with pytest.raises(ValueError, match=r"^mul: .*shape \(2, 3\).*shape \(4,\)"):
            a * b

    def test_matmul_mismatch(self):
        with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned"):
            ag.ones(2, 3) @ ag.ones(4, 5)
        with pytest.raises(ValueError, match="at least one dimension"):
            ag.tensor(2.0) @ ag.ones(2)

    def test_reshape_and_axis_errors(self):
        with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
            ag.ones(2, 3).reshape(4)
        with pytest.raises(ValueError, match="sum: axis 2 is out of range for a tensor with 2 dimensions"):
            ag.ones(2, 3).sum(axis=2)
        with pytest.raises(ValueError, match="squeeze: cannot squeeze axis 1"):
            ag.ones(2, 3).squeeze(1)
        with pytest.raises(ValueError, match="concatenate: .*shapes"):
            ag.concatenate([ag.ones(2, 3), ag.ones(3, 2)])

    def test_index_errors_name_the_op(self):
        with pytest.raises(IndexError, match="getitem"):
            ag.ones(3)[5]
        with pytest.raises(IndexError, match="integers or booleans"):
            ag.ones(3)[np.array([0.5])]

"""The gradient-checking toolkit users import: numerical_grad, gradcheck, gradgradcheck, strategies."""

import warnings

import numpy as np
import pytest
from hypothesis import given

import autograd_lite as ag
from autograd_lite.testing import GradcheckError, check_grads, gradcheck, gradgradcheck, numerical_grad
from autograd_lite.testing.strategies import broadcastable_shapes, floats, grad_property, shapes, tensors


@ag.primitive
def good_softsign(x):
    return x / (1 + np.abs(x))


ag.defvjp(good_softsign, lambda g, out, x: g / (1 + ag.abs(x)) ** 2)


@ag.primitive
def bad_softsign(x):
    return x / (1 + np.abs(x))


ag.defvjp(bad_softsign, lambda g, out, x: g / (1 + ag.abs(x)))  # missing the square


@ag.primitive
def first_order_only(x):
    return x**3


# right value of the first derivative, but the rule hides x from the graph:
# the second derivative it implies is 3x instead of 6x
ag.defvjp(first_order_only, lambda g, out, x: g * 3 * x * x.detach())


def composite(prim):
    # seven ops, with the primitive in the middle
    return lambda x, w: ((prim(x @ w + 0.1) * 2.0).tanh() + x.mean()).exp().sum()


X = np.array([[0.3, -0.8, 0.5], [1.2, 0.1, -0.4]])
W = np.array([0.7, -0.2, 0.9])


def test_numerical_grad_matches_closed_form():
    (g,) = numerical_grad(lambda x: (x.sin() * x).sum(), np.array([0.1, 1.0, -2.0]))
    x = np.array([0.1, 1.0, -2.0])
    np.testing.assert_allclose(g, np.sin(x) + x * np.cos(x), atol=1e-8)
    with pytest.raises(ValueError, match="scalar"):
        numerical_grad(lambda x: x * 2, np.ones(2))


def test_gradcheck_passes_right_rule_and_fails_wrong_one():
    assert gradcheck(good_softsign, X)
    assert gradgradcheck(good_softsign, X)
    with pytest.raises(GradcheckError) as err:
        gradcheck(bad_softsign, X)
    msg = str(err.value)
    assert "input" in msg and "analytic" in msg and "numeric" in msg and "error" in msg
    assert gradcheck(bad_softsign, X, raise_exception=False) is False


def test_failing_node_is_named_inside_a_composite():
    assert gradcheck(composite(good_softsign), X, W)
    with pytest.raises(GradcheckError) as err:
        gradcheck(composite(bad_softsign), X, W)
    msg = str(err.value)
    assert "first node whose own VJP disagrees" in msg
    assert "'bad_softsign' (inputs: (2,) float64)" in msg


def test_second_order_failure_is_localized_too():
    assert gradcheck(first_order_only, X)  # first order is fine
    with pytest.raises(GradcheckError, match=r"second derivatives[\s\S]*'first_order_only'"):
        gradgradcheck(lambda x: (first_order_only(x.sin()) * 2).sum(), X)


def test_composite_with_correct_parts_blames_no_node():
    # detach() hides a path from the engine: every VJP is right, the total is not
    with pytest.raises(GradcheckError, match="Every node's own VJP agrees"):
        gradcheck(lambda x: (x * x.detach()).sum(), np.array([0.5, 1.0]))


def test_untouched_inputs_and_no_grad_leak():
    x = ag.tensor(X.copy(), requires_grad=True)
    gradcheck(lambda t: (t * t).sum(), x)
    assert x.grad is None
    np.testing.assert_array_equal(x.data, X)


def test_float32_warns():
    x = ag.tensor(np.array([0.5, 1.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda t: t * t, x, atol=1e-2, rtol=1e-2, eps=1e-3)


def test_check_grads_compares_the_value():
    assert check_grads(lambda t: t.exp(), np.array([0.0, 1.0]), expected=np.exp([0.0, 1.0]))
    with pytest.raises(GradcheckError, match="value is wrong"):
        check_grads(lambda t: t.exp(), np.array([0.0, 1.0]), expected=np.array([1.0, 2.0]))


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda t: t * 2, ag.tensor([1.0]))


@given(tensors(shape=shapes(max_dims=2), avoid=(0.0,), margin=0.1, min_value=-2, max_value=2))
def test_tensors_strategy_respects_bounds_and_avoidance(t):
    assert t.requires_grad and t.dtype == np.float64
    assert np.all(np.abs(t.data) >= 0.1) and np.all(np.abs(t.data) <= 2)


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(trio):
    assert len(trio) == 3
    np.broadcast_shapes(*trio)


@given(tensors(shape=(2, 3), dtype=np.float32, requires_grad=False))
def test_tensors_strategy_dtype(t):
    assert t.dtype == np.float32 and not t.requires_grad


@given(floats(-1, 1, avoid=(0.0, 0.5), margin=0.05))
def test_floats_avoid(v):
    assert abs(v) >= 0.05 and abs(v - 0.5) >= 0.05


test_grad_property_of_good_primitive = grad_property(good_softsign, tensors(shape=(3,), avoid=(0.0,)), max_examples=10)


def test_grad_property_catches_a_wrong_rule():
    prop = grad_property(bad_softsign, tensors(shape=(2,), avoid=(0.0,)), max_examples=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(GradcheckError):
            prop()

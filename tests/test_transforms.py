"""grad, value_and_grad, jacobian, hessian, vjp, jvp: against closed forms, and composed."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import numerical_grad
from autograd_lite.testing.strategies import floats, tensors


@given(floats(-3, 3))
def test_second_derivative_of_sin_is_minus_sin(x):
    d2 = ag.grad(ag.grad(ag.sin))(x)
    assert d2.item() == pytest.approx(-np.sin(x), abs=1e-12)


@given(floats(-2, 2))
def test_third_derivative_of_tanh(x):
    t = np.tanh(x)
    want = -2 * (1 - t**2) * (1 - 3 * t**2)  # d3/dx3 tanh
    assert ag.grad(ag.grad(ag.grad(ag.tanh)))(x).item() == pytest.approx(want, abs=1e-10)


def test_hessian_of_quadratic_form_plus_exp():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    f = lambda v: v @ (ag.tensor(A) @ v) + v.exp().sum()
    H = ag.hessian(f)(x)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H.data, A + A.T + np.diag(np.exp(x)), atol=1e-12)


def test_jacobian_of_a_layer():
    rng = np.random.default_rng(1)
    W, b, x = rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(5)
    layer = lambda v: (ag.tensor(W) @ v + b).tanh()
    J = ag.jacobian(layer)(x)
    want = (1 - np.tanh(W @ x + b) ** 2)[:, None] * W
    assert J.shape == (3, 5)
    np.testing.assert_allclose(J.data, want, atol=1e-12)


def test_jacobian_shapes_and_argnums():
    x, y = np.ones((2, 3)), np.ones(4)
    Jx, Jy = ag.jacobian(lambda a, b: a.sum() * b, argnums=(0, 1))(x, y)
    assert Jx.shape == (4, 2, 3) and Jy.shape == (4, 4)
    np.testing.assert_allclose(Jy.data, 6 * np.eye(4))


@given(tensors(shape=(3,)), tensors(shape=(3,)))
def test_jvp_is_jacobian_times_tangent(x, v):
    f = lambda a: a.sin() * a.sum() + a**2
    out, jv = ag.jvp(f, (x,), (v,))
    J = ag.jacobian(f)(x)
    np.testing.assert_allclose(jv.data, J.data @ v.data, atol=1e-10)
    np.testing.assert_allclose(out.data, f(x).data)


@given(tensors(shape=(2, 2)), tensors(shape=(3,)))
def test_vjp_is_cotangent_times_jacobian(x, u):
    f = lambda a: (a @ a).sum(axis=0).exp().sum() * ag.ones(3) + ag.tensor([1.0, 2.0, 3.0]) * a[0, 1]
    out, back = ag.vjp(f, x)
    (g,) = back(u)
    J = ag.jacobian(f)(x)
    np.testing.assert_allclose(g.data, np.tensordot(u.data, J.data, axes=1), rtol=1e-10, atol=1e-10)
    assert out.shape == (3,)


def test_grad_matches_numerical_gradient():
    f = lambda a, b: (a * b.sum()).tanh().sum() + (a**2).mean()
    a, b = np.array([0.3, -0.8]), np.array([[1.0, 2.0], [0.5, -1.0]])
    ga, gb = ag.grad(f, argnums=(0, 1))(a, b)
    na, nb = numerical_grad(f, a, b)
    np.testing.assert_allclose(ga.data, na, atol=1e-8)
    np.testing.assert_allclose(gb.data, nb, atol=1e-8)
    assert ga.shape == a.shape and gb.shape == b.shape


def test_value_and_grad():
    v, g = ag.value_and_grad(lambda x: (x**3).sum())(ag.tensor([1.0, 2.0]))
    assert v.item() == 9.0 and g.tolist() == [3.0, 12.0]
    v, (g0, g1) = ag.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    assert (v.item(), g0.item(), g1.item()) == (10.0, 5.0, 2.0)


def test_callers_tensors_are_left_untouched():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    g = ag.grad(lambda a: (a * w).sum())(x)
    assert g.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad is None


def test_grad_of_non_scalar_suggests_jacobian():
    with pytest.raises(ValueError, match=r"scalar.*shape \(2,\).*jacobian.*vjp"):
        ag.grad(lambda x: x * 2)(np.ones(2))


def test_arguments_may_be_numbers_arrays_or_tensors():
    f = lambda x: (x * x).sum()
    for x in (3.0, 3, np.array(3.0), ag.tensor(3.0), ag.tensor(3.0, requires_grad=True)):
        assert ag.grad(f)(x).item() == 6.0


def test_closure_over_outer_variable_no_perturbation_confusion():
    # d/dx [ x * d/dy (x * y) ] = d/dx [x * x] = 2x
    f = lambda x: x * ag.grad(lambda y: x * y)(x)
    assert ag.grad(f)(3.0).item() == 6.0


def test_unconnected_output_gives_zero_gradient():
    assert ag.grad(lambda x: ag.tensor(1.0))(np.ones(3)).tolist() == [0.0, 0.0, 0.0]


def test_argnums_errors():
    with pytest.raises(ValueError, match="argnums"):
        ag.grad(lambda x: x, argnums=2)(1.0)


@given(st.integers(1, 3))
def test_hessian_composes_from_grad(n):
    x = np.linspace(-1, 1, n)
    H = ag.hessian(lambda v: (v.sin() * v).sum())(x)
    np.testing.assert_allclose(H.data, np.diag(2 * np.cos(x) - x * np.sin(x)), atol=1e-12)


def test_results_are_plain_unless_an_outer_graph_needs_them():
    g = ag.grad(lambda x: x**3)(2.0)
    assert g.item() == 12.0 and g.grad_fn is None and not g.requires_grad
    w = ag.tensor(3.0, requires_grad=True)  # captured by f: the result must stay differentiable in w
    gw = ag.grad(lambda x: x * x * w)(2.0)
    assert gw.requires_grad
    gw.backward()
    assert w.grad.item() == 4.0  # d/dw (2 x w) at x = 2
    with ag.no_grad():  # a transform still differentiates; its result is just not recorded
        inside = ag.grad(lambda x: x * x * w)(2.0)
    assert inside.item() == 12.0 and not inside.requires_grad


def test_tuple_outputs_and_argnums_tuples():
    f = lambda x, y: (x * x * y).sum()
    H = ag.hessian(f, argnums=(0, 1))(ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]))
    np.testing.assert_array_equal(H[0][0].data, np.diag([6.0, 8.0]))
    np.testing.assert_array_equal(H[0][1].data, np.diag([2.0, 4.0]))
    np.testing.assert_array_equal(H[1][0].data, np.diag([2.0, 4.0]))
    np.testing.assert_array_equal(H[1][1].data, np.zeros((2, 2)))
    J2, J3 = ag.jacobian(lambda x: (x * 2, x * 3))(ag.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(J2.data, 2 * np.eye(2))
    np.testing.assert_array_equal(J3.data, 3 * np.eye(2))
    (a, b), back = ag.vjp(lambda x: [x * 2, x * 3], ag.tensor([1.0, 2.0]))
    assert back((np.ones(2), np.ones(2)))[0].tolist() == [5.0, 5.0]


def test_non_tensor_outputs_are_refused():
    with pytest.raises(TypeError, match=r"grad: the function must return a Tensor.*got float"):
        ag.grad(lambda x: float((x * x).sum().item()))(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="ndarray"):
        ag.jacobian(lambda x: x.data * 2)(np.ones(2))


def test_argument_checks():
    with pytest.raises(TypeError, match=r"jvp: primals and tangents must be tuples"):
        ag.jvp(lambda x: x, ag.ones(2), ag.ones(2))
    assert ag.grad(lambda x: x * x, argnums=np.int64(0))(2.0).item() == 4.0


def test_default_dtype_applies_to_python_numbers():
    ag.set_default_dtype(np.float32)
    assert ag.grad(lambda x: x * x)(3.0).dtype == np.float32
    assert ag.where(ag.tensor([True]), 1.0, 0.0).dtype == np.float32

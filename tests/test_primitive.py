"""User-defined primitives: the same public mechanism the library's own ops use."""

import ast
import pathlib

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.testing import GradcheckError, gradcheck, gradgradcheck


@ag.primitive
def cube(x):
    return x**3


ag.defvjp(cube, lambda g, out, x: g * 3 * x**2)


@ag.primitive(elementwise=True)
def weighted(x, w):
    return x * w * w


ag.defvjp(weighted, lambda g, out, x, w: g * w * w, lambda g, out, x, w: g * 2 * x * w)


def test_custom_primitive_first_and_second_order():
    x = np.array([-1.5, 0.3, 2.0])
    assert gradcheck(lambda t: cube(t), x)
    assert gradgradcheck(lambda t: cube(t), x)
    t = ag.tensor(2.0, requires_grad=True)
    cube(t).backward(create_graph=True)
    g = t.grad
    t.grad = None
    g.backward()
    assert t.grad.item() == 12.0  # d2/dx2 x^3 = 6x


def test_elementwise_primitive_broadcasts_and_reduces():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    w = np.array([0.7, -0.2, 1.1])
    assert gradcheck(weighted, x, w)
    assert gradgradcheck(weighted, x, w)
    wt = ag.tensor(w, requires_grad=True)
    weighted(ag.tensor(x), wt).sum().backward()
    assert wt.grad.shape == (3,)
    assert wt.grad_fn is None


def test_rule_of_wrong_shape_is_reported_with_op_name():
    @ag.primitive
    def outer_bad(x, y):  # not declared elementwise but broadcasts
        return x * y

    ag.defvjp(outer_bad, lambda g, out, x, y: g * y, lambda g, out, x, y: g * x)
    x = ag.ones(2, 1, requires_grad=True)
    with pytest.raises(ValueError, match=r"outer_bad: the gradient rule for input 0 returned shape \(2, 3\).*\(2, 1\)"):
        outer_bad(x, ag.ones(3)).sum().backward()


def test_wrong_rule_is_caught_by_gradcheck():
    @ag.primitive
    def bad_sin(x):
        return np.sin(x)

    ag.defvjp(bad_sin, lambda g, out, x: g * ag.sin(x))  # should be cos
    with pytest.raises(GradcheckError, match="analytic"):
        gradcheck(bad_sin, np.array([0.1, 0.7]))


def test_missing_rule_and_bad_declarations():
    @ag.primitive
    def norule(x):
        return x + 1

    x = ag.tensor(1.0, requires_grad=True)
    with pytest.raises(NotImplementedError, match="no gradient rule.*defvjp"):
        norule(x).backward()
    with pytest.raises(TypeError, match="2 rules but the primitive takes 1"):
        ag.defvjp(norule, lambda g, out, x: g, lambda g, out, x: g)
    with pytest.raises(TypeError, match="decorated with @ag.primitive"):
        ag.defvjp(np.sin, lambda g, out, x: g)


def test_none_rule_means_no_gradient():
    @ag.primitive
    def scale(x, k):
        return x * k

    ag.defvjp(scale, lambda g, out, x, k: g * k, None)
    x = ag.tensor(2.0, requires_grad=True)
    k = ag.tensor(3.0, requires_grad=True)
    scale(x, k).backward()
    assert x.grad.item() == 3.0 and k.grad is None


def test_keyword_arguments_reach_the_rule():
    @ag.primitive
    def power_k(x, k=2):
        return x**k

    ag.defvjp(power_k, lambda g, out, x, k=2: g * k * x ** (k - 1))
    x = ag.tensor(2.0, requires_grad=True)
    power_k(x, k=3).backward()
    assert x.grad.item() == 12.0
    assert power_k(x, k=3).grad_fn.name == "power_k"


def test_forward_errors_name_the_primitive():
    x = ag.ones(2, 3)
    with pytest.raises(ValueError, match=r"weighted: .*shape \(2, 3\).*shape \(4,\)"):
        weighted(x, ag.ones(4))


def test_only_primitives_declare_vjps():
    """Activations, losses and everything else are forward-form compositions."""
    allowed = {"ops.py", "primitive.py"}
    root = pathlib.Path(ag.__file__).parent
    offenders = []
    for path in list(root.rglob("*.py")) + list((root.parent / "nn").rglob("*.py")):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "defvjp",
                "defvjp_argnum",
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []

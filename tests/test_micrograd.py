"""micrograd's two classic expressions give PyTorch's values and gradients."""

import pytest

import autograd_lite as ag


def test_sanity_check():
    x = ag.tensor(-4.0, requires_grad=True)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # PyTorch: y = -20.0, dy/dx = 46.0
    assert y.item() == -20.0
    assert x.grad.item() == 46.0


def more_ops() -> dict:
    """micrograd's "more ops" expression; returns every named intermediate (like locals())."""
    a = ag.tensor(-4.0, requires_grad=True)
    b = ag.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return dict(a=a, b=b, c=c, d=d, e=e, f=f, g=g)


def test_more_ops():
    v = more_ops()
    a, b, g = v["a"], v["b"], v["g"]
    g.backward()
    # the values PyTorch computes for the same expression
    assert g.item() == pytest.approx(24.70408163265306, rel=1e-14)
    assert a.grad.item() == pytest.approx(138.83381924198252, rel=1e-14)
    assert b.grad.item() == pytest.approx(645.5772594752186, rel=1e-14)

"""The public names and signatures of the API contract, called the way it writes them."""

import inspect

import numpy as np

import autograd_lite as ag
import autograd_lite.functional as F
import nn


def params(f) -> list:
    return list(inspect.signature(f).parameters)


def test_signatures_use_the_contracts_names():
    assert params(ag.Tensor.__init__)[1:] == ["data", "requires_grad", "dtype"]
    assert params(ag.Tensor.backward)[1:] == ["gradient", "retain_graph", "create_graph"]
    assert params(ag.Tensor.requires_grad_)[1:] == ["flag"]
    assert params(ag.concatenate) == ["ts", "axis"] and params(ag.stack) == ["ts", "axis"]
    assert params(ag.where) == ["cond", "a", "b"]
    assert params(ag.grad) == ["f", "argnums"] and params(ag.jvp) == ["f", "primals", "tangents"]
    assert params(ag.testing.gradcheck)[:5] == ["f", "inputs", "eps", "atol", "rtol"]
    assert params(ag.viz.draw_graph)[:4] == ["root", "show_values", "show_grads", "rankdir"]
    assert params(ag.viz.render_graph)[:3] == ["root", "path", "format"]
    assert params(F.cross_entropy)[:4] == ["logits", "target", "axis", "label_smoothing"]
    assert params(nn.Module.load_state_dict)[1:] == ["sd", "strict"]
    assert params(nn.optim.SGD.__init__)[1:6] == ["params", "lr", "momentum", "nesterov", "weight_decay"]
    assert params(nn.optim.Adam.__init__)[1:6] == ["params", "lr", "betas", "eps", "weight_decay"]
    assert params(nn.utils.clip_grad_value_) == ["params", "v"]
    assert params(nn.save) == ["module_or_state_dict", "path"] and params(nn.load) == ["path"]
    assert params(nn.data.train_test_split)[:1] == ["arrays"]
    assert params(nn.fit)[:8] == [
        "model", "loss_fn", "optimizer", "train_data", "epochs", "val_data", "metrics", "progress",
    ]  # fmt: skip


def test_calls_written_as_in_the_contract():
    t = ag.ones(2, requires_grad=True)
    assert not t.requires_grad_(flag=False).requires_grad
    assert ag.concatenate(ts=[ag.ones(2), ag.zeros(1)]).shape == (3,)
    assert ag.where(np.array([True, False]), a=1.0, b=0.0).tolist() == [1.0, 0.0]
    assert nn.LayerNorm(shape=4)(ag.ones(2, 4)).shape == (2, 4)
    assert nn.Embedding(num=5, dim=2).weight.shape == (5, 2)
    assert nn.Embedding(num_embeddings=5, embedding_dim=2).weight.shape == (5, 2)  # PyTorch's names too
    fc = nn.Linear(2, 2)
    fc.load_state_dict(sd=nn.Linear(2, 2).state_dict())
    opt = nn.optim.SGD(fc.parameters(), 0.1, 0.9, True)  # lr, momentum, nesterov, in the contract's order
    assert opt.param_groups[0]["nesterov"] is True
    fc.weight.grad = ag.full((2, 2), 5.0)
    nn.utils.clip_grad_value_(fc.parameters(), v=1.0)
    assert fc.weight.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]

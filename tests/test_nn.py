"""nn: modules, containers, layers, initialisation, state dicts and checkpoints."""

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite.testing import check_grads, gradcheck


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.norm(self.encoder(x)))


class TestModule:
    def test_parameters_in_registration_order_with_nested_names(self):
        m = MLP()
        names = [n for n, _ in m.named_parameters()]
        assert names == [
            "encoder.0.weight",
            "encoder.0.bias",
            "norm.weight",
            "norm.bias",
            "head.weight",
            "head.bias",
        ]
        assert [type(c).__name__ for c in m.children()] == ["Sequential", "LayerNorm", "Linear"]
        assert len(list(m.modules())) == 6
        assert sum(p.size for p in m.parameters()) == 4 * 8 + 8 + 8 + 8 + 8 * 3 + 3

    def test_shared_parameters_appear_once(self):
        fc = nn.Linear(2, 2)
        net = nn.Sequential(fc, nn.ReLU(), fc)
        assert len(list(net.parameters())) == 2

    def test_train_eval_propagate(self):
        m = MLP()
        m.eval()
        assert not any(x.training for x in m.modules())
        m.train()
        assert all(x.training for x in m.modules())

    def test_zero_grad(self):
        m = MLP()
        m(ag.randn(5, 4)).sum().backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())

    def test_repr_with_parameter_counts(self):
        text = repr(MLP())
        assert "(encoder): Sequential(" in text and "(0): Linear(in_features=4, out_features=8, bias=True)" in text
        assert "[40 params]" in text and text.endswith("# 83 parameters")

    def test_assigning_a_non_parameter_to_a_parameter_slot(self):
        fc = nn.Linear(2, 2)
        with pytest.raises(TypeError, match="assign an nn.Parameter"):
            fc.weight = ag.zeros(2, 2)

    def test_forgetting_super_init(self):
        class Bad(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)

        with pytest.raises(AttributeError, match="super\\(\\).__init__"):
            Bad()

    def test_astype(self):
        m = MLP().astype(np.float32)
        out = m(ag.tensor(np.ones((2, 4), dtype=np.float32)))
        assert out.dtype == np.float32 and all(p.dtype == np.float32 for p in m.parameters())


class TestContainers:
    def test_sequential_index_slice_iter(self):
        net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert isinstance(net[0], nn.Linear) and isinstance(net[-1], nn.Linear)
        head = net[:2]
        assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
        assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"]
        assert net(ag.ones(4, 2)).shape == (4, 1)
        with pytest.raises(IndexError, match="out of range for 3 modules"):
            net[3]
        with pytest.raises(TypeError, match="not an nn.Module"):
            nn.Sequential(nn.ReLU(), lambda x: x)

    def test_module_list(self):
        layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        layers.append(nn.Linear(2, 1))
        assert len(layers) == 4 and len(list(layers.parameters())) == 8
        assert [n for n, _ in layers.named_parameters()][-1] == "3.bias"
        assert isinstance(layers[1:], nn.ModuleList)

    def test_identity_and_flatten(self):
        x = ag.zeros(2, 3, 4)
        assert nn.Identity()(x) is x
        assert nn.Flatten()(x).shape == (2, 12)
        assert nn.Flatten(0, -1)(x).shape == (24,)


class TestLayers:
    def test_linear_matches_formula_and_gradients(self):
        fc = nn.Linear(3, 2)
        x = np.random.default_rng(0).standard_normal((4, 3))
        np.testing.assert_allclose(fc(ag.tensor(x)).data, x @ fc.weight.data.T + fc.bias.data)
        W, b = fc.weight.data.copy(), fc.bias.data.copy()
        assert gradcheck(lambda w, bb, xx: ag.tanh(xx @ w.T + bb), W, b, x)
        with pytest.raises(
            ValueError, match=r"Linear\(in_features=3, out_features=2\): .*last dimension is 3.*\(4, 5\)"
        ):
            fc(ag.ones(4, 5))
        assert nn.Linear(3, 2, bias=False).bias is None

    def test_linear_default_init_bounds(self):
        fc = nn.Linear(100, 50)
        bound = 1 / math.sqrt(100)
        assert np.abs(fc.weight.data).max() <= bound and np.abs(fc.bias.data).max() <= bound
        assert fc.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)

    def test_dropout(self):
        ag.manual_seed(0)
        d = nn.Dropout(0.25)
        x = ag.ones(10000, requires_grad=True)
        y = d(x)
        kept = y.data != 0
        assert abs(kept.mean() - 0.75) < 0.02
        np.testing.assert_allclose(y.data[kept], 1 / 0.75)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, kept / 0.75)
        d.eval()
        assert d(x) is x
        with pytest.raises(ValueError, match="p must lie in"):
            nn.Dropout(1.5)

    def test_layer_norm_closed_form_and_gradients(self):
        ln = nn.LayerNorm(5)
        with ag.no_grad():
            ln.weight.data[:] = np.linspace(0.5, 1.5, 5)
            ln.bias.data[:] = np.linspace(-1, 1, 5)
        x = np.random.default_rng(1).standard_normal((3, 5))
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        want = (x - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data
        np.testing.assert_allclose(ln(ag.tensor(x)).data, want, rtol=1e-12)
        w, b = ln.weight.data.copy(), ln.bias.data.copy()

        def f(xx, ww, bb):
            d = xx - xx.mean(axis=-1, keepdims=True)
            return d / ((d * d).mean(axis=-1, keepdims=True) + 1e-5).sqrt() * ww + bb

        assert check_grads(f, x, w, b)
        with pytest.raises(ValueError, match=r"LayerNorm\(\(5,\)\): expected input ending in shape"):
            ln(ag.ones(3, 4))

    def test_batch_norm_train_and_eval(self):
        bn = nn.BatchNorm1d(3, momentum=0.1)
        rng = np.random.default_rng(2)
        x1, x2 = rng.standard_normal((8, 3)) * 2 + 1, rng.standard_normal((8, 3))
        y = bn(ag.tensor(x1))
        want = (x1 - x1.mean(0)) / np.sqrt(x1.var(0) + 1e-5)
        np.testing.assert_allclose(y.data, want, rtol=1e-12)
        bn(ag.tensor(x2))
        rm = 0.9 * (0.9 * 0 + 0.1 * x1.mean(0)) + 0.1 * x2.mean(0)
        rv = 0.9 * (0.9 * 1 + 0.1 * x1.var(0, ddof=1)) + 0.1 * x2.var(0, ddof=1)
        np.testing.assert_allclose(bn.running_mean.data, rm, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.data, rv, rtol=1e-12)
        assert int(bn.num_batches_tracked.data) == 2
        bn.eval()
        np.testing.assert_allclose(bn(ag.tensor(x1)).data, (x1 - rm) / np.sqrt(rv + 1e-5), rtol=1e-12)
        assert {"running_mean", "running_var", "num_batches_tracked"} <= set(bn.state_dict())
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            bn.train()(ag.ones(1, 3))

    def test_batch_norm_gradients_numerically(self):
        x = np.random.default_rng(3).standard_normal((5, 2))

        def f(xx):
            bn = nn.BatchNorm1d(2)
            return bn(xx) * ag.tensor([[1.0, 2.0]])

        assert check_grads(f, x)
        x3 = np.random.default_rng(4).standard_normal((4, 2, 3))
        assert gradcheck(lambda xx: nn.BatchNorm1d(2)(xx) ** 2, x3)

    def test_embedding(self):
        emb = nn.Embedding(5, 2)
        idx = np.array([[0, 3], [3, 3]])
        out = emb(idx)
        np.testing.assert_array_equal(out.data, emb.weight.data[idx])
        out.sum().backward()
        np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 0, 3, 0])
        with pytest.raises(IndexError, match=r"indices must lie in \[0, 5\), got \[7\]"):
            emb(np.array([7]))
        with pytest.raises(TypeError, match="integer indices"):
            emb(np.array([0.5]))

    @pytest.mark.parametrize(
        "module, fn",
        [
            (nn.ReLU(), lambda x: np.maximum(x, 0)),
            (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
            (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
            (nn.Tanh(), np.tanh),
            (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
            (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
            (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
            (nn.Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(0)),
            (nn.LogSoftmax(axis=-1), lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
        ],
    )
    def test_activation_modules(self, module, fn):
        x = np.linspace(-3, 3, 12).reshape(3, 4)
        np.testing.assert_allclose(module(ag.tensor(x)).data, fn(x), rtol=1e-12, atol=1e-15)

    def test_loss_modules_wrap_functional(self):
        import autograd_lite.functional as F

        p, t = ag.randn(4, 3), ag.randn(4, 3)
        assert nn.MSELoss()(p, t).item() == F.mse_loss(p, t).item()
        assert nn.L1Loss(reduction="sum")(p, t).item() == F.l1_loss(p, t, reduction="sum").item()
        assert nn.HuberLoss(delta=0.5)(p, t).item() == F.huber_loss(p, t, delta=0.5).item()
        idx = np.array([0, 2, 1, 1])
        assert (
            nn.CrossEntropyLoss(label_smoothing=0.1)(p, idx).item()
            == F.cross_entropy(p, idx, label_smoothing=0.1).item()
        )
        assert nn.NLLLoss()(p, idx).item() == F.nll_loss(p, idx).item()
        q = ag.tensor(np.full((4, 3), 0.5))
        assert nn.BCELoss()(q, q).item() == F.binary_cross_entropy(q, q).item()
        assert nn.BCEWithLogitsLoss()(p, q).item() == F.binary_cross_entropy_with_logits(p, q).item()
        with pytest.raises(ValueError, match="reduction must be"):
            nn.MSELoss(reduction="avg")


class TestInit:
    N = 512

    def stats(self, fill, **kw):
        ag.manual_seed(0)
        w = nn.Parameter(ag.zeros(self.N, self.N))
        fill(w, **kw)
        return w.data.mean(), w.data.var()

    def test_schemes_match_their_definitions(self):
        n = self.N
        se = lambda var: 4 * math.sqrt(var / n**2)  # 4 standard errors of the mean
        cases = [
            (nn.init.uniform_, dict(a=-2.0, b=2.0), 16 / 12),
            (nn.init.normal_, dict(mean=0.0, std=0.3), 0.09),
            (nn.init.xavier_uniform_, {}, 2 / (n + n)),
            (nn.init.xavier_normal_, dict(gain=2.0), 4 * 2 / (n + n)),
            (nn.init.kaiming_uniform_, dict(nonlinearity="relu"), 2 / n),
            (nn.init.kaiming_normal_, dict(nonlinearity="relu", mode="fan_out"), 2 / n),
            (nn.init.kaiming_normal_, dict(a=0.2), 2 / (1 + 0.04) / n),
        ]
        for fill, kw, var in cases:
            mean, got = self.stats(fill, **kw)
            assert abs(mean) < se(var), (fill.__name__, mean)
            # the sample variance of n^2 draws has relative standard error about sqrt(2 / n^2)
            assert got == pytest.approx(var, rel=4 * math.sqrt(2) / n * 1.5), (fill.__name__, got, var)

    def test_constants_and_gain(self):
        w = nn.Parameter(ag.zeros(3, 3))
        assert nn.init.ones_(w) is w and (w.data == 1).all()
        nn.init.constant_(w, 0.5)
        assert (w.data == 0.5).all()
        nn.init.zeros_(w)
        assert (w.data == 0).all()
        assert nn.init.calculate_gain("relu") == math.sqrt(2)
        assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
        with pytest.raises(ValueError, match="unknown nonlinearity"):
            nn.init.calculate_gain("swish")
        with pytest.raises(ValueError, match="at least 2 dimensions"):
            nn.init.xavier_uniform_(nn.Parameter(ag.zeros(3)))

    def test_seeded(self):
        ag.manual_seed(5)
        a = nn.Linear(4, 4).weight.data.copy()
        ag.manual_seed(5)
        assert (nn.Linear(4, 4).weight.data == a).all()


class TestStateDict:
    def test_round_trip_and_identity(self):
        a, b = MLP(), MLP()
        w = b.head.weight
        b.load_state_dict(a.state_dict())
        assert b.head.weight is w  # loaded in place: optimizers keep their references
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
            assert ka == kb and (va == vb).all()

    def test_every_problem_listed_at_once(self):
        sd = MLP().state_dict()
        del sd["head.bias"]
        sd["extra.weight"] = np.zeros(2)
        sd["norm.weight"] = np.zeros(7)
        with pytest.raises(RuntimeError) as err:
            MLP().load_state_dict(sd)
        msg = str(err.value)
        assert "missing keys: head.bias" in msg and "unexpected keys: extra.weight" in msg
        assert "norm.weight: expected shape (8,), got (7,)" in msg

    def test_non_strict(self):
        sd = MLP().state_dict()
        del sd["head.bias"]
        sd["extra"] = np.zeros(1)
        res = MLP().load_state_dict(sd, strict=False)
        assert res.missing_keys == ["head.bias"] and res.unexpected_keys == ["extra"]


class TestCheckpoints:
    def test_trained_model_keeps_predictions_exactly(self, tmp_path):
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.BatchNorm1d(16), nn.Linear(16, 1))
        X, y = ag.randn(32, 3), ag.randn(32, 1)
        for _ in range(20):
            model.zero_grad()
            loss = ((model(X) - y) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                for p in model.parameters():
                    p -= 0.05 * p.grad
        model.eval()
        path = tmp_path / "model.npz"
        nn.save(model, path)
        fresh = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.BatchNorm1d(16), nn.Linear(16, 1)).eval()
        fresh.load_state_dict(nn.load(path))
        assert (fresh(X).data == model(X).data).all()

    def test_pickled_content_is_refused(self, tmp_path):
        evil = tmp_path / "evil.npz"
        np.savez(evil, payload=np.array([{"a": 1}], dtype=object))  # needs pickle to read
        with pytest.raises(ValueError, match="object arrays.*never run code"):
            nn.load(evil)
        with pytest.raises(TypeError, match="only numeric and boolean arrays"):
            nn.save({"x": np.array(["text"])}, tmp_path / "x.npz")
        (tmp_path / "junk.npz").write_bytes(b"not a zip")
        with pytest.raises(ValueError, match="not a readable .npz"):
            nn.load(tmp_path / "junk.npz")


class TestCheckpointFormats:
    def test_optimizer_state_round_trips_through_a_file(self, tmp_path):
        fc = nn.Linear(3, 2)
        opt = nn.optim.Adam(fc.parameters(), lr=0.01, amsgrad=True)
        for _ in range(3):
            opt.zero_grad()
            (fc(ag.ones(4, 3)) ** 2).sum().backward()
            opt.step()
        nn.save({"model": fc.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.npz")
        ck = nn.load(tmp_path / "ckpt.npz")
        assert ck["epoch"] == 3 and ck["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
        fc2 = nn.Linear(3, 2)
        fc2.load_state_dict(ck["model"])
        opt2 = nn.optim.Adam(fc2.parameters(), lr=0.01, amsgrad=True)
        opt2.load_state_dict(ck["optimizer"])
        for o, m in ((opt, fc), (opt2, fc2)):
            o.zero_grad()
            (m(ag.ones(4, 3)) ** 2).sum().backward()
            o.step()
        assert (fc.weight.data == fc2.weight.data).all()

    def test_awkward_keys_and_foreign_files(self, tmp_path):
        nn.save({"file": np.ones(2), "allow_pickle": np.zeros(1)}, tmp_path / "k.npz")
        assert list(nn.load(tmp_path / "k.npz")) == ["file", "allow_pickle"]
        with pytest.raises(FileNotFoundError):
            nn.load(tmp_path / "missing.npz")
        import zipfile

        with zipfile.ZipFile(tmp_path / "model.pt", "w") as zf:
            zf.writestr("archive/data.pkl", b"\x80\x04K\x01.")
        with pytest.raises(ValueError, match="not an nn.save checkpoint.*PyTorch"):
            nn.load(tmp_path / "model.pt")
        with pytest.raises(TypeError, match="never pickled"):
            nn.save({"a": {"b": object()}}, tmp_path / "x.npz")

"""Cross-check autograd_lite against PyTorch (optional; needs `pip install torch`).

Run by hand: python tools/crosscheck_pytorch.py. Compares activations, losses and
nn layers (forward values, input and parameter gradients, BatchNorm running
statistics) in float64 with identical weights. PyTorch is never a dependency.
"""

import numpy as np
import torch
import torch.nn.functional as TF
from torch.optim import lr_scheduler as TS

import autograd_lite as ag
import autograd_lite.functional as F
import nn

rng = np.random.default_rng(0)
x = rng.standard_normal((4, 5)) * 3
x[0, 0] = 0.0


def cmp(name, fa, ft, *arrs):
    ts = [ag.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrs]
    tt = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrs]
    ya = fa(*ts)
    yt = ft(*tt)
    ya.sum().backward() if ya.ndim else ya.backward()
    (yt.sum() if yt.ndim else yt).backward()
    dv = np.abs(ya.data - yt.detach().numpy()).max()
    dg = max(np.abs(a.grad.data - b.grad.numpy()).max() for a, b in zip(ts, tt) if b.grad is not None)
    print(f"{name:28s} value {dv:.1e} grad {dg:.1e}")


cmp("sigmoid", F.sigmoid, torch.sigmoid, x)
cmp("tanh", F.tanh, torch.tanh, x)
cmp("relu", F.relu, torch.relu, x)
cmp("leaky_relu", lambda t: F.leaky_relu(t, 0.1), lambda t: TF.leaky_relu(t, 0.1), x)
cmp("elu", lambda t: F.elu(t, 1.3), lambda t: TF.elu(t, 1.3), x)
cmp("selu", F.selu, TF.selu, x)
cmp("gelu", F.gelu, TF.gelu, x)
cmp("gelu tanh", lambda t: F.gelu(t, "tanh"), lambda t: TF.gelu(t, approximate="tanh"), x)
cmp("softplus", lambda t: F.softplus(t, 2.0), lambda t: TF.softplus(t, 2.0, threshold=1e9), x)
cmp("silu", F.silu, TF.silu, x)
cmp("softmax", lambda t: F.softmax(t, 0) * ag.tensor(x), lambda t: TF.softmax(t, 0) * torch.tensor(x), x)
cmp("log_softmax", lambda t: F.log_softmax(t) * ag.tensor(x), lambda t: TF.log_softmax(t, -1) * torch.tensor(x), x)
y = rng.standard_normal((4, 5))
cmp("mse", F.mse_loss, TF.mse_loss, x, y)
cmp("l1", F.l1_loss, TF.l1_loss, x, y)
cmp("huber", lambda a, b: F.huber_loss(a, b, 1.5), lambda a, b: TF.huber_loss(a, b, delta=1.5), x, y)
p = 1 / (1 + np.exp(-x))
t = (rng.random((4, 5)) > 0.5).astype(float)
cmp("bce", F.binary_cross_entropy, TF.binary_cross_entropy, p, t)
cmp("bce logits", F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, x, t)
idx = np.array([0, 4, 2, 1])
cmp(
    "cross_entropy idx",
    lambda a: F.cross_entropy(a, idx, label_smoothing=0.1),
    lambda a: TF.cross_entropy(a, torch.tensor(idx), label_smoothing=0.1),
    x,
)
q = np.exp(y) / np.exp(y).sum(1, keepdims=True)
cmp(
    "cross_entropy probs",
    lambda a: F.cross_entropy(a, q, label_smoothing=0.2),
    lambda a: TF.cross_entropy(a, torch.tensor(q), label_smoothing=0.2),
    x,
)
cmp(
    "cross_entropy axis0",
    lambda a: F.cross_entropy(a.T, idx, axis=0),
    lambda a: TF.cross_entropy(a, torch.tensor(idx)),
    x,
)
lq = np.log(q)
cmp("nll", lambda a: F.nll_loss(a, idx), lambda a: TF.nll_loss(a, torch.tensor(idx)), lq)
pp = q.copy()
pp[0, 0] = 0.0
cmp("kl_div mean", lambda a: F.kl_div(a, pp), lambda a: TF.kl_div(a, torch.tensor(pp), reduction="mean"), lq)
cmp(
    "kl_div batchmean",
    lambda a: F.kl_div(a, pp, reduction="batchmean"),
    lambda a: TF.kl_div(a, torch.tensor(pp), reduction="batchmean"),
    lq,
)

# ---- nn layers
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
X = rng.standard_normal((16, 6))


def copy(ours, theirs):
    with torch.no_grad():
        for (n, p), (m, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert n == m, (n, m)
            q.copy_(torch.tensor(p.data))


def cmp(name, ours, theirs, x, train=True):
    ours.train(train)
    theirs.train(train)
    xa = ag.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ya = ours(xa)
    yt = theirs(xt)
    w = rng.standard_normal(ya.shape)
    (ya * w).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    dv = np.abs(ya.data - yt.detach().numpy()).max()
    dx = np.abs(xa.grad.data - xt.grad.numpy()).max()
    dp = max(
        [np.abs(p.grad.data - q.grad.numpy()).max() for p, q in zip(ours.parameters(), theirs.parameters())] or [0]
    )
    print(f"{name:32s} out {dv:.1e}  dx {dx:.1e}  dparams {dp:.1e}")
    return max(dv, dx, dp)


worst = 0
m1 = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3))
t1 = torch.nn.Sequential(
    torch.nn.Linear(6, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)
)
copy(m1, t1)
worst = max(worst, cmp("MLP 6-32-16-3", m1, t1, X))
m2 = nn.LayerNorm(6)
t2 = torch.nn.LayerNorm(6)
with torch.no_grad():
    t2.weight.uniform_()
    t2.bias.uniform_()
m2.load_state_dict({k: v.detach().numpy() for k, v in t2.state_dict().items()})
worst = max(worst, cmp("LayerNorm(6)", m2, t2, X))
m3 = nn.BatchNorm1d(6)
t3 = torch.nn.BatchNorm1d(6)
with torch.no_grad():
    t3.weight.uniform_()
    t3.bias.uniform_()
copy(m3, t3)
for step in range(3):
    worst = max(worst, cmp(f"BatchNorm1d train step {step}", m3, t3, X * (step + 1) + step))
dr = max(
    np.abs(m3.running_mean.data - t3.running_mean.numpy()).max(),
    np.abs(m3.running_var.data - t3.running_var.numpy()).max(),
)
print(f"{'BatchNorm1d running stats':32s} {dr:.1e}")
worst = max(worst, dr)
worst = max(worst, cmp("BatchNorm1d eval", m3, t3, X, train=False))
m4 = nn.BatchNorm1d(6)
t4 = torch.nn.BatchNorm1d(6)
copy(m4, t4)
X3 = rng.standard_normal((4, 6, 5))
worst = max(worst, cmp("BatchNorm1d (N,C,L) train", m4, t4, X3))
print("worst difference:", worst, "OK" if worst < 1e-9 else "FAIL")

# ---- optimizers and schedules

rng = np.random.default_rng(0)
W0 = rng.standard_normal((3, 4))
b0 = rng.standard_normal(4)
X = rng.standard_normal((8, 3))


def loss_ag(W, b):
    return ((X @ W + b).tanh() ** 2).sum() + (W**4).sum() * 0.1


def loss_t(W, b):
    return (torch.tanh(torch.tensor(X) @ W + b) ** 2).sum() + (W**4).sum() * 0.1


cases = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.02)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]
for name, kw in cases:
    Wa, ba = nn.Parameter(W0), nn.Parameter(b0)
    Wt, bt = torch.tensor(W0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    oa = getattr(nn.optim, name)([Wa, ba], **kw)
    ot = getattr(torch.optim, name)([Wt, bt], **kw)
    for _ in range(25):
        oa.zero_grad()
        loss_ag(Wa, ba).backward()
        oa.step()
        ot.zero_grad()
        loss_t(Wt, bt).backward()
        ot.step()
    d = max(np.abs(Wa.data - Wt.detach().numpy()).max(), np.abs(ba.data - bt.detach().numpy()).max())
    print(f"{name:8s} {kw}: max diff after 25 steps {d:.1e}")
S = nn.optim.lr_scheduler


def seq(make_ours, make_t, n=30, metric=None):
    pa = nn.Parameter([0.0])
    pt = torch.zeros(1, requires_grad=True)
    oa = nn.optim.SGD([pa], lr=0.5)
    ot = torch.optim.SGD([pt], lr=0.5)
    sa, st = make_ours(oa), make_t(ot)
    ra, rt = [], []
    for e in range(n):
        ra.append(oa.param_groups[0]["lr"])
        rt.append(ot.param_groups[0]["lr"])
        oa.step()
        ot.step()
        if metric is None:
            sa.step()
            st.step()
        else:
            sa.step(metric[e])
            st.step(metric[e])
    return max(abs(a - b) for a, b in zip(ra, rt))


print("StepLR", seq(lambda o: S.StepLR(o, 7, 0.3), lambda o: TS.StepLR(o, 7, 0.3)))
print("ExponentialLR", seq(lambda o: S.ExponentialLR(o, 0.9), lambda o: TS.ExponentialLR(o, 0.9)))
print(
    "CosineAnnealingLR",
    seq(lambda o: S.CosineAnnealingLR(o, 10, 0.01), lambda o: TS.CosineAnnealingLR(o, 10, 0.01), n=45),
)
print("LambdaLR", seq(lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)), lambda o: TS.LambdaLR(o, lambda e: 1 / (1 + e))))
print("LinearWarmup", seq(lambda o: S.LinearWarmup(o, 5, 0.2), lambda o: TS.LinearLR(o, 0.2, 1.0, 5)))
m = [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85] * 3
print(
    "ReduceLROnPlateau",
    seq(
        lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1),
        lambda o: TS.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1),
        n=len(m),
        metric=m,
    ),
)

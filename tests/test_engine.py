"""The backward engine: accumulation, retain_graph, create_graph, hooks, grad mode, in-place safety, scale."""

import gc
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_lite as ag


class TestBackward:
    def test_leaves_accumulate_across_calls(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])

    def test_tensor_used_twice_gets_both_contributions(self):
        x = ag.tensor(3.0, requires_grad=True)
        y = x * x + x  # x feeds mul twice and add once
        y.backward()
        assert x.grad.item() == 7.0

    def test_non_scalar_root_needs_gradient(self):
        x = ag.ones(2, 3, requires_grad=True)
        y = x * 2
        with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*gradient="):
            y.backward()
        y.backward(gradient=np.full((2, 3), 0.5))
        np.testing.assert_allclose(x.grad.data, np.ones((2, 3)))

    def test_gradient_of_wrong_shape_names_both_shapes(self):
        y = ag.ones(2, 3, requires_grad=True) * 2
        with pytest.raises(ValueError, match=r"expected a gradient of shape \(2, 3\).*got shape \(3, 2\)"):
            y.backward(ag.ones(3, 2))

    def test_backward_without_grad_is_an_error(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            ag.tensor(2.0).backward()

    def test_second_backward_needs_retain_graph(self):
        x = ag.tensor(2.0, requires_grad=True)
        y = x.exp() * x
        y.backward()
        with pytest.raises(RuntimeError, match="retain_graph"):
            y.backward()
        # the graph stays readable: structure, values and gradients
        assert y.grad_fn.name == "mul"
        assert y.grad_fn.inputs[0].grad_fn.name == "exp"
        assert y.item() == pytest.approx(2 * np.exp(2.0))
        assert x.grad.item() == pytest.approx(3 * np.exp(2.0))

    def test_retain_graph_allows_a_second_pass(self):
        x = ag.tensor(2.0, requires_grad=True)
        y = x**3
        y.backward(retain_graph=True)
        y.backward()
        assert x.grad.item() == 24.0

    def test_shared_subgraph_is_released_too(self):
        x = ag.tensor(1.0, requires_grad=True)
        h = x.tanh()
        (h * 2).backward()
        with pytest.raises(RuntimeError, match="retain_graph"):
            (h * 3).backward()

    def test_grads_do_not_alias(self):
        x = ag.ones(3, requires_grad=True)
        y = ag.ones(3, requires_grad=True)
        (x + y).sum().backward()
        x.grad.data[0] = 100.0  # a user scaling one grad in place
        assert y.grad.data[0] == 1.0

    def test_leaf_grad_is_writable_own_array(self):
        x = ag.ones(2, 3, requires_grad=True)
        x.sum().backward()  # sum's rule broadcasts: a read-only view
        assert x.grad.data.flags.writeable and x.grad.data.flags.owndata

    def test_user_gradient_array_is_not_aliased(self):
        x = ag.ones(2, requires_grad=True)
        g = np.array([1.0, 2.0])
        (x + 0).backward(g)
        g[0] = 50.0
        assert x.grad.data[0] == 1.0

    def test_unreached_leaves_keep_none(self):
        x = ag.tensor(1.0, requires_grad=True)
        unused = ag.tensor(1.0, requires_grad=True)
        (x * 2).backward()
        assert unused.grad is None

    def test_constant_inputs_are_not_differentiated(self):
        calls = []

        @ag.primitive
        def f(a, b):
            return a * b

        ag.defvjp(f, lambda g, out, a, b: calls.append("a") or g * b, lambda g, out, a, b: calls.append("b") or g * a)
        x = ag.tensor(2.0, requires_grad=True)
        f(x, ag.tensor(3.0)).backward()
        assert calls == ["a"] and x.grad.item() == 3.0


class TestCreateGraph:
    def test_second_and_third_derivatives(self):
        x = ag.tensor(1.5, requires_grad=True)
        y = x**4
        y.backward(create_graph=True)
        g1 = x.grad
        assert g1.requires_grad and g1.item() == pytest.approx(4 * 1.5**3)
        x.grad = None
        g1.backward(create_graph=True)
        g2 = x.grad
        assert g2.item() == pytest.approx(12 * 1.5**2)
        x.grad = None
        g2.backward()
        assert x.grad.item() == pytest.approx(24 * 1.5)

    def test_mixed_partials(self):
        x = ag.tensor(0.7, requires_grad=True)
        y = ag.tensor(-1.3, requires_grad=True)
        z = (x * y).sin() + x**2 * y
        z.backward(create_graph=True)
        gx = x.grad
        x.grad = y.grad = None
        gx.backward()
        # d/dy dz/dx = cos(xy) - xy sin(xy) + 2x
        want = np.cos(0.7 * -1.3) - 0.7 * -1.3 * np.sin(0.7 * -1.3) + 2 * 0.7
        assert y.grad.item() == pytest.approx(want)

    def test_without_create_graph_grads_are_constants(self):
        x = ag.tensor(2.0, requires_grad=True)
        (x**2).backward()
        assert not x.grad.requires_grad and x.grad.grad_fn is None


class TestHooksAndRetainGrad:
    def test_retain_grad_on_non_leaf(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.retain_grad()
        (h * h).sum().backward()
        np.testing.assert_allclose(h.grad.data, 2 * h.data)
        m = x * 2
        (m * 1).sum().backward()
        assert m.grad is None  # not retained

    def test_hook_replaces_gradient(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.data.copy()))
        h.register_hook(lambda g: g * 10)
        h.sum().backward()
        np.testing.assert_allclose(seen[0], [1.0, 1.0])
        np.testing.assert_allclose(x.grad.data, [20.0, 20.0])

    def test_leaf_hook_sees_total_gradient_once(self):
        x = ag.tensor(1.0, requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: seen.append(g.item()))
        (x * 2 + x * 3).backward()
        assert seen == [5.0]
        handle.remove()
        (x * 2).backward()
        assert seen == [5.0]

    def test_hook_on_tensor_without_grad(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            ag.tensor(1.0).register_hook(lambda g: g)


class TestGradMode:
    def test_no_grad_context_and_decorator(self):
        x = ag.tensor(1.0, requires_grad=True)
        with ag.no_grad():
            assert not (x * 2).requires_grad
            with ag.enable_grad():
                assert (x * 2).requires_grad
            assert not ag.is_grad_enabled()
        assert ag.is_grad_enabled()

        @ag.no_grad()
        def f(t):
            return t * 2

        @ag.no_grad
        def f2(t):
            return t * 2

        assert not f(x).requires_grad and not f2(x).requires_grad
        assert ag.is_grad_enabled()

    def test_restored_after_exception(self):
        with pytest.raises(ZeroDivisionError), ag.no_grad():
            1 / 0
        assert ag.is_grad_enabled()

    def test_set_grad_enabled(self):
        with ag.set_grad_enabled(False):
            assert not ag.is_grad_enabled()
        assert ag.is_grad_enabled()

    def test_thread_local(self):
        seen = {}

        def worker():
            seen["enabled"] = ag.is_grad_enabled()
            x = ag.tensor(1.0, requires_grad=True)
            seen["recorded"] = (x * 2).requires_grad

        with ag.no_grad():
            t = threading.Thread(target=worker)
            t.start()
            t.join()
            assert not ag.is_grad_enabled()
        assert seen == {"enabled": True, "recorded": True}


class TestInPlace:
    def test_iadd_in_a_graph_does_not_corrupt_it(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        keep = h
        h += 1  # h is rebound to a new node; the graph keeps the old one
        assert keep.data.tolist() == [1.0, 4.0]
        (h * keep).sum().backward()
        # d/dx [(x^2 + 1) * x^2] = 4x^3 + 2x
        np.testing.assert_allclose(x.grad.data, 4 * x.data**3 + 2 * x.data)

    def test_in_place_on_a_leaf_that_requires_grad(self):
        w = ag.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="no_grad"):
            w += 1
        with ag.no_grad():
            same = w
            w -= 0.5 * ag.ones(2)
        assert w is same and w.data.tolist() == [0.5, 0.5] and w.requires_grad

    def test_in_place_on_plain_tensor_is_numpy_like(self):
        t = ag.zeros(3)
        alias = t
        t += 2
        t *= ag.tensor([1.0, 2.0, 3.0])
        t[0] = -1.0
        assert alias is t and t.data.tolist() == [-1.0, 4.0, 6.0]

    def test_modifying_a_saved_tensor_is_caught_at_backward(self):
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        with ag.no_grad():
            w *= 3
        with pytest.raises(RuntimeError, match="modified in place"):
            y.backward()

    def test_setitem_on_graph_tensor_is_refused(self):
        h = ag.ones(3, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="setitem"):
            h[0] = 5.0

    def test_in_place_errors_are_clear(self):
        t = ag.tensor(np.arange(3))
        with pytest.raises(TypeError, match=r"in-place \+=: .*int64"):
            t += 0.5
        with pytest.raises(ValueError, match=r"in-place \+=.*shape \(3,\)"):
            t += np.ones((2, 3), dtype=np.int64)


class TestScaleAndMemory:
    def test_million_op_chain_has_no_recursion_limit(self):
        x = ag.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0000001
        y.backward()
        assert x.grad.item() == pytest.approx(1.0000001**1_000_000, rel=1e-9)

    def test_intermediates_are_freed_by_reference_counting(self):
        gc.disable()  # prove there are no cycles: only reference counting may free them
        try:
            x = ag.randn(4, 3, requires_grad=True)
            w = ag.randn(3, 2, requires_grad=True)
            h = (x @ w).tanh()
            probe = weakref.ref(h)
            loss = (h * h).mean()
            del h
            loss.backward()
            assert probe() is not None  # still part of loss's graph
            del loss
            assert probe() is None
            assert x.grad is not None and w.grad is not None
        finally:
            gc.enable()

    def test_memory_stays_flat_over_training_steps(self):
        ag.manual_seed(0)
        X = ag.randn(32, 8)
        y = ag.randn(32, 1)
        params = [ag.randn(8, 16, requires_grad=True), ag.randn(16, 1, requires_grad=True)]

        def step():
            w1, w2 = params
            loss = (((X @ w1).tanh() @ w2 - y) ** 2).mean()
            for p in params:
                p.grad = None
            loss.backward()
            with ag.no_grad():
                for p in params:
                    p -= 0.01 * p.grad

        def live_graph_objects():
            return sum(isinstance(o, (ag.Tensor, ag.Node)) for o in gc.get_objects())

        gc.disable()  # no cycles: reference counting alone must keep memory flat
        tracemalloc.start()
        try:
            for _ in range(300):  # interpreter free lists and NumPy caches fill up first
                step()
            objects_before = live_graph_objects()
            first, _ = tracemalloc.get_traced_memory()
            for _ in range(1000):
                step()
            last, _ = tracemalloc.get_traced_memory()
            objects_after = live_graph_objects()
        finally:
            tracemalloc.stop()
            gc.enable()
        assert objects_after == objects_before
        # one leaked activation per step would be 32*16*8 bytes, 4 MB over 1000 steps;
        # the allowance covers the interpreter's bounded free lists
        assert last - first < 256 * 1024, f"memory grew by {last - first} bytes over 1000 steps"


class TestReviewRegressions:
    """Cases an independent review found; each once gave a wrong answer or an unclear error."""

    def test_backward_on_a_leaf_gives_one(self):
        x = ag.tensor(2.0, requires_grad=True)
        x.backward()
        assert x.grad.item() == 1.0
        assert ag.grad(lambda t: t)(3.0).item() == 1.0
        np.testing.assert_array_equal(ag.jacobian(lambda t: t)(ag.tensor([1.0, 2.0])).data, np.eye(2))

    def test_in_place_through_detach_view_or_output_is_caught(self):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        z = (x * x).sum()
        d = x.detach()
        d += 10  # same memory as x, which mul saved
        with pytest.raises(RuntimeError, match="modified in place"):
            z.backward()

        w = ag.tensor([1.0, 2.0], requires_grad=True)
        a = ag.tensor([3.0, 4.0, 5.0])
        v = a[:2]
        y = (w * v).sum()
        a += 100  # v is a view of a
        with pytest.raises(RuntimeError, match="input 1"):
            y.backward()

        h = ag.tensor([0.5, 1.0], requires_grad=True).exp()
        with ag.no_grad():
            h += 1  # exp's rule uses its output
        with pytest.raises(RuntimeError, match="its output"):
            h.backward(ag.ones(2))

    def test_tensor_copies_arrays_from_numpy_shares(self):
        a = np.array([1.0, 2.0])
        t = ag.tensor(a)
        with ag.no_grad():
            t -= 1
        assert a.tolist() == [1.0, 2.0]
        s = ag.from_numpy(a)
        a[0] = 7.0
        assert s.data[0] == 7.0

    def test_restricted_backward_ignores_unrelated_consumed_graphs(self):
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        h = w * w
        h.sum().backward()  # h's graph is released
        g = ag.grad(lambda x: (x * h).sum())(ag.tensor([1.0, 1.0]))
        assert g.tolist() == [1.0, 4.0]

    def test_primitive_rule_problems_are_reported(self):
        @ag.primitive
        def mul2(x, y):
            return x * y

        ag.defvjp(mul2, lambda g, out, x, y: g * y)  # no rule for y
        x, y = ag.tensor(2.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
        with pytest.raises(NotImplementedError, match="'mul2' has no gradient rule for input 1"):
            mul2(x, y).backward()

        @ag.primitive
        def sq(x):
            return x * x

        ag.defvjp(sq, lambda g, x: 2 * g * x)  # forgot `out`
        with pytest.raises(TypeError, match=r"sq: calling its gradient rule.*rule\(g, out, \*inputs"):
            sq(ag.tensor(1.0, requires_grad=True)).backward()

        @ag.primitive
        def sq2(x):
            return x * x

        ag.defvjp(sq2, lambda g, out, x: (2 * g * x).data)  # not a Tensor
        with pytest.raises(TypeError, match="create_graph=True rules must be written with Tensor"):
            ag.grad(ag.grad(sq2))(1.5)

        @ag.primitive
        def scale(x, *, k):
            return x * k

        with pytest.raises(TypeError, match="keyword argument k= is a tensor that requires grad"):
            scale(x, k=ag.tensor(1.0, requires_grad=True))

    def test_std_of_constant_and_max_with_nan(self):
        x = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
        x.std().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        y = ag.tensor([1.0, np.nan], requires_grad=True)
        y.max().backward()
        assert y.grad.tolist() == [0.0, 1.0]

    def test_hook_result_is_cast_and_bad_grad_is_reported(self):
        x = ag.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
        x.register_hook(lambda g: g.astype(np.float64) * 2)
        (x * 1).sum().backward()
        assert x.grad.dtype == np.float32
        z = ag.ones(2, requires_grad=True)
        z.grad = ag.zeros(3)
        with pytest.raises(ValueError, match=r"existing .grad has shape \(3,\).*shape \(2,\)"):
            z.sum().backward()

    def test_no_grad_decorates_generators(self):
        w = ag.ones(2, requires_grad=True)

        @ag.no_grad()
        def gen(t):
            yield (t * 2).requires_grad
            yield (t * 3).requires_grad

        assert list(gen(w)) == [False, False] and ag.is_grad_enabled()

    def test_operators_people_expect(self):
        x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
        assert (~(x > 1)).tolist() == [True, False, False]
        assert ((x > 1) ^ (x > 2)).tolist() == [False, True, False]
        assert (ag.arange(5) // 2).tolist() == [0, 0, 1, 1, 2]
        with pytest.raises(TypeError, match="detach"):
            x // 2
        r = x % 2.0
        r.sum().backward()
        assert r.tolist() == [1.0, 0.0, 1.0] and x.grad.tolist() == [1.0, 1.0, 1.0]
        assert f"{x.sum():.2f}" == "6.00"
        assert [10, 20, 30][ag.tensor(np.array(1))] == 20
        c = x.clone()
        assert c.grad_fn.name == "clone" and c.data is not x.data
        g = x.grad
        g.zero_()
        assert g.tolist() == [0.0, 0.0, 0.0]

    def test_empty_tensors(self):
        assert ag.zeros(0, 3).max(axis=1).shape == (0,)
        assert repr(ag.zeros(0, 3)) == "tensor([], shape=(0, 3))"
        with pytest.raises(ValueError, match="argmax"):
            ag.zeros(0, 3).argmax()
        with pytest.raises(ValueError, match="logsumexp: cannot reduce over an empty axis"):
            ag.zeros(0, 3).logsumexp()

    def test_numpy_scalar_results_do_not_silently_drop_grads(self):
        with pytest.raises(TypeError, match="no gradient rule"):
            np.linalg.norm(ag.tensor([1.0, 2.0], requires_grad=True))


class TestVisitOrder:
    """The untraced pass visits nodes newest first (a heap on creation order) instead of sorting."""

    def test_root_that_feeds_another_root(self):
        from autograd_lite.tensor import run_backward

        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = x * x  # a root, and an input of the other root
        z = (y * 3.0).sum()
        run_backward((z, y), (None, np.ones(2)))
        # dz/dx = 6x, dy/dx (with ones) = 2x
        np.testing.assert_allclose(x.grad.data, [8.0, 16.0])

    def test_same_root_twice_counts_twice(self):
        from autograd_lite.tensor import run_backward

        x = ag.tensor(3.0, requires_grad=True)
        y = x * x
        run_backward((y, y), (None, None))
        assert x.grad.item() == 12.0

    def test_wide_graph_visits_each_node_once_after_all_its_users(self):
        # many branches made in an interleaved order, summed in a different order
        rng = np.random.default_rng(0)
        x = ag.tensor(rng.standard_normal(3), requires_grad=True)
        branches = [x * float(k + 1) for k in range(20)]
        mids = [b.tanh() for b in branches]
        total = mids[0]
        for m in reversed(mids[1:]):
            total = total + m * mids[0]
        total.sum().backward()
        xv = x.data.copy()
        t0 = np.tanh(xv)
        d0 = 1 - t0**2
        expected = d0 * (1 + sum(np.tanh((k + 1) * xv) for k in range(1, 20)))
        expected += sum((k + 1) * (1 - np.tanh((k + 1) * xv) ** 2) * t0 for k in range(1, 20))
        np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)

    def test_user_primitive_without_numpy_rules_inside_the_graph(self):
        @ag.primitive
        def twice(a):
            return 2 * a

        ag.defvjp(twice, lambda g, out, a: g * 2)
        x = ag.tensor([1.0, -1.0], requires_grad=True)
        h = x.tanh()
        (twice(h) * h).sum().backward()  # h is used by the user primitive and by mul
        t = np.tanh(x.data)
        np.testing.assert_allclose(x.grad.data, 4 * t * (1 - t**2), rtol=1e-12)

"""core.sgd against closed forms, finite differences, numpy.polyfit, exhaustive enumeration and hand-written GD."""
# ruff: noqa: N802, N803, N806 -- data matrices are capitals (X, G, W), as in the module under test
import doctest
import itertools
import math

import numpy as np
import pytest
import scipy.special
import scipy.stats

from core import sgd
from core.sgd import (
    MAX_TOTAL_STEPS,
    SGDRun,
    batches_per_epoch,
    exact_minimum,
    grad,
    gradient_noise,
    gradient_scale,
    loss,
    loss_grid,
    make_problem,
    minibatch_sgd,
    noise_level,
)

LIN = make_problem("linear", n=200, seed=3)
LOG = make_problem("logistic", n=200, seed=3, noise=1.0)


def _ref_loss(p, w):
    """Mean loss written out: ½·mean((w₀x + w₁ − y)²) or −mean(y log σ + (1 − y) log(1 − σ))."""
    z = w[0] * p.X + w[1]
    if p.kind == "linear":
        return 0.5 * np.mean((z - p.y) ** 2)
    s = scipy.special.expit(z)
    return -np.mean(p.y * np.log(s) + (1 - p.y) * np.log1p(-s))


def _ref_grad(p, w):
    """Mean gradient written out: mean(r·x), mean(r)."""
    z = w[0] * p.X + w[1]
    r = z - p.y if p.kind == "linear" else 1 / (1 + np.exp(-z)) - p.y
    return np.array([np.mean(r * p.X), np.mean(r)])


def test_module_doctests():
    assert doctest.testmod(sgd).failed == 0


def test_linear_data_follow_the_generating_line():
    p = make_problem("linear", n=5000, seed=1, noise=0.5)
    assert p.X.shape == p.y.shape == (5000,) and p.w_true.tolist() == [2.0, -1.0]
    assert -2 <= p.X.min() and p.X.max() <= 2
    resid = p.y - (2 * p.X - 1)
    assert abs(resid.mean()) < 0.03 and abs(resid.std() - 0.5) < 0.02
    clean = make_problem("linear", n=50, seed=1, noise=0.0)
    np.testing.assert_allclose(clean.y, 2 * clean.X - 1, rtol=0, atol=1e-15)


def test_logistic_w_true_is_the_bayes_posterior():
    p = make_problem("logistic", n=400, seed=2, noise=0.8)
    assert set(np.unique(p.y)) == {0.0, 1.0} and p.y.sum() == 200
    x = np.linspace(-3, 3, 13)
    # P(y = 1 | x) for equal priors and classes N(−1, σ²), N(1, σ²), from the densities
    d0, d1 = scipy.stats.norm.pdf(x, -1, 0.8), scipy.stats.norm.pdf(x, 1, 0.8)
    np.testing.assert_allclose(scipy.special.expit(p.w_true[0] * x + p.w_true[1]), d1 / (d0 + d1), rtol=1e-12)
    # ... and the maximum likelihood estimate of a large sample lands near it
    big = make_problem("logistic", n=5000, seed=0, noise=1.0)
    np.testing.assert_allclose(exact_minimum(big).w, big.w_true, atol=0.25)
    assert abs(big.X[big.y == 1].mean() - 1) < 0.05 and abs(big.X[big.y == 0].std() - 1) < 0.05


def test_seeds_reproduce_data_and_runs_exactly():
    a, b = make_problem("logistic", seed=7), make_problem("logistic", seed=7)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, make_problem("logistic", seed=8).X)
    r1, r2 = minibatch_sgd(LIN, 7, 0.1, 3, seed=5), minibatch_sgd(LIN, 7, 0.1, 3, seed=5)
    for field in ("ws", "full_loss", "batch_loss", "batch_sizes", "epoch_of_step"):
        assert np.array_equal(getattr(r1, field), getattr(r2, field)), field
    assert not np.array_equal(r1.ws, minibatch_sgd(LIN, 7, 0.1, 3, seed=6).ws)
    n1 = gradient_noise(LIN, [0.5, 0.5], [1, 8], seed=4)
    assert np.array_equal(n1.measured, gradient_noise(LIN, [0.5, 0.5], [1, 8], seed=4).measured)


@pytest.mark.parametrize("p", [LIN, LOG], ids=["linear", "logistic"])
def test_loss_and_grad_match_written_out_formulas_and_finite_differences(p):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 200, size=17)
    h = 1e-6
    for w in ([0.0, 0.0], [1.3, -0.4], [-2.0, 3.0]):
        w = np.array(w)
        np.testing.assert_allclose(loss(p, w), _ref_loss(p, w), rtol=1e-13)
        np.testing.assert_allclose(grad(p, w), _ref_grad(p, w), rtol=1e-12, atol=1e-15)
        for reduction in ("mean", "sum"):
            fd = [(loss(p, w + h * e, idx, reduction) - loss(p, w - h * e, idx, reduction)) / (2 * h)
                  for e in np.eye(2)]
            np.testing.assert_allclose(grad(p, w, idx, reduction), fd, rtol=1e-6, atol=1e-8, err_msg=reduction)
        # sum over a batch = B × mean over it
        np.testing.assert_allclose(grad(p, w, idx, "sum"), 17 * grad(p, w, idx, "mean"), rtol=1e-13)
        np.testing.assert_allclose(loss(p, w, idx, "sum"), 17 * loss(p, w, idx, "mean"), rtol=1e-13)
        sub = type(p)(p.kind, p.X[idx], p.y[idx], None)
        np.testing.assert_allclose(loss(p, w, idx), _ref_loss(sub, w), rtol=1e-13)


def test_loss_is_vectorized_and_stable():
    W = np.random.default_rng(1).normal(size=(4, 5, 2))
    for p in (LIN, LOG):
        L, G = loss(p, W), grad(p, W)
        assert L.shape == (4, 5) and G.shape == (4, 5, 2)
        np.testing.assert_allclose(L, [[_ref_loss(p, w) for w in row] for row in W], rtol=1e-13)
        np.testing.assert_allclose(G, [[_ref_grad(p, w) for w in row] for row in W], rtol=1e-12, atol=1e-15)
    assert isinstance(loss(LIN, [1.0, 2.0]), float)
    # |z| in the thousands: e^z overflows, logaddexp does not; log(1 + eᶻ) = max(z, 0) + log1p(e^{−|z|})
    w = np.array([1000.0, 0.0])
    z = 1000 * LOG.X
    assert np.abs(z).max() > 1000
    ref = np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - LOG.y * z)
    np.testing.assert_allclose(loss(LOG, w), ref, rtol=1e-12)
    assert np.isfinite(grad(LOG, w)).all()


def test_loss_grid_orientation_and_values():
    w0s, w1s = np.linspace(-1, 4, 6), np.linspace(-3, 1, 4)
    for p in (LIN, LOG):
        Z = loss_grid(p, w0s, w1s)
        assert Z.shape == (4, 6)
        ref = [[_ref_loss(p, np.array([a, b])) for a in w0s] for b in w1s]
        np.testing.assert_allclose(Z, ref, rtol=1e-12, err_msg=p.kind)


def test_exact_minimum_linear_is_polyfit():
    slope, intercept = np.polyfit(LIN.X, LIN.y, 1)
    m = exact_minimum(LIN)
    np.testing.assert_allclose(m.w, [slope, intercept], rtol=1e-12)
    np.testing.assert_allclose(m.loss, _ref_loss(LIN, m.w), rtol=1e-13)
    assert m.attained and np.linalg.norm(_ref_grad(LIN, m.w)) < 1e-13


def test_exact_minimum_logistic_has_zero_gradient():
    m = exact_minimum(LOG)
    assert m.attained and np.linalg.norm(_ref_grad(LOG, m.w)) < 1e-9
    for dw in ([1e-3, 0], [0, 1e-3], [-1e-3, 1e-3]):  # a minimum, not a saddle or a maximum
        assert _ref_loss(LOG, m.w + np.array(dw)) > m.loss
    # separable data (one class entirely left of the other): the infimum 0 is not attained
    sep = make_problem("logistic", n=10, seed=0, noise=0.1)
    assert sep.X[sep.y == 0].max() < sep.X[sep.y == 1].min()
    s = exact_minimum(sep)
    assert not s.attained and s.loss < 1e-6


@pytest.mark.parametrize("p, lr", [(LIN, 0.3), (LOG, 2.0)], ids=["linear", "logistic"])
def test_full_batch_sgd_is_gradient_descent(p, lr):
    run = minibatch_sgd(p, 200, lr, 25, seed=11, w0=(0.5, -0.5))
    w, ref = np.array([0.5, -0.5]), [np.array([0.5, -0.5])]
    for _ in range(25):
        w = w - lr * _ref_grad(p, w)
        ref.append(w)
    np.testing.assert_allclose(run.ws, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(run.full_loss, [_ref_loss(p, v) for v in ref], rtol=1e-12)
    np.testing.assert_allclose(run.batch_loss, run.full_loss[:-1], rtol=1e-12)  # the batch is everything
    assert run.stop_step == 25 and not run.diverged and run.epoch_of_step.tolist() == list(range(25))


def test_batches_per_epoch_keep_versus_drop():
    p = make_problem("linear", n=10, seed=0)
    assert batches_per_epoch(10, 3, "keep") == 4 and batches_per_epoch(10, 3, "drop") == 3
    keep = minibatch_sgd(p, 3, 0.1, 2, last_batch="keep")
    drop = minibatch_sgd(p, 3, 0.1, 2, last_batch="drop")
    assert keep.batch_sizes.tolist() == [3, 3, 3, 1] * 2 and keep.epoch_of_step.tolist() == [0] * 4 + [1] * 4
    assert drop.batch_sizes.tolist() == [3, 3, 3] * 2 and drop.epoch_of_step.tolist() == [0] * 3 + [1] * 3
    assert keep.ws.shape == (9, 2) and drop.ws.shape == (7, 2)
    # the kept batch of one example: its loss is one example's loss and the step is that example's gradient
    for k in (3, 7):
        w = keep.ws[k]
        per_example = 0.5 * (w[0] * p.X + w[1] - p.y) ** 2
        i = int(np.argmin(np.abs(per_example - keep.batch_loss[k])))
        np.testing.assert_allclose(keep.batch_loss[k], per_example[i], rtol=1e-14)
        r = w[0] * p.X[i] + w[1] - p.y[i]
        np.testing.assert_allclose(keep.ws[k + 1], w - 0.1 * r * np.array([p.X[i], 1.0]), rtol=1e-14)
    # full_loss is the loss over all the data at every iterate
    np.testing.assert_allclose(keep.full_loss, [_ref_loss(p, w) for w in keep.ws], rtol=1e-12)


def test_sum_reduction_is_the_mean_step_times_batch_size():
    # equal batches (10 | 200) and the same shuffles: summing = averaging with a B times larger step
    a = minibatch_sgd(LOG, 10, 0.02, 3, seed=2, reduction="sum")
    b = minibatch_sgd(LOG, 10, 0.2, 3, seed=2, reduction="mean")
    np.testing.assert_allclose(a.ws, b.ws, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.batch_loss, b.batch_loss, rtol=1e-12)  # batch_loss is a mean in both


def test_divergence_stops_and_repeats_rows():
    run = minibatch_sgd(LIN, 200, 5.0, 50)  # lr far beyond 2/λ_max of the Hessian (λ_max ≈ 1.3)
    k = run.stop_step
    assert run.diverged and 0 < k < 50
    assert np.linalg.norm(run.ws[k]) <= sgd.DIVERGENCE_RADIUS
    assert np.linalg.norm(run.ws[k] - 5.0 * _ref_grad(LIN, run.ws[k])) > sgd.DIVERGENCE_RADIUS
    assert (run.ws[k:] == run.ws[k]).all() and (run.full_loss[k:] == run.full_loss[k]).all()
    assert (run.batch_loss[k:] == run.batch_loss[k]).all()
    assert all(np.isfinite(a).all() for a in (run.ws, run.full_loss, run.batch_loss))


def _per_example(p, w):
    """∇ℓᵢ for every example, written out."""
    z = w[0] * p.X + w[1]
    r = z - p.y if p.kind == "linear" else scipy.special.expit(z) - p.y
    return np.column_stack([r * p.X, r])


def test_gradient_noise_theory_is_exact_by_enumeration():
    p = make_problem("logistic", n=10, seed=1, noise=1.0)
    w = np.array([0.3, -0.2])
    G = _per_example(p, w)
    g = G.mean(axis=0)
    res = gradient_noise(p, w, [1, 2, 3, 10], samples=4000, seed=0)
    for B, theory, measured in zip((1, 2, 3, 10), res.theory, res.measured):
        exact = math.sqrt(np.mean([np.sum((G[list(c)].mean(axis=0) - g) ** 2)
                                   for c in itertools.combinations(range(10), B)]))
        np.testing.assert_allclose(theory, exact, rtol=1e-12, atol=1e-15, err_msg=f"B={B}")
        np.testing.assert_allclose(measured, exact, rtol=0.05, atol=1e-12, err_msg=f"B={B}")
    np.testing.assert_allclose(res.full_grad, grad(p, w), rtol=1e-13)


def test_gradient_noise_shrinks_like_one_over_root_b():
    sizes = [1, 4, 16, 64, 200]
    for p in (LIN, LOG):
        res = gradient_noise(p, [0.0, 0.0], sizes, samples=400, seed=1)
        np.testing.assert_allclose(res.measured[:-1], res.theory[:-1], rtol=0.2, err_msg=p.kind)
        assert np.all(np.diff(res.measured) < 0) and np.all(np.diff(res.theory) < 0)
        assert res.theory[-1] == 0 and res.measured[-1] < 1e-12  # B = n: the batch is the data
        # without the finite-population factor, 1/√B exactly: σ from the per-example gradients
        sigma = math.sqrt(np.mean(np.sum((_per_example(p, np.zeros(2)) - res.full_grad) ** 2, axis=1)))
        np.testing.assert_allclose(res.theory[:-1] * np.sqrt(sizes[:-1]),
                                   sigma * np.sqrt((200 - np.array(sizes[:-1])) / 199), rtol=1e-12)


def test_gradient_scale_sum_grows_mean_stays():
    sizes = np.array([1, 10, 50, 200])
    res = gradient_scale(LIN, [0.0, 0.0], sizes, samples=30, seed=0)
    np.testing.assert_allclose(res.sum_norm, sizes * res.mean_norm, rtol=1e-12)
    g = np.linalg.norm(_ref_grad(LIN, np.zeros(2)))
    np.testing.assert_allclose(res.mean_norm[-1], g, rtol=1e-12)
    np.testing.assert_allclose(res.sum_norm[-1], 200 * g, rtol=1e-12)
    assert np.all(np.abs(res.mean_norm[1:] / g - 1) < 0.25)  # the mean stays near the full gradient
    assert np.all(np.diff(res.sum_norm) > 0)


def _fake_run(full_loss):
    steps = len(full_loss) - 1
    return SGDRun(ws=np.zeros((steps + 1, 2)), full_loss=np.asarray(full_loss, dtype=float),
                  batch_loss=np.zeros(steps), batch_sizes=np.ones(steps, int), epoch_of_step=np.zeros(steps, int),
                  diverged=False, stop_step=steps)


def test_noise_level_closed_form_and_ordering():
    # L_k = 1 + 0.1(−1)ᵏ: a centered 9-window averages to 1 ± 0.1/9, so every residual is ±0.1·8/9; 22 values in
    # the second half give 14 residuals, balanced, so the standard deviation is 0.1·8/9 exactly
    k = np.arange(42)
    np.testing.assert_allclose(noise_level(_fake_run(1 + 0.1 * (-1.0) ** k)), 0.8 / 9, rtol=1e-12)
    np.testing.assert_allclose(noise_level(_fake_run(3.0 - 0.01 * k)), 0, atol=1e-14)  # a straight descent
    assert math.isnan(noise_level(_fake_run(np.ones(10))))
    # same lr and number of steps: smaller batches, noisier loss; full batch, smooth
    levels = [noise_level(minibatch_sgd(LIN, B, 0.05, E, seed=1)) for B, E in [(1, 5), (5, 25), (20, 100)]]
    assert levels[0] > 3 * levels[1] > 9 * levels[2] > 0
    assert noise_level(minibatch_sgd(LIN, 200, 0.05, 200)) < 1e-5


def test_step_budget():
    with pytest.raises(ValueError, match=f"at most {MAX_TOTAL_STEPS}"):
        minibatch_sgd(make_problem("linear", n=5000), 1, 0.1, 5)
    big = make_problem("linear", n=5000)
    run = minibatch_sgd(big, 250, 0.1, 200)  # 4000 steps
    assert run.ws.shape == (4001, 2) and not run.diverged


@pytest.mark.parametrize("call, match", [
    (lambda: make_problem("quadratic"), "kind='quadratic'"),
    (lambda: make_problem("linear", n=9), "n=9"),
    (lambda: make_problem("linear", n=5001), "n=5001"),
    (lambda: make_problem("linear", noise=-1.0), "noise=-1.0"),
    (lambda: make_problem("logistic", noise=0.0), "noise=0.0"),
    (lambda: make_problem("linear", seed=-1), "seed=-1"),
    (lambda: loss(LIN, [1.0, 2.0, 3.0]), "w="),
    (lambda: loss(LIN, [1.0, 2.0], idx=[0, 200]), "idx="),
    (lambda: grad(LIN, [1.0, 2.0], idx=[]), "idx="),
    (lambda: grad(LIN, [1.0, 2.0], idx=[0.5]), "idx="),
    (lambda: grad(LIN, [1.0, 2.0], reduction="avg"), "reduction='avg'"),
    (lambda: loss("data", [1.0, 2.0]), "problem='data'"),
    (lambda: loss_grid(LIN, [], [1.0]), "w0s="),
    (lambda: minibatch_sgd(LIN, 0, 0.1, 1), "batch_size=0"),
    (lambda: minibatch_sgd(LIN, 201, 0.1, 1), "batch_size=201"),
    (lambda: minibatch_sgd(LIN, 10, 0.0, 1), "lr=0.0"),
    (lambda: minibatch_sgd(LIN, 10, 101.0, 1), "lr=101.0"),
    (lambda: minibatch_sgd(LIN, 10, 0.1, 0), "epochs=0"),
    (lambda: minibatch_sgd(LIN, 10, 0.1, 201), "epochs=201"),
    (lambda: minibatch_sgd(LIN, 10, 0.1, 1, last_batch="partial"), "last_batch='partial'"),
    (lambda: minibatch_sgd(LIN, 10, 0.1, 1, w0=(1e4, 0.0)), "w0="),
    (lambda: gradient_noise(LIN, [0.0, 0.0], [0, 5]), "batch_sizes="),
    (lambda: gradient_noise(LIN, [0.0, 0.0], [5], samples=0), "samples=0"),
    (lambda: gradient_scale(LIN, [0.0, 0.0], [201]), "batch_sizes="),
    (lambda: noise_level(_fake_run(np.ones(50)), window=8), "window=8"),
])
def test_bad_input_raises_value_error_naming_the_value(call, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_predict_and_epoch_axis():
    from core.sgd import epoch_axis, make_problem, minibatch_sgd, predict

    lin, log = make_problem("linear", n=50, seed=1), make_problem("logistic", n=50, seed=1)
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(predict(lin, [2.0, -1.0], x), [-3.0, -1.0, 3.0])
    np.testing.assert_allclose(predict(log, [2.0, -1.0], x), 1 / (1 + np.exp(-np.array([-3.0, -1.0, 3.0]))))
    run = minibatch_sgd(lin, 16, 0.05, 2, seed=0, last_batch="keep")  # 16, 16, 16, 2 per epoch
    ax = epoch_axis(run, 50)
    assert len(ax) == len(run.ws)
    np.testing.assert_allclose(ax[[0, 1, 4, 8]], [0.0, 16 / 50, 1.0, 2.0])
    with pytest.raises(ValueError):
        epoch_axis(run, 0)

"""core.saddles against closed forms (linearised dynamics, L(t·u), GOE n = 2), finite differences and sympy."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, A), as in the module under test
import doctest
import itertools
import math
import warnings

import numpy as np
import pytest
import sympy as sp

from core import saddles as sd
from core.landscapes import FUNCTIONS
from core.saddles import (
    MAX_STEPS,
    Path,
    all_positive_probability,
    chain_hessian_at_origin,
    chain_loss_along,
    gradient_descent,
    negative_curvature_step,
    newton,
    positive_fraction,
    saddle_free_newton,
)

NET = FUNCTIONS["two_weight_net"]
# Close to the saddle and mostly along its attracting direction (1, −1)/√2: the escape component along
# u = (1, 1)/√2 is only 3.5e-5, so plain GD lingers for ~100 steps at lr 0.05.
START = (1e-4, -5e-5)
U = np.array([1.0, 1.0]) / np.sqrt(2)
V = np.array([1.0, -1.0]) / np.sqrt(2)


def test_module_doctests():
    assert doctest.testmod(sd).failed == 0


def _check_path(fn, run: Path):
    assert run.points.shape == (run.steps + 1, 2) and run.values.shape == run.grad_norms.shape == (run.steps + 1,)
    np.testing.assert_allclose(run.values, fn.f(run.points), rtol=1e-14, atol=0)
    np.testing.assert_allclose(run.grad_norms, np.linalg.norm(fn.grad(run.points), axis=-1), rtol=1e-14, atol=0)
    assert run.stopped in ("converged", "max_steps", "diverged")


def test_gd_plateau_near_the_saddle_then_escape():
    run = gradient_descent(NET, START, 0.05, 200)
    _check_path(NET, run)
    plateau = slice(0, 51)
    assert run.grad_norms[plateau].max() < 0.01
    assert np.abs(run.values[plateau] - 1.0).max() < 1e-4  # loss ≈ 1 = L(0), far from the minimum 0
    assert np.linalg.norm(run.points[plateau], axis=1).max() < 5e-3
    # linearised dynamics p ← (I − lr·H(0))p: the u-part grows by 1 + 2lr, the v-part shrinks by 1 − 2lr
    k = np.arange(31)
    np.testing.assert_allclose(run.points[:31] @ U, (np.array(START) @ U) * 1.1**k, rtol=1e-3)
    np.testing.assert_allclose(run.points[:31] @ V, (np.array(START) @ V) * 0.9**k, rtol=1e-3)
    # ... and it does leave eventually, for a point of the valley w₁w₂ = 1
    assert np.argmax(run.values < 0.5) > 60
    assert run.values[-1] < 1e-6


def test_newton_converges_to_the_saddle():
    run = newton(NET, START, 10)
    _check_path(NET, run)
    assert run.stopped == "converged" and run.steps <= 10
    np.testing.assert_allclose(run.points[-1], [0, 0], atol=1e-10)
    np.testing.assert_allclose(run.values[-1], 1.0, atol=1e-12)


def test_perturbed_gd_reaches_a_minimum():
    run = gradient_descent(NET, START, 0.05, 400, noise=0.01, seed=0)
    _check_path(NET, run)
    assert run.stopped == "converged"
    assert run.values[-1] < 1e-6
    w1, w2 = run.points[-1]
    assert abs(w1 * w2 - 1) < 1e-3
    assert run.perturbed[0] == 0  # ‖∇f(start)‖ < noise: perturbed at once
    again = gradient_descent(NET, START, 0.05, 400, noise=0.01, seed=0)
    np.testing.assert_array_equal(again.points, run.points)
    other = gradient_descent(NET, START, 0.05, 400, noise=0.01, seed=1)
    assert not np.array_equal(other.points[:20], run.points[:20])


@pytest.mark.parametrize("seed", range(5))
def test_perturbed_gd_escapes_for_other_seeds(seed):
    run = gradient_descent(NET, START, 0.05, 400, noise=0.01, seed=seed)
    assert run.stopped == "converged" and run.values[-1] < 1e-6


def test_saddle_free_newton_reaches_a_minimum():
    run = saddle_free_newton(NET, START, 50)
    _check_path(NET, run)
    assert run.values[-1] < 1e-6
    w1, w2 = run.points[-1]
    assert abs(w1 * w2 - 1) < 1e-3
    # the first step: |H(0)| = 2I, so the step is ½·sign(H)·p: v-part goes to ~0, u-part doubles
    p1 = run.points[1]
    np.testing.assert_allclose(p1 @ U, 2 * (np.array(START) @ U), rtol=1e-3)
    assert abs(p1 @ V) < 1e-3 * abs(np.array(START) @ V)


def test_negative_curvature_step_from_the_origin():
    for size in (0.05, 0.3, 1.0):
        new, u = negative_curvature_step(NET, [0.0, 0.0], size)
        np.testing.assert_allclose(abs(u @ U), 1.0, atol=1e-12)
        np.testing.assert_allclose(new, size * u, atol=1e-15)
        expected = (1 - size**2 / 2) ** 2  # L(t·u) = (1 − t²/2)²
        np.testing.assert_allclose(NET.f(new), expected, rtol=1e-12)
        assert NET.f(new) < 1.0


def test_negative_curvature_step_picks_the_lower_side():
    fn = FUNCTIONS["monkey_saddle"]  # odd along x at (0.1, 0): H = diag(0.6, −0.6), the −0.6 eigenvector is ±e_y
    new, u = negative_curvature_step(fn, [0.1, 0.0], 0.2)
    np.testing.assert_allclose(np.abs(u), [0, 1], atol=1e-12)
    assert fn.f(new) <= fn.f([0.1, 0.0] - 0.2 * u)
    new, u = negative_curvature_step(FUNCTIONS["six_hump_camel"], [1.0, 0.5], 0.1)
    assert FUNCTIONS["six_hump_camel"].f(new) <= FUNCTIONS["six_hump_camel"].f(np.array([1.0, 0.5]) - 0.1 * u)


def test_newton_on_the_quadratic_saddle_lands_in_one_step():
    fn = FUNCTIONS["saddle"]
    run = newton(fn, [0.7, -1.3], 20)
    assert run.steps == 1 and run.stopped == "converged"
    np.testing.assert_array_equal(run.points[-1], [0.0, 0.0])


def test_newton_damping_and_singular_hessian():
    fn = FUNCTIONS["saddle"]
    run = newton(fn, [1.0, 1.0], 1, damping=1.0)  # H + I = diag(3, −1), g = (2, −2): step (2/3, 2)
    np.testing.assert_allclose(run.points[-1], [1 / 3, -1.0], rtol=1e-14)
    run = newton(FUNCTIONS["monkey_saddle"], [0.0, 0.0], 5)  # H = 0 and g = 0: nothing to do
    assert run.steps == 0 and run.stopped == "converged"
    run = newton(FUNCTIONS["monkey_saddle"], [0.4, 0.2], 100)  # H singular nowhere here; p halves each step
    np.testing.assert_allclose(run.points[1], [0.2, 0.1], rtol=1e-12)


def test_divergence_stops_cleanly_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = gradient_descent(FUNCTIONS["saddle"], [0.0, 1.0], 0.5, MAX_STEPS)  # y doubles every step
        assert run.stopped == "diverged"
        assert np.abs(run.values[-1]) > 1e12 and np.isfinite(run.points).all()
        assert run.steps == math.ceil(math.log2(math.sqrt(1e12 * 2)))  # first |f| = 4^k above 1e12·(1 + 1)
        run = gradient_descent(FUNCTIONS["rosenbrock"], [-1.5, 2.0], 0.1, 100)
        assert run.stopped == "diverged" and np.isfinite(run.points).all() and np.isfinite(run.values).all()
        run = gradient_descent(FUNCTIONS["beale"], [4.0, 4.0], 1.0, 100, noise=0.1, seed=3)
        assert run.stopped == "diverged"
        run = saddle_free_newton(FUNCTIONS["monkey_saddle"], [1e-3, 1e-3], 200)  # unbounded below
        assert run.stopped == "diverged"
        run = newton(FUNCTIONS["beale"], [4.4, -4.4], 50)
        assert run.stopped in ("converged", "max_steps", "diverged")


def test_max_steps_and_zero_steps():
    run = gradient_descent(FUNCTIONS["rosenbrock"], [-1.0, 1.0], 1e-4, 30)
    assert run.stopped == "max_steps" and run.steps == 30
    run = gradient_descent(NET, START, 0.05, 0)
    assert run.steps == 0 and run.points.tolist() == [list(START)]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: gradient_descent(NET, START, 0.05, MAX_STEPS + 1), "steps"),
    (lambda: gradient_descent(NET, START, 0.0, 10), "lr"),
    (lambda: gradient_descent(NET, START, 0.05, 10, noise=-1.0), "noise"),
    (lambda: gradient_descent(NET, START, 0.05, 10, noise=0.1, seed=-1), "seed"),
    (lambda: gradient_descent(NET, [0.0, 0.0, 0.0], 0.05, 10), "start"),
    (lambda: gradient_descent(NET, [np.nan, 0.0], 0.05, 10), "start"),
    (lambda: newton(NET, START, 5001), "steps"),
    (lambda: newton(NET, START, 10, damping=-1.0), "damping"),
    (lambda: saddle_free_newton(NET, START, 10, min_curvature=0.0), "min_curvature"),
    (lambda: saddle_free_newton(NET, START, 10, lr=np.inf), "lr"),
    (lambda: negative_curvature_step(NET, [0.0, 0.0], 0.0), "size"),
    (lambda: positive_fraction(401, 1, 0), "n"),
    (lambda: positive_fraction(10, 2001, 0), "samples"),
    (lambda: positive_fraction(400, 251, 0), "n\\*n\\*samples"),
    (lambda: positive_fraction(0, 10, 0), "n"),
    (lambda: all_positive_probability(0), "n"),
    (lambda: chain_loss_along(0, [0.0]), "k"),
    (lambda: chain_hessian_at_origin(65), "k"),
])
def test_refuses(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_positive_fraction_is_a_half_on_average():
    fr = positive_fraction(100, 200, seed=0)
    assert fr.shape == (200,)
    assert abs(fr.mean() - 0.5) < 0.02
    np.testing.assert_array_equal(fr * 100, np.round(fr * 100))  # counts over n
    np.testing.assert_array_equal(fr, positive_fraction(100, 200, seed=0))
    assert (fr == 1).sum() == 0  # no minimum among 200 random 100-dim critical points


def test_positive_fraction_against_a_loop_of_eigvalsh():
    rng = np.random.default_rng(5)
    ref = []
    for _ in range(4):
        A = rng.standard_normal((6, 6))
        ref.append(np.mean(np.linalg.eigvalsh((A + A.T) / np.sqrt(12)) > 0))
    np.testing.assert_array_equal(positive_fraction(6, 4, seed=5), ref)


def test_coin_model_matches_simulation():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        coins = rng.random((200_000, n)) < 0.5
        np.testing.assert_allclose(np.mean(coins.all(axis=1)), all_positive_probability(n), atol=0.005)
        assert all_positive_probability(n) == 2.0**-n


def test_goe_two_by_two_is_positive_definite_less_often_than_the_coins():
    # M = [[a, b], [b, c]]: s = (a + c)/2, d = (a − c)/2, b are i.i.d. N(0, ½); both eigenvalues s ± √(d² + b²)
    # are positive iff s > √(d² + b²), a cone of half-angle π/4 around an axis of an isotropic 3-D Gaussian:
    # probability (1 − cos π/4)/2 = (2 − √2)/4 ≈ 0.1464, well below the coin model's ¼.
    exact = (2 - math.sqrt(2)) / 4
    rng = np.random.default_rng(1)
    a, c = rng.standard_normal((2, 1_000_000))
    b = rng.standard_normal(1_000_000) / math.sqrt(2)
    independent = np.mean((a + c > 0) & (a * c > b * b))
    np.testing.assert_allclose(independent, exact, atol=0.002)
    fr = np.concatenate([positive_fraction(2, 2000, seed=s) for s in range(10)])
    np.testing.assert_allclose(np.mean(fr == 1.0), exact, atol=0.012)
    assert np.mean(fr == 1.0) < 0.25 - 0.08
    np.testing.assert_allclose(np.mean(fr), 0.5, atol=0.01)


def _chain_loss(W):
    return (1 - np.prod(W, axis=-1)) ** 2


def test_chain_loss_along_matches_the_product():
    t = np.linspace(-1.5, 2.0, 15)
    for k in range(1, 9):
        W = t[:, None] * np.ones(k) / np.sqrt(k)
        np.testing.assert_allclose(chain_loss_along(k, t), _chain_loss(W), rtol=1e-13, atol=1e-15)
    assert chain_loss_along(3, np.zeros((2, 3))).shape == (2, 3)
    np.testing.assert_allclose(chain_loss_along(2, [0.0, 0.1]), [1.0, (1 - 0.005) ** 2])
    # flatter the deeper: 1 − L(t) ≈ 2(t/√k)^k near 0
    assert chain_loss_along(2, 0.1) < chain_loss_along(3, 0.1) < chain_loss_along(4, 0.1) < 1.0


@pytest.mark.parametrize("k", range(1, 7))
def test_chain_hessian_against_finite_differences(k):
    h = 1e-4
    E = np.eye(k) * h
    H = np.empty((k, k))
    for i, j in itertools.product(range(k), repeat=2):
        H[i, j] = (_chain_loss(E[i] + E[j]) - _chain_loss(E[i] - E[j]) - _chain_loss(-E[i] + E[j])
                   + _chain_loss(-E[i] - E[j])) / (4 * h * h)
    np.testing.assert_allclose(chain_hessian_at_origin(k), H, atol=1e-6)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_chain_hessian_against_sympy(k):
    w = sp.symbols(f"w1:{k + 1}")
    L = (1 - sp.Mul(*w)) ** 2
    H = sp.hessian(L, w).subs({v: 0 for v in w})
    np.testing.assert_array_equal(chain_hessian_at_origin(k), np.array(H, dtype=float))
    expected = [[0.0, -2.0], [-2.0, 0.0]] if k == 2 else np.zeros((k, k))
    np.testing.assert_array_equal(chain_hessian_at_origin(k), expected)


def test_path_is_frozen():
    run = gradient_descent(NET, START, 0.05, 3)
    with pytest.raises(AttributeError):
        run.stopped = "x"

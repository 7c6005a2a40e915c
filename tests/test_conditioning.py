"""core.conditioning against numpy.linalg, scipy, mpmath, closed forms and straightforward loops."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals, as in the module under test
import doctest
import math
import time
import warnings

import mpmath
import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.sparse.linalg

from core import conditioning as cd
from core.conditioning import (
    MAX_STEPS,
    MatrixError,
    cg_path,
    circle,
    cond_numbers,
    fd_grad,
    gd_quadratic,
    gd_run,
    grad,
    hessian,
    hessian_eig,
    hilbert_digits,
    image_of_circle,
    iterations_vs_kappa,
    loss,
    loss_grid,
    lr_limits,
    matrix_from_svd,
    newton_path,
    parse_matrix,
    perturb_A,
    perturb_b,
    rotation,
    view_window,
    worst_b_direction,
)


def _random_matrix(n, seed, kappa=None):
    """A random n x n matrix; with `kappa`, singular values spread log-uniformly from 1 to kappa."""
    rng = np.random.default_rng(seed)
    if kappa is None:
        return rng.standard_normal((n, n))
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U * np.logspace(math.log10(kappa), 0, n)) @ V.T


def test_module_doctests():
    assert doctest.testmod(cd).failed == 0


# --- cond_numbers, matrix_from_svd ---------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_singular_kappa_matches_numpy_cond(n):
    for seed in range(5):
        A = _random_matrix(n, seed)
        np.testing.assert_allclose(cond_numbers(A)["singular"], np.linalg.cond(A, 2), rtol=1e-10,
                                   err_msg=f"n={n} seed={seed}")


def test_eigen_kappa_by_hand():
    for seed in range(10):
        A = _random_matrix(4, seed)
        lam = np.abs(np.linalg.eig(A)[0])
        np.testing.assert_allclose(cond_numbers(A)["eigen"], lam.max() / lam.min(), rtol=1e-10)


def test_teaching_example_eigen_one_singular_million():
    a = 1000.0
    k = cond_numbers([[1, a], [0, 1]])
    assert k["eigen"] == 1.0
    closed = ((math.sqrt(a * a + 4) + a) / 2) ** 2  # σ = (√(a²+4) ± a)/2, σ+·σ− = 1
    np.testing.assert_allclose(k["singular"], closed, rtol=1e-8)
    assert 1.0e6 < k["singular"] < 1.0001e6


def test_symmetric_matrix_both_kappas_agree():
    A = _random_matrix(5, 3)
    S = A + A.T
    k = cond_numbers(S)
    np.testing.assert_allclose(k["eigen"], k["singular"], rtol=1e-9)


def test_singular_matrix_gives_inf():
    assert cond_numbers([[1, 2], [2, 4]]) == {"singular": math.inf, "eigen": math.inf}
    assert cond_numbers([[0.0]]) == {"singular": math.inf, "eigen": math.inf}


@pytest.mark.parametrize("s1, s2, theta", [(3, 1, 0), (1, 5, 30), (2, 2, 77), (10, 0.1, -45), (4, 0, 10)])
def test_matrix_from_svd_has_those_singular_values_and_is_symmetric(s1, s2, theta):
    A = matrix_from_svd(s1, s2, theta)
    np.testing.assert_allclose(A, A.T, atol=1e-15)
    np.testing.assert_allclose(np.linalg.svd(A, compute_uv=False), sorted([s1, s2], reverse=True), atol=1e-13)
    v = rotation(theta)[:, 0]  # the first eigenvector is e1 rotated by θ
    np.testing.assert_allclose(A @ v, s1 * v, atol=1e-13)


def test_rotation_is_orthogonal():
    R = rotation(33)
    np.testing.assert_allclose(R @ R.T, np.eye(2), atol=1e-15)
    np.testing.assert_allclose(R, [[math.cos(math.radians(33)), -math.sin(math.radians(33))],
                                   [math.sin(math.radians(33)), math.cos(math.radians(33))]])


def test_matrix_from_svd_refuses_negative_singular_value():
    with pytest.raises(ValueError, match="s2"):
        matrix_from_svd(1, -1, 0)


# --- parse_matrix -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("1, 2; 3, 4", [[1, 2], [3, 4]]),
    ("1 2\n3 4", [[1, 2], [3, 4]]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[1 2; 3 4]", [[1, 2], [3, 4]]),
    ("1，2；3，4", [[1, 2], [3, 4]]),
    ("  7  ", [[7]]),
    ("-1e6 0; 0 .5", [[-1e6, 0], [0, 0.5]]),
    ("1,2,3;4,5,6;7,8,9;", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    ("\u22121 0; 0 1", [[-1, 0], [0, 1]]),
])
def test_parse_matrix_accepts(text, expected):
    np.testing.assert_array_equal(parse_matrix(text), np.array(expected, dtype=float))


@pytest.mark.parametrize("text, code, token", [
    ("", "empty", ""),
    (" ; [] ", "empty", " ; [] "),
    ("1 " * 301, "too_long", "602"),
    ("nan", "bad_token", "nan"),
    ("inf 0; 0 1", "bad_token", "inf"),
    ("__import__('os')", "bad_token", "__import__('os')"),
    ("1, x; 3, 4", "bad_token", "x"),
    ("1e999", "too_large", "1e999"),
    ("1 2000000; 3 4", "too_large", "2000000"),
    ("1, 2; 3", "not_square", "2,1"),
    ("1 2 3; 4 5 6", "not_square", "2x3"),
    ("; ".join([" ".join(["1"] * 7)] * 7), "too_big", "7"),
])
def test_parse_matrix_refuses(text, code, token):
    with pytest.raises(MatrixError) as info:
        parse_matrix(text)
    assert info.value.code == code
    assert info.value.token == token
    assert info.value.limits == {"max_n": 6, "max_abs": 1e6}
    assert isinstance(info.value, ValueError)


def test_parse_matrix_six_by_six_is_the_limit():
    assert parse_matrix("; ".join([" ".join(["1"] * 6)] * 6)).shape == (6, 6)


# --- perturbations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, kappa", [(2, 10), (3, 1e3), (5, 1e5), (6, 50)])
def test_perturb_b_amplification_never_exceeds_kappa(n, kappa):
    A = _random_matrix(n, n, kappa)
    b = np.random.default_rng(1).standard_normal(n)
    for eps in (1e-10, 1e-3, 0.5):
        c = perturb_b(A, b, eps, k=300, seed=2)
        np.testing.assert_allclose(c.bound, np.linalg.cond(A), rtol=1e-9)
        assert (c.amplification <= c.bound * (1 + 1e-9)).all()
        np.testing.assert_allclose(c.rel_in, eps, rtol=1e-12)
        assert c.worst == c.amplification.max() and c.bound_exact == c.bound
        np.testing.assert_allclose(A @ c.x, b, atol=1e-9 * np.linalg.norm(b) * kappa)


def test_perturb_b_dx_is_the_change_of_the_solution():
    A, b = _random_matrix(3, 7, 100), np.array([1.0, -2.0, 0.5])
    c = perturb_b(A, b, 1e-2, k=50, seed=4)
    x_new = np.linalg.solve(A, (b + c.db).T).T
    np.testing.assert_allclose(c.dx, x_new - np.linalg.solve(A, b), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(c.rel_out, np.linalg.norm(c.dx, axis=1) / np.linalg.norm(c.x))


def test_perturb_b_reaches_kappa_when_b_is_the_worst_direction():
    A = matrix_from_svd(100, 1, 30)
    U, s, _ = np.linalg.svd(A)
    b = 3 * U[:, 0]  # along the left singular vector of σmax: x as short as possible
    c = perturb_b(A, b, 1e-4, k=200, seed=0)
    assert 0.5 * c.bound <= c.worst <= c.bound * (1 + 1e-9)
    np.testing.assert_allclose(worst_b_direction(A, b), c.bound, rtol=1e-12)


def test_perturb_b_is_deterministic_per_seed():
    A, b = [[2, 1], [0, 3]], [1, 1]
    a, a2, other = perturb_b(A, b, 0.1, seed=5), perturb_b(A, b, 0.1, seed=5), perturb_b(A, b, 0.1, seed=6)
    np.testing.assert_array_equal(a.db, a2.db)
    np.testing.assert_array_equal(a.amplification, a2.amplification)
    assert not np.allclose(a.db, other.db)


def test_worst_b_direction_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(5):
        A, b = rng.standard_normal((2, 2)), rng.standard_normal(2)
        t = np.linspace(0, np.pi, 10_000)
        U = np.stack([np.cos(t), np.sin(t)], axis=1)  # unit δb directions (±u give the same amplification)
        x = np.linalg.solve(A, b)
        amp = np.linalg.norm(np.linalg.solve(A, U.T), axis=0) * np.linalg.norm(b) / np.linalg.norm(x)
        np.testing.assert_allclose(worst_b_direction(A, b), amp.max(), rtol=1e-6)
        assert worst_b_direction(A, b) <= np.linalg.cond(A) * (1 + 1e-12)


@pytest.mark.parametrize("eps", [1e-8, 1e-4, 1e-2])
def test_perturb_A_respects_the_exact_bound(eps):
    A = _random_matrix(3, 11, 30)
    b = np.array([1.0, 2.0, -1.0])
    c = perturb_A(A, b, eps, k=200, seed=3)
    kappa = np.linalg.cond(A)
    np.testing.assert_allclose(c.bound, kappa, rtol=1e-9)
    np.testing.assert_allclose(c.bound_exact, kappa / (1 - kappa * eps), rtol=1e-9)
    assert (c.amplification <= c.bound_exact).all()
    np.testing.assert_allclose(np.linalg.norm(c.dA, 2, axis=(1, 2)), eps * np.linalg.norm(A, 2), rtol=1e-10)
    np.testing.assert_array_equal(c.rel_in, eps)
    for i in range(0, 200, 37):  # x + δx solves the perturbed system
        np.testing.assert_allclose(c.x + c.dx[i], np.linalg.solve(A + c.dA[i], b), rtol=1e-9)


def test_perturb_A_bound_exact_is_inf_beyond_one_over_kappa():
    c = perturb_A(np.diag([1.0, 0.01]), [1, 1], 0.02, k=20)
    assert c.bound_exact == math.inf


def test_singular_A_and_zero_b_are_refused():
    with pytest.raises(ValueError, match="singular"):
        perturb_b([[1, 2], [2, 4]], [1, 1], 1e-3)
    with pytest.raises(ValueError, match="singular"):
        perturb_A([[1, 2], [2, 4]], [1, 1], 1e-3)
    with pytest.raises(ValueError, match="b must not be zero"):
        perturb_b(np.eye(2), [0, 0], 1e-3)
    with pytest.raises(ValueError, match="eps"):
        perturb_b(np.eye(2), [1, 0], 0)


def test_circle_outlines_the_relative_perturbations():
    A, b = np.array([[2.0, 1.0], [0.5, 3.0]]), np.array([1.0, -1.0])
    c = perturb_b(A, b, 1e-3, k=50)
    ring = circle(1e-3)
    assert ring.shape == (cd.OUTLINE_POINTS, 2)
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1e-3, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(c.db / np.linalg.norm(b), axis=1), 1e-3, rtol=1e-12)
    np.testing.assert_allclose(ring[0], ring[-1], atol=1e-18)


def test_image_of_circle_is_where_dx_lies():
    A, b, eps = np.array([[2.0, 1.0], [0.5, 3.0]]), np.array([1.0, -1.0]), 1e-3
    x = np.linalg.solve(A, b)
    scale = eps * np.linalg.norm(b) / np.linalg.norm(x)
    e = image_of_circle(A, b, eps)
    np.testing.assert_allclose(np.linalg.norm(e @ A.T, axis=1) / scale, 1, rtol=1e-10)  # A·q/scale is a unit δb
    c = perturb_b(A, b, eps, k=50)
    np.testing.assert_allclose(np.linalg.norm(c.dx / np.linalg.norm(x) @ A.T, axis=1) / scale, 1, rtol=1e-10)


def test_image_of_circle_bounds_the_projected_cloud_for_n_3():
    A, b, eps = _random_matrix(3, 2, 20), np.array([1.0, 2.0, 3.0]), 1e-2
    x = np.linalg.solve(A, b)
    K = eps * np.linalg.norm(b) / np.linalg.norm(x) * np.linalg.inv(A)[:2]
    shape = np.linalg.inv(K @ K.T)  # projected ellipsoid {q : qᵀ(KKᵀ)⁻¹q ≤ 1}
    e = image_of_circle(A, b, eps)
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", e, shape, e), 1, rtol=1e-9)
    q = perturb_b(A, b, eps, k=2000).dx[:, :2] / np.linalg.norm(x)
    inside = np.einsum("ij,jk,ik->i", q, shape, q)
    assert (inside <= 1 + 1e-9).all() and inside.max() > 0.9


# --- Hilbert ------------------------------------------------------------------------------------------


def _kappa_from_exact_inverse(n):
    """‖H‖₂·‖H⁻¹‖₂ with H⁻¹ the exact integer inverse (scipy), both norms by mpmath SVD at 60 digits."""
    with mpmath.workdps(60):
        H = mpmath.matrix([[mpmath.mpf(1) / (i + j + 1) for j in range(n)] for i in range(n)])
        inv = mpmath.matrix([[int(v) for v in row] for row in scipy.linalg.invhilbert(n, exact=True)])
        return float(max(mpmath.svd_r(H, compute_uv=False)) * max(mpmath.svd_r(inv, compute_uv=False)))


def test_hilbert_kappa_is_exact():
    h = hilbert_digits()
    np.testing.assert_array_equal(h.n, np.arange(2, 15))
    reference = [_kappa_from_exact_inverse(n) for n in h.n]
    np.testing.assert_allclose(h.kappa, reference, rtol=1e-10)
    np.testing.assert_allclose(h.kappa[h.n == 5], 4.766e5, rtol=1e-3)
    np.testing.assert_allclose(h.kappa[h.n == 10], 1.6025e13, rtol=1e-4)
    numpy_cond = [np.linalg.cond(scipy.linalg.hilbert(n)) for n in range(2, 8)]
    np.testing.assert_allclose(h.kappa[:6], numpy_cond, rtol=1e-6)  # numpy is still right for small n


def test_hilbert_float64_loses_about_log10_kappa_digits():
    h = hilbert_digits()
    small = h.n <= 11
    lost, logk = h.digits_lost["float64"][small], np.log10(h.kappa[small])
    # the rule of thumb is an upper bound: measured losses sit 1 to 2.5 digits below log10 κ
    assert (lost <= logk + 1).all() and (lost >= logk - 3).all(), (lost, logk)
    slope = np.polyfit(logk, lost, 1)[0]
    assert 0.8 <= slope <= 1.2, slope


def test_hilbert_float32_loses_everything_by_n_8():
    h = hilbert_digits()
    avail = h.available["float32"]
    np.testing.assert_allclose(avail, -np.log10(np.finfo(np.float32).eps))
    assert (h.digits_lost["float32"][h.n >= 9] == avail).all()
    assert (h.digits_lost["float32"][h.n <= 5] < avail - 1).all()
    assert (h.rel_error["float32"] > h.rel_error["float64"])[h.n <= 10].all()


def test_hilbert_rel_error_is_a_plain_solve():
    h = hilbert_digits((4,))
    H = scipy.linalg.hilbert(4)
    with mpmath.workdps(50):
        b = np.array([float(mpmath.fsum(mpmath.mpf(1) / (i + j + 1) for j in range(4))) for i in range(4)])
    x = np.linalg.solve(H, b)
    np.testing.assert_allclose(h.rel_error["float64"][0], np.linalg.norm(x - 1) / 2, rtol=1e-6)
    x32 = np.linalg.solve(H.astype(np.float32), b.astype(np.float32))
    assert x32.dtype == np.float32
    np.testing.assert_allclose(h.rel_error["float32"][0], np.linalg.norm(x32.astype(float) - 1) / 2, rtol=1e-6)


def test_hilbert_is_fast_cold():
    cd._hilbert_table.cache_clear()
    t = time.perf_counter()
    hilbert_digits()
    assert time.perf_counter() - t < 0.2


def test_hilbert_refuses_bad_sizes():
    with pytest.raises(ValueError, match="ns"):
        hilbert_digits([15])


# --- the quadratic ------------------------------------------------------------------------------------


def test_grad_matches_finite_differences():
    rng = np.random.default_rng(0)
    for n in range(1, 7):
        A, b, x = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)
        g = grad(A, b, x)
        np.testing.assert_allclose(fd_grad(A, b, x), g, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(scipy.optimize.approx_fprime(x, lambda z, A=A, b=b: loss(A, b, z)), g,
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(loss(A, b, x), 0.5 * np.sum((A @ x - b) ** 2))


def test_loss_is_vectorized():
    A, b = _random_matrix(3, 0), np.array([1.0, 0.0, 2.0])
    X = np.random.default_rng(1).standard_normal((4, 5, 3))
    Z = loss(A, b, X)
    assert Z.shape == (4, 5)
    np.testing.assert_allclose(Z[2, 3], 0.5 * np.sum((A @ X[2, 3] - b) ** 2))


def test_hessian_and_its_eigendecomposition():
    A = _random_matrix(4, 2)
    np.testing.assert_allclose(hessian(A), A.T @ A)
    lam, V = hessian_eig(A)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(A.T @ A), rtol=1e-10)
    np.testing.assert_allclose(lam[::-1], np.linalg.svd(A, compute_uv=False) ** 2, rtol=1e-9)
    np.testing.assert_allclose(A.T @ A @ V, V * lam, atol=1e-10)
    assert (np.diff(lam) >= 0).all()


def test_lr_limits_closed_forms():
    assert lr_limits([[2, 0], [0, 1]]) == pytest.approx({"divergence": 2 / 4, "optimal": 2 / 5, "inverse": 1 / 4})
    A = _random_matrix(3, 5)
    s = np.linalg.svd(A, compute_uv=False)
    assert lr_limits(A) == pytest.approx({"divergence": 2 / s[0] ** 2, "optimal": 2 / (s[0] ** 2 + s[-1] ** 2),
                                          "inverse": 1 / s[0] ** 2}, rel=1e-10)
    singular = lr_limits([[1, 2], [2, 4]])  # λ = 25, 0
    assert singular["optimal"] == pytest.approx(singular["divergence"]) == pytest.approx(2 / 25)


def test_gd_quadratic_equals_a_plain_loop():
    A, b, x0 = _random_matrix(3, 4, 5), np.array([1.0, -1.0, 2.0]), np.array([0.5, 0.0, -3.0])
    lr = 0.8 * lr_limits(A)["divergence"]
    X = gd_quadratic(A, b, lr, 50, x0)
    x, expected = x0.copy(), [x0.copy()]
    for _ in range(50):
        x = x - lr * A.T @ (A @ x - b)
        expected.append(x)
    assert X.shape == (51, 3)
    np.testing.assert_allclose(X, expected, rtol=1e-12, atol=1e-14)


def test_gd_below_the_limit_converges():
    A, b = np.diag([2.0, 1.0]), np.array([1.0, 1.0])
    run = gd_run(A, b, 0.99 * lr_limits(A)["divergence"], 3000, [3.0, -2.0])
    assert run.diverged_at is None
    assert run.losses[-1] < 1e-20
    assert (np.diff(run.losses) <= 0).all()
    np.testing.assert_allclose(run.x_star, [0.5, 1.0])
    assert run.converged_at is not None
    np.testing.assert_allclose(run.grad_norms, [np.linalg.norm(grad(A, b, x)) for x in run.iterates])


def test_gd_above_the_limit_diverges_quietly():
    A, b = _random_matrix(2, 1, 10), np.array([1.0, 2.0])
    lr = 1.1 * lr_limits(A)["divergence"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = gd_run(A, b, lr, 5000, [1.0, 1.0])
        X = gd_quadratic(A, b, lr, 5000, [1.0, 1.0])
    k = run.diverged_at
    assert k is not None and 0 < k < 5000
    assert np.isfinite(X[: k + 1]).all() and np.isnan(X[k + 1:]).all()
    limit = cd.divergence_threshold(run.losses[0])
    assert limit == min(cd.DIVERGED_LOSS, 1e8 * run.losses[0])
    assert run.losses[k] > limit >= run.losses[k - 1]
    assert np.isnan(run.losses[k + 1:]).all()
    assert run.converged_at is None


def test_gd_error_contracts_by_kappa_ratio_with_optimal_lr():
    A = np.diag([2.0, 0.5])  # Hessian diag(4, 0.25), κ = 16
    kappa = 16.0
    run = gd_run(A, [0.0, 0.0], lr_limits(A)["optimal"], 40, [1.0, 1.0])
    worst = np.abs(run.iterates[:, 1])  # error along the flattest direction
    np.testing.assert_allclose(worst[1:] / worst[:-1], (kappa - 1) / (kappa + 1), rtol=1e-9)
    zig = run.iterates[:, 0]  # the steep direction overshoots: sign flips every step
    assert (np.sign(zig[1:]) == -np.sign(zig[:-1])).all()


def test_gd_validates_steps_and_lr():
    A, b, x0 = np.eye(2), [1, 1], [0, 0]
    for bad in (MAX_STEPS + 1, -1, 2.5):
        with pytest.raises(ValueError, match="steps"):
            gd_quadratic(A, b, 0.1, bad, x0)
    for bad in (0, -0.1, math.inf, math.nan):
        with pytest.raises(ValueError, match="lr"):
            gd_run(A, b, bad, 10, x0)
    assert gd_quadratic(A, b, 0.1, MAX_STEPS, x0).shape == (MAX_STEPS + 1, 2)


def test_gd_on_singular_A_converges_to_nearest_minimiser():
    A, b, x0 = np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([2.0, 5.0]), np.array([0.0, 3.0])
    run = gd_run(A, b, 0.5, 100, x0)
    np.testing.assert_allclose(run.x_star, [2.0, 3.0])
    assert run.converged_at is not None


# --- Newton and CG ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_newton_lands_on_the_solution(n):
    for seed in range(3):
        A = _random_matrix(n, seed, 20)
        b, x0 = np.random.default_rng(seed).standard_normal((2, n))
        path = newton_path(A, b, x0)
        assert path.shape == (2, n)
        np.testing.assert_array_equal(path[0], x0)
        np.testing.assert_allclose(path[1], np.linalg.solve(A, b), rtol=1e-10, atol=1e-10)


def test_newton_on_singular_A_reaches_a_minimiser():
    A, b = np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([1.0, 0.0])
    x1 = newton_path(A, b, [3.0, -1.0])[1]
    np.testing.assert_allclose(grad(A, b, x1), 0, atol=1e-12)


@pytest.mark.parametrize("n", range(2, 7))
def test_cg_reaches_the_solution_in_at_most_n_steps(n):
    for seed in range(3):
        A = _random_matrix(n, 10 + seed, 5)
        b, x0 = np.random.default_rng(seed).standard_normal((2, n))
        path = cg_path(A, b, x0)
        assert 2 <= len(path) <= n + 1
        np.testing.assert_array_equal(path[0], x0)
        x_star = np.linalg.solve(A, b)
        np.testing.assert_allclose(path[-1], x_star, rtol=1e-9, atol=1e-9)
        ref, info = scipy.sparse.linalg.cg(A.T @ A, A.T @ b, x0=x0, rtol=1e-12, maxiter=50 * n)
        assert info == 0
        np.testing.assert_allclose(path[-1], ref, rtol=1e-8, atol=1e-8)


def test_cg_on_a_diagonal_needs_one_step_per_distinct_eigenvalue():
    assert len(cg_path(np.diag([1.0, 2.0, 2.0]), [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])) == 3


# --- iterations versus κ -------------------------------------------------------------------------------


def test_iterations_vs_kappa_matches_closed_form_and_theory():
    kappas = np.array([1.0, 1.5, 3.0, 10.0, 31.6, 100.0, 500.0])
    measured, theory = iterations_vs_kappa(kappas)
    rho = (kappas - 1) / (kappas + 1)
    with np.errstate(divide="ignore"):
        closed = np.maximum(np.ceil(np.log(1e-6) / np.log(rho)), 1)  # error after k steps is exactly ρ^k
    np.testing.assert_array_equal(measured, closed)
    assert measured.dtype.kind == "i"
    assert (measured <= np.ceil(theory) + 1).all() and (measured >= np.floor(theory)).all()
    assert measured[0] == 1 and theory[0] == 1


def test_iterations_vs_kappa_agrees_with_gd_run():
    for kappa in (4.0, 50.0):
        A = np.diag([1.0, 1 / math.sqrt(kappa)])
        run = gd_run(A, [0.0, 0.0], lr_limits(A)["optimal"], MAX_STEPS, np.array([1.0, 1.0]) / math.sqrt(2))
        assert run.converged_at == iterations_vs_kappa([kappa])[0][0]


def test_iterations_vs_kappa_caps_at_max_steps():
    measured, theory = iterations_vs_kappa([1e5])
    assert measured[0] == MAX_STEPS and theory[0] > MAX_STEPS


def test_iterations_vs_kappa_refuses_kappa_below_one():
    with pytest.raises(ValueError, match="kappas"):
        iterations_vs_kappa([0.5])


# --- pictures -----------------------------------------------------------------------------------------


def test_loss_grid_matches_direct_loss():
    A, b = np.array([[2.0, 1.0], [0.0, 0.5]]), np.array([1.0, -1.0])
    xs, ys, Z = loss_grid(A, b, [1.0, 2.0], 3.0, n=41)
    assert Z.shape == (41, 41) and xs[0] == -2.0 and ys[-1] == 5.0
    for i, j in [(0, 0), (3, 17), (40, 2), (20, 20)]:
        np.testing.assert_allclose(Z[i, j], 0.5 * np.sum((A @ [xs[j], ys[i]] - b) ** 2), rtol=1e-14)


def test_view_window_frames_start_and_minimum():
    A, b, x0 = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0]), np.array([-4.0, 6.0])
    center, hw = view_window(A, b, x0)
    x_star = np.linalg.solve(A, b)
    np.testing.assert_allclose(center, x_star, atol=1e-12)
    assert (np.abs(x0 - center) < hw).all()
    assert hw <= 2 * np.max(np.abs(x0 - x_star))
    assert view_window(A, b, x_star)[1] == 1.0


def test_start_point_is_at_distance_one_from_the_solution():
    rng = np.random.default_rng(3)
    for n in (1, 2, 4):
        A = rng.normal(size=(n, n)) + 3 * np.eye(n)
        b = rng.normal(size=n)
        x0 = cd.start_point(A, b, 30.0)
        x_star = np.linalg.solve(A, b)
        expected = abs(np.cos(np.radians(30.0))) if n == 1 else 1.0
        np.testing.assert_allclose(np.linalg.norm(x0 - x_star), expected, rtol=1e-12)

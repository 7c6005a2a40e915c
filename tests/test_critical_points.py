"""core.critical_points against the literature, exact polynomial root counts (sympy) and numpy.linalg.eigh."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, V), as in the module under test
import doctest
import time
from collections import Counter

import numpy as np
import pytest
import scipy.optimize
import sympy as sp

from core import critical_points as cp
from core.critical_points import CriticalPoint, classify, find_critical_points
from core.landscapes import FUNCTIONS, quadratic

X, Y = sp.symbols("x y")
HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]


def _kinds(points):
    return Counter(c.kind for c in points)


def _real_x_roots(gx, gy):
    """x-coordinates of all real solutions of gx = gy = 0 (polynomials), via the resultant in y."""
    res = sp.Poly(sp.resultant(gx, gy, Y), X)
    return np.array(sorted(float(r) for r in sp.real_roots(res)))


def test_module_doctests():
    assert doctest.testmod(cp).failed == 0


@pytest.mark.parametrize(("lam", "kind"), [
    ([1.0, 2.0], "minimum"), ([-1.0, -2.0], "maximum"), ([-2.0, 2.0], "saddle"), ([0.0, 2.0], "degenerate"),
    ([0.0, 0.0], "degenerate"), ([1e-9, 1.0], "degenerate"), ([1e-7, 1.0], "minimum"),
    ([-0.1, 1e6], "saddle"), ([-0.1, 1e6, 5.0], "saddle"), ([0.1, 1e6], "minimum"), ([5e-3, 1e6], "degenerate"),
    ([-5e-3, 1e6], "degenerate"), ([0.1, 1e6, 2e5], "minimum"), ([3.0], "minimum"), ([5e-9, -1e-9], "degenerate"),
])
def test_classify(lam, kind):
    assert classify(lam) == kind


def test_classify_tolerance_is_relative_to_the_largest_eigenvalue():
    assert classify([1e-3, 1e6], tol=1e-8) == "degenerate"  # 1e-3 ≤ 1e-8 · 1e6
    assert classify([1e-3, 1e6], tol=1e-10) == "minimum"  # 1e-3 > 1e-10 · 1e6
    assert classify([1e-9, 1e-3]) == "degenerate"  # below max|λ| = 1 the threshold is the absolute 1e-8
    assert classify([2e-8, 1e-3]) == "minimum"
    assert classify([-2e-8, 1e-3], tol=0.0) == "saddle"


@pytest.mark.parametrize("bad", [[], [np.nan, 1.0], [np.inf], "x"])
def test_classify_refuses(bad):
    with pytest.raises(ValueError):
        classify(bad)


def test_himmelblau_four_minima_four_saddles_one_maximum():
    found = find_critical_points(FUNCTIONS["himmelblau"])
    assert _kinds(found) == {"minimum": 4, "saddle": 4, "maximum": 1}
    minima = np.array(sorted(tuple(c.point) for c in found if c.kind == "minimum"))
    np.testing.assert_allclose(minima, sorted(HIMMELBLAU_MINIMA), atol=1e-6)
    (maximum,) = [c for c in found if c.kind == "maximum"]
    np.testing.assert_allclose(maximum.point, [-0.270845, -0.923039], atol=1e-6)
    np.testing.assert_allclose(maximum.value, 181.617, atol=1e-3)
    # complete: ∇f = 0 has exactly 9 real solutions (resultant), and these are they
    f = (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2
    xs = _real_x_roots(sp.diff(f, X), sp.diff(f, Y))
    assert len(xs) == 9
    np.testing.assert_allclose(np.sort([c.point[0] for c in found]), xs, atol=1e-10)


def test_six_hump_camel_all_fifteen():
    fn = FUNCTIONS["six_hump_camel"]
    found = find_critical_points(fn)
    assert _kinds(found) == {"minimum": 6, "saddle": 7, "maximum": 2}
    f = (4 - sp.Rational(21, 10) * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2
    xs = _real_x_roots(sp.diff(f, X), sp.diff(f, Y))
    assert len(xs) == 15  # the Bézout bound 5·3 is attained: every critical point is real, and inside the window
    np.testing.assert_allclose(np.sort([c.point[0] for c in found]), xs, atol=1e-10)
    np.testing.assert_allclose(found[0].value, -1.0316284535, atol=1e-10)  # the two global minima come first
    np.testing.assert_allclose(sorted(tuple(c.point) for c in found[:2]), [(-0.0898420131, 0.7126564030),
                                                                         (0.0898420131, -0.7126564030)], atol=1e-9)
    assert found[0].kind == found[1].kind == "minimum"
    known = sorted((round(x, 9), round(y, 9), k) for x, y, k in fn.known_critical_points)
    assert sorted((round(c.point[0], 9), round(c.point[1], 9), c.kind) for c in found) == known


@pytest.mark.parametrize(("fid", "expected"), [
    ("double_well", {"minimum": 2, "saddle": 1}), ("saddle", {"saddle": 1}), ("monkey_saddle", {"degenerate": 1}),
    ("rosenbrock", {"minimum": 1}), ("beale", {"minimum": 1, "saddle": 2}),
])
def test_counts(fid, expected):
    fn = FUNCTIONS[fid]
    found = find_critical_points(fn)
    assert _kinds(found) == expected
    known = sorted((round(x, 8), round(y, 8), k) for x, y, k in fn.known_critical_points)
    assert sorted((round(c.point[0], 8) + 0.0, round(c.point[1], 8) + 0.0, c.kind) for c in found) == known


def test_single_points_exactly():
    (c,) = find_critical_points(FUNCTIONS["monkey_saddle"])
    np.testing.assert_allclose(c.point, [0, 0], atol=1e-12)
    np.testing.assert_allclose(c.eigenvalues, [0, 0], atol=1e-10)
    (c,) = find_critical_points(FUNCTIONS["rosenbrock"])
    np.testing.assert_allclose(c.point, [1, 1], atol=1e-12)
    np.testing.assert_allclose(c.eigenvalues, np.linalg.eigvalsh([[802, -400], [-400, 200]]), rtol=1e-12)
    (c,) = find_critical_points(FUNCTIONS["saddle"])
    np.testing.assert_array_equal(c.eigenvalues, [-2, 2])


def test_two_weight_net_saddle_and_valley_of_minima():
    fn = FUNCTIONS["two_weight_net"]
    found = find_critical_points(fn)
    (origin,) = [c for c in found if c.kind == "saddle"]
    np.testing.assert_allclose(origin.point, [0, 0], atol=1e-12)
    np.testing.assert_allclose(origin.eigenvalues, [-2, 2], atol=1e-12)
    np.testing.assert_allclose(abs(origin.eigenvectors[:, 0] @ [1, 1]) / np.sqrt(2), 1.0, atol=1e-12)
    valley = [c for c in found if c is not origin]
    assert len(valley) >= 10  # a continuum is sampled: each start lands somewhere on w₁w₂ = 1
    assert all(c.kind == "degenerate" for c in valley)
    P = np.array([c.point for c in valley])
    np.testing.assert_allclose(P[:, 0] * P[:, 1], 1.0, atol=1e-8)
    np.testing.assert_allclose([c.value for c in valley], 0.0, atol=1e-15)
    lam = np.array([c.eigenvalues for c in valley])
    np.testing.assert_allclose(lam[:, 0], 0.0, atol=1e-10)
    np.testing.assert_allclose(lam[:, 1], 2 * (P**2).sum(axis=1), rtol=1e-10)  # 2(w₁² + w₂²)
    assert len({(q[0] > 0) for q in P}) == 2  # both branches


@pytest.mark.parametrize("fid", list(FUNCTIONS))
def test_results_are_consistent(fid):
    fn = FUNCTIONS[fid]
    found = find_critical_points(fn)
    (x0, x1), (y0, y1) = fn.bounds
    values = [c.value for c in found]
    assert values == sorted(values)
    P = np.array([c.point for c in found])
    assert (P[:, 0] >= x0 - 1e-5).all() and (P[:, 0] <= x1 + 1e-5).all()
    assert (P[:, 1] >= y0 - 1e-5).all() and (P[:, 1] <= y1 + 1e-5).all()
    D = np.linalg.norm(P[:, None] - P[None], axis=-1) + np.eye(len(P))
    assert D.min() >= 1e-5 * max(x1 - x0, y1 - y0)
    for c in found:
        assert c.point.shape == (2,) and c.eigenvalues.shape == (2,) and c.eigenvectors.shape == (2, 2)
        assert c.gradient_norm < 1e-7
        np.testing.assert_allclose(c.gradient_norm, np.linalg.norm(fn.grad(c.point)), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(c.value, fn.f(c.point), rtol=1e-15)
        H = fn.hess(c.point)
        scale = 1 + np.abs(H).max()
        np.testing.assert_allclose(H @ c.eigenvectors, c.eigenvectors * c.eigenvalues, atol=1e-12 * scale)
        np.testing.assert_allclose(c.eigenvectors.T @ c.eigenvectors, np.eye(2), atol=1e-12)
        assert c.eigenvalues[0] <= c.eigenvalues[1]
        assert c.kind == classify(c.eigenvalues)
        # an independent root finder from a nearby start agrees it is a root (scipy's Levenberg–Marquardt)
        ref = scipy.optimize.root(fn.grad, c.point + 1e-9, jac=fn.hess, method="lm")
        assert np.linalg.norm(ref.x - c.point) < 1e-6 or c.kind == "degenerate"


@pytest.mark.parametrize("fid", list(FUNCTIONS))
def test_fast(fid):
    fn = FUNCTIONS[fid]
    find_critical_points(fn)  # warm-up (imports, caches)
    t0 = time.perf_counter()
    find_critical_points(fn)
    assert time.perf_counter() - t0 < 1.0


def test_window_filters_points():
    found = find_critical_points(FUNCTIONS["himmelblau"], bounds=((0, 5), (0, 5)))
    assert [c.kind for c in found] == ["minimum", "saddle", "saddle"]
    np.testing.assert_allclose(found[0].point, [3, 2], atol=1e-12)


def test_quadratic_has_one_minimum():
    (c,) = find_critical_points(quadratic(100.0, 30.0))
    np.testing.assert_allclose(c.point, [0, 0], atol=1e-12)
    np.testing.assert_allclose(c.eigenvalues, [0.01, 1.0], rtol=1e-12)
    assert c.kind == "minimum"


def test_critical_point_is_frozen():
    c = find_critical_points(FUNCTIONS["saddle"])[0]
    assert isinstance(c, CriticalPoint)
    with pytest.raises(AttributeError):
        c.kind = "minimum"


@pytest.mark.parametrize("kwargs", [{"starts": 1}, {"starts": 61}, {"starts": 3.0}, {"tol": 0.0}, {"tol": 1e-3},
                                    {"tol": "x"}, {"bounds": ((1, -1), (0, 1))}])
def test_refuses(kwargs):
    with pytest.raises(ValueError):
        find_critical_points(FUNCTIONS["saddle"], **kwargs)

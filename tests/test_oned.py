"""core.oned against sympy, finite differences, scipy's optimizers and root finders, and closed forms."""
import doctest
import math

import numpy as np
import pytest
import scipy.optimize
import sympy as sp

from core import oned
from core.landscapes import FUNCTIONS, quadratic
from core.oned import (
    FUNCTIONS_1D,
    MAX_STEPS_1D,
    directional_derivatives,
    extrema,
    iterate,
    tangent,
    two_cycle,
)

X = sp.Symbol("x")
# The same functions, typed again from the teaching notes (not imported), for sympy to differentiate.
EXPRESSIONS = {
    "ascent": 25 * sp.sin(X) - X**2,
    "lr_example": X**2 + sp.sin(X),
    "parabola": X**2,
    "double_well": X**4 - 3 * X**2 + X,
    "cubic": X**3 - 3 * X,
}
ASCENT, LR = FUNCTIONS_1D["ascent"], FUNCTIONS_1D["lr_example"]


def test_module_doctests():
    assert doctest.testmod(oned).failed == 0


def test_registry_is_the_documented_one():
    assert set(EXPRESSIONS) <= set(FUNCTIONS_1D)
    for key, fn in FUNCTIONS_1D.items():
        assert fn.id == key and fn.name_key == f"functions1d.{key}"
        assert fn.goal in oned.GOALS and fn.bounds[0] < fn.bounds[1]
        assert fn.bounds[0] <= fn.x0 <= fn.bounds[1] and 0 < fn.lr <= oned.MAX_LR_1D
    assert ASCENT.goal == "max" and LR.goal == "min"


@pytest.mark.parametrize("key", sorted(EXPRESSIONS))
def test_derivatives_match_sympy_and_finite_differences(key):
    fn, expr = FUNCTIONS_1D[key], EXPRESSIONS[key]
    xs = np.linspace(*fn.bounds, 301)
    for ours, reference in ((fn.f, expr), (fn.df, sp.diff(expr, X)), (fn.d2f, sp.diff(expr, X, 2))):
        ref = np.broadcast_to(sp.lambdify(X, reference, "numpy")(xs), xs.shape)
        np.testing.assert_allclose(ours(xs), ref, rtol=1e-12, atol=1e-12, err_msg=f"{key}: {reference}")
    h = 1e-5
    np.testing.assert_allclose(fn.df(xs), (fn.f(xs + h) - fn.f(xs - h)) / (2 * h), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fn.d2f(xs), (fn.df(xs + h) - fn.df(xs - h)) / (2 * h), rtol=1e-6, atol=1e-6)
    grid = xs.reshape(7, 43)  # vectorized over any shape, constants included
    assert fn.f(grid).shape == fn.df(grid).shape == fn.d2f(grid).shape == grid.shape


def _gd_reference(df, x0, lr, steps, sign):
    """Plain-Python gradient steps."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] + sign * lr * df(xs[-1]))
    return np.array(xs)


def test_iterate_matches_a_plain_loop_and_records_f_and_df():
    df = lambda x: 25 * math.cos(x) - 2 * x  # noqa: E731
    path = iterate(ASCENT, -2.0, 0.05, 60)  # goal "max": ascent by default
    np.testing.assert_allclose(path.xs, _gd_reference(df, -2.0, 0.05, 60, +1), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(path.fs, ASCENT.f(path.xs), rtol=1e-15)
    np.testing.assert_allclose(path.dfs, ASCENT.df(path.xs), rtol=1e-15, atol=1e-15)
    assert path.stop_step == 60 and not path.diverged and path.xs.shape == (61,)
    descent = iterate(ASCENT, -2.0, 0.05, 60, ascent=False)
    np.testing.assert_allclose(descent.xs, _gd_reference(df, -2.0, 0.05, 60, -1), rtol=1e-13, atol=1e-13)
    assert iterate(LR, 2.5, 0.1, 0).xs.tolist() == [2.5]


def test_ascent_stops_at_the_local_maximum_not_the_global_one():
    path = iterate(ASCENT, -2.0, ASCENT.lr, MAX_STEPS_1D)
    local = scipy.optimize.minimize_scalar(lambda x: -ASCENT.f(x), bounds=(-5.0, -4.0), method="bounded",
                                           options={"xatol": 1e-12})
    np.testing.assert_allclose(path.xs[-1], local.x, atol=1e-7)  # a flat maximum: x to √ε only
    np.testing.assert_allclose(path.fs[-1], -local.fun, rtol=1e-14)
    x_star = scipy.optimize.brentq(lambda x: 25 * math.cos(x) - 2 * x, -5, -4, xtol=1e-15)  # f′ = 0, to ε
    np.testing.assert_allclose(path.xs[-1], x_star, atol=1e-14)
    # the global maximum on the whole window: best grid point, refined by scipy
    grid = np.linspace(*ASCENT.bounds, 20001)
    x_best = grid[np.argmax(ASCENT.f(grid))]
    best = scipy.optimize.minimize_scalar(lambda x: -ASCENT.f(x), bounds=(x_best - 0.01, x_best + 0.01),
                                          method="bounded", options={"xatol": 1e-12})
    assert abs(path.xs[-1] - best.x) > 5 and -best.fun - path.fs[-1] > 18
    # the numbers the page states
    assert (round(local.x, 2), round(-local.fun, 2)) == (-4.36, 4.45)
    assert (round(best.x, 2), round(-best.fun, 1)) == (1.45, 22.7)
    # the step leaves no visible error: |x − x*| < 1e-10 after a pinned number of steps
    assert int(np.argmax(np.abs(path.xs - x_star) < 1e-10)) == 20  # error × |1 − 0.05·f″(x*)| ≈ 0.27 per step


def test_lr_example_two_cycle_at_alpha_one():
    a, b = two_cycle(LR, 1.0)

    def g(x):
        return x - 1.0 * (2 * x + math.cos(x))

    assert a < b
    np.testing.assert_allclose([g(a), g(b), g(g(a))], [b, a, a], atol=1e-12)
    np.testing.assert_allclose([a, b], [-math.pi / 2, math.pi / 2], atol=1e-12)  # cos(±π/2) = 0
    assert abs(g(a) - a) > 1  # not a fixed point
    path = iterate(LR, 2.5, 1.0, 30)
    tail = path.xs[8:]
    np.testing.assert_allclose(np.abs(tail), math.pi / 2, atol=1e-6)
    assert (np.sign(tail[1:]) == -np.sign(tail[:-1])).all()  # it bounces from side to side
    assert (round(a, 3), round(b, 3)) == (-1.571, 1.571)


def test_lr_example_converges_at_alpha_tenth_and_crawls_at_alpha_hundredth():
    x_min = scipy.optimize.brentq(lambda x: 2 * x + math.cos(x), -1, 0, xtol=1e-15)
    assert round(x_min, 3) == -0.450
    np.testing.assert_allclose(iterate(LR, 2.5, 0.1, 200).xs[-1], x_min, atol=1e-12)
    slow = iterate(LR, 2.5, 0.01, 20)
    assert abs(slow.xs[-1] - x_min) > 0.5 and not slow.diverged
    assert np.all(np.diff(slow.xs) < 0)  # still on its way, monotonically
    assert two_cycle(LR, 0.1) is None


def test_divergence_is_cut_and_repeated():
    # x² with α = 1.5: x ← −2x, |x| = 2ᵏ passes 1e6 at k = 20
    path = iterate(FUNCTIONS_1D["parabola"], 1.0, 1.5, 100)
    assert path.diverged and path.stop_step == 19
    np.testing.assert_array_equal(path.xs[:20], (-2.0) ** np.arange(20))
    assert (path.xs[19:] == path.xs[19]).all() and (path.fs[19:] == path.fs[19]).all()
    assert (path.dfs[19:] == path.dfs[19]).all() and np.isfinite(path.fs).all()
    # the cubic has no minimum: left of its local maximum descent runs away
    cubic = FUNCTIONS_1D["cubic"]
    run = iterate(cubic, -1.5, 0.1, 100)
    last = run.xs[run.stop_step]
    assert run.diverged and abs(last) <= oned.DIVERGENCE_RADIUS_1D
    assert abs(last - 0.1 * (3 * last**2 - 3)) > oned.DIVERGENCE_RADIUS_1D


def test_extrema_of_polynomials_match_numpy_roots():
    cases = {"parabola": [2, 0], "double_well": [4, 0, -6, 1], "cubic": [3, 0, -3]}  # coefficients of f′
    for key, coeffs in cases.items():
        fn = FUNCTIONS_1D[key]
        roots = np.sort(np.roots(coeffs).real[np.abs(np.roots(coeffs).imag) < 1e-12])
        found = extrema(fn)
        np.testing.assert_allclose([x for x, _, _ in found], roots, atol=1e-12, err_msg=key)
        second = np.polyval(np.polyder(coeffs), roots)
        assert [k for _, _, k in found] == ["min" if s > 0 else "max" for s in second], key
        np.testing.assert_allclose([v for _, v, _ in found], fn.f(roots), rtol=1e-12, atol=1e-12)


def test_extrema_of_the_ascent_example_match_scipy():
    found = extrema(ASCENT)
    assert [k for _, _, k in found] == ["max", "min", "max", "min"]
    for (x, v, kind), (lo, hi) in zip(found, [(-5, -4), (-2.5, -1), (1, 2), (4.5, 6)]):
        sign = -1 if kind == "max" else 1
        ref = scipy.optimize.minimize_scalar(lambda t, s=sign: s * ASCENT.f(t), bounds=(lo, hi), method="bounded",
                                             options={"xatol": 1e-12})
        np.testing.assert_allclose(x, ref.x, atol=1e-7)
        np.testing.assert_allclose(v, sign * ref.fun, rtol=1e-12)
    # no other critical point: f′ changes sign exactly four times on an independent grid
    d = sp.lambdify(X, sp.diff(EXPRESSIONS["ascent"], X))(np.linspace(-7, 7, 997))
    assert int(np.sum(np.sign(d[1:]) != np.sign(d[:-1]))) == 4


def test_two_cycles_elsewhere():
    # x² with α = 1: g(x) = −x, every point is on a 2-cycle; no isolated orbit to report
    assert two_cycle(FUNCTIONS_1D["parabola"], 1.0) is None
    assert two_cycle(FUNCTIONS_1D["parabola"], 0.3) is None
    dw = FUNCTIONS_1D["double_well"]
    a, b = two_cycle(dw, 0.5)

    def g(x):
        return x - 0.5 * (4 * x**3 - 6 * x + 1)

    np.testing.assert_allclose([g(a), g(b)], [b, a], atol=1e-10)
    assert dw.bounds[0] <= a < b <= dw.bounds[1] and abs(a - b) > 0.1
    # gradient ascent's map by default for "ascent": x ← x + α f′(x)
    a, b = two_cycle(ASCENT, 1.0)
    h = lambda x: x + 1.0 * (25 * math.cos(x) - 2 * x)  # noqa: E731
    np.testing.assert_allclose([h(a), h(b)], [b, a], atol=1e-9)


def test_tangent_touches_the_curve_with_the_slope_of_f():
    fn = FUNCTIONS_1D["double_well"]
    x, hw = 0.7, 0.4
    xs, ys = tangent(fn, x, hw)
    np.testing.assert_allclose(xs, [x - hw, x + hw], rtol=1e-15)
    slope = (fn.f(x + 1e-6) - fn.f(x - 1e-6)) / 2e-6
    np.testing.assert_allclose((ys[1] - ys[0]) / (xs[1] - xs[0]), slope, rtol=1e-7)
    np.testing.assert_allclose(np.mean(ys), fn.f(x), rtol=1e-12)  # the midpoint is (x, f(x))


def test_directional_derivatives_against_finite_differences():
    fn = FUNCTIONS["himmelblau"]
    p = np.array([1.0, -0.5])
    d = directional_derivatives(fn, p, n=361)
    assert d.angles_deg.shape == d.values.shape == (361,)
    assert d.angles_deg[0] == 0 and d.angles_deg[-1] == 360
    a = np.radians(d.angles_deg)
    E = np.stack([np.cos(a), np.sin(a)], axis=-1)
    h = 1e-6
    fd = (fn.f(p + h * E) - fn.f(p - h * E)) / (2 * h)
    np.testing.assert_allclose(d.values, fd, rtol=1e-7, atol=1e-6)
    fd_grad = [(fn.f(p + h * e) - fn.f(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(d.grad, fd_grad, rtol=1e-8)
    np.testing.assert_allclose(d.max_value, np.linalg.norm(fd_grad), rtol=1e-8)
    assert d.grad_norm == d.max_value and 0 <= d.grad_angle_deg < 360
    # largest along the gradient: brute force over a tenth-of-a-degree grid
    fine = directional_derivatives(fn, p, n=3601)
    np.testing.assert_allclose(fine.values.max(), d.grad_norm, rtol=1e-6)
    assert abs(fine.angles_deg[np.argmax(fine.values)] - d.grad_angle_deg) <= 0.1
    np.testing.assert_allclose(d.values, d.grad_norm * np.cos(a - np.radians(d.grad_angle_deg)), atol=1e-12)


def test_directional_derivative_angles_and_a_critical_point():
    d = directional_derivatives(FUNCTIONS["saddle"], [0.0, 1.0])  # ∇f = (0, −2): pointing down
    assert d.grad_angle_deg == 270.0 and d.angles_deg.size == 73
    d = directional_derivatives(quadratic(4.0, 30.0), [0.0, 0.0])
    assert d.grad_norm == 0 and d.grad_angle_deg == 0 and not d.values.any()


@pytest.mark.parametrize("call, match", [
    (lambda: iterate(LR, 2.5, 0.0, 10), "lr=0.0"),
    (lambda: iterate(LR, 2.5, 10.5, 10), "lr=10.5"),
    (lambda: iterate(LR, 2.5, float("nan"), 10), "lr=nan"),
    (lambda: iterate(LR, 2.5, 0.1, MAX_STEPS_1D + 1), "steps=501"),
    (lambda: iterate(LR, 2.5, 0.1, 2.0), "steps=2.0"),
    (lambda: iterate(LR, 2000.0, 0.1, 10), "x0=2000.0"),
    (lambda: iterate(LR, "a", 0.1, 10), "x0='a'"),
    (lambda: iterate(LR, 2.5, 0.1, 10, ascent="yes"), "ascent='yes'"),
    (lambda: tangent(LR, 1.0, 0.0), "halfwidth=0.0"),
    (lambda: two_cycle(LR, -1.0), "lr=-1.0"),
    (lambda: directional_derivatives(FUNCTIONS["saddle"], [1.0], n=10), "point="),
    (lambda: directional_derivatives(FUNCTIONS["saddle"], [1.0, 2.0], n=1), "n=1"),
])
def test_bad_input_raises_value_error_naming_the_value(call, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_slopes_along_match_the_directional_derivative():
    from core.landscapes import FUNCTIONS
    from core.oned import directional_derivatives, slopes_along

    fn, p = FUNCTIONS["rosenbrock"], np.array([-1.5, 2.0])
    angles, walked = slopes_along(fn, p)
    assert len(angles) == 24 and angles[0] == 0.0 and angles[-1] == 345.0
    g = fn.grad(p)
    np.testing.assert_allclose(walked, g[0] * np.cos(np.radians(angles)) + g[1] * np.sin(np.radians(angles)),
                               rtol=1e-6, atol=1e-4)
    d = directional_derivatives(fn, p, n=25)
    np.testing.assert_allclose(walked, d.values[:-1], rtol=1e-6, atol=1e-4)
    with pytest.raises(ValueError):
        slopes_along(fn, [np.nan, 0.0])

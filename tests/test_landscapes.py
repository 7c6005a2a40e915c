"""core.landscapes against central finite differences, sympy's exact derivatives and closed forms."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, R, Z), as in the module under test
import doctest

import numpy as np
import pytest
import sympy as sp

from core import landscapes as ls
from core.landscapes import FUNCTIONS, evaluate_grid, quadratic

IDS = ("two_weight_net", "saddle", "monkey_saddle", "double_well", "himmelblau", "rosenbrock", "six_hump_camel",
       "beale")
X, Y = sp.symbols("x y", real=True)
# The formulas written again, independently of the module, as the brief and the literature state them.
FORMULAS = {
    "two_weight_net": (1 - X * Y) ** 2,
    "saddle": X**2 - Y**2,
    "monkey_saddle": X**3 - 3 * X * Y**2,
    "double_well": X**4 - 2 * X**2 + Y**2,
    "himmelblau": (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
    "rosenbrock": (1 - X) ** 2 + 100 * (Y - X**2) ** 2,
    "six_hump_camel": (4 - sp.Rational(21, 10) * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2,
    "beale": (sp.Rational(3, 2) - X + X * Y) ** 2 + (sp.Rational(9, 4) - X + X * Y**2) ** 2
    + (sp.Rational(21, 8) - X + X * Y**3) ** 2,
}
QUADRATICS = [(1.0, 0.0), (10.0, 30.0), (1e4, -70.0)]


def _all_functions():
    return [FUNCTIONS[i] for i in IDS] + [quadratic(k, t) for k, t in QUADRATICS]


def _quadratic_expr(kappa, theta_deg):
    """½ pᵀ R diag(1, 1/κ) Rᵀ p with u = Rᵀp written out: u = c·x + s·y, v = −s·x + c·y."""
    th = sp.rad(sp.nsimplify(theta_deg))
    u, v = sp.cos(th) * X + sp.sin(th) * Y, -sp.sin(th) * X + sp.cos(th) * Y
    return (u**2 + v**2 / sp.nsimplify(kappa)) / 2


def _expr(fn, idx):
    if fn.id == "quadratic":
        return _quadratic_expr(*QUADRATICS[idx - len(IDS)])
    return FORMULAS[fn.id]


def _random_points(fn, n=20, seed=0):
    (x0, x1), (y0, y1) = fn.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _fd_grad(f, P, h):
    E = np.eye(2) * h
    return np.stack([(f(P + E[i]) - f(P - E[i])) / (2 * h) for i in range(2)], axis=-1)


def _fd_jac(g, P, h):
    """J[..., i, j] = ∂g_i/∂p_j by central differences."""
    E = np.eye(2) * h
    return np.stack([(g(P + E[j]) - g(P - E[j])) / (2 * h) for j in range(2)], axis=-1)


def test_module_doctests():
    assert doctest.testmod(ls).failed == 0


def test_registry_ids_order_keys_and_windows():
    assert tuple(FUNCTIONS) == IDS
    for fid, fn in FUNCTIONS.items():
        assert fn.id == fid and fn.name_key == f"functions.{fid}"
        assert fn.latex and isinstance(fn.latex, str)
        assert all(kind in ls.KINDS for *_, kind in fn.known_critical_points)
    assert FUNCTIONS["two_weight_net"].var_names == ("w_1", "w_2") and "w_1" in FUNCTIONS["two_weight_net"].latex
    assert all(FUNCTIONS[i].var_names == ("x", "y") for i in IDS[1:])
    assert FUNCTIONS["two_weight_net"].bounds == ((-2.0, 2.0), (-2.0, 2.0))
    assert FUNCTIONS["himmelblau"].bounds == ((-5.0, 5.0), (-5.0, 5.0))
    assert FUNCTIONS["rosenbrock"].bounds == ((-2.0, 2.0), (-1.0, 3.0))
    assert FUNCTIONS["six_hump_camel"].bounds == ((-2.0, 2.0), (-1.0, 1.0))
    assert FUNCTIONS["beale"].bounds == ((-4.5, 4.5), (-4.5, 4.5))
    q = quadratic(10.0)
    assert q.id == "quadratic" and q.name_key == "functions.quadratic" and q.known_critical_points[0][2] == "minimum"


def test_function2d_is_frozen():
    with pytest.raises(AttributeError):
        FUNCTIONS["saddle"].id = "x"


@pytest.mark.parametrize("idx", range(len(IDS) + len(QUADRATICS)))
def test_grad_and_hess_against_finite_differences(idx):
    fn = _all_functions()[idx]
    P = _random_points(fn)
    scale = max(fn.bounds[0][1] - fn.bounds[0][0], fn.bounds[1][1] - fn.bounds[1][0])
    h = 1e-6 * scale
    G, H = fn.grad(P), fn.hess(P)
    for i in range(len(P)):  # per point: Beale's gradients span six decades across the window
        atol_g = 1e-6 * (1 + np.abs(fn.f(P[i])) / scale)
        np.testing.assert_allclose(G[i], _fd_grad(fn.f, P[i], h), rtol=1e-5, atol=atol_g, err_msg=f"{fn.id} grad")
        atol_h = 1e-6 * (1 + np.abs(G[i]).max() / scale)
        np.testing.assert_allclose(H[i], _fd_jac(fn.grad, P[i], h), rtol=1e-5, atol=atol_h, err_msg=f"{fn.id} hess")


@pytest.mark.parametrize("idx", range(len(IDS) + len(QUADRATICS)))
def test_against_sympy(idx):
    fn = _all_functions()[idx]
    expr = _expr(fn, idx)
    f_ref = sp.lambdify((X, Y), expr, "numpy")
    g_ref = sp.lambdify((X, Y), [sp.diff(expr, v) for v in (X, Y)], "numpy")
    h_ref = sp.lambdify((X, Y), sp.hessian(expr, (X, Y)).tolist(), "numpy")
    P = _random_points(fn, seed=1)
    for p in P:
        scale = 1 + abs(float(f_ref(*p)))
        np.testing.assert_allclose(fn.f(p), f_ref(*p), rtol=1e-12, atol=1e-12 * scale, err_msg=fn.id)
        np.testing.assert_allclose(fn.grad(p), np.array(g_ref(*p), float), rtol=1e-10, atol=1e-10 * scale,
                                   err_msg=fn.id)
        np.testing.assert_allclose(fn.hess(p), np.array(h_ref(*p), float), rtol=1e-10, atol=1e-10 * scale,
                                   err_msg=fn.id)


@pytest.mark.parametrize("idx", range(len(IDS) + len(QUADRATICS)))
def test_vectorized_over_leading_axes(idx):
    fn = _all_functions()[idx]
    P = _random_points(fn, n=35, seed=2).reshape(5, 7, 2)
    F, G, H = fn.f(P), fn.grad(P), fn.hess(P)
    assert F.shape == (5, 7) and G.shape == (5, 7, 2) and H.shape == (5, 7, 2, 2)
    assert fn.f(P[0]).shape == (7,) and fn.grad(P[0]).shape == (7, 2) and fn.hess(P[0]).shape == (7, 2, 2)
    assert fn.f(P[0, 0]).shape == () and fn.grad(P[0, 0]).shape == (2,) and fn.hess(P[0, 0]).shape == (2, 2)
    flat = P.reshape(-1, 2)
    np.testing.assert_array_equal(F.reshape(-1), [fn.f(p) for p in flat])
    np.testing.assert_array_equal(G.reshape(-1, 2), [fn.grad(p) for p in flat])
    np.testing.assert_array_equal(H.reshape(-1, 2, 2), [fn.hess(p) for p in flat])
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


def test_points_must_have_last_axis_two():
    for bad in ([1.0, 2.0, 3.0], np.zeros((4, 3)), 1.0):
        with pytest.raises(ValueError, match="shape"):
            FUNCTIONS["saddle"].f(bad)


def _kind(lam):
    """The second-order test, written out for the reference."""
    if np.min(np.abs(lam)) <= 1e-8 * max(1.0, np.max(np.abs(lam))):
        return "degenerate"
    return "minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle"


@pytest.mark.parametrize("fid", IDS)
def test_known_critical_points_are_critical_and_of_their_kind(fid):
    fn = FUNCTIONS[fid]
    expr = FORMULAS[fid]
    g_exact = [sp.diff(expr, v) for v in (X, Y)]
    h_exact = sp.hessian(expr, (X, Y))
    for x, y, kind in fn.known_critical_points:
        assert np.linalg.norm(fn.grad([x, y])) < 1e-6, (fid, x, y)
        lam = np.linalg.eigvalsh(fn.hess([x, y]))
        assert _kind(lam) == kind, (fid, x, y, lam)
        # and from sympy, at 30 digits
        subs = {X: sp.Float(x, 30), Y: sp.Float(y, 30)}
        assert max(abs(float(g.evalf(30, subs=subs))) for g in g_exact) < 1e-6
        lam_ref = np.linalg.eigvalsh(np.array(h_exact.evalf(30, subs=subs), dtype=float))
        np.testing.assert_allclose(lam, lam_ref, rtol=1e-9, atol=1e-9)


def test_literature_values():
    known = {fid: {(round(x, 4), round(y, 4)): k for x, y, k in FUNCTIONS[fid].known_critical_points} for fid in IDS}
    assert known["himmelblau"][(-0.2708, -0.923)] == "maximum"
    assert sorted(k for k in known["himmelblau"].values()).count("minimum") == 4
    assert known["six_hump_camel"][(0.0898, -0.7127)] == known["six_hump_camel"][(-0.0898, 0.7127)] == "minimum"
    np.testing.assert_allclose(FUNCTIONS["six_hump_camel"].f([0.0898420131, -0.7126564030]), -1.0316284535,
                               atol=1e-9)
    assert known["beale"][(3.0, 0.5)] == "minimum" and FUNCTIONS["beale"].f([3.0, 0.5]) == 0.0
    assert known["rosenbrock"] == {(1.0, 1.0): "minimum"}
    assert known["double_well"] == {(-1.0, 0.0): "minimum", (1.0, 0.0): "minimum", (0.0, 0.0): "saddle"}


def test_monkey_saddle_hessian_vanishes_at_origin():
    np.testing.assert_array_equal(FUNCTIONS["monkey_saddle"].hess([0.0, 0.0]), np.zeros((2, 2)))


def test_two_weight_net_at_the_origin():
    fn = FUNCTIONS["two_weight_net"]
    np.testing.assert_array_equal(fn.grad([0.0, 0.0]), [0.0, 0.0])
    H = fn.hess([0.0, 0.0])
    np.testing.assert_array_equal(H, [[0.0, -2.0], [-2.0, 0.0]])
    lam, V = np.linalg.eigh(H)
    np.testing.assert_allclose(lam, [-2.0, 2.0], atol=1e-15)
    np.testing.assert_allclose(np.abs(V[:, 0]), [1 / np.sqrt(2)] * 2, atol=1e-15)
    assert V[0, 0] * V[1, 0] > 0  # parallel to (1, 1), not (1, −1)
    # on the valley w₁w₂ = 1 the loss is 0 and one eigenvalue of H is 0
    w = np.array([[2.0, 0.5], [-0.5, -2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(fn.f(w), 0.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(fn.hess(w))[:, 0], 0.0, atol=1e-14)


def test_quadratic_closed_form():
    kappa, theta = 50.0, 35.0
    q = quadratic(kappa, theta)
    c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, 1 / kappa]) @ R.T
    P = _random_points(q, 10, seed=3)
    np.testing.assert_allclose(q.f(P), 0.5 * np.einsum("ni,ij,nj->n", P, A, P), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(q.grad(P), P @ A, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(q.hess(P), np.broadcast_to(A, (10, 2, 2)), rtol=1e-13, atol=1e-15)
    lam, V = np.linalg.eigh(q.hess([0.0, 0.0]))
    np.testing.assert_allclose(lam, [1 / kappa, 1.0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(V[:, 1]), [c, s], atol=1e-12)  # stiff axis along (cos θ, sin θ)
    assert "50" in q.latex


@pytest.mark.parametrize("kappa", [0.5, 0.0, -1.0, np.inf, np.nan, 1e9, "x"])
def test_quadratic_refuses_bad_kappa(kappa):
    with pytest.raises(ValueError, match="kappa"):
        quadratic(kappa)


def test_quadratic_refuses_bad_theta():
    with pytest.raises(ValueError, match="theta"):
        quadratic(2.0, np.inf)


def test_evaluate_grid_orientation_and_defaults():
    fn = FUNCTIONS["rosenbrock"]
    xs, ys, Z = evaluate_grid(fn, n=31)
    assert xs.shape == ys.shape == (31,) and Z.shape == (31, 31)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (-2.0, 2.0, -1.0, 3.0)
    i, j = 7, 19
    assert Z[i, j] == fn.f([xs[j], ys[i]])
    np.testing.assert_allclose(Z, (1 - xs[None, :]) ** 2 + 100 * (ys[:, None] - xs[None, :] ** 2) ** 2, rtol=1e-14)
    xs, ys, Z = evaluate_grid(fn, n=2, bounds=((0, 1), (0, 1)))
    np.testing.assert_array_equal(Z, [[1.0, 100.0], [101.0, 0.0]])
    assert evaluate_grid(FUNCTIONS["saddle"])[2].shape == (121, 121)


@pytest.mark.parametrize("kwargs", [{"n": 1}, {"n": 10_000}, {"n": 2.5}, {"n": True},
                                    {"bounds": ((1, 0), (0, 1))}, {"bounds": ((0, np.inf), (0, 1))},
                                    {"bounds": (0, 1)}])
def test_evaluate_grid_refuses(kwargs):
    with pytest.raises(ValueError):
        evaluate_grid(FUNCTIONS["saddle"], **kwargs)


def test_nearest_defined_point():
    from core.expressions import parse
    fn = parse("log(x) + sqrt(y)")
    assert ls.defined_at(fn, (1.0, 1.0)) and not ls.defined_at(fn, (-1.0, 1.0))
    assert ls.nearest_defined(fn, (1.0, 1.0)) == (1.0, 1.0)
    p = ls.nearest_defined(fn, (-1.0, 2.0), n=61)
    assert ls.defined_at(fn, p) and p[0] > 0 and p[1] > 0
    # a brute-force check over the same grid: no defined grid point is closer
    xs = np.linspace(-3, 3, 61)
    pts = [(x, y) for x in xs for y in xs if x > 0 and y > 0]
    best = min(np.hypot(x + 1.0, y - 2.0) for x, y in pts)
    assert np.hypot(p[0] + 1.0, p[1] - 2.0) == pytest.approx(best)
    assert ls.nearest_defined(parse("log(-1 - x**2)"), (0.0, 0.0)) is None

"""core.constrained against closed forms (TEACHING.md §6, Lagrange, the KKT linear system), scipy's trust-constr,
finite differences and hand-computed residuals."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (A, K, X), as in the module under test
import doctest
import math

import numpy as np
import pytest
from scipy.optimize import NonlinearConstraint, minimize

from core import constrained as cm
from core.constrained import (
    EXAMPLES,
    MAX_LR,
    MAX_STEPS,
    Constraint,
    ConstraintError,
    KKTResult,
    cusp,
    disc,
    feasible_mask,
    gradient_descent_path,
    half_plane,
    kkt_check,
    line,
    outside_disc,
    projected_gradient_descent,
    quadratic_objective,
    second_order_check,
    sensitivity,
    solve,
)
from core.landscapes import quadratic

SQRT5 = math.sqrt(5.0)
DISC_X = np.array([2.0, 1.0]) / SQRT5  # TEACHING.md §6
DISC_LAMBDA = SQRT5 - 1.0
RNG_POINTS = np.random.default_rng(7).uniform(-2.0, 2.0, size=(3, 4, 2))


def test_module_doctests():
    assert doctest.testmod(cm).failed == 0


# --- references ---------------------------------------------------------------------------------------

_TC_OPTIONS = {"gtol": 1e-12, "xtol": 1e-14, "barrier_tol": 1e-12, "initial_barrier_parameter": 1e-10,
               "initial_constr_penalty": 1.0, "maxiter": 3000}


def _trust_constr(fn, cons, x0):
    """scipy's trust-constr with the constraints as NonlinearConstraint(g, −inf, 0) or (h, 0, 0).

    Sign convention (checked in test_trust_constr_sign_convention): res.v[i] solves ∇f + Σ vᵢ∇cᵢ = 0 for the
    constraint function cᵢ as passed, whichever bound is active; with cᵢ = gᵢ and the upper bound 0 this makes
    vᵢ = +λᵢ ≥ 0, and for an equality vᵢ = μᵢ of L = f + μh.
    """
    ncs = [NonlinearConstraint(lambda x, c=c: np.atleast_1d(c.g(x)), -np.inf if c.kind == "ineq" else 0.0, 0.0,
                               jac=lambda x, c=c: np.asarray(c.grad(x)).reshape(1, 2),
                               hess=lambda x, v, c=c: v[0] * np.asarray(c.hess(x))) for c in cons]
    res = minimize(lambda x: float(fn.f(x)), np.asarray(x0, dtype=float), jac=fn.grad, hess=fn.hess,
                   method="trust-constr", constraints=ncs, options=_TC_OPTIONS)
    return res, np.array([float(np.asarray(v).ravel()[0]) for v in res.v])


def _fd_grad(F, P, h=1e-6):
    """Central differences of a scalar field over points (..., 2)."""
    E = np.eye(2) * h
    return np.stack([(F(P + e) - F(P - e)) / (2 * h) for e in E], axis=-1)


def _fd_hess(G, P, h=1e-6):
    """Central differences of a gradient field over points (..., 2) -> (..., 2, 2)."""
    E = np.eye(2) * h
    return np.stack([(G(P + e) - G(P - e)) / (2 * h) for e in E], axis=-1)


def _feasible(cons, x, tol=1e-7):
    return all((c.g(x) <= tol) if c.kind == "ineq" else abs(c.g(x)) <= tol for c in cons)


# --- builders -----------------------------------------------------------------------------------------

BUILT = {
    "disc": disc(1.5, (0.3, -0.2)),
    "outside_disc": outside_disc(0.7, (-1.0, 0.5)),
    "half_plane": half_plane((1.0, -2.0), 0.5),
    "line": line((-0.5, 3.0), 1.0),
    "cusp": cusp(),
}


@pytest.mark.parametrize("name", BUILT)
def test_builders_gradients_and_hessians_match_finite_differences(name):
    c = BUILT[name]
    assert c.g(RNG_POINTS).shape == (3, 4) and c.grad(RNG_POINTS).shape == (3, 4, 2)
    assert c.hess(RNG_POINTS).shape == (3, 4, 2, 2)
    np.testing.assert_allclose(c.grad(RNG_POINTS), _fd_grad(c.g, RNG_POINTS), rtol=1e-7, atol=1e-7, err_msg=name)
    np.testing.assert_allclose(c.hess(RNG_POINTS), _fd_hess(c.grad, RNG_POINTS), rtol=1e-6, atol=1e-6,
                               err_msg=name)
    assert c.kind == ("eq" if name == "line" else "ineq") and c.name == name and c.latex


def test_builder_formulas():
    P = RNG_POINTS
    x, y = P[..., 0], P[..., 1]
    np.testing.assert_allclose(BUILT["disc"].g(P), (x - 0.3) ** 2 + (y + 0.2) ** 2 - 2.25, rtol=1e-14)
    np.testing.assert_allclose(BUILT["outside_disc"].g(P), 0.49 - (x + 1.0) ** 2 - (y - 0.5) ** 2, rtol=1e-13)
    np.testing.assert_allclose(BUILT["half_plane"].g(P), x - 2 * y - 0.5, rtol=1e-14)
    np.testing.assert_allclose(BUILT["line"].g(P), -0.5 * x + 3 * y - 1.0, rtol=1e-14)
    np.testing.assert_allclose(BUILT["cusp"].g(P), y**2 - x**3, rtol=1e-14)
    assert BUILT["line"].latex == "-0.5x + 3y = 1" and disc(1.0).latex == r"x^2 + y^2 \le 1"


@pytest.mark.parametrize(("call", "code"), [
    (lambda: disc(0.0), "bad_radius"), (lambda: disc(-1.0), "bad_radius"), (lambda: disc(math.nan), "bad_radius"),
    (lambda: disc("one"), "bad_radius"), (lambda: outside_disc(math.inf), "bad_radius"),
    (lambda: disc(1.0, (0.0, math.nan)), "bad_centre"), (lambda: disc(1.0, (1.0, 2.0, 3.0)), "bad_centre"),
    (lambda: half_plane((0.0, 0.0), 1.0), "bad_normal"), (lambda: line((math.inf, 1.0), 0.0), "bad_normal"),
    (lambda: half_plane((1.0, 0.0), math.nan), "bad_offset"),
    (lambda: Constraint(lambda p: 0, lambda p: 0, "le"), "bad_kind"),
    (lambda: Constraint(lambda p: 0, None, "ineq"), "bad_function"),
    (lambda: quadratic_objective((0.0, 0.0), kappa=0.5), "bad_kappa"),
    (lambda: quadratic_objective((0.0, 0.0), theta_deg=math.inf), "bad_theta"),
])
def test_bad_arguments_raise_value_errors_with_codes(call, code):
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, ConstraintError) and info.value.code == code


# --- objective ----------------------------------------------------------------------------------------


def test_quadratic_objective_kappa_one_is_exactly_the_squared_distance():
    q = quadratic_objective((2.0, -1.5))
    x, y = RNG_POINTS[..., 0], RNG_POINTS[..., 1]
    np.testing.assert_array_equal(q.f(RNG_POINTS), (x - 2.0) ** 2 + (y + 1.5) ** 2)
    np.testing.assert_array_equal(q.grad(RNG_POINTS), np.stack([2 * (x - 2.0), 2 * (y + 1.5)], axis=-1))
    np.testing.assert_array_equal(q.hess(RNG_POINTS), np.broadcast_to(2 * np.eye(2), (3, 4, 2, 2)))
    assert q.latex == "f(x, y) = (x - 2)^2 + (y + 1.5)^2" and q.id == "quadratic_objective"


@pytest.mark.parametrize(("kappa", "theta"), [(10.0, 30.0), (100.0, -75.0)])
def test_quadratic_objective_is_twice_the_landscape_bowl_shifted(kappa, theta):
    """core.landscapes.quadratic is ½pᵀAp with the same A: f(p + c) = 2·quadratic(p)."""
    c = np.array([0.4, -0.7])
    q, ref = quadratic_objective(c, kappa, theta), quadratic(kappa, theta)
    np.testing.assert_allclose(q.f(RNG_POINTS + c), 2 * ref.f(RNG_POINTS), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(q.grad(RNG_POINTS), _fd_grad(q.f, RNG_POINTS), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(q.hess(RNG_POINTS), 2 * ref.hess(RNG_POINTS), rtol=1e-12, atol=1e-15)


# --- solve: closed forms ------------------------------------------------------------------------------


def test_disc_example_of_teaching_md():
    r = solve(quadratic_objective((2.0, 1.0)), [disc(1.0)], (0.0, 0.0))
    assert isinstance(r, KKTResult)
    np.testing.assert_allclose(r.x, DISC_X, atol=1e-6)
    np.testing.assert_allclose(r.multipliers, [DISC_LAMBDA], atol=1e-6)
    np.testing.assert_allclose(r.value, (SQRT5 - 1.0) ** 2, rtol=1e-9)
    assert r.active.tolist() == [True] and r.success and r.message == "kkt_point" and r.licq
    assert all(r.satisfied.values()) and set(r.residuals) == set(cm.RESIDUALS)
    # ∇f and ∇g anti-parallel: −∇f = λ∇g
    np.testing.assert_allclose(-quadratic_objective((2.0, 1.0)).grad(r.x), DISC_LAMBDA * 2 * r.x, atol=1e-6)


@pytest.mark.parametrize("multistart", [True, False])
def test_inactive_constraint_has_exactly_zero_multiplier(multistart):
    c = (0.3, 0.2)
    r = solve(quadratic_objective(c), [disc(1.0)], (-0.5, 0.5), multistart=multistart)
    assert r.multipliers[0] == 0.0 and r.active.tolist() == [False] and r.success
    np.testing.assert_allclose(r.x, c, atol=1e-8)
    np.testing.assert_allclose(r.constraint_values, [0.13 - 1.0], rtol=1e-7)


@pytest.mark.parametrize(("centre", "normal", "offset", "kappa", "theta"), [
    ((2.0, 1.0), (1.0, 1.0), 1.0, 1.0, 0.0),
    ((-1.0, 0.5), (3.0, -0.5), 2.0, 1.0, 0.0),
    ((0.5, 0.5), (0.0, 2.0), -1.0, 1.0, 0.0),
    ((1.0, -1.0), (1.0, 2.0), 0.5, 8.0, 40.0),
])
def test_equality_constraint_against_lagrange(centre, normal, offset, kappa, theta):
    a, n = np.array(centre), np.array(normal)
    r = solve(quadratic_objective(a, kappa, theta), [line(n, offset)], (0.0, 0.0))
    if kappa == 1.0:  # projection onto the line; 2(x − a) + μn = 0
        x_ref = a - (n @ a - offset) / (n @ n) * n
        mu_ref = 2 * (n @ a - offset) / (n @ n)
    else:  # the KKT equations are linear: [[2A, n], [nᵀ, 0]] [x; μ] = [2Aa; offset]
        A = quadratic_objective(a, kappa, theta).hess(a) / 2
        K = np.block([[2 * A, n[:, None]], [n[None, :], np.zeros((1, 1))]])
        sol = np.linalg.solve(K, np.concatenate([2 * A @ a, [offset]]))
        x_ref, mu_ref = sol[:2], sol[2]
    np.testing.assert_allclose(r.x, x_ref, atol=1e-8)
    np.testing.assert_allclose(r.multipliers, [mu_ref], atol=1e-8)
    assert r.active.tolist() == [True] and r.success


def test_equality_multiplier_may_be_negative():
    r = solve(quadratic_objective((0.0, 0.0)), [line((1.0, 0.0), 1.0)], (3.0, 3.0))
    np.testing.assert_allclose(r.x, [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [-2.0], atol=1e-9)  # 2(x − 0) + μ·1 = 0 at x = 1
    assert r.success and r.satisfied["dual"]


def test_two_constraints_vertex_closed_form():
    """Lower half of the unit disc, nearest to (2, 1): x* = (1, 0), (−2, −2) + λ₁(2, 0) + λ₂(0, 1) = 0."""
    r = solve(**_args("two_constraints"))
    np.testing.assert_allclose(r.x, [1.0, 0.0], atol=1e-8)
    np.testing.assert_allclose(r.multipliers, [1.0, 2.0], atol=1e-8)
    assert r.active.tolist() == [True, True] and r.success


def test_equality_and_inequality_together():
    """On x + y = 1 with x ≤ 0.5, nearest to (2, 1): x* = (0.5, 0.5); (−3, −1) + μ(1, 1) + λ(1, 0) = 0 gives μ = 1,
    λ = 2."""
    r = solve(quadratic_objective((2.0, 1.0)), [line((1.0, 1.0), 1.0), half_plane((1.0, 0.0), 0.5)], (3.0, -3.0))
    np.testing.assert_allclose(r.x, [0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [1.0, 2.0], atol=1e-9)
    assert r.success and r.active.tolist() == [True, True]


def test_no_constraints_is_plain_minimisation():
    r = solve(quadratic_objective((1.5, -0.5), 10.0, 20.0), [], (0.0, 0.0))
    np.testing.assert_allclose(r.x, [1.5, -0.5], atol=1e-10)
    assert r.multipliers.shape == (0,) and r.success


def test_solve_is_deterministic():
    a, b = solve(**_args("nonconvex")), solve(**_args("nonconvex"))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.multipliers, b.multipliers)


@pytest.mark.parametrize("cons", [
    [disc(1.0), half_plane((-1.0, 0.0), -5.0)],  # x ≥ 5 and the unit disc
    [disc(1.0), line((1.0, 1.0), 10.0)],
    [disc(0.5, (0.0, 0.0)), disc(0.5, (2.0, 0.0))],
])
def test_empty_feasible_region(cons):
    with pytest.raises(ConstraintError) as info:
        solve(quadratic_objective((0.0, 0.0)), cons, (0.0, 0.0))
    assert info.value.code == "empty_feasible_region" and info.value.values["violation"] > 1e-3


def test_solve_rejects_bad_input():
    q = quadratic_objective((0.0, 0.0))
    for args, code in [((q, [disc(1.0)], (0.0, math.nan)), "bad_point"), ((q, [disc(1.0)], (1.0,)), "bad_point"),
                       ((q, [1.0], (0.0, 0.0)), "bad_constraints"), ((object(), [disc(1.0)], (0, 0)), "bad_objective"),
                       ((q, [disc(1.0)] * 9, (0.0, 0.0)), "bad_constraints")]:
        with pytest.raises(ConstraintError) as info:
            solve(*args)
        assert info.value.code == code


# --- solve: every example against trust-constr ---------------------------------------------------------


def _args(eid):
    e = EXAMPLES[eid]
    return {"fn": e["objective"], "constraints": e["constraints"], "x0": e["x0"]}


def test_examples_registry():
    assert set(EXAMPLES) == {"disc", "inactive", "equality", "two_constraints", "nonconvex", "cq_fails"}
    for eid, e in EXAMPLES.items():
        assert set(e) == {"objective", "constraints", "x0", "note"}, eid
        assert all(isinstance(c, Constraint) for c in e["constraints"]) and len(e["x0"]) == 2, eid
    assert len({e["note"] for e in EXAMPLES.values()}) == len(EXAMPLES)


def test_trust_constr_sign_convention():
    """trust-constr's v solves ∇f + vᵀ∇c = 0: positive for an active c ≤ 0, negative for the same set as −c ≥ 0."""
    fn = quadratic_objective((2.0, 1.0))
    res, v = _trust_constr(fn, [disc(1.0)], (0.0, 0.0))
    assert v[0] > 0
    np.testing.assert_allclose(fn.grad(res.x) + v[0] * disc(1.0).grad(res.x), 0.0, atol=1e-5)
    flipped = minimize(lambda x: float(fn.f(x)), np.zeros(2), jac=fn.grad, hess=fn.hess, method="trust-constr",
                       constraints=[NonlinearConstraint(lambda x: 1.0 - x @ x, 0.0, np.inf, jac=lambda x: -2 * x[None],
                                                        hess=lambda x, v: -2 * v[0] * np.eye(2))],
                       options=_TC_OPTIONS)
    assert flipped.v[0][0] < 0


@pytest.mark.parametrize("eid", ["disc", "inactive", "equality", "two_constraints", "nonconvex"])
def test_examples_against_trust_constr(eid):
    e = EXAMPLES[eid]
    fn, cons = e["objective"], e["constraints"]
    r = solve(fn, cons, e["x0"])
    # the global reference: the best feasible trust-constr run over x0 and a few fixed starts
    runs = [_trust_constr(fn, cons, s) for s in (e["x0"], (1.5, 0.5), (0.0, -2.0))]
    res, v = min((run for run in runs if _feasible(cons, run[0].x)), key=lambda run: run[0].fun)
    np.testing.assert_allclose(r.x, res.x, atol=1e-4, err_msg=eid)
    np.testing.assert_allclose(r.multipliers, v, atol=1e-4, err_msg=eid)
    np.testing.assert_allclose(r.value, res.fun, atol=1e-6, err_msg=eid)
    assert r.success and r.message == "kkt_point", eid


def test_nonconvex_local_solve_stops_at_a_kkt_saddle():
    """From x0 = (−1.5, 0) both SLSQP and trust-constr stop at (−1, 0): KKT with λ = 1.3 (2(−1 − 0.3) = −2λ·1),
    yet f = 1.69 > 0.49 at the global minimum (1, 0)."""
    e = EXAMPLES["nonconvex"]
    local = solve(e["objective"], e["constraints"], e["x0"], multistart=False)
    res, v = _trust_constr(e["objective"], e["constraints"], e["x0"])
    np.testing.assert_allclose(local.x, res.x, atol=1e-4)
    np.testing.assert_allclose(local.multipliers, v, atol=1e-4)
    np.testing.assert_allclose(local.x, [-1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(local.multipliers, [1.3], atol=1e-9)
    assert local.success and local.value > solve(e["objective"], e["constraints"], e["x0"]).value + 1.0


def test_cq_fails_minimum_is_not_a_kkt_point():
    e = EXAMPLES["cq_fails"]
    fn, cons = e["objective"], e["constraints"]
    r = solve(fn, cons, e["x0"])
    np.testing.assert_allclose(r.x, [0.0, 0.0], atol=1e-6)  # the minimum: f ≥ 1 on x ≥ 0
    np.testing.assert_allclose(r.value, 1.0, atol=1e-6)
    assert not r.licq and not r.success and r.message == "cq_fails" and r.active.tolist() == [True]
    assert r.residuals["stationarity"] > 1.0 and not r.satisfied["stationarity"]
    # At the exact minimum ∇g = 0, so ‖∇f + λ∇g‖ = ‖(2, 0)‖ = 2 for every λ
    for lam in (None, [0.0], [1.0], [1e8]):
        res, ok = kkt_check(fn, cons, (0.0, 0.0), lam)
        assert res["stationarity"] == 2.0 and not ok["stationarity"] and ok["primal"]


def test_near_a_cq_failure_the_multiplier_does_not_blow_up():
    """At (ε, 0) on the cusp ∇g = (−3ε², 0): plain NNLS would buy a zero residual with λ = 2(1 + ε)/(3ε²) ≈ 7e9;
    gradients below LICQ_TOL·‖∇f‖ count as vanished, so λ = 0 and the residual stays ‖∇f‖ = 2(1 + ε)."""
    fn, cons = EXAMPLES["cq_fails"]["objective"], EXAMPLES["cq_fails"]["constraints"]
    eps = 1e-5
    res, ok = kkt_check(fn, cons, (eps, 0.0))
    np.testing.assert_allclose(res["stationarity"], 2 * (1 + eps), rtol=1e-12)
    assert not ok["stationarity"] and res["complementarity"] == 0.0
    # a regular problem is not affected: a small but honest gradient keeps its multiplier
    res, ok = kkt_check(quadratic_objective((2.0, 0.0)), [half_plane((1e-3, 0.0), 1e-3)], (1.0, 0.0))
    assert all(ok.values()) and res["stationarity"] < 1e-12


# --- kkt_check ----------------------------------------------------------------------------------------


def test_kkt_check_at_the_solution_and_at_non_optimal_points():
    fn, cons = quadratic_objective((2.0, 1.0)), [disc(1.0)]
    res, ok = kkt_check(fn, cons, DISC_X, [DISC_LAMBDA])
    assert all(ok.values()) and res["stationarity"] < 1e-12
    # the centre of the disc: feasible, inactive, best λ = 0, ‖∇f(0)‖ = ‖(−4, −2)‖ = 2√5
    res, ok = kkt_check(fn, cons, (0.0, 0.0))
    np.testing.assert_allclose(res["stationarity"], 2 * SQRT5, rtol=1e-14)
    assert ok == {"stationarity": False, "primal": True, "dual": True, "complementarity": True}
    # (1, 0) on the circle: (−2, −2) + λ(2, 0) is closest to 0 at λ = 1, leaving (0, −2)
    res, ok = kkt_check(fn, cons, (1.0, 0.0))
    np.testing.assert_allclose(res["stationarity"], 2.0, rtol=1e-12)
    assert not ok["stationarity"] and ok["primal"]
    # a wrong sign breaks dual feasibility; a push from an inactive constraint breaks complementarity
    res, ok = kkt_check(fn, cons, DISC_X, [-DISC_LAMBDA])
    np.testing.assert_allclose(res["dual"], DISC_LAMBDA, rtol=1e-14)
    assert not ok["dual"] and not ok["stationarity"]
    res, ok = kkt_check(fn, cons, (0.0, 0.0), [1.0])
    np.testing.assert_allclose([res["complementarity"], res["stationarity"]], [1.0, 2 * SQRT5], rtol=1e-14)
    assert not ok["complementarity"]
    # an infeasible point: g(2, 1) = 4
    res, ok = kkt_check(fn, cons, (2.0, 1.0), [0.0])
    assert res["primal"] == 4.0 and not ok["primal"] and ok["stationarity"]


def test_kkt_check_rejects_wrong_multipliers():
    with pytest.raises(ConstraintError) as info:
        kkt_check(quadratic_objective((0.0, 0.0)), [disc(1.0)], (0.0, 0.0), [1.0, 2.0])
    assert info.value.code == "bad_multipliers"


# --- sensitivity --------------------------------------------------------------------------------------


def test_sensitivity_disc_closed_form():
    """p(δ) = (√5 − √(1 + δ))²: the distance from (2, 1) to the disc of radius √(1 + δ)."""
    d = 1e-3
    value, predicted = sensitivity(quadratic_objective((2.0, 1.0)), [disc(1.0)], 0, d, (0.0, 0.0))
    np.testing.assert_allclose(value, (SQRT5 - math.sqrt(1 + d)) ** 2, atol=1e-10)
    np.testing.assert_allclose(predicted, (SQRT5 - 1) ** 2 - DISC_LAMBDA * d, atol=1e-10)
    assert abs(value - predicted) < 10 * d**2 < DISC_LAMBDA * d / 10


@pytest.mark.parametrize(("eid", "index"), [("disc", 0), ("inactive", 0), ("equality", 0), ("two_constraints", 0),
                                            ("two_constraints", 1), ("nonconvex", 0)])
@pytest.mark.parametrize("delta", [1e-3, -1e-3])
def test_sensitivity_is_first_order(eid, index, delta):
    a = _args(eid)
    base = solve(**a)
    value, predicted = sensitivity(a["fn"], a["constraints"], index, delta, a["x0"])
    np.testing.assert_allclose(predicted, base.value - base.multipliers[index] * delta, rtol=1e-14)
    assert abs(value - predicted) <= 10 * delta**2, (eid, index, value, predicted)
    if base.multipliers[index] != 0:  # the first-order term is really there
        assert abs(value - base.value) > abs(base.multipliers[index] * delta) / 2


def test_sensitivity_rejects_bad_index_and_delta():
    a = _args("disc")
    for index, delta, code in [(1, 1e-3, "bad_index"), (-1, 1e-3, "bad_index"), (True, 1e-3, "bad_index"),
                               (0, math.nan, "bad_delta"), (0, 2.0, "bad_delta")]:
        with pytest.raises(ConstraintError) as info:
            sensitivity(a["fn"], a["constraints"], index, delta, a["x0"])
        assert info.value.code == code


# --- gradient descent ---------------------------------------------------------------------------------


def test_projected_gradient_descent_stays_in_the_disc_and_finds_the_kkt_point():
    fn = quadratic_objective((2.0, 1.0))
    path = projected_gradient_descent(fn, 1.0, (0.0, 0.0), (-0.5, 0.5), 0.1, 300)
    assert path.shape == (301, 2)
    assert np.all(np.linalg.norm(path, axis=1) <= 1.0 + 1e-12)
    np.testing.assert_allclose(path[-1], DISC_X, atol=1e-8)
    # the first step by hand: −0.5 − 0.1·2(−2.5), 0.5 − 0.1·2(−0.5) = (0, 0.6), inside the disc
    np.testing.assert_allclose(path[1], [0.0, 0.6], atol=1e-15)
    # a start outside is projected first
    outside = projected_gradient_descent(fn, 2.0, (1.0, 1.0), (5.0, 1.0), 0.1, 5)
    np.testing.assert_allclose(outside[0], [3.0, 1.0], atol=1e-15)


def test_unconstrained_gradient_descent_goes_to_the_centre():
    path = gradient_descent_path(quadratic_objective((2.0, 1.0)), (0.0, 0.0), 0.1, 200)
    assert path.shape == (201, 2)
    np.testing.assert_allclose(path[-1], [2.0, 1.0], atol=1e-12)
    # GD on (x − c)²: x_k − c = (1 − 2η)^k (x_0 − c)
    np.testing.assert_allclose(path[10], [2.0, 1.0] - 0.8**10 * np.array([2.0, 1.0]), atol=1e-14)


def test_gradient_descent_divergence_repeats_the_last_finite_row():
    path = gradient_descent_path(quadratic_objective((2.0, 1.0)), (0.0, 0.0), MAX_LR, 50)  # factor 1 − 2η = −19
    assert path.shape == (51, 2) and np.isfinite(path).all()
    norms = np.linalg.norm(path, axis=1)
    assert norms.max() <= cm.DIVERGENCE_NORM
    k = int(np.argmax(norms))
    assert k < 12 and np.all(path[k:] == path[k])


@pytest.mark.parametrize(("lr", "steps", "code"), [(0.0, 10, "bad_lr"), (MAX_LR * 1.01, 10, "bad_lr"),
                                                   (math.nan, 10, "bad_lr"), (0.1, 0, "bad_steps"),
                                                   (0.1, MAX_STEPS + 1, "bad_steps"), (0.1, 2.0, "bad_steps")])
def test_gradient_descent_bounds(lr, steps, code):
    fn = quadratic_objective((2.0, 1.0))
    for call in (lambda: gradient_descent_path(fn, (0.0, 0.0), lr, steps),
                 lambda: projected_gradient_descent(fn, 1.0, (0.0, 0.0), (0.0, 0.0), lr, steps)):
        with pytest.raises(ConstraintError) as info:
            call()
        assert info.value.code == code


# --- feasible_mask and second order -------------------------------------------------------------------


def test_feasible_mask_matches_the_inequalities():
    X, Y = np.meshgrid(np.linspace(-2, 2, 41), np.linspace(-2, 2, 37))
    mask = feasible_mask([disc(1.0), half_plane((0.0, 1.0), 0.0)], X, Y)
    np.testing.assert_array_equal(mask, (X**2 + Y**2 <= 1) & (Y <= 0))
    band = feasible_mask([line((1.0, 1.0), 1.0)], X, Y, band=0.05)
    np.testing.assert_array_equal(band, np.abs(X + Y - 1) <= 0.05)
    assert band.any() and feasible_mask([], X, Y).all()
    with pytest.raises(ConstraintError) as info:
        feasible_mask([disc(1.0)], X, Y[:-1])
    assert info.value.code == "bad_grid"


def test_second_order_check_tells_minimum_from_saddle():
    e = EXAMPLES["nonconvex"]
    fn, cons = e["objective"], e["constraints"]
    # ∇²L = 2I + λ(−2I) on the tangent line (0, 1): 2 − 2·1.3 = −0.6 at (−1, 0), 2 − 2·0.7 = 0.6 at (1, 0)
    saddle = solve(fn, cons, e["x0"], multistart=False)
    np.testing.assert_allclose(second_order_check(fn, cons, saddle), [-0.6], atol=1e-9)
    np.testing.assert_allclose(second_order_check(fn, cons, solve(fn, cons, e["x0"])), [0.6], atol=1e-9)
    # along the circle f(−cos t, sin t) = 1.09 + 0.6 cos t: a maximum at t = 0, as the negative eigenvalue says
    t = 1e-3
    assert fn.f([-math.cos(t), math.sin(t)]) < fn.f([-1.0, 0.0])
    # the disc example: ∇²L = (2 + 2λ)I = 2√5·I
    d = solve(**_args("disc"))
    np.testing.assert_allclose(second_order_check(_args("disc")["fn"], [disc(1.0)], d), [2 * SQRT5], atol=1e-9)
    # a vertex: two active normals leave no tangent directions
    assert second_order_check(_args("two_constraints")["fn"], EXAMPLES["two_constraints"]["constraints"],
                              solve(**_args("two_constraints"))).shape == (0,)


def test_second_order_check_without_hessian_uses_finite_differences():
    c = outside_disc(1.0)
    bare = Constraint(c.g, c.grad, "ineq")
    fn = EXAMPLES["nonconvex"]["objective"]
    r = solve(fn, [bare], (-1.5, 0.0), multistart=False)
    np.testing.assert_allclose(second_order_check(fn, [bare], r), [-0.6], atol=1e-6)

"""Constrained optimization in the plane and the Karush–Kuhn–Tucker (KKT) conditions.

Minimise f(x) subject to gᵢ(x) ≤ 0 and hⱼ(x) = 0, with L = f + Σλᵢgᵢ + Σμⱼhⱼ. `solve` finds x* with SLSQP and then
computes the multipliers itself (non-negative least squares on the stationarity equations), so a page can show
each KKT condition with its residual; `kkt_check` does the same at any point the learner picks. `sensitivity`
shows λ as the price of the constraint, `projected_gradient_descent` the DL way of keeping weights in a ball,
`second_order_check` tells a KKT minimum from a KKT saddle, and `EXAMPLES` holds the page's six cases.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (A, G, E, H, P), as in the formulas they implement
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, nnls

from core import _checks
from core.landscapes import Function2D

__all__ = [
    "KINDS", "ACTIVE_TOL", "MULT_TOL", "KKT_TOL", "LICQ_TOL", "FEAS_TOL", "EQ_BAND", "MAX_STEPS", "MAX_LR",
    "DIVERGENCE_NORM", "MAX_CONSTRAINTS", "MAX_KAPPA", "MESSAGES", "RESIDUALS",
    "ConstraintError", "Constraint", "KKTResult",
    "disc", "half_plane", "line", "outside_disc", "cusp", "quadratic_objective",
    "solve", "kkt_check", "sensitivity", "projected_gradient_descent", "gradient_descent_path",
    "feasible_mask", "second_order_check", "EXAMPLES",
]

KINDS = ("ineq", "eq")  # g(x) ≤ 0 and h(x) = 0
ACTIVE_TOL = 1e-7  # an inequality is active when gᵢ(x) ≥ −ACTIVE_TOL·max(1, ‖∇gᵢ(x)‖)
MULT_TOL = 1e-9  # a multiplier at or below MULT_TOL·(1 + ‖∇f(x)‖) is set to exactly 0
KKT_TOL = 1e-6  # a residual counts as satisfied when ≤ KKT_TOL times its scale (see `kkt_check`)
LICQ_TOL = 1e-6  # singular values of the active gradients below LICQ_TOL·max(1, ‖∇f‖) count as zero
FEAS_TOL = 1e-7  # largest violation max(gᵢ, |hⱼ|) of a point counted as feasible
EQ_BAND = 0.02  # default half-width of the band drawn for an equality constraint
MAX_STEPS = 2000  # gradient-descent paths
MAX_LR = 10.0
DIVERGENCE_NORM = 1e10  # a path stops when ‖θ‖ exceeds this (or θ is not finite)
MAX_CONSTRAINTS = 8
MAX_KAPPA = 1e6  # largest condition number `quadratic_objective` accepts
MESSAGES = ("kkt_point", "cq_fails", "not_kkt")  # KKTResult.message codes
RESIDUALS = ("stationarity", "primal", "dual", "complementarity")

_SLSQP_OPTIONS = {"ftol": 1e-14, "maxiter": 500}
_NEWTON_STEPS = 8  # Newton polish on the KKT equations of the working set
_POLISH_MOVE = 1e-3  # ... accepted only if it moves x by at most this times (1 + ‖x‖)
_FD_STEP = 1e-5  # central differences of ∇g when a constraint has no Hessian
_TIE = 1e-10  # multistart: values within _TIE·(1 + |best|) are ties, the earliest start wins


class ConstraintError(ValueError):
    """A bad argument or an impossible problem; ``code`` is a stable key the page translates.

    Codes: ``bad_radius``, ``bad_centre``, ``bad_normal``, ``bad_offset``, ``bad_kind``, ``bad_function``,
    ``bad_constraints``, ``bad_objective``, ``bad_point``, ``bad_multipliers``, ``bad_index``, ``bad_delta``,
    ``bad_lr``, ``bad_steps``, ``bad_band``, ``bad_grid``, ``bad_kappa``, ``bad_theta``, ``bad_result``,
    ``bad_multistart``, ``empty_feasible_region``. ``values`` holds the numbers the message names.
    """

    def __init__(self, code: str, message: str, **values):
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Constraint:
    """One constraint g(x) ≤ 0 (``kind="ineq"``) or h(x) = 0 (``kind="eq"``).

    ``g``, ``grad`` and ``hess`` take points of shape (..., 2) and return (...), (..., 2) and (..., 2, 2).
    Without ``hess``, second-order checks use central differences of ``grad``. ``name`` is an id
    (``"disc"``, ``"half_plane"``, …), ``latex`` the constraint as a formula.
    """

    g: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    kind: str
    hess: Callable[[np.ndarray], np.ndarray] | None = None
    name: str = ""
    latex: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ConstraintError("bad_kind", f"kind={self.kind!r} must be one of {KINDS}", kind=self.kind)
        for field in ("g", "grad") + (("hess",) if self.hess is not None else ()):
            if not callable(getattr(self, field)):
                raise ConstraintError("bad_function", f"{field}={getattr(self, field)!r} must be callable",
                                      field=field)


@dataclass(frozen=True)
class KKTResult:
    """A solution of a constrained problem with its multipliers and KKT residuals.

    ``multipliers[i]`` belongs to ``constraints[i]``: λᵢ ≥ 0 for an inequality (exactly 0.0 when inactive), μ of
    any sign for an equality. ``active[i]``: an equality always; an inequality when gᵢ(x) ≥ −`ACTIVE_TOL`·
    max(1, ‖∇gᵢ(x)‖), i.e. x lies on its boundary (an active constraint may still have λᵢ = 0). ``residuals`` and
    ``satisfied`` are keyed by `RESIDUALS` (see `kkt_check`). ``licq``: the gradients of the active constraints
    are linearly independent (singular values above `LICQ_TOL`·max(1, ‖∇f‖)). ``message`` is a code from
    `MESSAGES`: "kkt_point" (all four conditions hold), "cq_fails" (stationarity fails and LICQ fails: x may be a
    minimum that is not a KKT point), "not_kkt" (otherwise). ``success`` is message == "kkt_point".
    """

    x: np.ndarray  # (2,)
    value: float  # f(x)
    multipliers: np.ndarray  # (n_constraints,)
    active: np.ndarray  # (n_constraints,) bool
    constraint_values: np.ndarray  # (n_constraints,) gᵢ(x) or hⱼ(x)
    residuals: dict
    satisfied: dict
    licq: bool
    success: bool
    message: str


# --- validation ---------------------------------------------------------------------------------------


def _points(p) -> np.ndarray:
    """p as float64 with a last axis of length 2 (any leading shape)."""
    try:
        P = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConstraintError("bad_point", f"points={p!r} must be real numbers of shape (..., 2)") from None
    if P.ndim < 1 or P.shape[-1] != 2:
        raise ConstraintError("bad_point", f"points must have shape (..., 2), got shape {P.shape}", shape=P.shape)
    return P


def _vector(v, name: str, code: str = "bad_point") -> np.ndarray:
    """v as a finite float64 vector of length 2."""
    try:
        out = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.full(1, np.nan)
    if out.shape != (2,) or not np.isfinite(out).all():
        raise ConstraintError(code, f"{name}={v!r} must be two finite real numbers", **{name: v})
    return out


def _real(value, name: str, code: str, positive: bool = False) -> float:
    """A finite float, > 0 if ``positive``; a ConstraintError with ``code`` otherwise."""
    try:
        return _checks.number(value, name) if positive else _checks.real(value, name)
    except ValueError as e:
        raise ConstraintError(code, str(e), **{name: value}) from None


def _objective(fn):
    """fn if it has callable f, grad and hess."""
    if not all(callable(getattr(fn, a, None)) for a in ("f", "grad", "hess")):
        raise ConstraintError("bad_objective", f"fn={fn!r} must have callable f, grad and hess (a Function2D)")
    return fn


def _constraint_list(constraints) -> tuple[Constraint, ...]:
    """A tuple of 0 to MAX_CONSTRAINTS Constraint objects (a single Constraint is wrapped)."""
    if isinstance(constraints, Constraint):
        return (constraints,)
    try:
        out = tuple(constraints)
    except TypeError:
        out = (None,)
    if len(out) > MAX_CONSTRAINTS or not all(isinstance(c, Constraint) for c in out):
        raise ConstraintError("bad_constraints", f"constraints={constraints!r} must be a sequence of at most "
                                                 f"{MAX_CONSTRAINTS} Constraint objects")
    return out


def _count(value, name: str, lo: int, hi: int, code: str) -> int:
    """An integer in [lo, hi]; a ConstraintError with ``code`` otherwise."""
    try:
        return _checks.count(value, name, lo, hi)
    except ValueError as e:
        raise ConstraintError(code, str(e), **{name: value}) from None


def _num(v: float) -> str:
    """A number for a LaTeX formula: 0.25, 1.5 \\cdot 10^{-7}."""
    text = f"{v:g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _square(c: float, var: str) -> str:
    """'(x - 2)^2', '(x + 0.5)^2' or 'x^2' in LaTeX."""
    return f"{var}^2" if c == 0 else f"({var} - {_num(c)})^2" if c > 0 else f"({var} + {_num(-c)})^2"


# --- constraint builders ------------------------------------------------------------------------------


def _const_hess(M: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A Hessian that is the constant 2x2 matrix M at every point."""
    return lambda p: np.broadcast_to(M, _points(p).shape[:-1] + (2, 2)).copy()


def _ball(radius, centre, sign: float, name: str) -> Constraint:
    """sign·(‖x − c‖² − r²) ≤ 0."""
    r = _real(radius, "radius", "bad_radius", positive=True)
    c = _vector(centre, "centre", "bad_centre")

    def g(p):
        d = _points(p) - c
        return sign * (np.einsum("...i,...i->...", d, d) - r * r)

    def grad(p):
        return sign * 2.0 * (_points(p) - c)

    body = f"{_square(c[0], 'x')} + {_square(c[1], 'y')}"
    latex = rf"{body} \le {_num(r * r)}" if sign > 0 else rf"{body} \ge {_num(r * r)}"
    return Constraint(g, grad, "ineq", _const_hess(sign * 2.0 * np.eye(2)), name, latex)


def disc(radius: float, centre=(0.0, 0.0)) -> Constraint:
    """The disc ‖x − c‖ ≤ r as g(x) = ‖x − c‖² − r² ≤ 0 (convex).

    Parameters
    ----------
    radius : float
        r > 0.
    centre : array_like, shape (2,), default (0, 0)

    Returns
    -------
    Constraint
        ∇g = 2(x − c), ∇²g = 2I.

    Examples
    --------
    >>> c = disc(1.0)
    >>> c.g([[0.0, 0.0], [2.0, 0.0]]).tolist(), c.grad([1.0, 0.0]).tolist()
    ([-1.0, 3.0], [2.0, 0.0])
    """
    return _ball(radius, centre, 1.0, "disc")


def outside_disc(radius: float, centre=(0.0, 0.0)) -> Constraint:
    """The outside of a disc, ‖x − c‖ ≥ r, as g(x) = r² − ‖x − c‖² ≤ 0 (not convex).

    Parameters
    ----------
    radius : float
        r > 0.
    centre : array_like, shape (2,), default (0, 0)

    Returns
    -------
    Constraint
        ∇g = −2(x − c), ∇²g = −2I.

    Notes
    -----
    The feasible set has a hole, so KKT points need not be minima: minimising the distance to a point inside the
    hole gives a KKT point on the far side of the circle that is a saddle of the problem (`EXAMPLES`
    ``"nonconvex"``).

    Examples
    --------
    >>> outside_disc(1.0).g([0.0, 0.0]).item()
    1.0
    """
    return _ball(radius, centre, -1.0, "outside_disc")


def _affine(normal, offset, kind: str, name: str) -> Constraint:
    """n·x − offset ≤ 0 or = 0."""
    n = _vector(normal, "normal", "bad_normal")
    if not np.any(n != 0):
        raise ConstraintError("bad_normal", f"normal={normal!r} must be a non-zero vector", normal=normal)
    b = _real(offset, "offset", "bad_offset")

    def g(p):
        return _points(p) @ n - b

    def grad(p):
        return np.broadcast_to(n, _points(p).shape).copy()

    terms = ""
    for v, var in zip(n, "xy"):
        if v != 0:
            sign = ("-" if v < 0 else "") if not terms else (" - " if v < 0 else " + ")
            terms += f"{sign}{_num(abs(v)) if abs(v) != 1 else ''}{var}"
    relation = r"\le" if kind == "ineq" else "="
    latex = f"{terms} {relation} {_num(b)}"
    return Constraint(g, grad, kind, _const_hess(np.zeros((2, 2))), name, latex)


def half_plane(normal, offset: float) -> Constraint:
    """The half-plane n·x ≤ offset as g(x) = n·x − offset ≤ 0 (convex).

    Parameters
    ----------
    normal : array_like, shape (2,)
        n ≠ 0, the outward normal (the constraint pushes back along −n).
    offset : float

    Returns
    -------
    Constraint
        ∇g = n, ∇²g = 0.

    Examples
    --------
    >>> half_plane((0.0, 1.0), 0.0).g([[1.0, -2.0], [0.0, 3.0]]).tolist()
    [-2.0, 3.0]
    """
    return _affine(normal, offset, "ineq", "half_plane")


def line(normal, offset: float) -> Constraint:
    """The line n·x = offset as the equality h(x) = n·x − offset = 0.

    Parameters
    ----------
    normal : array_like, shape (2,)
        n ≠ 0.
    offset : float

    Returns
    -------
    Constraint
        kind ``"eq"``, ∇h = n, ∇²h = 0.

    Examples
    --------
    >>> line((1.0, 1.0), 1.0).g([1.0, 0.0]).item()
    0.0
    """
    return _affine(normal, offset, "eq", "line")


def cusp() -> Constraint:
    """The cusp y² ≤ x³ as g(x, y) = y² − x³ ≤ 0, where the constraint qualification fails at the origin.

    Returns
    -------
    Constraint
        ∇g = (−3x², 2y), ∇²g = [[−6x, 0], [0, 2]].

    Notes
    -----
    The feasible set is x ≥ |y|^(2/3): it ends in a sharp point at the origin, where ∇g = 0. Minimising
    (x + 1)² + y² on it has its minimum there (f ≥ (0 + 1)² since x ≥ 0), with ∇f = (2, 0): no λ makes
    ∇f + λ∇g = 0, so the minimum is not a KKT point. KKT conditions are necessary only under a constraint
    qualification, such as linearly independent active gradients (LICQ); a single vanishing gradient breaks it.

    Examples
    --------
    >>> cusp().grad([0.0, 0.0]).tolist()
    [-0.0, 0.0]
    """
    def g(p):
        P = _points(p)
        return P[..., 1] ** 2 - P[..., 0] ** 3

    def grad(p):
        P = _points(p)
        return np.stack([-3.0 * P[..., 0] ** 2, 2.0 * P[..., 1]], axis=-1)

    def hess(p):
        P = _points(p)
        H = np.zeros(P.shape[:-1] + (2, 2))
        H[..., 0, 0] = -6.0 * P[..., 0]
        H[..., 1, 1] = 2.0
        return H

    return Constraint(g, grad, "ineq", hess, "cusp", r"y^2 \le x^3")


# --- objective ----------------------------------------------------------------------------------------


def quadratic_objective(centre, kappa: float = 1.0, theta_deg: float = 0.0) -> Function2D:
    """The bowl f(x) = (x − c)ᵀA(x − c) with its minimum at c; κ = 1 gives exactly (x − cx)² + (y − cy)².

    Parameters
    ----------
    centre : array_like, shape (2,)
        The unconstrained minimum c.
    kappa : float, default 1
        Condition number of A, 1 ≤ κ ≤ `MAX_KAPPA`.
    theta_deg : float, default 0
        Rotation of the principal axes, in degrees.

    Returns
    -------
    Function2D
        id ``"quadratic_objective"``, name_key ``"functions.quadratic_objective"``, bounds a window of
        half-width ≥ 2 around the origin and c.

    Notes
    -----
    A = R diag(1, 1/κ) Rᵀ with R the rotation by θ (A = I exactly when κ = 1): ∇f = 2A(x − c), ∇²f = 2A.

    Examples
    --------
    >>> q = quadratic_objective((2.0, 1.0))
    >>> q.f([0.0, 0.0]).item(), q.grad([0.0, 0.0]).tolist()
    (5.0, [-4.0, -2.0])
    """
    c = _vector(centre, "centre", "bad_centre")
    k = _real(kappa, "kappa", "bad_kappa")
    if not 1.0 <= k <= MAX_KAPPA:
        raise ConstraintError("bad_kappa", f"kappa={kappa!r} must be a number from 1 to {MAX_KAPPA:g}", kappa=kappa)
    th = _real(theta_deg, "theta_deg", "bad_theta")
    if k == 1.0:
        A = np.eye(2)
    else:
        cs, sn = math.cos(math.radians(th)), math.sin(math.radians(th))
        R = np.array([[cs, -sn], [sn, cs]])
        A = (R * np.array([1.0, 1.0 / k])) @ R.T
        A = 0.5 * (A + A.T)

    def f(p):
        d = _points(p) - c
        return np.einsum("...i,ij,...j->...", d, A, d)

    def grad(p):
        return 2.0 * (_points(p) - c) @ A

    if k == 1.0:
        latex = f"f(x, y) = {_square(c[0], 'x')} + {_square(c[1], 'y')}"
    else:
        dx, dy = (f"{v} - {_num(cv)}" if cv > 0 else f"{v} + {_num(-cv)}" if cv < 0 else v for v, cv in zip("xy", c))
        latex = (rf"f(x, y) = u^2 + \frac{{v^2}}{{{_num(k)}}},\quad \begin{{pmatrix}}u\\v\end{{pmatrix}} = "
                 rf"R_{{{_num(th)}^\circ}}^\top \begin{{pmatrix}}{dx}\\{dy}\end{{pmatrix}}")
    half = max(2.0, float(np.max(np.abs(c))) + 1.5)
    return Function2D(id="quadratic_objective", f=f, grad=grad, hess=_const_hess(2.0 * A), latex=latex,
                      bounds=((-half, half), (-half, half)), name_key="functions.quadratic_objective",
                      known_critical_points=((float(c[0]), float(c[1]), "minimum"),))


# --- evaluation helpers -------------------------------------------------------------------------------


def _eval(fn, cons: Sequence[Constraint], x: np.ndarray):
    """(∇f (2,), constraint values (m,), constraint gradients (m, 2)) at one point."""
    gf = np.asarray(fn.grad(x), dtype=np.float64).reshape(2)
    vals = np.array([float(c.g(x)) for c in cons], dtype=np.float64)
    J = np.array([np.asarray(c.grad(x), dtype=np.float64).reshape(2) for c in cons]).reshape(len(cons), 2)
    return gf, vals, J


def _violation(cons: Sequence[Constraint], vals: np.ndarray) -> float:
    """max(0, max gᵢ, max |hⱼ|)."""
    v = [max(float(val), 0.0) if c.kind == "ineq" else abs(float(val)) for c, val in zip(cons, vals)]
    return max(v, default=0.0) + 0.0  # + 0.0 turns max(−0.0, 0.0) = −0.0 into 0.0


def _c_hess(c: Constraint, x: np.ndarray) -> np.ndarray:
    """∇²g at x, by central differences of ∇g when the constraint has no Hessian."""
    if c.hess is not None:
        return np.asarray(c.hess(x), dtype=np.float64).reshape(2, 2)
    h = _FD_STEP * max(1.0, float(np.max(np.abs(x))))
    E = np.eye(2) * h
    cols = [(np.asarray(c.grad(x + e)) - np.asarray(c.grad(x - e))) / (2 * h) for e in E]
    H = np.array(cols, dtype=np.float64).T
    return 0.5 * (H + H.T)


def _lagrangian_hess(fn, cons, x, mult) -> np.ndarray:
    """∇²L = ∇²f + Σ multiplierᵢ ∇²gᵢ at x (skipping zero multipliers)."""
    H = np.asarray(fn.hess(x), dtype=np.float64).reshape(2, 2).copy()
    for c, m in zip(cons, mult):
        if m != 0:
            H += m * _c_hess(c, x)
    return H


def _truncate(M: np.ndarray, tol: float) -> np.ndarray:
    """M with its singular values ≤ tol set to zero (the numerically independent part of its columns)."""
    if M.size == 0:
        return M
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    return (U * np.where(s > tol, s, 0.0)) @ Vt


def _active_mask(cons, vals, J) -> np.ndarray:
    """Equalities, and inequalities with gᵢ ≥ −ACTIVE_TOL·max(1, ‖∇gᵢ‖)."""
    scale = np.maximum(1.0, np.linalg.norm(J, axis=1)) if len(cons) else np.zeros(0)
    return np.array([c.kind == "eq" or v >= -ACTIVE_TOL * s for c, v, s in zip(cons, vals, scale)], dtype=bool)


def _multipliers(cons, gf, J, active) -> np.ndarray:
    """Least-squares multipliers of the active constraints: λ ≥ 0 by NNLS, μ free; inactive ones exactly 0.

    Equalities are eliminated with the projector P onto the complement of their gradients' span, λ solves
    min ‖P(∇f + Gλ)‖ over λ ≥ 0 (scipy.optimize.nnls), then μ = −E⁺(∇f + Gλ). Directions whose singular value is
    below LICQ_TOL·max(1, ‖∇f‖) are dropped first, so a vanishing or nearly dependent active gradient (a failed
    constraint qualification) cannot buy a tiny residual with a huge multiplier.
    """
    m = len(cons)
    mult = np.zeros(m)
    tol = LICQ_TOL * max(1.0, float(np.linalg.norm(gf)))
    eq = np.array([c.kind == "eq" for c in cons], dtype=bool) & active
    ineq = ~eq & active
    E, G = _truncate(J[eq].T, tol), _truncate(J[ineq].T, tol)  # (2, n_eq), (2, n_ineq)
    E_pinv = np.linalg.pinv(E) if E.size else np.zeros((0, 2))
    P = np.eye(2) - E @ E_pinv if E.size else np.eye(2)
    lam = np.zeros(G.shape[1])
    if G.shape[1]:
        PG = _truncate(P @ G, tol)
        lam = nnls(PG, -(P @ gf))[0] if np.any(PG != 0) else lam
    mult[ineq] = lam
    if E.size:
        mult[eq] = -E_pinv @ (gf + G @ lam)
    mult[ineq & (mult <= MULT_TOL * (1.0 + float(np.linalg.norm(gf))))] = 0.0
    return mult


def _licq(gf, J, active) -> bool:
    """The active gradients are linearly independent (singular values above LICQ_TOL·max(1, ‖∇f‖))."""
    A = J[active]
    if A.shape[0] == 0:
        return True
    if A.shape[0] > 2:
        return False
    return bool(np.linalg.svd(A, compute_uv=False).min() > LICQ_TOL * max(1.0, float(np.linalg.norm(gf))))


def _residuals(cons, gf, vals, J, mult) -> tuple[dict, dict]:
    """The four KKT residuals and whether each is within KKT_TOL of its scale."""
    is_ineq = np.array([c.kind == "ineq" for c in cons], dtype=bool)
    lam, g_in = mult[is_ineq], vals[is_ineq]
    gnorm = np.linalg.norm(J, axis=1) if len(cons) else np.zeros(0)
    residuals = {
        "stationarity": float(np.linalg.norm(gf + J.T @ mult)) if len(cons) else float(np.linalg.norm(gf)),
        "primal": _violation(cons, vals),
        "dual": float(max(0.0, -lam.min())) if lam.size else 0.0,
        "complementarity": float(np.max(np.abs(lam * g_in))) if lam.size else 0.0,
    }
    big_lam = float(np.max(np.abs(mult), initial=0.0))
    scales = {
        "stationarity": 1.0 + float(np.linalg.norm(gf)) + float(np.sum(np.abs(mult) * gnorm)),
        "primal": 1.0 + float(np.max(gnorm, initial=0.0)),
        "dual": 1.0 + big_lam,
        "complementarity": (1.0 + big_lam) * (1.0 + float(np.max(gnorm, initial=0.0))),
    }
    satisfied = {k: bool(residuals[k] <= KKT_TOL * scales[k]) for k in RESIDUALS}
    return residuals, satisfied


# --- solving ------------------------------------------------------------------------------------------


def _starts(fn, x0: np.ndarray, multistart: bool) -> list[np.ndarray]:
    """x0, then (multistart) a 3 x 3 grid over the middle of fn's window and its centre."""
    if not multistart:
        return [x0]
    bounds = np.asarray(getattr(fn, "bounds", ((-2.0, 2.0), (-2.0, 2.0))), dtype=np.float64)
    xs, ys = (lo + (hi - lo) * np.array([0.25, 0.5, 0.75]) for lo, hi in bounds)
    return [x0] + [np.array([x, y]) for y in ys for x in xs]


def _phase_one(cons, starts) -> np.ndarray:
    """A feasible point: the first start that is feasible, else the least violating minimiser of Σ(gᵢ)₊² + Σhⱼ².

    Raises ConstraintError("empty_feasible_region") when every run ends with a violation above FEAS_TOL.
    """
    sign = np.array([c.kind == "ineq" for c in cons], dtype=bool)

    def penalty(x):
        _, vals, J = _eval(_NoObjective, cons, x)
        r = np.where(sign, np.maximum(vals, 0.0), vals)
        return float(r @ r), 2.0 * (J.T @ r)

    best, best_viol = None, math.inf
    for s in starts:
        if _violation(cons, _eval(_NoObjective, cons, s)[1]) <= FEAS_TOL:
            return s
    for s in starts:
        with np.errstate(all="ignore"):
            res = minimize(penalty, s, jac=True, method="BFGS", options={"gtol": 1e-14, "maxiter": 500})
        if not np.isfinite(res.x).all():
            continue
        viol = _violation(cons, _eval(_NoObjective, cons, res.x)[1])
        if viol <= FEAS_TOL:
            return res.x
        if viol < best_viol:
            best, best_viol = res.x, viol
    raise ConstraintError("empty_feasible_region", f"no point satisfies the constraints: the least violation found "
                          f"is {best_viol:.3g} (more than {FEAS_TOL:g})", violation=best_viol,
                          point=None if best is None else best.tolist())


class _NoObjective:
    """Stands in for an objective where only the constraints are evaluated."""

    @staticmethod
    def grad(x):
        return np.zeros(2)


def _slsqp(fn, cons, start: np.ndarray):
    """One SLSQP run; (x, f(x)) if it ends feasible and finite, else None."""
    sc = [{"type": c.kind,
           "fun": (lambda x, c=c: -float(c.g(x))) if c.kind == "ineq" else (lambda x, c=c: float(c.g(x))),
           "jac": (lambda x, c=c: -np.asarray(c.grad(x), dtype=np.float64)) if c.kind == "ineq"
           else (lambda x, c=c: np.asarray(c.grad(x), dtype=np.float64))} for c in cons]
    with np.errstate(all="ignore"):
        res = minimize(lambda x: float(fn.f(x)), start, jac=lambda x: np.asarray(fn.grad(x), dtype=np.float64),
                       method="SLSQP", constraints=sc, options=_SLSQP_OPTIONS)
        x = np.asarray(res.x, dtype=np.float64)
        if not np.isfinite(x).all():
            return None
        value = float(fn.f(x))
        if not math.isfinite(value) or _violation(cons, _eval(fn, cons, x)[1]) > FEAS_TOL:
            return None
    return x, value


def _polish(fn, cons, x: np.ndarray) -> np.ndarray:
    """A few Newton steps on ∇f + Σνᵢ∇gᵢ = 0, gᵢ = 0 over the working set (equalities, active λ > 0).

    SLSQP stops on a change in f, which leaves x accurate to roughly √ftol; Newton on the KKT equations makes it
    accurate to rounding. A step is kept only while the KKT residual falls, x stays feasible and close, and the
    working set's λ stay ≥ 0; a singular KKT matrix (a failed constraint qualification) stops the polish.
    """
    gf, vals, J = _eval(fn, cons, x)
    active = _active_mask(cons, vals, J)
    mult = _multipliers(cons, gf, J, active)
    work = np.array([c.kind == "eq" or (a and m > 0) for c, a, m in zip(cons, active, mult)], dtype=bool)
    idx = np.flatnonzero(work)
    if len(idx) > 2:
        return x
    is_ineq = np.array([cons[i].kind == "ineq" for i in idx], dtype=bool)

    def kkt(z):
        xx, nu = z[:2], z[2:]
        g, v, Jz = _eval(fn, cons, xx)
        return np.concatenate([g + Jz[idx].T @ nu, v[idx]]), Jz, v

    z = np.concatenate([x, mult[idx]])
    F, Jz, v = kkt(z)
    start = x.copy()
    with np.errstate(all="ignore"):
        for _ in range(_NEWTON_STEPS):
            norm = float(np.linalg.norm(F))
            if norm == 0.0:
                break
            full = np.zeros(z.shape * 2)
            full[:2, :2] = _lagrangian_hess(fn, [cons[i] for i in idx], z[:2], z[2:])
            full[:2, 2:], full[2:, :2] = Jz[idx].T, Jz[idx]
            if not np.isfinite(full).all() or np.linalg.cond(full) > 1e12:
                break
            z_new = z - np.linalg.solve(full, F)
            if not np.isfinite(z_new).all():
                break
            F_new, Jz_new, v_new = kkt(z_new)
            if (np.linalg.norm(F_new) >= norm or _violation(cons, v_new) > max(_violation(cons, v), FEAS_TOL * 1e-2)
                    or np.any(z_new[2:][is_ineq] < 0) or np.linalg.norm(z_new[:2] - start) > _POLISH_MOVE
                    * (1.0 + np.linalg.norm(start))):
                break
            z, F, Jz, v = z_new, F_new, Jz_new, v_new
    return z[:2]


def _result(fn, cons, x: np.ndarray) -> KKTResult:
    """Assemble a KKTResult at x with the multipliers of `_multipliers`."""
    gf, vals, J = _eval(fn, cons, x)
    active = _active_mask(cons, vals, J)
    mult = _multipliers(cons, gf, J, active)
    residuals, satisfied = _residuals(cons, gf, vals, J, mult)
    licq = _licq(gf, J, active)
    ok = all(satisfied.values())
    message = "kkt_point" if ok else "cq_fails" if not licq and not satisfied["stationarity"] else "not_kkt"
    return KKTResult(x=x, value=float(fn.f(x)), multipliers=mult, active=active, constraint_values=vals,
                     residuals=residuals, satisfied=satisfied, licq=licq, success=ok, message=message)


def solve(fn, constraints, x0, multistart: bool = True) -> KKTResult:
    """Minimise fn subject to the constraints, and find the KKT multipliers at the solution.

    Parameters
    ----------
    fn : Function2D
        Anything with ``f``, ``grad`` and ``hess`` over points (..., 2).
    constraints : sequence of Constraint
        0 to `MAX_CONSTRAINTS` constraints (a single Constraint is accepted).
    x0 : array_like, shape (2,)
        Starting point (need not be feasible).
    multistart : bool, default True
        Also start from a 3 x 3 grid over the middle of ``fn.bounds`` and keep the feasible run with the lowest
        f (ties go to the earliest start, x0 first). False: only x0 — a local solve, which may stop at a KKT point
        that is not the global minimum (`EXAMPLES` ``"nonconvex"``).

    Returns
    -------
    KKTResult

    Raises
    ------
    ConstraintError
        ``empty_feasible_region`` when no start leads to a point with violation ≤ `FEAS_TOL` (a phase-one
        minimisation of Σ(gᵢ)₊² + Σhⱼ² from every start).

    Notes
    -----
    1. Phase one finds a feasible point (added as a start). 2. scipy.optimize.minimize(method="SLSQP") from every
    start. 3. Newton polish on the KKT equations of the working set. 4. The multipliers solve the stationarity
    equations ∇f + Σλᵢ∇gᵢ + Σμⱼ∇hⱼ = 0 by least squares over the active set, λ ≥ 0 by non-negative least squares
    (scipy.optimize.nnls), μ free; inactive inequalities get λ = 0 exactly (complementary slackness). If no
    multipliers exist (the constraint qualification fails at a minimum) the stationarity residual stays large.

    Examples
    --------
    >>> r = solve(quadratic_objective((2.0, 1.0)), [disc(1.0)], (0.0, 0.0))
    >>> np.round(r.x * np.sqrt(5), 8).tolist(), round(float(r.multipliers[0]), 8), r.message
    ([2.0, 1.0], 1.23606798, 'kkt_point')
    """
    fn = _objective(fn)
    cons = _constraint_list(constraints)
    x0 = _vector(x0, "x0")
    if not isinstance(multistart, bool | np.bool_):
        raise ConstraintError("bad_multistart", f"multistart={multistart!r} must be True or False",
                              multistart=multistart)
    starts = _starts(fn, x0, multistart)
    feasible = _phase_one(cons, starts)
    extra = [] if any(feasible is s for s in starts) else [feasible]
    runs = [r for s in starts + extra if (r := _slsqp(fn, cons, s)) is not None]
    if not runs:  # every run failed: fall back to the feasible point phase one found
        runs = [(feasible, float(fn.f(feasible)))]
    best_value = min(v for _, v in runs)
    x = next(x for x, v in runs if v <= best_value + _TIE * (1.0 + abs(best_value)))
    return _result(fn, cons, _polish(fn, cons, x))


def kkt_check(fn, constraints, x, multipliers=None) -> tuple[dict, dict]:
    """The KKT residuals at a point, for given multipliers or the best ones that exist.

    Parameters
    ----------
    fn : Function2D
    constraints : sequence of Constraint
    x : array_like, shape (2,)
    multipliers : array_like, shape (n_constraints,), optional
        One per constraint, in order. None: the least-squares multipliers of `solve` (λ ≥ 0, inactive λ = 0), so
        a failed stationarity means no multipliers at all make x a KKT point.

    Returns
    -------
    residuals : dict
        ``"stationarity"`` ‖∇f + Σλᵢ∇gᵢ + Σμⱼ∇hⱼ‖, ``"primal"`` max(0, max gᵢ, max |hⱼ|), ``"dual"``
        max(0, −min λᵢ), ``"complementarity"`` max |λᵢgᵢ| (inequalities only).
    satisfied : dict
        Same keys: residual ≤ `KKT_TOL`·scale, with scales 1 + ‖∇f‖ + Σ|λᵢ|‖∇gᵢ‖ (stationarity),
        1 + max‖∇gᵢ‖ (primal), 1 + max|λᵢ| (dual) and their product (complementarity).

    Examples
    --------
    >>> res, ok = kkt_check(quadratic_objective((2.0, 1.0)), [disc(1.0)], (0.0, 0.0), [0.0])
    >>> round(res["stationarity"] ** 2, 9), ok["stationarity"], ok["primal"]
    (20.0, False, True)
    """
    fn = _objective(fn)
    cons = _constraint_list(constraints)
    p = _vector(x, "x")
    gf, vals, J = _eval(fn, cons, p)
    if multipliers is None:
        mult = _multipliers(cons, gf, J, _active_mask(cons, vals, J))
    else:
        try:
            mult = np.asarray(multipliers, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            mult = np.full(len(cons) + 1, np.nan)
        if mult.shape != (len(cons),) or not np.isfinite(mult).all():
            raise ConstraintError("bad_multipliers", f"multipliers={multipliers!r} must be {len(cons)} finite "
                                                     "numbers, one per constraint", n=len(cons))
    return _residuals(cons, gf, vals, J, mult)


def sensitivity(fn, constraints, index: int, delta: float, x0, multistart: bool = True) -> tuple[float, float]:
    """Relax one constraint by δ and compare the new optimal value with the first-order prediction.

    Parameters
    ----------
    fn : Function2D
    constraints : sequence of Constraint
    index : int
        Which constraint to relax, 0 ≤ index < n_constraints.
    delta : float
        δ, finite, |δ| ≤ 1: gᵢ(x) ≤ δ (or hᵢ(x) = δ); δ < 0 tightens.
    x0 : array_like, shape (2,)
    multistart : bool, default True
        How the original problem is solved (`solve`). The relaxed one is always solved from the original solution
        alone: p(δ) follows that minimum, the one whose multiplier predicts the change.

    Returns
    -------
    relaxed_value : float
        The optimal value p(δ) of the relaxed problem (`solve` from the original solution, one start).
    predicted : float
        p(0) − λᵢδ.

    Notes
    -----
    dp/dδ = −λᵢ at δ = 0 (the envelope theorem on L), so the two agree to O(δ²) at a regular KKT point: λᵢ is
    the price of the constraint, the improvement per unit of relaxation. An inactive constraint (λ = 0) is free.

    Examples
    --------
    >>> v, pred = sensitivity(quadratic_objective((2.0, 1.0)), [disc(1.0)], 0, 1e-3, (0.0, 0.0))
    >>> abs(v - pred) < 1e-6
    True
    """
    cons = _constraint_list(constraints)
    i = _count(index, "index", 0, len(cons) - 1, "bad_index")
    d = _real(delta, "delta", "bad_delta")
    if abs(d) > 1.0:
        raise ConstraintError("bad_delta", f"delta={delta!r} must be a finite number from -1 to 1", delta=delta)
    base = solve(fn, cons, x0, multistart)
    c = cons[i]
    relaxed = Constraint(lambda p, c=c: c.g(p) - d, c.grad, c.kind, c.hess, c.name, c.latex)
    new = solve(fn, cons[:i] + (relaxed,) + cons[i + 1:], base.x, multistart=False)
    return new.value, base.value - float(base.multipliers[i]) * d


# --- gradient descent paths ---------------------------------------------------------------------------


def _descend(fn, x0, lr, steps, project) -> np.ndarray:
    """θ ← project(θ − lr∇f(θ)); after a non-finite or huge iterate the last good row repeats."""
    fn = _objective(fn)
    p = project(_vector(x0, "x0"))
    lr = _real(lr, "lr", "bad_lr", positive=True)
    if lr > MAX_LR:
        raise ConstraintError("bad_lr", f"lr={lr!r} must be a number in (0, {MAX_LR:g}]", lr=lr)
    steps = _count(steps, "steps", 1, MAX_STEPS, "bad_steps")
    out = np.empty((steps + 1, 2))
    out[0] = p
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            q = project(p - lr * np.asarray(fn.grad(p), dtype=np.float64).reshape(2))
            if not (np.isfinite(q).all() and np.linalg.norm(q) <= DIVERGENCE_NORM):
                out[k:] = p
                break
            out[k] = p = q
    return out


def projected_gradient_descent(fn, radius: float, centre, x0, lr: float, steps: int) -> np.ndarray:
    """Projected gradient descent onto a disc: θ ← Π(θ − η∇f(θ)).

    Parameters
    ----------
    fn : Function2D
    radius : float
        r > 0.
    centre : array_like, shape (2,)
    x0 : array_like, shape (2,)
        Start; it is projected first, so every row is feasible.
    lr : float
        η in (0, `MAX_LR`].
    steps : int
        1 to `MAX_STEPS`.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, 2)
        Π(x0) and the iterates; if one is non-finite or ‖θ‖ > `DIVERGENCE_NORM` the last good row repeats.

    Notes
    -----
    Π(θ) = c + (θ − c)·min(1, r/‖θ − c‖) is the closest point of the disc: the max-norm weight constraint of
    DL. A fixed point θ = Π(θ − η∇f(θ)) on the circle has −∇f along the outward normal, i.e. it satisfies KKT with
    λ = ‖∇f‖/(2r).

    Examples
    --------
    >>> path = projected_gradient_descent(quadratic_objective((2.0, 1.0)), 1.0, (0.0, 0.0), (0.0, 0.0), 0.1, 200)
    >>> np.round(path[-1] * np.sqrt(5), 6).tolist()
    [2.0, 1.0]
    """
    r = _real(radius, "radius", "bad_radius", positive=True)
    c = _vector(centre, "centre", "bad_centre")

    def project(p):
        d = p - c
        n = float(np.linalg.norm(d))
        return c + d * (r / n) if n > r else p

    return _descend(fn, x0, lr, steps, project)


def gradient_descent_path(fn, x0, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent θ ← θ − η∇f(θ), the unconstrained path to compare with.

    Parameters
    ----------
    fn : Function2D
    x0 : array_like, shape (2,)
    lr : float
        η in (0, `MAX_LR`].
    steps : int
        1 to `MAX_STEPS`.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, 2)
        x0 and the iterates, with the same divergence handling as `projected_gradient_descent`.

    Examples
    --------
    >>> gradient_descent_path(quadratic_objective((2.0, 1.0)), (0.0, 0.0), 0.5, 1).tolist()
    [[0.0, 0.0], [2.0, 1.0]]
    """
    return _descend(fn, x0, lr, steps, lambda p: p)


# --- grids and second order ---------------------------------------------------------------------------


def feasible_mask(constraints, X, Y, band: float = EQ_BAND) -> np.ndarray:
    """Where all constraints hold on a grid, for shading the feasible region.

    Parameters
    ----------
    constraints : sequence of Constraint
    X, Y : array_like
        Coordinates of the same shape (e.g. from numpy.meshgrid).
    band : float, default `EQ_BAND`
        > 0: an equality counts as holding where |h| ≤ band (a line has no area).

    Returns
    -------
    numpy.ndarray of bool, shape of X
        True where every gᵢ ≤ 0 and every |hⱼ| ≤ band (NaN counts as infeasible).

    Examples
    --------
    >>> feasible_mask([disc(1.0)], [[0.0, 2.0]], [[0.0, 0.0]]).tolist()
    [[True, False]]
    """
    cons = _constraint_list(constraints)
    b = _real(band, "band", "bad_band", positive=True)
    try:
        XX, YY = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConstraintError("bad_grid", "X and Y must be real arrays of the same shape") from None
    if XX.shape != YY.shape:
        raise ConstraintError("bad_grid", f"X and Y must have the same shape, got {XX.shape} and {YY.shape}")
    P = np.stack([XX, YY], axis=-1)
    mask = np.ones(XX.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for c in cons:
            v = np.asarray(c.g(P), dtype=np.float64)
            mask &= (v <= 0) if c.kind == "ineq" else (np.abs(v) <= b)
    return mask


def second_order_check(fn, constraints, result) -> np.ndarray:
    """Eigenvalues of the Lagrangian's Hessian on the tangent space of the active constraints.

    Parameters
    ----------
    fn : Function2D
    constraints : sequence of Constraint
    result : KKTResult
        Or anything with ``x`` and ``multipliers`` (one per constraint), e.g. a KKT point found by hand.

    Returns
    -------
    numpy.ndarray, shape (d,)
        Ascending eigenvalues of Zᵀ∇²L Z, with Z an orthonormal basis of {v : ∇cᵢ·v = 0} over the equalities
        and the inequalities with λᵢ > 0; d = 2 − rank (0: a vertex, where first order decides).

    Notes
    -----
    ∇²L = ∇²f + Σλᵢ∇²gᵢ + Σμⱼ∇²hⱼ. At a KKT point, all eigenvalues > 0 make x a strict local minimum; a negative
    one means f decreases along a feasible curve leaving x — the KKT point is a saddle (or a maximum) of the
    problem. The subspace drops weakly active constraints (active with λ = 0), so it can be larger than the
    critical cone: a negative eigenvalue there is a hint, not a proof. Constraints without a Hessian use
    central differences of their gradients.

    Examples
    --------
    >>> r = solve(quadratic_objective((2.0, 1.0)), [disc(1.0)], (0.0, 0.0))
    >>> np.round(second_order_check(quadratic_objective((2.0, 1.0)), [disc(1.0)], r) ** 2, 8).tolist()
    [20.0]
    """
    fn = _objective(fn)
    cons = _constraint_list(constraints)
    try:
        x = _vector(result.x, "x")
        mult = np.asarray(result.multipliers, dtype=np.float64).reshape(-1)
    except AttributeError:
        raise ConstraintError("bad_result", f"result={result!r} must have x and multipliers") from None
    if mult.shape != (len(cons),) or not np.isfinite(mult).all():
        raise ConstraintError("bad_multipliers", f"multipliers={result.multipliers!r} must be {len(cons)} finite "
                                                 "numbers, one per constraint", n=len(cons))
    gf, vals, J = _eval(fn, cons, x)
    active = _active_mask(cons, vals, J)
    keep = np.array([c.kind == "eq" or (a and m > 0) for c, a, m in zip(cons, active, mult)], dtype=bool)
    H = _lagrangian_hess(fn, cons, x, mult)
    A = J[keep]
    if A.shape[0]:
        _, s, Vt = np.linalg.svd(A)
        rank = int(np.sum(s > LICQ_TOL * max(1.0, float(s.max()))))
        Z = Vt[rank:].T
    else:
        Z = np.eye(2)
    return np.linalg.eigvalsh(Z.T @ (0.5 * (H + H.T)) @ Z) if Z.shape[1] else np.zeros(0)


# --- the page's examples ------------------------------------------------------------------------------

# objective, constraints, x0 and a note code the page translates (constrained.note.<code>).
EXAMPLES: dict[str, dict] = {
    # TEACHING.md §6: x* = (2, 1)/√5, λ = √5 − 1; ∇f and ∇g anti-parallel on the circle.
    "disc": {"objective": quadratic_objective((2.0, 1.0)), "constraints": (disc(1.0),), "x0": (0.0, 0.0),
             "note": "boundary_optimum"},
    # The centre is feasible: the constraint is inactive, λ = 0, x* = c.
    "inactive": {"objective": quadratic_objective((0.3, 0.2)), "constraints": (disc(1.0),), "x0": (-0.5, 0.5),
                 "note": "inactive_constraint"},
    # Lagrange: x* = c − ((n·c − d)/‖n‖²) n = (1, 0), μ = 2(n·c − d)/‖n‖² = 2.
    "equality": {"objective": quadratic_objective((2.0, 1.0)), "constraints": (line((1.0, 1.0), 1.0),),
                 "x0": (0.0, 0.0), "note": "lagrange"},
    # Lower half-disc: a vertex x* = (1, 0) with λ = (1, 2), −∇f in the cone of both normals.
    "two_constraints": {"objective": quadratic_objective((2.0, 1.0)),
                        "constraints": (disc(1.0), half_plane((0.0, 1.0), 0.0)), "x0": (0.0, -0.5),
                        "note": "vertex"},
    # Outside the unit disc, nearest to (0.3, 0): the global minimum (1, 0) has λ = 0.7; from x0 a local solve
    # stops at (−1, 0), a KKT point (λ = 1.3) that is a saddle: ∇²L = −0.6·I on the tangent line.
    "nonconvex": {"objective": quadratic_objective((0.3, 0.0)), "constraints": (outside_disc(1.0),),
                  "x0": (-1.5, 0.0), "note": "kkt_saddle"},
    # The minimum (0, 0) of (x + 1)² + y² on y² ≤ x³ is not a KKT point: ∇g(0) = 0.
    "cq_fails": {"objective": quadratic_objective((-1.0, 0.0)), "constraints": (cusp(),), "x0": (1.0, 0.5),
                 "note": "cq_fails"},
}

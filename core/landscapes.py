"""A registry of 2-D test functions with hand-written gradients and Hessians, vectorized over points.

Every entry is a `Function2D`: f, ∇f and ∇²f take points of shape (..., 2) and return (...), (..., 2) and
(..., 2, 2). The saddle page and the optimizer page draw from `FUNCTIONS`; `quadratic` builds the
ill-conditioned bowl the optimizer page steers with a κ slider. A function typed by a user (compiled with
sympy) fits the same interface.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, R, Z), as in the formulas they implement
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Function2D", "FUNCTIONS", "KINDS", "MAX_GRID", "MAX_KAPPA", "quadratic", "evaluate_grid", "check_bounds",
           "defined_at", "nearest_defined"]

KINDS = ("minimum", "maximum", "saddle", "degenerate")
MAX_GRID = 1001  # points per side of an evaluated grid
MAX_KAPPA = 1e8  # largest condition number `quadratic` accepts

Bounds = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Function2D:
    """A function of two variables with its exact gradient and Hessian.

    ``f``, ``grad`` and ``hess`` take points p of shape (..., 2) and return arrays of shape (...),
    (..., 2) and (..., 2, 2). ``known_critical_points`` holds (x, y, kind) tuples from the literature,
    kind in `KINDS` as given by the signs of the Hessian's eigenvalues.
    """

    id: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray], np.ndarray]
    latex: str
    bounds: Bounds
    name_key: str
    known_critical_points: tuple = ()
    var_names: tuple[str, str] = ("x", "y")


# --- packing ------------------------------------------------------------------------------------------


def _split(p) -> tuple[np.ndarray, np.ndarray]:
    """x = p[..., 0], y = p[..., 1] of a float array whose last axis has length 2."""
    P = np.asarray(p, dtype=np.float64)
    if P.ndim < 1 or P.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got shape {P.shape}")
    return P[..., 0], P[..., 1]


def _grad(gx, gy, like) -> np.ndarray:
    """Stack two components, broadcast to the shape of ``like``, into (..., 2)."""
    a, b, _ = np.broadcast_arrays(gx, gy, like)
    return np.stack([a, b], axis=-1).astype(np.float64)


def _hess(hxx, hxy, hyy, like) -> np.ndarray:
    """Stack the entries of a symmetric 2x2 matrix, broadcast to the shape of ``like``, into (..., 2, 2)."""
    a, b, c, _ = np.broadcast_arrays(hxx, hxy, hyy, like)
    return np.stack([np.stack([a, b], axis=-1), np.stack([b, c], axis=-1)], axis=-2).astype(np.float64)


def _make(id_: str, f_xy, g_xy, h_xy, latex: str, bounds: Bounds, known: tuple,
          var_names: tuple[str, str] = ("x", "y")) -> Function2D:
    """A `Function2D` from formulas in (x, y)."""

    # Constant parts (a constant Hessian, a linear term) are broadcast to the shape of the points.
    def f(p):
        x, y = _split(p)
        return np.broadcast_to(np.asarray(f_xy(x, y), dtype=np.float64), x.shape).copy()

    def grad(p):
        x, y = _split(p)
        return _grad(*g_xy(x, y), x)

    def hess(p):
        x, y = _split(p)
        return _hess(*h_xy(x, y), x)

    return Function2D(id=id_, f=f, grad=grad, hess=hess, latex=latex, bounds=bounds, name_key=f"functions.{id_}",
                      known_critical_points=known, var_names=var_names)


# --- the gallery --------------------------------------------------------------------------------------

def _net_f(x, y):
    return (1 - x * y) ** 2


def _net_g(x, y):
    r = 1 - x * y
    return -2 * r * y, -2 * r * x


def _net_h(x, y):
    return 2 * y**2, 4 * x * y - 2, 2 * x**2


def _beale_terms(x, y):
    """(t_i, ∂t_i/∂x, ∂t_i/∂y, ∂²t_i/∂x∂y, ∂²t_i/∂y²) for t_i = c_i − x + x·y^i, i = 1, 2, 3."""
    for i, c in ((1, 1.5), (2, 2.25), (3, 2.625)):
        yield (c - x + x * y**i, y**i - 1, i * x * y ** (i - 1), i * y ** (i - 1),
               i * (i - 1) * x * y ** max(i - 2, 0))


def _beale_f(x, y):
    return sum(t**2 for t, *_ in _beale_terms(x, y))


def _beale_g(x, y):
    terms = list(_beale_terms(x, y))
    return sum(2 * t * tx for t, tx, *_ in terms), sum(2 * t * ty for t, _, ty, *_ in terms)


def _beale_h(x, y):
    terms = list(_beale_terms(x, y))
    hxx = sum(2 * tx * tx for _, tx, *_ in terms)
    hxy = sum(2 * (tx * ty + t * txy) for t, tx, ty, txy, _ in terms)
    hyy = sum(2 * (ty * ty + t * tyy) for t, _, ty, _, tyy in terms)
    return hxx, hxy, hyy


# Critical points located with core.critical_points.find_critical_points and refined with sympy.nsolve at 30
# digits (rounded to float64); kinds from the eigenvalue signs of the exact Hessian. Himmelblau's ∇f = 0 is a
# pair of cubics (at most 3·3 = 9 solutions) and the six-hump camel's a quintic and a cubic (at most 5·3 = 15):
# all of them are real and inside the windows, so these lists are complete. Beale's lists what lies in ±4.5.
_HIMMELBLAU_POINTS = (
    (3.0, 2.0, "minimum"),
    (-2.805118086952745, 3.131312518250573, "minimum"),
    (-3.779310253377747, -3.2831859912861696, "minimum"),
    (3.5844283403304917, -1.8481265269644036, "minimum"),
    (-0.2708445906673476, -0.9230385564799815, "maximum"),
    (3.385154183607021, 0.07385187983774928, "saddle"),
    (0.08667750455539636, 2.884254701174776, "saddle"),
    (-3.0730257507643897, -0.08135304428796751, "saddle"),
    (-0.12796134673068008, -1.9537149802445763, "saddle"),
)
_SIX_HUMP_POINTS = (
    (0.08984201310031806, -0.7126564030207396, "minimum"),  # global, f = −1.0316284535
    (-0.08984201310031806, 0.7126564030207396, "minimum"),  # global
    (1.703606714969981, -0.7960835686726251, "minimum"),  # f = −0.2154638244
    (-1.703606714969981, 0.7960835686726251, "minimum"),
    (1.6071047529201972, 0.5686514548841314, "minimum"),  # f = 2.1042503103
    (-1.6071047529201972, -0.5686514548841314, "minimum"),
    (1.2302298765166526, 0.16233458445899496, "maximum"),  # f = 2.4962953510
    (-1.2302298765166526, -0.16233458445899496, "maximum"),
    (0.0, 0.0, "saddle"),
    (1.1092053368047865, -0.7682680925095399, "saddle"),  # f = 0.5437186010
    (-1.1092053368047865, 0.7682680925095399, "saddle"),
    (1.6380679841897785, 0.22867406904439408, "saddle"),  # f = 2.2293571975
    (-1.6380679841897785, -0.22867406904439408, "saddle"),
    (1.2960702671671092, 0.6050843880386585, "saddle"),  # f = 2.2294708180
    (-1.2960702671671092, -0.6050843880386585, "saddle"),
)
_BEALE_POINTS = (
    (3.0, 0.5, "minimum"),  # global, f = 0
    (0.0, 1.0, "saddle"),  # f = 14.203125, eigenvalues ±27.75
    (0.10053793732415836, -2.644513585023125, "saddle"),  # f = 9.8645122848
)

FUNCTIONS: dict[str, Function2D] = {
    "two_weight_net": _make(
        "two_weight_net", _net_f, _net_g, _net_h, r"L(w_1, w_2) = (1 - w_1 w_2)^2", ((-2.0, 2.0), (-2.0, 2.0)),
        ((0.0, 0.0, "saddle"), (1.0, 1.0, "degenerate"), (-1.0, -1.0, "degenerate")), ("w_1", "w_2")),
    "saddle": _make(
        "saddle", lambda x, y: x**2 - y**2, lambda x, y: (2 * x, -2 * y), lambda x, y: (2.0, 0.0, -2.0),
        r"f(x, y) = x^2 - y^2", ((-2.0, 2.0), (-2.0, 2.0)), ((0.0, 0.0, "saddle"),)),
    "monkey_saddle": _make(
        "monkey_saddle", lambda x, y: x**3 - 3 * x * y**2, lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
        lambda x, y: (6 * x, -6 * y, -6 * x), r"f(x, y) = x^3 - 3 x y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        ((0.0, 0.0, "degenerate"),)),
    "double_well": _make(
        "double_well", lambda x, y: x**4 - 2 * x**2 + y**2, lambda x, y: (4 * x**3 - 4 * x, 2 * y),
        lambda x, y: (12 * x**2 - 4, 0.0, 2.0), r"f(x, y) = x^4 - 2 x^2 + y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        ((-1.0, 0.0, "minimum"), (1.0, 0.0, "minimum"), (0.0, 0.0, "saddle"))),
    "himmelblau": _make(
        "himmelblau", lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
        lambda x, y: (12 * x**2 + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y**2 - 26),
        r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5.0, 5.0), (-5.0, 5.0)), _HIMMELBLAU_POINTS),
    "rosenbrock": _make(
        "rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
        lambda x, y: (2 - 400 * y + 1200 * x**2, -400 * x, 200.0),
        r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2", ((-2.0, 2.0), (-1.0, 3.0)), ((1.0, 1.0, "minimum"),)),
    "six_hump_camel": _make(
        "six_hump_camel", lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
        lambda x, y: (8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3),
        lambda x, y: (8 - 25.2 * x**2 + 10 * x**4, 1.0, -8 + 48 * y**2),
        r"f(x, y) = \left(4 - 2.1 x^2 + \tfrac{x^4}{3}\right) x^2 + x y + \left(-4 + 4 y^2\right) y^2",
        ((-2.0, 2.0), (-1.0, 1.0)), _SIX_HUMP_POINTS),
    "beale": _make(
        "beale", _beale_f, _beale_g, _beale_h,
        r"f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2",
        ((-4.5, 4.5), (-4.5, 4.5)), _BEALE_POINTS),
}


# --- the ill-conditioned quadratic --------------------------------------------------------------------


def quadratic(kappa: float, theta_deg: float = 0.0) -> Function2D:
    """The quadratic bowl f(p) = ½ pᵀ R diag(1, 1/κ) Rᵀ p, rotated by θ.

    Parameters
    ----------
    kappa : float
        Condition number of the Hessian, 1 ≤ κ ≤ `MAX_KAPPA`.
    theta_deg : float, default 0
        Rotation of the principal axes, in degrees (finite).

    Returns
    -------
    Function2D
        id ``"quadratic"``, name_key ``"functions.quadratic"``, bounds ±2, one minimum at the origin.

    Notes
    -----
    With R the rotation by θ and A = R diag(1, 1/κ) Rᵀ: f = ½ pᵀAp, ∇f = Ap, ∇²f = A, eigenvalues 1 and 1/κ along
    (cos θ, sin θ) and (−sin θ, cos θ). Gradient descent needs lr < 2 and about κ steps per digit.

    Examples
    --------
    >>> q = quadratic(10.0)
    >>> q.f([1.0, 1.0]).item(), q.hess([0.0, 0.0]).tolist()
    (0.55, [[1.0, 0.0], [0.0, 0.1]])
    """
    try:
        k, th = float(kappa), float(theta_deg)
    except (TypeError, ValueError):
        raise ValueError(f"kappa={kappa!r} and theta_deg={theta_deg!r} must be numbers") from None
    if not (math.isfinite(k) and 1.0 <= k <= MAX_KAPPA):
        raise ValueError(f"kappa={kappa!r} must be a number from 1 to {MAX_KAPPA:g}")
    if not math.isfinite(th):
        raise ValueError(f"theta_deg={theta_deg!r} must be a finite number")
    c, s = math.cos(math.radians(th)), math.sin(math.radians(th))
    R = np.array([[c, -s], [s, c]])
    A = (R * np.array([1.0, 1.0 / k])) @ R.T
    A = 0.5 * (A + A.T)

    def f_xy(x, y):
        return 0.5 * (A[0, 0] * x * x + 2 * A[0, 1] * x * y + A[1, 1] * y * y)

    def g_xy(x, y):
        return A[0, 0] * x + A[0, 1] * y, A[0, 1] * x + A[1, 1] * y

    def h_xy(x, y):
        return A[0, 0], A[0, 1], A[1, 1]

    latex = (rf"f(x, y) = \tfrac{{1}}{{2}}\left(u^2 + \frac{{v^2}}{{{k:g}}}\right),\quad "
             rf"\begin{{pmatrix}}u\\v\end{{pmatrix}} = R_{{{th:g}^\circ}}^\top \begin{{pmatrix}}x\\y\end{{pmatrix}}")
    return _make("quadratic", f_xy, g_xy, h_xy, latex, ((-2.0, 2.0), (-2.0, 2.0)), ((0.0, 0.0, "minimum"),))


# --- grids --------------------------------------------------------------------------------------------


def evaluate_grid(fn: Function2D, n: int = 121, bounds: Bounds | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f on an n x n grid over a window, in one vectorized call.

    Parameters
    ----------
    fn : Function2D
    n : int, default 121
        Points per side, 2 to `MAX_GRID`.
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Defaults to ``fn.bounds``; each min < max, finite.

    Returns
    -------
    xs, ys : numpy.ndarray, shape (n,)
    Z : numpy.ndarray, shape (n, n)
        Z[i, j] = f(xs[j], ys[i]) (rows follow y, as contour plots expect).

    Examples
    --------
    >>> xs, ys, Z = evaluate_grid(FUNCTIONS["saddle"], n=3, bounds=((-1, 1), (-1, 1)))
    >>> Z.tolist()
    [[0.0, -1.0, 0.0], [1.0, 0.0, 1.0], [0.0, -1.0, 0.0]]
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_GRID:
        raise ValueError(f"n={n!r} must be an integer from 2 to {MAX_GRID}")
    (x0, x1), (y0, y1) = check_bounds(fn.bounds if bounds is None else bounds)
    xs, ys = np.linspace(x0, x1, int(n)), np.linspace(y0, y1, int(n))
    XX, YY = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = fn.f(np.stack([XX, YY], axis=-1))
    return xs, ys, Z


def check_bounds(bounds) -> Bounds:
    """((xmin, xmax), (ymin, ymax)) as floats, finite, min < max."""
    try:
        B = np.asarray(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"bounds={bounds!r} must be ((xmin, xmax), (ymin, ymax))") from None
    if B.shape != (2, 2) or not np.isfinite(B).all() or not (B[:, 0] < B[:, 1]).all():
        raise ValueError(f"bounds={bounds!r} must be ((xmin, xmax), (ymin, ymax)) with finite min < max")
    return (float(B[0, 0]), float(B[0, 1])), (float(B[1, 0]), float(B[1, 1]))


def defined_at(fn: Function2D, point) -> bool:
    """Whether f and ∇f are finite numbers at ``point`` (a typed formula may be undefined on part of the plane)."""
    p = np.asarray(point, dtype=np.float64)
    with np.errstate(all="ignore"):
        return bool(np.isfinite(fn.f(p)) and np.all(np.isfinite(fn.grad(p))))


def nearest_defined(fn: Function2D, point, bounds: Bounds | None = None, n: int = 81):
    """``point`` itself when f and ∇f are finite there, else the nearest point of an n × n grid over ``bounds``
    (default ``fn.bounds``) where they are; None when they are finite nowhere on the grid.

    Examples
    --------
    >>> nearest_defined(FUNCTIONS["saddle"], (0.3, 0.2))
    (0.3, 0.2)
    """
    p = np.asarray(point, dtype=np.float64)
    if defined_at(fn, p):
        return float(p[0]), float(p[1])
    (x0, x1), (y0, y1) = check_bounds(fn.bounds if bounds is None else bounds)
    n = int(min(max(n, 2), MAX_GRID))
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    P = np.stack([gx, gy], axis=-1)
    with np.errstate(all="ignore"):
        ok = np.isfinite(fn.f(P)) & np.all(np.isfinite(fn.grad(P)), axis=-1)
    if not ok.any():
        return None
    d = np.where(ok, np.hypot(gx - p[0], gy - p[1]), np.inf)
    i = np.unravel_index(np.argmin(d), d.shape)
    return float(gx[i]), float(gy[i])

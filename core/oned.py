"""One variable: the derivative as a slope, gradient descent and ascent, and the directional derivative in 2-D.

`FUNCTIONS_1D` holds a few functions of one variable with hand-written f′ and f″ (vectorized numpy callables).
`iterate` runs x ← x ∓ α·f′(x) and records every step; `tangent`, `extrema` and `two_cycle` give what the page
draws next to the path (the tangent line, the critical points, the period-2 orbit of a too-large step).
`directional_derivatives` evaluates ∇f·e over all unit vectors e of the plane for a `core.landscapes.Function2D`:
the gradient is the direction of steepest ascent.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from core._checks import count as _count
from core._checks import real as _real

__all__ = [
    "GOALS", "MAX_STEPS_1D", "MAX_LR_1D", "MAX_ABS_X0", "DIVERGENCE_RADIUS_1D", "SCAN_POINTS", "MAX_ANGLES",
    "Function1D", "FUNCTIONS_1D", "Path1D", "DirectionalDerivatives",
    "iterate", "tangent", "extrema", "two_cycle", "directional_derivatives", "slopes_along",
]

GOALS = ("min", "max")
MAX_STEPS_1D = 500
MAX_LR_1D = 10.0
MAX_ABS_X0 = 1e3
DIVERGENCE_RADIUS_1D = 1e6  # an iterate with |x| beyond this counts as diverged
SCAN_POINTS = 4001  # grid points on which `extrema` and `two_cycle` look for sign changes before refining
MAX_ANGLES = 3601  # largest n of `directional_derivatives` (a tenth of a degree)
_ROOT_XTOL = 1e-14  # brentq's absolute tolerance when refining a root


@dataclass(frozen=True)
class Function1D:
    """A function of one variable with its exact first and second derivatives.

    ``f``, ``df`` and ``d2f`` take arrays of any shape and return float arrays of the same shape. ``bounds`` is
    the plotted x range; ``goal`` ("min" or "max") the way the page's default iteration goes, from ``x0`` with
    learning rate ``lr``.
    """

    id: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    d2f: Callable[[np.ndarray], np.ndarray]
    latex: str
    bounds: tuple[float, float]
    goal: str
    x0: float
    lr: float

    @property
    def name_key(self) -> str:
        """Key of the function's display name in the string files."""
        return f"functions1d.{self.id}"


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays field by field has no single truth value
class Path1D:
    """The iterates of gradient descent or ascent in one variable.

    ``xs``, ``fs`` and ``dfs`` have ``steps + 1`` rows (row 0 = x₀). ``stop_step`` is the index of the last
    valid iterate (``steps`` when the run was not cut short); after a divergence every later row repeats it.
    """

    xs: np.ndarray
    fs: np.ndarray
    dfs: np.ndarray
    stop_step: int
    diverged: bool


@dataclass(frozen=True, eq=False)
class DirectionalDerivatives:
    """∇f·e for unit vectors e = (cos a, sin a) all around a point, and the gradient that explains them."""

    angles_deg: np.ndarray  # (n,) from 0 to 360 inclusive
    values: np.ndarray  # (n,) ∇f·e = ‖∇f‖ cos(a − grad_angle_deg)
    grad: np.ndarray  # (2,)
    grad_norm: float
    grad_angle_deg: float  # direction of ∇f in [0, 360); 0 when ∇f = 0
    max_value: float  # = grad_norm, reached at a = grad_angle_deg


# --- the gallery --------------------------------------------------------------------------------------------


def _vectorized(formula) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a formula in x so that it returns a float array of x's shape (constants included)."""

    def fn(x):
        x = np.asarray(x, dtype=np.float64)
        return np.broadcast_to(np.asarray(formula(x), dtype=np.float64), x.shape).copy()

    return fn


def _make(id_: str, f, df, d2f, latex: str, bounds: tuple[float, float], goal: str, x0: float,
          lr: float) -> Function1D:
    """A `Function1D` from three formulas in x."""
    return Function1D(id=id_, f=_vectorized(f), df=_vectorized(df), d2f=_vectorized(d2f), latex=latex,
                      bounds=bounds, goal=goal, x0=x0, lr=lr)


FUNCTIONS_1D: dict[str, Function1D] = {
    # From x₀ = −2 ascent climbs to the local maximum x ≈ −4.3564 (f ≈ 4.4543), not the global one x ≈ 1.4542
    # (f ≈ 22.7156). f″ ≈ −25.5 there, so the step must stay below 2/25.5 ≈ 0.078 to settle.
    "ascent": _make("ascent", lambda x: 25 * np.sin(x) - x**2, lambda x: 25 * np.cos(x) - 2 * x,
                    lambda x: -25 * np.sin(x) - 2, r"f(x) = 25\sin x - x^2", (-7.0, 7.0), "max", -2.0, 0.05),
    # From x₀ = 2.5: α = 1 gives x ← −x − cos x, which falls onto the 2-cycle ±π/2 (cos(±π/2) = 0); α = 0.1
    # converges to the minimum x ≈ −0.4502 (2x + cos x = 0); α = 0.01 crawls.
    "lr_example": _make("lr_example", lambda x: x**2 + np.sin(x), lambda x: 2 * x + np.cos(x),
                        lambda x: 2 - np.sin(x), r"f(x) = x^2 + \sin x", (-3.0, 3.0), "min", 2.5, 0.1),
    "parabola": _make("parabola", lambda x: x**2, lambda x: 2 * x, lambda x: 2.0, r"f(x) = x^2", (-3.0, 3.0),
                      "min", 2.5, 0.1),
    # Minima x ≈ −1.3008 (f ≈ −3.5139, global) and x ≈ 1.1309 (f ≈ −1.0702); from x₀ = 1.5 descent stays right.
    "double_well": _make("double_well", lambda x: x**4 - 3 * x**2 + x, lambda x: 4 * x**3 - 6 * x + 1,
                         lambda x: 12 * x**2 - 6, r"f(x) = x^4 - 3x^2 + x", (-2.0, 2.0), "min", 1.5, 0.02),
    # Local maximum at −1, local minimum at 1, and no global minimum: started left of −1, descent runs away.
    "cubic": _make("cubic", lambda x: x**3 - 3 * x, lambda x: 3 * x**2 - 3, lambda x: 6 * x,
                   r"f(x) = x^3 - 3x", (-2.5, 2.5), "min", 0.5, 0.05),
}


# --- validation ---------------------------------------------------------------------------------------------


def _lr(lr) -> float:
    """A learning rate in (0, MAX_LR_1D]."""
    out = _real(lr, "lr")
    if not 0 < out <= MAX_LR_1D:
        raise ValueError(f"lr={lr!r} must be a number in (0, {MAX_LR_1D:g}]")
    return out


def _sign(fn: Function1D, ascent) -> float:
    """+1 for ascent, −1 for descent; ``ascent=None`` follows ``fn.goal``."""
    if ascent is None:
        return 1.0 if fn.goal == "max" else -1.0
    if not isinstance(ascent, bool | np.bool_):
        raise ValueError(f"ascent={ascent!r} must be True, False or None")
    return 1.0 if ascent else -1.0


# --- gradient descent and ascent ----------------------------------------------------------------------------


def iterate(fn: Function1D, x0: float, lr: float, steps: int, ascent: bool | None = None) -> Path1D:
    """Gradient descent (or ascent) in one variable, every iterate recorded.

    Parameters
    ----------
    fn : Function1D
    x0 : float
        Start, |x0| ≤ `MAX_ABS_X0`.
    lr : float
        Learning rate α in (0, `MAX_LR_1D`].
    steps : int
        0 to `MAX_STEPS_1D`.
    ascent : bool, optional
        True climbs, False descends; None (default) follows ``fn.goal`` ("max" climbs).

    Returns
    -------
    Path1D
        Exactly ``steps`` steps unless an iterate is non-finite, has |x| > `DIVERGENCE_RADIUS_1D`, or f or f′
        is non-finite there: then ``diverged`` is True, ``stop_step`` is the last valid index and the remaining
        rows repeat it.

    Notes
    -----
    Descent: x_{k+1} = x_k − α f′(x_k); ascent: x_{k+1} = x_k + α f′(x_k). Near a critical point x* the error is
    multiplied by 1 ∓ α f″(x*) per step: the iteration settles when |1 ∓ α f″(x*)| < 1.

    Examples
    --------
    >>> path = iterate(FUNCTIONS_1D["parabola"], 1.0, 0.25, 3)
    >>> path.xs.tolist(), path.diverged
    ([1.0, 0.5, 0.25, 0.125], False)
    """
    x0 = _real(x0, "x0")
    if abs(x0) > MAX_ABS_X0:
        raise ValueError(f"x0={x0!r} must satisfy |x0| <= {MAX_ABS_X0:g}")
    lr = _lr(lr)
    steps = _count(steps, "steps", 0, MAX_STEPS_1D)
    sign = _sign(fn, ascent)
    xs = np.full(steps + 1, x0)
    fs = np.full(steps + 1, float(fn.f(x0)))
    dfs = np.full(steps + 1, float(fn.df(x0)))
    if not (math.isfinite(fs[0]) and math.isfinite(dfs[0])):
        raise ValueError(f"x0={x0!r}: f or f' is not finite there")
    stop, diverged = steps, False
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = xs[k] + sign * lr * dfs[k]
            f, d = (float(fn.f(x)), float(fn.df(x))) if math.isfinite(x) else (math.nan, math.nan)
            if not (abs(x) <= DIVERGENCE_RADIUS_1D and math.isfinite(f) and math.isfinite(d)):
                stop, diverged = k, True
                break
            xs[k + 1], fs[k + 1], dfs[k + 1] = x, f, d
    for a in (xs, fs, dfs):
        a[stop + 1:] = a[stop]
    return Path1D(xs=xs, fs=fs, dfs=dfs, stop_step=stop, diverged=diverged)


def tangent(fn: Function1D, x: float, halfwidth: float) -> tuple[np.ndarray, np.ndarray]:
    """The tangent line at x as a segment of two points.

    Parameters
    ----------
    fn : Function1D
    x : float
        Point of tangency (finite).
    halfwidth : float
        The segment covers [x − halfwidth, x + halfwidth]; finite, > 0.

    Returns
    -------
    xs, ys : numpy.ndarray, shape (2,)
        ys = f(x) + f′(x)(xs − x).

    Examples
    --------
    >>> xs, ys = tangent(FUNCTIONS_1D["parabola"], 1.0, 0.5)
    >>> xs.tolist(), ys.tolist()
    ([0.5, 1.5], [0.0, 2.0])
    """
    x = _real(x, "x")
    h = _real(halfwidth, "halfwidth")
    if h <= 0:
        raise ValueError(f"halfwidth={halfwidth!r} must be a finite number > 0")
    xs = np.array([x - h, x + h])
    return xs, float(fn.f(x)) + float(fn.df(x)) * (xs - x)


# --- critical points and 2-cycles ---------------------------------------------------------------------------


def _roots(h, lo: float, hi: float) -> list[float]:
    """Roots of h in [lo, hi] where it changes sign on a grid of SCAN_POINTS, refined with brentq."""
    xs = np.linspace(lo, hi, SCAN_POINTS)
    with np.errstate(all="ignore"):
        H = h(xs)
    ok = np.isfinite(H)
    roots = [float(x) for x in xs[1:-1][(H[1:-1] == 0) & (H[:-2] * H[2:] < 0)]]
    for i in np.flatnonzero(ok[:-1] & ok[1:] & (H[:-1] * H[1:] < 0)):
        roots.append(scipy.optimize.brentq(lambda t: float(h(t)), xs[i], xs[i + 1], xtol=_ROOT_XTOL))
    return sorted(roots)


def extrema(fn: Function1D) -> list[tuple[float, float, str]]:
    """The local minima and maxima of f inside ``fn.bounds``.

    Parameters
    ----------
    fn : Function1D

    Returns
    -------
    list of (x, f(x), kind)
        Sorted by x; kind is "min" or "max".

    Notes
    -----
    f′ is scanned on `SCAN_POINTS` grid points; each sign change is refined with `scipy.optimize.brentq` and
    classified by the sign of f″ (by the direction of the sign change of f′ where f″ = 0). A critical point
    where f′ does not change sign (an inflection such as x³ at 0) is no extremum and is left out; two
    extrema closer than one grid step can be missed.

    Examples
    --------
    >>> [(round(x, 6), kind) for x, _, kind in extrema(FUNCTIONS_1D["cubic"])]
    [(-1.0, 'max'), (1.0, 'min')]
    """
    lo, hi = fn.bounds
    out = []
    for r in _roots(fn.df, lo, hi):
        curvature = float(fn.d2f(r))
        if curvature == 0:
            step = (hi - lo) / (SCAN_POINTS - 1)
            curvature = float(fn.df(r + step) - fn.df(r - step))
        out.append((r, float(fn.f(r)), "min" if curvature > 0 else "max"))
    return out


def two_cycle(fn: Function1D, lr: float, ascent: bool | None = None) -> tuple[float, float] | None:
    """A period-2 orbit of the gradient step inside ``fn.bounds``, if there is one.

    Parameters
    ----------
    fn : Function1D
    lr : float
        Learning rate α in (0, `MAX_LR_1D`].
    ascent : bool, optional
        As in `iterate`: None follows ``fn.goal``.

    Returns
    -------
    (a, b) or None
        a < b with g(a) = b and g(b) = a, both inside the bounds; None when there is no such orbit. With several,
        an attracting one (|g′(a) g′(b)| < 1) comes first, then the one with the smallest a.

    Notes
    -----
    g(x) = x ∓ α f′(x). The points solve g(g(x)) = x without being fixed points (g(x) ≠ x, i.e. f′(x) ≠ 0);
    they are found as sign changes of g(g(x)) − x on a grid and refined with brentq. A continuum of 2-cycles
    (x² with α = 1: g(x) = −x) has no sign change and gives None.

    Examples
    --------
    >>> a, b = two_cycle(FUNCTIONS_1D["lr_example"], 1.0)
    >>> round(a, 6), round(b, 6)
    (-1.570796, 1.570796)
    """
    lr = _lr(lr)
    s = _sign(fn, ascent)
    lo, hi = fn.bounds
    tol = 1e-9 * (hi - lo)

    def g(x):
        return x + s * lr * fn.df(x)

    orbits = []
    for a in _roots(lambda x: g(g(x)) - x, lo, hi):
        b = float(g(a))
        if abs(b - a) > tol and lo <= b <= hi and abs(float(g(b)) - a) <= tol:
            a, b = min(a, b), max(a, b)
            if not any(abs(a - p) <= tol and abs(b - q) <= tol for p, q in orbits):
                orbits.append((a, b))
    if not orbits:
        return None

    def repelling(orbit):
        a, b = orbit
        return abs((1 + s * lr * float(fn.d2f(a))) * (1 + s * lr * float(fn.d2f(b)))) >= 1

    return min(orbits, key=lambda o: (repelling(o), o[0]))


# --- the directional derivative in 2-D ----------------------------------------------------------------------


def directional_derivatives(fn2d, point, n: int = 73) -> DirectionalDerivatives:
    """∇f·e for unit vectors e = (cos a, sin a), a from 0° to 360°.

    Parameters
    ----------
    fn2d : core.landscapes.Function2D
        Anything with ``grad`` over points of shape (..., 2).
    point : array_like, shape (2,)
        Finite.
    n : int, default 73
        Number of angles, 2 to `MAX_ANGLES` (73 is one every 5°).

    Returns
    -------
    DirectionalDerivatives

    Notes
    -----
    D_e f = ∇f·e = ‖∇f‖ cos(a − θ) with θ the angle of ∇f: largest (= ‖∇f‖) along ∇f, zero across it, most
    negative (= −‖∇f‖) against it. The gradient is the direction of steepest ascent.

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> d = directional_derivatives(FUNCTIONS["saddle"], [0.0, 1.0], n=5)
    >>> d.grad.tolist(), d.grad_angle_deg, (d.values.round(12) + 0.0).tolist()
    ([0.0, -2.0], 270.0, [0.0, -2.0, 0.0, 2.0, 0.0])
    """
    try:
        p = np.asarray(point, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"point={point!r} must be two finite real numbers") from None
    if p.shape != (2,) or not np.isfinite(p).all():
        raise ValueError(f"point={point!r} must be two finite real numbers")
    n = _count(n, "n", 2, MAX_ANGLES)
    g = np.asarray(fn2d.grad(p), dtype=np.float64).reshape(2)
    if not np.isfinite(g).all():
        raise ValueError(f"point={point!r}: the gradient is not finite there")
    angles = np.linspace(0.0, 360.0, n)
    rad = np.radians(angles)
    values = g[0] * np.cos(rad) + g[1] * np.sin(rad)
    norm = float(np.hypot(g[0], g[1]))
    theta = float(np.degrees(np.arctan2(g[1], g[0])) % 360.0)
    return DirectionalDerivatives(angles_deg=angles, values=values, grad=g, grad_norm=norm,
                                  grad_angle_deg=theta, max_value=norm)


def slopes_along(fn2d, point, angles_deg=None, h: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """Slopes of f along unit vectors e, measured by walking: (f(p + h e) − f(p − h e)) / 2h.

    An independent check of ∇f·e that uses only values of f. ``angles_deg`` defaults to every 15°.
    Returns (angles_deg, slopes).
    """
    p = np.asarray(point, dtype=np.float64)
    if p.shape != (2,) or not np.isfinite(p).all():
        raise ValueError(f"point={point!r} must be two finite real numbers")
    a = np.arange(0.0, 360.0, 15.0) if angles_deg is None else np.asarray(angles_deg, dtype=np.float64)
    if a.ndim != 1 or not 1 <= len(a) <= MAX_ANGLES or not np.isfinite(a).all():
        raise ValueError(f"angles_deg must be 1 to {MAX_ANGLES} finite angles")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h={h!r} must be a positive step")
    e = np.stack([np.cos(np.radians(a)), np.sin(np.radians(a))], axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        return a, (fn2d.f(p + h * e) - fn2d.f(p - h * e)) / (2 * h)

"""Critical points of a 2-D function (∇f = 0) and their kind by the signs of the Hessian's eigenvalues.

Multi-start root finding: Newton's method on ∇f = 0 runs from a grid of starts all at once (it heads for
the nearest critical point of any kind, which is what we want here), scipy's MINPACK ``hybr`` polishes the
stragglers, and the survivors are de-duplicated, sorted by value and classified.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, V), as in the formulas they implement
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from core.landscapes import Function2D, check_bounds

__all__ = ["CriticalPoint", "classify", "find_critical_points", "MAX_STARTS", "NEWTON_ITERATIONS", "ACCEPT_GRAD",
           "MERGE_DISTANCE"]

MAX_STARTS = 60  # starts per side of the start grid
NEWTON_ITERATIONS = 60  # vectorized Newton sweeps before polishing
ACCEPT_GRAD = 1e-7  # a point counts as critical when ‖∇f‖ is below this
MERGE_DISTANCE = 1e-5  # points closer than this × the window size are one point
MAX_STEP = 0.25  # a Newton step is at most this × the window size (keeps far-flung starts in view)
STEP_TOL = 1e-14  # Newton stops for all starts once every step is below this × the largest step
POLISH_MARGIN = 0.1  # unconverged starts farther outside than this × the window size are dropped unpolished
MARGIN = 1e-6  # points this far (× window size) outside the window still count as inside


@dataclass(frozen=True)
class CriticalPoint:
    """A point with ∇f ≈ 0, f there, and the eigen-decomposition of the Hessian that decides its kind."""

    point: np.ndarray  # (2,)
    value: float
    gradient_norm: float
    eigenvalues: np.ndarray  # (2,), ascending
    eigenvectors: np.ndarray  # (2, 2), columns, as numpy.linalg.eigh returns them
    kind: str  # "minimum", "maximum", "saddle" or "degenerate"


def classify(eigenvalues, tol: float = 1e-8) -> str:
    """The kind of a critical point from the eigenvalues of its Hessian (second-order test).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        Real eigenvalues of the Hessian, n ≥ 1, finite.
    tol : float, default 1e-8
        Relative threshold below which an eigenvalue counts as zero, ≥ 0.

    Returns
    -------
    str
        ``"degenerate"`` if some |λ| ≤ tol·max(1, max|λ|) (the test is inconclusive), else ``"minimum"`` if all
        λ > 0, ``"maximum"`` if all λ < 0, ``"saddle"`` if the signs are mixed.

    Notes
    -----
    Near a critical point p*, f(p* + h) ≈ f(p*) + ½ hᵀHh = f(p*) + ½ Σ λᵢ (uᵢ·h)²: the signs of the λᵢ say
    whether f rises or falls along each eigenvector uᵢ. A zero λ leaves that direction to higher-order terms.

    Examples
    --------
    >>> classify([-2.0, 2.0]), classify([0.0, 2.0]), classify([1.0, 3.0])
    ('saddle', 'degenerate', 'minimum')
    """
    try:
        lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
        tol = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"eigenvalues={eigenvalues!r} and tol={tol!r} must be numbers") from None
    if lam.size == 0 or not np.isfinite(lam).all():
        raise ValueError(f"eigenvalues={eigenvalues!r} must be a non-empty list of finite numbers")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol={tol!r} must be a finite number >= 0")
    if np.any(np.abs(lam) <= tol * max(1.0, float(np.max(np.abs(lam))))):
        return "degenerate"
    if np.all(lam > 0):
        return "minimum"
    if np.all(lam < 0):
        return "maximum"
    return "saddle"


def _newton_all(fn: Function2D, P: np.ndarray, max_step: float) -> np.ndarray:
    """Damped Newton on ∇f = 0 from every row of P at once; rows that blow up become nan."""
    tiny = STEP_TOL * max_step
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_ITERATIONS):
            g = fn.grad(P)
            H = fn.hess(P)
            ok = np.isfinite(g).all(axis=-1) & np.isfinite(H).all(axis=(-2, -1))
            H, g = np.where(ok[:, None, None], H, 0.0), np.where(ok[:, None], g, 0.0)
            step = (np.linalg.pinv(H) @ g[..., None])[..., 0]
            length = np.linalg.norm(step, axis=-1)
            step *= np.minimum(1.0, max_step / np.where(length > 0, length, 1.0))[:, None]
            P = P - step
            P[~ok | ~np.isfinite(P).all(axis=1)] = np.nan
            # Stop on the step, not on ‖∇f‖: near a degenerate point ‖∇f‖ is tiny long before p is close.
            if not np.any(length > tiny):
                break
    return P


def _inside(P: np.ndarray, x0: float, x1: float, y0: float, y1: float, margin: float) -> np.ndarray:
    """Rows of P inside the window widened by margin on every side."""
    return (P[:, 0] >= x0 - margin) & (P[:, 0] <= x1 + margin) & (P[:, 1] >= y0 - margin) & (P[:, 1] <= y1 + margin)


def _polish(fn: Function2D, p: np.ndarray, tol: float) -> np.ndarray:
    """scipy.optimize.root (MINPACK hybr with the exact Jacobian ∇²f) from p; p itself if that is no better."""
    with np.errstate(all="ignore"):
        sol = scipy.optimize.root(fn.grad, p, jac=fn.hess, method="hybr", tol=tol)
        q = np.asarray(sol.x, dtype=np.float64)
        better = np.isfinite(q).all() and np.linalg.norm(fn.grad(q)) < np.linalg.norm(fn.grad(p))
    return q if better else p


def find_critical_points(fn: Function2D, bounds=None, starts: int = 15, tol: float = 1e-10) -> list[CriticalPoint]:
    """All critical points of fn that multi-start Newton finds inside a window, sorted by value.

    Parameters
    ----------
    fn : Function2D
        Anything with vectorized ``f``, ``grad``, ``hess`` over points (..., 2).
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        The window; defaults to ``fn.bounds``.
    starts : int, default 15
        Starts per side: a starts × starts grid of cell centres, 2 to `MAX_STARTS`.
    tol : float, default 1e-10
        Points with ‖∇f‖ > tol after Newton are polished by scipy to this tolerance. 0 < tol < `ACCEPT_GRAD`.

    Returns
    -------
    list of CriticalPoint
        Points inside the window (up to a margin of 1e-6 × its size) with ‖∇f‖ < `ACCEPT_GRAD`, merged when
        closer than `MERGE_DISTANCE` × the window size, sorted by f (then x, then y).

    Notes
    -----
    Newton's iteration p ← p − H⁻¹∇f solves ∇f = 0, so it converges to minima, maxima and saddles alike. H⁻¹
    is the pseudo-inverse (singular H at degenerate points), and a step is at most `MAX_STEP` × the window size.
    Kinds come from `classify` on the eigenvalues of H (numpy.linalg.eigh).

    A continuum of critical points is sampled, not enumerated: for L = (1 − w₁w₂)² every point of the
    hyperbola w₁w₂ = 1 is a minimum, the Hessian there, 2(w₂, w₁)(w₂, w₁)ᵀ, has eigenvalues 0 and 2(w₁² + w₂²),
    and each start lands somewhere on it. Those points come back as ``"degenerate"`` — correct for the
    second-order test, which cannot tell a valley of minima from a flat saddle.

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> [(c.kind, c.point.round(6).tolist()) for c in find_critical_points(FUNCTIONS["double_well"])]
    [('minimum', [-1.0, 0.0]), ('minimum', [1.0, 0.0]), ('saddle', [0.0, 0.0])]
    """
    (x0, x1), (y0, y1) = check_bounds(fn.bounds if bounds is None else bounds)
    if isinstance(starts, bool) or not isinstance(starts, int | np.integer) or not 2 <= starts <= MAX_STARTS:
        raise ValueError(f"starts={starts!r} must be an integer from 2 to {MAX_STARTS}")
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"tol={tol!r} must be a number between 0 and {ACCEPT_GRAD:g}") from None
    if not 0 < tol < ACCEPT_GRAD:
        raise ValueError(f"tol={tol!r} must be a number between 0 and {ACCEPT_GRAD:g}")
    scale = max(x1 - x0, y1 - y0)
    frac = (np.arange(starts) + 0.5) / starts
    GX, GY = np.meshgrid(x0 + frac * (x1 - x0), y0 + frac * (y1 - y0))
    P = _newton_all(fn, np.column_stack([GX.ravel(), GY.ravel()]), MAX_STEP * scale)
    P = P[np.isfinite(P).all(axis=1)]
    P = P[_inside(P, x0, x1, y0, y1, POLISH_MARGIN * scale)]  # starts that wandered off are not worth polishing
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(fn.grad(P), axis=-1)
    P = np.array([p if n <= tol else _polish(fn, p, tol) for p, n in zip(P, norms)]).reshape(-1, 2)
    P = P[_inside(P, x0, x1, y0, y1, MARGIN * scale)]
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(fn.grad(P), axis=-1)
    P, norms = P[norms < ACCEPT_GRAD], norms[norms < ACCEPT_GRAD]
    # Merge near-duplicates, keeping the point with the smallest gradient of each cluster.
    order = np.argsort(norms, kind="stable")
    kept: list[int] = []
    for i in order:
        if not kept or np.min(np.linalg.norm(P[kept] - P[i], axis=1)) >= MERGE_DISTANCE * scale:
            kept.append(int(i))
    P, norms = P[kept], norms[kept]
    values = np.asarray(fn.f(P), dtype=np.float64).reshape(-1)
    order = np.lexsort((P[:, 1], P[:, 0], values))
    lam, V = np.linalg.eigh(fn.hess(P)) if len(P) else (np.empty((0, 2)), np.empty((0, 2, 2)))
    return [CriticalPoint(point=P[i].copy(), value=float(values[i]), gradient_norm=float(norms[i]),
                          eigenvalues=lam[i], eigenvectors=V[i], kind=classify(lam[i])) for i in order]

"""Everything the point inspector shows about f at one point: gradient, Hessian, quadratic model slices."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Inspection", "inspect_point", "near_saddle_start"]


@dataclass(frozen=True)
class Inspection:
    """f at a point and its second-order Taylor model along the Hessian's eigenvectors."""

    point: np.ndarray
    value: float
    grad: np.ndarray
    hess: np.ndarray
    eigenvalues: np.ndarray  # ascending
    eigenvectors: np.ndarray  # columns
    grad_arrow: np.ndarray  # end of an arrow along −∇f, length ∝ ‖∇f‖ capped at `span`
    eig_arrows: np.ndarray  # (2, 2): ends of arrows along each eigenvector, length span·|λᵢ|/max|λ|
    offsets: np.ndarray  # t along each eigenvector
    true: np.ndarray  # (2, len(offsets)): f(p + t·uᵢ)
    model: np.ndarray  # (2, len(offsets)): f(p) + t·∇f·uᵢ + ½t²λᵢ


def inspect_point(fn, point, span: float, n: int = 81) -> Inspection:
    """Gradient, Hessian and the quadratic model of ``fn`` at ``point``.

    Parameters
    ----------
    fn : object with ``f``, ``grad``, ``hess`` over points of shape (..., 2)
    point : array_like, shape (2,)
    span : float
        Drawing scale: the longest arrow and the half-width of the slices, > 0.
    n : int
        Points per slice.

    Returns
    -------
    Inspection

    Notes
    -----
    L(θ) ≈ L(θ') + gᵀ(θ − θ') + ½(θ − θ')ᵀH(θ − θ'). Along a unit eigenvector u with eigenvalue λ this is
    L(θ') + t·gᵀu + ½λt², which is what ``model`` holds.
    """
    p = np.asarray(point, dtype=float)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"point={point!r} must be two finite numbers")
    if not (np.isfinite(span) and span > 0):
        raise ValueError(f"span={span!r} must be a finite number > 0")
    # a typed formula may be undefined at p (log of a negative number): the results are then nan, never an error
    with np.errstate(all="ignore"):
        g, H = np.asarray(fn.grad(p), dtype=float), np.asarray(fn.hess(p), dtype=float)
        if np.all(np.isfinite(H)):
            lam, vecs = np.linalg.eigh(H)
        else:
            lam, vecs = np.full(2, np.nan), np.eye(2)
        gnorm = float(np.linalg.norm(g))
        grad_arrow = p - span * min(1.0, gnorm) * (g / gnorm if gnorm > 0 else np.zeros(2))
        top = float(np.max(np.abs(lam)))
        lengths = span * np.abs(lam) / top if top > 0 else np.zeros(2)
        eig_arrows = p[None, :] + (vecs * lengths).T
        t = np.linspace(-span, span, n)
        pts = p[None, None, :] + t[None, :, None] * vecs.T[:, None, :]
        true = np.asarray(fn.f(pts), dtype=float)
        model = float(fn.f(p)) + t[None, :] * (vecs.T @ g)[:, None] + 0.5 * lam[:, None] * t[None, :] ** 2
    return Inspection(p, float(fn.f(p)), g, H, lam, vecs, grad_arrow, eig_arrows, t, true, model)


def near_saddle_start(fn, saddle, along: float, across: float) -> np.ndarray:
    """A start point next to a saddle: ``along`` on its attracting direction, ``across`` on its escaping one.

    Parameters
    ----------
    fn : object with ``hess``
    saddle : array_like, shape (2,)
    along : float
        Offset along the eigenvector of the largest eigenvalue (gradient descent is pulled back along it).
    across : float
        Offset along the eigenvector of the smallest (negative) eigenvalue; tiny means a long plateau.

    Returns
    -------
    numpy.ndarray, shape (2,)

    Notes
    -----
    Near a saddle, gradient descent with step η multiplies the offset along eigenvector uᵢ by (1 − ηλᵢ):
    the ``along`` part shrinks, the ``across`` part grows by (1 + η|λ|) per step, so it needs about
    log(1/across)/log(1 + η|λ|) steps to leave: the plateau.
    """
    s = np.asarray(saddle, dtype=float)
    lam, vecs = np.linalg.eigh(np.asarray(fn.hess(s), dtype=float))
    return s + along * vecs[:, -1] + across * vecs[:, 0]

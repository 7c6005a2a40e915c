"""Condition numbers, sensitivity of Ax = b, and gradient descent on the quadratic ½‖Ax − b‖².

κ measures how much a small relative change of the input can change the output: for Ax = b,
‖δx‖/‖x‖ ≤ κ(A) ‖δb‖/‖b‖. This module computes κ both ways (eigenvalues and singular values), samples
perturbations of b and of A to show the bound, counts the digits lost on Hilbert matrices, and runs
gradient descent, Newton and conjugate gradients on f(x) = ½‖Ax − b‖², whose Hessian is AᵀA.
"""
# ruff: noqa: N802, N803, N806, N815 -- matrices are capitals (A, H, M), as in the formulas they implement
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np

from core._checks import count as _count
from core._checks import number as _positive

__all__ = [
    "MAX_N", "MAX_ABS_ENTRY", "MAX_MATRIX_TEXT", "MAX_STEPS", "MAX_SAMPLES", "MAX_GRID", "OUTLINE_POINTS",
    "DIVERGED_LOSS", "HILBERT_DIGITS", "MatrixError", "Cloud", "HilbertDigits", "GDRun",
    "parse_matrix", "rotation", "matrix_from_svd", "cond_numbers",
    "perturb_b", "perturb_A", "worst_b_direction", "circle", "image_of_circle", "hilbert_digits",
    "loss", "grad", "fd_grad", "hessian", "hessian_eig", "lr_limits",
    "gd_quadratic", "gd_run", "newton_path", "cg_path", "iterations_vs_kappa", "loss_grid", "view_window",
    "start_point", "divergence_threshold", "DIVERGED_FACTOR",
]

MAX_N = 6
MAX_ABS_ENTRY = 1e6
MAX_MATRIX_TEXT = 600  # characters
MAX_STEPS = 5000
MAX_SAMPLES = 10_000  # perturbations per cloud
MAX_GRID = 401  # points per side of a loss grid
OUTLINE_POINTS = 181  # points on a circle or ellipse outline (closed: the last repeats the first)
DIVERGED_LOSS = 1e150  # a loss above this counts as diverged; far below overflow, so no warning fires
DIVERGED_FACTOR = 1e8  # ... and so does a loss 10⁸ times its start: on a quadratic it only grows from there
HILBERT_DIGITS = 60  # mpmath precision for κ(H_n); κ(H_14) ≈ 1.8e19 needs ~20 digits beyond float64

_LIMITS = {"max_n": MAX_N, "max_abs": MAX_ABS_ENTRY}
_ROWS = re.compile(r"[;\n]+")  # NFKC has already turned "；" into ";"
_ENTRIES = re.compile(r"[\s,]+")  # ... and "，" into ","
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FORMATS = {"float32": np.float32, "float64": np.float64}


class MatrixError(ValueError):
    """A matrix typed by a user was refused.

    Attributes
    ----------
    code : str
        One of "empty", "too_long", "bad_token", "not_square", "too_big", "too_large".
    token : str
        The offending token; for "too_long" the number of characters; for "too_big" the largest
        dimension; for "not_square" the shape "RxC", or the row lengths "2,1" when rows differ.
    limits : dict
        ``max_n``, ``max_abs``.
    """

    def __init__(self, code: str, token: str):
        self.code = code
        self.token = token
        self.limits = dict(_LIMITS)
        super().__init__(f"{code}: {token!r} (accepted: a square matrix of 1x1 to {MAX_N}x{MAX_N} finite numbers, "
                         f"|a_ij| <= {MAX_ABS_ENTRY:g}; at most {MAX_MATRIX_TEXT} characters)")


@dataclass(frozen=True)
class Cloud:
    """Sampled perturbations of Ax = b and what they did to x; row i of each array is one sample."""

    db: np.ndarray  # (k, n) perturbation of b; for perturb_A the residual −δA·x it creates at the old x
    dx: np.ndarray  # (k, n) change of the solution x' − x
    rel_in: np.ndarray  # (k,) ‖δb‖/‖b‖, or ‖δA‖₂/‖A‖₂ = eps
    rel_out: np.ndarray  # (k,) ‖δx‖/‖x‖
    amplification: np.ndarray  # (k,) rel_out / rel_in
    worst: float  # max amplification
    bound: float  # κ₂(A) = σmax/σmin (first-order bound)
    x: np.ndarray  # (n,) unperturbed solution
    bound_exact: float | None = None  # perturb_A: κ/(1 − κ·eps) (inf if κ·eps ≥ 1); perturb_b: = bound
    dA: np.ndarray | None = None  # (k, n, n) perturbations of A (perturb_A only)

    def __post_init__(self):
        if self.bound_exact is None:
            object.__setattr__(self, "bound_exact", self.bound)


@dataclass(frozen=True)
class HilbertDigits:
    """Digits lost solving H_n x = H_n·1 in float32 and float64; dicts are keyed by format name."""

    n: np.ndarray  # sizes
    kappa: np.ndarray  # exact κ₂(H_n)
    digits_lost: dict  # fmt -> array, in [0, available[fmt]]
    rel_error: dict  # fmt -> array ‖x̂ − 1‖/‖1‖ (nan where the solve failed)
    available: dict  # fmt -> −log10(machine epsilon)


@dataclass(frozen=True)
class GDRun:
    """Gradient descent on ½‖Ax − b‖²: every iterate and what happened to it."""

    iterates: np.ndarray  # (steps + 1, n); rows after diverged_at are nan
    losses: np.ndarray  # (steps + 1,)
    grad_norms: np.ndarray  # (steps + 1,)
    diverged_at: int | None  # first step whose iterate is non-finite or whose loss passed divergence_threshold
    converged_at: int | None  # first step with ‖x_k − x*‖ ≤ tol·‖x0 − x*‖
    x_star: np.ndarray  # (n,) the minimiser GD heads for (the one nearest x0)


# --- validation --------------------------------------------------------------------------------------


def _square(A) -> np.ndarray:
    """A as a finite float64 square matrix."""
    try:
        M = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"A={A!r} must be a square matrix of real numbers") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise ValueError(f"A must be a square n x n matrix with n >= 1, got shape {M.shape}")
    if not np.isfinite(M).all():
        raise ValueError("A must have finite entries (no inf or nan)")
    return M


def _vector(v, n: int, name: str) -> np.ndarray:
    """v as a finite float64 vector of length n."""
    try:
        out = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={v!r} must be a vector of {n} real numbers") from None
    if out.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {out.shape}")
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite, got {out}")
    return out






def _tiny(s_max: float, n: int) -> float:
    """Below this a singular value counts as zero: numpy's matrix_rank default σmax·n·eps."""
    return s_max * n * np.finfo(np.float64).eps


def _kappa2(A: np.ndarray) -> float:
    """σmax/σmin, inf when σmin is numerically zero."""
    s = np.linalg.svd(A, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > _tiny(s[0], A.shape[0]) else math.inf


def _x_star(A: np.ndarray, b: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """The minimiser of ½‖Ax − b‖² nearest x0: lstsq solution plus x0's part in the null space of A."""
    x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    _, s, vt = np.linalg.svd(A)
    null = vt[s <= _tiny(s[0], A.shape[0])] if s[0] > 0 else vt
    return x_ls + null.T @ (null @ (x0 - x_ls))


# --- typed matrices and constructed ones ------------------------------------------------------------


def parse_matrix(text: str) -> np.ndarray:
    """Read a square matrix typed by a user.

    Parameters
    ----------
    text : str
        Rows separated by ";" or new lines (also "；"), entries by commas and/or spaces (also "，");
        optionally in brackets, "[[1, 2], [3, 4]]". 1x1 to `MAX_N` x `MAX_N` finite numbers within
        ±`MAX_ABS_ENTRY`, at most `MAX_MATRIX_TEXT` characters. Nothing is evaluated.

    Returns
    -------
    numpy.ndarray of float64, shape (n, n)

    Raises
    ------
    MatrixError
        With ``code``, the offending ``token`` and the ``limits``.

    Notes
    -----
    "[" is dropped and "]" ends a row, so "[[1, 2], [3, 4]]" reads as "1, 2; 3, 4". inf and nan are
    refused ("bad_token"); a literal such as 1e999 that overflows is "too_large".

    Examples
    --------
    >>> parse_matrix("[[1, 2], [3, 4]]").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> parse_matrix("1，0；0 2").tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    if not isinstance(text, str):
        raise MatrixError("bad_token", repr(text))
    if len(text) > MAX_MATRIX_TEXT:
        raise MatrixError("too_long", str(len(text)))
    body = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("[", " ").replace("]", ";")
    rows = [[t for t in _ENTRIES.split(row) if t] for row in _ROWS.split(body)]
    rows = [row for row in rows if row]
    if not rows:
        raise MatrixError("empty", text)
    values = []
    for row in rows:
        for token in row:
            if not _NUMBER.fullmatch(token):
                raise MatrixError("bad_token", token)
            value = float(token)
            if not abs(value) <= MAX_ABS_ENTRY:
                raise MatrixError("too_large", token)
        values.append([float(t) for t in row])
    lengths = [len(row) for row in values]
    if max(len(values), *lengths) > MAX_N:
        raise MatrixError("too_big", str(max(len(values), *lengths)))
    if len(set(lengths)) > 1:
        raise MatrixError("not_square", ",".join(map(str, lengths)))
    if lengths[0] != len(values):
        raise MatrixError("not_square", f"{len(values)}x{lengths[0]}")
    return np.array(values, dtype=np.float64)


def rotation(theta_deg: float) -> np.ndarray:
    """The 2x2 rotation by `theta_deg` degrees counter-clockwise, [[cos θ, −sin θ], [sin θ, cos θ]]."""
    t = math.radians(float(theta_deg))
    if not math.isfinite(t):
        raise ValueError(f"theta_deg={theta_deg!r} must be a finite angle in degrees")
    c, s = math.cos(t), math.sin(t)
    return np.array([[c, -s], [s, c]])


def matrix_from_svd(s1: float, s2: float, theta_deg: float) -> np.ndarray:
    """A symmetric 2x2 matrix with singular values s1, s2 and eigenvectors rotated by θ.

    Parameters
    ----------
    s1, s2 : float
        Singular values (= eigenvalues), finite and ≥ 0.
    theta_deg : float
        Angle of the first eigenvector from the x axis, in degrees.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Notes
    -----
    A = R(θ) diag(s1, s2) R(θ)ᵀ, so κ₂(A) = max(s1, s2)/min(s1, s2).

    Examples
    --------
    >>> np.round(matrix_from_svd(2, 1, 90), 12).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    for name, v in (("s1", s1), ("s2", s2)):
        if not (isinstance(v, int | float | np.number) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{name}={v!r} must be a finite number >= 0")
    R = rotation(theta_deg)
    return (R * np.array([float(s1), float(s2)])) @ R.T


def cond_numbers(A) -> dict:
    """Condition number of a square matrix by singular values and by eigenvalues.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Finite entries.

    Returns
    -------
    dict
        ``"singular"``: σmax/σmin (κ₂, what numpy.linalg.cond returns); ``"eigen"``: max|λ|/min|λ|.
        Each is inf when its denominator is at or below σmax·n·eps (numerically zero).

    Notes
    -----
    κ₂(A) = σmax/σmin bounds ‖δx‖/‖x‖ ÷ ‖δb‖/‖b‖ for Ax = b. The eigenvalue ratio max|λ|/min|λ| equals it
    for normal (e.g. symmetric) matrices, but can be far smaller otherwise: [[1, 1000], [0, 1]] has
    λ = 1, 1 and κ₂ ≈ 1e6. The "zero" threshold σmax·n·eps is numpy's default in matrix_rank, applied to
    both ratios (|λ|min ≥ σmin, so it is the same scale).

    Examples
    --------
    >>> k = cond_numbers([[1, 1000], [0, 1]])
    >>> k["eigen"], round(k["singular"] / 1e6, 4)
    (1.0, 1.0)
    """
    M = _square(A)
    s = np.linalg.svd(M, compute_uv=False)
    lam = np.abs(np.linalg.eigvals(M))
    tiny = _tiny(s[0], M.shape[0])
    singular = float(s[0] / s[-1]) if s[-1] > tiny else math.inf
    eigen = float(lam.max() / lam.min()) if lam.min() > tiny else math.inf
    return {"singular": singular, "eigen": eigen}


# --- perturbations of Ax = b -------------------------------------------------------------------------


def _system(A, b) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validated A, b, the solution x and κ₂(A); refuses singular A and b = 0."""
    M = _square(A)
    v = _vector(b, M.shape[0], "b")
    kappa = _kappa2(M)
    if not math.isfinite(kappa):
        raise ValueError("A is singular (σmin <= σmax·n·eps); accepted: an invertible matrix")
    if not np.any(v):
        raise ValueError("b must not be zero (then x = 0 and relative changes of x are undefined)")
    return M, v, np.linalg.solve(M, v), kappa


def perturb_b(A, b, eps: float, k: int = 200, seed: int = 0) -> Cloud:
    """Perturb b by `k` random vectors of relative size `eps` and measure how far x moves.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Invertible.
    b : array_like, shape (n,)
        Nonzero right-hand side.
    eps : float
        ‖δb‖/‖b‖, > 0.
    k : int, default 200
        Number of samples, 1 to `MAX_SAMPLES`.
    seed : int, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    Cloud

    Notes
    -----
    δb = eps·‖b‖·u with u uniform on the unit sphere; δx = A⁻¹δb (equal to solve(A, b + δb) − x, but
    without the cancellation that would swamp tiny eps). amplification = (‖δx‖/‖x‖)/(‖δb‖/‖b‖) ≤ κ₂(A).

    Examples
    --------
    >>> c = perturb_b([[1, 0], [0, 0.01]], [1, 0], 1e-3)
    >>> bool(c.worst <= c.bound == 100)
    True
    """
    M, v, x, kappa = _system(A, b)
    eps = _positive(eps, "eps")
    k = _count(k, "k", 1, MAX_SAMPLES)
    u = np.random.default_rng(seed).standard_normal((k, M.shape[0]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    db = eps * np.linalg.norm(v) * u
    dx = np.linalg.solve(M, db.T).T  # all k systems in one LAPACK call
    rel_in = np.linalg.norm(db, axis=1) / np.linalg.norm(v)
    rel_out = np.linalg.norm(dx, axis=1) / np.linalg.norm(x)
    amp = rel_out / rel_in
    return Cloud(db=db, dx=dx, rel_in=rel_in, rel_out=rel_out, amplification=amp, worst=float(amp.max()),
                 bound=kappa, x=x)


def perturb_A(A, b, eps: float, k: int = 200, seed: int = 0) -> Cloud:
    """Perturb A by `k` random matrices of relative 2-norm `eps` and measure how far x moves.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Invertible.
    b : array_like, shape (n,)
        Nonzero right-hand side.
    eps : float
        ‖δA‖₂/‖A‖₂, > 0.
    k : int, default 200
        Number of samples, 1 to `MAX_SAMPLES`.
    seed : int, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    Cloud
        With ``dA`` (k, n, n), ``db`` = −δA·x, ``rel_in`` = eps and ``bound_exact``.

    Notes
    -----
    δA is Gaussian, rescaled to ‖δA‖₂ = eps·‖A‖₂. (A + δA)(x + δx) = b gives (A + δA)δx = −δA·x, solved
    for all samples in one batched call. To first order ‖δx‖/‖x‖ ≤ κ·eps; exactly
    ‖δx‖/‖x‖ ≤ κ·eps/(1 − κ·eps) when κ·eps < 1, so amplification ≤ κ/(1 − κ·eps) = ``bound_exact``.
    A sample whose A + δA is exactly singular gives nan.

    Examples
    --------
    >>> c = perturb_A([[2, 0], [0, 1]], [1, 1], 1e-3)
    >>> bool(c.worst <= c.bound_exact)
    True
    """
    M, v, x, kappa = _system(A, b)
    eps = _positive(eps, "eps")
    k = _count(k, "k", 1, MAX_SAMPLES)
    n = M.shape[0]
    G = np.random.default_rng(seed).standard_normal((k, n, n))
    dA = G * (eps * np.linalg.norm(M, 2) / np.linalg.norm(G, 2, axis=(1, 2)))[:, None, None]
    db = -(dA @ x)
    try:
        dx = np.linalg.solve(M + dA, db[..., None])[..., 0]
    except np.linalg.LinAlgError:  # only when some A + δA is exactly singular: solve one by one
        dx = np.full((k, n), np.nan)
        for i in range(k):
            try:
                dx[i] = np.linalg.solve(M + dA[i], db[i])
            except np.linalg.LinAlgError:
                pass
    rel_in = np.full(k, eps)
    rel_out = np.linalg.norm(dx, axis=1) / np.linalg.norm(x)
    amp = rel_out / eps
    exact = kappa / (1 - kappa * eps) if kappa * eps < 1 else math.inf
    return Cloud(db=db, dx=dx, rel_in=rel_in, rel_out=rel_out, amplification=amp, worst=float(np.nanmax(amp)),
                 bound=kappa, x=x, bound_exact=exact, dA=dA)


def worst_b_direction(A, b) -> float:
    """The largest amplification any perturbation of b can produce, for this b.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Invertible.
    b : array_like, shape (n,)
        Nonzero.

    Returns
    -------
    float

    Notes
    -----
    sup over δb of (‖A⁻¹δb‖/‖δb‖)·(‖b‖/‖A⁻¹b‖) = ‖A⁻¹‖₂‖b‖/‖A⁻¹b‖ = ‖b‖/(σmin‖x‖). It is ≤ κ₂(A), with
    equality when b lies along the left singular vector of σmax (then x is as short as it can be).

    Examples
    --------
    >>> worst_b_direction([[1, 0], [0, 0.01]], [1, 0])
    100.0
    """
    M, v, x, _ = _system(A, b)
    s_min = np.linalg.svd(M, compute_uv=False)[-1]
    return float(np.linalg.norm(v) / (s_min * np.linalg.norm(x)))


def _outline(L: np.ndarray, m: int) -> np.ndarray:
    """The closed curve L·(cos t, sin t), t ∈ [0, 2π], as (m, 2) points."""
    t = np.linspace(0, 2 * np.pi, _count(m, "m", 3, 10_000))
    return np.stack([np.cos(t), np.sin(t)], axis=1) @ L.T


def circle(eps: float, m: int = OUTLINE_POINTS) -> np.ndarray:
    """The circle of radius `eps`, (m, 2) points: where δb/‖b‖ of `perturb_b` lies (first two coordinates)."""
    return _outline(_positive(eps, "eps") * np.eye(2), m)


def image_of_circle(A, b, eps: float, m: int = OUTLINE_POINTS) -> np.ndarray:
    """The outline of δx/‖x‖ for all δb with ‖δb‖ = eps·‖b‖, projected on the first two coordinates.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Invertible, n ≥ 2.
    b : array_like, shape (n,)
        Nonzero.
    eps : float
        ‖δb‖/‖b‖, > 0.
    m : int, default `OUTLINE_POINTS`
        Points on the closed curve.

    Returns
    -------
    numpy.ndarray, shape (m, 2)
        The ellipse on which (n = 2), or inside which (n > 2), ``perturb_b(A, b, eps).dx[:, :2] / ‖x‖`` lies.

    Notes
    -----
    δx/‖x‖ = K u with K = (eps‖b‖/‖x‖)·A⁻¹ and u on the unit sphere. Its projection P·K (first two rows) has the
    SVD U S Vᵀ, so the projected set is the ellipse U S (cos t, sin t): semi-axes along A⁻¹'s singular vectors,
    eps·‖b‖/(σ_i‖x‖) long when n = 2 — the longest is eps·κ only when b is the worst direction.

    Examples
    --------
    >>> e = image_of_circle([[1, 0], [0, 0.1]], [1, 0], 0.01)
    >>> round(float(np.abs(e[:, 1]).max()), 12)
    0.1
    """
    M, v, x, _ = _system(A, b)
    if M.shape[0] < 2:
        raise ValueError(f"A must be at least 2x2 to draw an outline, got shape {M.shape}")
    K = _positive(eps, "eps") * np.linalg.norm(v) / np.linalg.norm(x) * np.linalg.inv(M)[:2]
    U, S, _ = np.linalg.svd(K, full_matrices=False)
    return _outline(U * S, m)


# --- digits lost on Hilbert matrices -----------------------------------------------------------------


def _hilbert_kappa(n: int) -> float:
    """κ₂(H_n) = λmax/λmin of the symmetric positive definite Hilbert matrix, at HILBERT_DIGITS digits."""
    with mpmath.workdps(HILBERT_DIGITS):
        H = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                H[i, j] = mpmath.mpf(1) / (i + j + 1)
        lam = mpmath.eigsy(H, eigvals_only=True)
        return float(max(lam) / min(lam))


def _hilbert_solve(n: int, dt) -> float:
    """‖x̂ − 1‖/‖1‖ for H_n x = H_n·1 solved in format dt; nan if the solve failed or blew up."""
    H = (1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1)).astype(dt)
    b = np.array([float(sum(Fraction(1, i + j + 1) for j in range(n))) for i in range(n)]).astype(dt)
    with np.errstate(all="ignore"):
        try:
            x = np.linalg.solve(H, b).astype(np.float64)
        except np.linalg.LinAlgError:
            return math.nan
        err = float(np.linalg.norm(x - 1) / math.sqrt(n))
    return err if math.isfinite(err) else math.nan


@lru_cache(maxsize=8)
def _hilbert_table(ns: tuple) -> HilbertDigits:
    kappa = np.array([_hilbert_kappa(n) for n in ns])
    available, digits_lost, rel_error = {}, {}, {}
    for fmt, dt in _FORMATS.items():
        avail = float(-np.log10(np.finfo(dt).eps))
        err = np.array([_hilbert_solve(n, dt) for n in ns])
        with np.errstate(divide="ignore"):
            correct = -np.log10(err)
        lost = np.clip(avail - correct, 0.0, avail)
        available[fmt] = avail
        rel_error[fmt] = err
        digits_lost[fmt] = np.where(np.isnan(err), avail, lost)
    for a in (kappa, *digits_lost.values(), *rel_error.values()):
        a.setflags(write=False)  # shared by every caller of the cache
    n = np.array(ns)
    n.setflags(write=False)
    return HilbertDigits(n=n, kappa=kappa, digits_lost=digits_lost, rel_error=rel_error, available=available)


def hilbert_digits(ns=range(2, 15)) -> HilbertDigits:
    """Digits lost solving Hilbert systems H_n x = b in float32 and float64.

    Parameters
    ----------
    ns : iterable of int, default range(2, 15)
        Sizes, each from 1 to 14.

    Returns
    -------
    HilbertDigits
        Cached per tuple of sizes; its arrays are read-only.

    Notes
    -----
    H_ij = 1/(i + j + 1) (0-based), x_true = (1, …, 1), b = H·x_true computed exactly and rounded to the
    format; H is rounded too and numpy.linalg.solve runs in that format. rel_error = ‖x̂ − x_true‖/‖x_true‖,
    digits_lost = clip(available − (−log10 rel_error), 0, available) with available = −log10(eps): the
    format's digits that came out wrong, roughly log10 κ₂(H_n). κ is computed with mpmath
    (`HILBERT_DIGITS` digits) because numpy's own κ(H_n) is wrong above n ≈ 12.

    Examples
    --------
    >>> h = hilbert_digits((5,))
    >>> round(float(h.kappa[0]) / 1e5, 3)
    4.766
    """
    try:
        key = tuple(int(n) for n in ns)
    except (TypeError, ValueError):
        raise ValueError(f"ns={ns!r} must be integers from 1 to 14") from None
    if not key or any(not 1 <= n <= 14 for n in key):
        raise ValueError(f"ns={ns!r} must be a non-empty list of integers from 1 to 14")
    return _hilbert_table(key)


# --- the quadratic f(x) = ½‖Ax − b‖² -------------------------------------------------------------------


def loss(A, b, X) -> np.ndarray:
    """f(x) = ½‖Ax − b‖² for every x in X, shape (..., n) → (...)."""
    M = np.asarray(A, dtype=np.float64)
    r = np.asarray(X, dtype=np.float64) @ M.T - np.asarray(b, dtype=np.float64)
    return 0.5 * np.sum(r * r, axis=-1)


def grad(A, b, x) -> np.ndarray:
    """Gradient of ½‖Ax − b‖².

    Parameters
    ----------
    A : array_like, shape (n, n)
    b : array_like, shape (n,)
    x : array_like, shape (n,)

    Returns
    -------
    numpy.ndarray, shape (n,)

    Notes
    -----
    f(x + h) = f(x) + hᵀAᵀ(Ax − b) + ½‖Ah‖², so ∇f(x) = Aᵀ(Ax − b).

    Examples
    --------
    >>> grad([[2, 0], [0, 1]], [0, 0], [1, 1]).tolist()
    [4.0, 1.0]
    """
    M = np.asarray(A, dtype=np.float64)
    return M.T @ (M @ np.asarray(x, dtype=np.float64) - np.asarray(b, dtype=np.float64))


def fd_grad(A, b, x, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of ½‖Ax − b‖².

    Parameters
    ----------
    A : array_like, shape (n, n)
    b : array_like, shape (n,)
    x : array_like, shape (n,)
    h : float, default 1e-6
        Step, > 0.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Notes
    -----
    ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h; exact for a quadratic up to rounding (≈ eps·|f|/h).

    Examples
    --------
    >>> np.round(fd_grad([[2, 0], [0, 1]], [0, 0], [1, 1]), 6).tolist()
    [4.0, 1.0]
    """
    h = _positive(h, "h")
    x = np.asarray(x, dtype=np.float64)
    E = h * np.eye(x.size)
    return (loss(A, b, x + E) - loss(A, b, x - E)) / (2 * h)


def hessian(A) -> np.ndarray:
    """Hessian of ½‖Ax − b‖², AᵀA (constant; κ(AᵀA) = κ₂(A)²)."""
    M = np.asarray(A, dtype=np.float64)
    return M.T @ M


def hessian_eig(A) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of AᵀA in ascending order and its eigenvectors as columns (numpy.linalg.eigh)."""
    lam, V = np.linalg.eigh(hessian(_square(A)))
    return lam, V


def lr_limits(A) -> dict:
    """Learning rates that matter for gradient descent on ½‖Ax − b‖².

    Parameters
    ----------
    A : array_like, shape (n, n)

    Returns
    -------
    dict
        ``"divergence"`` 2/λmax, ``"optimal"`` 2/(λmax + λmin), ``"inverse"`` 1/λmax, λ the eigenvalues of
        AᵀA (all inf when A = 0).

    Notes
    -----
    Along eigenvector i the error is multiplied by (1 − lr·λ_i) per step, so GD converges iff
    lr < 2/λmax. max_i |1 − lr·λ_i| is smallest at lr = 2/(λmax + λmin), where it equals (κ − 1)/(κ + 1),
    κ = λmax/λmin. λmin < 0 from rounding is taken as 0 (then optimal = 2/λmax).

    Examples
    --------
    >>> lr_limits([[2, 0], [0, 1]])
    {'divergence': 0.5, 'optimal': 0.4, 'inverse': 0.25}
    """
    lam = np.linalg.eigvalsh(hessian(_square(A)))
    lo, hi = max(float(lam[0]), 0.0), float(lam[-1])
    if hi <= 0:
        return {"divergence": math.inf, "optimal": math.inf, "inverse": math.inf}
    return {"divergence": 2 / hi, "optimal": 2 / (hi + lo), "inverse": 1 / hi}


def _gd_args(A, b, lr, steps, x0) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray]:
    M = _square(A)
    n = M.shape[0]
    return M, _vector(b, n, "b"), _positive(lr, "lr"), _count(steps, "steps", 0, MAX_STEPS), _vector(x0, n, "x0")


def divergence_threshold(f0: float) -> float:
    """The loss above which a run counts as diverged: 10⁸ × the start loss, at most `DIVERGED_LOSS`."""
    return min(DIVERGED_LOSS, DIVERGED_FACTOR * f0) if f0 > 0 else DIVERGED_LOSS


def _descend(M, v, lr, steps, x0) -> tuple[np.ndarray, int | None]:
    """Iterates of x ← x − lr·Aᵀ(Ax − b) and the step where they diverged (None if they did not)."""
    X = np.full((steps + 1, x0.size), np.nan)
    X[0] = x0
    limit = divergence_threshold(loss(M, v, x0))
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            if k:
                X[k] = X[k - 1] - lr * (M.T @ (M @ X[k - 1] - v))
            if not np.isfinite(X[k]).all() or loss(M, v, X[k]) > limit:
                return X, k
    return X, None


def gd_quadratic(A, b, lr: float, steps: int, x0) -> np.ndarray:
    """Plain gradient descent on ½‖Ax − b‖².

    Parameters
    ----------
    A : array_like, shape (n, n)
    b : array_like, shape (n,)
    lr : float
        Learning rate, finite and > 0.
    steps : int
        0 to `MAX_STEPS`.
    x0 : array_like, shape (n,)
        Start.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, n)
        x_0 … x_steps. Once an iterate is non-finite or its loss exceeds `divergence_threshold` of the start
        loss, later rows are nan.

    Notes
    -----
    x_{k+1} = x_k − lr·Aᵀ(Ax_k − b).

    Examples
    --------
    >>> gd_quadratic([[1, 0], [0, 1]], [1, 1], 0.5, 2, [0, 0]).tolist()
    [[0.0, 0.0], [0.5, 0.5], [0.75, 0.75]]
    """
    return _descend(*_gd_args(A, b, lr, steps, x0))[0]


def gd_run(A, b, lr: float, steps: int, x0, tol: float = 1e-6) -> GDRun:
    """Gradient descent on ½‖Ax − b‖² with its losses, gradient norms, divergence and convergence steps.

    Parameters
    ----------
    A, b, lr, steps, x0
        As in `gd_quadratic`.
    tol : float, default 1e-6
        Converged when ‖x_k − x*‖ ≤ tol·‖x0 − x*‖.

    Returns
    -------
    GDRun

    Notes
    -----
    x* is the minimiser nearest x0, x_ls + P_null(x0 − x_ls) with x_ls the lstsq solution: GD never moves
    along the null space of A, so that is where it goes. For invertible A, x* = A⁻¹b.

    Examples
    --------
    >>> gd_run([[1, 0], [0, 1]], [1, 1], 1.0, 3, [0, 0]).converged_at
    1
    """
    M, v, lr, steps, x0 = _gd_args(A, b, lr, steps, x0)
    tol = _positive(tol, "tol")
    X, diverged = _descend(M, v, lr, steps, x0)
    x_star = _x_star(M, v, x0)
    with np.errstate(all="ignore"):
        losses = loss(M, v, X)
        grad_norms = np.linalg.norm((X @ M.T - v) @ M, axis=1)
        dist = np.linalg.norm(X - x_star, axis=1)
    hit = np.flatnonzero(dist <= tol * dist[0])
    converged = int(hit[0]) if hit.size else None
    return GDRun(iterates=X, losses=losses, grad_norms=grad_norms, diverged_at=diverged, converged_at=converged,
                 x_star=x_star)


def newton_path(A, b, x0) -> np.ndarray:
    """One Newton step on ½‖Ax − b‖²: [x0, x0 − H⁻¹∇f(x0)], shape (2, n).

    Notes
    -----
    f is quadratic, so its second-order model is exact and one step lands on a minimiser. H = AᵀA; when H is
    singular the step is the least-squares (pseudo-inverse) solution of H·p = ∇f(x0).

    Examples
    --------
    >>> newton_path([[2, 0], [0, 1]], [2, 3], [0, 0])[1].tolist()
    [1.0, 3.0]
    """
    M = _square(A)
    n = M.shape[0]
    v, x0 = _vector(b, n, "b"), _vector(x0, n, "x0")
    H, g = hessian(M), grad(M, v, x0)
    if math.isfinite(_kappa2(M)):
        step = np.linalg.solve(H, g)
    else:
        step = np.linalg.lstsq(H, g, rcond=None)[0]
    return np.stack([x0, x0 - step])


def cg_path(A, b, x0, tol: float = 1e-12) -> np.ndarray:
    """Conjugate gradient on the normal equations AᵀA x = Aᵀb, every iterate.

    Parameters
    ----------
    A : array_like, shape (n, n)
    b : array_like, shape (n,)
    x0 : array_like, shape (n,)
    tol : float, default 1e-12
        Stop when ‖Aᵀb − AᵀA x‖ ≤ tol·‖Aᵀb‖.

    Returns
    -------
    numpy.ndarray, shape (k + 1, n), k ≤ n

    Notes
    -----
    r_0 = Aᵀb − Hx_0, p_0 = r_0; α = rᵀr/pᵀHp, x ← x + αp, r' = r − αHp, p ← r' + (r'ᵀr'/rᵀr)p. The search
    directions are H-conjugate, so in exact arithmetic CG reaches the minimiser in at most n steps.

    Examples
    --------
    >>> len(cg_path([[2, 0], [0, 1]], [2, 3], [0, 0]))
    3
    """
    M = _square(A)
    n = M.shape[0]
    v, x = _vector(b, n, "b"), _vector(x0, n, "x0")
    tol = _positive(tol, "tol")
    H, rhs = hessian(M), M.T @ v
    stop = tol * np.linalg.norm(rhs)
    r = rhs - H @ x
    p = r.copy()
    path = [x]
    for _ in range(n):
        if np.linalg.norm(r) <= stop:
            break
        Hp = H @ p
        curv = p @ Hp
        if curv <= 0:  # p lies in the null space of H: nothing left to minimise along it
            break
        alpha = (r @ r) / curv
        x = x + alpha * p
        r_new = r - alpha * Hp
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
        path.append(x)
    return np.array(path)


def iterations_vs_kappa(kappas, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Gradient-descent steps needed versus the condition number of the Hessian.

    Parameters
    ----------
    kappas : array_like
        Condition numbers κ ≥ 1 of the Hessian.
    tol : float, default 1e-6
        Target ‖x_k − x*‖ ≤ tol·‖x0 − x*‖, 0 < tol < 1.

    Returns
    -------
    measured : numpy.ndarray of int
        First step reaching the target, by running GD (`MAX_STEPS` if never reached).
    theory : numpy.ndarray of float
        log(tol)/log((κ − 1)/(κ + 1)), at least 1.

    Notes
    -----
    A = diag(1, 1/√κ), so H = AᵀA = diag(1, 1/κ); b = 0, x* = 0, x0 = (1, 1)/√2; lr = 2/(1 + 1/κ), the optimal
    rate. Both coordinates are then multiplied by ±(κ − 1)/(κ + 1) per step, so the error after k steps is
    ((κ − 1)/(κ + 1))^k and k ≈ log(tol)/log((κ − 1)/(κ + 1)) ≈ (κ/2)·ln(1/tol) for large κ. At κ = 1 the ratio is
    0 and one step suffices. All κ are run together, one vectorized step at a time.

    Examples
    --------
    >>> measured, theory = iterations_vs_kappa([1, 10])
    >>> measured.tolist(), np.ceil(theory).tolist()
    ([1, 69], [1.0, 69.0])
    """
    try:
        kap = np.atleast_1d(np.asarray(kappas, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"kappas={kappas!r} must be numbers >= 1") from None
    if kap.ndim != 1 or not (np.isfinite(kap).all() and (kap >= 1).all()):
        raise ValueError(f"kappas={kappas!r} must be a 1-D list of finite numbers >= 1")
    tol = _positive(tol, "tol")
    if tol >= 1:
        raise ValueError(f"tol={tol!r} must be between 0 and 1")
    lam = np.stack([np.ones_like(kap), 1 / kap], axis=1)  # Hessian eigenvalues per κ
    lr = 2 / (1 + 1 / kap)
    factor = 1 - lr[:, None] * lam  # H is diagonal, so a GD step multiplies each coordinate
    x = np.full((kap.size, 2), 1 / math.sqrt(2))
    measured = np.full(kap.size, MAX_STEPS)
    todo = np.ones(kap.size, dtype=bool)
    for k in range(1, MAX_STEPS + 1):
        x = x * factor
        done = todo & (np.linalg.norm(x, axis=1) <= tol)
        measured[done] = k
        todo &= ~done
        if not todo.any():
            break
    ratio = (kap - 1) / (kap + 1)
    with np.errstate(divide="ignore"):
        theory = np.maximum(np.log(tol) / np.log(ratio), 1.0)  # log 0 = −inf → 0 → 1 step at κ = 1
    return measured, theory


# --- pictures of the loss ------------------------------------------------------------------------------


def loss_grid(A, b, center, half_width: float, n: int = 61) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """½‖Ax − b‖² on an n x n grid around `center`, for a 2x2 A.

    Parameters
    ----------
    A : array_like, shape (2, 2)
    b : array_like, shape (2,)
    center : array_like, shape (2,)
    half_width : float
        > 0; the grid spans center ± half_width on both axes.
    n : int, default 61
        Points per side, 2 to `MAX_GRID`.

    Returns
    -------
    xs, ys : numpy.ndarray, shape (n,)
    Z : numpy.ndarray, shape (n, n)
        Z[i, j] = f(xs[j], ys[i]) (rows follow y, as contour plots expect).

    Examples
    --------
    >>> xs, ys, Z = loss_grid([[1, 0], [0, 1]], [0, 0], [0, 0], 1.0, n=3)
    >>> Z.tolist()
    [[1.0, 0.5, 1.0], [0.5, 0.0, 0.5], [1.0, 0.5, 1.0]]
    """
    M = _square(A)
    if M.shape != (2, 2):
        raise ValueError(f"A must be 2x2 for a loss grid, got shape {M.shape}")
    v, c = _vector(b, 2, "b"), _vector(center, 2, "center")
    hw = _positive(half_width, "half_width")
    n = _count(n, "n", 2, MAX_GRID)
    xs = np.linspace(c[0] - hw, c[0] + hw, n)
    ys = np.linspace(c[1] - hw, c[1] + hw, n)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, loss(M, v, np.stack([XX, YY], axis=-1))


def view_window(A, b, x0) -> tuple[np.ndarray, float]:
    """A square window (center, half_width) centred on the minimiser nearest x0 that contains x0 with a margin.

    Notes
    -----
    half_width = 1.3·‖x0 − x*‖∞, or 1 when x0 = x* (nothing to frame but the minimum).

    Examples
    --------
    >>> c, hw = view_window([[1, 0], [0, 1]], [1, 1], [3, 1])
    >>> c.tolist(), round(hw, 6)
    ([1.0, 1.0], 2.6)
    """
    M = _square(A)
    n = M.shape[0]
    v, x0 = _vector(b, n, "b"), _vector(x0, n, "x0")
    x_star = _x_star(M, v, x0)
    d = float(np.max(np.abs(x0 - x_star)))
    floor = 1e-9 * max(1.0, float(np.max(np.abs(x_star))))
    return x_star, 1.3 * d if d > floor else 1.0


def start_point(A, b, angle_deg: float) -> np.ndarray:
    """A start point at distance 1 from the least-squares solution, in direction ``angle_deg``.

    Parameters
    ----------
    A : (n, n) array_like
    b : (n,) array_like
    angle_deg : float
        Direction in the plane of the first two coordinates (for n = 1, only its cosine is used).

    Returns
    -------
    numpy.ndarray
        ``x* + (cos θ, sin θ, 0, …, 0)`` truncated to n entries, x* = lstsq(A, b).

    Examples
    --------
    >>> start_point(np.eye(2), np.ones(2), 90.0).round(12)
    array([1., 2.])
    """
    A = np.asarray(A, dtype=float)
    x_star = np.linalg.lstsq(A, np.asarray(b, dtype=float), rcond=None)[0]
    theta = np.radians(angle_deg)
    direction = np.zeros(max(2, x_star.size))
    direction[:2] = np.cos(theta), np.sin(theta)
    return x_star + direction[: x_star.size]

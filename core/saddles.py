"""Escaping saddle points, and why saddles outnumber minima in high dimensions.

Four ways to move near a saddle of a 2-D function — gradient descent (plain and perturbed), Newton's
method, saddle-free Newton — and one step along negative curvature; then the eigenvalue signs of random
symmetric matrices, and the deep linear chain y = w_k⋯w₁x whose origin is a flat saddle for k ≥ 3.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (H, V, A), as in the formulas they implement
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core._checks import count as _count
from core._checks import number as _number
from core._checks import reals as _reals

__all__ = [
    "MAX_STEPS", "GRAD_TOL", "DIVERGED_FACTOR", "PGD_WAIT_TIME", "PGD_TRIES", "SINGULAR_COND",
    "MAX_N", "MAX_SAMPLES", "MAX_ENTRIES", "MAX_DEPTH",
    "Path", "gradient_descent", "newton", "saddle_free_newton", "negative_curvature_step",
    "positive_fraction", "all_positive_probability", "chain_loss_along", "chain_hessian_at_origin",
]

MAX_STEPS = 5000
GRAD_TOL = 1e-10  # ‖∇f‖ at or below this counts as converged
DIVERGED_FACTOR = 1e12  # |f| > DIVERGED_FACTOR·(1 + |f(start)|) counts as diverged
PGD_WAIT_TIME = 2.5  # perturbed GD judges a perturbation after ceil(PGD_WAIT_TIME / lr) steps (lr × steps = time)
PGD_TRIES = 2  # ... and stops, converged, after this many perturbations in a row that led nowhere lower
SINGULAR_COND = 1e12  # Newton uses least squares when cond(H) is above this
MAX_N = 400  # matrix size for positive_fraction
MAX_SAMPLES = 2000  # matrices per call
MAX_ENTRIES = 4e7  # n·n·samples
MAX_DEPTH = 64  # layers of the deep linear chain


@dataclass(frozen=True)
class Path:
    """The iterates of one optimizer run and why it stopped."""

    points: np.ndarray  # (steps + 1, 2)
    values: np.ndarray  # (steps + 1,) f at each point
    grad_norms: np.ndarray  # (steps + 1,) ‖∇f‖ at each point
    stopped: str  # "converged", "max_steps" or "diverged"
    steps: int  # steps taken = len(points) − 1
    perturbed: tuple[int, ...] = ()  # perturbed GD: indices of the points that received noise


# --- validation ---------------------------------------------------------------------------------------


def _point(p, name: str) -> np.ndarray:
    """p as a finite float64 vector of length 2."""
    try:
        out = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={p!r} must be two real numbers") from None
    if out.shape != (2,) or not np.isfinite(out).all():
        raise ValueError(f"{name}={p!r} must be two finite real numbers")
    return out






# --- optimizers near a saddle ---------------------------------------------------------------------------


class _Recorder:
    """Collects iterates and decides when a run has diverged."""

    def __init__(self, fn, start: np.ndarray):
        self.fn = fn
        self.points, self.values, self.norms = [start], [float(fn.f(start))], [float(np.linalg.norm(fn.grad(start)))]
        self.limit = DIVERGED_FACTOR * (1 + abs(self.values[0])) if math.isfinite(self.values[0]) else -math.inf
        self.g = np.asarray(fn.grad(start), dtype=np.float64)

    def add(self, p: np.ndarray) -> bool:
        """Record p; False when the run diverged (a non-finite p is not recorded, a huge finite one is)."""
        with np.errstate(all="ignore"):
            value = float(self.fn.f(p)) if np.isfinite(p).all() else math.nan
            g = np.asarray(self.fn.grad(p), dtype=np.float64)
        if not (math.isfinite(value) and np.isfinite(g).all()):
            return False
        self.points.append(p)
        self.values.append(value)
        self.norms.append(float(np.linalg.norm(g)))
        self.g = g
        return abs(value) <= self.limit

    def path(self, stopped: str, perturbed=()) -> Path:
        return Path(points=np.array(self.points), values=np.array(self.values), grad_norms=np.array(self.norms),
                    stopped=stopped, steps=len(self.points) - 1, perturbed=tuple(perturbed))


def _run(fn, start, steps: int, step_fn) -> Path:
    """Iterate p ← p − step_fn(p, g) until ‖g‖ ≤ GRAD_TOL, `steps` steps, or divergence."""
    rec = _Recorder(fn, start)
    if not math.isfinite(rec.limit):
        return rec.path("diverged")
    with np.errstate(all="ignore"):
        for _ in range(steps):
            if np.linalg.norm(rec.g) <= GRAD_TOL:
                return rec.path("converged")
            if not rec.add(rec.points[-1] - step_fn(rec.points[-1], rec.g)):
                return rec.path("diverged")
    return rec.path("converged" if np.linalg.norm(rec.g) <= GRAD_TOL else "max_steps")


def gradient_descent(fn, start, lr: float, steps: int, noise: float = 0.0, seed: int = 0) -> Path:
    """Gradient descent, optionally perturbed with Gaussian noise when the gradient is small.

    Parameters
    ----------
    fn : Function2D
        Anything with ``f``, ``grad``, ``hess`` over points (..., 2).
    start : array_like, shape (2,)
    lr : float
        Learning rate η > 0.
    steps : int
        At most this many steps, 0 to `MAX_STEPS`.
    noise : float, default 0
        Standard deviation σ ≥ 0 of the perturbation; 0 is plain gradient descent.
    seed : int, default 0
        Seed of the perturbations (numpy.random.default_rng), ≥ 0.

    Returns
    -------
    Path
        ``stopped`` is "converged" (plain: ‖∇f‖ ≤ `GRAD_TOL`; perturbed: a perturbation led nowhere lower),
        "max_steps" or "diverged" (a non-finite iterate, or |f| > `DIVERGED_FACTOR`·(1 + |f(start)|)).

    Notes
    -----
    Plain: p ← p − η∇f(p). Perturbed (a simple form of Jin et al. 2017, "How to escape saddle points
    efficiently"): when ‖∇f(p)‖ ≤ σ and no perturbation is pending, remember p̃ = p and add ξ ~ N(0, σ²I)
    before the step. After T = ⌈`PGD_WAIT_TIME`/η⌉ steps the perturbation is judged: it failed if f is not at
    least σ² below f(p̃). After `PGD_TRIES` failures in a row the run stops, converged (p̃ was a minimum up to
    noise); a success (an escape from a saddle) resets the count. One failure is not enough: a draw that
    happens to be almost orthogonal to the escape direction leaves the run at the saddle for T steps.

    Near a saddle with Hessian eigenvalue λ < 0 the noise's component along that eigenvector grows by
    (1 + η|λ|) per step, so the run leaves in O(log(1/σ)/(η|λ|)) steps; plain GD started close to the saddle's
    attracting directions sits on a plateau for as long, and forever if it starts exactly on them. At a
    degenerate saddle (λ = 0, e.g. the monkey saddle) the escape is polynomial, not exponential, and can take
    longer than T: the run may then stop there as "converged".

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> run = gradient_descent(FUNCTIONS["saddle"], [1.0, 0.0], 0.5, 100)
    >>> run.stopped, run.steps, run.points[-1].tolist()
    ('converged', 1, [0.0, 0.0])
    """
    start = _point(start, "start")
    lr = _number(lr, "lr", positive=True)
    steps = _count(steps, "steps", 0, MAX_STEPS)
    noise = _number(noise, "noise", positive=False)
    seed = _count(seed, "seed", 0, 2**63 - 1)
    if noise == 0:
        return _run(fn, start, steps, lambda p, g: lr * g)
    rng = np.random.default_rng(seed)
    wait = max(1, math.ceil(PGD_WAIT_TIME / lr))
    rec = _Recorder(fn, start)
    if not math.isfinite(rec.limit):
        return rec.path("diverged")
    perturbed: list[int] = []
    anchor_value, anchor_step, failures = math.nan, None, 0
    with np.errstate(all="ignore"):
        for k in range(steps):
            if anchor_step is not None and k - anchor_step >= wait:
                failures = failures + 1 if rec.values[-1] > anchor_value - noise**2 else 0
                if failures >= PGD_TRIES:
                    return rec.path("converged", perturbed)
                anchor_step = None
            p = rec.points[-1]
            if anchor_step is None and np.linalg.norm(rec.g) <= noise:
                anchor_value, anchor_step = rec.values[-1], k
                perturbed.append(k)
                p = p + noise * rng.standard_normal(2)
                g = np.asarray(fn.grad(p), dtype=np.float64)
            else:
                g = rec.g
            if not rec.add(p - lr * g):
                return rec.path("diverged", perturbed)
    return rec.path("max_steps", perturbed)


def newton(fn, start, steps: int, damping: float = 0.0) -> Path:
    """Newton's method on ∇f = 0, which heads for the nearest critical point of any kind.

    Parameters
    ----------
    fn : Function2D
    start : array_like, shape (2,)
    steps : int
        0 to `MAX_STEPS`.
    damping : float, default 0
        Levenberg damping μ ≥ 0 added to the Hessian's diagonal.

    Returns
    -------
    Path

    Notes
    -----
    p ← p − (H + μI)⁻¹∇f(p) jumps to the critical point of the local quadratic model f(p) + gᵀh + ½hᵀHh — a
    minimum of the model only if H is positive definite. Near a saddle the model's critical point is the saddle,
    and Newton converges to it (quadratically). When cond(H + μI) > `SINGULAR_COND` the step is the
    least-squares solution (numpy.linalg.lstsq).

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> newton(FUNCTIONS["saddle"], [0.3, -0.2], 10).points.tolist()
    [[0.3, -0.2], [0.0, 0.0]]
    """
    start = _point(start, "start")
    steps = _count(steps, "steps", 0, MAX_STEPS)
    mu = _number(damping, "damping", positive=False)

    def step(p, g):
        H = np.asarray(fn.hess(p), dtype=np.float64) + mu * np.eye(2)
        if not np.isfinite(H).all():
            return np.full(2, np.nan)
        if np.linalg.cond(H) <= SINGULAR_COND:
            return np.linalg.solve(H, g)
        return np.linalg.lstsq(H, g, rcond=None)[0]

    return _run(fn, start, steps, step)


def saddle_free_newton(fn, start, steps: int, lr: float = 1.0, min_curvature: float = 1e-3) -> Path:
    """Saddle-free Newton: Newton's step with the Hessian's eigenvalues replaced by their absolute values.

    Parameters
    ----------
    fn : Function2D
    start : array_like, shape (2,)
    steps : int
        0 to `MAX_STEPS`.
    lr : float, default 1
        Step scale η > 0.
    min_curvature : float, default 1e-3
        Floor δ > 0 for |λ| (keeps flat directions from producing huge steps).

    Returns
    -------
    Path

    Notes
    -----
    With H = VΛVᵀ: p ← p − η V diag(1/max(|λᵢ|, δ)) Vᵀ ∇f(p) (Dauphin et al. 2014). Along a positive-curvature
    eigenvector this is Newton's step; along a negative one its sign flips, so the step goes downhill, away
    from the saddle, by as much as Newton would have moved towards it.

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> saddle_free_newton(FUNCTIONS["saddle"], [0.5, 0.25], 1).points[-1].tolist()
    [0.0, 0.5]
    """
    start = _point(start, "start")
    steps = _count(steps, "steps", 0, MAX_STEPS)
    lr = _number(lr, "lr", positive=True)
    floor = _number(min_curvature, "min_curvature", positive=True)

    def step(p, g):
        H = np.asarray(fn.hess(p), dtype=np.float64)
        if not np.isfinite(H).all():
            return np.full(2, np.nan)
        lam, V = np.linalg.eigh(H)
        return lr * (V @ ((V.T @ g) / np.maximum(np.abs(lam), floor)))

    return _run(fn, start, steps, step)


def negative_curvature_step(fn, point, size: float) -> tuple[np.ndarray, np.ndarray]:
    """One step of length `size` along the eigenvector of the Hessian's smallest eigenvalue.

    Parameters
    ----------
    fn : Function2D
    point : array_like, shape (2,)
    size : float
        Step length > 0.

    Returns
    -------
    new_point : numpy.ndarray, shape (2,)
        point + size·u.
    direction : numpy.ndarray, shape (2,)
        The unit eigenvector u of the smallest eigenvalue, signed so that f(point + size·u) ≤ f(point − size·u);
        on a tie, so that its first non-zero entry is positive.

    Notes
    -----
    At a critical point f(p + t·u) ≈ f(p) + ½λ_min t²: when λ_min < 0 this lowers f, whatever the sign of u.
    If the smallest eigenvalue is ≥ 0 the step is still taken (there is no negative curvature to use).

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> new, u = negative_curvature_step(FUNCTIONS["two_weight_net"], [0.0, 0.0], 0.5)
    >>> (u * np.sqrt(2)).round(12).tolist(), round(float(FUNCTIONS["two_weight_net"].f(new)), 6)
    ([1.0, 1.0], 0.765625)
    """
    p = _point(point, "point")
    size = _number(size, "size", positive=True)
    H = np.asarray(fn.hess(p), dtype=np.float64)
    if not np.isfinite(H).all():
        raise ValueError(f"the Hessian at point={p.tolist()} is not finite")
    u = np.linalg.eigh(H)[1][:, 0]
    first = u[np.flatnonzero(np.abs(u) > 1e-12)[0]]
    u = u if first > 0 else -u
    with np.errstate(all="ignore"):
        f_plus, f_minus = float(fn.f(p + size * u)), float(fn.f(p - size * u))
    if f_minus < f_plus:
        u = -u
    return p + size * u, u


# --- high dimensions ------------------------------------------------------------------------------------


def positive_fraction(n: int, samples: int, seed: int) -> np.ndarray:
    """Fraction of positive eigenvalues of random symmetric (GOE) matrices.

    Parameters
    ----------
    n : int
        Matrix size, 1 to `MAX_N`.
    samples : int
        Number of matrices, 1 to `MAX_SAMPLES`, with n·n·samples ≤ `MAX_ENTRIES`.
    seed : int
        Seed for numpy.random.default_rng, ≥ 0.

    Returns
    -------
    numpy.ndarray, shape (samples,)
        For each matrix, (number of eigenvalues > 0)/n.

    Notes
    -----
    M = (A + Aᵀ)/√(2n) with A of i.i.d. N(0, 1) entries: its eigenvalues follow Wigner's semicircle on [−2, 2],
    symmetric about 0, so on average half are positive — a random critical point is almost surely a saddle.
    All n positive (a minimum) has a probability that falls faster than 2⁻ⁿ, because the eigenvalues repel;
    for n = 2 it is (2 − √2)/4 ≈ 0.146 instead of ¼.

    Examples
    --------
    >>> positive_fraction(4, 3, seed=0).shape
    (3,)
    """
    n = _count(n, "n", 1, MAX_N)
    samples = _count(samples, "samples", 1, MAX_SAMPLES)
    seed = _count(seed, "seed", 0, 2**63 - 1)
    if n * n * samples > MAX_ENTRIES:
        raise ValueError(f"n*n*samples={n * n * samples} must be at most {MAX_ENTRIES:g}")
    A = np.random.default_rng(seed).standard_normal((samples, n, n))
    lam = np.linalg.eigvalsh((A + np.swapaxes(A, 1, 2)) / math.sqrt(2 * n))
    return np.mean(lam > 0, axis=1)


def all_positive_probability(n: int) -> float:
    """2⁻ⁿ: the chance that n eigenvalues are all positive if each were a fair coin flip.

    Examples
    --------
    >>> all_positive_probability(3)
    0.125
    """
    return 2.0 ** -_count(n, "n", 1, 100_000)


# --- deep linear chain ----------------------------------------------------------------------------------


def chain_loss_along(k: int, t) -> np.ndarray:
    """Loss of the deep linear chain y = w_k⋯w₁·x (x = 1, target 1) at w = t·(1, …, 1)/√k.

    Parameters
    ----------
    k : int
        Depth, 1 to `MAX_DEPTH`.
    t : array_like
        Distances from the origin along the escape direction (any shape).

    Returns
    -------
    numpy.ndarray, same shape as t
        L = (1 − (t/√k)^k)² (inf where it overflows).

    Notes
    -----
    Every weight equals t/√k, so y = (t/√k)^k. Near 0 the loss falls like 1 − 2(t/√k)^k: quadratically for
    k = 2 (a saddle with a negative eigenvalue), but with a k-th power for k ≥ 3, a plateau that is flatter the
    deeper the chain.

    Examples
    --------
    >>> chain_loss_along(2, [0.0, np.sqrt(2)]).tolist()
    [1.0, 0.0]
    """
    k = _count(k, "k", 1, MAX_DEPTH)
    T = _reals(t, "t")
    with np.errstate(over="ignore", invalid="ignore"):
        return (1.0 - (T / math.sqrt(k)) ** k) ** 2


def chain_hessian_at_origin(k: int) -> np.ndarray:
    """Hessian of L(w) = (1 − w_k⋯w₁)² at w = 0.

    Parameters
    ----------
    k : int
        Depth, 1 to `MAX_DEPTH`.

    Returns
    -------
    numpy.ndarray, shape (k, k)
        k = 1: [[2]]; k = 2: [[0, −2], [−2, 0]] (eigenvalues ±2, a saddle); k ≥ 3: all zeros.

    Notes
    -----
    With P = Πwᵢ, ∂²L/∂wᵢ∂wⱼ = 2(∂P/∂wᵢ)(∂P/∂wⱼ) − 2(1 − P)∂²P/∂wᵢ∂wⱼ. At 0, ∂P/∂wᵢ = Π_{l≠i} w_l vanishes
    for k ≥ 2 and ∂²P/∂wᵢ∂wⱼ = Π_{l≠i,j} w_l vanishes for k ≥ 3; for k = 2 it is 1 off the diagonal.

    Examples
    --------
    >>> chain_hessian_at_origin(2).tolist()
    [[0.0, -2.0], [-2.0, 0.0]]
    """
    k = _count(k, "k", 1, MAX_DEPTH)
    if k == 1:
        return np.array([[2.0]])
    if k == 2:
        return np.array([[0.0, -2.0], [-2.0, 0.0]])
    return np.zeros((k, k))

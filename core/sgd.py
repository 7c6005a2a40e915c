"""Stochastic gradients: mini-batch SGD on one-feature linear and logistic regression.

A `Problem` is a seeded data set with two parameters w = (w₀, w₁) (slope/weight and intercept/bias). The loss is
an average over the data, so the gradient of a random mini-batch is an unbiased estimate of the full gradient;
`gradient_noise` measures its spread against the sampling formula (∝ 1/√B) and `gradient_scale` shows why the
batch loss is averaged rather than summed. `minibatch_sgd` runs epochs of shuffled batches and records every
step, `loss_grid` evaluates the loss surface for a contour plot.
"""
# ruff: noqa: N802, N803, N806 -- data matrices are capitals (X, G, W), as in the formulas they implement
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special

from core._checks import count as _count
from core._checks import real as _real

__all__ = [
    "KINDS", "REDUCTIONS", "LAST_BATCH", "MIN_N", "MAX_N", "MAX_NOISE", "LINEAR_W_TRUE", "LINEAR_X_RANGE",
    "LOGISTIC_MEANS", "MAX_LR", "MAX_EPOCHS", "MAX_TOTAL_STEPS", "MAX_ABS_W0", "DIVERGENCE_RADIUS", "MAX_GRID",
    "MAX_GRID_WORK", "MAX_BATCH_SIZES", "MAX_SAMPLES", "MAX_DRAWS", "NOISE_WINDOW",
    "Problem", "Minimum", "SGDRun", "GradientNoise", "GradientScale", "predict", "epoch_axis",
    "make_problem", "loss", "grad", "loss_grid", "exact_minimum", "batches_per_epoch", "minibatch_sgd",
    "gradient_noise", "gradient_scale", "noise_level",
]

KINDS = ("linear", "logistic")
REDUCTIONS = ("mean", "sum")
LAST_BATCH = ("keep", "drop")
MIN_N, MAX_N = 10, 5000
MAX_NOISE = 10.0
LINEAR_W_TRUE = (2.0, -1.0)  # y = 2x − 1 + noise
LINEAR_X_RANGE = (-2.0, 2.0)  # x ~ uniform on this interval
LOGISTIC_MEANS = (-1.0, 1.0)  # class means of x for labels 0 and 1; the class standard deviation is `noise`
MAX_LR = 100.0
MAX_EPOCHS = 200
MAX_TOTAL_STEPS = 20000
MAX_ABS_W0 = 1e3
DIVERGENCE_RADIUS = 1e8  # |w| beyond this counts as diverged
MAX_GRID = 401  # points per side of `loss_grid`
MAX_GRID_WORK = 200_000_000  # logistic `loss_grid`: grid points × n (each one a logaddexp; ~3 s at the cap)
MAX_BATCH_SIZES = 200  # entries of batch_sizes in `gradient_noise` / `gradient_scale`
MAX_SAMPLES = 5000  # random batches per batch size
MAX_DRAWS = 4_000_000  # samples × n: the random subsets are drawn as one (samples, n) array of indices
NOISE_WINDOW = 9  # moving-average window of `noise_level`
_BLOCK = 1 << 20  # floats per block when a loss is evaluated at many w at once
_LOGISTIC_GTOL = 1e-10


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays field by field has no single truth value
class Problem:
    """A data set of one feature: inputs ``X`` (n,), targets ``y`` (n,), and the generating parameters.

    ``w_true`` = (w₀, w₁) of the model the data came from: slope and intercept (linear), or the weight and bias
    of the Bayes-optimal logistic model of the two Gaussian classes (logistic); None if unknown.
    """

    kind: str
    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray | None


@dataclass(frozen=True, eq=False)
class Minimum:
    """The minimizer of the full-data mean loss, the loss there, and whether a minimum exists.

    For linearly separable logistic data the loss has no minimum (it tends to 0 as ‖w‖ → ∞): ``attained`` is
    False and ``w`` is where the optimizer stopped.
    """

    w: np.ndarray  # (2,)
    loss: float
    attained: bool


@dataclass(frozen=True, eq=False)
class SGDRun:
    """One mini-batch SGD run, step by step.

    ``ws`` (steps + 1, 2) and ``full_loss`` (steps + 1,) have row 0 = w₀; ``batch_loss`` (steps,) is the mean loss
    of step k's batch at ``ws[k]`` (before the step, what a training loop prints), ``batch_sizes`` and
    ``epoch_of_step`` (steps,) the schedule (epochs counted from 0). ``stop_step`` is the index of the last
    valid row of ``ws`` (``steps`` unless diverged); after a divergence the rows of ``ws`` and ``full_loss``
    beyond it repeat it, and ``batch_loss`` beyond ``stop_step`` repeats ``batch_loss[stop_step]``.
    """

    ws: np.ndarray
    full_loss: np.ndarray
    batch_loss: np.ndarray
    batch_sizes: np.ndarray
    epoch_of_step: np.ndarray
    diverged: bool
    stop_step: int


@dataclass(frozen=True, eq=False)
class GradientNoise:
    """Spread of the mini-batch mean gradient around the full gradient, per batch size: measured and theory."""

    batch_sizes: np.ndarray  # (m,)
    measured: np.ndarray  # (m,) √(mean over batches of ‖ĝ_B − g‖²)
    theory: np.ndarray  # (m,) σ·√((n − B)/(n − 1))/√B
    full_grad: np.ndarray  # (2,) g


@dataclass(frozen=True, eq=False)
class GradientScale:
    """Norm of a batch gradient when the batch loss is averaged and when it is summed, per batch size."""

    batch_sizes: np.ndarray  # (m,)
    mean_norm: np.ndarray  # (m,) average over batches of ‖(1/B) Σ ∇ℓᵢ‖
    sum_norm: np.ndarray  # (m,) average over batches of ‖Σ ∇ℓᵢ‖ = B · mean_norm


# --- validation ---------------------------------------------------------------------------------------------


def _choice(value, name: str, options: tuple[str, ...]) -> str:
    """One of a tuple of string keys."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name}={value!r} must be one of {options}")
    return value


def _problem(problem) -> Problem:
    """A `Problem`, or a ValueError."""
    if not isinstance(problem, Problem):
        raise ValueError(f"problem={problem!r} must be a Problem from make_problem")
    return problem


def _weights(w, name: str = "w") -> np.ndarray:
    """Finite float parameters of shape (..., 2)."""
    try:
        W = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={w!r} must be real numbers of shape (..., 2)") from None
    if W.ndim < 1 or W.shape[-1] != 2 or not np.isfinite(W).all():
        raise ValueError(f"{name}={w!r} must be finite real numbers of shape (..., 2)")
    return W


def _indices(idx, n: int) -> np.ndarray:
    """A non-empty 1-D integer index array into range(n), or all of them for None."""
    if idx is None:
        return np.arange(n)
    I = np.asarray(idx)
    if I.ndim != 1 or I.size == 0 or I.dtype.kind not in "iu" or I.min() < 0 or I.max() >= n:
        raise ValueError(f"idx={idx!r} must be a non-empty 1-D array of integers from 0 to {n - 1}")
    return I


def _sizes(batch_sizes, n: int) -> np.ndarray:
    """A 1-D array of integer batch sizes from 1 to n."""
    S = np.asarray(batch_sizes)
    if (S.ndim != 1 or not 1 <= S.size <= MAX_BATCH_SIZES or S.dtype.kind not in "iu" or S.min() < 1
            or S.max() > n):
        raise ValueError(f"batch_sizes={batch_sizes!r} must be 1 to {MAX_BATCH_SIZES} integers from 1 to n={n}")
    return S.astype(np.int64)


# --- data and loss ------------------------------------------------------------------------------------------


def make_problem(kind: str, n: int = 200, seed: int = 0, noise: float = 0.5) -> Problem:
    """A seeded one-feature regression or classification data set.

    Parameters
    ----------
    kind : {"linear", "logistic"}
    n : int, default 200
        Number of examples, `MIN_N` to `MAX_N`.
    seed : int, default 0
        Seed of numpy.random.default_rng, ≥ 0.
    noise : float, default 0.5
        linear: standard deviation of the target noise, 0 to `MAX_NOISE`; logistic: standard deviation σ of
        each class, > 0 and ≤ `MAX_NOISE`.

    Returns
    -------
    Problem

    Notes
    -----
    linear: x ~ U(`LINEAR_X_RANGE`), y = 2x − 1 + noise·ε with ε ~ N(0, 1); w_true = (2, −1).
    logistic: ⌊n/2⌋ labels 0 and ⌈n/2⌉ labels 1 in random order, x | y ~ N(μ_y, σ²) with μ = `LOGISTIC_MEANS`.
    Then P(y = 1 | x) = sigmoid(w₀x + w₁) with w₀ = (μ₁ − μ₀)/σ², w₁ = (μ₀² − μ₁²)/(2σ²) (equal priors): the
    model is well specified, and w_true is that (w₀, w₁) = (2/σ², 0).

    Examples
    --------
    >>> p = make_problem("linear", n=10, seed=1)
    >>> p.X.shape, p.w_true.tolist()
    ((10,), [2.0, -1.0])
    """
    kind = _choice(kind, "kind", KINDS)
    n = _count(n, "n", MIN_N, MAX_N)
    seed = _count(seed, "seed", 0, 2**63 - 1)
    noise = _real(noise, "noise")
    if kind == "linear" and not 0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise={noise!r} must be a number from 0 to {MAX_NOISE:g} for kind='linear'")
    if kind == "logistic" and not 0 < noise <= MAX_NOISE:
        raise ValueError(f"noise={noise!r} must be a number in (0, {MAX_NOISE:g}] for kind='logistic'")
    rng = np.random.default_rng(seed)
    if kind == "linear":
        X = rng.uniform(*LINEAR_X_RANGE, size=n)
        y = LINEAR_W_TRUE[0] * X + LINEAR_W_TRUE[1] + noise * rng.standard_normal(n)
        return Problem(kind=kind, X=X, y=y, w_true=np.array(LINEAR_W_TRUE))
    y = rng.permutation(np.arange(n) >= n // 2).astype(np.float64)
    X = np.where(y == 1, LOGISTIC_MEANS[1], LOGISTIC_MEANS[0]) + noise * rng.standard_normal(n)
    m0, m1 = LOGISTIC_MEANS
    w_true = np.array([(m1 - m0) / noise**2, (m0**2 - m1**2) / (2 * noise**2)])
    return Problem(kind=kind, X=X, y=y, w_true=w_true)


def _residual(kind: str, W: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂ℓᵢ/∂zᵢ for zᵢ = w₀xᵢ + w₁, shape (m, B) for W (m, 2): z − y (linear) or sigmoid(z) − y (logistic)."""
    z = W[:, :1] * x + W[:, 1:]
    return z - y if kind == "linear" else scipy.special.expit(z) - y


def _per_example_loss(kind: str, W: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ℓᵢ(w), shape (m, B) for W (m, 2): ½(z − y)² or log(1 + eᶻ) − yz (= binary cross-entropy)."""
    z = W[:, :1] * x + W[:, 1:]
    return 0.5 * (z - y) ** 2 if kind == "linear" else np.logaddexp(0.0, z) - y * z


def _blocked(problem: Problem, W, idx, reduction: str, per_w, tail: tuple) -> np.ndarray:
    """per_w(W_block, x, y) (summed over the batch, trailing shape ``tail``) for every w of W (..., 2), reduced
    by sum or mean, in blocks of bounded memory."""
    W = _weights(W)
    I = _indices(idx, problem.X.size)
    reduction = _choice(reduction, "reduction", REDUCTIONS)
    x, y = problem.X[I], problem.y[I]
    flat = W.reshape(-1, 2)
    rows = max(1, _BLOCK // I.size)
    out = np.empty((len(flat),) + tail)
    for i in range(0, len(flat), rows):
        out[i:i + rows] = per_w(flat[i:i + rows], x, y)
    if reduction == "mean":
        out /= I.size
    return out.reshape(W.shape[:-1] + tail)


def loss(problem: Problem, w, idx=None, reduction: str = "mean"):
    """The loss of a batch at one or many parameter vectors.

    Parameters
    ----------
    problem : Problem
    w : array_like, shape (..., 2)
        (w₀, w₁) = (slope or weight, intercept or bias); finite.
    idx : array_like of int, optional
        The batch: indices into the data (repeats allowed). None uses all n examples.
    reduction : {"mean", "sum"}

    Returns
    -------
    float or numpy.ndarray of shape (...)
        A float when w has shape (2,).

    Notes
    -----
    With zᵢ = w₀xᵢ + w₁: linear ℓᵢ = ½(zᵢ − yᵢ)²; logistic ℓᵢ = −yᵢ log σ(zᵢ) − (1 − yᵢ) log(1 − σ(zᵢ))
    = log(1 + e^{zᵢ}) − yᵢzᵢ, computed as logaddexp(0, zᵢ) − yᵢzᵢ (no overflow for large |zᵢ|).
    L = (1/B) Σ ℓᵢ ("mean") or Σ ℓᵢ ("sum") over the batch.

    Examples
    --------
    >>> p = make_problem("linear", n=10, noise=0.0)
    >>> loss(p, [2.0, -1.0]), loss(p, [2.0, 0.0])
    (0.0, 0.5)
    """
    problem = _problem(problem)

    def per_w(Wb, x, y):
        return _per_example_loss(problem.kind, Wb, x, y).sum(axis=-1)

    out = _blocked(problem, w, idx, reduction, per_w, ())
    return float(out) if out.ndim == 0 else out


def grad(problem: Problem, w, idx=None, reduction: str = "mean"):
    """The gradient of `loss` with respect to w, at one or many parameter vectors.

    Parameters
    ----------
    problem, w, idx, reduction
        As in `loss`.

    Returns
    -------
    numpy.ndarray, shape (..., 2)

    Notes
    -----
    ∂ℓᵢ/∂w = rᵢ·(xᵢ, 1) with rᵢ = zᵢ − yᵢ (linear) or σ(zᵢ) − yᵢ (logistic); summed or averaged over the batch.
    The mean over a uniformly random batch is an unbiased estimate of the full-data gradient.

    Examples
    --------
    >>> p = make_problem("linear", n=10, noise=0.0)
    >>> g = grad(p, [2.0, 0.0])  # every residual is 1: g = (mean x, 1)
    >>> bool(np.isclose(g[0], p.X.mean())), float(g[1])
    (True, 1.0)
    """
    problem = _problem(problem)

    def per_w(Wb, x, y):
        r = _residual(problem.kind, Wb, x, y)
        return np.stack([r @ x, r.sum(axis=-1)], axis=-1)

    return _blocked(problem, w, idx, reduction, per_w, (2,))


def loss_grid(problem: Problem, w0s, w1s) -> np.ndarray:
    """The full-data mean loss on a grid of parameters, for a contour plot.

    Parameters
    ----------
    problem : Problem
    w0s, w1s : array_like, 1-D
        Grid values of w₀ and w₁, finite, 1 to `MAX_GRID` each.

    Returns
    -------
    numpy.ndarray, shape (len(w1s), len(w0s))
        Z[i, j] = L(w0s[j], w1s[i]) (rows follow w₁, as contour plots expect).

    Notes
    -----
    linear: from the exact quadratic form L(w) = L(w*) + ½ (w − w*)ᵀ H (w − w*), H = (1/n) Σ (xᵢ, 1)ᵀ(xᵢ, 1), at
    O(1) per grid point. logistic: term by term, len(w0s)·len(w1s)·n ≤ `MAX_GRID_WORK`.

    Examples
    --------
    >>> p = make_problem("linear", n=10, noise=0.0)
    >>> loss_grid(p, [2.0, 3.0], [-1.0]).shape
    (1, 2)
    """
    axes = []
    for name, v in (("w0s", w0s), ("w1s", w1s)):
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            a = np.array([np.nan])
        if a.ndim != 1 or not 1 <= a.size <= MAX_GRID or not np.isfinite(a).all():
            raise ValueError(f"{name}={v!r} must be 1 to {MAX_GRID} finite numbers")
        axes.append(a)
    work = axes[0].size * axes[1].size * problem.X.size
    if problem.kind == "logistic" and work > MAX_GRID_WORK:
        raise ValueError(f"a {axes[1].size} x {axes[0].size} grid over n={problem.X.size} examples needs {work} "
                         f"loss terms; at most {MAX_GRID_WORK} are allowed")
    A0, A1 = np.meshgrid(*axes)
    return _full_loss(problem, np.stack([A0, A1], axis=-1))


def _full_loss(problem: Problem, W: np.ndarray) -> np.ndarray:
    """The full-data mean loss at every w of W (..., 2); linear via its exact quadratic form, O(1) per w."""
    if problem.kind == "logistic":
        return np.asarray(loss(problem, W))
    # L(w) = L(w*) + ½ (w − w*)ᵀ H (w − w*), H = mean of [x 1]ᵀ[x 1]: exact, and free of the cancellation of
    # expanding ½ mean((w₀x + w₁ − y)²) into moments.
    best = exact_minimum(problem)
    H = np.array([[np.mean(problem.X**2), np.mean(problem.X)], [np.mean(problem.X), 1.0]])
    D = np.asarray(W, dtype=np.float64) - best.w
    return best.loss + 0.5 * np.einsum("...i,ij,...j->...", D, H, D)


def exact_minimum(problem: Problem) -> Minimum:
    """The minimizer w* of the full-data mean loss.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    Minimum

    Notes
    -----
    linear: least squares for [x 1]·w ≈ y (numpy.linalg.lstsq), the exact minimizer of ½·mean((w₀x + w₁ − y)²).
    logistic: scipy.optimize.minimize (BFGS with the exact gradient, gtol 1e-10) from w = 0. The logistic loss is
    convex; its minimum is attained unless the classes are separable by a threshold on x, which in one
    dimension means max x of one class < min x of the other.

    Examples
    --------
    >>> m = exact_minimum(make_problem("linear", n=10, noise=0.0))
    >>> m.w.round(12).tolist(), m.attained
    ([2.0, -1.0], True)
    """
    problem = _problem(problem)
    X, y = problem.X, problem.y
    if problem.kind == "linear":
        w = np.linalg.lstsq(np.column_stack([X, np.ones_like(X)]), y, rcond=None)[0]
        return Minimum(w=w, loss=loss(problem, w), attained=True)
    x0, x1 = X[y == 0], X[y == 1]
    separable = x0.max() < x1.min() or x1.max() < x0.min()
    res = scipy.optimize.minimize(lambda v: loss(problem, v), np.zeros(2), jac=lambda v: grad(problem, v),
                                  method="BFGS", options={"gtol": _LOGISTIC_GTOL, "maxiter": 10_000})
    return Minimum(w=np.asarray(res.x, dtype=np.float64), loss=float(res.fun), attained=not separable)


# --- mini-batch SGD -----------------------------------------------------------------------------------------


def batches_per_epoch(n: int, batch_size: int, last_batch: str = "keep") -> int:
    """Number of batches of one epoch: ⌈n/B⌉ when the short last batch is kept, ⌊n/B⌋ when it is dropped.

    Examples
    --------
    >>> batches_per_epoch(10, 3, "keep"), batches_per_epoch(10, 3, "drop")
    (4, 3)
    """
    n = _count(n, "n", 1, 2**62)
    batch_size = _count(batch_size, "batch_size", 1, n)
    last_batch = _choice(last_batch, "last_batch", LAST_BATCH)
    return -(-n // batch_size) if last_batch == "keep" else n // batch_size


def minibatch_sgd(problem: Problem, batch_size: int, lr: float, epochs: int, seed: int = 0,
                  last_batch: str = "keep", reduction: str = "mean", w0=(0.0, 0.0)) -> SGDRun:
    """Mini-batch stochastic gradient descent over shuffled epochs.

    Parameters
    ----------
    problem : Problem
    batch_size : int
        B, 1 to n.
    lr : float
        Learning rate η in (0, `MAX_LR`].
    epochs : int
        1 to `MAX_EPOCHS`; epochs × `batches_per_epoch` must not exceed `MAX_TOTAL_STEPS`.
    seed : int, default 0
        Seed of the shuffles (numpy.random.default_rng), ≥ 0.
    last_batch : {"keep", "drop"}
        When B does not divide n: "keep" the short last batch (its loss averaged over its own size), or "drop"
        it (PyTorch's DataLoader with drop_last=True).
    reduction : {"mean", "sum"}
        The batch loss whose gradient is taken: averaged over the batch (the usual choice) or summed, which
        multiplies the step by B.
    w0 : array_like, shape (2,), default (0, 0)
        Start, each |w0ᵢ| ≤ `MAX_ABS_W0`.

    Returns
    -------
    SGDRun
        Stops early (``diverged``) when an iterate is non-finite or ‖w‖ > `DIVERGENCE_RADIUS`.

    Notes
    -----
    Every epoch draws a permutation of the n examples and cuts it into consecutive batches 𝓑 of size B; each
    batch makes one step w ← w − η ∇L_𝓑(w), L_𝓑 = (1/|𝓑|) Σ_{i∈𝓑} ℓᵢ ("mean") or Σ_{i∈𝓑} ℓᵢ ("sum").
    With B = n (one batch per epoch) this is plain gradient descent.

    Examples
    --------
    >>> p = make_problem("linear", n=10)
    >>> run = minibatch_sgd(p, batch_size=3, lr=0.1, epochs=2, last_batch="drop")
    >>> run.ws.shape, run.batch_sizes.tolist(), run.epoch_of_step.tolist()
    ((7, 2), [3, 3, 3, 3, 3, 3], [0, 0, 0, 1, 1, 1])
    """
    problem = _problem(problem)
    n = problem.X.size
    B = _count(batch_size, "batch_size", 1, n)
    lr = _real(lr, "lr")
    if not 0 < lr <= MAX_LR:
        raise ValueError(f"lr={lr!r} must be a number in (0, {MAX_LR:g}]")
    epochs = _count(epochs, "epochs", 1, MAX_EPOCHS)
    seed = _count(seed, "seed", 0, 2**63 - 1)
    last_batch = _choice(last_batch, "last_batch", LAST_BATCH)
    reduction = _choice(reduction, "reduction", REDUCTIONS)
    w = _weights(w0, "w0")
    if w.shape != (2,) or np.abs(w).max() > MAX_ABS_W0:
        raise ValueError(f"w0={w0!r} must be two numbers with |w0_i| <= {MAX_ABS_W0:g}")
    per_epoch = batches_per_epoch(n, B, last_batch)
    steps = epochs * per_epoch
    if steps > MAX_TOTAL_STEPS:
        raise ValueError(f"epochs={epochs!r} with batch_size={batch_size!r} and n={n} makes {steps} steps; "
                         f"at most {MAX_TOTAL_STEPS} are allowed")

    rng = np.random.default_rng(seed)
    starts = np.arange(per_epoch) * B
    sizes_one = np.minimum(B, n - starts)
    perms = np.stack([rng.permutation(n) for _ in range(epochs)])
    batch_sizes = np.tile(sizes_one, epochs)
    epoch_of_step = np.repeat(np.arange(epochs), per_epoch)

    ws = np.empty((steps + 1, 2))
    ws[0] = w
    batch_loss = np.empty(steps)
    X, Y, kind = problem.X, problem.y, problem.kind
    stop, diverged = steps, False
    with np.errstate(all="ignore"):
        for k in range(steps):
            e, j = divmod(k, per_epoch)
            I = perms[e, starts[j]:starts[j] + sizes_one[j]]
            x, y, Wk = X[I], Y[I], ws[k:k + 1]
            r = _residual(kind, Wk, x, y)[0]
            g = np.array([r @ x, r.sum()])
            if reduction == "mean":
                g /= I.size
            batch_loss[k] = _per_example_loss(kind, Wk, x, y).mean()
            w_next = ws[k] - lr * g
            if not (np.isfinite(w_next).all() and math.hypot(*w_next) <= DIVERGENCE_RADIUS):
                stop, diverged = k, True
                break
            ws[k + 1] = w_next
    ws[stop + 1:] = ws[stop]
    if stop < steps:
        batch_loss[stop + 1:] = batch_loss[stop]
    full = _full_loss(problem, ws[:stop + 1])
    full_loss = np.concatenate([full, np.full(steps - stop, full[-1])])
    return SGDRun(ws=ws, full_loss=full_loss, batch_loss=batch_loss, batch_sizes=batch_sizes,
                  epoch_of_step=epoch_of_step, diverged=diverged, stop_step=stop)


# --- the noise and the scale of a batch gradient ------------------------------------------------------------


def _per_example_grads(problem: Problem, w: np.ndarray) -> np.ndarray:
    """∇ℓᵢ(w) for every example, shape (n, 2)."""
    r = _residual(problem.kind, w.reshape(1, 2), problem.X, problem.y)[0]
    return np.column_stack([r * problem.X, r])


def _subsets(n: int, samples: int, seed) -> np.ndarray:
    """`samples` random permutations of range(n), one per row: the first B columns are a uniform B-subset."""
    samples = _count(samples, "samples", 1, MAX_SAMPLES)
    if samples * n > MAX_DRAWS:
        raise ValueError(f"samples={samples!r} with n={n} draws {samples * n} indices; at most {MAX_DRAWS}")
    seed = _count(seed, "seed", 0, 2**63 - 1)
    rng = np.random.default_rng(seed)
    return rng.permuted(np.broadcast_to(np.arange(n), (samples, n)), axis=1)


def _draws(problem: Problem, w, batch_sizes, samples: int, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What both batch-gradient experiments need: the checked batch sizes S, the drawn batches P (rows of
    example indices; a batch of size B is a row's first B) and every example's gradient G at w."""
    problem, w = _problem(problem), _point(w)
    n = problem.X.size
    S, P = _sizes(batch_sizes, n), _subsets(n, samples, seed)
    return S, P, _per_example_grads(problem, w)


def _point(w) -> np.ndarray:
    """One parameter vector (2,)."""
    W = _weights(w)
    if W.shape != (2,):
        raise ValueError(f"w={w!r} must be two finite numbers")
    return W


def gradient_noise(problem: Problem, w, batch_sizes, samples: int = 200, seed: int = 0) -> GradientNoise:
    """How far the mini-batch gradient strays from the full gradient, for several batch sizes.

    Parameters
    ----------
    problem : Problem
    w : array_like, shape (2,)
        Where the gradients are taken.
    batch_sizes : array_like of int, 1-D
        Batch sizes B from 1 to n (at most `MAX_BATCH_SIZES` of them).
    samples : int, default 200
        Random batches per batch size, 1 to `MAX_SAMPLES`, with samples × n ≤ `MAX_DRAWS`.
    seed : int, default 0

    Returns
    -------
    GradientNoise
        ``measured`` = √(mean over the batches of ‖ĝ_B − g‖²), the norm of the per-coordinate standard deviation
        around the full gradient g; ``theory`` the same from the formula below.

    Notes
    -----
    Each batch is drawn without replacement (the first B entries of a random permutation; the subsets of
    different B are nested). With σ² = (1/n) Σᵢ ‖∇ℓᵢ − g‖² the per-example gradient variance (trace of the
    covariance), the mean of a random B-subset has E‖ĝ_B − g‖² = (σ²/B)·(n − B)/(n − 1): noise ∝ 1/√B,
    times the finite-population correction that makes it 0 at B = n.

    Examples
    --------
    >>> p = make_problem("linear", n=100)
    >>> r = gradient_noise(p, [0.0, 0.0], [1, 100])
    >>> bool(r.theory[0] > 0), float(r.theory[1]), bool(r.measured[1] < 1e-12)
    (True, 0.0, True)
    """
    S, P, G = _draws(problem, w, batch_sizes, samples, seed)
    n = len(G)
    g = G.mean(axis=0)
    measured = np.array([
        math.sqrt(np.mean(np.sum((G[P[:, :b]].mean(axis=1) - g) ** 2, axis=-1))) for b in S])
    sigma2 = np.mean(np.sum((G - g) ** 2, axis=-1))
    theory = np.sqrt(sigma2 * (n - S) / ((n - 1) * S))
    return GradientNoise(batch_sizes=S, measured=measured, theory=theory, full_grad=g)


def gradient_scale(problem: Problem, w, batch_sizes, samples: int = 20, seed: int = 0) -> GradientScale:
    """Norm of the batch gradient with the batch loss averaged ("mean") and summed ("sum"), per batch size.

    Parameters
    ----------
    problem : Problem
    w : array_like, shape (2,)
    batch_sizes : array_like of int, 1-D
        Batch sizes B from 1 to n.
    samples : int, default 20
        Random batches per batch size (norms averaged over them), 1 to `MAX_SAMPLES`.
    seed : int, default 0

    Returns
    -------
    GradientScale

    Notes
    -----
    ∇Σ_{i∈𝓑} ℓᵢ = B·∇(1/B)Σ_{i∈𝓑} ℓᵢ: the summed gradient grows ∝ B while the averaged one stays near the full
    gradient. Averaging keeps the step size (and the learning rate) independent of the batch size.

    Examples
    --------
    >>> p = make_problem("linear", n=100)
    >>> s = gradient_scale(p, [0.0, 0.0], [10, 100])
    >>> bool(abs(s.sum_norm[1] / s.mean_norm[1] - 100) < 1e-9)
    True
    """
    S, P, G = _draws(problem, w, batch_sizes, samples, seed)
    sums = [np.linalg.norm(G[P[:, :b]].sum(axis=1), axis=-1) for b in S]  # (samples,) each
    sum_norm = np.array([s.mean() for s in sums])
    mean_norm = np.array([(s / b).mean() for s, b in zip(sums, S)])
    return GradientScale(batch_sizes=S, mean_norm=mean_norm, sum_norm=sum_norm)


def noise_level(run: SGDRun, window: int = NOISE_WINDOW) -> float:
    """How much the full-data loss of a run jitters around its own trend, late in the run.

    Parameters
    ----------
    run : SGDRun
    window : int, default `NOISE_WINDOW`
        Width of the centered moving average, odd, 3 to 101.

    Returns
    -------
    float
        The standard deviation of L_k − (moving average of L)_k over the second half of the valid steps
        (k from ⌊stop_step/2⌋ to stop_step, centered windows lying fully inside that range); nan when that
        range holds fewer than ``window`` values.

    Notes
    -----
    The moving average removes the slow descent, so a smooth curve (full-batch gradient descent) scores about 0
    and the step-to-step jitter of SGD remains; it grows as the batch gets smaller. The full-data loss is used,
    not the batch loss, so that the batch-to-batch spread of the data itself does not count as noise.

    Examples
    --------
    >>> p = make_problem("linear", n=50)
    >>> gd = minibatch_sgd(p, batch_size=50, lr=0.1, epochs=100)
    >>> sgd = minibatch_sgd(p, batch_size=1, lr=0.1, epochs=2)
    >>> bool(noise_level(gd) < 1e-6 < noise_level(sgd))
    True
    """
    if not isinstance(run, SGDRun):
        raise ValueError(f"run={run!r} must be an SGDRun from minibatch_sgd")
    window = _count(window, "window", 3, 101)
    if window % 2 == 0:
        raise ValueError(f"window={window!r} must be odd")
    L = run.full_loss[run.stop_step // 2:run.stop_step + 1]
    if L.size < window:
        return math.nan
    trend = np.convolve(L, np.full(window, 1.0 / window), mode="valid")
    half = window // 2
    return float(np.std(L[half:L.size - half] - trend))


def predict(problem: Problem, w, x) -> np.ndarray:
    """The model's output at inputs x: w₀x + w₁ (linear) or the probability sigmoid(w₀x + w₁) (logistic)."""
    w = _weights(w)
    z = w[0] * np.asarray(x, dtype=np.float64) + w[1]
    return z if _problem(problem).kind == "linear" else scipy.special.expit(z)


def epoch_axis(run: SGDRun, n: int) -> np.ndarray:
    """Position of every row of ``run.ws`` in epochs (examples seen / n), for comparing batch sizes on one axis."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n={n!r} must be a positive integer (the number of examples)")
    return np.concatenate([[0.0], np.cumsum(run.batch_sizes) / n])

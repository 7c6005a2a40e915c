"""The optimizers of deep learning, step by step: PyTorch's first-order rules, Newton, BFGS and L-BFGS.

The six first-order methods follow `torch.optim` (names, defaults and update rules; PyTorch is not imported):
each is a small pure function ``rule(state, grad, params, hp) -> (step, new_state)`` in `RULES`, with
θ_new = θ + step. `trace` runs any of the nine methods on a function with ``f``/``grad``/``hess`` (for example
one of `core.landscapes.FUNCTIONS`) and returns a `Trace`: iterates, losses, gradient norms, the optimizer's
internal state after every step, and where and why it stopped. Works in any dimension; the registry is 2-D.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (B, H), as in the formulas they implement
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from core._checks import count as _count

__all__ = ["state_series", "state_vectors",
    "NAMES", "FIRST_ORDER", "SECOND_ORDER", "DEFAULTS", "STOP_REASONS", "MAX_STEPS", "MAX_HISTORY",
    "DIVERGENCE_RADIUS", "ARMIJO_C1", "MAX_HALVINGS", "CURVATURE_RTOL", "MAX_RECORDED_FLOATS", "SCIPY_GTOL",
    "Trace", "RULES", "sgd_rule", "momentum_rule", "nesterov_rule", "adagrad_rule", "rmsprop_rule", "adam_rule",
    "resolve_hyperparams", "initial_state", "run", "trace", "steps_to_tolerance", "scipy_bfgs_path",
    "secant_residuals", "hessian_error", "memory_floats",
]

FIRST_ORDER = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SECOND_ORDER = ("newton", "bfgs", "lbfgs")
NAMES = FIRST_ORDER + SECOND_ORDER
STOP_REASONS = ("diverged", "converged", "singular", "line_search")
_FAILURES = ("diverged", "singular", "line_search")

MAX_STEPS = 2000
MAX_HISTORY = 100  # largest L-BFGS history_size
# An iterate farther than this from the origin counts as diverged: the registry's functions are polynomials of
# degree ≤ 8 drawn in windows a few units wide, so out there their values (~1e20 up to overflow) mean nothing
# for a chart, and the next step would overflow anyway.
DIVERGENCE_RADIUS = 1e10
ARMIJO_C1 = 1e-4  # sufficient decrease: f(θ + αp) ≤ f(θ) + c₁·α·∇f(θ)ᵀp
MAX_HALVINGS = 40  # the line search tries α = lr·2⁻ʲ for j = 0 … MAX_HALVINGS
CURVATURE_RTOL = 1e-12  # (s, y) updates BFGS/L-BFGS only when yᵀs > CURVATURE_RTOL·‖s‖‖y‖
MAX_RECORDED_FLOATS = 10**7  # BFGS records every B_k: (steps + 1)·dim² floats at most
SCIPY_GTOL = 1e-10  # gradient tolerance of scipy_bfgs_path, as tight as our own tol

# torch.optim's defaults, except momentum = 0.9 (PyTorch's SGD default is 0, which would make the momentum
# methods plain gradient descent).
DEFAULTS: dict[str, dict] = {
    "gd": {"lr": 1e-3, "weight_decay": 0.0},
    "momentum": {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
    "nesterov": {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0},
    "adagrad": {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "newton": {"lr": 1.0, "tol": 1e-10},
    "bfgs": {"lr": 1.0, "tol": 1e-10},
    "lbfgs": {"lr": 1.0, "history_size": 10, "tol": 1e-10},
}

# hyperparameter → (accepts a finite float v?, what is accepted); betas and history_size are checked apart.
_RANGES = {
    "lr": (lambda v: v > 0, "a finite number > 0"),
    "momentum": (lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "dampening": (lambda v: 0 <= v <= 1, "a number in [0, 1]"),
    "alpha": (lambda v: 0 <= v <= 1, "a number in [0, 1]"),
    "weight_decay": (lambda v: v >= 0, "a finite number >= 0"),
    "lr_decay": (lambda v: v >= 0, "a finite number >= 0"),
    "initial_accumulator_value": (lambda v: v >= 0, "a finite number >= 0"),
    "eps": (lambda v: v >= 0, "a finite number >= 0"),
    "tol": (lambda v: v >= 0, "a finite number >= 0"),
    "gtol": (lambda v: v > 0, "a finite number > 0"),  # scipy_bfgs_path's, not a hyperparameter of ours
}


@dataclass(frozen=True, eq=False)  # eq=False: comparing arrays field by field has no single truth value
class Trace:
    """One optimizer run: every iterate, the loss and gradient norm there, the optimizer state, and the stop.

    All arrays have one row per iterate (``steps + 1`` rows, row 0 = x0) unless stated, and hold no nan or inf:
    after an early stop every row repeats the last valid one.

    Attributes
    ----------
    name : str
        The method, one of `NAMES`.
    hyperparams : dict
        Every hyperparameter used, defaults filled in.
    iterates : numpy.ndarray, shape (steps + 1, dim)
    losses, grad_norms : numpy.ndarray, shape (steps + 1,)
        f(θ_k) and ‖∇f(θ_k)‖.
    stop_step : int or None
        Index of the last valid iterate when the run stopped early; None when all steps were taken.
    stop_reason : str or None
        None, or one of `STOP_REASONS`: "diverged" (step ``stop_step + 1`` produced a non-finite iterate, loss,
        gradient or state, or an iterate beyond `DIVERGENCE_RADIUS`), "converged" (‖∇f(θ_stop_step)‖ < tol
        or = 0; newton, bfgs, lbfgs only, checked before each step: a run that first meets tol in its last row
        reports None — use `steps_to_tolerance`), "singular" (Newton: the Hessian could not be solved; BFGS: nor B), or
        "line_search" (no step length passed the Armijo test, or the direction was not a descent direction).
    state : dict of str → numpy.ndarray
        First-order methods, shape (steps + 1, dim), row k = the state after step k (row 0 the initial state):
        momentum/nesterov "momentum_buffer"; adagrad "sum", "effective_lr"; rmsprop "square_avg",
        "effective_lr"; adam "exp_avg", "exp_avg_sq", "effective_lr"; gd and newton none. "effective_lr" is the
        per-coordinate factor of step k (0 in row 0, before any step). bfgs: "B" (steps + 1, dim, dim), B_k at
        θ_k. bfgs and lbfgs: "s", "y" (steps, dim), row k = θ_{k+1} − θ_k and ∇f(θ_{k+1}) − ∇f(θ_k) of step
        k + 1; "skipped" (steps,) bool, True where that pair failed the curvature test and was not used;
        "alpha" (steps,) the accepted step length. Rows of s, y, alpha from ``steps_taken`` on are 0 and of
        skipped False (no step was taken).
    seconds : float
        Wall time of the run (time.perf_counter).
    """

    name: str
    hyperparams: dict
    iterates: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    stop_step: int | None
    stop_reason: str | None
    state: dict
    seconds: float

    @property
    def diverged(self) -> bool:
        """True when the run stopped because it diverged."""
        return self.stop_reason == "diverged"

    @property
    def steps_taken(self) -> int:
        """Number of valid steps: ``stop_step`` after an early stop, else all of them."""
        return len(self.iterates) - 1 if self.stop_step is None else self.stop_step

    @property
    def failed_step(self) -> int | None:
        """The step that failed (diverged, singular, line_search): ``stop_step + 1``; else None.

        "Diverged at step k" means θ_{k−1} was the last valid iterate and the step θ_{k−1} → θ_k failed.
        """
        return self.stop_step + 1 if self.stop_reason in _FAILURES else None


# --- the first-order rules, as in torch.optim ----------------------------------------------------------------


def _decayed(grad, params, hp):
    """g + λθ (PyTorch's L2 weight decay), or g itself when λ = 0."""
    return grad + hp["weight_decay"] * params if hp["weight_decay"] else grad


def sgd_rule(state, grad, params, hp):
    """Gradient descent (torch.optim.SGD, momentum 0):  g ← g + λθ;  θ ← θ − η·g."""
    g = _decayed(grad, params, hp)
    return -hp["lr"] * g, {"t": state["t"] + 1}


def momentum_rule(state, grad, params, hp):
    """Heavy ball (torch.optim.SGD with momentum μ):  g ← g + λθ;  b ← g at t = 1, else b ← μ·b + (1 − τ)·g;
    θ ← θ − η·b.  (PyTorch's default μ is 0; `DEFAULTS` uses 0.9, the point of the method.)"""
    g = _decayed(grad, params, hp)
    b = g if state["t"] == 0 else hp["momentum"] * state["momentum_buffer"] + (1 - hp["dampening"]) * g
    return -hp["lr"] * b, {"t": state["t"] + 1, "momentum_buffer": b}


def nesterov_rule(state, grad, params, hp):
    """Nesterov (torch.optim.SGD, nesterov=True, dampening 0):  g ← g + λθ;  b ← g at t = 1, else b ← μ·b + g;
    g ← g + μ·b;  θ ← θ − η·g.  (`DEFAULTS` uses μ = 0.9; PyTorch's default is 0.)"""
    g = _decayed(grad, params, hp)
    b = g if state["t"] == 0 else hp["momentum"] * state["momentum_buffer"] + g
    return -hp["lr"] * (g + hp["momentum"] * b), {"t": state["t"] + 1, "momentum_buffer": b}


def adagrad_rule(state, grad, params, hp):
    """AdaGrad (torch.optim.Adagrad):  g ← g + λθ;  η_t = η / (1 + (t − 1)·decay);  S ← S + g²;
    θ ← θ − η_t·g / (√S + ε)."""
    g, t = _decayed(grad, params, hp), state["t"] + 1
    clr = hp["lr"] / (1 + (t - 1) * hp["lr_decay"])
    s = state["sum"] + g * g
    std = np.sqrt(s) + hp["eps"]
    return -clr * (g / std), {"t": t, "sum": s, "effective_lr": clr / std}


def rmsprop_rule(state, grad, params, hp):
    """RMSprop (torch.optim.RMSprop, not centered, no momentum):  g ← g + λθ;  v ← α·v + (1 − α)·g²;
    θ ← θ − η·g / (√v + ε)."""
    g = _decayed(grad, params, hp)
    v = hp["alpha"] * state["square_avg"] + (1 - hp["alpha"]) * (g * g)
    avg = np.sqrt(v) + hp["eps"]
    return -hp["lr"] * (g / avg), {"t": state["t"] + 1, "square_avg": v, "effective_lr": hp["lr"] / avg}


def adam_rule(state, grad, params, hp):
    """Adam (torch.optim.Adam, amsgrad off):  g ← g + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
    θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)."""
    (b1, b2), g, t = hp["betas"], _decayed(grad, params, hp), state["t"] + 1
    m = b1 * state["exp_avg"] + (1 - b1) * g
    v = b2 * state["exp_avg_sq"] + (1 - b2) * (g * g)
    step_size = hp["lr"] / (1 - b1**t)
    denom = np.sqrt(v) / math.sqrt(1 - b2**t) + hp["eps"]
    return -step_size * (m / denom), {"t": t, "exp_avg": m, "exp_avg_sq": v, "effective_lr": step_size / denom}


RULES = {"gd": sgd_rule, "momentum": momentum_rule, "nesterov": nesterov_rule, "adagrad": adagrad_rule,
         "rmsprop": rmsprop_rule, "adam": adam_rule}

# state arrays of each first-order method (besides the step counter "t")
_STATE_KEYS = {"gd": (), "momentum": ("momentum_buffer",), "nesterov": ("momentum_buffer",),
               "adagrad": ("sum", "effective_lr"), "rmsprop": ("square_avg", "effective_lr"),
               "adam": ("exp_avg", "exp_avg_sq", "effective_lr")}


# --- validation -------------------------------------------------------------------------------------------------


def _check_name(name) -> str:
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"name={name!r} must be one of {', '.join(NAMES)}")
    return name


def _float(value, key: str) -> float:
    """value as a float that passes _RANGES[key]."""
    ok, accepted = _RANGES[key]
    try:
        v = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and ok(v)):
        raise ValueError(f"{key}={value!r} must be {accepted}")
    return v


def _betas(value) -> tuple[float, float]:
    try:
        b = tuple(float(x) for x in value if not isinstance(x, bool))
    except (TypeError, ValueError):
        b = ()
    if len(b) != 2 or not all(math.isfinite(x) and 0 <= x < 1 for x in b):
        raise ValueError(f"betas={value!r} must be two numbers (beta1, beta2), each in [0, 1)")
    return b


def resolve_hyperparams(name: str, **overrides) -> dict:
    """The full, validated hyperparameters of a method: ``DEFAULTS[name]`` updated with ``overrides``.

    Parameters
    ----------
    name : str
        One of `NAMES`.
    **overrides
        Any of the keys of ``DEFAULTS[name]``.

    Returns
    -------
    dict
        Floats, except ``betas`` (a pair of floats) and ``history_size`` (int).

    Examples
    --------
    >>> resolve_hyperparams("adam", lr=0.01)
    {'lr': 0.01, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0.0}
    """
    defaults = DEFAULTS[_check_name(name)]
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ValueError(f"hyperparameters {', '.join(unknown)} are not accepted by {name!r}; "
                         f"accepted: {', '.join(defaults)}")
    hp = {**defaults, **overrides}
    for key, value in hp.items():
        if key == "betas":
            hp[key] = _betas(value)
        elif key == "history_size":
            hp[key] = _count(value, "history_size", 1, MAX_HISTORY)
        else:
            hp[key] = _float(value, key)
    return hp


def initial_state(name: str, dim: int, **hyperparams) -> dict:
    """The state a first-order rule starts from: t = 0 and zero (AdaGrad: initial_accumulator_value) arrays.

    Examples
    --------
    >>> step, state = adam_rule(initial_state("adam", 2), np.array([1.0, -2.0]), np.zeros(2), DEFAULTS["adam"])
    >>> (step / 1e-3).round(6).tolist(), state["t"]
    ([-1.0, 1.0], 1)
    """
    if not isinstance(name, str) or name not in FIRST_ORDER:
        raise ValueError(f"name={name!r} must be one of {', '.join(FIRST_ORDER)}")
    dim = _count(dim, "dim", 1, 10**7)
    hp = resolve_hyperparams(name, **hyperparams)
    state = {"t": 0, **{key: np.zeros(dim) for key in _STATE_KEYS[name]}}
    if name == "adagrad":
        state["sum"] = np.full(dim, hp["initial_accumulator_value"])
    return state


def _start(fn, x0) -> tuple[np.ndarray, np.ndarray]:
    """x0 as a finite float vector, and ∇f there (same shape, finite)."""
    try:
        x = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x0={x0!r} must be a vector of real numbers") from None
    if x.ndim != 1 or x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"x0={x0!r} must be a non-empty vector of finite numbers")
    if np.linalg.norm(x) > DIVERGENCE_RADIUS:
        raise ValueError(f"x0={x0!r} must lie within DIVERGENCE_RADIUS={DIVERGENCE_RADIUS:g} of the origin")
    try:
        with np.errstate(all="ignore"):
            g = np.asarray(fn.grad(x), dtype=np.float64)
            f = np.asarray(fn.f(x), dtype=np.float64)
    except ValueError as e:  # e.g. a 2-D registry function given a point of another length
        raise ValueError(f"x0={x0!r} does not fit the function: {e}") from None
    if g.shape != x.shape:
        raise ValueError(f"x0 has shape {x.shape} but the function's gradient there has shape {g.shape}")
    if not (np.isfinite(g).all() and f.size == 1 and np.isfinite(f).all()):
        raise ValueError(f"x0={x0!r}: f or its gradient is not finite there")
    return x, g


# --- the runs ---------------------------------------------------------------------------------------------------


def _first_order(name, fn, x, g, steps, hp):
    """Iterate θ ← θ + rule(...) for `steps` steps or until divergence."""
    rule, keys, grad, R2 = RULES[name], _STATE_KEYS[name], fn.grad, DIVERGENCE_RADIUS**2
    state = initial_state(name, x.size, **hp)
    X, N = np.empty((steps + 1, x.size)), np.empty(steps + 1)
    X[0], N[0] = x, np.sqrt(g @ g)
    S = {key: np.empty((steps + 1, x.size)) for key in keys}
    for key in keys:
        S[key][0] = state[key]
    for k in range(steps):
        step, state = rule(state, g, x, hp)
        x = x + step
        if not x @ x <= R2:  # also catches nan
            return X, N, S, k, "diverged"
        g = np.asarray(grad(x), dtype=np.float64)
        gg = g @ g
        if not gg < math.inf:
            return X, N, S, k, "diverged"
        X[k + 1], N[k + 1] = x, math.sqrt(gg)
        for key in keys:
            S[key][k + 1] = state[key]
    return X, N, S, None, None


def _newton(fn, x, g, steps, hp):
    """θ ← θ − lr·H⁻¹∇f until ‖∇f‖ < tol, `steps` steps, a singular H or divergence."""
    lr, tol, R2 = hp["lr"], hp["tol"], DIVERGENCE_RADIUS**2
    X, N = np.empty((steps + 1, x.size)), np.empty(steps + 1)
    X[0], N[0] = x, np.sqrt(g @ g)
    for k in range(steps):
        if N[k] < tol or N[k] == 0:
            return X, N, {}, k, "converged"
        try:
            d = np.linalg.solve(np.asarray(fn.hess(x), dtype=np.float64), g)
        except np.linalg.LinAlgError:
            return X, N, {}, k, "singular"
        if not np.isfinite(d).all():
            return X, N, {}, k, "singular"
        x = x - lr * d
        if not x @ x <= R2:
            return X, N, {}, k, "diverged"
        g = np.asarray(fn.grad(x), dtype=np.float64)
        gg = g @ g
        if not gg < math.inf:
            return X, N, {}, k, "diverged"
        X[k + 1], N[k + 1] = x, math.sqrt(gg)
    return X, N, {}, None, None


def _two_loop(g, pairs):
    """−H_k g by L-BFGS's two-loop recursion over pairs (s, y, 1/yᵀs), oldest first; H0 = (sᵀy/yᵀy)·I."""
    q, alphas = g.copy(), []
    for s, y, rho in reversed(pairs):
        a = rho * (s @ q)
        q -= a * y
        alphas.append(a)
    if pairs:
        s, y, _ = pairs[-1]
        q *= (s @ y) / (y @ y)
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        q += (a - rho * (y @ q)) * s
    return -q


def _quasi_newton(name, fn, x, g, steps, hp):
    """BFGS (B ≈ H, B₀ = I) or L-BFGS with a backtracking Armijo line search."""
    lr, tol, R2, dim = hp["lr"], hp["tol"], DIVERGENCE_RADIUS**2, x.size
    X, N = np.empty((steps + 1, dim)), np.empty(steps + 1)
    X[0], N[0] = x, np.sqrt(g @ g)
    S = {"s": np.zeros((steps, dim)), "y": np.zeros((steps, dim)), "skipped": np.zeros(steps, dtype=bool),
         "alpha": np.zeros(steps)}
    if name == "bfgs":
        B = np.eye(dim)
        S["B"] = np.empty((steps + 1, dim, dim))
        S["B"][0] = B
    pairs, m = [], hp.get("history_size", 0)
    halvings = lr * 0.5 ** np.arange(1, MAX_HALVINGS + 1)
    f = float(fn.f(x))
    for k in range(steps):
        if N[k] < tol or N[k] == 0:
            return X, N, S, k, "converged"
        if name == "bfgs":
            try:
                p = -np.linalg.solve(B, g)
            except np.linalg.LinAlgError:
                return X, N, S, k, "singular"
        else:
            p = _two_loop(g, pairs)
        slope = g @ p
        if not slope < 0:  # not a descent direction (or nan): no step length can pass Armijo reliably
            return X, N, S, k, "line_search" if np.isfinite(p).all() else "singular"
        # Backtracking: α = lr first (usually accepted), then all halvings in one vectorized call, the first
        # that passes wins, exactly as trying them one by one would.
        alpha, x_new = lr, x + lr * p
        f_new = float(fn.f(x_new))
        if not f_new <= f + ARMIJO_C1 * alpha * slope:  # also when f_new is nan
            trials = x + halvings[:, None] * p
            F = np.asarray(fn.f(trials), dtype=np.float64)
            ok = F <= f + ARMIJO_C1 * halvings * slope
            j = int(np.argmax(ok))
            if not ok[j]:
                return X, N, S, k, "line_search"
            alpha, x_new, f_new = float(halvings[j]), trials[j], float(F[j])
        if not x_new @ x_new <= R2:
            return X, N, S, k, "diverged"
        g_new = np.asarray(fn.grad(x_new), dtype=np.float64)
        gg = g_new @ g_new
        if not gg < math.inf:
            return X, N, S, k, "diverged"
        s, y = x_new - x, g_new - g
        sy = s @ y
        S["s"][k], S["y"][k], S["alpha"][k] = s, y, alpha
        if sy > CURVATURE_RTOL * math.sqrt((s @ s) * (y @ y)):
            if name == "bfgs":
                Bs = B @ s
                B = B + np.outer(y, y) / sy - np.outer(Bs, Bs) / (s @ Bs)
            else:
                pairs = [*pairs[-(m - 1):], (s, y, 1.0 / sy)] if m > 1 else [(s, y, 1.0 / sy)]
        else:
            S["skipped"][k] = True
        if name == "bfgs":
            S["B"][k + 1] = B
        x, g, f = x_new, g_new, f_new
        X[k + 1], N[k + 1] = x, math.sqrt(gg)
    return X, N, S, None, None


def _finish(fn, X, N, S, stop, reason, steps):
    """Losses; a non-finite loss or state row also counts as divergence; rows after the stop repeat the last."""
    last = steps if stop is None else stop
    with np.errstate(all="ignore"):
        L = np.asarray(fn.f(X[:last + 1]), dtype=np.float64).reshape(last + 1)
    bad = ~np.isfinite(L)
    for A in S.values():
        if len(A) == steps + 1 and A.dtype != bool:
            bad |= ~np.isfinite(A[:last + 1].reshape(last + 1, -1)).all(axis=1)
    if bad.any():  # row 0 is finite (checked by _start), so the first bad row is ≥ 1
        last, reason = int(np.argmax(bad)) - 1, "diverged"
    losses = np.empty(steps + 1)
    losses[:last + 1] = L[:last + 1]
    for A in (X, N, losses, *(A for A in S.values() if len(A) == steps + 1)):
        A[last + 1:] = A[last]
    for A in (A for A in S.values() if len(A) == steps):
        A[last:] = 0
    return losses, (None if reason is None else last), reason


def trace(name: str, fn, x0, steps: int, **hyperparams) -> Trace:
    """Run one optimizer and record everything a chart needs.

    Parameters
    ----------
    name : str
        One of `NAMES`.
    fn : Function2D or similar
        Anything with ``f``, ``grad`` (and ``hess`` for Newton) taking a point of shape (dim,).
    x0 : array_like, shape (dim,)
        Finite start, within `DIVERGENCE_RADIUS`, where f and ∇f are finite.
    steps : int
        1 to `MAX_STEPS`.
    **hyperparams
        Keys of ``DEFAULTS[name]`` (PyTorch's names and defaults for the first-order methods).

    Returns
    -------
    Trace
        First-order methods take exactly `steps` steps unless they diverge; Newton, BFGS and L-BFGS also stop
        when ‖∇f‖ < tol, on a singular system or a failed line search. See `Trace` for stop_step/failed_step.

    Notes
    -----
    The first-order rules are `RULES` (see each docstring). Newton: θ ← θ − lr·H⁻¹∇f (numpy.linalg.solve).
    BFGS keeps B_k ≈ ∇²f with B₀ = I, steps along p = −B⁻¹∇f with α from lr halved until
    f(θ + αp) ≤ f(θ) + `ARMIJO_C1`·α·∇fᵀp (at most `MAX_HALVINGS` halvings), and with s = θ_{k+1} − θ_k,
    y = ∇f_{k+1} − ∇f_k updates B ← B + yyᵀ/yᵀs − Bs(Bs)ᵀ/sᵀBs only when yᵀs > `CURVATURE_RTOL`·‖s‖‖y‖, so
    B stays positive definite and B_{k+1}s = y (the secant condition). L-BFGS applies the same inverse update
    implicitly from the last history_size pairs (two-loop recursion, H₀ = sᵀy/yᵀy·I).

    Examples
    --------
    >>> from core.landscapes import quadratic
    >>> tr = trace("newton", quadratic(100.0, 30.0), [1.0, 2.0], 10)
    >>> tr.stop_reason, tr.stop_step, bool(np.abs(tr.iterates[-1]).max() < 1e-12)
    ('converged', 1, True)
    """
    _check_name(name)
    hp = resolve_hyperparams(name, **hyperparams)
    steps = _count(steps, "steps", 1, MAX_STEPS)
    x, g = _start(fn, x0)
    if name == "bfgs" and (steps + 1) * x.size**2 > MAX_RECORDED_FLOATS:
        raise ValueError(f"steps={steps} with dim={x.size} would record (steps + 1)·dim² > "
                         f"{MAX_RECORDED_FLOATS:g} floats of B; use fewer steps or lbfgs")
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        if name in FIRST_ORDER:
            X, N, S, stop, reason = _first_order(name, fn, x, g, steps, hp)
        elif name == "newton":
            X, N, S, stop, reason = _newton(fn, x, g, steps, hp)
        else:
            X, N, S, stop, reason = _quasi_newton(name, fn, x, g, steps, hp)
        losses, stop, reason = _finish(fn, X, N, S, stop, reason, steps)
    return Trace(name=name, hyperparams=hp, iterates=X, losses=losses, grad_norms=N, stop_step=stop,
                 stop_reason=reason, state=S, seconds=time.perf_counter() - t0)


def run(name: str, fn, x0, steps: int, **hyperparams) -> np.ndarray:
    """The iterates of `trace`, shape (steps + 1, dim), row 0 = x0; after an early stop rows repeat the last.

    Examples
    --------
    >>> from core.landscapes import FUNCTIONS
    >>> run("gd", FUNCTIONS["saddle"], [1.0, 0.5], 2, lr=0.25).tolist()
    [[1.0, 0.5], [0.5, 0.75], [0.25, 1.125]]
    """
    return trace(name, fn, x0, steps, **hyperparams).iterates


# --- analysis ---------------------------------------------------------------------------------------------------


def steps_to_tolerance(tr: Trace, tol: float) -> int | None:
    """The first row index k with ‖∇f(θ_k)‖ ≤ tol, or None if there is none.

    Examples
    --------
    >>> from core.landscapes import quadratic
    >>> steps_to_tolerance(trace("gd", quadratic(1.0), [1.0, 0.0], 10, lr=0.5), 1e-2)
    7
    """
    tol = _float(tol, "tol")
    hits = np.flatnonzero(tr.grad_norms <= tol)
    return int(hits[0]) if hits.size else None


def scipy_bfgs_path(fn, x0, maxiter: int, gtol: float = SCIPY_GTOL) -> np.ndarray:
    """The iterates of scipy.optimize.minimize(method="BFGS", jac=fn.grad), for comparison with ours.

    Parameters
    ----------
    fn : Function2D or similar
    x0 : array_like, shape (dim,)
    maxiter : int
        1 to `MAX_STEPS`.
    gtol : float, default `SCIPY_GTOL`
        scipy's gradient tolerance (> 0).

    Returns
    -------
    numpy.ndarray, shape (k + 1, dim)
        x0 and the point after each of scipy's k iterations (collected with its callback).

    Notes
    -----
    scipy's BFGS keeps the inverse Hessian approximation (H₀ = I) and uses a Wolfe line search, so its path
    differs from ours in the first steps and meets it at the minimum.
    """
    x, _ = _start(fn, x0)
    maxiter = _count(maxiter, "maxiter", 1, MAX_STEPS)
    gtol = _float(gtol, "gtol")
    path = [x.copy()]
    with np.errstate(all="ignore"):
        scipy.optimize.minimize(lambda p: float(fn.f(p)), x, jac=lambda p: np.asarray(fn.grad(p), dtype=float),
                                method="BFGS", callback=lambda xk: path.append(np.array(xk, dtype=float)),
                                options={"maxiter": maxiter, "gtol": gtol})
    return np.array(path)


def _bfgs_trace(tr: Trace) -> Trace:
    if "B" not in tr.state:
        raise ValueError(f"trace of {tr.name!r} has no B_k; accepted: a trace of 'bfgs'")
    return tr


def secant_residuals(tr: Trace) -> np.ndarray:
    """‖B_{k+1}s_k − y_k‖ / ‖y_k‖ for every step k whose (s_k, y_k) updated B (in order of k).

    The indices are ``np.flatnonzero(~tr.state["skipped"][:tr.steps_taken])``. BFGS builds B_{k+1} to satisfy
    B_{k+1}s_k = y_k, so these are rounding errors.
    """
    S = _bfgs_trace(tr).state
    k = np.flatnonzero(~S["skipped"][:tr.steps_taken])
    r = np.einsum("kij,kj->ki", S["B"][k + 1], S["s"][k]) - S["y"][k]
    return np.linalg.norm(r, axis=1) / np.linalg.norm(S["y"][k], axis=1)


def hessian_error(tr: Trace, fn) -> np.ndarray:
    """‖B_k − ∇²f(θ_k)‖_F / ‖∇²f(θ_k)‖_F for every row k of a BFGS trace (nan where ∇²f(θ_k) = 0)."""
    B = _bfgs_trace(tr).state["B"]
    H = np.asarray(fn.hess(tr.iterates), dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.linalg.norm(B - H, axis=(1, 2)) / np.linalg.norm(H, axis=(1, 2))


def memory_floats(name: str, dim: int, history_size: int = 10) -> int:
    """Floats of optimizer state for `dim` parameters: what each method must keep between steps.

    gd 0; momentum, nesterov, adagrad, rmsprop D; adam 2D; newton D² (the Hessian); bfgs D² (B); lbfgs 2·m·D
    (m pairs (s, y)).

    Examples
    --------
    >>> [memory_floats(n, 1000) for n in ("gd", "adam", "bfgs", "lbfgs")]
    [0, 2000, 1000000, 20000]
    """
    _check_name(name)
    D = _count(dim, "dim", 1, 10**12)
    m = _count(history_size, "history_size", 1, MAX_HISTORY)
    return {"gd": 0, "momentum": D, "nesterov": D, "adagrad": D, "rmsprop": D, "adam": 2 * D, "newton": D * D,
            "bfgs": D * D, "lbfgs": 2 * m * D}[name]


_SUB = "₁₂₃₄₅₆₇₈₉"


def _per_coordinate(symbol: str, values: np.ndarray, first: int = 0) -> dict:
    """{"m₁": (steps, values[:, 0]), …}: one series per coordinate, from row ``first`` on."""
    steps = np.arange(first, len(values))
    return {f"{symbol}{_SUB[i] if i < 9 else i + 1}": (steps, values[first:, i]) for i in range(values.shape[1])}


def state_series(tr: Trace) -> tuple[dict, bool, dict, bool]:
    """The state of a first-order run as chart series: (left, left_log, right, right_log).

    Each side is {name: (steps, values)} with names in the formulas' notation: momentum/nesterov b per
    coordinate | ‖b‖ and ‖∇f‖; adagrad r (the sum) | effective learning rate η; rmsprop v | η; adam m | v and η.
    Rows of the step counter 0 (no step yet) are left out of the effective learning rates.
    """
    S, n = tr.state, len(tr.iterates)
    if tr.name in ("momentum", "nesterov"):
        b = S["momentum_buffer"]
        right = {"‖b‖": (np.arange(n), np.linalg.norm(b, axis=1)), "‖∇f‖": (np.arange(n), tr.grad_norms)}
        return _per_coordinate("b", b), False, right, True
    if tr.name == "adagrad":
        return _per_coordinate("r", S["sum"]), True, _per_coordinate("η", S["effective_lr"], 1), True
    if tr.name == "rmsprop":
        return _per_coordinate("v", S["square_avg"]), True, _per_coordinate("η", S["effective_lr"], 1), True
    if tr.name == "adam":
        right = {**_per_coordinate("v", S["exp_avg_sq"], 1), **_per_coordinate("η", S["effective_lr"], 1)}
        return _per_coordinate("m", S["exp_avg"]), False, right, True
    raise ValueError(f"state_series needs a momentum, nesterov, adagrad, rmsprop or adam trace, got {tr.name!r}")


def state_vectors(tr: Trace) -> np.ndarray:
    """One vector per iterate to draw as an arrow there, shape (steps + 1, dim).

    momentum/nesterov −b (where the buffer pushes), adam −m (the smoothed gradient), any other method the step
    actually taken θ_{k+1} − θ_k (zero in the last row).
    """
    if tr.name in ("momentum", "nesterov"):
        return -tr.state["momentum_buffer"]
    if tr.name == "adam":
        return -tr.state["exp_avg"]
    steps = np.zeros_like(tr.iterates)
    steps[:-1] = np.diff(tr.iterates, axis=0)
    return steps

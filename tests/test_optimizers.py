"""core.optimizers against hand-computed steps, PyTorch's documented pseudocode re-implemented with scalar loops,
closed forms of gradient descent on a quadratic, scipy (BFGS, lfilter) and the inverse-BFGS product form."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (A, B, H), as in the module under test
import doctest
import math
import time

import numpy as np
import pytest
import scipy.optimize
import scipy.signal

from core import optimizers as opt
from core.landscapes import FUNCTIONS, quadratic
from core.optimizers import (
    DEFAULTS,
    DIVERGENCE_RADIUS,
    FIRST_ORDER,
    MAX_STEPS,
    NAMES,
    RULES,
    SECOND_ORDER,
    Trace,
    hessian_error,
    memory_floats,
    run,
    scipy_bfgs_path,
    secant_residuals,
    steps_to_tolerance,
    trace,
)

ROSEN = FUNCTIONS["rosenbrock"]


class _Fn:
    """A function of any dimension with f, grad, hess over points (..., dim)."""

    def __init__(self, f, grad, hess):
        self.f, self.grad, self.hess = f, grad, hess


def _bowl(A):
    """f = ½ xᵀAx."""
    A = np.asarray(A, dtype=float)
    return _Fn(lambda p: 0.5 * np.einsum("...i,ij,...j->...", p, A, p), lambda p: np.asarray(p) @ A,
               lambda p: np.broadcast_to(A, np.shape(p)[:-1] + A.shape))


DIAG = _bowl(np.diag([1.0, 4.0]))  # g = (x, 4y): coordinates decouple, so steps can be done by hand


def _finite(tr: Trace) -> bool:
    arrays = [tr.iterates, tr.losses, tr.grad_norms, *tr.state.values()]
    return all(np.isfinite(a).all() for a in arrays if a.dtype != bool)


def test_module_doctests():
    assert doctest.testmod(opt).failed == 0


def test_names_and_defaults_follow_the_contract():
    assert NAMES == ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton", "bfgs", "lbfgs")
    assert FIRST_ORDER == NAMES[:6] and SECOND_ORDER == NAMES[6:] and tuple(RULES) == FIRST_ORDER
    # torch.optim's defaults (SGD momentum raised to 0.9 for the momentum methods)
    assert DEFAULTS == {
        "gd": {"lr": 1e-3, "weight_decay": 0.0},
        "momentum": {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
        "nesterov": {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0},
        "adagrad": {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
                    "eps": 1e-10},
        "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
        "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
        "newton": {"lr": 1.0, "tol": 1e-10},
        "bfgs": {"lr": 1.0, "tol": 1e-10},
        "lbfgs": {"lr": 1.0, "history_size": 10, "tol": 1e-10},
    }
    assert MAX_STEPS == 2000 and DIVERGENCE_RADIUS == 1e10


# --- hand-computed first two steps on f = ½(x² + 4y²) from (1, 1) ------------------------------------------------

# worked out on paper: g₀ = (1, 4), g₁ = (x₁, 4y₁)
HAND = [
    ("gd", {"lr": 0.1}, [[0.9, 0.6], [0.81, 0.36]]),
    # g ← g + 0.5θ: (1.5, 4.5) → (0.85, 0.55); g₁ = (0.85, 2.2) + (0.425, 0.275)
    ("gd", {"lr": 0.1, "weight_decay": 0.5}, [[0.85, 0.55], [0.7225, 0.3025]]),
    # b₁ = g₀ = (1, 4); b₂ = 0.9·(1, 4) + (0.9, 2.4) = (1.8, 6)
    ("momentum", {"lr": 0.1}, [[0.9, 0.6], [0.72, 0.0]]),
    # no dampening at the first step (PyTorch); b₂ = 0.9·(1, 4) + 0.5·(0.9, 2.4) = (1.35, 4.8)
    ("momentum", {"lr": 0.1, "dampening": 0.5}, [[0.9, 0.6], [0.765, 0.12]]),
    # b₁ = (1, 4), step g₀ + 0.9b₁ = (1.9, 7.6); g₁ = (0.81, 0.96), b₂ = (1.71, 4.56), step (2.349, 5.064)
    ("nesterov", {"lr": 0.1}, [[0.81, 0.24], [0.5751, -0.2664]]),
]


@pytest.mark.parametrize("name, hp, expected", HAND)
def test_sgd_family_by_hand(name, hp, expected):
    X = run(name, DIAG, [1.0, 1.0], 2, **hp)
    np.testing.assert_allclose(X, [[1.0, 1.0], *expected], rtol=1e-14, atol=1e-15, err_msg=f"{name} {hp}")


def test_adagrad_with_lr_decay_by_hand():
    lr, decay, s0, eps = 0.1, 0.5, 0.1, 1e-10
    x, y = 1.0, 1.0
    sx, sy = s0 + 1.0**2, s0 + 4.0**2  # S₁ = S₀ + g₀²
    x1, y1 = x - lr * 1.0 / (math.sqrt(sx) + eps), y - lr * 4.0 / (math.sqrt(sy) + eps)
    gx, gy = x1, 4 * y1
    sx, sy = sx + gx**2, sy + gy**2
    clr = lr / (1 + 1 * decay)  # t = 2
    x2, y2 = x1 - clr * gx / (math.sqrt(sx) + eps), y1 - clr * gy / (math.sqrt(sy) + eps)
    tr = trace("adagrad", DIAG, [1.0, 1.0], 2, lr=lr, lr_decay=decay, initial_accumulator_value=s0)
    np.testing.assert_allclose(tr.iterates, [[1, 1], [x1, y1], [x2, y2]], rtol=1e-14)
    np.testing.assert_allclose(tr.state["sum"][2], [sx, sy], rtol=1e-14)
    # the first step: 1 − 0.1/√1.1 and 1 − 0.4/√16.1, to the digits
    np.testing.assert_allclose(tr.iterates[1], [0.9046538, 0.9003110], atol=1e-7)


def test_rmsprop_by_hand():
    lr, a, eps = 0.01, 0.99, 1e-8
    vx, vy = (1 - a) * 1.0, (1 - a) * 16.0
    x1, y1 = 1 - lr * 1.0 / (math.sqrt(vx) + eps), 1 - lr * 4.0 / (math.sqrt(vy) + eps)
    vx, vy = a * vx + (1 - a) * x1**2, a * vy + (1 - a) * (4 * y1) ** 2
    x2, y2 = x1 - lr * x1 / (math.sqrt(vx) + eps), y1 - lr * 4 * y1 / (math.sqrt(vy) + eps)
    tr = trace("rmsprop", DIAG, [1.0, 1.0], 2, lr=lr, alpha=a)
    np.testing.assert_allclose(tr.iterates, [[1, 1], [x1, y1], [x2, y2]], rtol=1e-14)
    # the first step is lr/√(1 − α) = 0.1 long in each coordinate, whatever |g|
    np.testing.assert_allclose(tr.iterates[1], [0.9, 0.9], atol=1e-6)
    np.testing.assert_allclose(tr.state["square_avg"][2], [vx, vy], rtol=1e-14)


def test_adam_bias_correction_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    m = [(1 - b1) * 1.0, (1 - b1) * 4.0]
    v = [(1 - b2) * 1.0, (1 - b2) * 16.0]
    # bias-corrected: m̂ = g, v̂ = g², so the first step is lr·g/|g| = 0.1 per coordinate
    x1 = [1 - lr * (m[i] / (1 - b1)) / (math.sqrt(v[i] / (1 - b2)) + eps) for i in range(2)]
    g1 = [x1[0], 4 * x1[1]]
    m = [b1 * m[i] + (1 - b1) * g1[i] for i in range(2)]
    v = [b2 * v[i] + (1 - b2) * g1[i] ** 2 for i in range(2)]
    x2 = [x1[i] - lr * (m[i] / (1 - b1**2)) / (math.sqrt(v[i] / (1 - b2**2)) + eps) for i in range(2)]
    tr = trace("adam", DIAG, [1.0, 1.0], 2, lr=lr)
    np.testing.assert_allclose(tr.iterates, [[1, 1], x1, x2], rtol=1e-14)
    np.testing.assert_allclose(tr.iterates[1], [0.9, 0.9], atol=1e-8)
    np.testing.assert_allclose(tr.state["exp_avg"][2], m, rtol=1e-14)
    np.testing.assert_allclose(tr.state["exp_avg_sq"][2], v, rtol=1e-14)


def test_rules_are_pure_and_return_the_step():
    state = opt.initial_state("momentum", 2)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    step, new = RULES["momentum"](state, np.array([1.0, 4.0]), np.array([1.0, 1.0]), DEFAULTS["momentum"])
    np.testing.assert_array_equal(step, [-1e-3, -4e-3])
    assert new["t"] == 1 and state["t"] == 0
    np.testing.assert_array_equal(state["momentum_buffer"], before["momentum_buffer"])


# --- PyTorch's documented algorithms, re-implemented coordinate by coordinate ---------------------------------


def _rosen_grad(x, y):
    return [2 * (x - 1) + 400 * x * (x * x - y), 200 * (y - x * x)]


def _torch_reference(name, hp, x0, steps):
    """torch.optim's pseudocode (docs), one scalar at a time; Adam as written there: m̂/(√v̂ + ε)."""
    th = list(x0)
    lr, wd = hp["lr"], hp.get("weight_decay", 0.0)
    buf, acc, sq, m, v = [None, None], [hp.get("initial_accumulator_value", 0.0)] * 2, [0.0, 0.0], [0.0] * 2, [0.0] * 2
    path = [list(th)]
    for t in range(1, steps + 1):
        grad = _rosen_grad(*th)
        for i in range(2):
            g = grad[i] + wd * th[i]
            if name in ("gd", "momentum", "nesterov"):
                mu = hp.get("momentum", 0.0)
                if mu:
                    buf[i] = g if t == 1 else mu * buf[i] + (1 - hp.get("dampening", 0.0)) * g
                    g = g + mu * buf[i] if name == "nesterov" else buf[i]
                th[i] = th[i] - lr * g
            elif name == "adagrad":
                clr = lr / (1 + (t - 1) * hp["lr_decay"])
                acc[i] = acc[i] + g * g
                th[i] = th[i] - clr * g / (math.sqrt(acc[i]) + 1e-10)
            elif name == "rmsprop":
                sq[i] = hp["alpha"] * sq[i] + (1 - hp["alpha"]) * g * g
                th[i] = th[i] - lr * g / (math.sqrt(sq[i]) + 1e-8)
            else:
                b1, b2 = hp["betas"]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                m_hat, v_hat = m[i] / (1 - b1**t), v[i] / (1 - b2**t)
                th[i] = th[i] - lr * m_hat / (math.sqrt(v_hat) + 1e-8)
        path.append(list(th))
    return np.array(path)


TORCH_HP = {
    "gd": {"lr": 2e-4, "weight_decay": 0.01},
    "momentum": {"lr": 1e-4, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
    "nesterov": {"lr": 1e-4, "momentum": 0.8, "weight_decay": 0.01},
    "adagrad": {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01},
    "rmsprop": {"lr": 1e-2, "alpha": 0.9, "weight_decay": 0.01},
    "adam": {"lr": 1e-2, "betas": (0.8, 0.99), "weight_decay": 0.01},
}


@pytest.mark.parametrize("name", FIRST_ORDER)
@pytest.mark.parametrize("defaults", [True, False], ids=["defaults", "custom"])
def test_matches_torch_pseudocode_on_rosenbrock(name, defaults):
    hp = {} if defaults else TORCH_HP[name]
    tr = trace(name, ROSEN, [-1.5, 2.0], 50, **hp)
    ref = _torch_reference(name, {**DEFAULTS[name], **hp}, (-1.5, 2.0), 50)
    assert tr.stop_reason is None
    np.testing.assert_allclose(tr.iterates, ref, rtol=1e-12, atol=0, err_msg=name)
    assert np.abs(tr.iterates[-1] - tr.iterates[0]).max() > 1e-3  # it moved: the comparison means something


# --- recorded state against its definition ------------------------------------------------------------------


def test_adagrad_state_is_the_running_sum_and_its_effective_lr():
    lr, decay, s0, eps = 0.05, 0.1, 0.2, 1e-10
    tr = trace("adagrad", FUNCTIONS["himmelblau"], [0.5, -1.0], 30, lr=lr, lr_decay=decay,
               initial_accumulator_value=s0)
    G = FUNCTIONS["himmelblau"].grad(tr.iterates[:-1])  # the gradient used by step k + 1
    np.testing.assert_allclose(tr.state["sum"], s0 + np.vstack([np.zeros(2), np.cumsum(G**2, axis=0)]), rtol=1e-13)
    t = np.arange(1, 31)[:, None]
    eff = lr / (1 + (t - 1) * decay) / (np.sqrt(tr.state["sum"][1:]) + eps)
    np.testing.assert_allclose(tr.state["effective_lr"][1:], eff, rtol=1e-13)
    np.testing.assert_array_equal(tr.state["effective_lr"][0], [0.0, 0.0])
    np.testing.assert_allclose(np.diff(tr.iterates, axis=0), -eff * G, rtol=1e-12)


def test_adam_state_is_the_ema_and_its_effective_lr():
    lr, (b1, b2), eps = 0.02, (0.85, 0.995), 1e-8
    fn = FUNCTIONS["beale"]
    tr = trace("adam", fn, [1.0, 1.0], 40, lr=lr, betas=(b1, b2))
    G = fn.grad(tr.iterates[:-1])
    m = scipy.signal.lfilter([1 - b1], [1, -b1], G, axis=0)  # m_t = β₁m_{t−1} + (1 − β₁)g_t as a linear filter
    v = scipy.signal.lfilter([1 - b2], [1, -b2], G**2, axis=0)
    np.testing.assert_allclose(tr.state["exp_avg"][1:], m, rtol=1e-12)
    np.testing.assert_allclose(tr.state["exp_avg_sq"][1:], v, rtol=1e-12)
    t = np.arange(1, 41)[:, None]
    eff = lr / (1 - b1**t) / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
    np.testing.assert_allclose(tr.state["effective_lr"][1:], eff, rtol=1e-12)
    np.testing.assert_allclose(np.diff(tr.iterates, axis=0), -eff * m, rtol=1e-11)


def test_trace_losses_and_grad_norms_are_f_and_norm_of_grad():
    for name in NAMES:
        tr = trace(name, FUNCTIONS["himmelblau"], [0.5, -1.0], 25)
        np.testing.assert_allclose(tr.losses, FUNCTIONS["himmelblau"].f(tr.iterates), rtol=1e-14, err_msg=name)
        np.testing.assert_allclose(tr.grad_norms, np.linalg.norm(FUNCTIONS["himmelblau"].grad(tr.iterates), axis=1),
                                   rtol=1e-14, err_msg=name)
        np.testing.assert_array_equal(run(name, FUNCTIONS["himmelblau"], [0.5, -1.0], 25), tr.iterates)
        assert tr.hyperparams == {**DEFAULTS[name]} and tr.iterates.shape == (26, 2) and tr.seconds >= 0
        for key, A in tr.state.items():
            assert len(A) in (25, 26), (name, key)


# --- Newton, BFGS, L-BFGS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("x0", [(1.0, 2.0), (-1.7, 0.3), (1e3, -4e2)])
def test_newton_solves_a_quadratic_in_one_step(x0):
    tr = trace("newton", quadratic(100.0, 30.0), x0, 10)
    assert (tr.stop_reason, tr.stop_step, tr.failed_step, tr.steps_taken) == ("converged", 1, None, 1)
    np.testing.assert_allclose(tr.iterates[1], [0.0, 0.0], atol=1e-12 * np.abs(x0).max())
    np.testing.assert_array_equal(tr.iterates[2:], np.broadcast_to(tr.iterates[1], (9, 2)))


def test_newton_stops_on_a_singular_hessian():
    # f = x² + y: ∇²f = diag(2, 0) is singular while ∇f = (2x, 1) never vanishes
    fn = _Fn(lambda p: p[..., 0] ** 2 + p[..., 1], lambda p: np.stack([2 * p[..., 0], np.ones_like(p[..., 1])], -1),
             lambda p: np.broadcast_to(np.diag([2.0, 0.0]), np.shape(p)[:-1] + (2, 2)))
    tr = trace("newton", fn, [1.0, 1.0], 5)
    assert (tr.stop_reason, tr.stop_step, tr.failed_step) == ("singular", 0, 1)
    np.testing.assert_array_equal(tr.iterates, np.ones((6, 2)))


def test_bfgs_secant_condition_and_inverse_update():
    for fid, x0 in (("rosenbrock", (-1.2, 1.0)), ("himmelblau", (0.5, -1.0)), ("two_weight_net", (1.5, -0.5))):
        tr = trace("bfgs", FUNCTIONS[fid], x0, 100)
        res = secant_residuals(tr)
        assert res.size == np.count_nonzero(~tr.state["skipped"][:tr.steps_taken]) > 3
        assert res.max() < 1e-10, fid
        # the same update written for the inverse (Nocedal & Wright 6.17), checked on B⁻¹
        B, S, Y = tr.state["B"], tr.state["s"], tr.state["y"]
        for k in range(tr.steps_taken):
            if tr.state["skipped"][k]:
                np.testing.assert_array_equal(B[k + 1], B[k])
                continue
            s, y = S[k], Y[k]
            rho, E = 1 / (y @ s), np.eye(2)
            Hinv = (E - rho * np.outer(s, y)) @ np.linalg.inv(B[k]) @ (E - rho * np.outer(y, s)) + rho * np.outer(s, s)
            np.testing.assert_allclose(np.linalg.inv(B[k + 1]), Hinv, rtol=1e-7, atol=1e-9 * np.abs(Hinv).max())


def test_bfgs_steps_pass_armijo_with_halved_lengths():
    tr = trace("bfgs", ROSEN, [-1.2, 1.0], 100)
    n = tr.steps_taken
    G = ROSEN.grad(tr.iterates[:n])
    alpha, S = tr.state["alpha"][:n], tr.state["s"][:n]
    P = S / alpha[:, None]
    np.testing.assert_array_less(tr.losses[1:n + 1], tr.losses[:n] + 1e-4 * alpha * np.einsum("ki,ki->k", G, P)
                                 + 1e-300)
    np.testing.assert_array_equal(np.log2(alpha), np.round(np.log2(alpha)))  # α = 2⁻ʲ
    assert alpha.min() < 1 and np.all(np.einsum("ki,ki->k", G, P) < 0)
    np.testing.assert_array_equal(tr.state["s"][n:], 0)


def test_bfgs_reaches_rosenbrock_minimum_like_scipy():
    tr = trace("bfgs", ROSEN, [-1.2, 1.0], 200)
    assert tr.stop_reason == "converged" and tr.grad_norms[tr.stop_step] < 1e-10
    np.testing.assert_allclose(tr.iterates[-1], [1.0, 1.0], atol=1e-6)
    path = scipy_bfgs_path(ROSEN, [-1.2, 1.0], 200)
    np.testing.assert_array_equal(path[0], [-1.2, 1.0])
    ref = scipy.optimize.minimize(lambda p: float(ROSEN.f(p)), [-1.2, 1.0], jac=ROSEN.grad, method="BFGS",
                                  options={"maxiter": 200, "gtol": 1e-10})
    np.testing.assert_allclose(path[-1], ref.x, rtol=0, atol=1e-14)
    assert len(path) == ref.nit + 1
    np.testing.assert_allclose(path[-1], tr.iterates[-1], atol=1e-6)
    assert hessian_error(tr, ROSEN)[-1] < 0.01  # B → ∇²f at the minimum


def test_bfgs_learns_a_quadratic_hessian():
    fn = quadratic(10.0, 0.0)
    tr = trace("bfgs", fn, [1.0, 1.0], 20)
    assert tr.stop_reason == "converged" and tr.stop_step <= 8
    err = hessian_error(tr, fn)
    np.testing.assert_allclose(err[0], np.linalg.norm(np.eye(2) - fn.hess(np.zeros(2))) / np.linalg.norm(
        fn.hess(np.zeros(2))), rtol=1e-14)  # B₀ = I
    assert err[4] < 0.1 and err[-1] < 0.01


def test_bfgs_skips_pairs_with_negative_curvature():
    tr = trace("bfgs", FUNCTIONS["saddle"], [1.0, 0.5], 100)  # unbounded below: yᵀs = 2(s₁² − s₂²) < 0 soon
    sk = tr.state["skipped"][:tr.steps_taken]
    S, Y = tr.state["s"][:tr.steps_taken], tr.state["y"][:tr.steps_taken]
    np.testing.assert_array_equal(sk, np.einsum("ki,ki->k", S, Y) <= 1e-12 * np.linalg.norm(S, axis=1)
                                  * np.linalg.norm(Y, axis=1))
    assert sk.any() and tr.diverged
    assert np.linalg.norm(tr.iterates[tr.stop_step]) <= DIVERGENCE_RADIUS


def _lbfgs_inverse(pairs, n):
    """H from γI and the inverse BFGS update over the pairs, oldest first, as an explicit matrix."""
    s, y = pairs[-1] if pairs else (None, None)
    H = np.eye(n) * ((s @ y) / (y @ y) if pairs else 1.0)
    for s, y in pairs:
        rho, E = 1 / (y @ s), np.eye(n)
        H = (E - rho * np.outer(s, y)) @ H @ (E - rho * np.outer(y, s)) + rho * np.outer(s, s)
    return H


@pytest.mark.parametrize("m", [1, 3])
def test_lbfgs_direction_is_the_limited_memory_inverse(m):
    tr = trace("lbfgs", FUNCTIONS["himmelblau"], [0.5, -1.0], 40, history_size=m)
    G = FUNCTIONS["himmelblau"].grad(tr.iterates)
    kept = []
    for k in range(tr.steps_taken):
        alpha = tr.state["alpha"][k]
        p = tr.state["s"][k] / alpha
        # s = θ_{k+1} − θ_k carries the rounding of θ (~1e-16·|θ|), which matters once the steps are tiny
        np.testing.assert_allclose(p, -_lbfgs_inverse(kept, 2) @ G[k], rtol=1e-9,
                                   atol=1e-15 * np.abs(tr.iterates[k]).max() / alpha)
        if not tr.state["skipped"][k]:
            kept = [*kept, (tr.state["s"][k], tr.state["y"][k])][-m:]


def test_lbfgs_reaches_rosenbrock_minimum():
    for x0 in ((-1.5, 2.0), (-1.2, 1.0)):
        tr = trace("lbfgs", ROSEN, x0, 1000)
        assert tr.stop_reason == "converged", x0
        np.testing.assert_allclose(tr.iterates[-1], [1.0, 1.0], atol=1e-6)


def test_lbfgs_with_one_pair_converges_on_a_quadratic():
    tr = trace("lbfgs", quadratic(100.0, 30.0), [1.0, 2.0], 500, history_size=1)
    assert tr.stop_reason == "converged" and tr.stop_step < 100
    assert np.linalg.norm(tr.iterates[-1]) < 1e-10 * 100  # ‖x‖ ≤ ‖∇f‖/λ_min = ‖∇f‖·κ


def test_works_in_three_dimensions():
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    fn, x0 = _bowl(A), np.array([1.0, -2.0, 0.5])
    tr = trace("newton", fn, x0, 5)
    assert tr.stop_step == 1 and np.abs(tr.iterates[1]).max() < 1e-14
    for name in ("bfgs", "lbfgs"):
        tr = trace(name, fn, x0, 100)
        assert tr.stop_reason == "converged" and np.abs(tr.iterates[-1]).max() < 1e-9
    tr = trace("gd", fn, x0, 100, lr=0.1)
    np.testing.assert_allclose(tr.iterates[-1], np.linalg.matrix_power(np.eye(3) - 0.1 * A, 100) @ x0, rtol=1e-10)
    assert trace("adam", fn, x0, 10).state["exp_avg"].shape == (11, 3)


# --- gradient descent's stability threshold, divergence, early stops --------------------------------------------


def test_gd_threshold_two_over_lambda_max():
    fn = quadratic(10.0, 0.0)
    lam_max = np.linalg.eigvalsh(fn.hess(np.zeros(2))).max()
    x0 = np.array([1.0, 1.0])
    M = np.eye(2) - 0.99 * 2 / lam_max * fn.hess(np.zeros(2))
    stable = run("gd", fn, x0, 1000, lr=0.99 * 2 / lam_max)
    np.testing.assert_allclose(stable[-1], np.linalg.matrix_power(M, 1000) @ x0, rtol=1e-9, atol=1e-300)
    assert np.linalg.norm(stable[-1]) < 1e-6
    lr = 1.01 * 2 / lam_max
    unstable = trace("gd", fn, x0, 1000, lr=lr)
    norms = np.linalg.norm(unstable.iterates, axis=1)
    assert unstable.stop_reason is None and np.all(np.diff(norms[100:]) > 0)
    np.testing.assert_allclose(norms[101:] / norms[100:-1], abs(1 - lr * lam_max), rtol=1e-9)


def test_gd_divergence_is_reported_at_the_radius():
    fn, lr = quadratic(10.0, 0.0), 10.0  # x_k = (−9)ᵏ along the first axis; the second is 0 after one step
    tr = trace("gd", fn, [1.0, 1.0], 50, lr=lr)
    closed = np.linalg.norm([[(1 - lr) ** k, (1 - lr / 10) ** k] for k in range(51)], axis=1)
    failed = int(np.argmax(closed > DIVERGENCE_RADIUS))
    assert failed == 11
    assert tr.diverged and tr.stop_reason == "diverged"
    assert (tr.stop_step, tr.failed_step, tr.steps_taken) == (failed - 1, failed, failed - 1)
    np.testing.assert_allclose(np.linalg.norm(tr.iterates[:failed], axis=1), closed[:failed], rtol=1e-12)
    np.testing.assert_array_equal(tr.iterates[failed:], np.broadcast_to(tr.iterates[failed - 1], (51 - failed, 2)))
    assert np.all(tr.losses[failed:] == tr.losses[failed - 1]) and np.all(tr.grad_norms[failed:] ==
                                                                          tr.grad_norms[failed - 1])


@pytest.mark.parametrize("name", NAMES)
def test_wild_runs_leave_no_nan_or_inf(name):
    tr = trace(name, ROSEN, [-1.5, 2.0], 300, lr=1e3)
    assert _finite(tr), name
    if name in ("gd", "momentum", "nesterov", "newton"):
        assert tr.diverged and tr.failed_step == tr.stop_step + 1
    if tr.stop_step is not None:
        k = tr.stop_step
        np.testing.assert_array_equal(tr.iterates[k:], np.broadcast_to(tr.iterates[k], tr.iterates[k:].shape))
        for key, A in tr.state.items():
            if len(A) == 301:
                np.testing.assert_array_equal(A[k:], np.broadcast_to(A[k], A[k:].shape), err_msg=key)


def test_zero_eps_on_a_zero_gradient_stops_before_nan():
    # Adam with ε = 0 at a stationary point computes 0/0 in its first step
    tr = trace("adam", quadratic(1.0), [0.0, 0.0], 5, eps=0.0)
    assert (tr.stop_reason, tr.stop_step, tr.failed_step) == ("diverged", 0, 1) and _finite(tr)


def test_an_infinite_loss_counts_as_divergence():
    # f overflows to inf beyond |x| = 10 while its gradient stays finite
    fn = _Fn(lambda p: np.where(np.abs(p[..., 0]) < 10, p[..., 0] ** 2, np.inf), lambda p: 2 * np.asarray(p),
             None)
    tr = trace("gd", fn, [1.0], 20, lr=1.6)  # x_k = (−2.2)ᵏ: |x₃| = 10.648
    assert (tr.stop_reason, tr.stop_step) == ("diverged", 2) and _finite(tr)
    np.testing.assert_allclose(tr.iterates[:3, 0], [1.0, -2.2, 4.84], rtol=1e-14)


# --- validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sgd", "Adam", "", None, 3])
def test_unknown_name(name):
    with pytest.raises(ValueError, match="name="):
        trace(name, ROSEN, [0.0, 0.0], 5)


@pytest.mark.parametrize("name, hp, match", [
    ("adam", {"learning_rate": 0.1}, "accepted: lr, betas, eps, weight_decay"),
    ("nesterov", {"dampening": 0.1}, "accepted: lr, momentum, weight_decay"),
    ("gd", {"momentum": 0.9}, "accepted: lr, weight_decay"),
    ("gd", {"lr": 0.0}, "lr=0.0"), ("gd", {"lr": -1.0}, "lr="), ("gd", {"lr": math.nan}, "lr="),
    ("gd", {"lr": math.inf}, "lr="), ("gd", {"lr": "big"}, "lr="), ("gd", {"lr": True}, "lr="),
    ("momentum", {"momentum": 1.0}, "momentum="), ("momentum", {"momentum": -0.1}, "momentum="),
    ("momentum", {"dampening": 1.5}, "dampening="),
    ("adam", {"betas": (0.9, 1.0)}, "betas="), ("adam", {"betas": (0.9,)}, "betas="),
    ("adam", {"betas": (-0.1, 0.9)}, "betas="), ("adam", {"betas": 0.9}, "betas="),
    ("adam", {"eps": -1e-8}, "eps="), ("adagrad", {"lr_decay": -1.0}, "lr_decay="),
    ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value="),
    ("rmsprop", {"alpha": 1.01}, "alpha="), ("rmsprop", {"alpha": -0.01}, "alpha="),
    ("gd", {"weight_decay": -0.1}, "weight_decay="),
    ("lbfgs", {"history_size": 0}, "history_size="), ("lbfgs", {"history_size": 2.5}, "history_size="),
    ("bfgs", {"tol": -1.0}, "tol="), ("newton", {"lr": 0}, "lr="),
])
def test_bad_hyperparameters(name, hp, match):
    with pytest.raises(ValueError, match=match):
        trace(name, ROSEN, [0.0, 0.0], 5, **hp)


def test_edge_hyperparameters_are_accepted():
    trace("momentum", ROSEN, [0.0, 0.0], 3, momentum=0.0, dampening=1.0)
    trace("rmsprop", ROSEN, [0.0, 0.0], 3, alpha=0.0, eps=0.0)
    trace("adam", ROSEN, [0.0, 0.0], 3, betas=[0.0, 0.0])
    assert trace("lbfgs", ROSEN, [0.0, 0.0], 3, history_size=1).hyperparams["history_size"] == 1


@pytest.mark.parametrize("steps", [0, -1, MAX_STEPS + 1, 10.0, True, "10", None])
def test_bad_steps(steps):
    with pytest.raises(ValueError, match="steps="):
        trace("gd", ROSEN, [0.0, 0.0], steps)


@pytest.mark.parametrize("x0", [(math.nan, 0.0), (0.0, math.inf), (1.0, 2.0, 3.0), [[1.0, 2.0]], [], "ab",
                                (1e11, 0.0), (0.0,)])
def test_bad_start(x0):
    with pytest.raises(ValueError, match="x0"):
        trace("adam", ROSEN, x0, 5)


def test_bad_arguments_of_the_helpers():
    tr = trace("lbfgs", ROSEN, [0.0, 0.0], 5)
    with pytest.raises(ValueError, match="'bfgs'"):
        secant_residuals(tr)
    with pytest.raises(ValueError, match="'bfgs'"):
        hessian_error(tr, ROSEN)
    with pytest.raises(ValueError, match="tol="):
        steps_to_tolerance(tr, -1.0)
    with pytest.raises(ValueError, match="maxiter="):
        scipy_bfgs_path(ROSEN, [0.0, 0.0], 0)
    with pytest.raises(ValueError, match="dim="):
        memory_floats("adam", 0)
    with pytest.raises(ValueError, match="name="):
        memory_floats("sgd", 2)


# --- helpers ------------------------------------------------------------------------------------------------------


def test_memory_floats():
    D, m = 7, 5
    expected = {"gd": 0, "momentum": D, "nesterov": D, "adagrad": D, "rmsprop": D, "adam": 2 * D, "newton": D * D,
                "bfgs": D * D, "lbfgs": 2 * m * D}
    assert {n: memory_floats(n, D, history_size=m) for n in NAMES} == expected
    assert memory_floats("lbfgs", 1000) == 20_000


def test_steps_to_tolerance():
    # GD with lr = 0.5 on ½‖x‖²: ‖∇f(x_k)‖ = 0.5ᵏ·‖x₀‖
    tr = trace("gd", quadratic(1.0), [3.0, 4.0], 30, lr=0.5)
    np.testing.assert_allclose(tr.grad_norms, 5.0 * 0.5 ** np.arange(31), rtol=1e-14)
    for tol in (5.0, 1.0, 1e-3, 5.0 * 0.5**12):
        assert steps_to_tolerance(tr, tol) == math.ceil(math.log2(5.0 / tol) - 1e-12), tol
    assert steps_to_tolerance(tr, 1e-12) is None


def test_thousand_steps_are_fast():
    for name in NAMES:
        t0 = time.perf_counter()
        tr = trace(name, ROSEN, [-1.2, 1.0], 1000)
        elapsed = time.perf_counter() - t0
        assert elapsed < 0.2 and tr.seconds <= elapsed, (name, elapsed)
        if name in FIRST_ORDER:
            assert tr.stop_step is None  # all 1000 steps were taken

"""core.initialization against closed forms, scipy/sympy, finite differences and numpy's own float16 rounding."""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (W, G, P), as in the module under test
import doctest
import math
import time
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats
import sympy as sp

from core import initialization as ini
from core.initialization import (
    ACTIVATIONS,
    CLIP_EPS,
    DTYPES,
    MAX_SAMPLE,
    SCHEMES,
    activation_samples,
    init_bound,
    init_std,
    init_weights,
    loss_and_gradients,
    network_inputs,
    network_weights,
    product_growth,
    propagate,
    rescale_products,
    spectral_norm_of_products,
    taylor_eval,
)

FANS = [(1, 1), (3, 7), (256, 256), (784, 100), (100, 784)]
# Independent definitions of the activations (scipy/numpy), and sympy expressions for their series
REFERENCE = {
    "identity": lambda x: x,
    "sigmoid": scipy.special.expit,
    "tanh": np.tanh,
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "scaled_sigmoid": lambda x: 4 * scipy.special.expit(x) - 2,
}
_x = sp.Symbol("x")
SYMBOLIC = {
    "identity": _x,
    "sigmoid": 1 / (1 + sp.exp(-_x)),
    "tanh": (sp.exp(_x) - sp.exp(-_x)) / (sp.exp(_x) + sp.exp(-_x)),
    "scaled_sigmoid": 4 / (1 + sp.exp(-_x)) - 2,
}


def test_module_doctests():
    assert doctest.testmod(ini).failed == 0


# --- initialization ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_in, n_out", FANS)
def test_init_std_and_bound_follow_the_formulas(n_in, n_out):
    assert init_std("xavier_normal", n_in, n_out) == pytest.approx(math.sqrt(2 / (n_in + n_out)), rel=1e-15)
    assert init_std("xavier_uniform", n_in, n_out) == pytest.approx(math.sqrt(2 / (n_in + n_out)), rel=1e-15)
    assert init_std("he_normal", n_in, n_out) == pytest.approx(math.sqrt(2 / n_in), rel=1e-15)
    assert init_std("he_uniform", n_in, n_out) == pytest.approx(math.sqrt(2 / n_in), rel=1e-15)
    assert init_bound("xavier_uniform", n_in, n_out) == pytest.approx(math.sqrt(6 / (n_in + n_out)), rel=1e-15)
    assert init_bound("he_uniform", n_in, n_out) == pytest.approx(math.sqrt(6 / n_in), rel=1e-15)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_init_weights_has_the_promised_distribution(scheme):
    n_in, n_out, std = 1200, 800, 0.3
    W = init_weights(scheme, n_in, n_out, np.random.default_rng(11), std=std)
    sigma = std if scheme in ("normal", "uniform") else init_std(scheme, n_in, n_out)
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    # 960 000 draws: the sample variance is within ~0.3 % (3 standard errors) of σ²
    assert W.var() == pytest.approx(sigma**2, rel=0.01), scheme
    assert abs(W.mean()) < 5 * sigma / math.sqrt(W.size)
    kurtosis = scipy.stats.kurtosis(W, axis=None, fisher=False)
    if "uniform" in scheme:
        bound = math.sqrt(3) * sigma
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.999 * bound
        assert kurtosis == pytest.approx(1.8, abs=0.02)  # U(−a, a)
        if scheme != "uniform":
            assert bound == pytest.approx(init_bound(scheme, n_in, n_out), rel=1e-15)
    else:
        assert kurtosis == pytest.approx(3.0, abs=0.05)  # normal


def test_init_weights_seed_and_generator_agree():
    np.testing.assert_array_equal(init_weights("he_normal", 5, 4, 3), init_weights("he_normal", 5, 4, 3))
    np.testing.assert_array_equal(init_weights("he_normal", 5, 4, 3),
                                  init_weights("he_normal", 5, 4, np.random.default_rng(3)))
    assert not np.array_equal(init_weights("he_normal", 5, 4, 3), init_weights("he_normal", 5, 4, 4))


# --- activations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act_id", list(ACTIVATIONS))
def test_activation_values_and_derivatives(act_id):
    act = ACTIVATIONS[act_id]
    x = np.linspace(-6, 6, 241) + 0.0123  # no point at relu's kink
    np.testing.assert_allclose(act.f(x), REFERENCE[act_id](x), rtol=1e-14, atol=1e-15, err_msg=act_id)
    h = 1e-6
    fd = (REFERENCE[act_id](x + h) - REFERENCE[act_id](x - h)) / (2 * h)
    np.testing.assert_allclose(act.df(x), fd, rtol=1e-8, atol=1e-9, err_msg=act_id)


@pytest.mark.parametrize("act_id", list(ACTIVATIONS))
def test_activations_keep_the_format_and_never_warn(act_id):
    act = ACTIVATIONS[act_id]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float16, np.float32, np.float64):
            x = np.array([-1e4, -60.0, -8.0, -1.0, 0.0, 1.0, 8.0, 60.0, 1e4], dtype=dtype)
            y, dy = act.f(x), act.df(x)
            assert y.dtype == dtype and dy.dtype == dtype, (act_id, dtype)
            assert np.isfinite(y).all() and np.isfinite(dy).all() and (dy >= 0).all()
            if act_id in ("sigmoid", "tanh", "scaled_sigmoid"):
                lo, hi = {"sigmoid": (0, 1), "tanh": (-1, 1), "scaled_sigmoid": (-2, 2)}[act_id]
                assert y[0] == lo and y[-1] == hi and dy[0] == 0 and dy[-1] == 0
        assert act.f([1, 2]).dtype == np.float64  # integers are computed in float64


@pytest.mark.parametrize("act_id, points", [
    ("sigmoid", [8.5, 9.0, 9.5]), ("tanh", [4.75, 5.0, -5.25]), ("scaled_sigmoid", [10.0, 10.5, -11.0]),
])
def test_saturated_derivatives_keep_their_relative_accuracy_in_float16(act_id, points):
    x = np.array(points, dtype=np.float16)
    act = ACTIVATIONS[act_id]
    # the textbook forms σ(1 − σ), 1 − tanh² and 4σ(1 − σ) from float16 outputs are exactly 0 here ...
    y = act.f(x)
    naive = {"sigmoid": y * (1 - y), "tanh": 1 - y * y, "scaled_sigmoid": (2 + y) * (2 - y) / 4}[act_id]
    assert (naive == 0).all()
    # ... while the true derivatives are normal float16 numbers, which df returns to float16's precision
    f = {"sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)), "tanh": mpmath.tanh,
         "scaled_sigmoid": lambda t: 4 / (1 + mpmath.exp(-t)) - 2}[act_id]
    with mpmath.workdps(30):
        exact = np.array([float(mpmath.diff(f, mpmath.mpf(float(t)))) for t in x])
    assert (exact > 2**-14).all()
    np.testing.assert_allclose(act.df(x).astype(np.float64), exact, rtol=2**-11)


@pytest.mark.parametrize("act_id", list(SYMBOLIC))
def test_taylor_coefficients_match_sympy(act_id):
    series = sp.series(SYMBOLIC[act_id], _x, 0, 8).removeO()
    exact = [series.coeff(_x, k) for k in range(8)]
    act = ACTIVATIONS[act_id]
    assert len(act.taylor) == 8
    np.testing.assert_allclose(act.taylor, [float(c) for c in exact], rtol=1e-15, atol=0, err_msg=act_id)
    x = np.linspace(-0.1, 0.1, 21)
    for order in range(8):
        poly = sum(float(exact[k]) * x**k for k in range(order + 1))
        np.testing.assert_allclose(taylor_eval(act_id, x, order), poly, rtol=1e-14, atol=1e-17)
    # the 7th-order polynomial is within |x|⁹-sized error of the function
    assert np.abs(taylor_eval(act_id, x, 7) - REFERENCE[act_id](x)).max() < 1e-9


def test_named_series_coefficients():
    tanh = [Fraction(0), Fraction(1), Fraction(0), Fraction(-1, 3), Fraction(0), Fraction(2, 15), Fraction(0),
            Fraction(-17, 315)]
    sigmoid = [Fraction(1, 2), Fraction(1, 4), Fraction(0), Fraction(-1, 48), Fraction(0), Fraction(1, 480),
               Fraction(0), Fraction(-17, 80640)]
    assert ACTIVATIONS["tanh"].taylor == tuple(float(c) for c in tanh)
    assert ACTIVATIONS["sigmoid"].taylor == tuple(float(c) for c in sigmoid)
    assert ACTIVATIONS["scaled_sigmoid"].taylor == tuple(float(4 * c - (2 if k == 0 else 0))
                                                         for k, c in enumerate(sigmoid))
    assert ACTIVATIONS["relu"].taylor is None and ACTIVATIONS["leaky_relu"].taylor is None


def test_scaled_sigmoid_is_the_identity_near_zero_and_sigmoid_is_not():
    x = np.linspace(-0.1, 0.1, 201)
    assert np.abs(ACTIVATIONS["scaled_sigmoid"].f(x) - x).max() < 1e-3
    assert np.abs(ACTIVATIONS["scaled_sigmoid"].df(x) - 1).max() < 3e-3
    assert np.abs(ACTIVATIONS["sigmoid"].f(x) - x).min() > 0.4
    assert ACTIVATIONS["sigmoid"].df(0.0) == 0.25


# --- the network: backward pass against finite differences ---------------------------------------------------


def _reference_loss(h0, W, act_id, residual):
    """Forward pass written independently, float64: L = Σ‖h_depth‖²/(2·batch)."""
    h = h0
    for Wt in W:
        a = REFERENCE[act_id](h @ Wt)
        h = h + a if residual else a
    return 0.5 * np.sum(h * h) / h0.shape[0]


def _away_from_the_kink(h0, W, act_id, residual) -> bool:
    """Every pre-activation of a live sample is at least 1e-3 from 0 (central differences across ReLU's kink
    would be wrong)."""
    h = h0
    for Wt in W:
        z = h @ Wt
        alive = np.abs(h).max(axis=1) > 0  # a sample whose h is all 0 has z = 0 whatever W is
        if np.abs(z[alive]).min() <= 1e-3:
            return False
        a = REFERENCE[act_id](z)
        h = h + a if residual else a
    return True


@pytest.mark.parametrize("act_id, init, residual", [
    ("tanh", "xavier_normal", False), ("sigmoid", "xavier_uniform", False), ("relu", "he_normal", False),
    ("leaky_relu", "he_uniform", False), ("scaled_sigmoid", "normal", False), ("identity", "uniform", False),
    ("tanh", "xavier_normal", True), ("relu", "he_normal", True),
])
def test_backward_pass_matches_finite_differences(act_id, init, residual):
    # the first seed from 3 whose network keeps ReLU's pre-activations away from the kink
    for seed in range(3, 40):
        h0 = network_inputs(5, 4, seed=seed)
        W = network_weights(3, 4, init, seed=seed, std=0.7)
        if act_id not in ("relu", "leaky_relu") or _away_from_the_kink(h0, W, act_id, residual):
            break
    else:
        pytest.fail("no seed keeps the pre-activations away from the kink")
    loss, G = loss_and_gradients(h0, W, act_id, "float64", residual=residual)
    assert loss == pytest.approx(_reference_loss(h0, W, act_id, residual), rel=1e-14)
    eps = 1e-6
    fd = np.empty_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        fd[idx] = (_reference_loss(h0, Wp, act_id, residual) - _reference_loss(h0, Wm, act_id, residual)) / (2 * eps)
    assert G.dtype == np.float64 and G.shape == W.shape
    np.testing.assert_allclose(G, fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max(), err_msg=act_id)


def test_loss_scaling_changes_nothing_in_float64_and_formats_agree():
    h0 = network_inputs(8, 16, seed=1)
    W = network_weights(4, 16, "xavier_normal", seed=1)
    _, G = loss_and_gradients(h0, W, "tanh", "float64")
    _, G_scaled = loss_and_gradients(h0, W, "tanh", "float64", loss_scale=2**12)
    np.testing.assert_allclose(G_scaled, G, rtol=1e-13, atol=0)
    _, G32 = loss_and_gradients(h0, W, "tanh", "float32")
    assert G32.dtype == np.float32
    np.testing.assert_allclose(G32, G, rtol=1e-4, atol=1e-6 * np.abs(G).max())


def test_propagate_reports_the_gradients_of_loss_and_gradients():
    p = propagate(4, 16, "tanh", "he_uniform", dtype="float64", batch=8, seed=2)
    loss, G = loss_and_gradients(network_inputs(8, 16, 2), network_weights(4, 16, "he_uniform", 2), "tanh")
    assert p.loss == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(p.grad_norm, np.linalg.norm(G, axis=(1, 2)), rtol=1e-14)
    np.testing.assert_array_equal(p.zero_fraction_grad, np.mean(G == 0, axis=(1, 2)))


# --- variance across depth --------------------------------------------------------------------------------


def test_xavier_keeps_the_forward_signal_while_plain_normal_explodes_or_vanishes():
    xavier = propagate(50, 256, "identity", "xavier_normal", dtype="float64")
    input_std = math.sqrt(xavier.input_var)
    assert input_std == pytest.approx(1, abs=0.05)
    assert (xavier.forward_std < 3 * input_std).all() and (xavier.forward_std > input_std / 3).all()
    exploding = propagate(50, 256, "identity", "normal", dtype="float64", std=1.0)
    vanishing = propagate(50, 256, "identity", "normal", dtype="float64", std=0.01)
    assert exploding.forward_std[49] > 1e20 and vanishing.forward_std[49] < 1e-20
    # the variance argument Var[h_t] = (nσ²)^t Var[h₀] tracks all three over 50 layers
    for p, sigma2 in ((xavier, 2 / 512), (exploding, 1.0), (vanishing, 1e-4)):
        assert p.weight_var == pytest.approx(sigma2, rel=1e-15)
        np.testing.assert_allclose(p.predicted_var, p.input_var * (256 * sigma2) ** np.arange(1, 51), rtol=1e-12)
        ratio = p.forward_var / p.predicted_var
        assert ratio.min() > 0.5 and ratio.max() < 2, ratio


def test_residual_prediction_adds_one():
    p = propagate(20, 128, "identity", "normal", dtype="float64", std=0.05, residual=True)
    np.testing.assert_allclose(p.predicted_var, p.input_var * (1 + 128 * 0.05**2) ** np.arange(1, 21), rtol=1e-12)
    ratio = p.forward_var / p.predicted_var
    assert ratio.min() > 0.5 and ratio.max() < 2


# --- float16: inf, nan, zero and loss scaling --------------------------------------------------------------


def test_float16_overflows_where_float64_does_not():
    half = propagate(10, 256, "identity", "normal", dtype="float16")
    full = propagate(10, 256, "identity", "normal", dtype="float64")
    t = half.first_inf["forward"]
    assert t is not None and full.first_inf["forward"] is None and np.isfinite(full.forward_std).all()
    assert half.forward_std[t - 1] == np.inf and np.isfinite(half.forward_std[:t - 1]).all()
    # 16 per layer: float16's max 65504 is passed between 4 standard deviations at layer 3 and at layer 4
    assert t == 4
    assert half.forward_std[t - 2] == pytest.approx(full.forward_std[t - 2], rel=1e-2)
    # the next matmul meets +inf and −inf in one sum: nan, which then reaches every gradient
    assert half.first_nan["forward"] == t + 1 and np.isnan(half.forward_std[t:]).all()
    assert half.first_nan["backward"] == 10 and np.isnan(half.grad_norm).all()


def test_float16_underflows_to_zero_where_float64_does_not():
    half = propagate(30, 256, "identity", "normal", dtype="float16", std=0.01)
    full = propagate(30, 256, "identity", "normal", dtype="float64", std=0.01)
    t = half.first_zero["forward"]
    assert t is not None and full.first_zero["forward"] is None and (full.forward_std > 0).all()
    assert half.forward_std[t - 1] == 0 and (half.forward_std[:t - 1] > 0).all() and (half.forward_std[t:] == 0).all()
    # 0.16 per layer: the std passes float16's smallest subnormal 2⁻²⁴ ≈ 6e-8 around layer 9-10
    assert 9 <= t <= 12
    assert (half.forward_std[t - 2] < 2**-20) and full.forward_std[t - 1] > 1e-9
    assert half.first_zero["backward"] == 30 and (half.grad_norm == 0).all()  # ∂L/∂h_30 = h_30/batch = 0


def test_loss_scaling_rescues_underflowing_float16_gradients():
    # sigmoid shrinks the backward signal by ~¼ per layer while the forward activations stay near ½
    kwargs = {"depth": 12, "width": 64, "activation": "sigmoid", "init": "xavier_normal", "batch": 64, "seed": 0}
    full = propagate(dtype="float64", **kwargs)
    plain = propagate(dtype="float16", **kwargs)
    scaled = propagate(dtype="float16", loss_scale=2**10, **kwargs)
    assert (full.grad_norm > 0).all() and full.grad_norm[2] < 1e-4
    assert (plain.grad_norm[:3] == 0).all() and (plain.zero_fraction_grad[:3] == 1).all()
    assert plain.first_zero["backward"] == 4
    np.testing.assert_allclose(scaled.grad_norm[2:], full.grad_norm[2:], rtol=1e-2)
    # layer 5, just above the flushed ones, is partly flushed too; from layer 6 up float16 agrees with float64
    np.testing.assert_allclose(plain.grad_norm[5:], full.grad_norm[5:], rtol=1e-2)
    assert scaled.first_zero["backward_scaled"] is None  # the scaled pass kept its gradients...
    assert scaled.first_zero["backward"] == 2  # ... but unscaling in float16 flushes layers 1-2 again
    # float32 master gradients (AMP) receive the scaled gradients divided by S: all layers survive
    np.testing.assert_allclose(scaled.master_grad_norm, full.grad_norm, rtol=1e-2)
    # the same call also ran the pass without scaling, which equals the separate S = 1 run exactly
    np.testing.assert_array_equal(scaled.plain_grad_norm, plain.grad_norm)
    assert scaled.first_zero["plain"] == plain.first_zero["backward"] == 4
    np.testing.assert_array_equal(plain.plain_grad_norm, plain.grad_norm)
    np.testing.assert_array_equal(plain.master_grad_norm, plain.grad_norm)


def test_too_large_a_loss_scale_overflows_the_backward_pass():
    kwargs = {"depth": 5, "width": 64, "activation": "identity", "init": "xavier_normal", "dtype": "float16"}
    ok = propagate(loss_scale=2**10, **kwargs)
    assert all(ok.first_inf[k] is None and ok.first_nan[k] is None for k in ("backward", "backward_scaled"))
    bad = propagate(loss_scale=2**24, **kwargs)  # S/batch = 2¹⁸ times h: past 65504 at once
    assert bad.first_nan["backward_scaled"] == 5 and bad.first_nan["backward"] == 5
    assert bad.first_inf["forward"] is None and np.isnan(bad.grad_norm).all()


def test_relu_zeros_are_not_counted_as_underflow():
    # batch 1: ∂L/∂W_t = h_{t−1}ᵀ δ_t is an outer product, 0 wherever h_{t−1} is 0 or z_t is on ReLU's flat side:
    # about ½ of layer 1 (h₀ has no zeros) and ¾ of the others
    p = propagate(10, 64, "relu", "he_normal", dtype="float64", batch=1)
    h, expected = network_inputs(1, 64, 0), []
    for Wt in network_weights(10, 64, "he_normal", 0):
        z = h @ Wt
        expected.append(1 - np.mean(h != 0) * np.mean(z > 0))
        h = np.maximum(z, 0)
    np.testing.assert_allclose(p.zero_fraction_grad, expected, rtol=0, atol=1e-12)
    assert 0.4 < p.zero_fraction_grad[0] < 0.6 and (p.zero_fraction_grad[1:] > 0.6).all()
    assert p.first_zero == {"forward": None, "backward": None, "backward_scaled": None, "plain": None}


@pytest.mark.parametrize("bits", [32, 64])
def test_float16_rounding_of_exact_ties_and_neighbours_matches_numpy(bits):
    # every value exactly halfway between two float16 numbers (ties go to even), and the floats next to them,
    # over normal binades from float16's subnormals to past its overflow threshold
    uint, mant = (np.uint32, 23) if bits == 32 else (np.uint64, 52)
    bias = 127 if bits == 32 else 1023
    kept = np.arange(2**10, dtype=uint) << uint(mant - 10)
    values = []
    for e in range(-26, 17):
        ties = (uint(e + bias) << uint(mant)) | kept | uint(1 << (mant - 11))
        x = ties.view(np.float32 if bits == 32 else np.float64)
        values += [x, -x, np.nextafter(x, 0), np.nextafter(x, np.inf)]
    x = np.concatenate(values)
    with np.errstate(over="ignore"):
        expected = x.astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(ini._round_to(x, np.dtype("float16")), expected)


@pytest.mark.parametrize("source", ["float32", "float64"])
def test_float16_rounding_matches_numpy(source):
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.standard_normal(20000) * s for s in (1e-9, 3e-8, 1e-6, 6e-5, 1.0, 6e4, 1e6)])
    x = np.concatenate([x, [65504, 65519.99, 65520, -65520, 2**-25, 3 * 2**-25, 0.0, -0.0, np.inf, np.nan]])
    x = x.astype(source)
    with np.errstate(all="ignore"):
        expected = x.astype(np.float16)
    got = ini._round_to(x, np.dtype(np.float16))  # float16 numbers held in float32
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.astype(np.float16).view(np.uint16), expected.view(np.uint16))
    np.testing.assert_array_equal(got, expected.astype(np.float32))


# --- clipping, samples, reproducibility ------------------------------------------------------------------


def test_clipping_by_the_global_norm():
    raw = propagate(8, 32, "identity", "normal", dtype="float64", std=0.5)
    assert raw.clipped_grad_norm is None and raw.clip_coef is None and raw.clipped_total_grad_norm is None
    assert raw.total_grad_norm == pytest.approx(math.sqrt(np.sum(raw.grad_norm**2)), rel=1e-14)
    assert raw.total_grad_norm > 10
    clip = 0.5
    p = propagate(8, 32, "identity", "normal", dtype="float64", std=0.5, clip=clip)
    np.testing.assert_array_equal(p.grad_norm, raw.grad_norm)
    assert p.clip_coef == pytest.approx(clip / (raw.total_grad_norm + CLIP_EPS), rel=1e-15)
    assert p.clipped_total_grad_norm <= clip * (1 + 1e-12)
    assert math.sqrt(np.sum(p.clipped_grad_norm**2)) <= clip * (1 + 1e-12)
    np.testing.assert_allclose(p.clipped_grad_norm / p.grad_norm, p.clip_coef, rtol=1e-15)
    loose = propagate(8, 32, "identity", "normal", dtype="float64", std=0.5, clip=1e9)
    assert loose.clip_coef == 1.0
    np.testing.assert_array_equal(loose.clipped_grad_norm, loose.grad_norm)


def test_activation_samples_are_bounded_and_taken_from_the_layer():
    small = propagate(2, 8, "identity", "uniform", dtype="float64", batch=4, std=0.5)
    np.testing.assert_array_equal(activation_samples(small, 0), network_inputs(4, 8).ravel())
    W = network_weights(2, 8, "uniform", std=0.5)
    np.testing.assert_allclose(activation_samples(small, 2), (network_inputs(4, 8) @ W[0] @ W[1]).ravel(),
                               rtol=1e-13)
    big = propagate(3, 512, "tanh", "xavier_normal", dtype="float16", batch=64)
    assert big.samples.shape == (4, MAX_SAMPLE)
    for layer in range(4):
        s = activation_samples(big, layer)
        assert s.shape == (MAX_SAMPLE,) and len(np.unique(s)) > 500
        if layer > 0:
            assert np.abs(s).max() <= 1 and np.std(s) == pytest.approx(big.forward_std[layer - 1], rel=0.1)


def test_same_seed_same_results_and_a_deeper_network_starts_alike():
    a = propagate(6, 32, "tanh", "he_uniform", dtype="float16", seed=9, clip=1.0, loss_scale=8.0)
    b = propagate(6, 32, "tanh", "he_uniform", dtype="float16", seed=9, clip=1.0, loss_scale=8.0)
    for field in ("forward_std", "grad_norm", "clipped_grad_norm", "zero_fraction_grad", "samples"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.first_inf == b.first_inf and a.first_zero == b.first_zero and a.loss == b.loss
    c = propagate(6, 32, "tanh", "he_uniform", dtype="float16", seed=10, clip=1.0, loss_scale=8.0)
    assert not np.array_equal(a.forward_std, c.forward_std)
    np.testing.assert_array_equal(network_weights(6, 32, "xavier_uniform", 4)[:3],
                                  network_weights(3, 32, "xavier_uniform", 4))
    # layer t comes from the t-th generator spawned from the weights' half of the seed, in plain numpy
    layers = np.random.SeedSequence(4).spawn(2)[1].spawn(6)
    np.testing.assert_array_equal(network_weights(6, 32, "normal", 4, std=0.5)[4],
                                  np.random.default_rng(layers[4]).standard_normal((32, 32)) * 0.5)
    # one network in every format: float16 is the float64 weights rounded
    shallow = [propagate(1, 32, "identity", "he_normal", dtype=d, seed=9) for d in DTYPES]
    np.testing.assert_allclose([p.forward_std[0] for p in shallow], shallow[-1].forward_std[0], rtol=2e-3)


def test_propagate_never_warns_at_the_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in DTYPES:
            propagate(30, 64, "sigmoid", "normal", dtype=dtype, std=10.0, loss_scale=2**24, clip=1e-3)
            propagate(30, 64, "identity", "normal", dtype=dtype, std=10.0, residual=True)
            propagate(30, 64, "scaled_sigmoid", "normal", dtype=dtype, std=1e-3)


def _unavoidable_work_seconds():
    """The same machine's time for what any implementation must do: 26M float64 normals and 300 matmuls."""
    rng = np.random.default_rng(0)
    buf, h, W = np.empty((512, 512)), np.ones((64, 512), np.float32), np.full((512, 512), 0.01, np.float32)
    start = time.perf_counter()
    for _ in range(100):
        rng.standard_normal(out=buf)
        h @ W, h.T @ h, h @ W.T
    return time.perf_counter() - start


def test_depth_100_width_512_float32_is_fast():
    propagate(2, 8, "relu", "he_normal")  # warm-up
    best = math.inf
    for _ in range(2):
        start = time.perf_counter()
        p = propagate(100, 512, "relu", "he_normal", dtype="float32", batch=64)
        best = min(best, time.perf_counter() - start)
    assert p.grad_norm.shape == (100,)
    # ~0.4 s on a quiet 2-core machine; a busy machine (BLAS threads competing for cores) slows the baseline alike
    assert best < 2.0 or best < 4 * _unavoidable_work_seconds(), f"{best:.2f} s"


# --- products ---------------------------------------------------------------------------------------------


def test_product_growth_of_the_course_examples():
    assert product_growth(1.5, 100) == pytest.approx(float(Fraction(3, 2) ** 100), rel=1e-13)
    assert product_growth(0.8, 100) == pytest.approx(float(Fraction(4, 5) ** 100), rel=1e-13)
    assert f"{product_growth(1.5, 100):.1e}" == "4.1e+17" and f"{product_growth(0.8, 100):.1e}" == "2.0e-10"
    np.testing.assert_allclose(product_growth(2.0, np.arange(5)), [1, 2, 4, 8, 16], rtol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert product_growth(10.0, 400) == math.inf and product_growth(0.1, 400) == 0.0


def test_spectral_norms_against_explicit_products():
    depth, width, std, seed, count = 6, 24, 1.3, 5, 2
    r = spectral_norm_of_products(depth, width, std, seed, count)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]
    for k, rng in enumerate(rngs):
        P = np.eye(width)
        for d in range(depth):
            P = rng.standard_normal((width, width)) * (std / math.sqrt(width)) @ P
            assert r.norms[k, d] == pytest.approx(np.linalg.norm(P, ord=2), rel=1e-10)
    np.testing.assert_allclose(r.log10_mean, np.log10(r.norms).mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(r.depths, np.arange(1, depth + 1))
    np.testing.assert_allclose(r.typical, std ** np.arange(1, depth + 1), rtol=1e-15)
    np.testing.assert_array_equal(spectral_norm_of_products(depth, width, std, seed, 1).norms[0], r.norms[0])


@pytest.mark.parametrize("std", [0.5, 0.85, 1.2, 1.5])
def test_rescaled_products_equal_a_direct_run(std):
    base = spectral_norm_of_products(100, 64, 1.0, seed=7, count=3)
    direct = spectral_norm_of_products(100, 64, std, seed=7, count=3)
    r = rescale_products(base, std)
    np.testing.assert_allclose(r.norms, direct.norms, rtol=1e-11)
    np.testing.assert_allclose(r.log10_mean, direct.log10_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(r.typical, direct.typical)
    np.testing.assert_array_equal(r.edge, direct.edge)
    np.testing.assert_array_equal(r.depths, direct.depths)


def test_rescale_needs_a_std_one_run():
    with pytest.raises(ValueError, match="std = 1"):
        rescale_products(spectral_norm_of_products(3, 16, 1.5, count=1), 1.2)
    with pytest.raises(ValueError, match="std"):
        rescale_products(spectral_norm_of_products(3, 16, 1.0, count=1), 0.0)


def test_spectral_norms_approach_the_fuss_catalan_edge():
    r = spectral_norm_of_products(3, 256, 1.0, seed=0, count=2)
    # d = 1: Marchenko–Pastur edge 2; d = 2: √(27/4); d = 3: √(256/27)
    np.testing.assert_allclose(r.edge, [2, math.sqrt(27 / 4), math.sqrt(256 / 27)], rtol=1e-15)
    np.testing.assert_allclose(r.norms.mean(axis=0), r.edge, rtol=0.08)


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda: propagate(0, 8, "tanh", "he_normal"), "depth"),
    (lambda: propagate(101, 8, "tanh", "he_normal"), "depth"),
    (lambda: propagate(2, 1, "tanh", "he_normal"), "width"),
    (lambda: propagate(2, 513, "tanh", "he_normal"), "width"),
    (lambda: propagate(2, 8, "gelu", "he_normal"), "activation"),
    (lambda: propagate(2, 8, "tanh", "orthogonal"), "init"),
    (lambda: propagate(2, 8, "tanh", "he_normal", dtype="bfloat16"), "dtype"),
    (lambda: propagate(2, 8, "tanh", "he_normal", batch=0), "batch"),
    (lambda: propagate(2, 8, "tanh", "he_normal", batch=257), "batch"),
    (lambda: propagate(2, 8, "tanh", "he_normal", seed=-1), "seed"),
    (lambda: propagate(2, 8, "tanh", "he_normal", residual="yes"), "residual"),
    (lambda: propagate(2, 8, "tanh", "he_normal", clip=0.0), "clip"),
    (lambda: propagate(2, 8, "tanh", "he_normal", clip=-1.0), "clip"),
    (lambda: propagate(2, 8, "tanh", "normal", std=0.0), "std"),
    (lambda: propagate(2, 8, "tanh", "normal", std=10.5), "std"),
    (lambda: propagate(2, 8, "tanh", "normal", std=math.nan), "std"),
    (lambda: propagate(2, 8, "tanh", "he_normal", loss_scale=0.5), "loss_scale"),
    (lambda: propagate(2, 8, "tanh", "he_normal", loss_scale=2.0**25), "loss_scale"),
    (lambda: init_std("normal", 4, 4), "scheme"),
    (lambda: init_std("he_normal", 0, 4), "n_in"),
    (lambda: init_bound("xavier_normal", 4, 4), "scheme"),
    (lambda: init_weights("normal", 4, 4, 0), "std"),
    (lambda: init_weights("uniform", 4, 4, 0, std=-1.0), "std"),
    (lambda: init_weights("he_normal", 4, 0, 0), "n_out"),
    (lambda: init_weights("he_normal", 65536, 65536, 0), "n_in\\*n_out"),
    (lambda: init_weights("he_normal", 4, 4, None), "rng"),
    (lambda: taylor_eval("relu", 0.5, 3), "act_id"),
    (lambda: taylor_eval("tanh", 0.5, 8), "order"),
    (lambda: taylor_eval("softplus", 0.5, 3), "activation"),
    (lambda: loss_and_gradients(np.ones((2, 4)), np.ones((1, 3, 3)), "tanh"), "weights"),
    (lambda: loss_and_gradients(np.ones(4), np.ones((1, 4, 4)), "tanh"), "h0"),
    (lambda: loss_and_gradients(np.full((2, 4), np.inf), np.ones((1, 4, 4)), "tanh"), "finite"),
    (lambda: product_growth(math.nan, 3), "factor"),
    (lambda: product_growth(2.0, -1), "n="),
    (lambda: product_growth(2.0, 1.5), "n="),
    (lambda: spectral_norm_of_products(3, 257), "width"),
    (lambda: spectral_norm_of_products(3, 16, count=0), "count"),
    (lambda: activation_samples(propagate(2, 8, "tanh", "he_normal"), 3), "layer"),
])
def test_refuses(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- histograms and the limits of a format -------------------------------------------------------------


def test_layer_histograms_match_numpy_histogram():
    p = propagate(12, 64, "relu", "he_normal", dtype="float16", std=1.0, seed=3)
    h = ini.layer_histograms(p, bins=31)
    assert h.counts.shape == (13, 31) and h.edges.shape == (13, 32) and h.total == p.samples.shape[1]
    for t, row in enumerate(p.samples):
        finite = row[np.isfinite(row)]
        m = np.max(np.abs(finite)) if finite.size and np.max(np.abs(finite)) > 0 else 1.0
        counts, edges = np.histogram(finite, bins=31, range=(-m, m))
        np.testing.assert_array_equal(h.counts[t], counts)
        np.testing.assert_allclose(h.edges[t], edges, rtol=1e-12)
        assert h.std[t] == pytest.approx(np.std(finite), rel=1e-12)
        assert h.zero[t] == np.sum(row == 0)
    assert h.zero[1:].sum() > 0  # ReLU zeroes about half of every layer


def test_layer_histograms_count_inf_and_nan_and_handle_all_zero_layers():
    over = propagate(30, 64, "identity", "normal", dtype="float16", std=1.0)
    h = ini.layer_histograms(over)
    t = over.first_inf["forward"]
    assert h.inf[t] + h.nan[t] > 0 and h.counts[t].sum() + h.inf[t] + h.nan[t] == h.total
    under = propagate(40, 32, "tanh", "normal", dtype="float16", std=0.01)
    z = under.first_zero["forward"]
    hz = ini.layer_histograms(under)
    assert hz.zero[z] == hz.total and hz.counts[z, 15] == hz.total and hz.std[z] == 0  # one centre bin at 0
    np.testing.assert_allclose(hz.edges[z, [0, -1]], [-1.0, 1.0])
    with pytest.raises(ValueError, match="odd"):
        ini.layer_histograms(under, bins=30)


@pytest.mark.parametrize("factor", [1.5, 1.1, 2.0, 0.8, 0.5, 0.99])
@pytest.mark.parametrize("fmt,big,tiny", [("float16", 65520.0, 2.0**-25), ("float32", None, 2.0**-150),
                                          ("float64", None, None)])
def test_first_unrepresentable_against_the_formats_thresholds(factor, fmt, big, tiny):
    """factorⁿ rounds to inf once it reaches the overflow threshold (max + half an ulp) and to 0 once it is at
    most half the smallest subnormal (ties to even go to 0): closed forms in logarithms, checked by mpmath."""
    import mpmath
    info = np.finfo(fmt)
    big = mpmath.mpf(big) if big is not None else mpmath.mpf(float(info.max)) + mpmath.mpf(2) ** (
        info.maxexp - info.nmant - 2)
    tiny = mpmath.mpf(tiny) if tiny is not None else mpmath.mpf(2) ** (info.minexp - info.nmant - 1)
    got = ini.first_unrepresentable(factor, fmt)
    if factor > 1:
        n = int(mpmath.ceil(mpmath.log(big) / mpmath.log(factor)))
        assert got == {"inf": n, "zero": None}
    else:
        n = int(mpmath.ceil(mpmath.log(tiny) / mpmath.log(factor)))
        # factorⁿ exactly at the threshold would round to 0 too (tie to even); these factors never hit it
        assert got == {"inf": None, "zero": n if n <= ini.MAX_POWER else None}


@pytest.mark.parametrize("scheme, std", [("normal", 1.0), ("uniform", 0.3), ("he_normal", None), ("normal", 0.001)])
@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_weights_drawn_in_parallel_are_network_weights_rounded(scheme, std, dtype):
    # the layers drawn by several threads are those of network_weights, rounded like _round_to (σ = 0.001: many
    # subnormals)
    sigma = ini._weight_std(scheme, 32, 32, std)
    W = ini._weights(9, 32, scheme, sigma, 123, np.dtype(dtype))
    ref = ini.network_weights(9, 32, scheme, 123, std=1.0 if std is None else std)
    np.testing.assert_array_equal(W, ini._round_to(ref, np.dtype(dtype)))


def test_the_plain_pass_run_beside_the_scaled_one_is_the_unscaled_network():
    kw = dict(depth=30, width=64, activation="sigmoid", init="he_normal", dtype="float16", batch=8, seed=3)
    scaled, plain = propagate(**kw, loss_scale=1024.0), propagate(**kw, loss_scale=1.0)
    np.testing.assert_array_equal(scaled.plain_grad_norm, plain.grad_norm)
    # float16 underflow without S: the first layer the backward pass reaches whose gradient has at least
    # ZERO_FRACTION zeros (sigmoid is never 0, so every entry could be non-zero), from loss_and_gradients
    _, G = loss_and_gradients(network_inputs(8, 64, 3), network_weights(30, 64, "he_normal", 3), "sigmoid", "float16")
    underflowed = [t for t in range(1, 31) if np.count_nonzero(G[t - 1] == 0) >= ini.ZERO_FRACTION * G[t - 1].size]
    assert underflowed and scaled.first_zero["plain"] == plain.first_zero["backward"] == max(underflowed)
    assert scaled.first_inf["plain"] == plain.first_inf["backward"]

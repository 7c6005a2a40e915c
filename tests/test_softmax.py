"""core.softmax against scipy.special, mpmath and straightforward loop references."""
import doctest
import time

import ml_dtypes
import mpmath
import numpy as np
import pytest
import scipy.special

from core import softmax as sm
from core.floats import FORMATS, float_info
from core.softmax import (
    LogitsError,
    breakdown_sweep,
    cross_entropy,
    exact_softmax,
    log_softmax,
    logsumexp,
    parse_logits,
    shift_scan,
    softmax,
    softmax_steps,
)

DTYPES = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}


def _mp_softmax(x):
    with mpmath.workdps(60):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in x]
        s = mpmath.fsum(e)
        return np.array([float(v / s) for v in e])


def test_module_doctests():
    assert doctest.testmod(sm).failed == 0


# --- softmax, log_softmax, logsumexp --------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("stable", [True, False])
def test_softmax_float64_vs_scipy(seed, stable):
    x = np.random.default_rng(seed).normal(scale=5, size=17)
    np.testing.assert_allclose(softmax(x, "float64", stable), scipy.special.softmax(x), rtol=1e-12,
                               err_msg=f"seed={seed} stable={stable}")


@pytest.mark.parametrize("seed", range(3))
def test_softmax_stable_float32_vs_float64(seed):
    x = np.random.default_rng(seed).normal(scale=10, size=30)
    p32 = softmax(x, "float32")
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, scipy.special.softmax(x.astype(np.float32).astype(np.float64)),
                               rtol=1e-5, atol=1e-7, err_msg="float32 stable vs float64 reference")
    np.testing.assert_allclose(p32.sum(), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name", FORMATS)
def test_output_dtype(name):
    for fn in (softmax, log_softmax):
        assert fn([1.0, 2.0], name).dtype == np.dtype(DTYPES[name])
    assert logsumexp([1.0, 2.0], name).dtype == np.dtype(DTYPES[name])


def test_cs231n_example():
    x = [123, 456, 789]
    with np.errstate(all="raise"):  # nothing may leak
        naive = softmax(x, stable=False)
        stable = softmax(x)
    assert np.isnan(naive).any(), "naive float64 softmax of [123, 456, 789] must break"
    # IEEE: exp(789) = inf, so the result is [0/inf, 0/inf, inf/inf]
    np.testing.assert_array_equal(naive[:2], [0.0, 0.0])
    assert np.isfinite(stable).all()
    np.testing.assert_allclose(stable, _mp_softmax(x), rtol=1e-14, err_msg="stable vs mpmath")
    np.testing.assert_array_equal(softmax_steps(x, "float64", True).z, [-666.0, -333.0, 0.0])


def test_float16_overflow_at_twelve():
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(np.float16(12)))  # the reference fact
    naive = softmax([10, 12], "float16", stable=False)
    assert np.isnan(naive[1]) and naive[0] == 0
    np.testing.assert_allclose(softmax([10, 12], "float16").astype(float), scipy.special.softmax([10, 12]),
                               rtol=2e-3, err_msg="stable float16")


def test_all_underflow():
    assert np.isnan(softmax([-1000, -1000], stable=False)).all()
    np.testing.assert_array_equal(softmax([-1000, -1000]), [0.5, 0.5])


def test_log_softmax_vs_scipy():
    x = np.random.default_rng(7).normal(scale=20, size=12)
    np.testing.assert_allclose(log_softmax(x), scipy.special.log_softmax(x), rtol=1e-12, atol=1e-12)


def test_log_softmax_naive_gives_minus_inf():
    naive = log_softmax([0.0, -1000.0], stable=False)
    stable = log_softmax([0.0, -1000.0])
    assert naive[1] == -np.inf
    np.testing.assert_allclose(stable, scipy.special.log_softmax([0.0, -1000.0]), rtol=1e-15)
    assert stable[1] == -1000.0


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0], [1000.0, 1000.0], [-1000.0, -999.0], [-np.inf, 0.0],
                               [-np.inf, -np.inf]])
def test_logsumexp_vs_scipy(x):
    with np.errstate(all="ignore"):
        ref = scipy.special.logsumexp(x)
    np.testing.assert_allclose(logsumexp(x), ref, rtol=1e-15, err_msg=str(x))


def test_shift_invariance():
    x = np.random.default_rng(3).normal(size=10)
    for c in (-50.0, 0.5, 300.0):
        np.testing.assert_allclose(softmax(x + c), softmax(x), rtol=1e-12, err_msg=f"c={c}")


def test_non_finite_inputs_do_not_raise():
    with np.errstate(all="raise"):
        assert np.isnan(softmax([-np.inf, -np.inf])).all()
        assert np.isnan(softmax([np.nan, 1.0])).all()
        assert logsumexp([-np.inf, -np.inf]) == -np.inf
        softmax([np.inf, 1.0], "float16", stable=False)
        log_softmax([np.nan, np.inf], "bfloat16")


def test_single_entry_and_bad_shapes():
    np.testing.assert_array_equal(softmax([5.0]), [1.0])
    for bad in ([], [[1.0, 2.0]], "abc", 3.0):
        with pytest.raises(ValueError):
            softmax(bad)
    with pytest.raises(ValueError, match="float8"):
        softmax([1.0, 2.0], "float8")


def test_exact_softmax_vs_scipy_and_huge_entries():
    x = np.random.default_rng(1).normal(scale=3, size=20)
    np.testing.assert_allclose(exact_softmax(x), scipy.special.softmax(x), rtol=1e-13)
    np.testing.assert_allclose(exact_softmax([1e6, 2e6, 3e6]), [0.0, 0.0, 1.0], atol=0)
    np.testing.assert_allclose(exact_softmax([1e6, 1e6 + 1]), scipy.special.softmax([0.0, 1.0]), rtol=1e-15)
    np.testing.assert_array_equal(exact_softmax([np.inf, 1.0, np.inf]), [0.5, 0.0, 0.5])
    assert np.isnan(exact_softmax([np.nan, 1.0])).all()


# --- steps and diagnosis ------------------------------------------------------------------------------------

def test_softmax_steps_fields():
    steps = softmax_steps([1.0, 2.0, 3.0], "float32", stable=True)
    assert steps.fmt == "float32" and steps.stable and steps.shift == 3.0
    np.testing.assert_array_equal(steps.z, [-2.0, -1.0, 0.0])
    np.testing.assert_array_equal(steps.exps, np.exp(np.float32([-2, -1, 0])).astype(float))
    np.testing.assert_allclose(steps.total, np.exp([-2.0, -1.0, 0.0]).sum(), rtol=1e-6)
    np.testing.assert_array_equal(steps.result, softmax([1, 2, 3], "float32").astype(float))
    naive = softmax_steps([1.0, 2.0, 3.0], "float32", stable=False)
    assert naive.shift == 0.0 and naive.issue.code == "ok"


@pytest.mark.parametrize("x, fmt, stable, code", [
    ([np.nan, 1.0], "float64", True, "input_nan"),
    ([np.inf, 1.0], "float64", True, "input_inf"),
    ([np.nan, np.inf], "float64", True, "input_nan"),
    ([1e5, 1.0], "float16", True, "input_inf"),
    ([123, 456, 789], "float64", False, "overflow"),
    ([10, 12], "float16", False, "overflow"),
    ([11, 11], "float16", False, "overflow"),
    ([-1000, -1000], "float64", False, "all_underflow"),
    ([0, -1000], "float64", True, "partial_underflow"),
    ([1.1, 2.2], "float16", True, "input_rounded"),
    ([123.456, 124], "float16", True, "input_rounded"),
    ([1.0, 2.0, 3.0], "float64", True, "ok"),
    ([123, 456, 789], "float64", True, "ok"),  # exp(-666) = 5.8e-290 is still a float64
    ([123, 456, 1789], "float64", True, "partial_underflow"),
])
def test_diagnose_codes(x, fmt, stable, code):
    steps = softmax_steps(x, fmt, stable)
    assert steps.issue.code == code, steps.issue
    assert sm.diagnose(steps) == steps.issue


def test_diagnose_values():
    issue = softmax_steps([123, 456, 789], "float64", False).issue
    assert issue.values["x"] == 789.0 and issue.values["index"] == 2 and issue.values["where"] == "exp"
    assert issue.values["limit"] == float_info("float64").exp_overflow and issue.values["fmt"] == "float64"
    issue = softmax_steps([11, 11], "float16", False).issue
    assert issue.values["where"] == "sum"
    issue = softmax_steps([-1000, -1001], "float64", False).issue
    assert issue.values == {"x": -1000.0, "fmt": "float64", "limit": float_info("float64").exp_underflow}
    assert softmax_steps([-np.inf, 1, -np.inf], "float32").issue.values["which"] == "-inf"
    assert softmax_steps([-np.inf, np.inf], "float32").issue.values["which"] == "both"
    issue = softmax_steps([1e5, 1.0], "float16").issue
    assert issue.values["cast"] is True and issue.values["which"] == "+inf"
    assert softmax_steps([0, -1000, -2000], "float64").issue.values["count"] == 2
    issue = softmax_steps([120.0, 123.456], "float16").issue
    assert issue.values["count"] == 1 and issue.values["index"] == 1
    assert issue.values["stored"] == float(np.float16(123.456))


# --- parsing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("123, 456, 789", [123, 456, 789]), ("-1000 -1000", [-1000, -1000]), ("[1，2,3]", [1, 2, 3]),
    ("inf, 1", [np.inf, 1]), ("  1e6\n-1e6  ", [1e6, -1e6]), ("1、2；3", [1, 2, 3]), ("−1, 2", [-1, 2]),
    ("-INF +inf", [-np.inf, np.inf])])
def test_parse_logits_good(text, expected):
    np.testing.assert_array_equal(parse_logits(text), expected)
    assert parse_logits(text).dtype == np.float64


def test_parse_logits_nan():
    x = parse_logits("nan 2")
    assert np.isnan(x[0]) and x[1] == 2


@pytest.mark.parametrize("text, code, token", [
    ("", "empty", ""), ("  , ", "empty", "  , "), ("[]", "empty", "[]"),
    ("1, abc", "bad_token", "abc"), ("1", "too_few", "1"), (" ".join(["1"] * 65), "too_many", "65"),
    ("2e6, 1", "too_large", "2e6"), ("1e999, 1", "too_large", "1e999"),
    ("__import__('os')", "bad_token", "__import__('os')"), ("1, 2" + " " * 2000, "too_long", "2004"),
    ("1, 0x1f", "bad_token", "0x1f")])
def test_parse_logits_errors(text, code, token):
    with pytest.raises(LogitsError) as info:
        parse_logits(text)
    assert info.value.code == code and info.value.token == token
    assert info.value.limits["min_n"] == 2 and info.value.limits["max_n"] == 64
    assert info.value.limits["max_abs"] == 1e6
    assert isinstance(info.value, ValueError)


def test_parse_logits_limits_match_constants():
    assert (sm.MIN_LOGITS, sm.MAX_LOGITS, sm.MAX_ABS_LOGIT) == (2, 64, 1e6)
    assert len(parse_logits(" ".join(["1"] * 64))) == 64


# --- sweeps ---------------------------------------------------------------------------------------------

MILD = np.array([0.3, -1.2, 2.0, 0.7, -0.4])


def _first_broken(sweep, fmt, method):
    broken = sweep.broken[fmt, method]
    return sweep.scales[np.argmax(broken)] if broken.any() else np.inf


def test_breakdown_sweep_mild_vector():
    sweep = breakdown_sweep(MILD)
    np.testing.assert_array_equal(sweep.scales, np.logspace(-2, 4, 49))
    assert sweep.formats == FORMATS
    assert set(sweep.error) == {(f, m) for f in FORMATS for m in ("naive", "stable")}
    assert (sweep.error["float64", "stable"] < 1e-14).all()
    assert not sweep.broken["float64", "stable"].any()
    assert sweep.broken["float64", "naive"][-1], "naive float64 must break at scale 1e4"
    f16, f32, f64 = (_first_broken(sweep, f, "naive") for f in ("float16", "float32", "float64"))
    assert f16 < f32 < f64, (f16, f32, f64)


def test_breakdown_sweep_matches_direct_computation():
    scales = np.array([0.5, 3.0, 40.0, 500.0])
    sweep = breakdown_sweep(MILD, scales, formats=("float32", "float16"))
    for i, s in enumerate(scales):
        xs = MILD * s
        ref = _mp_softmax(xs)
        for fmt in ("float32", "float16"):
            for method in ("naive", "stable"):
                p = softmax(xs, fmt, method == "stable").astype(np.float64)
                err = np.abs(p - ref).sum()
                got = sweep.error[fmt, method][i]
                if np.isnan(err):
                    assert np.isnan(got) and sweep.broken[fmt, method][i]
                else:
                    np.testing.assert_allclose(got, err, rtol=1e-6, atol=1e-18, err_msg=f"{fmt} {method} {s}")


def test_breakdown_sweep_bad_scales():
    for bad in ([0.0, 1.0], [-1.0], [], [[1.0]], [np.inf]):
        with pytest.raises(ValueError, match="scales"):
            breakdown_sweep(MILD, bad)


def test_breakdown_sweep_timing():
    x = np.random.default_rng(0).normal(scale=3, size=64)
    breakdown_sweep(x)
    start = time.perf_counter()
    breakdown_sweep(x)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("fmt", FORMATS)
def test_shift_scan_vs_loop(fmt):
    x = np.array([1.0, 2.0, 3.5, -1.0])
    shifts = np.linspace(-800, 800, 41)
    error, broken = shift_scan(x, fmt, shifts)
    ref = _mp_softmax(x)
    for i, c in enumerate(shifts):
        p = softmax(x + c, fmt, stable=False).astype(np.float64)
        assert broken[i] == (not np.isfinite(p).all()), c
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(error[i], np.abs(p - ref).sum(), rtol=1e-6, atol=1e-18,
                                       err_msg=f"{fmt} c={c}")
    assert broken[-1] and not broken[len(shifts) // 2]


def test_cross_entropy():
    x = np.array([2.0, 1.0, 0.1])
    manual = -np.log(np.exp(2.0) / np.exp(x).sum())
    np.testing.assert_allclose(cross_entropy(x, 0), manual, rtol=1e-14)
    np.testing.assert_allclose(cross_entropy(x, 0, stable=False), manual, rtol=1e-14)
    assert cross_entropy([0.0, -1000.0], 1) == 1000.0
    assert cross_entropy([0.0, -1000.0], 1, stable=False) == np.inf
    np.testing.assert_allclose(cross_entropy(x, np.int64(2), "float16"), -scipy.special.log_softmax(x)[2],
                               rtol=2e-3)
    assert isinstance(cross_entropy(x, 1, "bfloat16"), float)
    for bad in (3, -1, 1.0, True, "0"):
        with pytest.raises(ValueError, match="target"):
            cross_entropy(x, bad)


def _fd_grad(x, k, h=1e-6):
    """Central finite differences of the exact float64 cross-entropy (scipy's log_softmax)."""
    from scipy.special import log_softmax as ref
    x = np.asarray(x, float)
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (-ref(x + e)[k] + ref(x - e)[k]) / (2 * h)
    return g


@pytest.mark.parametrize("stable", [True, False])
def test_cross_entropy_grad_matches_finite_differences(stable):
    rng = np.random.default_rng(7)
    for _ in range(5):
        x = rng.normal(size=6) * 3
        k = int(rng.integers(6))
        np.testing.assert_allclose(sm.cross_entropy_grad(x, k, "float64", stable), _fd_grad(x, k),
                                   rtol=1e-6, atol=1e-8, err_msg=f"x={x}, k={k}, stable={stable}")


def test_cross_entropy_grad_naive_is_nan_once_p_underflows():
    """Regression for the page's claim: -log(softmax) backpropagated gives nan when p_t == 0."""
    x = [0.0, -1000.0]
    naive = sm.cross_entropy_grad(x, 1, "float64", stable=False)
    stable = sm.cross_entropy_grad(x, 1, "float64", stable=True)
    assert np.all(np.isnan(naive)), naive
    np.testing.assert_allclose(stable, [1.0, -1.0], atol=1e-300)


def test_cross_entropy_grad_in_float16_stays_float16():
    g = sm.cross_entropy_grad([1.0, 2.0, 3.0], 2, "float16")
    assert g.dtype == np.float16
    np.testing.assert_allclose(g.astype(float), _fd_grad([1.0, 2.0, 3.0], 2), atol=2e-3)
    with pytest.raises(ValueError):
        sm.cross_entropy_grad([1.0, 2.0], 2)

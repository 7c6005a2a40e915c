"""core.floats against ml_dtypes / numpy finfo, mpmath logarithms and exact decimal arithmetic."""
import decimal
import doctest
from decimal import Decimal

import ml_dtypes
import mpmath
import numpy as np
import pytest

from core import floats
from core.floats import FORMATS, InputError, bit_layout, exp_curve, float_info, parse_number, resolve_dtype

DTYPES = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}
UINTS = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _step(x, dt, direction):
    """The neighbour of x in format dt, found on the bit pattern (x > 0: +1 is up; x < 0: +1 is down)."""
    u = UINTS[np.dtype(dt).itemsize]
    bits = np.array(x, dtype=dt).view(u)
    return float((bits + u(1) if direction > 0 else bits - u(1)).view(dt))


def _exp_in(x, dt):
    with np.errstate(all="ignore"):
        return float(np.exp(np.array(x, dtype=dt)))


def test_module_doctests():
    assert doctest.testmod(floats).failed == 0


@pytest.mark.parametrize("name", FORMATS)
def test_resolve_dtype_accepts_names_dtypes_and_scalar_types(name):
    dt = DTYPES[name]
    assert resolve_dtype(name) == np.dtype(dt)
    assert resolve_dtype(dt) == np.dtype(dt)
    assert resolve_dtype(np.dtype(dt)) == np.dtype(dt)
    assert floats.format_name(dt) == name


@pytest.mark.parametrize("bad", ["float8", "f4", "half", None, 3, np.int32, np.dtype("int16"), np.complex64])
def test_resolve_dtype_refuses_and_names_the_value(bad):
    with pytest.raises(ValueError, match="float16"):
        resolve_dtype(bad)


@pytest.mark.parametrize("name", FORMATS)
def test_float_info_matches_finfo(name):
    info = float_info(name)
    fi = ml_dtypes.finfo(DTYPES[name])
    assert info.name == name
    assert info.bits == np.dtype(DTYPES[name]).itemsize * 8
    assert info.exponent_bits == fi.nexp and info.fraction_bits == fi.nmant
    assert info.bits == 1 + info.exponent_bits + info.fraction_bits
    for field, ref in [("eps", fi.eps), ("tiny", fi.tiny), ("smallest_subnormal", fi.smallest_subnormal),
                       ("max", fi.max)]:
        assert getattr(info, field) == float(ref), field
        assert type(getattr(info, field)) is float, field
    assert info.decimal_digits == fi.precision
    if name != "bfloat16":  # numpy's finfo refuses bfloat16; cross-check the other three with it
        nf = np.finfo(DTYPES[name])
        assert (info.eps, info.tiny, info.max) == (float(nf.eps), float(nf.tiny), float(nf.max))


def test_float_info_known_constants():
    f16 = float_info("float16")
    assert f16.eps == 2.0**-10 and f16.max == 65504.0
    assert f16.tiny == 2.0**-14 and f16.smallest_subnormal == 2.0**-24
    np.testing.assert_allclose(f16.tiny, 6.1e-5, rtol=1e-2, err_msg="seed 002: float16 smallest normal")
    np.testing.assert_allclose(f16.eps, 9.8e-4, rtol=1e-2, err_msg="seed 002: float16 eps")
    assert float_info("bfloat16").eps == 2.0**-7
    assert float_info("float64").max == np.finfo(np.float64).max
    assert float_info("float32").eps == 2.0**-23 and float_info("float64").eps == 2.0**-52


@pytest.mark.parametrize("name", FORMATS)
def test_exp_overflow_is_the_last_finite_exp(name):
    dt, info = DTYPES[name], float_info(name)
    x = info.exp_overflow
    assert float(np.array(x, dtype=dt)) == x, "limit must be representable"
    assert np.isfinite(_exp_in(x, dt))
    nxt = _step(x, dt, +1)
    assert nxt > x and np.isinf(_exp_in(nxt, dt)), "the next representable number must overflow"
    spacing = nxt - x
    with mpmath.workdps(50):
        ref = float(mpmath.log(mpmath.mpf(info.max)))
    np.testing.assert_allclose(x, ref, atol=spacing, rtol=0, err_msg=f"{name}: exp_overflow vs ln(max)")


@pytest.mark.parametrize("name", FORMATS)
def test_exp_underflow_is_the_last_nonzero_exp(name):
    dt, info = DTYPES[name], float_info(name)
    x = info.exp_underflow
    assert x < 0 and float(np.array(x, dtype=dt)) == x
    assert _exp_in(x, dt) > 0
    prev = _step(x, dt, +1)  # one step away from zero on the negative side
    assert prev < x and _exp_in(prev, dt) == 0, "the previous representable number must underflow"
    spacing = x - prev
    with mpmath.workdps(50):
        ref = float(mpmath.log(mpmath.mpf(info.smallest_subnormal) / 2))
    np.testing.assert_allclose(x, ref, atol=spacing, rtol=0,
                               err_msg=f"{name}: exp_underflow vs ln(smallest_subnormal / 2)")


@pytest.mark.parametrize("name, over, under", [
    ("float16", 11.09, -17.33), ("bfloat16", 88.5, -92.0),
    ("float32", 88.72, -103.97), ("float64", 709.78, -745.13)])
def test_exp_limits_teaching_values(name, over, under):
    info = float_info(name)
    np.testing.assert_allclose(info.exp_overflow, over, atol=0.01 if name != "bfloat16" else 0.5,
                               err_msg=f"{name} overflow (TEACHING.md §1)")
    np.testing.assert_allclose(info.exp_underflow, under, atol=0.01 if name != "bfloat16" else 0.6,
                               err_msg=f"{name} underflow (TEACHING.md §1)")


def test_float_info_is_cached_and_frozen():
    assert float_info("float32") is float_info(np.float32)
    with pytest.raises(AttributeError):
        float_info("float32").eps = 1.0


@pytest.mark.parametrize("name", FORMATS)
def test_exp_curve(name):
    curve = exp_curve(name, n=200)
    info = float_info(name)
    assert curve.x.shape == curve.y.shape == curve.status.shape == (200,)
    assert np.all(np.diff(curve.x) > 0)
    np.testing.assert_allclose(curve.x[[0, -1]], [1.15 * info.exp_underflow, 1.15 * info.exp_overflow],
                               rtol=1e-15)
    assert info.exp_overflow in curve.x and info.exp_underflow in curve.x
    with np.errstate(all="ignore"):
        ref = np.exp(curve.x.astype(DTYPES[name])).astype(np.float64)
    np.testing.assert_array_equal(curve.y, ref)
    assert set(curve.status[curve.x > info.exp_overflow]) == {"overflow"}
    assert set(curve.status[curve.x < info.exp_underflow]) == {"underflow"}
    inside = (curve.x >= info.exp_underflow) & (curve.x <= info.exp_overflow)
    assert set(curve.status[inside]) == {"finite"}
    with pytest.raises(ValueError, match="n="):
        exp_curve(name, n=2)


# --- bit layout -------------------------------------------------------------------------------------------

def _numpy_bits(x, dt):
    u = UINTS[np.dtype(dt).itemsize]
    with np.errstate(over="ignore"):
        return format(int(np.array(x, dtype=dt).view(u)), f"0{np.dtype(dt).itemsize * 8}b")


def test_bit_layout_one_float32():
    lay = bit_layout("1.0", "float32")
    assert (lay.sign, lay.exponent, lay.fraction) == ("0", "01111111", "0" * 23)
    assert lay.kind == "normal" and lay.exponent_value == 0 and lay.stored == 1.0
    assert not lay.rounded and lay.abs_error == 0 and lay.rel_error == 0.0


@pytest.mark.parametrize("x", [-2.5, 0.1, 1e-5, 3.14159, -65504.0, 6e-8, 1e-7])
def test_bit_layout_float16_matches_numpy(x):
    lay = bit_layout(repr(x), "float16")
    assert lay.sign + lay.exponent + lay.fraction == _numpy_bits(x, np.float16)
    assert lay.stored == float(np.float16(x))


@pytest.mark.parametrize("x", [1.0, -3.140625, 0.1, 1e-39, 3e38, 12345.678])
def test_bit_layout_bfloat16_matches_ml_dtypes(x):
    lay = bit_layout(x, "bfloat16")
    assert lay.sign + lay.exponent + lay.fraction == _numpy_bits(x, ml_dtypes.bfloat16)
    assert lay.stored == float(np.array(x, ml_dtypes.bfloat16))


def test_bit_layout_minus_two_and_a_half_float16_fields():
    lay = bit_layout("-2.5", "float16")
    assert (lay.sign, lay.exponent, lay.fraction) == ("1", "10000", "0100000000")
    assert lay.exponent_value == 1  # -2.5 = -1.25 * 2**1


def test_bit_layout_point_one_float64_exact_error():
    lay = bit_layout("0.1", "float64")
    with decimal.localcontext(prec=100):  # the default 28 digits would round the reference
        assert lay.abs_error == Decimal(0.1) - Decimal("0.1")
    np.testing.assert_allclose(float(lay.abs_error), 5.551115123125783e-18, rtol=1e-15)
    np.testing.assert_allclose(lay.rel_error, 5.551115123125783e-17, rtol=1e-15)
    assert lay.rounded and lay.stored_exact.startswith("0.1000000000000000055511151231257827")
    assert lay.stored_exact.endswith("…")


def test_bit_layout_exact_text_short_value_not_cut():
    assert bit_layout("0.5", "float16").stored_exact == "0.5"
    assert bit_layout("65504", "float16").stored_exact == "65504"


def test_bit_layout_overflow_float16():
    lay = bit_layout("70000", "float16")
    assert lay.kind == "inf" and lay.stored == np.inf and lay.overflowed and lay.rounded
    assert lay.abs_error is None and lay.rel_error is None
    assert lay.sign + lay.exponent + lay.fraction == _numpy_bits(70000.0, np.float16)


@pytest.mark.parametrize("text", ["1e-8", "3e-8", "2.9e-8", "1e-6", "-1e-7"])
def test_bit_layout_small_float16_matches_numpy(text):
    lay = bit_layout(text, "float16")
    ref = np.float16(float(text))
    assert lay.stored == float(ref)
    assert lay.sign + lay.exponent + lay.fraction == _numpy_bits(float(text), np.float16)
    assert lay.kind == ("zero" if ref == 0 else "subnormal")
    assert lay.underflowed == (ref == 0)
    if lay.kind == "subnormal":
        assert lay.exponent_value == -14


def test_bit_layout_nan_and_inf():
    lay = bit_layout("NaN", "float32")
    assert lay.kind == "nan" and lay.exponent == "1" * 8 and "1" in lay.fraction
    assert lay.abs_error is None and not lay.rounded and not lay.overflowed
    lay = bit_layout("-inf", "float64")
    assert lay.kind == "inf" and lay.sign == "1" and not lay.overflowed and not lay.rounded


def test_bit_layout_correct_rounding_not_double_rounding():
    # The float64 nearest to this text is exactly halfway between two float16 numbers; the text is above.
    lay = bit_layout("1.00048828125000000001", "float16")
    assert lay.stored == 1.0 + 2.0**-10
    assert bit_layout("1.00048828125", "float16").stored == 1.0  # a true tie goes to even


def test_bit_layout_underflow_of_text_beyond_float64():
    lay = bit_layout("1e-999", "float64")
    assert lay.kind == "zero" and lay.underflowed and lay.abs_error == Decimal("-1e-999")


def test_bit_layout_negative_zero():
    lay = bit_layout("-0", "bfloat16")
    assert lay.sign == "1" and lay.kind == "zero" and not lay.rounded


# --- parse_number -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    (" 0.1 ", 0.1), ("-2.5e-3", -2.5e-3), ("1E5", 1e5), (".5", 0.5), ("3.", 3.0), ("+7", 7.0),
    ("inf", np.inf), ("-INF", -np.inf), ("+Inf", np.inf), ("1e308", 1e308), ("１２", 12.0)])
def test_parse_number_good(text, value):
    assert parse_number(text) == value


def test_parse_number_nan():
    assert np.isnan(parse_number(" NaN "))


@pytest.mark.parametrize("text, code, token", [
    ("", "empty", ""), ("   ", "empty", "   "), ("1" * 41, "too_long", "1" * 41),
    ("abc", "not_a_number", "abc"), ("1e999", "too_large", "1e999"), ("-2e308", "too_large", "-2e308"),
    ("__import__('os')", "not_a_number", "__import__('os')"), ("1_000", "not_a_number", "1_000"),
    ("0x10", "not_a_number", "0x10"), ("infinity", "not_a_number", "infinity"),
    ("1,5", "not_a_number", "1,5")])
def test_parse_number_errors(text, code, token):
    with pytest.raises(InputError) as info:
        parse_number(text)
    assert info.value.code == code and info.value.token == token
    assert isinstance(info.value, ValueError) and code in str(info.value)

"""Floating-point formats: their limits, where exp overflows and underflows, and how a number is stored.

Four formats are covered: IEEE float16, float32, float64 and Google's bfloat16 (via ``ml_dtypes``).
Everything here is exact: limits are found on the formats' own bit patterns and errors are computed
with ``decimal.Decimal``.
"""
from __future__ import annotations

import decimal
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import ml_dtypes
import numpy as np

__all__ = [
    "FORMATS", "MAX_TEXT", "MAX_ABS_NUMBER", "EXACT_DIGITS",
    "InputError", "FloatInfo", "ExpCurve", "BitLayout",
    "resolve_dtype", "format_name", "float_info", "exp_curve", "parse_number", "bit_layout",
]

FORMATS = ("float16", "bfloat16", "float32", "float64")
MAX_TEXT = 40  # characters accepted by parse_number
MAX_ABS_NUMBER = 1e308  # float() silently turns larger literals into inf
EXACT_DIGITS = 40  # significant digits shown of a stored value's exact expansion

_DTYPES = {
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}
_UINT = {16: np.uint16, 32: np.uint32, 64: np.uint64}
# 2000 digits hold every float64 exactly (at most 767 significant digits) and any difference of two.
_EXACT = decimal.Context(prec=2000, Emin=decimal.MIN_EMIN, Emax=decimal.MAX_EMAX)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class InputError(ValueError):
    """A number typed in a text box was refused.

    Attributes
    ----------
    code : str
        One of ``"empty"``, ``"too_long"``, ``"not_a_number"``, ``"too_large"``.
    token : str
        The offending text.
    """

    def __init__(self, code: str, token: str):
        self.code = code
        self.token = token
        super().__init__(f"{code}: {token!r} (accepted: a decimal or scientific number, inf, -inf or nan; "
                         f"at most {MAX_TEXT} characters; |x| <= {MAX_ABS_NUMBER:g})")


@dataclass(frozen=True)
class FloatInfo:
    """Limits of one format; all values are python floats."""

    name: str
    bits: int
    exponent_bits: int
    fraction_bits: int
    eps: float
    tiny: float  # smallest positive normal number
    smallest_subnormal: float
    max: float
    exp_overflow: float  # largest x of the format with a finite exp(x) in the format
    exp_underflow: float  # smallest x of the format with exp(x) > 0 in the format
    decimal_digits: int


@dataclass(frozen=True)
class ExpCurve:
    """exp on a float64 grid, evaluated in one format; ``status`` is "finite", "overflow" or "underflow"."""

    fmt: str
    x: np.ndarray
    y: np.ndarray
    status: np.ndarray
    overflow: float
    underflow: float


@dataclass(frozen=True)
class BitLayout:
    """How a typed number is stored in a format: its bits and the rounding it suffered."""

    fmt: str
    sign: str
    exponent: str
    fraction: str
    kind: str  # "zero", "subnormal", "normal", "inf" or "nan"
    exponent_value: int | None  # unbiased; 1 - bias for subnormals; None for zero, inf, nan
    stored: float
    stored_exact: str  # exact decimal expansion, cut to EXACT_DIGITS significant digits with "…"
    abs_error: Decimal | None  # stored - typed, exact; None when either is not finite
    rel_error: float | None
    overflowed: bool  # typed finite, stored inf
    underflowed: bool  # typed nonzero, stored 0
    rounded: bool  # stored != typed


def resolve_dtype(dtype) -> np.dtype:
    """Return the numpy dtype of a format given by name, dtype or scalar type.

    Parameters
    ----------
    dtype : str, numpy.dtype or type
        A name from `FORMATS`, or e.g. ``np.float16``, ``ml_dtypes.bfloat16``, ``np.dtype("float32")``.

    Returns
    -------
    numpy.dtype

    Raises
    ------
    ValueError
        If `dtype` is not one of the four formats.
    """
    if isinstance(dtype, str):
        if dtype in _DTYPES:
            return _DTYPES[dtype]
    elif isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        resolved = np.dtype(dtype)
        if resolved in _DTYPES.values():
            return resolved
    raise ValueError(f"dtype={dtype!r} is not supported; use one of {FORMATS}")


def format_name(dtype) -> str:
    """Return the name in `FORMATS` of a format given by name, dtype or scalar type."""
    resolved = resolve_dtype(dtype)
    return next(name for name, dt in _DTYPES.items() if dt == resolved)


def _uint(dt: np.dtype):
    return _UINT[dt.itemsize * 8]


def _from_bits(pattern: int, dt: np.dtype):
    """The scalar of format `dt` whose bit pattern is the integer `pattern`."""
    return np.array(pattern, dtype=_uint(dt)).view(dt)[()]


def _to_bits(value, dt: np.dtype) -> int:
    return int(np.array(value, dtype=dt).view(_uint(dt))[()])


def _last_true(pred, lo: int, hi: int) -> int:
    """Largest k in [lo, hi] with pred(k), for pred true at lo and monotone (true then false)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pred(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


@functools.lru_cache(maxsize=len(FORMATS))
def _info(name: str) -> FloatInfo:
    dt = _DTYPES[name]
    fi = ml_dtypes.finfo(dt)
    sign_bit = 1 << (dt.itemsize * 8 - 1)
    top = _to_bits(fi.max, dt)

    def exp_of(pattern):
        return np.exp(np.array(_from_bits(pattern, dt), dtype=dt)[()])

    # Positive floats are ordered like their bit patterns; negative ones are the same magnitudes with
    # the sign bit set, so searching magnitudes covers both ends.
    with np.errstate(all="ignore"):
        over = _last_true(lambda k: bool(np.isfinite(exp_of(k))), 0, top)
        under = _last_true(lambda k: bool(exp_of(k | sign_bit) > 0), 0, top)
    return FloatInfo(
        name=name, bits=dt.itemsize * 8, exponent_bits=int(fi.nexp), fraction_bits=int(fi.nmant),
        eps=float(fi.eps), tiny=float(fi.tiny), smallest_subnormal=float(fi.smallest_subnormal),
        max=float(fi.max), exp_overflow=float(_from_bits(over, dt)),
        exp_underflow=float(_from_bits(under | sign_bit, dt)), decimal_digits=int(fi.precision),
    )


def float_info(dtype) -> FloatInfo:
    """Limits of a floating-point format, including where exp overflows and underflows.

    Parameters
    ----------
    dtype : str, numpy.dtype or type
        One of `FORMATS` (or its dtype / scalar type).

    Returns
    -------
    FloatInfo
        ``eps``, ``tiny``, ``smallest_subnormal`` and ``max`` from ``ml_dtypes.finfo``;
        ``exp_overflow`` is the largest number of the format whose ``np.exp`` in the format is finite,
        ``exp_underflow`` the smallest whose ``np.exp`` in the format is > 0.

    Notes
    -----
    exp_overflow ≈ ln(max) and exp_underflow ≈ ln(smallest_subnormal / 2): below that, exp(x) is
    nearer to 0 than to the smallest subnormal and rounds to 0. Both are found exactly by binary
    search over the format's bit patterns.

    Examples
    --------
    >>> round(float_info("float32").exp_overflow, 2)
    88.72
    """
    return _info(format_name(dtype))


def exp_curve(dtype, n: int = 400) -> ExpCurve:
    """exp evaluated in a format on a grid that runs past both of its limits.

    Parameters
    ----------
    dtype : str, numpy.dtype or type
        One of `FORMATS`.
    n : int, default 400
        Number of grid points (at least 4).

    Returns
    -------
    ExpCurve
        ``x``: float64 grid from 1.15·exp_underflow to 1.15·exp_overflow containing both limits exactly;
        ``y``: exp(x) computed in the format, as float64 (inf and 0 included); ``status`` per point.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
        raise ValueError(f"n={n!r} must be an integer >= 4")
    info = float_info(dtype)
    dt = resolve_dtype(dtype)
    x = np.linspace(1.15 * info.exp_underflow, 1.15 * info.exp_overflow, int(n))
    # Replacing the nearest interior point keeps x sorted: a limit lies between that point's neighbours.
    for limit in (info.exp_underflow, info.exp_overflow):
        x[1 + np.argmin(np.abs(x[1:-1] - limit))] = limit
    with np.errstate(all="ignore"):
        y = np.exp(x.astype(dt)).astype(np.float64)
    status = np.where(np.isinf(y), "overflow", np.where(y == 0, "underflow", "finite"))
    return ExpCurve(info.name, x, y, status, info.exp_overflow, info.exp_underflow)


def _parse(text: str) -> tuple[float, Decimal]:
    """parse_number, also returning the exact typed value."""
    if not isinstance(text, str):
        raise InputError("not_a_number", repr(text))
    token = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    if not token:
        raise InputError("empty", text)
    if len(token) > MAX_TEXT:
        raise InputError("too_long", token)
    special = token.lower()
    if special in _SPECIAL:
        value = _SPECIAL[special]
        return value, Decimal(value)
    if not _NUMBER.fullmatch(token):
        raise InputError("not_a_number", token)
    exact = Decimal(token)
    if exact.copy_abs() > Decimal(MAX_ABS_NUMBER):
        raise InputError("too_large", token)
    return float(token), exact


def parse_number(text: str) -> float:
    """Read one number typed by a user, refusing anything float() would silently change.

    Parameters
    ----------
    text : str
        A decimal or scientific number (``"0.1"``, ``"-2.5e-3"``), or ``inf``, ``+inf``, ``-inf``, ``nan``
        in any case; surrounding spaces ignored; at most `MAX_TEXT` characters.

    Returns
    -------
    float

    Raises
    ------
    InputError
        With ``code`` "empty", "too_long", "not_a_number" or "too_large" (|x| > `MAX_ABS_NUMBER`,
        which ``float`` would turn into inf) and the offending ``token``.
    """
    return _parse(text)[0]


def _round_exact(value: float, exact: Decimal, dt: np.dtype):
    """Round `exact` (whose nearest float64 is `value`) to format `dt` correctly.

    Casting the float64 to a narrower format rounds twice; that is wrong only when the float64 falls
    exactly halfway between two neighbours of the format, which is checked here.
    """
    stored = np.array(value, dtype=dt)[()]
    if dt == np.float64 or not math.isfinite(value) or Decimal(value) == exact or float(stored) == value:
        return stored
    mag = _to_bits(abs(stored), dt)
    lo, hi = (mag, mag + 1) if abs(float(stored)) < abs(value) else (mag - 1, mag)
    lo_v = Decimal(float(_from_bits(lo, dt)))
    hi_f = float(_from_bits(hi, dt))
    # Beyond max the next "value" is max + ulp: halfway to it is where rounding turns into overflow.
    hi_v = _EXACT.subtract(_EXACT.multiply(2, lo_v), Decimal(float(_from_bits(lo - 1, dt)))) \
        if math.isinf(hi_f) else Decimal(hi_f)
    mid = _EXACT.divide(_EXACT.add(lo_v, hi_v), 2)
    if Decimal(abs(value)) != mid or exact.copy_abs() == mid:
        return stored
    pick = hi if exact.copy_abs() > mid else lo
    return _from_bits(pick | (_to_bits(stored, dt) & ~((1 << (dt.itemsize * 8 - 1)) - 1)), dt)


def _exact_text(value: Decimal) -> str:
    """Exact decimal expansion, cut to EXACT_DIGITS significant digits (marked with "…")."""
    cut = len(value.as_tuple().digits) > EXACT_DIGITS
    if cut:
        value = decimal.Context(prec=EXACT_DIGITS, rounding=decimal.ROUND_DOWN).plus(value)
    if -7 < value.adjusted() < 21:
        return format(value, "f") + ("…" if cut else "")
    mantissa, exponent = format(value, "e").split("e")
    return f"{mantissa}{'…' if cut else ''}e{exponent}"


def bit_layout(text_or_value, dtype) -> BitLayout:
    """Sign, exponent and fraction bits of a number stored in a format, and the rounding error.

    Parameters
    ----------
    text_or_value : str or float
        Text goes through `parse_number` and its exact decimal value is the reference
        (so ``"0.1"`` in float64 shows an error of about 5.55e-18); a float is taken as exact.
    dtype : str, numpy.dtype or type
        One of `FORMATS`.

    Returns
    -------
    BitLayout

    Notes
    -----
    A normal number is (−1)^s · 1.f · 2^(e − bias), a subnormal (−1)^s · 0.f · 2^(1 − bias),
    with bias = 2^(exponent_bits − 1) − 1. The stored value is the typed one rounded to nearest, ties
    to even; ``abs_error`` = stored − typed exactly.

    Examples
    --------
    >>> bit_layout("1", "float32").exponent
    '01111111'
    """
    dt = resolve_dtype(dtype)
    if isinstance(text_or_value, str):
        value, typed = _parse(text_or_value)
    elif isinstance(text_or_value, (int, float, np.integer, np.floating)) and not isinstance(
            text_or_value, bool):
        value = float(text_or_value)
        typed = Decimal(value)
    else:
        raise ValueError(f"text_or_value={text_or_value!r} must be a str or a real number")
    info = float_info(dt)
    with np.errstate(all="ignore"):
        stored_scalar = _round_exact(value, typed, dt)
    bits = format(_to_bits(stored_scalar, dt), f"0{info.bits}b")
    sign, exponent, fraction = bits[0], bits[1:1 + info.exponent_bits], bits[1 + info.exponent_bits:]
    bias = 2 ** (info.exponent_bits - 1) - 1
    if set(exponent) == {"1"}:
        kind, e_value = ("nan" if "1" in fraction else "inf"), None
    elif set(exponent) == {"0"}:
        kind, e_value = ("subnormal", 1 - bias) if "1" in fraction else ("zero", None)
    else:
        kind, e_value = "normal", int(exponent, 2) - bias
    stored = float(stored_scalar)
    finite = math.isfinite(value) and math.isfinite(stored) and typed.is_finite()
    abs_error = _EXACT.subtract(Decimal(stored), typed) if finite else None
    if abs_error is None:
        rel_error = None
    elif abs_error == 0:
        rel_error = 0.0
    else:
        rel_error = float(_EXACT.divide(abs_error, typed)) if typed != 0 else None
    typed_finite = typed.is_finite()
    return BitLayout(
        fmt=info.name, sign=sign, exponent=exponent, fraction=fraction, kind=kind, exponent_value=e_value,
        stored=stored,
        stored_exact=_exact_text(Decimal(stored)) if math.isfinite(stored) else str(stored),
        abs_error=abs_error, rel_error=rel_error,
        overflowed=typed_finite and math.isinf(stored),
        underflowed=typed_finite and typed != 0 and stored == 0,
        rounded=(abs_error != 0) if abs_error is not None else (typed_finite and not math.isfinite(stored)),
    )

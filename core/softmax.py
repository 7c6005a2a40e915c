"""Softmax, log-softmax and logsumexp computed in a chosen floating-point format, naive or stable.

softmax(x)_i = exp(x_i) / Σ_j exp(x_j) = exp(x_i − c) / Σ_j exp(x_j − c) for any c. The naive form
(c = 0) overflows or underflows where the stable one (c = max x) cannot; this module computes both in
float16, bfloat16, float32 or float64, says what went wrong, and measures the error against mpmath.
"""
from __future__ import annotations

import dataclasses
import math
import operator
import re
import unicodedata
from dataclasses import dataclass

import mpmath
import numpy as np

from core.floats import FORMATS, float_info, format_name, resolve_dtype

__all__ = [
    "MIN_LOGITS", "MAX_LOGITS", "MAX_ABS_LOGIT", "MAX_LOGITS_TEXT", "DEFAULT_SCALES", "SWEEP_DIGITS",
    "LogitsError", "Diagnosis", "SoftmaxSteps", "Sweep",
    "softmax", "log_softmax", "logsumexp", "softmax_steps", "diagnose", "parse_logits",
    "exact_softmax", "breakdown_sweep", "shift_scan", "cross_entropy", "cross_entropy_grad",
]

MIN_LOGITS = 2
MAX_LOGITS = 64
MAX_ABS_LOGIT = 1e6
MAX_LOGITS_TEXT = 2000  # characters
DEFAULT_SCALES = np.logspace(-2, 4, 49)
SWEEP_DIGITS = 30  # mpmath precision of the reference in sweeps; errors below 1e-17 need no more

_LIMITS = {"min_n": MIN_LOGITS, "max_n": MAX_LOGITS, "max_abs": MAX_ABS_LOGIT, "max_chars": MAX_LOGITS_TEXT}
_SEPARATORS = re.compile(r"[\s,;\u3001]+")  # NFKC has already turned "，" into ","; "、" is kept as is
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class LogitsError(ValueError):
    """A list of logits typed by a user was refused.

    Attributes
    ----------
    code : str
        One of "empty", "too_long", "bad_token", "too_few", "too_many", "too_large".
    token : str
        The offending token, or the number of entries for "too_few" / "too_many".
    limits : dict
        ``min_n``, ``max_n``, ``max_abs``, ``max_chars``.
    """

    def __init__(self, code: str, token: str):
        self.code = code
        self.token = token
        self.limits = dict(_LIMITS)
        super().__init__(f"{code}: {token!r} (accepted: {MIN_LOGITS} to {MAX_LOGITS} numbers, "
                         f"|x| <= {MAX_ABS_LOGIT:g}, inf, -inf, nan; at most {MAX_LOGITS_TEXT} characters)")


@dataclass(frozen=True)
class Diagnosis:
    """The most important thing that went wrong in a softmax: a stable ``code`` and its ``values``."""

    code: str
    values: dict


@dataclass(frozen=True)
class SoftmaxSteps:
    """Every stage of one softmax, computed in format ``fmt``; arrays are float64 copies."""

    fmt: str
    stable: bool
    raw: np.ndarray  # the input before casting to the format
    x: np.ndarray  # the input as stored in the format
    shift: float  # c subtracted: max x when stable (0 if max x is not finite), else 0
    z: np.ndarray  # x − c
    exps: np.ndarray
    total: float
    result: np.ndarray
    issue: Diagnosis | None = None


@dataclass(frozen=True)
class Sweep:
    """Error of softmax(scale · x) per format and method; keys of the dicts are (fmt, "naive"|"stable")."""

    scales: np.ndarray
    formats: tuple
    error: dict  # ‖p̂ − p‖₁ (nan where p̂ has nan)
    broken: dict  # p̂ contains nan or inf


def _logits(x, dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Validate a 1-D logit vector; return it as float64 and cast to `dt`."""
    try:
        raw = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x={x!r} must be a 1-D array of real numbers") from None
    if raw.ndim != 1 or raw.size < 1:
        raise ValueError(f"x must be 1-D with at least one entry, got shape {raw.shape}")
    with np.errstate(all="ignore"):
        return raw, raw.astype(dt)


def _shift(xm: np.ndarray) -> np.ndarray:
    """Row maxima, replaced by 0 where not finite (as scipy does) so −inf rows give exp = 0, not nan."""
    m = xm.max(axis=1, keepdims=True)
    return np.where(np.isfinite(m), m, np.zeros_like(m))


def _rows(xm: np.ndarray, stable: bool, log: bool = False) -> np.ndarray:
    """Softmax (or log-softmax) of each row of xm, every operation in xm's dtype."""
    dt = xm.dtype
    with np.errstate(all="ignore"):
        z = xm - _shift(xm) if stable else xm
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True, dtype=dt)
        if not log:
            return e / s
        return z - np.log(s) if stable else np.log(e / s)


def softmax(x, dtype="float64", stable: bool = True) -> np.ndarray:
    """Softmax computed in a floating-point format.

    Parameters
    ----------
    x : array_like
        1-D logits (at least one entry); cast to `dtype` first.
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``; every intermediate is computed in it.
    stable : bool, default True
        Subtract max(x) before exponentiating.

    Returns
    -------
    numpy.ndarray of `dtype`
        Probabilities, with nan or inf wherever the format really produces them.

    Notes
    -----
    softmax(x)_i = exp(x_i − c) / Σ_j exp(x_j − c), c = max x (stable) or 0 (naive). With c = max x every
    numerator is ≤ 1 and the denominator is ≥ 1. numpy sums float16 in float32 before rounding once,
    as GPU kernels do.

    Examples
    --------
    >>> softmax([123, 456, 789], stable=False).tolist()  # exp(789) = inf: 0/inf, 0/inf, inf/inf
    [0.0, 0.0, nan]
    >>> softmax([1000, 1000]).tolist()
    [0.5, 0.5]
    """
    _, xs = _logits(x, resolve_dtype(dtype))
    return _rows(xs[None, :], stable)[0]


def log_softmax(x, dtype="float64", stable: bool = True) -> np.ndarray:
    """Log of softmax computed in a format: z − logsumexp(z) (stable) or log(softmax(x)) (naive).

    Parameters
    ----------
    x : array_like
        1-D logits.
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``.
    stable : bool, default True
        Use z = x − max x and return z − log Σ exp(z); the naive form gives −inf where a probability
        underflows to 0.

    Returns
    -------
    numpy.ndarray of `dtype`

    Examples
    --------
    >>> log_softmax([0.0, -1000.0]).tolist()
    [0.0, -1000.0]
    """
    _, xs = _logits(x, resolve_dtype(dtype))
    return _rows(xs[None, :], stable, log=True)[0]


def logsumexp(x, dtype="float64"):
    """log Σ exp(x_i) computed stably in a format: m + log Σ exp(x_i − m), m = max x.

    Parameters
    ----------
    x : array_like
        1-D values.
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``.

    Returns
    -------
    numpy scalar of `dtype`

    Examples
    --------
    >>> float(logsumexp([1000.0, 1000.0]))  # 1000 + log 2
    1000.6931471805599
    """
    _, xs = _logits(x, resolve_dtype(dtype))
    xm = xs[None, :]
    with np.errstate(all="ignore"):
        m = _shift(xm)
        return (m + np.log(np.exp(xm - m).sum(axis=1, keepdims=True, dtype=xm.dtype)))[0, 0]


def softmax_steps(x, dtype="float64", stable: bool = True) -> SoftmaxSteps:
    """Softmax with every intermediate kept, and a diagnosis of what went wrong.

    Parameters
    ----------
    x : array_like
        1-D logits.
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``.
    stable : bool, default True
        Subtract max(x) first.

    Returns
    -------
    SoftmaxSteps
        Input, shift, z = x − shift, exp(z), their sum and the result, all computed in the format,
        plus ``issue`` from `diagnose`.
    """
    dt = resolve_dtype(dtype)
    raw, xs = _logits(x, dt)
    xm = xs[None, :]
    with np.errstate(all="ignore"):
        shift = _shift(xm) if stable else np.zeros_like(xm[:, :1])
        z = xm - shift
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True, dtype=dt)
        result = e / total
    f64 = np.float64
    steps = SoftmaxSteps(
        fmt=format_name(dt), stable=bool(stable), raw=raw, x=xs.astype(f64), shift=float(shift[0, 0]),
        z=z[0].astype(f64), exps=e[0].astype(f64), total=float(total[0, 0]), result=result[0].astype(f64),
    )
    return dataclasses.replace(steps, issue=diagnose(steps))


def diagnose(steps: SoftmaxSteps) -> Diagnosis:
    """Name the most important problem of a softmax computation.

    Parameters
    ----------
    steps : SoftmaxSteps

    Returns
    -------
    Diagnosis
        ``code``, by priority: "input_nan" {count, index}; "input_inf" {which: "+inf"/"-inf"/"both",
        count, index, cast: the format turned a finite input into inf}; "overflow" {x: the offending z,
        fmt, limit: exp_overflow, index, where: "exp" or "sum"} (inf/inf = nan, or x/inf = 0);
        "all_underflow" {x: max z, fmt, limit: exp_underflow} (0/0 = nan); "partial_underflow"
        {count, fmt, limit} (exact zeros: log gives −inf); "input_rounded" {count, index, x, stored, fmt};
        "ok" {}.
    """
    raw, x, z, e = steps.raw, steps.x, steps.z, steps.exps
    fmt = steps.fmt

    def first(mask):
        return int(np.argmax(mask))

    nan = np.isnan(x)
    if nan.any():
        return Diagnosis("input_nan", {"count": int(nan.sum()), "index": first(nan)})
    inf = np.isinf(x)
    if inf.any():
        signs = {"+inf" if v > 0 else "-inf" for v in x[inf]}
        return Diagnosis("input_inf", {
            "which": signs.pop() if len(signs) == 1 else "both", "count": int(inf.sum()), "index": first(inf),
            "cast": bool(np.isfinite(raw[inf]).any()), "fmt": fmt})
    info = float_info(fmt)
    over = np.isinf(e)
    if over.any() or math.isinf(steps.total):
        i = first(over) if over.any() else int(np.argmax(z))
        return Diagnosis("overflow", {"x": float(z[i]), "fmt": fmt, "limit": info.exp_overflow, "index": i,
                                      "where": "exp" if over.any() else "sum"})
    zero = e == 0
    if zero.all():
        return Diagnosis("all_underflow", {"x": float(z.max()), "fmt": fmt, "limit": info.exp_underflow})
    if zero.any():
        return Diagnosis("partial_underflow", {"count": int(zero.sum()), "fmt": fmt,
                                               "limit": info.exp_underflow})
    changed = raw != x
    if changed.any():
        i = first(changed)
        return Diagnosis("input_rounded", {"count": int(changed.sum()), "index": i, "x": float(raw[i]),
                                           "stored": float(x[i]), "fmt": fmt})
    return Diagnosis("ok", {})


def parse_logits(text: str) -> np.ndarray:
    """Read a list of logits typed by a user.

    Parameters
    ----------
    text : str
        Numbers separated by commas (also "，" and "、"), semicolons and/or spaces, optionally inside
        [ ]; ``inf``, ``+inf``, ``-inf``, ``nan`` in any case. `MIN_LOGITS` to `MAX_LOGITS` entries, finite
        ones within ±`MAX_ABS_LOGIT`, at most `MAX_LOGITS_TEXT` characters.

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    LogitsError
        With ``code``, the offending ``token`` and the ``limits``.

    Examples
    --------
    >>> parse_logits("[1，2, 3]").tolist()
    [1.0, 2.0, 3.0]
    """
    if not isinstance(text, str):
        raise LogitsError("bad_token", repr(text))
    if len(text) > MAX_LOGITS_TEXT:
        raise LogitsError("too_long", str(len(text)))
    body = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    tokens = [t for t in _SEPARATORS.split(body) if t]
    if not tokens:
        raise LogitsError("empty", text)
    values = []
    for token in tokens:
        if token.lower() in _SPECIAL:
            values.append(_SPECIAL[token.lower()])
            continue
        if not _NUMBER.fullmatch(token):
            raise LogitsError("bad_token", token)
        value = float(token)  # a finite literal that float() turns into inf is too large, not inf
        if not abs(value) <= MAX_ABS_LOGIT:
            raise LogitsError("too_large", token)
        values.append(value)
    if len(values) < MIN_LOGITS:
        raise LogitsError("too_few", str(len(values)))
    if len(values) > MAX_LOGITS:
        raise LogitsError("too_many", str(len(values)))
    return np.array(values, dtype=np.float64)


def _exact_row(row: np.ndarray) -> np.ndarray:
    """Softmax of one float64 row at the current mpmath precision; limits for non-finite entries."""
    if np.isnan(row).any():
        return np.full(row.shape, np.nan)
    top = row == np.inf
    if top.any():
        return top / top.sum()
    if (row == -np.inf).all():
        return np.full(row.shape, np.nan)
    m = mpmath.mpf(float(row.max()))
    # exp(x_i − max) ≤ 1: no huge exponents even for entries like 1e6·k
    exps = [mpmath.exp(mpmath.mpf(float(v)) - m) if v != -np.inf else mpmath.mpf(0) for v in row]
    total = mpmath.fsum(exps)
    return np.array([float(v / total) for v in exps])


def _exact_rows(xm: np.ndarray, digits: int) -> np.ndarray:
    with mpmath.workdps(digits):
        return np.array([_exact_row(row) for row in xm]).reshape(xm.shape)


def exact_softmax(x, digits: int = 50) -> np.ndarray:
    """Softmax of float64 logits to `digits` significant digits with mpmath, rounded to float64.

    Parameters
    ----------
    x : array_like
        1-D logits, taken exactly as float64 values.
    digits : int, default 50
        mpmath working precision in decimal digits (at least 20).

    Returns
    -------
    numpy.ndarray of float64
        The correctly rounded reference; +inf entries share the mass equally (the limit), an all −inf
        or nan input gives nan.
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 20:
        raise ValueError(f"digits={digits!r} must be an integer >= 20")
    raw, _ = _logits(x, np.dtype(np.float64))
    return _exact_rows(raw[None, :], int(digits))[0]


def _norm_error(p_hat: np.ndarray, p_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p_hat = p_hat.astype(np.float64)
    with np.errstate(all="ignore"):
        return np.abs(p_hat - p_ref).sum(axis=1), ~np.isfinite(p_hat).all(axis=1)


def breakdown_sweep(x, scales=None, formats=FORMATS) -> Sweep:
    """Error of naive and stable softmax of scale · x, per format, as the scale grows.

    Parameters
    ----------
    x : array_like
        1-D logits.
    scales : array_like, optional
        Positive finite scales; default `DEFAULT_SCALES` = logspace(−2, 4, 49).
    formats : tuple of str, default FORMATS

    Returns
    -------
    Sweep
        ``error[(fmt, method)]`` = ‖p̂ − p‖₁ per scale, p exact (mpmath) softmax of the float64 product
        scale · x, p̂ computed in the format from that product; ``broken`` where p̂ has nan or inf.
    """
    raw, _ = _logits(x, np.dtype(np.float64))
    scales = DEFAULT_SCALES if scales is None else np.asarray(scales, dtype=np.float64)
    if scales.ndim != 1 or scales.size < 1 or not (np.isfinite(scales) & (scales > 0)).all():
        raise ValueError(f"scales={scales!r} must be a non-empty 1-D array of positive finite numbers")
    names = tuple(format_name(f) for f in formats)
    with np.errstate(all="ignore"):
        xm = scales[:, None] * raw[None, :]
    p_ref = _exact_rows(xm, SWEEP_DIGITS)
    error, broken = {}, {}
    for name in names:
        with np.errstate(all="ignore"):
            xf = xm.astype(resolve_dtype(name))
        for method in ("naive", "stable"):
            error[name, method], broken[name, method] = _norm_error(_rows(xf, method == "stable"), p_ref)
    return Sweep(scales=scales.copy(), formats=names, error=error, broken=broken)


def shift_scan(x, dtype, shifts) -> tuple[np.ndarray, np.ndarray]:
    """Error of the naive softmax of x + c for each shift c (softmax is shift-invariant, the format isn't).

    Parameters
    ----------
    x : array_like
        1-D logits.
    dtype : str, numpy.dtype or type
        One of ``FORMATS``.
    shifts : array_like
        1-D shifts c; x + c is formed in float64, then cast to the format.

    Returns
    -------
    error : numpy.ndarray
        ‖p̂(x + c) − p(x)‖₁ per shift, p exact.
    broken : numpy.ndarray of bool
        p̂ has nan or inf.
    """
    dt = resolve_dtype(dtype)
    raw, _ = _logits(x, np.dtype(np.float64))
    shifts = np.asarray(shifts, dtype=np.float64)
    if shifts.ndim != 1:
        raise ValueError(f"shifts must be 1-D, got shape {shifts.shape}")
    with np.errstate(all="ignore"):
        xm = (raw[None, :] + shifts[:, None]).astype(dt)
    return _norm_error(_rows(xm, stable=False), _exact_rows(raw[None, :], SWEEP_DIGITS))


def cross_entropy(x, target, dtype="float64", stable: bool = True) -> float:
    """Cross-entropy −log softmax(x)[target] computed in a format.

    Parameters
    ----------
    x : array_like
        1-D logits.
    target : int
        Index of the true class, 0 ≤ target < len(x).
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``.
    stable : bool, default True
        −log_softmax (z − logsumexp z) if True, −log(naive softmax) otherwise (inf once p underflows).

    Returns
    -------
    float

    Examples
    --------
    >>> cross_entropy([0.0, -1000.0], 1), cross_entropy([0.0, -1000.0], 1, stable=False)
    (1000.0, inf)
    """
    logp = log_softmax(x, dtype, stable)
    return float(-logp[_target(target, logp.size)])


def _target(target, n: int) -> int:
    try:
        if isinstance(target, bool):
            raise TypeError
        k = operator.index(target)
    except TypeError:
        raise ValueError(f"target={target!r} must be an integer class index") from None
    if not 0 <= k < n:
        raise ValueError(f"target={target!r} must be in [0, {n - 1}]")
    return k


def cross_entropy_grad(x, target, dtype="float64", stable: bool = True) -> np.ndarray:
    """Gradient of the cross-entropy with respect to the logits, as backpropagation computes it.

    Parameters
    ----------
    x : array_like
        1-D logits.
    target : int
        Index of the true class.
    dtype : str, numpy.dtype or type, default "float64"
        One of ``FORMATS``; every operation is done in it.
    stable : bool, default True
        If True, the fused form softmax(x) − onehot(target) with the shifted softmax. If False, the
        chain rule through −log(p_t) with p the naive softmax, as an autograd framework would run it.

    Returns
    -------
    numpy.ndarray
        In the format. The naive chain multiplies ∂L/∂p_t = −1/p_t by ∂p_t/∂x = p_t (onehot − p): once p_t
        has underflowed to 0 this is (−inf)·0 = nan in every entry.

    Notes
    -----
    d(−log softmax(x)_t)/dx = softmax(x) − onehot(t).

    Examples
    --------
    >>> cross_entropy_grad([0.0, 0.0], 0)
    array([-0.5,  0.5])
    """
    dt = resolve_dtype(dtype)
    p = softmax(x, dt, stable)
    k = _target(target, p.size)
    onehot = np.zeros_like(p)
    onehot[k] = 1
    with np.errstate(all="ignore"):
        if stable:
            return p - onehot
        upstream = dt.type(-1) / p[k]
        return upstream * (p[k] * (onehot - p))

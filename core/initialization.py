"""Initialization and activations: why deep networks explode or vanish, and what keeps their signals in range.

Backpropagation multiplies one Jacobian per layer, so a per-layer factor a gives aⁿ after n layers
(1.5¹⁰⁰ ≈ 4.1×10¹⁷, 0.8¹⁰⁰ ≈ 2.0×10⁻¹⁰). With zero-mean i.i.d. weights of variance σ² and no activation,
Var[hᵗ] = n σ² Var[hᵗ⁻¹]: Xavier (σ² = 2/(n_in + n_out)) and He (σ² = 2/n_in) initialization choose σ so
that the factor is about 1. This module draws those weights, defines the activations with their Maclaurin
series, and runs a deep MLP forward and backward in float16, float32 or float64 to show where the signal
explodes to inf, vanishes to 0, and what gradient clipping and fp16 loss scaling do about it.
"""
# ruff: noqa: N802, N803, N806 -- matrices are capitals (W, G), as in the formulas they implement
from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from core._checks import count as _count
from core._checks import number as _number
from core._checks import reals as _reals

__all__ = [
    "SCHEMES", "NAMED_SCHEMES", "UNIFORM_SCHEMES", "DTYPES", "LEAKY_SLOPE", "TAYLOR_ORDER",
    "MAX_DEPTH", "MIN_WIDTH", "MAX_WIDTH", "MAX_BATCH", "DEFAULT_BATCH", "MAX_STD", "MAX_LOSS_SCALE",
    "MAX_FAN", "MAX_INIT_ENTRIES", "MAX_SAMPLE", "ZERO_FRACTION", "CLIP_EPS",
    "MAX_PRODUCT_WIDTH", "MAX_PRODUCT_SEEDS", "MAX_POWER",
    "Activation", "ACTIVATIONS", "Propagation", "ProductNorms",
    "init_std", "init_bound", "init_weights", "taylor_eval",
    "network_inputs", "network_weights", "loss_and_gradients", "propagate", "activation_samples",
    "HEALTHY", "LayerHistograms", "layer_histograms", "first_unrepresentable",
    "product_growth", "spectral_norm_of_products", "rescale_products",
]

SCHEMES = ("normal", "uniform", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform")
NAMED_SCHEMES = SCHEMES[2:]  # the ones whose scale follows from the fan-in/fan-out
UNIFORM_SCHEMES = ("uniform", "xavier_uniform", "he_uniform")
DTYPES = ("float16", "float32", "float64")
LEAKY_SLOPE = 0.01
TAYLOR_ORDER = 7  # Maclaurin coefficients c0 … c7 are stored
MAX_DEPTH = 100
MIN_WIDTH = 2
MAX_WIDTH = 512
MAX_BATCH = 64  # the largest run (100 × 512, float16 with loss scaling) then takes ~0.8 s on 2 cores
DEFAULT_BATCH = 64
MAX_STD = 10.0
MAX_LOSS_SCALE = 2.0**24
MAX_FAN = 65536  # n_in, n_out of init_weights
MAX_INIT_ENTRIES = 2**24  # n_in·n_out of init_weights (128 MiB of float64)
MAX_SAMPLE = 2000  # activations kept per layer for histograms
ZERO_FRACTION = 0.5  # a gradient with at least this share of underflowed entries counts as vanished
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_: coef = clip / (total_norm + CLIP_EPS)
MAX_PRODUCT_WIDTH = 256
MAX_PRODUCT_SEEDS = 8
MAX_POWER = 100_000
HEALTHY = (1e-6, 1e3)  # the course's sane range for activations and gradients
MAX_BINS = 101

_DTYPES = {name: np.dtype(name) for name in DTYPES}
# The passes hold float16 values in float32 arrays and round every result to float16's grid and range
# (_round_to): the same numbers as float16 storage, whose arithmetic numpy also does in float32 one operation
# at a time, but matrix products run in BLAS (numpy's float16 matmul has none and is ~100× slower) and
# accumulate in float32, like fp16 tensor cores.
_STORAGE = {"float16": np.dtype(np.float32), "float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}
_MAX_SEED = 2**63 - 1
_DRAWERS = 2  # threads drawing the weights
_F16_MIN_EXP = -24  # float16's subnormal spacing is 2⁻²⁴
_F16_MANT = 11  # significant bits of float16
_DROP32 = 24 - _F16_MANT  # float32 bits dropped when rounding to float16's 11
_F16_TINY_BITS = np.float32(2.0**-14).view(np.uint32)  # float16's smallest normal, as float32 bits
_F16_INF_FROM_BITS = np.float32(65520.0).view(np.uint32)  # |x| ≥ 65520 rounds to inf (the tie goes to even)


# --- activations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An activation function, its derivative and its Maclaurin series.

    ``f`` and ``df`` take array_like and return arrays of the input's float dtype (float64 for other input),
    without overflow; float16 input is computed in float32 and rounded once to float16, as GPU kernels for
    half precision do. ``taylor`` holds c0 … c7 of f(x) = Σ c_k x^k, or None when f is
    not analytic at 0 (ReLU, leaky ReLU).
    """

    id: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    latex: str
    taylor_latex: str
    taylor: tuple[float, ...] | None


def _on_subnormal_grid(v: np.ndarray) -> np.ndarray:
    """float32 values rounded to float16's subnormal grid 2⁻²⁴ (to nearest, ties to even), in a new array."""
    grid = v * np.float32(2.0**24)
    np.rint(grid, out=grid)
    grid *= np.float32(2.0**_F16_MIN_EXP)
    return grid


def _replace(r: np.ndarray, x: np.ndarray, mask: np.ndarray, f) -> None:
    """r (float32 bits) = f(x) where mask: on the whole array when many values need it (no gather), else on the
    gathered values only."""
    if np.count_nonzero(mask) > mask.size // 8:
        np.copyto(r, f(x).view(np.uint32), where=mask)
    else:
        r[mask] = f(x[mask]).view(np.uint32)


def _round_to(x: np.ndarray, dt: np.dtype) -> np.ndarray:
    """x rounded to the numbers of format dt, in dt's storage type (float16 values stay in float32 arrays).

    Rounding to float16 is done on x's own bits: to nearest, ties to even, keeping float16's 11 significant
    bits (adding half a unit of the dropped bits, plus one when the kept part is odd, carries into the exponent
    exactly as rounding does), on the fixed grid 2⁻²⁴ below float16's smallest normal 2⁻¹⁴, and to ±inf beyond
    65504. This is exactly numpy's astype(float16) without double rounding, and several times faster (numpy's
    conversion is slow for results that underflow or overflow). A float64 x first goes to float32 rounded to
    odd (`_to_float32_odd`), which keeps the final rounding exact and is 5× cheaper than rounding float64 bits.
    """
    if dt != np.float16:
        return x.astype(dt, copy=False)
    x = np.asarray(x)
    if x.dtype == np.float16:
        return x.astype(_STORAGE["float16"])
    if x.dtype != np.float32:
        x = _to_float32_odd(x if x.dtype == np.float64 else x.astype(np.float64))
    x = np.ascontiguousarray(x)
    with np.errstate(all="ignore"):
        b = x.view(np.uint32)
        r = b >> np.uint32(_DROP32)  # then in place
        r &= np.uint32(1)
        r += np.uint32((1 << (_DROP32 - 1)) - 1)
        r += b
        r &= np.uint32(~((1 << _DROP32) - 1) & 0xFFFFFFFF)
        magnitude = b & np.uint32(0x7FFFFFFF)
        # min and max read the array once; the masks are made only when some value needs them
        if magnitude.size and magnitude.min() < _F16_TINY_BITS:  # |x| < 2⁻¹⁴, float16's subnormals
            _replace(r, x, magnitude < _F16_TINY_BITS, _on_subnormal_grid)
        if magnitude.size and magnitude.max() >= _F16_INF_FROM_BITS:  # rounds beyond 65504 (to inf), or nan
            _replace(r, x, magnitude >= _F16_INF_FROM_BITS, lambda v: v * np.float32(np.inf))
    return r.view(np.float32)


def _to_float32_odd(x: np.ndarray) -> np.ndarray:
    """float64 x to float32 rounded to odd: truncated toward zero, with the last bit set when inexact.

    Rounding to odd and then to a format at least two bits narrower gives the same result as rounding x once
    (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
    odd", 2008): float32's 24 bits against float16's 11, on float16's subnormal grid too.
    """
    with np.errstate(all="ignore"):
        t = x.astype(np.float32)
        back = t.astype(np.float64)
        bits = t.view(np.uint32)
        bits -= (np.abs(back) > np.abs(x)).view(np.uint8)  # rounded away from zero: one step back
        bits |= (back != x).view(np.uint8)                  # inexact (nan too): the sticky last bit
    return t


def _float_array(x) -> np.ndarray:
    """x as an array of its float dtype, or of float64."""
    arr = np.asarray(x)
    return arr if arr.dtype in (np.float16, np.float32, np.float64) else arr.astype(np.float64)


def _elementwise(fn):
    """fn in the input's format; float16 is computed in float32 and rounded once, as GPU half kernels do."""

    @functools.wraps(fn)
    def apply(x):
        x = _float_array(x)
        with np.errstate(under="ignore"):
            if x.dtype == np.float16:
                return _round_to(fn(x.astype(np.float32)), x.dtype).astype(np.float16)
            return fn(x)

    return apply


@_elementwise
def _identity(x):
    return x


@_elementwise
def _identity_grad(x):
    return np.ones_like(x)


@_elementwise
def _sigmoid(x):
    # exp(−|x|) ≤ 1 never overflows: σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, e = exp(−|x|)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_elementwise
def _sigmoid_grad(x):
    # σ' = e/(1 + e)² keeps its relative accuracy where σ(1 − σ) would round 1 − σ to 0
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


@_elementwise
def _tanh(x):
    return np.tanh(x)


@_elementwise
def _tanh_grad(x):
    # 1/cosh² = 4e/(1 + e)² with e = exp(−2|x|); 1 − tanh² would be exactly 0 once tanh rounds to ±1
    e = np.exp(-2 * np.abs(x))
    return 4 * e / ((1 + e) * (1 + e))


@_elementwise
def _relu(x):
    return np.maximum(x, 0)


@_elementwise
def _relu_grad(x):
    return (x > 0).astype(x.dtype)  # relu'(0) = 0, as in PyTorch


@_elementwise
def _leaky_relu(x):
    return np.where(x > 0, x, LEAKY_SLOPE * x)


@_elementwise
def _leaky_relu_grad(x):
    return np.where(x > 0, 1.0, LEAKY_SLOPE).astype(x.dtype)


@_elementwise
def _scaled_sigmoid(x):
    # 4σ(x) − 2 = 2·tanh(x/2) exactly; this form has no cancellation near 0
    return 2 * np.tanh(x / 2)


@_elementwise
def _scaled_sigmoid_grad(x):
    return 4 * _sigmoid_grad(x)


ACTIVATIONS: dict[str, Activation] = {
    a.id: a for a in (
        Activation("identity", _identity, _identity_grad, r"x", r"x", (0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
        Activation("sigmoid", _sigmoid, _sigmoid_grad, r"\sigma(x) = \frac{1}{1 + e^{-x}}",
                   r"\frac{1}{2} + \frac{x}{4} - \frac{x^{3}}{48} + \frac{x^{5}}{480} - \frac{17x^{7}}{80640} + \dots",
                   (1 / 2, 1 / 4, 0.0, -1 / 48, 0.0, 1 / 480, 0.0, -17 / 80640)),
        Activation("tanh", _tanh, _tanh_grad, r"\tanh(x)",
                   r"x - \frac{x^{3}}{3} + \frac{2x^{5}}{15} - \frac{17x^{7}}{315} + \dots",
                   (0.0, 1.0, 0.0, -1 / 3, 0.0, 2 / 15, 0.0, -17 / 315)),
        Activation("relu", _relu, _relu_grad, r"\max(0, x)", r"x \;(x > 0), \quad 0 \;(x < 0)", None),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_grad, rf"\max({LEAKY_SLOPE:g}x, x)",
                   rf"x \;(x > 0), \quad {LEAKY_SLOPE:g}\,x \;(x < 0)", None),
        Activation("scaled_sigmoid", _scaled_sigmoid, _scaled_sigmoid_grad, r"4\sigma(x) - 2 = 2\tanh(x/2)",
                   r"x - \frac{x^{3}}{12} + \frac{x^{5}}{120} - \frac{17x^{7}}{20160} + \dots",
                   (0.0, 1.0, 0.0, -1 / 12, 0.0, 1 / 120, 0.0, -17 / 20160)),
    )
}


def _activation(act_id) -> Activation:
    if not isinstance(act_id, str) or act_id not in ACTIVATIONS:
        raise ValueError(f"activation={act_id!r} is not supported; use one of {tuple(ACTIVATIONS)}")
    return ACTIVATIONS[act_id]


def taylor_eval(act_id: str, x, order: int) -> np.ndarray:
    """The Maclaurin polynomial of an activation, truncated after x^order.

    Parameters
    ----------
    act_id : str
        A key of `ACTIVATIONS` with a series (not "relu" or "leaky_relu").
    x : array_like
        Points (any shape).
    order : int
        Highest power kept, 0 to `TAYLOR_ORDER`.

    Returns
    -------
    numpy.ndarray
        Σ_{k ≤ order} c_k x^k in float64, same shape as x.

    Notes
    -----
    ReLU and leaky ReLU have a kink at 0 (left and right derivatives differ), so no power series represents
    them there; they raise ValueError.

    Examples
    --------
    >>> taylor_eval("tanh", [0.5], 3).tolist()
    [0.4583333333333333]
    """
    act = _activation(act_id)
    if act.taylor is None:
        raise ValueError(f"act_id={act_id!r} has no Maclaurin series (not analytic at 0); use one of "
                         f"{tuple(k for k, a in ACTIVATIONS.items() if a.taylor is not None)}")
    order = _count(order, "order", 0, TAYLOR_ORDER)
    X = _reals(x, "x")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.polynomial.polynomial.polyval(X, act.taylor[:order + 1])


# --- initialization -------------------------------------------------------------------------------------


def _scheme(scheme) -> str:
    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise ValueError(f"init={scheme!r} is not supported; use one of {SCHEMES}")
    return scheme


def _fans(n_in, n_out) -> tuple[int, int]:
    return _count(n_in, "n_in", 1, MAX_FAN), _count(n_out, "n_out", 1, MAX_FAN)


def _std(std) -> float:
    s = _number(std, "std", positive=True)
    if s > MAX_STD:
        raise ValueError(f"std={std!r} must be a finite number > 0 and <= {MAX_STD:g}")
    return s


def init_std(scheme: str, n_in: int, n_out: int) -> float:
    """Standard deviation of the weights of a named initialization scheme.

    Parameters
    ----------
    scheme : str
        One of `NAMED_SCHEMES` ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform").
    n_in, n_out : int
        Fan-in and fan-out of the layer, 1 to `MAX_FAN`.

    Returns
    -------
    float
        Xavier/Glorot: √(2/(n_in + n_out)); He/Kaiming: √(2/n_in). The normal and uniform variants share it.

    Notes
    -----
    Forward, Var[z] = n_in σ² Var[h] asks for σ² = 1/n_in; backward, Var[∂h] = n_out σ² Var[∂z] asks for
    1/n_out. Xavier takes the harmonic compromise 2/(n_in + n_out). ReLU zeroes half of its inputs, which
    halves the second moment, so He doubles the forward choice: 2/n_in.

    Examples
    --------
    >>> init_std("xavier_normal", 300, 100), init_std("he_uniform", 8, 3)
    (0.07071067811865475, 0.5)
    """
    scheme = _scheme(scheme)
    n_in, n_out = _fans(n_in, n_out)
    if scheme not in NAMED_SCHEMES:
        raise ValueError(f"scheme={scheme!r} takes its std from the caller; init_std accepts {NAMED_SCHEMES}")
    fan = (n_in + n_out) / 2 if scheme.startswith("xavier") else n_in / 2
    return math.sqrt(1 / fan)


def init_bound(scheme: str, n_in: int, n_out: int) -> float:
    """Bound a of the uniform schemes U(−a, a).

    Parameters
    ----------
    scheme : str
        "xavier_uniform" or "he_uniform".
    n_in, n_out : int
        Fan-in and fan-out, 1 to `MAX_FAN`.

    Returns
    -------
    float
        a = √3 · `init_std`: √(6/(n_in + n_out)) for Xavier, √(6/n_in) for He.

    Notes
    -----
    U(−a, a) has variance a²/3, so a = √3 σ gives the same σ as the normal variant.

    Examples
    --------
    >>> init_bound("xavier_uniform", 2, 4)
    1.0
    """
    scheme = _scheme(scheme)
    if scheme not in ("xavier_uniform", "he_uniform"):
        raise ValueError(f"scheme={scheme!r} has no bound; init_bound accepts ('xavier_uniform', 'he_uniform')")
    n_in, n_out = _fans(n_in, n_out)
    fan = (n_in + n_out) / 2 if scheme == "xavier_uniform" else n_in / 2
    return math.sqrt(3 / fan)


def _weight_std(scheme: str, n_in: int, n_out: int, std: float | None) -> float:
    """σ of a scheme: the caller's std for "normal"/"uniform", the fan formula otherwise."""
    if scheme in NAMED_SCHEMES:
        return init_std(scheme, n_in, n_out)
    if std is None:
        raise ValueError(f"init={scheme!r} needs std, a finite number > 0 and <= {MAX_STD:g}")
    return _std(std)


def _draw_into(scheme: str, sigma: float, rng: np.random.Generator, out: np.ndarray) -> None:
    """Fill the float64 array out with zero-mean weights of standard deviation sigma.

    The draw of a stack, layer by layer, consumes the stream exactly like one draw of the whole stack.
    """
    if scheme in UNIFORM_SCHEMES:
        rng.random(out=out)  # U(0, 1) → U(−a, a), a = √3σ
        out -= 0.5
        out *= 2 * math.sqrt(3) * sigma
    else:
        rng.standard_normal(out=out)
        out *= sigma


def _draw(scheme: str, sigma: float, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Zero-mean float64 weights with standard deviation sigma, normal or uniform."""
    out = np.empty(shape)
    _draw_into(scheme, sigma, rng, out)
    return out


def _generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(_count(rng, "rng", 0, _MAX_SEED))


def init_weights(scheme: str, n_in: int, n_out: int, rng, std: float | None = None) -> np.ndarray:
    """Draw one weight matrix of a layer h_next = act(h @ W).

    Parameters
    ----------
    scheme : str
        One of `SCHEMES`.
    n_in, n_out : int
        Fan-in and fan-out, 1 to `MAX_FAN`, with n_in·n_out ≤ `MAX_INIT_ENTRIES`.
    rng : numpy.random.Generator or int
        The generator to draw from, or a seed ≥ 0 for numpy.random.default_rng.
    std : float, optional
        σ in (0, `MAX_STD`] of "normal" and "uniform" (required there); ignored by the named schemes.

    Returns
    -------
    numpy.ndarray, shape (n_in, n_out), float64

    Notes
    -----
    "normal": N(0, σ²); "uniform": U(−√3σ, √3σ), whose standard deviation is σ; "xavier_*" and "he_*": the
    same two shapes with σ = `init_std` (the uniform bound is `init_bound`).

    Examples
    --------
    >>> W = init_weights("he_uniform", 6, 3, rng=0)
    >>> W.shape, bool(np.abs(W).max() <= init_bound("he_uniform", 6, 3))
    ((6, 3), True)
    """
    scheme = _scheme(scheme)
    n_in, n_out = _fans(n_in, n_out)
    if n_in * n_out > MAX_INIT_ENTRIES:
        raise ValueError(f"n_in*n_out={n_in * n_out} must be at most {MAX_INIT_ENTRIES}")
    sigma = _weight_std(scheme, n_in, n_out, std)
    return _draw(scheme, sigma, (n_in, n_out), _generator(rng))


# --- the network ----------------------------------------------------------------------------------------


def _streams(seed: int) -> tuple[np.random.Generator, np.random.SeedSequence]:
    """The generator of the inputs and the seed sequence of the weights of one seed (independent streams)."""
    inputs, weights = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(inputs), weights


def _layer_generators(seed: int, depth: int) -> list[np.random.Generator]:
    """One generator per layer, spawned from the weight stream: layer t's draw does not depend on the depth or
    on the other layers, so the layers can be drawn in parallel."""
    return [np.random.default_rng(s) for s in _streams(seed)[1].spawn(depth)]


def network_inputs(batch: int, width: int, seed: int = 0) -> np.ndarray:
    """The inputs h₀ of the network of `propagate`: i.i.d. N(0, 1), float64.

    Parameters
    ----------
    batch : int
        1 to `MAX_BATCH`.
    width : int
        `MIN_WIDTH` to `MAX_WIDTH`.
    seed : int, default 0

    Returns
    -------
    numpy.ndarray, shape (batch, width)

    Notes
    -----
    Inputs and weights come from two independent streams of one numpy.random.SeedSequence, so the batch size
    does not change the weights.
    """
    batch = _count(batch, "batch", 1, MAX_BATCH)
    width = _count(width, "width", MIN_WIDTH, MAX_WIDTH)
    seed = _count(seed, "seed", 0, _MAX_SEED)
    return _streams(seed)[0].standard_normal((batch, width))


def network_weights(depth: int, width: int, init: str, seed: int = 0, std: float = 1.0) -> np.ndarray:
    """The weights W₁ … W_depth of the network of `propagate`, float64.

    Parameters
    ----------
    depth : int
        1 to `MAX_DEPTH`.
    width : int
        `MIN_WIDTH` to `MAX_WIDTH`; every W_t is width × width.
    init : str
        One of `SCHEMES`.
    seed : int, default 0
    std : float, default 1
        σ of "normal" and "uniform", in (0, `MAX_STD`]; ignored by the named schemes.

    Returns
    -------
    numpy.ndarray, shape (depth, width, width)

    Notes
    -----
    Layer t is drawn from its own generator, the t-th child spawned from the weight stream
    (``SeedSequence(seed).spawn(2)[1].spawn(depth)[t - 1]``), so a deeper network with the same seed starts with
    the same layers.
    """
    depth = _count(depth, "depth", 1, MAX_DEPTH)
    width = _count(width, "width", MIN_WIDTH, MAX_WIDTH)
    scheme = _scheme(init)
    seed = _count(seed, "seed", 0, _MAX_SEED)
    sigma = _weight_std(scheme, width, width, _std(std))
    return _weights(depth, width, scheme, sigma, seed, _DTYPES["float64"])


def _weights(depth: int, width: int, scheme: str, sigma: float, seed: int, dt: np.dtype) -> np.ndarray:
    """network_weights rounded to dt, in dt's storage type."""
    with ThreadPoolExecutor(max_workers=_DRAWERS) as pool:
        W, ready = _start_weights(pool, depth, width, scheme, sigma, seed, dt)
        for layer in ready:
            layer.result()
    return W


def _start_weights(pool: ThreadPoolExecutor, depth: int, width: int, scheme: str, sigma: float, seed: int,
                   dt: np.dtype):
    """Start drawing network_weights rounded to dt on ``pool``: (the array being filled, one future per layer).

    numpy releases the GIL while it draws and converts, so the workers draw layers at the same time, and the
    caller can use layer t as soon as its future is done. A rounded format is converted with numpy's own
    conversion (which `_round_to` reproduces), fast here as weights rarely underflow.
    """
    out = np.empty((depth, width, width), dtype=_STORAGE[dt.name])
    local = threading.local()

    def draw(t: int, rng: np.random.Generator) -> None:
        if out.dtype == np.float64:
            _draw_into(scheme, sigma, rng, out[t])
            return
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty((width, width))
        _draw_into(scheme, sigma, rng, buf)
        np.copyto(out[t], buf.astype(dt), casting="same_kind")

    return out, [pool.submit(draw, t, rng) for t, rng in enumerate(_layer_generators(seed, depth))]


def _as_ready(W: np.ndarray, ready) -> Iterator[np.ndarray]:
    """The layers of W in order, each once its draw is done."""
    for Wt, layer in zip(W, ready, strict=True):
        layer.result()
        yield Wt


def _dtype_name(dtype) -> str:
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r} is not supported; use one of {DTYPES}")
    return dtype


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name}={value!r} must be True or False")
    return bool(value)


def _loss_scale(value) -> float:
    s = _number(value, "loss_scale", positive=True)
    if not 1 <= s <= MAX_LOSS_SCALE:
        raise ValueError(f"loss_scale={value!r} must be a number from 1 to 2**24")
    return s


def _matmul(a: np.ndarray, b: np.ndarray, dt: np.dtype) -> np.ndarray:
    """a @ b of stored values, accumulated in the storage type and rounded to dt."""
    return _round_to(a @ b, dt)


def _forward(h0: np.ndarray, W: np.ndarray, act: Activation, dt: np.dtype, residual: bool):
    """h₀ … h_depth and z₁ … z_depth, every value rounded to dt (W already stored in dt)."""
    hs, zs = [_round_to(h0, dt)], []
    with np.errstate(all="ignore"):
        for Wt in W:
            z = _matmul(hs[-1], Wt, dt)
            a = _round_to(act.f(z), dt)
            hs.append(_round_to(hs[-1] + a, dt) if residual else a)
            zs.append(z)
    return hs, zs


def _backward(hs, zs, W, act: Activation, dt: np.dtype, residual: bool, scale: float):
    """Yield (t, S·∂L/∂W_t, ∂L/∂W_t) for t = depth … 1, every value rounded to dt."""
    store = _STORAGE[dt.name].type
    batch = hs[0].shape[0]
    with np.errstate(all="ignore"):
        # S·∂L/∂h_depth = S·h_depth/batch with the factor S/batch in the storage type (S > 65504 is not a
        # float16 number; AMP keeps its scale in float32)
        g = _round_to(hs[-1] * store(scale / batch), dt)
        for t in range(len(zs), 0, -1):
            dz = _round_to(g * _round_to(act.df(zs[t - 1]), dt), dt)
            G_scaled = _matmul(hs[t - 1].T, dz, dt)
            G = G_scaled if scale == 1 else _round_to(G_scaled / store(scale), dt)
            if t > 1:
                back = _matmul(dz, W[t - 1].T, dt)
                g = _round_to(g + back, dt) if residual else back
            yield t, G_scaled, G


def _inputs(h0, W) -> tuple[np.ndarray, np.ndarray]:
    """Validate the arrays of loss_and_gradients."""
    try:
        h0 = np.asarray(h0, dtype=np.float64)
        W = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("h0 and weights must be real arrays") from None
    if h0.ndim != 2 or not (1 <= h0.shape[0] <= MAX_BATCH and MIN_WIDTH <= h0.shape[1] <= MAX_WIDTH):
        raise ValueError(f"h0 has shape {h0.shape}; accepted: (batch, width) with batch 1 to {MAX_BATCH} "
                         f"and width {MIN_WIDTH} to {MAX_WIDTH}")
    width = h0.shape[1]
    if W.ndim != 3 or W.shape[1:] != (width, width) or not 1 <= W.shape[0] <= MAX_DEPTH:
        raise ValueError(f"weights have shape {W.shape}; accepted: (depth, {width}, {width}) with depth 1 to "
                         f"{MAX_DEPTH}")
    if not (np.isfinite(h0).all() and np.isfinite(W).all()):
        raise ValueError("h0 and weights must be finite")
    return h0, W


def _loss(h: np.ndarray) -> float:
    """L = ‖h‖²/(2·batch) in float64 from the stored values (inf beyond float64's range)."""
    x = h.astype(np.float64, copy=False).ravel()
    with np.errstate(over="ignore"):
        squares = float(np.dot(x, x))
        if squares < 1e-280:  # tiny values whose squares underflow
            squares = _norm(h) ** 2
    return 0.5 * squares / h.shape[0]


def loss_and_gradients(h0, weights, activation: str, dtype: str = "float64", residual: bool = False,
                       loss_scale: float = 1.0) -> tuple[float, np.ndarray]:
    """Loss and weight gradients of the MLP of `propagate`, by hand-written backpropagation.

    Parameters
    ----------
    h0 : array_like, shape (batch, width)
        Inputs, finite (e.g. `network_inputs`).
    weights : array_like, shape (depth, width, width)
        W₁ … W_depth, finite (e.g. `network_weights`); cast to dtype before use.
    activation : str
        A key of `ACTIVATIONS`.
    dtype : {"float16", "float32", "float64"}, default "float64"
        The format of every stored value of both passes.
    residual : bool, default False
    loss_scale : float, default 1
        S in [1, 2**24].

    Returns
    -------
    loss : float
        L = ‖h_depth‖²_F/(2·batch) = ½·mean over the batch of ‖h_depth‖², in float64 from the stored h_depth.
    grads : numpy.ndarray, shape (depth, width, width), dtype
        ∂L/∂W_t, computed as S·∂L/∂W_t and divided by S at the end.

    Notes
    -----
    Forward: z_t = h_{t−1} W_t, h_t = act(z_t), or h_t = h_{t−1} + act(z_t) with residual. Backward from
    ∂L/∂h_depth = h_depth/batch: ∂L/∂z_t = ∂L/∂h_t ⊙ act'(z_t), ∂L/∂W_t = h_{t−1}ᵀ ∂L/∂z_t,
    ∂L/∂h_{t−1} = ∂L/∂z_t W_tᵀ (+ ∂L/∂h_t with residual).

    Examples
    --------
    >>> loss, G = loss_and_gradients([[1.0, 2.0]], [[[1.0, 0.0], [0.0, 1.0]]], "identity")
    >>> loss, G.tolist()
    (2.5, [[[1.0, 2.0], [2.0, 4.0]]])
    """
    h0, W = _inputs(h0, weights)
    act = _activation(activation)
    dt = _DTYPES[_dtype_name(dtype)]
    residual = _flag(residual, "residual")
    scale = _loss_scale(loss_scale)
    Wd = _round_to(W, dt)
    hs, zs = _forward(h0, Wd, act, dt, residual)
    grads = np.empty(W.shape, dtype=dt)
    for t, _, G in _backward(hs, zs, Wd, act, dt, residual, scale):
        grads[t - 1] = G  # exact: G holds numbers of dt
    return _loss(hs[-1]), grads


# --- summaries of one run -------------------------------------------------------------------------------


def _norm(x: np.ndarray) -> float:
    """Frobenius norm in float64; finite values never overflow or underflow; inf/nan when present."""
    x = x.astype(np.float64, copy=False).ravel()
    squares = float(np.dot(x, x))
    if math.isnan(squares) or 1e-280 < squares < math.inf:
        return math.sqrt(squares)
    if squares == math.inf and not np.isfinite(x).all():
        return math.inf
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return m * float(np.linalg.norm(x / m)) if m > 0 else 0.0


def _std_of(x: np.ndarray) -> float:
    """Standard deviation in float64, scaled so that finite values never overflow; inf/nan when present."""
    x = x.astype(np.float64, copy=False)
    m = float(np.max(np.abs(x)))
    if not 0 < m < math.inf:
        return m  # 0, inf, or nan (np.max propagates nan)
    return float(np.std(x)) if 1e-140 < m < 1e140 else m * float(np.std(x / m))


def _could_be_nonzero(h_prev: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
    """Entries (i, j) of ∂L/∂W_t with some sample b where h_{t−1}[b, i] ≠ 0 and act'(z_t[b, j]) is not 0 by
    definition (only ReLU's flat side is); shape (width, 1) or (width, width)."""
    alive = h_prev != 0
    if act.id != "relu":
        return alive.any(axis=0)[:, None]
    return (alive.T.astype(np.float32) @ (z > 0).astype(np.float32)) > 0


def _markers(x: np.ndarray, could=None) -> tuple[bool, bool, bool, int]:
    """(has inf, has nan, counts as zero, number of exact zeros) of one layer's array.

    Without ``could`` (activations) it counts as zero when every entry is 0; with it (gradients) also when at
    least `ZERO_FRACTION` of the entries that could be non-zero (a callable returning that mask) are 0.
    """
    zeros = x == 0
    n_zero = int(np.count_nonzero(zeros))
    finite = bool(np.isfinite(x).all())
    has_inf = not finite and bool(np.isinf(x).any())
    has_nan = not finite and bool(np.isnan(x).any())
    vanished = n_zero == x.size
    if not vanished and could is not None and n_zero > 0:
        possible = np.broadcast_to(could(), x.shape)
        n = int(np.count_nonzero(possible))
        vanished = n > 0 and np.count_nonzero(zeros & possible) >= ZERO_FRACTION * n
    return has_inf, has_nan, vanished, n_zero


def _sample_index(size: int) -> np.ndarray:
    return np.unique(np.linspace(0, size - 1, min(size, MAX_SAMPLE)).round().astype(np.int64))


@dataclass(frozen=True)
class Propagation:
    """Per-layer statistics of one forward and backward pass of `propagate` (arrays indexed by t − 1).

    The markers ``first_inf``, ``first_nan`` and ``first_zero`` map "forward" (activations h_t), "backward"
    (∂L/∂W_t after unscaling), "backward_scaled" (S·∂L/∂W_t before unscaling) and "plain" (∂L/∂W_t of the
    same network without loss scaling, S = 1) to a 1-based layer or None.
    Forward markers name the smallest such t; backward markers the first layer the backward pass reaches,
    which runs t = depth … 1, i.e. the largest such t.
    """

    dtype: str
    loss: float  # ‖h_depth‖²/(2·batch), float64 from the stored values
    input_var: float  # Var(h₀) of the inputs as stored in dtype
    weight_var: float  # σ² of the initialization
    forward_std: np.ndarray  # (depth,) std of all batch × width entries of h_t; inf/nan kept
    forward_var: np.ndarray  # (depth,) forward_std²
    predicted_var: np.ndarray  # (depth,) (nσ²)^t·Var(h₀), or (1 + nσ²)^t·Var(h₀) with residual
    grad_norm: np.ndarray  # (depth,) ‖∂L/∂W_t‖_F after unscaling, before clipping
    master_grad_norm: np.ndarray  # (depth,) ‖S·∂L/∂W_t‖_F/S in float64: what float32 master gradients receive
    plain_grad_norm: np.ndarray  # (depth,) ‖∂L/∂W_t‖_F of the same pass with S = 1 (= grad_norm when S = 1)
    total_grad_norm: float  # √(Σ_t grad_norm²), the norm clipping looks at
    clip_coef: float | None  # min(1, clip/(total + CLIP_EPS)); None without clipping
    clipped_grad_norm: np.ndarray | None  # (depth,) clip_coef·grad_norm
    clipped_total_grad_norm: float | None
    zero_fraction_grad: np.ndarray  # (depth,) share of exactly-zero entries of ∂L/∂W_t
    first_inf: dict
    first_nan: dict
    first_zero: dict
    samples: np.ndarray  # (depth + 1, ≤ MAX_SAMPLE) fixed entries of h₀ … h_depth, float64


def _first(flags: dict, key: str, t: int, hit: bool) -> None:
    if hit and flags[key] is None:
        flags[key] = t


def _scaled_pass(hs, zs, W, act, dt, residual, scale, coulds, flags, grad_norm, master, zero_fraction) -> None:
    """The backward pass with loss scale S: per layer ‖∂L/∂W_t‖ unscaled in dt, the master gradients' norm, the
    share of zeros, and the inf/nan/zero flags of "backward" (unscaled) and "backward_scaled"."""
    for t, G_scaled, G in _backward(hs, zs, W, act, dt, residual, scale):
        same = G_scaled is G
        G = G.astype(np.float64, copy=False)
        G_scaled = G if same else G_scaled.astype(np.float64, copy=False)
        grad_norm[t - 1] = _norm(G)
        with np.errstate(all="ignore"):
            master[t - 1] = _norm(G_scaled) / scale
        marks = _markers(G, coulds[t])
        zero_fraction[t - 1] = marks[3] / G.size
        marks_scaled = marks if same else _markers(G_scaled, coulds[t])
        for name, hit, hit_scaled in zip(("inf", "nan", "zero"), marks[:3], marks_scaled[:3]):
            _first(flags[name], "backward", t, hit)
            _first(flags[name], "backward_scaled", t, hit_scaled)


def _plain_pass(hs, zs, W, act, dt, residual, coulds, plain, flags) -> None:
    """The backward pass without loss scaling: ‖∂L/∂W_t‖ into ``plain`` and the flags of "plain"."""
    for t, _, G in _backward(hs, zs, W, act, dt, residual, 1.0):
        G = G.astype(np.float64, copy=False)
        plain[t - 1] = _norm(G)
        for name, hit in zip(("inf", "nan", "zero"), _markers(G, coulds[t])[:3]):
            _first(flags[name], "plain", t, hit)


def propagate(depth: int, width: int, activation: str, init: str, dtype: str = "float32",
              batch: int = DEFAULT_BATCH, seed: int = 0, residual: bool = False, clip: float | None = None,
              std: float = 1.0, loss_scale: float = 1.0) -> Propagation:
    """Run a deep MLP forward and backward in one floating-point format and summarise every layer.

    Parameters
    ----------
    depth : int
        Number of layers, 1 to `MAX_DEPTH`.
    width : int
        Units per layer and input dimension, `MIN_WIDTH` to `MAX_WIDTH`.
    activation : str
        A key of `ACTIVATIONS`.
    init : str
        One of `SCHEMES`.
    dtype : {"float16", "float32", "float64"}, default "float32"
    batch : int, default `DEFAULT_BATCH`
        1 to `MAX_BATCH`.
    seed : int, default 0
        Seeds the inputs and the weights (`network_inputs`, `network_weights`).
    residual : bool, default False
        h_t = h_{t−1} + act(z_t) instead of act(z_t).
    clip : float or None, default None
        Max norm > 0 of gradient clipping by the global norm.
    std : float, default 1
        σ of "normal" and "uniform", in (0, `MAX_STD`]; ignored by the named schemes.
    loss_scale : float, default 1
        S in [1, 2**24]: the backward pass starts from S·∂L/∂h and divides the weight gradients by S.

    Returns
    -------
    Propagation

    Notes
    -----
    z_t = h_{t−1} W_t, h_t = act(z_t); h₀ ~ N(0, 1) of shape (batch, width). The loss is
    L = ‖h_depth‖²_F/(2·batch), so ∂L/∂h_depth = h_depth/batch. The weights are drawn in float64 and cast to
    dtype, so a seed gives the same network in every format. Every value of both passes is rounded to dtype
    after each operation; float16 matrix products accumulate in float32 and are rounded once, as on GPUs with
    fp32 accumulation. Overflow to inf, 0·inf = nan and underflow to 0 happen as in training, silently.

    Clipping (torch.nn.utils.clip_grad_norm_): all gradients are multiplied by
    min(1, clip/(total + `CLIP_EPS`)), total = √(Σ_t ‖∂L/∂W_t‖²); a non-finite total gives nan norms, as in
    PyTorch. Loss scaling (fp16 mixed precision): in the backward pass, values below about float16's smallest
    subnormal 6·10⁻⁸ round to 0; S lifts them, and too large an S overflows to inf (and inf − inf to nan).
    The unscaling is in dtype too, so gradients that are themselves below 6·10⁻⁸ underflow again there (AMP
    unscales in float32 master gradients); the "backward_scaled" markers show the scaled pass, and
    ``master_grad_norm`` the scaled gradients divided by S in float64, as the master gradients receive them.
    With S ≠ 1 the backward pass is also run with S = 1 on the same forward pass (``plain_grad_norm``, the
    "plain" markers), so one call shows what the scaling saved; that costs one more backward pass.

    Zero markers: forward, every entry of h_t is exactly 0. Backward, every entry of the gradient is exactly
    0, or at least `ZERO_FRACTION` of the entries that could be non-zero are 0 — entry (i, j) could be
    non-zero when some sample has h_{t−1}[b, i] ≠ 0 and, for ReLU, z_t[b, j] > 0; the other zeros come from
    zero inputs or ReLU's flat side, not from underflow.

    ``predicted_var`` is the variance argument for the identity activation: Var[h_t] = nσ² Var[h_{t−1}]
    (residual: (1 + nσ²) Var[h_{t−1}]), with n = width and σ² the weights' variance.

    Memory grows with depth·batch·width (stored activations) and depth·width² (weights): about 0.27 GB at
    the float64 limits.

    Examples
    --------
    Plain N(0, 1) weights multiply the signal by √64 = 8 per layer; the layer where it overflows:

    >>> [propagate(50, 64, "identity", "normal", std=1.0, dtype=d).first_inf["forward"] for d in DTYPES]
    [5, 42, None]
    """
    depth = _count(depth, "depth", 1, MAX_DEPTH)
    width = _count(width, "width", MIN_WIDTH, MAX_WIDTH)
    act = _activation(activation)
    scheme = _scheme(init)
    dt = _DTYPES[_dtype_name(dtype)]
    batch = _count(batch, "batch", 1, MAX_BATCH)
    seed = _count(seed, "seed", 0, _MAX_SEED)
    residual = _flag(residual, "residual")
    if clip is not None:
        clip = _number(clip, "clip", positive=True)
    sigma = _weight_std(scheme, width, width, _std(std))
    scale = _loss_scale(loss_scale)

    h0 = network_inputs(batch, width, seed)
    # the forward pass takes each layer once it is drawn, with one BLAS thread: the drawers use the cores
    with ThreadPoolExecutor(max_workers=_DRAWERS) as pool, threadpool_limits(1, "blas"):
        W, ready = _start_weights(pool, depth, width, scheme, sigma, seed, dt)
        hs, zs = _forward(h0, _as_ready(W, ready), act, dt, residual)

    flags = {name: dict.fromkeys(("forward", "backward", "backward_scaled", "plain"))
             for name in ("inf", "nan", "zero")}
    forward_std = np.empty(depth)
    idx = _sample_index(batch * width)
    samples = np.stack([h.ravel()[idx].astype(np.float64) for h in hs])
    for t, h in enumerate(hs[1:], start=1):
        forward_std[t - 1] = _std_of(h)
        for name, hit in zip(("inf", "nan", "zero"), _markers(h)[:3]):
            _first(flags[name], "forward", t, hit)

    grad_norm, master, plain = np.empty(depth), np.empty(depth), np.empty(depth)
    zero_fraction = np.empty(depth)
    coulds = {t: functools.cache(functools.partial(_could_be_nonzero, hs[t - 1], zs[t - 1], act))
              for t in range(1, depth + 1)}
    if scale == 1:
        _scaled_pass(hs, zs, W, act, dt, residual, scale, coulds, flags, grad_norm, master, zero_fraction)
        plain[:] = grad_norm
        for name in flags:
            flags[name]["plain"] = flags[name]["backward"]
    else:
        # the same network without loss scaling, for comparison: only the backward pass is repeated, in a second
        # thread at the same time (numpy and BLAS release the GIL), each pass with one BLAS thread so the two
        # share the cores instead of fighting for them; the passes write different keys of ``flags``
        with ThreadPoolExecutor(max_workers=1) as second, threadpool_limits(1, "blas"):
            plain_pass = second.submit(_plain_pass, hs, zs, W, act, dt, residual, coulds, plain, flags)
            _scaled_pass(hs, zs, W, act, dt, residual, scale, coulds, flags, grad_norm, master, zero_fraction)
            plain_pass.result()

    with np.errstate(all="ignore"):
        total = _norm(grad_norm)  # √(Σ‖G_t‖²), without overflow of the squares
        coef = clipped = clipped_total = None
        if clip is not None:
            coef = clip / (total + CLIP_EPS)
            coef = 1.0 if coef > 1 else coef  # a nan total stays nan, as in PyTorch
            clipped = grad_norm * coef
            clipped_total = total * coef
        input_var = _std_of(hs[0]) ** 2
        growth = width * sigma**2 + (1 if residual else 0)
        predicted = input_var * np.power(growth, np.arange(1, depth + 1, dtype=np.float64))
        forward_var = forward_std**2
    return Propagation(
        dtype=dt.name, loss=_loss(hs[-1]), input_var=input_var, weight_var=sigma**2,
        forward_std=forward_std, forward_var=forward_var, predicted_var=predicted,
        grad_norm=grad_norm, master_grad_norm=master, plain_grad_norm=plain, total_grad_norm=total,
        clip_coef=coef, clipped_grad_norm=clipped,
        clipped_total_grad_norm=clipped_total, zero_fraction_grad=zero_fraction,
        first_inf=flags["inf"], first_nan=flags["nan"], first_zero=flags["zero"], samples=samples,
    )


def activation_samples(prop: Propagation, layer: int) -> np.ndarray:
    """A fixed sample of at most `MAX_SAMPLE` activations of one layer, for a histogram.

    Parameters
    ----------
    prop : Propagation
    layer : int
        0 (the inputs h₀) to depth.

    Returns
    -------
    numpy.ndarray, float64
        The same, evenly spaced, entries of the flattened batch × width array for every layer; inf and nan
        are kept (a histogram should drop them and count them).
    """
    depth = prop.samples.shape[0] - 1
    layer = _count(layer, "layer", 0, depth)
    return prop.samples[layer].copy()


@dataclass(frozen=True)
class LayerHistograms:
    """Histograms of the sampled activations of every layer h₀ … h_depth (row t is layer t)."""

    edges: np.ndarray  # (depth + 1, bins + 1) symmetric bin edges around 0 of each layer
    counts: np.ndarray  # (depth + 1, bins) finite samples per bin
    std: np.ndarray  # (depth + 1,) std of the finite samples (0 when there are none)
    inf: np.ndarray  # (depth + 1,) count of ±inf samples
    nan: np.ndarray  # (depth + 1,) count of nan samples
    zero: np.ndarray  # (depth + 1,) count of samples exactly 0
    total: int  # samples per layer


def layer_histograms(prop: Propagation, bins: int = 31) -> LayerHistograms:
    """Histograms of `propagate`'s sampled activations, one per layer, each on its own symmetric range.

    Parameters
    ----------
    prop : Propagation
    bins : int, default 31
        Bins per layer, odd so that 0 is the centre of the middle bin; 3 to `MAX_BINS`.

    Returns
    -------
    LayerHistograms
        Layer t's edges span [−m, m], m = max |finite sample| (1 when all are 0), so the shape of a layer is
        visible whatever its scale; the same as ``numpy.histogram(finite, bins, (−m, m))``. inf and nan are
        not binned but counted.
    """
    bins = _count(bins, "bins", 3, MAX_BINS)
    if bins % 2 == 0:
        raise ValueError(f"bins={bins} must be odd (0 is the centre of the middle bin)")
    S = prop.samples
    finite = np.isfinite(S)
    A = np.where(finite, np.abs(S), 0.0)
    m = A.max(axis=1)
    m = np.where(m > 0, m, 1.0)
    edges = np.linspace(-1.0, 1.0, bins + 1)[None, :] * m[:, None]
    # bin index of each finite sample on its layer's grid (the last bin is closed, as in numpy.histogram)
    with np.errstate(invalid="ignore"):
        idx = np.floor((np.where(finite, S, 0.0) / m[:, None] + 1.0) * (bins / 2)).astype(np.int64)
    idx = np.clip(idx, 0, bins - 1)
    rows = np.broadcast_to(np.arange(S.shape[0])[:, None], S.shape)
    counts = np.zeros((S.shape[0], bins), dtype=np.int64)
    np.add.at(counts, (rows[finite], idx[finite]), 1)
    std = np.array([_std_of(row[ok]) if ok.any() else 0.0 for row, ok in zip(S, finite)])
    return LayerHistograms(edges=edges, counts=counts, std=std, inf=np.isinf(S).sum(axis=1),
                           nan=np.isnan(S).sum(axis=1), zero=(S == 0).sum(axis=1), total=S.shape[1])


# --- products of many factors ---------------------------------------------------------------------------


def product_growth(factor, n):
    """factorⁿ in float64: what n layers with the same per-layer factor do to a signal.

    Parameters
    ----------
    factor : float or array_like
        Finite real numbers.
    n : int or array_like of int
        Exponents, 0 to `MAX_POWER` (broadcast against factor).

    Returns
    -------
    float or numpy.ndarray
        inf where it overflows, 0 where it underflows.

    Examples
    --------
    >>> f"{product_growth(1.5, 100):.2e}", f"{product_growth(0.8, 100):.2e}"
    ('4.07e+17', '2.04e-10')
    """
    try:
        F = np.asarray(factor, dtype=np.float64)
        N = np.asarray(n)
    except (TypeError, ValueError):
        raise ValueError(f"factor={factor!r} must be finite real numbers") from None
    if not np.isfinite(F).all():
        raise ValueError(f"factor={factor!r} must be finite real numbers")
    if N.dtype.kind not in "iu" or (N.size and (N.min() < 0 or N.max() > MAX_POWER)):
        raise ValueError(f"n={n!r} must be integers from 0 to {MAX_POWER}")
    with np.errstate(over="ignore", under="ignore"):
        out = np.power(F, N.astype(np.float64))
    return float(out) if out.ndim == 0 else out


def first_unrepresentable(factor: float, dtype: str = "float16", limit: int = MAX_POWER) -> dict:
    """The first n at which factorⁿ (exact, computed in float64) rounds to inf or to 0 in a format.

    Parameters
    ----------
    factor : float
        A finite number > 0.
    dtype : {"float16", "float32", "float64"}, default "float16"
    limit : int, default `MAX_POWER`
        Largest n searched.

    Returns
    -------
    dict
        {"inf": n or None, "zero": n or None}: None when it does not happen for n ≤ limit.

    Examples
    --------
    >>> first_unrepresentable(1.5), first_unrepresentable(0.8)
    ({'inf': 28, 'zero': None}, {'inf': None, 'zero': 78})
    """
    factor = _number(factor, "factor", positive=True)
    name = _dtype_name(dtype)
    limit = _count(limit, "limit", 1, MAX_POWER)
    n = np.arange(1, limit + 1)
    with np.errstate(over="ignore", under="ignore"):
        exact = product_growth(factor, n)
        rounded = exact.astype(np.float32) if name == "float32" else exact
        rounded = _round_to(exact, _DTYPES["float16"]) if name == "float16" else rounded
    out = {}
    for key, hit in (("inf", np.isinf(rounded)), ("zero", rounded == 0)):
        out[key] = int(n[hit][0]) if hit.any() else None
    return out


@dataclass(frozen=True)
class ProductNorms:
    """Spectral norms of products of random matrices, for a log-axis chart."""

    depths: np.ndarray  # (depth,) d = 1 … depth
    norms: np.ndarray  # (count, depth) ‖W_d ⋯ W₁‖₂ for each seed; inf/0 only beyond float64's range
    log10_mean: np.ndarray  # (depth,) mean over seeds of log10 ‖W_d ⋯ W₁‖₂ (a geometric mean)
    typical: np.ndarray  # (depth,) std^d: root-mean-square growth ‖P x‖/‖x‖ of a fixed vector x
    edge: np.ndarray  # (depth,) std^d·√((d+1)^(d+1)/d^d): the large-width limit of ‖P‖₂ for d ≪ width


def spectral_norm_of_products(depth: int, width: int, std: float = 1.0, seed: int = 0,
                              count: int = 3) -> ProductNorms:
    """‖W_d ⋯ W₁‖₂ for d = 1 … depth, with W_i i.i.d. entries N(0, std²/width).

    Parameters
    ----------
    depth : int
        1 to `MAX_DEPTH`.
    width : int
        `MIN_WIDTH` to `MAX_PRODUCT_WIDTH`.
    std : float, default 1
        Scale in (0, `MAX_STD`]; entries have variance std²/width, so std = 1 is the critical scale at which
        a typical vector keeps its length on average.
    seed : int, default 0
    count : int, default 3
        Independent products (seeds spawned from `seed`), 1 to `MAX_PRODUCT_SEEDS`; the first ones do not
        change with count.

    Returns
    -------
    ProductNorms

    Notes
    -----
    E‖W x‖² = std²‖x‖², so a fixed vector grows like stdᵈ. The largest singular value grows faster: the
    squared singular values of a product of d such matrices follow the Fuss–Catalan law with upper edge
    (d+1)^(d+1)/d^d ≈ e(d+1) as width → ∞. The products are kept normalised between steps
    (log‖P_d‖ = log‖W_d Q_{d−1}‖ + log‖P_{d−1}‖, Q = P/‖P‖), so no intermediate overflows.

    Examples
    --------
    >>> r = spectral_norm_of_products(3, 16, std=2.0, count=1)
    >>> r.depths.tolist(), r.typical.tolist()
    ([1, 2, 3], [2.0, 4.0, 8.0])
    """
    depth = _count(depth, "depth", 1, MAX_DEPTH)
    width = _count(width, "width", MIN_WIDTH, MAX_PRODUCT_WIDTH)
    std = _std(std)
    seed = _count(seed, "seed", 0, _MAX_SEED)
    count = _count(count, "count", 1, MAX_PRODUCT_SEEDS)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]
    scale = std / math.sqrt(width)
    Q = np.broadcast_to(np.eye(width), (count, width, width))
    log_norms = np.empty((count, depth))
    acc = np.zeros(count)
    for d in range(depth):
        Wd = np.stack([rng.standard_normal((width, width)) for rng in rngs]) * scale
        P = Wd @ Q
        s = np.linalg.norm(P, ord=2, axis=(1, 2))
        acc = acc + np.log(s)
        log_norms[:, d] = acc
        Q = P / s[:, None, None]
    return _product_norms(log_norms, std)


def _product_norms(log_norms: np.ndarray, std: float) -> ProductNorms:
    d = np.arange(1, log_norms.shape[1] + 1)
    with np.errstate(over="ignore", under="ignore"):
        norms = np.exp(log_norms)
        typical = np.power(std, d.astype(np.float64))
        edge = typical * np.sqrt((d + 1.0) * (1 + 1 / d) ** d)
    return ProductNorms(depths=d, norms=norms, log10_mean=log_norms.mean(axis=0) / math.log(10),
                        typical=typical, edge=edge)


def rescale_products(base: ProductNorms, std: float) -> ProductNorms:
    """`spectral_norm_of_products` at another std, from its std = 1 result with the same depth, width and seed.

    The same seed draws the same standard normals Z_i whatever std is, and W_i = std·Z_i/√width, so
    W_d ⋯ W₁ = stdᵈ·(the std = 1 product) and log‖W_d ⋯ W₁‖₂ = d·log std + (the std = 1 value): equal to a
    direct run up to rounding (about 1e-13 relative), for none of the matrix work.

    Examples
    --------
    >>> one = spectral_norm_of_products(3, 16, std=1.0, count=1)
    >>> two = rescale_products(one, 2.0)
    >>> bool(np.allclose(two.norms, spectral_norm_of_products(3, 16, std=2.0, count=1).norms, rtol=1e-12))
    True
    """
    std = _std(std)
    if not np.all(base.typical == 1.0):
        raise ValueError("base must be a result of spectral_norm_of_products with std = 1")
    with np.errstate(divide="ignore"):
        log_norms = np.log(base.norms) + base.depths * math.log(std)
    return _product_norms(log_norms, std)

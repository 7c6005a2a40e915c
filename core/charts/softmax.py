"""Charts of the softmax page: exp's finite range, probabilities, shift and scale breakdowns.

Written as Vega-Lite dicts (`style.framed`): Altair took 30–100 ms to build each of these layered charts, most
of it copying and validating them, and they follow the page's sliders. The data travel as top-level named
``datasets``; what a slider moves (the "now" rule) is a small dataset of its own, so a slider move changes the
data and not the spec around them.
"""
from __future__ import annotations

import math

import numpy as np

from core.charts.style import FORMAT_COLORS, METHOD_DASH, framed

__all__ = ["exp_range_chart", "probability_chart", "shift_chart", "sweep_chart", "ERROR_FLOOR"]

ERROR_FLOOR = 1e-17  # errors below this (including exactly 0) are drawn on this line of the log axis


def _column(values, n: int) -> list:
    """Plain Python values for a dataset column (a scalar repeated ``n`` times); nan and ±inf become None
    (null), as Altair wrote them."""
    if np.ndim(values) == 0:
        values = [values.item() if isinstance(values, np.generic) else values] * n
    else:
        values = np.asarray(values)
        if values.dtype.kind == "f":
            values = values.astype(np.float64)
        values = values.tolist()
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]


def _records(**columns) -> list[dict]:
    """Rows of a dataset from equal-length columns (arrays or lists) and scalars."""
    n = max((len(v) for v in columns.values() if np.ndim(v) > 0), default=1)
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*(_column(v, n) for v in columns.values()))]


def _q(field: str, **extra) -> dict:
    return {"field": field, "type": "quantitative", **extra}


def _n(field: str, **extra) -> dict:
    return {"field": field, "type": "nominal", **extra}


def exp_range_chart(x, y, overflow: float, underflow: float, labels: dict):
    """exp(x) on a log axis where it is finite, with the overflow and underflow limits marked.

    labels: title, subtitle, x, y, overflow, underflow, finite (legend text).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    finite = np.isfinite(y) & (y > 0)
    lo, hi = float(np.min(x)), float(np.max(x))
    underflow, overflow = float(underflow), float(overflow)
    zones = [labels["underflow"], labels["overflow"]]
    datasets = {
        "zones": _records(x0=[lo, overflow], x1=[underflow, hi], zone=zones),
        "curve": _records(x=x[finite], y=y[finite]),
        "limits": _records(x=[underflow, overflow], label=[f"x = {underflow:.4g}", f"x = {overflow:.4g}"]),
    }
    layers = [
        {"data": {"name": "zones"}, "mark": {"type": "rect", "opacity": 0.22},
         "encoding": {"x": _q("x0"), "x2": {"field": "x1"},
                      "color": _n("zone", title=None, scale={"domain": zones, "range": ["#56B4E9", "#E69F00"]}),
                      "tooltip": [_n("zone", title=labels["zone"])]}},
        {"data": {"name": "curve"}, "mark": {"type": "line", "color": "#333", "strokeWidth": 3},
         "encoding": {"x": _q("x", title=labels["x"], scale={"domain": [lo, hi], "nice": False}),
                      "y": _q("y", title=labels["y"], scale={"type": "log"}),
                      "tooltip": [_q("x", format=".5g"), _q("y", title="exp(x)", format=".4e")]}},
        {"data": {"name": "limits"}, "mark": {"type": "rule", "color": "#000", "strokeDash": [5, 3], "strokeWidth": 2},
         "encoding": {"x": _q("x"), "tooltip": [_n("label", title=labels["limit"])]}},
        {"data": {"name": "limits"}, "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 5, "dy": -8,
                                              "fontSize": 14},
         "encoding": {"x": _q("x"), "y": {"value": 12}, "text": _n("label")}},
    ]
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"))


def probability_chart(naive, stable, labels: dict):
    """Grouped bars of softmax results: naive next to stable for each class; nan/inf listed, not drawn.

    labels: title, subtitle, x, y, naive, stable, status, bad (text for a value that is nan or inf).
    """
    n = len(stable)
    rows = []
    for method, values in (("naive", naive), ("stable", stable)):
        for i, v in enumerate(np.asarray(values, dtype=float).tolist()):
            ok = math.isfinite(v)
            rows.append({"cls": i, "method": labels[method], "p": v if ok else 0.0,
                         "shown": f"{v:.6g}" if ok else str(v), "bad": not ok})
    methods = [labels["naive"], labels["stable"]]
    x = {"field": "cls", "type": "ordinal", "title": labels["x"], "axis": {"labelAngle": 0, "labelOverlap": True}}
    offset = _n("method", sort=methods)
    tip = [{"field": "cls", "type": "ordinal", "title": labels["x"]}, _n("method", title=labels["method"]),
           _n("shown", title="p")]
    bars = {"mark": {"type": "bar"},
            "encoding": {"x": x, "xOffset": offset, "tooltip": tip,
                         "y": _q("p", title=labels["y"], scale={"domain": [0, 1]}),
                         "color": _n("method", title=None, sort=methods,
                                     scale={"domain": methods, "range": ["#D55E00", "#0072B2"]}),
                         "opacity": {"condition": {"test": "datum.bad", "value": 0.0}, "value": 1.0}}}
    # the label of a nan or inf sits where its missing bar would start
    bad = {"mark": {"type": "text", "baseline": "bottom", "color": "#D55E00", "dy": -2,
                    "fontSize": 15 if n <= 16 else 10, "fontWeight": "bold"},
           "encoding": {"x": x, "xOffset": offset, "tooltip": tip, "y": {"datum": 0.02}, "text": _n("shown")},
           "transform": [{"filter": "datum.bad"}]}
    spec = {"data": {"name": "probs"}, "layer": [bars, bad], "datasets": {"probs": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=360)


def _error(error) -> np.ndarray:
    """Errors on the log axis: nan and inf (a broken result) at 1, below the floor (0 too) on the floor."""
    return np.clip(np.nan_to_num(np.asarray(error, dtype=np.float64), nan=1.0, posinf=1.0), ERROR_FLOOR, 1.0)


def shift_chart(shifts, error, broken, current: float, labels: dict):
    """Error of naive softmax(x + c) against the exact (shift-invariant) answer, over the shift c.

    labels: title, subtitle, x, y, ok, broken, current.
    """
    states = [labels["ok"], labels["broken"]]
    datasets = {"errors": _records(c=np.asarray(shifts, dtype=np.float64), err=_error(error),
                                   state=np.where(broken, labels["broken"], labels["ok"])),
                "now": _records(c=[float(current)], label=[labels["current"]])}
    layers = [
        {"data": {"name": "errors"}, "mark": {"type": "point", "filled": True, "size": 40},
         "encoding": {"x": _q("c", title=labels["x"]),
                      "y": _q("err", title=labels["y"], scale={"type": "log", "domain": [ERROR_FLOOR, 2]}),
                      "color": _n("state", title=None, scale={"domain": states, "range": ["#0072B2", "#D55E00"]}),
                      "shape": _n("state", title=None, scale={"domain": states, "range": ["circle", "cross"]}),
                      "tooltip": [_q("c", title="c", format=".4g"), _q("err", title=labels["y"], format=".2e"),
                                  _n("state", title=labels["state"])]}},
        {"data": {"name": "now"}, "mark": {"type": "rule", "color": "#000", "strokeWidth": 2},
         "encoding": {"x": _q("c"), "tooltip": [_n("label")]}},
        {"data": {"name": "now"}, "mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 14},
         "encoding": {"x": _q("c"), "y": {"value": 14}, "text": _n("label")}},
    ]
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"))


def sweep_chart(scales, series: dict, current: float, labels: dict):
    """Error of naive and stable softmax against an exact reference, over the scale of the logits.

    series: {(format, method): (error array, broken bool array)}. labels: title, subtitle, x, y, naive,
    stable, method, format, broken, current.
    """
    scales = np.asarray(scales, dtype=np.float64)
    rows = []
    for (fmt, method), (error, broken) in series.items():
        rows += _records(scale=scales, err=_error(error), fmt=fmt, method=labels[method],
                         broken=np.where(broken, labels["broken"], ""))
    fmts = list(dict.fromkeys(f for f, _ in series))
    methods = [labels["naive"], labels["stable"]]
    enc = {
        "x": _q("scale", title=labels["x"], scale={"type": "log"}),
        "y": _q("err", title=labels["y"], scale={"type": "log", "domain": [ERROR_FLOOR, 2]}),
        "color": _n("fmt", title=labels["format"], scale={"domain": fmts, "range": [FORMAT_COLORS[f] for f in fmts]}),
        "detail": _n("method"),
        "tooltip": [_n("fmt", title=labels["format"]), _n("method", title=labels["method"]),
                    _q("scale", format=".3g", title=labels["x"]), _q("err", format=".2e", title=labels["y"]),
                    _n("broken", title=labels["broken"])],
    }
    # The dash encoding stays on the lines only: shared with the point layer, its legend would draw
    # filled crosses with no stroke, i.e. nothing.
    dash = _n("method", title=labels["method"], sort=methods,
              legend={"symbolType": "stroke", "symbolStrokeColor": "#333", "symbolStrokeWidth": 2.5,
                      "symbolSize": 400},
              scale={"domain": methods, "range": [METHOD_DASH["naive"], METHOD_DASH["stable"]]})
    layers = [
        {"data": {"name": "errors"}, "mark": {"type": "line", "strokeWidth": 2.5},
         "encoding": {**enc, "strokeDash": dash}},
        {"data": {"name": "errors"}, "mark": {"type": "point", "filled": True, "shape": "cross", "size": 60},
         "encoding": enc, "transform": [{"filter": "(datum.broken !== '')"}]},
        {"data": {"name": "now"}, "mark": {"type": "rule", "color": "#000", "strokeWidth": 2},
         "encoding": {"x": _q("scale"), "tooltip": [_n("label")]}},
    ]
    datasets = {"errors": rows, "now": _records(scale=[float(current)], label=[labels["current"]])}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=480)

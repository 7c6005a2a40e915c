"""Charts of the softmax page: exp's finite range, probabilities, shift and scale breakdowns.

Written as Vega-Lite dicts (`style.framed`): Altair took 30–100 ms to build each of these layered charts, most
of it copying and validating them, and they follow the page's sliders. The data travel as top-level named
``datasets``; what a slider moves (the "now" rule) is a small dataset of its own, so a slider move changes the
data and not the spec around them.
"""
from __future__ import annotations

import math

import numpy as np

from core.charts.style import FORMAT_COLORS, METHOD_DASH, framed, nominal, q, records

__all__ = ["exp_range_chart", "probability_chart", "shift_chart", "sweep_chart", "ERROR_FLOOR"]

ERROR_FLOOR = 1e-17  # errors below this (including exactly 0) are drawn on this line of the log axis






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
        "zones": records(x0=[lo, overflow], x1=[underflow, hi], zone=zones),
        "curve": records(x=x[finite], y=y[finite]),
        "limits": records(x=[underflow, overflow], label=[f"x = {underflow:.4g}", f"x = {overflow:.4g}"]),
    }
    layers = [
        {"data": {"name": "zones"}, "mark": {"type": "rect", "opacity": 0.22},
         "encoding": {"x": q("x0"), "x2": {"field": "x1"},
                      "color": nominal("zone", title=None, scale={"domain": zones, "range": ["#56B4E9", "#E69F00"]}),
                      "tooltip": [nominal("zone", title=labels["zone"])]}},
        {"data": {"name": "curve"}, "mark": {"type": "line", "color": "#333", "strokeWidth": 3},
         "encoding": {"x": q("x", title=labels["x"], scale={"domain": [lo, hi], "nice": False}),
                      "y": q("y", title=labels["y"], scale={"type": "log"}),
                      "tooltip": [q("x", format=".5g"), q("y", title="exp(x)", format=".4e")]}},
        {"data": {"name": "limits"}, "mark": {"type": "rule", "color": "#000", "strokeDash": [5, 3], "strokeWidth": 2},
         "encoding": {"x": q("x"), "tooltip": [nominal("label", title=labels["limit"])]}},
        {"data": {"name": "limits"}, "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 5, "dy": -8,
                                              "fontSize": 14},
         "encoding": {"x": q("x"), "y": {"value": 12}, "text": nominal("label")}},
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
    offset = nominal("method", sort=methods)
    tip = [{"field": "cls", "type": "ordinal", "title": labels["x"]}, nominal("method", title=labels["method"]),
           nominal("shown", title="p")]
    bars = {"mark": {"type": "bar"},
            "encoding": {"x": x, "xOffset": offset, "tooltip": tip,
                         "y": q("p", title=labels["y"], scale={"domain": [0, 1]}),
                         "color": nominal("method", title=None, sort=methods,
                                          scale={"domain": methods, "range": ["#D55E00", "#0072B2"]}),
                         "opacity": {"condition": {"test": "datum.bad", "value": 0.0}, "value": 1.0}}}
    # the label of a nan or inf sits where its missing bar would start
    bad = {"mark": {"type": "text", "baseline": "bottom", "color": "#D55E00", "dy": -2,
                    "fontSize": 15 if n <= 16 else 10, "fontWeight": "bold"},
           "encoding": {"x": x, "xOffset": offset, "tooltip": tip, "y": {"datum": 0.02}, "text": nominal("shown")},
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
    datasets = {"errors": records(c=np.asarray(shifts, dtype=np.float64), err=_error(error),
                                   state=np.where(broken, labels["broken"], labels["ok"])),
                "now": records(c=[float(current)], label=[labels["current"]])}
    layers = [
        {"data": {"name": "errors"}, "mark": {"type": "point", "filled": True, "size": 40},
         "encoding": {"x": q("c", title=labels["x"]),
                      "y": q("err", title=labels["y"], scale={"type": "log", "domain": [ERROR_FLOOR, 2]}),
                      "color": nominal("state", title=None, scale={"domain": states, "range": ["#0072B2", "#D55E00"]}),
                      "shape": nominal("state", title=None, scale={"domain": states, "range": ["circle", "cross"]}),
                      "tooltip": [q("c", title="c", format=".4g"), q("err", title=labels["y"], format=".2e"),
                                  nominal("state", title=labels["state"])]}},
        {"data": {"name": "now"}, "mark": {"type": "rule", "color": "#000", "strokeWidth": 2},
         "encoding": {"x": q("c"), "tooltip": [nominal("label")]}},
        {"data": {"name": "now"}, "mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 14},
         "encoding": {"x": q("c"), "y": {"value": 14}, "text": nominal("label")}},
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
        rows += records(scale=scales, err=_error(error), fmt=fmt, method=labels[method],
                         broken=np.where(broken, labels["broken"], ""))
    fmts = list(dict.fromkeys(f for f, _ in series))
    methods = [labels["naive"], labels["stable"]]
    enc = {
        "x": q("scale", title=labels["x"], scale={"type": "log"}),
        "y": q("err", title=labels["y"], scale={"type": "log", "domain": [ERROR_FLOOR, 2]}),
        "color": nominal("fmt", title=labels["format"],
                         scale={"domain": fmts, "range": [FORMAT_COLORS[f] for f in fmts]}),
        "detail": nominal("method"),
        "tooltip": [nominal("fmt", title=labels["format"]), nominal("method", title=labels["method"]),
                    q("scale", format=".3g", title=labels["x"]), q("err", format=".2e", title=labels["y"]),
                    nominal("broken", title=labels["broken"])],
    }
    # The dash encoding stays on the lines only: shared with the point layer, its legend would draw
    # filled crosses with no stroke, i.e. nothing.
    dash = nominal("method", title=labels["method"], sort=methods,
                   legend={"symbolType": "stroke", "symbolStrokeColor": "#333", "symbolStrokeWidth": 2.5,
                           "symbolSize": 400},
                   scale={"domain": methods, "range": [METHOD_DASH["naive"], METHOD_DASH["stable"]]})
    layers = [
        {"data": {"name": "errors"}, "mark": {"type": "line", "strokeWidth": 2.5},
         "encoding": {**enc, "strokeDash": dash}},
        {"data": {"name": "errors"}, "mark": {"type": "point", "filled": True, "shape": "cross", "size": 60},
         "encoding": enc, "transform": [{"filter": "(datum.broken !== '')"}]},
        {"data": {"name": "now"}, "mark": {"type": "rule", "color": "#000", "strokeWidth": 2},
         "encoding": {"x": q("scale"), "tooltip": [nominal("label")]}},
    ]
    datasets = {"errors": rows, "now": records(scale=[float(current)], label=[labels["current"]])}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=480)

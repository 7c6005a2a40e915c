"""Charts of the softmax page: exp's finite range, probabilities, shift and scale breakdowns."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.charts.style import FORMAT_COLORS, METHOD_DASH, finish

__all__ = ["exp_range_chart", "probability_chart", "shift_chart", "sweep_chart", "ERROR_FLOOR"]

ERROR_FLOOR = 1e-17  # errors below this (including exactly 0) are drawn on this line of the log axis


def exp_range_chart(x, y, overflow: float, underflow: float, labels: dict):
    """exp(x) on a log axis where it is finite, with the overflow and underflow limits marked.

    labels: title, subtitle, x, y, overflow, underflow, finite (legend text).
    """
    finite = np.isfinite(y) & (y > 0)
    curve = pd.DataFrame({"x": x[finite], "y": y[finite]})
    lo, hi = float(np.min(x)), float(np.max(x))
    zones = pd.DataFrame({
        "x0": [lo, overflow], "x1": [underflow, hi],
        "zone": [labels["underflow"], labels["overflow"]],
    })
    limits = pd.DataFrame({"x": [underflow, overflow], "label": [f"x = {underflow:.4g}", f"x = {overflow:.4g}"]})
    zone_scale = alt.Scale(domain=[labels["underflow"], labels["overflow"]], range=["#56B4E9", "#E69F00"])
    band = alt.Chart(zones).mark_rect(opacity=0.22).encode(
        x="x0:Q", x2="x1:Q", color=alt.Color("zone:N", scale=zone_scale, title=None),
        tooltip=[alt.Tooltip("zone:N", title=labels["zone"])])
    line = alt.Chart(curve).mark_line(strokeWidth=3, color="#333").encode(
        x=alt.X("x:Q", title=labels["x"], scale=alt.Scale(domain=[lo, hi], nice=False)),
        y=alt.Y("y:Q", title=labels["y"], scale=alt.Scale(type="log")),
        tooltip=[alt.Tooltip("x:Q", format=".5g"), alt.Tooltip("y:Q", title="exp(x)", format=".4e")])
    rules = alt.Chart(limits).mark_rule(strokeWidth=2, strokeDash=[5, 3], color="#000").encode(
        x="x:Q", tooltip=[alt.Tooltip("label:N", title=labels["limit"])])
    text = alt.Chart(limits).mark_text(align="left", dx=5, dy=-8, fontSize=14, baseline="bottom").encode(
        x="x:Q", y=alt.value(12), text="label:N")
    return finish(alt.layer(band, line, rules, text), labels["title"], labels.get("subtitle"))


def probability_chart(naive, stable, labels: dict):
    """Grouped bars of softmax results: naive next to stable for each class; nan/inf listed, not drawn.

    labels: title, subtitle, x, y, naive, stable, status, bad (text for a value that is nan or inf).
    """
    n = len(stable)
    rows = []
    for method, values in (("naive", naive), ("stable", stable)):
        for i, v in enumerate(np.asarray(values, dtype=float)):
            ok = bool(np.isfinite(v))
            rows.append({"cls": i, "method": labels[method], "p": v if ok else 0.0,
                         "shown": f"{v:.6g}" if ok else str(v), "bad": not ok})
    df = pd.DataFrame(rows)
    method_scale = alt.Scale(domain=[labels["naive"], labels["stable"]], range=["#D55E00", "#0072B2"])
    base = alt.Chart(df).encode(
        x=alt.X("cls:O", title=labels["x"], axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        xOffset=alt.XOffset("method:N", sort=[labels["naive"], labels["stable"]]),
        tooltip=[alt.Tooltip("cls:O", title=labels["x"]), alt.Tooltip("method:N", title=labels["method"]),
                 alt.Tooltip("shown:N", title="p")])
    bars = base.mark_bar().encode(
        y=alt.Y("p:Q", title=labels["y"], scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("method:N", scale=method_scale, title=None, sort=[labels["naive"], labels["stable"]]),
        opacity=alt.condition("datum.bad", alt.value(0.0), alt.value(1.0)))
    bad = base.transform_filter("datum.bad").mark_text(fontSize=15 if n <= 16 else 10, fontWeight="bold",
                                                       color="#D55E00", baseline="bottom", dy=-2).encode(
        y=alt.datum(0.02), text="shown:N")  # the label sits where the missing bar would start
    return finish(alt.layer(bars, bad), labels["title"], labels.get("subtitle"), height=360)


def shift_chart(shifts, error, broken, current: float, labels: dict):
    """Error of naive softmax(x + c) against the exact (shift-invariant) answer, over the shift c.

    labels: title, subtitle, x, y, ok, broken, current.
    """
    err = np.clip(np.nan_to_num(error, nan=1.0, posinf=1.0), ERROR_FLOOR, 1.0)
    state = np.where(broken, labels["broken"], labels["ok"])
    df = pd.DataFrame({"c": shifts, "err": err, "state": state})
    scale = alt.Scale(domain=[labels["ok"], labels["broken"]], range=["#0072B2", "#D55E00"])
    points = alt.Chart(df).mark_point(filled=True, size=40).encode(
        x=alt.X("c:Q", title=labels["x"]),
        y=alt.Y("err:Q", title=labels["y"], scale=alt.Scale(type="log", domain=[ERROR_FLOOR, 2])),
        color=alt.Color("state:N", scale=scale, title=None),
        shape=alt.Shape("state:N", scale=alt.Scale(domain=[labels["ok"], labels["broken"]],
                                                   range=["circle", "cross"]), title=None),
        tooltip=[alt.Tooltip("c:Q", title="c", format=".4g"), alt.Tooltip("err:Q", title=labels["y"],
                                                                          format=".2e"),
                 alt.Tooltip("state:N", title=labels["state"])])
    now = alt.Chart(pd.DataFrame({"c": [current], "label": [labels["current"]]}))
    rule = now.mark_rule(strokeWidth=2, color="#000").encode(x="c:Q", tooltip=["label:N"])
    text = now.mark_text(align="left", dx=5, fontSize=14).encode(x="c:Q", y=alt.value(14), text="label:N")
    return finish(alt.layer(points, rule, text), labels["title"], labels.get("subtitle"))


def sweep_chart(scales, series: dict, current: float, labels: dict):
    """Error of naive and stable softmax against an exact reference, over the scale of the logits.

    series: {(format, method): (error array, broken bool array)}. labels: title, subtitle, x, y, naive,
    stable, method, format, broken, current.
    """
    frames = []
    for (fmt, method), (error, broken) in series.items():
        err = np.clip(np.nan_to_num(error, nan=1.0, posinf=1.0), ERROR_FLOOR, 1.0)
        frames.append(pd.DataFrame({"scale": scales, "err": err, "fmt": fmt, "method": labels[method],
                                    "broken": np.where(broken, labels["broken"], "")}))
    df = pd.concat(frames, ignore_index=True)
    fmts = list(dict.fromkeys(f for f, _ in series))
    methods = [labels["naive"], labels["stable"]]
    base = alt.Chart(df).encode(
        x=alt.X("scale:Q", title=labels["x"], scale=alt.Scale(type="log")),
        y=alt.Y("err:Q", title=labels["y"], scale=alt.Scale(type="log", domain=[ERROR_FLOOR, 2])),
        color=alt.Color("fmt:N", title=labels["format"],
                        scale=alt.Scale(domain=fmts, range=[FORMAT_COLORS[f] for f in fmts])),
        detail="method:N",
        tooltip=[alt.Tooltip("fmt:N", title=labels["format"]), alt.Tooltip("method:N", title=labels["method"]),
                 alt.Tooltip("scale:Q", format=".3g", title=labels["x"]),
                 alt.Tooltip("err:Q", format=".2e", title=labels["y"]),
                 alt.Tooltip("broken:N", title=labels["broken"])])
    # The dash encoding stays on the lines only: shared with the point layer, its legend would draw
    # filled crosses with no stroke, i.e. nothing.
    lines = base.mark_line(strokeWidth=2.5).encode(
        strokeDash=alt.StrokeDash("method:N", title=labels["method"], sort=methods,
                                  legend=alt.Legend(symbolType="stroke", symbolStrokeColor="#333",
                                                    symbolStrokeWidth=2.5, symbolSize=400),
                                  scale=alt.Scale(domain=methods, range=[METHOD_DASH["naive"],
                                                                         METHOD_DASH["stable"]])))
    marks = base.transform_filter(alt.datum.broken != "").mark_point(shape="cross", size=60, filled=True)
    now = alt.Chart(pd.DataFrame({"scale": [current], "label": [labels["current"]]}))
    rule = now.mark_rule(strokeWidth=2, color="#000").encode(x="scale:Q", tooltip=["label:N"])
    return finish(alt.layer(lines, marks, rule), labels["title"], labels.get("subtitle"), height=480)

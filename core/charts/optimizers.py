"""Charts of the optimizers page: 1-D iterations with a tangent, directional derivatives, the optimizer race
with a step scrubber inside the chart, optimizer state, and stochastic-gradient experiments."""
from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from core.charts.landscape import band_layer
from core.charts.style import attach, compact, finish, framed, q, thin

__all__ = ["curve_1d", "x_over_steps", "directional_chart", "race_map", "series_chart", "state_map",
           "data_fit_chart", "loglog_chart", "OPTIMIZER_STYLE", "MAX_RACE_POINTS"]

MAX_RACE_POINTS = 250   # per optimizer on the map: scrubbing is smooth and the spec stays small
MAX_SERIES_POINTS = 400
MAP_SIZE = 540
# Optimizer → (colour, dash): Okabe–Ito colours, second-order methods dashed, so no meaning rests on colour alone.
OPTIMIZER_STYLE = {
    "gd": ("#E69F00", [1, 0]), "momentum": ("#56B4E9", [1, 0]), "nesterov": ("#0072B2", [1, 0]),
    "adagrad": ("#009E73", [1, 0]), "rmsprop": ("#8C6D31", [1, 0]), "adam": ("#D55E00", [1, 0]),
    "newton": ("#CC79A7", [8, 4]), "bfgs": ("#000000", [8, 4]), "lbfgs": ("#7F7F7F", [3, 3]),
    "scipy": ("#CC79A7", [2, 3]),
}



def curve_1d(xs, fs, path_x, path_f, slopes, labels: dict, window=None):
    """f(x) with the iterates on it and, at the step the in-chart slider picks, the tangent line.

    path_x, path_f, slopes: iterates x_k, f(x_k), f'(x_k) (finite rows only). window: (xmin, xmax) shown.
    labels: title, subtitle, x, y, step, slope, tangent (slider label).
    Written as a dict (`style.framed`): it follows the page's main sliders, and Altair took ~100 ms to build it.
    """
    xs, fs = np.asarray(xs, float), np.asarray(fs, float)
    lo, hi = (float(xs[0]), float(xs[-1])) if window is None else (float(window[0]), float(window[1]))
    ok = np.isfinite(fs)
    span = float(np.ptp(fs[ok])) or 1.0
    ylo, yhi = float(fs[ok].min()) - 0.08 * span, float(fs[ok].max()) + 0.08 * span
    xsc, ysc = {"domain": [lo, hi], "nice": False}, {"domain": [ylo, yhi], "nice": False}
    idx, pts = thin(np.column_stack([path_x, path_f, slopes]).astype(float), MAX_SERIES_POINTS)
    last = int(idx[-1])
    half = 0.12 * (hi - lo)
    x, f, slope = pts[:, 0], pts[:, 1], pts[:, 2]
    path = pd.DataFrame({"step": idx, "x": x, "f": f, "slope": slope, "xa": x - half, "xb": x + half,
                         "fa": f - half * slope, "fb": f + half * slope})
    curve = pd.DataFrame({"x": compact(xs[ok], 6), "f": compact(fs[ok], 6)})
    tip = [q("step", title=labels["step"]), q("x", format=".5g"), q("f", format=".5g", title=labels["y"]),
           q("slope", format=".4g", title=labels["slope"])]
    at_step = {"filter": "(datum.step === step)"}
    xy = {"x": q("x", scale=xsc), "y": q("f", scale=ysc)}
    layers = [
        {"data": {"name": "curve"}, "mark": {"type": "line", "color": "#0072B2", "strokeWidth": 3},
         "encoding": {"x": q("x", scale=xsc, title=labels["x"]), "y": q("f", scale=ysc, title=labels["y"])}},
        {"data": {"name": "path"}, "mark": {"type": "line", "clip": True, "color": "#D55E00", "opacity": 0.7,
                                            "strokeWidth": 1.5}, "encoding": {"order": q("step"), **xy}},
        {"data": {"name": "path"}, "mark": {"type": "circle", "clip": True, "color": "#D55E00", "size": 60},
         "encoding": {"tooltip": tip, **xy}},
        {"data": {"name": "path"}, "mark": {"type": "rule", "clip": True, "color": "#000", "strokeDash": [6, 3],
                                            "strokeWidth": 2.5},
         "encoding": {"x": q("xa", scale=xsc), "x2": {"field": "xb"}, "y": q("fa", scale=ysc),
                      "y2": {"field": "fb"}}, "transform": [at_step]},
        {"data": {"name": "path"}, "mark": {"type": "point", "clip": True, "color": "#000", "shape": "circle",
                                            "size": 380, "strokeWidth": 3},
         "encoding": {"tooltip": tip, **xy}, "transform": [at_step]},
        {"data": {"name": "path"}, "mark": {"type": "text", "align": "left", "clip": True, "dx": 12, "dy": -16,
                                            "fontSize": 15},
         "encoding": {"text": {"field": "label", "type": "nominal"}, **xy},
         "transform": [at_step, {"calculate": f"{json.dumps(labels['slope'] + ' = ')} + format(datum.slope, '.3g')",
                                 "as": "label"}]},
    ]
    spec = {"layer": layers, "params": [{"name": "step", "value": min(last, 1), "bind": {
        "input": "range", "min": 0, "max": last, "step": 1, "name": labels["tangent"] + " "}}],
        "datasets": {"curve": curve.to_dict("records"), "path": path.to_dict("records")}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=400, wrap=labels.get("wrap"))


def x_over_steps(series: dict, chosen: str, labels: dict, window=None):
    """x_k over steps k, one line per learning rate; the learner's own one drawn bold.

    series: {name: x values}; window: (ymin, ymax) shown, iterates beyond it run off the chart (clipped).
    labels: title, subtitle, x, y, series. Written as a dict, like `curve_1d`.
    """
    frames = []
    for name, values in series.items():
        idx, v = thin(np.asarray(values, float)[:, None], MAX_SERIES_POINTS)
        frames.append(pd.DataFrame({"step": idx, "v": v[:, 0], "series": name, "own": name == chosen}))
    df = pd.concat(frames, ignore_index=True)
    df = df[np.isfinite(df["v"])]
    names = list(series)
    others = iter([("#D55E00", [6, 3]), ("#0072B2", [2, 2]), ("#009E73", [8, 3, 2, 3])])
    look = {n: ("#000000", [1, 0]) if n == chosen else next(others) for n in names}
    y = q("v", title=labels["y"])
    if window:
        y["scale"] = {"domain": [float(window[0]), float(window[1])], "nice": False}
    series_enc = {"field": "series", "type": "nominal", "title": labels["series"], "sort": names}
    spec = {"data": {"name": "steps"},
            "mark": {"type": "line", "clip": True, "point": {"clip": True, "size": 30}},
            "encoding": {
                "x": q("step", title=labels["x"]), "y": y,
                "color": {**series_enc, "scale": {"domain": names, "range": [look[n][0] for n in names]}},
                "strokeDash": {**series_enc, "scale": {"domain": names, "range": [look[n][1] for n in names]}},
                "strokeWidth": {"condition": {"test": "datum.own", "value": 4}, "value": 2},
                "tooltip": [{"field": "series", "type": "nominal", "title": labels["series"]},
                            q("step", title=labels["x"]), q("v", format=".6g", title=labels["y"])]},
            "datasets": {"steps": df.to_dict("records")}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=340, wrap=labels.get("wrap"))


def directional_chart(angles, values, grad_angle: float, grad_norm: float, measured_angles, measured,
                      labels: dict):
    """∇f·e over the direction angle of the unit vector e, with finite-difference slopes as dots.

    labels: title, subtitle, x, y, formula, measured, steepest.
    """
    line = pd.DataFrame({"a": angles, "v": values, "series": labels["formula"]})
    dots = pd.DataFrame({"a": measured_angles, "v": measured, "series": labels["measured"]})
    xsc = alt.Scale(domain=[0, 360], nice=False)
    axis = alt.Axis(values=list(range(0, 361, 45)))
    names = [labels["formula"], labels["measured"]]
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=names, range=["#0072B2", "#D55E00"]))
    tip = [alt.Tooltip("a:Q", title=labels["x"], format=".0f"), alt.Tooltip("v:Q", title=labels["y"], format=".4g")]
    curve = alt.Chart(line).mark_line(strokeWidth=3).encode(
        x=alt.X("a:Q", title=labels["x"], scale=xsc, axis=axis), y=alt.Y("v:Q", title=labels["y"]), color=colour,
        tooltip=tip)
    points = alt.Chart(dots).mark_point(size=90, strokeWidth=2.5, filled=False).encode(
        x=alt.X("a:Q", scale=xsc), y="v:Q", color=colour, tooltip=tip)
    zero = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(color="#888").encode(y="v:Q")
    best = pd.DataFrame({"a": [float(grad_angle)], "v": [float(grad_norm)], "text": [labels["steepest"]]})
    rule = alt.Chart(best).mark_rule(color="#000", strokeDash=[6, 3], strokeWidth=2).encode(x=alt.X("a:Q",
                                                                                                   scale=xsc))
    star = alt.Chart(best).mark_point(shape="diamond", size=260, filled=True, color="#000").encode(
        x=alt.X("a:Q", scale=xsc), y="v:Q")
    text = alt.Chart(best).mark_text(align="left", dx=10, dy=-12, fontSize=15).encode(
        x=alt.X("a:Q", scale=xsc), y="v:Q", text="text:N")
    return finish(alt.layer(zero, curve, points, rule, star, text), labels["title"], labels.get("subtitle"),
                  height=340, wrap=labels.get("wrap"))


def _paths_frame(paths: dict) -> pd.DataFrame:
    frames = []
    for pts, label in paths.values():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_RACE_POINTS)
        ok = np.all(np.isfinite(p), axis=1)
        frames.append(pd.DataFrame({"x": compact(p[ok, 0], 7), "y": compact(p[ok, 1], 7), "step": idx[ok],
                                    "method": label}))
    return pd.concat(frames, ignore_index=True)


def race_map(xs, ys, Z, paths: dict, minima, labels: dict, steps: int):
    """Every optimizer's trajectory on a grey banded map; a slider inside the chart moves each marker.

    paths: {optimizer id: (iterates (k×2), display name)}, drawn in OPTIMIZER_STYLE; minima: list of (x, y).
    The scrubber is a Vega parameter, so moving it redraws in the browser with no server round trip: up to
    the chosen step a path is solid, after it faint, and the marker sits at the last iterate ≤ that step.
    labels: title, subtitle, x, y, f, method, step, scrub, minimum.
    """
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels)
    df = _paths_frame(paths)
    keys = list(paths)
    names = [paths[k][1] for k in keys]
    palette = alt.Scale(domain=names, range=[OPTIMIZER_STYLE[k][0] for k in keys])
    colour = alt.Color("method:N", title=labels["method"], sort=names, scale=palette,
                       legend=alt.Legend(orient="right", labelLimit=260, symbolStrokeWidth=4))
    dash = alt.StrokeDash("method:N", sort=names, legend=None,
                          scale=alt.Scale(domain=names, range=[OPTIMIZER_STYLE[k][1] for k in keys]))
    scrub = alt.param(name="scrub", value=int(steps), bind=alt.binding_range(min=0, max=int(steps), step=1,
                                                                              name=labels["scrub"] + " "))
    tip = [alt.Tooltip("method:N", title=labels["method"]), alt.Tooltip("step:Q", title=labels["step"]),
           alt.Tooltip("x:Q", format=".5g"), alt.Tooltip("y:Q", format=".5g")]
    base = alt.Chart(alt.Data(name="paths")).encode(x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc),
                                                    detail="method:N", order="step:Q")
    faint = base.mark_line(strokeWidth=1.5, opacity=0.35, clip=True).encode(
        stroke=alt.Stroke("method:N", sort=names, scale=palette, legend=None), strokeDash=dash)
    done = base.mark_line(strokeWidth=3, clip=True).encode(color=colour, strokeDash=dash, tooltip=tip
                                                           ).transform_filter(alt.datum.step <= scrub)
    marker = base.mark_point(shape="circle", size=200, filled=True, stroke="#fff", strokeWidth=1.5,
                             opacity=1, clip=True).encode(color=alt.Color("method:N", sort=names, legend=None,
                                                                          scale=palette), tooltip=tip
                                                          ).transform_filter(alt.datum.step <= scrub
                                                                             ).transform_joinaggregate(
        last="max(step)", groupby=["method"]).transform_filter("datum.step == datum.last")
    layers = [bands, faint, done, marker]
    start = df[df["step"] == 0].head(1)
    if len(start):
        layers.append(alt.Chart(start).mark_point(shape="square", size=220, strokeWidth=3, color="#000",
                                                  clip=True).encode(x=alt.X("x:Q", scale=xsc),
                                                                    y=alt.Y("y:Q", scale=ysc)))
    if minima:
        mdf = pd.DataFrame({"x": [float(m[0]) for m in minima], "y": [float(m[1]) for m in minima],
                            "name": labels["minimum"]})
        layers.append(alt.Chart(mdf).mark_point(shape="cross", size=300, filled=True, color="#009E73",
                                                stroke="#000", strokeWidth=1, clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), tooltip=[alt.Tooltip("name:N", title=" ")]))
    chart = alt.layer(*layers).add_params(scrub).resolve_scale(color="independent", stroke="independent")
    return attach(finish(chart, labels["title"], labels.get("subtitle"), height=MAP_SIZE, width=MAP_SIZE),
                  heat=heat, paths=df)


def state_map(xs, ys, Z, path, vectors, labels: dict, count: int = 14):
    """One optimizer's path with a vector of its state drawn as an arrow at ``count`` iterates.

    path, vectors: (k×2) arrays, row by row; the arrows are scaled together so the longest is 12 % of the map.
    labels: title, subtitle, x, y, f, step.
    """
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels)
    idx, p = thin(np.asarray(path, float), MAX_RACE_POINTS)
    pdf = pd.DataFrame({"x": p[:, 0], "y": p[:, 1], "step": idx})
    line = alt.Chart(pdf).mark_line(color="#D55E00", strokeWidth=2.5, clip=True).encode(
        x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), order="step:Q",
        tooltip=[alt.Tooltip("step:Q", title=labels["step"]), alt.Tooltip("x:Q", format=".4g"),
                 alt.Tooltip("y:Q", format=".4g")])
    P, V = np.asarray(path, float), np.asarray(vectors, float)
    k = np.unique(np.linspace(0, len(P) - 2, count).round().astype(int)) if len(P) > 1 else np.array([0])
    span = min(float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
    lengths = np.linalg.norm(V[k], axis=1)
    top = float(np.max(lengths)) if len(lengths) and np.isfinite(lengths).all() else 0.0
    scale = 0.12 * span / top if top > 0 else 0.0
    adf = pd.DataFrame({"x": P[k, 0], "y": P[k, 1], "x2": P[k, 0] + scale * V[k, 0],
                        "y2": P[k, 1] + scale * V[k, 1], "step": k})
    adf = adf[(lengths > 0) & np.all(np.isfinite(adf[["x", "y", "x2", "y2"]]), axis=1)]
    sx, sy = MAP_SIZE / (float(xs[-1]) - float(xs[0])), MAP_SIZE / (float(ys[-1]) - float(ys[0]))
    adf["angle"] = np.degrees(np.arctan2((adf["x2"] - adf["x"]) * sx, (adf["y2"] - adf["y"]) * sy))
    shaft = alt.Chart(adf).mark_rule(color="#0072B2", strokeWidth=3, clip=True).encode(
        x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), x2="x2:Q", y2="y2:Q",
        tooltip=[alt.Tooltip("step:Q", title=labels["step"])])
    head = alt.Chart(adf).mark_point(shape="triangle", size=80, filled=True, color="#0072B2", opacity=1,
                                     clip=True).encode(x=alt.X("x2:Q", scale=xsc), y=alt.Y("y2:Q", scale=ysc),
                                                       angle=alt.Angle("angle:Q", scale=None),
                                                       tooltip=[alt.Tooltip("step:Q", title=labels["step"])])
    chart = alt.layer(bands, line, shaft, head)
    return attach(finish(chart, labels["title"], labels.get("subtitle"), height=MAP_SIZE, width=MAP_SIZE), heat=heat)


def series_chart(series: dict, labels: dict, scale: str = "log", colors: dict | None = None,
                 dashes: dict | None = None, height: int = 320):
    """Values over steps, one line per series; scale "log", "symlog" or "linear".

    series: {name: values over steps 0, 1, …} or {name: (x, values)}; colors/dashes: {name: colour / dash}.
    Non-finite values (and non-positive ones on a log axis) are dropped. labels: title, subtitle, x, y, series.
    """
    frames = []
    for name, values in series.items():
        x, values = values if isinstance(values, tuple) else (np.arange(len(values)), values)
        _, xv = thin(np.column_stack([x, values]).astype(float), MAX_SERIES_POINTS)
        x, v = xv[:, 0], xv[:, 1]
        ok = np.isfinite(v) & ((v > 0) if scale == "log" else True)
        frames.append(pd.DataFrame({"step": x[ok], "v": v[ok], "series": name}))
    df = pd.concat(frames, ignore_index=True)
    names = list(series)
    default = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31", "#7F7F7F"]
    colour_range = [colors[n] for n in names] if colors else [default[i % len(default)] for i in range(len(names))]
    dash_range = [dashes[n] for n in names] if dashes else [[1, 0]] * len(names)
    y_scale = alt.Scale(type=scale) if scale != "linear" else alt.Scale(zero=False)
    return finish(alt.Chart(df).mark_line(strokeWidth=2.5).encode(
        x=alt.X("step:Q", title=labels["x"]),
        y=alt.Y("v:Q", title=labels["y"], scale=y_scale,
                axis=alt.Axis(format=".0e") if scale == "log" else alt.Undefined),
        color=alt.Color("series:N", title=labels.get("series"), sort=names,
                        scale=alt.Scale(domain=names, range=colour_range), legend=alt.Legend(columns=3)),
        strokeDash=alt.StrokeDash("series:N", sort=names, legend=None,
                                  scale=alt.Scale(domain=names, range=dash_range)),
        tooltip=[alt.Tooltip("series:N", title=labels.get("series") or " "),
                 alt.Tooltip("step:Q", title=labels["x"]), alt.Tooltip("v:Q", format=".4e", title=labels["y"])]),
        labels["title"], labels.get("subtitle"), height=height, wrap=labels.get("wrap"))


def data_fit_chart(X, y, grid_x, fits: dict, labels: dict):
    """Data points and fitted curves (a line or a sigmoid) over the feature. fits: {name: values on grid_x}.

    labels: title, subtitle, x, y, series, data.
    """
    idx, pts = thin(np.column_stack([X, y]).astype(float), 400)
    dots = alt.Chart(pd.DataFrame({"x": pts[:, 0], "y": pts[:, 1], "series": labels["data"]})).mark_circle(
        size=40, opacity=0.5, color="#555").encode(x=alt.X("x:Q", title=labels["x"]),
                                                   y=alt.Y("y:Q", title=labels["y"]),
                                                   tooltip=[alt.Tooltip("x:Q", format=".3f"),
                                                            alt.Tooltip("y:Q", format=".3f")])
    frames = [pd.DataFrame({"x": grid_x, "y": v, "series": name}) for name, v in fits.items()]
    names = list(fits)
    lines = alt.Chart(pd.concat(frames, ignore_index=True)).mark_line(strokeWidth=3).encode(
        x="x:Q", y="y:Q",
        color=alt.Color("series:N", title=labels["series"], sort=names,
                        scale=alt.Scale(domain=names, range=["#D55E00", "#0072B2", "#009E73"][:len(names)])),
        strokeDash=alt.StrokeDash("series:N", sort=names, legend=None,
                                  scale=alt.Scale(domain=names, range=[[1, 0], [7, 4], [2, 2]][:len(names)])))
    return finish(alt.layer(dots, lines), labels["title"], labels.get("subtitle"), height=340, wrap=labels.get("wrap"))


def loglog_chart(x, series: dict, labels: dict, current: float | None = None):
    """Several quantities against a size on log–log axes (noise vs batch size, gradient scale vs batch size).

    series: {name: (values, dash)}; zero/negative values are dropped. labels: title, subtitle, x, y, series.
    """
    frames = []
    for name, (values, _) in series.items():
        v = np.asarray(values, float)
        ok = np.isfinite(v) & (v > 0)
        frames.append(pd.DataFrame({"b": np.asarray(x, float)[ok], "v": v[ok], "series": name}))
    df = pd.concat(frames, ignore_index=True)
    names = list(series)
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    base = alt.Chart(df).encode(
        x=alt.X("b:Q", title=labels["x"], scale=alt.Scale(type="log"),
                axis=alt.Axis(values=[float(b) for b in np.asarray(x, float)], format="d", labelOverlap="greedy")),
        y=alt.Y("v:Q", title=labels["y"], scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e")),
        color=alt.Color("series:N", title=labels["series"], sort=names,
                        scale=alt.Scale(domain=names, range=colours[:len(names)]), legend=alt.Legend(columns=1)),
        tooltip=[alt.Tooltip("series:N", title=labels["series"]), alt.Tooltip("b:Q", title=labels["x"]),
                 alt.Tooltip("v:Q", format=".4g", title=labels["y"])])
    dash = alt.StrokeDash("series:N", sort=names, legend=None,
                          scale=alt.Scale(domain=names, range=[d for _, d in series.values()]))
    layers = [base.mark_line(strokeWidth=3).encode(strokeDash=dash), base.mark_point(filled=True, size=60)]
    if current is not None:
        layers.append(alt.Chart(pd.DataFrame({"b": [float(current)]})).mark_rule(color="#000", strokeDash=[4, 3],
                                                                                  strokeWidth=2).encode(x="b:Q"))
    return finish(alt.layer(*layers), labels["title"], labels.get("subtitle"), height=320, wrap=labels.get("wrap"))

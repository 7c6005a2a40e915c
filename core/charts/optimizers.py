"""Charts of the optimizers page: 1-D iterations with a tangent, directional derivatives, the optimizer race
with a step scrubber inside the chart, optimizer state, and stochastic-gradient experiments.

Every builder writes its Vega-Lite spec as a dict (`style.framed`): Altair took 20–170 ms to build each layered
chart (deep copies, validation), the dicts take a few ms. The data goes in named top-level datasets, so a marker
that follows a slider changes only the datasets, not the spec's structure.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.charts.landscape import band_layer
from core.charts.style import compact, framed, nominal, q, records, thin

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
    Datasets: zero, curve, measured, steepest (the gradient's angle and norm: moving the start point changes
    only the data).
    """
    xsc = {"domain": [0, 360], "nice": False}
    names = [labels["formula"], labels["measured"]]
    colour = nominal("series", title=None, scale={"domain": names, "range": ["#0072B2", "#D55E00"]})
    tip = [q("a", title=labels["x"], format=".0f"), q("v", title=labels["y"], format=".4g")]
    x, xy = {"x": q("a", scale=xsc)}, {"x": q("a", scale=xsc), "y": q("v")}
    layers = [
        {"data": {"name": "zero"}, "mark": {"type": "rule", "color": "#888"}, "encoding": {"y": q("v")}},
        {"data": {"name": "curve"}, "mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": q("a", title=labels["x"], scale=xsc, axis={"values": list(range(0, 361, 45))}),
                      "y": q("v", title=labels["y"]), "color": colour, "tooltip": tip}},
        {"data": {"name": "measured"}, "mark": {"type": "point", "filled": False, "size": 90, "strokeWidth": 2.5},
         "encoding": {**xy, "color": colour, "tooltip": tip}},
        {"data": {"name": "steepest"}, "mark": {"type": "rule", "color": "#000", "strokeDash": [6, 3],
                                                 "strokeWidth": 2}, "encoding": x},
        {"data": {"name": "steepest"}, "mark": {"type": "point", "color": "#000", "filled": True, "shape": "diamond",
                                                 "size": 260}, "encoding": xy},
        {"data": {"name": "steepest"}, "mark": {"type": "text", "align": "left", "dx": 10, "dy": -12, "fontSize": 15},
         "encoding": {**xy, "text": nominal("text")}},
    ]
    datasets = {"zero": [{"v": 0.0}],
                "curve": records(a=angles, v=values, series=labels["formula"]),
                "measured": records(a=measured_angles, v=measured, series=labels["measured"]),
                "steepest": records(a=float(grad_angle), v=float(grad_norm), text=labels["steepest"])}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=340,
                  wrap=labels.get("wrap"))


def _paths_rows(paths: dict) -> list[dict]:
    """Every optimizer's iterates as rows x, y, step, method: thinned to MAX_RACE_POINTS, finite rows only,
    rounded (`compact`, 7 digits)."""
    rows = []
    for pts, label in paths.values():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_RACE_POINTS)
        ok = np.all(np.isfinite(p), axis=1)
        rows += records(x=compact(p[ok, 0], 7), y=compact(p[ok, 1], 7), step=idx[ok], method=label)
    return rows


def race_map(xs, ys, Z, paths: dict, minima, labels: dict, steps: int):
    """Every optimizer's trajectory on a grey banded map; a slider inside the chart moves each marker.

    paths: {optimizer id: (iterates (k×2), display name)}, drawn in OPTIMIZER_STYLE; minima: list of (x, y).
    The scrubber is a Vega parameter, so moving it redraws in the browser with no server round trip: up to
    the chosen step a path is solid, after it faint, and the marker sits at the last iterate ≤ that step.
    labels: title, subtitle, x, y, f, method, step, scrub, minimum.
    Datasets: start (the first optimizer's step 0), minima, heat_image, heat_legend, heat (export only), paths
    (start and minima only when there are any).
    """
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels)  # heat: its datasets
    rows = _paths_rows(paths)
    keys = list(paths)
    names = [paths[k][1] for k in keys]
    palette = {"domain": names, "range": [OPTIMIZER_STYLE[k][0] for k in keys]}
    colour = nominal("method", title=labels["method"], sort=names, scale=palette,
                     legend={"orient": "right", "labelLimit": 260, "symbolStrokeWidth": 4})
    dash = nominal("method", sort=names, legend=None,
                   scale={"domain": names, "range": [OPTIMIZER_STYLE[k][1] for k in keys]})
    tip = [nominal("method", title=labels["method"]), q("step", title=labels["step"]), q("x", format=".5g"),
           q("y", format=".5g")]
    xy = {"x": q("x", scale=xsc), "y": q("y", scale=ysc)}
    base = {**xy, "detail": nominal("method"), "order": q("step")}
    upto = {"filter": "(datum.step <= scrub)"}
    layers = [
        bands,
        {"data": {"name": "paths"}, "mark": {"type": "line", "clip": True, "opacity": 0.35, "strokeWidth": 1.5},
         "encoding": {**base, "stroke": nominal("method", sort=names, scale=palette, legend=None),
                      "strokeDash": dash}},
        {"data": {"name": "paths"}, "mark": {"type": "line", "clip": True, "strokeWidth": 3},
         "encoding": {**base, "color": colour, "strokeDash": dash, "tooltip": tip}, "transform": [upto]},
        {"data": {"name": "paths"},
         "mark": {"type": "point", "clip": True, "filled": True, "opacity": 1, "shape": "circle", "size": 200,
                  "stroke": "#fff", "strokeWidth": 1.5},
         "encoding": {**base, "color": nominal("method", sort=names, legend=None, scale=palette), "tooltip": tip},
         "transform": [upto, {"joinaggregate": [{"op": "max", "field": "step", "as": "last"}], "groupby": ["method"]},
                       {"filter": "datum.step == datum.last"}]},
    ]
    datasets = {}
    start = next((r for r in rows if r["step"] == 0), None)
    if start is not None:
        datasets["start"] = [dict(start)]
        layers.append({"data": {"name": "start"}, "mark": {"type": "point", "clip": True, "color": "#000",
                                                           "shape": "square", "size": 220, "strokeWidth": 3},
                       "encoding": xy})
    if minima:
        datasets["minima"] = records(x=[float(m[0]) for m in minima], y=[float(m[1]) for m in minima],
                                     name=labels["minimum"])
        layers.append({"data": {"name": "minima"},
                       "mark": {"type": "point", "clip": True, "color": "#009E73", "filled": True, "shape": "cross",
                                "size": 300, "stroke": "#000", "strokeWidth": 1},
                       "encoding": {**xy, "tooltip": [nominal("name", title=" ")]}})
    datasets |= {**heat, "paths": rows}
    spec = {"layer": layers, "params": [{"name": "scrub", "value": int(steps), "bind": {
        "input": "range", "min": 0, "max": int(steps), "step": 1, "name": labels["scrub"] + " "}}],
        "resolve": {"scale": {"color": "independent", "stroke": "independent"}}, "datasets": datasets}
    return framed(spec, labels["title"], labels.get("subtitle"), height=MAP_SIZE, width=MAP_SIZE)


def state_map(xs, ys, Z, path, vectors, labels: dict, count: int = 14):
    """One optimizer's path with a vector of its state drawn as an arrow at ``count`` iterates.

    path, vectors: (k×2) arrays, row by row; the arrows are scaled together so the longest is 12 % of the map.
    labels: title, subtitle, x, y, f, step. Datasets: path, arrows, heat_image, heat_legend,
    heat (export only).
    """
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels)
    idx, p = thin(np.asarray(path, float), MAX_RACE_POINTS)
    P, V = np.asarray(path, float), np.asarray(vectors, float)
    k = np.unique(np.linspace(0, len(P) - 2, count).round().astype(int)) if len(P) > 1 else np.array([0])
    span = min(float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
    lengths = np.linalg.norm(V[k], axis=1)
    top = float(np.max(lengths)) if len(lengths) and np.isfinite(lengths).all() else 0.0
    scale = 0.12 * span / top if top > 0 else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        x, y = P[k, 0], P[k, 1]
        x2, y2 = x + scale * V[k, 0], y + scale * V[k, 1]
    keep = (lengths > 0) & np.all(np.isfinite(np.column_stack([x, y, x2, y2])), axis=1)
    x, y, x2, y2 = x[keep], y[keep], x2[keep], y2[keep]
    # Arrow heads point along the arrow on screen (0° = up, clockwise), in this square map's scales.
    sx, sy = MAP_SIZE / (float(xs[-1]) - float(xs[0])), MAP_SIZE / (float(ys[-1]) - float(ys[0]))
    angle = np.degrees(np.arctan2((x2 - x) * sx, (y2 - y) * sy))
    xy = {"x": q("x", scale=xsc), "y": q("y", scale=ysc)}
    at_step = [q("step", title=labels["step"])]
    layers = [
        bands,
        {"data": {"name": "path"}, "mark": {"type": "line", "clip": True, "color": "#D55E00", "strokeWidth": 2.5},
         "encoding": {**xy, "order": q("step"),
                      "tooltip": [*at_step, q("x", format=".4g"), q("y", format=".4g")]}},
        {"data": {"name": "arrows"}, "mark": {"type": "rule", "clip": True, "color": "#0072B2", "strokeWidth": 3},
         "encoding": {**xy, "x2": {"field": "x2"}, "y2": {"field": "y2"}, "tooltip": at_step}},
        {"data": {"name": "arrows"},
         "mark": {"type": "point", "clip": True, "color": "#0072B2", "filled": True, "opacity": 1, "shape": "triangle",
                  "size": 80},
         "encoding": {"x": q("x2", scale=xsc), "y": q("y2", scale=ysc), "angle": q("angle", scale=None),
                      "tooltip": at_step}},
    ]
    datasets = {"path": records(x=p[:, 0], y=p[:, 1], step=idx),
                "arrows": records(x=x, y=y, x2=x2, y2=y2, step=k[keep], angle=angle), **heat}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=MAP_SIZE,
                  width=MAP_SIZE)


def series_chart(series: dict, labels: dict, scale: str = "log", colors: dict | None = None,
                 dashes: dict | None = None, height: int = 320):
    """Values over steps, one line per series; scale "log", "symlog" or "linear".

    series: {name: values over steps 0, 1, …} or {name: (x, values)}; colors/dashes: {name: colour / dash}.
    Non-finite values (and non-positive ones on a log axis) are dropped. labels: title, subtitle, x, y, series.
    Dataset: series.
    """
    rows = []
    for name, values in series.items():
        x, values = values if isinstance(values, tuple) else (np.arange(len(values)), values)
        _, xv = thin(np.column_stack([x, values]).astype(float), MAX_SERIES_POINTS)
        x, v = xv[:, 0], xv[:, 1]
        ok = np.isfinite(v) & ((v > 0) if scale == "log" else True)
        rows += records(step=x[ok], v=v[ok], series=name)
    names = list(series)
    default = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31", "#7F7F7F"]
    colour_range = [colors[n] for n in names] if colors else [default[i % len(default)] for i in range(len(names))]
    dash_range = [dashes[n] for n in names] if dashes else [[1, 0]] * len(names)
    y = q("v", title=labels["y"], scale={"type": scale} if scale != "linear" else {"zero": False})
    if scale == "log":
        y["axis"] = {"format": ".0e"}
    spec = {"data": {"name": "series"}, "mark": {"type": "line", "strokeWidth": 2.5},
            "encoding": {
                "x": q("step", title=labels["x"]), "y": y,
                "color": nominal("series", title=labels.get("series"), sort=names,
                                 scale={"domain": names, "range": colour_range}, legend={"columns": 3}),
                "strokeDash": nominal("series", sort=names, legend=None, scale={"domain": names, "range": dash_range}),
                "tooltip": [nominal("series", title=labels.get("series") or " "), q("step", title=labels["x"]),
                            q("v", format=".4e", title=labels["y"])]},
            "datasets": {"series": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=height, wrap=labels.get("wrap"))


def data_fit_chart(X, y, grid_x, fits: dict, labels: dict):
    """Data points and fitted curves (a line or a sigmoid) over the feature. fits: {name: values on grid_x}.

    labels: title, subtitle, x, y, series, data. Datasets: points, fits.
    """
    _, pts = thin(np.column_stack([X, y]).astype(float), 400)
    names = list(fits)
    rows = []
    for name, v in fits.items():
        rows += records(x=grid_x, y=v, series=name)
    layers = [
        {"data": {"name": "points"}, "mark": {"type": "circle", "color": "#555", "opacity": 0.5, "size": 40},
         "encoding": {"x": q("x", title=labels["x"]), "y": q("y", title=labels["y"]),
                      "tooltip": [q("x", format=".3f"), q("y", format=".3f")]}},
        {"data": {"name": "fits"}, "mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": q("x"), "y": q("y"),
                      "color": nominal("series", title=labels["series"], sort=names, scale={
                          "domain": names, "range": ["#D55E00", "#0072B2", "#009E73"][:len(names)]}),
                      "strokeDash": nominal("series", sort=names, legend=None, scale={
                          "domain": names, "range": [[1, 0], [7, 4], [2, 2]][:len(names)]})}},
    ]
    datasets = {"points": records(x=pts[:, 0], y=pts[:, 1], series=labels["data"]), "fits": rows}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=340,
                  wrap=labels.get("wrap"))


def loglog_chart(x, series: dict, labels: dict, current: float | None = None):
    """Several quantities against a size on log–log axes (noise vs batch size, gradient scale vs batch size).

    series: {name: (values, dash)}; zero/negative values are dropped. labels: title, subtitle, x, y, series.
    Datasets: loglog, current (the learner's batch size, a rule; only when given).
    """
    rows = []
    for name, (values, _) in series.items():
        v = np.asarray(values, float)
        ok = np.isfinite(v) & (v > 0)
        rows += records(b=np.asarray(x, float)[ok], v=v[ok], series=name)
    names = list(series)
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    base = {
        "x": q("b", title=labels["x"], scale={"type": "log"},
               axis={"values": [float(b) for b in np.asarray(x, float)], "format": "d", "labelOverlap": "greedy"}),
        "y": q("v", title=labels["y"], scale={"type": "log"}, axis={"format": ".0e"}),
        "color": nominal("series", title=labels["series"], sort=names,
                         scale={"domain": names, "range": colours[:len(names)]}, legend={"columns": 1}),
        "tooltip": [nominal("series", title=labels["series"]), q("b", title=labels["x"]),
                    q("v", format=".4g", title=labels["y"])]}
    dash = nominal("series", sort=names, legend=None, scale={"domain": names, "range": [d for _, d in series.values()]})
    layers = [{"data": {"name": "loglog"}, "mark": {"type": "line", "strokeWidth": 3},
               "encoding": {**base, "strokeDash": dash}},
              {"data": {"name": "loglog"}, "mark": {"type": "point", "filled": True, "size": 60}, "encoding": base}]
    datasets = {"loglog": rows}
    if current is not None:
        datasets["current"] = [{"b": float(current)}]
        layers.append({"data": {"name": "current"},
                       "mark": {"type": "rule", "color": "#000", "strokeDash": [4, 3], "strokeWidth": 2},
                       "encoding": {"x": q("b")}})
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=320,
                  wrap=labels.get("wrap"))

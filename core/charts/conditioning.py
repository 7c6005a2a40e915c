"""Charts of the conditioning page: perturbation clouds, Hilbert digits, gradient descent on a quadratic.

Written as Vega-Lite dicts (`style.framed`): Altair took 15–150 ms to build each of these layered charts, most
of it copying and validating them, and they follow the page's sliders. The data travel as top-level named
``datasets``; what a slider moves (the current κ, the current learning rate) is a small dataset of its own.
"""
from __future__ import annotations

import numpy as np

from core.charts.landscape import SCHEMES, even_bands, grid_points, picture_layers
from core.charts.style import compact, framed, nominal, q, records, thin

__all__ = ["cloud_chart", "hilbert_kappa_chart", "hilbert_digits_chart", "landscape_chart", "loss_chart",
           "lr_chart", "iterations_chart", "PATH_COLORS", "MAX_PATH_POINTS"]

MAX_PATH_POINTS = 300  # a long path is thinned to this many points (first and last kept)
LOSS_FLOOR = 1e-30
PATH_COLORS = {"gd": "#D55E00", "newton": "#009E73", "cg": "#CC79A7"}






def cloud_chart(points, outline, labels: dict, color: str, size: int = 380):
    """One panel: perturbation points (k×2) and the exact curve they lie on (m×2), equal axes.

    labels: title, subtitle, x, y, outline.
    """
    # Six significant digits, more than the eye can tell: a cloud that does not change with the matrix (δb/‖b‖ = εu
    # for any A) then has the very same data, and the chart already drawn is left alone.
    points = compact(np.asarray(points, dtype=np.float64), 6)
    outline = compact(np.asarray(outline, dtype=np.float64), 6)
    values = np.abs(np.concatenate([points.ravel(), outline.ravel()]))
    values = values[np.isfinite(values)]  # nan and inf are not drawn (null in the data)
    m = float(compact([(float(values.max()) if values.size else 0.0) * 1.1], 6)[0]) or 1.0
    # Equal axes [−m, m] from two unseen corner points (data, not a domain in the spec): when ε or A changes the
    # spec stays the same, and the chart already drawn just takes the new data.
    axis = {"nice": False, "zero": False}
    layers = [
        {"data": {"name": "axes_frame"}, "mark": {"type": "point", "opacity": 0, "size": 0, "aria": False},
         "encoding": {"x": q("u"), "y": q("v")}},
        {"data": {"name": "outline"}, "mark": {"type": "line", "color": "#222", "strokeDash": [4, 3],
                                               "strokeWidth": 1.5},
         "encoding": {"x": q("u"), "y": q("v"), "order": q("i"),
                      "tooltip": [q("u", format=".3e", title=labels["outline"])]}},
        {"data": {"name": "points"}, "mark": {"type": "circle", "color": color, "opacity": 0.55, "size": 28},
         "encoding": {"x": q("u", title=labels["x"], scale=axis, axis={"format": ".1e", "labelAngle": -30}),
                      "y": q("v", title=labels["y"], scale=axis, axis={"format": ".1e"}),
                      "tooltip": [q("u", format=".3e"), q("v", format=".3e")]}},
    ]
    datasets = {"axes_frame": records(u=[-m, m], v=[-m, m]),
                "outline": records(u=outline[:, 0], v=outline[:, 1], i=np.arange(len(outline))),
                "points": records(u=points[:, 0], v=points[:, 1])}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"),
                  height=size, width=size)


def hilbert_kappa_chart(n, kappa, labels: dict):
    """κ(Hₙ) on a log axis. labels: title, subtitle, x, y."""
    enc = {"x": q("n", title=labels["x"], axis={"tickMinStep": 1}),
           "y": q("kappa", title=labels["y"], scale={"type": "log"}, axis={"format": ".0e"}),
           "tooltip": [q("n"), q("kappa", title="κ", format=".4e")]}
    spec = {"data": {"name": "kappa"},
            "layer": [{"mark": {"type": "line", "color": "#0072B2", "strokeWidth": 3}, "encoding": enc},
                      {"mark": {"type": "point", "color": "#0072B2", "filled": True, "size": 70}, "encoding": enc}],
            "datasets": {"kappa": records(n=n, kappa=np.asarray(kappa, dtype=np.float64))}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=360)


def hilbert_digits_chart(n, log10_kappa, lost: dict, available: dict, labels: dict):
    """Digits lost solving Hₙx = b per format, next to the rule of thumb log10 κ.

    lost/available: {fmt: array / float}. labels: title, subtitle, x, y, rule, series, all_lost.
    """
    rows = records(n=n, digits=np.minimum(np.asarray(log10_kappa, dtype=np.float64), 18.0), series=labels["rule"])
    for f in lost:
        rows += records(n=n, digits=np.asarray(lost[f], dtype=np.float64), series=f)
    names = [labels["rule"], *lost]
    colors = ["#777", *("#D55E00" if f == "float32" else "#0072B2" for f in lost)]
    enc = {"x": q("n", title=labels["x"], axis={"tickMinStep": 1}),
           "y": q("digits", title=labels["y"], scale={"domain": [0, 18]}),
           "color": nominal("series", title=labels["series"], scale={"domain": names, "range": colors}),
           "strokeDash": nominal("series", title=labels["series"],
                                 scale={"domain": names, "range": [[6, 4], *([1, 0] for _ in lost)]}),
           "tooltip": [nominal("series", title=labels["series"]), q("n"),
                       q("digits", format=".1f", title=labels["y"])]}
    caps = records(digits=[float(available[f]) for f in lost], label=[labels["all_lost"].format(fmt=f) for f in lost])
    layers = [
        {"data": {"name": "caps"}, "mark": {"type": "rule", "color": "#999", "strokeDash": [2, 2]},
         "encoding": {"y": q("digits")}},
        {"data": {"name": "caps"}, "mark": {"type": "text", "align": "left", "color": "#555", "dx": 4, "dy": -7,
                                            "fontSize": 13},
         "encoding": {"y": q("digits"), "x": {"value": 4}, "text": nominal("label")}},
        {"data": {"name": "digits"}, "mark": {"type": "line", "strokeWidth": 2.5}, "encoding": enc},
        {"data": {"name": "digits"}, "mark": {"type": "point", "filled": True, "size": 50}, "encoding": enc},
    ]
    return framed({"layer": layers, "datasets": {"caps": caps, "digits": rows}}, labels["title"],
                  labels.get("subtitle"), height=360)


def landscape_chart(xs, ys, Z, paths: dict, center, eigvecs, window, labels: dict):
    """f on a 2-D window as bands of equal √f (the contours of a quadratic), with optimizer paths and the
    Hessian's eigenvectors.

    paths: {key in PATH_COLORS: (k×2 array)}; eigvecs: 2×2 columns already scaled for drawing.
    labels: title, subtitle, x, y, loss, method, step, eig, and one label per path key.
    """
    (cx, cy), h = window
    cx, cy, h = float(cx), float(cy), float(h)
    # √f in five equal steps of a round range, painted into one image (`picture_layers`); f's grid is kept for the
    # CSV export only.
    level = np.sqrt(np.maximum(np.asarray(Z, dtype=np.float64), 0.0))
    band, edges = even_bands(level, 5)
    field, xsc, ysc, heat = picture_layers(xs, ys, band, list(SCHEMES[("blues", 5)]),
                                           {"x": labels["x"], "y": labels["y"], "f": labels["loss"]},
                                           {"type": "quantize", "zero": False}, {"orient": "right", "format": ".2g"},
                                           edges)
    gx, gy = grid_points(xs, ys)
    heat["heat"] = records(x=gx.ravel(), y=gy.ravel(), f=compact(np.asarray(Z).ravel(), 4))
    rows = []
    for key, pts in paths.items():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
        ok = np.all(np.isfinite(p), axis=1)
        rows += records(x=p[ok, 0], y=p[ok, 1], step=idx[ok], key=key, method=labels[key])
    names = [labels[k] for k in paths]
    palette = {"domain": names, "range": [PATH_COLORS[k] for k in paths]}
    tip = [nominal("method", title=labels["method"]), q("step", title=labels["step"]), q("x", format=".4g"),
           q("y", format=".4g")]
    xy = {"x": q("x", scale=xsc), "y": q("y", scale=ysc)}
    lines = {"data": {"name": "paths"}, "mark": {"type": "line", "clip": True, "strokeWidth": 2.5},
             "encoding": {**xy, "detail": nominal("key"), "order": q("step"),
                          "color": nominal("method", scale=palette, legend=None),  # the points' legend covers both
                          "tooltip": tip}}
    dots = {"data": {"name": "paths"}, "mark": {"type": "point", "clip": True, "filled": True, "size": 55},
            "encoding": {**xy, "color": nominal("method", title=labels["method"], scale=palette), "tooltip": tip}}
    ev = np.asarray(eigvecs, dtype=np.float64)
    c0, c1 = float(center[0]), float(center[1])
    vec = records(x=[c0, c0], y=[c1, c1], x2=c0 + ev[0], y2=c1 + ev[1], name=[labels["eig_min"], labels["eig_max"]])
    arrows = {"data": {"name": "eig"}, "mark": {"type": "rule", "clip": True, "color": "#111", "strokeWidth": 4},
              "encoding": {"x": q("x"), "y": q("y"), "x2": {"field": "x2"}, "y2": {"field": "y2"},
                           "tooltip": [nominal("name", title=labels["eig"])]}}
    tips = {"data": {"name": "eig"}, "mark": {"type": "text", "align": "left", "color": "#111", "dx": 8, "dy": -8,
                                              "fontSize": 15, "fontWeight": "bold"},
            "encoding": {"x": q("x2"), "y": q("y2"), "text": nominal("name")}}
    # Square and fixed-size, so equal units look equal: ellipses keep their shape, eigenvectors look orthogonal.
    spec = {"layer": [field, arrows, tips, lines, dots], "datasets": {**heat, "eig": vec, "paths": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=560, width=560)


def loss_chart(curves: dict, labels: dict):
    """Loss over steps on a log axis. curves: {key: losses}; labels: title, subtitle, x, y, method, keys."""
    rows = []
    for key, losses in curves.items():
        losses = np.asarray(losses, dtype=float)
        idx, vals = thin(losses[:, None], MAX_PATH_POINTS)
        vals = vals[:, 0]
        ok = np.isfinite(vals)
        rows += records(step=idx[ok], loss=np.maximum(vals[ok], LOSS_FLOOR), method=labels[key])
    names = [labels[k] for k in curves]
    spec = {"data": {"name": "loss"}, "mark": {"type": "line", "strokeWidth": 2.5, "point": {"size": 20}},
            "encoding": {"x": q("step", title=labels["x"]),
                         "y": q("loss", title=labels["y"], scale={"type": "log"}, axis={"format": ".0e"}),
                         "color": nominal("method", title=labels["method"],
                                          scale={"domain": names, "range": [PATH_COLORS[k] for k in curves]}),
                         "tooltip": [nominal("method", title=labels["method"]), q("step", title=labels["x"]),
                                     q("loss", format=".4e", title=labels["y"])]},
            "datasets": {"loss": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=360)


def lr_chart(limits: dict, lr: float, labels: dict):
    """A number line of learning rates: 1/λmax, the optimum, the divergence limit 2/λmax, and the current lr.

    labels: title, x, inverse, optimal, divergence, current, now (the current lr written out, beside its
    marker), diverges. The axis runs from 0 to the end of the "diverges" zone, taken from the data, so moving lr
    or changing A changes only the datasets.
    """
    lr = float(lr)
    divergence = float(limits["divergence"])
    top = max(lr, divergence) * 1.25
    xsc = {"zero": True, "nice": False}
    ysc = {"domain": [0, 3.6], "nice": False}
    tip = [nominal("name"), q("lr", format=".4g")]
    layers = [
        {"data": {"name": "zone"}, "mark": {"type": "rect", "color": "#E69F00", "opacity": 0.3},
         "encoding": {"x": q("a", title=labels["x"], scale=xsc), "x2": {"field": "b"},
                      "tooltip": [nominal("t", title=labels["x"])]}},
        {"data": {"name": "marks"}, "mark": {"type": "rule", "color": "#333", "strokeDash": [4, 3], "strokeWidth": 2},
         "encoding": {"x": q("lr", scale=xsc), "y": q("base", scale=ysc, axis=None), "y2": {"field": "row"},
                      "tooltip": tip}},
        {"data": {"name": "marks"}, "mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 14},
         "encoding": {"x": q("lr", scale=xsc), "y": q("row", scale=ysc, axis=None), "text": nominal("name")}},
        {"data": {"name": "now"}, "mark": {"type": "point", "color": "#D55E00", "filled": True, "shape": "triangle-up",
                                           "size": 500},
         "encoding": {"x": q("lr", scale=xsc), "y": q("row", scale=ysc, axis=None), "tooltip": tip}},
        {"data": {"name": "now"}, "mark": {"type": "text", "align": "left", "dx": 14, "fontSize": 14,
                                           "fontWeight": "bold", "color": "#D55E00"},
         "encoding": {"x": q("lr", scale=xsc), "y": q("row", scale=ysc, axis=None), "text": nominal("text")}},
    ]
    datasets = {
        "zone": records(a=[divergence], b=[top], t=[labels["diverges"]]),
        # labels on three rows: close marks never overlap
        "marks": records(lr=[float(limits["inverse"]), float(limits["optimal"]), divergence],
                          name=[labels["inverse"], labels["optimal"], labels["divergence"]],
                          row=[1.0, 2.0, 3.0], base=0.0),
        "now": records(lr=[lr], name=[labels["current"]], row=[0.35], text=[labels["now"]]),
    }
    return framed({"layer": layers, "datasets": datasets}, labels["title"], None, height=170)


def iterations_chart(kappas, measured, theory, current_kappa: float, labels: dict):
    """Steps to a tolerance against κ, measured and predicted, on log–log axes.

    labels: title, subtitle, x, y, measured, theory, series, current.
    """
    kappas = np.asarray(kappas, dtype=np.float64)
    rows = (records(kappa=kappas, steps=np.maximum(np.asarray(measured, dtype=np.float64), 1),
                     series=labels["measured"])
            + records(kappa=kappas, steps=np.maximum(np.asarray(theory, dtype=np.float64), 1),
                       series=labels["theory"]))
    names = [labels["measured"], labels["theory"]]
    enc = {"x": q("kappa", title=labels["x"], scale={"type": "log"}),
           "y": q("steps", title=labels["y"], scale={"type": "log"}),
           "color": nominal("series", title=labels["series"], scale={"domain": names, "range": ["#D55E00", "#333"]}),
           "strokeDash": nominal("series", title=labels["series"], scale={"domain": names, "range": [[1, 0], [6, 4]]}),
           "tooltip": [nominal("series", title=labels["series"]), q("kappa", format=".3g", title="κ"),
                       q("steps", format=".0f", title=labels["y"])]}
    layers = [
        {"data": {"name": "steps"}, "mark": {"type": "line", "strokeWidth": 2.5}, "encoding": enc},
        {"data": {"name": "steps"}, "mark": {"type": "point", "filled": True, "size": 40}, "encoding": enc},
        {"data": {"name": "now"}, "mark": {"type": "rule", "color": "#0072B2", "strokeWidth": 2},
         "encoding": {"x": q("kappa"), "tooltip": [nominal("label")]}},
    ]
    datasets = {"steps": rows, "now": records(kappa=[float(current_kappa)], label=[labels["current"]])}
    return framed({"layer": layers, "datasets": datasets}, labels["title"], labels.get("subtitle"), height=360)

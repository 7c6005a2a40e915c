"""Charts of the conditioning page: perturbation clouds, Hilbert digits, gradient descent on a quadratic."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.charts.style import compact, finish, thin

__all__ = ["cloud_chart", "hilbert_kappa_chart", "hilbert_digits_chart", "landscape_chart", "loss_chart",
           "lr_chart", "iterations_chart", "PATH_COLORS", "MAX_PATH_POINTS"]

MAX_PATH_POINTS = 300  # a long path is thinned to this many points (first and last kept)
LOSS_FLOOR = 1e-30
PATH_COLORS = {"gd": "#D55E00", "newton": "#009E73", "cg": "#CC79A7"}




def cloud_chart(points, outline, labels: dict, color: str, size: int = 380):
    """One panel: perturbation points (k×2) and the exact curve they lie on (m×2), equal axes.

    labels: title, subtitle, x, y, outline.
    """
    m = float(np.nanmax(np.abs(np.concatenate([points.ravel(), outline.ravel()])))) * 1.1 or 1.0
    axis = alt.Scale(domain=[-m, m], nice=False)
    pts = pd.DataFrame({"u": points[:, 0], "v": points[:, 1]})
    curve = pd.DataFrame({"u": outline[:, 0], "v": outline[:, 1], "i": np.arange(len(outline))})
    dots = alt.Chart(pts).mark_circle(size=28, opacity=0.55, color=color).encode(
        x=alt.X("u:Q", title=labels["x"], scale=axis, axis=alt.Axis(format=".1e", labelAngle=-30)),
        y=alt.Y("v:Q", title=labels["y"], scale=axis, axis=alt.Axis(format=".1e")),
        tooltip=[alt.Tooltip("u:Q", format=".3e"), alt.Tooltip("v:Q", format=".3e")])
    line = alt.Chart(curve).mark_line(color="#222", strokeWidth=1.5, strokeDash=[4, 3]).encode(
        x="u:Q", y="v:Q", order="i:Q", tooltip=[alt.Tooltip("u:Q", format=".3e", title=labels["outline"])])
    return finish(alt.layer(line, dots), labels["title"], labels.get("subtitle"), height=size, width=size)


def hilbert_kappa_chart(n, kappa, labels: dict):
    """κ(Hₙ) on a log axis. labels: title, subtitle, x, y."""
    df = pd.DataFrame({"n": n, "kappa": kappa})
    base = alt.Chart(df).encode(
        x=alt.X("n:Q", title=labels["x"], axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("kappa:Q", title=labels["y"], scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e")),
        tooltip=[alt.Tooltip("n:Q"), alt.Tooltip("kappa:Q", title="κ", format=".4e")])
    return finish(base.mark_line(strokeWidth=3, color="#0072B2") + base.mark_point(filled=True, size=70,
                                                                                    color="#0072B2"),
                  labels["title"], labels.get("subtitle"), height=360)


def hilbert_digits_chart(n, log10_kappa, lost: dict, available: dict, labels: dict):
    """Digits lost solving Hₙx = b per format, next to the rule of thumb log10 κ.

    lost/available: {fmt: array / float}. labels: title, subtitle, x, y, rule, series, all_lost.
    """
    rows = [pd.DataFrame({"n": n, "digits": np.minimum(log10_kappa, 18.0), "series": labels["rule"]})]
    rows += [pd.DataFrame({"n": n, "digits": lost[f], "series": f}) for f in lost]
    df = pd.concat(rows, ignore_index=True)
    names = [labels["rule"], *lost]
    colors = ["#777", *("#D55E00" if f == "float32" else "#0072B2" for f in lost)]
    base = alt.Chart(df).encode(
        x=alt.X("n:Q", title=labels["x"], axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("digits:Q", title=labels["y"], scale=alt.Scale(domain=[0, 18])),
        color=alt.Color("series:N", title=labels["series"], scale=alt.Scale(domain=names, range=colors)),
        strokeDash=alt.StrokeDash("series:N", title=labels["series"], scale=alt.Scale(
            domain=names, range=[[6, 4], *([1, 0] for _ in lost)])),
        tooltip=[alt.Tooltip("series:N", title=labels["series"]), "n:Q",
                 alt.Tooltip("digits:Q", format=".1f", title=labels["y"])])
    caps = pd.DataFrame({"digits": [available[f] for f in lost],
                         "label": [labels["all_lost"].format(fmt=f) for f in lost]})
    rules = alt.Chart(caps).mark_rule(strokeDash=[2, 2], color="#999").encode(y="digits:Q")
    text = alt.Chart(caps).mark_text(align="left", dx=4, dy=-7, fontSize=13, color="#555").encode(
        y="digits:Q", x=alt.value(4), text="label:N")
    return finish(alt.layer(rules, text, base.mark_line(strokeWidth=2.5), base.mark_point(filled=True, size=50)),
                  labels["title"], labels.get("subtitle"), height=360)


def landscape_chart(xs, ys, Z, paths: dict, center, eigvecs, window, labels: dict):
    """f on a 2-D window as bands of equal √f (the contours of a quadratic), with optimizer paths and the
    Hessian's eigenvectors.

    paths: {key in PATH_COLORS: (k×2 array)}; eigvecs: 2×2 columns already scaled for drawing.
    labels: title, subtitle, x, y, loss, method, step, eig, and one label per path key.
    """
    (cx, cy), h = window
    gx, gy = np.meshgrid(xs, ys)
    # Only the cell centres and f travel to the browser; Vega derives the cell edges and √f. Cells overlap
    # by 2 % so no hairline gaps show between them.
    dx, dy = float(xs[1] - xs[0]) * 0.51, float(ys[1] - ys[0]) * 0.51  # plain floats: their repr goes into JS
    heat = pd.DataFrame({"x": compact(gx.ravel(), 6), "y": compact(gy.ravel(), 6), "f": compact(Z.ravel(), 4)})
    xsc = alt.Scale(domain=[cx - h, cx + h], nice=False)
    ysc = alt.Scale(domain=[cy - h, cy + h], nice=False)
    field = alt.Chart(heat).transform_calculate(
        x0=f"datum.x - {dx!r}", x1=f"datum.x + {dx!r}", y0=f"datum.y - {dy!r}", y1=f"datum.y + {dy!r}",
        level="sqrt(max(datum.f, 0))").mark_rect().encode(
        x=alt.X("x0:Q", title=labels["x"], scale=xsc), x2="x1:Q", y=alt.Y("y0:Q", title=labels["y"], scale=ysc),
        y2="y1:Q", color=alt.Color("level:Q", title=labels["loss"], scale=alt.Scale(scheme="blues", type="quantize",
                                                                                    nice=True),
                                   legend=alt.Legend(orient="right", format=".2g")),
        tooltip=[alt.Tooltip("f:Q", title="f", format=".4g")])
    frames = []
    for key, pts in paths.items():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
        ok = np.all(np.isfinite(p), axis=1)
        frames.append(pd.DataFrame({"x": p[ok, 0], "y": p[ok, 1], "step": idx[ok], "key": key,
                                    "method": labels[key]}))
    df = pd.concat(frames, ignore_index=True)
    names = [labels[k] for k in paths]
    palette = alt.Scale(domain=names, range=[PATH_COLORS[k] for k in paths])
    color = alt.Color("method:N", title=labels["method"], scale=palette)
    tip = [alt.Tooltip("method:N", title=labels["method"]), alt.Tooltip("step:Q", title=labels["step"]),
           alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("y:Q", format=".4g")]
    lines = alt.Chart(df).mark_line(strokeWidth=2.5, clip=True).encode(
        x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), detail="key:N", order="step:Q",
        color=alt.Color("method:N", scale=palette, legend=None),  # the points' legend covers both
        tooltip=tip)
    dots = alt.Chart(df).mark_point(filled=True, size=55, clip=True).encode(
        x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), color=color, tooltip=tip)
    vec = pd.DataFrame({"x": [center[0]] * 2, "y": [center[1]] * 2, "x2": center[0] + eigvecs[0],
                        "y2": center[1] + eigvecs[1], "name": [labels["eig_min"], labels["eig_max"]]})
    arrows = alt.Chart(vec).mark_rule(strokeWidth=4, color="#111", clip=True).encode(
        x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q", tooltip=[alt.Tooltip("name:N", title=labels["eig"])])
    tips = alt.Chart(vec).mark_text(fontSize=15, fontWeight="bold", color="#111", dx=8, dy=-8,
                                    align="left").encode(x="x2:Q", y="y2:Q", text="name:N")
    # Square and fixed-size, so equal units look equal: ellipses keep their shape, eigenvectors look orthogonal.
    return finish(alt.layer(field, arrows, tips, lines, dots), labels["title"], labels.get("subtitle"),
                  height=560, width=560)


def loss_chart(curves: dict, labels: dict):
    """Loss over steps on a log axis. curves: {key: losses}; labels: title, subtitle, x, y, method, keys."""
    frames = []
    for key, losses in curves.items():
        losses = np.asarray(losses, dtype=float)
        idx, vals = thin(losses[:, None], MAX_PATH_POINTS)
        vals = vals[:, 0]
        ok = np.isfinite(vals)
        frames.append(pd.DataFrame({"step": idx[ok], "loss": np.maximum(vals[ok], LOSS_FLOOR),
                                    "method": labels[key]}))
    df = pd.concat(frames, ignore_index=True)
    names = [labels[k] for k in curves]
    return finish(alt.Chart(df).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title=labels["x"]),
        y=alt.Y("loss:Q", title=labels["y"], scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e")),
        color=alt.Color("method:N", title=labels["method"],
                        scale=alt.Scale(domain=names, range=[PATH_COLORS[k] for k in curves])),
        tooltip=[alt.Tooltip("method:N", title=labels["method"]), alt.Tooltip("step:Q", title=labels["x"]),
                 alt.Tooltip("loss:Q", format=".4e", title=labels["y"])]),
        labels["title"], labels.get("subtitle"), height=360)


def lr_chart(limits: dict, lr: float, labels: dict):
    """A number line of learning rates: 1/λmax, the optimum, the divergence limit 2/λmax, and the current lr.

    labels: title, x, inverse, optimal, divergence, current, diverges.
    """
    top = max(lr, limits["divergence"]) * 1.25
    xsc = alt.Scale(domain=[0, top], nice=False)
    marks = pd.DataFrame({"lr": [limits["inverse"], limits["optimal"], limits["divergence"]],
                          "name": [labels["inverse"], labels["optimal"], labels["divergence"]],
                          "row": [1.0, 2.0, 3.0], "base": 0.0})  # labels on three rows: close marks never overlap
    ysc = alt.Scale(domain=[0, 3.6], nice=False)
    zone = alt.Chart(pd.DataFrame({"a": [limits["divergence"]], "b": [top], "t": [labels["diverges"]]})).mark_rect(
        color="#E69F00", opacity=0.3).encode(x=alt.X("a:Q", title=labels["x"], scale=xsc), x2="b:Q",
                                             tooltip=[alt.Tooltip("t:N", title=labels["x"])])
    rules = alt.Chart(marks).mark_rule(strokeWidth=2, strokeDash=[4, 3], color="#333").encode(
        x=alt.X("lr:Q", scale=xsc), y=alt.Y("base:Q", scale=ysc, axis=None), y2="row:Q",
        tooltip=["name:N", alt.Tooltip("lr:Q", format=".4g")])
    text = alt.Chart(marks).mark_text(align="left", dx=5, fontSize=14).encode(
        x=alt.X("lr:Q", scale=xsc), y=alt.Y("row:Q", scale=ysc, axis=None), text="name:N")
    now = alt.Chart(pd.DataFrame({"lr": [lr], "name": [labels["current"]], "row": [0.35]})).mark_point(
        shape="triangle-up", size=500, filled=True, color="#D55E00").encode(
        x=alt.X("lr:Q", scale=xsc), y=alt.Y("row:Q", scale=ysc, axis=None),
        tooltip=["name:N", alt.Tooltip("lr:Q", format=".4g")])
    return finish(alt.layer(zone, rules, text, now), labels["title"], None, height=170)


def iterations_chart(kappas, measured, theory, current_kappa: float, labels: dict):
    """Steps to a tolerance against κ, measured and predicted, on log–log axes.

    labels: title, subtitle, x, y, measured, theory, series, current.
    """
    df = pd.concat([pd.DataFrame({"kappa": kappas, "steps": np.maximum(measured, 1), "series": labels["measured"]}),
                    pd.DataFrame({"kappa": kappas, "steps": np.maximum(theory, 1), "series": labels["theory"]})])
    names = [labels["measured"], labels["theory"]]
    base = alt.Chart(df).encode(
        x=alt.X("kappa:Q", title=labels["x"], scale=alt.Scale(type="log")),
        y=alt.Y("steps:Q", title=labels["y"], scale=alt.Scale(type="log")),
        color=alt.Color("series:N", title=labels["series"], scale=alt.Scale(domain=names,
                                                                            range=["#D55E00", "#333"])),
        strokeDash=alt.StrokeDash("series:N", title=labels["series"],
                                  scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("series:N", title=labels["series"]), alt.Tooltip("kappa:Q", format=".3g", title="κ"),
                 alt.Tooltip("steps:Q", format=".0f", title=labels["y"])])
    now = alt.Chart(pd.DataFrame({"kappa": [current_kappa], "label": [labels["current"]]})).mark_rule(
        strokeWidth=2, color="#0072B2").encode(x="kappa:Q", tooltip=["label:N"])
    return finish(alt.layer(base.mark_line(strokeWidth=2.5), base.mark_point(filled=True, size=40), now),
                  labels["title"], labels.get("subtitle"), height=360)

"""Charts of 2-D loss landscapes: banded maps with critical points, paths and arrows; slices; curves."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.charts.style import attach, compact, finish, thin

__all__ = ["band_layer", "landscape_map", "slices_chart", "curves_chart", "fraction_histogram", "chain_chart",
           "KIND_STYLE", "MAX_PATH_POINTS"]

MAX_PATH_POINTS = 150  # per path on a map; curves keep more (CURVE_POINTS)
CURVE_POINTS = 400
# Kind of a critical point → (colour, shape): the meaning is never carried by colour alone.
KIND_STYLE = {"minimum": ("#009E73", "circle"), "maximum": ("#D55E00", "triangle-up"),
              "saddle": ("#CC79A7", "cross"), "degenerate": ("#E69F00", "diamond")}
MAP_SIZE = 560


def band_layer(xs, ys, Z, labels: dict, scheme: str = "greys", count: int = 9, opacity: float = 0.85):
    """The banded background of a map: f in ``count`` equal-area (quantile) colour bands, so any range reads.

    Only cell centres and f travel to the browser, rounded (`compact`) and as the named dataset "heat" (pass the
    returned frame to `attach`); Vega derives the cell edges, which overlap by 2 % so no hairline gaps show.
    Returns (layer, x scale, y scale, heat frame). labels: x, y, f.
    """
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    xsc, ysc = alt.Scale(domain=[x0, x1], nice=False), alt.Scale(domain=[y0, y1], nice=False)
    gx, gy = np.meshgrid(xs, ys)
    dx, dy = float(xs[1] - xs[0]) * 0.51, float(ys[1] - ys[0]) * 0.51  # plain floats: their repr goes into JS
    ok = np.isfinite(Z)
    heat = pd.DataFrame({"x": compact(gx[ok], 6), "y": compact(gy[ok], 6), "f": compact(Z[ok], 4)})
    bands = alt.Chart(alt.Data(name="heat")).transform_calculate(
        x0=f"datum.x - {dx!r}", x1=f"datum.x + {dx!r}", y0=f"datum.y - {dy!r}", y1=f"datum.y + {dy!r}",
    ).mark_rect(opacity=opacity).encode(
        x=alt.X("x0:Q", title=labels["x"], scale=xsc, axis=alt.Axis(tickCount=8, labelFlush=True)), x2="x1:Q",
        y=alt.Y("y0:Q", title=labels["y"], scale=ysc, axis=alt.Axis(tickCount=8, labelFlush=True)), y2="y1:Q",
        color=alt.Color("f:Q", title=labels["f"],
                        scale=alt.Scale(type="quantile", scheme=alt.SchemeParams(scheme, count=count)),
                        legend=alt.Legend(orient="right", type="symbol", format=".3g", symbolType="square")),
        tooltip=[alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f"),
                 alt.Tooltip("f:Q", format=".4g")])
    return bands, xsc, ysc, heat


def landscape_map(xs, ys, Z, labels: dict, critical=None, paths=None, arrows=None, marker=None):
    """A square map of f in equal-area colour bands (any function, any range), with overlays.

    critical: list of dicts {x, y, kind, text} (kind in KIND_STYLE; text shown in the tooltip).
    paths: {name: (points (k×2), colour)}; arrows: list of dicts {x, y, x2, y2, name, colour};
    marker: (x, y) of a selected point. labels: title, subtitle, x, y, f, kind, kinds {kind: text},
    method, step, arrow.
    """
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels, scheme="blues", count=8, opacity=1.0)
    layers = [bands]
    if paths:
        frames = []
        for name, (pts, _) in paths.items():
            idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
            ok = np.all(np.isfinite(p), axis=1)
            frames.append(pd.DataFrame({"x": p[ok, 0], "y": p[ok, 1], "step": idx[ok], "method": name}))
        df = pd.concat(frames, ignore_index=True)
        palette = alt.Scale(domain=list(paths), range=[c for _, c in paths.values()])
        tip = [alt.Tooltip("method:N", title=labels["method"]), alt.Tooltip("step:Q", title=labels["step"]),
               alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("y:Q", format=".4g")]
        layers.append(alt.Chart(df).mark_line(strokeWidth=2.5, clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), detail="method:N", order="step:Q",
            stroke=alt.Stroke("method:N", scale=palette, legend=None), tooltip=tip))
        layers.append(alt.Chart(df).mark_circle(size=30, clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc),
            color=alt.Color("method:N", title=labels["method"], scale=palette,
                            legend=alt.Legend(orient="right", labelLimit=260)), tooltip=tip))
    if arrows:
        adf = pd.DataFrame(arrows)
        # Arrow heads point along the arrow on screen (0° = up, clockwise), in this square map's scales.
        sx, sy = MAP_SIZE / (x1 - x0), MAP_SIZE / (y1 - y0)
        adf["angle"] = np.degrees(np.arctan2((adf["x2"] - adf["x"]) * sx, (adf["y2"] - adf["y"]) * sy))
        layers.append(alt.Chart(adf).mark_rule(strokeWidth=4, clip=True).encode(
            x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q", color=alt.Color("colour:N", scale=None),
            tooltip=[alt.Tooltip("name:N", title=labels["arrow"])]))
        layers.append(alt.Chart(adf).mark_point(shape="triangle", size=90, filled=True, clip=True).encode(
            x="x2:Q", y="y2:Q", color=alt.Color("colour:N", scale=None), angle=alt.Angle("angle:Q", scale=None)))
        layers.append(alt.Chart(adf).mark_text(fontSize=14, fontWeight="bold", dx=10, dy=-10, align="left",
                                               clip=True).encode(
            x="x2:Q", y="y2:Q", text="name:N", color=alt.Color("colour:N", scale=None)))
    if critical:
        cdf = pd.DataFrame(critical)
        cdf["kind_text"] = cdf["kind"].map(labels["kinds"])
        kinds = [k for k in KIND_STYLE if k in set(cdf["kind"])]
        names = [labels["kinds"][k] for k in kinds]
        layers.append(alt.Chart(cdf).mark_point(size=260, filled=True, stroke="#000", strokeWidth=1.5,
                                                clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc),
            fill=alt.Fill("kind_text:N", title=labels["kind"],
                          scale=alt.Scale(domain=names, range=[KIND_STYLE[k][0] for k in kinds]),
                          legend=alt.Legend(orient="right", labelLimit=260)),
            shape=alt.Shape("kind_text:N", title=labels["kind"],
                            scale=alt.Scale(domain=names, range=[KIND_STYLE[k][1] for k in kinds]),
                            legend=alt.Legend(orient="right", labelLimit=260)),
            tooltip=[alt.Tooltip("kind_text:N", title=labels["kind"]), alt.Tooltip("text:N", title=labels["f"])]))
    if marker is not None:
        layers.append(alt.Chart(pd.DataFrame({"x": [marker[0]], "y": [marker[1]]})).mark_point(
            shape="circle", size=420, strokeWidth=3, color="#000", clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc)))
    chart = alt.layer(*layers).resolve_scale(color="independent", stroke="independent")
    return attach(finish(chart, labels["title"], labels.get("subtitle"), height=MAP_SIZE, width=MAP_SIZE), heat=heat)


def slices_chart(t, slices: dict, labels: dict):
    """f and its quadratic model along directions through a point.

    slices: {direction name: (true values, model values)} over the offsets t. labels: title, subtitle, x, y,
    direction, true, model.
    """
    frames = []
    for name, (true, model) in slices.items():
        frames.append(pd.DataFrame({"t": t, "f": true, "direction": name, "curve": labels["true"]}))
        frames.append(pd.DataFrame({"t": t, "f": model, "direction": name, "curve": labels["model"]}))
    df = pd.concat(frames, ignore_index=True)
    df = df[np.isfinite(df["f"])]
    curves = [labels["true"], labels["model"]]
    return finish(alt.Chart(df).mark_line(strokeWidth=3).encode(
        x=alt.X("t:Q", title=labels["x"]), y=alt.Y("f:Q", title=labels["y"], scale=alt.Scale(zero=False)),
        color=alt.Color("direction:N", title=labels["direction"], scale=alt.Scale(range=["#0072B2", "#D55E00"])),
        strokeDash=alt.StrokeDash("curve:N", title=None, sort=curves,
                                  scale=alt.Scale(domain=curves, range=[[1, 0], [7, 4]])),
        detail="curve:N",
        tooltip=["direction:N", "curve:N", alt.Tooltip("t:Q", format=".3f"), alt.Tooltip("f:Q", format=".4g")]),
        labels["title"], labels.get("subtitle"), height=340)


def curves_chart(curves: dict, colors: dict, labels: dict, log: bool = True):
    """Values over steps, one line per method. labels: title, subtitle, x, y, method."""
    frames = []
    for name, values in curves.items():
        idx, vals = thin(np.asarray(values, dtype=float)[:, None], CURVE_POINTS)
        vals = vals[:, 0]
        ok = np.isfinite(vals) & ((vals > 0) if log else True)
        frames.append(pd.DataFrame({"step": idx[ok], "v": vals[ok], "method": name}))
    df = pd.concat(frames, ignore_index=True)
    return finish(alt.Chart(df).mark_line(strokeWidth=2.5).encode(
        x=alt.X("step:Q", title=labels["x"]),
        y=alt.Y("v:Q", title=labels["y"], scale=alt.Scale(type="log") if log else alt.Undefined,
                axis=alt.Axis(format=".0e") if log else alt.Undefined),
        color=alt.Color("method:N", title=labels["method"], legend=alt.Legend(columns=2),
                        scale=alt.Scale(domain=list(curves), range=[colors[k] for k in curves])),
        tooltip=[alt.Tooltip("method:N", title=labels["method"]), alt.Tooltip("step:Q", title=labels["x"]),
                 alt.Tooltip("v:Q", format=".4e", title=labels["y"])]),
        labels["title"], labels.get("subtitle"), height=320)


def fraction_histogram(fractions, labels: dict):
    """Histogram of the fraction of positive eigenvalues. labels: title, subtitle, x, y."""
    df = pd.DataFrame({"frac": np.asarray(fractions, dtype=float)})
    return finish(alt.Chart(df).mark_bar(color="#0072B2").encode(
        x=alt.X("frac:Q", bin=alt.Bin(extent=[0, 1], step=0.025), title=labels["x"]),
        y=alt.Y("count():Q", title=labels["y"]),
        tooltip=[alt.Tooltip("count():Q", title=labels["y"])]), labels["title"], labels.get("subtitle"),
        height=300)


def chain_chart(t, losses: dict, current: int, labels: dict):
    """Loss of deep linear chains along the escape direction, one line per depth k, the current k bold.

    losses: {k: values over t}. labels: title, subtitle, x, y, depth.
    """
    frames = [pd.DataFrame({"t": t, "loss": v, "k": k, "now": k == current}) for k, v in losses.items()]
    df = pd.concat(frames, ignore_index=True)
    return finish(alt.Chart(df).mark_line().encode(
        x=alt.X("t:Q", title=labels["x"]), y=alt.Y("loss:Q", title=labels["y"]),
        color=alt.Color("k:O", title=labels["depth"], scale=alt.Scale(scheme="viridis")),
        strokeWidth=alt.condition("datum.now", alt.value(5), alt.value(1.5)),
        tooltip=[alt.Tooltip("k:O", title=labels["depth"]), alt.Tooltip("t:Q", format=".3f"),
                 alt.Tooltip("loss:Q", format=".5f")]), labels["title"], labels.get("subtitle"), height=340)

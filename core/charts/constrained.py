"""Charts of the constrained-optimization page: f as grey bands, the infeasible region faded, constraint
boundaries, x* with the KKT force balance −∇f = Σλᵢ∇gᵢ drawn as arrows, and gradient-descent paths."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.charts.landscape import band_layer
from core.charts.style import attach, compact, finish, thin

__all__ = ["circle_points", "line_points", "cusp_points", "kkt_map", "MAP_SIZE", "SMALL_MAP"]

MAP_SIZE = 520
SMALL_MAP = 340
ARROW_SHARE = 0.28  # the longest arrow is this share of the window's width
MAX_PATH_POINTS = 250
_POINT_SHAPES = {"free": "cross", "star": "diamond", "other": "square", "end": "circle"}


def circle_points(radius: float, centre=(0.0, 0.0), n: int = 181) -> np.ndarray:
    """n points around the circle ‖x − c‖ = r, closed (first = last)."""
    a = np.linspace(0.0, 2.0 * np.pi, n)
    return np.column_stack([centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a)])


def line_points(normal, offset: float, reach: float) -> np.ndarray:
    """Two points of the line n·x = offset, ``reach`` either side of its point nearest the origin
    (the chart clips the segment to its window)."""
    n = np.asarray(normal, dtype=float)
    p0 = offset * n / float(n @ n)
    u = np.array([-n[1], n[0]]) / float(np.linalg.norm(n))
    return np.array([p0 - reach * u, p0 + reach * u])


def cusp_points(ymax: float, n: int = 121) -> np.ndarray:
    """The cusp y² = x³, i.e. x = |y|^(2/3), for |y| ≤ ymax."""
    y = np.linspace(-ymax, ymax, n)
    return np.column_stack([np.abs(y) ** (2.0 / 3.0), y])


def _arrow_frame(arrows: list, span: float) -> pd.DataFrame:
    """Arrows {x, y, dx, dy, name, colour, width} scaled together (the longest ARROW_SHARE of the span),
    with a head angle for a triangle mark (0° = up, clockwise, as Vega rotates shapes)."""
    rows = [a for a in arrows if np.all(np.isfinite([a["x"], a["y"], a["dx"], a["dy"]]))]
    lengths = [float(np.hypot(a["dx"], a["dy"])) for a in rows]
    top = max(lengths, default=0.0)
    if top == 0.0:
        return pd.DataFrame(columns=["x", "y", "x2", "y2", "name", "angle", "width", "value"])
    k = ARROW_SHARE * span / top
    df = pd.DataFrame([{"x": a["x"] + k * a.get("ox", 0.0), "y": a["y"] + k * a.get("oy", 0.0),
                        "name": a["name"], "width": a.get("width", 3.0), "value": a.get("value", ""),
                        "dx": k * a["dx"], "dy": k * a["dy"]} for a, n in zip(rows, lengths) if n > 0])
    df["x2"], df["y2"] = df["x"] + df["dx"], df["y"] + df["dy"]
    df["angle"] = np.degrees(np.arctan2(df["dx"], df["dy"]))  # equal axes: data angle = screen angle
    return df


def kkt_map(xs, ys, Z, feasible, boundaries: list, points: list, arrows: list, labels: dict,
            paths: dict | None = None, size: int = MAP_SIZE):
    """f on a grey banded map with equal axes, the infeasible cells faded, the constraints' boundaries,
    marked points, arrows and paths.

    feasible: bool (n×n) on the grid (rows follow y); boundaries: [(k×2 points, name, dash)];
    points: [{x, y, name, kind}] with kind "free" (unconstrained minimiser), "star" (x*), "other", "end";
    arrows: [{x, y, dx, dy, name, width, ox, oy}] in data units, scaled together in the chart (ox, oy: an offset
    in the same units, so λ∇g arrows can be chained tip to tail); paths: {name: (k×2 iterates, dash)}.
    Every line, arrow, path and point gets its colour from one legend (``colours``: {name: colour}).
    labels: title, subtitle, x, y, f, infeasible, legend, colours, and optionally legend_orient ("right").
    """
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels)
    gx, gy = np.meshgrid(xs, ys)
    dx, dy = float(xs[1] - xs[0]) * 0.51, float(ys[1] - ys[0]) * 0.51
    out = ~np.asarray(feasible, dtype=bool)
    shade = pd.DataFrame({"x": compact(gx[out], 6), "y": compact(gy[out], 6)})
    fade = alt.Chart(alt.Data(name="shade")).transform_calculate(
        x0=f"datum.x - {dx!r}", x1=f"datum.x + {dx!r}", y0=f"datum.y - {dy!r}", y1=f"datum.y + {dy!r}",
    ).mark_rect(color="#ffffff", opacity=0.72).encode(x=alt.X("x0:Q", scale=xsc), x2="x1:Q",
                                                       y=alt.Y("y0:Q", scale=ysc), y2="y1:Q")
    colours = labels["colours"]
    names = list(colours)
    palette = alt.Scale(domain=names, range=[colours[n] for n in names])
    legend = alt.Legend(orient=labels.get("legend_orient", "bottom"), columns=1 if labels.get(
        "legend_orient") == "right" else 2, labelLimit=320, symbolStrokeWidth=4)
    colour = alt.Color("name:N", title=labels["legend"], sort=names, scale=palette, legend=legend)
    quiet = alt.Color("name:N", sort=names, scale=palette, legend=None)
    span = float(xs[-1] - xs[0])
    layers = [bands, fade]
    named = {}  # every frame goes to the spec's top-level datasets: Altair deep-copies inline data at each step

    lines = []
    for pts, name, dash in boundaries:
        p = np.asarray(pts, dtype=float)
        lines.append(pd.DataFrame({"x": compact(p[:, 0], 6), "y": compact(p[:, 1], 6), "i": np.arange(len(p)),
                                   "name": name, "dash": str(dash)}))
    for name, (pts, dash) in (paths or {}).items():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
        ok = np.all(np.isfinite(p), axis=1) & np.all(np.abs(p) < 1e6, axis=1)
        lines.append(pd.DataFrame({"x": compact(p[ok, 0], 6), "y": compact(p[ok, 1], 6), "i": idx[ok],
                                   "name": name, "dash": str(dash)}))
    if lines:
        ldf = pd.concat(lines, ignore_index=True)
        dashes = {n: d for n, d in zip(ldf["name"], ldf["dash"])}
        dash_scale = alt.Scale(domain=list(dashes), range=[_dash(d) for d in dashes.values()])
        named["lines"] = ldf
        layers.append(alt.Chart(alt.Data(name="lines")).mark_line(strokeWidth=3, clip=True).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), order="i:Q", detail="name:N", color=colour,
            strokeDash=alt.StrokeDash("name:N", scale=dash_scale, legend=None),
            tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("x:Q", format=".4g"),
                     alt.Tooltip("y:Q", format=".4g")]))

    adf = _arrow_frame(arrows, span)
    if len(adf):
        named["arrows"] = adf
        tip = [alt.Tooltip("name:N", title=" "), alt.Tooltip("value:N", title=" ")]
        layers.append(alt.Chart(alt.Data(name="arrows")).mark_rule(clip=True, opacity=0.9).encode(
            x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), x2="x2:Q", y2="y2:Q", color=colour,
            strokeWidth=alt.StrokeWidth("width:Q", scale=None), tooltip=tip))
        layers.append(alt.Chart(alt.Data(name="arrows")).mark_point(shape="triangle", size=170, filled=True, opacity=1,
                                                clip=True).encode(
            x=alt.X("x2:Q", scale=xsc), y=alt.Y("y2:Q", scale=ysc), angle=alt.Angle("angle:Q", scale=None),
            color=quiet, tooltip=tip))

    if points:
        pdf = pd.DataFrame(points)
        for kind, shape in _POINT_SHAPES.items():
            sub = pdf[pdf["kind"] == kind]
            if len(sub):
                named[f"points_{kind}"] = sub
                layers.append(alt.Chart(alt.Data(name=f"points_{kind}")).mark_point(
                    shape=shape, size=260 if kind != "end" else 150, filled=True, stroke="#000", strokeWidth=1.2,
                    opacity=1, clip=True).encode(
                    x=alt.X("x:Q", scale=xsc), y=alt.Y("y:Q", scale=ysc), color=colour,
                    tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("x:Q", format=".5g"),
                             alt.Tooltip("y:Q", format=".5g")]))

    # One shared colour scale (one legend) for everything drawn on top; the grey bands keep their own.
    chart = alt.layer(*layers[:2], alt.layer(*layers[2:])).resolve_scale(color="independent")
    return attach(finish(chart, labels["title"], labels.get("subtitle"), height=size, width=size,
                         wrap=labels.get("wrap")), heat=heat, shade=shade, **named)


def _dash(text: str) -> list:
    """A dash pattern back from its text form ("[6, 3]")."""
    return [int(v) for v in text.strip("[]").split(",") if v.strip()]

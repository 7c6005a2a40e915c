"""Charts of the constrained-optimization page: f as grey bands, the infeasible region faded, constraint
boundaries, x* with the KKT force balance −∇f = Σλᵢ∇gᵢ drawn as arrows, and gradient-descent paths.

`kkt_map` writes its Vega-Lite spec as a dict (`style.framed`): Altair took 150–300 ms to build it."""
from __future__ import annotations

import math

import numpy as np

from core.charts.landscape import band_layer
from core.charts.style import compact, framed, q, records, records_of, thin

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



def _arrow_rows(arrows: list, span: float) -> list[dict]:
    """Arrows {x, y, dx, dy, name, colour, width} scaled together (the longest ARROW_SHARE of the span),
    with a head angle for a triangle mark (0° = up, clockwise, as Vega rotates shapes)."""
    rows = [a for a in arrows if np.all(np.isfinite([a["x"], a["y"], a["dx"], a["dy"]]))]
    lengths = [float(np.hypot(a["dx"], a["dy"])) for a in rows]
    top = max(lengths, default=0.0)
    if top == 0.0:
        return []
    k = ARROW_SHARE * span / top
    out = []
    for a, n in zip(rows, lengths):
        if n > 0:
            x, y = float(a["x"]) + k * float(a.get("ox", 0.0)), float(a["y"]) + k * float(a.get("oy", 0.0))
            dx, dy = k * float(a["dx"]), k * float(a["dy"])
            out.append({"x": x, "y": y, "name": a["name"], "width": a.get("width", 3.0), "value": a.get("value", ""),
                        "dx": dx, "dy": dy, "x2": x + dx, "y2": y + dy,
                        "angle": math.degrees(math.atan2(dx, dy))})  # equal axes: data angle = screen angle
    return records_of(out)


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
    Datasets: heat_image (the bands, infeasible cells faded), heat_legend, heat (export only), lines, arrows,
    points_<kind>.
    """
    bands, xsc, ysc, datasets = band_layer(xs, ys, Z, labels, faded=~np.asarray(feasible, dtype=bool))
    colours = labels["colours"]
    names = list(colours)
    palette = {"domain": names, "range": [colours[n] for n in names]}
    right = labels.get("legend_orient") == "right"
    legend = {"orient": labels.get("legend_orient", "bottom"), "columns": 1 if right else 2, "labelLimit": 320,
              "symbolStrokeWidth": 4}
    colour = {"field": "name", "type": "nominal", "title": labels["legend"], "sort": names, "scale": palette,
              "legend": legend}
    quiet = {"field": "name", "type": "nominal", "sort": names, "scale": palette, "legend": None}
    span = float(xs[-1] - xs[0])
    xy = {"x": q("x", scale=xsc), "y": q("y", scale=ysc)}
    overlays = []

    lines = []
    for pts, name, dash in boundaries:
        p = np.asarray(pts, dtype=float)
        lines += records({"x": compact(p[:, 0], 6), "y": compact(p[:, 1], 6), "i": np.arange(len(p)),
                          "name": name, "dash": str(dash)})
    for name, (pts, dash) in (paths or {}).items():
        idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
        ok = np.all(np.isfinite(p), axis=1) & np.all(np.abs(p) < 1e6, axis=1)
        lines += records({"x": compact(p[ok, 0], 6), "y": compact(p[ok, 1], 6), "i": idx[ok], "name": name,
                          "dash": str(dash)})
    if boundaries or paths:
        dashes = {r["name"]: r["dash"] for r in lines}
        datasets["lines"] = lines
        overlays.append({"data": {"name": "lines"}, "mark": {"type": "line", "clip": True, "strokeWidth": 3},
                         "encoding": {**xy, "order": q("i"), "detail": {"field": "name", "type": "nominal"},
                                      "color": colour,
                                      "strokeDash": {"field": "name", "type": "nominal", "legend": None, "scale": {
                                          "domain": list(dashes), "range": [_dash(d) for d in dashes.values()]}},
                                      "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                                                  q("x", format=".4g"), q("y", format=".4g")]}})

    arrow_rows = _arrow_rows(arrows, span)
    if arrow_rows:
        datasets["arrows"] = arrow_rows
        tip = [{"field": "name", "type": "nominal", "title": " "}, {"field": "value", "type": "nominal", "title": " "}]
        overlays.append({"data": {"name": "arrows"}, "mark": {"type": "rule", "clip": True, "opacity": 0.9},
                         "encoding": {**xy, "x2": {"field": "x2"}, "y2": {"field": "y2"}, "color": colour,
                                      "strokeWidth": q("width", scale=None), "tooltip": tip}})
        overlays.append({"data": {"name": "arrows"},
                         "mark": {"type": "point", "clip": True, "filled": True, "opacity": 1, "shape": "triangle",
                                  "size": 170},
                         "encoding": {"x": q("x2", scale=xsc), "y": q("y2", scale=ysc),
                                      "angle": q("angle", scale=None), "color": quiet, "tooltip": tip}})

    if points:
        rows = records_of(points)
        for kind, shape in _POINT_SHAPES.items():
            sub = [r for r in rows if r.get("kind") == kind]
            if sub:
                datasets[f"points_{kind}"] = sub
                overlays.append({"data": {"name": f"points_{kind}"},
                                 "mark": {"type": "point", "clip": True, "filled": True, "opacity": 1, "shape": shape,
                                          "size": 260 if kind != "end" else 150, "stroke": "#000",
                                          "strokeWidth": 1.2},
                                 "encoding": {**xy, "color": colour,
                                              "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                                                          q("x", format=".5g"), q("y", format=".5g")]}})

    # One shared colour scale (one legend) for everything drawn on top; the grey bands keep their own.
    spec = {"layer": [bands, {"layer": overlays}], "resolve": {"scale": {"color": "independent"}},
            "datasets": datasets}
    return framed(spec, labels["title"], labels.get("subtitle"), height=size, width=size, wrap=labels.get("wrap"))


def _dash(text: str) -> list:
    """A dash pattern back from its text form ("[6, 3]")."""
    return [int(v) for v in text.strip("[]").split(",") if v.strip()]

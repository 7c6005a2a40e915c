"""Charts of 2-D loss landscapes: banded maps with critical points, paths and arrows; slices; curves.

Every builder writes its Vega-Lite spec as a dict (`style.framed`): Altair took 50–300 ms to build these
layered maps (deep copies, validation, data conversion), the dicts take a few ms. The data goes in named
top-level datasets, so moving a slider changes only the datasets, not the spec's structure.
"""
from __future__ import annotations

import base64
import math
import struct
import zlib

import numpy as np

from core.charts.style import compact, framed, nominal, plain, q, records, records_of, thin

__all__ = ["band_layer", "picture_layers", "quantile_bands", "even_bands", "nice_domain", "png_data_url",
           "landscape_map", "slices_chart", "curves_chart", "fraction_histogram", "chain_chart",
           "grid_points", "KIND_STYLE", "SCHEMES", "MAX_PATH_POINTS"]

MAX_PATH_POINTS = 150  # per path on a map; curves keep more (CURVE_POINTS)
CURVE_POINTS = 400
# Kind of a critical point → (colour, shape): the meaning is never carried by colour alone.
KIND_STYLE = {"minimum": ("#009E73", "circle"), "maximum": ("#D55E00", "triangle-up"),
              "saddle": ("#CC79A7", "cross"), "degenerate": ("#E69F00", "diamond")}
MAP_SIZE = 560


def grid_points(xs, ys):
    """The grid's points (rows follow y), rounded as `compact(…, 6)` would round them, axis by axis."""
    return np.meshgrid(compact(xs, 6), compact(ys, 6))


def _cells(xs, ys, Z):
    """Cell centres and f of the finite cells, rounded (`compact`): the rows of a map's CSV export."""
    gx, gy = grid_points(xs, ys)
    ok = np.isfinite(Z)
    return gx[ok], gy[ok], compact(np.asarray(Z)[ok], 4)


# The colours Vega gives the schemes the maps use, ``{"name": scheme, "count": n}`` (read from Vega's own drawing):
# the map is painted here with exactly these, and its legend names them in the same order.
SCHEMES = {
    ("greys", 9): ("#d4d4d4", "#c4c4c4", "#b1b1b1", "#9d9d9d", "#888888", "#757575", "#626262", "#4d4d4d", "#353535"),
    ("blues", 5): ("#afd1e7", "#86bcdc", "#5ba3cf", "#3887c0", "#1b69ad"),
    ("blues", 8): ("#bcd7eb", "#a2cbe3", "#86bcdc", "#69abd3", "#4f9aca", "#3887c0", "#2473b4", "#145ea6"),
}
FADE = 0.72  # an infeasible cell: its band colour under white at this opacity


def quantile_bands(Z, count: int) -> tuple[np.ndarray, list]:
    """Each cell's band (0 … count−1, equal numbers of finite cells per band; −1 where f is not finite) and the
    quantile scale domain that gives Vega the same band edges: [min, t₁ … t_{count−1}, max].

    The edges are the count-quantiles of the finite values, interpolated as d3's ``quantileSorted`` (and
    NumPy's default) do, and a value equal to an edge goes to the band above it, as Vega's quantile scale does.
    Vega takes the quantiles of the domain given here at i/count, which land exactly on its entries."""
    Z = np.asarray(Z, dtype=np.float64)
    ok = np.isfinite(Z)
    if not ok.any():
        return np.full(Z.shape, -1, dtype=np.int64), [0.0, 0.0]
    edges = np.quantile(Z[ok], np.arange(1, count) / count)
    return _band_of(Z, ok, edges), [plain(v) for v in (Z[ok].min(), *edges, Z[ok].max())]


def _band_of(v: np.ndarray, ok: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The band of each value between sorted ``edges`` (a value on an edge goes above it, as d3's bisectRight);
    −1 where ``ok`` is False."""
    return np.where(ok, np.searchsorted(edges, np.where(ok, v, 0.0), side="right"), -1)


def png_data_url(index, palette, transparent: int | None = None) -> str:
    """A palette PNG as a ``data:`` URL: ``index`` (h×w, rows follow y upwards, as the grid's) picks a colour of
    ``palette`` (hex strings) per pixel; ``transparent`` is an index drawn see-through. Written with zlib, no
    imaging library: a 61×61 map is about 1 kB."""
    index = np.asarray(index, dtype=np.uint8)[::-1]  # the image's first row is the top of the map
    h, w = index.shape
    raw = np.zeros((h, w + 1), dtype=np.uint8)  # each row starts with filter type 0 (none)
    raw[:, 1:] = index

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", b"".join(bytes.fromhex(c.lstrip("#")) for c in palette)))
    if transparent is not None:
        png += chunk(b"tRNS", bytes(255 if i != transparent else 0 for i in range(len(palette))))
    png += chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _faded(colour: str) -> str:
    r, g, b = bytes.fromhex(colour.lstrip("#"))
    return "#" + "".join(f"{round(FADE * 255 + (1 - FADE) * c):02x}" for c in (r, g, b))


def nice_domain(lo: float, hi: float, count: int = 10) -> tuple[float, float]:
    """[lo, hi] widened to round numbers as Vega's ``nice: true`` does (d3's ``linear.nice(10)``)."""
    e10, e5, e2 = math.sqrt(50), math.sqrt(10), math.sqrt(2)

    def increment(start, stop):
        step = (stop - start) / count
        power = math.floor(math.log10(step))
        error = step / 10 ** power
        factor = 10 if error >= e10 else 5 if error >= e5 else 2 if error >= e2 else 1
        return 10 ** -power / factor * -1 if power < 0 else 10 ** power * factor

    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return lo, hi
    before = None
    for _ in range(10):
        step = increment(lo, hi)
        if step == before:
            break
        if step > 0:
            lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        else:
            lo, hi = math.ceil(lo * step) / step, math.floor(hi * step) / step
        before = step
    return lo, hi


def even_bands(values, count: int) -> tuple[np.ndarray, list]:
    """Each cell's band when [min, max] of the finite values, made round (`nice_domain`), is cut into ``count``
    equal steps (a quantize scale: edges lo + (hi − lo)·k/count, a value on an edge going above it, as d3's); −1
    where the value is not finite. Returns (bands, [lo, hi])."""
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    if not ok.any():
        return np.full(v.shape, -1, dtype=np.int64), [0.0, 0.0]
    lo, hi = nice_domain(float(v[ok].min()), float(v[ok].max()))
    edges = np.array([((i + 1) * hi - (i - (count - 1)) * lo) / count for i in range(count - 1)])  # as d3 writes it
    return _band_of(v, ok, edges), [plain(lo), plain(hi)]


def picture_layers(xs, ys, band, colours: list, labels: dict, scale: dict, legend: dict, edges: list,
                   opacity: float = 1.0, faded=None) -> tuple[dict, dict, dict, dict]:
    """A map's coloured background as one small image: a pixel per grid cell (cells centred on the grid points,
    colour ``colours[band]``; band −1 see-through; ``faded`` cells under a white veil) that Vega stretches over
    the plot. One mark instead of a rectangle per cell, which the browser took about 0.1 s to redraw per map
    whenever a slider changed the values.

    The colour legend comes from a second layer of rectangles of no size over ``edges`` (the field "f", colour
    ``scale`` over them with ``colours`` as its range): the edges travel as data, so the spec stays the same when
    the values change and Streamlit only swaps the datasets of the chart already drawn.
    Returns (layer, x scale, y scale, datasets "heat_image" and "heat_legend"). labels: x, y, f."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    # The window's edges to 12 digits: a window that moves only by rounding noise (recomputed from a new matrix)
    # keeps the spec the same, so the chart already drawn just takes the new data.
    x0, x1, y0, y1 = (plain(v) for v in compact([xs[0], xs[-1], ys[0], ys[-1]], 12))
    xsc, ysc = {"domain": [x0, x1], "nice": False}, {"domain": [y0, y1], "nice": False}
    count = len(colours)
    band = np.asarray(band)
    index = np.where(band < 0, 2 * count, band)
    if faded is not None:
        index = np.where(np.asarray(faded, dtype=bool) & (band >= 0), band + count, index)
    palette = list(colours) + [_faded(c) for c in colours] + ["#ffffff"]
    hx, hy = (x1 - x0) / (len(xs) - 1) / 2, (y1 - y0) / (len(ys) - 1) / 2  # half a cell
    image = [{"url": png_data_url(index, palette, transparent=2 * count),
              "x0": plain(x0 - hx), "x1": plain(x1 + hx), "y0": plain(y0 - hy), "y1": plain(y1 + hy)}]
    axis = {"tickCount": 8, "labelFlush": True}
    picture = {"data": {"name": "heat_image"},
               "mark": {"type": "image", "aspect": False, "smooth": False, "opacity": opacity, "clip": True,
                        "aria": False},
               "encoding": {"x": q("x0", title=labels["x"], scale=xsc, axis=axis), "x2": {"field": "x1"},
                            "y": q("y1", title=labels["y"], scale=ysc, axis=axis), "y2": {"field": "y0"},
                            "url": nominal("url")}}
    key = {"data": {"name": "heat_legend"},
           "mark": {"type": "rect", "opacity": opacity, "aria": False},
           "encoding": {"x": q("x", scale=xsc), "x2": {"field": "x"}, "y": q("y", scale=ysc), "y2": {"field": "y"},
                        "color": q("f", title=labels["f"], scale={**scale, "range": list(colours)}, legend=legend)}}
    return ({"layer": [picture, key]}, xsc, ysc,
            {"heat_image": image, "heat_legend": records({"f": edges, "x": plain(x0), "y": plain(y0)})})


def band_layer(xs, ys, Z, labels: dict, scheme: str = "greys", count: int = 9, opacity: float = 0.85,
               faded=None):
    """The banded background of a map: f in ``count`` equal-area (quantile) colour bands, so any range reads,
    drawn as one image (`picture_layers`). ``faded`` (bool, like Z): cells drawn under a white veil (infeasible
    points). The legend is a quantile scale over the band edges [min, t₁ … max] (Vega's quantiles of them at
    i/count are the tᵢ), so it shows the image's bands exactly. Cells where f is not finite are see-through.

    Returns (layer, x scale, y scale, datasets): put the datasets in the spec's ``datasets``: "heat_image" (the
    image), "heat_legend" (the band edges) and "heat" (each finite cell's centre and f, rounded with `compact`:
    the chart's CSV export reads it; no layer draws it, so it is not sent to the browser). Use the scales for
    every layer drawn on top. labels: x, y, f.
    """
    band, edges = quantile_bands(Z, count)
    legend = {"orient": "right", "type": "symbol", "format": ".3g", "symbolType": "square"}
    layer, xsc, ysc, data = picture_layers(xs, ys, band, list(SCHEMES[(scheme, count)]), labels,
                                           {"type": "quantile"}, legend, edges, opacity, faded)
    cx, cy, f = _cells(xs, ys, Z)
    return layer, xsc, ysc, {**data, "heat": records({"x": cx, "y": cy, "f": f})}


def landscape_map(xs, ys, Z, labels: dict, critical=None, paths=None, arrows=None, marker=None):
    """A square map of f in equal-area colour bands (any function, any range), with overlays.

    critical: list of dicts {x, y, kind, text} (kind in KIND_STYLE; text shown in the tooltip).
    paths: {name: (points (k×2), colour)}; arrows: list of dicts {x, y, x2, y2, name, colour};
    marker: (x, y) of a selected point. labels: title, subtitle, x, y, f, kind, kinds {kind: text},
    method, step, arrow.
    Datasets: heat_image, heat_legend, heat (export only), paths, arrows, critical, marker.
    """
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    bands, xsc, ysc, heat = band_layer(xs, ys, Z, labels, scheme="blues", count=8, opacity=1.0)
    layers, datasets = [bands], dict(heat)
    xy = {"x": q("x", scale=xsc), "y": q("y", scale=ysc)}
    if paths:
        rows = []
        for name, (pts, _) in paths.items():
            idx, p = thin(np.asarray(pts, dtype=float), MAX_PATH_POINTS)
            ok = np.all(np.isfinite(p), axis=1)
            rows += records({"x": p[ok, 0], "y": p[ok, 1], "step": idx[ok], "method": name})
        datasets["paths"] = rows
        palette = {"domain": list(paths), "range": [c for _, c in paths.values()]}
        tip = [nominal("method", title=labels["method"]), q("step", title=labels["step"]), q("x", format=".4g"),
               q("y", format=".4g")]
        layers.append({"data": {"name": "paths"}, "mark": {"type": "line", "clip": True, "strokeWidth": 2.5},
                       "encoding": {**xy, "detail": nominal("method"), "order": q("step"),
                                    "stroke": nominal("method", scale=palette, legend=None), "tooltip": tip}})
        layers.append({"data": {"name": "paths"}, "mark": {"type": "circle", "clip": True, "size": 30},
                       "encoding": {**xy, "color": nominal("method", title=labels["method"], scale=palette,
                                                           legend={"orient": "right", "labelLimit": 260}),
                                    "tooltip": tip}})
    if arrows:
        rows = records_of(arrows)
        # Arrow heads point along the arrow on screen (0° = up, clockwise), in this square map's scales.
        sx, sy = MAP_SIZE / (x1 - x0), MAP_SIZE / (y1 - y0)
        for r in rows:
            x, y, x2, y2 = (math.nan if r[k] is None else float(r[k]) for k in ("x", "y", "x2", "y2"))
            r["angle"] = plain(math.degrees(math.atan2((x2 - x) * sx, (y2 - y) * sy)))
        datasets["arrows"] = rows
        colour = nominal("colour", scale=None)
        layers.append({"data": {"name": "arrows"}, "mark": {"type": "rule", "clip": True, "strokeWidth": 4},
                       "encoding": {"x": q("x"), "y": q("y"), "x2": {"field": "x2"}, "y2": {"field": "y2"},
                                    "color": colour, "tooltip": [nominal("name", title=labels["arrow"])]}})
        layers.append({"data": {"name": "arrows"},
                       "mark": {"type": "point", "clip": True, "filled": True, "shape": "triangle", "size": 90},
                       "encoding": {"x": q("x2"), "y": q("y2"), "color": colour,
                                    "angle": q("angle", scale=None)}})
        layers.append({"data": {"name": "arrows"},
                       "mark": {"type": "text", "align": "left", "clip": True, "dx": 10, "dy": -10, "fontSize": 14,
                                "fontWeight": "bold"},
                       "encoding": {"x": q("x2"), "y": q("y2"), "text": nominal("name"), "color": colour}})
    if critical:
        rows = records_of(critical)
        for r in rows:
            r["kind_text"] = labels["kinds"].get(r["kind"])
        datasets["critical"] = rows
        present = {r["kind"] for r in rows}
        kinds = [k for k in KIND_STYLE if k in present]
        names = [labels["kinds"][k] for k in kinds]
        legend = {"orient": "right", "labelLimit": 260}
        layers.append({"data": {"name": "critical"},
                       "mark": {"type": "point", "clip": True, "filled": True, "size": 260, "stroke": "#000",
                                "strokeWidth": 1.5},
                       "encoding": {**xy,
                                    "fill": nominal("kind_text", title=labels["kind"], legend=legend, scale={
                                        "domain": names, "range": [KIND_STYLE[k][0] for k in kinds]}),
                                    "shape": nominal("kind_text", title=labels["kind"], legend=legend, scale={
                                        "domain": names, "range": [KIND_STYLE[k][1] for k in kinds]}),
                                    "tooltip": [nominal("kind_text", title=labels["kind"]),
                                                nominal("text", title=labels["f"])]}})
    if marker is not None:
        datasets["marker"] = records({"x": float(marker[0]), "y": float(marker[1])})
        layers.append({"data": {"name": "marker"},
                       "mark": {"type": "point", "clip": True, "color": "#000", "shape": "circle", "size": 420,
                                "strokeWidth": 3},
                       "encoding": xy})
    spec = {"layer": layers, "resolve": {"scale": {"color": "independent", "stroke": "independent"}},
            "datasets": datasets}
    return framed(spec, labels["title"], labels.get("subtitle"), height=MAP_SIZE, width=MAP_SIZE)


def slices_chart(t, slices: dict, labels: dict):
    """f and its quadratic model along directions through a point.

    slices: {direction name: (true values, model values)} over the offsets t. labels: title, subtitle, x, y,
    direction, true, model. Dataset: slices.
    """
    rows = []
    for name, (true, model) in slices.items():
        for curve, values in ((labels["true"], true), (labels["model"], model)):
            v = np.asarray(values, dtype=float)
            ok = np.isfinite(v)
            rows += records({"t": np.broadcast_to(np.asarray(t, dtype=float), v.shape)[ok], "f": v[ok],
                             "direction": name, "curve": curve})
    curves = [labels["true"], labels["model"]]
    spec = {"data": {"name": "slices"}, "mark": {"type": "line", "strokeWidth": 3},
            "encoding": {
                "x": q("t", title=labels["x"]), "y": q("f", title=labels["y"], scale={"zero": False}),
                "color": nominal("direction", title=labels["direction"], scale={"range": ["#0072B2", "#D55E00"]}),
                "strokeDash": nominal("curve", title=None, sort=curves,
                                      scale={"domain": curves, "range": [[1, 0], [7, 4]]}),
                "detail": nominal("curve"),
                "tooltip": [nominal("direction"), nominal("curve"), q("t", format=".3f"), q("f", format=".4g")]},
            "datasets": {"slices": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=340)


def curves_chart(curves: dict, colors: dict, labels: dict, log: bool = True):
    """Values over steps, one line per method. labels: title, subtitle, x, y, method. Dataset: curves."""
    rows = []
    for name, values in curves.items():
        idx, vals = thin(np.asarray(values, dtype=float)[:, None], CURVE_POINTS)
        vals = vals[:, 0]
        ok = np.isfinite(vals) & ((vals > 0) if log else True)
        rows += records({"step": idx[ok], "v": vals[ok], "method": name})
    y = q("v", title=labels["y"])
    if log:
        y.update(scale={"type": "log"}, axis={"format": ".0e"})
    spec = {"data": {"name": "curves"}, "mark": {"type": "line", "strokeWidth": 2.5},
            "encoding": {
                "x": q("step", title=labels["x"]), "y": y,
                "color": nominal("method", title=labels["method"], legend={"columns": 2},
                                 scale={"domain": list(curves), "range": [colors[k] for k in curves]}),
                "tooltip": [nominal("method", title=labels["method"]), q("step", title=labels["x"]),
                            q("v", format=".4e", title=labels["y"])]},
            "datasets": {"curves": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=320)


def fraction_histogram(fractions, labels: dict):
    """Histogram of the fraction of positive eigenvalues. labels: title, subtitle, x, y. Dataset: fractions."""
    count = {"aggregate": "count", "type": "quantitative", "title": labels["y"]}
    spec = {"data": {"name": "fractions"}, "mark": {"type": "bar", "color": "#0072B2"},
            "encoding": {"x": q("frac", bin={"extent": [0, 1], "step": 0.025}, title=labels["x"]),
                         "y": count, "tooltip": [dict(count)]},
            "datasets": {"fractions": records({"frac": np.asarray(fractions, dtype=float).ravel()})}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=300)


def chain_chart(t, losses: dict, current: int, labels: dict):
    """Loss of deep linear chains along the escape direction, one line per depth k, the current k bold.

    losses: {k: values over t}. labels: title, subtitle, x, y, depth. Dataset: chains.
    """
    rows = []
    for k, v in losses.items():
        v = np.asarray(v, dtype=float)
        rows += records({"t": np.broadcast_to(np.asarray(t, dtype=float), v.shape), "loss": v,
                         "k": plain(k), "now": bool(k == current)})
    spec = {"data": {"name": "chains"}, "mark": {"type": "line"},
            "encoding": {
                "x": q("t", title=labels["x"]), "y": q("loss", title=labels["y"]),
                "color": {"field": "k", "type": "ordinal", "title": labels["depth"], "scale": {"scheme": "viridis"}},
                "strokeWidth": {"condition": {"test": "datum.now", "value": 5}, "value": 1.5},
                "tooltip": [{"field": "k", "type": "ordinal", "title": labels["depth"]}, q("t", format=".3f"),
                            q("loss", format=".5f")]},
            "datasets": {"chains": rows}}
    return framed(spec, labels["title"], labels.get("subtitle"), height=340)

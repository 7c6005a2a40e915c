"""Charts of the initialization page: quantities over layers on a log axis with the healthy band and inf / nan /
0 markers, activation histograms with in-chart layer sliders, and activation functions with their Taylor
polynomials."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from core.charts.style import compact, framed

__all__ = ["log_layers_chart", "histogram_panels", "activation_chart", "PALETTE", "MARKERS"]

# Okabe–Ito; every series also has its own dash, so no meaning rests on colour alone.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ([1, 0], [8, 4], [2, 3], [12, 3, 2, 3], [4, 2], [1, 0], [6, 6])
# Values a log axis cannot show: drawn at its top (inf, nan) or bottom (0) edge with their own shape.
MARKERS = {"inf": "triangle-up", "nan": "cross", "zero": "triangle-down"}
_LIMITS = (1e-300, 1e300)


def _domain(values: list, band) -> tuple[float, float]:
    """A log-axis domain that holds every finite positive value and the band, in whole decades with a margin."""
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values] + [np.asarray(band or [], float)])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1e-3, 1e3)
    lo, hi = max(lo, _LIMITS[0]), min(hi, _LIMITS[1])
    return 10.0 ** (math.floor(math.log10(lo)) - 1), 10.0 ** (math.ceil(math.log10(hi)) + 1)


def log_layers_chart(x, series: dict, labels: dict, band=None, height: int = 360, x_type: str = "layer"):
    """Quantities over layers (or factors) on a log y axis.

    x: positions (layers 1 … depth). series: {name: values} or {name: (values, colour, dash)}, values may hold
    inf, nan and 0: those layers get a marker at the top (inf, nan) or the bottom (0) of the plot instead of a
    point, one shape per kind. band: (lo, hi) shaded as the healthy range, or None.
    labels: title, subtitle, x, y, series, band (the band's name), inf, nan, zero (marker names), wrap.
    """
    x = np.asarray(x, float)
    names, colours, dashes, frames, marks = list(series), [], [], [], []
    for i, (name, spec) in enumerate(series.items()):
        values, colour, dash = spec if isinstance(spec, tuple) else (spec, PALETTE[i % 7], DASHES[i % 7])
        v = np.asarray(values, float)
        colours.append(colour)
        dashes.append(dash)
        ok = np.isfinite(v) & (v > 0)
        frames.append(pd.DataFrame({"x": x[ok], "v": compact(v[ok], 5), "series": name}))
        for kind, hit in (("inf", np.isinf(v)), ("nan", np.isnan(v)), ("zero", v == 0)):
            if hit.any():
                marks.append(pd.DataFrame({"x": x[hit], "series": name, "kind": labels[kind]}))
    lo, hi = _domain([np.asarray(s[0] if isinstance(s, tuple) else s, float) for s in series.values()], band)
    # written as a dict: Altair's construction of these layers costs ~50 ms, this ~1 ms (see style.Spec)
    ysc = {"type": "log", "domain": [lo, hi], "nice": False}
    xsc = {"domain": [float(x.min()), float(x.max())], "nice": False} if len(x) > 1 else {}
    color = {"field": "series", "type": "nominal", "title": labels.get("series"), "sort": names,
             "scale": {"domain": names, "range": colours}, "legend": {"columns": 2}}
    tip = [{"field": "series", "type": "nominal", "title": labels.get("series") or " "},
           {"field": "x", "type": "quantitative", "title": labels["x"]},
           {"field": "v", "type": "quantitative", "format": ".4e", "title": labels["y"]}]
    xenc = {"field": "x", "type": "quantitative", "title": labels["x"], **({"scale": xsc} if xsc else {})}
    if x_type == "layer":
        xenc["axis"] = {"format": "d", "tickMinStep": 1}
    yenc = {"field": "v", "type": "quantitative", "title": labels["y"], "scale": ysc, "axis": {"format": ".0e"}}
    datasets = {"lines": pd.concat(frames, ignore_index=True).to_dict("records")}
    layers = []
    if band is not None:
        datasets["band"] = [{"lo": float(band[0]), "hi": float(band[1]), "name": labels["band"]}]
        layers += [{"data": {"name": "band"}, "mark": {"type": "rect", "color": "#2ca25f", "opacity": 0.12},
                    "encoding": {"y": {"field": "lo", "type": "quantitative", "scale": ysc}, "y2": {"field": "hi"},
                                 "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                                             {"field": "lo", "type": "quantitative", "format": ".0e"},
                                             {"field": "hi", "type": "quantitative", "format": ".0e"}]}},
                   {"data": {"name": "band"}, "mark": {"type": "text", "align": "left", "baseline": "bottom",
                                                       "color": "#1b7a45", "dx": 4, "dy": -2, "fontSize": 13},
                    "encoding": {"text": {"field": "name", "type": "nominal"}, "x": {"value": 0},
                                 "y": {"field": "hi", "type": "quantitative", "scale": ysc}}}]
    layers.append({"data": {"name": "lines"}, "mark": {"type": "line", "clip": True, "strokeWidth": 3},
                   "encoding": {"x": xenc, "y": yenc, "color": color, "tooltip": tip,
                                "strokeDash": {"field": "series", "type": "nominal", "sort": names, "legend": None,
                                               "scale": {"domain": names, "range": dashes}}}})
    if len(x) <= 60:
        layers.append({"data": {"name": "lines"}, "mark": {"type": "circle", "clip": True, "size": 28},
                       "encoding": {"x": xenc, "y": yenc, "color": color, "tooltip": tip}})
    if marks:
        mk = pd.concat(marks, ignore_index=True)
        mk["y"] = np.where(mk["kind"] == labels["zero"], lo * 1.6, hi / 1.6)
        datasets["marks"] = mk.to_dict("records")
        kinds = [labels[k] for k in MARKERS]
        layers.append({"data": {"name": "marks"},
                       "mark": {"type": "point", "filled": True, "opacity": 0.9, "size": 110 if len(x) <= 40 else 70},
                       "encoding": {"x": {"field": "x", "type": "quantitative", **({"scale": xsc} if xsc else {})},
                                    "y": {"field": "y", "type": "quantitative", "scale": ysc}, "color": color,
                                    "shape": {"field": "kind", "type": "nominal", "title": None,
                                              "scale": {"domain": kinds, "range": list(MARKERS.values())}},
                                    "tooltip": [tip[0], tip[1], {"field": "kind", "type": "nominal",
                                                                 "title": labels["y"]}]}})
    return framed({"layer": layers, "resolve": {"scale": {"color": "shared"}}, "datasets": datasets},
                  labels["title"], labels.get("subtitle"), height=height, wrap=labels.get("wrap") or 100)


def histogram_panels(edges, counts, summary: dict, layers: tuple, labels: dict, height: int = 260):
    """Side-by-side histograms of the activations of three layers, each picked by its own slider inside the
    chart (a Vega parameter: moving it redraws in the browser with no rerun).

    edges, counts: (depth + 1, bins + 1) and (depth + 1, bins) from `core.initialization.layer_histograms`.
    summary: {"std", "inf", "nan", "zero"} arrays of length depth + 1. layers: the three starting layers.
    labels: title, subtitle, x, y, slider (a format with {name}), names (three panel names), layer (a format
    with {t}), std, inf, nan, zero, wrap.
    """
    edges, counts = np.asarray(edges, float), np.asarray(counts)
    depth = counts.shape[0] - 1
    rows, cols = np.nonzero(np.ones_like(counts, dtype=bool))
    keep = counts[rows, cols] > 0
    rows, cols = rows[keep], cols[keep]
    bins = counts.shape[1]
    # one row per non-empty bin: layer, bin index and count; the browser turns the index into the bin's edges
    # with the layer's half-range m (edges[t] = linspace(−m, m, bins + 1))
    bars = pd.DataFrame({"layer": rows, "b": cols, "n": counts[rows, cols]})
    info = pd.DataFrame({"layer": np.arange(depth + 1), "m": compact(edges[:, -1], 6)})
    info["text"] = [labels["std"] + " " + _short(s) + (f" · {labels['inf']} {i}" if i else "")
                    + (f" · {labels['nan']} {n}" if n else "") + (f" · {labels['zero']} {z}" if z else "")
                    for s, i, n, z in zip(summary["std"], summary["inf"], summary["nan"], summary["zero"])]
    before, _, after = labels["layer"].partition("{t}")
    panels, params = [], []
    for k, (start, name) in enumerate(zip(layers, labels["names"])):
        p = f"layer{k}"
        params.append({"name": p, "value": int(min(max(start, 0), depth)),
                       "bind": {"input": "range", "min": 0, "max": depth, "step": 1,
                                "name": labels["slider"].format(name=name) + " "}})
        pick = {"filter": f"(datum.layer === {p})"}
        hist = {"data": {"name": "bars"},
                "mark": {"type": "bar", "binSpacing": 0, "color": PALETTE[k], "opacity": 0.85},
                "transform": [pick, {"lookup": "layer", "from": {"data": {"name": "info"}, "key": "layer",
                                                                  "fields": ["m"]}},
                              {"calculate": f"(2 * datum.b / {bins} - 1) * datum.m", "as": "lo"},
                              {"calculate": f"(2 * (datum.b + 1) / {bins} - 1) * datum.m", "as": "hi"}],
                "encoding": {
                    "x": {"field": "lo", "type": "quantitative", "title": labels["x"],
                          "axis": {"format": ".2~g", "labelOverlap": "greedy", "tickCount": 5}},
                    "x2": {"field": "hi"},
                    "y": {"field": "n", "type": "quantitative", "title": labels["y"] if k == 0 else None,
                          "axis": {"format": "d", "tickMinStep": 1}, "scale": {"domainMin": 0}},
                    "y2": {"datum": 0},
                    "tooltip": [{"field": "lo", "type": "quantitative", "format": ".3g"},
                                {"field": "hi", "type": "quantitative", "format": ".3g"},
                                {"field": "n", "type": "quantitative", "title": labels["y"]}]}}
        head = {"data": {"name": "info"}, "transform": [pick, {"calculate": json.dumps(f"{name}: {before}")
                                                                 + " + datum.layer + " + json.dumps(after),
                                                                 "as": "label"}],
                "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 15, "fontWeight": "bold",
                         "x": 4, "y": -34},
                "encoding": {"text": {"field": "label", "type": "nominal"}}}
        sub = {"data": {"name": "info"}, "transform": [pick],
               "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 13, "x": 4, "y": -16,
                        "color": "#444"},
               "encoding": {"text": {"field": "text", "type": "nominal"}}}
        panels.append({"layer": [hist, head, sub], "width": 225, "height": height})
    return framed({"hconcat": panels, "spacing": 28, "params": params,
                   "datasets": {"bars": bars.to_dict("records"), "info": info.to_dict("records")}},
                  labels["title"], labels.get("subtitle"), height=None, width=None, wrap=labels.get("wrap", 110))


def _short(v: float) -> str:
    v = float(v)
    return "0" if v == 0 else f"{v:.3g}"


def activation_chart(x, curves: dict, labels: dict, ylim: float = 2.5, height: int = 380):
    """Activation functions, derivatives and Taylor polynomials on one linear plot, clipped to |y| ≤ ylim.

    curves: {name: (values, colour, dash)}; non-finite values are dropped. labels: title, subtitle, x, y,
    series, wrap.
    """
    x = np.asarray(x, float)
    names = list(curves)
    rows = []
    for name, (values, _, _) in curves.items():
        v = np.asarray(values, float)
        ok = np.isfinite(v)
        rows += [{"x": a, "v": b, "series": name} for a, b in
                 zip(compact(x[ok], 4).tolist(), compact(np.clip(v[ok], -4 * ylim, 4 * ylim), 4).tolist())]
    series = labels.get("series")
    line = {
        "mark": {"type": "line", "strokeWidth": 3, "clip": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": labels["x"],
                  "scale": {"domain": [float(x.min()), float(x.max())], "nice": False}},
            "y": {"field": "v", "type": "quantitative", "title": labels["y"],
                  "scale": {"domain": [-ylim, ylim], "nice": False}},
            "color": {"field": "series", "type": "nominal", "title": series, "sort": names,
                      "scale": {"domain": names, "range": [c for _, c, _ in curves.values()]},
                      "legend": {"columns": 2}},
            "strokeDash": {"field": "series", "type": "nominal", "sort": names, "legend": None,
                           "scale": {"domain": names, "range": [d for _, _, d in curves.values()]}},
            "tooltip": [{"field": "series", "type": "nominal", "title": series or " "},
                        {"field": "x", "type": "quantitative", "format": ".2f"},
                        {"field": "v", "type": "quantitative", "format": ".4g", "title": labels["y"]}]},
        "data": {"name": "curves"}}
    axis = {"mark": {"type": "rule", "color": "#999", "strokeWidth": 1}, "data": {"values": [{"z": 0.0}]}}
    layers = [{**axis, "encoding": {"y": {"field": "z", "type": "quantitative"}}},
              {**axis, "encoding": {"x": {"field": "z", "type": "quantitative"}}}, line]
    return framed({"layer": layers, "datasets": {"curves": rows}}, labels["title"], labels.get("subtitle"),
                  height=height, wrap=labels.get("wrap"))

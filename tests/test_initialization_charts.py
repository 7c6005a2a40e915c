"""Chart builders of the initialization page: valid Vega-Lite, inf/nan/0 drawn as markers, small specs."""
import json

import numpy as np
import pytest

from core import initialization as ci
from core.charts import initialization as charts

LABELS = {"title": "t", "subtitle": "s", "x": "layer", "y": "v", "series": "series", "band": "healthy",
          "inf": "inf", "nan": "nan", "zero": "0"}


def data(spec: dict) -> list[dict]:
    return [r for rows in spec.get("datasets", {}).values() for r in rows]


def test_log_layers_chart_draws_finite_values_and_marks_the_rest():
    v = np.array([1.0, 1e3, np.inf, np.nan, 0.0, 1e-8])
    spec = charts.log_layers_chart(np.arange(1, 7), {"a": v}, LABELS, band=ci.HEALTHY).to_dict(validate=True)
    rows = data(spec)
    line = sorted((r["x"], r["v"]) for r in rows if "v" in r)
    assert line == [(1, 1.0), (2, 1e3), (6, 1e-8)]
    marks = {(r["x"], r["kind"]) for r in rows if "kind" in r}
    assert marks == {(3, "inf"), (4, "nan"), (5, "0")}
    # the y domain holds every finite value and the band, in whole decades with room for the markers
    domains = [layer["encoding"]["y"]["scale"]["domain"] for layer in spec["layer"] if "y" in layer.get("encoding", {})
               and "scale" in layer["encoding"]["y"]]
    lo, hi = domains[0]
    assert lo <= 1e-9 and hi >= 1e4 and all(d == [lo, hi] for d in domains)
    tops = {r["x"]: r["y"] for r in rows if "kind" in r}
    assert tops[3] > 1e3 and tops[4] > 1e3 and tops[5] < 1e-8  # inf/nan at the top, 0 at the bottom


def test_log_layers_chart_with_nothing_finite_still_has_a_domain():
    spec = charts.log_layers_chart([1, 2], {"a": [np.inf, np.inf]}, LABELS).to_dict(validate=True)
    assert {r["kind"] for r in data(spec) if "kind" in r} == {"inf"}


def test_histogram_panels_send_one_row_per_non_empty_bin_and_three_layer_sliders():
    p = ci.propagate(100, 512, "tanh", "normal", dtype="float16", std=1.0)
    h = ci.layer_histograms(p)
    labels = {"title": "t", "subtitle": "s", "x": "x", "y": "n", "slider": "Layer {name}", "names": ("A", "B", "C"),
              "layer": "layer {t}", "std": "std", "inf": "inf", "nan": "nan", "zero": "0"}
    spec = charts.histogram_panels(h.edges, h.counts, {"std": h.std, "inf": h.inf, "nan": h.nan, "zero": h.zero},
                                   (1, 50, 100), labels).to_dict(validate=True)
    bars = [r for r in data(spec) if "b" in r]
    assert len(bars) == int(np.count_nonzero(h.counts))
    assert sum(r["n"] for r in bars) == int(h.counts.sum())
    params = {q["name"]: q for q in spec["params"]}
    assert [params[f"layer{k}"]["value"] for k in range(3)] == [1, 50, 100]
    assert all(params[f"layer{k}"]["bind"]["max"] == 100 for k in range(3))
    assert len(json.dumps(spec)) < 250_000


def test_activation_chart_clips_to_the_window():
    x = np.linspace(-4, 4, 161)
    spec = charts.activation_chart(x, {"taylor": (ci.taylor_eval("tanh", x, 7), "#000", [1, 0])},
                                   {"title": "t", "x": "x", "y": "y"}).to_dict(validate=True)
    vals = [r["v"] for r in data(spec) if "v" in r]
    assert max(vals) <= 10 and min(vals) >= -10 and len(vals) == 161


def test_activation_chart_drops_non_finite_values_and_keeps_each_curves_colour_and_dash():
    x = np.linspace(-2, 2, 5)
    curves = {"f": (np.array([1.0, np.inf, 0.5, np.nan, -1.0]), "#0072B2", [1, 0]),
              "df": (np.zeros(5), "#D55E00", [8, 4])}
    spec = charts.activation_chart(x, curves, {"title": "t", "x": "x", "y": "y", "series": "s"}).to_dict(validate=True)
    assert [r["x"] for r in data(spec) if r.get("series") == "f"] == [-2.0, 0.0, 2.0]
    assert len([r for r in data(spec) if r.get("series") == "df"]) == 5
    enc = next(layer["encoding"] for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    assert enc["color"]["scale"] == {"domain": ["f", "df"], "range": ["#0072B2", "#D55E00"]}
    assert enc["strokeDash"]["scale"]["range"] == [[1, 0], [8, 4]]
    assert enc["y"]["scale"]["domain"] == [-2.5, 2.5]


@pytest.mark.parametrize("depth", [1, 2, 100])
def test_log_layers_chart_at_every_depth(depth):
    p = ci.propagate(depth, 8, "identity", "xavier_normal", dtype="float64")
    spec = charts.log_layers_chart(np.arange(1, depth + 1), {"a": p.forward_std, "b": p.predicted_var}, LABELS,
                                   band=ci.HEALTHY).to_dict(validate=True)
    assert len([r for r in data(spec) if r.get("series") == "a" and "v" in r]) == depth

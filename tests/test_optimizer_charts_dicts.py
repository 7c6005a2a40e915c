"""The optimizers page's chart builders written as Vega-Lite dicts: valid specs with the page's real inputs in
both languages, strict JSON (non-finite values dropped or null, never NaN), the data they draw, the race's
in-chart step scrubber, and specs whose structure does not change when only a marker or the data moves."""
import json

import numpy as np
import pytest

from core import landscapes as ls
from core import oned, sgd
from core import optimizers as opt
from core.charts import optimizers as charts
from core.charts.landscape import SCHEMES
from core.charts.style import Spec, export_table, projector
from ui.i18n import Translator

FOUR = ("gd", "momentum", "adam", "bfgs")  # the page's default racers


def strict_json(spec: dict) -> str:
    return json.dumps(spec, allow_nan=False, ensure_ascii=False)  # raises on NaN / inf


def structure(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def valid(chart) -> dict:
    """The spec of a builder's result, validated against the Vega-Lite schema and written as strict JSON."""
    assert isinstance(chart, Spec)
    spec = chart.to_dict(validate=True)
    strict_json(spec)
    return spec


def layers(spec: dict) -> list[dict]:
    """Every unit layer, nested layers flattened, in drawing order."""
    if "layer" not in spec:
        return [spec]
    return [unit for child in spec["layer"] for unit in layers(child)]


def by_data(spec: dict, name: str) -> list[dict]:
    return [layer for layer in layers(spec) if layer.get("data", {}).get("name") == name]


def data_names(spec: dict) -> set:
    """Every dataset a layer (or the spec) reads."""
    return {layer["data"]["name"] for layer in layers(spec) if "data" in layer}


def race_inputs(fn, start, steps, chosen=FOUR, hps=None):
    (bx0, bx1), (by0, by1) = fn.bounds
    window = ((min(bx0, start[0] - 0.25), max(bx1, start[0] + 0.25)),
              (min(by0, start[1] - 0.25), max(by1, start[1] + 0.25)))
    xs, ys, Z = ls.evaluate_grid(fn, n=61, bounds=window)
    traces = {k: opt.trace(k, fn, np.array(start), steps, **(hps or {}).get(k, {})) for k in chosen}
    minima = [(p[0], p[1]) for p in fn.known_critical_points if p[2] == "minimum"]
    return xs, ys, Z, traces, minima


def race_labels(t, fn) -> dict:
    return {"title": t("optimizers.race.map_title"), "subtitle": t("optimizers.race.map_sub"),
            "x": fn.var_names[0], "y": fn.var_names[1], "f": "f", "method": t("optimizers.method"),
            "step": t("optimizers.step"), "scrub": t("optimizers.race.scrub"), "minimum": t("optimizers.race.minimum")}


QUAD = ls.quadratic(20.0, 30)
QUAD_HP = {"gd": {"lr": 1.0}, "momentum": {"lr": 0.3}, "adam": {"lr": 0.1}}
ROSEN = ls.FUNCTIONS["rosenbrock"]
ROSEN_HP = {"gd": {"lr": 1e-3}, "momentum": {"lr": 2e-4}, "nesterov": {"lr": 2e-4}, "adagrad": {"lr": 0.5},
            "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05}}


# --- race_map -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_race_map_as_the_page_draws_it(lang):
    t = Translator(lang)
    xs, ys, Z, traces, minima = race_inputs(QUAD, (-1.8, 1.2), 100, hps=QUAD_HP)
    names = [t(f"optimizers.name.{k}") for k in FOUR]
    labels = race_labels(t, QUAD)
    spec = valid(charts.race_map(xs, ys, Z, {k: (traces[k].iterates, names[i]) for i, k in enumerate(FOUR)},
                                 minima, labels, 100))
    d = spec["datasets"]
    assert list(d) == ["start", "minima", "heat_image", "heat_legend", "heat", "paths"]
    assert data_names(spec) == set(d) - {"heat"}  # the grid of f is for the export; the image draws it
    assert len(d["heat"]) == 61 * 61 and set(d["heat"][0]) == {"x", "y", "f"}
    for k, name in zip(FOUR, names):
        steps = [r["step"] for r in d["paths"] if r["method"] == name]
        assert steps == list(range(len(traces[k].iterates)))  # ≤ 101 iterates: nothing thinned
    assert d["start"] == [{"x": -1.8, "y": 1.2, "step": 0, "method": names[0]}]
    assert d["minima"] == [{"x": 0.0, "y": 0.0, "name": t("optimizers.race.minimum")}]
    # the scrubber: a Vega parameter bound to a range input inside the chart
    assert spec["params"] == [{"name": "scrub", "value": 100, "bind": {
        "input": "range", "min": 0, "max": 100, "step": 1, "name": t("optimizers.race.scrub") + " "}}]
    bands, legend, faint, done, marker, start, minimum = layers(spec)
    assert bands["mark"] == {"type": "image", "aspect": False, "smooth": False, "opacity": 0.85, "clip": True,
                             "aria": False}
    assert legend["encoding"]["color"]["scale"] == {"type": "quantile", "range": list(SCHEMES[("greys", 9)])}
    assert "transform" not in faint and faint["mark"]["opacity"] == 0.35
    assert done["transform"] == [{"filter": "(datum.step <= scrub)"}]
    assert marker["transform"] == [
        {"filter": "(datum.step <= scrub)"},
        {"joinaggregate": [{"op": "max", "field": "step", "as": "last"}], "groupby": ["method"]},
        {"filter": "datum.step == datum.last"}]
    colours = [charts.OPTIMIZER_STYLE[k][0] for k in FOUR]
    for layer, channel in ((faint, "stroke"), (done, "color"), (marker, "color")):
        assert layer["encoding"][channel]["scale"] == {"domain": names, "range": colours}
    assert done["encoding"]["color"]["legend"] == {"orient": "right", "labelLimit": 260, "symbolStrokeWidth": 4}
    assert done["encoding"]["color"]["title"] == t("optimizers.method")
    assert done["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [1, 0], [1, 0], [8, 4]]
    assert [e["title"] for e in done["encoding"]["tooltip"][:2]] == [t("optimizers.method"), t("optimizers.step")]
    assert start["mark"]["shape"] == "square" and minimum["mark"]["shape"] == "cross"
    assert spec["resolve"] == {"scale": {"color": "independent", "stroke": "independent"}}
    assert (spec["width"], spec["height"], spec["autosize"]) == (540, 540, {"type": "pad"})
    assert spec["title"]["text"] == t("optimizers.race.map_title")
    assert "".join(spec["title"]["subtitle"]).replace(" ", "") == t("optimizers.race.map_sub").replace(" ", "")
    table = export_table(spec)  # the export menu: every dataset, columns named as the legend and axis titles
    assert list(table.columns) == ["x", "y", "step", t("optimizers.method"), "name", "f"]
    assert len(table) == 1 + 1 + 61 * 61 + len(d["paths"])
    strict_json(projector(spec))


def test_nine_optimizers_on_rosenbrock_are_thinned_and_all_coloured():
    t = Translator("en")
    xs, ys, Z, traces, minima = race_inputs(ROSEN, (-1.5, 2.0), 1000, opt.NAMES, ROSEN_HP)
    names = [t(f"optimizers.name.{k}") for k in opt.NAMES]
    spec = valid(charts.race_map(xs, ys, Z, {k: (traces[k].iterates, names[i]) for i, k in enumerate(opt.NAMES)},
                                 minima, race_labels(t, ROSEN), 1000))
    rows = spec["datasets"]["paths"]
    for name in names:
        steps = [r["step"] for r in rows if r["method"] == name]
        assert 0 < len(steps) <= charts.MAX_RACE_POINTS and steps[0] == 0 and steps == sorted(steps)
    gd = [r["step"] for r in rows if r["method"] == names[0]]
    assert len(gd) == charts.MAX_RACE_POINTS and gd[-1] == 1000  # thinned, last iterate kept
    scale = layers(spec)[3]["encoding"]["color"]["scale"]
    assert scale == {"domain": names, "range": [charts.OPTIMIZER_STYLE[k][0] for k in opt.NAMES]}
    assert spec["params"][0]["bind"]["max"] == 1000 and spec["params"][0]["value"] == 1000


def test_race_map_structure_stays_when_only_the_start_moves():
    t = Translator("zh")
    specs = []
    for start in ((-1.5, 1.2), (-1.2, 0.6)):  # both well inside the bounds: the same window
        xs, ys, Z, traces, minima = race_inputs(QUAD, start, 100, hps=QUAD_HP)
        specs.append(valid(charts.race_map(xs, ys, Z, {k: (traces[k].iterates, k) for k in FOUR}, minima,
                                           race_labels(t, QUAD), 100)))
    assert structure(specs[0]) == structure(specs[1])
    assert specs[0]["datasets"]["start"] != specs[1]["datasets"]["start"]
    assert specs[0]["datasets"]["heat"] == specs[1]["datasets"]["heat"]


def test_race_map_with_diverging_paths_nan_cells_and_one_optimizer():
    xs, ys, Z = ls.evaluate_grid(ROSEN, n=21)
    Z = Z.copy()
    Z[3:6, 4:9], Z[0, 0] = np.nan, np.inf
    labels = race_labels(Translator("en"), ROSEN)
    blown = np.array([[0.0, 1.0], [2.0, 3.0], [1e10, -1e12], [np.inf, np.nan], [np.nan, np.nan]])
    spec = valid(charts.race_map(xs, ys, Z, {"gd": (blown, "GD"), "adam": (np.array([[0.5, 0.5], [0.6, 0.55]]),
                                                                          "Adam")}, [(1.0, 1.0)], labels, 4))
    d = spec["datasets"]
    assert len(d["heat"]) == 21 * 21 - 16  # non-finite cells are not sent
    assert [(r["step"], r["x"]) for r in d["paths"] if r["method"] == "GD"] == [(0, 0.0), (1, 2.0), (2, 1e10)]
    assert all(v is not None for r in d["paths"] for v in r.values())
    # one optimizer, no known minimum, its first iterate not finite: no start or minimum marker
    spec = valid(charts.race_map(xs, ys, Z, {"adam": (np.array([[np.nan, 1.0], [0.0, 0.0]]), "Adam")}, [],
                                 labels, 1))
    assert list(spec["datasets"]) == ["heat_image", "heat_legend", "heat", "paths"] and len(layers(spec)) == 5
    assert spec["datasets"]["paths"] == [{"x": 0.0, "y": 0.0, "step": 1, "method": "Adam"}]
    assert layers(spec)[3]["encoding"]["color"]["scale"] == {"domain": ["Adam"], "range": ["#D55E00"]}
    spec = valid(charts.race_map(xs, ys, Z, {"gd": (np.full((3, 2), np.nan), "GD")}, [], labels, 2))
    assert spec["datasets"]["paths"] == []


# --- state_map ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_state_map_arrows_along_the_path(lang):
    t = Translator(lang)
    xs, ys, Z, traces, _ = race_inputs(ROSEN, (-1.5, 2.0), 1000, ("adam",), ROSEN_HP)
    tr = traces["adam"]
    labels = {"title": t("optimizers.inside.map_title", name=t("optimizers.name.adam")), "x": "x", "y": "y",
              "f": "f", "step": t("optimizers.step")}
    spec = valid(charts.state_map(xs, ys, Z, tr.iterates, opt.state_vectors(tr), labels))
    d = spec["datasets"]
    assert list(d) == ["path", "arrows", "heat_image", "heat_legend", "heat"] and data_names(spec) == set(d) - {"heat"}
    assert len(d["path"]) == charts.MAX_RACE_POINTS and d["path"][-1]["step"] == len(tr.iterates) - 1
    assert 1 < len(d["arrows"]) <= 14
    for r in d["arrows"]:
        assert r["x"] == tr.iterates[r["step"], 0] and r["y"] == tr.iterates[r["step"], 1]
        assert -180 <= r["angle"] <= 180
    span = min(xs[-1] - xs[0], ys[-1] - ys[0])
    longest = max(np.hypot(r["x2"] - r["x"], r["y2"] - r["y"]) for r in d["arrows"])
    assert longest == pytest.approx(0.12 * span)
    bands, legend, line, shaft, head = layers(spec)
    assert bands["data"] == {"name": "heat_image"} and line["mark"]["color"] == "#D55E00"
    assert shaft["mark"]["type"] == "rule" and head["mark"]["shape"] == "triangle"
    assert head["encoding"]["angle"] == {"field": "angle", "type": "quantitative", "scale": None}
    assert line["encoding"]["tooltip"][0]["title"] == t("optimizers.step")
    assert spec["title"]["text"] == labels["title"] and "subtitle" not in spec["title"]
    assert (spec["width"], spec["height"]) == (540, 540)


def test_state_map_structure_stays_when_the_run_changes():
    xs, ys, Z, _, _ = race_inputs(QUAD, (-1.8, 1.2), 100)
    labels = {"title": "T", "x": "x", "y": "y", "f": "f", "step": "k"}
    specs = [valid(charts.state_map(xs, ys, Z, tr.iterates, opt.state_vectors(tr), labels)) for tr in
             (opt.trace("momentum", QUAD, np.array([-1.8, 1.2]), 100, lr=lr) for lr in (0.3, 0.05))]
    assert structure(specs[0]) == structure(specs[1]) and specs[0]["datasets"] != specs[1]["datasets"]


def test_state_map_of_a_diverging_run():
    xs, ys, Z = ls.evaluate_grid(ROSEN, n=21)
    path = np.array([[0.0, 1.0], [2.0, 3.0], [1e10, -1e12], [np.inf, np.nan], [np.nan, np.nan]])
    vectors = np.array([[1.0, 0.0], [np.inf, 0.0], [0.0, 0.0], [1.0, 1.0], [np.nan, 1.0]])
    spec = valid(charts.state_map(xs, ys, Z, path, vectors, {"title": "T", "x": "x", "y": "y", "f": "f",
                                                             "step": "k"}))
    assert [r["x"] for r in spec["datasets"]["path"]] == [0.0, 2.0, 1e10, None, None]  # null, as Altair sent
    assert all(v is not None for r in spec["datasets"]["arrows"] for v in r.values())
    spec = valid(charts.state_map(xs, ys, Z, np.zeros((1, 2)), np.zeros((1, 2)), {"title": "T", "x": "x", "y": "y",
                                                                                  "f": "f", "step": "k"}))
    assert spec["datasets"]["arrows"] == [] and len(spec["datasets"]["path"]) == 1


# --- directional_chart --------------------------------------------------------------------------------------

def _directional(t, start):
    dd = oned.directional_derivatives(QUAD, np.array(start))
    walked = oned.slopes_along(QUAD, np.array(start))
    labels = {"title": t("optimizers.dir.title"), "subtitle": t("optimizers.dir.subtitle"),
              "x": t("optimizers.dir.x"), "y": t("optimizers.dir.y"), "formula": t("optimizers.dir.formula"),
              "measured": t("optimizers.dir.measured"), "steepest": t("optimizers.dir.steepest")}
    return dd, walked, valid(charts.directional_chart(dd.angles_deg, dd.values, dd.grad_angle_deg, dd.grad_norm,
                                                      *walked, labels))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_directional_chart(lang):
    t = Translator(lang)
    dd, walked, spec = _directional(t, (-1.8, 1.2))
    d = spec["datasets"]
    assert list(d) == ["zero", "curve", "measured", "steepest"] and data_names(spec) == set(d)
    assert len(d["curve"]) == len(dd.angles_deg) and len(d["measured"]) == len(walked[0])
    assert d["steepest"] == [{"a": dd.grad_angle_deg, "v": dd.grad_norm, "text": t("optimizers.dir.steepest")}]
    zero, curve, dots, rule, star, text = layers(spec)
    names = [t("optimizers.dir.formula"), t("optimizers.dir.measured")]
    for layer in (curve, dots):
        assert layer["encoding"]["color"]["scale"] == {"domain": names, "range": ["#0072B2", "#D55E00"]}
        assert layer["encoding"]["color"]["title"] is None
    assert curve["encoding"]["x"]["axis"] == {"values": [0, 45, 90, 135, 180, 225, 270, 315, 360]}
    assert curve["encoding"]["x"]["title"] == t("optimizers.dir.x")
    assert star["mark"]["shape"] == "diamond" and text["encoding"]["text"]["field"] == "text"
    assert spec["height"] == 340 and spec["width"] == "container"
    assert spec["title"]["text"] == t("optimizers.dir.title")


def test_directional_chart_structure_stays_when_the_start_moves_and_nan_is_null():
    t = Translator("en")
    _, _, a = _directional(t, (-1.8, 1.2))
    _, _, b = _directional(t, (0.5, -1.0))
    assert structure(a) == structure(b) and a["datasets"]["steepest"] != b["datasets"]["steepest"]
    spec = valid(charts.directional_chart(np.linspace(0, 360, 4), np.array([1.0, np.nan, np.inf, 0.0]), 45.0, 3.0,
                                          np.array([0.0]), np.array([np.nan]),
                                          {"title": "T", "x": "a", "y": "v", "formula": "f", "measured": "m",
                                           "steepest": "s"}))
    assert [r["v"] for r in spec["datasets"]["curve"]] == [1.0, None, None, 0.0]
    assert spec["datasets"]["measured"] == [{"a": 0.0, "v": None, "series": "m"}]


# --- series_chart -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_series_charts_of_the_race(lang):
    t = Translator(lang)
    _, _, _, traces, _ = race_inputs(ROSEN, (-1.5, 2.0), 1000, opt.NAMES, ROSEN_HP)
    names = {k: t(f"optimizers.name.{k}") for k in opt.NAMES}
    colors = {names[k]: charts.OPTIMIZER_STYLE[k][0] for k in opt.NAMES}
    dashes = {names[k]: charts.OPTIMIZER_STYLE[k][1] for k in opt.NAMES}
    loss = valid(charts.series_chart({names[k]: traces[k].losses for k in opt.NAMES}, {
        "title": t("optimizers.race.loss_title"), "subtitle": t("optimizers.race.loss_sub"), "x": t("optimizers.step"),
        "y": "f", "series": t("optimizers.method"), "wrap": 52}, "symlog", colors, dashes))
    grad = valid(charts.series_chart({names[k]: traces[k].grad_norms for k in opt.NAMES}, {
        "title": t("optimizers.race.grad_title"), "subtitle": t("optimizers.race.grad_sub"), "x": t("optimizers.step"),
        "y": "‖∇f‖", "series": t("optimizers.method"), "wrap": 52}, "log", colors, dashes))
    for spec in (loss, grad):
        enc = spec["encoding"]
        assert list(spec["datasets"]) == ["series"] and spec["data"] == {"name": "series"}
        assert enc["color"]["scale"] == {"domain": list(colors), "range": list(colors.values())}
        assert enc["strokeDash"]["scale"] == {"domain": list(dashes), "range": list(dashes.values())}
        assert enc["color"]["legend"] == {"columns": 3} and enc["color"]["title"] == t("optimizers.method")
        assert all(len([r for r in spec["datasets"]["series"] if r["series"] == n]) <= 400 for n in colors)
        assert all(len(line) <= 52 for line in spec["title"]["subtitle"])
    assert loss["encoding"]["y"]["scale"] == {"type": "symlog"} and "axis" not in loss["encoding"]["y"]
    assert grad["encoding"]["y"]["scale"] == {"type": "log"} and grad["encoding"]["y"]["axis"] == {"format": ".0e"}
    assert all(r["v"] > 0 for r in grad["datasets"]["series"])
    assert loss["title"]["text"] == t("optimizers.race.loss_title") and loss["height"] == 320


def test_series_chart_inside_sgd_and_quizzes():
    t = Translator("zh")
    tr = opt.trace("adam", ROSEN, np.array([-1.5, 2.0]), 300, lr=0.05)
    left, left_log, right, right_log = opt.state_series(tr)
    spec = valid(charts.series_chart(left, {"title": t("optimizers.inside.state_title"), "x": t("optimizers.step"),
                                            "y": t("optimizers.inside.value"), "wrap": 52}, "linear"))
    assert spec["encoding"]["y"]["scale"] == {"zero": False} and spec["encoding"]["color"]["title"] is None
    assert spec["encoding"]["tooltip"][0]["title"] == " "
    assert spec["encoding"]["color"]["scale"]["range"] == ["#0072B2", "#D55E00", "#009E73", "#CC79A7"][:len(left)]
    problem = sgd.make_problem("linear", n=200, seed=0)
    run = sgd.minibatch_sgd(problem, 16, 0.05, 10, seed=0, last_batch="keep")
    gap = run.full_loss - sgd.exact_minimum(problem).loss
    spec = valid(charts.series_chart({"B = 16": (sgd.epoch_axis(run, 200), gap)},
                                     {"title": "T", "x": t("optimizers.sgd.epoch"), "y": "gap"}, "log"))
    rows = spec["datasets"]["series"]
    assert 0 < len(rows) <= 400 and rows[-1]["step"] == pytest.approx(10.0) and all(r["v"] > 0 for r in rows)
    bounce = {lr: oned.iterate(oned.FUNCTIONS_1D["parabola"], 1.0, lr, 12).xs for lr in (0.5, 1.0, 1.5)}
    spec = valid(charts.series_chart({f"α = {lr:g}": xs for lr, xs in bounce.items()},
                                     {"title": "T", "x": "k", "y": "x", "series": "α"}, "linear"))
    assert len(spec["datasets"]["series"]) == 3 * 13


def test_series_chart_empty_zeros_and_non_finite():
    labels = {"title": "T", "x": "s", "y": "v", "series": "名称"}
    spec = valid(charts.series_chart({"a": np.array([])}, labels, "log"))
    assert spec["datasets"]["series"] == [] and spec["encoding"]["color"]["scale"]["domain"] == ["a"]
    spec = valid(charts.series_chart({"a": np.array([0.0, 1.0, -2.0, np.nan, 1e-3]), "b": np.zeros(4)}, labels, "log"))
    assert spec["datasets"]["series"] == [{"step": 1.0, "v": 1.0, "series": "a"},
                                          {"step": 4.0, "v": 1e-3, "series": "a"}]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["a", "b"]  # a series with nothing left keeps its colour
    spec = valid(charts.series_chart({"a": np.array([-1.0, np.inf, 3.0])}, labels, "symlog", height=250))
    assert [r["v"] for r in spec["datasets"]["series"]] == [-1.0, 3.0] and spec["height"] == 250
    a = valid(charts.series_chart({"a": np.arange(1.0, 5.0)}, labels, "log"))
    b = valid(charts.series_chart({"a": np.arange(2.0, 9.0)}, labels, "log"))
    assert structure(a) == structure(b) and a["datasets"] != b["datasets"]


# --- data_fit_chart and loglog_chart -----------------------------------------------------------------------

@pytest.mark.parametrize("lang,task", [("en", "linear"), ("zh", "logistic")])
def test_data_fit_chart(lang, task):
    t = Translator(lang)
    problem = sgd.make_problem(task, n=200, seed=0)
    runs = {b: sgd.minibatch_sgd(problem, b, 0.05, 10, seed=0) for b in (16, 200)}
    gx = np.linspace(float(problem.X.min()), float(problem.X.max()), 120)
    names = [t("optimizers.sgd.series", b=16), t("optimizers.sgd.full", b=200)]
    fits = {names[i]: sgd.predict(problem, r.ws[-1], gx) for i, r in enumerate(runs.values())}
    spec = valid(charts.data_fit_chart(problem.X, problem.y, gx, fits, {
        "title": t(f"optimizers.sgd.fit_title.{task}"), "subtitle": t("optimizers.sgd.fit_sub"), "x": "x", "y": "y",
        "series": t("optimizers.sgd.batch_series"), "wrap": 52, "data": t("optimizers.sgd.data")}))
    d = spec["datasets"]
    assert list(d) == ["points", "fits"] and data_names(spec) == set(d)
    assert len(d["points"]) == 200 and {r["series"] for r in d["points"]} == {t("optimizers.sgd.data")}
    assert len(d["fits"]) == 2 * 120
    enc = layers(spec)[1]["encoding"]
    assert enc["color"]["scale"] == {"domain": names, "range": ["#D55E00", "#0072B2"]}
    assert enc["strokeDash"]["scale"] == {"domain": names, "range": [[1, 0], [7, 4]]}
    assert enc["color"]["title"] == t("optimizers.sgd.batch_series")
    assert spec["title"]["text"] == t(f"optimizers.sgd.fit_title.{task}") and spec["height"] == 340
    spec = valid(charts.data_fit_chart(np.array([0.0, 1.0, np.nan]), np.array([1.0, np.inf, 2.0]),
                                       np.linspace(0, 1, 3), {"a": np.array([0.0, np.nan, 1.0])},
                                       {"title": "T", "x": "x", "y": "y", "series": "s", "data": "d"}))
    assert [r["y"] for r in spec["datasets"]["points"]] == [1.0, None, 2.0]
    assert [r["y"] for r in spec["datasets"]["fits"]] == [0.0, None, 1.0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_loglog_chart(lang):
    t = Translator(lang)
    problem = sgd.make_problem("linear", n=200, seed=0)
    sizes = np.array([1, 2, 4, 8, 16, 32, 64, 128])
    noise = sgd.gradient_noise(problem, np.zeros(2), sizes, seed=0)
    names = [t("optimizers.sgd.measured"), t("optimizers.sgd.theory")]
    labels = {"title": t("optimizers.sgd.noise_title"), "subtitle": t("optimizers.sgd.noise_sub"),
              "x": t("optimizers.sgd.b_axis"), "y": t("optimizers.sgd.noise_y"), "wrap": 52, "series": " "}
    specs = [valid(charts.loglog_chart(sizes, {names[0]: (noise.measured, [1, 0]), names[1]: (noise.theory, [6, 3])},
                                       labels, float(b))) for b in (16, 3)]
    spec = specs[0]
    d = spec["datasets"]
    assert list(d) == ["loglog", "current"] and d["current"] == [{"b": 16.0}] and len(d["loglog"]) == 16
    line, dots, rule = layers(spec)
    assert line["encoding"]["color"]["scale"] == {"domain": names, "range": ["#0072B2", "#D55E00"]}
    assert line["encoding"]["strokeDash"]["scale"] == {"domain": names, "range": [[1, 0], [6, 3]]}
    assert line["encoding"]["x"]["axis"]["values"] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]
    assert line["encoding"]["x"]["scale"] == {"type": "log"} == line["encoding"]["y"]["scale"]
    assert rule["mark"]["strokeDash"] == [4, 3] and dots["mark"]["type"] == "point"
    assert spec["title"]["text"] == t("optimizers.sgd.noise_title")
    # the learner's batch size is data: moving it changes only the datasets
    assert structure(specs[0]) == structure(specs[1]) and specs[1]["datasets"]["current"] == [{"b": 3.0}]


def test_loglog_chart_drops_zeros_and_draws_no_rule_without_a_batch():
    spec = valid(charts.loglog_chart(np.array([1, 2, 4, 8]), {"a": (np.array([0.0, 1.0, np.nan, 2.0]), [1, 0]),
                                                             "b": (np.zeros(4), [6, 3])},
                                     {"title": "T", "x": "B", "y": "v", "series": "s"}))
    assert spec["datasets"] == {"loglog": [{"b": 2.0, "v": 1.0, "series": "a"}, {"b": 8.0, "v": 2.0, "series": "a"}]}
    assert [layer["mark"]["type"] for layer in layers(spec)] == ["line", "point"]
    assert layers(spec)[0]["encoding"]["color"]["scale"]["domain"] == ["a", "b"]

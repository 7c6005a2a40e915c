"""Chart builders of the softmax and conditioning pages, written as Vega-Lite dicts: valid against the schema with
the pages' own inputs and with broken ones (nan, inf, everything broken, many classes); the data are plain JSON
values in named datasets; what a slider moves is data, not spec."""
import json

import numpy as np
import pytest

from core import conditioning as cd
from core import floats
from core import softmax as sm
from core.charts import conditioning as cc
from core.charts import softmax as cs
from core.charts.landscape import SCHEMES
from core.charts.style import FORMAT_COLORS, export_table
from tests.images import pixels, rgba
from ui.i18n import Translator

SHIFTS = np.linspace(-2000.0, 2000.0, 401)  # as on the softmax page
KAPPAS = np.logspace(0, 2.75, 23)  # as on the conditioning page
LANGS = ("en", "zh")


def valid(chart) -> dict:
    spec = chart.to_dict(validate=True)
    # plain JSON: no numpy scalars, no nan / inf (json.dumps raises on both)
    json.dumps(spec, allow_nan=False)
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            assert all(type(v) in (int, float, str, bool, type(None)) for v in row.values()), row
    return spec


def structure(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def layer(spec: dict, dataset: str, mark: str) -> dict:
    return next(la for la in spec["layer"] if la.get("data", {}).get("name") == dataset
                and la["mark"]["type"] == mark)


# --- softmax ------------------------------------------------------------------------------------------------

def exp_labels(t, fmt):
    return {"title": t("softmax.exp.title", fmt=fmt), "subtitle": t("softmax.exp.subtitle"), "x": "x",
            "y": t("softmax.exp.y", fmt=fmt), "overflow": t("softmax.exp.overflow"),
            "underflow": t("softmax.exp.underflow"), "zone": t("softmax.exp.zone"), "limit": t("softmax.exp.limit")}


def method_labels(t):
    return {"naive": t("softmax.naive"), "stable": t("softmax.stable"), "method": t("softmax.method")}


def bar_labels(t, fmt="float64"):
    return {**method_labels(t), "title": t("softmax.bars.title", fmt=fmt), "subtitle": t("softmax.bars.subtitle"),
            "x": t("softmax.class"), "y": t("softmax.prob")}


def shift_labels(t, c=0.0):
    return {"title": t("softmax.shift.title", fmt="float64"), "subtitle": t("softmax.shift.subtitle"),
            "x": t("softmax.shift.x"), "y": t("softmax.error"), "ok": t("softmax.ok"), "broken": t("softmax.broken"),
            "state": t("softmax.state"), "current": t("softmax.current", v=f"{c:g}")}


def sweep_labels(t, s=1.0):
    return {**method_labels(t), "title": t("softmax.sweep.title"), "subtitle": t("softmax.sweep.subtitle"),
            "x": t("softmax.sweep.x"), "y": t("softmax.error"), "format": t("softmax.format"),
            "broken": t("softmax.broken"), "current": t("softmax.current", v=f"{s:g}")}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", floats.FORMATS)
def test_exp_range_chart_draws_the_finite_part_and_both_limits(lang, fmt):
    t = Translator(lang)
    info, curve = floats.float_info(fmt), floats.exp_curve(fmt)
    spec = valid(cs.exp_range_chart(curve.x, curve.y, info.exp_overflow, info.exp_underflow, exp_labels(t, fmt)))
    finite = np.isfinite(curve.y) & (curve.y > 0)
    assert len(spec["datasets"]["curve"]) == int(finite.sum()) > 100
    assert [r["y"] for r in spec["datasets"]["curve"]] == curve.y[finite].astype(float).tolist()
    assert [r["x"] for r in spec["datasets"]["limits"]] == [info.exp_underflow, info.exp_overflow]
    assert spec["datasets"]["limits"][1]["label"] == f"x = {info.exp_overflow:.4g}"
    zone = layer(spec, "zones", "rect")["encoding"]["color"]["scale"]
    assert zone == {"domain": [t("softmax.exp.underflow"), t("softmax.exp.overflow")],
                    "range": ["#56B4E9", "#E69F00"]}
    assert layer(spec, "curve", "line")["encoding"]["y"]["scale"] == {"type": "log"}
    assert spec["title"]["text"] == t("softmax.exp.title", fmt=fmt) and spec["height"] == 420
    assert spec["width"] == "container"


@pytest.mark.parametrize("lang", LANGS)
def test_probability_chart_lists_nan_and_inf_instead_of_drawing_them(lang):
    t = Translator(lang)
    x = np.array([123.0, 456.0, 789.0])
    naive, stable = sm.softmax(x, "float64", stable=False), sm.softmax(x, "float64", stable=True)
    spec = valid(cs.probability_chart(naive, stable, bar_labels(t)))
    rows = spec["datasets"]["probs"]
    assert len(rows) == 6 and [r["cls"] for r in rows] == [0, 1, 2] * 2
    bad = [r for r in rows if r["bad"]]
    assert [(r["method"], r["cls"], r["shown"], r["p"]) for r in bad] == [(t("softmax.naive"), 2, "nan", 0.0)]
    assert rows[5]["p"] == pytest.approx(1.0) and rows[5]["shown"] == "1"
    bars, text = spec["layer"]
    assert bars["encoding"]["color"]["scale"] == {"domain": [t("softmax.naive"), t("softmax.stable")],
                                                  "range": ["#D55E00", "#0072B2"]}
    assert bars["encoding"]["opacity"] == {"condition": {"test": "datum.bad", "value": 0.0}, "value": 1.0}
    assert text["transform"] == [{"filter": "datum.bad"}] and text["mark"]["fontSize"] == 15
    assert spec["data"] == {"name": "probs"} and spec["height"] == 360


def test_probability_chart_with_everything_broken_and_many_classes():
    n = sm.MAX_LOGITS
    spec = valid(cs.probability_chart(np.full(n, np.nan), np.r_[np.inf, -np.inf, np.full(n - 2, np.nan)],
                                      bar_labels(Translator("zh"), "float16")))
    rows = spec["datasets"]["probs"]
    assert len(rows) == 2 * n and all(r["bad"] and r["p"] == 0.0 for r in rows)
    assert [r["shown"] for r in rows[n:n + 3]] == ["inf", "-inf", "nan"]
    assert spec["layer"][1]["mark"]["fontSize"] == 10  # small labels under many bars


@pytest.mark.parametrize("lang", LANGS)
def test_shift_chart_puts_errors_on_the_log_axis_and_the_slider_in_its_own_dataset(lang):
    t = Translator(lang)
    err, broken = sm.shift_scan(np.array([123.0, 456.0, 789.0]), "float64", SHIFTS)
    spec = valid(cs.shift_chart(SHIFTS, err, broken, 0.0, shift_labels(t)))
    rows = spec["datasets"]["errors"]
    assert len(rows) == 401 and all(cs.ERROR_FLOOR <= r["err"] <= 1.0 for r in rows)
    assert {r["state"] for r in rows} == {t("softmax.ok"), t("softmax.broken")}
    assert sum(r["state"] == t("softmax.broken") for r in rows) == int(np.sum(broken))
    assert spec["datasets"]["now"] == [{"c": 0.0, "label": t("softmax.current", v="0")}]
    points = layer(spec, "errors", "point")["encoding"]
    assert points["color"]["scale"] == {"domain": [t("softmax.ok"), t("softmax.broken")],
                                        "range": ["#0072B2", "#D55E00"]}
    assert points["shape"]["scale"]["range"] == ["circle", "cross"]
    assert points["y"]["scale"] == {"type": "log", "domain": [cs.ERROR_FLOOR, 2]}
    # moving the shift slider changes the data only
    labels = {**shift_labels(t), "current": "c = 500"}
    moved = valid(cs.shift_chart(SHIFTS, err, broken, 500.0, labels))
    assert structure(moved) == structure(spec)
    assert moved["datasets"]["now"] == [{"c": 500.0, "label": "c = 500"}]


def test_shift_chart_draws_nan_and_inf_errors_at_the_top_and_zero_at_the_floor():
    err = np.array([np.nan, np.inf, -np.inf, 0.0, 1e-3])
    spec = valid(cs.shift_chart(np.arange(5.0), err, err != err, 2.0, shift_labels(Translator("en"))))
    assert [r["err"] for r in spec["datasets"]["errors"]] == [1.0, 1.0, cs.ERROR_FLOOR, cs.ERROR_FLOOR, 1e-3]
    assert [r["state"] for r in spec["datasets"]["errors"]].count(Translator("en")("softmax.broken")) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_sweep_chart_has_one_line_per_format_and_method(lang):
    t = Translator(lang)
    sweep = sm.breakdown_sweep(np.array([123.0, 456.0, 789.0]))
    series = {k: (sweep.error[k], sweep.broken[k]) for k in sweep.error}
    spec = valid(cs.sweep_chart(sweep.scales, series, 1.0, sweep_labels(t)))
    rows = spec["datasets"]["errors"]
    assert len(rows) == len(series) * len(sweep.scales)
    assert {(r["fmt"], r["method"]) for r in rows} == {(f, t(f"softmax.{m}")) for f, m in series}
    assert sum(r["broken"] == t("softmax.broken") for r in rows) == sum(int(b.sum()) for _, b in series.values())
    line = layer(spec, "errors", "line")["encoding"]
    fmts = list(dict.fromkeys(f for f, _ in series))
    assert line["color"]["scale"] == {"domain": fmts, "range": [FORMAT_COLORS[f] for f in fmts]}
    assert line["strokeDash"]["scale"] == {"domain": [t("softmax.naive"), t("softmax.stable")],
                                           "range": [[6, 4], [1, 0]]}
    assert "strokeDash" not in layer(spec, "errors", "point")["encoding"]
    assert spec["datasets"]["now"] == [{"scale": 1.0, "label": t("softmax.current", v="1")}]
    assert spec["height"] == 480 and spec["title"]["text"] == t("softmax.sweep.title")
    moved = valid(cs.sweep_chart(sweep.scales, series, 100.0, sweep_labels(t, 100.0)))
    assert structure(moved) == structure(spec) and moved["datasets"]["now"][0]["scale"] == 100.0
    # the export menu names the columns by the axis and legend titles
    table = export_table(spec)
    assert {t("softmax.format"), t("softmax.method"), t("softmax.sweep.x"), t("softmax.error")} <= set(table.columns)


# --- conditioning -------------------------------------------------------------------------------------------

def names(t):
    return {"gd": t("conditioning.gd.gd"), "newton": t("conditioning.gd.newton"), "cg": t("conditioning.gd.cg")}


def cloud_labels(t):
    return {"x": t("conditioning.sens.axis", i=1), "y": t("conditioning.sens.axis", i=2),
            "title": t("conditioning.sens.out_title"), "subtitle": t("conditioning.sens.out_sub"),
            "outline": t("conditioning.sens.ellipse")}


@pytest.mark.parametrize("lang", LANGS)
def test_cloud_chart_has_equal_fixed_axes_around_every_point(lang):
    t = Translator(lang)
    A = cd.matrix_from_svd(1.0, 0.1, 30)
    b = A @ np.ones(2)
    cloud = cd.perturb_b(A, b, 1e-3, seed=0)
    pts, outline = cloud.dx[:, :2] / np.linalg.norm(cloud.x), cd.image_of_circle(A, b, 1e-3)
    spec = valid(cc.cloud_chart(pts, outline, cloud_labels(t), "#D55E00"))
    assert len(spec["datasets"]["points"]) == len(pts) == 200
    assert [r["i"] for r in spec["datasets"]["outline"]] == list(range(len(outline)))
    m = 1.1 * max(np.abs(pts).max(), np.abs(outline).max())
    dots = layer(spec, "points", "circle")
    # equal axes [−m, m]: two unseen corner points set both scales, so the spec does not hold m
    assert dots["encoding"]["x"]["scale"] == dots["encoding"]["y"]["scale"] == {"nice": False, "zero": False}
    corners = spec["datasets"]["axes_frame"]  # m to six significant digits, as every value of the cloud
    assert [r["u"] for r in corners] == [r["v"] for r in corners] == pytest.approx([-m, m], rel=1e-6)
    got = np.array([[r["u"], r["v"]] for r in spec["datasets"]["points"]])
    np.testing.assert_allclose(got, pts, rtol=1e-5)
    assert layer(spec, "axes_frame", "point")["mark"]["opacity"] == 0
    bigger = valid(cc.cloud_chart(10 * pts, 10 * outline, cloud_labels(t), "#D55E00"))
    assert structure(bigger) == structure(spec) and bigger["datasets"]["axes_frame"][1]["u"] == pytest.approx(10 * m)
    assert dots["mark"]["color"] == "#D55E00"
    assert spec["width"] == spec["height"] == 380 and spec["autosize"] == {"type": "pad"}


def test_the_input_cloud_is_the_same_chart_for_every_matrix():
    """δb/‖b‖ = εu whatever A is: rounded, the input panel's data are equal, so a move of the matrix's sliders
    leaves that chart alone in the browser."""
    t = Translator("en")
    points, specs = [], []
    for s2 in (0.1, 0.0316, 0.562):
        A = cd.matrix_from_svd(1.0, s2, 30)
        b = A @ np.ones(2)
        points.append(cd.perturb_b(A, b, 1e-3, seed=0).db[:, :2] / np.linalg.norm(b))
        specs.append(cc.cloud_chart(points[-1], cd.circle(1e-3), cloud_labels(t), "#0072B2").to_dict())
    assert not np.array_equal(points[0], points[1])  # they differ in the last bits
    np.testing.assert_allclose(points[0], points[1], rtol=1e-12)
    assert specs[0] == specs[1] == specs[2]


def test_cloud_chart_with_nan_inf_or_nothing_but_zeros():
    t = Translator("en")
    pts = np.array([[np.nan, 1.0], [np.inf, -2.0], [0.5, 0.5]])
    spec = valid(cc.cloud_chart(pts, np.zeros((4, 2)), cloud_labels(t), "#0072B2", size=300))
    assert [r["u"] for r in spec["datasets"]["points"]] == [None, None, 0.5]  # not drawn, as with Altair
    assert [r["u"] for r in spec["datasets"]["axes_frame"]] == pytest.approx([-2.2, 2.2])
    spec = valid(cc.cloud_chart(np.zeros((3, 2)), np.zeros((4, 2)), cloud_labels(t), "#0072B2"))
    assert [r["u"] for r in spec["datasets"]["axes_frame"]] == [-1.0, 1.0]


@pytest.mark.parametrize("lang", LANGS)
def test_hilbert_charts(lang):
    t = Translator(lang)
    hd = cd.hilbert_digits()
    spec = valid(cc.hilbert_kappa_chart(hd.n, hd.kappa, {"title": t("conditioning.hilbert.kappa_title"), "x": "n",
                                                          "y": t("conditioning.hilbert.kappa_y")}))
    assert [r["n"] for r in spec["datasets"]["kappa"]] == hd.n.tolist()
    assert [r["kappa"] for r in spec["datasets"]["kappa"]] == pytest.approx(hd.kappa.tolist())
    assert [la["mark"]["type"] for la in spec["layer"]] == ["line", "point"] and "subtitle" not in spec["title"]
    labels = {"title": t("conditioning.hilbert.digits_title"), "subtitle": t("conditioning.hilbert.digits_sub"),
              "x": "n", "y": t("conditioning.hilbert.digits_y"), "rule": t("conditioning.hilbert.rule"),
              "series": t("conditioning.hilbert.series"), "all_lost": t("conditioning.hilbert.all_lost")}
    spec = valid(cc.hilbert_digits_chart(hd.n, np.log10(hd.kappa), hd.digits_lost, hd.available, labels))
    rows = spec["datasets"]["digits"]
    assert len(rows) == len(hd.n) * (1 + len(hd.digits_lost)) and max(r["digits"] for r in rows) <= 18
    enc = layer(spec, "digits", "line")["encoding"]
    assert enc["color"]["scale"]["domain"] == [labels["rule"], *hd.digits_lost]
    assert enc["color"]["scale"]["range"][0] == "#777" and enc["strokeDash"]["scale"]["range"][0] == [6, 4]
    assert [r["label"] for r in spec["datasets"]["caps"]] == [labels["all_lost"].format(fmt=f)
                                                               for f in hd.digits_lost]
    # a failed solve (nan) or an infinite κ: not drawn / capped, still valid
    broken = valid(cc.hilbert_digits_chart([2, 3], [np.inf, np.nan], {"float32": np.array([np.nan, 1.0])},
                                           {"float32": 7.2}, labels))
    assert [r["digits"] for r in broken["datasets"]["digits"]] == [18.0, None, None, 1.0]


def descent(lang="en", lr_f=1.8, steps=100, s2=0.1):
    t = Translator(lang)
    A = cd.matrix_from_svd(1.0, s2, 30)
    b = A @ np.ones(2)
    lam, vecs = cd.hessian_eig(A)
    lr = lr_f / lam[-1]
    x0 = cd.start_point(A, b, 135)
    run = cd.gd_run(A, b, lr, steps, x0)
    paths = {"gd": run.iterates, "newton": cd.newton_path(A, b, x0), "cg": cd.cg_path(A, b, x0)}
    center, half = cd.view_window(A, b, x0)
    xs, ys, Z = cd.loss_grid(A, b, center, half, n=45)
    scaled = vecs * (0.8 * half * np.sqrt(lam / lam[-1]).clip(0.15, 1))
    labels = {**names(t), "title": t("conditioning.gd.map_title"), "subtitle": t("conditioning.gd.map_sub"),
              "x": "x₁", "y": "x₂", "loss": "√f", "method": t("conditioning.gd.method"),
              "step": t("conditioning.gd.step"), "eig": t("conditioning.gd.eig"),
              "eig_min": t("conditioning.gd.eig_min"), "eig_max": t("conditioning.gd.eig_max")}
    return t, A, b, run, paths, (xs, ys, Z, paths, run.x_star, scaled, (center, half), labels)


@pytest.mark.parametrize("lang", LANGS)
def test_landscape_chart(lang):
    t, A, b, run, paths, args = descent(lang)
    spec = valid(cc.landscape_chart(*args))
    assert len(spec["datasets"]["heat"]) == 45 * 45
    assert [r["name"] for r in spec["datasets"]["eig"]] == [t("conditioning.gd.eig_min"),
                                                          t("conditioning.gd.eig_max")]
    rows = spec["datasets"]["paths"]
    assert sum(r["key"] == "gd" for r in rows) == len(run.iterates)
    assert {r["method"] for r in rows} == set(names(t).values())
    dots = layer(spec, "paths", "point")["encoding"]
    assert dots["color"]["scale"] == {"domain": list(names(t).values()), "range": ["#D55E00", "#009E73", "#CC79A7"]}
    (cx, cy), h = args[6]
    assert dots["x"]["scale"] == {"domain": pytest.approx([cx - h, cx + h], rel=1e-11), "nice": False}
    # √f in five equal bands of a round range, painted a pixel per cell; the legend's quantize scale spans the
    # same range
    lo, hi = (r["f"] for r in spec["datasets"]["heat_legend"])
    level = np.sqrt(np.maximum(args[2], 0))
    assert (lo, hi) == (0.0, 0.9) and lo <= level.min() and level.max() <= hi
    band = np.minimum(np.floor((level - lo) / (hi - lo) * 5), 4).astype(int)
    colours = np.array([rgba(c) for c in SCHEMES[("blues", 5)]])
    px = pixels(spec)[0]
    assert px.shape == (45, 45, 4)
    near_edge = np.abs((level - lo) / (hi - lo) * 5 - np.round((level - lo) / (hi - lo) * 5)) < 1e-9
    assert (px[~near_edge] == colours[band][~near_edge]).all()
    picture, legend = spec["layer"][0]["layer"]
    assert picture["mark"]["type"] == "image" and picture["encoding"]["x"]["scale"] == dots["x"]["scale"]
    assert legend["encoding"]["color"]["scale"] == {"type": "quantize", "zero": False,
                                                    "range": list(SCHEMES[("blues", 5)])}
    assert legend["encoding"]["color"]["title"] == "√f"
    assert "url" not in export_table(spec).columns and len(export_table(spec)) == 45 * 45 + len(rows) + 2
    assert spec["width"] == spec["height"] == 560
    # the learning-rate and steps sliders change the paths only
    moved = valid(cc.landscape_chart(*descent(lang, lr_f=1.2, steps=40)[-1]))
    assert structure(moved) == structure(spec) and moved["datasets"]["paths"] != rows


def test_landscape_and_loss_charts_of_a_diverging_run_drop_its_non_finite_steps():
    t, A, b, run, paths, args = descent(lr_f=2.2, steps=500, s2=0.01)
    assert run.diverged_at is not None
    spec = valid(cc.landscape_chart(*args))
    gd = [r for r in spec["datasets"]["paths"] if r["key"] == "gd"]
    assert 0 < len(gd) <= cc.MAX_PATH_POINTS and all(np.isfinite([r["x"], r["y"]]).all() for r in gd)
    losses = {k: cd.loss(A, b, p) for k, p in paths.items()}
    losses["newton"] = np.array([np.nan, np.inf, 0.0, 2.0])
    labels = {**names(t), "title": t("conditioning.gd.loss_title"), "x": t("conditioning.gd.step"),
              "y": t("conditioning.gd.loss_y"), "method": t("conditioning.gd.method")}
    spec = valid(cc.loss_chart(losses, labels))
    rows = spec["datasets"]["loss"]
    assert [(r["step"], r["loss"]) for r in rows if r["method"] == names(t)["newton"]] == [(2, cc.LOSS_FLOOR),
                                                                                          (3, 2.0)]
    assert sum(r["method"] == names(t)["gd"] for r in rows) <= cc.MAX_PATH_POINTS
    assert spec["mark"] == {"type": "line", "strokeWidth": 2.5, "point": {"size": 20}}
    assert spec["encoding"]["color"]["scale"]["range"] == ["#D55E00", "#009E73", "#CC79A7"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lr_f", [0.05, 1.8, 2.2])
def test_lr_chart(lang, lr_f):
    t = Translator(lang)
    A = cd.matrix_from_svd(1.0, 0.1, 30)
    limits = cd.lr_limits(A)
    lr = lr_f / cd.hessian_eig(A)[0][-1]
    labels = {"title": t("conditioning.gd.lr_title"), "now": t("conditioning.gd.lr_now_value", lr=f"{lr:.4g}"),
              "x": t("conditioning.gd.lr_axis"),
              "inverse": "1/λmax", "optimal": "2/(λmax+λmin)", "divergence": "2/λmax",
              "current": t("conditioning.gd.lr_now"), "diverges": t("conditioning.gd.diverges")}
    spec = valid(cc.lr_chart(limits, lr, labels))
    top = max(lr, limits["divergence"]) * 1.25
    # the axis runs from 0 to the zone's end, taken from the data: every x the chart draws lies in [0, top]
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {"zero": True, "nice": False}
    assert spec["datasets"]["zone"] == [{"a": limits["divergence"], "b": top, "t": t("conditioning.gd.diverges")}]
    xs = [r["lr"] for k in ("marks", "now") for r in spec["datasets"][k]]
    assert 0 < min(xs) and max(xs) < top
    assert [r["name"] for r in spec["datasets"]["marks"]] == ["1/λmax", "2/(λmax+λmin)", "2/λmax"]
    assert spec["datasets"]["now"] == [{"lr": lr, "name": t("conditioning.gd.lr_now"), "row": 0.35,
                                        "text": f"η = {lr:.4g}"}]
    # the current lr is written beside its marker, not in the title: moving it changes only the data
    assert spec["title"]["text"] == t("conditioning.gd.lr_title") and "{" not in spec["title"]["text"]
    other = valid(cc.lr_chart(cd.lr_limits(cd.matrix_from_svd(2.0, 0.3, 10)), 0.1, labels))
    assert structure(other) == structure(spec)
    assert "subtitle" not in spec["title"] and spec["height"] == 170


@pytest.mark.parametrize("lang", LANGS)
def test_iterations_chart(lang):
    t = Translator(lang)
    measured, theory = cd.iterations_vs_kappa(KAPPAS)
    labels = {"title": t("conditioning.gd.iter_title"), "subtitle": t("conditioning.gd.iter_sub"),
              "x": t("conditioning.gd.iter_x"), "y": t("conditioning.gd.iter_y"),
              "measured": t("conditioning.gd.measured"), "theory": t("conditioning.gd.theory"),
              "series": t("conditioning.gd.series"), "current": t("conditioning.gd.current")}
    spec = valid(cc.iterations_chart(KAPPAS, measured, theory, 100.0, labels))
    rows = spec["datasets"]["steps"]
    assert len(rows) == 2 * len(KAPPAS) and min(r["steps"] for r in rows) >= 1
    assert [r["steps"] for r in rows[:len(KAPPAS)]] == np.maximum(measured, 1).astype(float).tolist()
    enc = layer(spec, "steps", "line")["encoding"]
    assert enc["color"]["scale"] == {"domain": [labels["measured"], labels["theory"]], "range": ["#D55E00", "#333"]}
    assert enc["x"]["scale"] == enc["y"]["scale"] == {"type": "log"}
    assert spec["datasets"]["now"] == [{"kappa": 100.0, "label": labels["current"]}]
    moved = valid(cc.iterations_chart(KAPPAS, measured, theory, 3.0, labels))
    assert structure(moved) == structure(spec)
    # a measurement that failed (nan) is left out of the line, as Altair left it (null)
    broken = valid(cc.iterations_chart(KAPPAS[:2], np.array([np.nan, 5.0]), np.array([1.0, np.inf]), 1.0, labels))
    assert [r["steps"] for r in broken["datasets"]["steps"]] == [None, 5.0, 1.0, None]


def test_datasets_with_nulls_travel_as_arrow():
    """ui.frame sends each dataset as Arrow: a float column holding nulls converts."""
    from ui.frame import _build

    labels = cloud_labels(Translator("zh"))
    spec, bare, arrow = _build(cc.cloud_chart, (np.array([[np.nan, 1.0], [0.5, 0.5]]), np.zeros((3, 2)), labels,
                                                "#0072B2"), {}, projector=True)
    assert set(arrow) == {"axes_frame", "outline", "points"} and "datasets" not in bare
    assert len(export_table(spec)) == 2 + 3  # data only (points, outline): not the unseen frame
    assert spec["config"]["axis"]["labelFontSize"] > 14  # the projector view

"""Chart builders of the saddle-point and constrained pages, written as Vega-Lite dicts: valid specs, the data
they draw (non-finite values dropped or null, never NaN), the house look of maps, and specs whose structure
does not change when only a marker moves."""
import json
import math

import numpy as np
import pytest

from core import constrained as cc
from core import critical_points as cp
from core import landscapes as ls
from core import saddles as sd
from core.charts import constrained as kkt
from core.charts import landscape as charts
from core.charts.style import export_table
from core.inspect import inspect_point
from tests.images import pixels, rgba

MAP_LABELS = {"title": "f 及其临界点", "subtitle": "每个色带占据相同的面积。黑色圆圈：被检查的点。", "x": "w₁",
              "y": "w₂", "f": "f", "kind": "临界点", "method": "方法", "step": "步", "arrow": "箭头",
              "kinds": {"minimum": "极小值", "maximum": "极大值", "saddle": "鞍点", "degenerate": "退化"}}


def layers(spec: dict) -> list[dict]:
    """Every unit layer of a spec, nested layers flattened, in drawing order."""
    out = []

    def walk(node):
        if "layer" in node:
            for child in node["layer"]:
                walk(child)
        else:
            out.append(node)
    walk(spec)
    return out


def by_data(spec: dict, name: str) -> list[dict]:
    return [layer for layer in layers(spec) if layer.get("data", {}).get("name") == name]


def strict_json(spec: dict) -> str:
    return json.dumps(spec, allow_nan=False, ensure_ascii=False)  # raises on NaN / inf


def structure(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def grid(name="himmelblau", n=31):
    fn = ls.FUNCTIONS[name]
    return fn, *ls.evaluate_grid(fn, n=n)


def reference_bands(Z, count: int) -> np.ndarray:
    """Band of each cell by SciPy's quantiles (Hyndman–Fan type 7, as d3) and bisect_right (as Vega's quantile
    scale); −1 where f is not finite."""
    import bisect

    from scipy.stats.mstats import mquantiles

    ok = np.isfinite(Z)
    edges = mquantiles(Z[ok], prob=np.arange(1, count) / count, alphap=1, betap=1)
    return np.array([[bisect.bisect_right(list(edges), z) if np.isfinite(z) else -1 for z in row] for row in Z])


def critical_of(fn) -> list[dict]:
    return [{"x": float(c.point[0]), "y": float(c.point[1]), "kind": c.kind, "text": f"f = {c.value:.4g}"}
            for c in cp.find_critical_points(fn, fn.bounds)]


# --- landscape_map ------------------------------------------------------------------------------------------

def test_landscape_map_draws_every_overlay_with_the_house_look():
    fn, xs, ys, Z = grid()
    Z = Z.copy()
    Z[0, :3] = np.nan
    Z[4, 4] = np.inf
    crit = critical_of(fn)
    path = np.vstack([np.linspace([-4, -4], [3, 2], 400), [[np.nan, 0.0], [1.0, np.inf]]])
    paths = {"梯度下降": (path, "#D55E00"), "一步": (np.array([[0.0, 0.0], [1.0, 1.0]]), "#000000")}
    arrows = [{"x": 0.0, "y": 0.0, "x2": 1.0, "y2": 0.0, "name": "−∇f", "colour": "#D55E00"},
              {"x": 0.0, "y": 0.0, "x2": 0.0, "y2": 1.0, "name": "λ1 = 2", "colour": "#111"}]
    spec = charts.landscape_map(xs, ys, Z, MAP_LABELS, crit, paths, arrows, (0.5, -0.25)).to_dict(validate=True)
    strict_json(spec)
    d = spec["datasets"]
    assert set(d) == {"heat_image", "heat_legend", "heat", "paths", "arrows", "critical", "marker"}
    assert len(d["heat"]) == int(np.isfinite(Z).sum()) == 31 * 31 - 4
    # the bands are one image, a pixel per cell; f's grid is only for the export (no layer draws it)
    assert not by_data(spec, "heat") and pixels(spec)[0].shape == (31, 31, 4)
    assert all(math.isfinite(r["f"]) for r in d["heat"])
    # paths: thinned, only finite points, steps kept
    rows = [r for r in d["paths"] if r["method"] == "梯度下降"]
    assert len(rows) <= charts.MAX_PATH_POINTS and rows[0]["step"] == 0
    assert all(math.isfinite(r["x"]) and math.isfinite(r["y"]) for r in d["paths"])
    assert [r["step"] for r in d["paths"] if r["method"] == "一步"] == [0, 1]
    # arrow heads point along the arrow on screen: 0° up, 90° right
    assert [round(r["angle"], 6) for r in d["arrows"]] == [90.0, 0.0]
    assert d["marker"] == [{"x": 0.5, "y": -0.25}]
    # equal axes of a fixed size, the grid's window on every layer that sets a scale
    assert spec["width"] == spec["height"] == charts.MAP_SIZE and spec["autosize"] == {"type": "pad"}
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    for layer in layers(spec):
        enc = layer["encoding"]
        if "scale" in enc.get("x", {}):
            assert enc["x"]["scale"] == {"domain": [x0, x1], "nice": False}
            assert enc["y"]["scale"] == {"domain": [y0, y1], "nice": False}
    bands = by_data(spec, "heat_image")[0]
    assert bands["mark"]["type"] == "image" and bands["mark"]["opacity"] == 1.0
    assert by_data(spec, "heat_legend")[0]["encoding"]["color"]["scale"] == {
        "type": "quantile", "range": list(charts.SCHEMES[("blues", 8)])}
    assert bands["encoding"]["x"]["title"] == "w₁" and bands["encoding"]["y"]["title"] == "w₂"
    # critical points: colour and shape both tell the kind (KIND_STYLE), in KIND_STYLE's order
    point = by_data(spec, "critical")[0]
    kinds = [k for k in charts.KIND_STYLE if k in {c["kind"] for c in crit}]
    assert kinds == ["minimum", "maximum", "saddle"]
    names = [MAP_LABELS["kinds"][k] for k in kinds]
    assert point["encoding"]["fill"]["scale"] == {"domain": names, "range": [charts.KIND_STYLE[k][0] for k in kinds]}
    assert point["encoding"]["shape"]["scale"] == {"domain": names, "range": [charts.KIND_STYLE[k][1] for k in kinds]}
    assert {r["kind_text"] for r in d["critical"]} == set(names)
    # the paths' colours, one legend
    line = by_data(spec, "paths")[0]
    assert line["encoding"]["stroke"]["scale"] == {"domain": list(paths), "range": ["#D55E00", "#000000"]}
    assert spec["resolve"] == {"scale": {"color": "independent", "stroke": "independent"}}
    assert spec["title"]["text"] == "f 及其临界点" and "".join(spec["title"]["subtitle"]) == MAP_LABELS["subtitle"]
    # the exported table names its columns as the chart does
    table = export_table(spec)
    assert {"方法", "临界点"} <= set(table.columns) and "url" not in table.columns  # data, not the picture
    assert len(table) == sum(len(d[k]) for k in ("heat", "paths", "arrows", "critical", "marker"))


def test_landscape_map_with_nothing_to_overlay_and_no_finite_cell():
    fn, xs, ys, Z = grid("saddle", 11)
    spec = charts.landscape_map(xs, ys, np.full_like(Z, np.nan), MAP_LABELS).to_dict(validate=True)
    assert spec["datasets"]["heat"] == [] and len(layers(spec)) == 2  # the image and its legend
    assert (pixels(spec)[0][..., 3] == 0).all()  # every cell see-through
    spec = charts.landscape_map(xs, ys, Z, MAP_LABELS, [], {}, [], None).to_dict(validate=True)
    assert set(spec["datasets"]) == {"heat_image", "heat_legend", "heat"} and len(spec["datasets"]["heat"]) == 121
    only_bad = {"a": (np.full((5, 2), np.nan), "#111")}
    spec = charts.landscape_map(xs, ys, Z, MAP_LABELS, None, only_bad).to_dict(validate=True)
    assert spec["datasets"]["paths"] == []


def test_landscape_map_degenerate_point_and_non_finite_arrow_become_null():
    fn, xs, ys, Z = grid("monkey_saddle", 21)
    crit = critical_of(fn)
    assert {c["kind"] for c in crit} == {"degenerate"}
    arrows = [{"x": np.float64(0.1), "y": 0.2, "x2": np.nan, "y2": 1.0, "name": "n", "colour": "#111"}]
    spec = charts.landscape_map(xs, ys, Z, MAP_LABELS, crit, None, arrows, (np.float64(0.3), np.nan)
                                ).to_dict(validate=True)
    text = strict_json(spec)
    assert "NaN" not in text and "Infinity" not in text
    fill = by_data(spec, "critical")[0]["encoding"]["fill"]["scale"]
    assert fill == {"domain": ["退化"], "range": ["#E69F00"]}
    assert by_data(spec, "critical")[0]["encoding"]["shape"]["scale"]["range"] == ["diamond"]
    assert spec["datasets"]["arrows"][0]["x2"] is None and spec["datasets"]["arrows"][0]["angle"] is None
    assert spec["datasets"]["marker"] == [{"x": 0.3, "y": None}]
    assert all(type(v) in (float, int, str, bool, type(None)) for rows in spec["datasets"].values()
               for r in rows for v in r.values())


def test_arrow_heads_follow_the_screen_not_the_data_on_a_window_that_is_not_square():
    xs, ys = np.linspace(-2.0, 2.0, 9), np.linspace(0.0, 8.0, 9)
    Z = np.add.outer(ys, xs)
    arrows = [{"x": 0.0, "y": 1.0, "x2": 1.0, "y2": 2.0, "name": "a", "colour": "#000"}]
    spec = charts.landscape_map(xs, ys, Z, MAP_LABELS, None, None, arrows).to_dict(validate=True)
    # one data unit is 140 px across and 70 px up: the head turns 63.4° from up, not 45°
    assert spec["datasets"]["arrows"][0]["angle"] == pytest.approx(math.degrees(math.atan2(140, 70)))


def test_moving_the_inspected_point_changes_only_the_datasets():
    fn, xs, ys, Z = grid()
    crit = critical_of(fn)
    specs = []
    for p in ([-2.0, 1.0], [3.3, -0.7]):
        ins = inspect_point(fn, p, 2.0)
        arrows = [{"x": ins.point[0], "y": ins.point[1], "x2": ins.grad_arrow[0], "y2": ins.grad_arrow[1],
                   "name": "−∇f", "colour": "#D55E00"}]
        arrows += [{"x": ins.point[0], "y": ins.point[1], "x2": ins.eig_arrows[i][0], "y2": ins.eig_arrows[i][1],
                    "name": f"λ{i + 1} = {ins.eigenvalues[i]:.3g}", "colour": "#111"} for i in range(2)]
        specs.append(charts.landscape_map(xs, ys, Z, MAP_LABELS, crit, None, arrows, tuple(ins.point)).to_dict())
    assert structure(specs[0]) == structure(specs[1])
    assert specs[0]["datasets"]["marker"] != specs[1]["datasets"]["marker"]
    assert specs[0]["datasets"]["heat"] == specs[1]["datasets"]["heat"]


def test_band_layer_paints_each_cell_in_its_quantile_band_and_keeps_the_grid_for_the_export():
    _, xs, ys, Z = grid("rosenbrock", 17)
    Z = Z.copy()
    Z[3, 4] = np.nan  # a cell where f is undefined is see-through and not exported
    Z[0, 0] = np.inf
    faded = np.zeros(Z.shape, dtype=bool)
    faded[10:, :] = True
    layer, xsc, ysc, data = charts.band_layer(xs, ys, Z, {"x": "x", "y": "y", "f": "f"}, faded=faded)
    expected = [{"x": float(f"{x:.6g}"), "y": float(f"{y:.6g}"), "f": float(f"{z:.4g}")}
                for j, y in enumerate(ys) for i, x in enumerate(xs) if np.isfinite(z := Z[j, i])]
    assert data["heat"] == expected and len(data["heat"]) == Z.size - 2
    assert xsc == {"domain": [float(xs[0]), float(xs[-1])], "nice": False}
    assert ysc == {"domain": [float(ys[0]), float(ys[-1])], "nice": False}
    # the image: a pixel per cell, in the band SciPy's quantiles give it, faded cells under a 72 % white veil
    px, row = pixels(data["heat_image"])
    colours = charts.SCHEMES[("greys", 9)]
    band = reference_bands(Z, 9)
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            if band[j, i] < 0:
                assert px[j, i, 3] == 0
                continue
            r, g, b, a = rgba(colours[band[j, i]])
            if faded[j, i]:
                r, g, b = (round(0.72 * 255 + 0.28 * c) for c in (r, g, b))
            assert tuple(px[j, i]) == (r, g, b, a), (j, i)
    assert np.bincount(band[band >= 0]).min() >= (Z.size - 2) // 9 - 1  # equal areas
    # the image spans the cells (centred on the grid points), and the legend's quantile edges are the image's
    h = (xs[1] - xs[0]) / 2
    assert (row["x0"], row["x1"]) == pytest.approx((xs[0] - h, xs[-1] + h))
    assert (row["y0"], row["y1"]) == pytest.approx((ys[0] - h, ys[-1] + h))
    finite = np.sort(Z[np.isfinite(Z)])
    domain = [r["f"] for r in data["heat_legend"]]
    assert domain[0] == finite[0] and domain[-1] == finite[-1] and len(domain) == 10
    from scipy.stats.mstats import mquantiles
    assert domain[1:-1] == pytest.approx(list(mquantiles(finite, prob=np.arange(1, 9) / 9, alphap=1, betap=1)))
    picture, legend = layer["layer"]
    assert legend["encoding"]["color"]["scale"] == {"type": "quantile", "range": list(colours)}
    assert legend["mark"]["opacity"] == 0.85 and legend["encoding"]["x2"] == {"field": "x"}  # no size: unseen
    assert picture["mark"] == {"type": "image", "aspect": False, "smooth": False, "opacity": 0.85, "clip": True,
                               "aria": False}
    assert picture["encoding"]["y"]["field"] == "y1" and picture["encoding"]["y2"] == {"field": "y0"}  # top down


def test_quantile_bands_match_vega_at_the_edges_and_on_a_constant_map():
    band, domain = charts.quantile_bands(np.array([[0.0, 1.0], [2.0, 3.0]]), 2)
    assert domain == [0.0, 1.5, 3.0] and band.tolist() == [[0, 0], [1, 1]]
    band, domain = charts.quantile_bands(np.array([[0.0, 1.0, 2.0]]), 2)  # a value on an edge goes above it
    assert domain == [0.0, 1.0, 2.0] and band.tolist() == [[0, 1, 1]]
    band, domain = charts.quantile_bands(np.full((3, 3), 5.0), 4)
    assert domain == [5.0] * 5 and (band == 4 - 1).all()
    band, domain = charts.quantile_bands(np.full((2, 2), np.nan), 4)
    assert domain == [0.0, 0.0] and (band == -1).all()


def test_png_data_url_writes_a_palette_png_that_pillow_reads_back():
    index = np.array([[0, 1, 2], [2, 1, 0]])
    px, _ = pixels([{"url": charts.png_data_url(index, ["#ff0000", "#00ff00", "#0000ff"], transparent=2)}])
    assert px.shape == (2, 3, 4)
    assert [tuple(v) for v in px[0]] == [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 0)]
    assert [tuple(v) for v in px[1]] == [(0, 0, 255, 0), (0, 255, 0, 255), (255, 0, 0, 255)]


# --- slices, curves, histogram, chains ---------------------------------------------------------------------

def test_slices_chart_drops_non_finite_values():
    t = np.linspace(-1, 1, 5)
    labels = {"title": "沿特征向量的 f", "subtitle": "实线：f", "x": "t", "y": "f", "direction": "方向",
              "true": "f", "model": "二次模型"}
    slices = {"u1": (np.array([1.0, np.nan, 2.0, np.inf, 3.0]), np.arange(5.0)), "u2": (np.zeros(5), np.ones(5))}
    spec = charts.slices_chart(t, slices, labels).to_dict(validate=True)
    strict_json(spec)
    rows = spec["datasets"]["slices"]
    assert len(rows) == 3 + 5 + 5 + 5
    assert [r["t"] for r in rows if r["direction"] == "u1" and r["curve"] == "f"] == [-1.0, 0.0, 1.0]
    enc = spec["encoding"]
    assert enc["strokeDash"]["scale"] == {"domain": ["f", "二次模型"], "range": [[1, 0], [7, 4]]}
    assert enc["y"]["scale"] == {"zero": False} and spec["height"] == 340 and spec["width"] == "container"
    assert spec["title"]["text"] == "沿特征向量的 f"


@pytest.mark.parametrize("log", [True, False])
def test_curves_chart_log_and_linear(log):
    curves = {"a": np.array([1.0, 0.0, -1.0, np.nan, 1e-3]), "b": np.arange(1000.0) + 1}
    colours = {"a": "#111111", "b": "#222222"}
    labels = {"title": "T", "x": "step", "y": "v", "method": "m"}
    spec = charts.curves_chart(curves, colours, labels, log).to_dict(validate=True)
    strict_json(spec)
    rows = spec["datasets"]["curves"]
    a = [r["v"] for r in rows if r["method"] == "a"]
    assert a == ([1.0, 1e-3] if log else [1.0, 0.0, -1.0, 1e-3])
    b = [r for r in rows if r["method"] == "b"]
    assert len(b) == charts.CURVE_POINTS and b[0]["step"] == 0 and b[-1]["step"] == 999
    y = spec["encoding"]["y"]
    assert (y.get("scale"), y.get("axis")) == (({"type": "log"}, {"format": ".0e"}) if log else (None, None))
    assert spec["encoding"]["color"]["scale"] == {"domain": ["a", "b"], "range": ["#111111", "#222222"]}
    assert "subtitle" not in spec["title"] and spec["height"] == 320


def test_fraction_histogram_counts_in_fixed_bins():
    fractions = sd.positive_fraction(20, 100, 0)
    spec = charts.fraction_histogram(fractions, {"title": "T", "subtitle": "S", "x": "正特征值比例", "y": "矩阵数"}
                                     ).to_dict(validate=True)
    assert len(spec["datasets"]["fractions"]) == 100
    assert [r["frac"] for r in spec["datasets"]["fractions"]] == [float(f) for f in fractions]
    assert spec["encoding"]["x"]["bin"] == {"extent": [0, 1], "step": 0.025}
    assert spec["encoding"]["y"] == {"aggregate": "count", "type": "quantitative", "title": "矩阵数"}
    spec = charts.fraction_histogram(np.array([0.5, np.nan]), {"title": "T", "x": "x", "y": "y"}).to_dict()
    assert spec["datasets"]["fractions"] == [{"frac": 0.5}, {"frac": None}]


def test_chain_chart_draws_the_current_depth_bold():
    t = np.linspace(0.0, 1.6, 81)
    losses = {k: sd.chain_loss_along(k, t) for k in range(2, 9)}
    spec = charts.chain_chart(t, losses, 5, {"title": "T", "subtitle": "S", "x": "t", "y": "loss", "depth": "k"}
                              ).to_dict(validate=True)
    rows = spec["datasets"]["chains"]
    assert len(rows) == 7 * 81
    assert {r["k"] for r in rows if r["now"]} == {5} and sum(r["now"] for r in rows) == 81
    assert spec["encoding"]["strokeWidth"] == {"condition": {"test": "datum.now", "value": 5}, "value": 1.5}
    assert spec["encoding"]["color"]["type"] == "ordinal"
    other = charts.chain_chart(t, losses, 2, {"title": "T", "subtitle": "S", "x": "t", "y": "loss", "depth": "k"})
    assert structure(other.to_dict()) == structure(spec)


# --- kkt_map -----------------------------------------------------------------------------------------------

COLOURS = {"圆": "#000000", "无约束最小点": "#56B4E9", "x*": "#D55E00", "−∇f(x*)": "#E69F00", "λ₁∇g₁(x*)": "#0072B2"}


def kkt_inputs(centre=(2.0, 1.0), r=1.0):
    fn, cons = cc.quadratic_objective(centre), (cc.disc(r),)
    res = cc.solve(fn, cons, (0.0, 0.0))
    xs, ys, Z = ls.evaluate_grid(fn, n=51, bounds=((-2.5, 2.5), (-2.5, 2.5)))
    mask = cc.feasible_mask(cons, *np.meshgrid(xs, ys))
    g = fn.grad(res.x)
    v = res.multipliers[0] * np.asarray(cons[0].grad(res.x), dtype=float)
    arrows = [{"x": res.x[0], "y": res.x[1], "dx": -g[0], "dy": -g[1], "name": "−∇f(x*)", "width": 10.0},
              {"x": res.x[0], "y": res.x[1], "dx": v[0], "dy": v[1], "width": 3.5, "name": "λ₁∇g₁(x*)",
               "value": f"λ₁ = {res.multipliers[0]:.4g}"}]
    points = [{"x": centre[0], "y": centre[1], "name": "无约束最小点", "kind": "free"},
              {"x": res.x[0], "y": res.x[1], "name": "x*", "kind": "star"}]
    labels = {"title": "f、可行域与最优点 x*", "subtitle": "淡色区域不可行。", "x": "x", "y": "y", "f": "f",
              "legend": "图例", "colours": COLOURS}
    return xs, ys, Z, mask, [(kkt.circle_points(r), "圆", [1, 0])], points, arrows, labels


def test_kkt_map_fades_the_infeasible_cells_and_balances_the_forces():
    xs, ys, Z, mask, bounds, points, arrows, labels = kkt_inputs()
    spec = kkt.kkt_map(xs, ys, Z, mask, bounds, points, arrows, labels, size=kkt.SMALL_MAP).to_dict(validate=True)
    strict_json(spec)
    d = spec["datasets"]
    assert set(d) == {"heat_image", "heat_legend", "heat", "lines", "arrows", "points_free", "points_star"}
    assert len(d["heat"]) == 51 * 51
    # the infeasible cells (and only they) are faded: lighter than the band colour they would have
    px = pixels(spec)[0].astype(int)
    band = reference_bands(Z, 9)
    plain_colour = np.array([rgba(kkt_colour) for kkt_colour in charts.SCHEMES[("greys", 9)]])[band]
    assert (~mask).sum() > 0 and (px[mask] == plain_colour[mask]).all()
    assert (px[~mask][..., :3] > plain_colour[~mask][..., :3]).all()
    assert len(d["lines"]) == 181 and {r["dash"] for r in d["lines"]} == {"[1, 0]"}
    # the λ∇g arrow, scaled with −∇f, ends where −∇f ends (KKT stationarity)
    minus_grad, lam = d["arrows"]
    assert lam["x2"] == pytest.approx(minus_grad["x2"], abs=1e-6) and lam["y2"] == pytest.approx(minus_grad["y2"],
                                                                                                   abs=1e-6)
    longest = max(math.hypot(a["dx"], a["dy"]) for a in d["arrows"])
    assert longest == pytest.approx(kkt.ARROW_SHARE * 5.0)
    assert minus_grad["angle"] == pytest.approx(math.degrees(math.atan2(minus_grad["dx"], minus_grad["dy"])))
    assert spec["width"] == spec["height"] == kkt.SMALL_MAP
    # the bands (faded where infeasible), then one nested layer sharing one colour legend
    assert [layer["data"]["name"] for layer in spec["layer"][0]["layer"]] == ["heat_image", "heat_legend"]
    assert len(spec["layer"]) == 2
    top = spec["layer"][1]["layer"]
    assert [layer["data"]["name"] for layer in top] == ["lines", "arrows", "arrows", "points_free", "points_star"]
    assert spec["resolve"] == {"scale": {"color": "independent"}}
    for layer in top:
        assert layer["encoding"]["color"]["scale"] == {"domain": list(COLOURS), "range": list(COLOURS.values())}
    legends = [layer["encoding"]["color"]["legend"] for layer in top if layer["encoding"]["color"]["legend"]]
    assert legends[0] == {"orient": "bottom", "columns": 2, "labelLimit": 320, "symbolStrokeWidth": 4}
    assert [layer["mark"]["shape"] for layer in top if layer["data"]["name"].startswith("points_")] == ["cross",
                                                                                                        "diamond"]
    assert spec["layer"][0]["layer"][1]["encoding"]["color"]["scale"]["range"] == list(charts.SCHEMES[("greys", 9)])
    assert spec["title"]["text"] == "f、可行域与最优点 x*"


def test_kkt_map_chains_the_multiplier_arrows_tip_to_tail():
    """Two active constraints: λ₁∇g₁ starts at x*, λ₂∇g₂ at its tip, and the chain ends where −∇f ends."""
    fn, cons = cc.quadratic_objective((2.0, 1.0)), (cc.disc(1.0), cc.half_plane((0.0, 1.0), 0.2))
    res = cc.solve(fn, cons, (0.0, 0.0))
    assert np.all(np.asarray(res.multipliers) > 0)
    g = fn.grad(res.x)
    arrows = [{"x": res.x[0], "y": res.x[1], "dx": -g[0], "dy": -g[1], "name": "−∇f(x*)", "width": 10.0}]
    ox = oy = 0.0
    for i, c in enumerate(cons):
        v = res.multipliers[i] * np.asarray(c.grad(res.x), dtype=float)
        arrows.append({"x": res.x[0], "y": res.x[1], "dx": v[0], "dy": v[1], "ox": ox, "oy": oy, "width": 3.5,
                       "name": f"m{i + 1}", "value": f"λ = {res.multipliers[i]:.4g}"})
        ox, oy = ox + v[0], oy + v[1]
    xs, ys, Z = ls.evaluate_grid(fn, n=41, bounds=((-3.2, 3.2), (-3.2, 3.2)))
    mask = cc.feasible_mask(cons, *np.meshgrid(xs, ys))
    labels = {"title": "T", "x": "x", "y": "y", "f": "f", "legend": "L",
              "colours": {"−∇f(x*)": "#E69F00", "m1": "#0072B2", "m2": "#009E73"}}
    spec = kkt.kkt_map(xs, ys, Z, mask, [], [], arrows, labels).to_dict(validate=True)
    grad, m1, m2 = spec["datasets"]["arrows"]
    assert (m1["x"], m1["y"]) == pytest.approx((res.x[0], res.x[1]))
    assert (m2["x"], m2["y"]) == pytest.approx((m1["x2"], m1["y2"]))
    assert (m2["x2"], m2["y2"]) == pytest.approx((grad["x2"], grad["y2"]), abs=1e-5)
    assert [a["value"] for a in spec["datasets"]["arrows"]] == ["", arrows[1]["value"], arrows[2]["value"]]


def test_kkt_map_structure_does_not_follow_the_centre_slider():
    one = kkt.kkt_map(*kkt_inputs((2.0, 1.0))).to_dict()
    two = kkt.kkt_map(*kkt_inputs((1.5, 2.5))).to_dict()
    assert structure(one) == structure(two) and one["datasets"]["points_free"] != two["datasets"]["points_free"]


def test_kkt_map_paths_end_points_and_edge_cases():
    xs, ys, Z, mask, bounds, _, _, labels = kkt_inputs()
    Z = Z.copy()
    Z[10, 10] = np.nan
    walk = np.vstack([np.random.default_rng(0).normal(size=(400, 2)), [[np.nan, 1.0], [1e7, 0.0]]])
    colours = {**COLOURS, "PGD": "#0072B2", "GD": "#E69F00", "z": "#000"}
    spec = kkt.kkt_map(xs, ys, Z, mask, bounds + [(np.zeros((0, 2)), "z", [4, 4])],
                       [{"x": 1.0, "y": 1.0, "name": "PGD", "kind": "end"}, {"x": 2.0, "y": 1.0, "name": "GD",
                                                                            "kind": "end"}],
                       [{"x": 0.0, "y": 0.0, "dx": 0.0, "dy": 0.0, "name": "x*"}],
                       {**labels, "colours": colours, "legend_orient": "right", "wrap": 30},
                       paths={"PGD": (walk, [1, 0]), "GD": (np.full((3, 2), np.inf), [6, 3])}).to_dict(validate=True)
    strict_json(spec)
    d = spec["datasets"]
    assert "arrows" not in d  # a zero arrow is not drawn
    assert len(d["heat"]) == 51 * 51 - 1
    pgd = [r for r in d["lines"] if r["name"] == "PGD"]
    assert len(pgd) <= kkt.MAX_PATH_POINTS and all(abs(r["x"]) < 1e6 for r in pgd)
    dash = next(layer for layer in layers(spec) if layer["data"]["name"] == "lines")["encoding"]["strokeDash"]
    assert dash["scale"] == {"domain": ["圆", "PGD"], "range": [[1, 0], [1, 0]]}
    end = next(layer for layer in layers(spec) if layer["data"]["name"] == "points_end")
    assert end["mark"]["shape"] == "circle" and end["mark"]["size"] == 150 and len(d["points_end"]) == 2
    legend = end["encoding"]["color"]["legend"]
    assert legend["orient"] == "right" and legend["columns"] == 1
    assert all(len(line) <= 30 for line in spec["title"]["subtitle"])
    # nothing but the bands: still a valid spec
    spec = kkt.kkt_map(xs, ys, Z, np.ones_like(mask), [], [], [], labels).to_dict(validate=True)
    assert spec["layer"][1] == {"layer": []}
    band = reference_bands(Z, 9)
    colours = np.array([rgba(c) for c in charts.SCHEMES[("greys", 9)]])[band]
    assert (pixels(spec)[0][band >= 0] == colours[band >= 0]).all(), "nothing infeasible: nothing faded"


def test_every_dataset_converts_to_arrow_for_streamlit():
    from ui import frame

    xs, ys, Z, mask, bounds, points, arrows, labels = kkt_inputs()
    for builder, args in ((kkt.kkt_map, (xs, ys, Z, mask, bounds, points, arrows, labels)),
                          (charts.landscape_map, (xs, ys, Z, MAP_LABELS, None, None,
                                                  [{"x": 0.0, "y": 0.0, "x2": np.nan, "y2": 1.0, "name": "a",
                                                    "colour": "#000"}], (0.0, 0.0)))):
        spec, bare, arrow = frame._build(builder, args, {}, projector=False)
        assert set(arrow) == set(spec["datasets"]) - {"heat"} and "datasets" not in bare  # heat: export only


@pytest.mark.parametrize("span, nice", [((0.0, 0.888), (0.0, 0.9)), ((0.201, 0.996), (0.2, 1.0)),
                                          ((1.1, 10.9), (1.0, 11.0)), ((-3.7, 12.1), (-4.0, 14.0)),
                                          ((0.0, 0.0), (0.0, 0.0)), ((1e-7, 9.3e-6), (0.0, 1e-5)),
                                          ((123.0, 4567.0), (0.0, 5000.0))])
def test_nice_domain_widens_to_round_numbers_as_d3_does(span, nice):
    """Values d3's ``scaleLinear().domain([lo, hi]).nice()`` gives (worked by hand from its tick rules)."""
    assert charts.nice_domain(*span) == pytest.approx(nice, abs=1e-15)


def test_even_bands_cut_a_round_range_into_equal_steps():
    band, (lo, hi) = charts.even_bands(np.array([0.0, 0.17, 0.18, 0.5, 0.888, np.nan]), 5)
    assert (lo, hi) == (0.0, 0.9)
    assert band.tolist() == [0, 0, 1, 2, 4, -1]  # 0.18 is an edge: the band above it
    band, edges = charts.even_bands(np.full(4, np.nan), 5)
    assert (band == -1).all() and edges == [0.0, 0.0]

"""The optimizers page's views of a run (state series, arrows) and its chart specs."""
import json

import numpy as np
import pytest

from core import landscapes as ls
from core import optimizers as opt
from core.charts import optimizers as charts
from core.charts.style import wrap_text

FN = ls.FUNCTIONS["rosenbrock"]
START = np.array([-1.5, 2.0])


def test_state_series_follow_the_trace():
    tr = opt.trace("adam", FN, START, 30, lr=0.05)
    left, left_log, right, right_log = opt.state_series(tr)
    assert (left_log, right_log) == (False, True)
    np.testing.assert_array_equal(left["m₁"][1], tr.state["exp_avg"][:, 0])
    np.testing.assert_array_equal(left["m₂"][0], np.arange(31))
    assert right["η₂"][0][0] == 1  # step 0 has no effective learning rate yet
    np.testing.assert_array_equal(right["v₁"][1], tr.state["exp_avg_sq"][1:, 0])
    tr = opt.trace("momentum", FN, START, 20, lr=1e-4)
    left, _, right, _ = opt.state_series(tr)
    np.testing.assert_allclose(right["‖b‖"][1], np.linalg.norm(tr.state["momentum_buffer"], axis=1))
    np.testing.assert_array_equal(right["‖∇f‖"][1], tr.grad_norms)
    tr = opt.trace("adagrad", FN, START, 20, lr=0.5)
    left, left_log, right, _ = opt.state_series(tr)
    assert left_log and np.all(np.diff(left["r₁"][1]) >= 0)  # AdaGrad's sum never falls
    with pytest.raises(ValueError):
        opt.state_series(opt.trace("gd", FN, START, 5, lr=1e-3))


def test_state_vectors():
    tr = opt.trace("momentum", FN, START, 10, lr=1e-4)
    np.testing.assert_array_equal(opt.state_vectors(tr), -tr.state["momentum_buffer"])
    tr = opt.trace("rmsprop", FN, START, 10, lr=0.01)
    v = opt.state_vectors(tr)
    np.testing.assert_allclose(tr.iterates[:-1] + v[:-1], tr.iterates[1:])
    assert np.all(v[-1] == 0)


def _marks(spec):
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "mark" in node:
                mark = node["mark"]
                found.append(mark["type"] if isinstance(mark, dict) else mark)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    return found


def test_race_map_scrubs_inside_the_chart():
    xs, ys, Z = ls.evaluate_grid(FN, n=21)
    paths = {k: (opt.run(k, FN, START, 300, **hp), k.upper()) for k, hp in
             (("gd", {"lr": 1e-3}), ("adam", {"lr": 0.05}), ("bfgs", {}))}
    labels = {"title": "T", "x": "x", "y": "y", "f": "f", "method": "m", "step": "s", "scrub": "Step",
              "minimum": "min"}
    spec = charts.race_map(xs, ys, Z, paths, [(1.0, 1.0)], labels, 300).to_dict()
    params = [p for p in spec.get("params", []) if p["name"] == "scrub"]
    assert params and params[0]["bind"]["input"] == "range" and params[0]["bind"]["max"] == 300
    text = json.dumps(spec)
    assert "datum.step <= scrub" in text.replace("(", "").replace(")", "")
    assert {"image", "line", "point"} <= set(_marks(spec))
    rows = sum(len(d) for d in spec["datasets"].values())
    assert rows < 3 * charts.MAX_RACE_POINTS + 21 * 21 + 20  # paths thinned, grid for the export, band edges
    assert "NaN" not in text and "Infinity" not in text


def test_curve_1d_has_a_tangent_scrubber_and_drops_nothing_finite():
    x = np.linspace(-3, 3, 50)
    spec = charts.curve_1d(x, x**2, np.array([2.0, 1.6, 1.28]), np.array([4.0, 2.56, 1.6384]),
                           np.array([4.0, 3.2, 2.56]),
                           {"title": "T", "x": "x", "y": "f", "step": "s", "slope": "f′", "tangent": "Tangent"}
                           ).to_dict()
    assert spec["params"][0]["bind"]["max"] == 2
    assert "rule" in _marks(spec)


def test_series_chart_scales_and_nonfinite_values():
    spec = charts.series_chart({"a": np.array([1.0, np.inf, 0.0, 1e-3]), "b": (np.array([0.0, 0.5]),
                                                                             np.array([2.0, 1.0]))},
                               {"title": "T", "x": "s", "y": "v"}, "log").to_dict()
    values = [r for d in spec["datasets"].values() for r in d]
    assert all(r["v"] > 0 for r in values) and len(values) == 4
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    spec = charts.series_chart({"a": np.array([-1.0, 1.0])}, {"title": "T", "x": "s", "y": "v"}, "symlog").to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "symlog"


def test_long_subtitles_wrap_instead_of_being_cut():
    lines = wrap_text("one two three four five six seven eight nine ten", 15)
    assert all(len(line) <= 15 for line in lines) and " ".join(lines).split() == "one two three four five six "\
        "seven eight nine ten".split()
    zh = wrap_text("对数坐标，每步之后在全部数据上计算损失", 10)
    assert all(len(line) <= 5 for line in zh) and "".join(zh) == "对数坐标，每步之后在全部数据上计算损失"

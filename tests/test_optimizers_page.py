"""The optimizers page through AppTest: every function, extremes, share links, and the numbers shown."""
import json
import subprocess
import sys

import numpy as np
import pytest

from core import landscapes as ls
from core import oned
from core import optimizers as opt
from tests.test_pages import no_exception, open_page, tables
from ui.i18n import LANGS, strings

PAGE = "pages/optimizers.py"
RACE = ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "two_weight_net")
ALL_ON = {f"on_{k}": "true" for k in opt.NAMES}


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


def table(at, title_key, lang="en"):
    """The results table: the table whose columns include the translated heading."""
    heading = strings(lang)[title_key]
    return next(d for d in tables(at) if heading in d.columns)


@pytest.mark.parametrize("fn_id", RACE)
def test_every_function_runs_in_both_languages_with_every_optimizer(fn_id):
    for lang in LANGS:
        at = run(lang, fn=fn_id, **ALL_ON)
        no_exception(at)
        assert at.selectbox(key="fn").value == fn_id
        assert not at.error


@pytest.mark.parametrize("params", [
    {**ALL_ON, "steps": "1000", **{f"lr_{k}": "3" for k in opt.FIRST_ORDER}, "mu_momentum": "0.99",
     "b1_adam": "0", "b2_adam": "0.9", "alpha_rmsprop": "0.5", "lr_newton": "0.1", "m_lbfgs": "1"},
    {**ALL_ON, "fn": "rosenbrock", "steps": "1000", "sx": "-5", "sy": "-5",
     **{f"lr_{k}": "0.0001" for k in opt.FIRST_ORDER}},
    {**ALL_ON, "fn": "beale", "steps": "10", "sx": "5", "sy": "5", "m_lbfgs": "20"},
    {"fn1": "ascent", "x1": "6", "a1": "1.5", "n1": "200"},
    {"fn1": "cubic", "x1": "-6", "a1": "0.001", "n1": "1"},
    {"task": "logistic", "batch": "1", "lr_sgd": "2", "epochs": "20", "last": "drop", "seed": "9999"},
    {"task": "linear", "batch": "200", "lr_sgd": "2", "epochs": "1"},
    {"kappa": "1000", "theta": "90", "inside": "adagrad"},
    {"inside": "momentum", "on_momentum": "false"},
    {"inside": "rmsprop"}, {"inside": "nesterov"},
])
@pytest.mark.parametrize("lang", LANGS)
def test_extremes_run_cleanly(params, lang):
    no_exception(run(lang, **params))


def test_share_link_sets_every_widget():
    at = run("zh", fn1="lr_example", x1="2.5", a1="1", n1="30", fn="rosenbrock", sx="-1.5", sy="2", steps="500",
             on_nesterov="true", on_gd="false", lr_adam="0.05", b1_adam="0.8", mu_momentum="0.5", inside="rmsprop",
             task="logistic", batch="7", lr_sgd="0.1", epochs="3", last="drop", seed="42")
    no_exception(at)
    assert at.selectbox(key="fn1").value == "lr_example"
    assert at.slider(key="x1").value == 2.5 and at.select_slider(key="a1").value == 1.0
    assert at.slider(key="n1").value == 30
    assert at.selectbox(key="fn").value == "rosenbrock"
    assert at.slider(key="sx").value == -1.5 and at.slider(key="sy").value == 2.0
    assert at.slider(key="steps").value == 500
    assert at.toggle(key="on_nesterov").value is True and at.toggle(key="on_gd").value is False
    assert at.select_slider(key="lr_adam").value == 0.05 and at.select_slider(key="b1_adam").value == 0.8
    assert at.slider(key="mu_momentum").value == 0.5
    assert at.selectbox(key="inside").value == "rmsprop"
    assert at.selectbox(key="task").value == "logistic" and at.slider(key="batch").value == 7
    assert at.select_slider(key="lr_sgd").value == 0.1 and at.slider(key="epochs").value == 3
    assert at.selectbox(key="last").value == "drop" and at.number_input(key="seed").value == 42


def test_bad_url_values_warn_and_fall_back():
    at = run("en", steps="5000", lr_gd="0.123", fn="nope")
    no_exception(at)
    text = " ".join(w.value for w in at.warning)
    assert "steps" in text and "lr_gd" in text and "fn" in text
    assert at.slider(key="steps").value == 100 and at.selectbox(key="fn").value == "quadratic"


def test_picking_a_function_loads_its_recommended_settings():
    at = run("en")
    at.selectbox(key="fn").set_value("rosenbrock").run()
    no_exception(at)
    assert at.slider(key="sx").value == -1.5 and at.slider(key="sy").value == 2.0
    assert at.select_slider(key="lr_gd").value == 1e-3 and at.slider(key="steps").value == 1000
    assert not [w for w in at.warning if "diverged" in w.value]
    at.select_slider(key="lr_gd").set_value(0.01).run()
    at.button[0].click().run()  # "Recommended settings for this function"
    assert at.select_slider(key="lr_gd").value == 1e-3


def test_results_table_shows_the_core_numbers():
    at = run("en", on_nesterov="true", on_newton="true")
    no_exception(at)
    df = table(at, "optimizers.race.status")
    fn = ls.quadratic(20.0, 30.0)
    names = strings("en")
    for key, hp in (("gd", {"lr": 1.0}), ("nesterov", {"lr": 0.3, "momentum": 0.9}), ("newton", {"lr": 1.0})):
        tr = opt.trace(key, fn, np.array([-1.8, 1.2]), 100, **hp)
        row = df[df[names["optimizers.method"]] == names[f"optimizers.name.{key}"]].iloc[0]
        assert float(row["f"]) == pytest.approx(tr.losses[-1], rel=1e-5, abs=1e-300)
    newton = df[df[names["optimizers.method"]] == names["optimizers.name.newton"]].iloc[0]
    assert newton[names["optimizers.race.status"]] == names["optimizers.status.converged"].format(k=1)


def test_divergence_is_reported_at_the_core_step():
    """GD on the quadratic above 2/λmax = 2: the page names the step at which core saw it diverge."""
    at = run("en", lr_gd="2.5")
    no_exception(at)
    tr = opt.trace("gd", ls.quadratic(20.0, 30.0), np.array([-1.8, 1.2]), 100, lr=2.5)
    assert tr.diverged
    expected = strings("en")["optimizers.race.diverged"].format(name=strings("en")["optimizers.name.gd"],
                                                                 k=tr.failed_step)
    assert expected in [w.value for w in at.warning]
    at = run("en", lr_gd="1.9")
    assert not [w for w in at.warning if "diverged" in w.value]


def test_one_variable_end_point_and_two_cycle():
    at = run("en", fn1="lr_example", x1="2.5", a1="1", n1="40")
    no_exception(at)
    path = oned.iterate(oned.FUNCTIONS_1D["lr_example"], 2.5, 1.0, 40)
    assert float(at.metric[0].value.split("=")[1]) == pytest.approx(path.xs[-1], rel=1e-4)
    info = " ".join(i.value for i in at.info)
    assert "1.571" in info and "-1.571" in info  # the 2-cycle ±π/2
    at = run("en")  # 25 sin x − x² from −2: the local maximum, with the warning
    assert float(at.metric[0].value.split("=")[1]) == pytest.approx(-4.3564, abs=1e-3)
    assert strings("en")["optimizers.one.local"][:30] in " ".join(w.value for w in at.warning)


def test_sgd_last_batch_text():
    at = run("en", batch="16", last="keep")
    texts = " ".join(m.value for m in at.markdown)
    assert strings("en")["optimizers.sgd.last_keep"].format(n=200, b=16, full=12, rest=8) in texts
    at = run("en", batch="20")
    texts = " ".join(m.value for m in at.markdown)
    assert strings("en")["optimizers.sgd.last_none"].format(n=200, b=20, full=10, rest=0) in texts


@pytest.mark.parametrize("fn_id", ["quadratic", "himmelblau"])
def test_reproduce_snippet_runs_and_matches_core(fn_id):
    """The snippet, run in a fresh interpreter, ends where core's trace ends, for every first-order method."""
    params = {**{f"on_{k}": "true" for k in opt.FIRST_ORDER}, "fn": fn_id, "steps": "60"}
    if fn_id == "himmelblau":
        params.update(sx="0", sy="-4.5", lr_gd="0.01", lr_momentum="0.002", lr_nesterov="0.002", lr_adagrad="0.5",
                      lr_rmsprop="0.05", lr_adam="0.1")
    at = run("en", **params)
    code = at.code[-1].value + "\nimport json; print(json.dumps({k: v.tolist() for k, v in ends.items()}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.splitlines()[-1])
    fn = ls.quadratic(20.0, 30.0) if fn_id == "quadratic" else ls.FUNCTIONS[fn_id]
    start = np.array([-1.8, 1.2]) if fn_id == "quadratic" else np.array([0.0, -4.5])
    lrs = {"quadratic": {"gd": 1.0, "momentum": 0.3, "nesterov": 0.3, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1},
           "himmelblau": {"gd": 0.01, "momentum": 0.002, "nesterov": 0.002, "adagrad": 0.5, "rmsprop": 0.05,
                          "adam": 0.1}}[fn_id]
    for k in opt.FIRST_ORDER:
        tr = opt.trace(k, fn, start, 60, lr=lrs[k])
        np.testing.assert_allclose(got[k], tr.iterates[-1], rtol=1e-9, atol=1e-12, err_msg=k)



@pytest.mark.parametrize("fn_id", ["rosenbrock", "beale", "himmelblau", "two_weight_net", "quadratic"])
def test_recommended_settings_do_not_diverge(fn_id):
    """Regression: Beale's recommended start (−3, −3) made momentum diverge at step 15. Only the saddle, which is
    unbounded below, may diverge with the settings the page recommends."""
    at = run("en", **{f"on_{k}": "true" for k in opt.NAMES})
    at.selectbox(key="fn").set_value(fn_id).run()
    no_exception(at)
    assert not [w.value for w in at.warning if "diverged" in w.value]

"""The constrained-optimization page through AppTest: every problem, extremes, share links, the numbers shown."""
import json
import subprocess
import sys

import numpy as np
import pytest

from core import constrained as cc
from tests.test_pages import headings, metric, no_exception, numbers, open_page, tables
from ui.i18n import LANGS, strings

PAGE = "pages/constrained.py"


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


@pytest.mark.parametrize("lang", LANGS)
def test_defaults_run_in_both_languages(lang):
    at = run(lang)
    no_exception(at)
    assert not at.error and not at.warning
    assert at.title[0].value == strings(lang)["constrained.title"]


@pytest.mark.parametrize("obj", ["quadratic", "himmelblau", "rosenbrock", "saddle"])
@pytest.mark.parametrize("second", ["none", "half_plane", "line"])
def test_every_objective_and_second_constraint_runs(obj, second):
    for lang in LANGS:
        at = run(lang, kobj=obj, kline=second, kphi="45", koff="0.5")
        no_exception(at)
        assert at.selectbox(key="kobj").value == obj and at.selectbox(key="kline").value == second


@pytest.mark.parametrize("params", [
    {"kr": "0.2", "kcx": "-3", "kcy": "-3", "kdelta": "0.3", "ksteps": "500", "klr": "0.9"},
    {"kr": "3", "kcx": "3", "kcy": "3", "kkap": "100", "ksteps": "500", "klr": "0.001", "kcase": "cq_fails"},
    {"kobj": "himmelblau", "klr": "0.9", "ksteps": "500", "kline": "line", "kphi": "345", "koff": "-3"},
    {"kobj": "saddle", "kdisc": "false", "kline": "half_plane", "koff": "3"},  # unbounded below: a warning
    {"kdisc": "false"},  # no constraint at all: an info message
    {"kdisc": "false", "kline": "line", "kphi": "90", "koff": "3"},
])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("part", ["solution", "pgd"])
def test_extremes_run_cleanly(params, lang, part):
    at = run(lang, kpart=part, **params)
    no_exception(at)
    assert at.segmented_control(key="kpart").value == part


def test_share_link_sets_every_widget():
    at = run("zh", kobj="quadratic", kcx="-1.5", kcy="0.5", kkap="10", kdisc="true", kr="1.5", kline="half_plane",
             kphi="90", koff="0.2", kdelta="0.01", kcase="cq_fails", klr="0.05", ksteps="200")
    no_exception(at)
    assert at.selectbox(key="kobj").value == "quadratic"
    assert at.slider(key="kcx").value == -1.5 and at.slider(key="kcy").value == 0.5
    assert at.select_slider(key="kkap").value == 10.0 and at.toggle(key="kdisc").value is True
    assert at.slider(key="kr").value == 1.5 and at.selectbox(key="kline").value == "half_plane"
    assert at.slider(key="kphi").value == 90 and at.slider(key="koff").value == 0.2
    assert at.select_slider(key="kdelta").value == 0.01 and at.selectbox(key="kcase").value == "cq_fails"
    assert not [s for s in at.slider if s.key == "ksteps"]  # the other part's: not drawn, kept in the URL
    at = run("zh", kcx="-1.5", kpart="pgd", klr="0.05", ksteps="200")
    no_exception(at)
    assert at.slider(key="kcx").value == -1.5 and at.segmented_control(key="kpart").value == "pgd"
    assert at.select_slider(key="klr").value == 0.05 and at.slider(key="ksteps").value == 200
    at = run("en", kdisc="false")
    assert at.toggle(key="kdisc").value is False


def test_default_shows_the_checked_example():
    """TEACHING §6: x* = (2, 1)/√5 ≈ (0.894, 0.447), λ = √5 − 1 ≈ 1.236, the disc active."""
    at = run("en")
    no_exception(at)
    ref = cc.solve(cc.quadratic_objective((2.0, 1.0)), [cc.disc(1.0)], (0.0, 0.0))
    shown = numbers(metric(at, "x*").value)
    np.testing.assert_allclose(shown, ref.x, atol=1e-4)
    np.testing.assert_allclose(shown, np.array([2.0, 1.0]) / np.sqrt(5), atol=1e-4)
    lam = metric(at, "λ₁ (g₁)")
    assert float(lam.value) == pytest.approx(np.sqrt(5) - 1, abs=1e-5)
    assert float(lam.value) == pytest.approx(ref.multipliers[0], abs=1e-5)
    assert lam.delta == strings("en")["constrained.result.active"]
    table = next(d for d in tables(at) if strings("en")["constrained.result.residual"] in d.columns)
    assert list(table[strings("en")["constrained.result.ok"]])[:4] == ["✓"] * 4


def test_centre_inside_the_disc_makes_the_constraint_inactive():
    at = run("en")
    at.slider(key="kcx").set_value(0.3).run()
    at.slider(key="kcy").set_value(0.2).run()
    no_exception(at)
    lam = metric(at, "λ₁ (g₁)")
    assert lam.value == "0" and lam.delta == strings("en")["constrained.result.inactive"]
    np.testing.assert_allclose(numbers(metric(at, "x*").value), [0.3, 0.2], atol=1e-4)
    said = strings("en")["constrained.result.say_inactive"].format(g="g₁", m="λ₁")
    assert said in [m.value for m in at.markdown]
    assert strings("en")["constrained.sens.none"] in [i.value for i in at.info]


def test_sensitivity_matches_core():
    at = run("en", kdelta="0.01")
    relaxed, predicted = cc.sensitivity(cc.quadratic_objective((2.0, 1.0)), [cc.disc(1.0)], 0, 0.01, (0.0, 0.0))
    labels = strings("en")
    assert float(metric(at, labels["constrained.sens.relaxed"].format(g="g₁")).value) == pytest.approx(relaxed,
                                                                                                        rel=1e-6)
    assert float(metric(at, labels["constrained.sens.predicted"].format(m="λ₁")).value) == pytest.approx(
        predicted, rel=1e-6)


@pytest.mark.parametrize("lang", LANGS)
def test_empty_feasible_region_is_an_error_not_an_exception(lang):
    at = run(lang, kr="0.5", kline="half_plane", kphi="0", koff="-3")  # x ≤ −3 and the disc of radius 0.5
    no_exception(at)
    assert [e.value for e in at.error] == [strings(lang)["constrained.error.empty_feasible_region"]]
    assert strings(lang)["constrained.when.heading"] in headings(at)  # the rest of the page still runs


def test_bad_url_values_warn_and_fall_back():
    at = run("en", kr="9", kcase="nope", klr="0.123", kline="circle")
    no_exception(at)
    text = " ".join(w.value for w in at.warning)
    for key in ("kr", "kcase", "klr", "kline"):
        assert f"**{key}**" in text
    assert at.slider(key="kr").value == 1.0 and at.selectbox(key="kcase").value == "nonconvex"


def test_when_kkt_is_not_enough_examples():
    at = run("en")
    ex = cc.EXAMPLES["nonconvex"]
    local = cc.solve(ex["objective"], ex["constraints"], ex["x0"], multistart=False)
    np.testing.assert_allclose(local.x, [-1.0, 0.0], atol=1e-6)
    heading = strings("en")["constrained.when.verdict"]
    table = next(d for d in tables(at) if heading in d.index)
    en = strings("en")
    assert list(table.loc[heading]) == [en["constrained.when.saddle"], en["constrained.when.minimum"]]
    assert list(table.columns) == [strings("en")["constrained.when.local"], strings("en")["constrained.when.global"]]
    assert list(table.loc["x"]) == ["(-1, 0)", "(1, 0)"]
    at = run("en", kcase="cq_fails")
    no_exception(at)
    text = " ".join(m.value for m in at.markdown)
    assert strings("en")["constrained.when.licq_False"] in text


@pytest.mark.parametrize("params, centre, r, second", [
    ({}, (2.0, 1.0), 1.0, None),
    ({"kcx": "-1.5", "kcy": "2", "kkap": "10", "kr": "1.5", "kline": "half_plane", "kphi": "90", "koff": "0.2"},
     (-1.5, 2.0), 1.5, ("half_plane", (0.0, 1.0), 0.2)),
    ({"kcx": "2", "kcy": "2", "kline": "line", "kphi": "45", "koff": "0.5"}, (2.0, 2.0), 1.0,
     ("line", (np.cos(np.pi / 4), np.sin(np.pi / 4)), 0.5)),
])
def test_reproduce_snippet_runs_and_matches_core(params, centre, r, second):
    at = run("en", **params)
    code = at.code[-1].value + "\nimport json; print(json.dumps(res.x.tolist()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kappa = float(params.get("kkap", 1.0))
    cons = [cc.disc(r)]
    if second:
        cons.append((cc.half_plane if second[0] == "half_plane" else cc.line)(second[1], second[2]))
    ref = cc.solve(cc.quadratic_objective(centre, kappa), cons, (0.0, 0.0))
    np.testing.assert_allclose(json.loads(out.stdout.splitlines()[-1]), ref.x, atol=1e-5)


def test_one_part_at_a_time_and_the_when_section_stays():
    """The problem's controls drive one part at a time (the solution, or projected gradient descent); the section on
    when KKT is not enough is independent of them and always shown. Switching parts keeps every setting."""
    en = strings("en")
    at = run("en", kcx="-1.5")
    no_exception(at)
    assert en["constrained.map.heading"] in headings(at) and en["constrained.when.heading"] in headings(at)
    assert en["constrained.pgd.heading"] not in headings(at)
    at.segmented_control(key="kpart").set_value("pgd").run()
    no_exception(at)
    assert en["constrained.pgd.heading"] in headings(at) and en["constrained.when.heading"] in headings(at)
    assert en["constrained.map.heading"] not in headings(at)
    assert at.slider(key="kcx").value == -1.5
    at.slider(key="ksteps").set_value(200).run()
    at.segmented_control(key="kpart").set_value("solution").run()
    at.segmented_control(key="kpart").set_value("pgd").run()
    assert at.slider(key="ksteps").value == 200

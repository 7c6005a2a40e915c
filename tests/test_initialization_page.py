"""The initialization page through AppTest: defaults, share links, extremes, bad links, and the numbers shown."""
import subprocess
import sys

import numpy as np
import pytest

from core import initialization as ci
from tests.test_pages import chart_specs as specs
from tests.test_pages import markdown, metric, no_exception, numbers, open_page
from ui.i18n import LANGS, strings

PAGE = "pages/initialization.py"


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


@pytest.mark.parametrize("lang", LANGS)
def test_defaults_run_in_both_languages(lang):
    at = run(lang)
    no_exception(at)
    assert not at.error
    assert at.title[0].value == strings(lang)["initialization.title"]
    assert len(at.get("vega_lite_chart")) == 7


def test_default_numbers_come_from_core():
    at = run("en")
    en = strings("en")
    ref = ci.propagate(50, 128, "tanh", "normal", dtype="float32", batch=64, seed=0, std=1.0)
    assert metric(at, en["initialization.lab.loss"]).value == f"{ref.loss:.4g}"
    assert metric(at, "aⁿ").value == f"{ci.product_growth(1.5, 100):.4g}"
    text = markdown(at)
    # the checked facts of TEACHING §5, and float16's limits, computed by core
    assert f"{1.5**100:.2e}" in text and f"{0.8**100:.2e}" in text
    assert "**28** layers" in text and "after **78**" in text
    # the default network: the forward signal is healthy, the backward one explodes in 42 of 50 layers
    outside = int(np.sum(~((ref.grad_norm >= 1e-6) & (ref.grad_norm <= 1e3))))
    assert any(f"backward **{outside}** of 50" in w.value for w in at.warning)


def test_share_link_sets_every_widget():
    at = run("zh", gfac="0.9", gn="40", pstd="0.8", pseed="3", idepth="20", iwidth="64", iact="relu",
             iinit="he_uniform", idtype="float64", ibatch="16", iseed="7", ires="true", iclip="true", iclipn="10",
             ifn="tanh", iorder="5")
    no_exception(at)
    assert at.slider(key="gfac").value == 0.9 and at.slider(key="gn").value == 40
    assert at.slider(key="pstd").value == 0.8 and at.number_input(key="pseed").value == 3
    assert at.slider(key="idepth").value == 20 and at.select_slider(key="iwidth").value == 64
    assert at.selectbox(key="iact").value == "relu" and at.selectbox(key="iinit").value == "he_uniform"
    assert at.select_slider(key="ibatch").value == 16 and at.number_input(key="iseed").value == 7
    assert at.toggle(key="ires").value is True and at.toggle(key="iclip").value is True
    assert at.select_slider(key="iclipn").value == 10 and at.selectbox(key="ifn").value == "tanh"
    assert at.slider(key="iorder").value == 5
    assert at.select_slider(key="istd").disabled  # He computes σ itself
    ref = ci.propagate(20, 64, "relu", "he_uniform", dtype="float64", batch=16, seed=7, residual=True, clip=10.0)
    zh = strings("zh")
    assert metric(at, zh["initialization.lab.loss"]).value == f"{ref.loss:.4g}"
    assert f"**{ref.clip_coef:.4g}**" in markdown(at) or ref.clip_coef == 1
    assert metric(at, "aⁿ").value == f"{0.9**40:.4g}"


def test_lab_charts_send_the_core_values():
    at = run("en", idepth="12", iwidth="32", iact="sigmoid", iinit="xavier_normal", idtype="float64")
    no_exception(at)
    ref = ci.propagate(12, 32, "sigmoid", "xavier_normal", dtype="float64")
    en = strings("en")
    for spec in specs(at):
        if spec.get("title", {}).get("text") == en["initialization.lab.bwd_title"]:
            rows = [r for d in spec["datasets"].values() for r in d if r.get("series") == "‖∂L/∂W_t‖"]
            got = np.array([r["v"] for r in sorted(rows, key=lambda r: r["x"])])
            np.testing.assert_allclose(got, ref.grad_norm, rtol=1e-4)
            break
    else:
        pytest.fail("no backward chart")


def test_float16_overflow_is_marked_and_explained():
    at = run("en", iact="identity", idtype="float16", idepth="30", iwidth="64")
    no_exception(at)
    ref = ci.propagate(30, 64, "identity", "normal", dtype="float16", std=1.0)
    en = strings("en")
    t = ref.first_inf["forward"]
    assert t is not None
    assert f"**{en['initialization.lab.first_forward']}:** inf in layer {t}" in markdown(at)
    fwd = next(s for s in specs(at) if s.get("title", {}).get("text") == en["initialization.lab.fwd_title"])
    kinds = {r["kind"] for d in fwd["datasets"].values() for r in d if "kind" in r}
    assert en["initialization.lab.inf"] in kinds
    assert en["initialization.remedies.run_inf"].format(t=t) in markdown(at)


def test_fp16_example_button_loads_an_underflowing_network_and_loss_scaling_rescues_it():
    at = run("en")
    en = strings("en")
    next(b for b in at.button if b.label == en["initialization.fp16.example"]).click()
    at.run()
    no_exception(at)
    assert at.segmented_control(key="idtype").value == "float16"
    assert at.select_slider(key="iscale").value == 256.0 and at.selectbox(key="iact").value == "sigmoid"
    ref = ci.propagate(20, 128, "sigmoid", "he_normal", dtype="float16", loss_scale=256.0)
    plain, master = int(np.sum(ref.plain_grad_norm == 0)), int(np.sum(ref.master_grad_norm == 0))
    assert plain > master  # the point of the section: scaling saves layers
    assert en["initialization.fp16.counts"].format(plain=plain, d=20, s="256", master=master,
                                                   un16=int(np.sum(ref.grad_norm == 0))) in markdown(at)


def test_switch_to_float16_button():
    at = run("zh")
    zh = strings("zh")
    assert any(zh["initialization.fp16.need_fp16"].format(dtype="float32") == i.value for i in at.info)
    next(b for b in at.button if b.label == zh["initialization.fp16.switch"]).click()
    at.run()
    no_exception(at)
    assert at.segmented_control(key="idtype").value == "float16"
    assert not at.select_slider(key="iscale").disabled


def test_too_large_a_loss_scale_warns():
    at = run("en", idtype="float16", iact="identity", iinit="xavier_normal", idepth="5", iwidth="64",
             iscale=f"{2.0**24:g}")
    no_exception(at)
    assert any("too large" in w.value for w in at.warning)


@pytest.mark.parametrize("view", list(ci.ACTIVATIONS))
def test_every_activation_view(view):
    at = run("en", ifn=view, iorder="7")
    no_exception(at)
    assert at.slider(key="iorder").disabled is (ci.ACTIVATIONS[view].taylor is None)
    en = strings("en")
    shows_info = any(i.value == en["initialization.act.no_series"].format(act=en[f"initialization.acts.{view}"])
                     for i in at.info)
    assert shows_info is (ci.ACTIVATIONS[view].taylor is None)


@pytest.mark.parametrize("params", [
    {"idepth": "100", "iwidth": "512", "idtype": "float16", "iscale": "65536", "iclip": "true"},
    {"idepth": "100", "iwidth": "8", "ibatch": "1", "iact": "relu", "iinit": "uniform", "istd": "10"},
    {"idepth": "1", "iwidth": "8", "istd": "0.001", "idtype": "float16"},
    {"gfac": "0.5", "gn": "1", "pstd": "1.5", "pseed": "9999"},
])
def test_extremes_run_cleanly(params):
    no_exception(run("en", **params))


def test_bad_link_values_fall_back_with_a_notice():
    at = run("zh", idepth="1000", iwidth="100", iact="swish", iinit="orthogonal", idtype="float8", istd="-1",
             iseed="abc", iscale="3")
    no_exception(at)
    zh = strings("zh")
    assert len(at.warning) >= 7
    assert at.slider(key="idepth").value == 50 and at.select_slider(key="iwidth").value == 128
    assert at.selectbox(key="iact").value == "tanh" and at.selectbox(key="iinit").value == "normal"
    assert metric(at, zh["initialization.lab.loss"]).value == metric(run("zh"), zh["initialization.lab.loss"]).value


def test_reproduce_snippet_recomputes_the_forward_chart():
    """The "Reproduce in NumPy" script, run as it is, prints the forward chart's values (float64)."""
    at = run("en", idepth="8", iwidth="16", iact="tanh", iinit="xavier_uniform", idtype="float64", ires="true",
             ibatch="4", iseed="5")
    code = next(c.value for c in at.code if c.value.startswith("import numpy"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    ref = ci.propagate(8, 16, "tanh", "xavier_uniform", dtype="float64", batch=4, seed=5, residual=True)
    np.testing.assert_allclose(numbers(out), ref.forward_std, rtol=1e-3)

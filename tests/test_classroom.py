"""Classroom mode through AppTest: projector view, lesson presets, locks, predict-then-reveal, sharing, export."""
import io
import json

import numpy as np
import pytest

from core import conditioning as cd
from core import constrained as cc
from core import floats, oned
from core import initialization as ci
from core import landscapes as ls
from core import optimizers as opt
from core import softmax as sm
from core.charts import style
from core.critical_points import classify
from tests.test_pages import chart_specs, no_exception, open_page, tables
from ui import classroom
from ui.frame import PAGES
from ui.i18n import LANGS, Translator, strings

PAGE_FILES = {p.id: p.path for p in PAGES}


def run(page, lang="en", **params):
    return open_page(PAGE_FILES[page], lang, **{k: str(v) for k, v in params.items()})


def widget_value(at, key):
    for kind in ("slider", "select_slider", "selectbox", "toggle", "number_input", "text_input",
                 "segmented_control"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def same(a, b) -> bool:
    if isinstance(b, float) or isinstance(a, float):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_projector_view_renders_every_page_larger(page, lang):
    at = run(page, lang, view="projector")
    no_exception(at)
    assert at.session_state["_view"] == "projector"
    assert at.toggle(key="_view_toggle").value is True
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert specs and all(s["config"]["axis"]["labelFontSize"] >= 20 for s in specs)
    # explanations are folded into expanders
    assert any(e.label == strings(lang)["frame.explanation"] for e in at.expander)


def test_unknown_view_falls_back_with_a_notice():
    at = run("softmax", "zh", view="cinema")
    no_exception(at)
    assert at.session_state["_view"] == "normal"
    assert any("cinema" in w.value for w in at.warning)


@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_every_preset_sets_the_widgets_it_declares(page):
    presets = run(page).session_state["_presets"]
    assert len(presets) >= 2
    en = strings("en")
    for pid, values in presets.items():
        assert f"{page}.lessons.{pid}" in en
        at = run(page, preset=pid)  # a link with ?preset=
        no_exception(at)
        assert "preset" not in at.query_params
        for key, value in values.items():
            assert same(widget_value(at, key).value, value), (page, pid, key)
        # and the same through the sidebar's picker
        at = run(page)
        at.selectbox(key=f"_preset_{page}").set_value(pid).run()
        no_exception(at)
        for key, value in values.items():
            assert same(widget_value(at, key).value, value), (page, pid, key)


def test_unknown_preset_falls_back_with_a_notice():
    at = run("initialization", "en", preset="nope")
    no_exception(at)
    assert any("nope" in w.value for w in at.warning)
    assert at.slider(key="idepth").value == 50


def test_a_locked_widget_is_disabled_keeps_its_value_and_the_lock_wins():
    at = run("initialization", "en", lock="idepth,iact", idepth="20", iact="relu")
    no_exception(at)
    assert at.slider(key="idepth").disabled and at.selectbox(key="iact").disabled
    assert at.slider(key="idepth").value == 20 and at.selectbox(key="iact").value == "relu"
    assert not at.select_slider(key="iwidth").disabled
    at.query_params["idepth"] = "70"  # the URL changes: the lock wins
    at.run()
    assert at.slider(key="idepth").value == 20
    # a preset does not move a locked widget either
    at.selectbox(key="_preset_initialization").set_value("relu_he").run()
    assert at.slider(key="idepth").value == 20 and at.selectbox(key="iinit").value == "he_normal"


def test_unknown_lock_keys_are_ignored_with_a_notice():
    at = run("softmax", "zh", lock="nothing,logits")
    no_exception(at)
    assert any("nothing" in w.value for w in at.warning)
    assert at.text_input(key="logits").disabled


# --- predict, then reveal -----------------------------------------------------------------------------------

def _expected_answers() -> dict:
    """Each question's correct option, computed here from core, independently of the pages."""
    naive = sm.softmax(np.array([123.0, 456.0, 789.0]), "float64", stable=False)
    ov = floats.float_info("float16").exp_overflow
    kappa = cd.cond_numbers(np.array([[1.0, 1000.0], [0.0, 1.0]]))["singular"]
    A = cd.matrix_from_svd(1.0, 0.1, 30)
    lim = 2 / np.max(np.linalg.eigvalsh(A.T @ A))
    div = [f for f in (0.9, 1.1) if cd.gd_run(A, A @ np.ones(2), f * lim, 60, np.array([3.0, -2.0])).diverged_at]
    bounce = [lr for lr in (0.5, 1.0, 1.5) if np.allclose(np.abs(oned.iterate(oned.FUNCTIONS_1D["parabola"], 1.0, lr,
                                                                                  12).xs), 1.0)]
    q = ls.quadratic(1000.0, 30)
    gd, adam = (opt.trace(k, q, (-1.8, 1.2), 100, lr=lr).losses[-1] for k, lr in (("gd", 1.0), ("adam", 0.1)))
    disc = cc.solve(cc.quadratic_objective((2.0, 1.0)), (cc.disc(1.0),), (0.0, 0.0))
    inside = cc.solve(cc.quadratic_objective((0.3, 0.2)), (cc.disc(1.0),), (0.0, 0.0))
    over = ci.propagate(50, 64, "identity", "normal", dtype="float16").first_inf["forward"]
    tanh = ci.propagate(50, 128, "tanh", "xavier_normal", dtype="float32").grad_norm
    return {
        "softmax": {"softmax_naive": "last_nan" if np.isnan(naive[2]) and (naive[:2] == 0).all() else "?",
                    "softmax_fp16": "11" if abs(ov - np.log(65504)) < 0.01 else "?"},
        "conditioning": {"cond_kappa": "1e6" if 5e5 < kappa < 2e6 else "?", "cond_lr": "1.1" if div == [1.1] else "?"},
        "saddle": {"saddle_negative": str(int(np.sum(np.linalg.eigvalsh(
            ls.FUNCTIONS["two_weight_net"].hess(np.zeros(2))) < 0))),
                   "saddle_monkey": classify(np.zeros(2))},
        "optimizers": {"opt_bounce": "1" if bounce == [1.0] else "?", "opt_adam": "adam" if adam < gd else "gd"},
        "constrained": {"kkt_active": "yes" if disc.multipliers[0] > 0 else "no",
                        "kkt_lambda": "0" if abs(inside.multipliers[0]) < 1e-6 else "?"},
        "initialization": {"init_overflow": "early" if over and over <= 10 else "?",
                           "init_xavier": "yes" if ((tanh >= 1e-6) & (tanh <= 1e3)).all() else "no"},
    }


EXPECTED = _expected_answers()
WRONG = {"softmax_naive": "onehot", "cond_kappa": "1", "saddle_negative": "0", "opt_bounce": "0.5",
         "kkt_active": "no", "init_overflow": "never"}


def test_the_expected_answers_are_the_textbook_ones():
    assert EXPECTED["saddle"]["saddle_negative"] == "1" and EXPECTED["saddle"]["saddle_monkey"] == "degenerate"
    assert "?" not in json.dumps(EXPECTED)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_questions_hide_the_chart_until_answered_and_check_the_answer(page, lang):
    at = run(page, lang)
    no_exception(at)
    questions = EXPECTED[page]
    radios = {r.key[3:]: r for r in at.radio if r.key and r.key.startswith("_q_")}
    assert set(radios) == set(questions)
    charts_before = len(at.get("vega_lite_chart")) + len(tables(at))
    table = strings(lang)
    for qid, correct in questions.items():
        assert radios[qid].value is None
        at.radio(key=f"_q_{qid}").set_value(correct).run()
        no_exception(at)
        assert any(s.value.startswith(table["frame.predict_right"].split("{")[0]) for s in at.success)
    assert len(at.get("vega_lite_chart")) + len(tables(at)) == charts_before + len(questions)
    # a wrong answer is corrected with the right one
    at = run(page, lang)
    qid = next(iter(questions))
    at.radio(key=f"_q_{qid}").set_value(WRONG[qid]).run()
    assert any(e.value.startswith(table["frame.predict_wrong"].split("{")[0]) for e in at.error)


# --- sharing and export -------------------------------------------------------------------------------------

def test_qr_code_decodes_back_to_the_url():
    import zxingcpp
    from PIL import Image

    url = "http://localhost:8501/initialization?idepth=20&iact=relu&lang=zh&view=projector&lock=idepth%2Ciact"
    image = Image.open(io.BytesIO(classroom.qr_png(url)))
    found = zxingcpp.read_barcodes(image)
    assert [r.text for r in found] == [url]


def test_share_panel_builds_the_full_link():
    at = run("initialization", "zh", idepth="20", iact="relu")
    assert not any("idepth=20" in t.value for t in at.text)  # the menu is built when opened
    at.session_state["_share"] = True
    at.run()
    assert at.multiselect(key="_share_lock").proto.placeholder == strings("zh")["frame.share_lock_pick"]
    at.multiselect(key="_share_lock").set_value(["idepth"])
    at.checkbox(key="_share_projector").check()
    at.run()
    link = next(t.value for t in at.text if "idepth=20" in t.value)
    assert "lang=zh" in link and "view=projector" in link and "lock=idepth" in link and "iact=relu" in link


def test_export_table_names_columns_by_their_titles_and_projector_scales_fonts():
    from core.charts import initialization as charts

    p = ci.propagate(5, 8, "tanh", "xavier_normal", dtype="float64")
    labels = {"title": "t", "x": "第 t 层", "y": "‖∂L/∂W_t‖", "series": "曲线", "band": "b", "inf": "inf",
              "nan": "nan", "zero": "0"}
    spec = charts.log_layers_chart(np.arange(1, 6), {"g": p.grad_norm}, labels, band=ci.HEALTHY).to_dict()
    table = style.export_table(spec)
    assert {"第 t 层", "‖∂L/∂W_t‖", "曲线"} <= set(table.columns)
    rows = table.dropna(subset=["‖∂L/∂W_t‖"])
    np.testing.assert_allclose(rows.sort_values("第 t 层")["‖∂L/∂W_t‖"], p.grad_norm, rtol=1e-4)
    big = style.projector(spec)
    assert big["config"]["axis"]["labelFontSize"] == pytest.approx(1.5 * spec["config"]["axis"]["labelFontSize"])
    assert big["title"]["fontSize"] == pytest.approx(1.5 * spec["title"]["fontSize"])
    assert big["datasets"] == spec["datasets"]


def test_chart_downloads_csv_svg_and_png():
    from ui import frame

    full = chart_specs(run("initialization", "zh"))[0]
    csv = frame._csv(full).decode("utf-8-sig")
    assert csv.splitlines()[0].count(",") >= 2 and "层数 n" in csv.splitlines()[0]
    svg = frame._image(full, "svg")
    assert svg.lstrip().startswith("<svg") and "aⁿ" in svg
    png = frame._image(full, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_menu_draws_its_buttons_only_while_open():
    at = run("initialization", "en")
    assert not at.get("download_button")  # closed menus cost one small element each
    at.session_state["_export_products1"] = True  # the first chart of the section "products"
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert len(labels) == 3 and all(labels)
    assert {b.proto.label for b in at.get("download_button")} == {
        Translator("en")(f"frame.export_{k}") for k in ("csv", "svg", "png")}

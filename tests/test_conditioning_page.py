"""The conditioning page through AppTest: extremes, share links, bad input, and the numbers it shows."""
import json

import numpy as np
import pytest

from core import conditioning as cd
from core.charts.tables import number_text
from tests.test_pages import no_exception, open_page
from tests.test_softmax_page import fragment
from ui.i18n import LANGS, strings

PAGE = "pages/conditioning.py"


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


def metric(at, lang, key):
    label = strings(lang)[key]
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("params", [
    {"s1": "0.01", "s2": "100", "theta": "0", "eps": "1e-06", "seed": "0", "lr": "0.05", "steps": "1", "start": "0"},
    {"s1": "100", "s2": "0.01", "theta": "180", "eps": "0.1", "seed": "9999", "lr": "2.2", "steps": "500",
     "start": "355"},
    {"typed": "true", "matrix": "1, 2; 2, 4", "lr": "2.2", "steps": "500"},
    {"typed": "true", "matrix": "; ".join(", ".join(str(1 / (i + j + 1)) for j in range(6)) for i in range(6)),
     "eps": "0.1", "steps": "500"},
    {"typed": "true", "matrix": "1e6, -1e6; 1e-6, 1e6", "lr": "2.2", "steps": "500", "eps": "0.1"},
    {"typed": "true", "matrix": "0", "steps": "500"},
])
@pytest.mark.parametrize("part", ["sensitivity", "descent", "curvature"])
def test_extremes_run_cleanly(lang, params, part):
    at = run(lang, part=part, **params)
    no_exception(at)
    assert not at.error or all("diverged" in e.value or "发散" in e.value for e in at.error)
    assert at.segmented_control(key="part").value == part


def test_share_link_sets_every_widget():
    link = dict(typed="true", matrix="2, 1; 1, 3", eps="0.01", seed="7", lr="1.5", steps="120", start="45")
    at = run("zh", **link)  # the default part: sensitivity, whose widgets are drawn
    no_exception(at)
    assert at.toggle(key="typed").value is True
    assert at.text_input(key="matrix").value == "2, 1; 1, 3"
    assert at.select_slider(key="eps").value == 0.01
    assert at.number_input(key="seed").value == 7
    assert not [s for s in at.slider if s.key in ("lr", "steps", "start")]  # another part's: not drawn
    at = run("zh", part="descent", **link)
    no_exception(at)
    assert at.segmented_control(key="part").value == "descent"
    assert at.text_input(key="matrix").value == "2, 1; 1, 3"
    assert at.slider(key="lr").value == 1.5
    assert at.slider(key="steps").value == 120
    assert at.slider(key="start").value == 45


def test_shown_condition_numbers_match_numpy():
    at = run("en", typed="true", matrix="1, 1000; 0, 1")
    no_exception(at)
    A = np.array([[1.0, 1000.0], [0.0, 1.0]])
    assert metric(at, "en", "conditioning.eig.singular") == number_text(np.linalg.cond(A), 4)
    assert metric(at, "en", "conditioning.eig.eigen") == "1"
    assert metric(at, "en", "conditioning.sens.kappa") == number_text(np.linalg.cond(A), 4)
    at = run("en", typed="true", matrix="1, 1000; 0, 1", part="curvature")
    no_exception(at)
    lam = np.linalg.eigvalsh(A.T @ A)
    assert metric(at, "en", "conditioning.curv.lmin") == number_text(lam[0], 4)
    assert metric(at, "en", "conditioning.curv.kappa_h") == number_text(np.linalg.cond(A.T @ A), 4)
    assert metric(at, "en", "conditioning.curv.lmax") == number_text(lam[-1], 4)


def test_singular_matrix_is_explained_not_an_error():
    at = run("en", typed="true", matrix="1, 2; 2, 4")
    no_exception(at)
    assert not at.error
    assert any(fragment(strings("en")["conditioning.singular"]) in w.value for w in at.warning)
    assert metric(at, "en", "conditioning.eig.singular") == "inf"


@pytest.mark.parametrize("text,code", [("1, 2; 3", "not_square"), ("1, x; 3, 4", "bad_token"),
                                       ("nan, 1; 1, 1", "bad_token"), ("1e7, 1; 1, 1", "too_large"),
                                       ("; ".join(["1, " * 6 + "1"] * 7), "too_big")])
def test_bad_matrix_gives_a_message(text, code):
    at = run("zh", typed="true", matrix="1, 0; 0, 1")
    at.text_input(key="matrix").set_value(text).run()
    no_exception(at)
    assert len(at.error) == 1
    assert fragment(strings("zh")[f"conditioning.matrix.err.{code}"]) in at.error[0].value


def test_divergence_is_reported_at_its_step():
    at = run("en", part="descent", lr="2.2", steps="500")
    no_exception(at)
    A = cd.matrix_from_svd(1.0, 0.1, 30)
    x_star = np.ones(2)
    x0 = x_star + np.array([np.cos(np.radians(135)), np.sin(np.radians(135))])
    k = cd.gd_run(A, A @ x_star, 2.2 / np.linalg.eigvalsh(A.T @ A)[-1], 500, x0).diverged_at
    assert k is not None
    assert any(str(k) in e.value for e in at.error)


def test_reproduce_snippet_runs():
    import subprocess
    import sys
    at = run("en", part="descent", s2="0.316", lr="1", steps="30")
    out = subprocess.run([sys.executable, "-c", at.code[-1].value], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "kappa(A) =" in out.stdout


def test_one_part_at_a_time_each_with_its_own_charts():
    """The matrix's sliders drive one part at a time, drawn right under them; switching parts keeps the matrix and
    every other part's settings."""
    at = run("en", s2="0.316", part="sensitivity")
    no_exception(at)
    en = strings("en")

    def titles():
        return {json.dumps(json.loads(c.proto.spec).get("title"), ensure_ascii=False)
                for c in at.get("vega_lite_chart")}

    assert any(en["conditioning.sens.out_title"] in s for s in titles())
    assert not any(en["conditioning.gd.map_title"] in s or en["conditioning.gd.iter_title"] in s for s in titles())
    at.segmented_control(key="part").set_value("descent").run()
    no_exception(at)
    assert at.select_slider(key="s2").value == 0.316
    assert any(en["conditioning.gd.map_title"] in s for s in titles())
    assert not any(en["conditioning.sens.out_title"] in s for s in titles())
    at.slider(key="lr").set_value(1.5).run()
    at.segmented_control(key="part").set_value("curvature").run()
    no_exception(at)
    assert any(en["conditioning.gd.iter_title"] in s for s in titles())
    assert not any(en["conditioning.gd.map_title"] in s for s in titles())
    at.segmented_control(key="part").set_value("descent").run()
    assert at.slider(key="lr").value == 1.5
    assert at.query_params["part"] == ["descent"] or at.query_params["part"] == "descent"

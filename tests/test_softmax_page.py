"""The softmax page through AppTest: widgets at their extremes, share links, bad input, behaviour."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from core import softmax as sm
from core.charts.tables import number_text
from tests.test_pages import headings, no_exception, open_page, tables
from ui.i18n import LANGS, strings

PAGE = "pages/softmax.py"


def fragment(template: str) -> str:
    """The longest literal piece of a message template: present in the message whatever fills it."""
    return max(re.split(r"\{[a-z_]+\}|`", template), key=len)


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("params", [
    {"fmt": "float16", "scale": "0.01", "shift": "-2000", "target": "0", "lab_fmt": "float16", "bits": "-inf"},
    {"fmt": "float64", "scale": "10000", "shift": "2000", "target": "63", "lab_fmt": "bfloat16", "bits": "1e308",
     "logits": ", ".join(["1e6"] * 32 + ["-1e6"] * 32)},
    {"fmt": "bfloat16", "lab_fmt": "float32", "logits": "nan, inf, -inf", "bits": "nan", "scale": "10000"},
    {"fmt": "float32", "lab_fmt": "float64", "logits": "-inf, -inf", "bits": "4.9e-324", "shift": "2000"},
])
@pytest.mark.parametrize("part", ["lab", "shift", "ce", "sweep"])
def test_extremes_run_cleanly(lang, params, part):
    at = run(lang, spart=part, **params)
    no_exception(at)
    assert at.segmented_control(key="spart").value == part
    for key, value in params.items():
        if key in ("target",):
            continue
        widget = at.text_input(key=key) if key in ("logits", "bits") else None
        if widget is not None:
            assert widget.value == value


def test_share_link_sets_every_widget():
    at = run("zh", fmt="float32", bits="70000", logits="1, 2, 30", scale="100", lab_fmt="float16",
             shift="25", target="2")
    no_exception(at)
    assert at.segmented_control(key="fmt").value == "float32"
    assert at.segmented_control(key="lab_fmt").value == "float16"
    assert at.text_input(key="bits").value == "70000"
    assert at.text_input(key="logits").value == "1, 2, 30"
    assert at.select_slider(key="scale").value == 100.0
    assert not [s for s in at.slider if s.key in ("shift", "target")]  # other parts': not drawn, kept in the URL
    at = run("zh", logits="1, 2, 30", spart="shift", shift="25", target="2")
    assert at.slider(key="shift").value == 25
    at = run("zh", logits="1, 2, 30", spart="ce", shift="25", target="2")
    assert at.slider(key="target").value == 2
    assert not at.warning or all("链接" not in w.value for w in at.warning)


@pytest.mark.parametrize("key,value", [("shift", "5000"), ("shift", "abc"), ("scale", "3"), ("fmt", "float8"),
                                       ("target", "99")])
def test_bad_url_values_fall_back_with_a_notice(key, value):
    at = run("en", **{key: value})
    no_exception(at)
    assert any(key in w.value and value in w.value for w in at.warning), [w.value for w in at.warning]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text,code,token", [
    ("1, abc, 3", "bad_token", "abc"), ("5", "too_few", "1"), ("2e6, 1", "too_large", "2e6"),
    ("", "empty", ""), (", ".join(["1"] * 65), "too_many", "65"), ("__import__('os')", "bad_token", None),
])
def test_bad_logits_give_a_message_and_keep_the_last_good_state(lang, text, code, token):
    at = run(lang, logits="1, 2, 3", spart="ce")
    at.text_input(key="logits").set_value(text).run()
    no_exception(at)
    assert len(at.error) == 1
    msg = at.error[0].value
    assert fragment(strings(lang)[f"softmax.logits.err.{code}"]) in msg
    if token:
        assert token in msg
    # the rest of the page still shows the last good logits [1, 2, 3]
    assert at.metric[-1].value == number_text(float(sm.cross_entropy([1, 2, 3], 0)))


@pytest.mark.parametrize("text,code", [("abc", "not_a_number"), ("1e999", "too_large"), ("", "empty"),
                                       ("0x10", "not_a_number")])
def test_bad_bit_input_gives_a_message(text, code):
    at = run("zh", bits="0.5")
    at.text_input(key="bits").set_value(text).run()
    no_exception(at)
    assert len(at.error) == 1
    assert fragment(strings("zh")[f"softmax.bits.err.{code}"]) in at.error[0].value
    assert strings("zh")["softmax.lab.naive"] in headings(at)  # the page below carries on


def test_presets_set_the_logits():
    at = run("en")
    at.button[1].click().run()  # "All very negative"
    assert at.text_input(key="logits").value == "-1000, -1000"
    texts = " ".join(w.value for w in at.warning)
    assert strings("en")["softmax.diag.all_underflow"][:20] in texts


def test_cs231n_default_numbers():
    """Naive float64 on [123, 456, 789]: [0, 0, nan]; stable: exact; losses inf vs 666."""
    at = run("en")
    no_exception(at)
    naive = tables(at)[1]
    assert list(naive["softmax"]) == ["0", "0", "nan"]
    stable = tables(at)[2]
    assert list(stable["z = x − max x"]) == ["-666", "-333", "0"]
    exact = sm.exact_softmax([123, 456, 789])
    assert list(stable["softmax"]) == [number_text(v) for v in exact]
    at = run("en", spart="ce")
    no_exception(at)
    assert [m.value for m in at.metric[-2:]] == ["inf", "666"]


def test_target_beyond_the_classes_is_clamped_with_a_notice():
    at = run("en", logits="1, 2, 3, 4, 5", target="4", spart="ce")
    at.text_input(key="logits").set_value("1, 2").run()
    no_exception(at)
    assert at.slider(key="target").value == 1
    assert any("4" in w.value for w in at.warning)


def test_reproduce_snippet_runs_and_matches_the_page():
    """The snippet is run as a student would: in a fresh Python process."""
    at = run("en", logits="1, 2, 30", scale="10", lab_fmt="float32")
    code = at.code[-1].value + "\nimport json; print(json.dumps(stable.astype(float).tolist()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    np.testing.assert_allclose(json.loads(out.stdout.splitlines()[-1]),
                               sm.softmax(np.array([1, 2, 30]) * 10.0, "float32"), rtol=1e-6)


def test_one_part_at_a_time_each_with_its_own_chart():
    """The logits drive one part of the lesson at a time, right under the lab's controls; switching parts keeps
    the logits and every part's own settings."""
    en = strings("en")
    at = run("en", logits="1, 2, 30", scale="10")
    no_exception(at)
    assert en["softmax.lab.naive"] in headings(at) and en["softmax.shift.heading"] not in headings(at)
    for part, heading in (("shift", "softmax.shift.heading"), ("ce", "softmax.ce.heading"),
                          ("sweep", "softmax.sweep.heading"), ("lab", "softmax.lab.naive")):
        at.segmented_control(key="spart").set_value(part).run()
        no_exception(at)
        assert en[heading] in headings(at)
        assert at.text_input(key="logits").value == "1, 2, 30" and at.select_slider(key="scale").value == 10.0
    at.segmented_control(key="spart").set_value("shift").run()
    at.slider(key="shift").set_value(25).run()
    at.segmented_control(key="spart").set_value("ce").run()
    at.segmented_control(key="spart").set_value("shift").run()
    assert at.slider(key="shift").value == 25

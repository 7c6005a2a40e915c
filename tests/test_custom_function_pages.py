"""Your own function on the saddle-point and optimizer pages: typed formulas behave like gallery functions,
refusals are explained in the reader's language, undefined regions are masked, and the formula is in the link."""
import json
import math
import time

import numpy as np
import pyarrow as pa
import pytest

from core import critical_points as cp
from core import expressions as ex
from core import landscapes as ls
from tests.test_pages import no_exception, open_page, tables
from ui import formula
from ui.i18n import LANGS, strings

PAGES = ("pages/saddle.py", "pages/optimizers.py")


def run(page, lang="en", **params):
    return open_page(page, lang, **{k: str(v) for k, v in params.items()})


def float_columns(at):
    """Every floating-point column of every chart's data, as Arrow arrays (nulls are absent fields, not nan)."""
    import pyarrow.compute as pc

    for c in at.get("vega_lite_chart"):
        for d in c.proto.datasets:
            table = pa.ipc.open_stream(d.data.data).read_all()
            for col in table.columns:
                if pa.types.is_floating(col.type):
                    yield pc.drop_null(col)
        for rows in json.loads(c.proto.spec).get("datasets", {}).values():
            for row in rows:
                yield pa.array([v for v in row.values() if isinstance(v, float)], type=pa.float64())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("text", ["x**2 - y**2", "(1 - x*y)**2", "sin(x)*cos(y) + 0.1*(x**2 + y**2)",
                                  "log(1 + exp(-x*y))"])
def test_typed_formulas_run_like_gallery_functions(page, lang, text):
    at = run(page, lang, fn="custom", expr=text)
    no_exception(at)
    assert not at.error
    assert at.selectbox(key="fn").value == "custom" and at.text_input(key="expr").value == text
    tex = "\n".join(m.value for m in at.markdown)
    fn = ex.parse(text)
    assert fn.grad_latex[0] in tex and fn.hess_latex[1][1] in tex  # the derivatives, in LaTeX, from SymPy
    assert at.get("vega_lite_chart")


def test_the_saddle_page_finds_and_classifies_the_critical_points_of_a_typed_formula():
    at = run("pages/saddle.py", "en", fn="custom", expr="x**3 - 3*x + y**2")
    no_exception(at)
    table = tables(at)[0]
    kinds = dict(zip(table.iloc[:, 0], table.iloc[:, 3]))
    en = strings("en")
    # ∇f = (3x² − 3, 2y): a minimum at (1, 0) and a saddle at (−1, 0)
    assert kinds["(1.0000, 0.0000)"] == en["saddle.kind.minimum"]
    assert kinds["(-1.0000, 0.0000)"] == en["saddle.kind.saddle"]
    ref = cp.find_critical_points(ex.parse("x**3 - 3*x + y**2"), ex.DEFAULT_BOUNDS)
    assert len(ref) == len(table)


def test_a_typed_formula_matches_the_gallery_function_it_spells():
    typed, gallery = ex.parse("(1 - x*y)**2"), ls.FUNCTIONS["two_weight_net"]
    P = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    np.testing.assert_allclose(typed.f(P), gallery.f(P), rtol=1e-12)
    np.testing.assert_allclose(typed.grad(P), gallery.grad(P), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(typed.hess(P), gallery.hess(P), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("bad,code", [("__import__('os').system('ls')", "character"), ("x^2", "caret"),
                                      ("ｓｉｎ(x)", "not_ascii"), ("9**9**9", "power"), ("open(x)", "function"),
                                      ("x.real", "attribute"), ("(x + 1", "unbalanced"), ("", "empty"),
                                      ("2x", "implicit_mult"), ("z + 1", "name")])
def test_refusals_are_explained_and_the_page_keeps_working(page, bad, code):
    lang = LANGS[(len(bad) + PAGES.index(page)) % 2]  # both languages, half the runs
    at = run(page, lang, fn="custom", expr=bad)
    no_exception(at)
    table = strings(lang)
    with pytest.raises(ex.ExpressionError) as info:
        ex.parse(bad)
    assert info.value.code == code
    head = table[f"expressions.err.{code}"].split("{")[0]
    assert any(e.value.startswith(head) and table["expressions.accepted"].split("{")[0] in e.value for e in at.error)
    # the page goes on with the default formula
    assert at.get("vega_lite_chart") and any(ex.parse(formula.DEFAULT).grad_latex[0] in m.value for m in at.markdown)


def test_refusals_are_quick():
    slowest = 0.0
    for bad in ["x^2", "9**9**9", "x**10**10", "exp(x)**10**6", "(" * 150 + "x" + ")" * 150, "a" * 500,
                "x\x00", "ｓｉｎ(x)", "lambda: 1", "[x for x in y]", "1e999999"]:
        t0 = time.perf_counter()
        with pytest.raises(ex.ExpressionError):
            ex.parse(bad)
        slowest = max(slowest, time.perf_counter() - t0)
    assert slowest < 0.1


def test_undefined_regions_are_masked_and_explained():
    at = run("pages/saddle.py", "zh", fn="custom", expr="log(x) + y**2")
    no_exception(at)
    zh = strings("zh")
    assert any(i.value.startswith(zh["expressions.undefined"].split("{")[0]) for i in at.info)
    for col in float_columns(at):
        assert np.isfinite(col.to_numpy(zero_copy_only=False)).all()  # no inf/nan ever reaches a chart


def test_an_undefined_start_moves_to_the_nearest_defined_point():
    at = run("pages/optimizers.py", "en", fn="custom", expr="log(x) + y**2", sx="-2", sy="1.5")
    no_exception(at)
    en = strings("en")
    moved = ls.nearest_defined(ex.parse("log(x) + y**2"), (-2.0, 1.5))
    assert moved[0] > 0 and math.isclose(moved[1], 1.5, abs_tol=0.05)
    assert any(w.value.startswith(en["expressions.start_moved"].split("{")[0]) for w in at.warning)


def test_a_formula_defined_nowhere_stops_the_race_with_a_message():
    at = run("pages/optimizers.py", "en", fn="custom", expr="log(-1 - x**2)")
    no_exception(at)
    assert any(e.value == strings("en")["expressions.nowhere"] for e in at.error)


@pytest.mark.parametrize("page", PAGES)
def test_the_formula_is_part_of_the_share_link(page):
    at = run(page, "zh", fn="custom", expr="x**4 - y**2 + x*y")
    no_exception(at)
    assert at.text_input(key="expr").value == "x**4 - y**2 + x*y"
    at.session_state["_share"] = True  # open the share menu
    at.run()
    share = next(t.value for t in at.text if "expr=" in t.value)
    assert "expr=x%2A%2A4+-+y%2A%2A2+%2B+x%2Ay" in share and "fn=custom" in share

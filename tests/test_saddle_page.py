"""The saddle-point page through AppTest: every function, extremes, share links, and the numbers shown."""
import pytest

from core.critical_points import find_critical_points
from core.landscapes import FUNCTIONS
from tests.test_pages import no_exception, open_page, tables
from ui.i18n import LANGS, strings

PAGE = "pages/saddle.py"
GALLERY = ("two_weight_net", "saddle", "monkey_saddle", "double_well", "himmelblau", "rosenbrock", "six_hump_camel")


def run(lang="en", **params):
    return open_page(PAGE, lang, **{k: str(v) for k, v in params.items()})


@pytest.mark.parametrize("fn_id", GALLERY)
def test_every_function_runs_in_both_languages(fn_id):
    for lang in LANGS:
        at = run(lang, fn=fn_id)
        no_exception(at)
        assert at.selectbox(key="fn").value == fn_id
        assert not at.error


@pytest.mark.parametrize("params", [
    {"px": "0", "py": "0", "lr": "0.001", "steps": "10", "noise": "0.0001", "seed": "0", "dim": "1", "depth": "2"},
    {"px": "1", "py": "1", "lr": "0.3", "steps": "1000", "noise": "0.1", "seed": "9999", "dim": "150",
     "depth": "8"},
    {"fn": "himmelblau", "px": "1", "py": "0", "lr": "0.3", "steps": "1000"},
    {"fn": "rosenbrock", "px": "0", "py": "1", "lr": "0.3", "steps": "1000"},
    {"fn": "monkey_saddle", "lr": "0.3", "steps": "1000", "noise": "0.1"},
])
@pytest.mark.parametrize("lang", LANGS)
def test_extremes_run_cleanly(params, lang):
    at = run(lang, **params)
    no_exception(at)


def test_share_link_sets_every_widget():
    at = run("zh", fn="double_well", px="0.25", py="0.75", lr="0.01", steps="500", noise="0.001", seed="42",
             dim="120", depth="5")
    no_exception(at)
    assert at.selectbox(key="fn").value == "double_well"
    assert at.slider(key="px").value == 0.25 and at.slider(key="py").value == 0.75
    assert at.select_slider(key="lr").value == 0.01
    assert at.slider(key="steps").value == 500
    assert at.select_slider(key="noise").value == 0.001
    assert at.number_input(key="seed").value == 42
    assert at.slider(key="dim").value == 120 and at.slider(key="depth").value == 5
    assert at.query_params["fn"] == ["double_well"] or at.query_params["fn"] == "double_well"


def test_function_names_are_translated_but_the_url_keeps_the_id():
    at = run("zh", fn="himmelblau")
    box = at.selectbox(key="fn")
    assert box.format_func("himmelblau") == strings("zh")["functions.himmelblau"]
    assert box.value == "himmelblau"


def test_unknown_function_in_the_link_falls_back_with_a_notice():
    at = run("en", fn="sin_cos")
    no_exception(at)
    assert at.selectbox(key="fn").value == "two_weight_net"
    assert any("sin_cos" in w.value for w in at.warning)


def test_critical_point_table_matches_the_finder():
    at = run("en", fn="himmelblau")
    table = tables(at)[0]
    found = find_critical_points(FUNCTIONS["himmelblau"], FUNCTIONS["himmelblau"].bounds)
    kinds = {strings("en")[f"saddle.kind.{k}"]: k for k in ("minimum", "maximum", "saddle", "degenerate")}
    shown = [kinds[k] for k in table[strings("en")["saddle.table.kind"]]]
    assert sorted(shown) == sorted(c.kind for c in found)
    assert shown.count("minimum") == 4 and shown.count("saddle") == 4 and shown.count("maximum") == 1


def test_origin_of_the_two_weight_net_is_inspected_by_default():
    at = run("en")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[strings("en")["saddle.inspect.point"]] == "(0.000, 0.000)"
    assert metrics["‖∇f‖"] == "0"
    assert "-2" in at.markdown[[i for i, m in enumerate(at.markdown) if "H =" in m.value][0]].value


def test_reproduce_snippet_runs():
    import subprocess
    import sys
    at = run("en", steps="200")
    out = subprocess.run([sys.executable, "-c", at.code[-1].value], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "eigenvalues at the origin: [-2.  2.]" in out.stdout


def test_language_switch_keeps_the_chosen_function():
    """Regression guard: translated option labels change with the language, the chosen id must not."""
    at = run("en", fn="himmelblau")
    at.segmented_control(key="lang_switch").set_value("zh").run()
    no_exception(at)
    assert at.selectbox(key="fn").value == "himmelblau"
    assert at.title[0].value == strings("zh")["saddle.title"]


@pytest.mark.parametrize("px,py", [(0.0, 0.5), (1.0, 0.5), (0.5, 0.0), (0.5, 1.0)])
def test_escape_starts_at_the_saddle_nearest_the_inspected_point(px, py):
    """The escape is its own section; it follows the inspected point to the nearest of Himmelblau's four saddles."""
    import numpy as np

    from core.charts.tables import number_text
    fn = FUNCTIONS["himmelblau"]
    (x0, x1), (y0, y1) = fn.bounds
    point = np.array([x0 + px * (x1 - x0), y0 + py * (y1 - y0)])
    saddles = [c.point for c in find_critical_points(fn, fn.bounds) if c.kind == "saddle"]
    assert len(saddles) == 4
    nearest = min(saddles, key=lambda s: np.linalg.norm(s - point))
    at = run("en", fn="himmelblau", px=px, py=py)
    no_exception(at)
    said = next(m.value for m in at.markdown if "One step from the saddle" in m.value)
    assert f"f goes from {number_text(fn.f(nearest), 5)} to" in said

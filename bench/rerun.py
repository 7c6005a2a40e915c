"""Server-side rerun time of each page (AppTest), next to an empty page measured in the same run,
and the bytes of chart data each page sends.

Usage: python bench/rerun.py [--runs 20] prints a Markdown table; ``python -m bench`` runs this with the
browser measurements and writes BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test, local_script_runner  # noqa: E402

from bench.live import page_specs  # noqa: E402
from bench.stats import summary  # noqa: E402
from ui.frame import PAGES  # noqa: E402
from ui.state import LogSlider, Slider, Toggle  # noqa: E402

# A running server compiles each page once and keeps the bytecode (``ScriptCache``); AppTest makes a new cache for
# every run and so compiles the page again each time (about 9 ms for the longest page), which no user waits for.
# Every AppTest here shares one cache, as the server's sessions do.
_SCRIPTS = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _SCRIPTS

# The heaviest settings each page accepts: the most entries, steps and samples.
WORST = {
    "softmax": {"logits": ", ".join(f"{(-1) ** i * 1e6 / (i + 1):.6g}" for i in range(64)), "scale": "10000",
                "lab_fmt": "float16", "shift": "2000"},
    "conditioning": {"typed": "true", "eps": "0.1", "lr": "2.2", "steps": "500",
                     "matrix": "; ".join(", ".join(f"{1 / (i + j + 1):.6g}" for j in range(6)) for i in range(6))},
    "saddle": {"fn": "six_hump_camel", "steps": "1000", "lr": "0.3", "noise": "0.1", "dim": "150", "depth": "8"},
    # all nine optimizers for the maximum 1000 steps on Rosenbrock; SGD with batch 1 for 20 epochs (4,000 steps)
    "optimizers": {"fn": "rosenbrock", "steps": "1000", "sx": "-1.5", "sy": "2", "inside": "adagrad",
                   **{f"on_{k}": "true" for k in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                                  "newton", "bfgs", "lbfgs")},
                   "lr_gd": "0.001", "lr_momentum": "0.0002", "lr_nesterov": "0.0002", "lr_adagrad": "0.5",
                   "lr_rmsprop": "0.01", "lr_adam": "0.05", "task": "logistic", "batch": "1", "epochs": "20",
                   "lr_sgd": "0.05", "n1": "200"},
    # Himmelblau with a half-plane: multistart SLSQP, sensitivity re-solve, 500 projected steps
    "constrained": {"kobj": "himmelblau", "kline": "half_plane", "kphi": "45", "koff": "0.5", "kr": "3",
                    "kdelta": "0.3", "ksteps": "500", "kcase": "cq_fails"},
    # the largest network in float16 with loss scaling (a second backward pass) and clipping
    "initialization": {"idepth": "100", "iwidth": "512", "idtype": "float16", "iscale": "65536", "iclip": "true",
                       "ibatch": "64", "ires": "true"},
}


def worst(page) -> tuple[dict[str, str], str]:
    """A page's worst-case URL parameters and where they come from. A page missing from ``WORST`` gets a
    generic guess from its declared specs: every slider at its maximum and every toggle on."""
    if page.id in WORST:
        return WORST[page.id], "WORST"
    params = {}
    for spec in page_specs(page):
        if isinstance(spec, Slider):
            params[spec.key] = f"{spec.max:g}"
        elif isinstance(spec, LogSlider):
            params[spec.key] = f"{spec.options[-1]:g}"
        elif isinstance(spec, Toggle):
            params[spec.key] = "true"
    return params, "generic"


def _nudge(text: str, i: int) -> str:
    """The same text with its first number changed, so every cache keyed on it misses."""
    head, sep, rest = text.partition(",")
    return f"{float(head) * (1 - (i + 1) * 1e-3):.9g}{sep}{rest}"  # smaller: stays within the bounds


def _new_input(page_id: str, at, params: dict):
    """``fresh(i)``: before run i, change one input the way a learner would, so the caches keyed on it miss.
    ``None`` for a page with no such rule (its "new input" run then clears every cache instead)."""
    if page_id == "saddle":
        return lambda i: at.number_input(key="seed").set_value(i + 1)  # new noise, new random matrices
    if page_id == "optimizers":
        def fresh(i):  # a new start point and a new data seed: every race and SGD cache misses
            at.slider(key="sx").set_value(round(-1.45 + 0.05 * i, 2))
            at.number_input(key="seed").set_value(i + 1)
        return fresh
    if page_id == "constrained":
        return lambda i: at.slider(key="koff").set_value(round(0.4 - 0.1 * (i % 30), 1))  # new half-plane
    if page_id == "initialization":
        return lambda i: at.number_input(key="iseed").set_value(i + 1)  # new inputs and weights: the lab reruns
    if page_id in ("softmax", "conditioning"):
        key = "logits" if page_id == "softmax" else "matrix"
        return lambda i: at.text_input(key=key).set_value(_nudge(params[key], i))
    return None


def _clear_caches(_i=None):
    st.cache_data.clear()
    st.cache_resource.clear()


def _times(at, runs, fresh=None):
    """Rerun times in ms. ``fresh(i)`` is called before run i (to defeat the caches)."""
    at.run()  # warm: imports and caches
    out = []
    for i in range(runs):
        if fresh:
            fresh(i)
        t0 = time.perf_counter()
        at.run()
        out.append((time.perf_counter() - t0) * 1000)
    return out


@dataclass
class Row:
    page: str
    setting: str
    ms: list[float]
    chart_bytes: list[int]  # spec + datasets of each chart the page sent in its last run
    elements: int = 0       # elements and blocks (columns, containers) the page sent in its last run


def _script_times(source: str, runs: int) -> list[float]:
    """Rerun times of a one-file page with this source (written to a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "page.py"
        path.write_text(source)
        return _times(AppTest.from_file(str(path), default_timeout=120), runs)


def floor(runs: int) -> Row:
    """The bare-Streamlit floor: an empty page (``import streamlit as st``)."""
    return Row("(empty page)", "–", _script_times(_element_page("markdown", 0), runs), [])


# What a rerun's elements cost by themselves: pages of n plain elements, measured like the floor.
ELEMENT_PAGES = {
    "markdown": (25, 50, 100),  # a short paragraph: the cheapest element
    "slider": (25, 50),         # a widget: registered, its state read back, its URL binding checked
}


def _element_page(kind: str, n: int) -> str:
    line = {"markdown": "st.markdown('Paragraph {i}: a short line of text.')",
            "slider": "st.slider('Slider {i}', 0, 10, 5, key='s{i}')"}[kind]
    return "import streamlit as st\n" + "".join(line.format(i=i) + "\n" for i in range(n))


def elements(runs: int) -> dict[tuple[str, int], Row]:
    """Rerun times of pages made of n elements of one kind and nothing else, by (kind, n)."""
    return {(kind, n): Row(f"{n} × {kind}", "–", _script_times(_element_page(kind, n), runs), [])
            for kind, sizes in ELEMENT_PAGES.items() for n in sizes}


def frame(runs: int) -> Row:
    """The frame alone: a page that calls ``page_frame`` (language switch, navigation, styles) and draws nothing
    else. It is a page of the app (in ``pages/``) only while it is measured: the navigation's links are relative to
    the entry point."""
    page = ROOT / "pages" / "zz_bench_frame.py"
    page.write_text("from ui.frame import page_frame\n\npage_frame('home')\n")
    try:
        at = open_page(f"pages/{page.name}", {})
        return Row("the frame alone (language, navigation, styles)", "–", _times(at, runs), [], element_count(at))
    finally:
        page.unlink(missing_ok=True)


def home(runs: int) -> Row:
    """The home page: the page frame (language switch, navigation) and text, no charts; a reference for
    what every page pays before its own content."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    return Row("home (frame and text, no charts)", "default", _times(at, runs), [], element_count(at))


def open_page(path: str, params: dict[str, str]):
    """The app opened in English at the home page, then switched to the page file ``path`` with ``params`` in
    its URL, as a link followed from the navigation does."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(path)
    at.run()
    if at.exception:
        raise SystemExit(f"{path} raised: {at.exception[0].value}")
    return at


def chart_bytes(at) -> list[int]:
    """Bytes of each Vega-Lite chart of the last run: its spec (JSON) plus its named datasets (Arrow)."""
    return [len(e.proto.spec) + sum(len(d.data.data) for d in e.proto.datasets) for e in at.get("vega_lite_chart")]


def element_count(at) -> int:
    """Elements and blocks of the last run, in the main area and the sidebar (the top-level areas not counted)."""
    def count(node) -> int:
        children = getattr(node, "children", None) or {}
        return 1 + sum(count(c) for c in (children.values() if isinstance(children, dict) else children))

    return count(at._tree) - 1 - len(at._tree.children)


def page_rows(page, runs: int) -> list[Row]:
    params, source = worst(page)
    tag = "" if source == "WORST" else " (generic guess: sliders at max, toggles on)"
    rows = []
    at = open_page(page.path, {})
    rows.append(Row(page.id, "default", _times(at, runs), chart_bytes(at), element_count(at)))
    at = open_page(page.path, params)
    rows.append(Row(page.id, f"worst case{tag}, cached", _times(at, runs), chart_bytes(at)))
    fresh = _new_input(page.id, at, params)
    if fresh is not None:
        rows.append(Row(page.id, f"worst case{tag}, new input", _times(at, runs, fresh), chart_bytes(at)))
    rows.append(Row(page.id, f"worst case{tag}, first view (every cache cleared)", _times(at, runs, _clear_caches),
                    chart_bytes(at)))
    _clear_caches()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    base = floor(args.runs)
    med0 = summary(base.ms)[0]
    print("| page | settings | median ms | IQR ms | × empty page | charts: total / largest (bytes) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    print(f"| (empty page) | – | {med0:.1f} | {summary(base.ms)[1]:.1f} | 1.0 | – |")
    row = home(args.runs)
    print(f"| {row.page} | default | {summary(row.ms)[0]:.1f} | {summary(row.ms)[1]:.1f} | "
          f"{summary(row.ms)[0] / med0:.1f} | – |")
    for page in PAGES:
        for row in page_rows(page, args.runs):
            med, spread = summary(row.ms)
            print(f"| {row.page} | {row.setting} | {med:.1f} | {spread:.1f} | {med / med0:.1f} | "
                  f"{sum(row.chart_bytes):,} / {max(row.chart_bytes, default=0):,} |")


if __name__ == "__main__":
    main()

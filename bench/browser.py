"""Browser-side measurements with headless Chromium against live servers.

Each measurement has a bare-Streamlit floor measured the same way in the same run: ``FLOOR_APP``, one
slider and one small chart.
"""
from __future__ import annotations

import pathlib
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench import live
from ui.state import LogSlider, Slider

# The floor: a page with nothing but one slider and one chart of a few points that follows it.
FLOOR_APP = '''import streamlit as st
v = st.slider("v", 0, 100, 50, key="v")
st.vega_lite_chart({"data": {"values": [{"x": i, "y": (i * v) % 7} for i in range(5)]}, "mark": "line",
                    "encoding": {"x": {"field": "x", "type": "quantitative"},
                                 "y": {"field": "y", "type": "quantitative"}}})
'''

@dataclass
class Latency:
    target: str            # what was moved: a widget key, or "vega:<chart>" for a slider inside a chart
    ms: list[float] = field(default_factory=list)
    to_sent: list[float] = field(default_factory=list)  # keydown → the widget's message leaves the browser
    to_recv: list[float] = field(default_factory=list)  # keydown → the run's last message has arrived
    messages: list[int] = field(default_factory=list)  # messages the run sent the page (about one per element)
    reruns: int = 0        # messages the browser sent to the server (each a rerun request)
    unchanged: int = 0     # moves after which no chart drew anything different


def main_slider(page, specs):
    """The page's first slider that is drawn and enabled (the one the browser tests move)."""
    for spec in specs:
        if isinstance(spec, Slider | LogSlider):
            w = live.shown(page, spec.key)
            if w and not w.get("disabled"):
                return spec.key
    return None


def slider_latency(page, key: str, moves: int) -> Latency:
    """Press an arrow key on the slider ``key`` ``moves`` times (turning back at either end); each time, the
    ms from the keydown to the last change of a chart's drawing, after the script run it caused."""
    page.evaluate(live.CLOCKS)
    thumb = page.locator(f".st-key-{key} input[type=range]")
    thumb.scroll_into_view_if_needed()
    out = Latency(key)
    direction = "ArrowRight"
    for _ in range(moves):
        value = float(thumb.input_value())
        if value >= float(thumb.get_attribute("max")):
            direction = "ArrowLeft"
        elif value <= float(thumb.get_attribute("min")):
            direction = "ArrowRight"
        before, sent = live.fingerprints(page), page.evaluate("window.__ws.sent.length")
        received = page.evaluate("window.__ws.recv.length")
        thumb.focus()
        page.keyboard.press(direction)
        t_key = page.evaluate("window.__clk.key")
        try:  # the rerun the keypress caused has finished (and, when a chart follows the slider, it has changed)
            page.wait_for_function(f"window.__clk.done > {t_key}", timeout=30_000)
        except PlaywrightTimeout:
            pass
        t_end = live.settle(page, t_key)
        ws = page.evaluate("window.__ws")
        out.reruns += len(ws["sent"]) - sent
        if live.fingerprints(page) == before:
            out.unchanged += 1
            continue
        out.ms.append(t_end - t_key)
        out.to_sent.append(min((t for t, _ in ws["sent"][sent:]), default=float("nan")) - t_key)
        out.to_recv.append(max((t for t, _ in ws["recv"] if t <= t_end), default=float("nan")) - t_key)
        out.messages.append(sum(1 for t, _ in ws["recv"][received:] if t <= t_end))
    return out


def vega_scrub_latency(page, moves: int) -> Latency | None:
    """A slider bound to a Vega parameter inside a chart: ms from its input event to the chart's redraw,
    and how many script runs the moves caused (none: it never goes to the server)."""
    sliders = page.locator('.vega-embed .vega-bindings input[type="range"]')
    if sliders.count() == 0:
        return None
    page.evaluate(live.CLOCKS)
    slider = sliders.first
    slider.scroll_into_view_if_needed()
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    out = Latency("vega")
    sent = page.evaluate("window.__ws.sent.length")
    for i in range(moves):
        value = lo + (hi - lo) * ((i * 7919) % 97) / 96  # scattered positions, none repeated twice in a row
        before = page.evaluate("window.__clk.chart")
        t0 = slider.evaluate("""(el, v) => { const t = performance.now(); el.value = v;
            el.dispatchEvent(new Event('input', {bubbles: true})); return t; }""", value)
        page.wait_for_function(f"window.__clk.chart > {max(before, 0)}", timeout=10_000)
        t_chart = live.settle(page, t0)
        out.ms.append(t_chart - t0)
    out.reruns = page.evaluate("window.__ws.sent.length") - sent
    return out


def open_page(browser, url: str):
    """A new browser session on ``url``, loaded; its websocket messages are logged in ``window.__ws``."""
    context = browser.new_context(viewport=live.VIEWPORT)
    context.add_init_script(live.WS_LOG)
    page = context.new_page()
    page.goto(url)
    live.wait_loaded(page)
    return page


def cold_start(browser, script: str, path: str) -> float:
    """Seconds from starting ``streamlit run SCRIPT`` to PATH fully drawn in the browser (first request)."""
    with live.Server(script) as server:
        page = open_page(browser, server.url + path)
        seconds = time.monotonic() - server.started
        page.context.close()
    return seconds


def memory(browser, script: str, paths: list[str], sessions: int) -> tuple[int, int]:
    """Server RSS (bytes, with children) with one browser session open, then with ``sessions`` at once,
    each in its own context, spread over ``paths``."""
    with live.Server(script) as server:
        pages = [open_page(browser, server.url + paths[0])]
        time.sleep(1)
        one = server.rss()
        for i in range(1, sessions):
            page = browser.new_context(viewport=live.VIEWPORT).new_page()
            page.goto(server.url + paths[i % len(paths)], wait_until="commit")
            pages.append(page)
        for page in pages:
            live.wait_loaded(page, timeout=300_000)
        time.sleep(1)
        many = server.rss()
        for page in pages:
            page.context.close()
    return one, many


ELEMENTS_APP = '''import streamlit as st
n = int(st.query_params.get("n", "0"))
v = st.slider("v", 0, 100, 50, key="v")
for i in range(n):
    st.markdown(f"Paragraph {i}: a line of text that changes with the slider, {v}.")
st.vega_lite_chart({"data": {"values": [{"x": i, "y": (i * v) % 7} for i in range(5)]}, "mark": "line",
                    "encoding": {"x": {"field": "x", "type": "quantitative"},
                                 "y": {"field": "y", "type": "quantitative"}}})
'''
ELEMENT_COUNTS = (0, 40, 80, 160)


def element_cost(browser, tmp: str, moves: int) -> dict[int, Latency]:
    """Slider to chart on the floor page with n more elements (short paragraphs) in the same run: what each
    element a rerun sends costs by itself, before any computation."""
    path = pathlib.Path(tmp) / "elements_app.py"
    path.write_text(ELEMENTS_APP, encoding="utf-8")
    out = {}
    with live.Server(str(path)) as server:
        for n in ELEMENT_COUNTS:
            page = open_page(browser, f"{server.url}/?n={n}")
            out[n] = slider_latency(page, "v", moves)
            page.context.close()
    return out


def floor_script(tmp: str) -> str:
    path = pathlib.Path(tmp) / "floor_app.py"
    path.write_text(FLOOR_APP, encoding="utf-8")
    return str(path)


def worst_link(page, params: dict[str, str]) -> str:
    return f"/{page.id}?" + urlencode({"lang": "en", **params})


def temp_dir():
    return tempfile.TemporaryDirectory()

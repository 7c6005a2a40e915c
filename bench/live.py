"""The app live: a server on a free localhost port, headless Chromium, and what a page shows.

Shared by the browser tests (``tests/test_browser.py``) and the benchmark (``bench/``): starting
``streamlit run`` and knowing when it is ready, waiting the way Streamlit's own e2e tests wait, reading
a widget's value and a chart's drawing from the page, and each page's declared widget specs (its
module-level ``STATE``), read without running the page.
"""
from __future__ import annotations

import ast
import math
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlencode

import psutil

from ui.i18n import Translator
from ui.state import Choice, IntInput, LogSlider, Slider, Text, Toggle

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
APP = '[data-testid="stApp"]'
READY = f'{APP}[data-test-script-state="notRunning"]'

# Counts the script runs a page has seen (each "running" state), so a wait after an interaction waits
# for the rerun it caused, not for the idle state that was there before the rerun began. Reads every state
# the attribute took, not only the current one: a fast run can start and end between two observer calls.
_WATCH_RUNS = """() => { if (window.__runs !== undefined) return;
    window.__runs = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(records => {
        const states = [...records.slice(1).map(r => r.oldValue), app.dataset.testScriptState];
        window.__runs += states.filter(s => s === 'running').length; })
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true}); }"""

# Every chart on the page, drawn: an SVG with marks (or a canvas) in each Vega embed.
_ALL_DRAWN = """() => { const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    return charts.every(e => e.querySelector('svg.marks .mark-group, canvas'))
        && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0; }"""

# Installed before the app's own scripts: the page-clock time and size of every websocket message.
WS_LOG = """(() => { const Native = window.WebSocket; window.__ws = {sent: [], recv: []};
    const size = d => d.byteLength ?? d.size ?? d.length ?? 0;
    window.WebSocket = class extends Native {
        constructor(...args) { super(...args);
            this.addEventListener('message', e => window.__ws.recv.push([performance.now(), size(e.data)])); }
        send(data) { window.__ws.sent.push([performance.now(), size(data)]); return super.send(data); } }; })()"""
# When the last key or input event happened, when a chart's drawing last changed, and when a script run
# last finished (page clock, ms).
CLOCKS = """() => { if (window.__clk) return; window.__clk = {key: 0, chart: 0, done: 0};
    document.addEventListener('keydown', () => { window.__clk.key = performance.now(); }, true);
    document.addEventListener('input', () => { window.__clk.key = performance.now(); }, true);
    new MutationObserver(ms => { if (ms.some(m => (m.target.closest ? m.target : m.target.parentElement)
            ?.closest('.vega-embed'))) window.__clk.chart = performance.now(); })
        .observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
            if (app.dataset.testScriptState === 'notRunning') window.__clk.done = performance.now(); })
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"""

# A fingerprint of what each chart draws: a hash of its SVG (every mark's geometry, every label).
FINGERPRINTS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(e => {
    const svg = e.querySelector('svg.marks'); if (!svg) return '';
    const s = svg.innerHTML; let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(16) + ':' + s.length; })"""

# What a keyed widget shows: Streamlit gives the element of a widget with key K the class st-key-K.
_WIDGET = """(key) => { const c = document.querySelector('.st-key-' + CSS.escape(key)); if (!c) return null;
    const range = c.querySelector('input[type=range]');
    if (range) return {kind: 'range', value: range.value, text: range.getAttribute('aria-valuetext'),
                       max: range.max, min: range.min, disabled: range.disabled};
    const sw = c.querySelector('input[role=switch], input[type=checkbox]');
    if (sw) return {kind: 'toggle', value: sw.checked, disabled: sw.disabled};
    const combo = c.querySelector('input[role=combobox]');
    if (combo) return {kind: 'select', value: combo.value, disabled: combo.disabled};
    const seg = c.querySelector('button[role=radio][aria-checked=true]');
    if (seg) return {kind: 'segmented', value: seg.innerText.trim()};
    const radio = c.querySelector('input[type=radio]:checked');
    if (radio) return {kind: 'radio', value: radio.closest('label').innerText.trim()};
    const input = c.querySelector('input, textarea');
    if (input) return {kind: 'input', value: input.value, disabled: input.disabled};
    return {kind: 'unknown'}; }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run SCRIPT`` on a free localhost port, with the repository's config.

    ``start()`` returns once ``/_stcore/health`` answers ``ok``; health checks are the only requests made,
    so the first page request is the caller's. ``rss()`` is the resident memory of the server and its
    children, in bytes.
    """

    def __init__(self, script: str | os.PathLike = "dashboard.py", *options: str):
        self.script, self.options = str(script), options
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.started = 0.0  # time.monotonic() when the process was started

    def launch(self) -> Server:
        """Start the process and return at once (``wait()`` for it): several servers can start side by side."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *self.options],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout: float = 90) -> Server:
        """Until ``/_stcore/health`` answers ``ok``; relaunch on another port if this one was taken."""
        for _attempt in range(3):
            while self.proc.poll() is None and time.monotonic() - self.started < timeout:
                try:
                    if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                        return self
                except OSError:
                    time.sleep(0.1)
            if self.proc.poll() is None:
                break
            self.launch()  # it exited: most likely the free port was taken before it could bind it
        log = self.log()
        self.stop()
        raise RuntimeError(f"the app server did not become healthy within {timeout:.0f} s:\n{log[-3000:]}")

    def start(self, timeout: float = 90) -> Server:
        return self.launch().wait(timeout)

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def rss(self) -> int:
        proc = psutil.Process(self.proc.pid)
        return sum(p.memory_info().rss for p in (proc, *proc.children(recursive=True)))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_loaded(page, timeout: float = 90_000) -> None:
    """After ``page.goto``: the first script run has finished and every chart has drawn its marks."""
    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]', timeout=timeout)
    page.wait_for_selector(READY, timeout=timeout)
    page.evaluate(_WATCH_RUNS)
    page.wait_for_function(_ALL_DRAWN, polling=100, timeout=timeout)


def rerun_after(page, action, timeout: float = 60_000, quiet_ms: float = 300) -> None:
    """Do ``action()`` (a click, a key press) and wait until the script run it caused has finished.

    A run is seen either as the script state "running" or, with ``WS_LOG`` installed, as messages from the
    server: a section's short run can start and finish within one render of the page, and the state attribute
    then never reads "running". It has finished when the state is "notRunning" and no message came for
    ``quiet_ms``."""
    page.evaluate(_WATCH_RUNS)
    runs = page.evaluate("window.__runs")
    recv = page.evaluate("window.__ws ? window.__ws.recv.length : 0")
    action()
    page.wait_for_function(
        f"""() => {{ const ws = window.__ws, n = ws ? ws.recv.length : 0, last = n ? ws.recv[n - 1][0] : 0;
            return (window.__runs > {runs} || n > {recv}) && performance.now() - last > {quiet_ms}
                && document.querySelector('{APP}').dataset.testScriptState === 'notRunning'; }}""",
        polling=50, timeout=timeout)
    page.wait_for_function(_ALL_DRAWN, polling=100, timeout=timeout)


def received(page) -> list[int]:
    """Sizes of the websocket messages the page has received so far (needs ``WS_LOG`` as an init script)."""
    return [n for _, n in page.evaluate("window.__ws.recv")]


def settle(page, since: float = 0, quiet_ms: float = 400, timeout: float = 120_000) -> float:
    """Wait until no script runs and no chart has changed for ``quiet_ms`` (``CLOCKS`` must be installed);
    return when the last chart change or script run ended (ms, page clock)."""
    page.wait_for_function(f"""() => {{ const c = window.__clk, now = performance.now();
        return document.querySelector('{APP}').dataset.testScriptState === 'notRunning'
            && now - Math.max(c.chart, c.done, {since}) > {quiet_ms}; }}""", polling=50, timeout=timeout)
    return page.evaluate("Math.max(window.__clk.chart, window.__clk.done)")


def problems(page) -> list[str]:
    """Texts of exception boxes and dialogs on the page."""
    return page.locator('[data-testid="stException"], [role="dialog"]').all_inner_texts()


def fingerprints(page) -> list[str]:
    return page.evaluate(FINGERPRINTS)


def shown(page, key: str) -> dict | None:
    """What the widget with ``key`` shows (``None`` when it is not on the page)."""
    return page.evaluate(_WIDGET, key)


# ---- a page's widget specs ---------------------------------------------------------------------------------
_DECLARATIONS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef)


def page_specs(page) -> tuple:
    """The widget specs a page declares in its module-level ``STATE``, read without running the page.

    Runs the page file's imports, assignments and definitions up to ``STATE = (...)`` (no widget is drawn:
    the page's ``page_frame`` call and everything after it come later in the file).
    """
    path = ROOT / page.path
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "STATE" for t in node.targets):
            body = [n for n in tree.body[: i + 1] if isinstance(n, _DECLARATIONS)]
            namespace = {"__name__": f"_specs_of_{page.id}", "__file__": str(path)}
            exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
            return tuple(namespace["STATE"])
    raise LookupError(f"{page.path} declares no module-level `STATE = (...)` tuple of its widget specs "
                      "(ui.state.Slider, Choice, ...); the browser tests and the benchmark read it")


def _num(v: float) -> str:
    return f"{v:g}"


def other_value(spec):
    """A valid value of ``spec`` other than its default, and its URL form; ``None`` for free text."""
    if isinstance(spec, Slider):
        up = spec.default + spec.step
        v = up if up <= spec.max + 1e-12 else spec.default - spec.step
        v = round(v, 10)
        if all(isinstance(x, int) for x in (spec.min, spec.max, spec.default, spec.step)):
            v = int(v)
        return v, str(v) if isinstance(v, int) else _num(v)
    if isinstance(spec, LogSlider):
        i = spec.options.index(spec.default)
        v = spec.options[i + 1] if i + 1 < len(spec.options) else spec.options[i - 1]
        return v, _num(v)
    if isinstance(spec, Choice):
        i = spec.options.index(spec.default)
        v = spec.options[(i + 1) % len(spec.options)]
        return v, v if spec.labels else spec.show(v)
    if isinstance(spec, Toggle):
        return (not spec.default), str(not spec.default).lower()
    if isinstance(spec, IntInput):
        v = spec.default + 1 if spec.default < spec.max else spec.default - 1
        return v, str(v)
    if isinstance(spec, Text):
        return None
    raise TypeError(f"unknown widget spec {spec!r}")


def display(spec, value, lang: str):
    """What the widget for ``spec`` shows for ``value`` in ``lang``, in the form ``shown()`` reads it."""
    if isinstance(spec, Choice):
        return Translator(lang)(f"{spec.labels}.{value}") if spec.labels else spec.show(value)
    return value


def matches(spec, value, seen: dict | None, lang: str) -> bool:
    """Does what ``shown()`` read equal ``value`` of ``spec``?"""
    if seen is None:
        return False
    if isinstance(spec, Slider):
        return math.isclose(float(seen["value"]), float(value), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(spec, LogSlider):
        return spec.options[int(seen["value"])] == value
    if isinstance(spec, IntInput):
        return int(seen["value"]) == int(value)
    return seen["value"] == display(spec, value, lang)


def url_matches(spec, raw: str | None, seen: dict) -> bool:
    """Does the URL parameter ``raw`` of a slider agree with what its widget shows (``None`` at the default:
    Streamlit leaves a default value out of the URL)?"""
    if raw is None:
        return matches(spec, spec.default, seen, "en")
    value = float(raw)
    if isinstance(spec, LogSlider):
        return math.isclose(value, spec.options[int(seen["value"])], rel_tol=1e-9)
    return math.isclose(value, float(seen["value"]), rel_tol=1e-9, abs_tol=1e-9)


def share_link(page, lang: str, values: dict[str, str]) -> str:
    """The path and query string of a share link: ``/softmax?lang=zh&fmt=bfloat16&...``."""
    return f"/{page.id}?" + urlencode({"lang": lang, **values})

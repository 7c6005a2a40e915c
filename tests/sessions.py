"""Many sessions at once against a running server: the load test's classroom and the replica test's.

A session opens one page in one language from its own share link (``plan(i)``), changes one widget a few
times, and after every change checks that what it is shown is its own: a number on the page that depends on
the widget, computed here independently (and in a browser also the URL and the widget). Sessions on the same
page start from different links, so state leaking between sessions (through a cache, a global) shows as a
wrong number.

Two kinds of session, both run concurrently:

- ``run_tabs``: real Chromium tabs, each in its own browser context (its own cookies, so its own Streamlit
  session), driven through Playwright's async API;
- ``run_clients``: websocket clients that speak Streamlit's protocol. The server does for one exactly what
  it does for a tab; only the drawing is missing, which in a classroom every student's own laptop does.

Both run on an event loop in a thread of their own, away from the sync Playwright of the other tests.
"""
from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bench import live
from core import oned
from ui.frame import PAGES
from ui.i18n import LANGS, Translator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # several tabs in one browser: none of them may be throttled as a background tab
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]

# Counts finished script runs (the app's state going from running back to notRunning) and when the last one
# finished, on the page's own clock: a move's latency is measured from just before the key press to then. A
# section's short run can start and finish within one render of the page, so that the attribute never reads
# "running": a run also counts once the server's messages (bench.live.WS_LOG, installed beside this) have
# arrived and the page is idle, as bench.live.rerun_after waits.
INIT_SCRIPT = """
window.__dlnl = {done: 0, at: 0};
new MutationObserver((records) => { for (const r of records) {
  const now = r.target.getAttribute('data-test-script-state');
  if (r.oldValue && r.oldValue !== 'notRunning' && now === 'notRunning') {
    window.__dlnl.done += 1; window.__dlnl.at = performance.now(); }
}}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                       attributeFilter: ['data-test-script-state']});
"""

# Everything a check needs from the page in one round trip.
SNAPSHOT_JS = """([metricLabel, widgetLabel]) => {
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const labelled = (sel) => [...document.querySelectorAll(sel)].find(
      (e) => norm(e.querySelector('[data-testid="stWidgetLabel"]')?.innerText) === widgetLabel);
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')].find(
      (e) => norm(e.querySelector('[data-testid="stMetricLabel"]')?.innerText) === metricLabel);
  const slider = labelled('[data-testid="stSlider"]');
  const text = labelled('[data-testid="stTextInput"]');
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    url: location.href,
    state: app ? app.getAttribute('data-test-script-state') : null,
    h1: norm(document.querySelector('h1')?.innerText),
    metric: metric ? norm(metric.querySelector('[data-testid="stMetricValue"]')?.innerText) : null,
    widget: slider ? norm(slider.querySelector('[data-testid="stSliderThumbValue"]')?.innerText)
                   : text ? text.querySelector('input')?.value : null,
    problems: [...document.querySelectorAll('[data-testid="stException"], [role="dialog"]')]
        .map((e) => norm(e.innerText).slice(0, 300)),
  };
}"""

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers(text: str) -> list[float]:
    """The numbers in a text as shown (a Unicode minus read as "-")."""
    return [float(m) for m in _NUMBER.findall(text.replace("\u2212", "-"))]


# --- what each session does ----------------------------------------------------------------------------------
# Each page: the widget a session changes, how (arrow keys on a slider, or typing into a text box), the metric it
# reads back, and that metric's value computed here from the session's own settings.

_LOG = tuple(float(f"{v:.3g}") for v in np.logspace(-2, 2, 17))  # pages/conditioning.py: the σ slider's stops


def _ce_stable(state: dict) -> list[float]:
    x = np.array(numbers(state["logits"]))
    m = x.max()
    return [float(m + np.log(np.exp(x - m).sum()) - x[0])]  # −log softmax(x)[0]


def _kappa(state: dict) -> list[float]:
    s1, s2 = float(state["s1"]), float(state["s2"])
    return [max(s1, s2) / min(s1, s2)]


def _coin(state: dict) -> list[float]:
    dim = int(state["dim"])
    return [2.0, -dim, 2.0 ** -dim]  # "2^-N = …"


def _ascent_end(state: dict) -> list[float]:
    fn = oned.FUNCTIONS_1D[state["fn1"]]
    n = int(state["n1"])
    path = oned.iterate(fn, float(state["x1"]), float(state["a1"]), n)
    return [float(path.xs[n if path.stop_step is None else path.stop_step])]  # "x = …"


def _projection(state: dict) -> list[float]:
    c, r = np.array([float(state["kcx"]), float(state["kcy"])]), float(state["kr"])
    norm = float(np.linalg.norm(c))
    return list(c if norm <= r else r * c / norm)  # (x*, y*) of min ‖x − c‖² on the disc of radius r


@dataclass(frozen=True)
class Plan:
    """One session: its page, language, share link, moves, and what it must see after each."""
    index: int
    page: str
    lang: str
    knob: str | None           # the URL parameter (= widget key) the session changes
    widget_label: str | None   # string key of that widget's label
    kind: str                  # "range": arrow keys on a slider; "text": type and press Enter; "visit": no moves
    moves: tuple[str, ...]     # keys to press, or texts to type
    states: tuple[dict, ...]   # states[0]: the share link's parameters; states[k]: after move k
    metric_label: str | None   # the metric read back (its label, translated)
    expected: Callable[[dict], list[float]] | None
    rtol: float

    def url(self, base: str) -> str:
        return f"{base}/{self.page}?" + urllib.parse.urlencode({"lang": self.lang, **self.states[0]})


def _arrows(n: int) -> tuple[str, ...]:
    return tuple(("ArrowRight", "ArrowRight", "ArrowLeft")[k % 3] for k in range(n))


def _stepped(start: dict, key: str, moves, step) -> tuple[dict, ...]:
    """The states after each arrow key: ``step(value, +1 or −1)`` is the slider's next stop."""
    states = [dict(start)]
    for key_name in moves:
        states.append({**states[-1], key: step(states[-1][key], 1 if key_name == "ArrowRight" else -1)})
    return tuple(states)


def plan(i: int, n_moves: int = 3) -> Plan:
    """Session ``i``: pages and languages in turn; sessions on the same page start from different links.

    A page without a scenario here yet is still opened and checked (title, no error), without moves.
    """
    page = PAGES[i % len(PAGES)].id
    lang = LANGS[(i // len(PAGES)) % len(LANGS)]
    j = i // len(PAGES)  # this session's rank among the sessions on its page
    t = Translator(lang)
    arrows = _arrows(n_moves)
    if page == "softmax":
        texts = tuple(f"{0.25 * i:g}, {k + 1}, -2" for k in range(n_moves + 1))
        return Plan(i, page, lang, "logits", "softmax.logits.label", "text", texts[1:],
                    tuple({"logits": s, "spart": "ce"} for s in texts), t("softmax.ce.loss_stable", k=0),
                    _ce_stable, 1e-5)
    if page == "conditioning":
        s1, s2 = 16 - j % 6, 5 + j % 6  # stops of the σ sliders (never σ₂'s default 0.1); σ₂ moves
        states = _stepped({"s1": f"{_LOG[s1]:g}", "s2": f"{_LOG[s2]:g}"}, "s2", arrows,
                          lambda v, d: f"{_LOG[_LOG.index(float(v)) + d]:g}")
        return Plan(i, page, lang, "s2", "conditioning.s2", "range", arrows, states,
                    t("conditioning.eig.singular"), _kappa, 1e-3)
    if page == "saddle":
        states = _stepped({"dim": str(5 + i), "seed": str(i)}, "dim", arrows, lambda v, d: str(int(v) + d))
        return Plan(i, page, lang, "dim", "saddle.high.dim", "range", arrows, states,
                    t("saddle.high.coin"), _coin, 5e-3)
    if page == "optimizers":
        states = _stepped({"fn1": "ascent", "x1": "-2.0", "a1": "0.05", "n1": str(60 + i)}, "n1", arrows,
                          lambda v, d: str(int(v) + d))
        return Plan(i, page, lang, "n1", "optimizers.one.steps", "range", arrows, states,
                    t("optimizers.one.end"), _ascent_end, 1e-4)
    if page == "constrained":
        start = {"kobj": "quadratic", "kkap": "1", "kr": "1.0", "kcx": f"{-2.5 + 0.4 * (j % 6):.1f}",
                 "kcy": f"{0.4 + 0.3 * (j % 6):.1f}"}
        states = _stepped(start, "kcx", arrows, lambda v, d: f"{float(v) + 0.1 * d:.1f}")
        return Plan(i, page, lang, "kcx", "constrained.build.cx", "range", arrows, states, "x*", _projection, 2e-3)
    return Plan(i, page, lang, None, None, "visit", (), ({},), None, None, 0.0)


# --- running sessions ----------------------------------------------------------------------------------------

@dataclass
class Outcome:
    plan: Plan
    load_ms: float | None = None
    move_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    sticky: str | None = None  # the dlnl_sticky cookie the session got (behind deploy/nginx.conf)
    session_id: str | None = None  # Streamlit's id of the session (websocket clients)


def _close(a: float, b: float, rtol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e-3)


def _mismatches(snap: dict, p: Plan, k: int) -> list[str]:
    """What the page shows that is not session ``p``'s state after move ``k`` (empty: all its own)."""
    state, t = p.states[k], Translator(p.lang)
    out = []
    if snap["problems"]:
        out.append(f"error on the page: {snap['problems']}")
    if snap["h1"] != t(f"{p.page}.title"):
        out.append(f"title {snap['h1']!r}")
    shown = urllib.parse.parse_qs(urllib.parse.urlsplit(snap["url"]).query)
    if shown.get("lang") != [p.lang]:
        out.append(f"lang {shown.get('lang')}")
    if p.kind == "visit":
        return out
    want = state[p.knob]
    got = (shown.get(p.knob) or [None])[0]
    if p.kind == "text":
        if got != want or snap["widget"] != want:
            out.append(f"{p.knob}: URL {got!r}, box {snap['widget']!r}, want {want!r}")
    else:
        try:
            ok = _close(float(got), float(want), 1e-9) and _close(numbers(snap["widget"] or "")[0], float(want), 1e-3)
        except (TypeError, ValueError, IndexError):
            ok = False
        if not ok:
            out.append(f"{p.knob}: URL {got!r}, slider {snap['widget']!r}, want {want!r}")
    expected = p.expected(state)
    seen = numbers(snap["metric"] or "")
    if len(seen) != len(expected) or not all(_close(a, b, p.rtol) for a, b in zip(seen, expected)):
        out.append(f"{p.metric_label!r} shows {snap['metric']!r}, want {expected}")
    return out


async def _check(page, p: Plan, k: int, outcome: Outcome, settle_s: float) -> None:
    """Check the page against state ``k``, giving the browser up to ``settle_s`` to finish drawing."""
    deadline = time.monotonic() + settle_s
    while True:
        labels = [p.metric_label, Translator(p.lang)(p.widget_label)] if p.widget_label else ["", ""]
        snap = await page.evaluate(SNAPSHOT_JS, labels)
        wrong = _mismatches(snap, p, k) if snap["state"] == "notRunning" else ["still running"]
        if not wrong or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    outcome.failures += [f"after move {k}: {w}" for w in wrong]


async def _session(browser, base: str, p: Plan, outcome: Outcome, timeout_ms: int) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        await context.add_init_script(INIT_SCRIPT)
        await context.add_init_script(live.WS_LOG)
        page = await context.new_page()
        page.on("pageerror", lambda err: outcome.failures.append(f"page error: {err}"))
        t0 = time.perf_counter()
        await page.goto(p.url(base), wait_until="domcontentloaded", timeout=timeout_ms)
        await page.wait_for_function("window.__dlnl.done > 0", polling=50, timeout=timeout_ms)
        outcome.load_ms = (time.perf_counter() - t0) * 1000
        outcome.sticky = next((c["value"] for c in await context.cookies() if c["name"] == "dlnl_sticky"), None)
        await _check(page, p, 0, outcome, settle_s=30)
        label = Translator(p.lang)(p.widget_label) if p.widget_label else ""
        if p.kind == "range":  # the first slider with exactly this label (the optimizers page has two "Steps")
            exact = page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True)
            target = page.locator('[data-testid="stSlider"]').filter(has=exact).first.locator('input[type="range"]')
        elif p.kind == "text":
            target = page.get_by_role("textbox", name=label)
        for k, move in enumerate(p.moves, 1):
            before, recv = await page.evaluate("[window.__dlnl.done, window.__ws.recv.length]")
            start = await page.evaluate("performance.now()")
            if p.kind == "range":
                await target.press(move, timeout=timeout_ms)
            else:
                await target.fill(move, timeout=timeout_ms)
                await target.press("Enter", timeout=timeout_ms)
            await page.wait_for_function(
                f"""() => {{ const d = window.__dlnl, r = window.__ws.recv, n = r.length,
                        app = document.querySelector('[data-testid="stApp"]');
                    return d.done > {before} || (n > {recv} && performance.now() - r[n - 1][0] > 300
                        && app && app.getAttribute('data-test-script-state') === 'notRunning'); }}""",
                polling=50, timeout=timeout_ms)
            outcome.move_ms.append(await page.evaluate(
                "Math.max(window.__dlnl.at, window.__ws.recv.length ? window.__ws.recv.at(-1)[0] : 0)") - start)
            await _check(page, p, k, outcome, settle_s=30)
    except Exception as err:  # noqa: BLE001 - a timeout or a closed page is this session's failure, not the run's
        outcome.failures.append(f"{type(err).__name__}: {str(err).splitlines()[0]}")
    finally:
        with contextlib.suppress(Exception):
            await context.close()


async def _tabs(base: str, plans: list[Plan], timeout_ms: int) -> list[Outcome]:
    from playwright.async_api import async_playwright
    outcomes = [Outcome(p) for p in plans]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_session(browser, base, o.plan, o, timeout_ms) for o in outcomes))
        finally:
            await browser.close()
    return outcomes


def _in_thread(make_coroutine):
    """Run a coroutine to the end on an event loop of its own, in a thread of its own: the sync Playwright
    API of the other browser tests keeps an event loop running in the main thread, so asyncio.run can't."""
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=target, name="sessions", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def run_tabs(base: str, plans: list[Plan], timeout_s: float = 60) -> list[Outcome]:
    """All sessions at once as tabs of one headless Chromium."""
    return _in_thread(lambda: _tabs(base, plans, int(timeout_s * 1000)))


# --- the same sessions as websocket clients speaking Streamlit's protocol ------------------------------------
# What a browser tab sends (captured from Chromium): on load a BackMsg ``rerun_script`` with the share link's query
# string, the page name and the context (locale, time zone, URL); on a widget change another ``rerun_script`` with
# the new query string (the browser writes the bound widget into the URL itself), the widget's new value and the
# page's script hash. The server answers each with ForwardMsgs: the page's elements (deltas), then
# ``script_finished``. Only the drawing is missing: the server does the same work as for a browser.

class ProtocolSession:
    """One Streamlit session over a websocket, without a browser."""

    def __init__(self, ws, page: str, lang: str):
        self.ws, self.page, self.lang = ws, page, lang
        self.page_hash = ""
        self.metrics: dict[str, str] = {}
        self.widgets: dict[str, object] = {}  # URL key (or widget id) → the element's proto (slider, text_input, …)
        self.query = ""
        self.exceptions: list[str] = []
        self.titles: list[str] = []
        self.session_id = ""

    async def run(self, query: str, states: list | None = None, timeout_s: float = 60) -> float:
        """One script run (the page load when ``states`` is None); returns its latency in ms."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query = query
        if states is None:
            client.page_name = self.page
            info = client.context_info
            info.timezone, info.locale, info.color_scheme = "UTC", "en-US", "light"
            info.url = f"http://127.0.0.1/{self.page}"
        else:
            client.page_script_hash = self.page_hash
            client.widget_states.widgets.extend(states)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), timeout_s)
        return (time.perf_counter() - start) * 1000

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "navigation":  # names the page that ran: the next run asks for it by this hash
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd.delta.new_element)
            elif kind == "script_finished":
                if fwd.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        self.exceptions.append("compile error")
                    return

    def _element(self, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "metric":
            self.metrics[" ".join(el.metric.label.split())] = el.metric.body
        elif kind == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
        elif kind == "heading" and el.heading.tag == "h1":
            self.titles.append(el.heading.body)
        elif kind in ("slider", "text_input"):
            w = getattr(el, kind)
            self.widgets[w.query_param_key or w.id] = w

    def widget_state(self, key: str, value: str):
        """The WidgetState a browser sends for widget ``key`` set to ``value`` (as the URL writes it)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        w = self.widgets[key]
        state = WidgetState(id=w.id)
        if w.DESCRIPTOR.name == "Slider" and len(w.options):  # a select slider: the text of its option
            state.string_array_value.data.append(value)
        elif w.DESCRIPTOR.name == "Slider":
            state.double_array_value.data.append(float(value))
        else:  # a text box
            state.string_value = value
        return state


def _query(p: Plan, state: dict) -> str:
    return urllib.parse.urlencode({"lang": p.lang, **state})


def _protocol_mismatches(s: ProtocolSession, p: Plan, k: int) -> list[str]:
    out = [f"error on the page: {e}" for e in s.exceptions]
    t = Translator(p.lang)
    if not s.titles or s.titles[-1].strip() != t(f"{p.page}.title"):
        out.append(f"title {s.titles[-1:]}")
    if p.kind != "visit":
        expected = p.expected(p.states[k])
        shown = s.metrics.get(p.metric_label)
        seen = numbers(shown or "")
        if len(seen) != len(expected) or not all(_close(a, b, p.rtol) for a, b in zip(seen, expected)):
            out.append(f"{p.metric_label!r} shows {shown!r}, want {expected}")
    return out


def _first_visit(url: str) -> str:
    """GET a page as a browser's first request does (no cookie); the cookies it sets, as a Cookie header."""
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])


async def _protocol_session(base: str, p: Plan, outcome: Outcome, timeout_s: float, think_s: float,
                            via_page: bool, finished: Callable[[], None], all_done: asyncio.Event) -> None:
    from websockets.asyncio.client import connect  # websockets comes with Streamlit
    url = base.replace("http://", "ws://", 1) + "/_stcore/stream"
    try:
        start = time.perf_counter()
        headers = {}
        if via_page:  # like a browser: the page first, then the websocket with the cookies the page set
            headers["Cookie"] = await asyncio.to_thread(_first_visit, p.url(base))
            outcome.sticky = re.search(r"dlnl_sticky=([^;]*)", headers["Cookie"]).group(1) \
                if "dlnl_sticky=" in headers["Cookie"] else None
        async with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout_s,
                                      origin=base, additional_headers=headers) as ws:
            s = ProtocolSession(ws, p.page, p.lang)
            await s.run(_query(p, p.states[0]), timeout_s=timeout_s)
            outcome.load_ms = (time.perf_counter() - start) * 1000
            outcome.session_id = s.session_id
            outcome.failures += [f"on load: {w}" for w in _protocol_mismatches(s, p, 0)]
            for k in range(1, len(p.states)):
                await asyncio.sleep(think_s)
                s.titles.clear()
                states = [s.widget_state(p.knob, p.states[k][p.knob])]
                outcome.move_ms.append(await s.run(_query(p, p.states[k]), states, timeout_s=timeout_s))
                outcome.failures += [f"after move {k}: {w}" for w in _protocol_mismatches(s, p, k)]
            finished()
            await asyncio.wait_for(all_done.wait(), timeout_s)  # the class stays connected until everyone is done
    except Exception as err:  # noqa: BLE001 - a timeout or a dropped connection is this session's failure
        outcome.failures.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        finished()


async def _clients(base: str, plans: list[Plan], timeout_s: float, think_s: float, via_page: bool) -> list[Outcome]:
    outcomes = [Outcome(p) for p in plans]
    all_done, left = asyncio.Event(), [len(plans)]

    def finished():
        left[0] -= 1
        if left[0] <= 0:
            all_done.set()

    await asyncio.gather(*(_protocol_session(base, o.plan, o, timeout_s, think_s, via_page, finished, all_done)
                           for o in outcomes))
    return outcomes


def run_clients(base: str, plans: list[Plan], timeout_s: float = 60, think_s: float = 0.0,
                via_page: bool = False) -> list[Outcome]:
    """All sessions at once as websocket clients, each pausing ``think_s`` before a move; every session stays
    connected until all are done. ``via_page``: each first GETs its page and sends the cookies it got."""
    return _in_thread(lambda: _clients(base, plans, timeout_s, think_s, via_page))


async def _reconnect(base: str, session_id: str) -> None:
    from websockets.asyncio.client import connect  # websockets comes with Streamlit
    url = base.replace("http://", "ws://", 1) + "/_stcore/stream"
    # A browser asks to resume its session by naming it third in the websocket's subprotocols (the second is
    # its XSRF token, which only matters for a logged-in user).
    async with connect(url, subprotocols=["streamlit", "xsrf", session_id], origin=base):
        await asyncio.sleep(0.2)


def reconnect(base: str, session_id: str) -> None:
    """Reconnect to a session as a browser does after a network blip, and leave again."""
    _in_thread(lambda: _reconnect(base, session_id))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between order statistics."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(max(round(q) - 1, 0), 98)]


def failures(outcomes: list[Outcome]) -> list[str]:
    return [f"session {o.plan.index} ({o.plan.page}, {o.plan.lang}): {f}" for o in outcomes for f in o.failures]


# --- servers -------------------------------------------------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_ERRORS = re.compile(r"Traceback|Exception|\bERROR\b|\bCRITICAL\b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(port: int, log_path, *options: str) -> subprocess.Popen:
    """``streamlit run dashboard.py`` on 127.0.0.1:``port``, its output in ``log_path``."""
    log = open(log_path, "ab")  # noqa: SIM115 - the server writes it until it stops
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *options],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            raise RuntimeError(f"{url} did not become healthy within {timeout_s:g} s")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout_s: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout_s)


def server_metrics(url: str) -> dict[str, float]:
    """Streamlit's own counters (``/_stcore/metrics``), by name: ``active_sessions``,
    ``session_events_total{type="connect"}``, …"""
    text = urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=5).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out

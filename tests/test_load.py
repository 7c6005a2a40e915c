"""A classroom on one server: 30 sessions at once, each on its own page with its own settings.

One real Chromium tab and 29 websocket clients that speak Streamlit's protocol (tests/sessions.py) open
their share links at the same moment against one fresh ``streamlit run``, change a widget twice,
and check after every change that the numbers they are shown are computed from their own settings. The
websocket clients cost the server exactly what a browser tab costs it (the same messages, the same script
runs) without drawing the page: 30 tabs drawing Vega charts on the test machine's two CPUs would measure
the test machine, while in a classroom every student's laptop draws its own page.

Measured and written to test-artifacts/load.json (printed too): interaction latency (from the key press or
the message to the end of the script run the client saw) alone and in the classroom, page-load time, the
server's CPU time per script run, and its memory: idle, after one student visited every page, at the
classroom's peak, and after everyone left and ``server.disconnectedSessionTTL`` passed.
"""
import ast
import json
import os
import pathlib
import statistics
import threading
import time

import psutil
import pytest

from tests import sessions
from ui.frame import PAGES

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARTIFACT = ROOT / "test-artifacts" / "load.json"
SESSIONS = 30
BROWSERS = 1  # of the sessions, real Chromium tabs (when Chromium is installed)
MOVES = 2
THINK_S = 0.5  # a student's pause before each move
STEP_TIMEOUT_S = 240  # a page load or a widget change, for one session while the other 29 keep the server busy
TTL_S = 3  # server.disconnectedSessionTTL of the server under test (Streamlit's default is 120 s)
# Memory the server may keep once the class has left, above its level after one student used every page.
# Measured: 95-130 MB (the class's entries in the bounded caches, and freed pages the allocator keeps).
LEFT_BEHIND_MB = 250


class Sampler(threading.Thread):
    """The server's resident memory and its number of connected sessions, four times a second."""

    def __init__(self, proc: psutil.Process, url: str):
        super().__init__(daemon=True)
        self.proc, self.url, self.stop = proc, url, threading.Event()
        self.peak_mb, self.peak_sessions = 0.0, 0

    def run(self):
        while not self.stop.is_set():
            self.peak_mb = max(self.peak_mb, _mb(self.proc))
            try:
                self.peak_sessions = max(self.peak_sessions, int(sessions.server_metrics(self.url)["active_sessions"]))
            except OSError:
                pass
            self.stop.wait(0.25)


def _mb(proc: psutil.Process) -> float:
    return proc.memory_info().rss / 2**20


def _reconnects(url: str) -> int:
    return int(sessions.server_metrics(url)['session_events_total{type="reconnect"}'])


def _wait_sessions(url: str, n: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while (active := int(sessions.server_metrics(url)["active_sessions"])) != n and time.monotonic() < deadline:
        time.sleep(0.2)
    return active


def _summary(ms: list[float]) -> dict:
    if not ms:
        return {}
    return {"n": len(ms), "p50": round(statistics.median(ms)), "p95": round(sessions.percentile(ms, 95)),
            "max": round(max(ms))}


@pytest.fixture(scope="module")
def lone_server(tmp_path_factory):
    """A fresh server of its own: a short disconnectedSessionTTL, no file watcher, its log kept."""
    log = tmp_path_factory.mktemp("load") / "server.log"
    port = sessions.free_port()
    proc = sessions.start_streamlit(port, log, "--server.disconnectedSessionTTL", str(TTL_S),
                              "--server.fileWatcherType", "none")
    url = f"http://127.0.0.1:{port}"
    try:
        sessions.wait_healthy(url, proc)
        yield url, proc, log
    finally:
        sessions.stop(proc)


@pytest.mark.browser
def test_a_classroom_on_one_server(lone_server):
    url, proc, log = lone_server
    server = psutil.Process(proc.pid)
    t_start = time.monotonic()
    idle_mb = _mb(server)

    # One student first, every page in turn: the server's level with everything imported and warm.
    alone = [sessions.run_clients(url, [sessions.plan(SESSIONS + k, 1)])[0] for k in range(len(PAGES))]
    assert not sessions.failures(alone), sessions.failures(alone)
    # A session that just lost its connection is kept for disconnectedSessionTTL: coming back resumes it.
    resumed0 = _reconnects(url)
    sessions.reconnect(url, alone[-1].session_id)
    assert _reconnects(url) == resumed0 + 1, "a session that left a moment ago could not be resumed"
    _wait_sessions(url, 0)
    one_mb = _mb(server)

    # The class: everyone opens a link at once and moves a widget MOVES times.
    browsers = BROWSERS if os.path.exists(sessions.CHROMIUM) else 0
    plans = [sessions.plan(i, MOVES) for i in range(SESSIONS)]
    in_browser: list = []
    sampler = Sampler(server, url)
    sampler.start()
    cpu0, t0 = server.cpu_times(), time.monotonic()
    # each step may wait behind the whole class's queue (about 80 script runs of ~0.5 s CPU on one core)
    tab = threading.Thread(target=lambda: in_browser.extend(sessions.run_tabs(url, plans[:browsers],
                                                                               timeout_s=STEP_TIMEOUT_S)))
    tab.start()
    clients = sessions.run_clients(url, plans[browsers:], timeout_s=STEP_TIMEOUT_S, think_s=THINK_S)
    tab.join()
    cpu1, class_s = server.cpu_times(), time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    everyone = in_browser + clients

    # Everyone leaves; once disconnectedSessionTTL has passed their sessions are gone (they can no longer be
    # resumed, and the next session the server stores - a last visitor's - sweeps them out of memory).
    left = _wait_sessions(url, 0)
    time.sleep(TTL_S + 1)
    last = sessions.run_clients(url, [sessions.plan(SESSIONS + len(PAGES), 0)])
    resumed1 = _reconnects(url)
    for o in [o for o in clients if o.session_id][:3]:
        sessions.reconnect(url, o.session_id)
    resumed_after_ttl = _reconnects(url) - resumed1
    _wait_sessions(url, 0)
    time.sleep(1)
    after_mb = _mb(server)

    runs = sum(1 + len(o.move_ms) for o in everyone)
    moves = [m for o in everyone for m in o.move_ms]
    report = {
        "sessions": SESSIONS, "real_browser_tabs": browsers, "moves_per_session": MOVES, "think_s": THINK_S,
        "latency_ms": {"classroom": _summary(moves),
                       "classroom_browser_tab": _summary([m for o in in_browser for m in o.move_ms]),
                       "alone": _summary([m for o in alone for m in o.move_ms])},
        "page_load_ms": {"classroom": _summary([o.load_ms for o in everyone if o.load_ms is not None]),
                         "alone": _summary([o.load_ms for o in alone])},
        "classroom_wall_s": round(class_s, 1),
        "server_cpu_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 1),
        "script_runs": runs,
        "memory_mb": {"idle": round(idle_mb), "one_session": round(one_mb), "classroom_peak": round(sampler.peak_mb),
                      "after_ttl": round(after_mb)},
        "peak_connected_sessions": sampler.peak_sessions,
        "test_wall_s": round(time.monotonic() - t_start, 1),
    }
    report["server_cpu_ms_per_run"] = round(1000 * report["server_cpu_s"] / max(runs, 1))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nclassroom on one server: {json.dumps(report)}")

    problems = sessions.failures(everyone) + sessions.failures(last)
    assert not problems, "\n".join(problems)
    assert all(len(o.move_ms) == len(o.plan.moves) for o in everyone)
    assert resumed_after_ttl == 0, "sessions were still kept after disconnectedSessionTTL"
    assert sampler.peak_sessions >= SESSIONS - browsers, "the class was never connected all at once"
    assert left == 0, f"{left} sessions still connected after everyone left"
    errors = [line for line in log.read_text(errors="replace").splitlines() if sessions.SERVER_ERRORS.search(line)]
    assert not errors, "the server logged errors:\n" + "\n".join(errors[:40])
    assert after_mb - one_mb < LEFT_BEHIND_MB, report["memory_mb"]


# --- every cache is bounded ----------------------------------------------------------------------------------
# A cache without a bound, keyed on what a user types, grows with every student for the life of the server.
# functools caches without a bound are allowed only where the keys are a fixed, small set:
UNBOUNDED_OK = {
    ("ui/i18n.py", "strings"): "one entry per language; other values raise before anything is cached",
    ("core/symbolic.py", "expressions"): "no arguments",
    ("core/symbolic.py", "derivative_latex"): "gallery function ids; an unknown id raises before caching",
}


def _decorators():
    for path in sorted([ROOT / "dashboard.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"),
                        *ROOT.glob("core/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for dec in node.decorator_list:
                    yield path.relative_to(ROOT).as_posix(), node.name, dec


def _name(dec) -> str:
    return ast.unparse(dec.func if isinstance(dec, ast.Call) else dec)


def _unbounded(dec) -> bool:
    name = _name(dec)
    kwargs = {k.arg: k.value for k in dec.keywords} if isinstance(dec, ast.Call) else {}
    if name.endswith(("cache_data", "cache_resource")):
        return "max_entries" not in kwargs or ast.unparse(kwargs["max_entries"]) == "None"
    if name in ("functools.cache", "cache"):
        return True
    if name in ("functools.lru_cache", "lru_cache") and isinstance(dec, ast.Call):  # bare @lru_cache: 128
        size = kwargs.get("maxsize", dec.args[0] if dec.args else None)
        return size is not None and ast.unparse(size) == "None"
    return False


def test_every_cache_has_a_limit():
    unbounded = [f"{path}:{fn}: @{_name(dec)}" for path, fn, dec in _decorators()
                 if _unbounded(dec) and (path, fn) not in UNBOUNDED_OK]
    assert not unbounded, "caches without a limit (st.cache_* need max_entries):\n" + "\n".join(unbounded)

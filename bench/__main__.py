"""Run every benchmark and rewrite BENCHMARKS.md: ``python -m bench`` (``--quick`` for a short run).

Measures, for every page in ``ui.frame.PAGES``: the server-side rerun time (AppTest) with default and
worst-case widgets; in headless Chromium, the time from a slider's keypress to the chart showing the new
data, and a slider inside a chart (a Vega parameter); the cold start from ``streamlit run`` to the page
drawn; the bytes of chart data the page sends; and the server's memory with 1 and 30 browser sessions.
Each figure is the median of repeated runs with its spread, next to a bare-Streamlit floor measured the
same way in the same run, so the ratios hold on a noisy machine.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import pathlib
import platform
import subprocess
import sys
import time

import numpy as np

from bench import browser as bb
from bench import live, rerun
from bench.stats import summary
from ui.frame import PAGES
from ui.state import Choice

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET_RERUN_RATIO = 3.0     # default rerun ≤ 3× the empty page
TARGET_WORST_MS = 1000.0     # worst-case rerun < 1 s
TARGET_SLIDER_MS = 150.0     # slider to chart < 150 ms in the browser
TARGET_CHART_BYTES = 1_000_000  # ≤ 1 MB of chart data per page


def log(*msg):
    print(*msg, file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    def version(dist):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "–"

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = next((int(line.split()[1]) * 1024 for line in open("/proc/meminfo", encoding="utf-8")
                if line.startswith("MemTotal")), 0)
    try:
        chromium = subprocess.run([live.CHROMIUM, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
    except OSError:
        chromium = "–"
    osname = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    return {
        "machine": f"{cpu}, {os.cpu_count()} CPUs, {mem / 2**30:.0f} GiB RAM, {osname}, Linux {platform.release()}",
        "versions": (f"Python {platform.python_version()}, Streamlit {version('streamlit')}, "
                     f"Altair {version('altair')}, NumPy {version('numpy')}, SciPy {version('scipy')}, "
                     f"pandas {version('pandas')}, Playwright {version('playwright')}, {chromium}"),
    }


def _fmt_ms(values) -> str:
    med, spread = summary(values)
    return f"{med:,.0f} ± {spread:,.0f}" if med >= 100 else f"{med:.1f} ± {spread:.1f}"


def _count(values) -> str:
    return f"{summary(values)[0]:.0f}" if values else "–"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def measure(args) -> dict:
    out: dict = {"load_before": os.getloadavg()}
    t_begin = time.monotonic()
    log("1/4 server-side reruns (AppTest)")
    out["floor"] = rerun.floor(args.runs)
    out["home"] = rerun.home(args.runs)
    out["frame"] = rerun.frame(args.runs)
    out["element_rows"] = rerun.elements(args.runs)
    out["rows"], out["errors"] = [], {}
    for page in PAGES:
        log(f"    {page.id}")
        try:
            out["rows"] += rerun.page_rows(page, args.runs)
        except (Exception, SystemExit) as err:  # noqa: BLE001 - one page's failure is reported, the rest measured
            out["errors"][f"{page.id} (rerun)"] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"

    from playwright.sync_api import sync_playwright
    with sync_playwright() as p, bb.temp_dir() as tmp:
        browser = live.launch_chromium(p)
        floor_app = bb.floor_script(tmp)
        log("2/4 slider to chart in the browser, chart bytes on the websocket")
        with live.Server(floor_app) as server:
            page = bb.open_page(browser, server.url + "/")
            out["floor_latency"] = bb.slider_latency(page, "v", args.moves)
            page.context.close()
        out["elements"] = bb.element_cost(browser, tmp, args.moves)
        out["latency"], out["vega"], out["frames"], out["parts"] = {}, {}, {}, set()
        with live.Server() as server:
            for page_obj in PAGES:
                log(f"    {page_obj.id}")
                out["latency"][page_obj.id], out["frames"][page_obj.id] = None, ([], [])
                try:
                    page = bb.open_page(browser, f"{server.url}/{page_obj.id}?lang=en")
                    frames = live.received(page)
                    specs = live.page_specs(page_obj)
                    key = bb.main_slider(page, specs)
                    out["latency"][page_obj.id] = bb.slider_latency(page, key, args.moves) if key else None
                    vega = bb.vega_scrub_latency(page, args.moves)
                    if vega is not None:
                        out["vega"][page_obj.id] = vega
                    page.context.close()
                    # a page that shows one part of a section at a time: the same slider in each other part
                    for spec in (s for s in specs if isinstance(s, Choice) and s.parts):
                        for part in spec.options:
                            if part == spec.default or not key:
                                continue
                            page = bb.open_page(browser, f"{server.url}/{page_obj.id}?lang=en&{spec.key}={part}")
                            row = f"{page_obj.id} ({spec.key}={part})"
                            out["latency"][row] = bb.slider_latency(page, key, args.moves)
                            out["parts"].add(row)
                            page.context.close()
                    page = bb.open_page(browser, server.url + bb.worst_link(page_obj, rerun.worst(page_obj)[0]))
                    out["frames"][page_obj.id] = (frames, live.received(page))
                    page.context.close()
                except Exception as err:  # noqa: BLE001 - one page's failure is reported, the rest measured
                    out["errors"][page_obj.id] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
                    log(f"    {page_obj.id} failed: {out['errors'][page_obj.id]}")

        log("3/4 cold starts")
        targets = [("(bare Streamlit)", floor_app, "/"), ("home", "dashboard.py", "/?lang=en"),
                   *((p.id, "dashboard.py", f"/{p.id}?lang=en") for p in PAGES)]
        out["cold"] = {name: [] for name, _, _ in targets}
        for i in range(args.starts):  # interleaved, so a burst of load elsewhere hits every target alike
            for name, script, path in targets:
                log(f"    {i + 1}/{args.starts} {name}")
                try:
                    out["cold"][name].append(bb.cold_start(browser, script, path))
                except Exception as err:  # noqa: BLE001
                    out["errors"][f"{name} (cold start)"] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"

        log(f"4/4 memory with 1 and {args.sessions} sessions")
        out["mem_floor"], out["mem_app"] = [], []
        paths = [f"/{p.id}?lang=en" for p in PAGES]
        for i in range(args.mem_runs):
            log(f"    {i + 1}/{args.mem_runs}")
            out["mem_floor"].append(bb.memory(browser, floor_app, ["/"], args.sessions))
            out["mem_app"].append(bb.memory(browser, "dashboard.py", paths, args.sessions))
        browser.close()
    out["load_after"] = os.getloadavg()
    out["minutes"] = (time.monotonic() - t_begin) / 60
    return out


def _element_costs(m: dict, floor_ms: float) -> list[str]:
    """What a rerun's elements cost by themselves (pages of n plain elements, same run), and how much of the
    default-rerun target that leaves a page once its frame is drawn."""
    rows = m.get("element_rows") or {}
    if not rows:
        return []
    slopes = {}
    for kind in dict.fromkeys(k for k, _ in rows):
        ns = [n for k, n in rows if k == kind]
        meds = [floor_ms] + [summary(rows[kind, n].ms)[0] for n in ns]
        slopes[kind] = float(np.polyfit([0, *ns], meds, 1)[0])
    frame_ms, frame_n = summary(m["frame"].ms)[0], m["frame"].elements
    budget = TARGET_RERUN_RATIO * floor_ms - frame_ms
    room = ", ".join(f"{max(budget, 0) / slope:.0f} {kind} elements" for kind, slope in slopes.items() if slope > 0)
    # What an element of a lesson page costs on average: each page's default rerun less the frame, over its elements
    # less the frame's (its charts, widgets, tables and computation included).
    own = {r.page: (summary(r.ms)[0] - frame_ms, r.elements - frame_n) for r in m["rows"]
           if r.setting == "default" and r.elements > frame_n}
    per = float(np.median([ms / n for ms, n in own.values()])) if own else float("nan")
    lines = ["", "What a rerun's elements cost by themselves: pages made of n elements of one kind and nothing else, "
             "measured like the floor in the same run. Each element adds about "
             + ", ".join(f"{slope:.2f} ms ({kind})" for kind, slope in slopes.items())
             + " (least-squares lines through the medians); on the lesson pages an element costs "
             f"{per:.2f} ms (the median over the pages of their default rerun less the frame, over their elements "
             "less the frame's: charts, widgets, tables and computation included). "
             f"The {TARGET_RERUN_RATIO:.0f}× target ({TARGET_RERUN_RATIO * floor_ms:.1f} ms) less the frame every "
             f"page draws first ({frame_ms:.1f} ms for its {frame_n} elements: the language switch, the navigation "
             f"and the styles, nothing else) leaves a page's own content {budget:.1f} ms: room for about "
             f"{max(budget, 0) / per:.0f} elements at the lesson pages' cost ({room} at the cheapest). "
             + (f"The lesson pages send {min(n for _, n in own.values())}–{max(n for _, n in own.values())} "
                "elements of their own." if own else ""), "",
             "| page | elements | ms (median ± spread) | × floor |", "| --- | ---: | ---: | ---: |",
             f"| {m['frame'].page} | {frame_n or '–'} | {_fmt_ms(m['frame'].ms)} | "
             f"{frame_ms / floor_ms:.1f} |"]
    for (kind, n), row in rows.items():
        lines.append(f"| {kind} only | {n} | {_fmt_ms(row.ms)} | {summary(row.ms)[0] / floor_ms:.1f} |")
    return lines


def report(m: dict, env: dict, args) -> str:
    floor_ms = summary(m["floor"].ms)[0]
    by_page: dict[str, list] = {}
    for row in m["rows"]:
        by_page.setdefault(row.page, []).append(row)
    default = {p: rows[0] for p, rows in by_page.items()}
    worst_rows = {p: rows[1:] for p, rows in by_page.items()}
    floor_lat = summary(m["floor_latency"].ms)[0]
    lat = {p: v for p, v in m["latency"].items() if v is not None and v.ms}
    chart_total = {p: max(sum(r.chart_bytes) for r in rows) for p, rows in by_page.items()}

    # ---- targets ----
    ratios = {p: summary(r.ms)[0] / floor_ms for p, r in default.items()}
    worst_ms = {p: max(summary(r.ms)[0] for r in rows) for p, rows in worst_rows.items()}
    lat_ms = {p: summary(v.ms)[0] for p, v in lat.items()}
    # a part of a page in which no chart follows the slider (its tables and numbers do) is no miss
    missing_lat = [p for p, v in m["latency"].items() if (v is None or not v.ms) and p not in m["parts"]]
    vega_ok = all(v.reruns == 0 and v.ms for v in m["vega"].values())

    def listing(values: dict, limit: float, unit: str, fmt="{:.0f}") -> str:
        over = {p: v for p, v in values.items() if v > limit}
        if not over:
            return ""
        return " — over: " + ", ".join(f"{p} {fmt.format(v)}{unit} ({v / limit:.1f}× the target)"
                                      for p, v in sorted(over.items(), key=lambda kv: -kv[1]))

    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC with `python -m bench` "
        f"({'--quick, ' if args.quick else ''}{m['minutes']:.0f} min).",
        "",
        f"- Machine: {env['machine']}; load average {m['load_before'][0]:.1f} at the start, "
        f"{m['load_after'][0]:.1f} at the end (other work shared the machine: read the ratios to the floor).",
        f"- Versions: {env['versions']}.",
        f"- Each figure is the median of repeated runs ± its spread (interquartile range; max − min below four "
        f"runs): {args.runs} reruns per row, {args.moves} slider moves per page, {args.starts} cold starts per "
        f"page, {args.mem_runs} memory run(s). \"Floor\" is bare Streamlit measured the same way in the same run: "
        "an empty page for reruns; a page with one slider and one five-point chart in the browser.",
        "",
        "## Targets",
        "",
        "| target | measured | status |",
        "| --- | --- | --- |",
        f"| every page's default rerun within {TARGET_RERUN_RATIO:.0f}× the empty-page floor "
        f"({floor_ms:.1f} ms) | {max(ratios.values()):.0f}× at most ({max(ratios, key=ratios.get)})"
        f"{listing(ratios, TARGET_RERUN_RATIO, '×')} | {_mark(max(ratios.values()) <= TARGET_RERUN_RATIO)} |",
        f"| worst-case rerun under 1 s (slowest worst-case row of each page) | {max(worst_ms.values()):,.0f} ms at "
        f"most ({max(worst_ms, key=worst_ms.get)}){listing(worst_ms, TARGET_WORST_MS, ' ms')} | "
        f"{_mark(max(worst_ms.values()) < TARGET_WORST_MS)} |",
        f"| slider to chart under 150 ms in the browser (floor {floor_lat:.0f} ms) | "
        + (f"{max(lat_ms.values()):,.0f} ms at most ({max(lat_ms, key=lat_ms.get)})" if lat_ms else "–")
        + listing(lat_ms, TARGET_SLIDER_MS, " ms")
        + (f"; no slider measured on {', '.join(missing_lat)}" if missing_lat else "")
        + f" | {_mark(bool(lat_ms) and max(lat_ms.values()) < TARGET_SLIDER_MS and not missing_lat)} |",
        f"| no page sends more than 1 MB of chart data (largest total, default or worst case) | "
        f"{_mb(max(chart_total.values()))} ({max(chart_total, key=chart_total.get)})"
        f"{listing(chart_total, TARGET_CHART_BYTES, ' B', '{:,}')} | "
        f"{_mark(max(chart_total.values()) <= TARGET_CHART_BYTES)} |",
        "| a control that only scrubs through data already drawn moves inside the chart (Vega parameter, no "
        "server round trip) | " + (", ".join(f"{p}: {summary(v.ms)[0]:.0f} ms, {v.reruns} messages to the server"
                                            for p, v in m["vega"].items()) or "no in-chart slider found")
        + f" | {_mark(vega_ok and bool(m['vega']))} |",
        "",
        "## Server-side rerun (AppTest)",
        "",
        "The script's run time in Streamlit's AppTest, for a rerun with nothing changed (\"cached\": the "
        "`st.cache_data` results are reused), after a learner-like change of one input (\"new input\": a new "
        "seed, start or text, so the caches keyed on it miss), and with every cache cleared before each run "
        "(\"first view\": the link opened first on a fresh server). Worst-case settings: `bench/rerun.py` "
        "`WORST`. Every run shares one compiled-script cache, as a running server's sessions do (AppTest on its own "
        "compiles the page again for every run). Elements: what the default view sends, each element and each block "
        "(a column, a container) counted once, the frame's included.",
        "",
        "| page | settings | ms (median ± spread) | × floor | elements | charts | chart data: total / largest "
        "| target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| floor: empty page | – | {_fmt_ms(m['floor'].ms)} | 1.0 | 0 | – | – | |",
        f"| {m['home'].page} | default | {_fmt_ms(m['home'].ms)} | {summary(m['home'].ms)[0] / floor_ms:.1f} | "
        f"{m['home'].elements or '–'} | – | – | (reference) |",
    ]
    for row in m["rows"]:
        med = summary(row.ms)[0]
        is_default = row.setting == "default"
        ok = med / floor_ms <= TARGET_RERUN_RATIO if is_default else med < TARGET_WORST_MS
        lines.append(f"| {row.page} | {row.setting} | {_fmt_ms(row.ms)} | {med / floor_ms:.1f} | "
                     f"{row.elements or '–'} | {len(row.chart_bytes)} | {_mb(sum(row.chart_bytes))} / "
                     f"{_mb(max(row.chart_bytes, default=0))}"
                     f" | {'≤ 3× floor' if is_default else '< 1 s'}: {_mark(ok)} |")
    lines += _element_costs(m, floor_ms)

    lines += [
        "",
        "## Slider to chart in the browser",
        "",
        "Headless Chromium, one session on a warm server, the page at its defaults. The page's first enabled "
        "slider (the one the browser tests move) gets an arrow-key press; the time runs from the keydown to the "
        "later of the script run finishing and the last change of a chart's SVG (page clock, "
        "`performance.now()`). Where the time goes: keydown → the widget's message leaves the browser; → the "
        "page has taken in the rerun's last message (the server's run, the transfer, and any time the page was "
        "busy with the earlier messages: the browser handles each element's message as it comes); the rest, to "
        "the total, is the browser drawing. Messages: how many the rerun sent the page, about one per element of "
        "the part of the page that reran. Consecutive presses move on to new values (turning back at the "
        "slider's end). A page whose sliders drive one part of the lesson at a time is measured in every part: "
        "its own row is the default part, the rows `page (key=part)` the others (opened with that link).",
        "",
        "| page | slider | keydown → chart drawn (ms) | × floor | → message sent | → last message in | messages | "
        "target < 150 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    fl = m["floor_latency"]
    lines.append(f"| floor: one slider, one chart | `v` | {_fmt_ms(fl.ms)} | 1.0 | {_fmt_ms(fl.to_sent)} | "
                 f"{_fmt_ms(fl.to_recv)} | {_count(fl.messages)} | {_mark(floor_lat < TARGET_SLIDER_MS)} |")
    for p, v in m["latency"].items():
        if v is not None and not v.ms and p in m["parts"]:
            lines.append(f"| {p} | `{v.target}` | no chart in this part follows the slider (its tables and numbers "
                         "do) | | | | | – |")
            continue
        if v is None or not v.ms:
            lines.append(f"| {p} | – | no enabled slider changed a chart | | | | | **missed** |")
            continue
        med = summary(v.ms)[0]
        note = f" ({v.unchanged} of {args.moves} presses changed no chart)" if v.unchanged else ""
        lines.append(f"| {p} | `{v.target}` | {_fmt_ms(v.ms)}{note} | {med / floor_lat:.1f} | {_fmt_ms(v.to_sent)} | "
                     f"{_fmt_ms(v.to_recv)} | {_count(v.messages)} | {_mark(med < TARGET_SLIDER_MS)} |")
    if m.get("elements"):
        el = m["elements"]
        ns = [n for n in el if el[n].ms]
        slope = float(np.polyfit(ns, [summary(el[n].ms)[0] for n in ns], 1)[0]) if len(ns) > 1 else float("nan")
        lines += ["", f"What the elements of a rerun cost by themselves: the floor page with n short paragraphs "
                  f"that change with the slider, in the same run. Each element adds about {slope:.1f} ms "
                  "from keydown to chart (a least-squares line through the medians), before any computation.", "",
                  "| paragraphs | messages | keydown → chart drawn (ms) | → last message in |",
                  "| ---: | ---: | ---: | ---: |"]
        for n in ns:
            lines.append(f"| {n} | {_count(el[n].messages)} | {_fmt_ms(el[n].ms)} | {_fmt_ms(el[n].to_recv)} |")
    if m["vega"]:
        lines += ["", "Sliders inside a chart (a Vega parameter bound to an input): from the input event to the "
                  "chart's redraw, and the messages the moves sent to the server (none: no round trip).", "",
                  "| page | input → chart (ms) | messages to the server | |", "| --- | ---: | ---: | --- |"]
        for p, v in m["vega"].items():
            lines.append(f"| {p} | {_fmt_ms(v.ms)} | {v.reruns} | {_mark(v.reruns == 0)} |")

    cold_floor = summary(m["cold"]["(bare Streamlit)"])[0]
    lines += [
        "",
        "## Cold start",
        "",
        "From starting `streamlit run` to the page fully drawn in the browser (every chart with its marks), the "
        "page being the fresh server's first request. Floor: the bare one-slider page.",
        "",
        "| page | seconds | × floor |",
        "| --- | ---: | ---: |",
    ]
    for name, secs in m["cold"].items():
        med, spread = summary(secs)
        lines.append(f"| {name} | {med:.1f} ± {spread:.1f} | {med / cold_floor:.1f} |")

    lines += [
        "",
        "## Chart data sent to the browser",
        "",
        "Per page: the Vega-Lite spec plus datasets of every chart (AppTest element protos), at the default "
        "and worst-case settings; and what the browser received over the websocket while the page loaded "
        "(every message, charts and everything else, and the largest single message, which "
        "`server.maxMessageSize` must allow).",
        "",
        "| page | charts (default / worst) | chart data default: total / largest | worst case: total / largest | "
        "websocket default: total / largest message | worst case: total / largest message | target ≤ 1 MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for p, rows in by_page.items():
        d, w = rows[0], rows[1]
        fd, fw = m["frames"][p]
        lines.append(
            f"| {p} | {len(d.chart_bytes)} / {len(w.chart_bytes)} | {_mb(sum(d.chart_bytes))} / "
            f"{_mb(max(d.chart_bytes, default=0))} | {_mb(sum(w.chart_bytes))} / {_mb(max(w.chart_bytes, default=0))}"
            f" | {_mb(sum(fd))} / {_mb(max(fd, default=0))} | {_mb(sum(fw))} / {_mb(max(fw, default=0))} | "
            f"{_mark(chart_total[p] <= TARGET_CHART_BYTES)} |")
    largest = max(max(f, default=0) for pair in m["frames"].values() for f in pair)
    lines.append("")
    lines.append(f"Largest websocket message of any page: {_mb(largest)} (`server.maxMessageSize` is in "
                 "`.streamlit/config.toml`).")

    one_f, many_f = zip(*m["mem_floor"])
    one_a, many_a = zip(*m["mem_app"])
    mib = 2**20
    lines += [
        "",
        "## Server memory",
        "",
        f"Resident memory (RSS) of the `streamlit run` process and its children, after one browser session has "
        f"drawn a page, and after {args.sessions} sessions (browser contexts in one Chromium) have each drawn one, "
        f"spread over the pages in turn. Floor: the bare one-slider page with the same sessions.",
        "",
        f"| server | 1 session (MiB) | {args.sessions} sessions (MiB) | per extra session (MiB) | "
        f"× floor at {args.sessions} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, one, many in (("floor: bare one-slider page", one_f, many_f), ("this app", one_a, many_a)):
        o, s_o = summary(one)
        n, s_n = summary(many)
        lines.append(f"| {name} | {o / mib:.0f} ± {s_o / mib:.0f} | {n / mib:.0f} ± {s_n / mib:.0f} | "
                     f"{(n - o) / (args.sessions - 1) / mib:.1f} | {n / summary(many_f)[0]:.1f} |")
    if m["errors"]:
        lines += ["", "## Errors", "", *(f"- {p}: {e}" for p, e in m["errors"].items())]
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="reruns per AppTest row")
    ap.add_argument("--moves", type=int, default=16, help="slider presses per page")
    ap.add_argument("--starts", type=int, default=3, help="cold starts per page")
    ap.add_argument("--mem-runs", type=int, default=3, help="memory measurements (each opens all sessions)")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions: a check that everything runs")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    if args.quick:
        args.runs, args.moves, args.starts, args.mem_runs = 4, 4, 1, 1
    env = environment()
    text = report(measure(args), env, args)
    pathlib.Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

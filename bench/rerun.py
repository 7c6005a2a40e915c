"""Server-side rerun time of each page (AppTest), next to an empty page measured in the same run.

Usage: python bench/rerun.py [--runs 20]. Prints a Markdown table: median and spread (IQR) in ms,
and the ratio to the empty page, plus the bytes of the largest chart spec a page sends.
"""
import argparse
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.frame import PAGES  # noqa: E402


def _times(at, runs):
    at.run()  # warm: imports and caches
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _summary(ms):
    q = statistics.quantiles(ms, n=4)
    return statistics.median(ms), q[2] - q[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = pathlib.Path(tmp) / "empty.py"
        empty.write_text("import streamlit as st\n")
        floor = _summary(_times(AppTest.from_file(str(empty), default_timeout=60), args.runs))
    print("| page | median ms | IQR ms | × empty page | largest chart spec (bytes) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| (empty page) | {floor[0]:.1f} | {floor[1]:.1f} | 1.0 | – |")
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.query_params["lang"] = "en"
        at.run()
        at.switch_page(page.path)
        at.run()
        if at.exception:
            raise SystemExit(f"{page.path} raised: {at.exception[0].value}")
        med, iqr = _summary(_times(at, args.runs))
        charts = [len(e.proto.spec) + sum(len(d.data.data) for d in e.proto.datasets)
                  for e in at.get("vega_lite_chart")]
        print(f"| {page.id} | {med:.1f} | {iqr:.1f} | {med / floor[0]:.1f} | {max(charts, default=0):,} |")


if __name__ == "__main__":
    main()

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

# The heaviest settings each page accepts: the most entries, steps and samples, every cache missed.
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
}


def _times(at, runs, fresh=None):
    """Rerun times in ms. ``fresh(i)`` is called before run i to defeat the caches (a new seed)."""
    at.run()  # warm: imports and caches
    out = []
    for i in range(runs):
        if fresh:
            fresh(i)
        t0 = time.perf_counter()
        at.run()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _nudge(text: str, i: int) -> str:
    """The same text with its first number changed, so every cache keyed on it misses."""
    head, sep, rest = text.partition(",")
    return f"{float(head) * (1 - (i + 1) * 1e-3):.9g}{sep}{rest}"  # smaller: stays within the bounds


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
    print("| page | settings | median ms | IQR ms | × empty page | largest chart spec (bytes) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    print(f"| (empty page) | – | {floor[0]:.1f} | {floor[1]:.1f} | 1.0 | – |")
    for page in PAGES:
        for name, params in (("default", {}), ("worst case, cached", WORST.get(page.id, {})),
                             ("worst case, cold", WORST.get(page.id, {}))):
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
            at.query_params["lang"] = "en"
            at.run()
            for key, value in params.items():
                at.query_params[key] = value
            at.switch_page(page.path)
            at.run()
            if at.exception:
                raise SystemExit(f"{page.path} raised: {at.exception[0].value}")
            fresh = None
            if name.endswith("cold") and page.id == "saddle":
                def fresh(i, at=at):  # a new seed: new noise, new random matrices
                    at.number_input(key="seed").set_value(i + 1)
            elif name.endswith("cold") and page.id == "optimizers":
                def fresh(i, at=at):  # a new start point and a new data seed: every race and SGD cache misses
                    at.slider(key="sx").set_value(round(-1.45 + 0.05 * i, 2))
                    at.number_input(key="seed").set_value(i + 1)
            elif name.endswith("cold") and page.id == "constrained":
                def fresh(i, at=at):  # a new offset of the half-plane: every solve misses the cache
                    at.slider(key="koff").set_value(round(0.4 - 0.1 * i, 1))
            elif name.endswith("cold"):
                # A changed text entry misses every cache that depends on the page's main input.
                key = "logits" if page.id == "softmax" else "matrix"
                base = params[key]

                def fresh(i, at=at, key=key, base=base):
                    at.text_input(key=key).set_value(_nudge(base, i))
            med, iqr = _summary(_times(at, args.runs, fresh))
            charts = [len(e.proto.spec) + sum(len(d.data.data) for d in e.proto.datasets)
                      for e in at.get("vega_lite_chart")]
            print(f"| {page.id} | {name} | {med:.1f} | {iqr:.1f} | {med / floor[0]:.1f} | "
                  f"{max(charts, default=0):,} |")


if __name__ == "__main__":
    main()

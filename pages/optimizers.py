"""Page: optimizers — the gradient, learning rates, momentum, adaptive methods, SGD, Newton and BFGS."""

import inspect

import numpy as np
import streamlit as st

from core import expressions as ex
from core import landscapes as ls
from core import oned, sgd
from core import optimizers as opt
from core.charts import optimizers as charts
from core.charts.tables import flagged_table, latex_matrix, number_text
from ui import formula
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, table
from ui.state import Choice, IntInput, LogSlider, Slider, Text, Toggle, check_url, widget

# --- state -----------------------------------------------------------------------------------------------
LR_OPTIONS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 1.9, 2.0,
              2.1, 2.5, 3.0)
FN1 = Choice("fn1", "optimizers.one.fn", tuple(oned.FUNCTIONS_1D), "ascent", labels="functions1d")
X1 = Slider("x1", "optimizers.one.x0", -6.0, 6.0, -2.0, 0.1)
A1 = LogSlider("a1", "optimizers.one.lr", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0,
                                            1.5), 0.05)
N1 = Slider("n1", "optimizers.one.steps", 1, 200, 40, 1)
RACE = ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "two_weight_net")
FN = Choice("fn", "optimizers.race.fn", (*RACE, "custom"), "quadratic", labels="functions")
EXPR = Text("expr", "expressions.label", formula.DEFAULT, ex.MAX_LENGTH, help="expressions.help",
            placeholder="expressions.placeholder")
KAPPA = LogSlider("kappa", "optimizers.race.kappa", (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0),
                  20.0)
THETA = Slider("theta", "optimizers.race.theta", 0, 90, 30, 15, help="optimizers.race.theta_help")
# Settings that show each function well: loaded when the learner picks the function (and on the reset button).
RECOMMENDED = {
    "quadratic": {"sx": -1.8, "sy": 1.2, "lr_gd": 1.0, "lr_momentum": 0.3, "lr_nesterov": 0.3, "lr_adagrad": 0.5,
                  "lr_rmsprop": 0.05, "lr_adam": 0.1, "steps": 100},
    "rosenbrock": {"sx": -1.5, "sy": 2.0, "lr_gd": 1e-3, "lr_momentum": 2e-4, "lr_nesterov": 2e-4, "lr_adagrad": 0.5,
                   "lr_rmsprop": 0.01, "lr_adam": 0.05, "steps": 1000},
    "beale": {"sx": 1.0, "sy": 1.5, "lr_gd": 1e-3, "lr_momentum": 1e-3, "lr_nesterov": 1e-3, "lr_adagrad": 0.5,
              "lr_rmsprop": 0.01, "lr_adam": 0.1, "steps": 500},
    "himmelblau": {"sx": 0.0, "sy": -4.5, "lr_gd": 0.01, "lr_momentum": 2e-3, "lr_nesterov": 2e-3, "lr_adagrad": 0.5,
                   "lr_rmsprop": 0.05, "lr_adam": 0.1, "steps": 200},
    "saddle": {"sx": -1.8, "sy": 0.01, "lr_gd": 0.1, "lr_momentum": 0.05, "lr_nesterov": 0.05, "lr_adagrad": 0.1,
               "lr_rmsprop": 0.01, "lr_adam": 0.02, "steps": 100},
    "two_weight_net": {"sx": -1.5, "sy": 1.2, "lr_gd": 0.05, "lr_momentum": 0.02, "lr_nesterov": 0.02,
                       "lr_adagrad": 0.5, "lr_rmsprop": 0.01, "lr_adam": 0.05, "steps": 200},
    "custom": {"sx": -2.0, "sy": 1.5, "lr_gd": 0.05, "lr_momentum": 0.02, "lr_nesterov": 0.02, "lr_adagrad": 0.5,
               "lr_rmsprop": 0.01, "lr_adam": 0.05, "steps": 200},
}
_Q = RECOMMENDED["quadratic"]  # the default function: its settings are the widgets' defaults
SX = Slider("sx", "optimizers.race.sx", -5.0, 5.0, _Q["sx"], 0.05)
SY = Slider("sy", "optimizers.race.sy", -5.0, 5.0, _Q["sy"], 0.05)
STEPS = Slider("steps", "optimizers.race.steps", 10, 1000, _Q["steps"], 10)
ON = {k: Toggle(f"on_{k}", f"optimizers.name.{k}", k in ("gd", "momentum", "adam", "bfgs")) for k in opt.NAMES}
HP = {  # optimizer → {hyperparameter: widget}
    "gd": {"lr": LogSlider("lr_gd", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_gd"])},
    "momentum": {"lr": LogSlider("lr_momentum", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_momentum"]),
                 "momentum": Slider("mu_momentum", "optimizers.hp.momentum", 0.0, 0.99, 0.9, 0.01)},
    "nesterov": {"lr": LogSlider("lr_nesterov", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_nesterov"]),
                 "momentum": Slider("mu_nesterov", "optimizers.hp.momentum", 0.0, 0.99, 0.9, 0.01)},
    "adagrad": {"lr": LogSlider("lr_adagrad", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_adagrad"])},
    "rmsprop": {"lr": LogSlider("lr_rmsprop", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_rmsprop"]),
                "alpha": LogSlider("alpha_rmsprop", "optimizers.hp.alpha", (0.5, 0.9, 0.95, 0.99, 0.999), 0.99)},
    "adam": {"lr": LogSlider("lr_adam", "optimizers.hp.lr", LR_OPTIONS, _Q["lr_adam"]),
             "beta1": LogSlider("b1_adam", "optimizers.hp.beta1", (0.0, 0.5, 0.8, 0.9, 0.95, 0.99), 0.9),
             "beta2": LogSlider("b2_adam", "optimizers.hp.beta2", (0.9, 0.99, 0.999, 0.9999), 0.999)},
    "newton": {"lr": LogSlider("lr_newton", "optimizers.hp.damping", (0.1, 0.2, 0.3, 0.5, 0.7, 1.0), 1.0)},
    "bfgs": {},
    "lbfgs": {"history_size": Slider("m_lbfgs", "optimizers.hp.history", 1, 20, 5, 1)},
}
INSIDE = Choice("inside", "optimizers.inside.which", ("momentum", "nesterov", "adagrad", "rmsprop", "adam"), "adam",
                labels="optimizers.name")
TASK = Choice("task", "optimizers.sgd.task", ("linear", "logistic"), "linear", labels="optimizers.sgd.tasks")
BATCH = Slider("batch", "optimizers.sgd.batch", 1, 200, 16, 1)
LR_SGD = LogSlider("lr_sgd", "optimizers.sgd.lr", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
                   0.05)
EPOCHS = Slider("epochs", "optimizers.sgd.epochs", 1, 20, 10, 1)  # ≤ 4,000 steps at B = 1: ~0.1 s
LAST = Choice("last", "optimizers.sgd.last", ("keep", "drop"), "keep", labels="optimizers.sgd.lasts")
SEED = IntInput("seed", "optimizers.sgd.seed", 0, 9999, 0, help="optimizers.sgd.seed_help")
STATE = (FN1, X1, A1, N1, FN, EXPR, KAPPA, THETA, SX, SY, STEPS, *ON.values(),
         *(w for d in HP.values() for w in d.values()), INSIDE, TASK, BATCH, LR_SGD, EPOCHS, LAST, SEED)
N_DATA = 200
TOL = 1e-6  # gradient norm counted as "reached"



def _load_recommended() -> None:
    for key, value in RECOMMENDED[st.session_state["fn"]].items():
        st.session_state[key] = value


def _load_start_1d() -> None:
    fn1 = oned.FUNCTIONS_1D[st.session_state["fn1"]]
    st.session_state["x1"], st.session_state["a1"] = fn1.x0, fn1.lr


FN_CODE = {  # the race's functions in plain NumPy, for the "Reproduce" snippet
    "rosenbrock": ("(1 - x) ** 2 + 100 * (y - x**2) ** 2", "[-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]"),
    "beale": ("(1.5 - x + x*y) ** 2 + (2.25 - x + x*y**2) ** 2 + (2.625 - x + x*y**3) ** 2",
              "[2 * (1.5 - x + x*y) * (y - 1) + 2 * (2.25 - x + x*y**2) * (y**2 - 1)"
              " + 2 * (2.625 - x + x*y**3) * (y**3 - 1), 2 * (1.5 - x + x*y) * x"
              " + 4 * (2.25 - x + x*y**2) * x * y + 6 * (2.625 - x + x*y**3) * x * y**2]"),
    "himmelblau": ("(x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2",
                   "[4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)]"),
    "saddle": ("x**2 - y**2", "[2 * x, -2 * y]"),
    "two_weight_net": ("(1 - x * y) ** 2", "[-2 * (1 - x * y) * y, -2 * (1 - x * y) * x]"),
}
SNIPPET_RULES = {
    "gd": "p = p - lr * g",
    "momentum": "b = g if t == 1 else momentum * b + g\n        p = p - lr * b",
    "nesterov": "b = g if t == 1 else momentum * b + g\n        p = p - lr * (g + momentum * b)",
    "adagrad": "r = r + g * g\n        p = p - lr * g / (np.sqrt(r) + 1e-10)",
    "rmsprop": "v = alpha * v + (1 - alpha) * g * g\n        p = p - lr * g / (np.sqrt(v) + 1e-8)",
    "adam": ("m = betas[0] * m + (1 - betas[0]) * g\n        v = betas[1] * v + (1 - betas[1]) * g * g\n"
             "        p = p - lr / (1 - betas[0]**t) * m / (np.sqrt(v) / np.sqrt(1 - betas[1]**t) + 1e-8)"),
}


def _snippet(fn_id, kappa, theta, start, steps, settings) -> str:
    """A runnable NumPy script that repeats the race's first-order optimizers (PyTorch's update rules)."""
    if fn_id.startswith("custom:"):
        head = ("from numpy import sin, cos, tan, exp, log, sqrt, sinh, cosh, tanh, pi, e\n"
                "from numpy import arctan as atan, abs\n\n"
                "sigmoid = lambda u: 1 / (1 + exp(-u))\nsoftplus = lambda u: np.logaddexp(0, u)\n"
                f"f = lambda p: (lambda x, y: {fn_id.removeprefix('custom:')})(p[0], p[1])\n"
                "# the page derives the gradient exactly with SymPy; central differences are close enough here\n"
                "grad = lambda p, h=1e-6: np.array([(f(p + d) - f(p - d)) / (2 * h) for d in np.eye(2) * h])")
    elif fn_id == "quadratic":
        head = (f"c, s = np.cos(np.radians({theta:g})), np.sin(np.radians({theta:g}))\n"
                f"R = np.array([[c, -s], [s, c]])\nA = R @ np.diag([1.0, 1 / {kappa:g}]) @ R.T\n"
                "f = lambda p: 0.5 * p @ A @ p\ngrad = lambda p: A @ p")
    else:
        fx, gx = FN_CODE[fn_id]
        head = f"def f(p):\n    x, y = p\n    return {fx}\n\n\ndef grad(p):\n    x, y = p\n    return np.array({gx})"
    body = []
    for k, hp in settings.items():
        args = "; ".join(f"{a} = {v!r}" for a, v in hp.items())
        body.append(f"# {k}: torch.optim equivalent on the same start gives the same iterates\n"
                    f"{args}\n"
                    f"p, b, r, v, m = np.array({list(start)!r}), 0.0, 0.0, 0.0, 0.0\n"
                    f"for t in range(1, {steps} + 1):\n    g = grad(p)\n    if np.all(np.isfinite(p)):\n"
                    f"        {SNIPPET_RULES[k]}\nends[{k!r}] = p\nprint({k!r}, p, f(p))\n")
    return "import numpy as np\n\n" + head + "\n\nends = {}\n" + "\n".join(body)


# --- cached core calls --------------------------------------------------------------------------------------
def _fn(fn_id: str, kappa: float, theta: float):
    """The race's function: the quadratic, a gallery one, or a typed one as "custom:<canonical formula>"."""
    if fn_id.startswith("custom:"):
        return formula.parsed(fn_id.removeprefix("custom:"))
    return ls.quadratic(kappa, theta) if fn_id == "quadratic" else ls.FUNCTIONS[fn_id]


@st.cache_data(max_entries=32, show_spinner=False)
def _grid(fn_id: str, kappa: float, theta: float, window: tuple):
    return ls.evaluate_grid(_fn(fn_id, kappa, theta), n=61, bounds=window)


@st.cache_data(max_entries=256, show_spinner=False)
def _trace(name: str, fn_id: str, kappa: float, theta: float, start: tuple, steps: int, hp: tuple):
    return opt.trace(name, _fn(fn_id, kappa, theta), np.array(start), steps, **dict(hp))


@st.cache_data(max_entries=32, show_spinner=False)
def _scipy_bfgs(fn_id: str, kappa: float, theta: float, start: tuple, steps: int):
    return opt.scipy_bfgs_path(_fn(fn_id, kappa, theta), np.array(start), steps)


@st.cache_data(max_entries=16, show_spinner=False)
def _problem(task: str, seed: int):
    return sgd.make_problem(task, n=N_DATA, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _sgd_runs(task: str, seed: int, batch: int, lr: float, epochs: int, last: str):
    p = _problem(task, seed)
    return {b: sgd.minibatch_sgd(p, b, lr, epochs, seed=seed, last_batch=last) for b in sorted({batch, N_DATA})}


@st.cache_data(max_entries=16, show_spinner=False)
def _noise(task: str, seed: int):
    p = _problem(task, seed)
    sizes = np.array([1, 2, 4, 8, 16, 32, 64, 128])  # B = n has no noise: nothing to draw on a log axis
    w0 = np.zeros(2)
    return sizes, sgd.gradient_noise(p, w0, sizes, seed=seed), sgd.gradient_scale(p, w0, sizes, seed=seed)


@st.cache_data(max_entries=1, show_spinner=False)
def _quiz_runs():
    """The quiz's fixed runs, the same for everyone: α on a parabola, GD against Adam on a narrow valley."""
    parabola = oned.FUNCTIONS_1D["parabola"]
    bounce = {lr: oned.iterate(parabola, 1.0, lr, 12).xs for lr in (0.5, 1.0, 1.5)}
    valley = ls.quadratic(1000.0, 30)
    race = {k: opt.trace(k, valley, (-1.8, 1.2), 100, lr=1.0 if k == "gd" else 0.1) for k in ("gd", "adam")}
    return bounce, race


@st.cache_data(max_entries=64, show_spinner=False)
def _iterate(fn_id: str, x0: float, lr: float, n: int):
    return oned.iterate(oned.FUNCTIONS_1D[fn_id], x0, lr, n)


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"


def _racers(*names) -> dict:
    return {f"on_{k}": k in names for k in opt.NAMES}


LESSONS = {  # classroom presets: every widget they name, set at once
    "rosenbrock_race": {"fn": "rosenbrock", **RECOMMENDED["rosenbrock"], **_racers("gd", "momentum", "adam", "bfgs")},
    "adam_vs_adagrad": {"fn": "quadratic", **_Q, "kappa": 1000.0, "theta": 30, "steps": 300,
                        **_racers("adagrad", "adam")},
    "saddle_escape": {"fn": "saddle", **RECOMMENDED["saddle"], **_racers("gd", "momentum", "adam", "newton")},
}

t = page_frame("optimizers")
st.title(t("optimizers.title"))
explain(t("optimizers.intro"))
check_url(STATE, t, presets=LESSONS)

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("optimizers.quiz.heading"), 3)
q1, q2 = st.columns(2)
with q1:
    _qp, _qt = _quiz_runs()
    _q1 = next((f"{lr:g}" for lr, xs in _qp.items() if np.allclose(np.abs(xs), 1.0) and xs[1] != xs[0]), "none")
    question("opt_bounce", t, t("optimizers.quiz.q1"), {k: f"α = {k}" for k in ("0.5", "1", "1.5")}, _q1,
             t("optimizers.quiz.q1_why"),
             lambda: chart(charts.series_chart, {f"α = {lr:g}": xs for lr, xs in _qp.items()}, {
                 "title": t("optimizers.quiz.q1_title"), "x": t("optimizers.step"), "y": "x",
                 "series": t("optimizers.one.lr_series")}, "linear"))
with q2:
    _q2 = min(_qt, key=lambda k: _qt[k].losses[-1])
    _qname = {k: t(f"optimizers.name.{k}") for k in _qt}
    question("opt_adam", t, t("optimizers.quiz.q2"), _qname, _q2,
             t("optimizers.quiz.q2_why", gd=number_text(_qt["gd"].losses[-1], 3),
               adam=number_text(_qt["adam"].losses[-1], 3)),
             lambda: chart(charts.series_chart, {_qname[k]: tr.losses for k, tr in _qt.items()}, {
                 "title": t("optimizers.race.loss_title"), "x": t("optimizers.step"), "y": "f",
                 "series": t("optimizers.method")}, "log"))
name = {k: t(f"optimizers.name.{k}") for k in opt.NAMES}

# 1. One variable ------------------------------------------------------------------------------------------
# Static: outside the section, so not sent again when the section's widgets move.
heading(t("optimizers.one.heading"))
explain(t("optimizers.one.intro"))


@section
def one_variable():
    c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
    fn1_id = widget(FN1, t, c1, on_change=_load_start_1d)
    fn1 = oned.FUNCTIONS_1D[fn1_id]
    x0_1, lr1, n1 = widget(X1, t, c2), widget(A1, t, c3), int(widget(N1, t, c4))
    ascent = fn1.goal == "max"
    path1 = _iterate(fn1_id, x0_1, lr1, n1)
    st.markdown(t(f"optimizers.one.rule_{'ascent' if ascent else 'descent'}") + f" $\\quad {fn1.latex}$")
    lo, hi = fn1.bounds
    lo, hi = min(lo, float(np.min(path1.xs)) - 0.3), max(hi, float(np.max(path1.xs)) + 0.3)
    grid1 = np.linspace(lo, hi, 400)
    k1 = n1 if path1.stop_step is None else path1.stop_step
    chart(charts.curve_1d, grid1, fn1.f(grid1), path1.xs[: k1 + 1], path1.fs[: k1 + 1], path1.dfs[: k1 + 1],
          {"title": t("optimizers.one.curve_title"), "subtitle": t("optimizers.one.curve_sub"), "x": "x", "y": "f(x)",
           "step": t("optimizers.step"), "slope": "f′(x)", "tangent": t("optimizers.one.scrub")})
    end = path1.xs[k1]
    extrema = oned.extrema(fn1)
    best = (max if ascent else min)(extrema, key=lambda e: e[1]) if extrema else None
    c1, c2, c3 = st.columns(3)
    c1.metric(t("optimizers.one.end"), f"x = {number_text(end, 5)}", f"f = {number_text(fn1.f(np.array(end)), 5)}",
              delta_color="off", delta_arrow="off")
    c2.metric(t("optimizers.one.slope_end"), number_text(fn1.df(np.array(end)), 3))
    if best is not None:
        c3.metric(t(f"optimizers.one.best_{'max' if ascent else 'min'}"), f"x = {number_text(best[0], 5)}",
                  f"f = {number_text(best[1], 5)}", delta_color="off", delta_arrow="off")
    if path1.diverged:
        st.error(t("optimizers.one.diverged", k=k1 + 1), icon=":material/error:")
    elif best is not None and abs(end - best[0]) > 1e-2 and abs(fn1.df(np.array(end))) < 1e-3:
        st.warning(t("optimizers.one.local"), icon=":material/flag:")
    cycle = oned.two_cycle(fn1, lr1)
    if cycle is not None:
        st.info(t("optimizers.one.cycle", a=number_text(cycle[0], 4), b=number_text(cycle[1], 4), lr=f"{lr1:g}"),
                icon=":material/sync:")
    own = f"α = {lr1:g} ({t('optimizers.one.yours')})"
    compare = {f"α = {a:g}": _iterate(fn1_id, x0_1, a, n1).xs for a in (10 * lr1,) if a <= oned.MAX_LR_1D}
    compare |= {own: path1.xs, f"α = {lr1 / 10:g}": _iterate(fn1_id, x0_1, lr1 / 10, n1).xs}
    chart(charts.x_over_steps, compare, own, {"title": t("optimizers.one.steps_title"),
                                                "subtitle": t("optimizers.one.steps_sub"), "x": t("optimizers.step"),
                                                "y": "x", "series": t("optimizers.one.lr_series")}, (lo, hi))
    explain(t("optimizers.one.explain"))


one_variable()


# 2. Steepest direction ------------------------------------------------------------------------------------
# Static: outside the section, so not sent again when the section's widgets move.
heading(t("optimizers.dir.heading"))
explain(t("optimizers.dir.intro"))


@section
def race():
    c1, c2, c3 = st.columns([1.4, 1, 1])
    fn_id = widget(FN, t, c1, on_change=_load_recommended)
    kappa = float(widget(KAPPA, t, c2)) if fn_id == "quadratic" else 20.0
    theta = float(widget(THETA, t, c3)) if fn_id == "quadratic" else 30.0
    if fn_id == "custom":
        st.caption(t("expressions.examples", examples=" · ".join(f"`{e}`" for e in formula.EXAMPLES)))
        fn_id = "custom:" + formula.custom_function(widget(EXPR, t), t, "_optimizers_expr").text
    fn = _fn(fn_id, kappa, theta)
    c1, c2, c3 = st.columns(3)
    start = (float(widget(SX, t, c1)), float(widget(SY, t, c2)))
    if fn_id.startswith("custom:") and not ls.defined_at(fn, start):
        moved = ls.nearest_defined(fn, start)
        if moved is None:
            st.error(t("expressions.nowhere"), icon=":material/error:")
            st.stop()
        st.warning(t("expressions.start_moved", x=number_text(start[0], 4), y=number_text(start[1], 4),
                     mx=number_text(moved[0], 4), my=number_text(moved[1], 4)), icon=":material/warning:")
        start = moved
    steps = int(widget(STEPS, t, c3))
    if fn_id.startswith("custom:"):
        formula.derivative_panel(fn, t)
    else:
        st.markdown(f"$${fn.latex}$$")
    dd = oned.directional_derivatives(fn, np.array(start))
    walked = oned.slopes_along(fn, np.array(start))
    chart(charts.directional_chart, dd.angles_deg, dd.values, dd.grad_angle_deg, dd.grad_norm, *walked,
          {"title": t("optimizers.dir.title"), "subtitle": t("optimizers.dir.subtitle"),
                   "x": t("optimizers.dir.x"), "y": t("optimizers.dir.y"),
                   "formula": t("optimizers.dir.formula"), "measured": t("optimizers.dir.measured"),
                   "steepest": t("optimizers.dir.steepest")})
    st.markdown(t("optimizers.dir.result", g=f"({number_text(dd.grad[0], 4)}, {number_text(dd.grad[1], 4)})",
                  norm=number_text(dd.grad_norm, 4), angle=f"{dd.grad_angle_deg:.1f}"))

    # 3. The race ----------------------------------------------------------------------------------------------
    heading(t("optimizers.race.heading"))
    explain(t("optimizers.race.intro"))
    st.button(t("optimizers.race.recommended"), on_click=_load_recommended, icon=":material/tune:")
    chosen, hps = [], {}
    for i, k in enumerate(opt.NAMES):
        if i % 3 == 0:
            cells = st.columns(3)
        with cells[i % 3].container(border=True):
            if widget(ON[k], t):
                chosen.append(k)
            values = {hp: widget(spec, t, disabled=not st.session_state.get(f"on_{k}", ON[k].default))
                      for hp, spec in HP[k].items()}
            if "beta1" in values:
                values["betas"] = (float(values.pop("beta1")), float(values.pop("beta2")))
            hps[k] = tuple(sorted((hp, int(v) if hp == "history_size" else v) for hp, v in values.items()))
    st.caption(t("optimizers.race.pytorch"))
    (bx0, bx1), (by0, by1) = fn.bounds
    window = ((min(bx0, start[0] - 0.25), max(bx1, start[0] + 0.25)),
              (min(by0, start[1] - 0.25), max(by1, start[1] + 0.25)))
    xs, ys, Z = _grid(fn_id, kappa, theta, window)
    if fn_id.startswith("custom:"):
        formula.undefined_note(Z, t)
    traces = {k: _trace(k, fn_id, kappa, theta, start, steps, hps[k]) for k in chosen}
    minima = [(p[0], p[1]) for p in fn.known_critical_points if p[2] == "minimum"]
    if not chosen:
        st.info(t("optimizers.race.none"), icon=":material/info:")
    else:
        chart(charts.race_map, xs, ys, Z, {k: (traces[k].iterates, name[k]) for k in chosen}, minima,
              {"title": t("optimizers.race.map_title"), "subtitle": t("optimizers.race.map_sub"), "x": fn.var_names[0],
               "y": fn.var_names[1], "f": "f", "method": t("optimizers.method"), "step": t("optimizers.step"),
               "scrub": t("optimizers.race.scrub"), "minimum": t("optimizers.race.minimum")}, steps)
        for k in chosen:
            if traces[k].stop_reason == "diverged":
                st.warning(t("optimizers.race.diverged", name=name[k], k=traces[k].failed_step),
                           icon=":material/warning:")
        colors = {name[k]: charts.OPTIMIZER_STYLE[k][0] for k in chosen}
        dashes = {name[k]: charts.OPTIMIZER_STYLE[k][1] for k in chosen}
        left, right = st.columns(2)
        with left:
            chart(charts.series_chart, {name[k]: traces[k].losses for k in chosen},
                  {"title": t("optimizers.race.loss_title"), "subtitle": t("optimizers.race.loss_sub"),
                   "x": t("optimizers.step"), "y": "f", "series": t("optimizers.method"), "wrap": 52}, "symlog", colors,
                  dashes)
        with right:
            chart(charts.series_chart, {name[k]: traces[k].grad_norms for k in chosen},
                  {"title": t("optimizers.race.grad_title"), "subtitle": t("optimizers.race.grad_sub"),
                   "x": t("optimizers.step"), "y": "‖∇f‖", "series": t("optimizers.method"), "wrap": 52}, "log", colors,
                  dashes)

        def _status(tr) -> str:
            if tr.stop_reason is None:
                return t("optimizers.status.ran", n=steps)
            return t(f"optimizers.status.{tr.stop_reason}", k=tr.failed_step if tr.stop_reason == "diverged"
                     else tr.stop_step)

        reached = {k: opt.steps_to_tolerance(traces[k], TOL) for k in chosen}
        table(flagged_table({
            t("optimizers.method"): [name[k] for k in chosen],
            t("optimizers.race.end"): [f"({traces[k].iterates[-1][0]:.5g}, {traces[k].iterates[-1][1]:.5g})"
                                       for k in chosen],
            "f": [traces[k].losses[-1] for k in chosen],
            "‖∇f‖": [traces[k].grad_norms[-1] for k in chosen],
            t("optimizers.race.reached", tol=f"{TOL:g}"): ["—" if reached[k] is None else str(reached[k])
                                                           for k in chosen],
            t("optimizers.race.time"): [f"{1e3 * traces[k].seconds:.2f}" for k in chosen],
            t("optimizers.race.status"): [_status(traces[k]) for k in chosen],
        }, digits=6))
    explain(t("optimizers.race.explain"))

    # 4. Inside the optimizer ----------------------------------------------------------------------------------
    @section
    def inside():
        heading(t("optimizers.inside.heading"))
        explain(t("optimizers.inside.intro"))
        inside = widget(INSIDE, t)
        tr_in = _trace(inside, fn_id, kappa, theta, start, steps, hps[inside])
        c1, c2 = st.columns([1, 1.2])
        c1.markdown(t(f"optimizers.inside.formula.{inside}"))
        c2.code(inspect.getsource(opt.RULES[inside]), language="python")
        left_series, left_log, right_series, right_log = opt.state_series(tr_in)
        st.caption(t(f"optimizers.inside.arrows.{inside}"))
        chart(charts.state_map, xs, ys, Z, tr_in.iterates, opt.state_vectors(tr_in),
              {"title": t("optimizers.inside.map_title", name=name[inside]), "x": fn.var_names[0], "y": fn.var_names[1],
               "f": "f", "step": t("optimizers.step")})
        for column, series, part, log in zip(st.columns(2), (left_series, right_series), ("state", "right"),
                                             (left_log, right_log)):
            with column:
                chart(charts.series_chart, series, {"title": t(f"optimizers.inside.{part}_title"),
                                                    "subtitle": t(f"optimizers.inside.{part}_sub.{inside}"),
                                                    "x": t("optimizers.step"), "y": t("optimizers.inside.value"),
                                                    "wrap": 52}, "log" if log else "linear")
        st.markdown(t(f"optimizers.inside.explain.{inside}"))

    inside()

    # 5. Stochastic gradients ----------------------------------------------------------------------------------
    @section
    def minibatches():
        heading(t("optimizers.sgd.heading"))
        explain(t("optimizers.sgd.intro"))
        c1, c2, c3 = st.columns(3)
        task, batch, lr_sgd = widget(TASK, t, c1), int(widget(BATCH, t, c2)), widget(LR_SGD, t, c3)
        c1, c2, c3 = st.columns(3)
        epochs, last, seed = int(widget(EPOCHS, t, c1)), widget(LAST, t, c2), int(widget(SEED, t, c3))
        problem = _problem(task, seed)
        runs = _sgd_runs(task, seed, batch, lr_sgd, epochs, last)
        loss_star = sgd.exact_minimum(problem).loss
        label_b = {b: t("optimizers.sgd.series", b=b) if b != N_DATA else t("optimizers.sgd.full", b=b) for b in runs}
        left, right = st.columns(2)
        with left:
            chart(charts.series_chart, {label_b[b]: (sgd.epoch_axis(r, N_DATA), r.full_loss - loss_star)
                                        for b, r in runs.items()},
                  {"title": t("optimizers.sgd.loss_title"), "subtitle": t("optimizers.sgd.loss_sub"),
                   "x": t("optimizers.sgd.epoch"), "y": t("optimizers.sgd.gap"), "wrap": 52,
                   "series": t("optimizers.sgd.batch_series")},
                  "log")
        with right:
            gx = np.linspace(float(problem.X.min()), float(problem.X.max()), 120)
            fits = {label_b[b]: sgd.predict(problem, r.ws[-1], gx) for b, r in runs.items()}
            chart(charts.data_fit_chart, problem.X, problem.y, gx, fits,
                  {"title": t(f"optimizers.sgd.fit_title.{task}"), "subtitle": t("optimizers.sgd.fit_sub"), "x": "x",
                   "y": "y", "series": t("optimizers.sgd.batch_series"), "wrap": 52, "data": t("optimizers.sgd.data")})
        for b, r in runs.items():
            if r.diverged:
                st.warning(t("optimizers.sgd.diverged", b=b, k=r.stop_step + 1), icon=":material/warning:")
        full, per = N_DATA // batch, N_DATA % batch
        st.markdown(t(f"optimizers.sgd.last_{'none' if per == 0 else last}", n=N_DATA, b=batch, full=full, rest=per))
        sizes, noise, scale = _noise(task, seed)
        left, right = st.columns(2)
        with left:
            chart(charts.loglog_chart, sizes, {t("optimizers.sgd.measured"): (noise.measured, [1, 0]),
                                               t("optimizers.sgd.theory"): (noise.theory, [6, 3])},
                  {"title": t("optimizers.sgd.noise_title"), "subtitle": t("optimizers.sgd.noise_sub"),
                   "x": t("optimizers.sgd.b_axis"), "y": t("optimizers.sgd.noise_y"), "wrap": 52,
                   "series": " "}, float(batch))
        with right:
            chart(charts.loglog_chart, sizes, {t("optimizers.sgd.mean"): (scale.mean_norm, [1, 0]),
                                               t("optimizers.sgd.sum"): (scale.sum_norm, [6, 3])},
                  {"title": t("optimizers.sgd.scale_title"), "subtitle": t("optimizers.sgd.scale_sub"),
                   "x": t("optimizers.sgd.b_axis"), "y": "‖g‖", "wrap": 52, "series": " "}, float(batch))
        explain(t("optimizers.sgd.explain"))

    minibatches()

    # 6. Quasi-Newton ------------------------------------------------------------------------------------------
    heading(t("optimizers.bfgs.heading"))
    explain(t("optimizers.bfgs.intro"))
    tr_b = _trace("bfgs", fn_id, kappa, theta, start, steps, hps["bfgs"])
    ref = _scipy_bfgs(fn_id, kappa, theta, start, steps)
    chart(charts.race_map, xs, ys, Z,
          {"bfgs": (tr_b.iterates, name["bfgs"]), "scipy": (ref, t("optimizers.bfgs.scipy"))},
          minima, {"title": t("optimizers.bfgs.map_title"), "subtitle": t("optimizers.bfgs.map_sub"),
                   "x": fn.var_names[0], "y": fn.var_names[1], "f": "f", "method": t("optimizers.method"),
                   "step": t("optimizers.step"), "scrub": t("optimizers.race.scrub"),
                   "minimum": t("optimizers.race.minimum")}, steps)
    left, right = st.columns(2)
    with left:
        last_b = tr_b.stop_step if tr_b.stop_step is not None else steps
        chart(charts.series_chart, {t("optimizers.bfgs.error"): opt.hessian_error(tr_b, fn)[: last_b + 1]},
              {"title": t("optimizers.bfgs.error_title"), "subtitle": t("optimizers.bfgs.error_sub"),
               "x": t("optimizers.step"), "y": t("optimizers.bfgs.error_y"), "wrap": 52}, "log")
    with right:
        st.markdown(t("optimizers.bfgs.now") + f" $$B_{{{last_b}}} = {latex_matrix(tr_b.state['B'][last_b])},\\quad "
                    f"\\nabla^2 f = {latex_matrix(fn.hess(tr_b.iterates[last_b]))}$$")
    explain(t("optimizers.bfgs.secant"))
    res = opt.secant_residuals(tr_b)
    table(flagged_table({
        "k": list(range(1, len(res) + 1))[:10],
        t("optimizers.bfgs.residual"): list(res[:10]),
    }, digits=3))
    st.markdown(t("optimizers.bfgs.scipy_result", ours=f"({tr_b.iterates[-1][0]:.8g}, {tr_b.iterates[-1][1]:.8g})",
                  theirs=f"({ref[-1][0]:.8g}, {ref[-1][1]:.8g})"))
    heading(t("optimizers.bfgs.memory_heading"), 3)
    dims = (2, 1_000, 1_000_000, 100_000_000)
    m = int(dict(hps["lbfgs"]).get("history_size", 5))
    table(flagged_table({
        t("optimizers.bfgs.params"): [f"{d:,}" for d in dims],
        **{name[k]: [_bytes(4 * opt.memory_floats(k, d, m)) for d in dims] for k in ("gd", "adam", "bfgs", "lbfgs")},
    }))
    st.markdown(t("optimizers.bfgs.memory", m=m))

    reproduce(t, _snippet(fn_id, kappa, theta, start, steps, {k: dict(hps[k]) for k in chosen if k in opt.FIRST_ORDER}))


race()

"""Page: saddle points — critical points, the Hessian, and how to escape."""

import numpy as np
import streamlit as st

from core import critical_points as cp
from core import expressions as ex
from core import landscapes as ls
from core import saddles as sd
from core.charts import landscape as charts
from core.charts.tables import flagged_table, latex_matrix, number_text
from core.inspect import inspect_point, near_saddle_start
from core.symbolic import derivative_latex
from ui import formula
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, table
from ui.state import Choice, IntInput, LogSlider, Slider, Text, check_url, widget

GALLERY = ("two_weight_net", "saddle", "monkey_saddle", "double_well", "himmelblau", "rosenbrock", "six_hump_camel")
FN = Choice("fn", "saddle.fn", (*GALLERY, "custom"), "two_weight_net", labels="functions")
EXPR = Text("expr", "expressions.label", formula.DEFAULT, ex.MAX_LENGTH, help="expressions.help",
            placeholder="expressions.placeholder")
PX = Slider("px", "saddle.inspect.px", 0.0, 1.0, 0.5, 0.01, help="saddle.inspect.help")
PY = Slider("py", "saddle.inspect.py", 0.0, 1.0, 0.5, 0.01, help="saddle.inspect.help")
LR = LogSlider("lr", "saddle.escape.lr", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3), 0.05)
STEPS = Slider("steps", "saddle.escape.steps", 10, 1000, 300, 10)
NOISE = LogSlider("noise", "saddle.escape.noise", tuple(float(f"{v:.3g}") for v in np.logspace(-4, -1, 7)), 0.01)
SEED = IntInput("seed", "saddle.seed", 0, 9999, 0, help="saddle.seed_help")
DIM = Slider("dim", "saddle.high.dim", 1, 150, 50, 1)
DEPTH = Slider("depth", "saddle.chain.depth", 2, 8, 3, 1)
STATE = (FN, EXPR, PX, PY, LR, STEPS, NOISE, SEED, DIM, DEPTH)
KINDS = ("minimum", "maximum", "saddle", "degenerate")
METHOD_COLORS = {"gd": "#D55E00", "pgd": "#0072B2", "newton": "#CC79A7", "sfn": "#009E73"}
SAMPLES = 100  # × N³ ≤ 150³: ~0.15 s for a new seed or N, then cached


def _function(key: str):
    """A gallery function by id, or a typed one by "custom:<canonical formula>" (already accepted once)."""
    return ls.FUNCTIONS[key] if key in ls.FUNCTIONS else formula.parsed(key.removeprefix("custom:"))


@st.cache_data(max_entries=16, show_spinner=False)
def _critical(key: str):
    fn = _function(key)
    return cp.find_critical_points(fn, fn.bounds)


@st.cache_data(max_entries=16, show_spinner=False)
def _grid(key: str):
    return ls.evaluate_grid(_function(key), n=51)


@st.cache_data(max_entries=32, show_spinner=False)
def _fractions(n: int, seed: int):
    return sd.positive_fraction(n, SAMPLES, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _escape(key: str, start: tuple, lr: float, steps: int, noise: float, seed: int):
    fn = _function(key)
    return {
        "gd": sd.gradient_descent(fn, start, lr, steps),
        "pgd": sd.gradient_descent(fn, start, lr, steps, noise=noise, seed=seed),
        "newton": sd.newton(fn, start, min(steps, 50)),
        "sfn": sd.saddle_free_newton(fn, start, min(steps, 50)),
    }


LESSONS = {  # classroom presets: every widget they name, set at once
    "two_weight_net": {"fn": "two_weight_net", "px": 0.5, "py": 0.5},
    "monkey_saddle": {"fn": "monkey_saddle", "px": 0.5, "py": 0.5},
    "slow_escape": {"fn": "saddle", "noise": 0.0001, "steps": 1000, "lr": 0.05},
}

t = page_frame("saddle")
st.title(t("saddle.title"))
explain(t("saddle.intro"))
check_url(STATE, t, presets=LESSONS)
kinds = {k: t(f"saddle.kind.{k}") for k in KINDS}

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("saddle.quiz.heading"), 3)


def _quiz_map(fn_id: str, title: str):
    qfn = ls.FUNCTIONS[fn_id]
    qxs, qys, qZ = _grid(fn_id)
    pts = [{"x": float(c.point[0]), "y": float(c.point[1]), "kind": c.kind,
            "text": ", ".join(number_text(v, 4) for v in c.eigenvalues)} for c in _critical(fn_id)]
    return lambda: chart(charts.landscape_map, qxs, qys, qZ, {
        "title": title, "subtitle": qfn.latex, "x": qfn.var_names[0], "y": qfn.var_names[1], "f": "f",
        "kind": t("saddle.table.kind"), "kinds": {k: t(f"saddle.kind.{k}") for k in KINDS},
        "method": "", "step": "", "arrow": ""}, pts)


q1, q2 = st.columns(2)
with q1:
    _qh = np.linalg.eigvalsh(ls.FUNCTIONS["two_weight_net"].hess(np.zeros(2)))
    _q1 = str(int(np.sum(_qh < 0)))
    question("saddle_negative", t, t("saddle.quiz.q1"), {k: k for k in ("0", "1", "2")}, _q1,
             t("saddle.quiz.q1_why", e=", ".join(number_text(v, 4) for v in _qh)),
             _quiz_map("two_weight_net", t("functions.two_weight_net")))
with q2:
    _qm = cp.classify(np.linalg.eigvalsh(ls.FUNCTIONS["monkey_saddle"].hess(np.zeros(2))))
    question("saddle_monkey", t, t("saddle.quiz.q2"), {k: t(f"saddle.kind.{k}") for k in KINDS}, _qm,
             t("saddle.quiz.q2_why"), _quiz_map("monkey_saddle", t("functions.monkey_saddle")))

# 1. Gallery -----------------------------------------------------------------------------------------
heading(t("saddle.gallery.heading"))
fn_id = widget(FN, t)
if fn_id == "custom":
    st.caption(t("expressions.examples", examples=" · ".join(f"`{e}`" for e in formula.EXAMPLES)))
    fn = formula.custom_function(widget(EXPR, t), t, "_saddle_expr")
    key = f"custom:{fn.text}"
    formula.derivative_panel(fn, t)
else:
    fn, key = ls.FUNCTIONS[fn_id], fn_id
    f_tex, g_tex, h_tex = derivative_latex(fn_id)
    c1, c2, c3 = st.columns([1.2, 1, 1.4])
    c1.markdown(t("saddle.gallery.f") + f"\n\n$$f = {f_tex}$$")
    c2.markdown(t("saddle.gallery.grad") + f"\n\n$$\\nabla f = {g_tex}$$")
    c3.markdown(t("saddle.gallery.hess") + f"\n\n$$\\nabla^2 f = {h_tex}$$")

# 2. Landscape and its critical points ------------------------------------------------------------------
# Static: outside the section, so not sent again when the section's widgets move.
heading(t("saddle.map.heading"))
explain(t("saddle.map.intro"))


# The function's map and critical points (cached): shared by the inspector's section and the escape's.
xs, ys, Z = _grid(key)
if fn_id == "custom":
    formula.undefined_note(Z, t)
found = sorted(_critical(key), key=lambda c: (KINDS.index(c.kind) if c.kind != "minimum" else -1, c.value))
critical = [
    {
        "x": float(c.point[0]),
        "y": float(c.point[1]),
        "kind": c.kind,
        "text": f"f = {number_text(c.value, 5)}; λ = {', '.join(number_text(v, 4) for v in c.eigenvalues)}",
    }
    for c in found
]
saddle_points = [c.point for c in found if c.kind == "saddle"]
(x0, x1), (y0, y1) = fn.bounds
axes = [v.replace("_1", "₁").replace("_2", "₂") for v in fn.var_names]
map_labels = {
    "title": t("saddle.map.title"),
    "subtitle": t("saddle.map.subtitle"),
    "x": axes[0],
    "y": axes[1],
    "f": "f",
    "kind": t("saddle.kind.title"),
    "kinds": kinds,
    "method": t("saddle.method"),
    "step": t("saddle.step"),
    "arrow": t("saddle.inspect.arrow"),
}


def _nearest_saddle(point) -> int | None:
    """The saddle the escape starts next to: the one closest to the inspected point (its index in saddle_points)."""
    if not saddle_points:
        return None
    return int(np.argmin([np.linalg.norm(q - np.asarray(point)) for q in saddle_points]))


@section
def landscape():
    c1, c2 = st.columns(2)
    px, py = widget(PX, t, c1), widget(PY, t, c2)
    ins = inspect_point(fn, [x0 + px * (x1 - x0), y0 + py * (y1 - y0)], 0.2 * min(x1 - x0, y1 - y0))
    arrows = [
        {
            "x": ins.point[0],
            "y": ins.point[1],
            "x2": ins.grad_arrow[0],
            "y2": ins.grad_arrow[1],
            "name": "−∇f",
            "colour": "#D55E00",
        }
    ]
    arrows += [
        {
            "x": ins.point[0],
            "y": ins.point[1],
            "x2": ins.eig_arrows[i][0],
            "y2": ins.eig_arrows[i][1],
            "name": f"λ{i + 1} = {number_text(ins.eigenvalues[i], 3)}",
            "colour": "#111",
        }
        for i in range(2)
    ]
    chart(charts.landscape_map, xs, ys, Z, map_labels, critical, None, arrows, tuple(ins.point))
    table(flagged_table(
        {
            t("saddle.table.point"): [f"({c.point[0]:.4f}, {c.point[1]:.4f})" for c in found],
            "f": [c.value for c in found],
            t("saddle.table.eigenvalues"): [", ".join(number_text(v, 4) for v in c.eigenvalues) for c in found],
            t("saddle.table.kind"): [kinds[c.kind] for c in found],
        },
        digits=6,
    ))
    if any(c.kind == "degenerate" for c in found):
        st.info(t(f"saddle.degenerate.{fn_id}" if fn_id in ("two_weight_net", "monkey_saddle")
                  else "saddle.degenerate.other"))

    # 3. Point inspector ----------------------------------------------------------------------------------
    heading(t("saddle.inspect.heading"))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("saddle.inspect.point"), f"({ins.point[0]:.3f}, {ins.point[1]:.3f})")
    c2.metric("f", number_text(ins.value, 5))
    c3.metric("‖∇f‖", number_text(np.linalg.norm(ins.grad), 4))
    st.markdown(
        t("saddle.inspect.hessian") + f" $$H = {latex_matrix(ins.hess)}, \\quad \\lambda = "
        f"({number_text(ins.eigenvalues[0], 4)},\\ {number_text(ins.eigenvalues[1], 4)})$$"
    )
    if not ls.defined_at(fn, ins.point):
        st.info(t("expressions.undefined_point"), icon=":material/visibility_off:")
    else:
        explain(t("saddle.inspect.taylor"))
        slices = {
            t("saddle.inspect.along", i=i + 1, lam=number_text(ins.eigenvalues[i], 3)): (ins.true[i], ins.model[i])
            for i in range(2)
        }
        chart(
            charts.slices_chart,
            ins.offsets,
            slices,
            {
                "title": t("saddle.inspect.slices_title"),
                "subtitle": t("saddle.inspect.slices_sub"),
                "x": t("saddle.inspect.t"),
                "y": "f",
                "direction": t("saddle.inspect.direction"),
                "true": t("saddle.inspect.true"),
                "model": t("saddle.inspect.model"),
            },
        )

    # The escape (its own section, below) starts next to the saddle closest to the inspected point. When a move of
    # the point changes that saddle, the whole page reruns so the escape follows; otherwise the escape, the
    # high-dimensional statistics and the chains are neither recomputed nor sent again.
    nearest = _nearest_saddle(ins.point)
    if st.session_state.get("_saddle_escape_from") != nearest:
        st.session_state["_saddle_escape_from"] = nearest
        if not st.session_state.get("_saddle_full_run"):
            st.rerun()

st.session_state["_saddle_full_run"] = True  # the page's own run: the escape below runs in it anyway
try:
    landscape()
finally:
    st.session_state["_saddle_full_run"] = False


# 4. Escaping a saddle: its own section ------------------------------------------------------------------------------
@section
def escape():
    heading(t("saddle.escape.heading"))
    explain(t("saddle.escape.intro"))
    c1, c2, c3, c4 = st.columns(4)
    lr, steps = widget(LR, t, c1), int(widget(STEPS, t, c2))
    noise, seed = widget(NOISE, t, c3), int(widget(SEED, t, c4))
    if not saddle_points:
        st.info(t("saddle.escape.none"))
    else:
        s0 = saddle_points[st.session_state.get("_saddle_escape_from") or 0]
        start = near_saddle_start(fn, s0, 0.1 * min(x1 - x0, y1 - y0), 1e-8 * min(x1 - x0, y1 - y0))
        runs = _escape(key, tuple(start), lr, steps, noise, seed)
        step_to, u = sd.negative_curvature_step(fn, s0, 0.1 * min(x1 - x0, y1 - y0))
        names = {k: t(f"saddle.escape.{k}") for k in METHOD_COLORS}
        paths = {names[k]: (runs[k].points, METHOD_COLORS[k]) for k in METHOD_COLORS}
        paths[t("saddle.escape.ncs")] = (np.array([s0, step_to]), "#000000")
        chart(
            charts.landscape_map,
            xs,
            ys,
            Z,
            {**map_labels, "title": t("saddle.escape.map_title"), "subtitle": t("saddle.escape.map_sub")},
            critical,
            paths,
        )
        st.markdown(
            t(
                "saddle.escape.ncs_result",
                u=f"({u[0]:.3f}, {u[1]:.3f})",
                before=number_text(fn.f(s0), 5),
                after=number_text(fn.f(step_to), 5),
            )
        )
        left, right = st.columns(2)
        colors = {names[k]: METHOD_COLORS[k] for k in METHOD_COLORS}
        with left:
            chart(
                charts.curves_chart,
                {names[k]: runs[k].values for k in METHOD_COLORS},
                colors,
                {"title": t("saddle.escape.loss_title"), "x": t("saddle.step"), "y": "f",
                 "method": t("saddle.method")},
                False,
            )
        with right:
            chart(
                charts.curves_chart,
                {names[k]: runs[k].grad_norms for k in METHOD_COLORS},
                colors,
                {
                    "title": t("saddle.escape.grad_title"),
                    "x": t("saddle.step"),
                    "y": t("saddle.escape.grad_y"),
                    "method": t("saddle.method"),
                },
            )
        table(flagged_table(
            {
                t("saddle.method"): [names[k] for k in METHOD_COLORS],
                t("saddle.escape.end"): [
                    f"({runs[k].points[-1][0]:.4f}, {runs[k].points[-1][1]:.4f})" for k in METHOD_COLORS
                ],
                "f": [runs[k].values[-1] for k in METHOD_COLORS],
                t("saddle.escape.stopped"): [t(f"saddle.stop.{runs[k].stopped}") for k in METHOD_COLORS],
            },
            digits=6,
        ))
        explain(t("saddle.escape.explain"))

    # 5. Why saddles dominate in high dimensions ---------------------------------------------------------
    heading(t("saddle.high.heading"))
    explain(t("saddle.high.intro"))
    dim = int(widget(DIM, t))
    fractions = _fractions(dim, seed)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("saddle.high.coin"), f"2^-{dim} = {number_text(sd.all_positive_probability(dim), 3)}")
    c2.metric(t("saddle.high.mean"), number_text(float(np.mean(fractions)), 3))
    c3.metric(t("saddle.high.all"), f"{int(np.sum(fractions == 1.0))} / {SAMPLES}")
    chart(
        charts.fraction_histogram,
        fractions,
        {
            "title": t("saddle.high.hist_title", n=dim, s=SAMPLES),
            "subtitle": t("saddle.high.hist_sub"),
            "x": t("saddle.high.hist_x"),
            "y": t("saddle.high.hist_y"),
        },
    )
    explain(t("saddle.high.ratio"))

    # 6. Deep linear chains --------------------------------------------------------------------------------
    @section
    def chains():
        heading(t("saddle.chain.heading"))
        explain(t("saddle.chain.intro"))
        depth = int(widget(DEPTH, t))
        offsets = np.linspace(0.0, 1.6, 81)
        chart(
            charts.chain_chart,
            offsets,
            {k: sd.chain_loss_along(k, offsets) for k in range(2, 9)},
            depth,
            {
                "title": t("saddle.chain.title"),
                "subtitle": t("saddle.chain.subtitle"),
                "x": t("saddle.chain.x"),
                "y": t("saddle.chain.y"),
                "depth": "k",
            },
        )
        H0 = sd.chain_hessian_at_origin(depth)
        st.markdown(t("saddle.chain.hessian", k=depth) + f" $$\\nabla^2 L(0) = {latex_matrix(H0)}$$")
        explain(t("saddle.chain.explain"))

    chains()

    reproduce(
        t,
        f"""import numpy as np

# The lecture's network y = w1 * w2 * x with x = 1, target 1: L = (1 - w1*w2)^2
f = lambda w: (1 - w[0] * w[1]) ** 2
grad = lambda w: np.array([-2 * (1 - w[0] * w[1]) * w[1], -2 * (1 - w[0] * w[1]) * w[0]])
hess = lambda w: np.array([[2 * w[1] ** 2, 4 * w[0] * w[1] - 2], [4 * w[0] * w[1] - 2, 2 * w[0] ** 2]])
lam, V = np.linalg.eigh(hess(np.zeros(2)))
print("eigenvalues at the origin:", lam, " escape direction:", V[:, 0])

w = np.array([0.01, -0.005])                 # start next to the saddle
rng = np.random.default_rng({seed})
for step in range({steps}):
    w = w - {lr!r} * grad(w) + {noise!r} * rng.standard_normal(2)   # noise at every step: the simplest perturbed GD
print(w, f(w))""",
    )


escape()

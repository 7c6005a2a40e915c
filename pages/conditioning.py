"""Page: conditioning — condition numbers, sensitivity, and why gradient descent zig-zags."""

import numpy as np
import streamlit as st

from core import conditioning as cd
from core.charts import conditioning as charts
from core.charts.optimizers import series_chart
from core.charts.tables import flagged_table, latex_matrix, number_text
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, show_error, table
from ui.state import Choice, IntInput, LogSlider, Slider, Text, Toggle, check_url, widget

_LOG = tuple(float(f"{v:.3g}") for v in np.logspace(-2, 2, 17))
TYPED = Toggle("typed", "conditioning.typed", False, help="conditioning.typed_help")
S1 = LogSlider("s1", "conditioning.s1", _LOG, 1.0)
S2 = LogSlider("s2", "conditioning.s2", _LOG, 0.1)
THETA = Slider("theta", "conditioning.theta", 0, 180, 30, 5)
MATRIX = Text(
    "matrix", "conditioning.matrix.label", "1, 1000; 0, 1", cd.MAX_MATRIX_TEXT, help="conditioning.matrix.help"
)
EPS = LogSlider("eps", "conditioning.eps", tuple(float(f"{v:.3g}") for v in np.logspace(-6, -1, 11)), 0.001)
SEED = IntInput("seed", "conditioning.seed", 0, 9999, 0, help="conditioning.seed_help")
LR = Slider("lr", "conditioning.gd.lr", 0.05, 2.2, 1.8, 0.01, help="conditioning.gd.lr_help")
STEPS = Slider("steps", "conditioning.gd.steps", 1, 500, 100, 1)
START = Slider("start", "conditioning.gd.start", 0, 355, 135, 5, help="conditioning.gd.start_help")
# Which part of the lesson the matrix's sliders drive: one at a time, right under them, so a projector shows the
# sliders and what they change together (and a move redraws one part's charts, not all of them).
PART = Choice("part", "conditioning.part", ("sensitivity", "descent", "curvature"), "sensitivity",
              style="segmented", labels="conditioning.parts", parts=True)
STATE = (TYPED, S1, S2, THETA, MATRIX, PART, EPS, SEED, LR, STEPS, START)
PRESETS = {
    "round": {"typed": False, "s1": 1.0, "s2": 0.562, "theta": 30},
    "valley": {"typed": False, "s1": 1.0, "s2": 0.0562, "theta": 30},
    "nonnormal": {"typed": True, "matrix": "1, 1000; 0, 1"},
    "singular": {"typed": True, "matrix": "1, 2; 2, 4"},
}
KAPPAS = np.logspace(0, 2.75, 23)  # up to κ ≈ 560: ~3,900 steps, inside the 5,000-step cap


@st.cache_data(max_entries=4, show_spinner=False)
def _hilbert():
    return cd.hilbert_digits()


@st.cache_data(max_entries=4, show_spinner=False)
def _iterations():
    return cd.iterations_vs_kappa(KAPPAS)


@st.cache_data(max_entries=64, show_spinner=False)
def _clouds(A: np.ndarray, b: np.ndarray, eps: float, seed: int):
    return cd.perturb_b(A, b, eps, seed=seed), cd.perturb_A(A, b, eps, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _descents(A: np.ndarray, b: np.ndarray, lr: float, steps: int, x0: np.ndarray):
    """Gradient descent, Newton and conjugate gradients from x0, and the loss map around them (n = 2)."""
    runs = cd.gd_run(A, b, lr, steps, x0), cd.newton_path(A, b, x0), cd.cg_path(A, b, x0)
    if A.shape[1] != 2:
        return runs, None
    center, half = cd.view_window(A, b, x0)
    return runs, (center, half, *cd.loss_grid(A, b, center, half, n=45))


def _apply(preset: dict):
    st.session_state.update(preset)


def _matrix(typed: bool, s1: float, s2: float, theta: float, text: str):
    """The current matrix, or None after telling the user what was wrong with the typed one."""
    if not typed:
        return cd.matrix_from_svd(s1, s2, theta)
    try:
        return cd.parse_matrix(text)
    except cd.MatrixError as err:
        show_error(t, f"conditioning.matrix.err.{err.code}", token=err.token, max_n=cd.MAX_N, max_abs="1,000,000")
        return None


def _descent(A, b, n, lam, vecs):
    if lam[-1] == 0:  # A = 0: f is constant, there is nothing to descend
        st.info(t("conditioning.gd.flat"))
        return 1.0, 1, np.zeros(n)
    limits = cd.lr_limits(A)
    c1, c2, c3 = st.columns(3)
    lr = widget(LR, t, c1) / lam[-1]
    steps, start = int(widget(STEPS, t, c2)), widget(START, t, c3)
    x0 = cd.start_point(A, b, start)
    table(flagged_table(
        {
            t("conditioning.gd.analytic"): cd.grad(A, b, x0),
            t("conditioning.gd.fd"): cd.fd_grad(A, b, x0),
            t("conditioning.gd.diff"): cd.grad(A, b, x0) - cd.fd_grad(A, b, x0),
        },
        index=[f"∂f/∂x{i + 1}" for i in range(n)],
        digits=8,
    ))
    chart(
        charts.lr_chart,
        limits,
        lr,
        {
            "title": t("conditioning.gd.lr_title"),
            "now": t("conditioning.gd.lr_now_value", lr=number_text(lr, 4)),
            "x": t("conditioning.gd.lr_axis"),
            "inverse": "1/λmax",
            "optimal": "2/(λmax+λmin)",
            "divergence": "2/λmax",
            "current": t("conditioning.gd.lr_now"),
            "diverges": t("conditioning.gd.diverges"),
        },
    )
    (run, newton, cg), window = _descents(A, b, lr, steps, x0)
    x_star = run.x_star
    paths = {"gd": run.iterates, "newton": newton, "cg": cg}
    names = {"gd": t("conditioning.gd.gd"), "newton": t("conditioning.gd.newton"), "cg": t("conditioning.gd.cg")}
    if run.diverged_at is not None:
        st.error(t("conditioning.gd.diverged", k=run.diverged_at))
    elif run.converged_at is not None:
        st.success(t("conditioning.gd.converged", k=run.converged_at))
    else:
        st.info(t("conditioning.gd.not_yet", steps=steps, f=number_text(run.losses[-1], 4)))
    if n == 2:
        center, half, xs, ys, Z = window
        scaled = vecs * (0.8 * half * np.sqrt(lam / lam[-1]).clip(0.15, 1))
        chart(
            charts.landscape_chart,
            xs,
            ys,
            Z,
            paths,
            x_star,
            scaled,
            (center, half),
            {
                **names,
                "title": t("conditioning.gd.map_title"),
                "subtitle": t("conditioning.gd.map_sub"),
                "x": "x₁",
                "y": "x₂",
                "loss": "√f",
                "method": t("conditioning.gd.method"),
                "step": t("conditioning.gd.step"),
                "eig": t("conditioning.gd.eig"),
                "eig_min": t("conditioning.gd.eig_min"),
                "eig_max": t("conditioning.gd.eig_max"),
            },
        )
    else:
        st.info(t("conditioning.gd.no_map", n=n))
    losses = {k: cd.loss(A, b, p) for k, p in paths.items()}
    chart(
        charts.loss_chart,
        losses,
        {
            **names,
            "title": t("conditioning.gd.loss_title"),
            "x": t("conditioning.gd.step"),
            "y": t("conditioning.gd.loss_y"),
            "method": t("conditioning.gd.method"),
        },
    )
    return lr, steps, x0


def _curvature(lam, kappa_h):
    """Part 4: the Hessian's curvatures, and the steps gradient descent needs against κ (this matrix marked)."""
    heading(t("conditioning.curv.heading"))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("conditioning.curv.lmax"), number_text(lam[-1], 4))
    c2.metric(t("conditioning.curv.lmin"), number_text(lam[0], 4))
    c3.metric(t("conditioning.curv.kappa_h"), number_text(kappa_h, 4))
    measured, theory = _iterations()
    chart(
        charts.iterations_chart,
        KAPPAS,
        measured,
        theory,
        min(kappa_h, KAPPAS[-1]),
        {
            "title": t("conditioning.gd.iter_title"),
            "subtitle": t("conditioning.gd.iter_sub"),
            "x": t("conditioning.gd.iter_x"),
            "y": t("conditioning.gd.iter_y"),
            "measured": t("conditioning.gd.measured"),
            "theory": t("conditioning.gd.theory"),
            "series": t("conditioning.gd.series"),
            "current": t("conditioning.gd.current"),
        },
    )
    explain(t("conditioning.curv.explain"))


LESSONS = {  # classroom presets: every widget they name, set at once
    "eigen_vs_singular": {"typed": True, "matrix": "1, 1000; 0, 1", "part": "sensitivity"},
    "narrow_valley": {"typed": False, "s1": 1.0, "s2": 0.0562, "theta": 30, "part": "descent", "lr": 1.8, "steps": 200},
    "lr_too_big": {"typed": False, "s1": 1.0, "s2": 0.1, "theta": 30, "part": "descent", "lr": 2.1, "steps": 100},
}

@st.cache_data(max_entries=1, show_spinner=False)
def _quiz_runs():
    """The quiz's fixed runs, the same for everyone: gradient descent just under and just over 2/λmax."""
    A = cd.matrix_from_svd(1.0, 0.1, 30)
    b, limit = A @ np.array([1.0, 1.0]), cd.lr_limits(A)["divergence"]
    return {f: cd.gd_run(A, b, f * limit, 60, np.array([3.0, -2.0])) for f in (0.9, 1.1)}


t = page_frame("conditioning")
st.title(t("conditioning.title"))
explain(t("conditioning.intro"))
check_url(STATE, t, presets=LESSONS)

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("conditioning.quiz.heading"), 3)
q1, q2 = st.columns(2)
with q1:
    _qa = np.array([[1.0, 1000.0], [0.0, 1.0]])
    _qk = cd.cond_numbers(_qa)["singular"]
    _q1 = min(("1", "1e3", "1e6"), key=lambda k: abs(np.log10(_qk) - np.log10(float(k))))
    _qsv, _qev = np.linalg.svd(_qa, compute_uv=False), np.sort(np.abs(np.linalg.eigvals(_qa)))[::-1]
    question("cond_kappa", t, t("conditioning.quiz.q1"),
             {k: t(f"conditioning.quiz.q1_{k}") for k in ("1", "1e3", "1e6")}, _q1,
             t("conditioning.quiz.q1_why", k=number_text(_qk, 4)),
             lambda: table(flagged_table({t("conditioning.quiz.q1_what"): [t("conditioning.quiz.q1_eig"),
                                                                          t("conditioning.quiz.q1_sv")],
                                          "1": [_qev[0], _qsv[0]], "2": [_qev[1], _qsv[1]]}, digits=6)))
with q2:
    _qruns = _quiz_runs()
    _qdiv = [f for f, r in _qruns.items() if r.diverged_at is not None or r.losses[-1] > r.losses[0]]
    _q2 = "both" if len(_qdiv) == 2 else "none" if not _qdiv else f"{_qdiv[0]:g}"
    question("cond_lr", t, t("conditioning.quiz.q2"), {k: t(f"conditioning.quiz.q2_{k.replace('.', '')}")
                                                       for k in ("0.9", "1.1", "both", "none")}, _q2,
             t("conditioning.quiz.q2_why"),
             lambda: chart(series_chart, {f"η = {f:g} · 2/λmax": r.losses for f, r in _qruns.items()}, {
                 "title": t("conditioning.gd.loss_title"), "x": t("conditioning.gd.step"),
                 "y": t("conditioning.gd.loss_y"), "series": t("conditioning.gd.method")}, "log"))

# The matrix -------------------------------------------------------------------------------------
# The heading and preset buttons do not change with the matrix: drawn before its section, they are not sent again
# when a slider in it moves (a preset button reruns the whole page).
heading(t("conditioning.matrix.heading"))
for _col, (_name, _preset) in zip(st.columns(len(PRESETS)), PRESETS.items()):
    _col.button(t(f"conditioning.preset.{_name}"), on_click=_apply, args=(_preset,), width="stretch")


@section
def matrix():
    typed = widget(TYPED, t)
    c1, c2, c3 = st.columns(3)
    s1, s2, theta = widget(S1, t, c1), widget(S2, t, c2), widget(THETA, t, c3)
    text = widget(MATRIX, t) if typed else MATRIX.default
    A = _matrix(typed, s1, s2, theta, text)
    if A is None:  # the error is shown; the sections that need A wait for a valid one
        return
    n = A.shape[0]
    b = A @ np.ones(n)
    kappa = cd.cond_numbers(A)
    st.markdown(t("conditioning.matrix.show", n=n) + "\n\n$$A = " + latex_matrix(A) + "$$")
    part = widget(PART, t)

    # 1. Sensitivity --------------------------------------------------------------------------------
    @section
    def sensitivity():
        heading(t("conditioning.sens.heading"))
        explain(t("conditioning.sens.intro"))
        c1, c2 = st.columns(2)
        eps, seed = widget(EPS, t, c1), int(widget(SEED, t, c2))
        if np.isinf(kappa["singular"]):
            st.warning(t("conditioning.singular"))
        else:
            cloud_b, cloud_A = _clouds(A, b, eps, seed)
            left, right = st.columns(2)
            axes = {"x": t("conditioning.sens.axis", i=1), "y": t("conditioning.sens.axis", i=2)}
            with left:
                chart(
                    charts.cloud_chart,
                    cloud_b.db[:, :2] / np.linalg.norm(b),
                    cd.circle(eps),
                    {
                        **axes,
                        "title": t("conditioning.sens.in_title"),
                        "subtitle": t("conditioning.sens.in_sub", eps=number_text(eps)),
                        "outline": t("conditioning.sens.circle"),
                    },
                    "#0072B2",
                )
            with right:
                chart(
                    charts.cloud_chart,
                    cloud_b.dx[:, :2] / np.linalg.norm(cloud_b.x),
                    cd.image_of_circle(A, b, eps),
                    {
                        **axes,
                        "title": t("conditioning.sens.out_title"),
                        "subtitle": t("conditioning.sens.out_sub"),
                        "outline": t("conditioning.sens.ellipse"),
                    },
                    "#D55E00",
                )
            m1, m2, m3 = st.columns(3)
            m1.metric(t("conditioning.sens.worst_b"), number_text(cloud_b.worst, 4))
            m2.metric(t("conditioning.sens.sup_b"), number_text(cd.worst_b_direction(A, b), 4))
            m3.metric(t("conditioning.sens.kappa"), number_text(kappa["singular"], 4))
            explain(t("conditioning.sens.explain_b"))
            m1, m2 = st.columns(2)
            m1.metric(t("conditioning.sens.worst_A"), number_text(cloud_A.worst, 4))
            m2.metric(t("conditioning.sens.bound_A"), number_text(cloud_A.bound_exact, 4))
            st.markdown(t("conditioning.sens.explain_A"))

    # 3. Gradient descent on ½‖Ax − b‖² -----------------------------------------------------------
    @section
    def descent(lam, vecs):
        heading(t("conditioning.gd.heading"))
        explain(t("conditioning.gd.derivation"))
        lr, steps, x0 = _descent(A, b, n, lam, vecs)
        reproduce(
            t,
            f"""import numpy as np

A = np.array({np.array2string(A, separator=", ", precision=17, max_line_width=200)})
b = A @ np.ones({n})
print("kappa(A) =", np.linalg.cond(A), " kappa(A^T A) =", np.linalg.cond(A.T @ A))
lam = np.linalg.eigvalsh(A.T @ A)           # curvatures of f(x) = 0.5 * ||Ax - b||^2
lr = {lr!r}                                 # diverges above 2 / lam.max()
x = np.array({x0.tolist()!r})
for step in range({steps}):
    x = x - lr * A.T @ (A @ x - b)          # gradient: A^T (Ax - b)
print(x, 0.5 * np.sum((A @ x - b) ** 2))""",
        )

    if part == "sensitivity":
        sensitivity()
        _eigen(A, kappa)
    else:
        lam, vecs = cd.hessian_eig(A)  # the curvatures of f
        if part == "descent":
            descent(lam, vecs)
        else:
            _curvature(lam, cd.cond_numbers(cd.hessian(A))["singular"])


def _eigen(A, kappa):
    """Part 2: κ from eigenvalues against κ from singular values."""
    # 2. Eigenvalues or singular values? --------------------------------------------------------------
    heading(t("conditioning.eig.heading"))
    c1, c2 = st.columns(2)
    c1.metric(t("conditioning.eig.eigen"), number_text(kappa["eigen"], 4))
    c2.metric(t("conditioning.eig.singular"), number_text(kappa["singular"], 4))
    symmetric = bool(np.allclose(A, A.T))
    st.info(t("conditioning.eig.symmetric" if symmetric else "conditioning.eig.nonsymmetric"))
    explain(t("conditioning.eig.explain"))


matrix()

# 5. Digits lost -------------------------------------------------------------------------------------------
# Independent of A: outside the matrix's section, so a move of the matrix's sliders does not send it again.
heading(t("conditioning.hilbert.heading"))
explain(t("conditioning.hilbert.intro"))
hd = _hilbert()
left, right = st.columns(2)
with left:
    chart(
        charts.hilbert_kappa_chart,
        hd.n,
        hd.kappa,
        {"title": t("conditioning.hilbert.kappa_title"), "x": "n", "y": t("conditioning.hilbert.kappa_y")},
    )
with right:
    chart(
        charts.hilbert_digits_chart,
        hd.n,
        np.log10(hd.kappa),
        hd.digits_lost,
        hd.available,
        {
            "title": t("conditioning.hilbert.digits_title"),
            "subtitle": t("conditioning.hilbert.digits_sub"),
            "x": "n",
            "y": t("conditioning.hilbert.digits_y"),
            "rule": t("conditioning.hilbert.rule"),
            "series": t("conditioning.hilbert.series"),
            "all_lost": t("conditioning.hilbert.all_lost"),
        },
    )
explain(t("conditioning.hilbert.explain"))

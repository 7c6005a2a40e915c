"""Page: constrained optimization and the Karush–Kuhn–Tucker (KKT) conditions."""

import math

import numpy as np
import streamlit as st

from core import constrained as cc
from core import landscapes as ls
from core.charts import constrained as charts
from core.charts.tables import flagged_table, number_text
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, show_error, table
from ui.state import Choice, LogSlider, Slider, Toggle, check_url, widget

OBJ = Choice("kobj", "constrained.build.objective", ("quadratic", "himmelblau", "rosenbrock", "saddle"), "quadratic",
             labels="constrained.objectives")
CX = Slider("kcx", "constrained.build.cx", -3.0, 3.0, 2.0, 0.1)
CY = Slider("kcy", "constrained.build.cy", -3.0, 3.0, 1.0, 0.1)
KAPPA = LogSlider("kkap", "constrained.build.kappa", (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0), 1.0)
DISC = Toggle("kdisc", "constrained.build.disc", True)
R = Slider("kr", "constrained.build.r", 0.2, 3.0, 1.0, 0.1)
SECOND = Choice("kline", "constrained.build.second", ("none", "half_plane", "line"), "none",
                labels="constrained.second")
PHI = Slider("kphi", "constrained.build.phi", 0, 345, 0, 15, help="constrained.build.phi_help")
OFF = Slider("koff", "constrained.build.offset", -3.0, 3.0, 0.5, 0.1)
DELTA = LogSlider("kdelta", "constrained.sens.delta", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3), 0.1)
CASE = Choice("kcase", "constrained.when.case", ("nonconvex", "cq_fails"), "nonconvex", labels="constrained.cases")
LR = LogSlider("klr", "constrained.pgd.lr", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.9), 0.1)
STEPS = Slider("ksteps", "constrained.pgd.steps", 10, 500, 100, 10)
# Which part of the lesson the problem drives: one at a time, right under the problem's controls, so a projector
# shows the sliders and what they change together (and a move redraws one map, not two).
PART = Choice("kpart", "constrained.part", ("solution", "pgd"), "solution", style="segmented",
              labels="constrained.parts", parts=True)
STATE = (OBJ, CX, CY, KAPPA, DISC, R, SECOND, PHI, OFF, PART, DELTA, CASE, LR, STEPS)
X0 = (0.0, 0.0)
START = (-2.5, -2.0)  # projected gradient descent starts here (outside the disc, so the first step projects)
COLOURS = {"c1": "#000000", "c2": "#CC79A7", "free": "#56B4E9", "star": "#D55E00", "other": "#009E73",
           "minus_grad": "#E69F00", "m1": "#0072B2", "m2": "#009E73", "pgd": "#0072B2", "gd": "#E69F00"}
SUB = "₁₂"


def _normal(phi: float) -> tuple:
    return tuple(round(v, 12) + 0.0 for v in (math.cos(math.radians(phi)), math.sin(math.radians(phi))))


def _problem(p: tuple):
    obj, cx, cy, kappa, disc_on, r, second, phi, off = p
    fn = cc.quadratic_objective((cx, cy), kappa) if obj == "quadratic" else ls.FUNCTIONS[obj]
    cons = [cc.disc(r)] if disc_on else []
    if second != "none":
        cons.append((cc.half_plane if second == "half_plane" else cc.line)(_normal(phi), off))
    return fn, tuple(cons)


def _convex(p: tuple) -> bool:
    """The quadratic bowl is strictly convex and the disc, half-plane and line are convex sets: its KKT point is the
    global minimum and one start finds it. The gallery's functions need the multistart."""
    return p[0] == "quadratic"


@st.cache_data(max_entries=64, show_spinner=False)
def _solve(p: tuple):
    fn, cons = _problem(p)
    try:
        return cc.solve(fn, cons, X0, multistart=not _convex(p)), None
    except cc.ConstraintError as e:
        return None, e.code


@st.cache_data(max_entries=32, show_spinner=False)
def _grid(p: tuple, half: float, n: int = 61):
    fn, cons = _problem(p)
    xs, ys, Z = ls.evaluate_grid(fn, n=n, bounds=((-half, half), (-half, half)))
    return xs, ys, Z, cc.feasible_mask(cons, *np.meshgrid(xs, ys))


@st.cache_data(max_entries=64, show_spinner=False)
def _sensitivity(p: tuple, i: int, delta: float):
    fn, cons = _problem(p)
    return cc.sensitivity(fn, cons, i, delta, X0, multistart=not _convex(p))


@st.cache_data(max_entries=4, show_spinner=False)
def _case(case: str):
    ex = cc.EXAMPLES[case]
    fn, cons = ex["objective"], ex["constraints"]
    local = cc.solve(fn, cons, ex["x0"], multistart=False)
    best = cc.solve(fn, cons, ex["x0"], multistart=True)
    return local, best, cc.second_order_check(fn, cons, local), cc.second_order_check(fn, cons, best)


@st.cache_data(max_entries=32, show_spinner=False)
def _paths(p: tuple, lr: float, steps: int):
    fn, _ = _problem(p)
    return (cc.projected_gradient_descent(fn, p[5], (0.0, 0.0), START, lr, steps),
            cc.gradient_descent_path(fn, START, lr, steps))


def _pt(x) -> str:
    return f"({number_text(x[0], 4)}, {number_text(x[1], 4)})"


def _cname(cons, i: int) -> str:
    """g₁, g₂ for inequalities, h for the equality."""
    return "h" if cons[i].kind == "eq" else f"g{SUB[i]}"


def _mname(cons, i: int) -> str:
    return "μ" if cons[i].kind == "eq" else f"λ{SUB[i]}"


def _forces(fn, cons, res, names: dict) -> list:
    """−∇f at x*, and each multiplier × constraint gradient chained tip to tail: the chain ends where −∇f does."""
    x = res.x
    arrows = [{"x": x[0], "y": x[1], "dx": -fn.grad(x)[0], "dy": -fn.grad(x)[1], "name": names["minus_grad"],
               "width": 10.0}]
    ox = oy = 0.0
    for i, c in enumerate(cons):
        if res.multipliers[i] != 0:
            v = res.multipliers[i] * np.asarray(c.grad(x), dtype=float)
            value = f"{_mname(cons, i)} = {number_text(res.multipliers[i], 4)}"
            arrows.append({"x": x[0], "y": x[1], "dx": v[0], "dy": v[1], "ox": ox, "oy": oy, "width": 3.5,
                           "name": names[f"m{i + 1}"], "value": value})
            ox, oy = ox + v[0], oy + v[1]
    return arrows


LESSONS = {  # classroom presets: every widget they name, set at once
    "kkt_example": {"kobj": "quadratic", "kcx": 2.0, "kcy": 1.0, "kkap": 1.0, "kdisc": True, "kr": 1.0,
                    "kline": "none", "kpart": "solution"},
    "inactive": {"kobj": "quadratic", "kcx": 0.3, "kcy": 0.2, "kkap": 1.0, "kdisc": True, "kr": 1.0,
                 "kline": "none", "kpart": "solution"},
    "two_constraints": {"kobj": "quadratic", "kcx": 2.0, "kcy": 1.0, "kdisc": True, "kr": 1.0, "kline": "half_plane",
                        "kphi": 90, "koff": 0.2, "kpart": "solution"},
}

t = page_frame("constrained")
st.title(t("constrained.title"))
explain(t("constrained.intro"))
check_url(STATE, t, presets=LESSONS)

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("constrained.quiz.heading"), 3)


@st.cache_data(max_entries=4, show_spinner=False)
def _quiz_problem(centre: tuple):
    """The quiz's problem, solved (a multistart SLSQP: ~15 ms), and its map."""
    qfn, qcons = cc.quadratic_objective(centre), (cc.disc(1.0),)
    qxs, qys, qZ = ls.evaluate_grid(qfn, n=51, bounds=((-2.5, 2.5), (-2.5, 2.5)))
    return cc.solve(qfn, qcons, X0), qxs, qys, qZ, cc.feasible_mask(qcons, *np.meshgrid(qxs, qys))


def _quiz_kkt(centre: tuple, title: str):
    qfn, qcons = cc.quadratic_objective(centre), (cc.disc(1.0),)
    qres, qxs, qys, qZ, mask = _quiz_problem(centre)
    names = {"c1": t("constrained.map.c1"), "free": t("constrained.map.free"), "star": "x*",
             "minus_grad": "−∇f(x*)", "m1": "λ₁∇g₁(x*)"}
    pts = [{"x": centre[0], "y": centre[1], "name": names["free"], "kind": "free"},
           {"x": qres.x[0], "y": qres.x[1], "name": "x*", "kind": "star"}]
    return qres, lambda: chart(charts.kkt_map, qxs, qys, qZ, mask, [(charts.circle_points(1.0), names["c1"], [1, 0])],
                               pts, _forces(qfn, qcons, qres, names),
                               {"title": title, "subtitle": f"λ = {number_text(qres.multipliers[0], 4)}", "x": "x",
                                "y": "y", "f": "f", "legend": t("constrained.map.legend"),
                                "colours": {names[k]: COLOURS[k] for k in names}}, size=charts.SMALL_MAP)


q1, q2 = st.columns(2)
with q1:
    _qr, _qdraw = _quiz_kkt((2.0, 1.0), t("constrained.quiz.q1_title"))
    question("kkt_active", t, t("constrained.quiz.q1"), {k: t(f"constrained.quiz.q1_{k}") for k in ("yes", "no")},
             "yes" if _qr.active[0] and _qr.multipliers[0] > 0 else "no",
             t("constrained.quiz.q1_why", lam=number_text(_qr.multipliers[0], 4)), _qdraw)
with q2:
    _qr2, _qdraw2 = _quiz_kkt((0.3, 0.2), t("constrained.quiz.q2_title"))
    _qopts = {"0": 0.0, "1.236": math.sqrt(5) - 1, "neg": -1.0}
    question("kkt_lambda", t, t("constrained.quiz.q2"), {k: t(f"constrained.quiz.q2_{k.replace('.', '')}")
                                                         for k in _qopts},
             min(_qopts, key=lambda k: abs(_qopts[k] - _qr2.multipliers[0])),
             t("constrained.quiz.q2_why", lam=number_text(_qr2.multipliers[0], 4)), _qdraw2)

# 1. Problem builder ---------------------------------------------------------------------------------------
# Static: outside the section, so not sent again when the section's widgets move.
heading(t("constrained.build.heading"))


@section
def problem():
    c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
    obj = widget(OBJ, t, c1)
    quad = obj == "quadratic"
    cx, cy = float(widget(CX, t, c2, disabled=not quad)), float(widget(CY, t, c3, disabled=not quad))
    kappa = float(widget(KAPPA, t, c4, disabled=not quad))
    c1, c2, c3, c4, c5 = st.columns([1.1, 1, 1.3, 1, 1])
    disc_on, r = bool(widget(DISC, t, c1)), float(widget(R, t, c2))
    second = widget(SECOND, t, c3)
    phi = float(widget(PHI, t, c4, disabled=second == "none"))
    off = float(widget(OFF, t, c5, disabled=second == "none"))
    if not quad:
        cx, cy, kappa = CX.default, CY.default, KAPPA.default  # unused: keep the cache key stable
    if second == "none":
        phi, off = float(PHI.default), OFF.default
    P = (obj, cx, cy, kappa, disc_on, r, second, phi, off)
    fn, cons = _problem(P)
    half = max(3.2, max(abs(b) for b in np.ravel(fn.bounds))) if not quad else 3.2
    st.markdown(t("constrained.build.problem") + f"\n\n$$\\min_{{x,\\,y}}\\ {fn.latex.split('=', 1)[-1]}"
                + "".join(f"\\quad {_cname(cons, i)}:\\ {c.latex}" for i, c in enumerate(cons)) + "$$")

    res, err = (None, None) if not cons else _solve(P)
    if not cons:
        st.info(t("constrained.build.none_on"), icon=":material/info:")
    elif err is not None:
        show_error(t, f"constrained.error.{err}" if t.has(f"constrained.error.{err}") else "constrained.error.other")

    part = widget(PART, t)

    # 2. Map and result -----------------------------------------------------------------------------------------
    names = {"c1": t("constrained.map.c1"), "c2": t(f"constrained.map.c2_{second}") if second != "none" else "",
             "free": t("constrained.map.free"), "star": "x*", "minus_grad": "−∇f(x*)",
             "m1": f"{_mname(cons, 0)}∇{_cname(cons, 0)}(x*)" if cons else "",
             "m2": f"{_mname(cons, 1)}∇{_cname(cons, 1)}(x*)" if len(cons) > 1 else ""}
    if res is not None and part == "solution":
        heading(t("constrained.map.heading"))
        xs, ys, Z, mask = _grid(P, half)
        bounds = [(charts.circle_points(r), names["c1"], [1, 0])] if disc_on else []
        if second != "none":
            bounds.append((charts.line_points(_normal(phi), off, 4 * half), names["c2"], [8, 4]))
        inside = bool(np.all(np.abs(res.x) <= half))
        points = [{"x": cx, "y": cy, "name": names["free"], "kind": "free"}] if quad else []
        points += [{"x": res.x[0], "y": res.x[1], "name": "x*", "kind": "star"}] if inside else []
        arrows = _forces(fn, cons, res, names) if inside else []
        used = {k for k, on in (("c1", disc_on), ("c2", second != "none"), ("free", quad), ("star", inside)) if on}
        used |= {k for k in ("minus_grad", "m1", "m2") if names[k] in {a["name"] for a in arrows}}
        chart(charts.kkt_map, xs, ys, Z, mask, bounds, points, arrows,
              {"title": t("constrained.map.title"), "subtitle": t("constrained.map.subtitle"), "x": "x", "y": "y",
               "f": "f", "legend": t("constrained.map.legend"), "wrap": 60, "legend_orient": "right",
               "colours": {names[k]: COLOURS[k] for k in COLOURS if k in used}})
        heading(t("constrained.result.heading"), 3)
        if not inside:
            st.warning(t("constrained.result.unbounded"), icon=":material/warning:")
        m1, m2, *cols = st.columns([1.6, 1, 1, 1])
        m1.metric("x*", _pt(res.x))
        m2.metric("f(x*)", number_text(res.value, 6))
        for i in range(len(cons)):
            cols[i].metric(f"{_mname(cons, i)} ({_cname(cons, i)})", number_text(res.multipliers[i], 6),
                           t("constrained.result.active") if res.active[i] else t("constrained.result.inactive"),
                           delta_color="off", delta_arrow="off")
        table(flagged_table({
            t("constrained.result.condition"): [t(f"constrained.cond.{k}") for k in cc.RESIDUALS],
            t("constrained.result.formula"): [t(f"constrained.cond.{k}_formula") for k in cc.RESIDUALS],
            t("constrained.result.residual"): [number_text(res.residuals[k], 3) for k in cc.RESIDUALS],
            t("constrained.result.ok"): ["✓" if res.satisfied[k] else "✗" for k in cc.RESIDUALS],
        }))
        for i, c in enumerate(cons):
            lam = number_text(res.multipliers[i], 4)
            state = ("eq" if c.kind == "eq" else "active" if res.multipliers[i] > 0
                     else "weak" if res.active[i] else "inactive")
            st.markdown(t(f"constrained.result.say_{state}", g=_cname(cons, i), lam=lam, m=_mname(cons, i)))
        if res.message != "kkt_point":
            st.warning(t(f"constrained.result.msg_{res.message}"), icon=":material/warning:")
        explain(t("constrained.map.explain"))

        # 3. Sensitivity ------------------------------------------------------------------------------------
        heading(t("constrained.sens.heading"))
        explain(t("constrained.sens.intro"))
        delta = float(widget(DELTA, t))
        first = next((i for i, c in enumerate(cons) if c.kind == "ineq" and res.active[i]), None)
        if first is None:
            st.info(t("constrained.sens.none"), icon=":material/info:")
        else:
            try:
                relaxed, predicted = _sensitivity(P, first, delta)
            except cc.ConstraintError as e:
                show_error(t, "constrained.error.other" if not t.has(f"constrained.error.{e.code}")
                           else f"constrained.error.{e.code}")
            else:
                c1, c2, c3 = st.columns(3)
                c1.metric(t("constrained.sens.relaxed", g=_cname(cons, first)), number_text(relaxed, 7))
                c2.metric(t("constrained.sens.predicted", m=_mname(cons, first)), number_text(predicted, 7))
                c3.metric(t("constrained.sens.diff"), number_text(relaxed - predicted, 3))
                st.markdown(t("constrained.sens.explain", m=_mname(cons, first),
                              lam=number_text(res.multipliers[first], 5), g=_cname(cons, first), d=f"{delta:g}"))

    # 4. Projected gradient descent ----------------------------------------------------------------------------
    @section
    def projected():
        heading(t("constrained.pgd.heading"))
        explain(t("constrained.pgd.intro"))
        if not disc_on:
            st.info(t("constrained.pgd.off"), icon=":material/info:")
        else:
            c1, c2 = st.columns(2)
            lr, steps = float(widget(LR, t, c1)), int(widget(STEPS, t, c2))
            pgd, gd = _paths(P, lr, steps)
            xs, ys, Z, _ = _grid(P, half)
            disc_mask = cc.feasible_mask(cons[:1], *np.meshgrid(xs, ys))
            pnames = {"c1": names["c1"], "pgd": t("constrained.pgd.pgd"), "gd": t("constrained.pgd.gd"),
                      "other": t("constrained.pgd.start")}
            chart(charts.kkt_map, xs, ys, Z, disc_mask, [(charts.circle_points(r), pnames["c1"], [1, 0])],
                  [{"x": START[0], "y": START[1], "name": pnames["other"], "kind": "other"},
                   {"x": pgd[-1][0], "y": pgd[-1][1], "name": pnames["pgd"], "kind": "end"},
                   {"x": gd[-1][0], "y": gd[-1][1], "name": pnames["gd"], "kind": "end"}], [],
                  {"title": t("constrained.pgd.title"), "subtitle": t("constrained.pgd.subtitle"), "x": "x", "y": "y",
                   "f": "f", "legend": t("constrained.map.legend"), "legend_orient": "right",
                   "colours": {pnames[k]: COLOURS[k] for k in pnames}},
                  paths={pnames["pgd"]: (pgd, [1, 0]), pnames["gd"]: (gd, [6, 3])})
            table(flagged_table({
                t("constrained.pgd.method"): [pnames["pgd"], pnames["gd"]],
                t("constrained.pgd.end"): [_pt(pgd[-1]), _pt(gd[-1])],
                "f": [float(fn.f(pgd[-1])), float(fn.f(gd[-1]))],
                "g₁ = x² + y² − r²": [float(cons[0].g(pgd[-1])), float(cons[0].g(gd[-1]))],
            }, digits=6))
            st.markdown(t("constrained.pgd.explain" if second == "none" else "constrained.pgd.explain_two"))

    if part == "pgd":
        projected()

    if quad and disc_on:
        n = _normal(phi)
        extra = {"none": "",
                 "half_plane": f'    {{"type": "ineq", "fun": lambda p: {off!r} - n @ p, "jac": lambda p: -n}},'
                 "   # n·x ≤ d\n",
                 "line": f'    {{"type": "eq", "fun": lambda p: n @ p - {off!r}, "jac": lambda p: n}},'
                 "   # n·x = d\n"}[second]
        head = (f"c = np.array([{cx!r}, {cy!r}])\nA = np.diag([1.0, 1 / {kappa!r}])\nr = {r!r}\n"
                f"n = np.array({list(n)!r})")
    else:
        extra, head = "", "c = np.array([2.0, 1.0])\nA = np.eye(2)\nr = 1.0"
    reproduce(t, f"""import numpy as np
from scipy.optimize import minimize

{head}
f = lambda p: (p - c) @ A @ (p - c)          # the bowl, minimum at c
grad = lambda p: 2 * A @ (p - c)
constraints = [                              # SciPy wants fun(p) >= 0 for "ineq"
    {{"type": "ineq", "fun": lambda p: r**2 - p @ p, "jac": lambda p: -2 * p}},   # x² + y² ≤ r²
{extra}]
res = minimize(f, np.zeros(2), jac=grad, method="SLSQP", constraints=constraints,
               options={{"ftol": 1e-14, "maxiter": 500}})
print("x* =", res.x, " f(x*) =", res.fun)""")


problem()


# 5. When KKT is not enough: independent of the problem above, its own section ---------------------------------------
@section
def when_kkt_fails():
    heading(t("constrained.when.heading"))
    explain(t("constrained.when.intro"))
    case = widget(CASE, t)
    ex = cc.EXAMPLES[case]
    local, best, eig_local, eig_best = _case(case)
    efn, econs = ex["objective"], ex["constraints"]
    xs, ys, Z = ls.evaluate_grid(efn, n=51, bounds=((-2.0, 2.0), (-2.0, 2.0)))
    mask = cc.feasible_mask(econs, *np.meshgrid(xs, ys))
    centre = (0.3, 0.0) if case == "nonconvex" else (-1.0, 0.0)  # the bowls' centres, as in core's EXAMPLES
    boundary = charts.circle_points(1.0) if case == "nonconvex" else charts.cusp_points(2.9)
    cnames = {"c1": "g = 0", "free": t("constrained.map.free"), "star": t(f"constrained.when.{case}.star"),
              "other": t("constrained.when.global"), "minus_grad": "−∇f", "m1": "λ∇g"}
    pts = [{"x": centre[0], "y": centre[1], "name": cnames["free"], "kind": "free"},
           {"x": local.x[0], "y": local.x[1], "name": cnames["star"], "kind": "star"}]
    if case == "nonconvex":
        pts.append({"x": best.x[0], "y": best.x[1], "name": cnames["other"], "kind": "other"})
    left, right = st.columns([1.25, 1])
    with left:
        chart(charts.kkt_map, xs, ys, Z, mask, [(boundary, cnames["c1"], [1, 0])], pts,
              _forces(efn, econs, local, {"minus_grad": "−∇f", "m1": "λ∇g"}),
              {"title": t(f"constrained.when.{case}.title"),
               "subtitle": ex["constraints"][0].latex.replace("\\le", "≤").replace("\\ge", "≥")
                          .replace("^2", "²").replace("^3", "³"), "x": "x", "y": "y", "f": "f",
               "legend": t("constrained.map.legend"), "colours": {cnames[k]: COLOURS[k] for k in cnames
                                                                  if case == "nonconvex" or k != "other"}},
              size=charts.SMALL_MAP)
    with right:
        if case == "nonconvex":
            rows = ((t("constrained.when.local"), local, eig_local), (t("constrained.when.global"), best, eig_best))
            # one column per solve: two columns of values fit beside the map
            table(flagged_table({
                name: [_pt(sol.x), number_text(sol.value, 5), number_text(sol.multipliers[0], 5),
                       ", ".join(number_text(v, 4) for v in eig),
                       t("constrained.when.saddle") if np.any(eig < 0) else t("constrained.when.minimum")]
                for name, sol, eig in rows
            }, index=["x", "f", "λ", t("constrained.when.eig"), t("constrained.when.verdict")]))
            st.markdown(t("constrained.note.kkt_saddle", x=_pt(local.x), lam=number_text(local.multipliers[0], 4),
                          e=number_text(eig_local[0], 4), best=_pt(best.x), fb=number_text(best.value, 4),
                          fl=number_text(local.value, 4)))
        else:
            table(flagged_table({
                t("constrained.result.condition"): [t(f"constrained.cond.{k}") for k in cc.RESIDUALS],
                t("constrained.result.residual"): [number_text(local.residuals[k], 3) for k in cc.RESIDUALS],
                t("constrained.result.ok"): ["✓" if local.satisfied[k] else "✗" for k in cc.RESIDUALS],
            }))
            st.markdown(t("constrained.note.cq_fails", x=_pt(local.x),
                          licq=t(f"constrained.when.licq_{local.licq}"),
                          s=number_text(local.residuals["stationarity"], 4)))
    explain(t("constrained.when.theory"))
    with st.expander(t("constrained.when.faq"), icon=":material/forum:", expanded=True):
        explain(t("constrained.when.q1"))
        explain(t("constrained.when.q2"))


when_kkt_fails()

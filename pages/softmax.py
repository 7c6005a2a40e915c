"""Page: softmax stability and floating point."""
from dataclasses import replace

import numpy as np
import streamlit as st

from core import floats
from core import softmax as sm
from core.charts import softmax as charts
from core.charts.tables import flagged_table, number_text
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, show_error, table
from ui.state import Choice, LogSlider, Slider, Text, check_url, widget

FMT_OPTIONS = floats.FORMATS
FMT = Choice("fmt", "softmax.fmt", FMT_OPTIONS, "float16", style="segmented")
BITS = Text("bits", "softmax.bits.label", "0.1", 40, help="softmax.bits.help")
LOGITS = Text("logits", "softmax.logits.label", "123, 456, 789", 2000, help="softmax.logits.help")
SCALE = LogSlider("scale", "softmax.scale", tuple(float(f"{v:.3g}") for v in np.logspace(-2, 4, 25)), 1.0,
                  help="softmax.scale_help")
LAB_FMT = Choice("lab_fmt", "softmax.lab_fmt", FMT_OPTIONS, "float64", style="segmented")
SHIFT = Slider("shift", "softmax.shift.label", -2000.0, 2000.0, 0.0, 1.0, help="softmax.shift.help")
TARGET = Slider("target", "softmax.ce.target", 0, sm.MAX_LOGITS - 1, 0, 1)  # max narrowed to the classes
# Which part of the lesson the logits drive: one at a time, right under the lab's controls, so a projector shows
# the sliders and what they change together (and a move redraws one part's chart, not three).
PART = Choice("spart", "softmax.part", ("lab", "shift", "ce", "sweep"), "lab", style="segmented",
              labels="softmax.parts", parts=True)
STATE = (FMT, BITS, LOGITS, SCALE, LAB_FMT, PART, SHIFT, TARGET)
PRESETS = {"cs231n": "123, 456, 789", "negative": "-1000, -1000", "mild": "1, 2, 3, 0.5",
           "half": "10, 12, 3"}
SHIFTS = np.linspace(SHIFT.min, SHIFT.max, 401)


@st.cache_data(max_entries=64, show_spinner=False)
def _sweep(x: tuple, formats: tuple):
    return sm.breakdown_sweep(np.array(x), formats=formats)


@st.cache_data(max_entries=64, show_spinner=False)
def _shift_scan(x: tuple, fmt: str):
    return sm.shift_scan(np.array(x), fmt, SHIFTS)


def _logits(text: str):
    """Parse the logits box; on bad input say what was wrong and keep the last good vector."""
    try:
        x = sm.parse_logits(text)
    except sm.LogitsError as err:
        limits = {k: f"{int(v):,}" if float(v).is_integer() else str(v) for k, v in err.limits.items()}
        show_error(t, f"softmax.logits.err.{err.code}", token=err.token, **limits)
        return np.array(st.session_state.get("_softmax_x", sm.parse_logits(LOGITS.default)))
    st.session_state["_softmax_x"] = tuple(x)
    return x


def _set_logits(text: str):
    st.session_state["logits"] = text


def _steps_view(steps, column):
    z_name = "z = x − max x" if steps.stable else "x"
    table(flagged_table({z_name: steps.z, "exp": steps.exps, "softmax": steps.result},
                        index=range(len(steps.z)), flag=(z_name, "exp", "softmax")), column)
    column.markdown(t("softmax.lab.sum", total=number_text(steps.total)))
    code, values = steps.issue.code, steps.issue.values
    key = {"overflow": f"overflow_{values.get('where')}", "input_inf": "input_cast" if values.get("cast") else code}
    box = column.success if code == "ok" else column.info if code == "input_rounded" else column.warning
    box(t(f"softmax.diag.{key.get(code, code)}", **{k: number_text(v) if isinstance(v, float) else v
                                                    for k, v in values.items()}))


LESSONS = {  # classroom presets: every widget they name, set at once
    "cs231n": {"logits": "123, 456, 789", "lab_fmt": "float64", "spart": "lab"},
    "all_negative": {"logits": "-1000, -1000", "lab_fmt": "float64", "spart": "lab"},
    "float16_first": {"logits": "1, 2, 12", "lab_fmt": "float16", "fmt": "float16", "spart": "lab"},
}

t = page_frame("softmax")
st.title(t("softmax.title"))
explain(t("softmax.intro"))
check_url(STATE, t, presets=LESSONS)

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("softmax.quiz.heading"), 3)
q1, q2 = st.columns(2)
with q1:
    _qx = np.array([123.0, 456.0, 789.0])
    _qn, _qs = sm.softmax(_qx, "float64", stable=False), sm.softmax(_qx, "float64", stable=True)
    _qopts = {"onehot": [0.0, 0.0, 1.0], "last_nan": [0.0, 0.0, np.nan], "nan": [np.nan] * 3}
    _q1 = next((k for k, v in _qopts.items() if np.array_equal(_qn, v, equal_nan=True)), "onehot")
    question("softmax_naive", t, t("softmax.quiz.q1"), {k: t(f"softmax.quiz.q1_{k}") for k in _qopts},
             _q1, t("softmax.quiz.q1_why"),
             lambda: chart(charts.probability_chart, _qn, _qs, {
                 "naive": t("softmax.naive"), "stable": t("softmax.stable"), "method": t("softmax.method"),
                 "title": t("softmax.bars.title", fmt="float64"), "subtitle": "x = [123, 456, 789]",
                 "x": t("softmax.class"), "y": t("softmax.prob")}))
with q2:
    _qi = floats.float_info("float16")
    _qx2 = {"11": 11.09, "89": 88.72, "710": 709.78}
    _q2 = min(_qx2, key=lambda k: abs(_qx2[k] - _qi.exp_overflow))
    _qc = floats.exp_curve("float16")
    question("softmax_fp16", t, t("softmax.quiz.q2"), {k: t(f"softmax.quiz.q2_{k}") for k in _qx2}, _q2,
             t("softmax.quiz.q2_why", ov=number_text(_qi.exp_overflow, 5)),
             lambda: chart(charts.exp_range_chart, _qc.x, _qc.y, _qi.exp_overflow, _qi.exp_underflow, {
                 "title": t("softmax.exp.title", fmt="float16"), "subtitle": t("softmax.exp.subtitle"), "x": "x",
                 "y": t("softmax.exp.y", fmt="float16"), "overflow": t("softmax.exp.overflow"),
                 "underflow": t("softmax.exp.underflow"), "zone": t("softmax.exp.zone"),
                 "limit": t("softmax.exp.limit")}))

# 1. Number formats --------------------------------------------------------------------------------
@section
def formats():
    heading(t("softmax.formats.heading"))
    explain(t("softmax.formats.intro"))
    infos = [floats.float_info(f) for f in FMT_OPTIONS]
    props = ("bits", "eps", "tiny", "smallest_subnormal", "max", "exp_overflow", "exp_underflow")
    table(flagged_table({f: [getattr(i, p) for p in props] for f, i in zip(FMT_OPTIONS, infos, strict=False)},
                        index=[t(f"softmax.prop.{p}") for p in props], digits=5))
    fmt = widget(FMT, t)
    info = floats.float_info(fmt)
    curve = floats.exp_curve(fmt)
    chart(charts.exp_range_chart, curve.x, curve.y, info.exp_overflow, info.exp_underflow, {
        "title": t("softmax.exp.title", fmt=fmt), "subtitle": t("softmax.exp.subtitle"), "x": "x",
        "y": t("softmax.exp.y", fmt=fmt), "overflow": t("softmax.exp.overflow"),
        "underflow": t("softmax.exp.underflow"), "zone": t("softmax.exp.zone"), "limit": t("softmax.exp.limit"),
    })
    st.markdown(t("softmax.exp.explain", fmt=fmt, ov=number_text(info.exp_overflow),
                  un=number_text(info.exp_underflow), max=number_text(info.max),
                  sub=number_text(info.smallest_subnormal)))

    heading(t("softmax.bits.heading"), 3)
    bits_text = widget(BITS, t)
    try:
        layout = floats.bit_layout(bits_text, fmt)
    except floats.InputError as err:
        show_error(t, f"softmax.bits.err.{err.code}", token=err.token)
    else:
        st.markdown(t("softmax.bits.layout", fmt=fmt, sign=layout.sign, exponent=layout.exponent,
                      fraction=layout.fraction))
        c1, c2, c3 = st.columns(3)
        c1.metric(t("softmax.bits.stored"), number_text(layout.stored, 10))
        c2.metric(t("softmax.bits.abs_error"), "—" if layout.abs_error is None else f"{float(layout.abs_error):.3e}")
        c3.metric(t("softmax.bits.rel_error"), "—" if layout.rel_error is None else f"{layout.rel_error:.3e}")
        st.markdown(t("softmax.bits.exact", exact=layout.stored_exact))
        st.info(t(f"softmax.bits.kind.{layout.kind}", e=layout.exponent_value, fmt=fmt))
        if layout.overflowed or layout.underflowed:
            st.warning(t("softmax.bits.overflowed" if layout.overflowed else "softmax.bits.underflowed", fmt=fmt))


formats()


def _naive_vs_stable(x, lab_fmt, method_labels):
    """Part 2: the naive and the stable softmax step by step, their probabilities, all four formats."""
    naive = sm.softmax_steps(x, lab_fmt, stable=False)
    stable = sm.softmax_steps(x, lab_fmt, stable=True)
    left, right = st.columns(2)
    heading(t("softmax.lab.naive"), 3, left)
    _steps_view(naive, left)
    heading(t("softmax.lab.stable"), 3, right)
    _steps_view(stable, right)
    chart(charts.probability_chart, naive.result, stable.result, {
        **method_labels, "title": t("softmax.bars.title", fmt=lab_fmt), "subtitle": t("softmax.bars.subtitle"),
        "x": t("softmax.class"), "y": t("softmax.prob")})

    heading(t("softmax.all.heading"), 3)
    explain(t("softmax.all.intro"))
    rows = {}
    for f in FMT_OPTIONS:
        for method in ("naive", "stable"):
            rows[f"{f} · {method_labels[method]}"] = sm.softmax(x, f, stable=method == "stable")
    table(flagged_table({f"p{i}": [r[i] for r in rows.values()] for i in range(min(len(x), 12))},
                        index=list(rows), flag=tuple(f"p{i}" for i in range(12))))


# 3. Shift invariance ------------------------------------------------------------------------------
@section
def shift(x, lab_fmt):
    heading(t("softmax.shift.heading"))
    explain(t("softmax.shift.intro"))
    c = widget(SHIFT, t)
    err, broken = _shift_scan(tuple(x), lab_fmt)
    shifted = sm.softmax(x + c, lab_fmt, stable=False)
    st.markdown(t("softmax.shift.now", c=number_text(c), fmt=lab_fmt,
                  result=", ".join(number_text(v, 4) for v in shifted[:8])))
    chart(charts.shift_chart, SHIFTS, err, broken, c, {
        "title": t("softmax.shift.title", fmt=lab_fmt), "subtitle": t("softmax.shift.subtitle"),
        "x": t("softmax.shift.x"), "y": t("softmax.error"), "ok": t("softmax.ok"), "broken": t("softmax.broken"),
        "state": t("softmax.state"), "current": t("softmax.current", v=number_text(c))})
    with st.expander(t("softmax.shift.why_heading"), expanded=True):
        explain(t("softmax.shift.why"))


def _cross_entropy(x, lab_fmt):
    """Part 4: log-softmax and the cross-entropy loss, naive against stable."""
    heading(t("softmax.ce.heading"))
    explain(t("softmax.ce.intro"))
    if st.session_state.get("target", 0) > len(x) - 1:  # fewer classes than the link or last view had
        st.warning(t("softmax.ce.target_clamped", target=int(st.session_state["target"]), last=len(x) - 1))
        st.session_state["target"] = len(x) - 1
    target = int(widget(replace(TARGET, max=len(x) - 1), t))
    log_naive = sm.log_softmax(x, lab_fmt, stable=False)
    log_stable = sm.log_softmax(x, lab_fmt, stable=True)
    ce_cols = {"x": x, t("softmax.ce.naive_col"): log_naive, t("softmax.ce.stable_col"): log_stable,
               t("softmax.ce.grad_naive"): sm.cross_entropy_grad(x, target, lab_fmt, stable=False),
               t("softmax.ce.grad_stable"): sm.cross_entropy_grad(x, target, lab_fmt, stable=True)}
    table(flagged_table(ce_cols, index=range(len(x)), flag=tuple(ce_cols)[1:]))
    c1, c2 = st.columns(2)
    c1.metric(t("softmax.ce.loss_naive", k=target), number_text(sm.cross_entropy(x, target, lab_fmt, stable=False)))
    c2.metric(t("softmax.ce.loss_stable", k=target), number_text(sm.cross_entropy(x, target, lab_fmt, stable=True)))
    explain(t("softmax.ce.explain"))


def _breakdown(x0, scale, method_labels):
    """Part 5: the scale at which each format gives up (the current scale marked)."""
    heading(t("softmax.sweep.heading"))
    explain(t("softmax.sweep.intro"))
    sweep = _sweep(tuple(x0), FMT_OPTIONS)
    chart(charts.sweep_chart, sweep.scales, {k: (sweep.error[k], sweep.broken[k]) for k in sweep.error},
                                       scale, {
        **method_labels, "title": t("softmax.sweep.title"), "subtitle": t("softmax.sweep.subtitle"),
        "x": t("softmax.sweep.x"), "y": t("softmax.error"), "format": t("softmax.format"),
        "broken": t("softmax.broken"), "current": t("softmax.current", v=number_text(scale))})


# 2. Softmax lab -----------------------------------------------------------------------------------
# The lab's heading, text and preset buttons do not change with its widgets: drawn before the section, they are
# not sent again when a slider in it moves (a preset button reruns the whole page).
heading(t("softmax.lab.heading"))
explain(t("softmax.lab.intro"))
for _col, (_name, _text) in zip(st.columns(len(PRESETS)), PRESETS.items(), strict=False):
    _col.button(t(f"softmax.preset.{_name}"), on_click=_set_logits, args=(_text,), width="stretch", help=_text)


@section
def lab():
    x0 = _logits(widget(LOGITS, t))
    c1, c2 = st.columns(2)
    scale = widget(SCALE, t, c1)
    lab_fmt = widget(LAB_FMT, t, c2)
    x = x0 * scale
    part = widget(PART, t)
    method_labels = {"naive": t("softmax.naive"), "stable": t("softmax.stable"), "method": t("softmax.method")}
    if part == "lab":
        _naive_vs_stable(x, lab_fmt, method_labels)
    elif part == "shift":
        shift(x, lab_fmt)
    elif part == "ce":
        _cross_entropy(x, lab_fmt)
    else:
        _breakdown(x0, scale, method_labels)
    target = min(int(st.session_state.get("target", TARGET.default)), len(x) - 1)  # for the snippet

    dtype = "ml_dtypes.bfloat16" if lab_fmt == "bfloat16" else f"np.{lab_fmt}"
    reproduce(t, f"""import numpy as np{chr(10) + "import ml_dtypes" if lab_fmt == "bfloat16" else ""}

x = np.array({[float(v) for v in x0]!r}) * {scale!r}
x = x.astype({dtype})

naive = np.exp(x) / np.exp(x).sum()      # overflows or underflows
z = x - x.max()                          # shift by the largest logit
stable = np.exp(z) / np.exp(z).sum()     # every exp(z) <= 1, one term == 1
log_softmax = z - np.log(np.exp(z).sum())
print(naive, stable, -log_softmax[{target}], sep="\\n")""")


lab()

"""Page: initialization and activations — exploding and vanishing signals in deep networks."""

import numpy as np
import streamlit as st

from core import initialization as ci
from core.charts import initialization as charts
from core.charts.tables import flagged_table, number_text
from ui.classroom import question
from ui.frame import chart, explain, heading, page_frame, reproduce, section, show_error, table
from ui.state import Choice, IntInput, LogSlider, Slider, Toggle, check_url, widget

# --- state -----------------------------------------------------------------------------------------------
FACTOR = Slider("gfac", "initialization.products.factor", 0.5, 1.5, 1.5, 0.01)
POWER = Slider("gn", "initialization.products.layers", 1, 100, 100, 1)
PSTD = Slider("pstd", "initialization.products.std", 0.5, 1.5, 1.2, 0.05)
PSEED = IntInput("pseed", "initialization.products.seed", 0, 9999, 0, help="initialization.products.seed_help")
DEPTH = Slider("idepth", "initialization.lab.depth", 1, ci.MAX_DEPTH, 50, 1)
WIDTH = LogSlider("iwidth", "initialization.lab.width", (8, 16, 32, 64, 128, 256, 512), 128)
ACT = Choice("iact", "initialization.lab.activation", tuple(ci.ACTIVATIONS), "tanh", labels="initialization.acts")
INIT = Choice("iinit", "initialization.lab.init", ci.SCHEMES, "normal", labels="initialization.schemes")
STD = LogSlider("istd", "initialization.lab.std", (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0,
                                                  5.0, 10.0), 1.0, help="initialization.lab.std_help")
DTYPE = Choice("idtype", "initialization.lab.dtype", ci.DTYPES, "float32", style="segmented")
BATCH = LogSlider("ibatch", "initialization.lab.batch", (1, 2, 4, 8, 16, 32, 64), ci.DEFAULT_BATCH)
SEED = IntInput("iseed", "initialization.lab.seed", 0, 9999, 0, help="initialization.lab.seed_help")
RESIDUAL = Toggle("ires", "initialization.lab.residual", False)
CLIP = Toggle("iclip", "initialization.lab.clip", False)
CLIP_NORM = LogSlider("iclipn", "initialization.lab.clip_norm", (0.01, 0.1, 1.0, 10.0, 100.0), 1.0)
SCALE = LogSlider("iscale", "initialization.lab.scale", tuple(float(2**k) for k in range(0, 25, 2)), 1.0,
                  help="initialization.lab.scale_help")
VIEW = Choice("ifn", "initialization.act.which", tuple(ci.ACTIVATIONS), "sigmoid", labels="initialization.acts")
ORDER = Slider("iorder", "initialization.act.order", 1, ci.TAYLOR_ORDER, 3, 1)
STATE = (FACTOR, POWER, PSTD, PSEED, DEPTH, WIDTH, ACT, INIT, STD, DTYPE, BATCH, SEED, RESIDUAL, CLIP, CLIP_NORM,
         SCALE, VIEW, ORDER)
PRODUCT_WIDTH = 64  # random matrices of section 1: 3 products of 100 matrices take ~0.1 s
FP16_EXAMPLE = {"iact": "sigmoid", "iinit": "he_normal", "idepth": 20, "iwidth": 128, "idtype": "float16",
                "iscale": 256.0, "ires": False, "iclip": False}
COLOURS = {"fwd": "#0072B2", "bwd": "#D55E00", "clipped": "#000000", "pred": "#7F7F7F", "plain": "#D55E00",
           "master": "#009E73", "un16": "#CC79A7"}


def _to_float16() -> None:
    st.session_state[DTYPE.key] = "float16"


def _load_fp16_example() -> None:
    for key, value in FP16_EXAMPLE.items():
        st.session_state[key] = value


# --- cached core calls --------------------------------------------------------------------------------------
@st.cache_data(max_entries=16, show_spinner=False)
def _run(depth, width, act, init, dtype, batch, seed, residual, clip, std, scale):
    """One forward and backward pass, and its per-layer histograms (a few hundred KB at the largest size)."""
    prop = ci.propagate(depth, width, act, init, dtype=dtype, batch=batch, seed=seed, residual=residual, clip=clip,
                        std=std, loss_scale=scale)
    return prop, ci.layer_histograms(prop)


@st.cache_data(max_entries=16, show_spinner=False)
def _critical_products(seed: int):
    return ci.spectral_norm_of_products(ci.MAX_DEPTH, PRODUCT_WIDTH, std=1.0, seed=seed, count=3)


def _products(std: float, seed: int):
    """The products at ``std`` and at the critical std = 1, both from one run (the same seed draws the same
    matrices, so the first is the second scaled: `rescale_products`)."""
    critical = _critical_products(seed)
    return ci.rescale_products(critical, std), critical


def _layer_text(t, marks: dict, key: str) -> str:
    parts = [t("initialization.lab.markers", what=t(f"initialization.lab.what_{name}"), t=marks[name][key])
             for name in ("inf", "nan", "zero") if marks[name][key] is not None]
    return ", ".join(parts) or t("initialization.lab.none")


def _outside(values) -> int:
    v = np.asarray(values, float)
    lo, hi = ci.HEALTHY
    return int(np.sum(~(np.isfinite(v) & (v >= lo) & (v <= hi))))


LESSONS = {  # classroom presets: every widget they name, set at once
    "sigmoid_normal": {"iact": "sigmoid", "iinit": "normal", "istd": 1.0, "idepth": 50, "iwidth": 128,
                       "idtype": "float32", "ires": False, "iclip": False},
    "relu_he": {"iact": "relu", "iinit": "he_normal", "idepth": 50, "iwidth": 128, "idtype": "float32",
                "ires": False, "iclip": False},
    "tanh_xavier": {"iact": "tanh", "iinit": "xavier_normal", "idepth": 50, "iwidth": 128, "idtype": "float32",
                    "ires": False, "iclip": False},
    "fp16_underflow": FP16_EXAMPLE,
}

t = page_frame("initialization")
st.title(t("initialization.title"))
explain(t("initialization.intro"))
check_url(STATE, t, presets=LESSONS)
marker_names = {k: t(f"initialization.lab.{k}") for k in ("inf", "nan", "zero")}

# Predict, then reveal ---------------------------------------------------------------------------------------
heading(t("initialization.quiz.heading"), 3)
q1, q2 = st.columns(2)
_qlabels = {"x": t("initialization.lab.x"), "series": t("initialization.lab.series"),
            "band": t("initialization.lab.band"), **marker_names}
with q1:
    _qp = _run(50, 64, "identity", "normal", "float16", ci.DEFAULT_BATCH, 0, False, None, 1.0, 1.0)[0]
    _qt = _qp.first_inf["forward"]
    _q1 = "never" if _qt is None else "early" if _qt <= 10 else "late"
    question("init_overflow", t, t("initialization.quiz.q1"),
             {k: t(f"initialization.quiz.q1_{k}") for k in ("early", "late", "never")}, _q1,
             t("initialization.quiz.q1_why", t=_qt),
             lambda: chart(charts.log_layers_chart, np.arange(1, 51),
                           {t("initialization.lab.fwd_series"): (_qp.forward_std, COLOURS["fwd"], [1, 0])},
                           {"title": t("initialization.lab.fwd_title"),
                            "subtitle": "identity, N(0, 1), float16, n = 64",
                            "y": t("initialization.lab.fwd_y"), "wrap": 46, **_qlabels}, band=ci.HEALTHY, height=300))
with q2:
    _qx = _run(50, 128, "tanh", "xavier_normal", "float32", ci.DEFAULT_BATCH, 0, False, None, 1.0, 1.0)[0]
    _qok = bool(np.all((_qx.grad_norm >= ci.HEALTHY[0]) & (_qx.grad_norm <= ci.HEALTHY[1])))
    question("init_xavier", t, t("initialization.quiz.q2"),
             {k: t(f"initialization.quiz.q2_{k}") for k in ("yes", "no")}, "yes" if _qok else "no",
             t("initialization.quiz.q2_why", lo=number_text(float(np.min(_qx.grad_norm)), 3),
               hi=number_text(float(np.max(_qx.grad_norm)), 3)),
             lambda: chart(charts.log_layers_chart, np.arange(1, 51),
                           {t("initialization.lab.bwd_series"): (_qx.grad_norm, COLOURS["bwd"], [1, 0])},
                           {"title": t("initialization.lab.bwd_title"), "subtitle": "tanh, Xavier, float32, n = 128",
                            "y": t("initialization.lab.bwd_y"), "wrap": 46, **_qlabels}, band=ci.HEALTHY, height=300))

# 1. Products of many factors ----------------------------------------------------------------------------
heading(t("initialization.products.heading"))
explain(t("initialization.products.intro"))


@section
def products():
    """aⁿ: the factor and the number of layers (the matrices below do not depend on them)."""
    c1, c2, c3 = st.columns([1, 1, 0.8])
    a, n = float(widget(FACTOR, t, c1)), int(widget(POWER, t, c2))
    c3.metric(t("initialization.products.value"), number_text(ci.product_growth(a, n), 4))
    over, under = ci.first_unrepresentable(1.5, limit=ci.MAX_DEPTH), ci.first_unrepresentable(0.8, limit=ci.MAX_DEPTH)
    st.markdown(t("initialization.products.fixed", big=f"{ci.product_growth(1.5, 100):.2e}",
                  small=f"{ci.product_growth(0.8, 100):.2e}", n16=over["inf"], z16=under["zero"]))
    ns = np.arange(0, n + 1)
    growth = {f"a = {f:g}": ci.product_growth(f, ns) for f in (0.8, 1.0, 1.5)}
    growth[t("initialization.products.yours")] = (ci.product_growth(a, ns), "#000000", [6, 3])
    chart(charts.log_layers_chart, ns, growth,
          {"title": t("initialization.products.title"), "subtitle": t("initialization.products.subtitle"),
           "x": t("initialization.products.x"), "y": t("initialization.products.y"),
           "series": t("initialization.products.series"), "band": t("initialization.lab.band"), **marker_names},
          band=ci.HEALTHY, height=330)


products()


@section
def matrices():
    """Products of random matrices: their σ and seed."""
    explain(t("initialization.products.matrices_intro"))
    c1, c2 = st.columns([2, 1])
    pstd, pseed = float(widget(PSTD, t, c1)), int(widget(PSEED, t, c2))
    mine, critical = _products(pstd, pseed)
    s = f"{pstd:g}"
    curves = {t("initialization.products.mat_measured", s=s): (10.0 ** mine.log10_mean, "#0072B2", [1, 0]),
              t("initialization.products.mat_typical", s=s): (mine.typical, "#0072B2", [8, 4]),
              t("initialization.products.mat_edge", s=s): (mine.edge, "#0072B2", [2, 3])}
    if pstd != 1.0:
        curves[t("initialization.products.mat_critical")] = (10.0 ** critical.log10_mean, "#7F7F7F", [1, 0])
    chart(charts.log_layers_chart, mine.depths, curves,
          {"title": t("initialization.products.mat_title", n=PRODUCT_WIDTH),
           "subtitle": t("initialization.products.mat_subtitle"), "x": t("initialization.products.mat_x"),
           "y": t("initialization.products.mat_y"), "series": t("initialization.products.mat_series"),
           "band": t("initialization.lab.band"), **marker_names}, band=None, height=330)
    st.markdown(t("initialization.products.mat_note", d=ci.MAX_DEPTH, m=number_text(10.0 ** mine.log10_mean[-1], 3),
                  t=number_text(mine.typical[-1], 3)))


matrices()


# 2. The lab ----------------------------------------------------------------------------------------------
# Static: outside the section, so not sent again when the section's widgets move.
heading(t("initialization.lab.heading"))
explain(t("initialization.lab.intro"))


@section
def lab():
    c1, c2, c3, c4 = st.columns(4)
    depth, width = int(widget(DEPTH, t, c1)), int(widget(WIDTH, t, c2))
    act, init = widget(ACT, t, c3), widget(INIT, t, c4)
    c1, c2, c3, c4 = st.columns(4)
    named = init in ci.NAMED_SCHEMES
    std = float(widget(STD, t, c1, disabled=named))
    dtype = widget(DTYPE, t, c2)
    batch, seed = int(widget(BATCH, t, c3)), int(widget(SEED, t, c4))
    with st.expander(t("initialization.lab.remedies"), icon=":material/healing:", expanded=True):
        c1, c2, c3, c4 = st.columns(4)
        residual, clip_on = bool(widget(RESIDUAL, t, c1)), bool(widget(CLIP, t, c2))
        clip_norm = float(widget(CLIP_NORM, t, c3, disabled=not clip_on))
        scale = float(widget(SCALE, t, c4, disabled=dtype != "float16"))
    if named:
        std = STD.default  # unused by the named schemes: keep the cache key stable
    scale = scale if dtype == "float16" else 1.0
    try:
        prop, hist = _run(depth, width, act, init, dtype, batch, seed, residual, clip_norm if clip_on else None, std,
                          scale)
    except ValueError as e:
        show_error(t, "initialization.bad_input", reason=str(e)[:200])
        st.stop()
    sigma = float(np.sqrt(prop.weight_var))
    st.markdown(t("initialization.lab.sigma_is", s=number_text(sigma, 4), n=width, v=number_text(prop.weight_var, 4),
                  g=number_text(width * prop.weight_var, 4)))
    layers = np.arange(1, depth + 1)
    act_name, init_name = t(f"initialization.acts.{act}"), t(f"initialization.schemes.{init}")
    common = {"x": t("initialization.lab.x"), "series": t("initialization.lab.series"),
              "band": t("initialization.lab.band"), **marker_names}
    left, right = st.columns(2)
    with left:
        chart(charts.log_layers_chart, layers,
              {t("initialization.lab.fwd_series"): (prop.forward_std, COLOURS["fwd"], [1, 0])},
              {"title": t("initialization.lab.fwd_title"),
               "subtitle": t("initialization.lab.fwd_subtitle", act=act_name, init=init_name, dtype=dtype),
               "y": t("initialization.lab.fwd_y"), "wrap": 46, **common}, band=ci.HEALTHY)
    with right:
        back = {t("initialization.lab.bwd_series"): (prop.grad_norm, COLOURS["bwd"], [1, 0])}
        if prop.clipped_grad_norm is not None:
            back[t("initialization.lab.clipped_series", c=f"{clip_norm:g}")] = (prop.clipped_grad_norm,
                                                                                 COLOURS["clipped"], [6, 3])
        chart(charts.log_layers_chart, layers, back,
              {"title": t("initialization.lab.bwd_title"), "subtitle": t("initialization.lab.bwd_subtitle"),
               "y": t("initialization.lab.bwd_y"), "wrap": 46, **common}, band=ci.HEALTHY)
    marks = {"inf": prop.first_inf, "nan": prop.first_nan, "zero": prop.first_zero}
    c1, c2 = st.columns([1, 3])
    c1.metric(t("initialization.lab.loss"), number_text(prop.loss, 4))
    c2.markdown(f"**{t('initialization.lab.first_forward')}:** {_layer_text(t, marks, 'forward')}  \n"
                f"**{t('initialization.lab.first_backward')}:** {_layer_text(t, marks, 'backward')}")
    out_f, out_b = _outside(prop.forward_std), _outside(prop.grad_norm)
    if out_f == out_b == 0:
        st.success(t("initialization.lab.healthy"), icon=":material/check_circle:")
    else:
        st.warning(t("initialization.lab.outside", f=out_f, b=out_b, d=depth), icon=":material/warning:")
    picks = (1, max(1, depth // 2), depth)
    chart(charts.histogram_panels, hist.edges, hist.counts,
          {"std": hist.std, "inf": hist.inf, "nan": hist.nan, "zero": hist.zero}, picks,
          {"title": t("initialization.lab.hist_title"), "subtitle": t("initialization.lab.hist_subtitle"),
           "x": t("initialization.lab.hist_x"), "y": t("initialization.lab.hist_y"),
           "slider": t("initialization.lab.hist_slider"), "names": ("A", "B", "C"),
           "layer": t("initialization.lab.hist_layer", t="{t}"), "std": t("initialization.lab.hist_std"),
           "inf": "inf", "nan": "nan", "zero": "0"})
    st.caption(t("initialization.lab.hist_sample", k=hist.total, total=batch * width))

    # 3. Why Xavier -------------------------------------------------------------------------------------------
    heading(t("initialization.xavier.heading"))
    explain(t("initialization.xavier.derivation"))
    rows = [(k, ci.init_std(k, width, width)) if k in ci.NAMED_SCHEMES else (k, 1.0) for k in ci.SCHEMES]
    table(flagged_table({
        t("initialization.xavier.table_scheme"): [t(f"initialization.schemes.{k}") + (" (σ = 1)" if k not in
                                                                                       ci.NAMED_SCHEMES else "")
                                                  for k, _ in rows],
        t("initialization.xavier.table_std"): [sd for _, sd in rows],
        t("initialization.xavier.table_var"): [sd**2 for _, sd in rows],
        t("initialization.xavier.table_gain"): [width * sd**2 for _, sd in rows],
        t("initialization.xavier.table_bound"): [ci.init_bound(k, width, width) if k in ci.NAMED_SCHEMES and k in
                                                 ci.UNIFORM_SCHEMES else (np.sqrt(3.0) if k == "uniform" else "—")
                                                 for k, _ in rows],
    }, digits=5))
    st.caption(t("initialization.xavier.table_caption", n=width))
    chart(charts.log_layers_chart, layers,
          {t("initialization.xavier.measured"): (prop.forward_var, COLOURS["fwd"], [1, 0]),
           t("initialization.xavier.predicted"): (prop.predicted_var, COLOURS["pred"], [8, 4])},
          {"title": t("initialization.xavier.var_title"), "subtitle": t("initialization.xavier.var_subtitle"),
           "y": t("initialization.xavier.var_y"), **common}, band=None, height=320)
    st.markdown(t("initialization.xavier.note_identity") if act == "identity"
                else t("initialization.xavier.note_other", act=act_name))

    # 4. Activations ------------------------------------------------------------------------------------------
    @section
    def activations():
        heading(t("initialization.act.heading"))
        explain(t("initialization.act.intro"))
        c1, c2 = st.columns([2, 1])
        view = widget(VIEW, t, c1)
        fn = ci.ACTIVATIONS[view]
        order = int(widget(ORDER, t, c2, disabled=fn.taylor is None))
        xs = np.linspace(-4.0, 4.0, 161)
        view_name = t(f"initialization.acts.{view}")
        curves = {t("initialization.act.identity"): (xs, "#9E9E9E", [2, 2]),
                  t("initialization.act.f"): (fn.f(xs), "#0072B2", [1, 0]),
                  t("initialization.act.df"): (fn.df(xs), "#D55E00", [8, 4])}
        if fn.taylor is not None:
            curves[t("initialization.act.taylor", k=order)] = (ci.taylor_eval(view, xs, order), "#009E73", [2, 3])
        chart(charts.activation_chart, xs, curves,
              {"title": t("initialization.act.title", act=view_name), "subtitle": t("initialization.act.subtitle"),
               "x": t("initialization.act.x"), "y": t("initialization.act.y"),
               "series": t("initialization.act.series")})
        if fn.taylor is None:
            st.info(t("initialization.act.no_series", act=view_name), icon=":material/info:")
        zero = np.zeros(1)
        f0 = {k: float(a_.f(zero)[0]) for k, a_ in ci.ACTIVATIONS.items()}
        df0 = {k: float(a_.df(zero)[0]) for k, a_ in ci.ACTIVATIONS.items()}


        def _like(k: str) -> str:
            if ci.ACTIVATIONS[k].taylor is None:
                return t("initialization.act.like_right")
            return t("initialization.act.like_yes") if f0[k] == 0 and df0[k] == 1 else t("initialization.act.like_no")


        series = t("initialization.act.table_series")
        table(flagged_table({t("initialization.act.table_act"): [t(f"initialization.acts.{k}") for k in ci.ACTIVATIONS],
                             series: [f"${a_.taylor_latex}$" for a_ in ci.ACTIVATIONS.values()],
                             t("initialization.act.table_f0"): [number_text(f0[k], 4) for k in ci.ACTIVATIONS],
                             t("initialization.act.table_df0"): [number_text(df0[k], 4) for k in ci.ACTIVATIONS],
                             t("initialization.act.table_like"): [_like(k) for k in ci.ACTIVATIONS]}, raw=(series,)))
        explain(t("initialization.act.explain"))


    activations()
    # 5. Remedies ---------------------------------------------------------------------------------------------
    heading(t("initialization.remedies.heading"))
    explain(t("initialization.remedies.intro"))
    st.markdown(t("initialization.remedies.residual_on" if residual else "initialization.remedies.residual_off"))
    if not clip_on:
        explain(t("initialization.remedies.clip_off"))
    elif not np.isfinite(prop.total_grad_norm):
        st.warning(t("initialization.remedies.clip_nan"), icon=":material/warning:")
    else:
        st.markdown(t("initialization.remedies.clip_on", c=f"{clip_norm:g}", total=number_text(prop.total_grad_norm, 4),
                      coef=number_text(prop.clip_coef, 4)))
    heading(t("initialization.remedies.where_heading"), 3)
    explain(t("initialization.remedies.where"))
    events = []
    if prop.first_inf["forward"] is not None:
        events.append(t("initialization.remedies.run_inf", t=prop.first_inf["forward"]))
    for key, word in (("forward", "fwd_word"), ("backward", "bwd_word")):
        if prop.first_nan[key] is not None:
            events.append(t("initialization.remedies.run_nan", t=prop.first_nan[key],
                            where=t(f"initialization.remedies.{word}")))
            break
    st.markdown(t("initialization.remedies.this_run", text="; ".join(events) or t("initialization.remedies.run_clean")))

    # 6. float16 and loss scaling -------------------------------------------------------------------------------
    heading(t("initialization.fp16.heading"))
    explain(t("initialization.fp16.intro"))
    c1, c2 = st.columns(2)
    c1.button(t("initialization.fp16.example"), on_click=_load_fp16_example, icon=":material/science:")
    if dtype != "float16":
        st.info(t("initialization.fp16.need_fp16", dtype=dtype), icon=":material/info:")
        c2.button(t("initialization.fp16.switch"), on_click=_to_float16, icon=":material/swap_horiz:")
    else:
        s_text = f"{scale:g}"
        series = {t("initialization.fp16.plain"): (prop.plain_grad_norm, COLOURS["plain"], [1, 0])}
        if scale != 1:
            series[t("initialization.fp16.master")] = (prop.master_grad_norm, COLOURS["master"], [8, 4])
            series[t("initialization.fp16.unscaled16")] = (prop.grad_norm, COLOURS["un16"], [2, 3])
        chart(charts.log_layers_chart, layers, series,
              {"title": t("initialization.fp16.title", s=s_text), "subtitle": t("initialization.fp16.subtitle"),
               "y": t("initialization.fp16.y"), **common}, band=ci.HEALTHY)
        if scale == 1:
            st.info(t("initialization.fp16.s_one"), icon=":material/info:")
        else:
            st.markdown(t("initialization.fp16.counts", plain=int(np.sum(prop.plain_grad_norm == 0)), d=depth, s=s_text,
                          master=int(np.sum(prop.master_grad_norm == 0)), un16=int(np.sum(prop.grad_norm == 0))))
            bad = [v for v in (prop.first_inf["backward_scaled"], prop.first_nan["backward_scaled"]) if v is not None]
            if bad:
                st.warning(t("initialization.fp16.overflow", s=s_text, t=max(bad)), icon=":material/warning:")

    draw = ("(rng_w.random((width, width)) - 0.5) * (2 * np.sqrt(3) * sigma)" if init in ci.UNIFORM_SCHEMES
            else "rng_w.standard_normal((width, width)) * sigma")
    reproduce(t, f"""import numpy as np

depth, width, batch, seed = {depth}, {width}, {batch}, {seed}
sigma = {sigma!r}   # σ of the weights ({init})
act = {{"identity": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
       "relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
       "scaled_sigmoid": lambda z: 4 / (1 + np.exp(-z)) - 2}}[{act!r}]
seq_x, seq_w = np.random.SeedSequence(seed).spawn(2)
h = np.random.default_rng(seq_x).standard_normal((batch, width))   # float64; the page also runs float32 and float16
stds = []
with np.errstate(all="ignore"):
    for seq in seq_w.spawn(depth):   # each layer's weights from its own generator
        rng_w = np.random.default_rng(seq)
        W = {draw}
        h = {"h + " if residual else ""}act(h @ W)
        stds.append(float(np.std(h)))
print(" ".join(f"{{s:.3e}}" for s in stds))   # the forward chart's values in float64""")



lab()

"""The frame every page calls first: page config, language, translated navigation.

Pages live in ``pages/`` and are discovered by Streamlit; its built-in sidebar
navigation is switched off (``.streamlit/config.toml``) because it shows file
names, and this frame draws the navigation with translated titles instead. With
no ``st.navigation`` call, a deep link such as ``/softmax?lang=zh`` opened as a
fresh server's first request runs that page directly, and the page runs this frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.i18n import DEFAULT_LANG, LANGS, Translator

__all__ = ["PAGES", "Page", "page_frame", "reproduce", "show_error", "chart"]


@dataclass(frozen=True)
class Page:
    id: str      # string-file section and URL path
    path: str    # file, relative to the app root
    icon: str


HOME = Page("home", "dashboard.py", ":material/home:")
PAGES = (
    Page("softmax", "pages/softmax.py", ":material/calculate:"),
    Page("conditioning", "pages/conditioning.py", ":material/straighten:"),
    Page("saddle", "pages/saddle.py", ":material/landscape:"),
    Page("optimizers", "pages/optimizers.py", ":material/route:"),
    Page("constrained", "pages/constrained.py", ":material/fence:"),
    Page("initialization", "pages/initialization.py", ":material/stacked_line_chart:"),
)
_LANG_NAMES = {"en": "English", "zh": "中文"}


def _browser_lang() -> str:
    locale = (st.context.locale or "").lower()
    return "zh" if locale.startswith("zh") else DEFAULT_LANG


def _resolve_lang() -> tuple[str, str | None]:
    """The session's language: ``?lang=`` wins, then this session's choice, then the browser."""
    state = st.session_state
    raw = st.query_params.get("lang")
    bad = None
    if raw in LANGS:
        lang = raw
    else:
        bad = raw
        lang = state.get("_lang") or _browser_lang()
    state["_lang"] = lang
    if raw != lang:
        st.query_params["lang"] = lang  # a link copied now carries the language
    return lang, bad


def _switch_lang() -> None:
    lang = st.session_state["lang_switch"]
    st.session_state["_lang"] = lang
    st.query_params["lang"] = lang


def page_frame(page_id: str) -> Translator:
    """Set up a page and return its translator. Call first, before any other ``st`` call."""
    lang, bad = _resolve_lang()
    t = Translator(lang)
    page = HOME if page_id == HOME.id else next(p for p in PAGES if p.id == page_id)
    st.set_page_config(page_title=f"{t(page_id + '.title')} · {t('app.name')}", page_icon=page.icon,
                       layout="wide", initial_sidebar_state="expanded")
    with st.sidebar:
        st.session_state["lang_switch"] = lang
        st.segmented_control("Language / 语言", LANGS, format_func=_LANG_NAMES.get, key="lang_switch",
                             on_change=_switch_lang, required=True)
        st.markdown(f"**{t('app.name')}**")
        for p in (HOME, *PAGES):
            st.page_link(p.path, label=t(p.id + ".nav"), icon=p.icon, query_params={"lang": lang})
        st.caption(t("frame.share_hint"))
    if bad is not None:
        st.warning(t("frame.bad_lang", value=str(bad)[:20]), icon=":material/warning:")
    return t


def show_error(t: Translator, key: str, **values) -> None:
    """An inline message in the user's language (never a traceback)."""
    st.error(t(key, **values), icon=":material/error:")


def reproduce(t: Translator, code: str) -> None:
    """The "Reproduce in NumPy" expander every page ends with."""
    with st.expander(t("frame.reproduce"), icon=":material/code:"):
        st.caption(t("frame.reproduce_hint"))
        st.code(code, language="python")


@st.cache_data(max_entries=128, show_spinner=False)
def _spec(_builder, name: str, args: tuple, kwargs: dict) -> dict:
    # Building and validating an Altair chart costs tens of milliseconds; the spec of a chart whose
    # inputs did not change since the last run is reused, so one slider redraws one chart.
    # Validation against the Vega-Lite schema is left to the tests (every builder's spec is validated there);
    # here it would cost as much as building the chart.
    return _builder(*args, **kwargs).to_dict(validate=False)


def chart(builder, *args, **kwargs) -> None:
    """Show ``builder(*args, **kwargs)`` (an Altair chart builder from ``core.charts``) at full width,
    with its own projector-sized styling."""
    spec = _spec(builder, f"{builder.__module__}.{builder.__qualname__}", args, kwargs)
    # A chart with a fixed pixel width (equal axes) keeps it; the rest stretch to the column.
    st.vega_lite_chart(spec, width="content" if isinstance(spec.get("width"), int) else "stretch", theme=None)

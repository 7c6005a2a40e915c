"""The frame every page calls first: page config, language, translated navigation.

Pages live in ``pages/`` and are discovered by Streamlit; its built-in sidebar
navigation is switched off (``.streamlit/config.toml``) because it shows file
names, and this frame draws the navigation with translated titles instead. With
no ``st.navigation`` call, a deep link such as ``/softmax?lang=zh`` opened as a
fresh server's first request runs that page directly, and the page runs this frame.
"""
from __future__ import annotations

import gc
import hashlib
import importlib
import pickle
import pkgutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

import streamlit as st

from core.charts import style
from core.charts.tables import Table
from ui import classroom
from ui.i18n import DEFAULT_LANG, LANGS, Translator


def _freeze_long_lived() -> None:
    """Import every ``core`` module (and with them NumPy, SciPy and SymPy), then leave everything alive now, which
    lives as long as the server, out of Python's full garbage collections (``gc.freeze``). A full collection walks
    every tracked object: it stalled a rerun for about 0.1 s every few dozen reruns (48 reruns of the six pages in
    AppTest: one of 99 ms; frozen: none). Done once per process, on the first page's import; it costs that first
    view about 0.7 s (the imports a later page would have made, and one collection of about 50 ms)."""
    import core
    import core.charts

    for package in (core, core.charts):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    gc.collect()
    gc.freeze()


_freeze_long_lived()

__all__ = ["PAGES", "Page", "page_frame", "reproduce", "show_error", "chart", "explain", "section",
           "heading", "table"]


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
# A Markdown table wider than its column (a dozen numbers) scrolls sideways instead of running off the page, and
# one longer than about a dozen rows (a curve of critical points) scrolls under its header row (the theme is light).
# A number (a right-aligned cell) never breaks across lines, as 3.29549e-⏎06.
_TABLE_CSS = ('<style>[data-testid="stMarkdownContainer"] table '
              "{ display: block; overflow: auto; max-width: 100%; max-height: 30rem; } "
              '[data-testid="stMarkdownContainer"] table thead th '
              "{ position: sticky; top: 0; z-index: 1; background-color: #fff; } "
              '[data-testid="stMarkdownContainer"] td[style*="right"] { white-space: nowrap; }</style>')


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
    bad_view = classroom.resolve_view()
    st.set_page_config(page_title=f"{t(page_id + '.title')} · {t('app.name')}", page_icon=page.icon,
                       layout="wide", initial_sidebar_state="collapsed" if classroom.is_projector() else "expanded")
    classroom.projector_css()
    st.html(_TABLE_CSS)
    st.session_state["_page"] = page_id
    st.session_state["_charts"] = {}  # counts this run's charts (their export menus' keys), per section
    st.session_state["_scope"] = "page"
    with st.sidebar:
        st.session_state["lang_switch"] = lang
        st.segmented_control("Language / 语言", LANGS, format_func=_LANG_NAMES.get, key="lang_switch",
                             on_change=_switch_lang, required=True)
        classroom.view_toggle(t)
        st.markdown(f"**{t('app.name')}**")
        link = {"lang": lang, **({"view": "projector"} if classroom.is_projector() else {})}
        for p in (HOME, *PAGES):
            st.page_link(p.path, label=t(p.id + ".nav"), icon=p.icon, query_params=link)
        st.caption(t("frame.share_hint"))
    if bad is not None:
        st.warning(t("frame.bad_lang", value=str(bad)[:20]), icon=":material/warning:")
    if bad_view is not None:
        st.warning(t("frame.bad_view", value=str(bad_view)[:20]), icon=":material/warning:")
    return t


def section(func):
    """A part of a page that reruns on its own (``st.fragment``): moving a widget inside it reruns only this
    function, so the rest of the page is neither recomputed nor sent again.

    A section may read anything computed before it, but nothing outside it may depend on its widgets: a
    section's rerun does not reach the code after it. Its charts number their export menus within the section.
    A section's static heading and text go before it: inside, they would be sent again on every rerun of it.
    """
    name = func.__name__

    @st.fragment
    @wraps(func)
    def run(*args, **kwargs):
        state = st.session_state
        outer = state.get("_scope", "page")
        state["_scope"] = name
        state.setdefault("_charts", {})[name] = 0
        try:
            return func(*args, **kwargs)
        finally:
            state["_scope"] = outer

    return run


def heading(text: str, level: int = 2, where=st) -> None:
    """A heading in ``where``: level 2 looks like ``st.header``, level 3 like ``st.subheader`` (the same tag, size,
    weight and anchor link), drawn as Markdown because the browser redraws it in a third of the time when its
    section reruns (about 0.5 ms against 1.5 ms per heading, measured with 20 of each)."""
    where.markdown(f"{'#' * level} {text}")


def table(tbl: Table, where=st) -> None:
    """A `core.charts.tables.Table` in ``where``, drawn as Markdown. ``st.dataframe`` cost the browser about 9 ms
    per table on every rerun of its section, and ``st.table`` 12 ms, against about 4 ms for Markdown (measured
    with ten 4×6 tables whose values change); unchanged Markdown costs nothing to redraw."""
    where.markdown(tbl.markdown())


def explain(text: str) -> None:
    """An explanation: shown as text, or folded away in the projector view so the charts fill the screen."""
    if classroom.is_projector():
        with st.expander(Translator(st.session_state.get("_lang", DEFAULT_LANG))("frame.explanation"),
                         icon=":material/menu_book:"):
            st.markdown(text)
    else:
        st.markdown(text)


def show_error(t: Translator, key: str, **values) -> None:
    """An inline message in the user's language (never a traceback)."""
    st.error(t(key, **values), icon=":material/error:")


def reproduce(t: Translator, code: str) -> None:
    """The "Reproduce in NumPy" expander every page ends with."""
    with st.expander(t("frame.reproduce"), icon=":material/code:"):
        st.caption(t("frame.reproduce_hint"))
        st.code(code, language="python")


class _Lru:
    """A thread-safe map shared by every session, the least recently used entries dropped past ``limit``."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value of ``key`` (now the most recently used), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.limit:
                self._items.popitem(last=False)


class _Charts(_Lru):
    """Charts ready to send, ``(spec, bare, arrow)`` by a digest of the builder's inputs.

    Keyed by a digest of the pickled inputs: Streamlit's cache hashing walks every array and dataclass in
    Python and cost about 3 ms per chart per rerun; pickling is C and about 0.1 ms. Equal pickles mean equal
    inputs, so a hit is always right (a dict in another order just misses)."""

    def chart(self, builder, name: str, args: tuple, kwargs: dict, projector: bool) -> tuple[dict, dict, dict]:
        try:
            key = hashlib.blake2b(pickle.dumps((name, args, kwargs, projector), protocol=5), digest_size=20).digest()
        except (pickle.PicklingError, TypeError, AttributeError):  # e.g. a lambda among the inputs
            return _build(builder, args, kwargs, projector)
        value = self.get(key)
        if value is None:
            value = _build(builder, args, kwargs, projector)
            self.put(key, value)
        return value


def _build(builder, args: tuple, kwargs: dict, projector: bool) -> tuple[dict, dict, dict]:
    """A chart ready to send: ``(spec, bare, arrow)``.

    ``spec`` is the whole Vega-Lite spec (its datasets as records; the export menu reads it), ``bare`` the same
    spec without its datasets, ``arrow`` each named dataset that the chart draws as Arrow IPC bytes (a dataset
    only the export reads stays here). Streamlit would otherwise turn the records into a DataFrame and then into
    Arrow on every rerun (most of a page's rerun time). The objects
    are shared between sessions, so they are never changed: ``chart`` sends a new top-level dict.
    Validation against the Vega-Lite schema is left to the tests (every builder's spec is validated there).
    """
    spec = builder(*args, **kwargs).to_dict(validate=False)
    if projector:
        spec = style.projector(spec)
    bare = {k: v for k, v in spec.items() if k != "datasets"}
    drawn = style.drawn_datasets(bare)  # a dataset kept for the CSV export only stays on the server
    arrow = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items() if name in drawn}
    return spec, bare, arrow


def _arrow(rows: list) -> bytes:
    """Records as Arrow IPC bytes, one column per key (in order of first appearance; a missing value is null).
    Straight to Arrow: five times faster than Streamlit's way through a pandas DataFrame (0.5 against 2.5 ms for
    a 61 × 61 heat map), and the same columns without pandas' index metadata, which a chart does not read."""
    import pyarrow as pa
    from streamlit import dataframe_util

    keys = dict.fromkeys(k for row in rows for k in row)
    try:
        columns = pa.table({k: [row.get(k) for row in rows] for k in keys})
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column of mixed kinds: let pandas make it one
        return dataframe_util.convert_anything_to_arrow_bytes(rows)
    return dataframe_util.convert_arrow_table_to_arrow_bytes(columns)


@st.cache_resource(max_entries=1, show_spinner=False)
def _charts() -> _Charts:
    return _Charts(limit=160)


def chart(builder, *args, **kwargs) -> None:
    """Show ``builder(*args, **kwargs)`` (a chart builder from ``core.charts``) at full width, larger in the
    projector view, with a menu to download its data (CSV) and the picture (SVG, PNG)."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    spec, bare, arrow = _charts().chart(builder, name, args, kwargs, classroom.is_projector())
    # A chart with a fixed pixel width (equal axes) keeps it; the rest stretch to the column.
    st.vega_lite_chart({**bare, "datasets": arrow} if arrow else dict(bare),
                       width="content" if isinstance(spec.get("width"), int) else "stretch", theme=None)
    _export(spec)


def _chart_number() -> str:
    """A key for this chart's export menu, unique in the run: charts are counted per section (the page, or one
    ``section`` fragment, which restarts its own count when it reruns alone)."""
    scope = st.session_state.get("_scope", "page")
    counts = st.session_state.setdefault("_charts", {})
    counts[scope] = counts.get(scope, 0) + 1
    return f"{scope}{counts[scope]}"


def _export(spec: dict) -> None:
    """The export menu under a chart. Its buttons are drawn only while it is open (opening it reruns the page),
    so a closed menu costs one small element per chart."""
    t = Translator(st.session_state.get("_lang", DEFAULT_LANG))
    n = _chart_number()
    stem = f"{st.session_state.get('_page', 'chart')}-{n}"
    menu = st.popover(t("frame.export"), icon=":material/download:", key=f"_export_{n}", on_change="rerun")
    if not menu.open:
        return
    with menu:
        st.download_button(t("frame.export_csv"), lambda: _csv(spec), file_name=f"{stem}.csv", mime="text/csv",
                           key=f"_csv{n}", on_click="ignore", icon=":material/table:")
        st.download_button(t("frame.export_svg"), lambda: _image(spec, "svg"), file_name=f"{stem}.svg",
                           mime="image/svg+xml", key=f"_svg{n}", on_click="ignore", icon=":material/image:")
        st.download_button(t("frame.export_png"), lambda: _image(spec, "png"), file_name=f"{stem}.png",
                           mime="image/png", key=f"_png{n}", on_click="ignore", icon=":material/image:")


def _csv(spec: dict) -> bytes:
    # utf-8 with a byte-order mark: Excel then reads the Chinese column names correctly
    return style.export_table(spec).to_csv(index=False).encode("utf-8-sig")


def _image(spec: dict, kind: str) -> bytes | str:
    """The chart drawn by Vega itself on the server (vl-convert, offline), at a fixed width."""
    import vl_convert as vlc

    spec = dict(spec)
    if not isinstance(spec.get("width"), int) and "hconcat" not in spec:
        spec["width"] = 900
    return vlc.vegalite_to_svg(spec) if kind == "svg" else vlc.vegalite_to_png(spec, scale=2)

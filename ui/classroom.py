"""Classroom mode: the projector view, lesson presets, locked widgets, sharing with a QR code, and
predict-then-reveal questions.

Everything a user chooses here lives in their own session state or their URL, never in a module global.
URL parameters: ``view=projector``, ``preset=<id>`` (applied once, then replaced by the preset's ordinary
widget values), ``lock=key1,key2`` (those widgets are shown disabled with their values).
"""
from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable

import streamlit as st

__all__ = ["VIEWS", "is_projector", "resolve_view", "projector_css", "view_toggle", "locked", "enforce_lock",
           "parse_url_value", "apply_link_preset", "preset_picker", "share_panel", "question", "url_value", "qr_png"]

VIEWS = ("normal", "projector")
_PROJECTOR_CSS = """<style>
html { font-size: 22px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>"""


# --- the view ----------------------------------------------------------------------------------------------

def is_projector() -> bool:
    return st.session_state.get("_view") == "projector"


def resolve_view() -> str | None:
    """The session's view from ``?view=``; returns the rejected value of an unknown one (the view falls back)."""
    raw = st.query_params.get("view")
    bad = None
    if raw is None:
        st.session_state.setdefault("_view", "normal")
    elif raw in VIEWS:
        st.session_state["_view"] = raw
    else:
        bad = raw
        st.session_state["_view"] = "normal"
        del st.query_params["view"]
    return bad


def projector_css() -> None:
    """Larger text everywhere in the projector view (charts get their own larger spec)."""
    if is_projector():
        st.html(_PROJECTOR_CSS)


def _switch_view() -> None:
    on = st.session_state["_view_toggle"]
    st.session_state["_view"] = "projector" if on else "normal"
    if on:
        st.query_params["view"] = "projector"
    elif "view" in st.query_params:
        del st.query_params["view"]


def view_toggle(t) -> None:
    st.session_state["_view_toggle"] = is_projector()
    st.toggle(t("frame.projector"), key="_view_toggle", on_change=_switch_view, help=t("frame.projector_help"))


# --- locks -------------------------------------------------------------------------------------------------

def locked() -> set[str]:
    """The widget keys the link locks (``?lock=a,b``)."""
    raw = st.query_params.get("lock", "")
    return {k.strip() for k in raw.split(",") if k.strip()} if raw else set()


def enforce_lock(spec) -> bool:
    """Before a widget is drawn: whether it is locked. A locked widget is drawn disabled and not bound to the URL,
    with the value the link gave it when the session first saw the lock (or its default): later changes of the
    URL, presets and callbacks do not move it (the lock wins)."""
    if spec.key not in locked():
        return False
    kept = st.session_state.setdefault("_locked_values", {})
    if spec.key not in kept:
        kept[spec.key] = parse_url_value(spec, st.query_params.get(spec.key))
    if st.session_state.get(spec.key) != kept[spec.key]:
        st.session_state[spec.key] = kept[spec.key]
    return True


def parse_url_value(spec, raw: str | None):
    """A widget's value from its URL form (`url_value`'s inverse); the default when absent or not accepted."""
    from ui.state import Choice, IntInput, LogSlider, Slider, Toggle, _num

    if raw is None or not spec.valid(raw):
        return spec.default
    if isinstance(spec, Toggle):
        return raw == "true"
    if isinstance(spec, IntInput):
        return int(raw)
    if isinstance(spec, LogSlider):
        return next(o for o in spec.options if _num(o) == raw)
    if isinstance(spec, Slider):
        return int(float(raw)) if isinstance(spec.default, int) and isinstance(spec.step, int) else float(raw)
    if isinstance(spec, Choice):
        return raw if spec.labels else next(o for o in spec.options if spec.show(o) == raw)
    return raw


# --- presets -----------------------------------------------------------------------------------------------

def url_value(spec, value) -> str:
    """How a widget value is written in the URL (the form `ui.state` validates)."""
    from ui.state import Choice, LogSlider, Slider, Toggle, _num

    if isinstance(spec, Toggle):
        return "true" if value else "false"
    if isinstance(spec, Slider | LogSlider):
        return _num(float(value)) if isinstance(value, float) else str(value)
    if isinstance(spec, Choice):
        return value if spec.labels else spec.show(value)
    return str(value)


def apply_link_preset(specs, presets: dict, t) -> None:
    """``?preset=<id>``: set the preset's values before any widget is drawn and run the page again, without the
    parameter: what stays in the address bar is an ordinary share link. Locked keys are left alone."""
    raw = st.query_params.get("preset")
    if raw is None:
        return
    del st.query_params["preset"]
    if raw not in presets:
        st.warning(t("frame.bad_preset", value=raw[:40], accepted=", ".join(presets) or "—"),
                   icon=":material/warning:")
        return
    lock = locked()
    for key, value in presets[raw].items():
        if key not in lock:
            st.session_state[key] = value
    st.rerun()


def _apply_preset(presets: dict, page_id: str) -> None:
    choice = st.session_state.get(f"_preset_{page_id}")
    if choice in presets:
        lock = locked()
        for key, value in presets[choice].items():
            if key not in lock:
                st.session_state[key] = value


def preset_picker(presets: dict, page_id: str, t, where=st) -> None:
    """A select box of the page's lesson presets; picking one sets every widget it names at once."""
    if not presets:
        return
    where.selectbox(t("frame.presets"), list(presets), index=None, key=f"_preset_{page_id}",
                    format_func=lambda p: t(f"{page_id}.lessons.{p}"), placeholder=t("frame.presets_pick"),
                    on_change=_apply_preset, args=(presets, page_id), help=t("frame.presets_help"))


# --- sharing -----------------------------------------------------------------------------------------------

@st.cache_data(max_entries=64, show_spinner=False)
def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of ``text`` as PNG bytes, made locally (segno, no network). Cached: the share panel draws it on
    every rerun, and making it costs ~20 ms."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def share_url(base: str, params: dict) -> str:
    return base + ("?" + urllib.parse.urlencode(params) if params else "")


def share_panel(specs, t, lang: str) -> None:
    """Sidebar: the current view's full link (language, values, view, lock) and a QR code to scan it.

    A menu that is built when opened (opening it reruns the page), so the link always holds the values of the
    moment, also those a section changed in its own rerun, and a closed menu costs nothing."""
    menu = st.sidebar.popover(t("frame.share"), icon=":material/qr_code_2:", key="_share", on_change="rerun",
                              width="stretch")
    if not menu.open:
        return
    with menu:
        labels = {s.key: t(s.label) for s in specs}
        lock = st.multiselect(t("frame.share_lock"), list(labels), default=sorted(locked() & set(labels)),
                              format_func=lambda k: labels[k], key="_share_lock", help=t("frame.share_lock_help"),
                              placeholder=t("frame.share_lock_pick"))
        projector = st.checkbox(t("frame.share_projector"), value=is_projector(), key="_share_projector")
        params = {k: v for k, v in st.query_params.to_dict().items() if k not in ("lock", "view", "preset")}
        params["lang"] = lang
        if projector:
            params["view"] = "projector"
        if lock:
            params["lock"] = ",".join(lock)
        url = share_url(_base_url(), params)
        st.text(url)
        st.image(qr_png(url), caption=t("frame.share_scan"), width="stretch")


def _base_url() -> str:
    url = st.context.url or ""
    return url.split("?", 1)[0]


# --- predict, then reveal ----------------------------------------------------------------------------------

def question(qid: str, t, prompt: str, options: dict, correct: str, explanation: str,
             reveal: Callable[[], None] | None = None) -> bool:
    """A multiple-choice question about what the chart below will show; the chart (``reveal``) stays hidden
    until the student answers, then the answer is checked and explained. ``options``: {id: label}; ``correct``
    is computed by the caller from core. Returns whether it was answered."""
    with st.container(border=True):
        st.markdown(f"**{t('frame.predict')}** {prompt}")
        choice = st.radio(t("frame.predict_pick"), list(options), index=None, key=f"_q_{qid}",
                          format_func=options.get, label_visibility="collapsed")
        if choice is None:
            st.caption(t("frame.predict_hidden"))
            return False
        if choice == correct:
            st.success(t("frame.predict_right", answer=options[correct]), icon=":material/check_circle:")
        else:
            st.error(t("frame.predict_wrong", answer=options[correct]), icon=":material/cancel:")
        st.markdown(explanation)
    if reveal is not None:
        reveal()
    return True

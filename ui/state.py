"""A page's state, declared once: key, kind, default and bounds.

The same declaration draws the widget, binds it to the URL (Streamlit's native
``bind="query-params"``: the key is the parameter name, and a value equal to the
default is left out of the URL, so defaults must stay stable) and validates what
a shared link carries. Labels are translated; option values and their URL form are
language-neutral, so a link made in one language opens the same view in the other.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import streamlit as st

__all__ = ["Slider", "LogSlider", "Choice", "Text", "Toggle", "IntInput", "widget", "check_url"]


def _num(v: float) -> str:
    """How a number appears in the URL and on a log slider (language-neutral)."""
    return f"{v:g}"


@dataclass(frozen=True)
class Slider:
    key: str
    label: str
    min: float
    max: float
    default: float
    step: float
    help: str | None = None
    format: str | None = None

    def valid(self, raw: str) -> bool:
        try:
            v = float(raw)
        except ValueError:
            return False
        return math.isfinite(v) and self.min <= v <= self.max

    def accepted(self) -> str:
        return f"{_num(self.min)} … {_num(self.max)}"


@dataclass(frozen=True)
class IntInput:
    key: str
    label: str
    min: int
    max: int
    default: int
    help: str | None = None

    def valid(self, raw: str) -> bool:
        try:
            v = int(raw)
        except ValueError:
            return False
        return self.min <= v <= self.max

    def accepted(self) -> str:
        return f"{self.min} … {self.max}"


@dataclass(frozen=True)
class LogSlider:
    """A slider over fixed values spaced evenly in log scale."""
    key: str
    label: str
    options: tuple[float, ...]
    default: float
    help: str | None = None

    def valid(self, raw: str) -> bool:
        return raw in {_num(o) for o in self.options}

    def accepted(self) -> str:
        return f"{_num(self.options[0])} … {_num(self.options[-1])}"


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    options: tuple[str, ...]
    default: str
    style: str = "select"  # "select" | "radio" | "segmented"
    help: str | None = None
    # Display names that are the same in every language (such as "float16").
    display: dict[str, str] = field(default_factory=dict)
    # Or: translated display names, looked up as f"{labels}.{option}". Streamlit's URL binding would put the
    # translated label in the URL, so such a choice keeps its stable option id in the URL by hand.
    labels: str | None = None
    # A choice of which part of the page a section shows, one at a time: the benchmark measures a slider in each.
    parts: bool = False

    def show(self, option: str) -> str:
        return self.display.get(option, option)

    def valid(self, raw: str) -> bool:
        return raw in (self.options if self.labels else {self.show(o) for o in self.options})

    def accepted(self) -> str:
        return ", ".join(self.options if self.labels else (self.show(o) for o in self.options))


@dataclass(frozen=True)
class Text:
    key: str
    label: str
    default: str
    max_chars: int
    help: str | None = None
    placeholder: str | None = None

    def valid(self, raw: str) -> bool:
        return len(raw) <= self.max_chars

    def accepted(self) -> str:
        return f"≤ {self.max_chars}"


@dataclass(frozen=True)
class Toggle:
    key: str
    label: str
    default: bool
    help: str | None = None

    def valid(self, raw: str) -> bool:
        return raw in ("true", "false")

    def accepted(self) -> str:
        return "true, false"


def widget(spec, t, where=st, on_change=None, disabled=False):
    """Draw the widget for ``spec`` in ``where`` (``st``, a column, the sidebar) and return its value.

    ``on_change`` runs before the next rerun when the user changes the value (for example to load the
    settings that suit a newly chosen function).
    """
    from ui import classroom

    lock = classroom.enforce_lock(spec)
    return _draw(spec, t, where, on_change, disabled or lock, bind=None if lock else "query-params")


def _draw(spec, t, where, on_change, disabled, bind):
    common = dict(key=spec.key, bind=bind, help=t(spec.help) if spec.help else None,
                  on_change=on_change, disabled=disabled)
    label = t(spec.label)
    if isinstance(spec, Slider):
        return where.slider(label, spec.min, spec.max, spec.default, spec.step, format=spec.format, **common)
    if isinstance(spec, LogSlider):
        return where.select_slider(label, options=spec.options, value=spec.default, format_func=_num, **common)
    if isinstance(spec, IntInput):
        return where.number_input(label, spec.min, spec.max, spec.default, step=1, **common)
    if isinstance(spec, Text):
        return where.text_input(label, spec.default, max_chars=spec.max_chars,
                                placeholder=t(spec.placeholder) if spec.placeholder else None, **common)
    if isinstance(spec, Toggle):
        return where.toggle(label, spec.default, **common)
    if isinstance(spec, Choice) and spec.labels:
        return _translated_choice(spec, t, where, label, common["help"], on_change, disabled, sync=bind is not None)
    if isinstance(spec, Choice):
        index = spec.options.index(spec.default)
        if spec.style == "radio":
            return where.radio(label, spec.options, index, format_func=spec.show, horizontal=True, **common)
        if spec.style == "segmented":
            value = where.segmented_control(label, spec.options, format_func=spec.show,
                                            default=spec.default, required=True, **common)
            return spec.default if value is None else value
        return where.selectbox(label, spec.options, index, format_func=spec.show, **common)
    raise TypeError(f"unknown widget spec {spec!r}")


def _translated_choice(spec: Choice, t, where, label: str, help: str | None, on_change=None, disabled=False,
                       sync: bool = True):
    """A select box (or segmented control) with translated option names whose URL parameter is the option id."""
    state, params = st.session_state, st.query_params
    if spec.key not in state:  # first run of this page in this session: take the link's value
        raw = params.get(spec.key)
        state[spec.key] = raw if raw in spec.options else spec.default
    name = lambda o: t(f"{spec.labels}.{o}")  # noqa: E731
    if spec.style == "segmented":
        value = where.segmented_control(label, spec.options, format_func=name, key=spec.key, required=True,
                                        help=help, on_change=on_change, disabled=disabled)
    else:
        value = where.selectbox(label, spec.options, format_func=name, key=spec.key, help=help,
                                on_change=on_change, disabled=disabled)
    if not sync:
        return value
    if value == spec.default:
        if spec.key in params:
            del params[spec.key]
    elif params.get(spec.key) != value:
        params[spec.key] = value
    return value


def check_url(specs, t, presets: dict | None = None) -> None:
    """Before the widgets are drawn: apply a ``?preset=``, warn about URL values that are malformed or out of
    range (Streamlit then drops such a value and the widget starts from its default) and about lock keys the
    page does not have; put the page's lesson presets and the share panel in the sidebar.
    """
    from ui import classroom

    page = st.session_state.get("_page", "")
    presets = presets or {}
    st.session_state["_presets"] = presets  # this page's presets, for the tests
    classroom.apply_link_preset(specs, presets, t)
    unknown = sorted(classroom.locked() - {s.key for s in specs})
    if unknown:
        st.warning(t("frame.bad_lock", keys=", ".join(k[:20] for k in unknown[:5]),
                     accepted=", ".join(s.key for s in specs)), icon=":material/warning:")
    with st.sidebar:
        classroom.preset_picker(presets, page, t)
    classroom.share_panel(specs, t, t.lang)
    params = st.query_params
    for spec in specs:
        if spec.key in params:
            raw = params[spec.key]
            if not spec.valid(raw):
                st.warning(t("frame.bad_url_value", key=spec.key, value=raw[:60], accepted=spec.accepted()),
                           icon=":material/warning:")

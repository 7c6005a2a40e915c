""""Your own function": a formula box shared by the saddle-point and optimizer pages.

The text is parsed by `core.expressions.parse` (Python's ``ast`` with a whitelist, never eval); a refusal is
shown in the reader's language with what is accepted, and the page goes on with the last formula that worked.
"""
from __future__ import annotations

import streamlit as st

from core import expressions as ex

__all__ = ["DEFAULT", "EXAMPLES", "parsed", "custom_function", "derivative_panel", "undefined_note"]

DEFAULT = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
EXAMPLES = ("x**2 - y**2", "(1 - x*y)**2", "sin(x)*cos(y) + 0.1*(x**2 + y**2)", "log(1 + exp(-x*y))",
            "x**3 - 3*x*y**2", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2")


@st.cache_resource(max_entries=64, show_spinner=False)
def parsed(text: str) -> ex.ParsedFunction:
    # shared by every session: a parsed function is immutable, and the same text always gives the same function
    return ex.parse(text)


def _message(t, err: ex.ExpressionError) -> str:
    params = {k: (f"`{v}`" if k in ("name", "char", "op", "kind") else v) for k, v in err.params.items()}
    if "allowed" in params:
        params["allowed"] = ", ".join(params["allowed"]) if not isinstance(params["allowed"], str) else \
            params["allowed"]
    key = f"expressions.err.{err.code}" if t.has(f"expressions.err.{err.code}") else "expressions.err.other"
    try:
        text = t(key, **params) if params else t(key)
    except (KeyError, IndexError):
        text = t("expressions.err.other")
    return text + "\n\n" + t("expressions.accepted", functions=", ".join(ex.FUNCTIONS_ALLOWED))


def custom_function(text: str, t, state_key: str):
    """The function of ``text``, or (on a refusal) the message shown and the last formula that worked in this
    session (the default formula at first)."""
    try:
        fn = parsed(text)
    except ex.ExpressionError as err:
        st.error(_message(t, err), icon=":material/error:")
        last = st.session_state.get(state_key, DEFAULT)
        st.caption(t("expressions.using_last", formula=last))
        return parsed(last)
    st.session_state[state_key] = text
    return fn


def derivative_panel(fn, t) -> None:
    """f, ∇f and ∇²f of a parsed formula in LaTeX (derived by sympy)."""
    f_tex, g_tex, h_tex = fn.derivative_latex()
    c1, c2, c3 = st.columns([1.2, 1, 1.4])
    c1.markdown(t("expressions.f") + f"\n\n$$f = {f_tex}$$")
    c2.markdown(t("expressions.grad") + f"\n\n$$\\nabla f = {g_tex}$$")
    c3.markdown(t("expressions.hess") + f"\n\n$$\\nabla^2 f = {h_tex}$$")


def undefined_note(Z, t) -> None:
    """Say how much of the map is blank because f is undefined or overflows there."""
    import numpy as np

    bad = float(np.mean(~np.isfinite(Z))) if np.size(Z) else 0.0
    if bad > 0:
        st.info(t("expressions.undefined", share=f"{100 * bad:.0f}"), icon=":material/visibility_off:")

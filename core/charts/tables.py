"""Tables of numbers for display: pandas Stylers that flag inf, nan and exact zeros."""
from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pandas as pd

__all__ = ["number_text", "flagged_table", "latex_matrix"]

_BAD = "background-color: #fde2d4; color: #a4260b; font-weight: 600"   # inf / nan
_ZERO = "background-color: #dcebf7; color: #0b4f8a; font-weight: 600"  # exactly 0 (underflow)


def number_text(v, digits: int = 6) -> str:
    """A number as a student reads it: inf, -inf, nan spelled out; 0 exact; else `digits` significant."""
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def _flag(text: str) -> str:
    if text in ("inf", "-inf", "nan"):
        return _BAD
    return _ZERO if text == "0" else ""


def flagged_table(columns: dict, index=None, digits: int = 6, flag: tuple = ()):
    """A Styler over ``columns`` ({title: values}); numbers become text, and the columns named in
    ``flag`` get inf/nan in orange and exact zeros in blue. Its ``content_key`` is a digest of all of that,
    its ``cell_styles`` the CSS of each flagged cell by (row, column)."""
    data = {name: [v if isinstance(v, str) else number_text(v, digits) for v in values]
            for name, values in columns.items()}
    df = pd.DataFrame(data, index=index)
    cols = [c for c in flag if c in df.columns]
    # The table is fixed by its text and flagged columns: their digest names it (the uuid in its CSS) and lets
    # the page reuse the styling computed for an equal table (``content_key``; see ui.frame._Styles).
    key = hashlib.blake2b(pickle.dumps((data, None if index is None else [str(i) for i in index], cols)),
                          digest_size=12).hexdigest()
    styler = df.style.set_uuid(f"t{key}")
    if cols:
        styler = styler.map(_flag, subset=cols)
    styler.content_key = key
    # the same styling as (row, column) → CSS, for a page that writes the table's CSS itself (ui.frame._Styles)
    positions = [df.columns.get_loc(c) for c in cols]
    styler.cell_styles = {(r, j): css for j, c in zip(positions, cols) for r, text in enumerate(data[c])
                          if (css := _flag(text))}
    return styler


def latex_matrix(A, digits: int = 4) -> str:
    """A matrix as LaTeX ``\\begin{bmatrix}…\\end{bmatrix}`` with ``digits`` significant digits."""
    rows = [" & ".join(number_text(v, digits) for v in row) for row in A]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"

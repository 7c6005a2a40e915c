"""Tables of numbers for display, as Markdown: inf, nan and exact zeros flagged in colour."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["number_text", "Table", "flagged_table", "latex_matrix", "FLAG_MARKUP"]

# Streamlit Markdown's coloured backgrounds (they follow the light or dark theme)
FLAG_MARKUP = {"bad": ":orange-background[:orange[**{}**]]",   # inf / nan
               "zero": ":blue-background[:blue[**{}**]]"}    # exactly 0 (underflow)
_SPECIAL = re.compile(r"([\\|*_`$\[\]~<>#])")
_NUMBER = re.compile(r"^[-+−]?(\d[\d,]*\.?\d*(e[-+]?\d+)?|\.\d+|inf|nan)$")


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


def _flag(text: str) -> str | None:
    if text in ("inf", "-inf", "nan"):
        return "bad"
    return "zero" if text == "0" else None


def _escape(text: str) -> str:
    """Cell text as literal Markdown: no emphasis, link, math or table pipe can come from it. A comma's space does
    not break (a point (x, y) or a list of eigenvalues stays on one line in a narrow column)."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ").replace(", ", ",\u00a0")


@dataclass(frozen=True)
class Table:
    """A table's text: ``columns`` {title: cell texts}, an optional ``index`` (shown as a first, untitled column),
    ``flags`` {(row, title): "bad" | "zero"} and the ``raw`` columns whose cells are Markdown already (formulas)."""

    columns: dict
    index: tuple | None = None
    flags: dict | None = None
    raw: tuple = ()

    def markdown(self) -> str:
        """The table in GitHub Markdown, as ``st.markdown`` draws it: numbers right-aligned, flagged cells
        coloured (``FLAG_MARKUP``)."""
        titles = list(self.columns)
        rows = len(next(iter(self.columns.values()), ()))
        flags = self.flags or {}

        def cell(r: int, title: str) -> str:
            text = self.columns[title][r]
            shown = text if title in self.raw else _escape(text)
            kind = flags.get((r, title))
            return FLAG_MARKUP[kind].format(shown) if kind else shown

        def align(cells) -> str:
            numbers = [c for c in cells if c.strip() != "—"]
            return "---:" if numbers and all(_NUMBER.match(c.strip()) for c in numbers) else ":---"

        head = ([""] if self.index is not None else []) + [_escape(t) for t in titles]
        rule = ([":---"] if self.index is not None else []) + [align(self.columns[t]) for t in titles]
        lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
        for r in range(rows):
            cells = ([_escape(self.index[r])] if self.index is not None else []) + [cell(r, t) for t in titles]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def flagged_table(columns: dict, index=None, digits: int = 6, flag: tuple = (), raw: tuple = ()) -> Table:
    """A `Table` over ``columns`` ({title: values}); numbers become text (`number_text` with ``digits``), and in
    the columns named in ``flag`` inf/nan are flagged "bad" and exact zeros "zero"."""
    data = {str(name): [v if isinstance(v, str) else number_text(v, digits) for v in values]
            for name, values in columns.items()}
    flags = {(r, c): kind for c in flag if c in data for r, text in enumerate(data[c]) if (kind := _flag(text))}
    return Table(data, None if index is None else tuple(str(i) for i in index), flags, tuple(raw))


def latex_matrix(A, digits: int = 4) -> str:
    """A matrix as LaTeX ``\\begin{bmatrix}…\\end{bmatrix}`` with ``digits`` significant digits."""
    rows = [" & ".join(number_text(v, digits) for v in row) for row in A]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"

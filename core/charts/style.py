"""One look for every chart: fonts readable on a projector, colour-blind-safe colours."""
from __future__ import annotations

import re

import altair as alt
import numpy as np

__all__ = ["finish", "style", "thin", "wrap_text", "compact", "attach", "WithData", "FORMAT_COLORS", "METHOD_DASH",
           "WIDTH", "HEIGHT"]

WIDTH = "container"
HEIGHT = 420
# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
FORMAT_COLORS = {"float16": "#D55E00", "bfloat16": "#CC79A7", "float32": "#0072B2", "float64": "#009E73"}
_FONT = "Source Sans Pro, Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"
_PADDING = {"top": 14, "left": 8, "right": 16, "bottom": 8}
METHOD_DASH = {"naive": [6, 4], "stable": [1, 0]}


def wrap_text(text: str, limit: int) -> list[str]:
    """Split a subtitle into lines of at most ``limit`` units (a CJK character counts 2), at spaces where there
    are any: Vega titles do not wrap by themselves and would be cut with an ellipsis."""
    lines, line, size = [], "", 0
    tokens = re.findall(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+", text)
    for tok in tokens:
        w = sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in tok.rstrip())
        if line and size + w > limit:
            lines.append(line.rstrip())
            line, size = "", 0
        line += tok
        size += len(tok) - len(tok.rstrip()) + w
    if line.strip():
        lines.append(line.rstrip())
    return lines


def finish(chart, title: str, subtitle: str | None = None, height: int = HEIGHT, width=WIDTH, wrap: int | None = None):
    """Title, size and large fonts for a chart about to be shown.

    ``wrap``: characters per subtitle line (default: about what fits the chart's width, 100 for a full-width one).
    """
    if subtitle:
        limit = wrap or (max(40, int(width) // 8) if isinstance(width, int) else 100)
        subtitle = wrap_text(subtitle, limit)
    heading = alt.TitleParams(title, subtitle=subtitle or alt.Undefined, anchor="start", fontSize=20,
                              subtitleFontSize=15, subtitleColor="#444")
    # A fixed width means the plot itself is that size (equal axes stay equal); "container" fits the page.
    sizing = {"autosize": alt.AutoSizeParams(type="pad")} if isinstance(width, int) else {}
    return style(chart.properties(title=heading, width=width, height=height, padding=_PADDING, **sizing))


def style(chart):
    """The house fonts, axes and legend, for a chart (or a concatenation) that already has its title and size."""
    return (chart.configure(font=_FONT)  # first: configure() replaces the whole config
            .configure_axis(labelFontSize=14, titleFontSize=16, titleFontWeight="normal", grid=True,
                            gridOpacity=0.5)
            .configure_legend(labelFontSize=14, titleFontSize=15, orient="bottom", symbolSize=160,
                              labelLimit=400)
            .configure_view(strokeWidth=0))


def thin(points: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and rows of a path (or series) with at most ``limit`` rows, first and last kept."""
    idx = np.arange(len(points))
    if len(points) > limit:
        idx = np.unique(np.linspace(0, len(points) - 1, limit).round().astype(int))
    return idx, points[idx]


def compact(values, digits: int = 4) -> np.ndarray:
    """Values rounded to ``digits`` significant digits: the JSON sent to the browser stays short (a float32 would
    be written with 17 digits), and the eye cannot tell the difference on a chart."""
    return np.char.mod(f"%.{digits}g", np.asarray(values, dtype=np.float64)).astype(np.float64)


class WithData:
    """A finished chart whose large datasets are added only to its final spec (see `attach`)."""

    def __init__(self, chart, frames: dict):
        self.chart, self.frames = chart, frames

    def to_dict(self, validate: bool = True) -> dict:
        spec = self.chart.to_dict(validate=validate)
        spec.setdefault("datasets", {}).update({name: df.to_dict("records") for name, df in self.frames.items()})
        return spec


def attach(chart, **frames) -> WithData:
    """The finished chart with these DataFrames as top-level ``datasets``, referred to by name in its layers
    (``alt.Data(name=...)``).

    Altair deep-copies (and validates) a chart's inline data at every layer, parameter and configure step; for
    a map of thousands of cells that costs far more than drawing it. Named data skips all of that.
    """
    return WithData(chart, frames)

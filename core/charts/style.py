"""One look for every chart: fonts readable on a projector, colour-blind-safe colours."""
from __future__ import annotations

import math
import re

import numpy as np

# pandas is imported whole before any chart is built: on a fresh server two sessions import the pages at once, and
# code that looks pandas up in sys.modules (Altair did, when it built these charts) failed on the half-imported
# module ("partially initialized module 'pandas' has no attribute 'Timestamp'"). An import statement waits for
# another thread's import of the same module to finish.
import pandas  # noqa: F401

__all__ = ["framed", "Spec", "q", "nominal", "plain", "records", "records_of",
           "house_config", "thin", "wrap_text", "compact", "drawn_datasets",
           "FORMAT_COLORS", "METHOD_DASH", "WIDTH", "HEIGHT", "projector", "export_table", "PROJECTOR_SCALE"]

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


def _heading(title: str, subtitle: str | None, width, wrap: int | None) -> dict:
    """The title block of every chart; a subtitle wrapped at ``wrap`` units (default: about what fits the
    chart's width, 100 for a full-width one)."""
    heading = {"text": title, "anchor": "start", "fontSize": 20, "subtitleColor": "#444", "subtitleFontSize": 15}
    if subtitle:
        heading["subtitle"] = wrap_text(subtitle, wrap or (max(40, int(width) // 8) if isinstance(width, int)
                                                           else 100))
    return heading


def thin(points: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and rows of a path (or series) with at most ``limit`` rows, first and last kept."""
    idx = np.arange(len(points))
    if len(points) > limit:
        idx = np.unique(np.linspace(0, len(points) - 1, limit).round().astype(int))
    return idx, points[idx]


def compact(values, digits: int = 4) -> np.ndarray:
    """Values rounded to ``digits`` significant digits: the JSON sent to the browser stays short (a float32 would
    be written with 17 digits), and the eye cannot tell the difference on a chart. (One ``%`` formatting of all the
    values at once: half the time of formatting them one by one.)"""
    v = np.asarray(values, dtype=np.float64)
    if not v.size:
        return v.copy()
    flat = v.ravel()
    return np.array((f"%.{digits}g " * flat.size % tuple(flat.tolist())).split(), dtype=np.float64).reshape(v.shape)


def q(field: str, **extra) -> dict:
    """A quantitative encoding of ``field``, for specs written as dicts."""
    return {"field": field, "type": "quantitative", **extra}


def nominal(field: str, **extra) -> dict:
    """A nominal encoding of ``field``, for specs written as dicts."""
    return {"field": field, "type": "nominal", **extra}


def plain(v):
    """A value as plain Python for JSON: numpy scalars unwrapped, nan and ±inf as None (null)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _column(values, n: int) -> list:
    """One column as plain Python values; non-finite floats become None (null), as Altair's sanitizing did."""
    if isinstance(values, str | bool | int | float | np.generic) or values is None:
        return [plain(values)] * n
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        out = arr.astype(np.float64).tolist()
        if not np.isfinite(arr).all():
            out = [v if math.isfinite(v) else None for v in out]
        return out
    if arr.dtype.kind in "iub":
        return arr.tolist()
    return [plain(v) for v in arr.tolist()]


def records(columns: dict | None = None, /, **named) -> list[dict]:
    """Rows (dicts) of a dataset from equal-length columns (arrays, lists, or one scalar for every row), given as
    a dict or as keywords, ready for JSON: plain Python values, nan and ±inf as null."""
    columns = {**(columns or {}), **named}
    sizes = [len(v) for v in columns.values() if not isinstance(v, str | bool | int | float | np.generic)
             and v is not None]
    n = max(sizes, default=1)
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*(_column(columns[k], n) for k in names))]


def records_of(dicts: list) -> list[dict]:
    """Rows from a list of dicts with the keys of all of them (missing ones null, as a DataFrame would have)."""
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    return [{k: plain(d.get(k, np.nan)) for k in keys} for d in dicts]


# --- the projector view and exported data -----------------------------------------------------------------

PROJECTOR_SCALE = 1.5
_FONT_KEYS = ("labelFontSize", "titleFontSize", "fontSize", "subtitleFontSize", "symbolSize")


def _scaled(value, factor: float):
    return round(value * factor, 2) if isinstance(value, int | float) and not isinstance(value, bool) else value


def projector(spec: dict, factor: float = PROJECTOR_SCALE) -> dict:
    """A copy of a Vega-Lite spec for a projector: fonts, line widths and point sizes ``factor`` times larger
    (readable from the back of a room), charts a little taller. The data and the encodings are unchanged."""
    import copy

    out = copy.deepcopy({k: v for k, v in spec.items() if k != "datasets"})
    if "datasets" in spec:
        out["datasets"] = spec["datasets"]  # shared, never modified

    def walk(node, in_config=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "datasets" or key == "data":
                    continue
                if key in _FONT_KEYS and isinstance(value, int | float):
                    node[key] = _scaled(value, factor ** 2 if key == "symbolSize" else factor)
                elif key == "mark" and isinstance(value, dict):
                    for k in ("strokeWidth", "fontSize"):
                        if k in value:
                            value[k] = _scaled(value[k], factor)
                    if "size" in value:
                        value["size"] = _scaled(value["size"], factor ** 2 if value.get("type") != "text" else factor)
                    if value.get("type") == "line" and "strokeWidth" not in value:
                        value["strokeWidth"] = 2 * factor
                    if value.get("type") == "text" and "fontSize" not in value:
                        value["fontSize"] = round(11 * factor)
                elif key == "mark" and value in ("line", "text"):
                    node[key] = {"type": value, **({"strokeWidth": 2 * factor} if value == "line"
                                                    else {"fontSize": round(11 * factor)})}
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(out)  # scales the title's and the config's font sizes too
    for axis in ("axis", "legend", "header"):
        cfg = out.setdefault("config", {}).setdefault(axis, {})
        cfg.setdefault("labelFontSize", round(11 * factor))
        cfg.setdefault("titleFontSize", round(12 * factor))
    if isinstance(out.get("height"), int | float):
        out["height"] = round(out["height"] * 1.2)
    return out


def export_table(spec: dict):
    """The data a chart shows, as one table: every named dataset of the spec, one after the other, with its
    columns renamed to the axis and legend titles they are drawn with (so in the reader's language, with units).

    Returns a pandas DataFrame (empty when the chart has no named data)."""
    import pandas as pd

    titles: dict[str, str] = {}

    def collect(node):
        if isinstance(node, dict):
            enc = node.get("encoding")
            if isinstance(enc, dict):
                for channel in enc.values():
                    if isinstance(channel, dict) and isinstance(channel.get("field"), str):
                        title = channel.get("title")
                        if isinstance(title, str) and title.strip():
                            titles.setdefault(channel["field"], title)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(spec)
    frames = [pd.DataFrame(rows) for name, rows in spec.get("datasets", {}).items() if rows and not _is_picture(name)]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True, sort=False)
    return table.rename(columns={c: titles[c] for c in table.columns if c in titles and titles[c] not in table})


def drawn_datasets(spec: dict) -> set[str]:
    """The names of the spec's datasets that some part of it draws (``"data": {"name": …}``). The rest are there
    for the CSV export only (a map's grid of f, drawn as an image) and need not be sent to the browser."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                names.add(data["name"])
            for key, value in node.items():
                if key != "datasets":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return names


def _is_picture(name: str) -> bool:
    """A dataset that draws a picture, a legend or the axes' extent (a map's bands as an image, their edges, two
    unseen corner points), not data to export: named ``…_image``, ``…_legend`` or ``…_frame``."""
    return name.endswith(("_image", "_legend", "_frame"))


class Spec:
    """A Vega-Lite spec written as a dict (for charts whose Altair construction would cost far more than
    drawing them: Altair deep-copies and validates every piece of a concatenation). ``to_dict(validate=True)``
    checks it against the Vega-Lite schema, as Altair would."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self, validate: bool = True) -> dict:
        if validate:
            from altair.utils.schemapi import validate_jsonschema
            from altair.vegalite.v6.schema.core import load_schema

            validate_jsonschema(self.spec, load_schema())
        return self.spec


def framed(spec: dict, title: str, subtitle: str | None = None, height: int | None = HEIGHT, width=WIDTH,
           wrap: int | None = None) -> Spec:
    """A chart ready to show: its title block, size, padding and the house config around ``spec``.
    ``width`` and ``height`` None: no size at the top (a concatenation sizes its panels)."""
    size = {k: v for k, v in (("width", width), ("height", height)) if v is not None}
    out = {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json", **spec,
           "title": _heading(title, subtitle, width, wrap), **size, "padding": dict(_PADDING),
           "config": house_config()}
    if isinstance(width, int):
        out["autosize"] = {"type": "pad"}
    return Spec(out)


def house_config() -> dict:
    """The ``config`` block of every chart: the house font, large axis and legend text for a projector, legends
    below the plot, no frame around the view (Altair's default view size kept for charts without one)."""
    return _HOUSE_CONFIG


_HOUSE_CONFIG = {
    "view": {"continuousWidth": 300, "continuousHeight": 300, "strokeWidth": 0},
    "axis": {"grid": True, "gridOpacity": 0.5, "labelFontSize": 14, "titleFontSize": 16, "titleFontWeight": "normal"},
    "font": _FONT,
    "legend": {"labelFontSize": 14, "labelLimit": 400, "orient": "bottom", "symbolSize": 160, "titleFontSize": 15},
}

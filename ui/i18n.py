"""UI strings: one TOML file per language, flattened to dotted keys.

The string tables are immutable data shared by every session; which language a
session uses lives in that session's state (see ``ui.frame``), never here.
"""
from __future__ import annotations

import functools
import pathlib
import re
import tomllib

__all__ = ["LANGS", "DEFAULT_LANG", "strings", "Translator", "placeholders"]

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
_DIR = pathlib.Path(__file__).parent / "strings"


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@functools.cache
def strings(lang: str) -> dict[str, str]:
    """All strings of one language as ``{dotted.key: text}``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    with open(_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a string (LaTeX groups such as ``{x_i}`` count too)."""
    return set(_PLACEHOLDER.findall(text))


class Translator:
    """Look up strings of one language: ``t("softmax.title")``, ``t("msg", n=3)``."""

    def __init__(self, lang: str):
        self.lang = lang
        self._table = strings(lang)

    def __call__(self, key: str, /, **values) -> str:
        text = self._table[key]  # a missing key is a bug: tests catch it
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._table

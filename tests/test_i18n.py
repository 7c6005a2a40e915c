"""String files: same keys and placeholders in both languages, and every key the code uses exists."""
import pathlib
import re

import pytest

from ui.frame import HOME, PAGES
from ui.i18n import LANGS, placeholders, strings

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
SECTIONS = ("app", "frame", "home", "functions", "functions1d", "expressions", *(p.id for p in PAGES))
_KEY = re.compile(r"""["']((?:{})\.[A-Za-z0-9_.]+)["']""".format("|".join(SECTIONS)))
_FKEY = re.compile(r"""f["']((?:{})\.[A-Za-z0-9_.]*)\{{""".format("|".join(SECTIONS)))
_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_same_keys_in_every_language():
    en = set(strings("en"))
    for lang in LANGS:
        keys = set(strings(lang))
        assert keys == en, f"{lang}: missing {sorted(en - keys)}, extra {sorted(keys - en)}"


def test_same_placeholders_in_every_language():
    en = strings("en")
    for lang in LANGS:
        table = strings(lang)
        bad = {k: (placeholders(en[k]), placeholders(table[k]))
               for k in en if placeholders(en[k]) != placeholders(table[k])}
        assert not bad, f"{lang}: placeholders differ: {bad}"


def test_every_key_used_in_code_exists():
    en = strings("en")
    used, prefixes = set(), set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        used |= set(_KEY.findall(text))
        prefixes |= set(_FKEY.findall(text))
    for page in (HOME, *PAGES):
        used |= {f"{page.id}.title", f"{page.id}.nav"}
    assert used, "the scan found no keys at all: the pattern is broken"
    missing = sorted(k for k in used if k not in en and not any(e.startswith(k + ".") for e in en))
    assert not missing, f"keys used in code but missing from the string files: {missing}"
    dead = sorted(p for p in prefixes if not any(e.startswith(p) for e in en))
    assert not dead, f"f-string key prefixes with no strings: {dead}"


def test_chinese_strings_are_chinese():
    """A zh string with no Chinese character is an untranslated English one (notation-only keys aside)."""
    en, zh = strings("en"), strings("zh")
    # notation, and method names that are the same in Chinese texts
    notation = {"softmax.current", *(f"optimizers.name.{k}" for k in ("adagrad", "rmsprop", "adam", "bfgs", "lbfgs"))}
    untranslated = [k for k, v in zh.items() if not _CJK.search(v) and k not in notation and v == en[k]
                    and re.search(r"[A-Za-z]{4,}", v)]
    assert not untranslated, f"untranslated: {untranslated}"


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_language_refused(lang):
    with pytest.raises(ValueError):
        strings(lang + "x")

"""Every page in both languages through Streamlit's AppTest: defaults, extremes, URLs, bad input."""
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.frame import PAGES
from ui.i18n import LANGS, strings

TIMEOUT = 60


def open_page(path=None, lang="en", **params):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    if path is None:
        for k, v in params.items():
            at.query_params[k] = v
        return at.run()
    at.run()
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]

def numbers(text: str) -> list[float]:
    """The numbers written in a text, in order."""
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def chart_specs(at) -> list[dict]:
    """Each chart's spec with its datasets (which Streamlit sends separately, as Arrow) put back as records."""
    import pyarrow as pa

    out = []
    for c in at.get("vega_lite_chart"):
        spec = json.loads(c.proto.spec)
        spec.setdefault("datasets", {}).update({d.name: pa.ipc.open_stream(d.data.data).read_pandas().to_dict("records")
                                                for d in c.proto.datasets})
        out.append(spec)
    return out



_FLAGGED = re.compile(r"^:(orange|blue)-background\[:\1\[\*\*(.*)\*\*\]\]$")
_FLAG_NAMES = {"orange": "bad", "blue": "zero"}


def read_table(md: str):
    """A Markdown table (``ui.frame.table``) read back as a DataFrame of its cell texts, the first column the index
    when its title is empty; ``.attrs["flags"]`` holds {(row, column title): "bad" | "zero"}."""
    import pandas as pd

    def cells(line: str) -> list[str]:
        return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]

    def unescape(text: str) -> str:  # a no-break space (after a comma) reads as a space
        return re.sub(r"\\(.)", r"\1", text).replace("\u00a0", " ")

    head, _rule, *body = [cells(line) for line in md.split("\n")]
    flags, rows = {}, []
    for r, row in enumerate(body):
        out = []
        for j, c in enumerate(row):
            m = _FLAGGED.match(c)
            if m:
                flags[(r, j)] = _FLAG_NAMES[m.group(1)]
                c = m.group(2)
            out.append(unescape(c))
        rows.append(out)
    titles = [unescape(h) for h in head]
    has_index = titles[0] == ""
    df = pd.DataFrame([row[1:] if has_index else row for row in rows], columns=titles[1:] if has_index else titles,
                      index=[row[0] for row in rows] if has_index else None)
    df.attrs["flags"] = {(r, titles[j]): kind for (r, j), kind in flags.items()}
    return df


def tables(at) -> list:
    """The page's tables, in order (`read_table`)."""
    return [read_table(m.value) for m in at.markdown if m.value.startswith("| ")]


def headings(at) -> list[str]:
    """The page's section headings (``ui.frame.heading`` draws them as Markdown ``## …`` and ``### …``)."""
    return [m.value.lstrip("#").strip() for m in at.markdown if re.match(r"#{2,3} ", m.value)]


@pytest.mark.parametrize("lang", LANGS)
def test_home_lists_every_page_in_its_language(lang):
    at = open_page(lang=lang)
    no_exception(at)
    table = strings(lang)
    assert at.title[0].value == table["home.heading"]
    shown = [s.value for s in at.subheader]
    for page in PAGES:
        assert any(table[f"{page.id}.title"] in s for s in shown)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_page_runs_with_defaults(page, lang):
    at = open_page(page, lang)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    pid = next(p.id for p in PAGES if p.path == page)
    assert at.title[0].value == strings(lang)[f"{pid}.title"]


def test_two_sessions_keep_their_own_language():
    zh = open_page("pages/softmax.py", "zh")
    en = open_page("pages/softmax.py", "en")
    zh.run()
    assert zh.title[0].value == strings("zh")["softmax.title"]
    assert en.title[0].value == strings("en")["softmax.title"]


def test_language_switch_changes_every_heading():
    at = open_page("pages/softmax.py", "en")
    at.segmented_control(key="lang_switch").set_value("zh").run()
    no_exception(at)
    zh = strings("zh")
    shown = headings(at)
    assert zh["softmax.formats.heading"] in shown and zh["softmax.lab.stable"] in shown


def test_bad_language_in_url_gets_a_notice():
    at = open_page(None, "fr")
    no_exception(at)
    assert any("fr" in w.value for w in at.warning)

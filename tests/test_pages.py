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
    assert zh["softmax.formats.heading"] in shown and zh["softmax.sweep.heading"] in shown


def test_bad_language_in_url_gets_a_notice():
    at = open_page(None, "fr")
    no_exception(at)
    assert any("fr" in w.value for w in at.warning)

"""A real browser against freshly started servers: every page in both languages, its charts, a slider
that redraws a chart, and share links opened as a fresh server's first request.

Data-driven over ``ui.frame.PAGES`` and each page's declared widget specs (its module-level ``STATE``),
so a new page is covered without a new test. Screenshots land in ``test-artifacts/screenshots/``.
"""
import tomllib
from urllib.parse import parse_qs, urlsplit

import pytest

from bench import live
from ui.frame import PAGES
from ui.i18n import LANGS, Translator, strings
from ui.state import Choice, IntInput, LogSlider, Slider, Text

pytestmark = pytest.mark.browser

# Free-text widgets have no generic "other value": what a share link types into them, by page and key.
LINK_TEXT = {
    "softmax": {"logits": "1, 2, 30"},
    "conditioning": {"matrix": "2, 1; 1, 3"},
}
# Choices a link with every choice flipped leaves at their default: flipped together with the others they would leave
# no slider anything to redraw (projected gradient descent, the constrained page's other part, needs the disc).
LINK_KEEP = {
    "constrained": {"kdisc"},
}


with open(live.ROOT / ".streamlit" / "config.toml", "rb") as fh:
    MAX_MESSAGE_BYTES = tomllib.load(fh)["server"]["maxMessageSize"] * 1_000_000


def _open(browser, *urls, **context):
    """New browser sessions on ``urls``, all requested before any is awaited (their servers work side by
    side), each loaded; their websocket messages are logged (``live.received``)."""
    pages = []
    for url in urls:
        ctx = browser.new_context(viewport=live.VIEWPORT, **context)
        ctx.add_init_script(live.WS_LOG)
        pages.append(ctx.new_page())
        pages[-1].goto(url, wait_until="commit")
    for page in pages:
        live.wait_loaded(page)
    return pages[0] if len(pages) == 1 else pages


def _assert_page_drawn(page, page_id, lang, server):
    """No exception box; the page's title and the translated navigation; every chart has SVG marks; no
    message came near the server's message size limit."""
    assert not live.problems(page), f"{page_id} ({lang}): {live.problems(page)}\nserver log:\n{server.log()[-3000:]}"
    assert page.locator("h1").first.inner_text().strip() == strings(lang)[f"{page_id}.title"]
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert all(strings(lang)[f"{p.id}.nav"] in sidebar for p in PAGES), sidebar
    charts = page.locator('[data-testid="stVegaLiteChart"]').count()
    assert charts >= 1, f"{page_id}: no chart drawn"
    assert all(live.fingerprints(page)), f"{page_id}: a chart has no SVG marks"
    largest = max(live.received(page))
    assert largest <= MAX_MESSAGE_BYTES / 2, (
        f"{page_id}: a {largest:,}-byte message leaves less than half of server.maxMessageSize free")


def _link_values(page, specs, flip_choices):
    """Python values and URL values of a share link: every number widget one step off its default; with
    ``flip_choices``, every choice and toggle at another option too; free text from ``LINK_TEXT``."""
    py, url = {}, {}
    for spec in specs:
        if isinstance(spec, Text):
            if spec.key in LINK_TEXT.get(page.id, {}):
                py[spec.key] = url[spec.key] = LINK_TEXT[page.id][spec.key]
            continue
        if not flip_choices and not isinstance(spec, Slider | LogSlider | IntInput):
            continue
        if spec.key in LINK_KEEP.get(page.id, ()):
            continue
        py[spec.key], url[spec.key] = live.other_value(spec)
    return py, url


def _assert_link_values(page, page_id, lang, specs, py, url) -> set[str]:
    """Every widget on the page shows the link's value, or its default where the link leaves it out; a widget
    the link's other settings hide keeps its value in the URL. Returns the keys seen with the link's value."""
    t = Translator(lang)
    text = page.locator('[data-testid="stMain"]').inner_text()
    seen = set()
    for spec in specs:
        if spec.key in py:
            refused = t("frame.bad_url_value", key=spec.key, value=url[spec.key][:60], accepted=spec.accepted())
            assert refused.replace("**", "").replace("`", "") not in text, f"{page_id}: {spec.key} refused"
        widget = live.shown(page, spec.key)
        if widget is None:
            if spec.key in py:
                assert f"{spec.key}=" in page.url, f"{page_id}: {spec.key} hidden and dropped from the URL"
            continue
        want = py.get(spec.key, spec.default)
        assert live.matches(spec, want, widget, lang), (
            f"{page_id} ({lang}): widget {spec.key!r} shows {widget.get('value')!r}, the link says {want!r}")
        if spec.key in py:
            seen.add(spec.key)
    return seen


def _move_slider(page, spec) -> bool:
    """Move a slider one step with the keyboard; after its rerun and the redraw, the URL carries the new value.
    Returns whether a chart now draws something different."""
    thumb = page.locator(f".st-key-{spec.key} input[type=range]")
    at_max = thumb.input_value() == thumb.get_attribute("max")
    page.evaluate(live.CLOCKS)
    before = live.fingerprints(page)
    thumb.focus()
    live.rerun_after(page, lambda: page.keyboard.press("ArrowLeft" if at_max else "ArrowRight"))
    live.settle(page, quiet_ms=800)
    raw = parse_qs(urlsplit(page.url).query).get(spec.key, [None])[0]
    assert live.url_matches(spec, raw, live.shown(page, spec.key)), (spec.key, page.url)
    assert not live.problems(page), live.problems(page)
    return live.fingerprints(page) != before


def _assert_a_slider_redraws_a_chart(page, page_id, specs, first_only):
    """The page's first enabled slider (with ``first_only``), or else the first of its enabled sliders that
    does, moved one step, reruns the script, changes what a chart draws, and puts its value in the URL.
    (A link's choices can make sliders moot, e.g. the ellipse's axes when the matrix is typed in.)"""
    sliders = [s for s in specs if isinstance(s, Slider | LogSlider)
               and (w := live.shown(page, s.key)) and not w.get("disabled")]
    assert sliders, f"{page_id}: no slider is drawn and enabled"
    tried = []
    for spec in sliders[:1] if first_only else sliders:
        tried.append(spec.key)
        if _move_slider(page, spec):
            return
    raise AssertionError(f"{page_id}: moving {tried} changed no chart")


@pytest.mark.parametrize("lang", LANGS)
def test_home_page(app_server, browser, shots_dir, lang):
    page = _open(browser, f"{app_server.url}/?lang={lang}")
    assert not live.problems(page)
    assert page.locator("h1").first.inner_text().strip() == strings(lang)["home.heading"]
    page.screenshot(path=str(shots_dir / f"home-{lang}.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("page_id", [p.id for p in PAGES])
def test_page_in_both_languages_from_a_share_link(fresh_servers, browser, shots_dir, page_id):
    """Each language's view opens from a share link as the first request of its own new server (two servers
    side by side). One link sets every widget off its default (choices and toggles too), the other the
    numbers only, so the default layout shows every number widget; the languages take turns by page.

    In each: no exception, every chart drawn; every widget shows the link's value (or its default); a screenshot;
    then a slider moved one step redraws a chart (in the default layout, the first one). Every widget either
    link sets is seen showing its value in at least one of the two views."""
    page_obj = next(p for p in PAGES if p.id == page_id)
    specs = live.page_specs(page_obj)
    first = LANGS[[p.id for p in PAGES].index(page_id) % len(LANGS)]
    langs = (first, next(lang for lang in LANGS if lang != first))
    links = [_link_values(page_obj, specs, flip) for flip in (True, False)]
    servers = fresh_servers(2)
    pages = _open(browser, *(s.url + live.share_link(page_obj, lang, url)
                             for s, lang, (_, url) in zip(servers, langs, links)))
    seen, linked = set(), set()
    for page, server, lang, (py, url), flipped in zip(pages, servers, langs, links, (True, False)):
        _assert_page_drawn(page, page_id, lang, server)
        seen |= _assert_link_values(page, page_id, lang, specs, py, url)
        linked |= set(py)
        page.screenshot(path=str(shots_dir / f"{page_id}-{lang}.png"), full_page=True)
        _assert_a_slider_redraws_a_chart(page, page_id, specs, first_only=not flipped)
        page.context.close()
    # A page showing one part of a section at a time: the link's values for the parts neither view showed, seen
    # by opening the same link in each of those parts.
    for spec in (s for s in specs if isinstance(s, Choice) and s.parts):
        for part in spec.options:
            if not linked - seen:
                break
            (py, url), lang = links[1], langs[1]
            py, url = {**py, spec.key: part}, {**url, spec.key: part}
            page = _open(browser, servers[1].url + live.share_link(page_obj, lang, url))
            seen |= _assert_link_values(page, page_id, lang, specs, py, url)
            page.context.close()
    assert linked - seen == set(), f"{page_id}: link values never shown: {linked - seen}"


def test_language_switch_and_copied_link_reproduce_the_view(app_url, browser):
    """Switch to 中文 and type logits; the address bar then opens the same view in a new session."""
    page = _open(browser, f"{app_url}/softmax?lang=en")
    live.rerun_after(page, lambda: page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click())
    zh = strings("zh")
    assert "lang=zh" in page.url
    assert page.locator("h1").first.inner_text().strip() == zh["softmax.title"]
    box = page.get_by_role("textbox", name=zh["softmax.logits.label"])
    box.fill("-1000, -1000")
    live.rerun_after(page, lambda: box.press("Enter"))
    assert "logits=" in page.url
    other = _open(browser, page.url)
    assert other.locator("h1").first.inner_text().strip() == zh["softmax.title"]
    assert other.get_by_role("textbox", name=zh["softmax.logits.label"]).input_value() == "-1000, -1000"
    assert not live.problems(other)
    page.context.close()
    other.context.close()


def test_segmented_choice_changes_chart_title_and_url(app_url, browser):
    page = _open(browser, f"{app_url}/softmax?lang=en")
    before = page.locator(".vega-embed").first.inner_html()
    live.rerun_after(page, lambda: page.locator(".st-key-fmt").get_by_text("float64", exact=True).click())
    assert "fmt=float64" in page.url
    page.wait_for_function("(b) => document.querySelector('.vega-embed').innerHTML !== b", arg=before)
    assert strings("en")["softmax.exp.title"].format(fmt="float64") in page.content()
    page.context.close()


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-GB", "en")])
def test_first_visit_follows_the_browser_language(app_url, browser, locale, lang):
    page = _open(browser, f"{app_url}/softmax", locale=locale)
    assert page.locator("h1").first.inner_text().strip() == strings(lang)["softmax.title"]
    assert f"lang={lang}" in page.url
    page.context.close()


def test_race_scrubber_moves_markers_without_a_server_round_trip(app_url, browser):
    """The optimizer race's step slider is a Vega parameter: the chart redraws, and the browser sends the
    server nothing (no rerun)."""
    page = _open(browser, f"{app_url}/optimizers?lang=en")
    title = strings("en")["optimizers.race.map_title"]
    chart = page.locator(".vega-embed").filter(has_text=title).first
    chart.scroll_into_view_if_needed()
    slider = chart.locator('.vega-bindings input[type="range"]')
    assert slider.count() == 1
    before = chart.locator("svg").inner_html()
    sent = page.evaluate("window.__ws.sent.length")
    slider.evaluate("(el) => { el.value = 3; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_timeout(800)
    assert chart.locator("svg").inner_html() != before
    assert page.evaluate("window.__ws.sent.length") == sent, "the scrubber sent a message to the server"
    page.context.close()

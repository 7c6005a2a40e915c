"""A real browser against a freshly started server: deep links, language, widget values, charts."""
import pytest

from ui.frame import PAGES
from ui.i18n import strings

pytestmark = pytest.mark.browser
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_ready(page):
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function('document.querySelectorAll("[data-testid=stSkeleton]").length === 0',
                           timeout=30_000)
    page.wait_for_timeout(500)


def problems(page):
    return page.locator('[data-testid="stException"], [role="dialog"]').all_inner_texts()


def drawn_charts(page):
    """How many Vega charts have drawn marks (SVG paths/shapes or a painted canvas)."""
    return page.evaluate("""() => [...document.querySelectorAll('.vega-embed')].filter(e =>
        e.querySelector('svg .mark-line path, svg .mark-rect path, svg .mark-symbol path, svg .mark-rule line')
        || e.querySelector('canvas')).length""")


def test_deep_link_is_the_first_request(app_url, browser, shots_dir):
    """/softmax?lang=zh&... opened before anything else: the page, its values, Chinese nav, charts."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/softmax?lang=zh&lab_fmt=float16&logits=1%2C+2%2C+30&shift=25")
    wait_ready(page)
    zh = strings("zh")
    assert not problems(page), problems(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert zh["home.nav"] in sidebar and zh["softmax.nav"] in sidebar
    assert page.locator("h1").first.inner_text().strip() == zh["softmax.title"]
    assert page.get_by_role("textbox", name=zh["softmax.logits.label"]).input_value() == "1, 2, 30"
    assert "25" in page.locator('[data-testid="stSlider"]').filter(has_text=zh["softmax.shift.label"]).inner_text()
    assert drawn_charts(page) >= 4
    page.screenshot(path=str(shots_dir / "softmax-zh.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_draw_in_both_languages(app_url, browser, shots_dir, lang):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    for path in ("", *(p.id for p in PAGES)):
        page.goto(f"{app_url}/{path}?lang={lang}")
        wait_ready(page)
        assert not problems(page), (path, problems(page))
        if path:
            charts = page.locator('[data-testid="stVegaLiteChart"]').count()
            assert charts >= 3 and drawn_charts(page) == charts, (path, charts, drawn_charts(page))
        page.screenshot(path=str(shots_dir / f"{path or 'home'}-{lang}-default.png"), full_page=True)
    page.close()


def test_changing_a_widget_changes_chart_and_url(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/softmax?lang=en")
    wait_ready(page)
    en = strings("en")
    before = page.locator(".vega-embed").first.inner_html()
    page.locator('[data-testid="stButtonGroup"]').filter(has_text="bfloat16").first.get_by_text(
        "float64", exact=True).click()
    wait_ready(page)
    assert "fmt=float64" in page.url
    assert page.locator(".vega-embed").first.inner_html() != before
    assert en["softmax.exp.title"].format(fmt="float64") in page.content()
    page.close()


def test_language_switch_and_copied_link_reproduce_the_view(app_url, browser):
    """Switch to 中文 and change a widget; the address bar then opens the same view in a new session."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/softmax?lang=en")
    wait_ready(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click()
    wait_ready(page)
    zh = strings("zh")
    assert "lang=zh" in page.url
    assert page.locator("h1").first.inner_text().strip() == zh["softmax.title"]
    box = page.get_by_role("textbox", name=zh["softmax.logits.label"])
    box.fill("-1000, -1000")
    box.press("Enter")
    wait_ready(page)
    assert "logits=" in page.url
    copied = page.url
    other = browser.new_context().new_page()
    other.set_viewport_size({"width": 1400, "height": 1000})
    other.goto(copied)
    wait_ready(other)
    assert other.locator("h1").first.inner_text().strip() == zh["softmax.title"]
    assert other.get_by_role("textbox", name=zh["softmax.logits.label"]).input_value() == "-1000, -1000"
    assert not problems(other)
    page.close()
    other.close()


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-GB", "en")])
def test_first_visit_follows_the_browser_language(app_url, browser, locale, lang):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{app_url}/softmax")
    wait_ready(page)
    assert page.locator("h1").first.inner_text().strip() == strings(lang)["softmax.title"]
    assert f"lang={lang}" in page.url
    context.close()


def test_race_scrubber_moves_markers_without_a_server_round_trip(app_url, browser):
    """The optimizer race's step slider is a Vega parameter: the chart redraws, the script never reruns."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/optimizers?lang=en")
    wait_ready(page)
    title = strings("en")["optimizers.race.map_title"]
    chart = page.locator(".vega-embed").filter(has_text=title).first
    chart.scroll_into_view_if_needed()
    slider = chart.locator('.vega-bindings input[type="range"]')
    assert slider.count() == 1
    before = chart.locator("svg").inner_html()
    page.evaluate("""() => { window.__reruns = 0; new MutationObserver(() => {
        if (document.querySelector('[data-testid="stApp"]').dataset.testScriptState === 'running') window.__reruns++;
        }).observe(document.querySelector('[data-testid="stApp"]'), {attributes: true}); }""")
    slider.evaluate("(el) => { el.value = 3; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_timeout(800)
    assert chart.locator("svg").inner_html() != before
    assert page.evaluate("window.__reruns") == 0
    page.close()

"""Accessible to every student (WCAG 2.1 AA), in real Chromium: axe-core on every view, the
map by keyboard alone, what a screen reader is told, reduced motion, reflow at 320 px.

axe-core's own script ships inside axe-playwright-python (no network).
"""

import pytest

from tests import browser

TIMEOUT = 90_000
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Violations inside Streamlit that the app cannot fix, with their upstream issue. Empty: none
# are left on the views below (captions' faded opacity and the segmented control's grey are
# overridden in explorer/style.py).
EXPECTED_IN_STREAMLIT: set[str] = set()
VIEWS = {
    "explore": ("", browser.MAP, {}),
    "a chosen digit": ("?digit=42", browser.MAP, {}),
    "a chosen empty point": ("?z=2,-1", browser.MAP, {}),
    "a path": ("?path=-1.5,1.5;1.5,-1.5", browser.MAP, {}),
    "compare": ("?view=compare", "compare_map_0", {}),
    "the board": ("?view=board", "board_map", {}),
    "the projector": ("?present=1", browser.MAP, {}),
    "a phone": ("", browser.MAP, {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
    "a 16-D model, a digit chosen": ("?model=mnist-vae-16&digit=42", browser.MAP, {}),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("a11y-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache)}) as url:
        yield url


def open_page(chromium, url, key=browser.MAP, **context):
    context = {"viewport": {"width": 1400, "height": 950}, **context}
    page = chromium.new_context(**context).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    browser.wait_for_map(page, key)
    browser.wait_until_idle(page)
    return page


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=WCAG_AA).response
    return [
        f"{v['id']}: {node['target']} {node.get('failureSummary', '')}"
        for v in result["violations"]
        if v["id"] not in EXPECTED_IN_STREAMLIT
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_nothing(chromium, server, view):
    query, key, context = VIEWS[view]
    page = open_page(chromium, f"{server}/{query}", key, **context)
    try:
        page.wait_for_timeout(1500)  # the live parts (the board's poll, the decoder) settled
        browser.wait_until_idle(page)
        assert violations(page) == []
    finally:
        page.context.close()


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.textContent || '')"
        ".trim().slice(0, 60) + ' <' + e.className + '>'; }"
    )


def tab_to(page, test_js: str, limit: int = 120) -> None:
    """Press Tab until the focused element passes `test_js` (a function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({test_js})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached it; last focused: {focused(page)}")


MAP_PLOT = "(e) => e.classList.contains('vae-map-plot') && !!e.closest('.st-key-latent_map')"


def test_the_map_by_keyboard_alone(chromium, server):
    page = open_page(chromium, server)
    try:
        # The plot itself is one tab stop, named and described, not a button.
        tab_to(page, MAP_PLOT)
        role = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('role')]")
        assert role == ["DIV", "application"]
        assert "Latent map of mnist-vae" in focused(page)
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        # Arrows and Enter decode a point: the decoded panel's heading changes.
        before = page.evaluate(browser.HEADINGS_JS)
        for key in ("ArrowRight", "ArrowUp", "Enter"):
            page.keyboard.press(key)
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        # The live region said it, and the focus stayed on the map.
        page.wait_for_function(
            f"() => ({browser.plot()}).announced.includes('Decoded z =') || ({browser.plot()}).announced.includes('Test digit')"
        )
        assert page.evaluate(f"() => ({MAP_PLOT})(document.activeElement)")
        status = page.locator(f".st-key-{browser.MAP} .vae-map-status")
        assert status.get_attribute("aria-live") == "polite" and status.get_attribute("role") == "status"
        # "Add to path" by keyboard: leave the map, reach the segmented control, pick it.
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Tab")
        # A radio group is one tab stop; its arrow keys choose (WAI-ARIA radio group).
        tab_to(page, "(e) => e.getAttribute('role') === 'radio' && e.closest('[aria-label=\"A click on the map\"]')")
        page.keyboard.press("ArrowRight")
        if "Add to path" not in focused(page):
            page.keyboard.press("Tab")  # where arrows do not move within the group, Tab does
        assert "Add to path" in focused(page)
        page.keyboard.press("Space")
        page.wait_for_function(
            "() => document.querySelector('[role=radio][aria-checked=true]')?.textContent === 'Add to path'"
        )
        browser.wait_until_idle(page)
        tab_to(page, MAP_PLOT)
        for steps in (("ArrowLeft",) * 6, ("Shift+ArrowDown",) * 2, ("Shift+ArrowRight",) * 2):
            for key in steps:
                page.keyboard.press(key)
            before = page.evaluate(f"() => ({browser.plot()}).traces.filter(t => t.name === 'waypoints').length")
            page.keyboard.press("Enter")
            browser.wait_until_idle(page)
        page.wait_for_function(
            f"() => ({browser.plot()}).traces.some(t => t.name === 'waypoints' && t.x.length === 3)", timeout=20_000
        )
        page.wait_for_function(f"() => ({browser.plot()}).announced.includes('Path of 3 points')", timeout=20_000)
        # Zoom and reset by keys.
        tab_to(page, MAP_PLOT)
        span = page.evaluate(f"() => {browser.plot()}.geometry().x")
        page.keyboard.press("+")
        zoomed = page.evaluate(f"() => {browser.plot()}.geometry().x")
        assert zoomed[1] - zoomed[0] < span[1] - span[0]
        page.keyboard.press("0")
        assert page.evaluate(f"() => {browser.plot()}.geometry().x") == pytest.approx(span)
    finally:
        page.context.close()


def test_a_digit_and_its_posterior_by_keyboard_then_compare(chromium, server):
    page = open_page(chromium, server)
    try:
        # The crosshair starts at the map's centre; walk it onto a test digit's mean.
        x, y, index = page.evaluate(browser.data_point_js(), ["1", 0])
        tab_to(page, MAP_PLOT)
        for _ in range(60):
            cross = next(m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "crosshair")
            step = page.evaluate(f"() => {{ const g = {browser.plot()}.geometry(); return (g.x[1] - g.x[0]) / 40; }}")
            if abs(cross["x"] - x) <= step / 2 and abs(cross["y"] - y) <= step / 2:
                break
            key = "ArrowRight" if x - cross["x"] > step / 2 else "ArrowLeft" if cross["x"] - x > step / 2 else None
            key = key or ("ArrowUp" if y > cross["y"] else "ArrowDown")
            page.keyboard.press(key)
        before = page.evaluate(browser.HEADINGS_JS)
        page.keyboard.press("Enter")
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        assert page.locator("h3", has_text="Test #").count() >= 1
        assert page.get_by_text("What the encoder said").is_visible()
        alts = page.evaluate("() => [...document.querySelectorAll('[data-testid=stImage] img')].map(i => i.alt)")
        assert any("decoded at z = (" in alt and "nearest test digits" in alt for alt in alts)
        assert any("q(z|x)" in alt for alt in alts) and all(alts)
        # The sidebar's view switch, by keyboard.
        page.keyboard.press("Escape")
        tab_to(
            page, "(e) => e.type === 'radio' && e.closest('[role=radiogroup]')?.textContent.includes('Compare')", 200
        )
        page.keyboard.press("ArrowDown")
        browser.wait_for_map(page, "compare_map_0")
        assert page.locator("h1", has_text="Autoencoder vs VAE").is_visible()
    finally:
        page.context.close()


def test_the_map_as_a_table(chromium, server):
    page = open_page(chromium, f"{server}/?path=-1.5,1.5;1.5,-1.5")
    try:
        tab_to(page, "(e) => e.tagName === 'SUMMARY' && e.textContent.includes('The map as a table')")
        page.keyboard.press("Enter")
        table = page.locator("table").filter(has_text="centre").first
        table.wait_for()
        assert table.locator("tbody tr").count() == 10
        assert page.get_by_text("The path:", exact=True).is_visible()
        assert page.locator("table").filter(has_text="waypoint").locator("tbody tr").count() == 2
    finally:
        page.context.close()


def test_reduced_motion_stops_the_pages_animations_and_the_replays_play_button(chromium, server):
    page = open_page(chromium, server, reduced_motion="reduce")
    try:
        assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
        durations = page.evaluate(
            """() => { const probe = document.createElement('div');
                 probe.style.animation = 'spin 2s infinite'; probe.style.transition = 'opacity 1s';
                 document.body.appendChild(probe); const s = getComputedStyle(probe);
                 const out = [s.animationDuration, s.animationIterationCount, s.transitionDuration];
                 probe.remove(); return out; }"""
        )
        assert durations == ["1e-05s", "1", "1e-05s"]
        # The replay of training has no play button; its slider steps through the epochs.
        page.get_by_role("tab", name="Replay training").click()
        chart = page.locator(".st-key-replay .js-plotly-plot")
        chart.wait_for()
        page.wait_for_function("() => !!document.querySelector('.st-key-replay .slider-container')")
        assert not page.locator(".st-key-replay .updatemenu-container").is_visible()
        assert page.locator(".st-key-replay .slider-container").is_visible()
    finally:
        page.context.close()
    # Without the preference, the play button is there.
    page = open_page(chromium, server)
    try:
        page.get_by_role("tab", name="Replay training").click()
        page.locator(".st-key-replay .updatemenu-container").first.wait_for(state="visible")
    finally:
        page.context.close()


def test_reflow_at_320_css_pixels(chromium, server):
    page = open_page(chromium, server, viewport={"width": 320, "height": 640})
    try:
        sideways = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
        assert sideways <= 0
        box = browser.plot_box(page)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        # Still usable: a tap decodes.
        browser.click_and_wait(page, box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.1)
    finally:
        page.context.close()

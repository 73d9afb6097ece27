"""Training from the sidebar in Chromium: the map forms live, the page stays usable, the
selector follows, the replay is there afterwards; and a training stopped early is kept."""

import re
import time
from pathlib import Path

import pytest

from tests import browser

TIMEOUT = 120_000


@pytest.fixture(scope="module")
def server(tmp_path_factory, idx_folder):
    cache = tmp_path_factory.mktemp("training-cache")
    env = {"VAE_CACHE_DIR": str(cache), "VAE_DATA_DIR": str(idx_folder.parent)}
    with browser.streamlit_server(env) as url:
        yield url


@pytest.fixture
def page(chromium, server):
    page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    yield page
    page.context.close()


def start_training(page, epochs: int, more_images: int = 0) -> None:
    page.get_by_text("Train a new model").click()
    slider = page.get_by_role("slider", name="Epochs")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(epochs - 1):
        page.keyboard.press("ArrowRight")
    page.get_by_role("slider", name="Training images").focus()
    page.keyboard.press("Home")  # 1,000 images
    for _ in range(more_images):
        page.keyboard.press("ArrowRight")  # 5,000, 20,000, ...
    page.get_by_role("button", name="Train", exact=True).click()
    page.locator("[data-testid='stProgress']").first.wait_for()


TITLE_JS = (
    "() => { const gd = document.querySelector('.st-key-training-map .js-plotly-plot');"
    " return gd && gd.layout && gd.layout.title ? gd.layout.title.text : null; }"
)


def test_a_short_training_forms_its_map_live_while_clicks_still_decode(page):
    start_training(page, 3)
    titles, click_ms = set(), []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and page.get_by_text(re.compile(r"Now showing \*?\*?mnist-dense")).count() == 0:
        title = page.evaluate(TITLE_JS)
        if title:
            titles.add(title)
        if len(click_ms) < 3 and titles:
            box = browser.plot_box(page)  # the training panel above has pushed the map down
            started = time.monotonic()
            browser.click_and_wait(
                page,
                box["x"] + box["width"] * (0.85 + 0.03 * len(click_ms)),
                box["y"] + box["height"] * 0.1,
                timeout_ms=5000,
            )
            click_ms.append((time.monotonic() - started) * 1000)
        page.wait_for_timeout(200)
    assert len(titles) >= 2, titles  # the map was redrawn as the epochs went by
    assert click_ms and max(click_ms) < 1000, click_ms
    page.get_by_text(re.compile("Now showing")).first.wait_for()
    selected = page.get_by_role("combobox", name="Model").input_value()
    assert "mnist-dense" in selected  # the selector shows the model in use
    page.get_by_role("tab", name="Replay training").click()
    page.locator(".st-key-replay .js-plotly-plot").wait_for()
    assert page.evaluate("() => document.querySelector('.st-key-replay .js-plotly-plot')._transitionData !== undefined")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the replay (GIF)").click()
    assert Path(download.value.path()).read_bytes()[:6] == b"GIF89a"


def test_stop_keeps_what_was_learned(page):
    start_training(page, 50, more_images=1)  # 5,000 images: about a second an epoch, a minute in all
    page.wait_for_function(f"() => /after [1-9]/.test(({TITLE_JS})() || '')", timeout=TIMEOUT)
    page.get_by_role("button", name="Pause").click()
    page.get_by_text("Paused").first.wait_for()
    page.get_by_role("button", name="Resume").click()
    page.get_by_role("button", name="Stop and keep the model").click()
    page.get_by_text(re.compile("stopped early")).first.wait_for(timeout=TIMEOUT)
    selected = page.get_by_role("combobox", name="Model").input_value()
    assert "stopped-at" in selected

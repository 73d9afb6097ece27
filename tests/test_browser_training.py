"""Training from the sidebar in Chromium: the map forms live, the page stays usable, the
selector follows, the replay is there afterwards; and a training stopped early is kept."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import browser

TIMEOUT = 120_000
# They train while they time clicks: with no other test beside them (tests/conftest.py).
pytestmark = pytest.mark.alone


@pytest.fixture(scope="module")
def server(tmp_path_factory, idx_folder):
    cache = tmp_path_factory.mktemp("training-cache")
    # One training at a time (as on a 2-core machine by default): a second one waits in line.
    env = {"VAE_CACHE_DIR": str(cache), "VAE_DATA_DIR": str(idx_folder.parent), "VAE_MAX_TRAININGS": "1"}
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


def start_training(
    page, epochs: int, more_images: int = 0, seed: int | None = None, waits: bool = False, latent_steps: int = 0
) -> None:
    slider = page.get_by_role("slider", name="Epochs")
    if not slider.is_visible():  # the form opens by itself for a dataset with no model yet
        page.get_by_text("Train a new model").click()
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(epochs - 1):
        page.keyboard.press("ArrowRight")
    if latent_steps:
        page.get_by_role("slider", name="Latent dimensions").focus()
        page.keyboard.press("Home")  # 2
        for _ in range(latent_steps):
            page.keyboard.press("ArrowRight")  # 4, 8, 16, ...
    page.get_by_role("slider", name="Training images").focus()
    page.keyboard.press("Home")  # 1,000 images
    for _ in range(more_images):
        page.keyboard.press("ArrowRight")  # 5,000, 20,000, ...
    if seed is not None:
        page.get_by_role("spinbutton", name="Seed (same seed, same run)").fill(str(seed))
    page.get_by_role("button", name="Train", exact=True).click()
    if not waits:
        page.locator("[data-testid='stProgress']").first.wait_for()


TITLE_JS = (
    "() => { const gd = document.querySelector('.st-key-training-map .js-plotly-plot');"
    " return gd && gd.layout && gd.layout.title ? gd.layout.title.text : null; }"
)


# The live map's titles as a person reads them, every 50 ms in the page itself (a click below
# takes a second or more, and on a fast machine a short training's epochs go by in less). The
# tags go: Streamlit's Plotly theme wraps a title in <b> once or twice, one epoch's two strings.
WATCH_TITLES_JS = (
    f"() => {{ const read = {TITLE_JS}; window.__titles = [];"
    " setInterval(() => { const t = (read() || '').replace(/<[^>]*>/g, '');"
    " if (t && !window.__titles.includes(t)) { window.__titles.push(t); } }, 50); }"
)


def test_a_short_training_forms_its_map_live_while_clicks_still_decode(page):
    page.evaluate(WATCH_TITLES_JS)
    # 5,000 images for 8 epochs: several seconds even on a fast machine, so that the page's
    # poll (each second) shows the map after more than one epoch.
    start_training(page, 8, more_images=1)
    clicks = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and page.get_by_text(re.compile(r"Now showing \*?\*?mnist-dense")).count() == 0:
        if clicks < 3 and page.evaluate(TITLE_JS):
            box = browser.plot_box(page)  # the training panel above has pushed the map down
            browser.click_and_wait(  # raises unless the click decodes; its time is bench.load --trainers 8's
                page,
                box["x"] + box["width"] * (0.85 + 0.03 * clicks),
                box["y"] + box["height"] * 0.1,
                timeout_ms=5000,
            )
            clicks += 1
        page.wait_for_timeout(200)
    titles = page.evaluate("() => window.__titles")
    assert len(titles) >= 2, titles  # the map was redrawn as the epochs went by
    assert clicks, "no click was tried while the map formed"
    page.get_by_text(re.compile("Now showing")).first.wait_for()
    # The selector shows the model in use: the sidebar comes last in the run (app.py), so on a
    # loaded machine a moment after the main area's "Now showing" (a loaded CI run read it before).
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile("mnist-dense"), timeout=30_000)
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
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile("stopped-at"), timeout=30_000)


def test_a_second_training_waits_in_line_with_its_place_then_trains(chromium, server):
    first, second = (chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page() for _ in range(2))
    try:
        for page in (first, second):
            page.set_default_timeout(TIMEOUT)
            page.goto(server)
            browser.wait_for_map(page)
            browser.wait_until_idle(page)
        start_training(first, 30, more_images=1, seed=11)  # about half a minute
        start_training(second, 2, seed=12, waits=True)
        second.get_by_text(re.compile(r"Waiting in line.*place 1 of 1, about \d+ min")).wait_for()
        assert second.locator("[data-testid='stProgress']").count() == 0
        # A third page presses Train too, then leaves the line: its place is freed.
        third = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
        third.set_default_timeout(TIMEOUT)
        third.goto(server)
        browser.wait_for_map(third)
        start_training(third, 2, seed=13, waits=True)
        third.get_by_text(re.compile(r"place 2 of 2")).first.wait_for()
        third.get_by_role("button", name="Leave the line").click()
        third.get_by_text(re.compile("Waiting in line")).first.wait_for(state="detached")
        third.context.close()
        # Exploring still works while waiting: a click decodes.
        box = browser.plot_box(second)
        browser.click_and_wait(second, box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9, timeout_ms=5000)
        first.get_by_role("button", name="Stop and keep the model").click()
        # The first one ends; the second leaves the line and trains, then its model shows.
        second.locator("[data-testid='stProgress']").first.wait_for(timeout=TIMEOUT)
        second.get_by_text(re.compile("Now showing")).first.wait_for(timeout=TIMEOUT)
    finally:
        for page in (first, second):
            page.context.close()


AXIS_JS = (
    "() => { const gd = document.querySelector('.st-key-training-map .js-plotly-plot');"
    " return gd && gd.layout && gd.layout.xaxis && gd.layout.xaxis.title ? gd.layout.xaxis.title.text : null; }"
)


def test_a_16d_model_trained_here_forms_on_each_epochs_pca_plane_and_opens_on_its_plane(page):
    start_training(page, 3, latent_steps=3)  # 16 latent dimensions, 1,000 images
    page.wait_for_function(f"() => ({AXIS_JS})() && ({AXIS_JS})().startsWith('PC1')", timeout=TIMEOUT)
    page.get_by_text(re.compile("Now showing")).first.wait_for(timeout=240_000)
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile("mnist-dense"), timeout=30_000)
    browser.wait_for_map(page)
    page.wait_for_function("() => document.querySelector('.vae-map').dataset.view === 'pca'")
    page.get_by_text("The map is a plane through the 16-D latent space").wait_for()


@pytest.fixture(scope="module")
def full_server(tmp_path_factory):
    """A server with the 60,000 MNIST training images: an epoch of the class recipe is 235 steps."""
    from tests.conftest import NEEDS_TRAINING_SET, SHARED_MNIST

    if not SHARED_MNIST.is_dir():
        pytest.skip(NEEDS_TRAINING_SET)
    cache = tmp_path_factory.mktemp("class-recipe-cache")
    env = {
        "VAE_CACHE_DIR": str(cache),
        "VAE_DATA_DIR": str(SHARED_MNIST.parent),
        "VAE_WARM_TRAINER": "1",
        "VAE_WARM_AFTER_S": "0",
    }
    with browser.streamlit_server(env) as url:
        yield url, cache


def test_the_class_recipe_shows_its_map_before_the_first_epoch_ends_and_is_kept_with_the_model(chromium, full_server):
    url, cache = full_server
    page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(url)
        browser.wait_for_map(page)
        browser.wait_until_idle(page)
        page.evaluate(WATCH_TITLES_JS)
        page.wait_for_timeout(15_000)  # the teacher introduces the map; a trainer warms up meanwhile
        page.get_by_text("Train a new model").click()
        # The form's default recipe is the class's; one epoch of it on the 60,000 images.
        expect(page.get_by_text("For class: a map in about a minute", exact=True)).to_be_visible()
        slider = page.get_by_role("slider", name="Epochs")
        expect(slider).to_have_attribute("aria-valuetext", "6")
        slider.focus()
        page.keyboard.press("Home")
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text(re.compile("Now showing")).first.wait_for(timeout=240_000)
        titles = page.evaluate("() => window.__titles")
        fractions = [float(m.group(1)) for t in titles if (m := re.search(r"after ([\d.]+) epoch", t))]
        assert any(0 < f < 1 for f in fractions), titles  # a live map inside the first epoch
        configs = [path for path in Path(cache).rglob("config.json") if not path.parent.name.startswith(".")]
        assert len(configs) == 1
        text = configs[0].read_text()
        assert '"batch_size": 256' in text and '"learning_rate": 0.003' in text and '"warmup_epochs": 0.5' in text
    finally:
        page.context.close()

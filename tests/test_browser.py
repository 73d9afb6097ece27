"""What a person sees and clicks: the real app in Debian's Chromium (Playwright)."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from tests import browser
from tests.conftest import SHARED_MNIST

TIMEOUT = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("app-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache), "VAE_DATA_DIR": str(SHARED_MNIST)}) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        instance = browser.launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    yield page
    context.close()


def decoded_heading(page):
    return page.locator("h3", has_text="Decoded z =")


def test_map_shows_the_ten_thousand_test_digits(page):
    assert page.evaluate(browser.MAP_POINTS_JS) == 10000
    legend = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot .legendtext')]"
                           ".map(element => element.textContent)")
    assert [str(d) for d in range(10)] == legend[:10]
    assert page.get_by_text("test NELBO").first.is_visible()


def test_click_on_empty_space_decodes_where_it_was_clicked(page):
    drag = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    # The top-right corner of the map is empty latent space for any trained VAE.
    px, py = drag["x"] + drag["width"] * 0.92, drag["y"] + drag["height"] * 0.08
    clicked_x, clicked_y, width, height = page.evaluate(browser.TO_LATENT_JS, [px, py])
    page.mouse.click(px, py)
    heading = decoded_heading(page)
    heading.wait_for()
    text = heading.inner_text()
    z = [float(v) for v in text.split("(")[1].rstrip(")").split(",")]
    assert abs(z[0] - clicked_x) < 0.02 * width and abs(z[1] - clicked_y) < 0.02 * height
    image = page.locator("[data-testid='stImage'] img").first
    image.wait_for()
    assert image.bounding_box()["width"] >= 250  # large enough for a projector


def test_click_on_a_data_point_shows_original_and_reconstruction(page):
    x, y, index = page.evaluate(browser.DATA_POINT_JS, ["1", 3])
    px, py = page.evaluate(browser.TO_PAGE_JS, [x, y])
    page.mouse.click(px, py)
    heading = page.locator("h3", has_text="Test #")
    heading.wait_for()
    assert page.get_by_text("original").first.is_visible()
    assert page.get_by_text("decoded at its mean").first.is_visible()


def digit_png(mnist_digit) -> bytes:
    picture = Image.fromarray(((1 - mnist_digit) * 255).astype(np.uint8)).resize((300, 300))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_uploaded_png_appears_on_the_map_with_its_input(page, mnist):
    page.get_by_role("tab", name="Your digit").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "my-seven.png", "mimeType": "image/png", "buffer": digit_png(mnist.x_test[0])}])
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("""() => document.querySelector('.js-plotly-plot')._fullData
                                   .some(t => t.name === 'my-seven')""", timeout=TIMEOUT)
    assert page.get_by_text("reparameterization trick").first.is_visible()


def test_interpolation_renders_a_filmstrip(page):
    page.get_by_role("tab", name="Interpolate").click()
    index = page.get_by_label("Test image index")
    add = page.get_by_role("button", name="Add this test image")
    add.click()
    browser.wait_until_idle(page)
    index.fill("1")
    index.press("Enter")
    browser.wait_until_idle(page)
    add.click()
    page.get_by_text("10 frames").wait_for()
    page.wait_for_function("""() => document.querySelector('.js-plotly-plot')._fullData
                                   .some(t => t.name === 'path')""", timeout=TIMEOUT)
    page.get_by_text("Download the morph as an animated GIF").wait_for()


def test_drawing_on_the_canvas_encodes_the_drawing(page):
    page.get_by_role("tab", name="Your digit").click()
    canvas = page.locator("canvas[aria-label='drawing canvas']")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(box["x"] + 140, box["y"] + 40 + step * 10)
    page.mouse.up()
    page.get_by_role("button", name="Use drawing").click()
    page.get_by_text("what the model sees (28×28)").wait_for()
    assert page.locator("strong", has_text="drawing 1").first.is_visible()
    assert page.get_by_text("No digit found").count() == 0


def test_a_tiny_training_run_from_the_sidebar_completes(page):
    page.get_by_text("Train a new model").click()
    epochs = page.get_by_label("Epochs")
    epochs.focus()
    for _ in range(12):
        epochs.press("ArrowLeft")  # down to 1 epoch
    page.get_by_role("slider", name="Training images").focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")  # down to 1,000 images
    page.get_by_role("button", name="Train", exact=True).click()
    page.locator("[data-testid='stProgress']").first.wait_for()
    page.get_by_text("Trained: test NELBO").wait_for(timeout=180_000)


def test_a_bad_upload_is_explained_and_nothing_is_lost(page, mnist):
    page.get_by_role("tab", name="Your digit").click()
    upload = page.locator("input[type=file]")
    upload.set_input_files(files=[{"name": "good.png", "mimeType": "image/png", "buffer": digit_png(mnist.x_test[5])}])
    page.get_by_text("what the model sees (28×28)").wait_for()
    upload.set_input_files(files=[
        {"name": "good.png", "mimeType": "image/png", "buffer": digit_png(mnist.x_test[5])},
        {"name": "homework.png", "mimeType": "image/png", "buffer": b"This is my essay, not a picture."},
        {"name": "cat.png", "mimeType": "image/png", "buffer": digit_png(np.zeros((28, 28)))},
    ])
    page.get_by_text("homework: This file is not an image").wait_for()
    page.get_by_text("cat: No digit found").wait_for()
    # The good upload is still on the map and still shown.
    page.wait_for_function("""() => document.querySelector('.js-plotly-plot')._fullData
                                   .some(t => t.name === 'good')""", timeout=TIMEOUT)
    assert page.locator("strong", has_text="good").first.is_visible()

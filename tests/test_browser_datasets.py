"""Datasets beyond MNIST in Chromium: the generated shapes and a folder of one's own colour
pictures, each chosen in the sidebar, trained (a tiny model), drawn on the map, clicked, and
decoded in its own colour mode (grey for the shapes, colour for the folder)."""

import base64
import io
import os
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import browser
from tests.test_browser_classroom import open_page
from tests.test_browser_training import start_training
from tests.test_folders import png, write_shapes
from vae.data import shapes

pytestmark = pytest.mark.alone  # they train


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("datasets-cache")
    pictures = tmp_path_factory.mktemp("pictures")
    write_shapes(pictures / "Coloured shapes", 300, colour=True)
    write_shapes(pictures / "loose", 120, classes=False, seed=3)
    folders = os.pathsep.join(str(pictures / name) for name in ("Coloured shapes", "loose"))
    env = {"VAE_CACHE_DIR": str(cache), "VAE_IMAGE_DIRS": folders, "VAE_MAX_TRAININGS": "1"}
    with browser.streamlit_server(env) as url:
        yield url


@pytest.fixture
def page(chromium, server):
    page = open_page(chromium, server)
    yield page
    page.context.close()


def choose_dataset(page, title: str) -> None:
    page.get_by_role("combobox", name="Dataset").click()
    page.get_by_role("option", name=title, exact=True).click()
    page.get_by_text(f"No model of {title} yet").wait_for()
    browser.wait_until_idle(page)


def decoded_picture(page) -> np.ndarray:
    """The decoded panel's first picture (the test image's original), as an array."""
    source = page.locator("[data-testid='stImage'] img").first.get_attribute("src")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


@pytest.mark.parametrize(
    ("title", "name", "class_name", "colour"),
    [
        ("Shapes", "shapes-dense", "heart", False),
        ("Your pictures: coloured-shapes", "images-coloured-shapes-dense", "heart", True),
    ],
)
def test_a_dataset_is_chosen_trained_mapped_clicked_and_decoded_in_its_colours(page, title, name, class_name, colour):
    choose_dataset(page, title)
    start_training(page, 2)
    page.get_by_text(re.compile(f"Now showing \\*?\\*?{name}")).first.wait_for(timeout=240_000)
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(title, timeout=30_000)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    assert page.evaluate(f"() => {browser.traces_named(class_name)}.length") == 1  # the folder's classes
    x, y, index = page.evaluate(browser.data_point_js(), [class_name, 0])
    px, py = page.evaluate(browser.to_page_js(), [x, y])
    browser.click_and_wait(page, px, py, timeout_ms=30_000)
    page.get_by_role("heading", name=re.compile(f"Test #{index}: {class_name}")).wait_for()
    picture = decoded_picture(page)
    if colour:  # the original is a coloured shape: its channels differ
        assert picture.ndim == 3 and np.ptp(picture[..., :3].astype(int), axis=2).max() > 60
    else:
        assert picture.ndim == 2 or np.ptp(picture[..., :3].astype(int), axis=2).max() == 0
    # The page's own decoder draws the hover preview in the same colours.
    page.mouse.move(px + 30, py + 20)
    page.locator(".vae-preview").wait_for(state="visible")
    spread = page.evaluate(
        """() => { const c = document.querySelector('.vae-preview-pixels');
                   const d = c.getContext('2d').getImageData(0, 0, 28, 28).data; let most = 0;
                   for (let k = 0; k < 784; k++) { const r = d[4*k], g = d[4*k+1], b = d[4*k+2];
                     most = Math.max(most, Math.max(r, g, b) - Math.min(r, g, b)); }
                   return most; }"""
    )
    assert (spread > 10) if colour else (spread == 0), spread


def test_pictures_without_labels_are_one_faint_colour_and_an_upload_shows_its_nearest_pictures(page):
    choose_dataset(page, "Your pictures: loose")
    start_training(page, 2)
    page.get_by_text(re.compile(r"Now showing \*?\*?images-loose-dense")).first.wait_for(timeout=240_000)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    traces = page.evaluate(
        f"() => {browser.plot()}.traces.filter(t => t.customdata).map(t => [t.name, t.marker.opacity])"
    )
    assert traces == [["picture", 0.3]]  # one class, faint: where the pictures crowd shows darker
    page.locator(".st-key-uploader input[type=file]").set_input_files(
        files=[{"name": "mine.png", "mimeType": "image/png", "buffer": png(shapes.draw([[2, 3, 0, 3, 4]])[0])}]
    )
    page.get_by_role("img", name="the 5 test pictures nearest mine on the map").wait_for()
    page.get_by_text("Its 5 nearest test pictures are below").wait_for()
    # A link opens the model like any other: its name in ?model=.
    name = re.search(r"images-loose-dense-\S+?(?=:)", page.locator("text=test NELBO").first.inner_text()).group(0)
    other = page.context.new_page()
    other.goto(page.url.split("?")[0] + f"?model={name}")
    browser.wait_for_map(other)
    expect(other.get_by_role("combobox", name="Model")).to_have_value(re.compile(name[:30]))

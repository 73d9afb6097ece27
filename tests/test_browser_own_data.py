"""The teacher's own data in Chromium, on a school's set-up (Redis, a training worker): "Train on
our drawings" turns the board's drawings into a model on the map; a .zip of pictures becomes a
dataset, and a zip that is unsafe is refused with a message while the page goes on working."""

import io
import os
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from playwright.sync_api import expect

from tests import browser
from tests.conftest import ROOT
from tests.test_browser_board import TEACHER_CODE, log_in
from tests.test_browser_classroom import open_page
from tests.test_browser_training import start_training
from tests.test_folders import png
from tests.test_follow import RedisServer
from vae.classroom.board import make_entry, open_store
from vae.data import shapes

TIMEOUT = 120_000
pytestmark = pytest.mark.alone  # it trains


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own-data")
    (folder / "redis").mkdir()
    redis = RedisServer(folder / "redis")
    store = folder / "store"
    env = {"VAE_BOARD_URL": redis.url, "VAE_MODEL_STORE": str(store), "VAE_TEACHER_CODE": TEACHER_CODE}
    worker_env = {
        **os.environ,
        **env,
        "VAE_CACHE_DIR": str(folder / "worker-cache"),
        "VAE_SLOT_DIR": str(folder / "slots"),
    }
    log = open(folder / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "deploy.worker", "--name", "own-data"],
        cwd=ROOT,
        env=worker_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with browser.streamlit_server({**env, "VAE_CACHE_DIR": str(folder / "app-cache")}) as url:
            yield url, redis, store
    finally:
        worker.kill()
        worker.wait(timeout=10)
        redis.stop()


def teacher_page(chromium, url):
    page = open_page(chromium, url + "/?view=board", map_key="board_map")
    log_in(page)
    page.get_by_role("button", name="Train on our drawings").wait_for()
    return page


def test_the_class_trains_on_its_own_drawings_and_explores_them(chromium, school):
    url, redis, _ = school
    data = shapes.make_shapes(70, 0, seed=5)
    board = open_store(redis.url)
    for picture, label in zip(data.x_train, data.y_train, strict=True):
        said = data.class_names[label] if label < 2 else ""  # the hearts' students said nothing
        board.add("", make_entry(picture, "Ana", "mnist-vae", (0.0, 0.0), "student-a", said))
    teacher = teacher_page(chromium, url)
    try:
        teacher.get_by_text("the 70 on this board").wait_for()
        teacher.get_by_role("button", name="Train on our drawings").click()
        # The page goes to "Explore one model", where the training shows, then the model.
        teacher.get_by_text(re.compile(r"Now showing \*?\*?images-class-board-")).first.wait_for(timeout=240_000)
        browser.wait_for_map(teacher)
        browser.wait_until_idle(teacher)
        names = teacher.evaluate(f"() => {browser.plot()}.traces.filter(t => t.customdata).map(t => t.name)")
        assert sorted(names) == ["ellipse", "square", "unnamed"]  # what the students said; nothing said: unnamed
        x, y, index = teacher.evaluate(browser.data_point_js(), ["square", 0])
        px, py = teacher.evaluate(browser.to_page_js(), [x, y])
        browser.click_and_wait(teacher, px, py, timeout_ms=30_000)
        teacher.get_by_role("heading", name=re.compile(f"Test #{index}: square")).wait_for()
        expect(teacher.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("Your pictures: class-board"))
    finally:
        teacher.context.close()


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload_zip(page, name: str, data: bytes) -> None:
    page.locator(".st-key-pictures_zip input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_text(name).first.wait_for()
    browser.wait_until_idle(page)
    page.get_by_role("button", name="Add these pictures as a dataset").click()


def test_a_zip_of_pictures_becomes_a_dataset_and_an_unsafe_one_is_refused(chromium, school):
    url, _, store = school
    data = shapes.make_shapes(60, 0, seed=6)
    pictures = {
        f"sprites/{data.class_names[y]}/{i:03d}.png": png(x)
        for i, (x, y) in enumerate(zip(data.x_train, data.y_train, strict=True))
    }
    teacher = teacher_page(chromium, url)
    try:
        upload_zip(teacher, "evil.zip", zip_of({**pictures, "../../escape.png": png(np.zeros((28, 28)))}))
        teacher.get_by_text(re.compile(r"evil.zip: The zip holds a path that leaves its folder")).wait_for()
        assert not (store / ".pictures" / "escape.png").exists() and not (store.parent / "escape.png").exists()
        bomb = zip_of({"boom/a/big.png": b"\0" * (30 * 2**20), **pictures})
        upload_zip(teacher, "boom.zip", bomb)
        teacher.get_by_text(re.compile(r"boom.zip: .*no picture does that")).wait_for()
        upload_zip(teacher, "empty.zip", zip_of({f"empty/{i:05d}.png": b"" for i in range(10_000)}))
        teacher.get_by_text(re.compile(r"empty.zip holds 0 pictures \(and 10,000 empty or other files\)")).wait_for()
        browser.wait_for_map(teacher, "board_map")  # the page goes on working
        upload_zip(teacher, "sprites.zip", zip_of(pictures))
        teacher.get_by_text(re.compile(r"sprites.zip is the dataset Your pictures: sprites")).wait_for()
        # Then trained like any dataset: in "Explore one model" the form is open on it.
        teacher.get_by_test_id("stRadioGroup").get_by_text("Explore one model").click()
        browser.wait_for_map(teacher)
        teacher.get_by_text("No model of Your pictures: sprites yet").wait_for()
        start_training(teacher, 2)
        teacher.get_by_text(re.compile(r"Now showing \*?\*?images-sprites-dense")).first.wait_for(timeout=240_000)
        browser.wait_for_map(teacher)
        browser.wait_until_idle(teacher)
        x, y, index = teacher.evaluate(browser.data_point_js(), ["heart", 0])
        px, py = teacher.evaluate(browser.to_page_js(), [x, y])
        browser.click_and_wait(teacher, px, py, timeout_ms=30_000)
        teacher.get_by_role("heading", name=re.compile(f"Test #{index}: heart")).wait_for()
    finally:
        teacher.context.close()

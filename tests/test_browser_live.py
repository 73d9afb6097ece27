"""Live under the pointer (explorer/map/): the decoder runs in the page, in real Chromium.

Each test walks one flow end to end: hovering the map (a preview that names its point, and
no message to the server), dragging the chosen point, a finger on a phone, scrubbing a path,
the compare view's linked previews, the keyboard's crosshair, a model the page cannot run.
The page's decoder is held to the NumPy decoder for every bundled model.
"""

import json

import numpy as np
import pytest

import vae
from tests import browser
from vae.store.catalog import BUNDLED, bundled_path

TIMEOUT = 90_000
PREVIEW = f".st-key-{browser.MAP} .vae-preview"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("live-cache")


@pytest.fixture(scope="module")
def server(cache):
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache)}) as url:
        yield url


def open_page(chromium, url, width=1400, height=950, frames=None, key=browser.MAP, **context):
    page = chromium.new_context(viewport={"width": width, "height": height}, **context).new_page()
    page.set_default_timeout(TIMEOUT)
    if frames is not None:  # every message the page sends to the server
        page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append(payload)))
    page.goto(url)
    browser.wait_for_map(page, key)
    browser.wait_until_idle(page)
    page.wait_for_function("() => window.vaeDecoder && window.vaeDecoder.ready", timeout=TIMEOUT)
    return page


def hover_z(page, selector: str = PREVIEW) -> tuple[float, float] | None:
    value = page.evaluate(f"() => document.querySelector({selector!r})?.dataset.hoverZ ?? null")
    return None if value is None else tuple(float(v) for v in value.split(","))


def preview_pixels(page, selector: str = PREVIEW) -> np.ndarray:
    """The preview's 28x28 picture as the page drew it, in [0, 1]."""
    values = page.evaluate(
        f"""() => {{
          const canvas = document.querySelector({selector!r} + ' canvas');
          const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
          return Array.from({{length: 784}}, (_, k) => data[4 * k]);
        }}"""
    )
    return np.array(values, np.float32).reshape(28, 28) / 255


def two_dimensional(name: str) -> bool:
    return json.loads((bundled_path(name) / "config.json").read_text()).get("latent_dim", 2) == 2


# The 16-D models' decoders are held to NumPy in tests/test_browser_16d.py.
@pytest.mark.parametrize("name", [name for name in BUNDLED if two_dimensional(name)])
def test_the_pages_decoder_equals_numpy_for_every_bundled_model(chromium, server, name):
    page = open_page(chromium, f"{server}/?model={name}")
    try:
        assert page.evaluate("() => window.vaeDecoder.model") == name
        points = np.random.default_rng(7).uniform(-4, 4, size=(200, 2))
        decoded = np.array(
            page.evaluate("(points) => points.map(([x, y]) => window.vaeDecoder.decode(x, y))", points.tolist())
        )
        expected = vae.load_model(name).decode(points.astype(np.float32)).reshape(200, 784)
        assert decoded.shape == (200, 784)
        assert np.abs(decoded - expected).max() <= 1 / 255
    finally:
        page.context.close()


def test_hovering_previews_the_point_under_the_pointer_without_a_message_to_the_server(chromium, server):
    frames = []
    page = open_page(chromium, server, frames=frames)
    try:
        box = browser.plot_box(page)
        page.mouse.move(box["x"] + 5, box["y"] + 5)
        page.wait_for_timeout(500)
        sent = len(frames)
        model = vae.load_model()
        for fx, fy in ((0.3, 0.3), (0.5, 0.55), (0.7, 0.4), (0.45, 0.75)):
            px, py = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            page.mouse.move(px, py, steps=4)
            x, y = hover_z(page)
            latent = page.evaluate(browser.to_latent_js(), [px, py])
            assert abs(x - latent[0]) < 1e-6 * (1 + abs(x)) and abs(y - latent[1]) < 1e-6 * (1 + abs(y))
            # What the preview shows is the decoder's picture of that very point.
            expected = model.decode(np.array([[x, y]], np.float32))[0]
            assert np.abs(preview_pixels(page) - expected).max() <= 1.5 / 255
        label = page.locator(PREVIEW).inner_text()
        assert "hover preview" in label and "z = (" in label
        page.wait_for_timeout(500)
        assert len(frames) == sent, "hovering sent messages to the server"
        assert not page.locator("[data-testid='stStatusWidget']").count()
        # Leaving the map hides the preview; a click still decodes on the server.
        page.mouse.move(box["x"] + box["width"] + 300, box["y"])
        assert hover_z(page) is None
        browser.click_and_wait(page, box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.06)
        assert len(frames) > sent
    finally:
        page.context.close()


def test_dragging_the_chosen_point_morphs_it_and_letting_go_chooses_where_it_lands(chromium, server):
    page = open_page(chromium, server)
    try:
        box = browser.plot_box(page)
        start = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.06)
        browser.click_and_wait(page, *start)
        page.wait_for_function(f"() => {browser.plot()}.marks.some(m => m.kind === 'ring')")
        first = [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "ring"][0]
        ring = page.evaluate(browser.to_page_js(), [first["x"], first["y"]])
        page.mouse.move(*ring)
        page.mouse.down()
        seen = []
        for k in range(1, 9):
            page.mouse.move(ring[0] - 12 * k, ring[1] + 14 * k)
            assert page.locator(PREVIEW).get_attribute("data-kind") == "drag"
            seen.append(hover_z(page))
        assert len(set(seen)) == len(seen), "the preview did not follow the drag"
        # The map was not panned: the ring is drawn under the pointer.
        ring_now = [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "ring"][0]
        assert abs(ring_now["x"] - seen[-1][0]) < 1e-6 and abs(ring_now["y"] - seen[-1][1]) < 1e-6
        before = page.evaluate(browser.HEADINGS_JS)
        page.mouse.up()
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        x, y = browser.decoded_z(page)
        assert abs(x - seen[-1][0]) < 0.006 and abs(y - seen[-1][1]) < 0.006
        # Dragging empty map still pans.
        before_view = page.evaluate(f"() => {browser.plot()}.geometry().x")
        page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.9, steps=5)
        page.mouse.up()
        assert page.evaluate(f"() => {browser.plot()}.geometry().x")[0] > before_view[0]
    finally:
        page.context.close()


def touch(cdp, kind: str, x: float, y: float) -> None:
    points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


# Chromium's touch gestures are timed: a stroke's end and the next tap must not blur together
# under a busy machine (tests/conftest.py runs it with no test beside it).
@pytest.mark.alone
def test_a_finger_on_a_phone_previews_as_it_slides_and_lifting_it_chooses(chromium, server):
    page = open_page(chromium, server, width=390, height=844, has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        page.locator(f".st-key-{browser.MAP}").scroll_into_view_if_needed()
        box = browser.plot_box(page)
        scroll = page.evaluate("() => window.scrollY")
        cdp = page.context.new_cdp_session(page)
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        touch(cdp, "touchStart", x0, y0)
        seen = []
        for k in range(1, 8):
            touch(cdp, "touchMove", x0 + 18 * k, y0 + 15 * k)
            page.wait_for_timeout(50)
            seen.append(hover_z(page))
            assert page.locator(PREVIEW).get_attribute("data-kind") == "touch"
        # It follows the finger (Chromium may hold back the first move, inside its touch slop).
        assert len(set(seen)) >= 5
        last = page.evaluate(browser.to_latent_js(), [x0 + 18 * 7, y0 + 15 * 7])[:2]
        assert seen[-1] == pytest.approx(tuple(last), abs=1e-4)
        assert page.evaluate("() => window.scrollY") == scroll, "the finger scrolled the page"
        before = page.evaluate(browser.HEADINGS_JS)
        touch(cdp, "touchEnd", 0, 0)
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        x, y = browser.decoded_z(page)
        assert abs(x - seen[-1][0]) < 0.006 and abs(y - seen[-1][1]) < 0.006
        assert hover_z(page) is None
        # A tap (Playwright's touchscreen) still chooses like a click.
        before = page.evaluate(browser.HEADINGS_JS)
        page.touchscreen.tap(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.1)
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
    finally:
        page.context.close()


def test_scrubbing_the_path_decodes_along_it_and_moves_a_marker(chromium, server):
    page = open_page(chromium, f"{server}/?path=-1.5,1.5;1.5,-1.5")
    try:
        slider = page.locator(f".st-key-{browser.MAP} .vae-scrubber-input")
        assert slider.is_visible()
        assert page.get_by_text("Scrub along the path").is_visible()
        slider.focus()
        page.keyboard.press("Home")
        assert hover_z(page) == pytest.approx((-1.5, 1.5), abs=1e-3)
        places = []
        for _ in range(5):
            page.keyboard.press("PageUp")  # a tenth of the way each
            places.append(hover_z(page))
            marker = [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "scrub"][0]
            assert (marker["x"], marker["y"]) == pytest.approx(places[-1], abs=1e-5)
        assert page.locator(PREVIEW).get_attribute("data-kind") == "path"
        # Along the straight line from A to B, in order.
        assert all(abs(x + y) < 1e-3 for x, y in places)
        assert [x for x, _ in places] == sorted(x for x, _ in places)
        page.keyboard.press("End")
        assert hover_z(page) == pytest.approx((1.5, -1.5), abs=1e-3)
    finally:
        page.context.close()


def test_hovering_one_compare_map_previews_the_same_z_with_every_model(chromium, server):
    keys = [f"compare_map_{n}" for n in range(3)]
    page = open_page(chromium, f"{server}/?view=compare", key=keys[0])
    try:
        for key in keys:
            browser.wait_for_map(page, key)
        page.wait_for_function(
            f"() => {[browser.plot(key) for key in keys]}.length && "
            + " && ".join(f"!!({browser.plot(key)}).decoder" for key in keys)
        )
        box = browser.plot_box(page, keys[1])
        page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.4, steps=3)
        selectors = [f".st-key-{key} .vae-preview" for key in keys]
        places = [hover_z(page, selector) for selector in selectors]
        assert places[0] is not None and places.count(places[1]) == 3
        kinds = [page.locator(selector).get_attribute("data-kind") for selector in selectors]
        assert kinds == ["linked", "hover", "linked"]
        pictures = [preview_pixels(page, selector) for selector in selectors]
        names = ["mnist-ae", "mnist-vae", "mnist-beta-vae"]
        for picture, name in zip(pictures, names, strict=True):
            expected = vae.load_model(name).decode(np.array([places[1]], np.float32))[0]
            assert np.abs(picture - expected).max() <= 1.5 / 255
        probes = [
            [m for m in page.evaluate(f"() => {browser.plot(key)}.marks") if m["kind"] == "probe"] for key in keys
        ]
        assert [len(p) for p in probes] == [1, 0, 1]
    finally:
        page.context.close()


def test_the_keyboard_moves_a_crosshair_that_previews_and_enter_decodes(chromium, server):
    page = open_page(chromium, server)
    try:
        area = page.locator(f".st-key-{browser.MAP} .vae-map-plot")
        area.focus()
        assert page.evaluate("() => document.activeElement.classList.contains('vae-map-plot')")
        start = hover_z(page)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        moved = hover_z(page)
        assert moved[0] > start[0] and moved[1] > start[1]
        page.keyboard.press("Shift+ArrowRight")
        assert hover_z(page)[0] - moved[0] == pytest.approx(5 * (moved[0] - start[0]), rel=1e-3)
        cross = [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "crosshair"]
        assert len(cross) == 1
        before = page.evaluate(browser.HEADINGS_JS)
        page.keyboard.press("Enter")
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        page.keyboard.press("Escape")
        assert not page.evaluate("() => document.activeElement.classList.contains('vae-map-plot')")
    finally:
        page.context.close()


def test_a_click_focuses_the_map_without_the_keyboards_crosshair(chromium, server):
    # A click also focuses the map; the pointer is already where the person looks, so no
    # crosshair (and no second preview) appears until a key is pressed.
    page = open_page(chromium, server)
    try:
        box = browser.plot_box(page)
        browser.click_and_wait(page, box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
        assert page.evaluate("() => document.activeElement.classList.contains('vae-map-plot')")

        def crosshairs():
            return [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "crosshair"]

        assert crosshairs() == []
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => {browser.plot()}.marks.some((m) => m.kind === 'crosshair')", timeout=5_000)
        assert len(crosshairs()) == 1
    finally:
        page.context.close()


def test_the_projectors_preview_is_large(chromium, server):
    page = open_page(chromium, f"{server}/?present=1")
    try:
        box = browser.plot_box(page)
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5, steps=3)
        assert hover_z(page) is not None
        size = page.locator(f"{PREVIEW} canvas").bounding_box()
        assert size["width"] >= 200 and size["height"] >= 200  # 8 px a pixel: readable from the back
        assert (
            page.locator(f"{PREVIEW} .vae-preview-label").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            >= 20
        )
    finally:
        page.context.close()


def test_a_dense_model_trained_here_runs_in_the_page(chromium, server, cache, split_mnist):
    model = vae.train(vae.TrainConfig(epochs=1, batch_size=64, hidden_units=(48, 24)), split_mnist.subset(300, 200))
    name = "mnist-dense-e1-b1-livetest"
    model.save(cache / "models" / name)
    page = open_page(chromium, f"{server}/?model={name}")
    try:
        assert page.evaluate("() => window.vaeDecoder.model") == name
        points = np.array([[0.1, -0.4], [1.5, 2.0], [-3.0, 0.5]])
        decoded = np.array(page.evaluate("(ps) => ps.map(([x, y]) => window.vaeDecoder.decode(x, y))", points.tolist()))
        assert np.abs(decoded - model.decode(points.astype(np.float32)).reshape(3, 784)).max() <= 1 / 255
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def conv_model(cache, split_mnist):
    config = vae.TrainConfig(arch="conv", epochs=1, batch_size=64, conv_filters=(4, 8))
    model = vae.train(config, split_mnist.subset(n_train=200, n_test=200))
    name = "mnist-conv-e1-b1-livetest"
    model.save(cache / "models" / name)
    return name


def test_a_convolutional_model_says_once_that_it_decodes_on_click(chromium, server, conv_model):
    page = chromium.new_context(viewport={"width": 1400, "height": 950}).new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(f"{server}/?model={conv_model}")
        browser.wait_for_map(page)
        toast = page.get_by_text("no live preview under the pointer")
        toast.wait_for()
        assert "convolutional" in toast.inner_text()
        assert not page.evaluate("() => window.vaeDecoder.ready")
        box = browser.plot_box(page)
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
        assert hover_z(page) is None
        browser.click_and_wait(page, box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.06)
        browser.wait_until_idle(page)
        page.wait_for_timeout(6000)  # a toast lasts about four seconds; it is not shown again
        browser.click_and_wait(page, box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.06)
        assert page.get_by_text("no live preview under the pointer").count() == 0
    finally:
        page.context.close()

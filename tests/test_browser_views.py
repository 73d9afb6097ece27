"""A 16-D model's other views and its dials, in Chromium: a slice through the chosen digit, the
neighbours layout (t-SNE), a slider per dimension and a class-to-class direction decoding in the
page, and a finger on a phone (explorer/pages/explore.py, explorer/map/dials.js,
vae/analysis/neighbours.py).
"""

import base64
import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

import vae
from tests import browser
from tests.test_browser_classroom import draw_a_one
from tests.test_browser_live import PREVIEW, hover_z, open_page, preview_pixels, touch
from vae.analysis import neighbours, projections
from vae.store.catalog import bundled_path

TIMEOUT = 90_000


COPY = "mnist-copy-16"  # the bundled 16-D model as if trained here: no neighbours layout yet


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("views-cache")
    shutil.copytree(bundled_path("mnist-vae-16"), cache / "models" / COPY, ignore=shutil.ignore_patterns("neighbours*"))
    return cache


@pytest.fixture(scope="module")
def server(cache):
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache)}) as url:
        yield url


@pytest.fixture(scope="module")
def model16(mnist_test):
    """The bundled 16-D VAE, its test means and log-variances."""
    model = vae.load_model("mnist-vae-16")
    mean, log_var = model.encode_test_set(mnist_test)
    return model, mean, log_var


def map_view(page) -> str:
    return page.evaluate("() => document.querySelector('.st-key-latent_map .vae-map').dataset.view")


def decode_in_page(page, points) -> np.ndarray:
    return np.array(
        page.evaluate("(ps) => ps.map(([x, y]) => window.vaeDecoder.decode(x, y))", np.asarray(points).tolist())
    )


def point_of_class(page, name: str, rank: int = 0) -> tuple[float, float, int]:
    x, y, index = page.evaluate(browser.data_point_js(), [name, rank])
    return x, y, int(index)


def reconstruction_picture(page) -> np.ndarray:
    """A test digit's panel: its reconstruction (the second picture, after the original), 28x28 in [0, 1]."""
    source = page.locator("[data-testid='stImage'] img").nth(1).get_attribute("src")
    data = base64.b64decode(source.split(",", 1)[1])
    return (np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.float32) / 255)[::10, ::10][:28, :28]


def click_point(page, x: float, y: float) -> None:
    px, py = page.evaluate(browser.to_page_js(), [x, y])
    browser.click_and_wait(page, px, py)


def test_a_slice_decodes_the_digits_own_point_and_moves_through_a_clicked_digit(chromium, server, model16):
    model, mean, _ = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&view=slice:3,7&digit=42")
    try:
        assert map_view(page) == "slice" and page.evaluate("() => window.vaeDecoder.view") == "slice"
        titles = page.evaluate(
            f"() => [{browser.plot()}.layout.xaxis.title.text, {browser.plot()}.layout.yaxis.title.text]"
        )
        assert titles == ["z3", "z7"]
        page.get_by_text("It passes through #42's μ").wait_for()
        xy = np.random.default_rng(3).uniform(-2, 2, size=(20, 2))
        expected = np.repeat(mean[42][None].astype(np.float64), 20, axis=0)
        expected[:, [2, 6]] = xy  # z3 and z7 vary; the other 14 are #42's
        assert (
            np.abs(decode_in_page(page, xy) - model.decode(expected.astype(np.float32)).reshape(20, 784)).max()
            <= 1 / 255
        )
        # A click on another digit: the slice now passes through it (the whole map is rebuilt for it).
        # (Many digits share a slice's place: the one chosen is the nearest to the click. A press
        # on #42's ring would drag it, so the digit is one away from it.)
        ring = page.evaluate(browser.to_page_js(), mean[42][[2, 6]].tolist())
        for rank in range(0, 400, 20):
            x, y, _ = point_of_class(page, "2", rank)
            if np.hypot(*np.subtract(page.evaluate(browser.to_page_js(), [x, y]), ring)) > 40:
                break
        click_point(page, x, y)
        heading = page.locator("h3", has_text="Test #").first.inner_text()
        index = int(heading.split("#")[1].split(":")[0])
        assert index != 42
        page.get_by_text(f"It passes through #{index}'s μ").wait_for()
        browser.wait_until_idle(page)
        centre = np.array(page.evaluate(f"() => {browser.plot()}.live.plane.centre"))
        pinned = mean[index].astype(np.float64).copy()
        pinned[[2, 6]] = 0
        assert np.abs(centre - pinned).max() < 1e-5
        assert "slice:3,7" in page.evaluate("() => decodeURIComponent(location.search)")
    finally:
        page.context.close()


def test_the_chooser_slices_along_the_two_most_used_dimensions_then_lays_out_the_neighbours(chromium, server, model16):
    _, mean, log_var = model16
    kl = projections.kl_per_dimension(mean, log_var)
    first, second = (int(j) + 1 for j in np.argsort(-kl, kind="stable")[:2])
    page = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        assert map_view(page) == "pca"
        page.get_by_text("Slice through the point", exact=True).first.click()
        page.wait_for_function("() => document.querySelector('.st-key-latent_map .vae-map').dataset.view === 'slice'")
        page.get_by_text(f"z{first} and z{second} vary").wait_for()
        page.get_by_text("Neighbours (t-SNE)", exact=True).first.click()
        page.wait_for_function(
            "() => document.querySelector('.st-key-latent_map .vae-map').dataset.view === 'neighbours'"
        )
        page.wait_for_function("() => decodeURIComponent(location.search).includes('view=neighbours')")
        page.get_by_text("PCA plane", exact=True).first.click()
        page.wait_for_function("() => document.querySelector('.st-key-latent_map .vae-map').dataset.view === 'pca'")
    finally:
        page.context.close()


def test_a_view_is_drawn_at_the_press_once_and_a_click_meanwhile_is_read_on_it(chromium, server, model16):
    """The chooser's other views come with the map (explorer/map/views.js): at the press the page
    draws the new view, before any message can reach the server, and the server's run then sends
    the same figure, which is not drawn again. A click made at once is read on the view it was
    made on, whether it reaches the server before the view's run or after."""
    _, mean, _ = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&digit=42")
    plot = browser.plot()
    try:
        browser.wait_until_idle(page)
        page.wait_for_function(f"() => {plot}.ahead.length === 2")  # their points fetched while idle
        assert sorted(page.evaluate(f"() => {plot}.ahead")) == ["Neighbours (t-SNE)", "Slice through the point"]
        # A listener after the map's own: it runs in the press's own event, before anything is sent.
        page.evaluate(
            """(plot) => {
              window.__atPress = null;
              document.addEventListener('click', () => {
                const map = eval(plot);
                window.__atPress = { view: document.querySelector('.st-key-latent_map .vae-map').dataset.view,
                                     title: map.layout.xaxis.title.text, drawn: map.drawn,
                                     points: map.traces.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) };
              }, { capture: true, once: true });
            }""",
            plot,
        )
        page.get_by_text("Slice through the point", exact=True).first.click()
        at_press = page.evaluate("() => window.__atPress")
        assert at_press["view"] == "slice" and at_press["title"].startswith("z") and at_press["points"] >= 10_000
        page.get_by_text("It passes through #42's μ").wait_for()  # the server's run has come
        browser.wait_until_idle(page)
        assert page.evaluate(f"() => {plot}.drawn") == at_press["drawn"]  # the same figure: not drawn again
        # The PCA plane, and at once a click on it: the chosen point lands under the click.
        page.wait_for_function(f"() => {plot}.ahead.includes('PCA plane')")
        page.get_by_text("PCA plane", exact=True).first.click()
        assert map_view(page) == "pca"
        x_range, y_range = page.evaluate(f"() => [{plot}.layout.xaxis.range, {plot}.layout.yaxis.range]")
        target = [x_range[0] + 0.9 * (x_range[1] - x_range[0]), y_range[0] + 0.9 * (y_range[1] - y_range[0])]
        px, py = page.evaluate(browser.to_page_js(), target)
        page.mouse.click(px, py)
        page.get_by_text("The map is a plane").wait_for()
        page.wait_for_function(f"() => ({plot}?.marks || []).some((m) => m.kind === 'ring' && m.label !== '#42')")
        browser.wait_until_idle(page)
        ring = next(m for m in page.evaluate(f"() => {plot}.marks") if m["kind"] == "ring")
        ring_px = page.evaluate(browser.to_page_js(), [ring["x"], ring["y"]])
        assert np.hypot(ring_px[0] - px, ring_px[1] - py) <= 8, (ring, target)
        # By keyboard: Enter on the chooser's button draws its view in the same way, in its keydown.
        page.wait_for_function(f"() => {plot}.ahead.includes('Neighbours (t-SNE)')")
        page.evaluate(
            """() => { window.__atKey = null; document.addEventListener('keydown', () => {
                 window.__atKey = document.querySelector('.st-key-latent_map .vae-map').dataset.view; },
                 { capture: true, once: true }); }"""
        )
        page.locator(".st-key-map_view_kind button", has_text="Neighbours (t-SNE)").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.__atKey !== null")
        assert page.evaluate("() => window.__atKey") == "neighbours"
        page.get_by_text("Neighbours: a t-SNE layout").wait_for()
    finally:
        page.context.close()


def test_the_neighbours_layout_is_the_shipped_one_and_decodes_only_its_dots(chromium, server, model16):
    model, mean, _ = model16
    layout = neighbours.load_layout(bundled_path("mnist-vae-16") / neighbours.LAYOUT_FILE, mean)
    assert layout is not None, "the bundled layout was not made from these means"
    frames = []
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&view=neighbours", frames=frames)
    try:
        assert map_view(page) == "neighbours"
        assert page.evaluate(f"() => {browser.plot()}.layout.xaxis.title.text").startswith("t-SNE 1")
        x, y, index = point_of_class(page, "3", 0)
        assert np.allclose([x, y], layout.points[index], atol=1e-3)  # where the layout put it
        page.get_by_text("Hovering decodes nothing here").wait_for()
        # The page decodes nothing between the dots, and says why.
        error = page.evaluate(
            "() => { try { window.vaeDecoder.decode(0, 0); return ''; } catch (e) { return e.message; } }"
        )
        assert "not a plane of the latent space" in error
        box = browser.plot_box(page)
        page.mouse.move(box["x"] + box["width"] * 0.02, box["y"] + box["height"] * 0.02)
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
        page.wait_for_timeout(300)
        assert hover_z(page) is None
        # A dot: that digit's own μ, decoded.
        click_point(page, x, y)
        page.locator("h3", has_text=f"Test #{index}: 3").first.wait_for()
        reconstruction = model.decode(mean[index][None])[0]
        assert np.abs(reconstruction_picture(page) - reconstruction).max() <= 2 / 255
        # Empty space: nothing to decode, and a word why.
        px, py = page.evaluate(
            browser.to_page_js(), [float(layout.points[:, 0].min()) - 1, float(layout.points[:, 1].max()) + 1]
        )
        page.mouse.click(px, py)
        page.get_by_text("Nothing to decode between the dots").wait_for()
        assert page.locator("h3", has_text=f"Test #{index}: 3").count() == 1  # the chosen digit stays
    finally:
        page.context.close()


def test_an_upload_lands_on_the_neighbours_layout_among_its_own_digit(chromium, server, mnist_test, model16):
    _, mean, _ = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&view=neighbours")
    try:
        page.get_by_role("tab", name="Your digit").click()
        buffer = io.BytesIO()
        Image.fromarray((255 - mnist_test.x_test[0] * 255).astype(np.uint8)).resize((140, 140)).save(buffer, "PNG")
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "seven.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
        )
        page.wait_for_function(f"() => {browser.traces_named('seven')}.length > 0", timeout=TIMEOUT)
        star = page.evaluate(f"() => {{ const t = {browser.traces_named('seven')}[0]; return [t.x[0], t.y[0]]; }}")
        layout = neighbours.load_layout(bundled_path("mnist-vae-16") / neighbours.LAYOUT_FILE, mean)
        nearest = np.argsort(np.hypot(*(layout.points - np.array(star)).T))[:10]
        assert (mnist_test.y_test[nearest] == 7).sum() >= 7, "openTSNE's transform placed the 7 away from the 7s"
    finally:
        page.context.close()


def dial_state(page, key: str) -> tuple[np.ndarray, np.ndarray]:
    """The dials' last decoded point and their picture (28x28 in [0, 1])."""
    z = page.locator(f".st-key-{key} .vae-dials").get_attribute("data-z")
    pixels = page.evaluate(
        f"""() => {{
          const data = document.querySelector('.st-key-{key} .vae-dials-pixels').getContext('2d').getImageData(0, 0, 28, 28).data;
          return Array.from({{length: 784}}, (_, k) => data[4 * k]);
        }}"""
    )
    return np.array([float(v) for v in z.split(",")]), np.array(pixels, np.float32).reshape(28, 28) / 255


def test_each_dimensions_slider_and_the_direction_decode_live_in_the_page(chromium, server, model16, mnist_test):
    model, mean, log_var = model16
    kl = projections.kl_per_dimension(mean, log_var)
    most_used = int(np.argsort(-kl, kind="stable")[0])
    frames = []
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&digit=42", frames=frames)
    try:
        page.get_by_role("tab", name="Dimensions").click()
        page.wait_for_selector(".st-key-dimension_dials .vae-dials[data-z]")
        browser.wait_until_idle(page)
        z, _ = dial_state(page, "dimension_dials")
        assert np.abs(z - mean[42]).max() < 1e-5
        sent = len(frames)
        slider = page.get_by_label(f"z{most_used + 1}", exact=True)
        slider.focus()
        for _ in range(10):  # 10 steps of 0.1: one prior standard deviation
            page.keyboard.press("ArrowRight")
        expected = mean[42].astype(np.float64).copy()
        expected[most_used] += 1.0
        z, pixels = dial_state(page, "dimension_dials")
        assert np.abs(z - expected).max() < 1e-5
        assert np.abs(pixels - model.decode(expected[None].astype(np.float32))[0]).max() <= 1.5 / 255
        assert page.locator(".st-key-dimension_dials .vae-dials-caption").inner_text() == f"#42, z{most_used + 1} +1.0"
        # From the 4s towards the 9s: t = 1 adds the difference of their means.
        direction = page.locator(".st-key-direction_dials input[type=range]")
        direction.focus()
        for _ in range(20):  # 20 steps of 0.05
            page.keyboard.press("ArrowRight")
        labels = mnist_test.y_test
        towards = mean[labels == 9].mean(axis=0) - mean[labels == 4].mean(axis=0)
        z, pixels = dial_state(page, "direction_dials")
        assert np.abs(z - (mean[42] + towards)).max() < 1e-4
        assert np.abs(pixels - model.decode((mean[42] + towards)[None].astype(np.float32))[0]).max() <= 1.5 / 255
        page.wait_for_timeout(300)
        assert len(frames) == sent, "the dials sent messages to the server"
    finally:
        page.context.close()


# Chromium's touch gestures are timed (tests/conftest.py runs this with no test beside it).
@pytest.mark.alone
def test_a_finger_on_a_phone_previews_the_planes_point_and_lifting_it_chooses(chromium, server, model16):
    model, mean, _ = model16
    plane = projections.pca_plane(mean)
    page = open_page(chromium, f"{server}/?model=mnist-vae-16", width=390, height=844, has_touch=True, is_mobile=True)
    try:
        page.locator(f".st-key-{browser.MAP}").scroll_into_view_if_needed()
        box = browser.plot_box(page)
        cdp = page.context.new_cdp_session(page)
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        touch(cdp, "touchStart", x0, y0)
        for k in range(1, 6):
            touch(cdp, "touchMove", x0 + 15 * k, y0 + 12 * k)
            page.wait_for_timeout(50)
        x, y = hover_z(page)
        assert page.locator(PREVIEW).get_attribute("data-kind") == "touch"
        expected = model.decode(plane.inverse_transform([[x, y]]).astype(np.float32))[0]
        assert np.abs(preview_pixels(page) - expected).max() <= 1.5 / 255
        before = page.evaluate(browser.HEADINGS_JS)
        touch(cdp, "touchEnd", 0, 0)
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        heading = page.locator("h3").first.inner_text()
        assert "on the plane of PC1 and PC2" in heading, heading
    finally:
        page.context.close()


def test_a_new_models_layout_is_computed_in_the_background_while_the_page_stays_usable(chromium, server, cache):
    folder = cache / "models" / COPY
    page = open_page(chromium, f"{server}/?model={COPY}&view=neighbours")
    try:
        page.get_by_text(f"Computing the neighbours layout of {COPY}").wait_for()
        assert map_view(page) == "pca"  # meanwhile, the PCA plane
        box = browser.plot_box(page)
        browser.click_and_wait(page, box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
        assert "on the plane of PC1 and PC2" in page.locator("h3").first.inner_text()
        page.wait_for_function("() => /Computing the neighbours layout.*: [1-9][0-9]?%/.test(document.body.innerText)")
        # The layout is written (here: the bundled one, made from the same means, copied in, as
        # the child will write its own in a minute): the page shows it by itself.
        staging = folder / ".neighbours-copy.npz"
        shutil.copy(bundled_path("mnist-vae-16") / neighbours.LAYOUT_FILE, staging)
        os.replace(staging, folder / neighbours.LAYOUT_FILE)
        page.wait_for_function(
            "() => document.querySelector('.st-key-latent_map .vae-map').dataset.view === 'neighbours'", timeout=30_000
        )
        # Its progress goes once that run ends (Streamlit removes a run's stale elements at its end).
        page.get_by_text("Computing the neighbours layout").first.wait_for(state="detached", timeout=10_000)
    finally:
        page.context.close()


def test_a_drawing_sets_the_slice_and_lands_by_its_16d_neighbours(chromium, server):
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&view=slice:3,7&digit=42")
    try:
        draw_a_one(page)
        page.locator("h3", has_text="Your digit: drawing 1").wait_for()
        page.get_by_text("It passes through your digit drawing 1's μ").wait_for()
        page.wait_for_function(f"() => {browser.traces_named('drawing 1')}.length > 0", timeout=TIMEOUT)
        # Its place in words comes from its 5 nearest test means in all 16 dimensions: a stroke is a 1.
        page.get_by_text("landed among the 1s").first.wait_for()
        # The slice's pin is the drawing's μ: the map's centre is no longer #42's.
        centre = np.array(page.evaluate(f"() => {browser.plot()}.live.plane.centre"))
        mean42 = vae.load_model("mnist-vae-16").encodings["mean"][42].astype(np.float64)
        mean42[[2, 6]] = 0
        assert np.abs(centre - mean42).max() > 0.05
    finally:
        page.context.close()

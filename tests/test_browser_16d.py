"""A 16-D VAE in Chromium: the map is the plane of two principal components, and every point of
it decodes exactly, in the page and on the server (explorer/map/live.js, vae/analysis/projections.py).

Each test walks a flow with a 16-D model: the decoder in the page against NumPy, the map's
view, a click, hovering, the keyboard, the choice of plane by link and by the chooser, a path
interpolated in 16 dimensions and scrubbed, an upload, samples, the posterior per dimension
and the replay.
"""

import io

import numpy as np
import pytest
from PIL import Image

import vae
from tests import browser
from tests.test_browser_live import PREVIEW, hover_z, open_page, preview_pixels
from vae.analysis import projections

TIMEOUT = 90_000
MODELS_16 = ["mnist-vae-16", "mnist-beta-vae-16"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("16d-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache)}) as url:
        yield url


@pytest.fixture(scope="module")
def model16(mnist_test):
    """The bundled 16-D VAE and the plane its map shows (PC1, PC2 of its test means)."""
    model = vae.load_model("mnist-vae-16")
    mean, _ = model.encode_test_set(mnist_test)
    return model, projections.pca_plane(mean)


@pytest.mark.parametrize("name", MODELS_16)
def test_the_pages_decoder_takes_16_values_and_equals_numpy(chromium, server, name):
    page = open_page(chromium, f"{server}/?model={name}")
    try:
        assert page.evaluate("() => window.vaeDecoder.latentDim") == 16
        points = np.random.default_rng(11).normal(0, 1.5, size=(200, 16))
        decoded = np.array(page.evaluate("(zs) => zs.map((z) => window.vaeDecoder.decodeZ(z))", points.tolist()))
        expected = vae.load_model(name).decode(points.astype(np.float32)).reshape(200, 784)
        assert decoded.shape == (200, 784) and np.abs(decoded - expected).max() <= 1 / 255
    finally:
        page.context.close()


def test_a_point_of_the_plane_decodes_as_c_plus_xu_plus_yv(chromium, server, model16):
    model, plane = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        assert page.evaluate("() => document.querySelector('.vae-map').dataset.view") == "pca"
        assert page.evaluate("() => window.vaeDecoder.view") == "pca"
        xy = np.random.default_rng(12).uniform(-3, 3, size=(50, 2))
        latent = np.array(page.evaluate("(ps) => ps.map(([x, y]) => window.vaeDecoder.latentAt(x, y))", xy.tolist()))
        assert np.abs(latent - plane.inverse_transform(xy)).max() < 1e-4
        decoded = np.array(page.evaluate("(ps) => ps.map(([x, y]) => window.vaeDecoder.decode(x, y))", xy.tolist()))
        expected = model.decode(plane.inverse_transform(xy).astype(np.float32)).reshape(50, 784)
        assert np.abs(decoded - expected).max() <= 1 / 255
        # The map and the page say what the view is.
        titles = page.evaluate(
            f"() => [{browser.plot()}.layout.xaxis.title.text, {browser.plot()}.layout.yaxis.title.text]"
        )
        assert titles[0].startswith("PC1 (") and titles[1].startswith("PC2 (")
        page.get_by_text("The map is a plane through the 16-D latent space").wait_for()
    finally:
        page.context.close()


def test_a_2d_model_keeps_its_own_latent_space_as_the_map(chromium, server):
    page = open_page(chromium, server)
    try:
        assert page.evaluate("() => document.querySelector('.vae-map').dataset.view") == "latent"
        assert page.evaluate("() => window.vaeDecoder.latentDim") == 2
        assert page.get_by_text("The map is a plane through").count() == 0
    finally:
        page.context.close()


def test_clicking_the_plane_decodes_that_latent_point_and_a_digit_its_own_mean(chromium, server, model16):
    model, plane = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        box = browser.plot_box(page)
        browser.click_and_wait(page, box["x"] + box["width"] * 0.93, box["y"] + box["height"] * 0.06)
        heading = page.locator("h3", has_text="on the plane of PC1 and PC2").first.inner_text()
        x, y = (float(v) for v in heading.split("(")[1].split(")")[0].split(","))
        expected = model.decode(plane.inverse_transform([[x, y]]).astype(np.float32))[0]
        picture = decoded_picture(page)
        assert np.abs(picture - expected).max() <= 3 / 255  # the heading rounds x and y to 0.01
        # A digit: its own 16-D mean, decoded (its reconstruction), not the plane's point under it.
        index = int(
            page.evaluate(f"() => {browser.plot()}.traces.find(t => t.name === '1' && t.customdata).customdata[0]")
        )
        px, py = page.evaluate(
            f"(i) => {{ const t = {browser.plot()}.traces.find(t => t.name === '1' && t.customdata);"
            f" return {browser.plot()}.toPage(t.x[0], t.y[0]); }}",
            index,
        )
        browser.click_and_wait(page, px, py)
        page.locator("h3", has_text="Test #").first.wait_for()
        assert "16-D point drawn at" in page.get_by_text("decoded at its mean").first.inner_text()
    finally:
        page.context.close()


def decoded_picture(page) -> np.ndarray:
    """The decoded panel's picture, back to 28x28 in [0, 1] (it is drawn 10x)."""
    source = page.locator("[data-testid='stImage'] img").first.get_attribute("src")
    import base64

    data = base64.b64decode(source.split(",", 1)[1])
    picture = np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.float32) / 255
    return picture[::10, ::10][:28, :28]


def test_hovering_previews_the_planes_point_without_a_message_to_the_server(chromium, server, model16):
    model, plane = model16
    frames = []
    page = open_page(chromium, f"{server}/?model=mnist-vae-16", frames=frames)
    try:
        box = browser.plot_box(page)
        page.mouse.move(box["x"] + 5, box["y"] + 5)
        page.wait_for_timeout(500)
        sent = len(frames)
        for fx, fy in ((0.3, 0.3), (0.6, 0.55), (0.45, 0.8)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=4)
            x, y = hover_z(page)
            expected = model.decode(plane.inverse_transform([[x, y]]).astype(np.float32))[0]
            assert np.abs(preview_pixels(page) - expected).max() <= 1.5 / 255
        assert "plane = (" in page.locator(PREVIEW).inner_text()
        page.wait_for_timeout(500)
        assert len(frames) == sent, "hovering sent messages to the server"
    finally:
        page.context.close()


def test_the_keyboards_crosshair_previews_and_enter_decodes_on_the_plane(chromium, server):
    page = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        page.locator(f".st-key-{browser.MAP} .vae-map-plot").focus()
        start = hover_z(page)
        page.keyboard.press("ArrowRight")
        assert hover_z(page)[0] > start[0]
        before = page.evaluate(browser.HEADINGS_JS)
        page.keyboard.press("Enter")
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        heading = page.locator("h3").first.inner_text()  # an empty point of the plane, or a digit there
        assert "on the plane of PC1 and PC2" in heading or heading.startswith("Test #"), heading
    finally:
        page.context.close()


def test_a_link_chooses_the_plane_and_the_chooser_changes_it(chromium, server):
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&view=pca:2,3")
    try:
        page.get_by_text("the plane of principal components PC2 and PC3").wait_for()
        assert page.evaluate(f"() => {browser.plot()}.layout.xaxis.title.text").startswith("PC2 (")
        page.get_by_label("Horizontal axis").click()
        page.get_by_role("option", name="PC4", exact=True).click()
        page.get_by_text("the plane of principal components PC4 and PC3").wait_for()
        page.wait_for_function(
            "() => location.search.includes('view=pca%3A4%2C3') || location.search.includes('view=pca:4,3')"
        )
    finally:
        page.context.close()


def test_a_path_is_interpolated_in_16_dimensions_and_scrubbed_in_the_page(chromium, server, model16):
    model, plane = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&path=-1.5,1.5;1.5,-1.5")
    try:
        slider = page.locator(f".st-key-{browser.MAP} .vae-scrubber-input")
        slider.focus()
        page.keyboard.press("Home")
        start = plane.inverse_transform([-1.5, 1.5])
        assert np.abs(preview_pixels(page) - model.decode(start[None].astype(np.float32))[0]).max() <= 1.5 / 255
        page.keyboard.press("End")
        end = plane.inverse_transform([1.5, -1.5])
        assert np.abs(preview_pixels(page) - model.decode(end[None].astype(np.float32))[0]).max() <= 1.5 / 255
        page.get_by_text("frames decoded along the path").wait_for()
    finally:
        page.context.close()


def test_an_upload_is_placed_by_its_16d_mean_with_its_posterior_per_dimension(chromium, server, mnist_test):
    page = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        page.get_by_role("tab", name="Your digit").click()
        buffer = io.BytesIO()
        Image.fromarray((255 - mnist_test.x_test[0] * 255).astype(np.uint8)).resize((140, 140)).save(buffer, "PNG")
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "seven.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
        )
        placed = page.get_by_text("seven is on the map as a star").first
        placed.wait_for()
        assert "16-D point drawn at" in placed.inner_text() and "7s" in placed.inner_text()
        page.wait_for_function(f"() => {browser.traces_named('seven')}.length > 0", timeout=TIMEOUT)
        page.get_by_text("What the encoder said").first.click()
        page.get_by_text("in 16 dimensions").first.wait_for()
    finally:
        page.context.close()


def test_samples_replay_and_the_manifold_work_on_the_plane(chromium, server):
    page = open_page(chromium, f"{server}/?model=mnist-beta-vae-16")
    try:
        page.get_by_role("tab", name="Sample the prior").click()
        page.get_by_role("button", name="Draw 16 samples from N(0, I)").click()
        page.get_by_text("samples, shown as diamonds on the map").wait_for()
        page.wait_for_function(f"() => {browser.traces_named('prior samples')}.length > 0", timeout=TIMEOUT)
        page.get_by_role("tab", name="Replay training").click()
        page.get_by_text("seen on the plane of the map above").wait_for()
        page.get_by_role("tab", name="Manifold").click()
        page.locator("[data-testid='stImage'] img").last.wait_for()
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.context.close()


def active_count(page) -> tuple[int, int]:
    text = page.get_by_text("dimensions are active").first.inner_text()
    active, _, total = text.split(" dimensions are active")[0].split()[:3]
    return int(active), int(total)


def test_the_dimensions_tab_counts_fewer_active_dimensions_for_the_higher_beta(chromium, server):
    counts = {}
    for name in MODELS_16:
        page = open_page(chromium, f"{server}/?model={name}&digit=0")
        try:
            page.get_by_role("tab", name="Dimensions").click()
            page.get_by_text("dimensions are active").first.wait_for()
            counts[name] = active_count(page)
            page.get_by_text("rows, top to bottom").first.wait_for()  # the traversal grid
        finally:
            page.context.close()
    assert counts["mnist-beta-vae-16"][0] < counts["mnist-vae-16"][0] <= 16


def test_dragging_the_chosen_point_on_the_plane_lets_go_on_the_planes_point(chromium, server, model16):
    model, plane = model16
    page = open_page(chromium, f"{server}/?model=mnist-vae-16&z=2.5,2.5")
    try:
        page.wait_for_function(f"() => {browser.plot()}.marks.some(m => m.kind === 'ring')")
        first = [m for m in page.evaluate(f"() => {browser.plot()}.marks") if m["kind"] == "ring"][0]
        assert (first["x"], first["y"]) == pytest.approx((2.5, 2.5), abs=1e-3)  # ?z= is a point of the plane
        ring = page.evaluate(browser.to_page_js(), [first["x"], first["y"]])
        page.mouse.move(*ring)
        page.mouse.down()
        for k in range(1, 6):
            page.mouse.move(ring[0] - 10 * k, ring[1] + 8 * k)
            assert page.locator(PREVIEW).get_attribute("data-kind") == "drag"
        x, y = hover_z(page)
        expected = model.decode(plane.inverse_transform([[x, y]]).astype(np.float32))[0]
        assert np.abs(preview_pixels(page) - expected).max() <= 1.5 / 255
        before = page.evaluate(browser.HEADINGS_JS)
        page.mouse.up()
        page.wait_for_function(browser.NEW_IMAGE_JS, arg=before, timeout=10_000)
        heading = page.locator("h3", has_text="on the plane of PC1 and PC2").first.inner_text()
        shown = [float(v) for v in heading.split("(")[1].split(")")[0].split(",")]
        assert shown == pytest.approx([x, y], abs=0.006)
    finally:
        page.context.close()


def test_a_digit_sent_from_a_16d_page_reaches_a_16d_board(chromium, server):
    from tests.test_browser_classroom import draw_a_one

    teacher = open_page(chromium, f"{server}/?model=mnist-vae-16&view=board", key="board_map")
    student = open_page(chromium, f"{server}/?model=mnist-vae-16")
    try:
        draw_a_one(student)
        student.get_by_label("Your first name or a nickname (optional)").fill("Wen")
        student.get_by_role("button", name="Send to the class board").click()
        student.get_by_role("button", name="Sent ✓").wait_for()
        browser.wait_for_mark(teacher, "Wen", "board_map", kind="dot", timeout_ms=15_000)
        mark = [m for m in teacher.evaluate(f"() => {browser.plot('board_map')}.marks") if m["label"] == "Wen"][0]
        x_range = teacher.evaluate(f"() => {browser.plot('board_map')}.geometry().x")
        assert x_range[0] - 1 < mark["x"] < x_range[1] + 1  # drawn on the plane, among the test digits
    finally:
        for page in (teacher, student):
            page.context.close()


def test_the_compare_view_puts_a_16d_model_beside_the_2d_ones_and_says_why_2d_blurs(chromium, server):
    page = open_page(chromium, f"{server}/?view=compare", key="compare_map_0")
    try:
        box = page.get_by_role("combobox", name="Models side by side")
        box.click()
        page.keyboard.press("Backspace")  # the β-VAE out
        page.keyboard.type("mnist-vae-16")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.get_by_text("Why the 2-D map blurs").wait_for()
        browser.wait_for_map(page, "compare_map_2")
        page.wait_for_function("() => document.querySelector('.st-key-compare_map_2 .vae-map')?.dataset.view === 'pca'")
        page.get_by_role("heading", name="VAE (β = 1, 16-D)").wait_for()
        # A digit clicked in the 2-D VAE's map: every model's reconstruction of it, the 16-D one's too.
        px, py = page.evaluate(
            f"() => {{ const t = {browser.plot('compare_map_1')}.traces.find(t => t.name === '7' && t.customdata);"
            f" return {browser.plot('compare_map_1')}.toPage(t.x[0], t.y[0]); }}"
        )
        page.mouse.click(px, py)
        page.get_by_text("VAE (β = 1, 16-D): reconstruction").wait_for()
        assert page.get_by_text(": reconstruction").count() == 3
    finally:
        page.context.close()

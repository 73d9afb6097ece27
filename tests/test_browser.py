"""What a person sees and clicks: the real app in Debian's Chromium (Playwright).

Each test walks one user flow end to end: clicking the map (slowly and fast), building a
path by clicking, uploading and drawing (with a mouse and with a finger), training from
the sidebar while clicking, the compare view, the class board on two pages, links.
"""

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import browser

TIMEOUT = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("app-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache)}) as url:
        yield url


def open_page(chromium, url, width=1500, height=1000, frames: list | None = None, **context):
    """A page of the app at `url`, its map drawn; `frames` (optional) collects the binary
    messages its websocket receives."""
    page = chromium.new_context(viewport={"width": width, "height": height}, **context).new_page()
    page.set_default_timeout(TIMEOUT)
    if frames is not None:
        page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(url)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    return page


@pytest.fixture
def page(chromium, server):
    page = open_page(chromium, server)
    yield page
    page.context.close()


def digit_png(digit) -> bytes:
    picture = Image.fromarray(((1 - digit) * 255).astype(np.uint8)).resize((300, 300))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def map_trace_names(page):
    return page.evaluate(f"() => {browser.plot()}.traces.map(t => t.name)")


def test_the_map_shows_the_ten_thousand_test_digits_named_at_their_clusters(page):
    assert page.evaluate(browser.map_points_js()) == 10000
    legend = page.evaluate(
        f"() => [...document.querySelectorAll('.st-key-{browser.MAP} .vae-legend-item')].map(e => e.textContent)"
    )
    assert [str(d) for d in range(10)] == legend[:10]
    assert sorted(class_names_shown(page)) == [str(d) for d in range(10)]
    assert page.get_by_text("test NELBO").first.is_visible()
    # Hiding a class in the legend hides its points and its name on the map.
    page.locator(".vae-legend-item", has_text="3").first.click()
    page.wait_for_function(f"() => {browser.traces_named('3')}.every(t => t.visible === false)")
    assert sorted(class_names_shown(page)) == [str(d) for d in range(10) if d != 3]
    # A click on the map now reports the class hidden: its digits cannot be picked.
    assert page.evaluate(f"() => {browser.plot()}.geometry().hidden") == ["3"]
    page.locator(".vae-legend-item", has_text="3").first.click()
    page.wait_for_function(f"() => {browser.traces_named('3')}.every(t => t.visible === true)")


def class_names_shown(page) -> list[str]:
    """The class names drawn on the map (the badges of classes not hidden in the legend)."""
    return page.evaluate(f"() => {browser.plot()}.badges")


def test_the_first_page_loads_no_plotly(page):
    # The map is drawn on a canvas (explorer/map/): Streamlit's 4.7 MB Plotly chunk,
    # most of the start before, is fetched only when a Plotly chart is shown.
    chunks = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert not [name for name in chunks if "/PlotlyChart." in name]
    assert page.locator(".js-plotly-plot").count() == 0


# Each frame once the map is in sight with its points drawn: where the map and the decoded
# panel are, whether the sidebar is there, and whether the rest of the page has come.
WATCH_LAYOUT = """(() => {
  const seen = (window.__layout = []);
  const box = (el) => { const r = el && el.getBoundingClientRect(); return r ? [r.left, r.top, r.width, r.height].map(Math.round) : null; };
  const step = () => {
    const map = document.querySelector('.st-key-latent_map .vae-map');
    if (map && map.__vaeMap && map.__vaeMap.drawn && getComputedStyle(map).visibility === 'visible' &&
        map.__vaeMap.traces.some((t) => t.customdata && t.x.length)) {
      // The decoded panel's heading: the hint ("Decoded point") or, after a click, the point's.
      const heading = [...document.querySelectorAll('h3')].find((h) => h.textContent.startsWith('Decoded'));
      seen.push({ map: box(map.querySelector('.vae-map-stage')), decoded: box(heading),
                  sidebar: box(document.querySelector('[data-testid="stSidebar"]')),
                  whole: !!document.querySelector('.st-key-panel_tab') });
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})()"""


@pytest.mark.parametrize(
    "width, height, query, late",
    [(1500, 1000, "", False), (1500, 1000, "", True), (1280, 720, "?present=1", False), (390, 844, "", True)],
)
def test_a_new_page_shows_its_map_first_and_nothing_moves_when_the_rest_comes(
    chromium, server, width, height, query, late
):
    """A new page comes in two steps (explorer/first_page.py): the header, the map and the
    decoded point, then, once the map is drawn, the sidebar and the panels. A student may
    click at once: the click decodes, and nothing on the page moved under the pointer; not
    even when the page's style and header come late."""
    page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.add_init_script(WATCH_LAYOUT)
    delayed = []
    if late:
        # Streamlit's code for st.html (the page's style, its header) a second late, as on a
        # loaded machine where the map's code came first (explorer/map/page.js).
        def html_code_late(route) -> None:
            delayed.append(route.request.url)
            time.sleep(1.0)
            route.continue_()

        page.route("**/static/js/Html.*.js", html_code_late)
    page.goto(server + "/" + query)
    browser.wait_for_map(page, whole=False)
    box = browser.plot_box(page)
    if query == "":  # a click as soon as the map can be clicked is not lost
        page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
    browser.wait_for_map(page)
    browser.wait_until_idle(page)
    if query == "":
        page.locator("h3", has_text="Decoded z = ").wait_for()
    seen = page.evaluate("() => window.__layout")
    page.context.close()
    assert len(delayed) == late  # (Streamlit's chunk is still named Html.*.js)
    first = [frame for frame in seen if not frame["whole"]]
    assert first, "the map had points before the rest of the page came"
    assert seen[-1]["whole"]
    # The map never moved nor changed size; the decoded panel's heading, the hint's or (whether
    # the click or the rest of the page came first) the clicked point's, was in one place.
    assert {tuple(frame["map"]) for frame in seen} == {tuple(seen[0]["map"])}
    headings = {tuple(frame["decoded"]) for frame in seen if frame["decoded"]}
    assert len(headings) == 1, headings
    if width > 640:  # the sidebar was there from the first frame (on a phone it starts closed)
        assert all(frame["sidebar"] and frame["sidebar"][2] == seen[-1]["sidebar"][2] for frame in seen), [
            (frame["sidebar"], frame["whole"]) for frame in seen
        ]


def test_the_maps_points_come_once_and_another_models_are_a_file_the_browser_fetches(chromium, server):
    # The 10,000 points (about 230 KB) come once: inside a new page's first step (no request
    # after the map's script starts, explorer/first_page.py), and as a file of the app's
    # static folder, named by its content, for a model chosen later. Every other run carries
    # only their name.
    frames = []
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(len(payload))))
    try:
        page.goto(server)
        browser.wait_for_map(page)
        browser.wait_until_idle(page)
        assert page.evaluate(browser.map_points_js()) == 10000
        assert len([size for size in frames if size > 200_000]) == 1, frames  # the first step's map
        frames.clear()
        box = browser.plot_box(page)
        browser.click_and_wait(page, box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9)
        with page.expect_response(lambda response: "/app/static/maps/" in response.url) as fetched:
            page.get_by_role("combobox", name="Model").click()
            page.get_by_role("option", name="mnist-ae: plain autoencoder").click()
        assert fetched.value.ok and fetched.value.url.endswith(".json")
        page.wait_for_function(
            f"() => {{ const m = {browser.plot()}; return !!m && m.live.label === 'Latent map of mnist-ae'; }}"
        )
        browser.wait_until_idle(page)
        assert page.evaluate(browser.map_points_js()) == 10000
        # The largest message is the map's element with its script (about 70 KB).
        assert frames and max(frames) < 120_000, max(frames)
    finally:
        context.close()


def test_the_map_zooms_pans_resets_and_names_the_digit_under_the_pointer(page):
    """Scroll to zoom, drag to pan (neither decodes anything), the reset button, a hover label."""
    box = browser.plot_box(page)
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    start = page.evaluate(f"() => {browser.plot()}.geometry()")
    before = page.evaluate(browser.HEADINGS_JS)
    page.mouse.move(*centre)
    page.mouse.wheel(0, -400)
    page.wait_for_function(
        f"(w) => {{ const g = {browser.plot()}.geometry(); return g.x[1] - g.x[0] < 0.8 * w; }}",
        arg=start["x"][1] - start["x"][0],
    )
    zoomed = page.evaluate(f"() => {browser.plot()}.geometry()")
    assert zoomed["scale"] > 1.25 * start["scale"]
    page.mouse.down()
    page.mouse.move(centre[0] + 40, centre[1], steps=4)
    page.mouse.move(centre[0] + 120, centre[1] + 60, steps=4)
    page.mouse.up()
    page.wait_for_timeout(300)
    panned = page.evaluate(f"() => {browser.plot()}.geometry()")
    # The map moved with the pointer: 120 px right and 60 down, in latent units at this scale.
    assert abs((zoomed["x"][0] - panned["x"][0]) * zoomed["scale"] - 120) < 3
    assert abs((panned["y"][0] - zoomed["y"][0]) * zoomed["scale"] - 60) < 3
    browser.wait_until_idle(page)
    assert page.evaluate(browser.HEADINGS_JS) == before  # neither was taken for a click
    page.locator(f".st-key-{browser.MAP} .modebar-btn[data-title='Reset view']").click()
    reset = page.evaluate(f"() => {browser.plot()}.geometry()")
    assert reset["x"] == pytest.approx(start["x"]) and reset["y"] == pytest.approx(start["y"])
    x, y, index = page.evaluate(browser.data_point_js(), ["0", 0])
    page.mouse.move(*page.evaluate(browser.to_page_js(), [x, y]))
    tip = page.locator(f".st-key-{browser.MAP} .vae-map-tip")
    tip.wait_for(state="visible")
    assert tip.inner_text().splitlines()[0] == "0" and "test #" in tip.inner_text()


def test_a_click_on_empty_space_decodes_where_it_was_clicked(page):
    box = browser.plot_box(page)
    # The top-right corner of the map is empty latent space for any trained VAE.
    px, py = box["x"] + box["width"] * 0.93, box["y"] + box["height"] * 0.07
    clicked_x, clicked_y, width, height = page.evaluate(browser.to_latent_js(), [px, py])
    browser.click_and_wait(page, px, py)
    x, y = browser.decoded_z(page)
    assert abs(x - clicked_x) < 0.005 * width and abs(y - clicked_y) < 0.005 * height
    image = page.locator("[data-testid='stImage'] img").first
    assert image.bounding_box()["width"] >= 230  # large enough for a projector


def test_a_click_on_a_digit_shows_it_its_reconstruction_and_its_posterior(page):
    x, y, index = page.evaluate(browser.data_point_js(), ["1", 3])
    px, py = page.evaluate(browser.to_page_js(), [x, y])
    browser.click_and_wait(page, px, py)
    page.locator("h3", has_text=f"Test #{index}: 1").wait_for()
    # The panel's pictures follow its heading in the same run (a fresh clone's CI, under load,
    # looked between the two).
    page.get_by_text("original").first.wait_for()
    assert page.get_by_text("original").first.is_visible()
    page.get_by_text("decoded at its mean").first.wait_for()
    assert page.get_by_text("decoded at its mean").first.is_visible()
    page.get_by_text("times smaller").first.wait_for()  # σ next to the prior's 1
    page.get_by_text("This input's loss").first.wait_for()
    # Every picture of the panel came inside the page's message (no fetch after it), the
    # inset as SVG.
    sources = page.locator("[data-testid='stImage'] img").evaluate_all("images => images.map(i => i.src)")
    assert len(sources) == 4 and all(src.startswith("data:image/") for src in sources), sources
    assert sum(src.startswith("data:image/svg+xml") for src in sources) == 1
    # The reparameterization's graph is drawn once its expander is opened.
    assert page.locator("[data-testid='stGraphVizChart']").count() == 0
    page.get_by_text("The reparameterization, with this input's numbers").click()
    page.locator("[data-testid='stGraphVizChart'] svg").first.wait_for()
    assert page.locator("[data-testid='stGraphVizChart'] svg", has_text="z = μ + σ·ε").count() == 1
    browser.wait_for_mark(page, f"#{index}", kind="ring")
    assert len(page.evaluate(f"() => {browser.plot()}.marks")) == 1


def test_thirty_fast_clicks_lose_none(page):
    """Each click comes as soon as the previous image shows, the way students click."""
    box = browser.plot_box(page)
    lost, seen = [], set()
    for i in range(30):
        px = box["x"] + box["width"] * (0.05 + 0.03 * i)
        py = box["y"] + box["height"] * (0.04 + 0.013 * (i % 7))
        expected_x, expected_y, width, _ = page.evaluate(browser.to_latent_js(), [px, py])
        try:
            browser.click_and_wait(page, px, py, timeout_ms=5000)
        except Exception:
            lost.append(i)
            continue
        if page.locator("h3", has_text="Decoded z =").count():
            x, _ = browser.decoded_z(page)
            assert abs(x - expected_x) < 0.01 * width, (i, x, expected_x)
        seen.add(page.evaluate(browser.HEADINGS_JS))
    assert lost == [] and len(seen) == 30


def test_a_path_from_three_clicked_points(chromium, server):
    frames = []
    page = open_page(chromium, server, frames=frames)
    try:
        page.get_by_text("Add to path", exact=True).first.click()
        browser.wait_until_idle(page)
        box = browser.plot_box(page)
        # Briskly, as a person does: each click redraws the map (the path grows), and Streamlit
        # replaces the chart's element meanwhile; a click in that moment must still count.
        for fx, fy in ((0.2, 0.2), (0.5, 0.8), (0.8, 0.3)):
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(400)
        # A quick rerun shows no status widget, so "idle" may come before the last click's rerun.
        page.wait_for_function(
            f"() => {browser.traces_named('waypoints')}.some(t => t.text.length === 3)", timeout=TIMEOUT
        )
        assert page.evaluate(f"() => {browser.traces_named('waypoints')}[0].text") == ["A", "B", "C"]
        assert page.evaluate(f"() => {browser.traces_named('path')}.length") == 1
        page.get_by_text("frames decoded along the path").wait_for()
        # The last click's reruns over first: a download button replaced by a rerun as it is
        # pressed asks for a file the server no longer has (a fresh clone's CI under load).
        browser.wait_until_idle(page)
        frames.clear()
        with page.expect_download() as download:  # the GIF is made when it is asked for
            page.get_by_role("button", name="Download the morph (GIF)").click()
        assert Path(download.value.path()).read_bytes()[:6] == b"GIF89a"
        # The button reruns nothing: a run would replace the GIF's callable while the browser asks
        # for it (a fresh clone's CI under load waited 90 s for a download that never came).
        page.wait_for_timeout(1000)
        assert runs_of(frames) == []
    finally:
        page.context.close()


def test_each_tab_is_sent_while_open_and_the_path_keeps_its_settings(page):
    """The closed tabs are not on the first page; the path's settings outlast a visit elsewhere."""
    assert page.get_by_text("Steps per leg").count() == 0
    page.get_by_role("tab", name="Path").click()
    page.get_by_text("Steps per leg").wait_for()
    page.get_by_text("spherical", exact=True).click()
    browser.wait_until_idle(page)
    page.get_by_role("tab", name="Sample the prior").click()
    page.get_by_role("button", name="Draw 16 samples from N(0, I)").click()
    page.get_by_text("samples, shown as diamonds on the map").wait_for()
    page.wait_for_function(f"() => {browser.traces_named('prior samples')}.length > 0", timeout=TIMEOUT)
    assert page.get_by_text("Steps per leg").count() == 0
    page.get_by_role("tab", name="Path").click()
    page.get_by_text("Steps per leg").wait_for()
    assert page.get_by_role("radio", name="spherical").is_checked()
    # The path drawn after the visit uses the kept setting: two waypoints, a spherical leg.
    page.get_by_role("button", name="Add this test digit").click()
    browser.wait_until_idle(page)
    page.get_by_label("Test digit number").fill("1")
    page.get_by_label("Test digit number").press("Enter")
    browser.wait_until_idle(page)
    page.get_by_role("button", name="Add this test digit").click()
    page.wait_for_function(f"() => {browser.traces_named('path')}.length === 1", timeout=TIMEOUT)
    page.get_by_text("frames decoded along the path").wait_for()
    xs, ys = page.evaluate(f"() => {{ const t = {browser.traces_named('path')}[0]; return [[...t.x], [...t.y]]; }}")
    middle, chord = np.array([xs[len(xs) // 2], ys[len(ys) // 2]]), (np.array([xs[0], ys[0]]) + [xs[-1], ys[-1]]) / 2
    assert np.hypot(*(middle - chord)) > 0.01  # a spherical leg bends; a linear one would not


def test_an_uploaded_png_appears_on_the_map_with_its_input(page, mnist_test):
    page.get_by_role("tab", name="Your digit").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "my-seven.png", "mimeType": "image/png", "buffer": digit_png(mnist_test.x_test[0])}]
    )
    page.get_by_text("what the model sees (28×28)").first.wait_for()
    page.wait_for_function(f"() => {browser.traces_named('my-seven')}.length > 0", timeout=TIMEOUT)
    page.locator("h3", has_text="Your digit: my-seven").wait_for()
    # Its name is written once on the map, by its star: the chosen point's ring around the
    # star says nothing (the two names overlapped).
    page.wait_for_function(f"() => {browser.plot()}.marks.some(m => m.kind === 'ring')", timeout=TIMEOUT)
    assert [m["label"] for m in page.evaluate(f"() => {browser.plot()}.marks")] == [""]
    assert page.evaluate(f"() => {browser.traces_named('my-seven')}.map(t => t.text)") == [["my-seven"]]
    # A visit to another tab loses nothing: the uploader still lists the file, once.
    page.get_by_role("tab", name="How it works").click()
    page.get_by_text("The encoder outputs a distribution").wait_for()
    page.get_by_role("tab", name="Your digit").click()
    page.get_by_text("what the model sees (28×28)").first.wait_for()
    assert page.get_by_text("my-seven.png").count() == 1
    assert page.evaluate(f"() => {browser.traces_named('my-seven')}.length") == 1


def test_a_faint_pencil_photo_is_placed_and_shows_what_the_model_was_given(page, mnist_test):
    from bench import handwriting

    index = 3  # a real test digit, photographed faintly on paper with uneven light and grain
    photo = handwriting.photo(mnist_test.x_test[index], np.random.default_rng(5), faint=True)
    page.get_by_role("tab", name="Your digit").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "pencil.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    given = page.locator("[data-testid=stImage]").filter(has_text="what the model sees (28×28)").first
    given.wait_for()
    assert page.get_by_text("No digit found").count() == 0
    # In the panel of uploads, which of its readings the model chose (vae/analysis/reading.py).
    chosen = page.get_by_text("Of 30 readings of your picture").first
    chosen.wait_for()
    assert "this model took the one it explains best, the lowest negative ELBO: strokes " in chosen.inner_text()
    picture = given.locator("img")
    assert "28 by 28" in picture.get_attribute("alt")
    assert page.evaluate("(img) => img.naturalWidth % 28 === 0 && img.naturalWidth >= 28", picture.element_handle())
    # Placed: the sentence under it names where it landed by its 5 nearest test digits.
    digit = str(mnist_test.y_test[index])
    placed = page.get_by_text("is on the map as a star").first
    placed.wait_for()
    text = placed.inner_text()
    assert f"among the {digit}s" in text or ("lands between" in text and f" {digit}" in text.split("between")[1])


def draw_stroke(page, points) -> None:
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point)
    page.mouse.up()


def test_drawing_on_the_canvas_encodes_the_drawing(page):
    page.get_by_role("tab", name="Your digit").click()
    canvas = page.locator("canvas[aria-label='drawing canvas']")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    draw_stroke(page, [(box["x"] + 140, box["y"] + 40 + step * 10) for step in range(21)])
    page.get_by_role("button", name="Use drawing").click()
    page.get_by_text("what the model sees (28×28)").first.wait_for()
    assert page.locator("strong", has_text="drawing 1").first.is_visible()
    assert page.get_by_text("No digit found").count() == 0


def messages(frames: list):
    """Streamlit's messages (ForwardMsg) in these websocket frames, with each one's kind."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    for payload in (payload for payload in frames if isinstance(payload, bytes)):
        message = ForwardMsg()
        message.ParseFromString(payload)
        yield message.WhichOneof("type"), message


def runs_of(frames: list) -> list[tuple[str, ...]]:
    """The script runs the server made in these websocket messages: each one's fragments
    (empty: a run of the whole page), and "sidebar" once for any element it sent there."""
    runs = []
    for kind, message in messages(frames):
        if kind == "new_session":
            runs.append(tuple(message.metadata.run.fragment_ids))
        elif kind == "delta" and message.metadata.delta_path[0] == 1 and runs and "sidebar" not in runs[-1]:
            runs[-1] += ("sidebar",)
    return runs


def first_run_elements(frames: list) -> list[tuple[str, str]]:
    """The elements of the first script run in these websocket messages, in the order they were
    sent: (where, what) with where "sidebar" or "main" and what the element's kind."""
    sent, runs = [], 0
    for kind, message in messages(frames):
        runs += kind == "new_session"
        if runs > 1:
            break
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            where = {0: "main", 1: "sidebar"}.get(message.metadata.delta_path[0], "other")
            sent.append((where, message.delta.new_element.WhichOneof("type")))
    return sent


@pytest.mark.parametrize("view, key", [("explore", browser.MAP), ("compare", "compare_map_0"), ("board", "board_map")])
def test_a_new_pages_sidebar_comes_before_its_first_map(chromium, server, view, key):
    """A sidebar that comes after a map shrinks it: on the compare view's new pages it did,
    under the pointer, and the explore page's map did on a loaded machine (CI). So a new page's
    first run sends the sidebar (or its room) before any map, in every view."""
    frames = []
    page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(f"{server}/?view={view}")
    browser.wait_for_map(page, key)
    page.context.close()
    sent = first_run_elements(frames)
    first_map = sent.index(("main", "bidi_component"))
    assert any(where == "sidebar" for where, _ in sent[:first_map]), sent


def test_a_drawing_a_waypoint_and_a_click_rerun_what_they_change_not_the_whole_page(chromium, server):
    """What the panels change on the map reruns the map and the decoded point (explorer/reruns.py),
    not the header, the sidebar and the panels a second time: with a class on one server,
    those whole-page runs were the tail of every waypoint and every digit sent."""
    frames = []
    page = open_page(chromium, server, frames=frames)
    page.get_by_role("tab", name="Your digit").click()
    browser.wait_until_idle(page)
    canvas = page.locator("canvas[aria-label='drawing canvas']")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    draw_stroke(page, [(box["x"] + 140, box["y"] + 40 + step * 10) for step in range(21)])
    frames.clear()
    page.get_by_role("button", name="Use drawing").click()
    # The drawing is on the map as a star, and beside it as the chosen digit.
    page.wait_for_function(f"() => {browser.traces_named('drawing 1')}.length > 0", timeout=TIMEOUT)
    page.locator("h3", has_text="Your digit: drawing 1").wait_for()
    page.get_by_role("tab", name="Path").click()
    # The tab's run over before its button is pressed: a press the moment the button came was
    # once lost in CI (no waypoint in 90 s; not explained yet: the closing note of 2026-12-04).
    browser.wait_until_idle(page)
    page.get_by_role("button", name="Add this test digit").click()
    page.wait_for_function(f"() => {browser.traces_named('waypoints')}.length > 0", timeout=TIMEOUT)
    # With the map as a table open, a click names its point there too.
    page.get_by_text("The map as a table").click()
    page.get_by_text("The path:").wait_for()
    box = browser.plot_box(page)
    browser.click_and_wait(page, box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9)
    x, y = browser.decoded_z(page)
    page.get_by_text(f"Chosen point: z = ({x:.2f}, {y:.2f})").wait_for()
    browser.wait_until_idle(page)
    runs = runs_of(frames)
    page.context.close()
    assert len(runs) >= 5, runs  # the drawing, the tab, the waypoint, the table, the click
    assert all(run and "sidebar" not in run for run in runs), runs


def test_a_bad_upload_is_explained_and_nothing_is_lost(page, mnist_test):
    page.get_by_role("tab", name="Your digit").click()
    upload = page.locator("input[type=file]")
    upload.set_input_files(
        files=[{"name": "good.png", "mimeType": "image/png", "buffer": digit_png(mnist_test.x_test[5])}]
    )
    page.get_by_text("what the model sees (28×28)").first.wait_for()
    upload.set_input_files(
        files=[
            {"name": "good.png", "mimeType": "image/png", "buffer": digit_png(mnist_test.x_test[5])},
            {"name": "homework.png", "mimeType": "image/png", "buffer": b"This is my essay, not a picture."},
            {"name": "cat.png", "mimeType": "image/png", "buffer": digit_png(np.zeros((28, 28)))},
        ]
    )
    page.get_by_text("homework: This file is not an image").wait_for()
    page.get_by_text("cat: No digit found").wait_for()
    page.wait_for_function(f"() => {browser.traces_named('good')}.length > 0", timeout=TIMEOUT)
    assert page.locator("strong", has_text="good").first.is_visible()


def test_the_compare_view_marks_a_clicked_digit_in_every_map(chromium, server):
    page = chromium.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(server + "/?view=compare")
    keys = [f"compare_map_{n}" for n in range(3)]
    for key in keys:
        browser.wait_for_map(page, key)
    assert [page.evaluate(browser.map_points_js(key)) for key in keys] == [10000] * 3
    for title in ("Autoencoder (β = 0)", "VAE (β = 1)", "β-VAE"):
        page.get_by_role("heading", name=title).first.wait_for()
    x, y, index = page.evaluate(browser.data_point_js(keys[1]), ["7", 2])
    px, py = page.evaluate(browser.to_page_js(keys[1]), [x, y])
    page.mouse.click(px, py)
    for key in keys:  # the same digit is marked in every map, at its place in that map
        browser.wait_for_mark(page, f"#{index}", key)
    page.get_by_text("reconstruction").nth(2).wait_for()  # and each model's reconstruction
    page.get_by_role("button", name="Sample from N(0, I): the same ε in every model").click()
    page.get_by_text("decodes of the same 8 draws").nth(2).wait_for()  # one under every map
    assert page.get_by_text("decodes of the same 8 draws").count() == 3
    page.context.close()

"""A class that holds against its own students, in Chromium: limits per student (a browser, not
a tab), board codes that exist, values from outside shown as text, forged clicks, and the
server's memory under four hostile uploads at once."""

import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from bench.common import memory_mb
from bench.load import Session
from bench.uploads import hostile_png
from tests import browser
from tests.test_browser_classroom import draw_a_one
from vae.classroom.board import SEND_INTERVAL

TIMEOUT = 90_000
TEACHER_CODE = "heron-3390"
SEND = re.compile(r"^Send to the class board")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("students-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache), "VAE_TEACHER_CODE": TEACHER_CODE}) as url:
        yield url


def tab(context, url: str, map_key: str = browser.MAP):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    browser.wait_for_map(page, map_key)
    browser.wait_until_idle(page)
    return page


def test_four_tabs_of_one_browser_send_one_digit_and_the_others_are_told_to_wait(chromium, server):
    browser_of_one_student = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        tabs = [tab(browser_of_one_student, server) for _ in range(4)]
        for page in tabs:
            draw_a_one(page)
            page.get_by_role("button", name=SEND).wait_for()
        buttons = [page.get_by_role("button", name=SEND) for page in tabs]
        started = time.monotonic()
        for button in buttons:  # four presses at once (a click event each, as fast as they go)
            button.dispatch_event("click")
        # What follows holds for presses within one interval (on a slow machine the four take longer).
        assert time.monotonic() - started < SEND_INTERVAL - 1, "the four presses were not within one interval"
        for page in tabs:
            page.wait_for_function(
                "() => document.body.innerText.includes('Not sent yet: wait')"
                " || [...document.querySelectorAll('button')].some(b => b.innerText.includes('Sent ✓'))"
            )
        sent = [page for page in tabs if page.get_by_role("button", name="Sent ✓").count()]
        told = [page for page in tabs if page.get_by_text("Not sent yet: wait").count()]
        assert len(sent) == 1 and len(told) == 3
        assert "from all your tabs together" in told[0].get_by_text("Not sent yet: wait").inner_text()
        # The teacher's board shows the one digit, and counts the three refused.
        teacher = tab(
            chromium.new_context(viewport={"width": 1400, "height": 950}), server + "/?view=board", "board_map"
        )
        teacher.get_by_text("1 digit").first.wait_for()
        teacher.context.close()
    finally:
        browser_of_one_student.close()


def test_the_teacher_code_lockout_holds_in_a_new_tab(chromium, server):
    guesser = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        first = tab(guesser, server + "/?view=board", "board_map")
        first.get_by_text("Teacher", exact=True).click()
        for number in range(5):
            box = first.get_by_role("textbox", name="Teacher code")
            box.fill(f"guess-{number}")
            box.press("Enter")
            first.wait_for_function(
                "(n) => document.body.innerText.includes(`${5 - n - 1} more tr`) || document.body.innerText.includes('wait')",
                arg=number,
            )
        first.get_by_text("5 wrong codes: wait").wait_for()
        # A new tab of the same browser starts no new count: it waits too, its box disabled.
        second = tab(guesser, server + "/?view=board", "board_map")
        second.get_by_text("5 wrong codes: wait").wait_for()
        assert second.get_by_role("textbox", name="Teacher code").is_disabled()
        # Another browser (another student, or the teacher) is not locked out by this one.
        other = tab(chromium.new_context(viewport={"width": 1400, "height": 950}), server + "/?view=board", "board_map")
        other.get_by_text("Teacher", exact=True).click()
        other.get_by_role("textbox", name="Teacher code").fill(TEACHER_CODE)
        other.get_by_role("textbox", name="Teacher code").press("Enter")
        other.get_by_role("button", name="Clear the class board").wait_for()
        other.context.close()
    finally:
        guesser.close()


def test_a_board_code_that_was_never_created_is_refused_with_a_message(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = tab(context, server + "/?board=NOPE42")
        page.get_by_text("There is no class board NOPE42 on this server").wait_for()
        # The page's link no longer names it: what it sends goes to the server's own board.
        page.get_by_role("button", name="Link").click()
        assert "board=" not in page.locator(".st-key-link_box [data-testid='stCode']").first.inner_text()
    finally:
        context.close()


def links_and_images(page) -> tuple[list[str], list[str]]:
    hrefs = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '')")
    sources = page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '')")
    return hrefs, sources


def test_a_url_value_that_holds_markdown_is_shown_as_text(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = tab(context, server + "/?model=`![x](/evil.png)[go](/away)")
        notice = page.get_by_text("was ignored", exact=False).first
        notice.wait_for()
        assert "![x](/evil.png)[go](/away)" in notice.inner_text()
        hrefs, sources = links_and_images(page)
        assert "/away" not in hrefs and not any("evil" in s for s in sources)
    finally:
        context.close()


def digit_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((255 - image * 255).astype(np.uint8)).resize((140, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_file_name_that_holds_markdown_is_shown_as_text_everywhere(chromium, server, mnist_test):
    name = "![p](x.png)[a](b)**c**"
    context = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = tab(context, server)
        page.get_by_role("tab", name="Your digit").click()
        upload = page.locator("input[type=file]")
        upload.set_input_files(
            files=[{"name": name + ".png", "mimeType": "image/png", "buffer": digit_png(mnist_test.x_test[0])}]
        )
        # The sentence under the upload and the decoded panel's heading.
        page.get_by_text(f"{name} is on the map as a star").wait_for()
        page.locator("h3", has_text=f"Your digit: {name}").wait_for()
        # A file that is not a picture: its message names it as it is.
        upload.set_input_files(files=[{"name": "**essay**.png", "mimeType": "image/png", "buffer": b"not a picture"}])
        page.get_by_text("**essay**: This file is not an image").wait_for()
        # On the path: the filmstrip's names and the map as a table.
        page.get_by_role("button", name="Add this point to the path").click()
        page.get_by_text(f"A {name}", exact=False).first.wait_for()
        page.get_by_text("The map as a table").click()
        page.get_by_role("cell", name=name).wait_for()
        hrefs, sources = links_and_images(page)
        assert "b" not in hrefs and not any(s.endswith("x.png") for s in sources)
        assert page.locator("strong", has_text=re.compile(r"^c$")).count() == 0
    finally:
        context.close()


def test_a_forged_click_far_outside_the_map_is_ignored_with_a_notice(server):
    session = Session(server)
    try:
        session.open()
        for x, y in ((1e308, -1e308), (float("nan"), 0.0), (5000.0, 1.0)):
            # As the map's JavaScript would send a click; RuntimeError if the app raised.
            session.component_event("vae_map_layer", "click", {"x": x, "y": y, "scale": 100.0, "hidden": []})
        session.run()
        assert any("A click outside the map's range was ignored" in text for text in session.markdown)
    finally:
        session.close()


def test_four_hostile_49_megapixel_uploads_at_once_grow_the_server_by_less_than_600_mb(chromium, tmp_path):
    picture = tmp_path / "huge.png"
    hostile_png(picture)
    port = browser.free_port()
    process = browser.start_server(port, {"VAE_CACHE_DIR": str(tmp_path / "cache")})
    url = f"http://127.0.0.1:{port}"
    contexts = []
    try:
        browser.wait_http(url, process)
        pages = []
        for _ in range(4):  # four students, each with a browser of their own
            contexts.append(chromium.new_context(viewport={"width": 1400, "height": 950}))
            page = tab(contexts[-1], url)
            page.get_by_role("tab", name="Your digit").click()
            pages.append(page)
        time.sleep(1.0)
        before, _ = memory_mb(process.pid)
        with open(f"/proc/{process.pid}/clear_refs", "w") as refs:
            refs.write("5")  # the peak resident size starts again from now (Linux, as root)
        for page in pages:  # each returns once its page has the file: the four upload at once
            page.locator("input[type=file]").set_input_files(str(picture))
        for page in pages:  # every page's upload prepared (a stroke: a 1), the server alive
            page.get_by_text("is on the map as a star").first.wait_for(timeout=120_000)
        _, peak = memory_mb(process.pid)
        assert process.poll() is None
        assert peak - before <= 600, f"the server grew by {peak - before:.0f} MB (from {before:.0f} MB)"
    finally:
        for context in contexts:
            context.close()
        process.terminate()
        process.wait(timeout=20)

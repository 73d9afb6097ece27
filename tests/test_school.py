"""A school through a real proxy (deploy/): Debian's nginx in front of two app processes that
share one Redis board, driven by Chromium through nginx. An app process is killed in the
middle of a session; its students' pages come back on the other process."""

import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from tests import browser
from tests.test_browser_classroom import draw_a_one

TEACHER_CODE = "kestrel-77"


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    for binary in ("nginx", "redis-server"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            pytest.skip(f"needs Debian's {binary} (apt-get install -y nginx redis-server)")
    from deploy.school import school

    cache = tmp_path_factory.mktemp("school-cache")
    with school(2, env={"VAE_CACHE_DIR": str(cache), "VAE_TEACHER_CODE": TEACHER_CODE}) as running:
        yield running


def page_on(chromium, school, process: int, path: str = "/", tries: int = 40):
    """A new browser (its own cookies) whose sticky route lands on app process `process`."""
    for _ in range(tries):
        context = chromium.new_context(viewport={"width": 1400, "height": 950})
        page = context.new_page()
        page.set_default_timeout(90_000)
        response = page.goto(school.url + path)
        if school.app_of(response.headers["x-vae-upstream"]) == process:
            return page
        context.close()
    raise AssertionError(f"no route to process {process} in {tries} browsers")


def test_one_board_across_processes_and_a_killed_process_loses_no_one(chromium, school):
    student = page_on(chromium, school, 0)
    teacher = page_on(chromium, school, 1, "/?view=board")
    try:
        browser.wait_for_map(student)
        browser.wait_for_map(teacher, "board_map")
        # A student on one process sends; the teacher on the other sees it: one board.
        draw_a_one(student)
        student.get_by_label("Your first name or a nickname (optional)").fill("Ada")
        student.get_by_role("button", name=re.compile(r"^Send to the class board")).click()
        student.get_by_role("button", name="Sent ✓").wait_for()
        browser.wait_for_mark(teacher, "Ada", "board_map", kind="dot", timeout_ms=15_000)
        # The student chooses a point; its view is in the page's URL.
        student.locator(f".st-key-{browser.MAP}").scroll_into_view_if_needed()
        box = browser.plot_box(student)
        browser.click_and_wait(student, box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.06)
        student.wait_for_function("() => location.search.includes('z=') || location.search.includes('digit=')")
        heading = student.locator("h3").first.inner_text()
        # The student's process dies in the middle of the session.
        os.kill(school.apps[0].pid, signal.SIGKILL)
        school.apps[0].wait(timeout=10)
        # The page reconnects through nginx to the other process, and its view comes back from the URL.
        student.wait_for_function(
            "(before) => [...document.querySelectorAll('h3')].some(h => h.textContent === before)"
            " && !document.querySelector('[data-testid=stConnectionStatus]')",
            arg=heading,
            timeout=60_000,
        )
        browser.wait_for_map(student)
        upstream = student.evaluate("async () => (await fetch('/_stcore/health')).headers.get('x-vae-upstream')")
        assert school.app_of(upstream) == 1
        # The board lost nothing: the teacher (on the living process) still shows the digit.
        teacher.reload()
        browser.wait_for_map(teacher, "board_map")
        browser.wait_for_mark(teacher, "Ada", "board_map", kind="dot", timeout_ms=15_000)
        teacher.get_by_text("1 digit").first.wait_for()
    finally:
        for page in (student, teacher):
            page.context.close()

"""The class board under the teacher's control, in Chromium: held digits, the send limit, the
teacher code's lockout, and a Redis board that expires."""

import re
import subprocess

import pytest

from tests import browser
from tests.test_board import redis_url  # noqa: F401 (a fixture: a real redis-server)
from tests.test_browser_classroom import board_controls, draw_a_one, open_page

TEACHER_CODE = "heron-3310"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("board-cache")
    with browser.streamlit_server({"VAE_CACHE_DIR": str(cache), "VAE_TEACHER_CODE": TEACHER_CODE}) as url:
        yield url


def log_in(page, code: str = TEACHER_CODE) -> None:
    page.get_by_text("Teacher", exact=True).click()
    box = page.get_by_role("textbox", name="Teacher code")
    box.fill(code)
    box.press("Enter")


def send(page, name: str) -> None:
    draw_a_one(page)
    page.get_by_label("Your first name or a nickname (optional)").fill(name)
    page.get_by_role("button", name=re.compile(r"^Send to the class board")).click()


HOLDING = re.compile(r"No digit is waiting for approval|Waiting for your approval")


def hold_off(teacher) -> None:
    """Switch holding off from a teacher's page, if its toggle is on, and wait until the page
    shows it off. (The toggle, not the held list: the list of a page that has just switched it
    off may still be there, and a second click would switch it on again.)"""
    toggle = teacher.get_by_role("switch", name="Hold new digits until I approve them")
    if toggle.count() and toggle.is_checked():
        teacher.get_by_text("Hold new digits until I approve them").click()
    teacher.get_by_text(HOLDING).first.wait_for(state="detached")


def moderation_controls(page) -> int:
    return page.get_by_role("button", name=re.compile(r"^(Approve|Remove)$")).count()


def test_held_digits_wait_for_the_teacher_who_approves_or_removes_them(chromium, server):
    teacher = open_page(chromium, server + "/?view=board", map_key="board_map")
    log_in(teacher)
    teacher.get_by_text("Hold new digits until I approve them").click()
    teacher.get_by_text("No digit is waiting for approval").wait_for()
    student, other = open_page(chromium, server), open_page(chromium, server)
    try:
        send(student, "Ada")
        student.get_by_role("button", name="Sent, waiting for the teacher").wait_for()
        student.get_by_text("waiting for the teacher: it shows there once approved").wait_for()
        teacher.get_by_text("Waiting for your approval (1)").wait_for()
        # Held: not on the projected map, not in the gallery, and no student sees the controls.
        assert not any(m["label"] == "Ada" for m in teacher.evaluate(f"() => {browser.plot('board_map')}.marks"))
        # The gallery comes after the held list in the same run: wait for it, do not race it.
        teacher.get_by_text("Nothing sent yet").wait_for(timeout=10_000)
        assert moderation_controls(student) == 0 and moderation_controls(other) == 0
        assert board_controls(other) == 0
        teacher.get_by_role("button", name="Approve", exact=True).click()
        browser.wait_for_mark(teacher, "Ada", "board_map", kind="dot", timeout_ms=10_000)
        # A second one, removed: it never reaches the map.
        send(other, "Rude")
        teacher.get_by_text("Waiting for your approval (1)").wait_for()
        teacher.get_by_role("button", name="Remove", exact=True).first.click()
        teacher.get_by_text("No digit is waiting for approval").wait_for()
        teacher.wait_for_timeout(1500)
        labels = [m["label"] for m in teacher.evaluate(f"() => {browser.plot('board_map')}.marks")]
        assert labels == ["Ada"]
    finally:
        hold_off(teacher)  # as the next tests expect, even when this one failed half-way
        for page in (teacher, student, other):
            page.context.close()


def test_one_digit_every_five_seconds_and_the_teacher_counts_what_was_refused(chromium, server):
    student = open_page(chromium, server)
    teacher = open_page(chromium, server + "/?view=board", map_key="board_map")
    try:
        send(student, "Bo")
        student.get_by_role("button", name="Sent ✓").wait_for()
        draw_a_one(student)
        button = student.get_by_role("button", name=re.compile(r"^Send to the class board \(wait \d s\)"))
        button.wait_for()  # the button says how long to wait
        button.click()
        student.get_by_text(re.compile(r"Not sent yet: wait \d s more")).wait_for()
        log_in(teacher)
        teacher.get_by_text(re.compile(r"1 send refused")).wait_for()
        student.wait_for_timeout(5200)
        student.get_by_role("button", name=re.compile(r"^Send to the class board")).click()
        student.get_by_role("button", name="Sent ✓").wait_for()
    finally:
        for page in (student, teacher):
            page.context.close()


def test_five_wrong_teacher_codes_make_a_session_wait(chromium, server):
    page = open_page(chromium, server + "/?view=board", map_key="board_map")
    try:
        page.get_by_text("Teacher", exact=True).click()
        box = page.get_by_role("textbox", name="Teacher code")
        for attempt in range(5):
            box.fill(f"guess-{attempt}")
            box.press("Enter")
            browser.wait_until_idle(page)
        page.get_by_text(re.compile(r"5 wrong codes: wait \d+ s before trying again")).wait_for()
        assert page.get_by_role("textbox", name="Teacher code").is_disabled()
        assert board_controls(page) == 0
    finally:
        page.context.close()


def test_a_redis_board_keeps_a_sent_digit_for_its_time_to_live(chromium, tmp_path, redis_url):  # noqa: F811
    env = {"VAE_CACHE_DIR": str(tmp_path), "VAE_BOARD_URL": redis_url, "VAE_BOARD_TTL": "900"}
    with browser.streamlit_server(env) as url:
        student = open_page(chromium, url)
        try:
            send(student, "Cy")
            student.get_by_role("button", name="Sent ✓").wait_for()
        finally:
            student.context.close()
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    keys = subprocess.run(
        ["redis-cli", "-p", port, "--scan", "--pattern", "vae-board:_:*"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "vae-board:_:entries" in keys
    for key in keys:
        ttl = int(subprocess.run(["redis-cli", "-p", port, "TTL", key], capture_output=True, text=True).stdout)
        assert 0 < ttl <= 900, key


def test_two_teacher_pages_agree_on_holding(chromium, server):
    laptop = open_page(chromium, server + "/?view=board", map_key="board_map")
    projector = open_page(chromium, server + "/?view=board", map_key="board_map")
    student = open_page(chromium, server)
    try:
        log_in(laptop)
        log_in(projector)
        laptop.get_by_text("Hold new digits until I approve them").click()
        laptop.get_by_text("No digit is waiting for approval").wait_for()
        # The projector's page follows within its poll, and never switches it back.
        projector.get_by_text("No digit is waiting for approval").wait_for()
        projector.wait_for_timeout(2500)
        send(student, "Dee")
        student.get_by_role("button", name="Sent, waiting for the teacher").wait_for()
        projector.get_by_text("Waiting for your approval (1)").wait_for()
        projector.get_by_role("button", name="Remove", exact=True).first.click()
        laptop.get_by_text("Hold new digits until I approve them").click()  # as the other tests expect
        laptop.get_by_text(HOLDING).first.wait_for(state="detached")
        projector.get_by_text("No digit is waiting for approval").wait_for(state="detached")
    finally:
        hold_off(laptop)
        for page in (laptop, projector, student):
            page.context.close()

"""A school through a real proxy (deploy/): Debian's nginx in front of two app processes that
share one Redis board, driven by Chromium through nginx. An app process is killed in the
middle of a session; its students' pages come back on the other process."""

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests import browser
from tests.conftest import SHARED_MNIST
from tests.test_browser_classroom import draw_a_one

TEACHER_CODE = "kestrel-77"


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    for binary in ("nginx", "redis-server"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            pytest.skip(f"needs Debian's {binary} (apt-get install -y nginx redis-server)")
    from deploy.school import school

    cache = tmp_path_factory.mktemp("school-cache")
    env = {
        "VAE_CACHE_DIR": str(cache),
        "VAE_TEACHER_CODE": TEACHER_CODE,
        "VAE_MODEL_STORE": str(tmp_path_factory.mktemp("school-store")),
        "VAE_DATA_DIR": str(SHARED_MNIST.parent),
        "VAE_SLOT_DIR": str(tmp_path_factory.mktemp("school-slots")),
    }
    with school(2, env=env, workers=2) as running:
        yield running


def page_on(chromium, school, process: int, path: str = "/", tries: int = 40):
    """A new browser (its own cookies) whose sticky route lands on app process `process`."""
    for _ in range(tries):
        context = chromium.new_context(viewport={"width": 1400, "height": 950})
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(school.url + path)
        if served_by(school, page) == process:
            return page
        context.close()
    raise AssertionError(f"no route to process {process} in {tries} browsers")


def served_by(school, page) -> int | None:
    """The app process behind a page: its route cookie, looked up in nginx's routes.log."""
    route = next(c["value"] for c in page.context.cookies() if c["name"] == "vae_route")
    for _ in range(50):  # nginx writes a request's line once its response is sent
        process = school.app_of(route)
        if process is not None:
            return process
        time.sleep(0.05)
    return None


def test_the_class_follows_a_teacher_on_another_process_through_a_redis_restart(chromium, school):
    from tests.test_browser_follow import FOLLOWING, HEADING, click_digit, lead_on, stop_leading

    teacher = page_on(chromium, school, 1, "/?view=board")
    student = None
    try:
        browser.wait_for_map(teacher, "board_map")
        browser.wait_until_idle(teacher)
        lead_on(teacher, TEACHER_CODE)
        # The student comes into a class the teacher already leads, on the other process.
        student = page_on(chromium, school, 0)
        browser.wait_for_map(student)
        student.wait_for_selector(FOLLOWING, timeout=15_000)
        shown = click_digit(teacher, "1", 3)
        student.wait_for_function(f"(h) => ({HEADING})() === h", arg=shown, timeout=15_000)
        box = browser.plot_box(teacher)
        for step in range(6):
            teacher.mouse.move(box["x"] + box["width"] * (0.3 + 0.05 * step), box["y"] + box["height"] * 0.4)
        student.wait_for_function(f"() => {browser.plot()}.marks.some(m => m.kind === 'teacher')", timeout=10_000)
        # Redis restarts (empty) under the class: the student's page says so, keeps its view...
        school.stop_redis()
        student.get_by_text("The connection to the class was lost").wait_for(timeout=15_000)
        assert student.evaluate(HEADING) == shown
        school.start_redis()
        # ...and follows again by itself once it is back.
        student.wait_for_selector(FOLLOWING, timeout=30_000)
        assert student.evaluate(HEADING) == shown
        again = click_digit(teacher, "0", 20)
        student.wait_for_function(f"(h) => ({HEADING})() === h", arg=again, timeout=15_000)
        stop_leading(teacher)
    finally:
        for page in (student, teacher):
            if page is not None:
                page.context.close()


def test_trainings_pressed_on_two_processes_run_on_the_workers_one_at_a_time(chromium, school):
    """Two students on the two app processes press Train: the school's two workers share the
    machine's one slot (2 cores), so one trains and the other waits in line with its place. The
    training worker is killed mid-training; its job finishes on the other. Both models land in the
    shared store, each student sees their own (the waiting one after a reload, as after a killed
    process), and the other process lists it."""
    from tests.test_browser_training import start_training

    if not SHARED_MNIST.is_dir():
        pytest.skip("needs ../shared/data/mnist (the training images)")
    alive = [i for i, app in enumerate(school.apps) if app.poll() is None]  # (a test may have killed one)
    first, second = page_on(chromium, school, alive[0]), page_on(chromium, school, alive[-1])
    try:
        for page in (first, second):
            browser.wait_for_map(page)
            browser.wait_until_idle(page)
        start_training(first, 8, seed=21, waits=True)
        start_training(second, 1, seed=22, waits=True)
        # One of the two waits in line (the workers take one training at a time on this machine).
        waiting = re.compile(r"Waiting in line.*place 1 of 1")
        browser_pages = (first, second)
        deadline = time.monotonic() + 120
        while not any(p.get_by_text(waiting).count() for p in browser_pages):
            assert time.monotonic() < deadline, "neither page showed its place in line"
            time.sleep(0.5)
        # The app processes train nothing themselves (VAE_QUEUE_URL, here VAE_BOARD_URL, is set):
        # the training child is a worker's.
        import psutil

        def training_children(process) -> int:
            try:
                children = psutil.Process(process.pid).children(recursive=True)
                return sum("--progress-json" in c.cmdline() for c in children if c.is_running())
            except psutil.Error:  # it ended meanwhile
                return 0

        wait_until_true(lambda: sum(training_children(w) for w in school.workers) == 1, 120)
        assert sum(training_children(app) for app in school.apps) == 0
        # The waiting student reloads (a new session: as after their process was killed and nginx
        # sent them to another): the page finds their place in line, or their training.
        waiter = next(p for p in browser_pages if p.get_by_text(waiting).count())
        waiter.goto(school.url + "/")
        browser.wait_for_map(waiter)
        found = waiter.get_by_text(re.compile("Waiting in line|Now showing")).or_(
            waiter.locator("[data-testid='stProgress']")
        )
        found.first.wait_for(timeout=30_000)
        # The worker that trains is killed (SIGKILL) mid-training: its job goes back to the queue
        # and the other worker trains it; no student loses their model.
        wait_until_true(lambda: any(training_children(w) for w in school.workers), 60)
        training_worker = next(w for w in school.workers if training_children(w))
        training_worker.send_signal(signal.SIGKILL)
        training_worker.wait(timeout=10)
        school.start_worker()  # the operator's replacement, for the tests after this one
        for page in browser_pages:
            page.get_by_text(re.compile("Now showing")).first.wait_for(timeout=300_000)
        names = [p.evaluate("() => new URL(location.href).searchParams.get('model')") for p in browser_pages]
        assert names[0] and names[1] and names[0] != names[1], names
        assert all(name.startswith("mnist-dense-") for name in names)
        # The model trained for the student on process 0 opens by its link on process 1.
        other = page_on(chromium, school, alive[-1], f"/?model={names[0]}")
        browser.wait_for_map(other)
        assert other.evaluate("() => new URL(location.href).searchParams.get('model')") == names[0]
        other.context.close()
    finally:
        for page in (first, second):
            page.context.close()


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
        student.evaluate("async () => (await fetch('/_stcore/health')).status")
        assert served_by(school, student) == 1
        # The board lost nothing: the teacher (on the living process) still shows the digit.
        teacher.reload()
        browser.wait_for_map(teacher, "board_map")
        browser.wait_for_mark(teacher, "Ada", "board_map", kind="dot", timeout_ms=15_000)
        teacher.get_by_text("1 digit").first.wait_for()
    finally:
        for page in (student, teacher):
            page.context.close()


def phone_photo(digit, megabytes: float = 1.0) -> bytes:
    """A photo of a digit on paper as a phone takes it: 2000 x 2000 JPEG, uneven light, grain."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    size = 2000
    big = Image.fromarray((digit * 255).astype(np.uint8)).resize((1200, 1200), Image.Resampling.BILINEAR)
    paper = np.ones((size, size))
    paper[400:1600, 400:1600] -= 0.8 * np.asarray(big, dtype=np.float64) / 255
    light = np.linspace(0.75, 1, size)[None, :] * np.linspace(1, 0.85, size)[:, None]
    grey = paper * light * 0.95 + rng.normal(0, 0.025, (size, size))
    rgb = np.clip(np.stack([grey, grey * 0.98, grey * 0.93], -1), 0, 1)
    buffer = io.BytesIO()
    Image.fromarray((rgb * 255).astype(np.uint8)).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_a_one_megabyte_phone_photo_through_nginx_is_placed_on_the_map(chromium, school, mnist_test):
    # nginx keeps a body over its memory buffer in a file: started as root (CI), its worker
    # runs as nobody and must be able to write there (it could not: "AxiosError ... 500").
    photo = phone_photo(mnist_test.x_test[0])
    assert 0.9e6 <= len(photo) <= 2.5e6, len(photo)
    context = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(school.url)
        browser.wait_for_map(page)
        page.get_by_role("tab", name="Your digit").click()
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "phone-photo.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
        page.get_by_text("phone-photo is on the map as a star").wait_for()
        assert page.get_by_text("AxiosError").count() == 0 and page.get_by_text("status code").count() == 0
    finally:
        context.close()


def test_nginx_names_no_version_no_upstream_and_sets_the_usual_guards(school):
    import urllib.request

    with urllib.request.urlopen(school.url + "/", timeout=30) as response:
        headers = response.headers
    assert headers["Server"] == "nginx"  # server_tokens off: no version
    assert "X-Vae-Upstream" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert "vae_route=" in headers["Set-Cookie"]
    config = (school.folder / "nginx.conf").read_text()
    assert "client_max_body_size 10304k;" in config  # Streamlit's 10 MB, and the form around it


def test_uploads_in_a_loop_are_limited_by_nginx(school):
    import urllib.error
    import urllib.request

    statuses = []
    for _ in range(30):  # one browser's route, far faster than any person uploads
        request = urllib.request.Request(
            school.url + "/_stcore/upload_file/no-session/no-file",
            data=b"x",
            method="PUT",
            headers={"Cookie": "vae_route=one-browser"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert 429 in statuses and statuses[:5].count(429) == 0, statuses


def test_the_schools_redis_answers_only_with_its_password(school):
    import redis

    url = school.redis_url
    assert "@127.0.0.1" in url
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis.from_url("redis://127.0.0.1:" + url.rsplit(":", 1)[1]).get("vae-board:secret:teacher_code")
    assert redis.Redis.from_url(url).ping()
    # The password is in no command line that `ps` shows.
    assert not any(url.split("@")[0].split(":")[-1] in " ".join(p.args) for p in [*school.apps, school.nginx])


def wait_until_true(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)

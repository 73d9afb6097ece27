"""prepare_image: pictures of digits in, MNIST-style 28x28 inputs out, clear errors otherwise."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

import vae
from bench import handwriting
from tests.conftest import ROOT
from vae.data.images import STROKE_READINGS, TURN_READINGS, prepare_image, readings


def png_bytes(image, fmt="PNG", **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def scanned(digit, size=400):
    """A real MNIST digit as dark ink on white paper, upscaled like a scan."""
    paper = Image.fromarray(((1 - digit) * 255).astype(np.uint8))
    return paper.resize((size, size), Image.Resampling.BICUBIC)


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_scanned_mnist_digits_come_back_as_themselves(mnist_test):
    for index in range(10):
        digit = mnist_test.x_test[index]
        prepared = prepare_image(png_bytes(scanned(digit)))
        assert prepared.shape == (28, 28) and prepared.dtype == np.float32
        assert 0 <= prepared.min() and prepared.max() <= 1
        assert correlation(prepared, digit) > 0.9


def test_result_follows_the_mnist_recipe(mnist_test):
    prepared = prepare_image(png_bytes(scanned(mnist_test.x_test[0])))
    rows, cols = np.nonzero(prepared > 0.05)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 in (19, 20, 21)
    mass_row = (np.arange(28)[:, None] * prepared).sum() / prepared.sum()
    mass_col = (np.arange(28)[None, :] * prepared).sum() / prepared.sum()
    assert abs(mass_row - 14) < 1 and abs(mass_col - 14) < 1
    assert prepared[0].max() == 0 and prepared[:, 0].max() == 0  # dark background


def test_accepts_a_path_and_a_pil_image(tmp_path, mnist_test):
    picture = scanned(mnist_test.x_test[1])
    picture.save(tmp_path / "digit.png")
    np.testing.assert_allclose(prepare_image(tmp_path / "digit.png"), prepare_image(picture))


def test_thin_strokes_on_a_big_canvas_get_mnist_thickness():
    canvas = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).line([(300, 80), (300, 520)], fill=(0, 0, 0, 255), width=3)
    prepared = prepare_image(png_bytes(canvas))
    widths = (prepared > 0.5).sum(axis=1)
    assert np.median(widths[widths > 0]) >= 2  # a hair-thin line would be 0-1 px


def test_photo_with_uneven_light_and_ruled_lines_keeps_only_the_digit():
    size = 800
    light = np.linspace(0.5, 1.0, size)[None, :, None] * np.ones((size, 1, 1))
    paper = light * np.array([250, 245, 225])
    for y in range(40, size, 40):
        paper[y : y + 2] *= np.array([0.8, 0.85, 1.0])  # faint blue ruled lines
    photo = Image.fromarray(paper.astype(np.uint8))
    ImageDraw.Draw(photo).ellipse([250, 150, 550, 650], outline=(30, 40, 160), width=14)
    prepared = prepare_image(png_bytes(photo, "JPEG", quality=85))
    # A clean zero: a bright ring, an empty middle, nothing left of the ruled lines.
    assert prepared[14, 14] < 0.1 and prepared[10:18, :14].max() > 0.8 and prepared[10:18, 14:].max() > 0.8
    assert (prepared > 0.3).sum() < 200


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, this is text", "not an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>', "SVG"),
    ],
)
def test_unusable_input_gets_a_message_fit_for_a_user(data, message):
    with pytest.raises(ValueError, match=message):
        prepare_image(data)


def test_truncated_png_is_reported(mnist_test):
    data = png_bytes(scanned(mnist_test.x_test[2]))
    with pytest.raises(ValueError, match="truncated or damaged|not an image"):
        prepare_image(data[: len(data) // 2])


@pytest.mark.parametrize("colour", [0, 255])
def test_blank_images_say_there_is_no_digit(colour):
    with pytest.raises(ValueError, match="No digit found"):
        prepare_image(png_bytes(Image.new("L", (100, 100), colour)))


def test_the_first_upload_in_a_fresh_process_is_read(tmp_path, mnist_test):
    """Pillow registers most formats lazily; the very first upload must not be refused."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    scanned(mnist_test.x_test[0]).save(tmp_path / "digit.webp", "WEBP")
    code = f"import vae; print(vae.prepare_image({str(tmp_path / 'digit.webp')!r}).shape)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "(28, 28)" in result.stdout, result.stderr


# The kinds of real uploads that were refused or misplaced (issue 20), each made from a real
# MNIST test digit by bench/handwriting.py's generators: each must come out as a centred 28x28
# digit of normal stroke strength, never refused.
KINDS = {
    "28x28 palette PNG, white strokes on black, filling the frame": lambda d, rng: handwriting.palette_export(d),
    "a dark digit on a strong gradient": handwriting.gradient_behind,
    "blue ink on grey paper, cropped tight, RGBA": handwriting.blue_on_grey,
    "a very faint 28x28 drawing (darkest pixel 231-236)": handwriting.faint_28,
    "a small digit on a canvas much wider than tall": handwriting.wide_canvas,
    "pixel art, 28x28, hard steps": lambda d, rng: handwriting.pixel_art(d),
    # Real handwriting's development set (issue 34): refused while paper under 0.5 meant light ink.
    "dark pen on dim grey paper (paper under half-bright)": handwriting.pen_on_dim_paper,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_real_upload_kinds_come_out_as_centred_mnist_like_digits(kind, mnist_test):
    rng = np.random.default_rng(3)
    for index in range(12):
        x = vae.prepare_image(KINDS[kind](mnist_test.x_test[index], rng))
        assert x.shape == (28, 28) and x.max() > 0.9, (kind, index)
        rows, cols = np.indices(x.shape)
        centre = ((rows * x).sum() / x.sum(), (cols * x).sum() / x.sum())
        assert np.allclose(centre, (14, 14), atol=1.6), (kind, index, centre)
        # Stroke strength as MNIST's: about as much of the field inked as the same MNIST digit.
        ratio = (x > 0.5).mean() / (mnist_test.x_test[index] > 0.5).mean()
        assert 0.5 < ratio < 2.0, (kind, index, ratio)


REAL = ROOT.parent / "shared" / "data" / "handwriting-dev"


@pytest.mark.parametrize("name", ["mnist-vae", "mnist-vae-16", "mnist-beta-vae-16"])
def test_the_development_set_of_real_handwriting_is_never_refused(name, mnist):
    # 365 real hand-drawn digits from 41 public repositories (../shared; for measurement only).
    if not (REAL / "manifest.tsv").exists():
        pytest.skip(f"needs the development set of real handwriting in {REAL}")
    model = vae.load_model(name)
    training_means, _ = model.encode(mnist.x_train)
    results = handwriting.real_placement(model, training_means, mnist.y_train, handwriting.real_set(REAL))
    assert [r["file"] for r in results if r["refused"]] == []
    placed = np.mean([r["placed"] for r in results])
    goal = handwriting.GOAL_OF_CEILING * model.metrics["knn5_accuracy"]
    if name == "mnist-vae-16":  # the goal of 0.95 of its own ceiling, met so far by this model only
        assert placed >= goal, (placed, goal)
    else:  # as measured on 2026-12-08 with the readings (bench/README), not to fall back
        assert placed >= {"mnist-vae": 0.83, "mnist-beta-vae-16": 0.905}[name], placed


def test_a_picture_has_readings_of_every_stroke_width_and_turn_the_first_the_standard_one(mnist_test):
    data = handwriting.pen(mnist_test.x_test[0], width=3)  # a 7 drawn with a thin pen, large
    options = readings(data)
    assert options.shape == (len(STROKE_READINGS) * len(TURN_READINGS), 28, 28) and options.dtype == np.float32
    np.testing.assert_array_equal(options[0], prepare_image(data))
    assert options.min() >= 0 and options.max() <= 1
    upright = options[:: len(TURN_READINGS)]  # one per stroke width, in STROKE_READINGS' order
    ink = [float(field.sum()) for _, field in sorted(zip(STROKE_READINGS, upright, strict=True), key=lambda x: x[0])]
    # Thin to thick: a stroke already within MNIST's range for a width is left as it is.
    assert ink == sorted(ink) and ink[0] < ink[-1], ink
    turned = options[1]  # the standard width, turned by TURN_READINGS[1]
    assert correlation(turned, options[0]) < 0.95 and abs(turned.sum() - options[0].sum()) < 0.1 * options[0].sum()


def test_a_picture_with_no_digit_has_no_readings():
    blank = png_bytes(Image.new("L", (300, 200), 235))
    with pytest.raises(ValueError) as standard:
        prepare_image(blank)
    with pytest.raises(ValueError) as read:
        readings(blank)
    assert str(read.value) == str(standard.value)

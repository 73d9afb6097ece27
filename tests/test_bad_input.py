"""What a classroom uploads: every awkward file gets a clear answer, never a crash.

All fixtures are made here, from real MNIST digits or from scratch.
"""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from vae.data.image_files import MAX_UPLOAD_BYTES
from vae.data.images import prepare_image


def encoded(image, fmt="PNG", **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def paper_digit(digit, size=280):
    """A real MNIST digit as dark ink on white, enlarged."""
    return Image.fromarray(((1 - digit) * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC)


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_empty_file():
    with pytest.raises(ValueError, match="empty"):
        prepare_image(b"")


def test_text_file_renamed_png():
    with pytest.raises(ValueError, match="not an image"):
        prepare_image(b"Dear teacher,\nthis is not a picture.\n" * 20)


def test_svg_is_refused_with_advice():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><path d="M4 4L24 24"/></svg>'
    with pytest.raises(ValueError, match="SVG.*export"):
        prepare_image(svg)


def test_truncated_png(mnist_test):
    data = encoded(paper_digit(mnist_test.x_test[0]))
    with pytest.raises(ValueError, match="truncated or damaged|not an image"):
        prepare_image(data[: len(data) * 2 // 3])


def png_header_only(width, height):
    """A valid PNG signature and header claiming a huge image, with a tiny body."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ValueError, match="pixels"):
        prepare_image(png_header_only(30000, 30000))  # 900 MP claimed in a 100-byte file


def test_a_file_over_the_upload_limit():
    with pytest.raises(ValueError, match="limit is 10 MB"):
        prepare_image(b"\x89PNG" + b"\x00" * (MAX_UPLOAD_BYTES + 1))


def test_animated_gif_uses_its_first_frame(mnist_test):
    first, second = paper_digit(mnist_test.x_test[0]).convert("P"), paper_digit(mnist_test.x_test[1]).convert("P")
    gif = encoded(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    prepared = prepare_image(gif)
    assert correlation(prepared, mnist_test.x_test[0]) > 0.9
    assert correlation(prepared, mnist_test.x_test[0]) > correlation(prepared, mnist_test.x_test[1])


def test_cmyk_jpeg(mnist_test):
    prepared = prepare_image(encoded(paper_digit(mnist_test.x_test[2]).convert("CMYK"), "JPEG", quality=95))
    assert correlation(prepared, mnist_test.x_test[2]) > 0.9


def test_sixteen_bit_png(mnist_test):
    values = ((1 - mnist_test.x_test[3]) * 65535).astype(np.uint16)
    picture = Image.fromarray(values).resize((280, 280), Image.Resampling.NEAREST)
    assert picture.mode.startswith("I")
    prepared = prepare_image(encoded(picture))
    assert correlation(prepared, mnist_test.x_test[3]) > 0.85


def test_fully_transparent_rgba_has_no_digit():
    with pytest.raises(ValueError, match="No digit found"):
        prepare_image(encoded(Image.new("RGBA", (200, 200), (0, 0, 0, 0))))


@pytest.mark.parametrize("colour", [0, 255])
def test_all_white_and_all_black_say_there_is_no_ink(colour):
    with pytest.raises(ValueError, match="No digit found"):
        prepare_image(encoded(Image.new("RGB", (640, 480), (colour,) * 3), "JPEG"))


def test_exif_rotated_phone_photo_is_turned_upright(mnist_test):
    digit = mnist_test.x_test[0]  # a 7: not symmetric under a quarter turn
    upright = paper_digit(digit, 600)
    # A phone stores the sensor's pixels sideways and says "rotate 90° clockwise" in EXIF.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    prepared = prepare_image(encoded(stored.convert("RGB"), "JPEG", quality=92, exif=exif.tobytes()))
    assert correlation(prepared, digit) > 0.85
    assert correlation(prepared, np.rot90(digit)) < 0.6


def test_huge_canvas_with_a_tiny_digit(mnist_test):
    canvas = Image.new("L", (4000, 3000), 255)
    canvas.paste(paper_digit(mnist_test.x_test[4], 70), (2900, 600))
    prepared = prepare_image(encoded(canvas))
    assert correlation(prepared, mnist_test.x_test[4]) > 0.85


def test_twelve_megapixel_photo(mnist_test):
    photo = Image.new("RGB", (4000, 3000), (236, 232, 220))
    photo.paste(paper_digit(mnist_test.x_test[5], 1800).convert("RGB"), (1100, 600))
    prepared = prepare_image(encoded(photo, "JPEG", quality=90))
    assert correlation(prepared, mnist_test.x_test[5]) > 0.85


def test_light_digit_on_dark_background_is_not_inverted(mnist_test):
    picture = Image.fromarray((mnist_test.x_test[6] * 255).astype(np.uint8)).resize((280, 280))
    assert correlation(prepare_image(encoded(picture)), mnist_test.x_test[6]) > 0.9


def test_postscript_renamed_png_is_not_rendered():
    # Pillow would hand an EPS file to Ghostscript; only the formats the app names are tried.
    eps = (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
        b"newpath 10 10 moveto 90 90 lineto stroke showpage\n%%EOF\n"
    )
    with pytest.raises(ValueError, match="not an image that can be read"):
        prepare_image(eps)


def test_a_tiff_is_refused_as_a_format_the_app_does_not_name(mnist_test):
    with pytest.raises(ValueError, match="PNG, JPEG"):
        prepare_image(encoded(paper_digit(mnist_test.x_test[0]), "TIFF"))


@pytest.mark.parametrize("darker", [0.05, 0.07, 0.10])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_faint_pencil_on_white_is_a_digit(mnist_test, darker, fmt):
    """Light-grey pencil, only 5-10% darker than the paper: a person sees a digit, so must the app."""
    digit = mnist_test.x_test[7]
    ink = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((300, 300), Image.Resampling.BICUBIC)) / 255
    paper = Image.fromarray(((0.96 - darker * ink) * 255).round().astype(np.uint8))
    prepared = prepare_image(encoded(paper, fmt, **({"quality": 88} if fmt == "JPEG" else {})))
    assert correlation(prepared, digit) > 0.8
    # It is this digit: closer to it than to any other of the first hundred test digits.
    others = [correlation(prepared, mnist_test.x_test[i]) for i in range(100) if i != 7]
    assert correlation(prepared, digit) > max(others)


def test_faint_pencil_photographed_on_uneven_grainy_paper(mnist_test):
    rng = np.random.default_rng(1)
    digit = mnist_test.x_test[3]
    ink = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((600, 600), Image.Resampling.BICUBIC)) / 255
    light = np.linspace(0.7, 1.0, 600)[None, :]
    photo = light * (0.92 - 0.10 * ink) + rng.normal(0, 0.01, (600, 600))
    prepared = prepare_image(encoded(Image.fromarray((photo * 255).clip(0, 255).astype(np.uint8)), "JPEG", quality=80))
    assert correlation(prepared, digit) > 0.85


def test_a_grainy_photo_of_blank_paper_is_still_blank():
    rng = np.random.default_rng(2)
    light = np.linspace(0.7, 1.0, 600)[None, :]
    photo = light * 0.92 + rng.normal(0, 0.01, (600, 600))
    with pytest.raises(ValueError, match="No digit found"):
        prepare_image(encoded(Image.fromarray((photo * 255).clip(0, 255).astype(np.uint8)), "JPEG", quality=80))


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_iphone_heic_and_avif_photos_are_accepted(mnist_test, fmt):
    if fmt == "HEIF":
        pytest.importorskip("pillow_heif")
    picture = paper_digit(mnist_test.x_test[2], 400).convert("RGB")
    prepared = prepare_image(encoded(picture, fmt, quality=90))
    assert correlation(prepared, mnist_test.x_test[2]) > 0.9

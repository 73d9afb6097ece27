"""Pictures for people: decoded digits as PNG, paths and replays as animated GIF, filmstrips."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vae.analysis.latent import tile


def to_pil(image: np.ndarray, scale: int = 1) -> Image.Image:
    """A [0, 1] float image, (h, w) grey or (h, w, 3) colour -> an 8-bit PIL image, enlarged with crisp pixels."""
    pixels = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels, "RGB" if pixels.ndim == 3 else "L")
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    return picture


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    buffer = io.BytesIO()
    # Fast compression: these pictures are small and made on every click.
    to_pil(image, scale).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """PNG bytes as a data: URL. Shown by `st.image`, it travels inside the page's own message:
    the browser has the picture at once instead of fetching it from the server afterwards."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def png_data_uri(image: np.ndarray, scale: int = 1) -> str:
    return data_uri(png_bytes(image, scale))


def gif_bytes(frames: np.ndarray, scale: int = 6, frame_ms: int = 120) -> bytes:
    """Frames (n, 28, 28[, 3]) -> an endlessly looping animated GIF, back and forth."""
    sequence = list(frames) + list(frames[-2:0:-1])
    return _gif([to_pil(frame, scale) for frame in sequence], frame_ms)


def _gif(pictures: list[Image.Image], frame_ms: int) -> bytes:
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()


def filmstrip(frames: np.ndarray, max_columns: int = 12) -> np.ndarray:
    """Frames (n, 28, 28[, 3]) -> one image, rows of up to max_columns frames with 2-px gaps."""
    columns = min(len(frames), max_columns)
    padded = np.pad(frames, ((0, 0), (1, 1), (1, 1)) + ((0, 0),) * (frames.ndim - 3), constant_values=1.0)
    return tile(padded, columns, fill=1.0)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def scatter_frames_gif(
    frames: list[tuple[str, np.ndarray]],
    labels: np.ndarray,
    palette: tuple[str, ...],
    size: int = 420,
    frame_ms: int = 350,
) -> bytes:
    """An animated GIF of 2-D point clouds, one frame per (title, points (n, 2)), coloured by label.

    Every frame shares the extent of the last one (the trained map), so the clusters are
    seen moving into place.
    """
    final = frames[-1][1]
    low, high = np.quantile(final, 0.002, axis=0), np.quantile(final, 0.998, axis=0)
    center, span = (low + high) / 2, max(float((high - low).max()) * 1.15, 1e-6)
    colours = [_hex_rgb(palette[int(label) % len(palette)]) for label in labels]
    font = ImageFont.load_default(size=18)
    pictures = []
    for title, points in frames:
        picture = Image.new("RGB", (size, size + 30), "white")
        draw = ImageDraw.Draw(picture)
        pixels = (points - center) / span * size + size / 2
        for (x, y), colour in zip(pixels, colours, strict=False):
            if 0 <= x < size and 0 <= y < size:
                y = size - y + 30  # latent y grows upwards
                draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
        draw.text((8, 5), title, fill="black", font=font)
        pictures.append(picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    pictures += [pictures[-1]] * 4  # linger on the trained map before looping
    return _gif(pictures, frame_ms)

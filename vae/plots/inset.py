"""q(z|x) up close, as an SVG picture: μ, the 1σ and 2σ ellipses, the drawn z = μ + σ·ε.

A picture, not a chart: it is redrawn on every click on a digit, and a Plotly chart there
cost the browser about 50 ms of each such click (tests/test_browser.py clicks digits;
`python -m bench.app` times them). Nothing in it is interactive, so an image loses nothing.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from vae.analysis.latent import sigma_ellipse
from vae.plots.figures import UPLOAD_COLOUR as COLOUR  # the uploads' and the chosen digit's red, as on the map

WIDTH, HEIGHT = 300, 272  # SVG units: the picture scales with its column
PLOT = (66, 12, 290, 236)  # the plotting square: left, top, right, bottom
INK = "#333333"


def nice_ticks(low: float, high: float, count: int = 3) -> tuple[np.ndarray, int]:
    """Round tick values inside [low, high], about `count` steps apart, and the decimals they need."""
    magnitude = 10.0 ** math.floor(math.log10((high - low) / count))
    step = min((m * magnitude for m in (1, 2, 5, 10)), key=lambda s: abs((high - low) / s - count))
    ticks = np.arange(math.ceil(low / step) * step, high + step * 1e-9, step)
    return ticks, max(0, -math.floor(math.log10(step)))


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = f"{0:.{decimals}f}"  # no "-0.00"
    return text.replace("-", "−")


def posterior_svg(mean: np.ndarray, log_var: np.ndarray, samples: np.ndarray) -> str:
    """The inset for one input: about ±4σ around μ on both axes, at one scale (ellipses stay true)."""
    mean = np.asarray(mean, np.float64)
    sigma = np.exp(0.5 * np.asarray(log_var, np.float64))
    half = 4.2 * float(sigma.max())
    (x0, x1), (y0, y1) = (mean[0] - half, mean[0] + half), (mean[1] - half, mean[1] + half)
    left, top, right, bottom = PLOT

    def px(x):
        return left + (np.asarray(x) - x0) / (x1 - x0) * (right - left)

    def py(y):
        return bottom - (np.asarray(y) - y0) / (y1 - y0) * (bottom - top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="Source Sans, sans-serif" font-size="13">',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="white" stroke="#bbbbbb"/>',
    ]
    xticks, xdecimals = nice_ticks(x0, x1)
    yticks, ydecimals = nice_ticks(y0, y1)
    for tick in xticks:
        x = float(px(tick))
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#eeeeee"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#666666">{_number(tick, xdecimals)}</text>'
        )
    for tick in yticks:
        y = float(py(tick))
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eeeeee"/>')
        parts.append(
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="#666666">{_number(tick, ydecimals)}</text>'
        )
    parts.append(f'<text x="{(left + right) / 2}" y="{bottom + 34}" text-anchor="middle" fill="#444444">z₁</text>')
    parts.append(f'<text x="12" y="{(top + bottom) / 2}" text-anchor="middle" fill="#444444">z₂</text>')
    for k, dash in ((1, ""), (2, ' stroke-dasharray="6 4"')):
        outline = sigma_ellipse(mean, log_var, k)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px(outline[:, 0]), py(outline[:, 1]), strict=True))
        parts.append(
            f'<polygon class="sigma-{k}" points="{points}" fill="none" stroke="{COLOUR}" stroke-width="2"{dash}/>'
        )
    for number, (x, y) in enumerate(zip(px(samples[:, 0]), py(samples[:, 1]), strict=True), start=1):
        if left <= x <= right and top <= y <= bottom:  # a rare draw beyond ±4.2σ is left out
            parts.append(f'<circle class="sample" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{INK}"/>')
            parts.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{INK}">{number}</text>')
    mx, my = float(px(mean[0])), float(py(mean[1]))
    for stroke, width in (("white", 5), (COLOUR, 2.5)):  # a red cross with a white edge
        parts.append(
            f'<path class="mean" d="M{mx - 6:.1f},{my - 6:.1f}L{mx + 6:.1f},{my + 6:.1f}'
            f'M{mx - 6:.1f},{my + 6:.1f}L{mx + 6:.1f},{my - 6:.1f}" stroke="{stroke}" stroke-width="{width}"/>'
        )
    parts.append(f"<title>{escape('q(z|x) up close: μ, the 1σ and 2σ ellipses, samples z = μ + σ·ε')}</title>")
    parts.append("</svg>")
    return "".join(parts)


ROW = 14  # SVG units per latent dimension in the per-dimension picture


def posterior_dims_svg(mean: np.ndarray, log_var: np.ndarray, samples: np.ndarray, kl: np.ndarray | None = None) -> str:
    """q(z|x) of a d-D latent space, one row per dimension: μ_j (a red tick), μ_j ± σ_j and
    ± 2σ_j (red bars), the samples z = μ + σ·ε (dots), over the prior's N(0, 1) (a grey band of
    ±1 and ±2), on one scale from -4 to 4. With `kl` (the model's mean KL per dimension), a
    dimension the model does not use (under 0.01 nats) is named so: its q(z_j|x) is the prior."""
    mean = np.asarray(mean, np.float64)
    sigma = np.exp(0.5 * np.asarray(log_var, np.float64))
    d = len(mean)
    left, right, top = 96, 290, 10
    bottom = top + ROW * d
    height = bottom + 40

    def px(value):
        return left + (np.clip(value, -4.2, 4.2) + 4.2) / 8.4 * (right - left)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'font-family="Source Sans, sans-serif" font-size="11">',
        f'<rect x="{px(-2):.1f}" y="{top}" width="{px(2) - px(-2):.1f}" height="{bottom - top}" fill="#f1f1f1"/>',
        f'<rect x="{px(-1):.1f}" y="{top}" width="{px(1) - px(-1):.1f}" height="{bottom - top}" fill="#e2e2e2"/>',
        f'<line x1="{px(0):.1f}" y1="{top}" x2="{px(0):.1f}" y2="{bottom}" stroke="#bbbbbb"/>',
    ]
    for j in range(d):
        y = top + ROW * j + ROW / 2
        unused = kl is not None and kl[j] < 0.01
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{"#999999" if unused else "#444444"}">'
            f"z{j + 1}{' (unused)' if unused else ''}</text>"
        )
        for k, width in ((2, 2), (1, 5)):
            parts.append(
                f'<line class="sigma-{k}" x1="{px(mean[j] - k * sigma[j]):.1f}" y1="{y:.1f}" '
                f'x2="{px(mean[j] + k * sigma[j]):.1f}" y2="{y:.1f}" stroke="{COLOUR}" stroke-width="{width}" '
                f'stroke-opacity="{0.45 if k == 2 else 0.9}"/>'
            )
        for value in samples[:, j]:
            parts.append(f'<circle class="sample" cx="{px(value):.1f}" cy="{y:.1f}" r="1.8" fill="{INK}"/>')
        parts.append(
            f'<line class="mean" x1="{px(mean[j]):.1f}" y1="{y - 5:.1f}" x2="{px(mean[j]):.1f}" y2="{y + 5:.1f}" '
            'stroke="white" stroke-width="4"/>'
            f'<line x1="{px(mean[j]):.1f}" y1="{y - 5:.1f}" x2="{px(mean[j]):.1f}" y2="{y + 5:.1f}" '
            f'stroke="{COLOUR}" stroke-width="2"/>'
        )
    for tick in (-4, -2, 0, 2, 4):
        parts.append(
            f'<text x="{px(tick):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#666666">{_number(tick, 0)}</text>'
        )
    parts.append(
        f'<text x="{(left + right) / 2}" y="{bottom + 32}" text-anchor="middle" fill="#444444">'
        "z_j, against the prior N(0, 1) (grey: ±1, ±2)</text>"
    )
    parts.append(f"<title>{escape('q(z|x) per latent dimension: μ, ±σ and ±2σ, samples z = μ + σ·ε')}</title>")
    parts.append("</svg>")
    return "".join(parts)


def kl_bars_svg(kl: np.ndarray, order: np.ndarray, threshold: float = 0.01) -> str:
    """The mean KL per latent dimension as horizontal bars, in `order` (largest first); bars under
    `threshold` nats are grey and named unused."""
    kl = np.asarray(kl, np.float64)
    left, right, top = 96, 270, 6
    bottom = top + ROW * len(order)
    height = bottom + 34
    top_value = max(float(kl.max()), 1e-6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'font-family="Source Sans, sans-serif" font-size="11">'
    ]
    for row, dimension in enumerate(order):
        y = top + ROW * row
        used = kl[dimension] >= threshold
        width = (right - left) * kl[dimension] / top_value
        parts.append(
            f'<text x="{left - 6}" y="{y + 10:.1f}" text-anchor="end" fill="{INK if used else "#8a8a8a"}">'
            f"z{dimension + 1}{'' if used else ' (unused)'}</text>"
            f'<rect class="{"active" if used else "inactive"}" x="{left}" y="{y + 2:.1f}" width="{max(width, 0.5):.1f}" '
            f'height="{ROW - 4}" fill="{COLOUR if used else "#bbbbbb"}"/>'
            f'<text x="{left + width + 4:.1f}" y="{y + 10:.1f}" fill="#555555">{kl[dimension]:.2f}</text>'
        )
    parts.append(
        f'<text x="{(left + right) / 2}" y="{bottom + 20}" text-anchor="middle" fill="#444444">'
        "mean KL over the test set (nats)</text>"
    )
    parts.append(f"<title>{escape('the mean KL divergence of each latent dimension on the test set')}</title>")
    parts.append("</svg>")
    return "".join(parts)

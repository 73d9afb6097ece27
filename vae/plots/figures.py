"""Figures for the explorer, in Plotly's format: the latent map and its overlays.

Traces and layouts are plain dicts. The app draws the latent map itself, on a canvas
(explorer/map/*.js read this format); the training panel's charts are Plotly figures
(`plotly_figure`, assembled without Plotly's per-property validation, which would cost more
than the model does for 10,000 points). Traces are "scattergl", so that Plotly draws the
overlays above the data points as the canvas does; the class names are annotations, drawn
above both.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae.analysis.latent import sigma_ellipse
from vae.plots.pictures import png_data_uri

# Petroff's ten-colour sequence (2021; matplotlib's "petroff10"), chosen so that the ten
# classes stay apart under the common colour-vision deficiencies (tests/test_figures.py
# simulates deuteranopia and protanopia); Plotly's default D3 colours do not.
PALETTE = ("#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6", "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd")
FONT_SIZE = 16
UPLOAD_COLOUR = "#d62728"


def data_traces(
    points: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], marker_size: int = 4, where: str = "z"
) -> list[dict]:
    """One WebGL trace per class; customdata carries the test index (indices collide otherwise).
    `where` names the map's coordinates in the tip ("z", or "plane" for a plane through d-D).
    A dataset without labels (one class) is drawn in one colour, faint, so that where the
    points crowd shows darker: the map's density is what there is to see."""
    traces = []
    opacity = 0.7 if len(class_names) > 1 else UNLABELED_OPACITY
    for label, name in enumerate(class_names):
        index = np.flatnonzero(labels == label)
        traces.append(
            dict(
                type="scattergl",
                mode="markers",
                name=name,
                legendgroup=name,
                x=points[index, 0].astype(np.float32),
                y=points[index, 1].astype(np.float32),
                customdata=index.astype(np.int32),
                marker=dict(size=marker_size, color=PALETTE[label], opacity=opacity),
                hovertemplate=f"{name}<br>test #%{{customdata}}<br>{where} = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    return traces


UNLABELED_OPACITY = 0.3


def class_centres(points: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Where each class's label goes: the median of its points, (n_classes, 2)."""
    return np.array(
        [
            np.median(points[labels == label], axis=0) if np.any(labels == label) else [np.nan, np.nan]
            for label in range(n_classes)
        ]
    )


def badge_size(name: str, font_size: int) -> tuple[int, int]:
    """A class name's badge in pixels: square for a digit, wider for a longer name."""
    return round(font_size * (1.0 + 0.55 * max(len(name) - 1, 0))), round(font_size * 1.15)


SMALLEST_MAP_PX = (280, 340)  # the plotting area on a phone 390 px wide, the smallest map drawn


def separate_badges(
    centres: np.ndarray, sizes: np.ndarray, extent: tuple, plot_px: tuple[int, int] = SMALLEST_MAP_PX, rounds: int = 100
) -> np.ndarray:
    """Move overlapping badges apart, each as little as it takes; (n, 2) data coordinates.

    Two classes whose clusters touch (4 and 9 in every MNIST model here) would put one name
    over the other. Overlaps are measured on a map of `plot_px`, the smallest the app draws
    (on a wider map they stand a little farther apart), and each overlapping pair is pushed
    apart along the axis where it overlaps least, half each way.
    """
    (x0, x1), (y0, y1) = extent
    scale = np.array([(x1 - x0) / plot_px[0], (y1 - y0) / plot_px[1]])  # data units per pixel
    at = centres / scale  # in pixels
    half = sizes / 2 + 2  # a 2-pixel gap between badges
    # Every badge stays inside the map (a crowded corner may then keep an overlap).
    low = np.array([x0, y0]) / scale + half
    high = np.maximum(low, np.array([x1, y1]) / scale - half)
    for _ in range(rounds):
        moved = False
        for i in range(len(at)):
            for j in range(i + 1, len(at)):
                gap = at[j] - at[i]
                overlap = half[i] + half[j] - np.abs(gap)
                if np.all(overlap > 0):
                    axis = int(np.argmin(overlap))
                    direction = np.sign(gap[axis]) or (1.0 if i % 2 else -1.0)
                    at[i, axis] -= direction * overlap[axis] / 2
                    at[j, axis] += direction * overlap[axis] / 2
                    at[[i, j]] = np.clip(at[[i, j]], low[[i, j]], high[[i, j]])
                    moved = True
        if not moved:
            break
    return at * scale


def class_label_annotations(
    points: np.ndarray,
    labels: np.ndarray,
    class_names: tuple[str, ...],
    font_size: int = 22,
    extent: tuple | None = None,
) -> list[dict]:
    """Each class's name at its cluster's centre, readable from the back of the room.

    The name sits on a white badge. Annotations, not WebGL text: Plotly's WebGL text builds a
    font atlas per trace, which cost 0.6 s of the first page for ten names. Each is named
    "class NAME", so that the map layer hides it while its class is hidden in the legend.
    Given the map's `extent`, badges that would overlap are moved apart.
    """
    centres = class_centres(points, labels, len(class_names))
    shown = [label for label in range(len(class_names)) if np.isfinite(centres[label, 0])]
    sizes = {label: badge_size(class_names[label], font_size) for label in shown}
    if extent is not None and len(shown) > 1:
        centres[shown] = separate_badges(centres[shown], np.array([sizes[label] for label in shown]), extent)
    return [
        dict(
            x=float(centres[label, 0]),
            y=float(centres[label, 1]),
            xref="x",
            yref="y",
            text=f"<b>{class_names[label]}</b>",
            name=f"class {class_names[label]}",
            showarrow=False,
            font=dict(size=font_size, color=PALETTE[label]),
            bgcolor="rgba(255,255,255,0.8)",
            bordercolor=PALETTE[label],
            borderwidth=1,
            borderpad=1,
            width=sizes[label][0],
            height=sizes[label][1],
        )
        for label in shown
    ]


def prior_traces(sigmas=(1, 2, 3), centre=(0.0, 0.0)) -> list[dict]:
    """Contour rings of the standard-normal prior at 1, 2 and 3 sigma, as one trace.

    On a plane through a d-D space with orthonormal axes, N(0, I) projects to N(p, I) in 2-D,
    where p is where the origin projects: the same rings, around `centre` = p.
    One WebGL line with gaps between the rings, not a trace per ring: every trace is a draw
    call and a legend entry to lay out on the first page.
    """
    angles = np.linspace(0, 2 * np.pi, 120)
    rings = [np.stack([centre[0] + k * np.cos(angles), centre[1] + k * np.sin(angles)], axis=1) for k in sigmas]
    gap = np.full((1, 2), np.nan)
    line = np.concatenate([part for ring in rings for part in (ring, gap)][:-1])
    return [
        dict(
            type="scattergl",
            mode="lines",
            x=line[:, 0],
            y=line[:, 1],
            connectgaps=False,
            line=dict(color="rgba(60,60,60,0.6)", dash="dot", width=1.5),
            # Short: in the projector layout the legend is a column beside the map.
            name="N(0, I)",
            hoverinfo="skip",
            legendgroup="prior",
        )
    ]


def marker_trace(x: float, y: float, name: str, symbol: str = "x", color: str = "black", size: int = 18) -> dict:
    return dict(
        type="scattergl",
        mode="markers",
        x=[x],
        y=[y],
        name=name,
        hoverinfo="skip",
        marker=dict(symbol=symbol, size=size, color=color, line=dict(width=2, color="white")),
    )


def path_traces(path: np.ndarray, waypoints: np.ndarray, latent: np.ndarray | None = None) -> list[dict]:
    """The path drawn on the map: `path` and `waypoints` in the map's coordinates; `latent`, the
    path's own d-D points when the map is a plane through a d-D space (the page's scrubber
    decodes those, explorer/map/scrubber.js)."""
    traces = [
        dict(
            type="scattergl",
            mode="markers+text",
            x=waypoints[:, 0],
            y=waypoints[:, 1],
            text=[chr(ord("A") + i) for i in range(len(waypoints))],
            textposition="top center",
            textfont=dict(size=FONT_SIZE + 2, color="black"),
            name="waypoints",
            marker=dict(size=14, color="white", line=dict(color="black", width=3)),
            hoverinfo="skip",
            showlegend=False,
        )
    ]
    if len(path) >= 2:
        traces.insert(
            0,
            dict(
                type="scattergl",
                mode="lines+markers",
                x=path[:, 0],
                y=path[:, 1],
                **({} if latent is None else {"latent": np.round(latent, 5).tolist()}),
                name="path",
                line=dict(color="black", width=3),
                marker=dict(size=6, color="black"),
                hoverinfo="skip",
            ),
        )
    return traces


def upload_traces(mean: np.ndarray, log_var: np.ndarray, label: str) -> list[dict]:
    """An uploaded digit: its mean as a star and its 1- and 2-sigma ellipses."""
    traces = [
        dict(
            type="scattergl",
            mode="lines",
            x=outline[:, 0],
            y=outline[:, 1],
            line=dict(color=UPLOAD_COLOUR, width=2, dash="solid" if k == 1 else "dash"),
            name=f"{label} {k}σ",
            hoverinfo="skip",
            showlegend=False,
        )
        for k, outline in ((k, sigma_ellipse(mean, log_var, k)) for k in (1, 2))
    ]
    traces.append(
        dict(
            type="scattergl",
            mode="markers+text",
            x=[mean[0]],
            y=[mean[1]],
            text=[label],
            textposition="top center",
            name=label,
            textfont=dict(size=FONT_SIZE, color=UPLOAD_COLOUR),
            marker=dict(symbol="star", size=26, color=UPLOAD_COLOUR, line=dict(width=1.5, color="white")),
            hovertemplate=f"{label}<br>mean (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        )
    )
    return traces


def samples_trace(samples: np.ndarray) -> dict:
    return dict(
        type="scattergl",
        mode="markers",
        x=samples[:, 0],
        y=samples[:, 1],
        name="prior samples",
        marker=dict(symbol="diamond", size=10, color="#333"),
        hoverinfo="skip",
    )


def manifold_layout_image(image: np.ndarray, x_range, y_range) -> dict:
    """The decoded grid laid under the scatter, stretched over the latent area it shows."""
    return dict(
        source=png_data_uri(1.0 - image),
        xref="x",
        yref="y",
        x=x_range[0],
        y=y_range[1],
        sizex=x_range[1] - x_range[0],
        sizey=y_range[1] - y_range[0],
        sizing="stretch",
        layer="below",
        opacity=0.55,
    )


def latent_map_layout(
    x_range,
    y_range,
    height: int = 520,
    images: list[dict] | None = None,
    uirevision: str = "map",
    legend_title: str = "class",
    font_size: int = FONT_SIZE,
    show_legend: bool = True,
    legend_right: bool = False,
    annotations: list[dict] | None = None,
    axis_titles: tuple[str, str] = ("z₁", "z₂"),
) -> dict:
    """The map's layout: equal scales on both axes (the one that would be squeezed is widened).

    The legend is one row under the plot (the plot keeps the full width and the mode bar in
    the top-right corner stays clear), or, with `legend_right`, a column beside it (the plot
    keeps the full height, for a wide screen). The app draws it with explorer/map/ (map_view.py);
    `latent_map` makes it a Plotly figure.
    """
    legend = dict(itemsizing="constant", title=dict(text=legend_title), font=dict(size=font_size - 2))
    legend.update(
        dict(orientation="v", y=0.88, yanchor="top")
        if legend_right
        else dict(orientation="h", x=0, y=-0.06, yanchor="top")
    )
    return dict(
        height=height,
        margin=dict(l=10, r=10, t=24, b=10),
        dragmode="pan",
        clickmode="none",
        hovermode="closest",
        hoverdistance=12,
        uirevision=uirevision,
        font=dict(size=font_size),
        showlegend=show_legend,
        legend=legend,
        xaxis=dict(range=list(x_range), title=dict(text=axis_titles[0]), zeroline=False, automargin=True),
        yaxis=dict(
            range=list(y_range),
            title=dict(text=axis_titles[1]),
            zeroline=False,
            automargin=True,
            scaleanchor="x",
            scaleratio=1,
        ),
        plot_bgcolor="white",
        images=images or [],
        annotations=annotations or [],
    )


def latent_map(traces: list[dict], x_range, y_range, **layout) -> go.Figure:
    """The map as a Plotly figure (the training panel's live map); see `latent_map_layout`."""
    return plotly_figure(traces, latent_map_layout(x_range, y_range, **layout))


def plotly_figure(traces: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """Traces and a layout (plain dicts) as a Plotly figure, without per-property validation."""
    spec = dict(data=traces, layout=layout, frames=frames or [])
    try:
        return go.Figure(spec, _validate=False)
    except TypeError:  # a Plotly without the private fast path
        return go.Figure(spec)

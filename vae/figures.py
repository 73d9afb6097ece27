"""Figures and pictures for the explorer: the latent map (Plotly) and PNG/GIF images.

Traces are plain dicts and the figure is assembled without Plotly's per-property
validation: the map holds 10,000 points plus a click grid, and validating it on every
click would cost more than the model does.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

# Ten colours that stay distinct on a projector (Plotly's D3 palette).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
GRID_TRACE_NAME = "click grid"
CLICK_GRID_SIZE = 140
FONT_SIZE = 16


def data_traces(points: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...],
                marker_size: int = 4) -> list[dict]:
    """One WebGL trace per class; customdata carries the test index (indices collide otherwise)."""
    traces = []
    for label, name in enumerate(class_names):
        index = np.flatnonzero(labels == label)
        traces.append(dict(
            type="scattergl", mode="markers", name=name,
            x=points[index, 0].astype(np.float32), y=points[index, 1].astype(np.float32),
            customdata=index.astype(np.int32),
            marker=dict(size=marker_size, color=PALETTE[label], opacity=0.7),
            # The clicked digit is marked by Plotly's selection style; the rest stay as they were.
            selected=dict(marker=dict(color="black", size=14, opacity=1.0)),
            unselected=dict(marker=dict(opacity=0.7)),
            hovertemplate=f"digit {name}<br>test #%{{customdata}}<br>z = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        ))
    return traces


def click_grid_trace(x_range: tuple[float, float], y_range: tuple[float, float],
                     n: int = CLICK_GRID_SIZE, reach: float = 1.6) -> dict:
    """An invisible dense grid under the data, so that a click on empty space selects a point.

    Streamlit reports selected points, not click coordinates. The grid is square and
    reaches past the data (`reach` times the larger span) because the map keeps a 1:1
    aspect ratio and widens one axis to fill the plot; a click lands within about 0.7%
    of the axis range of a grid point.
    """
    span = reach * max(x_range[1] - x_range[0], y_range[1] - y_range[0])
    center_x, center_y = (x_range[0] + x_range[1]) / 2, (y_range[0] + y_range[1]) / 2
    axis = np.linspace(-span / 2, span / 2, n)
    xs, ys = np.meshgrid(center_x + axis, center_y + axis)
    return dict(type="scattergl", mode="markers", name=GRID_TRACE_NAME,
                x=xs.ravel().astype(np.float32), y=ys.ravel().astype(np.float32),
                marker=dict(size=6, color="rgba(0,0,0,0)"), hoverinfo="none", showlegend=False,
                # The clicked grid point becomes visible: that is the "you clicked here" mark.
                selected=dict(marker=dict(color="black", size=14, opacity=1.0)),
                unselected=dict(marker=dict(opacity=0)))


def prior_traces(sigmas=(1, 2, 3)) -> list[dict]:
    """Contour rings of the standard-normal prior at 1, 2 and 3 sigma."""
    angles = np.linspace(0, 2 * np.pi, 120)
    return [dict(type="scatter", mode="lines", x=k * np.cos(angles), y=k * np.sin(angles),
                 line=dict(color="rgba(60,60,60,0.6)", dash="dot", width=1.5),
                 name=f"prior {k}σ", hoverinfo="skip", showlegend=(k == sigmas[0]),
                 legendgroup="prior")
            for k in sigmas]


# Overlays are WebGL traces too: Plotly draws its WebGL layer above SVG traces, so an SVG
# marker would disappear under the 10,000 data points.
def marker_trace(x: float, y: float, name: str, symbol: str = "x", color: str = "black",
                 size: int = 18) -> dict:
    return dict(type="scattergl", mode="markers", x=[x], y=[y], name=name, hoverinfo="skip",
                marker=dict(symbol=symbol, size=size, color=color,
                            line=dict(width=2, color="white")))


def path_trace(path: np.ndarray, waypoints: np.ndarray) -> list[dict]:
    return [
        dict(type="scattergl", mode="lines+markers", x=path[:, 0], y=path[:, 1], name="path",
             line=dict(color="black", width=3), marker=dict(size=6, color="black"),
             hoverinfo="skip"),
        dict(type="scattergl", mode="markers+text", x=waypoints[:, 0], y=waypoints[:, 1],
             text=[chr(ord("A") + i) for i in range(len(waypoints))], textposition="top center",
             textfont=dict(size=FONT_SIZE + 2, color="black"), name="waypoints",
             marker=dict(size=14, color="white", line=dict(color="black", width=3)),
             hoverinfo="skip", showlegend=False),
    ]


def upload_traces(mean: np.ndarray, ellipses: list[np.ndarray], label: str) -> list[dict]:
    """An uploaded digit: its mean as a star and its 1- and 2-sigma ellipses."""
    traces = [dict(type="scattergl", mode="lines", x=outline[:, 0], y=outline[:, 1],
                   line=dict(color="#d62728", width=2, dash="solid" if k == 0 else "dash"),
                   name=f"{label} {k + 1}σ", hoverinfo="skip", showlegend=False)
              for k, outline in enumerate(ellipses)]
    traces.append(dict(type="scattergl", mode="markers+text", x=[mean[0]], y=[mean[1]],
                       text=[label], textposition="top center", name=label,
                       textfont=dict(size=FONT_SIZE, color="#d62728"),
                       marker=dict(symbol="star", size=26, color="#d62728",
                                   line=dict(width=1.5, color="white")),
                       hovertemplate=f"{label}<br>mean (%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))
    return traces


def overlay_traces(prior: bool, path: np.ndarray | None, waypoints: np.ndarray,
                   uploads: list[tuple[str, np.ndarray, np.ndarray]],
                   samples: np.ndarray | None) -> list[dict]:
    """Everything drawn over the data: prior rings, the path, uploads, prior samples."""
    from vae.latent import sigma_ellipse

    traces = prior_traces() if prior else []
    if path is not None:
        traces += path_trace(path, waypoints)
    elif len(waypoints):
        traces.append(marker_trace(waypoints[0][0], waypoints[0][1], "waypoint A", "circle-open", "black", 14))
    for name, mean, log_var in uploads:
        traces += upload_traces(mean, [sigma_ellipse(mean, log_var, k) for k in (1, 2)], name)
    if samples is not None:
        traces.append(dict(type="scattergl", mode="markers", x=samples[:, 0], y=samples[:, 1],
                           name="prior samples", marker=dict(symbol="diamond", size=10, color="#333"),
                           hoverinfo="skip"))
    return traces


def manifold_layout_image(image: np.ndarray, x_range, y_range) -> dict:
    """The decoded grid laid under the scatter, stretched over the latent area it shows."""
    return dict(source=png_data_uri(1.0 - image), xref="x", yref="y", x=x_range[0], y=y_range[1],
                sizex=x_range[1] - x_range[0], sizey=y_range[1] - y_range[0],
                sizing="stretch", layer="below", opacity=0.55)


def latent_map(traces: list[dict], x_range, y_range, height: int = 640,
               images: list[dict] | None = None, uirevision: str = "map") -> go.Figure:
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), dragmode="pan",
        clickmode="event+select", hovermode="closest", uirevision=uirevision,
        font=dict(size=FONT_SIZE), legend=dict(itemsizing="constant", title=dict(text="digit")),
        xaxis=dict(range=list(x_range), title=dict(text="z₁"), zeroline=False),
        yaxis=dict(range=list(y_range), title=dict(text="z₂"), zeroline=False,
                   scaleanchor="x", scaleratio=1),
        plot_bgcolor="white", images=images or [],
    )
    try:
        return go.Figure(dict(data=traces, layout=layout), _validate=False)
    except TypeError:  # a Plotly without the private fast path
        return go.Figure(dict(data=traces, layout=layout))


def loss_figure(history: dict[str, list[float]]) -> go.Figure:
    """Reconstruction and KL per batch during training, on two axes (they differ 20-fold)."""
    steps = np.arange(1, len(history.get("reconstruction_loss", [])) + 1)
    figure = go.Figure()
    figure.add_scatter(x=steps, y=history.get("reconstruction_loss", []), name="reconstruction (BCE)")
    figure.add_scatter(x=steps, y=history.get("kl_loss", []), name="KL to N(0, I)", yaxis="y2")
    figure.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=14),
                         xaxis_title="batch", yaxis=dict(title="nats"),
                         yaxis2=dict(title="KL nats", overlaying="y", side="right"),
                         legend=dict(orientation="h", y=1.15))
    return figure


def to_pil(image: np.ndarray, scale: int = 1) -> Image.Image:
    """A [0, 1] float image -> 8-bit greyscale PIL image, enlarged with crisp pixels."""
    picture = Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8), "L")
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    return picture


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    buffer = io.BytesIO()
    # Fast compression: these pictures are small and made on every click.
    to_pil(image, scale).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def gif_bytes(frames: np.ndarray, scale: int = 6, frame_ms: int = 120) -> bytes:
    """Frames (n, 28, 28) -> an endlessly looping animated GIF, back and forth."""
    sequence = list(frames) + list(frames[-2:0:-1])
    pictures = [to_pil(frame, scale) for frame in sequence]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:],
                     duration=frame_ms, loop=0)
    return buffer.getvalue()


def filmstrip(frames: np.ndarray, max_columns: int = 12) -> np.ndarray:
    """Frames (n, 28, 28) -> one image, rows of up to max_columns frames with 2-px gaps."""
    from vae.latent import tile

    columns = min(len(frames), max_columns)
    padded = np.pad(frames, ((0, 0), (1, 1), (1, 1)), constant_values=1.0)
    return tile(padded, columns, fill=1.0)

"""Figures of a training: its loss curve as it runs, and the replay of how its map formed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae.plots.figures import FONT_SIZE, PALETTE, plotly_figure


def loss_figure(history: dict[str, list[float]], height: int = 260) -> go.Figure:
    """Reconstruction and KL during training, on two axes (they differ 20-fold)."""
    steps = np.arange(1, len(history.get("reconstruction_loss", [])) + 1)
    figure = go.Figure()
    figure.add_scatter(x=steps, y=history.get("reconstruction_loss", []), name="reconstruction (BCE)")
    figure.add_scatter(x=steps, y=history.get("kl_loss", []), name="KL to N(0, I)", yaxis="y2")
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        font=dict(size=14),
        xaxis_title="progress report",
        yaxis=dict(title="nats"),
        yaxis2=dict(title="KL nats", overlaying="y", side="right"),
        legend=dict(orientation="h", y=1.15),
    )
    return figure


def replay_figure(
    epochs: np.ndarray, means: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], height: int = 520
) -> go.Figure:
    """How the map formed: one animation frame per snapshot, with a play button and a slider.

    `means` is (snapshots, n, 2); every frame keeps the final map's extent.
    """

    def traces(points):
        return [
            dict(
                type="scattergl",
                mode="markers",
                name=name,
                x=points[labels == label, 0],
                y=points[labels == label, 1],
                marker=dict(size=4, color=PALETTE[label], opacity=0.7),
                hoverinfo="skip",
            )
            for label, name in enumerate(class_names)
        ]

    low, high = np.quantile(means[-1], 0.003, axis=0), np.quantile(means[-1], 0.997, axis=0)
    pad = (high - low) * 0.1
    names = [f"epoch {epoch:g}" for epoch in epochs]
    frames = [dict(name=name, data=traces(points)) for name, points in zip(names, means, strict=False)]
    step = dict(mode="immediate", frame=dict(duration=400, redraw=True), transition=dict(duration=0))
    layout = dict(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        font=dict(size=FONT_SIZE),
        plot_bgcolor="white",
        xaxis=dict(range=[low[0] - pad[0], high[0] + pad[0]], title=dict(text="z₁"), zeroline=False),
        yaxis=dict(
            range=[low[1] - pad[1], high[1] + pad[1]],
            title=dict(text="z₂"),
            zeroline=False,
            scaleanchor="x",
            scaleratio=1,
        ),
        legend=dict(itemsizing="constant", y=0.9, yanchor="top"),
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=0,
                xanchor="left",
                yanchor="top",
                pad=dict(t=50),
                buttons=[
                    dict(label="▶ play", method="animate", args=[None, {**step, "fromcurrent": True}]),
                    dict(label="❚❚ pause", method="animate", args=[[None], step]),
                ],
            )
        ],
        sliders=[
            dict(
                active=len(frames) - 1,
                x=0.18,
                len=0.8,
                y=0,
                yanchor="top",
                pad=dict(t=40),
                currentvalue=dict(prefix="after epoch ", xanchor="right", font=dict(size=FONT_SIZE)),
                steps=[dict(label=name.split()[1], method="animate", args=[[name], step]) for name in names],
            )
        ],
    )
    return plotly_figure(traces(means[-1]), layout, frames)

"""Compare: the same 10,000 test digits in the maps of an autoencoder, a VAE and a β-VAE.

The lesson of a VAE is a contrast: an autoencoder's map has holes between its clusters
and its prior samples are noise; the KL term packs a VAE's codes around N(0, I), so its
space is continuous and sampling it gives digits; a larger β trades sharp
reconstructions for a fuller, rounder map.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from explorer import describe, header, latent_map, map_view, resources
from explorer.frame import Frame, build, plane_view
from explorer.map_layer import clicked_digit, map_layer, mark
from vae.analysis import latent
from vae.plots import figures
from vae.plots.pictures import png_bytes
from vae.store.catalog import available_models

FAMILY = ("mnist-ae", "mnist-vae", "mnist-beta-vae")
LOOK_FOR = {
    "mnist-ae": "No KL term: clusters drift apart and leave holes; a point between them decodes to a smudge.",
    "mnist-vae": "The KL term packs the codes around N(0, I): the space between clusters still decodes to digits.",
    "mnist-beta-vae": "A stronger pull to the prior: a fuller, rounder map, and blurrier reconstructions.",
    "mnist-vae-16": "16 numbers per digit: sharper reconstructions. Its map is a plane through that space, "
    "not the space itself.",
    "mnist-beta-vae-16": "16 dimensions and a stronger pull to the prior: several dimensions go unused.",
}
WHY_2D_BLURS = (
    "**Why the 2-D map blurs.** A 2-D code must squeeze every digit into two numbers, so the decoder "
    "draws an average of all the digits that land near each point; with 16 numbers per digit it can keep "
    "each one's own strokes. Click a digit: each model's reconstruction of it is below its map."
)
SAMPLES = 8
PATH_FRAMES = 10
HEIGHT = 400


def chart_key(number: int) -> str:
    return f"compare_map_{number}"


def title(frame: Frame) -> str:
    beta = frame.model.config.beta
    kind = "Autoencoder" if beta == 0 else ("VAE" if beta == 1 else "β-VAE")
    size = "" if frame.latent_dim == 2 else f", {frame.latent_dim}-D"
    return f"{kind} (β = {beta:g}{size})"


def show(_frame: Frame, options: dict) -> None:
    header.show(
        "Autoencoder vs VAE vs β-VAE",
        "The same 10,000 MNIST test digits, encoded by each model. "
        "Point at any map to see the same z decoded by every model; click a digit to mark it in "
        "every map, or empty space to decode it there.",
    )
    listed = list(available_models("mnist"))
    chosen = st.multiselect(
        "Models side by side",
        listed,
        default=[n for n in FAMILY if n in listed],
        max_selections=3,
        key="compare_models",
    )
    if not chosen:
        st.info("Choose two or three models to compare.")
        return
    # Side by side, the d-D models on their PCA planes: a slice or a layout of one model is no
    # place to compare another's.
    frames = [build(name, options.get("marker_size", 3), plane_view()) for name in chosen]
    columns = st.columns(len(frames))
    for number, (column, frame) in enumerate(zip(columns, frames, strict=False)):
        with column:
            st.subheader(title(frame))
            st.caption(LOOK_FOR.get(frame.name, f"{frame.name}: what differs from its neighbours?"))
            map_view.show(
                chart_key(number),
                frame.token,
                frame.encoded,
                [],
                figures.latent_map_layout(
                    frame.x_range,
                    frame.y_range,
                    height=HEIGHT,
                    uirevision=frame.name,
                    show_legend=False,
                    legend_title="digit",
                    font_size=13,
                    annotations=frame.annotations,
                    axis_titles=frame.plane.axis_titles(),
                ),
                # Hovering any map previews the same z in every map, each with its decoder.
                latent_map.live(frame, group="compare", primary=number == 0),
            )
    colour_key(frames[0].class_names)
    if len({frame.latent_dim == 2 for frame in frames}) == 2:  # a 2-D model beside a larger one
        st.markdown(WHY_2D_BLURS)
    results(frames)


def colour_key(class_names: tuple[str, ...]) -> None:
    """One key for the three maps (each names its classes at their clusters too)."""
    swatches = "".join(
        f'<span style="margin-right:1.1em;white-space:nowrap"><span style="display:inline-block;width:0.8em;'
        f'height:0.8em;border-radius:50%;background:{colour};margin-right:0.3em"></span>{name}</span>'
        for name, colour in zip(class_names, figures.PALETTE, strict=False)
    )
    st.html(f'<div style="font-size:0.95rem;color:#444">{swatches}</div>')


def handle_click(frames: list[Frame], number: int, click: dict) -> None:
    frame = frames[number]
    index = None if click.get("exact") else clicked_digit(click, frame.points, frame.labels, frame.class_names)
    st.session_state.compare = (
        {"index": index} if index is not None else {"z": [click["x"], click["y"]], "model": frame.name}
    )


@st.fragment
def results(frames: list[Frame]) -> None:
    chosen = st.session_state.compare
    show_path = st.session_state.get("compare_path", False)
    for number, frame in enumerate(frames):
        map_layer(
            f"compare_layer_{number}",
            chart_key(number),
            marks(frame, chosen, show_path),
            on_click=functools.partial(handle_click, frames, number),
        )
    chosen = st.session_state.compare
    if chosen and chosen.get("index") is not None and frames[0].data is not None:
        index = chosen["index"]
        st.image(
            png_bytes(frames[0].data.x_test[index], 4),
            output_format="PNG",
            width=112,
            caption=f"test #{index}, a {frames[0].class_names[frames[0].labels[index]]}: marked in every "
            "map; below, each model's reconstruction",
            alt=f"test image #{index}, a {frames[0].class_names[frames[0].labels[index]]}",
        )
    sample, walk = st.columns(2)
    if sample.button("Sample from N(0, I): the same ε in every model", width="stretch"):
        st.session_state.compare_seed = int(np.random.default_rng().integers(1 << 31))
    walk.toggle("Walk a straight line across each map", key="compare_path")
    seed = st.session_state.compare_seed
    columns = st.columns(len(frames))
    for column, frame in zip(columns, frames, strict=False):
        with column:
            outcome(frame, chosen)
            if seed is not None:
                points = tuple(map(tuple, latent.sample_prior(SAMPLES, frame.latent_dim, seed=seed)))
                st.image(
                    resources.decoded_png(frame.model, frame.name, points, 3),
                    output_format="PNG",
                    caption="decodes of the same 8 draws of z ~ N(0, I)",
                    alt=f"{title(frame)}: the same 8 draws of z from N(0, I), decoded",
                    width="stretch",
                )
            if st.session_state.get("compare_path"):
                st.image(
                    resources.decoded_png(
                        frame.model, frame.name, tuple(map(tuple, frame.latent_at(straight_line(frame)))), 3
                    ),
                    output_format="PNG",
                    caption="decoded along the line drawn on this map",
                    alt=f"{title(frame)}: images decoded along the straight line drawn across its map",
                    width="stretch",
                )


def outcome(frame: Frame, chosen: dict | None) -> None:
    if not chosen:
        return
    if chosen.get("index") is not None:
        z = frame.mean[chosen["index"]]
        st.image(
            resources.decoded_png(frame.model, frame.name, (tuple(z),), 6),
            output_format="PNG",
            caption=f"{title(frame)}: reconstruction",
            alt=f"{title(frame)}: reconstruction of test image #{chosen['index']}, decoded at "
            f"{describe.place(frame, z)}",
            width=168,
        )
    elif chosen.get("model") == frame.name:
        x, y = chosen["z"]  # a point of this model's map
        st.image(
            resources.decoded_png(frame.model, frame.name, (tuple(frame.latent_at([x, y])),), 6),
            output_format="PNG",
            caption=f"decoded z = ({x:.2f}, {y:.2f})",
            alt=f"{title(frame)}: the image decoded at z = ({x:.2f}, {y:.2f})",
            width=168,
        )


def straight_line(frame: Frame) -> np.ndarray:
    """A diagonal across the map's extent, through the middle: (PATH_FRAMES, 2)."""
    (x0, x1), (y0, y1) = frame.x_range, frame.y_range
    start = np.array([x0 + 0.1 * (x1 - x0), y0 + 0.1 * (y1 - y0)])
    end = np.array([x1 - 0.1 * (x1 - x0), y1 - 0.1 * (y1 - y0)])
    return latent.interpolate(start, end, PATH_FRAMES)


def marks(frame: Frame, chosen: dict | None, show_path: bool) -> list[dict]:
    out = []
    if show_path:
        out += [
            mark(point, label=str(i + 1) if i in (0, PATH_FRAMES - 1) else "", kind="dot", size=4)
            for i, point in enumerate(straight_line(frame))
        ]
    if chosen and chosen.get("index") is not None:
        out.append(mark(frame.on_map(frame.mean[chosen["index"]]), f"#{chosen['index']}"))
    elif chosen and chosen.get("model") == frame.name:
        out.append(mark(chosen["z"]))
    return out

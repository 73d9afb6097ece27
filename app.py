"""The VAE latent-space explorer: `streamlit run app.py`.

UI only: layout, widgets, caching and session state. Everything it computes comes from
the `vae` package, which takes and returns plain values.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import streamlit as st

import vae
from components.drawing_canvas import drawing_canvas
from vae import figures, latent
from vae.data import available_datasets, bundled_test_set, load_dataset
from vae.images import prepare_image
from vae.saved import BUNDLED_MODEL_DIR, available_models, cache_problem
from vae.cli import train_in_child_process

st.set_page_config(page_title="VAE latent-space explorer", page_icon="🔢", layout="wide")

IMAGE_SCALE = 10          # 28 px -> 280 px on screen
DATASET_LABELS = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes"}
TRAIN_SIZES = (1000, 5000, 20000, 60000)


# ---- session state: initialised here, in one place; small values only -------------------
def init_state() -> None:
    defaults = {
        "chosen": None,        # {"z": [x, y], "index": int | None, "source": str}
        "waypoints": [],       # [{"z": [x, y], "label": str}]
        "uploads": [],         # [{"name", "image" (28x28), "mean", "log_var", "pictures"}]
        "seen_files": set(),   # uploader file ids already processed
        "upload_errors": [],   # messages for files that could not be used
        "samples_seed": None,
        "model_path": str(BUNDLED_MODEL_DIR),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


# ---- cached, shared across sessions: one model, one set of encodings --------------------
@st.cache_resource(show_spinner="Loading the model…")
def get_model(path: str) -> vae.TrainedVAE:
    return vae.load_model(path)


@st.cache_resource(show_spinner="Loading the test set…")
def get_test_data(dataset: str) -> vae.Dataset:
    if dataset == "mnist":
        return bundled_test_set()
    return load_dataset(dataset, allow_download=False)


@st.cache_resource(show_spinner="Encoding the test set…")
def get_encodings(model_path: str, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    return get_model(model_path).encode(get_test_data(dataset).x_test)


@st.cache_resource(show_spinner=False)
def get_map_base(model_path: str, dataset: str, marker_size: int) -> dict:
    """Test-set encodings and the map's fixed traces, computed once per model (and point size)."""
    data = get_test_data(dataset)
    mean, log_var = get_encodings(model_path, dataset)
    x_range, y_range = latent.latent_extent(mean)
    return {
        "mean": mean, "log_var": log_var, "x_range": x_range, "y_range": y_range,
        "traces": figures.data_traces(mean, data.y_test, data.class_names, marker_size),
        "grid": figures.click_grid_trace(x_range, y_range),
    }


# Pictures are encoded once per input and shared by every session: with a classroom on
# one server, PNG and GIF encoding would otherwise dominate each rerun.
@st.cache_data(show_spinner=False, max_entries=16)
def manifold_png(_model: vae.TrainedVAE, model_path: str, n: int, x_range, y_range) -> bytes:
    return figures.png_bytes(latent.decode_grid(_model, n, x_range, y_range), 2)


@st.cache_data(show_spinner=False, max_entries=4)
def manifold_layer(_model: vae.TrainedVAE, model_path: str, x_range, y_range) -> dict:
    return figures.manifold_layout_image(latent.decode_grid(_model, 24, x_range, y_range), x_range, y_range)


@st.cache_data(show_spinner=False, max_entries=256)
def path_pictures(_model: vae.TrainedVAE, model_path: str, waypoints: tuple, steps: int,
                  method: str) -> tuple[bytes, bytes, int]:
    """(filmstrip PNG, animated GIF, number of frames) of a path, decoded in one batch."""
    frames = _model.decode(latent.path_through(np.array(waypoints), steps, method))
    return figures.png_bytes(figures.filmstrip(frames), 3), figures.gif_bytes(frames), len(frames)


@st.cache_data(show_spinner=False, max_entries=256)
def samples_png(_model: vae.TrainedVAE, model_path: str, seed: int) -> bytes:
    return figures.png_bytes(figures.filmstrip(_model.decode(latent.sample_prior(16, seed=seed)), 8), 4)


# ---- sidebar: data, model, training ------------------------------------------------------
def sidebar() -> dict:
    """Dataset, model and training controls; returns the map's view options."""
    st.sidebar.header("Data and model")
    dataset = st.sidebar.selectbox("Dataset", available_datasets(), format_func=DATASET_LABELS.get)
    options = {label: str(path) for label, path in available_models(dataset).items()}
    if options:
        labels = list(options)
        current = [label for label, path in options.items() if path == st.session_state.model_path]
        choice = st.sidebar.selectbox("Model", labels, index=labels.index(current[0]) if current else 0)
        st.session_state.model_path = options[choice]
    else:
        st.sidebar.info("No model for this dataset yet: train one below.")
        st.session_state.model_path = None
    problem = cache_problem()
    if problem:
        st.sidebar.warning(problem)
    with st.sidebar.expander("Train a new model", expanded=not options):
        train_form(dataset)
    st.sidebar.header("Map")
    view = {
        "prior": st.sidebar.checkbox("Show the N(0, I) prior rings", value=True),
        "manifold": st.sidebar.checkbox("Lay the decoded manifold under the map", value=False),
        "marker_size": st.sidebar.slider("Point size", 2, 10, 4),
    }
    return view


def train_form(dataset: str) -> None:
    with st.form("train"):
        arch = st.selectbox("Architecture", ["dense", "conv"],
                            help="dense: multilayer perceptron; conv: strided convolutions")
        epochs = st.slider("Epochs", 1, 50, 10)
        beta = st.number_input("β (weight of the KL term; 0 = plain autoencoder)", 0.0, 10.0, 1.0, 0.5)
        images = st.select_slider("Training images", TRAIN_SIZES, value=60000)
        start = st.form_submit_button("Train", type="primary", width="stretch")
    if start:
        config = vae.TrainConfig(dataset=dataset, arch=arch, epochs=epochs, beta=beta,
                                 train_limit=None if images == 60000 else images)
        run_training(config)


def run_training(config: vae.TrainConfig) -> None:
    """Train in a low-priority child process (other visitors keep exploring); show progress."""
    bar = st.sidebar.progress(0.0, text="Starting (loading data and TensorFlow)…")
    chart = st.sidebar.empty()
    history = {"reconstruction_loss": [], "kl_loss": []}

    def on_progress(p: vae.Progress) -> None:
        history["reconstruction_loss"].append(p.reconstruction_loss)
        history["kl_loss"].append(p.kl_loss)
        bar.progress(min(p.fraction, 1.0), text=(
            f"Epoch {p.epoch + 1}/{p.epochs} · loss {p.loss:.1f} "
            f"(reconstruction {p.reconstruction_loss:.1f} + KL {p.kl_loss:.2f})"))
        chart.plotly_chart(figures.loss_figure(history), width="stretch")

    try:
        result = train_in_child_process(config, on_progress)
    except ValueError as error:
        bar.empty()
        st.sidebar.error(str(error))
        return
    bar.progress(1.0, text="Training complete")
    st.session_state.model_path = result["path"]
    st.sidebar.success(f"Trained: test NELBO {result['test_nelbo']:.1f} nats")


def model_card(model: vae.TrainedVAE, data: vae.Dataset) -> None:
    m, c = model.metrics, model.config
    knn = f" · 5-NN accuracy {m['knn5_accuracy']:.2f}" if "knn5_accuracy" in m else ""
    st.caption(
        f"**Model:** {c.arch} {'-'.join(map(str, c.hidden_units))}, latent {c.latent_dim}-D, "
        f"β = {c.beta:g}, {c.epochs} epochs on {m.get('train_images', '?')} images "
        f"({m.get('train_seconds', 0):.0f} s) · **test NELBO {m.get('test_nelbo', float('nan')):.1f} nats**"
        f"{knn} · trained on: {m.get('data_source', '?')} · **map:** {len(data.x_test):,} test "
        f"images from {data.source}")


# ---- the latent map and the decoded point (a fragment: a click reruns only this) ---------
def on_map_select() -> None:
    points = st.session_state["latent_map"].selection.points
    if not points:
        # Plotly sends an empty selection on a deselect, a double-click, and sometimes
        # between two clicks; the chosen point stays chosen.
        return
    point = points[0]
    index = point.get("customdata")
    if isinstance(index, list):
        index = index[0] if index else None
    st.session_state.chosen = {"z": [float(point["x"]), float(point["y"])],
                               "index": None if index is None else int(index), "source": "map",
                               "overlays": st.session_state.get("overlay_signature")}


def chosen_needs_marker() -> bool:
    """Whether the chosen point must be drawn as a trace.

    A point chosen by clicking is shown by Plotly's own selection highlight, which lasts
    as long as the figure does not change; redrawing the figure on every click would
    remount the WebGL plot and cost far more than the decoding. Points chosen in other
    ways, or clicks made before the overlays changed, get an explicit marker.
    """
    chosen = st.session_state.chosen
    if not chosen:
        return False
    return chosen["source"] != "map" or chosen.get("overlays") != st.session_state.get("overlay_signature")


def overlay_traces(view: dict) -> list[dict]:
    state = st.session_state
    path = current_path()[0] if len(state.waypoints) >= 2 else None
    samples = None if state.samples_seed is None else latent.sample_prior(16, seed=state.samples_seed)
    return figures.overlay_traces(
        prior=view["prior"], path=path, waypoints=np.array([w["z"] for w in state.waypoints]),
        uploads=[(u["name"], u["mean"], u["log_var"]) for u in state.uploads], samples=samples)


@st.fragment
def explorer(model: vae.TrainedVAE, data: vae.Dataset, base: dict, view: dict) -> None:
    left, right = st.columns([3, 2], gap="medium")
    images = []
    if view["manifold"]:
        images.append(manifold_layer(model, st.session_state.model_path, base["x_range"], base["y_range"]))
    overlays = overlay_traces(view)
    state = st.session_state
    signature = repr((state.waypoints, [u["name"] for u in state.uploads], state.samples_seed,
                      state.get("path_steps"), state.get("path_method"), view, state.model_path))
    state.overlay_signature = hashlib.sha1(signature.encode()).hexdigest()
    if chosen_needs_marker():
        overlays.append(figures.marker_trace(*st.session_state.chosen["z"], name="chosen point"))
    figure = figures.latent_map([base["grid"]] + base["traces"] + overlays,
                                base["x_range"], base["y_range"], images=images)
    with left:
        st.plotly_chart(figure, key="latent_map", on_select=on_map_select, selection_mode="points",
                        width="stretch", config={"displaylogo": False, "scrollZoom": True})
        st.caption("Click anywhere on the map, on a digit or on empty space, to decode that point. "
                   "Drag to pan, scroll to zoom, click legend entries to hide classes.")
    with right:
        decoded_panel(model, data)


def decoded_panel(model: vae.TrainedVAE, data: vae.Dataset) -> None:
    chosen = st.session_state.chosen
    if chosen is None:
        st.subheader("Decoded point")
        st.info("Click the map: the decoder turns the point you click into an image.")
        return
    z = np.array([chosen["z"]])
    index = chosen.get("index")
    if index is None:
        image = model.decode(z)[0]
        st.subheader(f"Decoded z = ({z[0, 0]:.2f}, {z[0, 1]:.2f})")
        st.image(figures.png_bytes(image, IMAGE_SCALE), width=IMAGE_SCALE * 28, output_format="PNG")
        return
    # A digit on the map sits at its encoder mean: decoding that point is its reconstruction.
    image = model.decode(z)[0]
    st.subheader(f"Test #{index}: {data.class_names[data.y_test[index]]}")
    first, second = st.columns(2)
    first.image(figures.png_bytes(data.x_test[index], IMAGE_SCALE), caption="original",
                width="stretch", output_format="PNG")
    second.image(figures.png_bytes(image, IMAGE_SCALE), width="stretch", output_format="PNG",
                 caption=f"decoded at its mean z = ({z[0, 0]:.2f}, {z[0, 1]:.2f})")


# ---- tabs below the map -------------------------------------------------------------------
def current_path() -> tuple[np.ndarray, np.ndarray]:
    waypoints = np.array([w["z"] for w in st.session_state.waypoints])
    steps = st.session_state.get("path_steps", 10)
    method = st.session_state.get("path_method", "linear")
    return latent.path_through(waypoints, steps, method), waypoints


def interpolate_tab(model: vae.TrainedVAE, data: vae.Dataset, base: dict) -> None:
    st.markdown("Pick waypoints, and the decoder morphs smoothly from one to the next: "
                "the latent space is continuous.")
    add, by_index, by_upload = st.columns(3)
    chosen = st.session_state.chosen
    if add.button("Add the chosen point", disabled=chosen is None, width="stretch"):
        add_waypoint(chosen["z"], f"z=({chosen['z'][0]:.1f}, {chosen['z'][1]:.1f})")
    index = by_index.number_input("Test image index", 0, len(data.x_test) - 1, 0, key="wp_index")
    if by_index.button("Add this test image", width="stretch"):
        add_waypoint(base["mean"][index].tolist(), f"test #{index}")
    names = [upload["name"] for upload in st.session_state.uploads]
    picked = by_upload.selectbox("Your digit", names, index=len(names) - 1 if names else None)
    if by_upload.button("Add your digit", disabled=not names, width="stretch"):
        upload = st.session_state.uploads[names.index(picked)]
        add_waypoint(upload["mean"].tolist(), upload["name"])
    steps_col, method_col, clear_col = st.columns(3)
    steps_col.slider("Steps per leg", 3, 30, 10, key="path_steps")
    method_col.radio("Interpolation", ["linear", "spherical"], key="path_method", horizontal=True)
    if clear_col.button("Clear the path", disabled=not st.session_state.waypoints, width="stretch"):
        st.session_state.waypoints = []
    waypoints = st.session_state.waypoints
    st.write("Waypoints: " + (" → ".join(f"**{chr(65 + i)}** {w['label']}" for i, w in enumerate(waypoints))
                              or "none yet (add two or more)"))
    if len(waypoints) >= 2:
        strip, gif, count = path_pictures(model, st.session_state.model_path,
                                          tuple(tuple(w["z"]) for w in waypoints),
                                          st.session_state.path_steps, st.session_state.path_method)
        st.image(strip, caption=f"{count} frames", output_format="PNG")
        st.download_button("Download the morph as an animated GIF", gif,
                           file_name="latent-path.gif", mime="image/gif")


def add_waypoint(z, label: str) -> None:
    st.session_state.waypoints = st.session_state.waypoints + [{"z": [float(v) for v in z], "label": label}]


def add_upload(model: vae.TrainedVAE, name: str, source) -> None:
    try:
        image = prepare_image(source)
    except ValueError as error:
        st.session_state.upload_errors = st.session_state.upload_errors + [f"{name}: {error}"]
        return
    mean, log_var = model.encode(image[None])
    samples = latent.reparameterized_samples(mean[0], log_var[0], 6, seed=0)
    # One batched call: the reconstruction at the mean and six reparameterized samples.
    decoded = model.decode(np.vstack([mean, samples]))
    pictures = {"input": figures.png_bytes(image, 6), "reconstruction": figures.png_bytes(decoded[0], 6),
                "samples": figures.png_bytes(figures.filmstrip(decoded[1:], 6), 4)}
    entry = {"name": name, "image": image, "mean": mean[0], "log_var": log_var[0], "pictures": pictures}
    st.session_state.uploads = st.session_state.uploads + [entry]


def upload_tab(model: vae.TrainedVAE) -> None:
    upload_col, draw_col = st.columns(2)
    with upload_col:
        files = st.file_uploader("Upload photos or scans of handwritten digits",
                                 type=["png", "jpg", "jpeg", "gif", "bmp", "webp"],
                                 accept_multiple_files=True, key="uploader")
        for file in files or []:
            if file.file_id not in st.session_state.seen_files:
                st.session_state.seen_files.add(file.file_id)
                add_upload(model, Path(file.name).stem[:24], file.getvalue())
    with draw_col:
        st.write("…or draw one:")
        drawing = drawing_canvas(key="canvas")
        if drawing is not None:
            count = sum(u["name"].startswith("drawing") for u in st.session_state.uploads)
            add_upload(model, f"drawing {count + 1}", drawing)
    for message in st.session_state.upload_errors[-3:]:
        st.error(message)
    if st.session_state.uploads:
        show_upload(model, st.session_state.uploads[-1])


def show_upload(model: vae.TrainedVAE, upload: dict) -> None:
    mean, log_var = upload["mean"], upload["log_var"]
    sigma = np.exp(0.5 * log_var)
    st.markdown(f"**{upload['name']}**: the encoder's distribution is N(μ = ({mean[0]:.2f}, {mean[1]:.2f}), "
                f"σ = ({sigma[0]:.3f}, {sigma[1]:.3f})), shown on the map as a star with its 1σ and 2σ ellipses.")
    pictures = upload["pictures"]
    columns = st.columns([1, 1, 3])
    columns[0].image(pictures["input"], caption="what the model sees (28×28)", width=168, output_format="PNG")
    columns[1].image(pictures["reconstruction"], caption="reconstruction at μ", width=168, output_format="PNG")
    columns[2].image(pictures["samples"],
                     caption="decodes of z = μ + σ·ε, ε ~ N(0, I) (the reparameterization trick)", output_format="PNG")
    if st.button("Decode at this digit's mean on the map"):
        st.session_state.chosen = {"z": mean.tolist(), "index": None, "source": upload["name"]}


def manifold_tab(model: vae.TrainedVAE, base: dict) -> None:
    n = st.slider("Grid size", 5, 30, 20)
    st.image(manifold_png(model, st.session_state.model_path, n, base["x_range"], base["y_range"]), caption=(
        f"{n}×{n} decoded latent points over z₁ ∈ [{base['x_range'][0]:.1f}, {base['x_range'][1]:.1f}], "
        f"z₂ ∈ [{base['y_range'][0]:.1f}, {base['y_range'][1]:.1f}] (top left is low z₁, high z₂)"), output_format="PNG")


def sample_tab(model: vae.TrainedVAE) -> None:
    st.markdown("A VAE is a generative model: draw z from the prior N(0, I) and decode it.")
    if st.button("Draw 16 samples from N(0, I)"):
        st.session_state.samples_seed = int(np.random.default_rng().integers(1 << 31))
    if st.session_state.samples_seed is not None:
        st.image(samples_png(model, st.session_state.model_path, st.session_state.samples_seed),
                 caption="samples (shown as diamonds on the map)", output_format="PNG")


def how_it_works_tab(model: vae.TrainedVAE) -> None:
    m = model.metrics
    text = (Path(__file__).parent / "components" / "how_it_works.md").read_text()
    st.markdown(text.format(reconstruction=m.get("test_reconstruction", float("nan")),
                            kl=m.get("test_kl", float("nan")), nelbo=m.get("test_nelbo", float("nan"))))


# ---- page ---------------------------------------------------------------------------------
def load_current_model() -> vae.TrainedVAE | None:
    path = st.session_state.model_path
    if path is None:
        return None
    try:
        return get_model(path)
    except (ValueError, OSError) as error:
        st.error(f"This model could not be loaded, so the bundled model is shown instead. {error}")
        st.session_state.model_path = str(BUNDLED_MODEL_DIR)
        return get_model(str(BUNDLED_MODEL_DIR))


def main() -> None:
    init_state()
    st.title("VAE latent-space explorer")
    view = sidebar()
    model = load_current_model()
    if model is None:
        st.info("Train a model for this dataset in the sidebar to explore it.")
        return
    data = get_test_data(model.config.dataset)
    base = get_map_base(st.session_state.model_path, model.config.dataset, view["marker_size"])
    model_card(model, data)
    # The map is drawn last, into a slot above the tabs, so that what the tabs change in
    # this run (a new upload, a waypoint, samples) is already on it.
    map_slot = st.container()
    tabs = st.tabs(["Interpolate", "Your digit", "Manifold", "Sample", "How it works"])
    with tabs[0]:
        interpolate_tab(model, data, base)
    with tabs[1]:
        upload_tab(model)
    with tabs[2]:
        manifold_tab(model, base)
    with tabs[3]:
        sample_tab(model)
    with tabs[4]:
        how_it_works_tab(model)
    with map_slot:
        explorer(model, data, base, view)


main()

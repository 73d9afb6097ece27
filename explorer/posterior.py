"""q(z|x) made visible for one input: the inset, its σ next to the prior's, its loss, the graph.

The encoder's σ is tiny next to the map (about 1/50 of the prior's σ = 1 for the VAE), so
on the main map its ellipses are dots. Here they are drawn zoomed to about ±4σ, with the
reparameterized samples z = μ + σ·ε as points and their decodes beside them; the two terms
of this input's loss stand next to the model's averages; and a small live graph puts this
input's numbers on every step of the reparameterization, beside the code that computes it.
"""

from __future__ import annotations

import ast
import collections
import functools
import textwrap
import threading
from pathlib import Path

import numpy as np
import streamlit as st

import vae
from explorer import resources
from vae.analysis import metrics
from vae.plots.inset import posterior_dims_svg, posterior_svg
from vae.plots.pictures import filmstrip, png_data_uri

SAMPLES = 6


def show(vae_model, image: np.ndarray, mean: np.ndarray, log_var: np.ndarray, key: str) -> None:
    """The posterior of one input (28x28 image, its encoding); `key` names its widgets."""
    seed = st.session_state.epsilon_seed
    drawn = drawings(vae_model, image, mean, log_var, seed)
    sigma, samples, epsilon = drawn["sigma"], drawn["samples"], drawn["epsilon"]
    if len(mean) == 2:
        plane_inset(mean, sigma, samples, 1.0 / float(sigma.mean()), drawn["svg"])
    else:
        dimensions_inset(vae_model, mean, sigma, samples, drawn["svg"])
    st.image(
        drawn["strip"],
        width="stretch",
        alt=f"the {len(samples)} samples of q(z|x), numbered as in the ellipses above, each decoded",
    )
    st.button("Draw another ε", key=f"{key}-epsilon", width="stretch", on_click=next_epsilon)
    loss_terms(vae_model, *drawn["loss"])
    # Filled only while open: the graph (Graphviz) and the code were laid out by the browser
    # on every click on a digit, open or not.
    graph = st.expander("The reparameterization, with this input's numbers", key=f"{key}-graph", on_change="rerun")
    if graph.open:
        with graph:
            graph_and_code(mean, log_var, epsilon[0], samples[0])


def drawings(vae_model, image, mean, log_var, seed: int) -> dict:
    """What the panel draws of one input's posterior: made once per model, input and ε, not at
    every page that shows it (a class following its teacher shows the same digit thirty times at
    once). Keyed by the arrays' bytes: Streamlit's cache inspected and hashed its arguments at
    every call, a tenth of such a run."""
    if vae_model.path is None:
        return draw(vae_model, image, mean, log_var, seed)
    key = (str(vae_model.path), seed) + tuple(np.ascontiguousarray(a).tobytes() for a in (image, mean, log_var))
    with _drawn_lock:
        found = _drawn.get(key)
        if found is not None:
            _drawn.move_to_end(key)
            return found
    made = draw(vae_model, image, mean, log_var, seed)
    with _drawn_lock:
        _drawn[key] = made
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
    return made


DRAWN_KEPT = 256
_drawn: collections.OrderedDict = collections.OrderedDict()
_drawn_lock = threading.Lock()


def draw(vae_model, image, mean, log_var, seed: int) -> dict:
    mean, log_var = np.asarray(mean), np.asarray(log_var)
    sigma = np.exp(0.5 * log_var)
    epsilon = np.random.default_rng(seed).standard_normal((SAMPLES, len(mean)))
    samples = mean + sigma * epsilon  # z = μ + σ·ε, the reparameterization trick
    if len(mean) == 2:
        svg = posterior_svg(mean, log_var, samples)
    else:
        svg = posterior_dims_svg(mean, log_var, samples, resources.kl_per_dimension(vae_model))
    reconstruction, kl = (float(v[0]) for v in metrics.loss_terms(vae_model, np.asarray(image)[None]))
    return {
        "sigma": sigma,
        "epsilon": epsilon,
        "samples": samples,
        "svg": svg,
        "strip": png_data_uri(filmstrip(vae_model.decode(samples), 6), 3),
        "loss": (reconstruction, kl),
    }


def plane_inset(mean, sigma, samples, ratio: float, svg: str) -> None:
    """A 2-D posterior: its ellipses, zoomed."""
    st.markdown(
        f"**q(z|x) = N(μ, σ²)** with μ = ({mean[0]:.2f}, {mean[1]:.2f}) and "
        f"σ = ({sigma[0]:.3f}, {sigma[1]:.3f}): "
        + (
            f"about **{ratio:.0f} times smaller** than the prior's σ = 1, so on the map the "
            "encoder's uncertainty is a dot. Up close:"
            if ratio >= 3
            else f"{1 / ratio:.2f} of the prior's σ = 1. Up close:"
        )
    )
    st.image(
        svg,
        width="stretch",
        alt=f"the encoder's distribution q(z|x) up close: mean μ = ({mean[0]:.2f}, {mean[1]:.2f}), "
        f"σ = ({sigma[0]:.3f}, {sigma[1]:.3f}), with its 1σ and 2σ ellipses and {len(samples)} samples z = μ + σ·ε",
    )
    st.caption(
        "The red ellipses are 1σ and 2σ, the cross is μ, the numbered dots are samples z = μ + σ·ε; "
        "below, what the decoder makes of each sample."
    )


def dimensions_inset(vae_model, mean, sigma, samples, svg: str) -> None:
    """A d-D posterior: one row per dimension, against the prior."""
    kl = resources.kl_per_dimension(vae_model)
    unused = int((kl < 0.01).sum()) if kl is not None else 0
    st.markdown(
        f"**q(z|x) = N(μ, σ²)** in {len(mean)} dimensions: σ from {sigma.min():.3f} to {sigma.max():.3f}"
        + (
            f"; {unused} dimension{'s' * (unused != 1)} the model does not use (σ ≈ 1, μ ≈ 0: the prior itself)."
            if unused
            else "."
        )
    )
    st.image(
        svg,
        width="stretch",
        alt=f"the encoder's distribution q(z|x), one row per latent dimension: μ with ±σ and ±2σ bars and "
        f"{len(samples)} samples z = μ + σ·ε, against the prior N(0, 1)",
    )
    st.caption(
        "Each row is one latent dimension: the red tick is μ, the bars ±σ and ±2σ, the dots the samples "
        "z = μ + σ·ε; the grey bands are the prior's ±1 and ±2. Below, what the decoder makes of each sample."
    )


def next_epsilon() -> None:
    st.session_state.epsilon_seed += 1


def loss_terms(vae_model, reconstruction: float, kl: float) -> None:
    m = vae_model.metrics
    average = (
        f" (the model's average over the test set: {m['test_reconstruction']:.1f} + {m['test_kl']:.1f} "
        f"= {m['test_nelbo']:.1f})"
        if "test_nelbo" in m
        else ""
    )
    st.markdown(
        f"**This input's loss:** reconstruction {reconstruction:.1f} + KL {kl:.2f} = "
        f"**{reconstruction + kl:.1f} nats**{average}."
    )


def graph_and_code(mean, log_var, epsilon, z) -> None:
    sigma = np.exp(0.5 * np.asarray(log_var))

    def pair(values, digits=3):
        return "(" + ", ".join(f"{v:.{digits}f}" for v in values) + ")"

    st.graphviz_chart(
        f"""digraph {{
        rankdir=TB; bgcolor="transparent"; nodesep=0.25; ranksep=0.3;
        node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="sans-serif", fontsize=13];
        edge [color="#555555"];
        x [label="image x\\n28 × 28"]; encoder [label="encoder", fillcolor="#dbe9f7"];
        mu [label="μ = {pair(mean, 2)}"]; logvar [label="log σ² = {pair(log_var, 2)}"];
        sigma [label="σ = exp(½ log σ²)\\n= {pair(sigma)}"];
        eps [label="ε ~ N(0, I)\\n= {pair(epsilon, 2)}", shape=ellipse, fillcolor="#fff3d6"];
        z [label="z = μ + σ·ε\\n= {pair(z)}", fillcolor="#fde0dc"]; decoder [label="decoder", fillcolor="#dbe9f7"];
        xhat [label="decoded image"];
        x -> encoder; encoder -> mu; encoder -> logvar; logvar -> sigma; mu -> z; sigma -> z; eps -> z;
        z -> decoder; decoder -> xhat;
    }}""",
        width="stretch",
    )
    st.caption("What vae/model/network.py computes in training (the Sampling layer and the KL term):")
    st.code(model_source(), language="python", wrap_lines=True)


@functools.cache
def model_source() -> str:
    """The lines of vae/model/network.py that sample z and compute the KL term, read as text.

    Read, not imported: importing vae.model.network would import TensorFlow into the server.
    """
    path = Path(vae.__file__).parent / "model" / "network.py"
    text = path.read_text()
    tree = ast.parse(text)
    sampling = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Sampling")
    nodes = [node for node in sampling.body if isinstance(node, ast.FunctionDef) and node.name == "call"]
    nodes += [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "kl_divergence"]
    return "\n\n".join(textwrap.dedent(ast.get_source_segment(text, node, padded=True)) for node in nodes)

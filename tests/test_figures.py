"""What the pictures show: colours that stay apart for colour-blind students, labels at the
clusters, a replay with one frame per snapshot."""

import itertools

import numpy as np

from vae.plots import figures, pictures, training_figures

# Machado, Oliveira & Fernandes (2009), full-severity simulation matrices in linear RGB.
DEFICIENCIES = {
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
}


def lab(hex_colours, matrix=np.eye(3)):
    """CIELAB (D65) of sRGB colours as seen through a deficiency's matrix."""
    srgb = np.array([[int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)] for h in hex_colours])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear @ matrix.T, 0, 1)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def closest_pair(points):
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(points, 2))


def test_the_ten_classes_stay_apart_under_deuteranopia_and_protanopia():
    assert len(set(figures.PALETTE)) == 10
    for name, matrix in DEFICIENCIES.items():
        assert closest_pair(lab(figures.PALETTE, matrix)) > 15, name  # ΔE*ab: clearly different
    assert closest_pair(lab(figures.PALETTE)) > 15
    # Plotly's default colours, which the map used before, fail the same check.
    d3 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
    assert closest_pair(lab(d3, DEFICIENCIES["protanopia"])) < 10


def test_each_class_is_named_at_its_clusters_centre():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 50)
    centres = rng.normal(scale=5, size=(10, 2))
    points = centres[labels] + rng.normal(scale=0.3, size=(500, 2))
    notes = figures.class_label_annotations(points, labels, tuple("0123456789"))
    assert [note["name"] for note in notes] == [f"class {d}" for d in "0123456789"]
    assert [note["text"] for note in notes] == [f"<b>{d}</b>" for d in "0123456789"]
    for note, centre in zip(notes, centres, strict=False):
        assert np.hypot(note["x"] - centre[0], note["y"] - centre[1]) < 0.3
    figure = figures.latent_map([], (-10, 10), (-10, 10), annotations=notes)
    assert [a.name for a in figure.layout.annotations] == [note["name"] for note in notes]


def test_names_of_touching_clusters_are_moved_apart_not_stacked():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 200)
    centres = np.array([[0.0, 0.0], [0.02, 0.01], [2.0, 2.0]])  # 0 and 1 share a place
    points = centres[labels] + rng.normal(scale=0.01, size=(600, 2))
    extent = ((-3.0, 3.0), (-3.0, 3.0))
    stacked = figures.class_label_annotations(points, labels, ("0", "1", "2"))
    apart = figures.class_label_annotations(points, labels, ("0", "1", "2"), extent=extent)
    per_pixel = 6.0 / np.array(figures.SMALLEST_MAP_PX)  # the map size separate_badges assumes

    def pixels(note):
        return np.array([note["x"], note["y"]]) / per_pixel

    for notes, overlapping in ((stacked, True), (apart, False)):
        gap = np.abs(pixels(notes[0]) - pixels(notes[1]))
        size = np.array([notes[0]["width"], notes[0]["height"]])
        assert np.all(gap < size) == overlapping
    # Each moved by about half a badge, no more; a name with room stays where it was.
    for before, after in zip(stacked[:2], apart[:2], strict=True):
        assert np.max(np.abs(pixels(after) - pixels(before))) <= 0.6 * after["height"] + 2
    assert (apart[2]["x"], apart[2]["y"]) == (stacked[2]["x"], stacked[2]["y"])


def test_names_pushed_apart_stay_on_the_map():
    """An autoencoder's map is mostly far-flung outliers, its clusters' centres crowded at one edge."""
    labels = np.repeat(np.arange(6), 10)
    points = np.zeros((60, 2)) + np.array([-2.9, 0.0])  # six classes on one spot at the left edge
    extent = ((-3.0, 3.0), (-3.0, 3.0))
    notes = figures.class_label_annotations(points, labels, tuple("012345"), extent=extent)
    assert all(-3.0 <= note["x"] <= 3.0 and -3.0 <= note["y"] <= 3.0 for note in notes)
    assert len({(round(note["x"], 3), round(note["y"], 3)) for note in notes}) == 6  # none stacked


def test_the_replay_has_a_frame_per_snapshot_and_a_play_button():
    means = np.random.default_rng(1).normal(size=(4, 100, 2))
    labels = np.repeat(np.arange(10), 10)
    figure = training_figures.replay_figure(np.array([0, 1, 2, 3]), means, labels, tuple("0123456789"))
    assert [frame.name for frame in figure.frames] == ["epoch 0", "epoch 1", "epoch 2", "epoch 3"]
    assert figure.layout.updatemenus[0].buttons[0].label.endswith("play")
    gif = pictures.scatter_frames_gif([(f"after {k}", m) for k, m in enumerate(means)], labels, figures.PALETTE)
    assert gif[:6] == b"GIF89a"


def test_the_prior_rings_are_one_trace_of_three_circles():
    (trace,) = figures.prior_traces()
    x, y = np.asarray(trace["x"]), np.asarray(trace["y"])
    gaps = np.flatnonzero(np.isnan(x))
    assert len(gaps) == 2 and np.isnan(y[gaps]).all()
    radii = [np.hypot(xs, ys) for xs, ys in zip(np.split(x, gaps), np.split(y, gaps), strict=True)]
    for k, ring in zip((1, 2, 3), radii, strict=True):
        ring = ring[np.isfinite(ring)]
        np.testing.assert_allclose(ring, k, rtol=1e-9)
    assert trace["name"] == "N(0, I)"

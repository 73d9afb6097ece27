"""The generated shapes: every factor that made a picture comes back from the picture itself."""

import numpy as np

from vae.data import shapes


def moments(pictures):
    """Ink area, centroid (x, y) and the second central moments of each picture."""
    rows, cols = np.indices((28, 28))
    area = pictures.sum(axis=(1, 2))
    x = (pictures * cols).sum(axis=(1, 2)) / area
    y = (pictures * rows).sum(axis=(1, 2)) / area
    dx, dy = cols[None] - x[:, None, None], rows[None] - y[:, None, None]
    mxx = (pictures * dx * dx).sum(axis=(1, 2)) / area
    myy = (pictures * dy * dy).sum(axis=(1, 2)) / area
    mxy = (pictures * dx * dy).sum(axis=(1, 2)) / area
    return area, x, y, mxx, myy, mxy


def test_every_factor_comes_back_from_the_pictures():
    factors = shapes.sample_factors(3000, seed=1)
    pictures = shapes.draw(factors)
    values = shapes.factor_values(factors)
    area, x, y, mxx, myy, mxy = moments(pictures)
    assert pictures.shape == (3000, 28, 28) and pictures.min() >= 0 and pictures.max() <= 1
    # Scale: the area is the shape's own area times the scale squared, at any place and turn
    # (a shape cut off by the border would have less).
    per_shape = {}
    for shape in range(3):
        chosen = values["shape"] == shape
        ratio = area[chosen] / values["scale"][chosen] ** 2
        assert ratio.std() / ratio.mean() < 0.04, (shape, ratio.std() / ratio.mean())
        per_shape[shape] = ratio.mean()
    assert abs(per_shape[0] - 1.6**2) < 0.1  # the square's side is 1.6 radii
    assert abs(per_shape[1] - np.pi * 0.5) < 0.1  # the ellipse's half-axes are 1 and 0.5 radii
    assert len({round(ratio, 1) for ratio in per_shape.values()}) == 3  # the shape is told by its area
    # Position: the centroid of a square or an ellipse is its centre; a heart's is a fixed
    # distance from it, turned with the heart.
    symmetric = values["shape"] < 2
    assert np.abs(x[symmetric] - values["x"][symmetric]).max() < 0.1
    assert np.abs(y[symmetric] - values["y"][symmetric]).max() < 0.1
    heart = values["shape"] == 2
    offset = np.hypot(x[heart] - values["x"][heart], y[heart] - values["y"][heart]) / values["scale"][heart]
    assert offset.std() < 0.03 and offset.mean() > 0.05
    # Rotation: an ellipse's long axis points at its angle (modulo a half turn).
    ellipse = values["shape"] == 1
    axis = 0.5 * np.arctan2(2 * mxy[ellipse], mxx[ellipse] - myy[ellipse])
    difference = np.angle(np.exp(2j * (axis - values["rotation"][ellipse]))) / 2
    assert np.degrees(np.abs(difference)).max() < 3


def test_the_dataset_is_the_same_every_time_and_labelled_by_shape():
    first, second = shapes.make_shapes(500, 100, seed=3), shapes.make_shapes(500, 100, seed=3)
    assert np.array_equal(first.x_train, second.x_train) and np.array_equal(first.factors_test, second.factors_test)
    assert first.class_names == ("square", "ellipse", "heart") and first.title == "Shapes"
    assert np.array_equal(first.y_test, first.factors_test[:, 0])
    assert set(np.unique(first.y_train)) == {0, 1, 2}

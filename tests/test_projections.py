"""Planes of a d-D latent space (vae/analysis/projections.py), held to scikit-learn and NumPy."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from vae.analysis import projections


@pytest.fixture(scope="module")
def means():
    rng = np.random.default_rng(0)
    # 16-D points that spread unevenly: a few strong directions, the rest faint.
    return rng.normal(size=(2000, 16)) * np.linspace(3.0, 0.1, 16) @ np.linalg.qr(rng.normal(size=(16, 16)))[0] + 0.5


@pytest.mark.parametrize("components", [(1, 2), (2, 3), (5, 1)])
def test_the_pca_plane_is_scikit_learns(means, components):
    plane = projections.pca_plane(means, components)
    reference = PCA(n_components=16).fit(means)
    chosen = [c - 1 for c in components]
    # The same directions up to sign, the same centre, the same shares of variance.
    assert np.allclose(np.abs(plane.axes @ reference.components_[chosen].T), np.eye(2), atol=1e-8)
    assert np.allclose(plane.centre, reference.mean_)
    assert np.allclose(plane.explained, reference.explained_variance_ratio_[chosen])
    assert np.allclose(np.abs(plane.transform(means)), np.abs(reference.transform(means)[:, chosen]))


def test_a_point_of_the_plane_is_the_latent_point_c_plus_xu_plus_yv(means):
    plane = projections.pca_plane(means)
    xy = np.random.default_rng(1).normal(size=(50, 2))
    z = plane.inverse_transform(xy)
    assert np.allclose(z, plane.centre + xy[:, :1] * plane.axes[0] + xy[:, 1:] * plane.axes[1])
    assert np.allclose(plane.transform(z), xy)  # exact: the plane's points come back
    assert np.allclose(plane.axes @ plane.axes.T, np.eye(2))


def test_the_same_means_always_give_the_same_picture(means):
    first, second = projections.pca_plane(means), projections.pca_plane(means.copy())
    assert np.array_equal(first.axes, second.axes)


def test_a_2d_model_is_drawn_on_its_own_latent_space():
    plane = projections.plane_for(np.random.default_rng(2).normal(size=(100, 2)))
    assert plane.kind == "latent" and np.array_equal(plane.transform([[1.5, -2.0]]), [[1.5, -2.0]])


def test_a_pair_of_components_that_does_not_exist_is_refused(means):
    with pytest.raises(ValueError, match="two different principal components between 1 and 16"):
        projections.pca_plane(means, (3, 3))
    with pytest.raises(ValueError, match="between 1 and 16"):
        projections.pca_plane(means, (1, 17))


def test_kl_per_dimension_is_the_closed_form_and_unused_dimensions_are_found():
    rng = np.random.default_rng(3)
    mean, log_var = rng.normal(size=(500, 6)), rng.normal(scale=0.5, size=(500, 6))
    mean[:, 4], log_var[:, 4] = 0.0, 0.0  # a collapsed dimension: q(z_4|x) = N(0, 1) for every x
    kl = projections.kl_per_dimension(mean, log_var)
    by_hand = [
        np.mean([0.5 * (m**2 + np.exp(v) - v - 1) for m, v in zip(mean[:, j], log_var[:, j], strict=True)])
        for j in range(6)
    ]
    assert np.allclose(kl, by_hand)
    assert list(projections.active_dimensions(kl)) == [0, 1, 2, 3, 5]


def test_a_slice_varies_two_dimensions_and_pins_the_others_to_the_chosen_point():
    pin = np.random.default_rng(4).normal(size=16)
    plane = projections.slice_plane(pin, (3, 7))
    xy = np.random.default_rng(5).normal(size=(30, 2))
    z = plane.inverse_transform(xy)
    expected = np.repeat(pin[None], 30, axis=0)
    expected[:, [2, 6]] = xy
    assert np.array_equal(z, expected)
    # A latent point is drawn at its own (z3, z7), whatever its other coordinates.
    other = np.random.default_rng(6).normal(size=(10, 16))
    assert np.array_equal(plane.transform(other), other[:, [2, 6]])
    assert plane.axis_titles() == ("z3", "z7") and "z3 and z7 vary" in plane.describe()
    with pytest.raises(ValueError, match="two different latent dimensions"):
        projections.slice_plane(pin, (3, 3))
    with pytest.raises(ValueError):
        projections.slice_plane(pin, (1, 17))

"""Latent-space operations: paths, grids, samples, ellipses."""

import numpy as np
import pytest

from vae.analysis import latent


def test_linear_interpolation_hits_both_ends_evenly():
    path = latent.interpolate([0, 0], [4, 2], 5)
    np.testing.assert_allclose(path, [[0, 0], [1, 0.5], [2, 1], [3, 1.5], [4, 2]])


def test_spherical_interpolation_keeps_the_norm_between_the_endpoints():
    path = latent.interpolate([2, 0], [0, 2], 9, method="spherical")
    np.testing.assert_allclose(path[0], [2, 0], atol=1e-12)
    np.testing.assert_allclose(path[-1], [0, 2], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 2.0)  # linear would dip to 1.41
    assert np.linalg.norm(latent.interpolate([2, 0], [0, 2], 9)[4]) < 1.5


def test_path_through_waypoints_does_not_repeat_corners():
    path = latent.path_through([[0, 0], [1, 0], [1, 1]], steps_per_leg=3)
    np.testing.assert_allclose(path, [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]])


def test_bad_interpolation_requests_are_refused():
    with pytest.raises(ValueError, match="at least 2 steps"):
        latent.interpolate([0, 0], [1, 1], 1)
    with pytest.raises(ValueError, match="Unknown interpolation"):
        latent.interpolate([0, 0], [1, 1], 4, method="cubic")


def test_grid_starts_top_left_and_tiles_row_major():
    points = latent.grid_points(3, (-1, 1), (-2, 2))
    np.testing.assert_allclose(points[0], [-1, 2])  # top-left: low x, high y
    np.testing.assert_allclose(points[2], [1, 2])
    np.testing.assert_allclose(points[-1], [1, -2])
    images = np.arange(6)[:, None, None] * np.ones((6, 2, 2))
    mosaic = latent.tile(images, 3)
    assert mosaic.shape == (4, 6)
    assert mosaic[0, 0] == 0 and mosaic[0, 5] == 2 and mosaic[3, 0] == 3


def test_decoded_grid_is_one_image(tiny_model):
    image = latent.decode_grid(tiny_model, 4, (-2, 2), (-2, 2))
    assert image.shape == (112, 112)
    np.testing.assert_allclose(image[:28, :28], tiny_model.decode([[-2, 2]])[0], atol=1e-6)


def test_reparameterized_samples_follow_mean_and_sigma():
    z = latent.reparameterized_samples(np.array([1.0, -1.0]), np.log([4.0, 0.01]), 20000, seed=0)
    np.testing.assert_allclose(z.mean(0), [1, -1], atol=0.05)
    np.testing.assert_allclose(z.std(0), [2, 0.1], rtol=0.03)


def test_sigma_ellipse_has_the_right_radii():
    outline = latent.sigma_ellipse(np.array([1.0, 2.0]), np.log([0.25, 1.0]), k=2)
    np.testing.assert_allclose(outline[:, 0].max() - outline[:, 0].min(), 2.0, atol=0.01)
    np.testing.assert_allclose(outline[:, 1].max() - outline[:, 1].min(), 4.0, atol=0.01)


def test_the_extent_holds_all_but_the_outermost_points_with_a_margin():
    points = np.random.default_rng(5).uniform(-2, 3, size=(10000, 2))
    (x0, x1), (y0, y1) = latent.latent_extent(points)
    assert -2.6 < x0 < -2.0 and 3.0 < x1 < 3.6 and -2.6 < y0 < -2.0 and 3.0 < y1 < 3.6


def test_a_neighbourhood_from_the_k_d_tree_equals_the_one_from_all_distances(bundled_model, mnist_test):
    from scipy.spatial import cKDTree

    from vae.analysis import latent

    means, labels = bundled_model.encodings["mean"], mnist_test.y_test
    tree = cKDTree(means)
    for z in np.random.default_rng(2).uniform(-3, 3, size=(50, 2)):
        assert latent.neighbourhood(means, labels, z, k=10, tree=tree) == latent.neighbourhood(means, labels, z, k=10)


def test_a_traversal_moves_one_dimension_at_a_time_from_minus_3_to_plus_3():
    from vae.analysis.latent import traversal_points

    centre = np.arange(6, dtype=float) / 10
    points = traversal_points(centre, [4, 1], steps=5)
    assert points.shape == (10, 6)
    assert np.allclose(points[:5, 4], centre[4] + np.linspace(-3, 3, 5))
    assert np.allclose(np.delete(points[:5], 4, axis=1), np.delete(centre, 4)[None])  # the others fixed
    assert np.allclose(points[5:, 1], centre[1] + np.linspace(-3, 3, 5))

"""The posterior inset: an SVG picture zoomed to the input's σ, with true ellipses and round ticks."""

import xml.etree.ElementTree as ET

import numpy as np

from vae.plots.inset import PLOT, nice_ticks, posterior_svg

SVG = "{http://www.w3.org/2000/svg}"


def points_of(polygon) -> np.ndarray:
    return np.array([[float(v) for v in pair.split(",")] for pair in polygon.get("points").split()])


def test_the_inset_is_zoomed_to_about_four_sigma_and_keeps_the_ellipses_true():
    mean, log_var = np.array([1.0, -2.0]), np.log(np.array([0.01, 0.02]) ** 2)
    samples = mean + np.array([[0.01, 0.0], [0.0, -0.02], [0.015, 0.01]])
    root = ET.fromstring(posterior_svg(mean, log_var, samples))
    left, top, right, bottom = PLOT
    one, two = (points_of(root.find(f"{SVG}polygon[@class='sigma-{k}']")) for k in (1, 2))
    # The 2σ ellipse of the larger σ (0.02 on z₂) spans 2·2/8.4 of the square's height.
    np.testing.assert_allclose(np.ptp(two[:, 1]), (bottom - top) * 4 / 8.4, rtol=0.01)
    # One scale on both axes: z₁'s σ is half of z₂'s, and so is its ellipse's width.
    np.testing.assert_allclose(np.ptp(one[:, 0]) * 2, np.ptp(one[:, 1]), rtol=0.02)
    np.testing.assert_allclose(np.ptp(two, axis=0), 2 * np.ptp(one, axis=0), rtol=0.02)
    # μ is the square's centre; every sample is drawn, numbered.
    assert len(root.findall(f"{SVG}circle[@class='sample']")) == 3
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {"1", "2", "3", "z₁", "z₂"} <= labels
    centre = one.mean(axis=0)
    np.testing.assert_allclose(centre, [(left + right) / 2, (top + bottom) / 2], atol=1.0)


def test_the_ticks_are_round_numbers_inside_the_range():
    ticks, decimals = nice_ticks(0.916, 1.084)
    assert decimals == 2 and np.allclose(ticks, [0.95, 1.0, 1.05])
    ticks, decimals = nice_ticks(-4.2, 4.2)
    assert decimals == 0 and np.allclose(ticks, [-4, -2, 0, 2, 4])
    root = ET.fromstring(posterior_svg(np.zeros(2), np.log(np.full(2, 0.5) ** 2), np.zeros((1, 2))))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "0" in texts and "−2" in texts and "-0" not in texts  # a true minus sign, no negative zero

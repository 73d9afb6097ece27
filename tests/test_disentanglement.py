"""MIG against latents whose answer is known."""

import numpy as np

from vae.analysis.disentanglement import mig
from vae.data import shapes


def test_one_dimension_per_factor_scores_near_one_and_mixed_or_random_ones_near_zero():
    factors = shapes.sample_factors(20_000, seed=0)
    noise = np.random.default_rng(1).normal(0, 0.05, (len(factors), 5))
    separate = factors + noise  # each dimension is one factor, slightly noisy
    score, gaps = mig(separate, factors)
    assert score > 0.9 and gaps.min() > 0.85
    # Two dimensions that each hold the sum of two factors: neither says more about either.
    mixed = np.stack([factors[:, 3] + factors[:, 4], factors[:, 3] + factors[:, 4] + 0.01, factors[:, 0]], axis=1)
    assert mig(mixed, factors)[1][3] < 0.05 and mig(mixed, factors)[1][0] > 0.9
    random = np.random.default_rng(2).normal(size=(len(factors), 10))
    assert mig(random, factors)[0] < 0.02

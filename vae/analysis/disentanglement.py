"""How well a latent space separates the factors that made the pictures: MIG.

The mutual information gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs",
section 4.1): for each ground-truth factor v_k, the mutual information I(z_j; v_k) of every
latent dimension with it, the gap between the largest and the second largest, divided by the
factor's entropy H(v_k); MIG is the mean over the factors. 1: each factor is read off one
dimension alone; 0: no dimension says more about a factor than another does.

The latent means are discretised into 20 equal bins per dimension, as in Locatello et al. 2019
(disentanglement_lib), and the mutual information of two discrete variables is
scikit-learn's `mutual_info_score` (in nats).
"""

from __future__ import annotations

import numpy as np

BINS = 20


def discretise(means: np.ndarray, bins: int = BINS) -> np.ndarray:
    """(n, d) latent means -> (n, d) bin indices, `bins` equal bins over each dimension's range."""
    codes = np.empty(means.shape, np.int64)
    for j in range(means.shape[1]):
        edges = np.histogram_bin_edges(means[:, j], bins)
        codes[:, j] = np.digitize(means[:, j], edges[1:-1])
    return codes


def mutual_information(codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """(d, k) I(z_j; v_k) in nats for discretised latents (n, d) and factor levels (n, k)."""
    from sklearn.metrics import mutual_info_score

    return np.array(
        [
            [mutual_info_score(factors[:, k], codes[:, j]) for k in range(factors.shape[1])]
            for j in range(codes.shape[1])
        ]
    )


def mig(means: np.ndarray, factors: np.ndarray, bins: int = BINS) -> tuple[float, np.ndarray]:
    """(MIG, the gap of each factor) for latent means (n, d) and factor levels (n, k)."""
    from sklearn.metrics import mutual_info_score

    information = mutual_information(discretise(np.asarray(means, np.float64), bins), np.asarray(factors))
    entropy = np.array([mutual_info_score(factors[:, k], factors[:, k]) for k in range(factors.shape[1])])
    ranked = np.sort(information, axis=0)[::-1]  # per factor, the dimensions' information, largest first
    gaps = (ranked[0] - ranked[1]) / entropy
    return float(gaps.mean()), gaps

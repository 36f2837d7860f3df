"""The exact avalanche laws (theory.avalanches): closed forms, the determinant assembly law,
composition sums and the recurrent set."""

import numpy as np
import pytest

from balanced_models.papers.schuenemann import (
    homogeneous_weights,
    modular_weights,
    random_weights,
)
from theory.avalanches import (
    assembly_distribution,
    assembly_probability,
    ehe_mean_size,
    ehe_size_distribution,
    expected_dissipation,
    is_recurrent,
    modular_statistics,
    recurrent_volume,
    size_distribution,
    start_distribution,
)
from theory.errors import ParameterError


@pytest.mark.parametrize("autapses", [True, False])
def test_determinant_law_equals_closed_form(autapses):
    N, alpha = 8, 0.7
    W = homogeneous_weights(N, alpha, autapses)
    P = size_distribution(W, np.full(N, 1 / N))
    assert np.abs(P - ehe_size_distribution(N, alpha, autapses)).max() < 1e-12


@pytest.mark.parametrize("N,alpha,p1,mean", [(10, 0.8, 0.36658, 3.5714),
                                             (100, 0.9, 0.37826, 9.1743)])
def test_ehe_reference_values(N, alpha, p1, mean):
    P = ehe_size_distribution(N, alpha)
    assert P.sum() == pytest.approx(1, abs=1e-12)
    assert P[1] == pytest.approx(p1, abs=0.5e-5)
    assert np.dot(np.arange(N + 1), P) == pytest.approx(mean, abs=0.5e-4)
    assert ehe_mean_size(N, alpha) == pytest.approx(np.dot(np.arange(N + 1), P), rel=1e-12)


def test_assembly_law_normalises_and_satisfies_the_flux_identity():
    rng = np.random.default_rng(4)
    W = random_weights(6, 0.6, 0.85, rng=rng)
    p = rng.dirichlet(np.ones(6))
    pi, c, flux = start_distribution(W, p), W.sum(axis=0), 0.0
    assert pi.sum() == pytest.approx(1, abs=1e-14)
    for k in range(6):
        masks, probs = assembly_distribution(W, k)
        assert probs.sum() == pytest.approx(1, abs=1e-12) and np.all(probs >= 0)
        members = (masks[:, None] >> np.arange(6)) & 1
        flux += pi[k] * np.dot(probs, members @ (1 - c))
    assert flux == pytest.approx(expected_dissipation(W, p), abs=1e-12)
    with pytest.raises(ParameterError, match="start unit"):
        assembly_probability(W, [1, 2], 0)


def test_unreachable_assembly_has_probability_zero():
    W = np.zeros((3, 3))
    W[1, 0] = 0.5  # 0 -> 1 only
    assert assembly_probability(W, [0, 2], 0) == 0.0
    assert assembly_probability(W, [0, 1], 0) > 0


def test_composition_sums_equal_full_enumeration():
    sizes, C = [3, 4], np.array([[1.2, 0.3], [0.2, 1.3]])
    exact = modular_statistics(sizes, C)
    W = modular_weights(sizes, C)
    assert np.abs(exact["size"] - size_distribution(W, np.full(7, 1 / 7))).max() < 1e-12
    pi = start_distribution(W, np.full(7, 1 / 7))
    both = 0.0
    for k in range(7):
        masks, probs = assembly_distribution(W, k)
        in1, in2 = (masks & 0b111) > 0, (masks & 0b1111000) > 0
        both += pi[k] * probs[in1 & in2].sum()
    assert exact["composition"][1:, 1:].sum() == pytest.approx(both, abs=1e-12)


def test_recurrent_set_volume_is_det_one_minus_W():
    rng = np.random.default_rng(2)
    W = random_weights(4, 0.7, 0.8, rng=rng)
    n = 400_000
    frac = is_recurrent(rng.random((n, 4)), W).mean()
    vol = recurrent_volume(W)
    assert frac == pytest.approx(vol, abs=4 * np.sqrt(vol * (1 - vol) / n))

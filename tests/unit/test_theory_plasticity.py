"""The mean-field theory of STDP in balanced networks (theory.plasticity) against the numbers
of the Akil brief."""

from dataclasses import replace

import numpy as np
import pytest

from balanced_models.papers.akil import AkilParameters
from theory.errors import ParameterError
from theory.plasticity import (
    homeostatic_fixed_point,
    kohonen_fixed_points,
    kohonen_saddle_node,
    pinned_rate_weights,
    soft_hebbian_transient,
    weight_drift,
)

NET = replace(AkilParameters().mean_field(), N=None)


def test_balanced_rates_and_covariances_of_the_brief():
    # weights in V: the brief's W = [[2, -3], [9, -5]] mV
    assert np.allclose(NET.W, [[2e-3, -3e-3], [9e-3, -5e-3]])
    assert np.allclose(NET.W_x, [[3.6e-3], [2.7e-3]])
    assert NET.rates() == pytest.approx([5.8235, 15.8824], abs=1e-4)
    cov = replace(NET, c=0.1).count_covariances(0.25)
    assert [cov[0, 0], cov[0, 1], cov[1, 1]] == pytest.approx([0.085, 0.231, 0.631], abs=6e-4)
    # closed form of the brief: C~_ab = c r_a r_b / r_x
    r = NET.rates()
    assert replace(NET, c=0.1).spectral_covariance() == pytest.approx(0.1 * np.outer(r, r) / 10)
    # c = 0 at finite N: only the shared-input term, O(1/N)
    assert replace(NET, N=5000).count_covariances(0.25)[0, 0] == pytest.approx(8.5e-4, abs=1e-5)
    assert np.all(np.isnan(NET.with_weight(0, 1, -0.050).rates()))  # no balanced state


def test_istdp_fixed_points_with_and_without_correlations():
    for c, j_ref, r_ref in ((0.0, -119.66, 10.0), (0.1, -120.88, 9.756), (0.2, -122.10, 9.524)):
        j, r = homeostatic_fixed_point(replace(NET, c=c), 0, 1, 10.0, 0.2)
        assert 1e3 * j == pytest.approx(j_ref, abs=0.01) and r[0] == pytest.approx(r_ref, abs=1e-3)
        # r_E* = rho / (1 + c/(2 tau r_x))
        assert r[0] == pytest.approx(10.0 / (1 + c / (2 * 0.2 * 10.0)), rel=1e-9)


def test_kohonen_fixed_points_and_saddle_node():
    koh = NET.with_weight(0, 1, -0.100)
    for beta, ref in ((1.0, 1.446), (1.2, 1.748), (2.0, 3.000), (2.4, 3.657), (4.0, 6.555)):
        (low, stable), (high, unstable) = kohonen_fixed_points(koh, 0, 1e-3 * beta, 0.2)
        assert 1e3 * low == pytest.approx(ref, abs=1e-3) and stable and not unstable
        # closed form of the brief (mV): j+- = [45 -+ sqrt(2025 - 252 beta)] / 2
        assert 1e3 * high == pytest.approx((45 + np.sqrt(2025 - 252 * beta)) / 2, abs=1e-6)
    beta_c, j_c = kohonen_saddle_node(koh, 0, 0.2)
    assert 1e3 * beta_c == pytest.approx(2025 / 252, rel=1e-8)
    assert 1e3 * j_c == pytest.approx(22.5, abs=1e-4)
    assert kohonen_fixed_points(koh, 0, 8.1e-3, 0.2) == []


def test_pinned_rates_opto_and_two_rule_fixed_points():
    w, r = pinned_rate_weights(NET, {0: 10.0, 1: 23.0}, [(0, 1), (1, 1)])
    assert (1e3 * w[(0, 1)], 1e3 * w[(1, 1)]) == pytest.approx((-121.74, -254.35), abs=0.01)
    jj = NET.with_weight(0, 0, 0.025)
    w, r = pinned_rate_weights(AkilParameters().stimulated_mean_field(5.0), {0: 10.0, 1: 10.0},
                               [(0, 2), (1, 2)])
    assert (1e3 * w[(0, 2)], 1e3 * w[(1, 2)], r[2]) == pytest.approx((-158.12, -119.66, 23.4),
                                                                     abs=0.01)
    with pytest.raises(ParameterError, match="not determined"):
        pinned_rate_weights(jj, {0: 10.0}, [])


def test_soft_hebbian_transient_relaxes_to_j_max_at_the_predicted_rate():
    t = np.linspace(0, 100, 5)
    j = soft_hebbian_transient(NET, 0, 0, 0.025, 0.030, 0.01, 0.2, t)
    assert j[-1] == pytest.approx(0.030, abs=0.2e-3) and np.all(np.diff(j) > 0)
    # initial slope: eta tau r_E(25 mV)^2 (j_max - j)
    r = NET.rates()[0]
    slope = weight_drift("soft_hebbian", 0.025, r, r, 0.0, 0.2, eta=0.01, j_max=0.030)
    j_short = soft_hebbian_transient(NET, 0, 0, 0.025, 0.030, 0.01, 0.2, [0, 1e-3])[-1]
    assert (j_short - 0.025) / 1e-3 == pytest.approx(slope, rel=1e-3)
    assert slope == pytest.approx(0.01 * 0.2 * r * r * 0.005)

"""The mean-field theory of STDP in balanced networks (theory.plasticity) against the numbers
of the Akil brief."""

from dataclasses import replace

import numpy as np
import pytest

import balanced_models as bm

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


def test_direct_link_trace_integral_against_a_kernel():
    """h(u): delay D, then an exponential synapse (tau_s) and an exponential membrane
    response with mean lag L, integral g. Its Laplace transform at 1/tau is
    g e^(-D/tau) / ((1 + tau_s/tau)(1 + L/tau)); the function replaces the last factor by
    e^(-L/tau), exact to second order: the difference must be below (L/tau)^2."""
    from scipy.integrate import quad

    from theory.plasticity import direct_link_trace_integral
    g, tau, D, tau_s, L = 0.008, 0.2, 0.0015, 0.008, 0.007

    def h(u):  # exponential (tau_s) * exponential (L), shifted by D, integral g
        v = u - D
        return 0.0 if v < 0 else g * (np.exp(-v / tau_s) - np.exp(-v / L)) / (tau_s - L)

    exact = quad(lambda u: np.exp(-u / tau) * h(u), 0, 2.0, points=[D], limit=200)[0]
    value = float(direct_link_trace_integral(g, tau, latency=L, synaptic_tau=tau_s, delay=D))
    assert value == pytest.approx(exact, rel=(L / tau) ** 2)
    with pytest.raises(ParameterError, match="latency"):
        direct_link_trace_integral(g, tau, latency=-1.0)


def test_soft_hebbian_relaxation():
    """Exact solution of the linear ODE: against solve_ivp; fixed point j_max (tau x + K+) /
    (tau x + K-); the first-order term in eta lowers it by about eta tau r_pre / 2 of j_max."""
    from scipy.integrate import solve_ivp

    from theory.plasticity import soft_hebbian_relaxation
    j_max, x, Kp, Km, eta, tau = 0.03, 36.0, 0.05, 0.005, 0.01, 0.2
    out = soft_hebbian_relaxation(0.025, j_max, x, Kp, Km, eta=eta, tau=tau, duration=20.0)
    sol = solve_ivp(lambda t, j: eta * (j_max * (tau * x + Kp) - j * (tau * x + Km)),
                    (0, 20.0), [0.025], rtol=1e-11, atol=1e-14)
    assert float(out) == pytest.approx(sol.y[0, -1], rel=1e-8)
    late = soft_hebbian_relaxation(0.025, j_max, x, Kp, Km, eta=eta, tau=tau, duration=1e5)
    assert float(late) == pytest.approx(j_max * (tau * x + Kp) / (tau * x + Km), rel=1e-10)
    r_pre = 6.0
    shifted = soft_hebbian_relaxation(0.025, j_max, x, 0.0, 0.0, eta=eta, tau=tau,
                                      duration=1e5, r_pre=r_pre)
    # j* = j_max (1 - a) / (1 - a / 2) with a = eta tau r_pre: 1 - a/2 to first order
    a = eta * tau * r_pre
    assert float(shifted) == pytest.approx(j_max * (1 - a) / (1 - a / 2), rel=1e-10)
    assert float(shifted) / j_max - 1 == pytest.approx(-a / 2, rel=2 * a)
    with pytest.raises(ParameterError, match="K_plus"):
        soft_hebbian_relaxation(0.025, j_max, x, np.nan, Km, eta=eta, tau=tau, duration=1.0)


@pytest.mark.slow
def test_istdp_fixed_point_with_spike_timing_covariances():
    """crosssim's akil network at the simulated weight: an inhibitory synapse's own effect
    makes K+ negative and the excitatory synapse back makes K- positive; the rule's fixed
    point moves by -(K+ + K- + C~) / (2 tau r_I), and the finite-N weight with it (a higher
    target rate needs less inhibition)."""
    from reproductions.crosssim import _istdp_spike_timing, akil_network

    d, p = akil_network(120.0)
    out = _istdp_spike_timing(d, p, -0.104 / np.sqrt(p.N))
    assert out["K_plus_direct_Hz"] < 0 < out["K_minus_direct_Hz"]
    assert out["rate_shift_Hz"] == pytest.approx(
        -(out["K_plus_direct_Hz"] + out["K_minus_direct_Hz"] + out["shared_covariance_Hz"])
        / (2 * p.tau_stdp * out["rate_I_Hz"]), rel=1e-12)
    base = bm.plasticity_fixed_points(d).loc["I->E", "finite_n_weight"]
    assert (out["finite_n_weight"] - base) * np.sign(out["rate_shift_Hz"]) > 0

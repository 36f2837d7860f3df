"""The conductance-based diffusion theory (theory.conductance): the brief's reference numbers, its
limits and its behaviour where the rate underflows."""

import numpy as np
import pytest

from theory import isi_cv, siegert_rate
from theory.conductance import (
    diffusion_cv,
    diffusion_density,
    diffusion_rate,
    multiplicative_cv,
    multiplicative_density,
    multiplicative_rate,
    network_inputs,
    network_rates,
    scaling_family,
    strong_coupling_bars,
)
from theory.errors import ParameterError
from theory.lif import voltage_density


def test_scaling_family_and_bar_quantities():
    tau_bar, mu_bar, sigma_bar, v_bar = strong_coupling_bars(12, 0.25, 1.8)
    assert tau_bar == pytest.approx(0.15625) and mu_bar == pytest.approx(-63.28e-3, abs=0.01e-3)
    assert sigma_bar == pytest.approx(44.90e-3, abs=0.01e-3) and v_bar == pytest.approx(0.1844, abs=1e-4)
    a = scaling_family(np.array([1e4, 1e5, 1e6]), 1e3, 0.01, 12, 0.25, 1.8)
    assert a == pytest.approx([6.22e-3, 4.47e-3, 3.48e-3], rel=0.01)  # issue, +-1%


@pytest.mark.parametrize("K,a,a13,etc", [(100, 8.8e-3, 58.3, 48.7), (1000, 1.6e-3, 36.1, 34.1)])
def test_network_rates_match_the_reference_table(K, a, a13, etc):
    assert network_rates(a, K, 20, 0.25, 25.0, "A13")[-1] == pytest.approx(a13, rel=0.02)
    assert network_rates(a, K, 20, 0.25, 25.0, "ETC")[-1] == pytest.approx(etc, rel=0.02)


@pytest.mark.parametrize("mu,sigma", [(0.015, 0.004), (0.025, 0.003)])
def test_general_diffusion_reduces_to_siegert_for_additive_noise(mu, sigma):
    s2 = lambda V: np.full_like(V, sigma**2)
    args = (mu, 0.02, s2, 0.02, 0.01, 0.002)
    assert diffusion_rate(*args) == pytest.approx(siegert_rate(mu, sigma, 0.02, 0.02, 0.01, 0.002),
                                                  rel=1e-4)
    assert diffusion_cv(*args) == pytest.approx(isi_cv(mu, sigma, 0.02, 0.02, 0.01, 0.002),
                                                rel=1e-4)


def test_multiplicative_density_normalises_to_the_non_refractory_fraction():
    a, K, g, gamma = 1.6e-3, 1000, 20, 0.25
    rE, rI = network_inputs(36.1, 25.0)
    V = np.linspace(-0.09, -0.055, 20001)
    P = multiplicative_density(V, a, K, g, gamma, rE, rI)
    nu = multiplicative_rate(a, K, g, gamma, rE, rI)
    assert np.trapezoid(P, V) == pytest.approx(1 - nu * 0.002, abs=1e-3)


def test_exponential_conductances_shift_threshold_and_reset_in_etc():
    from theory import ALPHA_SHIFT
    from theory.conductance import SANZENI as n
    from theory.conductance import effective_parameters, etc_rate

    a, K, g, gamma, rE, rI, tau_S = 1.6e-3, 1000, 20, 0.25, 61.0, 36.0, 1e-4
    tau, mu, s2 = effective_parameters(a, K, g, gamma, rE, rI)
    shift = 0.5 * ALPHA_SHIFT * np.sqrt(s2(mu)) * np.sqrt(tau_S / tau)
    expected = siegert_rate(mu, np.sqrt(s2(mu)), tau, n.V_th + shift, n.V_r + shift, n.tau_ref)
    assert etc_rate(a, K, g, gamma, rE, rI, tau_S=tau_S) == pytest.approx(expected, rel=1e-12)
    slow = network_rates(a, K, g, gamma, 20.0, "ETC", tau_S=tau_S)[-1]
    assert slow < network_rates(a, K, g, gamma, 20.0, "ETC")[-1]  # filtering lowers the rate
    with pytest.raises(ParameterError, match="ETC variant only"):
        network_rates(a, K, g, gamma, 20.0, "A13", tau_S=tau_S)


def test_time_step_shifts_only_the_etc_threshold():
    from theory.conductance import SANZENI as n
    from theory.conductance import effective_parameters, etc_cv, etc_rate
    from theory.lif import DISCRETE_TIME_SHIFT

    a, K, g, gamma, rE, rI, dt = 1.6e-3, 1000, 20, 0.25, 42.35, 22.35, 1e-5
    tau, mu, s2 = effective_parameters(a, K, g, gamma, rE, rI)
    shift = DISCRETE_TIME_SHIFT * np.sqrt(s2(mu)) * np.sqrt(dt / tau)
    args = (mu, np.sqrt(s2(mu)), tau, n.V_th + shift, n.V_r, n.tau_ref)
    assert etc_rate(a, K, g, gamma, rE, rI, dt=dt) == pytest.approx(siegert_rate(*args), rel=1e-12)
    assert etc_cv(a, K, g, gamma, rE, rI, dt=dt) == pytest.approx(isi_cv(*args), rel=1e-9)
    with pytest.raises(ParameterError, match="dt"):
        etc_rate(a, K, g, gamma, rE, rI, tau_S=1e-4, dt=dt)


def test_filtered_multiplicative_rate_has_the_exact_pulse_drift_as_tau_S_vanishes():
    """As tau_S -> 0 the Stratonovich drift lambda w (1 - w/2) agrees with the exact effect of
    a conductance pulse, lambda (1 - exp(-w)), to O(w^3) (w = g a = 0.032: 2e-4 of the I
    conductance), and the Fourcaud-Brunel shift vanishes; filtering lowers the rate."""
    from theory.conductance import SANZENI as n
    from theory.conductance import filtered_multiplicative_rate

    a, K, g, gamma, rE, rI = 1.6e-3, 1000, 20.0, 0.25, 42.35, 22.35
    inputs = ((K * rE, a, n.E_E), (gamma * K * rI, g * a, n.E_I))
    conductance = sum(lam * -np.expm1(-w) for lam, w, _ in inputs)
    tau = 1 / (1 / n.tau_m + conductance)
    mu = tau * (n.E_L / n.tau_m + sum(lam * -np.expm1(-w) * E for lam, w, E in inputs))

    def sigma2(V):
        return tau * sum(lam * w**2 * (V - E) ** 2 for lam, w, E in inputs)

    pulse = diffusion_rate(mu, tau, sigma2, n.V_th, n.V_r, n.tau_ref)
    rates = [filtered_multiplicative_rate(a, K, g, gamma, rE, rI, t) for t in (1e-12, 1e-4, 1e-3)]
    assert rates[0] == pytest.approx(pulse, rel=2e-3)
    assert rates[0] > rates[1] > rates[2] > 0
    for bad, name in (((a, K, g, gamma, rE, rI, 0.0), "tau_S"),
                      ((np.nan, K, g, gamma, rE, rI, 1e-4), "a"),
                      ((a, K, g, gamma, -1.0, rI, 1e-4), "r_E")):
        with pytest.raises(ParameterError, match=name):
            filtered_multiplicative_rate(*bad)


@pytest.mark.parametrize("mu", [0.005, -0.02, -0.08, -0.15])
def test_general_diffusion_cv_stays_finite_where_the_rate_underflows(mu):
    """Additive noise, far below threshold: the CV of the general (grid) diffusion agrees with
    the Siegert-based isi_cv quadrature, also at mu = -0.15 V where the rate underflows to 0
    (it returned NaN there), and tends to 1 (Poisson firing)."""
    tau, sigma, V_th, V_r, tau_ref = 0.01, 0.004, 0.02, 0.01, 0.002
    s2 = lambda V: np.full_like(np.asarray(V, dtype=float), sigma**2)  # noqa: E731
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        cv = diffusion_cv(mu, tau, s2, V_th, V_r, tau_ref)
        rate = diffusion_rate(mu, tau, s2, V_th, V_r, tau_ref)
    assert cv == pytest.approx(isi_cv(mu, sigma, tau, V_th, V_r, tau_ref), abs=1e-6)
    assert rate >= 0.0 and np.isfinite(rate)


@pytest.mark.parametrize("mu", [-0.01, -0.15])
def test_diffusion_density_where_the_rate_underflows_is_the_free_density(mu):
    """Far below threshold (mu = -0.15 V: the rate underflows to 0; the density was 0 * inf =
    NaN there) the density is that of the free Ornstein-Uhlenbeck process, a Gaussian of mean
    mu and variance sigma^2 / 2; it agrees with the Siegert-based voltage_density quadrature
    (where that converges) and integrates to 1."""
    tau, sigma, V_th, V_r, tau_ref = 0.01, 0.004, 0.02, 0.01, 0.002
    s2 = lambda V: np.full_like(np.asarray(V, dtype=float), sigma**2)  # noqa: E731
    V = np.linspace(mu - 5 * sigma, mu + 5 * sigma, 2001)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = diffusion_density(V, mu, tau, s2, V_th, V_r, tau_ref)
    gauss = np.exp(-(V - mu) ** 2 / sigma**2) / (np.sqrt(np.pi) * sigma)
    assert np.trapezoid(p, V) == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(p, gauss, rtol=0, atol=2e-3 * gauss.max())
    if mu > -0.05:
        np.testing.assert_allclose(
            p, voltage_density(V, mu, sigma, tau, V_th, V_r, tau_ref), rtol=0,
            atol=2e-3 * gauss.max())


def test_multiplicative_density_where_the_rate_underflows_is_finite_and_normalised():
    V = np.linspace(-0.09, -0.05, 4001)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = multiplicative_density(V, 1e-3, 1000, 20, 0.25, 2.0, 2.0)
    assert np.all(np.isfinite(p)) and np.trapezoid(p, V) == pytest.approx(1.0, abs=1e-3)


def test_multiplicative_cv_tends_to_one_where_the_rate_underflows():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        assert multiplicative_rate(1e-3, 1000, 20, 0.25, 2.0, 2.0) == 0.0
        assert multiplicative_cv(1e-3, 1000, 20, 0.25, 2.0, 2.0) == pytest.approx(1.0, abs=1e-9)

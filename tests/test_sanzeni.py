"""Sanzeni, Histed & Brunel: conductance-based theory against the brief's numbers and exact
limits, and the network builders."""

import numpy as np
import pytest
from brian2 import ms

import balanced_models as bm
from balanced_models.papers.sanzeni import (NetworkParameters, SingleNeuronBlock,
                                            build_network, build_single_neurons)
from theory.conductance import effective_time_constant
from theory import isi_cv, siegert_rate
from theory.lif import voltage_density
from theory.conductance import (diffusion_cv, diffusion_density, diffusion_rate,
                                multiplicative_cv,
                                multiplicative_density, multiplicative_rate,
                                network_inputs, network_rates, scaling_family,
                                strong_coupling_bars)


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


def test_network_parameters_are_validated():
    with pytest.raises(bm.ParameterError, match="K must lie in"):
        NetworkParameters(K=2000, N_E=1000)
    with pytest.raises(bm.ParameterError, match="a must lie in"):
        NetworkParameters(a=1.5)
    with pytest.raises(bm.ParameterError, match="r_x"):
        NetworkParameters(r_x=-1.0)


@pytest.mark.parametrize("variant", [dict(jump="linear"), dict(jump="exact"), dict(tau_S=1e-3)])
def test_network_builder_realises_the_in_degrees_and_delays(variant):
    p = NetworkParameters(K=20, a=8.8e-3, N_E=100, N_I=100, N_X=100, dt=5e-5, **variant)
    sim = bm.Simulation("runtime", seed=1, dt=0.05 * ms)
    h = build_network(sim, p, 0, record_from=0.01)
    # E -> E and E -> I (equal efficacies and delays) share one Synapses, as do I -> E, I -> I
    assert h["E->E"] is h["E->I"] and len(h["E->E"]) == 2 * 100 * 20
    assert h["I->E"] is h["I->I"] and len(h["I->E"]) == 2 * 100 * 5
    assert len(h["X_I->I"]) == 100 * 20
    assert np.all(h.connectivity["I->E"].in_degrees() == 5)
    assert np.all(np.bincount(h["X_E->E"].j[:], minlength=100) == 20)
    assert h["E->I"].delay_[:].max() <= 0.010 and h["I->E"].delay_[:].max() <= 0.001
    assert np.allclose(h["I->E"].w_[:], 20 * 8.8e-3)
    sim.run(30 * ms)
    v = np.concatenate([h["E"].v_[:], h["I"].v_[:]])
    assert np.all((v >= -0.080 - 1e-9) & (v <= -0.055))  # between E_I/E_L and threshold


def test_single_neuron_blocks_use_one_percent_of_tau_eff():
    sim = bm.Simulation("runtime", seed=1)
    blocks = [SingleNeuronBlock(K=1000, a=0.01, n=5), SingleNeuronBlock(K=10_000, a=0.01, n=5)]
    handles = build_single_neurons(sim, blocks)
    for (G, _, _), b in zip(handles, blocks):
        tau = effective_time_constant(b.a, b.K, b.g, b.gamma, b.r_x, b.eta * b.r_x)
        assert float(G.clock.dt) == pytest.approx(0.01 * tau, rel=1e-9)
        assert np.all(G.K_drive_i[:] == 250 * b.K / 1000)


def test_exponential_conductances_shift_threshold_and_reset_in_etc():
    from theory import ALPHA_SHIFT
    from theory.conductance import SANZENI as n, effective_parameters, etc_rate

    a, K, g, gamma, rE, rI, tau_S = 1.6e-3, 1000, 20, 0.25, 61.0, 36.0, 1e-4
    tau, mu, s2 = effective_parameters(a, K, g, gamma, rE, rI)
    shift = 0.5 * ALPHA_SHIFT * np.sqrt(s2(mu)) * np.sqrt(tau_S / tau)
    expected = siegert_rate(mu, np.sqrt(s2(mu)), tau, n.V_th + shift, n.V_r + shift, n.tau_ref)
    assert etc_rate(a, K, g, gamma, rE, rI, tau_S=tau_S) == pytest.approx(expected, rel=1e-12)
    slow = network_rates(a, K, g, gamma, 20.0, "ETC", tau_S=tau_S)[-1]
    assert slow < network_rates(a, K, g, gamma, 20.0, "ETC")[-1]  # filtering lowers the rate
    with pytest.raises(bm.ParameterError, match="ETC variant only"):
        network_rates(a, K, g, gamma, 20.0, "A13", tau_S=tau_S)


def test_time_step_shifts_only_the_etc_threshold():
    from theory.lif import DISCRETE_TIME_SHIFT
    from theory.conductance import SANZENI as n, effective_parameters, etc_cv, etc_rate

    a, K, g, gamma, rE, rI, dt = 1.6e-3, 1000, 20, 0.25, 42.35, 22.35, 1e-5
    tau, mu, s2 = effective_parameters(a, K, g, gamma, rE, rI)
    shift = DISCRETE_TIME_SHIFT * np.sqrt(s2(mu)) * np.sqrt(dt / tau)
    args = (mu, np.sqrt(s2(mu)), tau, n.V_th + shift, n.V_r, n.tau_ref)
    assert etc_rate(a, K, g, gamma, rE, rI, dt=dt) == pytest.approx(siegert_rate(*args), rel=1e-12)
    assert etc_cv(a, K, g, gamma, rE, rI, dt=dt) == pytest.approx(isi_cv(*args), rel=1e-9)
    with pytest.raises(bm.ParameterError, match="dt"):
        etc_rate(a, K, g, gamma, rE, rI, tau_S=1e-4, dt=dt)


def test_unconnected_description_has_the_network_neuron_and_inputs():
    from balanced_models.papers.sanzeni import network_neuron, unconnected_description

    p = NetworkParameters(K=1000, a=1.6e-3, N_E=1000, N_I=1000, N_X=1000, tau_S=1e-4, dt=1e-5)
    d = unconnected_description(p, 50, 42.0, 22.0)
    assert d.populations["E"].neuron == network_neuron(p) and d.projections == {}
    (e, i), = [d.drives["E"]]
    assert (e.K, e.rate, e.weight, e.channel) == (1000, 42.0, 1.6e-3, "e")
    assert (i.K, i.rate, i.weight, i.channel) == (250, 22.0, 20 * 1.6e-3, "i")
    assert d.dt == 1e-5
    for bad in (dict(n=0), dict(n=2.5), dict(r_E=float("nan")), dict(r_I=-1.0)):
        kwargs = dict(n=50, r_E=42.0, r_I=22.0) | bad
        with pytest.raises(bm.ParameterError, match=next(iter(bad))):
            unconnected_description(p, **kwargs)


def test_filtered_multiplicative_rate_has_the_exact_pulse_drift_as_tau_S_vanishes():
    """As tau_S -> 0 the Stratonovich drift lambda w (1 - w/2) agrees with the exact effect of
    a conductance pulse, lambda (1 - exp(-w)), to O(w^3) (w = g a = 0.032: 2e-4 of the I
    conductance), and the Fourcaud-Brunel shift vanishes; filtering lowers the rate."""
    from theory.conductance import SANZENI as n, filtered_multiplicative_rate

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
        with pytest.raises(bm.ParameterError, match=name):
            filtered_multiplicative_rate(*bad)


def test_additive_equivalent_has_the_etc_working_point():
    """The additive equivalent's LIF: tau_m = tau_eff, E_L = mu, and two Gaussian drives of
    weight +-w whose white-noise limit sigma^2 = tau D (D = 2 rate w^2) is the ETC's sigma^2."""
    from balanced_models.papers.sanzeni import additive_equivalent_description
    from theory.conductance import SANZENI as n, effective_parameters

    p = NetworkParameters(K=1000, a=1.6e-3, N_E=1000, N_I=1000, N_X=1000, tau_S=1e-4, dt=1e-5)
    tau, mu, s2 = effective_parameters(p.a, p.K, p.g, p.gamma, 42.35, 22.35)
    d = additive_equivalent_description(p, 20, 42.35, 22.35, rate=5e5)
    cell = d.populations["E"].neuron
    assert (cell.tau_m, cell.E_L, cell.V_th, cell.V_r, cell.tau_ref) == pytest.approx(
        (tau, mu, n.V_th, n.V_r, n.tau_ref), rel=1e-12)
    assert cell.channels == {"e": {"tau": 1e-4}, "i": {"tau": 1e-4}}
    e, i = d.drives["E"]
    assert (e.noise, i.noise, e.weight) == ("gaussian", "gaussian", -i.weight)
    assert tau * (e.K * e.rate * e.weight**2 + i.K * i.rate * i.weight**2) == pytest.approx(
        s2(mu), rel=1e-12)
    for bad in (dict(n=0), dict(r_E=float("inf")), dict(rate=0.0)):
        kwargs = dict(n=20, r_E=42.35, r_I=22.35) | bad
        with pytest.raises(bm.ParameterError, match=next(iter(bad))):
            additive_equivalent_description(p, **kwargs)
    with pytest.raises(bm.ParameterError, match="tau_S"):
        additive_equivalent_description(NetworkParameters(tau_S=0.0), 20, 42.35, 22.35)


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

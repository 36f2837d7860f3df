"""Sanzeni, Histed & Brunel: conductance-based theory against the brief's numbers and exact
limits, and the network builders."""

import numpy as np
import pytest
from brian2 import ms

import balanced_models as bm
from balanced_models.engines.brian2.papers.sanzeni import build_network, build_single_neurons
from balanced_models.papers.sanzeni import NetworkParameters, SingleNeuronBlock
from theory.conductance import effective_time_constant


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



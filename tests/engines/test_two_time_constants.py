"""The diffusion theory of LIF populations whose input channels have different synaptic
time constants (2 and 8 ms): an effective time constant per population from each channel's
share of the input variance (theory.lif.effective_synaptic_time_constant), against Brian2
(about 20 s on 2 cores)."""

import pytest

import balanced_models as bm

CELL = bm.Neuron(synapse="current_exp", tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002,
                 channels={"e": {"tau": 0.002}, "i": {"tau": 0.008}})


def brunel(rate):
    """Brunel's model A (g = 5) with 2 ms excitatory and 8 ms inhibitory synapses."""
    exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3, channel="e")
    inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3, channel="i")
    return bm.NetworkDescription(
        {"E": bm.Population(2000, CELL), "I": bm.Population(500, CELL)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(K=200, rate=rate, weight=0.1e-3,
                                                         channel="e")))


@pytest.mark.parametrize("rate", [80.0, 100.0, 120.0])
def test_the_effective_time_constant_predicts_rates_within_10_percent(rate):
    # measured 2026-12-03 (1.5 s, seed 1): simulated 46.1, 70.0, 94.1 Hz; theory 46.2, 67.9,
    # 88.1 Hz (+0.2, -3.0, -6.3 %); white noise (tau_s = 0) would say 52.9, 75.3, 95.9 Hz
    net = brunel(rate)
    predicted = bm.population_prediction(net)["diffusion_rate"]
    simulated = bm.simulate(net, duration=1.5, seed=1).population_rates(start=0.3)
    for pop in ("E", "I"):
        assert predicted[pop] == pytest.approx(simulated.loc[pop, "simulated_rate"], rel=0.10)

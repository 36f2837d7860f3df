"""The colored-noise EIF theory (theory.integrate_and_fire.if_rate_colored_noise, through
diffusion_prediction) against Brian2: unconnected EIF neurons of Akil et al. whose input is
the diffusion approximation of Poisson input through 8 ms exponential synapses (an
Ornstein-Uhlenbeck current, PoissonDrive(noise='gaussian')), the model the theory solves.
Two working points, 3,000 neurons each, 5 s (about 20 s on 2 cores)."""

import numpy as np

import balanced_models as bm

TAU_S = 0.008
CELL = bm.Neuron(spike="eif", synapse="current_exp", tau_m=0.015, E_L=-0.072, V_th=-0.05,
                 V_r=-0.075, V_T=-0.055, Delta_T=0.001,
                 channels={c: {"tau": TAU_S} for c in "eix"})
J = 1 / np.sqrt(1000)  # Akil et al.'s scaling at N = 1000


def drives(rate_e, rate_i):
    """Akil's E-cell inputs at N = 1000 (80 E, 20 I, 20 X inputs), Gaussian."""
    return [bm.PoissonDrive(K=80, rate=rate_e, weight=0.025 * J, channel="e", noise="gaussian"),
            bm.PoissonDrive(K=20, rate=rate_i, weight=-0.104 * J, channel="i", noise="gaussian"),
            bm.PoissonDrive(K=20, rate=10.0, weight=0.180 * J, channel="x", noise="gaussian")]


def test_colored_noise_rates_within_3_standard_errors():
    # measured 2026-12-03 (10 s, 4,000 neurons, seed 2): 1.714 +- 0.007 and 3.960 +- 0.011 Hz
    # against the theory's 1.711 and 3.964 Hz; white noise of the same sigma: 6.73 and 10.9 Hz
    net = bm.NetworkDescription(
        {"A": bm.Population(3000, CELL), "C": bm.Population(3000, CELL)}, projections={},
        drives={"A": drives(9.58, 23.97), "C": drives(9.58, 20.0)}, dt=1e-4)
    predicted = bm.population_prediction(net)
    assert (predicted["diffusion_cv"].isna() & (predicted["diffusion_reason"] != "")).all()
    run = bm.simulate(net, duration=5.0, seed=2)
    simulated = run.population_rates()
    for pop in ("A", "C"):
        rate, se = simulated.loc[pop, ["simulated_rate", "simulated_rate_se"]]
        # 3 standard errors of the simulated mean, plus the theory's grid error (0.3 %)
        assert abs(predicted.loc[pop, "diffusion_rate"] - rate) <= 3 * se + 3e-3 * rate, pop

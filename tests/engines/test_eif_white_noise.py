"""The EIF threshold-integration theory (theory.integrate_and_fire) against Brian2: 10,000
unconnected EIF neurons per working point, white-noise input, five working points from
0.5 to 45 Hz. Slow (about 3 minutes on 2 cores): python -m pytest -m slow."""

import numpy as np
import pytest
from brian2 import NeuronGroup, SpikeMonitor, mV, second
from scipy.optimize import brentq

import balanced_models as bm
from theory.integrate_and_fire import eif_cv, eif_rate

#: the EIF neuron of Akil et al. and Zhu et al., white noise of amplitude sigma (Brunel);
#: the names differ from the model's so that Brian2 resolves each name in one namespace
TAU, V_CUT, V_RESET, V_SOFT, SLOPE, TAU_REF, SIGMA = (0.015, -0.05, -0.075, -0.055, 0.001,
                                                      0.002, 0.004)
TARGETS = (0.5, 2.0, 8.0, 20.0, 45.0)  # Hz


def simulate(mus, n, duration, dt, seed=1, t0=0.3):
    """Rates (Hz) and ISI CVs of n neurons per mean input in ``mus`` (V)."""
    sim = bm.Simulation("cpp_standalone", seed=seed, dt=dt * second)
    G = sim.add(NeuronGroup(
        n * len(mus),
        "dv/dt = (mu - v + Delta_T*exp((v - V_T)/Delta_T))/tau + sigma*xi*tau**-0.5 : volt "
        "(unless refractory)\nmu : volt (constant)",
        threshold="v > V_th", reset="v = V_r", refractory=TAU_REF * second, method="euler",
        namespace=dict(Delta_T=SLOPE * 1e3 * mV, V_T=V_SOFT * 1e3 * mV, tau=TAU * second,
                       sigma=SIGMA * 1e3 * mV, V_th=V_CUT * 1e3 * mV, V_r=V_RESET * 1e3 * mV)))
    G.mu = np.repeat(mus, n) * 1e3 * mV
    G.v = V_RESET * 1e3 * mV
    spikes = sim.add(SpikeMonitor(G))
    sim.run(duration * second)
    i, t = np.asarray(spikes.i[:]), np.asarray(spikes.t_[:])
    rates = bm.analysis.firing_rates(i, t, n * len(mus), t0, duration).reshape(len(mus), n)
    cvs = bm.analysis.isi_cvs(i, t, n * len(mus), t0, duration).reshape(len(mus), n)
    sim.close()
    return rates, cvs


def working_points():
    return np.array([brentq(lambda m: float(eif_rate(m, SIGMA, TAU, V_CUT, V_RESET, V_SOFT,
                                                     SLOPE, TAU_REF)) - r, -0.09, -0.03)
                     for r in TARGETS])


@pytest.mark.slow
def test_eif_rates_match_threshold_integration():
    mus = working_points()
    rates, cvs = simulate(mus, 10_000, 4.0, 10e-6)
    predicted = eif_rate(mus, SIGMA, TAU, V_CUT, V_RESET, V_SOFT, SLOPE, TAU_REF)
    simulated = rates.mean(axis=1)
    se = rates.std(axis=1, ddof=1) / np.sqrt(rates.shape[1])
    z = (simulated - predicted) / se
    print("mu (mV)", np.round(1e3 * mus, 3), "theory (Hz)", np.round(predicted, 4),
          "simulated", np.round(simulated, 4), "SE", np.round(se, 4), "z", np.round(z, 2),
          "CV theory", np.round(eif_cv(mus, SIGMA, TAU, V_CUT, V_RESET, V_SOFT, SLOPE, TAU_REF),
                                4),
          "simulated", np.round(np.nanmean(cvs, axis=1), 4))
    # 3 standard errors of the mean over 10,000 neurons. Measured 2026-12-03 (dt = 10 us, 4 s):
    # z = -0.30, -0.89, -0.23, +0.79, -2.31 at 0.5, 2, 8, 20, 45 Hz. The CVs agree at 20 and
    # 45 Hz (0.402 vs 0.407, 0.199 vs 0.200); at low rates a 3.7 s window cuts the long
    # intervals off, so the sample CV is low and is not checked here.
    assert np.all(np.abs(z) < 3), z

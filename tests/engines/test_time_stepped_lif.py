"""The time-stepped shot-noise LIF theory (theory.time_stepped_lif) against Brian2.

Unconnected LIF neurons (Brunel's tau_m, threshold, reset and refractory period) get two
independent Poisson streams through delta synapses, jumps +J and -J, in the slot the
package's engine uses for its inputs (after the threshold, before the reset). Both streams'
rates are modulated together, R (1 + m(t)): the input's mean stays, its variance is
modulated. This is the pathway the white-noise theory gets wrong in a simulation: it passes
a variance modulation instantly, while a time-stepped neuron sees it only at the next
threshold check (at dt = 0.1 ms the diffusion theory's response is 7-19 % too large from
100 Hz up). m(t) carries five sinusoids at once (2, 11, 37, 101 and 293 Hz), each small
enough for a linear response; amplitude and phase of the population rate's Fourier
coefficients, with standard errors from the neighbouring bins, are compared with
R (H_+ + H_-) a_k from the chain.
"""

import numpy as np
import pytest
from brian2 import NeuronGroup, PopulationRateMonitor, mV, second

import balanced_models as bm
from theory.lif import DISCRETE_TIME_SHIFT, variance_transfer_function
from theory.time_stepped_lif import time_stepped_transfer_function

TAU, V_TH, V_R, TAU_REF = 0.02, 0.02, 0.01, 0.002
MU, J, R = 0.016, 0.2e-3, 10_000.0  # sigma^2 = 2 tau J^2 R: sigma = 4 mV
DT = 1e-4
FREQUENCIES = np.array([2.0, 11.0, 37.0, 101.0, 293.0])


def prediction():
    """(rate, R (H_+ + H_-) at FREQUENCIES): the rate's response per unit of m."""
    out = time_stepped_transfer_function([J, -J], [R, R], TAU, V_TH, V_R, TAU_REF, dt=DT,
                                         frequency=FREQUENCIES, mu=MU)
    return out["rate"], R * out["response"].sum(axis=1)


def simulate(n, duration, amplitudes, seed=1):
    """Population rate (Hz per step) of n neurons whose two streams have rates
    R (1 + sum_k a_k cos(2 pi f_k t))."""
    terms = " + ".join(f"{a:.12g}*cos(2*pi*{f:.12g}*Hz*t)"
                       for a, f in zip(amplitudes, FREQUENCIES))
    sim = bm.Simulation("cpp_standalone", seed=seed, dt=DT * second)
    G = sim.add(NeuronGroup(n, "dv/dt = (mu0 - v)/tau : volt (unless refractory)",
                            threshold="v > V_th", reset="v = V_r",
                            refractory=TAU_REF * second, method="exact",
                            namespace=dict(mu0=MU * 1e3 * mV, tau=TAU * second,
                                           V_th=V_TH * 1e3 * mV, V_r=V_R * 1e3 * mV)))
    lam = f"{R * DT:.12g}*(1 + {terms})"
    G.run_regularly(f"v += int(not_refractory)*{J * 1e3:.12g}*mV*(poisson({lam}) - "
                    f"poisson({lam}))", when="synapses")
    G.v = "V_r + rand()*(V_th - V_r)"
    rate = sim.add(PopulationRateMonitor(G))
    sim.run(duration * second)
    out = np.asarray(rate.rate_[:])
    sim.close()
    return out


def compare(n, duration, relative=0.08, t0=1.0, seed=1):
    nu, response = prediction()
    amplitudes = relative * nu / np.abs(response)
    A = simulate(n, duration, amplitudes, seed)[int(round(t0 / DT)):]
    table = bm.spectra.rate_modulation(A, DT, FREQUENCIES)
    predicted = response * amplitudes
    z_amplitude = ((table["amplitude"] - np.abs(predicted)) / table["amplitude_se"]).to_numpy()
    z_phase = (np.angle(table["coefficient"] / predicted) / table["phase_se"]).to_numpy()
    # the diffusion theory of the same modulation: sigma^2 (1 + m), delay dt / 2
    sigma = np.sqrt(2 * TAU * J**2 * R)
    shift = DISCRETE_TIME_SHIFT * sigma * np.sqrt(DT / TAU)
    diffusion = (sigma**2 * variance_transfer_function(MU, sigma, TAU, V_TH + shift, V_R,
                                                       TAU_REF, frequency=FREQUENCIES)
                 * np.exp(-1j * np.pi * FREQUENCIES * DT) * amplitudes)
    print(f"rate sim {A.mean():.3f} Hz, chain {nu:.3f} Hz; frequency (Hz)", FREQUENCIES,
          "amplitude sim", np.round(table["amplitude"].to_numpy(), 4), "chain",
          np.round(np.abs(predicted), 4), "diffusion", np.round(np.abs(diffusion), 4), "SE",
          np.round(table["amplitude_se"].to_numpy(), 4), "z", np.round(z_amplitude, 2),
          "phase sim", np.round(table["phase"].to_numpy(), 3), "chain",
          np.round(np.angle(predicted), 3), "diffusion", np.round(np.angle(diffusion), 3),
          "z", np.round(z_phase, 2))
    return z_amplitude, z_phase


def test_variance_modulation_small():
    """2,000 neurons for 4 s: the default suite's check (standard errors about 7 %)."""
    z_amplitude, z_phase = compare(2000, 5.0)
    assert np.all(np.abs(z_amplitude) < 3) and np.all(np.abs(z_phase) < 3)


@pytest.mark.slow
def test_variance_modulation_10000_neurons():
    """10,000 neurons for 10 s (standard errors about 2 %).

    Measured 2026-12-04 (seed 1), z of amplitude | phase at 2, 11, 37, 101, 293 Hz:
    -0.51 0.96 -0.40 -1.12 2.14 | 0.59 0.43 2.71 0.14 -1.35. The white-noise theory misses
    by 4.9 and 4.0 SE in amplitude at 101 and 293 Hz and by 10 SE in phase at 293 Hz."""
    z_amplitude, z_phase = compare(10_000, 11.0)
    assert np.all(np.abs(z_amplitude) < 3) and np.all(np.abs(z_phase) < 3)

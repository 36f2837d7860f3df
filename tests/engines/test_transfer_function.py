"""The LIF transfer function (theory.lif.transfer_function) against Brian2.

Unconnected LIF neurons (Brunel's tau_m, threshold, reset and refractory period) get
independent Poisson input through delta synapses: excitatory and inhibitory events of size
+-J whose rates are modulated in opposite directions, so that the mean input mu(t) is
modulated and its variance sigma^2 is not. mu(t) carries five sinusoids at once (2, 11, 37,
101 and 293 Hz; no sum or difference of two of them is one of them), each small enough that
the response is linear. The Fourier coefficient of the population rate at each frequency,
with its standard error from the neighbouring frequency bins, is compared in amplitude and
phase with H(f) times the modulation's amplitude.

The white-noise theory is evaluated with the threshold raised by the simulation's
discrete-time shift (DISCRETE_TIME_SHIFT sigma sqrt(dt / tau_m), as siegert_rate(dt=) does).
Exponential synapses filter the input: the predicted response there is
H(f) / (1 + 2 pi i f tau_s) with the colored-noise H of the two-dimensional Fokker-Planck
equation; the Fourcaud-Brunel "shift" theory is printed beside it (it fails at high
frequencies, as its documentation says).

Linearity: the same record gives the responses at the second-order frequencies (2 f_k and
f_j +- f_k); they are printed relative to the fundamentals. Third-order terms, the first to
change the fundamentals, are of the order of their square.
"""

import numpy as np
import pytest
from brian2 import NeuronGroup, PopulationRateMonitor, mV, second

import balanced_models as bm
from theory.lif import DISCRETE_TIME_SHIFT, siegert_rate, transfer_function

TAU, V_TH, V_R, TAU_REF = 0.02, 0.02, 0.01, 0.002
MU, SIGMA = 0.016, 0.004  # about 13 Hz
FREQUENCIES = np.array([2.0, 11.0, 37.0, 101.0, 293.0])


def modulation_amplitudes(relative, tau_s=0.0):
    """mu_1 per frequency (V) for a rate modulation of ``relative`` times the rate each."""
    nu = float(siegert_rate(MU, SIGMA, TAU, V_TH, V_R, TAU_REF, tau_s))
    H = np.abs(transfer_function(MU, SIGMA, TAU, V_TH, V_R, TAU_REF, tau_s,
                                 frequency=FREQUENCIES))
    filt = np.abs(1.0 / (1.0 + 2j * np.pi * FREQUENCIES * tau_s))
    return relative * nu / (H * filt)


def simulate(n, duration, amplitudes, *, J=0.1e-3, tau_s=0.0, dt=1e-4, seed=1):
    """Population rate (Hz per bin of dt) of n neurons; mu(t) = MU + sum_k a_k cos(2 pi f_k t).

    MU is a constant bias (the leak's target). Each excitatory and each inhibitory input
    stream has rate R (1 + m(t)) and R (1 - m(t)) with J tau_m R m(t) = (mu(t) - MU) / 2,
    and R = SIGMA^2 / (2 tau_m J^2).
    """
    R = SIGMA**2 / (2 * TAU * J**2)
    terms = " + ".join(f"{a / (2 * TAU * J * R):.12g}*cos(2*pi*{f:.12g}*Hz*t)"
                       for a, f in zip(amplitudes, FREQUENCIES))
    sim = bm.Simulation("cpp_standalone", seed=seed, dt=dt * second)
    if tau_s == 0.0:
        model = "dv/dt = (mu0 - v)/tau : volt (unless refractory)"
        target = "v"
    else:
        model = ("dv/dt = (mu0 - v + I)/tau : volt (unless refractory)\n"
                 "dI/dt = -I/tau_syn : volt")
        target = "I"
    G = sim.add(NeuronGroup(n, model, threshold="v > V_th", reset="v = V_r",
                            refractory=TAU_REF * second, method="exact",
                            namespace=dict(mu0=MU * 1e3 * mV, tau=TAU * second,
                                           V_th=V_TH * 1e3 * mV, V_r=V_R * 1e3 * mV,
                                           tau_syn=tau_s * second)))
    # delta synapses jump v by J; exponential ones jump I by J tau_m / tau_s (same charge)
    jump = J * 1e3 * (1.0 if tau_s == 0.0 else TAU / tau_s)
    gate = "int(not_refractory)*" if tau_s == 0.0 else ""
    lam = R * dt
    G.run_regularly(
        f"{target} += {gate}{jump:.12g}*mV*(poisson({lam:.12g}*(1 + m_t)) - "
        f"poisson({lam:.12g}*(1 - m_t)))".replace("m_t", f"({terms})"), when="start")
    G.v = "V_r + rand()*(V_th - V_r)"
    rate = sim.add(PopulationRateMonitor(G))
    sim.run(duration * second)
    out = np.asarray(rate.rate_[:])
    sim.close()
    return out


def prediction(tau_s, dt=1e-4, method="fokker_planck"):
    """H(f) times the synaptic filter at FREQUENCIES (Hz/V)."""
    if tau_s == 0.0:
        shift = DISCRETE_TIME_SHIFT * SIGMA * np.sqrt(dt / TAU)
        return transfer_function(MU, SIGMA, TAU, V_TH + shift, V_R, TAU_REF,
                                 frequency=FREQUENCIES)
    H = transfer_function(MU, SIGMA, TAU, V_TH, V_R, TAU_REF, tau_s, frequency=FREQUENCIES,
                          method=method)
    return H / (1.0 + 2j * np.pi * FREQUENCIES * tau_s)


def compare(n, duration, tau_s, seed=1, relative=0.08, dt=1e-4, t0=1.0):
    """Simulated against predicted modulation: z-scores of amplitude and phase."""
    amplitudes = modulation_amplitudes(relative, tau_s)
    A = simulate(n, duration, amplitudes, tau_s=tau_s, seed=seed, dt=dt)[int(round(t0 / dt)):]
    # spikes are stamped at the start of the step in which the threshold is crossed
    table = bm.spectra.rate_modulation(A, dt, FREQUENCIES, time_offset=dt / 2)
    predicted = prediction(tau_s, dt) * amplitudes
    z_amplitude = (table["amplitude"] - np.abs(predicted)) / table["amplitude_se"]
    phase_error = np.angle(table["coefficient"] / predicted)
    z_phase = phase_error / table["phase_se"]
    second = np.unique(np.concatenate([2 * FREQUENCIES, np.abs(
        FREQUENCIES[:, None] + np.array([[1], [-1]])[:, :, None] * FREQUENCIES[None, None]
    )[:, np.triu_indices(len(FREQUENCIES), 1)[0], np.triu_indices(len(FREQUENCIES), 1)[1]]
        .ravel()]))
    second = second[(second > 0) & (second < 0.5 / dt)]
    harmonics = bm.spectra.rate_modulation(A, dt, second, time_offset=dt / 2)
    print(f"tau_s = {tau_s * 1e3} ms: rate {A.mean():.3f} Hz; frequency (Hz)", FREQUENCIES,
          "amplitude sim", np.round(table["amplitude"].to_numpy(), 4), "theory",
          np.round(np.abs(predicted), 4), "SE", np.round(table["amplitude_se"].to_numpy(), 4),
          "z", np.round(z_amplitude.to_numpy(), 2), "phase sim",
          np.round(table["phase"].to_numpy(), 3), "theory", np.round(np.angle(predicted), 3),
          "z", np.round(z_phase.to_numpy(), 2))
    if tau_s > 0:
        shift = prediction(tau_s, dt, method="shift") * amplitudes
        print("shift theory: amplitude", np.round(np.abs(shift), 4), "phase",
              np.round(np.angle(shift), 3))
    ratio = harmonics["amplitude"].max() / table["amplitude"].min()
    relative_se = float(np.median(table["amplitude_se"] / table["amplitude"]))
    print(f"second order: largest response {harmonics['amplitude'].max():.4f} Hz "
          f"({ratio:.3f} of the smallest fundamental), largest z "
          f"{(harmonics['amplitude'] / harmonics['amplitude_se']).max():.2f}; relative SE "
          f"of the fundamentals {relative_se:.3f}")
    return z_amplitude.to_numpy(), z_phase.to_numpy(), ratio, relative_se


def test_white_noise_transfer_function_small():
    """2,000 neurons for 3 s: the default suite's check (standard errors about 7 %)."""
    z_amplitude, z_phase, _, _ = compare(2000, 4.0, 0.0)
    # 3 standard errors (estimated from the neighbouring frequency bins)
    assert np.all(np.abs(z_amplitude) < 3) and np.all(np.abs(z_phase) < 3)


@pytest.mark.slow
@pytest.mark.parametrize("tau_s", [0.0, 0.0005, 0.002])
def test_transfer_function_10000_neurons(tau_s):
    """10,000 neurons for 10 s (standard errors about 2 %); tau_s / tau_m = 0, 0.025, 0.1.

    Measured 2026-12-03 (seed 1), z of amplitude | phase at 2, 11, 37, 101, 293 Hz:
    tau_s = 0: 0.43 1.07 -1.62 0.86 -0.29 | 0.09 -0.50 -1.55 -1.93 -2.67;
    0.5 ms: 0.04 -0.54 0.71 -0.12 1.42 | -0.76 0.88 -1.63 2.32 0.25;
    2 ms: -0.75 0.26 -0.88 -1.79 -2.84 | -0.68 -0.37 0.57 -1.01 -0.95.
    The shift theory misses by 11 and 21 SE (0.5 ms) and 48 and 57 SE (2 ms) at 293 Hz.
    Second-order responses: 0.067, 0.076, 0.105 of the smallest fundamental."""
    z_amplitude, z_phase, second_order, relative_se = compare(10_000, 11.0, tau_s)
    # linear enough: third-order terms, the first to bias a fundamental, are of the order of
    # the square of the second-order responses relative to the fundamentals; they must stay
    # below one standard error
    assert second_order**2 < relative_se
    assert np.all(np.abs(z_amplitude) < 3) and np.all(np.abs(z_phase) < 3)

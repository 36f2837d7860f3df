"""theory.time_stepped_lif: the time-stepped shot-noise LIF neuron as a Markov chain."""

import numpy as np
import pytest

from theory.errors import ParameterError
from theory.lif import (DISCRETE_TIME_SHIFT, siegert_rate, spike_train_spectrum,
                        transfer_function)
from theory.time_stepped_lif import (_chain, _interval_distribution, _rate,
                                     time_stepped_rate, time_stepped_spike_train_spectrum,
                                     time_stepped_transfer_function)

TAU, V_TH, V_R, TAU_REF = 0.02, 0.02, 0.01, 0.002
MU, SIGMA = 0.016, 0.004


def _inputs(J):
    """+-J streams with the diffusion moments (MU, SIGMA): rate R each."""
    return [J, -J], [SIGMA**2 / (2 * TAU * J**2)] * 2


def test_interval_distribution_gives_the_stationary_rate():
    """Two computations from the same chain: the stationary distribution's flux and the
    inverse mean interspike interval (renewal theorem)."""
    jumps, rates = [1e-4, -5e-4], [57_000.0, 9_250.0]
    chain = _chain(jumps, rates, TAU, V_TH, V_R, TAU_REF, 1e-4, 0.0, 0.0, 2.5e-5)
    q, rho, left = _interval_distribution(chain)
    n = np.arange(1, len(q) + 1)
    mean_steps = n @ q + left * (len(q) + 1 + rho / (1 - rho))
    assert 1.0 / (mean_steps * 1e-4) == pytest.approx(_rate(chain), rel=1e-6)


def test_zero_frequency_response_is_the_rate_derivative():
    jumps, rates = [1e-4, -5e-4], [57_000.0, 9_250.0]
    out = time_stepped_transfer_function(jumps, rates, TAU, V_TH, V_R, TAU_REF, dt=1e-4,
                                         frequency=0.0)
    for k in range(2):
        up, down = list(rates), list(rates)
        up[k] *= 1.001
        down[k] *= 0.999
        derivative = (time_stepped_rate(jumps, up, TAU, V_TH, V_R, TAU_REF, dt=1e-4)
                      - time_stepped_rate(jumps, down, TAU, V_TH, V_R, TAU_REF, dt=1e-4)) \
            / (0.002 * rates[k])
        # central difference: error (1e-3)^2 relative times the curvature, about 1e-6
        assert out["response"][0, k].real == pytest.approx(derivative, rel=1e-4)


def test_diffusion_limit():
    """Halving the jump J and the step dt together: the chain tends to the white-noise
    theory with the discrete-time threshold shift. Their difference is the shot-noise
    correction, first order in J / sigma, plus what the shift leaves of the time step; it
    must be below J / sigma and at least halve."""
    f = np.array([10.0, 100.0, 300.0])
    errors = []
    for J, dt in ((2e-4, 1e-4), (1e-4, 5e-5)):
        jumps, rates = _inputs(J)
        shift = DISCRETE_TIME_SHIFT * SIGMA * np.sqrt(dt / TAU)
        out = time_stepped_transfer_function(jumps, rates, TAU, V_TH, V_R, TAU_REF, dt=dt,
                                             frequency=f, mu=MU)
        rate = siegert_rate(MU, SIGMA, TAU, V_TH, V_R, TAU_REF, dt=dt)
        S = time_stepped_spike_train_spectrum(jumps, rates, TAU, V_TH, V_R, TAU_REF, dt=dt,
                                              frequency=f, mu=MU)
        S_white = spike_train_spectrum(MU, SIGMA, TAU, V_TH + shift, V_R, TAU_REF,
                                       frequency=f)
        # the mean pathway: (H_+ - H_-) / 2 per unit of R equals tau J H_mu
        H = 0.5 * (out["response"][:, 0] - out["response"][:, 1]) / (TAU * J)
        H_white = transfer_function(MU, SIGMA, TAU, V_TH + shift, V_R, TAU_REF, frequency=f)
        error = max(abs(out["rate"] / rate - 1), np.max(np.abs(S / S_white - 1)),
                    abs(H[0] / H_white[0] - 1))
        assert error < J / SIGMA
        errors.append(error)
    assert errors[1] < errors[0] / 2


def test_grid_resolution_is_converged():
    jumps, rates = [1e-4, -5e-4], [57_000.0, 9_250.0]
    coarse = time_stepped_rate(jumps, rates, TAU, V_TH, V_R, TAU_REF, dt=1e-4)
    fine = time_stepped_rate(jumps, rates, TAU, V_TH, V_R, TAU_REF, dt=1e-4,
                             resolution=1.25e-5)
    assert coarse == pytest.approx(fine, rel=1e-3)


@pytest.mark.parametrize("change, match", [
    (dict(jumps=[np.nan, -1e-4]), "jumps"),
    (dict(rates=[1e3, -1.0]), "rates"),
    (dict(rates=[1e3]), "one length"),
    (dict(V_r=0.03), "V_r"),
    (dict(dt=0.02), "dt"),
    (dict(tau_m=np.inf), "tau_m"),
    (dict(resolution=1e-9), "grid points"),
])
def test_bad_input(change, match):
    args = dict(jumps=[1e-4, -1e-4], rates=[1e4, 1e4], tau_m=TAU, V_th=V_TH, V_r=V_R,
                tau_ref=TAU_REF, dt=1e-4, mu=MU) | change
    with pytest.raises(ParameterError, match=match):
        time_stepped_rate(**args)

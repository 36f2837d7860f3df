"""theory.adaptation: the mean potential against the LIF's stationary density, the mean
adaptation current against its own defining equation, and the deterministic interval against
a numerical integration of the adapting LIF."""

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from theory.adaptation import deterministic_interval, mean_adaptation_current, mean_potential
from theory.errors import ParameterError
from theory.lif import siegert_rate, voltage_density


@pytest.mark.parametrize("mu, sigma, tau_ref", [(0.015, 0.005, 0.0), (0.015, 0.005, 0.002),
                                                (0.025, 0.002, 0.002), (0.005, 0.008, 0.005)])
def test_mean_potential_is_the_mean_of_the_lif_density(mu, sigma, tau_ref):
    """Under white noise the identity is exact: <V> over the Fokker-Planck density (the
    refractory share sitting at V_r) equals the drift-reset balance."""
    tau_m, V_th, V_r = 0.02, 0.02, 0.01
    nu = float(siegert_rate(mu, sigma, tau_m, V_th, V_r, tau_ref))
    low = min(mu, V_r) - 12 * sigma
    first = quad(lambda V: V * voltage_density(V, mu, sigma, tau_m, V_th, V_r, tau_ref), low,
                 V_th, points=[V_r], limit=400, epsabs=1e-13)[0]
    density_mean = first + nu * tau_ref * V_r
    assert mean_potential(nu, mu, tau_m, V_th, V_r, tau_ref) == pytest.approx(
        density_mean, rel=1e-6, abs=1e-9)


def test_mean_adaptation_current_solves_its_equation():
    """w = b tau_w nu + a (<V>(mu_0 - tau w) - E_L), for subthreshold and spike-triggered
    adaptation together, and b tau_w nu alone when a = 0."""
    nu, mu_0, tau, tau_ref = 8.0, -0.052, 0.015, 0.002
    a, b, tau_w, E_L, V_th, V_r = 12.0, 0.3, 0.1, -0.07, -0.05, -0.06
    w = mean_adaptation_current(nu, mu_0, tau, a, b, tau_w, E_L, V_th, V_r, tau_ref)
    V = mean_potential(nu, mu_0 - tau * w, tau, V_th, V_r, tau_ref)
    assert w == pytest.approx(b * tau_w * nu + a * (V - E_L), rel=1e-12)
    assert mean_adaptation_current(nu, mu_0, tau, 0.0, b, tau_w, E_L, V_th, V_r, tau_ref) == \
        pytest.approx(b * tau_w * nu, rel=1e-14)


def _integrated_interval(mu, tau_m, V_th, V_r, tau_ref, b, tau_w):
    """The interspike interval of the adapting LIF integrated by scipy (RK45, tight
    tolerances, threshold found by an event), started at V_r with w = 0, once 20 time
    constants tau_w have passed (w then within 2e-9 of its periodic state)."""
    t, w, times = 0.0, 0.0, []
    while t < 20 * tau_w:
        w += b
        t += tau_ref
        w *= np.exp(-tau_ref / tau_w)
        event = lambda s, y: y[0] - V_th  # noqa: E731
        event.terminal, event.direction = True, 1
        sol = solve_ivp(lambda s, y: [(mu - y[0]) / tau_m - y[1], -y[1] / tau_w], (0, 10.0),
                        [V_r, w], events=event, rtol=1e-11, atol=1e-14)
        t += sol.t_events[0][0]
        w = sol.y_events[0][0][1]
        times.append(t)
    return times[-1] - times[-2]


@pytest.mark.parametrize("b, tau_w, tau_ref", [(0.5, 0.1, 0.002), (2.0, 0.05, 0.0),
                                               (0.05, 0.3, 0.001)])
def test_deterministic_interval_against_integration(b, tau_w, tau_ref):
    T, w_plus = deterministic_interval(0.03, 0.02, 0.02, 0.01, tau_ref, b, tau_w)
    assert T == pytest.approx(_integrated_interval(0.03, 0.02, 0.02, 0.01, tau_ref, b, tau_w),
                              rel=1e-7)
    assert w_plus == pytest.approx(b / (1 - np.exp(-T / tau_w)), rel=1e-12)


def test_deterministic_interval_without_adaptation_is_the_lif_interval():
    T, w = deterministic_interval(0.03, 0.02, 0.02, 0.01, 0.002, 0.0, 0.1)
    assert T == pytest.approx(0.002 + 0.02 * np.log(2.0), rel=1e-14) and w == 0.0


@pytest.mark.parametrize("call, name", [
    (lambda: mean_potential(np.nan, 0.01, 0.02, 0.02, 0.01, 0.0), "rate"),
    (lambda: mean_potential(600.0, 0.01, 0.02, 0.02, 0.01, 0.002), "rate * tau_ref"),
    (lambda: mean_potential(5.0, 0.01, -0.02, 0.02, 0.01, 0.0), "tau"),
    (lambda: mean_adaptation_current(5.0, 0.01, 0.02, np.inf, 0.1, 0.1, 0, 0.02, 0.01, 0),
     "a"),
    (lambda: mean_adaptation_current(5.0, 0.01, 0.02, 0.0, 0.1, 0.0, 0, 0.02, 0.01, 0),
     "tau_w"),
    (lambda: mean_adaptation_current(5.0, 0.01, 0.02, -100.0, 0.1, 0.1, 0, 0.02, 0.01, 0),
     "1 + a tau"),
    (lambda: deterministic_interval(0.015, 0.02, 0.02, 0.01, 0.0, 0.1, 0.1), "mu"),
    (lambda: deterministic_interval(0.03, 0.02, 0.02, 0.01, 0.0, -0.1, 0.1), "b"),
    (lambda: deterministic_interval(0.03, 0.02, 0.02, 0.01, 0.0, 0.1, 0.02), "tau_w"),
    (lambda: deterministic_interval(0.03, 0.02, 0.02, 0.03, 0.0, 0.1, 0.1), "V_r"),
])
def test_bad_input(call, name):
    with pytest.raises(ParameterError, match=name.replace("*", r"\*").replace("+", r"\+")):
        call()

"""Threshold integration for integrate-and-fire neurons: the LIF neuron against the closed
forms of theory.lif, the EIF neuron against its sharp-threshold limit."""

import numpy as np
import pytest

import balanced_models as bm
from theory.integrate_and_fire import (eif_cv, eif_drift, eif_rate, eif_rate_derivatives,
                                       if_rate_and_cv)
from theory.lif import isi_cv, rate_derivatives, siegert_rate

LIF = dict(tau_m=0.02, V_th=0.02, V_r=0.01)


@pytest.mark.parametrize("mu", np.linspace(-0.005, 0.03, 8))
@pytest.mark.parametrize("sigma", [0.002, 0.005, 0.01])
@pytest.mark.parametrize("tau_ref", [0.0, 0.002])
def test_lif_equals_siegert_to_1e6(mu, sigma, tau_ref):
    rate, cv = if_rate_and_cv(lambda V: mu - V, sigma, LIF["tau_m"], LIF["V_th"], LIF["V_r"],
                              tau_ref)
    expected = siegert_rate(mu, sigma, LIF["tau_m"], LIF["V_th"], LIF["V_r"], tau_ref)
    if expected < 1e-100:
        assert rate < 1e-90
        return
    assert rate == pytest.approx(float(expected), rel=1e-6)
    assert cv == pytest.approx(float(isi_cv(mu, sigma, LIF["tau_m"], LIF["V_th"], LIF["V_r"],
                                            tau_ref)), rel=1e-5)


@pytest.mark.parametrize("mu", [-0.061, -0.056, -0.05])
def test_eif_rate_equals_an_independent_quadrature(mu):
    """The mean first-passage time by nested adaptive quadrature of the closed-form
    potential phi(V) = (2/sigma^2)(mu V - V^2/2 + Delta_T^2 e^((V - V_T)/Delta_T)), against
    the grid of threshold integration."""
    from scipy.integrate import quad

    sigma, tau_m, V_th, V_r, V_T, D, tau_ref = 0.004, 0.015, -0.05, -0.075, -0.055, 0.001, 0.002

    def phi(V):
        return 2 / sigma**2 * (mu * V - V * V / 2 + D * D * np.exp((V - V_T) / D))

    def inner(y):
        return quad(lambda z: np.exp(phi(z) - phi(y)), y - 0.08, y, epsabs=0,
                    epsrel=1e-12, limit=200)[0]

    T1 = 2 * tau_m / sigma**2 * quad(inner, V_r, V_th, epsabs=0, epsrel=1e-10, limit=200,
                                     points=[V_T])[0]
    expected = 1 / (tau_ref + T1)
    assert float(eif_rate(mu, sigma, tau_m, V_th, V_r, V_T, D, tau_ref)) == pytest.approx(
        expected, rel=1e-6)


def test_eif_rate_and_cv_broadcast_and_the_derivative_matches_a_difference():
    mus = np.array([-0.061, -0.056, -0.05])
    rates = eif_rate(mus, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001)
    cvs = eif_cv(mus, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001)
    assert rates.shape == cvs.shape == (3,)
    assert np.all(np.diff(rates) > 0) and np.all(np.diff(cvs) < 0)
    dmu, ds2 = eif_rate_derivatives(-0.056, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001)
    step = 1e-5
    by_hand = (eif_rate(-0.056 + step, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001)
               - eif_rate(-0.056 - step, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001)) / (2 * step)
    assert dmu == pytest.approx(float(by_hand), rel=1e-4) and dmu > 0 and ds2 > 0


def test_the_lif_derivative_by_differences_matches_the_closed_form():
    mu, sigma = 0.015, 0.005
    h = 1e-6
    rate = lambda m: if_rate_and_cv(lambda V: m - V, sigma, 0.02, 0.02, 0.01, 0.002)[0]
    dmu = (rate(mu + h) - rate(mu - h)) / (2 * h)
    assert dmu == pytest.approx(float(rate_derivatives(mu, sigma, 0.02, 0.02, 0.01,
                                                       0.002)[0]), rel=1e-4)


@pytest.mark.parametrize("call, match", [
    (lambda: if_rate_and_cv("not a function", 0.004, 0.02, 0.02, 0.01), "drift must be"),
    (lambda: if_rate_and_cv(lambda V: -V, np.nan, 0.02, 0.02, 0.01), "sigma"),
    (lambda: if_rate_and_cv(lambda V: -V, 0.004, 0.02, 0.02, 0.03), "V_r"),
    (lambda: if_rate_and_cv(lambda V: -V, 0.004, -0.02, 0.02, 0.01), "tau_m"),
    (lambda: if_rate_and_cv(lambda V: -V, 0.004, 0.02, 0.02, 0.01, n=10), "n must"),
    (lambda: if_rate_and_cv(lambda V: np.full(np.shape(V), -1.0), 0.004, 0.02, 0.02, 0.01),
     "never turns positive"),
    (lambda: eif_drift(-0.06, -0.055, 0.0), "Delta_T"),
    (lambda: eif_rate(np.inf, 0.004, 0.015, -0.05, -0.075, -0.055, 0.001), "mu"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(bm.ParameterError, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# synaptically filtered (colored) noise: the (V, eta) Fokker-Planck equation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mu, sigma", [(0.015, 0.005), (0.022, 0.004)])
def test_lif_colored_noise_approaches_fourcaud_brunel(mu, sigma):
    """At tau_s / tau_m = 0.025 the Fourcaud-Brunel threshold shift is exact to first order
    in k = sqrt(tau_s / tau_m) = 0.16; the next order, k^2 = 2.5 %, bounds the difference."""
    from theory.integrate_and_fire import if_rate_colored_noise

    tau_s = 0.0005
    rate = if_rate_colored_noise(lambda V: mu - V, sigma, LIF["tau_m"], tau_s, LIF["V_th"],
                                 LIF["V_r"])
    shifted = float(siegert_rate(mu, sigma, LIF["tau_m"], LIF["V_th"], LIF["V_r"], 0.0, tau_s))
    white = float(siegert_rate(mu, sigma, LIF["tau_m"], LIF["V_th"], LIF["V_r"]))
    assert rate == pytest.approx(shifted, rel=0.025)
    assert abs(rate - shifted) < 0.25 * abs(white - shifted)  # far closer than white noise


def test_colored_noise_grid_converges():
    """The extrapolated rate on the default grid and on one twice as fine agree to 0.3 %."""
    from theory.integrate_and_fire import if_rate_colored_noise

    f = eif_drift(-0.0655, -0.055, 0.001)
    coarse = if_rate_colored_noise(f, 0.013, 0.015, 0.008, -0.05, -0.075)
    fine = if_rate_colored_noise(f, 0.013, 0.015, 0.008, -0.05, -0.075, n_V=600, n_eta=60)
    assert coarse == pytest.approx(fine, rel=3e-3)


def test_eif_rate_with_tau_s_uses_the_colored_noise_solver():
    from theory.integrate_and_fire import if_rate_colored_noise

    f = eif_drift(-0.0655, -0.055, 0.001)
    expected = if_rate_colored_noise(f, 0.013, 0.015, 0.008, -0.05, -0.075, 0.002)
    rates = eif_rate(-0.0655, 0.013, 0.015, -0.05, -0.075, -0.055, 0.001, 0.002, [0.0, 0.008])
    assert rates[1] == pytest.approx(expected, rel=1e-12)
    assert rates[0] > 1.5 * rates[1]  # white noise of the same sigma fires far more


def test_variance_matched_time_constant():
    from theory.integrate_and_fire import variance_matched_time_constant

    assert float(variance_matched_time_constant([2.0], [0.008], 0.015)) == pytest.approx(0.008)
    # equal shares of 4 and 8 ms: 1/(tau_m + tau) is the mean of 1/19 ms and 1/23 ms
    expected = 1 / (0.5 / 0.019 + 0.5 / 0.023) - 0.015
    assert float(variance_matched_time_constant([1.0, 1.0], [0.004, 0.008], 0.015)) == \
        pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", [dict(tau_s=0.0), dict(tau_s=np.nan), dict(sigma=-1.0),
                                 dict(n_V=10), dict(tau_ref=np.inf)])
def test_colored_noise_rejects_bad_input(bad):
    from theory.integrate_and_fire import if_rate_colored_noise

    args = dict(drift=lambda V: 0.02 - V, sigma=0.005, tau_m=0.02, tau_s=0.002, V_th=0.02,
                V_r=0.01)
    with pytest.raises(bm.ParameterError, match=next(iter(bad))):
        if_rate_colored_noise(**{**args, **bad})


@pytest.mark.parametrize("bad", [([0.0, 0.0], [0.004, 0.008]), ([1.0, np.nan], [0.004, 0.008]),
                                 ([1.0, 1.0], [-0.004, 0.008])])
def test_variance_matched_time_constant_rejects_bad_input(bad):
    from theory.integrate_and_fire import variance_matched_time_constant

    with pytest.raises(bm.ParameterError):
        variance_matched_time_constant(*bad, 0.015)


def test_noise_gain_scales_the_noise():
    """k(V) = 2 is the same equation as twice the noise amplitude: the rates agree to
    rounding (same grid); k(V) = 1 is additive noise."""
    from theory.integrate_and_fire import if_rate_colored_noise

    f = eif_drift(-0.0655, -0.055, 0.001)
    args = (0.015, 0.008, -0.05, -0.075)
    twice = if_rate_colored_noise(f, 0.013, *args, noise_gain=lambda V: np.full_like(V, 2.0),
                                  V_low=-0.12)
    assert twice == pytest.approx(if_rate_colored_noise(f, 0.026, *args, V_low=-0.12),
                                  rel=1e-9)
    once = if_rate_colored_noise(f, 0.013, *args, noise_gain=lambda V: np.ones_like(V),
                                 V_low=-0.12)
    assert once == pytest.approx(if_rate_colored_noise(f, 0.013, *args, V_low=-0.12),
                                 rel=1e-12)
    with pytest.raises(bm.ParameterError, match="noise_gain"):
        if_rate_colored_noise(f, 0.013, *args, noise_gain=2.0)

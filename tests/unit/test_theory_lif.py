"""LIF diffusion theory against independent quadrature and exact identities."""

import re
import subprocess
import sys

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erfcx

from theory import ParameterError, isi_cv, rate_derivatives, siegert_rate, voltage_density
from theory.lif import ALPHA_SHIFT

TAU, TH, VR, REF = 0.02, 0.02, 0.01, 0.002
CASES = [(0.01, 0.005), (0.015, 0.002), (0.025, 0.003), (0.0, 0.002), (-0.01, 0.004),
         (0.05, 0.001)]


def reference_rate(mu, sigma, tau_ref=REF):
    y_th, y_r = (TH - mu) / sigma, (VR - mu) / sigma
    integral = quad(lambda u: erfcx(-u), y_r, y_th, limit=400, epsabs=0, epsrel=1e-13)[0]
    return 1.0 / (tau_ref + TAU * np.sqrt(np.pi) * integral)


def reference_cv(mu, sigma):
    y_th, y_r = (TH - mu) / sigma, (VR - mu) / sigma
    inner = lambda x: quad(lambda y: erfcx(-y) ** 2 * np.exp(-y * y), -np.inf, x,
                           epsrel=1e-12, limit=200)[0]
    outer = quad(lambda x: np.exp(x * x) * inner(x), y_r, y_th, epsrel=1e-11, limit=200)[0]
    return np.sqrt(2 * np.pi * (reference_rate(mu, sigma) * TAU) ** 2 * outer)


@pytest.mark.parametrize("mu,sigma", CASES)
def test_siegert_matches_direct_quadrature(mu, sigma):
    assert siegert_rate(mu, sigma, TAU, TH, VR, REF) == pytest.approx(
        reference_rate(mu, sigma), rel=1e-10)


@pytest.mark.parametrize("mu,sigma", CASES[:5])
def test_cv_matches_nested_quadrature(mu, sigma):
    assert isi_cv(mu, sigma, TAU, TH, VR, REF) == pytest.approx(reference_cv(mu, sigma),
                                                                 rel=1e-7)


def test_extreme_inputs_are_finite_and_monotone():
    mu = np.linspace(-0.5, 0.5, 401)
    with np.errstate(over="raise", invalid="raise"):
        rate = siegert_rate(mu, 0.001, TAU, TH, VR, REF)
        cv = isi_cv(mu, 0.001, TAU, TH, VR, REF)
    assert np.all(np.isfinite(rate)) and np.all(np.isfinite(cv))
    assert np.all(np.diff(rate) >= 0)
    assert rate[0] == 0.0  # underflows cleanly far below threshold
    assert rate[-1] == pytest.approx(1 / (REF + TAU * np.log((0.5 - VR) / (0.5 - TH))), rel=1e-3)
    assert cv[0] == pytest.approx(1.0, abs=1e-9)  # Poisson limit (y_th = 520)
    assert cv[-1] < 0.01  # regular firing far above threshold


def test_far_below_threshold_matches_kramers_asymptotics():
    # y_th >> 1: nu ~ y_th exp(-y_th^2) / (tau sqrt(pi)) (Brunel & Hakim 1999)
    mu, sigma = 0.0, 0.002
    y = (TH - mu) / sigma
    expected = y * np.exp(-y * y) / (TAU * np.sqrt(np.pi))
    assert siegert_rate(mu, sigma, TAU, TH, VR) == pytest.approx(expected, rel=2e-2)


@pytest.mark.parametrize("mu", [0.0, 0.015, 0.03])
def test_voltage_density_normalises_to_non_refractory_fraction(mu):
    sigma = 0.004
    V = np.linspace(mu - 12 * sigma, TH, 400001)
    P = voltage_density(V, mu, sigma, TAU, TH, VR, REF)
    nu = siegert_rate(mu, sigma, TAU, TH, VR, REF)
    assert np.trapezoid(P, V) == pytest.approx(1 - nu * REF, abs=1e-6)
    assert np.all(P >= 0) and voltage_density(TH + 0.001, mu, sigma, TAU, TH, VR, REF) == 0


def test_voltage_density_is_gaussian_far_below_threshold():
    mu, sigma = -0.02, 0.004  # free membrane: N(mu, sigma^2/2)
    V = np.linspace(-0.035, -0.005, 7)
    gauss = np.exp(-((V - mu) ** 2) / sigma**2) / (sigma * np.sqrt(np.pi))
    assert np.allclose(voltage_density(V, mu, sigma, TAU, TH, VR, REF), gauss, rtol=1e-8)


@pytest.mark.parametrize("tau_s", [0.0, 0.002])
def test_derivatives_match_finite_differences(tau_s):
    mu, sigma = 0.015, 0.004
    d_mu, d_s2 = rate_derivatives(mu, sigma, TAU, TH, VR, REF, tau_s)
    f = lambda m, s2: siegert_rate(m, np.sqrt(s2), TAU, TH, VR, REF, tau_s)
    h, h2 = 1e-7, 1e-10
    assert d_mu == pytest.approx((f(mu + h, sigma**2) - f(mu - h, sigma**2)) / (2 * h), rel=1e-5)
    assert d_s2 == pytest.approx((f(mu, sigma**2 + h2) - f(mu, sigma**2 - h2)) / (2 * h2),
                                 rel=1e-5)


def test_synaptic_filtering_shifts_threshold_and_reset():
    mu, sigma, tau_s = 0.015, 0.004, 0.005
    shift = sigma * ALPHA_SHIFT / 2 * np.sqrt(tau_s / TAU)
    assert ALPHA_SHIFT == pytest.approx(2.0652, abs=1e-4)
    assert siegert_rate(mu, sigma, TAU, TH, VR, REF, tau_s) == pytest.approx(
        siegert_rate(mu, sigma, TAU, TH + shift, VR + shift, REF), rel=1e-12)


@pytest.mark.parametrize("kwargs,name", [
    (dict(tau_m=-0.01), "tau_m"), (dict(sigma=0.0), "sigma"), (dict(tau_ref=-1e-3), "tau_ref"),
    (dict(V_r=0.03), "V_th - V_r"), (dict(mu=np.inf), "mu"), (dict(mu=np.nan), "mu"),
    (dict(V_th=np.inf), "V_th"), (dict(V_r=-np.inf), "V_r"), (dict(sigma=np.inf), "sigma")])
def test_bad_parameters_name_themselves(kwargs, name):
    args = dict(mu=0.01, sigma=0.004, tau_m=TAU, V_th=TH, V_r=VR, tau_ref=REF)
    args.update(kwargs)
    for function in (siegert_rate, isi_cv, rate_derivatives):
        with pytest.raises(ParameterError, match=f"^{re.escape(name)} must lie in"):
            function(**args)


def test_theory_never_imports_brian2():
    code = "import sys, theory, theory.lif; assert 'brian2' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

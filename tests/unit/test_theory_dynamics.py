"""theory.dynamics: network linear response in frequency, against closed forms."""

import numpy as np
import pytest

from theory.dynamics import (covariance_functions, cross_spectra, delay_filter,
                             effective_connectivity, linear_response, stability,
                             synaptic_filter)
from theory.errors import ParameterError


def test_filters():
    f = np.array([0.0, 50.0, 200.0])
    assert np.allclose(synaptic_filter(f, 0.005), 1 / (1 + 2j * np.pi * f * 0.005))
    # uniform delays on [1, 3] ms: the average of e^(-2 pi i f d), by quadrature
    d = np.linspace(1e-3, 3e-3, 20001)
    direct = np.trapezoid(np.exp(-2j * np.pi * f[:, None] * d), d, axis=1) / 2e-3
    assert np.allclose(delay_filter(f, 2e-3, 2e-3), direct, atol=1e-8)
    with pytest.raises(ParameterError):
        delay_filter(f, 1e-3, 3e-3)  # negative delays


def test_linear_response_at_zero_frequency_is_the_stationary_solve():
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.1, (1, 30, 30))
    x = rng.normal(size=(1, 30))
    assert np.allclose(linear_response(W, x)[0], np.linalg.solve(np.eye(30) - W[0], x[0]))
    many = linear_response(W, x[..., None].repeat(3, axis=2))
    assert many.shape == (1, 30, 3)


def test_cross_spectra_of_two_units():
    """x = W x + xi for two units: C = B D B^H written out."""
    rng = np.random.default_rng(2)
    W = rng.normal(0, 0.3, (4, 2, 2)) + 1j * rng.normal(0, 0.3, (4, 2, 2))
    D = rng.uniform(1, 2, (4, 2))
    C = cross_spectra(W, D)
    for k in range(4):
        B = np.linalg.inv(np.eye(2) - W[k])
        assert np.allclose(C[k], B @ np.diag(D[k]) @ B.conj().T)
    assert np.allclose(C, np.conj(np.swapaxes(C, 1, 2)))
    assert np.allclose(cross_spectra(np.zeros((4, 2, 2)), D)[:, [0, 1], [0, 1]], D)


def test_covariance_function_of_a_lorentzian():
    """C(f) = nu + A / (1 + (2 pi f tau)^2) <-> nu delta(t) + (A / 2 tau) e^(-|t| / tau)."""
    df, tau, A = 0.05, 0.01, 3.0
    f = np.arange(0, 4000, df)
    C = 5.0 + A / (1 + (2 * np.pi * f * tau) ** 2)
    lags, c = covariance_functions(C, df)
    inside = np.abs(lags) < 0.05
    exact = A / (2 * tau) * np.exp(-np.abs(lags[inside]) / tau)
    # the cut at f_max misses the tail, 2 int_(f_max)^inf A / (2 pi f tau)^2 df, and taking
    # C(f_max) as the delta peak's weight removes as much again: A / (pi^2 tau^2 f_max)
    bound = A / (np.pi**2 * tau**2 * f[-1])
    assert np.max(np.abs(c[inside] - exact)) < 1.1 * bound < 0.01 * exact.max()
    # away from the cusp the error is far smaller
    assert np.max(np.abs(c[inside] - exact)[np.abs(lags[inside]) > 0.01]) < 0.02 * bound


@pytest.mark.parametrize("k", [1.5, 2.5])
def test_stability_of_delayed_inhibitory_feedback(k):
    """W = -k e^(-2 pi i f d) / (1 + 2 pi i f tau): unstable where k exceeds
    sqrt(1 + (w tau)^2) at the w where the phase reaches -pi."""
    d, tau = 2e-3, 5e-3
    f = np.arange(0, 5000, 0.1)
    w = 2 * np.pi * f
    W = (-k * np.exp(-1j * w * d) / (1 + 1j * w * tau))[:, None, None]
    result = stability(f, W)
    from scipy.optimize import brentq
    w_c = brentq(lambda x: x * d + np.arctan(x * tau) - np.pi, 1.0, 1e5)
    k_c = np.sqrt(1 + (w_c * tau) ** 2)
    assert abs(result["frequency"] - w_c / (2 * np.pi)) < 0.1
    assert abs(result["margin"] - k / k_c) < 1e-3
    assert result["unstable_modes"] == (2 if k > k_c else 0)


def test_effective_connectivity_and_bad_input():
    H = np.ones((3, 2), dtype=complex)
    c = np.array([[1.0, -2.0], [0.5, 0.0]])
    W = effective_connectivity(H, c, 0.5, H * 2, c**2)
    assert np.allclose(W, 0.5 * c + 2 * c**2)
    with pytest.raises(ParameterError):
        effective_connectivity(H, np.ones((3, 3)))
    with pytest.raises(ParameterError):
        effective_connectivity(H, c, variance_transfer=H)
    with pytest.raises(ParameterError):
        linear_response(np.full((1, 2, 2), np.nan), np.ones((1, 2)))
    with pytest.raises(ParameterError):
        stability(np.array([0.0, 2.0, 1.0]), np.zeros((3, 1, 1)))

"""The LIF transfer functions and spike-train spectra (theory.lif) against independent
references: the zero-frequency derivatives of the Siegert rate, the parabolic-cylinder
closed forms of Lindner & Schimansky-Geier (2001) and Lindner et al. (2002) evaluated by
mpmath at 40 digits, and the limits of the spike-train spectrum."""

import numpy as np
import pytest

from theory.errors import ParameterError
from theory.integrate_and_fire import eif_drift, eif_rate_derivatives, if_transfer_function
from theory.lif import (isi_cv, rate_derivatives, siegert_rate, spike_train_spectrum,
                        transfer_function, variance_transfer_function)

mp = pytest.importorskip("mpmath")

#: (mu, sigma, tau_m, V_th, V_r, tau_ref): fluctuation-driven, near threshold, mean-driven,
#: far below threshold (1e-9 Hz) and far above it (99 Hz)
POINTS = [(0.015, 0.005, 0.02, 0.02, 0.01, 0.002), (0.019, 0.001, 0.02, 0.02, 0.01, 0.0),
          (0.025, 0.002, 0.02, 0.02, 0.01, 0.002), (0.005, 0.003, 0.02, 0.02, 0.01, 0.002),
          (0.04, 0.001, 0.02, 0.02, 0.01, 0.002)]


def closed_form(mu, sigma, tau, V_th, V_r, tau_ref, f):
    """H(f) of Lindner & Schimansky-Geier (2001), with D = sigma^2 / 2 and our sign of i."""
    mp.mp.dps = 40
    mu, sigma, tau, V_th, V_r, tau_ref, f = map(mp.mpf, (mu, sigma, tau, V_th, V_r, tau_ref, f))
    sD = sigma / mp.sqrt(2)
    xT, xR = (mu - V_th) / sD, (mu - V_r) / sD
    delta = (xR**2 - xT**2) / 4
    w = 1j * 2 * mp.pi * f * tau
    num = mp.pcfd(w - 1, xT) - mp.exp(delta) * mp.pcfd(w - 1, xR)
    den = mp.pcfd(w, xT) - mp.exp(delta) * mp.exp(w * tau_ref / tau) * mp.pcfd(w, xR)
    return complex(mp.conj(w / (w - 1) * num / den / sD))


def isi_transform(mu, sigma, tau, V_th, V_r, tau_ref, f):
    """Fourier transform of the LIF ISI density (Lindner, Schimansky-Geier & Longtin 2002)."""
    mp.mp.dps = 40
    mu, sigma, tau, V_th, V_r, tau_ref, f = map(mp.mpf, (mu, sigma, tau, V_th, V_r, tau_ref, f))
    sD = sigma / mp.sqrt(2)
    xT, xR = (mu - V_th) / sD, (mu - V_r) / sD
    w = 1j * 2 * mp.pi * f * tau
    value = (mp.exp((xR**2 - xT**2) / 4) * mp.pcfd(-w, xR) / mp.pcfd(-w, xT)
             * mp.exp(-w * tau_ref / tau))
    return complex(value)


@pytest.mark.parametrize("point", POINTS)
def test_zero_frequency_limit_is_the_rate_derivative(point):
    d_mu, d_sigma2 = rate_derivatives(*point)
    assert abs(transfer_function(*point, frequency=0.0) / d_mu - 1) < 1e-6
    assert abs(variance_transfer_function(*point, frequency=0.0) / d_sigma2 - 1) < 1e-6
    # at 0.01 Hz the response lags by 2 pi f times a time of the order of tau_m: the real
    # part moves at second order, the imaginary one at first
    H = transfer_function(*point, frequency=0.01)
    assert abs(H.real / d_mu - 1) < 1e-5 and abs(H.imag / d_mu) < 2 * np.pi * 0.01 * 0.2


@pytest.mark.parametrize("point", POINTS)
def test_transfer_function_equals_the_closed_form(point):
    frequencies = [0.3, 10.0, 100.0, 300.0, 1000.0]
    H = transfer_function(*point, frequency=frequencies)
    nu = float(siegert_rate(*point))
    exact = np.array([closed_form(*point, f) * nu for f in frequencies])
    # measured: 1e-8 ... 3e-6 (the largest far below threshold, at 1e-9 Hz)
    assert np.max(np.abs(H / exact - 1)) < 1e-5


@pytest.mark.parametrize("point", POINTS[:4])
def test_spike_train_spectrum(point):
    nu, cv = float(siegert_rate(*point)), float(isi_cv(*point))
    frequencies = np.array([0.0, 5.0, 50.0, 200.0])
    S = spike_train_spectrum(*point, frequency=frequencies)
    assert abs(S[0] / (nu * cv**2) - 1) < 1e-6  # the rate from threshold integration
    for f, s in zip(frequencies[1:], S[1:]):
        F = isi_transform(*point, f)
        exact = nu * ((1 + F) / (1 - F)).real
        assert abs(s / exact - 1) < 1e-5, (f, s, exact)
    # far above the rate the train looks Poisson at short times: S -> nu
    assert abs(spike_train_spectrum(*point, frequency=20_000.0) / nu - 1) < 0.02


def test_broadcasting_and_batches_agree():
    mus = np.array([0.012, 0.016])[:, None]
    f = np.array([1.0, 30.0, 200.0])
    H = transfer_function(mus, 0.004, 0.02, 0.02, 0.01, 0.002, frequency=f)
    assert H.shape == (2, 3)
    single = transfer_function(0.016, 0.004, 0.02, 0.02, 0.01, 0.002, frequency=30.0)
    assert abs(H[1, 1] / single - 1) < 1e-9


def test_eif_transfer_function_zero_frequency():
    """The same threshold integration for the EIF drift: d nu / d mu at f = 0."""
    mu, sigma, tau, V_th, V_r, V_T, Delta_T, ref = (-0.06, 0.006, 0.015, -0.05, -0.075,
                                                   -0.055, 0.001, 0.002)
    H = if_transfer_function(eif_drift(mu, V_T, Delta_T), sigma, tau, V_th, V_r, ref,
                             frequency=[0.0, 100.0, 1000.0])
    d_mu = eif_rate_derivatives(mu, sigma, tau, V_th, V_r, V_T, Delta_T, ref)[0]
    assert abs(H[0] / d_mu - 1) < 1e-4
    # the EIF's response falls as 1/f at high frequencies (Fourcaud-Trocme et al. 2003), the
    # LIF's as 1/sqrt(f): from 100 to 1000 Hz the EIF loses more than a factor sqrt(10)
    assert abs(H[2]) / abs(H[1]) < 1 / np.sqrt(10)


def test_colored_noise_zero_frequency_is_the_derivative_of_its_rate():
    from theory.integrate_and_fire import if_rate_colored_noise
    args = (0.004, 0.02, 0.0005, 0.02, 0.01, 0.002)
    H0 = if_transfer_function(lambda V: 0.016 - V, *args[:2], 0.02, 0.01, 0.002, 0.0005,
                              frequency=0.0, n_V=300, n_eta=30)
    rate = [if_rate_colored_noise(lambda V, m=m: m - V, *args, n_V=300, n_eta=30)
            for m in (0.0159, 0.0161)]
    assert abs(H0 / ((rate[1] - rate[0]) / 2e-4) - 1) < 1e-3


@pytest.mark.parametrize("bad", [dict(frequency=-1.0), dict(frequency=np.nan),
                                 dict(frequency=np.inf), dict(frequency=1.0, method="taylor")])
def test_bad_input(bad):
    with pytest.raises(ParameterError):
        transfer_function(0.015, 0.005, 0.02, 0.02, 0.01, 0.002, 0.001, **bad)

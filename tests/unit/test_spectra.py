"""Count covariances and zero-frequency cross-spectra convert into each other by the one
helper pair in theory.spectra, for the theory's predictions and for simulated counts."""

import numpy as np
import pytest

import balanced_models as bm
from balanced_models.core.analysis import count_covariance
from balanced_models.papers.akil import AkilParameters
from theory.spectra import count_covariance_from_spectrum, spectrum_from_count_covariance


def test_the_conversions_are_inverse_and_akil_uses_them():
    spectrum = np.array([[2.0, 0.1], [0.1, 3.0]])
    counts = count_covariance_from_spectrum(spectrum, 0.25)
    assert np.array_equal(counts, 0.25 * spectrum)
    assert np.allclose(spectrum_from_count_covariance(counts, 0.25), spectrum, rtol=1e-15)
    net = AkilParameters(N=2000, c=0.1).mean_field()
    assert np.array_equal(net.count_covariances(0.25),
                          count_covariance_from_spectrum(net.spectral_covariance(), 0.25))


@pytest.mark.parametrize("bad", [np.nan, np.inf, 0.0, -0.25])
def test_the_window_must_be_positive_and_finite(bad):
    with pytest.raises(bm.ParameterError, match="window"):
        count_covariance_from_spectrum(1.0, bad)
    with pytest.raises(bm.ParameterError, match="window"):
        spectrum_from_count_covariance(1.0, bad)


def test_simulated_count_covariance_of_poisson_trains_is_window_times_rate():
    """Independent Poisson trains at rate r have C~(0) = r on the diagonal and 0 off it:
    their count covariance in windows T is r T and 0, within the sampling error of the
    window counts."""
    rng = np.random.default_rng(1)
    N, rate, T, window = 20, 40.0, 200.0, 0.25
    trains = [np.sort(rng.uniform(0, T, rng.poisson(rate * T))) for _ in range(N)]
    i = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)])
    t = np.concatenate(trains)
    cov, n_windows = count_covariance(i, t, N, 0.0, T, window)
    spectrum = spectrum_from_count_covariance(cov, window)
    # diagonal: the sample variance of Poisson counts (mean m = r T = 10) has SD
    # sqrt(2 m^2 + m) / sqrt(n) per neuron; over 20 neurons the mean's SE is / sqrt(20)
    m = rate * window
    se_var = np.sqrt(2 * m**2 + m) / np.sqrt(n_windows) / np.sqrt(N)
    assert np.mean(np.diag(cov)) == pytest.approx(count_covariance_from_spectrum(rate, window),
                                                  abs=4 * se_var)
    assert np.mean(np.diag(spectrum)) == pytest.approx(rate, abs=4 * se_var / window)
    off = cov[~np.eye(N, dtype=bool)]
    assert abs(off.mean()) < 4 * m / np.sqrt(n_windows * off.size / 2)

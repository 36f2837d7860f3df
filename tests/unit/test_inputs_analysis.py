"""Correlated spike trains and spike-train analysis, against statistics with known error."""

import numpy as np
import pytest
from brian2 import ms

from balanced_models import ParameterError, correlated_spike_trains
from balanced_models.core.analysis import (count_covariance, covariance_estimation_variance,
                                           correlation_from_covariance, firing_rates, isi_cvs,
                                           pair_statistics, shifted_covariance_spread, spike_counts,
                                           spike_statistics)


def mean_pair_correlation(i, t, N, t0, t1, window):
    cov, _ = count_covariance(i, t, N, t0, t1, window)
    r = correlation_from_covariance(cov)
    return r[np.triu_indices(N, 1)].mean()


@pytest.mark.parametrize("c", [0.0, 0.2])
def test_correlated_trains_have_rate_and_count_correlation_c(c):
    N, rate, T, window, jitter = 40, 10.0, 400.0, 0.25, 0.005
    i, t = correlated_spike_trains(N, rate, c, T, jitter=jitter,
                                   rng=np.random.default_rng(3))
    assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() < T
    # mean rate; counts of different trains covary with correlation c
    se_rate = np.sqrt(rate * (1 + (N - 1) * c) / (N * T))
    assert firing_rates(i, t, N, 0, T).mean() == pytest.approx(rate, abs=4 * se_rate)
    # shared spikes are spread by a Gaussian of SD sqrt(2) jitter; the fraction of the
    # covariance mass lost at window edges is E|tau| / window = 2 jitter / (sqrt(pi) window)
    expected = c * (1 - 2 * jitter / (np.sqrt(np.pi) * window))
    blocks = [mean_pair_correlation(i, t, N, b * T / 10, (b + 1) * T / 10, window)
              for b in range(10)]
    se = np.std(blocks, ddof=1) / np.sqrt(10)  # independent time blocks
    measured = mean_pair_correlation(i, t, N, 0, T, window)
    assert measured == pytest.approx(expected, abs=4 * se + 1e-3)


def test_correlated_trains_reject_bad_parameters():
    with pytest.raises(ParameterError, match="c must lie in"):
        correlated_spike_trains(5, 10.0, 1.2, 1.0, rng=np.random.default_rng())
    with pytest.raises(ParameterError, match="rate"):
        correlated_spike_trains(5, -10.0, 0.1, 1.0, rng=np.random.default_rng())
    with pytest.raises(ParameterError, match="duration"):
        correlated_spike_trains(5, 10.0, 0.1, 0.0, rng=np.random.default_rng())
    with pytest.raises(ParameterError, match="rate"):
        correlated_spike_trains(5, 10 * ms, 0.1, 1.0, rng=np.random.default_rng())


def test_rates_and_cvs_of_regular_and_poisson_trains():
    # neuron 0 fires every 10 ms exactly; neuron 1 is Poisson at 50 Hz
    T = 200.0
    reg = np.arange(0.005, T, 0.01)
    rng = np.random.default_rng(5)
    poi = np.sort(rng.uniform(0, T, rng.poisson(50 * T)))
    i = np.concatenate([np.zeros(len(reg), int), np.ones(len(poi), int)])
    t = np.concatenate([reg, poi])
    rates = firing_rates(i, t, 3, 0, T)
    assert rates[0] == pytest.approx(100.0) and rates[2] == 0
    cv = isi_cvs(i, t, 3, 0, T)
    assert cv[0] == pytest.approx(0.0, abs=1e-9)
    n = len(poi) - 1  # sample CV of exponential intervals: SE ~ 1/sqrt(n)
    assert cv[1] == pytest.approx(1.0, abs=4 / np.sqrt(n))
    assert np.isnan(cv[2])
    table = spike_statistics(i, t, 3, 0, T)
    assert list(table["n_spikes"]) == [len(reg), len(poi), 0]
    assert np.allclose(table["rate"], rates) and table["cv"][1] == cv[1]


def test_spike_counts_bins_exactly():
    i = np.array([0, 0, 1, 1, 1])
    t = np.array([0.05, 0.15, 0.05, 0.06, 0.35])
    counts = spike_counts(i, t, 2, 0.0, 0.4, 0.1)
    assert np.array_equal(counts, [[1, 1, 0, 0], [2, 0, 0, 1]])
    with pytest.raises(ParameterError, match="window"):
        spike_counts(i, t, 2, 0.0, 0.4, 0.3)


def test_covariance_estimation_variance_matches_repeated_experiments():
    # independent Poisson counts: var of the estimated covariance is a_i a_j / (n - 1)
    rng = np.random.default_rng(11)
    n_windows, lam, repeats = 50, 5.0, 400
    estimates = []
    for _ in range(repeats):
        counts = rng.poisson(lam, size=(2, n_windows))
        estimates.append(np.cov(counts)[0, 1])
    predicted = covariance_estimation_variance(np.array([[lam, 0], [0, lam]]), n_windows)[0, 1]
    # relative SE of a sample variance from `repeats` values: sqrt(2 / (repeats - 1))
    assert np.var(estimates) == pytest.approx(predicted, rel=4 * np.sqrt(2 / (repeats - 1)))


def test_pair_statistics_corrects_estimation_noise():
    N, T = 60, 200.0
    i, t = correlated_spike_trains(N, 20.0, 0.0, T, rng=np.random.default_rng(2))
    cov, n = count_covariance(i, t, N, 0, T, 0.5)
    table = pair_statistics(cov, n, {"E": slice(0, 40), "I": slice(40, 60)})
    assert list(table["pair"]) == ["EE", "EI", "II"]
    assert list(table["n_pairs"]) == [40 * 39 // 2, 40 * 20, 20 * 19 // 2]
    ee = table.iloc[0]
    # independent trains: the raw spread is pure estimation noise, so the corrected variance
    # is ~0. Covariance estimates of distinct pairs of independent neurons are uncorrelated,
    # so the sample variance over m pairs has a relative SE of about sqrt(2/m).
    rel_se = np.sqrt(2 / ee["n_pairs"])
    assert abs(ee["var_cov"]) < 4 * rel_se * ee["var_cov_raw"]
    assert ee["estimation_noise"] == pytest.approx(ee["var_cov_raw"], rel=4 * rel_se)


def test_shifted_covariance_spread_is_the_estimation_noise():
    """Independent trains: covariances of time-shifted pairs spread by the analytic estimation
    noise, and their scatter over shifts is the sampling error of a variance over m = 40*39
    pairs, sqrt(2/m) times the noise (3.6 %). The mean over 8 shifts is within 4 such SE; the
    SD over 8 shifts (itself uncertain by ~27 %) within a factor 2."""
    N, T, window = 60, 400.0, 0.5
    i, t = correlated_spike_trains(N, 20.0, 0.0, T, rng=np.random.default_rng(7))
    counts = spike_counts(i, t, N, 0, T, window)
    pops = {"E": slice(0, 40), "I": slice(40, 60)}
    table = pair_statistics(np.cov(counts), counts.shape[1], pops).set_index("pair")
    null = shifted_covariance_spread(counts, pops).set_index("pair")
    assert null.shape == (3, 8)
    noise, se = table.estimation_noise["EE"], np.sqrt(2 / (40 * 39)) * table.estimation_noise["EE"]
    assert null.loc["EE"].mean() == pytest.approx(noise, abs=4 * se)
    assert 0.5 * se < null.loc["EE"].std(ddof=1) < 2 * se


def test_power_law_fit_recovers_exponents_and_their_errors():
    from balanced_models.core.analysis import power_law_fit

    N = np.array([1000, 2000, 4000, 8000])
    exact = power_law_fit(N, 3.0 * N**-0.5)
    assert exact["exponent"] == pytest.approx(-0.5, abs=1e-12)
    assert exact["prefactor"] == pytest.approx(3.0, rel=1e-10) and exact["exponent_se"] < 1e-10
    # noisy points with known errors: the exponent's scatter over repetitions matches its SE
    rng = np.random.default_rng(4)
    y0, rel = 3.0 * N**-0.5, 0.1
    fits = [power_law_fit(N, y0 * np.exp(rel * rng.standard_normal(4)), se=rel * y0)
            for _ in range(2000)]
    b = np.array([f["exponent"] for f in fits])
    se_expected = rel / np.sqrt(np.sum((np.log(N) - np.log(N).mean()) ** 2))
    assert b.mean() == pytest.approx(-0.5, abs=4 * se_expected / np.sqrt(len(b)))
    assert b.std() == pytest.approx(se_expected, rel=0.05)  # 2000 draws: 1.6 % SE of an SD
    # the reported SE: from the weights (se / y, y noisy), or larger when the points scatter
    # more than their errors say; typically the true one
    assert np.median([f["exponent_se"] for f in fits]) == pytest.approx(se_expected, rel=0.15)

"""Our spike statistics against Elephant, the field's reference implementation, on the same
spike trains.

The trains are what a simulation emits: spike times on a 0.1 ms grid (so that spikes fall
exactly on window edges), with shared input (so that covariances are not zero), plus a silent
neuron, a neuron with one spike and one with a spike at the end of the window. Where the
definitions agree the results agree to floating-point precision; the two documented
differences are tested as such:

- rates: ours count spikes in [t_start, t_stop), Elephant's ``mean_firing_rate`` with
  explicit limits in [t_start, t_stop] (a spike at t_stop counts; an empty train is an
  error there and 0 Hz here);
- ISI CV: ours is the sample standard deviation (ddof = 1) over the mean, Elephant's
  ``cv`` (``scipy.stats.variation``) the population one (ddof = 0), so
  ours = Elephant's * sqrt(n / (n - 1)) for n intervals.
"""

import numpy as np
import pytest
import quantities as pq
from elephant.conversion import BinnedSpikeTrain
from elephant.spike_train_correlation import correlation_coefficient, covariance
from elephant.statistics import cv, isi, mean_firing_rate
from neo import SpikeTrain
from scipy.stats import variation

from balanced_models.core.analysis import (correlation_from_covariance, count_covariance,
                                           firing_rates, isi_cvs, spike_counts)

DT, T, N = 1e-4, 20.0, 60


@pytest.fixture(scope="module")
def trains():
    rng = np.random.default_rng(11)
    steps = int(round(T / DT))
    common = rng.random(steps) < 5 * DT
    indices, times = [], []
    for n in range(N - 3):
        fire = (rng.random(steps) < 10 * DT) | (common & (rng.random(steps) < 0.5))
        k = np.flatnonzero(fire)
        indices.append(np.full(len(k), n))
        times.append(k * DT)
    # N-3: silent; N-2: one spike; N-1: two spikes, the second exactly at t = 12 s
    indices += [np.array([N - 2]), np.array([N - 1, N - 1])]
    times += [np.array([3.0]), np.array([5.0, 120000 * DT])]
    i, t = np.concatenate(indices), np.concatenate(times)
    neo_trains = [SpikeTrain(t[i == n], units="s", t_start=0.0, t_stop=T) for n in range(N)]
    return i, t, neo_trains


def test_rates_agree_and_differ_only_by_a_spike_at_t_stop(trains):
    i, t, sts = trains
    ours = firing_rates(i, t, N, 0.0, T)
    theirs = np.array([float(mean_firing_rate(st)) for st in sts])
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)
    # a window [2, 12): Elephant also counts the spike at exactly 12 s
    # (Elephant refuses the silent train with explicit limits; ours gives 0 Hz)
    ours = firing_rates(i, t, N, 2.0, 12.0)
    assert ours[N - 3] == 0
    theirs = np.array([float(mean_firing_rate(st, t_start=2.0 * pq.s, t_stop=12.0 * pq.s))
                       if len(st) else 0.0 for st in sts])
    at_stop = np.array([np.any(st.magnitude == 12.0) for st in sts])
    assert at_stop.sum() == 1
    np.testing.assert_allclose(ours[~at_stop], theirs[~at_stop], rtol=1e-15, atol=0)
    np.testing.assert_allclose(theirs[at_stop] - ours[at_stop], 1 / 10.0, rtol=1e-12)


def test_isi_cvs_are_elephants_with_the_sample_standard_deviation(trains):
    i, t, sts = trains
    ours = isi_cvs(i, t, N, 0.0, T)
    n_isi = np.array([max(len(st) - 1, 0) for st in sts])
    enough = n_isi >= 2
    assert enough.sum() == N - 3 and np.all(np.isnan(ours[~enough]))
    theirs = np.array([float(cv(isi(st.magnitude))) for st in sts[:N - 3]])
    correction = np.sqrt(n_isi[:N - 3] / (n_isi[:N - 3] - 1))
    np.testing.assert_allclose(ours[:N - 3], theirs * correction, rtol=1e-12)
    np.testing.assert_allclose(
        ours[:N - 3], [variation(isi(st.magnitude), ddof=1) for st in sts[:N - 3]], rtol=1e-12)
    assert 0.9 < np.mean(ours[:N - 3]) < 1.1  # Poisson-like trains: CV near 1


@pytest.mark.parametrize("window", [0.05, 0.01])
def test_count_covariances_and_correlations_equal_elephants(trains, window):
    """Same bins (spikes on the time grid at a bin edge count in the next bin), same
    unbiased covariance, dense and sparse Elephant paths alike."""
    i, t, sts = trains
    binned = BinnedSpikeTrain(sts, bin_size=window * pq.s, t_start=0 * pq.s, t_stop=T * pq.s)
    np.testing.assert_array_equal(spike_counts(i, t, N, 0.0, T, window), binned.to_array())
    ours, n_windows = count_covariance(i, t, N, 0.0, T, window)
    assert n_windows == binned.n_bins
    np.testing.assert_allclose(ours, covariance(binned), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours, covariance(binned, fast=False), rtol=1e-9, atol=1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = correlation_from_covariance(ours)
        theirs = correlation_coefficient(binned)
    active = np.ones(N, bool)
    active[N - 3] = False   # the silent neuron: no correlation in either
    np.testing.assert_allclose(r[np.ix_(active, active)], theirs[np.ix_(active, active)],
                               rtol=1e-12, atol=1e-14)
    assert np.all(np.isnan(r[N - 3])) and np.all(np.isnan(theirs[N - 3]))
    off = ~np.eye(N, dtype=bool) & np.outer(active, active)
    assert r[off].mean() > 0.01  # the shared input correlates the trains


def test_spikes_on_window_edges_count_in_the_window_that_starts_there():
    """Spike times k * dt that equal an edge of a 50 ms window mathematically, however
    k * dt / window rounds."""
    k = np.arange(0, 200000, 500)            # every edge of a 50 ms window up to 20 s
    t = k * DT
    counts = spike_counts(np.zeros(len(t), int), t, 1, 0.0, T, 0.05)
    np.testing.assert_array_equal(counts[0], np.ones(400))

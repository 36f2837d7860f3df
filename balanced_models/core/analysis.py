"""Analysis of recorded activity: plain arrays in, numpy arrays or pandas DataFrames out.

Spike data are given as (indices, times) arrays, times in seconds, for a population of N
neurons; time windows are [t_start, t_stop) in seconds.
"""

import numpy as np

from theory.errors import ParameterError, require, require_integer

__all__ = ["firing_rates", "isi_cvs", "spike_statistics", "spike_counts",
           "count_covariance", "covariance_estimation_variance", "shifted_covariance_spread",
           "correlation_from_covariance",
           "pair_statistics", "mean_pair_covariances",
           "weight_rate_covariance", "power_law_fit"]


# spikes closer than this (in windows) below a window edge count in the next window
_EDGE_TOLERANCE = 1e-8


def _spikes(indices, times, N):
    """Checked (indices, times) arrays of N neurons."""
    N = require_integer("N", N, low=0)
    require("times", times, unit="s")
    require("indices", indices, low=0, high=N - 1)
    indices, times = np.asarray(indices), np.asarray(times, dtype=float)
    if indices.shape != times.shape or indices.ndim != 1 or \
            not np.issubdtype(indices.dtype, np.integer) and len(indices) and \
            not np.all(indices == np.round(indices)):
        raise ParameterError(f"indices (integers) and times must be 1-d arrays of one length; "
                             f"got shapes {indices.shape} and {times.shape}")
    return indices.astype(np.int64, copy=False), times


def _window(indices, times, t_start, t_stop):
    require("t_start", t_start, unit="s")
    require("t_stop - t_start", t_stop - t_start, low=0.0, low_open=True, unit="s")
    keep = (times >= t_start) & (times < t_stop)
    return np.asarray(indices)[keep], np.asarray(times)[keep]


def firing_rates(indices, times, N, t_start, t_stop):
    """Per-neuron firing rates (Hz) in [t_start, t_stop)."""
    i, _ = _window(*_spikes(indices, times, N), t_start, t_stop)
    return np.bincount(i, minlength=N)[:N] / (t_stop - t_start)


def isi_cvs(indices, times, N, t_start, t_stop, min_intervals=2):
    """Per-neuron coefficient of variation of the inter-spike intervals in [t_start, t_stop).

    NaN for neurons with fewer than ``min_intervals`` intervals.
    """
    i, t = _window(*_spikes(indices, times, N), t_start, t_stop)
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    same = i[1:] == i[:-1]
    isi, owner = np.diff(t)[same], i[1:][same]
    n = np.bincount(owner, minlength=N)[:N].astype(float)
    s1 = np.bincount(owner, isi, minlength=N)[:N]
    s2 = np.bincount(owner, isi * isi, minlength=N)[:N]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = (s2 - n * mean**2) / (n - 1)
        cv = np.sqrt(np.maximum(var, 0.0)) / mean
    return np.where(n >= max(min_intervals, 2), cv, np.nan)


def spike_statistics(indices, times, N, t_start, t_stop):
    """DataFrame with one row per neuron: rate (Hz), cv (ISI CV) and n_spikes."""
    rates = firing_rates(indices, times, N, t_start, t_stop)
    import pandas as pd  # imported when a table is made: keeps the package import light

    return pd.DataFrame({
        "neuron": np.arange(N),
        "rate": rates,
        "cv": isi_cvs(indices, times, N, t_start, t_stop),
        "n_spikes": np.rint(rates * (t_stop - t_start)).astype(int),
    })


def spike_counts(indices, times, N, t_start, t_stop, window):
    """Spike counts in consecutive windows of length ``window`` (s): array (N, n_windows).

    Windows that do not fit completely into [t_start, t_stop) are dropped. Window k is
    [t_start + k window, t_start + (k + 1) window); a spike within 1e-8 windows below an
    edge counts in the window that starts there, so that spike times on the simulation's
    time grid land in the window they belong to whatever the rounding of t / window (the
    rule and tolerance of Elephant's ``BinnedSpikeTrain``, whose counts these equal).
    """
    require("window", window, low=0.0, low_open=True, unit="s")
    n_windows = int(np.floor((t_stop - t_start) / window + 1e-9))
    if n_windows < 2:
        raise ParameterError(f"window must fit at least twice into t_stop - t_start "
                             f"({t_stop - t_start:g} s); got {window:g} s")
    i, t = _window(*_spikes(indices, times, N), t_start, t_start + n_windows * window)
    k = np.floor((t - t_start) / window + _EDGE_TOLERANCE).astype(np.int64)
    keep = k < n_windows
    flat = np.bincount(i[keep] * n_windows + k[keep], minlength=N * n_windows)
    return flat[:N * n_windows].reshape(N, n_windows).astype(float)


def count_covariance(indices, times, N, t_start, t_stop, window):
    """Spike-count covariance matrix (N x N, counts^2) in windows of ``window`` seconds.

    Unbiased sample covariance over the windows. Returns (covariance, n_windows).
    Divide by ``window`` to get covariance densities (Hz), as in the linear-response theory.
    """
    counts = spike_counts(indices, times, N, t_start, t_stop, window)
    return np.cov(counts), counts.shape[1]


def covariance_estimation_variance(covariance, n_windows):
    """Variance of each estimated covariance from finite data (same units^2 as covariance^2).

    For Gaussian counts, var(c_ij_hat) = (a_i a_j + c_ij^2) / (n - 1), a_i = c_ii (Layer et al.
    sec. 5). The variance of the estimated covariances across pairs exceeds the true spread by
    the mean of this over the pairs; subtract it to correct.
    """
    a = np.diag(covariance)
    return (np.outer(a, a) + covariance**2) / (n_windows - 1)


def shifted_covariance_spread(counts, populations, n_shifts=8):
    """Spread of pairwise count covariances with no true covariance: the null distribution
    of the variance of covariances that :func:`pair_statistics` reports.

    counts : (N, n_windows) spike counts (:func:`spike_counts`). For each of ``n_shifts``
    lags s, evenly spaced in [n/4, 3n/4] windows, the covariance between every train and every
    other train circularly shifted by s is computed; the true covariances then vanish while
    each train keeps its rate and autocorrelation, so the variance of these covariances over
    distinct pairs is the estimation noise alone, for that shift. Subtracting the estimation
    noise of the unshifted data leaves values whose scatter over shifts is the standard error
    of the noise-corrected variance, and whose mean is the bias of the analytic noise (about 0
    for weakly correlated trains; with strong shared input the estimation errors of different
    pairs are correlated and the analytic value overstates their spread).

    Returns a DataFrame: one row per pair type ('EE', 'EI', ...), one column per shift
    (counts^4, the units of ``var_cov_raw`` of count covariances).
    """
    import pandas as pd

    counts = np.asarray(counts, dtype=float)
    n = counts.shape[1]
    if n < 8:
        raise ParameterError(f"need at least 8 windows for shifted covariances; got {n}")
    centred = counts - counts.mean(axis=1, keepdims=True)
    shifts = np.unique(np.linspace(n // 4, 3 * n // 4, n_shifts).astype(int))
    names = list(populations)
    index = np.arange(counts.shape[0])
    rows = {}
    for s in shifts:
        shifted = centred @ np.roll(centred, s, axis=1).T / (n - 1)
        for a_pos, a in enumerate(names):
            for b in names[a_pos:]:
                ia, ib = index[populations[a]], index[populations[b]]
                distinct = ia[:, None] != ib[None, :]
                values = shifted[np.ix_(ia, ib)][distinct]
                rows.setdefault(a + b, {"pair": a + b})[f"shift_{s}"] = values.var()
    return pd.DataFrame(list(rows.values()))


def correlation_from_covariance(covariance):
    """Correlation coefficients r_ij = c_ij / sqrt(c_ii c_jj); NaN where a variance is 0."""
    a = np.sqrt(np.diag(covariance))
    with np.errstate(invalid="ignore", divide="ignore"):
        return covariance / np.outer(a, a)


def pair_statistics(covariance, n_windows, populations):
    """Mean and spread of cross-covariances for each pair of populations.

    populations : {name: slice or index array} into the covariance matrix, e.g.
        {'E': slice(0, 800), 'I': slice(800, 1000)}
    Returns a DataFrame with one row per pair type ('EE', 'EI', 'II', ...): the number of
    pairs, mean covariance, raw variance of the covariances, the finite-sample noise
    (mean estimation variance) and the corrected variance (raw - noise), and the mean
    correlation coefficient. Only distinct neurons (i != j) count.
    """
    noise = covariance_estimation_variance(covariance, n_windows)
    corr = correlation_from_covariance(covariance)
    names = list(populations)
    rows = []
    for a_pos, a in enumerate(names):
        for b in names[a_pos:]:
            ia = np.arange(covariance.shape[0])[populations[a]]
            ib = np.arange(covariance.shape[0])[populations[b]]
            block = np.ix_(ia, ib)
            distinct = ia[:, None] != ib[None, :]
            if a == b:
                distinct &= ia[:, None] < ib[None, :]
            c, nz, r = covariance[block][distinct], noise[block][distinct], corr[block][distinct]
            rows.append({"pair": a + b, "n_pairs": c.size, "mean_cov": c.mean(),
                         "var_cov_raw": c.var(), "estimation_noise": nz.mean(),
                         "var_cov": c.var() - nz.mean(), "mean_corr": np.nanmean(r)})
    import pandas as pd

    return pd.DataFrame(rows)


def mean_pair_covariances(counts, populations):
    """Mean count covariance over distinct pairs for each pair of populations, from the
    summed counts (O(N x windows) memory, no N x N matrix; for large N).

    counts : (N, n_windows) spike counts (:func:`spike_counts`)
    populations : {name: slice or index array} into the rows of ``counts``
    Returns {pair name ('EE', 'EI', ...): mean covariance (counts^2)}: cov(S_a, S_b)/(n_a n_b)
    for a != b and (var(S_a) - sum_i var(n_i)) / (n_a (n_a - 1)) within a population, with
    S_a the population's summed count (unbiased sample covariances over the windows).
    """
    names = list(populations)
    rows = np.arange(counts.shape[0])
    idx = {a: rows[populations[a]] for a in names}
    sums = np.array([counts[idx[a]].sum(axis=0) for a in names])
    cov = np.atleast_2d(np.cov(sums))
    out = {}
    for k, a in enumerate(names):
        n_a = len(idx[a])
        own = np.var(counts[idx[a]], axis=1, ddof=1).sum()
        out[a + a] = (cov[k, k] - own) / (n_a * (n_a - 1))
        for m in range(k + 1, len(names)):
            out[a + names[m]] = cov[k, m] / (n_a * len(idx[names[m]]))
    return out


def weight_rate_covariance(post, pre, weights, pre_rates, n_post):
    """The part of the mean recurrent input that comes from weights covarying with the
    presynaptic rates (Akil et al. sec. 4.1, the D of the weight fixed point, times N).

    The realised mean input per postsynaptic neuron, mean_i sum_{k -> i} w_k r_pre(k), minus
    the product of the means, (synapses / n_post) mean(w) mean(r_pre). Zero when weights and
    presynaptic rates are independent.

    Parameters
    ----------
    post, pre : int arrays, the postsynaptic and presynaptic index of every synapse
    weights : float array, the weight of every synapse (any unit)
    pre_rates : float array (Hz), one rate per presynaptic neuron
    n_post : number of postsynaptic neurons

    Returns
    -------
    float
        In the units of weight x rate.
    """
    post, pre = np.asarray(post), np.asarray(pre)
    w, r = np.asarray(weights, dtype=float), np.asarray(pre_rates, dtype=float)
    if not (len(post) == len(pre) == len(w)):
        raise ParameterError("post, pre and weights must have one entry per synapse")
    if isinstance(n_post, bool) or int(n_post) != n_post or n_post < 1:
        raise ParameterError(f"n_post must be an integer >= 1; got {n_post!r}")
    require("weights", w)
    require("pre_rates", r, low=0.0, unit="Hz")
    realised = np.bincount(post, w * r[pre], minlength=n_post).sum() / n_post
    return realised - len(w) / n_post * w.mean() * r.mean()


def power_law_fit(x, y, se=None):
    """Fit y = A x^b by least squares in log-log coordinates.

    Parameters
    ----------
    x, y : arrays of positive values (e.g. network sizes and |simulation / theory - 1|)
    se : standard errors of y, or None. Given, the fit is weighted (the SE of log y is
        se / y) and the exponent's SE comes from the weights, scaled up by sqrt(chi^2 / dof)
        when the points scatter more than their errors say; without them, from the residuals.

    Returns
    -------
    dict
        exponent b and its standard error exponent_se, prefactor A, dof (points - 2) and
        reduced_chi2 (None without ``se``).

    Examples
    --------
    >>> fit = power_law_fit([1000, 2000, 4000, 8000], [0.4, 0.28, 0.2, 0.14])
    >>> round(fit["exponent"], 2)
    -0.5
    """
    x = require("x", np.asarray(x, dtype=float), low=0.0, low_open=True)
    y = require("y", np.asarray(y, dtype=float), low=0.0, low_open=True)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 3:
        raise ParameterError(f"x and y must be 1-d arrays of one length >= 3; got shapes "
                             f"{x.shape} and {y.shape}")
    X = np.column_stack([np.ones_like(x), np.log(x)])
    if se is None:
        w = np.ones_like(x)
    else:
        se = require("se", np.asarray(se, dtype=float), low=0.0, low_open=True)
        if se.shape != y.shape:
            raise ParameterError(f"se must have the shape of y {y.shape}; got {se.shape}")
        w = (y / se) ** 2
    A = X.T @ (w[:, None] * X)
    coef = np.linalg.solve(A, X.T @ (w * np.log(y)))
    residual = np.log(y) - X @ coef
    dof = len(x) - 2
    chi2 = float(np.sum(w * residual**2) / dof) if dof > 0 else np.nan
    cov = np.linalg.inv(A) * (chi2 if se is None else max(1.0, chi2))
    return dict(exponent=float(coef[1]), exponent_se=float(np.sqrt(cov[1, 1])),
                prefactor=float(np.exp(coef[0])), dof=dof,
                reduced_chi2=None if se is None else chi2)

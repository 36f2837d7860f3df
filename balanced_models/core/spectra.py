"""Spectral analysis of recorded activity, in the units of :mod:`theory.dynamics`.

* :func:`population_activity`: the population rate A(t) = (1/N) sum_i s_i(t) in bins (Hz).
* :func:`activity_spectrum`: its power spectrum (Welch: Hann-windowed segments), with the
  standard error of each bin from the spread over segments.
* :func:`activity_cross_spectrum` and :func:`covariance_function`: cross-spectra and
  cross-covariance functions of two binned records.
* :func:`synchrony`: chi, from spike counts.
* :func:`rate_modulation`: the Fourier coefficient of a rate modulated at known frequencies,
  with standard errors from the spectrum of the neighbouring frequency bins.

Spectra are two-sided densities: the Fourier transform of the autocovariance, so that N
independent Poisson neurons at rate nu give a flat nu / N (Hz). Times are in seconds,
frequencies in Hz.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from theory.errors import ParameterError, require, require_integer, require_positive

from .analysis import _spikes, spike_counts

__all__ = ["population_activity", "activity_spectrum", "activity_cross_spectrum",
           "covariance_function", "rate_modulation", "synchrony"]


def population_activity(indices: ArrayLike, times: ArrayLike, N: int, t_start: float,
                        t_stop: float, bin_width: float) -> np.ndarray:
    """The population rate of N neurons in bins: spikes per bin / (N bin_width).

    Parameters
    ----------
    indices : array_like
        Neuron index of each spike (integers in [0, N)).
    times : array_like
        Time of each spike (s).
    N : int
        Number of neurons (>= 1).
    t_start, t_stop : float
        The window [t_start, t_stop) (s); it holds a whole number of bins, at least two
        (the end is cut).
    bin_width : float
        Width of a bin (s, > 0); use the simulation's time step to keep the binning's
        low-pass filter out of the spectrum.

    Returns
    -------
    numpy.ndarray
        A(t) in each bin (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    N = require_integer("N", N, low=1)
    require("t_start", t_start, unit="s")
    require_positive("bin_width", bin_width, "s")
    # all neurons as one: the pooled train's counts (analysis.spike_counts' binning rule)
    pooled = spike_counts(np.zeros(len(np.asarray(indices)), dtype=np.int64),
                          _spikes(indices, times, N)[1], 1, t_start, t_stop, bin_width)[0]
    return pooled / (N * bin_width)


def activity_spectrum(activity: ArrayLike, bin_width: float, segment: float) -> pd.DataFrame:
    """Power spectrum of a binned population rate, by Welch's method, with standard errors.

    The record is cut into non-overlapping segments of length ``segment``; each is
    detrended by its mean, Hann-windowed and Fourier transformed; the periodograms are
    averaged. Non-overlapping segments are independent where the activity's correlation
    time is short against a segment, so the standard error of a bin is the standard
    deviation over segments / sqrt(number of segments).

    Parameters
    ----------
    activity : array_like
        The population rate in consecutive bins (Hz), as from :func:`population_activity`.
    bin_width : float
        Width of a bin (s, > 0).
    segment : float
        Length of a segment (s); at least 2 bins and at most half the record (two
        segments are needed for a standard error).

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency`` (Hz, from 0 to the Nyquist frequency), ``spectrum`` (Hz:
        two-sided density of A) and ``spectrum_se`` (Hz); ``attrs["segments"]``.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> A = rng.poisson(100 * 10.0 * 1e-3, size=200_000) / (100 * 1e-3)  # 100 neurons, 10 Hz
    >>> table = activity_spectrum(A, 1e-3, 1.0)
    >>> round(float(table["spectrum"][5:].mean()), 2)  # nu / N
    0.1
    """
    table = activity_cross_spectrum(activity, activity, bin_width, segment)
    table["spectrum"] = table["spectrum"].to_numpy().real
    return table


def activity_cross_spectrum(first: ArrayLike, second: ArrayLike, bin_width: float,
                            segment: float) -> pd.DataFrame:
    """Cross-spectrum of two binned activities (Welch, as :func:`activity_spectrum`).

    C_ab(f), the Fourier transform of the cross-covariance c_ab(tau) = cov(a(t), b(t + tau)),
    two-sided, the convention of :func:`theory.dynamics.cross_spectra`: a spike train's with
    itself is its power spectrum. The standard error is that of the complex mean over
    segments (real and imaginary parts together: SD of the segments' values / sqrt(number)).

    Parameters
    ----------
    first, second : array_like
        Two records of the same length in the same bins (Hz), e.g. two populations'
        activities or two neurons' spike trains binned (counts / bin width).
    bin_width : float
        Width of a bin (s, > 0).
    segment : float
        Length of a segment (s; 2 bins to half the record).

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency`` (Hz), ``spectrum`` (complex, Hz) and ``spectrum_se`` (Hz);
        ``attrs["segments"]``.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or the records differ in shape.
    """
    x, y = _two_records(first, second, bin_width)
    require("segment", segment, low=2 * bin_width, high=0.5 * len(x) * bin_width,
            unit="s (2 bins to half the record)")
    length = int(round(segment / bin_width))
    n_seg = len(x) // length
    window = np.hanning(length)

    def transforms(z):
        pieces = z[:n_seg * length].reshape(n_seg, length)
        return np.fft.rfft((pieces - pieces.mean(axis=1, keepdims=True)) * window, axis=1)

    periodograms = bin_width * np.conj(transforms(x)) * transforms(y) / np.sum(window**2)
    table = pd.DataFrame({
        "frequency": np.fft.rfftfreq(length, bin_width),
        "spectrum": periodograms.mean(axis=0),
        "spectrum_se": np.sqrt(np.sum(np.abs(periodograms - periodograms.mean(axis=0)) ** 2,
                                      axis=0) / (n_seg - 1) / n_seg),
    })
    table.attrs["segments"] = n_seg
    return table


def _two_records(first, second, bin_width):
    """Two checked records of one length (arrays) and a checked bin width."""
    x, y = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    require("first", x, unit="Hz")
    require("second", y, unit="Hz")
    require_positive("bin_width", bin_width, "s")
    if x.ndim != 1 or x.shape != y.shape:
        raise ParameterError(f"first and second must be 1-d records of one length; got shapes "
                             f"{x.shape} and {y.shape}")
    return x, y


def covariance_function(first: ArrayLike, second: ArrayLike, bin_width: float,
                        max_lag: float) -> pd.DataFrame:
    """Cross-covariance function c_ab(tau) = cov(a(t), b(t + tau)) of two binned activities.

    Computed by FFT over the whole record, with the unbiased normalisation (each lag divided
    by its number of overlapping bins). For binned spike trains the zero-lag bin holds the
    delta peak of an autocovariance as rate / bin width. The theory's counterpart is
    :func:`theory.dynamics.covariance_functions`.

    Parameters
    ----------
    first, second : array_like
        Records of one length in the same bins (Hz).
    bin_width : float
        Width of a bin (s, > 0).
    max_lag : float
        Largest lag (s, >= 0, below half the record).

    Returns
    -------
    pandas.DataFrame
        Columns ``lag`` (s, from -max_lag to max_lag) and ``covariance`` (Hz^2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or the records differ in shape.
    """
    x, y = _two_records(first, second, bin_width)
    require("max_lag", max_lag, low=0.0, high=0.5 * len(x) * bin_width,
            unit="s (below half the record)")
    n, k = len(x), int(round(max_lag / bin_width))
    size = 1 << int(np.ceil(np.log2(2 * n)))
    fx, fy = np.fft.rfft(x - x.mean(), size), np.fft.rfft(y - y.mean(), size)
    full = np.fft.irfft(np.conj(fx) * fy, size)  # sum_t x(t) y(t + lag), lag >= 0 first
    lags = np.arange(-k, k + 1)
    sums = np.concatenate([full[size - k:], full[:k + 1]]) if k else full[:1]
    return pd.DataFrame({"lag": lags * bin_width, "covariance": sums / (n - np.abs(lags))})


def rate_modulation(activity: ArrayLike, bin_width: float, frequencies: ArrayLike, *,
                    time_offset: float = 0.0, neighbours: int = 50,
                    exclude: ArrayLike = ()) -> pd.DataFrame:
    """Amplitude and phase of a rate modulated at known frequencies, with standard errors.

    The coefficient c = (2 / T) sum_n A(t_n) e^(-2 pi i f t_n) dt of a record of length T
    equals H mu_1 for a rate nu + Re[H mu_1 e^(2 pi i f t)]: its modulus is the amplitude of
    the rate modulation and its argument the phase. Each frequency must fit a whole number
    of times into the record. The noise in c comes from the activity's spectrum S near f:
    each of its components has variance 2 S / T. S is estimated from the periodogram of
    the ``neighbours`` frequency bins on either side, leaving out the modulation
    frequencies, their sums and differences and ``exclude``. The amplitude's standard error
    is that component's SD; the phase's is SD / amplitude.

    Parameters
    ----------
    activity : array_like
        The population rate in consecutive bins (Hz); the first bin starts at time 0.
    bin_width : float
        Width of a bin (s, > 0).
    frequencies : array_like
        Modulation frequencies (Hz, > 0, below the Nyquist frequency), each a whole
        number of cycles in the record.
    time_offset : float, optional
        Time of each bin's sample relative to its start (s); e.g. half a bin for spikes
        stamped at the start of the time step in which the threshold was crossed. Default 0.
    neighbours : int, optional
        Frequency bins on either side used for the noise (>= 2). Default 50.
    exclude : array_like, optional
        More frequencies (Hz) to leave out of the noise estimate (e.g. harmonics).

    Returns
    -------
    pandas.DataFrame
        One row per frequency: ``frequency`` (Hz), ``coefficient`` (complex, Hz),
        ``amplitude`` (Hz), ``phase`` (rad), ``amplitude_se`` (Hz), ``phase_se`` (rad),
        ``noise_spectrum`` (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    x = np.asarray(activity, dtype=float)
    require("activity", x, unit="Hz")
    require_positive("bin_width", bin_width, "s")
    require("time_offset", time_offset, unit="s")
    neighbours = require_integer("neighbours", neighbours, low=2)
    f = np.atleast_1d(np.asarray(frequencies, dtype=float))
    T = len(x) * bin_width
    require("frequencies", f, low=0.0, low_open=True, high=0.5 / bin_width, high_open=True,
            unit="Hz (0 to the Nyquist frequency)")
    cycles = f * T
    if np.any(np.abs(cycles - np.round(cycles)) > 1e-6 * np.maximum(cycles, 1.0)):
        raise ParameterError(f"frequencies: each must fit a whole number of times into the "
                             f"record of {T} s; got {f} Hz")
    spectrum = bin_width * np.abs(np.fft.rfft(x - x.mean())) ** 2 / len(x)  # periodogram
    taken = np.concatenate([f, np.abs(f[:, None] + f[None, :]).ravel(),
                            np.abs(f[:, None] - f[None, :]).ravel(),
                            np.atleast_1d(np.asarray(exclude, dtype=float))])
    taken_bins = np.unique(np.round(taken * T).astype(np.int64))
    t = np.arange(len(x)) * bin_width + time_offset
    rows = []
    for freq, k in zip(f, np.round(cycles).astype(np.int64)):
        c = 2.0 / T * np.sum(x * np.exp(-2j * np.pi * freq * t)) * bin_width
        near = np.arange(max(k - neighbours, 1), min(k + neighbours, len(spectrum) - 1) + 1)
        near = near[~np.isin(near, taken_bins)]
        S = float(spectrum[near].mean())
        sd = np.sqrt(2.0 * S / T)
        rows.append({"frequency": freq, "coefficient": c, "amplitude": abs(c),
                     "phase": float(np.angle(c)), "amplitude_se": sd,
                     "phase_se": sd / max(abs(c), 1e-300), "noise_spectrum": S})
    return pd.DataFrame(rows)


def synchrony(indices: ArrayLike, times: ArrayLike, N: int, t_start: float, t_stop: float,
              bin_width: float) -> float:
    """Synchrony chi of N neurons from spike counts in bins (Golomb 2007, with counts).

    chi^2 = Var(mean count over neurons) / mean over neurons of Var(count): 1/N for
    independent neurons, 1 for identical ones. It depends on the bin width: use one of the
    order of the oscillation period one looks for.

    Parameters
    ----------
    indices, times : array_like
        Spikes: neuron indices in [0, N) and times (s).
    N : int
        Number of neurons (>= 2).
    t_start, t_stop : float
        The window (s).
    bin_width : float
        Counting bin (s, > 0; at least 2 bins in the window).

    Returns
    -------
    float
        chi (dimensionless, in [0, 1]); NaN if no neuron's count varies.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    N = require_integer("N", N, low=2)
    require("t_start", t_start, unit="s")
    require_positive("bin_width", bin_width, "s")
    counts = spike_counts(indices, times, N, t_start, t_stop, bin_width)
    individual = counts.var(axis=1).mean()
    if individual == 0:
        return float("nan")
    return float(np.sqrt(counts.mean(axis=0).var() / individual))

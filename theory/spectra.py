"""Spike-train covariances in the units the theory and the simulation use.

The linear-response theory predicts zero-frequency cross-spectral densities C~(0) (Hz: the
integral of the cross-covariance function of two spike trains). A simulation measures
covariances of spike counts in windows of length T (counts^2). For windows much longer
than the correlation times of the trains the two are related by

    count covariance = T C~(0),

and a correlation coefficient of counts is the same in both. These two functions are the
one place this conversion is written; everything that compares a count covariance with a
cross-spectrum goes through them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .errors import require

__all__ = ["count_covariance_from_spectrum", "spectrum_from_count_covariance"]


def count_covariance_from_spectrum(spectrum: ArrayLike, window: float) -> np.ndarray:
    """Count covariance in windows of length ``window`` from a zero-frequency cross-spectrum.

    T C~(0), valid for windows much longer than the correlation times of the trains.

    Parameters
    ----------
    spectrum : float or array_like
        Zero-frequency cross-spectral density C~(0) (Hz), e.g. a matrix over neurons or
        populations.
    window : float
        The counting window T (s, > 0).

    Returns
    -------
    numpy.ndarray
        Count covariances (counts^2), shaped like ``spectrum``.

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or the window is not positive.

    Examples
    --------
    >>> count_covariance_from_spectrum([[2.0, 0.1], [0.1, 3.0]], 0.25)
    array([[0.5  , 0.025],
           [0.025, 0.75 ]])
    """
    require("spectrum", spectrum, unit="Hz")
    require("window", window, low=0.0, low_open=True, unit="s")
    return window * np.asarray(spectrum, dtype=float)


def spectrum_from_count_covariance(count_covariance: ArrayLike, window: float) -> np.ndarray:
    """Zero-frequency cross-spectrum from a count covariance in windows of length ``window``.

    C~(0) = count covariance / T, the inverse of :func:`count_covariance_from_spectrum`.

    Parameters
    ----------
    count_covariance : float or array_like
        Covariances of spike counts in windows of length T (counts^2).
    window : float
        The counting window T (s, > 0).

    Returns
    -------
    numpy.ndarray
        Zero-frequency cross-spectral densities (Hz), shaped like ``count_covariance``.

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or the window is not positive.
    """
    require("count_covariance", count_covariance)
    require("window", window, low=0.0, low_open=True, unit="s")
    return np.asarray(count_covariance, dtype=float) / window

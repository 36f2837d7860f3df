"""Stationary firing of an integrate-and-fire neuron with any drift f(V) under white noise.

The membrane obeys tau_m dV/dt = f(V) + sigma sqrt(tau_m) xi(t) (sigma in the Brunel
convention of :mod:`theory.lif`: the free potential of a LIF neuron has variance
sigma**2 / 2), with an absorbing threshold V_th, reset to V_r and a refractory period
tau_ref. The leaky neuron has f(V) = mu - V; the exponential one (EIF) has
f(V) = mu - V + Delta_T exp((V - V_T) / Delta_T), with V_th its cut-off.

The rate and the ISI CV come from the first two moments of the first-passage time from V_r
to V_th, which solve the backward equations

    (sigma^2 / 2 tau) T_1'' + (f / tau) T_1' = -1,
    (sigma^2 / 2 tau) T_2'' + (f / tau) T_2' = -2 T_1,

with T(V_th) = 0 and a reflecting boundary far below. With phi(V) = (2 / sigma^2) int f:

    T_1(x) = (2 tau / sigma^2) int_x^V_th dy e^(-phi(y)) int_(-inf)^y e^(phi(z)) dz,
    T_2(x) = (4 tau / sigma^2) int_x^V_th dy e^(-phi(y)) int_(-inf)^y T_1(z) e^(phi(z)) dz.

The integrals are computed on a grid (trapezoids) at two resolutions and extrapolated
(Richardson): for the LIF neuron the rate and the CV equal the closed forms of
:mod:`theory.lif` to about 1e-7. This is a threshold-integration scheme in the sense of
Richardson (2007, Phys. Rev. E 76:021919): it integrates from the threshold, and it needs
f(V) only as a function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from .errors import ParameterError, require, require_integer, require_nonnegative, \
    require_positive

__all__ = ["if_rate_and_cv", "eif_drift", "eif_rate", "eif_cv", "eif_rate_derivatives"]


def _passage_moments(drift, sigma, tau_m, V_th, V_r, V_low, n):
    """(T_1, T_2) at V_r on a grid of n intervals from V_low to V_th (V_r on the grid)."""
    k_r = int(round((V_r - V_low) / (V_th - V_low) * n))
    x = np.concatenate([np.linspace(V_low, V_r, k_r + 1)[:-1], np.linspace(V_r, V_th,
                                                                            n - k_r + 1)])
    phi = cumulative_trapezoid(2.0 * np.asarray(drift(x), dtype=float) / sigma**2, x,
                               initial=0.0)
    # e^(phi_k - phi_(k+1)): bounded per step, where e^(+-phi) alone would overflow (the
    # exponential upswing of an EIF neuron makes phi grow by thousands)
    ratio = np.exp(np.diff(-phi)).tolist()
    half = (0.5 * np.diff(x)).tolist()

    def weighted(g):  # int_(V_low)^x g(y) e^(phi(y) - phi(x)) dy, by trapezoids
        out, acc, g = [0.0], 0.0, g.tolist()
        for k, (r, h) in enumerate(zip(ratio, half)):
            acc = acc * r + h * (g[k] * r + g[k + 1])
            out.append(acc)
        return np.array(out)

    def from_threshold(f):  # int_x^V_th f
        return cumulative_trapezoid(f[::-1], -x[::-1], initial=0.0)[::-1]

    T1 = 2.0 * tau_m / sigma**2 * from_threshold(weighted(np.ones_like(x)))
    T2 = 4.0 * tau_m / sigma**2 * from_threshold(weighted(T1))
    return T1[k_r], T2[k_r]


def _lower_bound(drift, sigma, V_r):
    """A potential far enough below the density: 10 sigma under the point below V_r where
    the drift turns positive (the neuron is pushed up from there on)."""
    V = V_r
    for _ in range(10_000):
        if float(drift(np.array([V]))[0]) > 0:
            break
        V -= sigma
    else:
        raise ParameterError("the drift f(V) never turns positive below V_r: no stationary "
                             "state")
    return V - 10.0 * sigma


def if_rate_and_cv(drift: Callable, sigma: float, tau_m: float, V_th: float, V_r: float,
                   tau_ref: float = 0.0, *, V_low: float | None = None,
                   n: int = 4000) -> tuple[float, float]:
    """Stationary rate and ISI CV of an integrate-and-fire neuron with drift f(V).

    Parameters
    ----------
    drift : callable
        f(V) (V): the deterministic part of tau_m dV/dt, vectorised over an array of V.
    sigma : float
        Noise amplitude (V, > 0), Brunel's convention.
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        The absorbing threshold or cut-off (V).
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.
    V_low : float, optional
        Lower end of the grid (V, < V_r); default 10 sigma below the point under V_r where
        the drift turns positive.
    n : int, optional
        Grid intervals of the coarser of the two grids (>= 100). Default 4000.

    Returns
    -------
    rate : float
        The stationary rate (Hz); 0 where it underflows.
    cv : float
        The ISI CV (dimensionless); 1, the Poisson limit, where the moments overflow (rates
        below about 1e-150 Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or there is no stationary state.

    Examples
    --------
    >>> rate, cv = if_rate_and_cv(lambda V: 0.02 - V, 0.005, 0.02, 0.02, 0.01, 0.002)
    >>> round(rate, 4), round(cv, 4)
    (27.3406, 0.5826)
    """
    if not callable(drift):
        raise ParameterError(f"drift must be a function V -> f(V) (V); got {drift!r}")
    require_positive("sigma", sigma, "V")
    require_positive("tau_m", tau_m, "s")
    require("V_th", V_th, unit="V")
    require("V_r", V_r, high=V_th, high_open=True, unit="V (below V_th)")
    require_nonnegative("tau_ref", tau_ref, "s")
    n = require_integer("n", n, low=100)
    if V_low is None:
        V_low = _lower_bound(drift, sigma, V_r)
    require("V_low", V_low, high=V_r, high_open=True, unit="V (below V_r)")
    coarse = _passage_moments(drift, sigma, tau_m, V_th, V_r, V_low, n)
    fine = _passage_moments(drift, sigma, tau_m, V_th, V_r, V_low, 2 * n)
    with np.errstate(over="ignore", invalid="ignore"):
        T1, T2 = ((4.0 * f - c) / 3.0 for f, c in zip(fine, coarse))  # Richardson
        mean_isi = tau_ref + T1
        # CV = sqrt(T2 - T1^2) / mean, written so that it does not overflow for huge T1
        cv = np.sqrt(max((T2 / T1) / T1 - 1.0, 0.0)) * T1 / mean_isi
    if not np.isfinite(cv):
        cv = 1.0  # far below threshold (rates below about 1e-150 Hz): Poisson firing
    return float(1.0 / mean_isi), float(cv)


def eif_drift(mu: float, V_T: float, Delta_T: float) -> Callable:
    """The drift of the exponential integrate-and-fire neuron.

    f(V) = mu - V + Delta_T exp((V - V_T) / Delta_T).

    Parameters
    ----------
    mu : float
        Mean input: leak reversal plus the mean synaptic and external input (V).
    V_T : float
        Soft threshold (V).
    Delta_T : float
        Slope factor (V, > 0).

    Returns
    -------
    callable
        V -> f(V) (V), vectorised.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require("mu", mu, unit="V")
    require("V_T", V_T, unit="V")
    require_positive("Delta_T", Delta_T, "V")

    def f(V):
        V = np.asarray(V, dtype=float)
        return mu - V + Delta_T * np.exp(np.minimum((V - V_T) / Delta_T, 700.0))

    return f


def _eif(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref):
    shape = np.broadcast(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref).shape
    args = [np.broadcast_to(np.asarray(a, dtype=float), shape).ravel()
            for a in (mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref)]
    out = np.array([if_rate_and_cv(eif_drift(m, vt, dT), s, tm, vth, vr, ref)
                    for m, s, tm, vth, vr, vt, dT, ref in zip(*args)])
    return out[:, 0].reshape(shape), out[:, 1].reshape(shape)


def eif_rate(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
             V_r: ArrayLike, V_T: ArrayLike, Delta_T: ArrayLike,
             tau_ref: ArrayLike = 0.0) -> np.ndarray:
    """Stationary rate of the EIF neuron under white noise (threshold integration).

    Parameters
    ----------
    mu : float or array_like
        Mean input (V).
    sigma : float or array_like
        Noise amplitude (V, > 0), Brunel's convention.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        The cut-off where a spike is counted (V).
    V_r : float or array_like
        Reset (V, < V_th).
    V_T : float or array_like
        Soft threshold (V).
    Delta_T : float or array_like
        Slope factor (V, > 0).
    tau_ref : float or array_like, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        The rate (Hz), broadcast over the arguments.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    return _eif(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref)[0]


def eif_cv(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
           V_r: ArrayLike, V_T: ArrayLike, Delta_T: ArrayLike,
           tau_ref: ArrayLike = 0.0) -> np.ndarray:
    """ISI CV of the EIF neuron under white noise (threshold integration).

    Parameters
    ----------
    mu : float or array_like
        Mean input (V).
    sigma : float or array_like
        Noise amplitude (V, > 0), Brunel's convention.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        The cut-off where a spike is counted (V).
    V_r : float or array_like
        Reset (V, < V_th).
    V_T : float or array_like
        Soft threshold (V).
    Delta_T : float or array_like
        Slope factor (V, > 0).
    tau_ref : float or array_like, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        The CV (dimensionless), broadcast over the arguments.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    return _eif(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref)[1]


def eif_rate_derivatives(mu: float, sigma: float, tau_m: float, V_th: float, V_r: float,
                         V_T: float, Delta_T: float,
                         tau_ref: float = 0.0) -> tuple[float, float]:
    """Derivatives of :func:`eif_rate` with respect to mu and sigma**2 (central differences).

    Parameters
    ----------
    mu : float
        Mean input (V).
    sigma : float
        Noise amplitude (V, > 0), Brunel's convention.
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        The cut-off where a spike is counted (V).
    V_r : float
        Reset (V, < V_th).
    V_T : float
        Soft threshold (V).
    Delta_T : float
        Slope factor (V, > 0).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    dnu_dmu : float
        d nu / d mu (Hz/V).
    dnu_dsigma2 : float
        d nu / d sigma**2 (Hz/V**2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_positive("sigma", sigma, "V")
    h_mu, h_s2 = 1e-3 * sigma, 1e-3 * sigma**2

    def rate(m, s2):
        return float(eif_rate(m, np.sqrt(s2), tau_m, V_th, V_r, V_T, Delta_T, tau_ref))

    s2 = sigma**2
    return ((rate(mu + h_mu, s2) - rate(mu - h_mu, s2)) / (2 * h_mu),
            (rate(mu, s2 + h_s2) - rate(mu, s2 - h_s2)) / (2 * h_s2))

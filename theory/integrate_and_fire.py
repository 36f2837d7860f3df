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

Synaptic filtering (colored noise): with exponential synapses the noise is an
Ornstein-Uhlenbeck process eta with time constant tau_s,

    tau_m dV/dt = f(V) + eta,    tau_s d(eta)/dt = -eta + sigma sqrt(tau_m) xi(t),

(the same sigma: as tau_s -> 0 it becomes the white noise above). The stationary rate is the
flux of the two-dimensional Fokker-Planck equation for (V, eta) through V_th:
:func:`if_rate_colored_noise` solves that equation on a grid (finite volumes, upwind in V,
central in eta; the refractory period propagates eta by the Ornstein-Uhlenbeck transition
density before reinjection at V_r). It is exact up to the grid, which converges at first
order in V and second order in eta; three grids and Richardson extrapolation give about
0.3 % for the rates in the tests. With ``noise_gain`` the noise enters as k(V) eta
(multiplicative: conductance fluctuations act through the driving force). There is no boundary-layer approximation (Fourcaud & Brunel 2002), so it holds at
tau_s comparable to tau_m, where the papers' EIF networks are (tau_s / tau_m = 0.27-0.67).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
import scipy.sparse as sparse
from scipy.integrate import cumulative_trapezoid
from scipy.sparse.linalg import spsolve
from scipy.special import ndtr

from .errors import ParameterError, require, require_integer, require_nonnegative, \
    require_positive

__all__ = ["if_rate_and_cv", "if_rate_colored_noise", "if_transfer_function", "variance_matched_time_constant",
           "eif_drift", "eif_rate", "eif_cv",
           "eif_rate_derivatives"]


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


def _check_neuron(drift, sigma, tau_m, V_th, V_r, tau_ref):
    if not callable(drift):
        raise ParameterError(f"drift must be a function V -> f(V) (V); got {drift!r}")
    require_positive("sigma", sigma, "V")
    require_positive("tau_m", tau_m, "s")
    require("V_th", V_th, unit="V")
    require("V_r", V_r, high=V_th, high_open=True, unit="V (below V_th)")
    require_nonnegative("tau_ref", tau_ref, "s")


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
    _check_neuron(drift, sigma, tau_m, V_th, V_r, tau_ref)
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


def _fokker_planck_system(drift, sigma, tau_m, tau_s, V_th, V_r, tau_ref, V_low, gain, n_V,
                          n_eta, width=5.0):
    """The (V, eta) Fokker-Planck equation on n_V x n_eta finite volumes (eta spans +-width
    standard deviations; the noise enters V as gain(V) eta, gain None: 1).

    Returns (transport, reinjection, out, source, geometry): dP/dt = (transport +
    reinjection) P, with reinjection the flux through V_th put back at V_r after tau_ref;
    ``out`` per eta cell the outflux rate at V_th (rate = sum(out P[-1]) volume); ``source``
    the derivative of the transport's flux divergence at P with respect to a shift of the
    V-velocity (in units of dV per second), with the extra outflux through V_th it causes;
    and the geometry (dV, d(eta), reset cell, cell indices, eta transition matrix).
    """
    s = sigma * np.sqrt(tau_m / (2.0 * tau_s))  # standard deviation of eta (V)
    D = s * s / tau_s                            # its diffusion coefficient (V^2/s)
    V = np.linspace(V_low, V_th, n_V + 1)        # cell edges
    eta = np.linspace(-width * s, width * s, n_eta + 1)
    dV, de = V[1] - V[0], eta[1] - eta[0]
    centres = 0.5 * (eta[1:] + eta[:-1])
    cell = np.arange(n_V * n_eta).reshape(n_V, n_eta)
    scale = np.ones_like(V) if gain is None else np.asarray(gain(V), dtype=float)
    speed = (np.asarray(drift(V), dtype=float)[:, None]
             + scale[:, None] * centres[None, :]) / tau_m / dV
    up, down = np.maximum(speed, 0.0), np.minimum(speed, 0.0)  # upwind fluxes in V
    left, right = cell[:-1], cell[1:]
    rows = [left, left, right, right]
    cols = [left, right, left, right]
    vals = [-up[1:-1], -down[1:-1], up[1:-1], down[1:-1]]
    out = up[-1]  # per eta cell: the outflux rate at V_th
    # reinjection at V_r after tau_ref, eta moved by the Ornstein-Uhlenbeck transition density
    decay = np.exp(-tau_ref / tau_s)
    spread = max(s * np.sqrt(1.0 - decay * decay), 1e-12 * s)
    moved = (ndtr((eta[1:, None] - decay * centres[None, :]) / spread)
             - ndtr((eta[:-1, None] - decay * centres[None, :]) / spread))  # [to, from]
    k_r = min(int((V_r - V_low) // dV), n_V - 1)
    to, frm = np.meshgrid(np.arange(n_eta), np.arange(n_eta), indexing="ij")
    rows += [cell[-1]]
    cols += [cell[-1]]
    vals += [-out]
    drift_eta = -eta[1:-1] / tau_s  # eta fluxes: central drift, diffusion
    c_left = np.broadcast_to((drift_eta / 2 + D / de) / de, cell[:, :-1].shape)
    c_right = np.broadcast_to((drift_eta / 2 - D / de) / de, cell[:, :-1].shape)
    a, b = cell[:, :-1], cell[:, 1:]
    rows += [a, a, b, b]
    cols += [a, b, a, b]
    vals += [-c_left, -c_right, c_left, c_right]
    size = n_V * n_eta
    transport = sparse.csc_matrix(
        tuple([np.concatenate([np.ravel(x) for x in vals]),
               tuple(np.concatenate([np.ravel(x) for x in g]) for g in (rows, cols))]),
        shape=(size, size))
    reinjection = sparse.csc_matrix(
        ((moved * out[None, :]).ravel(), (cell[k_r][to].ravel(), cell[-1][frm].ravel())),
        shape=(size, size))

    def source(P):
        """d/d(shift) of the flux divergence at P (per unit shift of speed), and the extra
        outflux through V_th (per eta cell, times volume gives a rate)."""
        P = P.reshape(n_V, n_eta)
        face = np.where(speed[1:-1] > 0, P[:-1], np.where(speed[1:-1] < 0, P[1:], 0.0))
        dP = np.zeros((n_V, n_eta), dtype=P.dtype)
        dP[:-1] -= face
        dP[1:] += face
        extra = np.where(speed[-1] > 0, P[-1], 0.0)
        dP[-1] -= extra
        return dP.ravel(), extra

    return transport, reinjection, out, source, (dV, de, k_r, cell, moved)


def _fokker_planck_rate(drift, sigma, tau_m, tau_s, V_th, V_r, tau_ref, V_low, gain, n_V,
                        n_eta, width=5.0, frequencies=()):
    """Stationary flux through V_th of the (V, eta) Fokker-Planck equation, and the rate
    response to a modulation of the mean input at each of ``frequencies`` (Hz/V)."""
    transport, reinjection, out, source, (dV, de, k_r, cell, moved) = _fokker_planck_system(
        drift, sigma, tau_m, tau_s, V_th, V_r, tau_ref, V_low, gain, n_V, n_eta, width)
    size = n_V * n_eta
    # the equations are singular by one: the first becomes the normalisation, total mass
    # (density plus refractory mass nu tau_ref) = 1
    A = (transport + reinjection).tocsr()
    norm = np.full(size, dV * de)
    norm[cell[-1]] += tau_ref * out * dV * de
    M = sparse.vstack([sparse.csr_matrix(norm[None, :]), A[1:]]).tocsc()
    rhs = np.zeros(size)
    rhs[0] = 1.0
    P = spsolve(M, rhs)
    rate = float(np.sum(out * P.reshape(n_V, n_eta)[-1]) * dV * de)
    responses = []
    if len(frequencies):
        shift = 1.0 / (tau_m * dV)  # speed shift per V of mean input
        dP, extra = source(P)
        eye = sparse.identity(size, format="csc")
        for f in frequencies:
            w = 2.0 * np.pi * f
            # the extra outflux is reinjected too, tau_ref later
            back = np.zeros(size, dtype=complex)
            back[cell[k_r]] = moved @ extra * np.exp(-1j * w * tau_ref)
            rhs = -shift * (dP + back)
            if f == 0:  # singular by one, as above: the total mass stays 1
                rhs[0] = -tau_ref * shift * np.sum(extra) * dV * de
                P1 = spsolve(M.astype(complex), rhs)
            else:
                A_w = transport + reinjection * np.exp(-1j * w * tau_ref) - 1j * w * eye
                P1 = spsolve(A_w.tocsc(), rhs)
            nu1 = (np.sum(out * P1.reshape(n_V, n_eta)[-1]) + shift * np.sum(extra)) * dV * de
            responses.append(nu1)
    return rate, np.array(responses, dtype=complex)


def if_rate_colored_noise(drift: Callable, sigma: float, tau_m: float, tau_s: float,
                          V_th: float, V_r: float, tau_ref: float = 0.0, *,
                          noise_gain: Callable | None = None, V_low: float | None = None,
                          n_V: int = 300, n_eta: int = 30) -> float:
    """Stationary rate of an integrate-and-fire neuron with drift f(V) and synaptically
    filtered (Ornstein-Uhlenbeck) noise: tau_m dV/dt = f(V) + k(V) eta with
    tau_s d(eta)/dt = -eta + sigma sqrt(tau_m) xi (module documentation); k = 1 unless
    ``noise_gain`` gives it (multiplicative noise: conductance input, whose fluctuations
    drive V in proportion to the driving force E - V).

    The two-dimensional Fokker-Planck equation is solved on n_V x n_eta, 2 n_V x n_eta and
    n_V x 2 n_eta finite volumes and the rates extrapolated (Richardson: the error is first
    order in V, second order in eta).

    Parameters
    ----------
    drift : callable
        f(V) (V): the deterministic part of tau_m dV/dt, vectorised over an array of V.
    sigma : float
        Noise amplitude (V, > 0), Brunel's convention (the white-noise limit's).
    tau_m : float
        Membrane time constant (s, > 0).
    tau_s : float
        Synaptic time constant, the noise's correlation time (s, > 0).
    V_th : float
        Threshold or cut-off (V); the neuron fires where the flux crosses it.
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0; the noise evolves during it). Default 0.
    noise_gain : callable, optional
        V -> k(V) (dimensionless, vectorised): the noise's strength at V relative to sigma.
        Default None: 1 (additive noise).
    V_low : float, optional
        Lower end of the grid (V, < V_r); default 7 standard deviations of the filtered
        free potential below the point under V_r where the drift turns positive.
    n_V : int, optional
        Volumes in V of the coarser grid (>= 50). Default 300.
    n_eta : int, optional
        Volumes in eta, over +-5 of its standard deviations (>= 20). Default 30.

    Returns
    -------
    float
        The stationary rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or there is no stationary state.

    Examples
    --------
    >>> from theory.integrate_and_fire import eif_drift
    >>> f = eif_drift(-0.0655, V_T=-0.055, Delta_T=0.001)
    >>> round(if_rate_colored_noise(f, 0.013, 0.015, 0.008, -0.05, -0.075), 2)
    4.02
    """
    _check_neuron(drift, sigma, tau_m, V_th, V_r, tau_ref)
    require_positive("tau_s", tau_s, "s")
    n_V = require_integer("n_V", n_V, low=50)
    n_eta = require_integer("n_eta", n_eta, low=20)
    if V_low is None:
        V_low = _colored_lower_bound(drift, sigma, tau_m, tau_s, V_r)
    require("V_low", V_low, high=V_r, high_open=True, unit="V (below V_r)")
    if noise_gain is not None and not callable(noise_gain):
        raise ParameterError(f"noise_gain must be a function V -> gain or None; got "
                             f"{noise_gain!r}")
    args = (drift, sigma, tau_m, tau_s, V_th, V_r, tau_ref, V_low, noise_gain)
    return max(_extrapolated_fokker_planck(args, n_V, n_eta)[0], 0.0)


def _extrapolated_fokker_planck(args, n_V, n_eta, frequencies=()):
    """Rate and responses on n_V x n_eta, 2 n_V x n_eta and n_V x 2 n_eta volumes, combined
    so that the first-order error in V (upwind) and the second-order one in eta (central)
    cancel."""
    (r0, H0), (r1, H1), (r2, H2) = (
        _fokker_planck_rate(*args, a, b, frequencies=frequencies)
        for a, b in ((n_V, n_eta), (2 * n_V, n_eta), (n_V, 2 * n_eta)))
    return (2.0 * r1 - r0 + 4.0 / 3.0 * (r2 - r0), 2.0 * H1 - H0 + 4.0 / 3.0 * (H2 - H0))


def _colored_lower_bound(drift, sigma, tau_m, tau_s, V_r):
    free = sigma * np.sqrt(tau_m / (2.0 * (tau_m + tau_s)))  # filtered free potential SD
    return _lower_bound(drift, free, V_r) + 3.0 * free


def if_transfer_function(drift: Callable, sigma: float, tau_m: float, V_th: float, V_r: float,
                         tau_ref: float = 0.0, tau_s: float = 0.0, *, frequency: ArrayLike,
                         noise_gain: Callable | None = None, V_low: float | None = None,
                         n_V: int = 600, n_eta: int = 60) -> np.ndarray:
    """Rate response of an integrate-and-fire neuron with drift f(V) to a modulation of its
    mean input: f -> f + mu_1 cos(2 pi f t) gives nu + Re[H(f) mu_1 e^(2 pi i f t)].

    * tau_s = 0 (white noise): threshold integration of the Fokker-Planck equation
      (Richardson 2007), two grids and Richardson extrapolation; for the LIF neuron it
      equals the closed form of Brunel & Hakim (1999) to 2e-8 at rates of 7-99 Hz
      (:func:`theory.lif.transfer_function`). Fast: all frequencies in one pass.
    * tau_s > 0 (exponential synapses, the noise an Ornstein-Uhlenbeck process): the linear
      response of the two-dimensional (V, eta) Fokker-Planck equation of
      :func:`if_rate_colored_noise`, one sparse solve per frequency on each of its three
      grids, extrapolated. No expansion in tau_s / tau_m: at high frequencies the response
      of a neuron with colored noise stays large where the white-noise and the
      shifted-threshold theories fall as 1 / sqrt(f). About 1.5 s per frequency with the
      default grids, converged to about 1.5 % in amplitude and 0.02 rad in phase up to
      300 Hz at tau_s / tau_m = 0.025 and 0.1.

    The synapse's low-pass 1 / (1 + 2 pi i f tau_s), through which the mean input reaches
    the membrane, is not included (:mod:`theory.dynamics` multiplies by it).

    Parameters
    ----------
    drift : callable
        f(V) (V), vectorised over an array of V.
    sigma : float
        Noise amplitude (V, > 0), Brunel's convention.
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        Threshold or cut-off (V).
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.
    tau_s : float, optional
        Synaptic time constant (s, >= 0; 0: white noise). Default 0.
    frequency : array_like
        Frequencies (Hz, >= 0); keyword only.
    noise_gain : callable, optional
        Multiplicative noise as in :func:`if_rate_colored_noise` (tau_s > 0 only).
    V_low : float, optional
        Lower end of the grid (V, < V_r); default as in :func:`if_rate_and_cv` and
        :func:`if_rate_colored_noise`.
    n_V, n_eta : int, optional
        The colored-noise grid's coarsest volumes in V and eta (>= 50, >= 20). Defaults
        600 and 60.

    Returns
    -------
    numpy.ndarray
        H(f) (Hz/V), complex, in the shape of ``frequency``.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or there is no stationary state.

    Examples
    --------
    >>> H = if_transfer_function(lambda V: 0.015 - V, 0.005, 0.02, 0.02, 0.01, 0.002,
    ...                          frequency=[0.0, 100.0])
    >>> np.round(np.abs(H), 1)
    array([2907.3,  865.8])
    """
    _check_neuron(drift, sigma, tau_m, V_th, V_r, tau_ref)
    require_nonnegative("tau_s", tau_s, "s")
    require_nonnegative("frequency", frequency, "Hz")
    f = np.asarray(frequency, dtype=float)
    if tau_s == 0:
        if noise_gain is not None:
            raise ParameterError("noise_gain: multiplicative noise is implemented for "
                                 "tau_s > 0 only")
        if V_low is None:
            V_low = _lower_bound(drift, sigma, V_r)
        require("V_low", V_low, high=V_r, high_open=True, unit="V (below V_r)")
        from ._threshold_integration import _response as response
        def reduced(y):
            return np.asarray(drift(y * sigma), dtype=float) / sigma

        def one(v):
            return np.array([v / sigma])

        _, H, _, _ = response(reduced, one(V_low), one(V_r), one(V_th),
                              np.array([tau_ref / tau_m]), 2 * np.pi * tau_m * f.reshape(1, -1))
        return (H[0] / (tau_m * sigma)).reshape(f.shape)
    n_V = require_integer("n_V", n_V, low=50)
    n_eta = require_integer("n_eta", n_eta, low=20)
    if V_low is None:
        V_low = _colored_lower_bound(drift, sigma, tau_m, tau_s, V_r)
    require("V_low", V_low, high=V_r, high_open=True, unit="V (below V_r)")
    if noise_gain is not None and not callable(noise_gain):
        raise ParameterError(f"noise_gain must be a function V -> gain or None; got "
                             f"{noise_gain!r}")
    args = (drift, sigma, tau_m, tau_s, V_th, V_r, tau_ref, V_low, noise_gain)
    return _extrapolated_fokker_planck(args, n_V, n_eta, f.ravel())[1].reshape(f.shape)


def variance_matched_time_constant(variances: ArrayLike, taus: ArrayLike,
                                   tau_m: ArrayLike) -> np.ndarray:
    """One synaptic time constant for input through channels with several: the tau_s whose
    filtered free membrane potential has the same variance,

        tau_m / (tau_m + tau_eff) = sum_c w_c tau_m / (tau_m + tau_c),  w_c = variances_c / sum,

    the input of :func:`if_rate_colored_noise`. Against Brian2, EIF neurons with 4, 8 and
    10 ms channels (Gaussian input, 4,000 neurons, 1.6-4.4 Hz) fire 3-4 % above the rate it
    gives: a mixture of fast and slow noise crosses threshold more easily than one time
    constant with the same variance.

    Parameters
    ----------
    variances : array_like, shape (..., channels)
        Each channel's part of the input variance (any unit, >= 0; not all 0 on a row).
    taus : array_like, shape (..., channels)
        The channels' synaptic time constants (s, >= 0).
    tau_m : float or array_like, shape (...)
        Membrane time constant (s, > 0).

    Returns
    -------
    numpy.ndarray, shape (...)
        The effective time constant (s).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or a row has no variance.

    Examples
    --------
    >>> float(variance_matched_time_constant([1.0, 1.0], [0.004, 0.004], 0.015))
    0.004
    """
    require_nonnegative("variances", variances)
    require_nonnegative("taus", taus, "s")
    require_positive("tau_m", tau_m, "s")
    v, t = np.broadcast_arrays(np.asarray(variances, float), np.asarray(taus, float))
    total = v.sum(axis=-1)
    if np.any(total <= 0):
        raise ParameterError("variances must not all be 0 on a row")
    tau_m = np.asarray(tau_m, float)
    share = np.sum(v / total[..., None] / (tau_m[..., None] + t), axis=-1)
    return np.maximum(1.0 / share - tau_m, 0.0)


def eif_drift(mu: float, V_T: float, Delta_T: float, gain: float = 1.0) -> Callable:
    """The drift of the exponential integrate-and-fire neuron.

    f(V) = mu - V + gain Delta_T exp((V - V_T) / Delta_T).

    Parameters
    ----------
    mu : float
        Mean input: leak reversal plus the mean synaptic and external input (V).
    V_T : float
        Soft threshold (V).
    Delta_T : float
        Slope factor (V, > 0).
    gain : float, optional
        The exponential current relative to the leak (> 0). Default 1; under conductance
        input, whose mean shortens the membrane time constant from tau_m to tau, the drift
        of tau dV/dt has gain tau / tau_m.

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
    require_positive("gain", gain)

    def f(V):
        V = np.asarray(V, dtype=float)
        return mu - V + gain * Delta_T * np.exp(np.minimum((V - V_T) / Delta_T, 700.0))

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
             tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0) -> np.ndarray:
    """Stationary rate of the EIF neuron under white noise (threshold integration) or noise
    filtered by exponential synapses (:func:`if_rate_colored_noise`).

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
    tau_s : float or array_like, optional
        Synaptic time constant, the noise's correlation time (s, >= 0). Default 0: white
        noise.

    Returns
    -------
    numpy.ndarray
        The rate (Hz), broadcast over the arguments.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    if np.all(np.asarray(tau_s) == 0):
        return _eif(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref)[0]
    require_nonnegative("tau_s", tau_s, "s")
    shape = np.broadcast(mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref, tau_s).shape
    args = [np.broadcast_to(np.asarray(a, dtype=float), shape).ravel()
            for a in (mu, sigma, tau_m, V_th, V_r, V_T, Delta_T, tau_ref, tau_s)]
    out = [if_rate_colored_noise(eif_drift(m, vt, dT), s, tm, ts, vth, vr, ref) if ts > 0
           else if_rate_and_cv(eif_drift(m, vt, dT), s, tm, vth, vr, ref)[0]
           for m, s, tm, vth, vr, vt, dT, ref, ts in zip(*args)]
    return np.array(out).reshape(shape)


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

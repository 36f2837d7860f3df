"""Spike-frequency adaptation in the working point: the adiabatic approximation.

An adapting integrate-and-fire neuron (AdEx; Brette & Gerstner 2005), written per unit
capacitance as everywhere in this package, carries an adaptation current w (V/s):

    dV/dt = f(V)/tau_m + I_syn(t) - w,        tau_w dw/dt = a (V - E_L) - w,

and w jumps by b at each spike. Where tau_w is long against the membrane and the interspike
intervals, w barely moves between spikes and can be replaced by its stationary mean
(adiabatic, or mean-adaptation, approximation; La Camera et al. 2004, Richardson 2009). The
mean follows exactly from the stationary average of the w equation,

    w_bar = a (<V> - E_L) + b tau_w nu,

and the neuron fires as one without adaptation whose mean input is lowered by tau w_bar
(tau the effective membrane time constant: tau_m for current synapses, the faster
conductance-loaded one for conductance synapses).

The mean potential <V> comes from the stationary average of the membrane equation. Outside the
refractory period, <dV/dt> = 0 balances the drift towards the free mean mu against the resets,
each of which moves V down by V_th - V_r: <V>_free = mu - tau (V_th - V_r) nu / (1 - nu tau_ref).
During the refractory period V sits at V_r. So

    <V> = (1 - nu tau_ref) mu - tau (V_th - V_r) nu + nu tau_ref V_r,

exact for the LIF under white noise (the Fokker-Planck balance of the drift and the reset flux);
for the EIF it leaves out the mean of the exponential current, which is small where V rarely
nears V_T; for exponential synapses it takes the synaptic current as uncorrelated with the
refractory state. With mu = mu_0 - tau w_bar this makes w_bar the solution of one linear
equation (:func:`mean_adaptation_current`).

What the approximation leaves out: the fluctuations of w. Each spike adds b, so w carries shot
noise of variance b^2 nu tau_w / 2 around w_bar, slow noise that the neuron's rate averages
over its non-linear rate curve; and w's correlation with the neuron's own spikes, which
regularises them. Both grow with b.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from scipy.optimize import brentq

from .errors import ParameterError, require, require_nonnegative, require_positive

__all__ = ["mean_adaptation_current", "mean_potential", "deterministic_interval"]


def mean_potential(rate: ArrayLike, mu: ArrayLike, tau: ArrayLike, V_th: ArrayLike,
                   V_r: ArrayLike, tau_ref: ArrayLike) -> np.ndarray:
    """The stationary mean membrane potential of an integrate-and-fire neuron firing at
    ``rate``: <V> = (1 - nu tau_ref) mu - tau (V_th - V_r) nu + nu tau_ref V_r (module doc).

    Parameters
    ----------
    rate : array_like
        Firing rate nu (Hz, >= 0, nu tau_ref < 1).
    mu : array_like
        Free mean potential, the mean V would reach without threshold (V).
    tau : array_like
        Effective membrane time constant (s, > 0).
    V_th, V_r : array_like
        Threshold and reset (V).
    tau_ref : array_like
        Refractory period (s, >= 0).

    Returns
    -------
    numpy.ndarray
        <V> (V): exact for the LIF under white noise; for the EIF without the mean of the
        exponential current.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    A LIF neuron (tau = 20 ms, threshold 20 mV, reset 10 mV) at 10 Hz loses 2 mV to its
    resets:

    >>> float(mean_potential(10.0, 0.015, 0.02, 0.02, 0.01, 0.0))
    0.013
    """
    nu = np.asarray(require_nonnegative("rate", rate, unit="Hz"), dtype=float)
    mu = np.asarray(require("mu", mu, unit="V"), dtype=float)
    tau = np.asarray(require_positive("tau", tau, unit="s"), dtype=float)
    V_th = np.asarray(require("V_th", V_th, unit="V"), dtype=float)
    V_r = np.asarray(require("V_r", V_r, unit="V"), dtype=float)
    tau_ref = np.asarray(require_nonnegative("tau_ref", tau_ref, unit="s"), dtype=float)
    require("rate * tau_ref", nu * tau_ref, low=0.0, high=1.0, high_open=True)
    return (1 - nu * tau_ref) * mu - tau * (V_th - V_r) * nu + nu * tau_ref * V_r


def mean_adaptation_current(rate: ArrayLike, mu_0: ArrayLike, tau: ArrayLike, a: ArrayLike,
                            b: ArrayLike, tau_w: ArrayLike, E_L: ArrayLike, V_th: ArrayLike,
                            V_r: ArrayLike, tau_ref: ArrayLike) -> np.ndarray:
    """The stationary mean adaptation current w_bar (V/s) of a neuron firing at ``rate``.

    w_bar = a (<V> - E_L) + b tau_w nu, where <V> (:func:`mean_potential`) is taken at the
    free mean mu_0 - tau w_bar that the adaptation current itself lowers: one linear equation,

        w_bar = [b tau_w nu + a ((1 - nu tau_ref) mu_0 - tau (V_th - V_r) nu
                                 + nu tau_ref V_r - E_L)] / (1 + a tau (1 - nu tau_ref)).

    Parameters
    ----------
    rate : array_like
        Firing rate nu (Hz, >= 0, nu tau_ref < 1).
    mu_0 : array_like
        Free mean potential without adaptation (V).
    tau : array_like
        Effective membrane time constant (s, > 0).
    a : array_like
        Subthreshold adaptation (1/s; NEST's a / C).
    b : array_like
        Spike-triggered jump of w (V/s; NEST's b / C).
    tau_w : array_like
        Adaptation time constant (s, > 0).
    E_L : array_like
        Leak reversal potential (V), where the subthreshold adaptation vanishes.
    V_th, V_r : array_like
        Threshold and reset (V).
    tau_ref : array_like
        Refractory period (s, >= 0).

    Returns
    -------
    numpy.ndarray
        w_bar (V/s); the adiabatic neuron fires as one without adaptation at the free mean
        mu_0 - tau w_bar.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or 1 + a tau (1 - nu tau_ref) <= 0
        (a subthreshold adaptation so negative that the mean potential has no stationary
        value).

    Examples
    --------
    Purely spike-triggered adaptation, b = 0.5 V/s and tau_w = 100 ms, at 10 Hz:

    >>> float(mean_adaptation_current(10.0, 0.015, 0.02, 0.0, 0.5, 0.1, 0.0, 0.02, 0.01, 0.0))
    0.5
    """
    nu = np.asarray(require_nonnegative("rate", rate, unit="Hz"), dtype=float)
    mu_0 = np.asarray(require("mu_0", mu_0, unit="V"), dtype=float)
    tau = np.asarray(require_positive("tau", tau, unit="s"), dtype=float)
    a = np.asarray(require("a", a, unit="1/s"), dtype=float)
    b = np.asarray(require("b", b, unit="V/s"), dtype=float)
    tau_w = np.asarray(require_positive("tau_w", tau_w, unit="s"), dtype=float)
    E_L = np.asarray(require("E_L", E_L, unit="V"), dtype=float)
    free_share = 1 - nu * np.asarray(require_nonnegative("tau_ref", tau_ref, unit="s"))
    denominator = 1 + a * tau * free_share
    require("1 + a tau (1 - rate tau_ref)", denominator, low=0.0, low_open=True)
    # <V> at mu_0, then the linear equation's solution
    V_bar = mean_potential(nu, mu_0, tau, V_th, V_r, tau_ref)
    return (b * tau_w * nu + a * (V_bar - E_L)) / denominator


def _potential_after_refractoriness(t, mu, tau_m, V_r, w_start, tau_w):
    """v(t) of dv/dt = (mu - v)/tau_m - w_start exp(-t/tau_w), v(0) = V_r (tau_m != tau_w)."""
    kernel = tau_m * tau_w / (tau_w - tau_m) * (np.exp(-t / tau_w) - np.exp(-t / tau_m))
    return mu + (V_r - mu) * np.exp(-t / tau_m) - w_start * kernel


def deterministic_interval(mu: float, tau_m: float, V_th: float, V_r: float, tau_ref: float,
                           b: float, tau_w: float) -> tuple[float, float]:
    """The steady interspike interval of a LIF neuron with spike-triggered adaptation (a = 0)
    under constant input, exactly.

    Between spikes dv/dt = (mu - v)/tau_m - w, tau_w dw/dt = -w, and w jumps by b at each
    spike; v is held at V_r for tau_ref after each spike while w decays. In the periodic
    state w just after a spike is w+ = b / (1 - exp(-T/tau_w)), and T = tau_ref + t*, where
    t* is the first time v(t) = V_th with v(0) = V_r and w = w+ exp(-tau_ref/tau_w) at its
    start; v(t) is a sum of two exponentials (tau_m != tau_w). T is the root of that pair of
    equations (scipy's brentq).

    Parameters
    ----------
    mu : float
        Free mean potential, E_L + constant input (V); above V_th.
    tau_m : float
        Membrane time constant (s, > 0).
    V_th, V_r : float
        Threshold and reset (V), V_r < V_th.
    tau_ref : float
        Refractory period (s, >= 0).
    b : float
        Jump of the adaptation current per spike (V/s, >= 0).
    tau_w : float
        Adaptation time constant (s, > 0, != tau_m).

    Returns
    -------
    (float, float)
        The interval T (s) and w+ (V/s), the adaptation current just after a spike.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, mu <= V_th (no periodic firing
        without noise), or tau_w equals tau_m.

    Examples
    --------
    Without adaptation this is the LIF's tau_ref + tau_m log((mu - V_r)/(mu - V_th)):

    >>> T, w = deterministic_interval(0.03, 0.02, 0.02, 0.01, 0.002, 0.0, 0.1)
    >>> round(T, 6), w
    (0.015863, 0.0)
    """
    mu = float(require("mu", mu, unit="V"))
    tau_m = float(require_positive("tau_m", tau_m, unit="s"))
    V_th = float(require("V_th", V_th, unit="V"))
    V_r = float(require("V_r", V_r, high=V_th, high_open=True, unit="V"))
    tau_ref = float(require_nonnegative("tau_ref", tau_ref, unit="s"))
    b = float(require_nonnegative("b", b, unit="V/s"))
    tau_w = float(require_positive("tau_w", tau_w, unit="s"))
    if mu <= V_th:
        raise ParameterError(f"mu must lie above V_th = {V_th} V for periodic firing without "
                             f"noise; got {mu} V")
    if abs(tau_w - tau_m) <= 1e-12 * tau_m:
        raise ParameterError("tau_w must differ from tau_m (the solution here is a sum of two "
                             "exponentials)")
    free = tau_m * np.log((mu - V_r) / (mu - V_th))  # the time to threshold without w

    def first_passage(w_start):
        """t*: the first time v reaches V_th, or inf (w holds v below it for ever)."""
        grid = np.linspace(0.0, free, 65)[1:]
        t = 0.0
        while t < 1e3 * (tau_m + tau_w + free):
            above = np.flatnonzero(_potential_after_refractoriness(
                t + grid, mu, tau_m, V_r, w_start, tau_w) >= V_th)
            if len(above):
                high = t + grid[above[0]]
                low = t + (grid[above[0] - 1] if above[0] else 0.0)
                return brentq(lambda s: _potential_after_refractoriness(
                    s, mu, tau_m, V_r, w_start, tau_w) - V_th, low, high, xtol=1e-15)
            t += free
        return np.inf

    def mismatch(T):
        w_plus = b / -np.expm1(-T / tau_w)
        return tau_ref + first_passage(w_plus * np.exp(-tau_ref / tau_w)) - T

    if b == 0:
        return float(tau_ref + free), 0.0
    low = tau_ref + free  # adaptation only lengthens the interval
    high = 2 * low
    while mismatch(high) > 0:
        high *= 2
    T = brentq(mismatch, low, high, xtol=1e-15, rtol=1e-13)
    return float(T), float(b / -np.expm1(-T / tau_w))

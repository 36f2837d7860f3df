"""Diffusion theory of conductance-based LIF neurons with instantaneous conductance jumps
(Sanzeni, Histed & Brunel). All quantities in SI units (s, V, Hz); efficacies dimensionless.

A neuron with leak time constant tau_m and reversal E_L receives K excitatory inputs at rate
r_E with efficacy a (a jump a (E_E - V)) and gamma K inhibitory inputs at rate r_I with
efficacy g a. The diffusion approximation (Eqs. 3-5) gives tau dV/dt = -V + mu + sigma(V)
sqrt(tau) xi with

    1/tau = 1/tau_m + a K (r_E + g gamma r_I)
    mu = tau [E_L/tau_m + a K (r_E E_E + g gamma r_I E_I)]
    sigma^2(V) = a^2 K tau [r_E (V - E_E)^2 + g^2 gamma r_I (V - E_I)^2]

* ETC (effective time constant, Eq. 6): sigma(V) -> sigma(mu); rate, CV and P(V) are the
  LIF formulas of theory.lif with tau, mu, sigma.
* Multiplicative noise (App. A, A13/A14): the first-passage rate, CV and density of the full
  V-dependent diffusion, computed on a grid in log space (the exponents are O(1/a)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq
from scipy.special import logsumexp

from .errors import ParameterError, require, require_nonnegative, require_positive
from .lif import ALPHA_SHIFT, isi_cv, siegert_rate, voltage_density

__all__ = ["NeuronParameters", "SANZENI", "conductance_time_constant",
           "effective_time_constant", "effective_parameters",
           "etc_rate", "etc_cv", "diffusion_rate", "diffusion_cv", "diffusion_density",
           "etc_density", "multiplicative_rate", "filtered_multiplicative_rate",
           "multiplicative_cv", "multiplicative_density",
           "network_inputs", "network_rates", "strong_coupling_bars", "scaling_family",
           "etc_moments", "etc_working_point"]


@dataclass(frozen=True)
class NeuronParameters:
    """Single-neuron parameters of the conductance-based LIF neuron (SI units).

    Parameters
    ----------
    tau_m : float
        Membrane (leak) time constant (s).
    E_L : float
        Leak reversal potential (V).
    E_E : float
        Excitatory reversal potential (V).
    E_I : float
        Inhibitory reversal potential (V).
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V).
    tau_ref : float
        Refractory period (s).
    """

    tau_m: float = 0.020
    E_L: float = -0.080
    E_E: float = 0.0
    E_I: float = -0.075
    V_th: float = -0.055
    V_r: float = -0.065
    tau_ref: float = 0.002


#: the paper's parameter table (sec. II)
SANZENI = NeuronParameters()


def conductance_time_constant(tau_m: ArrayLike, conductance: ArrayLike) -> np.ndarray:
    """The membrane time constant shortened by a mean synaptic conductance, 1 / (1/tau_m + g).

    Parameters
    ----------
    tau_m : membrane (leak) time constant (s, > 0)
    conductance : mean total synaptic conductance g in units of the membrane capacitance
        (Hz, >= 0; scalar or array)

    Returns
    -------
    float or numpy.ndarray
        The effective time constant (s).
    """
    require_positive("tau_m", tau_m, "s")
    require_nonnegative("conductance", conductance, "Hz")
    return 1.0 / (1.0 / tau_m + np.asarray(conductance, dtype=float))


def _check_inputs(a, K, g, gamma, r_E, r_I):
    require_positive("a", a)
    require_positive("K", K)
    require_nonnegative("g", g)
    require_nonnegative("gamma", gamma)
    require_nonnegative("r_E", r_E, "Hz")
    require_nonnegative("r_I", r_I, "Hz")


def effective_time_constant(a: float, K: float, g: float, gamma: float,
                            r_E: ArrayLike, r_I: ArrayLike,
                            n: NeuronParameters = SANZENI) -> np.ndarray:
    """The membrane time constant shortened by the mean synaptic conductance.

    1/tau = 1/tau_m + a K (r_E + g gamma r_I): K excitatory inputs at r_E and gamma K
    inhibitory ones at r_I.

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    numpy.ndarray
        tau (s).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    _check_inputs(a, K, g, gamma, r_E, r_I)
    return conductance_time_constant(n.tau_m, a * K * (r_E + g * gamma * r_I))


def effective_parameters(a: float, K: float, g: float, gamma: float,
                         r_E: ArrayLike, r_I: ArrayLike,
                         n: NeuronParameters = SANZENI) -> tuple[float, float, Callable]:
    """The parameters of the diffusion approximation (Eqs. 3-5).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    tau : float
        Effective time constant (s).
    mu : float
        Mean of the free membrane potential (V).
    sigma2 : callable
        V -> sigma^2(V) (V^2), the V-dependent noise.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau = effective_time_constant(a, K, g, gamma, r_E, r_I, n)
    mu = tau * (n.E_L / n.tau_m + a * K * (r_E * n.E_E + g * gamma * r_I * n.E_I))

    def sigma2(V):
        return a**2 * K * tau * (r_E * (V - n.E_E) ** 2 + g**2 * gamma * r_I * (V - n.E_I) ** 2)

    return tau, mu, sigma2


def etc_rate(a: float, K: float, g: float, gamma: float,
             r_E: ArrayLike, r_I: ArrayLike,
             n: NeuronParameters = SANZENI, tau_S: float = 0.0,
             dt: float = 0.0) -> np.ndarray:
    """Firing rate in the effective-time-constant approximation (Eq. 10).

    sigma(V) is replaced by sigma(mu), which makes the neuron a LIF neuron with time constant
    tau, mean mu and noise sigma(mu). With tau_S > 0 the efficacy a keeps its meaning (see
    :mod:`balanced_models.papers.sanzeni`).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).
    tau_S : float, optional
        Decay of exponential conductances (s, >= 0; tau_S << tau): threshold and reset are
        shifted as Fourcaud and Brunel's colored noise says. Default 0: jumps.
    dt : float, optional
        Time step of the simulation compared with (s, >= 0, with tau_S = 0): the discrete-time
        threshold shift of :func:`theory.lif.siegert_rate` with the effective time constant.
        Default 0.

    Returns
    -------
    numpy.ndarray
        The rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return siegert_rate(mu, np.sqrt(s2(mu)), tau, n.V_th, n.V_r, n.tau_ref, tau_S, dt)


def etc_cv(a: float, K: float, g: float, gamma: float,
           r_E: ArrayLike, r_I: ArrayLike,
           n: NeuronParameters = SANZENI, tau_S: float = 0.0,
           dt: float = 0.0) -> np.ndarray:
    """ISI CV in the effective-time-constant approximation (Eq. 11).

    sigma(V) is replaced by sigma(mu), which makes the neuron a LIF neuron with time constant
    tau, mean mu and noise sigma(mu). With tau_S > 0 the efficacy a keeps its meaning (see
    :mod:`balanced_models.papers.sanzeni`).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).
    tau_S : float, optional
        Decay of exponential conductances (s, >= 0; tau_S << tau): threshold and reset are
        shifted as Fourcaud and Brunel's colored noise says. Default 0: jumps.
    dt : float, optional
        Time step of the simulation compared with (s, >= 0, with tau_S = 0): the discrete-time
        threshold shift of :func:`theory.lif.siegert_rate` with the effective time constant.
        Default 0.

    Returns
    -------
    numpy.ndarray
        The CV (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return isi_cv(mu, np.sqrt(s2(mu)), tau, n.V_th, n.V_r, n.tau_ref, tau_S, dt)


def etc_density(V: ArrayLike, a: float, K: float, g: float, gamma: float,
                r_E: ArrayLike, r_I: ArrayLike,
                n: NeuronParameters = SANZENI) -> np.ndarray:
    """Membrane-potential density of the non-refractory neurons, effective time constant.

    It integrates to 1 - nu tau_ref.

    Parameters
    ----------
    V : float or array_like
        Membrane potentials at which to evaluate it (V).
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    numpy.ndarray
        P(V) (1/V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return voltage_density(V, mu, np.sqrt(s2(mu)), tau, n.V_th, n.V_r, n.tau_ref)


# --------------------------------------------------------------------------------------------
# general one-dimensional diffusion: tau dV/dt = mu - V + sqrt(tau sigma2(V)) xi
# --------------------------------------------------------------------------------------------
def _grid(mu, tau, sigma2, V_th, V_r, n_points=6001):
    """Grid in V from far below mu (where the density is negligible) to V_th, dense near mu,
    with log W(V) = -Phi(V) = -int_mu^V 2 (mu - V') / sigma2(V') dV' (up to a constant)."""
    s = np.sqrt(0.5 * sigma2(mu))  # SD of the free membrane potential near mu
    lo = min(mu, V_r) - 4 * s
    for _ in range(60):  # extend until the weight below lo is negligible (Phi < -60)
        V = np.linspace(lo, mu, 2001)
        phi = _cumulative(2 * (mu - V) / sigma2(V), V)
        if phi[-1] - phi[0] > 60:
            break
        lo = mu - 2 * (mu - lo)
    # uniform in asinh((V - mu)/s): resolves the peak and the slowly decaying tail
    t = np.linspace(np.arcsinh((lo - mu) / s), np.arcsinh((V_th - mu) / s), n_points)
    V = mu + s * np.sinh(t)
    if not (V[0] < V_r < V[-1]):
        raise ParameterError("the reset V_r must lie between the lower grid end and V_th")
    log_w = -_cumulative(2 * (mu - V) / sigma2(V), V)  # -Phi, with Phi(V[0]) = 0
    return V, log_w


def _cumulative(f, x):
    """Cumulative trapezoid integral of f over x, starting at 0."""
    return np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(x))])


def _log_cumulative(log_f, x):
    """log of the cumulative trapezoid integral of exp(log_f) over x (log 0 = -inf)."""
    dx = np.diff(x)
    pieces = np.logaddexp(log_f[1:], log_f[:-1]) + np.log(0.5 * dx)
    return np.concatenate([[-np.inf], np.logaddexp.accumulate(pieces)])


def _first_passage(mu, tau, sigma2, V_th, V_r):
    """Shared work of rate, CV and density: grid, log W and log of the inner integrals."""
    V, log_w = _grid(mu, tau, sigma2, V_th, V_r)
    # P(V) = 2 nu tau / (sigma2(V) W(V)) int_{max(V, V_r)}^{V_th} W(u) du,  W = exp(log_w)
    log_tail = _log_cumulative(log_w[::-1], -V[::-1])[::-1]  # int_V^{V_th} W
    log_tail_r = np.interp(V_r, V, log_tail)
    log_tail_eff = np.where(V >= V_r, log_tail, log_tail_r)
    log_density_over_nu = np.log(2 * tau / sigma2(V)) - log_w + log_tail_eff
    return V, log_w, log_density_over_nu


def _log_rate_from(V, log_density_over_nu, tau_ref):
    """log nu = -log(tau_ref + T), T the mean passage time (trapezoid rule), in log space so
    that a rate far below threshold underflows only when exponentiated."""
    half_steps = np.log(0.5 * np.diff(V))
    log_T = np.logaddexp(logsumexp(log_density_over_nu[1:] + half_steps),
                         logsumexp(log_density_over_nu[:-1] + half_steps))
    return -np.logaddexp(np.log(tau_ref) if tau_ref > 0 else -np.inf, log_T)


def _rate_from(V, log_density_over_nu, tau_ref):
    return np.exp(_log_rate_from(V, log_density_over_nu, tau_ref))


def _check_diffusion(mu, tau, sigma2, V_th, V_r, tau_ref):
    require("mu", mu, unit="V")
    require_positive("tau", tau, "s")
    if not callable(sigma2):
        raise ParameterError(f"sigma2 must be a function V -> sigma^2(V) (V^2); got {sigma2!r}")
    require("V_th", V_th, unit="V")
    require("V_r", V_r, high=V_th, high_open=True, unit="V (below V_th)")
    require_nonnegative("tau_ref", tau_ref, "s")


def diffusion_rate(mu: float, tau: float, sigma2: Callable, V_th: float, V_r: float,
                   tau_ref: float = 0.0) -> float:
    """Stationary rate of a diffusion with V-dependent noise, by first passage.

    The process is tau dV/dt = mu - V + sqrt(tau sigma2(V)) xi with threshold V_th, reset V_r
    and refractory period tau_ref; 1/nu = tau_ref + int P(V)/nu dV, computed on a grid in log
    space.

    Parameters
    ----------
    mu : float
        Mean of the free membrane potential (V).
    tau : float
        Time constant of the diffusion (s, > 0).
    sigma2 : callable
        V -> sigma^2(V) (V^2), the V-dependent noise; a constant function gives the Siegert
        results.
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    float
        The rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    _check_diffusion(mu, tau, sigma2, V_th, V_r, tau_ref)
    V, _, log_p = _first_passage(mu, tau, sigma2, V_th, V_r)
    return _rate_from(V, log_p, tau_ref)


def diffusion_density(V_out: ArrayLike, mu: float, tau: float, sigma2: Callable,
                      V_th: float, V_r: float, tau_ref: float = 0.0) -> np.ndarray:
    """Membrane-potential density of the non-refractory neurons of the same diffusion.

    It integrates to 1 - nu tau_ref.

    Parameters
    ----------
    V_out : float or array_like
        Membrane potentials at which to evaluate it (V).
    mu : float
        Mean of the free membrane potential (V).
    tau : float
        Time constant of the diffusion (s, > 0).
    sigma2 : callable
        V -> sigma^2(V) (V^2), the V-dependent noise; a constant function gives the Siegert
        results.
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        P(V) (1/V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require("V_out", V_out, unit="V")
    _check_diffusion(mu, tau, sigma2, V_th, V_r, tau_ref)
    V, _, log_p = _first_passage(mu, tau, sigma2, V_th, V_r)
    # nu P(V)/nu in log space: where nu underflows P(V)/nu overflows, and their product is the
    # density of a neuron that stays below threshold (finite, not 0 * inf)
    p = np.exp(_log_rate_from(V, log_p, tau_ref) + log_p)
    return np.where(np.asarray(V_out) < V_th, np.interp(V_out, V, p, left=0.0), 0.0)


def diffusion_cv(mu: float, tau: float, sigma2: Callable, V_th: float, V_r: float,
                 tau_ref: float = 0.0) -> float:
    """ISI CV of the same diffusion.

    The variance of the first-passage time from V_r (the dead time adds nothing to it) over the
    squared mean ISI. E[T] and E[T^2] of the passage from V_r to V_th come from the backward
    equation: with W = exp(-Phi) and s(V) = 2 tau / sigma2(V),
    E[T_1](x) = int_x^V_th du W(u) int_(-inf)^u s(v)/W(v) dv and
    E[T_2](x) = 2 int_x^V_th du W(u) int_(-inf)^u s(v)/W(v) E[T_1](v) dv.

    Parameters
    ----------
    mu : float
        Mean of the free membrane potential (V).
    tau : float
        Time constant of the diffusion (s, > 0).
    sigma2 : callable
        V -> sigma^2(V) (V^2), the V-dependent noise; a constant function gives the Siegert
        results.
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V, < V_th).
    tau_ref : float, optional
        Refractory period (s, >= 0). Default 0.

    Returns
    -------
    float
        The CV (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    _check_diffusion(mu, tau, sigma2, V_th, V_r, tau_ref)
    V, log_w = _grid(mu, tau, sigma2, V_th, V_r)
    log_s = np.log(2 * tau / sigma2(V))

    def passage_moment(log_g):
        # int_x^{V_th} du W(u) int_{-inf}^u exp(log_g(v)) dv, returned in log space for all x
        log_inner = _log_cumulative(log_g, V)
        integrand = log_w + log_inner
        return _log_cumulative(integrand[::-1], -V[::-1])[::-1]

    log_T1 = passage_moment(log_s - log_w)
    log_T2 = np.log(2.0) + passage_moment(log_s - log_w + log_T1)
    log_t1, log_t2 = np.interp(V_r, V, log_T1), np.interp(V_r, V, log_T2)
    # CV = sqrt(t2 - t1^2) / (t1 + tau_ref), in log space so that it stays finite where the
    # passage times overflow (rates that underflow): it then tends to 1, Poisson firing
    relative_variance = max(np.expm1(log_t2 - 2.0 * log_t1), 0.0)  # t2 / t1^2 - 1
    return np.sqrt(relative_variance) / (1.0 + tau_ref * np.exp(-log_t1))


# --------------------------------------------------------------------------------------------
# the multiplicative-noise (A13/A14) versions for conductance-based neurons
# --------------------------------------------------------------------------------------------
def multiplicative_rate(a: float, K: float, g: float, gamma: float,
                        r_E: ArrayLike, r_I: ArrayLike,
                        n: NeuronParameters = SANZENI) -> float:
    """Firing rate with the full V-dependent noise sigma^2(V) (App. A, A13).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    float
        The rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return diffusion_rate(mu, tau, s2, n.V_th, n.V_r, n.tau_ref)


def filtered_multiplicative_rate(a: float, K: float, g: float, gamma: float, r_E: float,
                                 r_I: float, tau_S: float,
                                 n: NeuronParameters = SANZENI) -> float:
    """Rate (Hz) of the neuron with exponential conductances of decay tau_S (each spike's
    conductance integral a or g a, in units of C_m) in the diffusion approximation with the
    full V-dependent noise, for Gaussian conductance fluctuations with tau_S << tau.

    Two effects of filtering a multiplicative noise, both absent from :func:`etc_rate`:

    * Stratonovich drift. A filtered (coloured) conductance noise acts, as tau_S -> 0, as a
      Stratonovich noise (Wong-Zakai); its Ito form lowers each mean conductance from
      lambda w to lambda w (1 - w/2) (lambda the input rate, w the efficacy), the same second
      order as the exact effect of a conductance pulse, 1 - exp(-w). The noise stays
      sigma^2(V) = tau sum lambda w^2 (V - E)^2.
    * Fourcaud-Brunel shift with the local noise: threshold and reset move up by
      (sqrt(2) abs(zeta(1/2)) / 2) sigma(V) sqrt(tau_S/tau), sigma(V) taken at the threshold and at
      the reset, where the boundary layer is.

    The first-passage rate is that of A13 (:func:`diffusion_rate`). Not included: the shot
    noise of Poisson inputs (third and higher cumulants), which lowers the rate where single
    inputs are large (the inhibitory ones here).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K inhibitory ones.
    g, gamma : float
        Relative inhibitory efficacy and in-degree (>= 0).
    r_E, r_I : float
        Rate of each excitatory and inhibitory input (Hz, >= 0).
    tau_S : float
        Conductance decay time (s, > 0; the expansion needs tau_S / tau << 1).
    n : NeuronParameters

    Returns
    -------
    float
        Firing rate (Hz).

    Examples
    --------
    >>> round(float(filtered_multiplicative_rate(1.6e-3, 1000, 20.0, 0.25, 42.35, 22.35,
    ...                                          1e-4)), 2)
    19.27
    """
    require("a", a, low=0.0, low_open=True, high=1.0, high_open=True)
    require_positive("K", K)
    require_nonnegative("g", g)
    require_nonnegative("gamma", gamma)
    require_nonnegative("r_E", r_E, "Hz")
    require_nonnegative("r_I", r_I, "Hz")
    require_positive("tau_S", tau_S, "s")
    inputs = ((K * r_E, a, n.E_E), (gamma * K * r_I, g * a, n.E_I))
    mean_conductances = [lam * w * (1 - w / 2) for lam, w, _ in inputs]  # Stratonovich drift
    tau = conductance_time_constant(n.tau_m, sum(mean_conductances))
    mu = tau * (n.E_L / n.tau_m + sum(c * E for c, (_, _, E) in zip(mean_conductances, inputs)))

    def sigma2(V):
        return tau * sum(lam * w**2 * (V - E) ** 2 for lam, w, E in inputs)

    k = 0.5 * ALPHA_SHIFT * np.sqrt(tau_S / tau)
    return diffusion_rate(mu, tau, sigma2, n.V_th + k * np.sqrt(sigma2(n.V_th)),
                          n.V_r + k * np.sqrt(sigma2(n.V_r)), n.tau_ref)


def multiplicative_cv(a: float, K: float, g: float, gamma: float,
                      r_E: ArrayLike, r_I: ArrayLike,
                      n: NeuronParameters = SANZENI) -> float:
    """ISI CV with the full V-dependent noise (A14).

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    float
        The CV (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return diffusion_cv(mu, tau, s2, n.V_th, n.V_r, n.tau_ref)


def multiplicative_density(V: ArrayLike, a: float, K: float, g: float, gamma: float,
                           r_E: ArrayLike, r_I: ArrayLike,
                           n: NeuronParameters = SANZENI) -> np.ndarray:
    """Membrane-potential density of the non-refractory neurons, full V-dependent noise (A12).

    It integrates to 1 - nu tau_ref.

    Parameters
    ----------
    V : float or array_like
        Membrane potentials at which to evaluate it (V).
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)); g a is the inhibitory one.
    K : float
        Number of excitatory inputs (> 0); gamma K are inhibitory.
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_E : float or array_like
        Rate of each excitatory input (Hz, >= 0).
    r_I : float or array_like
        Rate of each inhibitory input (Hz, >= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's, :data:`SANZENI`).

    Returns
    -------
    numpy.ndarray
        P(V) (1/V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    tau, mu, s2 = effective_parameters(a, K, g, gamma, r_E, r_I, n)
    return diffusion_density(V, mu, tau, s2, n.V_th, n.V_r, n.tau_ref)


# --------------------------------------------------------------------------------------------
# networks and scaling
# --------------------------------------------------------------------------------------------
def network_inputs(nu: ArrayLike, r_x: float) -> tuple:
    """Presynaptic rates of a neuron in the E/I network with identical populations (Eq. 19).

    r_E = r_x + nu (the external pool plus the E neurons, both with in-degree K), r_I = nu.

    Parameters
    ----------
    nu : float or array_like
        The network's rate (Hz, >= 0).
    r_x : float
        The external rate (Hz, >= 0).

    Returns
    -------
    r_E : float or numpy.ndarray
        Rate of each excitatory input (Hz).
    r_I : float or numpy.ndarray
        Rate of each inhibitory input (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_nonnegative("nu", nu, "Hz")
    require_nonnegative("r_x", r_x, "Hz")
    return r_x + nu, nu


def network_rates(a: float, K: float, g: float, gamma: float, r_x: float,
                  variant: str = "A13", n: NeuronParameters = SANZENI, n_scan: int = 120,
                  tau_S: float = 0.0) -> np.ndarray:
    """All self-consistent rates nu = Phi(r_E = r_x + nu, r_I = nu) of the E/I network.

    Roots are bracketed on a scan of (0, 1/tau_ref) and refined with brentq; the paper plots
    the largest (active) one.

    Parameters
    ----------
    a : float
        Excitatory efficacy (dimensionless, in (0, 1)).
    K : float
        Excitatory in-degree (> 0).
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    r_x : float
        External rate (Hz, >= 0).
    variant : {'A13', 'ETC'}, optional
        The single-neuron theory: multiplicative noise (default) or effective time constant.
    n : NeuronParameters, optional
        The neuron (default: the paper's).
    n_scan : int, optional
        Points of the bracketing scan. Default 120.
    tau_S : float, optional
        Decay of exponential conductances (s, >= 0; ETC only). Default 0.

    Returns
    -------
    numpy.ndarray
        The self-consistent rates (Hz), ascending; empty if there is none.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    if variant not in ("A13", "ETC"):
        raise ParameterError(f"variant must be 'A13' or 'ETC'; got {variant!r}")
    require_nonnegative("r_x", r_x, "Hz")
    require_nonnegative("tau_S", tau_S, "s")
    if variant == "A13" and tau_S > 0:
        raise ParameterError("tau_S > 0 is available for the ETC variant only")

    def rate(*args):
        return multiplicative_rate(*args) if variant == "A13" else etc_rate(*args, tau_S=tau_S)

    def excess(nu):
        return rate(a, K, g, gamma, *network_inputs(nu, r_x), n) - nu

    grid = np.concatenate([[1e-6], np.geomspace(1e-3, 0.999 / n.tau_ref, n_scan)])
    values = np.array([excess(x) for x in grid])
    roots = [brentq(excess, lo, hi, xtol=1e-10, rtol=1e-10)
             for lo, hi, f_lo, f_hi in zip(grid[:-1], grid[1:], values[:-1], values[1:])
             if f_lo * f_hi < 0]
    return np.array(roots)


def strong_coupling_bars(g: float, gamma: float, eta: float,
                         n: NeuronParameters = SANZENI) -> tuple:
    """Leak-free quantities of Eq. 13 for r_E = r_x and r_I = eta r_x.

    Parameters
    ----------
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    eta : float
        Ratio of inhibitory to excitatory input rates (>= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's).

    Returns
    -------
    tau_bar : float
        Time constant in units of 1/(a K r_x).
    mu_bar : float
        Mean potential (V).
    sigma_bar : float
        Noise amplitude (V) in units of sqrt(a).
    v_bar : float
        (V_th - mu_bar) / sigma_bar.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_nonnegative("g", g)
    require_nonnegative("gamma", gamma)
    require_nonnegative("eta", eta)
    x = g * gamma * eta
    tau_bar = 1.0 / (1.0 + x)
    mu_bar = tau_bar * (n.E_E + x * n.E_I)
    sigma_bar = np.sqrt(tau_bar * ((mu_bar - n.E_E) ** 2 + g**2 * gamma * eta * (mu_bar - n.E_I) ** 2))
    return tau_bar, mu_bar, sigma_bar, (n.V_th - mu_bar) / sigma_bar


def scaling_family(K: ArrayLike, K0: float, a0: float, g: float, gamma: float, eta: float,
                   n: NeuronParameters = SANZENI) -> np.ndarray:
    """The efficacy a(K) of Eq. 14, which keeps the Kramers escape rate of Eq. 12 fixed.

    v_bar^2/a - log(a)/2 - log K = v_bar^2/a0 - log(a0)/2 - log K0, so a ~ v_bar^2 / log K.

    Parameters
    ----------
    K : float or array_like
        In-degrees (> 0).
    K0 : float
        The reference in-degree (> 0).
    a0 : float
        The efficacy at K0 (in (0, 1]).
    g : float
        Relative inhibitory efficacy (>= 0).
    gamma : float
        Relative inhibitory in-degree (>= 0).
    eta : float
        Ratio of inhibitory to excitatory input rates (>= 0).
    n : NeuronParameters, optional
        The neuron (default: the paper's).

    Returns
    -------
    numpy.ndarray
        a(K), shaped like K.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_positive("K", K)
    require("a0", a0, low=0.0, low_open=True, high=1.0)
    v2 = strong_coupling_bars(g, gamma, eta, n)[3] ** 2
    target = v2 / a0 - 0.5 * np.log(a0) - np.log(K0)
    f = lambda a, k: v2 / a - 0.5 * np.log(a) - np.log(k) - target
    # f decreases in a while a < 2 v2 (the relevant branch)
    return np.array([brentq(f, 1e-12, 2 * v2, args=(k,), xtol=1e-15, rtol=1e-12)
                     for k in np.atleast_1d(K)]).reshape(np.shape(K))


def _etc_moments(g, s, E, tau_m, E_L):
    """(tau, mu, sigma^2 per channel) of the effective-time-constant approximation from the
    mean conductances g (n, C; Hz) and event variances s (n, C; Hz): 1/tau = 1/tau_m +
    sum_c g_c, mu = tau (E_L / tau_m + sum_c g_c E_c), sigma_c^2 = tau s_c (mu - E_c)^2."""
    tau = conductance_time_constant(tau_m, g.sum(axis=1))
    mu = tau * (np.asarray(E_L) / tau_m + (g * E).sum(axis=1))
    return tau, mu, tau[:, None] * s * (mu[:, None] - E) ** 2


def etc_moments(g: ArrayLike, s: ArrayLike, E: ArrayLike, tau_m: ArrayLike,
                E_L: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The membrane of the effective-time-constant (ETC) approximation.

    Conductance input through channel c with mean g_c (conductance / C_m) and event variance
    s_c = sum K E[w^2] nu (w: the time integral of one event's conductance / C_m) gives the
    effective membrane time constant 1/tau = 1/tau_m + sum_c g_c, the mean potential
    mu = tau (E_L / tau_m + sum_c g_c E_c), and channel c's part of the noise at mu,
    sigma_c^2 = tau s_c (mu - E_c)^2 (Brunel's convention, with tau). Jumps give white
    noise; exponential conductances of time constant tau_c give noise filtered with tau_c
    (:func:`theory.integrate_and_fire.if_rate_colored_noise`).

    Parameters
    ----------
    g : array_like, shape (n, C)
        Mean conductance per channel (Hz, >= 0).
    s : array_like, shape (n, C)
        Event variance per channel (Hz, >= 0).
    E : array_like, shape (n, C)
        Reversal potentials (V).
    tau_m : array_like, shape (n,)
        Membrane (leak) time constants (s, > 0).
    E_L : array_like, shape (n,)
        Leak reversal potentials, plus any constant drive (V).

    Returns
    -------
    tau : numpy.ndarray, shape (n,)
        Effective membrane time constant (s).
    mu : numpy.ndarray, shape (n,)
        Mean free membrane potential (V).
    sigma2 : numpy.ndarray, shape (n, C)
        Each channel's sigma^2 (V^2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or the shapes differ.

    Examples
    --------
    >>> tau, mu, sigma2 = etc_moments([[25.0, 25.0]], [[0.1, 0.1]], [[0.0, -0.08]], [0.02],
    ...                               [-0.07])
    >>> float(tau[0]), round(float(mu[0]), 4)
    (0.01, -0.055)
    """
    g = np.asarray(require_nonnegative("g", g, "Hz"), dtype=float)
    s = np.asarray(require_nonnegative("s", s, "Hz"), dtype=float)
    E = np.asarray(require("E", E, unit="V"), dtype=float)
    tau_m = np.asarray(require_positive("tau_m", tau_m, "s"), dtype=float)
    E_L = np.asarray(require("E_L", E_L, unit="V"), dtype=float)
    if g.ndim != 2 or s.shape != g.shape or E.shape != g.shape or tau_m.shape != g.shape[:1] \
            or E_L.shape != g.shape[:1]:
        raise ParameterError(f"g, s and E must be (n, C), tau_m and E_L (n,); got {g.shape}, "
                             f"{s.shape}, {E.shape}, {tau_m.shape}, {E_L.shape}")
    return _etc_moments(g, s, E, tau_m, E_L)


def etc_working_point(G: ArrayLike, S: ArrayLike, G_x: ArrayLike, S_x: ArrayLike,
                      nu_x: ArrayLike, E: ArrayLike, tau_m: ArrayLike, E_L: ArrayLike,
                      V_th: ArrayLike, V_r: ArrayLike, tau_ref: ArrayLike, *,
                      damping: float = 0.2, tol: float = 1e-10, max_iter: int = 20000,
                      nu0: ArrayLike | None = None) -> dict:
    """Self-consistent rates of populations of conductance-based LIF neurons (ETC).

    Each input event through channel c moves V by w (E_c - V) (a conductance jump of
    efficacy w). At rates nu, population a receives per channel the mean conductance
    g_ac = (G_c nu + G_x,c nu_x)_a and the event variance s_ac = (S_c nu + S_x,c nu_x)_a
    (with G = K w and S = K E[w^2] per pair of populations), so that
    1/tau_a = 1/tau_m + sum_c g_ac, mu_a = tau_a (E_L / tau_m + sum_c g_ac E_ac) and
    sigma_a^2(V) = tau_a sum_c s_ac (V - E_ac)^2. The effective-time-constant approximation
    takes sigma_a(mu_a), and the rate is the LIF rate with tau_a, mu_a and sigma_a
    (Sanzeni et al., Eq. 6); the rates are iterated, nu <- (1 - damping) nu + damping Phi.
    For one population type driven as in Sanzeni et al. this is :func:`network_rates` with
    variant 'ETC' (its active solution, where the iteration lands).

    Parameters
    ----------
    G, S : array_like, shape (C, n, n)
        Per channel, K w and K E[w^2] from population b to a (dimensionless).
    G_x, S_x : array_like, shape (C, n, m)
        The same for m external inputs.
    nu_x : array_like, shape (m,)
        Rates of the external inputs (Hz, >= 0).
    E : array_like, shape (n, C)
        Reversal potential of each channel in each population (V).
    tau_m : array_like, shape (n,)
        Membrane (leak) time constants (s, > 0).
    E_L : array_like, shape (n,)
        Leak reversal potentials, plus any constant drive (V).
    V_th, V_r : array_like, shape (n,)
        Threshold and reset (V).
    tau_ref : array_like, shape (n,)
        Refractory periods (s, >= 0).
    damping : float, optional
        Step of the iteration (in (0, 1]). Default 0.2.
    tol : float, optional
        Convergence: the largest change of a rate in one step (Hz). Default 1e-10.
    max_iter : int, optional
        Iterations at most. Default 20000.
    nu0 : array_like, shape (n,), optional
        Initial rates (Hz); default 10 Hz each.

    Returns
    -------
    dict
        ``nu`` (Hz), ``mu`` (V), ``sigma`` (V, at mu), ``tau`` (s) per population, and
        ``iterations``.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    RuntimeError
        If the iteration does not converge within ``max_iter`` iterations.
    """
    G, S, G_x, S_x = (np.asarray(require(name, value, low=0.0), dtype=float) for name, value in
                      (("G", G), ("S", S), ("G_x", G_x), ("S_x", S_x)))
    nu_x = np.asarray(require_nonnegative("nu_x", nu_x, "Hz"), dtype=float)
    E = np.asarray(require("E", E, unit="V"), dtype=float)
    require_positive("tau_m", tau_m, "s")
    require("E_L", E_L, unit="V")
    require_nonnegative("tau_ref", tau_ref, "s")
    require("damping", damping, low=0.0, low_open=True, high=1.0)
    C, n = G.shape[0], G.shape[1]
    if G.shape != (C, n, n) or S.shape != G.shape or G_x.shape[:2] != (C, n) or \
            S_x.shape != G_x.shape or E.shape != (n, C) or nu_x.shape != (G_x.shape[2],):
        raise ParameterError(f"shapes must be G, S (C, n, n), G_x, S_x (C, n, m), nu_x (m,), "
                             f"E (n, C); got {G.shape}, {S.shape}, {G_x.shape}, "
                             f"{S_x.shape}, {nu_x.shape}, {E.shape}")
    nu = np.full(n, 10.0) if nu0 is None else np.asarray(nu0, dtype=float).copy()
    for it in range(1, max_iter + 1):
        tau, mu, parts = _etc_moments((G @ nu + G_x @ nu_x).T, (S @ nu + S_x @ nu_x).T, E,
                                      tau_m, E_L)
        sigma = np.sqrt(parts.sum(axis=1))
        phi = siegert_rate(mu, sigma, tau, V_th, V_r, tau_ref)
        if np.max(np.abs(phi - nu)) < tol:
            return dict(nu=phi, mu=mu, sigma=sigma, tau=tau, iterations=it)
        nu = (1 - damping) * nu + damping * phi
    raise RuntimeError(f"ETC working point did not converge in {max_iter} iterations "
                       f"(last change {np.max(np.abs(phi - nu)):.3g} Hz)")

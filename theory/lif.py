"""Diffusion theory of the leaky integrate-and-fire neuron driven by white noise.

Membrane: tau_m dV/dt = -(V - mu) + sigma sqrt(tau_m) xi(t), threshold V_th, reset V_r,
absolute refractory period tau_ref. Here

* ``mu`` (V) is the mean free membrane potential (leak reversal plus mean input),
* ``sigma`` (V) is the noise amplitude in the Brunel (2000) convention: the free membrane
  potential has variance sigma**2 / 2. For delta synapses with K inputs of weight J (V) at
  rate nu (Hz): mu = E_L + tau_m K J nu and sigma**2 = tau_m K J**2 nu
  (see :func:`diffusion_moments`).

All inputs are plain SI floats or numpy arrays (V, s, Hz) and broadcast against each other.
Everything is vectorised and numerically stable far below threshold (rates down to 1e-300 Hz
and beyond, where they underflow to 0) and far above it: all large exponentials are
combined analytically with erfcx/Dawson functions before they are evaluated.

Exponential synapses with time constant ``tau_s`` << tau_m are handled by the
Fourcaud & Brunel (2002) shift of threshold and reset by sigma * (alpha/2) sqrt(tau_s/tau_m),
alpha = sqrt(2) abs(zeta(1/2)).

A simulation with time step ``dt`` checks the threshold only on the time grid; between two
checks the free membrane moves by sigma sqrt(dt/tau_m) (SD), so a path that crosses and comes
back in between is missed. To first order in sqrt(dt/tau_m) this raises the threshold, and
only the threshold, by rho sigma sqrt(dt/tau_m), rho = abs(zeta(1/2)) / sqrt(2 pi) = 0.5826, the
mean overshoot of a Gaussian random walk over a distant barrier (Siegmund's corrected
diffusion approximation); the reset is exact on the grid. Pass ``dt`` to include it.

Public functions take physical parameters; the private ``_name`` helpers take reduced
variables (y = (V - mu)/sigma) so that the numerics can be tested on their own.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import dawsn, erfc, erfcx

from . import _threshold_integration
from .errors import ParameterError, require, require_nonnegative, require_positive

__all__ = [
    "ALPHA_SHIFT",
    "DISCRETE_TIME_SHIFT",
    "threshold_shift",
    "effective_synaptic_time_constant",
    "diffusion_moments",
    "siegert_rate",
    "rate_derivatives",
    "isi_cv",
    "voltage_density",
    "transfer_function",
    "variance_transfer_function",
    "spike_train_spectrum",
]

#: sqrt(2) |zeta(1/2)|, the coefficient of the Fourcaud-Brunel threshold shift.
ALPHA_SHIFT = float(np.sqrt(2.0) * 1.4603545088095868)  # zeta(1/2) = -1.46035450880958...

#: |zeta(1/2)| / sqrt(2 pi) = ALPHA_SHIFT / (2 sqrt(pi)): the threshold shift of a simulation
#: with time step dt is DISCRETE_TIME_SHIFT * sigma * sqrt(dt / tau_m) (Siegmund 1979).
DISCRETE_TIME_SHIFT = float(ALPHA_SHIFT / (2.0 * np.sqrt(np.pi)))

_SQRT_PI = float(np.sqrt(np.pi))


# --------------------------------------------------------------------------------------------
# quadrature on arrays of intervals
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _legendre_nodes(n):
    """Gauss-Legendre nodes and weights on [-1, 1] (computed once per n: leggauss(64) alone
    costs about 1 ms, more than a whole scalar rate evaluation)."""
    x, w = np.polynomial.legendre.leggauss(n)
    x.flags.writeable = w.flags.writeable = False
    return x, w


def _gauss_legendre(f, a, b, n):
    """Integrate f over [a, b] elementwise for arrays a, b (same shape), n nodes.

    f receives an array of shape a.shape + (n,) and must return the same shape.
    """
    x, w = _legendre_nodes(n)
    a = np.asarray(a, dtype=float)[..., None]
    b = np.asarray(b, dtype=float)[..., None]
    half = 0.5 * (b - a)
    nodes = a + half * (x + 1.0)
    return np.sum(f(nodes) * w, axis=-1) * half[..., 0]


def _integral_erfcx(x, n=64):
    """H(x) = int_0^x erfcx(v) dv for x >= 0.

    Substituting v = exp(s) - 1 makes the integrand smooth and bounded (H grows like
    log(x)/sqrt(pi)), so a fixed Gauss-Legendre rule is accurate to ~1e-13 for all x.
    """
    x = np.asarray(x, dtype=float)

    def integrand(s):
        es = np.exp(s)
        return erfcx(es - 1.0) * es

    return _gauss_legendre(integrand, np.zeros_like(x), np.log1p(x), n)


def _scaled_antiderivative(y, M):
    """G(y) * exp(-M), where G(y) = int_0^y erfcx(-u) du = int_0^y e^{u^2}(1 + erf u) du.

    For y >= 0, erfcx(-u) = 2 e^{u^2} - erfcx(u), so G(y) = 2 e^{y^2} D(y) - H(y) with D the
    Dawson function; for y < 0, G(y) = -H(|y|). M must be >= y**2 where y > 0.
    """
    y = np.asarray(y, dtype=float)
    pos = np.maximum(y, 0.0)
    h = _integral_erfcx(np.abs(y))
    return np.where(
        y >= 0.0,
        2.0 * np.exp(pos * pos - M) * dawsn(pos) - h * np.exp(-M),
        -h * np.exp(-M),
    )


def _reduced_rate(y_th, y_r, tau_ref_over_tau):
    """Return (nu * tau_m * e^M, M) with M = max(y_th, 0)**2.

    nu = 1 / (tau_ref + tau_m sqrt(pi) [G(y_th) - G(y_r)]) is the Siegert rate; keeping the
    factor e^M separate lets callers form products such as nu * e^{y_th^2} without overflow.
    """
    M = np.maximum(y_th, 0.0) ** 2
    delta = _scaled_antiderivative(y_th, M) - _scaled_antiderivative(y_r, M)
    return 1.0 / (tau_ref_over_tau * np.exp(-M) + _SQRT_PI * delta), M


def _scaled_erfcx_neg(y, M):
    """erfcx(-y) * exp(-M) without overflow (M >= y**2 where y > 0)."""
    y = np.asarray(y, dtype=float)
    pos = np.maximum(y, 0.0)
    return np.where(y >= 0.0, np.exp(pos * pos - M) * erfc(-pos), erfcx(np.abs(y)) * np.exp(-M))


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------
def diffusion_moments(tau_m: float, weights: ArrayLike, counts: ArrayLike, rates: ArrayLike,
                      E_L: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``mu`` and noise amplitude ``sigma`` of Poisson input through delta synapses.

    mu = E_L + tau_m sum_k K_k J_k nu_k and sigma**2 = tau_m sum_k K_k J_k**2 nu_k, summed over
    the last axis of the inputs.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (s, > 0).
    weights : array_like
        Weight J_k of each input (V); the last axis runs over the inputs.
    counts : array_like
        Number K_k of inputs of each kind (>= 0).
    rates : array_like
        Rate nu_k of each input (Hz, >= 0).
    E_L : float, optional
        Leak reversal potential (V). Default 0.

    Returns
    -------
    mu : numpy.ndarray
        Mean free membrane potential (V).
    sigma : numpy.ndarray
        Noise amplitude (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
        If the last axes of ``weights``, ``counts`` and ``rates`` differ in length, too.
    """
    require_positive("tau_m", tau_m, "s")
    require_nonnegative("rates", rates, "Hz")
    require_nonnegative("counts", counts)
    require("weights", weights, unit="V")
    require("E_L", E_L, unit="V")
    if not (np.shape(weights)[-1:] == np.shape(counts)[-1:] == np.shape(rates)[-1:]):
        raise ParameterError(f"weights, counts and rates must have one entry per input along "
                             f"their last axis; got shapes {np.shape(weights)}, "
                             f"{np.shape(counts)} and {np.shape(rates)}")
    J = np.asarray(weights, dtype=float)
    KN = np.asarray(counts, dtype=float) * np.asarray(rates, dtype=float)
    mu = E_L + tau_m * np.sum(KN * J, axis=-1)
    sigma = np.sqrt(tau_m * np.sum(KN * J * J, axis=-1))
    return mu, sigma


def _reduced_thresholds(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, dt=0.0):
    """Reduced threshold and reset y = (V - mu)/sigma with their shifts (in units of sigma):
    (y_th, y_r, tau_ref/tau_m, shift of y_th, shift of y_r)."""
    require_positive("tau_m", tau_m, "s")
    require_positive("sigma", sigma, "V")
    require_nonnegative("tau_ref", tau_ref, "s")
    require_nonnegative("tau_s", tau_s, "s")
    require_nonnegative("dt", dt, "s")
    if np.any(np.asarray(dt) > 0) and np.any(np.asarray(tau_s) > 0):
        raise ParameterError("dt: the discrete-time threshold shift is for delta synapses "
                             "(tau_s = 0); with tau_s > 0 the membrane is smooth between steps")
    require("mu", mu, unit="V")  # finite
    require("V_th", V_th, unit="V")
    require("V_r", V_r, unit="V")
    require("V_th - V_r", np.asarray(V_th) - np.asarray(V_r), low=0.0, low_open=True, unit="V")
    shift_r = 0.5 * ALPHA_SHIFT * np.sqrt(np.asarray(tau_s, dtype=float) / tau_m)
    shift_th = shift_r + DISCRETE_TIME_SHIFT * np.sqrt(np.asarray(dt, dtype=float) / tau_m)
    y_th = (np.asarray(V_th, dtype=float) - mu) / sigma + shift_th
    y_r = (np.asarray(V_r, dtype=float) - mu) / sigma + shift_r
    y_th, y_r, ref = np.broadcast_arrays(y_th, y_r, np.asarray(tau_ref, dtype=float) / tau_m)
    return y_th, y_r, ref, shift_th, shift_r


def effective_synaptic_time_constant(variances: ArrayLike, taus: ArrayLike) -> np.ndarray:
    """One synaptic time constant for input through channels with different time constants.

    The Fourcaud-Brunel shift of threshold and reset, (ALPHA_SHIFT / 2) sigma
    sqrt(tau_s / tau_m), is first order in sqrt(tau_s / tau_m) and comes from the boundary
    layer of the colored noise. Taking each channel's contribution to first order, the
    shifts add, weighted by each channel's share of the input variance: the effective time
    constant is the one with sqrt(tau_eff) = sum_c (sigma_c^2 / sigma^2) sqrt(tau_c). This
    is an approximation (stated, and checked against simulations of LIF networks with 2 and
    8 ms synapses in ``tests/engines/test_two_time_constants.py``).

    Parameters
    ----------
    variances : array_like
        Each channel's contribution sigma_c^2 to the input variance (V^2, >= 0), along the
        last axis.
    taus : array_like
        The channels' synaptic time constants (s, >= 0), along the last axis.

    Returns
    -------
    numpy.ndarray
        tau_eff (s); where every variance is 0, the mean of the time constants.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or negative, or the shapes differ.

    Examples
    --------
    >>> round(float(effective_synaptic_time_constant([1.0, 1.0], [0.002, 0.008])), 6)
    0.0045
    """
    require_nonnegative("variances", variances, "V^2")
    require_nonnegative("taus", taus, "s")
    v, t = np.broadcast_arrays(np.asarray(variances, dtype=float), np.asarray(taus, dtype=float))
    total = v.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = (v * np.sqrt(t)).sum(axis=-1) / total
    return np.where(total > 0, weighted**2, t.mean(axis=-1))


def threshold_shift(sigma: ArrayLike, tau_m: float, dt: float = 0.0,
                    jump: float = 0.0) -> np.ndarray:
    """First-order shift of threshold and reset for a time step and finite input jumps.

    delta = (ALPHA_SHIFT / 2) (sigma sqrt(dt / tau_m) + jump). The rate of a simulated LIF
    neuron lies between siegert_rate at (V_th, V_r) and at (V_th + delta, V_r + delta), to
    first order in sqrt(dt / tau_m) and jump / sigma.

    Parameters
    ----------
    sigma : float or array_like
        Noise amplitude of the input (V, >= 0).
    tau_m : float
        Membrane time constant (s, > 0).
    dt : float, optional
        Simulation time step (s, >= 0). Default 0.
    jump : float, optional
        Size of the input jumps (V, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        The shift delta (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_positive("tau_m", tau_m, "s")
    require_nonnegative("sigma", sigma, "V")
    require_nonnegative("dt", dt, "s")
    require_nonnegative("jump", jump, "V")
    return 0.5 * ALPHA_SHIFT * (np.asarray(sigma, dtype=float) * np.sqrt(dt / tau_m) + jump)


# --------------------------------------------------------------------------------------------
# public theory
# --------------------------------------------------------------------------------------------
def siegert_rate(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
                 V_r: ArrayLike, tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0,
                 dt: float = 0.0) -> np.ndarray:
    """Stationary firing rate of the LIF neuron in the diffusion approximation.

    1/nu = tau_ref + tau_m sqrt(pi) int_{y_r}^{y_th} e^{u^2} (1 + erf u) du, with
    y = (V - mu)/sigma, plus the Fourcaud-Brunel shift when tau_s > 0 and the discrete-time
    threshold shift DISCRETE_TIME_SHIFT sqrt(dt/tau_m) when dt > 0. The arguments broadcast
    against each other.

    Parameters
    ----------
    mu : float or array_like
        Mean free membrane potential (V).
    sigma : float or array_like
        Noise amplitude (V, > 0): the free membrane potential has variance sigma**2 / 2.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        Threshold (V).
    V_r : float or array_like
        Reset (V, < V_th).
    tau_ref : float or array_like, optional
        Absolute refractory period (s, >= 0). Default 0.
    tau_s : float or array_like, optional
        Time constant of exponential synapses (s, >= 0; 0: white noise). Default 0.
    dt : float, optional
        Time step of the simulation the theory is compared with (s, >= 0; only with
        tau_s = 0): the threshold is raised by the discrete-time shift. Default 0.

    Returns
    -------
    numpy.ndarray
        The rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> round(float(siegert_rate(0.0015, 0.0219, 0.02, 0.015, 0.0, 0.002)), 2)
    26.33
    >>> round(float(siegert_rate(0.0015, 0.0219, 0.02, 0.015, 0.0, 0.002, dt=1e-4)), 2)
    24.07
    """
    y_th, y_r, ref, _, _ = _reduced_thresholds(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, dt)
    scaled, M = _reduced_rate(y_th, y_r, ref)
    return scaled * np.exp(-M) / tau_m


def rate_derivatives(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
                     V_r: ArrayLike, tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0,
                     dt: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of :func:`siegert_rate` with respect to mu and sigma**2.

    These are the zero-frequency linear-response coefficients. The derivative with respect to
    sigma**2 includes the sigma-dependence of the threshold shifts (exponential synapses, time
    step).

    Parameters
    ----------
    mu : float or array_like
        Mean free membrane potential (V).
    sigma : float or array_like
        Noise amplitude (V, > 0): the free membrane potential has variance sigma**2 / 2.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        Threshold (V).
    V_r : float or array_like
        Reset (V, < V_th).
    tau_ref : float or array_like, optional
        Absolute refractory period (s, >= 0). Default 0.
    tau_s : float or array_like, optional
        Time constant of exponential synapses (s, >= 0; 0: white noise). Default 0.
    dt : float, optional
        Time step of the simulation the theory is compared with (s, >= 0; only with
        tau_s = 0): the threshold is raised by the discrete-time shift. Default 0.

    Returns
    -------
    dnu_dmu : numpy.ndarray
        d nu / d mu (Hz/V).
    dnu_dsigma2 : numpy.ndarray
        d nu / d sigma**2 (Hz/V**2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    y_th, y_r, ref, shift_th, shift_r = _reduced_thresholds(mu, sigma, tau_m, V_th, V_r,
                                                            tau_ref, tau_s, dt)
    scaled, M = _reduced_rate(y_th, y_r, ref)
    # nu^2 erfcx(-y) = (nu tau e^M)^2 e^{-M} [erfcx(-y) e^{-M}] / tau^2
    common = _SQRT_PI * scaled**2 * np.exp(-M) / tau_m / sigma
    f_th, f_r = _scaled_erfcx_neg(y_th, M), _scaled_erfcx_neg(y_r, M)
    dnu_dmu = common * (f_th - f_r)
    dnu_dsigma = common * (f_th * (y_th - shift_th) - f_r * (y_r - shift_r))
    return dnu_dmu, dnu_dsigma / (2.0 * sigma)


def _cv_outer_integrand(x, M):
    """e^{x^2 - 2M} int_{-inf}^x e^{y^2} (1 + erf y)^2 dy, bounded for all x <= sqrt(M) or x < 0."""
    x = np.asarray(x, dtype=float)
    n = 48

    def negative_part(y):  # y < 0: e^{x^2 - y^2 - 2M} erfcx(|y|)^2
        return erfcx(-y) ** 2 * np.exp(x[..., None] ** 2 - y * y - 2.0 * M[..., None])

    def positive_part(y):  # 0 <= y <= x: e^{x^2 + y^2 - 2M} erfc(-y)^2
        return erfc(-y) ** 2 * np.exp(xp[..., None] ** 2 + y * y - 2.0 * M[..., None])

    top, xp = np.minimum(x, 0.0), np.maximum(x, 0.0)
    # the negative-y integrand decays like exp(-2|x| t) below its top; 10/|x| is far enough
    width = np.minimum(6.5, 10.0 / np.maximum(np.abs(top), 1e-300))
    total = _gauss_legendre(negative_part, top - width, top, n)
    # the positive-y integrand peaks at y = x with width ~1/(2x): integrate the peak separately
    split = np.maximum(0.0, xp - 20.0 / np.maximum(xp, 1e-300))  # e^{-40} below the split
    positive = (_gauss_legendre(positive_part, split, xp, n)
                + _gauss_legendre(positive_part, np.zeros_like(xp), split, n))
    return total + np.where(x > 0.0, positive, 0.0)


def isi_cv(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
           V_r: ArrayLike, tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0,
           dt: float = 0.0) -> np.ndarray:
    """Coefficient of variation of the inter-spike interval.

    CV^2 = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} dx e^{x^2} int_{-inf}^x dy e^{y^2} (1 + erf y)^2
    (Brunel 2000, appendix A.1). It tends to 1 far below threshold (Poisson firing) and to 0
    far above it.

    Parameters
    ----------
    mu : float or array_like
        Mean free membrane potential (V).
    sigma : float or array_like
        Noise amplitude (V, > 0): the free membrane potential has variance sigma**2 / 2.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        Threshold (V).
    V_r : float or array_like
        Reset (V, < V_th).
    tau_ref : float or array_like, optional
        Absolute refractory period (s, >= 0). Default 0.
    tau_s : float or array_like, optional
        Time constant of exponential synapses (s, >= 0; 0: white noise). Default 0.
    dt : float, optional
        Time step of the simulation the theory is compared with (s, >= 0; only with
        tau_s = 0): the threshold is raised by the discrete-time shift. Default 0.

    Returns
    -------
    numpy.ndarray
        The ISI CV (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    y_th, y_r, ref, _, _ = _reduced_thresholds(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, dt)
    scaled, M = _reduced_rate(y_th, y_r, ref)
    # the outer integrand peaks at y_th with width ~1/(4 y_th); split off that peak
    peak_width = np.minimum(4.0, 10.0 / np.maximum(np.abs(y_th), 1e-300))
    split = np.maximum(y_r, y_th - peak_width)
    outer = lambda x: _cv_outer_integrand(x, np.broadcast_to(M[..., None], x.shape))
    integral = _gauss_legendre(outer, split, y_th, 64) + _gauss_legendre(outer, y_r, split, 96)
    return np.sqrt(2.0 * np.pi * scaled**2 * integral)


def voltage_density(V: ArrayLike, mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike,
                    V_th: ArrayLike, V_r: ArrayLike, tau_ref: ArrayLike = 0.0) -> np.ndarray:
    """Stationary membrane-potential density P(V) of the LIF neuron with white-noise input.

    P(V) = (2 nu tau_m / sigma) e^{-z^2} int_{max(z, y_r)}^{y_th} e^{u^2} du with
    z = (V - mu)/sigma, and 0 for V >= V_th (Brunel 2000, Eq. 21). It integrates to
    1 - nu tau_ref: the refractory neurons are not in it.

    Parameters
    ----------
    V : float or array_like
        Membrane potentials at which to evaluate the density (V); broadcasts against the
        parameters.
    mu : float or array_like
        Mean free membrane potential (V).
    sigma : float or array_like
        Noise amplitude (V, > 0).
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        Threshold (V).
    V_r : float or array_like
        Reset (V, < V_th).
    tau_ref : float or array_like, optional
        Absolute refractory period (s, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        P(V) (1/V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    y_th, y_r, ref, _, _ = _reduced_thresholds(mu, sigma, tau_m, V_th, V_r, tau_ref, 0.0)
    scaled, M = _reduced_rate(y_th, y_r, ref)
    z_raw = (np.asarray(V, dtype=float) - mu) / sigma
    z = np.minimum(z_raw, y_th)  # above threshold the density is 0; clip to avoid overflow
    a = np.maximum(z, y_r)
    # int_a^b e^{u^2} du = e^{b^2} D(b) - e^{a^2} D(a), each term multiplied by e^{-z^2 - M}
    inner = (np.exp(y_th**2 - z * z - M) * dawsn(y_th)
             - np.exp(a * a - z * z - M) * dawsn(a))
    density = 2.0 * scaled / sigma * inner
    return np.where(z_raw < y_th, density, 0.0)


# --------------------------------------------------------------------------------------------
# dynamics: linear response and spike-train spectra
# --------------------------------------------------------------------------------------------
def _lif_response(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency):
    """Flat arrays: rate (Hz), responses to mu (Hz/V) and sigma**2 (Hz/V**2), ISI transform."""
    require_nonnegative("frequency", frequency, "Hz")
    y_th, y_r, ref, _, _ = _reduced_thresholds(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s)
    shape = _shape(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency)
    tau = np.broadcast_to(np.asarray(tau_m, dtype=float), shape).ravel()
    scale = tau * np.broadcast_to(np.asarray(sigma, dtype=float), shape).ravel()
    omega = 2.0 * np.pi * np.broadcast_to(np.asarray(frequency, dtype=float), shape).ravel()
    flat = [np.broadcast_to(a, shape).ravel() for a in (y_th, y_r, ref)]
    rows, table, row, column = _threshold_integration._batched(*flat, omega * tau)
    y_th_w, y_r_w, ref_w = rows.T
    # the density below the reset falls as e^(-y^2): stop where it is e^(-40) of its top
    y_low = -np.sqrt(np.minimum(y_r_w, 0.0) ** 2 + 40.0)
    rate, response, variance, isi = _threshold_integration._response(lambda y: -y, y_low, y_r_w,
                                                                    y_th_w, ref_w, table)
    sigma2 = np.broadcast_to(np.asarray(sigma, dtype=float), shape).ravel() ** 2
    return (rate[row] / tau, response[row, column] / scale,
            variance[row, column] / (tau * sigma2), isi[row, column])


def transfer_function(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
                      V_r: ArrayLike, tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0, *,
                      frequency: ArrayLike, method: str = "fokker_planck") -> np.ndarray:
    """Linear rate response of the LIF neuron to a modulation of its mean input.

    With mu -> mu + mu_1 cos(2 pi f t) the rate is nu + Re[H(f) mu_1 e^(2 pi i f t)]. This is
    H(f) (Hz/V), complex; H(0) is :func:`rate_derivatives`' d nu / d mu.

    * tau_s = 0 (white noise): the exact result of Brunel & Hakim (1999) and Lindner &
      Schimansky-Geier (2001), which is written with parabolic cylinder functions. It is
      computed here by threshold integration of the Fokker-Planck equation (Richardson
      2007) on two grids with Richardson extrapolation: it equals the closed form to 2e-8 at
      rates of 7-99 Hz and to 3e-6 far below threshold (1e-41 Hz), up to 1 kHz.
    * tau_s > 0 (exponential synapses), ``method="fokker_planck"`` (default): the linear
      response of the two-dimensional Fokker-Planck equation for membrane and synaptic
      current (:func:`theory.integrate_and_fire.if_transfer_function`), exact up to its
      grid (about 1.5 % at 300 Hz) at any tau_s / tau_m, but about 1.5 s per working point
      and frequency.
    * tau_s > 0, ``method="shift"``: the white-noise result with threshold and reset
      shifted by (ALPHA_SHIFT / 2) sigma sqrt(tau_s / tau_m), the Fourcaud-Brunel shift
      this module uses for rates (the "shift" form of Schuecker et al. 2015, Phys. Rev. E
      92:052119). Fast and consistent with :func:`siegert_rate` at f = 0, but first order
      in sqrt(tau_s / tau_m) and right only at low frequencies: it falls as 1 / sqrt(f)
      where colored noise keeps the response up. Against Brian2 at tau_s / tau_m = 0.025 it
      is 18 % low at 293 Hz, at 0.1 it is 2.1 times too low (``tests/engines/
      test_transfer_function.py``).

    The synapse's own low-pass filter 1 / (1 + 2 pi i f tau_s) is not included: the network
    functions of :mod:`theory.dynamics` multiply by it. The arguments broadcast against
    each other; for white noise all working points and frequencies are integrated together
    (about 0.15 ms per pair in a batch of 1000).

    Parameters
    ----------
    mu : float or array_like
        Mean free membrane potential (V).
    sigma : float or array_like
        Noise amplitude (V, > 0), as in :func:`siegert_rate`.
    tau_m : float or array_like
        Membrane time constant (s, > 0).
    V_th : float or array_like
        Threshold (V).
    V_r : float or array_like
        Reset (V, < V_th).
    tau_ref : float or array_like, optional
        Absolute refractory period (s, >= 0). Default 0.
    tau_s : float or array_like, optional
        Time constant of exponential synapses (s, >= 0; 0: white noise). Default 0.
    frequency : float or array_like
        Frequency f of the modulation (Hz, >= 0); keyword only.
    method : {'fokker_planck', 'shift'}, optional
        The colored-noise theory for tau_s > 0 (see above). Default 'fokker_planck'.

    Returns
    -------
    numpy.ndarray
        H(f) (Hz/V), complex.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> H = transfer_function(0.015, 0.005, 0.02, 0.02, 0.01, 0.002, frequency=[0.0, 100.0])
    >>> np.round(np.abs(H), 1), np.round(np.angle(H), 3)
    (array([2907.3,  865.8]), array([ 0.   , -0.827]))
    """
    return _transfer_functions(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency,
                               method)[0]


def _transfer_functions(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency, method):
    """(H, H_2): the responses to mean and variance from one threshold integration (H by
    the Fokker-Planck equation where ``method`` says so and tau_s > 0)."""
    if method not in ("fokker_planck", "shift"):
        raise ParameterError(f"method must be 'fokker_planck' or 'shift'; got {method!r}")
    args = (mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency)
    _, H, H2, _ = _lif_response(*args)
    if method == "fokker_planck" and np.any(np.asarray(tau_s) > 0):
        H = H.astype(complex)
        flat = [np.broadcast_to(np.asarray(a, dtype=float), _shape(*args)).ravel() for a in args]
        from .integrate_and_fire import if_transfer_function
        point = np.stack(flat[:7], axis=1)
        colored = np.nonzero(point[:, 6] > 0)[0]
        rows, index = np.unique(point[colored], axis=0, return_inverse=True)
        for w, (m, s, t, th, r, ref, ts) in enumerate(rows):
            where = colored[index.ravel() == w]
            H[where] = if_transfer_function(lambda V, m=m: m - V, s, t, th, r, ref, ts,
                                            frequency=flat[7][where])
    return H.reshape(_shape(*args)), H2.reshape(_shape(*args))


def variance_transfer_function(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike,
                               V_th: ArrayLike, V_r: ArrayLike, tau_ref: ArrayLike = 0.0,
                               tau_s: ArrayLike = 0.0, *, frequency: ArrayLike) -> np.ndarray:
    """Linear rate response of the LIF neuron to a modulation of its input variance.

    With sigma**2 -> sigma**2 + s_1 cos(2 pi f t) the rate is nu + Re[H_2(f) s_1
    e^(2 pi i f t)]; this is H_2(f) (Hz/V**2), complex, and H_2(0) is
    :func:`rate_derivatives`' d nu / d sigma**2. Poisson input through delta synapses
    modulates mean and variance together (Brunel 2000, Brunel & Hakim 1999); the network
    functions of :mod:`theory.dynamics` add both pathways. Computed with
    :func:`transfer_function`'s threshold integration, exact for white noise; with
    tau_s > 0 it is the "shift" approximation of :func:`transfer_function` (boundaries
    shifted by the unmodulated sigma; right at low frequencies only).

    Parameters
    ----------
    mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s : float or array_like
        As in :func:`transfer_function` (V, V, s, V, V, s, s).
    frequency : float or array_like
        Frequency f (Hz, >= 0); keyword only.

    Returns
    -------
    numpy.ndarray
        H_2(f) (Hz/V**2), complex.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    args = (mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency)
    return _lif_response(*args)[2].reshape(_shape(*args))


def _shape(*args):
    return np.broadcast_shapes(*(np.shape(a) for a in args))


def spike_train_spectrum(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike, V_th: ArrayLike,
                         V_r: ArrayLike, tau_ref: ArrayLike = 0.0, tau_s: ArrayLike = 0.0, *,
                         frequency: ArrayLike) -> np.ndarray:
    """Power spectrum of the spike train of a LIF neuron with white-noise input.

    The spike train is a renewal process, so S(f) = nu Re[(1 + F(f)) / (1 - F(f))] with F
    the Fourier transform of the interspike-interval density (Lindner, Schimansky-Geier &
    Longtin 2002). F comes from the same threshold integration as
    :func:`transfer_function`; at f = 0, S(0) = nu CV^2 (:func:`isi_cv`). S is the Fourier
    transform of the spike train's autocovariance, delta peak included (two-sided
    convention): it tends to nu at high frequencies. tau_s > 0 uses the shifted threshold
    and reset, as :func:`transfer_function` does; the colored noise's own correlations
    between intervals are not included.

    Parameters
    ----------
    mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s : float or array_like
        As in :func:`transfer_function` (V, V, s, V, V, s, s).
    frequency : float or array_like
        Frequency f (Hz, >= 0); keyword only.

    Returns
    -------
    numpy.ndarray
        S(f) (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> S = spike_train_spectrum(0.015, 0.005, 0.02, 0.02, 0.01, 0.002,
    ...                          frequency=[0.0, 1000.0])
    >>> np.round(S, 3)
    array([6.28 , 9.461])
    """
    shape = _shape(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency)
    rate, _, _, isi = _lif_response(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, frequency)
    with np.errstate(divide="ignore", invalid="ignore"):
        spectrum = rate * np.real((1.0 + isi) / (1.0 - isi))
    zero = np.broadcast_to(np.asarray(frequency, dtype=float), shape).ravel() == 0.0
    if np.any(zero):
        cv = np.broadcast_to(isi_cv(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s), shape).ravel()
        spectrum = np.where(zero, rate * cv**2, spectrum)
    return spectrum.reshape(shape)

"""Balanced-state (large-N) theory of E/I networks with 1/sqrt(N) weights.

Mean-field matrices (index order E, I): W_ab = j_ab p_ab q_b and W_ax = j_ax p_ax q_x, with j the
unscaled weights, p the connection probabilities and q the population fractions. Rates in Hz.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .conductance import conductance_time_constant
from .errors import (ParameterError, require, require_nonnegative, require_positive,
                     require_probability, require_shape)

__all__ = ["mean_field_matrices", "balanced_rates", "linear_balanced_solution",
           "conductance_balanced_rates",
           "effective_time_constants", "correlated_state_correlations"]


def mean_field_matrices(j: ArrayLike, j_x: ArrayLike, p: float | tuple, q: ArrayLike,
                        q_x: float | ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The mean-field matrices W and W_x of an E/I network with 1/sqrt(N) weights.

    W_ab = j_ab p_ab q_b and W_ax = j_ax p_ax q_x.

    Parameters
    ----------
    j : array_like, shape (n, n)
        Unscaled weights j[a][b] from population b to a (V, or 1 for conductances).
    j_x : array_like, shape (n,) or (n, m)
        Unscaled weights of the external inputs.
    p : float or tuple
        Connection probability: a scalar, or a pair (p of W, p of W_x) of arrays that
        broadcast against j and j_x.
    q : array_like, shape (n,)
        Population fractions.
    q_x : float or array_like
        Fraction of the external population(s): a scalar, or shape (m,).

    Returns
    -------
    W : numpy.ndarray, shape (n, n)
        Recurrent mean-field matrix.
    W_x : numpy.ndarray, shape (n,) or (n, m)
        External mean-field matrix.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    """
    for name, value in (("j", j), ("j_x", j_x)):
        require(name, value)
    require_nonnegative("q", q)
    require_nonnegative("q_x", q_x)
    j, j_x, q = np.asarray(j, float), np.asarray(j_x, float), np.asarray(q, float)
    p_rec, p_x = (p, p) if np.isscalar(p) else p
    require_probability("p", p_rec)
    require_probability("p", p_x)
    return j * np.asarray(p_rec) * q[None, :], j_x * np.asarray(p_x) * q_x


def balanced_rates(W: ArrayLike, W_x: ArrayLike, r_x: float | ArrayLike) -> np.ndarray:
    """The balanced rates r = -W^-1 W_x r_x, which cancel the O(sqrt N) mean input.

    Parameters
    ----------
    W : array_like, shape (n, n)
        Recurrent mean-field matrix.
    W_x : array_like, shape (n,) or (n, m)
        External mean-field matrix: (n,) with a scalar r_x, or (n, m) with r_x of length m.
    r_x : float or array_like
        External rate(s) (Hz, >= 0).

    Returns
    -------
    numpy.ndarray, shape (n,)
        The rates (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
        If the solution is not positive (no balanced state), too.

    Examples
    --------
    >>> balanced_rates([[2.8, -4.0], [9.6, -6.0]], [6.0, 4.5], 10.0).round(2)
    array([ 8.33, 20.83])
    """
    require_nonnegative("r_x", r_x, "Hz")
    n = require_shape("W", W, (None, None)).shape[0]
    require_shape("W_x", W_x, (n, None) if np.ndim(W_x) == 2 else (n,))
    if np.ndim(W_x) == 2:
        require_shape("r_x", np.atleast_1d(r_x), (np.shape(W_x)[1],))
    r = linear_balanced_solution(W, np.asarray(W_x, float) @ np.atleast_1d(np.asarray(r_x, float))
                                 if np.ndim(W_x) == 2 else np.asarray(W_x, float) * r_x)
    if np.any(r <= 0):
        raise ParameterError(f"no positive balanced solution: r = {r}")
    return r


def linear_balanced_solution(W: ArrayLike, external_input: ArrayLike) -> np.ndarray:
    """The rates at which the recurrent input cancels the external input, r = -W^-1 I.

    The one place this linear problem is solved; :func:`balanced_rates`,
    :func:`correlated_state_correlations` and :class:`theory.plasticity.MeanFieldNetwork`
    call it.

    Parameters
    ----------
    W : array_like, shape (n, n)
        Mean recurrent input per unit rate of each population (any weight unit).
    external_input : array_like, shape (n,) or (n, m)
        Mean external input in the same units times Hz, or m inputs at once (then the result
        is the gain -W^-1 W_x).

    Returns
    -------
    numpy.ndarray
        Rates (Hz), or gains.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    numpy.linalg.LinAlgError
        If W is singular.
    """
    W, external_input = np.asarray(W, float), np.asarray(external_input, float)
    require("W", W)
    require("external_input", external_input)
    n = require_shape("W", W, (None, None)).shape[0]
    if W.shape != (n, n) or external_input.shape[:1] != (n,):
        raise ParameterError(f"W must be square (n, n) and external_input (n,) or (n, m); got "
                             f"shapes {W.shape} and {external_input.shape}")
    return -np.linalg.solve(W, external_input)


def conductance_balanced_rates(Wg: ArrayLike, Wg_x: ArrayLike, E_syn: ArrayLike,
                               E_x: float | ArrayLike, V_mean: ArrayLike,
                               r_x: float | ArrayLike) -> np.ndarray:
    """Balanced rates of a conductance-based network at given mean potentials.

    W(V)_ab = Wg_ab (E_ab - V_a), W_x(V)_a = sum_k Wg_x,ak (E_x,k - V_a) r_x,k and
    r = -W(V)^-1 W_x(V). The covariance of V and the conductances is neglected.

    Parameters
    ----------
    Wg : array_like, shape (n, n)
        Mean-field matrix of the dimensionless conductance weights.
    Wg_x : array_like, shape (n,) or (n, m)
        The same for the external inputs.
    E_syn : array_like, shape (n,) or (n, n)
        Reversal potentials (V) of the inputs from each population b, or per target and source.
    E_x : float or array_like
        Reversal potential(s) of the external inputs (V): a scalar with Wg_x of shape (n,), or
        shape (m,).
    V_mean : array_like, shape (n,)
        Mean membrane potential of each population (V).
    r_x : float or array_like
        External rate(s) (Hz, >= 0), like E_x.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The rates (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    numpy.linalg.LinAlgError
        If W(V) is singular.
    """
    for name, value in (("Wg", Wg), ("Wg_x", Wg_x), ("E_syn", E_syn), ("E_x", E_x),
                        ("V_mean", V_mean)):
        require(name, value)
    require_nonnegative("r_x", r_x, "Hz")
    V = np.asarray(V_mean, float)
    E = np.asarray(E_syn, float)
    W = np.asarray(Wg, float) * ((E[None, :] if E.ndim == 1 else E) - V[:, None])
    Wg_x = np.asarray(Wg_x, float)
    if Wg_x.ndim == 1:
        drive = Wg_x * (E_x - V) * r_x
    else:
        drive = (Wg_x * (np.asarray(E_x, float)[None, :] - V[:, None])) @ np.asarray(r_x, float)
    return linear_balanced_solution(W, drive)


def effective_time_constants(tau_m: float, N: int, Wg: ArrayLike, Wg_x: ArrayLike,
                             r: ArrayLike, r_x: float) -> np.ndarray:
    """Effective membrane time constants of a conductance-based network with 1/sqrt(N)
    weights.

    tau_eff,a = 1 / (1/tau_m + sqrt(N) [Wg r + Wg_x r_x]_a), conductances in units of C_m.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (s, > 0).
    N : int
        Network size (> 0).
    Wg : array_like, shape (n, n)
        Mean-field matrix of the conductance weights (dimensionless).
    Wg_x : array_like, shape (n,)
        The same for the external input.
    r : array_like, shape (n,)
        Population rates (Hz, >= 0).
    r_x : float
        External rate (Hz, >= 0).

    Returns
    -------
    numpy.ndarray, shape (n,)
        tau_eff of each population (s).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    """
    require_positive("tau_m", tau_m, "s")
    require_positive("N", N)
    require("Wg", Wg)
    require("Wg_x", Wg_x)
    require_nonnegative("r", r, "Hz")
    require_nonnegative("r_x", r_x, "Hz")
    g = np.sqrt(N) * (np.asarray(Wg, float) @ np.asarray(r, float)
                      + np.asarray(Wg_x, float) * r_x)
    return conductance_time_constant(tau_m, g)


def correlated_state_correlations(W: ArrayLike, W_x: ArrayLike, c: float, r: ArrayLike,
                                  r_x: float, window: float,
                                  fano: float = 1.0) -> np.ndarray:
    """Order-of-magnitude spike-count correlations of the correlated state.

    Balance makes the population-rate fluctuations track the external ones,
    dR = -W^-1 W_x dX, whose count covariance is c r_x window (Baker et al. 2019).

    Parameters
    ----------
    W : array_like, shape (n, n)
        Recurrent mean-field matrix.
    W_x : array_like, shape (n,)
        External mean-field matrix.
    c : float
        Correlation of the external spike trains (0 to 1).
    r : array_like, shape (n,)
        Population rates (Hz, > 0).
    r_x : float
        External rate (Hz, >= 0).
    window : float
        Counting window (s, > 0).
    fano : float, optional
        Fano factor of the counts (> 0). Default 1.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        Count correlation coefficients rho_ab.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, or of the wrong shape.
    """
    require_probability("c", c)
    require_positive("r", r, "Hz")
    require_nonnegative("r_x", r_x, "Hz")
    require_positive("window", window, "s")
    require_positive("fano", fano)
    gain = linear_balanced_solution(W, W_x)
    cov = np.outer(gain, gain) * c * r_x * window
    var = fano * np.asarray(r, float) * window
    return cov / np.sqrt(np.outer(var, var))

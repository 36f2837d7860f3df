"""Balanced-state (large-N) theory of E/I networks with 1/sqrt(N) weights.

Mean-field matrices (index order E, I): W_ab = j_ab p_ab q_b and W_ax = j_ax p_ax q_x, with j the
unscaled weights, p the connection probabilities and q the population fractions. Rates in Hz.
"""

import numpy as np

from .conductance import conductance_time_constant
from .errors import ParameterError, require, require_nonnegative, require_shape

__all__ = ["mean_field_matrices", "balanced_rates", "linear_balanced_solution",
           "conductance_balanced_rates",
           "effective_time_constants", "correlated_state_correlations"]


def mean_field_matrices(j, j_x, p, q, q_x):
    """W (n, n) and W_x from unscaled weights j[a][b] and j_x (n,) or (n, m), connection
    probability p (scalar, or a pair (p for W, p for W_x) of broadcastable arrays) and
    population fractions q (n,) and q_x (scalar, or (m,))."""
    j, j_x, q = np.asarray(j, float), np.asarray(j_x, float), np.asarray(q, float)
    p_rec, p_x = (p, p) if np.isscalar(p) else p
    return j * np.asarray(p_rec) * q[None, :], j_x * np.asarray(p_x) * q_x


def balanced_rates(W, W_x, r_x):
    """r = -W^-1 W_x r_x: the rates that cancel the O(sqrt N) mean input (Hz).

    W : (n, n); W_x : (n,) with a scalar r_x, or (n, m) with r_x of length m.
    Raises ParameterError if the solution is not positive (no balanced state)."""
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


def linear_balanced_solution(W, external_input):
    """The rates at which the recurrent input cancels the external input, r = -W^-1 I.

    The one place this linear problem is solved; :func:`balanced_rates`,
    :func:`correlated_state_correlations` and :class:`theory.plasticity.MeanFieldNetwork`
    call it.

    Parameters
    ----------
    W : (n, n) mean recurrent input per unit rate of each population (any weight unit)
    external_input : (n,) mean external input in the same units times Hz, or (n, m) for m
        inputs at once (then the result is the gain -W^-1 W_x)

    Returns
    -------
    numpy.ndarray
        Rates (Hz), or gains. Raises numpy's LinAlgError if W is singular.
    """
    W, external_input = np.asarray(W, float), np.asarray(external_input, float)
    require("W", W)
    require("external_input", external_input)
    n = require_shape("W", W, (None, None)).shape[0]
    if W.shape != (n, n) or external_input.shape[:1] != (n,):
        raise ParameterError(f"W must be square (n, n) and external_input (n,) or (n, m); got "
                             f"shapes {W.shape} and {external_input.shape}")
    return -np.linalg.solve(W, external_input)


def conductance_balanced_rates(Wg, Wg_x, E_syn, E_x, V_mean, r_x):
    """Balanced rates of a conductance-based network at mean potentials V_mean (V):
    W(V)_ab = Wg_ab (E_ab - V_a), W_x(V)_a = sum_k Wg_x,ak (E_x,k - V_a) r_x,k,
    r = -W(V)^-1 W_x(V).

    Wg, Wg_x are the mean-field matrices of the dimensionless conductance weights; E_syn the
    reversal potentials (V) of the inputs from each population b (length n, or (n, n) when
    they differ between targets); E_x, r_x those of the external input: scalars with Wg_x of
    length n, or length m with Wg_x (n, m). The V-g covariance is neglected."""
    V = np.asarray(V_mean, float)
    E = np.asarray(E_syn, float)
    W = np.asarray(Wg, float) * ((E[None, :] if E.ndim == 1 else E) - V[:, None])
    Wg_x = np.asarray(Wg_x, float)
    if Wg_x.ndim == 1:
        drive = Wg_x * (E_x - V) * r_x
    else:
        drive = (Wg_x * (np.asarray(E_x, float)[None, :] - V[:, None])) @ np.asarray(r_x, float)
    return linear_balanced_solution(W, drive)


def effective_time_constants(tau_m, N, Wg, Wg_x, r, r_x):
    """tau_eff,a = 1 / (1/tau_m + sqrt(N) [Wg r + Wg_x r_x]_a) in s (conductances / C_m)."""
    g = np.sqrt(N) * (np.asarray(Wg, float) @ np.asarray(r, float)
                      + np.asarray(Wg_x, float) * r_x)
    return conductance_time_constant(tau_m, g)


def correlated_state_correlations(W, W_x, c, r, r_x, window, fano=1.0):
    """Order-of-magnitude spike-count correlations of the correlated state (Baker et al. 2019):
    balance makes population-rate fluctuations track the external ones, dR = -W^-1 W_x dX, whose
    count covariance is c r_x window. Returns the 2x2 matrix rho_ab for windows of ``window``
    seconds, assuming count variances fano * r_a * window."""
    gain = linear_balanced_solution(W, W_x)
    cov = np.outer(gain, gain) * c * r_x * window
    var = fano * np.asarray(r, float) * window
    return cov / np.sqrt(np.outer(var, var))

"""Neuron-resolved linear-response theory of covariances in sparse E/I networks of LIF neurons
(Layer, Helias & Dahmen). SI units: J in V, rates in Hz, times in s; J[post, pre].

1. Working point: mu_i = tau_m (J nu + J_x nu_x)_i + mu_dc_i, sigma_i^2 = tau_m (J^2 nu +
   J_x^2 nu_x)_i, nu = Phi(mu, sigma) (Siegert), solved by a damped fixed-point iteration.
2. Effective connectivity W = diag(alpha) J + diag(beta) J*J, alpha_i = tau_m dnu_i/dmu_i,
   beta_i = tau_m dnu_i/dsigma_i^2 (zero-frequency linear response).
3. Covariances of the linear rate model with output noise: C = B D B^T, B = (1 - W)^-1, with D
   chosen so that diag(C) = a = nu CV^2 (D = (B*B)^-1 a), or one of the variants of sec. 3.4.
4. Disorder statistics: bulk radius R (from W or from block variances), disorder-averaged mean
   and variance of covariances, participation ratio.
"""

import numpy as np
import scipy.linalg

from .errors import (ParameterError, require, require_nonnegative, require_positive,
                     require_shape)
from .lif import isi_cv, rate_derivatives, siegert_rate

__all__ = ["input_moments", "working_point", "effective_connectivity",
           "linear_response_connectivity", "resolved_theory", "covariances",
           "block_means_and_variances", "bulk_radius_squared", "mean_covariances",
           "covariance_variances", "participation_ratio", "external_rates_for_input", "cvs_at"]


def input_moments(J, nu, tau_m, J_x=None, nu_x=None, mu_dc=0.0, J2=None, J_x2=None):
    """Per-neuron mean mu (V) and noise amplitude sigma (V) of the input (diffusion approx.).

    J : (N, N) recurrent weights; nu : (N,) rates; J_x : (N, M) external weights with rates
    nu_x (M,), or None; mu_dc : constant drive tau_m I/C (V), scalar or (N,);
    J2, J_x2 : the second moments of J and J_x (default J*J and J_x*J_x, the case of one
    synapse per entry). A population-level model passes J = K J_mean and J2 = K E[J^2]."""
    mu = tau_m * (J @ nu) + mu_dc
    s2 = tau_m * (((J * J) if J2 is None else J2) @ nu)
    if J_x is not None:
        mu = mu + tau_m * (J_x @ nu_x)
        s2 = s2 + tau_m * (((J_x * J_x) if J_x2 is None else J_x2) @ nu_x)
    return mu, np.sqrt(s2)


def working_point(J, tau_m, V_th, V_r, tau_ref, J_x=None, nu_x=None, mu_dc=0.0, tau_s=0.0,
                  damping=0.2, tol=1e-10, max_iter=20000, nu0=None, J2=None, J_x2=None,
                  dt=0.0):
    """Self-consistent per-neuron rates nu_i = Phi(mu_i(nu), sigma_i(nu)).

    The arguments of :func:`input_moments` define the input (J2, J_x2: second moments, for
    population-level models); the rest are those of :func:`theory.lif.siegert_rate` (``dt``:
    the time step of the simulation compared with, for the discrete-time threshold shift).

    Damped iteration nu <- (1 - damping) nu + damping Phi; each step is one matrix-vector
    product and one vectorised Siegert evaluation. Returns dict(nu, mu, sigma, iterations).
    Raises RuntimeError if it does not converge to |change| < tol (Hz) within max_iter.
    """
    require_positive("tau_m", tau_m, "s")
    require_positive("damping", damping)
    J = np.asarray(J, dtype=float)
    J2 = J * J if J2 is None else np.asarray(J2, dtype=float)
    nu = np.full(J.shape[0], 10.0) if nu0 is None else np.asarray(nu0, dtype=float).copy()
    for it in range(1, max_iter + 1):
        mu, sigma = input_moments(J, nu, tau_m, J_x, nu_x, mu_dc, J2, J_x2)
        new = siegert_rate(mu, sigma, tau_m, V_th, V_r, tau_ref, tau_s, dt)
        change = np.max(np.abs(new - nu))
        nu = (1 - damping) * nu + damping * new
        if change < tol:
            mu, sigma = input_moments(J, nu, tau_m, J_x, nu_x, mu_dc, J2, J_x2)
            return dict(nu=nu, mu=mu, sigma=sigma, iterations=it)
    raise RuntimeError(f"working point did not converge in {max_iter} iterations "
                       f"(last change {change:.3g} Hz)")


def effective_connectivity(J, wp, tau_m, V_th, V_r, tau_ref, tau_s=0.0, dt=0.0):
    """W = diag(alpha) J + diag(beta) J^2 (dimensionless) at the working point ``wp``;
    returns (W, alpha in 1/V, beta in 1/V^2)."""
    d_mu, d_s2 = rate_derivatives(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s, dt)
    alpha, beta = tau_m * d_mu, tau_m * d_s2
    return linear_response_connectivity(J, alpha, beta), alpha, beta


def linear_response_connectivity(J, alpha, beta):
    """The effective connectivity W = diag(alpha) J + diag(beta) J*J.

    Parameters
    ----------
    J : (N, N) weights J[post, pre] (V)
    alpha : (N,) gains of the rates to the mean input, tau_m dnu/dmu (1/V)
    beta : (N,) gains to the input variance, tau_m dnu/dsigma^2 (1/V^2)

    Returns
    -------
    numpy.ndarray
        W (N, N), dimensionless.
    """
    J = np.asarray(J, dtype=float)
    alpha, beta = np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float)
    for name, value in (("J", J), ("alpha", alpha), ("beta", beta)):
        require(name, value)
    return alpha[:, None] * J + beta[:, None] * J * J


def resolved_theory(J, tau_m, V_th, V_r, tau_ref, J_x=None, nu_x=None, mu_dc=0.0, tau_s=0.0,
                    damping=0.5, dt=0.0, nu=None):
    """The whole neuron-resolved theory on one matrix: the working point, the ISI CVs, the
    effective connectivity and the covariances with autocovariance noise.

    Parameters
    ----------
    J : (N, N) weights J[post, pre] (V)
    tau_m, V_th, V_r, tau_ref, tau_s : as for :func:`theory.lif.siegert_rate` (s, V)
    J_x, nu_x, mu_dc : external weights (V), their rates (Hz) and constant drive (V), as
        for :func:`input_moments`
    damping : step of the damped fixed-point iteration
    dt : time step (s) of the simulation compared with: the discrete-time threshold shift of
        :func:`theory.lif.siegert_rate` (0: continuous time, the paper's theory)
    nu : (N,) rates (Hz) to evaluate the theory at instead of the self-consistent ones (the
        semi-analytic variant: simulated rates set mu, sigma, the gains and a = nu CV^2)

    Returns
    -------
    dict
        wp (the :func:`working_point`), cv, W (dimensionless), alpha (1/V), beta (1/V^2),
        a = nu CV^2 (Hz, the output noise), C (Hz, zero-frequency covariances) and D.
    """
    require("J", np.asarray(J, dtype=float))
    if nu is None:
        wp = working_point(J, tau_m, V_th, V_r, tau_ref, J_x=J_x, nu_x=nu_x, mu_dc=mu_dc,
                           tau_s=tau_s, damping=damping, dt=dt)
    else:
        nu = require_shape("nu", require_nonnegative("nu", np.asarray(nu, dtype=float), "Hz"),
                           (np.shape(J)[0],))
        mu, sigma = input_moments(J, nu, tau_m, J_x, nu_x, mu_dc)
        wp = dict(nu=nu, mu=mu, sigma=sigma, iterations=0)
    cv = cvs_at(wp, tau_m, V_th, V_r, tau_ref, tau_s, dt)
    W, alpha, beta = effective_connectivity(J, wp, tau_m, V_th, V_r, tau_ref, tau_s, dt)
    a = wp["nu"] * cv**2
    C, D = covariances(W, a)
    return dict(wp=wp, cv=cv, W=W, alpha=alpha, beta=beta, a=a, C=C, D=D)


def covariances(W, a, noise="autocovariance", dtype=np.float64):
    """Zero-frequency covariances (Hz) of the linear rate model dx = W dx + xi.

    a : per-neuron autocovariance nu CV^2 (Hz)
    noise : 'autocovariance' (D = (B*B)^-1 a so that diag(C) = a exactly),
        'spectral_radius' (D = a (1 - R^2) with R^2 the bulk radius of W's block variances
        given as noise=('spectral_radius', R2)), or an array D given directly.
    dtype : numpy.float64 (default), or numpy.float32 for statistics over many large
        realisations: twice as fast, with a relative error of about 1e-7 cond(1 - W) per
        entry instead of 1e-16 cond(1 - W).
    Returns (C, D).
    """
    if dtype not in (np.float64, np.float32):
        raise ParameterError(f"dtype must be numpy.float64 or numpy.float32; got {dtype!r}")
    N = require_shape("W", W, (None, None)).shape[0]
    require_shape("W", W, (N, N))
    require("W", W)
    if isinstance(noise, str) or isinstance(noise, tuple):
        require_shape("a", a, (N,))
        require_nonnegative("a", a, "Hz")
    W = np.asarray(W, dtype=dtype)
    B = scipy.linalg.inv(np.eye(N, dtype=dtype) - W, overwrite_a=True, check_finite=False)
    if isinstance(noise, str) and noise == "autocovariance":
        D = scipy.linalg.solve(B * B, np.asarray(a, dtype=dtype), overwrite_a=True,
                               check_finite=False)
    elif isinstance(noise, tuple) and noise[0] == "spectral_radius":
        D = np.asarray(a, dtype=dtype) * (1 - noise[1])
    elif not isinstance(noise, str):
        D = np.broadcast_to(np.asarray(noise, dtype=dtype), (N,))
    else:
        raise ParameterError(f"unknown noise model {noise!r}")
    return _congruence(B, D), D


def _congruence(B, D):
    """B diag(D) B^T. For D >= 0 as the symmetric rank-N update (B sqrt(D))(B sqrt(D))^T
    (BLAS syrk: half the flops of a general product), mirrored into a full matrix."""
    if np.all(D >= 0):
        scaled = B * np.sqrt(D)[None, :]
        # a C-ordered X is the Fortran-ordered X^T: syrk with trans=1 forms X X^T, no copy
        syrk = scipy.linalg.blas.ssyrk if B.dtype == np.float32 else scipy.linalg.blas.dsyrk
        C = syrk(1.0, scaled.T, trans=1, lower=0)
        upper = np.triu_indices(len(D), 1)
        C[upper[1], upper[0]] = C[upper]
        return C
    return (B * D[None, :]) @ B.T


def block_means_and_variances(W, populations):
    """Block mean and variance of the entries of W (zeros included) for every pair of
    populations: returns (M, S) as K x K arrays, M[a, b] = mean of W[a-block, b-block]."""
    names = list(populations)
    K = len(names)
    M, S = np.zeros((K, K)), np.zeros((K, K))
    for a, pa in enumerate(names):
        for b, pb in enumerate(names):
            block = np.asarray(W)[populations[pa]][:, populations[pb]]
            M[a, b], S[a, b] = block.mean(), block.var()
    return M, S


def _sizes_and_means(W, a, populations):
    """Population sizes and population means of a (None: means not needed)."""
    idx = [np.arange(np.asarray(W).shape[0])[sl] for sl in populations.values()]
    sizes = np.array([len(i) for i in idx])
    a_bar = None if a is None else np.array([np.mean(np.asarray(a)[i]) for i in idx])
    return sizes, a_bar


def bulk_radius_squared(W, populations):
    """R^2: Perron root of the entry-variance matrix, S_ab N_b, from W's block variances."""
    _, S = block_means_and_variances(W, populations)
    sizes, _ = _sizes_and_means(W, None, populations)
    return float(np.max(np.linalg.eigvals(S * sizes[None, :]).real))


def mean_covariances(W, a, populations):
    """Disorder-averaged mean cross-covariance c_ab (Hz) between populations (sec. 3.5):
    [(1 - Wbar)^-1 Lambda (1 - Wbar)^-T - Lambda]_ab, Wbar_ab = N_b mean(W_ab),
    Lambda = diag(mean a_a / N_a). Independent of the heterogeneity given the mean a."""
    M, _ = block_means_and_variances(W, populations)
    sizes, a_bar = _sizes_and_means(W, a, populations)
    W_bar = M * sizes[None, :]
    inv = np.linalg.inv(np.eye(len(sizes)) - W_bar)
    Lam = np.diag(a_bar / sizes)
    return inv @ Lam @ inv.T - Lam


def covariance_variances(W, a, populations):
    """Disorder-averaged variance of cross-covariances (Hz^2) per population pair (sec. 3.5):
    (s_a a_a^2 + s_b a_b^2)/(1 - R^2) + [sum_c N_c s_c^2 a_c^2]/(1 - R^2)^2, with s_c the
    variance of the outgoing effective weights of population c (column block variance)."""
    _, S = block_means_and_variances(W, populations)
    sizes, a_bar = _sizes_and_means(W, a, populations)
    s = np.average(S, axis=0, weights=sizes)  # variance of outgoing weights of each source
    R2 = bulk_radius_squared(W, populations)
    shared = np.sum(sizes * s**2 * a_bar**2) / (1 - R2) ** 2
    direct = (s * a_bar**2)[:, None] + (s * a_bar**2)[None, :]
    return direct / (1 - R2) + shared


def participation_ratio(C):
    """(tr C)^2 / tr(C^2)."""
    C = np.asarray(C, dtype=float)
    return np.trace(C) ** 2 / np.sum(C * C)


def external_rates_for_input(mu, sigma, J_exc, J_inh, tau_m, mu_dc=0.0):
    """Rates (Hz) of one excitatory (weight J_exc) and one inhibitory (J_inh) Poisson source
    per neuron that give the mean input mu and noise amplitude sigma (V; scalars or arrays
    that broadcast, giving rates of that shape after the first axis), with recurrent input
    already subtracted from mu and sigma^2 by the caller if present:
    tau_m (J_e nu_e + J_i nu_i) = mu - mu_dc, tau_m (J_e^2 nu_e + J_i^2 nu_i) = sigma^2."""
    A = tau_m * np.array([[J_exc, J_inh], [J_exc**2, J_inh**2]])
    rhs = np.array(np.broadcast_arrays(np.asarray(mu, dtype=float) - mu_dc,
                                       np.asarray(sigma, dtype=float) ** 2))
    nu = np.linalg.solve(A, rhs)
    require_nonnegative("external rates for this (mu, sigma)", nu, "Hz")
    return nu


def cvs_at(wp, tau_m, V_th, V_r, tau_ref, tau_s=0.0, dt=0.0):
    """Per-neuron ISI CVs at the working point."""
    return isi_cv(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s, dt)

"""Neuron-resolved linear-response theory of covariances in sparse E/I networks of LIF neurons
(Layer, Helias & Dahmen). SI units: J in V, rates in Hz, times in s; J[post, pre].

1. Working point: mu_i = tau_m (J nu + J_x nu_x)_i + mu_dc_i, sigma_i^2 = tau_m (J^2 nu +
   J_x^2 nu_x)_i, nu = Phi(mu, sigma) (Siegert), solved by Newton's method (or a damped iteration).
2. Effective connectivity W = diag(alpha) J + diag(beta) J*J, alpha_i = tau_m dnu_i/dmu_i,
   beta_i = tau_m dnu_i/dsigma_i^2 (zero-frequency linear response).
3. Covariances of the linear rate model with output noise: C = B D B^T, B = (1 - W)^-1, with D
   chosen so that diag(C) = a = nu CV^2 (D = (B*B)^-1 a), or one of the variants of sec. 3.4.
4. Disorder statistics: bulk radius R (from W or from block variances), disorder-averaged mean
   and variance of covariances, participation ratio.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from numpy.typing import ArrayLike

from .errors import (ParameterError, require, require_integer, require_nonnegative,
                     require_positive, require_shape)
from .lif import isi_cv, rate_derivatives, siegert_rate

__all__ = ["input_moments", "working_point", "effective_connectivity",
           "linear_response_connectivity", "resolved_theory", "covariances",
           "block_means_and_variances", "bulk_radius_squared", "mean_covariances",
           "covariance_variances", "participation_ratio", "external_rates_for_input", "cvs_at"]


def input_moments(J: ArrayLike, nu: ArrayLike, tau_m: float, J_x: ArrayLike | None = None,
                  nu_x: ArrayLike | None = None, mu_dc: ArrayLike = 0.0,
                  J2: ArrayLike | None = None,
                  J_x2: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron mean and noise amplitude of the input in the diffusion approximation.

    mu_i = tau_m (J nu + J_x nu_x)_i + mu_dc_i and sigma_i^2 = tau_m (J2 nu + J_x2 nu_x)_i.

    Parameters
    ----------
    J : array_like, shape (N, N)
        Recurrent weights J[post, pre] (V).
    nu : array_like, shape (N,)
        Rates (Hz, >= 0).
    tau_m : float
        Membrane time constant (s, > 0).
    J_x : array_like, shape (N, M), optional
        External weights (V); None: no external input.
    nu_x : array_like, shape (M,), optional
        Rates of the external inputs (Hz).
    mu_dc : float or array_like, optional
        Constant drive tau_m I/C (V), a scalar or shape (N,). Default 0.
    J2, J_x2 : array_like, optional
        Second moments of J and J_x (default J*J and J_x*J_x: one synapse per entry). A
        population-level model passes J = K J_mean and J2 = K E[J^2].

    Returns
    -------
    mu : numpy.ndarray, shape (N,)
        Mean input (V).
    sigma : numpy.ndarray, shape (N,)
        Noise amplitude (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    require_positive("tau_m", tau_m, "s")
    require_nonnegative("nu", nu, "Hz")
    for name, value in (("J", J), ("J_x", J_x), ("nu_x", nu_x), ("mu_dc", mu_dc), ("J2", J2),
                        ("J_x2", J_x2)):
        if value is not None:
            require(name, value)
    mu = tau_m * (J @ nu) + mu_dc
    s2 = tau_m * (((J * J) if J2 is None else J2) @ nu)
    if J_x is not None:
        mu = mu + tau_m * (J_x @ nu_x)
        s2 = s2 + tau_m * (((J_x * J_x) if J_x2 is None else J_x2) @ nu_x)
    return mu, np.sqrt(s2)


def working_point(J: ArrayLike, tau_m: float, V_th: float, V_r: float, tau_ref: float,
                  J_x: ArrayLike | None = None, nu_x: ArrayLike | None = None,
                  mu_dc: ArrayLike = 0.0, tau_s: float = 0.0, damping: float = 0.2,
                  tol: float = 1e-10, max_iter: int = 20000, nu0: ArrayLike | None = None,
                  J2: ArrayLike | None = None, J_x2: ArrayLike | None = None,
                  dt: float = 0.0, method: str = "newton") -> dict:
    """Self-consistent per-neuron rates nu_i = Phi(mu_i(nu), sigma_i(nu)).

    ``method="newton"`` (default) solves nu - Phi(nu) = 0 by Newton's method with the
    analytic Jacobian tau_m (diag(dnu/dmu) J + diag(dnu/dsigma^2) J2) and a backtracking line
    search that keeps the rates >= 0: 6-15 steps on the networks of
    benchmarks/theory_speed.py, where the damped iteration takes 150-700. The linear systems
    are solved densely (LU) up to N = 6000 and by GMRES (matrix-free) above. Should Newton
    stall, it continues with the damped iteration. Where several fixed points exist, Newton
    may find another one than the damped iteration would (an unstable one, say); use
    ``method="iteration"`` there.
    ``method="iteration"``: the damped iteration nu <- (1 - damping) nu + damping Phi only,
    one matrix-vector product and one vectorised Siegert evaluation per step. Both stop at
    the same criterion and so agree to ``tol``.

    Parameters
    ----------
    J : array_like, shape (N, N)
        Recurrent weights J[post, pre] (V).
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V).
    tau_ref : float
        Refractory period (s, >= 0).
    J_x : array_like, shape (N, M), optional
        External weights (V); None: no external input.
    nu_x : array_like, shape (M,), optional
        Rates of the external inputs (Hz).
    mu_dc : float or array_like, optional
        Constant drive tau_m I/C (V), a scalar or shape (N,). Default 0.
    tau_s : float, optional
        Synaptic time constant (s, >= 0; the Fourcaud-Brunel shift). Default 0.
    damping : float, optional
        Step of the damped iteration (in (0, 1]). Default 0.2.
    tol : float, optional
        Convergence: the largest absolute value of Phi_i(nu) - nu_i (Hz, > 0). Default 1e-10.
    max_iter : int, optional
        Iterations at most (Newton steps and damped steps together, >= 1). Default 20000.
    nu0 : array_like, shape (N,), optional
        Initial rates (Hz, >= 0); default 10 Hz each.
    J2, J_x2 : array_like, optional
        Second moments of the weights, as for :func:`input_moments`.
    dt : float, optional
        Time step of the simulation compared with (s, >= 0): the discrete-time threshold
        shift of :func:`theory.lif.siegert_rate`. Default 0.
    method : {"newton", "iteration"}, optional
        Solver (see above). Default "newton".

    Returns
    -------
    dict
        ``nu`` (Hz), ``mu`` (V) and ``sigma`` (V) per neuron, ``iterations`` (steps taken)
        and ``method`` (the solver that finished: "newton" or "iteration").

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    RuntimeError
        If it does not converge within ``max_iter`` iterations.

    Examples
    --------
    Two neurons, each inhibited by the other and driven by 100 inputs at 10 Hz:

    >>> J = np.array([[0.0, -0.5e-3], [-0.5e-3, 0.0]])
    >>> wp = working_point(J, 0.02, 0.02, 0.01, 0.002, J_x=np.full((2, 1), 100 * 0.5e-3),
    ...                    nu_x=np.array([10.0]))
    >>> wp["method"], wp["iterations"] < 10
    ('newton', True)
    """
    require_positive("tau_m", tau_m, "s")
    require("damping", damping, low=0.0, high=1.0, low_open=True)
    require("tol", tol, low=0.0, low_open=True, unit="Hz")
    max_iter = require_integer("max_iter", max_iter, low=1)
    if method not in ("newton", "iteration"):
        raise ParameterError(f"method must be 'newton' or 'iteration'; got {method!r}")
    J = require("J", np.asarray(J, dtype=float))
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ParameterError(f"J must be a square matrix (N, N); got shape {J.shape}")
    N = J.shape[0]
    J2 = J * J if J2 is None else require_shape("J2", require("J2", np.asarray(J2, dtype=float)),
                                                J.shape)
    if nu0 is None:
        nu = np.full(N, 10.0)
    else:
        nu = require_shape("nu0", require_nonnegative("nu0", np.asarray(nu0, dtype=float), "Hz"),
                           (N,)).copy()
    # the external input and the constant drive, once: mu = tau_m J nu + mu_0, sigma^2 = ...
    mu_0, s2_0 = input_moments(np.zeros((N, 0)), np.zeros(0), tau_m, J_x, nu_x, mu_dc,
                               np.zeros((N, 0)), J_x2)
    s2_0 = s2_0 * s2_0
    lif = (tau_m, V_th, V_r, tau_ref, tau_s, dt)

    def moments(rates):
        return tau_m * (J @ rates) + mu_0, np.sqrt(tau_m * (J2 @ rates) + s2_0)

    def residual(rates):
        mu, sigma = moments(rates)
        return siegert_rate(mu, sigma, *lif) - rates, mu, sigma

    F, mu, sigma = residual(nu)
    it = 0
    solver = method
    if method == "newton":
        nu, F, mu, sigma, it, converged = _newton(nu, F, mu, sigma, J, J2, tau_m, lif,
                                                  residual, tol, max_iter)
        if not converged:
            solver = "iteration"
    while np.max(np.abs(F)) >= tol:
        if it >= max_iter:
            raise RuntimeError(f"working point did not converge in {max_iter} iterations "
                               f"(last change {np.max(np.abs(F)):.3g} Hz)")
        nu = nu + damping * F
        F, mu, sigma = residual(nu)
        it += 1
    return dict(nu=nu, mu=mu, sigma=sigma, iterations=max(it, 1), method=solver)


#: above this many neurons Newton's linear systems are solved by GMRES instead of LU
_DENSE_NEWTON_MAX_N = 6000


def _newton(nu, F, mu, sigma, J, J2, tau_m, lif, residual, tol, max_iter):
    """Newton steps on F(nu) = Phi(nu) - nu with a backtracking line search on |F| and rates
    kept >= 0. Returns (nu, F, mu, sigma, steps, converged); converged is False when a step
    could not reduce |F| (the caller then iterates).

    The Jacobian (its LU factors, when dense) is kept while a step still divides |F| by 4
    or more (a chord step then costs one Siegert evaluation and two triangular solves), and
    renewed otherwise."""
    N = nu.size
    dense = N <= _DENSE_NEWTON_MAX_N
    norm = np.linalg.norm(F)
    factors, jacobian, ratio = None, False, 1.0
    if dense:
        matrix, scratch = np.empty((N, N)), np.empty((N, N))
    for it in range(1, max_iter + 1):
        if np.max(np.abs(F)) < tol:
            return nu, F, mu, sigma, it - 1, True
        if not jacobian or ratio > 0.25:
            jacobian = True
            dnu_dmu, dnu_ds2 = rate_derivatives(mu, sigma, *lif)
            a, b = tau_m * dnu_dmu, tau_m * dnu_ds2
            # (1 - A) step = F with A = diag(a) J + diag(b) J2, the Jacobian of Phi
            if dense:  # formed in two preallocated buffers (allocation costs as much)
                np.multiply(J, -a[:, None], out=matrix)
                np.multiply(J2, -b[:, None], out=scratch)
                matrix += scratch
                matrix[np.diag_indices(N)] += 1.0
                try:
                    factors = scipy.linalg.lu_factor(matrix, overwrite_a=True,
                                                     check_finite=False)
                except (np.linalg.LinAlgError, ValueError):
                    return nu, F, mu, sigma, it - 1, False
        if dense:
            step = scipy.linalg.lu_solve(factors, F, check_finite=False)
        else:
            operator = scipy.sparse.linalg.LinearOperator(
                (N, N), matvec=lambda v: v - a * (J @ v) - b * (J2 @ v), dtype=float)
            step, _ = scipy.sparse.linalg.gmres(operator, F, rtol=1e-3 * min(1.0, norm),
                                                atol=0.1 * tol, restart=100, maxiter=10)
        if not np.all(np.isfinite(step)):
            return nu, F, mu, sigma, it - 1, False
        t = 1.0
        for _ in range(30):
            trial = np.maximum(nu + t * step, 0.0)
            F_t, mu_t, sigma_t = residual(trial)
            norm_t = np.linalg.norm(F_t)
            if norm_t <= (1.0 - 1e-4 * t) * norm or np.max(np.abs(F_t)) < tol:
                break
            t *= 0.5
        else:
            if ratio <= 0.25:  # a stale Jacobian: renew it and try again
                ratio = 1.0
                continue
            return nu, F, mu, sigma, it - 1, False
        ratio = norm_t / norm if norm > 0 else 0.0
        nu, F, mu, sigma, norm = trial, F_t, mu_t, sigma_t, norm_t
    return nu, F, mu, sigma, max_iter, np.max(np.abs(F)) < tol


def effective_connectivity(J: ArrayLike, wp: dict, tau_m: float, V_th: float, V_r: float,
                           tau_ref: float, tau_s: float = 0.0,
                           dt: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The effective connectivity W = diag(alpha) J + diag(beta) J^2 at a working point.

    alpha_i = tau_m dnu_i/dmu_i and beta_i = tau_m dnu_i/dsigma_i^2, the zero-frequency
    linear response.

    Parameters
    ----------
    J : array_like, shape (N, N)
        Weights J[post, pre] (V).
    wp : dict
        The :func:`working_point`.
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V).
    tau_ref : float
        Refractory period (s, >= 0).
    tau_s : float, optional
        Synaptic time constant (s, >= 0). Default 0.
    dt : float, optional
        Time step of the simulation compared with (s, >= 0). Default 0.

    Returns
    -------
    W : numpy.ndarray, shape (N, N)
        Effective connectivity (dimensionless).
    alpha : numpy.ndarray, shape (N,)
        Gains to the mean input (1/V).
    beta : numpy.ndarray, shape (N,)
        Gains to the input variance (1/V^2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    d_mu, d_s2 = rate_derivatives(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s, dt)
    alpha, beta = tau_m * d_mu, tau_m * d_s2
    return linear_response_connectivity(J, alpha, beta), alpha, beta


def linear_response_connectivity(J: ArrayLike, alpha: ArrayLike, beta: ArrayLike) -> np.ndarray:
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


def resolved_theory(J: ArrayLike, tau_m: float, V_th: float, V_r: float, tau_ref: float,
                    J_x: ArrayLike | None = None, nu_x: ArrayLike | None = None,
                    mu_dc: ArrayLike = 0.0, tau_s: float = 0.0, damping: float = 0.5,
                    dt: float = 0.0, nu: ArrayLike | None = None) -> dict:
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


def covariances(W: ArrayLike, a: ArrayLike, noise: str | tuple | ArrayLike = "autocovariance",
                dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Zero-frequency covariances of the linear rate model with output noise.

    C = B D B^T with B = (1 - W)^-1.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Effective connectivity (dimensionless).
    a : array_like, shape (N,)
        Autocovariance of each neuron, nu CV^2 (Hz, >= 0).
    noise : str, tuple or array_like, optional
        The output noise D: 'autocovariance' (default; D = (B*B)^-1 a, so that diag(C) = a
        exactly), ('spectral_radius', R2) (D = a (1 - R^2), with R^2 the bulk radius of W's
        block variances), or D itself, shape (N,).
    dtype : type, optional
        numpy.float64 (default), or numpy.float32 for statistics over many large realisations:
        twice as fast, with a relative error of about 1e-7 cond(1 - W) per entry instead of
        1e-16 cond(1 - W).

    Returns
    -------
    C : numpy.ndarray, shape (N, N)
        Covariances (Hz).
    D : numpy.ndarray, shape (N,)
        The output noise used (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, negative where it must not be, of the wrong shape, or the
        noise model is unknown.
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


def block_means_and_variances(W: ArrayLike,
                              populations: dict) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the entries of each block of W, zeros included.

    Parameters
    ----------
    W : array_like, shape (N, N)
        A matrix over the neurons, W[post, pre].
    populations : dict
        {name: slice or index array} of the neurons of each population.

    Returns
    -------
    M : numpy.ndarray, shape (K, K)
        M[a, b], the mean of the block from population b to population a.
    S : numpy.ndarray, shape (K, K)
        The variances.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    require("W", W)
    if not isinstance(populations, dict) or not populations:
        raise ParameterError(f"populations must be a non-empty dict {{name: slice or indices}}; "
                             f"got {populations!r}")
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


def bulk_radius_squared(W: ArrayLike, populations: dict) -> float:
    """R^2, the squared radius of the bulk of W's eigenvalues, from its block variances.

    The Perron root of the entry-variance matrix S_ab N_b.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Effective connectivity.
    populations : dict
        {name: slice or index array} of the neurons of each population.

    Returns
    -------
    float
        R^2 (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    _, S = block_means_and_variances(W, populations)
    sizes, _ = _sizes_and_means(W, None, populations)
    return float(np.max(np.linalg.eigvals(S * sizes[None, :]).real))


def mean_covariances(W: ArrayLike, a: ArrayLike, populations: dict) -> np.ndarray:
    """Disorder-averaged mean cross-covariance between populations (sec. 3.5).

    c_ab = [(1 - Wbar)^-1 Lambda (1 - Wbar)^-T - Lambda]_ab with Wbar_ab = N_b mean(W_ab) and
    Lambda = diag(mean a_a / N_a). It does not depend on the heterogeneity, given the mean a.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Effective connectivity.
    a : array_like, shape (N,)
        Autocovariance of each neuron, nu CV^2 (Hz).
    populations : dict
        {name: slice or index array} of the neurons of each population.

    Returns
    -------
    numpy.ndarray, shape (K, K)
        Mean cross-covariances (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    M, _ = block_means_and_variances(W, populations)
    require_nonnegative("a", a, "Hz")
    sizes, a_bar = _sizes_and_means(W, a, populations)
    W_bar = M * sizes[None, :]
    inv = np.linalg.inv(np.eye(len(sizes)) - W_bar)
    Lam = np.diag(a_bar / sizes)
    return inv @ Lam @ inv.T - Lam


def covariance_variances(W: ArrayLike, a: ArrayLike, populations: dict) -> np.ndarray:
    """Disorder-averaged variance of cross-covariances per population pair (sec. 3.5).

    (s_a a_a^2 + s_b a_b^2)/(1 - R^2) + [sum_c N_c s_c^2 a_c^2]/(1 - R^2)^2, with s_c the
    variance of the outgoing effective weights of population c.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Effective connectivity.
    a : array_like, shape (N,)
        Autocovariance of each neuron, nu CV^2 (Hz).
    populations : dict
        {name: slice or index array} of the neurons of each population.

    Returns
    -------
    numpy.ndarray, shape (K, K)
        Variances of the cross-covariances (Hz^2).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    _, S = block_means_and_variances(W, populations)
    require_nonnegative("a", a, "Hz")
    sizes, a_bar = _sizes_and_means(W, a, populations)
    s = np.average(S, axis=0, weights=sizes)  # variance of outgoing weights of each source
    R2 = bulk_radius_squared(W, populations)
    shared = np.sum(sizes * s**2 * a_bar**2) / (1 - R2) ** 2
    direct = (s * a_bar**2)[:, None] + (s * a_bar**2)[None, :]
    return direct / (1 - R2) + shared


def participation_ratio(C: ArrayLike) -> float:
    """The participation ratio (tr C)^2 / tr(C^2) of a covariance matrix.

    Parameters
    ----------
    C : array_like, shape (N, N)
        A symmetric covariance matrix.

    Returns
    -------
    float
        The participation ratio (between 1 and N).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    C = require_shape("C", require("C", C), (None, None))
    return np.trace(C) ** 2 / np.sum(C * C)


def external_rates_for_input(mu: ArrayLike, sigma: ArrayLike, J_exc: float, J_inh: float,
                             tau_m: float, mu_dc: ArrayLike = 0.0) -> np.ndarray:
    """Rates of one excitatory and one inhibitory Poisson input that give mu and sigma.

    tau_m (J_exc nu_e + J_inh nu_i) = mu - mu_dc and tau_m (J_exc^2 nu_e + J_inh^2 nu_i) =
    sigma^2. Recurrent input, if any, must already be subtracted from mu and sigma^2.

    Parameters
    ----------
    mu : float or array_like
        Mean input (V).
    sigma : float or array_like
        Noise amplitude (V, >= 0); broadcasts against mu.
    J_exc : float
        Weight of the excitatory input (V, > 0).
    J_inh : float
        Weight of the inhibitory input (V, < 0).
    tau_m : float
        Membrane time constant (s, > 0).
    mu_dc : float or array_like, optional
        Constant drive (V). Default 0.

    Returns
    -------
    numpy.ndarray, shape (2, ...)
        The excitatory and inhibitory rates (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
        If no non-negative rates give this mu and sigma, too.
    """
    require("mu", mu, unit="V")
    require_nonnegative("sigma", sigma, "V")
    require("J_exc", J_exc, low=0.0, low_open=True, unit="V")
    require("J_inh", J_inh, high=0.0, high_open=True, unit="V")
    require_positive("tau_m", tau_m, "s")
    require("mu_dc", mu_dc, unit="V")
    A = tau_m * np.array([[J_exc, J_inh], [J_exc**2, J_inh**2]])
    rhs = np.array(np.broadcast_arrays(np.asarray(mu, dtype=float) - mu_dc,
                                       np.asarray(sigma, dtype=float) ** 2))
    nu = np.linalg.solve(A, rhs)
    require_nonnegative("external rates for this (mu, sigma)", nu, "Hz")
    return nu


def cvs_at(wp: dict, tau_m: float, V_th: float, V_r: float, tau_ref: float,
           tau_s: float = 0.0, dt: float = 0.0) -> np.ndarray:
    """Per-neuron ISI CVs at a working point.

    Parameters
    ----------
    wp : dict
        The :func:`working_point` (its ``mu`` and ``sigma``).
    tau_m : float
        Membrane time constant (s, > 0).
    V_th : float
        Threshold (V).
    V_r : float
        Reset (V).
    tau_ref : float
        Refractory period (s, >= 0).
    tau_s : float, optional
        Synaptic time constant (s, >= 0). Default 0.
    dt : float, optional
        Time step of the simulation compared with (s, >= 0). Default 0.

    Returns
    -------
    numpy.ndarray, shape (N,)
        The CVs (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or of the wrong shape.
    """
    if not isinstance(wp, dict) or not {"mu", "sigma"} <= set(wp):
        raise ParameterError("wp must be a working_point (a dict with 'mu' and 'sigma')")
    return isi_cv(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s, dt)

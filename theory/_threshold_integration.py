"""Linear response of an integrate-and-fire neuron in white noise, by threshold integration.

The numerics behind :func:`theory.lif.transfer_function` and
:func:`theory.integrate_and_fire.if_transfer_function`, on plain arrays in reduced units:
potential y = V / sigma, time in units of tau_m, reduced drift F(y) = f(V) / sigma. The
Fokker-Planck equation of tau_m dV/dt = f(V) + sigma sqrt(tau_m) xi(t) then reads

    dP/dt = -dJ/dy,    J = F P - (1/2) dP/dy,

with P(y_th) = 0, the flux J(y_th) = nu leaving at the threshold and reinjected at y_r after
the refractory period. A modulation of the mean input, f -> f + mu_1 e^(i Omega t), adds
epsilon P_0 to the flux (epsilon = mu_1 / sigma), and the first-order parts obey

    dP_1/dy = 2 F P_1 + 2 epsilon P_0 - 2 J_1,    dJ_1/dy = -i Omega P_1,

with a jump of J_1 by nu_1 e^(-i Omega tau_ref) at the reset. Following Richardson (2007,
Phys. Rev. E 76:021919), the equations are integrated from the threshold downwards, where
they are stable, for solutions that are linear in the unknowns; the condition J_1 = 0 far
below fixes the rate response nu_1 / epsilon. The same pass gives the stationary density
and rate, and the Fourier transform of the interspike-interval density, from which the
spike train's power spectrum follows (renewal process).

Each step treats e^(phi) exactly (phi' = 2 F) and the rest by the trapezoidal rule,
implicit in the coupling of P and J: second order, so two grids and Richardson
extrapolation remove the leading error. All working points and frequencies are integrated
together, one numpy operation per step over all of them; solutions are rescaled every few
steps so that nothing overflows (their growth cancels in every result).
"""

from __future__ import annotations

import numpy as np

_RESCALE_EVERY = 16


def _integrate(y, F, k_r, tau_ref, Omega):
    """One pass on one grid.

    Parameters
    ----------
    y, F : arrays (n + 1, W)
        Grid (ascending; y[0] far below, y[-1] the threshold) and reduced drift per working
        point (column).
    k_r : int
        Index of the reset node (the same in every column).
    tau_ref : array (W, 1)
        Refractory period in units of tau_m.
    Omega : array (W, M)
        Angular frequencies in units of 1/tau_m (>= 0).

    Returns
    -------
    rate : array (W, 1)
        Stationary rate (1/tau_m).
    response : array (W, M), complex
        nu_1 / epsilon (1/tau_m per unit of mu_1 / sigma).
    variance_response : array (W, M), complex
        nu_1 / epsilon_2 for a modulation of the noise variance, sigma^2 -> sigma^2 (1 +
        epsilon_2 e^(i Omega t)) (1/tau_m).
    isi_transform : array (W, M), complex
        Fourier transform of the interspike-interval density (refractory period included).

    Notes
    -----
    Every flux is J = J_0 + i Omega K with J_0 its value without modulation and K the
    integral of P, and the results are written with K, so that Omega = 0 is exact: the
    response there is the derivative of the stationary rate.
    """
    n = y.shape[0] - 1
    W, M = Omega.shape
    h = np.diff(y, axis=0)                                    # (n, W)
    x = h * (F[1:] + F[:-1])                                  # phi_k - phi_(k-1), phi' = 2F
    r = np.exp(-x)
    alpha, beta = _exponential_weights(x, h)
    # rows: 0 E (flux 1 at threshold, no reinjection), 1 D (flux -1 injected at the reset,
    # nothing above), 2 B (response to epsilon = 1 with the unnormalised density as source),
    # 3 S (response to a relative change of the noise variance, epsilon_2 = 1)
    P = np.zeros((4, W, M), dtype=complex)
    K = np.zeros((4, W, M), dtype=complex)
    base = np.zeros((4, W, 1))
    base[0] = 1.0
    pc = np.zeros((W, 1))      # unnormalised stationary density (flux 1 above the reset)
    jc = np.ones((W, 1))
    integral = np.zeros((W, 1))  # of pc over y
    log_scale = np.zeros((W, 1))  # stored values = true values * e^(-log_scale)
    iO = 1j * Omega
    J = base + iO * K
    for k in range(n, 0, -1):
        if k == k_r:  # crossing the reset downwards: the reinjected flux is left behind
            base[1] -= jc
            jc = jc - jc
            J = base + iO * K
        rk = r[k - 1][:, None]
        hk = h[k - 1][:, None]
        a, b = alpha[k - 1][:, None], beta[k - 1][:, None]
        pc_new = rk * pc + 2.0 * (a + b) * jc
        q = hk * b * iO
        P_new = ((rk + q) * P + (2.0 * (a + b)) * J) / (1.0 - q)
        P_new[2] -= 2.0 * (a * pc + b * pc_new) / (1.0 - q)
        # flux source -(F P_0 - J_0) of a variance change, at both ends of the interval
        P_new[3] += 2.0 * (a * (F[k][:, None] * pc - jc)
                           + b * (F[k - 1][:, None] * pc_new - jc)) / (1.0 - q)
        K += (0.5 * hk) * (P + P_new)
        J = base + iO * K
        integral += 0.5 * hk * (pc + pc_new)
        P, pc = P_new, pc_new
        if k % _RESCALE_EVERY == 0:
            size = np.maximum(np.abs(P).max(axis=(0, 2)), np.abs(K).max(axis=(0, 2)))
            size = np.maximum(size, np.maximum(np.abs(pc[:, 0]), np.abs(base).max(axis=(0, 2))))
            size = np.where(size > 1e100, size, 1.0)[:, None]
            P, K, base = P / size, K / size, base / size
            pc, jc, integral = pc / size, jc / size, integral / size
            J = base + iO * K
            log_scale += np.log(size)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        unit = np.exp(-log_scale)  # a flux of 1 in stored units
        rate = 1.0 / (integral / unit + tau_ref)
        refractory = np.exp(-iO * tau_ref)
        # (1 - e^(-i Omega tau_ref)) / (i Omega), -> tau_ref as Omega -> 0
        delay = tau_ref * np.exp(-0.5 * iO * tau_ref) * np.sinc(Omega * tau_ref / (2 * np.pi))
        # J_E + e^(-i Omega tau_ref) J_D = i Omega Q (stored units)
        Q = unit * delay + K[0] + refractory * K[1]
        response = -rate * K[2] / Q
        variance_response = -rate * K[3] / Q
        isi_transform = -refractory * J[1] / J[0]
    rate = np.where(np.isfinite(rate), rate, 0.0)
    response = np.where(np.isfinite(response), response, 0.0)
    variance_response = np.where(np.isfinite(variance_response), variance_response, 0.0)
    return rate, response, variance_response, isi_transform


def _exponential_weights(x, h):
    """Weights (alpha, beta) of int_(y_(k-1))^(y_k) e^(phi_(k-1) - phi(u)) s(u) du =
    alpha s_k + beta s_(k-1), exact for phi and s linear on the interval (x = phi_k -
    phi_(k-1)); they tend to the trapezoidal h/2, h/2 as x -> 0."""
    small = np.abs(x) < 1e-2
    xs = np.where(small, 1.0, x)
    with np.errstate(over="ignore", invalid="ignore"):
        e1 = np.where(small, 1.0 - x / 2 + x**2 / 6 - x**3 / 24 + x**4 / 120,
                      -np.expm1(-xs) / xs)
        e2 = np.where(small, 0.5 - x / 3 + x**2 / 8 - x**3 / 30 + x**4 / 144,
                      (-np.expm1(-xs) - xs * np.exp(-xs)) / xs**2)
    return h * e2, h * (e1 - e2)


def _grid(y_low, y_r, y_th, n_below, n_above):
    """Per-column grid from y_low to y_th with y_r on node n_below (arrays (W,)): the numbers
    of intervals below and above the reset are shared between columns, their lengths not."""
    below = np.linspace(0.0, 1.0, n_below + 1)[:, None] * (y_r - y_low) + y_low
    above = np.linspace(0.0, 1.0, n_above + 1)[1:, None] * (y_th - y_r) + y_r
    return np.concatenate([below, above])


def _response(drift, y_low, y_r, y_th, tau_ref, Omega, step=0.02):
    """Rate, responses to mean and variance and ISI transform, extrapolated from two grids.

    ``drift(y)`` maps a grid (n + 1, W) to the reduced drift there. y_low, y_r, y_th,
    tau_ref: arrays (W,); Omega: array (W, M). The coarse grid's intervals are at most
    ``step`` long (reduced units), shorter where the drift is strong (0.1 / max |F|) or the
    frequency high (0.2 / sqrt(2 Omega)); the fine grid halves them. Rows that need similar
    numbers of intervals are integrated together (groups within a factor sqrt(2)), so one
    demanding working point does not set the grid of all. Returns as :func:`_integrate`,
    with rate of shape (W,).
    """
    probe = _grid(y_low, y_r, y_th, 64, 64)
    strongest = np.max(np.abs(drift(probe)), axis=0)
    fastest = np.max(Omega, axis=1)
    h = np.minimum(np.minimum(step, 0.1 / np.maximum(strongest, 1e-12)),
                   0.2 / np.sqrt(2.0 * np.maximum(fastest, 1e-12)))
    below = np.maximum(np.ceil((y_r - y_low) / h), 4)
    above = np.maximum(np.ceil((y_th - y_r) / h), 4)
    group = np.floor(2.0 * np.log2(below + above)).astype(int)
    rate = np.empty(len(y_r))
    resp, variance, isi = (np.empty(Omega.shape, dtype=complex) for _ in range(3))
    for g in np.unique(group):
        rows = np.nonzero(group == g)[0]
        n_below, n_above = int(below[rows].max()), int(above[rows].max())
        out = []
        for m in (1, 2):
            y = _grid(y_low[rows], y_r[rows], y_th[rows], m * n_below, m * n_above)
            out.append(_integrate(y, drift(y), m * n_below, tau_ref[rows, None], Omega[rows]))
        r, a, v, i = ((4.0 * f - c) / 3.0 for c, f in zip(*out))
        rate[rows], resp[rows], variance[rows], isi[rows] = r[:, 0], a, v, i
    return rate, resp, variance, isi


def _batched(y_th, y_r, tau_ref, Omega):
    """Lay out flat arrays of working points and frequencies as (W, M): one row per distinct
    working point (y_th, y_r, tau_ref), its frequencies along the row (padded by repeating
    the first). Returns (rows, Omega (W, M), row index, column index) for each element."""
    keys = np.stack([y_th, y_r, tau_ref], axis=1)
    rows, index = np.unique(keys, axis=0, return_inverse=True)
    index = index.ravel()
    order = np.argsort(index, kind="stable")
    counts = np.bincount(index, minlength=len(rows))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    column = np.empty_like(index)
    column[order] = np.arange(len(index)) - starts[index[order]]
    table = np.repeat(Omega[order][starts][:, None], counts.max(), axis=1)
    table[index, column] = Omega
    return rows, table, index, column

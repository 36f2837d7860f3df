"""Mean-field theory of STDP in balanced networks (Akil, Rosenbaum & Josic, sec. 4).

Conventions: populations a, b (rows post, columns pre), unscaled weights j = sqrt(N) J in V
(SI; the brief quotes them in mV), rates in Hz, times in s. A network is described by
:class:`MeanFieldNetwork`; its balanced rates are r = -W^-1 W_x r_x with W_ab = p q_b j_ab
(sec. 4.1), and the zero-frequency cross-spectral densities of its spike trains follow the
input's: C~ = G C_x G^T with G = W^-1 W_x (sec. 4.2). A count covariance over a window T
(much longer than the correlation times) is T C~.

Weight drifts (sec. 4.3) use the trace averages <x_post S_pre> = tau r_a r_b + K-,
<x_pre S_post> = tau r_a r_b + K+, with K+ = K- = C~_ab / 2 (covariances narrow and
symmetric compared with tau): the paper's zero-frequency theory. The next order, per
synapse: :func:`direct_link_trace_integral` (a synapse's own causal covariance, K+ > K-)
and :func:`soft_hebbian_relaxation` (with the rule's first-order term in eta). Learning
rates are those of :mod:`balanced_models.engines.brian2.plasticity` with weights in j
units: dimensionless for soft Hebbian and Kohonen (beta_hat = sqrt(N) beta in V), in V for
the homeostatic rule (j_n = sqrt(N) w_norm, rho the postsynaptic target rate).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from .balanced import linear_balanced_solution, mean_field_matrices
from .errors import (ParameterError, require, require_nonnegative, require_positive,
                     require_probability)
from .spectra import count_covariance_from_spectrum

__all__ = ["MeanFieldNetwork", "weight_drift", "homeostatic_fixed_point", "kohonen_fixed_points",
           "kohonen_fixed_point_curve", "kohonen_saddle_node", "soft_hebbian_transient",
           "pinned_rate_weights", "direct_link_trace_integral", "soft_hebbian_relaxation"]


@dataclass(frozen=True)
class MeanFieldNetwork:
    """A balanced network's block structure, for the mean-field theory of its weights.

    Parameters
    ----------
    j : tuple
        Unscaled recurrent weights, shape (n, n) (V), rows post, columns pre.
    j_x : tuple
        Unscaled weights from the m external populations, shape (n, m) (V).
    p : float
        Connection probability of every block (0 to 1).
    q : tuple
        Population sizes as fractions of N, shape (n,).
    q_x : tuple
        The same for the external populations, shape (m,).
    r_x : tuple
        Rates of the external inputs (Hz), shape (m,).
    c : float, optional
        Pairwise count correlation of the inputs of the first external population (0 to 1).
        Default 0.
    N : float, optional
        Network size, or None (the default) for the N -> infinity limit; only used for the
        1/N_x shared-input covariance at c < 1.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, outside its range or the shapes do not match.
    """

    j: tuple
    j_x: tuple
    p: float
    q: tuple
    q_x: tuple
    r_x: tuple
    c: float = 0.0
    N: float = None

    def __post_init__(self):
        require_probability("p", self.p)
        require_probability("c", self.c)
        require_nonnegative("r_x", np.asarray(self.r_x, float), "Hz")
        n, m = np.shape(self.j)[0], len(self.q_x)
        if np.shape(self.j) != (n, n) or np.shape(self.j_x) != (n, m) or len(self.q) != n \
                or len(self.r_x) != m:
            raise ParameterError("j must be (n, n), j_x (n, m), q (n,), q_x and r_x (m,); got "
                                 f"{np.shape(self.j)}, {np.shape(self.j_x)}, {len(self.q)}, "
                                 f"{len(self.q_x)}, {len(self.r_x)}")
        if self.N is not None:
            require("N", self.N, low=1.0)

    @property
    def W(self):
        return mean_field_matrices(self.j, self.j_x, self.p, self.q, self.q_x)[0]

    @property
    def W_x(self):
        return mean_field_matrices(self.j, self.j_x, self.p, self.q, self.q_x)[1]

    def with_weight(self, a, b, value):
        """A copy with j[a][b] = value."""
        j = np.array(self.j, float)
        j[a, b] = value
        return replace(self, j=tuple(map(tuple, j)))

    def rates(self):
        """Balanced rates r = -W^-1 W_x r_x (Hz); NaN where the balanced state does not exist
        (W singular or a non-positive rate)."""
        try:
            r = linear_balanced_solution(self.W, self.W_x @ np.asarray(self.r_x, float))
        except np.linalg.LinAlgError:
            return np.full(len(self.q), np.nan)
        return r if np.all(r > 0) else np.full(len(self.q), np.nan)

    def spectral_covariance(self):
        """Zero-frequency cross-spectral densities C~_ab (Hz) between one neuron of a and one
        of b: G C_x G^T with G = W^-1 W_x. The input term of external population k is the
        spectral density of its population mean, r_x (c + (1 - c)/N_x) for the first (the
        correlated one) and r_x/N_x for the others (0 if N is None)."""
        G = linear_balanced_solution(self.W, self.W_x)  # -W^-1 W_x; the sign drops out
        r_x = np.asarray(self.r_x, float)
        inv_nx = np.zeros_like(r_x) if self.N is None else 1.0 / (np.asarray(self.q_x) * self.N)
        corr = np.zeros_like(r_x)
        corr[0] = self.c
        C_x = np.diag(r_x * (corr + (1 - corr) * inv_nx))
        return G @ C_x @ G.T

    def count_covariances(self, window):
        """Mean spike-count covariances over windows of ``window`` seconds (T C~)."""
        return count_covariance_from_spectrum(self.spectral_covariance(), window)


def weight_drift(kind: str, j: ArrayLike, r_post: ArrayLike, r_pre: ArrayLike, C: ArrayLike,
                 tau: float, *, eta: float, N: float | None = None,
                 j_max: float | None = None, beta_hat: float | None = None,
                 j_n: float | None = None, rho: float | None = None) -> np.ndarray:
    """Mean-field drift dj/dt of a block of weights under one STDP rule.

    - soft_hebbian: eta [j_max (tau r_a r_b + C/2) - j (tau r_a r_b + C/2)]
    - kohonen: eta [beta_hat (tau r_a r_b + C/2) - j r_a]
    - homeostatic: -(eta sqrt(N)/j_n) j [r_b (2 tau r_a - 2 rho tau) + C]
    - additive: eta sqrt(N) (K+ - K-) = 0 for symmetric covariances (no restoring force)

    Parameters
    ----------
    kind : {'soft_hebbian', 'kohonen', 'homeostatic', 'additive'}
        The rule.
    j : float or array_like
        Unscaled weights (V).
    r_post : float or array_like
        Postsynaptic rate (Hz, >= 0).
    r_pre : float or array_like
        Presynaptic rate (Hz, >= 0).
    C : float or array_like
        Zero-frequency cross-spectral density C~ of the pair (Hz).
    tau : float
        Trace time constant (s, > 0).
    eta : float
        Learning rate, as in the rule (module documentation).
    N : float, optional
        Network size (homeostatic and additive rules).
    j_max : float, optional
        Bound of the soft Hebbian rule (V).
    beta_hat : float, optional
        Kohonen's beta_hat = sqrt(N) beta (V).
    j_n : float, optional
        Normaliser of the homeostatic rule (V).
    rho : float, optional
        Target rate of the homeostatic rule (Hz).

    Returns
    -------
    numpy.ndarray
        dj/dt (V/s).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
        If the rule's own parameter is missing or the kind is unknown, too.
    """
    if kind not in ("soft_hebbian", "kohonen", "homeostatic", "additive"):
        raise ParameterError(f"kind must be soft_hebbian, kohonen, homeostatic or additive; "
                             f"got {kind!r}")
    require("j", j, unit="V")
    require_nonnegative("r_post", r_post, "Hz")
    require_nonnegative("r_pre", r_pre, "Hz")
    require("C", C, unit="Hz")
    require_positive("tau", tau, "s")
    require("eta", eta)
    needs = {"soft_hebbian": {"j_max": j_max}, "kohonen": {"beta_hat": beta_hat},
             "homeostatic": {"N": N, "j_n": j_n, "rho": rho}, "additive": {}}[kind]
    for name, value in needs.items():
        if value is None:
            raise ParameterError(f"{name} is needed for the {kind} rule")
        require(name, value)
    pair = tau * r_post * r_pre + C / 2
    if kind == "soft_hebbian":
        return eta * (j_max - j) * pair
    if kind == "kohonen":
        return eta * (beta_hat * pair - j * r_post)
    if kind == "homeostatic":
        return -(eta * np.sqrt(N) / j_n) * j * (r_pre * 2 * tau * (r_post - rho) + C)
    if kind == "additive":
        return 0.0 * j
    raise ParameterError(f"kind must be soft_hebbian, kohonen, homeostatic or additive; "
                         f"got {kind!r}")


def _balanced_interval(net, a, b, lo, hi, n=2001):
    """Sub-intervals of [lo, hi] (values of j[a][b]) on which the balanced state exists."""
    grid = np.linspace(lo, hi, n)
    ok = np.array([np.all(np.isfinite(net.with_weight(a, b, x).rates())) for x in grid])
    return grid, ok


def _roots(f, grid, ok):
    """Roots of f on the grid points where ok, located by sign changes and brentq."""
    values = np.array([f(x) if k else np.nan for x, k in zip(grid, ok)])
    roots = [x for x, v in zip(grid, values) if v == 0]
    for i in range(len(grid) - 1):
        if values[i] * values[i + 1] < 0:  # False where either is NaN
            roots.append(brentq(f, grid[i], grid[i + 1], xtol=1e-12))
    return sorted(roots)


def homeostatic_fixed_point(net: MeanFieldNetwork, post: int, pre: int, rho: float,
                            tau: float, *, bounds: tuple = (-1.0, 0.0),
                            include_covariance: bool = True) -> tuple[float, np.ndarray]:
    """Fixed point of the homeostatic rule on the block j[post][pre] (e.g. I->E iSTDP).

    Solves r_pre (2 tau (r_post - rho)) + C~_post,pre = 0 for j[post][pre]. At c = 0 and
    N -> infinity this pins r_post = rho; with c > 0 it gives r_post = rho / (1 + c/(2 tau r_x))
    (sec. 4.3).

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    post, pre : int
        Indices of the postsynaptic and presynaptic populations.
    rho : float
        Target rate (Hz, >= 0).
    tau : float
        Trace time constant (s, > 0).
    bounds : tuple of float, optional
        The interval of j[post][pre] searched (V). Default (-1, 0).
    include_covariance : bool, optional
        Whether the covariance term C~ enters (default True).

    Returns
    -------
    j : float
        The fixed point (V).
    rates : numpy.ndarray
        The balanced rates at it (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
        If there is not exactly one fixed point within ``bounds``, too.
    """
    require("tau", tau, low=0.0, low_open=True, unit="s")
    require_nonnegative("rho", rho, "Hz")

    def f(x):
        m = net.with_weight(post, pre, x)
        r = m.rates()
        C = m.spectral_covariance()[post, pre] if include_covariance else 0.0
        return r[pre] * 2 * tau * (r[post] - rho) + C

    grid, ok = _balanced_interval(net, post, pre, *bounds)
    roots = _roots(f, grid, ok)
    if len(roots) != 1:
        raise ParameterError(f"expected one fixed point of j[{post}][{pre}] in {bounds}; "
                             f"found {len(roots)}")
    x = roots[0]
    return x, net.with_weight(post, pre, x).rates()


def _kohonen_terms(net, a, tau, x):
    """(j r_a, tau r_a^2 + C~_aa/2) at j[a][a] = x: the Kohonen drift on the block is
    proportional to beta_hat (tau r_a^2 + C~_aa/2) - j r_a."""
    m = net.with_weight(a, a, x)
    r = m.rates()[a]
    return x * r, tau * r * r + m.spectral_covariance()[a, a] / 2


def _kohonen_condition(net, a, tau, beta_hat):
    def g(x):
        loss, gain = _kohonen_terms(net, a, tau, x)
        return beta_hat * gain - loss
    return g


def kohonen_fixed_points(net: MeanFieldNetwork, a: int, beta_hat: float, tau: float, *,
                         bounds: tuple = (0.0, 0.2)) -> list:
    """Fixed points of the Kohonen rule on the recurrent block j[a][a].

    The lower fixed point is stable, the upper one (if any) unstable (sec. 4.3); stability is
    the sign of the drift's slope.

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    a : int
        Index of the population.
    beta_hat : float
        sqrt(N) beta (V, >= 0).
    tau : float
        Trace time constant (s, > 0).
    bounds : tuple of float, optional
        The interval of j searched (V). Default (0, 0.2).

    Returns
    -------
    list of tuple
        (j in V, stable) for each fixed point, in increasing j.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require("beta_hat", beta_hat, low=0.0, unit="V")
    g = _kohonen_condition(net, a, tau, beta_hat)
    grid, ok = _balanced_interval(net, a, a, *bounds)
    out = []
    for x in _roots(g, grid, ok):
        h = 1e-5 * max(abs(x), 1e-3)
        out.append((x, (g(x + h) - g(x - h)) / (2 * h) < 0))
    return out


def kohonen_fixed_point_curve(net: MeanFieldNetwork, a: int, tau: float, *,
                              bounds: tuple = (0.0, 0.2),
                              n: int = 2001) -> tuple[np.ndarray, np.ndarray]:
    """Every Kohonen fixed point at once, as beta_hat(j).

    beta_hat(j) = j r_a / (tau r_a^2 + C~_aa/2) on a grid of the balanced range of j. Below
    the maximum of beta_hat(j) (the saddle-node) the branch is stable, above it unstable.

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    a : int
        Index of the population.
    tau : float
        Trace time constant (s, > 0).
    bounds : tuple of float, optional
        The range of j (V). Default (0, 0.2).
    n : int, optional
        Grid points (>= 2). Default 2001.

    Returns
    -------
    j : numpy.ndarray
        Weights where the balanced state exists (V).
    beta_hat : numpy.ndarray
        beta_hat at which each is a fixed point (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require("tau", tau, low=0.0, low_open=True, unit="s")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ParameterError(f"n must be an integer >= 2; got {n!r}")
    grid, ok = _balanced_interval(net, a, a, *bounds, n=n)
    return grid[ok], np.array([_kohonen_beta(net, a, tau, x) for x in grid[ok]])


def _kohonen_beta(net, a, tau, x):
    loss, gain = _kohonen_terms(net, a, tau, x)
    return loss / gain


def kohonen_saddle_node(net: MeanFieldNetwork, a: int, tau: float, *,
                        bounds: tuple = (0.0, 0.2)) -> tuple[float, float]:
    """beta_hat at which the two Kohonen fixed points merge (saddle-node bifurcation).

    A fixed point satisfies beta_hat = j r_a / (tau r_a^2 + C~_aa/2); the bifurcation value is
    the maximum of this over the balanced range of j.

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    a : int
        Index of the population.
    tau : float
        Trace time constant (s, > 0).
    bounds : tuple of float, optional
        The range of j (V). Default (0, 0.2).

    Returns
    -------
    beta_hat_c : float
        The bifurcation value (V).
    j_c : float
        The weight at the merger (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    grid, values = kohonen_fixed_point_curve(net, a, tau, bounds=bounds)
    i = int(np.argmax(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda x: -_kohonen_beta(net, a, tau, x), bounds=(lo, hi),
                          method="bounded", options={"xatol": 1e-10})
    return -res.fun, res.x


def soft_hebbian_transient(net: MeanFieldNetwork, a: int, b: int, j0: float, j_max: float,
                           eta: float, tau: float, times: ArrayLike) -> np.ndarray:
    """The mean-field transient of j[a][b] under the soft Hebbian rule.

    dj/dt = eta (j_max - j)(tau r_a(j) r_b(j) + C~_ab(j)/2), with the rates and covariances of
    the balanced state at the current weight.

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    a, b : int
        Indices of the postsynaptic and presynaptic populations.
    j0 : float
        Initial weight (V).
    j_max : float
        The rule's bound (V).
    eta : float
        Learning rate (dimensionless, > 0).
    tau : float
        Trace time constant (s, > 0).
    times : array_like
        Times at which to return j (s, increasing, from 0).

    Returns
    -------
    numpy.ndarray
        j at ``times`` (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require("j0", j0, unit="V")
    require("j_max", j_max, unit="V")
    require_positive("eta", eta)
    require_positive("tau", tau, "s")
    require_nonnegative("times", times, "s")

    def rhs(_, y):
        m = net.with_weight(a, b, y[0])
        r = m.rates()
        return [weight_drift("soft_hebbian", y[0], r[a], r[b], m.spectral_covariance()[a, b],
                             tau, eta=eta, j_max=j_max)]

    times = np.asarray(times, float)
    sol = solve_ivp(rhs, (times[0], times[-1]), [j0], t_eval=times, rtol=1e-8, atol=1e-10)
    return sol.y[0]


def direct_link_trace_integral(gain: ArrayLike, tau: float, *, latency: float = 0.0,
                               synaptic_tau: float = 0.0, delay: float = 0.0) -> np.ndarray:
    """The trace-weighted integral int_0^inf e^(-u/tau) h(u) du of the response h(u) of a
    neuron's rate to one input event through a synapse (the cross-covariance a direct link
    adds to a pair, per presynaptic spike).

    A spike of the presynaptic neuron raises the postsynaptic rate by h(u) at lag u, so the
    pair's cross-covariance gets r_pre h(u) at positive lags (pre before post): K+ of the
    pair (sec. 4.3 of the brief) gets r_pre times this integral, and K- gets the same from a
    link the other way. h is the synapse's delay, its exponential filter and the neuron's
    rate response in series; its integral is ``gain`` (the rate's derivative with respect
    to the input's event rate, Hz per Hz). The integral is the Laplace transform at 1 / tau:
    gain exp(-delay / tau) / (1 + synaptic_tau / tau) times the neuron's own factor,
    exp(-latency / tau), with ``latency`` the mean lag of its response (the group delay of
    its transfer function at f = 0). The last factor is exact to second order in
    latency / tau; the spread of the lags enters at that order.

    Parameters
    ----------
    gain : float or array_like
        int_0^inf h(u) du (dimensionless, Hz per Hz).
    tau : float
        Trace time constant of the STDP rule (s, > 0).
    latency : float, optional
        Mean lag of the neuron's rate response (s, >= 0).
    synaptic_tau : float, optional
        Time constant of the synapse's exponential current (s, >= 0; 0 for delta synapses).
    delay : float, optional
        Transmission delay (s, >= 0).

    Returns
    -------
    numpy.ndarray
        The integral (dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> round(float(direct_link_trace_integral(0.01, 0.2, latency=0.007, synaptic_tau=0.008)), 5)
    0.00928
    """
    require("gain", gain)
    require_positive("tau", tau, "s")
    for name, value in (("latency", latency), ("synaptic_tau", synaptic_tau), ("delay", delay)):
        require_nonnegative(name, value, "s")
    return (np.asarray(gain, float) * np.exp(-(delay + latency) / tau)
            / (1.0 + synaptic_tau / tau))


def soft_hebbian_relaxation(j: ArrayLike, j_max: float, rate_product: ArrayLike,
                            K_plus: ArrayLike, K_minus: ArrayLike, *, eta: float, tau: float,
                            duration: float, r_pre: ArrayLike | None = None) -> np.ndarray:
    """Weights after ``duration`` of the soft Hebbian rule with constant rates and
    covariances: the exact solution of

    dj/dt = eta [j_max (tau r_post r_pre + K+) - j (tau r_post r_pre + K-)],

    which relaxes at rate eta (tau r r + K-) to j* = j_max (tau r r + K+) / (tau r r + K-).
    With K+ = K- = C~ / 2 this is :func:`weight_drift`'s soft Hebbian drift; a causal
    covariance (K+ > K-, a synapse's own effect on its target) puts j* above j_max.

    With ``r_pre``, the first-order term in eta of the rule itself is added: the weight and
    the postsynaptic trace that depresses it at each presynaptic spike are correlated, since
    the postsynaptic spikes that raised the trace also potentiated the weight (each by
    eta j_max x_pre), while depressions at earlier presynaptic spikes, at high trace, lowered
    it. For Poisson-like trains, Cov(j, x_post) = eta tau^2 r_pre r_post (j_max - j / 2), so
    the depression grows by r_pre times that: K+ -> K+ - eta tau^2 r_pre^2 r_post and
    K- -> K- - eta tau^2 r_pre^2 r_post / 2. It lowers j* by about eta tau r_pre / 2 of
    j_max, which the mean-field drift (eta -> 0) leaves out.

    Parameters
    ----------
    j : float or array_like
        Weights at the start (V).
    j_max : float
        The rule's bound (V).
    rate_product : float or array_like
        r_post r_pre (Hz^2).
    K_plus, K_minus : float or array_like
        Trace-weighted covariances of the pair (Hz): pre before post, post before pre.
    eta : float
        Learning rate (dimensionless, >= 0).
    tau : float
        Trace time constant (s, > 0).
    duration : float
        Time (s, >= 0).
    r_pre : float or array_like, optional
        Presynaptic rate (Hz, >= 0): adds the first-order term in eta (above).

    Returns
    -------
    numpy.ndarray
        The weights (V).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    for name, value in (("j", j), ("j_max", j_max), ("rate_product", rate_product),
                        ("K_plus", K_plus), ("K_minus", K_minus)):
        require(name, value)
    require_nonnegative("eta", eta)
    require_positive("tau", tau, "s")
    require_nonnegative("duration", duration, "s")
    if r_pre is not None:
        require_nonnegative("r_pre", r_pre, "Hz")
    return _soft_hebbian_relaxation(np.asarray(j, float), j_max, np.asarray(rate_product, float),
                                    K_plus, K_minus, eta, tau, duration, r_pre)


def _soft_hebbian_relaxation(j, j_max, x, K_plus, K_minus, eta, tau, duration, r_pre=None):
    if r_pre is not None:
        extra = eta * tau**2 * x * r_pre
        K_plus, K_minus = K_plus - extra, K_minus - extra / 2
    rate = eta * (tau * x + K_minus)
    drive = eta * j_max * (tau * x + K_plus)
    decay = np.exp(-rate * duration)
    with np.errstate(divide="ignore", invalid="ignore"):
        # j* + (j - j*) e^(-rate t); at rate -> 0 the limit j + drive t
        out = np.where(np.abs(rate * duration) > 1e-12,
                       drive / rate + (j - drive / rate) * decay, j + drive * duration)
    return out


def pinned_rate_weights(net: MeanFieldNetwork, pinned: dict, plastic: list,
                        offset: ArrayLike | None = None) -> tuple[dict, np.ndarray]:
    """Leading-order homeostatic fixed point (c = 0) with populations held at given rates.

    The balance rows without a plastic block, W r + W_x r_x + offset = 0, fix the free rates
    (there must be as many such rows as free populations); each row with a plastic block then
    gives its weight.

    Parameters
    ----------
    net : MeanFieldNetwork
        The network.
    pinned : dict
        {population index: rate (Hz)}.
    plastic : list of tuple
        (post, pre) blocks, at most one per postsynaptic population.
    offset : array_like, shape (n,), optional
        Extra mean input per population in the units of W r (V Hz), e.g. the measured
        weight-rate covariance D of sec. 4.1. Default 0.

    Returns
    -------
    weights : dict
        {(post, pre): j (V)}.
    rates : numpy.ndarray
        The rates of all populations (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
        If the blocks and pinned populations do not determine the state, too.

    Examples
    --------
    Sec. 4.5: E1 and E2 are pinned at rho by I->E1 and I->E2 iSTDP; the I row gives r_I.
    """
    if not isinstance(pinned, dict):
        raise ParameterError(f"pinned must be a dict {{population: rate (Hz)}}; got {pinned!r}")
    for population, rate in pinned.items():
        require_nonnegative(f"pinned[{population!r}]", rate, "Hz")
    if offset is not None:
        require("offset", offset)
    n = len(net.q)
    posts = [a for a, _ in plastic]
    if len(set(posts)) != len(posts):
        raise ParameterError("at most one plastic block per postsynaptic population")
    free = [k for k in range(n) if k not in pinned]
    rows = [a for a in range(n) if a not in posts]
    if len(rows) != len(free):
        raise ParameterError(f"{len(rows)} balance rows without plasticity for {len(free)} "
                             "free rates: the fixed point is not determined")
    W, drive = net.W, net.W_x @ np.asarray(net.r_x, float)
    if offset is not None:
        drive = drive + np.asarray(offset, float)
    r = np.zeros(n)
    for k, v in pinned.items():
        r[k] = v
    if free:
        rhs = -(W[rows] @ r + drive[rows])
        r[free] = np.linalg.solve(W[np.ix_(rows, free)], rhs)
    weights = {}
    for post, pre in plastic:
        rest = W[post] @ r - W[post, pre] * r[pre] + drive[post]
        weights[(post, pre)] = -rest / (net.p * net.q[pre] * r[pre])
    return weights, r

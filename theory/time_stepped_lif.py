"""The LIF neuron as a simulator steps it: a Markov chain on a voltage grid, driven by
Poisson shot noise of fixed jumps (delta synapses).

The diffusion theory (:mod:`theory.lif`) describes a neuron in continuous time with white
noise. A simulation differs in two ways that matter next to a network's resonance:

* it checks the threshold once per time step dt, so a crossing between two checks is missed
  (to first order a threshold shift of order sigma sqrt(dt / tau_m), but the dynamics
  change too: the response to the input variance, which white noise passes instantly, is
  cut off above about 1 / dt);
* its input is a sum of jumps of finite size J, not white noise (shot noise).

Here both are exact. Per time step, in the order of the Brian2 engine's schedule:

1. the membrane decays exactly, v -> v_inf + (v - v_inf) exp(-dt / tau_m), with
   v_inf = E_L + mu (mu: a constant drive, V);
2. a neuron with v > V_th spikes;
3. every input channel k adds J_k times a Poisson number of events of mean rate_k dt (the
   external drive and the recurrent inputs arrive in the same slot, after the threshold);
4. a neuron that spiked is reset to V_r and stays there, deaf to input, for
   round(tau_ref / dt) steps counting the step of its spike.

The membrane potential lives on a grid of spacing ``resolution``; a decayed or shifted value
between two grid points is split between them (its mean is kept; the spread this adds per
step is below resolution^2 / 4, negligible against the input's variance). The threshold test
is exact for each grid point.

From the chain come the stationary rate, the rate's linear response to a modulation of each
channel's event rate (both pathways, mean and variance, and all orders of J, in one), and
the spike train's spectrum (a renewal process: the reset erases the past). All are functions
of the discrete time: frequencies are meaningful up to 1 / (2 dt).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import fft as _fft
from scipy import sparse
from scipy.stats import poisson

from .errors import ParameterError, require, require_nonnegative, require_positive

__all__ = ["time_stepped_rate", "time_stepped_transfer_function",
           "time_stepped_spike_train_spectrum"]

_TAIL = 1e-13  # Poisson mass left out of each channel's count distribution
#: the most grid points: the stationary distribution is one dense solve of this size
_LARGEST_GRID = 8_000


class _Chain:
    """The chain's parts on plain floats: grid, decay-and-threshold map, jump kernel."""

    def __init__(self, jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution):
        self.dt = dt
        self.jumps = jumps
        means = rates * dt
        v_inf = E_L + mu
        mean = v_inf + tau_m * np.sum(jumps * rates)
        sd = np.sqrt(0.5 * tau_m * np.sum(jumps ** 2 * rates))
        up = sum(J * poisson.isf(_TAIL, m) for J, m in zip(jumps, means) if J > 0)
        low = min(V_r, v_inf, mean - 8.0 * sd) - 1e-3
        below = int(np.ceil((V_r - low) / resolution))
        self.V_low = V_r - below * resolution
        self.M = int(np.ceil((V_th + up - self.V_low) / resolution)) + 2
        if self.M > _LARGEST_GRID:
            raise ParameterError(f"resolution {resolution:g} V gives {self.M} grid points (at "
                                 f"most {_LARGEST_GRID:,}): make it coarser")
        self.reset_bin = below
        v = self.V_low + resolution * np.arange(self.M)
        decayed = v_inf + (v - v_inf) * np.exp(-dt / tau_m)
        self.spiking = decayed > V_th
        cols = np.flatnonzero(~self.spiking)
        self.decay = _split_matrix((decayed[cols] - self.V_low) / resolution, cols, self.M)
        self.kernel, self.origin = _jump_kernel(jumps, means, resolution)
        self.shifts = [_split_matrix(np.arange(self.M) + J / resolution, np.arange(self.M),
                                     self.M) for J in jumps]
        self.n_fft = _fft.next_fast_len(self.M + len(self.kernel) - 1, real=True)
        self.kernel_f = _fft.rfft(self.kernel, self.n_fft)
        self.R = max(int(round(tau_ref / dt)) - 1, 0)

    # one step of the chain on columns of states: (M + R, n) -> (M + R, n), spikes (n,)
    def jump(self, x):
        full = _fft.irfft(_fft.rfft(x, self.n_fft, axis=0) * self.kernel_f[:, None],
                          self.n_fft, axis=0)
        start = self.origin
        out = full[start:start + self.M].copy()
        out[0] += full[:start].sum(axis=0)
        out[-1] += full[start + self.M:].sum(axis=0)
        return out

    def step(self, p, reinject=True):
        free, ref = p[:self.M], p[self.M:]
        spikes = free[self.spiking].sum(axis=0)
        new = np.empty_like(p)
        new[:self.M] = self.jump(self.decay @ free)
        back = ref[-1] if self.R else spikes
        if reinject or self.R:
            new[self.reset_bin] += back
        if self.R:
            new[self.M + 1:] = ref[:-1]
            new[self.M] = spikes if reinject else 0.0
        return new, spikes

    def jump_matrix(self):
        """The jumps as a dense (M, M) matrix: column j is the kernel placed at j, with
        what falls off the grid put on its first or last point."""
        K, o, M = len(self.kernel), self.origin, self.M
        i, j = np.arange(M)[:, None], np.arange(M)[None, :]
        k = i - j + o
        G = np.where((k >= 0) & (k < K), self.kernel[np.clip(k, 0, K - 1)], 0.0)
        cs = np.concatenate([[0.0], np.cumsum(self.kernel)])
        cols = np.arange(M)
        G[0] = cs[np.clip(o - cols + 1, 0, K)]
        G[-1] = cs[-1] - cs[np.clip(M - 1 - cols + o, 0, K)]
        return G

    def stationary(self):
        """The stationary distribution over (grid, refractory states)."""
        M, R = self.M, self.R
        P = np.zeros((M + R, M + R))
        P[:M, :M] = (self.decay.T @ self.jump_matrix().T).T
        spiking = self.spiking.astype(float)
        if R:
            P[M, :M] = spiking
            P[M + 1 + np.arange(R - 1), M + np.arange(R - 1)] = 1.0
            P[self.reset_bin, M + R - 1] += 1.0
        else:
            P[self.reset_bin, :M] += spiking
        A = P - np.eye(M + R)
        A[-1] = 1.0  # replace one (dependent) balance equation by the normalisation
        b = np.zeros(M + R)
        b[-1] = 1.0
        p = np.clip(np.linalg.solve(A, b), 0.0, None)
        return p / p.sum()


def _split_matrix(positions, cols, M):
    """Sparse (M, len(cols)) matrix putting unit mass from column j at fractional grid
    position positions[j], split linearly between the two neighbouring points (clamped to
    the grid)."""
    positions = np.clip(positions, 0.0, M - 1.0)
    lo = np.minimum(np.floor(positions).astype(int), M - 2)
    w = positions - lo
    rows = np.concatenate([lo, lo + 1])
    data = np.concatenate([1.0 - w, w])
    return sparse.csr_matrix((data, (rows, np.concatenate([cols, cols]))), shape=(M, M))


def _jump_kernel(jumps, means, resolution):
    """Distribution of the summed jumps of one step on the grid: (kernel, index of 0)."""
    kernel, origin = np.ones(1), 0
    for J, m in zip(jumps, means):
        n = np.arange(int(poisson.isf(_TAIL, m)) + 2)
        pmf = poisson.pmf(n, m)
        pos = n * J / resolution
        shift = int(np.floor(pos.min()))
        pos = pos - shift
        lo = np.floor(pos).astype(int)
        w = pos - lo
        k = np.zeros(lo.max() + 2)
        np.add.at(k, lo, pmf * (1.0 - w))
        np.add.at(k, lo + 1, pmf * w)
        kernel = np.convolve(kernel, k)
        origin -= shift
    return kernel, origin


def _chain(jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution=None):
    """Checked inputs -> _Chain (resolution None: the default, :func:`_resolution`)."""
    require("jumps", jumps, unit="V")
    require_nonnegative("rates", rates, "Hz")
    jumps = np.atleast_1d(np.asarray(jumps, dtype=float))
    rates = np.atleast_1d(np.asarray(rates, dtype=float))
    resolution = _resolution(jumps, resolution)
    if jumps.ndim != 1 or jumps.shape != rates.shape:
        raise ParameterError(f"jumps and rates must be 1-d of one length (one entry per input "
                             f"channel); got shapes {jumps.shape} and {rates.shape}")
    for name, value in (("tau_m", tau_m), ("dt", dt), ("resolution", resolution)):
        require_positive(name, value, "s" if name != "resolution" else "V")
    for name, value in (("V_th", V_th), ("V_r", V_r), ("mu", mu), ("E_L", E_L)):
        require(name, value, unit="V")
    require_nonnegative("tau_ref", tau_ref, "s")
    if not V_r < V_th:
        raise ParameterError(f"V_r must be below V_th; got V_r = {V_r} V, V_th = {V_th} V")
    if dt > tau_m / 2:
        raise ParameterError(f"dt must be at most tau_m / 2 = {tau_m / 2:g} s; got {dt:g} s")
    return _Chain(jumps, rates, float(tau_m), float(V_th), float(V_r), float(tau_ref),
                  float(dt), float(mu), float(E_L), float(resolution))


def _rate(chain, p=None):
    p = chain.stationary() if p is None else p
    return float(p[:chain.M][chain.spiking].sum() / chain.dt)


def _impulse_responses(chain, p, tolerance=1e-9, longest=20.0):
    """Per channel k, the extra spike probability at steps 1, 2, ... after one unit more of
    channel k's Poisson mean in step 0: (n_steps, k) real."""
    sub = chain.jump(chain.decay @ p[:chain.M, None])[:, 0]
    x = np.zeros((chain.M + chain.R, len(chain.jumps)))
    for k, S in enumerate(chain.shifts):
        x[:chain.M, k] = S @ sub - sub
    first = np.abs(x).sum(axis=0).max()
    out = []
    for _ in range(int(longest / chain.dt)):
        x, spikes = chain.step(x)
        out.append(spikes)
        if np.abs(x).sum(axis=0).max() < tolerance * first:
            break
    return np.array(out)


def _interval_distribution(chain, tolerance=1e-10, longest=100.0):
    """Interspike-interval probabilities at 1, 2, ... steps and the (geometric) tail's
    decay per step: (q, rho)."""
    x = np.zeros((chain.M + chain.R, 1))
    if chain.R:
        x[chain.M] = 1.0
    else:
        x[chain.reset_bin] = 1.0
    q, rho = [], 0.0
    for _ in range(int(longest / chain.dt)):
        x, spikes = chain.step(x, reinject=False)
        q.append(spikes[0])
        left = x.sum()
        if left < tolerance:
            break
    if left > 0:
        rho = left / (left + q[-1])
    return np.array(q), rho, left


def _sum_over_steps(values, frequency, dt):
    """sum_n values[n - 1] exp(-i 2 pi f n dt) for n = 1, 2, ...: (F, ...) complex."""
    n = np.arange(1, len(values) + 1)
    phase = np.exp(-2j * np.pi * np.outer(frequency, n) * dt)
    return phase @ values


def time_stepped_rate(jumps: ArrayLike, rates: ArrayLike, tau_m: float, V_th: float,
                      V_r: float, tau_ref: float = 0.0, *, dt: float, mu: float = 0.0,
                      E_L: float = 0.0, resolution: float | None = None) -> float:
    """Stationary firing rate of a time-stepped LIF neuron with Poisson shot-noise input.

    Parameters
    ----------
    jumps : array_like of float
        The jump of v (V) of one event, per input channel (excitatory > 0, inhibitory < 0).
    rates : array_like of float
        Each channel's total event rate (Hz, >= 0): in-degree times presynaptic rate.
    tau_m, V_th, V_r, tau_ref : float
        Membrane time constant (s), threshold (V), reset (V, < V_th), refractory period (s).
    dt : float
        The simulation's time step (s, <= tau_m / 2); keyword only.
    mu, E_L : float, optional
        Constant drive and resting potential (V); v relaxes to E_L + mu.
    resolution : float, optional
        Grid spacing (V); default a quarter of the smallest jump, at most 0.05 mV.

    Returns
    -------
    float
        The rate (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> nu = time_stepped_rate([1e-4, -5e-4], [57_000.0, 9_250.0], 0.02, 0.02, 0.01,
    ...                        0.002, dt=1e-4)
    >>> round(nu, 1)
    37.4
    """
    return _rate(_chain(jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution))


def time_stepped_transfer_function(jumps: ArrayLike, rates: ArrayLike, tau_m: float,
                                   V_th: float, V_r: float, tau_ref: float = 0.0, *,
                                   dt: float, frequency: ArrayLike, mu: float = 0.0,
                                   E_L: float = 0.0,
                                   resolution: float | None = None) -> dict:
    """Linear response of the rate of a time-stepped LIF neuron to a modulation of the event
    rate of each of its shot-noise input channels.

    H_k(f) = sum_n h_k[n] exp(-i 2 pi f n dt), with h_k[n] the extra spike probability n
    steps after one extra expected event on channel k in step 0 (Hz of output per Hz of
    input events). One channel's modulation moves the input's mean and variance together,
    with every order of J_k; a network's effective coupling from population b to a is
    K_ab H_ab(f) times its delay's phase, the delay counted from the spike's step to the
    step whose input slot receives it.

    Parameters
    ----------
    jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution
        As in :func:`time_stepped_rate`.
    frequency : float or array_like
        Frequencies (Hz, >= 0; the response is periodic in 1 / dt); keyword only.

    Returns
    -------
    dict
        ``rate`` (Hz), ``response`` (F, k) complex (Hz per Hz), ``steps`` (length of the
        impulse responses summed).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    f = _frequencies(frequency)
    chain = _chain(jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution)
    p = chain.stationary()
    h = _impulse_responses(chain, p)
    return {"rate": _rate(chain, p), "response": _sum_over_steps(h, f, chain.dt),
            "steps": len(h)}


def time_stepped_spike_train_spectrum(jumps: ArrayLike, rates: ArrayLike, tau_m: float,
                                      V_th: float, V_r: float, tau_ref: float = 0.0, *,
                                      dt: float, frequency: ArrayLike, mu: float = 0.0,
                                      E_L: float = 0.0,
                                      resolution: float | None = None) -> np.ndarray:
    """Power spectrum of the spike train of a time-stepped LIF neuron with Poisson
    shot-noise input: a renewal process, S(f) = nu Re[(1 + F) / (1 - F)] with F the
    transform of its interspike-interval distribution (over steps); S(0) = nu CV^2. Two-sided,
    delta peak included, as :func:`theory.lif.spike_train_spectrum`.

    Parameters
    ----------
    jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution
        As in :func:`time_stepped_rate`.
    frequency : float or array_like
        Frequencies (Hz, >= 0); keyword only.

    Returns
    -------
    numpy.ndarray
        S(f) (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    f = _frequencies(frequency)
    return _spike_train_spectrum(
        _chain(jumps, rates, tau_m, V_th, V_r, tau_ref, dt, mu, E_L, resolution), f)


def _spike_train_spectrum(chain, f):
    q, rho, left = _interval_distribution(chain)
    n = np.arange(1, len(q) + 1)
    # the tail beyond the last step N: geometric, probability left (1 - rho) rho^j at step
    # N + 1 + j, so its j has mean rho / (1 - rho) and second moment rho (1 + rho) / (1 - rho)^2
    N = len(q)
    j1, j2 = rho / (1 - rho), rho * (1 + rho) / (1 - rho) ** 2
    mean_steps = n @ q + left * (N + 1 + j1)
    second = (n ** 2) @ q + left * ((N + 1) ** 2 + 2 * (N + 1) * j1 + j2)
    rate = 1.0 / (mean_steps * chain.dt)
    z = np.exp(-2j * np.pi * f * chain.dt)
    F = _sum_over_steps(q, f, chain.dt)
    if left > 0:
        F = F + left * (1 - rho) * z ** (len(q) + 1) / (1 - rho * z)
    with np.errstate(divide="ignore", invalid="ignore"):
        S = rate * ((1 + F) / (1 - F)).real
    cv2 = (second - mean_steps ** 2) / mean_steps ** 2
    return np.where(f == 0, rate * cv2, S)


def _frequencies(frequency):
    f = np.atleast_1d(np.asarray(frequency, dtype=float))
    require_nonnegative("frequency", f, "Hz")
    return f


def _resolution(jumps, resolution):
    if resolution is not None:
        return resolution
    smallest = np.min(np.abs(np.atleast_1d(np.asarray(jumps, dtype=float))))
    return min(smallest / 4.0, 5e-5) if smallest > 0 else 5e-5

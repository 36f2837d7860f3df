"""Networks of non-leaky pulse-coupled threshold units (the generalised EHE model of
Schuenemann, Ernst & Kesseboehmer 2022), and the fast engine that runs them in numpy.

Model: potentials u in [0, 1), threshold 1, subtractive reset u -> u - 1, a spike of unit j
adds W[i, j] >= 0 to unit i (autapses W[j, j] allowed). Between avalanches one unit k, drawn
with probability p_k, receives a drive increment delta (a constant, or uniform on
(low, high]). Avalanches are instantaneous: generations of firing until no unit is >= 1.
Condition C1 (delta_max + max row sum < 1) is enforced, so each unit fires at most once per
avalanche and an avalanche is its start unit and its assembly (the set of units that fired).

* :func:`simulate_avalanches`: the fast reference engine, numpy, many independent replicas
  in parallel (successive avalanches of one replica are correlated).
* :func:`avalanches_from_spikes`: avalanches from the spike record of another formulation,
  such as the Brian2 one (:mod:`balanced_models.engines.brian2.papers.schuenemann`).
"""

import time
from dataclasses import dataclass

import numpy as np

from theory.avalanches import (
    MIN_REJECTION_VOLUME,
    check_weights,
    recurrent_volume,
    stationary_states,
)
from theory.errors import ParameterError, require, require_integer, require_probability

from .. import progress as progress_report
from ..core.checks import check_rng
from ..core.connectivity import bernoulli

__all__ = ["Avalanches", "homogeneous_weights", "random_weights", "modular_weights",
           "default_burn_in", "simulate_avalanches", "avalanches_from_spikes"]


@dataclass
class Avalanches:
    """Recorded avalanches: start unit, assembly (bool matrix, one row per avalanche) and
    the number of drive events they came from (for the avalanche rate per drive event)."""

    start: np.ndarray
    assembly: np.ndarray
    n_drive_events: int

    @property
    def size(self):
        return self.assembly.sum(axis=1)

    def masks(self):
        """Assemblies as integer bit sets (bit j = unit j fired); N <= 62."""
        N = self.assembly.shape[1]
        if N > 62:
            raise ValueError("bit masks need N <= 62")
        return self.assembly.astype(np.int64) @ (np.int64(1) << np.arange(N, dtype=np.int64))

    def size_distribution(self):
        """Empirical P(L), L = 0..N."""
        N = self.assembly.shape[1]
        return np.bincount(self.size, minlength=N + 1) / len(self.size)


# ------------------------------------------------------------------------------------------
# topologies (W[post, pre])
# ------------------------------------------------------------------------------------------
def homogeneous_weights(N, alpha, autapses=True):
    """All-to-all EHE coupling alpha/N; autapses=False sets the diagonal to 0."""
    N = require_integer("N", N, low=1)
    require("alpha", alpha, low=0.0, high=1.0, high_open=True)
    W = np.full((N, N), alpha / N)
    if not autapses:
        np.fill_diagonal(W, 0.0)
    return W


def random_weights(N, p_connect, max_row_sum, *, rng, weight_cv=0.5, autapses=True):
    """Erdos-Renyi network (each pair with probability p_connect, the core's Bernoulli
    connectivity) with lognormal weights of CV weight_cv, scaled so the largest row sum is
    max_row_sum."""
    require("max_row_sum", max_row_sum, low=0.0, low_open=True, high=1.0, high_open=True)
    conn = bernoulli(N, N, p_connect, 1.0, rng=rng, weight_cv=weight_cv,
                     weight_distribution="lognormal", autapses=autapses)
    W = conn.to_dense()
    rows = W.sum(axis=1).max()
    if rows == 0:
        raise ParameterError("the random network has no connections; increase p_connect")
    return W * (max_row_sum / rows)


def modular_weights(sizes, C):
    """Block network: W[i, j] = C[a, b] / N for i in block a, j in block b (N = sum(sizes)),
    within-block autapses included."""
    C = np.asarray(C, dtype=float)
    block = np.repeat(np.arange(len(sizes)), sizes)
    return C[np.ix_(block, block)] / block.size


def _drive_law(delta):
    """(low, high) of the drive increment: a number is a constant, a pair is uniform."""
    low, high = (delta, delta) if np.isscalar(delta) else delta
    require("delta", high, low=0.0, low_open=True, high=1.0, high_open=True)
    require("delta low", low, low=0.0, high=high)
    return float(low), float(high)


def _drive_probabilities(p, N):
    p = np.full(N, 1.0 / N) if p is None else np.asarray(p, dtype=float)
    require_probability("p", p)
    if p.shape != (N,) or abs(p.sum() - 1) > 1e-9:
        raise ParameterError(f"p must be {N} probabilities summing to 1")
    return p


# ------------------------------------------------------------------------------------------
# engine (a): numpy, replicas in parallel
# ------------------------------------------------------------------------------------------
def default_burn_in(W, p, delta):
    """Drive steps after which every unit has fired 30 times on average.

    In the stationary state unit i fires f_i = [(1 - W)^-1 p]_i E[delta] times per drive step
    (its input, drive plus recurrent pulses, balances its resets), so this is
    30 / min_i f_i. Thirty threshold crossings of random input mix a unit's phase; the
    checks against the exact theory test that this suffices.
    """
    low, high = _drive_law(delta)
    f = np.linalg.solve(np.eye(len(W)) - W, p) * 0.5 * (low + high)
    return int(np.ceil(30.0 / f.min()))


def _summed_columns(WT, rows, cols):
    """sum_j W[:, j] over the (row, column) pairs, grouped by row: out[g] is the sum of
    WT[cols[m]] over the pairs m of the g-th distinct row.

    ``rows`` must be sorted (as np.nonzero returns them). Equivalent to ``A @ W.T`` for the
    boolean matrix A with A[rows, cols] = True, restricted to its non-empty rows, but without
    BLAS: a handful of active units per row cost O(pairs * N) instead of O(rows * N^2), and no
    BLAS threads compete with other processes for the cores.
    """
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    return np.add.reduceat(WT[cols], starts, axis=0)


def _relax(sub, WT):
    """Run the avalanches of the states ``sub`` (modified in place) to the end; returns the
    assemblies (bool, units that fired).

    Each generation fires every unit at or above threshold; only states whose avalanche is
    still running are touched, and the pulses are summed over the firing units' columns
    (a few per state) instead of a dense product.
    """
    fired = np.zeros(sub.shape, dtype=bool)
    live = np.arange(len(sub))
    active = sub >= 1.0
    while live.size:
        if (fired[live] & active).any():
            raise RuntimeError("a unit fired twice in one avalanche (C1 violated)")
        fired[live] |= active
        r, j = np.nonzero(active)  # every live state has at least one firing unit
        state = sub[live]
        state[r, j] -= 1.0
        state += _summed_columns(WT, r, j)
        sub[live] = state
        active = state >= 1.0
        running = active.any(axis=1)
        live, active = live[running], active[running]
    return fired


def simulate_avalanches(W, n_avalanches, *, rng, p=None, delta=(0.0, 0.1), replicas=1000,
                        initial=None, burn_in_steps=None, max_drive_steps=10**7,
                        progress=None):
    """Simulate until ``n_avalanches`` avalanches are recorded.

    Replicas are independent copies of the network driven in parallel (successive avalanches
    of one replica are correlated).

    Parameters
    ----------
    W : array (N, N), W[post, pre] >= 0, condition C1
    n_avalanches : int
    rng : numpy.random.Generator
    p : array (N,), drive probability per unit (default uniform)
    delta : constant increment, or (low, high) for a uniform one on (low, high]
    replicas : int
    initial : "stationary", "burn_in" or None (default: "stationary" when
        det(1 - W) >= theory.avalanches.MIN_REJECTION_VOLUME, else "burn_in").
        "stationary" starts every replica from the exact stationary law
        (:func:`theory.avalanches.stationary_states`) and records from the first drive step.
        "burn_in" starts uniform in [0, 1)^N and records a replica only after
        ``burn_in_steps`` drive steps (default :func:`default_burn_in`) and once every one of
        its units has fired, so that its state is recurrent and mixed.
    progress : callable(str) or None, told how far the run is at most every 10 s

    Returns
    -------
    :class:`Avalanches`; n_drive_events counts the drive events of recorded replicas.
    """
    n_avalanches = require_integer("n_avalanches", n_avalanches, low=1)
    replicas = require_integer("replicas", replicas, low=1)
    max_drive_steps = require_integer("max_drive_steps", max_drive_steps, low=1)
    if burn_in_steps is not None:
        burn_in_steps = require_integer("burn_in_steps", burn_in_steps, low=0)
    check_rng("rng", rng)
    low, high = _drive_law(delta)
    W = check_weights(W, high)
    N = len(W)
    p = _drive_probabilities(p, N)
    if initial is None:
        initial = "stationary" if recurrent_volume(W) >= MIN_REJECTION_VOLUME else "burn_in"
    if initial == "stationary":
        u = stationary_states(W, replicas, rng)
        ready = np.ones(replicas, dtype=bool)
        burn_in_steps = -1
    elif initial == "burn_in":
        if burn_in_steps is None:
            burn_in_steps = default_burn_in(W, p, delta)
        u = rng.random((replicas, N))
        ready = np.zeros(replicas, dtype=bool)
    else:
        raise ParameterError(f"initial must be 'stationary', 'burn_in' or None; got {initial!r}")
    WT = np.ascontiguousarray(W.T)
    fired_once = np.zeros((replicas, N), dtype=bool)
    starts, assemblies, drives, count = [], [], 0, 0
    rows = np.arange(replicas)
    cumulative = np.cumsum(p)
    clock = time.monotonic()
    for step in range(max_drive_steps):
        k = np.minimum(np.searchsorted(cumulative, rng.random(replicas), side="right"), N - 1)
        u[rows, k] += low + (high - low) * (1.0 - rng.random(replicas))  # in (low, high]
        if step == burn_in_steps:
            ready = fired_once.all(axis=1)
        drives += int(np.count_nonzero(ready))
        hit = np.flatnonzero(u[rows, k] >= 1.0)
        if hit.size:
            sub = u[hit]
            fired = _relax(sub, WT)
            u[hit] = sub
            keep = ready[hit]
            starts.append(k[hit][keep])
            assemblies.append(fired[keep])
            count += int(np.count_nonzero(keep))
            if step <= burn_in_steps or not ready.all():
                fired_once[hit] |= fired
                if step >= burn_in_steps:
                    ready[hit] = fired_once[hit].all(axis=1)
            if count >= n_avalanches:
                break
        if time.monotonic() - clock > 10:
            clock = time.monotonic()
            progress_report.update(step="avalanches", done=count, total=n_avalanches)
            if progress is not None:
                progress(f"{count}/{n_avalanches} avalanches after {step + 1} drive steps")
    else:
        raise RuntimeError(f"only {count} avalanches after {max_drive_steps} drive steps")
    return Avalanches(np.concatenate(starts)[:n_avalanches],
                      np.concatenate(assemblies)[:n_avalanches], drives)


def avalanches_from_spikes(indices, steps, N, burn_in_steps=0):
    """Split a spike record (unit indices, integer time steps) into avalanches.

    Spikes in consecutive steps belong to one avalanche (a drive only follows a step without
    spikes); the start unit is the one that fired in an avalanche's first step. Avalanches
    that begin before ``burn_in_steps`` are dropped.
    """
    order = np.lexsort((indices, steps))
    indices, steps = np.asarray(indices)[order], np.asarray(steps)[order]
    new = np.ones(len(steps), dtype=bool)
    new[1:] = steps[1:] - steps[:-1] > 1
    label = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    n = len(first)
    assembly = np.zeros((n, N), dtype=bool)
    assembly[label, indices] = True
    start = indices[first]
    if np.any(np.bincount(label)[np.arange(n)] != assembly.sum(axis=1)):
        raise RuntimeError("a unit fired twice in one avalanche (C1 violated)")
    if np.any(np.bincount(label[steps == steps[first][label]], minlength=n) != 1):
        raise RuntimeError("an avalanche began with more than one unit")
    keep = steps[first] >= burn_in_steps
    return start[keep], assembly[keep]

"""Generated spike trains that every engine emits: correlated Poisson trains, given spike
trains, and their placement on an engine's time grid. Plain numpy, SI units (s, Hz).

:func:`source_spikes` draws the trains of a description's source from the source's own random
stream, so the Brian2 and NEST engines emit the very same spikes.
"""

from __future__ import annotations

import numpy as np

from theory.errors import ParameterError, require, require_integer, require_probability

from .checks import check_plain_number, check_rng
from .description import CorrelatedSource, SpikeTrainSource
from .realisation import stream

__all__ = ["correlated_spike_trains", "spike_bins", "source_spikes"]


def correlated_spike_trains(N: int, rate: float, c: float, duration: float, *,
                            rng: np.random.Generator, jitter: float = 0.005,
                            boundary: str = "reflect") -> tuple[np.ndarray, np.ndarray]:
    """N Poisson trains of ``rate`` (Hz) with pairwise spike-count correlation ``c`` (long
    windows), on [0, ``duration``] (s).

    Mother-process thinning (Zhu et al. sec. 3; Akil et al. sec. 2.3): a mother Poisson train
    of rate rate/c is drawn on [0, duration]; each daughter keeps each mother spike
    independently with probability c, and each kept spike is jittered by a Gaussian of SD
    ``jitter``. Each daughter is then Poisson with rate ``rate``; two daughters share c*rate
    coincidences per second spread with SD sqrt(2)*jitter, so the count correlation in
    windows >> jitter is c. c = 0 gives independent Poisson trains.

    Parameters
    ----------
    N : int
        Number of trains (>= 1).
    rate : float
        Rate of each train (Hz, >= 0).
    c : float
        Pairwise spike-count correlation, in [0, 1].
    duration : float
        Length of the trains (s, > 0).
    rng : numpy.random.Generator
    jitter : float
        SD of the Gaussian jitter of each kept spike (s, >= 0).
    boundary : {'reflect', 'drop'}
        'reflect' folds jittered times back into [0, duration] (keeps the rate uniform);
        'drop' discards them.

    Returns
    -------
    (ndarray of int, ndarray of float)
        (indices, times in s), sorted by time.
    """
    N = require_integer("N", N, low=1)
    check_rng("rng", rng)
    require_probability("c", c)
    r = float(require("rate", check_plain_number("rate", rate, "Hz"), low=0.0, unit="Hz"))
    T = float(require("duration", check_plain_number("duration", duration, "s"), low=0.0,
                      low_open=True, unit="s"))
    sd = float(require("jitter", check_plain_number("jitter", jitter, "s"), low=0.0, unit="s"))
    if boundary not in ("reflect", "drop"):
        raise ParameterError(f"boundary must be 'reflect' or 'drop'; got {boundary!r}")
    if c == 0:
        counts = rng.poisson(r * T, size=N)
        times = rng.uniform(0.0, T, size=counts.sum())
    else:
        mother = rng.uniform(0.0, T, size=rng.poisson(r / c * T))
        keep = rng.random((N, len(mother))) < c if N * len(mother) < 5e7 else None
        if keep is None:  # large: draw per daughter to bound memory
            rows = [np.flatnonzero(rng.random(len(mother)) < c) for _ in range(N)]
            counts = np.array([len(x) for x in rows])
            times = mother[np.concatenate(rows)] if rows else np.array([])
        else:
            counts = keep.sum(axis=1)
            times = np.broadcast_to(mother, keep.shape)[keep]
        times = times + sd * rng.standard_normal(len(times))
    indices = np.repeat(np.arange(N), counts)
    if boundary == "reflect":
        times = np.abs(times)
        times = np.where(times > T, 2 * T - times, times)
        times = np.clip(times, 0.0, np.nextafter(T, 0.0))
    else:
        inside = (times >= 0) & (times < T)
        indices, times = indices[inside], times[inside]
    order = np.argsort(times, kind="stable")
    return indices[order], times[order]


def spike_bins(N, indices, times, step):
    """Spikes on the time grid of an engine: what every engine emits for given spike trains.

    Parameters
    ----------
    N : int
        Number of trains (>= 1).
    indices : array of int
        Train of each spike, in [0, N).
    times : array of float
        Spike times (s, finite, >= 0), one per index.
    step : float
        The time step (s, > 0); a spike at t lies in step floor(t / step).

    Returns
    -------
    (ndarray, ndarray, int)
        (indices, time steps) sorted by step then index, without same-step duplicates of one
        train, and the number of duplicates dropped.
    """
    N = require_integer("N", N, low=1)
    require("step", step, low=0.0, low_open=True, unit="s")
    indices = np.asarray(indices)
    times = np.asarray(times, dtype=float)
    if indices.shape != times.shape or indices.ndim != 1:
        raise ParameterError(f"indices and times must be 1-d arrays of one length; got shapes "
                             f"{indices.shape} and {times.shape}")
    require("times", times, low=0.0, unit="s")
    if len(indices) and (np.any(indices != np.round(indices)) or indices.min() < 0
                         or indices.max() >= N):
        raise ParameterError(f"indices must be integers in [0, {N - 1}]")
    indices = indices.astype(np.int64)
    bins = np.floor(times / step + 1e-9).astype(np.int64)
    if len(bins) and bins.max() >= 2**31 - 1:
        raise ParameterError(f"times must be below {(2**31 - 2) * step:g} s at dt = {step:g} s")
    unique, first = np.unique(bins * N + indices, return_index=True)  # sorted by (step, index)
    return indices[first], bins[first], len(bins) - len(first)


def source_spikes(description, name, seed):
    """The spikes of the correlated source or the SpikeTrainSource ``name`` of a description.

    Parameters
    ----------
    description : NetworkDescription
    name : str
        A source of ``description`` that is a CorrelatedSource or a SpikeTrainSource.
    seed : int
        The realisation's seed (>= 0); a correlated source draws from its own stream.

    Returns
    -------
    (ndarray of int, ndarray of float)
        (indices, times in s).
    """
    s = getattr(description, "sources", {}).get(name)
    if not isinstance(s, (CorrelatedSource, SpikeTrainSource)):
        raise ParameterError(f"name must be a correlated or spike-train source of the "
                             f"description; got {name!r}")
    if isinstance(s, SpikeTrainSource):
        return s.indices, s.times
    return correlated_spike_trains(s.size, s.rate, s.c, s.duration, jitter=s.jitter,
                                   rng=stream(seed, f"source {name}"))

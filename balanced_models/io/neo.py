"""Recorded activity as Neo objects, and back.

`Neo <https://neo.readthedocs.io>`_ is the common data model of electrophysiology in Python:
Elephant analyses it, and its IO modules write NIX, NWB and many vendor formats.
:func:`to_neo` turns the recordings of any engine's handles (or of a
:class:`~balanced_models.core.activity.StoredActivity`) into one ``neo.Segment``:

- one ``SpikeTrain`` per recorded neuron (also those that never fired), in s, from t = 0 to
  the end of the run, annotated with ``population`` and ``neuron`` (its index in the
  population);
- one ``AnalogSignal`` per recorded population and state variable, neurons as channels (array
  annotation ``neuron``), annotated with ``population`` and ``variable``; ``v`` in V, other
  variables in the model's SI units (marked dimensionless).

:func:`from_neo` reads such a segment back into a StoredActivity, so rates, CVs and potential
moments come out of the same analysis as for a live network. Spike times survive the round
trip bit for bit. Neo and quantities are imported when called: ``pip install
balanced-models[neo]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory.errors import ParameterError

from ..core.activity import RecordedActivity, StoredActivity

if TYPE_CHECKING:
    from collections.abc import Mapping

    import neo

    from ..core.description import NetworkDescription

__all__ = ["to_neo", "from_neo"]


def _import_neo():
    try:
        import neo
        import quantities
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("Neo export needs the neo extra: pip install "
                          "'balanced-models[neo]'") from error
    return neo, quantities


def _per_neuron(indices, times, n):
    """Spike times of each of n neurons, in time order: list of n arrays."""
    order = np.lexsort((times, indices))
    indices, times = indices[order], times[order]
    bounds = np.searchsorted(indices, np.arange(n + 1))
    return [times[bounds[k]:bounds[k + 1]] for k in range(n)]


def to_neo(activity: RecordedActivity, *, t_stop: float | None = None,
           name: str | None = None) -> "neo.Segment":
    """The recorded spikes and state traces of a run as one ``neo.Segment``.

    Parameters
    ----------
    activity : RecordedActivity
        The handles of a run on any engine (:func:`balanced_models.simulate`) or a
        StoredActivity.
    t_stop : float, optional
        End of the spike trains (s); default: the run's duration.
    name : str, optional
        Name of the segment.

    Returns
    -------
    neo.Segment
        ``spiketrains``: one per recorded neuron, populations in recording order, neurons in
        index order; ``analogsignals``: one per population and recorded variable.

    Examples
    --------
    >>> segment = to_neo(handles)                                 # doctest: +SKIP
    >>> elephant.statistics.mean_firing_rate(segment.spiketrains[0])  # doctest: +SKIP
    """
    if not isinstance(activity, RecordedActivity):
        raise ParameterError(f"activity must be an engine's handles or a StoredActivity; got "
                             f"{type(activity).__name__}")
    t_stop = activity.duration if t_stop is None else t_stop
    if t_stop is None:
        raise ParameterError("t_stop (s) is needed: the activity has no duration")
    if not np.isfinite(t_stop) or t_stop <= 0:
        raise ParameterError(f"t_stop must be a finite time > 0 s; got {t_stop!r}")
    if name is not None and not isinstance(name, str):
        raise ParameterError(f"name must be a string; got {type(name).__name__}")
    neo, pq = _import_neo()
    segment = neo.Segment(name=name)
    for pop in activity.recorded_populations():
        indices, times = activity.spike_trains(pop)
        if len(times) and times.max() > t_stop:
            raise ParameterError(f"t_stop must not precede the last spike of {pop!r} "
                                 f"({times.max()} s); got {t_stop} s")
        trains = _per_neuron(np.asarray(indices), np.asarray(times, dtype=float),
                             activity.recorded_neurons(pop))
        for k, train in enumerate(trains):
            segment.spiketrains.append(neo.SpikeTrain(
                train, units=pq.s, t_start=0.0 * pq.s, t_stop=t_stop * pq.s,
                name=f"{pop}[{k}]", population=pop, neuron=k))
    for pop, variable, times, traces, step in activity.sampled_traces():
        signal = neo.AnalogSignal(
            traces.T, units=pq.V if variable == "v" else pq.dimensionless,
            t_start=times[0] * pq.s, sampling_period=step * pq.s, name=f"{pop}.{variable}",
            population=pop, variable=variable)
        signal.array_annotate(neuron=np.arange(signal.shape[1]))
        segment.analogsignals.append(signal)
    return segment


def from_neo(segment: "neo.Segment", *, description: NetworkDescription | None = None,
             connectivity: Mapping | None = None) -> StoredActivity:
    """A StoredActivity of a ``neo.Segment``, for the package's analysis.

    Parameters
    ----------
    segment : neo.Segment
        Spike trains annotated with ``population`` and ``neuron`` (as written by
        :func:`to_neo`); trains without them form one population ``"all"``, numbered in
        their order. Analog signals annotated with ``population`` and ``variable`` become
        state traces (in SI).
    description : NetworkDescription, optional
        Attached to the result.
    connectivity : {"source->target": Connectivity}, optional
        Attached to the result.

    Returns
    -------
    StoredActivity
        duration: the latest ``t_stop`` of the trains.
    """
    neo, pq = _import_neo()
    if not isinstance(segment, neo.Segment):
        raise ParameterError(f"segment must be a neo.Segment; got {type(segment).__name__}")
    grouped = {}
    t_stop = None
    for position, train in enumerate(segment.spiketrains):
        pop = train.annotations.get("population", "all")
        neuron = int(train.annotations.get("neuron", position))
        grouped.setdefault(pop, []).append(
            (neuron, np.asarray(train.rescale(pq.s).magnitude, dtype=float)))
        stop = float(train.t_stop.rescale(pq.s).magnitude)
        t_stop = stop if t_stop is None else max(t_stop, stop)
    spikes = {}
    for pop, trains in grouped.items():
        neurons = np.array([k for k, _ in trains])
        if len(np.unique(neurons)) != len(neurons) or neurons.min() < 0:
            raise ParameterError(f"spike trains of {pop!r} must have distinct neuron indices "
                                 f">= 0")
        indices = np.concatenate([np.full(len(t), k) for k, t in trains])
        times = np.concatenate([t for _, t in trains])
        spikes[pop] = (indices, times, int(neurons.max()) + 1)
    states = {}
    for signal in segment.analogsignals:
        pop = signal.annotations.get("population")
        variable = signal.annotations.get("variable")
        if pop is None or variable is None:
            continue
        times = np.asarray(signal.times.rescale(pq.s).magnitude, dtype=float)
        values = signal.magnitude if variable != "v" else signal.rescale(pq.V).magnitude
        states.setdefault(pop, {})[variable] = (times, np.asarray(values, dtype=float).T)
    return StoredActivity(spikes, states, duration=t_stop, description=description,
                          connectivity=connectivity)

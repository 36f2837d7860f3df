"""Tables of recorded activity that every engine's handles share.

An engine's handles (:class:`~balanced_models.engines.base.EngineHandles`, the base of
every engine's) inherit :class:`RecordedActivity` and provide four accessors:
``spike_trains(population)`` -> (indices, times in s),
``recorded_populations()``, ``recorded_neurons(population)`` -> number of neurons whose
spikes were recorded, and ``state_traces(population, variable)`` -> (times in s, array
(neurons, samples), SI). Rates, population tables and potential moments are then computed the
same way for both engines, so a difference between engines is a difference between
simulations, not between analyses. :class:`StoredActivity` holds the same data as plain
arrays, read back from Neo or NWB (:mod:`~balanced_models.io.neo`,
:mod:`~balanced_models.io.nwb`) or given by the user, with the same analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from theory.errors import ParameterError, require

from .analysis import count_covariance, firing_rates, isi_cvs
from .realisation import neuron_index

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .description import NetworkDescription

__all__ = ["RecordedActivity", "StoredActivity"]


class RecordedActivity:
    """Mixin: rates and moments from an engine's recordings (module doc)."""

    def network_spike_trains(self):
        """(indices, times in s) of every population, neurons numbered consecutively in the
        order of ``description.populations`` (as in
        :func:`~balanced_models.core.realisation.dense_matrix`); every neuron's spikes must have
        been recorded."""
        indices, times, offset = [], [], 0
        for pop, population in self.description.populations.items():
            if pop not in self.recorded_populations() or \
                    self.recorded_neurons(pop) != population.size:
                raise ParameterError(f"the spikes of all neurons of {pop!r} were not recorded")
            i, t = self.spike_trains(pop)
            indices.append(i + offset)
            times.append(t)
            offset += population.size
        return np.concatenate(indices), np.concatenate(times)

    def rates(self, start=None, stop=None):
        """{population: per-neuron rates (Hz)} of the recorded neurons in [start, stop) s;
        default: the last 90 % of the run (the first 10 % is transient)."""
        start, stop = self._window(start, stop)
        return {pop: firing_rates(*self.spike_trains(pop), self.recorded_neurons(pop), start,
                                  stop) for pop in self.recorded_populations()}

    def cvs(self, start=None, stop=None):
        """{population: per-neuron ISI CVs} in [start, stop) s (NaN: fewer than two
        intervals); window as for :meth:`rates`."""
        start, stop = self._window(start, stop)
        return {pop: isi_cvs(*self.spike_trains(pop), self.recorded_neurons(pop), start, stop)
                for pop in self.recorded_populations()}

    def population_rates(self, start=None, stop=None):
        """Simulated mean rate (Hz) and its standard error over neurons, per population, as
        a DataFrame indexed by population (columns ``simulated_rate``, ``simulated_rate_se``)."""
        rates = self.rates(start, stop)
        return pd.DataFrame({
            "simulated_rate": {p: r.mean() for p, r in rates.items()},
            "simulated_rate_se": {p: r.std(ddof=1) / np.sqrt(len(r)) if len(r) > 1 else np.nan
                                  for p, r in rates.items()}}).rename_axis("population")

    def population_cvs(self, start=None, stop=None):
        """Simulated mean ISI CV and its standard error over the neurons with at least two
        intervals, per population, as a DataFrame indexed by population (columns
        ``simulated_cv``, ``simulated_cv_se``); window as for :meth:`rates`."""
        rows = {}
        for pop, cv in self.cvs(start, stop).items():
            cv = cv[np.isfinite(cv)]
            rows[pop] = {"simulated_cv": cv.mean() if len(cv) else np.nan,
                         "simulated_cv_se": cv.std(ddof=1) / np.sqrt(len(cv))
                         if len(cv) > 1 else np.nan}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("population")

    def count_covariances(self, window, start=None, stop=None):
        """Spike-count covariances (counts^2) of all neurons in windows of ``window`` s, as
        an N x N DataFrame indexed by (population, neuron) like
        :func:`~balanced_models.core.predictions.covariance_prediction` with the same
        ``window``; the spikes of every neuron must have been recorded. Window as for
        :meth:`rates`; ``attrs`` hold the ``window`` and the number of ``windows``."""
        start, stop = self._window(start, stop)
        require("window", window, low=0.0, low_open=True, high=stop - start, unit="s")
        labels = neuron_index(self.description)
        i, t = self.network_spike_trains()
        C, windows = count_covariance(i, t, len(labels), start, stop, window)
        table = pd.DataFrame(C, index=labels, columns=labels)
        table.attrs.update(window=float(window), windows=windows)
        return table

    def potential_moments(self, start=None, stop=None, variable="v"):
        """Per population: the mean over recorded neurons of each neuron's time-averaged
        ``variable`` (``mean``, SI) and of its temporal variance (``variance``), with
        the standard error of the mean over neurons (``mean_se``), from the samples in
        [start, stop) s (default as for :meth:`rates`)."""
        start, stop = self._window(start, stop)
        rows = {}
        for pop in [p for p, v in self.recorded_variables().items() if variable in v]:
            times, traces = self.state_traces(pop, variable)
            keep = (times >= start) & (times < stop)
            if keep.sum() < 2:
                raise ParameterError(f"fewer than two samples of {variable!r} of {pop!r} in "
                                     f"[{start}, {stop}) s")
            means = traces[:, keep].mean(axis=1)
            rows[pop] = {"mean": means.mean(),
                         "mean_se": means.std(ddof=1) / np.sqrt(len(means))
                         if len(means) > 1 else np.nan,
                         "variance": traces[:, keep].var(axis=1).mean()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("population")

    def recorded_variables(self):
        """{population: names of its recorded state variables}."""
        return {pop: spec[0] for pop, spec in self.description.record.states.items()}

    def sampled_traces(self):
        """Each recorded state variable with at least two samples, as (population, variable,
        times in s, array (neurons, samples) in SI, sampling step in s)."""
        for pop, variables in self.recorded_variables().items():
            for variable in variables:
                times, traces = self.state_traces(pop, variable)
                times = np.asarray(times, dtype=float)
                if len(times) >= 2:
                    yield (pop, variable, times, np.asarray(traces, dtype=float),
                           (times[-1] - times[0]) / (len(times) - 1))

    def _window(self, start, stop):
        if self.duration is None and (start is None or stop is None):
            raise ParameterError("give start and stop (s): the network has not run through "
                                 "simulate()")
        stop = self.duration if stop is None else stop
        start = 0.1 * stop if start is None else start
        require("stop - start", stop - start, low=0.0, low_open=True, unit="s")
        return start, stop


class StoredActivity(RecordedActivity):
    """Recorded activity read back from a file or another tool (Neo, NWB), with the same
    analysis as a live engine's handles.

    Parameters
    ----------
    spikes : {population: (indices, times in s, number of recorded neurons)}
    states : {population: {variable: (times in s, array (neurons, samples), SI)}}
    duration : length of the run (s), or None when unknown
    description : the :class:`~balanced_models.core.description.NetworkDescription`, or None
    connectivity : {"source->target": Connectivity} of the realisation, or {}
    """

    def __init__(self, spikes: dict, states: dict | None = None, duration: float | None = None,
                 description: "NetworkDescription | None" = None,
                 connectivity: Mapping | None = None) -> None:
        if not isinstance(spikes, dict):
            raise ParameterError(f"spikes must be a dict {{population: (indices, times, n)}}; "
                                 f"got {type(spikes).__name__}")
        self.spikes = {}
        for pop, entry in spikes.items():
            if not isinstance(entry, (tuple, list)) or len(entry) != 3:
                raise ParameterError(f"spikes[{pop!r}] must be (indices, times, n); got "
                                     f"{entry!r}")
            n = entry[2]
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise ParameterError(f"spikes[{pop!r}] n must be an integer >= 0; got {n!r}")
            require(f"spikes[{pop!r}] indices", entry[0], low=0, high=n - 1)
            require(f"spikes[{pop!r}] times", entry[1], unit="s")
            indices = np.asarray(entry[0], dtype=np.int64)
            times = np.asarray(entry[1], dtype=float)
            if indices.shape != times.shape or indices.ndim != 1 or \
                    not np.array_equal(indices, np.asarray(entry[0], dtype=float)):
                raise ParameterError(f"spikes[{pop!r}]: indices (integers) and times must be "
                                     f"1-d arrays of one length; got shapes {indices.shape} "
                                     f"and {times.shape}")
            self.spikes[pop] = (indices, times, int(n))
        if not isinstance(states or {}, dict):
            raise ParameterError(f"states must be a dict {{population: {{variable: (times, "
                                 f"traces)}}}}; got {type(states).__name__}")
        self.states = dict(states or {})
        if duration is not None:
            require("duration", duration, low=0.0, low_open=True, unit="s")
        self.duration = duration
        self.description = description
        self.connectivity = dict(connectivity or {})

    def spike_trains(self, population):
        """(indices, times in s) of ``population``."""
        if population not in self.spikes:
            raise ParameterError(f"no spikes of {population!r}; have {sorted(self.spikes)}")
        return self.spikes[population][:2]

    def recorded_populations(self):
        """Populations with spike trains."""
        return list(self.spikes)

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` with a (possibly empty) spike train."""
        return self.spikes[population][2]

    def state_traces(self, population, variable="v"):
        """(times in s, array (neurons, samples) in SI) of a stored state variable."""
        if variable not in self.states.get(population, {}):
            raise ParameterError(f"no {variable!r} traces of {population!r} stored")
        return self.states[population][variable]

    def recorded_variables(self):
        """{population: names of its stored state variables}."""
        return {pop: tuple(traces) for pop, traces in self.states.items()}

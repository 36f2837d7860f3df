"""The engine contract: what every simulation engine provides, and the handles they share.

An engine turns a :class:`~balanced_models.core.description.NetworkDescription` into a running
network and gives back :class:`EngineHandles`. Every engine implements :class:`Engine` with
the same signatures and defaults:

=====================================================  ========================================
method                                                 what it does
=====================================================  ========================================
``check_supported(description)``                       the description, or a ParameterError
                                                       naming the first feature the engine
                                                       cannot run exactly (nothing is
                                                       silently approximated)
``build(description, *, seed=0, connectivity=None,     the network of ``description`` with the
**options)``                                           realisation of ``seed`` (or the given
                                                       one); engine options by keyword
``run(handles, duration, *, report=None)``             simulate a built network for
                                                       ``duration`` s from t = 0, once per
                                                       build; ``report='text'`` prints progress
                                                       (written once, here: an engine supplies
                                                       ``_run``)
``simulate(description, duration, *, seed=0,           build and run in one call
connectivity=None, report=None, **options)``
``structure_key(description, duration, **options)``    what the engine compiles for this
                                                       network, as a hash (None: nothing;
                                                       every point is built anew)
``run_point(description, duration, *, seed,            one point of a sweep: the network of
representative, cache_directory, **options)``          ``description`` run with ``seed``,
                                                       reusing what was compiled for
                                                       ``representative`` (same structure)
=====================================================  ========================================

The handles of every engine derive from :class:`EngineHandles`, which implements the shared
accessors once (spike trains, potential traces, sampled weights, lookup by name) and inherits
the analysis of :class:`~balanced_models.core.activity.RecordedActivity` (rates, CVs, potential
moments): a difference between engines is a difference between simulations, never between
analyses. An engine supplies three readers, ``_read_spikes``, ``_read_states`` and
``_read_weights``, and says which populations it recorded.

:func:`balanced_models.engines.get_engine` returns an engine by name ('brian2', 'nest'), importing
its simulator only then. Adding an engine means one package that implements this contract and
one line in :data:`balanced_models.engines.ENGINES`; the contract test suite
(``tests/engines``) then runs every scenario on it.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field

from theory.errors import ParameterError, require

from ..core.activity import RecordedActivity
from ..core.memory import check_memory
from ..core.description import NetworkDescription

__all__ = ["Engine", "EngineHandles", "REPORTS", "check_description", "check_duration",
           "check_report", "check_connectivity"]

#: the values of ``report`` every engine accepts: None (quiet) or 'text' (progress lines)
REPORTS = (None, "text")


def check_description(description: NetworkDescription) -> NetworkDescription:
    """``description`` itself; a ParameterError unless it is a NetworkDescription.

    Parameters
    ----------
    description : NetworkDescription

    Returns
    -------
    NetworkDescription
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    return description


def check_duration(duration: float) -> float:
    """The simulated time as a float (s); a ParameterError unless finite and > 0.

    Parameters
    ----------
    duration : float
        Simulated time (s).

    Returns
    -------
    float
    """
    return float(require("duration", duration, low=0.0, low_open=True, unit="s"))


def check_report(report: str | None) -> str | None:
    """``report`` itself; a ParameterError unless it is one of :data:`REPORTS`.

    Parameters
    ----------
    report : None or 'text'

    Returns
    -------
    None or str
    """
    if not (report is None or (isinstance(report, str) and report in REPORTS)):
        raise ParameterError(f"report must be None or 'text'; got {report!r}")
    return report


def check_connectivity(description: NetworkDescription,
                       connectivity: Mapping | None) -> Mapping | None:
    """``connectivity`` itself (None: the engine draws the realisation); a ParameterError
    unless it has one entry per projection of ``description``.

    Parameters
    ----------
    description : NetworkDescription
    connectivity : None or mapping {"source->target": Connectivity}

    Returns
    -------
    None or mapping
    """
    if connectivity is None:
        return None
    if not hasattr(connectivity, "keys") or set(connectivity) != set(description.projections):
        got = (sorted(connectivity) if hasattr(connectivity, "keys")
               else type(connectivity).__name__)
        raise ParameterError(f"connectivity must have one entry per projection "
                             f"{sorted(description.projections)}; got {got}")
    return connectivity


@dataclass
class EngineHandles(RecordedActivity):
    """A description built on an engine, and what it recorded.

    Attributes
    ----------
    description : NetworkDescription
        What was built.
    seed : int
        The realisation's seed.
    connectivity : mapping {"source->target": Connectivity}
        The realisation the engine holds.
    populations, sources : dict
        {name: the engine's object} (a Brian2 NeuronGroup, a NEST NodeCollection, ...).
    projections : dict
        {"source->target": the engine's object} (Brian2 Synapses, a NEST synapse model).
    spikes, states, weights : dict
        What was recorded, keyed by population or projection (the engine's monitors, or
        arrays once the run has finished).
    weight_samples : dict
        {"source->target": indices of the recorded synapses into the realisation}.
    timings : dict
        Wall times (s) of the engine's phases ('build', 'run', ...).
    duration : float or None
        The simulated time (s), once the network has run.
    """

    description: NetworkDescription
    seed: int
    connectivity: dict
    populations: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    projections: dict = field(default_factory=dict)
    spikes: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    weight_samples: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    duration: float = None

    def __getitem__(self, name):
        for table in (self.populations, self.sources, self.projections):
            if name in table:
                return table[name]
        raise KeyError(f"no population, source or projection {name!r}")

    def spike_trains(self, population):
        """(indices, times in s) recorded from ``population``, as arrays of their own."""
        if population not in self.spikes:
            raise ParameterError(f"spikes of {population!r} were not recorded (or the network "
                                 f"has not run); recorded: {sorted(self.spikes)}")
        return self._read_spikes(population)

    def state_traces(self, population, variable="v"):
        """(times in s, array (neurons, samples) in SI) of a recorded state variable."""
        if population not in self.states or \
                variable not in self.recorded_variables().get(population, ()):
            raise ParameterError(f"no {variable!r} of {population!r} was recorded (or the "
                                 f"network has not run); recorded: {self.recorded_variables()}")
        return self._read_states(population, variable)

    def weight_traces(self, projection):
        """(times in s, array (sampled synapses, times) in SI) of a recorded projection."""
        if projection not in self.weights:
            raise ParameterError(f"weights of {projection!r} were not recorded (or the network "
                                 f"has not run); recorded: {sorted(self.weights)}")
        return self._read_weights(projection)

    # what each engine provides -----------------------------------------------------------
    def recorded_populations(self):
        """Populations whose spikes were recorded."""
        raise NotImplementedError

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` whose spikes were recorded."""
        raise NotImplementedError

    def _read_spikes(self, population):
        raise NotImplementedError

    def _read_states(self, population, variable):
        raise NotImplementedError

    def _read_weights(self, projection):
        raise NotImplementedError


class Engine(abc.ABC):
    """What a simulation engine provides (module doc). Subclasses set :attr:`name`, :attr:`handles_type` and
    :attr:`rerun_hint`, and implement :meth:`check_supported`, :meth:`build` and
    :meth:`_run`; :meth:`run` (which checks its arguments and calls :meth:`_run`) and
    :meth:`simulate` are theirs to inherit."""

    #: the name :func:`balanced_models.engines.get_engine` knows the engine by
    name: str = None
    #: the handles this engine's :meth:`build` returns
    handles_type: type = EngineHandles
    #: what to do instead of running a network twice (named in the error)
    rerun_hint: str = "build it again"

    @abc.abstractmethod
    def check_supported(self, description: NetworkDescription) -> NetworkDescription:
        """``description`` itself (checked with :func:`check_description`), or a
        ParameterError naming the first feature this engine cannot run exactly."""

    @abc.abstractmethod
    def build(self, description: NetworkDescription, *, seed: int = 0,
              connectivity: Mapping | None = None, **options) -> EngineHandles:
        """Create the network of ``description``.

        Parameters
        ----------
        description : NetworkDescription
        seed : int
            The realisation, the generated source trains and the engine's own random numbers
            (>= 0).
        connectivity : mapping {"source->target": Connectivity}, optional
            A realisation to use instead of the one ``seed`` draws.
        **options
            The engine's own options (its documentation lists them).

        Returns
        -------
        EngineHandles
        """

    def run(self, handles: EngineHandles, duration: float, *,
            report: str | None = None) -> EngineHandles:
        """Simulate a built network for ``duration`` seconds from t = 0 (once per build).

        Parameters
        ----------
        handles : EngineHandles
            From this engine's :meth:`build`.
        duration : float
            Simulated time (s, > 0).
        report : None or 'text'
            'text' prints progress lines while the engine runs.

        Returns
        -------
        EngineHandles
            ``handles``, with the recordings filled in.
        """
        if not isinstance(handles, self.handles_type):
            raise ParameterError(f"handles must be the {self.handles_type.__name__} of this "
                                 f"engine's build(); got {type(handles).__name__}")
        duration = check_duration(duration)
        check_report(report)
        if handles.duration is not None:
            raise ParameterError(f"this network has already run; {self.rerun_hint}")
        self._run(handles, duration, report)
        return handles

    @abc.abstractmethod
    def _run(self, handles: EngineHandles, duration: float, report: str | None) -> None:
        """Simulate ``handles`` (checked by :meth:`run`) for ``duration`` s and set
        ``handles.duration`` and the recordings."""

    def simulate(self, description: NetworkDescription, duration: float, *, seed: int = 0,
                 connectivity: Mapping | None = None, report: str | None = None,
                 **options) -> EngineHandles:
        """Build ``description`` and run it for ``duration`` seconds.

        Parameters
        ----------
        description : NetworkDescription
        duration : float
            Simulated time (s, > 0).
        seed : int
            As for :meth:`build`.
        connectivity : mapping, optional
            As for :meth:`build`.
        report : None or 'text'
            As for :meth:`run`.
        **options
            The engine's build options.

        Returns
        -------
        EngineHandles
            With the recorded data; ``handles.population_rates()`` gives the rates.
        """
        duration = check_duration(duration)
        check_report(report)
        self.check_fits(check_description(description), duration)
        handles = self.build(description, seed=seed, connectivity=connectivity, **options)
        return self.run(handles, duration, report=report)

    def check_fits(self, description: NetworkDescription, duration: float | None = None, *,
                   copies: int = 1):
        """The network's memory estimate, or a ParameterError, before anything is allocated,
        if ``copies`` of it do not fit in this machine's available memory
        (:func:`~balanced_models.core.memory.check_memory`; engines it has no figures for
        are not checked).

        Parameters
        ----------
        description : NetworkDescription
        duration : float, optional
            Simulated time (s), for the recorded spikes.
        copies : int
            Networks held at once.

        Returns
        -------
        MemoryEstimate or None
        """
        if self.name not in ("brian2", "nest"):
            return None
        return check_memory(description, duration, engine=self.name, copies=copies)

    def structure_key(self, description: NetworkDescription, duration: float,
                      **options) -> str | None:
        """A hash of what this engine compiles for ``description`` run for ``duration`` s with
        ``options``: sweep points with equal keys share one compiled network. The default,
        for engines that compile nothing (NEST), is None: every point is built anew.

        Parameters
        ----------
        description : NetworkDescription
        duration : float
            Simulated time (s, > 0).
        **options
            The engine's build options.

        Returns
        -------
        str or None
        """
        check_description(description)
        check_duration(duration)
        return None

    def run_point(self, description: NetworkDescription, duration: float, *, seed: int,
                  representative: NetworkDescription | None = None,
                  cache_directory: str | None = None,
                  **options) -> tuple[EngineHandles, bool]:
        """Simulate one sweep point: ``description`` with the realisation and random numbers
        of ``seed``, for ``duration`` s.

        An engine that compiles (:meth:`structure_key` is not None) builds ``representative``
        (a description of the same structure) once per process, compiles it once per
        structure in ``cache_directory``, and gives each point its values and seed without
        recompiling. The default builds and runs each point (:meth:`simulate`).

        Parameters
        ----------
        description : NetworkDescription
        duration : float
            Simulated time (s, > 0).
        seed : int
            As for :meth:`build`.
        representative : NetworkDescription, optional
            The description compiled for this point's structure (default: ``description``).
        cache_directory : str, optional
            Where compiled structures are kept (engines that compile).
        **options
            The engine's build options.

        Returns
        -------
        handles : EngineHandles
            The run, with its recordings.
        compiled : bool
            Whether this call compiled (False when it reused a compiled structure).
        """
        return self.simulate(description, duration, seed=seed, **options), False

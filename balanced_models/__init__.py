"""Balanced and strongly coupled spiking networks: one description, several engines, the theory
to compare against.

The package is laid out by layer (imports go one way, ``engines -> core -> theory``):

- :mod:`balanced_models.core`: the engine-free model: descriptions, realisations,
  connectivity, generated spike trains, recorded activity and its analysis, the theory of a
  description. Imports neither brian2 nor nest.
- :mod:`balanced_models.engines`: one package per engine behind one contract
  (:mod:`~balanced_models.engines.base`): :mod:`~balanced_models.engines.brian2` and
  :mod:`~balanced_models.engines.nest`. Each imports its simulator when first used.
- :mod:`balanced_models.io`: Neo and NWB.
- :mod:`balanced_models.papers`: each paper's parameters and descriptions.

``import balanced_models`` imports no simulator: the Brian2 names below (``lif``,
``Simulation``, ``connect``, ...) import Brian2 when first asked for.
"""

import importlib

from theory.errors import ParameterError

from .core import activity, analysis, connectivity, description, predictions, realisation, \
    spectra
from .core.activity import StoredActivity
from .core.checks import report_parameter_errors_plainly
from .core.connectivity import (Connectivity, bernoulli, block_matrix, fixed_indegree,
                                indegrees_with_cv)
from .core.fixed_points import plasticity_fixed_points
from .core.description import (Bernoulli, CorrelatedSource, CustomNeuron, ExplicitConnections,
                               FixedInDegree,
                               HeterogeneousInDegree, NetworkDescription, Neuron, Plasticity,
                               PoissonDrive, PoissonSource, Population, Projection, Recording,
                               SpikeTrainSource, WindowedPoissonSource)
from .core.comparisons import compare_covariances, compare_populations
from .core.dynamics import spectrum_prediction, stability
from .core.plotting import plot_covariances, plot_cvs, plot_rates, plot_sweep
from .core.predictions import (TheoryNotApplicable, balanced_prediction, covariance_prediction,
                               diffusion_prediction, neuron_prediction, population_prediction)
from .core.realisation import Realisation, dense_matrix, realise
from .core.sources import correlated_spike_trains
from .engines import get_engine, installed_engines
from .engines import build, simulate
from .io import from_neo, read_nwb, to_neo, write_nwb
from .core.memory import memory_estimate
from .sweeps import as_dataset, default_measure, local_executor, sweep

report_parameter_errors_plainly()

#: names of the Brian2 engine's parts, imported with Brian2 when first asked for
_BRIAN2_NAMES = ("NetworkHandles", "load_realisation", "Simulation", "connect",
                 "rewrite_connectivity", "NeuronModel", "eif", "lif", "STDPRule",
                 "moment_recorder", "spike_monitor", "state_monitor", "weight_monitor",
                 "poisson_input", "poisson_sources", "set_poisson_drive", "spike_source",
                 "rewrite_spike_trains", "windowed_poisson_sources")
#: the Brian2 engine's modules under their earlier top-level names
_BRIAN2_MODULES = {"brian2_engine": "engine", "inputs": "inputs", "neurons": "neurons",
                   "plasticity": "plasticity", "recording": "recording"}


def __getattr__(name):
    """The Brian2 names of ``__all__``, imported (with Brian2) when first asked for."""
    if name not in _BRIAN2_NAMES and name not in _BRIAN2_MODULES:
        raise AttributeError(f"module 'balanced_models' has no attribute {name!r}")
    try:
        if name in _BRIAN2_MODULES:
            value = importlib.import_module(
                f"balanced_models.engines.brian2.{_BRIAN2_MODULES[name]}")
        else:
            value = getattr(importlib.import_module("balanced_models.engines.brian2"), name)
    except ImportError as error:
        if error.name is None or error.name.split(".")[0] != "brian2":
            raise
        raise ImportError(f"balanced_models.{name} belongs to the Brian2 engine, which needs "
                          "brian2: pip install brian2 (a dependency of balanced-models); the "
                          "core and the NEST engine work without it", name="brian2") from error
    globals()[name] = value
    return value


__all__ = [
    "ParameterError", "activity", "analysis", "connectivity", "description", "predictions",
    "realisation", "spectra",
    "NetworkDescription", "Neuron", "CustomNeuron", "Population", "Projection", "PoissonDrive", "PoissonSource",
    "CorrelatedSource", "WindowedPoissonSource", "SpikeTrainSource", "FixedInDegree", "Bernoulli",
    "HeterogeneousInDegree", "ExplicitConnections", "Plasticity", "Recording",
    "realise", "Realisation", "dense_matrix", "build", "simulate", "get_engine",
    "installed_engines", "diffusion_prediction", "balanced_prediction", "population_prediction",
    "neuron_prediction", "covariance_prediction", "TheoryNotApplicable",
    "plasticity_fixed_points", "spectrum_prediction", "stability", "compare_populations",
    "compare_covariances", "plot_rates",
    "plot_cvs", "plot_covariances", "plot_sweep",
    "Connectivity", "bernoulli", "block_matrix", "fixed_indegree", "indegrees_with_cv",
    "correlated_spike_trains", "StoredActivity", "to_neo", "from_neo", "write_nwb", "read_nwb",
    "sweep", "as_dataset", "default_measure", "local_executor", "memory_estimate",
    *_BRIAN2_NAMES, *_BRIAN2_MODULES,
]

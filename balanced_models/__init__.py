"""Composable Brian2 builders for balanced and strongly coupled spiking networks."""

from theory.errors import ParameterError

from . import (analysis, brian2_engine, connectivity, description, inputs, neurons, plasticity,
               predictions, realisation, recording)
from .brian2_engine import NetworkHandles, build, load_realisation, simulate
from .description import (Bernoulli, CorrelatedSource, ExplicitConnections, FixedInDegree,
                          HeterogeneousInDegree, NetworkDescription, Neuron, Plasticity,
                          PoissonDrive, PoissonSource, Population, Projection, Recording,
                          SpikeTrainSource, WindowedPoissonSource)
from .connectivity import Connectivity, bernoulli, block_matrix, fixed_indegree, indegrees_with_cv
from .inputs import (correlated_spike_trains, poisson_input, poisson_sources,
                     rewrite_spike_trains, set_poisson_drive, spike_source,
                     windowed_poisson_sources)
from .activity import StoredActivity
from .neo_io import from_neo, to_neo
from .network import Simulation, connect, rewrite_connectivity
from .nwb_io import read_nwb, write_nwb
from .neurons import NeuronModel, eif, lif
from .plasticity import STDPRule
from .plotting import plot_rates
from .predictions import (balanced_prediction, covariance_prediction, diffusion_prediction,
                          neuron_prediction, population_prediction)
from .realisation import dense_matrix, realise
from .recording import moment_recorder, spike_monitor, state_monitor, weight_monitor
from .validation import report_parameter_errors_plainly

report_parameter_errors_plainly()

__all__ = [
    "ParameterError", "analysis", "brian2_engine", "connectivity", "description", "inputs",
    "neurons", "plasticity", "predictions", "realisation", "recording",
    "NetworkDescription", "Neuron", "Population", "Projection", "PoissonDrive", "PoissonSource",
    "CorrelatedSource", "WindowedPoissonSource", "SpikeTrainSource", "FixedInDegree", "Bernoulli",
    "HeterogeneousInDegree", "ExplicitConnections", "Plasticity", "Recording",
    "realise", "dense_matrix", "build", "simulate", "load_realisation", "NetworkHandles",
    "diffusion_prediction", "balanced_prediction", "population_prediction",
    "neuron_prediction", "covariance_prediction", "plot_rates",
    "Connectivity", "bernoulli", "block_matrix", "fixed_indegree", "indegrees_with_cv",
    "correlated_spike_trains", "poisson_input", "poisson_sources", "set_poisson_drive",
    "spike_source", "rewrite_spike_trains", "windowed_poisson_sources", "Simulation", "connect",
    "rewrite_connectivity", "NeuronModel", "eif", "lif", "STDPRule", "moment_recorder",
    "spike_monitor", "state_monitor", "weight_monitor",
    "StoredActivity", "to_neo", "from_neo", "write_nwb", "read_nwb",
]

"""Composable Brian2 builders for balanced and strongly coupled spiking networks."""

from theory.errors import ParameterError

from . import analysis, connectivity, inputs, neurons, plasticity, recording
from .connectivity import Connectivity, bernoulli, block_matrix, fixed_indegree, indegrees_with_cv
from .inputs import (correlated_spike_trains, poisson_input, poisson_sources,
                     rewrite_spike_trains, set_poisson_drive, spike_source,
                     windowed_poisson_sources)
from .network import Simulation, connect, rewrite_connectivity
from .neurons import NeuronModel, eif, lif
from .plasticity import STDPRule
from .recording import moment_recorder, spike_monitor, state_monitor, weight_monitor

__all__ = [
    "ParameterError", "analysis", "connectivity", "inputs", "neurons", "plasticity", "recording",
    "Connectivity", "bernoulli", "block_matrix", "fixed_indegree", "indegrees_with_cv",
    "correlated_spike_trains", "poisson_input", "poisson_sources", "set_poisson_drive",
    "spike_source", "rewrite_spike_trains", "windowed_poisson_sources", "Simulation", "connect",
    "rewrite_connectivity", "NeuronModel", "eif", "lif", "STDPRule", "moment_recorder",
    "spike_monitor", "state_monitor", "weight_monitor",
]

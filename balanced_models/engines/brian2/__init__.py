"""The Brian2 engine: a description as Brian2 objects (C++ standalone by default), behind the
engine contract, and the Brian2 parts it is made of, for users who compose networks by hand.

=========================  ===================================================================
module                     what it holds
=========================  ===================================================================
``engine``                 build, run, simulate, load_realisation; NetworkHandles
``simulation``             Simulation: the device, the seed, compiler flags, re-runs
``neurons``                NeuronModel (lif, eif): equation templates -> NeuronGroup
``custom_neurons``         CustomModel: a user's own equations (CustomNeuron) -> NeuronGroup
``synapses``               connect, rewrite_connectivity: Synapses from a Connectivity
``inputs``                 the built-in Poisson drive, Poisson and windowed sources, spike
                           sources streamed from files
``recording``              spike, state, weight monitors; in-simulation moment recorders
``plasticity``             STDPRule: the STDP rules as synaptic code
``units``                  dimension checks at the Brian2 boundary
``compiled_structures``    one compile per structure for sweep points, on any worker
``papers``                 the papers' extra Brian2 recordings and formulations
=========================  ===================================================================

Brian2 is imported here and nowhere else in ``balanced_models``.
"""

from ...core.checks import report_parameter_errors_plainly
from .custom_neurons import CustomModel
from .engine import (ENGINE, Brian2Engine, NetworkHandles, build, check_supported,
                     load_realisation, run, simulate)
from .inputs import (poisson_input, poisson_sources, rewrite_spike_trains, set_poisson_drive,
                     spike_source, windowed_poisson_sources)
from .neurons import NeuronModel, eif, lif
from .plasticity import STDPRule
from .recording import (moment_recorder, moments_table, spike_arrays, spike_monitor,
                        state_monitor, weight_monitor)
from .simulation import Simulation
from .synapses import connect, rewrite_connectivity

# Brian2 replaced sys.excepthook when it was imported: show a ParameterError plainly again
report_parameter_errors_plainly()

__all__ = ["ENGINE", "Brian2Engine", "NetworkHandles", "build", "check_supported",
           "load_realisation", "run", "simulate", "poisson_input", "poisson_sources",
           "rewrite_spike_trains", "set_poisson_drive", "spike_source",
           "windowed_poisson_sources", "NeuronModel", "CustomModel", "eif", "lif", "STDPRule",
           "moment_recorder", "moments_table", "spike_arrays", "spike_monitor", "state_monitor",
           "weight_monitor", "Simulation", "connect", "rewrite_connectivity"]

"""The NEST engine: a description on NEST (threads, MPI), behind the engine contract.

:mod:`~balanced_models.engines.nest.engine` builds and runs; :mod:`~balanced_models.engines.
nest.models` is the table of NEST models, parameters and units. NEST itself is imported when a
network is built, not when this package is.
"""

from .engine import (ENGINE, NestEngine, NestHandles, build, check_supported, import_nest, run,
                     simulate)
from .models import (ADAPTING_MODELS, CAPACITANCE, MODELS, MULTISYNAPSE_MODELS,
                     channel_receptors, nest_neuron, nest_weight, receptor_ports)

__all__ = ["ENGINE", "NestEngine", "NestHandles", "build", "check_supported", "import_nest",
           "run", "simulate", "CAPACITANCE", "MODELS", "ADAPTING_MODELS", "MULTISYNAPSE_MODELS",
           "channel_receptors", "receptor_ports", "nest_neuron", "nest_weight"]

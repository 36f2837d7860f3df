"""The NEST engine: a description on NEST (threads, MPI), behind the engine contract.

:mod:`~balanced_models.engines.nest.engine` builds and runs; :mod:`~balanced_models.engines.
nest.models` is the table of NEST models, parameters and units. NEST itself is imported when a
network is built, not when this package is.
"""

from .engine import (ENGINE, NestEngine, NestHandles, build, check_supported, import_nest, run,
                     simulate)
from .models import CAPACITANCE, MODELS, channel_receptors, nest_neuron, nest_weight

__all__ = ["ENGINE", "NestEngine", "NestHandles", "build", "check_supported", "import_nest",
           "run", "simulate", "CAPACITANCE", "MODELS", "channel_receptors", "nest_neuron",
           "nest_weight"]

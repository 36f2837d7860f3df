"""Analytical predictions for balanced and strongly coupled spiking networks.

Plain numpy/scipy; takes and returns SI floats (V, s, Hz). Never imports brian2.
"""

from .errors import ParameterError
from .lif import (ALPHA_SHIFT, diffusion_moments, isi_cv, rate_derivatives, siegert_rate,
                  threshold_shift, voltage_density)

__all__ = ["ParameterError", "ALPHA_SHIFT", "diffusion_moments", "isi_cv", "rate_derivatives",
           "siegert_rate", "threshold_shift", "voltage_density"]

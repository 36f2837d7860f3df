"""Brian2 units at the Brian2 boundary: dimension checks that convert to plain SI floats.

The core speaks SI floats; the Brian2 engine's parts (neuron models, inputs, recorders,
plasticity rules) take Brian2 quantities, and this module checks their dimensions and ranges
with errors that name the parameter.
"""

import numpy as np
from brian2 import Quantity, get_dimensions
from brian2.units.fundamentalunits import DIMENSIONLESS

from theory.errors import ParameterError, require

__all__ = ["si_value", "check_quantity", "integration_methods"]


def si_value(name, value, unit):
    """Return ``value`` as plain SI float(s) after checking it has the dimension of ``unit``.

    ``unit`` is a Brian2 unit (e.g. ``ms``, ``mV``, ``Hz``) or 1 for dimensionless values.
    A bare number is accepted only where the quantity is dimensionless.
    """
    expected = get_dimensions(unit)
    actual = get_dimensions(value) if isinstance(value, Quantity) else DIMENSIONLESS
    if actual is not expected:
        example = "a plain number" if expected is DIMENSIONLESS else f"e.g. 1*{unit!s}"
        raise ParameterError(
            f"{name} must have the dimension of {_dimension_name(expected)} ({example}); "
            f"got {value!r}")
    return np.asarray(value, dtype=float) if np.ndim(value) else float(value)


def check_quantity(name, value, unit, *, low=None, high=None, low_open=False, high_open=False):
    """Check dimension and range of a physical parameter; return it in SI units (float/array).

    ``low``/``high`` are given in SI units (e.g. 0 for a positive time constant).
    """
    v = si_value(name, value, unit)
    unit_name = "" if get_dimensions(unit) is DIMENSIONLESS else str(get_dimensions(unit))
    require(name, v, low=low, high=high, low_open=low_open, high_open=high_open,
            unit=unit_name and f"(SI: {unit_name})")
    return v


def _dimension_name(dim):
    return "a dimensionless number" if dim is DIMENSIONLESS else str(dim)


def integration_methods():
    """The names of Brian2's registered integration methods ('euler', 'exact', ...)."""
    from brian2 import StateUpdateMethod

    return sorted(StateUpdateMethod.stateupdaters)

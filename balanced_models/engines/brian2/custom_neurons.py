"""A user's own neuron equations (:class:`~balanced_models.core.description.CustomNeuron`) as
a Brian2 NeuronGroup.

:class:`CustomModel` offers what the engine asks of every model (the interface of
:class:`~balanced_models.engines.brian2.neurons.NeuronModel`): a group with the built-in Poisson
drives, the code of one input event, the constants run_args may change. Weights are
dimensionless in the synapses and the drives (Connectivity's ``'1'``); the event code
multiplies them by the SI unit of the input variable, written in base units, so a weight of
2e-9 on a siemens variable adds 2 nS.
"""

from __future__ import annotations

from brian2 import Equations, NeuronGroup, second
from brian2.equations.unitcheck import check_units_statements
from brian2.parsing.expressions import parse_expression_dimensions
from brian2.units.fundamentalunits import DimensionMismatchError, get_unit, is_dimensionless
from brian2.utils.stringtools import get_identifiers

from theory.errors import ParameterError

from ._names import name_kwargs
from .inputs import poisson_count
from .neurons import attach_drives, drive_declarations

__all__ = ["CustomModel"]

#: Brian2's base units, in the order of a Dimension's exponents
_BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candle")


def _unit_expression(dimension):
    """Brian2 code for the SI unit of ``dimension`` in base units ('1' when dimensionless),
    e.g. 'metre**2*kilogram*second**-3*amp**-1' for volt."""
    factors = [f"{name}**{exponent:g}" if exponent != 1 else name
               for name, exponent in zip(_BASE_UNITS, dimension._dims) if exponent != 0]
    return "*".join(factors) or "1"


class CustomModel:
    """The Brian2 side of a :class:`~balanced_models.core.description.CustomNeuron`.

    Parameters
    ----------
    neuron : CustomNeuron
        The user's equations, inputs, parameters and initial values.

    Raises
    ------
    ParameterError
        If Brian2 cannot read the equations (one line: Brian2's message).
    """

    synapse = "custom"
    weight_unit = 1
    trace_tau = None

    def __init__(self, neuron, where="a CustomNeuron"):
        self.neuron = neuron
        self.where = where
        try:
            equations = Equations(neuron.model)
        except Exception as error:  # Brian2 raises several kinds; the user gets one line
            raise ParameterError(f"{where}: Brian2 cannot read the model equations: "
                                 f"{_first_line(error)}") from None
        self._units = {channel: _unit_expression(equations[variable].dim)
                       for channel, variable in neuron.inputs.items()}

    # what the engine asks of every model ------------------------------------------------
    def increment(self, channel, weight, post=""):
        """Code for one input event of (dimensionless) ``weight`` on ``channel``:
        ``variable += weight * unit``."""
        self._check_channel(channel)
        return f"{self.neuron.inputs[channel]}{post} += ({weight})*{self._units[channel]}"

    def linear_effect(self, channel, post=""):
        """(target variable, factor): an event of weight w does ``target += w*factor``."""
        self._check_channel(channel)
        return f"{self.neuron.inputs[channel]}{post}", self._units[channel]

    def constants(self):
        """{name: Quantity} of the model's constants (``parameters``), in the units of their
        declarations: what a group gets and run_args can change."""
        return {name: value * get_unit(Equations(self.neuron.model)[name].dim)
                for name, value in self.neuron.parameters.items()}

    def group(self, N, *, name=None, drive=(), gaussian_drive=(), allow_coarse_dt=False):
        """A NeuronGroup of N neurons of the user's equations, their constants set; ``drive``
        and ``gaussian_drive`` as for
        :meth:`~balanced_models.engines.brian2.neurons.NeuronModel.group` (the time step is
        not checked: Brian2 integrates the user's equations as given)."""
        n = self.neuron
        model = "\n".join([n.model] + drive_declarations(self, drive, "1"))
        refractory = n.refractory if isinstance(n.refractory, str) else (
            n.refractory * second if n.refractory > 0 else False)
        try:
            G = NeuronGroup(int(N), model, threshold=n.threshold, reset=n.reset or None,
                            refractory=refractory, method=n.method,
                            namespace={"poisson_count": poisson_count} if drive else None,
                            **name_kwargs(name))
            _check_units(G, n)
            for key, value in self.constants().items():
                setattr(G, key, value)
            attach_drives(G, self, drive, gaussian_drive)
        except ParameterError:
            raise
        except Exception as error:
            raise ParameterError(f"{self.where}: Brian2 refused the neuron's equations: "
                                 f"{_first_line(error)}") from None
        return G

    def initialise(self, view):
        """Set ``initial`` on ``view`` (a group or subgroup): a value, or uniform in
        [low, high) drawn with Brian2's random numbers (the run's seed)."""
        for variable, value in self.neuron.initial.items():
            unit = _unit_expression(view.variables[variable].dim)
            if isinstance(value, tuple):
                low, high = value
                setattr(view, variable, f"({low!r} + rand()*{high - low!r})*{unit}")
            else:
                setattr(view, variable, f"{value!r}*{unit}")

    def _check_channel(self, channel):
        if channel not in self.neuron.inputs:
            raise ParameterError(f"unknown channel {channel!r}; this model has "
                                 f"{sorted(self.neuron.inputs)}")

    def __eq__(self, other):
        return isinstance(other, CustomModel) and other.neuron == self.neuron

    __hash__ = None


def _check_units(G, neuron):
    """Brian2's unit checks of the equations, the threshold and the reset, now rather than
    when the network starts to run (where a failure is a long traceback)."""
    G.equations.check_units(G, run_namespace={})
    threshold = parse_expression_dimensions(
        neuron.threshold, G.resolve_all(get_identifiers(neuron.threshold), run_namespace={}))
    if not is_dimensionless(threshold):
        raise DimensionMismatchError(f"the threshold {neuron.threshold!r} is not a condition")
    if neuron.reset:
        check_units_statements(neuron.reset, G.resolve_all(get_identifiers(neuron.reset),
                                                           run_namespace={}))


def _first_line(error):
    """The first non-empty line of an exception's message, with its type."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


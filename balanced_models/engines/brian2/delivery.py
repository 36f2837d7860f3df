"""Compressed-row delivery of spikes to static synapses in standalone mode.

Brian2's standalone delivery copies, for every spike, the indices of all the spiking neuron's
synapses into the queue slot of their delay, and then runs the on_pre code once per copied
index. For static synapses with one delay per pathway the copy is not needed: the slot can
hold the spiking neurons, and each neuron's synapses, created in presynaptic order by the
engine (so that they form one row of consecutive indices), are delivered by a loop over that
row. That saves writing and reading back 4 bytes per event, and the reads of the targets and
weights become one forward stream per spike.

The templates in ``templates/`` (``synapses_push_spikes.cpp`` and ``synapses.cpp``) replace
Brian2's for the Synapses given :data:`CompressedRowCodeObject` as their ``codeobj_class``;
every other code object of those Synapses uses Brian2's templates. Synapses whose indices are
not in presynaptic order still work: the row loop then goes through a permutation built once
per run. benchmarks/cost_model.py measures both paths, and the engine tests check that they
give the same spikes as Brian2's delivery.
"""

from __future__ import annotations

import copy

import numpy as np
from brian2 import get_device, prefs
from brian2.codegen.generators import CPPCodeGenerator
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

from theory.errors import ParameterError

from .cuda import is_cuda_device

__all__ = ["CompressedRowCodeObject", "compressed_row_delivery_applies"]


class _BranchFreeGenerator(CPPCodeGenerator):
    """Brian2's C++ generator without branches on booleans in increments.

    Brian2 turns ``v_post += w*int(not_refractory_post)`` into an if/else on the boolean, and
    guards every write to a variable marked ``(unless refractory)`` with
    ``if(not_refractory)``. In a delivery loop those branches follow the refractory state of
    random targets and are often mispredicted (Brunel A: 1.8 against 2.4 s of user time for
    the whole run). Here the boolean stays a factor, and a guarded increment ``x += e``
    becomes ``x += (e)*int(condition)``: the same number for finite e (the engine's vectorised
    builds assume finite values anyway). Other guarded writes keep Brian2's if.
    """

    def translate_statement(self, statement):
        if statement.used_boolean_variables:
            statement = copy.copy(statement)
            statement.used_boolean_variables = None
        return super().translate_statement(statement)

    def translate_to_statements(self, statements, conditional_write_vars):
        lines = []
        for statement in statements:
            condition = conditional_write_vars.get(statement.var)
            if condition is not None and statement.op in ("+=", "-="):
                statement = copy.copy(statement)
                statement.expr = f"({statement.expr})*int({condition})"
                condition = None
            line = self.translate_statement(statement)
            lines += [f"if({condition})", f"    {line}"] if condition is not None else [line]
        return lines


class CompressedRowCodeObject(CPPStandaloneCodeObject):
    """Brian2's standalone code object with this package's delivery templates first, and its
    statements translated without branches on boolean variables."""

    templater = CPPStandaloneCodeObject.templater.derive("balanced_models.engines.brian2")
    generator_class = _BranchFreeGenerator


#: set False to build every Synapses with Brian2's own delivery (for comparisons)
ENABLED = True


def compressed_row_delivery_applies(static: bool, one_delay: bool) -> bool:
    """Whether new Synapses should use compressed-row delivery: standalone mode without
    OpenMP threads (the queue is one thread's), static synapses (no on_post pathway) and one
    delay for the whole pathway.

    Parameters
    ----------
    static : bool
        The synapses have no plasticity.
    one_delay : bool
        All synapses share one delay.

    Returns
    -------
    bool
        True where :class:`CompressedRowCodeObject` should be the Synapses' codeobj_class.

    Raises
    ------
    ParameterError
        If ``static`` or ``one_delay`` is not a bool.
    """
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    for name, value in (("static", static), ("one_delay", one_delay)):
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(f"{name} must be True or False; got {value!r}")
    return (ENABLED and static and one_delay
            and isinstance(get_device(), CPPStandaloneDevice) and not is_cuda_device()
            and not prefs.devices.cpp_standalone.openmp_threads)

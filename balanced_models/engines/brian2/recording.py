"""Recording that stays small: spikes of a subset, traces of a few neurons, per-neuron running
moments accumulated inside the simulation, and weights of sampled synapses.
"""

from __future__ import annotations

import contextlib
import logging
import re

import numpy as np
from numpy.typing import ArrayLike
from brian2 import (Clock, NeuronGroup, Quantity, SpikeMonitor, StateMonitor, Synapses,
                    linked_var, ms, second)
from brian2.units.fundamentalunits import DIMENSIONLESS

from theory.errors import ParameterError, require, require_integer

from .cuda import is_cuda_device, sorted_spikes
from ._names import name_kwargs
from .units import check_quantity

__all__ = ["spike_monitor", "state_monitor", "weight_monitor", "moment_recorder",
           "spike_arrays", "moments_table"]


def spike_monitor(group: NeuronGroup, n: int | None = None, *,
                  name: str | None = None) -> SpikeMonitor:
    """A SpikeMonitor of all neurons of a group, or of the first ``n``.

    The first ``n`` neurons of a random network are a contiguous, unbiased sample.

    Parameters
    ----------
    group : brian2.NeuronGroup
        The neurons.
    n : int, optional
        Record the first n (1 to len(group)); None (the default): all.
    name : str, optional
        The Brian2 object's name (default: Brian2's).

    Returns
    -------
    brian2.SpikeMonitor
        The monitor; add it to the Simulation.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or out of range.
    """
    if n is not None:
        n = require_integer("n", n, low=1, high=len(group))
    return SpikeMonitor(group if n is None else group[:n], **name_kwargs(name))


def state_monitor(group: NeuronGroup, indices: ArrayLike, variables: tuple = ("v",), *,
                  dt: Quantity | None = None, name: str | None = None) -> StateMonitor:
    """A StateMonitor of ``variables`` for the neurons ``indices``, every ``dt``.

    Memory: 8 bytes x len(indices) x len(variables) x duration/dt.

    Parameters
    ----------
    group : brian2.NeuronGroup
        The neurons.
    indices : array_like of int
        The recorded neurons (0 to len(group) - 1).
    variables : tuple of str, optional
        The recorded variables. Default ("v",).
    dt : brian2.Quantity, optional
        Sampling interval (second, > 0); default: every time step.
    name : str, optional
        The Brian2 object's name (default: Brian2's).

    Returns
    -------
    brian2.StateMonitor
        The monitor; add it to the Simulation.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or out of range.
    """
    if dt is not None:
        check_quantity("dt", dt, second, low=0.0, low_open=True)
    require("indices", np.asarray(list(indices), dtype=float), low=0, high=len(group) - 1)
    kwargs = {"dt": dt} if dt is not None else {}
    return StateMonitor(group, list(variables), record=list(indices), **name_kwargs(name), **kwargs)


def weight_monitor(synapses: Synapses, indices: ArrayLike, *, dt: Quantity,
                   variable: str = "w", name: str | None = None,
                   n_synapses: int | None = None) -> StateMonitor:
    """A StateMonitor of the weights of the synapses ``indices``, sampled every ``dt``.

    ``n_synapses`` is the number of synapses when the caller knows it and Brian2 does not yet
    (a standalone binary creates them from files): the indices are checked against it here,
    and Brian2's warning that it cannot check them is not shown.

    Parameters
    ----------
    synapses : brian2.Synapses
        The synapses.
    indices : array_like of int
        The recorded synapses, in the order of the Connectivity.
    dt : brian2.Quantity
        Sampling interval (second, > 0).
    variable : str, optional
        The recorded variable. Default "w".
    name : str, optional
        The Brian2 object's name (default: Brian2's).
    n_synapses : int, optional
        The number of synapses, if Brian2 does not know it yet.

    Returns
    -------
    brian2.StateMonitor
        The monitor; add it to the Simulation.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or out of range.
    """
    try:  # unknown before the run when a standalone binary creates the synapses
        n = len(synapses) if synapses._connect_called else None
    except NotImplementedError:
        n = None
    n = n if n is not None else n_synapses
    if n is not None and len(indices) and max(indices) >= n:
        raise ParameterError(f"synapse index {max(indices)} out of range [0, {n - 1}]")
    check_quantity("dt", dt, second, low=0.0, low_open=True)
    with _without_warning("brian2.monitors.statemonitor.cannot_check_statemonitor_indices",
                          when=n is not None):
        return StateMonitor(synapses, variable, record=list(indices), dt=dt,
                            **name_kwargs(name))


@contextlib.contextmanager
def _without_warning(logger_name, *, when=True):
    """Drop the records of one Brian2 logger while the block runs (if ``when``)."""
    logger, drop = logging.getLogger(logger_name), (lambda record: False)
    if when:
        logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def moment_recorder(group: NeuronGroup, variables: tuple | dict = ("v",), *,
                    bin_width: Quantity | None = None, start: Quantity = 0 * ms,
                    when: str = "end", clip: dict | None = None, products: tuple = (),
                    name: str | None = None) -> NeuronGroup:
    """Per-neuron running moments of variables, accumulated inside the simulation.

    Each variable is averaged over bins of ``bin_width``; the mean and variance over the bins
    that start at or after ``start`` are accumulated, and no trace is stored. Read the result
    with :func:`balanced_models.engines.brian2.recording.moments_table`.

    Parameters
    ----------
    group : brian2.NeuronGroup
        The neurons.
    variables : tuple of str or dict, optional
        Names of the group's variables, or {name: expression} of them (e.g.
        {"v": "v", "g_tot": "g_e + g_i + g_x"}). Default ("v",).
    bin_width : brian2.Quantity, optional
        Width of the bins (second); default one time step (every sample).
    start : brian2.Quantity, optional
        Bins that start before this are left out (second, >= 0). Default 0.
    when : str, optional
        The scheduling slot at which the variables are sampled: 'end' (the default) sees V
        after the reset, 'before_resets' the value that crossed threshold.
    clip : dict, optional
        {name: (low, high)}: clip the samples (e.g. a spike at V_th).
    products : tuple of tuple, optional
        Pairs (x, y) of recorded names: accumulates the mean of x*y (for the covariance) and
        the mean of abs((x - x_ref)(y - y_ref)) with per-neuron reference values ``x_ref``
        (default 0; set them to the means of a first run, e.g. by run_args).
    name : str, optional
        The Brian2 object's name.

    Returns
    -------
    brian2.NeuronGroup
        len(group) recorder units; add them to the Simulation.

    Raises
    ------
    ParameterError
        If a variable is unknown to the group or a value is of the wrong dimension.
    """
    from brian2.parsing.expressions import parse_expression_dimensions
    from brian2.utils.stringtools import get_identifiers

    t0 = check_quantity("start", start, second, low=0.0)
    expressions = dict(variables) if isinstance(variables, dict) else {x: x for x in variables}
    clip = clip or {}
    lines = ["t_record : second (shared, constant)", "bin_width : second (shared, constant)",
             "n_in_bin : 1", "n_bins : 1"]
    sources = set()
    dims, samples = {}, {}
    for x, expr in expressions.items():
        used = [v for v in get_identifiers(expr) if v in group.variables]
        unknown = [v for v in get_identifiers(expr) if v not in group.variables]
        if unknown or not used:
            raise ParameterError(f"{group.name!r} has no variable {(unknown or [expr])[0]!r}")
        sources.update(used)
        dims[x] = parse_expression_dimensions(expr, group.variables)
        sample = expr
        for v in used:
            sample = re.sub(rf"\b{v}\b", f"{v}_src", sample)
        if x in clip:
            lines += [f"{x}_low : {_unit_spec(dims[x])} (shared, constant)",
                      f"{x}_high : {_unit_spec(dims[x])} (shared, constant)"]
            sample = f"clip({sample}, {x}_low, {x}_high)"
        samples[x] = sample
        lines += [f"{x}_bin : {_unit_spec(dims[x])}", f"{x}_sum : {_unit_spec(dims[x])}",
                  f"{x}_sumsq : {_unit_spec(dims[x] ** 2)}"]
    for v in sorted(sources):
        lines.append(f"{v}_src : {_unit_spec(group.variables[v].dim)} (linked)")
    for x, y in products:
        if x not in expressions or y not in expressions:
            raise ParameterError(f"products must pair recorded variables; got {(x, y)}")
        prod = _unit_spec(dims[x] * dims[y])
        lines += [f"{x}_{y}_prod : {prod}", f"{x}_{y}_absdev : {prod}"]
    for z in sorted({z for pair in products for z in pair}):
        lines.append(f"{z}_ref : {_unit_spec(dims[z])} (constant)")
    R = NeuronGroup(len(group), "\n".join(lines), **name_kwargs(name))
    for v in sources:
        setattr(R, f"{v}_src", linked_var(group, v))
    for x, (low, high) in clip.items():
        setattr(R, f"{x}_low", low)
        setattr(R, f"{x}_high", high)
    R.t_record = t0 * second
    bin_dt = group.clock.dt if bin_width is None else bin_width
    check_quantity("bin_width", bin_dt, second, low=0.0, low_open=True)
    R.bin_width = bin_dt
    # close the bin that ended at t (it covers [t - bin_width, t)), then start filling the next
    active = "int(t >= t_record + bin_width - 0.5*dt)"
    mean = {x: f"({x}_bin/clip(n_in_bin, 1, inf))" for x in expressions}
    close = [f"{x}_sum += {active}*{mean[x]}\n{x}_sumsq += {active}*{mean[x]}**2"
             for x in expressions]
    close += [f"{x}_{y}_prod += {active}*{mean[x]}*{mean[y]}\n"
              f"{x}_{y}_absdev += {active}*abs(({mean[x]} - {x}_ref)*({mean[y]} - {y}_ref))"
              for x, y in products]
    close += [f"{x}_bin = 0*{x}_bin" for x in expressions]
    close.append(f"n_bins += {active}*int(n_in_bin > 0)\nn_in_bin = 0")
    # a named clock keeps the generated code identical when the same network is rebuilt
    R.run_regularly("\n".join(close), clock=Clock(bin_dt, name=f"{R.name}_clock"), when=when,
                    order=10, name=f"{R.name}_close")
    accumulate = [f"{x}_bin += {samples[x]}" for x in expressions] + ["n_in_bin += 1"]
    R.run_regularly("\n".join(accumulate), when=when, order=11, name=f"{R.name}_accumulate")
    R._moment_variables = tuple(expressions)
    R._moment_products = tuple(products)
    return R


_BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")


def _unit_spec(dim):
    """A unit specification Brian2's equation parser accepts for any dimension."""
    if dim is DIMENSIONLESS:
        return "1"
    return " * ".join(f"{u} ** {e:g}" for u, e in zip(_BASE_UNITS, dim._dims) if e)


def spike_arrays(monitor):
    """(indices, times in s) of a Brian2 SpikeMonitor, as numpy arrays of their own.

    Copies: Brian2 >= 2.10 may hand out views of the monitor's buffers, which are freed with
    the monitor (a runtime test read freed memory as spike times). On cuda_standalone they
    are sorted by time, then neuron, as on every other device (brian2cuda's known issue #46)."""
    indices = np.array(monitor.i[:], dtype=np.int64, copy=True)
    times = np.array(monitor.t_[:], dtype=float, copy=True)
    return sorted_spikes(indices, times) if is_cuda_device() else (indices, times)


def moments_table(recorder):
    """Per-neuron mean and variance of the variables accumulated by a
    :func:`moment_recorder`.

    Returns a DataFrame with columns neuron, n_bins and, per variable x, x_mean and x_var in
    SI units (variance over bins, normalised by n_bins); per recorded product (x, y) also
    x_y_cov (covariance) and x_y_absdev (mean abs((x - x_ref)(y - y_ref))).
    """
    n = np.asarray(recorder.n_bins[:], dtype=float)
    if np.any(n == 0):
        raise RuntimeError("the moment recorder has no completed bins yet (did the run last "
                           "longer than start + bin_width?)")
    table = {"neuron": np.arange(len(n)), "n_bins": n}
    for x in recorder._moment_variables:
        s1 = np.asarray(getattr(recorder, f"{x}_sum_")[:], dtype=float) / n
        s2 = np.asarray(getattr(recorder, f"{x}_sumsq_")[:], dtype=float) / n
        table[f"{x}_mean"] = s1
        table[f"{x}_var"] = np.maximum(s2 - s1**2, 0.0)
    for x, y in getattr(recorder, "_moment_products", ()):
        prod = np.asarray(getattr(recorder, f"{x}_{y}_prod_")[:], dtype=float) / n
        table[f"{x}_{y}_cov"] = prod - table[f"{x}_mean"] * table[f"{y}_mean"]
        table[f"{x}_{y}_absdev"] = np.asarray(getattr(recorder, f"{x}_{y}_absdev_")[:],
                                              dtype=float) / n
    import pandas as pd

    return pd.DataFrame(table)

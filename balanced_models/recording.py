"""Recording that stays small: spikes of a subset, traces of a few neurons, per-neuron running
moments accumulated inside the simulation, and weights of sampled synapses.
"""

from brian2 import NeuronGroup, SpikeMonitor, StateMonitor, linked_var, ms, second
from brian2.units.fundamentalunits import DIMENSIONLESS

from theory.errors import ParameterError

from ._names import name_kwargs
from .validation import check_quantity

__all__ = ["spike_monitor", "state_monitor", "weight_monitor", "moment_recorder"]


def spike_monitor(group, n=None, *, name=None):
    """SpikeMonitor of all neurons, or of the first ``n`` (a contiguous, unbiased sample in a
    random network)."""
    return SpikeMonitor(group if n is None else group[:int(n)], **name_kwargs(name))


def state_monitor(group, indices, variables=("v",), *, dt=None, name=None):
    """StateMonitor of ``variables`` for the neurons ``indices``, every ``dt`` (default: each step).

    Memory: 8 bytes x len(indices) x len(variables) x duration/dt.
    """
    kwargs = {"dt": dt} if dt is not None else {}
    return StateMonitor(group, list(variables), record=list(indices), **name_kwargs(name), **kwargs)


def weight_monitor(synapses, indices, *, dt, variable="w", name=None):
    """StateMonitor of the weights of the synapses ``indices`` (order of the Connectivity),
    sampled every ``dt``."""
    n = len(synapses) if synapses._connect_called else None
    if n is not None and len(indices) and max(indices) >= n:
        raise ParameterError(f"synapse index {max(indices)} out of range [0, {n - 1}]")
    return StateMonitor(synapses, variable, record=list(indices), dt=dt, **name_kwargs(name))


def moment_recorder(group, variables=("v",), *, bin_width=None, start=0 * ms, when="end",
                    name=None):
    """Per-neuron running mean and variance of ``variables``, accumulated in the simulation.

    Each variable is averaged over bins of ``bin_width`` (default: one time step, i.e. every
    sample), and the mean and variance over the bins that start at or after ``start`` are
    accumulated; no trace is stored. ``when`` is the scheduling slot at which the variable is
    sampled ('end' sees V after the reset). Read the result with
    :func:`balanced_models.analysis.moments_table`.

    Returns a NeuronGroup of len(group) recorder units (add it to the network).
    """
    t0 = check_quantity("start", start, second, low=0.0)
    lines = ["t_record : second (shared, constant)", "bin_width : second (shared, constant)",
             "n_in_bin : 1", "n_bins : 1"]
    for x in variables:
        if x not in group.variables:
            raise ParameterError(f"{group.name!r} has no variable {x!r}")
        dim = group.variables[x].dim
        unit, unit2 = _unit_spec(dim), _unit_spec(dim**2)
        lines += [f"{x}_obs : {unit} (linked)", f"{x}_bin : {unit}", f"{x}_sum : {unit}",
                  f"{x}_sumsq : {unit2}"]
    R = NeuronGroup(len(group), "\n".join(lines), **name_kwargs(name))
    for x in variables:
        setattr(R, f"{x}_obs", linked_var(group, x))
    R.t_record = t0 * second
    bin_dt = group.clock.dt if bin_width is None else bin_width
    check_quantity("bin_width", bin_dt, second, low=0.0, low_open=True)
    R.bin_width = bin_dt
    # close the bin that ended at t (it covers [t - bin_width, t)), then start filling the next
    active = "int(t >= t_record + bin_width - 0.5*dt)"
    close = [f"{x}_sum += {active}*{x}_bin/clip(n_in_bin, 1, inf)\n"
             f"{x}_sumsq += {active}*({x}_bin/clip(n_in_bin, 1, inf))**2\n"
             f"{x}_bin = 0*{x}_bin" for x in variables]
    close.append(f"n_bins += {active}*int(n_in_bin > 0)\nn_in_bin = 0")
    R.run_regularly("\n".join(close), dt=bin_dt, when=when, order=10, name=f"{R.name}_close")
    accumulate = [f"{x}_bin += {x}_obs" for x in variables] + ["n_in_bin += 1"]
    R.run_regularly("\n".join(accumulate), when=when, order=11, name=f"{R.name}_accumulate")
    R._moment_variables = tuple(variables)
    return R


_BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")


def _unit_spec(dim):
    """A unit specification Brian2's equation parser accepts for any dimension."""
    if dim is DIMENSIONLESS:
        return "1"
    return " * ".join(f"{u} ** {e:g}" for u, e in zip(_BASE_UNITS, dim._dims) if e)

"""External input: independent Poisson drive, explicit Poisson sources, correlated spike trains
and time-windowed stimulation.

Which one to use:

* every neuron gets its own independent inputs of one weight -> the model's built-in drive
  (:func:`set_poisson_drive`, changeable by run_args) or :func:`poisson_input` (Brian2's
  PoissonInput; its rate is compiled in);
* inputs shared between neurons, heterogeneous weights or delays -> :func:`poisson_sources`
  connected with a :class:`~balanced_models.connectivity.Connectivity`;
* correlated inputs -> :func:`correlated_spike_trains` fed through :func:`spike_source`;
* optogenetic-style stimulation -> :func:`windowed_poisson_sources`.
"""

import numpy as np
from brian2 import (Clock, Function, Hz, NeuronGroup, PoissonGroup, PoissonInput,
                    SpikeGeneratorGroup, ms, second, volt)
from brian2.codegen.generators import CPPCodeGenerator, CythonCodeGenerator, NumpyCodeGenerator
from brian2.core.functions import DEFAULT_FUNCTIONS

from theory.errors import ParameterError, require, require_probability

from ._names import name_kwargs
from .validation import check_quantity, si_value

__all__ = ["poisson_count", "set_poisson_drive", "poisson_input", "poisson_sources",
           "correlated_spike_trains", "spike_source", "windowed_poisson_sources"]


# Poisson counts by inversion with a cached table: the cumulative distribution F(k) of one
# mean is kept, and a draw is the number of entries below one uniform number, counted without
# branches (vectorised). The table is built when two consecutive draws ask for the same new
# mean; other draws (neurons with different means) use Brian2's poisson(), so heterogeneous
# means cost what they cost before. Brian2's poisson() uses the multiplication method (about
# lambda + 1 uniform numbers, one exp and unpredictable branches per draw): with the table the
# drive of Brunel's model A takes 1.0 s instead of 3.6 s. Entries whose probability is below
# 1e-17 of the sum are set beyond reach (2.0). lam >= 10 uses Brian2's PTRS sampler.
_POISSON_COUNT_CPP = """
int32_t _poisson_count(double lam, int _vectorisation_idx) {
    static thread_local double table_lam = -1.0, previous_lam = -1.0;
    static thread_local double table[64];
    if (lam >= 10.0 || !(lam > 0.0))
        return _poisson(lam, _vectorisation_idx);
    if (lam != table_lam) {
        const bool repeated = (lam == previous_lam);
        previous_lam = lam;
        if (!repeated)
            return _poisson(lam, _vectorisation_idx);
        double p = exp(-lam);
        double cumulative = p;
        table[0] = cumulative;
        for (int j = 1; j < 64; j++) {
            p *= lam / j;
            cumulative += p;
            table[j] = (p > 1e-17 * cumulative) ? cumulative : 2.0;
        }
        table_lam = lam;
    }
    const double u = _rand(_vectorisation_idx);
    int32_t k = 0;
    for (int j = 0; j < 64; j++)
        k += (u > table[j]);
    return k;
}
"""


def _poisson_count_function():
    f = Function(pyfunc=np.random.poisson, arg_units=[1], return_unit=1, return_type="integer",
                 stateless=False, auto_vectorise=True)
    f.implementations.add_implementation(
        CPPCodeGenerator, code=_POISSON_COUNT_CPP, name="_poisson_count",
        dependencies={"_rand": DEFAULT_FUNCTIONS["rand"], "_poisson": DEFAULT_FUNCTIONS["poisson"]})
    for target in (NumpyCodeGenerator, CythonCodeGenerator):  # Brian2's own samplers
        impl = DEFAULT_FUNCTIONS["poisson"].implementations[target]
        f.implementations.add_implementation(
            target, code=impl.get_code(None), namespace=impl.get_namespace(None),
            dependencies=impl.dependencies, name=impl.name)
    return f


#: ``poisson_count(lam)``: a Poisson-distributed count of mean lam (dimensionless), for use in
#: Brian2 code (pass it in the namespace). Same distribution as Brian2's ``poisson``; the C++
#: version (above) makes the built-in drive several times faster.
poisson_count = _poisson_count_function()


def set_poisson_drive(group, model, channel, K, rate, weight):
    """Set the built-in Poisson drive of ``channel`` (the group was made with drive=[channel]).

    K : number of independent inputs per neuron (number or per-neuron array, >= 0)
    rate : rate of each input (Quantity in Hz, >= 0)
    weight : weight of each input, in the model's weight unit (volt or dimensionless)
    """
    name = f"rate_drive_{channel}"
    if name not in group.variables:
        raise ParameterError(f"group {group.name!r} has no Poisson drive on channel {channel!r};"
                             f" create it with model.group(..., drive=[{channel!r}])")
    require(f"K of the {channel} drive", K, low=0.0)
    check_quantity(f"rate of the {channel} drive", rate, Hz, low=0.0)
    si_value(f"weight of the {channel} drive", weight, model.weight_unit)
    setattr(group, f"K_drive_{channel}", K)
    setattr(group, name, rate)
    setattr(group, f"w_drive_{channel}", weight)


def poisson_input(group, model, channel, K, rate, weight):
    """Brian2 PoissonInput: K independent inputs of ``rate`` and ``weight`` to every neuron.

    Valid when all inputs of a neuron share one weight and have no delays. For
    ``conductance_jump`` the k simultaneous events of one step act linearly (k w (E - v)).
    The rate is compiled into the code; use :func:`set_poisson_drive` to sweep it.
    """
    if int(K) != K or K < 0:
        raise ParameterError(f"K must be a non-negative integer; got {K}")
    rate = check_quantity("rate", rate, Hz, low=0.0) * Hz
    si_value("weight", weight, model.weight_unit)
    target, factor = model.linear_effect(channel)
    weight_expr = f"{factor}*{float(weight)!r}" + ("*volt" if model.weight_unit is volt else "")
    return PoissonInput(group, target, int(K), rate, weight=weight_expr)


def poisson_sources(N, rate, *, name=None):
    """N independent Poisson spike sources (PoissonGroup) at ``rate`` (Hz; changeable by run_args
    through ``group.rates``)."""
    check_quantity("rate", rate, Hz, low=0.0)
    return PoissonGroup(int(N), rates=rate, **name_kwargs(name))


def correlated_spike_trains(N, rate, c, duration, *, rng, jitter=5 * ms, boundary="reflect"):
    """N Poisson trains of ``rate`` with pairwise spike-count correlation ``c`` (long windows).

    Mother-process thinning (Zhu et al. sec. 3; Akil et al. sec. 2.3): a mother Poisson train
    of rate rate/c is drawn on [0, duration]; each daughter keeps each mother spike
    independently with probability c, and each kept spike is jittered by a Gaussian of SD
    ``jitter``. Each daughter is then Poisson with rate ``rate``; two daughters share c*rate
    coincidences per second spread with SD sqrt(2)*jitter, so the count correlation in
    windows >> jitter is c. c = 0 gives independent Poisson trains.

    boundary : 'reflect' folds jittered times back into [0, duration] (keeps the rate
        uniform); 'drop' discards them.
    Returns (indices, times) as numpy arrays (times in seconds), sorted by time.
    """
    require_probability("c", c)
    r = check_quantity("rate", rate, Hz, low=0.0)
    T = check_quantity("duration", duration, second, low=0.0, low_open=True)
    sd = check_quantity("jitter", jitter, second, low=0.0)
    if boundary not in ("reflect", "drop"):
        raise ParameterError(f"boundary must be 'reflect' or 'drop'; got {boundary!r}")
    if c == 0:
        counts = rng.poisson(r * T, size=N)
        times = rng.uniform(0.0, T, size=counts.sum())
    else:
        mother = rng.uniform(0.0, T, size=rng.poisson(r / c * T))
        keep = rng.random((N, len(mother))) < c if N * len(mother) < 5e7 else None
        if keep is None:  # large: draw per daughter to bound memory
            rows = [np.flatnonzero(rng.random(len(mother)) < c) for _ in range(N)]
            counts = np.array([len(x) for x in rows])
            times = mother[np.concatenate(rows)] if rows else np.array([])
        else:
            counts = keep.sum(axis=1)
            times = np.broadcast_to(mother, keep.shape)[keep]
        times = times + sd * rng.standard_normal(len(times))
    indices = np.repeat(np.arange(N), counts)
    if boundary == "reflect":
        times = np.abs(times)
        times = np.where(times > T, 2 * T - times, times)
        times = np.clip(times, 0.0, np.nextafter(T, 0.0))
    else:
        inside = (times >= 0) & (times < T)
        indices, times = indices[inside], times[inside]
    order = np.argsort(times, kind="stable")
    return indices[order], times[order]


def spike_source(N, indices, times, *, dt, name=None):
    """SpikeGeneratorGroup emitting the given spikes (times in seconds).

    Times are moved to the ``dt`` grid; a neuron's second spike in the same step (which
    Brian2 rejects) is dropped. Returns (group, n_dropped).
    """
    step = check_quantity("dt", dt, second, low=0.0, low_open=True)
    bins = np.floor(np.asarray(times) / step + 1e-9).astype(np.int64)
    key = bins * N + np.asarray(indices, dtype=np.int64)
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    timing = {"dt": dt} if name is None else {"clock": Clock(dt, name=f"{name}_clock")}
    group = SpikeGeneratorGroup(int(N), np.asarray(indices)[first], bins[first] * step * second,
                                **timing, **name_kwargs(name))
    return group, len(key) - len(first)


def windowed_poisson_sources(N, rate, start, stop, *, name=None):
    """N Poisson sources active only for start <= t < stop (optogenetic-style stimulation).

    A NeuronGroup with shared variables ``rate``, ``t_start``, ``t_stop``, so the window and
    the rate can be changed by run_args. Connect it to a subset of neurons with a
    Connectivity whose n_post is that subset's size (e.g. to ``E[:400]``).
    """
    check_quantity("rate", rate, Hz, low=0.0)
    t0 = check_quantity("start", start, second, low=0.0)
    check_quantity("stop", stop, second, low=t0)
    G = NeuronGroup(int(N), "rate : Hz (shared, constant)\n"
                            "t_start : second (shared, constant)\n"
                            "t_stop : second (shared, constant)",
                    threshold="rand() < rate*dt*int(t >= t_start)*int(t < t_stop)",
                    **name_kwargs(name))
    G.rate, G.t_start, G.t_stop = rate, start, stop
    return G

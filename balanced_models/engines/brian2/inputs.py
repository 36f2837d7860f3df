"""External input: independent Poisson drive, explicit Poisson sources, correlated spike trains
and time-windowed stimulation.

Which one to use:

* every neuron gets its own independent inputs of one weight -> the model's built-in drive
  (:func:`set_poisson_drive`, changeable by run_args) or :func:`poisson_input` (Brian2's
  PoissonInput; its rate is compiled in);
* inputs shared between neurons, heterogeneous weights or delays -> :func:`poisson_sources`
  connected with a :class:`~balanced_models.core.connectivity.Connectivity`;
* correlated inputs -> :func:`~balanced_models.core.sources.correlated_spike_trains` fed
  through :func:`spike_source`;
* optogenetic-style stimulation -> :func:`windowed_poisson_sources`.
"""

from __future__ import annotations

import os

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from brian2 import (Clock, Function, Hz, NeuronGroup, PoissonGroup, PoissonInput,
                    Quantity, SpikeGeneratorGroup, get_device, second, volt)
from brian2.codegen.generators import CPPCodeGenerator, CythonCodeGenerator, NumpyCodeGenerator
from brian2.core.functions import DEFAULT_FUNCTIONS

from theory.errors import ParameterError, require, require_integer

from ...core.sources import spike_bins
from ._names import name_kwargs
from .cuda import is_cuda_device
from .simulation import project_data_directory
from .units import check_quantity

if TYPE_CHECKING:
    from .neurons import NeuronModel

__all__ = ["poisson_count", "set_poisson_drive", "poisson_input", "poisson_sources",
           "spike_source", "rewrite_spike_trains",
           "windowed_poisson_sources"]


# Poisson counts from cached alias tables (Walker; Vose's construction). When two consecutive
# draws ask for the same mean lam below 16 (every neuron of a population with one drive, or a
# block of neurons with one mean input), the probabilities P(k), k < 64, of that mean become
# an alias table, kept in a cache of the last 32 means (blocks that take turns every step are
# not rebuilt every step). A draw is one 64-bit random number: its top 6 bits pick a cell, its
# low 53 bits a uniform fraction, and the count is the cell or its alias, chosen without a
# branch: two table reads and one comparison, whatever the mean. P(k) below 1e-17 of the sum
# is dropped (the mass beyond 64 is at most 1.4e-19 for lam < 16); the table is otherwise
# exact to rounding. The random numbers come from xoshiro256++ (Blackman & Vigna), one state
# per thread and code object, seeded at its first draw from Brian2's generator: Brian2's seed
# (and so the per-run seed) makes runs bit-identical across processes. A new mean that the
# next draw does not repeat (heterogeneous means) and lam >= 16 use Brian2's poisson()
# (multiplication of uniforms below 10, PTRS from 10 on). The previous sampler compared one
# uniform number with all 64 cumulative probabilities, and Brian2's Mersenne Twister draws
# two 32-bit numbers per uniform: benchmarks/cost_model.py and poisson_drive_cost.py give
# the cost per draw (measurements page).
_POISSON_COUNT_CPP = """
/* the alias table being drawn from (lam: its mean; -1: none) and the generator's state */
static thread_local double _bm_pc_lam = -1.0;
static thread_local const double* _bm_pc_cut = 0;
static thread_local const int32_t* _bm_pc_alias = 0;
static thread_local uint64_t _bm_pc_state[4];
static thread_local bool _bm_pc_seeded = false;
/* the cache of tables */
static thread_local double _bm_pc_means[32], _bm_pc_previous = -1.0;
static thread_local double _bm_pc_cuts[32][64];
static thread_local int32_t _bm_pc_aliases[32][64];
static thread_local int _bm_pc_n_cached = 0, _bm_pc_next_slot = 0;

static inline int32_t _bm_pc_draw() {
    uint64_t* const state = _bm_pc_state;
    const uint64_t sum = state[0] + state[3];
    const uint64_t bits = ((sum << 23) | (sum >> 41)) + state[0];  /* xoshiro256++ */
    const uint64_t shifted = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = (state[3] << 45) | (state[3] >> 19);
    const int32_t cell = (int32_t)(bits >> 58);
    const double fraction = (double)(bits & 0x1fffffffffffffULL) * (1.0 / 9007199254740992.0);
    const int32_t other = _bm_pc_alias[cell];  /* arithmetic: gcc branches on ?: */
    return other + (int32_t)(fraction < _bm_pc_cut[cell]) * (cell - other);
}

/* a mean other than the current table's: another cached table, a new one, or Brian2's */
__attribute__((noinline)) int32_t _bm_pc_other_mean(double lam, int _vectorisation_idx) {
    if (lam >= 16.0 || !(lam > 0.0))
        return _poisson(lam, _vectorisation_idx);
    int found = -1;
    for (int j = 0; j < _bm_pc_n_cached; j++)
        if (_bm_pc_means[j] == lam)
            found = j;
    if (found < 0) {
        const bool repeated = (lam == _bm_pc_previous);
        _bm_pc_previous = lam;
        if (!repeated)
            return _poisson(lam, _vectorisation_idx);
        found = _bm_pc_next_slot;
        _bm_pc_next_slot = (_bm_pc_next_slot + 1) % 32;
        _bm_pc_n_cached = _bm_pc_n_cached < 32 ? _bm_pc_n_cached + 1 : 32;
        double* cut = _bm_pc_cuts[found];
        int32_t* alias = _bm_pc_aliases[found];
        double p[64], total = 0.0, term = exp(-lam);
        for (int j = 0; j < 64; j++) {
            if (j > 0)
                term *= lam / j;
            p[j] = term;
            total += term;
        }
        int small[64], large[64], n_small = 0, n_large = 0;
        for (int j = 0; j < 64; j++) {
            p[j] = (p[j] > 1e-17 * total) ? 64.0 * p[j] / total : 0.0;
            alias[j] = j;
            if (p[j] < 1.0) small[n_small++] = j; else large[n_large++] = j;
        }
        while (n_small > 0 && n_large > 0) {
            const int s = small[--n_small], l = large[--n_large];
            cut[s] = p[s];
            alias[s] = l;
            p[l] = (p[l] + p[s]) - 1.0;
            if (p[l] < 1.0) small[n_small++] = l; else large[n_large++] = l;
        }
        while (n_large > 0) cut[large[--n_large]] = 1.0;
        while (n_small > 0) cut[small[--n_small]] = 1.0;  /* rounding leftovers */
        _bm_pc_means[found] = lam;
    }
    if (!_bm_pc_seeded) {  /* splitmix64 of 64 bits from Brian2's (seeded) generator */
        uint64_t x = (uint64_t)(_rand(_vectorisation_idx) * 9007199254740992.0)
                     ^ ((uint64_t)(_rand(_vectorisation_idx) * 9007199254740992.0) << 11);
        for (int j = 0; j < 4; j++) {
            uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            _bm_pc_state[j] = z ^ (z >> 31);
        }
        _bm_pc_seeded = true;
    }
    _bm_pc_lam = lam;
    _bm_pc_cut = _bm_pc_cuts[found];
    _bm_pc_alias = _bm_pc_aliases[found];
    return _bm_pc_draw();
}

/* the call in the drive's loop: one comparison, then a draw, inlined */
static inline int32_t _poisson_count(double lam, int _vectorisation_idx) {
    if (lam == _bm_pc_lam)
        return _bm_pc_draw();
    return _bm_pc_other_mean(lam, _vectorisation_idx);
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


def set_poisson_drive(group: NeuronGroup, model: "NeuronModel", channel: str,
                      K: int | ArrayLike, rate: Quantity, weight: Quantity | float) -> None:
    """Set the built-in Poisson drive of ``channel`` (the group was made with drive=[channel]).

    Parameters
    ----------
    group : brian2.NeuronGroup
        Made by ``model.group(..., drive=[channel])`` (or a subgroup of one).
    model : NeuronModel or CustomModel
        The group's model.
    channel : str
        The driven channel.
    K : int or array of int
        Number of independent inputs per neuron (whole numbers >= 0; one, or one per
        neuron).
    rate : brian2.Quantity
        Rate of each input (Hz, >= 0, finite).
    weight : brian2.Quantity or float
        Weight of each input, in the model's weight unit (volt, or dimensionless for
        conductances); finite.

    Raises
    ------
    ParameterError
        Naming the parameter, for a group without this drive or a bad value.
    """
    from .custom_neurons import CustomModel  # the models use this module's poisson_count
    from .neurons import NeuronModel

    if not isinstance(model, (NeuronModel, CustomModel)):
        raise ParameterError(f"model must be the group's NeuronModel or CustomModel; got "
                             f"{type(model).__name__}")
    name = f"rate_drive_{channel}"
    if not hasattr(group, "variables") or name not in group.variables:
        raise ParameterError(f"group {getattr(group, 'name', group)!r} has no Poisson drive on "
                             f"channel {channel!r}; create it with "
                             f"model.group(..., drive=[{channel!r}])")
    require(f"K of the {channel} drive", K, low=0.0)
    if not np.all(np.mod(np.asarray(K, dtype=float), 1) == 0):
        raise ParameterError(f"K of the {channel} drive must be whole numbers of inputs (>= 0); "
                             f"got {K!r}")
    check_quantity(f"rate of the {channel} drive", rate, Hz, low=0.0)
    check_quantity(f"weight of the {channel} drive", weight, model.weight_unit)
    setattr(group, f"K_drive_{channel}", K)
    setattr(group, name, rate)
    setattr(group, f"w_drive_{channel}", weight)


def poisson_input(group: NeuronGroup, model: "NeuronModel", channel: str, K: int,
                  rate: Quantity, weight: Quantity | float) -> PoissonInput:
    """A Brian2 PoissonInput: K independent inputs of ``rate`` and ``weight`` to every neuron.

    Valid when all inputs of a neuron share one weight and have no delays. For
    ``conductance_jump`` the k simultaneous events of one step act linearly (k w (E - v)). The
    rate is compiled into the code; use :func:`set_poisson_drive` to sweep it.

    Parameters
    ----------
    group : brian2.NeuronGroup
        The target neurons.
    model : NeuronModel
        Their model.
    channel : str
        The input channel.
    K : int
        Inputs per neuron (>= 0).
    rate : brian2.Quantity
        Rate of each input (Hz, >= 0).
    weight : brian2.Quantity or float
        Weight of each input (volt for current synapses, dimensionless for conductances).

    Returns
    -------
    brian2.PoissonInput
        The input; add it to the Simulation.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong dimension or outside its range.
    """
    K = require_integer("K", K, low=0)
    rate = check_quantity("rate", rate, Hz, low=0.0) * Hz
    check_quantity("weight", weight, model.weight_unit)
    target, factor = model.linear_effect(channel)
    weight_expr = f"{factor}*{float(weight)!r}" + ("*volt" if model.weight_unit is volt else "")
    return PoissonInput(group, target, int(K), rate, weight=weight_expr)


def poisson_sources(N: int, rate: Quantity, *, name: str | None = None) -> PoissonGroup:
    """N independent Poisson spike sources (a Brian2 PoissonGroup).

    Parameters
    ----------
    N : int
        Number of sources (>= 1).
    rate : brian2.Quantity
        Rate of each (Hz, >= 0); changeable by run_args through ``group.rates``.
    name : str, optional
        The Brian2 object's name (default: Brian2's).

    Returns
    -------
    brian2.PoissonGroup
        The sources.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong dimension or outside its range.
    """
    N = require_integer("N", N, low=1)
    check_quantity("rate", rate, Hz, low=0.0)
    return PoissonGroup(N, rates=rate, **name_kwargs(name))


def spike_source(N: int, indices: ArrayLike, times: ArrayLike, *, dt: Quantity,
                 name: str | None = None) -> tuple:
    """A Brian2 SpikeGeneratorGroup emitting the given spikes.

    Times are moved to the ``dt`` grid; a neuron's second spike in the same step (which Brian2
    rejects) is dropped. In a cpp_standalone project the spikes are not compiled into the
    binary: they are written to ``<project>/spike_trains/<name>.bin`` and read by the binary
    before each run, so :func:`rewrite_spike_trains` can give the next
    :meth:`Simulation.execute` other trains (another trial, another correlation) without
    recompiling. The group's Python-side spike arrays then hold a one-spike placeholder.

    Parameters
    ----------
    N : int
        Number of trains (>= 1).
    indices : array_like of int
        Train of each spike (0 <= i < N).
    times : array_like of float
        Time of each spike (s, >= 0).
    dt : brian2.Quantity
        The time step (second, > 0).
    name : str, optional
        The Brian2 object's name (default: Brian2's).

    Returns
    -------
    group : brian2.SpikeGeneratorGroup
        The source.
    n_dropped : int
        Spikes dropped as a neuron's second spike in one step.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong dimension or outside its range.
    """
    step = check_quantity("dt", dt, second, low=0.0, low_open=True)
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ParameterError(f"N must be an integer >= 1; got {N!r}")
    indices, bins, dropped = spike_bins(N, indices, times, step)
    timing = {"dt": dt} if name is None else {"clock": Clock(dt, name=f"{name}_clock")}
    directory = project_data_directory("spike_trains")
    if directory is None:
        group = SpikeGeneratorGroup(int(N), indices, bins * step * second, sorted=True,
                                    **timing, **name_kwargs(name))
        return group, dropped
    group = SpikeGeneratorGroup(int(N), [0], [0] * second, **timing, **name_kwargs(name))
    get_device().insert_code("before_network_run", _spike_loader_code(group))
    _write_spike_trains(directory, group, indices, bins, step)
    return group, dropped


def rewrite_spike_trains(group: SpikeGeneratorGroup, indices: ArrayLike,
                         times: ArrayLike) -> int:
    """Give a compiled standalone spike source other spikes, without recompiling.

    They take effect at the next :meth:`Simulation.execute`. Any number of spikes is allowed;
    they are moved to the group's dt grid as in :func:`spike_source`.

    Parameters
    ----------
    group : SpikeGeneratorGroup
        A source made by :func:`spike_source` in the current standalone project.
    indices : array of int
        Source neuron of each spike, in [0, N).
    times : array of float
        Spike times (s), finite and >= 0, one per index.

    Returns
    -------
    int
        The number of same-step duplicates dropped.
    """
    directory = project_data_directory("spike_trains")
    if directory is None or not os.path.exists(os.path.join(directory, f"{group.name}.bin")):
        if is_cuda_device():
            raise ParameterError(
                f"spike source {group.name!r}: a cuda_standalone project compiles its spike "
                "trains in (the file reader of cpp_standalone has no CUDA counterpart); new "
                "trains need a new build")
        raise ParameterError(f"spike source {group.name!r} was not created by spike_source in "
                             "the current standalone project")
    step = float(group.clock.dt_)
    indices, bins, dropped = spike_bins(group.N, indices, times, step)
    _write_spike_trains(directory, group, indices, bins, step)
    return dropped


def _write_spike_trains(directory, group, indices, bins, step):
    """count (int64), then indices (int32), time steps (int32) and times (float64, s)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{group.name}.bin")
    with open(path + ".tmp", "wb") as f:
        np.array([len(indices)], dtype=np.int64).tofile(f)
        indices.astype(np.int32).tofile(f)
        bins.astype(np.int32).tofile(f)
        (bins * step).astype(np.float64).tofile(f)
    os.replace(path + ".tmp", path)


def _spike_loader_code(group):
    """C++ run before each network run: replace the spike arrays of ``group`` by the file's and
    continue from the first spike not before the group's current time step."""
    device = get_device()

    def vector(var):
        return "brian::" + device.get_array_name(group.variables[var], access_data=False)

    index, bins, times, number = (vector(v) for v in
                                  ("neuron_index", "_timebins", "spike_time", "spike_number"))
    last = "brian::" + device.get_array_name(group.variables["_lastindex"])
    now = "brian::" + device.get_array_name(group.clock.variables["timestep"])
    path = f"spike_trains/{group.name}.bin"
    return f"""{{
    std::ifstream _bm_file("{path}", std::ios::binary);
    int64_t _bm_n = -1;
    _bm_file.read(reinterpret_cast<char*>(&_bm_n), sizeof(_bm_n));
    if (!_bm_file || _bm_n < 0) {{
        std::cerr << "cannot read {path}" << std::endl;
        std::exit(1);
    }}
    {index}.resize(_bm_n);
    {bins}.resize(_bm_n);
    {times}.resize(_bm_n);
    {number}.resize(_bm_n);
    if (_bm_n > 0) {{
        _bm_file.read(reinterpret_cast<char*>(&{index}[0]), _bm_n * sizeof(int32_t));
        _bm_file.read(reinterpret_cast<char*>(&{bins}[0]), _bm_n * sizeof(int32_t));
        _bm_file.read(reinterpret_cast<char*>(&{times}[0]), _bm_n * sizeof(double));
        if (!_bm_file) {{
            std::cerr << "{path} ended early" << std::endl;
            std::exit(1);
        }}
    }}
    for (int64_t _i = 0; _i < _bm_n; _i++) {number}[_i] = (int32_t)_i;
    const int64_t _bm_now = {now}[0];
    int64_t _bm_lo = 0, _bm_hi = _bm_n;
    while (_bm_lo < _bm_hi) {{
        const int64_t _bm_mid = (_bm_lo + _bm_hi) / 2;
        if ({bins}[_bm_mid] < _bm_now) _bm_lo = _bm_mid + 1; else _bm_hi = _bm_mid;
    }}
    {last}[0] = (int32_t)_bm_lo;
}}
"""


def windowed_poisson_sources(N: int, rate: Quantity, start: Quantity, stop: Quantity, *,
                             name: str | None = None) -> NeuronGroup:
    """N Poisson sources active only for start <= t < stop (optogenetic-style stimulation).

    A NeuronGroup with shared variables ``rate``, ``t_start`` and ``t_stop``, so that run_args
    can change the window and the rate. Connect it to a subset of neurons with a Connectivity
    whose n_post is that subset's size (e.g. to ``E[:400]``).

    Parameters
    ----------
    N : int
        Number of sources (>= 1).
    rate : brian2.Quantity
        Rate while active (Hz, >= 0).
    start : brian2.Quantity
        Start of the window (second, >= 0).
    stop : brian2.Quantity
        End of the window (second, >= start).
    name : str, optional
        The Brian2 object's name (default: Brian2's).

    Returns
    -------
    brian2.NeuronGroup
        The sources.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong dimension or outside its range.
    """
    N = require_integer("N", N, low=1)
    check_quantity("rate", rate, Hz, low=0.0)
    t0 = check_quantity("start", start, second, low=0.0)
    check_quantity("stop", stop, second, low=t0)
    G = NeuronGroup(N, "rate : Hz (shared, constant)\n"
                            "t_start : second (shared, constant)\n"
                            "t_stop : second (shared, constant)",
                    threshold="rand() < rate*dt*int(t >= t_start)*int(t < t_stop)",
                    **name_kwargs(name))
    G.rate, G.t_start, G.t_stop = rate, start, stop
    return G

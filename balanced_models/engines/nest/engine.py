"""Run a :class:`~balanced_models.core.description.NetworkDescription` on NEST.

The second engine: the same description, the same realised connectivity (passed to NEST as
arrays, so both engines simulate the identical matrix, weight for weight and delay for delay),
the same correlated input trains, and the same analysis (:class:`~balanced_models.core.activity.
RecordedActivity`). NEST brings threads and MPI, for networks that outgrow one machine.

Models (NEST units: ms, mV, pF, pA, nS). The membrane capacitance C is a free scale: our
equations are written per unit capacitance (weights are voltage kicks, or conductance
integrals in units of C), so any C gives the same dynamics once the weights are converted with
it; we use C = 250 pF.

=======================  ======================  =============================================
ours                     NEST                    weight w (SI) becomes
=======================  ======================  =============================================
LIF, ``delta``           ``iaf_psc_delta``       1e3 w mV (the voltage kick)
LIF, ``current_exp``     ``iaf_psc_exp``         C w / tau_c pA (the same charge per spike)
LIF, ``conductance_exp`` ``iaf_cond_exp``        +-C w / tau_c nS (+ on the channel with the
                                                 higher reversal potential, - on the other)
EIF, ``current_exp``     ``aeif_psc_exp``        as LIF; a = b = 0
EIF, ``conductance_exp`` ``aeif_cond_exp``       as LIF; a = b = 0
adapting LIF, ``delta``  ``aeif_psc_delta``      as LIF; Delta_T = 0
adapting LIF or EIF,     ``aeif_psc_exp``,       as LIF; Delta_T = 0 for LIF
exponential synapses     ``aeif_cond_exp``
=======================  ======================  =============================================

Adaptation (``a``, ``b``, ``tau_w`` of a Neuron, per unit capacitance) becomes NEST's
a = C a (nS) and b = C b (pA); NEST's ``aeif_*`` models with Delta_T = 0 drop the exponential
term and spike at ``V_th``: the LIF with adaptation, exactly. The adaptation current can be
recorded (``w_adapt``, V/s; NEST's ``w`` / C).

Leak: NEST's g_L = C / tau_m; ``mu_ext`` becomes the current I_e = C mu_ext / tau_m. Threshold
and reset: LIF fires when V >= V_th (ours: v > V_th, the same for a continuous V) and is reset
to V_r, clamped for tau_ref while synaptic currents go on, and drops delta inputs arriving then
(``refractory_input`` off), as ours. EIF: our exponential threshold V_T is NEST's ``V_th`` and our
hard cut-off V_th, where the spike is counted and v reset, is NEST's ``V_peak``. NEST's
``iaf_psc_exp`` and ``aeif_*`` models take two synaptic time constants, chosen by the sign of the
weight (``iaf_cond_exp``: by the sign, too, for the two conductances), so a population's channels
must map onto two receptors: all channels with positive (current) weights share one time
constant, all negative ones the other; conductance channels have at most two distinct
(tau, E) pairs. Where they do not, a LIF population with exponential currents runs on
``iaf_psc_exp_multisynapse``, one receptor port and time constant per channel (exact as
``iaf_psc_exp``); the other models have no exact NEST counterpart with ports and are refused
with the reason (``NO_MULTISYNAPSE`` of :mod:`~balanced_models.engines.nest.models`).
Integration: NEST integrates LIF exactly and EIF (and every adapting neuron) with an
adaptive Runge-Kutta method; Brian2 uses exact updates for delta-LIF, exponential Euler for
adapting LIF with delta synapses, and forward Euler otherwise.

Inputs. A :class:`~balanced_models.core.description.PoissonDrive` becomes a ``poisson_generator``
at K rate (each target gets its own train, the same process as Brian2's per-step Poisson
count; its Gaussian diffusion approximation, ``noise='gaussian'``, is Brian2's only). Every
source population is a set of ``parrot_neuron``s, so that each of its trains
reaches all its targets. A Poisson or windowed source feeds them from a ``poisson_generator``
(statistically the same trains, not the same spikes); a correlated source or a
:class:`~balanced_models.core.description.SpikeTrainSource` from ``spike_generator``s that emit the
very spikes Brian2 gets, on the same dt grid and arriving in the same step (NEST cannot emit
before t = dt, so spikes of the first two steps arrive one step late). NEST needs every delay
to be at least one time step.

Plasticity. ``vogels_sprekeler`` -> ``vogels_sprekeler_synapse``; ``clipped_additive`` ->
``stdp_synapse`` with mu_plus = mu_minus = 0, alpha = 1 and lambda = eta / |w_max|. The rules
are the same; the engines differ in two documented conventions. NEST treats the delay d as
dendritic: it pairs a presynaptic spike at t_pre with a postsynaptic one at t_post + d, where
Brian2 pairs the arrival t_pre + d with t_post on the presynaptic side and t_pre with t_post
on the postsynaptic side. And NEST transmits a spike with the weight after its update, Brian2
with the weight before it; NEST also applies the potentiation of postsynaptic spikes at the
next presynaptic spike. These move weights by O(d / tau) and O(eta), and a weight read
between presynaptic spikes lags the potentiation since the last one. Akil's multiplicative
``homeostatic`` rule, the gated ``additive`` rule, ``soft_hebbian`` and ``kohonen`` have no NEST
built-in, and conductance jumps (``conductance_jump``, Sanzeni et al.) neither: each raises a
ParameterError that names the feature and what to use instead. Nothing is approximated.

Parallel runs. ``threads`` sets NEST's ``local_num_threads``. Under ``mpirun`` (a NEST built
with MPI) every rank builds the same network (NEST creates only its local part), and spikes,
potentials and sampled weights are gathered to every rank with mpi4py. NEST's random numbers
(Poisson generators) depend on the number of virtual processes (processes x threads); so do
the results of a network with Poisson drive. A network driven only by given spike trains uses
no NEST random numbers.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from theory.errors import ParameterError

from ... import progress
from ...core.description import (CorrelatedSource, CustomNeuron, ExplicitConnections,
                                 NetworkDescription, PoissonSource, SpikeTrainSource,
                                 split_projection_name)
from ...core.realisation import check_seed, realise_projection, sampled_synapses, stream
from ...core.sources import source_spikes, spike_bins
from .. import base
from .models import (CAPACITANCE, NO_RULE, channel_receptors, nest_neuron, nest_weight,
                     receptor_ports, synapse_parameters, uses_nestml)
from .nestml_models import install_nestml_model, nestml_unavailable

__all__ = ["ENGINE", "NestEngine", "NestHandles", "check_supported", "build", "run",
           "simulate", "import_nest", "nest_neuron", "nest_weight", "channel_receptors",
           "CAPACITANCE"]


def import_nest():
    """The ``nest`` module, imported quietly; a ParameterError naming the extra if missing."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError as error:
        raise ParameterError("the NEST engine needs NEST: pip install "
                             "'balanced-models[nest]' (nest-simulator 3.10)") from error
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # older NEST
        nest.set_verbosity("M_ERROR")
    return nest


@dataclass
class NestHandles(base.EngineHandles):
    """A description built in NEST, and what it recorded (the shared fields and accessors are
    :class:`~balanced_models.engines.base.EngineHandles`').

    populations : {name: NodeCollection};  sources : {name: NodeCollection of parrot
    neurons};  projections : {"source->target": NEST synapse model};  connectivity :
    {"source->target": Connectivity} (the realisation NEST holds);  spikes : {population:
    (indices, times in s)};  states : {population: {variable: (times in s, array (neurons,
    samples) in SI)}};  weights : {"source->target": (times in s, array (samples, times) in
    SI)} (all three filled by the run);  threads, processes : NEST's local threads and MPI
    processes;  timings : {'build', 'run': s}.
    """

    threads: int = 1
    processes: int = 1
    _recorders: dict = field(default_factory=dict, repr=False)
    _meters: dict = field(default_factory=dict, repr=False)
    _weight_reads: dict = field(default_factory=dict, repr=False)

    def recorded_populations(self):
        """Populations whose spikes were recorded."""
        return list(self._recorders)

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` whose spikes were recorded."""
        return self._recorders[population][1]

    def _read_spikes(self, population):
        return self.spikes[population]

    def _read_states(self, population, variable):
        return self.states[population][variable]

    def _read_weights(self, projection):
        return self.weights[projection]


# ---------------------------------------------------------------------------------------------
# build and run
# ---------------------------------------------------------------------------------------------
#: a recordable state of our neurons -> (its NEST name, the factor to SI): the potential (mV),
#: the adaptation current (NEST's w in pA; ours per unit capacitance, V/s)
_RECORDABLES = {"v": ("V_m", 1e-3), "w_adapt": ("w", 1.0 / CAPACITANCE)}
#: the same for the NESTML models, which keep w per unit capacitance (mV/ms = V/s)
_NESTML_RECORDABLES = {"v": ("V_m", 1e-3), "w_adapt": ("w", 1.0)}


def _check_supported(description):
    """Raise a ParameterError naming the first feature of ``description`` that NEST cannot
    run exactly (module doc): conductance jumps, a Gaussian drive, a rule without a NEST
    synapse model, a delay below one time step, a recorded state other than ``v`` and
    ``w_adapt`` (or not sampled on the time grid), or channels that do not map onto NEST's
    two receptors."""
    d = base.check_description(description)
    for pop, p in d.populations.items():
        if isinstance(p.neuron, CustomNeuron):
            raise ParameterError(
                f"population {pop!r}: a CustomNeuron (the user's own Brian2 equations) has no "
                "NEST counterpart; run this description with the Brian2 engine, or write the "
                "model in NESTML and load it into NEST yourself")
        reason = nestml_unavailable() if p.neuron.synapse == "conductance_jump" else None
        if reason:
            raise ParameterError(
                f"population {pop!r}: conductance jumps (synapse='conductance_jump', the "
                "Sanzeni model) have no NEST built-in, and the NESTML model cannot be built "
                f"here: {reason}; run this description with the Brian2 engine, "
                "or use synapse='conductance_exp'")
        receptor_ports(d, pop)  # a ParameterError where neither two receptors nor ports fit
        for k, drive in enumerate(d.drives.get(pop, ())):
            if drive.noise != "poisson":
                raise ParameterError(
                    f"drives[{pop!r}][{k}]: noise={drive.noise!r} (the diffusion approximation "
                    "of the drive) has no NEST built-in; run it with the Brian2 engine")
    for name, proj in d.projections.items():
        if proj.plasticity is not None and proj.plasticity.kind in NO_RULE:
            raise ParameterError(f"projections[{name!r}]: {NO_RULE[proj.plasticity.kind]}")
        delays = proj.rule.delay if (isinstance(proj.rule, ExplicitConnections)
                                     and proj.rule.delay is not None) else proj.delay
        shortest = float(np.min(delays))
        if shortest < d.dt * (1 - 1e-9):
            raise ParameterError(
                f"projections[{name!r}]: delay {shortest} s is below NEST's minimum delay, one "
                f"time step (dt = {d.dt} s); give delays >= dt")
    for pop, (variables, _, dt) in d.record.states.items():
        unknown = set(variables) - set(_RECORDABLES)
        if unknown:
            raise ParameterError(f"record.states[{pop!r}]: the NEST engine records the "
                                 f"potential 'v' and the adaptation current 'w_adapt' only; "
                                 f"got {variables}")
        if abs(dt / d.dt - round(dt / d.dt)) > 1e-6:
            raise ParameterError(f"record.states[{pop!r}] dt ({dt} s) must be a multiple of "
                                 f"the time step ({d.dt} s)")
    return d


def _build(description, *, seed=0, connectivity=None, threads=1):
    """Create the network of ``description`` in NEST (after ``nest.ResetKernel()``: one
    network lives in the NEST kernel at a time).

    Parameters
    ----------
    description : NetworkDescription (see :func:`check_supported` for what NEST runs)
    seed : non-negative integer: the realisation, the correlated trains, the initial
        potentials (all drawn as for Brian2) and NEST's own random numbers
    connectivity : {"source->target": Connectivity}, optional
        A realisation to use instead of the one ``seed`` draws.
    threads : NEST local threads (>= 1)

    Returns
    -------
    NestHandles
    """
    d = _check_supported(description)
    seed = check_seed(seed)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ParameterError(f"threads must be an integer >= 1; got {threads!r}")
    connectivity = base.check_connectivity(d, connectivity)
    nest = import_nest()
    start = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": d.dt * 1e3, "local_num_threads": int(threads),
                          "rng_seed": 1 + seed % (2**31 - 2)})
    h = NestHandles(description=d, seed=seed, connectivity={}, threads=int(threads),
                    processes=int(nest.NumProcesses()))
    dt_ms = d.dt * 1e3
    ports = {pop: receptor_ports(d, pop) for pop in d.populations}
    receptors = {pop: {} if ports[pop] else channel_receptors(d, pop) for pop in d.populations}

    def port(pop, channel):  # the receptor_type of a multisynapse model's input
        return {"receptor_type": ports[pop][channel]} if ports[pop] else {}

    for pop, p in d.populations.items():
        if uses_nestml(p.neuron, ports[pop]):
            install_nestml_model(nest, p.neuron)
        model, params = nest_neuron(p.neuron, mu_ext=p.mu_ext, trace_tau=d.trace_tau(pop),
                                    receptors=receptors[pop], ports=ports[pop])
        nodes = nest.Create(model, p.size, params=params)
        low, high = p.v_init if p.v_init is not None else (p.neuron.V_r, p.neuron.V_th)
        _set_local(nest, nodes, "V_m",
                   1e3 * stream(seed, f"v_init {pop}").uniform(low, high, p.size))
        h.populations[pop] = nodes
        for drive in d.drives.get(pop, ()):
            generator = nest.Create("poisson_generator", params={"rate": drive.K * drive.rate})
            channel = p.neuron.check_channel(drive.channel, f"drives[{pop!r}]")
            nest.Connect(generator, nodes, "all_to_all", syn_spec={
                "weight": nest_weight(p.neuron, channel, drive.weight, receptors[pop],
                                      ports[pop]),
                "delay": dt_ms, **port(pop, channel)})
    for name, s in d.sources.items():
        parrots = nest.Create("parrot_neuron", s.size)
        if isinstance(s, (CorrelatedSource, SpikeTrainSource)):
            indices, bins, _ = spike_bins(s.size, *source_spikes(d, name, seed), d.dt)
            # the parrot adds one step, so a generator spike one step early arrives on time
            # (NEST cannot emit before t = dt: the first two steps' spikes come in step 2)
            bins = np.maximum(bins - 1, 1)
            generators = nest.Create("spike_generator", s.size)
            order = np.argsort(indices, kind="stable")
            split = np.searchsorted(indices[order], np.arange(1, s.size))
            generators.set([{"spike_times": np.unique(b) * dt_ms}
                            for b in np.split(bins[order], split)])
            nest.Connect(generators, parrots, "one_to_one", syn_spec={"delay": dt_ms})
        else:
            params = {"rate": s.rate}
            if not isinstance(s, PoissonSource):
                params.update(start=s.start * 1e3, stop=s.stop * 1e3)
            generator = nest.Create("poisson_generator", params=params)
            nest.Connect(generator, parrots, "all_to_all", syn_spec={"delay": dt_ms})
        h.sources[name] = parrots
    for name, proj in d.projections.items():
        source, target = split_projection_name(name)
        neuron, channel = d.populations[target].neuron, d.channel(name)
        c = (realise_projection(d, name, seed) if connectivity is None
             else connectivity[name])
        h.connectivity[name] = c
        synapse_model = f"{source}_to_{target}"
        if proj.plasticity is None:
            nest.CopyModel("static_synapse", synapse_model)
        else:
            rule_model, params = synapse_parameters(proj.plasticity, neuron, channel,
                                                    receptors[target], ports[target])
            nest.CopyModel(rule_model, synapse_model, {**params, "weight": 0.0})
        h.projections[name] = synapse_model
        offset = proj.target_range[0] if proj.target_range else 0
        pre_ids = np.asarray(h[source].tolist())[c.pre]  # node id of each synapse's ends
        post_ids = np.asarray(h.populations[target].tolist())[c.post + offset]
        if len(c):
            delays = np.broadcast_to(np.asarray(c.delay, dtype=float), (len(c),)) * 1e3
            nest.Connect(pre_ids, post_ids, "one_to_one", syn_spec={
                "synapse_model": synapse_model, "delay": np.maximum(delays, dt_ms),
                "weight": nest_weight(neuron, channel, c.weight, receptors[target],
                                      ports[target]),
                **port(target, channel)})
        if name in d.record.weights:
            sample = sampled_synapses(seed, name, len(c), d.record.weights[name][0])
            h.weight_samples[name] = sample
            h._weight_reads[name] = _weight_reader(
                nest, synapse_model, pre_ids[sample], post_ids[sample],
                1.0 / nest_weight(neuron, channel, 1.0, receptors[target], ports[target]))
    for pop, n in d.recorded_spikes().items():
        n = d.size(pop) if n is None else n
        recorder = nest.Create("spike_recorder")
        nest.Connect(h.populations[pop][:n], recorder)
        h._recorders[pop] = (recorder, n)
    for pop, (variables, n, dt) in d.record.states.items():
        meter = nest.Create("multimeter", params={
            "record_from": [_RECORDABLES[v][0] for v in variables], "interval": dt * 1e3})
        nest.Connect(meter, h.populations[pop][:n])
        table = _NESTML_RECORDABLES if uses_nestml(d.populations[pop].neuron, ports[pop]) \
            else _RECORDABLES
        h._meters[pop] = (meter, n, {v: table[v] for v in variables})
    h.timings["build"] = time.perf_counter() - start
    return h


def _set_local(nest, nodes, name, values):
    """Set one value per node; under MPI each rank sets those of its own (local) nodes."""
    if nest.NumProcesses() > 1:
        with warnings.catch_warnings():  # safe here: every rank sets only its own nodes
            warnings.simplefilter("ignore")
            local = nest.GetLocalNodeCollection(nodes)
    else:
        local = nodes
    if len(local):
        mine = values[np.asarray(local.tolist()) - nodes[0].global_id]
        local.set({name: mine.tolist() if len(local) > 1 else float(mine[0])})


def _weight_reader(nest, synapse_model, pre_ids, post_ids, to_si):
    """A function returning the current weights (SI: NEST's times ``to_si``) of the synapses
    from node ``pre_ids[k]`` to ``post_ids[k]`` of ``synapse_model``, found among NEST's
    (local) connections."""
    wanted = list(zip(pre_ids.tolist(), post_ids.tolist()))
    connections = nest.GetConnections(synapse_model=synapse_model)
    if len(connections):
        position = {}
        for k, key in enumerate(zip(np.atleast_1d(connections.source).tolist(),
                                    np.atleast_1d(connections.target).tolist())):
            position.setdefault(key, k)
        local = [(k, position[key]) for k, key in enumerate(wanted) if key in position]
    else:
        local = []

    def read():
        values = np.full(len(wanted), np.nan)
        if local:
            weights = np.asarray(connections.get("weight"), dtype=float).reshape(-1)
            for k, j in local:
                values[k] = weights[j] * to_si
        return _combine_ranks(values)

    return read


def _combine_ranks(values):
    """Fill NaN entries of ``values`` from the other MPI ranks (each holds its own part)."""
    comm = _communicator()
    if comm is None:
        return values
    parts = comm.allgather(values)
    out = np.full_like(values, np.nan)
    for part in parts:
        out = np.where(np.isnan(out), part, out)
    return out


def _communicator():
    nest = import_nest()
    if nest.NumProcesses() == 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ParameterError("a NEST run on several MPI processes needs mpi4py to gather "
                             "the recordings: pip install mpi4py") from error
    return MPI.COMM_WORLD


def _gather(arrays):
    """Concatenate per-rank lists of arrays across MPI ranks (a no-op on one process)."""
    comm = _communicator()
    if comm is None:
        return arrays
    parts = comm.allgather(arrays)
    return [np.concatenate([p[k] for p in parts]) for k in range(len(arrays))]


_FIRST_CHUNK = 0.01  # s of simulated time in the first nest.Run of a run
_CHUNK_WALL = 5.0  # s of wall time aimed at per nest.Run after the first


def _run_nest(handles, duration, report):
    """Simulate checked handles for ``duration`` s from t = 0 (:meth:`NestEngine.run`);
    ``report='text'``: a progress line about every 10 s of wall time."""
    d, nest = handles.description, import_nest()
    steps = int(round(duration / d.dt))
    # stop at every weight reading; in between, run chunks of about _CHUNK_WALL seconds of
    # wall time (NEST holds the GIL while it runs, so progress lines come between chunks)
    reading = {name: max(1, int(round(d.record.weights[name][1] / d.dt)))
               for name in handles._weight_reads}
    stops = sorted({k for i in set(reading.values()) for k in range(i, steps, i)} | {steps})
    chunk = max(1, int(round(_FIRST_CHUNK / d.dt)))
    samples = {name: [] for name in handles._weight_reads}
    times = {name: [] for name in handles._weight_reads}
    for name, read in handles._weight_reads.items():
        samples[name].append(read())
        times[name].append(0.0)
    start, last_report, done = time.perf_counter(), time.perf_counter(), 0
    nest.Prepare()
    # chunks are whole multiples of the minimal delay (NEST's own slice of a run)
    quantum = max(1, int(round(nest.GetKernelStatus("min_delay") / (d.dt * 1e3))))
    try:
        for stop in stops:
            while done < stop:
                n = min(-(-chunk // quantum) * quantum, stop - done)
                before = time.perf_counter()
                nest.Run(n * d.dt * 1e3)
                wall = time.perf_counter() - before
                done += n
                # the next chunk: about _CHUNK_WALL s of wall time, at most 4 times longer
                chunk = max(1, min(4 * n, int(n * _CHUNK_WALL / max(wall, 1e-6))))
                progress.update(step="NEST: simulated ms", done=int(round(done * d.dt * 1e3)),
                                total=int(round(steps * d.dt * 1e3)))
                if report is not None and time.perf_counter() - last_report > 10:
                    _print_progress(done * d.dt, steps * d.dt, time.perf_counter() - start)
                    last_report = time.perf_counter()
            for name, read in handles._weight_reads.items():
                if done % reading[name] == 0 or done == steps:
                    samples[name].append(read())
                    times[name].append(done * d.dt)
    finally:
        nest.Cleanup()
    handles.timings["run"] = time.perf_counter() - start
    handles.duration = steps * d.dt
    for pop, (recorder, n) in handles._recorders.items():
        events = recorder.get("events")
        first = handles.populations[pop][0].global_id
        senders, spike_times = _gather([np.asarray(events["senders"], dtype=np.int64) - first,
                                        np.asarray(events["times"], dtype=float) * 1e-3])
        order = np.lexsort((senders, spike_times))
        handles.spikes[pop] = (senders[order], spike_times[order])
    for pop, (meter, n, variables) in handles._meters.items():
        events = meter.get("events")
        first = handles.populations[pop][0].global_id
        senders, sample_times, *values = _gather(
            [np.asarray(events["senders"], dtype=np.int64) - first,
             np.asarray(events["times"], dtype=float)]
            + [np.asarray(events[name], dtype=float) for name, _ in variables.values()])
        grid = np.unique(sample_times)
        column = np.searchsorted(grid, sample_times)
        handles.states[pop] = {}
        for (variable, (_, factor)), value in zip(variables.items(), values):
            traces = np.full((n, len(grid)), np.nan)
            traces[senders, column] = value * factor
            handles.states[pop][variable] = (grid * 1e-3, traces)
    for name in handles._weight_reads:
        handles.weights[name] = (np.asarray(times[name]), np.array(samples[name]).T)
    return handles


def _print_progress(simulated, total, wall):
    """The line of ``report='text'``: simulated and wall time so far, and the time left."""
    print(f"    NEST: {simulated:.0f} of {total:.0f} s simulated, {wall:.0f} s wall, about "
          f"{wall * (total - simulated) / max(simulated, 1e-9):.0f} s left", flush=True)


class NestEngine(base.Engine):
    """The NEST engine (module doc).

    Build options (keywords of :meth:`build` and :meth:`simulate`): ``threads``, NEST's local
    threads (>= 1, default 1).
    """

    name = "nest"
    handles_type = NestHandles
    rerun_hint = "build it again (NEST has no reset)"

    def check_supported(self, description: NetworkDescription) -> NetworkDescription:
        """``description``, or a ParameterError naming the first feature that NEST cannot
        run exactly (module doc): conductance jumps, a Gaussian drive, a rule without a NEST
        synapse model, a delay below one time step, a recorded state other than ``v`` and
        ``w_adapt`` (or not sampled on the time grid), or channels that do not map onto
        NEST's two receptors (the contract:
        :meth:`~balanced_models.engines.base.Engine.check_supported`)."""
        return _check_supported(description)

    def build(self, description: NetworkDescription, *, seed: int = 0,
              connectivity: Mapping | None = None, threads: int = 1) -> NestHandles:
        """Create the network of ``description`` in NEST, after ``nest.ResetKernel()``: one
        network lives in the NEST kernel at a time (the contract:
        :meth:`~balanced_models.engines.base.Engine.build`; ``seed`` draws the initial
        potentials as Brian2 does and seeds NEST's own random numbers).

        Parameters
        ----------
        description, seed, connectivity
            As in the contract.
        threads : int
            NEST's local threads (>= 1).

        Returns
        -------
        NestHandles
        """
        self.check_fits(base.check_description(description))
        return _build(description, seed=seed, connectivity=connectivity, threads=threads)

    def _run(self, handles, duration, report):
        """Run NEST (``report='text'``: a progress line about every 10 s of wall time)."""
        _run_nest(handles, duration, report)


#: the NEST engine; the module's functions below are its methods
ENGINE = NestEngine()
check_supported = ENGINE.check_supported
build = ENGINE.build
run = ENGINE.run
simulate = ENGINE.simulate

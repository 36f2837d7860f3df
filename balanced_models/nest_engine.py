"""Run a :class:`~balanced_models.description.NetworkDescription` on NEST.

The second engine: the same description, the same realised connectivity (passed to NEST as
arrays, so both engines simulate the identical matrix, weight for weight and delay for delay),
the same correlated input trains, and the same analysis (:class:`~balanced_models.activity.
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
=======================  ======================  =============================================

Leak: NEST's g_L = C / tau_m; ``mu_ext`` becomes the current I_e = C mu_ext / tau_m. Threshold
and reset: LIF fires when V >= V_th (ours: v > V_th, the same for a continuous V) and is reset
to V_r, clamped for tau_ref while synaptic currents go on, and drops delta inputs arriving then
(``refractory_input`` off), as ours. EIF: our exponential threshold V_T is NEST's ``V_th`` and our
hard cut-off V_th, where the spike is counted and v reset, is NEST's ``V_peak``. NEST's
``iaf_psc_exp`` and ``aeif_*`` models take two synaptic time constants, chosen by the sign of the
weight (``iaf_cond_exp``: by the sign, too, for the two conductances), so a population's channels
must map onto two receptors: all channels with positive (current) weights share one time
constant, all negative ones the other; conductance channels have at most two distinct
(tau, E) pairs. Integration: NEST integrates LIF exactly and EIF with an adaptive Runge-Kutta
method; Brian2 uses exact updates for delta-LIF and forward Euler otherwise.

Inputs. A :class:`~balanced_models.description.PoissonDrive` becomes a ``poisson_generator``
at K rate (each target gets its own train, the same process as Brian2's per-step Poisson
count; its Gaussian diffusion approximation, ``noise='gaussian'``, is Brian2's only). Every
source population is a set of ``parrot_neuron``s, so that each of its trains
reaches all its targets. A Poisson or windowed source feeds them from a ``poisson_generator``
(statistically the same trains, not the same spikes); a correlated source or a
:class:`~balanced_models.description.SpikeTrainSource` from ``spike_generator``s that emit the
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

import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from theory.errors import ParameterError, require

from . import progress
from .activity import RecordedActivity
from .brian2_engine import source_spikes
from .description import (CorrelatedSource, ExplicitConnections, NetworkDescription, Neuron,
                          PoissonSource, SpikeTrainSource, split_projection_name)
from .inputs import _spike_bins
from .realisation import check_seed, realise_projection, sampled_synapses, stream

__all__ = ["NestHandles", "build", "run", "simulate", "nest_neuron", "nest_weight",
           "channel_receptors", "check_supported", "CAPACITANCE", "import_nest"]

#: Membrane capacitance of every NEST neuron (pF); a free scale (module doc).
CAPACITANCE = 250.0

_MODELS = {("lif", "delta"): "iaf_psc_delta", ("lif", "current_exp"): "iaf_psc_exp",
           ("lif", "conductance_exp"): "iaf_cond_exp", ("eif", "current_exp"): "aeif_psc_exp",
           ("eif", "conductance_exp"): "aeif_cond_exp"}
_RULES = {"vogels_sprekeler": "vogels_sprekeler_synapse", "clipped_additive": "stdp_synapse"}
_NO_RULE = {
    "homeostatic": "Akil's multiplicative homeostatic rule (updates scaled by w/w_norm) has no "
                   "NEST built-in; use Plasticity('vogels_sprekeler', ...), the additive Vogels "
                   "rule with the same fixed point (post rate = rho), on both engines, or run "
                   "this description with the Brian2 engine",
    "additive": "the gated additive rule (updates stop at the bounds, Akil's R2/R3) has no NEST "
                "built-in; use Plasticity('clipped_additive', ...), NEST's stdp_synapse, on "
                "both engines, or run this description with the Brian2 engine",
    "soft_hebbian": "NEST has no soft-Hebbian rule; run this description with the Brian2 engine",
    "kohonen": "NEST has no Kohonen rule; run this description with the Brian2 engine",
}


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


# ---------------------------------------------------------------------------------------------
# what NEST can run
# ---------------------------------------------------------------------------------------------
def check_supported(description):
    """Raise a ParameterError naming the first feature of ``description`` that NEST cannot
    run exactly (module doc): conductance jumps, a Gaussian drive, a rule without a NEST
    synapse model, a delay below one time step, a recorded state other than ``v`` (or not
    sampled on the time grid), or channels that do not map onto NEST's two receptors."""
    d = _check_description(description)
    for pop, p in d.populations.items():
        if p.neuron.synapse == "conductance_jump":
            raise ParameterError(
                f"population {pop!r}: conductance jumps (synapse='conductance_jump', the "
                "Sanzeni model) have no NEST built-in; run this description with the Brian2 "
                "engine, or use synapse='conductance_exp'")
        channel_receptors(d, pop)
        for k, drive in enumerate(d.drives.get(pop, ())):
            if drive.noise != "poisson":
                raise ParameterError(
                    f"drives[{pop!r}][{k}]: noise={drive.noise!r} (the diffusion approximation "
                    "of the drive) has no NEST built-in; run it with the Brian2 engine")
    for name, proj in d.projections.items():
        if proj.plasticity is not None and proj.plasticity.kind in _NO_RULE:
            raise ParameterError(f"projections[{name!r}]: {_NO_RULE[proj.plasticity.kind]}")
        delays = proj.rule.delay if (isinstance(proj.rule, ExplicitConnections)
                                     and proj.rule.delay is not None) else proj.delay
        shortest = float(np.min(delays))
        if shortest < d.dt * (1 - 1e-9):
            raise ParameterError(
                f"projections[{name!r}]: delay {shortest} s is below NEST's minimum delay, one "
                f"time step (dt = {d.dt} s); give delays >= dt")
    for pop, (variables, _, dt) in d.record.states.items():
        if set(variables) != {"v"}:
            raise ParameterError(f"record.states[{pop!r}]: the NEST engine records the "
                                 f"potential 'v' only; got {variables}")
        if abs(dt / d.dt - round(dt / d.dt)) > 1e-6:
            raise ParameterError(f"record.states[{pop!r}] dt ({dt} s) must be a multiple of "
                                 f"the time step ({d.dt} s)")
    return d


def channel_receptors(description, population):
    """{channel: +1 or -1}: the NEST receptor of each input channel of ``population``, the
    sign NEST reads from the weight (+1: 'ex', -1: 'in'; module doc). Delta synapses: {};
    current channels that no input uses are left out.
    ParameterError if the channels do not fit NEST's two receptors."""
    d = _check_description(description)
    if population not in d.populations:
        raise ParameterError(f"population must be one of {sorted(d.populations)}; got "
                             f"{population!r}")
    neuron = d.populations[population].neuron
    if neuron.synapse == "delta":
        return {}
    if neuron.synapse == "conductance_exp":
        kinds = sorted({(spec["E"], spec["tau"]) for spec in neuron.channels.values()})
        if len(kinds) > 2:
            raise ParameterError(
                f"population {population!r}: NEST's conductance models have two conductances "
                f"(ex, in); the channels have {len(kinds)} distinct (E, tau) pairs")
        if len(kinds) == 2 and kinds[0][0] == kinds[1][0]:
            raise ParameterError(f"population {population!r}: two conductance channels with "
                                 "one reversal potential but different tau do not map onto "
                                 "NEST's ex and in conductances")
        top = kinds[-1]
        return {c: 1 if (spec["E"], spec["tau"]) == top else -1
                for c, spec in neuron.channels.items()}
    signs = {c: set() for c in neuron.channels}
    for name, proj in d.projections.items():
        if split_projection_name(name)[1] == population:
            weights = (proj.rule.weight if isinstance(proj.rule, ExplicitConnections)
                       and proj.rule.weight is not None else [proj.weight])
            signs[d.channel(name)].update(np.sign(np.asarray(weights)).tolist())
    for drive in d.drives.get(population, ()):
        signs[drive.channel].add(float(np.sign(drive.weight)))
    receptors, taus = {}, {1: set(), -1: set()}
    for c, s in signs.items():
        s.discard(0.0)
        if len(s) > 1:
            raise ParameterError(f"population {population!r}: channel {c!r} gets positive and "
                                 "negative weights; NEST chooses the receptor by the sign")
        if s:  # a channel without inputs is left out
            receptors[c] = int(s.pop())
            taus[receptors[c]].add(neuron.channels[c]["tau"])
    for sign, found in taus.items():
        if len(found) > 1:
            raise ParameterError(
                f"population {population!r}: NEST's {neuron.synapse} models have one synaptic "
                f"time constant per sign of weight; the {'positive' if sign > 0 else 'negative'}"
                f" channels have {sorted(found)} s")
    return receptors


def nest_neuron(neuron, *, mu_ext=0.0, trace_tau=None, receptors=None):
    """(NEST model name, parameters in NEST units) of a
    :class:`~balanced_models.description.Neuron`.

    Parameters
    ----------
    neuron : Neuron
    mu_ext : constant input (V), as a shift of the resting potential
    trace_tau : plasticity trace time constant (s) of a postsynaptic population, or None
    receptors : {channel: +1 or -1} from :func:`channel_receptors` (exponential synapses)

    Returns
    -------
    (str, dict)
    """
    _check_neuron(neuron)
    mu_ext = float(require("mu_ext", mu_ext, unit="V"))
    if trace_tau is not None:
        trace_tau = float(require("trace_tau", trace_tau, low=0.0, low_open=True, unit="s"))
    model = _MODELS[(neuron.spike, neuron.synapse)]
    C, tau_m = CAPACITANCE, neuron.tau_m * 1e3
    params = {"C_m": C, "E_L": neuron.E_L * 1e3, "V_reset": neuron.V_r * 1e3,
              "t_ref": neuron.tau_ref * 1e3, "I_e": C * mu_ext * 1e3 / tau_m}
    if neuron.spike == "eif":
        params.update(g_L=C / tau_m, V_th=neuron.V_T * 1e3, V_peak=neuron.V_th * 1e3,
                      Delta_T=neuron.Delta_T * 1e3, a=0.0, b=0.0)
    elif neuron.synapse == "conductance_exp":
        params.update(g_L=C / tau_m, V_th=neuron.V_th * 1e3)
    else:
        params.update(tau_m=tau_m, V_th=neuron.V_th * 1e3)
    if model == "iaf_psc_delta":
        params["refractory_input"] = False
    receptors = receptors or {}
    for sign, suffix in ((1, "ex"), (-1, "in")):
        used = [c for c, s in receptors.items() if s == sign]
        if used:
            params[f"tau_syn_{suffix}"] = neuron.channels[used[0]]["tau"] * 1e3
            if neuron.synapse == "conductance_exp":
                params[f"E_{suffix}"] = neuron.channels[used[0]]["E"] * 1e3
    if trace_tau is not None:
        params["tau_minus"] = trace_tau * 1e3
    return model, params


def nest_weight(neuron, channel, weight, receptors=None):
    """A weight in NEST units (mV, pA or nS; signed as NEST reads it) from ours (SI).

    Parameters
    ----------
    neuron : Neuron (the target's)
    channel : the input channel (ignored for delta synapses)
    weight : float or array: V for current synapses, dimensionless for conductances
    receptors : {channel: +1 or -1} (conductance synapses; default: :func:`channel_receptors`
        must have been applied by the caller)

    Returns
    -------
    float or ndarray

    Example
    -------
    A 0.2 mV kick of an exponential current synapse with tau = 5 ms is C w / tau_s
    = 250 pF x 0.2 mV / 5 ms = 10 pA:

    >>> n = Neuron(synapse="current_exp", channels={"e": {"tau": 0.005}})
    >>> round(nest_weight(n, "e", 2e-4), 12)
    10.0
    """
    _check_neuron(neuron)
    weight = np.asarray(require("weight", weight), dtype=float)
    if neuron.synapse != "delta" and channel not in neuron.channels:
        raise ParameterError(f"channel must be one of {sorted(neuron.channels)}; got "
                             f"{channel!r}")
    if neuron.synapse == "delta":
        out = weight * 1e3
    elif neuron.synapse == "current_exp":
        out = CAPACITANCE * weight * 1e3 / (neuron.channels[channel]["tau"] * 1e3)
    elif neuron.synapse == "conductance_exp":
        sign = (receptors or {}).get(channel, 1)
        out = sign * CAPACITANCE * weight / (neuron.channels[channel]["tau"] * 1e3)
    return float(out) if out.ndim == 0 else out


def _check_neuron(neuron):
    if not isinstance(neuron, Neuron):
        raise ParameterError(f"neuron must be a Neuron; got {type(neuron).__name__}")
    if neuron.synapse == "conductance_jump":
        raise ParameterError("conductance jumps have no NEST built-in (see check_supported)")


def _synapse_parameters(plasticity, neuron, channel, receptors):
    """(NEST synapse model, parameters) of a plastic projection."""
    p = plasticity
    w_max = nest_weight(neuron, channel, p.parameters["w_max"], receptors)
    if p.kind == "vogels_sprekeler":
        return _RULES[p.kind], {"tau": p.tau * 1e3, "Wmax": w_max,
                                "eta": abs(nest_weight(neuron, channel, p.eta, receptors)),
                                "alpha": 2 * p.parameters["rho"] * p.tau}
    return _RULES[p.kind], {"tau_plus": p.tau * 1e3, "Wmax": w_max,
                            "lambda": p.eta / abs(p.parameters["w_max"]), "alpha": 1.0,
                            "mu_plus": 0.0, "mu_minus": 0.0}


# ---------------------------------------------------------------------------------------------
# handles
# ---------------------------------------------------------------------------------------------
@dataclass
class NestHandles(RecordedActivity):
    """A description built in NEST, and what it recorded.

    populations : {name: NodeCollection};  sources : {name: NodeCollection of parrot
    neurons};  synapse_models : {"source->target": NEST synapse model};  connectivity :
    {"source->target": Connectivity} (the realisation NEST holds);  spikes : {population:
    (indices, times in s)};  states : {population: (times in s, V array (neurons, samples)
    in V)};  weights : {"source->target": (times in s, array (samples, times) in SI)};
    weight_samples : {"source->target": synapse indices into the realisation};  threads,
    processes : NEST's local threads and MPI processes;  timings : {'build', 'run': s}.
    """

    description: NetworkDescription
    seed: int
    connectivity: dict
    threads: int = 1
    processes: int = 1
    populations: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    synapse_models: dict = field(default_factory=dict)
    spikes: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    weight_samples: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    duration: float = None
    _recorders: dict = field(default_factory=dict, repr=False)
    _meters: dict = field(default_factory=dict, repr=False)
    _weight_reads: dict = field(default_factory=dict, repr=False)

    def __getitem__(self, name):
        for table in (self.populations, self.sources):
            if name in table:
                return table[name]
        raise KeyError(f"no population or source {name!r}")

    def recorded_populations(self):
        """Populations whose spikes were recorded."""
        return list(self._recorders)

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` whose spikes were recorded."""
        return self._recorders[population][1]

    def spike_trains(self, population):
        """(indices, times in s) recorded from ``population``."""
        if population not in self.spikes:
            raise ParameterError(f"spikes of {population!r} were not recorded (or the network "
                                 f"has not run); recorded: {sorted(self.spikes)}")
        return self.spikes[population]

    def state_traces(self, population, variable="v"):
        """(times in s, array (neurons, samples) in V) of the recorded potential."""
        if population not in self.states or variable != "v":
            raise ParameterError(f"no {variable!r} of {population!r} was recorded")
        return self.states[population]

    def weight_traces(self, projection):
        """(times in s, array (sampled synapses, times) in SI) of a recorded projection."""
        if projection not in self.weights:
            raise ParameterError(f"weights of {projection!r} were not recorded")
        return self.weights[projection]


def _check_description(description):
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    return description


# ---------------------------------------------------------------------------------------------
# build and run
# ---------------------------------------------------------------------------------------------
def build(description, *, seed=0, connectivity=None, threads=1):
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
    d = check_supported(description)
    seed = check_seed(seed)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ParameterError(f"threads must be an integer >= 1; got {threads!r}")
    if connectivity is not None and set(connectivity) != set(d.projections):
        raise ParameterError(f"connectivity must have one entry per projection "
                             f"{sorted(d.projections)}; got {sorted(connectivity)}")
    nest = import_nest()
    start = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": d.dt * 1e3, "local_num_threads": int(threads),
                          "rng_seed": 1 + seed % (2**31 - 2)})
    h = NestHandles(d, seed, {}, int(threads), int(nest.NumProcesses()))
    dt_ms = d.dt * 1e3
    receptors = {pop: channel_receptors(d, pop) for pop in d.populations}
    for pop, p in d.populations.items():
        model, params = nest_neuron(p.neuron, mu_ext=p.mu_ext, trace_tau=d.trace_tau(pop),
                                    receptors=receptors[pop])
        nodes = nest.Create(model, p.size, params=params)
        low, high = p.v_init if p.v_init is not None else (p.neuron.V_r, p.neuron.V_th)
        _set_local(nest, nodes, "V_m",
                   1e3 * stream(seed, f"v_init {pop}").uniform(low, high, p.size))
        h.populations[pop] = nodes
        for drive in d.drives.get(pop, ()):
            generator = nest.Create("poisson_generator", params={"rate": drive.K * drive.rate})
            channel = p.neuron.check_channel(drive.channel, f"drives[{pop!r}]")
            nest.Connect(generator, nodes, "all_to_all", syn_spec={
                "weight": nest_weight(p.neuron, channel, drive.weight, receptors[pop]),
                "delay": dt_ms})
    for name, s in d.sources.items():
        parrots = nest.Create("parrot_neuron", s.size)
        if isinstance(s, (CorrelatedSource, SpikeTrainSource)):
            indices, bins, _ = _spike_bins(s.size, *source_spikes(d, name, seed), d.dt)
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
            base, params = _synapse_parameters(proj.plasticity, neuron, channel,
                                               receptors[target])
            nest.CopyModel(base, synapse_model, {**params, "weight": 0.0})
        h.synapse_models[name] = synapse_model
        offset = proj.target_range[0] if proj.target_range else 0
        pre_ids = np.asarray(h[source].tolist())[c.pre]  # node id of each synapse's ends
        post_ids = np.asarray(h.populations[target].tolist())[c.post + offset]
        if len(c):
            delays = np.broadcast_to(np.asarray(c.delay, dtype=float), (len(c),)) * 1e3
            nest.Connect(pre_ids, post_ids, "one_to_one", syn_spec={
                "synapse_model": synapse_model, "delay": np.maximum(delays, dt_ms),
                "weight": nest_weight(neuron, channel, c.weight, receptors[target])})
        if name in d.record.weights:
            sample = sampled_synapses(seed, name, len(c), d.record.weights[name][0])
            h.weight_samples[name] = sample
            h._weight_reads[name] = _weight_reader(
                nest, synapse_model, pre_ids[sample], post_ids[sample],
                1.0 / nest_weight(neuron, channel, 1.0, receptors[target]))
    for pop, n in d.recorded_spikes().items():
        n = d.size(pop) if n is None else n
        recorder = nest.Create("spike_recorder")
        nest.Connect(h.populations[pop][:n], recorder)
        h._recorders[pop] = (recorder, n)
    for pop, (_, n, dt) in d.record.states.items():
        meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt * 1e3})
        nest.Connect(meter, h.populations[pop][:n])
        h._meters[pop] = (meter, n)
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


def run(handles, duration, *, report=None):
    """Simulate a built network for ``duration`` seconds (from t = 0; once per build).

    Parameters
    ----------
    handles : NestHandles from :func:`build`
    duration : s (> 0)
    report : None, or a function called with (simulated s, total s, wall s elapsed) about
        every 10 s of wall time

    Returns
    -------
    NestHandles (the same, with the recordings filled in)
    """
    if not isinstance(handles, NestHandles):
        raise ParameterError(f"handles must be NestHandles; got {type(handles).__name__}")
    if handles.duration is not None:
        raise ParameterError("this network has already run; build it again (NEST has no "
                             "reset)")
    duration = float(require("duration", duration, low=0.0, low_open=True, unit="s"))
    if report is not None and not callable(report):
        raise ParameterError(f"report must be None or a function (simulated s, total s, "
                             f"wall s); got {report!r}")
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
                    report(done * d.dt, steps * d.dt, time.perf_counter() - start)
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
    for pop, (meter, n) in handles._meters.items():
        events = meter.get("events")
        first = handles.populations[pop][0].global_id
        senders, sample_times, v = _gather([np.asarray(events["senders"], dtype=np.int64) - first,
                                            np.asarray(events["times"], dtype=float),
                                            np.asarray(events["V_m"], dtype=float)])
        grid = np.unique(sample_times)
        traces = np.full((n, len(grid)), np.nan)
        traces[senders, np.searchsorted(grid, sample_times)] = v * 1e-3
        handles.states[pop] = (grid * 1e-3, traces)
    for name in handles._weight_reads:
        handles.weights[name] = (np.asarray(times[name]), np.array(samples[name]).T)
    return handles


def simulate(description, duration, *, seed=0, threads=1, report=None):
    """Build ``description`` in NEST and run it for ``duration`` seconds.

    Parameters
    ----------
    description : NetworkDescription
    duration : simulated time (s, > 0)
    seed : non-negative integer (see :func:`build`)
    threads : NEST local threads
    report : progress callback (see :func:`run`)

    Returns
    -------
    NestHandles
        With the recorded data; ``handles.population_rates()`` gives the rates.

    Example
    -------
    >>> h = simulate(net, 1.0, seed=1, threads=2)        # doctest: +SKIP
    >>> h.population_rates()                             # the same table as Brian2's
    """
    duration = float(require("duration", duration, low=0.0, low_open=True, unit="s"))
    return run(build(description, seed=seed, threads=threads), duration, report=report)

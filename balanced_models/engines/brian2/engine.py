"""The Brian2 engine: Brian2 objects from a
:class:`~balanced_models.core.description.NetworkDescription`, behind the engine contract
(:mod:`balanced_models.engines.base`).

:func:`build` creates them in a :class:`~balanced_models.engines.brian2.simulation.Simulation`
and returns :class:`NetworkHandles`, every object named after its population or projection;
:func:`run` runs them and :func:`simulate` does both. The engine's parts do the work:
NeuronGroups from :mod:`~balanced_models.engines.brian2.neurons`, Synapses from
:func:`~balanced_models.engines.brian2.synapses.connect` (streamed connectivity and shared
uniform weights in standalone mode), the built-in Poisson drive (changeable by run_args), and
spike sources streamed from files. So in a compiled standalone network
:func:`load_realisation` gives the binary another realisation, other correlated trains or
other parameter values without recompiling.

Build options (keywords of :func:`build` and :func:`simulate`): ``simulation`` (a
Simulation to build into, created first because it selects the device; default: a new one),
or for a new one ``device`` ('cpp_standalone', the default, 'runtime', or 'cuda_standalone'
for an NVIDIA GPU through brian2cuda), ``directory`` (the standalone project; default: a
temporary one), ``threads`` (OpenMP threads, default 1) and ``compute_capability`` (the GPU to
compile for without one: :mod:`~balanced_models.engines.brian2.cuda`).

Brian2 runs fewer, larger objects faster (each costs a fixed time per step, and each
Synapses has its own spike queue), so populations with equal neurons share one NeuronGroup
(:func:`neuron_groups`; each population is a subgroup) and static projections from one
source into it with equal weights and delays share one Synapses (:func:`synapse_groups`).
Brian2 names: a NeuronGroup is named after its populations ("E", or "E_I" when shared); a
Synapses after its projections ("E_to_I", or "E_to_E_I" when shared); monitors are
"spikes_E", "states_E" and "weights_E_to_I".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, defaultclock, second, volt

from theory.errors import ParameterError

from ...core.connectivity import StackedConnectivity
from ...core.description import (CorrelatedSource, CustomNeuron, NetworkDescription,
                                 PoissonSource, SpikeTrainSource, split_projection_name)
from ...core.realisation import Realisation, check_seed, realise_projection, sampled_synapses
from ...core.sources import source_spikes
from ..base import Engine, EngineHandles, check_connectivity, check_description
from .custom_neurons import CustomModel
from .inputs import (poisson_sources, rewrite_spike_trains, set_poisson_drive, spike_source,
                     windowed_poisson_sources)
from .neurons import NeuronModel
from .plasticity import DIMENSIONLESS_ETA_KINDS, STDPRule
from .recording import spike_arrays, spike_monitor, state_monitor, weight_monitor
from .simulation import Simulation
from .synapses import connect, rewrite_connectivity

__all__ = ["ENGINE", "Brian2Engine", "NetworkHandles", "check_supported", "build", "run",
           "simulate", "load_realisation", "neuron_model", "neuron_groups", "synapse_groups",
           "synapses_name"]


def synapses_name(projection):
    """The Brian2 name of the Synapses of projection ``"A->B"``: ``"A_to_B"``."""
    source, target = split_projection_name(projection)
    return f"{source}_to_{target}"


def neuron_model(neuron, trace_tau=None, where="a CustomNeuron"):
    """The :class:`~balanced_models.engines.brian2.neurons.NeuronModel` (Brian2 quantities) of a
    :class:`~balanced_models.core.description.Neuron` (SI floats); ``trace_tau`` (s) adds the
    plasticity trace. A :class:`~balanced_models.core.description.CustomNeuron` gets a
    :class:`~balanced_models.engines.brian2.custom_neurons.CustomModel` (``where`` names it in
    Brian2's complaints)."""
    if isinstance(neuron, CustomNeuron):
        return CustomModel(neuron, where)
    params = dict(tau_m=neuron.tau_m * second, E_L=neuron.E_L * volt, V_th=neuron.V_th * volt,
                  V_r=neuron.V_r * volt)
    if neuron.spike == "eif":
        params.update(V_T=neuron.V_T * volt, Delta_T=neuron.Delta_T * volt)
    channels = {c: {k: v * (second if k == "tau" else volt) for k, v in spec.items()}
                for c, spec in neuron.channels.items()}
    adaptation = None if not neuron.adapting else {
        "a": neuron.a * Hz, "b": neuron.b * volt / second, "tau_w": neuron.tau_w * second}
    return NeuronModel(neuron.spike, neuron.synapse, params, channels,
                       neuron.tau_ref * second if neuron.tau_ref > 0 else None, neuron.jump,
                       None, None if trace_tau is None else trace_tau * second, adaptation)


def _stdp_rule(plasticity, weight_unit):
    eta_unit = 1 if plasticity.kind in DIMENSIONLESS_ETA_KINDS else weight_unit
    params = {k: v * (Hz if k == "rho" else weight_unit) for k, v in plasticity.parameters.items()}
    return STDPRule(plasticity.kind, plasticity.eta * eta_unit, params)


@dataclass
class NetworkHandles(EngineHandles):
    """The Brian2 objects of one description, by name, and what they recorded.

    The engine makes them (:func:`balanced_models.build`, :func:`balanced_models.simulate`);
    the accessors they share with every engine are those of
    :class:`~balanced_models.engines.base.EngineHandles`. ``handles["E"]`` and
    ``handles["E->I"]`` look up populations, sources and projections.

    Parameters
    ----------
    description : NetworkDescription
        What was built.
    seed : int
        The realisation's seed.
    connectivity : mapping
        {"source->target": Connectivity}, the realisation the Synapses hold (a
        :class:`~balanced_models.core.realisation.Realisation`, drawn on access).
    populations : dict
        {name: NeuronGroup, or a subgroup of a shared one}.
    sources : dict
        {name: PoissonGroup, SpikeGeneratorGroup or NeuronGroup}.
    projections : dict
        {"source->target": Synapses}; shared Synapses appear under each of their projections.
    spikes : dict
        {population: SpikeMonitor}.
    states : dict
        {population: StateMonitor}.
    weights : dict
        {"source->target": StateMonitor of the sampled weights}.
    weight_samples : dict
        {"source->target": indices of the recorded synapses into the realisation}.
    timings : dict
        Wall times (s) of the phases (the Simulation's timings).
    duration : float or None
        The simulated time (s), once the network has run.
    simulation : Simulation
        The Simulation the objects live in.
    models : dict
        {population: NeuronModel}.
    dropped_spikes : dict
        {source: same-step duplicate spikes dropped}.
    monitors : dict
        What a paper builder records beyond the description's recording.
    placement : dict
        {population: (NeuronGroup, index of its first neuron)}.
    synapse_members : dict
        {Synapses name: the projections it holds}.
    loaded_run_args : dict
        Everything :func:`load_realisation` has loaded, by (group, variable) name: the
        compiled binary reads only what one execute is given, so each load returns all of
        it.
    """

    simulation: Simulation = None
    models: dict = field(default_factory=dict)
    dropped_spikes: dict = field(default_factory=dict)
    monitors: dict = field(default_factory=dict)
    placement: dict = field(default_factory=dict)
    synapse_members: dict = field(default_factory=dict)
    loaded_run_args: dict = field(default_factory=dict, repr=False)
    #: recordings read into memory before Brian2 forgot this network (:meth:`_keep_results`)
    _kept: dict = field(default_factory=dict, repr=False, init=False)

    def recorded_populations(self):
        """Populations whose spikes were recorded."""
        return list(self.spikes)

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` whose spikes were recorded."""
        return len(self.spikes[population].source)

    def _read_spikes(self, population):
        if ("spikes", population) in self._kept:
            return self._kept["spikes", population]
        return spike_arrays(self.spikes[population])

    def _read_states(self, population, variable):
        if ("states", population, variable) in self._kept:
            return self._kept["states", population, variable]
        monitor = self.states[population]
        # copies: Brian2's arrays may be views of buffers freed with the monitor
        return np.array(monitor.t_, copy=True), np.array(getattr(monitor, f"{variable}_"),
                                                          copy=True)

    def _read_weights(self, projection):
        if ("weights", projection) in self._kept:
            return self._kept["weights", projection]
        monitor = self.weights[projection]
        return np.array(monitor.t_, copy=True), np.array(monitor.w_, copy=True)

    def _keep_results(self):
        """Read every recording of the description into memory (spikes, states, weights):
        called before another standalone network is built in this process, after which
        Brian2 could no longer read this network's arrays."""
        for population in self.spikes:
            self._kept["spikes", population] = self._read_spikes(population)
        for population, monitor in self.states.items():
            for variable in monitor.record_variables:
                self._kept["states", population, variable] = self._read_states(population,
                                                                               variable)
        for projection in self.weights:
            self._kept["weights", projection] = self._read_weights(projection)


def _drive_channels(d, pop):
    neuron = d.populations[pop].neuron
    return [neuron.check_channel(x.channel, f"drives[{pop!r}]") for x in d.drives.get(pop, ())]


def _gaussian_drive_channels(d, pop):
    """The drive channels of ``pop`` whose drive is Gaussian (the diffusion approximation)."""
    return [c for x, c in zip(d.drives.get(pop, ()), _drive_channels(d, pop))
            if x.noise == "gaussian"]


def neuron_groups(description):
    """[(NeuronGroup name, [populations])]: populations with equal neurons, plasticity traces
    and drive channels share one NeuronGroup (each population a contiguous subgroup, in the
    order of the description). Brian2 runs fewer, larger objects faster: every object costs
    a fixed time per step and every Synapses its own spike queue."""
    groups = []
    for pop, p in description.populations.items():
        key = (p.neuron, description.trace_tau(pop), tuple(_drive_channels(description, pop)),
               tuple(_gaussian_drive_channels(description, pop)))
        for k, pops in groups:
            if k == key:
                pops.append(pop)
                break
        else:
            groups.append((key, [pop]))
    return [(pops[0] if len(pops) == 1 else "_".join(pops), pops) for _, pops in groups]


def synapse_groups(description):
    """[(Synapses name, [projections])]: static projections from one source into populations
    of one NeuronGroup, on the same channel, with the same weight law and delay, share one
    Synapses object (``"E_to_E_I"``); plastic projections and those whose weights are
    recorded keep their own (``"E_to_I"``)."""
    d = description
    group_of = {pop: name for name, pops in neuron_groups(d) for pop in pops}
    families = {}
    for name, proj in d.projections.items():
        source, target = split_projection_name(name)
        if proj.plasticity is None and name not in d.record.weights:
            key = (source, group_of[target], d.channel(name), proj.weight, proj.weight_cv,
                   proj.weight_distribution, proj.delay)
        else:
            key = name
        families.setdefault(key, []).append(name)
    out = []
    for members in families.values():
        source = split_projection_name(members[0])[0]
        targets = [split_projection_name(m)[1] for m in members]
        out.append((synapses_name(members[0]) if len(members) == 1 else
                    f"{source}_to_{'_'.join(targets)}", members))
    return out


def _synapse_target(h, members, connectivity):
    """(target group, connectivity) of one Synapses: the population (or its target range)
    for a single projection, the whole NeuronGroup with the projections stacked at their
    offsets for several."""
    d = h.description
    if len(members) == 1:
        name = members[0]
        target = split_projection_name(name)[1]
        G, r = h.populations[target], d.projections[name].target_range
        return (G if r is None else G[r[0]:r[1]]), connectivity[name]
    parts = []
    for name in members:
        target = split_projection_name(name)[1]
        G, offset = h.placement[target]
        r = d.projections[name].target_range
        parts.append((connectivity[name], offset + (r[0] if r else 0)))
    return G, StackedConnectivity(tuple(parts), len(G))


class Brian2Engine(Engine):
    """The Brian2 engine (module doc): C++ standalone by default, Brian2's runtime on request.
    Brian2 runs every feature of a description, so :meth:`check_supported` only checks that
    it is one."""

    name = "brian2"
    handles_type = NetworkHandles
    rerun_hint = ("build it again (or, compiled as standalone, rerun it with "
                  "handles.simulation.execute)")

    def check_supported(self, description: NetworkDescription) -> NetworkDescription:
        """``description`` itself, once checked to be one: Brian2 runs every description
        (the contract: :meth:`~balanced_models.engines.base.Engine.check_supported`)."""
        return check_description(description)

    def build(self, description: NetworkDescription, *, seed: int = 0,
              connectivity: Mapping | None = None, simulation: Simulation | None = None,
              device: str = "cpp_standalone", directory: str | None = None,
              threads: int = 1, compute_capability: float | None = None) -> NetworkHandles:
        """Create the network of ``description`` in a Simulation (the contract:
        :meth:`~balanced_models.engines.base.Engine.build`; ``seed`` seeds a new Simulation's
        random numbers too, while a given Simulation keeps its own seed for those).

        Parameters
        ----------
        description, seed, connectivity
            As in the contract.
        simulation : Simulation, optional
            Build into this one (created first: it selects the device; its dt must be the
            description's). Default: a new Simulation with the options below.
        device : {'cpp_standalone', 'runtime', 'cuda_standalone'}
            The device of a new Simulation. 'cuda_standalone' runs on an NVIDIA GPU through
            brian2cuda (the ``cuda`` extra); what differs there is listed in
            :mod:`~balanced_models.engines.brian2.cuda`.
        directory : str, optional
            The standalone project directory of a new Simulation (default: a temporary one).
        threads : int
            OpenMP threads of a new cpp_standalone Simulation (>= 1).
        compute_capability : float, optional
            cuda_standalone: the GPU to compile for (e.g. 9.0), without detecting one.

        Returns
        -------
        NetworkHandles
        """
        d = self.check_supported(description)
        seed = check_seed(seed)
        connectivity = check_connectivity(d, connectivity)
        self.check_fits(d)
        if simulation is None:
            simulation = Simulation(device, seed=seed, dt=d.dt * second, directory=directory,
                                    threads=threads, compute_capability=compute_capability)
        elif not isinstance(simulation, Simulation):
            raise ParameterError(f"simulation must be a Simulation; got "
                                 f"{type(simulation).__name__}")
        elif abs(float(defaultclock.dt_) - d.dt) > 1e-9 * d.dt:
            raise ParameterError(f"the Simulation's dt ({float(defaultclock.dt_)} s) must be "
                                 f"the description's dt ({d.dt} s)")
        return _build(d, simulation, seed, connectivity)

    def _run(self, handles, duration, report):
        """Run the Simulation (``report='text'``: Brian2's report every 10 s of wall time).
        A compiled standalone network runs again, with other values or seeds, through
        ``handles.simulation.execute``."""
        handles.simulation.run(duration * second, report=report)
        handles.duration = duration

    def structure_key(self, description: NetworkDescription, duration: float, *,
                      threads: int = 1) -> str:
        """A hash of what the standalone project of ``description`` compiles (the contract:
        :meth:`~balanced_models.engines.base.Engine.structure_key`;
        :func:`~balanced_models.engines.brian2.compiled_structures.structure_key`)."""
        from .compiled_structures import structure_key
        return structure_key(description, duration, threads)

    def run_point(self, description: NetworkDescription, duration: float, *, seed: int,
                  representative: NetworkDescription | None = None,
                  cache_directory: str | None = None, threads: int = 1):
        """One sweep point on a compiled structure (the contract:
        :meth:`~balanced_models.engines.base.Engine.run_point`;
        :func:`~balanced_models.engines.brian2.compiled_structures.run_point`)."""
        from .compiled_structures import run_point
        return run_point(description, duration, seed=seed, representative=representative,
                         cache_directory=cache_directory, threads=threads)


def _build(d, sim, seed, connectivity):
    """The objects of description ``d`` in ``sim`` (checked arguments:
    :meth:`Brian2Engine.build`)."""
    if connectivity is None:
        connectivity = Realisation(d, seed)
    h = NetworkHandles(description=d, seed=seed, connectivity=connectivity, simulation=sim,
                       timings=sim.timings)
    if sim.standalone:
        sim.before_reinit(h._keep_results)
    for group_name, pops in neuron_groups(d):
        first = d.populations[pops[0]]
        model = neuron_model(first.neuron, d.trace_tau(pops[0]),
                             f"population {' and '.join(map(repr, pops))}")
        channels = _drive_channels(d, pops[0])
        G = sim.add(model.group(sum(d.size(p) for p in pops), name=group_name, drive=channels,
                                gaussian_drive=_gaussian_drive_channels(d, pops[0]),
                                allow_coarse_dt=d.allow_coarse_dt))
        offset = 0
        for pop in pops:
            p, n = d.populations[pop], d.size(pop)
            view = G if len(pops) == 1 else G[offset:offset + n]
            if isinstance(model, CustomModel):
                model.initialise(view)
            else:
                low, high = p.v_init if p.v_init is not None else (p.neuron.V_r, p.neuron.V_th)
                view.v = f"{low!r}*volt + rand()*{high - low!r}*volt"
                if p.mu_ext:
                    view.mu_ext = p.mu_ext * volt
            for x, channel in zip(d.drives.get(pop, ()), channels):
                set_poisson_drive(view, model, channel, K=x.K, rate=x.rate * Hz,
                                  weight=x.weight * model.weight_unit)
            h.populations[pop], h.models[pop], h.placement[pop] = view, model, (G, offset)
            offset += n
    for name, s in d.sources.items():
        if isinstance(s, PoissonSource):
            X = poisson_sources(s.size, s.rate * Hz, name=name)
        elif isinstance(s, (CorrelatedSource, SpikeTrainSource)):
            X, h.dropped_spikes[name] = spike_source(s.size, *source_spikes(d, name, seed),
                                                     dt=d.dt * second, name=name)
        else:
            X = windowed_poisson_sources(s.size, s.rate * Hz, s.start * second, s.stop * second,
                                         name=name)
        h.sources[name] = sim.add(X)
    for synapses, members in synapse_groups(d):
        source, target = split_projection_name(members[0])
        proj, model = d.projections[members[0]], h.models[target]
        rule = None if proj.plasticity is None else _stdp_rule(proj.plasticity, model.weight_unit)
        drawn = ({m: realise_projection(d, m, seed) for m in members}
                 if isinstance(connectivity, Realisation) else connectivity)
        target_group, c = _synapse_target(h, members, drawn)
        S = sim.add(connect(h[source], target_group, c, model, d.channel(members[0]),
                            name=synapses, plasticity=rule))
        h.synapse_members[synapses] = members
        h.projections.update(dict.fromkeys(members, S))
        for name in members:  # a recorded projection has its own Synapses
            if name in d.record.weights:
                n, dt = d.record.weights[name]
                h.weight_samples[name] = sampled_synapses(seed, name, len(drawn[name]), n)
                h.weights[name] = sim.add(weight_monitor(
                    S, h.weight_samples[name], dt=dt * second,
                    name=f"weights_{synapses_name(name)}", n_synapses=len(drawn[name])))
        del c, drawn  # a large realisation is not kept: the binary reads it from files
    for pop, n in d.recorded_spikes().items():
        h.spikes[pop] = sim.add(spike_monitor(h.populations[pop], n, name=f"spikes_{pop}"))
    for pop, (variables, n, dt) in d.record.states.items():
        h.states[pop] = sim.add(state_monitor(h.populations[pop], range(n), variables,
                                              dt=dt * second, name=f"states_{pop}"))
    return h


#: the Brian2 engine; the module's functions below are its methods
ENGINE = Brian2Engine()
check_supported = ENGINE.check_supported
build = ENGINE.build
run = ENGINE.run
simulate = ENGINE.simulate


def load_realisation(handles: NetworkHandles, seed: int | None = None, *,
                     description: NetworkDescription | None = None,
                     connectivity: Mapping | None = None) -> dict:
    """Give a compiled standalone network another realisation, or the values of another
    description of the same structure; nothing is recompiled.

    Parameters
    ----------
    handles : NetworkHandles
        Built by :func:`build` in the current standalone project.
    seed : int, optional
        Seed of the new realisation and of new correlated source trains.
    description : NetworkDescription, optional
        New values (neuron parameters, weights, drives, source rates, stimulation windows,
        plasticity parameters, correlated-source statistics) for the same structure. What
        the compiled code fixes may not change: population and source sizes and kinds,
        neuron and synapse types, channels, whether a neuron is refractory or adapts, the
        projections and their rules' kinds, constant delays, initial potentials, and which
        populations and projections share Brian2 objects (:func:`neuron_groups`,
        :func:`synapse_groups`). Without a seed, only projections whose parameters changed
        are drawn again (from the network's seed).
    connectivity : dict, optional
        A realisation to load instead of ``realise(description, seed)``.

    Returns
    -------
    dict
        run_args for the next
        :meth:`~balanced_models.engines.brian2.simulation.Simulation.execute`; pass
        them with ``seed`` (Brian2's random numbers) to execute. They hold everything loaded
        so far, not only what this call changed: the binary falls back to what was compiled
        for anything an execute is not given.
    """
    if not isinstance(handles, NetworkHandles):
        raise ParameterError(f"handles must be the NetworkHandles of build(); got "
                             f"{type(handles).__name__}")
    old = handles.description
    new = old if description is None else description
    if not isinstance(new, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(new).__name__}")
    if seed is not None:
        seed = check_seed(seed)
    run_args = _changed_values(handles, old, new) if new is not old else {}
    new_realisation = seed is not None or connectivity is not None
    if connectivity is None:
        if seed is None:
            if new is old:
                raise ParameterError("give a seed, a description or a connectivity")
            seed = handles.seed
        connectivity = Realisation(new, seed)
    handles.description = new
    for members in handles.synapse_members.values():
        if new_realisation or any(old.projections[m] != new.projections[m] for m in members):
            _, c = _synapse_target(handles, members, connectivity)
            run_args.update(rewrite_connectivity(handles.projections[members[0]], c))
    if new_realisation or new is not old:
        for name, s in new.sources.items():
            if isinstance(s, (CorrelatedSource, SpikeTrainSource)) and (
                    new_realisation or s != old.sources[name]):
                handles.dropped_spikes[name] = rewrite_spike_trains(
                    handles.sources[name], *source_spikes(new, name, seed))
        handles.seed = seed
    handles.connectivity = connectivity
    for key, value in run_args.items():  # keyed by name: Brian2 makes a new view per access
        handles.loaded_run_args[_run_arg_name(key)] = (key, value)
    return dict(handles.loaded_run_args.values())


def _run_arg_name(key):
    group = getattr(key, "group", None)
    return (getattr(group, "name", None), getattr(key, "name", None)) if group is not None \
        else key


_GROUPING = "the grouping into Brian2 objects"


def _compiled_structure(d):
    """{field: value} of everything in a description that the compiled code fixes, each
    field named as the user wrote it."""
    out = {"the population names": sorted(d.populations), "the source names": sorted(d.sources),
           "the projection names": sorted(d.projections), "the populations with drives":
           sorted(d.drives)}
    for k, p in d.populations.items():
        where = f"populations[{k!r}]"
        if isinstance(p.neuron, CustomNeuron):
            n = p.neuron
            out.update({f"{where}.size": p.size, f"{where}.neuron (its equations, threshold, "
                        "reset, refractoriness, method, inputs and initial values)": (
                            n.model, n.threshold, n.reset, n.refractory, n.method,
                            sorted(n.inputs.items()), sorted(n.initial.items()))})
            continue
        out.update({f"{where}.size": p.size, f"{where}.neuron.spike": p.neuron.spike,
                    f"{where}.neuron.synapse": p.neuron.synapse,
                    f"{where}.neuron.channels (their names)": sorted(p.neuron.channels),
                    f"{where}.neuron.tau_ref (zero or not)": p.neuron.tau_ref > 0,
                    f"{where}.neuron.tau_w (None or not)": p.neuron.adapting,
                    f"{where}.v_init": p.v_init})
    for k, s in d.sources.items():
        out.update({f"sources[{k!r}] (its kind)": type(s).__name__,
                    f"sources[{k!r}].size": s.size})
    for k, p in d.projections.items():
        where = f"projections[{k!r}]"
        out.update({f"{where}.rule (its kind)": type(p.rule).__name__,
                    f"{where}.channel": d.channel(k),
                    f"{where}.delay (a constant, or uniform)":
                        "uniform" if isinstance(p.delay, tuple) else p.delay,
                    f"{where}.plasticity (its kind)": p.plasticity and p.plasticity.kind,
                    f"{where}.target_range": p.target_range})
    for k, v in d.drives.items():
        out[f"drives[{k!r}] (channels and noise)"] = [(x.channel, x.noise) for x in v]
    out[_GROUPING] = (neuron_groups(d), synapse_groups(d))
    return out


def _check_compiled_structure(old, new):
    """A ParameterError, in one sentence naming the field, for the first change from ``old``
    to ``new`` that the compiled code cannot take."""
    before, after = _compiled_structure(old), _compiled_structure(new)
    for what in list(before) + [k for k in after if k not in before]:
        if what not in before or what not in after:
            raise ParameterError(f"{what} is compiled into the network and cannot change; "
                                 "build a new network for this description")
        if before[what] != after[what]:
            if what == _GROUPING:
                raise ParameterError(
                    "which populations share a NeuronGroup (equal neurons, traces and drives) "
                    "or which projections share a Synapses (one source, equal weights and "
                    "delays) is compiled into the network and changed; build a new network "
                    "for this description")
            raise ParameterError(f"{what} is compiled into the network and cannot change from "
                                 f"{before[what]!r} to {after[what]!r}; build a new network "
                                 "for this description")


def _changed_values(h, old, new):
    """run_args that turn the compiled network of ``old`` into that of ``new``; ParameterError
    for any change the compiled code cannot take."""
    _check_compiled_structure(old, new)
    args = {}
    for _, pops in neuron_groups(new):
        G = h.placement[pops[0]][0]
        model = neuron_model(new.populations[pops[0]].neuron, new.trace_tau(pops[0]))
        args.update({getattr(G, name): value for name, value in model.constants().items()})

        def per_neuron(value_of):
            return np.concatenate([np.full(new.size(pop), value_of(pop)) for pop in pops])

        if any(new.populations[pop].mu_ext != old.populations[pop].mu_ext for pop in pops):
            args[G.mu_ext] = per_neuron(lambda pop: new.populations[pop].mu_ext) * volt
        for k, c in enumerate(_drive_channels(new, pops[0])):
            args.update({
                getattr(G, f"K_drive_{c}"): per_neuron(lambda pop: new.drives[pop][k].K),
                getattr(G, f"rate_drive_{c}"): per_neuron(lambda pop: new.drives[pop][k].rate) * Hz,
                getattr(G, f"w_drive_{c}"): per_neuron(
                    lambda pop: new.drives[pop][k].weight) * model.weight_unit})
    for name, s in new.sources.items():
        X = h.sources[name]
        if isinstance(s, PoissonSource):
            args[X.rates] = np.full(s.size, s.rate) * Hz
        elif not isinstance(s, (CorrelatedSource, SpikeTrainSource)):
            args.update({X.rate: s.rate * Hz, X.t_start: s.start * second,
                         X.t_stop: s.stop * second})
    for name, proj in new.projections.items():
        if proj.plasticity is not None:
            S = h.projections[name]
            rule = _stdp_rule(proj.plasticity, h.models[split_projection_name(name)[1]].weight_unit)
            args[S.eta] = rule.eta
            args.update({getattr(S, k): v for k, v in rule.params.items()})
    return args

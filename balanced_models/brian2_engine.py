"""Brian2 objects from a :class:`~balanced_models.description.NetworkDescription`.

:func:`build` creates them in a :class:`~balanced_models.network.Simulation` and returns
:class:`NetworkHandles`, every object named after its population or projection;
:func:`simulate` builds and runs in one call. The core does the work: NeuronGroups from
:mod:`~balanced_models.neurons`, Synapses from :func:`~balanced_models.network.connect`
(streamed connectivity and shared uniform weights in standalone mode), the built-in Poisson
drive (changeable by run_args), and spike sources streamed from files. So in a compiled
standalone network :func:`load_realisation` gives the binary another realisation, other
correlated trains or other parameter values without recompiling.

Brian2 runs fewer, larger objects faster (each costs a fixed time per step, and each
Synapses has its own spike queue), so populations with equal neurons share one NeuronGroup
(:func:`neuron_groups`; each population is a subgroup) and static projections from one
source into it with equal weights and delays share one Synapses (:func:`synapse_groups`).
Brian2 names: a NeuronGroup is named after its populations ("E", or "E_I" when shared); a
Synapses after its projections ("E_to_I", or "E_to_E_I" when shared); monitors are
"spikes_E", "states_E" and "weights_E_to_I".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, defaultclock, second, volt

from theory.errors import ParameterError, require

from .activity import RecordedActivity
from .analysis import spike_arrays
from .connectivity import StackedConnectivity
from .description import (CorrelatedSource, NetworkDescription, PoissonSource,
                          SpikeTrainSource, split_projection_name)
from .inputs import (correlated_spike_trains, poisson_sources, rewrite_spike_trains,
                     set_poisson_drive, spike_source, windowed_poisson_sources)
from .network import Simulation, connect, rewrite_connectivity
from .neurons import NeuronModel
from .plasticity import DIMENSIONLESS_ETA_KINDS, STDPRule
from .realisation import check_seed, realise_projection, sampled_synapses, stream
from .recording import spike_monitor, state_monitor, weight_monitor

__all__ = ["NetworkHandles", "Realisation", "build", "simulate", "load_realisation",
           "neuron_model", "neuron_groups", "synapse_groups", "synapses_name", "source_spikes"]


def synapses_name(projection):
    """The Brian2 name of the Synapses of projection ``"A->B"``: ``"A_to_B"``."""
    source, target = split_projection_name(projection)
    return f"{source}_to_{target}"


def neuron_model(neuron, trace_tau=None):
    """The :class:`~balanced_models.neurons.NeuronModel` (Brian2 quantities) of a
    :class:`~balanced_models.description.Neuron` (SI floats); ``trace_tau`` (s) adds the
    plasticity trace."""
    params = dict(tau_m=neuron.tau_m * second, E_L=neuron.E_L * volt, V_th=neuron.V_th * volt,
                  V_r=neuron.V_r * volt)
    if neuron.spike == "eif":
        params.update(V_T=neuron.V_T * volt, Delta_T=neuron.Delta_T * volt)
    channels = {c: {k: v * (second if k == "tau" else volt) for k, v in spec.items()}
                for c, spec in neuron.channels.items()}
    return NeuronModel(neuron.spike, neuron.synapse, params, channels,
                       neuron.tau_ref * second if neuron.tau_ref > 0 else None, neuron.jump,
                       None, None if trace_tau is None else trace_tau * second)


def _stdp_rule(plasticity, weight_unit):
    eta_unit = 1 if plasticity.kind in DIMENSIONLESS_ETA_KINDS else weight_unit
    params = {k: v * (Hz if k == "rho" else weight_unit) for k, v in plasticity.parameters.items()}
    return STDPRule(plasticity.kind, plasticity.eta * eta_unit, params)


def source_spikes(description, name, seed):
    """(indices, times in s) of the correlated source ``name`` for ``seed`` (its own stream,
    like a projection's), or the spikes of a SpikeTrainSource."""
    s = description.sources[name]
    if isinstance(s, SpikeTrainSource):
        return s.indices, s.times
    return correlated_spike_trains(s.size, s.rate * Hz, s.c, s.duration * second,
                                   jitter=s.jitter * second, rng=stream(seed, f"source {name}"))


class Realisation(Mapping):
    """The connectivity of every projection of a description for one seed, drawn when first
    asked for (``realise`` draws the same arrays at once). A built network keeps this instead
    of the arrays, so a large network's connectivity is not held twice: the binary reads it
    from files, and the theory gets it back bit for bit when it asks."""

    def __init__(self, description, seed):
        self.description, self.seed, self._drawn = description, check_seed(seed), {}

    def __getitem__(self, name):
        if name not in self._drawn:
            if name not in self.description.projections:
                raise KeyError(name)
            self._drawn[name] = realise_projection(self.description, name, self.seed)
        return self._drawn[name]

    def __iter__(self):
        return iter(self.description.projections)

    def __len__(self):
        return len(self.description.projections)


@dataclass
class NetworkHandles(RecordedActivity):
    """The Brian2 objects of one description, by name.

    populations : {name: NeuronGroup, or a subgroup of a shared one};  sources : {name:
    PoissonGroup, SpikeGeneratorGroup or NeuronGroup};  projections : {"source->target":
    Synapses} (shared Synapses appear under each of their projections; synapse_members
    lists them);  placement : {population: (NeuronGroup, first index)};  connectivity :
    {"source->target": Connectivity} (the realisation the Synapses hold, a
    :class:`Realisation` drawn on access);  spikes, states : {population: monitor};
    weights : {"source->target": StateMonitor};  weight_samples : {"source->target": synapse
    indices};  models : {population: NeuronModel};  dropped_spikes : {source: same-step
    duplicates dropped};  simulation : the Simulation;  seed : the realisation's seed.
    ``handles["E"]`` and ``handles["E->I"]`` look up populations, sources and projections;
    ``monitors`` holds what a paper builder adds beyond the description's recording.
    """

    description: NetworkDescription
    simulation: Simulation
    seed: int
    connectivity: dict
    populations: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    projections: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    spikes: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    weight_samples: dict = field(default_factory=dict)
    dropped_spikes: dict = field(default_factory=dict)
    monitors: dict = field(default_factory=dict)
    placement: dict = field(default_factory=dict)
    synapse_members: dict = field(default_factory=dict)
    duration: float = None

    def __getitem__(self, name):
        for table in (self.populations, self.sources, self.projections):
            if name in table:
                return table[name]
        raise KeyError(f"no population, source or projection {name!r}")

    def spike_trains(self, population):
        """(indices, times in s) recorded from ``population``."""
        if population not in self.spikes:
            raise ParameterError(f"spikes of {population!r} were not recorded; recorded: "
                                 f"{sorted(self.spikes)}")
        return spike_arrays(self.spikes[population])

    def recorded_populations(self):
        """Populations whose spikes were recorded."""
        return list(self.spikes)

    def recorded_neurons(self, population):
        """Number of neurons of ``population`` whose spikes were recorded."""
        return len(self.spikes[population].source)

    def weight_traces(self, projection):
        """(times in s, array (sampled synapses, times) in SI) of a recorded projection."""
        if projection not in self.weights:
            raise ParameterError(f"weights of {projection!r} were not recorded")
        monitor = self.weights[projection]
        return np.array(monitor.t_, copy=True), np.array(monitor.w_, copy=True)

    def state_traces(self, population, variable="v"):
        """(times in s, array (neurons, samples) in SI) of a recorded state variable."""
        if population not in self.states:
            raise ParameterError(f"no states of {population!r} were recorded")
        monitor = self.states[population]
        # copies: Brian2's arrays may be views of buffers freed with the monitor
        return np.array(monitor.t_, copy=True), np.array(getattr(monitor, f"{variable}_"),
                                                          copy=True)


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


def build(description, sim, *, seed=None, connectivity=None):
    """Create the network of ``description`` in ``sim``.

    Parameters
    ----------
    description : NetworkDescription
    sim : Simulation
        Created first (it selects the device); the objects are added to it.
    seed : int, optional
        Seed of the realisation and of the correlated source trains (default: the
        Simulation's seed; 0 if that is None). Brian2's own random numbers (initial
        potentials, Poisson drives) follow the Simulation's seed.
    connectivity : dict, optional
        A realisation to use instead of ``realise(description, seed)``.

    Returns
    -------
    NetworkHandles
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    if not isinstance(sim, Simulation):
        raise ParameterError(f"sim must be a Simulation; got {type(sim).__name__}")
    d = description
    if abs(float(defaultclock.dt_) - d.dt) > 1e-9 * d.dt:
        raise ParameterError(f"the Simulation's dt ({float(defaultclock.dt_)} s) must be the "
                             f"description's dt ({d.dt} s)")
    if seed is None:
        seed = 0 if sim.seed is None else sim.seed
    seed = check_seed(seed)
    if connectivity is None:
        connectivity = Realisation(d, seed)
    elif set(connectivity) != set(d.projections):
        raise ParameterError(f"connectivity must have one entry per projection "
                             f"{sorted(d.projections)}; got {sorted(connectivity)}")
    h = NetworkHandles(d, sim, seed, connectivity)
    for group_name, pops in neuron_groups(d):
        first = d.populations[pops[0]]
        model = neuron_model(first.neuron, d.trace_tau(pops[0]))
        channels = _drive_channels(d, pops[0])
        G = sim.add(model.group(sum(d.size(p) for p in pops), name=group_name, drive=channels,
                                gaussian_drive=_gaussian_drive_channels(d, pops[0]),
                                allow_coarse_dt=d.allow_coarse_dt))
        offset = 0
        for pop in pops:
            p, n = d.populations[pop], d.size(pop)
            view = G if len(pops) == 1 else G[offset:offset + n]
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
                    name=f"weights_{synapses_name(name)}"))
        del c, drawn  # a large realisation is not kept: the binary reads it from files
    for pop, n in d.recorded_spikes().items():
        h.spikes[pop] = sim.add(spike_monitor(h.populations[pop], n, name=f"spikes_{pop}"))
    for pop, (variables, n, dt) in d.record.states.items():
        h.states[pop] = sim.add(state_monitor(h.populations[pop], range(n), variables,
                                              dt=dt * second, name=f"states_{pop}"))
    return h


def simulate(description, duration, *, seed=0, device="cpp_standalone", directory=None,
             report=None):
    """Build ``description`` in a new Simulation and run it for ``duration`` seconds.

    Parameters
    ----------
    description : NetworkDescription
    duration : simulated time (s, > 0)
    seed : non-negative integer: the realisation and Brian2's random numbers
    device : 'cpp_standalone' (compiled; the default) or 'runtime'
    directory : standalone project directory (default: a new temporary one)
    report : None, or 'text' for progress reports

    Returns
    -------
    NetworkHandles
        With the recorded data; ``handles.population_rates()`` gives the rates.
    """
    duration = float(require("duration", duration, low=0.0, low_open=True, unit="s"))
    sim = Simulation(device, seed=check_seed(seed), dt=description.dt * second,
                     directory=directory)
    h = build(description, sim, seed=seed)
    sim.run(duration * second, report=report)
    h.duration = duration
    return h


def load_realisation(handles, seed=None, *, description=None, connectivity=None):
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
        neuron and synapse types, channels, whether a neuron is refractory, the projections
        and their rules' kinds, constant delays, initial potentials, and which populations
        and projections share Brian2 objects (:func:`neuron_groups`,
        :func:`synapse_groups`). Without a seed, only projections whose parameters changed
        are drawn again (from the network's seed).
    connectivity : dict, optional
        A realisation to load instead of ``realise(description, seed)``.

    Returns
    -------
    dict
        run_args for the next :meth:`~balanced_models.network.Simulation.execute`; pass
        them with ``seed`` (Brian2's random numbers) to execute.
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
    return run_args


def _compiled_structure(d):
    """{what: value} of everything in a description that the compiled code fixes."""
    return {
        "the populations": {k: (p.size, p.neuron.spike, p.neuron.synapse,
                                sorted(p.neuron.channels), p.neuron.tau_ref > 0, p.v_init)
                            for k, p in d.populations.items()},
        "the sources": {k: (type(s), s.size) for k, s in d.sources.items()},
        "the projections": {k: (type(p.rule), d.channel(k),
                                "uniform" if isinstance(p.delay, tuple) else p.delay,
                                p.plasticity and p.plasticity.kind, p.target_range)
                            for k, p in d.projections.items()},
        "the drives": {k: [(x.channel, x.noise) for x in v] for k, v in d.drives.items()},
        "the grouping into Brian2 objects (equal neurons share a NeuronGroup; projections "
        "from one source with equal weights and delays share a Synapses)":
            (neuron_groups(d), synapse_groups(d))}


def _changed_values(h, old, new):
    """run_args that turn the compiled network of ``old`` into that of ``new``; ParameterError
    for any change the compiled code cannot take."""
    before, after = _compiled_structure(old), _compiled_structure(new)
    for what in before:
        if before[what] != after[what]:
            raise ParameterError(f"{what} is compiled into the network: {before[what]!r} -> "
                                 f"{after[what]!r} needs a new build")
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

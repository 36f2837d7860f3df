"""Sanzeni, Histed & Brunel: strongly coupled conductance-based LIF networks.

Parameters are SI floats (s, V, Hz; efficacies dimensionless), the same numbers the theory
(theory.conductance) takes; they become Brian2 quantities only in the builders below.
Efficacy convention: an input of efficacy a makes the jump a (E - V) (linear, the default)
or V -> E + (V - E) e^{-a} (jump='exact'); with exponential conductances (tau_S > 0) the
conductance integral per spike is the same a (g/C_m jumps by a/tau_S), so both variants
agree as tau_S -> 0.
"""

from dataclasses import dataclass, field

from brian2 import Hz, mV, ms, second

from theory.conductance import SANZENI, NeuronParameters
from theory.errors import require, require_nonnegative, require_positive

from .. import connectivity as conn
from ..inputs import poisson_sources, set_poisson_drive
from ..network import connect
from ..neurons import lif
from ..recording import moment_recorder, spike_monitor, state_monitor

__all__ = ["NetworkParameters", "neuron_model", "build_network", "SingleNeuronBlock",
           "build_single_neurons", "effective_time_constant"]


@dataclass(frozen=True)
class NetworkParameters:
    """The E/I network of the paper (sec. 3 of the brief); defaults: the quick check.

    K : excitatory in-degree (also the external one); gamma K inhibitory inputs
    a : efficacy of E and X inputs; g a of I inputs
    N_E, N_I : population sizes; N_X : size of each external pool (X->E and X->I)
    nu_X : rate of the external Poisson units (Hz)
    cv_K : CV of the in-degrees across neurons (normal, rounded; 0 = fixed in-degree)
    delay_E, delay_I : E and I delays are uniform on [0, delay_E] and [0, delay_I] (s)
    jump : 'linear' or 'exact' (instantaneous jumps); tau_S > 0 selects exponential
        conductances with decay tau_S (s)
    """

    K: int = 100
    a: float = 8.8e-3
    g: float = 20.0
    gamma: float = 0.25
    N_E: int = 1000
    N_I: int = 1000
    N_X: int = 1000
    nu_X: float = 25.0
    cv_K: float = 0.0
    delay_E: float = 0.010
    delay_I: float = 0.001
    jump: str = "linear"
    tau_S: float = 0.0
    neuron: NeuronParameters = field(default=SANZENI)

    def __post_init__(self):
        require("a", self.a, low=0.0, low_open=True, high=1.0, high_open=True)
        require_nonnegative("g", self.g)
        require("gamma", self.gamma, low=0.0, low_open=True, high=1.0)
        require_nonnegative("nu_X", self.nu_X, "Hz")
        require_nonnegative("cv_K", self.cv_K)
        require_nonnegative("tau_S", self.tau_S, "s")
        require_nonnegative("delay_E", self.delay_E, "s")
        require_nonnegative("delay_I", self.delay_I, "s")
        require("K", self.K, low=1, high=min(self.N_E, self.N_X),
                unit="(at most the E and external population sizes)")
        require("gamma K", self.gamma * self.K, low=1, high=self.N_I,
                unit="(at most N_I)")


def neuron_model(p):
    """The conductance-based LIF model (channels e for E and X inputs, i for I inputs)."""
    n = p.neuron
    kw = dict(tau_m=n.tau_L * second, E_L=n.E_L * 1e3 * mV, V_th=n.V_th * 1e3 * mV,
              V_r=n.V_r * 1e3 * mV, refractory=n.tau_rp * second)
    if p.tau_S > 0:
        return lif("conductance_exp", {"e": {"tau": p.tau_S * second, "E": n.E_E * 1e3 * mV},
                                       "i": {"tau": p.tau_S * second, "E": n.E_I * 1e3 * mV}},
                   **kw)
    return lif("conductance_jump", {"e": {"E": n.E_E * 1e3 * mV}, "i": {"E": n.E_I * 1e3 * mV}},
               jump=p.jump, **kw)


def effective_time_constant(a, K, g, gamma, r_E, r_I, tau_L=SANZENI.tau_L):
    """1/tau = 1/tau_L + a K (r_E + g gamma r_I) (s), the scale the time step must resolve."""
    return 1.0 / (1.0 / tau_L + a * K * (r_E + g * gamma * r_I))


def build_network(sim, p, rng, *, record_from=0.5, n_traces=20, trace_dt=0.1e-3):
    """Create the network in ``sim``; returns a dict of the Brian2 objects.

    Neurons are one group (E = first N_E, I = the rest); the external pools are one
    PoissonGroup (first N_X feed E, the rest feed I) whose ``rates`` can be changed by
    run_args. Records all spikes, per-neuron moments of V after ``record_from`` seconds and
    V traces of ``n_traces`` E neurons every ``trace_dt`` seconds.
    """
    model = neuron_model(p)
    N = p.N_E + p.N_I
    G = sim.add(model.group(N, name="neurons"))
    X = sim.add(poisson_sources(2 * p.N_X, p.nu_X * Hz, name="external"))
    targets = {"E": slice(0, p.N_E), "I": slice(p.N_E, N)}
    K_I = int(round(p.gamma * p.K))
    synapses = {}
    for post, sl in targets.items():
        n_post = sl.stop - sl.start
        degrees = {s: conn.indegrees_with_cv(k, p.cv_K, n_post, rng, n_pre=n_pre,
                                             distribution="normal")
                   for s, k, n_pre in (("E", p.K, p.N_E), ("I", K_I, p.N_I), ("X", p.K, p.N_X))}
        pools = {"E": (G[:p.N_E], p.N_E, p.a, (0 * ms, p.delay_E * second), "e"),
                 "I": (G[p.N_E:], p.N_I, p.g * p.a, (0 * ms, p.delay_I * second), "i"),
                 "X": (X[:p.N_X] if post == "E" else X[p.N_X:], p.N_X, p.a, 0 * ms, "e")}
        for pre, (source, n_pre, w, delay, channel) in pools.items():
            c = conn.fixed_indegree(n_pre, n_post, degrees[pre], w, rng=rng, delay=delay)
            synapses[pre + post] = sim.add(connect(source, G[sl], c, model, channel,
                                                   name=f"syn_{pre}{post}"))
    return dict(model=model, neurons=G, external=X, synapses=synapses,
                spikes=sim.add(spike_monitor(G)),
                moments=sim.add(moment_recorder(G, ["v"], start=record_from * second)),
                traces=sim.add(state_monitor(G, range(n_traces), dt=trace_dt * second)))


@dataclass(frozen=True)
class SingleNeuronBlock:
    """n independent neurons with K excitatory inputs at nu_X and gamma K inhibitory inputs at
    eta nu_X, efficacies a and g a (the single-neuron protocol)."""

    K: int
    a: float
    n: int = 100
    g: float = 12.0
    gamma: float = 0.25
    eta: float = 1.8
    nu_X: float = 25.0


def build_single_neurons(sim, blocks, *, dt_fraction=0.01, record_from=0.2, jump="linear",
                         neuron=SANZENI):
    """One group per block, each with its own time step dt_fraction * tau_eff (the escape
    rate is very sensitive to dt), driven by the built-in independent Poisson drive.
    Returns a list of (group, spike monitor, moment recorder)."""
    require_positive("dt_fraction", dt_fraction)
    p = NetworkParameters(neuron=neuron, jump=jump)
    model = neuron_model(p)
    out = []
    for b, blk in enumerate(blocks):
        tau = effective_time_constant(blk.a, blk.K, blk.g, blk.gamma, blk.nu_X,
                                      blk.eta * blk.nu_X, neuron.tau_L)
        G = sim.add(model.group(blk.n, drive=["e", "i"], name=f"block{b}",
                                dt=dt_fraction * tau * second))
        set_poisson_drive(G, model, "e", K=blk.K, rate=blk.nu_X * Hz, weight=blk.a)
        set_poisson_drive(G, model, "i", K=blk.gamma * blk.K, rate=blk.eta * blk.nu_X * Hz,
                          weight=blk.g * blk.a)
        out.append((G, sim.add(spike_monitor(G)),
                    sim.add(moment_recorder(G, ["v"], start=record_from * second))))
    return out

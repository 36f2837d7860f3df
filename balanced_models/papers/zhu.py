"""Zhu, Ocker & Rosenbaum: membrane-potential variability vs network size in current- vs
conductance-based balanced EIF networks, with independent or correlated external input.

Parameters are SI floats (s, V, Hz; conductance weights dimensionless) and become Brian2
quantities only in :func:`build_network`. Weights are j / sqrt(N): current weights j (mV,
the charge per spike in units of C_m, i.e. the voltage kick without leak) and conductance
weights j^g = j / (E_b - V_ref) (the conductance integral per spike in units of C_m), so that
both models have the same synaptic currents at V = V_ref.

The authors' EIF writes the spike current as Delta_T exp((V - V_T)/Delta_T) per ms (coefficient
1 with C_m = 1), not g_L Delta_T exp(...). The core EIF uses g_L Delta_T exp((V - V_T')/Delta_T);
the two agree with V_T' = V_T - Delta_T log(tau_m / 1 ms), which the builder uses.
"""

from dataclasses import dataclass

import numpy as np
from brian2 import mV, ms, second

from theory.balanced import mean_field_matrices
from theory.errors import ParameterError, require

from .. import connectivity as conn
from ..ei_parameters import EIXParameters
from ..inputs import correlated_spike_trains, rewrite_spike_trains, spike_source
from ..network import connect, rewrite_connectivity
from ..neurons import eif
from ..recording import moment_recorder, spike_monitor

__all__ = ["ZhuParameters", "VARIANTS", "external_spikes", "realise", "build_network",
           "load_point", "conductance_weights"]

VARIANTS = ("current", "conductance", "surrogate")
POPULATIONS = ("E", "I")
SOURCES = ("E", "I", "X")


@dataclass(frozen=True)
class ZhuParameters(EIXParameters):
    """Network size N, input correlation c and the fixed model parameters (SI); the shared
    fields are those of :class:`~balanced_models.ei_parameters.EIXParameters`."""

    N: int = 1000
    p: float = 0.2
    q_x: float = 0.3
    j: tuple = ((17.5, -100.0, 100.0), (60.0, -150.0, 75.0))
    tau_m: float = 0.015
    E_L: float = -0.072
    V_T: float = -0.055
    Delta_T: float = 0.001
    V_th: float = -0.050
    V_r: float = -0.075
    E_syn: tuple = (0.0, -0.080, 0.0)  # E, I, X reversal potentials
    V_ref: float = -0.072
    duration: float = 5.0
    burn_in: float = 0.25

    def __post_init__(self):
        super().__post_init__()
        require("duration - burn_in", self.duration - self.burn_in, low=0.0, low_open=True,
                unit="s")

    def mean_field(self, conductance=False):
        """(W, W_x) of the current weights (mV) or of the conductance weights."""
        j = np.abs(conductance_weights(self)) if conductance else np.array(self.j)
        return mean_field_matrices(j[:, :2], j[:, 2], self.p, self.q, self.q_x)


def conductance_weights(p):
    """j^g_ab = j_ab / (E_b - V_ref) (dimensionless; positive for inhibition too), rows post."""
    j = np.array(p.j, dtype=float)
    return j / (1e3 * (np.array(p.E_syn) - p.V_ref))[None, :]


def external_spikes(p, trial):
    """The external trains of one trial, shared by all variants: (indices, times in s)."""
    rng = np.random.default_rng([p.N, int(round(1000 * p.c)), trial, 7])
    return correlated_spike_trains(p.sizes[2], p.r_x * 1 / second, p.c, p.duration * second,
                                   jitter=p.jitter * second, rng=rng)


def _model(p, synapse, tau_m, E_L):
    channels = {c: {"tau": t * second, "E": E * 1e3 * mV}
                for c, t, E in zip(("e", "i", "x"), p.tau_syn, p.E_syn)}
    V_T = p.V_T - p.Delta_T * np.log(tau_m / 1e-3)  # coefficient-1 exponential (module doc)
    return eif(synapse, channels, tau_m=tau_m * second, E_L=E_L * 1e3 * mV,
               V_T=V_T * 1e3 * mV, Delta_T=p.Delta_T * 1e3 * mV, V_th=p.V_th * 1e3 * mV,
               V_r=p.V_r * 1e3 * mV)


SOURCE_CHANNELS = {"E": "e", "I": "i", "X": "x"}


def _check_variant(variant, surrogate):
    if variant not in VARIANTS:
        raise ParameterError(f"variant must be one of {VARIANTS}; got {variant!r}")
    if (variant == "surrogate") != (surrogate is not None):
        raise ParameterError("the surrogate variant needs surrogate={pop: (tau_eff, E_L_eff)},"
                             " and only it")


def _population_model(p, variant, pop, surrogate):
    if variant == "surrogate":
        tau_eff, E_eff = surrogate[pop]
        return _model(p, "current_exp", tau_eff, E_eff)
    synapse = "current_exp" if variant == "current" else "conductance_exp"
    return _model(p, synapse, p.tau_m, p.E_L)


def realise(p, variant, rng, surrogate=None):
    """The connectivity of every projection, {(pre, post): Connectivity}, pre in E, I, X and
    post in E, I (Bernoulli with probability p.p; weights scaled by 1/sqrt(N)):
    current weights j (mV), conductance weights |j^g|, or for the surrogate j^g times the
    driving force frozen at the population's mean potential."""
    _check_variant(variant, surrogate)
    sizes = dict(zip(SOURCES, p.sizes))
    scale = 1 / np.sqrt(p.N)
    jg = conductance_weights(p)
    out = {}
    for a, post in enumerate(POPULATIONS):
        for b, pre in enumerate(SOURCES):
            if variant == "current":
                w = p.j[a][b] * scale * mV
            elif variant == "conductance":
                w = abs(jg[a, b]) * scale
            else:  # frozen driving force at the population's mean potential
                w = jg[a, b] * (1e3 * (p.E_syn[b] - surrogate[post][1])) * scale * mV
            out[pre, post] = conn.bernoulli(sizes[pre], sizes[post], p.p, w, rng=rng)
    return out


def load_point(h, p, variant, spikes, rng, surrogate=None):
    """Give a compiled standalone network (the handles of :func:`build_network`) the data of
    another point: external spikes, a connectivity realisation from ``rng`` and, for the
    surrogate, the effective membrane parameters and weights. Nothing is recompiled.

    Returns the run_args for the next :meth:`~balanced_models.network.Simulation.execute`.
    """
    h["dropped_external_spikes"] = rewrite_spike_trains(h["X"], *spikes)
    run_args = {}
    for (pre, post), c in realise(p, variant, rng, surrogate).items():
        run_args.update(rewrite_connectivity(h[f"{pre}->{post}"], c))
    if variant == "surrogate":
        for pop in POPULATIONS:
            model = _population_model(p, variant, pop, surrogate)
            run_args.update({getattr(h[pop], name): value for name, value in model.params.items()})
    return run_args


def build_network(sim, p, variant, spikes, rng, surrogate=None):
    """Create one network of the given variant in ``sim``; returns a dict of Brian2 objects.

    spikes : (indices, times) of the external layer (see :func:`external_spikes`)
    surrogate : for variant 'surrogate', {'E': (tau_eff, E_L_eff), 'I': ...} from a conductance
        run: tau_eff = 1 / (g_L + <g_e + g_i + g_x>) (s) and E_L_eff = <V> (V) per population
    Records spikes of all neurons, and per neuron the moments of 1-ms-binned V sampled before
    the reset and clipped at V_th (so a spike counts as V_th and the reset as V_r), and for
    the conductance model of g_tot = g_e + g_i + g_x with its covariance with V.
    Handles: the groups ('E', 'I', 'X'), the projections ('E->I' is from E to I), the
    monitors ('spikes_E', 'moments_E', ...). All objects have fixed names. In standalone mode
    the spikes and the connectivity are read from files at run time, so
    :func:`load_point` gives the compiled binary another trial without recompiling.
    """
    _check_variant(variant, surrogate)
    N_E, N_I, N_X = p.sizes
    X, dropped = spike_source(N_X, *spikes, dt=p.dt * second, name="X")
    sim.add(X)
    groups, models, out = {}, {}, {"dropped_external_spikes": dropped, "X": X}
    for pop, n in zip(POPULATIONS, (N_E, N_I)):
        models[pop] = _population_model(p, variant, pop, surrogate)
        G = sim.add(models[pop].group(n, name=pop))
        G.v = f"V_r + rand()*({p.V_T * 1e3}*mV - V_r)"  # uniform in [V_r, V_T]
        groups[pop] = G
    sources = dict(groups, X=X)
    for (pre, post), c in realise(p, variant, rng, surrogate).items():
        out[f"{pre}->{post}"] = sim.add(connect(sources[pre], groups[post], c, models[post],
                                                SOURCE_CHANNELS[pre], name=f"syn_{pre}{post}"))
    for pop in POPULATIONS:
        G = groups[pop]
        variables = {"v": "v"}
        products = ()
        if variant == "conductance":
            variables["g_tot"] = "g_e + g_i + g_x"
            products = (("v", "g_tot"),)
        out[f"moments_{pop}"] = sim.add(moment_recorder(
            G, variables, bin_width=1 * ms, start=p.burn_in * second, when="before_resets",
            clip={"v": (-10000 * mV, p.V_th * 1e3 * mV)},
            products=products, name=f"moments_{pop}"))
        out[f"spikes_{pop}"] = sim.add(spike_monitor(G, name=f"spikes_{pop}"))
        out[pop] = G
    return out

"""Akil, Rosenbaum & Josic: plastic balanced networks of EIF neurons with exponential current
synapses, external Poisson input with correlation c, STDP on any projection, and optogenetic
extra input to a subpopulation of E cells.

Parameters are SI floats (s, Hz) and unscaled weights j in mV; a synapse has J = j / sqrt(N)
(mV, the charge per spike in units of C_m). Projections are named post-pre as in j_ab: 'EI'
is I -> E. Plasticity rules are given per projection in the same unscaled units and converted
to :class:`~balanced_models.plasticity.STDPRule` objects here:

====================  =========================================================================
kind                  parameters (unscaled)
====================  =========================================================================
``soft_hebbian``      eta (1), j_max (mV)                               R1 (E->E), R7 (E->I)
``additive``          eta (mV), j_min, j_max (mV)                       R2, R3
``kohonen``           eta (1), beta_hat (mV)                            R4
``homeostatic``       eta (mV), j_n (mV), rho (Hz, postsynaptic target)  R5 (EI), R6 (IE), R8 (II)
====================  =========================================================================
"""

from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, mV, second

from theory.errors import ParameterError, require
from theory.plasticity import MeanFieldNetwork

from .. import connectivity as conn
from ..ei_parameters import EIXParameters
from ..inputs import (correlated_spike_trains, poisson_sources, spike_source,
                      windowed_poisson_sources)
from ..network import connect
from ..neurons import eif
from ..plasticity import STDPRule
from ..recording import spike_monitor, weight_monitor

__all__ = ["AkilParameters", "PROJECTIONS", "stdp_rule", "build_network"]

POPULATIONS = ("E", "I")
PROJECTIONS = ("EE", "EI", "IE", "II")
_SCALED = {"j_max": "w_max", "j_min": "w_min", "beta_hat": "beta", "j_n": "w_norm"}


@dataclass(frozen=True)
class AkilParameters(EIXParameters):
    """Network size N, input correlation c, plasticity and stimulation; defaults of sec. 2. The
    shared fields are those of :class:`~balanced_models.ei_parameters.EIXParameters`.

    j : rows post (E, I), columns pre (E, I, X), unscaled (mV)
    plasticity : {projection: (kind, {parameter: value})} in unscaled units (module doc)
    stim_fraction : E1 = the first stim_fraction*N E cells get the optogenetic input
        (0: no stimulation); stim_q_x N Poisson sources at stim_rate (Hz), active during
        stim_window (s), project to E1 with probability p and weight stim_j (mV)
    record_spikes : spikes recorded per population (None: all); with stimulation E1 and E2
        each get this many
    record_weights : synapses sampled per plastic projection, every weight_dt (s)
    """

    N: int = 2000
    tau_stdp: float = 0.2
    duration: float = 10.0
    plasticity: dict = field(default_factory=dict)
    stim_fraction: float = 0.0
    stim_rate: float = 5.0
    stim_j: float = 180.0
    stim_q_x: float = 0.2
    stim_window: tuple = (0.0, 0.0)
    record_spikes: int = None
    record_weights: int = 1000
    weight_dt: float = 1.0

    def __post_init__(self):
        super().__post_init__()
        require("duration", self.duration, low=0.0, low_open=True, unit="s")
        require("tau_stdp", self.tau_stdp, low=0.0, low_open=True, unit="s")
        require("stim_fraction", self.stim_fraction, low=0.0, high=self.q[0])
        for proj, (kind, params) in self.plasticity.items():
            if proj not in PROJECTIONS:
                raise ParameterError(f"plastic projection must be one of {PROJECTIONS}; "
                                     f"got {proj!r}")
            stdp_rule(kind, params, self.N)  # validates kind and parameters

    def mean_field(self, j=None):
        """The :class:`theory.plasticity.MeanFieldNetwork` of these parameters (E, I; input X),
        optionally with other recurrent weights j (2x2, mV)."""
        jj = np.array(self.j, float)
        rec = jj[:, :2] if j is None else np.asarray(j, float)
        return MeanFieldNetwork(j=tuple(map(tuple, rec)), j_x=tuple((x,) for x in jj[:, 2]),
                                p=self.p, q=self.q, q_x=(self.q_x,), r_x=(self.r_x,), c=self.c,
                                N=self.N)

    def stimulated_mean_field(self, stim_rate=None):
        """The three-population MeanFieldNetwork of the opto case (sec. 4.5): E1, E2, I with
        fractions (stim_fraction or 0.4, q_E - that, q_I); inputs X (all) and X2 (E1 only)
        at stim_rate (default: self.stim_rate; 0 for stimulation off)."""
        j = np.array(self.j, float)
        f = self.stim_fraction or 0.4
        rate = self.stim_rate if stim_rate is None else stim_rate
        e_row, i_row = [j[0, 0], j[0, 0], j[0, 1]], [j[1, 0], j[1, 0], j[1, 1]]
        return MeanFieldNetwork((tuple(e_row), tuple(e_row), tuple(i_row)),
                                ((j[0, 2], self.stim_j), (j[0, 2], 0.0), (j[1, 2], 0.0)),
                                self.p, (f, self.q[0] - f, self.q[1]),
                                (self.q_x, self.stim_q_x), (self.r_x, rate))


def stdp_rule(kind, params, N):
    """The :class:`STDPRule` of a rule given in unscaled units (module doc) for network size N."""
    params = dict(params)
    if "eta" not in params:
        raise ParameterError(f"the {kind} rule needs a learning rate 'eta'")
    eta = params.pop("eta")
    unit = {"additive": mV, "homeostatic": mV}.get(kind, 1)
    scaled = {}
    for name, value in params.items():
        if name == "rho":
            scaled["rho"] = value * Hz
        elif name in _SCALED:
            scaled[_SCALED[name]] = value / np.sqrt(N) * mV
        else:
            raise ParameterError(f"unknown parameter {name!r} of the {kind} rule; allowed: "
                                 f"eta, rho, {', '.join(_SCALED)}")
    return STDPRule(kind, eta * unit, scaled)


def _external(p, rng):
    N_X = p.sizes[2]
    if p.c == 0:
        return poisson_sources(N_X, p.r_x * Hz, name="X"), 0
    spikes = correlated_spike_trains(N_X, p.r_x * Hz, p.c, p.duration * second,
                                     jitter=p.jitter * second, rng=rng)
    return spike_source(N_X, *spikes, dt=p.dt * second, name="X")


def build_network(sim, p, rng):
    """Create the network in ``sim``; returns a dict of handles.

    Handles: groups 'E', 'I', 'X' (and 'X2'); Synapses 'syn_EE', 'syn_EI', ... (named by
    projection, post-pre); for each plastic projection the sampled synapse indices
    'sample_<proj>', the postsynaptic indices of all its synapses 'post_<proj>' and presynaptic
    'pre_<proj>', and the weight monitor 'weights_<proj>'; spike monitors 'spikes_E', 'spikes_I'
    (with stimulation 'spikes_E1', 'spikes_E2' instead of 'spikes_E'); 'n_E1' and the number of
    external spikes dropped by the dt grid. All objects have fixed names, so a rebuild with new
    data regenerates identical code.
    """
    N_E, N_I, N_X = p.sizes
    channels = {c: {"tau": t * second} for c, t in zip("eix", p.tau_syn)}
    model = eif("current_exp", channels, trace_tau=p.tau_stdp * second)
    groups = {pop: sim.add(model.group(n, name=pop)) for pop, n in zip(POPULATIONS, (N_E, N_I))}
    for G in groups.values():
        G.v = "V_r + rand()*(V_T - V_r)"
    X, dropped = _external(p, rng)
    sim.add(X)
    h = dict(groups, X=X, model=model, dropped_external_spikes=dropped)
    scale = 1 / np.sqrt(p.N)
    sources = {"E": groups["E"], "I": groups["I"], "X": X}
    for a, post in enumerate(POPULATIONS):
        for b, pre in enumerate(("E", "I", "X")):
            src = sources[pre]
            c = conn.bernoulli(len(src), len(groups[post]), p.p, p.j[a][b] * scale * mV,
                               rng=rng)
            proj = post + pre
            rule = None
            if proj in p.plasticity:
                rule = stdp_rule(*p.plasticity[proj], p.N)
            S = sim.add(connect(src, groups[post], c, model, "eix"[b], name=f"syn_{proj}",
                                plasticity=rule))
            h[f"syn_{proj}"] = S
            if rule is not None:
                n = min(p.record_weights, len(c))
                sample = np.sort(rng.choice(len(c), size=n, replace=False))
                h[f"sample_{proj}"], h[f"post_{proj}"], h[f"pre_{proj}"] = sample, c.post, c.pre
                h[f"weights_{proj}"] = sim.add(weight_monitor(
                    S, sample, dt=p.weight_dt * second, name=f"weights_{proj}"))
    n_rec = p.record_spikes
    E = groups["E"]
    if p.stim_fraction > 0:
        n1 = int(round(p.stim_fraction * p.N))
        n_x2 = int(round(p.stim_q_x * p.N))
        X2 = sim.add(windowed_poisson_sources(n_x2, p.stim_rate * Hz, p.stim_window[0] * second,
                                              p.stim_window[1] * second, name="X2"))
        c2 = conn.bernoulli(n_x2, n1, p.p, p.stim_j * scale * mV, rng=rng)
        h["syn_E1X2"] = sim.add(connect(X2, E[:n1], c2, model, "x", name="syn_E1X2"))
        m = n1 if n_rec is None else min(n_rec, n1)
        h["spikes_E1"] = sim.add(spike_monitor(E[:m], name="spikes_E1"))
        m = N_E - n1 if n_rec is None else min(n_rec, N_E - n1)
        h["spikes_E2"] = sim.add(spike_monitor(E[n1:n1 + m], name="spikes_E2"))
        h["X2"], h["n_E1"] = X2, n1
    else:
        h["spikes_E"] = sim.add(spike_monitor(E, n_rec, name="spikes_E"))
        h["n_E1"] = 0
    h["spikes_I"] = sim.add(spike_monitor(groups["I"], n_rec, name="spikes_I"))
    return h

"""Akil, Rosenbaum & Josic: plastic balanced networks of EIF neurons with exponential current
synapses, external Poisson input with correlation c, STDP on any projection, and optogenetic
extra input to a subpopulation of E cells.

Parameters are SI floats (s, V, Hz); weights are unscaled, j (V), and a synapse has
J = j / sqrt(N) (the charge per spike in units of C_m). Projections are named
"source->target" as everywhere in the package: "I->E" is from I to E (the brief's j_EI).
Plasticity rules are given per projection in the same unscaled units and become
:class:`~balanced_models.core.description.Plasticity` rules of the network description:

====================  =========================================================================
kind                  parameters (unscaled)
====================  =========================================================================
``soft_hebbian``      eta (1), j_max (V)                           R1 (E->E), R7 (E->I)
``additive``          eta (V), j_min, j_max (V)                    R2, R3
``kohonen``           eta (1), beta_hat (V)                        R4
``homeostatic``       eta (V), j_n (V), rho (Hz, postsynaptic target)  R5 (I->E), R6, R8
====================  =========================================================================
"""

from dataclasses import dataclass, field

import numpy as np

from theory.errors import ParameterError, require
from theory.plasticity import MeanFieldNetwork

from ..core.description import (
    Bernoulli,
    CorrelatedSource,
    NetworkDescription,
    Plasticity,
    PoissonSource,
    Population,
    Projection,
    Recording,
    WindowedPoissonSource,
)
from .ei_parameters import EIXParameters

__all__ = ["AkilParameters", "PROJECTIONS", "stdp_rule", "description"]

POPULATIONS = ("E", "I")
PROJECTIONS = ("E->E", "I->E", "E->I", "I->I")
_SCALED = {"j_max": "w_max", "j_min": "w_min", "beta_hat": "beta", "j_n": "w_norm"}


@dataclass(frozen=True)
class AkilParameters(EIXParameters):
    """Network size N, input correlation c, plasticity and stimulation; defaults of sec. 2. The
    shared fields are those of :class:`~balanced_models.papers.ei_parameters.EIXParameters`.

    plasticity : {projection: (kind, {parameter: value})} in unscaled SI units (module doc),
        e.g. {"I->E": ("homeostatic", dict(eta=1e-5, j_n=-0.2, rho=10.0))}
    stim_fraction : E1 = the first stim_fraction*N E cells get the optogenetic input
        (0: no stimulation); stim_q_x N Poisson sources at stim_rate (Hz), active during
        stim_window (s), project to E1 with probability p and unscaled weight stim_j (V)
    record_spikes : spikes recorded per population (None: all); with stimulation E1 and E2
        each get this many
    record_weights : synapses sampled per plastic projection, every weight_dt (s); 0: none
    """

    N: int = 2000
    tau_stdp: float = 0.2
    duration: float = 10.0
    plasticity: dict = field(default_factory=dict)
    stim_fraction: float = 0.0
    stim_rate: float = 5.0
    stim_j: float = 0.180
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
            stdp_rule(kind, params, self.N, self.tau_stdp)  # validates kind and parameters

    def mean_field(self, j=None):
        """The :class:`theory.plasticity.MeanFieldNetwork` of these parameters (E, I; input X),
        optionally with other recurrent weights j (2x2, V, rows post)."""
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

    @property
    def n_E1(self):
        """Number of stimulated E cells (E1, the first ones)."""
        return int(round(self.stim_fraction * self.N))


def stdp_rule(kind, params, N, tau):
    """The :class:`~balanced_models.core.description.Plasticity` of a rule given in unscaled units
    (module doc) for network size N and trace time constant ``tau`` (s)."""
    params = dict(params)
    if "eta" not in params:
        raise ParameterError(f"the {kind} rule needs a learning rate 'eta'")
    eta = params.pop("eta")
    scaled = {}
    for name, value in params.items():
        if name == "rho":
            scaled["rho"] = value
        elif name in _SCALED:
            scaled[_SCALED[name]] = value / np.sqrt(N)
        else:
            raise ParameterError(f"unknown parameter {name!r} of the {kind} rule; allowed: "
                                 f"eta, rho, {', '.join(_SCALED)}")
    return Plasticity(kind, eta, tau, scaled)


def description(p):
    """The :class:`~balanced_models.core.description.NetworkDescription` of ``p``: E and I EIF
    populations with exponential current synapses (channels e, i, x), external layer X
    (Poisson, or correlated trains for c > 0), Bernoulli projections j / sqrt(N), the plastic
    rules of ``p.plasticity``, and with stimulation the windowed source X2 -> E1 (the first
    n_E1 E cells). Records the spikes of I (and of E without stimulation: with it the
    builder records E1 and E2 separately) and the sampled weights of plastic projections."""
    N_E, N_I, N_X = p.sizes
    neuron = p.neuron("current_exp")
    populations = {pop: Population(n, neuron, v_init=(p.V_r, p.V_T))
                   for pop, n in zip(POPULATIONS, (N_E, N_I))}
    sources = {"X": PoissonSource(N_X, p.r_x) if p.c == 0 else
               CorrelatedSource(N_X, p.r_x, p.c, p.duration, p.jitter)}
    scale = 1 / np.sqrt(p.N)
    projections = {}
    for a, post in enumerate(POPULATIONS):
        for b, pre in enumerate(("E", "I", "X")):
            name = f"{pre}->{post}"
            rule = p.plasticity.get(name)
            projections[name] = Projection(
                Bernoulli(p.p), p.j[a][b] * scale, channel="eix"[b],
                plasticity=None if rule is None else stdp_rule(*rule, p.N, p.tau_stdp))
    n1 = p.n_E1
    if n1 > 0:
        sources["X2"] = WindowedPoissonSource(int(round(p.stim_q_x * p.N)), p.stim_rate,
                                              *p.stim_window)
        projections["X2->E"] = Projection(Bernoulli(p.p), p.stim_j * scale, channel="x",
                                          target_range=(0, n1))
    spikes = {"I": p.record_spikes and min(p.record_spikes, N_I)}
    if n1 == 0:
        spikes["E"] = p.record_spikes and min(p.record_spikes, N_E)
    weights = {name: (p.record_weights, p.weight_dt) for name in p.plasticity
               if p.record_weights > 0}
    return NetworkDescription(populations, projections, sources,
                              record=Recording(spikes=spikes, weights=weights), dt=p.dt)

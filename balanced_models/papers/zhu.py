"""Zhu, Ocker & Rosenbaum: membrane-potential variability vs network size in current- vs
conductance-based balanced EIF networks, with independent or correlated external input.

Parameters are SI floats (s, V, Hz; conductance weights dimensionless). Weights are
j / sqrt(N): current weights j (V, the charge per spike in units of C_m, i.e. the voltage
kick without leak) and conductance weights j^g = j / (E_b - V_ref) (the conductance
integral per spike in units of C_m), so that both models have the same synaptic currents at
V = V_ref.

The authors' EIF writes the spike current as Delta_T exp((V - V_T)/Delta_T) per ms (coefficient
1 with C_m = 1), not g_L Delta_T exp(...). The core EIF uses g_L Delta_T exp((V - V_T')/Delta_T);
the two agree with V_T' = V_T - Delta_T log(tau_m / 1 ms), which the description uses.
"""

from dataclasses import dataclass

import numpy as np

from theory.balanced import mean_field_matrices
from theory.errors import ParameterError, require

from ..core.description import (
    Bernoulli,
    CorrelatedSource,
    NetworkDescription,
    Population,
    Projection,
)
from .ei_parameters import EIXParameters

__all__ = ["ZhuParameters", "VARIANTS", "POPULATIONS", "description",
           "conductance_weights"]

VARIANTS = ("current", "conductance", "surrogate")
POPULATIONS = ("E", "I")
SOURCES = ("E", "I", "X")


@dataclass(frozen=True)
class ZhuParameters(EIXParameters):
    """Network size N, input correlation c and the fixed model parameters (SI); the shared
    fields (membrane, synaptic time constants and reversal potentials) are those of
    :class:`~balanced_models.papers.ei_parameters.EIXParameters`."""

    N: int = 1000
    p: float = 0.2
    q_x: float = 0.3
    j: tuple = ((0.0175, -0.100, 0.100), (0.060, -0.150, 0.075))
    V_ref: float = -0.072
    duration: float = 5.0
    burn_in: float = 0.25

    def __post_init__(self):
        super().__post_init__()
        require("duration - burn_in", self.duration - self.burn_in, low=0.0, low_open=True,
                unit="s")

    def mean_field(self, conductance=False):
        """(W, W_x) of the current weights (V) or of the conductance weights."""
        j = np.abs(conductance_weights(self)) if conductance else np.array(self.j)
        return mean_field_matrices(j[:, :2], j[:, 2], self.p, self.q, self.q_x)


def conductance_weights(p):
    """j^g_ab = j_ab / (E_b - V_ref) (dimensionless; positive for inhibition too), rows post."""
    j = np.array(p.j, dtype=float)
    return j / (np.array(p.E_syn) - p.V_ref)[None, :]


def _check_variant(variant, surrogate):
    if variant not in VARIANTS:
        raise ParameterError(f"variant must be one of {VARIANTS}; got {variant!r}")
    if (variant == "surrogate") != (surrogate is not None):
        raise ParameterError("the surrogate variant needs surrogate={pop: (tau_eff, E_L_eff)},"
                             " and only it")


def _neuron(p, variant, pop, surrogate):
    synapse = "conductance_exp" if variant == "conductance" else "current_exp"
    tau_m, E_L = surrogate[pop] if variant == "surrogate" else (p.tau_m, p.E_L)
    V_T = p.V_T - p.Delta_T * np.log(tau_m / 1e-3)  # coefficient-1 exponential (module doc)
    return p.neuron(synapse, tau_m=tau_m, E_L=E_L, V_T=V_T)


def description(p, variant, surrogate=None):
    """The :class:`~balanced_models.core.description.NetworkDescription` of one variant.

    Populations E and I (initial potentials uniform in [V_r, V_T]); external layer X of
    correlated trains (correlation p.c; the same trains for every variant of one seed);
    Bernoulli projections with probability p.p and weights scaled by 1/sqrt(N): current
    weights j (V), conductance weights |j^g|, or for the surrogate j^g times the driving force
    frozen at the population's mean potential. Spikes of all neurons are recorded.

    surrogate : for variant 'surrogate', {'E': (tau_eff, E_L_eff), 'I': ...} from a conductance
        run: tau_eff = 1 / (g_L + <g_e + g_i + g_x>) (s) and E_L_eff = <V> (V) per population
    """
    _check_variant(variant, surrogate)
    sizes = dict(zip(SOURCES, p.sizes))
    scale = 1 / np.sqrt(p.N)
    jg = conductance_weights(p)
    populations = {pop: Population(sizes[pop], _neuron(p, variant, pop, surrogate),
                                   v_init=(p.V_r, p.V_T)) for pop in POPULATIONS}
    projections = {}
    for a, post in enumerate(POPULATIONS):
        for b, pre in enumerate(SOURCES):
            if variant == "current":
                w = p.j[a][b]
            elif variant == "conductance":
                w = abs(jg[a, b])
            else:  # frozen driving force at the population's mean potential
                w = jg[a, b] * (p.E_syn[b] - surrogate[post][1])
            projections[f"{pre}->{post}"] = Projection(Bernoulli(p.p), w * scale,
                                                       channel="eix"[b])
    sources = {"X": CorrelatedSource(sizes["X"], p.r_x, p.c, p.duration, p.jitter)}
    return NetworkDescription(populations, projections, sources, dt=p.dt)

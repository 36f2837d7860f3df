"""Layer, Helias & Dahmen: sparse E/I networks of LIF neurons with delta synapses, whose
covariances are predicted neuron by neuron from the realised connectivity.

Parameters are SI floats (s, V, Hz). :func:`description` declares the network once;
:func:`realise` draws its connectivity from a seed, and the same
:class:`~balanced_models.core.connectivity.Connectivity` objects feed :func:`build_network` and,
through :func:`dense_matrix`, the theory (theory.heterogeneity).
"""

from dataclasses import dataclass

import numpy as np

from theory.errors import (
    ParameterError,
    require,
    require_nonnegative,
    require_probability,
)

from ..core.description import (
    Bernoulli,
    FixedInDegree,
    NetworkDescription,
    Neuron,
    PoissonDrive,
    Population,
    Projection,
)
from ..core.realisation import dense_matrix as dense_matrix_of
from ..core.realisation import realise as realise_description

__all__ = ["LayerParameters", "description", "realise", "dense_matrix"]


@dataclass(frozen=True)
class LayerParameters:
    """The authors' example network (brief sec. 2.2); voltages relative to rest.

    J_E (V) and g: E weights J_E, I weights -g J_E; weight_sd: SD (V) of the Gaussian jitter
    added to every synapse (E and I alike); p: connection probability (fixed in-degree
    p N_b, or Bernoulli); external: two independent Poisson inputs per neuron with rates
    r_x (Hz) and weights (J_E, -g J_E); mu_dc: constant drive tau_m I/C (V).
    """

    N_E: int = 800
    N_I: int = 200
    p: float = 0.2
    rule: str = "fixed_indegree"
    J_E: float = 0.8e-3
    g: float = 5.0
    weight_sd: float = 0.16e-3
    r_x: tuple = (1017.73, 220.58)
    mu_dc: float = 0.020
    tau_m: float = 0.020
    V_th: float = 0.015
    V_r: float = 0.0
    tau_ref: float = 0.002
    delay: float = 0.001

    def __post_init__(self):
        require_probability("p", self.p)
        require_nonnegative("weight_sd", self.weight_sd, "V")
        require("J_E", self.J_E, low=0.0, low_open=True, unit="V")
        if self.rule not in ("fixed_indegree", "bernoulli"):
            raise ParameterError(f"rule must be 'fixed_indegree' or 'bernoulli'; got {self.rule!r}")

    @property
    def N(self):
        return self.N_E + self.N_I

    @property
    def populations(self):
        return {"E": slice(0, self.N_E), "I": slice(self.N_E, self.N)}

    def external(self):
        """(J_x (N, 2) in V, nu_x (2,) in Hz) for the theory."""
        return (np.tile([self.J_E, -self.g * self.J_E], (self.N, 1)),
                np.array(self.r_x, dtype=float))


def description(p):
    """The :class:`~balanced_models.core.description.NetworkDescription` of ``p``: LIF
    populations E
    and I with delta synapses and a refractory clamp (inputs dropped while refractory, as in
    NEST), constant drive mu_dc, initial potentials uniform in [0, V_th]; every projection
    "E->E", "E->I", "I->E", "I->I" with fixed in-degree p N_source (or Bernoulli p), weights
    J_E (E) and -g J_E (I) with Gaussian jitter of SD weight_sd, delay ``delay``; and per
    neuron two independent Poisson inputs of rates r_x and weights (J_E, -g J_E) as the
    built-in drive (channels e and i; changeable by run_args). Spikes of all neurons."""
    neuron = Neuron(tau_m=p.tau_m, E_L=0.0, V_th=p.V_th, V_r=p.V_r, tau_ref=p.tau_ref)
    populations = {pop: Population(n, neuron, mu_ext=p.mu_dc, v_init=(0.0, p.V_th))
                   for pop, n in (("E", p.N_E), ("I", p.N_I))}
    projections = {}
    for pre, n_pre, J in (("E", p.N_E, p.J_E), ("I", p.N_I, -p.g * p.J_E)):
        rule = (FixedInDegree(int(round(p.p * n_pre))) if p.rule == "fixed_indegree"
                else Bernoulli(p.p))
        projection = Projection(rule, J, weight_cv=p.weight_sd / abs(J), delay=p.delay)
        projections.update({f"{pre}->E": projection, f"{pre}->I": projection})
    drive = (PoissonDrive(1, p.r_x[0], p.J_E, channel="e"),
             PoissonDrive(1, p.r_x[1], -p.g * p.J_E, channel="i"))
    return NetworkDescription(populations, projections, drives={"E": drive, "I": drive})


def realise(p, seed):
    """The connectivity of every projection of :func:`description`, for ``seed``."""
    return realise_description(description(p), seed)


def dense_matrix(p, connectivity):
    """J[post, pre] (V) over all neurons, E first, of a realisation."""
    return dense_matrix_of(description(p), connectivity)

"""Layer, Helias & Dahmen: sparse E/I networks of LIF neurons with delta synapses, whose
covariances are predicted neuron by neuron from the realised connectivity.

Parameters are SI floats (s, V, Hz). :func:`realise` draws the connectivity once; the same
:class:`~balanced_models.connectivity.Connectivity` objects feed :func:`build_network` and,
through :func:`dense_matrix`, the theory (theory.heterogeneity).
"""

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, mV, second

from theory.errors import ParameterError, require, require_nonnegative, require_probability

from .. import connectivity as conn
from ..inputs import set_poisson_drive
from ..network import connect
from ..neurons import lif
from ..recording import spike_monitor

__all__ = ["LayerParameters", "realise", "dense_matrix", "build_network"]


@dataclass(frozen=True)
class LayerParameters:
    """The authors' example network (brief sec. 2.2); voltages relative to rest.

    J_E (V) and g: E weights J_E, I weights -g J_E; weight_sd: SD (V) of the Gaussian jitter
    added to every synapse (E and I alike); p: connection probability (fixed in-degree
    p N_b, or Bernoulli); external: two independent Poisson inputs per neuron with rates
    nu_ext (Hz) and weights (J_E, -g J_E); mu_dc: constant drive tau_m I/C (V).
    """

    N_E: int = 800
    N_I: int = 200
    p: float = 0.2
    rule: str = "fixed_indegree"
    J_E: float = 0.8e-3
    g: float = 5.0
    weight_sd: float = 0.16e-3
    nu_ext: tuple = (1017.73, 220.58)
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
                np.array(self.nu_ext, dtype=float))


def realise(p, rng):
    """The connectivity {'E': E -> all, 'I': I -> all} (post index over all N neurons)."""
    out = {}
    for pre, n_pre, J in (("E", p.N_E, p.J_E), ("I", p.N_I, -p.g * p.J_E)):
        cv = p.weight_sd / abs(J)
        if p.rule == "fixed_indegree":
            out[pre] = conn.fixed_indegree(n_pre, p.N, int(round(p.p * n_pre)), J * 1e3 * mV,
                                           rng=rng, weight_cv=cv, delay=p.delay * second)
        else:
            out[pre] = conn.bernoulli(n_pre, p.N, p.p, J * 1e3 * mV, rng=rng, weight_cv=cv,
                                      delay=p.delay * second)
    return out


def dense_matrix(connections):
    """J[post, pre] (V) over all neurons, E columns first."""
    return np.hstack([connections["E"].to_dense(), connections["I"].to_dense()])


def build_network(sim, p, connections, *, name="neurons"):
    """The LIF network in ``sim`` with the given connectivity; returns (group, spike monitor).

    Delta synapses, refractory clamp (inputs dropped while refractory, as in NEST), and the
    external Poisson input as the model's built-in drive (changeable by run_args).
    """
    model = lif("delta", tau_m=p.tau_m * second, E_L=0 * mV, V_th=p.V_th * 1e3 * mV,
                V_r=p.V_r * 1e3 * mV, refractory=p.tau_ref * second)
    G = sim.add(model.group(p.N, drive=["e", "i"], name=name))
    G.mu_ext = p.mu_dc * 1e3 * mV
    G.v = f"rand()*{p.V_th * 1e3}*mV"
    set_poisson_drive(G, model, "e", K=1, rate=p.nu_ext[0] * Hz, weight=p.J_E * 1e3 * mV)
    set_poisson_drive(G, model, "i", K=1, rate=p.nu_ext[1] * Hz,
                      weight=-p.g * p.J_E * 1e3 * mV)
    sim.add(connect(G[:p.N_E], G, connections["E"], model, "e", name="syn_E"))
    sim.add(connect(G[p.N_E:], G, connections["I"], model, "i", name="syn_I"))
    return G, sim.add(spike_monitor(G, name="spikes"))

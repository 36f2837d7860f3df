"""Sanzeni, Histed & Brunel: strongly coupled conductance-based LIF networks.

Parameters are SI floats (s, V, Hz; efficacies dimensionless), the same numbers the theory
(theory.conductance) takes; :func:`description` declares the network with them.
Efficacy convention: an input of efficacy a makes the jump a (E - V) (linear, the default)
or V -> E + (V - E) e^{-a} (jump='exact'); with exponential conductances (tau_S > 0) the
conductance integral per spike is the same a (g/C_m jumps by a/tau_S), so both variants
agree as tau_S -> 0.
"""

from dataclasses import dataclass, field

import numpy as np

from theory.conductance import (
    SANZENI,
    NeuronParameters,
    effective_parameters,
)
from theory.errors import (
    ParameterError,
    require,
    require_integer,
    require_nonnegative,
    require_positive,
)

from ..core.description import (
    FixedInDegree,
    HeterogeneousInDegree,
    NetworkDescription,
    Neuron,
    PoissonDrive,
    PoissonSource,
    Population,
    Projection,
    Recording,
)

__all__ = ["NetworkParameters", "network_neuron", "description", "unconnected_description",
           "additive_equivalent_description", "SingleNeuronBlock"]


@dataclass(frozen=True)
class NetworkParameters:
    """The E/I network of the paper (sec. 3 of the brief); defaults: the quick check.

    K : excitatory in-degree (also the external one); gamma K inhibitory inputs
    a : efficacy of E and X inputs; g a of I inputs
    N_E, N_I : population sizes; N_X : size of each external pool (X->E and X->I)
    r_x : rate of the external Poisson units (Hz)
    cv_K : CV of the in-degrees across neurons (normal, rounded; 0 = fixed in-degree)
    delay_E, delay_I : E and I delays are uniform on [0, delay_E] and [0, delay_I] (s)
    jump : 'linear' or 'exact' (instantaneous jumps); tau_S > 0 selects exponential
        conductances with decay tau_S (s)
    dt : simulation time step (s)
    """

    K: int = 100
    a: float = 8.8e-3
    g: float = 20.0
    gamma: float = 0.25
    N_E: int = 1000
    N_I: int = 1000
    N_X: int = 1000
    r_x: float = 25.0
    cv_K: float = 0.0
    delay_E: float = 0.010
    delay_I: float = 0.001
    jump: str = "linear"
    tau_S: float = 0.0
    neuron: NeuronParameters = field(default=SANZENI)
    dt: float = 1e-4

    def __post_init__(self):
        require("a", self.a, low=0.0, low_open=True, high=1.0, high_open=True)
        require_nonnegative("g", self.g)
        require("gamma", self.gamma, low=0.0, low_open=True, high=1.0)
        require_nonnegative("r_x", self.r_x, "Hz")
        require_nonnegative("cv_K", self.cv_K)
        require_nonnegative("tau_S", self.tau_S, "s")
        require_nonnegative("delay_E", self.delay_E, "s")
        require_nonnegative("delay_I", self.delay_I, "s")
        require_positive("dt", self.dt, "s")
        require("K", self.K, low=1, high=min(self.N_E, self.N_X),
                unit="(at most the E and external population sizes)")
        require("gamma K", self.gamma * self.K, low=1, high=self.N_I,
                unit="(at most N_I)")


def network_neuron(p):
    """The conductance-based LIF :class:`~balanced_models.core.description.Neuron` (channel e for
    E and X inputs, i for I inputs; exponential conductances when tau_S > 0)."""
    n = p.neuron
    if p.tau_S > 0:
        synapse, channels = "conductance_exp", {"e": {"tau": p.tau_S, "E": n.E_E},
                                                "i": {"tau": p.tau_S, "E": n.E_I}}
    else:
        synapse, channels = "conductance_jump", {"e": {"E": n.E_E}, "i": {"E": n.E_I}}
    return Neuron(synapse=synapse, tau_m=n.tau_m, E_L=n.E_L, V_th=n.V_th, V_r=n.V_r,
                  tau_ref=n.tau_ref, channels=channels, jump=p.jump)


def description(p, *, n_traces=20, trace_dt=0.1e-3):
    """The :class:`~balanced_models.core.description.NetworkDescription` of ``p``.

    Populations E and I; external pools X_E -> E and X_I -> I of N_X Poisson units each
    (rates changeable by run_args); K inputs from E and X and gamma K from I per neuron
    (fixed, or normal with CV cv_K), efficacies a and g a; E and I delays uniform on
    [0, delay_E] and [0, delay_I]. Records all spikes and V of the first ``n_traces`` E
    neurons every ``trace_dt`` seconds.
    """
    cell = network_neuron(p)
    K_I = int(round(p.gamma * p.K))

    def rule(K):
        return HeterogeneousInDegree(K, p.cv_K, "normal") if p.cv_K > 0 else FixedInDegree(K)

    projections = {}
    for post in ("E", "I"):
        projections.update({
            f"E->{post}": Projection(rule(p.K), p.a, delay=(0.0, p.delay_E), channel="e"),
            f"I->{post}": Projection(rule(K_I), p.g * p.a, delay=(0.0, p.delay_I), channel="i"),
            f"X_{post}->{post}": Projection(rule(p.K), p.a, channel="e")})
    return NetworkDescription(
        populations={"E": Population(p.N_E, cell), "I": Population(p.N_I, cell)},
        projections=projections,
        sources={"X_E": PoissonSource(p.N_X, p.r_x), "X_I": PoissonSource(p.N_X, p.r_x)},
        record=Recording(states={"E": (("v",), n_traces, trace_dt)}), dt=p.dt)


def unconnected_description(p, n, r_E, r_I, noise_E="poisson", noise_I="poisson"):
    """``n`` unconnected neurons of the network's model (``p``: efficacies, in-degrees,
    synapses, tau_S and dt), each with its own K excitatory inputs at ``r_E`` and gamma K
    inhibitory ones at ``r_I`` (Hz, independent Poisson): the network's neuron with the
    network's input rates, but without the recurrent loop.

    Parameters
    ----------
    p : NetworkParameters
        The network whose neuron model, in-degrees, efficacies and dt are used.
    n : int
        Number of neurons (>= 1).
    r_E, r_I : float
        Rate of each excitatory and each inhibitory input (Hz, >= 0, finite).
    noise_E, noise_I : {'poisson', 'gaussian'}
        The excitatory and inhibitory input as Poisson shot noise, or as its diffusion
        approximation (same mean, variance and correlation time; see
        :class:`~balanced_models.core.description.PoissonDrive`).

    Returns
    -------
    NetworkDescription
        Population "E" with two Poisson drives (channels e and i) and no projections.

    Examples
    --------
    >>> d = unconnected_description(NetworkParameters(tau_S=1e-4, dt=1e-5), 100, 45.0, 25.0)
    >>> d.populations["E"].size, [x.K for x in d.drives["E"]]
    (100, [100.0, 25.0])
    """
    require_integer("n", n, low=1)
    require_nonnegative("r_E", r_E, "Hz")
    require_nonnegative("r_I", r_I, "Hz")
    for name, value in (("noise_E", noise_E), ("noise_I", noise_I)):
        if value not in ("poisson", "gaussian"):
            raise ParameterError(f"{name} must be 'poisson' or 'gaussian'; got {value!r}")
    return NetworkDescription(
        populations={"E": Population(int(n), network_neuron(p))},
        drives={"E": (PoissonDrive(p.K, r_E, p.a, "e", noise_E),
                      PoissonDrive(p.gamma * p.K, r_I, p.g * p.a, "i", noise_I))},
        dt=p.dt)


def additive_equivalent_description(p, n, r_E, r_I, *, rate=1e6):
    """``n`` LIF neurons with the effective time constant tau, mean mu and noise sigma of the
    ETC approximation (:func:`theory.conductance.effective_parameters`) of the network's
    conductance neuron with inputs at ``r_E`` and ``r_I``, driven by additive Gaussian noise
    filtered with tau_S: tau dV/dt = mu - V + sigma sqrt(tau) eta, eta of correlation time
    tau_S. This is the model the Fourcaud-Brunel shift is derived for, with the numbers the
    ETC theory uses; compared with :func:`unconnected_description` it tells the theory's own
    error from that of treating conductance noise as additive.

    Parameters
    ----------
    p : NetworkParameters
        The network (neuron, in-degrees, efficacies, tau_S > 0 and dt).
    n : int
        Number of neurons (>= 1).
    r_E, r_I : float
        Rate of each excitatory and each inhibitory input of the conductance neuron (Hz,
        >= 0, finite).
    rate : float
        Event rate of each of the two Gaussian drives (Hz, > 0): only the mean and variance
        of the drive enter, so it sets the weight, sigma / sqrt(2 tau rate).

    Returns
    -------
    NetworkDescription
        Population "E" of current_exp LIF neurons (E_L = mu, tau_m = tau) with Gaussian drives
        of weight +w and -w on channels e and i (time constant tau_S): zero mean, noise
        sigma^2 = 2 tau rate w^2.

    Examples
    --------
    >>> d = additive_equivalent_description(NetworkParameters(tau_S=1e-4, dt=1e-5), 10, 45.0, 25.0)
    >>> round(d.populations["E"].neuron.tau_m * 1e3, 2), d.drives["E"][0].noise
    (5.01, 'gaussian')
    """
    require_integer("n", n, low=1)
    require_nonnegative("r_E", r_E, "Hz")
    require_nonnegative("r_I", r_I, "Hz")
    require_positive("rate", rate, "Hz")
    require_positive("tau_S of the network", p.tau_S, "s")
    nrn = p.neuron
    tau, mu, sigma2 = effective_parameters(p.a, p.K, p.g, p.gamma, r_E, r_I, nrn)
    w = float(np.sqrt(sigma2(mu) / (2 * tau * rate)))
    cell = Neuron(synapse="current_exp", tau_m=tau, E_L=mu, V_th=nrn.V_th, V_r=nrn.V_r,
                  tau_ref=nrn.tau_ref, channels={"e": {"tau": p.tau_S}, "i": {"tau": p.tau_S}})
    return NetworkDescription(
        populations={"E": Population(int(n), cell)},
        drives={"E": (PoissonDrive(1, rate, w, "e", "gaussian"),
                      PoissonDrive(1, rate, -w, "i", "gaussian"))},
        dt=p.dt)


@dataclass(frozen=True)
class SingleNeuronBlock:
    """n independent neurons with K excitatory inputs at r_x and gamma K inhibitory inputs at
    eta r_x, efficacies a and g a (the single-neuron protocol)."""

    K: int
    a: float
    n: int = 100
    g: float = 12.0
    gamma: float = 0.25
    eta: float = 1.8
    r_x: float = 25.0

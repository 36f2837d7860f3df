"""Brunel (2000, J. Comput. Neurosci. 8:183): sparsely connected networks of excitatory and
inhibitory LIF neurons with delta synapses, model A (identical E and I neurons).

N_E excitatory and N_I = N_E / 4 inhibitory neurons; each neuron gets C_E = epsilon N_E
excitatory and C_I = epsilon N_I inhibitory inputs of weight J and -g J (V, the PSP jump),
all with delay D, and C_E external Poisson inputs of weight J at rate
nu_ext = eta nu_thr, where nu_thr = V_th / (J C_E tau_m) is the external rate that brings
the mean input to threshold without recurrence. Parameters are SI floats.
"""

from dataclasses import dataclass

from theory.errors import require, require_integer, require_positive

from ..core.description import (FixedInDegree, NetworkDescription, Neuron, PoissonDrive,
                                Population, Projection)

__all__ = ["BrunelParameters", "model_a", "threshold_rate"]


@dataclass(frozen=True)
class BrunelParameters:
    """Model A's fixed parameters (Brunel 2000, section 2), SI units.

    Parameters
    ----------
    N_E : int
        Excitatory neurons (>= 4); N_I = N_E / 4.
    epsilon : float
        Connection probability (0 < epsilon <= 1): in-degrees C_E = epsilon N_E and
        C_I = epsilon N_I.
    J : float
        Excitatory PSP jump (V, > 0).
    delay : float
        Transmission delay D (s, >= 0).
    tau_m, V_th, V_r, tau_ref : float
        Membrane time constant (s), threshold (V), reset (V), refractory period (s).
    dt : float
        Simulation time step (s).
    """

    N_E: int = 10_000
    epsilon: float = 0.1
    J: float = 0.1e-3
    delay: float = 1.5e-3
    tau_m: float = 0.02
    V_th: float = 0.02
    V_r: float = 0.01
    tau_ref: float = 0.002
    dt: float = 1e-4

    def __post_init__(self):
        require_integer("N_E", self.N_E, low=4)
        require("epsilon", self.epsilon, low=0.0, low_open=True, high=1.0)
        require_positive("J", self.J, "V")
        require("delay", self.delay, low=0.0, unit="s")
        require_positive("tau_m", self.tau_m, "s")
        require_positive("dt", self.dt, "s")

    @property
    def C_E(self) -> int:
        """Excitatory (and external) in-degree."""
        return int(round(self.epsilon * self.N_E))

    @property
    def C_I(self) -> int:
        """Inhibitory in-degree."""
        return int(round(self.epsilon * (self.N_E // 4)))


def threshold_rate(p: BrunelParameters) -> float:
    """nu_thr = V_th / (J C_E tau_m) (Hz): the external rate whose mean input alone reaches
    threshold.

    Parameters
    ----------
    p : BrunelParameters
        The model's parameters.

    Returns
    -------
    float
        nu_thr (Hz).
    """
    return p.V_th / (p.J * p.C_E * p.tau_m)


def model_a(g: float, eta: float, p: BrunelParameters = BrunelParameters()) -> NetworkDescription:
    """Brunel's model A at relative inhibition g and external drive eta = nu_ext / nu_thr.

    Parameters
    ----------
    g : float
        Relative strength of inhibition (>= 0): inhibitory weight -g J.
    eta : float
        External rate in units of nu_thr (> 0).
    p : BrunelParameters, optional
        The other parameters (default: Brunel's, N_E = 10,000).

    Returns
    -------
    NetworkDescription
        Populations "E" and "I", projections "E->E", "E->I", "I->E", "I->I" (fixed
        in-degrees), one Poisson drive per population.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.

    Examples
    --------
    >>> d = model_a(5.0, 2.0, BrunelParameters(N_E=2000))
    >>> d.projections["I->E"].weight, d.drives["E"][0].rate
    (-0.0005, 100.0)
    """
    require("g", g, low=0.0)
    require_positive("eta", eta)
    cell = Neuron(tau_m=p.tau_m, V_th=p.V_th, V_r=p.V_r, tau_ref=p.tau_ref)
    exc = Projection(FixedInDegree(p.C_E), weight=p.J, delay=p.delay)
    inh = Projection(FixedInDegree(p.C_I), weight=-g * p.J, delay=p.delay)
    drive = PoissonDrive(K=p.C_E, rate=eta * threshold_rate(p), weight=p.J)
    return NetworkDescription(
        {"E": Population(p.N_E, cell), "I": Population(p.N_E // 4, cell)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives={"E": [drive], "I": [drive]}, dt=p.dt)

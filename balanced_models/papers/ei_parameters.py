"""Parameters shared by balanced E/I networks of EIF neurons with an external layer X and
weights j / sqrt(N) (Akil et al., Zhu et al.).

Paper builders subclass :class:`EIXParameters`, change defaults and add their own fields.
Every field is an SI float (V, s, Hz).
"""

from dataclasses import dataclass

from theory.errors import ParameterError, require_probability

from ..core.description import Neuron

__all__ = ["EIXParameters"]


@dataclass(frozen=True)
class EIXParameters:
    """N neurons in the recurrent network (fractions q = (q_E, q_I)) and q_x N external units.

    c : correlation of the external spike trains (0 <= c <= 1)
    p : connection probability of every projection
    j : unscaled weights (V), rows post (E, I), columns pre (E, I, X); a synapse has
        j / sqrt(N)
    r_x : rate of each external unit (Hz)
    jitter : SD of the spike-time jitter of correlated external trains (s)
    tau_syn : synaptic time constants of E, I and X inputs (s)
    E_syn : reversal potentials of E, I and X inputs (V; conductance synapses only)
    tau_m, E_L, V_T, Delta_T, V_th, V_r : the EIF membrane (s, V); V_th is the cut-off at
        which a spike is counted
    dt : simulation time step (s)
    """

    N: int = 1000
    c: float = 0.0
    p: float = 0.1
    q: tuple = (0.8, 0.2)
    q_x: float = 0.2
    j: tuple = ((0.025, -0.150, 0.180), (0.1125, -0.250, 0.135))
    r_x: float = 10.0
    jitter: float = 0.005
    tau_syn: tuple = (0.008, 0.004, 0.010)
    E_syn: tuple = (0.0, -0.080, 0.0)
    tau_m: float = 0.015
    E_L: float = -0.072
    V_T: float = -0.055
    Delta_T: float = 0.001
    V_th: float = -0.050
    V_r: float = -0.075
    dt: float = 1e-4

    def __post_init__(self):
        if int(self.N) != self.N or self.N < 10:
            raise ParameterError(f"N must be an integer >= 10; got {self.N}")
        require_probability("c", self.c)
        require_probability("p", self.p)

    @property
    def sizes(self):
        """(N_E, N_I, N_X)."""
        return (int(round(self.q[0] * self.N)), int(round(self.q[1] * self.N)),
                int(round(self.q_x * self.N)))

    def neuron(self, synapse="current_exp", *, tau_m=None, E_L=None, V_T=None):
        """The EIF :class:`~balanced_models.core.description.Neuron` with input channels e, i, x
        (time constants tau_syn; reversal potentials E_syn for conductance synapses);
        tau_m, E_L and V_T default to the fields."""
        keys = ("tau", "E") if synapse == "conductance_exp" else ("tau",)
        channels = {c: dict(zip(("tau", "E"), (t, E)))
                    for c, t, E in zip("eix", self.tau_syn, self.E_syn)}
        return Neuron(spike="eif", synapse=synapse,
                      tau_m=self.tau_m if tau_m is None else tau_m,
                      E_L=self.E_L if E_L is None else E_L, V_th=self.V_th, V_r=self.V_r,
                      V_T=self.V_T if V_T is None else V_T, Delta_T=self.Delta_T,
                      channels={c: {k: spec[k] for k in keys} for c, spec in channels.items()})

"""Parameters shared by balanced E/I networks with an external layer X and weights j / sqrt(N).

Paper builders subclass :class:`EIXParameters`, change defaults and add their own fields.
"""

from dataclasses import dataclass

from theory.errors import ParameterError, require_probability

__all__ = ["EIXParameters"]


@dataclass(frozen=True)
class EIXParameters:
    """N neurons in the recurrent network (fractions q = (q_E, q_I)) and q_x N external units.

    c : correlation of the external spike trains (0 <= c <= 1)
    p : connection probability of every projection
    j : unscaled weights (mV), rows post (E, I), columns pre (E, I, X); a synapse has
        j / sqrt(N)
    r_x : rate of each external unit (Hz)
    jitter : SD of the spike-time jitter of correlated external trains (s)
    tau_syn : synaptic time constants of E, I and X inputs (s)
    dt : simulation time step (s)
    """

    N: int = 1000
    c: float = 0.0
    p: float = 0.1
    q: tuple = (0.8, 0.2)
    q_x: float = 0.2
    j: tuple = ((25.0, -150.0, 180.0), (112.5, -250.0, 135.0))
    r_x: float = 10.0
    jitter: float = 0.005
    tau_syn: tuple = (0.008, 0.004, 0.010)
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

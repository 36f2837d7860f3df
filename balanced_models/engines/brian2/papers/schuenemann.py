"""The Brian2 formulation of the threshold-unit networks of Schuenemann, Ernst & Kesseboehmer
(2022) (the model: :mod:`balanced_models.papers.schuenemann`): one clock step per avalanche
generation, zero-delay synapses, and a drive that is applied only when the network has been
quiet for a full step, so avalanches never overlap. Compiles to C++ standalone.
"""

import numpy as np
from brian2 import NeuronGroup, SpikeMonitor, Synapses, linked_var, ms, second

from theory.avalanches import check_weights
from theory.errors import ParameterError

from ....core.connectivity import Connectivity
from ....papers.schuenemann import (
    Avalanches,
    _drive_law,
    _drive_probabilities,
    avalanches_from_spikes,
)
from ..simulation import Simulation

__all__ = ["build_brian2_network", "brian2_avalanches"]


def build_brian2_network(sim, W, *, p=None, delta=(0.0, 0.1)):
    """Create the threshold-unit network in ``sim`` (a :class:`Simulation`); returns the
    units' NeuronGroup and a SpikeMonitor of it.

    One clock step is one avalanche generation (dt is bookkeeping, not physical time). Each
    step, if no unit fired in the previous step, one unit drawn from p receives a drive
    increment at the start of the step; units with v >= 1 fire, deliver W through zero-delay
    synapses and are reset by subtraction. The recurrent weights are a Connectivity built
    from W, so autapses are exactly the non-zero diagonal of W.
    """
    low, high = _drive_law(delta)
    W = check_weights(W, high)
    N = len(W)
    p = _drive_probabilities(p, N)
    upper = np.cumsum(p)
    G = sim.add(NeuronGroup(
        N, """v : 1
              p_low : 1 (constant)
              p_high : 1 (constant)
              delta_low : 1 (shared, constant)
              delta_high : 1 (shared, constant)
              draw : 1 (shared)
              last_spike_any : second (linked)""",
        threshold="v >= 1", reset="v -= 1", name="units"))
    G.p_low, G.p_high = upper - p, upper
    G.p_high[N - 1] = 1.0 + 1e-12  # a draw in [0, 1) always selects a unit
    G.delta_low, G.delta_high = low, high
    G.v = "rand()"
    # a one-unit group remembers when any unit last fired
    quiet = sim.add(NeuronGroup(1, "last_spike : second", name="activity"))
    quiet.last_spike = -1 * second
    G.last_spike_any = linked_var(quiet, "last_spike", index=np.zeros(N, dtype=int))
    sim.add(Synapses(G, quiet, on_pre="last_spike_post = t", name="activity_tracker")).connect()
    conn = Connectivity.from_dense(W)
    S = sim.add(Synapses(G, G, "w : 1", on_pre="v_post += w", name="pulses"))
    S.connect(i=conn.pre, j=conn.post)
    S.w = conn.weight
    G.run_regularly(
        """draw = rand()
           v += int(t - last_spike_any > 1.5*dt)*int(draw >= p_low)*int(draw < p_high)*(delta_low + (delta_high - delta_low)*(1 - rand()))""",
        when="start", name="drive")
    return G, sim.add(SpikeMonitor(G, name="unit_spikes"))


def brian2_avalanches(W, n_steps, *, seed, p=None, delta=(0.0, 0.1), burn_in_steps=None,
                      device="cpp_standalone", directory=None):
    """Run the Brian2 formulation for ``n_steps`` generations and return :class:`Avalanches`.

    burn_in_steps : steps discarded at the start (default 50 N / E[delta] drive events'
        worth, by which every unit has fired many times)
    """
    low, high = _drive_law(delta)
    W = np.asarray(W, dtype=float)
    N = len(W)
    if burn_in_steps is None:
        burn_in_steps = int(50 * N / (0.5 * (low + high)))
    if n_steps <= burn_in_steps:
        raise ParameterError(f"n_steps must exceed burn_in_steps ({burn_in_steps})")
    sim = Simulation(device, seed=seed, dt=1 * ms, directory=directory)
    G, spikes = build_brian2_network(sim, W, p=p, delta=delta)
    sim.run(n_steps * ms)
    steps = np.rint(np.asarray(spikes.t_[:]) / 1e-3).astype(np.int64)
    start, assembly = avalanches_from_spikes(np.asarray(spikes.i[:]), steps, N, burn_in_steps)
    # a drive event happens in every step after burn-in that follows a step without spikes
    after_spike = np.unique(steps + 1)
    n_drive = (n_steps - burn_in_steps) - np.count_nonzero(
        (after_spike >= burn_in_steps) & (after_spike < n_steps))
    return Avalanches(start, assembly, int(n_drive))

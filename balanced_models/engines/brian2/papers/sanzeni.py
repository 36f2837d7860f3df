"""The Brian2 builders of Sanzeni, Histed & Brunel (:mod:`balanced_models.papers.sanzeni`): the
paper"s description built with the Brian2 engine, plus the recordings the reproduction needs
beyond the description"s.
"""

from brian2 import Hz, second

from theory.conductance import SANZENI, effective_time_constant
from theory.errors import require_positive

from ....papers.sanzeni import (
    NetworkParameters,
    description,
    network_neuron,
)
from ..engine import build, neuron_model
from ..inputs import set_poisson_drive
from ..recording import moment_recorder, spike_monitor

__all__ = ["build_network", "build_single_neurons"]


def build_network(sim, p, seed, *, record_from=0.5, n_traces=20, trace_dt=0.1e-3):
    """Create the network of :func:`description` in ``sim`` with the realisation of ``seed``;
    returns its :class:`~balanced_models.engines.brian2.engine.NetworkHandles`, with per-neuron
    moments
    of V after ``record_from`` seconds in ``monitors["moments_E"]`` and ``["moments_I"]``."""
    h = build(description(p, n_traces=n_traces, trace_dt=trace_dt), seed=seed,
              simulation=sim)
    for pop in ("E", "I"):
        h.monitors[f"moments_{pop}"] = sim.add(moment_recorder(
            h.populations[pop], ["v"], start=record_from * second, name=f"moments_{pop}"))
    return h


def build_single_neurons(sim, blocks, *, dt_fraction=0.01, record_from=0.2, jump="linear",
                         neuron=SANZENI):
    """One group per block, each with its own time step dt_fraction * tau_eff (the escape
    rate is very sensitive to dt), driven by the built-in independent Poisson drive.
    Returns a list of (group, spike monitor, moment recorder)."""
    require_positive("dt_fraction", dt_fraction)
    model = neuron_model(network_neuron(NetworkParameters(neuron=neuron, jump=jump)))
    out = []
    for b, blk in enumerate(blocks):
        tau = effective_time_constant(blk.a, blk.K, blk.g, blk.gamma, blk.r_x,
                                      blk.eta * blk.r_x, neuron)
        G = sim.add(model.group(blk.n, drive=["e", "i"], name=f"block{b}",
                                dt=dt_fraction * tau * second))
        set_poisson_drive(G, model, "e", K=blk.K, rate=blk.r_x * Hz, weight=blk.a)
        set_poisson_drive(G, model, "i", K=blk.gamma * blk.K, rate=blk.eta * blk.r_x * Hz,
                          weight=blk.g * blk.a)
        out.append((G, sim.add(spike_monitor(G)),
                    sim.add(moment_recorder(G, ["v"], start=record_from * second))))
    return out

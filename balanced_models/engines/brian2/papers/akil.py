"""The Brian2 builders of Akil, Rosenbaum & Josic (:mod:`balanced_models.papers.akil`): the
paper"s description built with the Brian2 engine, plus the recordings the reproduction needs
beyond the description"s.
"""

from ....papers.akil import description
from ..engine import build
from ..recording import spike_monitor

__all__ = ["build_network"]


def build_network(sim, p, seed):
    """Create the network of :func:`description` in ``sim`` with the realisation of ``seed``.

    Returns the :class:`~balanced_models.engines.brian2.engine.NetworkHandles`: populations "E",
    "I",
    sources "X" (and "X2"), projections "E->E", "I->E", ... (source->target), weight
    monitors and samples of plastic projections, and spike monitors "I" and "E" (with
    stimulation "E1" and "E2", the stimulated cells and as many unstimulated ones, instead of
    "E"). All objects have fixed names, so a rebuild with new data regenerates identical code.
    """
    h = build(description(p), seed=seed, simulation=sim)
    n1 = p.n_E1
    if n1 > 0:
        E, N_E, n_rec = h.populations["E"], p.sizes[0], p.record_spikes
        m1 = n1 if n_rec is None else min(n_rec, n1)
        m2 = N_E - n1 if n_rec is None else min(n_rec, N_E - n1)
        h.spikes["E1"] = sim.add(spike_monitor(E[:m1], name="spikes_E1"))
        h.spikes["E2"] = sim.add(spike_monitor(E[n1:n1 + m2], name="spikes_E2"))
    return h

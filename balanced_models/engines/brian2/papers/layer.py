"""The Brian2 builders of Layer, Helias & Dahmen (:mod:`balanced_models.papers.layer`): the
paper"s description built with the Brian2 engine, plus the recordings the reproduction needs
beyond the description"s.
"""

from ....papers.layer import description
from ..engine import build

__all__ = ["build_network"]


def build_network(sim, p, connectivity):
    """The network of :func:`description` in ``sim`` with the given realisation; returns its
    :class:`~balanced_models.engines.brian2.engine.NetworkHandles`."""
    return build(description(p), seed=0 if sim.seed is None else sim.seed,
                 connectivity=connectivity, simulation=sim)

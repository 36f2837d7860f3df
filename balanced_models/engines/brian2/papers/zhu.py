"""The Brian2 builders of Zhu, Ocker & Rosenbaum (:mod:`balanced_models.papers.zhu`): the
paper"s description built with the Brian2 engine, plus the recordings the reproduction needs
beyond the description"s.
"""

from brian2 import ms, second, volt

from ....papers.zhu import POPULATIONS, description
from ..engine import build, load_realisation
from ..recording import moment_recorder

__all__ = ["build_network", "load_point"]


def build_network(sim, p, variant, seed, surrogate=None):
    """Create one network of the given variant in ``sim``; returns its
    :class:`~balanced_models.engines.brian2.engine.NetworkHandles`.

    Besides the spikes of all neurons it records, per neuron, the moments of 1-ms-binned V
    sampled before the reset and clipped at V_th (so a spike counts as V_th and the reset as
    V_r), and for the conductance model of g_tot = g_e + g_i + g_x with its covariance with
    V: ``handles.monitors["moments_E"]``, ... All objects have fixed names. In standalone
    mode the spikes and the connectivity are read from files at run time, so
    :func:`load_point` gives the compiled binary another trial without recompiling.
    """
    h = build(description(p, variant, surrogate), seed=seed, simulation=sim)
    for pop in POPULATIONS:
        variables, products = {"v": "v"}, ()
        if variant == "conductance":
            variables["g_tot"] = "g_e + g_i + g_x"
            products = (("v", "g_tot"),)
        h.monitors[f"moments_{pop}"] = sim.add(moment_recorder(
            h.populations[pop], variables, bin_width=1 * ms, start=p.burn_in * second,
            when="before_resets", clip={"v": (-10 * volt, p.V_th * volt)},
            products=products, name=f"moments_{pop}"))
    return h


def load_point(h, p, variant, seed, surrogate=None):
    """Give a compiled standalone network (the handles of :func:`build_network`) another
    point: the external trains and connectivity of ``seed`` and, for the surrogate, the
    effective membrane parameters and weights. Nothing is recompiled.

    Returns the run_args for the next
    :meth:`~balanced_models.engines.brian2.simulation.Simulation.execute`.
    """
    return load_realisation(h, seed, description=description(p, variant, surrogate))

"""Fixed points of plasticity rules with a rate target, from a description.

A homeostatic or Vogels-Sprekeler rule on a projection b->a moves the weights onto each
neuron of a until that neuron fires at the target rate rho (at uncorrelated input the
covariance term of the rule is of order 1/N and left out). :func:`plasticity_fixed_points`
gives the mean weight at which that happens in three approximations, side by side:

* ``large_k_weight``: the balanced state of the large-K limit gives population a the rate
  rho (the papers' theory, e.g. Akil et al.'s -119.7 mV);
* ``uniform_weight``: the finite-N diffusion theory (:func:`~balanced_models.core.predictions.
  diffusion_prediction`'s rate functions) gives a neuron with the mean in-degrees the rate
  rho, with population a pinned at rho and the other populations self-consistent;
* ``finite_n_weight``: every neuron of a fires at rho. A neuron's in-degrees vary (Bernoulli
  or heterogeneous rules), so its weight w(k) does too; the mean over synapses,
  E[k_b w(k)] / E[k_b], is taken by Gauss-Hermite quadrature over the in-degrees (a normal
  approximation of their distribution). This is what a simulation's mean weight measures.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from theory.errors import ParameterError, require_integer
from theory.lif import effective_synaptic_time_constant, siegert_rate

from .description import CURRENT_SYNAPSES, NetworkDescription, split_projection_name
from .predictions import (TheoryNotApplicable, _filtered_rate, _fixed_point, _indegree_variance,
                          _refuse_custom_neurons, _source_rate, balanced_prediction)

__all__ = ["plasticity_fixed_points"]

#: rules whose fixed point pins the postsynaptic rate at parameters["rho"]
RATE_TARGET_RULES = ("homeostatic", "vogels_sprekeler")


def _inputs(d, target):
    """The inputs of population ``target``: (name, source population or None, rate of an
    external input or None, mean in-degree, in-degree variance, weight, E[w^2]/w^2, tau)."""
    neuron = d.populations[target].neuron
    out = []
    for name, proj in d.projections.items():
        source, post = split_projection_name(name)
        if post != target:
            continue
        if proj.target_range is not None:
            raise TheoryNotApplicable(f"projections[{name!r}] reaches part of {target!r}")
        rate = None if source in d.populations else _source_rate(d, source)
        tau = neuron.channels.get(d.channel(name), {}).get("tau", 0.0)
        out.append((name, source if rate is None else None, rate, d.mean_indegree(name),
                    _indegree_variance(d, name), proj.weight, proj.second_moment_factor(),
                    tau))
    for k, x in enumerate(d.drives.get(target, ())):
        tau = neuron.channels.get(neuron.check_channel(x.channel, "drives"), {}).get("tau", 0.0)
        out.append((f"drive {k}", None, x.rate, x.K, 0.0, x.weight, 1.0, tau))
    return out


def _rate(d, target, inputs, nu, K=None, weights=None):
    """The diffusion rate (Hz) of a neuron of ``target`` with in-degrees K and weights
    (default: the means and the description's), the populations firing at ``nu``."""
    p = d.populations[target]
    n = p.neuron
    K = [c[3] for c in inputs] if K is None else K
    weights = [c[5] for c in inputs] if weights is None else weights
    rates = np.array([nu[c[1]] if c[1] is not None else c[2] for c in inputs])
    K, w = np.maximum(np.asarray(K, float), 0.0), np.asarray(weights, float)
    second = np.array([c[6] for c in inputs]) * w * w
    taus = np.array([c[7] for c in inputs])
    mu = n.E_L + p.mu_ext + n.tau_m * np.sum(K * w * rates)
    parts = n.tau_m * K * second * rates
    sigma = np.sqrt(parts.sum())
    if n.spike == "lif":
        tau_s = (effective_synaptic_time_constant(parts, taus) if sigma > 0 and taus.any()
                 else 0.0)
        return float(siegert_rate(mu, sigma, n.tau_m, n.V_th, n.V_r, n.tau_ref, tau_s))
    # EIF: each input as its own channel of the population's filtered-input rate
    return _filtered_rate(d, target, K * w * rates, K * second * rates, taus,
                          np.zeros_like(taus))[0]


def _check_models(d):
    _refuse_custom_neurons(d, "the finite-N fixed point")
    for pop, p in d.populations.items():
        if p.neuron.adapting:
            raise TheoryNotApplicable(f"the finite-N fixed point has no adaptation current; "
                                      f"population {pop!r} adapts (tau_w set)")
        if p.neuron.synapse not in CURRENT_SYNAPSES:
            raise TheoryNotApplicable(f"the finite-N fixed point needs current synapses; "
                                      f"population {pop!r} has {p.neuron.synapse}")


def _pinned_rates(d, target, rho):
    """{population: rate}: ``target`` at rho, the others self-consistent."""
    names = [p for p in d.populations if p != target]
    inputs = {p: _inputs(d, p) for p in names}

    def rates(nu):
        full = {**dict(zip(names, np.maximum(nu, 0.0))), target: rho}
        return np.array([_rate(d, p, inputs[p], full) for p in names])

    nu = _fixed_point(rates, np.full(len(names), max(rho, 1.0))) if names else []
    return {**dict(zip(names, nu)), target: rho}


def _weight_root(f, w0, step=1.25):
    """The root of f(w) with the sign of w0 within a factor 8 of it, nearest w0: brackets
    grow by a factor ``step`` up and down from w0 in turn; NaN if there is none."""
    f0 = f(w0)
    sides = {factor: (w0, f0) for factor in (step, 1.0 / step)}
    for _ in range(int(np.ceil(np.log(8.0) / np.log(step)))):
        for factor, (a, fa) in sides.items():
            b = a * factor
            fb = f(b)
            if np.sign(fb) != np.sign(fa):
                x = brentq(f, min(a, b), max(a, b), xtol=1e-7 * abs(w0), rtol=1e-7)
                if abs(f(x)) <= 1e-3 * (1.0 + abs(f0)):  # a root, not a jump or a pole
                    return x
            sides[factor] = (b, fb)
    return np.nan


def _fixed_point_of(d, name, rho, nodes):
    """(large_k_weight, uniform_weight, finite_n_weight) of projection ``name``."""
    target = split_projection_name(name)[1]
    proj = d.projections[name]

    def with_weight(w):
        return replace(d, projections={**d.projections,
                                       name: replace(proj, weight=w, plasticity=None)})

    def balanced_gap(w):
        r = balanced_prediction(with_weight(w))["balanced_rate"][target]
        return r - rho if np.isfinite(r) else np.nan

    try:
        # fine steps: the balanced rate diverges where W turns singular, and NaN (no balanced
        # state) must not hide the sign change next to it
        large_k = _weight_root(lambda w: np.nan_to_num(balanced_gap(w), nan=-rho), proj.weight,
                               step=1.01)
    except TheoryNotApplicable:
        large_k = np.nan
    _check_models(d)
    nu = _pinned_rates(d, target, rho)
    inputs = _inputs(d, target)
    plastic = [c[0] for c in inputs].index(name)
    weights = [c[5] for c in inputs]

    def weight_for(K, start, step):
        def gap(w):
            return _rate(d, target, inputs, nu, K, weights[:plastic] + [w]
                         + weights[plastic + 1:]) - rho
        return _weight_root(gap, start, step)

    K_mean = np.array([c[3] for c in inputs])
    uniform = weight_for(K_mean, proj.weight, 1.25)
    if not np.isfinite(uniform):
        return large_k, np.nan, np.nan
    # Gauss-Hermite over the in-degrees that vary (normal approximation)
    varying = [k for k, c in enumerate(inputs) if c[4] > 0]
    x, h = np.polynomial.hermite_e.hermegauss(nodes)
    h = h / h.sum()
    total, norm = 0.0, 0.0
    for index in np.ndindex(*(nodes,) * len(varying)):
        K = K_mean.copy()
        for k, i in zip(varying, index):
            K[k] += x[i] * np.sqrt(inputs[k][4])
        weight = np.prod([h[i] for i in index])
        # each neuron's weight lies near the uniform one: search from there in small steps
        total += weight * K[plastic] * weight_for(K, uniform, 1.05)
        norm += weight * K[plastic]
    return large_k, uniform, total / norm


def plasticity_fixed_points(description: NetworkDescription, *,
                            nodes: int = 2) -> pd.DataFrame:
    """Fixed points of the description's plasticity rules that have a rate target.

    Parameters
    ----------
    description : NetworkDescription
        The network; its projections with a homeostatic or Vogels-Sprekeler rule get a row.
        The finite-N values need current-based LIF or EIF populations.
    nodes : int, optional
        Gauss-Hermite nodes per varying in-degree (1 to 7). Default 2: exact to second
        order in the in-degrees' spread (3 nodes move crosssim's value by 0.1 mV).

    Returns
    -------
    pandas.DataFrame
        Indexed by projection: ``rule``, ``rho`` (Hz), ``weight`` (the description's),
        ``large_k_weight``, ``uniform_weight``, ``finite_n_weight`` (in the weight's unit,
        module documentation) and ``reason`` (why a value is NaN; empty where all exist).
        Projections whose rule has no rate target get a row of NaN and that reason.

    Raises
    ------
    ParameterError
        If the description is not a NetworkDescription or ``nodes`` is out of range.

    Examples
    --------
    >>> plasticity_fixed_points(net)                     # doctest: +SKIP
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    nodes = require_integer("nodes", nodes, low=1, high=7)
    rows = {}
    for name, proj in description.projections.items():
        rule = proj.plasticity
        if rule is None:
            continue
        row = dict(rule=rule.kind, rho=rule.parameters.get("rho", np.nan), weight=proj.weight,
                   large_k_weight=np.nan, uniform_weight=np.nan, finite_n_weight=np.nan,
                   reason="")
        if rule.kind not in RATE_TARGET_RULES:
            row["reason"] = f"a {rule.kind} rule has no rate target"
        else:
            try:
                values = _fixed_point_of(description, name, row["rho"], nodes)
                row.update(zip(("large_k_weight", "uniform_weight", "finite_n_weight"),
                               values))
                missing = [k for k, v in zip(("large_k_weight", "uniform_weight",
                                              "finite_n_weight"), values) if np.isnan(v)]
                if missing:
                    row["reason"] = (f"{', '.join(missing)}: no weight with the sign of the "
                                     f"projection's gives rho = {row['rho']:g} Hz")
            except TheoryNotApplicable as error:
                row["reason"] = str(error)
        rows[name] = row
    columns = ["rule", "rho", "weight", "large_k_weight", "uniform_weight", "finite_n_weight",
               "reason"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis(
        "projection")

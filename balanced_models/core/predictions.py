"""The theory of a :class:`~balanced_models.core.description.NetworkDescription`: the one adapter
between descriptions and the :mod:`theory` package (which never sees a description or
brian2). Every function returns pandas tables.

Population level (from the description alone):

* :func:`diffusion_prediction`: the self-consistent diffusion (Siegert) rates and ISI CVs
  of LIF populations with delta or exponential current synapses (theory.heterogeneity's
  working point with population-level moments: the mean input K J nu and variance
  K E[J^2] nu per projection; exponential synapses through the Fourcaud-Brunel threshold
  shift, with an effective time constant where a population's channels have several:
  theory.lif.effective_synaptic_time_constant, at the self-consistent rates);
  LIF populations with linear conductance jumps get the effective-time-constant (ETC)
  working point of theory.conductance (Sanzeni et al.), self-consistent over populations;
  EIF populations with exponential current synapses, and LIF or EIF populations with
  exponential conductances, get the rate of the (V, synaptic current) Fokker-Planck
  equation (theory.integrate_and_fire.if_rate_colored_noise), with the ETC moments and
  multiplicative noise for conductances;
* :func:`balanced_prediction`: the balanced state of the large-K limit, r = -W^-1 I with
  W_ab = K_ab J_ab (theory.balanced); for conductance synapses at given mean potentials,
  W_ab(V) = K_ab w_ab (E_ab - V_a);
* :func:`population_prediction`: both side by side.

Neuron level (on a realisation, :func:`~balanced_models.core.realisation.realise`):

* :func:`neuron_prediction`: the neuron-resolved working point (rate, mu, sigma, CV) on the
  realised matrix;
* :func:`covariance_prediction`: the zero-frequency covariances C = B D B^T of the linear
  response around that working point (theory.heterogeneity).

Inputs: a Poisson drive adds K inputs of ``rate``; a source population adds its rate (the
rate while on, for windowed sources; correlations of a correlated source are not part of
these predictions).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import root

from theory.adaptation import mean_adaptation_current
from theory.balanced import conductance_balanced_rates, linear_balanced_solution
from theory.errors import ParameterError
from theory.heterogeneity import resolved_theory, working_point
from theory.conductance import etc_moments, etc_working_point
from theory.integrate_and_fire import (eif_drift, if_rate_colored_noise,
                                       variance_matched_time_constant)
from theory.lif import effective_synaptic_time_constant, isi_cv
from theory.spectra import count_covariance_from_spectrum

from .description import (CURRENT_SYNAPSES, Bernoulli, CustomNeuron, FixedInDegree,
                          HeterogeneousInDegree, NetworkDescription, SpikeTrainSource,
                          split_projection_name)
from .realisation import dense_matrix, neuron_index

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["diffusion_prediction", "balanced_prediction", "population_prediction",
           "neuron_prediction", "covariance_prediction", "TheoryNotApplicable"]


class TheoryNotApplicable(ParameterError):
    """A valid description that a theory does not cover (a model, a connection rule or an
    input it has no formula for). :func:`population_prediction` turns it into the reason
    it gives for a missing value; the other functions raise it."""


def _check(description):
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    return description


def _refuse_custom_neurons(d, where):
    """TheoryNotApplicable for a population of a user's own equations (CustomNeuron)."""
    for pop, p in d.populations.items():
        if isinstance(p.neuron, CustomNeuron):
            raise TheoryNotApplicable(
                f"{where}: population {pop!r} is a CustomNeuron (the user's own Brian2 "
                "equations), which no theory here covers; the theory takes the LIF and EIF "
                "neurons of bm.Neuron, and the Brian2 engine simulates the CustomNeuron")


def _population_inputs(d, channels=None):
    """Population-level inputs: (names, W mean, W second moment, external columns (n, m)
    of mean and second moment, their rates (m,), and per column the target channel and the
    target index). With a dict ``channels``, it is filled with {(target, source): channel}
    of the recurrent projections."""
    _refuse_custom_neurons(d, "the population-level theory")
    names = list(d.populations)
    index = {p: a for a, p in enumerate(names)}
    n = len(names)
    W, W2 = np.zeros((n, n)), np.zeros((n, n))
    columns = []  # (target index, K J, K E[J^2], rate, channel)
    for name, proj in d.projections.items():
        source, target = split_projection_name(name)
        if proj.target_range is not None:
            raise TheoryNotApplicable(f"projections[{name!r}] reaches part of {target!r} "
                                 "(target_range): population-level theory needs homogeneous "
                                 "populations; use neuron_prediction, or split the population")
        K = d.mean_indegree(name)
        if not np.isfinite(K):
            raise TheoryNotApplicable(f"projections[{name!r}] has explicit connections: use "
                                 "neuron_prediction on the realisation")
        mean, second = K * proj.weight, K * proj.weight**2 * proj.second_moment_factor()
        a = index[target]
        if source in index:
            W[a, index[source]] += mean
            W2[a, index[source]] += second
            if channels is not None:
                channels[a, index[source]] = d.channel(name)
        else:
            columns.append((a, mean, second, _source_rate(d, source), d.channel(name)))
    for pop, drives in d.drives.items():
        neuron = d.populations[pop].neuron
        for x in drives:
            columns.append((index[pop], x.K * x.weight, x.K * x.weight**2, x.rate,
                            neuron.check_channel(x.channel, f"drives[{pop!r}]")))
    m = len(columns)
    W_x, W_x2 = np.zeros((n, m)), np.zeros((n, m))
    for k, (a, mean, second, _, _) in enumerate(columns):
        W_x[a, k], W_x2[a, k] = mean, second
    rates = np.array([c[3] for c in columns], dtype=float)
    return names, W, W2, W_x, W_x2, rates, [c[4] for c in columns], [c[0] for c in columns]


def _lif_parameters(d, names, where, several_taus=False, adaptation=False):
    """Per population (tau_m, V_th, V_r, tau_ref, tau_s, mu_dc) for the LIF diffusion theory.
    With ``several_taus``, a population whose channels have different time constants gets
    tau_s = NaN (the caller computes its effective time constant) instead of an error.
    Adapting populations are refused unless ``adaptation`` (the caller takes care of it)."""
    _refuse_custom_neurons(d, where)
    rows = []
    for pop in names:
        p = d.populations[pop]
        neuron = p.neuron
        if neuron.adapting and not adaptation:
            raise TheoryNotApplicable(f"{where} has no adaptation current; population {pop!r} "
                                      "adapts (tau_w set): use diffusion_prediction, whose "
                                      "working point takes adaptation adiabatically")
        if neuron.spike != "lif" or neuron.synapse not in CURRENT_SYNAPSES:
            raise TheoryNotApplicable(f"{where} needs LIF neurons with delta or current_exp "
                                 f"synapses; population {pop!r} has {neuron.spike} neurons "
                                 f"with {neuron.synapse} synapses")
        taus = {spec["tau"] for spec in neuron.channels.values()}
        if len(taus) > 1 and several_taus:
            taus = {np.nan}
        elif len(taus) > 1:
            raise TheoryNotApplicable(f"{where}: population {pop!r} has synaptic time constants "
                                 f"{sorted(taus)}; the diffusion theory here needs one")
        tau_s = taus.pop() if taus else 0.0
        rows.append((neuron.tau_m, neuron.V_th, neuron.V_r, neuron.tau_ref, tau_s,
                     neuron.E_L + p.mu_ext))
    return [np.array(col) for col in zip(*rows)]


def diffusion_prediction(description: NetworkDescription, *, damping: float = 0.2,
                         in_degree_spread: bool = False) -> pd.DataFrame:
    """Self-consistent diffusion rates and ISI CVs per population.

    Parameters
    ----------
    description : NetworkDescription
        All populations of one model:

        - LIF with delta or exponential current synapses: the Siegert rate with the
          Fourcaud-Brunel shift (channels with several time constants get an effective one,
          see the module documentation);
        - LIF with linear conductance jumps: the effective-time-constant theory
          (:func:`theory.conductance.etc_working_point`);
        - EIF with exponential current synapses, LIF or EIF with exponential conductances:
          the (V, current) Fokker-Planck rate of
          :func:`theory.integrate_and_fire.if_rate_colored_noise` at a variance-matched
          synaptic time constant; for conductances the moments of the effective-time-
          constant approximation with multiplicative noise, whose strength follows the
          driving forces E_c - V (no CV: NaN, with the reason in
          ``attrs["diffusion_reason"]``).

        Populations with adaptation (``tau_w`` set) get it in the adiabatic approximation
        (:mod:`theory.adaptation`): the mean adaptation current lowers their mean input, self-
        consistently with the rates; ``attrs["mean_adaptation_current"]`` holds it per
        population (V/s).
    damping : float, optional
        Step of the damped fixed-point iteration (0 < damping <= 1): the solver of the
        conductance and filtered working points, and the fallback of Newton's method for
        LIF populations. Default 0.2.
    in_degree_spread : bool, optional
        For the Fokker-Planck populations: average each population's rate over its neurons'
        in-degrees (Bernoulli or heterogeneous rules; Gauss-Hermite quadrature, normal
        approximation, 2 nodes per input whose in-degree varies), instead of taking the rate
        at the mean in-degree. Slower: 2^k rate evaluations for k such inputs. Default
        False.

    Returns
    -------
    pandas.DataFrame
        Indexed by population: ``diffusion_rate`` (Hz), ``diffusion_cv``, ``mu`` and
        ``sigma`` (V), the mean and noise amplitude of the free membrane potential.

    Raises
    ------
    ParameterError
        If a value is invalid; TheoryNotApplicable if the model is not covered.
    """
    d = _check(description)
    if not isinstance(in_degree_spread, bool):
        raise ParameterError(f"in_degree_spread must be True or False; got {in_degree_spread!r}")
    if any(p.neuron.adapting for p in d.populations.values()) and _model_kind(
            d, list(d.populations)) in (("lif", "delta"), ("lif", "current_exp"),
                                        ("lif", "conductance_jump")):
        # the filtered models take adaptation inside their rate map (_filtered_rate)
        return _adiabatic_prediction(
            d, lambda shifted: _diffusion_prediction(shifted, damping, in_degree_spread))
    return _diffusion_prediction(d, damping, in_degree_spread)


def _adiabatic_prediction(d, predict):
    """The working point of populations with adaptation in the adiabatic approximation
    (theory.adaptation): each adapting population fires as one without adaptation whose
    constant input mu_ext is lowered by tau_m w_bar, with the mean adaptation current w_bar
    solved self-consistently with the rates (scipy's hybrid root finder on w_bar; every
    evaluation is the working point of the whole network)."""
    names = list(d.populations)
    neurons = [d.populations[p].neuron for p in names]
    adapting = np.array([n.adapting for n in neurons])

    def shifted(w_bar):
        populations = {p: replace(d.populations[p], mu_ext=d.populations[p].mu_ext
                                  - n.tau_m * w) for p, n, w in zip(names, neurons, w_bar)}
        return replace(d, populations=populations)

    def table_at(w_bar):
        table = predict(shifted(w_bar))
        tau = np.array([table.attrs["membrane_tau"][p] for p in names])
        return table, tau

    def mismatch(w_bar):
        w_bar = np.where(adapting, w_bar, 0.0)
        table, tau = table_at(w_bar)
        nu = table["diffusion_rate"].to_numpy()
        return np.where(adapting, _mean_adaptation(neurons, nu, table["mu"].to_numpy() + tau
                                                   * w_bar, tau) - w_bar, 0.0)

    solution = root(mismatch, np.zeros(len(names)), method="hybr", options={"xtol": 1e-8})
    if not solution.success:
        raise RuntimeError(f"the adiabatic adaptation working point did not converge: "
                           f"{solution.message}")
    w_bar = np.where(adapting, solution.x, 0.0)
    table, _ = table_at(w_bar)
    return _note_adaptation(table, names, w_bar)


def _note_adaptation(table, names, w_bar):
    """The mean adaptation currents (V/s) and the approximation, in the table's attrs."""
    table.attrs["mean_adaptation_current"] = dict(zip(names, np.asarray(w_bar, dtype=float)))
    table.attrs["adaptation"] = ("adiabatic approximation: the mean adaptation current "
                                 "w_bar = a (<V> - E_L) + b tau_w nu lowers each adapting "
                                 "population's input; the fluctuations of w are left out "
                                 "(theory.adaptation)")
    return table


def _mean_adaptation(neurons, nu, mu_0, tau):
    """w_bar (V/s) of each population (0 where it does not adapt), from
    theory.adaptation.mean_adaptation_current at rates nu and free means mu_0."""
    def column(key, default=0.0):
        return np.array([getattr(n, key) if n.adapting else default for n in neurons])

    return mean_adaptation_current(nu, mu_0, tau, column("a"), column("b"), column("tau_w", 1.0),
                                   column("E_L"), column("V_th"), column("V_r"),
                                   column("tau_ref"))


def _diffusion_prediction(d, damping, in_degree_spread):
    """diffusion_prediction without adaptation; attrs['membrane_tau'] holds each population's
    effective membrane time constant (s)."""
    recurrent_channels = {}
    names, W, W2, W_x, W_x2, rates, column_channels, _ = _population_inputs(
        d, recurrent_channels)
    kind = _model_kind(d, names)
    if kind == ("lif", "conductance_jump"):
        return _etc_prediction(d, names, W, W2, W_x, W_x2, rates, recurrent_channels,
                               column_channels, damping)
    if kind in (("eif", "current_exp"), ("eif", "conductance_exp"), ("lif", "conductance_exp")):
        return _filtered_prediction(d, names, kind, W, W2, W_x, W_x2, rates,
                                    recurrent_channels, column_channels, in_degree_spread)
    if in_degree_spread:
        raise TheoryNotApplicable("diffusion_prediction: in_degree_spread is for populations "
                                  "with synaptic filtering (EIF, exponential conductances)")
    tau_m, V_th, V_r, tau_ref, tau_s, mu_dc = _lif_parameters(d, names, "diffusion_prediction",
                                                              several_taus=True,
                                                              adaptation=True)

    def solve(tau_s, nu0=None):
        return working_point(W, tau_m, V_th, V_r, tau_ref, J_x=W_x, nu_x=rates, mu_dc=mu_dc,
                             tau_s=tau_s, damping=damping, J2=W2, J_x2=W_x2, nu0=nu0)

    several = np.isnan(tau_s)
    if not several.any():
        wp = solve(tau_s)
    else:  # effective time constants from each channel's share of the variance, to a fixed point
        shares = _channel_variance_shares(d, names, W2, W_x2, rates, recurrent_channels,
                                          column_channels)
        start = effective_synaptic_time_constant(np.ones_like(shares[1]), shares[1])
        tau_s = np.where(several, start, tau_s)
        tau_s = _effective_time_constants(shares, tau_m, tau_s, several, solve)
        wp = solve(tau_s)
    cv = isi_cv(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s)
    table = pd.DataFrame({"diffusion_rate": wp["nu"], "diffusion_cv": cv, "mu": wp["mu"],
                          "sigma": wp["sigma"]}, index=pd.Index(names, name="population"))
    table.attrs["membrane_tau"] = dict(zip(names, tau_m))
    return table


def balanced_prediction(description: NetworkDescription, *,
                        mean_potentials: dict | None = None) -> pd.DataFrame:
    """The balanced state of the large-K limit: the rates at which recurrent input cancels
    external input, r = -W^-1 I.

    Parameters
    ----------
    description : NetworkDescription
    mean_potentials : {population: V}, conductance synapses only: the mean membrane
        potentials at which the driving forces E - V are taken (default: midway between
        reset and threshold)

    Returns
    -------
    pandas.DataFrame
        Indexed by population: ``balanced_rate`` (Hz), ``balanced_reason`` (why the rate is
        NaN: the balanced equations are singular, naming the populations with proportional
        input, or their solution has a non-positive rate; empty where there is a rate), and
        for conductance synapses the ``mean_potential`` (V) used.
    """
    d = _check(description)
    names, W, _, W_x, _, rates, channels, targets = _population_inputs(d)
    kinds = {d.populations[p].neuron.weight_is_voltage for p in names}
    if len(kinds) > 1:
        raise TheoryNotApplicable("balanced_prediction needs all populations current-based or "
                                  "all conductance-based")
    table = pd.DataFrame(index=pd.Index(names, name="population"))
    try:
        if np.linalg.matrix_rank(W) < len(names):  # singular up to rounding
            raise np.linalg.LinAlgError("singular")
        if kinds.pop():
            r = linear_balanced_solution(W, W_x @ rates)
        else:
            V = _mean_potentials(d, names, mean_potentials)
            E = _reversal_matrix(d, names)
            E_x = np.array([d.populations[names[a]].neuron.channels[c]["E"]
                            for a, c in zip(targets, channels)])
            r = conductance_balanced_rates(W, W_x, E, E_x, V, rates)
            table["mean_potential"] = V
        reason = "" if np.all(r > 0) else _no_balanced_state(names, r)
    except np.linalg.LinAlgError:
        r, reason = np.full(len(names), np.nan), _singular_reason(names, W, W_x @ rates)
    table["balanced_rate"] = r if not reason else np.nan
    table["balanced_reason"] = reason
    return table


def _no_balanced_state(names, r):
    negative = [f"{p} ({x:.3g} Hz)" for p, x in zip(names, r) if not x > 0]
    return ("no balanced state: the balanced equations give a non-positive rate to "
            + ", ".join(negative))


def _singular_reason(names, W, external):
    """Why W r = -I has no unique solution: the groups of populations whose rows of
    [W | I] are proportional (they receive proportional input), else the rank of W."""
    rows = np.column_stack([W, external])
    groups, placed = [], set()
    for a in range(len(names)):
        if a in placed:
            continue
        group = [b for b in range(a, len(names)) if b not in placed and
                 np.linalg.matrix_rank(rows[[a, b]], tol=1e-9 * np.abs(rows).max()) <= 1]
        placed.update(group)
        if len(group) > 1:
            groups.append(" and ".join(names[b] for b in group))
    if groups:
        return ("singular balanced equations: populations " + "; ".join(groups)
                + " receive proportional input")
    return (f"singular balanced equations: W has rank {np.linalg.matrix_rank(W)} of "
            f"{len(names)}")


def _model_kind(d, names):
    """(spike, synapse) shared by all populations, for the diffusion theories:
    TheoryNotApplicable for a network that mixes models or a model without a theory here."""
    kinds = {(d.populations[p].neuron.spike, d.populations[p].neuron.synapse) for p in names}
    if len(kinds) > 1:
        found = {p: "/".join((d.populations[p].neuron.spike, d.populations[p].neuron.synapse))
                 for p in names}
        raise TheoryNotApplicable("diffusion_prediction needs all populations of one model "
                                  f"(spike and synapse); got {found}")
    kind = kinds.pop()
    if kind == ("lif", "conductance_jump"):
        exact = [p for p in names if d.populations[p].neuron.jump == "exact"]
        if exact:
            raise TheoryNotApplicable(f"diffusion_prediction: population {exact[0]!r} has "
                                      "exact conductance jumps; the ETC theory here takes "
                                      "linear jumps")
    return kind


def _by_channel(d, names, M, M_x, recurrent_channels, column_channels):
    """(channels, M split (C, n, n), M_x split (C, n, m)): population-level matrices of
    recurrent and external input separated by the input channel they arrive through."""
    channels = sorted({c for p in names for c in d.populations[p].neuron.channels})
    split, split_x = np.zeros((len(channels),) + M.shape), np.zeros((len(channels),) + M_x.shape)
    for (a, b), channel in recurrent_channels.items():
        split[channels.index(channel), a, b] = M[a, b]
    for k, channel in enumerate(column_channels):
        split_x[channels.index(channel), :, k] = M_x[:, k]
    return channels, split, split_x


def _etc_prediction(d, names, W, W2, W_x, W_x2, rates, recurrent_channels, column_channels,
                    damping):
    """The effective-time-constant working point of LIF populations with conductance jumps
    (theory.conductance.etc_working_point): W = K w and W2 = K E[w^2] split by channel."""
    channels, G, G_x = _by_channel(d, names, W, W_x, recurrent_channels, column_channels)
    _, S, S_x = _by_channel(d, names, W2, W_x2, recurrent_channels, column_channels)
    neurons = [d.populations[p].neuron for p in names]
    E = np.array([[n.channels.get(c, {}).get("E", 0.0) for c in channels] for n in neurons])
    tau_m, V_th, V_r, tau_ref = (np.array([getattr(n, k) for n in neurons])
                                 for k in ("tau_m", "V_th", "V_r", "tau_ref"))
    E_L = np.array([n.E_L + d.populations[p].mu_ext for n, p in zip(neurons, names)])
    wp = etc_working_point(G, S, G_x, S_x, rates, E, tau_m, E_L, V_th, V_r, tau_ref,
                           damping=damping)
    cv = isi_cv(wp["mu"], wp["sigma"], wp["tau"], V_th, V_r, tau_ref)
    table = pd.DataFrame({"diffusion_rate": wp["nu"], "diffusion_cv": cv, "mu": wp["mu"],
                          "sigma": wp["sigma"]}, index=pd.Index(names, name="population"))
    table.attrs["membrane_tau"] = dict(zip(names, np.broadcast_to(wp["tau"], len(names))))
    return table


def _filtered_prediction(d, names, kind, W, W2, W_x, W_x2, rates, recurrent_channels,
                         column_channels, in_degree_spread=False):
    """Self-consistent rates of populations with synaptically filtered input: EIF with
    exponential current synapses, LIF or EIF with exponential conductances. The mean and the
    noise are the diffusion moments (current synapses) or those of the effective-time-
    constant approximation (theory.conductance.etc_moments: a faster membrane, the mean
    potential, each channel's noise); the rate is that of the (V, current) Fokker-Planck
    equation (theory.integrate_and_fire.if_rate_colored_noise) at each population's
    variance-matched synaptic time constant. Conductance noise is multiplicative: its
    strength at V is sqrt(tau sum_c s_c (V - E_c)^2), the filtered counterpart of Sanzeni et
    al.'s multiplicative-noise rate (theory.conductance.multiplicative_rate). With
    ``in_degree_spread``, a population's rate is the mean over its neurons' in-degrees
    (Gauss-Hermite, 2 nodes per input whose in-degree varies: exact to second order in the
    spread, the order of Jensen's correction)."""
    spike = kind[0]
    neurons = [d.populations[p].neuron for p in names]
    channels, G, G_x = _by_channel(d, names, W, W_x, recurrent_channels, column_channels)
    _, S, S_x = _by_channel(d, names, W2, W_x2, recurrent_channels, column_channels)
    taus = np.array([[n.channels.get(c, {}).get("tau", 0.0) for c in channels]
                     for n in neurons])
    E = np.array([[n.channels.get(c, {}).get("E", 0.0) for c in channels] for n in neurons])
    spread = (np.concatenate(_in_degree_spread(d, names), axis=1)  # (n, n + m), SD(K) / K
              if in_degree_spread else None)
    x, h = np.polynomial.hermite_e.hermegauss(2)  # +-1 SD: exact to second order
    h = h / h.sum()

    def inputs(a, nu):
        """Per input of population a (recurrent populations, then external columns): its
        mean and second moment per channel, (channels, inputs)."""
        return (np.concatenate([G[:, a] * nu, G_x[:, a] * rates], axis=1),
                np.concatenate([S[:, a] * nu, S_x[:, a] * rates], axis=1))

    def population_rate(a, nu):
        means, seconds = inputs(a, nu)
        varying = np.flatnonzero((spread[a] > 0) & means.any(axis=0)) if in_degree_spread \
            else np.array([], dtype=int)
        total = 0.0
        for index in np.ndindex(*(len(x),) * len(varying)):
            factor = np.ones(means.shape[1])
            if len(varying):
                factor[varying] = np.maximum(1.0 + x[list(index)] * spread[a, varying], 0.0)
            weight = np.prod(h[list(index)]) if len(varying) else 1.0
            # adaptation: each in-degree node at the population's rate (the mean
            # adaptation current of the population, not of the node)
            total += weight * _filtered_rate(d, names[a], means @ factor, seconds @ factor,
                                             taus[a], E[a], nu[a])[0]
        return total

    def rate(nu):
        nu = np.maximum(nu, 0.0)
        return np.array([population_rate(a, nu) for a in range(len(nu))])

    nu = _fixed_point(rate, np.full(len(names), 5.0))
    tau, mu, sigma, tau_s, w_bar = (np.array(v) for v in zip(*(
        _filtered_rate(d, names[a], *(m.sum(axis=1) for m in inputs(a, nu)), taus[a], E[a],
                       nu[a])[1]
        for a in range(len(names)))))
    table = pd.DataFrame({"diffusion_rate": nu, "diffusion_cv": np.nan, "mu": mu,
                          "sigma": sigma}, index=pd.Index(names, name="population"))
    table.attrs["diffusion_reason"] = (f"diffusion_cv: no ISI CV for {spike.upper()} neurons "
                                       "with synaptic filtering (the rates are the colored-"
                                       "noise Fokker-Planck rates)")
    table.attrs["effective_tau_s"] = dict(zip(names, tau_s))
    table.attrs["membrane_tau"] = dict(zip(names, tau))
    if any(n.adapting for n in neurons):
        _note_adaptation(table, names, w_bar)
    return table


def _filtered_rate(d, population, mean, second, taus, E, own_rate=None):
    """(rate in Hz, (tau, mu, sigma, tau_s, w_bar)) of a neuron of ``population`` whose input
    arrives through channels (or single inputs) with means ``mean`` (sum K w nu: V/s for
    current synapses, Hz for conductances) and second moments ``second`` (sum K E[w^2] nu),
    time constants ``taus`` and reversal potentials ``E`` (conductances only): the moments
    (diffusion, or the effective-time-constant approximation with multiplicative noise) and
    the (V, current) Fokker-Planck rate at the variance-matched time constant. An adapting
    neuron firing at ``own_rate`` has its free mean lowered by tau w_bar, the adiabatic mean
    adaptation current (theory.adaptation; w_bar = 0 for a neuron without adaptation)."""
    p = d.populations[population]
    n = p.neuron
    rest = n.E_L + p.mu_ext
    if n.synapse == "conductance_exp":
        tau, mu, parts = (v[0] for v in etc_moments(mean[None], second[None], E[None],
                                                     [n.tau_m], [rest]))
    else:
        tau, mu, parts = n.tau_m, rest + n.tau_m * mean.sum(), n.tau_m * second
    w_bar = 0.0
    if n.adapting:
        if own_rate is None:
            raise TheoryNotApplicable(f"population {population!r} adapts; this theory has no "
                                      "adaptation current")
        if n.tau_ref > 0:  # a root finder's trial rates may pass the refractory limit
            own_rate = min(own_rate, 0.99 / n.tau_ref)
        w_bar = float(mean_adaptation_current(own_rate, mu, tau, n.a, n.b, n.tau_w, n.E_L,
                                              n.V_th, n.V_r, n.tau_ref))
        mu = mu - tau * w_bar
    if parts.sum() <= 0:
        raise TheoryNotApplicable(f"diffusion_prediction: population {population!r} receives "
                                  "no input noise (no Poisson input)")
    sigma = np.sqrt(parts.sum())
    tau_s = float(variance_matched_time_constant(parts, taus, tau))
    gain = (_driving_force_gain(tau, second, E, sigma) if n.synapse == "conductance_exp"
            else None)
    if n.spike == "lif":
        drift = _leak_drift(mu)
    else:  # the exponential current keeps the leak's scale: relative to tau, tau / tau_m
        drift = eif_drift(mu, n.V_T, n.Delta_T, gain=tau / n.tau_m)
    rate = if_rate_colored_noise(drift, sigma, tau, tau_s, n.V_th, n.V_r, n.tau_ref,
                                 noise_gain=gain)
    return rate, (tau, mu, sigma, tau_s, w_bar)


def _leak_drift(mu):
    """f(V) = mu - V: the leaky integrate-and-fire neuron."""
    return lambda V: mu - V


def _driving_force_gain(tau, second, E, sigma):
    """V -> k(V): the strength of conductance noise at V relative to its value sigma at the
    mean potential; channel c's fluctuations drive V in proportion to E_c - V, so
    k(V) = sqrt(tau sum_c s_c (V - E_c)^2) / sigma."""
    def gain(V):
        V = np.asarray(V, dtype=float)
        return np.sqrt(tau * (second[None] * (V[:, None] - E[None]) ** 2).sum(axis=1)) / sigma

    return gain


def _indegree_variance(d, name):
    """Variance of the in-degree of projection ``name`` across its target neurons (0 for a
    fixed in-degree; TheoryNotApplicable for explicit connections)."""
    proj = d.projections[name]
    K = d.mean_indegree(name)
    if isinstance(proj.rule, Bernoulli):
        return K * (1.0 - proj.rule.p)
    if isinstance(proj.rule, HeterogeneousInDegree):
        return (proj.rule.cv * K) ** 2
    if isinstance(proj.rule, FixedInDegree):
        return 0.0
    raise TheoryNotApplicable(f"projections[{name!r}] has explicit connections: use "
                              "neuron_prediction on the realisation")


def _in_degree_spread(d, names):
    """Relative SD of the in-degrees, SD(K) / K: (n, n) for recurrent pairs and (n, m) for
    the external columns of _population_inputs (source projections in order, then drives,
    which have none)."""
    n = len(names)
    R, external = np.zeros((n, n)), []
    for name in d.projections:
        source, target = split_projection_name(name)
        a = names.index(target)
        K = d.mean_indegree(name)
        relative = np.sqrt(_indegree_variance(d, name)) / K if K > 0 else 0.0
        if source in d.populations:
            R[a, names.index(source)] = relative
        else:
            external.append((a, relative))
    external += [(names.index(pop), 0.0) for pop, drives in d.drives.items() for _ in drives]
    R_x = np.zeros((n, len(external)))
    for k, (a, relative) in enumerate(external):
        R_x[a, k] = relative
    return R, R_x


def _fixed_point(rate, nu0, tol=1e-6):
    """The rates nu = rate(nu) (Hz): Newton-type root finding (scipy's hybrid method) from
    nu0, falling back to a damped iteration from its result."""
    solution = root(lambda nu: rate(nu) - nu, nu0, method="hybr", options={"xtol": tol})
    nu = solution.x
    if solution.success and np.all(nu >= 0):
        return nu
    nu = np.maximum(nu, 0.0)
    for _ in range(500):
        new = rate(nu)
        if np.max(np.abs(new - nu)) < tol * max(1.0, np.max(new)):
            return new
        nu = nu + 0.2 * (new - nu)
    raise RuntimeError("the working point did not converge")


def _channel_variance_shares(d, names, W2, W_x2, rates, recurrent_channels, column_channels):
    """rates -> (variances (n, channels), taus (n, channels)): each channel's part of each
    population's input variance (up to the factor tau_m) at the given population rates."""
    channels, S, S_x = _by_channel(d, names, W2, W_x2, recurrent_channels, column_channels)
    taus = np.array([[d.populations[p].neuron.channels.get(c, {}).get("tau", 0.0)
                      for c in channels] for p in names])

    def variances(nu):
        return (S @ nu + S_x @ rates).T

    return variances, taus


def _effective_time_constants(shares, tau_m, tau_s, several, solve, max_iter=100):
    """Iterate tau_s -> working point -> each channel's variance -> tau_eff
    (theory.lif.effective_synaptic_time_constant) for the populations with several time
    constants, until tau_eff changes by less than 1e-12 s."""
    variances, taus = shares
    nu = None
    for _ in range(max_iter):
        nu = solve(tau_s, nu)["nu"]
        new = np.where(several, effective_synaptic_time_constant(variances(nu), taus), tau_s)
        if np.max(np.abs(new - tau_s)) < 1e-12:
            return new
        tau_s = new
    raise RuntimeError(f"the effective synaptic time constants did not converge in {max_iter} "
                       "iterations")


def _mean_potentials(d, names, given):
    if given is None:
        return np.array([(d.populations[p].neuron.V_r + d.populations[p].neuron.V_th) / 2
                         for p in names])
    if set(given) != set(names):
        raise ParameterError(f"mean_potentials must give every population {names}; got "
                             f"{sorted(given)}")
    V = np.array([given[p] for p in names], dtype=float)
    if not np.all(np.isfinite(V)):
        raise ParameterError(f"mean_potentials must be finite (V); got {given}")
    return V


def _reversal_matrix(d, names):
    """E[a, b]: reversal potential (V) of the channel through which b reaches a (0 where
    b does not project to a)."""
    E = np.zeros((len(names), len(names)))
    for name in d.projections:
        source, target = split_projection_name(name)
        if source in d.populations:
            E[names.index(target), names.index(source)] = \
                d.populations[target].neuron.channels[d.channel(name)]["E"]
    return E


def population_prediction(description: NetworkDescription, *,
                          mean_potentials: dict | None = None) -> pd.DataFrame:
    """The theory of a description per population: diffusion and balanced predictions.

    :func:`diffusion_prediction` (where the model allows it, see there) and
    :func:`balanced_prediction` in one table.

    Parameters
    ----------
    description : NetworkDescription
        The network.
    mean_potentials : dict, optional
        {population: V}, for conductance synapses only: the mean membrane potentials at which
        the driving forces E - V are taken (default: midway between reset and threshold).

    Returns
    -------
    pandas.DataFrame
        Indexed by population, always with the same columns: ``diffusion_rate`` (Hz),
        ``diffusion_cv``, ``mu`` and ``sigma`` (V), ``diffusion_reason``, ``balanced_rate``
        (Hz) and ``balanced_reason``. A value the theory does not give is NaN, and the
        reason column of its theory says why (e.g. "diffusion_prediction needs LIF neurons
        ...: population 'E' has eif neurons", "singular balanced equations: populations E
        and I receive proportional input"); it is empty where the values exist.

    Raises
    ------
    ParameterError
        If the description is not a NetworkDescription or a value is invalid (a theory
        that does not cover the network gives a reason, not an error).

    Examples
    --------
    >>> table = population_prediction(net)              # doctest: +SKIP
    >>> table.join(run.population_rates())               # doctest: +SKIP
    """
    d = _check(description)
    index = pd.Index(list(d.populations), name="population")
    try:
        diffusion = diffusion_prediction(d)
        diffusion["diffusion_reason"] = diffusion.attrs.get("diffusion_reason", "")
    except TheoryNotApplicable as error:
        diffusion = pd.DataFrame(np.nan, index=index,
                                 columns=["diffusion_rate", "diffusion_cv", "mu", "sigma"])
        diffusion["diffusion_reason"] = str(error)
    try:
        balanced = balanced_prediction(d, mean_potentials=mean_potentials)
    except TheoryNotApplicable as error:
        balanced = pd.DataFrame({"balanced_rate": np.nan, "balanced_reason": str(error)},
                                index=index)
    return diffusion.join(balanced)


# ---------------------------------------------------------------------------------------------
# neuron level
# ---------------------------------------------------------------------------------------------
def _source_rate(d, name):
    """The stationary rate (Hz) of each train of source ``name``."""
    if isinstance(d.sources[name], SpikeTrainSource):
        raise TheoryNotApplicable(f"source {name!r} gives spikes, not a stationary rate: the "
                             "theory needs Poisson, correlated or windowed sources")
    return d.sources[name].rate


def _neuron_inputs(d, connectivity):
    """Per neuron (over all populations, in order): J (N, N), external J_x (N, m) and rates
    (m,), and the LIF parameters repeated per neuron."""
    names = list(d.populations)
    if set(connectivity) != set(d.projections):
        raise ParameterError(f"connectivity must have one entry per projection "
                             f"{sorted(d.projections)}; got {sorted(connectivity)}")
    params = _lif_parameters(d, names, "neuron_prediction")
    sizes = [d.size(p) for p in names]
    offsets = dict(zip(names, np.cumsum([0] + sizes)[:-1]))
    N = sum(sizes)
    J = dense_matrix(d, connectivity)
    sources = [s for s in d.sources if any(split_projection_name(name)[0] == s
                                           for name in d.projections)]
    blocks = [dense_matrix(d, connectivity, columns=sources)]
    rates = [np.full(d.size(s), _source_rate(d, s)) for s in sources]
    for pop, drives in d.drives.items():
        for x in drives:
            column = np.zeros((N, 1))
            column[offsets[pop]:offsets[pop] + d.size(pop)] = x.weight
            blocks.append(column)
            rates.append([x.K * x.rate])
    J_x = np.hstack(blocks) if blocks else np.zeros((N, 0))
    nu_x = np.concatenate(rates) if rates else np.zeros(0)
    params = [np.repeat(values, sizes) for values in params]
    return J, J_x, nu_x, params, neuron_index(d)


def neuron_prediction(description: NetworkDescription, connectivity: Mapping, *,
                      damping: float = 0.5) -> pd.DataFrame:
    """The neuron-resolved working point on a realised network.

    Parameters
    ----------
    description : NetworkDescription
        LIF populations with delta or exponential current synapses.
    connectivity : dict
        The realisation, ``realise(description, seed)`` (or ``handles.connectivity``).
    damping : step of the damped iteration, should Newton's method stall

    Returns
    -------
    pandas.DataFrame
        One row per neuron, indexed by (population, neuron): ``rate`` (Hz), ``cv``, ``mu``,
        ``sigma`` (V).
    """
    d = _check(description)
    J, J_x, nu_x, (tau_m, V_th, V_r, tau_ref, tau_s, mu_dc), labels = _neuron_inputs(
        d, connectivity)
    wp = working_point(J, tau_m, V_th, V_r, tau_ref, J_x=J_x, nu_x=nu_x, mu_dc=mu_dc,
                       tau_s=tau_s, damping=damping)
    cv = isi_cv(wp["mu"], wp["sigma"], tau_m, V_th, V_r, tau_ref, tau_s)
    return pd.DataFrame({"rate": wp["nu"], "cv": cv, "mu": wp["mu"], "sigma": wp["sigma"]},
                        index=labels)


def covariance_prediction(description: NetworkDescription, connectivity: Mapping, *,
                          window: float | None = None) -> pd.DataFrame:
    """Covariances of the spike trains of a realised network, as the theory predicts them.

    The linear response C = B D B^T around the neuron-resolved working point, with D such
    that the diagonal is each neuron's rate CV^2 (theory.heterogeneity.resolved_theory).
    These are zero-frequency cross-spectral densities; with ``window`` they are converted
    into spike-count covariances in windows of that length
    (:func:`theory.spectra.count_covariance_from_spectrum`), the quantity
    :func:`balanced_models.core.analysis.count_covariance` measures in a simulation.

    Parameters
    ----------
    description : NetworkDescription
        The network (LIF populations with delta or exponential current synapses).
    connectivity : mapping
        {"source->target": Connectivity}, the realisation (e.g. ``run.connectivity``).
    window : float, optional
        Counting window (s, > 0; much longer than the correlation times). Default None: the
        cross-spectral densities.

    Returns
    -------
    pandas.DataFrame
        N x N, rows and columns indexed by (population, neuron): cross-spectral densities
        (Hz), or count covariances (counts^2) in windows of ``window`` (``attrs["window"]``:
        the window, or None).

    Raises
    ------
    ParameterError
        If a value is invalid; TheoryNotApplicable if the model is not covered.
    """
    d = _check(description)
    J, J_x, nu_x, (tau_m, V_th, V_r, tau_ref, tau_s, mu_dc), labels = _neuron_inputs(
        d, connectivity)
    theory = resolved_theory(J, tau_m, V_th, V_r, tau_ref, J_x=J_x, nu_x=nu_x, mu_dc=mu_dc,
                             tau_s=tau_s)
    C = theory["C"] if window is None else count_covariance_from_spectrum(theory["C"], window)
    table = pd.DataFrame(C, index=labels, columns=labels)
    table.attrs["window"] = window
    return table

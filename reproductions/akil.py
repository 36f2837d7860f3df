"""Akil, Rosenbaum & Josic: STDP in (correlated) balanced networks.

* Theory: balanced rates and covariances, the iSTDP fixed point with and without input
  correlations, the Kohonen fixed points and saddle-node, the opto three-population case.
* Static network: rates and 250 ms count covariances against theory, and against N.
* iSTDP (R5): weights and rates over time, the E-rate histogram collapsing onto rho0.
* Soft Hebbian (R1): convergence to j_max with the mean-field ODE overlaid.
* Kohonen (R4): convergence and instability against beta_hat (one compiled network, beta_hat
  changed by run_args).
* Full scale only: the manifold of iSTDP fixed points against the initial weight (initial
  weights set by run_args) and optogenetic stimulation of E1.

Every network structure is compiled once; each run is saved as soon as it finishes.
Statistics of plastic runs use the second half of the run (as the authors); static runs
equilibrate within a second and use [2 s, T].
"""

import functools
from dataclasses import replace

import numpy as np
import pandas as pd
from brian2 import second, volt

from balanced_models.core.analysis import (firing_rates, mean_pair_covariances, power_law_fit,
                                           spike_counts, weight_rate_covariance)
from balanced_models.core.fixed_points import plasticity_fixed_points
from balanced_models.core.realisation import realise_projection
from balanced_models.engines.brian2.papers.akil import build_network
from balanced_models.papers.akil import AkilParameters, description
from balanced_models.core.predictions import diffusion_prediction
from theory.integrate_and_fire import eif_drift, if_rate_colored_noise, if_transfer_function
from theory.plasticity import (_soft_hebbian_relaxation, direct_link_trace_integral,
                               homeostatic_fixed_point, kohonen_fixed_point_curve,
                               kohonen_fixed_points, kohonen_saddle_node, pinned_rate_weights,
                               soft_hebbian_transient)

from .report import interval_check, relative_check

#: checks that fail for a documented reason (reproductions/report.py): they still fail
KNOWN_GAPS = {
    "static_cov_II_trend":
        "the II covariance excess shrinks with N (1.18, 1.17, 1.10, 1.05 at N = 1000-8000) "
        "but its fitted exponent is not significant with four sizes (b + 1.69 SE = +0.09). "
        "Evidence: documentation, reproductions/akil, 'Finite size and finite time'.",
    "soft_hebbian_j_ee_per_synapse_*":
        "after 800 s the mean weight lies 0.049 mV above the per-synapse prediction from the "
        "measured rates (28.980 +- 0.002 mV): the prediction leaves out spike-timing "
        "covariances and the rule's finite learning rate, which the sampling error cannot hide "
        "on a run this long; with both (soft_hebbian_j_ee_spike_timing) the gap is 0.008 mV. "
        "Evidence: documentation, reproductions/akil, 'Finite size and finite time'.",
    "soft_hebbian_j_ee_spike_timing_*":
        "0.008 mV (3.6 SE) after 800 s. The two terms it adds are each about 0.2 mV and of "
        "opposite sign (a synapse's own causal covariance lifts its fixed point above j_max; "
        "the weight's covariance with the postsynaptic trace, first order in eta, lowers it), "
        "and each is good to 10-20 %: in the static network the measured K+ of connected "
        "pairs is 0.031 Hz against the predicted 0.038 Hz. Per class of r_pre r_post the "
        "prediction is within 0.05 mV where the zero-frequency one misses by up to 0.47 mV. "
        "Evidence: documentation, reproductions/akil, 'Spike-timing covariances'.",
    "soft_hebbian_j_ee_ode_*":
        "the ODE follows the population-mean rate; the weights grow with each synapse's "
        "r_pre r_post, and silent E cells (3 % at N = 2000) keep their synapses at j0, so the "
        "mean weight creeps up more slowly (the brief's Fig. 11: 29.3 against 30). The "
        "per-synapse prediction from the measured rates matches "
        "(soft_hebbian_j_ee_per_synapse). Evidence: documentation, reproductions/akil, "
        "'Finite size and finite time'.",
    "kohonen_j_ee_beta*":
        "at finite N the E rate sits below its balanced value (5.3-6.3 against 7.2-7.6 Hz "
        "at N = 2000) and the fixed point is proportional to it (j* = beta_hat tau r_E); "
        "the gap shrinks as N grows (kohonen_j_ee_trend, full scale). Evidence: "
        "documentation, reproductions/akil, 'Finite size and finite time'.",
    "kohonen_identity_beta*":
        "not converged at T: the rate rises with j_EE, so the target beta_hat tau r_E moves "
        "with the weight and the larger beta_hat runs still rise at the end "
        "(hebbian_kohonen.png; the brief's 200 s runs are 'still rising' too). Evidence: "
        "documentation, reproductions/akil, 'Finite size and finite time'.",
    "static_c0_count_cov_*":
        "the c = 0 covariance formula keeps only the shared feed-forward input term; the "
        "recurrent shared input and the auto-spectra are of the same order, O(1/N) (brief, "
        "sec. 4.2: 'do not expect tight agreement at c = 0').",
}
RHO = 10.0  # Hz, iSTDP target rate
J_N = -0.200  # V, iSTDP normaliser (MATLAB value)
TAU = 0.2  # s, STDP trace
WINDOW = 0.25  # s, count window
ETA_ISTDP = 1e-5  # V (the brief's 0.01 mV)
ISTDP = ("homeostatic", dict(eta=ETA_ISTDP, j_n=J_N, rho=RHO))
MV = 1e3  # V -> mV: tables, figures and the brief's reference values are in mV
SEED = 11  # seed of every network realisation
J_MAX = 0.030  # V, soft-Hebbian bound
SCALES = {
    "quick": dict(static_Ns=[1000, 2000], static_T=40.0, N=2000, istdp_T=60.0, istdp_cs=[0.0],
                  hebb_T=100.0, kohonen_T=100.0, betas=[1.2e-3, 2.0e-3, 3.0e-3, 4.0e-3]),
    "full": dict(static_Ns=[1000, 2000, 4000, 8000], static_T=102.0, N=2000, istdp_T=120.0,
                 istdp_cs=[0.0, 0.2], hebb_T=800.0, kohonen_T=200.0,
                 betas=[1.2e-3, 2.0e-3, 2.4e-3, 3.0e-3, 3.4e-3, 3.6e-3, 4.0e-3],
                 manifold=dict(N=5000, T=120.0, j0=[-0.250, -0.200, -0.160, -0.130, -0.100,
                                                    -0.075]),
                 opto=dict(N=5000, eta=1e-6, window=200.0)),
}


def run(scale, report, force=False):
    cfg = SCALES[scale]
    store = report.point_store()
    ctx = dict(report=report, store=store, force=force)
    n = 6 + ("manifold" in cfg) + ("opto" in cfg)
    report.stage(1, n, "mean-field theory")
    theory = _theory(report)
    report.stage(2, n, "static networks")
    static = _static(ctx, cfg)
    report.stage(3, n, "iSTDP")
    istdp = _istdp(ctx, cfg)
    report.stage(4, n, "soft Hebbian")
    hebb = _soft_hebbian(ctx, cfg)
    report.stage(5, n, "Kohonen")
    kohonen = _kohonen(ctx, cfg)
    k = 5
    manifold = opto = None
    if "manifold" in cfg:
        k += 1
        report.stage(k, n, "weight manifold")
        manifold = _manifold(ctx, cfg["manifold"])
    if "opto" in cfg:
        k += 1
        report.stage(k, n, "optogenetic stimulation")
        opto = _opto(ctx, cfg["opto"])
    report.stage(n, n, "figures")
    _figures(report, theory, static, istdp, hebb, kohonen, manifold, opto)


# ------------------------------------------------------------------------------------------
def _theory(report):
    p = AkilParameters()
    net_inf = replace(p.mean_field(), N=None)
    r = net_inf.rates()
    j_ei, r_star = homeostatic_fixed_point(net_inf, 0, 1, RHO, TAU)
    koh = net_inf.with_weight(0, 1, -0.100)
    stable = [x for x, s in kohonen_fixed_points(koh, 0, 0.002, TAU) if s]
    beta_c, j_c = kohonen_saddle_node(koh, 0, TAU)
    cov = replace(net_inf, c=0.1).count_covariances(WINDOW)
    opto_net = p.stimulated_mean_field(5.0)
    w_on, r_on = pinned_rate_weights(opto_net, {0: RHO, 1: RHO}, [(0, 2), (1, 2)])
    rounding = "rounding of the brief's value"
    report.add(
        relative_check("theory_static_rate_E", "balanced r_E = [-W^-1 W_x r_x]_E (Hz), defaults",
                       5.82, r[0], 0.001, kind="theory-vs-paper"),
        relative_check("theory_static_rate_I", "balanced r_I (Hz), defaults", 15.88, r[1], 0.001,
                       kind="theory-vs-paper"),
        relative_check("theory_istdp_rate_E", "iSTDP (R5) fixed point r_E (Hz), c = 0", 10.0,
                       r_star[0], 0.005, kind="theory-vs-paper"),
        relative_check("theory_istdp_j_ei", "iSTDP (R5) fixed point j_EI (mV), c = 0", -119.7,
                       MV * j_ei, 0.005, kind="theory-vs-paper"),
        relative_check("theory_kohonen_j_star", "Kohonen (R4) stable fixed point j_EE (mV), "
                       "beta_hat = 2, j_EI = -100", 3.0, MV * stable[0], 0.01,
                       kind="theory-vs-paper"),
        relative_check("theory_kohonen_saddle_node", "Kohonen saddle-node beta_hat (mV), "
                       "j_EI = -100", 8.04, MV * beta_c, 0.01, kind="theory-vs-paper"),
        relative_check("theory_opto_j_E1I", "opto: leading-order j_E1I (mV) with X2 on "
                       f"({rounding})", -158.1, MV * w_on[(0, 2)], 0.001, kind="theory-vs-paper"),
        relative_check("theory_opto_rate_I", f"opto: r_I (Hz) with E1, E2 pinned ({rounding})",
                       23.4, r_on[2], 0.002, kind="theory-vs-paper"))
    for pair, (a, b), ref in (("EE", (0, 0), 0.085), ("EI", (0, 1), 0.231), ("II", (1, 1), 0.631)):
        report.add(relative_check(f"theory_count_cov_{pair}_c0.1", f"count covariance {pair}, "
                                  f"250 ms, c = 0.1, N -> inf ({rounding})", ref, cov[a, b],
                                  0.006, kind="theory-vs-paper"))
    rows = []
    for c in (0.0, 0.1, 0.2):
        jj, rr = homeostatic_fixed_point(replace(net_inf, c=c), 0, 1, RHO, TAU)
        rows.append(dict(quantity="istdp_fixed_point", c=c, j_mV=MV * jj, r_E=rr[0], r_I=rr[1]))
    for beta in (1.0e-3, 1.2e-3, 2.0e-3, 2.4e-3, 3.0e-3, 3.4e-3, 3.6e-3, 4.0e-3):
        for x, s in kohonen_fixed_points(koh, 0, beta, TAU):
            rows.append(dict(quantity="kohonen_fixed_point", beta_hat_mV=MV * beta, j_mV=MV * x,
                             stable=s, r_E=koh.with_weight(0, 0, x).rates()[0]))
    rows.append(dict(quantity="kohonen_saddle_node", beta_hat_mV=MV * beta_c))
    rows.append(dict(quantity="opto_on", j_mV=MV * w_on[(0, 2)], j_E2I_mV=MV * w_on[(1, 2)],
                     r_I=r_on[2]))
    report.table(pd.DataFrame(rows), "theory.csv")
    return dict(rates=r, j_ei=j_ei, koh=koh, beta_c=beta_c, j_c=j_c)


# ------------------------------------------------------------------------------------------
def _sweep(ctx, p, points, run_args=None, stats_start=None):
    """Run ``points`` on the network of ``p`` (compiled once); returns the measurements.
    ``run_args``: a picklable function (h, point) -> Brian2 run_args (module-level, or a
    functools.partial of one), run in the workers."""
    t0 = p.duration / 2 if stats_start is None else stats_start
    return ctx["report"].network_sweep(
        f"akil {p!r} seed={SEED}", functools.partial(_build, p=p), points, dt=p.dt,
        run_args=run_args, extract=functools.partial(_extract, p=p, t0=t0),
        force=ctx["force"])


def _build(sim, p):
    handles = build_network(sim, p, SEED)
    sim.network.run(p.duration * second, namespace={})
    return handles


def _extract(h, point, p, t0):
    return _measure(h, p, t0)


def _learning_rate(h, point, projection):
    """run_args: the learning rate ``point['eta']`` of ``projection``."""
    return {h[projection].eta: point["eta"] * volt}


def _kohonen_beta(h, point, N):
    """run_args: Kohonen's beta = beta_hat / sqrt(N) of E->E."""
    return {h["E->E"].beta: point["beta_hat"] / np.sqrt(N) * volt}


def _initial_inhibition(h, point, N):
    """run_args: every I->E weight starts at j0 / sqrt(N)."""
    return {h["I->E"].w: np.full(len(h.connectivity["I->E"]), point["j0"] / np.sqrt(N)) * volt}


def _label(projection):
    """A projection's name as a key of saved arrays: 'I->E' -> 'I_to_E'."""
    return projection.replace("->", "_to_")


def _measure(h, p, t0):
    """Rates (per neuron over [t0, T], population time courses in 1 s bins), mean count
    covariances over [t0, T], and for each plastic projection the sampled weights over time and
    the final weights (unscaled, V). Plastic runs also keep every E neuron's spike counts in
    1 s bins over [0, T] (``counts_1s_E``), for per-synapse predictions."""
    out, counts, pops = {}, [], {}
    bins = np.arange(0.0, p.duration + 1e-9, 1.0)
    for pop in [k for k in ("E", "E1", "E2", "I") if k in h.spikes]:
        i, t = h.spike_trains(pop)
        n = len(h.spikes[pop].source)
        out[f"rates_{pop}"] = firing_rates(i, t, n, t0, p.duration)
        out[f"early_rates_{pop}"] = firing_rates(i, t, n, 0.0, min(5.0, p.duration))
        out[f"rate_t_{pop}"] = np.histogram(t, bins)[0] / n
        if pop == "E" and p.plasticity:
            out["counts_1s_E"] = spike_counts(i, t, n, 0.0, p.duration, 1.0).astype(np.uint16)
        start = sum(len(c) for c in counts)
        counts.append(spike_counts(i, t, n, t0, p.duration, WINDOW))
        pops[pop] = slice(start, start + n)
    counts = np.concatenate(counts)
    out.update({f"cov_{k}": v for k, v in mean_pair_covariances(counts, pops).items()})
    # the same in 10 consecutive blocks: their scatter gives the standard errors
    blocks = [mean_pair_covariances(counts[:, b], pops)
              for b in np.array_split(np.arange(counts.shape[1]), 10)]
    out.update({f"cov_blocks_{k}": np.array([b[k] for b in blocks]) for k in blocks[0]})
    scale = np.sqrt(p.N)  # J -> j (V)
    for proj in p.plasticity:
        key, pre = _label(proj), proj.split("->")[0]
        c = h.connectivity[proj]
        w = np.asarray(h.projections[proj].w_[:]) * scale
        out[f"w_final_{key}"] = w
        out[f"w_t_{key}"] = np.asarray(h.weights[proj].w_) * scale  # (samples, times)
        out[f"w_post_{key}"] = c.post[h.weight_samples[proj]]
        out[f"w_times_{key}"] = np.asarray(h.weights[proj].t_)
        pre_rates = out.get(f"rates_{pre}")
        if pre_rates is not None and len(pre_rates) == c.n_pre:
            # weight-rate covariance D (sec. 4.1), in the units of W r (V Hz)
            out[f"D_{key}"] = weight_rate_covariance(c.post, c.pre, w, pre_rates, c.n_post) / p.N
    return out


def _with_j(p, blocks):
    """p.j with the blocks {"source->target": j (V)} replaced."""
    j = [list(row) for row in p.j]
    for name, value in blocks.items():
        pre, post = name.split("->")
        j["EI".index(post)]["EIX".index(pre)] = value
    return tuple(map(tuple, j))


# ------------------------------------------------------------------------------------------
def _static(ctx, cfg):
    report = ctx["report"]
    rows = []
    for N in cfg["static_Ns"]:
        p = AkilParameters(N=N, c=0.1, duration=cfg["static_T"], record_weights=0)
        (res,) = _sweep(ctx, p, [dict(seed=1)], stats_start=2.0)
        theory = p.mean_field().count_covariances(WINDOW)
        row = dict(N=N, c=0.1, rate_E=res["rates_E"].mean(), rate_I=res["rates_I"].mean())
        for pair, (a, b) in (("EE", (0, 0)), ("EI", (0, 1)), ("II", (1, 1))):
            blocks = res.get(f"cov_blocks_{pair}")  # absent in points saved by older versions
            row.update({f"cov_{pair}": res[f"cov_{pair}"], f"theory_cov_{pair}": theory[a, b],
                        f"cov_{pair}_se": np.nan if blocks is None else
                        np.std(blocks, ddof=1) / np.sqrt(len(blocks))})
            row[f"ratio_{pair}"] = row[f"cov_{pair}"] / theory[a, b]
        rows.append(row)
    table = pd.DataFrame(rows)
    report.table(table, "static.csv")
    if len(table) >= 3:
        for pair in ("EE", "EI", "II"):
            _finite_size_trend(report, f"static_cov_{pair}", f"mean {pair} count covariance "
                               f"(250 ms, c = 0.1, {cfg['static_T']:g} s) / leading-order "
                               "theory", table.N, table[f"ratio_{pair}"],
                               table[f"cov_{pair}_se"] / table[f"theory_cov_{pair}"],
                               se_dof=9)  # SEs from 10 blocks
    net = AkilParameters(c=0.1).mean_field()
    r = net.rates()
    row = table[table.N == cfg["N"]].iloc[0]
    for a, pop in enumerate("EI"):
        report.add(relative_check(f"static_rate_{pop}_N{cfg['N']}", f"static network, c = 0.1, "
                                  f"N = {cfg['N']}: mean {pop} rate (Hz) vs balanced theory "
                                  "(issue: 35%)", r[a], row[f"rate_{pop}"], 0.35,
                                  kind="simulation-vs-theory"))
    N = cfg["N"]
    cov = AkilParameters(N=N, c=0.1).mean_field().count_covariances(WINDOW)
    for pair, (a, b) in (("EE", (0, 0)), ("EI", (0, 1)), ("II", (1, 1))):
        report.add(interval_check(
            f"static_count_cov_{pair}_N{N}", f"mean {pair} count covariance (250 ms), "
            f"c = 0.1, N = {N}, vs T W^-1 W_x C_x W_x^T W^-T", cov[a, b], row[f"cov_{pair}"],
            cov[a, b] / 2, 2 * cov[a, b], "issue: within a factor 2", kind="simulation-vs-theory"))
    return table


def _static_c0_checks(report, N, row):
    """The static network at c = 0 against the shared-input term of the covariances, the
    bars of static.png."""
    cov = AkilParameters(N=N).mean_field().count_covariances(WINDOW)
    for pair, (a, b) in (("EE", (0, 0)), ("EI", (0, 1)), ("II", (1, 1))):
        report.add(interval_check(
            f"static_c0_count_cov_{pair}_N{N}", f"mean {pair} count covariance (250 ms), c = 0, "
            f"N = {N}, vs the shared feed-forward input term (T / N) W^-1 W_x (r_x / q_x) "
            "W_x^T W^-T", cov[a, b], row[f"cov_{pair}"], cov[a, b] / 2, 2 * cov[a, b],
            "within a factor 2, the criterion of the c = 0.1 covariances (the brief warns that "
            "the term leaves out other O(1/N) parts)", kind="simulation-vs-theory"))


def _istdp(ctx, cfg):
    report = ctx["report"]
    out = {}
    for c in cfg["istdp_cs"]:
        p = AkilParameters(N=cfg["N"], c=c, duration=cfg["istdp_T"],
                           plasticity={"I->E": ISTDP})
        points = [dict(seed=1, eta=ETA_ISTDP)] + ([dict(seed=1, eta=0.0)] if c == 0 else [])
        res = _sweep(ctx, p, points,
                     run_args=functools.partial(_learning_rate, projection="I->E"))
        out[c] = res[0]
        if c == 0:
            out["static_c0"] = res[1]
            _static_c0_checks(report, p.N, res[1])
        rate = res[0]["rates_E"].mean()
        j_final = res[0]["w_final_I_to_E"].mean()
        j_th, r_th = homeostatic_fixed_point(replace(p.mean_field(), N=None), 0, 1, RHO, TAU)
        if c == 0:
            report.add(
                interval_check(f"istdp_rate_E_N{p.N}", f"iSTDP eta = 0.01, N = {p.N}, "
                               f"T = {p.duration:g} s: mean E rate over the second half (Hz)",
                               RHO, rate, RHO - 0.6, RHO + 0.6, "issue: 10.0 +- 0.6 Hz",
                               kind="simulation-vs-theory"),
                relative_check(f"istdp_j_ei_N{p.N}", f"iSTDP: mean j_EI (mV) of all synapses at "
                               f"T = {p.duration:g} s vs the fixed point", MV * j_th,
                               MV * j_final, 0.05, kind="simulation-vs-theory"))
            # the finite-N fixed points beside the large-K one, for the record (crosssim checks
            # them at N = 1000, with the gap explained)
            print(f"akil: the finite-N fixed point of the iSTDP rule, N = {p.N} (about a "
                  "minute)", flush=True)
            fixed = plasticity_fixed_points(description(p)).loc[
                "I->E", ["large_k_weight", "uniform_weight", "finite_n_weight"]] * np.sqrt(p.N)
            report.table(pd.DataFrame({
                "N": [p.N], "simulated_mV": [MV * j_final],
                "large_k_mV": [MV * fixed["large_k_weight"]],
                "uniform_mV": [MV * fixed["uniform_weight"]],
                "finite_n_mV": [MV * fixed["finite_n_weight"]]}), "istdp_fixed_points.csv")
        out[f"theory_{c}"] = (j_th, r_th)
    return out


def _soft_hebbian_per_synapse(pre, post, counts, j0, eta, bins=slice(None), fraction=1.0):
    """Mean over synapses of the per-synapse soft-Hebbian weight at the end of the run (V):
    each synapse relaxes from j0 to J_MAX at its own rate, eta tau r_pre(t) r_post(t) (sec.
    4.3 per synapse, spike-timing covariances neglected), so
    j_k(T) = J_MAX - (J_MAX - j0) exp(-eta tau int r_pre r_post dt). The integral is the sum
    over 1 s bins of the products of the two neurons' counts, over the bins ``bins`` divided
    by the ``fraction`` of the run they cover."""
    c = counts[:, bins].astype(float)
    integral = np.einsum("kb,kb->k", c[pre], c[post]) / fraction  # 1 s bins: r r dt = c c
    return float(J_MAX - (J_MAX - j0) * np.exp(-eta * TAU * integral).mean())


def event_gain_curve(d, projection, width=(-0.015, 0.010), points=26):
    """How one input event of ``projection`` moves its target neuron's rate, as a function
    of that neuron's rate: (rates nu (Hz), gains (Hz per Hz), latency (s), synaptic time
    constant (s)). The gain is tau_m w dnu/dmu + tau_m w^2 dnu/dsigma^2 of the EIF neuron
    with the target population's input noise sigma and variance-matched synaptic time
    constant (diffusion_prediction), over mean inputs mu from ``width`` (V) around the
    population's; the latency is the mean lag of the rate response at the population's
    working point (the group delay at f = 0 of theory.integrate_and_fire.
    if_transfer_function). A neuron with a measured rate gets its gain by interpolation."""
    target = projection.split("->")[1]
    table = diffusion_prediction(d)
    n = d.populations[target].neuron
    sigma, tau_s = table.loc[target, "sigma"], table.attrs["effective_tau_s"][target]
    w = d.projections[projection].weight

    def rate(mu, s):
        return if_rate_colored_noise(eif_drift(mu, n.V_T, n.Delta_T), s, n.tau_m, tau_s,
                                     n.V_th, n.V_r, n.tau_ref)

    mu0 = table.loc[target, "mu"]
    mus = mu0 + np.linspace(width[0], width[1], points)
    nu = np.array([rate(m, sigma) for m in mus])
    ds = 0.02 * sigma
    dnu_dvar = np.array([(rate(m, sigma + ds) - rate(m, sigma - ds)) / (4 * sigma * ds)
                         for m in mus])
    gains = n.tau_m * w * np.gradient(nu, mus) + n.tau_m * w**2 * dnu_dvar
    H = if_transfer_function(eif_drift(mu0, n.V_T, n.Delta_T), sigma, n.tau_m, n.V_th, n.V_r,
                             n.tau_ref, tau_s, frequency=[0.0, 1.0])
    latency = float(-np.angle(H[1] / H[0]) / (2 * np.pi))
    return nu, gains, latency, n.channels[d.channel(projection)]["tau"]


def _soft_hebbian_covariances(p, c, counts):
    """Per E->E synapse, (K+, K-, the pair's covariance in 1 s count products (Hz), and
    r_pre for the rule's eta term or None) of three versions of the theory:
    'zero_frequency', the brief's sec. 4.3 (K+ = K- = C~_EE / 2, the population's
    shared-input covariance, here scaled by the two neurons' gains); 'spike_timing', which
    adds each pair's direct links: its own synapse (pre before post, K+ += r_pre int
    e^(-u/tau) h) and, where there is one, the synapse back (K- += r_post ...); and
    'spike_timing_finite_eta', with the rule's first-order term in eta as well."""
    rates = counts.sum(axis=1) / counts.shape[1]
    shared = float(p.mean_field().spectral_covariance()[0, 0])
    # the synapses that carry the effect are those near j_max: their gains
    d = description(replace(p, j=((J_MAX,) + tuple(p.j[0][1:]),) + tuple(p.j[1:])))
    nu, curve, latency, tau_e = event_gain_curve(d, "E->E")
    gains = np.interp(rates, nu, curve, left=0.0)
    weighted = direct_link_trace_integral(gains, TAU, latency=latency, synaptic_tau=tau_e)
    n = len(rates)
    back = np.isin(c.post.astype(np.int64) * n + c.pre, c.pre.astype(np.int64) * n + c.post)
    r_pre, r_post = rates[c.pre], rates[c.post]
    forward = r_pre * weighted[c.post]
    backward = np.where(back, r_post * weighted[c.pre], 0.0)
    pair = r_pre * gains[c.post] + np.where(back, r_post * gains[c.pre], 0.0)
    # the shared-input covariance of a pair scales with the two neurons' gains (linear
    # response): C~_EE at the population's mean gain, none for a silent neuron
    half = shared / 2 * gains[c.pre] * gains[c.post] / np.mean(gains) ** 2
    return {"zero_frequency": (half, half, 2 * half, None),
            "spike_timing": (half + forward, half + backward, 2 * half + pair, None),
            "spike_timing_finite_eta": (half + forward, half + backward, 2 * half + pair,
                                        r_pre)}, \
        dict(latency=latency, shared=shared, reciprocal=back.mean(),
             K_plus=float(np.mean(forward)), K_minus=float(np.mean(backward)))


def _soft_hebbian_with_covariances(c, counts, j0, eta, K_plus, K_minus, pair, r_pre,
                                   bins=slice(None), width=1.0):
    """Mean final weight (V) of the per-synapse soft-Hebbian relaxation bin by bin
    (theory.plasticity.soft_hebbian_relaxation), with each bin's r_pre r_post the product of
    the 1 s counts less the pair's predicted covariance (which that product contains), over
    the bins ``bins``, each standing for ``width`` seconds; with ``r_pre`` (per synapse, Hz)
    the rule's first-order term in eta."""
    c_bins = counts[:, bins].astype(float)  # 1 s counts: rates (Hz)
    j = np.full(len(c.pre), j0)
    for b in range(c_bins.shape[1]):
        x = c_bins[c.pre, b] * c_bins[c.post, b] - pair
        j = _soft_hebbian_relaxation(j, J_MAX, x, K_plus, K_minus, eta, TAU, width, r_pre)
    return float(j.mean())


def _soft_hebbian(ctx, cfg):
    """Soft Hebbian (R1) on E->E for hebb_T seconds. The mean weight is checked against the
    per-synapse prediction (:func:`_soft_hebbian_per_synapse`, with the measured rates of
    every neuron in every second), the better theory for a finite run with heterogeneous
    rates: synapses between low-rate cells lag behind the population-mean ODE, and those from
    or onto silent cells never move.

    Statistical tolerance: the prediction uses estimated rates, so it carries sampling noise
    and, because the exponential is convex, a bias that grows with the variance of the
    estimated integral. Both are measured by repeating the prediction on four interleaved
    quarters of the 1 s bins (bins k, k+4, ...; each scaled by 4): their integrals have
    four times the variance, so the bias of the full prediction is (mean of the quarters -
    full) / 3 and its standard error is the SD of the quarters / 2. The check: the measured
    mean within 3 standard errors of the bias-corrected prediction. The population-mean
    convergence to j_max is checked on a run long enough to reach it (full scale)."""
    eta = 0.01
    p = AkilParameters(N=cfg["N"], duration=cfg["hebb_T"],
                       plasticity={"E->E": ("soft_hebbian", dict(eta=eta, j_max=J_MAX))})
    (res,) = _sweep(ctx, p, [dict(seed=1)])
    j_final = res["w_final_E_to_E"].mean()
    T, j0 = p.duration, p.j[0][0]
    c = realise_projection(description(p), "E->E", SEED)  # the realisation the run used
    counts = res["counts_1s_E"]
    full = _soft_hebbian_per_synapse(c.pre, c.post, counts, j0, eta)
    quarters = [_soft_hebbian_per_synapse(c.pre, c.post, counts, j0, eta, slice(k, None, 4),
                                          len(range(k, counts.shape[1], 4)) / counts.shape[1])
                for k in range(4)]
    bias = (np.mean(quarters) - full) / 3
    se = np.std(quarters, ddof=1) / 2
    predicted = full - bias
    ode = soft_hebbian_transient(p.mean_field(), 0, 0, j0, J_MAX, eta, TAU, [0.0, T])[-1]
    report = ctx["report"]
    print("akil: per-synapse soft-Hebbian predictions with spike-timing covariances (the EIF "
          "neuron's gain curve, about 20 s, then the synapses bin by bin)", flush=True)
    terms, info = _soft_hebbian_covariances(p, c, counts)
    versions = {}
    for version, args in terms.items():
        v_full = _soft_hebbian_with_covariances(c, counts, j0, eta, *args)
        v_quarters = [_soft_hebbian_with_covariances(c, counts, j0, eta, *args,
                                                     bins=slice(k, None, 4), width=4.0)
                      for k in range(4)]
        v_bias = (np.mean(v_quarters) - v_full) / 3
        versions[version] = (v_full - v_bias, np.std(v_quarters, ddof=1) / 2)
    timing, timing_se = versions["spike_timing_finite_eta"]
    report.add(interval_check(
        f"soft_hebbian_j_ee_spike_timing_N{p.N}", f"soft Hebbian (R1) eta = {eta}, N = {p.N}, "
        f"T = {T:g} s: mean j_EE (mV) vs the per-synapse prediction with spike-timing "
        f"covariances (each synapse's own causal effect, K+ = {info['K_plus']:.3g} Hz on "
        f"average, and the link back where there is one, K- = {info['K_minus']:.3g} Hz, "
        f"beside the shared-input C~_EE / 2 = {info['shared'] / 2:.2g} Hz) and the rule's "
        f"first-order term in eta (zero-frequency version "
        f"{MV * versions['zero_frequency'][0]:.3f} mV, spike-timing without the eta term "
        f"{MV * versions['spike_timing'][0]:.3f} mV)", MV * timing, MV * j_final,
        MV * (timing - 3 * timing_se), MV * (timing + 3 * timing_se),
        f"3 standard errors of the prediction ({MV * timing_se:.3g} mV, four interleaved "
        "quarters of the run)", kind="simulation-vs-theory"))
    report.add(relative_check(
        f"soft_hebbian_j_ee_ode_N{p.N}", f"soft Hebbian (R1) eta = {eta}, N = {p.N}: mean j_EE "
        f"(mV) of all synapses at T = {T:g} s vs the population-mean ODE dj/dt = eta tau "
        "r_E(j)^2 (j_max - j) (tolerance: 5 %, the rule's convergence criterion)", MV * ode,
        MV * j_final, 0.05, kind="simulation-vs-theory"))
    report.add(interval_check(
        f"soft_hebbian_j_ee_per_synapse_N{p.N}", f"soft Hebbian (R1) eta = {eta}, N = {p.N}, "
        f"T = {T:g} s: mean j_EE (mV) of all synapses vs the per-synapse prediction from the "
        f"measured rates (bias-corrected by {MV * bias:+.3f} mV; population-mean ODE "
        f"{MV * ode:.2f} mV)", MV * predicted, MV * j_final, MV * (predicted - 3 * se),
        MV * (predicted + 3 * se), f"3 standard errors of the prediction ({MV * se:.3g} mV, "
        "four interleaved quarters of the run)", kind="simulation-vs-theory"))
    if cfg["hebb_T"] >= 800:
        report.add(relative_check(
            f"soft_hebbian_j_ee_converged_N{p.N}", f"soft Hebbian (R1) eta = {eta}, N = {p.N}: "
            f"mean j_EE (mV) of all synapses at T = {T:g} s, long enough for the population "
            f"to reach j_max ({100 * (res['rates_E'] == 0).mean():.1f} % of E cells silent "
            "keep their synapses at j0)", MV * J_MAX, MV * j_final, 0.05,
            kind="simulation-vs-theory"))
    report.table(pd.DataFrame([dict(T=T, j_final_mV=MV * j_final, ode_population_mean_mV=MV * ode,
                                    per_synapse_mV=MV * full, per_synapse_bias_mV=MV * bias,
                                    per_synapse_corrected_mV=MV * predicted,
                                    per_synapse_se_mV=MV * se,
                                    zero_frequency_mV=MV * versions["zero_frequency"][0],
                                    zero_frequency_se_mV=MV * versions["zero_frequency"][1],
                                    spike_timing_mV=MV * versions["spike_timing"][0],
                                    spike_timing_se_mV=MV * versions["spike_timing"][1],
                                    spike_timing_finite_eta_mV=MV * timing,
                                    spike_timing_finite_eta_se_mV=MV * timing_se,
                                    K_plus_direct_Hz=info["K_plus"],
                                    K_minus_direct_Hz=info["K_minus"],
                                    shared_covariance_Hz=info["shared"],
                                    response_latency_ms=MV * info["latency"],
                                    reciprocal_fraction=info["reciprocal"],
                                    quarters_mV=" ".join(f"{MV * q:.4f}" for q in quarters),
                                    silent_E_fraction=(res["rates_E"] == 0).mean(),
                                    rate_E=res["rates_E"].mean())]),
                 "soft_hebbian.csv")
    return dict(res=res, p=p)


def _kohonen(ctx, cfg):
    p = AkilParameters(N=cfg["N"], duration=cfg["kohonen_T"],
                       j=_with_j(AkilParameters(), {"E->E": 0.001, "I->E": -0.100}),
                       plasticity={"E->E": ("kohonen", dict(eta=0.01, beta_hat=0.002))})
    points = [dict(seed=1, beta_hat=b) for b in cfg["betas"]]
    res = _sweep(ctx, p, points, run_args=functools.partial(_kohonen_beta, N=p.N))
    koh = p.mean_field()
    rows = []
    for pt, r in zip(points, res):
        b = pt["beta_hat"]
        stable = [x for x, s in kohonen_fixed_points(koh, 0, b, TAU) if s]
        rate = r["rates_E"].mean()
        rows.append(dict(beta_hat=MV * b, j_final=MV * r["w_final_E_to_E"].mean(), rate_E=rate,
                         rate_I=r["rates_I"].mean(),
                         theory_j=MV * stable[0] if stable else np.nan,
                         identity_j=MV * b * TAU * rate))
    table = pd.DataFrame(rows)  # weights in mV
    ctx["report"].table(table, "kohonen.csv")
    for row in table.itertuples():
        ctx["report"].add(
            relative_check(f"kohonen_j_ee_beta{row.beta_hat:g}_N{p.N}", f"Kohonen (R4), "
                           f"beta_hat = {row.beta_hat:g} mV, N = {p.N}, T = {p.duration:g} s: "
                           "final mean j_EE (mV) vs the stable fixed point (tolerance: the "
                           "brief's 30 %, sims 15-30 % below theory at N = 5000)",
                           row.theory_j, row.j_final, 0.30, kind="simulation-vs-theory"),
            relative_check(f"kohonen_identity_beta{row.beta_hat:g}_N{p.N}", f"Kohonen (R4), "
                           f"beta_hat = {row.beta_hat:g} mV: final mean j_EE (mV) vs the "
                           "per-rate fixed point beta_hat tau r_E with the simulated rate "
                           "(tolerance: 5 %, the rule's convergence criterion)",
                           row.identity_j, row.j_final, 0.05, kind="simulation-vs-theory"))
    scaling = _kohonen_scaling(ctx, cfg, p) if len(cfg["static_Ns"]) >= 3 else None
    return dict(res=res, table=table, p=p, scaling=scaling)


KOHONEN_BETA = 2.0e-3  # V, the beta_hat of the N scan (the beta_hat = 2)


def _kohonen_scaling(ctx, cfg, p2):
    """The Kohonen rule at beta_hat = 2 mV for every N of the static scan (the N of the beta
    sweep is its point, reused): the final mean j_EE / the stable fixed point of the theory at
    that N, and its trend with N. Standard error of each final weight: the SD over the last
    quarter of the sampled mean weight's time course / sqrt(samples), a lower bound
    (neighbouring samples are correlated)."""
    rows = []
    for N in cfg["static_Ns"]:
        p = replace(p2, N=N)
        (r,) = _sweep(ctx, p, [dict(seed=1, beta_hat=KOHONEN_BETA)],
                      run_args=functools.partial(_kohonen_beta, N=p.N))
        stable = [x for x, s in kohonen_fixed_points(p.mean_field(), 0, KOHONEN_BETA, TAU) if s]
        mean_t = r["w_t_E_to_E"].mean(axis=0)
        tail = mean_t[-max(2, len(mean_t) // 4):]
        rows.append(dict(N=N, j_final=MV * r["w_final_E_to_E"].mean(),
                         j_final_se=MV * np.std(tail, ddof=1) / np.sqrt(len(tail)),
                         theory_j=MV * stable[0], rate_E=r["rates_E"].mean(),
                         theory_rate_E=p.mean_field().with_weight(0, 0, stable[0]).rates()[0]))
    table = pd.DataFrame(rows)
    table["ratio"] = table.j_final / table.theory_j
    ctx["report"].table(table, "kohonen_scaling.csv")
    _finite_size_trend(ctx["report"], "kohonen_j_ee", f"Kohonen final mean j_EE (beta_hat = "
                       f"{MV * KOHONEN_BETA:g} mV, T = {p2.duration:g} s) / stable fixed point",
                       table.N, table.ratio, table.j_final_se / table.theory_j)
    return table


def _finite_size_trend(report, name, what, N, ratio, ratio_se, se_dof=None):
    """Check that ``ratio`` (simulation / theory) moves toward 1 as N grows: a power law
    |ratio - 1| = A N^b fitted (weighted by the standard errors where all are known), with b
    negative at one-sided 95 % confidence, b + t_0.95 SE(b) < 0. The t quantile's degrees of
    freedom are those of the scale of SE(b): the points' own standard errors (``se_dof``, the
    degrees of freedom of each, e.g. 9 for 10 blocks) when the fit's scatter is within them
    (reduced chi^2 <= 1), else the fit's residuals (points - 2)."""
    from scipy.stats import t as student_t

    N, ratio, ratio_se = (np.asarray(v, dtype=float) for v in (N, ratio, ratio_se))
    gap = np.abs(ratio - 1)
    weighted = bool(np.all(np.isfinite(ratio_se)) and np.all(ratio_se > 0))
    fit = power_law_fit(N, gap, ratio_se if weighted else None)
    from_errors = weighted and se_dof is not None and fit["reduced_chi2"] <= 1
    dof = se_dof * len(N) if from_errors else fit["dof"]
    bound = fit["exponent"] + student_t.ppf(0.95, dof) * fit["exponent_se"]
    how = "weighted by the standard errors" if weighted else "unweighted"
    if fit["reduced_chi2"] is not None:
        how += f", reduced chi^2 {fit['reduced_chi2']:.2g}"
    report.add(interval_check(
        f"{name}_trend", f"{what}: {', '.join(f'{r:.3f}' for r in ratio)} at N = "
        f"{', '.join(f'{n:g}' for n in N)}; |ratio - 1| ~ N^b with b = {fit['exponent']:.2f} "
        f"+- {fit['exponent_se']:.2f} ({how}); the measured value is b + t_0.95 SE(b), "
        f"{dof} degrees of freedom", 0.0, bound, -np.inf, 0.0,
        "moves toward 1 as N grows: b < 0 at one-sided 95 % confidence",
        kind="simulation-vs-theory"))
    return fit


def _manifold(ctx, m):
    p = AkilParameters(N=m["N"], duration=m["T"], plasticity={"I->E": ISTDP})
    points = [dict(seed=1, j0=j0) for j0 in m["j0"]]
    res = _sweep(ctx, p, points, run_args=functools.partial(_initial_inhibition, N=p.N))
    rows = []
    leading = pinned_rate_weights(p.mean_field(), {0: RHO}, [(0, 1)])[0][(0, 1)]
    for pt, r in zip(points, res):
        # weight-rate covariance D (sec. 4.1): realised mean I input minus mean weight x mean rate
        w, r_I, D = r["w_final_I_to_E"], r["rates_I"], r["D_I_to_E"]
        weights, _ = pinned_rate_weights(p.mean_field(), {0: RHO}, [(0, 1)], offset=[D, 0.0])
        rows.append(dict(j0=MV * pt["j0"], j_final=MV * w.mean(), rate_E=r["rates_E"].mean(),
                         rate_I=r_I.mean(), D=D, theory_leading=MV * leading,
                         theory_corrected=MV * weights[(0, 1)]))
    table = pd.DataFrame(rows).sort_values("j0")  # weights in mV, D in V Hz
    ctx["report"].table(table, "manifold.csv")
    monotone = float(np.all(np.diff(table.j_final) > 0))
    ctx["report"].add(interval_check(
        "manifold_monotone", f"iSTDP, N = {p.N}, T = {p.duration:g} s: final mean j_EI strictly "
        f"increasing in the initial j_EI over {len(table)} values (1 = yes)", 1.0, monotone,
        1.0, 1.0, "issue: monotone over >= 5 initial values", kind="simulation-vs-paper"))
    # the figure's other theory line, the leading-order fixed point, is one value for every
    # j0: the manifold is what it leaves out, and manifold_monotone measures that
    for row in table.itertuples():
        ctx["report"].add(relative_check(
            f"manifold_j_ei_j0{row.j0:g}", f"iSTDP, N = {p.N}, T = {p.duration:g} s, initial "
            f"j_EI = {row.j0:g} mV: final mean j_EI (mV) vs the fixed point with the measured "
            "weight-rate covariance D (sec. 4.1) (tolerance: 5 %, the iSTDP weight criterion)",
            row.theory_corrected, row.j_final, 0.05, kind="simulation-vs-theory"))
    return dict(res=res, table=table)


def _opto(ctx, o):
    T_w = o["window"]
    p = AkilParameters(N=o["N"], duration=3 * T_w, stim_fraction=0.4, stim_window=(T_w, 2 * T_w),
                       plasticity={"I->E": ("homeostatic", dict(eta=o["eta"], j_n=J_N,
                                                                  rho=RHO))},
                       record_spikes=500)
    (res,) = _sweep(ctx, p, [dict(seed=1)])
    times = res["w_times_I_to_E"]
    e1 = res["w_post_I_to_E"] < p.n_E1
    w = MV * res["w_t_I_to_E"]
    j_e1 = w[e1].mean(axis=0)
    on = np.searchsorted(times, T_w)
    off = np.searchsorted(times, 2 * T_w) - 1
    rate_e1 = res["rate_t_E1"][int(1.75 * T_w):int(2 * T_w)].mean()
    w_on, _ = pinned_rate_weights(p.stimulated_mean_field(), {0: RHO, 1: RHO},
                                  [(0, 2), (1, 2)])
    w_off, _ = pinned_rate_weights(p.stimulated_mean_field(0.0), {0: RHO, 1: RHO},
                                  [(0, 2), (1, 2)])
    ctx["report"].add(
        interval_check("opto_rate_E1", f"opto: mean E1 rate in the last quarter of the "
                       f"stimulation (Hz), N = {p.N}, eta = {o['eta']:g}", RHO, rate_e1,
                       RHO - 1, RHO + 1, "issue: within 1 Hz of rho0", kind="simulation-vs-theory"),
        interval_check("opto_j_E1I_shift", "opto: change of mean j_E1I over the stimulation "
                       "(mV); expected: leading-order theory", MV * (w_on[(0, 2)] - w_off[(0, 2)]),
                       j_e1[off] - j_e1[on], -np.inf, -20.0,
                       "issue: moves by at least -20", kind="simulation-vs-paper"))
    return dict(res=res, p=p, e1=e1)


# ------------------------------------------------------------------------------------------
def _figures(report, theory, static, istdp, hebb, kohonen, manifold, opto):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    r = AkilParameters(c=0.1).mean_field().rates()
    for a, pop in enumerate("EI"):
        ax[0].plot(static.N, static[f"rate_{pop}"], "o-", color=f"C{a}", label=f"{pop} sim")
        ax[0].axhline(r[a], color=f"C{a}", ls="--", label=f"{pop} balanced theory")
    Ns = np.array(static.N)
    for k, pair in enumerate(("EE", "EI", "II")):
        th = [AkilParameters(N=int(N), c=0.1).mean_field().count_covariances(WINDOW)[
            "EI".index(pair[0]), "EI".index(pair[1])] for N in Ns]
        ax[1].plot(Ns, static[f"cov_{pair}"], "o-", color=f"C{k}", label=f"{pair} sim")
        ax[1].plot(Ns, th, "--", color=f"C{k}", label=f"{pair} theory")
    s0 = istdp.get("static_c0")
    if s0 is not None:
        th0 = AkilParameters(N=2000).mean_field().count_covariances(WINDOW)
        sims = [s0["cov_EE"], s0["cov_EI"], s0["cov_II"]]
        ax[2].bar(np.arange(3) - 0.2, sims, 0.4, label="sim, c = 0, N = 2000")
        ax[2].bar(np.arange(3) + 0.2, [th0[0, 0], th0[0, 1], th0[1, 1]], 0.4,
                  label="shared-input term (theory)")
        ax[2].set_xticks(range(3), ["EE", "EI", "II"])
        ax[2].set_xlabel("pair of populations")
    ax[0].set(xscale="log", xlabel="N", ylabel="rate (Hz)", title="static network, c = 0.1")
    ax[1].set(xscale="log", xlabel="N", ylabel="count covariance (250 ms)",
              title="covariances, c = 0.1")
    ax[2].set(ylabel="count covariance (250 ms)", title="c = 0: O(1/N), not tight (brief 4.2)")
    for a_ in ax:
        a_.legend(fontsize=7)
    report.figure(fig, "static.png")

    fig, ax = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    res = istdp[0.0]
    t = res["w_times_I_to_E"]
    ax[0].plot(t, MV * res["w_t_I_to_E"][:50].T, color="0.8", lw=0.5)
    ax[0].plot(t, MV * res["w_t_I_to_E"].mean(axis=0), "k", label="mean of sampled synapses")
    ax[0].axhline(MV * istdp["theory_0.0"][0], color="r", ls="--", label="fixed point (theory)")
    ax[0].set(xlabel="time (s)", ylabel="j_EI (mV)", title="iSTDP (R5), eta = 0.01")
    ax[1].plot(res["rate_t_E"], label="E")
    ax[1].plot(res["rate_t_I"], label="I")
    ax[1].axhline(RHO, color="k", ls="--", label="rho0")
    ax[1].set(xlabel="time (s)", ylabel="rate (Hz)")
    bins = np.linspace(0, 30, 61)
    ax[2].hist(res["early_rates_E"], bins, alpha=0.6, label="first 5 s")
    ax[2].hist(res["rates_E"], bins, alpha=0.6, label="second half")
    ax[2].axvline(RHO, color="k", ls="--")
    ax[2].set(xlabel="E rate (Hz)", ylabel="neurons", title="E-rate histogram")
    for a_ in ax:
        a_.legend(fontsize=7)
    report.figure(fig, "istdp.png")

    fig, ax = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    res, p = hebb["res"], hebb["p"]
    t = res["w_times_E_to_E"]
    ax[0].plot(t, MV * res["w_t_E_to_E"].mean(axis=0), "k", label="simulation (sampled mean)")
    ode = soft_hebbian_transient(p.mean_field(), 0, 0, p.j[0][0], J_MAX, 0.01, TAU, t)
    ax[0].plot(t, MV * ode, "r--", label="mean-field ODE")
    ax[0].axhline(MV * J_MAX, color="0.5", ls=":")
    ax[0].set(xlabel="time (s)", ylabel="j_EE (mV)", title="soft Hebbian (R1)")
    ax[0].legend(fontsize=7)
    tab, kres = kohonen["table"], kohonen["res"]
    for k, (row, r_) in enumerate(zip(tab.itertuples(), kres)):
        ax[1].plot(r_["w_times_E_to_E"], MV * r_["w_t_E_to_E"].mean(axis=0), color=f"C{k}",
                   label=f"beta_hat = {row.beta_hat:g}")
        ax[1].axhline(row.theory_j, color=f"C{k}", ls="--", lw=0.8)
    ax[1].set(xlabel="time (s)", ylabel="j_EE (mV)", yscale="log",
              title="Kohonen (R4): sims and stable fixed points")
    ax[1].legend(fontsize=7)
    j, beta = kohonen_fixed_point_curve(theory["koh"], 0, TAU)
    stable = (j <= theory["j_c"]) & (beta >= 0.2e-3)
    unstable = (j >= theory["j_c"]) & (beta >= 0.2e-3)
    j, beta = MV * j, MV * beta
    ax[2].plot(beta[stable], j[stable], "k-", label="stable (theory)")
    ax[2].plot(beta[unstable], j[unstable], "k--", label="unstable (theory)")
    ax[2].plot(tab.beta_hat, tab.j_final, "o", label="simulation, final")
    ax[2].plot(tab.beta_hat, tab.identity_j, "x", label="beta_hat tau r_E,sim")
    ax[2].set(xlabel="beta_hat (mV)", ylabel="j_EE (mV)", ylim=(0, 45),
              title=f"saddle-node at beta_hat = {MV * theory['beta_c']:.2f} mV")
    ax[2].legend(fontsize=7)
    report.figure(fig, "hebbian_kohonen.png")

    if manifold is not None:
        fig, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        tab = manifold["table"]
        for r_, j0 in zip(manifold["res"], tab.j0):
            ax[0].plot(r_["w_times_I_to_E"], MV * r_["w_t_I_to_E"].mean(axis=0),
                       label=f"j0 = {j0:g} mV")
        ax[0].set(xlabel="time (s)", ylabel="j_EI (mV)", title="iSTDP from different j0")
        ax[0].legend(fontsize=7)
        ax[1].plot(tab.j0, tab.j_final, "o-", label="simulation")
        ax[1].plot(tab.j0, tab.theory_leading, "k:", label="leading order")
        ax[1].plot(tab.j0, tab.theory_corrected, "k--", label="with measured D")
        ax[1].set(xlabel="initial j_EI (mV)", ylabel="final j_EI (mV)", title="manifold")
        ax[1].legend(fontsize=7)
        report.figure(fig, "manifold.png")
    if opto is not None:
        fig, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        res, e1 = opto["res"], opto["e1"]
        t = res["w_times_I_to_E"]
        ax[0].plot(t, MV * res["w_t_I_to_E"][e1].mean(axis=0), label="j_E1I")
        ax[0].plot(t, MV * res["w_t_I_to_E"][~e1].mean(axis=0), label="j_E2I")
        ax[0].set(xlabel="time (s)", ylabel="j (mV)", title="opto stimulation of E1")
        for pop in ("E1", "E2", "I"):
            ax[1].plot(res[f"rate_t_{pop}"], label=pop)
        ax[1].axhline(RHO, color="k", ls="--")
        ax[1].set(xlabel="time (s)", ylabel="rate (Hz)")
        for a_ in ax:
            a_.legend(fontsize=7)
        report.figure(fig, "opto.png")

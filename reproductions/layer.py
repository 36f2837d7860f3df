"""Layer, Helias & Dahmen: the spread of pairwise covariances comes from sparse, variable
synapses; neuron-resolved linear-response theory predicts individual covariances from the
realised connectivity.

* Linear model (numerics, theory lines): N var(C) and PR/N against R for i.i.d. Gaussian W; the
  mean cross-covariance of a sparse E/I linear model does not depend on p or CV_w.
* Example network theory (brief sec. 2.2) on realised matrices; the reference numbers come
  from one realisation of the authors', so they are compared with the mean over realisations.
* Brian2 simulation of one realisation against the theory on the same matrix.
* Controls: remove structural heterogeneity (block-mean weights) or single-neuron
  heterogeneity (population-mean alpha, beta and a).
* Full scale: spiking heterogeneity sweep over p and weight jitter at a fixed working point
  (K J fixed; external rates chosen so that the population-level input mean and variance stay
  those of the example), simulated mean and variance of covariances against theory vs R.
"""

import functools
import os
import time

import numpy as np
import pandas as pd
from brian2 import second

from balanced_models.core.analysis import (correlation_from_covariance, count_covariance,
                                           firing_rates, isi_cvs, mean_pair_covariances,
                                           pair_statistics, shifted_covariance_spread,
                                           spike_counts)
from balanced_models.engines.brian2.compiled_structures import compiled_network
from balanced_models.engines.brian2.papers.layer import build_network
from balanced_models.engines.brian2.simulation import Simulation
from balanced_models.papers.layer import LayerParameters, dense_matrix, description, realise
from balanced_models.saved_points import point_key
from balanced_models.sweeps import point_result
from theory.errors import ParameterError
from theory.dynamics import linear_response
from theory.heterogeneity import (block_means_and_variances, bulk_radius_squared,
                                  covariance_variances, covariances, external_rates_for_input,
                                  linear_response_connectivity, mean_covariances,
                                  participation_ratio, resolved_theory)
from theory.lif import rate_derivatives, siegert_rate
from theory.spectra import spectrum_from_count_covariance

from .report import interval_check, relative_check

#: checks that fail for a documented reason (reproductions/report.py): they still fail
KNOWN_GAPS = {
    "sweep_var_cov_p0.8_*":
        "in the dense (p = 0.8) sweep networks pairs share 80 % of their inputs: the "
        "mean-field working point uses Poisson input variance, but the network's own "
        "zero-frequency input power is 12 % lower there, and finite PSPs couple more strongly "
        "than W = alpha J + beta J^2 says (slope 1.13-1.24 of the measured linear response). "
        "Evidence: documentation, reproductions/layer, 'Where the theory-simulation gaps come "
        "from', items 3 and 4.",
    "sweep_within_20pct_*":
        "no theory variant gets mean and variance of covariances within 20 % at 6 of the 8 "
        "sweep points (paper 0/8, time-step shift 0/8, semi-analytic 4/8): the finite-PSP "
        "coupling and the dense networks' shared input remain. Evidence: documentation, "
        "reproductions/layer, 'Where the theory-simulation gaps come from', items 3 and 4.",
    "linear_response_slope_*":
        "finite PSPs couple more strongly than W = alpha J + beta J^2 says: the measured rate "
        "response to drive patterns is 13-24 % larger than (1 - W)^-1 alpha epsilon xi, while "
        "the single neurons' gains are right. Evidence: documentation, reproductions/layer, "
        "'Where the theory-simulation gaps come from', item 3.",
}

SCALES = {
    "quick": dict(duration=51.0, bin=0.25, realisations=list(range(1, 13)), sim_seed=1),
    "full": dict(duration=1001.0, bin=0.25, realisations=list(range(1, 25)), sim_seed=1,
                 sweep_duration=201.0, calibration=(0.8, 0.4, 0.2), calibration_duration=401.0,
                 single_neuron_duration=21.0, response_duration=201.0,
                 sweep=[(0.2, 0.0), (0.2, 0.2), (0.2, 0.5), (0.4, 0.0), (0.4, 0.5),
                        (0.8, 0.0), (0.8, 0.5), (0.8, 1.0)]),
}
T_INIT = 1.0


def run(scale, report, force=False):
    cfg = SCALES[scale]
    store = report.point_store()
    n = 6 + ("sweep" in cfg) + ("calibration" in cfg) + ("response_duration" in cfg)
    report.stage(1, n, "linear model")
    linear = _linear_model(report)
    report.stage(2, n, "sparse E/I network")
    sparse = _sparse_ei(report)
    p = LayerParameters()
    report.stage(3, n, f"neuron-resolved theory of {len(cfg['realisations'])} realisations")
    theories = [_network_theory(p, seed) for seed in cfg["realisations"]]
    _example_checks(report, theories)
    report.stage(4, n, "spiking simulation")
    sim = _simulation(report, cfg, store, p, theories[0], force)
    report.stage(5, n, "controls")
    controls = _controls(report, p, theories[0])
    report.stage(6, n, "figures")
    _figures(report, linear, sparse, theories[0], sim, controls)
    if "response_duration" in cfg:
        report.stage(7, n, "measured linear response")
        _linear_response(report, cfg, store, p, theories[0], force)
    if "calibration" in cfg:
        _psp_calibration(report, cfg, store, p, theories[0], force,
                         lambda text: report.stage(n - ("sweep" in cfg), n,
                                                   f"PSP-size calibration, {text}"))
    if "sweep" in cfg:
        _spiking_sweep(report, cfg, store, p, theories[0], force,
                       lambda text: report.stage(n, n, f"spiking heterogeneity sweep, {text}"))


# ------------------------------------------------------------------------------------------
def _linear_model(report, N=2000):
    rows = []
    rng = np.random.default_rng(0)
    for R in (0.3, 0.6, 0.8):
        W = rng.standard_normal((N, N)) * R / np.sqrt(N)
        C, _ = covariances(W, np.ones(N))  # a fixed: D solved so that diag(C) = 1
        off = C[~np.eye(N, dtype=bool)]
        theory_var = 1 / (1 - R**2) ** 2 - 1
        report.add(relative_check(f"linear_var_cov_R{R}", "N var(C_offdiag) of the linear "
                                  "model with a = 1 vs 1/(1-R^2)^2 - 1", theory_var,
                                  N * off.var(), 0.05, kind="simulation-vs-theory"))
        C_D, _ = covariances(W, np.ones(N), noise=np.ones(N))  # D fixed
        pr = participation_ratio(C_D) / N
        report.add(relative_check(f"linear_PR_R{R}", "PR/N of the linear model with D = 1 vs "
                                  "(1-R^2)^2", (1 - R**2) ** 2, pr, 0.03,
                                  kind="simulation-vs-theory"))
        rows.append(dict(R=R, N_var_cov=N * off.var(), theory_var=theory_var, PR_over_N=pr,
                         theory_PR=(1 - R**2) ** 2))
    table = pd.DataFrame(rows)
    report.table(table, "linear_model.csv")
    return table


SPARSE_EXPECTED = {"EE": 0.0075, "EI": 0.003125, "II": -0.00125}  # brief T2, population formula


def _sparse_ei(report, N_E=1600, N_I=400, min_realisations=5, max_realisations=80,
               target_se=0.01):
    """Linear E/I model with Bernoulli p and weight jitter CV_w at fixed summed weights
    W_E = 2, W_I = -3 and a = 1 (brief T2).

    The mean covariance of one realised matrix scatters around the ensemble value (by up to
    7 % SD per realisation at N = 2000 and R^2 = 0.23), so the +-3 % claim is tested on the
    mean over realisations. For the checked settings (0 < R^2 <= 0.3) realisations are added
    until the standard error of that mean is at most 1 % of the expected value for every pair
    type (a 3 % deviation is then 3 standard errors), up to ``max_realisations``."""
    rows = []
    pops = {"E": slice(0, N_E), "I": slice(N_E, N_E + N_I)}
    for p_conn in (0.1, 0.2, 0.5, 1.0):
        for cv_w in (0.0, 0.5, 1.0):
            stats = []
            seed = 0
            while True:
                rng = np.random.default_rng([int(p_conn * 100), int(cv_w * 10), seed])
                W = np.zeros((N_E + N_I, N_E + N_I))
                for sl, n_pre, Wbar in ((pops["E"], N_E, 2.0), (pops["I"], N_I, -3.0)):
                    mask = rng.random((N_E + N_I, n_pre)) < p_conn
                    W[:, sl] = mask * Wbar / (p_conn * n_pre) * (
                        1 + cv_w * rng.standard_normal(mask.shape))
                # single precision at half the cost: the realisation means moved by at most
                # 5e-4 (relative) against double precision, for 3 % checks with 1 % SEs
                C, _ = covariances(W, np.ones(N_E + N_I), dtype=np.float32)
                one = {"R2": bulk_radius_squared(W, pops)}
                for _, row in pair_statistics(C, np.inf, pops).iterrows():  # exact C: no noise
                    one[f"mean_{row.pair}"], one[f"var_{row.pair}"] = row.mean_cov, row.var_cov
                stats.append(one)
                seed += 1
                checked = 0 < np.mean([st["R2"] for st in stats]) <= 0.3
                se = max(np.std([st[f"mean_{k}"] for st in stats], ddof=1) / np.sqrt(len(stats))
                         / abs(v) for k, v in SPARSE_EXPECTED.items()) if len(stats) > 1 else 1
                if len(stats) >= min_realisations and (not checked or se <= target_se
                                                        or len(stats) >= max_realisations):
                    break
            theory = mean_covariances(W, np.ones(N_E + N_I), pops)
            theory_var = covariance_variances(W, np.ones(N_E + N_I), pops)
            row = dict(p=p_conn, cv_w=cv_w, realisations=len(stats), relative_se=se,
                       **{k: np.mean([st[k] for st in stats]) for k in stats[0]})
            for a, b in ((0, 0), (0, 1), (1, 1)):
                row[f"theory_{'EI'[a]}{'EI'[b]}"] = theory[a, b]
                row[f"theory_var_{'EI'[a]}{'EI'[b]}"] = theory_var[a, b]
            rows.append(row)
            if 0 < row["R2"] <= 0.3:
                for pair, expected in SPARSE_EXPECTED.items():
                    report.add(relative_check(
                        f"sparse_mean_cov_{pair}_p{p_conn}_cv{cv_w}", f"mean {pair} cross-"
                        f"covariance of the sparse E/I linear model (p = {p_conn}, CV_w = "
                        f"{cv_w}, R^2 = {row['R2']:.3f}, mean of {len(stats)} realisations, "
                        f"standard error {se:.1%}) vs the population formula", expected,
                        row[f"mean_{pair}"], 0.03, kind="simulation-vs-theory"))
    table = pd.DataFrame(rows)
    report.table(table, "sparse_linear_model.csv")
    return table


# ------------------------------------------------------------------------------------------
def _network_theory(p, seed, dt=0.0, connections=None, nu=None):
    """Realise the example network (or take ``connections``) and evaluate the neuron-resolved
    theory on it; ``dt`` and ``nu`` as for :func:`_resolved_theory`."""
    start = time.perf_counter()
    connections = realise(p, seed) if connections is None else connections
    th = _resolved_theory(p, dense_matrix(p, connections), dt=dt, nu=nu)
    return dict(th, seed=seed, connections=connections,
                R2=bulk_radius_squared(th["W"], p.populations),
                max_re=float(np.linalg.eigvals(th["W"]).real.max()),
                seconds=time.perf_counter() - start)


def _resolved_theory(p, J, dt=0.0, nu=None):
    """Neuron-resolved theory on the matrix J[post, pre] (V) with the external input of p:
    working point, CVs, effective connectivity W = alpha J + beta J^2 and covariances C.
    dt > 0 adds the discrete-time threshold shift of a simulation with that time step; nu
    (Hz, per neuron) evaluates everything at those rates (the semi-analytic variant)."""
    J_x, nu_x = p.external()
    return dict(resolved_theory(J, p.tau_m, p.V_th, p.V_r, p.tau_ref, J_x=J_x, nu_x=nu_x,
                                mu_dc=p.mu_dc, dt=dt, nu=nu), J=J)


def _example_checks(report, theories):
    """Rate, CV and bulk R^2 are self-averaging: their realisation means are compared with the
    brief's values. The rightmost eigenvalue is not: it sits at the edge of the bulk and
    scatters from one realised matrix to the next, and the brief's 0.744 is a single
    realisation (numpy seed 42 of the authors' code). That reference is therefore compared with
    the distribution over our realisations: it must lie within mean +- 2 SD (a single draw
    does so with about 95 % probability), widened by the issue's +-0.03."""
    rate = np.array([t["wp"]["nu"].mean() for t in theories])
    cv = np.array([np.nanmean(t["cv"]) for t in theories])
    max_re = np.array([t["max_re"] for t in theories])
    R2 = np.array([t["R2"] for t in theories])
    n = len(theories)
    for name, values, expected, scale, tol in (("rate", rate, 26.5, "rel", 0.05),
                                               ("cv", cv, 1.10, "rel", 0.03),
                                               ("bulk_R2", R2, 0.53, "abs", 0.05)):
        desc = (f"example network theory, mean over {n} realisations (per realisation "
                f"{', '.join(f'{v:.3g}' for v in values)})")
        lo, hi = ((expected * (1 - tol), expected * (1 + tol)) if scale == "rel"
                  else (expected - tol, expected + tol))
        why = f"issue: {'+-' + str(tol)}{' relative' if scale == 'rel' else ''}"
        report.add(interval_check(f"theory_{name}", f"{name}: {desc}", expected, values.mean(),
                                  lo, hi, why, kind="theory-vs-paper"))
    mean, sd = max_re.mean(), max_re.std(ddof=1)
    report.add(interval_check(
        "theory_max_re_lambda", f"max Re lambda(W): the brief's single-realisation value 0.744 "
        f"against our {n} realisations (mean {mean:.3f}, SD {sd:.3f}, range {max_re.min():.3f}"
        f"-{max_re.max():.3f}); mean - 0.744 = {mean - 0.744:+.3f}", mean, 0.744,
        mean - 2 * sd - 0.03, mean + 2 * sd + 0.03,
        "reference is one realisation: mean +- 2 SD over realisations, +-0.03 (issue)",
        kind="theory-vs-paper"))
    report.table(pd.DataFrame(dict(seed=[t["seed"] for t in theories], rate=rate, cv=cv,
                                   max_re_lambda=max_re, R2=R2,
                                   theory_seconds=[t["seconds"] for t in theories])),
                 "example_theory.csv")


def _simulate(report, runs, force):
    """Spike times of Brian2 runs of the network, one per (p, realisation seed, T, simulation
    seed, saved point), on the run's executor; each saved as it finishes."""
    keys = [point_key(point) for *_, point in runs]
    run_of = {key: dict(p=p, realisation=realisation, T=T, seed=seed,
                        cache=report.structures_dir)
              for key, (p, realisation, T, seed, _) in zip(keys, runs)}
    values = report.map_points(_simulate_run, keys, lambda key: run_of[key], force=force)
    return [values[key] for key in keys]


def _build(sim, p, realisation, T):
    handles = build_network(sim, p, realise(p, realisation))
    sim.network.run(T * second, namespace={})
    return handles


def _simulate_run(payload):
    """A worker's part: one run of the network of ``p`` on realisation ``realisation``."""
    start = time.perf_counter()
    p, realisation, T = payload["p"], payload["realisation"], payload["T"]
    with compiled_network(f"layer {p!r} realisation={realisation} T={T}",
                          functools.partial(_build, p=p, realisation=realisation, T=T),
                          dt=description(p).dt, cache_directory=payload["cache"]) as network:
        network.execute({}, seed=payload["seed"])
        i, t = network.handles.network_spike_trains()
        timings = network.simulation.timings
        values = dict(i=i, t=t, build_seconds=timings.get("build", 0.0),
                      run_seconds=timings["execute"])
    return point_result(values, compiled=network.compiled,
                        seconds=time.perf_counter() - start)


def _simulation(report, cfg, store, p, theory, force):
    T, bin_width = cfg["duration"], cfg["bin"]
    point = dict(kind="layer_example", seed=cfg["sim_seed"], realisation=theory["seed"], T=T)
    (res,) = _simulate(report, [(p, theory["seed"], T, cfg["sim_seed"], point)], force)
    i, t = res["i"], res["t"]
    rates = firing_rates(i, t, p.N, T_INIT, T)
    cvs = isi_cvs(i, t, p.N, T_INIT, T)
    cov, n_windows = count_covariance(i, t, p.N, T_INIT, T, bin_width)
    cov_density = spectrum_from_count_covariance(cov, bin_width)  # Hz, as the theory's C
    th_rate, th_cv = theory["wp"]["nu"].mean(), np.nanmean(theory["cv"])
    report.add(relative_check("sim_rate", f"mean rate (Hz), Brian2, {T - T_INIT:g} s vs theory "
                              "on the same matrix (the diffusion approximation overestimates "
                              "it here)", th_rate, rates.mean(), 0.20, kind="simulation-vs-theory"))
    report.add(relative_check("sim_cv", "mean ISI CV vs theory", th_cv, np.nanmean(cvs), 0.05,
                              kind="simulation-vs-theory"))
    sim_stats = pair_statistics(cov_density, n_windows, p.populations).set_index("pair")
    # the theory has no estimation noise: infinitely many windows
    th_stats = pair_statistics(theory["C"], np.inf, p.populations).set_index("pair")
    for pair in sim_stats.index:
        report.add(relative_check(
            f"sim_var_cov_{pair}", f"noise-corrected variance of {pair} covariances (Hz^2), "
            f"{bin_width} s bins", th_stats.var_cov[pair], sim_stats.var_cov[pair], 0.25,
            kind="simulation-vs-theory"))
    r_sim = correlation_from_covariance(cov)
    r_th = correlation_from_covariance(theory["C"])
    iu = np.triu_indices(p.N, 1)
    ok = np.isfinite(r_sim[iu])
    pearson = np.corrcoef(r_sim[iu][ok], r_th[iu][ok])[0, 1]
    report.add(interval_check("sim_pair_pattern", "Pearson correlation of simulated and predicted"
                              " per-pair correlation coefficients", 0.6 if cfg["duration"] < 500
                              else 0.85, pearson, 0.6 if cfg["duration"] < 500 else 0.85, 1.0,
                              "issue: >= 0.6 (quick), >= 0.85 (full)", kind="simulation-vs-theory"))
    rows = [dict(pair=k, sim_mean=sim_stats.mean_cov[k], theory_mean=th_stats.mean_cov[k],
                 sim_var=sim_stats.var_cov[k], theory_var=th_stats.var_cov[k])
            for k in sim_stats.index]
    report.table(pd.DataFrame(rows), "simulation_vs_theory.csv")
    return dict(rates=rates, cvs=cvs, r_sim=r_sim[iu], r_th=r_th[iu],
                wall=res["run_seconds"], build=res["build_seconds"])


def _controls(report, p, th):
    """Std of predicted correlations without structural or without single-neuron
    heterogeneity (theory on the same realisation)."""
    pops = p.populations
    iu = np.triu_indices(p.N, 1)

    def corr_std(C):
        return correlation_from_covariance(C)[iu].std()

    full = corr_std(th["C"])
    # no structural heterogeneity: every neuron gets the block-mean weight from every neuron
    M_J, _ = block_means_and_variances(th["J"], pops)
    idx = np.repeat([0, 1], [p.N_E, p.N_I])
    no_structure = corr_std(_resolved_theory(p, M_J[np.ix_(idx, idx)])["C"])
    # no single-neuron heterogeneity: population-mean alpha, beta and a on the realised J
    def pop_mean(x):
        return np.concatenate([np.full(sl.stop - sl.start, x[sl].mean()) for sl in pops.values()])
    alpha, beta, a = pop_mean(th["alpha"]), pop_mean(th["beta"]), pop_mean(th["a"])
    W_same = linear_response_connectivity(th["J"], alpha, beta)
    C_same, _ = covariances(W_same, a)
    no_single = corr_std(C_same)
    report.add(interval_check("control_no_structural_heterogeneity", "std of correlations: full"
                              " / without structural heterogeneity (block-mean weights)", 4.0,
                              full / max(no_structure, 1e-300), 4.0, np.inf, "issue: >= 4x",
                              kind="theory-vs-paper"))
    report.add(interval_check("control_no_single_neuron_heterogeneity", "std of correlations "
                              "without single-neuron heterogeneity / full - 1", 0.0,
                              no_single / full - 1, -0.10, 0.10, "issue: changes by < 10%",
                              kind="theory-vs-paper"))
    return dict(full=full, no_structure=no_structure, no_single=no_single)


# ------------------------------------------------------------------------------------------
def _sweep_parameters(p, nu, p_conn, cv_w, size=1.0):
    """Parameters with connection probability p_conn, weight jitter SD cv_w J_E and ``size``
    times the example's number of neurons, at the example's working point: K J is kept (J_E
    scaled by p N / (p_conn N size)), so the recurrent mean input is unchanged at the
    population rate nu (Hz); the external rates are solved so that the population-level
    input variance is unchanged too."""
    tau = p.tau_m
    N_E, N_I = int(round(size * p.N_E)), int(round(size * p.N_I))
    K_E, K_I = round(p_conn * N_E), round(p_conn * N_I)
    K_E0, K_I0 = round(p.p * p.N_E), round(p.p * p.N_I)
    J_E = p.J_E * K_E0 / K_E

    def rec_var(J, sd, kE, kI):
        return tau * nu * (kE * (J**2 + sd**2) + kI * ((p.g * J) ** 2 + sd**2))

    J_x, nu_x = p.external()
    mu_ext = tau * J_x[0] @ nu_x + p.mu_dc
    var_ext = (tau * J_x[0] ** 2 @ nu_x + rec_var(p.J_E, p.weight_sd, K_E0, K_I0)
               - rec_var(J_E, cv_w * J_E, K_E, K_I))
    if var_ext <= 0:
        raise ParameterError(f"p = {p_conn}, CV_w = {cv_w}: the recurrent input variance alone "
                         "exceeds the example's working point")
    r_x = external_rates_for_input(mu_ext, np.sqrt(var_ext), J_E, -p.g * J_E, tau, p.mu_dc)
    return LayerParameters(N_E=N_E, N_I=N_I, p=p_conn, J_E=J_E, weight_sd=cv_w * J_E,
                           r_x=tuple(r_x))


def _measured_covariances(i, t, p, T, bin_width):
    """Rates, CVs and the pair statistics of the count covariances of one run (Hz, densities),
    with the standard error and bias of the noise-corrected variance over all distinct pairs
    from time-shifted pairs (the null distribution)."""
    counts = spike_counts(i, t, p.N, T_INIT, T, bin_width)
    n_windows = counts.shape[1]
    stats = pair_statistics(np.cov(counts) / bin_width, n_windows,
                            p.populations).set_index("pair")
    null = (shifted_covariance_spread(counts, p.populations).set_index("pair")
            / bin_width**2).sub(stats.estimation_noise, axis=0)
    w = stats.n_pairs / stats.n_pairs.sum()  # all distinct pairs pooled
    null_pooled = (null.mul(w, axis=0)).sum()
    # standard error of the pooled mean covariance: its scatter over 10 consecutive blocks
    everyone = {"all": slice(0, p.N)}
    blocks = [mean_pair_covariances(counts[:, b], everyone)["allall"] / bin_width
              for b in np.array_split(np.arange(n_windows), 10)]
    return dict(stats=stats, weights=w, rates=firing_rates(i, t, p.N, T_INIT, T),
                mean_cov_se=float(np.std(blocks, ddof=1) / np.sqrt(len(blocks))),
                cvs=isi_cvs(i, t, p.N, T_INIT, T),
                mean_cov=float((w * stats.mean_cov).sum()),
                var_cov=float((w * stats.var_cov).sum()),
                estimation_noise=float((w * stats.estimation_noise).sum()),
                var_cov_se=null_pooled.std(ddof=1), null_bias=null_pooled.mean(),
                n_windows=n_windows)


def _theory_covariances(th, p, weights):
    """Pair statistics of the theory's covariances, pooled with the measured pair weights."""
    stats = pair_statistics(th["C"], np.inf, p.populations).set_index("pair")
    return dict(stats=stats, mean_cov=float((weights * stats.mean_cov).sum()),
                var_cov=float((weights * stats.var_cov).sum()), rate=th["wp"]["nu"].mean(),
                cv=np.nanmean(th["cv"]), R2=th["R2"])


#: the time step of the Layer simulations (s); the discrete-time threshold shift uses it
DT = description(LayerParameters()).dt

#: the theories compared with every simulation: the paper's (continuous time), with the
#: discrete-time threshold shift of the simulation's dt, and the semi-analytic variant (with
#: the shift, evaluated at the simulated per-neuron rates)
VARIANTS = ("paper", "dt_shift", "semi_analytic")


def _theory_variants(p, th_paper, sim_rates):
    connections = th_paper["connections"]
    return {"paper": th_paper,
            "dt_shift": _network_theory(p, th_paper["seed"], dt=DT, connections=connections),
            "semi_analytic": _network_theory(p, th_paper["seed"], dt=DT,
                                             connections=connections, nu=sim_rates)}


def _comparison_row(sim, theories, p):
    row = dict(sim_rate=sim["rates"].mean(), sim_cv=np.nanmean(sim["cvs"]),
               sim_mean_cov=sim["mean_cov"], sim_mean_cov_se=sim["mean_cov_se"],
               sim_var_cov=sim["var_cov"], sim_var_cov_se=sim["var_cov_se"], estimation_noise=sim["estimation_noise"],
               null_bias=sim["null_bias"])
    for name, th in theories.items():
        t = _theory_covariances(th, p, sim["weights"])
        row.update({f"{name}_rate": t["rate"], f"{name}_cv": t["cv"], f"{name}_R2": t["R2"],
                    f"{name}_mean_cov": t["mean_cov"], f"{name}_var_cov": t["var_cov"]})
        for quantity in ("rate", "mean_cov", "var_cov"):
            row[f"{name}_{quantity}_error"] = row[f"sim_{quantity}"] / t[quantity] - 1
        for pair in sim["stats"].index:
            for stat in ("mean_cov", "var_cov"):
                row[f"sim_{stat}_{pair}"] = sim["stats"][stat][pair]
                row[f"{name}_{stat}_{pair}"] = t["stats"][stat][pair]
    return row


def _spiking_sweep(report, cfg, store, p0, th0, force, stage=lambda text: None):
    """Mean and variance of covariances vs bulk R across p and jitter at a fixed working point,
    Brian2 against the neuron-resolved theory on each realised matrix: the paper's theory,
    with the discrete-time threshold shift, and semi-analytic (at the simulated rates)."""
    T, bin_width = cfg["sweep_duration"], cfg["bin"]
    nu = th0["wp"]["nu"].mean()
    rows = []
    stage(f"{len(cfg['sweep'])} networks")
    params = [_sweep_parameters(p0, nu, p_conn, cv_w) for p_conn, cv_w in cfg["sweep"]]
    results = _simulate(report, [(p, 100, T, cfg["sim_seed"],
                                  dict(kind="layer_sweep", p=p_conn, cv_w=cv_w,
                                       seed=cfg["sim_seed"], T=T))
                                 for p, (p_conn, cv_w) in zip(params, cfg["sweep"])], force)
    for k, (p_conn, cv_w) in enumerate(cfg["sweep"]):
        stage(f"theory of point {k + 1} of {len(cfg['sweep'])}: p = {p_conn}, CV_w = {cv_w}")
        p, res = params[k], results[k]
        th = _network_theory(p, seed=100)
        sim = _measured_covariances(res["i"], res["t"], p, T, bin_width)
        theories = _theory_variants(p, th, sim["rates"])
        row = dict(p=p_conn, cv_w=cv_w, J_E_mV=p.J_E * 1e3, nu_ext_E=p.r_x[0],
                   nu_ext_I=p.r_x[1], R2=th["R2"], run_seconds=res["run_seconds"],
                   **_comparison_row(sim, theories, p))
        rows.append(row)
        th_var, sim_var, se = row["paper_var_cov"], sim["var_cov"], sim["var_cov_se"]
        report.add(interval_check(
            f"sweep_var_cov_p{p_conn}_cv{cv_w}", f"noise-corrected variance of covariances "
            f"(Hz^2, all pairs, {T - T_INIT:g} s, {bin_width} s bins) at p = {p_conn}, CV_w = "
            f"{cv_w}, R^2 = {th['R2']:.3f}, vs theory on the same matrix; estimation noise "
            f"{row['estimation_noise']:.3g}, standard error {se:.2g} (time-shifted pairs)",
            th_var, sim_var, 0.75 * th_var - 3 * se, 1.25 * th_var + 3 * se,
            "25 % (issue, example network) + 3 standard errors of the noise-corrected estimate",
            kind="simulation-vs-theory"))
    table = pd.DataFrame(rows)
    report.table(table, "spiking_sweep.csv")
    # the criterion for an improved prediction: mean and variance of covariances (all
    # pairs) both within 20 % of the simulation, at >= 6 of the 8 sweep points
    for name in VARIANTS:
        within = ((table[f"{name}_mean_cov_error"].abs() <= 0.20)
                  & (table[f"{name}_var_cov_error"].abs() <= 0.20))
        report.add(interval_check(
            f"sweep_within_20pct_{name}", f"sweep points where the {name.replace('_', ' ')} "
            "theory's mean and variance of covariances (all pairs) are both within 20 % of "
            f"the simulation (points: {', '.join(f'{a}/{b}' for a, b in zip(table.p[within], table.cv_w[within]))})",
            len(table), int(within.sum()), int(np.ceil(0.75 * len(table))), len(table),
            "issue: >= 6 of 8", kind="simulation-vs-theory"))
    _sweep_figure(report, table)


def _sweep_figure(report, table):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 3.8), layout="constrained")
    R = np.sqrt(table.R2)
    for pair, color in zip(("EE", "EI", "II"), ("C3", "C2", "C0")):
        axes[0].plot(R, table[f"paper_mean_cov_{pair}"], "x", color=color, label=f"{pair} theory")
        axes[0].plot(R, table[f"dt_shift_mean_cov_{pair}"], "+", color=color,
                     label=f"{pair} theory, dt shift")
        axes[0].plot(R, table[f"sim_mean_cov_{pair}"], "o", mfc="none", color=color,
                     label=f"{pair} Brian2")
    axes[1].plot(R, table.paper_var_cov, "kx", label="theory")
    axes[1].plot(R, table.dt_shift_var_cov, "k+", label="theory, dt shift")
    axes[1].errorbar(R, table.sim_var_cov, 3 * table.sim_var_cov_se, fmt="o", mfc="none",
                     color="k", label="Brian2 +- 3 SE")
    for name, marker in zip(VARIANTS, "x+s"):
        axes[2].plot(R, 100 * table[f"{name}_mean_cov_error"], marker, mfc="none", color="C0",
                     label=f"mean cov, {name.replace('_', ' ')}")
        axes[2].plot(R, 100 * table[f"{name}_var_cov_error"], marker, mfc="none", color="C1",
                     label=f"var cov, {name.replace('_', ' ')}")
    axes[2].axhspan(-20, 20, color="0.9")
    axes[0].set(xlabel="bulk radius R", ylabel="mean covariance (Hz)",
                title="fixed working point")
    axes[0].legend(fontsize=6)
    axes[1].set(xlabel="bulk radius R", ylabel="variance of covariances (Hz$^2$, all pairs)",
                yscale="log")
    axes[1].legend(fontsize=7)
    axes[2].set(xlabel="bulk radius R", ylabel="simulation / theory - 1 (%)",
                title="band: +-20 %")
    axes[2].legend(fontsize=6)
    report.figure(fig, "spiking_sweep.png")


def _psp_calibration(report, cfg, store, p0, th0, force, stage=lambda text: None):
    """Brief sec. 5 T6c as a series in the PSP size: J_E shrinks from the example's 0.8 mV to
    0.2 mV at the example's working point (population-level mu and sigma, external rates
    re-solved), connection probability and weight CV. K J is kept by scaling N with 1/J_E
    (N = 1000, 2000, 4000), so the mean coupling and the pair-sharing of inputs stay those of
    the example; only the jump size changes, and with it the bulk radius (R^2 ~ J_E).

    The simulations keep the example's time step dt = 0.1 ms, whose effect on the rate does
    not vanish with J_E (single-neuron control below), so the PSP-size effect is measured
    against the theory with the discrete-time threshold shift; the paper's theory is in the
    table and the figure too. Checks: the relative errors of the mean and of the variance of
    covariances (all distinct pairs) do not grow as J_E shrinks (each step allowed 2 standard
    errors of the difference), and are below 15 % at J_E = 0.2 mV (issue)."""
    T, bin_width = cfg["calibration_duration"], cfg["bin"]
    nu = th0["wp"]["nu"].mean()
    cv_w = p0.weight_sd / p0.J_E
    J_values = cfg["calibration"]
    rows = []
    params = [_sweep_parameters(p0, nu, p0.p, cv_w, size=p0.J_E * 1e3 / J_mV)
              for J_mV in J_values]
    stage(f"{len(J_values)} networks, N = {', '.join(str(p.N) for p in params)}")
    results = _simulate(report, [(p, 200, T, cfg["sim_seed"],
                                  dict(kind="layer_calibration", J_E_mV=J_mV, N=p.N,
                                       seed=cfg["sim_seed"], T=T))
                                 for p, J_mV in zip(params, J_values)], force)
    for k, J_mV in enumerate(J_values):
        p, res = params[k], results[k]
        stage(f"theory at J_E = {J_mV} mV, N = {p.N} ({k + 1} of {len(J_values)})")
        th = _network_theory(p, seed=200)
        sim = _measured_covariances(res["i"], res["t"], p, T, bin_width)
        theories = _theory_variants(p, th, sim["rates"])
        rows.append(dict(J_E_mV=J_mV, N=p.N, K_E=round(p.p * p.N_E), nu_ext_E=p.r_x[0],
                         nu_ext_I=p.r_x[1], n_windows=sim["n_windows"],
                         run_seconds=res["run_seconds"], **_comparison_row(sim, theories, p)))
    table = pd.DataFrame(rows).sort_values("J_E_mV", ascending=False).reset_index(drop=True)
    for q in ("mean_cov", "var_cov"):
        table[f"dt_shift_{q}_error_se"] = table[f"sim_{q}_se"] / table[f"dt_shift_{q}"]
    single = _single_neuron_control(report, cfg, store, p0, th0, force, stage)
    report.table(table, "psp_calibration.csv")
    for q, label in (("mean_cov", "mean"), ("var_cov", "noise-corrected variance")):
        err, se = table[f"dt_shift_{q}_error"].abs(), table[f"dt_shift_{q}_error_se"]
        for a in range(len(table) - 1):
            big, small = table.J_E_mV[a], table.J_E_mV[a + 1]
            allowed = 2 * np.hypot(se[a], se[a + 1])
            report.add(interval_check(
                f"calibration_{q}_error_J{small:g}_vs_J{big:g}", f"|simulation / theory - 1| "
                f"of the {label} of covariances (all pairs) at J_E = {small:g} mV "
                f"({err[a + 1]:.1%}, N = {table.N[a + 1]}) minus that at {big:g} mV "
                f"({err[a]:.1%}); theory with the dt shift; paper's theory: "
                f"{abs(table[f'paper_{q}_error'][a + 1]):.1%} and "
                f"{abs(table[f'paper_{q}_error'][a]):.1%}", 0.0, err[a + 1] - err[a],
                -np.inf, allowed, "does not grow as J shrinks: <= 2 standard errors of the "
                "difference", kind="simulation-vs-theory"))
        last = len(table) - 1
        report.add(interval_check(
            f"calibration_{q}_J{table.J_E_mV[last]:g}", f"{label} of covariances (Hz or Hz^2,"
            f" all pairs) at J_E = {table.J_E_mV[last]:g} mV, N = {table.N[last]}, "
            f"{T - T_INIT:g} s: simulation vs theory with the dt shift (standard error "
            f"{table[f'sim_{q}_se'][last]:.3g}; paper's theory "
            f"{table[f'paper_{q}'][last]:.4g})", table[f"dt_shift_{q}"][last],
            table[f"sim_{q}"][last], 0.85 * table[f"dt_shift_{q}"][last],
            1.15 * table[f"dt_shift_{q}"][last], "issue: within 15 %", kind="simulation-vs-theory"))
    _calibration_figure(report, table, single)


def _single_neuron_control(report, cfg, store, p0, th0, force, stage):
    """Unconnected neurons with the example neurons' mean input and noise (population
    means), driven by Poisson jumps of the calibration's sizes J_E (E) and -g J_E (I), at the
    simulations' dt and at dt / 4: separates the PSP-size effect on the rate from the time
    step's. Checked at the smallest J_E against the rate with the discrete-time shift:
    within 4 standard errors over neurons plus the neglected next order, (dt/tau_m) nu. At
    the simulations' dt the mean input is also moved by +-1 mV at fixed sigma: the measured
    gain d nu / d mu (Hz/mV) against the theories' (table and figure)."""
    from brian2 import Hz, mV

    import balanced_models as bm
    from balanced_models.engines.brian2.recording import spike_arrays

    mu, sigma = th0["wp"]["mu"].mean(), th0["wp"]["sigma"].mean()
    N, T, epsilon = 1000, cfg["single_neuron_duration"], 1e-3
    J_values = cfg["calibration"]
    rows = []
    for time_step in (DT, DT / 4):  # not "dt": Brian2 would see it in the namespace
        stage(f"single-neuron control, dt = {time_step * 1e3:g} ms")

        def simulate():
            sim = bm.Simulation("cpp_standalone", seed=7, dt=time_step * second,
                                directory=os.path.join(report.build_dir, "single_neuron"))
            model = bm.lif("delta", tau_m=p0.tau_m * second, E_L=p0.mu_dc * 1e3 * mV,
                           V_th=p0.V_th * 1e3 * mV, V_r=p0.V_r * 1e3 * mV,
                           refractory=p0.tau_ref * second)
            G = sim.add(model.group(N, drive=["e", "i"]))
            spikes = sim.add(bm.spike_monitor(G))
            out = {"rate": [], "rate_se": [], "cv": []}
            for k, (J_mV, shift) in enumerate(conditions):
                J = J_mV * 1e-3
                nu_e, nu_i = external_rates_for_input(mu + shift, sigma, J, -p0.g * J,
                                                      p0.tau_m, p0.mu_dc)
                if k == 0:
                    for channel, rate, w in (("e", nu_e, J_mV), ("i", nu_i, -p0.g * J_mV)):
                        bm.set_poisson_drive(G, model, channel, K=1, rate=rate * Hz,
                                             weight=w * mV)
                    sim.run(T * second)
                else:
                    sim.execute(run_args={G.rate_drive_e: nu_e * Hz, G.rate_drive_i: nu_i * Hz,
                                          G.w_drive_e: J_mV * mV,
                                          G.w_drive_i: -p0.g * J_mV * mV}, seed=7 + k)
                i, t = spike_arrays(spikes)
                rates, cvs = firing_rates(i, t, N, T_INIT, T), isi_cvs(i, t, N, T_INIT, T)
                out["rate"].append(rates.mean())
                out["rate_se"].append(rates.std(ddof=1) / np.sqrt(N))
                out["cv"].append(np.nanmean(cvs))
            sim.close()
            return out

        # at the simulations' dt also mu +- epsilon: the gain d nu / d mu at fixed sigma
        conditions = [(J_mV, 0.0) for J_mV in J_values]
        if time_step == DT:
            conditions += [(J_mV, sign * epsilon) for J_mV in J_values for sign in (1, -1)]
        point = dict(kind="layer_single_neuron", dt=time_step, J_E_mV=list(J_values), T=T, N=N,
                     epsilon=epsilon if time_step == DT else 0.0)
        res = store.cached(point, simulate, force=force)
        result = {c: (float(res["rate"][k]), float(res["rate_se"][k]), float(res["cv"][k]))
                  for k, c in enumerate(conditions)}
        theory = dict(paper=siegert_rate(mu, sigma, p0.tau_m, p0.V_th, p0.V_r, p0.tau_ref),
                      dt_shift=siegert_rate(mu, sigma, p0.tau_m, p0.V_th, p0.V_r, p0.tau_ref,
                                            dt=time_step))
        gains = {name: rate_derivatives(mu, sigma, p0.tau_m, p0.V_th, p0.V_r, p0.tau_ref,
                                        dt=dt_)[0] for name, dt_ in (("paper", 0.0),
                                                                     ("dt_shift", time_step))}
        for J_mV in J_values:
            rate, rate_se, cv = result[J_mV, 0.0]
            row = dict(dt_ms=time_step * 1e3, J_E_mV=J_mV, rate=rate, rate_se=rate_se, cv=cv,
                       paper_rate=theory["paper"], dt_shift_rate=theory["dt_shift"],
                       paper_gain=gains["paper"] * 1e-3, dt_shift_gain=gains["dt_shift"] * 1e-3)
            if (J_mV, epsilon) in result:  # Hz per mV
                (up, up_se, _), (down, down_se, _) = result[J_mV, epsilon], result[J_mV, -epsilon]
                row.update(gain=(up - down) / (2 * epsilon) * 1e-3,
                           gain_se=np.hypot(up_se, down_se) / (2 * epsilon) * 1e-3)
            rows.append(row)
    table = pd.DataFrame(rows)
    report.table(table, "single_neuron_control.csv")
    smallest = table[table.J_E_mV == min(J_values)]
    for _, r in smallest.iterrows():
        allowed = 4 * r.rate_se + r.dt_ms * 1e-3 / p0.tau_m * r.dt_shift_rate
        report.add(interval_check(
            f"single_neuron_rate_dt{r.dt_ms:g}ms", f"rate (Hz) of unconnected neurons at the "
            f"example's mu = {mu * 1e3:.2f} mV, sigma = {sigma * 1e3:.2f} mV, J_E = "
            f"{r.J_E_mV:g} mV, dt = {r.dt_ms:g} ms, vs Siegert with the discrete-time shift "
            f"(paper's Siegert: {r.paper_rate:.2f} Hz)", r.dt_shift_rate, r.rate,
            r.dt_shift_rate - allowed, r.dt_shift_rate + allowed,
            "4 standard errors over neurons + (dt/tau_m) nu (next order)",
            kind="simulation-vs-theory"))
    return table


def _calibration_figure(report, table, single):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8), layout="constrained")
    J = table.J_E_mV
    ax = axes[0]
    for name, marker in zip(VARIANTS[:2], "xo"):
        ax.plot(J, 100 * table[f"{name}_rate_error"], marker + "-", mfc="none",
                label=f"network vs {name.replace('_', ' ')} theory")
    for dt_ms, s in single.groupby("dt_ms"):
        ax.plot(s.J_E_mV, 100 * (s.rate / s.paper_rate - 1), "s--", mfc="none",
                label=f"single neurons, dt = {dt_ms:g} ms, vs Siegert")
        ax.plot(s.J_E_mV, 100 * (s.rate / s.dt_shift_rate - 1), "s:",
                label=f"single neurons, dt = {dt_ms:g} ms, vs Siegert + dt shift")
    ax.set(xlabel="J_E (mV)", ylabel="rate: simulation / theory - 1 (%)", title="rates")
    ax.legend(fontsize=6)
    for ax, q, title in ((axes[1], "mean_cov", "mean covariance"),
                         (axes[2], "var_cov", "variance of covariances")):
        for name, marker in zip(VARIANTS, "xo^"):
            ax.errorbar(J, 100 * table[f"{name}_{q}_error"],
                        200 * table[f"sim_{q}_se"] / table[f"{name}_{q}"], fmt=marker + "-",
                        mfc="none", capsize=2, label=f"vs {name.replace('_', ' ')} theory")
        ax.axhspan(-15, 15, color="0.9")
        ax.axhline(0, color="k", lw=0.6)
        ax.set(xlabel="J_E (mV)", ylabel="simulation / theory - 1 (%)",
               title=f"{title} (all pairs; +-2 SE; band +-15 %)")
        ax.legend(fontsize=6)
    if "gain" in single:
        s = single.dropna(subset=["gain"])
        ax = axes[3]
        ax.errorbar(s.J_E_mV, s.gain, 2 * s.gain_se, fmt="o", capsize=2,
                    label=f"single neurons, dt = {s.dt_ms.iloc[0]:g} ms (+-2 SE)")
        ax.plot(s.J_E_mV, s.paper_gain, "k--", label="Siegert")
        ax.plot(s.J_E_mV, s.dt_shift_gain, "k-", label="Siegert + dt shift")
        ax.set(xlabel="J_E (mV)", ylabel="d rate / d mu (Hz/mV)",
               title="single-neuron gain at fixed sigma")
        ax.legend(fontsize=6)
    fig.suptitle("PSP-size calibration at the example's working point (K J fixed, N ~ 1/J)",
                 fontsize=9)
    report.figure(fig, "psp_calibration.png")


def _linear_response(report, cfg, store, p, th0, force):
    """The effective connectivity measured in the simulation: every neuron's constant drive is
    changed by +-epsilon xi_i (xi_i = +-1 at random, epsilon = 1 mV, about 5 % of sigma), in
    two runs with the same seed. Half the rate difference, neuron by neuron, is the network's
    linear response dnu = (1 - W)^-1 diag(alpha / tau_m) epsilon xi, which each theory
    predicts from its own W = alpha J + beta J^2 and gains (the second order cancels in the
    +- difference). The slope of measured on predicted (through the origin; 1 if the theory's
    gains and W are right) and its standard error, from the scatter about the fit, say by how
    much each theory's linear response is off."""
    from brian2 import volt

    epsilon, T = 1e-3, cfg["response_duration"]
    xi = np.where(np.random.default_rng(12).random(p.N) < 0.5, -1.0, 1.0)

    def simulate():
        sim = Simulation("cpp_standalone", seed=cfg["sim_seed"],
                         directory=os.path.join(report.build_dir, "response"))
        h = build_network(sim, p, th0["connections"])
        out = {}
        for sign, name in ((1, "plus"), (-1, "minus")):
            drive = {}
            for pop, sl in p.populations.items():
                G, offset = h.placement[pop]
                values = drive.setdefault(G, np.full(len(G), p.mu_dc))
                values[offset:offset + sl.stop - sl.start] += sign * epsilon * xi[sl]
            args = {G.mu_ext: values * volt for G, values in drive.items()}
            if sign == 1:
                for G, values in drive.items():
                    G.mu_ext = values * volt
                sim.run(T * second)
            else:
                sim.execute(run_args=args, seed=cfg["sim_seed"])
            i, t = h.network_spike_trains()
            out[f"rates_{name}"] = firing_rates(i, t, p.N, T_INIT, T)
        sim.close()
        return out

    point = dict(kind="layer_linear_response", epsilon=epsilon, xi_seed=12, T=T,
                 seed=cfg["sim_seed"], realisation=th0["seed"])
    res = store.cached(point, simulate, force=force)
    measured = (res["rates_plus"] - res["rates_minus"]) / 2
    base = (res["rates_plus"] + res["rates_minus"]) / 2
    theories = _theory_variants(p, th0, base)
    rows = []
    for name, th in theories.items():
        drive = th["alpha"] / p.tau_m * epsilon * xi  # Hz: alpha is tau_m dnu/dmu
        predicted = linear_response(th["W"][None], drive[None])[0].real  # at f = 0
        slope = float(predicted @ measured / (predicted @ predicted))
        residual = measured - slope * predicted
        se = float(np.sqrt(residual @ residual / (p.N - 1) / (predicted @ predicted)))
        rows.append(dict(theory=name, slope=slope, slope_se=se,
                         pearson=float(np.corrcoef(predicted, measured)[0, 1]),
                         predicted_rms=float(np.sqrt(np.mean(predicted**2))),
                         measured_rms=float(np.sqrt(np.mean(measured**2))),
                         mean_alpha=float(th["alpha"].mean()), R2=th["R2"]))
    table = pd.DataFrame(rows)
    report.table(table, "linear_response.csv")
    for row in rows:
        report.add(interval_check(
            f"linear_response_slope_{row['theory']}", f"measured rate response to +-1 mV "
            f"drive patterns ({T - T_INIT:g} s each, N = {p.N}) on the {row['theory']} "
            f"theory's (1 - W)^-1 alpha epsilon xi, neuron by neuron: slope (SE "
            f"{row['slope_se']:.3f}), Pearson {row['pearson']:.2f}", 1.0, row["slope"], 0.8,
            1.2, "within 20 % (the issue's criterion for an improved prediction)",
            kind="simulation-vs-theory"))
    return table


# ------------------------------------------------------------------------------------------
def _figures(report, linear, sparse, th, sim, controls):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(19, 8.5), layout="constrained")
    ax = axes[0, 0]
    ax.hist(sim["rates"], 40, density=True, alpha=0.6, label="simulation")
    ax.hist(th["wp"]["nu"], 40, density=True, histtype="step", color="k", label="theory")
    ax.set(xlabel="rate (Hz)", ylabel="density (1/Hz)", title="rates (same realised matrix)")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    ax.plot(sim["r_th"], sim["r_sim"], ",", alpha=0.3)
    lim = [min(sim["r_th"].min(), -0.2), max(sim["r_th"].max(), 0.6)]
    ax.plot(lim, lim, "k-", lw=0.8)
    ax.set(xlabel="predicted correlation coefficient", ylabel="simulated correlation coefficient",
           title=f"per pair (Pearson {np.corrcoef(sim['r_sim'][np.isfinite(sim['r_sim'])], sim['r_th'][np.isfinite(sim['r_sim'])])[0, 1]:.2f})")
    ax = axes[0, 2]
    lam = np.linalg.eigvals(th["W"])
    ax.plot(lam.real, lam.imag, ".", ms=2)
    phi = np.linspace(0, 2 * np.pi, 200)
    R = np.sqrt(th["R2"])
    ax.plot(R * np.cos(phi), R * np.sin(phi), "r-", label=f"bulk radius R = {R:.2f}")
    ax.set(aspect="equal", xlabel="Re lambda", ylabel="Im lambda", title="spectrum of W")
    ax.legend(fontsize=7)
    ax = axes[1, 0]
    Rs = np.linspace(0, 0.9, 100)
    ax.plot(Rs, 1 / (1 - Rs**2) ** 2 - 1, "k-", label="1/(1-R^2)^2 - 1")
    ax.plot(linear.R, linear.N_var_cov, "o", label="N var(C), a = 1")
    ax.set(yscale="log", xlabel="bulk radius R", ylabel="N var(C_offdiag)",
           title="linear model, N = 2000")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    ax.plot(Rs, (1 - Rs**2) ** 2, "k-", label="(1-R^2)^2")
    ax.plot(linear.R, linear.PR_over_N, "o", label="PR/N, D = 1")
    ax.set(xlabel="bulk radius R", ylabel="PR / N", title="participation ratio")
    ax.legend(fontsize=7)
    disordered = sparse[sparse.R2 > 1e-6].sort_values("R2")
    for pair, color in (("EE", "C0"), ("EI", "C1"), ("II", "C2")):
        axes[1, 2].plot(disordered.R2, disordered[f"mean_{pair}"], "o", color=color,
                        label=f"{pair} (line: population formula)")
        axes[1, 2].plot(disordered.R2, disordered[f"theory_{pair}"], "-", color=color)
        axes[1, 3].plot(disordered.R2, disordered[f"var_{pair}"], "s", mfc="none", color=color,
                        label=f"{pair} (dotted: sec. 3.5)")
        axes[1, 3].plot(disordered.R2, disordered[f"theory_var_{pair}"], ":", color=color)
    axes[1, 2].set(xlabel="R^2 (sweep of p and CV_w)", ylabel="mean cross-covariance (a.u.)",
                   title="sparse E/I linear model: means do not change")
    axes[1, 3].set(xscale="log", yscale="log", xlabel="R^2",
                   ylabel="variance of covariances (a.u.)",
                   title="... their spread grows with R")
    axes[1, 2].legend(fontsize=6)
    axes[1, 3].legend(fontsize=6)
    axes[0, 3].barh(["full", "no structural\nheterogeneity", "no single-neuron\nheterogeneity"],
                    [controls["full"], controls["no_structure"], controls["no_single"]])
    axes[0, 3].invert_yaxis()
    axes[0, 3].set(xlabel="std of predicted correlations", ylabel="network", title="controls")
    report.figure(fig, "covariances.png")

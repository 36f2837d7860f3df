"""Schuenemann, Ernst & Kesseboehmer (2022): exact avalanche size and assembly distributions of
pulse-coupled threshold units with arbitrary non-negative weights.

Theory (theory.avalanches) against the numpy replica engine and the Brian2 formulation
(balanced_models.papers.schuenemann). Statistical tolerances: the acceptance numbers of the brief
(sec. 5) and of the issue; where a standard error is needed it comes from independent
batches (replica sets with their own random streams), because successive avalanches of one
replica are correlated.
"""

import hashlib
import itertools
import os

import numpy as np
import pandas as pd

from balanced_models.engines.brian2.papers.schuenemann import brian2_avalanches
from balanced_models.papers.schuenemann import (homogeneous_weights, modular_weights,
                                                random_weights, simulate_avalanches)
from theory.avalanches import (assembly_distribution, avalanche_rate, ehe_mean_size,
                               ehe_size_distribution, expected_dissipation, is_recurrent,
                               modular_statistics, recurrent_volume, size_distribution,
                               start_distribution)

from .report import absolute_check, interval_check

DELTA = (0.0, 0.1)  # drive increment, uniform on (0, 0.1]
SCALES = {
    "quick": dict(homogeneous=500_000, random=700_000, modular=300_000, batches=10,
                  brian2_steps=400_000, mc_samples=1_000_000, alphas=[0.5, 0.8, 0.9]),
    "full": dict(homogeneous=5_000_000, random=5_000_000, modular=1_000_000, batches=20,
                 brian2_steps=4_000_000, mc_samples=4_000_000, alphas=[0.3, 0.5, 0.8, 0.9]),
}
# reference values of the brief (sec. 3.7) and the issue: (N, alpha): (P(1), E[L])
REFERENCES = {(10, 0.8): (0.36658, 3.5714), (100, 0.9): (0.37826, 9.1743),
              (100, 0.5): (0.60582, 1.9802), (1000, 1 - 1 / np.sqrt(1000)): (0.36896, 30.683)}
RANDOM_SEED = 6  # the random N = 6 network


def run(scale, report, force=False):
    cfg = SCALES[scale]
    store = report.point_store()

    def simulate(name, W, n, seed, batches=cfg["batches"], replicas=1000, **kwargs):
        """Avalanches from independent batches (own replicas and random stream), each saved
        as soon as it finishes."""
        out = []
        for b in range(batches):
            point = dict(name=name, n=n, batch=b, batches=batches, replicas=replicas, seed=seed,
                         delta=DELTA, W=hashlib.sha1(W.tobytes()).hexdigest(),
                         p=kwargs.get("p") is not None)
            res = store.cached(point, lambda: _record(simulate_avalanches(
                W, n // batches, rng=np.random.default_rng([seed, b]), delta=DELTA,
                replicas=replicas, **kwargs)), force=force)
            out.append(res)
        return out

    report.stage(1, 6, "exact laws and reference values")
    _exact_identities(report)
    _reference_values(report)
    _recurrent_volume(report, cfg)
    report.stage(2, 6, "homogeneous networks")
    homogeneous = _homogeneous(report, cfg, simulate)
    report.stage(3, 6, "random network")
    random_net = _random_network(report, cfg, simulate)
    report.stage(4, 6, "modular network")
    modular = _modular(report, cfg, simulate)
    report.stage(5, 6, "Brian2 engine")
    brian = _brian2(report, cfg, store, force)
    report.stage(6, 6, "figures")
    _figures(report, homogeneous, random_net, modular, brian)


def _record(av):
    return dict(start=av.start, assembly=np.packbits(av.assembly, axis=1, bitorder="little"),
                n_units=av.assembly.shape[1], n_drive_events=av.n_drive_events)


def _unpack(batches):
    N = int(batches[0]["n_units"])
    start = np.concatenate([b["start"] for b in batches])
    assembly = np.concatenate([np.unpackbits(b["assembly"], axis=1, count=N,
                                             bitorder="little").astype(bool) for b in batches])
    return start, assembly


def _size_hist(assembly):
    return np.bincount(assembly.sum(axis=1), minlength=assembly.shape[1] + 1) / len(assembly)


# ----------------------------------------------------------------------------------------
def _exact_identities(report):
    worst_closed = 0.0
    for N, alpha, autapses in itertools.product((6, 8, 10, 12), (0.5, 0.8), (True, False)):
        W = homogeneous_weights(N, alpha, autapses)
        det_law = size_distribution(W, np.full(N, 1.0 / N))
        worst_closed = max(worst_closed,
                           np.abs(det_law - ehe_size_distribution(N, alpha, autapses)).max())
    report.add(absolute_check(
        "closed_form_vs_determinant_law", "max_L |P_det(L) - P_closed(L)| over N = 6..12, "
        "alpha = 0.5/0.8, with and without autapses", 0.0, worst_closed, 1e-10,
        kind="theory-vs-paper"))
    worst_sum, worst_flux = 0.0, 0.0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        W = random_weights(7, 0.6, 0.85, rng=rng)
        p = rng.dirichlet(np.ones(7))
        c = W.sum(axis=0)
        pi, flux = start_distribution(W, p), 0.0
        for k in range(7):
            masks, probs = assembly_distribution(W, k)
            worst_sum = max(worst_sum, abs(probs.sum() - 1.0))
            members = (masks[:, None] >> np.arange(7)) & 1
            flux += pi[k] * np.dot(probs, members @ (1.0 - c))
        worst_flux = max(worst_flux, abs(flux - expected_dissipation(W, p)))
    report.add(absolute_check("assembly_law_normalised", "max_k |sum_A P(A|k) - 1|, five random "
                              "N = 7 networks", 0.0, worst_sum, 1e-12, kind="theory-vs-paper"))
    report.add(absolute_check("flux_identity", "|E[sum_{j in A}(1 - c_j)] - det(1-W)/sum_m p_m "
                              "Phi_m|, five random N = 7 networks", 0.0, worst_flux, 1e-12,
                              kind="theory-vs-paper"))


def _reference_values(report):
    for (N, alpha), (p1, mean) in REFERENCES.items():
        P = ehe_size_distribution(N, alpha)
        tag = f"N{N}_alpha{alpha:.4g}"
        report.add(absolute_check(f"P1_{tag}", f"EHE P(L=1), N = {N}, alpha = {alpha:.4g} "
                                  "(brief table, 5 digits)", p1, P[1], 0.5e-5,
                                  kind="theory-vs-paper"))
        measured_mean = np.dot(np.arange(N + 1), P)
        report.add(absolute_check(f"mean_size_{tag}", f"EHE E[L] from the law, N = {N}",
                                  mean, measured_mean, 0.5 * 10.0 ** (np.floor(np.log10(mean)) - 4),
                                  kind="theory-vs-paper"))
        report.add(absolute_check(f"mean_size_identity_{tag}", "sum_L L P(L) vs N/(N-(N-1)alpha)",
                                  ehe_mean_size(N, alpha), measured_mean, 1e-9 * mean,
                                  kind="theory-vs-paper"))


def _recurrent_volume(report, cfg):
    rng = np.random.default_rng(11)
    W = random_weights(6, 0.6, 0.85, rng=rng)
    n = cfg["mc_samples"]
    frac = is_recurrent(rng.random((n, 6)), W).mean()
    vol = recurrent_volume(W)
    se = np.sqrt(vol * (1 - vol) / n)  # binomial
    report.add(interval_check("recurrent_volume_N6", "fraction of uniform states passing the "
                              "burning test vs det(1 - W)", vol, frac, vol - 4 * se,
                              vol + 4 * se, f"+-4 binomial SE, {n} samples",
                              kind="simulation-vs-theory"))


def _homogeneous(report, cfg, simulate):
    N, rows, out = 10, [], {}
    alphas = sorted(set(cfg["alphas"]) | {1 - 1 / np.sqrt(N)})
    for alpha in alphas:
        for autapses in (True, False) if alpha == 0.8 else (True,):
            W = homogeneous_weights(N, alpha, autapses)
            batches = simulate(f"ehe_{alpha}_{autapses}", W, cfg["homogeneous"], seed=1)
            start, assembly = _unpack(batches)
            P_sim = _size_hist(assembly)
            P_th = ehe_size_distribution(N, alpha, autapses)
            out[alpha, autapses] = (P_sim, P_th, len(assembly))
            tag = f"N10_alpha{alpha:.3g}_{'autapses' if autapses else 'no_autapses'}"
            report.add(absolute_check(f"sizes_{tag}", f"max_L |P_sim - P_theory|, "
                                      f"{len(assembly)} avalanches", 0.0,
                                      np.abs(P_sim - P_th).max(), 0.003,
                                      kind="simulation-vs-theory"))
            rows += [dict(alpha=alpha, autapses=autapses, L=L, P_sim=P_sim[L], P_theory=P_th[L])
                     for L in range(1, N + 1)]
            if alpha == 0.8 and not autapses:
                gap = np.abs(P_sim - ehe_size_distribution(N, alpha, True)).max()
                report.add(interval_check(
                    "no_autapses_is_not_EHE", "max_L |P_sim(no autapses) - P_EHE(autapses)|: "
                    "the control must follow its own law, not EHE", 0.0, gap, 0.02, 1.0,
                    "the two laws differ by 0.054 at L = 1; > 0.02 means distinguishable",
                    kind="simulation-vs-theory"))
            if alpha == 0.8 and autapses:
                rates = [len(b["start"]) / b["n_drive_events"] for b in batches]
                rate, se = np.mean(rates), np.std(rates, ddof=1) / np.sqrt(len(rates))
                theory = avalanche_rate(W, np.full(N, 1 / N), np.mean(DELTA))
                report.add(interval_check("avalanche_rate_N10_alpha0.8", "avalanches per drive "
                                          "event vs E[delta] sum p Phi / det(1-W)", theory, rate,
                                          theory - 4 * se, theory + 4 * se,
                                          "+-4 SE over independent batches",
                                          kind="simulation-vs-theory"))
    report.table(pd.DataFrame(rows), "homogeneous_sizes.csv")
    return out


def _random_network(report, cfg, simulate):
    rng = np.random.default_rng(RANDOM_SEED)
    N = 6
    W = random_weights(N, 0.6, 0.85, rng=rng)
    p = rng.dirichlet(np.ones(N))
    start, assembly = _unpack(simulate("random6", W, cfg["random"], seed=2, p=p))
    masks = assembly.astype(np.int64) @ (np.int64(1) << np.arange(N, dtype=np.int64))
    rows = []
    for k in range(N):
        n_k = np.count_nonzero(start == k)
        th_masks, th_probs = assembly_distribution(W, k)
        counts = np.bincount(masks[start == k], minlength=1 << N)[th_masks]
        if counts.sum() != n_k:
            raise RuntimeError("a simulated assembly is impossible under the theory")
        for m, P, c in zip(th_masks, th_probs, counts):
            if P > 0:
                z = (c - n_k * P) / np.sqrt(n_k * P * (1 - P)) if P < 1 else 0.0
                rows.append(dict(k=k, assembly=int(m), P_theory=P, P_sim=c / n_k, n_k=n_k, z=z))
    table = pd.DataFrame(rows)
    report.table(table, "random_network_assemblies.csv")
    z = table["z"].to_numpy()
    report.add(interval_check("assembly_mean_z2", f"mean z^2 over all {len(z)} (k, A) pairs "
                              "with P(A|k) > 0", 1.0, np.mean(z**2), 0.7, 1.3,
                              "issue acceptance [0.7, 1.3]", kind="simulation-vs-theory"))
    report.add(interval_check("assembly_max_abs_z", "max |z| over all (k, A) pairs", 0.0,
                              np.abs(z).max(), 0.0, 4.5, "issue acceptance < 4.5",
                              kind="simulation-vs-theory"))
    pi = start_distribution(W, p)
    n = len(start)
    pi_sim = np.bincount(start, minlength=N) / n
    z_start = (pi_sim - pi) / np.sqrt(pi * (1 - pi) / n)
    report.add(interval_check("start_distribution_max_abs_z", "max_k |z| of the start-unit "
                              "frequencies vs p_k Phi_k / sum p Phi", 0.0, np.abs(z_start).max(),
                              0.0, 4.0, "+-4 SE (binomial), 6 units", kind="simulation-vs-theory"))
    P_sim, P_th = _size_hist(assembly), size_distribution(W, p)
    report.add(absolute_check("sizes_random_N6", "max_L |P_sim - P_theory| (enumeration)", 0.0,
                              np.abs(P_sim - P_th).max(), 0.003, kind="simulation-vs-theory"))
    return dict(table=table, pi=pi, pi_sim=pi_sim, P_sim=P_sim, P_th=P_th)


def _modular(report, cfg, simulate):
    sizes, C = [50, 50], np.array([[1.6, 0.15], [0.15, 1.6]])
    W = modular_weights(sizes, C)
    theory = modular_statistics(sizes, C)
    # large replica sets amortise the per-step cost of the long burn-in (N = 100)
    start, assembly = _unpack(simulate("two_modules", W, cfg["modular"], seed=3, batches=2,
                                       replicas=4000))
    P_sim = _size_hist(assembly)
    report.add(absolute_check("sizes_two_modules", f"max_L |P_sim - P_theory|, 2 x 50 units, "
                              f"{len(assembly)} avalanches", 0.0,
                              np.abs(P_sim - theory["size"]).max(), 0.003,
                              kind="simulation-vs-theory"))
    both_th = theory["composition"][1:, 1:].sum()
    both_sim = np.mean(assembly[:, :50].any(axis=1) & assembly[:, 50:].any(axis=1))
    report.add(absolute_check("both_modules_recruited", "P(an avalanche recruits both modules)",
                              both_th, both_sim, 0.005, kind="simulation-vs-theory"))
    report.table(pd.DataFrame(dict(L=np.arange(101), P_sim=P_sim, P_theory=theory["size"])),
                 "two_module_sizes.csv")
    return dict(P_sim=P_sim, P_th=theory["size"], composition=theory["composition"])


def _brian2(report, cfg, store, force):
    N, alpha = 10, 0.8
    W = homogeneous_weights(N, alpha)
    point = dict(name="brian2_ehe", steps=cfg["brian2_steps"], seed=4, delta=DELTA)
    res = store.cached(point, lambda: _record(brian2_avalanches(
        W, cfg["brian2_steps"], seed=4, delta=DELTA, directory=os.path.join(report.build_dir, "brian2"))),
        force=force)
    start, assembly = _unpack([res])
    P_sim, P_th = _size_hist(assembly), ehe_size_distribution(N, alpha)
    n = len(assembly)
    z = (P_sim - P_th)[1:] / np.sqrt(P_th[1:] * (1 - P_th[1:]) / n)
    report.add(interval_check("brian2_sizes_max_abs_z", f"Brian2 engine, EHE N = 10, alpha = "
                              f"0.8, {n} avalanches: max_L |z| of P(L)", 0.0, np.abs(z).max(),
                              0.0, 4.0, "+-4 binomial SE per size, 10 sizes",
                              kind="simulation-vs-theory"))
    rate = n / res["n_drive_events"]
    theory = avalanche_rate(W, np.full(N, 1 / N), np.mean(DELTA))
    se = np.sqrt(theory * (1 - theory) / res["n_drive_events"])
    report.add(interval_check("brian2_avalanche_rate", "Brian2 engine: avalanches per drive "
                              "event", theory, rate, theory - 5 * se, theory + 5 * se,
                              "+-5 binomial SE (successive drive events are weakly correlated)",
                              kind="simulation-vs-theory"))
    return dict(P_sim=P_sim, P_th=P_th, n=n)


# ----------------------------------------------------------------------------------------
def _figures(report, homogeneous, random_net, modular, brian):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    L = np.arange(11)
    for c, ((alpha, autapses), (P_sim, P_th, n)) in enumerate(sorted(homogeneous.items())):
        style = "-" if autapses else "--"
        label = f"alpha = {alpha:.3g}" + ("" if autapses else ", no autapses")
        axes[0].plot(L[1:], P_th[1:], style, color=f"C{c}", label=label)
        axes[0].plot(L[1:], P_sim[1:], "o", color=f"C{c}", ms=4)
    axes[0].set(xscale="log", yscale="log", xlabel="avalanche size L", ylabel="P(L)",
                title="EHE, N = 10: theory (lines), numpy engine (dots)")
    axes[0].legend(fontsize=7)
    for N, alpha in ((100, 1 - 1 / np.sqrt(100)), (1000, 1 - 1 / np.sqrt(1000))):
        P = ehe_size_distribution(N, alpha)
        axes[1].plot(np.arange(1, N + 1), P[1:], label=f"N = {N}, alpha_c = 1 - 1/sqrt(N)")
    Lg = np.arange(3, 300)
    axes[1].plot(Lg, 0.3 * Lg**-1.5, "k:", label="L^-3/2")
    axes[1].set(xscale="log", yscale="log", ylim=(1e-9, 1), xlabel="L", ylabel="P(L)",
                title="near-critical EHE (theory)")
    axes[1].legend(fontsize=7)
    axes[2].plot(np.arange(1, 11), brian["P_th"][1:], "k-", label="theory")
    axes[2].plot(np.arange(1, 11), brian["P_sim"][1:], "s", label=f"Brian2 ({brian['n']} aval.)")
    P_np = homogeneous[0.8, True][0]
    axes[2].plot(np.arange(1, 11), P_np[1:], "o", mfc="none", label="numpy engine")
    axes[2].set(yscale="log", xlabel="L", ylabel="P(L)", title="Brian2 formulation, N = 10, alpha = 0.8")
    axes[2].legend(fontsize=7)
    report.figure(fig, "size_distributions.png")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    t = random_net["table"]
    seen = t[t["P_sim"] > 0]
    axes[0].loglog(seen["P_theory"], seen["P_sim"], ".", ms=4)
    lim = [t.loc[t["P_sim"] > 0, "P_theory"].min() * 0.5, 1]
    axes[0].plot(lim, lim, "k-", lw=0.8)
    axes[0].set(xlabel="P(A | k), theory", ylabel="frequency in simulation",
                title=f"assemblies of a random N = 6 network ({len(t)} pairs)")
    axes[1].hist(t["z"], bins=30, density=True, color="0.6")
    zz = np.linspace(-4, 4, 200)
    axes[1].plot(zz, np.exp(-zz**2 / 2) / np.sqrt(2 * np.pi), "k")
    axes[1].set(xlabel="z", ylabel="density",
                title=f"z-scores: mean z^2 = {np.mean(t['z']**2):.2f}")
    k = np.arange(len(random_net["pi"]))
    axes[2].bar(k - 0.2, random_net["pi"], 0.4, label="theory p_k Phi_k / sum")
    axes[2].bar(k + 0.2, random_net["pi_sim"], 0.4, label="simulation")
    axes[2].set(xlabel="start unit k", ylabel="probability", title="where avalanches start")
    axes[2].legend(fontsize=7)
    report.figure(fig, "random_network_assemblies.png")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    L = np.arange(101)
    axes[0].plot(L[1:], modular["P_th"][1:], "k-", label="theory (composition sums)")
    axes[0].plot(L[1:], modular["P_sim"][1:], "o", ms=3, label="numpy engine")
    axes[0].set(xscale="log", yscale="log", xlabel="L", ylabel="P(L)", title="two modules, 2 x 50")
    axes[0].legend(fontsize=7)
    im = axes[1].imshow(np.log10(modular["composition"] + 1e-300), origin="lower",
                        vmin=-8, vmax=0, cmap="viridis")
    fig.colorbar(im, ax=axes[1], label="log10 P(L_1, L_2)")
    axes[1].set(xlabel="units fired in module 2", ylabel="units fired in module 1",
                title="assembly composition (theory)")
    report.figure(fig, "two_modules.png")

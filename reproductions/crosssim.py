"""Cross-engine validation: the same descriptions and realisations on Brian2 and on NEST.

Seven networks, each one :class:`~balanced_models.core.description.NetworkDescription` run by both
engines on the identical realised connectivity (issue "second engine"):

* ``brunel``: Brunel's (2000) model A in the asynchronous irregular state (g = 5, eta = 2,
  delta synapses, delay 1.5 ms), 2,000 E and 500 I neurons; a second realisation with
  heterogeneous in-degrees (``brunel_het``, in-degree CV 0.25) for per-neuron rates.
* ``cuba``: the Vogels-Abbott CUBA network (Brette et al. 2007, benchmark 2), 4,000 LIF
  neurons with exponential current synapses, self-sustained.
* ``zhu``: Zhu et al.'s conductance-based EIF network, N = 1000, uncorrelated external trains
  (the same trains in both engines), with the paper's tau_x = 10 ms (a NESTML model on NEST).
* ``akil``: Akil et al.'s EIF network, N = 1000, with Vogels-Sprekeler iSTDP on I->E
  (tau_x = tau_e, below).
* ``akil_static``: the same network without plasticity and with the paper's tau_x = 10 ms
  (a NESTML model on NEST).
* ``adex``: an E/I network of EIF neurons with exponential currents whose E neurons adapt
  (AdEx: b = 0.1 V/s, NEST's b = 25 pA at C = 250 pF; tau_w = 100 ms), N = 5,000, in the
  asynchronous irregular state; NEST runs it on ``aeif_psc_exp``.
* ``sanzeni``: Sanzeni et al.'s quick network (conductance jumps, K = 100, N = 2,000, external
  Poisson pools), which NEST runs through the NESTML model of
  :mod:`balanced_models.engines.nest.nestml_models` (skipped, with the reason, where NESTML
  models cannot be built).

Changes make the descriptions runnable on NEST, and both engines run the changed
description. Delays are at least one time step (NEST's minimum delay; Sanzeni's uniform
delays start at dt instead of 0). NEST's exponential-synapse models have one excitatory time
constant, so the papers' external channel x (10 ms beside tau_e = 8 ms) runs on models that
NESTML generates (:mod:`balanced_models.engines.nest.nestml_models`); where those cannot be
built, zhu takes tau_x = tau_e, and sanzeni and akil_static are left out with the reason. The
plastic akil network keeps tau_x = tau_e everywhere, so that its iSTDP theory comparison
(below) stays the one documented. The Akil rule is
the additive Vogels-Sprekeler rule (NEST's ``vogels_sprekeler_synapse``) in place of Akil's
multiplicative one, with the learning rate scaled by abs(w0 / w_norm) so that both start at the
same speed; its fixed point (E rate = rho) is the same.

Checks, each with its tolerance and reason in summary.json: population rates within
max(5 %, 3 standard errors of the engine difference over seeds), mean ISI CVs within 5 %,
mean potentials within 0.5 mV, mean adaptation currents within 5 %, per-neuron rates of the
heterogeneous realisation correlated with Pearson r >= 0.9, the iSTDP mean weight within 5 %
between engines and of the theory's fixed point, and NEST's spikes bit-identical with 1 and 2
threads. The adex network's E rate against the adiabatic working point (theory.adaptation) at
b = 0, 0.1, 0.3 and 1 V/s (Brian2, one compiled binary), within the issue's 10 %. A timing
table gives NEST with 1 and 2 threads beside Brian2 standalone on the same network (at quick
scale for brunel, cuba, zhu and akil).
"""

import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd
from brian2 import second

import balanced_models as bm
from balanced_models.engines import nest as nest_engine
from balanced_models.engines.nest.nestml_models import nestml_unavailable
from balanced_models.papers import akil, sanzeni, zhu
from theory.plasticity import direct_link_trace_integral, homeostatic_fixed_point

from .akil import ISTDP, RHO, event_gain_curve
from .report import Check, absolute_check, relative_check

SCALES = {
    "quick": dict(seeds=(1, 2, 3), T=dict(brunel=2.0, cuba=2.0, zhu=5.0, akil=30.0, adex=2.0,
                                          akil_static=5.0, sanzeni=2.0),
                  het_T=5.0, timing_T=dict(brunel=2.0, cuba=2.0, zhu=2.0, akil=2.0),
                  brian2_threads=(1,), adaptation_T=5.0),
    "full": dict(seeds=(1, 2, 3, 4, 5), T=dict(brunel=5.0, cuba=5.0, zhu=10.0, akil=100.0,
                                               adex=10.0, akil_static=10.0, sanzeni=10.0),
                 het_T=20.0, timing_T=dict(brunel=5.0, cuba=5.0, zhu=5.0, akil=5.0, adex=5.0,
                                           akil_static=5.0, sanzeni=5.0),
                 brian2_threads=(1, 2), adaptation_T=20.0),
}
NETWORKS = ("brunel", "cuba", "zhu", "akil", "adex", "akil_static", "sanzeni")
RATE_REL, CV_REL, V_ABS, R_MIN, W_REL = 0.05, 0.05, 0.5e-3, 0.9, 0.05
#: the adex network's spike-triggered adaptation (V/s), and the values of b the adiabatic
#: theory is checked at: none, the network's, and two stronger ones
ADEX_B, ADEX_B_SWEEP = 0.1, (0.0, 0.1, 0.3, 1.0)
#: the issue's bound on the adiabatic working point's rates against the simulated ones
ADAPTATION_THEORY_REL = 0.10
#: checks that fail for a documented reason (reproductions/report.py): they still fail
KNOWN_GAPS = {
    "adaptation_theory_rate_E_b0.3":
        "the adiabatic working point replaces the adaptation current by its mean. At b = 0.3 "
        "and 1 V/s the current's spike-driven fluctuations are as large as its mean (SD "
        "b sqrt(nu tau_w / 2) = 0.13 and 0.35 V/s against means 0.11 and 0.24 V/s, i.e. 1.9 "
        "and 5.3 mV on the membrane), and the E neurons fire more regularly (CV 0.49 and 0.36, "
        "0.60 without adaptation). The theory fires 13 % and 41 % below the simulation (quick "
        "scale, 5 s). Averaging the rate over quasi-static Gaussian fluctuations of w of "
        "Poisson size overshoots instead (+7 %, +57 %): the truth lies between a frozen mean "
        "and Poisson-sized fluctuations, the regular spikes shrinking w's variance. Evidence: "
        "documentation, guide 'Models beyond LIF and EIF', 'Spike-frequency adaptation'.",
    "adaptation_theory_rate_E_b1":
        "as adaptation_theory_rate_E_b0.3, further from the adiabatic limit: the theory fires "
        "41 % below the simulation at b = 1 V/s.",
    "istdp_weight_theory_*":
        "the theory's fixed point is the large-K one: the weight at which the balanced rates "
        "give r_E = rho. At N = 1000 the balanced rate map is far from the network's rates "
        "(the check's own istdp_rate_E rows: rho is reached, at another weight), while both "
        "engines agree with each other. Evidence: documentation, reproductions/crosssim, "
        "'iSTDP weights'.",
    "istdp_weight_finite_n_*":
        "the finite-N fixed point (-82 mV) comes from the diffusion theory of the EIF network, "
        "which fires about 12 % below the simulated network at fixed weights (static network, "
        "N = 1000, 10 s: E 4.60 vs 5.25 Hz at j_EI = -150 mV, 6.99 vs 7.94 Hz at -104 mV). Two "
        "parts of that are measured on unconnected neurons: Poisson shot noise fires them 8 % "
        "above Gaussian input of the same mean and variance, and inputs with 4 and 8 ms "
        "synapses 3-4 % above one variance-matched time constant; the theory has neither. The "
        "E rate rises steeply as inhibition weakens, so a 12 % rate gap moves the weight at "
        "which E reaches rho by about 20 %. Evidence: documentation, reproductions/crosssim, "
        "'iSTDP weights'.",
}
MV = 1e3


# ---------------------------------------------------------------------------------------------
# the networks
# ---------------------------------------------------------------------------------------------
def brunel(K_cv=0.0):
    """Brunel's model A (g = 5, eta = 2), N = 2,500; in-degree CV ``K_cv``."""
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    rule = (lambda K: bm.HeterogeneousInDegree(K, K_cv)) if K_cv else bm.FixedInDegree
    exc = bm.Projection(rule(200), weight=0.1e-3, delay=1.5e-3)
    inh = bm.Projection(rule(50), weight=-0.5e-3, delay=1.5e-3)
    return bm.NetworkDescription(
        {"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(K=200, rate=100.0, weight=0.1e-3)),
        record=_record_potentials(("E", "I")))


def cuba(delay=1e-4):
    """The Vogels-Abbott CUBA network: 3,200 E + 800 I LIF, p = 0.02, exponential currents
    (5 ms, 10 ms), no external input; ``delay`` (s; default one step, NEST's minimum)."""
    cell = bm.Neuron(synapse="current_exp", tau_m=0.02, E_L=-0.049, V_th=-0.050, V_r=-0.060,
                     tau_ref=0.005, channels={"e": {"tau": 0.005}, "i": {"tau": 0.010}})
    # Brian's example adds we to g_e (V) with dv/dt = (g_e + ...)/tau_m: a kick of
    # we tau_e / tau_m, which is our weight
    exc = bm.Projection(bm.Bernoulli(0.02), 1.62e-3 * 5 / 20, channel="e", delay=delay)
    inh = bm.Projection(bm.Bernoulli(0.02), -9.0e-3 * 10 / 20, channel="i", delay=delay)
    return bm.NetworkDescription(
        {"E": bm.Population(3200, cell), "I": bm.Population(800, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        record=_record_potentials(("E", "I")))


def zhu_network(duration, paper_tau_x=None):
    """Zhu et al.'s conductance-based EIF network, N = 1000, c = 0: with the paper's
    tau_x = 10 ms where NESTML models can be built (``paper_tau_x`` None), else (or with
    False) tau_x = tau_e."""
    d = zhu.description(zhu.ZhuParameters(N=1000, c=0.0, duration=duration), "conductance")
    return _nest_ready(d, _paper_tau_x(paper_tau_x))


def akil_static_network(duration):
    """Akil et al.'s network, N = 1000, without plasticity and with the paper's
    tau_x = 10 ms (a NESTML model on NEST: its E, I and X currents have three time
    constants)."""
    p = akil.AkilParameters(N=1000, duration=duration)
    return _nest_ready(replace(akil.description(p), record=bm.Recording()), True)


def _paper_tau_x(paper_tau_x):
    """The papers' tau_x where asked, or by default where NESTML models can be built."""
    return nestml_unavailable() is None if paper_tau_x is None else paper_tau_x


def akil_network(duration):
    """Akil et al.'s network, N = 1000, with Vogels-Sprekeler iSTDP on I->E (module doc).
    Returns (description, AkilParameters)."""
    p = akil.AkilParameters(N=1000, duration=duration, plasticity={"I->E": ISTDP},
                            record_weights=500, weight_dt=1.0)
    d = akil.description(p)
    proj = d.projections["I->E"]
    rule = proj.plasticity
    scale = abs(proj.weight / rule.parameters["w_norm"])
    vogels = bm.Plasticity("vogels_sprekeler", rule.eta * scale, rule.tau,
                           {"w_max": 4 * proj.weight, "rho": RHO})
    d = replace(d, projections={**d.projections, "I->E": replace(proj, plasticity=vogels)},
                record=replace(d.record, spikes=("E", "I")))
    return _nest_ready(d), p


def adex(b=ADEX_B):
    """An E/I network of EIF neurons (exponential currents, 5 ms) whose 4,000 E neurons adapt
    (a = 0, ``b`` in V/s, tau_w = 100 ms) and whose 1,000 I neurons do not; K_E = 400,
    K_I = 100, J = 0.25 mV, g = 6, delay 1 ms, each neuron driven by 400 Poisson inputs at
    15 Hz: asynchronous and irregular (CV about 0.6 at b = 0.1 V/s)."""
    def cell(**adaptation):
        return bm.Neuron(spike="eif", synapse="current_exp", tau_m=0.015, E_L=-0.072,
                         V_T=-0.055, Delta_T=0.001, V_th=-0.045, V_r=-0.075, tau_ref=0.001,
                         channels={"e": {"tau": 0.005}, "i": {"tau": 0.005}}, **adaptation)

    exc = bm.Projection(bm.FixedInDegree(400), weight=0.25e-3, channel="e", delay=1e-3)
    inh = bm.Projection(bm.FixedInDegree(100), weight=-1.5e-3, channel="i", delay=1e-3)
    drive = bm.PoissonDrive(K=400, rate=15.0, weight=0.25e-3, channel="e")
    return bm.NetworkDescription(
        {"E": bm.Population(4000, cell(b=b, tau_w=0.1)), "I": bm.Population(1000, cell())},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh}, drives={"E": drive, "I": drive},
        record=bm.Recording(states={"E": (("v", "w_adapt"), 100, 1e-3),
                                    "I": ("v", 100, 1e-3)}))


def sanzeni_network():
    """Sanzeni et al.'s quick network (K = 100, a = 8.8e-3, g = 20, N_E = N_I = N_X = 1000,
    r_x = 25 Hz; conductance jumps, which NEST runs through the NESTML model), with the E
    and I delays uniform on [dt, 10 ms] and [dt, 1 ms] and the external ones dt (NEST's
    minimum delay; the paper's start at 0)."""
    d = sanzeni.description(sanzeni.NetworkParameters())
    projections = {k: replace(v, delay=(d.dt, v.delay[1]) if isinstance(v.delay, tuple)
                              else max(v.delay, d.dt)) for k, v in d.projections.items()}
    return replace(d, projections=projections, record=_record_potentials(("E", "I")))


def _record_potentials(populations, n=100):
    return bm.Recording(states={pop: ("v", n, 1e-3) for pop in populations})


def _nest_ready(d, paper_tau_x=False):
    """One-step delays, and tau_x = tau_e unless ``paper_tau_x`` (module doc); potentials of
    100 neurons recorded."""
    populations = {}
    for name, pop in d.populations.items():
        n = pop.neuron
        populations[name] = pop if paper_tau_x else replace(pop, neuron=replace(
            n, channels={**n.channels, "x": n.channels["e"]}))
    projections = {k: replace(v, delay=max(v.delay, d.dt)) for k, v in d.projections.items()}
    record = replace(d.record, states={pop: ("v", 100, 1e-3) for pop in d.populations})
    return replace(d, populations=populations, projections=projections, record=record)


def descriptions(cfg):
    """{network: description} at the run lengths of ``cfg``."""
    nets = {"brunel": brunel(), "cuba": cuba(), "zhu": zhu_network(cfg["T"]["zhu"]),
            "akil": akil_network(cfg["T"]["akil"])[0], "adex": adex()}
    reason = nestml_unavailable()
    if reason is None:
        nets.update(akil_static=akil_static_network(cfg["T"]["akil_static"]),
                    sanzeni=sanzeni_network())
    else:
        print(f"crosssim: akil_static and sanzeni are left out, and zhu takes tau_x = tau_e: "
              f"NESTML models cannot be built here ({reason})", flush=True)
    return nets


# ---------------------------------------------------------------------------------------------
# measurements
# ---------------------------------------------------------------------------------------------
def _measure(h, start, stop):
    """Population rates, mean CVs and mean potentials, per-neuron rates and the iSTDP
    weights of one run (either engine: the shared RecordedActivity analysis)."""
    out = {}
    rates, cvs = h.rates(start, stop), h.cvs(start, stop)
    moments = h.potential_moments(start, stop)
    adaptation = h.potential_moments(start, stop, variable="w_adapt")
    for pop in rates:
        out[f"rate_{pop}"] = rates[pop].mean()
        out[f"rates_{pop}"] = rates[pop]
        out[f"cv_{pop}"] = np.nanmean(cvs[pop])
        if pop in moments.index:
            out[f"v_{pop}"] = moments.loc[pop, "mean"]
        if pop in adaptation.index:
            out[f"w_{pop}"] = adaptation.loc[pop, "mean"]
    if h.description.record.weights:  # plastic: the rates once the weights have settled
        for pop, r in h.rates(stop / 2, stop).items():
            out[f"late_rate_{pop}"] = r.mean()
    for name in h.description.record.weights:
        times, w = h.weight_traces(name)
        out["weight_times"] = times
        out["weight_mean"] = w.mean(axis=0)
    return out


def _run_brian(d, seeds, T, directory, threads=1, label=""):
    """Run ``d`` for each seed with one compiled binary; returns ({seed: measurement},
    {'compile': s, 'run': [s per seed]})."""
    sim = bm.Simulation("cpp_standalone", seed=seeds[0], dt=d.dt * second,
                        directory=directory, threads=threads)
    h = bm.build(d, seed=seeds[0], simulation=sim)
    start = time.perf_counter()
    sim.run(T * second, report="text" if T > 10 else None)
    h.duration = T
    first = time.perf_counter() - start
    out, runs = {seeds[0]: _measure(h, 0.1 * T, T)}, []
    for seed in seeds[1:]:
        run_args = bm.load_realisation(h, seed=seed)
        start = time.perf_counter()
        sim.execute(run_args, seed=seed)
        runs.append(time.perf_counter() - start)
        out[seed] = _measure(h, 0.1 * T, T)
        print(f"  brian2 {label} seed {seed}: {runs[-1]:.1f} s", flush=True)
    return out, {"first": first, "runs": runs}


def _run_nest(d, seed, T, threads=2):
    h = nest_engine.simulate(d, T, seed=seed, threads=threads, report="text")
    return _measure(h, 0.1 * T, T), h


def _points(store, key, compute, force):
    """A saved per-point dict, or compute() and save it (arrays and numbers only)."""
    return store.cached({"crosssim": key}, compute, force=force)


# ---------------------------------------------------------------------------------------------
# the reproduction
# ---------------------------------------------------------------------------------------------
def run(scale, report, force=False):
    cfg = SCALES[scale]
    store = report.point_store()
    nets = descriptions(cfg)
    seeds = cfg["seeds"]
    rows, results = [], {}
    n_stages = len(nets) + 3
    for k, (name, d) in enumerate(nets.items(), 1):
        report.stage(k, n_stages, f"{name} on both engines")
        T = cfg["T"][name]
        print(f"crosssim {name}: Brian2, {len(seeds)} seeds x {T:g} s", flush=True)

        def brian(d=d, T=T, name=name):
            per_seed, _ = _run_brian(d, list(seeds), T, os.path.join(report.build_dir, name),
                                     label=name)
            return {f"{k}@{s}": v for s, m in per_seed.items() for k, v in m.items()}

        b = _points(store, f"{name} brian2 {scale}", brian, force)
        n = {}
        for seed in seeds:
            print(f"crosssim {name}: NEST seed {seed} ({T:g} s, 2 threads)", flush=True)
            n.update({f"{k}@{seed}": v for k, v in _points(
                store, f"{name} nest seed {seed} {scale}",
                lambda d=d, seed=seed, T=T: _run_nest(d, seed, T)[0], force).items()})
        results[name] = {"brian2": b, "nest": n}
        for pop in d.populations:
            for engine, data in (("brian2", b), ("nest", n)):
                for seed in seeds:
                    rows.append(dict(network=name, engine=engine, population=pop, seed=seed,
                                     rate=data[f"rate_{pop}@{seed}"],
                                     cv=data[f"cv_{pop}@{seed}"],
                                     v_mV=MV * data[f"v_{pop}@{seed}"],
                                     w=data.get(f"w_{pop}@{seed}", np.nan)))
    table = pd.DataFrame(rows)
    report.table(table, "populations.csv")
    _population_checks(report, table)
    report.stage(len(nets) + 1, n_stages, "heterogeneous in-degrees, iSTDP and threads")
    het = _heterogeneous(report, store, cfg, scale, force)
    j_scale, j_theory = _istdp_checks(report, results["akil"], seeds, cfg)
    adaptation = _adaptation_theory(report, store, cfg, scale, force)
    _thread_check(report)
    report.stage(len(nets) + 2, n_stages, "timing")
    _timing(report, nets, cfg, store, scale, force)
    report.stage(n_stages, n_stages, "figures")
    _figures(report, table, het, results["akil"], seeds, j_scale, j_theory, adaptation)


def _population_checks(report, table):
    """Rates within max(5 %, 3 SE), CVs within 5 %, mean V within 0.5 mV, per population."""
    for (network, pop), g in table.groupby(["network", "population"], sort=False):
        stats = {}
        for engine, e in g.groupby("engine"):
            stats[engine] = {k: (e[k].mean(), e[k].std(ddof=1) / np.sqrt(len(e)))
                             for k in ("rate", "cv", "v_mV", "w")}
        (rb, sb), (rn, sn) = stats["brian2"]["rate"], stats["nest"]["rate"]
        se = np.hypot(sb, sn)
        tol = max(RATE_REL * abs(rb), 3 * se)
        report.add(
            Check(f"rate_{network}_{pop}", f"{network} {pop}: NEST vs Brian2 mean rate (Hz), "
                  f"{len(g) // 2} seeds", float(rb), float(rn),
                  f"abs {tol:.3g} Hz = max(5 % of Brian2, 3 x {se:.3g} Hz, the SE of the "
                  "engine difference over seeds): the issue's rate criterion",
                  bool(abs(rn - rb) <= tol), kind="engine-vs-engine"),
            relative_check(f"cv_{network}_{pop}", f"{network} {pop}: NEST vs Brian2 mean ISI "
                           "CV (issue: within 5 %)", stats["brian2"]["cv"][0],
                           stats["nest"]["cv"][0], CV_REL, kind="engine-vs-engine"),
            absolute_check(f"v_{network}_{pop}", f"{network} {pop}: NEST vs Brian2 mean "
                           "membrane potential (mV; issue: within 0.5 mV)",
                           stats["brian2"]["v_mV"][0], stats["nest"]["v_mV"][0], MV * V_ABS,
                           "mV", kind="engine-vs-engine"))
        if np.isfinite(stats["brian2"]["w"][0]):
            report.add(relative_check(
                f"w_{network}_{pop}", f"{network} {pop}: NEST vs Brian2 mean adaptation "
                "current (V/s; issue: within 5 %)", stats["brian2"]["w"][0],
                stats["nest"]["w"][0], W_REL, kind="engine-vs-engine"))


def _adaptation_theory(report, store, cfg, scale, force):
    """The adex network at each b of ADEX_B_SWEEP on Brian2 (one binary: b changes through
    load_realisation) against the adiabatic working point of diffusion_prediction; returns
    the table (adaptation.csv)."""
    T, seed = cfg["adaptation_T"], 11

    def simulate():
        d = adex(ADEX_B_SWEEP[0])
        sim = bm.Simulation("cpp_standalone", seed=seed, dt=d.dt * second,
                            directory=os.path.join(report.build_dir, "adex_b"))
        h = bm.build(d, seed=seed, simulation=sim)
        out = {}
        for k, b in enumerate(ADEX_B_SWEEP):
            print(f"crosssim adaptation: Brian2 at b = {b:g} V/s ({k + 1} of "
                  f"{len(ADEX_B_SWEEP)}, {T:g} s each)", flush=True)
            if k == 0:
                sim.run(T * second)
            else:
                sim.execute(bm.load_realisation(h, description=adex(b)), seed=seed)
            h.duration = T
            m = _measure(h, 0.1 * T, T)
            out.update({f"{key}@{b:g}": m[key] for key in ("rate_E", "rate_I", "cv_E", "cv_I",
                                                          "w_E")})
        return out

    def predict(b):
        t = bm.diffusion_prediction(adex(b))
        return {"rate_E": t["diffusion_rate"]["E"], "rate_I": t["diffusion_rate"]["I"],
                "w_E": t.attrs["mean_adaptation_current"]["E"]}

    simulated = _points(store, f"adaptation sweep brian2 {scale}", simulate, force)
    rows = []
    for k, b in enumerate(ADEX_B_SWEEP):
        print(f"crosssim adaptation: adiabatic working point at b = {b:g} V/s ({k + 1} of "
              f"{len(ADEX_B_SWEEP)})", flush=True)
        theory = _points(store, f"adaptation sweep theory b={b:g}", lambda b=b: predict(b),
                         force)
        rows.append({"b": b, **{f"simulated_{key}": simulated[f"{key}@{b:g}"] for key in (
            "rate_E", "rate_I", "cv_E", "cv_I", "w_E")},
            **{f"theory_{key}": theory[key] for key in ("rate_E", "rate_I", "w_E")}})
        measured, predicted = simulated[f"rate_E@{b:g}"], theory["rate_E"]
        report.add(Check(
            f"adaptation_theory_rate_E_b{b:g}", f"adex E rate (Hz), b = {b:g} V/s, Brian2 "
            f"{T:g} s: simulation vs the adiabatic working point", float(predicted),
            float(measured), f"rel {ADAPTATION_THEORY_REL:g} of the simulated rate: the "
            "issue's criterion", bool(abs(predicted - measured)
                                      <= ADAPTATION_THEORY_REL * abs(measured)),
            kind="simulation-vs-theory"))
    table = pd.DataFrame(rows)
    report.table(table, "adaptation.csv")
    return table


def _heterogeneous(report, store, cfg, scale, force):
    """Per-neuron rates of both engines on one heterogeneous-in-degree realisation."""
    d, T = brunel(K_cv=0.25), cfg["het_T"]
    print(f"crosssim brunel_het: both engines, {T:g} s", flush=True)
    b = _points(store, f"brunel_het brian2 {scale}", lambda: _run_brian(
        d, [7], T, os.path.join(report.build_dir, "brunel_het"))[0][7], force)
    n = _points(store, f"brunel_het nest {scale}", lambda: _run_nest(d, 7, T)[0], force)
    rb = np.concatenate([b["rates_E"], b["rates_I"]])
    rn = np.concatenate([n["rates_E"], n["rates_I"]])
    r = float(np.corrcoef(rb, rn)[0, 1])
    report.add(Check("per_neuron_rate_correlation", f"brunel, in-degree CV 0.25, {T:g} s "
                     "(rates over the last 90 %): Pearson r of per-neuron rates, NEST vs Brian2, "
                     "same realisation", R_MIN, r, f">= {R_MIN}: the issue's criterion",
                     bool(r >= R_MIN), kind="engine-vs-engine"))
    report.table(pd.DataFrame({"brian2_rate": rb, "nest_rate": rn}), "per_neuron_rates.csv")
    return rb, rn, r


def _istdp_checks(report, res, seeds, cfg):
    """Final mean I->E weight: engines within 5 %, each within 5 % of the fixed point; the E
    rate against rho. Returns sqrt(N), the factor from J to j."""
    d, p = akil_network(cfg["T"]["akil"])
    j_th, _ = homeostatic_fixed_point(replace(p.mean_field(), N=None), 0, 1, RHO, p.tau_stdp)
    scale = np.sqrt(p.N)
    print("crosssim akil: the finite-N fixed point of the iSTDP rule (about a minute)",
          flush=True)
    fixed = bm.plasticity_fixed_points(d).loc["I->E"]
    j_finite = fixed["finite_n_weight"] * scale
    report.table(pd.DataFrame({"large_k": [MV * fixed["large_k_weight"] * scale],
                               "uniform": [MV * fixed["uniform_weight"] * scale],
                               "finite_n": [MV * j_finite]}), "istdp_fixed_points.csv")
    finals = {e: np.mean([res[e][f"weight_mean@{s}"][-1] for s in seeds]) * scale
              for e in ("brian2", "nest")}
    timing = _istdp_spike_timing(d, p, np.mean(list(finals.values())) / scale)
    report.table(pd.DataFrame([timing]), "istdp_spike_timing.csv")
    print(f"crosssim akil: spike-timing covariances move the iSTDP fixed point to rho "
          f"{timing['rate_shift_Hz']:+.3f} Hz and the finite-N weight from "
          f"{MV * j_finite:.1f} to {MV * timing['finite_n_weight'] * scale:.1f} mV", flush=True)
    # the rule's own fixed point is r_E = rho (less a covariance term); the theory's weight
    # is where the large-K balanced rates give that rate, so also check the rate, and record
    # what the balanced theory predicts at the simulated weight (the gap's evidence)
    at_final = p.mean_field().with_weight(0, 1, np.mean(list(finals.values()))).rates()
    for e in ("brian2", "nest"):
        rate = np.mean([res[e][f"late_rate_E@{s}"] for s in seeds])
        report.add(Check(
            f"istdp_rate_E_{e}", f"akil iSTDP, {e}: mean E rate (Hz) over the second half of "
            f"T = {cfg['T']['akil']:g} s; the large-K balanced theory gives "
            f"{at_final[0]:.1f} Hz at the simulated final weight", RHO, float(rate),
            "in [9.4, 10.6]: rho +- 0.6 Hz, the akil reproduction's iSTDP rate criterion",
            bool(abs(rate - RHO) <= 0.6), kind="simulation-vs-theory"))
    report.add(
        relative_check("istdp_weight_engines", f"akil iSTDP: final mean j_EI (mV), NEST vs "
                       f"Brian2, T = {cfg['T']['akil']:g} s, {len(seeds)} seeds (issue: 5 %)",
                       MV * finals["brian2"], MV * finals["nest"], W_REL, kind="engine-vs-engine"),
        *[relative_check(f"istdp_weight_theory_{e}", f"akil iSTDP: final mean j_EI (mV), {e} "
                         "vs the large-K theory's fixed point (issue: 5 %)", MV * j_th,
                         MV * finals[e], W_REL, kind="simulation-vs-theory")
          for e in ("brian2", "nest")],
        *[relative_check(f"istdp_weight_finite_n_{e}", f"akil iSTDP: final mean j_EI (mV), {e} "
                         "vs the finite-N fixed point (every E neuron at rho in the colored-"
                         "noise diffusion theory, mean over synapses; issue: 5 %)",
                         MV * j_finite, MV * finals[e], W_REL, kind="simulation-vs-theory")
          for e in ("brian2", "nest")])
    return scale, (j_th, j_finite)


def _istdp_spike_timing(d, p, weight):
    """The iSTDP rule's fixed point with spike-timing covariances. The Vogels-Sprekeler rule
    stops where r_E = rho - (K+ + K-) / (2 tau r_I): K+ (I before E) gets each I->E
    synapse's own effect on its target, r_I times the trace-weighted response to one event
    (negative: inhibition), K- the E->I synapse back (probability p), both sides the shared
    covariance C~_EI of the mean-field theory. At the simulated weight ``weight`` (the
    description's J units). Returns a dict: the K's (Hz), the rate shift (Hz) and the
    finite-N fixed point at rho plus that shift."""
    at = replace(d, projections={**d.projections,
                                 "I->E": replace(d.projections["I->E"], weight=weight)})
    r_I = float(bm.diffusion_prediction(at).loc["I", "diffusion_rate"])
    integrals = {}
    for projection in ("I->E", "E->I"):
        nu, gains, latency, tau_s = event_gain_curve(at, projection, points=11)
        rate = RHO if projection == "I->E" else r_I  # the target's rate
        integrals[projection] = float(direct_link_trace_integral(
            np.interp(rate, nu, gains), p.tau_stdp, latency=latency, synaptic_tau=tau_s))
    K_plus = r_I * integrals["I->E"]
    K_minus = p.p * RHO * integrals["E->I"]
    shared = float(p.mean_field().with_weight(0, 1, weight * np.sqrt(p.N))
                   .spectral_covariance()[0, 1])
    shift = -(K_plus + K_minus + shared) / (2 * p.tau_stdp * r_I)
    rule = d.projections["I->E"].plasticity
    shifted = replace(d, projections={**d.projections, "I->E": replace(
        d.projections["I->E"], plasticity=replace(
            rule, parameters={**rule.parameters, "rho": RHO + shift}))})
    fixed = bm.plasticity_fixed_points(shifted).loc["I->E"]
    return {"K_plus_direct_Hz": K_plus, "K_minus_direct_Hz": K_minus,
            "shared_covariance_Hz": shared, "rate_I_Hz": r_I, "rate_shift_Hz": shift,
            "finite_n_weight": float(fixed["finite_n_weight"])}


def _thread_check(report):
    """NEST spikes with 1 and 2 threads on a network whose inputs are given trains (no NEST
    random numbers): bit-identical. With NEST's Poisson generators the spikes depend on the
    number of virtual processes, so identity is checked where it is defined."""
    base = brunel()
    d = replace(base, drives={}, projections={
        **base.projections, "X->E": base.projections["E->E"], "X->I": base.projections["E->I"]},
        sources={"X": bm.CorrelatedSource(2000, 100.0, 0.0, 1.0, 0.0)}, record=bm.Recording())
    spikes = [nest_engine.simulate(d, 1.0, seed=5, threads=t).network_spike_trains()
              for t in (1, 2)]
    same = (len(spikes[0][0]) == len(spikes[1][0]) and np.array_equal(spikes[0][0], spikes[1][0])
            and np.array_equal(spikes[0][1], spikes[1][1]))
    report.add(Check("nest_threads_identical", "NEST, brunel with the drive as given trains, "
                     "1 s: spikes with 1 and 2 threads (count with 1 thread)",
                     float(len(spikes[0][0])), float(len(spikes[1][0])),
                     "bit-identical indices and times", bool(same), kind="engine-vs-engine"))


def _timing(report, nets, cfg, store, scale, force):
    """Wall times of one run per network: NEST 1 and 2 threads (build + run), Brian2
    standalone (code generation, compilation and the first run, then a re-run of the compiled
    binary with another realisation; 1 thread, and at full scale also 2 OpenMP threads)."""
    rows = []
    for name, d in nets.items():
        if name not in cfg["timing_T"]:  # quick: the first four networks only
            continue
        T = cfg["timing_T"][name]
        print(f"crosssim timing {name}: {T:g} s", flush=True)

        def measure(d=d, T=T, name=name):
            out = {}
            for threads in (1, 2):
                h = nest_engine.build(d, seed=1, threads=threads)
                nest_engine.run(h, T)
                out[f"nest_{threads}_build"] = h.timings["build"]
                out[f"nest_{threads}_run"] = h.timings["run"]
            for threads in cfg["brian2_threads"]:
                directory = os.path.join(report.build_dir, f"timing_{name}_{threads}")
                start = time.perf_counter()
                _, times = _run_brian(d, [1, 2], T, directory, threads=threads)
                out[f"brian2_{threads}_first"] = times["first"]
                out[f"brian2_{threads}_rerun"] = times["runs"][0]
                out[f"brian2_{threads}_total"] = time.perf_counter() - start
            return out

        t = _points(store, f"timing {name} {scale}", measure, force)
        rows.append(dict(network=name, simulated_s=T, **{k: round(float(v), 2)
                                                          for k, v in t.items()}))
    report.table(pd.DataFrame(rows), "timing.csv")


def _figures(report, table, het, akil_res, seeds, j_scale, j_theory, adaptation):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rb, rn, r = het
    fig, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax[0].plot(rb, rn, ".", ms=2, alpha=0.5)
    lim = [0, max(rb.max(), rn.max()) * 1.05]
    ax[0].plot(lim, lim, "k--", lw=1)
    ax[0].set(xlabel="Brian2 rate (Hz)", ylabel="NEST rate (Hz)",
              title=f"per-neuron rates, same realisation (r = {r:.3f})")
    bins = np.linspace(*lim, 40)
    ax[1].hist(rb, bins, histtype="step", label="Brian2")
    ax[1].hist(rn, bins, histtype="step", label="NEST")
    ax[1].set(xlabel="rate (Hz)", ylabel="neurons", title="rate histograms (brunel, K CV 0.25)")
    ax[1].legend()
    report.figure(fig, "per_neuron_rates.png")

    g = table.groupby(["network", "population", "engine"], sort=False)["rate"]
    summary = pd.DataFrame({"mean": g.mean(), "se": g.std(ddof=1) / np.sqrt(g.size())})
    labels = [f"{n} {p}" for n, p in summary.index.droplevel(2).unique()]
    fig, ax = plt.subplots(figsize=(max(8.0, 0.6 * len(labels)), 4.5), layout="constrained")
    x = np.arange(len(labels))
    for k, engine in enumerate(("brian2", "nest")):
        s = summary.xs(engine, level="engine")
        ax.bar(x + 0.4 * k - 0.2, s["mean"], 0.4, yerr=s["se"], label=engine)
    ax.set_xticks(x, labels, rotation=90)  # upright labels do not overlap at 14 bars
    ax.set_xlabel("network and population")
    ax.set(ylabel="rate (Hz)", yscale="log", title="population rates over seeds")
    ax.legend()
    report.figure(fig, "population_rates.png")

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for engine, style in (("brian2", "-"), ("nest", "--")):
        for s in seeds:
            t = akil_res[engine][f"weight_times@{s}"]
            ax.plot(t, MV * j_scale * akil_res[engine][f"weight_mean@{s}"], style,
                    label=f"{engine} seed {s}")
    ax.axhline(MV * j_theory[0], color="k", lw=1, ls=":", label="fixed point, large-K theory")
    ax.axhline(MV * j_theory[1], color="k", lw=1, ls="-.",
               label="fixed point, finite-N diffusion theory")
    ax.set(xlabel="time (s)", ylabel="mean sampled j_EI (mV)", title="iSTDP weights")
    ax.legend(fontsize=7)
    report.figure(fig, "istdp_weights.png")

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    b = adaptation["b"]
    for pop, color in (("E", "C0"), ("I", "C1")):
        ax[0].plot(b, adaptation[f"simulated_rate_{pop}"], "o", color=color,
                   label=f"{pop}, Brian2")
        ax[0].plot(b, adaptation[f"theory_rate_{pop}"], "-", color=color,
                   label=f"{pop}, adiabatic theory")
    ax[0].set(xlabel="b (V/s)", ylabel="rate (Hz)", title="adex: rates against adaptation")
    ax[0].legend(fontsize=7)
    ax[1].plot(b, adaptation["simulated_w_E"], "o", color="C0", label="Brian2")
    ax[1].plot(b, adaptation["theory_w_E"], "-", color="C0", label="adiabatic theory")
    ax[1].set(xlabel="b (V/s)", ylabel="mean adaptation current of E (V/s)",
              title="adex: mean adaptation current")
    ax[1].legend(fontsize=7)
    report.figure(fig, "adaptation.png")

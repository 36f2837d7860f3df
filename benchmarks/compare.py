"""Benchmarks: our builders against a hand-written Brian2 script and NEST, in one run.

    python benchmarks/compare.py [--networks cuba brunel] [--duration SECONDS]

Networks (parameters pinned in ../shared/notes/ecosystem.md sec. A.4):
* CUBA (Vogels & Abbott / Brette et al. 2007 benchmark 2): 4000 LIF neurons, exponential
  current synapses, p = 0.02.
* Brunel (2000) model A in the AI state (g = 5, eta = 2): 12 500 LIF neurons, delta synapses,
  C_E = 1000, C_I = 250 (15.6 M synapses), delay 1.5 ms, V_r = 10 mV, external Poisson input.

Implementations: "ours" declares each network as a NetworkDescription and builds it with
balanced_models.build (E and I populations, one Synapses per projection); "core parts" wires
the same network by hand from the core (one group, one Synapses per source population), the
path the description must not slow down; "hand-written Brian2" is a plain Brian2 script.

Every measurement runs in a fresh process (standalone, one thread): build and compile in a
new directory (cold), again in the same directory (warm), the simulation, and a re-run with a
new value (run_args); standalone runs are the best of three. Peak memory is the maximum
resident set, reported for the Python process that builds the network (build_MB) and for the
standalone binary that runs it (run_MB, measured by running the compiled binary once more from
this small parent process, because a child forked from the large build process inherits its
resident set in ru_maxrss; NEST runs inside the Python process). NEST (pip install
nest-simulator; optional) runs the same networks. Simulated time: 10 s for CUBA (so that the
binary's start-up does not dominate the events per second) and 1 s for Brunel A, unless
--duration is given. Times are seconds; ratios are taken within this one run.
"""

import argparse
import importlib.util
from dataclasses import replace
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
#: standalone runs are repeated and the fastest is reported (NEST runs once: its runs are long)
REPEATS = 3


def best_of(n, run):
    """Shortest wall time (s) of n calls of run()."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


# ------------------------------------------------------------------------------------------
# one measurement (runs in its own process)
# ------------------------------------------------------------------------------------------
def _timed_run(sim, duration, start, spikes, rerun_args):
    """Compile, run (best of REPEATS) and re-run with the values of ``rerun_args()``; the
    measured times."""
    from brian2 import second

    sim.network.run(duration * second)
    python_s = time.perf_counter() - start
    sim.compile()
    run_s = best_of(REPEATS, sim.execute)
    n_spikes = sum(len(m.i[:]) for m in spikes)
    t = time.perf_counter()
    sim.execute(run_args=rerun_args(), seed=2)
    rerun_s = time.perf_counter() - t
    return dict(python=python_s, compile=sim.timings["build"], run=run_s, rerun=rerun_s,
                spikes=n_spikes)


def description(network):
    """The network as a NetworkDescription (what a user writes)."""
    import balanced_models as bm

    if network == "cuba":
        from reproductions.crosssim import cuba

        return replace(cuba(delay=0.0), record=bm.Recording())
    cell = bm.Neuron(tau_m=0.02, E_L=0.0, V_th=0.020, V_r=0.010, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(1000), 0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(250), -0.5e-3, delay=1.5e-3)
    return bm.NetworkDescription(
        {"E": bm.Population(10000, cell), "I": bm.Population(2500, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(1000, 20.0, 0.1e-3)))


def ours(network, duration, directory, threads=1):
    """The network from a NetworkDescription (balanced_models.build); the re-run changes the
    description and loads it (load_realisation)."""
    import balanced_models as bm

    start = time.perf_counter()
    sim = bm.Simulation("cpp_standalone", directory=directory, seed=1, threads=threads)
    net = description(network)
    h = bm.build(net, seed=1, simulation=sim)
    if network == "cuba":
        cell = replace(net.populations["E"].neuron, V_r=-0.058)
        changed = replace(net, populations={k: replace(p, neuron=cell)
                                            for k, p in net.populations.items()})
    else:
        changed = replace(net, drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(1000, 21.0,
                                                                               0.1e-3)))
    return _timed_run(sim, duration, start, h.spikes.values(),
                      lambda: bm.load_realisation(h, description=changed))


def core(network, duration, directory, threads=1):
    """The same network wired by hand from the core parts (one group, one Synapses per
    source population): the path the description must not slow down."""
    from brian2 import Hz, mV, ms

    import balanced_models as bm

    rng = np.random.default_rng(1)
    start = time.perf_counter()
    sim = bm.Simulation("cpp_standalone", directory=directory, seed=1, threads=threads)
    if network == "cuba":
        model = bm.lif("current_exp", {"e": {"tau": 5 * ms}, "i": {"tau": 10 * ms}},
                       tau_m=20 * ms, E_L=-49 * mV, V_th=-50 * mV, V_r=-60 * mV,
                       refractory=5 * ms)
        G = sim.add(model.group(4000, name="neurons"))
        # Brian's example adds we to g_e (V) with dv/dt = (g_e + ...)/tau_m: a kick of
        # we tau_e / tau_m, which is our weight
        for pre, n, w, ch in (("E", slice(0, 3200), 1.62 * 5 / 20, "e"),
                              ("I", slice(3200, 4000), -9.0 * 10 / 20, "i")):
            c = bm.bernoulli(n.stop - n.start, 4000, 0.02, w * 1e-3, weight_unit="V", rng=rng)
            sim.add(bm.connect(G[n], G, c, model, ch, name=f"syn_{pre}"))
        rerun_var, rerun_value = G.V_r, -58 * mV
    else:
        model = bm.lif("delta", tau_m=20 * ms, E_L=0 * mV, V_th=20 * mV, V_r=10 * mV,
                       refractory=2 * ms)
        G = sim.add(model.group(12500, drive=["x"], name="neurons"))
        bm.set_poisson_drive(G, model, "x", K=1000, rate=20 * Hz, weight=0.1 * mV)
        for pre, n, w in (("E", slice(0, 10000), 0.1), ("I", slice(10000, 12500), -0.5)):
            sim.add(bm.connect(G[n], G, bm.fixed_indegree(n.stop - n.start, 12500,
                                                          (n.stop - n.start) // 10, w * 1e-3,
                                                          weight_unit="V", rng=rng,
                                                          delay=1.5e-3),
                               model, "x", name=f"syn_{pre}"))
        rerun_var, rerun_value = G.rate_drive_x, 21 * Hz
    spikes = sim.add(bm.spike_monitor(G, name="spikes"))
    return _timed_run(sim, duration, start, [spikes], lambda: {rerun_var: rerun_value})


def hand(network, duration, directory):
    """The same networks as one would write them directly in Brian2."""
    from brian2 import (Hz, Network, NeuronGroup, PoissonInput, SpikeMonitor, Synapses,
                        defaultclock, device, ms, second, seed, set_device)

    start = time.perf_counter()
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    defaultclock.dt = 0.1 * ms
    seed(1)
    if network == "cuba":
        G = NeuronGroup(4000, """dv/dt = (ge + gi - (v + 49*mV))/(20*ms) : volt (unless refractory)
                                 dge/dt = -ge/(5*ms) : volt
                                 dgi/dt = -gi/(10*ms) : volt""",
                        threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms,
                        method="exact")
        G.v = "-60*mV + rand()*10*mV"
        Se = Synapses(G[:3200], G, on_pre="ge += 1.62*mV")
        Se.connect(p=0.02)
        Si = Synapses(G[3200:], G, on_pre="gi += -9*mV")
        Si.connect(p=0.02)
    else:
        G = NeuronGroup(12500, "dv/dt = -v/(20*ms) : volt (unless refractory)",
                        threshold="v > 20*mV", reset="v = 10*mV", refractory=2 * ms,
                        method="exact")
        G.v = "10*mV + rand()*10*mV"
        clamp = "*int(not_refractory_post)"
        Se = Synapses(G[:10000], G, on_pre="v_post += 0.1*mV" + clamp, delay=1.5 * ms)
        Se.connect(i="k for k in sample(N_pre, size=1000)")
        Si = Synapses(G[10000:], G, on_pre="v_post += -0.5*mV" + clamp, delay=1.5 * ms)
        Si.connect(i="k for k in sample(N_pre, size=250)")
        P = PoissonInput(G, "v", 1000, 20 * Hz, weight="0.1*mV*int(not_refractory)")
    mon = SpikeMonitor(G)
    objects = [G, Se, Si, mon] + ([P] if network == "brunel" else [])
    Network(objects).run(duration * second, namespace={})
    python_s = time.perf_counter() - start
    t = time.perf_counter()
    device.build(directory=directory, compile=True, run=False)
    compile_s = time.perf_counter() - t
    run_s = best_of(REPEATS, lambda: device.run(directory=directory, with_output=False))
    return dict(python=python_s, compile=compile_s, run=run_s, rerun=np.nan,
                spikes=int(mon.num_spikes))


MEASURE = {"ours": ours, "core": core, "hand": hand}


def child(args):
    directory = args.directory or tempfile.mkdtemp(prefix="bm_bench_")
    kwargs = {"threads": args.threads} if args.impl in ("ours", "core") else {}
    result = MEASURE[args.impl](args.network, args.duration, directory, **kwargs)
    result["build_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def nest_run(network, duration, directory):
    """The same networks in NEST (iaf_psc_exp / iaf_psc_delta), one thread."""
    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": 1, "rng_seed": 1})
    start = time.perf_counter()
    if network == "cuba":
        # C_m = 250 pF: a current weight q (pA) gives the same kick as Brian's we (mV) when
        # q tau_syn / C_m = we tau_syn / tau_m
        params = dict(C_m=250.0, tau_m=20.0, E_L=-49.0, V_th=-50.0, V_reset=-60.0,
                      t_ref=5.0, tau_syn_ex=5.0, tau_syn_in=10.0, I_e=0.0)
        pop = nest.Create("iaf_psc_exp", 4000, params=params)
        pop.V_m = nest.random.uniform(-60.0, -50.0)
        E, I = pop[:3200], pop[3200:]
        conn = {"rule": "pairwise_bernoulli", "p": 0.02}
        nest.Connect(E, pop, conn, {"weight": 1.62 * 250.0 / 20.0, "delay": 0.1})
        nest.Connect(I, pop, conn, {"weight": -9.0 * 250.0 / 20.0, "delay": 0.1})
    else:
        params = dict(C_m=1.0, tau_m=20.0, E_L=0.0, V_th=20.0, V_reset=10.0, t_ref=2.0,
                      V_m=0.0)
        pop = nest.Create("iaf_psc_delta", 12500, params=params)
        pop.V_m = nest.random.uniform(10.0, 20.0)
        E, I = pop[:10000], pop[10000:]
        nest.Connect(E, pop, {"rule": "fixed_indegree", "indegree": 1000},
                     {"weight": 0.1, "delay": 1.5})
        nest.Connect(I, pop, {"rule": "fixed_indegree", "indegree": 250},
                     {"weight": -0.5, "delay": 1.5})
        noise = nest.Create("poisson_generator", params={"rate": 20.0 * 1000})
        nest.Connect(noise, pop, syn_spec={"weight": 0.1, "delay": 1.5})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    build_s = time.perf_counter() - start
    t = time.perf_counter()
    nest.Simulate(duration * 1000.0)
    run_s = time.perf_counter() - t
    return dict(python=build_s, compile=0.0, run=run_s, rerun=np.nan,
                spikes=int(rec.n_events))


MEASURE["nest"] = nest_run

SYNAPSES = {"cuba": 4000 * 4000 * 0.02, "brunel": 12500 * 1250}
DURATION = {"cuba": 10.0, "brunel": 1.0}
NEURONS = {"cuba": 4000, "brunel": 12500}


def binary_peak_MB(directory):
    """Maximum resident set (MB) of one more run of the compiled standalone binary."""
    env = dict(os.environ, LD_BIND_NOW="1")
    proc = subprocess.Popen(["./main"], cwd=directory, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024 if status == 0 else np.nan


def interleaved(directories, n):
    """Wall times of n runs of each compiled standalone binary, taking turns, so that a slow
    spell of the machine hits all of them alike: {name: [seconds, ...]}."""
    times = {name: [] for name in directories}
    for _ in range(n):
        for name, directory in directories.items():
            start = time.perf_counter()
            subprocess.run(["./main"], cwd=directory, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    return times


def measure(impl, network, duration, directory=None, threads=1):
    directory = directory or tempfile.mkdtemp(prefix=f"bm_bench_{impl}_{network}_")
    cmd = [sys.executable, __file__, "--child", impl, network, str(duration), directory,
           str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        return dict(error=out.stderr.strip().splitlines()[-1])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["run_MB"] = binary_peak_MB(directory) if impl != "nest" else result["build_MB"]
    result["peak_MB"] = max(result["build_MB"], result["run_MB"])
    return result


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        impl, network, duration = sys.argv[2], sys.argv[3], float(sys.argv[4])
        ns = argparse.Namespace(impl=impl, network=network, duration=duration,
                                directory=sys.argv[5] if len(sys.argv) > 5 else None,
                                threads=int(sys.argv[6]) if len(sys.argv) > 6 else 1)
        child(ns)
        return
    p = argparse.ArgumentParser()
    p.add_argument("--networks", nargs="+", default=["cuba", "brunel"])
    p.add_argument("--duration", type=float, default=None,
                   help="simulated seconds for every network (default: 10 for CUBA, 1 for Brunel)")
    p.add_argument("--threads", type=int, nargs="+", default=[1],
                   help="OpenMP thread counts for our builders: each is measured (warm, best "
                        "of three), and the first is compared with the other implementations")
    p.add_argument("--only-ours", action="store_true",
                   help="skip the hand-written Brian2 script and NEST")
    p.add_argument("--interleave", type=int, default=15,
                   help="runs of each compiled binary, ours and core parts alternating, for "
                        "their run-time ratio (default 15)")
    args = p.parse_args()
    rows, alternated = [], {}
    for network in args.networks:
        duration = args.duration or DURATION[network]
        directory = tempfile.mkdtemp(prefix=f"bm_bench_{network}_")
        cold = measure("ours", network, duration, directory, args.threads[0])
        warm = measure("ours", network, duration, directory, args.threads[0])  # same dir
        measured = [("ours (cold)", cold), ("ours (warm)", warm)]
        core_directory = tempfile.mkdtemp(prefix=f"bm_bench_core_{network}_")
        measure("core", network, duration, core_directory, args.threads[0])  # compile
        measured.append(("core parts (warm)", measure("core", network, duration,
                                                      core_directory, args.threads[0])))
        alternated[network] = interleaved({"ours": directory, "core": core_directory},
                                          args.interleave)
        for threads in args.threads[1:]:
            measured.append((f"ours, {threads} threads", measure(
                "ours", network, duration, threads=threads)))
        if not args.only_ours:
            measured.append(("hand-written Brian2", measure("hand", network, duration)))
            if importlib.util.find_spec("nest") is not None:
                measured.append(("NEST 3.10", measure("nest", network, duration)))
            else:
                measured.append(("NEST 3.10", dict(error="nest-simulator not installed")))
        for impl, r in measured:
            row = dict(network=network, implementation=impl, duration=duration, **r)
            if "run" in r:
                row["RTF"] = r["run"] / duration
                # synaptic events: spikes x mean out-degree, per second of wall time
                row["events_per_s"] = r["spikes"] * SYNAPSES[network] / NEURONS[network] / r["run"]
            rows.append(row)
    print(json.dumps(rows, indent=1))
    for r in rows:
        if "error" in r:
            print(f"{r['network']:7s} {r['implementation']:20s} error: {r['error']}")
            continue
        print(f"{r['network']:7s} {r['implementation']:20s} python/build {r['python']:6.1f} s"
              f"  compile {r['compile']:6.1f} s  run {r['run']:6.2f} s  RTF {r['RTF']:6.2f}"
              f"  re-run {r['rerun']:5.2f} s  events/s {r['events_per_s']:.2e}"
              f"  build {r['build_MB']:5.0f} MB  run {r['run_MB']:5.0f} MB  spikes {r['spikes']}")
    for network in args.networks:
        by = {r["implementation"]: r for r in rows if r["network"] == network and "run" in r}
        ours_r, hand_r, nest_r, core_r = (by.get(k) for k in (
            "ours (warm)", "hand-written Brian2", "NEST 3.10", "core parts (warm)"))
        if network in alternated:
            t = alternated[network]
            print(f"{network}: description / core parts, {args.interleave} alternating runs of "
                  f"each binary: run time {min(t['ours']) / min(t['core']):.3f} (fastest), "
                  f"{np.median(t['ours']) / np.median(t['core']):.3f} (median)")
        if ours_r and core_r:
            print(f"{network}: description / core parts: run time "
                  f"{ours_r['run'] / core_r['run']:.3f}, peak memory "
                  f"{ours_r['peak_MB'] / core_r['peak_MB']:.3f} (build "
                  f"{ours_r['build_MB'] / core_r['build_MB']:.3f}, binary "
                  f"{ours_r['run_MB'] / core_r['run_MB']:.3f}), Python build "
                  f"{ours_r['python'] / core_r['python']:.3f}")
        if ours_r and hand_r:
            print(f"{network}: ours / hand-written: run time {ours_r['run'] / hand_r['run']:.2f}, "
                  f"peak memory {ours_r['peak_MB'] / hand_r['peak_MB']:.2f} (build "
                  f"{ours_r['build_MB'] / hand_r['build_MB']:.2f}, binary "
                  f"{ours_r['run_MB'] / hand_r['run_MB']:.2f})")
        if ours_r and nest_r:
            print(f"{network}: NEST / ours run time {nest_r['run'] / ours_r['run']:.2f}")
        for threads in args.threads[1:]:
            more = by.get(f"ours, {threads} threads")
            if ours_r and more:
                print(f"{network}: run time with {args.threads[0]} thread(s) / with {threads} "
                      f"threads: {ours_r['run'] / more['run']:.2f}")


if __name__ == "__main__":
    main()

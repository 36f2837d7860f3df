"""Time the standalone workflow on one E/I network: connectivity in numpy, fresh build,
rebuild of an unchanged structure, simulation, and re-runs with new values and seeds.

    python benchmarks/compile_and_rerun.py [--N 5000] [--K 500] [--duration 1.0]

All timings (seconds) come from one run of this script, so their ratios are comparable. Each
phase runs in a new process, as it would for a user: Brian2 numbers its objects per process,
so only a new process regenerates identical code and lets make skip the compilation.
"""

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time

import numpy as np
from brian2 import Hz, mV, ms, second

import balanced_models as bm


def build(sim, N, K, rng_seed=1):
    """Brunel-style E/I network (delta synapses, g = 5, delays 1.5 ms) with a Poisson drive."""
    rng = np.random.default_rng(rng_seed)
    model = bm.lif("delta", E_L=0 * mV, V_th=20 * mV, V_r=10 * mV, refractory=2 * ms)
    G = sim.add(model.group(N, drive=["x"]))
    bm.set_poisson_drive(G, model, "x", K=K, rate=20 * Hz, weight=0.1 * mV)
    n_e = int(0.8 * N)
    pops = {"E": slice(0, n_e), "I": slice(n_e, N)}
    start = time.perf_counter()
    for pre, J in (("E", 0.1e-3), ("I", -0.5e-3)):
        for post in pops:
            n_pre = pops[pre].stop - pops[pre].start
            n_post = pops[post].stop - pops[post].start
            k = int(K * (0.8 if pre == "E" else 0.2))
            c = bm.fixed_indegree(n_pre, n_post, k, J, weight_unit="V", rng=rng, delay=1.5e-3)
            sim.add(bm.connect(G[pops[pre]], G[pops[post]], c, model, "x"))
    connectivity_s = time.perf_counter() - start
    spikes = sim.add(bm.spike_monitor(G, 100))
    return G, spikes, connectivity_s


def build_and_run(directory, N, K, duration, reruns):
    """In a fresh process (as a user would): build, compile, simulate, re-run."""
    rows = []
    sim = bm.Simulation("cpp_standalone", directory=directory, seed=1)
    G, spikes, conn_s = build(sim, N, K)
    sim.network.run(duration * second)
    sim.compile()
    rows.append((f"connectivity (numpy, {K} inputs/neuron)", conn_s))
    rows.append(("code generation + compile", sim.timings["build"]))
    if reruns:
        start = time.perf_counter()
        sim.execute()
        rows.append((f"simulate {duration:g} s (binary incl. loading synapses)",
                     time.perf_counter() - start))
        for seed in (2, 3):
            start = time.perf_counter()
            sim.execute(run_args={G.rate_drive_x: (18 + seed) * Hz}, seed=seed)
            rows.append((f"re-run with a new drive rate and seed {seed}",
                         time.perf_counter() - start))
        rows.append(("(last run: mean rate of 100 neurons, Hz)", spikes.num_spikes / 100 / duration))
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--N", type=int, default=5000)
    p.add_argument("--K", type=int, default=500)
    p.add_argument("--duration", type=float, default=1.0)
    args = p.parse_args()
    directory = tempfile.mkdtemp(prefix="bm_bench_")
    ctx = multiprocessing.get_context("spawn")  # each phase in a new process, like a user
    try:
        with ctx.Pool(1) as pool:
            fresh = pool.apply(build_and_run, (directory, args.N, args.K, args.duration, False))
        with ctx.Pool(1) as pool:
            again = pool.apply(build_and_run, (directory, args.N, args.K, args.duration, True))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"E/I LIF network, N = {args.N}, K = {args.K}, {os.cpu_count()} CPUs")
    for name, value in [(f"fresh: {n}", v) for n, v in fresh] + \
                       [(f"same structure, new process: {n}", v) for n, v in again]:
        print(f"  {name:75s} {value:7.2f}")


if __name__ == "__main__":
    main()

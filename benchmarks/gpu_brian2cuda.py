"""The Brian2 engine on a GPU (brian2cuda) against cpp_standalone, on one machine.

Two parts, run as two processes side by side (Brian2 has one standalone device per process):

- ``--part gpu``: the crosssim Brunel and CUBA networks on cuda_standalone, seeds 1-3 (each
  seed its own realisation, loaded into one compiled project), then Brunel's model A
  (g = 5, eta = 2, C_E = 1000, C_I = 250 at every size) at 12,500, 125,000 and 1,250,000
  neurons for 1 s, as far as the time budget goes;
- ``--part cpu``: the same crosssim networks and seeds on cpp_standalone (one core), then
  model A at 12,500 neurons (1 s) and 125,000 neurons (``--cpu-duration``, 0.2 s: the
  events/s of one core need no longer run).

``--part all`` (default) runs both and writes the comparison: per network and population,
the GPU and CPU rates (mean over seeds, with standard errors) and whether they agree within
max(5 %, 3 standard errors of the difference); per size, events/s, real-time factor, build
time and the GPU's peak memory (nvidia-smi, polled every 0.2 s during the run); and the
speed-up of the GPU over one core at 125,000 neurons.

Events are the synaptic events delivered: each population's spike count (its rate measured
on 1,000 recorded neurons times its size and the duration) times its mean out-degree. The
run time is the network's own (Brian2's ``last_run_info``: without start-up, synapse creation
and writing results); build time is Python's build, code generation and compilation.

Each finished point is saved at once in ``<out>/gpu.json`` / ``cpu.json``; a part that runs
past its budget skips the sizes it cannot start in time and says so.

    python benchmarks/gpu_brian2cuda.py --out results/gpu

Without a GPU, ``--compile-only`` generates and compiles the GPU projects (for compute
capability 9.0 by default) and runs the CPU part without its long point (a check of the
script itself).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import replace

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CROSSSIM_T = 2.0
SEEDS = (1, 2, 3)
SIZES = (12_500, 125_000, 1_250_000)
K_E = 1000  # excitatory in-degree at every size (C_I = K_E / 4)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def save(path, results):
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(path + ".tmp", path)


class GpuMemory:
    """Peak used GPU memory (MiB, nvidia-smi) while the block runs."""

    def __enter__(self):
        self.peak, self._stop = None, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used",
                                      "--format=csv,noheader,nounits"], capture_output=True,
                                     text=True, timeout=5).stdout.split()
                used = float(out[0])
                self.peak = used if self.peak is None else max(self.peak, used)
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                pass
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def model_a_network(n_neurons, record="both", n_record=1000):
    """Model A with the spikes of ``n_record`` neurons of E and I recorded ('both'), of E
    only ('E') or none ('none')."""
    import balanced_models as bm
    from balanced_models.papers.brunel import BrunelParameters, model_a
    n_e = n_neurons * 4 // 5
    d = model_a(5.0, 2.0, BrunelParameters(N_E=n_e, epsilon=K_E / n_e))
    spikes = {"E": min(n_record, n_e), "I": min(n_record, n_e // 4)}
    spikes = {pop: n for pop, n in spikes.items()
              if record == "both" or pop == record}
    return replace(d, record=bm.Recording(spikes=spikes or None))


def synapse_count(d, name):
    """Expected synapses of projection ``name`` (the description's mean in-degree times its
    targets)."""
    return d.mean_indegree(name) * d.target_size(name)


def mean_out_degree(d, population):
    """Synapses leaving ``population`` per neuron."""
    from balanced_models.core.description import split_projection_name
    return sum(synapse_count(d, name) for name in d.projections
               if split_projection_name(name)[0] == population) / d.size(population)


def device_options(device, args):
    """Simulation options: the GPU's compute capability where one is given (no detection)."""
    if device == "cuda_standalone" and args.compute_capability is not None:
        return dict(compute_capability=args.compute_capability)
    return {}


def crosssim(device, results, path, compile_only, options):
    """crosssim's Brunel and CUBA networks, seeds 1-3 in one compiled project each."""
    from reproductions.crosssim import brunel, cuba
    for name, d in (("brunel", brunel()), ("cuba", cuba())):
        if name in results.get("crosssim", {}):
            continue
        with recorded_failure(results, path, f"crosssim {name}"):
            crosssim_network(device, name, d, results, path, compile_only, options)


def recorded_failure(results, path, what):
    """A context that logs a failure of ``what`` with its traceback, saves it in the
    results, and lets the next point run."""
    class _Failure:
        def __enter__(self):
            return self

        def __exit__(self, kind, error, trace):
            if error is None or not isinstance(error, Exception):
                return False
            traceback.print_exception(kind, error, trace)
            results.setdefault("errors", {})[what] = f"{kind.__name__}: {error}"
            save(path, results)
            log(f"{what} failed: {kind.__name__}: {error}")
            return True
    return _Failure()


def crosssim_network(device, name, d, results, path, compile_only, options):
    import balanced_models as bm
    from brian2 import second
    log(f"{device}: crosssim {name}: building")
    start = time.perf_counter()
    sim = bm.Simulation(device, seed=SEEDS[0], dt=d.dt * second, **options)
    h = bm.build(d, seed=SEEDS[0], simulation=sim)
    sim.network.run(CROSSSIM_T * second)
    sim.compile()
    entry = {"build_s": time.perf_counter() - start, "seeds": {}}
    if not compile_only:
        for seed in SEEDS:
            run_args = {} if seed == SEEDS[0] else bm.load_realisation(h, seed=seed)
            start = time.perf_counter()
            sim.execute(run_args, seed=seed)
            h.duration = CROSSSIM_T
            rates = h.rates(0.1 * CROSSSIM_T, CROSSSIM_T)
            entry["seeds"][str(seed)] = {
                "wall_s": time.perf_counter() - start,
                **{f"rate_{pop}": float(np.mean(r)) for pop, r in rates.items()}}
            log(f"{device}: crosssim {name} seed {seed}: "
                + ", ".join(f"{k} {v:.3f}" for k, v in entry["seeds"][str(seed)].items()))
    results.setdefault("crosssim", {})[name] = entry
    save(path, results)
    sim.close()


def scaling(device, sizes, duration, results, path, deadline, compile_only, options,
            record="both", reference=None):
    """Model A at each size for ``duration``: events/s, real-time factor, build time, GPU
    memory."""
    for n in sizes:
        key = str(n)
        if key in results.get("scaling", {}):
            continue
        left = deadline - time.time()
        # a point needs about its build (nvcc ~40 s) and 20 s per 10^8 synapses to start
        need = 60 + 20 * n * K_E * 1.25 / 1e8
        if left < need:
            results.setdefault("skipped", {})[key] = (
                f"{left:.0f} s of the budget left, about {need:.0f} s needed")
            save(path, results)
            log(f"{device}: {n} neurons skipped: {results['skipped'][key]}")
            continue
        with recorded_failure(results, path, f"model A {n}"):
            scaling_point(device, n, duration, results, path, compile_only, options,
                          record, reference)


def scaling_point(device, n, duration, results, path, compile_only, options, record,
                  reference):
    import balanced_models as bm
    from brian2 import get_device, second
    key = str(n)
    d = model_a_network(n, record)
    log(f"{device}: model A, {n} neurons, spikes recorded: {record}: building")
    start = time.perf_counter()
    sim = bm.Simulation(device, seed=1, dt=d.dt * second, **options)
    h = bm.build(d, seed=1, simulation=sim)
    sim.network.run(duration * second)
    sim.compile()
    entry = {"neurons": n, "synapses": int(round(sum(synapse_count(d, name)
                                                     for name in d.projections))),
             "duration_s": duration, "build_s": time.perf_counter() - start}
    if not compile_only:
        log(f"{device}: model A, {n} neurons: running {duration} s")
        start = time.perf_counter()
        with GpuMemory() as memory:
            sim.execute(seed=1)
        entry["execute_s"] = time.perf_counter() - start
        entry["run_s"] = float(get_device()._last_run_time)
        entry["gpu_memory_mib"] = memory.peak if device == "cuda_standalone" else None
        h.duration = duration
        rates = {pop: float(np.mean(r)) for pop, r in h.rates(0.0, duration).items()}
        if record != "both":  # the rates of the recorded run of this network and seed
            rates = {pop: reference["scaling"][key][f"rate_{pop}"] for pop in ("E", "I")}
            entry["rates_from"] = "the run of the same network and seed with spikes recorded"
        events = sum(rates[pop] * d.size(pop) * duration * mean_out_degree(d, pop)
                     for pop in rates)
        entry.update({f"rate_{pop}": r for pop, r in rates.items()},
                     events=events, events_per_s=events / entry["run_s"],
                     real_time_factor=entry["run_s"] / duration)
        log(f"{device}: model A, {n} neurons: {entry['events_per_s']:.3g} events/s, "
            f"real-time factor {entry['real_time_factor']:.3g}, "
            f"memory {entry['gpu_memory_mib']} MiB")
    results.setdefault("scaling", {})[key] = entry
    save(path, results)
    sim.close()


def run_part(part, args):
    os.makedirs(args.out, exist_ok=True)
    device = "cuda_standalone" if part == "gpu" else "cpp_standalone"
    path = os.path.join(args.out, f"{args.tag or part}.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    results.setdefault("device", device)
    deadline = time.time() + args.budget
    options = device_options(device, args)
    if args.sizes:  # the scaling points alone, with args.record
        reference = None
        if args.rates_from:
            with open(os.path.join(args.rates_from, f"{part}.json")) as f:
                reference = json.load(f)
        duration = 1.0 if part == "gpu" else args.cpu_duration
        scaling(device, [int(n) for n in args.sizes.split(",")], duration, results, path,
                deadline, args.compile_only, options, args.record, reference)
        return
    crosssim(device, results, path, args.compile_only and part == "gpu", options)
    if part == "gpu" and "crosssim brunel" in results.get("errors", {}):
        log("the first GPU network failed: stopping (the other points would fail alike)")
        sys.exit(3)
    if part == "gpu":
        sizes = SIZES[:1] if args.compile_only else SIZES
        scaling(device, sizes, 1.0, results, path, deadline, args.compile_only, options)
    else:
        scaling(device, SIZES[:1], 1.0, results, path, deadline, False, options)
        if not args.compile_only:
            scaling(device, SIZES[1:2], args.cpu_duration, results, path, deadline, False,
                    options)


def compare(out):
    """The GPU/CPU comparison and the speed-up, from the parts' files."""
    gpu = json.load(open(os.path.join(out, "gpu.json")))
    cpu = json.load(open(os.path.join(out, "cpu.json")))
    summary = {"rates": {}, "scaling": gpu.get("scaling", {}), "skipped": gpu.get("skipped", {}),
               "cpu_scaling": cpu.get("scaling", {})}
    for name in ("brunel", "cuba"):
        g, c = gpu["crosssim"].get(name, {}).get("seeds"), cpu["crosssim"].get(name, {}).get(
            "seeds")
        if not g or not c:
            continue
        for pop in ("E", "I"):
            rg = np.array([g[s][f"rate_{pop}"] for s in sorted(g)])
            rc = np.array([c[s][f"rate_{pop}"] for s in sorted(c)])
            se = np.sqrt(rg.var(ddof=1) / len(rg) + rc.var(ddof=1) / len(rc))
            tolerance = max(0.05 * rc.mean(), 3 * se)
            summary["rates"][f"{name}_{pop}"] = {
                "gpu": rg.mean(), "cpu": rc.mean(), "se_difference": se,
                "tolerance": tolerance, "passes": bool(abs(rg.mean() - rc.mean()) <= tolerance),
                "gpu_seeds": rg.tolist(), "cpu_seeds": rc.tolist()}
    big = str(SIZES[1])
    if big in gpu.get("scaling", {}) and big in cpu.get("scaling", {}) and \
            "events_per_s" in gpu["scaling"][big]:
        summary["speedup_125k"] = (gpu["scaling"][big]["events_per_s"]
                                   / cpu["scaling"][big]["events_per_s"])
    save(os.path.join(out, "summary.json"), summary)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--part", choices=("all", "gpu", "cpu"), default="all")
    parser.add_argument("--budget", type=float, default=480.0,
                        help="seconds a part may take before it skips the sizes left")
    parser.add_argument("--cpu-duration", type=float, default=0.2,
                        help="simulated seconds of the 125,000-neuron network on one core")
    parser.add_argument("--compute-capability", type=float, default=None,
                        help="the GPU's compute capability (9.0: H100, H200); default: "
                             "brian2cuda detects the GPU")
    parser.add_argument("--sizes", default="",
                        help="comma-separated sizes: run only these scaling points (one part)")
    parser.add_argument("--record", choices=("both", "E", "none"), default="both",
                        help="with --sizes: whose spikes are recorded (a monitor costs time "
                             "every step on the GPU)")
    parser.add_argument("--rates-from", default="",
                        help="with --record E or none: the folder of the recorded run's "
                             "<part>.json, whose rates count the events")
    parser.add_argument("--tag", default="", help="results file name (default: the part)")
    parser.add_argument("--compile-only", action="store_true",
                        help="no GPU: generate and compile the GPU projects only (for "
                             "--compute-capability, default 9.0)")
    args = parser.parse_args()
    if args.compile_only and args.compute_capability is None:
        args.compute_capability = 9.0
    if args.part != "all":
        run_part(args.part, args)
        return
    os.makedirs(args.out, exist_ok=True)
    command = [sys.executable, os.path.abspath(__file__), "--out", args.out, "--budget",
               str(args.budget), "--cpu-duration", str(args.cpu_duration)] + (
        ["--compile-only"] if args.compile_only else []) + (
        [] if args.compute_capability is None else
        ["--compute-capability", str(args.compute_capability)])
    processes = {part: subprocess.Popen(command + ["--part", part]) for part in ("gpu", "cpu")}
    if processes["gpu"].wait() == 3:  # the GPU failed at once: the CPU part is not needed
        processes["cpu"].terminate()
    codes = {part: p.wait() for part, p in processes.items()}
    log(f"parts finished: {codes}")
    if not args.compile_only:
        print(json.dumps(compare(args.out), indent=1), flush=True)


if __name__ == "__main__":
    main()

"""Cost of each part of a time step, against what this machine's memory and core allow.

    python benchmarks/cost_model.py [--networks brunel cuba] [--duration S] [--json FILE]

One process, one thread. For Brunel's model A and CUBA (the networks of
benchmarks/compare.py, built from their NetworkDescription by the Brian2 engine), the compiled
binary runs once with Brian2's standalone profiling (a clock read around every code object in
every step), and each code object's time is charged to one component:

* neuron update: state update, threshold and reset (ns per neuron and step);
* Poisson drive: the built-in drive's per-step draw and increment (ns per draw: one draw per
  neuron, step and channel);
* synaptic delivery: the synapses' on_pre code (ns per delivered event: spikes times
  out-degree, counted from the recorded spikes and the realised connectivity);
* spike queue: pushing the spikes into the delay queue (ns per delivered event too; Brian2's
  push copies the spiking neurons' synapse indices, the compressed-row push only the spiking
  neurons);
* spike recording: the spike monitor (ns per recorded spike).

The profile reads the process's CPU clock (std::clock, a system call) around every code
object in every step; the cost of one read, measured by the C program below, is subtracted
once per code object and step. The rest of the wall time (start, creating the synapses from
the connectivity files, writing the results) is "other".

Bounds, measured in the same run by a small C program compiled with the same gcc flags:

* bandwidth: a STREAM-like triad a[i] = b[i] + s c[i], best of 10, counted as 24 bytes per
  element (3 x 8; write-allocate not counted, as STREAM does), over arrays as large as the
  component's working set (WORKING_SET below): the neuron update of 12,500 neurons streams
  from cache, the delivery of 15.6 M synapses from memory;
* a scatter-add v[post[j]] += w[j] into an array of N doubles (N as the network's, so it
  stays in cache) with random post: the floor of delivery's arithmetic and indexing;
* xoshiro256++ with an alias-table lookup: the floor of one Poisson draw.

Each component's bound is the larger of its bytes over the bandwidth and its floor from the
C program (the bytes per unit are listed in BYTES below, with their reasons), and the table
gives the ratio measured / bound: 1 means the component runs at the machine's limit.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from compare import description  # noqa: E402  (benchmarks/compare.py)

DURATION = {"cuba": 10.0, "brunel": 1.0}

#: bytes per neuron (neuron update, drive) or per synapse (delivery, queue) that a component
#: streams through in one step: the size of the triad that bounds it; recording appends to a
#: growing buffer (memory)
WORKING_SET = {"neuron update": ("neurons", 40), "Poisson drive": ("neurons", 40),
               "synaptic delivery": ("synapses", 4), "spike queue": ("synapses", 4),
               "spike recording": ("bytes", 16 * 24 << 20)}

#: bytes moved from or to memory per unit of each component (streamed arrays only; state that
#: stays in cache, such as the membrane potentials a delivered event adds to, is not counted)
BYTES = {
    # v, lastspike (8 + 8) read and written, not_refractory (1) read and written; CUBA also
    # streams g_e and g_i (2 x 8, read and written)
    "neuron update": {"brunel": 2 * (8 + 8 + 1), "cuba": 2 * (8 + 8 + 1 + 16)},
    # K, rate and weight of the channel are read per neuron (3 x 8); v is in cache after the
    # neuron update in the same step only for small groups, so it is counted (8 + 8)
    "Poisson drive": {"brunel": 3 * 8 + 16},
    # per event, Brian2's delivery: the synapse index from the queue (4), the postsynaptic
    # index (4) and a weight (8) read; compressed rows read the postsynaptic index only (a
    # shared weight), so for them this overstates the bytes, and the scatter-add floor,
    # which is larger, bounds the delivery either way
    "synaptic delivery": {"brunel": 16, "cuba": 16},
    # per event, Brian2's push: the synapse index copied into the queue (4 read, 4 written)
    "spike queue": {"brunel": 8, "cuba": 8},
    # per spike: index (4) and time (8) appended
    "spike recording": {"brunel": 12, "cuba": 12},
}

BOUNDS_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}
static uint64_t s[4] = {1, 2, 3, 4};
static inline uint64_t next(void) {
    const uint64_t sum = s[0] + s[3], r = ((sum << 23) | (sum >> 41)) + s[0], t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return r;
}
static double triad(long n) {  /* GB/s of a[i] = b[i] + 3 c[i] over n doubles each */
    double *a = malloc(n * 8), *b = malloc(n * 8), *c = malloc(n * 8), best = 1e30;
    for (long i = 0; i < n; i++) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    const long repeats = 1 + (16L << 20) / n;  /* about 16 M elements per timing */
    for (int r = 0; r < 10; r++) {
        double t = now();
        for (long k = 0; k < repeats; k++) {  /* a and b take turns: no pass is dead */
            double *x = (k & 1) ? b : a, *y = (k & 1) ? a : b;
            for (long i = 0; i < n; i++) x[i] = y[i] + 3e-9 * c[i];
        }
        t = now() - t; if (t < best) best = t;
    }
    const double gbs = 24.0 * n * repeats / best / 1e9 + 0.0 * a[n / 2];
    free(a); free(b); free(c);
    return gbs;
}
int main(int argc, char **argv) {
    const long n_post = atol(argv[1]), n_events = 1L << 24;
    double best;
    printf("{\"triad_GB_per_s\": {");
    for (int k = 2; k < argc; k++)
        printf("%s\"%s\": %.4g", k > 2 ? ", " : "", argv[k], triad(atol(argv[k])));
    printf("}, ");
    int32_t *post = malloc(n_events * 4); double *w = malloc(n_events * 8);
    double *v = calloc(n_post, 8);
    for (long i = 0; i < n_events; i++) post[i] = next() % n_post, w[i] = 1e-3;
    best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now();
        for (long i = 0; i < n_events; i++) v[post[i]] += w[i];
        t = now() - t; if (t < best) best = t;
    }
    printf("\"scatter_ns_per_event\": %.4g, ", best / n_events * 1e9);
    double cut[64]; int32_t alias[64], out[4096], total = 0;
    for (int j = 0; j < 64; j++) cut[j] = 0.5, alias[j] = (j + 1) % 64;
    best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now();
        for (long i = 0; i < n_events; i++) {
            const uint64_t x = next(); const int32_t cell = x >> 58;
            const double fraction = (x & 0x1fffffffffffffULL) * (1.0 / 9007199254740992.0);
            out[i & 4095] = alias[cell] + (int32_t)(fraction < cut[cell]) * (cell - alias[cell]);
        }
        t = now() - t; if (t < best) best = t;
        for (int i = 0; i < 4096; i++) total += out[i];
    }
    printf("\"draw_ns\": %.4g, ", best / n_events * 1e9);
    best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now();
        for (int i = 0; i < 100000; i++) total += (int32_t)(clock() & 1);
        t = now() - t; if (t < best) best = t;
    }
    printf("\"clock_ns\": %.4g, \"checksum\": %g}\n", best / 100000 * 1e9, v[0] + total);
    return 0;
}
"""


def machine_bounds(n_post, sizes):
    """Triad bandwidth (GB/s) over arrays of each of ``sizes`` doubles, scatter-add (ns per
    event into n_post doubles) and a Poisson draw's floor (ns), from the C program above."""
    from balanced_models.engines.brian2.simulation import _BRIAN_GCC_FLAGS, _VECTORIZE_FLAGS

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "bounds.c")
        with open(source, "w") as f:
            f.write(BOUNDS_C)
        flags = [f for f in _BRIAN_GCC_FLAGS + _VECTORIZE_FLAGS if not f.startswith("-W")]
        subprocess.run(["gcc", *flags, source, "-o", os.path.join(tmp, "bounds")], check=True)
        out = subprocess.run([os.path.join(tmp, "bounds"), str(n_post),
                              *map(str, sorted(set(sizes)))], check=True,
                             capture_output=True, text=True)
    return json.loads(out.stdout)


COMPONENTS = ("neuron update", "Poisson drive", "synaptic delivery", "spike queue",
              "spike recording")


def component_of(codeobject):
    """The component a Brian2 code object's time is charged to."""
    if "drive" in codeobject:
        return "Poisson drive"
    if "push_spikes" in codeobject:
        return "spike queue"
    if "_pre_codeobject" in codeobject or "_post_codeobject" in codeobject:
        return "synaptic delivery"
    if "spikemonitor" in codeobject or "spikes" in codeobject:
        return "spike recording"
    if any(k in codeobject for k in ("stateupdater", "thresholder", "resetter")):
        return "neuron update"
    return "other"


def profile(network, duration):
    """Per-component seconds and counts of one profiled run of ``network``."""
    from brian2 import second

    import balanced_models as bm
    from balanced_models.core.description import split_projection_name

    sim = bm.Simulation("cpp_standalone", seed=1)  # a temporary project, removed with sim
    net = description(network)
    handles = bm.build(net, seed=1, simulation=sim)
    sim.network.run(duration * second, profile=True)
    sim.compile()
    start = time.perf_counter()
    sim.execute()
    wall = time.perf_counter() - start
    seconds = dict.fromkeys(COMPONENTS + ("other",), 0.0)
    calls = dict.fromkeys(COMPONENTS + ("other",), 0)
    names = {}
    for name, t in sim.network.profiling_info:
        component = component_of(name)
        seconds[component] += float(t)
        calls[component] += 1
        names.setdefault(component, []).append(name)
    seconds["other"] += wall - sum(seconds.values())
    steps = round(duration / 1e-4)
    neurons = sum(p.size for p in net.populations.values())
    draws_per_step = sum(net.populations[pop].size * (len(d) if isinstance(d, tuple) else 1)
                         for pop, d in net.drives.items())
    spikes = {pop: handles.spike_trains(pop)[0] for pop in net.populations}
    events = synapses = 0
    for name in net.projections:
        pre, _ = split_projection_name(name)
        out_degree = np.bincount(handles.connectivity[name].pre,
                                 minlength=net.populations[pre].size)
        events += int(out_degree[spikes[pre]].sum())
        synapses += int(out_degree.sum())
    counts = {"neuron update": neurons * steps, "Poisson drive": draws_per_step * steps,
              "synaptic delivery": events, "spike queue": events,
              "spike recording": sum(len(s) for s in spikes.values())}
    return dict(seconds=seconds, counts=counts, wall=wall, neurons=neurons, steps=steps,
                synapses=synapses, calls=calls, code_objects=names)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["brunel", "cuba"],
                        choices=["brunel", "cuba"])
    parser.add_argument("--duration", type=float, default=None,
                        help="simulated s (default: 1 for Brunel A, 10 for CUBA)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    results = {}
    for network in args.networks:
        duration = args.duration or DURATION[network]
        run = profile(network, duration)
        counts = dict(neurons=run["neurons"], synapses=run["synapses"], bytes=1)
        sizes = {c: max(1024, counts[kind] * per // 24) for c, (kind, per) in WORKING_SET.items()}
        bounds = machine_bounds(run["neurons"], sizes.values())
        floors = {"Poisson drive": bounds["draw_ns"],
                  "synaptic delivery": bounds["scatter_ns_per_event"]}
        rows = {}
        for component in COMPONENTS:
            n = run["counts"][component]
            if n == 0 or run["seconds"][component] == 0:
                continue
            seconds = run["seconds"][component] - (run["calls"][component] * run["steps"]
                                                   * bounds["clock_ns"] * 1e-9)
            ns = seconds / n * 1e9
            bandwidth = bounds["triad_GB_per_s"][str(sizes[component])] * 1e9
            memory_ns = BYTES[component].get(network, 0) / bandwidth * 1e9
            bound = max(memory_ns, floors.get(component, 0.0))
            rows[component] = dict(seconds=seconds, count=n, ns=ns, bound_ns=bound,
                                   triad_GB_per_s=bandwidth / 1e9,
                                   ratio=ns / bound if bound else np.nan)
        results[network] = dict(duration=duration, wall=run["wall"], bounds=bounds,
                                other_s=run["seconds"]["other"], components=rows,
                                code_objects=run["code_objects"])
        print(f"\n{network}: {run['neurons']} neurons, {run['synapses']} synapses, "
              f"{duration:g} s simulated, {run['wall']:.2f} s wall; scatter-add "
              f"{bounds['scatter_ns_per_event']:.2f} ns/event, draw floor "
              f"{bounds['draw_ns']:.2f} ns, clock read {bounds['clock_ns']:.0f} ns")
        print(f"{'component':20s} {'s':>7s} {'count':>10s} {'ns/unit':>9s} {'triad GB/s':>10s} "
              f"{'bound ns':>9s} {'ratio':>6s}")
        for component, r in rows.items():
            print(f"{component:20s} {r['seconds']:7.3f} {r['count']:10.3g} {r['ns']:9.2f} "
                  f"{r['triad_GB_per_s']:10.1f} {r['bound_ns']:9.2f} {r['ratio']:6.1f}")
        print(f"{'other':20s} {run['seconds']['other']:7.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)


if __name__ == "__main__":
    main()

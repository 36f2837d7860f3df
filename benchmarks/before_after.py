"""Run time of two checkouts' compiled networks, in one run, their binaries alternating.

    python benchmarks/before_after.py BEFORE_CHECKOUT AFTER_CHECKOUT [--networks cuba brunel]
                                      [--runs 10]

For a change that should not move the numbers or the speed (a refactoring): each checkout
builds benchmarks/compare.py's networks its own way ("ours": the network description through
the engine; "core parts": wired by hand from the Brian2 engine's parts), each in a fresh
process and directory. The four compiled binaries of a network then run ``--runs`` times each,
taking turns, so that a slow spell of the machine hits all of them alike. It prints each
binary's fastest and median run time, the ratios after / before, the compare.py ratio
description / core parts of each checkout, and whether the two checkouts generated identical
C++ sources (then the binaries are the same program and any difference is noise).

``--nest``: NEST runs the same network once (the after checkout's compare.py, one thread,
``Simulate`` only), between the builds and the alternating runs, and its time is divided by
each binary's fastest whole run (loading, synapse creation, simulation, writing results).
"""

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

DURATION = {"cuba": 10.0, "brunel": 1.0}


def build(checkout, impl, network, directory):
    """Build and compile one network with ``checkout``'s compare.py (a fresh process)."""
    script = os.path.join(checkout, "benchmarks", "compare.py")
    env = dict(os.environ, PYTHONPATH=checkout)
    out = subprocess.run([sys.executable, script, "--child", impl, network,
                          str(DURATION[network]), directory, "1"], env=env, cwd=checkout,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{checkout} {impl} {network}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_sources(a, b):
    """True if the generated C++ sources of two standalone projects are identical."""
    sources = []
    for root in (a, b):
        found = set()
        for folder in ("code_objects", "brianlib", "."):
            path = os.path.join(root, folder)
            if os.path.isdir(path):
                found |= {os.path.join(folder, f) for f in os.listdir(path)
                          if f.endswith((".cpp", ".h"))}
        sources.append(found)
    if sources[0] != sources[1]:
        return False
    return all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)
               for f in sources[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--networks", nargs="+", default=["cuba", "brunel"])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--nest", action="store_true",
                   help="also time NEST on each network (compare.py's NEST model)")
    args = p.parse_args()
    for network in args.networks:
        directories = {}
        for label, checkout in (("before", args.before), ("after", args.after)):
            for impl in ("ours", "core"):
                directory = tempfile.mkdtemp(prefix=f"bm_before_after_{label}_{impl}_")
                build(os.path.abspath(checkout), impl, network, directory)
                directories[(label, impl)] = directory
        nest_s = None
        if args.nest:
            with tempfile.TemporaryDirectory() as directory:
                nest_s = build(os.path.abspath(args.after), "nest", network, directory)["run"]
            print(f"{network:7s} NEST 3.10 Simulate {nest_s:7.3f} s", flush=True)
        times = {key: [] for key in directories}
        for k in range(args.runs):
            for key, directory in directories.items():
                start = time.perf_counter()
                subprocess.run(["./main"], cwd=directory, check=True, stdout=subprocess.DEVNULL)
                times[key].append(time.perf_counter() - start)
            print(f"[{network}] round {k + 1} of {args.runs}", file=sys.stderr, flush=True)
        for key, t in times.items():
            print(f"{network:7s} {key[0]:6s} {key[1]:4s} fastest {min(t):7.3f} s  median "
                  f"{np.median(t):7.3f} s")
        for impl in ("ours", "core"):
            b, a = times[("before", impl)], times[("after", impl)]
            print(f"{network}: {impl} after / before: {min(a) / min(b):.3f} (fastest), "
                  f"{np.median(a) / np.median(b):.3f} (median); identical C++ sources: "
                  f"{same_sources(directories[('before', impl)], directories[('after', impl)])}")
        for label in ("before", "after"):
            o, c = times[(label, "ours")], times[(label, "core")]
            print(f"{network}: {label}: description / core parts: {min(o) / min(c):.3f} "
                  f"(fastest), {np.median(o) / np.median(c):.3f} (median)")
        if nest_s is not None:
            for key, t in times.items():
                print(f"{network}: NEST / {key[0]} {key[1]}: {nest_s / min(t):.2f}")
        for directory in directories.values():
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

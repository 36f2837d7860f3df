"""One network on NEST with 2 MPI ranks and with 2 threads: the same virtual processes, so
the same spikes (NEST's random numbers belong to virtual processes, not to ranks or threads).

Needs a NEST built with MPI and mpi4py (README, "The same network on NEST"):

    mpirun -np 2 python benchmarks/nest_mpi.py --out /tmp/ranks.npz
    python benchmarks/nest_mpi.py --threads 2 --out /tmp/threads.npz
    python benchmarks/nest_mpi.py --compare /tmp/ranks.npz /tmp/threads.npz

The network is compare.py's Brunel model A with 12,500 neurons (K = 1000, g = 5, Poisson
drive from NEST's generators), 1 s simulated.
"""

import argparse
import time

import numpy as np

from balanced_models.engines import nest as nest_engine
from compare import description  # benchmarks/compare.py: the same Brunel network


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2)
    args = parser.parse_args()
    if args.compare:
        a, b = (np.load(f) for f in args.compare)
        same = np.array_equal(a["indices"], b["indices"]) and np.array_equal(a["times"],
                                                                             b["times"])
        print(f"{args.compare[0]}: {len(a['indices'])} spikes, {int(a['processes'])} "
              f"processes x {int(a['threads'])} threads, build {float(a['build']):.1f} s, "
              f"run {float(a['run']):.1f} s")
        print(f"{args.compare[1]}: {len(b['indices'])} spikes, {int(b['processes'])} "
              f"processes x {int(b['threads'])} threads, build {float(b['build']):.1f} s, "
              f"run {float(b['run']):.1f} s")
        print(f"bit-identical spikes: {same}")
        return
    start = time.perf_counter()
    h = nest_engine.build(description("brunel"), seed=1, threads=args.threads)
    nest_engine.run(h, args.duration)
    indices, times = h.network_spike_trains()
    order = np.lexsort((indices, times))
    nest = nest_engine.import_nest()
    if nest.Rank() == 0:
        print(f"{h.processes} processes x {h.threads} threads: {len(indices)} spikes, "
              f"rates {h.population_rates()['simulated_rate'].round(2).to_dict()} Hz, build "
              f"{h.timings['build']:.1f} s, run {h.timings['run']:.1f} s, total "
              f"{time.perf_counter() - start:.1f} s")
        if args.out:
            np.savez(args.out, indices=indices[order], times=times[order],
                     processes=h.processes, threads=h.threads, build=h.timings["build"],
                     run=h.timings["run"])


if __name__ == "__main__":
    main()

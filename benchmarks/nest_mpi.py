"""One network on NEST with 2 MPI ranks and with 2 threads: the same virtual processes, so
the same spikes (NEST's random numbers belong to virtual processes, not to ranks or threads).

Needs a NEST built with MPI and mpi4py (README, "The same network on NEST"):

    mpirun -np 2 python benchmarks/nest_mpi.py --out /tmp/ranks.npz
    python benchmarks/nest_mpi.py --threads 2 --out /tmp/threads.npz
    python benchmarks/nest_mpi.py --compare /tmp/ranks.npz /tmp/threads.npz

The network is Brunel's model A with 12,500 neurons (K = 1000, g = 5, eta = 2, Poisson drive
from NEST's generators), 1 s simulated.
"""

import argparse
import time

import numpy as np

import balanced_models as bm
from balanced_models import nest_engine


def network():
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(1000), 0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(250), -0.5e-3, delay=1.5e-3)
    return bm.NetworkDescription(
        {"E": bm.Population(10000, cell), "I": bm.Population(2500, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(1000, 20.0, 0.1e-3)))


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
    h = nest_engine.build(network(), seed=1, threads=args.threads)
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

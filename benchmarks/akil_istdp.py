"""Time the Akil et al. network with one plastic projection (I->E iSTDP) against the authors'
dense NumPy code, which the brief (sec. 7) reports at 152 minutes for N = 5000, T = 500 s.

    python benchmarks/akil_istdp.py [--N 5000] [--duration 500] [--threads 1]

Prints the build and simulation times (s), the simulated-to-wall ratio and the speed-up over
the 152-minute reference, and the final mean E rate and j_EI as a sanity check.
"""

import argparse
import tempfile
import time

import numpy as np
from brian2 import prefs, second

from balanced_models.engines.brian2.papers.akil import build_network
from balanced_models.engines.brian2.simulation import Simulation
from balanced_models.papers.akil import AkilParameters

AUTHORS_SECONDS = 152 * 60  # N = 5000, T = 500 s, dense NumPy (brief sec. 7)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=5000)
    ap.add_argument("--duration", type=float, default=500.0, help="simulated seconds")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (0/1: none)")
    args = ap.parse_args()
    p = AkilParameters(N=args.N, duration=args.duration, record_spikes=200,
                       plasticity={"I->E": ("homeostatic", dict(eta=1e-7, j_n=-0.200, rho=10.0))})
    start = time.perf_counter()
    sim = Simulation("cpp_standalone", seed=1, dt=p.dt * second,
                     directory=tempfile.mkdtemp(prefix="bm_akil_"))
    prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
    h = build_network(sim, p, 1)
    sim.network.run(p.duration * second)
    python_s = time.perf_counter() - start
    sim.compile()
    sim.execute()
    t = sim.timings
    j = np.asarray(h["I->E"].w_[:]).mean() * np.sqrt(p.N) / 1e-3
    rate = len(h.spikes["E"].t) / len(h.spikes["E"].source) / p.duration
    print(f"N = {p.N}, T = {p.duration:g} s, iSTDP on I->E, {args.threads} thread(s)")
    print(f"network construction (Python, incl. connectivity): {python_s:.1f} s")
    print(f"code generation + compilation: {t['build']:.1f} s")
    print(f"simulation (binary, incl. loading): {t['execute']:.1f} s "
          f"= {t['execute'] / p.duration:.3f} s per simulated second")
    scaled = AUTHORS_SECONDS * p.duration / 500.0 * (p.N / 5000) ** 2
    print(f"speed-up over the authors' dense NumPy code (152 min for 500 s at N = 5000"
          f"{', scaled as N^2 T' if (p.N, p.duration) != (5000, 500.0) else ''}): "
          f"{scaled / t['execute']:.0f}x (simulation only), "
          f"{scaled / (t['execute'] + t['build'] + python_s):.0f}x (everything)")
    print(f"mean E rate (200 recorded cells) {rate:.2f} Hz, final mean j_EI {j:.1f} mV")


if __name__ == "__main__":
    main()

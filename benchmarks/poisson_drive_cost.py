"""Cost of a Poisson draw of the built-in drive against its mean count per step.

    python benchmarks/poisson_drive_cost.py [--N 2800] [--duration 0.1]

The siegert full run drives 2800 neurons with excitatory and inhibitory Poisson counts drawn
every dt = 2.5 us; its noise levels sigma = 1, 2, 4, 6, 8 mV (J = 0.02 mV) put the mean count
per step at about 0.2, 0.7, 2.5, 5.7 and 10.06 per drive. The drive draws its counts with
``balanced_models.inputs.poisson_count``: by inversion from a cached table while consecutive
neurons share a mean below 16, else with Brian2's poisson() (multiplication of uniforms below
a mean of 10, PTRS from 10 on). Until 2026-12-02 the table stopped at 10, so the sigma = 8 mV
point fell to PTRS: 80 against 34 ns per neuron and time step. Since 2026-12-04 the table is
an alias table and the uniform numbers come from xoshiro256++ (see inputs.py). This compiles
the siegert neuron once, with the same blocks of neurons per mean input, with Brian2's
profiling, and times one run per noise level in one process, so the ratios are comparable;
the first run is repeated at the end to show the machine's drift. Per run it prints the wall
time per neuron and step (neuron update, two drives, recording) and, from the profile, the
drives' time per draw: their code objects' time over the draws made (two per neuron and step
outside the refractory period, which skips the draw).
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
from brian2 import Hz, mV, ms, second

import balanced_models as bm
from theory.errors import ParameterError, require, require_integer
from theory.heterogeneity import external_rates_for_input

TAU_M, J, DT = 0.020, 0.02e-3, 0.0025e-3  # s, V, s (as reproductions/siegert.py)
SIGMAS_MV = (1.0, 2.0, 4.0, 6.0, 8.0, 1.0)
MUS = np.array([10, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 27, 30]) * 1e-3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=2800)
    parser.add_argument("--duration", type=float, default=0.1, help="simulated s per run")
    args = parser.parse_args()
    try:
        N = require_integer("--N", args.N, low=len(MUS))
        duration = require("--duration", args.duration, low=0.0, low_open=True, unit="s")
    except ParameterError as error:
        print(f"poisson_drive_cost.py: {error}", file=sys.stderr)
        sys.exit(2)
    model = bm.lif("delta", tau_m=TAU_M * second, E_L=0 * mV, V_th=20 * mV, V_r=10 * mV,
                   refractory=2 * ms)
    with tempfile.TemporaryDirectory() as directory:
        sim = bm.Simulation("cpp_standalone", directory=os.path.join(directory, "build"),
                            dt=DT * second)
        G = sim.add(model.group(N, drive=["e", "i"], name="neurons"))
        G.K_drive_e, G.K_drive_i = 1, 1
        G.w_drive_e, G.w_drive_i = J * 1e3 * mV, -J * 1e3 * mV
        spikes = sim.add(bm.spike_monitor(G))
        sim.network.run(duration * second, profile=True)
        start = time.perf_counter()
        sim.compile()
        print(f"compiled in {time.perf_counter() - start:.1f} s; {N} neurons x "
              f"{duration:g} s at dt = {DT * 1e6:g} us per run")
        mu = np.repeat(MUS, -(-N // len(MUS)))[:N]
        steps = N * round(duration / DT)
        refractory_steps = round(2e-3 / DT)
        for sigma_mV in SIGMAS_MV:
            nu_e, nu_i = external_rates_for_input(mu, sigma_mV * 1e-3, J, -J, TAU_M)
            start = time.perf_counter()
            sim.execute({G.rate_drive_e: nu_e * Hz, G.rate_drive_i: nu_i * Hz}, seed=1)
            seconds = time.perf_counter() - start
            drive_s = sum(float(t) for name, t in sim.network.profiling_info if "drive" in name)
            draws = 2 * (steps - len(spikes.i[:]) * refractory_steps)
            print(f"sigma = {sigma_mV:g} mV: mean count per step {np.mean(nu_e) * DT:.2f} (E), "
                  f"{np.mean(nu_i) * DT:.2f} (I); {seconds:.2f} s, "
                  f"{seconds / steps * 1e9:.1f} ns per neuron and step; drives "
                  f"{drive_s / draws * 1e9:.2f} ns per draw", flush=True)


if __name__ == "__main__":
    main()

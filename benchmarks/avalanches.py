"""Speed of the threshold-unit avalanche engine: 10^6 avalanches of the 2 x 50 modular network
(W = C/N in blocks, C = [[1.6, 0.15], [0.15, 1.6]], drive uniform on (0, 0.1]) with the
reproduction's 4000 replicas, including the start (stationary sampling or burn-in), and the
largest deviation of the size distribution from the exact law.

    python benchmarks/avalanches.py [--avalanches 1000000] [--replicas 4000]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from balanced_models.papers.schuenemann import modular_weights, simulate_avalanches  # noqa: E402
from theory.avalanches import modular_statistics  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--avalanches", type=int, default=1_000_000)
    parser.add_argument("--replicas", type=int, default=4000)
    args = parser.parse_args(argv)
    sizes, C = [50, 50], [[1.6, 0.15], [0.15, 1.6]]
    W = modular_weights(sizes, C)
    start = time.perf_counter()
    av = simulate_avalanches(W, args.avalanches, rng=np.random.default_rng(1),
                             replicas=args.replicas)
    seconds = time.perf_counter() - start
    deviation = np.abs(av.size_distribution() - modular_statistics(sizes, C)["size"]).max()
    print(f"{args.avalanches} avalanches, {args.replicas} replicas: {seconds:.1f} s, "
          f"{av.n_drive_events} recorded drive events, max_L |P_sim - P_theory| = "
          f"{deviation:.2g}")


if __name__ == "__main__":
    main()

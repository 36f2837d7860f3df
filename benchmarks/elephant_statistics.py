"""Spike statistics of 1000 neurons x 100 s: balanced_models.analysis against Elephant.

    python benchmarks/elephant_statistics.py [--json FILE] [--repeats 3]

The trains are 1000 Poisson-like neurons at about 10 Hz for 100 s (about 10^6 spikes) on a
0.1 ms grid with shared input, as a simulation emits them: (indices, times) arrays. Timed
(best of ``--repeats``, one process, one thread of numpy's BLAS as configured):

- the conversion of the arrays to 1000 ``neo.SpikeTrain`` objects, which Elephant needs and
  our functions do not (``balanced_models.neo_io.to_neo`` makes them from a run);
- per-neuron rates: ``firing_rates`` vs ``mean_firing_rate`` on each train;
- per-neuron ISI CVs: ``isi_cvs`` vs ``cv(isi(train))`` on each train;
- the 1000 x 1000 count covariance and correlation matrices in 10 ms bins (10^4 bins):
  ``count_covariance`` + ``correlation_from_covariance`` vs ``BinnedSpikeTrain`` +
  ``covariance`` + ``correlation_coefficient``.

The largest differences of the results are printed beside the times (they are compared in
tests/unit/test_elephant_crosscheck.py).
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from compare import best_of  # noqa: E402  (benchmarks/compare.py)

from balanced_models.core.analysis import (correlation_from_covariance, count_covariance,
                                           firing_rates, isi_cvs)

N, T, DT, WINDOW = 1000, 100.0, 1e-4, 0.01


def trains(seed=5):
    """(indices, times): N neurons at ~10 Hz, a fifth of it from one shared train."""
    rng = np.random.default_rng(seed)
    steps = int(round(T / DT))
    shared = np.flatnonzero(rng.random(steps) < 8 * DT)
    indices, times = [], []
    for n in range(N):
        own = np.flatnonzero(rng.random(steps) < 8 * DT)
        k = np.union1d(own, shared[rng.random(len(shared)) < 0.25])
        indices.append(np.full(len(k), n))
        times.append(k * DT)
    return np.concatenate(indices), np.concatenate(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the times to this file")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    import quantities as pq
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_correlation import correlation_coefficient, covariance
    from elephant.statistics import cv, isi, mean_firing_rate
    from neo import SpikeTrain

    i, t = trains()
    print(f"{N} neurons x {T:g} s, {len(t)} spikes; best of {args.repeats}", flush=True)
    order = np.lexsort((t, i))
    bounds = np.searchsorted(i[order], np.arange(N + 1))

    def to_neo():
        ts = t[order]
        return [SpikeTrain(ts[bounds[n]:bounds[n + 1]], units="s", t_start=0.0, t_stop=T)
                for n in range(N)]

    sts = to_neo()
    results, times = {}, {}

    def timed(key, run):
        times[key] = best_of(args.repeats, lambda: results.__setitem__(key, run()))
        print(f"  {key:<28s} {times[key]:8.3f} s", flush=True)

    timed("neo conversion", to_neo)
    timed("rates, ours", lambda: firing_rates(i, t, N, 0.0, T))
    timed("rates, elephant", lambda: np.array([float(mean_firing_rate(st)) for st in sts]))
    timed("isi cv, ours", lambda: isi_cvs(i, t, N, 0.0, T))
    timed("isi cv, elephant",
          lambda: np.array([float(cv(isi(st.magnitude), ddof=1)) for st in sts]))
    timed("covariance+corr, ours", lambda: (
        lambda c: (c, correlation_from_covariance(c)))(count_covariance(i, t, N, 0.0, T,
                                                                         WINDOW)[0]))

    def elephant_cov():
        binned = BinnedSpikeTrain(sts, bin_size=WINDOW * pq.s, t_start=0 * pq.s,
                                  t_stop=T * pq.s)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return covariance(binned), correlation_coefficient(binned)

    timed("covariance+corr, elephant", elephant_cov)
    diffs = {
        "rates": float(np.max(np.abs(results["rates, ours"] - results["rates, elephant"]))),
        "isi cv (ddof=1)": float(np.nanmax(np.abs(results["isi cv, ours"]
                                                  - results["isi cv, elephant"]))),
        "covariance": float(np.max(np.abs(results["covariance+corr, ours"][0]
                                          - results["covariance+corr, elephant"][0]))),
        "correlation": float(np.nanmax(np.abs(results["covariance+corr, ours"][1]
                                              - results["covariance+corr, elephant"][1]))),
    }
    ratios = {name: times[f"{name}, elephant"] / times[f"{name}, ours"]
              for name in ("rates", "isi cv", "covariance+corr")}
    for name, ratio in ratios.items():
        print(f"  elephant / ours, {name:<16s} {ratio:8.1f}x")
    for name, diff in diffs.items():
        print(f"  largest difference, {name:<16s} {diff:.2e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"times_s": times, "ratios": ratios, "largest_differences": diffs,
                       "neurons": N, "duration_s": T, "spikes": int(len(t)),
                       "window_s": WINDOW}, f, indent=1)


if __name__ == "__main__":
    main()

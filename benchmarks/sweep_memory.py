"""The calling process's memory over a long sweep: it should hold the table, not the points.

    python benchmarks/sweep_memory.py --points 100
    python benchmarks/sweep_memory.py --points 1000

Brunel's model A with 2,500 neurons (C_E = 200), 0.05 s per point, the external rate swept
over ``--points`` values, one seed, finished points saved in a temporary store. Prints the
calling process's resident memory before the sweep, its peak (ru_maxrss) after it, and the
table's own size; the workers' memory is not counted (they hold one network each,
whatever the number of points).
"""

import argparse
import json
import resource
import tempfile
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import balanced_models as bm
    from balanced_models.core.memory import resident_bytes
    from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate

    p = BrunelParameters(N_E=2000, epsilon=0.1)
    rates = threshold_rate(p) * np.linspace(1.5, 3.5, args.points)
    before = resident_bytes() / 2**20
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as store, tempfile.TemporaryDirectory() as cache:
        table = bm.sweep(model_a(5.0, 2.0, p), {("drives.E.rate", "drives.I.rate"): rates},
                         duration=0.05, seeds=[1], store=store, cache_directory=cache)
    row = dict(points=args.points, seconds=round(time.perf_counter() - start, 1),
               rss_before_mib=round(before, 1),
               peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               rss_after_mib=round(resident_bytes() / 2**20, 1),
               table_mib=round(table.memory_usage(deep=True).sum() / 2**20, 2),
               compiles=table.attrs["compiles"], failed=table.attrs["failed"])
    print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(row, f)


if __name__ == "__main__":
    main()

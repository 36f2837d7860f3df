"""Reproductions through a Dask cluster against the local pool: the executor's overhead.

    python benchmarks/executor_overhead.py [--papers siegert zhu] [--json FILE]

For each paper, one after the other on an otherwise idle machine:

1. ``python -m reproductions PAPER --scale quick --out FRESH`` on the local pool (two worker
   processes on two cores);
2. a new Dask ``LocalCluster`` with two single-threaded worker processes (started before the
   clock starts: the cluster is infrastructure a user already runs), then the same command
   with ``--scheduler ADDRESS`` and another fresh output folder.

Both are cold: fresh output folders, so fresh compiled structures and no saved points. The
ratio is dask / local; the overhead per point is the difference divided by the points the run
computed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def _run(paper, out, scheduler=None):
    command = [sys.executable, "-m", "reproductions", paper, "--scale", "quick", "--out", out]
    if scheduler:
        command += ["--scheduler", scheduler]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    with open(os.path.join(out, paper, "summary.json")) as f:
        summary = json.load(f)
    return dict(seconds=seconds, points=summary["points"]["computed"],
                checks_passed=sum(c["passed"] for c in summary["checks"]),
                checks=len(summary["checks"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", nargs="+", default=["siegert", "zhu"])
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    import distributed

    rows = []
    for paper in args.papers:
        local_out = tempfile.mkdtemp(prefix=f"bm_overhead_{paper}_local_")
        local = _run(paper, local_out)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        try:
            dask_out = tempfile.mkdtemp(prefix=f"bm_overhead_{paper}_dask_")
            dask = _run(paper, dask_out, cluster.scheduler_address)
        finally:
            cluster.close()
        for out in (local_out, dask_out):
            shutil.rmtree(out, ignore_errors=True)
        row = dict(paper=paper, local_s=round(local["seconds"], 1),
                   dask_s=round(dask["seconds"], 1),
                   ratio=round(dask["seconds"] / local["seconds"], 3),
                   points=local["points"],
                   overhead_per_point_s=round((dask["seconds"] - local["seconds"])
                                              / max(1, local["points"]), 2),
                   checks_local=f"{local['checks_passed']}/{local['checks']}",
                   checks_dask=f"{dask['checks_passed']}/{dask['checks']}")
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()

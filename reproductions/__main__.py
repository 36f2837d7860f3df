"""Command line: python -m reproductions PAPER|all [--scale quick|full] [--out DIR] [--force]."""

import argparse
import importlib
import importlib.util
import os
import sys
import time

from theory.errors import ParameterError

from . import PAPERS, PLANNED, SCALES
from .report import Report, write_index


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def _parse(argv):
    parser = _OneLineParser(prog="python -m reproductions",
                            description="Reproduce papers: figures, CSV tables, summary.json.")
    parser.add_argument("paper", help=f"one of {', '.join(PAPERS)}, or 'all'")
    parser.add_argument("--scale", default="quick", help="quick (default) or full")
    parser.add_argument("--out", default="results", help="output directory (default: results)")
    parser.add_argument("--force", action="store_true",
                        help="recompute simulation points that are already saved")
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes for sweeps (default: number of CPUs)")
    args = parser.parse_args(argv)
    if args.scale not in SCALES:
        raise ParameterError(f"scale must be one of {', '.join(SCALES)}; got {args.scale!r}")
    if args.paper != "all" and args.paper not in PAPERS:
        hint = " (planned, not implemented yet)" if args.paper in PLANNED else ""
        raise ParameterError(f"unknown paper {args.paper!r}{hint}; choose one of "
                             f"{', '.join(PAPERS)} or 'all'")
    if args.processes is not None and args.processes < 1:
        raise ParameterError(f"processes must be >= 1; got {args.processes}")
    return args


def run_paper(paper, scale, out, processes=None, force=False):
    """Run one paper's reproduction and write DIR/PAPER/; returns its summary dict."""
    module = importlib.import_module(PAPERS[paper])
    report = Report(paper, scale, out)
    start = time.perf_counter()
    try:
        module.run(scale, report, processes=processes, force=force)
    except BaseException:
        report.discard()
        raise
    summary = report.write(time.perf_counter() - start)
    write_index(out)
    return summary


def _quiet_brian():
    """Silence two Brian2 warnings that are expected here: synaptic jumps v_post += w (E - v_post)
    depend on the order of simultaneous events only at O(w^2), and the run namespace may hold
    local names that shadow nothing the models use."""
    from brian2 import BrianLogger

    BrianLogger.suppress_name("brian2.codegen.generators.base")
    BrianLogger.suppress_name("resolution_conflict")


def main(argv=None):
    _quiet_brian()
    try:
        args = _parse(sys.argv[1:] if argv is None else argv)
        os.makedirs(args.out, exist_ok=True)
        papers = list(PAPERS) if args.paper == "all" else [args.paper]
        if args.paper == "all" and importlib.util.find_spec("nest") is None:
            papers.remove("crosssim")
            print("crosssim skipped: it needs NEST (pip install -e '.[nest]')", flush=True)
        failed = []
        for paper in papers:
            s = run_paper(paper, args.scale, args.out, args.processes, args.force)
            n_pass = sum(c["passed"] for c in s["checks"])
            print(f"{paper}: {n_pass}/{len(s['checks'])} checks passed, {len(s['figures'])} "
                  f"figures, {s['seconds']:.0f} s -> {os.path.join(args.out, paper)}")
            failed += [f"{paper}:{c['name']}" for c in s["checks"] if not c["passed"]]
        write_index(args.out)
        if failed:
            print(f"checks that did not pass: {', '.join(failed)}")
        return 0
    except ParameterError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Command line: python -m reproductions PAPER|all [--scale quick|full] [--out DIR] [--force]
[--strict] [--processes N | --scheduler ADDRESS | --executor mpi].

The sweeps run on local processes (default: one per core), on a Dask cluster
(``--scheduler tcp://HOST:8786``) or on MPI ranks (``mpirun -n P python -m mpi4py.futures -m
reproductions PAPER --executor mpi``); the documentation has a SLURM example.

Exit codes (also in the documentation):

- 0: every check passed, or the only checks that failed are known gaps (a check with a
  documented explanation; it is still reported as failing, as a test runner reports an
  expected failure);
- 1: the run finished, but a check that is not a known gap did not pass (with ``--strict``:
  any check did not pass); the last line of stdout names them;
- 2: bad input, a file-system problem, another run holding the paper's lock, or a failure
  (one line on stderr; BALANCED_MODELS_TRACEBACK=1 adds the traceback);
- 130: interrupted (Ctrl-C); finished points are kept and the same command resumes.

``python -m reproductions clean [--out DIR]`` removes the compiled standalone projects
(DIR/.build), the saved points (DIR/.points) and what interrupted runs left (staging
folders); results stay.
"""

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

from balanced_models import progress
from theory.errors import ParameterError

from . import EXPECTED_SECONDS, PAPERS, SCALES
from .lock import RunInProgress, RunLock
from .report import Report, counts_by_kind, write_index


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
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a known gap fails, too")
    parser.add_argument("--processes", type=int, default=None,
                        help="local worker processes for sweeps (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the sweeps on the Dask cluster whose scheduler is at "
                             "ADDRESS (e.g. tcp://10.0.0.1:8786; needs the dask extra)")
    parser.add_argument("--executor", default="local", choices=("local", "mpi"),
                        help="local processes (default), or mpi: the ranks of "
                             "'mpirun -n P python -m mpi4py.futures -m reproductions ...'")
    args = parser.parse_args(argv)
    if args.scale not in SCALES:
        raise ParameterError(f"scale must be one of {', '.join(SCALES)}; got {args.scale!r}")
    if args.paper != "all" and args.paper not in PAPERS:
        raise ParameterError(f"unknown paper {args.paper!r}; choose one of "
                             f"{', '.join(PAPERS)} or 'all'")
    if args.processes is not None and args.processes < 1:
        raise ParameterError(f"processes must be >= 1; got {args.processes}")
    if sum([args.scheduler is not None, args.executor == "mpi",
            args.processes is not None]) > 1:
        raise ParameterError("give one of --processes, --scheduler and --executor mpi")
    return args


def _executor(args):
    """What the sweeps run on: None or a number of local processes, a Dask Client or an
    MPIPoolExecutor."""
    if args.scheduler is not None:
        try:
            import distributed
        except ImportError:
            raise ParameterError("--scheduler needs Dask: pip install -e '.[dask]'") from None
        try:
            return distributed.Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise ParameterError(f"cannot reach the Dask scheduler at {args.scheduler!r} "
                                 f"({type(error).__name__}: {error})") from None
    if args.executor == "mpi":
        try:
            from mpi4py.futures import MPIPoolExecutor
        except ImportError:
            raise ParameterError("--executor mpi needs mpi4py: pip install -e '.[mpi]' (and "
                                 "an MPI library)") from None
        return MPIPoolExecutor()
    from balanced_models.sweeps import local_executor

    return local_executor(args.processes)  # one pool for every sweep of the run


EXIT_OK, EXIT_CHECKS_FAILED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _check_out(out, papers):
    """--out must be (or become) a writable folder, and out/PAPER a folder if it exists."""
    if not out.strip():
        raise ParameterError("--out must name a folder; got an empty name")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ParameterError(f"--out {out!r} is a file; give a folder")
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise ParameterError(f"--out {out!r} is not a writable folder ({e.strerror})") from None
    for paper in papers:
        target = os.path.join(out, paper)
        if os.path.exists(target) and not os.path.isdir(target):
            raise ParameterError(f"{target!r} is a file; the results of {paper} go into a "
                                 "folder of that name")


def _expected_seconds(out, paper, scale):
    """The duration of the last finished run of ``paper`` at ``scale`` in ``out`` if it computed
    every point itself, else the cold time measured for the README (None when neither is
    known). Points a run reuses are taken off this estimate as it loads them."""
    try:
        with open(os.path.join(out, paper, "summary.json")) as f:
            summary = json.load(f)
        if summary.get("scale") == scale and summary.get("points", {}).get("reused", 0) == 0:
            return float(summary["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return EXPECTED_SECONDS.get(scale, {}).get(paper)


def clean(out):
    """Remove DIR/.build, DIR/.points and staging folders; returns the removed paths. Refused
    while a run into DIR holds a paper's lock (the locks are held while removing)."""
    if not os.path.isdir(out):
        raise ParameterError(f"--out {out!r} is not a folder")
    papers = [name[1:-len(".lock")] for name in os.listdir(out)
              if name.startswith(".") and name.endswith(".lock")]
    locks, removed = [], []
    try:
        for paper in papers:
            locks.append(RunLock(out, paper).acquire())
        for name in sorted(os.listdir(out)):
            path = os.path.join(out, name)
            if name in (".build", ".points") or name.startswith(".") and \
                    name.endswith((".partial", ".previous")):
                shutil.rmtree(path)
                removed.append(path)
    finally:
        for lock in locks:
            lock.release()
    return removed


def run_paper(paper, scale, out, executor=None, force=False):
    """Run one paper's reproduction and write DIR/PAPER/; returns its summary dict.
    ``executor``: where its sweeps run (None: local processes, one per core; a number of
    local processes; a concurrent.futures.Executor or a Dask Client)."""
    module = importlib.import_module(PAPERS[paper])
    report = Report(paper, scale, out, known_gaps=getattr(module, "KNOWN_GAPS", None))
    report.executor = executor
    start = time.perf_counter()
    try:
        module.run(scale, report, force=force)
    except BaseException:
        report.discard()
        raise
    summary = report.write(time.perf_counter() - start)
    write_index(out)
    return summary


def _quiet_brian():
    """Silence a Brian2 warning that is expected here: the run namespace may hold local names
    that shadow nothing the models use. (The conductance-jump note is filtered where that code
    is written, balanced_models.engines.brian2.neurons.)"""
    from brian2 import BrianLogger

    BrianLogger.suppress_name("resolution_conflict")


def main(argv=None):
    _quiet_brian()
    argv = sys.argv[1:] if argv is None else argv
    locks, executor = [], None
    try:
        if argv[:1] == ["clean"]:
            out = _parse_clean(argv[1:])
            for path in clean(out):
                print(f"removed {path}")
            return EXIT_OK
        args = _parse(argv)
        papers = list(PAPERS) if args.paper == "all" else [args.paper]
        if args.paper == "all" and importlib.util.find_spec("nest") is None:
            papers.remove("crosssim")
            print("crosssim skipped: it needs NEST (pip install -e '.[nest]')", flush=True)
        _check_out(args.out, papers)
        for paper in papers:
            locks.append(RunLock(args.out, paper).acquire())
        executor = _executor(args)
        failed, gaps = [], []
        with progress.reporting(interval=25.0):  # 25 s: lines at most 30 s apart
            for k, paper in enumerate(papers, 1):
                progress.update(task=f"[{paper}]" + (f" paper {k} of {len(papers)}"
                                                     if len(papers) > 1 else ""),
                                expected=_expected_seconds(args.out, paper, args.scale))
                s = run_paper(paper, args.scale, args.out, executor, args.force)
                print(_paper_line(paper, s, args.out), flush=True)
                for c in s["checks"]:
                    if not c["passed"]:
                        (gaps if c.get("known_gap") else failed).append(f"{paper}:{c['name']}")
        write_index(args.out)
        if gaps:
            print(f"known gaps, failing as documented ({len(gaps)}): {', '.join(gaps)}",
                  flush=True)
        if failed:
            print(f"checks that did not pass ({len(failed)}): {', '.join(failed)}", flush=True)
        if failed or (gaps and args.strict):
            return EXIT_CHECKS_FAILED
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted: finished points are kept; run the same command again to resume",
              file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except (ParameterError, RunInProgress) as e:
        _error(str(e))
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        _error(f"{e.strerror or e}{where}")
    except Exception as e:  # one line, not a traceback; the variable asks for the traceback
        _error(f"{type(e).__name__}: {e} (BALANCED_MODELS_TRACEBACK=1 shows the traceback)")
    finally:
        for lock in locks:
            lock.release()
        if hasattr(executor, "close"):  # a Dask Client
            executor.close()
        elif hasattr(executor, "shutdown"):
            executor.shutdown()
    return EXIT_ERROR


def _paper_line(paper, summary, out):
    """One line per paper: checks passed by kind, known gaps, figures, time, saved points."""
    checks = summary["checks"]
    by_kind = "; ".join(f"{kind} {n_pass}/{n}"
                        for kind, (n_pass, n) in counts_by_kind(checks).items())
    n_pass = sum(c["passed"] for c in checks)
    n_gaps = sum(not c["passed"] and bool(c.get("known_gap")) for c in checks)
    points = summary["points"]
    return (f"{paper}: {n_pass}/{len(checks)} checks passed ({by_kind})"
            + (f", {n_gaps} known gap{'s' * (n_gaps > 1)}" if n_gaps else "")
            + f", {len(summary['figures'])} figures, {summary['seconds']:.0f} s, saved points "
            f"{points['reused']} reused and {points['computed']} computed -> "
            f"{os.path.join(out, paper)}")


def _error(message):
    if os.environ.get("BALANCED_MODELS_TRACEBACK") == "1":
        traceback.print_exc()
    print("error: " + " ".join(message.split()), file=sys.stderr, flush=True)


def _parse_clean(argv):
    parser = _OneLineParser(prog="python -m reproductions clean",
                            description="Remove compiled projects, saved points and staging "
                                        "folders of an output folder; results stay.")
    parser.add_argument("--out", default="results", help="output directory (default: results)")
    return parser.parse_args(argv).out


if __name__ == "__main__":
    sys.exit(main())

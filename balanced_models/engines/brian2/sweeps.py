"""Parameter and seed sweeps that compile once per network structure.

A sweep has one *structure* (built once by ``build(sim)`` and compiled as C++ standalone) and
many *points*: dicts of parameter values and a ``seed``. Each point re-runs the compiled binary
with Brian2 ``run_args`` and its own results directory, in parallel worker processes, and its
result (a dict of arrays and numbers) is saved atomically in a
:class:`~balanced_models.saved_points.PointStore` as soon as it finishes. A rerun loads
finished points instead of simulating them again, so an interrupted sweep resumes where it
stopped.
"""

import multiprocessing
import os
import shutil
import signal
import time


from theory.errors import ParameterError, require_integer

from ... import progress
from ...saved_points import point_key
from .simulation import Simulation

__all__ = ["run_sweep"]


# state shared with forked workers (set in the parent right before the pool starts)
_ACTIVE = {}


def _exit_on_interrupt():
    """On Ctrl-C a worker exits at once and silently (no traceback per worker) and leaves
    the rest to the parent, which stops the pool. (Not SIG_IGN: the simulation binaries a
    worker starts would inherit it and run on.)"""
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))


def _run_point(job):
    key, point = job
    start = time.perf_counter()
    sim, handles = _ACTIVE["sim"], _ACTIVE["handles"]
    results_dir = f"results_{key}"
    sim.execute(_ACTIVE["run_args"](handles, point), seed=point["seed"],
                results_directory=results_dir)
    result = _ACTIVE["extract"](handles, point)
    shutil.rmtree(os.path.join(sim.directory, results_dir), ignore_errors=True)
    return key, result, time.perf_counter() - start


def run_sweep(build, points, *, duration, run_args, extract, directory, store=None,
              processes=None, force=False, structure="", dt=None, namespace=None, log=print):
    """Simulate every point on one compiled network; return the results in the order of points.

    build : callable(sim) -> handles. Creates the Brian2 objects in ``sim`` (a standalone
        :class:`Simulation`) and returns whatever ``run_args``/``extract`` need.
    points : list of dicts, each with an integer 'seed' and JSON-serialisable values
    duration : simulated time of each point (Brian2 Quantity)
    run_args : callable(handles, point) -> {group.variable: value} for Brian2's run_args
    extract : callable(handles, point) -> dict of numpy arrays / numbers (what is kept)
    directory : the standalone project directory (reused: an unchanged structure is not
        recompiled, and make only rebuilds what changed)
    store : PointStore (or None to keep nothing on disk)
    processes : worker processes (default: number of CPUs)
    force : recompute points even if the store has them
    structure : a description of the structure (everything build() depends on); it is part
        of each point's key, so a changed structure never reuses stale points
    dt : time step (default: Brian2's defaultclock)
    namespace : external constants the model equations refer to (default: none)
    """
    for p in points:
        if not isinstance(p, dict) or "seed" not in p:
            raise ParameterError(f"every sweep point must be a dict with an integer 'seed'; "
                                 f"got {p!r}")
        require_integer("seed of a sweep point", p["seed"], low=0)
    # the key covers the point, the structure's name, the duration and the time step
    identity = f"{structure}|T={float(duration)!r}|dt={float(dt) if dt is not None else None!r}"
    keys = [point_key(p, identity) for p in points]
    results, reused_seconds = {}, 0.0
    if store is not None and not force:
        for k in keys:
            saved, seconds = store.load_timed(k)
            if saved is not None:
                results[k], reused_seconds = saved, reused_seconds + seconds
    pending = [(k, p) for k, p in zip(keys, points) if k not in results]
    # a cold run would have spent this long on the reused points, that many at a time
    progress.reused(reused_seconds / max(1, min(processes or os.cpu_count() or 1, len(points))))
    if pending:
        kwargs = {"dt": dt} if dt is not None else {}
        start = time.perf_counter()
        label = os.path.basename(os.path.normpath(directory))
        progress.update(step=f"sweep {label}: building and compiling")
        sim = Simulation("cpp_standalone", directory=directory, **kwargs)
        handles = build(sim)
        sim.network.run(duration, namespace=namespace or {})
        sim.compile()
        log(f"[sweep {label}] compiled in {time.perf_counter() - start:.1f} s; "
            f"{len(pending)} points to run, {len(points) - len(pending)} reused")
        _ACTIVE.update(sim=sim, handles=handles, run_args=run_args, extract=extract)
        n_proc = min(processes or os.cpu_count() or 1, len(pending))
        start = time.perf_counter()
        pool = (multiprocessing.get_context("fork").Pool(n_proc, initializer=_exit_on_interrupt)
                if n_proc > 1 else None)
        try:
            jobs = pool.imap_unordered(_run_point, pending) if pool else map(_run_point, pending)
            progress.update(step=f"sweep {label}: points", done=0, total=len(pending))
            points_of = dict(pending)
            for done, (k, r, seconds) in enumerate(jobs, 1):
                results[k] = r
                if store is not None:  # saved by this process, as soon as it arrives
                    store.save(k, points_of[k], r, seconds=seconds)
                progress.update(done=done, total=len(pending))
                log(f"[sweep {label}] {done}/{len(pending)} points "
                    f"({time.perf_counter() - start:.1f} s)")
        finally:
            if pool:
                pool.terminate()
                pool.join()
            _ACTIVE.clear()
    return [results[k] for k in keys]

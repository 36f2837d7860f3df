"""Parameter maps of a network description, on this machine or a cluster: :func:`sweep`.

A sweep runs one :class:`~balanced_models.core.description.NetworkDescription` at many
points (fields named by dotted paths, :mod:`~balanced_models.core.sweep_points`) and seeds,
and returns one tidy table: a row per point and seed, the swept values, what was measured
and, where the theory covers the model, what it predicts for the same point.

How the work is spread
----------------------
Each (point, seed) travels to a worker as plain data: the point's description as a dict,
the description compiled for its structure, the duration, the seed, the engine and the
measure. Any :class:`concurrent.futures.Executor` runs them:

* the default: local worker processes, one per core (started fresh, sharing nothing with
  the calling process);
* a Dask cluster: ``executor=client`` (a :class:`distributed.Client`) or
  ``client.get_executor()``; run the workers with one thread each
  (``LocalCluster(n_workers=..., threads_per_worker=1)``, ``dask worker --nthreads 1``):
  a worker runs one point at a time anyway;
* MPI: ``mpi4py.futures.MPIPoolExecutor()`` under ``mpirun -n P python -m mpi4py.futures``.

Compile once per structure
--------------------------
Points that differ only in values the engine loads at run time (weights, rates, neuron
constants, seeds: for Brian2 what
:func:`~balanced_models.engines.brian2.engine.load_realisation` changes) share one compiled
network; points that change what is compiled (sizes, delays, model types, recording) are
grouped, one compile per group. The first worker to need a structure compiles it in the cache
directory (:func:`cache_directory`); the others copy it. ``table.attrs["compiles"]`` says
how many compiles the sweep did. NEST compiles nothing: each point is built anew, and its
``threads`` option multiplies with the executor's processes (two processes of two threads
each keep four cores busy).

Networks built by hand (the reproductions' paper builders) use the same loop,
:func:`map_points`, with a worker function of their own and
:func:`~balanced_models.engines.brian2.compiled_structures.compiled_network` for the
compile-once cache.

Resumable
---------
With a ``store`` each finished point is saved as soon as it arrives
(:class:`~balanced_models.saved_points.PointStore`); a rerun computes only what is missing.
A worker that dies in the middle of a point loses that point only on Dask, which runs it
again elsewhere; the default local pool breaks as a whole, so the points running on its
other workers are run again too. No finished point is run twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import multiprocessing
import os
import pickle
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd

from theory.errors import ParameterError, require_integer

from . import progress
from .core.description import NetworkDescription
from .core.predictions import population_prediction
from .core.spectra import synchrony
from .core.sweep_points import field_unit, field_value, point_description, sweep_points
from .engines import ENGINES, get_engine
from .engines.base import check_duration
from .saved_points import PointStore, point_key

__all__ = ["sweep", "default_measure", "as_dataset", "cache_directory", "map_points",
           "point_result", "PointsRun", "local_executor", "CACHE_VARIABLE"]

#: environment variable naming the cache directory of compiled structures
CACHE_VARIABLE = "BALANCED_MODELS_CACHE"
#: how many points are handed to the executor ahead of the results (the parent holds no more)
_IN_FLIGHT = 64
#: how often the default executor is restarted after a worker died
_RESTARTS = 3
_IMPORT_LOCK = threading.Lock()


def cache_directory() -> str:
    """Where workers keep compiled structures: ``$BALANCED_MODELS_CACHE`` if set, else
    ``$XDG_CACHE_HOME/balanced_models`` (default ``~/.cache/balanced_models``).

    On a cluster, point it at a folder every worker can write (a shared file system lets the
    workers share one compile; a folder per machine costs one compile per machine).

    Returns
    -------
    str
    """
    if os.environ.get(CACHE_VARIABLE):
        return os.environ[CACHE_VARIABLE]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "balanced_models")


_default_cache_directory = cache_directory


def default_measure(handles, *, start: float | None = None, stop: float | None = None,
                    bin_width: float = 3e-3) -> dict:
    """What a sweep measures by default, per recorded population ``P``.

    Parameters
    ----------
    handles : EngineHandles
        A finished run.
    start, stop : float, optional
        The window (s); default: the last 90 % of the run.
    bin_width : float
        Counting bin of the synchrony (s, > 0).

    Returns
    -------
    dict
        ``rate_P`` (Hz, mean over neurons) and ``rate_se_P`` (its standard error),
        ``cv_P`` and ``cv_se_P`` (ISI CVs of the neurons with at least two intervals), and
        ``synchrony_P`` (chi from spike counts, :func:`~balanced_models.core.spectra.synchrony`;
        NaN for fewer than two neurons).
    """
    out = {}
    rates = handles.population_rates(start, stop)
    cvs = handles.population_cvs(start, stop)
    window = handles._window(start, stop)
    for pop in handles.recorded_populations():
        n = handles.recorded_neurons(pop)
        out[f"rate_{pop}"] = float(rates.loc[pop, "simulated_rate"])
        out[f"rate_se_{pop}"] = float(rates.loc[pop, "simulated_rate_se"])
        out[f"cv_{pop}"] = float(cvs.loc[pop, "simulated_cv"])
        out[f"cv_se_{pop}"] = float(cvs.loc[pop, "simulated_cv_se"])
        out[f"synchrony_{pop}"] = (synchrony(*handles.spike_trains(pop), n, *window, bin_width)
                                   if n >= 2 else float("nan"))
    return out


def _measure_name(measure):
    if isinstance(measure, functools.partial):
        return (f"{_measure_name(measure.func)}{measure.args!r}"
                f"{sorted(measure.keywords.items())!r}")
    return f"{getattr(measure, '__module__', '')}.{getattr(measure, '__qualname__', measure)}"


@contextlib.contextmanager
def _imports_in_any_thread():
    """Imports from a worker thread (Dask runs tasks in threads): Brian2 sets a Ctrl-C
    handler when it is imported, which only the main thread may do, so a worker thread
    imports it without one (the worker's own handling of signals stays)."""
    if threading.current_thread() is threading.main_thread():
        yield
        return
    with _IMPORT_LOCK:
        original = signal.signal

        def outside_the_main_thread(number, handler):
            try:
                return original(number, handler)
            except ValueError:
                return None

        signal.signal = outside_the_main_thread
        try:
            yield
        finally:
            signal.signal = original


def _engine_in_any_thread(name):
    """get_engine(name), also from a worker thread (:func:`_imports_in_any_thread`)."""
    with _imports_in_any_thread():
        return get_engine(name)


def _run_pickled(blob):
    """A worker's entry: the point's function and payload arrive pickled, so that a Dask
    scheduler passes them on without importing what they need (a simulator)."""
    with _imports_in_any_thread():
        function, payload = pickle.loads(blob)
    return function(payload)


def _run_point(payload):
    """A worker's part: one point, from plain data to measured numbers."""
    start = time.perf_counter()
    engine = _engine_in_any_thread(payload["engine"])
    d = NetworkDescription.from_dict(payload["description"])
    rep = payload["representative"]
    rep = None if rep is None else NetworkDescription.from_dict(rep)
    handles, compiled = engine.run_point(d, payload["duration"], seed=payload["seed"],
                                         representative=rep,
                                         cache_directory=payload["cache_directory"],
                                         **payload["options"])
    measure = payload["measure"] or default_measure
    values = measure(handles)
    if payload.get("predict"):  # the theory of the point, next to what it measured
        if not isinstance(values, Mapping):
            raise ParameterError(f"measure must return a dict {{name: number or array}}; got "
                                 f"{type(values).__name__}")
        try:
            values = {**values, **_predictions(d, list(d.populations))}
        except ParameterError as error:
            values = {**values, "prediction_reason": str(error)}
    return point_result(values, compiled=compiled, seconds=time.perf_counter() - start)


def point_result(values: Mapping, *, compiled: bool, seconds: float) -> dict:
    """What a worker function of :func:`map_points` returns for one point.

    Parameters
    ----------
    values : mapping
        {name: number, string or array}: what is kept (and saved) of the point.
    compiled : bool
        Whether the point compiled its structure.
    seconds : float
        Wall time of the point (s).

    Returns
    -------
    dict
    """
    if not isinstance(values, Mapping):
        raise ParameterError(f"values must be a dict {{name: number or array}}; got "
                             f"{type(values).__name__}")
    return {"values": dict(values), "compiled": bool(compiled), "seconds": float(seconds),
            "worker": f"{socket.gethostname()}-{os.getpid()}"}


def _check_seeds(seeds):
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = [seeds]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, np.ndarray, range)) \
            or len(seeds) == 0:
        raise ParameterError(f"seeds must be a non-empty list of integers >= 0; got {seeds!r}")
    seeds = [require_integer("seed", s, low=0) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ParameterError(f"seeds must differ from each other; got {seeds}")
    return seeds


def local_executor(processes: int | None = None) -> concurrent.futures.ProcessPoolExecutor:
    """The default executor of sweeps: fresh local processes (spawned: they share nothing
    with the calling process).

    Give one to several sweeps in a row and its workers keep their compiled structures and
    imports between them; shut it down when done (``with local_executor() as pool:``).

    Parameters
    ----------
    processes : int, optional
        Worker processes (>= 1; default: one per core).

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    if processes is not None:
        processes = require_integer("processes", processes, low=1)
    return concurrent.futures.ProcessPoolExecutor(
        processes or os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"))


def _executor_of(executor, n_jobs):
    """(the executor, whether the sweep owns it and shuts it down)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise ParameterError("a sweep was started while a worker process imported the "
                             "calling script: call it under if __name__ == '__main__':")
    if executor is None or (isinstance(executor, (int, np.integer))
                            and not isinstance(executor, bool)):
        if executor is not None and executor < 1:
            raise ParameterError(f"executor, as a number of local processes, must be >= 1; "
                                 f"got {executor}")
        return local_executor(min(int(executor or os.cpu_count() or 1), max(1, n_jobs))), True
    if hasattr(executor, "get_executor") and not isinstance(executor,
                                                            concurrent.futures.Executor):
        return executor.get_executor(), False  # a distributed.Client
    if not isinstance(executor, concurrent.futures.Executor):
        raise ParameterError(f"executor must be None (local processes), a number of local "
                             f"processes, a concurrent.futures.Executor or a Dask Client; got "
                             f"{type(executor).__name__}")
    return executor, False


_PREDICTION_COLUMNS = ("predicted_rate_", "predicted_cv_", "balanced_rate_",
                       "prediction_reason")


def _predictions(d, populations):
    """The theory's rates and CVs of ``d``, by column; reasons where a value is missing."""
    table = population_prediction(d)
    out, reasons = {}, []
    for pop in populations:
        row = table.loc[pop]
        out[f"predicted_rate_{pop}"] = float(row["diffusion_rate"])
        out[f"predicted_cv_{pop}"] = float(row["diffusion_cv"])
        out[f"balanced_rate_{pop}"] = float(row["balanced_rate"])
        reasons += [r for r in (row["diffusion_reason"], row["balanced_reason"])
                    if isinstance(r, str) and r and r not in reasons]
    out["prediction_reason"] = "; ".join(reasons)
    return out


def sweep(description: NetworkDescription, over: Mapping | Sequence, *, duration: float,
          seeds: Sequence[int] | int = (0,), engine: str = "brian2",
          measure: Callable | None = None, executor=None, store=None,
          predict: bool = True, engine_options: Mapping | None = None,
          cache_directory: str | None = None, force: bool = False,
          log: Callable | None = None) -> pd.DataFrame:
    """Simulate ``description`` at every point of ``over`` and every seed; one tidy table.

    Parameters
    ----------
    description : NetworkDescription
        The base network; each point changes the fields it names.
    over : mapping or sequence
        The fields to vary, named by dotted paths into the description
        (:mod:`~balanced_models.core.sweep_points`): ``"projections.I->E.weight"``,
        ``"drives.E.rate"``, ``"populations.E.neuron.tau_ref"``, ``"populations.E.size"``.
        ``{path: values}`` is a grid over every combination (one path: a line), so
        ``{"projections.I->E.weight": [...], "drives.E.rate": [...]}`` is a 2-D grid; a list
        of ``{path: value}`` dicts gives the points one by one.
    duration : float
        Simulated time of each run (s, > 0).
    seeds : int or sequence of int
        Each point runs once per seed (realisation and random numbers; >= 0, distinct).
    engine : str
        'brian2' (default) or 'nest'.
    measure : callable, optional
        ``measure(handles) -> {name: number or array}``, run in the worker on each finished
        run; it must be picklable (a module-level function, or a :func:`functools.partial`
        of one). Default :func:`default_measure` (rates, CVs and synchrony per population).
        Arrays become cells of an object column.
    executor : optional
        None: local processes, one per core; an int: that many local processes; any
        :class:`concurrent.futures.Executor` (e.g. ``mpi4py.futures.MPIPoolExecutor()``); or
        a Dask :class:`distributed.Client`. An executor you give is not shut down.
    store : PointStore or str, optional
        Where finished points are saved as they arrive (a folder name makes a store); a
        rerun loads them instead of running them again. Default: nothing is saved.
    predict : bool
        Add the theory's prediction for each point
        (:func:`~balanced_models.core.predictions.population_prediction`): columns
        ``predicted_rate_P``, ``predicted_cv_P`` (diffusion theory), ``balanced_rate_P``, and
        ``prediction_reason`` where a value is missing.
    engine_options : mapping, optional
        The engine's build options (Brian2 and NEST: ``threads``).
    cache_directory : str, optional
        Where compiled structures are kept (default :func:`cache_directory`; on a cluster, a
        folder the workers can reach).
    force : bool
        Run points again even if the store has them.
    log : callable, optional
        Called with one line per finished point and per failure (default: nothing; progress
        goes through :mod:`balanced_models.progress`).

    Returns
    -------
    pandas.DataFrame
        One row per point and seed: the swept fields (columns named by their paths), ``seed``,
        the measures, the predictions, and ``error`` (empty, or why the point failed; its
        measures are then NaN). ``attrs``: ``fields`` (the swept paths), ``compiles``
        (compiles this call did), ``structures`` (distinct compiled structures), ``points``,
        ``reused`` (loaded from the store), ``failed``, ``seconds`` (wall time), ``units``
        (the swept fields' SI units). :func:`~balanced_models.core.plotting.plot_sweep` draws
        a column as a map.
        :func:`as_dataset` turns a grid's table into an ``xarray.Dataset``.

    Raises
    ------
    ParameterError
        If an argument is invalid: not a description, a path that names no field, a bad
        duration, seed, engine, measure or executor. A point whose *value* is refused
        (e.g. a negative rate) does not stop the others: its row says why.

    Examples
    --------
    Brunel's network over (g, nu_ext), each axis moving two fields (the sweeps guide)::

        import numpy as np, balanced_models as bm
        from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate
        p = BrunelParameters(N_E=2000)
        g, eta = np.linspace(3.0, 8.0, 6), np.linspace(1.0, 3.5, 6)
        if __name__ == "__main__":  # the workers import the calling script
            table = bm.sweep(model_a(5.0, 2.0, p),
                             {("projections.I->E.weight", "projections.I->I.weight"): -g * p.J,
                              ("drives.E.rate", "drives.I.rate"): eta * threshold_rate(p)},
                             duration=0.5)
            bm.plot_sweep(table, "rate_E")
    """
    started = time.perf_counter()
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    duration = check_duration(duration)
    seeds = _check_seeds(seeds)
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ParameterError(f"engine must be one of {sorted(ENGINES)}; got {engine!r}")
    if measure is not None:
        if not callable(measure):
            raise ParameterError(f"measure must be a function of the handles; got {measure!r}")
        try:
            pickle.dumps(measure)
        except Exception as error:  # noqa: BLE001 - any pickling failure means the same
            raise ParameterError(f"measure must be picklable to reach the workers (a "
                                 f"module-level function or a functools.partial of one); "
                                 f"{_measure_name(measure)} is not: {error}") from None
    for name, value in (("predict", predict), ("force", force)):
        if not isinstance(value, bool):
            raise ParameterError(f"{name} must be True or False; got {value!r}")
    if log is not None and not callable(log):
        raise ParameterError(f"log must be a function of one line of text or None; got "
                             f"{log!r}")
    if engine_options is not None and not isinstance(engine_options, Mapping):
        raise ParameterError(f"engine_options must be a dict of the engine's build options; "
                             f"got {engine_options!r}")
    options = dict(engine_options or {})
    cache = cache_directory if cache_directory is not None else _default_cache_directory()
    if not isinstance(cache, str) or not cache:
        raise ParameterError(f"cache_directory must name a folder; got {cache!r}")
    if isinstance(store, (str, os.PathLike)):
        store = PointStore(store)
    elif store is not None and not isinstance(store, PointStore):
        raise ParameterError(f"store must be a PointStore, a folder name or None; got "
                             f"{type(store).__name__}")
    log = log or (lambda line: None)
    fields, points = sweep_points(over)
    runner = get_engine(engine)

    for path in fields:  # a path that names no field is a bad call, not a bad point
        field_value(description, path)
    measure_id = _measure_name(measure or default_measure)
    identity = f"{engine}|T={duration!r}|{measure_id}|{sorted(options.items())}"
    # each point's description, checked here (a refused value fails that point only), its
    # structure and its keys; the descriptions are not kept: a long sweep holds its table
    errors, structures, keys, job_of = {}, {}, [], {}
    try:
        base_structure = runner.structure_key(description, duration, **options)
    except TypeError as error:  # an option the engine does not have
        raise ParameterError(f"engine_options: {error}") from None
    # the description each structure is compiled from: the base description where it has
    # the structure (so that sweeps of one base share compiles), else the first point's
    representative = {base_structure: description}
    first_of = {base_structure: -1}  # structure -> the index of its representative
    for k, point in enumerate(points):
        try:
            d = point_description(description, point)
        except ParameterError as error:
            errors[k] = str(error)
            log(f"[sweep] point {point} refused: {error}")
            continue
        structures[k] = runner.structure_key(d, duration, **options)
        if structures[k] not in representative:
            representative[structures[k]], first_of[structures[k]] = d, k
        plain = d.to_dict()
        for seed in seeds:
            key = point_key({"description": plain, "seed": seed},
                            f"{identity}|predict={predict and seed == seeds[0]}")
            if key not in job_of:  # equal points run once
                keys.append(key)
            job_of.setdefault(key, []).append((k, seed))
    # each structure must fit in memory, once per local worker (on a cluster: on this
    # machine, a lower bound of what a worker needs)
    copies = 1
    if executor is None or (isinstance(executor, (int, np.integer))
                            and not isinstance(executor, bool)):
        copies = min(int(executor or os.cpu_count() or 1), len(points) * len(seeds))
    for d in representative.values():
        runner.check_fits(d, duration, copies=copies)
    # a structure's points together, so that a worker keeps its compiled network
    keys.sort(key=lambda key: (first_of[structures[job_of[key][0][0]]], job_of[key][0][0]))
    common = dict(engine=engine, duration=duration, measure=measure, options=options,
                  cache_directory=os.path.abspath(cache))
    plain_representative = {}

    def payload_of(key):
        k, seed = job_of[key][0]
        structure = structures[k]
        if structure not in plain_representative:
            plain_representative[structure] = representative[structure].to_dict()
        return dict(common, description=point_description(description, points[k]).to_dict(),
                    seed=seed, predict=predict and seed == seeds[0],
                    representative=None if first_of[structure] == k
                    else plain_representative[structure])

    run = map_points(_run_point, keys, payload_of, executor=executor, store=store,
                     force=force, log=log,
                     describe=lambda key: f"point {points[job_of[key][0][0]]} seed "
                                          f"{job_of[key][0][1]}")
    results = {job: values for key, values in run.values.items() for job in job_of[key]}
    errors.update({job: error for key, error in run.errors.items() for job in job_of[key]})
    # the theory ran in the workers, once per point (with its first seed)
    predictions = {k: {name: value for name, value in results.get((k, seeds[0]), {}).items()
                       if name.startswith(_PREDICTION_COLUMNS)} for k in range(len(points))}
    rows = []
    for k, point in enumerate(points):
        for seed in seeds:
            row = {path: point[path] for path in fields}
            row["seed"] = seed
            row.update(point)  # linked fields after the axes
            row.update(results.get((k, seed), {}))
            row.update(predictions.get(k, {}))
            row["error"] = errors.get((k, seed), errors.get(k, ""))
            rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs.update(fields=fields, units={path: field_unit(description, path)
                                             for path in points[0]},
                       compiles=run.compiles,
                       structures=len(set(structures.values()) - {None}),
                       points=len(rows), reused=run.reused,
                       failed=int((table["error"] != "").sum()),
                       seconds=time.perf_counter() - started)
    return table


@dataclasses.dataclass
class PointsRun:
    """What :func:`map_points` did.

    Attributes
    ----------
    values : dict
        {key: the point's values}, finished or loaded from the store.
    errors : dict
        {key: why the point failed} (type and message of the exception).
    compiles : int
        Compiles the workers did.
    reused : int
        Points loaded from the store.
    """

    values: dict
    errors: dict
    compiles: int = 0
    reused: int = 0


def map_points(function: Callable, keys: Sequence[str], payload_of: Callable, *,
               executor=None, store: PointStore | None = None, force: bool = False,
               log: Callable | None = None, describe: Callable | None = None) -> PointsRun:
    """Run ``function(payload_of(key))`` for every key on an executor; save each result as it
    arrives; load from ``store`` what is there.

    The one mechanism behind :func:`sweep` and the reproductions' own sweeps. At most a
    window of points is in flight, so the calling process holds no more than that many
    payloads. A point that raises fails alone (its error is returned); a worker of the
    default executor that dies is replaced and its unfinished points run again (Dask does
    the same by itself).

    Parameters
    ----------
    function : callable
        A picklable, module-level function ``payload -> point_result(...)``
        (:func:`point_result`), run in the workers.
    keys : sequence of str
        One key per point (:func:`~balanced_models.saved_points.point_key`), in the order to
        submit them.
    payload_of : callable
        ``key -> payload``: plain, picklable data, made when the point is submitted.
    executor : optional
        As for :func:`sweep`.
    store : PointStore, optional
        Where finished points are saved and looked up.
    force : bool
        Run points again even if the store has them.
    log : callable, optional
        Called with a line per finished or failed point.
    describe : callable, optional
        ``key -> str`` for those lines (default: the key).

    Returns
    -------
    PointsRun
    """
    if not callable(function) or not callable(payload_of):
        raise ParameterError("function and payload_of must be callables")
    if store is not None and not isinstance(store, PointStore):
        raise ParameterError(f"store must be a PointStore or None; got "
                             f"{type(store).__name__}")
    log = log or (lambda line: None)
    describe = describe or str
    run = PointsRun(values={}, errors={})
    pending = []
    for key in keys:
        saved = None
        if store is not None and not force:
            saved, seconds = store.load_timed(key)
        if saved is None:
            pending.append(key)
        else:
            run.values[key] = saved
            run.reused += 1
            progress.reused(seconds)
    total, done, restarts = len(pending), 0, 0
    start = time.perf_counter()
    if total:
        progress.update(step="sweep points", done=0, total=total)

    def collect(future, key):
        nonlocal done
        try:
            answer = future.result()
        except BrokenProcessPool:
            raise
        except Exception as error:  # noqa: BLE001 - reported per point
            run.errors[key] = f"{type(error).__name__}: {error}"
            log(f"[sweep] {describe(key)} failed: {run.errors[key]}")
        else:
            run.values[key] = answer["values"]
            run.compiles += answer["compiled"]
            if store is not None:
                store.save(key, {"point": describe(key)}, answer["values"],
                           seconds=answer["seconds"])
        done += 1
        progress.update(done=done, total=total)
        log(f"[sweep] {done}/{total} points ({time.perf_counter() - start:.1f} s)")

    while pending:
        pool, owned = _executor_of(executor, len(pending))
        futures = {}
        try:
            while pending or futures:
                while pending and len(futures) < _IN_FLIGHT:
                    key = pending.pop(0)
                    blob = pickle.dumps((function, payload_of(key)))
                    futures[pool.submit(_run_pickled, blob)] = key
                finished, _ = concurrent.futures.wait(
                    futures, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in finished:
                    collect(future, futures[future])
                    del futures[future]
        except BrokenProcessPool:
            # a worker of our own pool died: keep what finished, run again what did not
            unfinished = []
            for future, key in futures.items():
                if future.done() and future.exception() is None:
                    collect(future, key)
                else:
                    unfinished.append(key)
            pending = unfinished + pending
            restarts += 1
            if not owned or restarts > _RESTARTS:
                raise ParameterError(
                    f"the worker processes died ({restarts} times); {len(pending)} points did "
                    "not finish (from a script, call the sweep under if __name__ == "
                    "'__main__': the workers import the script)") from None
            log(f"[sweep] a worker process died; running its {len(unfinished)} unfinished "
                "points again")
        finally:
            if owned:
                pool.shutdown(wait=True, cancel_futures=True)
    return run


def as_dataset(table: pd.DataFrame):
    """A grid sweep's table as an ``xarray.Dataset``: the swept fields and ``seed`` as
    dimensions, every other column a variable.

    Parameters
    ----------
    table : pandas.DataFrame
        Returned by :func:`sweep` (its ``attrs["fields"]`` names the dimensions).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    ParameterError
        If ``table`` is not a sweep's table.
    ImportError
        If xarray is not installed (``pip install 'balanced-models[dask]'``).
    """
    if not isinstance(table, pd.DataFrame) or "fields" not in table.attrs:
        raise ParameterError("as_dataset needs the table that sweep() returned")
    try:
        import xarray  # noqa: F401 - pandas' to_xarray needs it
    except ImportError as error:
        raise ImportError("as_dataset needs xarray: pip install 'balanced-models[dask]'",
                          name="xarray") from error
    return table.set_index(list(table.attrs["fields"]) + ["seed"]).to_xarray()

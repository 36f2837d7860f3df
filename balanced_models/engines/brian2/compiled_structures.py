"""Compiled structures for sweep points: one compile per structure, on any machine.

A sweep point reaches a worker process as plain data (a description, a duration, a seed).
The worker needs the compiled standalone project of the point's *structure* (everything
that :func:`~balanced_models.engines.brian2.engine.load_realisation` cannot change) and
nothing of the process that sent the point. Projects live in the cache directory::

    <cache>/structures/<key>/compiled/            compiled once, by the first worker
    <cache>/structures/<key>/workers/<host>-<pid>/   each worker process's copy
    <cache>/structures/<key>/lock                 taken while compiling

``<key>`` hashes what the build makes (for a description: its structure and the
representative description the project is generated from, so that every worker generates
byte-identical code), the time step, the threads and the Brian2 version. The first worker to
take the lock compiles in its own folder and publishes a copy (its data files excepted);
every other worker copies that, generates the same code into the copy, which ``make`` finds
up to date, and runs each of its points there with the point's values and realisation
loaded at run time (:func:`~balanced_models.engines.brian2.engine.load_realisation`;
:func:`compiled_network` does the same for any deterministic build). A worker keeps its
current structure between points; its copy is removed when it exits, and copies left by
processes that died are removed by the next worker on the same host.

The binary reads its connectivity and spike trains from paths relative to its project, so a
copy reads its own files and a worker never touches another's.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import platform
import shutil
import socket
import threading
import time
import uuid

import brian2
from brian2 import second

from theory.errors import ParameterError, require_positive

from ...core.realisation import check_seed
from ..base import check_description, check_duration
from .engine import _build, _compiled_structure, load_realisation
from .simulation import Simulation

__all__ = ["structure_key", "run_point", "compiled_network", "CompiledNetwork"]

#: this process's current compiled structure: key, Simulation, handles, project directory
_CURRENT = {}
#: one point at a time per process (Brian2's standalone device is one per process)
_PROCESS_LOCK = threading.Lock()
_MARKER = ".bm_compiled"
#: what a worker's copy leaves out: data of a realisation and results of runs
_NOT_COPIED = ("connectivity", "spike_trains", "results", "results_*", "lock")


def _check_threads(threads):
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ParameterError(f"threads must be an integer >= 1; got {threads!r}")
    return threads


def structure_key(description, duration: float, threads: int = 1) -> str:
    """A hash of what the standalone project of ``description`` compiles: its structure
    (:func:`~balanced_models.engines.brian2.engine.load_realisation` lists it), what it
    records, its time step and duration, the threads, and the Brian2 version.

    Parameters
    ----------
    description : NetworkDescription
    duration : float
        Simulated time (s, > 0).
    threads : int
        OpenMP threads (>= 1).

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    d = check_description(description)
    parts = {"structure": repr(sorted(_compiled_structure(d).items())),
             "record": repr(d.record), "dt": d.dt, "duration": check_duration(duration),
             "threads": _check_threads(threads), "brian2": brian2.__version__,
             "machine": platform.machine()}
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


class _FileLock:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.file = open(self.path, "a")
        fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_copies(workers):
    """Copies left by processes of this host that no longer run."""
    host = socket.gethostname()
    for name in os.listdir(workers) if os.path.isdir(workers) else ():
        owner, _, pid = name.rpartition("-")
        if owner == host and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(workers, name), ignore_errors=True)


def _project(key, dt, threads):
    text = json.dumps({"key": key, "dt": dt, "threads": threads, "brian2": brian2.__version__,
                       "machine": platform.machine()}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _generate(build, directory, dt, threads):
    """``build``'s network generated (and compiled, where needed) in ``directory``:
    (Simulation, handles)."""
    sim = Simulation("cpp_standalone", directory=directory, seed=0, dt=dt * second,
                     threads=threads)
    handles = build(sim)
    sim.compile()
    return sim, handles


def _prepare(project, build, dt, threads, cache_directory):
    """Make ``project`` this process's current network; True if this call compiled it."""
    root = os.path.join(os.path.abspath(cache_directory), "structures", project)
    compiled_dir, workers = os.path.join(root, "compiled"), os.path.join(root, "workers")
    os.makedirs(workers, exist_ok=True)
    if "sim" in _CURRENT:  # its points kept their results; the structure's own handles
        _CURRENT["sim"]._before_reinit.clear()  # have nothing left to read
    private = os.path.join(workers, f"{socket.gethostname()}-{os.getpid()}")
    old = _CURRENT.get("directory")
    sim = None
    with _FileLock(os.path.join(root, "lock")):
        _remove_stale_copies(workers)
        if not os.path.exists(os.path.join(compiled_dir, _MARKER)):
            # compile in this worker's own folder and publish a copy for the others
            start = time.perf_counter()
            shutil.rmtree(private, ignore_errors=True)
            sim, handles = _generate(build, private, dt, threads)
            shutil.rmtree(compiled_dir, ignore_errors=True)  # a publish that did not finish
            staging = compiled_dir + f".{os.getpid()}"
            shutil.copytree(private, staging, copy_function=shutil.copy2,
                            ignore=shutil.ignore_patterns(*_NOT_COPIED))
            with open(os.path.join(staging, _MARKER), "w") as f:
                json.dump({"seconds": time.perf_counter() - start,
                           "host": socket.gethostname()}, f)
            os.rename(staging, compiled_dir)
    compiled = sim is not None
    if not compiled:
        if not os.path.exists(os.path.join(private, _MARKER)):
            shutil.rmtree(private, ignore_errors=True)
            shutil.copytree(compiled_dir, private, copy_function=shutil.copy2,
                            ignore=shutil.ignore_patterns(*_NOT_COPIED))
        sim, handles = _generate(build, private, dt, threads)
    if old is not None and old != private:
        shutil.rmtree(old, ignore_errors=True)
    _CURRENT.update(project=project, sim=sim, handles=handles, directory=private)
    return compiled


@atexit.register
def _remove_own_copy():
    directory = _CURRENT.get("directory")
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


class CompiledNetwork:
    """This process's compiled network for one structure (:func:`compiled_network`).

    Attributes
    ----------
    simulation : Simulation
        The standalone Simulation, in this process's copy of the project.
    handles : object
        What ``build`` returned.
    compiled : bool
        Whether entering compiled the structure (False: it was compiled already).
    """

    def __init__(self, simulation, handles, compiled):
        self.simulation, self.handles, self.compiled = simulation, handles, compiled
        self._results = []

    def execute(self, run_args: dict | None = None, *, seed: int) -> None:
        """Run the binary with ``run_args`` and ``seed``; its results go to a folder of
        their own, read through the handles until the ``with`` block ends.

        Parameters
        ----------
        run_args : dict, optional
            Brian2 run_args ({group.variable: value}).
        seed : int
            Seed of Brian2's random numbers (>= 0).
        """
        results = f"results_{uuid.uuid4().hex[:12]}"
        self._results.append(os.path.join(self.simulation.directory, results))
        self.simulation.execute(run_args, seed=check_seed(seed), results_directory=results)


@contextlib.contextmanager
def compiled_network(key: str, build, *, dt: float, cache_directory: str, threads: int = 1):
    """This process's compiled network for the structure ``key``, compiled once per
    structure in ``cache_directory`` (module doc), held for one point at a time.

    Parameters
    ----------
    key : str
        Names everything ``build`` makes: two builds with one key must generate the same
        code.
    build : callable
        ``build(simulation) -> handles``: creates the Brian2 objects in a standalone
        Simulation and calls ``simulation.network.run`` for each phase; deterministic.
    dt : float
        The time step (s, > 0).
    cache_directory : str
        Where compiled structures are kept.
    threads : int
        OpenMP threads (>= 1).

    Yields
    ------
    CompiledNetwork
        Run it with :meth:`CompiledNetwork.execute` and read its results inside the block;
        they are removed when it ends.

    Examples
    --------
    ::

        with compiled_network(f"siegert {N}", build, dt=1e-4, cache_directory=cache) as net:
            net.execute({net.handles["G"].rate_drive_e: rates}, seed=1)
            rates = net.handles["spikes"].count[:] / duration
    """
    if not isinstance(key, str) or not key:
        raise ParameterError(f"key must be a non-empty string; got {key!r}")
    if not callable(build):
        raise ParameterError(f"build must be a function of a Simulation; got {build!r}")
    dt = float(require_positive("dt", dt, "s"))
    threads = _check_threads(threads)
    if not isinstance(cache_directory, str) or not cache_directory:
        raise ParameterError(f"cache_directory must name a folder; got {cache_directory!r}")
    project = _project(key, dt, threads)
    with _PROCESS_LOCK:
        compiled = False
        if _CURRENT.get("project") != project:
            compiled = _prepare(project, build, dt, threads, cache_directory)
        network = CompiledNetwork(_CURRENT["sim"], _CURRENT["handles"], compiled)
        try:
            yield network
        finally:
            for results in network._results:
                shutil.rmtree(results, ignore_errors=True)


def run_point(description, duration: float, *, seed: int, representative=None,
              cache_directory: str, threads: int = 1):
    """One sweep point on the compiled structure of ``representative`` (the contract:
    :meth:`~balanced_models.engines.base.Engine.run_point`; module doc).

    Parameters
    ----------
    description : NetworkDescription
        The point's network.
    duration : float
        Simulated time (s, > 0).
    seed : int
        The realisation's seed and that of Brian2's random numbers (>= 0).
    representative : NetworkDescription, optional
        The description whose project is compiled for this structure (default:
        ``description``); its structure must be the point's.
    cache_directory : str
        Where compiled structures are kept.
    threads : int
        OpenMP threads (>= 1).

    Returns
    -------
    handles : NetworkHandles
        The point's run, its recordings read into memory.
    compiled : bool
        Whether this call compiled the structure.
    """
    d = check_description(description)
    duration = check_duration(duration)
    seed = check_seed(seed)
    rep = d if representative is None else check_description(representative)
    structure = structure_key(d, duration, threads)
    if structure_key(rep, duration, threads) != structure:
        raise ParameterError("representative must have the point's structure (what the "
                             "compiled code fixes)")
    key = json.dumps({"structure": structure, "representative": rep.to_dict()},
                     sort_keys=True, default=str)

    def build(sim):
        handles = _build(rep, sim, 0, None)
        sim.network.run(duration * second, namespace={})
        return handles

    with compiled_network(key, build, dt=rep.dt, cache_directory=cache_directory,
                          threads=threads) as network:
        handles = network.handles
        network.execute(load_realisation(handles, seed, description=d), seed=seed)
        point = dataclasses.replace(handles, description=d, seed=seed, duration=duration,
                                    connectivity=handles.connectivity)
        point._keep_results()
    return point, network.compiled

"""The Brian2 simulation: one entry point that runs on Brian2's runtime target, on
cpp_standalone or on a GPU (brian2cuda's cuda_standalone, :mod:`.cuda`) with a reproducible
seed, the compiler flags and the precompiled header of a standalone project, and where a
project keeps the data its binary reads at run time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import weakref

import numpy as np
from brian2 import (Network, Quantity, Subgroup, defaultclock, get_device, ms, prefs, second,
                    set_device)
from brian2 import seed as brian_seed
from brian2.codegen.cpp_prefs import get_compiler_and_args
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import all_devices

from theory.errors import ParameterError, require_integer

from ... import progress
from .cuda import (CUDA_DEVICE, check_network, is_cuda_device, prepare_device,
                   prepare_makefile, streams)
from .cuda import seed_code as _cuda_seed_code
from .units import check_quantity

__all__ = ["Simulation", "SEED_VARIABLE", "DEVICES", "project_data_directory"]

#: the devices a Simulation runs on
DEVICES = ("runtime", "cpp_standalone", "cuda_standalone")

#: Prefix of the temporary standalone projects a Simulation creates (and removes).
BUILD_PREFIX = "bm_build_"

#: Environment variable read by compiled standalone binaries to reseed their random streams.
SEED_VARIABLE = "BALANCED_MODELS_SEED"

#: Brian2's default gcc flags, and what ``vectorize=True`` changes: -ffinite-math-only lets
#: glibc's vector maths (libmvec) replace exp/log in loops, and a larger alias-check budget
#: lets gcc vectorise state updates with many variables (Brian2's per-variable pointers
#: otherwise need more run-time alias tests than gcc's default of 10). EIF state updates run
#: about 7x faster.
_BRIAN_GCC_FLAGS = list(prefs.codegen.cpp.extra_compile_args_gcc)
_VECTORIZE_FLAGS = ["-ffinite-math-only", "--param=vect-max-version-for-alias-checks=64"]

#: The standard headers every generated source file includes, compiled once per project into
#: a precompiled header that gcc reads instead of parsing them again in each of the project's
#: 20-60 files (``-include`` makes it the first include of every file; where the .gch is
#: missing or does not match the flags, gcc reads the header as text, with the same result).
#: Parsing these headers was much of the compile time: building the 48-file Zhu EIF network
#: (N = 1000) took 19.2-21.9 s without it and 11.9-13.5 s with it (2 cores, idle machine).
_PCH_HEADER = "bm_pch.h"
_PCH_FLAGS = ["-include", _PCH_HEADER]
_PCH_INCLUDES = ("algorithm", "climits", "cmath", "cstdio", "cstdlib", "ctime", "fstream",
                 "iostream", "map", "random", "set", "string", "vector")
_PCH_RULE = f"""
{_PCH_HEADER}.gch: {_PCH_HEADER} makefile
	$(CXX) $(filter-out -include {_PCH_HEADER},$(CXXFLAGS)) -x c++-header {_PCH_HEADER} -o $@
"""


def project_data_directory(kind):
    """``<project>/<kind>`` of the current standalone project, or None on the runtime device
    and for what a cuda_standalone project compiles in (:func:`.cuda.streams`).

    Data that the compiled binary reads at run time (connectivity, spike trains) lives here,
    so that new data needs no recompilation."""
    device = get_device()
    if not isinstance(device, CPPStandaloneDevice):
        return None
    if is_cuda_device() and not streams(kind):
        return None
    project = device.build_options.get("directory")
    return None if project is None else os.path.join(os.path.abspath(project), kind)


class Simulation:
    """One network to build and run, on the runtime target or compiled as C++ standalone.

    Create the Simulation first (it selects the device), then create Brian2 objects, add them
    with :meth:`add` and call :meth:`run`. The objects stay ordinary Brian2 objects that can be
    inspected and changed before the run. A standalone network compiles once: :meth:`execute`
    re-runs it with other values, another seed or other streamed data.

    Parameters
    ----------
    device : {'runtime', 'cpp_standalone', 'cuda_standalone'}, optional
        Brian2's runtime mode (default), a compiled C++ standalone project, or a CUDA project
        for an NVIDIA GPU (brian2cuda: the ``cuda`` extra; :mod:`.cuda` lists what differs).
    directory : str, optional
        Standalone project directory. Default: a new temporary directory ``bm_build_*``,
        removed by :meth:`close`, when the Simulation is garbage-collected or when the
        interpreter exits; a directory you give is kept.
    dt : brian2.Quantity, optional
        The time step (second, > 0). Default 0.1 ms.
    seed : int, optional
        Seed of Brian2's random numbers (>= 0); ``self.rng`` is a numpy Generator from the same
        seed for anything drawn in Python (e.g. connectivity). In standalone mode a compiled
        network re-runs with another seed without recompiling (:meth:`execute`): the binary
        reads it from the environment.
    target : {'numpy', 'cython'}, optional
        Code target of the runtime device. Default 'numpy'.
    vectorize : bool, optional
        Compile with vectorising gcc flags (default True). They assume that no model variable
        becomes NaN or infinite; set False for models that rely on such values.
    threads : int, optional
        OpenMP threads of the standalone binary (>= 1; default 1: no OpenMP). On 2 cores two
        threads did not pay (see the benchmarks page). cuda_standalone: 1.
    compute_capability : float, optional
        cuda_standalone only: the GPU to compile for (e.g. 9.0 for an H100 or H200), which
        turns brian2cuda's GPU detection off, so a machine without a GPU builds the project.
        Default None: the GPU found.

    Raises
    ------
    ParameterError
        If a value is of the wrong type, dimension or range.

    Examples
    --------
    Standalone, compile once, re-run::

        sim = Simulation("cpp_standalone", seed=1)
        G = sim.add(model.group(100, drive=["e"]))
        ...
        sim.run(1 * second)                               # compiles and runs with seed 1
        sim.execute(run_args={G.rate_drive_e: 20 * Hz}, seed=2)   # no recompilation
    """

    def __init__(self, device: str = "runtime", *, directory: str | None = None,
                 dt: Quantity = 0.1 * ms, seed: int | None = None, target: str = "numpy",
                 vectorize: bool = True, threads: int = 1,
                 compute_capability: float | None = None) -> None:
        if device not in DEVICES:
            raise ParameterError(f"device must be one of {', '.join(map(repr, DEVICES))}; got "
                                 f"{device!r}")
        if target not in ("numpy", "cython"):
            raise ParameterError(f"target must be 'numpy' or 'cython'; got {target!r}")
        if seed is not None:
            seed = require_integer("seed", seed, low=0)
        check_quantity("dt", dt, second, low=0.0, low_open=True)
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
            raise ParameterError(f"threads must be an integer >= 1; got {threads!r}")
        if device == CUDA_DEVICE:
            if threads != 1:
                raise ParameterError(f"threads must be 1 on cuda_standalone (OpenMP threads are "
                                     f"cpp_standalone's); got {threads!r}")
            prepare_device(compute_capability)
        elif compute_capability is not None:
            raise ParameterError("compute_capability is for device='cuda_standalone' only; "
                                 f"got {compute_capability!r} with device={device!r}")
        self.device_name = device
        #: whether the network compiles (cpp_standalone, cuda_standalone)
        self.standalone = device != "runtime"
        self._executed = False
        self._before_reinit = []
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.timings = {}
        self.network = Network(name="network")  # fixed names keep rebuilt code identical
        self._compiled = False
        if device == "runtime":
            set_device("runtime")
            prefs.codegen.target = target
            if seed is not None:
                brian_seed(seed)
            self.directory = None
        else:
            self.directory = os.path.abspath(directory or tempfile.mkdtemp(prefix=BUILD_PREFIX))
            if directory is None:
                # forked workers share the directory and must not remove it: only the
                # creating process does
                self._cleanup = weakref.finalize(self, _remove_directory, self.directory,
                                                 os.getpid())
            _forget_previous_standalone_networks()
            set_device(device, directory=self.directory, build_on_run=False)
            prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else int(threads)
            if device == CUDA_DEVICE:  # nvcc has no precompiled header
                get_device().insert_code("main", _cuda_seed_code(SEED_VARIABLE, seed))
            else:
                get_device().insert_code("main", _seed_code(seed))
                # the device's own flags: Brian2 tests each preference flag on its own, and
                # drops "-include" without its file
                get_device().extra_compile_args = list(_PCH_FLAGS)
        defaultclock.dt = dt
        prefs.codegen.cpp.extra_compile_args_gcc = _BRIAN_GCC_FLAGS + (
            _VECTORIZE_FLAGS if vectorize else [])

    def close(self):
        """Remove the temporary standalone project (a directory given by the user is kept).
        The results already read stay; monitors that read from the project do not."""
        cleanup = getattr(self, "_cleanup", None)
        if cleanup is not None:
            cleanup()
            # nothing left to read before the next network replaces this one
            self._before_reinit.clear()
            _STANDALONE.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add(self, *objects):
        """Add Brian2 objects to the network; returns the object (or the tuple of objects)."""
        self.network.add(*objects)
        return objects[0] if len(objects) == 1 else objects

    def run(self, duration, *, report=None):
        """Simulate for ``duration``; in standalone mode also compile and execute.

        report : None, or 'text' / 'stdout' for progress reports (every 10 s of wall time).
        For several run phases in standalone mode, call ``self.network.run`` for each phase
        and then :meth:`execute`.
        """
        check_quantity("duration", duration, second, low=0.0, low_open=True)
        start = time.perf_counter()
        self.network.run(duration, report=report, report_period=10 * second, level=1)
        if self.device_name == "runtime":
            self.timings["run"] = time.perf_counter() - start
            return self
        return self.execute(seed=self.seed, with_output=report is not None)

    def compile(self):
        """Generate and compile the standalone project (once)."""
        if not self.standalone:
            raise RuntimeError("compile() is only for the standalone devices")
        if not self._compiled:
            start = time.perf_counter()
            cuda = self.device_name == CUDA_DEVICE
            progress.update(step=f"compiling {os.path.basename(self.directory)} " + (
                "with nvcc (minutes on few cores)" if cuda else "(10-60 s for a new structure)"))
            device = get_device()
            if cuda:
                check_network(device)
            device.build(directory=self.directory, compile=False, run=False,
                         with_output=False)
            if cuda:
                prepare_makefile(self.directory)
            else:
                _precompile_header(self.directory)
            compiler, _ = get_compiler_and_args()
            try:
                device.compile_source(self.directory, compiler, debug=False, clean=False)
            except RuntimeError as error:
                _raise_if_interrupted(error)
                raise
            self.timings["build"] = time.perf_counter() - start
            self._compiled = True
        return self

    def execute(self, run_args=None, *, seed=None, results_directory=None, with_output=False):
        """Run the compiled standalone binary; compile first if needed.

        run_args : {group.variable: value} changed for this run only (Brian2 run_args)
        seed : seed for this run (None: the Simulation's seed, or a random one if that is None)
        results_directory : relative directory for this run's results (for parallel runs)
        """
        self.compile()
        seed = self.seed if seed is None else seed
        if seed is not None:
            os.environ[SEED_VARIABLE] = str(int(seed))
        else:
            os.environ.pop(SEED_VARIABLE, None)
        start = time.perf_counter()
        if results_directory is None:  # sweep points report their count instead
            progress.update(step=f"simulating ({os.path.basename(self.directory)})")
        kwargs = {"results_directory": results_directory} if results_directory else {}
        get_device().run(directory=self.directory, with_output=with_output,
                         run_args=_whole_group_run_args(run_args or {}), **kwargs)
        self.timings["execute"] = time.perf_counter() - start
        self._executed = True
        if self not in _STANDALONE:
            _STANDALONE.add(self)
        return self

    def before_reinit(self, keep):
        """Call ``keep()`` before another standalone network replaces this one in the process.

        Brian2 has one standalone device per process: building a second network makes it
        forget the arrays of the first, so results not yet read could no longer be. The
        handles of a network register a function that reads their recordings into memory.
        ``keep`` is held by a weak reference (a bound method's object may go away).
        """
        self._before_reinit.append(weakref.WeakMethod(keep) if hasattr(keep, "__self__")
                                   else weakref.ref(keep))


#: standalone Simulations of this process that have run (their handles may still read)
_STANDALONE = weakref.WeakSet()


def _forget_previous_standalone_networks():
    """Let the handles of earlier standalone networks read what they recorded, then reset
    Brian2's standalone device for a new network."""
    for sim in list(_STANDALONE):
        for ref in sim._before_reinit:
            keep = ref()
            if keep is not None:
                keep()
        sim._before_reinit.clear()
        _STANDALONE.discard(sim)
    for name in ("cpp_standalone", CUDA_DEVICE):
        if name in all_devices:
            all_devices[name].reinit()


def _raise_if_interrupted(error):
    """Brian2 compiles with os.system, during which the Python process ignores Ctrl-C while
    make dies of it; Brian2 then reports a failed compilation with make's wait status ("error
    code: N"). Raise KeyboardInterrupt when that status says SIGINT (Unix)."""
    match = re.search(r"error code: (\d+)", str(error))
    if match and os.name == "posix":
        status = int(match.group(1))
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
            raise KeyboardInterrupt from error


def _remove_directory(directory, owner_pid):
    if os.getpid() == owner_pid:
        shutil.rmtree(directory, ignore_errors=True)


def _whole_group_run_args(run_args):
    """Brian2 standalone run_args must name variables of whole groups: a shared variable of a
    subgroup (e.g. ``E.V_r`` of a population that shares its NeuronGroup) is its group's.
    A per-neuron variable of a subgroup cannot be given alone."""
    out = {}
    for key, value in run_args.items():
        group = getattr(key, "group", None)
        if isinstance(group, Subgroup):
            if not key.variable.scalar:
                raise ParameterError(
                    f"run_args: {key.name} of {group.name!r} is one part of the per-neuron "
                    f"variable of {group.source.name!r}; give the whole group's values (for a "
                    "network description: load_realisation(handles, description=...))")
            key = getattr(group.source, key.name)
        out[key] = value
    return out


def _precompile_header(directory):
    """Write the project's precompiled header and compile it with the makefile's own flags
    (a make rule, so it is rebuilt only when the flags change)."""
    header = os.path.join(directory, _PCH_HEADER)
    text = "".join(f"#include <{name}>\n" for name in _PCH_INCLUDES)
    if not os.path.exists(header) or open(header).read() != text:
        with open(header, "w") as f:
            f.write(text)
    rules = os.path.join(directory, "bm_pch.mk")
    with open(rules, "w") as f:
        f.write(_PCH_RULE)
    make = prefs.devices.cpp_standalone.make_cmd_unix
    subprocess.run([make, "-f", "makefile", "-f", "bm_pch.mk", f"{_PCH_HEADER}.gch"],
                   cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _seed_code(default_seed):
    """C++ for main(): seed the random streams from $BALANCED_MODELS_SEED if it is set, else
    from ``default_seed`` (None: keep Brian2's random seeding)."""
    n_streams = max(1, prefs.devices.cpp_standalone.openmp_threads)
    fallback = "" if default_seed is None else f"else _bm_seed = {int(default_seed)}UL, _bm_set = true;"
    return (
        "{\n"
        f"    const char* _bm_env = getenv(\"{SEED_VARIABLE}\");\n"
        "    unsigned long _bm_seed = 0; bool _bm_set = false;\n"
        "    if (_bm_env) _bm_seed = strtoul(_bm_env, 0, 10), _bm_set = true;\n"
        f"    {fallback}\n"
        f"    if (_bm_set) for (int _i = 0; _i < {n_streams}; _i++)\n"
        "        brian::_random_generators[_i].seed(_bm_seed + _i);\n"
        "}\n")

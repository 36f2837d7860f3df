"""Assembling and running networks: synapses from a Connectivity, and one entry point that runs
on Brian2's runtime target or on cpp_standalone with a reproducible seed.
"""

import os
import tempfile
import time

import numpy as np
from brian2 import (Network, Synapses, defaultclock, get_device, ms, prefs, second, volt,
                    set_device)
from brian2 import seed as brian_seed
from brian2.devices.device import all_devices
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions

from theory.errors import ParameterError

from ._names import name_kwargs
from .validation import check_quantity

__all__ = ["connect", "Simulation", "SEED_VARIABLE"]

#: Environment variable read by compiled standalone binaries to reseed their random streams.
SEED_VARIABLE = "BALANCED_MODELS_SEED"

#: Brian2's default gcc flags, and what ``vectorize=True`` changes: -ffinite-math-only lets
#: glibc's vector maths (libmvec) replace exp/log in loops, and a larger alias-check budget
#: lets gcc vectorise state updates with many variables (Brian2's per-variable pointers
#: otherwise need more run-time alias tests than gcc's default of 10). EIF state updates run
#: about 7x faster.
_BRIAN_GCC_FLAGS = list(prefs.codegen.cpp.extra_compile_args_gcc)
_VECTORIZE_FLAGS = ["-ffinite-math-only", "--param=vect-max-version-for-alias-checks=64"]


def connect(source, target, connectivity, model, channel, *, name=None, plasticity=None):
    """Synapses from ``source`` to ``target`` realising ``connectivity`` on ``channel`` of ``model``.

    The weight ``w`` has unit ``model.weight_unit``. If all weights are equal and the synapses
    are static, ``w`` is one shared value (no per-synapse array; run_args can change it, so a
    sweep of the coupling needs no recompilation). Otherwise each synapse has its own ``w``,
    initialised from the Connectivity in the same order, so ``S.w[k]`` is
    ``connectivity.weight[k]``. Constant delays become one homogeneous delay; otherwise each
    synapse keeps its own.

    plasticity : an :class:`~balanced_models.plasticity.STDPRule`, or None for static weights.
        Both groups must carry plasticity traces (``trace_tau``); the spike is delivered with
        the old weight before the presynaptic update.
    """
    if connectivity.n_pre != len(source) or connectivity.n_post != len(target):
        raise ParameterError(
            f"connectivity is {connectivity.n_pre} -> {connectivity.n_post} neurons but the "
            f"groups have {len(source)} -> {len(target)}")
    expected = get_dimensions(model.weight_unit)
    if connectivity.weight_dimension is not expected:
        shown = "dimensionless" if expected is DIMENSIONLESS else str(expected)
        raise ParameterError(
            f"weight of this connectivity has dimension {connectivity.weight_dimension}, but "
            f"channel {channel!r} of a {model.synapse} model needs {shown} weights")
    unit = model.weight_unit
    weights = connectivity.weight
    shared = plasticity is None and (len(weights) == 0 or bool(np.all(weights == weights[0])))
    lines = [("w : volt" if unit is volt else "w : 1") + (" (shared, constant)" if shared else "")]
    on_pre = model.increment(channel, "w", post="_post")
    kwargs = {}
    if plasticity is not None:
        for group, side in ((source, "presynaptic"), (target, "postsynaptic")):
            if "x_trace" not in group.variables:
                raise ParameterError(f"plastic synapses need traces: build the {side} group "
                                     f"{group.name!r} from a model with trace_tau")
        plasticity.check_units(unit)
        lines += plasticity.declarations(unit)
        on_pre += "\n" + plasticity.on_pre()
        kwargs["on_post"] = plasticity.on_post()
    delays = connectivity.delay
    homogeneous = len(delays) == 0 or np.all(delays == delays[0])
    if homogeneous:
        kwargs["delay"] = (delays[0] if len(delays) else 0.0) * second
    S = Synapses(source, target, "\n".join(lines), on_pre=on_pre, **name_kwargs(name),
                 **kwargs)
    S.connect(i=connectivity.pre, j=connectivity.post)
    if shared:
        S.w = (weights[0] if len(weights) else 0.0) * unit
    else:
        S.w = weights * unit
    if plasticity is not None:
        plasticity.apply(S)
    if not homogeneous:
        S.delay = delays * second
    return S


class Simulation:
    """One network to build and run, on the runtime target or compiled as C++ standalone.

    Create the Simulation first (it selects the device), then create Brian2 objects, add them
    with :meth:`add` and call :meth:`run`. The objects stay ordinary Brian2 objects that can be
    inspected and changed before the run.

    device : 'runtime' (code target ``target``: 'numpy' or 'cython') or 'cpp_standalone'
    directory : standalone project directory (default: a new temporary directory)
    dt : simulation time step
    seed : integer seed of Brian2's random numbers; ``self.rng`` is a numpy Generator from the
        same seed for anything drawn in Python (e.g. connectivity). In standalone mode a
        compiled network can be re-run with another seed without recompiling
        (:meth:`execute`), because the binary reads it from the environment.
    vectorize : compile with the vectorising gcc flags above (default). They assume that no
        model variable becomes NaN or infinite; set False for models that rely on such values.

    Example (standalone, compile once, re-run)::

        sim = Simulation("cpp_standalone", seed=1)
        G = sim.add(model.group(100, drive=["e"]))
        ...
        sim.run(1 * second)                               # compiles and runs with seed 1
        sim.execute(run_args={G.rate_drive_e: 20 * Hz}, seed=2)   # no recompilation
    """

    def __init__(self, device="runtime", *, directory=None, dt=0.1 * ms, seed=None,
                 target="numpy", vectorize=True):
        if device not in ("runtime", "cpp_standalone"):
            raise ParameterError(f"device must be 'runtime' or 'cpp_standalone'; got {device!r}")
        if target not in ("numpy", "cython"):
            raise ParameterError(f"target must be 'numpy' or 'cython'; got {target!r}")
        if seed is not None and (int(seed) != seed or seed < 0):
            raise ParameterError(f"seed must be a non-negative integer; got {seed}")
        check_quantity("dt", dt, second, low=0.0, low_open=True)
        self.device_name = device
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
            self.directory = os.path.abspath(directory or tempfile.mkdtemp(prefix="bm_build_"))
            all_devices["cpp_standalone"].reinit()  # forget any previous standalone network
            set_device("cpp_standalone", directory=self.directory, build_on_run=False)
            prefs.devices.cpp_standalone.openmp_threads = 0
            get_device().insert_code("main", _seed_code(seed))
        defaultclock.dt = dt
        prefs.codegen.cpp.extra_compile_args_gcc = _BRIAN_GCC_FLAGS + (
            _VECTORIZE_FLAGS if vectorize else [])

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
        if self.device_name != "cpp_standalone":
            raise RuntimeError("compile() is only for device='cpp_standalone'")
        if not self._compiled:
            start = time.perf_counter()
            get_device().build(directory=self.directory, compile=True, run=False,
                               with_output=False)
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
        kwargs = {"results_directory": results_directory} if results_directory else {}
        get_device().run(directory=self.directory, with_output=with_output,
                         run_args=run_args or {}, **kwargs)
        self.timings["execute"] = time.perf_counter() - start
        return self


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

"""Neuron models NEST has no built-in for, generated with NESTML and compiled for the
installed NEST: the LIF neuron with instantaneous conductance jumps (Sanzeni, Histed & Brunel),
and LIF or EIF neurons whose exponential currents or conductances have more time constants
than NEST's two receptors (Zhu et al.'s and Akil et al.'s external channel with its own tau).

The equations are the Brian2 engine's (:mod:`balanced_models.engines.brian2.neurons`), one
receptor port per channel (1, 2, ... in the order of the neuron's channels), with adaptation
where the neuron has it. A spike of efficacy w on a jump channel c moves the potential by
w (E_c - V) ('linear') or to E_c + (V - E_c) exp(-w) ('exact'); the weight of a current
channel is the kick in mV, that of a conductance or jump channel the dimensionless efficacy.
During the refractory period V is held at V_r and jumps are dropped. NESTML integrates linear
membranes exactly and the EIF with GSL's adaptive Runge-Kutta-Fehlberg method.

Building for the PyPI wheel of NEST 3.10. NESTML 9 generates the C++ code of a NEST extension
module and builds it with the installed NEST's ``nest-config``. The wheel is not made for
that: its ``nest-config`` names the wheel builder's paths, its kernel is linked into the Python
extension ``nestkernel_api.so`` (there is no ``libnestkernel``), and it was compiled with the
old C++ string ABI. A module builds and loads with a ``nest-config`` written here, which

* points the prefix and the include path at the installed ``nest`` package,
* links ``nestkernel_api.so`` by path, so that the module resolves NEST's symbols against the
  kernel already loaded in the process,
* compiles with the system ``g++`` and ``-D_GLIBCXX_USE_CXX11_ABI=0``.

NEST's headers include Boost and libltdl headers, which the wheel does not ship: on Debian or
Ubuntu ``apt install libboost-dev libltdl-dev``. A built module is kept in
``$BM_NESTML_CACHE`` (default ``~/.cache/balanced_models/nestml``), under a hash of its NESTML
source, the NEST and NESTML versions and the NEST installation's path (the module links that
kernel), and loaded by its path with ``nest.Install``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import stat
import sys
import time

from theory.errors import ParameterError

__all__ = ["nestml_model_name", "nestml_source", "nestml_parameters", "nestml_unavailable",
           "install_nestml_model"]

#: headers NEST's own headers include that the wheel does not ship (the apt packages)
_SYSTEM_HEADERS = {"boost/type_index.hpp": "libboost-dev", "ltdl.h": "libltdl-dev"}


def nestml_model_name(neuron):
    """The NEST name of the NESTML model of a :class:`~balanced_models.core.description.Neuron`
    (its spike, synapse, jump, channels and whether it adapts)."""
    jump = f"_{neuron.jump}" if neuron.synapse == "conductance_jump" else ""
    adapting = "_adapting" if neuron.adapting else ""
    return (f"bm_{neuron.spike}_{neuron.synapse}{jump}_{'_'.join(neuron.channels)}"
            f"{adapting}")


def nestml_source(neuron):
    """(model name, NESTML source) of a LIF or EIF
    :class:`~balanced_models.core.description.Neuron` with exponential currents, exponential
    conductances or conductance jumps, one receptor port per channel (in the neuron's order),
    with or without adaptation; units mV, ms. As the Brian2 engine's equations: the current
    I_c (mV/ms, ours V/s) jumps by w / tau_c for a weight w in mV, the conductance g_c (1/ms,
    ours in units of C per s) by w / tau_c for a dimensionless w; while refractory V is held
    at V_r, jumps are dropped, and currents, conductances and w evolve on."""
    if neuron.synapse not in ("current_exp", "conductance_exp", "conductance_jump"):
        raise ParameterError(f"NESTML models here have exponential or jump synapses; got "
                             f"{neuron.synapse!r}")
    name, channels = nestml_model_name(neuron), tuple(neuron.channels)
    kind = neuron.synapse
    state = ["V_m mV = -70 mV", "refr_t ms = 0 ms"]
    parameters = ["tau_m ms = 20 ms", "E_L mV = -70 mV", "mu_ext mV = 0 mV",
                  "V_th mV = -50 mV", "V_reset mV = -60 mV", "t_ref ms = 0 ms"]
    equations, synaptic, held, handlers = [], [], [], []
    drift = "E_L + mu_ext - V_m"
    if neuron.spike == "eif":
        # bounded at the cut-off V_th, as NEST's aeif models do: the step that crosses it
        # must not overflow the exponential
        drift += " + Delta_T * exp((min(V_m, V_th) - V_T) / Delta_T)"
        parameters += ["V_T mV = -55 mV", "Delta_T mV = 1 mV"]
    for c in channels:
        efficacy = f"{c}_spikes * 1 s"  # the summed weights of this step's spikes on c
        if kind == "current_exp":
            state.append(f"I_{c} mV/ms = 0 mV/ms")
            parameters.append(f"tau_{c} ms = 5 ms")
            equations.append(f"I_{c}' = -I_{c} / tau_{c}")
            synaptic.append(f"I_{c}")
            held.append(f"I_{c}")
            change = f"I_{c} += {efficacy} * 1 mV / tau_{c}"
        elif kind == "conductance_exp":
            state.append(f"g_{c} 1/ms = 0 ms**-1")
            parameters += [f"tau_{c} ms = 5 ms", f"E_{c} mV = 0 mV"]
            equations.append(f"g_{c}' = -g_{c} / tau_{c}")
            synaptic.append(f"g_{c} * (E_{c} - V_m)")
            held.append(f"g_{c}")
            change = f"g_{c} += {efficacy} / tau_{c}"
        else:
            parameters.append(f"E_{c} mV = 0 mV")
            change = (f"V_m += {efficacy} * (E_{c} - V_m)" if neuron.jump == "linear"
                      else f"V_m += (E_{c} - V_m) * (1 - exp(-{efficacy}))")
            change = f"if refr_t <= 0 ms:\n            {change}"
        handlers.append(f"    onReceive({c}_spikes):\n        {change}\n")
    reset = ["refr_t = t_ref", "V_m = V_reset"]
    if neuron.adapting:
        state.append("w mV/ms = 0 mV/ms")
        parameters += ["a 1/ms = 0 ms**-1", "b mV/ms = 0 mV/ms", "tau_w ms = 100 ms"]
        equations.append("w' = (a * (V_m - E_L) - w) / tau_w")
        synaptic.append("(-w)")
        held.append("w")
        reset.append("w += b")
    equations.append(f"V_m' = ({drift}) / tau_m" + "".join(f" + {x}" for x in synaptic))
    refractory = (f"            integrate_odes({', '.join(held)})\n" if held else "")
    indent = "\n        "
    source = f"""# Generated by balanced_models.engines.nest.nestml_models: {name}
model {name}:
    state:
        {indent.join(state)}

    equations:
        {indent.join(equations)}

    parameters:
        {indent.join(parameters)}

    input:
        {indent.join(f"{c}_spikes <- spike" for c in channels)}

    output:
        spike

    update:
        if refr_t > 0 ms:
            refr_t -= timestep()
{refractory}        else:
            integrate_odes()

{chr(10).join(handlers)}
    onCondition(refr_t <= 0 ms and V_m >= V_th):
        {indent.join(reset)}
        emit_spike()
"""
    return name, source


def nestml_parameters(neuron, mu_ext=0.0):
    """The NEST parameters (mV, ms) of :func:`nestml_source`'s model of ``neuron``, with the
    constant input ``mu_ext`` (V)."""
    params = {"tau_m": neuron.tau_m * 1e3, "E_L": neuron.E_L * 1e3, "mu_ext": mu_ext * 1e3,
              "V_th": neuron.V_th * 1e3, "V_reset": neuron.V_r * 1e3,
              "t_ref": neuron.tau_ref * 1e3}
    if neuron.spike == "eif":
        params.update(V_T=neuron.V_T * 1e3, Delta_T=neuron.Delta_T * 1e3)
    for c, spec in neuron.channels.items():
        params.update({f"{k}_{c}": v * 1e3 for k, v in spec.items()})
    if neuron.adapting:  # a: 1/s -> 1/ms; b: V/s = mV/ms
        params.update(a=neuron.a * 1e-3, b=neuron.b, tau_w=neuron.tau_w * 1e3)
    return params


def nestml_unavailable():
    """Why NESTML models cannot be built here, or None: NESTML (``pip install
    'balanced-models[nestml]'``), cmake, g++ and the Boost and libltdl headers."""
    try:
        import pynestml  # noqa: F401
    except ImportError:
        return "NESTML is not installed (pip install 'balanced-models[nestml]')"
    for tool in ("cmake", "g++", "make"):
        if shutil.which(tool) is None:
            return f"{tool} is not on the PATH"
    roots = [os.path.join(sys.prefix, "include"), "/usr/local/include", "/usr/include"]
    for header, package in _SYSTEM_HEADERS.items():
        if not any(os.path.exists(os.path.join(root, header)) for root in roots):
            return (f"the header {header} is missing, which NEST's headers include "
                    f"(apt install {package})")
    return None


def _cache_directory():
    return os.environ.get("BM_NESTML_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "balanced_models", "nestml")


def _nest_config(nest, directory):
    """Write the nest-config of the module doc into ``directory``/bin; return the prefix."""
    package = os.path.dirname(nest.__file__)
    kernel = os.path.join(package, "nestkernel_api.so")
    if not os.path.exists(kernel):
        raise ParameterError(f"NEST's kernel library {kernel} is missing: this is not the "
                             "PyPI wheel of NEST 3.10, whose layout this builder expects; "
                             "build the NESTML model against your NEST yourself")
    flags = "-Wall -fopenmp -O2 -DNDEBUG -std=c++20 -D_GLIBCXX_USE_CXX11_ABI=0"
    answers = {
        "--prefix": package, "--exec-prefix": package,
        "--libs": f"-Wl,--no-as-needed {kernel}",
        "--cflags": flags, "--includes": f"-I{os.path.join(package, 'include', 'nest')}",
        "--compiler": shutil.which("g++"), "--compiler-name": "GNU",
        "--compiler-version": "system", "--python-executable": sys.executable,
        "--python-version": sys.version.split()[0], "--static-libraries": "OFF",
        "--docdir": "share/doc/nest", "--datadir": "share/nest", "--libdir": "lib/nest",
        "--version": nest.__version__}
    cases = "\n".join(f'    {option}) echo "{value}" ;;' for option, value in answers.items())
    script = f"#!/bin/sh\n# written by balanced_models (module doc)\ncase \"$1\" in\n{cases}\n" \
             f'    *) echo "unknown option $1" >&2; exit 1 ;;\nesac\n'
    os.makedirs(os.path.join(directory, "bin"), exist_ok=True)
    path = os.path.join(directory, "bin", "nest-config")
    with open(path, "w") as f:
        f.write(script)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return directory


@contextlib.contextmanager
def _locked(path):
    """An exclusive lock on ``path`` (one build per module at a time, across processes)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _built_module(nest, name, source):
    """The path of the compiled module of ``source`` (built now if the cache lacks it)."""
    import pynestml

    # the kernel is linked by its path: a module belongs to one NEST installation
    key = hashlib.sha256("\n".join([source, nest.__version__, pynestml.__version__,
                                    sys.version, os.path.dirname(nest.__file__)]
                                   ).encode()).hexdigest()[:16]
    directory = os.path.join(_cache_directory(), key)
    module = f"bm{key}module"
    path = os.path.join(directory, "install", f"{module}.so")
    os.makedirs(directory, exist_ok=True)
    with _locked(os.path.join(directory, ".lock")):
        if not os.path.exists(path):
            _build(nest, name, source, directory, module)
    return path


def _build(nest, name, source, directory, module):
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    start = time.perf_counter()
    print(f"NESTML: generating and compiling {name} for NEST {nest.__version__} (once; "
          "about 15 s)", flush=True)
    model_file = os.path.join(directory, f"{name}.nestml")
    with open(model_file, "w") as f:
        f.write(source)
    target = os.path.join(directory, "target")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    try:
        generate_nest_target(input_path=model_file, target_path=target,
                             install_path=os.path.join(directory, "install"),
                             module_name=module, logging_level="ERROR",
                             codegen_opts={"nest_path": _nest_config(nest, directory)})
    except BaseException as error:  # NESTML raises, or exits on a model error
        raise ParameterError(f"NESTML could not build {name}: {type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''} (the "
                             f"build files are in {target})") from None
    if not os.path.exists(os.path.join(directory, "install", f"{module}.so")):
        raise ParameterError(f"NESTML generated no module for {name} (its messages are printed "
                             f"above; the model is {model_file})")
    print(f"NESTML: {name} built in {time.perf_counter() - start:.0f} s", flush=True)


def install_nestml_model(nest, neuron):
    """Build (once per machine) and install (after each ``nest.ResetKernel()``) the NESTML
    model of ``neuron`` (:func:`nestml_source`); its NEST name.

    Parameters
    ----------
    nest : module
        The imported ``nest``.
    neuron : Neuron
        A LIF or EIF neuron with exponential or jump synapses.

    Returns
    -------
    str
        The model's NEST name.

    Raises
    ------
    ParameterError
        If NESTML models cannot be built here (:func:`nestml_unavailable` says why).
    """
    reason = nestml_unavailable()
    if reason is not None:
        raise ParameterError(f"this neuron runs on NEST through a NESTML model, but {reason}")
    name, source = nestml_source(neuron)
    if name not in nest.node_models:  # nest.ResetKernel() forgets installed modules
        nest.Install(_built_module(nest, name, source)[:-len(".so")])
    return name

"""The Brian2 engine on an NVIDIA GPU: the device ``cuda_standalone`` of brian2cuda.

brian2cuda (``pip install "balanced-models[cuda]"``, Python >= 3.12) generates a CUDA project
from the same Brian2 objects and compiles it with ``nvcc``. This module holds what the engine
does differently there, each part the counterpart of a cpp_standalone one:

- **the toolchain**: the project compiles as C++17 (CUDA 13's Thrust, CUB and libcu++ need it;
  brian2cuda writes C++11) and links cuRAND from the CUDA installation or, where that has
  none, from the ``nvidia-curand`` wheel (:func:`curand_location`,
  :func:`prepare_makefile`);
- **the seed**: the binary reseeds cuRAND from ``$BALANCED_MODELS_SEED``, so a compiled
  network runs again with another seed without recompiling (:func:`seed_code`);
- **streamed connectivity**: the synapse indices of projections with one shared weight and
  one delay are read from files while the synapses are created (on the host, as on the CPU),
  so :func:`~balanced_models.engines.brian2.engine.load_realisation` swaps realisations
  without recompiling. Per-synapse weights and delays are set on the GPU, where the file
  readers cannot run: such projections are compiled into the project as arrays, and a new
  realisation of them needs a new build (:func:`streams`);
- **spike trains** of correlated and given sources are compiled into the project for the
  same reason;
- **brian2cuda's known issues** that touch this package are guarded (:func:`check_network`,
  :func:`sorted_spikes`): spikes of one time step come unsorted by neuron (they are sorted
  when read); changing delays or dt between two ``run`` calls loses queued spikes (refused);
  Synapses with homogeneous delays whose source runs on another dt lose spikes (refused);
  single precision miscompiles some names (refused).

Without a GPU (a CI machine), ``compute_capability`` names the GPU to compile for and turns
brian2cuda's GPU detection off: the project generates and compiles, and its binary runs
where such a GPU is.
"""

from __future__ import annotations

import glob
import os
import re

import numpy as np

from theory.errors import ParameterError, require

__all__ = ["CUDA_DEVICE", "require_brian2cuda", "is_cuda_device", "prepare_device",
           "curand_location", "prepare_makefile", "seed_code", "streams", "check_network",
           "sorted_spikes"]

#: the Brian2 device name of brian2cuda
CUDA_DEVICE = "cuda_standalone"

#: the C++ dialect of the project: CUDA 13's Thrust, CUB and libcu++ need C++17, which
#: CUDA 11 and 12 support too
CXX_DIALECT = "c++17"

#: what a cuda_standalone project streams from files (the others are compiled in)
_STREAMED = ("connectivity",)


def require_brian2cuda():
    """The brian2cuda module (importing it registers the device).

    Returns
    -------
    module
        brian2cuda.

    Raises
    ------
    ParameterError
        Naming the device, where brian2cuda is not installed.
    """
    try:
        import brian2cuda
    except ImportError as error:
        raise ParameterError(
            "device='cuda_standalone' needs brian2cuda: pip install 'balanced-models[cuda]' "
            f"(Python >= 3.12); importing it failed: {error}") from error
    return brian2cuda


def is_cuda_device() -> bool:
    """Whether Brian2's current device is brian2cuda's ``cuda_standalone``.

    Returns
    -------
    bool
        True on cuda_standalone (False where brian2cuda was never imported).
    """
    from brian2 import get_device
    from brian2.devices.device import all_devices
    return CUDA_DEVICE in all_devices and get_device() is all_devices[CUDA_DEVICE]


def prepare_device(compute_capability: float | None = None) -> None:
    """Import brian2cuda and set its preferences for the next project.

    Parameters
    ----------
    compute_capability : float, optional
        The GPU's compute capability to compile for (>= 3.5, e.g. 9.0 for an H100 or H200).
        None (default): brian2cuda detects the GPU, which needs one. A value turns detection
        off, so a machine without a GPU generates and compiles the project.

    Raises
    ------
    ParameterError
        If brian2cuda is missing, the compute capability is out of range, or single
        precision is set (brian2cuda's known issue with some variable names).
    """
    if compute_capability is not None:
        if isinstance(compute_capability, bool) or not isinstance(
                compute_capability, (int, float, np.integer, np.floating)):
            raise ParameterError(f"compute_capability must be a number such as 9.0, in "
                                 f"[3.5, 20]; got {compute_capability!r}")
        compute_capability = require("compute_capability", compute_capability, low=3.5,
                                     high=20.0)
    require_brian2cuda()
    from brian2 import prefs
    backend = prefs.devices.cuda_standalone.cuda_backend
    if compute_capability is not None:
        backend.detect_gpus = False
        backend.gpu_id = 0
        backend.compute_capability = float(compute_capability)
    else:
        backend.detect_gpus = True
        backend.gpu_id = None
        backend.compute_capability = None
    if np.dtype(prefs.core.default_float_dtype) != np.float64:
        raise ParameterError(
            "prefs.core.default_float_dtype must be float64 on cuda_standalone: brian2cuda's "
            "single precision mode miscompiles some variable names (its known issue #254)")


def curand_location() -> tuple[str | None, str | None]:
    """(include directory, library file) of cuRAND for the project's nvcc.

    (None, None) where the CUDA installation has cuRAND (nvcc finds it itself); otherwise the
    ``nvidia-curand`` wheel's headers and library (the wheel for CUDA 13 installs under
    ``nvidia/cu13``, those for CUDA 12 under ``nvidia/curand``).

    Returns
    -------
    include : str or None
        The folder of ``curand.h``.
    library : str or None
        The path of ``libcurand.so*``.

    Raises
    ------
    ParameterError
        If neither has it.
    """
    from brian2cuda.utils.gputools import get_cuda_path
    cuda = get_cuda_path()
    if cuda and os.path.exists(os.path.join(cuda, "include", "curand.h")) and glob.glob(
            os.path.join(cuda, "lib*", "libcurand.so*")):
        return None, None
    for package in ("nvidia.cu13", "nvidia.curand"):
        try:
            module = __import__(package, fromlist=["__path__"])
        except ImportError:
            continue
        for root in module.__path__:
            header = os.path.join(root, "include", "curand.h")
            libraries = sorted(glob.glob(os.path.join(root, "lib", "libcurand.so*")))
            if os.path.exists(header) and libraries:
                return os.path.dirname(header), libraries[0]
    raise ParameterError(
        f"device='cuda_standalone': the CUDA installation at {cuda!r} has no cuRAND headers "
        "and no nvidia-curand wheel is installed; pip install nvidia-curand (CUDA 13) or "
        "nvidia-curand-cu12 (CUDA 12)")


def prepare_makefile(directory: str) -> None:
    """Make the generated makefile of a project compile as C++17 and link cuRAND from where
    :func:`curand_location` found it (idempotent: an unchanged file keeps its time stamp).

    Parameters
    ----------
    directory : str
        The generated cuda_standalone project.
    """
    path = os.path.join(directory, "makefile")
    with open(path) as f:
        text = f.read()
    new = re.sub(r"-std=c\+\+\d+", f"-std={CXX_DIALECT}", text)
    include, library = curand_location()
    if include is not None:
        folder = os.path.dirname(library)
        if f"-I{include}" not in new:
            new = re.sub(r"^(NVCCFLAGS = -I\.)", rf"\1 -I{include}", new, count=1,
                         flags=re.MULTILINE)
        new = re.sub(r"^LFLAGS = -lcurand\b",
                     f"LFLAGS = -L{folder} -l:{os.path.basename(library)} "
                     f"-Xlinker -rpath,{folder}", new, count=1, flags=re.MULTILINE)
    if new != text:  # an unchanged makefile keeps its time stamp (make stays up to date)
        with open(path, "w") as f:
            f.write(new)


def seed_code(variable: str, default_seed: int | None) -> str:
    """C++ for main() that seeds cuRAND at run time.

    Parameters
    ----------
    variable : str
        The environment variable whose value, where it is set, is the seed.
    default_seed : int or None
        The seed where the variable is not set (None: brian2cuda's own seeding).

    Returns
    -------
    str
        The code, for ``device.insert_code("main", ...)``.
    """
    fallback = ("" if default_seed is None
                else f"else _bm_seed = {int(default_seed)}ULL, _bm_set = true;")
    return (
        "{\n"
        f"    const char* _bm_env = getenv(\"{variable}\");\n"
        "    unsigned long long _bm_seed = 0; bool _bm_set = false;\n"
        "    if (_bm_env) _bm_seed = strtoull(_bm_env, 0, 10), _bm_set = true;\n"
        f"    {fallback}\n"
        "    if (_bm_set) random_number_buffer.set_seed(_bm_seed);\n"
        "}\n")


def streams(kind: str) -> bool:
    """Whether a cuda_standalone project reads data of a kind from files at run time.

    Parameters
    ----------
    kind : {'connectivity', 'spike_trains'}
        The data.

    Returns
    -------
    bool
        True for the connectivity; what is not streamed is compiled in.
    """
    return kind in _STREAMED


def check_network(device) -> None:
    """Refuse what brian2cuda's known issues would run wrongly, before the project is built.

    - delays or dt changed between two ``run`` calls (queued spikes are lost: brian2cuda
      issues #136 and #302);
    - Synapses with a homogeneous delay whose source runs on another dt (spikes are lost:
      issue #222).

    Parameters
    ----------
    device : brian2cuda.device.CUDAStandaloneDevice
        The device whose networks and queued main code are checked.

    Raises
    ------
    ParameterError
        Naming the object and the issue.
    """
    from brian2 import Synapses
    runs = 0
    for func, args in device.main_queue:
        if func == "run_network":
            runs += 1
        elif runs and func.startswith("set_by") and args:
            name = str(args[0])
            if "delay" in name or name.endswith("_dt"):
                raise ParameterError(
                    f"{name} changes after the first run: on cuda_standalone, changing delays "
                    "or dt between runs loses the spikes in flight (brian2cuda issues #136, "
                    "#302); build a new network for the new value")
    for net in device.networks:
        for obj in net.objects:
            if not isinstance(obj, Synapses):
                continue
            for pathway in obj._pathways:
                source = pathway.source
                if pathway.event != "spike" or not hasattr(source, "clock"):
                    continue
                homogeneous = "delay" in pathway.variables and \
                    getattr(pathway.variables["delay"], "scalar", False)
                if homogeneous and not np.isclose(float(source.clock.dt_),
                                                  float(pathway.clock.dt_)):
                    raise ParameterError(
                        f"Synapses {obj.name!r}: its source {source.name!r} runs on dt "
                        f"{float(source.clock.dt_)} s and the synapses on "
                        f"{float(pathway.clock.dt_)} s; with a homogeneous delay "
                        "cuda_standalone loses spikes (brian2cuda issue #222)")


def sorted_spikes(indices: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spikes sorted by time, then neuron, as every other Brian2 device records them
    (brian2cuda sorts one time step's spikes by neuron only sometimes: its issue #46).

    Parameters
    ----------
    indices : numpy.ndarray
        Neuron of each spike.
    times : numpy.ndarray
        Time of each spike (s).

    Returns
    -------
    indices, times : numpy.ndarray
        The same spikes, sorted.
    """
    order = np.lexsort((indices, times))
    return indices[order], times[order]

"""The Brian2 engine on cuda_standalone (brian2cuda), without a GPU.

The tests marked ``cuda`` generate the CUDA projects of four networks and compile them with
nvcc for compute capability 9.0 (H100/H200): the README's Brunel network, CUBA, Zhu et al.'s
conductance-based EIF network and Akil et al.'s plastic network. They need brian2cuda (the
``cuda`` extra, Python >= 3.12) and nvcc; each skips with the reason where one is missing.
Compiling takes about 2.5 minutes per network on two cores, so the default run leaves them
out: ``python -m pytest -m cuda`` runs them. Running the binaries needs a GPU
(benchmarks/gpu_brian2cuda.py).

The unmarked tests check the device's arguments and run everywhere.
"""

import os
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

import balanced_models as bm
from balanced_models.engines.brian2.cuda import sorted_spikes
from theory.errors import ParameterError

try:
    import brian2cuda  # noqa: F401
    HAVE_BRIAN2CUDA = True
except ImportError:
    HAVE_BRIAN2CUDA = False

NVCC = shutil.which("nvcc") or (os.path.exists("/usr/local/cuda/bin/nvcc")
                                and "/usr/local/cuda/bin/nvcc")
needs_brian2cuda = pytest.mark.skipif(
    not HAVE_BRIAN2CUDA, reason="brian2cuda is not installed (pip install '.[cuda]', "
                                "Python >= 3.12)")
needs_nvcc = pytest.mark.skipif(not NVCC, reason="nvcc (the CUDA compiler) is not installed")
CC = 9.0


# --------------------------------------------------------------------------------------------
# arguments (no brian2cuda needed)
# --------------------------------------------------------------------------------------------
def test_threads_are_cpp_standalone_only():
    with pytest.raises(ParameterError, match="threads must be 1 on cuda_standalone"):
        bm.Simulation("cuda_standalone", threads=2)


def test_compute_capability_is_cuda_only():
    with pytest.raises(ParameterError, match="compute_capability is for device='cuda_standalone'"):
        bm.Simulation("cpp_standalone", compute_capability=9.0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2.0, "9.0"])
def test_compute_capability_is_checked(value):
    with pytest.raises(ParameterError, match="compute_capability"):
        bm.Simulation("cuda_standalone", compute_capability=value)


def test_unknown_device_names_the_devices():
    with pytest.raises(ParameterError, match="cuda_standalone"):
        bm.Simulation("gpu")


@pytest.mark.skipif(HAVE_BRIAN2CUDA, reason="brian2cuda is installed")
def test_missing_brian2cuda_names_the_extra():
    with pytest.raises(ParameterError, match=r"balanced-models\[cuda\]"):
        bm.Simulation("cuda_standalone", compute_capability=CC)


def test_spikes_sorted_by_time_then_neuron():
    """brian2cuda's known issue #46: one step's spikes come in any neuron order."""
    rng = np.random.default_rng(3)
    times = np.repeat(np.arange(50) * 1e-4, 20)
    indices = np.concatenate([rng.permutation(100)[:20] for _ in range(50)])
    i, t = sorted_spikes(indices, times)
    assert np.all(np.diff(t) >= 0)
    same_step = np.diff(t) == 0
    assert np.all(np.diff(i)[same_step] > 0)
    assert sorted(zip(i, t)) == sorted(zip(indices, times))


# --------------------------------------------------------------------------------------------
# generation (brian2cuda, no compiler)
# --------------------------------------------------------------------------------------------
def readme_brunel():
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3)
    return bm.NetworkDescription(
        {"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(K=200, rate=100.0, weight=0.1e-3)))


def cuba():
    cell = bm.Neuron(synapse="current_exp", tau_m=0.02, E_L=-0.049, V_th=-0.050, V_r=-0.060,
                     tau_ref=0.005, channels={"e": {"tau": 0.005}, "i": {"tau": 0.010}})
    exc = bm.Projection(bm.Bernoulli(0.02), 1.62e-3 * 5 / 20, channel="e", delay=1e-4)
    inh = bm.Projection(bm.Bernoulli(0.02), -9.0e-3 * 10 / 20, channel="i", delay=1e-4)
    return bm.NetworkDescription(
        {"E": bm.Population(3200, cell), "I": bm.Population(800, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        record=bm.Recording(spikes=("E", "I")))


def conductance_eif():
    from balanced_models.papers import zhu
    return zhu.description(zhu.ZhuParameters(N=1000, c=0.0, duration=1.0), "conductance")


def plastic():
    from balanced_models.papers import akil
    rule = ("homeostatic", dict(eta=1e-5, j_n=-0.0113, rho=5.0))
    return akil.description(akil.AkilParameters(N=1000, duration=0.2,
                                                plasticity={"I->E": rule},
                                                record_weights=100, weight_dt=0.1))


def generate(description, duration=0.2, seed=1, directory=None):
    """The handles of ``description`` in a new cuda_standalone project, run queued."""
    from brian2 import second
    sim = bm.Simulation("cuda_standalone", seed=seed, dt=description.dt * second,
                        compute_capability=CC, directory=directory)
    h = bm.build(description, seed=seed, simulation=sim)
    sim.network.run(duration * second)
    return h


@pytest.mark.cuda
@needs_brian2cuda
def test_per_synapse_weights_need_a_new_build():
    """Weights drawn per synapse are set on the GPU, where the streamed files cannot be
    read: such a projection is compiled in, and a new realisation of it is refused."""
    d = readme_brunel()
    lognormal = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, weight_cv=0.5,
                              weight_distribution="lognormal", delay=1.5e-3)
    d = replace(d, projections={**d.projections, "E->E": lognormal})
    h = generate(d)
    project = h.simulation.directory
    streamed = sorted(os.listdir(os.path.join(project, "connectivity")))
    assert "E_to_E_degree.bin" not in streamed and "I_to_E_I_degree.bin" in streamed
    with pytest.raises(ParameterError, match="E_to_E.*per-synapse weights or delays.*new build"):
        bm.load_realisation(h, seed=2)
    h.simulation.close()


@pytest.mark.cuda
@needs_brian2cuda
def test_delay_changed_between_runs_is_refused():
    """brian2cuda's known issues #136 and #302: a delay changed between runs loses spikes."""
    from brian2 import ms, second
    h = generate(readme_brunel(), duration=0.1)
    h.projections["E->E"].delay = 2 * ms
    h.simulation.network.run(0.1 * second)
    with pytest.raises(ParameterError, match="delay.*changes after the first run.*#302"):
        h.simulation.compile()
    h.simulation.close()


@pytest.mark.cuda
@needs_brian2cuda
def test_two_runs_without_changes_are_accepted():
    from brian2 import get_device, second
    from balanced_models.engines.brian2.cuda import check_network
    h = generate(readme_brunel(), duration=0.1)
    h.simulation.network.run(0.1 * second)
    check_network(get_device())  # nothing changed between the runs: no error
    h.simulation.close()


# --------------------------------------------------------------------------------------------
# generation and nvcc compilation for compute capability 9.0
# --------------------------------------------------------------------------------------------
def compiled_architectures(binary):
    """The SASS architectures in ``binary`` (cuobjdump), or None without cuobjdump."""
    cuobjdump = shutil.which("cuobjdump") or os.path.join(os.path.dirname(NVCC), "cuobjdump")
    if not os.path.exists(cuobjdump):
        return None
    out = subprocess.run([cuobjdump, "--list-elf", binary], capture_output=True, text=True)
    return {word.split(".")[-2] for word in out.stdout.split() if word.endswith(".cubin")}


@pytest.mark.cuda
@needs_brian2cuda
@needs_nvcc
@pytest.mark.parametrize("network", [readme_brunel, cuba, conductance_eif, plastic],
                         ids=["readme_brunel", "cuba", "conductance_eif", "plastic"])
def test_network_compiles_for_compute_capability_9(network):
    h = generate(network())
    sim = h.simulation
    sim.compile()
    project = sim.directory
    binary = os.path.join(project, "main")
    assert os.access(binary, os.X_OK)
    makefile = open(os.path.join(project, "makefile")).read()
    assert "-std=c++17" in makefile and "-std=c++11" not in makefile
    assert "-arch=sm_90" in makefile
    architectures = compiled_architectures(binary)
    if architectures is not None:
        assert architectures == {"sm_90"}
    main = open(os.path.join(project, "main.cu")).read()
    assert "BALANCED_MODELS_SEED" in main and "random_number_buffer.set_seed" in main
    # the uniform projections stream their connectivity: another realisation needs no build
    assert any(name.endswith("_degree.bin")
               for name in os.listdir(os.path.join(project, "connectivity")))
    sim.close()

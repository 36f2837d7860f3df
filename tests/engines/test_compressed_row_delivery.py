"""Compressed-row delivery (balanced_models.engines.brian2.delivery) against Brian2's own.

Both deliver the events of one step in the same order (spiking neurons ascending, then each
neuron's synapses by index), so the membrane potentials add up in the same order and the
spikes must be identical, bit for bit, not merely close. One network holds the three cases
the templates handle: rows of consecutive synapses (the engine's streamed connectivity, delay
1.5 ms), synapses in shuffled order (the permutation path, delay 1 ms) and delay 0 (delivered
in the step of the spike); a projection with two delays keeps Brian2's delivery.
"""

import glob
import os

import numpy as np
import pytest
from brian2 import Hz, mV, ms, second

import balanced_models as bm
from balanced_models.core.connectivity import Connectivity
from balanced_models.engines.brian2 import delivery
from balanced_models.engines.brian2.recording import spike_arrays

N_E, N_I = 320, 80


def shuffled(c, rng):
    """The same synapses in random order (no longer presynaptic-major)."""
    order = rng.permutation(len(c))
    return Connectivity(c.pre[order], c.post[order], np.asarray(c.weight)[order],
                        np.asarray(c.delay)[order], c.n_pre, c.n_post, weight_unit="V")


def run_network(directory, compressed):
    delivery.ENABLED = compressed
    try:
        rng = np.random.default_rng(7)
        sim = bm.Simulation("cpp_standalone", directory=str(directory), seed=3)
        model = bm.lif("delta", tau_m=20 * ms, E_L=0 * mV, V_th=20 * mV, V_r=10 * mV,
                       refractory=2 * ms)
        G = sim.add(model.group(N_E + N_I, drive=["x"], name="neurons"))
        bm.set_poisson_drive(G, model, "x", K=1000, rate=20 * Hz, weight=0.1 * mV)
        exc, inh = G[:N_E], G[N_E:]
        projections = {
            "rows": (exc, bm.fixed_indegree(N_E, N_E + N_I, 32, 0.1e-3, weight_unit="V",
                                          rng=rng, delay=1.5e-3)),
            "shuffled": (inh, shuffled(bm.fixed_indegree(N_I, N_E + N_I, 8, -0.5e-3,
                                                       weight_unit="V", rng=rng, weight_cv=0.2,
                                                       delay=1e-3), rng)),
            "same_step": (exc, bm.fixed_indegree(N_E, N_E + N_I, 8, 0.05e-3, weight_unit="V",
                                               rng=rng, delay=0.0)),
            "two_delays": (inh, bm.fixed_indegree(N_I, N_E + N_I, 4, -0.2e-3, weight_unit="V",
                                                rng=rng, delay=(0.5e-3, 2e-3))),
        }
        for name, (source, c) in projections.items():
            sim.add(bm.connect(source, G, c, model, "x", name=name))
        spikes = sim.add(bm.spike_monitor(G))
        sim.run(0.5 * second)
        return spike_arrays(spikes)
    finally:
        delivery.ENABLED = True


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    directories = {k: tmp_path_factory.mktemp(k) for k in ("brian2", "compressed")}
    return {k: (run_network(d, k == "compressed"), d) for k, d in directories.items()}


def uses_compressed_rows(directory, synapses):
    """Whether the pathway's delivery code (named with a suffix when the process built one
    of that name before) is the compressed-row template."""
    (path,) = glob.glob(os.path.join(directory, "code_objects",
                                     f"{synapses}_pre_codeobject*.cpp"))
    with open(path) as f:
        return "_bm_row" in f.read()


def test_compressed_rows_apply_to_static_single_delay_synapses_only(both):
    _, directory = both["compressed"]
    for name in ("rows", "shuffled", "same_step"):
        assert uses_compressed_rows(directory, name), name
    assert not uses_compressed_rows(directory, "two_delays")
    _, directory = both["brian2"]
    assert not any(uses_compressed_rows(directory, name)
                   for name in ("rows", "shuffled", "same_step"))


def test_compressed_rows_give_brian2s_spikes_bit_for_bit(both):
    (i_ref, t_ref), _ = both["brian2"]
    (i, t), _ = both["compressed"]
    # a network that spikes (a comparison of two silent runs would prove nothing): about
    # 400 neurons at several Hz for 0.5 s
    assert len(i_ref) > 1000
    assert np.array_equal(i, i_ref) and np.array_equal(t, t_ref)


@pytest.mark.parametrize("bad", [dict(static=1, one_delay=True),
                                 dict(static=True, one_delay="yes")])
def test_the_applicability_question_takes_booleans(bad):
    with pytest.raises(bm.ParameterError, match="True or False"):
        delivery.compressed_row_delivery_applies(**bad)

"""Zhu, Ocker & Rosenbaum: balanced-state theory numbers of the brief and the network builder."""

import os

import numpy as np
import pytest
from brian2 import second

import balanced_models as bm
from balanced_models.core.sources import source_spikes
from balanced_models.engines.brian2.papers.zhu import build_network
from balanced_models.engines.brian2.recording import moments_table
from balanced_models.papers.zhu import ZhuParameters, description


def test_parameters_are_validated():
    with pytest.raises(bm.ParameterError, match="c must lie in"):
        ZhuParameters(c=1.5)
    with pytest.raises(bm.ParameterError, match="duration - burn_in"):
        ZhuParameters(duration=0.1, burn_in=0.25)


@pytest.mark.parametrize("variant", ["current", "conductance", "surrogate"])
def test_builder_weights_and_recording(variant):
    p = ZhuParameters(N=100, duration=0.1, burn_in=0.02)
    surrogate = {"E": (0.005, -0.063), "I": (0.004, -0.064)} if variant == "surrogate" else None
    sim = bm.Simulation("runtime", seed=1, dt=p.dt * second)
    h = build_network(sim, p, variant, 0, surrogate=surrogate)
    w_ie = h["I->E"].w_[:]
    expected = {"current": -100e-3 / 10, "conductance": 12.5 / 10,
                "surrogate": 12.5 * (-80 + 63) * 1e-3 / 10}[variant]
    assert np.allclose(w_ie, expected)
    sim.run(p.duration * second)
    m = moments_table(h.monitors["moments_E"])
    assert np.all(m["v_mean"] <= p.V_th) and np.all(m["n_bins"] == 79)
    if variant == "conductance":
        assert np.all(m["g_tot_mean"] > 0) and "v_g_tot_cov" in m


def test_external_trains_are_shared_across_variants_and_differ_across_trials():
    p = ZhuParameters(N=200, c=0.2, duration=20.0)
    surrogate = {"E": (0.005, -0.063), "I": (0.004, -0.064)}
    a, b, c = (source_spikes(description(p, variant, s), "X", seed) for variant, s, seed in
               (("current", None, 0), ("surrogate", surrogate, 0), ("conductance", None, 1)))
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1][:100], c[1][:100])
    rate = len(a[0]) / (p.sizes[2] * p.duration)
    # the shared mother train (rate r_x/c) dominates the fluctuation of the pooled count:
    # relative SD sqrt(c / (r_x T))
    assert rate == pytest.approx(p.r_x, rel=4 * np.sqrt(p.c / (p.r_x * p.duration)))


def test_loaded_point_equals_a_fresh_build(tmp_path):
    """A compiled network given another trial by load_point (new spikes, connectivity,
    surrogate parameters and weights; no recompilation) simulates exactly what a network
    built for that trial from scratch simulates."""
    from balanced_models.engines.brian2.papers.zhu import load_point

    p = ZhuParameters(N=100, c=0.2, duration=0.2, burn_in=0.05)
    trial0 = {"E": (0.005, -0.063), "I": (0.004, -0.064)}
    trial1 = {"E": (0.006, -0.061), "I": (0.0035, -0.066)}

    def spikes_of(h):
        return h.spike_trains("E")

    sim = bm.Simulation("cpp_standalone", seed=5, dt=p.dt * second, directory=str(tmp_path / "a"))
    h = build_network(sim, p, "surrogate", 0, surrogate=trial0)
    sim.run(p.duration * second)
    binary = os.path.getmtime(tmp_path / "a" / "main")
    run_args = load_point(h, p, "surrogate", 1, surrogate=trial1)
    sim.execute(run_args=run_args, seed=6)
    loaded = spikes_of(h)
    assert os.path.getmtime(tmp_path / "a" / "main") == binary

    sim = bm.Simulation("cpp_standalone", seed=6, dt=p.dt * second, directory=str(tmp_path / "b"))
    h = build_network(sim, p, "surrogate", 1, surrogate=trial1)
    sim.run(p.duration * second)
    fresh = spikes_of(h)
    assert len(fresh[0]) > 20
    assert np.array_equal(loaded[0], fresh[0]) and np.array_equal(loaded[1], fresh[1])

"""The network description: validation, round trip, realisation, theory adapter and the Brian2
engine on one object."""

import json
from dataclasses import replace
import os
import subprocess
import sys

import numpy as np
import pytest

import balanced_models as bm
from theory.balanced import conductance_balanced_rates
from theory.heterogeneity import working_point

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CELL = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)


def brunel(N_E=400, N_I=100, K=40, g=5.0, rate=500.0, **kwargs):
    """Brunel (2000) model A at eta = 2 (rate = 2 V_th / (J K tau_m)), scaled down."""
    exc = bm.Projection(bm.FixedInDegree(K), weight=0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(K // 4), weight=-g * 0.1e-3, delay=1.5e-3)
    drive = bm.PoissonDrive(K, rate, 0.1e-3)
    return bm.NetworkDescription(
        populations={"E": bm.Population(N_E, CELL), "I": bm.Population(N_I, CELL)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives={"E": drive, "I": drive}, **kwargs)


def everything():
    """A description that uses every kind of field."""
    eif = bm.Neuron(spike="eif", synapse="current_exp", tau_m=0.015, E_L=-0.072, V_th=-0.05,
                    V_r=-0.075, V_T=-0.055, Delta_T=0.001,
                    channels={"e": {"tau": 0.008}, "i": {"tau": 0.004}, "x": {"tau": 0.01}})
    stdp = bm.Plasticity("homeostatic", eta=1e-5, tau=0.2,
                         parameters={"w_norm": -6e-3, "rho": 10.0})
    return bm.NetworkDescription(
        populations={"E": bm.Population(80, eif, v_init=(-0.075, -0.055)),
                     "I": bm.Population(20, replace(eif, a=2.0, b=0.1, tau_w=0.1),
                                        mu_ext=0.001)},
        sources={"X": bm.CorrelatedSource(20, 10.0, c=0.1, duration=0.2),
                 "S": bm.WindowedPoissonSource(10, 5.0, start=0.05, stop=0.1),
                 "P": bm.PoissonSource(10, 3.0),
                 "G": bm.SpikeTrainSource(5, [0, 3, 1, 0], [0.01, 0.02, 0.05, 0.07])},
        projections={
            "E->E": bm.Projection(bm.Bernoulli(0.1), 1e-3, channel="e", autapses=False),
            "E->I": bm.Projection(bm.HeterogeneousInDegree(8.0, 0.3), 2e-3, channel="e",
                                  weight_cv=0.2, weight_distribution="lognormal"),
            "I->E": bm.Projection(bm.FixedInDegree(4), -5e-3, channel="i", plasticity=stdp,
                                  delay=(0.001, 0.002)),
            "I->I": bm.Projection(bm.ExplicitConnections([0, 1, 2], [3, 2, 1],
                                                         weight=[-1e-3, -2e-3, -3e-3]),
                                  -1e-3, channel="i"),
            "X->E": bm.Projection(bm.Bernoulli(0.2), 3e-3, channel="x"),
            "S->E": bm.Projection(bm.FixedInDegree(2), 3e-3, channel="x", target_range=(0, 40)),
            "P->I": bm.Projection(bm.FixedInDegree(3), 3e-3, channel="x"),
            "G->I": bm.Projection(bm.FixedInDegree(2), 3e-3, channel="x")},
        drives={"E": bm.PoissonDrive(10, 5.0, 1e-3, channel="x")},
        record=bm.Recording(spikes={"E": 40}, states={"I": (("v", "w_adapt"), 3, 1e-3)},
                            weights={"I->E": (10, 0.05)}))


def test_round_trip_through_json():
    for d in (brunel(), everything()):
        data = json.loads(json.dumps(d.to_dict()))
        assert bm.NetworkDescription.from_dict(data) == d
    assert bm.NetworkDescription.from_dict(everything().to_dict()) != brunel()


@pytest.mark.parametrize("change, field", [
    (lambda: bm.Neuron(tau_m=float("nan")), "tau_m"),
    (lambda: bm.Neuron(V_th=0.01, V_r=0.02), "V_th"),
    (lambda: bm.Neuron(tau_ref=-1e-3), "tau_ref"),
    (lambda: bm.Population(0, CELL), "size"),
    (lambda: bm.FixedInDegree(2.5), "K"),
    (lambda: bm.Bernoulli(1.5), "p"),
    (lambda: bm.Projection(bm.Bernoulli(0.1), float("inf")), "weight"),
    (lambda: bm.Projection(bm.Bernoulli(0.1), 1e-3, delay=-1.0), "delay"),
    (lambda: bm.PoissonDrive(10, -1.0, 1e-3), "rate"),
    (lambda: bm.CorrelatedSource(10, 5.0, c=2.0, duration=1.0), "c"),
    (lambda: bm.Plasticity("kohonen", 0.1, 0.2, {"w_max": 1.0}), "parameters"),
    (lambda: bm.realisation.sampled_synapses(0, "E->E", float("nan"), 2), "n_synapses"),
    (lambda: bm.realisation.sampled_synapses(0, "E->E", 10, 0), "n must"),
    (lambda: bm.SpikeTrainSource(3, [0, 3], [0.1, 0.2]), "indices"),
    (lambda: bm.SpikeTrainSource(3, [0, 1], [0.1, -0.2]), "times"),
    (lambda: bm.Plasticity("vogels_sprekeler", 1e-6, 0.2, {"w_max": 0.0, "rho": 5.0}), "w_max"),
    (lambda: bm.NetworkDescription({"E": bm.Population(10, CELL)}, {"E->E": bm.Projection(
        bm.FixedInDegree(2), 1e-3, delay=1e-3, plasticity=bm.Plasticity(
            "clipped_additive", 1e-6, 0.02, {"w_max": -1e-3}))}), "between 0 and w_max"),
    (lambda: brunel(dt=0.0), "dt"),
    (lambda: bm.NetworkDescription({"E": bm.Population(10, CELL)},
                                   {"EE": bm.Projection(bm.Bernoulli(0.1), 1e-3)}), "source->target"),
    (lambda: bm.NetworkDescription({"E": bm.Population(10, CELL)},
                                   {"E->Q": bm.Projection(bm.Bernoulli(0.1), 1e-3)}), "E->Q"),
    (lambda: bm.NetworkDescription({"E": bm.Population(10, CELL)},
                                   {"E->E": bm.Projection(bm.FixedInDegree(11), 1e-3)}), "K"),
    (lambda: bm.NetworkDescription({"E": bm.Population(10, everything().populations["E"].neuron)},
                                   {"E->E": bm.Projection(bm.FixedInDegree(1), 1e-3,
                                                          channel="q")}), "channel"),
])
def test_bad_values_name_the_field(change, field):
    with pytest.raises(bm.ParameterError, match=field):
        change()


def test_conductance_weights_must_be_non_negative():
    cond = bm.Neuron(synapse="conductance_jump", channels={"e": {"E": 0.0}}, E_L=-0.07,
                     V_th=-0.05, V_r=-0.06)
    with pytest.raises(bm.ParameterError, match="weight must be >= 0"):
        bm.NetworkDescription({"E": bm.Population(10, cond)},
                              {"E->E": bm.Projection(bm.FixedInDegree(2), -0.01, channel="e")})


def _digest(seed):
    code = ("import hashlib, sys; sys.path.insert(0, 'tests/unit'); import test_description as t; "
            "import balanced_models as bm; h = hashlib.sha256()\n"
            f"for name, c in sorted(bm.realise(t.everything(), {seed}).items()):\n"
            "    for a in (c.pre, c.post, c.weight, c.delay): h.update(a.tobytes())\n"
            "print(h.hexdigest())")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_realisation_is_bit_identical_across_processes():
    first, second = _digest(3), _digest(3)
    assert first == second and first != _digest(4)


def test_realisation_follows_the_rules():
    d = everything()
    c = bm.realise(d, 1)
    assert set(c) == set(d.projections)
    assert np.all(c["I->E"].in_degrees() == 4) and c["I->E"].n_pre == 20
    assert np.all((c["I->E"].delay >= 0.001) & (c["I->E"].delay <= 0.002))
    assert c["S->E"].n_post == 40 and np.all(c["S->E"].in_degrees() == 2)
    assert np.all(c["E->E"].pre != c["E->E"].post)  # autapses=False
    assert np.array_equal(np.sort(c["I->I"].weight), [-3e-3, -2e-3, -1e-3])
    # a projection's stream depends on its name only: dropping another projection keeps it
    fewer = bm.NetworkDescription(d.populations, {"E->I": d.projections["E->I"]})
    assert np.array_equal(bm.realise(fewer, 1)["E->I"].post, c["E->I"].post)
    # Bernoulli in-degrees: mean p (n - 1) = 7.9; SE over 80 targets sqrt(7.9 * 0.9 / 80)
    # = 0.30, so 4 SE = 1.2
    assert abs(c["E->E"].in_degrees().mean() - 0.1 * 79) < 1.2
    J = bm.dense_matrix(d, c)
    assert J.shape == (100, 100) and np.allclose(J[80:, :80], c["E->I"].to_dense())


def test_population_theory_is_the_neuron_theory_of_a_homogeneous_network():
    """With fixed in-degrees and equal weights every neuron of a population sees the same
    input, so the neuron-resolved working point equals the population one."""
    d = brunel()
    population = bm.diffusion_prediction(d)
    neurons = bm.neuron_prediction(d, bm.realise(d, 0))
    by_population = neurons.groupby("population")[["rate", "mu", "sigma"]].agg(["min", "max"])
    for pop in ("E", "I"):
        for column, theory_column in (("rate", "diffusion_rate"), ("mu", "mu"),
                                      ("sigma", "sigma")):
            assert by_population.loc[pop, (column, "min")] == pytest.approx(
                population.loc[pop, theory_column], rel=1e-8)
            assert by_population.loc[pop, (column, "max")] == pytest.approx(
                population.loc[pop, theory_column], rel=1e-8)


def test_diffusion_prediction_is_the_working_point_of_the_mean_field():
    """The adapter only assembles K J, K J^2 (1 + cv^2) and the drive: check against a
    hand-assembled call for a weight-jittered network."""
    d = brunel(N_E=400, N_I=100, K=40)
    jittered = {k: bm.Projection(p.rule, p.weight, weight_cv=0.5, delay=p.delay)
                for k, p in d.projections.items()}
    d = bm.NetworkDescription(d.populations, jittered, drives=d.drives)
    J = 1e-4 * np.array([[40, -5 * 10], [40, -5 * 10]])
    wp = working_point(J, 0.02, 0.02, 0.01, 0.002, J_x=np.full((2, 1), 40 * 1e-4),
                       nu_x=[500.0], J2=1.25 * J * J * [[1 / 40, 1 / 10]],
                       J_x2=np.full((2, 1), 40 * 1e-8))
    assert bm.diffusion_prediction(d)["diffusion_rate"].to_numpy() == pytest.approx(
        wp["nu"], rel=1e-9)


def test_balanced_prediction_matches_theory_balanced():
    """The Zhu conductance network as a description: the adapter reproduces the brief's
    numbers through theory.balanced (r = 7.2, 9.6 Hz at the simulated mean potentials)."""
    from balanced_models.papers.zhu import ZhuParameters, conductance_weights
    p = ZhuParameters()
    jg = np.abs(conductance_weights(p))
    E_syn = dict(zip("EIX", p.E_syn))
    neuron = bm.Neuron(spike="eif", synapse="conductance_exp", tau_m=p.tau_m, E_L=p.E_L,
                       V_th=p.V_th, V_r=p.V_r, V_T=p.V_T, Delta_T=p.Delta_T,
                       channels={c: {"tau": t, "E": E_syn[c]} for c, t in zip("EIX", p.tau_syn)})
    sizes = dict(zip("EIX", p.sizes))
    projections = {f"{b}->{a}": bm.Projection(bm.Bernoulli(p.p), jg[i, k] / np.sqrt(p.N),
                                              channel=b)
                   for i, a in enumerate("EI") for k, b in enumerate("EIX")}
    d = bm.NetworkDescription({a: bm.Population(sizes[a], neuron) for a in "EI"}, projections,
                              sources={"X": bm.PoissonSource(sizes["X"], p.r_x)})
    table = bm.balanced_prediction(d, mean_potentials={"E": -0.0649, "I": -0.0655})
    Wg, Wg_x = p.mean_field(conductance=True)
    expected = conductance_balanced_rates(Wg, Wg_x, p.E_syn[:2], 0.0, [-0.0649, -0.0655],
                                          p.r_x)
    # K = p N_b (Bernoulli) and weights j / sqrt(N): the same matrices times sqrt(N)
    assert table["balanced_rate"].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx([7.2, 9.6], abs=0.06)


def test_population_theory_rejects_what_it_cannot_describe():
    d = everything()
    with pytest.raises(bm.ParameterError, match="explicit connections"):
        bm.diffusion_prediction(d)
    partial = bm.NetworkDescription(d.populations, {"S->E": d.projections["S->E"]},
                                    sources=d.sources)
    with pytest.raises(bm.ParameterError, match="target_range"):
        bm.balanced_prediction(partial)
    with pytest.raises(bm.ParameterError, match="needs LIF neurons"):
        bm.neuron_prediction(d, bm.realise(d, 0))
    given = bm.NetworkDescription({"E": bm.Population(10, CELL)}, {"G->E": bm.Projection(
        bm.FixedInDegree(2), 1e-4)}, sources={"G": d.sources["G"]})
    with pytest.raises(bm.ParameterError, match="not a stationary rate"):
        bm.diffusion_prediction(given)


def test_engine_builds_named_handles_and_records(tmp_path):
    d = everything()
    sim = bm.Simulation("runtime", seed=2)
    h = bm.build(d, seed=2, simulation=sim)
    assert set(h.populations) == {"E", "I"} and set(h.sources) == {"X", "S", "P", "G"}
    assert h["I->E"].name == "I_to_E" and len(h["E->I"]) == len(h.connectivity["E->I"])
    assert np.array_equal(h["I->I"].w_[:], h.connectivity["I->I"].weight)
    # weights are per synapse in connectivity order: the i -> j of the Synapses are the
    # realisation's source -> target
    assert np.array_equal(h["X->E"].i[:], h.connectivity["X->E"].pre)
    assert np.array_equal(h["S->E"].j[:], h.connectivity["S->E"].post)
    assert np.all(h["E"].v_[:] >= -0.075) and np.all(h["E"].v_[:] <= -0.055)
    from brian2 import second
    sim.run(0.2 * second)
    h.duration = 0.2
    assert h.spikes["E"].source.N == 40
    assert h.weights["I->E"].w.shape == (10, 4)
    assert h.states["I"].v.shape == (3, 200)
    with pytest.raises(bm.ParameterError, match="dt"):
        bm.build(brunel(dt=5e-5), seed=1, simulation=bm.Simulation("runtime", seed=1))


def test_load_realisation_refuses_what_is_compiled_in():
    d = brunel()
    sim = bm.Simulation("runtime", seed=1)
    h = bm.build(d, seed=1, simulation=sim)
    bigger = bm.NetworkDescription({"E": bm.Population(401, CELL), "I": d.populations["I"]},
                                   d.projections, drives=d.drives)
    with pytest.raises(bm.ParameterError) as error:
        bm.load_realisation(h, 2, description=bigger)
    # one sentence that names the field and both values
    assert str(error.value) == ("populations['E'].size is compiled into the network and cannot "
                                "change from 400 to 401; build a new network for this "
                                "description")
    other_delay = {k: bm.Projection(p.rule, p.weight, delay=2e-3) for k, p in
                   d.projections.items()}
    with pytest.raises(bm.ParameterError, match=r"projections\['E->E'\]\.delay \(a constant, "
                                                r"or uniform\) is compiled"):
        bm.load_realisation(h, 2, description=bm.NetworkDescription(
            d.populations, other_delay, drives=d.drives))
    with pytest.raises(bm.ParameterError, match="give a seed"):
        bm.load_realisation(h)


def test_population_and_neuron_theory_agree_with_a_source_population():
    """External input from a shared source population (fixed in-degree, jittered weights
    replaced by equal ones) enters both theories alike: every neuron then sees the same
    input statistics, so the neuron-resolved rates equal the population rate."""
    d = brunel()
    exc = bm.Projection(bm.FixedInDegree(40), 0.1e-3, delay=1.5e-3)
    d = bm.NetworkDescription(d.populations, {**d.projections, "X->E": exc, "X->I": exc},
                              sources={"X": bm.PoissonSource(200, 500.0)})
    population = bm.diffusion_prediction(d)
    neurons = bm.neuron_prediction(d, bm.realise(d, 4))
    for pop in ("E", "I"):
        assert neurons.loc[pop, "rate"].to_numpy() == pytest.approx(
            population.loc[pop, "diffusion_rate"], rel=1e-8)

"""A user's own neuron equations (bm.CustomNeuron): written as the built-in LIF they give the
very same spikes, a quadratic integrate-and-fire network round-trips and runs, a bad string is
one line naming the population and Brian2's complaint, and NEST and the theory refuse it."""

import json

import numpy as np
import pytest

import balanced_models as bm
from theory.errors import ParameterError

#: bm.Neuron's LIF written out (neurons.NeuronModel.equations). The engine draws a
#: built-in group's potentials twice (the group's default, then the population's v_init), so
#: the user's model draws a dummy variable first: the random streams then coincide.
LIF_BY_HAND = bm.CustomNeuron(
    model="dv/dt = (E_L - v + mu_ext)/tau_m : volt\nmu_ext : volt (constant)\n"
          "tau_m : second (shared, constant)\nE_L : volt (shared, constant)\n"
          "V_th : volt (shared, constant)\nV_r : volt (shared, constant)\nu : 1",
    threshold="v > V_th", reset="v = V_r", inputs={"x": "v"},
    parameters={"E_L": 0.0, "tau_m": 0.02, "V_th": 0.02, "V_r": 0.01}, method="exact",
    initial={"u": (0.0, 1.0), "v": (0.01, 0.02)})
QIF = bm.CustomNeuron(
    model="dv/dt = (v - E_L)*(v - V_c)/(tau*(V_c - E_L)) + I_e + I_i : volt\n"
          "dI_e/dt = -I_e/tau_s : volt/second\ndI_i/dt = -I_i/tau_s : volt/second\n"
          "tau : second (shared, constant)\ntau_s : second (shared, constant)\n"
          "E_L : volt (shared, constant)\nV_c : volt (shared, constant)",
    threshold="v > -30*mV", reset="v = -70*mV", inputs={"e": "I_e", "i": "I_i"},
    parameters={"tau": 0.01, "tau_s": 0.005, "E_L": -0.065, "V_c": -0.050},
    refractory=0.002, initial={"v": (-0.07, -0.055)})


def _inhibitory(cell, n=1000):
    """One population of n neurons inhibiting each other (K = 100, -0.5 mV, 1.5 ms), driven
    by 100 Poisson inputs at 120 Hz of 0.2 mV."""
    channel = "x" if isinstance(cell, bm.CustomNeuron) else None
    return bm.NetworkDescription(
        {"N": bm.Population(n, cell)},
        {"N->N": bm.Projection(bm.FixedInDegree(100), weight=-0.5e-3, delay=1.5e-3,
                               channel=channel)},
        drives={"N": bm.PoissonDrive(K=100, rate=120.0, weight=0.2e-3, channel=channel)})


def test_equations_of_the_lif_give_the_builtin_spikes():
    """The same realisation, seed and random draws (initial potentials, Poisson drive): the
    user's LIF and bm.Neuron's LIF (exact integration, no refractory period) spike alike."""
    builtin = bm.simulate(_inhibitory(bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01)), 0.5,
                          seed=4)
    custom = bm.simulate(_inhibitory(LIF_BY_HAND), 0.5, seed=4)
    i_b, t_b = builtin.spike_trains("N")
    i_c, t_c = custom.spike_trains("N")
    assert len(t_b) > 1000
    assert np.array_equal(i_b, i_c) and np.array_equal(t_b, t_c)


def test_a_quadratic_network_round_trips_and_runs():
    exc = bm.Projection(bm.FixedInDegree(100), weight=0.1, channel="e", delay=1e-3)
    inh = bm.Projection(bm.FixedInDegree(25), weight=-0.4, channel="i", delay=1e-3)
    drive = bm.PoissonDrive(K=100, rate=10.0, weight=0.1, channel="e")
    d = bm.NetworkDescription({"E": bm.Population(400, QIF), "I": bm.Population(100, QIF)},
                              {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
                              drives={"E": drive, "I": drive},
                              record=bm.Recording(states={"E": (("v", "I_e"), 5, 1e-3)}))
    assert bm.NetworkDescription.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    run = bm.simulate(d, 1.0, seed=1)
    rates = run.population_rates(start=0.2)["simulated_rate"]
    assert np.all((rates > 1.0) & (rates < 100.0))
    _, v = run.state_traces("E", "v")
    assert v.min() >= -0.0705 and v.max() <= -0.03 + 0.01  # reset, and one step past -30 mV


def test_a_bad_equation_is_one_line_naming_the_population():
    for model, threshold, reset, complaint in (
            ("dv/dt = -v : volt", "v > 1*volt", "v = 0*volt", "Inconsistent units"),
            ("dv/dt = -v/(10*ms) : volt", "v > 1", "v = 0*volt", "different units"),
            ("dv/dt = -v/(10*ms) : volt", "v > 1*volt", "v = 0", "expected unit"),
            ("dv/dt = -v/(10*ms) + : volt", "v > 1*volt", "v = 0*volt", "SyntaxError")):
        bad = bm.CustomNeuron(model=model, threshold=threshold, reset=reset, inputs={"x": "v"})
        d = bm.NetworkDescription({"P": bm.Population(3, bad)})
        with pytest.raises(ParameterError) as error:
            bm.simulate(d, 0.01, seed=0, device="runtime")
        message = str(error.value)
        assert "population 'P'" in message and complaint in message and "\n" not in message


def test_nest_and_the_theory_refuse_it():
    d = _inhibitory(LIF_BY_HAND, n=100)
    with pytest.raises(ParameterError, match="CustomNeuron.*Brian2 engine"):
        bm.diffusion_prediction(d)
    table = bm.population_prediction(d)
    assert table["diffusion_rate"].isna().all()
    assert table["diffusion_reason"].str.contains("CustomNeuron").all()
    with pytest.raises(ParameterError, match="CustomNeuron"):
        bm.stability(d)
    pytest.importorskip("nest")
    with pytest.raises(ParameterError, match="CustomNeuron.*Brian2 engine"):
        bm.simulate(d, 0.1, seed=0, engine="nest")

"""The engine contract suite: the same scenarios on every installed engine.

Each scenario is written once against the contract (:mod:`balanced_models.engines.base`) and
runs on every engine in :data:`ENGINE_OPTIONS` whose simulator is installed; a new engine is
tested by adding one line there (its options for small, quick runs). Every scenario compares a
measured number with an exact solution or a bound stated in its docstring.
"""

import inspect

import numpy as np
import pytest

import balanced_models as bm
from balanced_models.engines import ENGINES, get_engine
from balanced_models.engines.base import Engine, EngineHandles
from theory.errors import ParameterError

#: engine -> its build options for these small runs (Brian2's runtime mode needs no compiler)
ENGINE_OPTIONS = {"brian2": {"device": "runtime"}, "nest": {}}

DT = 1e-4
T_SPIKE = 0.010  # s: when a given input spike reaches its target

installed = [name for name in ENGINE_OPTIONS if name in bm.installed_engines()]


@pytest.fixture(params=installed)
def engine(request):
    return request.param


def _simulate(engine, description, duration, seed=1):
    return bm.simulate(description, duration, seed=seed, engine=engine,
                       **ENGINE_OPTIONS[engine])


def test_every_engine_is_in_the_suite_and_implements_the_contract():
    assert set(ENGINE_OPTIONS) == set(ENGINES)
    contract = {name: inspect.signature(getattr(Engine, name))
                for name in ("check_supported", "build", "run", "simulate")}
    for name in installed:
        e = get_engine(name)
        assert isinstance(e, Engine) and e.name == name
        for method, signature in contract.items():
            own = inspect.signature(getattr(type(e), method)).parameters
            # the contract's parameters, in order, with the contract's defaults; an engine
            # adds its own options only as keywords with defaults
            shared = [p for p in own.values() if p.name in signature.parameters]
            assert [(p.name, p.kind, p.default) for p in shared] == \
                [(p.name, p.kind, p.default) for p in signature.parameters.values()
                 if p.name in own], (name, method)
            assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty
                       for p in own.values() if p.name not in signature.parameters
                       and p.kind is not p.VAR_KEYWORD), (name, method)


def test_an_unknown_engine_is_refused_by_name():
    with pytest.raises(ParameterError, match="engine must be one of"):
        bm.get_engine("gpu")
    with pytest.raises(ParameterError, match="engine must be one of"):
        bm.simulate(_kicked_neuron(0.5e-3), 0.01, engine="neuron")


# ---------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------
def _kicked_neuron(weight, neuron=None, channel=None, spikes=(T_SPIKE - DT,), n_record=1):
    """One neuron at rest that gets input spikes of ``weight`` (delay DT); v every step."""
    neuron = neuron or bm.Neuron(E_L=-0.07, V_th=-0.05, V_r=-0.06, tau_ref=0.002)
    return bm.NetworkDescription(
        {"post": bm.Population(1, neuron, v_init=(neuron.E_L, neuron.E_L))},
        {"X->post": bm.Projection(bm.ExplicitConnections([0], [0]), weight, channel=channel,
                                  delay=DT)},
        sources={"X": bm.SpikeTrainSource(1, [0] * len(spikes), list(spikes))},
        record=bm.Recording(states={"post": ("v", n_record, DT)}))


def test_a_delta_kick_decays_with_the_membrane_time_constant(engine):
    """A 0.5 mV kick decays as 0.5 mV exp(-t/tau_m): every engine integrates the linear
    membrane exactly, so to float precision (rtol 1e-6), and delivers it within 1.5 steps of
    the spike's arrival."""
    d = _kicked_neuron(0.5e-3)
    h = _simulate(engine, d, 0.06)
    t, v = h.state_traces("post")
    v = v[0] - d.populations["post"].neuron.E_L
    t0 = t[np.argmax(v > 1e-9)]
    after = t >= t0
    np.testing.assert_allclose(v[after], 0.5e-3 * np.exp(-(t[after] - t0) / 0.02), rtol=1e-6,
                               atol=1e-12)
    assert abs(t0 - T_SPIKE) <= 1.5 * DT


def test_an_exponential_current_gives_the_exact_psp_peak(engine):
    """w = 0.5 mV of an exponential current (tau_s = 5 ms) gives the PSP w tau_m / (tau_m -
    tau_s) (exp(-t/tau_m) - exp(-t/tau_s)). Its peak is met within 1 %: the bound of forward
    Euler, the least exact integrator of the engines (per-step error (dt/tau_s)^2 / 2 = 2e-4
    over about tau_s/dt = 50 steps)."""
    cell = bm.Neuron(synapse="current_exp", E_L=-0.07, V_th=-0.05, V_r=-0.06,
                     channels={"e": {"tau": 0.005}})
    h = _simulate(engine, _kicked_neuron(0.5e-3, cell, "e"), 0.06)
    v = h.state_traces("post")[1][0] - cell.E_L
    tau_m, tau_s = 0.02, 0.005
    s_peak = np.log(tau_m / tau_s) * tau_m * tau_s / (tau_m - tau_s)
    exact_peak = 0.5e-3 * tau_m / (tau_m - tau_s) * (np.exp(-s_peak / tau_m)
                                                     - np.exp(-s_peak / tau_s))
    assert abs(v.max() / exact_peak - 1) < 0.01


def test_given_spikes_drive_their_target_at_their_times(engine):
    """Given spike trains reach every engine as the very same spikes: a 30 mV kick makes the
    neuron fire at each input's arrival, t + delay, within 1.5 time steps."""
    times = [0.012, 0.031, 0.0555]
    d = _kicked_neuron(0.03, spikes=[t - DT for t in times])
    h = _simulate(engine, d, 0.07)
    out = h.spike_trains("post")[1]
    assert len(out) == len(times)
    assert np.all(np.abs(out - np.array(times)) <= 1.5 * DT)


def test_windowed_stimulation_acts_only_in_its_window(engine):
    """A windowed Poisson source (5 kHz per train, 30 mV kicks) makes its targets fire in
    [start, stop) + the delay and nowhere else; the expected 20 x 5 kHz x 30 ms = 3000 input
    spikes drive the targets at least 100 times (refractory 2 ms caps them at 300)."""
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.0, tau_ref=0.002)
    d = bm.NetworkDescription(
        {"E": bm.Population(20, cell, v_init=(0, 0))},
        {"S->E": bm.Projection(bm.FixedInDegree(1), 0.03, delay=1e-3)},
        sources={"S": bm.WindowedPoissonSource(20, 5000.0, start=0.05, stop=0.08)})
    t = _simulate(engine, d, 0.12).spike_trains("E")[1]
    assert 100 < len(t) <= 20 * 0.03 / 0.002 + 20
    assert t.min() >= 0.05 and t.max() <= 0.08 + 1e-3 + 2 * DT


def _brunel(n_record=50):
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(40), weight=0.2e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(10), weight=-1.0e-3, delay=1.5e-3)
    return bm.NetworkDescription(
        {"E": bm.Population(200, cell), "I": bm.Population(50, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(100, 100.0, 0.2e-3)),
        record=bm.Recording(spikes={"E": n_record}, states={"I": ("v", 5, 1e-3)}))


def test_the_engine_holds_the_realisation_of_its_seed(engine):
    """Every engine simulates ``realise(description, seed)``, synapse for synapse, and records
    what the description asks: spikes of the first 50 E cells (indices below 50), I's
    potential every ms (5 neurons x 200 samples)."""
    d = _brunel()
    h = _simulate(engine, d, 0.2, seed=7)
    assert isinstance(h, EngineHandles) and h.seed == 7 and h.duration == pytest.approx(0.2)
    drawn = bm.realise(d, 7)
    for name, c in drawn.items():
        held = h.connectivity[name]
        assert np.array_equal(held.pre, c.pre) and np.array_equal(held.post, c.post)
        assert np.array_equal(held.weight, c.weight) and np.array_equal(held.delay, c.delay)
    i, t = h.spike_trains("E")
    assert len(i) > 0 and i.max() < 50 and t.min() >= 0 and t.max() < 0.2
    assert h.recorded_neurons("E") == 50 and h.recorded_populations() == ["E"]
    times, v = h.state_traces("I")
    assert v.shape == (5, len(times)) and 195 <= len(times) <= 201
    np.testing.assert_allclose(np.diff(times), 1e-3, rtol=1e-9)
    # the drive alone would hold V at 40 mV; reset (10 mV) and threshold (20 mV) keep the
    # time-averaged potential between rest and threshold
    assert np.all(np.isfinite(v)) and 0 < v.mean() < 0.02
    assert set(h.population_rates().index) == {"E"}
    with pytest.raises(ParameterError, match="spikes of 'I' were not recorded"):
        h.spike_trains("I")
    with pytest.raises(ParameterError, match="no 'v' of 'E' was recorded"):
        h.state_traces("E")
    with pytest.raises(ParameterError, match="weights of 'E->E' were not recorded"):
        h.weight_traces("E->E")
    with pytest.raises(ParameterError, match="already run"):
        get_engine(engine).run(h, 0.1)


def test_the_contract_refuses_bad_input_by_name(engine):
    e = get_engine(engine)
    d = _brunel()
    assert e.check_supported(d) is d
    for call, name in ((lambda: e.check_supported("net"), "description"),
                       (lambda: e.build(d, seed=-1, **ENGINE_OPTIONS[engine]), "seed"),
                       (lambda: e.build(d, connectivity={"E->E": None},
                                        **ENGINE_OPTIONS[engine]), "connectivity"),
                       (lambda: e.simulate(d, float("nan"), **ENGINE_OPTIONS[engine]),
                        "duration"),
                       (lambda: e.simulate(d, 0.01, report="loud", **ENGINE_OPTIONS[engine]),
                        "report"),
                       (lambda: e.run("handles", 0.1), "handles")):
        with pytest.raises(ParameterError, match=name):
            call()


def test_a_brunel_network_fires_at_the_rate_of_the_diffusion_theory(engine,
                                                                      rates_between_theories):
    """The README's Brunel network (2500 LIF neurons, K = 200 and 50, g = 5, 1 s): each
    population's rate lies between the diffusion (Siegert) prediction and the prediction with
    the first-order shift of threshold and reset by the time step and the 0.5 mV jumps,
    +-4 SE of the rate over neurons (the README's criterion)."""
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3)
    net = bm.NetworkDescription(
        {"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(K=200, rate=100.0, weight=0.1e-3)))
    h = _simulate(engine, net, 1.0)
    table = bm.population_prediction(net).join(h.population_rates())
    rates_between_theories(table.T.to_dict(), 0.02, 1e-4, 0.5e-3)

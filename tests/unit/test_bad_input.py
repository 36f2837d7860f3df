"""The bad-input table: every public constructor, theory function and CLI option refuses bad
values (NaN, inf, wrong type, size, shape or range) with a ParameterError (CLI: one line on
stderr, exit 2) that names the parameter and, where a range exists, states it. No raw numpy or
Brian2 error, no traceback, no silent acceptance."""

import subprocess
import sys

import numpy as np
import pytest
from brian2 import Hz, ms, mV

import balanced_models as bm
from balanced_models import analysis, progress
from balanced_models.core import sources
from balanced_models.engines import nest as nest_engine
from balanced_models.papers import schuenemann as avalanches
from theory import conductance, heterogeneity, isi_cv, lif, plasticity, siegert_rate
from theory import avalanches as avalanche_theory
from theory import balanced as balanced_theory
from theory.errors import ParameterError

NAN, INF = float("nan"), float("inf")
CELL = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
EXC = bm.Projection(bm.FixedInDegree(10), weight=0.1e-3)


def _net(**changes):
    base = dict(populations={"E": bm.Population(50, CELL)}, projections={"E->E": EXC})
    base.update(changes)
    return bm.NetworkDescription(**base)


def _custom(**changes):
    """A CustomNeuron (an LIF by hand) with ``changes``."""
    spec = dict(model="dv/dt = -v/tau : volt\ntau : second (constant)", threshold="v > 0.02*volt",
                reset="v = 0*volt", inputs={"x": "v"}, parameters={"tau": 0.02})
    spec.update(changes)
    return bm.CustomNeuron(**spec)


def _brunel():
    from balanced_models.papers.brunel import BrunelParameters, model_a
    return model_a(5.0, 2.0, BrunelParameters(N_E=400))


def _rng():
    return np.random.default_rng(0)


def _driven():
    """(group, model): three LIF neurons with a built-in drive on channel x."""
    model = bm.lif()
    return model.group(3, drive=["x"]), model


def _block(n_pre, n_post):
    return bm.Connectivity.from_dense(np.ones((n_post, n_pre)), weight_unit="V")


def _plastic_connect(rule):
    model = bm.lif(trace_tau=20 * ms)
    return bm.connect(model.group(2), model.group(2), _block(2, 2), model, "x", plasticity=rule)


# (case id, call, text naming the parameter, text stating the allowed range or None)
CASES = [
    # --- the network description ---------------------------------------------------------
    ("neuron tau_m nan", lambda: bm.Neuron(tau_m=NAN), "tau_m", "(0, inf)"),
    ("neuron tau_m negative", lambda: bm.Neuron(tau_m=-0.01), "tau_m", "(0, inf)"),
    ("neuron tau_ref inf", lambda: bm.Neuron(tau_ref=INF), "tau_ref", "[0, inf)"),
    ("neuron V_th nan", lambda: bm.Neuron(V_th=NAN), "V_th", None),
    ("neuron V_th below V_r", lambda: bm.Neuron(V_th=0.0, V_r=0.01), "V_th", "above V_r"),
    ("neuron spike kind", lambda: bm.Neuron(spike="hh"), "spike", "'lif'"),
    ("custom model not a string", lambda: _custom(model=3), "model", "string"),
    ("custom threshold empty", lambda: _custom(threshold=" "), "threshold", "not be empty"),
    ("custom input undeclared", lambda: _custom(inputs={"e": "g"}), "inputs['e']", "['v']"),
    ("custom no inputs", lambda: _custom(inputs={}), "inputs", "non-empty"),
    ("custom parameter undeclared", lambda: _custom(parameters={"tau_m": 0.02}),
     "parameters", "['tau']"),
    ("custom parameter nan", lambda: _custom(parameters={"tau": NAN}), "parameters['tau']",
     None),
    ("custom initial inf", lambda: _custom(initial={"v": INF}), "initial['v']", None),
    ("custom initial low above high", lambda: _custom(initial={"v": (0.02, 0.01)}),
     "initial['v'] high", "[0.02, inf)"),
    ("custom refractory negative", lambda: _custom(refractory=-0.001), "refractory",
     "[0, inf)"),
    ("custom mu_ext", lambda: bm.Population(5, _custom(), mu_ext=0.01), "mu_ext",
     "CustomNeuron"),
    ("custom plastic", lambda: bm.NetworkDescription(
        {"E": bm.Population(5, _custom())}, {"E->E": bm.Projection(
            bm.FixedInDegree(2), 1e-3, channel="x", plasticity=bm.Plasticity(
                "clipped_additive", 1e-5, 0.02, {"w_max": 2e-3}))}), "plasticity",
     "CustomNeuron"),
    ("neuron a nan", lambda: bm.Neuron(a=NAN, tau_w=0.1), "a", None),
    ("neuron b inf", lambda: bm.Neuron(b=INF, tau_w=0.1), "b", None),
    ("neuron b in pA", lambda: bm.Neuron(b=80.5, tau_w=0.1), "b", "|b| <= 50 V/s"),
    ("neuron b without tau_w", lambda: bm.Neuron(b=0.1), "tau_w", "> 0"),
    ("neuron tau_w zero", lambda: bm.Neuron(b=0.1, tau_w=0.0), "tau_w", "(0, inf)"),
    ("neuron tau_w in ms", lambda: bm.Neuron(b=0.1, tau_w=100.0), "tau_w", "100 ms is 0.1"),
    ("neuron channel tau nan", lambda: bm.Neuron(synapse="current_exp",
                                                 channels={"e": {"tau": NAN}}), "tau", "(0, inf)"),
    ("eif Delta_T zero", lambda: bm.Neuron(spike="eif", synapse="current_exp", V_T=-0.05,
                                           Delta_T=0.0, E_L=-0.07, V_th=-0.04, V_r=-0.06,
                                           channels={"e": {"tau": 0.005}}),
     "Delta_T", "(0, inf)"),
    ("population size nan", lambda: bm.Population(NAN, CELL), "size", ">= 1"),
    ("population size 0", lambda: bm.Population(0, CELL), "size", ">= 1"),
    ("population size string", lambda: bm.Population("100", CELL), "size", None),
    ("fixed in-degree nan", lambda: bm.FixedInDegree(NAN), "K", ">= 0"),
    ("bernoulli p > 1", lambda: bm.Bernoulli(1.5), "p", "[0, 1]"),
    ("heterogeneous cv inf", lambda: bm.HeterogeneousInDegree(10, INF), "cv", "[0, inf)"),
    ("projection weight nan", lambda: bm.Projection(bm.FixedInDegree(5), weight=NAN),
     "weight", "(-inf, inf)"),
    ("projection weight inf", lambda: bm.Projection(bm.FixedInDegree(5), weight=INF),
     "weight", "(-inf, inf)"),
    ("projection delay nan", lambda: bm.Projection(bm.FixedInDegree(5), 1e-4, delay=NAN),
     "delay", "[0, inf)"),
    ("projection weight_cv negative", lambda: bm.Projection(bm.FixedInDegree(5), 1e-4,
                                                            weight_cv=-0.1),
     "weight_cv", "[0, inf)"),
    ("poisson drive rate inf", lambda: bm.PoissonDrive(10, INF, 1e-4), "rate", "[0, inf)"),
    ("poisson drive weight nan", lambda: bm.PoissonDrive(10, 5.0, NAN), "weight", None),
    ("poisson source rate nan", lambda: bm.PoissonSource(10, NAN), "rate", "[0, inf)"),
    ("correlated source c > 1", lambda: bm.CorrelatedSource(10, 5.0, 1.5, 1.0), "c", "[0, 1]"),
    ("correlated source jitter nan", lambda: bm.CorrelatedSource(10, 5.0, 0.1, 1.0,
                                                                 jitter=NAN),
     "jitter", "[0, inf)"),
    ("windowed source stop before start",
     lambda: bm.WindowedPoissonSource(10, 5.0, start=0.5, stop=0.1), "stop", None),
    ("spike-train source time inf", lambda: bm.SpikeTrainSource(3, [0], [INF]), "times", None),
    ("plasticity eta nan", lambda: bm.Plasticity("additive", eta=NAN, tau=0.02,
                                                 parameters={"w_max": 1e-3}), "eta", None),
    ("plasticity tau zero", lambda: bm.Plasticity("additive", eta=1e-3, tau=0.0,
                                                  parameters={"w_max": 1e-3}), "tau", "(0, inf)"),
    ("plasticity bound inf", lambda: bm.Plasticity("clipped_additive", eta=1e-3, tau=0.02,
                                                   parameters={"w_max": INF}), "w_max", None),
    ("recording dt nan", lambda: bm.Recording(states={"E": ("v", 5, NAN)}), "dt", "(0, inf)"),
    ("description dt nan", lambda: _net(dt=NAN), "dt", "(0, inf)"),
    ("description dt too coarse", lambda: _net(dt=0.05), "dt", "tau_m / 10 = 2 ms"),
    ("description allow_coarse_dt string", lambda: _net(allow_coarse_dt="yes"),
     "allow_coarse_dt", "True or False"),
    ("description unknown target", lambda: _net(projections={"E->X": EXC}), "E->X", None),
    # --- realisation, engines --------------------------------------------------------------
    ("realise seed negative", lambda: bm.realise(_net(), -1), "seed", None),
    ("realise seed string", lambda: bm.realise(_net(), "abc"), "seed", None),
    ("simulate duration nan", lambda: bm.simulate(_net(), NAN, device="runtime"),
     "duration", None),
    ("simulation seed string", lambda: bm.Simulation(seed="abc"), "seed", "integer"),
    ("simulation threads 0", lambda: bm.Simulation(threads=0), "threads", ">= 1"),
    ("simulation device", lambda: bm.Simulation("gpu"), "device", "'runtime'"),
    ("simulation dt negative", lambda: bm.Simulation(dt=-0.1 * ms), "dt", "(0, inf)"),
    ("nest simulate duration negative", lambda: nest_engine.simulate(_net(), -1.0),
     "duration", None),
    # --- core parts ------------------------------------------------------------------------
    ("lif method unknown", lambda: bm.lif(method="foo"), "method", "'euler'"),
    ("lif tau_m negative", lambda: bm.lif(tau_m=-1 * ms), "tau_m", "(0, inf)"),
    ("group size nan", lambda: bm.lif().group(NAN), "N", "positive integer"),
    ("group dt too coarse", lambda: bm.lif().group(10, dt=5 * ms), "dt", "tau_m / 10 = 2 ms"),
    ("fixed_indegree rng None", lambda: bm.fixed_indegree(10, 10, 2, 1e-4, rng=None),
     "rng", "Generator"),
    ("fixed_indegree K array length", lambda: bm.fixed_indegree(
        10, 10, np.array([1, 2, 3]), 1e-4, rng=_rng()), "K", "n_post = 10"),
    ("fixed_indegree K too large", lambda: bm.fixed_indegree(10, 10, 11, 1e-4, rng=_rng()),
     "K", "[0, 10]"),
    ("fixed_indegree n_pre negative", lambda: bm.fixed_indegree(-5, 10, 2, 1e-4,
                                                                rng=_rng()), "n_pre", "[1, inf)"),
    ("bernoulli rng string", lambda: bm.bernoulli(10, 10, 0.1, 1e-4, rng="seed"), "rng",
     "Generator"),
    ("indegrees_with_cv n_post nan", lambda: bm.indegrees_with_cv(10, 0.2, NAN, _rng()),
     "n_post", None),
    ("poisson_sources rate nan", lambda: bm.poisson_sources(10, NAN * Hz), "rate", None),
    ("poisson_sources negative number", lambda: bm.poisson_sources(-5, 5 * Hz), "N", "[1, inf)"),
    ("poisson source negative size", lambda: bm.PoissonSource(-5, 5.0), "size", ">= 1"),
    ("correlated trains c nan", lambda: sources.correlated_spike_trains(
        10, 5.0, NAN, 1.0, rng=_rng()), "c", "[0, 1]"),
    ("homogeneous weights N 0", lambda: avalanches.homogeneous_weights(0, 0.5), "N", None),
    ("homogeneous weights alpha nan", lambda: avalanches.homogeneous_weights(10, NAN),
     "alpha", None),
    ("simulate_avalanches rng None", lambda: avalanches.simulate_avalanches(
        avalanches.homogeneous_weights(5, 0.5), 10, rng=None), "rng", "Generator"),
    ("fixed_indegree weight nan", lambda: bm.fixed_indegree(10, 10, 2, NAN, rng=_rng()),
     "weight", "(-inf, inf)"),
    ("connectivity weight nan", lambda: bm.Connectivity.from_dense([[NAN, 1.0]]), "weight",
     "finite"),
    ("connectivity post out of range", lambda: bm.Connectivity(
        np.array([0]), np.array([3]), np.array([1.0]), np.array([0.0]), 1, 2), "post",
     "[0, 1]"),
    ("block_matrix not blocks", lambda: bm.block_matrix(None), "rows", None),
    ("poisson_input K nan", lambda: bm.poisson_input(bm.lif().group(5), bm.lif(), "x", NAN,
                                                     5 * Hz, 0.1 * mV), "K", "integer"),
    ("spike_monitor n too large", lambda: bm.spike_monitor(bm.lif().group(5), 6), "n",
     "[1, 5]"),
    ("state_monitor dt nan", lambda: bm.state_monitor(bm.lif().group(5), [0], dt=NAN * ms),
     "dt", "(0, inf)"),
    ("state_monitor index out of range", lambda: bm.state_monitor(bm.lif().group(5), [7]),
     "indices", "[0, 4]"),
    ("dense_matrix description", lambda: bm.dense_matrix("net", {}), "description", None),
    ("load_realisation handles", lambda: bm.load_realisation("handles"), "handles", None),
    ("sweep seed nan", lambda: bm.sweep(_brunel(), {"drives.E.rate": [5.0]}, duration=0.1,
                                        seeds=[NAN]), "seed", "integer"),
    ("sweep duration inf", lambda: bm.sweep(_brunel(), {"drives.E.rate": [5.0]},
                                            duration=INF), "duration", "(0, inf)"),
    ("sweep value nan", lambda: bm.sweep(_brunel(), {"drives.E.rate": [NAN]}, duration=0.1),
     "drives.E.rate", "finite"),
    ("simulate_avalanches count nan", lambda: avalanches.simulate_avalanches(
        avalanches.homogeneous_weights(5, 0.5), NAN, rng=_rng()), "n_avalanches", "integer"),
    ("random_weights p nan", lambda: avalanches.random_weights(5, NAN, 0.5, rng=_rng()), "p",
     "[0, 1]"),
    ("analysis window nan", lambda: analysis.spike_counts([0], [0.1], 1, 0.0, 1.0, NAN),
     "window", "(0, inf)"),
    ("analysis N negative", lambda: analysis.firing_rates([0], [0.1], -1, 0.0, 1.0), "N", None),
    ("analysis times nan", lambda: analysis.isi_cvs([0, 0], [0.1, NAN], 1, 0.0, 1.0), "times",
     None),
    ("progress interval 0", lambda: progress.reporting(interval=0).__enter__(), "interval",
     "(0, inf)"),
    ("to_neo t_stop nan", lambda: bm.to_neo(bm.StoredActivity({"E": ([0], [0.1], 1)}),
                                            t_stop=NAN), "t_stop", "> 0"),
    # --- the layer under the description (issue #28) ---------------------------------------
    ("poisson drive weight nan", lambda: bm.set_poisson_drive(
        *_driven(), "x", K=1, rate=5 * Hz, weight=NAN * mV), "weight", "(-inf, inf)"),
    ("poisson drive weight inf", lambda: bm.set_poisson_drive(
        *_driven(), "x", K=1, rate=5 * Hz, weight=INF * mV), "weight", "(-inf, inf)"),
    ("poisson drive K not whole", lambda: bm.set_poisson_drive(
        *_driven(), "x", K=2.5, rate=5 * Hz, weight=0.1 * mV), "K", "whole numbers"),
    ("plastic connect bound nan", lambda: _plastic_connect(
        bm.STDPRule("soft_hebbian", 0.1, {"w_max": NAN * mV})), "w_max", "(-inf, inf)"),
    ("plastic connect eta inf", lambda: _plastic_connect(
        bm.STDPRule("kohonen", INF, {"beta": 1 * mV})), "eta", "[0, inf)"),
    ("fixed_indegree zero-mean lognormal", lambda: bm.fixed_indegree(
        10, 10, 2, 0.0, rng=_rng(), weight_cv=0.5, weight_distribution="lognormal"),
     "weight", "non-zero"),
    ("fixed_indegree weight array", lambda: bm.fixed_indegree(10, 10, 2, np.ones(3),
                                                              rng=_rng()), "weight", "one number"),
    ("bernoulli weight with a unit", lambda: bm.bernoulli(10, 10, 0.1, 0.1 * mV, rng=_rng()),
     "weight", "SI units"),
    ("block_matrix mismatched sizes", lambda: bm.block_matrix(
        [[_block(10, 5), _block(3, 5)], [_block(10, 4), _block(3, 6)]]), "rows[1][1]",
     "4 targets"),
    ("connectivity weight_unit", lambda: bm.Connectivity(
        np.array([0]), np.array([0]), np.array([1.0]), np.array([0.0]), 1, 1, "mV"),
     "weight_unit", "'V'"),
    ("connect without a model", lambda: bm.connect(
        bm.lif().group(3), bm.lif().group(3), _block(3, 3), None, "x"), "model", "NeuronModel"),
    ("neuron tau_m in ms", lambda: bm.Neuron(tau_m=20.0), "tau_m", "20 ms is 0.02"),
    ("neuron V_th in mV", lambda: bm.Neuron(V_th=20.0, V_r=10.0), "V_th", "20 mV is 0.02"),
    ("channel tau in ms", lambda: bm.Neuron(synapse="current_exp", channels={"e": {"tau": 20}}),
     "tau of channel 'e'", "20 ms is 0.02"),
    ("projection weight in mV", lambda: _net(projections={"E->E": bm.Projection(
        bm.FixedInDegree(10), weight=2.0)}), "weight", "2 mV is 0.002"),
    ("projection delay in ms", lambda: bm.Projection(bm.FixedInDegree(10), 1e-4, delay=15.0),
     "delay", "15 ms is 0.015"),
    ("drive K not whole", lambda: bm.PoissonDrive(2.5, 5.0, 1e-4), "K", "whole number"),
    ("recording unknown variable", lambda: _net(record=bm.Recording(
        states={"E": ("V", 5, 1e-3)})), "'V'", "['v']"),
    ("recording too many traces", lambda: _net(record=bm.Recording(
        states={"E": ("v", 60, 1e-3)})), "record.states['E'] n", "[1, 50]"),
    ("recording too many spike trains", lambda: _net(record=bm.Recording(spikes={"E": 60})),
     "record.spikes['E']", "[1, 50]"),
    ("compiled structure changed", lambda: bm.load_realisation(
        bm.build(_net(), seed=0, device="runtime"), description=_net(projections={
            "E->E": bm.Projection(bm.FixedInDegree(10), 1e-4, plasticity=bm.Plasticity(
                "clipped_additive", 1e-6, 0.02, {"w_max": 1e-3}))})),
     "projections['E->E'].plasticity", "from None to 'clipped_additive'"),
    ("simulate unknown engine", lambda: bm.simulate(_net(), 1.0, engine="gpu"), "engine",
     "['brian2', 'nest']"),
    # --- theory ----------------------------------------------------------------------------
    ("siegert mu inf", lambda: siegert_rate(INF, 0.005, 0.02, 0.02, 0.01), "mu", "(-inf, inf)"),
    ("siegert sigma nan", lambda: siegert_rate(0.01, NAN, 0.02, 0.02, 0.01), "sigma", None),
    ("siegert tau_m 0", lambda: siegert_rate(0.01, 0.005, 0.0, 0.02, 0.01), "tau_m", "(0, inf)"),
    ("isi_cv V_th nan", lambda: isi_cv(0.01, 0.005, 0.02, NAN, 0.01), "V_th", None),
    ("threshold_shift dt negative", lambda: lif.threshold_shift(0.005, 0.02, dt=-1e-4), "dt",
     "[0, inf)"),
    ("siegert dt nan", lambda: siegert_rate(0.01, 0.005, 0.02, 0.02, 0.01, dt=NAN), "dt",
     "[0, inf)"),
    ("siegert dt with tau_s", lambda: siegert_rate(0.01, 0.005, 0.02, 0.02, 0.01, tau_s=0.005,
                                                   dt=1e-4), "dt", "tau_s = 0"),
    ("voltage density tau_ref inf", lambda: lif.voltage_density(
        np.linspace(0, 0.02, 5), 0.01, 0.005, 0.02, 0.02, 0.01, tau_ref=INF), "tau_ref", None),
    ("diffusion_moments shapes", lambda: lif.diffusion_moments(
        0.02, [1e-4, -5e-4], [100], [5.0, 5.0]), "counts", None),
    ("etc_rate K nan", lambda: conductance.etc_rate(1e-3, NAN, 12, 0.25, 5.0, 5.0), "K", None),
    ("multiplicative_cv a negative", lambda: conductance.multiplicative_cv(
        -1e-3, 1000, 12, 0.25, 5.0, 5.0), "a", None),
    ("network_rates variant", lambda: conductance.network_rates(
        1e-3, 1000, 12, 0.25, 5.0, variant="X"), "variant", "A13"),
    ("conductance time constant inf", lambda: conductance.conductance_time_constant(
        0.02, INF), "conductance", None),
    ("balanced_rates shapes", lambda: balanced_theory.balanced_rates(
        np.eye(2), np.ones((3, 1)), [1.0]), "W_x", None),
    ("working point tau_m nan", lambda: heterogeneity.working_point(
        np.zeros((3, 3)), NAN, 0.02, 0.01, 0.002), "tau_m", None),
    ("covariances a length", lambda: heterogeneity.covariances(np.zeros((3, 3)), np.ones(2)),
     "a", None),
    ("resolved theory nu nan", lambda: heterogeneity.resolved_theory(
        np.zeros((3, 3)), 0.02, 0.02, 0.01, 0.002, mu_dc=0.015, nu=[1.0, NAN, 2.0]), "nu",
     "[0, inf)"),
    ("resolved theory nu length", lambda: heterogeneity.resolved_theory(
        np.zeros((3, 3)), 0.02, 0.02, 0.01, 0.002, mu_dc=0.015, nu=[1.0, 2.0]), "nu", None),
    ("power law fit y negative", lambda: analysis.power_law_fit([1, 2, 4], [0.3, -0.2, 0.1]),
     "y", "(0, inf)"),
    ("power law fit se nan", lambda: analysis.power_law_fit([1, 2, 4], [0.3, 0.2, 0.1],
                                                           se=[0.1, NAN, 0.1]), "se", None),
    ("power law fit two points", lambda: analysis.power_law_fit([1, 2], [0.3, 0.2]), "x", ">= 3"),
    ("external rates sigma nan", lambda: heterogeneity.external_rates_for_input(
        0.01, NAN, 1e-4, -5e-4, 0.02), "sigma", None),
    ("avalanche weights nan", lambda: avalanche_theory.check_weights(
        np.full((3, 3), NAN)), "W", None),
    ("ehe size N 0", lambda: avalanche_theory.ehe_size_distribution(0, 0.5), "N", None),
    ("size distribution p length", lambda: avalanche_theory.size_distribution(
        avalanches.homogeneous_weights(4, 0.5), np.ones(3) / 3), "p", None),
    ("weight_drift kind", lambda: plasticity.weight_drift("magic", 1.0, 5.0, 5.0, 0.0, 0.02,
                                                          eta=1e-3), "kind", None),
    ("weight_drift eta nan", lambda: plasticity.weight_drift("additive", 1.0, 5.0, 5.0, 0.0,
                                                             0.02, eta=NAN), "eta", None),
]


@pytest.mark.parametrize("call, name, allowed", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_value_is_refused_by_name(call, name, allowed):
    with pytest.raises(ParameterError) as error:
        call()
    message = str(error.value)
    assert name in message, message
    if allowed is not None:
        assert allowed in message, message


def test_the_table_is_large():
    assert len(CASES) + len(CLI_CASES) >= 60


# --- the command line ------------------------------------------------------------------------
CLI_CASES = [
    ("unknown paper", ["nonsense"], "unknown paper 'nonsense'"),
    ("scale", ["siegert", "--scale", "huge"], "scale must be one of quick, full"),
    ("processes 0", ["siegert", "--processes", "0"], "processes must be >= 1"),
    ("processes string", ["siegert", "--processes", "two"], "--processes"),
    ("no paper", [], "the following arguments are required: paper"),
    ("unknown option", ["siegert", "--bogus"], "unrecognized arguments"),
    ("out empty", ["siegert", "--out", ""], "--out must name a folder"),
    ("out is a file", ["siegert", "--out", "{file}"], "is a file; give a folder"),
    ("out not writable", ["siegert", "--out", "/proc/bm_results"], "not a writable folder"),
    ("out/PAPER is a file", ["siegert", "--out", "{dir}"], "siegert' is a file"),
    ("clean of a missing folder", ["clean", "--out", "{dir}/missing"], "is not a folder"),
]


@pytest.mark.parametrize("args, match", [c[1:] for c in CLI_CASES],
                         ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input_prints_one_line_and_exits_2(tmp_path, args, match):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "siegert").write_text("not a folder")
    args = [a.format(file=tmp_path / "plain.txt", dir=tmp_path) for a in args]
    result = subprocess.run([sys.executable, "-m", "reproductions", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and match in lines[0], lines
    assert "Brian 2 encountered" not in result.stderr + result.stdout

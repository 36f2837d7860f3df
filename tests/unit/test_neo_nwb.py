"""Neo and NWB export: round trips keep spike times bit for bit, population labels, state
traces, the description and the realised connectivity; other tools (Neo's own NWB reader)
open the files."""

import datetime

import numpy as np
import pytest

import balanced_models as bm
from balanced_models.core.activity import StoredActivity
from balanced_models.core.realisation import realise
from balanced_models.engines import nest as nest_engine
from balanced_models.io.neo import from_neo, to_neo
from balanced_models.io.nwb import read_nwb, write_nwb
from theory.errors import ParameterError

CELL = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)


def _description():
    exc = bm.Projection(bm.FixedInDegree(40), weight=0.2e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(10), weight=-1.0e-3, delay=(1e-3, 2e-3))
    return bm.NetworkDescription(
        {"E": bm.Population(400, CELL), "I": bm.Population(100, CELL)},
        {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(100, 50.0, 0.2e-3)),
        record=bm.Recording(spikes={"E": 300, "I": None}, states={"E": ("v", 5, 1e-3)}))


@pytest.fixture(scope="module", params=["brian2", "nest"])
def run(request):
    """One 0.5 s run of a small Brunel network on each engine."""
    d = _description()
    if request.param == "brian2":
        return bm.simulate(d, 0.5, seed=1, device="runtime")
    return nest_engine.simulate(d, 0.5, seed=1)


def _sorted(indices, times):
    order = np.lexsort((times, indices))
    return np.asarray(indices)[order], np.asarray(times)[order]


def _assert_same_spikes(a, b):
    assert a.recorded_populations() == b.recorded_populations()
    for pop in a.recorded_populations():
        assert a.recorded_neurons(pop) == b.recorded_neurons(pop)
        ia, ta = _sorted(*a.spike_trains(pop))
        ib, tb = _sorted(*b.spike_trains(pop))
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(ta, tb)


def test_neo_segment_has_one_annotated_train_per_recorded_neuron(run):
    segment = to_neo(run)
    assert len(segment.spiketrains) == 300 + 100  # silent neurons keep an empty train
    labels = [(st.annotations["population"], st.annotations["neuron"])
              for st in segment.spiketrains]
    assert labels == [("E", k) for k in range(300)] + [("I", k) for k in range(100)]
    i, t = run.spike_trains("I")
    train = segment.spiketrains[300 + 7]
    np.testing.assert_array_equal(train.rescale("s").magnitude, np.sort(t[i == 7]))
    assert float(train.t_stop.rescale("s")) == run.duration
    (signal,) = segment.analogsignals
    times, traces = run.state_traces("E")
    assert signal.shape == (len(times), 5) and str(signal.units.dimensionality) == "V"
    np.testing.assert_array_equal(signal.magnitude.T, traces)
    np.testing.assert_allclose(signal.times.rescale("s").magnitude, times, rtol=0, atol=1e-12)


def test_neo_round_trip_gives_the_same_analysis(run):
    back = from_neo(to_neo(run))
    _assert_same_spikes(run, back)
    assert back.duration == run.duration
    assert back.population_rates().equals(run.population_rates())
    np.testing.assert_array_equal(back.cvs()["E"], run.cvs()["E"])
    times, traces = run.state_traces("E")
    back_times, back_traces = back.state_traces("E")
    np.testing.assert_array_equal(back_traces, traces)
    np.testing.assert_allclose(back_times, times, rtol=0, atol=1e-12)


def test_nwb_round_trip_keeps_spikes_labels_description_and_connectivity(run, tmp_path):
    start = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)
    path = write_nwb(run, tmp_path / "run.nwb", session_start_time=start)
    back = read_nwb(path)
    _assert_same_spikes(run, back)
    assert back.duration == run.duration
    assert back.description == run.description
    assert sorted(back.connectivity) == sorted(run.description.projections)
    for name in run.description.projections:
        a, b = run.connectivity[name], back.connectivity[name]
        for field in ("pre", "post", "weight", "delay"):
            np.testing.assert_array_equal(getattr(b, field), getattr(a, field), err_msg=name)
        assert (b.n_pre, b.n_post, b.weight_unit) == (a.n_pre, a.n_post, a.weight_unit)
    np.testing.assert_array_equal(back.state_traces("E")[1], run.state_traces("E")[1])
    assert back.population_rates().equals(run.population_rates())


def test_neo_reads_our_nwb_file(run, tmp_path):
    """Neo's own NWB reader (another tool) gets every unit's spike train, in unit order."""
    from neo.io import NWBIO

    path = write_nwb(run, tmp_path / "run.nwb")
    segment = NWBIO(str(path), mode="r").read_block().segments[0]
    ours = to_neo(run).spiketrains
    assert len(segment.spiketrains) == len(ours)
    for theirs, mine in zip(segment.spiketrains, ours):
        np.testing.assert_array_equal(theirs.rescale("s").magnitude, mine.magnitude)


def test_nwb_keeps_dimensionless_conductance_weights(tmp_path):
    """A conductance network's connectivity (weights relative to the leak, no volts) and a
    StoredActivity without traces go through NWB unchanged."""
    cond = bm.Neuron(synapse="conductance_exp", tau_m=0.02, E_L=-0.07, V_th=-0.05, V_r=-0.06,
                     channels={"e": {"tau": 0.005, "E": 0.0}})
    d = bm.NetworkDescription({"E": bm.Population(50, cond)},
                              {"E->E": bm.Projection(bm.Bernoulli(0.2), 0.01, channel="e",
                                                     weight_cv=0.5)})
    connectivity = realise(d, seed=4)
    spikes = {"E": (np.array([3, 1, 3]), np.array([0.01, 0.02, 0.5]), 50)}
    stored = StoredActivity(spikes, duration=1.0, description=d, connectivity=connectivity)
    back = read_nwb(write_nwb(stored, tmp_path / "c.nwb"))
    c, b = connectivity["E->E"], back.connectivity["E->E"]
    np.testing.assert_array_equal(b.weight, c.weight)
    assert b.weight_unit == c.weight_unit == "1"
    np.testing.assert_array_equal(back.rates()["E"], stored.rates()["E"])


@pytest.mark.parametrize("call, name", [
    (lambda h, p: to_neo("spikes"), "activity"),
    (lambda h, p: to_neo(h, t_stop=float("nan")), "t_stop"),
    (lambda h, p: to_neo(h, t_stop=0.1), "t_stop"),          # before the last spike
    (lambda h, p: from_neo([1, 2]), "segment"),
    (lambda h, p: write_nwb(h, p), "exists"),                # no overwrite
    (lambda h, p: write_nwb(h, p.parent), "directory"),
    (lambda h, p: write_nwb(h, p.parent / "no" / "x.nwb"), "folder"),
    (lambda h, p: write_nwb(h, p.parent / "y.nwb",
                            session_start_time=datetime.datetime(2026, 1, 1)), "timezone"),
    (lambda h, p: write_nwb(h, p.parent / "z.nwb", identifier=""), "identifier"),
    (lambda h, p: read_nwb(p.parent / "missing.nwb"), "path"),
    (lambda h, p: StoredActivity({"E": ([0, 5], [0.1, 0.2], 3)}), "indices"),
    (lambda h, p: StoredActivity({"E": ([0], [np.inf], 3)}), "times"),
    (lambda h, p: StoredActivity({"E": ([0], [0.1], 3)}, duration=-1.0), "duration"),
])
def test_bad_input_names_the_parameter(run, tmp_path, call, name):
    path = tmp_path / "x.nwb"
    path.write_bytes(b"")
    with pytest.raises(ParameterError, match=name):
        call(run, path)

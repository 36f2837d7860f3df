"""Compile-once sweeps: parallel points, atomic point store, resume after interruption."""

import numpy as np
import pytest
from brian2 import Hz, mV, second

import balanced_models as bm
from balanced_models.core.analysis import firing_rates
from balanced_models.engines.brian2.recording import spike_arrays
from balanced_models.engines.brian2.sweeps import run_sweep
from balanced_models.saved_points import PointStore

N, T = 40, 1.0


def build(sim):
    model = bm.lif("delta", E_L=0 * mV, V_th=20 * mV, V_r=10 * mV)
    G = sim.add(model.group(N, drive=["e"]))
    G.K_drive_e, G.w_drive_e = 1, 0.2 * mV
    return dict(G=G, spikes=sim.add(bm.spike_monitor(G)))


def run_args(h, point):
    return {h["G"].rate_drive_e: point["rate"] * Hz}


def extract(h, point):
    return {"rate": firing_rates(*spike_arrays(h["spikes"]), N, 0.2, T)}


def sweep(tmp_path, points, log, **kwargs):
    return run_sweep(build, points, duration=T * second, run_args=run_args, extract=extract,
                     directory=str(tmp_path / "build"), store=PointStore(tmp_path / "points"),
                     processes=2, structure="test", log=log.append, **kwargs)


def test_sweep_runs_points_in_parallel_and_resumes(tmp_path):
    points = [dict(rate=r, seed=s) for r in (5000.0, 6000.0) for s in (1, 2)]
    log = []
    first = sweep(tmp_path, points[:2], log)  # an "interrupted" sweep: half the points
    assert "2 points to run, 0 reused" in log[0]
    log.clear()
    full = sweep(tmp_path, points, log)
    assert "2 points to run, 2 reused" in log[0]
    assert np.array_equal(full[0]["rate"], first[0]["rate"])
    # free-membrane mean 20 ms * 0.2 mV * rate = 20 / 24 mV: the higher drive fires more
    assert full[2]["rate"].mean() > full[0]["rate"].mean() > 0
    # the two seeds of one value differ; a rerun of everything simulates nothing
    assert not np.array_equal(full[0]["rate"], full[1]["rate"])
    log.clear()
    again = sweep(tmp_path, points, log)
    assert log == [] and all(np.array_equal(a["rate"], b["rate"]) for a, b in zip(again, full))


def test_sweep_points_need_integer_seeds(tmp_path):
    with pytest.raises(bm.ParameterError, match="seed"):
        sweep(tmp_path, [dict(rate=1.0)], [])

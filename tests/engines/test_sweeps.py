"""bm.sweep: maps of a description on local processes, Dask and MPI; one compile per
structure; resumable; faults.

The network is Brunel's model A with 500 neurons (C_E = 40), 0.2 s per point: small enough
that a compile (10-20 s) dominates, which is what these tests count."""

import functools
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import balanced_models as bm
from balanced_models.core.sweep_points import point_description
from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate
from balanced_models.sweeps import default_measure

P = BrunelParameters(N_E=400, epsilon=0.1)
NET = model_a(5.0, 2.0, P)
T = 0.2
INH = ("projections.I->E.weight", "projections.I->I.weight")
EXT = ("drives.E.rate", "drives.I.rate")
OVER = {INH: [-4 * P.J, -6 * P.J], EXT: [2 * threshold_rate(P), 3 * threshold_rate(P)]}
SEEDS = [1, 2]
SPIKE_COLUMNS = ["rate_E", "rate_I", "cv_E", "cv_I", "synchrony_E", "synchrony_I"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("structures"))


@pytest.fixture(scope="module")
def local(cache, tmp_path_factory):
    store = str(tmp_path_factory.mktemp("points"))
    table = bm.sweep(NET, OVER, duration=T, seeds=SEEDS, cache_directory=cache, store=store)
    return table, store


def test_a_grid_compiles_once_and_returns_one_row_per_point_and_seed(local):
    table, _ = local
    assert table.attrs["compiles"] == 1 and table.attrs["structures"] == 1
    assert len(table) == 8 and table.attrs["failed"] == 0
    assert list(table.columns[:3]) == ["projections.I->E.weight", "drives.E.rate", "seed"]
    assert (table["error"] == "").all()
    # linked fields move together
    assert (table["projections.I->I.weight"] == table["projections.I->E.weight"]).all()
    # theory sits beside the simulation: the diffusion rate within 10 % where the network is
    # asynchronous (these four points are; finite-size and shot-noise effects are a few %)
    ratio = table["rate_E"] / table["predicted_rate_E"]
    assert ratio.between(0.9, 1.1).all(), ratio.to_list()


def test_a_point_is_the_same_network_simulated_alone(local):
    """Loading a point's values into the compiled structure gives the spikes of building
    that point's network from scratch: bit-identical measures."""
    table, _ = local
    row = table.iloc[6]
    point = {path: row[path] for path in (*INH, *EXT)}
    alone = bm.simulate(point_description(NET, point), T, seed=int(row["seed"]))
    expected = default_measure(alone)
    for column in SPIKE_COLUMNS:
        assert row[column] == expected[column], column


def test_a_rerun_loads_every_point_and_compiles_nothing(local, cache):
    table, store = local
    again = bm.sweep(NET, OVER, duration=T, seeds=SEEDS, cache_directory=cache, store=store)
    assert again.attrs["reused"] == 8 and again.attrs["compiles"] == 0
    pd.testing.assert_frame_equal(again[SPIKE_COLUMNS], table[SPIKE_COLUMNS])


def test_a_refused_value_fails_its_point_only(local, cache):
    """The first point is the grid's first, so its compiled structure is reused: no compile."""
    table, _ = local
    first = {path: table.iloc[0][path] for path in (*INH, *EXT)}
    bad = dict(first, **{"drives.E.rate": -5.0})
    out = bm.sweep(NET, [first, bad], duration=T, seeds=[1], cache_directory=cache)
    assert out.attrs["compiles"] == 0 and out.attrs["failed"] == 1
    assert out.loc[0, "error"] == "" and out.loc[0, "rate_E"] == table.loc[0, "rate_E"]
    assert "drives.E.rate" in out.loc[1, "error"] and "rate" in out.loc[1, "error"]
    assert np.isnan(out.loc[1, "rate_E"])


def test_each_structure_is_compiled_once(cache):
    """Two sizes, two structures; the first (N_E = 400 at the base values) is the grid's
    first point above, compiled already: one compile. One worker, so it switches between
    the structures."""
    out = bm.sweep(NET, {"populations.E.size": [400, 300], INH: [-4 * P.J, -5 * P.J]},
                   duration=T, seeds=[1], cache_directory=cache, executor=1)
    assert out.attrs["structures"] == 2 and out.attrs["compiles"] == 1
    assert out.attrs["failed"] == 0, out["error"].to_list()
    assert out.loc[2, "rate_E"] != out.loc[0, "rate_E"]


def test_nest_runs_through_the_same_sweep(cache):
    """NEST compiles nothing: each point is built anew, with the same values as alone."""
    pytest.importorskip("nest", reason="NEST is not installed")
    out = bm.sweep(NET, {EXT: [2 * threshold_rate(P)]}, duration=T, seeds=[1], engine="nest",
                   cache_directory=cache, executor=1)
    assert out.attrs["compiles"] == 0 and out.attrs["failed"] == 0
    alone = default_measure(bm.simulate(point_description(NET, {p: 2 * threshold_rate(P)
                                                                for p in EXT}),
                                        T, seed=1, engine="nest"))
    for column in SPIKE_COLUMNS:
        assert out.loc[0, column] == alone[column], column


def test_a_grid_becomes_a_dataset(local):
    xarray = pytest.importorskip("xarray")
    table, _ = local
    data = bm.as_dataset(table)
    assert isinstance(data, xarray.Dataset)
    assert dict(data.sizes) == {"projections.I->E.weight": 2, "drives.E.rate": 2, "seed": 2}
    row = table.loc[3]
    assert float(data["rate_E"].sel({"projections.I->E.weight": row[INH[0]],
                                     "drives.E.rate": row[EXT[0]], "seed": 2})) == row["rate_E"]


def test_bad_arguments_name_the_parameter(cache):
    from theory.errors import ParameterError
    for kwargs, words in [(dict(duration=float("nan")), "duration"),
                          (dict(duration=T, seeds=[1, 1]), "seeds"),
                          (dict(duration=T, seeds=[-1]), "seed"),
                          (dict(duration=T, engine="neuron"), "engine"),
                          (dict(duration=T, measure=lambda h: {}), "picklable"),
                          (dict(duration=T, executor="dask"), "executor"),
                          (dict(duration=T, executor=0), "executor"),
                          (dict(duration=T, force="yes"), "force"),
                          (dict(duration=T, engine_options=[1]), "engine_options"),
                          (dict(duration=T, engine_options={"thread": 2}), "thread"),
                          (dict(duration=T, store=3), "store")]:
        with pytest.raises(ParameterError, match=words):
            bm.sweep(NET, OVER, cache_directory=cache, **kwargs)
    with pytest.raises(ParameterError, match="no entry 'X->E'"):
        bm.sweep(NET, {"projections.X->E.weight": [1.0]}, duration=T, cache_directory=cache)


# ---------------------------------------------------------------------------------------------
# other executors
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_client(tmp_path_factory):
    """Two worker processes with one thread each; their temporary files (Brian2's logs, which
    a killed worker cannot remove) go to a folder of their own."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        env={"TMPDIR": str(tmp_path_factory.mktemp("dask_workers"))})
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_gives_the_same_table(local, dask_client, tmp_path):
    """A fresh cache: the Dask workers compile the structure once and give bit-identical
    spike-derived values for the same seeds."""
    table, _ = local
    out = bm.sweep(NET, OVER, duration=T, seeds=SEEDS, cache_directory=str(tmp_path),
                   executor=dask_client)
    assert out.attrs["compiles"] == 1
    pd.testing.assert_frame_equal(out[SPIKE_COLUMNS], table[SPIKE_COLUMNS])


def _logged_measure(handles, *, directory):
    """default_measure, and a line per computation (which points ran, and where)."""
    values = default_measure(handles)
    with open(os.path.join(directory, f"{os.getpid()}.log"), "a") as f:
        f.write(f"{handles.description.projections['I->E'].weight!r} "
                f"{handles.description.drives['E'][0].rate!r} {handles.seed}\n")
    return values


def test_a_killed_dask_worker_loses_only_its_running_point(local, dask_client, cache,
                                                           tmp_path):
    table, _ = local
    log = tmp_path / "computed"
    log.mkdir()
    store = tmp_path / "points"
    over = {INH: [-4 * P.J, -6 * P.J], EXT: [2 * threshold_rate(P), 3 * threshold_rate(P)]}
    seeds = [1, 2, 3, 4, 5, 6]
    measure = functools.partial(_logged_measure, directory=str(log))
    pids = list(dask_client.run(os.getpid).values())
    killed = []

    def kill_once(line):
        if not killed and line.startswith("[sweep] 3/"):
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    out = bm.sweep(NET, over, duration=T, seeds=seeds, cache_directory=cache,
                   executor=dask_client, store=str(store), measure=measure, log=kill_once)
    assert killed and out.attrs["failed"] == 0 and len(out) == 24
    assert len(list(store.glob("*.npz"))) == 24
    lines = [line for f in log.iterdir() for line in f.read_text().splitlines()]
    counts = pd.Series(lines).value_counts()
    assert len(counts) == 24
    assert (counts > 1).sum() <= 1, counts[counts > 1]
    merged = out[out.seed <= 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(merged[SPIKE_COLUMNS], table[SPIKE_COLUMNS])


def test_a_killed_local_worker_costs_only_the_running_points(local, cache, tmp_path,
                                                            monkeypatch):
    """The default pool breaks as a whole when one of its processes dies: the sweep starts a
    new one and runs again what was running (on either worker), nothing that finished. The
    workers' temporary files (Brian2's logs, which killed processes cannot remove) go to a
    folder of their own."""
    import multiprocessing
    (tmp_path / "workers").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "workers"))
    log = tmp_path / "computed"
    log.mkdir()
    measure = functools.partial(_logged_measure, directory=str(log))
    killed = []

    def kill_once(line):
        if not killed and line.startswith("[sweep] 3/"):
            workers = multiprocessing.active_children()
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    out = bm.sweep(NET, OVER, duration=T, seeds=[1, 2, 3], cache_directory=cache,
                   measure=measure, log=kill_once, executor=2)
    assert killed and out.attrs["failed"] == 0 and len(out) == 12
    counts = pd.Series([line for f in log.iterdir()
                        for line in f.read_text().splitlines()]).value_counts()
    assert len(counts) == 12 and (counts > 1).sum() <= 2, counts[counts > 1]
    table, _ = local
    pd.testing.assert_frame_equal(out[out.seed <= 2].reset_index(drop=True)[SPIKE_COLUMNS],
                                  table[SPIKE_COLUMNS])


_MPI_SCRIPT = """
import sys
from mpi4py.futures import MPIPoolExecutor
sys.path.insert(0, {tests!r})
import test_sweeps as t
import balanced_models as bm
if __name__ == "__main__":
    with MPIPoolExecutor() as pool:
        table = bm.sweep(t.NET, t.OVER, duration=t.T, seeds=t.SEEDS, executor=pool,
                         cache_directory={cache!r})
    table.to_pickle({out!r})
"""


def test_mpi_gives_the_same_table(local, tmp_path):
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (the mpi extra)")
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("no MPI here (mpirun not found; Debian: apt install openmpi-bin)")
    table, _ = local
    script, out = tmp_path / "sweep_mpi.py", tmp_path / "table.pkl"
    script.write_text(_MPI_SCRIPT.format(tests=os.path.dirname(__file__),
                                         cache=str(tmp_path / "cache"), out=str(out)))
    args = [mpirun, "-n", "2", "--oversubscribe"]
    if os.geteuid() == 0:
        args.append("--allow-run-as-root")
    # a clean start: its own folder and temporary folder, no MPI variables of this process
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMPI_", "PMIX_", "OPAL_", "PRTE_"))}
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run(args + [sys.executable, "-m", "mpi4py.futures", str(script)],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    mpi = pd.read_pickle(out)
    assert mpi.attrs["compiles"] == 1
    pd.testing.assert_frame_equal(mpi[SPIKE_COLUMNS], table[SPIKE_COLUMNS])

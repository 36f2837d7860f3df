"""One compiled C++ standalone network, re-run with new seeds and values without recompiling.

Rates are checked against the Siegert rate with the tolerance argument of
reproductions/siegert.py: the measured rate lies between the diffusion-theory rate and the
rate with threshold and reset shifted by delta = (alpha/2)(sigma sqrt(dt/tau_m) + J) (time
step and jump size), widened by Z standard errors over independent neurons.
"""

import os

import numpy as np
import pytest
from brian2 import Hz, mV, second

import balanced_models as bm
from balanced_models.core.analysis import firing_rates
from balanced_models.engines.brian2.recording import spike_arrays
from theory import siegert_rate, threshold_shift
from theory.heterogeneity import external_rates_for_input

TAU, TH, VR, REF, J, DT = 0.02, 0.02, 0.01, 0.002, 0.05e-3, 0.05e-3
N, T, T0, Z = 300, 3.0, 0.2, 4.0


def drive_rates(mu, sigma):
    return external_rates_for_input(mu, sigma, J, -J, TAU)


def expected_interval(mu, sigma, se):
    delta = threshold_shift(sigma, TAU, DT, J)
    exact = siegert_rate(mu, sigma, TAU, TH, VR, REF)
    shifted = siegert_rate(mu, sigma, TAU, TH + delta, VR + delta, REF)
    return shifted - Z * se, exact + Z * se


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path_factory.mktemp("build")),
                        seed=1, dt=DT * second)
    model = bm.lif("delta", tau_m=TAU * second, E_L=0 * mV, V_th=TH * 1e3 * mV,
                   V_r=VR * 1e3 * mV, refractory=REF * second)
    G = sim.add(model.group(N, drive=["e", "i"]))
    nu_e, nu_i = drive_rates(0.018, 0.004)
    bm.set_poisson_drive(G, model, "e", K=1, rate=nu_e * Hz, weight=J * 1e3 * mV)
    bm.set_poisson_drive(G, model, "i", K=1, rate=nu_i * Hz, weight=-J * 1e3 * mV)
    spikes = sim.add(bm.spike_monitor(G))
    sim.run(T * second)
    first = spike_arrays(spikes)
    binary = os.path.join(sim.directory, "main")
    return dict(sim=sim, G=G, spikes=spikes, first=first, binary_mtime=os.path.getmtime(binary))


def measured_rate(spikes):
    rates = firing_rates(*spike_arrays(spikes), N, T0, T)
    return rates.mean(), rates.std(ddof=1) / np.sqrt(N)


def test_poisson_driven_lif_rate_matches_siegert(compiled):
    i, t = compiled["first"]
    rates = firing_rates(i, t, N, T0, T)
    rate, se = rates.mean(), rates.std(ddof=1) / np.sqrt(N)
    low, high = expected_interval(0.018, 0.004, se)
    assert low <= rate <= high


def test_same_seed_reproduces_and_new_seed_differs(compiled):
    sim, spikes = compiled["sim"], compiled["spikes"]
    sim.execute(seed=1)
    i, t = spike_arrays(spikes)
    assert np.array_equal(i, compiled["first"][0]) and np.array_equal(t, compiled["first"][1])
    sim.execute(seed=2)
    i2, t2 = spike_arrays(spikes)
    assert len(i2) > 1000 and not (len(i2) == len(i) and np.array_equal(t2, t))


def test_run_args_change_input_without_recompiling(compiled):
    sim, G = compiled["sim"], compiled["G"]
    nu_e, nu_i = drive_rates(0.022, 0.003)
    sim.execute(run_args={G.rate_drive_e: nu_e * Hz, G.rate_drive_i: nu_i * Hz}, seed=3)
    rate, se = measured_rate(compiled["spikes"])
    low, high = expected_interval(0.022, 0.003, se)
    assert low <= rate <= high
    assert os.path.getmtime(os.path.join(sim.directory, "main")) == compiled["binary_mtime"]


def test_poisson_count_has_the_poisson_distribution(tmp_path):
    """The C++ table sampler behind the built-in drive, one draw per neuron. Neurons with the
    same mean are consecutive, so all but the first draw of each block come from the table
    (means below 16: the alias table; 20: Brian2's PTRS). Chi-square goodness of fit per mean,
    tails pooled into the end cells: p > 1e-4 each (8 means: a false alarm below 1e-3)."""
    from brian2 import NeuronGroup, ms

    means = np.array([0.05, 0.5, 2.0, 9.5, 10.06, 12.0, 15.9, 20.0])
    n_per = 8000
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=3)
    G = sim.add(NeuronGroup(len(means) * n_per, "lam : 1\nk : 1",
                            namespace={"poisson_count": bm.inputs.poisson_count}))
    G.lam = np.repeat(means, n_per)
    G.run_regularly("k = poisson_count(lam)")
    sim.run(0.1 * ms)  # one time step: one draw per neuron
    k = np.asarray(G.k).reshape(len(means), n_per)
    for row, lam in enumerate(means):
        values = k[row]
        assert np.all(values == np.round(values)) and values.min() >= 0
        p = _chi_square_p(values, lam)
        assert p > 1e-4, (lam, p)


def _chi_square_p(values, lam):
    """Chi-square goodness of fit of integer draws to Poisson(lam), tails pooled into the end
    cells (each expected >= 5)."""
    from scipy import stats

    n = len(values)
    support = np.arange(int(lam + 10 * np.sqrt(lam) + 5))
    cells = support[n * stats.poisson.pmf(support, lam) >= 5]
    lo, hi = cells[0], cells[-1]
    expected = n * stats.poisson.pmf(cells, lam)
    expected[0] = n * stats.poisson.cdf(lo, lam)
    expected[-1] = n * stats.poisson.sf(hi - 1, lam)
    observed = np.bincount(np.clip(values, lo, hi).astype(int) - lo, minlength=len(cells))
    if len(cells) == 1:  # all the mass in one cell: nothing to test beyond the mean
        return 1.0
    return stats.chisquare(observed, expected).pvalue


def test_poisson_count_at_the_edges_of_its_table_and_its_seeds(tmp_path):
    """The alias table's edges: a mean so small that all but 4 of its 64 entries are dropped
    (1e-3), the largest mean the table takes (15.999) and the first that Brian2's sampler
    takes (16.0), and a mean that changes with every neuron (no table: Brian2's sampler).
    Per mean, 40,000 draws: a chi-square test (p > 1e-4) for the three fixed means, and the
    mean within 4.5 standard errors for all four (a false alarm below 4e-4 in all). The same seed
    in another process gives the same draws, bit for bit; another seed gives others."""
    from brian2 import NeuronGroup, ms

    means = [1e-3, 15.999, 16.0]
    n_per = 40000
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=3)
    G = sim.add(NeuronGroup((len(means) + 1) * n_per, "lam : 1\nk : 1",
                            namespace={"poisson_count": bm.inputs.poisson_count}))
    varying = 2.0 + np.linspace(0.0, 1.0, n_per)  # a new mean every neuron
    G.lam = np.concatenate([np.repeat(means, n_per), varying])
    G.run_regularly("k = poisson_count(lam)")
    sim.run(0.1 * ms)
    k = np.asarray(G.k).reshape(len(means) + 1, n_per)
    for row, lam in enumerate(means):
        assert _chi_square_p(k[row], lam) > 1e-4, lam
        assert abs(k[row].mean() - lam) < 4.5 * np.sqrt(lam / n_per), lam
    # the varying block: the mean of its means
    assert abs(k[-1].mean() - varying.mean()) < 4.5 * np.sqrt(varying.mean() / n_per)
    first = k.copy()
    sim.execute(seed=3)
    assert np.array_equal(np.asarray(G.k).reshape(first.shape), first)
    sim.execute(seed=4)
    assert not np.array_equal(np.asarray(G.k).reshape(first.shape), first)


def test_poisson_count_moments_to_one_part_in_ten_thousand(tmp_path):
    """5 million draws per mean from the alias table (25 steps of 200,000 neurons): the mean
    and the variance within 4.5 standard errors of lam (SE sqrt(lam/n) and
    sqrt((lam + 2 lam^2)/n): about 5e-4 at lam = 1), which a bias of 1e-3 in a table entry
    would exceed."""
    from brian2 import NeuronGroup, ms

    means, n, steps = [1.0, 5.0], 200000, 25
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=11)
    G = sim.add(NeuronGroup(len(means) * n, "lam : 1\ns : 1\ns2 : 1",
                            namespace={"poisson_count": bm.inputs.poisson_count}))
    G.lam = np.repeat(means, n)
    G.run_regularly("k = poisson_count(lam)\ns += k\ns2 += k*k")
    sim.run(steps * 0.1 * ms)
    total = np.asarray(G.s).reshape(len(means), n).sum(axis=1)
    squares = np.asarray(G.s2).reshape(len(means), n).sum(axis=1)
    for lam, s1, s2 in zip(means, total, squares):
        draws = n * steps
        mean, var = s1 / draws, s2 / draws - (s1 / draws) ** 2
        assert abs(mean - lam) < 4.5 * np.sqrt(lam / draws), (lam, mean)
        assert abs(var - lam) < 4.5 * np.sqrt((lam + 2 * lam**2) / draws), (lam, var)


def test_streamed_connectivity_is_realised_exactly_and_can_be_swapped(tmp_path):
    """Standalone synapses are created from the connectivity files in presynaptic-major
    order: indices, per-synapse weights and delays equal the Connectivity's. A second
    realisation (another synapse count) runs from the same binary without recompiling."""
    from brian2 import ms

    rng = np.random.default_rng(5)
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=1)
    model = bm.lif("delta", tau_m=20 * ms, E_L=0 * mV, V_th=20 * mV, V_r=10 * mV)
    G = sim.add(model.group(50, name="g"))
    H = sim.add(model.group(30, name="h"))
    jittered = dict(weight_unit="V", weight_cv=0.3, delay=(1e-3, 3e-3))
    c1 = bm.fixed_indegree(50, 30, 7, 0.2e-3, rng=rng, **jittered)
    c2 = bm.bernoulli(50, 50, 0.1, -0.5e-3, weight_unit="V", rng=rng, delay=1.5e-3)
    S1 = sim.add(bm.connect(G, H, c1, model, "x", name="s1"))
    S2 = sim.add(bm.connect(G, G, c2, model, "x", name="s2"))
    sim.run(1 * ms)

    def realised(S, c):
        assert len(S) == len(c)
        assert np.array_equal(S.i[:], c.pre) and np.array_equal(S.j[:], c.post)
        assert np.allclose(np.asarray(S.w_[:]), c.weight, rtol=0, atol=1e-15)
        assert np.allclose(np.asarray(S.delay_[:]), c.delay, rtol=0, atol=1e-15)

    realised(S1, c1)
    realised(S2, c2)
    compiled = os.path.getmtime(os.path.join(str(tmp_path), "main"))
    c1b = bm.fixed_indegree(50, 30, 9, 0.3e-3, rng=rng, **jittered)
    bm.rewrite_connectivity(S1, c1b)
    sim.execute()
    realised(S1, c1b)
    assert os.path.getmtime(os.path.join(str(tmp_path), "main")) == compiled
    with pytest.raises(bm.ParameterError, match="streamed"):
        bm.rewrite_connectivity(G, c1b)
    with pytest.raises(bm.ParameterError, match="compiled value"):
        bm.rewrite_connectivity(S2, bm.bernoulli(50, 50, 0.1, -0.5e-3, weight_unit="V", rng=rng,
                                                 delay=2e-3))
    # another shared weight is a run-time value: returned as run_args for the next execute
    c2b = bm.bernoulli(50, 50, 0.1, -0.6e-3, weight_unit="V", rng=rng, delay=1.5e-3)
    run_args = bm.rewrite_connectivity(S2, c2b)
    assert list(run_args) == [S2.w] and float(run_args[S2.w]) == pytest.approx(-0.6e-3)
    sim.execute(run_args=run_args)
    assert len(S2) == len(c2b) and float(np.ravel(S2.w_[:])[0]) == pytest.approx(-0.6e-3)
    assert os.path.getmtime(os.path.join(str(tmp_path), "main")) == compiled
    with pytest.raises(bm.ParameterError, match="50 -> 30"):
        bm.rewrite_connectivity(S1, c2)


def test_streamed_spike_trains_play_exactly_and_can_be_swapped(tmp_path):
    """A standalone spike source reads its trains from a file: the emitted spikes are exactly
    the given ones (on the dt grid, same-step duplicates dropped), across two run phases, and
    other trains (another count) run from the same binary without recompiling."""
    from brian2 import SpikeMonitor, ms

    rng = np.random.default_rng(3)
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=1)

    def trains(n):
        return rng.integers(0, 20, n), rng.uniform(0, 0.02, n)

    first = trains(300)
    X, dropped = bm.spike_source(20, *first, dt=0.1 * ms, name="X")
    monitor = SpikeMonitor(X, name="x_spikes")
    sim.add(X, monitor)
    sim.network.run(8 * ms)  # two phases: the second resumes where the first stopped
    sim.network.run(12 * ms)
    sim.execute()

    def played(indices, times, n_dropped):
        steps = np.floor(np.asarray(times) / 1e-4 + 1e-9).astype(int)
        expected = set(zip(steps.tolist(), np.asarray(indices).tolist()))
        got = list(zip(np.rint(np.asarray(monitor.t_[:]) / 1e-4).astype(int).tolist(),
                       np.asarray(monitor.i[:]).tolist()))
        assert len(got) == len(set(got)) == len(expected) == len(steps) - n_dropped
        assert set(got) == expected

    played(*first, dropped)
    compiled = os.path.getmtime(os.path.join(str(tmp_path), "main"))
    second = trains(520)
    dropped = bm.rewrite_spike_trains(X, *second)
    sim.execute()
    played(*second, dropped)
    assert os.path.getmtime(os.path.join(str(tmp_path), "main")) == compiled
    with pytest.raises(bm.ParameterError, match="indices"):
        bm.rewrite_spike_trains(X, [25], [0.001])
    with pytest.raises(bm.ParameterError, match="times must lie in"):
        bm.rewrite_spike_trains(X, [1], [np.nan])


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2", "abc", None])
def test_simulation_threads_must_be_a_positive_integer(threads):
    with pytest.raises(bm.ParameterError, match="threads must be an integer >= 1"):
        bm.Simulation("cpp_standalone", threads=threads)


def test_results_of_a_standalone_network_stay_readable_after_another_is_built():
    """Brian2 has one standalone device per process: building a second network makes it
    forget the first one's arrays. The first network's handles read their recordings into
    memory before that, so both runs can be analysed side by side."""
    def net(n, weight):
        cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
        return bm.NetworkDescription(
            {"E": bm.Population(n, cell)},
            projections={"E->E": bm.Projection(bm.FixedInDegree(20), weight, delay=1.5e-3)},
            drives={"E": bm.PoissonDrive(K=200, rate=100.0, weight=0.1e-3)},
            record=bm.Recording(states={"E": (("v",), 3, 1e-3)}))

    first = bm.simulate(net(100, 0.1e-3), duration=0.3, seed=1)
    before = (first.population_rates(), first.state_traces("E")[1].copy())
    second = bm.simulate(net(150, -0.1e-3), duration=0.3, seed=1)
    assert first.population_rates().equals(before[0])
    assert np.array_equal(first.state_traces("E")[1], before[1])
    assert second.population_rates().loc["E", "simulated_rate"] < \
        before[0].loc["E", "simulated_rate"]  # inhibitory recurrence

    # a closed network has nothing left to read: the next one builds (this failed reading
    # the removed project's results)
    second.simulation.close()
    third = bm.simulate(net(100, 0.1e-3), duration=0.3, seed=1)
    assert third.population_rates().equals(before[0])  # same network and seed, same spikes


def test_a_loaded_description_stays_loaded(tmp_path):
    """load_realisation returns everything loaded so far: loading the same values again (a
    new but equal description) must not fall back to the compiled weights, which a shared
    weight, a run-time value, would otherwise do on the next execute; and going back to the
    compiled weight must not keep the last one loaded."""
    from dataclasses import replace

    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)

    def network(g):
        return bm.NetworkDescription(
            {"E": bm.Population(40, cell), "I": bm.Population(10, cell)},
            projections={"I->E": bm.Projection(bm.FixedInDegree(5), weight=-g * 1e-4,
                                               delay=1e-3)},
            drives={"E": bm.PoissonDrive(100, 20.0, 1e-4), "I": bm.PoissonDrive(100, 20.0,
                                                                                  1e-4)})
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=1)
    h = bm.build(network(3.0), seed=1, simulation=sim)
    sim.run(0.01 * second)
    for g in (5.0, 5.0, 7.0, 7.0, 3.0):
        sim.execute(bm.load_realisation(h, description=replace(network(g))), seed=2)
        assert np.allclose(np.ravel(h["I->E"].w_[:]), -g * 1e-4)

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
from balanced_models.analysis import firing_rates, spike_arrays
from theory import ALPHA_SHIFT, siegert_rate

TAU, TH, VR, REF, J, DT = 0.02, 0.02, 0.01, 0.002, 0.05e-3, 0.05e-3
N, T, T0, Z = 300, 3.0, 0.2, 4.0


def drive_rates(mu, sigma):
    total, diff = sigma**2 / (TAU * J**2), mu / (TAU * J)
    return 0.5 * (total + diff), 0.5 * (total - diff)


def expected_interval(mu, sigma, se):
    delta = 0.5 * ALPHA_SHIFT * (sigma * np.sqrt(DT / TAU) + J)
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
    """The C++ table sampler behind the built-in drive, one draw per neuron. Means alternate
    between neurons, so the cached table is rebuilt at every draw; 12 uses the PTRS fallback.
    Chi-square goodness of fit per mean, tails pooled into the end cells: p > 1e-4."""
    from brian2 import NeuronGroup, ms
    from scipy import stats

    means = np.array([0.05, 0.5, 2.0, 9.5, 12.0])
    n_per = 8000
    sim = bm.Simulation("cpp_standalone", directory=str(tmp_path), seed=3)
    G = sim.add(NeuronGroup(len(means) * n_per, "lam : 1\nk : 1",
                            namespace={"poisson_count": bm.inputs.poisson_count}))
    G.lam = np.tile(means, n_per)
    G.run_regularly("k = poisson_count(lam)")
    sim.run(0.1 * ms)  # one time step: one draw per neuron
    k = np.asarray(G.k).reshape(n_per, len(means))
    for col, lam in enumerate(means):
        values = k[:, col]
        assert np.all(values == np.round(values)) and values.min() >= 0
        support = np.arange(int(lam + 10 * np.sqrt(lam) + 5))
        cells = support[n_per * stats.poisson.pmf(support, lam) >= 5]
        lo, hi = cells[0], cells[-1]
        expected = n_per * stats.poisson.pmf(cells, lam)
        expected[0] = n_per * stats.poisson.cdf(lo, lam)
        expected[-1] = n_per * stats.poisson.sf(hi - 1, lam)
        observed = np.bincount(np.clip(values, lo, hi).astype(int) - lo, minlength=len(cells))
        p = stats.chisquare(observed, expected).pvalue
        assert p > 1e-4, (lam, p)

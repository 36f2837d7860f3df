"""balanced_models.core.spectra (bm.spectra) on synthetic records with known statistics."""

import numpy as np

import balanced_models as bm


def test_synchrony_of_identical_and_of_independent_trains():
    rng = np.random.default_rng(4)
    N, T, dt = 200, 20.0, 3e-3
    times = np.sort(rng.uniform(0, T, 400))
    same = bm.spectra.synchrony(np.repeat(np.arange(N), times.size), np.tile(times, N), N,
                                0.0, T, dt)
    assert same == 1.0 or abs(same - 1.0) < 1e-12
    idx = rng.integers(0, N, 80_000)
    independent = bm.spectra.synchrony(idx, rng.uniform(0, T, idx.size), N, 0.0, T, dt)
    # Poisson neurons: chi^2 = 1/N up to the sampling error of the variances (a few %)
    assert abs(independent**2 * N - 1) < 0.1


def test_cross_spectrum_and_covariance_function_of_a_shared_component():
    """a(t) = s(t + d) + n1, b(t) = s(t) + n2 with independent white noises: b follows a by
    d, so c_ab(tau) = cov(a(t), b(t + tau)) peaks at tau = d with the variance of s and
    C_ab(f) = S_s e^(-2 pi i f d)."""
    rng = np.random.default_rng(7)
    dt, n, d = 1e-3, 400_000, 5
    s = rng.normal(0, 1, n + d)
    a = s[d:] + rng.normal(0, 1, n)
    b = s[:n] + rng.normal(0, 1, n)
    table = bm.spectra.activity_cross_spectrum(a, b, dt, 0.5)
    f = table["frequency"].to_numpy()
    inside = (f > 0) & (f < 400)
    expected = dt * np.exp(-2j * np.pi * f * d * dt)  # white s of variance 1: S_s = dt
    z = np.abs(table["spectrum"].to_numpy() - expected) / table["spectrum_se"].to_numpy()
    assert np.mean(z[inside] < 3) > 0.95
    auto = bm.spectra.activity_spectrum(a, dt, 0.5)
    assert abs(auto["spectrum"][inside].mean() / (2 * dt) - 1) < 0.02
    c = bm.spectra.covariance_function(a, b, dt, 0.02)
    peak = c.loc[c["covariance"].idxmax()]
    assert abs(peak["lag"] - d * dt) < 1e-12 and abs(peak["covariance"] - 1) < 0.02


def test_neuron_resolved_spectra_equal_the_population_level_on_a_regular_network():
    """With every in-degree and every out-degree fixed (a regular wiring), averaging the
    neuron-resolved linear response over populations is the population-level response
    exactly: the two spectra must agree to rounding."""
    from dataclasses import replace

    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    sizes, K = {"E": 400, "I": 100}, {"E": 40, "I": 10}
    weight = {"E": 0.2e-3, "I": -1.0e-3}

    def regular(source, target):
        i, k = np.divmod(np.arange(sizes[target] * K[source]), K[source])
        return bm.ExplicitConnections(source=tuple((i * K[source] + k) % sizes[source]),
                                      target=tuple(i))

    pops = {p: bm.Population(n, cell) for p, n in sizes.items()}
    drives = dict.fromkeys(sizes, bm.PoissonDrive(K=100, rate=150.0, weight=0.2e-3))
    names = [f"{s}->{t}" for s in sizes for t in sizes]
    population = bm.NetworkDescription(pops, projections={
        n: bm.Projection(bm.FixedInDegree(K[n[0]]), weight=weight[n[0]], delay=1.5e-3)
        for n in names}, drives=drives)
    explicit = replace(population, projections={
        n: bm.Projection(regular(n[0], n[-1]), weight=weight[n[0]], delay=1.5e-3)
        for n in names})
    f = np.array([0.0, 20.0, 80.0, 150.0, 400.0])
    expected = bm.spectrum_prediction(population, f)
    resolved = bm.spectrum_prediction(explicit, f, bm.realise(explicit, 1))
    assert np.allclose(resolved.attrs["rates"], np.repeat(expected.attrs["rates"], [400, 100]),
                       rtol=1e-8)
    assert np.allclose(resolved.to_numpy(), expected.to_numpy(), rtol=1e-6)


def test_time_stepped_spectra_of_brunel_model_a():
    """method='time_stepped': the self-consistent rate is a fixed point of the chain with
    the network's inputs (to the solver's 1e-7), and the cases it does not cover are
    refused."""
    import pytest

    from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate
    from theory.time_stepped_lif import time_stepped_rate

    p = BrunelParameters(N_E=2000, epsilon=0.5)
    d = model_a(5.0, 2.0, p)
    f = np.array([10.0, 120.0])
    table = bm.spectrum_prediction(d, f, method="time_stepped")
    nu = table.attrs["rates"][0]
    again = time_stepped_rate([p.J, -5.0 * p.J, p.J],
                              [p.C_E * nu, p.C_I * nu, p.C_E * 2.0 * threshold_rate(p)],
                              p.tau_m, p.V_th, p.V_r, p.tau_ref, dt=p.dt)
    assert again == pytest.approx(nu, rel=1e-6)
    # close to the diffusion theory's working point (37.2 Hz), which leaves out shot noise
    assert nu == pytest.approx(37.2, rel=0.02)
    with pytest.raises(bm.ParameterError, match="method"):
        bm.spectrum_prediction(d, f, method="exact")
    with pytest.raises(bm.ParameterError, match="population level"):
        bm.spectrum_prediction(d, f, bm.realise(d, 1), method="time_stepped")

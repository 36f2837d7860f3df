"""PoissonDrive(noise='gaussian'): the diffusion approximation of a Poisson drive keeps the
mean and variance of the input and drops its higher cumulants.

An exponential conductance channel (tau) driven by K inputs at rate r with weight w, forward
Euler with step dt (a = 1 - dt/tau): each step g -> a g + n w/tau, n the step's event count.
Every cumulant of a Poisson count is lambda dt (lambda = K r); the Gaussian count has the same
first two and none above. So in the stationary state the j-th cumulant of g is
lambda dt (w/tau)^j / (1 - a^j) (Poisson, every j) and the same for j = 1, 2 and 0 for j > 2
(Gaussian). Sampled over n independent neurons, the mean, variance and skewness are checked
within 4 standard errors (SE of the sample variance sqrt((k4 + 2 k2^2)/n), of the skewness
sqrt(6/n)): a chance failure below 1e-3 for the six comparisons.
"""

import numpy as np
import pytest
from scipy import stats

import balanced_models as bm

TAU, K, RATE, W, DT, N = 5e-3, 100, 40.0, 0.01, 1e-4, 10_000


def stationary_cumulant(j):
    a = 1.0 - DT / TAU
    return K * RATE * DT * (W / TAU) ** j / (1.0 - a**j)


def test_gaussian_drive_keeps_mean_and_variance_and_drops_the_skew():
    # a conductance neuron that never fires (v stays below E_e = 0 < V_th)
    cell = bm.Neuron(synapse="conductance_exp", E_L=-0.07, V_th=0.05, V_r=-0.07,
                     channels={"e": {"tau": TAU, "E": 0.0}})
    d = bm.NetworkDescription(
        populations={"P": bm.Population(N, cell), "G": bm.Population(N, cell)},
        drives={"P": bm.PoissonDrive(K, RATE, W, "e"),
                "G": bm.PoissonDrive(K, RATE, W, "e", noise="gaussian")}, dt=DT)
    h = bm.simulate(d, 30 * TAU, seed=3, device="runtime")  # from g = 0: e^-30 left
    k1, k2, k3, k4 = (stationary_cumulant(j) for j in (1, 2, 3, 4))
    for pop, (skew, kurt) in {"P": (k3 / k2**1.5, k4), "G": (0.0, 0.0)}.items():
        g = np.asarray(h.populations[pop].g_e_[:])
        assert g.mean() == pytest.approx(k1, abs=4 * np.sqrt(k2 / N)), pop
        assert g.var(ddof=1) == pytest.approx(k2, abs=4 * np.sqrt((kurt + 2 * k2**2) / N)), pop
        assert stats.skew(g) == pytest.approx(skew, abs=4 * np.sqrt(6 / N)), pop
    # the skew of the Poisson channel, 0.94/sqrt(lambda tau) = 0.21, is 9 SE from zero


def test_gaussian_drive_is_compiled_in_and_refused_by_nest():
    cell = bm.Neuron(synapse="conductance_exp", E_L=-0.07, V_th=-0.05, V_r=-0.07,
                     channels={"e": {"tau": TAU, "E": 0.0}})

    def network(noise):
        return bm.NetworkDescription(populations={"E": bm.Population(10, cell)},
                                     drives={"E": bm.PoissonDrive(K, RATE, W, "e", noise=noise)},
                                     dt=DT)
    h = bm.build(network("poisson"), seed=1, simulation=bm.Simulation("runtime", seed=1))
    with pytest.raises(bm.ParameterError,
                       match=r"drives\['E'\] \(channels and noise\) is compiled"):
        bm.load_realisation(h, 2, description=network("gaussian"))
    with pytest.raises(bm.ParameterError, match="noise"):
        bm.PoissonDrive(K, RATE, W, "e", noise="white")
    from balanced_models.engines.nest.engine import check_supported
    with pytest.raises(bm.ParameterError, match="Brian2 engine"):
        check_supported(network("gaussian"))

"""The neuron-resolved theory (theory.heterogeneity): working point, effective connectivity and
covariances."""

import numpy as np
import pytest

from balanced_models.papers.layer import LayerParameters, dense_matrix, realise
from theory import siegert_rate
from theory.errors import ParameterError
from theory.heterogeneity import (
    covariances,
    effective_connectivity,
    input_moments,
    participation_ratio,
    resolved_theory,
    working_point,
)

ARGS = (0.02, 0.015, 0.0, 0.002)  # tau_m, V_th, V_r, tau_ref


def small_network(seed=0):
    """The Layer example network at a fifth of its size, realised by the core (no engine)."""
    p = LayerParameters(N_E=160, N_I=40)
    return p, dense_matrix(p, realise(p, seed))


def test_working_point_is_self_consistent_and_matches_population_theory():
    p, J = small_network()
    J_x, nu_x = p.external()
    wp = working_point(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, damping=0.5)
    mu, sigma = input_moments(J, wp["nu"], 0.02, J_x, nu_x, p.mu_dc)
    assert np.abs(siegert_rate(mu, sigma, *ARGS) - wp["nu"]).max() < 1e-8
    # a homogeneous network (every row the same in-degree and weights) has one rate
    Jh = np.tile(J.mean(axis=0), (p.N, 1))
    wph = working_point(Jh, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, damping=0.5)
    assert np.ptp(wph["nu"]) < 1e-9


def test_effective_connectivity_is_the_derivative_of_the_rate_map():
    p, J = small_network(1)
    J_x, nu_x = p.external()
    wp = working_point(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, damping=0.5)
    W, _, _ = effective_connectivity(J, wp, *ARGS)
    for j in (0, 170):  # an E and an I presynaptic neuron
        h = 1e-4
        nu_plus, nu_minus = wp["nu"].copy(), wp["nu"].copy()
        nu_plus[j] += h
        nu_minus[j] -= h
        rates = [siegert_rate(*input_moments(J, nu, 0.02, J_x, nu_x, p.mu_dc), *ARGS)
                 for nu in (nu_plus, nu_minus)]
        assert np.allclose((rates[0] - rates[1]) / (2 * h), W[:, j], rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("dt", [0.0, 1e-4])
def test_effective_connectivity_with_the_time_step_shift_is_its_rate_maps_derivative(dt):
    """With dt the working point solves nu = Phi_dt(mu, sigma) and W is the derivative of that
    map (the shift's sigma dependence included)."""
    p, J = small_network(2)
    J_x, nu_x = p.external()
    wp = working_point(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, damping=0.5, dt=dt)
    assert np.abs(siegert_rate(*input_moments(J, wp["nu"], 0.02, J_x, nu_x, p.mu_dc), *ARGS,
                               dt=dt) - wp["nu"]).max() < 1e-8
    W, _, _ = effective_connectivity(J, wp, *ARGS, dt=dt)
    h, j = 1e-4, 170  # an I neuron: the J^2 (sigma) term matters most
    nu_plus, nu_minus = wp["nu"].copy(), wp["nu"].copy()
    nu_plus[j] += h
    nu_minus[j] -= h
    rates = [siegert_rate(*input_moments(J, nu, 0.02, J_x, nu_x, p.mu_dc), *ARGS, dt=dt)
             for nu in (nu_plus, nu_minus)]
    assert np.allclose((rates[0] - rates[1]) / (2 * h), W[:, j], rtol=1e-5, atol=1e-9)


def test_semi_analytic_theory_at_the_self_consistent_rates_is_the_theory():
    p, J = small_network(3)
    J_x, nu_x = p.external()
    full = resolved_theory(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, dt=1e-4)
    semi = resolved_theory(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, dt=1e-4,
                           nu=full["wp"]["nu"])
    assert np.allclose(semi["C"], full["C"], rtol=1e-7, atol=1e-12)
    # at other rates it is the linear response there: lower rates, lower autocovariances
    lower = resolved_theory(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, dt=1e-4,
                            nu=0.8 * full["wp"]["nu"])
    assert np.allclose(np.diag(lower["C"]), lower["a"]) and lower["a"].mean() < full["a"].mean()


def test_covariances_reproduce_the_autocovariances_and_the_linear_model_pr():
    rng = np.random.default_rng(3)
    N, R = 1000, 0.6
    W = rng.standard_normal((N, N)) * R / np.sqrt(N)
    a = rng.uniform(5, 20, N)
    C, D = covariances(W, a)
    assert np.allclose(np.diag(C), a, rtol=1e-10)
    C_D, _ = covariances(W, np.ones(N), noise=np.ones(N))
    # PR/N -> (1 - R^2)^2 for i.i.d. W; single-realisation scatter at N = 1000 is ~1%
    assert participation_ratio(C_D) / N == pytest.approx((1 - R**2) ** 2, rel=0.05)
    with pytest.raises(ParameterError, match="noise"):
        covariances(W, a, noise="bogus")


@pytest.mark.parametrize("dense", [True, False])
def test_newton_and_the_damped_iteration_reach_the_same_working_point(monkeypatch, dense):
    """Both solvers stop when max |Phi(nu) - nu| < tol = 1e-10 Hz. Where Phi's Jacobian A has
    spectral radius r < 1 on the path, two such points differ by at most tol / (1 - r) per
    neuron; with tau_s and dt shifts the map differs but the solvers still agree. Newton
    (dense LU, or GMRES when the size limit is lowered) takes a handful of steps where the
    iteration takes over a hundred."""
    import theory.heterogeneity as heterogeneity

    if not dense:
        monkeypatch.setattr(heterogeneity, "_DENSE_NEWTON_MAX_N", 10)
    p, J = small_network(3)
    J_x, nu_x = p.external()
    kw = dict(J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc)
    newton = working_point(J, *ARGS, **kw)
    iteration = working_point(J, *ARGS, **kw, method="iteration")
    assert newton["method"] == "newton" and iteration["method"] == "iteration"
    assert newton["iterations"] <= 15 < 100 < iteration["iterations"]
    W, _, _ = effective_connectivity(J, newton, *ARGS)
    radius = np.abs(np.linalg.eigvals(W)).max()
    bound = 2e-10 / max(1e-3, 1.0 - min(radius, 0.999))
    assert np.abs(newton["nu"] - iteration["nu"]).max() < bound
    residual = siegert_rate(*input_moments(J, newton["nu"], 0.02, J_x, nu_x, p.mu_dc),
                            *ARGS) - newton["nu"]
    assert np.abs(residual).max() < 1e-10


def test_newton_keeps_rates_non_negative_from_a_far_start():
    """From 200 Hz everywhere (far above the working point, deep in inhibition) the line
    search keeps rates >= 0 and Newton still converges to the iteration's point."""
    p, J = small_network(4)
    J_x, nu_x = p.external()
    kw = dict(J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, nu0=np.full(p.N, 200.0))
    newton = working_point(J, *ARGS, **kw)
    iteration = working_point(J, *ARGS, **kw, method="iteration")
    assert newton["method"] == "newton" and np.all(newton["nu"] >= 0)
    assert np.abs(newton["nu"] - iteration["nu"]).max() < 1e-8


@pytest.mark.parametrize("bad, message", [
    (dict(method="anderson"), "method"), (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"),
    (dict(damping=1.5), "damping"), (dict(nu0=np.full(3, 1.0)), "nu0"),
    (dict(nu0=np.full(200, -1.0)), "nu0")])
def test_working_point_refuses_bad_solver_settings(bad, message):
    p, J = small_network()
    J_x, nu_x = p.external()
    with pytest.raises(ParameterError, match=message):
        working_point(J, *ARGS, J_x=J_x, nu_x=nu_x, mu_dc=p.mu_dc, **bad)

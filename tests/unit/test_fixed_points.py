"""Fixed points of rate-target plasticity rules from a description
(balanced_models.core.fixed_points): each approximation against an independent route to the
same number."""

from dataclasses import replace

import numpy as np
import pytest

import balanced_models as bm

CELL = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
RHO = 50.0


def brunel(rule):
    """Brunel's model A (2,000 E, 500 I; g = 5; I->I weaker, g = 4), I driven at 75 % of E's
    drive, with a Vogels-Sprekeler rule on I->E."""
    exc = bm.Projection(rule(0.1), weight=0.1e-3, delay=1.5e-3)
    plastic = bm.Plasticity("vogels_sprekeler", 1e-6, 0.02, {"w_max": -5e-3, "rho": RHO})
    return bm.NetworkDescription(
        {"E": bm.Population(2000, CELL), "I": bm.Population(500, CELL)},
        projections={"E->E": exc, "E->I": exc,
                     "I->E": bm.Projection(rule(0.1), weight=-0.5e-3, delay=1.5e-3,
                                           plasticity=plastic),
                     "I->I": bm.Projection(rule(0.1), weight=-0.4e-3, delay=1.5e-3)},
        drives={"E": bm.PoissonDrive(K=200, rate=100.0, weight=0.1e-3),
                "I": bm.PoissonDrive(K=200, rate=75.0, weight=0.1e-3)})


def with_weight(d, w):
    proj = d.projections["I->E"]
    return replace(d, projections={**d.projections,
                                   "I->E": replace(proj, weight=w, plasticity=None)})


@pytest.fixture(scope="module")
def bernoulli_table():
    return bm.plasticity_fixed_points(brunel(bm.Bernoulli)).loc["I->E"]


def test_large_k_weight_gives_the_balanced_rate_rho(bernoulli_table):
    d = with_weight(brunel(bm.Bernoulli), bernoulli_table["large_k_weight"])
    assert bm.balanced_prediction(d)["balanced_rate"]["E"] == pytest.approx(RHO, rel=1e-6)


def test_uniform_weight_gives_the_diffusion_rate_rho(bernoulli_table):
    """The fixed point's own rate functions against diffusion_prediction's working point
    (theory.heterogeneity) on the network at that weight: E fires at rho."""
    d = with_weight(brunel(bm.Bernoulli), bernoulli_table["uniform_weight"])
    assert bm.diffusion_prediction(d)["diffusion_rate"]["E"] == pytest.approx(RHO, rel=1e-4)


def test_in_degree_spread_moves_the_mean_weight(bernoulli_table):
    """With Bernoulli in-degrees each neuron needs its own weight; without spread the mean
    equals the uniform weight exactly."""
    fixed = bm.plasticity_fixed_points(brunel(lambda p: bm.FixedInDegree(50))).loc["I->E"]
    assert fixed["finite_n_weight"] == fixed["uniform_weight"]
    assert bernoulli_table["finite_n_weight"] != bernoulli_table["uniform_weight"]
    assert bernoulli_table["finite_n_weight"] == pytest.approx(
        bernoulli_table["uniform_weight"], rel=0.1)
    assert bernoulli_table["reason"] == ""


def test_rules_without_a_rate_target_and_conductances_have_reasons():
    d = brunel(bm.Bernoulli)
    hebbian = bm.Plasticity("soft_hebbian", 0.01, 0.02, {"w_max": 0.3e-3})
    d = replace(d, projections={**d.projections,
                                "E->E": replace(d.projections["E->E"], plasticity=hebbian),
                                "I->E": replace(d.projections["I->E"], plasticity=None)})
    table = bm.plasticity_fixed_points(d)
    assert list(table.index) == ["E->E"]
    assert table.loc["E->E", "reason"] == "a soft_hebbian rule has no rate target"
    assert np.isnan(table.loc["E->E", ["large_k_weight", "uniform_weight",
                                       "finite_n_weight"]].astype(float)).all()


@pytest.mark.parametrize("bad", ["not a description", None])
def test_bad_input(bad):
    with pytest.raises(bm.ParameterError, match="description must be a NetworkDescription"):
        bm.plasticity_fixed_points(bad)
    with pytest.raises(bm.ParameterError, match="nodes"):
        bm.plasticity_fixed_points(brunel(bm.Bernoulli), nodes=0)

"""Layer, Helias & Dahmen: the paper's parameter set (its theory: tests/unit/
test_theory_heterogeneity.py; its simulations: the reproduction)."""

import pytest

import balanced_models as bm
from balanced_models.papers.layer import LayerParameters


def test_layer_parameters_are_validated():
    with pytest.raises(bm.ParameterError, match="p must lie in"):
        LayerParameters(p=1.5)
    with pytest.raises(bm.ParameterError, match="weight_sd"):
        LayerParameters(weight_sd=-1e-4)

"""The balanced-state theory (theory.balanced) against the numbers of the Zhu brief."""


import numpy as np
import pytest

from balanced_models.papers.zhu import ZhuParameters
from theory.balanced import (
    balanced_rates,
    conductance_balanced_rates,
    correlated_state_correlations,
    effective_time_constants,
)
from theory.errors import ParameterError


def test_balanced_state_numbers_of_the_brief():
    p = ZhuParameters()
    W, W_x = p.mean_field()
    # weights in V: the brief's W = [[2.8, -4], [9.6, -6]] mV, W_x = [6, 4.5] mV
    assert np.allclose(W, [[2.8e-3, -4e-3], [9.6e-3, -6e-3]]) and np.allclose(W_x, [6e-3, 4.5e-3])
    r = balanced_rates(W, W_x, 10.0)
    assert r == pytest.approx([8.333, 20.833], abs=1e-3)
    Wg, Wg_x = p.mean_field(conductance=True)
    # at V = V_ref the conductance balance is the current balance (the V_ref normalisation)
    assert conductance_balanced_rates(Wg, Wg_x, p.E_syn[:2], 0.0, [-0.072, -0.072], 10.0) == \
        pytest.approx(r, rel=1e-12)
    assert conductance_balanced_rates(Wg, Wg_x, p.E_syn[:2], 0.0, [-0.0649, -0.0655], 10.0) == \
        pytest.approx([7.2, 9.6], abs=0.06)
    tau = effective_time_constants(p.tau_m, 1000, Wg, Wg_x, [5.2, 7.0], 10.0)
    assert 1e3 * tau == pytest.approx([4.76, 3.65], abs=0.01)
    rho = correlated_state_correlations(W, W_x, 0.2, r, 10.0, 0.25)
    assert [rho[0, 0], rho[0, 1], rho[1, 1]] == pytest.approx([0.17, 0.26, 0.42], abs=0.01)


def test_no_balanced_state_is_an_error():
    with pytest.raises(ParameterError, match="no positive balanced solution"):
        balanced_rates([[1.0, -1.0], [1.0, -1.0 + 1e-3]], [1.0, 1.0], 10.0)

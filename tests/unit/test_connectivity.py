"""Connectivity generators: exact structure, and statistics within their sampling error."""

import numpy as np
import pytest
from brian2 import mV

from balanced_models import ParameterError, bernoulli, block_matrix, fixed_indegree
from balanced_models.core.connectivity import indegrees_with_cv


def rng(seed=1):
    return np.random.default_rng(seed)


def test_fixed_indegree_gives_exactly_K_distinct_inputs_without_autapses():
    c = fixed_indegree(300, 300, 40, 0.0001, weight_unit="V", rng=rng(), autapses=False)
    assert np.all(c.in_degrees() == 40)
    assert not np.any(c.pre == c.post)
    pairs = c.post.astype(np.int64) * 300 + c.pre
    assert len(np.unique(pairs)) == len(pairs)
    assert np.all(c.weight == pytest.approx(0.1e-3))


def test_fixed_indegree_can_use_every_allowed_partner():
    c = fixed_indegree(50, 50, 49, 1.0, rng=rng(), autapses=False)
    assert np.all(c.to_dense() + np.eye(50) == 1.0)


def test_heterogeneous_indegrees_are_respected():
    K = indegrees_with_cv(100, 0.3, 500, rng(), n_pre=400)
    assert K.mean() == pytest.approx(100, abs=4 * 0.3 * 100 / np.sqrt(500))
    assert K.std() / K.mean() == pytest.approx(0.3, abs=0.05)
    c = fixed_indegree(400, 500, K, 0.0001, weight_unit="V", rng=rng())
    assert np.array_equal(c.in_degrees(), K)


def test_bernoulli_indegree_statistics_are_binomial():
    n, p = 1000, 0.1
    c = bernoulli(n, n, p, 0.0001, weight_unit="V", rng=rng(), autapses=False)
    k = c.in_degrees()
    mean, var = (n - 1) * p, (n - 1) * p * (1 - p)
    assert k.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / n))
    # variance of the sample variance of n Gaussian-like values: 2 var^2 / (n - 1)
    assert k.var(ddof=1) == pytest.approx(var, abs=4 * var * np.sqrt(2 / (n - 1)))
    assert not np.any(c.pre == c.post)
    assert len(np.unique(c.post.astype(np.int64) * n + c.pre)) == len(c)
    # each pre neuron is used about equally (uniform partner choice)
    out = np.bincount(c.pre, minlength=n)
    assert out.mean() == pytest.approx(k.mean())


@pytest.mark.parametrize("dist", ["gaussian", "lognormal"])
def test_weight_jitter_has_requested_mean_and_cv(dist):
    c = fixed_indegree(500, 400, 100, -0.0004, weight_unit="V", rng=rng(), weight_cv=0.5,
                       weight_distribution=dist)
    n = len(c)
    w = c.weight
    assert w.mean() == pytest.approx(-0.4e-3, abs=4 * 0.5 * 0.4e-3 / np.sqrt(n))
    assert w.std() / abs(w.mean()) == pytest.approx(0.5, abs=0.02)
    if dist == "lognormal":
        assert np.all(w < 0)


def test_delays_constant_and_uniform():
    c = fixed_indegree(100, 100, 10, 0.0001, weight_unit="V", rng=rng(), delay=0.0015)
    assert np.all(c.delay == pytest.approx(1.5e-3))
    c = fixed_indegree(100, 100, 50, 0.0001, weight_unit="V", rng=rng(), delay=(0.0, 0.01))
    n = len(c)
    assert c.delay.min() >= 0 and c.delay.max() <= 0.01
    assert c.delay.mean() == pytest.approx(0.005, abs=4 * 0.01 / np.sqrt(12 * n))


def test_same_seed_same_connectivity():
    a = bernoulli(200, 150, 0.2, 1.0, rng=rng(7), weight_cv=0.2)
    b = bernoulli(200, 150, 0.2, 1.0, rng=rng(7), weight_cv=0.2)
    assert np.array_equal(a.pre, b.pre) and np.array_equal(a.weight, b.weight)


def test_dense_and_block_matrix_agree_with_arrays():
    ee = fixed_indegree(8, 8, 3, 1.0, rng=rng(), autapses=False)
    ie = fixed_indegree(8, 2, 4, 2.0, rng=rng())
    ei = fixed_indegree(2, 8, 1, -3.0, rng=rng())
    J = block_matrix([[ee, ei], [ie, None]])
    assert J.shape == (10, 10)
    assert np.array_equal(J[:8, :8], ee.to_dense())
    assert np.all(J[8:, 8:] == 0)
    assert J[:8, 8:].sum() == pytest.approx(-3.0 * 8)
    assert (J[8:, :8] != 0).sum() == 8


@pytest.mark.parametrize("call,match", [
    (lambda: fixed_indegree(10, 10, 11, 1.0, rng=rng()), "K"),
    (lambda: fixed_indegree(10, 10, 10, 1.0, rng=rng(), autapses=False), "K"),
    (lambda: bernoulli(10, 10, 1.5, 1.0, rng=rng()), "p"),
    (lambda: bernoulli(10, 10, -0.1, 1.0, rng=rng()), "p"),
    (lambda: fixed_indegree(10, 10, 2, 1.0, rng=rng(), weight_cv=-1), "weight_cv"),
    (lambda: fixed_indegree(10, 10, 2, 1.0, rng=rng(), delay=1 * mV), "delay"),
    (lambda: fixed_indegree(10, 10, 2, 1.0, rng=rng(), delay=-1e-3), "delay"),
    (lambda: fixed_indegree(0, 10, 2, 1.0, rng=rng()), "n_pre"),
])
def test_bad_connectivity_parameters_raise_named_errors(call, match):
    with pytest.raises(ParameterError, match=match):
        call()

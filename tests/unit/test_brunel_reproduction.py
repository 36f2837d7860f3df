"""The brunel reproduction's classification and grid logic on synthetic data (the
simulations themselves: python -m reproductions brunel, and the slow tests)."""

import numpy as np
import pandas as pd

from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate
from reproductions.brunel import CHI_SCALE, _far_from_line, classify, spectral_peak


def test_model_a_is_brunels():
    p = BrunelParameters()
    assert (p.C_E, p.C_I) == (1000, 250) and threshold_rate(p) == 10.0
    d = model_a(6.0, 4.0, p)
    assert np.isclose(d.projections["I->I"].weight, -0.6e-3, rtol=1e-12)
    assert np.isclose(d.drives["I"][0].rate, 40.0, rtol=1e-12)
    assert d.populations["I"].size == 2500


def test_classify():
    N = 10_000
    base = dict(rate=20.0, cv=0.9, peak=170.0)
    assert classify(dict(base, chi=0.5 * CHI_SCALE / np.sqrt(N)), N) == "AI"
    assert classify(dict(base, chi=0.5), N) == "SI fast"
    assert classify(dict(base, chi=0.5, peak=40.0), N) == "SI slow"
    assert classify(dict(base, chi=0.5, cv=0.1), N) == "SR"
    assert classify(dict(base, rate=0.0, chi=np.nan), N) == "AI"


def test_far_from_the_line():
    theory = pd.DataFrame([(g, e, 1.5 if g >= 6 else 0.5) for g in np.arange(3, 9, 0.5)
                           for e in np.arange(1, 4.5, 0.5)], columns=["g", "eta", "margin"])
    cfg = dict(g=(4.0, 5.0, 6.0, 7.0, 8.0), eta=(1.0, 2.0))
    row = pd.Series(dict(g=4.0, eta=1.0))
    assert _far_from_line(row, theory, cfg)
    assert not _far_from_line(pd.Series(dict(g=5.0, eta=1.0)), theory, cfg)
    assert _far_from_line(pd.Series(dict(g=8.0, eta=2.0)), theory, cfg)


def test_spectral_peak_finds_an_oscillation():
    dt, f0 = 1e-4, 173.0
    t = np.arange(0, 0.4, dt)
    rng = np.random.default_rng(3)
    A = 20 + 5 * np.sin(2 * np.pi * f0 * t) + rng.normal(0, 5, t.size)
    assert abs(spectral_peak(A, dt) - f0) <= 2.5  # resolution 1 / 0.4 s

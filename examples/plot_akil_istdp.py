"""
Akil et al.: inhibitory STDP finds its fixed point
==================================================

The balanced EIF network of Akil, Rosenbaum & Josić (N = 1000) with homeostatic inhibitory
STDP on I->E. The mean-field theory of the weights puts the fixed point where the balanced
E rate equals the target rho = 10 Hz. At this small N the large-K theory's rates are off,
so the simulated weights settle a few ten percent away from it while the rate reaches rho
(the crosssim reproduction documents this gap).
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm
from balanced_models.papers.akil import AkilParameters, description
from theory.plasticity import homeostatic_fixed_point

p = AkilParameters(N=1000, duration=10.0, plasticity={                 # I -> E iSTDP
    "I->E": ("homeostatic", dict(eta=1e-5, j_n=-0.200, rho=10.0))})   # SI: V, Hz
run = bm.simulate(description(p), duration=p.duration, seed=1)
times, weights = run.weight_traces("I->E")
j_star, r_star = homeostatic_fixed_point(p.mean_field(), 0, 1, rho=10.0, tau=p.tau_stdp)

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
scale = 1e3 * np.sqrt(p.N)                                            # unscaled j, in mV
axes[0].plot(times, scale * weights[:30].T, color="0.8", lw=0.5)
axes[0].plot(times, scale * weights.mean(axis=0), "k", label="mean of sampled synapses")
axes[0].axhline(1e3 * j_star, color="r", ls="--", label="fixed point, large-K theory")
axes[0].set(xlabel="time (s)", ylabel="j_EI (mV)", title="I->E weights")
axes[0].legend(fontsize=8)
rates = run.rates(start=p.duration / 2)
axes[1].hist(rates["E"], 40, color="0.6")
axes[1].axvline(10.0, color="r", ls="--", label="target rho")
axes[1].set(xlabel="E rate over the second half (Hz)", ylabel="neurons")
axes[1].legend(fontsize=8)

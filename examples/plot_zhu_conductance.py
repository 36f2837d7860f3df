"""
Zhu et al.: current- against conductance-based balance
======================================================

The EIF network of Zhu, Ocker & Rosenbaum at N = 1000 in its current-based and its
conductance-based form. The current-based network fires near the balanced rates
-W^-1 W_x r_x; in the conductance-based one, inhibition's driving force (about 8 mV at rest)
shrinks the I rate to a third (the zhu reproduction compares it with the conductance-based
balance at the simulated mean potentials).
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm
from balanced_models.papers.zhu import ZhuParameters, description
from theory.balanced import balanced_rates

p = ZhuParameters(N=1000)
runs = {variant: bm.simulate(description(p, variant), duration=2.0, seed=1)
        for variant in ("current", "conductance")}
W, W_x = p.mean_field()
rates = {v: run.population_rates(start=0.5)["simulated_rate"] for v, run in runs.items()}

fig, ax = plt.subplots(figsize=(5.5, 3.5), layout="constrained")
x = np.arange(2)
for k, (variant, r) in enumerate(rates.items()):
    ax.bar(x + 0.35 * k - 0.175, r, 0.35, label=f"{variant}-based, simulated")
ax.plot(x - 0.175, balanced_rates(W, W_x, p.r_x), "k_", ms=25, mew=2,
        label="current-based balance")
ax.set_xticks(x, ["E", "I"])
ax.set(xlabel="population", ylabel="rate (Hz)", title="N = 1000")
ax.legend(fontsize=8)

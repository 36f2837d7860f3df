"""
Schünemann et al.: exact avalanche sizes of threshold units
===========================================================

A random network of six threshold units with non-negative weights. The replica engine
starts every avalanche in the exact stationary state; the size distribution it samples is
compared with the exact law.
"""

import matplotlib.pyplot as plt
import numpy as np

from balanced_models.papers.schuenemann import random_weights, simulate_avalanches
from theory.avalanches import size_distribution

rng = np.random.default_rng(0)
W = random_weights(6, 0.6, 0.85, rng=rng)          # W[post, pre], max row sum 0.85
avalanches = simulate_avalanches(W, 100_000, rng=rng)
simulated = avalanches.size_distribution()
exact = size_distribution(W, np.full(6, 1 / 6))

fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
sizes = np.arange(1, 7)
ax.bar(sizes, simulated[1:], 0.6, color="0.7", label="simulation, 100,000 avalanches")
ax.plot(sizes, exact[1:], "ko", label="exact law")
ax.set(xlabel="avalanche size L (units)", ylabel="P(L)", yscale="log",
       title="six threshold units")
ax.legend()

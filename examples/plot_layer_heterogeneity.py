"""
Layer et al.: the theory neuron by neuron on the realised matrix
================================================================

The example network of Layer, Helias & Dahmen: 800 E and 200 I LIF neurons with sparse,
jittered weights. The neuron-resolved working point is computed on the realisation that was
simulated, so each neuron's predicted rate can be set against its simulated one.
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm
from balanced_models.papers.layer import LayerParameters, description

net = description(LayerParameters())
run = bm.simulate(net, duration=5.0, seed=1)
predicted = bm.neuron_prediction(net, run.connectivity)
simulated = run.rates(start=0.5)

fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
for pop, color in (("E", "C0"), ("I", "C3")):
    ax.plot(predicted.loc[pop, "rate"], simulated[pop], ".", ms=3, color=color, label=pop)
top = max(predicted["rate"].max(), max(r.max() for r in simulated.values()))
ax.plot([0, top], [0, top], "k--", lw=0.8, label="equality")
r = np.corrcoef(np.concatenate([predicted.loc[p, "rate"] for p in "EI"]),
                np.concatenate([simulated[p] for p in "EI"]))[0, 1]
ax.set(xlabel="predicted rate (Hz)", ylabel="simulated rate (Hz)",
       title=f"per neuron (Pearson {r:.2f})")
ax.legend()

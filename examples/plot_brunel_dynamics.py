"""
Brunel's model A: transfer function, spectrum and stability
===========================================================

The theory of the network's dynamics from its description, with no simulation: the LIF
neuron's transfer function at the working point, the population spectrum of the
asynchronous irregular (AI) state, and the eigenvalue of the effective connectivity W(f),
whose crossing of the real axis beyond 1 marks an oscillation.
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm
from balanced_models.papers.brunel import model_a
from theory.lif import transfer_function

f = np.arange(0.0, 600.0, 1.0)
ai, fast = model_a(5.0, 2.0), model_a(6.0, 4.0)  # g, eta: AI, and past the fast line
print(bm.stability([ai, fast], f))

# %%
# At g = 5, eta = 2 the eigenvalue crosses the real axis below 1 (margin 0.72): the AI
# state is stable, and its finite-size fluctuations ring near that crossing's frequency.
# At g = 6, eta = 4 it crosses beyond 1: an oscillation near 183 Hz.
wp = bm.population_prediction(ai).iloc[0]
H = transfer_function(wp["mu"], wp["sigma"], 0.02, 0.02, 0.01, 0.002, frequency=f)
spectrum = bm.spectrum_prediction(ai, f)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
axes[0].loglog(f[1:], np.abs(H[1:]), "k")
axes[0].set(xlabel="frequency (Hz)", ylabel="|H(f)| (Hz/V)", title="transfer function")
axes[1].semilogy(f, 12_500 * spectrum["all"], "C3")
axes[1].set(xlabel="frequency (Hz)", ylabel="N x spectrum of A (Hz)",
            title="AI state, g = 5, eta = 2")
for d, label in ((ai, "g = 5, eta = 2"), (fast, "g = 6, eta = 4")):
    eigenvalues = bm.stability(d, f).attrs["eigenvalues"][0]
    lam = eigenvalues[:, np.argmax(np.abs(eigenvalues[0]))]
    axes[2].plot(lam.real, lam.imag, label=label)
axes[2].plot(1, 0, "k+", markersize=12)
axes[2].set(xlabel="Re lambda(f)", ylabel="Im lambda(f)", title="eigenvalue of W(f)",
            xlim=(-3.5, 2.0), ylim=(-2.5, 2.5))
axes[2].legend()

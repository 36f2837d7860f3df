"""
The LIF diffusion theory against unconnected neurons
====================================================

Five populations of 500 unconnected LIF neurons, each driven by excitatory and inhibitory
Poisson input at its own rate. The diffusion theory (Siegert rate) of each population comes
from the same description.
"""

import matplotlib.pyplot as plt

import balanced_models as bm

cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
rates = [6500.0, 7500.0, 8500.0, 9500.0, 10500.0]  # Hz, excitatory input per neuron
net = bm.NetworkDescription(
    populations={f"P{k}": bm.Population(500, cell) for k in range(len(rates))},
    drives={f"P{k}": (bm.PoissonDrive(K=1, rate=r, weight=0.2e-3, channel="e"),
                      bm.PoissonDrive(K=1, rate=0.2 * r, weight=-0.4e-3, channel="i"))
            for k, r in enumerate(rates)})
run = bm.simulate(net, duration=2.0, seed=1)
table = bm.population_prediction(net).join(run.population_rates())
print(table[["mu", "sigma", "diffusion_rate", "simulated_rate"]])

# %%
# The simulated rates lie close to the Siegert rates; the small excess of the theory comes
# from the finite jumps of 0.2 and 0.4 mV and the time step (the siegert reproduction
# quantifies both).
fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
mu_mV = 1e3 * table["mu"]
ax.plot(mu_mV, table["diffusion_rate"], "k-", label="Siegert")
ax.errorbar(mu_mV, table["simulated_rate"], 2 * table["simulated_rate_se"], fmt="o",
            label="Brian2, 500 neurons each")
ax.set(xlabel="mean input mu (mV)", ylabel="rate (Hz)", title="LIF neurons, Poisson input")
ax.legend()

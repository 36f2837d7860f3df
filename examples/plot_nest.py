"""
The same network on NEST
========================

Brunel's model A on both engines, on the identical realised connectivity: NEST receives the
realisation as arrays, so both simulate the same matrix, weight for weight.
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm

cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3)
inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3)
net = bm.NetworkDescription({"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
                            projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
                            drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(
                                K=200, rate=100.0, weight=0.1e-3)))
runs = {engine: bm.simulate(net, duration=1.0, seed=1, engine=engine)
        for engine in ("brian2", "nest")}
predicted = bm.population_prediction(net)["diffusion_rate"]

fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
x = np.arange(2)
for k, (engine, run) in enumerate(runs.items()):
    rates = run.population_rates()
    ax.bar(x + 0.3 * k - 0.3, rates["simulated_rate"], 0.3,
           yerr=2 * rates["simulated_rate_se"], label=engine)
ax.bar(x + 0.3, predicted, 0.3, color="0.6", label="diffusion theory")
ax.set_xticks(x, ["E", "I"])
ax.set(xlabel="population", ylabel="rate (Hz)", title="Brunel A on two engines")
ax.legend()

"""
Brunel's model A: simulation against theory
===========================================

The network of the README: 2,000 excitatory and 500 inhibitory LIF neurons with delta
synapses, g = 5 and eta = 2 (asynchronous irregular state). One description gives the
compiled Brian2 simulation and the theory's prediction for the same network.
"""

import balanced_models as bm

cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3)
inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3)
net = bm.NetworkDescription({"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
                            projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
                            drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(
                                K=200, rate=100.0, weight=0.1e-3)))
run = bm.simulate(net, duration=1.0, seed=1)
table = bm.population_prediction(net).join(run.population_rates())
print(table[["diffusion_rate", "simulated_rate", "simulated_rate_se"]])

# %%
# The diffusion (Siegert) rate is the self-consistent rate of the population; the
# simulated rates lie within a few percent of it. The balanced rate is NaN: E and I get the
# same input, so the balanced equations are singular.
fig = bm.plot_rates(run, bm.population_prediction(net))

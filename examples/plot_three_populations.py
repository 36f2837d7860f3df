"""
A network of your own: three populations, theory neuron by neuron
=================================================================

E, a fast inhibitory class I and a slower inhibitory class I2 that targets only E, with
Bernoulli connectivity and jittered I2 weights. The neuron-resolved working point is
computed on the very matrix that was simulated.
"""

import balanced_models as bm

cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
slow = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.005)
exc = bm.Projection(bm.Bernoulli(0.1), weight=0.2e-3, delay=1.5e-3)
fast = bm.Projection(bm.Bernoulli(0.1), weight=-1.0e-3, delay=1.5e-3)
other = bm.Projection(bm.Bernoulli(0.1), weight=-0.5e-3, weight_cv=0.5, delay=1.5e-3)
net = bm.NetworkDescription(
    populations={"E": bm.Population(1600, cell), "I": bm.Population(200, cell),
                 "I2": bm.Population(200, slow)},
    projections={"E->E": exc, "E->I": exc, "E->I2": exc, "I->E": fast, "I->I": fast,
                 "I->I2": fast, "I2->E": other},
    drives=dict.fromkeys(["E", "I", "I2"], bm.PoissonDrive(K=160, rate=30.0, weight=0.2e-3)))
run = bm.simulate(net, duration=2.0, seed=2)
neurons = bm.neuron_prediction(net, run.connectivity)

# %%
# Left: population rates, simulated (with two standard errors) and predicted. Middle: each
# neuron's predicted rate against its simulated rate. Right: the rate histograms with the
# predicted population rates. The diffusion theory runs 8-14 % high here: it neglects the
# finite jumps of 0.2-1 mV and the time step.
fig = bm.plot_rates(run, bm.population_prediction(net), neurons)

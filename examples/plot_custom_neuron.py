"""
A network of one's own equations: quadratic integrate-and-fire neurons
======================================================================

``bm.CustomNeuron`` takes Brian2 equation strings and names the variable each input channel
adds to. Here an E/I network of quadratic integrate-and-fire neurons with exponential
currents is declared, saved and restored as plain data, simulated on the Brian2 engine, and
plotted. The NEST engine and the theory refuse it, saying what runs it.
"""

import json

import matplotlib.pyplot as plt

import balanced_models as bm

qif = bm.CustomNeuron(
    model="dv/dt = (v - E_L)*(v - V_c)/(tau*(V_c - E_L)) + I_e + I_i : volt\n"
          "dI_e/dt = -I_e/tau_s : volt/second\n"
          "dI_i/dt = -I_i/tau_s : volt/second\n"
          "tau : second (shared, constant)\n"
          "tau_s : second (shared, constant)\n"
          "E_L : volt (shared, constant)\n"
          "V_c : volt (shared, constant)",
    threshold="v > -30*mV", reset="v = -70*mV", refractory=0.002,
    inputs={"e": "I_e", "i": "I_i"},                         # channel -> variable (V/s)
    parameters={"tau": 0.01, "tau_s": 0.005, "E_L": -0.065, "V_c": -0.050},   # SI
    initial={"v": (-0.07, -0.055)})
exc = bm.Projection(bm.FixedInDegree(100), weight=0.1, channel="e", delay=1e-3)  # 0.5 mV
inh = bm.Projection(bm.FixedInDegree(25), weight=-0.4, channel="i", delay=1e-3)
drive = bm.PoissonDrive(K=100, rate=10.0, weight=0.1, channel="e")
net = bm.NetworkDescription(
    {"E": bm.Population(800, qif), "I": bm.Population(200, qif)},
    {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh}, drives={"E": drive, "I": drive},
    record=bm.Recording(states={"E": ("v", 3, 1e-4)}))

restored = bm.NetworkDescription.from_dict(json.loads(json.dumps(net.to_dict())))
assert restored == net                                   # the description is plain data
run = bm.simulate(restored, duration=1.0, seed=1)
print(run.population_rates(start=0.2))
print(bm.population_prediction(net)["diffusion_reason"].iloc[0])

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
index, times = run.spike_trains("E")
axes[0].plot(times, index, ".", ms=1, color="k")
axes[0].set(xlim=(0.5, 1.0), xlabel="time (s)", ylabel="E neuron", title="QIF network, E spikes")
t, v = run.state_traces("E", "v")
axes[1].plot(t, 1e3 * v.T, lw=0.7)
axes[1].set(xlim=(0.5, 1.0), xlabel="time (s)", ylabel="v (mV)", title="three E neurons")
plt.show()

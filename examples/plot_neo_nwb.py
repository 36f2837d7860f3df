"""
Neo and NWB: a run leaves the package
=====================================

A run's spikes as a ``neo.Segment`` (one annotated ``SpikeTrain`` per neuron) and as an NWB
file with the units, the realised connectivity and the description; both read back into
the same analysis.
"""

import os
import tempfile

import matplotlib.pyplot as plt

import balanced_models as bm

cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
exc = bm.Projection(bm.FixedInDegree(100), weight=0.2e-3, delay=1.5e-3)
inh = bm.Projection(bm.FixedInDegree(25), weight=-1.0e-3, delay=1.5e-3)
net = bm.NetworkDescription({"E": bm.Population(400, cell), "I": bm.Population(100, cell)},
                            projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
                            drives=dict.fromkeys(["E", "I"], bm.PoissonDrive(
                                K=100, rate=100.0, weight=0.2e-3)))
run = bm.simulate(net, duration=1.0, seed=1)

segment = bm.to_neo(run)
path = os.path.join(tempfile.mkdtemp(), "brunel.nwb")
bm.write_nwb(run, path)
stored = bm.read_nwb(path)
print(stored.population_rates())
print("same description:", stored.description == run.description)

# %%
# The first 100 spike trains of the Neo segment, coloured by their population annotation.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for k, train in enumerate(segment.spiketrains[:100]):
    color = "C0" if train.annotations["population"] == "E" else "C3"
    ax.plot(train.times.rescale("s").magnitude, [k] * len(train), "|", color=color, ms=3)
ax.set(xlabel="time (s)", ylabel="spike train", title="neo.Segment of the run")

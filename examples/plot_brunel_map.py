"""
Brunel's phase diagram as a parameter map: 36 networks, one compile
=====================================================================

Brunel's model A (2,500 neurons, C_E = 200) over a 6 x 6 grid of the relative inhibition g and
the external rate nu_ext. ``bm.sweep`` names the fields it varies by dotted paths into the
description; a tuple of paths moves them together (g sets both inhibitory weights, nu_ext
both drives). The 36 points share one compiled network: they differ only in values the
binary loads at run time. The table holds the simulated and the predicted (diffusion theory)
rates and CVs side by side.

On a cluster, pass ``executor=distributed.Client(...)`` or an
``mpi4py.futures.MPIPoolExecutor()``: the table is the same (see the sweeps guide).
"""

import matplotlib.pyplot as plt
import numpy as np

import balanced_models as bm
from balanced_models.papers.brunel import BrunelParameters, model_a, threshold_rate

p = BrunelParameters(N_E=2000, epsilon=0.1)
g, eta = np.linspace(3.0, 8.0, 6), np.linspace(1.0, 3.5, 6)
if __name__ == "__main__":  # the workers import this script; they must not sweep again
    table = bm.sweep(model_a(5.0, 2.0, p),
                     {("projections.I->E.weight", "projections.I->I.weight"): -g * p.J,
                      ("drives.E.rate", "drives.I.rate"): eta * threshold_rate(p)},
                     duration=0.5, seeds=[1])
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), layout="constrained")
    top = table[["rate_E", "predicted_rate_E"]].max().max()
    for ax, column in zip(axes, ("rate_E", "predicted_rate_E")):
        bm.plot_sweep(table, column, ax=ax, vmin=0.0, vmax=top)  # one scale for both
    bm.plot_sweep(table, "cv_E", ax=axes[2])
    print(f"{len(table)} points, {table.attrs['compiles']} compile, "
          f"{table.attrs['seconds']:.0f} s")

# %%
# Where the asynchronous state is stable the simulated and predicted rates agree within a
# few per cent; at strong excitation (g < 4) the network leaves the asynchronous state and
# the stationary theory no longer describes it (the dynamics guide computes where).
if __name__ == "__main__":
    summary = table.assign(g=-table["projections.I->E.weight"] / p.J,
                           eta=table["drives.E.rate"] / threshold_rate(p),
                           ratio=table["rate_E"] / table["predicted_rate_E"])
    print(summary[["g", "eta", "rate_E", "predicted_rate_E", "ratio"]].round(2).to_string())

"""
Sanzeni et al.: a conductance-based network against its mean field
==================================================================

The strongly coupled conductance-based LIF network of Sanzeni, Histed & Brunel at K = 100
(a = 8.8e-3, g = 20): 1000 E and 1000 I neurons with conductance jumps, driven by Poisson
pools at r_x = 25 Hz. At this small K the network fires 28-40 % below the two diffusion
theories (ETC and the multiplicative-noise A13); the paper shows and explains this
finite-a gap, which shrinks at K = 1000.
"""

import matplotlib.pyplot as plt

import balanced_models as bm
from balanced_models.papers.sanzeni import NetworkParameters, description
from theory.conductance import network_rates

p = NetworkParameters(dt=25e-6)              # K = 100, a = 8.8e-3; dt ~ 1 % of tau_eff
run = bm.simulate(description(p, n_traces=1), duration=1.0, seed=1)
simulated = run.population_rates(start=0.3)
theory = {variant: network_rates(p.a, p.K, p.g, p.gamma, p.r_x, variant)[-1]
          for variant in ("ETC", "A13")}
print(simulated, theory)

fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
ax.bar(["E", "I"], simulated["simulated_rate"], yerr=2 * simulated["simulated_rate_se"],
       color="0.7", label="simulation")
for (variant, rate), style in zip(theory.items(), ("--", "-")):
    ax.axhline(rate, color="k", ls=style, label=f"{variant} mean field")
ax.set(xlabel="population", ylabel="rate (Hz)", title="K = 100, r_x = 25 Hz")
ax.legend()

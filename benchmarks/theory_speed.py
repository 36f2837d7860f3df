"""Speed of the theory's hot paths, and the neuron-resolved working point side by side with NNMT.

    python benchmarks/theory_speed.py [--nnmt PYTHON] [--json FILE]

Measured here (best of several repetitions, BLAS as configured in the environment):
* one scalar :func:`theory.siegert_rate` call (and rate_derivatives, isi_cv);
* one ETC network solve of the Sanzeni network (theory.conductance.network_rates, variant
  'ETC', a = 0.01, K = 500, g = 12, gamma = 0.25, r_x = 5 Hz) and of its tau_S = 2 ms form;
* the neuron-resolved working point (theory.heterogeneity.working_point, its defaults: Newton)
  of the Layer example network, N = 1000 (800 E + 200 I, p = 0.2, J_E = 0.8 mV, g = 5,
  weight SD 0.16 mV), and of the same network at N = 200 and N = 2000; and of a network
  declared as a new user would ("user"): N = 200 and 2000 LIF neurons (80 % E), connection
  probability 0.1, weights J = 0.2 mV and -5 J with a 20 % Gaussian spread, each neuron with
  1,000 external Poisson inputs at 10 Hz of weight J (also spread by 20 %), tau_m = 20 ms,
  V_th = 20 mV, V_r = 10 mV, tau_ref = 2 ms. The damped iteration (method="iteration",
  default damping 0.2) is timed beside Newton on each.

``--nnmt PYTHON``: a Python interpreter with NNMT 1.3 installed (a throwaway environment:
``python -m venv /tmp/nnmt && /tmp/nnmt/bin/pip install nnmt``; NNMT is not a dependency).
NNMT's neuron-resolved working point (nnmt.lif.delta._firing_rates with one "population" per
neuron: J the realised matrix, K = 1 where a synapse exists) is solved on the very matrices
used here, in that interpreter, and its time and its largest rate difference are reported.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from compare import best_of  # noqa: E402  (benchmarks/compare.py)

from balanced_models.papers.layer import LayerParameters, dense_matrix, realise  # noqa: E402
from theory import isi_cv, rate_derivatives, siegert_rate  # noqa: E402
from theory.conductance import network_rates  # noqa: E402
from theory.heterogeneity import working_point  # noqa: E402

NNMT_SCRIPT = """
import sys, time, json
import numpy as np
from nnmt.lif.delta import _firing_rates
d = np.load(sys.argv[1])
J = d["J"]
K = (J != 0).astype(float)
start = time.perf_counter()
nu = _firing_rates(J, K, d["V_r"], d["V_th"], d["tau_m"], d["tau_ref"], d["J_x"],
                   np.ones_like(d["J_x"]), d["nu_x"], I_ext=d["mu_dc"] / d["tau_m"], C=1.0)
print(json.dumps(dict(seconds=time.perf_counter() - start, nu=list(map(float, nu)))))
"""


def layer_network(N_E, N_I, seed=1):
    p = LayerParameters(N_E=N_E, N_I=N_I)
    return p, dense_matrix(p, realise(p, seed))


def user_network(N, seed=1):
    """The "user" network of the docstring: (parameters, J (N, N) in V)."""
    rng = np.random.default_rng(seed)
    J_E, g, N_x, r_x = 0.2e-3, 5.0, 1000, 10.0
    N_E = int(0.8 * N)
    mean = np.where(np.arange(N) < N_E, J_E, -g * J_E)[None, :]
    J = (rng.random((N, N)) < 0.1) * mean * (1 + 0.2 * rng.standard_normal((N, N)))
    np.fill_diagonal(J, 0.0)
    J_x = J_E * (1 + 0.2 * rng.standard_normal((N, N_x)))
    p = argparse.Namespace(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002, mu_dc=0.0,
                           external=lambda: (J_x, np.full(N_x, r_x)))
    return p, J


def our_working_point(p, J, method="newton"):
    J_x, nu_x = p.external()
    return working_point(J, p.tau_m, p.V_th, p.V_r, p.tau_ref, J_x=J_x, nu_x=nu_x,
                         mu_dc=p.mu_dc, method=method)


def nnmt_working_point(python, p, J):
    J_x, nu_x = p.external()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "network.npz")
        np.savez(path, J=J, J_x=J_x, nu_x=nu_x, V_r=p.V_r, V_th=p.V_th, tau_m=p.tau_m,
                 tau_ref=p.tau_ref, mu_dc=p.mu_dc)
        out = subprocess.run([python, "-c", NNMT_SCRIPT, path], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], np.array(result["nu"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nnmt", default=None, help="Python interpreter with NNMT installed")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    res = {}
    scalar = (0.015, 0.005, 0.02, 0.02, 0.01, 0.002)
    for name, f in (("siegert_rate", siegert_rate), ("rate_derivatives", rate_derivatives),
                    ("isi_cv", isi_cv)):
        f(*scalar)
        res[f"{name}_scalar_ms"] = (
            1e3 * best_of(5, lambda: [f(*scalar) for _ in range(100)]) / 100)
    sanzeni = (0.01, 500, 12.0, 0.25, 5.0)
    res["etc_network_solve_s"] = best_of(3, lambda: network_rates(*sanzeni, variant="ETC"))
    res["etc_tau_S_network_solve_s"] = best_of(3, lambda: network_rates(
        *sanzeni, variant="ETC", tau_S=0.002))
    networks = [(f"layer_N{n}", *layer_network(int(0.8 * n), n - int(0.8 * n)))
                for n in (200, 1000, 2000)]
    networks += [(f"user_N{n}", *user_network(n)) for n in (200, 2000)]
    for name, p, J in networks:
        wp = our_working_point(p, J)
        res[f"{name}_newton_s"] = best_of(3, lambda: our_working_point(p, J))
        res[f"{name}_newton_steps"] = wp["iterations"]
        res[f"{name}_iteration_s"] = best_of(1, lambda: our_working_point(p, J, "iteration"))
        res[f"{name}_iterations"] = our_working_point(p, J, "iteration")["iterations"]
        res[f"{name}_mean_rate_Hz"] = float(wp["nu"].mean())
        if args.nnmt:
            seconds, nu = nnmt_working_point(args.nnmt, p, J)
            res[f"{name}_nnmt_s"] = seconds
            res[f"{name}_nnmt_over_newton"] = seconds / res[f"{name}_newton_s"]
            res[f"{name}_nnmt_max_difference_Hz"] = float(np.abs(nu - wp["nu"]).max())
            res[f"{name}_nnmt_max_difference_relative"] = float(
                np.abs(nu - wp["nu"]).max() / np.abs(wp["nu"]).max())
            firing = wp["nu"] > 0
            res[f"{name}_nnmt_max_relative_per_neuron"] = float(
                (np.abs(nu - wp["nu"])[firing] / wp["nu"][firing]).max())
        print(f"{name} done", flush=True)
    for key, value in res.items():
        print(f"{key:40s} {value:.4g}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()

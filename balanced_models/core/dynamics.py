"""Dynamics of a described network in theory: spectra and the stability of its stationary
state, from :mod:`theory.dynamics` at the working point of the diffusion theory.

* :func:`spectrum_prediction`: the power spectra of the population activities (and their
  cross-spectra) over frequency.
* :func:`stability`: the linear stability of the asynchronous state and, where it is lost,
  the frequency of the emerging oscillation.

Both cover LIF populations with delta or exponential current synapses. The working point is
the self-consistent Siegert rate; with delta synapses it includes the simulation's time step
(the discrete-time threshold shift, and half a step more delay, since a threshold crossing
inside a step is stamped and sent at the step's end). With ``method="time_stepped"`` (delta
synapses) the neurons are those the simulation steps, from :mod:`theory.time_stepped_lif`:
rates, responses and own spectra exact for the time step and the synapses' jumps.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from theory import dynamics as network
from theory.errors import ParameterError, require_nonnegative
from theory.heterogeneity import working_point
from theory.lif import DISCRETE_TIME_SHIFT, _transfer_functions, spike_train_spectrum
from theory.time_stepped_lif import (_chain, _impulse_responses, _rate, _spike_train_spectrum,
                                     _sum_over_steps)

from .description import NetworkDescription, split_projection_name
from .predictions import (TheoryNotApplicable, _check, _lif_parameters, _neuron_inputs,
                          _population_inputs, _source_rate)

__all__ = ["spectrum_prediction", "stability"]


def _delays(proj):
    """(mean, width) of a projection's delay: a constant or uniform on (low, high)."""
    if isinstance(proj.delay, tuple):
        low, high = proj.delay
        return 0.5 * (low + high), high - low
    return float(proj.delay), 0.0


def _linear_point(d, J, params, J_x, nu_x, J2=None, J_x2=None):
    """The self-consistent working point of units (populations or neurons) with inputs J,
    J_x, and the transfer functions' arguments there: (mu, sigma, tau_m, V_th +
    discrete-time shift, V_r, tau_ref, tau_s). With delta synapses the description's time
    step enters the rates and the threshold."""
    tau_m, V_th, V_r, tau_ref, tau_s, mu_dc = params
    dt = d.dt if np.all(tau_s == 0) else 0.0
    wp = working_point(J, tau_m, V_th, V_r, tau_ref, J_x=J_x, nu_x=nu_x, mu_dc=mu_dc,
                       tau_s=tau_s, J2=J2, J_x2=J_x2, dt=dt)
    shift = DISCRETE_TIME_SHIFT * wp["sigma"] * np.sqrt(dt / tau_m) if dt > 0 else 0.0
    return wp, (wp["mu"], wp["sigma"], tau_m, V_th + shift, V_r, tau_ref, tau_s)


def _own_spectra(point, wp, f, own_spectra):
    """D of each unit at each frequency (F, n): its renewal spike-train spectrum or its rate."""
    if own_spectra == "renewal":
        return spike_train_spectrum(*point, frequency=f[:, None])
    return np.broadcast_to(wp["nu"], (len(f), len(wp["nu"])))


def _working_point(d):
    """Population names, sizes, working point, the transfer functions' arguments and the
    couplings of d."""
    names, W, W2, W_x, W_x2, rates, _, _ = _population_inputs(d)
    params = _lif_parameters(d, names, "the dynamics theory")
    wp, point = _linear_point(d, W, params, W_x, rates, W2, W_x2)
    sizes = np.array([d.size(p) for p in names])
    tau_m = params[0]
    return names, sizes, wp, point, (tau_m[:, None] * W, tau_m[:, None] * W2)


def _filters(d, names, frequencies):
    """Per projection between populations: the filters of its mean and of its variance,
    (F, n, n) each (delays with half a time step added, synaptic low-pass)."""
    index = {p: a for a, p in enumerate(names)}
    n, F = len(names), len(frequencies)
    filt = np.zeros((F, n, n), dtype=complex)
    filt2 = np.zeros((F, n, n), dtype=complex)
    for name, proj in d.projections.items():
        source, target = split_projection_name(name)
        if source not in index:
            continue
        a, b = index[target], index[source]
        mean, width = _delays(proj)
        channels = d.populations[target].neuron.channels  # empty for delta synapses
        tau = channels[d.channel(name)]["tau"] if channels else 0.0
        delay = network.delay_filter(frequencies, mean + 0.5 * d.dt, width)
        filt[:, a, b] = delay * network.synaptic_filter(frequencies, tau)
        filt2[:, a, b] = delay * network.synaptic_filter(frequencies, tau / 2)
    return filt, filt2


def _linearisations(descriptions, frequencies, method):
    """[(names, sizes, working point, point, W(f))] for each description, all transfer
    functions in one batched evaluation."""
    parts = [_working_point(d) for d in descriptions]
    f = frequencies[:, None]
    stacked = [np.concatenate([np.broadcast_to(part[3][k], part[2]["nu"].shape)
                               for part in parts]) for k in range(7)]
    H, H2 = _transfer_functions(*stacked, f, method)
    out, start = [], 0
    for d, (names, sizes, wp, point, (c, c2)) in zip(descriptions, parts):
        cols = slice(start, start + len(names))
        start += len(names)
        filt, filt2 = _filters(d, names, frequencies)
        W = network.effective_connectivity(H[:, cols], c, filt, H2[:, cols], c2, filt2)
        out.append((names, sizes, wp, point, W))
    return out


# ---------------------------------------------------------------------------------------------
# the time-stepped shot-noise theory (method="time_stepped")
# ---------------------------------------------------------------------------------------------
def _time_stepped_channels(d, names):
    """Per population, its input channels as the time-stepped chain sees them: a list of
    (jump V, in-degree, source population index or None, external rate Hz, delay mean s,
    delay width s)."""
    index = {p: a for a, p in enumerate(names)}
    channels = [[] for _ in names]
    for pop in names:
        neuron = d.populations[pop].neuron
        if neuron.spike != "lif" or neuron.synapse != "delta":
            raise TheoryNotApplicable(
                f"method='time_stepped' needs LIF neurons with delta synapses; population "
                f"{pop!r} has {neuron.spike} neurons with {neuron.synapse} synapses")
    for name, proj in d.projections.items():
        source, target = split_projection_name(name)
        K = d.mean_indegree(name)
        if proj.weight_cv != 0 or proj.target_range is not None or not np.isfinite(K):
            raise TheoryNotApplicable(
                f"method='time_stepped' needs fixed weights and homogeneous populations; "
                f"projections[{name!r}] has a weight spread, a target range or explicit "
                f"connections")
        mean, width = _delays(proj)
        if source in index:
            channels[index[target]].append((proj.weight, K, index[source], 0.0, mean, width))
        else:
            channels[index[target]].append((proj.weight, K, None, _source_rate(d, source),
                                            mean, width))
    for pop, drives in d.drives.items():
        for x in drives:
            if x.noise != "poisson":
                raise TheoryNotApplicable(f"method='time_stepped' needs Poisson drives; "
                                          f"drives[{pop!r}] has noise={x.noise!r}")
            channels[index[pop]].append((x.weight, x.K, None, x.rate, 0.0, 0.0))
    return channels


def _time_stepped_linearisation(d, frequencies, own_spectra, tolerance=1e-7):
    """The self-consistent rates of the time-stepped chains (Newton, the Jacobian from the
    zero-frequency responses), then W(f) and D(f): (names, sizes, rates, W (F, n, n),
    D (F, n))."""
    names = list(d.populations)
    sizes = np.array([d.size(p) for p in names])
    channels = _time_stepped_channels(d, names)
    tau_m, V_th, V_r, tau_ref, _, v_inf = _lif_parameters(d, names, "the dynamics theory")
    nu = np.clip(_working_point(d)[2]["nu"], 0.1, None)
    n = len(names)

    def chains(nu):
        out = []
        for a, chan in enumerate(channels):
            jumps = [c[0] for c in chan]
            rates = [c[1] * (nu[c[2]] if c[2] is not None else c[3]) for c in chan]
            out.append(_chain(jumps, rates, tau_m[a], V_th[a], V_r[a], tau_ref[a], d.dt, 0.0,
                              v_inf[a]))
        return out

    for _ in range(30):
        parts = []
        for chain in chains(nu):
            p = chain.stationary()
            parts.append((chain, p, _impulse_responses(chain, p)))
        rate = np.array([_rate(chain, p) for chain, p, _ in parts])
        jac = -np.eye(n)
        for a, (_, _, h) in enumerate(parts):
            for k, c in enumerate(channels[a]):
                if c[2] is not None:
                    jac[a, c[2]] += c[1] * h[:, k].sum()
        residual = rate - nu
        if np.all(np.abs(residual) <= tolerance * np.maximum(nu, 1.0)):
            break
        step = np.linalg.solve(jac, -residual)
        nu = np.maximum(nu + step, 0.5 * nu)
    else:
        raise TheoryNotApplicable("method='time_stepped': the self-consistent rates did not "
                                  "converge in 30 Newton steps")
    f = frequencies
    W = np.zeros((len(f), n, n), dtype=complex)
    D = np.empty((len(f), n))
    for a, (chain, _, h) in enumerate(parts):
        H = _sum_over_steps(h, f, d.dt)
        for k, (_, K, b, _, mean, width) in enumerate(channels[a]):
            if b is not None:
                steps = np.round(mean / d.dt)  # the simulators round each delay to steps
                W[:, a, b] += K * H[:, k] * network.delay_filter(f, steps * d.dt, width)
        D[:, a] = (_spike_train_spectrum(chain, f) if own_spectra == "renewal"
                   else rate[a])
    return names, sizes, rate, W, D


def spectrum_prediction(description: NetworkDescription, frequencies: ArrayLike,
                        connectivity: Mapping | None = None, *, own_spectra: str = "renewal",
                        method: str = "shift") -> pd.DataFrame:
    """Power spectra of the population activities A_a(t) = (1/N_a) sum_(i in a) s_i(t).

    C(f) = (1 - W(f))^-1 D(f) (1 - W(f))^-H at population level (:mod:`theory.dynamics`),
    with D_a the spike-train spectrum of a neuron of a divided by N_a. The spectra are
    two-sided densities (Hz), as :func:`balanced_models.core.spectra.activity_spectrum`
    estimates them from a simulation.

    Parameters
    ----------
    description : NetworkDescription
        LIF populations with delta or exponential current synapses.
    frequencies : array_like
        Frequencies (Hz, >= 0).
    connectivity : mapping, optional
        A realisation (``realise(description, seed)`` or ``run.connectivity``): the spectra
        of the population activities from the neuron-resolved linear response on it
        (per-neuron working points, transfer functions and own spectra; one N x N solve per
        frequency, so keep N and the frequencies modest). Delays and synaptic filters are
        those of each projection's description (a spread of delays by its average).
        Default None: population level.
    own_spectra : {'renewal', 'poisson'}, optional
        D_a: the stationary spike-train spectrum of a renewal neuron
        (:func:`theory.lif.spike_train_spectrum`; default) or its Poisson limit, the rate.
    method : {'shift', 'fokker_planck', 'time_stepped'}, optional
        The neuron theory. 'shift' (default) and 'fokker_planck' are the diffusion theory
        (:func:`theory.lif.transfer_function`; for exponential synapses 'shift' is fast and
        right at low frequencies, 'fokker_planck' right at all but seconds per frequency).
        'time_stepped' (delta synapses, fixed weights, Poisson drives; population level) is
        the neuron the simulation steps, with its time step and its synapses' jumps
        (:mod:`theory.time_stepped_lif`): self-consistent rates, responses and own spectra
        of that neuron, a few seconds per population. Next to a resonance it is the one to
        use: the diffusion theory's small errors there double the predicted peak.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency`` (Hz): one column per population (the spectrum of its
        activity, Hz) and ``all`` (the activity of all neurons together). ``attrs``:
        ``cross_spectra`` (F, n, n) complex, ``populations``, ``rates`` (Hz, the working
        point), ``own_spectra``.

    Raises
    ------
    ParameterError
        If a value is invalid; TheoryNotApplicable if the model is not covered.
    """
    d = _check(description)
    f = np.atleast_1d(np.asarray(frequencies, dtype=float))
    require_nonnegative("frequencies", f, "Hz")
    if own_spectra not in ("renewal", "poisson"):
        raise ParameterError(f"own_spectra must be 'renewal' or 'poisson'; got {own_spectra!r}")
    _check_method(method)
    if method == "time_stepped":
        if connectivity is not None:
            raise ParameterError("method='time_stepped' is population level: pass "
                                 "connectivity=None")
        names, sizes, rates, W, S = _time_stepped_linearisation(d, f, own_spectra)
        C = network.cross_spectra(W, S / sizes[None, :])
        return _spectra_table(C, names, sizes, rates, f, own_spectra)
    if connectivity is not None:
        return _resolved_spectra(d, f, connectivity, own_spectra, method)
    names, sizes, wp, point, W = _linearisations([d], f, method)[0]
    S = _own_spectra(point, wp, f, own_spectra)
    C = network.cross_spectra(W, S / sizes[None, :])
    return _spectra_table(C, names, sizes, wp["nu"], f, own_spectra)


def _check_method(method):
    if method not in ("shift", "fokker_planck", "time_stepped"):
        raise ParameterError(f"method must be 'shift', 'fokker_planck' or 'time_stepped'; got "
                             f"{method!r}")


def _spectra_table(C, names, sizes, rates, f, own_spectra):
    share = sizes / sizes.sum()
    table = pd.DataFrame({name: C[:, a, a].real for a, name in enumerate(names)},
                         index=pd.Index(f, name="frequency"))
    table["all"] = np.einsum("a,fab,b->f", share, C, share).real
    table.attrs.update(cross_spectra=C, populations=names, rates=rates,
                       own_spectra=own_spectra)
    return table


def _resolved_spectra(d, f, connectivity, own_spectra, method):
    """Population spectra from the neuron-resolved linear response on a realisation:
    C_pop(f) = V B D B^H V^T with B = (1 - W(f))^-1 over neurons and V the population
    averages; one N x N solve per frequency."""
    J, J_x, nu_x, params, _ = _neuron_inputs(d, connectivity)
    wp, point = _linear_point(d, J, params, J_x, nu_x)
    H, H2 = _transfer_functions(*point, f[:, None], method)
    S = _own_spectra(point, wp, f, own_spectra)
    names = list(d.populations)
    sizes = np.array([d.size(p) for p in names])
    member = np.repeat(np.arange(len(names)), sizes)
    filt, filt2 = _filters(d, names, f)  # per block of populations
    pairs = np.ix_(member, member)
    V = np.zeros((len(names), len(member)))
    V[member, np.arange(len(member))] = 1.0 / sizes[member]
    c, c2 = params[0][:, None] * J, params[0][:, None] * J * J
    C = np.empty((len(f), len(names), len(names)), dtype=complex)
    eye = np.eye(len(member))
    for k in range(len(f)):
        W = network.effective_connectivity(H[k:k + 1], c, filt[k][pairs][None], H2[k:k + 1],
                                           c2, filt2[k][pairs][None])[0]
        # V B = Z^T with (1 - W)^T Z = V^T
        Z = np.linalg.solve((eye - W).T, V.T)
        C[k] = (Z.T * S[k][None, :]) @ np.conj(Z)
    return _spectra_table(C, names, sizes, wp["nu"], f, own_spectra)


def stability(description: NetworkDescription | list, frequencies: ArrayLike | None = None, *,
              method: str = "shift") -> pd.DataFrame:
    """Linear stability of the asynchronous state of a description, or of each of a list.

    :func:`theory.dynamics.stability` on W(f): the number of unstable modes (winding
    number of det(1 - W)), the largest crossing of the positive real axis by an eigenvalue
    of W(f) (the margin: > 1 unstable through an oscillation at that crossing's frequency;
    its contour at 1 across a parameter plane is the critical line) and that frequency.
    A list is evaluated with one batched transfer-function evaluation (a phase diagram).

    Parameters
    ----------
    description : NetworkDescription or list of them
        LIF populations with delta or exponential current synapses.
    frequencies : array_like, optional
        Ascending frequencies from 0 (Hz); default 0 to 2 kHz in steps of 0.5 Hz. The
        winding number needs W to have decayed by the last one; the margin does not.
    method : {'shift', 'fokker_planck', 'time_stepped'}, optional
        As for :func:`spectrum_prediction` ('time_stepped': one self-consistent solve per
        description, seconds each).

    Returns
    -------
    pandas.DataFrame
        One row per description: ``unstable_modes``, ``margin``, ``frequency`` (Hz; 0 for
        a non-oscillatory instability, NaN without a crossing), ``rate`` (Hz, the mean
        working-point rate over neurons). ``attrs["eigenvalues"]``: a list of (F, n)
        complex arrays.

    Raises
    ------
    ParameterError
        If a value is invalid; TheoryNotApplicable if the model is not covered.
    """
    many = isinstance(description, (list, tuple))
    descriptions = [_check(d) for d in (description if many else [description])]
    f = np.arange(0.0, 2000.0, 0.5) if frequencies is None else np.asarray(frequencies, float)
    _check_method(method)
    if method == "time_stepped":
        parts = [_time_stepped_linearisation(d, f, "poisson") for d in descriptions]
        parts = [(names, sizes, rates, W) for names, sizes, rates, W, _ in parts]
    else:
        parts = [(names, sizes, wp["nu"], W)
                 for names, sizes, wp, _, W in _linearisations(descriptions, f, method)]
    rows, eigenvalues = [], []
    for names, sizes, rates, W in parts:
        result = network.stability(f, W)
        rows.append({"unstable_modes": result["unstable_modes"], "margin": result["margin"],
                     "frequency": result["frequency"],
                     "rate": float(np.sum(sizes * rates) / sizes.sum())})
        eigenvalues.append(result["eigenvalues"])
    table = pd.DataFrame(rows)
    table.attrs["eigenvalues"] = eigenvalues
    return table

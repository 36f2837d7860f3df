"""Checks shared by the engine-free core: the time step against a model's time constants,
random generators, plain SI numbers, and how an uncaught ParameterError is shown.

Numeric range checks live in :mod:`theory.errors`; the Brian2 engine adds its dimension
checks in :mod:`balanced_models.engines.brian2.units`. Nothing here imports a simulator.
"""

import numpy as np

from theory.errors import ParameterError, require

__all__ = ["ParameterError", "report_parameter_errors_plainly", "check_time_step", "check_rng",
           "check_plain_number"]


def report_parameter_errors_plainly():
    """Show an uncaught ParameterError as Python's plain traceback.

    Brian2 replaces ``sys.excepthook`` with one that presents every uncaught exception as
    "Brian 2 encountered an unexpected error" and keeps debug files in the temporary
    directory. A ParameterError is the user's input, named and explained by its message, not
    a Brian2 failure: this hook passes it to the default hook and everything else to the hook
    it replaces. Called once, when the package is imported.
    """
    import sys

    previous = sys.excepthook
    if getattr(previous, "_balanced_models", False):
        return

    def hook(exc_type, exc, traceback):
        if issubclass(exc_type, ParameterError):
            return sys.__excepthook__(exc_type, exc, traceback)
        return previous(exc_type, exc, traceback)

    hook._balanced_models = True
    sys.excepthook = hook


def _linear_membrane(spike, synapse, adapting=False):
    """True where the membrane is one linear equation between spikes (LIF with delta or jump
    synapses, no adaptation): Brian2 integrates it exactly; every other model with forward
    Euler, or exponential Euler (LIF with delta or jump synapses and adaptation)."""
    return spike == "lif" and synapse in ("delta", "conductance_jump") and not adapting


def _model_time_constants(tau_m, channel_taus, tau_ref, trace_tau, integrator):
    """The table :func:`check_time_step` reads: {name: (tau in s, integrator)} for the
    membrane and each channel (with ``integrator``, 'exact' or 'euler'), the refractory
    period and the plasticity trace (exact); None or 0 entries are left out."""
    taus = {"tau_m": (float(tau_m), integrator)}
    for c, tau in channel_taus.items():
        taus[f"tau of channel {c!r}"] = (float(tau), integrator)
    if tau_ref:
        taus["tau_ref"] = (float(tau_ref), "refractory")
    if trace_tau is not None:
        taus["trace tau"] = (float(trace_tau), "exact")
    return taus


#: the coarsest time step allowed, as a fraction of the fastest time constant (below)
STEPS_PER_TIME_CONSTANT = 10


def check_time_step(dt, time_constants, *, allow_coarse_dt=False, where="the network"):
    """Refuse a time step too coarse for the model's time constants.

    Parameters
    ----------
    dt : float
        Time step (s).
    time_constants : {name: (tau in s, integrator)}
        integrator: 'euler' (forward Euler, Brian2's method for exponential synapses and EIF
        neurons), 'exact' (the linear membranes of LIF neurons with delta or jump synapses,
        and plasticity traces) or 'refractory'. A tau of 0 (no refractory period) is skipped.
    allow_coarse_dt : bool
        Skip the check (for users who know their model tolerates the error).
    where : str
        Named in the message.

    Notes
    -----
    The limit is dt <= tau / 10 for every kind, for these reasons:

    - forward Euler multiplies a decaying variable by 1 - dt/tau per step instead of
      exp(-dt/tau); the relative error of the decay over one time constant is about
      dt / (2 tau), 5 % at dt = tau/10 (and Euler is unstable beyond dt = 2 tau);
    - exact integration has no error in the linear propagator, but the threshold is tested
      once per step, which raises the effective threshold by about 1.03 sigma sqrt(dt/tau)
      (:func:`theory.lif.threshold_shift`): a third of the input's standard deviation at
      dt = tau/10, tens of percent in the rate; coarser steps give meaningless rates (dt =
      50 ms with tau_m = 20 ms: no spike while v sits above threshold). Traces (STDP) sample
      the pairing window at dt: ten points per time constant;
    - a refractory period lasts a whole number of steps, up to one step longer than asked:
      10 % at dt = tau_ref/10.

    Raises
    ------
    ParameterError
        Naming dt, the time constant and the limit.
    """
    require("dt", dt, low=0.0, low_open=True, unit="s")
    if allow_coarse_dt:
        return
    for name, (tau, integrator) in time_constants.items():
        require(name, tau, low=0.0, unit="s")
        if tau and dt > tau / STEPS_PER_TIME_CONSTANT * (1 + 1e-9):
            why = {"euler": "integrated by forward Euler",
                   "exact": "integrated exactly, with the threshold tested once per step",
                   "refractory": "rounded up to whole steps"}[integrator]
            raise ParameterError(
                f"dt = {dt * 1e3:g} ms is too coarse for {name} = {tau * 1e3:g} ms of {where} "
                f"({why}): dt must be <= {name} / {STEPS_PER_TIME_CONSTANT} = "
                f"{tau / STEPS_PER_TIME_CONSTANT * 1e3:g} ms; pass allow_coarse_dt=True to run "
                f"anyway")


def check_rng(name, rng):
    """``rng`` must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed))."""
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"{name} must be a numpy.random.Generator (numpy.random."
                             f"default_rng(seed)); got {type(rng).__name__}")
    return rng


#: packages whose unit-carrying values the core refuses (it takes plain SI numbers)
_UNIT_PACKAGES = ("brian2", "quantities")


def check_plain_number(name, value, unit):
    """``value`` itself, after checking that it carries no unit object: the core takes plain SI
    numbers (floats or arrays), and a Brian2 or ``quantities`` value is refused with the SI
    number it stands for.

    Parameters
    ----------
    name : str
        The parameter, named in the message.
    value : object
        The value to check (a number or an array of numbers).
    unit : str
        The SI unit the value is meant in ('V', 's', 'Hz', '1'), named in the message.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        If ``value`` is a Brian2 or ``quantities`` quantity.
    """
    if type(value).__module__.split(".")[0] in _UNIT_PACKAGES:
        hint = ""
        if type(value).__module__.startswith("brian2"):
            hint = f", here {np.asarray(value, dtype=float).tolist()!r}"
        raise ParameterError(f"{name} must be a plain number in SI units ({unit}){hint}; got "
                             f"{value!r} (the engine-free core takes SI floats; Brian2 "
                             f"quantities belong to the Brian2 engine's parts)")
    return value

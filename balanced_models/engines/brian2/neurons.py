"""Neuron models as equation templates that emit Brian2 NeuronGroups.

One :class:`NeuronModel` = spike generation (LIF or EIF) x synapse type x named input channels:

=====================  =========================================  ===========================
synapse                channel c adds to dv/dt                    a spike of weight w does
=====================  =========================================  ===========================
``delta``              nothing                                    v += w            (w in V)
``current_exp``        I_c,  dI_c/dt = -I_c/tau_c  (V/s)          I_c += w/tau_c    (w in V)
``conductance_jump``   nothing                                    v += w (E_c - v)  (w: 1)
``conductance_exp``    g_c (E_c - v), dg_c/dt = -g_c/tau_c  (Hz)  g_c += w/tau_c    (w: 1)
=====================  =========================================  ===========================

So for every synapse type ``w`` is the integral of the synaptic kernel: the voltage kick of a
current synapse without leak, or the time integral of the conductance in units of the
membrane capacitance (g here is conductance / C_m, in Hz). ``conductance_jump`` with
``jump='exact'`` uses v -> E_c + (v - E_c) exp(-w), the exact effect of an instantaneous
conductance pulse.

Membrane: dv/dt = (E_L - v + mu_ext [+ Delta_T exp((v - V_T)/Delta_T)]) / tau_m + synaptic terms
[- w_adapt], spike when v > V_th, reset to V_r (and w_adapt += b, an adapting model: AdEx),
optional refractory period ``tau_ref`` during which v is clamped and instantaneous (delta,
jump) inputs are ignored (w_adapt evolves on).

With ``trace_tau`` set, every neuron also carries one spike trace for plasticity,
dx_trace/dt = -x_trace/tau_trace, x_trace += 1 at each spike (unit jumps, so its mean is
tau_trace times the rate). The increment happens in the reset, after the synapses have read the
trace, so STDP rules (:mod:`~balanced_models.engines.brian2.plasticity`) see the trace as it
stood before this step's spikes.

All parameters become variables of the group (shared constants, except the per-neuron
``mu_ext``), so they can be inspected, changed before a run, and changed between runs of a
compiled standalone network through ``run_args`` without recompiling.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, NeuronGroup, Quantity, defaultclock, ms, mV, second, volt

from theory.errors import ParameterError

from ...core.checks import _linear_membrane, _model_time_constants, check_time_step
from ...core.description import SYNAPSE_TYPES
from ._names import name_kwargs
from .cuda import is_cuda_device
from .inputs import poisson_count
from .units import check_quantity, integration_methods

__all__ = ["NeuronModel", "lif", "eif", "SYNAPSE_TYPES"]

#: Brian2 warns that ``v_post += w (E - v_post)`` (a conductance jump) depends on the order in
#: which simultaneous events are applied. It does, at O(w^2): the jump is meant per event, and
#: the order of events within one time step is arbitrary in every simulator. The warning about
#: exactly this code, the package's own, is not shown; any other code still warns.
_CONDUCTANCE_JUMP_CODE = re.compile(
    r"Abstract code: 'v_post \+= .*\(E_\w+_post - v_post\).*\(in-place\)'")


def _hide_conductance_jump_warning(record):
    return not _CONDUCTANCE_JUMP_CODE.search(record.getMessage())


logging.getLogger("brian2.codegen.generators.base").addFilter(_hide_conductance_jump_warning)
_CHANNEL_NEEDS = {"delta": (), "current_exp": ("tau",), "conductance_jump": ("E",),
                  "conductance_exp": ("tau", "E")}


@dataclass(frozen=True)
class NeuronModel:
    """A neuron model template; :meth:`group` makes a Brian2 NeuronGroup of it.

    Parameters
    ----------
    spike : {'lif', 'eif'}
        Leaky or exponential integrate-and-fire.
    synapse : str
        One of SYNAPSE_TYPES: 'delta', 'current_exp', 'conductance_jump',
        'conductance_exp'.
    params : dict
        Membrane parameters (Brian2 quantities): tau_m, E_L, V_th, V_r, and Delta_T and V_T for
        EIF.
    channels : dict, optional
        {name: {'tau': Quantity, 'E': Quantity}} with the keys the synapse type needs.
    refractory : brian2.Quantity, optional
        Refractory period, or None (the default) for none.
    jump : {'linear', 'exact'}, optional
        Conductance jumps v += w (E - v) ('linear', the default) or
        v += (E - v)(1 - exp(-w)) ('exact'); conductance_jump only.
    method : str, optional
        Brian2 integration method; None (the default): 'exact' where the membrane is linear
        between spikes (delta and jump LIF), forward 'euler' otherwise.
    trace_tau : brian2.Quantity, optional
        Time constant of the plasticity trace ``x_trace``, or None (the default).
    adaptation : dict, optional
        {'a': Quantity (Hz), 'b': Quantity (volt/second), 'tau_w': Quantity (second)}: an
        adaptation current ``w_adapt`` (volt/second) subtracted from dv/dt, with
        tau_w dw_adapt/dt = a (v - E_L) - w_adapt and w_adapt += b at each spike (AdEx,
        per unit capacitance); None (the default): none. Its Brian2 constants are
        ``a_adapt``, ``b_adapt`` and ``tau_w``.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or outside its range, or a choice
        is unknown.
    """

    spike: str
    synapse: str
    params: dict
    channels: dict = field(default_factory=dict)
    refractory: object = None
    jump: str = "linear"
    method: str = None
    trace_tau: object = None
    adaptation: dict = None

    def __post_init__(self):
        if self.spike not in ("lif", "eif"):
            raise ParameterError(f"spike must be 'lif' or 'eif'; got {self.spike!r}")
        if self.synapse not in SYNAPSE_TYPES:
            raise ParameterError(f"synapse must be one of {SYNAPSE_TYPES}; got {self.synapse!r}")
        if self.jump not in ("linear", "exact"):
            raise ParameterError(f"jump must be 'linear' or 'exact'; got {self.jump!r}")
        check_quantity("tau_m", self.params["tau_m"], second, low=0.0, low_open=True)
        for name in ("E_L", "V_th", "V_r") + (("V_T", "Delta_T") if self.spike == "eif" else ()):
            check_quantity(name, self.params[name], volt)
        if self.spike == "eif":
            check_quantity("Delta_T", self.params["Delta_T"], volt, low=0.0, low_open=True)
        if float(self.params["V_th"]) <= float(self.params["V_r"]):
            raise ParameterError("V_th must lie above V_r")
        if self.refractory is not None:
            check_quantity("refractory", self.refractory, second, low=0.0)
        if self.trace_tau is not None:
            check_quantity("trace_tau", self.trace_tau, second, low=0.0, low_open=True)
        if self.adaptation is not None:
            if not isinstance(self.adaptation, dict) or set(self.adaptation) != {"a", "b",
                                                                                 "tau_w"}:
                raise ParameterError(f"adaptation must be a dict with exactly 'a', 'b' and "
                                     f"'tau_w'; got {self.adaptation!r}")
            check_quantity("a", self.adaptation["a"], Hz)
            check_quantity("b", self.adaptation["b"], volt / second)
            check_quantity("tau_w", self.adaptation["tau_w"], second, low=0.0, low_open=True)
        if self.method is not None and self.method not in integration_methods():
            raise ParameterError(f"method must be one of Brian2's integration methods "
                                 f"{integration_methods()} or None; got {self.method!r}")
        for c, spec in self.channels.items():
            if not c.isidentifier():
                raise ParameterError(f"channel names must be identifiers; got {c!r}")
            for key in _CHANNEL_NEEDS[self.synapse]:
                if key not in spec:
                    raise ParameterError(f"channel {c!r} of a {self.synapse} model needs {key!r}")
            if "tau" in _CHANNEL_NEEDS[self.synapse]:
                check_quantity(f"tau of channel {c!r}", spec["tau"], second, low=0.0,
                               low_open=True)
            if "E" in _CHANNEL_NEEDS[self.synapse]:
                check_quantity(f"E of channel {c!r}", spec["E"], volt)

    # ----------------------------------------------------------------------------------------
    @property
    def weight_unit(self):
        """Unit of a synaptic weight w: volt for current synapses, 1 for conductances."""
        return volt if self.synapse in ("delta", "current_exp") else 1

    def equations(self, drive=()):
        """The Brian2 model string; ``drive`` lists channels with a built-in Poisson drive."""
        w_unit = "volt" if self.weight_unit is volt else "1"
        drift = "E_L - v + mu_ext"
        if self.spike == "eif":
            drift += " + Delta_T*exp((v - V_T)/Delta_T)"
        synaptic = ""
        lines = []
        for c in self.channels:
            if self.synapse == "current_exp":
                synaptic += f" + I_{c}"
                lines.append(f"dI_{c}/dt = -I_{c}/tau_{c} : volt/second")
            elif self.synapse == "conductance_exp":
                synaptic += f" + g_{c}*(E_{c} - v)"
                lines.append(f"dg_{c}/dt = -g_{c}/tau_{c} : Hz")
        if self.adaptation is not None:
            synaptic += " - w_adapt"
            lines += ["dw_adapt/dt = (a_adapt*(v - E_L) - w_adapt)/tau_w : volt/second",
                      "a_adapt : Hz (shared, constant)",
                      "b_adapt : volt/second (shared, constant)",
                      "tau_w : second (shared, constant)"]
        unless = " (unless refractory)" if self.refractory is not None else ""
        lines.insert(0, f"dv/dt = ({drift})/tau_m{synaptic} : volt{unless}")
        lines.append("mu_ext : volt (constant)")
        for name in self.params:
            lines.append(f"{name} : {'second' if name == 'tau_m' else 'volt'} (shared, constant)")
        for c, spec in self.channels.items():
            for key in _CHANNEL_NEEDS[self.synapse]:
                lines.append(f"{key}_{c} : {'second' if key == 'tau' else 'volt'} "
                             "(shared, constant)")
        if self.refractory is not None:
            lines.append("tau_ref : second (shared, constant)")
        if self.trace_tau is not None:
            lines += ["dx_trace/dt = -x_trace/tau_trace : 1",
                      "tau_trace : second (shared, constant)"]
        return "\n".join(lines + drive_declarations(self, drive, w_unit))

    def constants(self):
        """{variable: value} of the group's shared constants: the membrane parameters, each
        channel's ``tau_c`` / ``E_c``, ``tau_ref`` and ``tau_trace`` (Brian2 quantities), the
        values :meth:`group` sets and run_args can change."""
        values = dict(self.params)
        for c, spec in self.channels.items():
            for key in _CHANNEL_NEEDS[self.synapse]:
                values[f"{key}_{c}"] = spec[key]
        if self.refractory is not None:
            values["tau_ref"] = self.refractory
        if self.trace_tau is not None:
            values["tau_trace"] = self.trace_tau
        if self.adaptation is not None:
            values.update(a_adapt=self.adaptation["a"], b_adapt=self.adaptation["b"],
                          tau_w=self.adaptation["tau_w"])
        return values

    def increment(self, channel, weight, post=""):
        """Code for the effect of one input event of weight ``weight`` (an expression) on ``channel``.

        ``post`` is '_post' inside Synapses code. ``weight`` may include a count factor.
        """
        if self.synapse == "conductance_jump" and self.jump == "exact":
            clamp = f"int(not_refractory{post})*" if self.refractory is not None else ""
            c = channel
            return f"v{post} += {clamp}(E_{c}{post} - v{post})*(1 - exp(-({weight})))"
        target, factor = self.linear_effect(channel, post)
        return f"{target} += ({weight})*{factor}"

    def linear_effect(self, channel, post=""):
        """(target variable, factor): an event of weight w does ``target += w*factor``.

        For ``conductance_jump`` this is the linear jump, also when ``jump='exact'``.
        """
        self._check_channel(channel)
        clamp = f"int(not_refractory{post})" if self.refractory is not None else "1"
        c = channel
        return {"delta": (f"v{post}", clamp),
                "current_exp": (f"I_{c}{post}", f"(1/tau_{c}{post})"),
                "conductance_exp": (f"g_{c}{post}", f"(1/tau_{c}{post})"),
                "conductance_jump": (f"v{post}", f"{clamp}*(E_{c}{post} - v{post})"),
                }[self.synapse]

    def time_constants(self):
        """{name: (tau in s, integrator)} for :func:`~balanced_models.core.checks.check_time_step`:
        membrane and synaptic time constants with this model's integration method ('exact'
        for the linear LIF membranes, else Euler-like), the refractory period and the trace."""
        integrator = "exact" if self._method() in ("exact", "linear") else "euler"
        taus = _model_time_constants(
            self.params["tau_m"],
            {c: spec["tau"] for c, spec in self.channels.items() if "tau" in spec},
            self.refractory, self.trace_tau, integrator)
        if self.adaptation is not None:
            taus["tau_w"] = (float(self.adaptation["tau_w"]), integrator)
        return taus

    def group(self, N, *, name=None, drive=(), gaussian_drive=(), v_init="uniform", dt=None,
              allow_coarse_dt=False):
        """A NeuronGroup of N neurons with this model's parameters set.

        drive : channels that get a built-in independent Poisson drive. Per neuron it adds
            ``K_drive_c`` inputs at ``rate_drive_c`` with weight ``w_drive_c`` (all zero until
            set with :func:`~balanced_models.engines.brian2.inputs.set_poisson_drive`); every
            time step each neuron receives a Poisson number of events with mean K rate dt.
            Unlike PoissonInput these values can be changed by run_args without recompiling.
        gaussian_drive : channels of ``drive`` whose drive is the diffusion approximation of
            the Poisson drive: each step's event count is K rate dt + sqrt(K rate dt) N(0, 1),
            a Gaussian of the same mean and variance (an exponential channel becomes an
            Ornstein-Uhlenbeck process with the shot noise's mean, variance and correlation
            time; a conductance may then go negative)
        v_init : 'uniform' (uniform in [V_r, V_th]) or 'rest' (E_L)
        dt : the group's time step (default: the Simulation's, Brian2's defaultclock)
        allow_coarse_dt : skip the check of dt against the model's time constants
            (:func:`~balanced_models.core.checks.check_time_step`: dt <= tau / 10)
        """
        if isinstance(N, bool) or not isinstance(N, (int, np.integer, float, np.floating)) or \
                not np.isfinite(N) or int(N) != N or N < 1:
            raise ParameterError(f"N must be a positive integer; got {N!r}")
        step = float(defaultclock.dt if dt is None else check_quantity("dt", dt, second,
                                                                        low=0.0, low_open=True))
        check_time_step(step, self.time_constants(), allow_coarse_dt=allow_coarse_dt,
                        where=f"this {self.spike.upper()} model")
        reset = ("v = V_r" + ("\nx_trace += 1" if self.trace_tau is not None else "")
                 + ("\nw_adapt += b_adapt" if self.adaptation is not None else ""))
        kwargs = dict(threshold="v > V_th", reset=reset, method=self._method(),
                      **name_kwargs(name))
        if self.refractory is not None:
            kwargs["refractory"] = "tau_ref"
        if dt is not None:
            kwargs["dt"] = dt
        if drive:
            kwargs["namespace"] = {"poisson_count": poisson_count}
        G = NeuronGroup(int(N), self.equations(drive), **kwargs)
        for name_, value in self.constants().items():
            setattr(G, name_, value)
        if v_init == "uniform":
            G.v = "V_r + rand()*(V_th - V_r)"
        elif v_init == "rest":
            G.v = "E_L"
        else:
            raise ParameterError(f"v_init must be 'uniform' or 'rest'; got {v_init!r}")
        attach_drives(G, self, drive, gaussian_drive)
        return G

    # ----------------------------------------------------------------------------------------
    def _method(self):
        """'exact' for the linear LIF membranes; with adaptation those are two coupled linear
        equations, whose exact solution Brian2 writes with the square root of a discriminant
        that turns negative where the pair oscillates, so 'exponential_euler' (each variable
        decays exactly for one step with the other held); 'euler' for every other model."""
        if self.method is not None:
            return self.method
        if _linear_membrane(self.spike, self.synapse):
            return "exponential_euler" if self.adaptation is not None else "exact"
        return "euler"

    def _check_channel(self, channel):
        if self.synapse in ("current_exp", "conductance_exp", "conductance_jump"):
            if channel not in self.channels:
                raise ParameterError(f"unknown channel {channel!r}; this model has "
                                     f"{sorted(self.channels)}")


def drive_declarations(model, drive, w_unit):
    """Equation lines of the built-in Poisson drives on the channels ``drive`` of ``model``:
    per neuron K_drive_c inputs at rate_drive_c with weight w_drive_c (unit ``w_unit``)."""
    lines = []
    for c in drive:
        model._check_channel(c)
        lines += [f"K_drive_{c} : 1 (constant)", f"rate_drive_{c} : Hz (constant)",
                  f"w_drive_{c} : {w_unit} (constant)"]
    return lines


def attach_drives(G, model, drive, gaussian_drive):
    """The drives' per-step code on group G (declared by :func:`drive_declarations`): a
    Poisson count of events, or its Gaussian approximation on the channels
    ``gaussian_drive``, each applied as ``model.increment`` says."""
    unknown = set(gaussian_drive) - set(drive)
    if unknown:
        raise ParameterError(f"gaussian_drive must be channels of drive {list(drive)}; "
                             f"got {sorted(unknown)}")
    # on a GPU, Brian2's poisson (brian2cuda draws it with cuRAND); poisson_count's sampler is
    # host C++
    sampler = "poisson" if is_cuda_device() else "poisson_count"
    for c in drive:
        mean = f"K_drive_{c}*rate_drive_{c}*dt"
        count = (f"({mean} + sqrt({mean})*randn())" if c in gaussian_drive
                 else f"{sampler}({mean})")
        G.run_regularly(model.increment(c, f"{count}*w_drive_{c}"), when="synapses",
                        name=f"{G.name}_drive_{c}")


def lif(synapse: str = "delta", channels: dict | None = None, *, tau_m: Quantity = 20 * ms,
        E_L: Quantity = -70 * mV, V_th: Quantity = -50 * mV, V_r: Quantity = -60 * mV,
        refractory: Quantity | None = None, jump: str = "linear", method: str | None = None,
        trace_tau: Quantity | None = None) -> NeuronModel:
    """A leaky integrate-and-fire model (see :class:`NeuronModel` for the synapse types).

    Parameters
    ----------
    synapse : str, optional
        The synapse type. Default 'delta'.
    channels : dict, optional
        {name: {'tau': Quantity, 'E': Quantity}}; default e and i with tau 5 ms and reversal
        potentials 0 mV and -80 mV (only the keys the synapse type uses are kept).
    tau_m : brian2.Quantity, optional
        Membrane time constant. Default 20 ms.
    E_L : brian2.Quantity, optional
        Leak reversal potential. Default -70 mV.
    V_th : brian2.Quantity, optional
        Threshold. Default -50 mV.
    V_r : brian2.Quantity, optional
        Reset. Default -60 mV.
    refractory : brian2.Quantity, optional
        Refractory period; None (the default) for none.
    jump : {'linear', 'exact'}, optional
        Conductance jumps (conductance_jump only). Default 'linear'.
    method : str, optional
        Brian2 integration method (default: chosen by the model).
    trace_tau : brian2.Quantity, optional
        Time constant of the plasticity trace.

    Returns
    -------
    NeuronModel
        The model.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or outside its range, or a choice
        is unknown.

    Examples
    --------
    >>> from brian2 import mV, ms
    >>> model = lif("delta", E_L=0 * mV, V_th=20 * mV, V_r=10 * mV, refractory=2 * ms)
    >>> model.spike, model.synapse
    ('lif', 'delta')
    """
    return NeuronModel("lif", synapse, dict(tau_m=tau_m, E_L=E_L, V_th=V_th, V_r=V_r),
                       _channels(synapse, channels), refractory, jump, method, trace_tau)


def eif(synapse: str = "current_exp", channels: dict | None = None, *,
        tau_m: Quantity = 15 * ms, E_L: Quantity = -72 * mV, V_T: Quantity = -55 * mV,
        Delta_T: Quantity = 1 * mV, V_th: Quantity = -50 * mV, V_r: Quantity = -75 * mV,
        refractory: Quantity | None = None, method: str | None = None,
        trace_tau: Quantity | None = None) -> NeuronModel:
    """An exponential integrate-and-fire model.

    The defaults are those of Akil et al. and Zhu et al.

    Parameters
    ----------
    synapse : {'current_exp', 'conductance_exp'}, optional
        The synapse type. Default 'current_exp'.
    channels : dict, optional
        {name: {'tau': Quantity, 'E': Quantity}}; default e and i with tau 5 ms and reversal
        potentials 0 mV and -80 mV.
    tau_m : brian2.Quantity, optional
        Membrane time constant. Default 15 ms.
    E_L : brian2.Quantity, optional
        Leak reversal potential. Default -72 mV.
    V_T : brian2.Quantity, optional
        Soft threshold of the exponential term. Default -55 mV.
    Delta_T : brian2.Quantity, optional
        Slope factor (> 0). Default 1 mV.
    V_th : brian2.Quantity, optional
        The hard cut-off where a spike is counted. Default -50 mV.
    V_r : brian2.Quantity, optional
        Reset. Default -75 mV.
    refractory : brian2.Quantity, optional
        Refractory period; None (the default) for none.
    method : str, optional
        Brian2 integration method (default: forward Euler).
    trace_tau : brian2.Quantity, optional
        Time constant of the plasticity trace.

    Returns
    -------
    NeuronModel
        The model.

    Raises
    ------
    ParameterError
        If a value is of the wrong dimension, NaN, infinite or outside its range, or a choice
        is unknown.
    """
    if synapse not in ("current_exp", "conductance_exp"):
        raise ParameterError(f"synapse of an EIF model must be 'current_exp' or "
                             f"'conductance_exp'; got {synapse!r}")
    return NeuronModel("eif", synapse, dict(tau_m=tau_m, E_L=E_L, V_th=V_th, V_r=V_r, V_T=V_T,
                                            Delta_T=Delta_T),
                       _channels(synapse, channels), refractory, "linear", method, trace_tau)


def _channels(synapse, channels):
    if channels is None:
        channels = {"e": {"tau": 5 * ms, "E": 0 * mV}, "i": {"tau": 5 * ms, "E": -80 * mV}}
    if synapse not in SYNAPSE_TYPES:
        raise ParameterError(f"synapse must be one of {SYNAPSE_TYPES}; got {synapse!r}")
    return {c: {k: v for k, v in spec.items() if k in _CHANNEL_NEEDS[synapse]}
            for c, spec in channels.items()}

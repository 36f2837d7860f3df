"""A network declared once, as plain data: :class:`NetworkDescription`.

A description says what the network is, not how an engine builds it: populations of model
neurons, source populations of generated spikes, projections between them, Poisson drives
and what to record. Every number is an SI float (V, s, Hz; conductance weights are
dimensionless), so the same object feeds

* :func:`~balanced_models.core.realisation.realise`: the connectivity of every projection,
  the plain arrays the theory uses;
* :func:`balanced_models.simulate` and :func:`balanced_models.build`: the network on an
  engine (Brian2 or NEST), with handles named after the populations and projections;
* :mod:`balanced_models.core.predictions`: the theory of this network (population and neuron
  level), as pandas tables.

Naming convention, everywhere in the package: a projection is named ``"source->target"``;
``"E->I"`` is the projection *from* E *to* I. Dense matrices are indexed ``J[post, pre]``.

The description checks itself when it is made: a bad value raises
:class:`~theory.errors.ParameterError` naming the field. ``to_dict`` gives a JSON-serialisable
dict and ``NetworkDescription.from_dict(d.to_dict()) == d``, so a run can save exactly what it
simulated.

Examples
--------
Brunel's (2000) network in the asynchronous irregular state, 2,500 neurons::

    import balanced_models as bm
    cell = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
    exc = bm.Projection(bm.FixedInDegree(200), weight=0.1e-3, delay=1.5e-3)
    inh = bm.Projection(bm.FixedInDegree(50), weight=-0.5e-3, delay=1.5e-3)
    net = bm.NetworkDescription(
        populations={"E": bm.Population(2000, cell), "I": bm.Population(500, cell)},
        projections={"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
        drives={"E": bm.PoissonDrive(200, 20.0, 0.1e-3), "I": bm.PoissonDrive(200, 20.0, 0.1e-3)})
"""

import math
import re
from dataclasses import dataclass, field, fields

import numpy as np

from theory.errors import ParameterError, require

from .checks import _linear_membrane, _model_time_constants, check_time_step

__all__ = ["Neuron", "CustomNeuron", "Population", "PoissonSource", "CorrelatedSource",
           "WindowedPoissonSource", "SpikeTrainSource",
           "FixedInDegree", "Bernoulli", "HeterogeneousInDegree", "ExplicitConnections",
           "Plasticity", "Projection", "PoissonDrive", "Recording", "NetworkDescription",
           "split_projection_name", "SYNAPSE_TYPES", "CURRENT_SYNAPSES"]

SYNAPSE_TYPES = ("delta", "current_exp", "conductance_jump", "conductance_exp")
#: Synapse types whose weights are voltages (V); the others have dimensionless weights.
CURRENT_SYNAPSES = ("delta", "current_exp")
_PLASTICITY_PARAMETERS = {"soft_hebbian": ("w_max",), "additive": ("w_min", "w_max"),
                          "kohonen": ("beta",), "homeostatic": ("w_norm", "rho"),
                          "vogels_sprekeler": ("w_max", "rho"), "clipped_additive": ("w_max",)}


def split_projection_name(name):
    """(source, target) of a projection name ``"source->target"``."""
    parts = name.split("->") if isinstance(name, str) else ()
    if len(parts) != 2 or not all(p.isidentifier() for p in parts):
        raise ParameterError(f"a projection is named 'source->target' with population names "
                             f"that are identifiers (e.g. 'E->I', from E to I); got {name!r}")
    return parts[0], parts[1]


# ---------------------------------------------------------------------------------------------
# field checks
# ---------------------------------------------------------------------------------------------
def _number(field_name, value, **bounds):
    """A finite float within bounds (see theory.errors.require); bools and strings refused."""
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.integer,
                                                                 np.floating)):
        raise ParameterError(f"{field_name} must be a number; got {value!r}")
    require(field_name, float(value), **bounds)
    return float(value)


#: the longest time constant or delay (s) and the largest |potential| (V) a description takes:
#: beyond them a value is almost surely given in ms or mV instead of SI
LONGEST_TIME = 10.0
LARGEST_POTENTIAL = 1.0


def _time(field_name, value, **bounds):
    """A time (s) as :func:`_number` checks it, and at most :data:`LONGEST_TIME`."""
    value = _number(field_name, value, unit="s", **bounds)
    if value > LONGEST_TIME:
        raise ParameterError(f"{field_name} = {value:g} s is longer than any neuron's time "
                             f"constant or delay (at most {LONGEST_TIME:g} s): values are in "
                             f"SI units, so {value:g} ms is {value * 1e-3:g}")
    return value


def _potential(field_name, value, **bounds):
    """A potential (V) as :func:`_number` checks it, within +-:data:`LARGEST_POTENTIAL`."""
    value = _number(field_name, value, unit="V", **bounds)
    if abs(value) > LARGEST_POTENTIAL:
        raise ParameterError(f"{field_name} = {value:g} V lies beyond +-{LARGEST_POTENTIAL:g} V, "
                             f"which no neuron reaches: values are in SI units, so {value:g} mV "
                             f"is {value * 1e-3:g}")
    return value


def _integer(field_name, value, low=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)) \
            or not math.isfinite(value) or int(value) != value or value < low:
        raise ParameterError(f"{field_name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _choice(field_name, value, allowed):
    if value not in allowed:
        raise ParameterError(f"{field_name} must be one of {allowed}; got {value!r}")
    return value


def _set(obj, **values):
    for k, v in values.items():
        object.__setattr__(obj, k, v)


# ---------------------------------------------------------------------------------------------
# neurons and populations
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Neuron:
    """A leaky (``spike='lif'``) or exponential (``'eif'``) integrate-and-fire neuron, SI units.

    Parameters
    ----------
    spike : 'lif' or 'eif'
    synapse : 'delta', 'current_exp', 'conductance_jump' or 'conductance_exp'
        (see :mod:`balanced_models.engines.brian2.neurons` for what a weight means in each)
    tau_m : membrane time constant (s, > 0)
    E_L, V_th, V_r : resting potential, threshold and reset (V); V_th > V_r
    tau_ref : refractory period (s, >= 0; 0: none). While refractory, v is clamped and
        instantaneous inputs are dropped.
    V_T, Delta_T : EIF only: the exponential term Delta_T exp((v - V_T)/Delta_T) (V)
    channels : {name: {'tau': s, 'E': V}}: synaptic time constants (exponential synapses) and
        reversal potentials (conductance synapses) of each input channel
    jump : 'linear' or 'exact' (conductance_jump only)
    a, b, tau_w : spike-frequency adaptation (AdEx; Brette & Gerstner 2005), per unit
        capacitance like every input here: an adaptation current ``w_adapt`` (V/s) is
        subtracted from dv/dt, with tau_w dw_adapt/dt = a (v - E_L) - w_adapt, and jumps by
        ``b`` at each spike. ``a`` in 1/s (any sign), ``b`` in V/s, ``tau_w`` in s (> 0).
        tau_w None (the default): no adaptation, and a and b must be 0. NEST's a (nS) and
        b (pA) are C a and C b: a = 4 nS and b = 80.5 pA at C = 281 pF are a = 14.2 /s and
        b = 0.286 V/s.
    """

    spike: str = "lif"
    synapse: str = "delta"
    tau_m: float = 0.020
    E_L: float = 0.0
    V_th: float = 0.020
    V_r: float = 0.010
    tau_ref: float = 0.0
    V_T: float = None
    Delta_T: float = None
    channels: dict = field(default_factory=dict)
    jump: str = "linear"
    a: float = 0.0
    b: float = 0.0
    tau_w: float = None

    def __post_init__(self):
        _choice("spike", self.spike, ("lif", "eif"))
        _choice("synapse", self.synapse, SYNAPSE_TYPES)
        _choice("jump", self.jump, ("linear", "exact"))
        _set(self, tau_m=_time("tau_m", self.tau_m, low=0.0, low_open=True),
             tau_ref=_time("tau_ref", self.tau_ref, low=0.0))
        self._check_adaptation()
        for name in ("E_L", "V_th", "V_r"):
            _set(self, **{name: _potential(name, getattr(self, name))})
        if self.V_th <= self.V_r:
            raise ParameterError(f"V_th must lie above V_r; got V_th = {self.V_th} V, "
                                 f"V_r = {self.V_r} V")
        if self.spike == "eif":
            if self.V_T is None or self.Delta_T is None:
                raise ParameterError("an EIF neuron needs V_T and Delta_T (V)")
            _set(self, V_T=_potential("V_T", self.V_T),
                 Delta_T=_potential("Delta_T", self.Delta_T, low=0.0, low_open=True))
            if self.synapse not in ("current_exp", "conductance_exp"):
                raise ParameterError("synapse of an EIF neuron must be 'current_exp' or "
                                     f"'conductance_exp'; got {self.synapse!r}")
        elif self.V_T is not None or self.Delta_T is not None:
            raise ParameterError("V_T and Delta_T belong to EIF neurons (spike='eif') only")
        needs = {"delta": (), "current_exp": ("tau",), "conductance_jump": ("E",),
                 "conductance_exp": ("tau", "E")}[self.synapse]
        if not isinstance(self.channels, dict):
            raise ParameterError(f"channels must be a dict {{name: {{'tau': s, 'E': V}}}}; "
                                 f"got {self.channels!r}")
        channels = {}
        for c, spec in self.channels.items():
            if not isinstance(c, str) or not c.isidentifier():
                raise ParameterError(f"channel names must be identifiers; got {c!r}")
            if not isinstance(spec, dict) or set(spec) != set(needs):
                raise ParameterError(f"channel {c!r} of a {self.synapse} neuron takes exactly "
                                     f"{needs}; got {spec!r}")
            channels[c] = {k: _time(f"{k} of channel {c!r}", spec[k], low=0.0, low_open=True)
                           if k == "tau" else _potential(f"{k} of channel {c!r}", spec[k])
                           for k in needs}
        if needs and not channels:
            raise ParameterError(f"a {self.synapse} neuron needs at least one input channel")
        _set(self, channels=channels)

    def _check_adaptation(self):
        _set(self, a=_number("a", self.a, unit="1/s"), b=_number("b", self.b, unit="V/s"))
        if abs(self.b) * self.tau_m > LARGEST_POTENTIAL:
            raise ParameterError(
                f"b = {self.b:g} V/s moves v by b tau_m = {abs(self.b) * self.tau_m:g} V per "
                f"spike, beyond +-{LARGEST_POTENTIAL:g} V (|b| <= "
                f"{LARGEST_POTENTIAL / self.tau_m:g} V/s): b is the jump of the adaptation "
                "current per unit capacitance (V/s); NEST's b = 80.5 pA at C = 281 pF is "
                "b = 0.286 V/s")
        if self.tau_w is None:
            if self.a != 0 or self.b != 0:
                raise ParameterError("an adapting neuron (a or b non-zero) needs tau_w, the "
                                     "adaptation time constant (s, > 0)")
        else:
            _set(self, tau_w=_time("tau_w", self.tau_w, low=0.0, low_open=True))

    @property
    def adapting(self):
        """True where the neuron has an adaptation current (tau_w given)."""
        return self.tau_w is not None

    def time_constants(self, trace_tau=None):
        """{name: (tau in s, integrator)} of this neuron, for
        :func:`~balanced_models.core.checks.check_time_step` (the integrators of
        :mod:`balanced_models.engines.brian2.neurons`: exact for LIF with delta or jump
        synapses and no adaptation, Euler-like otherwise)."""
        integrator = ("exact" if _linear_membrane(self.spike, self.synapse, self.adapting)
                      else "euler")
        taus = _model_time_constants(
            self.tau_m, {c: spec["tau"] for c, spec in self.channels.items() if "tau" in spec},
            self.tau_ref, trace_tau, integrator)
        if self.adapting:
            taus["tau_w"] = (self.tau_w, integrator)
        return taus

    def state_variables(self):
        """The names of this neuron's state variables, what a :class:`Recording` may record:
        the potential ``v``, per channel the current ``I_c`` (current_exp, V/s) or the
        conductance ``g_c`` (conductance_exp, in units of the leak conductance per second),
        and the adaptation current ``w_adapt`` (V/s) of an adapting neuron."""
        prefix = {"current_exp": "I_", "conductance_exp": "g_"}.get(self.synapse)
        return (("v",) + (tuple(prefix + c for c in self.channels) if prefix else ())
                + (("w_adapt",) if self.adapting else ()))

    @property
    def weight_is_voltage(self):
        """True for current synapses (weights in V), False for conductances (dimensionless)."""
        return self.synapse in CURRENT_SYNAPSES

    @property
    def weight_unit(self):
        """The unit of this neuron's input weights, as a Connectivity names it: 'V' for
        current synapses, '1' for conductances."""
        return "V" if self.weight_is_voltage else "1"

    def check_channel(self, channel, where):
        """The channel an input uses: must exist (any name, or none, for delta synapses)."""
        if self.synapse == "delta":
            return channel or "x"
        if channel not in self.channels:
            raise ParameterError(f"{where}: channel must be one of {sorted(self.channels)}; "
                                 f"got {channel!r}")
        return channel


#: a line of Brian2 equations: "dx/dt = ... : unit", "x = ... : unit" or "x : unit (flags)"
_EQUATION_LINE = re.compile(r"^\s*(?:d(?P<diff>\w+)\s*/\s*dt|(?P<name>\w+))\s*(?P<kind>[=:])")


def _equation_names(model):
    """{name: 'differential' | 'subexpression' | 'parameter' | 'constant'} of the variables a
    Brian2 model string declares (a light reading of its lines; Brian2 checks the rest when
    the engine builds the group)."""
    names = {}
    for line in model.splitlines():
        line = line.split("#", 1)[0]
        match = _EQUATION_LINE.match(line)
        if not match:
            continue
        if match["diff"]:
            names[match["diff"]] = "differential"
        elif match["kind"] == "=":
            names[match["name"]] = "subexpression"
        else:
            flags = line.rsplit("(", 1)[1] if "(" in line else ""
            names[match["name"]] = "constant" if "constant" in flags else "parameter"
    return names


@dataclass(frozen=True)
class CustomNeuron:
    r"""A neuron model of the user's own Brian2 equations (the Brian2 engine runs it; the NEST
    engine and the theory refuse it, naming what would run it).

    Parameters
    ----------
    model : str
        Brian2 equations, with Brian2 units in the declarations, e.g.
        ``"dv/dt = (v - E_L)*(v - V_c)/(tau*(V_c - E_L)) + ... : volt"``.
    threshold : str
        Brian2 threshold condition, e.g. ``"v > V_peak"``.
    reset : str
        Brian2 reset code, e.g. ``"v = V_r"`` (may be empty).
    inputs : dict
        {channel: variable}: an input event of weight w on ``channel`` does
        ``variable += w``, w in the SI unit of ``variable`` (V for a volt variable, S for a
        siemens one, 1 for a dimensionless one). The variable must be declared in ``model``
        (a differential equation or a parameter). Projections and drives name the channel.
    parameters : dict, optional
        {name: value}: SI values of constants declared in ``model`` (``name : unit
        (constant)`` or ``(shared, constant)``); the unit comes from the declaration. They can
        change between runs of a compiled network (:func:`~balanced_models.load_realisation`).
    refractory : float or str, optional
        Refractory period (s, >= 0; 0: none, the default) or a Brian2 condition; see Brian2's
        ``NeuronGroup(refractory=...)`` (add ``(unless refractory)`` to clamp a variable).
    method : str, optional
        Brian2 integration method. Default 'euler'.
    initial : dict, optional
        {variable: value or (low, high)}: initial values in SI units, uniform in
        [low, high) per neuron (drawn from the run's seed); variables not named start at 0.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or of the wrong type, or a name is not declared in
        ``model``. A string Brian2 cannot read is refused when the engine builds the group,
        with Brian2's message.

    Examples
    --------
    A quadratic integrate-and-fire neuron driven through a current variable:

    >>> qif = CustomNeuron(
    ...     model="dv/dt = (v - E_L)*(v - V_c)/(tau*(V_c - E_L)) + I : volt\n"
    ...           "dI/dt = -I/tau_s : volt/second\n"
    ...           "tau : second (shared, constant)\ntau_s : second (shared, constant)\n"
    ...           "E_L : volt (shared, constant)\nV_c : volt (shared, constant)",
    ...     threshold="v > 0*mV", reset="v = -0.07*volt", inputs={"e": "I"},
    ...     parameters={"tau": 0.01, "tau_s": 0.005, "E_L": -0.065, "V_c": -0.05},
    ...     initial={"v": (-0.07, -0.055)})
    >>> qif.state_variables()
    ('v', 'I')
    """

    model: str
    threshold: str
    reset: str
    inputs: dict
    parameters: dict = field(default_factory=dict)
    refractory: object = 0.0
    method: str = "euler"
    initial: dict = field(default_factory=dict)

    #: what code that asks any neuron for its kind reads
    spike = "custom"
    synapse = "custom"
    adapting = False
    weight_is_voltage = False
    weight_unit = "1"

    def __post_init__(self):
        for name in ("model", "threshold", "reset", "method"):
            if not isinstance(getattr(self, name), str):
                raise ParameterError(f"{name} of a CustomNeuron must be a string (Brian2 code); "
                                     f"got {getattr(self, name)!r}")
        for name in ("model", "threshold"):
            if not getattr(self, name).strip():
                raise ParameterError(f"{name} of a CustomNeuron must not be empty")
        names = _equation_names(self.model)
        if not names:
            raise ParameterError("model of a CustomNeuron declares no variable (Brian2 "
                                 "equations: 'dv/dt = ... : volt', 'x : unit (constant)')")
        variables = {k for k, kind in names.items() if kind in ("differential", "parameter")}
        constants = {k for k, kind in names.items() if kind == "constant"}
        if not isinstance(self.inputs, dict) or not self.inputs:
            raise ParameterError(f"inputs of a CustomNeuron must be a non-empty dict "
                                 f"{{channel: variable}}; got {self.inputs!r}")
        for channel, variable in self.inputs.items():
            if not isinstance(channel, str) or not channel.isidentifier():
                raise ParameterError(f"channel names must be identifiers; got {channel!r}")
            if variable not in variables:
                raise ParameterError(f"inputs[{channel!r}] = {variable!r}: the variable an "
                                     f"input adds to must be declared in model, as a "
                                     f"differential equation or a parameter; the model has "
                                     f"{sorted(variables)}")
        for name, group in (("parameters", constants), ("initial", variables)):
            if not isinstance(getattr(self, name), dict):
                raise ParameterError(f"{name} of a CustomNeuron must be a dict; got "
                                     f"{getattr(self, name)!r}")
            unknown = set(getattr(self, name)) - group
            if unknown:
                what = ("constants ('name : unit (constant)')" if name == "parameters"
                        else "variables")
                raise ParameterError(f"{name} names {sorted(unknown)}, not {what} of the model; "
                                     f"it has {sorted(group)}")
        _set(self, parameters={k: _number(f"parameters[{k!r}]", v)
                               for k, v in self.parameters.items()})
        initial = {}
        for k, v in self.initial.items():
            if isinstance(v, (tuple, list)):
                if len(v) != 2:
                    raise ParameterError(f"initial[{k!r}] must be a value or (low, high); got "
                                         f"{v!r}")
                low = _number(f"initial[{k!r}] low", v[0])
                initial[k] = (low, _number(f"initial[{k!r}] high", v[1], low=low))
            else:
                initial[k] = _number(f"initial[{k!r}]", v)
        _set(self, initial=initial)
        if not isinstance(self.refractory, str):
            _set(self, refractory=_time("refractory", self.refractory, low=0.0))

    @property
    def channels(self):
        """{channel: variable}: the inputs (the name other neurons give their channels)."""
        return dict(self.inputs)

    def check_channel(self, channel, where):
        """The channel an input uses: one of :attr:`inputs`."""
        if channel not in self.inputs:
            raise ParameterError(f"{where}: channel must be one of {sorted(self.inputs)} (the "
                                 f"inputs of the CustomNeuron); got {channel!r}")
        return channel

    def time_constants(self, trace_tau=None):
        """{}: the time step is not checked against a user's equations (Brian2 integrates
        them as given)."""
        return {}

    def state_variables(self):
        """The variables a :class:`Recording` may record: those the model declares
        (differential equations, subexpressions and parameters)."""
        return tuple(k for k, kind in _equation_names(self.model).items() if kind != "constant")


@dataclass(frozen=True)
class Population:
    """``size`` neurons of one model.

    Parameters
    ----------
    size : number of neurons (>= 1)
    neuron : :class:`Neuron` or :class:`CustomNeuron`
    mu_ext : constant input, as a shift of the resting potential (V); 0 for a CustomNeuron
        (whose equations hold their own inputs)
    v_init : (low, high): initial potentials uniform in [low, high] (V); None: [V_r, V_th];
        None for a CustomNeuron (its ``initial``)
    """

    size: int
    neuron: Neuron
    mu_ext: float = 0.0
    v_init: tuple = None

    def __post_init__(self):
        _set(self, size=_integer("size", self.size, low=1),
             mu_ext=_potential("mu_ext", self.mu_ext))
        if not isinstance(self.neuron, (Neuron, CustomNeuron)):
            raise ParameterError(f"neuron must be a Neuron or a CustomNeuron; got "
                                 f"{type(self.neuron).__name__}")
        if isinstance(self.neuron, CustomNeuron) and (self.mu_ext != 0 or self.v_init):
            raise ParameterError("mu_ext and v_init belong to Neuron populations; a "
                                 "CustomNeuron takes its constant input in its equations and "
                                 "its initial values in 'initial'")
        if self.v_init is not None:
            if len(self.v_init) != 2:
                raise ParameterError(f"v_init must be (low, high) in V; got {self.v_init!r}")
            low = _potential("v_init low", self.v_init[0])
            high = _potential("v_init high", self.v_init[1], low=low)
            _set(self, v_init=(low, high))


# ---------------------------------------------------------------------------------------------
# source populations (spikes generated, no neuron model)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoissonSource:
    """Independent Poisson spike trains, a source population.

    Parameters
    ----------
    size : int
        Number of trains (>= 1).
    rate : float
        Rate of each train (Hz, >= 0).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    size: int
    rate: float

    def __post_init__(self):
        _set(self, size=_integer("size", self.size, low=1),
             rate=_number("rate", self.rate, low=0.0, unit="Hz"))


@dataclass(frozen=True)
class CorrelatedSource:
    """Poisson spike trains with a pairwise spike-count correlation, a source population.

    A shared mother train is thinned and each copy jittered by a Gaussian (see
    :func:`balanced_models.core.sources.correlated_spike_trains`); the trains are drawn for
    ``duration`` seconds.

    Parameters
    ----------
    size : int
        Number of trains (>= 1).
    rate : float
        Rate of each train (Hz, >= 0).
    c : float
        Pairwise spike-count correlation (0 to 1).
    duration : float
        Length of the trains (s, > 0).
    jitter : float, optional
        SD of the Gaussian jitter (s, >= 0). Default 5 ms.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    size: int
    rate: float
    c: float
    duration: float
    jitter: float = 0.005

    def __post_init__(self):
        _set(self, size=_integer("size", self.size, low=1),
             rate=_number("rate", self.rate, low=0.0, unit="Hz"),
             c=_number("c", self.c, low=0.0, high=1.0),
             duration=_number("duration", self.duration, low=0.0, low_open=True, unit="s"),
             jitter=_number("jitter", self.jitter, low=0.0, unit="s"))


@dataclass(frozen=True)
class WindowedPoissonSource:
    """Poisson spike trains active in a time window: an optogenetic-style stimulation.

    Parameters
    ----------
    size : int
        Number of trains (>= 1).
    rate : float
        Rate of each train while active (Hz, >= 0).
    start : float
        Start of the window (s, >= 0).
    stop : float
        End of the window (s, >= start); active for start <= t < stop.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    size: int
    rate: float
    start: float
    stop: float

    def __post_init__(self):
        _set(self, size=_integer("size", self.size, low=1),
             rate=_number("rate", self.rate, low=0.0, unit="Hz"),
             start=_number("start", self.start, low=0.0, unit="s"))
        _set(self, stop=_number("stop", self.stop, low=self.start, unit="s"))


@dataclass(frozen=True, eq=False)
class SpikeTrainSource:
    """Given spike trains, a source population.

    Every engine gets these very spikes, moved to the dt grid (a neuron's second spike in one
    time step is dropped).

    Parameters
    ----------
    size : int
        Number of trains (>= 1).
    indices : array_like of int
        Train of each spike (0 <= i < size).
    times : array_like of float
        Time of each spike (s, >= 0), one entry per spike.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    size: int
    indices: tuple
    times: tuple

    def __post_init__(self):
        _set(self, size=_integer("size", self.size, low=1))
        indices = np.asarray(self.indices)
        times = np.asarray(self.times, dtype=float)
        if indices.ndim != 1 or indices.shape != times.shape:
            raise ParameterError("indices and times of a SpikeTrainSource must be 1-d arrays "
                                 "of one length")
        if len(indices) and (np.any(indices != np.round(indices)) or indices.min() < 0
                             or indices.max() >= self.size):
            raise ParameterError(f"indices must be integers in [0, {self.size - 1}]")
        require("times", times, low=0.0, unit="s")
        _set(self, indices=indices.astype(np.int64), times=times)

    def __eq__(self, other):
        return (type(other) is type(self) and self.size == other.size
                and np.array_equal(self.indices, other.indices)
                and np.array_equal(self.times, other.times))

    def _plain(self):
        return {"size": self.size, "indices": self.indices.tolist(), "times": self.times.tolist()}


_SOURCES = (PoissonSource, CorrelatedSource, WindowedPoissonSource, SpikeTrainSource)


# ---------------------------------------------------------------------------------------------
# connection rules
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FixedInDegree:
    """Connection rule: every target neuron gets exactly ``K`` distinct sources.

    Parameters
    ----------
    K : int
        The in-degree (>= 0).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    K: int

    def __post_init__(self):
        _set(self, K=_integer("K", self.K))

    def mean_indegree(self, n_source, autapses):
        return float(self.K)


@dataclass(frozen=True)
class Bernoulli:
    """Connection rule: every (source, target) pair is connected with probability ``p``.

    Parameters
    ----------
    p : float
        Connection probability (0 to 1).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    p: float

    def __post_init__(self):
        _set(self, p=_number("p", self.p, low=0.0, high=1.0))

    def mean_indegree(self, n_source, autapses):
        return self.p * (n_source if autapses else n_source - 1)


@dataclass(frozen=True)
class HeterogeneousInDegree:
    """Connection rule: in-degrees drawn per target neuron, then that many distinct sources.

    Parameters
    ----------
    K : float
        Mean in-degree (> 0).
    cv : float
        Coefficient of variation of the in-degrees (>= 0).
    distribution : {'gamma', 'normal'}, optional
        The distribution of the in-degrees ('normal' is clipped at 0); rounded. Default
        'gamma'.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    K: float
    cv: float
    distribution: str = "gamma"

    def __post_init__(self):
        _set(self, K=_number("K", self.K, low=0.0, low_open=True),
             cv=_number("cv", self.cv, low=0.0),
             distribution=_choice("distribution", self.distribution, ("gamma", "normal")))

    def mean_indegree(self, n_source, autapses):
        return float(self.K)  # before rounding and clipping


@dataclass(frozen=True, eq=False)
class ExplicitConnections:
    """Connection rule: given synapses.

    Parameters
    ----------
    source : array_like of int
        Source neuron of each synapse (>= 0).
    target : array_like of int
        Target neuron of each synapse (>= 0).
    weight : array_like of float, optional
        Weight of each synapse, replacing the projection's weight (in its unit).
    delay : array_like of float, optional
        Delay of each synapse (s, >= 0).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    source: tuple
    target: tuple
    weight: tuple = None
    delay: tuple = None

    def __post_init__(self):
        source = np.asarray(self.source, dtype=np.int64)
        target = np.asarray(self.target, dtype=np.int64)
        if source.ndim != 1 or source.shape != target.shape:
            raise ParameterError("source and target of ExplicitConnections must be 1-d index "
                                 "arrays of equal length")
        if len(source) and (source.min() < 0 or target.min() < 0):
            raise ParameterError("source and target indices must be >= 0")
        _set(self, source=source, target=target)
        for name, unit in (("weight", ""), ("delay", "s")):
            value = getattr(self, name)
            if value is not None:
                arr = np.asarray(value, dtype=float)
                if arr.shape != source.shape:
                    raise ParameterError(f"{name} must have one entry per synapse "
                                         f"({len(source)}); got shape {arr.shape}")
                require(name, arr, low=0.0 if name == "delay" else None, unit=unit)
                _set(self, **{name: arr})

    def __eq__(self, other):
        return type(other) is type(self) and all(
            (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))
            for a, b in ((self.source, other.source), (self.target, other.target),
                         (self.weight, other.weight), (self.delay, other.delay)))

    def mean_indegree(self, n_source, autapses):
        return np.nan  # per neuron: see the realised connectivity

    def _plain(self):
        return {k: (None if getattr(self, k) is None else getattr(self, k).tolist())
                for k in ("source", "target", "weight", "delay")}


_RULES = (FixedInDegree, Bernoulli, HeterogeneousInDegree, ExplicitConnections)


# ---------------------------------------------------------------------------------------------
# plasticity, projections, drives, recording
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plasticity:
    """A pair-based STDP rule (:mod:`balanced_models.engines.brian2.plasticity` gives the update
    equations).

    Parameters
    ----------
    kind : 'soft_hebbian', 'additive', 'kohonen', 'homeostatic', 'vogels_sprekeler' or
        'clipped_additive'
    eta : learning rate: dimensionless for soft_hebbian and kohonen; in the weight unit (V for
        current synapses) for the others
    tau : time constant of the pre- and postsynaptic spike traces (s); both populations get it
    parameters : {name: value}: w_max (soft_hebbian); w_min, w_max (additive); beta (kohonen);
        w_norm and rho (Hz, the target rate; homeostatic); w_max and rho (vogels_sprekeler);
        w_max (clipped_additive). Weights in the weight unit; for vogels_sprekeler and
        clipped_additive w_max is a non-zero bound with the sign of the projection's weight.
    """

    kind: str
    eta: float
    tau: float
    parameters: dict = field(default_factory=dict)

    def __post_init__(self):
        _choice("kind", self.kind, tuple(_PLASTICITY_PARAMETERS))
        _set(self, eta=_number("eta", self.eta, low=0.0),
             tau=_time("tau", self.tau, low=0.0, low_open=True))
        needed = _PLASTICITY_PARAMETERS[self.kind]
        if not isinstance(self.parameters, dict) or set(self.parameters) != set(needed):
            raise ParameterError(f"parameters of a {self.kind} rule must be exactly {needed}; "
                                 f"got {self.parameters!r}")
        values = {k: _number(k, v, **({"low": 0.0, "unit": "Hz"} if k == "rho" else {}))
                  for k, v in self.parameters.items()}
        if self.kind == "homeostatic" and values["w_norm"] == 0:
            raise ParameterError("w_norm of a homeostatic rule must be non-zero")
        if self.kind in ("vogels_sprekeler", "clipped_additive") and values["w_max"] == 0:
            raise ParameterError(f"w_max of a {self.kind} rule must be non-zero (its sign is "
                                 "the sign of the weights)")
        _set(self, parameters=values)


@dataclass(frozen=True)
class Projection:
    """Synapses from one population to another; its name, ``"source->target"``, is its key
    in :attr:`NetworkDescription.projections`.

    Parameters
    ----------
    rule : FixedInDegree, Bernoulli, HeterogeneousInDegree or ExplicitConnections
    weight : mean weight: V for current synapses (negative: inhibitory), dimensionless for
        conductances (>= 0; the sign comes from the channel's reversal potential)
    weight_cv : coefficient of variation of the weights (>= 0)
    weight_distribution : 'gaussian' (w = J (1 + cv xi)) or 'lognormal' (sign of J kept)
    delay : constant delay (s), or (low, high): uniform per synapse
    channel : input channel of the target neuron (None for delta synapses)
    plasticity : a :class:`Plasticity` rule, or None for static synapses
    autapses : allow i -> i within one population
    target_range : (start, stop): only target neurons start <= i < stop (None: all)
    """

    rule: object
    weight: float
    weight_cv: float = 0.0
    weight_distribution: str = "gaussian"
    delay: object = 0.0
    channel: str = None
    plasticity: Plasticity = None
    autapses: bool = True
    target_range: tuple = None

    def __post_init__(self):
        if not isinstance(self.rule, _RULES):
            raise ParameterError(f"rule must be one of {[r.__name__ for r in _RULES]}; got "
                                 f"{self.rule!r}")
        _set(self, weight=_number("weight", self.weight),
             weight_cv=_number("weight_cv", self.weight_cv, low=0.0),
             weight_distribution=_choice("weight_distribution", self.weight_distribution,
                                         ("gaussian", "lognormal")))
        if isinstance(self.delay, (tuple, list)):
            if len(self.delay) != 2:
                raise ParameterError(f"delay must be a number or (low, high) in s; got "
                                     f"{self.delay!r}")
            low = _time("delay low", self.delay[0], low=0.0)
            _set(self, delay=(low, _time("delay high", self.delay[1], low=low)))
        else:
            _set(self, delay=_time("delay", self.delay, low=0.0))
        if self.channel is not None and not (isinstance(self.channel, str)
                                             and self.channel.isidentifier()):
            raise ParameterError(f"channel must be an identifier or None; got {self.channel!r}")
        if self.plasticity is not None and not isinstance(self.plasticity, Plasticity):
            raise ParameterError(f"plasticity must be a Plasticity or None; got "
                                 f"{self.plasticity!r}")
        if not isinstance(self.autapses, bool):
            raise ParameterError(f"autapses must be True or False; got {self.autapses!r}")
        if self.target_range is not None:
            if len(self.target_range) != 2:
                raise ParameterError(f"target_range must be (start, stop); got "
                                     f"{self.target_range!r}")
            start = _integer("target_range start", self.target_range[0])
            stop = _integer("target_range stop", self.target_range[1], low=start + 1)
            _set(self, target_range=(start, stop))

    def second_moment_factor(self):
        """E[w^2] / J^2 of this projection's weight distribution: 1 + weight_cv^2."""
        return 1.0 + self.weight_cv**2


@dataclass(frozen=True)
class PoissonDrive:
    """Independent Poisson input to every neuron of a population.

    Unlike a source population, no two neurons share a drive input. ``noise='gaussian'``
    replaces the input by its diffusion approximation (Brian2 engine only): each time step's
    number of events, Poisson with mean K rate dt, becomes a Gaussian of the same mean and
    variance. An exponential synapse then carries an Ornstein-Uhlenbeck process with the shot
    noise's mean, variance and correlation time (a conductance may go negative); a delta or
    jump synapse gets white noise. It tests what the diffusion theories assume, input by input.

    Parameters
    ----------
    K : float
        Inputs per neuron (a whole number, >= 0).
    rate : float
        Rate of each input (Hz, >= 0).
    weight : float
        Weight of each input, as for a projection (V for current synapses, dimensionless for
        conductances).
    channel : str, optional
        The neuron's input channel (default: the sign's default channel).
    noise : {'poisson', 'gaussian'}, optional
        Poisson events (default) or their diffusion approximation.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite, of the wrong type or outside its range.
    """

    K: float
    rate: float
    weight: float
    channel: str = None
    noise: str = "poisson"

    def __post_init__(self):
        _set(self, K=_number("K", self.K, low=0.0),
             rate=_number("rate", self.rate, low=0.0, unit="Hz"),
             weight=_number("weight", self.weight))
        if not self.K.is_integer():
            raise ParameterError(f"K must be a whole number of inputs (>= 0); got {self.K:g}")
        _choice("noise", self.noise, ("poisson", "gaussian"))
        if self.channel is not None and not (isinstance(self.channel, str)
                                             and self.channel.isidentifier()):
            raise ParameterError(f"channel must be an identifier or None; got {self.channel!r}")


@dataclass(frozen=True)
class Recording:
    """What to record.

    Parameters
    ----------
    spikes : {population: n}: spikes of the first n neurons (None: all); or a tuple of
        population names (all neurons). Default (None): every population, all neurons.
    states : {population: (variables, n, dt)}: the variables (tuple of names) of the first n
        neurons every dt seconds
    weights : {projection: (n, dt)}: n synapses drawn at random, every dt seconds
    """

    spikes: object = None
    states: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)

    def __post_init__(self):
        spikes = self.spikes
        if isinstance(spikes, (tuple, list)):
            spikes = {pop: None for pop in spikes}
        if spikes is not None:
            if not isinstance(spikes, dict):
                raise ParameterError(f"spikes must be a dict {{population: n}} or a tuple of "
                                     f"names; got {self.spikes!r}")
            spikes = {k: None if v is None else _integer(f"spikes[{k!r}]", v, low=1)
                      for k, v in spikes.items()}
        states = {}
        for pop, spec in dict(self.states).items():
            if len(spec) != 3:
                raise ParameterError(f"states[{pop!r}] must be (variables, n, dt); got {spec!r}")
            variables, n, dt = spec
            variables = (variables,) if isinstance(variables, str) else tuple(variables)
            states[pop] = (variables, _integer(f"states[{pop!r}] n", n, low=1),
                           _number(f"states[{pop!r}] dt", dt, low=0.0, low_open=True, unit="s"))
        weights = {}
        for proj, spec in dict(self.weights).items():
            if len(spec) != 2:
                raise ParameterError(f"weights[{proj!r}] must be (n, dt); got {spec!r}")
            weights[proj] = (_integer(f"weights[{proj!r}] n", spec[0], low=1),
                             _number(f"weights[{proj!r}] dt", spec[1], low=0.0, low_open=True,
                                     unit="s"))
        _set(self, spikes=spikes, states=states, weights=weights)


# ---------------------------------------------------------------------------------------------
# the description
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkDescription:
    """A whole network as plain data (module doc).

    Parameters
    ----------
    populations : {name: Population}: neurons with a model (names are identifiers)
    projections : {"source->target": Projection}; sources are populations or source
        populations, targets are populations
    sources : {name: PoissonSource | CorrelatedSource | WindowedPoissonSource}: source
        populations of generated spikes
    drives : {population: PoissonDrive or tuple of PoissonDrive}: independent Poisson input
    record : :class:`Recording` (default: the spikes of every population)
    dt : simulation time step (s); at most a tenth of every membrane, synaptic, refractory
        and trace time constant (:func:`~balanced_models.core.checks.check_time_step` says
        why)
    allow_coarse_dt : skip that check of dt (for users who know their model tolerates it)
    """

    populations: dict
    projections: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    drives: dict = field(default_factory=dict)
    record: Recording = field(default_factory=Recording)
    dt: float = 1e-4
    allow_coarse_dt: bool = False

    def __post_init__(self):
        for name in ("populations", "projections", "sources", "drives"):
            if not isinstance(getattr(self, name), dict):
                raise ParameterError(f"{name} must be a dict; got "
                                     f"{type(getattr(self, name)).__name__}")
        _set(self, dt=_number("dt", self.dt, low=0.0, low_open=True, unit="s"))
        if not self.populations:
            raise ParameterError("populations must name at least one population")
        for group, kind in ((self.populations, Population), (self.sources, _SOURCES)):
            for name, value in group.items():
                if not isinstance(name, str) or not name.isidentifier():
                    raise ParameterError(f"population names must be identifiers; got {name!r}")
                if not isinstance(value, kind):
                    what = "Population" if kind is Population else "source population"
                    raise ParameterError(f"{name!r} must be a {what}; got "
                                         f"{type(value).__name__}")
        clash = set(self.populations) & set(self.sources)
        if clash:
            raise ParameterError(f"names used for both a population and a source: {sorted(clash)}")
        for name, proj in self.projections.items():
            self._check_projection(name, proj)
        drives = {}
        for pop, value in self.drives.items():
            if pop not in self.populations:
                raise ParameterError(f"drives[{pop!r}]: no population {pop!r}")
            value = (value,) if isinstance(value, PoissonDrive) else tuple(value)
            neuron = self.populations[pop].neuron
            used = set()
            for d in value:
                if not isinstance(d, PoissonDrive):
                    raise ParameterError(f"drives[{pop!r}] must be PoissonDrive(s); got {d!r}")
                channel = neuron.check_channel(d.channel, f"drives[{pop!r}]")
                if channel in used:
                    raise ParameterError(f"drives[{pop!r}]: two drives on channel {channel!r}")
                used.add(channel)
                _check_weight_sign(f"drives[{pop!r}] weight", d.weight, neuron)
            drives[pop] = value
        _set(self, drives=drives)
        if not isinstance(self.record, Recording):
            raise ParameterError(f"record must be a Recording; got {self.record!r}")
        self._check_traces()
        self._check_recording()
        if not isinstance(self.allow_coarse_dt, bool):
            raise ParameterError(f"allow_coarse_dt must be True or False; got "
                                 f"{self.allow_coarse_dt!r}")
        for pop, population in self.populations.items():
            check_time_step(self.dt, population.neuron.time_constants(self.trace_tau(pop)),
                            allow_coarse_dt=self.allow_coarse_dt, where=f"population {pop!r}")

    def _check_projection(self, name, proj):
        source, target = split_projection_name(name)
        if not isinstance(proj, Projection):
            raise ParameterError(f"projections[{name!r}] must be a Projection; got {proj!r}")
        if source not in self.populations and source not in self.sources:
            raise ParameterError(f"projections[{name!r}]: no population or source {source!r}")
        if target not in self.populations:
            raise ParameterError(f"projections[{name!r}]: target {target!r} must be a population")
        neuron = self.populations[target].neuron
        neuron.check_channel(proj.channel, f"projections[{name!r}]")
        _check_weight_sign(f"projections[{name!r}] weight", proj.weight, neuron)
        n_source, n_target = self.size(source), self.size(target)
        if proj.target_range is not None and proj.target_range[1] > n_target:
            raise ParameterError(f"projections[{name!r}] target_range must lie within "
                                 f"[0, {n_target}]; got {proj.target_range}")
        bounded = proj.plasticity is not None and proj.plasticity.kind in (
            "vogels_sprekeler", "clipped_additive")
        if bounded and not (0 <= proj.weight / proj.plasticity.parameters["w_max"] <= 1):
            raise ParameterError(f"projections[{name!r}]: a {proj.plasticity.kind} weight must "
                                 f"lie between 0 and w_max = {proj.plasticity.parameters['w_max']}"
                                 f"; got {proj.weight}")
        custom = [p for p in (source, target) if p in self.populations
                  and isinstance(self.populations[p].neuron, CustomNeuron)]
        if proj.plasticity is not None and custom:
            raise ParameterError(f"projections[{name!r}]: plasticity needs the spike traces of "
                                 f"Neuron populations; {custom[0]!r} is a CustomNeuron (write "
                                 "the rule into its equations, or use a Neuron)")
        if proj.plasticity is not None and source in self.sources:
            raise ParameterError(f"projections[{name!r}]: plastic projections need neuron "
                                 "populations on both sides (spike traces)")
        rule = proj.rule
        allowed = n_source if proj.autapses or source != target else n_source - 1
        if isinstance(rule, FixedInDegree) and rule.K > allowed:
            raise ParameterError(f"projections[{name!r}] K must lie in [0, {allowed}] (the "
                                 f"number of allowed sources); got {rule.K}")
        if isinstance(rule, ExplicitConnections) and len(rule.source) and (
                rule.source.max() >= n_source or rule.target.max() >= self.target_size(name)):
            raise ParameterError(f"projections[{name!r}]: explicit indices must lie below "
                                 f"{n_source} (source) and {self.target_size(name)} (target)")

    def _check_recording(self):
        """Every recorded population, variable, neuron count and projection exists."""
        record = self.record
        for pop, n in (record.spikes or {}).items():
            if pop not in self.populations:
                raise ParameterError(f"record.spikes: no population {pop!r}; have "
                                     f"{sorted(self.populations)}")
            if n is not None and n > self.size(pop):
                raise ParameterError(f"record.spikes[{pop!r}] must lie in [1, "
                                     f"{self.size(pop)}] (the size of {pop!r}); got {n}")
        for pop, (variables, n, _) in record.states.items():
            if pop not in self.populations:
                raise ParameterError(f"record.states: no population {pop!r}; have "
                                     f"{sorted(self.populations)}")
            known = self.populations[pop].neuron.state_variables() + (
                ("x_trace",) if self.trace_tau(pop) is not None else ())
            for variable in variables:
                if variable not in known:
                    raise ParameterError(f"record.states[{pop!r}]: no variable {variable!r}; "
                                         f"a neuron of {pop!r} has {list(known)}")
            if n > self.size(pop):
                raise ParameterError(f"record.states[{pop!r}] n must lie in [1, "
                                     f"{self.size(pop)}] (the size of {pop!r}); got {n}")
        for proj in record.weights:
            if proj not in self.projections:
                raise ParameterError(f"record.weights: no projection {proj!r}; have "
                                     f"{sorted(self.projections)}")

    def target_size(self, name):
        """Number of target neurons of projection ``name`` (its target_range, or all)."""
        _, target = split_projection_name(name)
        r = self.projections[name].target_range
        return self.size(target) if r is None else r[1] - r[0]

    def _check_traces(self):
        """Every population touched by plastic projections gets one trace time constant."""
        for pop in self.populations:
            taus = {p.plasticity.tau for n, p in self.projections.items()
                    if p.plasticity is not None and pop in split_projection_name(n)}
            if len(taus) > 1:
                raise ParameterError(f"plastic projections of {pop!r} use different trace "
                                     f"time constants {sorted(taus)}; one trace per neuron")

    # -----------------------------------------------------------------------------------------
    def size(self, name):
        """Number of neurons (or spike trains) of a population or source."""
        if name in self.populations:
            return self.populations[name].size
        if name in self.sources:
            return self.sources[name].size
        raise ParameterError(f"no population or source {name!r}; have "
                             f"{sorted(self.populations) + sorted(self.sources)}")

    def trace_tau(self, population):
        """The plasticity trace time constant of a population (s), or None."""
        for name, p in self.projections.items():
            if p.plasticity is not None and population in split_projection_name(name):
                return p.plasticity.tau
        return None

    def channel(self, name):
        """The target channel of projection ``name`` (delta synapses: 'x')."""
        _, target = split_projection_name(name)
        return self.populations[target].neuron.check_channel(self.projections[name].channel,
                                                             f"projections[{name!r}]")

    def mean_indegree(self, name):
        """Mean number of inputs a target neuron gets through projection ``name``."""
        source, target = split_projection_name(name)
        proj = self.projections[name]
        return proj.rule.mean_indegree(self.size(source), proj.autapses or source != target)

    def recorded_spikes(self):
        """{population: n or None} whose spikes are recorded."""
        if self.record.spikes is None:
            return {pop: None for pop in self.populations}
        return dict(self.record.spikes)

    # -----------------------------------------------------------------------------------------
    def to_dict(self):
        """A JSON-serialisable dict; :meth:`from_dict` restores an equal description."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data):
        """The description of a dict made by :meth:`to_dict`."""
        return _restore(cls, data)


def _check_weight_sign(where, weight, neuron):
    if isinstance(neuron, CustomNeuron):  # in the input variable's unit, any sign
        return
    if neuron.weight_is_voltage and abs(weight) > LARGEST_POTENTIAL:
        raise ParameterError(f"{where} = {weight:g} V lies beyond +-{LARGEST_POTENTIAL:g} V: "
                             f"weights of {neuron.synapse} synapses are in volts, so "
                             f"{weight:g} mV is {weight * 1e-3:g}")
    if not neuron.weight_is_voltage and weight < 0:
        raise ParameterError(f"{where} must be >= 0 for conductance synapses (the sign comes "
                             f"from the reversal potential); got {weight}")


# ---------------------------------------------------------------------------------------------
# dict round trip
# ---------------------------------------------------------------------------------------------
_TYPES = {cls.__name__: cls for cls in (
    Neuron, CustomNeuron, Population, PoissonSource, CorrelatedSource, WindowedPoissonSource,
    SpikeTrainSource, FixedInDegree, Bernoulli, HeterogeneousInDegree, ExplicitConnections,
    Plasticity, Projection, PoissonDrive, Recording, NetworkDescription)}


def _plain(value):
    if isinstance(value, (ExplicitConnections, SpikeTrainSource)):
        return {"type": type(value).__name__, **value._plain()}
    if hasattr(value, "__dataclass_fields__"):
        return {"type": type(value).__name__,
                **{f.name: _plain(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _restore(expected, data):
    if isinstance(data, dict) and "type" in data:
        cls = _TYPES.get(data["type"])
        if cls is None or (expected is not None and cls is not expected):
            raise ParameterError(f"unknown or unexpected type {data['type']!r} in a network "
                                 "description dict")
        kwargs = {k: _restore_field(cls, k, v) for k, v in data.items() if k != "type"}
        return cls(**kwargs)
    raise ParameterError(f"expected a {expected.__name__} dict with a 'type'; got {data!r}")


def _restore_field(cls, name, value):
    if isinstance(value, dict) and "type" in value:
        return _restore(None, value)
    if isinstance(value, dict):
        return {k: _restore_field(cls, name, v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_restore_field(cls, name, v) for v in value)
    return value


"""How a description maps onto NEST: one declarative table of models, parameters and units.

Our neurons are written per unit capacitance (weights are voltage kicks, or conductance
integrals in units of C), so NEST's capacitance is a free scale: every NEST neuron gets
:data:`CAPACITANCE`, and weights are converted with it. :data:`MODELS` says, for each of our
(spike, synapse) pairs, which NEST model runs it, how its leak and threshold are written and
what a weight becomes (:data:`ADAPTING_MODELS` for neurons with adaptation: NEST's a = C a
in nS, b = C b in pA); :data:`WEIGHTS` holds the conversion of each kind of weight;
:data:`RULES` and :data:`NO_RULE` the plasticity rules. :func:`nest_neuron` and
:func:`nest_weight` read these tables; nothing else branches on the model.
"""

from dataclasses import dataclass, field

import numpy as np

from theory.errors import ParameterError, require

from ...core.description import ExplicitConnections, Neuron, split_projection_name
from ..base import check_description
from .nestml_models import nestml_model_name, nestml_parameters, nestml_unavailable

__all__ = ["CAPACITANCE", "MODELS", "ADAPTING_MODELS", "MULTISYNAPSE_MODELS",
           "NO_MULTISYNAPSE", "WEIGHTS", "RULES", "NO_RULE", "NestModel", "nest_neuron",
           "receptor_ports", "uses_nestml", "NESTML_MODELS",
           "nest_weight", "channel_receptors", "synapse_parameters"]

#: Membrane capacitance of every NEST neuron (pF); a free scale (module doc).
CAPACITANCE = 250.0


@dataclass(frozen=True)
class NestModel:
    """One row of :data:`MODELS`.

    Attributes
    ----------
    name : str
        The NEST model.
    leak : {'tau_m', 'g_L'}
        How NEST takes the membrane time constant: ``tau_m`` (ms), or the leak conductance
        ``g_L`` = C / tau_m (nS).
    threshold : {'V_th', 'V_peak'}
        The NEST parameter that gets our V_th, where a spike is counted and v reset (for EIF
        the cut-off ``V_peak``; NEST's ``V_th`` is then our exponential threshold V_T).
    weight : str
        A key of :data:`WEIGHTS`: what one of our weights becomes.
    fixed : dict
        Parameters every neuron of this model gets (NEST units).
    """

    name: str
    leak: str
    threshold: str
    weight: str
    fixed: dict = field(default_factory=dict)

    @property
    def exponential(self):
        """True for NEST's adaptive exponential models (our EIF, with a = b = 0)."""
        return self.name.startswith("aeif")

    @property
    def conductance(self):
        """True where the synapses are conductances (reversal potentials E_ex and E_in)."""
        return self.weight == "conductance"


#: (spike, synapse) -> the NEST model that runs it (module doc of the engine)
MODELS = {
    ("lif", "delta"): NestModel("iaf_psc_delta", "tau_m", "V_th", "kick",
                                {"refractory_input": False}),
    ("lif", "current_exp"): NestModel("iaf_psc_exp", "tau_m", "V_th", "charge"),
    ("lif", "conductance_exp"): NestModel("iaf_cond_exp", "g_L", "V_th", "conductance"),
    ("eif", "current_exp"): NestModel("aeif_psc_exp", "g_L", "V_peak", "charge",
                                      {"a": 0.0, "b": 0.0}),
    ("eif", "conductance_exp"): NestModel("aeif_cond_exp", "g_L", "V_peak", "conductance",
                                          {"a": 0.0, "b": 0.0}),
}

#: (spike, synapse) of an adapting neuron (tau_w set) -> the NEST model that runs it: NEST's
#: adaptive exponential models, with Delta_T = 0 for LIF (NEST then spikes at V_th, the
#: exponential term dropped: the LIF with adaptation, exactly)
ADAPTING_MODELS = {
    ("lif", "delta"): NestModel("aeif_psc_delta", "g_L", "V_th", "kick",
                                {"refractory_input": False, "Delta_T": 0.0}),
    ("lif", "current_exp"): NestModel("aeif_psc_exp", "g_L", "V_th", "charge", {"Delta_T": 0.0}),
    ("lif", "conductance_exp"): NestModel("aeif_cond_exp", "g_L", "V_th", "conductance",
                                          {"Delta_T": 0.0}),
    ("eif", "current_exp"): NestModel("aeif_psc_exp", "g_L", "V_peak", "charge"),
    ("eif", "conductance_exp"): NestModel("aeif_cond_exp", "g_L", "V_peak", "conductance"),
}

#: (spike, synapse) -> the NEST model with one receptor port per channel, for populations whose
#: channels do not fit the two receptors of MODELS (several time constants per sign of weight):
#: exact where NEST has such a model (module doc of the engine)
MULTISYNAPSE_MODELS = {
    ("lif", "current_exp"): NestModel("iaf_psc_exp_multisynapse", "tau_m", "V_th", "charge"),
}
#: why the other models with several time constants per sign have no NEST built-in (they run
#: on a NESTML model where NESTML models can be built: nestml_models)
NO_MULTISYNAPSE = {
    ("eif", "current_exp"): "NEST has no exponential integrate-and-fire model with a current "
                            "port per time constant (aeif_psc_exp has two: ex and in)",
    ("eif", "conductance_exp"): "NEST's aeif_cond_beta_multisynapse needs tau_rise > 0 ('All "
                                "synaptic time constants must be strictly positive'); at "
                                "tau_rise = 1 us its PSP differs from the exponential one by "
                                "0.09 % and a neuron integrates 10 times slower, so it is not "
                                "used",
    ("lif", "conductance_exp"): "NEST has no LIF model with exponential conductances per port "
                                "(iaf_cond_exp has two: ex and in)",
}

#: the models generated with NESTML (nestml_models; the name depends on the neuron): one
#: receptor port per channel; current weights are kicks (mV), the others efficacies
NESTML_MODELS = {
    synapse: NestModel("(generated with NESTML)", "tau_m", "V_th",
                       "kick" if synapse == "current_exp" else "efficacy")
    for synapse in ("current_exp", "conductance_exp", "conductance_jump")}

#: weight kind -> (NEST unit, weight in NEST units from w (SI) and the channel's tau (ms)):
#: a voltage kick; the same charge per spike of an exponential current; the same conductance
#: integral of an exponential conductance (signed by the receptor, :func:`nest_weight`)
WEIGHTS = {
    "kick": ("mV", lambda w, tau_ms: w * 1e3),
    "efficacy": ("1", lambda w, tau_ms: w),
    "charge": ("pA", lambda w, tau_ms: CAPACITANCE * w * 1e3 / tau_ms),
    "conductance": ("nS", lambda w, tau_ms: CAPACITANCE * w / tau_ms),
}

#: our plasticity rule -> the NEST synapse model that runs it
RULES = {"vogels_sprekeler": "vogels_sprekeler_synapse", "clipped_additive": "stdp_synapse"}
#: our plasticity rules without a NEST built-in -> what to do instead
NO_RULE = {
    "homeostatic": "Akil's multiplicative homeostatic rule (updates scaled by w/w_norm) has no "
                   "NEST built-in; use Plasticity('vogels_sprekeler', ...), the additive Vogels "
                   "rule with the same fixed point (post rate = rho), on both engines, or run "
                   "this description with the Brian2 engine",
    "additive": "the gated additive rule (updates stop at the bounds, Akil's R2/R3) has no NEST "
                "built-in; use Plasticity('clipped_additive', ...), NEST's stdp_synapse, on "
                "both engines, or run this description with the Brian2 engine",
    "soft_hebbian": "NEST has no soft-Hebbian rule; run this description with the Brian2 engine",
    "kohonen": "NEST has no Kohonen rule; run this description with the Brian2 engine",
}


def _model_of(neuron, ports=None):
    """The :data:`MODELS` row of ``neuron`` (:data:`MULTISYNAPSE_MODELS` with ``ports``); a
    ParameterError for what NEST cannot run."""
    if not isinstance(neuron, Neuron):
        raise ParameterError(f"neuron must be a Neuron; got {type(neuron).__name__}")
    if uses_nestml(neuron, ports):
        return NESTML_MODELS[neuron.synapse]
    if ports:
        return MULTISYNAPSE_MODELS[(neuron.spike, neuron.synapse)]
    table = ADAPTING_MODELS if neuron.adapting else MODELS
    if (neuron.spike, neuron.synapse) not in table:
        raise ParameterError(f"a{'n adapting' if neuron.adapting else ''} {neuron.spike} neuron "
                             f"with {neuron.synapse} synapses has no NEST built-in (conductance "
                             "jumps: see check_supported)")
    return table[(neuron.spike, neuron.synapse)]


def nest_neuron(neuron, *, mu_ext=0.0, trace_tau=None, receptors=None, ports=None):
    """(NEST model name, parameters in NEST units) of a
    :class:`~balanced_models.core.description.Neuron`, read off :data:`MODELS`.

    Parameters
    ----------
    neuron : Neuron
    mu_ext : float
        Constant input (V), as a shift of the resting potential; NEST's current
        I_e = C mu_ext / tau_m.
    trace_tau : float, optional
        Plasticity trace time constant (s) of a postsynaptic population.
    receptors : dict, optional
        {channel: +1 or -1} from :func:`channel_receptors` (exponential synapses).
    ports : dict, optional
        {channel: receptor port} from :func:`receptor_ports`: a multisynapse model, one
        synaptic time constant per port.

    Returns
    -------
    (str, dict)
    """
    model = _model_of(neuron, ports)
    mu_ext = float(require("mu_ext", mu_ext, unit="V"))
    if model in NESTML_MODELS.values():
        params = nestml_parameters(neuron, mu_ext)
        if trace_tau is not None:
            params["tau_minus"] = float(require("trace_tau", trace_tau, low=0.0, low_open=True,
                                                unit="s")) * 1e3
        return nestml_model_name(neuron), params
    if trace_tau is not None:
        trace_tau = float(require("trace_tau", trace_tau, low=0.0, low_open=True, unit="s"))
    C, tau_m = CAPACITANCE, neuron.tau_m * 1e3
    params = {"C_m": C, "E_L": neuron.E_L * 1e3, "V_reset": neuron.V_r * 1e3,
              "t_ref": neuron.tau_ref * 1e3, "I_e": C * mu_ext * 1e3 / tau_m,
              model.leak: tau_m if model.leak == "tau_m" else C / tau_m,
              model.threshold: neuron.V_th * 1e3, **model.fixed}
    if neuron.spike == "eif":
        params.update(V_th=neuron.V_T * 1e3, Delta_T=neuron.Delta_T * 1e3)
    elif model.exponential:  # LIF with adaptation: Delta_T = 0, the spike at V_th
        params["V_peak"] = neuron.V_th * 1e3
    if neuron.adapting:  # per unit capacitance -> NEST's nS and pA (module doc)
        params.update(a=C * neuron.a * 1e-3, b=C * neuron.b, tau_w=neuron.tau_w * 1e3)
    if ports:
        params["tau_syn"] = [neuron.channels[c]["tau"] * 1e3
                             for c in sorted(ports, key=ports.get)]
    receptors = receptors or {}
    for sign, suffix in ((1, "ex"), (-1, "in")):
        used = [c for c, s in receptors.items() if s == sign]
        if used:
            params[f"tau_syn_{suffix}"] = neuron.channels[used[0]]["tau"] * 1e3
            if model.conductance:
                params[f"E_{suffix}"] = neuron.channels[used[0]]["E"] * 1e3
    if trace_tau is not None:
        params["tau_minus"] = trace_tau * 1e3
    return model.name, params


def nest_weight(neuron, channel, weight, receptors=None, ports=None):
    """A weight in NEST units (mV, pA or nS; signed as NEST reads it) from ours (SI).

    Parameters
    ----------
    neuron : Neuron (the target's)
    channel : the input channel (ignored for delta synapses)
    weight : float or array: V for current synapses, dimensionless for conductances
    receptors : {channel: +1 or -1} (conductance synapses; default: :func:`channel_receptors`
        must have been applied by the caller)
    ports : {channel: receptor port} of :func:`receptor_ports`, or None

    Returns
    -------
    float or ndarray

    Examples
    --------
    A 0.2 mV kick of an exponential current synapse with tau = 5 ms is C w / tau_s
    = 250 pF x 0.2 mV / 5 ms = 10 pA:

    >>> n = Neuron(synapse="current_exp", channels={"e": {"tau": 0.005}})
    >>> round(nest_weight(n, "e", 2e-4), 12)
    10.0
    """
    model = _model_of(neuron, ports)
    weight = np.asarray(require("weight", weight), dtype=float)
    if neuron.synapse != "delta" and channel not in neuron.channels:
        raise ParameterError(f"channel must be one of {sorted(neuron.channels)}; got "
                             f"{channel!r}")
    tau = neuron.channels.get(channel, {}).get("tau")
    tau_ms = None if tau is None else tau * 1e3
    out = WEIGHTS[model.weight][1](weight, tau_ms)
    if model.conductance:  # (models on ports take efficacies or kicks, never this)
        out = (receptors or {}).get(channel, 1) * out
    return float(out) if out.ndim == 0 else out


def channel_receptors(description, population):
    """{channel: +1 or -1}: the NEST receptor of each input channel of ``population``, the
    sign NEST reads from the weight (+1: 'ex', -1: 'in'; module doc). Delta synapses: {};
    current channels that no input uses are left out.
    ParameterError if the channels do not fit NEST's two receptors."""
    d = check_description(description)
    if population not in d.populations:
        raise ParameterError(f"population must be one of {sorted(d.populations)}; got "
                             f"{population!r}")
    neuron = d.populations[population].neuron
    if neuron.synapse == "delta":
        return {}
    if neuron.synapse == "conductance_exp":
        kinds = sorted({(spec["E"], spec["tau"]) for spec in neuron.channels.values()})
        if len(kinds) > 2:
            raise ParameterError(
                f"population {population!r}: NEST's conductance models have two conductances "
                f"(ex, in); the channels have {len(kinds)} distinct (E, tau) pairs")
        if len(kinds) == 2 and kinds[0][0] == kinds[1][0]:
            raise ParameterError(f"population {population!r}: two conductance channels with "
                                 "one reversal potential but different tau do not map onto "
                                 "NEST's ex and in conductances")
        top = kinds[-1]
        return {c: 1 if (spec["E"], spec["tau"]) == top else -1
                for c, spec in neuron.channels.items()}
    signs = {c: set() for c in neuron.channels}
    for name, proj in d.projections.items():
        if split_projection_name(name)[1] == population:
            weights = (proj.rule.weight if isinstance(proj.rule, ExplicitConnections)
                       and proj.rule.weight is not None else [proj.weight])
            signs[d.channel(name)].update(np.sign(np.asarray(weights)).tolist())
    for drive in d.drives.get(population, ()):
        signs[drive.channel].add(float(np.sign(drive.weight)))
    receptors, taus = {}, {1: set(), -1: set()}
    for c, s in signs.items():
        s.discard(0.0)
        if len(s) > 1:
            raise ParameterError(f"population {population!r}: channel {c!r} gets positive and "
                                 "negative weights; NEST chooses the receptor by the sign")
        if s:  # a channel without inputs is left out
            receptors[c] = int(s.pop())
            taus[receptors[c]].add(neuron.channels[c]["tau"])
    for sign, found in taus.items():
        if len(found) > 1:
            raise ParameterError(
                f"population {population!r}: NEST's {neuron.synapse} models have one synaptic "
                f"time constant per sign of weight; the {'positive' if sign > 0 else 'negative'}"
                f" channels have {sorted(found)} s")
    return receptors


def uses_nestml(neuron, ports):
    """True where ``neuron`` runs on a NESTML model: conductance jumps, and channels on
    receptor ``ports`` (:func:`receptor_ports`) that no built-in multisynapse model takes."""
    return neuron.synapse == "conductance_jump" or bool(ports) and (
        (neuron.spike, neuron.synapse) not in MULTISYNAPSE_MODELS or neuron.adapting)


def receptor_ports(description, population):
    """{channel: NEST receptor port (1, 2, ...)} of ``population``, or None where
    :func:`channel_receptors` maps its channels onto NEST's two receptors.

    Ports where the channels need more (several time constants per sign of weight): a
    built-in multisynapse model (:data:`MULTISYNAPSE_MODELS`) or, where none fits, a NESTML
    model (:mod:`~balanced_models.engines.nest.nestml_models`); conductance jumps always run
    on a NESTML model. A ParameterError, with the reasons (:data:`NO_MULTISYNAPSE`, and why
    NESTML models cannot be built here), where nothing runs them."""
    d = check_description(description)
    neuron = d.populations[population].neuron if population in d.populations else None
    ports = None if neuron is None else {c: k + 1 for k, c in enumerate(neuron.channels)}
    if neuron is not None and getattr(neuron, "synapse", None) == "conductance_jump":
        return ports
    try:
        channel_receptors(d, population)
        return None
    except ParameterError as error:
        kind = (neuron.spike, neuron.synapse)
        if kind in MULTISYNAPSE_MODELS and not neuron.adapting:
            return ports
        reason = nestml_unavailable()
        if reason is None:
            return ports
        why = NO_MULTISYNAPSE.get(kind, "no NEST built-in has one port per channel for it")
        raise ParameterError(f"{error}; and {why}, and NESTML models cannot be built here: "
                             f"{reason}") from None


def synapse_parameters(plasticity, neuron, channel, receptors, ports=None):
    """(NEST synapse model, parameters in NEST units) of a plastic projection.

    Parameters
    ----------
    plasticity : Plasticity
        A rule of :data:`RULES`.
    neuron : Neuron
        The target's.
    channel : str
        The target channel.
    receptors : dict
        {channel: +1 or -1} of the target (:func:`channel_receptors`).

    Returns
    -------
    (str, dict)
    """
    if plasticity.kind not in RULES:
        raise ParameterError(f"plasticity: {NO_RULE[plasticity.kind]}")
    p = plasticity
    w_max = nest_weight(neuron, channel, p.parameters["w_max"], receptors, ports)
    if p.kind == "vogels_sprekeler":
        return RULES[p.kind], {"tau": p.tau * 1e3, "Wmax": w_max,
                                "eta": abs(nest_weight(neuron, channel, p.eta, receptors,
                                                       ports)),
                                "alpha": 2 * p.parameters["rho"] * p.tau}
    return RULES[p.kind], {"tau_plus": p.tau * 1e3, "Wmax": w_max,
                            "lambda": p.eta / abs(p.parameters["w_max"]), "alpha": 1.0,
                            "mu_plus": 0.0, "mu_minus": 0.0}

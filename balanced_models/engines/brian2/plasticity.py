"""Pair-based STDP rules written as Brian2 synaptic code (Akil, Rosenbaum & Josic sec. 3).

Every rule reads the per-neuron traces ``x_trace`` of the pre- and postsynaptic neurons (build
both groups with ``trace_tau``, see
:class:`~balanced_models.engines.brian2.neurons.NeuronModel`): unit jumps, time constant
tau_trace, so <x> = tau_trace * rate. Updates happen on spikes only:

==================  ==========================================  ================================
kind                on a presynaptic spike                      on a postsynaptic spike
==================  ==========================================  ================================
``soft_hebbian``    w -= eta x_post w                           w += eta x_pre w_max
``additive``        w -= eta x_post        (only if w > w_min)  w += eta x_pre (w_min < w < w_max)
``kohonen``         w += eta beta x_post                        w -= eta w
``homeostatic``     w -= eta (x_post - 2 rho tau_post) w/w_norm  w -= eta x_pre w/w_norm
``vogels_sprekeler``  |w| += eta x_post, then |w| -= 2 eta rho tau |w| += eta x_pre
``clipped_additive``  |w| -= eta x_post                         |w| += eta x_pre
==================  ==========================================  ================================

``vogels_sprekeler`` is the additive rule of Vogels et al. (2011) and NEST's
``vogels_sprekeler_synapse``; ``clipped_additive`` is additive STDP with hard bounds, NEST's
``stdp_synapse`` with mu_plus = mu_minus = 0 and alpha = 1. Both act on |w| and clip every
update to [0, |w_max|] (w keeps the sign of w_max), as NEST does, so the two engines run the
same rule. ``homeostatic`` is Akil's multiplicative rule and ``additive`` gates updates at the
bounds instead of clipping (Akil's R2/R3); NEST has neither.

Units: ``w``, ``w_max``, ``w_min``, ``beta``, ``w_norm`` have the weight unit of the synapse
(volt for current synapses); ``eta`` is dimensionless for soft_hebbian and kohonen and has the
weight unit for additive and homeostatic (whose bracket is dimensionless); ``rho`` is the
target rate of the postsynaptic neuron (Hz). ``homeostatic`` is the Vogels-type iSTDP rule
(I->E, and E->I or I->I with their own w_norm and rho); w and w_norm share their sign, so a
post rate above rho strengthens the synapse. No rule clips the weight.

The presynaptic pathway first delivers the spike with the old weight, then updates it; it runs
before the postsynaptic pathway, and both run before the resets add this step's spikes to the
traces (sec. 2.1 order). Every rule parameter is a shared variable of the Synapses, so
``run_args`` can change it between runs of a compiled network.
"""

from dataclasses import dataclass, field

from brian2 import Hz, volt

from theory.errors import ParameterError

from .units import check_quantity

__all__ = ["STDPRule", "RULE_KINDS", "DIMENSIONLESS_ETA_KINDS"]

_CODE = {
    "soft_hebbian": ("w = w - eta*x_trace_post*w", "w = w + eta*x_trace_pre*w_max"),
    "additive": ("w = w - eta*x_trace_post*int(w > w_min)",
                 "w = w + eta*x_trace_pre*int(w > w_min)*int(w < w_max)"),
    "kohonen": ("w = w + eta*beta*x_trace_post", "w = w - eta*w"),
    "homeostatic": ("w = w - eta*(x_trace_post - 2*rho*tau_trace_post)*(w/w_norm)",
                    "w = w - eta*x_trace_pre*(w/w_norm)"),
    "vogels_sprekeler": (
        "w = sign(w_max)*clip(abs(w) + eta*x_trace_post, 0*w_max, abs(w_max))\n"
        "w = sign(w_max)*clip(abs(w) - eta*2*rho*tau_trace_post, 0*w_max, abs(w_max))",
        "w = sign(w_max)*clip(abs(w) + eta*x_trace_pre, 0*w_max, abs(w_max))"),
    "clipped_additive": ("w = sign(w_max)*clip(abs(w) - eta*x_trace_post, 0*w_max, abs(w_max))",
                         "w = sign(w_max)*clip(abs(w) + eta*x_trace_pre, 0*w_max, abs(w_max))"),
}
_PARAMETERS = {"soft_hebbian": ("w_max",), "additive": ("w_min", "w_max"),
               "kohonen": ("beta",), "homeostatic": ("w_norm", "rho"),
               "vogels_sprekeler": ("w_max", "rho"), "clipped_additive": ("w_max",)}
RULE_KINDS = tuple(_CODE)
#: Rules whose learning rate eta is dimensionless (the others have the weight unit).
DIMENSIONLESS_ETA_KINDS = ("soft_hebbian", "kohonen")


@dataclass(frozen=True)
class STDPRule:
    """One plasticity rule, written as Brian2 synaptic code.

    Parameters
    ----------
    kind : str
        One of RULE_KINDS (see the module's table).
    eta : brian2.Quantity or float
        Learning rate: dimensionless for the soft Hebbian and Kohonen rules, in the weight's
        unit for the others.
    params : dict, optional
        The parameters the kind needs: ``w_max``, ``w_min``, ``beta``, ``w_norm`` (in the
        weight's unit) and ``rho`` (Hz).

    Raises
    ------
    ParameterError
        If the kind is unknown, a parameter is missing or extra, or ``rho`` is not a rate.
    """

    kind: str
    eta: object
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in _CODE:
            raise ParameterError(f"kind must be one of {RULE_KINDS}; got {self.kind!r}")
        missing = set(_PARAMETERS[self.kind]) - set(self.params)
        extra = set(self.params) - set(_PARAMETERS[self.kind])
        if missing or extra:
            raise ParameterError(f"a {self.kind} rule takes exactly the parameters "
                                 f"{_PARAMETERS[self.kind]}; got {sorted(self.params)}")
        if "rho" in self.params:
            check_quantity("rho", self.params["rho"], Hz, low=0.0)

    def check_units(self, weight_unit):
        """Check eta and the weight parameters against the synapse's weight unit."""
        eta_unit = 1 if self.kind in DIMENSIONLESS_ETA_KINDS else weight_unit
        check_quantity("eta", self.eta, eta_unit, low=0.0)
        for name in _PARAMETERS[self.kind]:
            if name != "rho":
                check_quantity(name, self.params[name], weight_unit)
        if self.kind == "homeostatic" and float(self.params["w_norm"]) == 0:
            raise ParameterError("w_norm of a homeostatic rule must be non-zero")

    def declarations(self, weight_unit):
        """Lines for the Synapses model: the rule's parameters as shared constants."""
        unit = "volt" if weight_unit is volt else "1"
        eta_unit = "1" if self.kind in DIMENSIONLESS_ETA_KINDS else unit
        lines = [f"eta : {eta_unit} (shared, constant)"]
        for name in _PARAMETERS[self.kind]:
            lines.append(f"{name} : {'Hz' if name == 'rho' else unit} (shared, constant)")
        return lines

    def on_pre(self):
        """Weight update run after the presynaptic spike has been delivered."""
        return _CODE[self.kind][0]

    def on_post(self):
        """Weight update run on a postsynaptic spike."""
        return _CODE[self.kind][1]

    def apply(self, synapses):
        """Set the rule's parameters on a Synapses object made with :meth:`declarations`."""
        synapses.eta = self.eta
        for name, value in self.params.items():
            setattr(synapses, name, value)

"""Synapses from a :class:`~balanced_models.core.connectivity.Connectivity`: :func:`connect`
creates them, streamed from files in a standalone project, and :func:`rewrite_connectivity`
gives a compiled network another realisation without recompiling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import os

import numpy as np
from brian2 import Function, Synapses, second, volt
from brian2.codegen.generators import CPPCodeGenerator
from brian2.units.fundamentalunits import Quantity

from theory.errors import ParameterError

from ...core.connectivity import Connectivity, StackedConnectivity
from ._names import name_kwargs
from .delivery import CompressedRowCodeObject, compressed_row_delivery_applies
from .custom_neurons import CustomModel
from .neurons import NeuronModel
from .plasticity import STDPRule
from .cuda import is_cuda_device
from .simulation import project_data_directory

if TYPE_CHECKING:
    from brian2 import Group

__all__ = ["connect", "rewrite_connectivity"]


def connect(source: Group, target: Group, connectivity: Connectivity,
            model: NeuronModel, channel: str, *, name: str | None = None,
            plasticity: STDPRule | None = None) -> Synapses:
    """Synapses from ``source`` to ``target`` realising ``connectivity`` on ``channel`` of ``model``.

    The weight ``w`` has unit ``model.weight_unit``. If all weights are equal and the synapses
    are static, ``w`` is one shared value (no per-synapse array; run_args can change it, so a
    sweep of the coupling needs no recompilation). Otherwise each synapse has its own ``w``,
    initialised from the Connectivity in the same order, so ``S.w[k]`` is
    ``connectivity.weight[k]``. Constant delays become one homogeneous delay; otherwise each
    synapse keeps its own.

    In a cpp_standalone project a presynaptic-major Connectivity (as the generators return it)
    is written to ``<project>/connectivity/`` and the binary reads it while it creates the
    synapses, so neither the Python process nor the binary keeps extra copies of the index
    arrays (Brian2's array path keeps several). The compiled code does not depend on the
    realisation: :func:`rewrite_connectivity` swaps in another one with the same structure.

    Parameters
    ----------
    source, target : brian2.NeuronGroup (or a subgroup, or any group that emits spikes)
        The presynaptic and postsynaptic groups.
    connectivity : Connectivity or StackedConnectivity
        Its ``weight_unit`` must be the model's: 'V' for current synapses, '1' for
        conductances.
    model : NeuronModel or CustomModel
        The target's model (:func:`~balanced_models.engines.brian2.neurons.lif`, ...).
    channel : str
        The target's input channel (any name for delta synapses).
    name : str, optional
        The Brian2 name of the Synapses.
    plasticity : STDPRule, optional
        None for static weights. Both groups must carry plasticity traces (``trace_tau``);
        the spike is delivered with the old weight before the presynaptic update.

    Returns
    -------
    brian2.Synapses

    Raises
    ------
    ParameterError
        For a model that is not a NeuronModel, a connectivity of the wrong kind, size or
        weight unit, or a plastic connection between groups without traces.
    """
    if not isinstance(model, (NeuronModel, CustomModel)):
        raise ParameterError(f"model must be the target's NeuronModel (e.g. bm.lif()) or "
                             f"CustomModel; got {type(model).__name__}")
    if not isinstance(connectivity, (Connectivity, StackedConnectivity)):
        raise ParameterError(f"connectivity must be a Connectivity; got "
                             f"{type(connectivity).__name__}")
    if plasticity is not None and not isinstance(plasticity, STDPRule):
        raise ParameterError(f"plasticity must be an STDPRule or None; got "
                             f"{type(plasticity).__name__}")
    for label, group in (("source", source), ("target", target)):
        if not hasattr(group, "variables") or not hasattr(group, "__len__"):
            raise ParameterError(f"{label} must be a Brian2 group; got {type(group).__name__}")
    if connectivity.n_pre != len(source) or connectivity.n_post != len(target):
        raise ParameterError(
            f"connectivity is {connectivity.n_pre} -> {connectivity.n_post} neurons but the "
            f"groups have {len(source)} -> {len(target)}")
    expected = "V" if model.weight_unit is volt else "1"
    if connectivity.weight_unit != expected:
        raise ParameterError(
            f"weight_unit of this connectivity is {connectivity.weight_unit!r}, but channel "
            f"{channel!r} of a {model.synapse} model needs weight_unit {expected!r} "
            f"({'volts' if expected == 'V' else 'dimensionless conductance integrals'})")
    model._check_channel(channel)
    unit = model.weight_unit
    uniform, weight = connectivity.uniform("weight")
    shared = plasticity is None and uniform
    lines = [("w : volt" if unit is volt else "w : 1") + (" (shared, constant)" if shared else "")]
    on_pre = model.increment(channel, "w", post="_post")
    kwargs = {}
    if plasticity is not None:
        for group, side in ((source, "presynaptic"), (target, "postsynaptic")):
            if "x_trace" not in group.variables:
                raise ParameterError(f"plastic synapses need traces: build the {side} group "
                                     f"{group.name!r} from a model with trace_tau")
        plasticity.check_units(unit)
        lines += plasticity.declarations(unit)
        on_pre += "\n" + plasticity.on_pre()
        kwargs["on_post"] = plasticity.on_post()
    homogeneous, delay = connectivity.uniform("delay")
    if homogeneous:
        kwargs["delay"] = delay * second
    if compressed_row_delivery_applies(plasticity is None, homogeneous):
        kwargs["codeobj_class"] = CompressedRowCodeObject
    S = Synapses(source, target, "\n".join(lines), on_pre=on_pre, **name_kwargs(name),
                 **kwargs)
    directory = project_data_directory("connectivity")
    # on a GPU, per-synapse weights and delays are set in device code, where the file
    # readers cannot run: such projections are compiled in (module doc of .cuda)
    streamed = directory is not None and connectivity.presynaptic_major and (
        not is_cuda_device() or (uniform and homogeneous))
    if not streamed and isinstance(connectivity, StackedConnectivity):
        connectivity = connectivity.merged()
    if streamed:
        _write_connectivity(directory, S.name, connectivity, per_synapse_weight=not uniform,
                            per_synapse_delay=not homogeneous)
        S.namespace = _stream_functions(S.name, unit)
        S.connect(j=f"bm_post_{S.name}() for k in range(bm_degree_{S.name}(i))")
    elif len(connectivity):
        S.connect(i=connectivity.pre, j=connectivity.post)
    if uniform:
        S.w = weight * unit
    else:
        S.w = f"bm_weight_{S.name}()" if streamed else connectivity.weight * unit
    if plasticity is not None:
        plasticity.apply(S)
    if not homogeneous:
        if streamed:
            S.pre.namespace = S.namespace  # the delays belong to the presynaptic pathway
        S.delay = f"bm_delay_{S.name}()" if streamed else connectivity.delay * second
    return S


def _write_connectivity(directory, name, connectivity, per_synapse_weight, per_synapse_delay,
                        record_layout=True):
    """Out-degrees (int32, one per presynaptic neuron) and targets (int32, presynaptic-major),
    plus weights and delays (float64, SI) where they differ between synapses. With
    ``record_layout`` (at build time), ``<name>.json`` records what the compiled code assumes
    (sizes, and the shared weight or delay); a rewrite keeps that record."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    connectivity.out_degrees().astype(np.int32).tofile(path + "_degree.bin")
    kinds = [("post", np.int32, True), ("weight", np.float64, per_synapse_weight),
             ("delay", np.float64, per_synapse_delay)]
    files = {kind: open(path + f"_{kind}.bin", "wb") for kind, _, keep in kinds if keep}
    try:
        for chunk in connectivity.chunks():
            for (kind, dtype, keep), values in zip(kinds, chunk):
                if keep:
                    np.ascontiguousarray(values, dtype=dtype).tofile(files[kind])
    finally:
        for f in files.values():
            f.close()
    layout = dict(n_pre=connectivity.n_pre, n_post=connectivity.n_post)
    for kind, _, per_synapse in kinds[1:]:
        if not per_synapse:
            layout[kind] = connectivity.uniform(kind)[1]
    if record_layout:
        with open(path + ".json", "w") as f:
            json.dump(layout, f)


def rewrite_connectivity(synapses: Synapses, connectivity: Connectivity) -> dict:
    """Give a compiled standalone network another realisation of the same projection.

    It takes effect at the next :meth:`Simulation.execute`, without recompiling. The population
    sizes must be the same; the synapse count may differ. Weights and delays that were per
    synapse stay per synapse. A homogeneous delay is part of the compiled code, so the new
    delays must be that constant. A shared weight is a run-time value: if the new connectivity
    has a uniform weight, it is returned as run_args for the next execute (also when it is the
    compiled one, so that it replaces whatever was loaded before).

    Parameters
    ----------
    synapses : brian2.Synapses
        Synapses made by :func:`connect` from a streamed connectivity in the current
        standalone project.
    connectivity : Connectivity
        The new realisation.

    Returns
    -------
    dict
        run_args ({synapses.w: weight}) the next execute needs; empty for per-synapse
        weights.

    Raises
    ------
    ParameterError
        If the synapses were not streamed in this project, or the new connectivity does not
        fit them (sizes, delays, weight unit).
    """
    directory = project_data_directory("connectivity")
    path = None if directory is None else os.path.join(directory, synapses.name)
    if path is None or not os.path.exists(path + ".json"):
        if is_cuda_device():
            raise ParameterError(
                f"synapses {synapses.name!r} have per-synapse weights or delays, which a "
                "cuda_standalone project compiles in (they are set on the GPU, where the "
                "streamed connectivity cannot be read): a new realisation of them needs a new "
                "build")
        raise ParameterError(f"synapses {synapses.name!r} were not created from a streamed "
                             "connectivity in the current standalone project")
    with open(path + ".json") as f:
        layout = json.load(f)
    if (connectivity.n_pre, connectivity.n_post) != (layout["n_pre"], layout["n_post"]):
        raise ParameterError(f"connectivity must be {layout['n_pre']} -> {layout['n_post']} "
                             f"neurons; got {connectivity.n_pre} -> {connectivity.n_post}")
    if not connectivity.presynaptic_major:
        raise ParameterError("connectivity must be in presynaptic-major order (as the "
                             "generators return it)")
    run_args = {}
    if "weight" in layout and len(connectivity):
        uniform, weight = connectivity.uniform("weight")
        if not uniform:
            raise ParameterError(f"weight of {synapses.name!r} is one shared value; the new "
                                 "connectivity must have one uniform weight")
        # always, the compiled value too: a run_arg loaded before would otherwise outlive it
        run_args[synapses.w] = Quantity(weight, dim=synapses.variables["w"].dim)
    if "delay" in layout and len(connectivity) and \
            connectivity.uniform("delay") != (True, layout["delay"]):
        raise ParameterError(f"delay of {synapses.name!r} is one compiled value "
                             f"{layout['delay']!r} s; the new connectivity must use it")
    _write_connectivity(directory, synapses.name, connectivity, "weight" not in layout,
                        "delay" not in layout, record_layout=False)
    return run_args


def _stream_functions(name, weight_unit):
    """Brian2 functions that read the connectivity files of projection ``name`` in order:
    bm_degree_<name>(i) (the out-degree; called once per presynaptic neuron, in order),
    bm_post_<name>(), bm_weight_<name>() and bm_delay_<name>() (the next value)."""
    functions = {}
    for kind, ctype, unit in (("degree", "int32_t", 1), ("post", "int32_t", 1),
                              ("weight", "double", weight_unit), ("delay", "double", second)):
        fname = f"bm_{kind}_{name}"
        code = f"""
#include <cstdio>
#include <cstdlib>
static {ctype} {fname}(...) {{
    static std::FILE* file = 0;
    static {ctype} buffer[65536];
    static size_t position = 0, filled = 0;
    if (position == filled) {{
        if (!file && !(file = std::fopen("connectivity/{name}_{kind}.bin", "rb"))) {{
            std::fprintf(stderr, "cannot read connectivity/{name}_{kind}.bin\\n");
            std::exit(1);
        }}
        filled = std::fread(buffer, sizeof({ctype}), 65536, file);
        position = 0;
        if (filled == 0) {{
            std::fprintf(stderr, "connectivity/{name}_{kind}.bin ended early\\n");
            std::exit(1);
        }}
    }}
    return buffer[position++];
}}
"""
        f = Function(pyfunc=None, arg_units=[1] if kind == "degree" else [],
                     return_unit=unit, return_type="integer" if ctype == "int32_t" else "float",
                     stateless=False)
        f.implementations.add_implementation(CPPCodeGenerator, code=code, name=fname)
        if is_cuda_device():  # the same host code: brian2cuda creates synapses on the host
            from brian2cuda.cuda_generator import CUDACodeGenerator
            f.implementations.add_implementation(CUDACodeGenerator, code=code, name=fname)
        functions[fname] = f
    return functions

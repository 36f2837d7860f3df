"""A run as an NWB file, and back.

`NWB <https://www.nwb.org>`_ (Neurodata Without Borders) is the archive format of
neurophysiology; DANDI, NWB Widgets and Neo (``neo.io.NWBIO``) read it. :func:`write_nwb`
stores a run with standard NWB types only:

- ``units``: one row per recorded neuron (also silent ones) with its ``spike_times`` (s),
  ``obs_intervals`` [0, duration] s, ``population`` and ``neuron`` (index in the population);
- ``acquisition``: one ``TimeSeries`` ``"{population}.{variable}"`` per recorded state variable,
  data (samples, neurons) in SI (``v`` in volts);
- ``processing["network"]``: one ``DynamicTable`` per projection, named ``"source->target"``,
  with the realised synapses' ``pre``, ``post`` (indices in the source and target
  populations), ``weight`` (V for current synapses, dimensionless conductances otherwise)
  and ``delay`` (s), as simulated at the start of the run (plastic weights change later);
- ``scratch["network_description"]``: the NetworkDescription as JSON
  (:meth:`~balanced_models.core.description.NetworkDescription.to_dict`), so that the file
  rebuilds the very network.

:func:`read_nwb` reads such a file into a
:class:`~balanced_models.core.activity.StoredActivity` with the description and the connectivity
attached; spike times, labels and synapses come back identical. pynwb is imported when
called: ``pip install balanced-models[nwb]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime
import json
import os
import uuid

import numpy as np

from theory.errors import ParameterError

from ..core.activity import RecordedActivity, StoredActivity
from ..core.description import split_projection_name

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["write_nwb", "read_nwb"]

_NETWORK_MODULE = "network"
_DESCRIPTION = "network_description"


def _import_pynwb():
    try:
        import pynwb
        from hdmf.common import DynamicTable, VectorData, VectorIndex
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("NWB export needs the nwb extra: pip install "
                          "'balanced-models[nwb]'") from error
    return pynwb, DynamicTable, VectorData, VectorIndex


def write_nwb(activity: RecordedActivity, path: str, *,
              session_description: str = "balanced-models simulation",
              identifier: str | None = None, session_start_time: "datetime | None" = None,
              overwrite: bool = False) -> str:
    """Write the recordings, description and realised connectivity of a run to NWB.

    Parameters
    ----------
    activity : RecordedActivity
        The handles of a run (either engine) or a StoredActivity; its ``description`` and
        ``connectivity`` are written when present.
    path : str or os.PathLike
        The file to write (``.nwb``).
    session_description : str
        NWB's required description of the session.
    identifier : str, optional
        NWB's unique identifier; default: a random UUID.
    session_start_time : datetime.datetime, optional
        Timezone-aware start time; default: now (UTC).
    overwrite : bool
        Replace an existing file. Without it an existing file is a ParameterError.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> write_nwb(handles, "brunel.nwb")                    # doctest: +SKIP
    >>> read_nwb("brunel.nwb").population_rates()           # doctest: +SKIP
    """
    import pathlib

    if not isinstance(activity, RecordedActivity):
        raise ParameterError(f"activity must be an engine's handles or a StoredActivity; got "
                             f"{type(activity).__name__}")
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise ParameterError(f"path must be a non-empty file path; got {path!r}")
    path = pathlib.Path(path)
    if path.is_dir():
        raise ParameterError(f"path must be a file, not the directory {str(path)!r}")
    if path.exists() and not overwrite:
        raise ParameterError(f"path {str(path)!r} exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise ParameterError(f"path's folder {str(path.parent)!r} does not exist")
    for name, value in (("session_description", session_description),
                        ("identifier", identifier)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ParameterError(f"{name} must be a non-empty string; got {value!r}")
    if session_start_time is None:
        session_start_time = datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(session_start_time, datetime.datetime) or \
            session_start_time.tzinfo is None:
        raise ParameterError("session_start_time must be a timezone-aware datetime")
    duration = activity.duration
    if duration is None:
        raise ParameterError("the activity has no duration (run it through simulate())")
    pynwb, DynamicTable, VectorData, VectorIndex = _import_pynwb()

    nwb = pynwb.NWBFile(session_description=session_description,
                        identifier=identifier or str(uuid.uuid4()),
                        session_start_time=session_start_time)
    nwb.units = _units_table(activity, duration, pynwb, VectorData, VectorIndex)
    for pop, variable, times, traces, step in activity.sampled_traces():
        nwb.add_acquisition(pynwb.TimeSeries(
            name=f"{pop}.{variable}", data=traces.T,
            unit="volts" if variable == "v" else "SI (model units)",
            starting_time=float(times[0]), rate=1.0 / step,
            description=f"{variable} of the first {traces.shape[0]} neurons of {pop}; "
                        "columns are neurons"))
    description = getattr(activity, "description", None)
    connectivity = getattr(activity, "connectivity", None) or {}
    if connectivity:
        module = nwb.create_processing_module(
            _NETWORK_MODULE, "the realised connectivity of the simulated network, one table "
                             "per projection source->target")
        for name in connectivity:
            c = connectivity[name]
            unit = ("V" if c.weight_unit == "V"
                    else "1 (conductance / leak conductance)")
            module.add(DynamicTable(
                name=name, description=f"synapses of {name} ({c.n_pre} sources, {c.n_post} "
                                       f"targets): pre and post indices in the source and "
                                       f"target populations, weight in {unit}, delay in s",
                columns=[VectorData(name="pre", description="source index",
                                    data=np.asarray(c.pre, dtype=np.int32)),
                         VectorData(name="post", description="target index",
                                    data=np.asarray(c.post, dtype=np.int32)),
                         VectorData(name="weight", description=f"weight ({unit})",
                                    data=np.ascontiguousarray(c.weight, dtype=float)),
                         VectorData(name="delay", description="delay (s)",
                                    data=np.ascontiguousarray(c.delay, dtype=float))]))
    if description is not None:
        nwb.add_scratch(json.dumps(description.to_dict()), name=_DESCRIPTION,
                        description="balanced_models NetworkDescription.to_dict() as JSON")
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def _units_table(activity, duration, pynwb, VectorData, VectorIndex):
    """The units table of every recorded neuron, built column-wise (no per-unit call)."""
    pops, neurons, times, counts = [], [], [], []
    for pop in activity.recorded_populations():
        i, t = activity.spike_trains(pop)
        i, t = np.asarray(i, dtype=np.int64), np.asarray(t, dtype=float)
        n = activity.recorded_neurons(pop)
        order = np.lexsort((t, i))
        times.append(t[order])
        counts.append(np.bincount(i, minlength=n))
        neurons.append(np.arange(n))
        pops.extend([pop] * n)
    n_units = len(pops)
    spike_times = VectorData(name="spike_times", description="spike times (s)",
                             data=np.concatenate(times))
    intervals = VectorData(name="obs_intervals", description="observation interval (s)",
                           data=np.tile([[0.0, float(duration)]], (n_units, 1)))
    columns = [spike_times,
               VectorIndex(name="spike_times_index", data=np.cumsum(np.concatenate(counts)),
                           target=spike_times),
               intervals,
               VectorIndex(name="obs_intervals_index", data=np.arange(1, n_units + 1),
                           target=intervals),
               VectorData(name="population", description="population of the neuron",
                          data=np.array(pops, dtype=str)),
               VectorData(name="neuron", description="index of the neuron in its population",
                          data=np.concatenate(neurons))]
    return pynwb.misc.Units(name="units", description="simulated neurons",
                            id=np.arange(n_units), columns=columns)


def read_nwb(path: str) -> StoredActivity:
    """Read a file written by :func:`write_nwb`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    StoredActivity
        spike trains per population, state traces, duration (the end of the observation
        intervals), the NetworkDescription (None if the file has none) and the connectivity
        {"source->target": Connectivity}.
    """
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise ParameterError(f"path must be an existing NWB file; got {path!r}")
    pynwb, *_ = _import_pynwb()
    from ..core.connectivity import Connectivity
    from ..core.description import NetworkDescription

    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units
        if units is None:
            raise ParameterError(f"{str(path)!r} has no units table")
        flat = np.asarray(units["spike_times"].target.data[:], dtype=float)
        ends = np.asarray(units["spike_times"].data[:], dtype=np.int64)
        owner = np.repeat(np.arange(len(ends)), np.diff(np.concatenate([[0], ends])))
        pops = np.asarray([p.decode() if isinstance(p, bytes) else p
                           for p in units["population"].data[:]])
        neuron = np.asarray(units["neuron"].data[:], dtype=np.int64)
        duration = float(np.max(units["obs_intervals"].target.data[:])) if len(ends) else None
        spikes = {}
        for pop in dict.fromkeys(pops):
            rows = np.flatnonzero(pops == pop)
            mine = np.isin(owner, rows)
            spikes[pop] = (neuron[owner[mine]], flat[mine], int(neuron[rows].max()) + 1)
        states = {}
        for name, series in nwb.acquisition.items():
            pop, _, variable = name.partition(".")
            data = np.asarray(series.data[:], dtype=float)
            times = series.starting_time + np.arange(data.shape[0]) / series.rate
            states.setdefault(pop, {})[variable] = (times, data.T)
        description = None
        if _DESCRIPTION in nwb.scratch:
            text = nwb.get_scratch(_DESCRIPTION)
            description = NetworkDescription.from_dict(json.loads(
                text if isinstance(text, str) else str(np.asarray(text)[()])))
        connectivity = {}
        if _NETWORK_MODULE in nwb.processing:
            for name, table in nwb.processing[_NETWORK_MODULE].data_interfaces.items():
                connectivity[name] = _connectivity(Connectivity, table, description, name)
    return StoredActivity(spikes, states, duration=duration, description=description,
                          connectivity=connectivity)


def _connectivity(Connectivity, table, description, name):
    """A projection's table as a Connectivity: sizes and weight unit from the description
    (without one: sizes from the largest index, weight unit from the column's text)."""
    pre = np.asarray(table["pre"].data[:], dtype=np.int32)
    post = np.asarray(table["post"].data[:], dtype=np.int32)
    if description is not None and name in description.projections:
        source, target = split_projection_name(name)
        n_pre, n_post = description.size(source), description.target_size(name)
        weight_unit = description.populations[target].neuron.weight_unit
    else:
        n_pre = int(pre.max()) + 1 if len(pre) else 0
        n_post = int(post.max()) + 1 if len(post) else 0
        weight_unit = "V" if table["weight"].description == "weight (V)" else "1"
    return Connectivity(pre, post, np.asarray(table["weight"].data[:], dtype=float),
                        np.asarray(table["delay"].data[:], dtype=float), n_pre, n_post,
                        weight_unit)

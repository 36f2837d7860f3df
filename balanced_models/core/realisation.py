"""The connectivity of a :class:`~balanced_models.core.description.NetworkDescription`, drawn
from a seed: the plain arrays that an engine simulates and the theory reads.

Each projection draws from its own random stream, seeded by (seed, CRC-32 of its name), so
the realisation of one projection does not depend on which other projections exist, and the
same seed gives bit-identical arrays in every process and on every machine (numpy's PCG64).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from theory.errors import ParameterError

from . import connectivity as conn
from .description import (Bernoulli, ExplicitConnections, FixedInDegree, HeterogeneousInDegree,
                          NetworkDescription, split_projection_name)

if TYPE_CHECKING:
    from .connectivity import Connectivity
    from .description import NetworkDescription

__all__ = ["realise", "realise_projection", "Realisation", "stream", "check_seed",
           "dense_matrix", "sampled_synapses"]


def check_seed(seed):
    """The seed as an int; ParameterError unless it is a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)


def stream(seed, name):
    """The random generator of the item ``name`` (a projection, source or monitor) for
    ``seed``: independent of every other name, identical in every process."""
    return np.random.default_rng([check_seed(seed), zlib.crc32(name.encode())])


def realise(description: NetworkDescription, seed: int) -> dict[str, Connectivity]:
    """The connectivity of every projection of ``description`` for ``seed``.

    Parameters
    ----------
    description : NetworkDescription
    seed : non-negative integer

    Returns
    -------
    dict
        {"source->target": :class:`~balanced_models.core.connectivity.Connectivity`}, synapses in
        source-major order; weights in SI (V for current synapses, dimensionless for
        conductances), delays in s. With a ``target_range`` the target indices count from the
        range's start.

    Examples
    --------
    >>> c = realise(net, seed=1)["E->I"]     # doctest: +SKIP
    >>> c.to_dense().shape                  # (N_I, N_E), J[post, pre] in V
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    seed = check_seed(seed)
    return {name: realise_projection(description, name, seed) for name in description.projections}


def sampled_synapses(seed, name, n_synapses, n):
    """The sorted indices of the synapses whose weights are recorded for projection ``name``:
    ``min(n, n_synapses)`` of ``n_synapses`` (in realisation order), drawn from the
    projection's own stream, so every engine records the same synapses.

    Parameters
    ----------
    seed : non-negative integer
    name : projection name, "source->target"
    n_synapses : number of synapses of the projection (integer >= 0)
    n : number to sample (integer >= 1)

    Returns
    -------
    ndarray of int
    """
    for label, value, low in (("n_synapses", n_synapses, 0), ("n", n, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{label} must be an integer >= {low}; got {value!r}")
    return np.sort(stream(seed, f"weights {name}").choice(int(n_synapses),
                                                          min(int(n), int(n_synapses)),
                                                          replace=False))


class Realisation(Mapping):
    """The connectivity of every projection of a description for one seed, drawn when first
    asked for (``realise`` draws the same arrays at once). A built network keeps this instead
    of the arrays, so a large network's connectivity is not held twice: the binary reads it
    from files, and the theory gets it back bit for bit when it asks.

    Parameters
    ----------
    description : NetworkDescription
    seed : int
        The realisation's seed (>= 0).

    Examples
    --------
    >>> r = Realisation(net, seed=1)       # doctest: +SKIP
    >>> r["E->I"] == realise(net, 1)["E->I"]  # the same arrays, drawn on access
    """

    def __init__(self, description: NetworkDescription, seed: int) -> None:
        if not isinstance(description, NetworkDescription):
            raise ParameterError(f"description must be a NetworkDescription; got "
                                 f"{type(description).__name__}")
        self.description, self.seed, self._drawn = description, check_seed(seed), {}

    def __getitem__(self, name):
        if name not in self._drawn:
            if name not in self.description.projections:
                raise KeyError(name)
            self._drawn[name] = realise_projection(self.description, name, self.seed)
        return self._drawn[name]

    def __iter__(self):
        return iter(self.description.projections)

    def __len__(self):
        return len(self.description.projections)


def realise_projection(description, name, seed):
    """The connectivity of one projection, what :func:`realise` gives for it (each projection
    has its own stream).

    Parameters
    ----------
    description : NetworkDescription
    name : "source->target", a projection of ``description``
    seed : non-negative integer

    Returns
    -------
    Connectivity
    """
    if not isinstance(description, NetworkDescription) or name not in description.projections:
        raise ParameterError(f"name must be a projection of the description; got {name!r}")
    return _realise_projection(description, name, stream(seed, name))


def _realise_projection(d, name, rng):
    source, target = split_projection_name(name)
    proj = d.projections[name]
    n_source = d.size(source)
    n_target = d.target_size(name)
    weight_unit = d.populations[target].neuron.weight_unit
    rule = proj.rule
    # autapses exist only when a population projects onto all of itself
    autapses = proj.autapses or source != target or proj.target_range is not None
    common = dict(rng=rng, weight_unit=weight_unit, weight_cv=proj.weight_cv,
                  weight_distribution=proj.weight_distribution, delay=proj.delay,
                  autapses=autapses)
    if isinstance(rule, FixedInDegree):
        c = conn.fixed_indegree(n_source, n_target, rule.K, proj.weight, **common)
    elif isinstance(rule, Bernoulli):
        c = conn.bernoulli(n_source, n_target, rule.p, proj.weight, **common)
    elif isinstance(rule, HeterogeneousInDegree):
        allowed = n_source if autapses or n_source != n_target else n_source - 1
        K = conn.indegrees_with_cv(rule.K, rule.cv, n_target, rng, n_pre=allowed,
                                   distribution=rule.distribution)
        c = conn.fixed_indegree(n_source, n_target, K, proj.weight, **common)
    elif isinstance(rule, ExplicitConnections):
        c = _explicit(rule, proj, n_source, n_target, rng, weight_unit)
    else:  # the description's checks make this unreachable
        raise ParameterError(f"unknown connection rule {rule!r}")
    return c


def _explicit(rule, proj, n_source, n_target, rng, weight_unit):
    """An ExplicitConnections rule as a source-major Connectivity."""
    order = np.argsort(rule.source, kind="stable")
    n = len(order)
    if rule.weight is not None:
        weight = rule.weight[order]
    elif proj.weight_cv > 0:
        raise ParameterError("explicit connections with weight_cv > 0: give the per-synapse "
                             "weights instead")
    else:
        weight = np.broadcast_to(proj.weight, (n,))
    if rule.delay is not None:
        delay = rule.delay[order]
    elif isinstance(proj.delay, tuple):
        delay = rng.uniform(proj.delay[0], proj.delay[1], size=n)
    else:
        delay = np.broadcast_to(proj.delay, (n,))
    return conn.Connectivity(rule.source[order].astype(np.int32),
                             rule.target[order].astype(np.int32), weight, delay, n_source,
                             n_target, weight_unit)


def dense_matrix(description: NetworkDescription, connectivity: Mapping,
                 populations: list | None = None, columns: list | None = None) -> np.ndarray:
    """J[post, pre] (SI) assembled from a realisation.

    Parameters
    ----------
    description : NetworkDescription
    connectivity : {"source->target": Connectivity}, e.g. ``realise(description, seed)``
    populations : names of the rows' populations (default: all, in the order of
        ``description.populations``)
    columns : names of the columns' populations or source populations (default: the rows')

    Returns
    -------
    numpy.ndarray
        Weights (V for current synapses, dimensionless for conductances); blocks without a
        projection are zero, and a projection with a ``target_range`` fills only its rows.
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    if not isinstance(connectivity, Mapping):
        raise ParameterError(f"connectivity must be a dict {{'source->target': Connectivity}}; "
                             f"got {type(connectivity).__name__}")
    rows = list(description.populations) if populations is None else list(populations)
    columns = rows if columns is None else list(columns)
    row_start, n_rows = _offsets(description, rows)
    column_start, n_columns = _offsets(description, columns)
    J = np.zeros((n_rows, n_columns))
    for name, c in connectivity.items():
        source, target = split_projection_name(name)
        if source in column_start and target in row_start:
            proj = description.projections[name]
            row0 = row_start[target] + (proj.target_range[0] if proj.target_range else 0)
            np.add.at(J, (row0 + c.post, column_start[source] + c.pre), c.weight)
    return J


def neuron_index(description: NetworkDescription) -> pd.MultiIndex:
    """The (population, neuron) index of all neurons, in the order of :func:`dense_matrix`'s
    rows: the populations in the order of ``description.populations``, each numbered from 0.

    Parameters
    ----------
    description : NetworkDescription

    Returns
    -------
    pandas.MultiIndex
        Levels ``population`` and ``neuron``.
    """
    names = list(description.populations)
    sizes = [description.size(p) for p in names]
    return pd.MultiIndex.from_arrays([np.repeat(names, sizes),
                                      np.concatenate([np.arange(n) for n in sizes])],
                                     names=["population", "neuron"])


def _offsets(description, names):
    """({name: first index}, total size) of the populations or sources ``names`` in a row."""
    sizes = [description.size(name) for name in names]
    return dict(zip(names, np.cumsum([0] + sizes)[:-1])), int(sum(sizes))

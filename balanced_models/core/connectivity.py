"""Connectivity generated in numpy, as one plain object of arrays.

A :class:`Connectivity` holds one projection (pre -> post) as parallel arrays ``pre``, ``post``,
``weight`` (SI: volts for current synapses, dimensionless for conductances) and ``delay``
(seconds). The Brian2 engine consumes it through
:func:`balanced_models.engines.brian2.synapses.connect`, NEST through its build, and the
theory consumes ``to_dense()`` / :func:`block_matrix`, so a prediction can be computed on the very
matrix that was simulated.

Index convention of dense matrices: ``J[post, pre]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np

from theory.errors import (ParameterError, require, require_integer, require_nonnegative,
                           require_probability)

from .checks import check_plain_number, check_rng

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_CHUNK_DEFAULT = 1 << 18

#: the units of a connectivity's weights: volts (current synapses) or dimensionless
WEIGHT_UNITS = ("1", "V")

__all__ = ["Connectivity", "StackedConnectivity", "fixed_indegree", "bernoulli", "indegrees_with_cv", "block_matrix"]


@dataclass(frozen=True)
class Connectivity:
    """One projection as arrays of equal length, one entry per synapse.

    The generators return synapses in presynaptic-major order, and a constant weight or delay
    as a read-only broadcast view (one value in memory, length n), which matters at 10^7
    synapses.

    Parameters
    ----------
    pre : numpy.ndarray of int
        Presynaptic index of each synapse.
    post : numpy.ndarray of int
        Postsynaptic index of each synapse.
    weight : numpy.ndarray of float
        Weight of each synapse, in the SI unit ``weight_unit`` says.
    delay : numpy.ndarray of float
        Delay of each synapse (s, >= 0).
    n_pre : int
        Size of the presynaptic population.
    n_post : int
        Size of the postsynaptic population.
    weight_unit : {'1', 'V'}, optional
        'V' for current synapses (volts), '1' (the default) for conductance synapses
        (dimensionless).

    Raises
    ------
    ParameterError
        If the arrays differ in length, an index is out of range, a weight or delay is NaN or
        infinite, or the unit is unknown.
    """

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    n_pre: int
    n_post: int
    weight_unit: str = "1"

    def __post_init__(self):
        _check_weight_unit(self.weight_unit)
        n_pre = require_integer("n_pre", self.n_pre, low=0)
        n_post = require_integer("n_post", self.n_post, low=0)
        n = np.shape(self.pre)
        for name in ("pre", "post", "weight", "delay"):
            if np.ndim(getattr(self, name)) != 1 or np.shape(getattr(self, name)) != n:
                raise ParameterError(f"pre, post, weight and delay must be 1-d arrays of one "
                                     f"length; got {name} of shape "
                                     f"{np.shape(getattr(self, name))}, pre of shape {n}")
        if n[0]:
            require("pre", (np.min(self.pre), np.max(self.pre)), low=0, high=n_pre - 1)
            require("post", (np.min(self.post), np.max(self.post)), low=0, high=n_post - 1)
            _require_finite("weight", self.weight)
            require("delay", (np.min(self.delay), np.max(self.delay)), low=0.0, unit="s")

    def __len__(self):
        return len(self.pre)

    @classmethod
    def from_dense(cls, J, delay=0.0, weight_unit="1"):
        """The non-zero entries of a dense matrix J[post, pre] (SI units), with a constant
        delay in seconds.

        Parameters
        ----------
        J : array_like, shape (n_post, n_pre)
            Weights (V or dimensionless, see ``weight_unit``); zeros are no synapse.
        delay : float
            The delay of every synapse (s, >= 0).
        weight_unit : {'V', '1'}
            The unit of the weights.

        Returns
        -------
        Connectivity
        """
        check_plain_number("J", J, weight_unit)
        check_plain_number("delay", delay, "s")
        if np.ndim(J) != 2:
            raise ParameterError(f"J must be a 2-d array J[post, pre]; got shape {np.shape(J)}")
        J = np.asarray(J, dtype=float)
        post, pre = np.nonzero(J)
        return cls(pre.astype(np.int32), post.astype(np.int32), J[post, pre],
                   np.full(len(pre), float(delay)), J.shape[1], J.shape[0], weight_unit)

    def in_degrees(self):
        """Number of inputs of each postsynaptic neuron (length n_post)."""
        return _counts(self.post, self.n_post)

    def out_degrees(self):
        """Number of outputs of each presynaptic neuron (length n_pre)."""
        return _counts(self.pre, self.n_pre)

    @property
    def presynaptic_major(self):
        """True if the synapses are ordered by presynaptic index (as the generators return
        them)."""
        return bool(np.all(self.pre[1:] >= self.pre[:-1]))

    def to_dense(self):
        """Dense weight matrix J[post, pre] in SI units; multapses add up."""
        J = np.zeros((self.n_post, self.n_pre))
        np.add.at(J, (self.post, self.pre), self.weight)
        return J

    def uniform(self, kind):
        """(True, value) if every synapse has the same ``kind`` ('weight' or 'delay'; also
        when there are none, value 0), else (False, None)."""
        return _uniform_values(getattr(self, kind))

    def chunks(self, size=None):
        """(post, weight, delay) arrays in synapse order, in pieces (here: one)."""
        yield self.post, self.weight, self.delay


@dataclass(frozen=True)
class StackedConnectivity:
    """Several projections from one source into one target group, each at an offset of the
    target index: what one Synapses object holds when an engine fuses projections (fewer,
    larger objects run faster in Brian2). Synapses are in presynaptic-major order and, for
    each presynaptic neuron, in the order of ``parts``.

    parts : tuple of (Connectivity, target offset), all source-major with the same n_pre
    n_post : size of the whole target group
    """

    parts: tuple
    n_post: int

    def __post_init__(self):
        if not self.parts or len({c.n_pre for c, _ in self.parts}) != 1 or len(
                {c.weight_unit for c, _ in self.parts}) != 1:
            raise ParameterError("stacked projections need one source size and one weight "
                                 "unit")
        for c, offset in self.parts:
            if offset < 0 or offset + c.n_post > self.n_post:
                raise ParameterError(f"a part of {c.n_post} targets at offset {offset} does not "
                                     f"fit {self.n_post} targets")

    @property
    def n_pre(self):
        return self.parts[0][0].n_pre

    @property
    def weight_unit(self):
        return self.parts[0][0].weight_unit

    @property
    def presynaptic_major(self):
        return all(c.presynaptic_major for c, _ in self.parts)

    def __len__(self):
        return sum(len(c) for c, _ in self.parts)

    def out_degrees(self):
        return sum(c.out_degrees() for c, _ in self.parts)

    def uniform(self, kind):
        values = [c.uniform(kind) for c, _ in self.parts if len(c)]
        if all(ok for ok, _ in values) and len({v for _, v in values}) <= 1:
            return True, (values[0][1] if values else 0.0)
        return False, None

    def chunks(self, size=_CHUNK_DEFAULT):
        """(post, weight, delay) of the stacked synapses, block by block of presynaptic
        neurons (about ``size`` synapses each), so that no full-length merged copy is made."""
        degrees = [c.out_degrees() for c, _ in self.parts]
        starts = [np.concatenate([[0], np.cumsum(k)]) for k in degrees]
        total = np.concatenate([[0], np.cumsum(sum(degrees))])
        bounds = np.unique(np.concatenate([
            [0], np.searchsorted(total, np.arange(0, total[-1], size), side="right") - 1,
            [self.n_pre]]))
        for a, b in zip(bounds[:-1], bounds[1:]):
            pieces = [(c.pre[s[a]:s[b]], c.post[s[a]:s[b]] + offset, c.weight[s[a]:s[b]],
                       c.delay[s[a]:s[b]]) for (c, offset), s in zip(self.parts, starts)]
            order = np.argsort(np.concatenate([p[0] for p in pieces]), kind="stable")
            yield tuple(np.concatenate([p[k] for p in pieces])[order] for k in (1, 2, 3))

    def merged(self):
        """The stacked synapses as one :class:`Connectivity` (full arrays)."""
        post, weight, delay = (np.concatenate(x) for x in zip(*self.chunks()))
        pre = np.repeat(np.arange(self.n_pre, dtype=np.int32), self.out_degrees())
        return Connectivity(pre, post.astype(np.int32), weight, delay, self.n_pre, self.n_post,
                            self.weight_unit)


def _uniform_values(values):
    if len(values) == 0:
        return True, 0.0
    first = values[0]
    return (True, float(first)) if bool(np.all(values == first)) else (False, None)


def block_matrix(rows: list) -> np.ndarray:
    """Assemble a network matrix from blocks.

    Parameters
    ----------
    rows : list of list
        ``rows[a][b]``: the :class:`Connectivity` of the projection from population b to
        population a, or None (no connection). Every row and every column has at least one
        block; the blocks of a row share their targets, those of a column their sources.

    Returns
    -------
    numpy.ndarray
        J[post, pre] over all populations.

    Raises
    ------
    ParameterError
        If the blocks are not a list of equal-length lists of Connectivity or None, or their
        sizes do not fit together.
    """
    if not isinstance(rows, (list, tuple)) or not rows or not all(
            isinstance(row, (list, tuple)) and len(row) == len(rows[0]) for row in rows) or \
            not all(c is None or isinstance(c, Connectivity) for row in rows for c in row) or \
            any(all(c is None for c in row) for row in rows) or \
            any(all(row[b] is None for row in rows) for b in range(len(rows[0]))):
        raise ParameterError("rows must be a list of equal-length lists of Connectivity or "
                             "None, with at least one Connectivity in every row and column")
    sizes_post = [next(c.n_post for c in row if c is not None) for row in rows]
    sizes_pre = [next(rows[a][b].n_pre for a in range(len(rows)) if rows[a][b] is not None)
                 for b in range(len(rows[0]))]
    for a, row in enumerate(rows):
        for b, c in enumerate(row):
            if c is not None and (c.n_post, c.n_pre) != (sizes_post[a], sizes_pre[b]):
                raise ParameterError(
                    f"rows[{a}][{b}] is {c.n_pre} -> {c.n_post} neurons, but its row has "
                    f"{sizes_post[a]} targets and its column {sizes_pre[b]} sources: blocks "
                    f"of one row share their targets, blocks of one column their sources")
    return np.block([[np.zeros((sizes_post[a], sizes_pre[b])) if c is None else c.to_dense()
                      for b, c in enumerate(row)] for a, row in enumerate(rows)])


def indegrees_with_cv(K: float, cv: float, n_post: int, rng: np.random.Generator,
                      n_pre: int | None = None, distribution: str = "gamma") -> np.ndarray:
    """Heterogeneous in-degrees: integers with mean K and coefficient of variation cv.

    Parameters
    ----------
    K : float
        Mean in-degree (> 0).
    cv : float
        Coefficient of variation (>= 0).
    n_post : int
        Number of target neurons (>= 1).
    rng : numpy.random.Generator
        The random stream.
    n_pre : int, optional
        Number of possible sources: the in-degrees are clipped to [0, n_pre].
    distribution : {'gamma', 'normal'}, optional
        'gamma' (stays non-negative; the default) or 'normal' (clipped at 0); rounded.

    Returns
    -------
    numpy.ndarray of int, shape (n_post,)
        The in-degrees.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range, or the distribution is unknown.
    """
    require("K", K, low=0.0, low_open=True)
    require_nonnegative("cv", cv)
    n_post = require_integer("n_post", n_post, low=1)
    if n_pre is not None:
        n_pre = require_integer("n_pre", n_pre, low=0)
    check_rng("rng", rng)
    if cv == 0:
        k = np.full(n_post, int(round(K)))
    elif distribution == "gamma":
        shape = 1.0 / cv**2
        k = np.rint(rng.gamma(shape, K / shape, size=n_post)).astype(int)
    elif distribution == "normal":
        k = np.maximum(np.rint(rng.normal(K, cv * K, size=n_post)), 0).astype(int)
    else:
        raise ParameterError(f"distribution must be 'gamma' or 'normal'; got {distribution!r}")
    return np.clip(k, 0, n_pre) if n_pre is not None else k


def fixed_indegree(n_pre: int, n_post: int, K: int | ArrayLike, weight: float, *,
                   rng: np.random.Generator, weight_unit: str = "1", weight_cv: float = 0.0,
                   weight_distribution: str = "gaussian", delay: float | tuple = 0.0,
                   autapses: bool = True) -> Connectivity:
    """Each postsynaptic neuron gets exactly K distinct presynaptic partners (no multapses).

    Parameters
    ----------
    n_pre, n_post : population sizes
    K : int, or int array of length n_post for per-neuron heterogeneous in-degrees
        (see :func:`indegrees_with_cv`). Must not exceed the number of allowed partners.
    weight : float
        The mean weight J, in SI units: V for current synapses (e.g. 0.1e-3), dimensionless
        for conductances (``weight_unit`` says which); finite, one number.
    rng : numpy.random.Generator (makes the realisation reproducible)
    weight_unit : {'1', 'V'}
        The unit of ``weight``, kept with the connectivity so that an engine can check it
        against the target's synapses.
    weight_cv : coefficient of variation of the weights (>= 0)
    weight_distribution : 'gaussian' (w = J (1 + cv xi), signs may flip for cv > 1/3)
        or 'lognormal' (sign of J kept, mean J and CV cv exactly; J != 0)
    delay : float (s, >= 0; one delay for every synapse) or a pair (low, high) of floats (s):
        uniform per synapse
    autapses : allow i -> i when pre and post are the same population (n_pre == n_post)

    Returns
    -------
    Connectivity
        Synapses in presynaptic-major order.

    Raises
    ------
    ParameterError
        Naming the parameter, for a value out of range, NaN, inf, an array where one number
        belongs, or a value carrying a unit object.
    """
    n_pre, n_post = _check_sizes(n_pre, n_post)
    weights = _weight_law(weight, weight_unit, weight_cv, weight_distribution, delay)
    check_rng("rng", rng)
    allowed = n_pre if autapses or n_pre != n_post else n_pre - 1
    if np.ndim(K) > 1 or (np.ndim(K) == 1 and len(K) != n_post):
        raise ParameterError(f"K must be one integer or an array of n_post = {n_post} "
                             f"in-degrees; got shape {np.shape(K)}")
    require("K", K, low=0, high=allowed, unit=f"(the number of allowed presynaptic partners is "
            f"{allowed})")
    K = np.broadcast_to(np.asarray(K), (n_post,))
    if not np.issubdtype(K.dtype, np.integer) and not np.all(K == np.round(K)):
        raise ParameterError(f"K must be an integer number of inputs; got {K[0]}")
    K = K.astype(np.int64)
    require("K", K, low=0, high=allowed, unit=f"(the number of allowed presynaptic partners is "
            f"{allowed})")
    return _finish(n_pre, n_post, K, allowed < n_pre, weights, rng)


def bernoulli(n_pre: int, n_post: int, p: float, weight: float, *, rng: np.random.Generator,
              weight_unit: str = "1", weight_cv: float = 0.0,
              weight_distribution: str = "gaussian", delay: float | tuple = 0.0,
              autapses: bool = True) -> "Connectivity":
    """Every ordered pair (pre, post) is connected independently with probability p.

    Drawn as a binomial in-degree per postsynaptic neuron plus a uniform choice of partners,
    which has exactly the pairwise-Bernoulli distribution and scales to 10^8 pairs.

    Parameters
    ----------
    n_pre, n_post : int
        Population sizes (>= 1).
    p : float
        Connection probability (0 to 1).
    weight : float
        The mean weight J, in SI units: V for current synapses, dimensionless for conductances
        (``weight_unit`` says which).
    rng : numpy.random.Generator
        The random stream (makes the realisation reproducible).
    weight_unit : {'1', 'V'}, optional
        The unit of ``weight``. Default '1'.
    weight_cv : float, optional
        Coefficient of variation of the weights (>= 0). Default 0.
    weight_distribution : {'gaussian', 'lognormal'}, optional
        'gaussian' (w = J (1 + cv xi); signs may flip for cv > 1/3) or 'lognormal' (sign of J
        kept, mean J and CV cv exactly). Default 'gaussian'.
    delay : float or tuple of float, optional
        One delay for every synapse (s, >= 0), or a pair (low, high): uniform per synapse.
        Default 0.
    autapses : bool, optional
        Whether i -> i is allowed when pre and post are the same population. Default True.

    Returns
    -------
    Connectivity
        Synapses in presynaptic-major order.

    Raises
    ------
    ParameterError
        Naming the parameter, for a value out of range, NaN, inf, an array where one number
        belongs, or a value carrying a unit object.
    """
    n_pre, n_post = _check_sizes(n_pre, n_post)
    weights = _weight_law(weight, weight_unit, weight_cv, weight_distribution, delay)
    check_rng("rng", rng)
    require_probability("p", p)
    allowed = n_pre if autapses or n_pre != n_post else n_pre - 1
    K = rng.binomial(allowed, p, size=n_post)
    return _finish(n_pre, n_post, K, allowed < n_pre, weights, rng)


# --------------------------------------------------------------------------------------------
def _require_finite(name, values):
    """Every value finite; a broadcast constant (stride 0) is checked once."""
    values = np.asarray(values)
    if values.ndim and values.strides[0] == 0:
        values = values[:1]
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{name} must be finite; got "
                             f"{values[~np.isfinite(values)][0]}")


def _check_sizes(n_pre, n_post):
    return require_integer("n_pre", n_pre, low=1), require_integer("n_post", n_post, low=1)


def _draw_without_replacement(n_pre, K, rng, exclude_self):
    """Concatenated sorted partner lists: K[i] distinct values from range(n_pre) per row i.

    With exclude_self, row i draws from range(n_pre - 1) and indices >= i are shifted up by
    one, so i never picks itself. Rows with K > n/2 are drawn as complements of a smaller set.
    """
    n_choices = n_pre - 1 if exclude_self else n_pre
    out = np.empty(int(K.sum()), dtype=np.int32)
    start = 0
    for i, k in enumerate(K):
        if k > n_choices // 2:
            drop = rng.choice(n_choices, n_choices - k, replace=False)
            mask = np.ones(n_choices, dtype=bool)
            mask[drop] = False
            row = np.flatnonzero(mask)
        else:
            row = np.sort(rng.choice(n_choices, k, replace=False))
        if exclude_self:
            row = row + (row >= i)
        out[start:start + k] = row
        start += k
    return out


_CHUNK = 1 << 18


def _counts(values, n):
    """np.bincount(values, minlength=n) in chunks (bincount copies its input as int64)."""
    total = np.zeros(n, dtype=np.int64)
    for a in range(0, len(values), _CHUNK):
        total += np.bincount(values[a:a + _CHUNK], minlength=n)
    return total


def _presynaptic_major_targets(pre, K, counts, chunk=_CHUNK):
    """Targets in presynaptic-major order, stable in the postsynaptic index.

    pre : partner lists in postsynaptic-major order (neuron j owns K[j] consecutive entries);
    counts : out-degree of each presynaptic neuron (``_counts(pre, n_pre)``).
    Returns post such that (repeat(arange(n_pre), counts), post) equals (pre, post) sorted by
    pre with a stable sort, but built chunk by chunk (a counting sort), so the only
    full-length array besides ``pre`` is the int32 result.
    """
    n_pre = len(counts)
    fill = np.zeros(n_pre, dtype=np.int64)
    fill[1:] = np.cumsum(counts)[:-1]  # next free slot per presynaptic neuron
    ends = np.cumsum(K)
    post = np.empty(len(pre), dtype=np.int32)
    for a in range(0, len(pre), chunk):
        block = pre[a:a + chunk]
        order = np.argsort(block, kind="stable")
        values = block[order]
        rank = np.arange(len(block)) - np.searchsorted(values, values, side="left")
        post[fill[values] + rank] = np.searchsorted(ends, a + order, side="right")
        fill += np.bincount(block, minlength=n_pre)
    return post


def _check_weight_unit(weight_unit):
    if weight_unit not in WEIGHT_UNITS:
        raise ParameterError(f"weight_unit must be '1' (dimensionless) or 'V'; got "
                             f"{weight_unit!r}")


def _weight_law(weight, weight_unit, weight_cv, weight_distribution, delay):
    """The checked weight law (J, unit, cv, distribution, delay), with delays in s: one
    float, or a (low, high) pair."""
    _check_weight_unit(weight_unit)
    check_plain_number("weight", weight, weight_unit)
    if np.ndim(weight) != 0:
        raise ParameterError(f"weight must be one number (the mean weight; weight_cv spreads "
                             f"it); got an array of shape {np.shape(weight)}")
    J = float(require("weight", weight))
    require_nonnegative("weight_cv", weight_cv)
    if weight_distribution not in ("gaussian", "lognormal"):
        raise ParameterError(f"weight_distribution must be 'gaussian' or 'lognormal'; "
                             f"got {weight_distribution!r}")
    if weight_distribution == "lognormal" and weight_cv > 0 and J == 0:
        raise ParameterError("weight must be non-zero for lognormal weights (their mean is "
                             "the weight, their sign its sign); got 0")
    check_plain_number("delay", delay, "s")
    if isinstance(delay, tuple):
        if len(delay) != 2:
            raise ParameterError(f"delay must be one number or a pair (low, high) in s; got "
                                 f"{delay!r}")
        low = float(require("delay low", delay[0], low=0.0, unit="s"))
        delay = (low, float(require("delay high", delay[1], low=low, unit="s")))
    elif np.ndim(delay) != 0:
        raise ParameterError(f"delay must be one number or a pair (low, high) in s; got an "
                             f"array of shape {np.shape(delay)}")
    else:
        delay = float(require("delay", delay, low=0.0, unit="s"))
    return J, weight_unit, float(weight_cv), weight_distribution, delay


def _finish(n_pre, n_post, K, exclude_self, weights, rng):
    J, weight_unit, weight_cv, weight_distribution, delay = weights
    pre = _draw_without_replacement(n_pre, K, rng, exclude_self)
    # presynaptic-major order: a spike then reads its synapses' weights and targets from
    # contiguous memory, which makes Brian2's event propagation several times faster
    counts = _counts(pre, n_pre)
    post = _presynaptic_major_targets(pre, K, counts)
    del pre
    pre = np.repeat(np.arange(n_pre, dtype=np.int32), counts)
    n = len(pre)
    if weight_cv == 0:
        w = np.broadcast_to(J, (n,))
    elif weight_distribution == "gaussian":
        w = J * (1.0 + weight_cv * rng.standard_normal(n))
    else:  # lognormal
        s2 = np.log1p(weight_cv**2)
        w = np.sign(J) * np.exp(np.log(abs(J)) - 0.5 * s2 + np.sqrt(s2) * rng.standard_normal(n))
    if isinstance(delay, tuple):
        d = rng.uniform(delay[0], delay[1], size=n)
    else:
        d = np.broadcast_to(delay, (n,))
    return Connectivity(pre.astype(np.int32, copy=False), post.astype(np.int32, copy=False), w, d,
                        n_pre, n_post, weight_unit)

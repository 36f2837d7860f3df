"""Exact avalanche statistics of pulse-coupled threshold units (Schuenemann, Ernst &
Kesseboehmer 2022; the EHE model of Eurich, Herrmann & Ernst 2002 as special case).

Model: potentials u in [0, 1)^N, threshold 1, subtractive reset u_j -> u_j - 1, and a spike of
unit j adds W[i, j] >= 0 to every unit i (j -> i convention, self-weights W[j, j] allowed).
A drive event adds delta in (0, delta_max] to one unit k drawn with probability p_k.
Condition C1, delta_max + max_i sum_j W[i, j] < 1, makes every unit fire at most once per
avalanche, so an avalanche is a set A of units (its assembly) with size L, the number of units in A.

With Delta = 1 - W, d_i = 1 - sum_j W[i, j] and L_X the in-degree Laplacian of the subgraph
induced on X (self-weights excluded), the assembly law is

    P(A | k) = tau_k(A) * phi(V \\ A) / Phi_k,

tau_k(A) = det(L_A without row/column k) (spanning out-trees of G[A] rooted at k),
phi(B) = det(D_B + L_B), Phi_k = det(Delta without row/column k). Everything here is
dimensionless; W is a numpy array indexed W[post, pre].
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import comb, gammaln

from .errors import ParameterError, require, require_integer, require_probability

__all__ = [
    "check_weights", "laplacian", "tree_factor", "grounded_factor", "face_factor",
    "assembly_probability", "assembly_distribution", "start_distribution", "avalanche_rate",
    "size_distribution", "expected_dissipation", "homogeneous_size_distribution",
    "ehe_size_distribution", "ehe_mean_size", "modular_statistics", "is_recurrent",
    "recurrent_volume", "stationary_states", "MIN_REJECTION_VOLUME",
]


def check_weights(W: ArrayLike, delta_max: float = 0.0) -> np.ndarray:
    """Check a weight matrix: square, finite, W >= 0 and condition C1.

    C1, delta_max + max row sum < 1, makes every unit fire at most once per avalanche.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre].
    delta_max : float, optional
        Largest drive increment (>= 0). Default 0.

    Returns
    -------
    numpy.ndarray
        W as a float array.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry, or violates C1.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ParameterError(f"W must be a square matrix; got shape {W.shape}")
    require("W", W, low=0.0)
    row = W.sum(axis=1).max()
    if delta_max + row >= 1.0:
        raise ParameterError(
            f"delta_max + max row sum of W must be < 1 (condition C1: each unit fires at most "
            f"once per avalanche); got {delta_max:g} + {row:g}")
    return W


def _check_units(name, units, N):
    """``units`` as a list of distinct unit indices in [0, N)."""
    units = list(units)
    for unit in units:
        require_integer(name, unit, low=0, high=N - 1)
    if len(set(units)) != len(units):
        raise ParameterError(f"{name} must not repeat a unit; got {units}")
    return [int(unit) for unit in units]


def _logdet(M):
    if M.shape[0] == 0:
        return 1.0, 0.0
    return np.linalg.slogdet(M)


def laplacian(W: ArrayLike, X: list) -> np.ndarray:
    """In-degree Laplacian of the subgraph induced on the units X (self-weights ignored).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    X : list of int
        Units of the subgraph.

    Returns
    -------
    numpy.ndarray, shape (len(X), len(X))
        The Laplacian.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    X = _check_units("X", X, len(W))
    sub = W[np.ix_(X, X)].copy()
    np.fill_diagonal(sub, 0.0)
    return np.diag(sub.sum(axis=1)) - sub


def tree_factor(W: ArrayLike, A: list, k: int) -> float:
    """tau_k(A): the weighted number of spanning out-arborescences of G[A] rooted at k.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    A : list of int
        The assembly (units that fire).
    k : int
        The root, the unit where the avalanche starts (in A).

    Returns
    -------
    float
        tau_k(A).

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    A = _check_units("A", A, len(W))
    k = require_integer("k", k, low=0, high=len(W) - 1)
    keep = [a for a, unit in enumerate(A) if unit != k]
    sign, logdet = _logdet(laplacian(W, A)[np.ix_(keep, keep)])
    return max(sign, 0.0) * np.exp(logdet)


def grounded_factor(W: ArrayLike, B: list) -> float:
    """phi(B) = det(D_B + L_B), the volume of the recurrent set of the sub-network B.

    B's thresholds are lowered by the input from the rest of the network.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    B : list of int
        Units of the sub-network (those that do not fire).

    Returns
    -------
    float
        phi(B).

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    B = _check_units("B", B, len(W))
    B = list(B)
    d = 1.0 - W.sum(axis=1)
    sign, logdet = _logdet(np.diag(d[B]) + laplacian(W, B))
    return sign * np.exp(logdet)


def face_factor(W: ArrayLike, k: int) -> float:
    """Phi_k = det(1 - W) with row and column k removed.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    k : int
        A unit.

    Returns
    -------
    float
        Phi_k.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    k = require_integer("k", k, low=0, high=len(W) - 1)
    keep = [j for j in range(len(W)) if j != k]
    sign, logdet = _logdet((np.eye(len(W)) - W)[np.ix_(keep, keep)])
    return sign * np.exp(logdet)


def assembly_probability(W: ArrayLike, A: list, k: int) -> float:
    """P(assembly = A | the avalanche starts at unit k).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    A : list of int
        The assembly; it contains k.
    k : int
        The unit where the avalanche starts.

    Returns
    -------
    float
        The probability.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    A = _check_units("A", A, len(W))
    k = require_integer("k", k, low=0, high=len(W) - 1)
    A = set(A)
    if k not in A:
        raise ParameterError(f"the start unit k = {k} must belong to the assembly A")
    B = [j for j in range(len(W)) if j not in A]
    return tree_factor(W, sorted(A), k) * grounded_factor(W, B) / face_factor(W, k)


def assembly_distribution(W: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All assemblies that contain unit k, with their probabilities (by enumeration).

    The enumeration covers 2^(N-1) sets: N up to about 18.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    k : int
        The unit where the avalanche starts.

    Returns
    -------
    masks : numpy.ndarray of int
        The assemblies as bit sets (bit j set: unit j fired).
    probabilities : numpy.ndarray
        P(assembly | k) of each.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    N = len(W)
    k = require_integer("k", k, low=0, high=N - 1)
    others = [j for j in range(N) if j != k]
    Phi = face_factor(W, k)
    masks, probs = [], []
    for r in range(N):
        for rest in itertools.combinations(others, r):
            A = sorted((k,) + rest)
            B = [j for j in range(N) if j not in A]
            masks.append(sum(1 << j for j in A))
            probs.append(tree_factor(W, A, k) * grounded_factor(W, B) / Phi)
    return np.array(masks, dtype=np.int64), np.array(probs)


def _check_drive(p, N):
    p = np.asarray(p, dtype=float)
    if p.shape != (N,):
        raise ParameterError(f"p must have one probability per unit ({N}); got shape {p.shape}")
    require_probability("p", p)
    if abs(p.sum() - 1.0) > 1e-9:
        raise ParameterError(f"p must sum to 1; got {p.sum():.12g}")
    return p


def start_distribution(W: ArrayLike, p: ArrayLike) -> np.ndarray:
    """Probability pi_k that an avalanche starts at unit k: p_k Phi_k / sum_m p_m Phi_m.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    p : array_like, shape (N,)
        Probability that a drive event hits each unit (sums to 1).

    Returns
    -------
    numpy.ndarray, shape (N,)
        pi_k.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    p = _check_drive(p, len(W))
    weights = p * np.array([face_factor(W, k) for k in range(len(W))])
    return weights / weights.sum()


def avalanche_rate(W: ArrayLike, p: ArrayLike, mean_delta: float) -> float:
    """Probability that one drive event triggers an avalanche.

    E[delta] sum_k p_k Phi_k / det(1 - W).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    p : array_like, shape (N,)
        Probability that a drive event hits each unit (sums to 1).
    mean_delta : float
        Mean drive increment E[delta] (> 0).

    Returns
    -------
    float
        The probability.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    require("mean_delta", mean_delta, low=0.0, low_open=True)
    W = check_weights(W)
    p = _check_drive(p, len(W))
    faces = np.array([face_factor(W, k) for k in range(len(W))])
    return mean_delta * np.dot(p, faces) / recurrent_volume(W)


def size_distribution(W: ArrayLike, p: ArrayLike) -> np.ndarray:
    """The avalanche size distribution P(L), by enumerating every (k, A) pair.

    The enumeration covers N 2^(N-1) pairs: N up to about 18.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    p : array_like, shape (N,)
        Probability that a drive event hits each unit (sums to 1).

    Returns
    -------
    numpy.ndarray, shape (N + 1,)
        P(L) for L = 0..N (P(0) = 0).

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.

    Examples
    --------
    >>> import numpy as np
    >>> size_distribution(np.full((3, 3), 0.2), np.full(3, 1 / 3)).round(4)
    array([0.    , 0.5333, 0.2667, 0.2   ])
    """
    W = check_weights(W)
    N = len(W)
    pi = start_distribution(W, p)
    P = np.zeros(N + 1)
    for k in range(N):
        masks, probs = assembly_distribution(W, k)
        sizes = np.array([bin(m).count("1") for m in masks])
        P += pi[k] * np.bincount(sizes, probs, minlength=N + 1)
    return P


def expected_dissipation(W: ArrayLike, p: ArrayLike) -> float:
    """The flux identity: det(1 - W) / sum_m p_m Phi_m.

    This is the mean of sum_{j in A} (1 - c_j) over avalanches, with c_j the column sums.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    p : array_like, shape (N,)
        Probability that a drive event hits each unit (sums to 1).

    Returns
    -------
    float
        The mean dissipation per avalanche.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    p = _check_drive(p, len(W))
    faces = np.array([face_factor(W, k) for k in range(len(W))])
    return recurrent_volume(W) / np.dot(p, faces)


def homogeneous_size_distribution(N: int, w: float, s: float) -> np.ndarray:
    """P(L) of the homogeneous network W[i, j] = w (i != j), W[i, i] = s, uniform drive.

    Computed in log space: stable for N in the thousands.

    Parameters
    ----------
    N : int
        Number of units (>= 2).
    w : float
        Weight between two units (> 0).
    s : float
        Self-weight (>= 0); s + (N - 1) w < 1.

    Returns
    -------
    numpy.ndarray, shape (N + 1,)
        P(L) for L = 0..N (P(0) = 0).

    Raises
    ------
    ParameterError
        If a value is outside its range or C1 is violated.
    """
    if int(N) != N or N < 2:
        raise ParameterError(f"N must be an integer >= 2; got {N}")
    require("w", w, low=0.0, low_open=True)
    require("s", s, low=0.0)
    if s + (N - 1) * w >= 1:
        raise ParameterError(f"s + (N - 1) w must be < 1 (condition C1); got {s + (N - 1) * w:g}")
    L = np.arange(1, N + 1, dtype=float)
    log_p = (gammaln(N) - gammaln(L) - gammaln(N - L + 1) + (L - 2) * np.log(L)
             + (L - 1) * np.log(w) + (N - L - 1) * np.log1p(-s - (L - 1) * w)
             + np.log1p(-s - (N - 1) * w) - (N - 2) * np.log1p(-s + w)
             - np.log1p(-s - (N - 2) * w))
    return np.concatenate([[0.0], np.exp(log_p)])


def ehe_size_distribution(N: int, alpha: float, autapses: bool = True) -> np.ndarray:
    """The size distribution of the EHE model (Eurich, Herrmann & Ernst 2002).

    Every spike gives alpha/N to all units, itself included (autapses=True), or to the
    other N - 1 only.

    Parameters
    ----------
    N : int
        Number of units (>= 1).
    alpha : float
        Coupling (in (0, 1)).
    autapses : bool, optional
        Whether a unit's spike reaches itself. Default True.

    Returns
    -------
    numpy.ndarray, shape (N + 1,)
        P(L) for L = 0..N (P(0) = 0).

    Raises
    ------
    ParameterError
        If a value is outside its range.
    """
    require_integer("N", N, low=1)
    require("alpha", alpha, low=0.0, low_open=True, high=1.0, high_open=True)
    return homogeneous_size_distribution(N, alpha / N, alpha / N if autapses else 0.0)


def ehe_mean_size(N: int, alpha: float) -> float:
    """Mean avalanche size of the EHE model with autapses: N / (N - (N - 1) alpha).

    Parameters
    ----------
    N : int
        Number of units (>= 1).
    alpha : float
        Coupling (in (0, 1)).

    Returns
    -------
    float
        The mean size (units).

    Raises
    ------
    ParameterError
        If a value is outside its range.
    """
    require_integer("N", N, low=1)
    require("alpha", alpha, low=0.0, low_open=True, high=1.0, high_open=True)
    return N / (N - (N - 1) * alpha)


def modular_statistics(sizes: ArrayLike, C: ArrayLike, p: ArrayLike | None = None) -> dict:
    """Exact statistics of a block network, by composition sums.

    W[i, j] = C[a, b] / N for i in block a and j in block b (within-block autapses included).
    The cost is prod_a (N_a + 1) pairs of determinants.

    Parameters
    ----------
    sizes : array_like of int
        Units per block, N_1..N_K.
    C : array_like, shape (K, K)
        Coupling between blocks.
    p : array_like, shape (N,), optional
        Drive probability per unit (default uniform).

    Returns
    -------
    dict
        ``size``: P(L) for L = 0..N; ``composition``: P(L_1, ..., L_K), shape
        (N_1 + 1, ..., N_K + 1); ``start``: the probability that the avalanche starts in each
        block.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    sizes = [int(n) for n in sizes]
    C = np.asarray(C, dtype=float)
    K, N = len(sizes), sum(sizes)
    block = np.repeat(np.arange(K), sizes)
    W = check_weights(C[np.ix_(block, block)] / N)
    p = np.full(N, 1.0 / N) if p is None else _check_drive(p, N)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pi = start_distribution(W, p)
    start = np.array([pi[block == b].sum() for b in range(K)])
    composition = np.zeros([n + 1 for n in sizes])
    for b in range(K):
        k = first[b]
        Phi = face_factor(W, k)
        for comp in itertools.product(*[range(n + 1) for n in sizes]):
            if comp[b] == 0:
                continue
            A = [first[a] + m for a in range(K) for m in range(comp[a])]
            B = [j for j in range(N) if j not in set(A)]
            multiplicity = np.prod([comb(sizes[a] - (a == b), comp[a] - (a == b), exact=True)
                                    for a in range(K)], dtype=float)
            composition[comp] += (start[b] * multiplicity * tree_factor(W, A, k)
                                  * grounded_factor(W, B) / Phi)
    L = np.indices(composition.shape).sum(axis=0)
    size = np.bincount(L.ravel(), composition.ravel(), minlength=N + 1)
    return dict(size=size, composition=composition, start=start)


def is_recurrent(u: ArrayLike, W: ArrayLike, chunk: int = 20_000) -> np.ndarray:
    """The burning test: whether states are recurrent.

    Every unit j of S with u_j >= sum_{i in S} W[j, i] is deleted, repeatedly; u is recurrent
    if and only if S empties. (Deleting only lowers the others' thresholds, so deleting all at
    once is the same as deleting one at a time.) A state leaves the loop as soon as it is
    decided.

    Parameters
    ----------
    u : array_like, shape (N,) or (n_states, N)
        States, each in [0, 1)^N.
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).
    chunk : int, optional
        States processed at a time, to bound memory (>= 1). Default 20000.

    Returns
    -------
    numpy.ndarray of bool
        True where the state is recurrent (a scalar for one state).

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    u = np.atleast_2d(require("u", np.asarray(u, dtype=float), low=0.0, high=1.0,
                              high_open=True))
    if u.shape[1] != len(W):
        raise ParameterError(f"u must have one potential per unit ({len(W)}); got shape "
                             f"{np.shape(u)}")
    chunk = require_integer("chunk", chunk, low=1)
    WT = np.ascontiguousarray(W.T)
    out = np.empty(len(u), dtype=bool)
    for first in range(0, len(u), chunk):
        index = np.arange(first, min(first + chunk, len(u)))
        block, S = u[index], np.ones((len(index), u.shape[1]), dtype=bool)
        while len(index):
            burnable = S & (block >= S.astype(float) @ WT)
            burns = burnable.any(axis=1)
            # nothing left to delete: the state is decided, recurrent iff S is empty
            out[index[~burns]] = ~S[~burns].any(axis=1)
            index, block, S = index[burns], block[burns], S[burns] & ~burnable[burns]
    return out


#: smallest det(1 - W) for which :func:`stationary_states` samples by rejection (on average
#: 1/det(1 - W) uniform candidates per state)
MIN_REJECTION_VOLUME = 1e-3


def stationary_states(W: ArrayLike, n: int, rng: np.random.Generator) -> np.ndarray:
    """n independent states drawn from the stationary law: uniform on the recurrent set.

    Lebesgue measure on the recurrent set R is invariant under the drive-and-relax dynamics
    (R is a fundamental domain of the lattice (1 - W) Z^N, on which the dynamics is a torus
    translation), and it is the unique stationary law when the drive increment has a density
    (brief, sec. 3.3). Uniform candidates in [0, 1)^N are kept when they pass the burning
    test, so a kept state is exactly uniform on R. Acceptance is det(1 - W); below
    MIN_REJECTION_VOLUME a ParameterError says to burn in instead.

    Parameters
    ----------
    W : array (N, N), W[post, pre] >= 0, condition C1
    n : int, number of states
    rng : numpy.random.Generator

    Returns
    -------
    array (n, N) of potentials in [0, 1)
    """
    W = check_weights(W)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be an integer >= 1; got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    volume = recurrent_volume(W)
    if volume < MIN_REJECTION_VOLUME:
        raise ParameterError(
            f"det(1 - W) = {volume:.3g} is below {MIN_REJECTION_VOLUME:g}: rejection sampling "
            "of the stationary state would need more than 1000 candidates per state; start "
            "from a burn-in instead")
    kept, have = [], 0
    while have < n:
        batch = int(min(2_000_000 // len(W) + 1, 1.2 * (n - have) / volume + 100))
        u = rng.random((batch, len(W)))
        u = u[is_recurrent(u, W)]
        kept.append(u)
        have += len(u)
    return np.concatenate(kept)[:n]


def recurrent_volume(W: ArrayLike) -> float:
    """Volume of the recurrent set in [0, 1)^N: det(1 - W).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights W[post, pre] (>= 0, max row sum < 1).

    Returns
    -------
    float
        The volume.

    Raises
    ------
    ParameterError
        If W is not square, has a NaN, infinite or negative entry or violates C1, or another
        value is outside its range.
    """
    W = check_weights(W)
    sign, logdet = np.linalg.slogdet(np.eye(len(W)) - np.asarray(W, dtype=float))
    return sign * np.exp(logdet)

"""Exact avalanche statistics of pulse-coupled threshold units (Schuenemann, Ernst &
Kesseboehmer 2022; the EHE model of Eurich, Herrmann & Ernst 2002 as special case).

Model: potentials u in [0, 1)^N, threshold 1, subtractive reset u_j -> u_j - 1, and a spike of
unit j adds W[i, j] >= 0 to every unit i (j -> i convention, self-weights W[j, j] allowed).
A drive event adds delta in (0, delta_max] to one unit k drawn with probability p_k.
Condition C1, delta_max + max_i sum_j W[i, j] < 1, makes every unit fire at most once per
avalanche, so an avalanche is a set A of units (its assembly) with size L = |A|.

With Delta = 1 - W, d_i = 1 - sum_j W[i, j] and L_X the in-degree Laplacian of the subgraph
induced on X (self-weights excluded), the assembly law is

    P(A | k) = tau_k(A) * phi(V \\ A) / Phi_k,

tau_k(A) = det(L_A without row/column k) (spanning out-trees of G[A] rooted at k),
phi(B) = det(D_B + L_B), Phi_k = det(Delta without row/column k). Everything here is
dimensionless; W is a numpy array indexed W[post, pre].
"""

import itertools

import numpy as np
from scipy.special import comb, gammaln

from .errors import ParameterError, require, require_integer, require_probability

__all__ = [
    "check_weights", "laplacian", "tree_factor", "grounded_factor", "face_factor",
    "assembly_probability", "assembly_distribution", "start_distribution", "avalanche_rate",
    "size_distribution", "expected_dissipation", "homogeneous_size_distribution",
    "ehe_size_distribution", "ehe_mean_size", "modular_statistics", "is_recurrent",
    "recurrent_volume", "stationary_states", "MIN_REJECTION_VOLUME",
]


def check_weights(W, delta_max=0.0):
    """Return W as a float array after checking: square, finite, W >= 0 and condition C1
    (delta_max + max row sum < 1, so that every unit fires at most once per avalanche)."""
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


def _logdet(M):
    if M.shape[0] == 0:
        return 1.0, 0.0
    return np.linalg.slogdet(M)


def laplacian(W, X):
    """In-degree Laplacian of the subgraph induced on the index list X (self-weights ignored)."""
    sub = W[np.ix_(X, X)].copy()
    np.fill_diagonal(sub, 0.0)
    return np.diag(sub.sum(axis=1)) - sub


def tree_factor(W, A, k):
    """tau_k(A): weighted number of spanning out-arborescences of G[A] rooted at k."""
    A = list(A)
    keep = [a for a, unit in enumerate(A) if unit != k]
    sign, logdet = _logdet(laplacian(W, A)[np.ix_(keep, keep)])
    return max(sign, 0.0) * np.exp(logdet)


def grounded_factor(W, B):
    """phi(B) = det(D_B + L_B): volume of the recurrent set of the sub-network B whose
    thresholds are lowered by the input from the rest."""
    B = list(B)
    d = 1.0 - W.sum(axis=1)
    sign, logdet = _logdet(np.diag(d[B]) + laplacian(W, B))
    return sign * np.exp(logdet)


def face_factor(W, k):
    """Phi_k = det(1 - W with row and column k removed)."""
    keep = [j for j in range(len(W)) if j != k]
    sign, logdet = _logdet((np.eye(len(W)) - W)[np.ix_(keep, keep)])
    return sign * np.exp(logdet)


def assembly_probability(W, A, k):
    """P(assembly = A | avalanche starts at unit k), k in A."""
    A = set(A)
    if k not in A:
        raise ParameterError(f"the start unit k = {k} must belong to the assembly A")
    B = [j for j in range(len(W)) if j not in A]
    return tree_factor(W, sorted(A), k) * grounded_factor(W, B) / face_factor(W, k)


def assembly_distribution(W, k):
    """All assemblies containing k and their probabilities (enumeration; N up to ~18).

    Returns (masks, probabilities): masks are integer bit sets (bit j = unit j fired).
    """
    W = check_weights(W)
    N = len(W)
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


def start_distribution(W, p):
    """Probability pi_k that an avalanche starts at unit k: p_k Phi_k / sum_m p_m Phi_m."""
    W = check_weights(W)
    p = _check_drive(p, len(W))
    weights = p * np.array([face_factor(W, k) for k in range(len(W))])
    return weights / weights.sum()


def avalanche_rate(W, p, mean_delta):
    """Probability that one drive event triggers an avalanche: E[delta] sum_k p_k Phi_k / det(1-W)."""
    W = check_weights(W)
    p = _check_drive(p, len(W))
    faces = np.array([face_factor(W, k) for k in range(len(W))])
    return mean_delta * np.dot(p, faces) / recurrent_volume(W)


def size_distribution(W, p):
    """P(L), L = 0..N (P(0) = 0), by enumerating all (k, A) pairs (N up to ~18)."""
    W = check_weights(W)
    N = len(W)
    pi = start_distribution(W, p)
    P = np.zeros(N + 1)
    for k in range(N):
        masks, probs = assembly_distribution(W, k)
        sizes = np.array([bin(m).count("1") for m in masks])
        P += pi[k] * np.bincount(sizes, probs, minlength=N + 1)
    return P


def expected_dissipation(W, p):
    """det(1 - W) / sum_m p_m Phi_m: the mean of sum_{j in A} (1 - c_j) over avalanches, with
    c_j the column sums (the flux identity)."""
    W = check_weights(W)
    p = _check_drive(p, len(W))
    faces = np.array([face_factor(W, k) for k in range(len(W))])
    return recurrent_volume(W) / np.dot(p, faces)


def homogeneous_size_distribution(N, w, s):
    """P(L), L = 1..N, for W[i, j] = w (i != j), W[i, i] = s (uniform drive), computed in log
    space (stable for N in the thousands). Returns an array of length N + 1 with P(0) = 0."""
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


def ehe_size_distribution(N, alpha, autapses=True):
    """The EHE law: every spike gives alpha/N to all units, itself included (autapses=True)
    or to the other N - 1 only (autapses=False)."""
    require_integer("N", N, low=1)
    require("alpha", alpha, low=0.0, low_open=True, high=1.0, high_open=True)
    return homogeneous_size_distribution(N, alpha / N, alpha / N if autapses else 0.0)


def ehe_mean_size(N, alpha):
    """Mean avalanche size of the EHE model with autapses: N / (N - (N - 1) alpha)."""
    return N / (N - (N - 1) * alpha)


def modular_statistics(sizes, C, p=None):
    """Exact statistics of a block network: W[i, j] = C[a, b] / N for i in block a, j in b
    (within-block autapses included), by composition sums.

    sizes : units per block (N_1..N_K); C : K x K coupling matrix
    p : drive probability per unit (default uniform)
    Returns dict(size=P(L) for L = 0..N, composition=array of P(L_1, ..., L_K) with shape
    (N_1 + 1, ..., N_K + 1), start=probability that the avalanche starts in each block).
    Cost: prod_a (N_a + 1) pairs of determinants.
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


def is_recurrent(u, W, chunk=20_000):
    """Burning test for states u (shape (N,) or (n_states, N)): True where u is recurrent.

    Repeatedly delete every unit j of S with u_j >= sum_{i in S} W[j, i]; u is recurrent iff
    S empties. (Deleting only lowers the others' thresholds, so deleting all at once is
    equivalent to deleting one at a time.) A state leaves the loop as soon as it is decided,
    and states are processed ``chunk`` at a time to bound memory.
    """
    W = np.asarray(W, dtype=float)
    u = np.atleast_2d(np.asarray(u, dtype=float))
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


def stationary_states(W, n, rng):
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


def recurrent_volume(W):
    """Volume of the recurrent set in [0, 1)^N: det(1 - W)."""
    sign, logdet = np.linalg.slogdet(np.eye(len(W)) - np.asarray(W, dtype=float))
    return sign * np.exp(logdet)

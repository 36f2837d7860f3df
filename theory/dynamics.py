"""Linear response of a network in frequency: effective connectivity, spectra, stability.

A network of populations (or of single neurons, with a realised connectivity) linearised
about its stationary state. Each unit a has the transfer functions H_a(f) (Hz/V) and
H2_a(f) (Hz/V**2) of its rate to the mean mu_a and the variance sigma_a**2 of its input
(:func:`theory.lif.transfer_function`, :func:`theory.lif.variance_transfer_function`). A
rate modulation nu_b1 e^(2 pi i f t) of a presynaptic unit b modulates, through K_ab
synapses of weight J_ab (the PSP jump, V) with filter F_ab(f) (synaptic low-pass and delay),

    mu_a1 = tau_a K_ab J_ab F_ab(f) nu_b1,    sigma_a1**2 = tau_a K_ab J_ab**2 G_ab(f) nu_b1,

so the effective connectivity is

    W_ab(f) = tau_a K_ab [H_a(f) J_ab F_ab(f) + H2_a(f) J_ab**2 G_ab(f)].

The variance of exponentially filtered shot noise follows its rate with time constant
tau_s / 2, so G_ab = e^(-2 pi i f d) / (1 + pi i f tau_s) where F_ab = e^(-2 pi i f d) /
(1 + 2 pi i f tau_s) (both exact for the input; :func:`synaptic_filter`,
:func:`delay_filter`).

The fluctuations of the units then obey x = W x + xi: each unit's own fluctuations xi
(Fourier components of its spike train that do not come from its input's mean and
variance) pass through the network. Their spectra D_a(f) are approximated by the spike-train
spectra of the units in their stationary state (:func:`theory.lif.spike_train_spectrum`,
divided by N_a for a population's mean activity): the approximation of Lindner, Doiron &
Longtin (2005) and Trousdale et al. (2012). With the Poisson approximation D_a = nu_a (/N_a)
instead, the spectra lose the refractory dip and the oscillatory structure of each train.
Cross-spectra, their covariance functions in time, the response to a perturbation of the
inputs and the stability of the stationary state all follow from W(f):

* :func:`cross_spectra`: C(f) = (1 - W)^-1 D (1 - W)^-H;
* :func:`covariance_functions`: C(f) on a frequency grid -> c(tau);
* :func:`linear_response`: (1 - W(f))^-1 times a perturbation;
* :func:`stability`: eigenvalues of W(f), their crossings of the real axis right of 1 and
  the winding number of det(1 - W(f)) around 0, which counts the unstable modes
  (generalised Nyquist criterion; W is analytic in the right half-plane).

All functions take plain arrays (SI units) with the frequency axis first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .errors import ParameterError, require, require_nonnegative

__all__ = ["synaptic_filter", "delay_filter", "effective_connectivity", "cross_spectra",
           "linear_response", "covariance_functions", "stability"]


def synaptic_filter(frequency: ArrayLike, tau_s: ArrayLike) -> np.ndarray:
    """The low-pass 1 / (1 + 2 pi i f tau_s) of an exponential synapse (1 for tau_s = 0).

    Parameters
    ----------
    frequency : array_like
        Frequencies f (Hz, >= 0).
    tau_s : float or array_like
        Synaptic time constants (s, >= 0); broadcasts against ``frequency``.

    Returns
    -------
    numpy.ndarray
        The filter (complex, dimensionless).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or negative.
    """
    require_nonnegative("frequency", frequency, "Hz")
    require_nonnegative("tau_s", tau_s, "s")
    return 1.0 / (1.0 + 2j * np.pi * np.asarray(frequency, float) * np.asarray(tau_s, float))


def delay_filter(frequency: ArrayLike, delay: ArrayLike, width: ArrayLike = 0.0) -> np.ndarray:
    """Transmission delays: e^(-2 pi i f d), averaged over a uniform spread of delays.

    For delays uniform on [d - width/2, d + width/2] the filter is
    e^(-2 pi i f d) sinc(f width) (numpy's normalised sinc).

    Parameters
    ----------
    frequency : array_like
        Frequencies f (Hz, >= 0).
    delay : float or array_like
        Mean delay d (s, >= 0).
    width : float or array_like, optional
        Width of the uniform spread (s, 0 <= width <= 2 d). Default 0: one delay.

    Returns
    -------
    numpy.ndarray
        The filter (complex, dimensionless); the arguments broadcast.

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or outside its range.
    """
    require_nonnegative("frequency", frequency, "Hz")
    require_nonnegative("delay", delay, "s")
    require_nonnegative("width", width, "s")
    if np.any(np.asarray(width, float) > 2 * np.asarray(delay, float) + 1e-15):
        raise ParameterError(f"width: delays spread uniformly over [d - width/2, d + width/2] "
                             f"must stay >= 0, so width <= 2 delay; got width {width}, "
                             f"delay {delay}")
    f = np.asarray(frequency, float)
    return np.exp(-2j * np.pi * f * np.asarray(delay, float)) * np.sinc(
        f * np.asarray(width, float))


def effective_connectivity(transfer: ArrayLike, coupling: ArrayLike,
                           filters: ArrayLike = 1.0, variance_transfer: ArrayLike | None = None,
                           variance_coupling: ArrayLike | None = None,
                           variance_filters: ArrayLike = 1.0) -> np.ndarray:
    """W_ab(f) = H_a(f) c_ab F_ab(f) [+ H2_a(f) c2_ab G_ab(f)].

    Population level: c_ab = tau_a K_ab J_ab and c2_ab = tau_a K_ab J_ab**2; neuron level:
    c_ij = tau_i J_ij (a realised weight matrix, one entry per synapse) and c2_ij = tau_i
    J_ij**2. W_ab is the rate response of a to a rate modulation of b (dimensionless).

    Parameters
    ----------
    transfer : array_like, shape (F, n)
        H_a(f) of each target unit at each frequency (Hz/V, complex).
    coupling : array_like, shape (n, n)
        c_ab (V s): target a in rows, source b in columns.
    filters : array_like, optional
        F_ab(f), broadcasting against (F, n, n): synaptic and delay filters. Default 1.
    variance_transfer : array_like, shape (F, n), optional
        H2_a(f) (Hz/V**2); with ``variance_coupling``, the pathway through the input's
        variance (Poisson input through delta or exponential synapses). Default: none.
    variance_coupling : array_like, shape (n, n), optional
        c2_ab (V**2 s).
    variance_filters : array_like, optional
        G_ab(f), as ``filters``. Default 1.

    Returns
    -------
    numpy.ndarray
        W(f), shape (F, n, n), complex.

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or the shapes do not fit.
    """
    H = np.asarray(transfer, dtype=complex)
    c = np.asarray(coupling, dtype=float)
    require("transfer", np.abs(H), unit="Hz/V")
    require("coupling", c, unit="V s")
    if H.ndim != 2 or c.shape != (H.shape[1], H.shape[1]):
        raise ParameterError(f"transfer must have shape (frequencies, n) and coupling (n, n); "
                             f"got {H.shape} and {c.shape}")
    W = H[:, :, None] * c[None] * np.asarray(filters)
    if (variance_transfer is None) != (variance_coupling is None):
        raise ParameterError("variance_transfer and variance_coupling go together: give both "
                             "or neither")
    if variance_transfer is not None:
        H2 = np.asarray(variance_transfer, dtype=complex)
        c2 = np.asarray(variance_coupling, dtype=float)
        require("variance_transfer", np.abs(H2), unit="Hz/V^2")
        require("variance_coupling", c2, unit="V^2 s")
        if H2.shape != H.shape or c2.shape != c.shape:
            raise ParameterError(f"variance_transfer and variance_coupling must have the shapes "
                                 f"of transfer and coupling; got {H2.shape} and {c2.shape}")
        W = W + H2[:, :, None] * c2[None] * np.asarray(variance_filters)
    return W


def _check_W(W):
    W = np.asarray(W, dtype=complex)
    if W.ndim != 3 or W.shape[1] != W.shape[2]:
        raise ParameterError(f"W must have shape (frequencies, n, n); got {W.shape}")
    require("W", np.abs(W))
    return W


def linear_response(W: ArrayLike, perturbation: ArrayLike) -> np.ndarray:
    """The network's response (1 - W(f))^-1 x(f) to a perturbation x of its units' rates.

    x is what each unit's rate would do with the recurrent input held fixed (e.g. H_a(f)
    times a modulation of its external input); the result includes every recurrent path.
    At f = 0 it is the stationary linear response of ``theory.heterogeneity``.

    Parameters
    ----------
    W : array_like, shape (F, n, n)
        Effective connectivity (:func:`effective_connectivity`).
    perturbation : array_like, shape (F, n) or (F, n, m)
        x(f) (Hz, complex); m perturbations at once in the last axis.

    Returns
    -------
    numpy.ndarray
        The response, in the shape of ``perturbation`` (Hz, complex).

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or the shapes do not fit.
    """
    W = _check_W(W)
    x = np.asarray(perturbation, dtype=complex)
    require("perturbation", np.abs(x))
    if x.shape[:2] != W.shape[:2] or x.ndim not in (2, 3):
        raise ParameterError(f"perturbation must have shape (frequencies, n) or (frequencies, "
                             f"n, m) with W of shape {W.shape}; got {x.shape}")
    eye = np.eye(W.shape[1])
    vector = x.ndim == 2
    out = np.linalg.solve(eye[None] - W, x[..., None] if vector else x)
    return out[..., 0] if vector else out


def cross_spectra(W: ArrayLike, own_spectra: ArrayLike) -> np.ndarray:
    """C(f) = (1 - W(f))^-1 D(f) (1 - W(f))^-H, D diagonal.

    Parameters
    ----------
    W : array_like, shape (F, n, n)
        Effective connectivity.
    own_spectra : array_like, shape (F, n)
        D_a(f) (Hz, >= 0): each unit's own fluctuations (see the module documentation for
        the approximation: the stationary spike-train spectrum, / N_a for a population).

    Returns
    -------
    numpy.ndarray
        C(f), shape (F, n, n), Hermitian in its last two axes (Hz): for populations the
        cross-spectra of the population activities, for neurons those of the spike trains
        (the diagonal includes each train's own spectrum, delta peak and all).

    Raises
    ------
    ParameterError
        If a value is NaN, infinite or negative, or the shapes do not fit.
    """
    W = _check_W(W)
    D = np.asarray(own_spectra, dtype=float)
    require_nonnegative("own_spectra", D, "Hz")
    if D.shape != W.shape[:2]:
        raise ParameterError(f"own_spectra must have shape (frequencies, n) = {W.shape[:2]}; "
                             f"got {D.shape}")
    B = np.linalg.inv(np.eye(W.shape[1])[None] - W)
    return (B * D[:, None, :]) @ np.conj(np.swapaxes(B, 1, 2))


def covariance_functions(spectra: ArrayLike, frequency_step: float) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Cross-covariance functions c(tau) from cross-spectra on a frequency grid.

    c_ab(tau) = int C_ab(f) e^(2 pi i f tau) df over all f, with C(-f) = conj C(f). The
    spectra are given at f = 0, df, 2 df, ..., (F - 1) df and should have decayed to their
    high-frequency limit there; a constant limit (the delta peak of an autocovariance) is
    removed first and returned separately, since it is no function of tau.

    Parameters
    ----------
    spectra : array_like, shape (F, ...)
        C(f) on the grid (Hz, complex).
    frequency_step : float
        df (Hz, > 0). The lags are spaced 1 / (2 (F - 1) df) apart and reach
        +-1 / (2 df).

    Returns
    -------
    lags : numpy.ndarray
        tau (s), ascending, symmetric about 0.
    covariances : numpy.ndarray
        c(tau) (Hz**2), shape (len(lags), ...), without the delta peak at tau = 0, whose
        weight is C at the highest frequency (Hz).

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or frequency_step is not positive.
    """
    C = np.asarray(spectra, dtype=complex)
    require("spectra", np.abs(C), unit="Hz")
    require("frequency_step", frequency_step, low=0.0, low_open=True, unit="Hz")
    if C.shape[0] < 3:
        raise ParameterError(f"spectra need at least 3 frequencies; got {C.shape[0]}")
    smooth = C - C[-1:]
    n = 2 * (C.shape[0] - 1)
    c = np.fft.irfft(smooth, n=n, axis=0) * n * frequency_step
    lags = (np.arange(n) - n // 2) / (n * frequency_step)
    return lags, np.fft.fftshift(c, axes=0)


def stability(frequency: ArrayLike, W: ArrayLike) -> dict:
    """Linear stability of the stationary state from W(f) on a grid of real frequencies.

    The stationary state is unstable when det(1 - W(s)) has a root with Re s > 0. W is
    analytic there (delays and causal filters), so the number of such roots is the number
    of times det(1 - W(f)) winds around 0 as f runs over the real axis (W(-f) =
    conj W(f); W -> 0 at high f). At the onset of an oscillation an eigenvalue of W(f)
    passes through 1 at the oscillation's frequency. So for every eigenvalue trajectory
    this also reports where it crosses the positive real axis: the largest crossing value
    ``margin`` (> 1: unstable through that crossing; its contour at 1 over a parameter plane
    is the critical line) and the crossing's frequency.

    Parameters
    ----------
    frequency : array_like, shape (F,)
        Ascending frequencies from 0 (Hz), fine enough to follow the eigenvalues and far
        enough for W to have decayed.
    W : array_like, shape (F, n, n)
        Effective connectivity at those frequencies.

    Returns
    -------
    dict
        ``unstable_modes`` (int, from the winding number), ``margin`` (float: the largest
        positive-real-axis crossing of an eigenvalue, 0 if none; a real eigenvalue at f = 0
        counts, with frequency 0),
        ``frequency`` (Hz, of that crossing; NaN if none), ``eigenvalues`` ((F, n),
        complex, sorted by continuity along f).

    Raises
    ------
    ParameterError
        If a value is NaN or infinite, or the shapes do not fit.
    """
    f = np.asarray(frequency, dtype=float)
    require_nonnegative("frequency", f, "Hz")
    W = _check_W(W)
    if f.ndim != 1 or len(f) != W.shape[0] or len(f) < 3 or np.any(np.diff(f) <= 0):
        raise ParameterError(f"frequency must be ascending with one entry per W (len "
                             f"{W.shape[0]}, >= 3); got shape {f.shape}")
    n = W.shape[1]
    det = np.linalg.det(np.eye(n)[None] - W)
    # winding of det(1 - W) over f in (-inf, inf): twice the phase change over f >= 0 (the
    # negative half mirrors it); W(0) is real, so det starts on the real axis
    phase = np.unwrap(np.angle(det))
    turns = 2.0 * (phase[-1] - phase[0]) / (2.0 * np.pi)
    unstable = int(max(0, round(-turns)))
    # eigenvalues, followed by continuity
    eig = np.linalg.eigvals(W)
    for k in range(1, len(f)):
        prev, cur = eig[k - 1], eig[k]
        order = np.argmin(np.abs(prev[:, None] - cur[None, :]), axis=1)
        if len(set(order.tolist())) == n:
            eig[k] = cur[order]
    margin, at = 0.0, np.nan
    for j in range(n):
        lam = eig[:, j]
        im = lam.imag
        # sign changes of the imaginary part; a real eigenvalue at f = 0 counts too (a
        # non-oscillatory instability, frequency 0)
        crossings = np.nonzero((np.abs(im[:-1]) <= 1e-12 * np.abs(lam[:-1]))
                               | (im[:-1] * im[1:] < 0))[0]
        for k in crossings:
            t = im[k] / (im[k] - im[k + 1]) if im[k] != im[k + 1] else 0.0
            value = lam.real[k] + t * (lam.real[k + 1] - lam.real[k])
            if value > margin:
                margin, at = float(value), float(f[k] + t * (f[k + 1] - f[k]))
    return {"unstable_modes": unstable, "margin": margin, "frequency": at, "eigenvalues": eig}

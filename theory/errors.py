"""The one error type for bad parameters, shared by the theory, the core and the engines.

The theory package never imports a simulator, so this module checks plain numbers only;
``balanced_models.engines.brian2.units`` adds the checks of Brian2's physical dimensions.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ParameterError(ValueError):
    """A parameter is outside its allowed range or has the wrong dimension.

    The message names the parameter and says what is allowed.
    """


def require(name: str, value: Any, *, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False, unit: str = "") -> Any:
    """Check that every element of ``value`` is a finite number in the given range.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float or array_like
        The value; every element is checked.
    low, high : float, optional
        The bounds; None (the default) leaves that side unbounded.
    low_open, high_open : bool, optional
        Whether the bound is exclusive. Default False.
    unit : str, optional
        The unit, for the message only.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        If an element is not a number, NaN, infinite or outside the range; the message names
        the parameter and the allowed interval.

    Examples
    --------
    >>> require("tau_m", 0.02, low=0.0, low_open=True, unit="s")
    0.02
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number{(' in ' + unit) if unit else ''}; got "
                             f"{value!r}") from None
    bad = ~np.isfinite(arr)
    if low is not None:
        bad |= (arr <= low) if low_open else (arr < low)
    if high is not None:
        bad |= (arr >= high) if high_open else (arr > high)
    if np.any(bad):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = ("(" if low_open or low is None else "[") + f"{lo}, {hi}" + (
            ")" if high_open or high is None else "]")
        shown = arr[bad].ravel()[0]
        raise ParameterError(
            f"{name} must lie in {interval}{(' ' + unit) if unit else ''}; got {shown:g}")
    return value


def require_positive(name: str, value: Any, unit: str = "") -> Any:
    """Check that every element of ``value`` is finite and > 0 (a time constant, an SD).

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float or array_like
        The value; every element is checked.
    unit : str, optional
        The unit, for the message only.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        If an element is not a number, NaN, infinite or outside the range.
    """
    return require(name, value, low=0.0, low_open=True, unit=unit)


def require_nonnegative(name: str, value: Any, unit: str = "") -> Any:
    """Check that every element of ``value`` is finite and >= 0 (a rate, a refractory period).

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float or array_like
        The value; every element is checked.
    unit : str, optional
        The unit, for the message only.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        If an element is not a number, NaN, infinite or outside the range.
    """
    return require(name, value, low=0.0, unit=unit)


def require_probability(name: str, value: Any) -> Any:
    """Check that every element of ``value`` lies in [0, 1].

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float or array_like
        The value; every element is checked.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        If an element is not a number, NaN or outside [0, 1].
    """
    return require(name, value, low=0.0, high=1.0)


def require_integer(name: str, value: Any, *, low: int | None = None,
                    high: int | None = None) -> int:
    """Check that ``value`` is an integer in [low, high] and return it as an int.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : int
        The value: an int, a numpy integer or a float with an integer value (not a bool, NaN
        or a string).
    low, high : int, optional
        The bounds (inclusive); None leaves that side unbounded.

    Returns
    -------
    int
        The value.

    Raises
    ------
    ParameterError
        If it is not an integer or outside the range.
    """
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok and isinstance(value, (float, np.floating)) and np.isfinite(value):
        ok = float(value).is_integer()
    if not ok:
        raise ParameterError(f"{name} must be an integer; got {value!r}")
    require(name, value, low=low, high=high)
    return int(value)


def require_shape(name: str, value: Any, shape: tuple) -> np.ndarray:
    """Check that ``value`` is an array of numbers of the given shape.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : array_like
        The value.
    shape : tuple of int or None
        The shape; None stands for any length along that axis.

    Returns
    -------
    numpy.ndarray
        ``value`` as a float array.

    Raises
    ------
    ParameterError
        If it is not an array of numbers or has another shape; the message gives both shapes.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be an array of numbers; got {value!r}") from None
    if arr.ndim != len(shape) or any(n is not None and n != m for n, m in zip(shape, arr.shape)):
        wanted = "(" + ", ".join("any" if n is None else str(n) for n in shape) + \
            ("," if len(shape) == 1 else "") + ")"
        raise ParameterError(f"{name} must have shape {wanted}; got {arr.shape}")
    return arr

"""The one error type for bad parameters, shared by the theory, the core and the engines.

The theory package never imports a simulator, so this module checks plain numbers only;
``balanced_models.engines.brian2.units`` adds the checks of Brian2's physical dimensions.
"""

import numpy as np


class ParameterError(ValueError):
    """A parameter is outside its allowed range or has the wrong dimension.

    The message names the parameter and says what is allowed.
    """


def require(name, value, *, low=None, high=None, low_open=False, high_open=False, unit=""):
    """Raise ParameterError unless every element of ``value`` lies in the given range.

    ``low``/``high`` of None mean unbounded; ``*_open`` makes the bound exclusive.
    ``unit`` is only used in the message. Returns ``value`` unchanged.
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


def require_positive(name, value, unit=""):
    """value > 0 (e.g. a time constant or a standard deviation)."""
    return require(name, value, low=0.0, low_open=True, unit=unit)


def require_nonnegative(name, value, unit=""):
    """value >= 0 (e.g. a rate or a refractory period)."""
    return require(name, value, low=0.0, unit=unit)


def require_probability(name, value):
    """0 <= value <= 1."""
    return require(name, value, low=0.0, high=1.0)


def require_integer(name, value, *, low=None, high=None):
    """``value`` as an int, after checking it is an integer (not a bool, NaN or a string) in
    [low, high]; ParameterError naming ``name`` otherwise."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok and isinstance(value, (float, np.floating)) and np.isfinite(value):
        ok = float(value).is_integer()
    if not ok:
        raise ParameterError(f"{name} must be an integer; got {value!r}")
    require(name, value, low=low, high=high)
    return int(value)


def require_shape(name, value, shape):
    """``value`` as a float array of the given shape (None in ``shape``: any length);
    ParameterError naming ``name`` and both shapes otherwise."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be an array of numbers; got {value!r}") from None
    if arr.ndim != len(shape) or any(n is not None and n != m for n, m in zip(shape, arr.shape)):
        wanted = "(" + ", ".join("any" if n is None else str(n) for n in shape) + \
            ("," if len(shape) == 1 else "") + ")"
        raise ParameterError(f"{name} must have shape {wanted}; got {arr.shape}")
    return arr

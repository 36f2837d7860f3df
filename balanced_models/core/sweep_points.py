"""The points of a parameter map: fields of a description named by dotted paths, their values,
and the description of each point.

A dotted path walks a :class:`~balanced_models.core.description.NetworkDescription` the way it
is written:

* ``"projections.I->E.weight"``: the weight of the projection from I to E;
* ``"drives.E.rate"``: the rate of E's Poisson drive (a population with several drives names
  one by its channel or its position: ``"drives.E.e.rate"``, ``"drives.E.0.rate"``);
* ``"populations.E.neuron.tau_ref"``: a field of E's neuron model;
* ``"populations.E.size"``, ``"sources.X.rate"``, ``"dt"``: any field, at any depth.

A point's description is made with :func:`dataclasses.replace`, field by field, so every
value is checked as it would be in a description written by hand; nothing is mutated.

Engine-free: nothing here imports a simulator.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

from theory.errors import ParameterError

from .description import NetworkDescription, PoissonDrive

__all__ = ["sweep_points", "point_description", "field_value", "field_unit"]


def _parts(path):
    if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
        raise ParameterError(f"a swept field is a dotted path such as "
                             f"'projections.I->E.weight' or 'drives.E.rate'; got {path!r}")
    return path.split(".")


def _drive_index(drives, part, path):
    """Which of a population's drives ``part`` names: its channel or its position."""
    if part.isdigit() and int(part) < len(drives):
        return int(part)
    channels = [d.channel for d in drives]
    if part in channels:
        return channels.index(part)
    names = [f.name for f in dataclasses.fields(PoissonDrive)]
    raise ParameterError(f"{path!r}: {part!r} is neither the channel nor the position of one "
                         f"of this population's {len(drives)} drives (channels {channels}), "
                         f"nor a field of its drive ({names})")


def _step(value, part, path, where):
    """The child of ``value`` named ``part``, and how to name it: ('field', name),
    ('key', key) or ('drive', index)."""
    if dataclasses.is_dataclass(value):
        names = [f.name for f in dataclasses.fields(value)]
        if part not in names:
            raise ParameterError(f"{path!r}: {where} ({type(value).__name__}) has no field "
                                 f"{part!r}; its fields: {names}")
        return getattr(value, part), ("field", part)
    if isinstance(value, Mapping):
        if part not in value:
            raise ParameterError(f"{path!r}: {where} has no entry {part!r}; it has "
                                 f"{sorted(value)}")
        return value[part], ("key", part)
    if isinstance(value, tuple) and value and all(isinstance(v, PoissonDrive) for v in value):
        return value[_drive_index(value, part, path)], ("drive", _drive_index(value, part,
                                                                               path))
    raise ParameterError(f"{path!r}: {where} is a value ({value!r}), not a part with fields")


def _resolve_drive(value, part, path):
    """A population's drives, named without a channel: the one drive, if there is one."""
    if isinstance(value, tuple) and value and all(isinstance(v, PoissonDrive) for v in value):
        if len(value) == 1 and part in [f.name for f in dataclasses.fields(PoissonDrive)]:
            return value[0], ("drive", 0)
        if len(value) > 1 and part in [f.name for f in dataclasses.fields(PoissonDrive)]:
            raise ParameterError(f"{path!r}: this population has {len(value)} drives; name "
                                 f"one by its channel or position, e.g. "
                                 f"'...{value[0].channel or 0}.{part}'")
    return None


def field_value(description: NetworkDescription, path: str):
    """The value of the field ``path`` (module doc) in ``description``.

    Parameters
    ----------
    description : NetworkDescription
    path : str
        A dotted path, e.g. ``"projections.I->E.weight"``.

    Returns
    -------
    object
        The field's value (SI floats for quantities).

    Raises
    ------
    ParameterError
        If ``path`` names no field of the description.
    """
    _check_description(description)
    parts = _parts(path)
    value, where = description, "the description"
    for k, part in enumerate(parts):
        single = _resolve_drive(value, part, path)
        if single is not None:
            value = single[0]
        value, _ = _step(value, part, path, where)
        where = ".".join(parts[:k + 1])
    return value


def _replace(value, parts, new, path, where):
    if not parts:
        if isinstance(new, list):  # JSON gives lists where descriptions hold tuples
            new = tuple(new)
        return new
    single = _resolve_drive(value, parts[0], path)
    if single is not None:
        child, (_, index) = single
        changed = _replace(child, parts, new, path, where)
        return value[:index] + (changed,) + value[index + 1:]
    child, (kind, name) = _step(value, parts[0], path, where)
    changed = _replace(child, parts[1:], new, path,
                       parts[0] if where == "the description" else f"{where}.{parts[0]}")
    if kind == "field":
        try:
            return dataclasses.replace(value, **{name: changed})
        except ParameterError as error:
            raise ParameterError(f"{path!r} = {new!r}: {error}") from None
        except TypeError as error:
            raise ParameterError(f"{path!r} = {new!r}: {error}") from None
    if kind == "key":
        return {**value, name: changed}
    return value[:name] + (changed,) + value[name + 1:]


def point_description(description: NetworkDescription,
                      point: Mapping[str, object]) -> NetworkDescription:
    """``description`` with the fields of ``point`` set: a new, checked description.

    Parameters
    ----------
    description : NetworkDescription
        The base network; it is not changed.
    point : mapping {dotted path: value}
        The values of this point (SI units, as in the description).

    Returns
    -------
    NetworkDescription
        Made with :func:`dataclasses.replace`, so its values are checked as in a description
        written by hand.

    Raises
    ------
    ParameterError
        If a path names no field, or a value is not allowed there (the message names both).

    Examples
    --------
    >>> weaker = point_description(net, {"projections.I->E.weight": -0.4e-3})  # doctest: +SKIP
    """
    _check_description(description)
    if not isinstance(point, Mapping):
        raise ParameterError(f"a point must be a mapping {{dotted path: value}}; got "
                             f"{type(point).__name__}")
    d = description
    for path, value in point.items():
        d = _replace(d, _parts(path), value, path, "the description")
    return d


def _plain_value(path, value):
    """A JSON-friendly copy of a swept value: numpy scalars become Python numbers; a number
    must be finite."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain_value(path, v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"values of {path!r} must be finite numbers; got {value}")
    if value is not None and not isinstance(value, (bool, int, float, str)):
        raise ParameterError(f"values of {path!r} must be numbers, strings, booleans or "
                             f"tuples of them; got {value!r}")
    return value


def _key_paths(key):
    """The paths of one key of ``over``: a path, or a tuple of linked paths."""
    if isinstance(key, tuple):
        if not key:
            raise ParameterError("a tuple of linked fields must name at least one path")
        for path in key:
            _parts(path)
        return list(key)
    _parts(key)
    return [key]


def sweep_points(over: Mapping | Sequence) -> tuple[list[str], list[dict]]:
    """The swept fields and the points of ``over``.

    Parameters
    ----------
    over : mapping or sequence
        ``{path: values}``: a grid, every combination of the values (one path: a line); the
        first path varies slowest. A key may be a tuple of paths that take the same value
        together (one axis of the grid), e.g. ``("projections.I->E.weight",
        "projections.I->I.weight")``. Or a sequence of ``{path: value}`` dicts: those
        points, each naming the same paths.

    Returns
    -------
    fields : list of str
        The axes, in order: each key's (first) path.
    points : list of dict
        ``{path: value}`` per point (every path, linked ones included), values as plain
        Python numbers.

    Raises
    ------
    ParameterError
        If ``over`` is empty, a path is not a dotted path, a list of values is empty, a
        number is NaN or infinite, or the points of a list name different paths.

    Examples
    --------
    >>> sweep_points({"projections.I->E.weight": [-0.4e-3, -0.5e-3], "drives.E.rate": [10.0]})
    (['projections.I->E.weight', 'drives.E.rate'], [{'projections.I->E.weight': -0.0004, \
'drives.E.rate': 10.0}, {'projections.I->E.weight': -0.0005, 'drives.E.rate': 10.0}])
    """
    if isinstance(over, Mapping):
        if not over:
            raise ParameterError("over must name at least one field")
        keys = list(over)
        paths = [_key_paths(key) for key in keys]
        values = []
        for key, linked in zip(keys, paths):
            v = over[key]
            if isinstance(v, (str, bytes)) or not isinstance(v, (Sequence, np.ndarray)) \
                    or len(v) == 0:
                raise ParameterError(f"over[{key!r}] must be a non-empty list of values; "
                                     f"got {v!r}")
            values.append([_plain_value(linked[0], x) for x in v])
        points = [{path: value for linked, value in zip(paths, combo) for path in linked}
                  for combo in itertools.product(*values)]
        return [linked[0] for linked in paths], points
    if isinstance(over, (str, bytes)) or not isinstance(over, Sequence) or len(over) == 0:
        raise ParameterError(f"over must be {{path: values}} (a grid) or a non-empty list of "
                             f"{{path: value}} points; got {over!r}")
    names = None
    points = []
    for k, point in enumerate(over):
        if not isinstance(point, Mapping) or not point:
            raise ParameterError(f"point {k} of over must be a non-empty {{path: value}} "
                                 f"dict; got {point!r}")
        for name in point:
            _parts(name)
        if names is None:
            names = list(point)
        elif set(point) != set(names):
            raise ParameterError(f"every point must name the same fields; point 0 names "
                                 f"{names}, point {k} names {list(point)}")
        points.append({name: _plain_value(name, point[name]) for name in names})
    return names, points


_SECONDS = ("tau", "delay", "dt", "start", "stop")
_VOLTS = ("mu_ext", "Delta_T", "E")


def field_unit(description: NetworkDescription, path: str) -> str:
    """The SI unit of the field ``path``, for labels: 's', 'V', 'Hz', '1/s' (adaptation a),
    'V/s' (adaptation b), '' (a count or a dimensionless number).

    Parameters
    ----------
    description : NetworkDescription
    path : str
        A dotted path (module doc).

    Returns
    -------
    str
    """
    field_value(description, path)
    parts = path.split(".")
    name = parts[-1]
    if name == "weight":
        target = None
        if parts[0] == "projections":
            target = parts[1].split("->")[-1]
        elif parts[0] == "drives":
            target = parts[1]
        neuron = description.populations[target].neuron if target in description.populations \
            else None
        return "V" if neuron is not None and getattr(neuron, "weight_is_voltage", False) else ""
    if name == "rate":
        return "Hz"
    if name == "a" and parts[-2] == "neuron":
        return "1/s"
    if name == "b" and parts[-2] == "neuron":
        return "V/s"
    if name in _SECONDS or name.startswith("tau"):
        return "s"
    if name in _VOLTS or name.startswith("V_") or name.startswith("E_"):
        return "V"
    return ""


def _check_description(description):
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")

"""Simulation engines behind one contract (:mod:`balanced_models.engines.base`).

:data:`ENGINES` names each engine's module; :func:`get_engine` imports it when it is first asked
for, so ``import balanced_models`` imports no simulator, and a NEST-only user never needs
Brian2 (nor a Brian2 user NEST).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping

from theory.errors import ParameterError

from ..core.description import NetworkDescription
from .base import Engine, EngineHandles

__all__ = ["ENGINES", "get_engine", "installed_engines", "build", "simulate", "Engine",
           "EngineHandles"]

#: engine name -> the module that defines its ``ENGINE`` (an :class:`Engine`)
ENGINES = {"brian2": "balanced_models.engines.brian2.engine",
           "nest": "balanced_models.engines.nest.engine"}

#: engine name -> the package an engine needs, and how to install it (named when it is missing)
_REQUIRES = {"brian2": ("brian2", "pip install brian2 (a dependency of balanced-models)"),
             "nest": ("nest", "pip install 'balanced-models[nest]' (nest-simulator 3.10)")}


def get_engine(name: str = "brian2") -> Engine:
    """The engine called ``name``, its simulator imported now.

    Parameters
    ----------
    name : str
        One of :data:`ENGINES` ('brian2', the default, or 'nest').

    Returns
    -------
    Engine

    Raises
    ------
    ParameterError
        For an unknown name, or when the engine's simulator is not installed.
    """
    if not isinstance(name, str) or name not in ENGINES:
        raise ParameterError(f"engine must be one of {sorted(ENGINES)}; got {name!r}")
    try:
        module = importlib.import_module(ENGINES[name])
    except ImportError as error:
        package, install = _REQUIRES[name]
        if error.name is None or not error.name.startswith(package):
            raise
        raise ParameterError(f"the {name} engine needs {package}, which cannot be imported: "
                             f"{install}") from error
    return module.ENGINE


def installed_engines() -> list[str]:
    """The names of the engines whose simulator can be imported here.

    Returns
    -------
    list of str
    """
    names = []
    for name, (package, _) in _REQUIRES.items():
        try:
            if importlib.util.find_spec(package) is not None:
                names.append(name)
        except (ImportError, ValueError):  # sys.modules[package] = None makes it unimportable
            pass
    return names


def build(description: NetworkDescription, *, seed: int = 0,
          connectivity: Mapping | None = None, engine: str = "brian2",
          **options) -> EngineHandles:
    """Build ``description`` on the engine called ``engine``.

    Parameters
    ----------
    description, seed, connectivity
        As for :meth:`Engine.build <balanced_models.engines.base.Engine.build>`.
    engine : str
        'brian2' (default) or 'nest'.
    **options
        The engine's build options (Brian2: ``simulation``, ``device``, ``directory``,
        ``threads``; NEST: ``threads``).

    Returns
    -------
    EngineHandles
    """
    return get_engine(engine).build(description, seed=seed, connectivity=connectivity,
                                    **options)


def simulate(description: NetworkDescription, duration: float, *, seed: int = 0,
             connectivity: Mapping | None = None, report: str | None = None,
             engine: str = "brian2", **options) -> EngineHandles:
    """Build ``description`` on the engine called ``engine`` and run it for ``duration`` s.

    Parameters
    ----------
    description, duration, seed, connectivity, report
        As for :meth:`Engine.simulate <balanced_models.engines.base.Engine.simulate>`.
    engine : str
        'brian2' (default) or 'nest'.
    **options
        The engine's build options (:func:`build`).

    Returns
    -------
    EngineHandles
        With the recorded data; ``handles.population_rates()`` gives the rates.

    Examples
    --------
    >>> h = simulate(net, 1.0, seed=1, engine="nest", threads=2)   # doctest: +SKIP
    >>> h.population_rates()                                       # the same table on Brian2
    """
    return get_engine(engine).simulate(description, duration, seed=seed,
                                       connectivity=connectivity, report=report, **options)

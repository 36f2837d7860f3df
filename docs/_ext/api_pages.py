"""Writes the API reference page when the documentation is built: every name in
``balanced_models.__all__`` and every public function and class of each ``theory`` module, each
documented by autosummary from its docstring."""

import importlib
import inspect
import os
import pkgutil

DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def public_theory_names():
    """``{module: [names]}``: the public functions and classes defined in each theory module."""
    import theory

    names = {}
    for info in pkgutil.iter_modules(theory.__path__):
        module = importlib.import_module(f"theory.{info.name}")
        names[module.__name__] = sorted(
            name for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__)
    return names


def package_names():
    """The names of ``balanced_models.__all__`` that are functions or classes, and the others
    (constants, modules)."""
    import balanced_models as bm

    callables, others = [], []
    for name in bm.__all__:
        value = getattr(bm, name)
        (callables if inspect.isfunction(value) or inspect.isclass(value) else others).append(name)
    return callables, others


def text():
    callables, others = package_names()
    lines = ["API reference", "=============", "",
             "``import balanced_models as bm`` gives every name below; it imports no simulator "
             "(the Brian2 names load Brian2 when first used).", "",
             "balanced_models", "---------------", "", ".. currentmodule:: balanced_models", "",
             ".. autosummary::", "   :toctree: generated", ""]
    lines += [f"   {name}" for name in callables]
    lines += ["", "Other names: " + ", ".join(f"``{name}``" for name in others) + ".", ""]
    for module, names in public_theory_names().items():
        title = f"``{module}``"
        lines += [title, "-" * len(title), "", f".. automodule:: {module}", "   :no-members:",
                  "", f".. currentmodule:: {module}", "", ".. autosummary::",
                  "   :toctree: generated", ""]
        lines += [f"   {name}" for name in names] + [""]
    return "\n".join(lines)


def write(app=None):
    path = os.path.join(DOCS, "api.rst")
    content = text()
    if not os.path.isfile(path) or open(path).read() != content:
        with open(path, "w") as f:
            f.write(content)


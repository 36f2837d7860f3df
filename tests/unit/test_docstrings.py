"""The public API is documented: numpydoc's own validation over every name the API reference
lists (every name in ``balanced_models.__all__`` and every public function and class of the
``theory`` modules), and the examples in the theory's docstrings run as written.

The checks are those the documentation build applies (docs/conf.py,
``numpydoc_validation_checks``): a docstring (GL08), every parameter documented (PR01), no
documented parameter that does not exist (PR02), and a Returns section (RT01).
"""

import doctest
import importlib
import os
import sys
import warnings

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "docs", "_ext"))
import api_pages  # noqa: E402  (the API reference's own list of names)

CHECKS = {"GL08", "PR01", "PR02", "RT01"}


def public_names():
    import balanced_models as bm

    callables, _ = api_pages.package_names()
    names = [f"{getattr(bm, n).__module__}.{getattr(bm, n).__qualname__}" for n in callables]
    for module, members in api_pages.public_theory_names().items():
        names += [f"{module}.{name}" for name in members]
    return sorted(set(names))


def test_the_api_reference_lists_every_public_name():
    import balanced_models as bm

    callables, others = api_pages.package_names()
    assert sorted(callables + others) == sorted(bm.__all__)
    assert len(public_names()) > 100


@pytest.mark.parametrize("name", public_names())
def test_numpydoc_validation(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown section is an error too
        errors = [f"{code}: {message}" for code, message in
                  numpydoc_validate.validate(name)["errors"] if code in CHECKS]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("module", sorted(api_pages.public_theory_names()))
def test_theory_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

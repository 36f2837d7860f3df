"""Sphinx configuration of the balanced-models documentation (``sphinx-build -W docs OUT``)."""

import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(DOCS, "_ext"))
sys.path.insert(0, os.path.dirname(DOCS))

project = "balanced-models"
author = "the balanced-models developers"
copyright = "2026, the balanced-models developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

# pages written from the code before Sphinx reads the sources: the API reference (every public
# name) and one page per reproduction (its checks, figures and known gaps)
import api_pages  # noqa: E402
import reproduction_pages  # noqa: E402

api_pages.write()
reproduction_pages.write_pages()
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "reproductions/narrative", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.md5",
                    "auto_examples/*.json"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_static_path = []
templates_path = ["_templates"]

# the API reference: every public name, documented from its numpydoc docstring
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc's own validation at build time: a docstring, every parameter documented, no
# documented parameter that does not exist, a Returns section (tests/unit/test_docstrings.py
# runs the same checks over the public API)
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "RT01"}
numpydoc_xref_param_type = False

# intersphinx without the network: the inventories are stored in docs/_inventories (made by
# docs/_inventories/make_inventories.py from the names the documentation links to)
_INVENTORIES = os.path.join(DOCS, "_inventories")
intersphinx_mapping = {
    name: (url, os.path.join(_INVENTORIES, f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "pandas": "https://pandas.pydata.org/docs/",
        "matplotlib": "https://matplotlib.org/stable/",
        "brian2": "https://brian2.readthedocs.io/en/stable/",
        "nest": "https://nest-simulator.readthedocs.io/en/stable/",
        "neo": "https://neo.readthedocs.io/en/stable/",
    }.items()
}

# the gallery: examples/ executed at build time (each a short simulation)
sphinx_gallery_conf = {
    "examples_dirs": os.path.join(os.path.dirname(DOCS), "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
}

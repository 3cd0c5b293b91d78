"""Sphinx configuration for pyfactory's documentation."""

import warnings

import pyfactory

project = "pyfactory"
author = "the pyfactory authors"
copyright = "pyfactory contributors"
release = pyfactory.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]

# Sphinx 9's napoleon tests autodoc's options with `if options:`, which goes through
# the mapping interface that Sphinx itself deprecates. The test suite builds the docs
# with PYTHONWARNINGS=error, so that warning, about Sphinx's own code, is ignored.
warnings.filterwarnings(
    "ignore", message="The mapping interface for autodoc options objects is deprecated"
)

# Google-style docstrings only: the code base writes no NumPy-style ones.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Factory documents its configuration under "Class attributes:".
napoleon_custom_sections = [("Class attributes", "Attributes")]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}

exclude_patterns = ["_build"]

html_theme = "alabaster"
html_theme_options = {
    "description": "Typed, fast, async-ready test data factories built from schemas.",
    "fixed_sidebar": True,
}

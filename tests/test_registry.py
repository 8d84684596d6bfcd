"""The negative-set registry: the README's worked example, derived source lists, and the
real example table pinned byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.dataset import negatives, registry
from nesscan.dataset.examples import build_examples
from nesscan.dataset.window import WINDOW, example_row
from nesscan.records import NesAnnotation, Protein

README = Path(__file__).resolve().parents[1] / "README.md"
BUILT_IN = ("nesdb_other", "mito_nterm", "mito_random", "consensus_no_nes", "anchor_mutant", "shuffled",
            "locnes_neg")


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry that a test may register into (restored afterwards)."""
    monkeypatch.setattr(registry, "REGISTRY", list(registry.REGISTRY))
    return registry.REGISTRY


def _toy_data():
    rng = np.random.default_rng(4)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    nes = Protein("P1", "".join(rng.choice(letters, 90)))
    anns = [NesAnnotation("A (NES ID: 1)", nes, ((30, 41),), False)]
    mito = [Protein(f"M{i}", "".join(rng.choice(letters, int(rng.integers(30, 120))))) for i in range(6)]
    return anns, [*mito, Protein("M9", "MAAR")]


def test_built_in_sets_and_derived_sources() -> None:
    assert tuple(negatives.NEGATIVE_SOURCES) == BUILT_IN
    assert negatives.HARD_NEGATIVE_SOURCES == ("consensus_no_nes", "anchor_mutant", "shuffled", "locnes_neg")
    assert negatives.SYNTHETIC_SOURCES == ("anchor_mutant", "shuffled")
    # "all negatives" keeps meaning the six sets of the earlier figures; locnes_neg has its own row only
    assert negatives.ALL_SOURCES == BUILT_IN[:6]
    assert list(registry.separate_sources()) == ["locnes_neg"]
    assert "lower bound" in registry.separate_sources()["locnes_neg"]
    assert "shuffled" in negatives.SYNTHETIC_SOURCES and "mito_random" not in negatives.SYNTHETIC_SOURCES
    table = pd.DataFrame({"source": ["shuffled", "mito_nterm"]})
    assert table.source.isin(negatives.SYNTHETIC_SOURCES).tolist() == [True, False]


def test_readme_example_registers_a_set_that_build_examples_emits(scratch_registry) -> None:
    text = README.read_text()
    section = text[text.index("### Adding a negative set"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    anns, mito = _toy_data()
    before = build_examples(anns, mito, seed=1).examples
    exec(compile(code, str(README), "exec"), {})
    assert registry.REGISTRY[-1].name == "mito_cterm"
    assert tuple(negatives.NEGATIVE_SOURCES) == (*BUILT_IN, "mito_cterm")  # live views
    ex = build_examples(anns, mito, seed=1)
    t = ex.examples
    cterm = t[t.source == "mito_cterm"]
    assert sorted(cterm.accession) == [f"M{i}" for i in range(6)]  # M9 is shorter than the window
    for row in cterm.itertuples(index=False):
        assert row.sequence == ex.proteins[row.accession].sequence[-WINDOW:] and row.label == 0
    assert t.iloc[: len(before)].equals(before)  # registered last: earlier rows unchanged
    assert ex.summary["examples_by_source"]["mito_cterm"] == len(cterm)


def test_registry_flags_and_checks(scratch_registry) -> None:
    @registry.negative_set("toy_polyq", synthetic=True, hard=True)
    def toy_polyq(ctx):
        return [example_row("Q" * ctx.window, "toy_polyq", acc, 0) for acc in ctx.parents]

    assert "toy_polyq" in negatives.SYNTHETIC_SOURCES and "toy_polyq" in negatives.HARD_NEGATIVE_SOURCES
    anns, mito = _toy_data()
    assert "toy_polyq" in set(build_examples(anns, mito).examples.source)
    assert "toy_polyq" not in set(build_examples(anns, mito, hard_negatives=False).examples.source)
    with pytest.raises(ValueError, match="already registered"):
        registry.negative_set("shuffled")(toy_polyq)
    with pytest.raises(ValueError, match="already registered"):
        registry.negative_set("mito_again", sources=("mito_random",))(toy_polyq)
    with pytest.raises(ValueError, match="needs a note"):
        registry.negative_set("toy_quiet", in_all=False)
    registry.negative_set("toy_apart", in_all=False, note="is a toy")(lambda ctx: [])
    assert registry.separate_sources() == {"locnes_neg": negatives.LOCNES_NOTE, "toy_apart": "is a toy"}
    assert "toy_apart" in negatives.NEGATIVE_SOURCES and "toy_apart" not in negatives.ALL_SOURCES
    assert "toy_polyq" in negatives.ALL_SOURCES

    @registry.negative_set("toy_liar")
    def toy_liar(ctx):
        return [example_row("W" * ctx.window, "not_mine", "P1", 0)]

    with pytest.raises(ValueError, match="toy_liar"):
        build_examples(anns, mito)


@pytest.mark.slow
def test_real_example_table_is_pinned(real_split) -> None:
    """``pipeline.prepare(data, seed=0)``: the table and its summary, byte for byte (recorded
    when locnes_neg was added, the last set; without its rows the table is the one recorded at
    commit 3098029, before the dataset package was reshaped around the registry)."""
    ex, table = real_split
    assert hashlib.sha256(table.to_csv(sep="\t", index=False).encode()).hexdigest() == \
        "f0981e9afad050ffb87c9cb27650027b5e757f8949f526b9941cd2db8100793d"
    assert hashlib.sha256(json.dumps(ex.summary, sort_keys=True).encode()).hexdigest() == \
        "40c9b17ce4b7782e40cd72391fd64794593df96df88335c9dc7a2e893ab4b114"
    earlier = table[table.source != "locnes_neg"]  # registered last, own generator: the earlier rows unchanged
    assert hashlib.sha256(earlier.to_csv(sep="\t", index=False).encode()).hexdigest() == \
        "c633fffc4c05ac5788c805ac848c9c682e9223ba5367d60a8720ebd1d964260e"

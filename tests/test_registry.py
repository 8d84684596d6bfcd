"""The negative-set registry: the worked example of docs/howto/extend.md (the README's, before
the docs site), derived source lists, and the real example table against its stored reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from doc_examples import worked_example

from nesscan.dataset import negatives, registry
from nesscan.dataset.examples import build_examples
from nesscan.dataset.window import WINDOW, example_row
from nesscan.records import NesAnnotation, Protein

BUILT_IN = ("nesdb_other", "mito_nterm", "mito_random", "consensus_no_nes", "anchor_mutant", "shuffled",
            "locnes_neg", "nonbinder", "core_shuffled")


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
    assert negatives.HARD_NEGATIVE_SOURCES == ("consensus_no_nes", "anchor_mutant", "shuffled", "locnes_neg",
                                               "nonbinder", "core_shuffled")
    assert negatives.SYNTHETIC_SOURCES == ("anchor_mutant", "shuffled", "core_shuffled")
    # "all negatives" keeps meaning the six sets of the earlier figures; locnes_neg and nonbinder have rows of their own
    assert negatives.ALL_SOURCES == BUILT_IN[:6]
    assert list(registry.separate_sources()) == ["locnes_neg", "nonbinder", "core_shuffled"]
    assert "lower bound" in registry.separate_sources()["locnes_neg"]
    assert "Kirli" in registry.separate_sources()["nonbinder"]
    assert registry.untrained_sources() == ("nonbinder", "core_shuffled")  # measured: reported, not trained on
    assert "shuffled" in negatives.SYNTHETIC_SOURCES and "mito_random" not in negatives.SYNTHETIC_SOURCES
    table = pd.DataFrame({"source": ["shuffled", "mito_nterm"]})
    assert table.source.isin(negatives.SYNTHETIC_SOURCES).tolist() == [True, False]


def test_readme_example_registers_a_set_that_build_examples_emits(scratch_registry) -> None:
    code, page = worked_example("Adding a negative set")
    anns, mito = _toy_data()
    before = build_examples(anns, mito, seed=1).examples
    exec(compile(code, str(page), "exec"), {})
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
    assert registry.separate_sources() == {"locnes_neg": negatives.LOCNES_NOTE, "nonbinder": negatives.NONBINDER_NOTE,
                                           "core_shuffled": negatives.CORE_SHUFFLED_NOTE, "toy_apart": "is a toy"}
    assert "toy_apart" in negatives.NEGATIVE_SOURCES and "toy_apart" not in negatives.ALL_SOURCES
    assert "toy_polyq" in negatives.ALL_SOURCES

    @registry.negative_set("toy_liar")
    def toy_liar(ctx):
        return [example_row("W" * ctx.window, "not_mine", "P1", 0)]

    with pytest.raises(ValueError, match="toy_liar"):
        build_examples(anns, mito)


REFERENCE = Path(__file__).parent / "reference"


def example_reference(ex, table: pd.DataFrame) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """What ``tests/reference/examples_*`` hold: the summary, the rows per source and split,
    and three rows of each source (first, middle, last)."""
    counts = table.groupby(["source", "split"]).size().rename("n").reset_index()
    picks = [g.iloc[[0, len(g) // 2, len(g) - 1]] for _, g in table.groupby("source", sort=True)]
    rows = pd.concat(picks)[["source", "accession", "start", "sequence", "centred", "split"]].reset_index(drop=True)
    return ex.summary, counts, rows


def record_example_reference(data_dir: Path) -> None:
    """Re-record the reference after a deliberate change of the examples (say so in the commit):
    ``python -c "import sys; sys.path.insert(0, 'tests'); import test_registry as t; from pathlib import Path;
    t.record_example_reference(Path('../shared/data'))"``."""
    from nesscan.pipeline import prepare

    summary, counts, rows = example_reference(*prepare(data_dir, seed=0))
    (REFERENCE / "examples_summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    counts.to_csv(REFERENCE / "examples_counts.tsv", sep="\t", index=False)
    rows.to_csv(REFERENCE / "examples_rows.tsv", sep="\t", index=False)


@pytest.mark.slow
def test_the_real_example_table_matches_its_stored_reference(real_split) -> None:
    """``pipeline.prepare(data, seed=0)``: the summary, the rows per source and split, and
    three rows of each source, recorded when core_shuffled was added (integers and strings:
    exact on any machine; the earlier sets' rows are those recorded before it, as
    :func:`test_the_core_shuffled_set_leaves_the_earlier_sets_as_they_were` checks)."""
    summary, counts, rows = example_reference(*real_split)
    assert summary == json.loads((REFERENCE / "examples_summary.json").read_text())
    pd.testing.assert_frame_equal(counts, pd.read_csv(REFERENCE / "examples_counts.tsv", sep="\t"))
    pd.testing.assert_frame_equal(rows, pd.read_csv(REFERENCE / "examples_rows.tsv", sep="\t"))


@pytest.mark.slow
def test_a_set_registered_last_leaves_the_earlier_rows_as_they_were(real_examples, scratch_registry) -> None:
    """Both sides built here: the real examples with and without locnes_neg (registered last,
    its own generator)."""
    annotations, mito, full = real_examples
    scratch_registry[:] = [entry for entry in scratch_registry if entry.name != "locnes_neg"]
    without = build_examples(annotations, mito).examples
    earlier = full.examples[full.examples.source != "locnes_neg"].reset_index(drop=True)
    assert "locnes_neg" in set(full.examples.source) and "locnes_neg" not in set(without.source)
    pd.testing.assert_frame_equal(earlier, without)


@pytest.mark.slow
def test_the_core_shuffled_set_leaves_the_earlier_sets_as_they_were(real_examples, scratch_registry) -> None:
    """Both sides built here: the real examples with and without core_shuffled (registered last, its
    own generator); every core shuffle keeps its NES's flanks and the core's residues."""
    annotations, mito, full = real_examples
    scratch_registry[:] = [entry for entry in scratch_registry if entry.name != "core_shuffled"]
    without = build_examples(annotations, mito).examples
    t = full.examples
    pd.testing.assert_frame_equal(t[t.source != "core_shuffled"].reset_index(drop=True), without)
    core = t[t.source == "core_shuffled"]
    assert len(core) > 900 and not set(core.sequence) & set(t.sequence[t.source != "core_shuffled"])
    positives = t[(t.label == 1) & t.centred.astype(bool)].set_index(["accession", "start"]).sequence
    for row in core.itertuples(index=False):
        nes = positives.loc[(row.accession, row.start)]
        nes = nes.iloc[0] if isinstance(nes, pd.Series) else nes
        assert sorted(row.sequence) == sorted(nes) and row.sequence != nes


@pytest.mark.slow
def test_the_nonbinder_set_leaves_the_earlier_sets_as_they_were(data_dir, real_examples) -> None:
    """Both sides built here: the real examples without the cargo table's non-binders (the
    fixture) and with them; the non-binder windows hold a consensus match, none in two sets,
    and no NESdb protein gives one."""
    from nesscan.consensus import window_match_counts
    from nesscan.io import read_cargo
    from nesscan.io.cargo import CARGO_FILE

    annotations, mito, without = real_examples
    cargo = read_cargo(data_dir / CARGO_FILE)
    nonbinders = [cargo.proteins[a] for a in cargo.table.accession[cargo.table.label == 0]]
    ex = build_examples(annotations, mito, nonbinders=nonbinders)
    rows = ex.examples[ex.examples.source == "nonbinder"]
    pd.testing.assert_frame_equal(ex.examples[ex.examples.source != "nonbinder"].reset_index(drop=True),
                                  without.examples.reset_index(drop=True))
    assert len(rows) > 1000 and rows.groupby("accession").size().max() <= 3
    assert not set(rows.accession) & {a.protein.accession for a in annotations}
    assert not set(rows.sequence) & set(ex.examples.sequence[ex.examples.source != "nonbinder"])
    assert all(window_match_counts(s, 22).max() > 0 for s in rows.sequence)
    assert all(ex.proteins[a].sequence[st:st + 22] == s for a, st, s in zip(rows.accession, rows.start, rows.sequence))

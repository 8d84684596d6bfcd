"""The negative sets, registered in build order (:mod:`nesscan.dataset.registry`).

``nesdb_other``
    Random windows of NESdb parents that overlap no annotated range (doubtful and
    over-long ranges included): ``other_per_protein`` per protein, from the shared
    generator.
``mito`` (sources ``mito_nterm`` and ``mito_random``)
    Mitochondrial proteins (those with an NESdb entry are dropped): the N-terminal
    22-mer (targeting presequence, ``mito_nterm``) and ``mito_per_protein`` random
    other windows (``mito_random``), interleaved protein by protein, from the shared
    generator. Random windows are easy negatives: composition alone separates them
    from NESs (data README: AUC ~0.86).
``consensus_no_nes``, ``anchor_mutant``, ``shuffled`` (hard)
    Consensus-matching windows of proteins with no known NES, NES windows with their
    anchors mutated to alanine, composition-preserving shuffles of NES windows
    (:mod:`nesscan.dataset.hard_negatives`); each seeds its own generator with ``seed``.
    The last two are synthetic.
``locnes_neg`` (hard; not in "all")
    The negatives of LocNES (Xu D et al. 2015, Bioinformatics 31:1357): up to 3 windows
    per NESdb parent that hold a Kosugi consensus match and touch none of its annotated
    ranges (doubtful and over-long ones included), from its own generator seeded with
    ``seed``; windows equal to any row built before (a positive, an ``nesdb_other`` window
    of the same protein, ...) are skipped, so no window is in two sources. Some may be
    unannotated NESs of these exported proteins: the AUC against them is a lower bound,
    so the set is trained on but reported only on its own row, never pooled into "all
    negatives" (``in_all=False``), which keeps meaning the six sets above.

``nonbinder`` (hard; not in "all")
    NES-like windows of proteins that CRM1 did not bind (``Non-binder`` in the CRM1 cargo
    table of Kirli et al. 2015, eLife 4:e11466; none with an NESdb entry): up to 3 windows
    per protein that hold a Kosugi consensus match, picked by the rule of ``locnes_neg``
    from its own generator. Soluble nuclear and cytoplasmic proteins, so composition cannot
    separate them by compartment the way it separates mitochondrial ones: the hardest real
    negative. Built only when ``build_examples`` is given the non-binders; the labels are
    noisy (an oocyte extract, some cargo ride on partners), so the set is reported on its
    own row, never pooled into "all negatives". It is not trained on (``trained=False``):
    measured with ``nesscan run --no-screen`` on the same folds, training on it raised its
    own row (0.816 to 0.830) but lowered the shuffled NESs (0.778 to 0.763), site top-1
    (53.4% to 51.1%) and "all" (0.893 to 0.890); only the row it was trained on gained.

A negative whose sequence equals a positive's is dropped (by ``build_examples``).
Every negative set is evaluated on its own, and trained on unless registered with
``trained=False``.
"""

from __future__ import annotations

import numpy as np

from nesscan.dataset.hard_negatives import (
    ANCHOR_SOURCE,
    CONSENSUS_SOURCE,
    LOCNES_SOURCE,
    SHUFFLED_SOURCE,
    anchor_mutants,
    consensus_negatives,
    locnes_negatives,
    shuffled_negatives,
)
from nesscan.dataset.core_shuffled import CORE_SHUFFLED_SOURCE, core_shuffled_negatives
from nesscan.dataset.registry import (
    NegativeContext,
    SourceNames,
    negative_set,
    separate_sources,
    untrained_sources,
)
from nesscan.dataset.window import example_row

__all__ = ["NEGATIVE_SOURCES", "HARD_NEGATIVE_SOURCES", "SYNTHETIC_SOURCES", "CONSENSUS_SOURCE",
           "ANCHOR_SOURCE", "SHUFFLED_SOURCE", "CORE_SHUFFLED_SOURCE", "LOCNES_SOURCE", "NONBINDER_SOURCE", "ALL_SOURCES",
           "separate_sources", "untrained_sources"]


@negative_set("nesdb_other")
def nesdb_other(ctx: NegativeContext) -> list[dict]:
    window, rows = ctx.window, []
    covered = {acc: np.zeros(len(p.sequence), bool) for acc, p in ctx.parents.items()}
    for site in ctx.sites.itertuples(index=False):
        covered[site.accession][site.start_1b - 1:site.end_1b] = True
    for acc, p in ctx.parents.items():
        mask = covered[acc]
        free = [a for a in range(len(p.sequence) - window + 1) if not mask[a:a + window].any()]
        for a in sorted(ctx.rng.choice(free, size=min(ctx.other_per_protein, len(free)), replace=False)):
            rows.append(example_row(p.sequence[a:a + window], "nesdb_other", acc, a))
    return rows


@negative_set("mito", sources=("mito_nterm", "mito_random"))
def mito_windows(ctx: NegativeContext) -> list[dict]:
    window, rows = ctx.window, []
    for p in ctx.mito:
        if p.accession in ctx.proteins:  # an NESdb cargo (or a repeated accession)
            ctx.count("mito_dropped_known_nes_cargo")
            continue
        if len(p.sequence) < window:
            ctx.count("proteins_shorter_than_window")
            continue
        ctx.proteins[p.accession] = p
        rows.append(example_row(p.sequence[:window], "mito_nterm", p.accession, 0))
        n_free = len(p.sequence) - window  # starts 1..n_free (0 is the N-terminal set)
        for a in sorted(ctx.rng.choice(np.arange(1, n_free + 1), size=min(ctx.mito_per_protein, n_free),
                                       replace=False)):
            rows.append(example_row(p.sequence[a:a + window], "mito_random", p.accession, a))
    return rows


@negative_set(CONSENSUS_SOURCE, hard=True)
def consensus_no_nes(ctx: NegativeContext) -> list[dict]:
    no_nes = [p for p in ctx.mito if p.accession not in ctx.parents]
    return consensus_negatives(no_nes, ctx.window, per_protein=2, rng=ctx.seed, exclude=ctx.positive_sequences)


@negative_set(ANCHOR_SOURCE, hard=True, synthetic=True)
def anchor_mutant(ctx: NegativeContext) -> list[dict]:
    return anchor_mutants(ctx.positives, ctx.proteins, ctx.window)


@negative_set(SHUFFLED_SOURCE, hard=True, synthetic=True)
def shuffled(ctx: NegativeContext) -> list[dict]:
    return shuffled_negatives(ctx.positives, n_per=ctx.shuffles_per_nes, rng=ctx.seed)


LOCNES_NOTE = "may hold unannotated NESs: its AUC is a lower bound"


@negative_set(LOCNES_SOURCE, hard=True, in_all=False, note=LOCNES_NOTE)  # last: the sets above keep their rows
def locnes_neg(ctx: NegativeContext) -> list[dict]:
    return locnes_negatives(list(ctx.parents.values()), ctx.sites, ctx.window, per_protein=3, rng=ctx.seed,
                            exclude=ctx.built_sequences)


NONBINDER_SOURCE = "nonbinder"
NONBINDER_NOTE = "CRM1 non-binders of an oocyte extract (Kirli et al. 2015): noisy labels"


@negative_set(NONBINDER_SOURCE, hard=True, in_all=False, note=NONBINDER_NOTE,
              trained=False)  # registered last: earlier rows kept; not trained on (module docstring)
def nonbinder(ctx: NegativeContext) -> list[dict]:
    proteins = [p for p in ctx.nonbinders if p.accession not in ctx.parents]
    rows = locnes_negatives(proteins, ctx.sites, ctx.window, per_protein=3, rng=[ctx.seed, 1],
                            exclude=ctx.built_sequences, source=NONBINDER_SOURCE)
    for p in proteins:
        ctx.proteins.setdefault(p.accession, p)
    return rows


CORE_SHUFFLED_NOTE = ("NES cores shuffled inside their natural flanks: only the motif's order differs; "
                      "not trained on")
CORE_SHUFFLES_PER_NES = 4
"""Core shuffles per centred NES (as many as the whole-window shuffles)."""


@negative_set(CORE_SHUFFLED_SOURCE, hard=True, synthetic=True, in_all=False, note=CORE_SHUFFLED_NOTE,
              trained=False)  # registered last: earlier rows, and "all", kept; not trained on (on the
# same folds, training on it lowered "all" 0.893 to 0.889 and site top-1 52.9% to 51.6%)
def core_shuffled(ctx: NegativeContext) -> list[dict]:
    return core_shuffled_negatives(ctx.positives, n_per=CORE_SHUFFLES_PER_NES, rng=[ctx.seed, 2],
                                   exclude=ctx.built_sequences)


NEGATIVE_SOURCES = SourceNames()
"""Sources of every registered negative set, in build order (a live view of the registry)."""
HARD_NEGATIVE_SOURCES = SourceNames(hard=True)
"""Sources of the hard negative sets, in build (and report) order."""
SYNTHETIC_SOURCES = SourceNames(synthetic=True)
"""Sources whose ``sequence`` is not a slice of the parent protein (peptide features only)."""
ALL_SOURCES = SourceNames(in_all=True)
"""Sources pooled into the "all negatives" AUC (the others: :func:`nesscan.dataset.registry.separate_sources`)."""

"""Training and evaluation examples: the positives, then every registered negative set.

The folder reads as the data flows: :mod:`~nesscan.dataset.window` (window length and the
row schema), :mod:`~nesscan.dataset.positives` (NESdb sites and their windows),
:mod:`~nesscan.dataset.registry` and :mod:`~nesscan.dataset.negatives` (the negative
sets, built in registration order; generators of the hard ones in
:mod:`~nesscan.dataset.hard_negatives`), this module (the table), then
:mod:`~nesscan.dataset.split` (homology-aware splits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

import nesscan.dataset.negatives  # noqa: F401  (registers the built-in negative sets)
from nesscan.dataset import registry
from nesscan.dataset.positives import (
    POSITIVE_SOURCES,
    nes_sites,
    positive_rows,
    positive_starts,
)
from nesscan.dataset.window import COLUMNS, OFFSETS, WINDOW
from nesscan.records import NesAnnotation, Protein

__all__ = ["ExampleSet", "build_examples", "WINDOW", "POSITIVE_SOURCES", "nes_sites", "positive_starts"]


@dataclass(frozen=True)
class ExampleSet:
    """Examples together with the parent proteins they were cut from."""

    proteins: dict[str, Protein]  # accession -> parent protein
    examples: pd.DataFrame  # schema: nesscan.dataset.window
    summary: dict  # counts for the run record and the report
    #: the protein-level labels (:class:`nesscan.io.cargo.CargoTable`), its ``table`` with the
    #: ``cluster`` and ``split`` of each protein (:func:`nesscan.pipeline.prepare`); None without one
    cargo: Any = None


def build_examples(annotations: Sequence[NesAnnotation], mito: Sequence[Protein],
                   window: int = WINDOW, offsets: int = OFFSETS, mito_per_protein: int = 2,
                   other_per_protein: int = 3, hard_negatives: bool = True, shuffles_per_nes: int = 4,
                   seed: int = 0, nonbinders: Sequence[Protein] = ()) -> ExampleSet:
    """Cut the positive windows, then each registered negative set's, in registration order.

    Parameters
    ----------
    annotations
        NESdb rows (:func:`nesscan.io.read_nesdb`).
    mito
        Mitochondrial proteins (:func:`nesscan.io.read_mito`).
    window
        Example length in residues.
    offsets
        Training windows per NES (the centred one included).
    mito_per_protein, other_per_protein
        Random negative windows per mitochondrial / NESdb protein.
    hard_negatives
        Also build the sets registered as hard (``consensus_no_nes``, ``anchor_mutant``,
        ``shuffled``, ``locnes_neg``).
    shuffles_per_nes
        Composition-preserving shuffles per NES window (measured on the test split with
        the physchem Transformer: 4 shuffles raise the AUC against
        shuffles from 0.53 to 0.58 and against consensus windows from 0.78 to 0.82,
        compared with 1).
    seed
        Seed of the shared generator of the negative sets, and of the hard sets' own.
    nonbinders
        Proteins CRM1 did not bind (:func:`nesscan.io.read_cargo`, label 0): the
        ``nonbinder`` set's proteins (those with an NESdb entry are left out).

    Raises
    ------
    ValueError
        When a builder returns a row that is not a negative of one of its sources.
    """
    proteins: dict[str, Protein] = {}
    for ann in annotations:
        proteins.setdefault(ann.protein.accession, ann.protein)
    sites = nes_sites(annotations)
    counts = {"ranges_longer_than_window": 0, "proteins_shorter_than_window": 0, "mito_dropped_known_nes_cargo": 0}
    rows = positive_rows(sites, proteins, window, offsets, counts)
    ctx = registry.NegativeContext(
        annotations=annotations, mito=mito, parents=dict(proteins), proteins=proteins, sites=sites,
        positives=pd.DataFrame(rows, columns=list(COLUMNS)), built=rows, rng=np.random.default_rng(seed),
        seed=seed, window=window, mito_per_protein=mito_per_protein, other_per_protein=other_per_protein,
        shuffles_per_nes=shuffles_per_nes, counts=counts, nonbinders=tuple(nonbinders))
    for entry in registry.REGISTRY:
        if entry.hard and not hard_negatives:
            continue
        new = entry.build(ctx)
        stray = {(r["source"], r["label"]) for r in new} - {(s, 0) for s in entry.sources}
        if stray:
            raise ValueError(f"negative set {entry.name!r} returned rows (source, label) {sorted(stray)}; "
                             f"it registered {entry.sources} (label 0)")
        rows.extend(new)  # in place: ctx.built is this list

    examples = pd.DataFrame(rows, columns=list(COLUMNS))
    positives = set(examples.loc[examples.label == 1, "sequence"])
    clash = (examples.label == 0) & examples.sequence.isin(positives)
    examples = examples[~clash].reset_index(drop=True)
    assert (examples.sequence.str.len() == window).all()
    summary = {
        "window": window,
        "nes_sites": int(len(sites)),
        "mito_dropped_known_nes_cargo": counts.pop("mito_dropped_known_nes_cargo"),
        "negatives_equal_to_a_positive_dropped": int(clash.sum()),
        **counts,
        "examples_by_source": {k: int(v) for k, v in examples.source.value_counts().sort_index().items()},
        "centred_by_source": {k: int(v) for k, v in examples[examples.centred].source.value_counts().sort_index().items()},
    }
    return ExampleSet(proteins=proteins, examples=examples, summary=summary)

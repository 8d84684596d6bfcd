"""The registry of negative sets that :func:`nesscan.dataset.examples.build_examples` builds.

A negative set is one builder function, ``build(ctx: NegativeContext) -> list[dict]``,
registered with :func:`negative_set`; it returns example rows
(:func:`nesscan.dataset.window.example_row`, ``label = 0``). ``build_examples`` calls
the registered builders in registration order, after the positives, and appends their
rows in that order; the built-in sets register in :mod:`nesscan.dataset.negatives`.

Order is part of the output: builders that draw from the shared generator
``ctx.rng`` draw in registration order, so inserting a set before another that uses
``ctx.rng`` changes the other's windows (the hard sets seed their own generators from
``ctx.seed`` instead). Register new sets last unless you mean to change the examples.

An entry may emit more than one source (``sources=(...)``): the built-in ``mito`` entry
emits ``mito_nterm`` and ``mito_random`` rows interleaved per protein, because that is
the row order, and the draw order, of the published examples.

Every set gets its own AUC row, and is trained on unless registered with ``trained=False``
(:func:`untrained_sources`: reported only, e.g. while measuring whether training on it
helps). A set registered with ``in_all=False``
is left out of the pooled "all negatives" AUC (cross-validation, evaluation, report),
of the inner-CV selection metric and of the threshold's negatives, and its rows carry
a ``note`` that the reports print beside it (e.g. a set that may hold true NESs: its AUC is
a lower bound). :func:`separate_sources` names them; the pooled figures then keep
meaning the same sets as before such a set was added.
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from nesscan.records import NesAnnotation, Protein


@dataclass
class NegativeContext:
    """What a negative-set builder may read (and, for ``proteins`` and ``counts``, add to)."""

    annotations: Sequence[NesAnnotation]  # NESdb rows
    mito: Sequence[Protein]  # mitochondrial proteins, input order
    parents: dict[str, Protein]  # NESdb parent proteins, annotation order (read only)
    proteins: dict[str, Protein]  # every protein an example is cut from: add the ones you cut from
    sites: pd.DataFrame  # NES ranges (:func:`nesscan.dataset.positives.nes_sites`)
    positives: pd.DataFrame  # the positive rows (example-table schema)
    built: list[dict]  # rows built so far: the positives, then the earlier sets' rows (read only)
    rng: np.random.Generator  # shared by the builders, drawn in registration order
    seed: int  # build_examples' seed (for builders that seed their own generator)
    window: int
    mito_per_protein: int
    other_per_protein: int
    shuffles_per_nes: int
    counts: dict[str, int] = field(default_factory=dict)  # summary counters
    nonbinders: Sequence[Protein] = ()  # proteins CRM1 did not bind (Kirli et al. 2015), none with an NESdb entry

    @property
    def positive_sequences(self) -> set[str]:
        """Sequences of every positive row."""
        return set(self.positives.loc[self.positives.label == 1, "sequence"])

    @property
    def built_sequences(self) -> set[str]:
        """Sequences of every row built so far (positives and the earlier sets' negatives)."""
        return {row["sequence"] for row in self.built}

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to the summary counter ``key`` (it appears in ``ExampleSet.summary``)."""
        self.counts[key] = self.counts.get(key, 0) + n


Builder = Callable[[NegativeContext], list]


@dataclass(frozen=True)
class NegativeSet:
    """A registered negative set: its ``name``, the ``sources`` its rows carry, whether
    they are ``synthetic`` (``sequence`` is not the parent's slice at ``start``: never
    featurised from the unmodified parent, see :mod:`nesscan.dataset.hard_negatives`),
    ``hard`` (built only with ``hard_negatives=True``),
    ``in_all`` (counted in the pooled "all negatives" AUC; if not, ``note`` says why) and
    ``trained`` (trained on; if not, only reported)."""

    name: str
    build: Builder
    sources: tuple[str, ...]
    synthetic: bool = False
    hard: bool = False
    in_all: bool = True
    note: str = ""
    trained: bool = True


REGISTRY: list[NegativeSet] = []
"""Registered sets, in build order."""


def negative_set(name: str, *, synthetic: bool = False, hard: bool = False,
                 sources: Sequence[str] | None = None, in_all: bool = True,
                 note: str = "", trained: bool = True) -> Callable[[Builder], Builder]:
    """Decorator: register ``build`` as the negative set ``name`` (appended: built last).

    Parameters
    ----------
    name
        Set name; also its single source unless ``sources`` is given.
    synthetic
        Rows whose ``sequence`` is not ``proteins[accession].sequence[start:start + window]``.
    hard
        Skipped by ``build_examples(..., hard_negatives=False)``.
    sources
        Every ``source`` the builder's rows may carry (default ``(name,)``).
    in_all
        Count the set in the pooled "all negatives" AUC, the inner-CV selection metric and
        the threshold's negatives. ``False``: trained on, but reported only on its own row.
    note
        Why a set is not in "all" (printed beside its row); required when ``in_all=False``.
    trained
        Train on the set (``False``: it is only scored and reported).

    Raises
    ------
    ValueError
        When the name or a source is already registered, or ``in_all=False`` has no note.
    """
    emitted = tuple(sources) if sources is not None else (name,)
    if not in_all and not note:
        raise ValueError(f"negative set {name!r}: in_all=False needs a note saying why")

    def register(build: Builder) -> Builder:
        taken = {s for entry in REGISTRY for s in (entry.name, *entry.sources)}
        clash = taken & {name, *emitted}
        if clash:
            raise ValueError(f"negative set {name!r}: {sorted(clash)} already registered")
        REGISTRY.append(NegativeSet(name, build, emitted, synthetic, hard, in_all, note, trained))
        return build

    return register


def sources(*, synthetic: bool | None = None, hard: bool | None = None,
            in_all: bool | None = None) -> tuple[str, ...]:
    """Sources of the registered sets (registration order), optionally only the
    (non-)synthetic, (non-)hard or (not) in-"all" ones."""
    return tuple(s for entry in REGISTRY
                 if (synthetic is None or entry.synthetic == synthetic) and (hard is None or entry.hard == hard)
                 and (in_all is None or entry.in_all == in_all)
                 for s in entry.sources)


def separate_sources() -> dict[str, str]:
    """Source -> note of the sets registered with ``in_all=False`` (registration order):
    reported on their own rows, never pooled into "all negatives"."""
    return {s: entry.note for entry in REGISTRY if not entry.in_all for s in entry.sources}


def untrained_sources() -> tuple[str, ...]:
    """Sources of the sets registered with ``trained=False`` (scored and reported, never trained on)."""
    return tuple(s for entry in REGISTRY if not entry.trained for s in entry.sources)


class SourceNames(SequenceABC):
    """A tuple-like, always current view of :func:`sources` (``in``, iteration, ``isin``)."""

    def __init__(self, **where: bool) -> None:
        self._where = where

    def __getitem__(self, i):  # type: ignore[override]
        return sources(**self._where)[i]

    def __len__(self) -> int:
        return len(sources(**self._where))

    def __iter__(self) -> Iterator[str]:
        return iter(sources(**self._where))

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (tuple, list, SourceNames)) else NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

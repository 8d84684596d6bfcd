"""Generators of the hard negative windows: consensus matches, anchor mutants and shuffles of NESs.

Random windows of mitochondrial proteins are easy negatives: amino-acid composition
alone separates them from NESs (data README: AUC ~0.86). The sets built here each
remove one shortcut, and are evaluated each on its own:

``consensus_no_nes``
    Windows of proteins with no annotated NES that hold a full Kosugi consensus match
    (:func:`nesscan.consensus.find_consensus`), the match centred in the window as a
    positive's NES is (:func:`nesscan.dataset.positives.positive_starts`). A motif scan cannot
    tell these from NESs.
``anchor_mutant``
    Centred positive windows whose hydrophobic anchors are changed to alanine, as in
    the export-abolishing mutations NESdb lists (e.g. the L-to-A anchor mutants of
    Wen et al. 1995, Cell 82:463, doi:10.1016/0092-8674(95)90435-2). Same protein,
    same position, same flanks: only the anchors differ. See :func:`anchor_positions`
    for which residues are changed.
``shuffled``
    Composition-preserving (single-residue) permutations of centred positive windows:
    a composition model scores them exactly like their parent.
``locnes_neg``
    The negatives of LocNES (Xu D et al. 2015, *LocNES: a computational tool for locating
    classical NESs in CRM1 cargo proteins*, Bioinformatics 31:1357): windows of the NES
    proteins themselves that hold a consensus match but touch none of their annotated
    NESs (:func:`locnes_negatives`). Unlike the sets above they may hold real, not yet
    annotated NESs, so an AUC against them is a lower bound.

Every generator returns example rows (:func:`nesscan.dataset.window.example_row`,
``label`` = 0); :mod:`nesscan.dataset.negatives` registers them as negative sets.

.. warning::
   ``anchor_mutant`` and ``shuffled`` rows are *synthetic*: their ``sequence`` is not
   ``proteins[accession].sequence[start:start + window]``. They keep the parent's
   ``accession`` and ``start`` (so homology splits put them beside their parent), but
   their features must never be sliced out of the unmodified parent: per-residue
   (Transformer) features come from ``sequence`` alone (peptide context), flat window
   features from the parent with ``sequence`` written over it
   (:func:`nesscan.features.metapredict.mutated_parent`).
   :data:`nesscan.dataset.negatives.SYNTHETIC_SOURCES` names them.
"""

from __future__ import annotations

from typing import Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.consensus import HYDROPHOBIC, best_class, find_consensus
from nesscan.dataset.positives import centred_positives, positive_starts
from nesscan.dataset.window import WINDOW, example_row
from nesscan.records import Protein
from nesscan.shuffle import shuffle_sequence

CONSENSUS_SOURCE = "consensus_no_nes"
ANCHOR_SOURCE = "anchor_mutant"
SHUFFLED_SOURCE = "shuffled"
LOCNES_SOURCE = "locnes_neg"

MUTANT_RESIDUE = "A"
"""Residue the anchors are mutated to."""

RngLike = np.random.Generator | int | None


def _positive_set(positives: pd.DataFrame) -> set[str]:
    return set(positives.loc[positives.label == 1, "sequence"])


def consensus_negatives(proteins: Sequence[Protein], window: int = WINDOW, per_protein: int = 2,
                        rng: RngLike = 0, exclude: Collection[str] = (),
                        classes: Collection[str] | None = None) -> list[dict]:
    """Windows that hold a Kosugi consensus match, cut from proteins with no known NES.

    For every consensus match of a protein (all classes of
    :data:`nesscan.consensus.CLASS_ORDER`, or only ``classes``), the candidate window is
    the one that centres the match as a positive's NES is centred
    (``positive_starts(match.start + 1, match.end, len(seq), window, offsets=1)``,
    clipped to the protein). Candidates are visited in a seeded random order and kept
    when they overlap no window already kept for that protein and repeat no window
    already returned (identical proteins or domains give one copy), up to
    ``per_protein`` (so the negatives of one protein are independent windows).

    Parameters
    ----------
    proteins
        Proteins with no annotated NES (e.g. mitochondrial proteins, NESdb cargos
        removed); proteins shorter than ``window`` give nothing.
    window
        Window length in residues.
    per_protein
        Most windows per protein (fewer when the protein has fewer separate matches).
    rng
        Seed or generator of the random choice.
    exclude
        Sequences never returned (pass the positives' sequences).
    classes
        Consensus classes to accept (default: all).

    Returns
    -------
    list of dict
        Example rows with ``source = "consensus_no_nes"``, sorted by protein (input
        order) then start; ``start`` is 0-based in the parent.

    Examples
    --------
    >>> p = Protein("X1", "GGGGGGGGGGLSSSLTTLSLGGGGGGGGGG")
    >>> [(r["start"], r["sequence"]) for r in consensus_negatives([p])]
    [(4, 'GGGGGGLSSSLTTLSLGGGGGG')]
    """
    gen = np.random.default_rng(rng)
    exclude = set(exclude)
    rows: list[dict] = []
    for p in proteins:
        seq = p.sequence
        if len(seq) < window or per_protein <= 0:
            continue
        starts: list[int] = []
        for m in find_consensus(seq):
            if classes is not None and m.nes_class not in classes:
                continue
            (a,) = positive_starts(m.start + 1, m.end, len(seq), window, offsets=1)
            if a not in starts:
                starts.append(a)
        kept = _pick_windows(seq, starts, window, per_protein, gen, exclude)
        rows.extend(example_row(seq[a:a + window], CONSENSUS_SOURCE, p.accession, a) for a in kept)
    return rows


def _pick_windows(seq: str, starts: Sequence[int], window: int, per_protein: int, gen: np.random.Generator,
                  exclude: set[str]) -> list[int]:
    """Up to ``per_protein`` of ``starts``, visited in one seeded random order (one
    ``gen.permutation`` draw), each kept when its window overlaps no window kept before
    and its sequence is not in ``exclude`` (which gains the kept sequences); sorted."""
    kept: list[int] = []
    for k in gen.permutation(len(starts)):
        a = starts[int(k)]
        cut = seq[a:a + window]
        if any(abs(a - b) < window for b in kept) or cut in exclude:
            continue
        kept.append(a)
        exclude.add(cut)
        if len(kept) == per_protein:
            break
    return sorted(kept)


def locnes_negatives(proteins: Sequence[Protein], sites: pd.DataFrame, window: int = WINDOW, per_protein: int = 3,
                     rng: RngLike = 0, exclude: Collection[str] = (), source: str | None = None) -> list[dict]:
    """Windows of NES proteins that hold a consensus match and touch none of their NESs.

    The negatives of LocNES (Xu D et al. 2015, *LocNES: a computational tool for
    locating classical NESs in CRM1 cargo proteins*, Bioinformatics 31:1357):
    consensus-matching segments of the NESdb proteins outside their known NESs. For
    every Kosugi match of a protein (:func:`nesscan.consensus.find_consensus`, all
    classes: the strict matching of :func:`consensus_negatives`), the candidate is the
    window that holds the whole match and overlaps no annotated range of the protein
    (``sites``, doubtful and over-long ranges included), nearest to the window that
    centres the match (:func:`nesscan.dataset.positives.positive_starts`; ties: the
    more N-terminal); a match with no such window gives none. Candidates are then
    picked as :func:`consensus_negatives` picks them: a seeded random order, no two
    windows of a protein overlapping, no sequence in ``exclude`` or already returned,
    at most ``per_protein`` per protein.

    .. warning::
       These windows are negatives only by absence of annotation: some may be real,
       unannotated NESs of proteins known to be exported. An AUC against them is a lower
       bound; report it on its own.

    Parameters
    ----------
    proteins
        NESdb parent proteins (shorter than ``window``: none).
    sites
        NES ranges, :func:`nesscan.dataset.positives.nes_sites` (``accession``,
        ``start_1b``, ``end_1b``: 1-based, inclusive); a protein with no row has no range.
    window
        Window length in residues.
    per_protein
        Most windows per protein.
    rng
        Seed or generator of the random choice.
    exclude
        Sequences never returned (pass every row built before: positives and the other
        sets' negatives, so that no window is in two sources).
    source
        The rows' ``source`` (default ``"locnes_neg"``; the ``nonbinder`` set uses the
        same rule on proteins CRM1 does not bind).

    Returns
    -------
    list of dict
        Example rows with ``source = "locnes_neg"`` (or ``source``), sorted by protein
        (input order) then start; ``start`` is 0-based in the parent.

    Examples
    --------
    >>> p = Protein("X1", "GGGGGLSSSLTTLSLGGGGGGGGGGGGGGGGGGGGG" + "LQALKLEGLDL" + "G" * 20)
    >>> nes = pd.DataFrame({"accession": ["X1"], "start_1b": [37], "end_1b": [47]})
    >>> [(r["start"], r["sequence"]) for r in locnes_negatives([p], nes)]
    [(0, 'GGGGGLSSSLTTLSLGGGGGGG')]
    """
    gen = np.random.default_rng(rng)
    exclude = set(exclude)
    ranges = sites.groupby("accession")[["start_1b", "end_1b"]].apply(lambda d: list(d.itertuples(index=False)))
    rows: list[dict] = []
    for p in proteins:
        seq = p.sequence
        n = len(seq) - window + 1  # window starts
        if n <= 0 or per_protein <= 0:
            continue
        covered = np.zeros(len(seq) + 1, np.int64)
        for s, e in ranges.get(p.accession, []):
            covered[max(int(s) - 1, 0):int(e)] = 1
        hits = np.concatenate([[0], np.cumsum(covered[:len(seq)])])
        free = hits[window:window + n] == hits[:n]  # free[a]: seq[a:a + window] touches no range
        starts: list[int] = []
        for m in find_consensus(seq):
            lo, hi = max(0, m.end - window), min(m.start, n - 1)
            (centred,) = positive_starts(m.start + 1, m.end, len(seq), window, offsets=1)
            ok = [a for a in range(lo, hi + 1) if free[a]]
            if ok:
                a = min(ok, key=lambda a: (abs(a - centred), a))
                if a not in starts:
                    starts.append(a)
        kept = _pick_windows(seq, starts, window, per_protein, gen, exclude)
        rows.extend(example_row(seq[a:a + window], source or LOCNES_SOURCE, p.accession, a) for a in kept)
    return rows


def anchor_positions(seq: str, lo: int, hi: int) -> tuple[tuple[int, ...], str]:
    """Positions to mutate in ``seq`` to abolish the NES annotated at ``seq[lo:hi]``.

    Rule: if a Kosugi consensus match lies wholly inside ``seq[lo:hi]``, its four
    anchors (Φ1-Φ4); when several do, the one :func:`nesscan.consensus.best_class`
    prefers (forward before reverse, longest span, class order, most N-terminal).
    If none does (short, partial or non-canonical NES ranges), every L, I, V, F, M
    inside ``seq[lo:hi]``.

    Parameters
    ----------
    seq
        The window, upper case.
    lo, hi
        The annotated NES in window coordinates (0-based, end exclusive); clipped to
        the window.

    Returns
    -------
    tuple
        The 0-based positions (ascending; empty when the range holds no Φ residue) and
        the rule used: ``"consensus:<class>"`` or ``"all_hydrophobic"``.

    Examples
    --------
    >>> anchor_positions("NSNELALKLAGLDIN", 0, 15)  # PKI NES, class 1a
    ((4, 8, 11, 13), 'consensus:1a')
    >>> anchor_positions("AALKLAA", 2, 5)
    ((2, 4), 'all_hydrophobic')
    """
    lo, hi = max(lo, 0), min(hi, len(seq))
    match = best_class(seq[lo:hi]) if hi > lo else None
    if match is not None:
        return tuple(lo + a for a in sorted(match.anchors)), f"consensus:{match.nes_class}"
    return tuple(i for i in range(lo, hi) if seq[i] in HYDROPHOBIC), "all_hydrophobic"


def _range_in_window(range_1b: str, start: int) -> tuple[int, int]:
    s, e = (int(x) for x in str(range_1b).split("-"))
    return s - 1 - start, e - start


def anchor_mutants(positives: pd.DataFrame, proteins: Mapping[str, Protein],
                   window: int = WINDOW, exclude: Collection[str] | None = None) -> list[dict]:
    """Centred positive windows with their NES anchors mutated to alanine.

    Each centred positive (``label == 1`` and ``centred``) gives at most one mutant: the
    parent window ``proteins[accession].sequence[start:start + window]`` with the
    positions of :func:`anchor_positions` (for the annotated range ``range_1b`` in
    window coordinates) set to ``A``. A positive whose range holds no L/I/V/F/M, or
    whose mutant equals an excluded sequence (by default: any positive's) or an
    earlier mutant, gives none.

    The rows keep the parent's ``accession`` and ``start``: they are synthetic windows
    (see :data:`nesscan.dataset.negatives.SYNTHETIC_SOURCES` and the module warning).

    Parameters
    ----------
    positives
        Example table holding the positives (other rows are ignored); needs
        ``label``, ``centred``, ``accession``, ``start``, ``range_1b`` ("s-e",
        1-based inclusive, in the parent).
    proteins
        Accession -> parent protein.
    window
        Window length in residues.
    exclude
        Sequences never returned; default: every ``label == 1`` sequence of
        ``positives``.

    Returns
    -------
    list of dict
        Example rows with ``source = "anchor_mutant"``, in the order of ``positives``.

    Raises
    ------
    ValueError
        If a positive's window leaves its parent protein.
    """
    exclude = _positive_set(positives) if exclude is None else set(exclude)
    rows: list[dict] = []
    seen: set[str] = set()
    for pos in centred_positives(positives).itertuples(index=False):
        start = int(pos.start)
        parent = proteins[pos.accession].sequence[start:start + window]
        if len(parent) != window:
            raise ValueError(f"positive {pos.accession}:{start} leaves its {len(proteins[pos.accession].sequence)}"
                             f"-residue parent with a {window}-residue window")
        sites, _ = anchor_positions(parent, *_range_in_window(pos.range_1b, start))
        if not sites:
            continue
        mutant = list(parent)
        for i in sites:
            mutant[i] = MUTANT_RESIDUE
        seq = "".join(mutant)
        if seq in exclude or seq in seen:
            continue
        seen.add(seq)
        rows.append(example_row(seq, ANCHOR_SOURCE, pos.accession, start))
    return rows


def shuffled_negatives(positives: pd.DataFrame, n_per: int = 1, rng: RngLike = 0,
                       exclude: Collection[str] | None = None, max_tries: int = 100) -> list[dict]:
    """Composition-preserving shuffles of the centred positive windows.

    Each centred positive gives ``n_per`` random permutations of its residues
    (:func:`nesscan.shuffle.shuffle_sequence`, one draw of ``rng`` each: composition
    and length kept, order destroyed), each
    different from the original, from the excluded sequences and from every shuffle
    already made. A window that cannot give that many within ``max_tries`` draws (one
    with almost a single residue type) gives fewer.

    Parameters
    ----------
    positives
        Example table holding the positives (rows with ``label == 1`` and ``centred``
        are shuffled).
    n_per
        Shuffles per positive.
    rng
        Seed or generator.
    exclude
        Sequences never returned; default: every ``label == 1`` sequence of
        ``positives``.
    max_tries
        Permutations drawn per wanted shuffle before giving up.

    Returns
    -------
    list of dict
        Example rows with ``source = "shuffled"``, the parent's ``accession`` and
        ``start`` (synthetic windows, see :data:`nesscan.dataset.negatives.SYNTHETIC_SOURCES`), in the order of
        ``positives``.
    """
    gen = np.random.default_rng(rng)
    exclude = _positive_set(positives) if exclude is None else set(exclude)
    rows: list[dict] = []
    seen: set[str] = set()
    for pos in centred_positives(positives).itertuples(index=False):
        for seq in distinct_draws(lambda: shuffle_sequence(pos.sequence, gen), pos.sequence, n_per, exclude, seen,
                                  max_tries):
            rows.append(example_row(seq, SHUFFLED_SOURCE, pos.accession, pos.start))
    return rows


def distinct_draws(draw: Callable[[], str], original: str, n: int, exclude: Collection[str], seen: set[str],
                   max_tries: int = 100) -> list[str]:
    """Up to ``n`` sequences from ``draw()``, each different from ``original``, from
    ``exclude`` and from ``seen`` (which they join), within ``max_tries * n`` draws."""
    out: list[str] = []
    for _ in range(max_tries * n):
        if len(out) == n:
            break
        seq = draw()
        if seq == original or seq in exclude or seq in seen:
            continue
        seen.add(seq)
        out.append(seq)
    return out


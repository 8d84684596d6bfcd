"""nesscan from Python: load a model, predict the NESs of a few proteins, screen a proteome.

Example (``tests/test_api.py`` runs it)::

    import nesscan
    r = nesscan.predict("MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES")[0]
    r.candidates[0]["nes_class"], r.candidates[0]["anchors"], r.candidates[0]["call"]

:func:`predict` is what ``nesscan predict`` and the web page's predict form call, and it
scores each protein through the same function as a proteome screen
(:func:`nesscan.screen.assess.assess_proteins`), so the three give the same numbers.

The call of a pasted protein
----------------------------
A candidate's ``call_score`` is its window score x its protein's cargo probability (0 when
the compartment gate sets the protein aside; :mod:`nesscan.screen.nulls`). Two error rates
go with it, both against the two reference nulls shipped with the model (shuffled human
proteins, and E. coli proteins that never meet CRM1):

``call_p_value``
    The larger over the two nulls of ``(N + 1) / (n + 1)``: ``N`` of the null's ``n``
    windows have a call score at least as high. It does not depend on what else is
    predicted with the protein. 1 for a call score under the nulls' floor (0.3), which the
    shipped tails do not resolve.
``call_q_value``
    The estimated FDR of calling it, as a screen of the same proteins computes it (the
    target-decoy estimate of :mod:`nesscan.screen.fdr_binned`, with the request's own windows
    as targets and no decoys of its own): it depends on the batch, as any FDR does. The
    ``call`` is "called" at a ``call_q_value`` of at most 0.10.

Known NESs
----------
``known_nes`` is True when the candidate's best window overlaps an NESdb NES of the same
accession, or of another protein whose NES window aligns to this protein without gaps at
:data:`nesscan.model.known.HOMOLOGUE_IDENTITY` identity or more (an orthologue or paralogue:
human MEK1 and the *Xenopus* MEK1 of NESdb); ``known_nes_via`` says which.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from typing import IO, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.io.fasta import check_sequence, read_fasta
from nesscan.predictor import Predictor, Runtime
from nesscan.records import Protein
from nesscan.screen.few_proteins import CANDIDATE_COLUMNS, Prediction

__all__ = ["Prediction", "load_model", "predict", "read_fasta", "screen", "mutate", "alanine_scan", "design_mutant",
           "candidates_frame", "proteins_frame"]

#: Accession given to a bare sequence (``query_1``, ``query_2``, ... for several).
BARE_ACCESSION = "query"
#: Columns of :func:`proteins_frame`.
PROTEIN_COLUMNS = ["accession", "entry_name", "gene", "length", "status", "max_score", "n_candidates", "n_called",
                   "cargo_probability", "protein_score", "compartment", "tm_helices", "signal_peptide",
                   "mito_presequence", "cargo_p_value", "cargo_q_value_batch", "call_status"]


def load_model(path: str | os.PathLike | None = None, *, device: str | None = None, precision: str = "float32",
               cache_dir: str | None = None, weights: str | None = None) -> Predictor:
    """Load a model directory (the model shipped inside the package when None).

    Parameters
    ----------
    path
        A directory written by ``nesscan train``.
    device, precision, cache_dir, weights
        How the numbers are computed (:class:`nesscan.runtime.Runtime`): torch device,
        ``"float32"`` or ``"bfloat16"``, a cache folder for per-residue tracks, and where an
        ESM-2 model's weights are.

    Raises
    ------
    NesscanError
        A missing or damaged model directory (one line).
    """
    return Predictor.load(path, Runtime(device, precision, cache_dir, weights))


@lru_cache(maxsize=1)
def _default_model() -> Predictor:
    return load_model()


def as_proteins(sequences: str | Protein | Iterable[str | Protein] | Mapping[str, str] | IO[str]) -> list[Protein]:
    """Proteins from what :func:`predict` takes.

    A string that starts with ``>`` is FASTA text; any other string is one bare sequence
    (named ``query``); a list of bare sequences is named ``query_1``, ``query_2``, ...; a
    mapping is id -> sequence; an open stream is read as FASTA. Sequences follow the FASTA
    reader's rules (:func:`nesscan.io.fasta.check_sequence`: upper-cased, whitespace and one
    trailing ``*`` dropped).

    Raises
    ------
    NesscanError
        Empty input, an invalid residue, a duplicate id.

    Examples
    --------
    >>> [p.accession for p in as_proteins(">sp|P1|A_HUMAN a\\nMKV\\n>P2\\nGG*")]
    ['P1', 'P2']
    >>> [(p.accession, p.sequence) for p in as_proteins(["mkv", "LL"])]
    [('query_1', 'MKV'), ('query_2', 'LL')]
    """
    if isinstance(sequences, Protein):
        return [sequences]
    if isinstance(sequences, str):
        text = sequences.replace("\r", "").strip()
        if not text:
            raise NesscanError("empty input: give a protein sequence or FASTA records")
        if text.startswith(">"):
            return read_fasta(io.StringIO(text))
        return [Protein(BARE_ACCESSION, check_sequence(text, "sequence", BARE_ACCESSION))]
    if hasattr(sequences, "read"):
        return read_fasta(sequences)  # type: ignore[arg-type]
    items = list(sequences.items()) if isinstance(sequences, Mapping) else list(sequences)
    if not items:
        raise NesscanError("empty input: give a protein sequence or FASTA records")
    out: list[Protein] = []
    for i, item in enumerate(items, 1):
        if isinstance(item, Protein):
            out.append(item)
            continue
        name, seq = item if isinstance(item, tuple) else (f"{BARE_ACCESSION}_{i}", item)
        out.append(Protein(str(name), check_sequence(str(seq), "sequence", str(name))))
    ids = [p.accession for p in out]
    if len(set(ids)) != len(ids):
        raise NesscanError(f"duplicate id {next(a for a in ids if ids.count(a) > 1)!r}")
    return out


def predict(sequences: str | Protein | Iterable[str | Protein] | Mapping[str, str] | IO[str], *,
            model: Predictor | str | os.PathLike | None = None, threshold: float | None = None,
            order: bool = True, homologues: bool = True) -> list[Prediction]:
    """Score every window of a few proteins and report their candidate NESs and calls.

    Parameters
    ----------
    sequences
        A sequence, FASTA text, a :class:`~nesscan.records.Protein`, a list of either, a
        mapping id -> sequence, or an open FASTA stream (:func:`as_proteins`).
    model
        A loaded model, a model directory, or None for the model shipped with nesscan.
    threshold
        Candidate threshold (0-1); the model's calibrated threshold when None.
    order
        Compute the predicted pLDDT and disorder tracks (metapredict) and explain each
        candidate with them; when False the explanation says "no predicted order".
    homologues
        Match known NESs of homologous proteins too (module docstring).

    Returns
    -------
    list of Prediction
        One per protein, in input order.

    Raises
    ------
    NesscanError
        Bad input or a threshold outside 0-1 (one line).
    """
    from nesscan.screen.few_proteins import predict_proteins

    if model is None:
        model = _default_model()
    elif not isinstance(model, Predictor):
        model = load_model(model)
    return predict_proteins(as_proteins(sequences), model, threshold, order=order, homologues=homologues)


def candidates_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """Every candidate of ``predictions`` as one table (:data:`CANDIDATE_COLUMNS`), in input
    order, then by position."""
    return pd.DataFrame([row for p in predictions for row in p.candidates], columns=CANDIDATE_COLUMNS)


def proteins_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """One row per protein (:data:`PROTEIN_COLUMNS`)."""
    rows = []
    for p in predictions:
        prot = p.protein
        rows.append({"accession": prot.accession, "entry_name": prot.entry_name, "gene": prot.gene,
                     "length": len(prot.sequence), "status": p.status,
                     "max_score": float(p.scores.max()) if len(p.scores) else None,
                     "n_candidates": len(p.candidates), "n_called": len(p.called),
                     "cargo_probability": p.cargo_probability, "protein_score": p.protein_score, **p.where})
    return pd.DataFrame(rows, columns=PROTEIN_COLUMNS)


def screen(fasta: str | os.PathLike, out: str | os.PathLike, *, model: str | os.PathLike | None = None,
           threshold: float | None = None, workers: int | None = None, overwrite: bool = False,
           resume: bool = False, decoy_fraction: float = 0.25, seed: int = 0, device: str | None = None,
           progress: Callable[[int, int], None] | None = None):
    """Screen a proteome FASTA into ``out`` (``candidates.csv``, ``proteins.csv``,
    ``windows.parquet``, ``fdr.json``, ``screen.json``; :mod:`nesscan.screen.scan`), as
    ``nesscan screen`` does; returns the :class:`~nesscan.screen.scan.ScreenSummary`.

    ``model`` is a model directory (None: the shipped model); ``workers`` the processes
    scoring at once (None: one per core); ``out`` must be new or empty unless ``overwrite``
    or ``resume``; ``progress(done, total)`` is called as proteins are scored.
    """
    from nesscan.pipeline import screen as run_screen

    return run_screen(fasta, out, model, threshold=threshold, runtime=Runtime(device), decoy_fraction=decoy_fraction,
                      seed=seed, progress=progress, resume=resume, workers=workers, overwrite=overwrite)


def mutate(proteins: str | os.PathLike | Protein | Iterable[str | Protein] | Mapping[str, str] | IO[str],
           variants: str | os.PathLike | pd.DataFrame | Iterable[Mapping[str, str]], *,
           model: Predictor | str | os.PathLike | None = None, threshold: float | None = None,
           rescoring: str = "local", progress: Callable[[int, int], None] | None = None,
           screen: str | os.PathLike | None = None) -> pd.DataFrame:
    """What protein variants do to NES evidence, as ``nesscan mutate`` writes it: one row per
    variant (:data:`nesscan.variants.effects.VARIANT_COLUMNS`, docs/reference/outputs.md).

    Parameters
    ----------
    proteins
        The reference proteins: a FASTA path, or what :func:`predict` takes.
    variants
        A variants TSV path, a data frame or dicts with ``accession`` and ``variant`` (MAVE-HGVS
        protein notation, e.g. ``p.Leu291Ala``) and optional ``name``, ``new_tail`` (a
        frameshift's new residues) and ``mutant_sequence`` (:mod:`nesscan.variants.table`).
    model
        A loaded model, a model directory, or None for the model shipped with nesscan.
    threshold
        Candidate threshold (0-1); the model's when None.
    rescoring
        ``"local"``: score again only the windows a variant touches; ``"whole"``: every window
        of the mutant (:mod:`nesscan.variants.rescore`).
    progress
        ``progress(done, total)`` as variants are scored.
    screen
        The folder of an earlier :func:`screen` of the proteins by the same model: the
        reference proteins' window scores are read from it instead of scored again (a screen
        by another model raises :class:`~nesscan.errors.NesscanError`; a protein missing there
        or of another length is scored whole; :mod:`nesscan.variants.screen`).

    Returns
    -------
    pandas.DataFrame
        One row per variant, in order; a variant that could not be applied has ``status``
        ``"error"`` and its reason in ``error``.

    Examples
    --------
    >>> import nesscan
    >>> t = nesscan.mutate({"P1": "MSTEELLKKLAELLEKSGSKDESSKKEESSGRSSKPSTEEKKSSG"},  # doctest: +SKIP
    ...                    [{"accession": "P1", "variant": "p.Leu7Ala"}])
    >>> t.loc[0, ["best_score_before", "best_score_after", "called_lost"]]  # doctest: +SKIP
    """
    from nesscan.variants.mutate import score_variants
    from nesscan.variants.table import read_variants

    if isinstance(proteins, (str, os.PathLike)) and not str(proteins).lstrip().startswith(">") \
            and os.path.isfile(proteins):
        proteins = read_fasta(proteins)
    if model is None:
        model = _default_model()
    elif not isinstance(model, Predictor):
        model = load_model(model)
    return score_variants(as_proteins(proteins), read_variants(variants), model, threshold=threshold,
                          method=rescoring, progress=progress, screen=screen).table


def _model(model: Predictor | str | os.PathLike | None) -> Predictor:
    if model is None:
        return _default_model()
    return model if isinstance(model, Predictor) else load_model(model)


def alanine_scan(sequence: str | Protein, start: int, end: int, *, model: Predictor | str | os.PathLike | None = None,
                 residues: str = "A") -> pd.DataFrame:
    """Each residue of ``start..end`` (1-based inclusive) changed to alanine (or each of
    ``residues``; ``"ACDEFGHIKLMNPQRSTVWY"`` is the saturation scan), every mutant rescored as a
    whole protein: :func:`nesscan.design.scan.alanine_scan`, with the shipped model by default.

    Example: the residues of PKI-alpha's NES whose alanine most weakens it::

        import nesscan
        pki = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
        nesscan.alanine_scan(pki, 38, 47).sort_values("delta").head(3)
    """
    from nesscan.design.scan import alanine_scan as scan

    return scan(sequence, start, end, _model(model), residues)


def design_mutant(sequence: str | Protein, start: int, end: int, *,
                  model: Predictor | str | os.PathLike | None = None, residue: str = "A", max_substitutions: int = 3,
                  max_cargo_change: float | None = 0.05):
    """The NES-dead mutant of the called NES ``start..end`` and its matched control, as
    ``nesscan mutate --design`` finds them (:func:`nesscan.design.dead.design_dead_mutant`;
    returns its :class:`~nesscan.design.dead.Design`), with the shipped model by default."""
    from nesscan.design.dead import design_dead_mutant

    return design_dead_mutant(sequence, start, end, _model(model), residue, max_substitutions=max_substitutions,
                              max_cargo_change=max_cargo_change)

"""Scoring the reference nulls of the window call at training (:mod:`nesscan.screen.nulls`).

``nesscan train`` ends with :func:`with_reference_nulls`: the finished model scores a seeded
sample of shuffled proteins and a natural proteome through the gate, the protein model and the
window model, as a screen would, and writes their call scores beside the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from nesscan.screen.nulls import call_factor, call_scores, reference_null, save_nulls

if TYPE_CHECKING:
    from nesscan.predictor import Predictor
    from nesscan.records import Protein


def score_null(model: "Predictor", proteins: list["Protein"], batch: int = 200,
               progress: Callable[[int], None] = lambda n: None) -> np.ndarray:
    """Call scores of every window of ``proteins`` (each through the gate, the protein
    model and the window model, as in a screen)."""
    window = model.window
    out: list[np.ndarray] = []
    proteins = [p for p in proteins if len(p.sequence) >= window]
    for i in range(0, len(proteins), batch):
        part = proteins[i:i + batch]
        scores = model.score_proteins(part)
        cargo, _ = model.score_protein_level(part, scores)
        gate = model.compartment.predict([p.sequence for p in part])
        assessed = (gate.gate_reason.astype(str) == "").to_numpy()
        out.append(call_scores(scores, [call_factor(c, a) for c, a in zip(cargo, assessed)]))
        progress(i + len(part))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def shuffled_proteins(proteins: Sequence["Protein"], n: int, seed: int) -> list["Protein"]:
    """A seeded sample of ``n`` proteins, each replaced by a composition-preserving shuffle
    (:func:`nesscan.shuffle.shuffle_sequence`, one generator per protein)."""
    from dataclasses import replace

    from nesscan.shuffle import shuffle_sequence

    rng = np.random.default_rng([seed, 23])
    pick = np.sort(rng.choice(len(proteins), size=min(n, len(proteins)), replace=False))
    return [replace(proteins[i], accession=f"shuffle_{proteins[i].accession}",
                    sequence=shuffle_sequence(proteins[i].sequence, np.random.default_rng([seed, 23, int(i)])))
            for i in pick]


#: proteins of the shuffle null's sample (about 570,000 windows of the human set)
N_SHUFFLED = 1500
HUMAN_SET = "proteomes/human_swissprot_assembled.fasta.gz"
NATURAL_SET = "proteomes/UP000000625-E.coli.fasta.gz"


def train_reference_nulls(model_dir: str | Path, shuffle_fasta: Path | None, natural_fasta: Path | None,
                          seed: int = 0, n_shuffled: int = N_SHUFFLED,
                          log: Callable[[str], None] = lambda msg: None) -> Path | None:
    """Score the reference nulls with the finished model in ``model_dir`` and write them
    beside it (:data:`NULL_FILE`); returns the file, or None when neither FASTA is given.

    ``shuffle_fasta``: a seeded sample of ``n_shuffled`` of its proteins, each shuffled;
    ``natural_fasta``: every protein of a proteome that cannot use an NES.
    """
    import time

    from nesscan.hashing import sha256_file
    from nesscan.io.fasta import iter_fasta
    from nesscan.predictor import Predictor

    if shuffle_fasta is None and natural_fasta is None:
        return None
    model = Predictor.load(model_dir)
    if not model.flat:
        log("reference nulls: only for the flat (default) models; a Transformer screen uses its own decoys")
        return None
    nulls = []
    for name, fasta in (("shuffle", shuffle_fasta), ("natural", natural_fasta)):
        if fasta is None:
            continue
        t0 = time.perf_counter()
        proteins = list(iter_fasta(fasta))
        if name == "shuffle":
            proteins = shuffled_proteins(proteins, n_shuffled, seed)
            source = f"shuffles of {len(proteins):,} proteins of {Path(fasta).name} (seed {seed})"
        else:
            source = f"{Path(fasta).name}: {len(proteins):,} proteins"
        scores = score_null(model, proteins)
        nulls.append(reference_null(name, scores, source, sha256_file(fasta) if name == "natural" else ""))
        log(f"reference null {name!r}: {len(scores):,} windows of {source} in {time.perf_counter() - t0:.0f} s; "
            f"{int((scores >= 0.9).sum())} with a call score >= 0.9")
    return save_nulls(model_dir, nulls)


def with_reference_nulls(data: Path, model_dir: Path, seed: int = 0,
                         log: Callable[[str], None] = lambda msg: None,
                         natural: str | Path | None = None) -> Path:
    """``nesscan train``'s last step: the reference nulls from the data folder (the shuffle
    null from :data:`HUMAN_SET`, else the first FASTA of ``proteomes/``; the natural null from
    ``natural``, else :data:`NATURAL_SET`); returns ``model_dir``."""
    data = Path(data)
    shuffle = data / HUMAN_SET
    if not shuffle.is_file():
        found = sorted(p for p in (data / "proteomes").glob("*") if p.name != Path(NATURAL_SET).name
                       and p.suffix in (".fasta", ".fa", ".gz")) if (data / "proteomes").is_dir() else []
        shuffle = found[0] if found else None
    natural = Path(natural) if natural is not None else data / NATURAL_SET
    train_reference_nulls(model_dir, shuffle, natural if natural.is_file() else None, seed, log=log)
    return Path(model_dir)

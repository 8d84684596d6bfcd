"""The window call and its two nulls: "an NES in a protein that can be cargo".

The call statistic
------------------
A window's *call score* combines the window evidence with the protein level::

    call_score = window score x cargo probability of its protein    (protein assessed)
               = 0                                                   (set aside by the gate)

(the cargo probability is 1 for a model without a protein level). It reads as the
probability of an NES in a protein that CRM1 exports, if the two were independent: a
window with score 0.95 in a protein of cargo probability 0.2 scores 0.19, and a protein
the compartment gate sets aside (membrane, secretory, mitochondrial) gets no call at all.
A *call* is a candidate (window score at the model threshold or above) whose call score
has an estimated FDR of at most :data:`CALL_Q` against **both** nulls below.

Two nulls, side by side
-----------------------
``shuffle``
    Decoy windows: composition-preserving shuffles of whole proteins, each with its
    parent's cargo probability and gate (a decoy keeps the protein level of its parent,
    so only the order of the residues differs). Pooled from the reference shuffles shipped
    with the model (seeded shuffles of a sample of human proteins, scored at training) and
    the screen's own decoys. It asks: *is there motif evidence beyond composition?* It is
    conservative where composition itself is NES-like (a leucine-rich acidic stretch of a
    real NES keeps its composition in the shuffle), and blind to look-alikes that are
    ordered but not NESs (coiled-coil heptads, amphipathic helices of folded domains),
    which a shuffle destroys and so counts as evidence.
``natural``
    Windows of natural proteins that cannot use an NES, through the same pipeline (gate,
    cargo probability, window score): by default the E. coli proteome of the training data
    folder (no nucleus, no CRM1), scored at training and shipped with the model. It asks:
    *is this more NES-like than a protein that never meets CRM1?* It keeps natural order
    (helices, heptads) but not eukaryotic composition, so it can be anti-conservative for
    windows whose composition is simply eukaryotic.

Each null's FDR estimate at threshold ``t`` is the target-decoy one of
:mod:`nesscan.screen.fdr_binned`, ``(N(t) + 1) / (n + 1) x n_t / T(t)``: ``N(t)`` of the
null's ``n`` windows and ``T(t)`` of the screen's ``n_t`` windows have a call score of at
least ``t``. Because both nulls are shipped with the model, a file of one protein gets the
same kind of error estimate as a proteome (the ``n_t / T(t)`` factor is the input's own).

Reference nulls (:class:`ReferenceNull`) are stored in the model directory as
``reference_null.safetensors`` (:data:`NULL_FILE`): per null, the call scores at or above
:data:`TAIL_FLOOR` (sorted, float32), the number of windows scored and, in the metadata,
what was scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from nesscan.predictor import Predictor
    from nesscan.records import Protein
    from nesscan.screen.fdr_binned import ScoreHistogram

CALL_Q = 0.10
"""FDR at which a candidate is called (against both nulls)."""
NULLS = ("shuffle", "natural")
NULL_FILE = "reference_null.safetensors"
TAIL_FLOOR = 0.3
"""Reference call scores below this are counted, not kept; a call score below it gets q-value 1
(the reference cannot resolve it; a call is never made that low)."""


def call_factor(cargo_probability: float | None, assessed: bool) -> float:
    """The protein-level factor of a window's call score (module docstring).

    >>> call_factor(0.5, True), call_factor(None, True), call_factor(0.9, False)
    (0.5, 1.0, 0.0)
    """
    if not assessed:
        return 0.0
    if cargo_probability is None or not np.isfinite(cargo_probability):
        return 1.0
    return float(cargo_probability)


@dataclass(frozen=True)
class ReferenceNull:
    """Call scores of null windows scored once, at training.

    Attributes
    ----------
    name
        ``"shuffle"`` or ``"natural"``.
    n
        Windows scored.
    tail
        Their call scores at or above :data:`TAIL_FLOOR`, ascending (float32).
    source
        What was scored (e.g. "E. coli UP000000625: 4,363 proteins").
    fasta_sha256
        SHA-256 of the FASTA file scored ("" when unknown): a screen of that very file does
        not use this null (its windows would be their own null).
    """

    name: str
    n: int
    tail: np.ndarray
    source: str
    fasta_sha256: str = ""

    def add_to(self, histogram: "ScoreHistogram") -> None:
        """Count these windows in ``histogram`` (those below the floor as 0)."""
        histogram.add(self.tail)
        rest = self.n - len(self.tail)
        if rest > 0:
            histogram.counts[0] += rest

    def at_or_above(self, scores: np.ndarray) -> np.ndarray:
        """Null windows with a call score of at least each of ``scores``."""
        return len(self.tail) - np.searchsorted(self.tail, np.asarray(scores, np.float32), side="left")


def usable_nulls(nulls: dict[str, ReferenceNull], fasta_sha256: str) -> tuple[dict[str, ReferenceNull], list[str]]:
    """The reference nulls a screen of the file with ``fasta_sha256`` may use, and a note per
    null left out (a natural null is never used on the proteome it was scored from).

    >>> r = ReferenceNull("natural", 3, np.zeros(0, np.float32), "E. coli", "abc")
    >>> usable_nulls({"natural": r}, "abc")[1]
    ['natural null left out: the screened file is the proteome it was scored from (E. coli)']
    """
    keep, notes = {}, []
    for name, r in nulls.items():
        if r.fasta_sha256 and r.fasta_sha256 == fasta_sha256:
            notes.append(f"{name} null left out: the screened file is the proteome it was scored from ({r.source})")
        else:
            keep[name] = r
    return keep, notes


def call_scores(window_scores: Sequence[np.ndarray], factors: Sequence[float]) -> np.ndarray:
    """The call scores of whole proteins' windows, concatenated (float32)."""
    if not len(window_scores):
        return np.zeros(0, np.float32)
    return np.concatenate([np.asarray(s, np.float64) * f for s, f in zip(window_scores, factors)]).astype(np.float32)


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


def reference_null(name: str, scores: np.ndarray, source: str, fasta_sha256: str = "") -> ReferenceNull:
    """A :class:`ReferenceNull` from every null window's call score."""
    scores = np.asarray(scores, np.float32)
    return ReferenceNull(name, int(len(scores)), np.sort(scores[scores >= TAIL_FLOOR]), source, fasta_sha256)


def save_nulls(directory: str | Path, nulls: Sequence[ReferenceNull]) -> Path:
    """Write ``reference_null.safetensors`` into a model directory (atomically)."""
    import os

    from safetensors.numpy import save_file

    path = Path(directory) / NULL_FILE
    meta = {"nulls": json.dumps({r.name: {"n": r.n, "source": r.source, "fasta_sha256": r.fasta_sha256}
                                 for r in nulls})}
    save_file({f"{r.name}.tail": np.ascontiguousarray(r.tail, np.float32) for r in nulls},
              str(path) + ".tmp", metadata=meta)
    os.replace(str(path) + ".tmp", path)
    return path


def load_nulls(directory: str | Path | None) -> dict[str, ReferenceNull]:
    """The reference nulls of a model directory ({} when it has none: an older model).

    Raises
    ------
    nesscan.errors.NesscanError
        An unreadable or inconsistent file (one line).
    """
    from nesscan.errors import NesscanError

    path = Path(directory) / NULL_FILE if directory is not None else None
    if path is None or not path.is_file():
        return {}
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            meta = json.loads((f.metadata() or {})["nulls"])
            out = {name: ReferenceNull(name, int(m["n"]), f.get_tensor(f"{name}.tail").astype(np.float32),
                                       str(m["source"]), str(m.get("fasta_sha256", ""))) for name, m in meta.items()}
    except Exception as exc:  # noqa: BLE001 - any damage is one error line
        raise NesscanError(f"{path}: unreadable reference null ({type(exc).__name__}: {exc})") from None
    for r in out.values():
        if len(r.tail) > r.n or (len(r.tail) and not np.all(np.diff(r.tail) >= 0)):
            raise NesscanError(f"{path}: reference null {r.name!r} is inconsistent (retrain the model)")
    return out


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

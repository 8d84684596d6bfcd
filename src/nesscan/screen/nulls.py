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
what was scored; :mod:`nesscan.screen.reference` scores them at training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
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


def nulls_sha256(directory: str | Path | None) -> str | None:
    """SHA-256 of a model directory's :data:`NULL_FILE` (None without one; part of a screen's manifest)."""
    from nesscan.hashing import sha256_file

    path = Path(directory) / NULL_FILE if directory is not None else None
    return sha256_file(path) if path is not None and path.is_file() else None


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


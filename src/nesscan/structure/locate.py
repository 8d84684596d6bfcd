"""Find a candidate window in the model(s) of its protein, and say how well they fit.

Coordinates: candidate ``start``/``end`` and anchors are 1-based inclusive residues of
the *protein*. A model residue at 0-based index ``i`` of fragment ``Fn`` is protein
residue ``i + 1 + offset``; the offset is where the fragment's sequence sits in the
protein sequence when that is known, else AlphaFold DB's layout ``(n - 1) * 200``.

Rules (each case gives a flag, none an exception):

* no model file: ``missing_model``; every model unreadable: ``corrupt_model``;
* the protein is split into fragments (several files, a fragment number above 1, or
  a protein longer than 2,700 residues): ``fragment``; the window is read from the
  fragment that holds it farthest from its ends (fragment termini are artefactual);
* the model's sequence differs from the protein's (another isoform or UniProt
  version), or, when the protein's sequence is unknown, the window's residues differ
  from the model's at that position: ``sequence_mismatch``. The window's sequence is
  then searched in the model(s): found once, its features are read there (the note
  says where); else the row gets no numbers;
* the window lies outside every model (missing fragments): ``window_outside_model``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nesscan.structure.residues import ResidueProfile

FRAGMENT_STEP = 200
"""Residues between the starts of consecutive AlphaFold DB fragments."""
LONG_PROTEIN = 2700
"""AlphaFold DB fragments proteins longer than this (residues)."""


@dataclass(frozen=True)
class Fragment:
    """A readable model and where it sits in the protein."""

    number: int  # n of Fn
    profile: ResidueProfile
    offset: int  # protein residue = model index (0-based) + 1 + offset


@dataclass(frozen=True)
class Located:
    """Where a window's residues are in a model, or why they are not."""

    flags: tuple[str, ...]  # () = ok
    note: str = ""
    fragment: Fragment | None = None
    window: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # 0-based model indices
    anchors: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # 0-based model indices

    @property
    def status(self) -> str:
        """The flags joined by ``;``, or ``ok``."""
        return ";".join(self.flags) or "ok"


def place_fragments(profiles: dict[int, ResidueProfile], protein: str | None) -> tuple[list[Fragment], bool, bool]:
    """Offsets of the readable fragments in the protein.

    Returns
    -------
    tuple
        ``(fragments ordered by number, fragmented?, sequence mismatch?)``.
    """
    fragmented = len(profiles) > 1 or any(n > 1 for n in profiles) or \
        (protein is not None and len(protein) > LONG_PROTEIN)
    mismatch = False
    out = []
    for n, prof in sorted(profiles.items()):
        offset = (n - 1) * FRAGMENT_STEP
        if protein is not None:
            if protein[offset:offset + len(prof)] != prof.sequence:
                found = protein.find(prof.sequence)
                if found >= 0 and fragmented:
                    offset = found
                else:
                    mismatch = True
            elif not fragmented and len(prof) != len(protein):
                mismatch = True
        out.append(Fragment(n, prof, offset))
    return out, fragmented, mismatch


def locate(fragments: list[Fragment], start: int, end: int, window_seq: str, anchors: list[int],
           fragmented: bool, mismatch: bool) -> Located:
    """Model indices of a window (``start``..``end``, 1-based inclusive) and of its anchors."""
    flags = ["fragment"] if fragmented else []
    if mismatch:
        flags.append("sequence_mismatch")
    covering = [f for f in fragments if f.offset < start and end <= f.offset + len(f.profile)]
    best = max(covering, key=lambda f: min(start - 1 - f.offset, f.offset + len(f.profile) - end),
               default=None)
    shift = 0
    if best is None or best.profile.sequence[start - 1 - best.offset:end - best.offset] != window_seq:
        hits = [(f, i) for f in fragments for i in _find_all(f.profile.sequence, window_seq)]
        if len({f.offset + i for f, i in hits}) != 1:
            if best is None and not hits:
                flags.append("window_outside_model")
                why = f"residues {start}-{end} outside the model(s)"
            else:
                why = "window sequence found several times" if hits else "window sequence not in the model"
                if "sequence_mismatch" not in flags:
                    flags.append("sequence_mismatch")
            return Located(tuple(flags), why)
        if "sequence_mismatch" not in flags:
            flags.append("sequence_mismatch")
        best, at = max(hits, key=lambda h: min(h[1], len(h[0].profile) - h[1] - len(window_seq)))
        shift = at - (start - 1 - best.offset)
    first = start - 1 - best.offset + shift
    window = np.arange(first, first + (end - start + 1))
    idx = np.array([a - 1 - best.offset + shift for a in anchors], dtype=int)
    idx = idx[(idx >= 0) & (idx < len(best.profile))]
    notes = []
    if fragmented:
        lo, hi = best.offset + 1, best.offset + len(best.profile)
        notes.append(f"F{best.number} of {len(fragments)} read (protein residues {lo}-{hi})")
    if shift:
        notes.append(f"window found at model residues {first + 1}-{first + end - start + 1}")
    elif "sequence_mismatch" in flags:
        notes.append("model differs from the protein sequence; window residues identical")
    return Located(tuple(flags), "; ".join(notes), best, window, idx)


def _find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0 and sub:
        out.append(i)
        i = text.find(sub, i + 1)
    return out

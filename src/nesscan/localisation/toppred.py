"""Transmembrane segments from TopPred (Debian's ``toppred``), run over many proteins at once.

TopPred (von Heijne G. *Membrane protein structure prediction: hydrophobicity analysis
and the positive-inside rule.* J Mol Biol 1992;225:487, doi:10.1016/0022-2836(92)90934-C;
Claros MG, von Heijne G. *TopPred II.* Comput Appl Biosci 1994;10:685,
doi:10.1093/bioinformatics/10.6.685; the Institut Pasteur's C implementation, GPL-2+,
``apt-get install toppred``) slides a trapezoid window (21 residues, an 11-residue core)
over the GES hydrophobicity scale and reports every candidate segment with its mean
hydrophobicity, the *score*; at its default cut-offs a segment is "certain" from 1.0 and
"putative" from 0.6. Those cut-offs flag at least one "certain" segment in about 40% of
soluble cytosolic proteins, so nesscan keeps every segment with its score and applies its
own, stricter rule (:mod:`nesscan.localisation.model`).

One ``toppred`` process scores a whole chunk of proteins (the human set's 20,000 in about
10 s on one core). Residues TopPred does not know (``X``, ``U``, ``B``...) are sent as
glycine, so that coordinates stay those of the input.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from nesscan.errors import NesscanError

_KNOWN = set("ACDEFGHIKLMNPQRSTVWY")
_TABLE = str.maketrans({c: "G" for c in "BJOUXZ*-."})


def toppred_path() -> str:
    """The ``toppred`` executable, or a :class:`NesscanError` that says how to install it."""
    exe = shutil.which("toppred")
    if exe is None:
        raise NesscanError("toppred not found on PATH: the compartment layer needs it "
                           "(Debian/Ubuntu: apt-get install toppred; bash install.sh does this)")
    return exe


def _clean(sequence: str) -> str:
    s = sequence.upper().translate(_TABLE)
    return "".join(c if c in _KNOWN else "G" for c in s)


def parse_toppred(text: str, n: int) -> list[np.ndarray]:
    """Segments of ``n`` proteins named ``s0 .. s{n-1}`` from TopPred's default ("new") output.

    Returns one float array of shape ``(k, 3)`` per protein: 1-based inclusive ``start``,
    ``end`` and the segment's ``score`` (TopPred's mean GES hydrophobicity), in sequence
    order; ``(0, 3)`` for a protein without a candidate segment or one TopPred skipped.

    >>> out = "Sequence : s1  (50 res)\\n Helix Begin - End   Score Certainity\\n     1     4 - 24    1.358 Certain\\n"
    >>> parse_toppred(out, 2)[1].tolist()
    [[4.0, 24.0, 1.358]]
    """
    segments: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]
    current = None
    in_table = False
    for line in text.splitlines():
        if line.startswith("Sequence : "):
            name = line[len("Sequence : "):].split()[0]
            current = int(name[1:]) if name[1:].isdigit() else None
            in_table = False
        elif line.lstrip().startswith("Helix Begin"):
            in_table = True
        elif in_table:
            parts = line.split()
            if len(parts) >= 6 and parts[0].isdigit() and parts[2] == "-" and current is not None:
                segments[current].append((float(parts[1]), float(parts[3]), float(parts[4])))
            else:
                in_table = False
    return [np.array(s, np.float64).reshape(-1, 3) for s in segments]


def toppred_segments(sequences: Sequence[str]) -> list[np.ndarray]:
    """TopPred's candidate transmembrane segments of each sequence (see :func:`parse_toppred`).

    Raises
    ------
    NesscanError
        ``toppred`` is not installed, or it failed.
    """
    if len(sequences) == 0:
        return []
    exe = toppred_path()
    with tempfile.TemporaryDirectory(prefix="nesscan-toppred-") as tmp:
        fasta = Path(tmp) / "in.fasta"
        fasta.write_text("".join(f">s{i}\n{_clean(s)}\n" for i, s in enumerate(sequences)))
        result = subprocess.run([exe, "-g", "none", "-t", "none", "-O", "new", str(fasta)],
                                capture_output=True, text=True, cwd=tmp)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise NesscanError(f"toppred failed (exit {result.returncode}): {last}")
    return parse_toppred(result.stdout, len(sequences))

"""A weight-free embedder: one-hot + BLOSUM62 + physico-chemical scales.

Every residue becomes a 45-dimensional vector, independent of its neighbours
(so peptide and protein context give identical windows):

* 21 one-hot columns: the 20 standard amino acids, then one for anything else
  (X, B, Z; U is read as C and O as K, their parent residues);
* 20 columns: the residue's BLOSUM62 row against the 20 standard amino acids,
  divided by 4 (Henikoff & Henikoff 1992, PNAS 89:10915, doi:10.1073/pnas.89.22.10915;
  matrix taken from biotite);
* 4 scales, each standardised over the 20 amino acids: Kyte-Doolittle hydropathy
  (Kyte & Doolittle 1982, J Mol Biol 157:105, doi:10.1016/0022-2836(82)90515-0),
  helix propensity in kcal/mol (Pace & Scholtz 1998, Biophys J 75:422,
  doi:10.1016/S0006-3495(98)77529-0; sign flipped so that higher = more helical),
  side-chain volume in cubic angstroms (Zamyatnin 1972, Prog Biophys Mol Biol 24:107,
  doi:10.1016/0079-6107(72)90005-3), and net charge at pH 7 (D, E -1; K, R +1; H +0.1).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from nesscan.embed.base import Embedder, Progress

STANDARD = "ACDEFGHIKLMNPQRSTVWY"

_KYTE_DOOLITTLE = dict(A=1.8, C=2.5, D=-3.5, E=-3.5, F=2.8, G=-0.4, H=-3.2, I=4.5, K=-3.9, L=3.8,
                       M=1.9, N=-3.5, P=-1.6, Q=-3.5, R=-4.5, S=-0.8, T=-0.7, V=4.2, W=-0.9, Y=-1.3)
_PACE_SCHOLTZ = dict(A=0.0, C=0.68, D=0.69, E=0.40, F=0.54, G=1.00, H=0.61, I=0.41, K=0.26, L=0.21,
                     M=0.24, N=0.65, P=3.16, Q=0.39, R=0.21, S=0.50, T=0.66, V=0.61, W=0.49, Y=0.53)
_ZAMYATNIN = dict(A=88.6, C=108.5, D=111.1, E=138.4, F=189.9, G=60.1, H=153.2, I=166.7, K=168.6,
                  L=166.7, M=162.9, N=114.1, P=112.7, Q=143.8, R=173.4, S=89.0, T=116.1, V=140.0,
                  W=227.8, Y=193.6)
_CHARGE = dict(D=-1.0, E=-1.0, K=1.0, R=1.0, H=0.1)

#: letters accepted by nesscan's readers, and the letter whose row each one uses
_ALIASES = {"U": "C", "O": "K"}
ALPHABET = STANDARD + "XBZUO"


@lru_cache(maxsize=1)
def feature_table() -> np.ndarray:
    """Per-letter feature rows, shape ``(128, 45)`` indexed by ``ord(letter)``.

    Letters outside :data:`ALPHABET` keep all-zero rows.
    """
    from biotite.sequence.align import SubstitutionMatrix

    blosum = SubstitutionMatrix.std_protein_matrix()
    symbols = blosum.get_alphabet1().get_symbols()
    scores = blosum.score_matrix()
    standard_cols = [symbols.index(a) for a in STANDARD]

    scales = []
    for scale, sign in ((_KYTE_DOOLITTLE, 1), (_PACE_SCHOLTZ, -1), (_ZAMYATNIN, 1)):
        values = np.array([scale[a] for a in STANDARD]) * sign
        scales.append({a: (v - values.mean()) / values.std() for a, v in zip(STANDARD, values)})
    scales.append({a: _CHARGE.get(a, 0.0) for a in STANDARD})

    table = np.zeros((128, 45), dtype=np.float32)
    for letter in ALPHABET:
        base = _ALIASES.get(letter, letter)
        row = table[ord(letter)]
        row[STANDARD.index(base) if base in STANDARD else 20] = 1.0
        row[21:41] = scores[symbols.index(base), standard_cols] / 4.0
        if base in STANDARD:
            row[41:45] = [s[base] for s in scales]
        else:  # X, B, Z: mean over the residues they may stand for
            members = {"B": "DN", "Z": "EQ"}.get(base, STANDARD)
            row[41:45] = [np.mean([s[m] for m in members]) for s in scales]
    return table


class PhyschemEmbedder(Embedder):
    """One-hot + BLOSUM62 + four physico-chemical scales (45 dimensions, no weights).

    Examples
    --------
    >>> PhyschemEmbedder().embed(["MLELL"])[0].shape
    (5, 45)
    """

    name = "physchem"
    dim = 45
    contextual = False  # a residue's vector ignores its neighbours

    def spec(self) -> dict[str, Any]:
        return {"name": self.name}

    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        table = feature_table()
        out = []
        for i, seq in enumerate(sequences):
            codes = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
            out.append(table[codes])
            if progress is not None:
                progress(i + 1, len(sequences))
        return out

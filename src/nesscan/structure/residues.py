"""Per-residue structure features of one AlphaFold model: RSA, pLDDT, secondary structure.

A model file is read with biotite (PDB or PDBx/mmCIF, optionally gzipped); only the
first model and the first chain are used (AlphaFold DB models are monomers, chain A).

* **RSA** (relative solvent accessibility): the solvent-accessible surface area of
  each residue's heavy atoms (Shrake-Rupley, :func:`biotite.structure.sasa`, probe
  1.4 Å, 1,000 points per atom, ProtOr united-atom radii of Tsai et al. 1999,
  doi:10.1006/jmbi.1999.2825), summed per residue, divided by the residue type's
  theoretical maximum ASA of Tien et al. 2013 (:data:`MAX_ASA`). 0 = buried,
  about 1 = as exposed as in an extended Gly-X-Gly tripeptide; values can exceed 1
  slightly (terminal residues, disordered ribbons).
* **pLDDT**: AlphaFold's per-residue confidence (0-100), stored in the B-factor
  column; the residue's CA value.
* **SSE**: secondary structure by P-SEA (Labesse et al. 1997,
  doi:10.1093/bioinformatics/13.3.291; :func:`biotite.structure.annotate_sse`):
  ``a`` helix, ``b`` strand, ``c`` coil. P-SEA works from CA geometry only: it is
  DSSP-like, not DSSP (93 % of residues agree with a third-party DSSP helix
  annotation on CDC7 and ADAR1, see the README).

Residue numbers are those of the model, 1-based; for a fragment ``Fn`` of a long
protein they count from the fragment's first residue (see :mod:`nesscan.structure.locate`).
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nesscan.errors import NesscanError

#: Theoretical maximum accessible surface area (Å²) of each residue type, Tien et al. 2013,
#: "Maximum allowed solvent accessibilities of residues in proteins", PLoS ONE 8:e80635,
#: doi:10.1371/journal.pone.0080635 (Table 1, "Theoretical").
MAX_ASA: dict[str, float] = {
    "ALA": 129.0, "ARG": 274.0, "ASN": 195.0, "ASP": 193.0, "CYS": 167.0,
    "GLN": 225.0, "GLU": 223.0, "GLY": 104.0, "HIS": 224.0, "ILE": 197.0,
    "LEU": 201.0, "LYS": 236.0, "MET": 224.0, "PHE": 240.0, "PRO": 159.0,
    "SER": 155.0, "THR": 172.0, "TRP": 285.0, "TYR": 263.0, "VAL": 174.0,
}

_BACKBONE = ("N", "CA", "C", "O")


class CorruptModel(NesscanError):
    """A model file that cannot be read, or that is visibly incomplete."""


@dataclass(frozen=True)
class ResidueProfile:
    """Per-residue features of one model (arrays of one entry per residue, N to C)."""

    path: Path  # the model file
    sequence: str  # one-letter sequence of the model ("X" for a non-standard residue)
    res_id: np.ndarray  # int, residue numbers of the model (1-based)
    rsa: np.ndarray  # float, relative solvent accessibility (NaN for non-standard residues)
    plddt: np.ndarray  # float, pLDDT of the residue's CA (0-100)
    sse: np.ndarray  # str, "a" helix, "b" strand, "c" coil ("" when P-SEA cannot tell)

    def __len__(self) -> int:
        return len(self.sequence)


def read_atoms(path: str | os.PathLike):
    """Heavy atoms of the first model and chain of a PDB or mmCIF file (``.gz`` allowed).

    Returns
    -------
    biotite.structure.AtomArray
        With a ``b_factor`` annotation (pLDDT for AlphaFold models).

    Raises
    ------
    CorruptModel
        The file cannot be parsed, holds no amino-acid residue, or looks truncated:
        a PDB file without its ``END`` record, residues without backbone atoms, gaps
        in the residue numbering, or no terminal ``OXT`` atom (AlphaFold models end with one).
    """
    import biotite.structure as struc

    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.name.lower().endswith(".gz") else path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptModel(f"{path}: not a structure model (not a text file)") from None
        if not text.strip():
            raise CorruptModel(f"{path}: empty file")
        if name.endswith(".pdb"):
            from biotite.structure.io.pdb import PDBFile

            lines = text.rstrip().splitlines()
            if not any(line.startswith(("ATOM  ", "HETATM")) for line in lines):
                what = "an HTML page" if text.lstrip()[:1] == "<" else "no ATOM records"
                raise CorruptModel(f"{path}: not a PDB file ({what})")
            if not any(line.startswith("END") for line in lines[-3:]):
                raise CorruptModel(f"{path}: truncated PDB file (no END record)")
            atoms = PDBFile.read(io.StringIO(text)).get_structure(model=1, extra_fields=["b_factor"])
        elif name.endswith((".cif", ".mmcif")):
            from biotite.structure.io.pdbx import CIFFile, get_structure

            atoms = get_structure(CIFFile.read(io.StringIO(text)), model=1, extra_fields=["b_factor"])
        else:
            raise CorruptModel(f"{path}: not a .pdb or .cif file")
    except CorruptModel:
        raise
    except Exception as err:  # biotite raises many kinds on malformed input
        raise CorruptModel(f"{path}: unreadable model ({type(err).__name__}: {err})"[:300]) from None
    atoms = atoms[struc.filter_amino_acids(atoms) & (atoms.element != "H")]
    if atoms.array_length() == 0:
        raise CorruptModel(f"{path}: no amino-acid residues")
    atoms = atoms[atoms.chain_id == atoms.chain_id[0]]
    _check_complete(atoms, path)
    return atoms


def _check_complete(atoms, path: Path) -> None:
    import biotite.structure as struc

    starts = struc.get_residue_starts(atoms)
    ids = atoms.res_id[starts]
    if np.any(np.diff(ids) != 1):
        gap = int(ids[np.flatnonzero(np.diff(ids) != 1)[0]])
        raise CorruptModel(f"{path}: residue numbering breaks after residue {gap}")
    for name in _BACKBONE:
        if np.count_nonzero(atoms.atom_name == name) != len(starts):
            raise CorruptModel(f"{path}: residues without a backbone {name} atom (truncated?)")
    if not np.any(atoms.atom_name[starts[-1]:] == "OXT"):
        raise CorruptModel(f"{path}: last residue has no OXT atom (truncated?)")


def residue_profile(path: str | os.PathLike) -> ResidueProfile:
    """RSA, pLDDT and secondary structure of every residue of a model file.

    Parameters
    ----------
    path
        AlphaFold model, PDB or mmCIF, plain or gzip.

    Returns
    -------
    ResidueProfile

    Raises
    ------
    CorruptModel
        See :func:`read_atoms`.
    """
    import biotite.structure as struc
    from biotite.sequence import ProteinSequence

    atoms = read_atoms(path)
    starts = struc.get_residue_starts(atoms)
    names = atoms.res_name[starts]
    atom_sasa = struc.sasa(atoms, probe_radius=1.4, point_number=1000, vdw_radii="ProtOr")
    res_sasa = struc.apply_residue_wise(atoms, atom_sasa, np.nansum)
    max_asa = np.array([MAX_ASA.get(n, np.nan) for n in names])
    ca = atoms[atoms.atom_name == "CA"]
    sse = np.asarray(struc.annotate_sse(atoms), dtype="U1")

    def one(n: str) -> str:
        try:
            return ProteinSequence.convert_letter_3to1(n)
        except KeyError:
            return "X"

    return ResidueProfile(path=Path(path), sequence="".join(one(n) for n in names),
                          res_id=atoms.res_id[starts].astype(int), rsa=res_sasa / max_asa,
                          plddt=ca.b_factor.astype(float), sse=sse)

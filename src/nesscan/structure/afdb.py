"""AlphaFold DB model files in a local folder: their names and an index by accession.

File names understood (``ACC`` a UniProt accession, ``n`` the fragment number,
``v`` the model version, all optionally ``.gz``): ``AF-ACC-Fn-model_vV.pdb``,
``AF-ACC-Fn-model_vV.cif``, ``AF-ACC-Fn.pdb``, ``AF-ACC-Fn.cif``. AlphaFold DB
(Varadi et al. 2022, doi:10.1093/nar/gkab1061) splits proteins longer than 2,700
residues into fragments ``F1..Fn`` of 1,400 residues that start every 200 residues;
its web API serves ``F1`` only, so fragments are used when they are in a local folder
(e.g. unpacked from a proteome archive). Downloading lives in
:mod:`nesscan.fetch.alphafold`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


#: Model versions tried, newest first, when the prediction API does not answer.
_NAME = re.compile(r"^AF-(?P<acc>[A-Za-z0-9_.]+?)-F(?P<frag>\d+)(?:-model_v(?P<ver>\d+))?"
                   r"\.(?:pdb|cif|mmcif)(?:\.gz)?$", re.IGNORECASE)


def parse_model_name(name: str) -> tuple[str, int, int] | None:
    """``(accession, fragment, version)`` of an AlphaFold file name, or ``None``.

    The version is 0 when the name has none.

    Examples
    --------
    >>> parse_model_name("AF-O00311-F1-model_v4.pdb")
    ('O00311', 1, 4)
    >>> parse_model_name("AF-Q7Z6M3-F1.cif.gz")
    ('Q7Z6M3', 1, 0)
    >>> parse_model_name("notes.txt") is None
    True
    """
    m = _NAME.match(name)
    if m is None:
        return None
    return m.group("acc"), int(m.group("frag")), int(m.group("ver") or 0)


def index_models(directory: str | os.PathLike) -> dict[str, list[Path]]:
    """Every AlphaFold model file of a folder (not recursive), by accession.

    Returns
    -------
    dict of str to list of pathlib.Path
        Accession -> one file per fragment, ordered F1, F2, ...; where a fragment has
        several files, the highest version wins (then PDB over mmCIF, then plain over gzip).
    """
    best: dict[tuple[str, int], tuple[tuple, Path]] = {}
    for path in Path(directory).iterdir():
        parsed = parse_model_name(path.name)
        if parsed is None or not path.is_file():
            continue
        acc, frag, ver = parsed
        name = path.name.lower()
        rank = (ver, ".pdb" in name, not name.endswith(".gz"))
        if (acc, frag) not in best or rank > best[(acc, frag)][0]:
            best[(acc, frag)] = (rank, path)
    out: dict[str, list[Path]] = {}
    for (acc, frag), (_, path) in sorted(best.items()):
        out.setdefault(acc, []).append(path)
    return out

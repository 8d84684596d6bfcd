"""Reader of the MultiLoc localisation set: Swiss-Prot proteins labelled by compartment.

Höglund A, Dönnes P, Blum T, Adolph HW, Kohlbacher O. *MultiLoc: prediction of protein
subcellular localization using N-terminal targeting sequences, sequence motifs and amino
acid composition.* Bioinformatics 2006;22:1158 (doi:10.1093/bioinformatics/btl002).
Sequences and annotations from UniProtKB/Swiss-Prot (CC BY 4.0): cite both.

The folder holds one FASTA per compartment (``nuclear.fasta``, ``cytoplasmic.fasta``,
``mitochondrial.fasta``, ``plasma_membrane.fasta``, ``extracellular.fasta``, ``ER.fasta``,
``Golgi.fasta``, ``lysosomal.fasta``, ``peroxisomal.fasta``, ``vacuolar.fasta``,
``chloroplast.fasta``); a header is the accession alone, or the accession, the N-terminal
targeting signal (``SP`` signal peptide, ``SA`` signal anchor, ``mTP`` mitochondrial
presequence, ``cTP`` chloroplast transit peptide) and, for a cleaved one, its length.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nesscan.errors import InputError, NesscanError
from nesscan.io.fasta import _open_text, check_sequence

COMPARTMENTS = ("nuclear", "cytoplasmic", "mitochondrial", "plasma_membrane", "extracellular", "ER", "Golgi",
                "lysosomal", "peroxisomal", "vacuolar", "chloroplast")
SIGNALS = ("", "SP", "SA", "mTP", "cTP")


def read_multiloc(folder: str | os.PathLike) -> pd.DataFrame:
    """Every protein of a MultiLoc folder (the compartments whose FASTA is there).

    Returns
    -------
    pandas.DataFrame
        ``accession``, ``sequence``, ``compartment`` (the file's name, see
        :data:`COMPARTMENTS`), ``signal`` (one of :data:`SIGNALS`, "" for none) and
        ``signal_length`` (residues of a cleaved signal; 0 when not given).

    Raises
    ------
    NesscanError
        The folder holds none of the compartment files.
    InputError
        A header names an unknown signal, or a sequence holds an invalid residue.
    """
    root = Path(folder)
    rows = []
    present = [c for c in COMPARTMENTS if (root / f"{c}.fasta").is_file()]
    if not present:
        raise NesscanError(f"{root}: no MultiLoc compartment FASTA (e.g. nuclear.fasta) in this folder")
    for compartment in present:
        path = root / f"{compartment}.fasta"
        with _open_text(path) as handle:
            text = handle.read()
        for record in text.split(">")[1:]:
            head, _, body = record.partition("\n")
            fields = head.split()
            if not fields:
                raise InputError(path, None, "a header without an accession")
            signal = fields[1] if len(fields) > 1 else ""
            if signal not in SIGNALS:
                raise InputError(path, fields[0], f"unknown targeting signal {signal!r}")
            length = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0
            rows.append((fields[0], check_sequence(body, path, fields[0]), compartment, signal, length))
    return pd.DataFrame(rows, columns=["accession", "sequence", "compartment", "signal", "signal_length"])

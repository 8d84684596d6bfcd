"""The structure step on files: ``candidates.csv`` in, ``structure.csv`` out."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from nesscan.errors import InputError, NesscanError


def protein_sequences(accessions: set[str], fasta: str | os.PathLike | None = None,
                      nesdb: str | os.PathLike | None = None) -> dict[str, str]:
    """Full sequences of ``accessions`` from a FASTA file and/or an NESdb CSV (FASTA wins).

    Only the accessions asked for are kept, so a whole proteome can be streamed.
    """
    out: dict[str, str] = {}
    if nesdb is not None:
        from nesscan.io import read_nesdb

        out.update({a.protein.accession: a.protein.sequence for a in read_nesdb(nesdb)
                    if a.protein.accession in accessions})
    if fasta is not None:
        from nesscan.io.fasta import iter_fasta

        out.update({p.accession: p.sequence for p in iter_fasta(fasta) if p.accession in accessions})
    return out


def structure_file(
    candidates_csv: str | os.PathLike,
    structures_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    fasta: str | os.PathLike | None = None,
    nesdb: str | os.PathLike | None = None,
    download: bool = False,
    cache: Path | None = None,
    base_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Annotate a candidate CSV with structure columns and write it.

    Parameters
    ----------
    candidates_csv
        A screen's ``candidates.csv`` (or any table with its columns ``accession``,
        ``start``, ``end``, ``sequence``, ``score``).
    structures_dir
        Folder of AlphaFold models; ``None`` with ``download`` uses the cache only.
    out
        Output CSV (default ``structure.csv`` beside ``candidates_csv``), written atomically.
    fasta, nesdb
        Where the full protein sequences are, to check the models against.
    download, cache, base_url, progress
        See :func:`nesscan.structure.table.annotate_structures`.

    Returns
    -------
    pathlib.Path
        The CSV written: the candidate columns, then :data:`nesscan.structure.table.COLUMNS`.

    Raises
    ------
    NesscanError
        Missing candidates file, a structures path that is not a folder, neither
        ``structures_dir`` nor ``download``, or an unreadable table.
    """
    import pandas as pd

    from nesscan.atomic import write_text
    from nesscan.structure.table import annotate_structures

    path = Path(candidates_csv)
    if not path.is_file():
        raise NesscanError(f"{path}: no such candidates file")
    if structures_dir is None and not download:
        raise NesscanError("no models: give a structures folder or allow downloads")
    if structures_dir is not None and not Path(structures_dir).is_dir():
        raise NesscanError(f"{structures_dir}: not a directory of structure models")
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"anchors": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(path, None, f"unreadable table ({' '.join(str(exc).split())})") from None
    table = check_candidates(table, path)
    seqs = protein_sequences(set(table.get("accession", pd.Series(dtype=str)).astype(str)), fasta, nesdb) \
        if (fasta or nesdb) else None
    result = annotate_structures(table, structures_dir, seqs, download=download, cache=cache,
                                 base_url=base_url, progress=progress)
    target = Path(out) if out is not None else path.with_name("structure.csv")
    if target.is_dir():
        raise NesscanError(f"{target}: is a folder; -o names the output CSV file")
    target.parent.mkdir(parents=True, exist_ok=True)  # like screen's -o, a missing folder is made
    write_text(target, result.to_csv(index=False, float_format="%.4g"))
    from nesscan.screen.outputs import write_provenance

    write_provenance(target, path)  # structure.json: the SHA-256 of the candidates it was derived from
    return target


CANDIDATE_COLUMNS = ("accession", "start", "end", "sequence", "score")


def check_candidates(table, path: str | os.PathLike):
    """Check a candidate table before the structure step reads it; returns it with
    ``start``/``end`` as integers and ``score`` as floats.

    Raises
    ------
    InputError
        A missing column, or a row (numbered from 1) whose ``start``/``end`` is not a
        1-based whole number with ``start <= end``, whose ``score`` is not a number, or
        whose ``anchors`` is not a comma-separated list of whole numbers.
    """
    import pandas as pd

    missing = [c for c in CANDIDATE_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(path, None, f"not a candidate table: missing column(s) {', '.join(missing)}")
    for number, row in enumerate(table.itertuples(index=False), start=1):
        row = row._asdict() if hasattr(row, "_asdict") else dict(zip(table.columns, row))
        record = f"row {number} ({row.get('accession')})"
        bounds = []
        for name in ("start", "end"):
            value = pd.to_numeric(pd.Series([row.get(name)]), errors="coerce").iloc[0]
            if pd.isna(value) or value != int(value) or value < 1:
                raise InputError(path, record, f"{name} is {row.get(name)!r}, not a residue number (1-based)")
            bounds.append(int(value))
        if bounds[0] > bounds[1]:
            raise InputError(path, record, f"start {bounds[0]} is after end {bounds[1]}")
        if pd.isna(pd.to_numeric(pd.Series([row.get("score")]), errors="coerce").iloc[0]):
            raise InputError(path, record, f"score is {row.get('score')!r}, not a number")
        anchors = row.get("anchors")
        if isinstance(anchors, str) and anchors.strip() and not all(
                a.strip().isdigit() for a in anchors.split(",") if a.strip()):
            raise InputError(path, record, f"anchors is {anchors!r}, not residue numbers separated by commas")
    table = table.copy()
    for name in ("start", "end"):
        table[name] = pd.to_numeric(table[name]).astype(int)
    table["score"] = pd.to_numeric(table["score"]).astype(float)
    return table


def structure_screens(run_dir: str | os.PathLike, structures_dir: str | os.PathLike | None = None,
                      download: bool = False, log: Callable[[str], None] = lambda msg: None,
                      folders: list[Path] | None = None) -> list[Path]:
    """:func:`structure_file` on every ``RUN/screen/<name>/candidates.csv`` of a run folder
    (or on those of ``folders``, screen folders, when given).

    Model sequences are checked against the screened FASTA named in the screen's
    ``screen.json`` when that file is still there. Returns the ``structure.csv`` files written.
    """
    if structures_dir is not None and not Path(structures_dir).is_dir():
        raise NesscanError(f"{structures_dir}: not a directory of structure models")
    screens = Path(run_dir) / "screen"
    found = sorted(screens.glob("*/candidates.csv")) if screens.is_dir() else []
    written = []
    for cands in [Path(f) / "candidates.csv" for f in folders] if folders is not None else found:
        fasta = _screened_fasta(cands.parent)
        written.append(structure_file(cands, structures_dir, fasta=fasta, download=download))
        log(f"structure: {written[-1]}")
    return written


def _screened_fasta(screen_dir: Path) -> Path | None:
    """The FASTA a screen read, found by its checksum when it moved (:func:`nesscan.screen.outputs.find_fasta`)."""
    import json

    from nesscan.screen.outputs import find_fasta

    try:
        config = json.loads((screen_dir / "screen.json").read_text())["config"]
        return find_fasta(screen_dir, config.get("fasta"), config.get("fasta_sha256"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None

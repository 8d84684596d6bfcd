"""A model's known NES ranges (``known_nes.tsv``): read and checked, one line per problem.

Columns: ``accession`` (str), ``start_1b`` and ``end_1b`` (1-based inclusive residue
numbers, ``1 <= start_1b <= end_1b``), ``doubtful`` (True/False, optional) and ``nes_ids``
(NESdb names, ``"; "``-separated). Screens mark candidates that overlap one of these ranges
as known (:mod:`nesscan.screen.scan`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError

COLUMNS = ("accession", "start_1b", "end_1b", "doubtful", "nes_ids")
REQUIRED = ("accession", "start_1b", "end_1b", "nes_ids")


def read_known_nes(path: str | Path) -> pd.DataFrame:
    """The known NES ranges of a model directory's ``known_nes.tsv``.

    Raises
    ------
    NesscanError
        A missing or unreadable file, a missing column, or a row whose range is not two
        whole numbers ``1 <= start_1b <= end_1b`` (the message names the file and row).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "known_nes.tsv"
    >>> _ = p.write_text("accession\\tstart_1b\\tend_1b\\tdoubtful\\tnes_ids\\nP1\\t3\\t12\\tFalse\\tx (NES ID: 1)\\n")
    >>> read_known_nes(p).start_1b.tolist()
    [3]
    """
    path = Path(path)
    if not path.is_file():
        raise NesscanError(f"{path}: missing (every model directory lists its known NESs there; "
                           "rewrite the model with `nesscan train`)")
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise NesscanError(f"{path}: unreadable known-NES table ({str(err).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise NesscanError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(COLUMNS)})")
    bounds = table[["start_1b", "end_1b"]].apply(pd.to_numeric, errors="coerce")
    bad = bounds.isna().any(axis=1) | (bounds.start_1b < 1) | (bounds.end_1b < bounds.start_1b) \
        | (bounds.fillna(0) % 1 != 0).any(axis=1) | (table.accession.str.strip() == "")
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise NesscanError(f"{path}: row {row + 2}: not an accession with a range 1 <= start_1b <= end_1b "
                           f"({table.accession.iloc[row]!r}, {table.start_1b.iloc[row]!r}, {table.end_1b.iloc[row]!r})")
    out = table.assign(start_1b=bounds.start_1b.astype(int), end_1b=bounds.end_1b.astype(int))
    if "doubtful" in out:
        out["doubtful"] = out.doubtful.str.lower().isin(("true", "1"))
    return out


#: Least identity, over a known NES's centred window (the model's window length), at which a
#: region of another protein is called a homologue of that NES (ungapped: an orthologue's NES
#: region aligns without gaps). 60% of 22 residues is 14 identities; two unrelated 22-mers
#: share about 1.3 (6%) on average.
HOMOLOGUE_IDENTITY = 0.6


def known_probes(directory: str | Path | None) -> pd.DataFrame:
    """The known NESs of a model directory as probes for homology: each NESdb positive's
    centred window from ``examples.tsv`` (``accession``, ``sequence``, ``start`` 0-based in
    its parent, ``nes_start_1b``, ``nes_end_1b`` in the parent) with its ``nes_ids`` from
    ``known_nes.tsv``; empty when the directory keeps no examples."""
    columns = ["accession", "sequence", "start", "nes_start_1b", "nes_end_1b", "nes_ids"]
    path = Path(directory) / "examples.tsv" if directory is not None else None
    if path is None or not path.is_file():
        return pd.DataFrame(columns=columns)
    ex = pd.read_csv(path, sep="\t", dtype={"accession": str, "sequence": str, "range_1b": str},
                     keep_default_na=False)
    ex = ex[(ex.label == 1) & (ex.source == "nesdb") & ex.centred.astype(str).str.lower().eq("true")]
    ranges = ex.range_1b.str.split("-", n=1, expand=True)
    ex = ex.assign(nes_start_1b=pd.to_numeric(ranges[0]), nes_end_1b=pd.to_numeric(ranges[1]))
    known = read_known_nes(Path(directory) / "known_nes.tsv")
    ids = {(a, s, e): i for a, s, e, i in zip(known.accession, known.start_1b, known.end_1b, known.nes_ids)}
    ex["nes_ids"] = [ids.get((a, s, e), "") for a, s, e in zip(ex.accession, ex.nes_start_1b, ex.nes_end_1b)]
    return ex[columns].drop_duplicates(["accession", "nes_start_1b", "nes_end_1b"]).reset_index(drop=True)


def homologous_nes(sequence: str, accession: str, probes: pd.DataFrame,
                   min_identity: float = HOMOLOGUE_IDENTITY) -> pd.DataFrame:
    """Known NESs of *other* proteins whose centred window aligns to ``sequence`` (ungapped)
    at ``min_identity`` or more: ``accession`` (the NESdb protein), ``nes_ids``,
    ``start_1b``, ``end_1b`` (the NES mapped onto ``sequence``, 1-based inclusive) and
    ``identity``; the best placement per probe.

    Examples
    --------
    >>> probes = pd.DataFrame({"accession": ["Q1"], "sequence": ["AALQKKLEELELDEAAAA"], "start": [10],
    ...                        "nes_start_1b": [13], "nes_end_1b": [24], "nes_ids": ["MEK1 (NES ID: 1)"]})
    >>> homologous_nes("MPKKKPTPIQLNPAPDGSAVNGTSSAETNLEALQKKLEELELDEQQRKRLEAFLTQ", "P1", probes)[
    ...     ["accession", "start_1b", "end_1b"]].values.tolist()
    [['Q1', 33, 44]]
    """
    out = {"accession": [], "nes_ids": [], "start_1b": [], "end_1b": [], "identity": []}
    probes = probes[probes.accession != accession]
    codes = np.frombuffer(sequence.encode("ascii"), np.uint8)
    for w, group in probes.groupby(probes.sequence.str.len(), sort=False):
        if w == 0 or w > len(codes):
            continue
        windows = np.lib.stride_tricks.sliding_window_view(codes, w)  # (positions, w)
        table = np.frombuffer("".join(group.sequence).encode("ascii"), np.uint8).reshape(len(group), w)
        same = np.concatenate([(windows[None, :, :] == table[i:i + 16, None, :]).sum(axis=2, dtype=np.int32)
                               for i in range(0, len(table), 16)])  # (probes, positions), 16 probes at a time
        best = same.argmax(axis=1)
        identity = same[np.arange(len(group)), best] / w
        for probe, pos, ident in zip(group.itertuples(), best, identity):
            if ident >= min_identity:
                shift = int(pos) - int(probe.start)
                out["accession"].append(probe.accession)
                out["nes_ids"].append(probe.nes_ids)
                out["start_1b"].append(max(int(probe.nes_start_1b) + shift, 1))
                out["end_1b"].append(min(int(probe.nes_end_1b) + shift, len(sequence)))
                out["identity"].append(float(ident))
    return pd.DataFrame(out)

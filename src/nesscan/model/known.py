"""A model's known NES ranges (``known_nes.tsv``): read and checked, one line per problem.

Columns: ``accession`` (str), ``start_1b`` and ``end_1b`` (1-based inclusive residue
numbers, ``1 <= start_1b <= end_1b``), ``doubtful`` (True/False, optional) and ``nes_ids``
(NESdb names, ``"; "``-separated). Screens mark candidates that overlap one of these ranges
as known (:mod:`nesscan.screen.scan`).
"""

from __future__ import annotations

from pathlib import Path

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

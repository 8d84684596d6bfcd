"""The variants table (``nesscan mutate --variants TSV``): one variant per row.

Columns (tab-separated, a header line first; other columns are ignored):

``accession``
    The protein: its accession, entry name or first header token in the FASTA.
``variant``
    The change in MAVE-HGVS protein notation (:mod:`nesscan.variants.hgvs`).
``name`` (optional)
    A label copied to the output (e.g. "NPM1 type A").
``new_tail`` (optional)
    A frameshift's new residues, from its first residue up to the new stop.
``mutant_sequence`` (optional)
    The whole mutant protein instead (for a frameshift; any other variant given with it must
    produce exactly this sequence).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Any, Iterable, Mapping

import pandas as pd

from nesscan.errors import InputError

REQUIRED = ("accession", "variant")
OPTIONAL = ("name", "new_tail", "mutant_sequence")


@dataclass(frozen=True)
class VariantInput:
    """One row of the variants table; ``line`` is its 1-based line in the file (the header is
    line 1), or its 1-based row number for rows given in memory."""

    line: int
    accession: str
    variant: str
    name: str = ""
    new_tail: str = ""
    mutant_sequence: str = ""

    @property
    def label(self) -> str:
        """How error lines name the row: ``line 3 (P06748 p.Trp288fs)``."""
        return f"line {self.line} ({self.accession} {self.variant})"


def read_variants(source: str | os.PathLike | IO[str] | pd.DataFrame | Iterable[Mapping[str, Any]]
                  ) -> list[VariantInput]:
    """The rows of a variants table: a TSV path or stream, a data frame, or dicts.

    Raises
    ------
    InputError
        No ``accession`` or ``variant`` column, or no row.

    Examples
    --------
    >>> [v.label for v in read_variants([{"accession": "P1", "variant": "p.Leu2Ala"}])]
    ['line 1 (P1 p.Leu2Ala)']
    """
    if isinstance(source, pd.DataFrame):
        table, first, name = source, 1, "variants"
    elif isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        name = str(getattr(source, "name", source))
        try:
            table = pd.read_csv(source, sep="\t", dtype=str, keep_default_na=False, comment=None)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(name, None, f"not a tab-separated table ({type(exc).__name__}: {exc})") from None
        first = 2
    else:
        table, first, name = pd.DataFrame(list(source)), 1, "variants"
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(name, None, f"no {' or '.join(missing)} column (columns: accession, variant, and optional "
                                     f"{', '.join(OPTIONAL)}; tab-separated)")
    if table.empty:
        raise InputError(name, None, "no variant (the table has a header and no row)")
    table = table.fillna("")
    out = []
    for i, row in enumerate(table.to_dict("records")):
        out.append(VariantInput(first + i, str(row["accession"]).strip(), str(row["variant"]).strip(),
                                *(str(row.get(c, "") or "").strip() for c in OPTIONAL)))
    return out

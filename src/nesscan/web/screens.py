"""Finished screens for the browse page: candidate tables, filters, window tracks.

``nesscan serve --browse DIR`` takes either one screen output folder (``candidates.csv``
of :mod:`nesscan.screen.scan`) or a ``nesscan run`` folder (``DIR/screen/<proteome>/``, one
screen per proteome). When ``structure.csv`` (written by ``nesscan structure``: the
candidate columns plus structure columns) lies beside ``candidates.csv``, it is shown
instead, with its extra columns, provided it was derived from that ``candidates.csv``
(its ``structure.json`` records the SHA-256: :mod:`nesscan.screen.outputs`); a stale one
is ignored and the page says so (``Screen.stale_structure``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError

#: Candidate columns shown first in the browse table, when present.
CORE_COLUMNS = ["call", "call_q_value", "accession", "gene", "entry_name", "start", "end", "sequence", "score",
                "call_score", "q_value_shuffle", "q_value_natural", "q_value", "nes_class", "anchors", "known_nes",
                "protein_score", "cargo_probability"]
#: Columns of ``candidates.csv`` not shown as table columns (kept in the CSV download).
HIDDEN_COLUMNS = {"region_start", "region_end", "n_windows", "known_nes_ids"}
#: The protein-level columns (:mod:`nesscan.model.cargo`): not shown when empty (a screen made
#: with a model that has no protein model).
PROTEIN_LEVEL_COLUMNS = {"cargo_probability", "protein_score"}


@dataclass
class Screen:
    """One screen output folder.

    Attributes
    ----------
    name
        Its name on the page: the proteome folder's name in a run, else the folder's.
    path
        The folder.
    table
        ``structure.csv`` when present and derived from this screen, else ``candidates.csv``.
    stale_structure
        Why a ``structure.csv`` beside the candidates is ignored, when one is.
    """

    name: str
    path: Path
    table: Path
    _frame: pd.DataFrame | None = field(default=None, repr=False)
    stale_structure: str | None = None

    @property
    def has_structure(self) -> bool:
        return self.table.name == "structure.csv"

    def candidates(self) -> pd.DataFrame:
        """The candidate table (read once); ``known_nes`` as bool, ``status`` added
        ("known" or "novel")."""
        if self._frame is None:
            try:
                df = pd.read_csv(self.table, keep_default_na=False, na_values=[""])
            except (OSError, ValueError) as exc:
                raise NesscanError(f"{self.table}: unreadable candidate table ({exc})") from None
            if "known_nes" in df.columns:
                df["known_nes"] = df["known_nes"].astype(str).str.lower().isin(["true", "1"])
                df["status"] = np.where(df["known_nes"], "known", "novel")
            for col in ("gene", "entry_name", "nes_class", "anchors", "known_nes_ids", "call"):
                if col in df.columns:
                    df[col] = df[col].astype(object).fillna("").astype(str)
            self._frame = df
        return self._frame

    def columns(self) -> list[str]:
        """Columns shown in the browse table: the core ones (the protein-level ones when they
        hold a value), then structure columns."""
        df = self.candidates()
        empty = {c for c in PROTEIN_LEVEL_COLUMNS if c in df.columns and df[c].isna().all()}
        core = [c for c in CORE_COLUMNS if c in df.columns and c not in empty]
        extra = [c for c in df.columns if c not in core and c not in HIDDEN_COLUMNS | empty and c != "status"]
        return core + extra

    def fasta(self) -> Path | None:
        """The screened FASTA named in ``screen.json``, when it still exists; when it moved, the
        file with its recorded SHA-256 in the screen folder or its parent
        (:func:`nesscan.screen.outputs.find_fasta`)."""
        from nesscan.screen.outputs import find_fasta

        try:
            config = json.loads((self.path / "screen.json").read_text())["config"]
            return find_fasta(self.path, config.get("fasta"), config.get("fasta_sha256"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def window_scores(self, accession: str) -> pd.DataFrame:
        """Rows of ``windows.parquet`` of one protein (``start``, ``end``, ``score``), by start."""
        import pyarrow.parquet as pq

        path = self.path / "windows.parquet"
        if not path.is_file():
            return pd.DataFrame(columns=["start", "end", "score"])
        table = pq.read_table(path, columns=["start", "end", "score"], filters=[("accession", "==", accession)])
        return table.to_pandas().sort_values("start", ignore_index=True)

    def sequence(self, accession: str) -> str | None:
        """The protein's sequence, from the screened FASTA when it still exists."""
        fasta = self.fasta()
        return None if fasta is None else _sequence(str(fasta), fasta.stat().st_mtime_ns, accession)


@lru_cache(maxsize=256)
def _sequence(fasta: str, mtime: int, accession: str) -> str | None:
    from nesscan.io.fasta import iter_fasta

    try:
        return next((p.sequence for p in iter_fasta(fasta) if p.accession == accession), None)
    except NesscanError:
        return None


def find_screens(directory: str | Path) -> dict[str, Screen]:
    """The screens of a screen folder or of a ``nesscan run`` folder, by name.

    Raises
    ------
    NesscanError
        When ``directory`` holds neither.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NesscanError(f"{directory}: no such folder")
    single = _screen(directory, directory.name)
    if single is not None:
        return {single.name: single}
    screens = {}
    for sub in sorted((directory / "screen").glob("*")) if (directory / "screen").is_dir() else []:
        found = _screen(sub, sub.name)
        if found is not None:
            screens[found.name] = found
    from nesscan.report.data import pick_control

    control = pick_control(list(screens), None)  # the browse page opens on a target proteome
    screens = {n: screens[n] for n in sorted(screens, key=lambda n: n == control)}
    if not screens:
        raise NesscanError(f"{directory}: neither a screen folder (no candidates.csv) nor a nesscan run "
                           "folder (no screen/<proteome>/candidates.csv)")
    return screens


def _screen(folder: Path, name: str) -> Screen | None:
    from nesscan.screen.outputs import derived_status

    structure, candidates = folder / "structure.csv", folder / "candidates.csv"
    if structure.is_file():
        stale = derived_status(structure, candidates) if candidates.is_file() else None
        if stale is None:
            return Screen(name, folder, structure)
        return Screen(name, folder, candidates, stale_structure=stale)
    if candidates.is_file():
        return Screen(name, folder, candidates)
    return None


def filter_candidates(df: pd.DataFrame, text: str = "", nes_class: str = "", status: str = "",
                      max_q: float | None = None, min_score: float | None = None,
                      sort: str = "score", descending: bool = True, call: str = "all") -> pd.DataFrame:
    """Filter and sort a candidate table.

    Parameters
    ----------
    text
        Case-insensitive substring of the accession, gene or entry name.
    nes_class
        Exact Kosugi class (``"1a"``, ``"no consensus"``...); ``""`` for all.
    status
        ``"known"``, ``"novel"`` or ``""`` for all.
    max_q, min_score
        Keep rows with ``call_q_value <= max_q`` (``q_value`` in a table without calls) and
        ``score >= min_score``.
    call
        ``"called"``: only the window calls (``call == "called"``; :mod:`nesscan.screen.calls`);
        ``"all"``: every candidate. A table without a ``call`` column is not filtered by it.
    sort, descending
        Column to sort by (unknown columns sort by score); ties keep file order.
    """
    keep = np.ones(len(df), bool)
    if text:
        hay = df.get("accession", "").astype(str)
        for col in ("gene", "entry_name"):
            if col in df.columns:
                hay = hay + " " + df[col].astype(str)
        keep &= hay.str.contains(text, case=False, regex=False).to_numpy()
    if nes_class and "nes_class" in df.columns:
        keep &= (df["nes_class"] == nes_class).to_numpy()
    if status in ("known", "novel") and "status" in df.columns:
        keep &= (df["status"] == status).to_numpy()
    qcol = "call_q_value" if "call_q_value" in df.columns else "q_value"
    if max_q is not None and qcol in df.columns:
        keep &= (pd.to_numeric(df[qcol], errors="coerce") <= max_q).to_numpy()
    if call == "called" and "call" in df.columns:
        keep &= (df["call"].astype(str) == "called").to_numpy()
    if min_score is not None and "score" in df.columns:
        keep &= (pd.to_numeric(df["score"], errors="coerce") >= min_score).to_numpy()
    out = df[keep]
    sort = sort if sort in df.columns else "score"
    if sort in df.columns:
        out = out.sort_values(sort, ascending=not descending, kind="stable", na_position="last",
                              key=lambda col: col.str.lower() if col.dtype == object else col)
    return out

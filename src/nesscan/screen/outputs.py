"""Who owns an output folder, and which screen a derived file was derived from.

Output folders (``nesscan screen -o OUT``, ``nesscan run -o RUN``, ``nesscan mutate -o OUT``)
    A screen writes into a new or empty folder. A folder that already holds files is
    refused (one error line naming it) unless

    * ``--resume`` and it holds ``.partial/`` of an interrupted screen: the chunks are
      kept (:mod:`nesscan.screen.chunks` checks they belong to the same inputs), the
      earlier finished outputs and derived files are replaced (a folder holding nothing
      but the work files of an interrupted screen is taken as empty: a screen without
      ``--resume`` starts over, as before);
    * ``--overwrite``: the earlier screen is replaced whole: every file nesscan writes
      in a screen folder (:data:`SCREEN_FILES`: the tables, ``screen.json``,
      ``structure.csv`` and its sidecar, ``report/`` of ``nesscan report``, ``.partial/``) is removed. A folder that also
      holds files nesscan did not write is refused even with ``--overwrite``: nesscan
      never deletes a user's files silently; move them or choose another folder.

    :func:`claim_screen_folder` applies these rules and returns an :class:`OutputClaim`:
    on success :meth:`OutputClaim.commit` drops the replaced files; on failure
    :meth:`OutputClaim.rollback` leaves nothing new: a folder the screen created is
    removed, an existing one gets its earlier files back. The one exception is
    ``.partial/`` of an interrupted screen (Ctrl-C, a crash), kept for ``--resume``
    (a bad-input error already discards it). ``nesscan run`` follows the same rules for
    the run folder (:func:`claim_run_folder`, :data:`RUN_FILES`), ``nesscan mutate`` for its
    folder (:func:`claim_mutate_folder`, :data:`MUTATE_FILES`).

Provenance of derived files
    ``structure.csv`` (``nesscan structure``) and the report read a screen's
    ``candidates.csv``; they record its SHA-256 in a sidecar JSON (``structure.json``
    beside ``structure.csv``, ``report.json`` in the report folder), so the CSV stays
    plain. :func:`derived_status` tells whether a derived file still matches the
    screen beside it; ``nesscan serve`` and ``nesscan report`` ignore (and say so) a
    ``structure.csv`` derived from another screen.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from nesscan.errors import NesscanError

#: Files and folders a screen (and the steps derived from it) writes in its folder.
SCREEN_FILES = frozenset({"windows.parquet", "candidates.csv", "proteins.csv", "fdr.json", "screen.json",
                          "importance.csv",
                          "structure.csv", "structure.json", "report", ".partial"})
#: Files and folders ``nesscan run`` writes in its folder.
RUN_FILES = frozenset({"run.json", "log.txt", "split.tsv", "model", "evaluation", "cv", "site.json",
                       "protein_level.json", "screen", "report"})
#: Files ``nesscan mutate`` writes in its folder.
MUTATE_FILES = frozenset({"variants.csv", "mutate.json"})
#: Where an ``--overwrite`` keeps the earlier outputs until the new screen succeeded.
REPLACED = ".nesscan-replaced"
PARTIAL = ".partial"


def _owned(name: str, owned: frozenset[str]) -> bool:
    base = name[:-4] if name.endswith(".tmp") else name  # a killed writer's leftovers
    return base in owned or name == REPLACED


def _names(entries: list[str]) -> str:
    shown = ", ".join(sorted(entries)[:5])
    return shown + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")


@dataclass
class OutputClaim:
    """An output folder a command may write into; see the module docstring."""

    path: Path
    created: bool  # the folder did not exist before

    @property
    def replaced(self) -> Path:
        return self.path / REPLACED

    def commit(self) -> None:
        """The command succeeded: drop the earlier outputs it replaced."""
        shutil.rmtree(self.replaced, ignore_errors=True)

    def rollback(self) -> None:
        """The command failed: leave the folder as it was (but an interrupted screen's ``.partial/``)."""
        partial = self.path / PARTIAL
        keep_partial = (partial / "manifest.json").is_file()
        if self.created:
            if not keep_partial:
                shutil.rmtree(self.path, ignore_errors=True)
                return
            for entry in self.path.iterdir():
                if entry.name != PARTIAL:
                    _remove(entry)
            return
        if self.replaced.is_dir():
            for entry in self.replaced.iterdir():
                target = self.path / entry.name
                if entry.name == PARTIAL and keep_partial:
                    _remove(entry)  # the newer interrupted screen's chunks win
                    continue
                if target.exists():
                    _remove(target)
                os.replace(entry, target)
            shutil.rmtree(self.replaced, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _claim(out: str | os.PathLike, owned: frozenset[str], overwrite: bool, resumable: bool,
           what: str) -> OutputClaim:
    path = Path(out)
    if not path.is_dir():
        path.mkdir(parents=True)  # a file of that name: FileExistsError, worded by the CLI
        return OutputClaim(path, created=True)
    entries = [e for e in path.iterdir() if e.name != REPLACED]
    claim = OutputClaim(path, created=False)
    if not entries:
        return claim
    work_only = all(e.name == PARTIAL or e.name.endswith(".tmp") for e in entries)
    if not (resumable or overwrite or (work_only and PARTIAL in owned)):
        resume = ", --resume to continue an interrupted one," if what in ("screen", "run") else ""
        raise NesscanError(f"{path}: not empty (holds {_names([e.name for e in entries])}); pass --overwrite to "
                           f"replace the earlier {what}{resume} or choose another folder")
    foreign = [e.name for e in entries if not _owned(e.name, owned)]
    if foreign and not resumable:
        raise NesscanError(f"{path}: holds files nesscan did not write ({_names(foreign)}); --overwrite replaces "
                           f"only a folder of nesscan outputs: move them or choose another folder")
    shutil.rmtree(claim.replaced, ignore_errors=True)  # leftovers of a killed overwrite
    claim.replaced.mkdir()
    for entry in entries:
        if _owned(entry.name, owned) and not (resumable and entry.name in (PARTIAL, "log.txt")):
            os.replace(entry, claim.replaced / entry.name)
    return claim


def claim_screen_folder(out: str | os.PathLike, overwrite: bool = False, resume: bool = False) -> OutputClaim:
    """Take ``out`` for a screen (created when missing), by the rules of the module docstring.

    Raises
    ------
    FileExistsError
        ``out`` is a file.
    NesscanError
        ``out`` holds files and neither ``overwrite`` nor a resumable
        ``.partial/`` (``resume`` on a finished screen says so); or, with ``overwrite``,
        holds files nesscan did not write.
    """
    path = Path(out)
    resumable = resume and (path / PARTIAL / "manifest.json").is_file()
    if resume and not resumable and not overwrite and (path / "screen.json").is_file():
        raise NesscanError(f"{path}: already holds a finished screen (screen.json), no interrupted one to resume "
                           "(no .partial/); pass --overwrite instead of --resume to screen it again, or "
                           "choose another folder")
    return _claim(out, SCREEN_FILES, overwrite, resumable, "screen")


def claim_run_folder(out: str | os.PathLike, overwrite: bool = False, resume: bool = False) -> OutputClaim:
    """:func:`claim_screen_folder` for a ``nesscan run`` folder: ``resume`` keeps the run's
    screens (each resumes from its ``.partial/``) and log; everything else is redone."""
    path = Path(out)
    resumable = resume and (path / "run.json").is_file() or resume and (path / "screen").is_dir()
    if resumable:
        path.mkdir(parents=True, exist_ok=True)
        return OutputClaim(path, created=False)  # the screens keep their chunks; nothing moved
    return _claim(out, RUN_FILES, overwrite, False, "run")


def claim_mutate_folder(out: str | os.PathLike, overwrite: bool = False) -> OutputClaim:
    """:func:`claim_screen_folder` for a ``nesscan mutate`` folder (:data:`MUTATE_FILES`; nothing
    to resume)."""
    return _claim(out, MUTATE_FILES, overwrite, False, "variant run")


# ----------------------------------------------------------------------------- provenance


def sidecar(derived: str | os.PathLike) -> Path:
    """The provenance file of a derived file: ``structure.csv`` -> ``structure.json``."""
    return Path(derived).with_suffix(".json")


def write_provenance(derived: str | os.PathLike, candidates: str | os.PathLike, path: Path | None = None,
                     **extra) -> Path:
    """Record in a sidecar JSON the SHA-256 of the ``candidates.csv`` a file was derived from."""
    from nesscan.atomic import write_text
    from nesscan.hashing import sha256_file

    target = path or sidecar(derived)
    write_text(target, json.dumps({"derived": Path(derived).name, "candidates": str(Path(candidates).resolve()),
                                   "candidates_sha256": sha256_file(candidates), **extra}, indent=2) + "\n")
    return target


def derived_status(derived: str | os.PathLike, candidates: str | os.PathLike) -> str | None:
    """None when ``derived`` was derived from ``candidates`` as it is now, else why not (one line).

    Without a sidecar (a file from before provenance was recorded) the derived table's
    (accession, start, score) rows are compared with the candidates' instead.
    """
    from nesscan.hashing import sha256_file

    derived, candidates = Path(derived), Path(candidates)
    try:
        record = json.loads(sidecar(derived).read_text())
        recorded = record["candidates_sha256"]
    except FileNotFoundError:
        return _rows_differ(derived, candidates)
    except (OSError, ValueError, KeyError, TypeError):
        return f"{sidecar(derived).name} is unreadable"
    if not candidates.is_file():
        return f"no {candidates.name} beside it"
    if sha256_file(candidates) != recorded:
        return (f"{derived.name} was derived from an earlier {candidates.name} (SHA-256 differs); "
                f"rerun nesscan structure")
    return None


def _rows_differ(derived: Path, candidates: Path) -> str | None:
    import pandas as pd

    cols = ["accession", "start", "score"]
    try:
        a = pd.read_csv(derived, usecols=cols, keep_default_na=False)
        b = pd.read_csv(candidates, usecols=cols, keep_default_na=False)
    except (OSError, ValueError):
        return f"{derived.name} cannot be matched to {candidates.name}"
    key = lambda t: sorted(zip(t.accession.astype(str), t.start.astype(int), t.score.round(3)))  # noqa: E731
    if key(a) != key(b):
        return f"{derived.name} lists other candidates than {candidates.name}; rerun nesscan structure"
    return None


# ----------------------------------------------------------------------------- the screened FASTA


def find_fasta(screen_dir: str | os.PathLike, recorded: str | None, sha256: str | None) -> Path | None:
    """The screened FASTA of a screen folder: the path ``screen.json`` recorded (absolute, or
    relative to where the screen ran, or to the folder), else, when it moved, a file with the
    recorded SHA-256 in the screen folder or its parent (same name first)."""

    folder = Path(screen_dir)
    candidates: list[Path] = []
    if recorded:
        rec = Path(recorded)
        candidates += [rec] if rec.is_absolute() else [rec, folder / rec, folder.parent / rec]
    for c in candidates:
        if c.is_file() and (sha256 is None or _sha(c) == sha256):
            return c
    if sha256 is None:
        return None
    name = Path(recorded).name if recorded else None
    for where in (folder, folder.parent):
        files = sorted(p for p in where.iterdir() if p.is_file() and _fasta_like(p.name)) if where.is_dir() else []
        files.sort(key=lambda p: p.name != name)
        for f in files:
            if _sha(f) == sha256:
                return f
    return None


_FASTA_SUFFIXES = (".fasta", ".fa", ".faa", ".fas", ".fasta.gz", ".fa.gz", ".faa.gz", ".fas.gz")


def _fasta_like(name: str) -> bool:
    return name.lower().endswith(_FASTA_SUFFIXES)


_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def _sha(path: Path) -> str:
    from nesscan.hashing import sha256_file

    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]

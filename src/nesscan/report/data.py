"""Reading a run folder for the report (layout: :mod:`nesscan.report`).

Required: ``model/config.json`` and ``evaluation/metrics.json``; everything else is
optional and becomes None (or an empty list of screens) when absent. Window scores
are streamed (:mod:`nesscan.report.scores`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nesscan.errors import InputError, NesscanError
from nesscan.report.scores import ORIGINAL_THRESHOLD, Distribution, stream_windows

__all__ = ["ORIGINAL_THRESHOLD", "Distribution", "RunData", "ScoreGroup", "ScreenData", "load_run",
           "score_groups", "screen_group", "write_provenance"]


@dataclass(frozen=True)
class ScoreGroup:
    """One group of Figures 2 and 3: a screened proteome or a held-out example set.

    ``role`` is "target" (screened proteome), "control" (negative-control proteome),
    "heldout_neg" (held-out negative windows) or "heldout_pos" (held-out NES windows).
    """

    label: str
    role: str
    windows: Distribution | None = None
    proteins: Distribution | None = None  # max_score per protein
    calibrated: np.ndarray | None = None  # calibrated_score per protein, when screened with it


@dataclass(frozen=True)
class ScreenData:
    """One ``screen/<name>/`` folder.

    ``regions`` maps a threshold to the number of candidate regions (runs of
    overlapping windows scoring at or above it, as in :mod:`nesscan.screen.scan`) and
    ``region_proteins`` to the number of proteins holding at least one.
    """

    name: str
    path: Path
    candidates: pd.DataFrame
    proteins: pd.DataFrame
    windows: Distribution | None
    regions: dict[float, int] = field(default_factory=dict)
    region_proteins: dict[float, int] = field(default_factory=dict)
    fdr: dict[str, Any] | None = None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunData:
    """Everything the report reads from a run folder (optional parts are None)."""

    path: Path
    run: dict[str, Any]
    model: dict[str, Any]
    metrics: dict[str, Any]
    examples: pd.DataFrame | None
    split: pd.DataFrame | None
    predictions: pd.DataFrame | None
    cv: dict[str, Any] | None
    site: dict[str, Any] | None
    protein_level: dict[str, Any] | None
    screens: list[ScreenData]
    control: str | None  # name of the negative-control screen
    cargo: dict[str, Any] | None = None  # cv/cargo_metrics.json (:func:`nesscan.validate.cargo.cargo_metrics`)
    cargo_predictions: pd.DataFrame | None = None  # cv/cargo_predictions.tsv: out-of-fold scores per protein


def read_json(path: Path, required: bool = False) -> dict[str, Any] | None:
    """A JSON object from ``path``; None when absent (InputError if ``required``)."""
    if not path.is_file():
        if required:
            raise InputError(path, None, "missing: is this a folder written by `nesscan run`?")
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(path, None, "expected a JSON object")
    return data


def read_table(path: Path, sep: str = ",", required: bool = False) -> pd.DataFrame | None:
    """A CSV/TSV table; None when absent, InputError when unreadable."""
    if not path.is_file():
        if required:
            raise InputError(path, None, "missing")
        return None
    try:
        return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""], low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(path, None, f"unreadable table ({exc})") from None


def load_screen(path: Path, thresholds: list[float], window: int) -> ScreenData:
    """One screen folder (``candidates.csv`` and ``proteins.csv`` are required)."""
    cands = read_table(path / "candidates.csv", required=True)
    prots = read_table(path / "proteins.csv", required=True)
    wpath = path / "windows.parquet"
    dist, regions, region_proteins = (stream_windows(wpath, thresholds, window) if wpath.is_file()
                                      else (None, {}, {}))
    summary = (read_json(path / "screen.json") or {}).get("results", {})
    return ScreenData(name=path.name, path=path, candidates=cands, proteins=prots, windows=dist,
                      regions=regions, region_proteins=region_proteins,
                      fdr=read_json(path / "fdr.json"), summary=summary)


def pick_control(names: list[str], control: str | None) -> str | None:
    """The negative-control screen: ``control`` if given, else one named like E. coli."""
    if control is not None:
        if control not in names:
            raise NesscanError(f"control {control!r} is not a screen of this run "
                               f"(screens: {', '.join(names) or 'none'})")
        return control
    return next((n for n in names if "e.coli" in n.lower() or "ecoli" in n.lower()), None)


def load_run(run_dir: Path, control: str | None = None) -> RunData:
    """Read a run folder written by ``nesscan run`` (layout: :mod:`nesscan.report`).

    Raises
    ------
    NesscanError
        When ``run_dir`` is not a directory or its model/evaluation files are missing or bad.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise NesscanError(f"{run_dir}: not a directory (expected the output folder of `nesscan run`)")
    model = read_json(run_dir / "model" / "config.json", required=True)
    metrics = read_json(run_dir / "evaluation" / "metrics.json", required=True)
    if "scorers" not in metrics or "model" not in metrics["scorers"]:
        raise InputError(run_dir / "evaluation" / "metrics.json", None, "no 'scorers' -> 'model' metrics")
    window = int(model.get("window", 22))
    thresholds = sorted({ORIGINAL_THRESHOLD, float(model.get("threshold", ORIGINAL_THRESHOLD))})
    screen_root = run_dir / "screen"
    folders = sorted(p for p in screen_root.iterdir() if p.is_dir()) if screen_root.is_dir() else []
    folders = [p for p in folders if (p / "candidates.csv").is_file()]  # an unfinished screen has none
    screens = [load_screen(p, thresholds, window) for p in folders]
    chosen = pick_control([s.name for s in screens], control)
    screens.sort(key=lambda s: s.name == chosen)  # targets first, the control last
    return RunData(path=run_dir, run=read_json(run_dir / "run.json") or {}, model=model, metrics=metrics,
                   examples=read_table(run_dir / "model" / "examples.tsv", sep="\t"),
                   split=read_table(run_dir / "split.tsv", sep="\t"),
                   predictions=read_table(run_dir / "evaluation" / "predictions.tsv", sep="\t"),
                   cv=read_json(run_dir / "cv" / "metrics.json"), site=read_json(run_dir / "site.json"),
                   protein_level=read_json(run_dir / "protein_level.json"), screens=screens, control=chosen,
                   cargo=read_json(run_dir / "cv" / "cargo_metrics.json"),
                   cargo_predictions=read_table(run_dir / "cv" / "cargo_predictions.tsv", sep="\t"))


def proteome_label(name: str) -> str:
    """``UP000002311-S.cerevisiae`` -> ``S.cerevisiae (UP000002311)``; others unchanged."""
    head, sep, tail = name.partition("-")
    return f"{tail} ({head})" if sep and head.startswith("UP") and tail else name


def screen_group(s: ScreenData, control: str | None) -> ScoreGroup:
    """The group of Figures 2-3 of one screen: its window scores, its proteins' best window
    scores (proteins with status ``ok``) and calibrated scores; role "control" when it is ``control``."""
    ok = s.proteins[s.proteins["status"] == "ok"] if "status" in s.proteins else s.proteins
    maxs = pd.to_numeric(ok.get("max_score", pd.Series(dtype=float)), errors="coerce").dropna()
    cal = None
    if "calibrated_score" in ok:
        cal = pd.to_numeric(ok["calibrated_score"], errors="coerce").dropna().to_numpy(float)
    role = "control" if s.name == control else "target"
    label = proteome_label(s.name) + (" [negative control]" if role == "control" else "")
    return ScoreGroup(label=label, role=role, windows=s.windows,
                      proteins=Distribution.from_values(maxs) if len(maxs) else None, calibrated=cal)


def score_groups(data: RunData) -> list[ScoreGroup]:
    """Groups of Figures 2-3: targets, the control proteome, held-out negatives and NESs."""
    groups = [screen_group(s, data.control) for s in data.screens]
    p = data.predictions
    if p is not None and {"label", "source", "score"} <= set(p.columns):
        neg = p[(p.label == 0) & p.source.astype(str).str.startswith("mito")]
        pos = p[(p.label == 1) & (p.source == "nesdb")]
        if len(neg):
            groups.append(ScoreGroup("held-out mitochondrial windows", "heldout_neg",
                                     windows=Distribution.from_values(neg.score)))
        if len(pos):
            groups.append(ScoreGroup("held-out NESdb NES windows", "heldout_pos",
                                     windows=Distribution.from_values(pos.score)))
    return groups


def write_provenance(screens: list[ScreenData], out: Path) -> Path:
    """``report.json`` in the report folder ``out``: the SHA-256 of each screen's
    ``candidates.csv`` (and ``structure.csv``) the report read, so a report can be told from
    one of an earlier screen (:mod:`nesscan.screen.outputs`). Returns its path."""
    from nesscan.atomic import write_text
    from nesscan.hashing import sha256_file

    entries = {}
    for s in screens:
        entry = {}
        for name in ("candidates.csv", "structure.csv"):
            if (s.path / name).is_file():
                entry[name.replace(".csv", "_sha256")] = sha256_file(s.path / name)
        entries[s.name] = {"path": str(s.path.resolve()), **entry}
    write_text(out / "report.json", json.dumps({"screens": entries}, indent=2) + "\n")
    return out / "report.json"

"""A stored reference screen, compared within a stated tolerance on any machine.

38 human proteins (the first 30 of the assembled human set and 8 NESdb cargoes whose
best window scores >= 0.9) screened with the shipped default and with the former default
(the physchem Transformer, ``tests/models/physchem_transformer``). Two small tables in
``tests/reference/`` hold what was recorded, once, on one machine:

``screen_proteins.tsv``
    ``model``, ``accession``, ``n_windows``, ``max_score``, ``best_start`` (1-based),
    ``mean_score`` (over the protein's windows), ``cargo_probability`` and
    ``protein_score`` (the protein-level model's, empty for the Transformer: it has none).
``screen_windows.tsv``
    ``model``, ``accession``, ``start`` (1-based), ``score``: every window scoring >= 0.8,
    so every call (at 0.9 and at the model threshold) is in it.

:func:`compare` accepts another machine's screen when every score is within
:data:`nesscan.reproducibility.SCORE_TOLERANCE` of the reference and the calls are the
same, except windows within that tolerance of a threshold (ties). Re-record after a
deliberate change of a model or of the features (and say so in the commit)::

    python tests/reference_screen.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
REFERENCE = HERE / "reference"
TRANSFORMER = HERE / "models" / "physchem_transformer"
#: model name -> model directory (None: the shipped default)
MODELS: dict[str, Path | None] = {"default": None, "physchem_transformer": TRANSFORMER}
#: NESdb cargoes (p53, MDM2, IkBa, IRF5, IRF3, PINK1, ANP32B, AID) added to the first proteins
NES_PROTEINS = ("P04637", "Q00987", "P25963", "Q13568", "Q14653", "Q9BXM7", "Q92688", "Q9GZX7")
FIRST = 30
STORED_FROM = 0.8  # windows scoring at least this are stored one by one
CALLS = (0.9,)  # fixed thresholds whose calls are compared (beside each model's own)
LEVEL = ("cargo_probability", "protein_score")  # protein-level columns of proteins.csv


def reference_fasta(data_dir: Path, path: Path) -> Path:
    """Write the reference proteins (from the data folder's human set) as FASTA to ``path``."""
    first, wanted = [], {}
    record: list[str] = []

    def keep(lines: list[str]) -> None:
        acc = lines[0].split("|")[1]
        if len(first) < FIRST:
            first.append("".join(lines))
        elif acc in NES_PROTEINS:
            wanted[acc] = "".join(lines)

    with gzip.open(data_dir / "proteomes" / "human_swissprot_assembled.fasta.gz", "rt") as handle:
        for line in handle:
            if line.startswith(">") and record:
                keep(record)
                record = []
            record.append(line)
    if record:
        keep(record)
    missing = sorted(set(NES_PROTEINS) - set(wanted))
    if missing:
        raise ValueError(f"reference proteins missing from the human set: {missing}")
    path.write_text("".join(first) + "".join(wanted[a] for a in NES_PROTEINS))
    return path


def summarise(screen_dir: Path, model: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-protein summary and stored windows of a screen folder (``windows.parquet``)."""
    w = pd.read_parquet(screen_dir / "windows.parquet")
    w = w.assign(score=w.score.astype(np.float64))
    g = w.groupby("accession", sort=False)
    best = w.loc[g.score.idxmax()].set_index("accession")
    proteins = pd.DataFrame({"model": model, "accession": list(g.groups), "n_windows": g.size().to_numpy(),
                             "max_score": g.score.max().to_numpy(), "mean_score": g.score.mean().to_numpy()})
    proteins["best_start"] = proteins.accession.map(best.start).astype(int)
    level = pd.read_csv(screen_dir / "proteins.csv").set_index("accession")
    for col in LEVEL:
        proteins[col] = proteins.accession.map(level[col]).astype(float)
    windows = w.loc[w.score >= STORED_FROM, ["accession", "start", "score"]].assign(model=model)
    return (proteins[["model", "accession", "n_windows", "max_score", "best_start", "mean_score", *LEVEL]],
            windows[["model", "accession", "start", "score"]].reset_index(drop=True))


def read_reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored tables."""
    return (pd.read_csv(REFERENCE / "screen_proteins.tsv", sep="\t"),
            pd.read_csv(REFERENCE / "screen_windows.tsv", sep="\t"))


def compare(screen_dir: Path, model: str, threshold: float, tol: float) -> list[str]:
    """Differences of a screen from the reference beyond ``tol`` (empty when it agrees).

    Scores (per stored window, per protein maximum and mean, the protein-level scores) must
    be within ``tol``; the
    windows at or above each of :data:`CALLS` and ``threshold`` must be the reference's,
    except windows within ``tol`` of that threshold; the best window must be the
    reference's unless another window of the protein is within ``tol`` of it.
    """
    ref_p, ref_w = (t[t.model == model] for t in read_reference())
    got_p, _ = summarise(screen_dir, model)
    w = pd.read_parquet(screen_dir / "windows.parquet")
    w = w.assign(score=w.score.astype(np.float64)).set_index(["accession", "start"]).score
    problems = []
    got_p = got_p.set_index("accession")
    if set(got_p.index) != set(ref_p.accession):
        return [f"{model}: proteins differ from the reference"]
    for row in ref_p.itertuples():
        mine = got_p.loc[row.accession]
        if mine.n_windows != row.n_windows:
            problems.append(f"{model} {row.accession}: {mine.n_windows} windows, reference {row.n_windows}")
        for col in ("max_score", "mean_score", *LEVEL):
            if np.isnan(getattr(row, col)) != np.isnan(mine[col]) or abs(mine[col] - getattr(row, col)) > tol:
                problems.append(f"{model} {row.accession}: {col} {mine[col]:.9f}, reference {getattr(row, col):.9f}")
        if mine.best_start != row.best_start and abs(w.get((row.accession, row.best_start), -1) - mine.max_score) > tol:
            problems.append(f"{model} {row.accession}: best window at {mine.best_start}, reference {row.best_start}")
    ref = ref_w.set_index(["accession", "start"]).score
    mine = w.reindex(ref.index)
    off = (mine - ref).abs() > tol
    problems += [f"{model} {a} window {s}: score {mine[(a, s)]:.9f}, reference {ref[(a, s)]:.9f}"
                 for a, s in ref.index[off.to_numpy()]]
    for cut in (*CALLS, threshold):
        tie = (ref - cut).abs() <= tol
        called_ref = set(ref.index[(ref >= cut) & ~tie])
        called = set(w.index[(w >= cut) & ((w - cut).abs() > tol)])
        tied = set(ref.index[tie])
        for key in sorted((called ^ called_ref) - tied):
            problems.append(f"{model} {key[0]} window {key[1]}: call at {cut:.3f} differs from the reference")
    return problems


def record(data_dir: Path) -> None:
    """Screen the reference proteins with each model and write the two tables."""
    import tempfile

    from nesscan import pipeline

    proteins, windows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        fasta = reference_fasta(data_dir, Path(tmp) / "reference.fasta")
        for name, model in MODELS.items():
            out = Path(tmp) / name
            pipeline.screen(fasta, out, model, workers=1)
            p, w = summarise(out, name)
            proteins.append(p)
            windows.append(w)
    REFERENCE.mkdir(exist_ok=True)
    pd.concat(proteins).to_csv(REFERENCE / "screen_proteins.tsv", sep="\t", index=False, float_format="%.9f")
    pd.concat(windows).to_csv(REFERENCE / "screen_windows.tsv", sep="\t", index=False, float_format="%.9f")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Record the reference screen (tests/reference/*.tsv).")
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    record(ap.parse_args().data)

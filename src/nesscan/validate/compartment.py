"""Training and checking the compartment gate (:mod:`nesscan.localisation.model`).

:func:`train_compartment` reads the MultiLoc set from a data folder, clusters it by
homology (MMseqs2, 30% identity) together with the NESdb parents and the cargo table's
proteins, and sets aside every MultiLoc protein that shares a cluster with one of them,
so that the checks on NESdb and on the cargo table are on proteins the gate never saw a
homologue of. It then measures the gate out of fold (outer folds of whole clusters, each
fold's cut-offs chosen inside its training proteins), fits the final gate on every kept
protein, and checks it on proteins with known biology:

* NESdb parents (CRM1 cargoes whose export was shown by experiment): how many the gate
  sets aside, and which;
* the cargo table (Kirli et al. 2015): cargo and non-binders flagged, and the proteins the
  authors flagged ``TM`` / ``ER`` / ``MT``;
* the mitochondrial protein set of the window model's negatives.

The report is written as ``compartment_metrics.json`` beside the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from nesscan.records import Protein

MULTILOC_DIR = "localisation/multiloc"


def _rates(frame: pd.DataFrame) -> dict[str, Any]:
    """Share of proteins per predicted compartment, and set aside in all."""
    n = len(frame)
    out: dict[str, Any] = {"n": int(n), "set_aside": float((frame.compartment != "nucleocytoplasmic").mean())
                           if n else None}
    for c in ("membrane", "secretory", "mitochondrial"):
        out[c] = float((frame.compartment == c).mean()) if n else None
    return out


def _by_group(frame: pd.DataFrame, groups: dict[str, np.ndarray]) -> dict[str, Any]:
    return {name: _rates(frame[mask]) for name, mask in groups.items()}


def train_compartment(data: str | Path, out_dir: str | Path, seed: int = 0, budget: float = 0.01,
                      outer_folds: int = 5, log: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """Fit, check and save the compartment gate (module docstring); returns the report.

    Raises
    ------
    NesscanError
        The data folder has no MultiLoc set, or a tool (MMseqs2, TopPred) is missing.
    """
    from sklearn.model_selection import GroupKFold

    from nesscan.atomic import write_text
    from nesscan.dataset.prepare import MITO_FILE, NESDB_FILE
    from nesscan.dataset.split import cluster_proteins
    from nesscan.errors import NesscanError
    from nesscan.io import nesdb_proteins, read_mito, read_nesdb
    from nesscan.io.cargo import CARGO_FILE, read_cargo
    from nesscan.io.multiloc import read_multiloc
    from nesscan.localisation.model import fit_compartment_model, training_labels
    from nesscan.localisation.toppred import toppred_segments

    root, out = Path(data), Path(out_dir)
    if not (root / MULTILOC_DIR).is_dir():
        raise NesscanError(f"{root}: no MultiLoc set ({MULTILOC_DIR}/) to train the compartment gate on")
    multiloc = read_multiloc(root / MULTILOC_DIR)
    nesdb = read_nesdb(root / NESDB_FILE) if (root / NESDB_FILE).is_file() else []
    parents = nesdb_proteins(nesdb)
    human_parents = {p.accession for p in parents if "sapiens" in p.organism.lower() or p.organism.lower() == "human"}
    cargo = read_cargo(root / CARGO_FILE) if (root / CARGO_FILE).is_file() else None
    mito = read_mito(root / MITO_FILE) if (root / MITO_FILE).is_file() else []
    pool: dict[str, Protein] = {f"ml{i}": Protein(f"ml{i}", s) for i, s in enumerate(multiloc.sequence)}
    pool.update({f"nesdb{i}": p for i, p in enumerate(parents)})
    if cargo is not None:
        pool.update({f"cargo{i}": p for i, p in enumerate(cargo.proteins.values())})
    clusters = cluster_proteins(pool).set_index("accession").cluster
    checked = set(clusters[[k for k in pool if not k.startswith("ml")]])
    cl = clusters[[f"ml{i}" for i in range(len(multiloc))]].to_numpy()
    keep = ~np.isin(cl, list(checked))
    log(f"compartment gate: {len(multiloc)} MultiLoc proteins, {int((~keep).sum())} set aside as homologues "
        f"of NESdb parents or cargo-table proteins")
    ml = multiloc[keep].reset_index(drop=True)
    groups = cl[keep]
    labels = training_labels(ml)
    segments = toppred_segments(list(ml.sequence))

    # outer cross-validation: every cut-off chosen inside the outer training folds
    held = pd.DataFrame(index=range(len(ml)), columns=["compartment"], dtype=object)
    for k, (tr, te) in enumerate(GroupKFold(outer_folds, shuffle=True, random_state=seed).split(ml, groups=groups)):
        model = fit_compartment_model([ml.sequence[i] for i in tr], labels.iloc[tr].reset_index(drop=True),
                                      groups[tr], [segments[i] for i in tr], budget=budget, seed=seed)
        pred = model.predict([ml.sequence[i] for i in te], [segments[i] for i in te])
        held.loc[te, "compartment"] = pred.compartment.to_numpy()
        for col in ("signal_peptide", "mito_presequence"):
            held.loc[te, col] = pred[col].to_numpy()
        log(f"compartment gate: outer fold {k + 1}/{outer_folds} done")
    sig, comp = ml.signal.to_numpy(), ml.compartment.to_numpy()
    by_class = {
        "nuclear": (comp == "nuclear") & (sig == ""), "cytoplasmic": (comp == "cytoplasmic") & (sig == ""),
        "peroxisomal": comp == "peroxisomal", "mitochondrial (mTP)": sig == "mTP",
        "signal peptide (SP)": sig == "SP", "signal anchor (SA)": sig == "SA",
        "plasma membrane": comp == "plasma_membrane", "extracellular": comp == "extracellular",
        "ER": comp == "ER", "Golgi": comp == "Golgi", "lysosomal": comp == "lysosomal",
        "chloroplast (cTP)": sig == "cTP",
    }
    report: dict[str, Any] = {
        "training_set": "MultiLoc (Höglund et al. 2006), homologues of NESdb parents and cargo-table proteins removed",
        "multiloc_proteins": int(len(multiloc)), "set_aside_homologues": int((~keep).sum()),
        "budget": budget, "outer_folds": outer_folds, "seed": seed,
        "out_of_fold": _by_group(held, by_class),
    }
    from sklearn.metrics import roc_auc_score

    for col, target in (("signal_peptide", "secretory"), ("mito_presequence", "mitochondrial")):
        y = labels[target].to_numpy(float)
        ok = np.isfinite(y)
        report["out_of_fold"][f"{col}_auc"] = float(roc_auc_score(y[ok], held[col].to_numpy(float)[ok]))
    final = fit_compartment_model(list(ml.sequence), labels, groups, segments, budget=budget, seed=seed, log=log)
    checks: dict[str, Any] = {}
    if parents:
        pred = final.predict([p.sequence for p in parents])
        hum = np.array([p.accession in human_parents for p in parents])
        checks["nesdb_parents"] = _rates(pred)
        checks["nesdb_human_parents"] = _rates(pred[hum])
        checks["nesdb_parents_set_aside"] = [
            {"accession": p.accession, "entry_name": p.entry_name, "organism": p.organism, "compartment": c,
             "tm_helices": int(t), "signal_peptide": round(float(s), 3), "mito_presequence": round(float(m), 3)}
            for p, c, t, s, m in zip(parents, pred.compartment, pred.tm_helices, pred.signal_peptide,
                                      pred.mito_presequence) if c != "nucleocytoplasmic"]
    if cargo is not None:
        t = cargo.table
        pred = final.predict([cargo.proteins[a].sequence for a in t.accession])
        flags = t["flags"].fillna("").astype(str)
        checks["cargo_table"] = _by_group(pred, {
            "cargo": (t.label == 1).to_numpy(), "non_binders": (t.label == 0).to_numpy(),
            "no_author_flag": (flags == "").to_numpy(),
            "author_flag_TM": flags.str.contains("TM").to_numpy(),
            "author_flag_ER": flags.str.contains("ER").to_numpy(),
            "author_flag_MT": flags.str.contains("MT").to_numpy()})
    if mito:
        checks["mitochondrial_negatives"] = _rates(final.predict([p.sequence for p in mito]))
    report["checks"] = checks
    report["selection"] = final.selection
    out.mkdir(parents=True, exist_ok=True)
    final.save(out)
    write_text(out / "compartment_metrics.json", json.dumps(report, indent=2) + "\n")
    return report


def train_and_log(data: str | Path, model_dir: str | Path, seed: int = 0,
                  log: Callable[[str], None] = lambda msg: None) -> Path:
    """:func:`train_compartment`, then one log line of its out-of-fold rates; returns ``model_dir``."""
    report = train_compartment(data, model_dir, seed=seed, log=log)
    oof = report["out_of_fold"]
    log(f"compartment gate: out of fold, {oof['nuclear']['set_aside']:.1%} of nuclear and "
        f"{oof['cytoplasmic']['set_aside']:.1%} of cytoplasmic proteins set aside; "
        f"{oof['plasma membrane']['set_aside']:.1%} of plasma-membrane, {oof['extracellular']['set_aside']:.1%} of "
        f"extracellular and {oof['mitochondrial (mTP)']['set_aside']:.1%} of mitochondrial")
    return Path(model_dir)


def with_gate(data: str | Path, model_dir: str | Path, seed: int = 0,
              log: Callable[[str], None] = lambda msg: None) -> Path:
    """Add the compartment gate to a freshly trained model directory when ``data`` has the
    MultiLoc set (:func:`train_and_log`); returns ``model_dir`` either way."""
    if (Path(data) / MULTILOC_DIR).is_dir():
        train_and_log(data, model_dir, seed, log)
    return Path(model_dir)

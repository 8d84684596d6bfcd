"""The mutant design and the per-residue importance of ``nesscan.design`` against NESdb's experiments.

Two checks, each printed as a table and written to ``OUT/design_check.json``:

**designs**: for every precise NESdb NES (``known_nes.tsv`` of the shipped model: ranges of at most
22 residues, doubtful ones left out)
that the shipped model calls today in its own protein (the protein alone through the model, as
``nesscan predict ACC`` calls it; a called candidate window hits the NES range, 8 residues shared or
all of a shorter range), :func:`nesscan.design.design_dead_mutant` with its defaults (anchors to
alanine, at most 3 substitutions, cargo probability within 0.05): the share with a design that takes
the NES below the call and creates no new call, and the share with a control. Target: >= 90%.

**ranking**: do the residues whose mutation NESdb reports to affect export (``Mutations That Affect
Nuclear Export``, ranges of at most ``--max-mutation-span`` residues: longer ones are deletions)
get a larger importance than the other residues of the same NES windows (the centred 22-residue
window of each precise NES, ``examples.tsv``)? Importance = the drop of the NES's best window score
when the residue is changed to alanine (:func:`nesscan.design.alanine_scan`; 0 for an alanine),
**out of fold**: the examples are split into ``--folds`` folds of whole MMseqs2 homology clusters
(:func:`nesscan.validate.cv.cluster_folds`, the model's own clusters) and each fold's NESs are
scanned by a window model refit on the other folds (:func:`nesscan.model.select.refit_window_model`
with the shipped model's chosen hyper-parameters: no selection inside the fold; no protein-level
model, so the call factor is 1). Baselines: ``hydrophobic`` (L/I/V/F/M = 1) and ``anchor`` (the
four anchors of the NES's Kosugi consensus match, :func:`nesscan.design.scan.target_anchors`, = 1).
Reported: pooled AUC over all residues, the median over NESs of the per-NES AUC (NESs with both
kinds of residue), and the paired bootstrap over NESs (``--n-boot``) of the difference importance
minus baseline for both. Target: above both baselines with the interval above zero.

Usage::

    python bench/design_check.py [--data ../shared/data] [-o bench_out/design_check] [--limit N]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

WINDOW = 22


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC with ties counted half (NaN without both classes)."""
    from scipy.stats import rankdata

    y = np.asarray(y, bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


# ------------------------------------------------------------------------------ designs


def check_designs(model, proteins: dict, known: pd.DataFrame, limit: int | None, log) -> dict:
    from nesscan.design import design_dead_mutant
    from nesscan.design.rescore import Rescorer

    rows, t0 = [], time.time()
    nes = known[~known.doubtful.astype(bool) & (known.end_1b - known.start_1b + 1 <= WINDOW)].reset_index(drop=True)
    nes = nes[nes.accession.isin(proteins)]
    if limit:
        nes = nes.iloc[:limit]
    for i, r in enumerate(nes.itertuples()):
        p = proteins[r.accession]
        if len(p.sequence) < model.window:
            continue
        wt = Rescorer(model, p, int(r.start_1b), int(r.end_1b)).wild_type
        row = {"accession": r.accession, "start": int(r.start_1b), "end": int(r.end_1b), "called": wt.called}
        if wt.called:
            d = design_dead_mutant(p, int(r.start_1b), int(r.end_1b), model)
            row.update(designed=d.designed is not None, control=d.control is not None, note=d.note,
                       n_substitutions=len(d.designed.substitutions) if d.designed else None,
                       substitutions=d.designed.hgvs if d.designed else "",
                       control_substitutions=d.control.hgvs if d.control else "", mutants_scored=d.mutants_scored)
        rows.append(row)
        if (i + 1) % 25 == 0:
            log(f"designs: {i + 1}/{len(nes)} NESs ({time.time() - t0:.0f} s)")
    table = pd.DataFrame(rows)
    called = table[table.called]
    return {"nes_scored": int(len(table)), "nes_called": int(len(called)),
            "designed": int(called.designed.sum()), "designed_share": float(called.designed.mean()),
            "with_control": int(called.control.sum()),
            "substitutions": {str(k): int(v) for k, v in called.n_substitutions.value_counts().sort_index().items()},
            "seconds": round(time.time() - t0, 1), "rows": called.to_dict("records")}


# ------------------------------------------------------------------------------ ranking


def mutated_residues(nesdb_csv: Path, max_span: int) -> dict[str, set[int]]:
    """Accession -> 1-based residues in NESdb ranges ``Mutations That Affect Nuclear Export`` of at
    most ``max_span`` residues."""
    from nesscan.io.fasta import parse_header

    table = pd.read_csv(nesdb_csv)
    out: dict[str, set[int]] = {}
    for header, text in zip(table["Fasta Header"], table["Mutations That Affect Nuclear Export"]):
        acc = parse_header(header).accession
        for item in ast.literal_eval(text) if isinstance(text, str) else []:
            a, b = (int(x) for x in str(item).split("-"))
            if b - a + 1 <= max_span:
                out.setdefault(acc, set()).update(range(a, b + 1))
    return out


def nes_windows(examples: pd.DataFrame, mutated: dict[str, set[int]]) -> pd.DataFrame:
    """The centred window of each precise NESdb NES with a reported export-affecting residue in it."""
    pos = examples[(examples.source == "nesdb") & examples.centred.astype(bool)].drop_duplicates(["accession", "start"])
    keep = [any(p in mutated.get(a, ()) for p in range(s + 1, s + WINDOW + 1)) for a, s in zip(pos.accession, pos.start)]
    return pos[keep].reset_index(drop=True)


def fold_models(examples: pd.DataFrame, proteins: dict, config, k: int, seed: int, log):
    """Fold index of each example and, per fold, a Predictor refit without the fold's clusters."""
    from nesscan.features import Featurizer
    from nesscan.model.select import refit_window_model
    from nesscan.predictor import Predictor, Runtime
    from nesscan.validate.cv import cluster_folds

    folds = cluster_folds(examples, k, seed)
    runtime = Runtime()
    base = Featurizer(config.features, runtime, config.window)
    models = []
    for f in range(k):
        t0 = time.time()
        fz, module = refit_window_model(examples[folds != f], proteins, base, config.classifier["chosen"], seed)
        models.append(Predictor(config, runtime, module, featurizer=fz))
        log(f"fold {f + 1}/{k} refit in {time.time() - t0:.0f} s")
    return folds, models


def importance_rows(windows: pd.DataFrame, model_of, proteins: dict, mutated: dict, log) -> pd.DataFrame:
    """One row per residue of each window: labels, importance and the two baselines."""
    from nesscan.design.rescore import Rescorer
    from nesscan.design.scan import scan_rows, target_anchors

    rows, t0 = [], time.time()
    for i, w in enumerate(windows.itertuples()):
        p = proteins[w.accession]
        s, e = (int(x) for x in w.range_1b.split("-"))
        model = model_of(i)
        r = Rescorer(model, p, s, e)
        lo, hi = int(w.start) + 1, int(w.start) + WINDOW
        scan = scan_rows(r, range(lo, hi + 1), "A").set_index("position")
        anchors = set(target_anchors(p.sequence, s, e, r.wild_type.best_start, model.window))
        for pos in range(lo, hi + 1):
            aa = p.sequence[pos - 1]
            rows.append({"nes": i, "accession": w.accession, "range": w.range_1b, "position": pos, "residue": aa,
                         "label": pos in mutated[w.accession], "importance": float(-scan.delta.get(pos, 0.0)),
                         "hydrophobic": float(aa in "LIVFM"), "anchor": float(pos in anchors)})
        if (i + 1) % 20 == 0:
            log(f"ranking: {i + 1}/{len(windows)} NES windows scanned ({time.time() - t0:.0f} s)")
    return pd.DataFrame(rows)


CANDIDATES = ("importance", "hydrophobic_then_importance")
"""Scorers compared with the baselines: the importance, and (post hoc, after the first run showed
the importance alone below both baselines) hydrophobic residues first, ties broken by importance."""
BASELINES = ("hydrophobic", "anchor")


def ranking_metrics(res: pd.DataFrame, n_boot: int, seed: int) -> dict:
    res = res.assign(hydrophobic_then_importance=10 * res.hydrophobic + res.importance)
    scorers = [*CANDIDATES, *BASELINES]
    groups = [g for _, g in res.groupby("nes")]
    y_all = [g.label.to_numpy() for g in groups]
    s_all = {s: [g[s].to_numpy() for g in groups] for s in scorers}

    def pooled(idx, s):
        return auc(np.concatenate([y_all[i] for i in idx]), np.concatenate([s_all[s][i] for i in idx]))

    per = {s: np.array([auc(y, v) for y, v in zip(y_all, s_all[s])]) for s in scorers}
    both = np.isfinite(per["importance"])
    every = np.arange(len(groups))
    hyd, other = res[res.hydrophobic == 1], res[res.hydrophobic == 0]
    anchor_median = res[res.anchor == 1].groupby("nes").importance.median()
    strong = other[other.importance >= other.nes.map(anchor_median)]
    out: dict = {"n_nes": len(groups), "n_nes_both_classes": int(both.sum()), "n_residues": int(len(res)),
                 "n_export_affecting": int(res.label.sum()),
                 "within_hydrophobic_auc": {s: auc(hyd.label, hyd[s]) for s in ("importance", "anchor")},
                 "within_non_hydrophobic_auc": {"importance": auc(other.label, other.importance)},
                 "non_hydrophobic_at_or_above_median_anchor": {
                     "residues": int(len(strong)), "of": int(len(other)),
                     "by_residue": {k: int(v) for k, v in strong.residue.value_counts().items()}}}
    for s in scorers:
        out[s] = {"pooled_auc": pooled(every, s), "per_nes_median_auc": float(np.nanmedian(per[s][both])),
                  "per_nes_mean_auc": float(np.nanmean(per[s][both]))}
    rng = np.random.default_rng(seed)
    boot = {(c, b, k): [] for c in CANDIDATES for b in BASELINES for k in ("pooled", "median")}
    with_both = np.flatnonzero(both)
    for _ in range(n_boot):  # the same resampled NESs for every scorer: paired
        idx = rng.integers(0, len(groups), len(groups))
        sub = with_both[rng.integers(0, len(with_both), len(with_both))]
        p = {s: pooled(idx, s) for s in scorers}
        m = {s: np.median(per[s][sub]) for s in scorers}
        for c in CANDIDATES:
            for b in BASELINES:
                boot[(c, b, "pooled")].append(p[c] - p[b])
                boot[(c, b, "median")].append(m[c] - m[b])
    for (c, b, kind), v in boot.items():
        key = "pooled_auc" if kind == "pooled" else "per_nes_median_auc"
        out[f"{c}_minus_{b}_{kind}"] = {"diff": float(out[c][key] - out[b][key]),
                                        "lo": float(np.quantile(v, 0.025)), "hi": float(np.quantile(v, 0.975))}
    return out


def format_ranking(m: dict, title: str) -> str:
    lines = [f"{title}: {m['n_nes']} NES windows ({m['n_nes_both_classes']} with both kinds of residue), "
             f"{m['n_residues']} residues, {m['n_export_affecting']} export-affecting",
             "| scorer | pooled AUC | per-NES median AUC | pooled minus hydrophobic | pooled minus anchor "
             "| median minus hydrophobic | median minus anchor |", "|---|---|---|---|---|---|---|"]
    for s in (*CANDIDATES, *BASELINES):
        d = ["", "", "", ""] if s in BASELINES else [
            "{diff:+.3f} [{lo:+.3f}, {hi:+.3f}]".format(**m[f"{s}_minus_{b}_{k}"])
            for k in ("pooled", "median") for b in BASELINES]
        lines.append(f"| {s} | {m[s]['pooled_auc']:.3f} | {m[s]['per_nes_median_auc']:.3f} | " + " | ".join(d) + " |")
    w, o, k = m["within_hydrophobic_auc"], m["within_non_hydrophobic_auc"], m["non_hydrophobic_at_or_above_median_anchor"]
    lines.append(f"among L/I/V/F/M residues only: importance {w['importance']:.3f}, anchor {w['anchor']:.3f}; "
                 f"among the others: importance {o['importance']:.3f}; {k['residues']} of the {k['of']} others drop "
                 f"the score at least as much as their NES's median anchor")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("-o", "--out", default="bench_out/design_check")
    ap.add_argument("--checks", default="designs,ranking", help="designs, ranking or both (default)")
    ap.add_argument("--limit", type=int, help="the first N NESs of each check only (a quick look)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--max-mutation-span", type=int, default=4)
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--in-sample", action="store_true", help="also rank with the shipped model (not out of fold)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from-residues", metavar="CSV",
                    help="recompute the ranking metrics from a ranking_residues.csv of an earlier run (no scoring)")
    args = ap.parse_args()
    if args.from_residues:
        res = pd.read_csv(args.from_residues)
        print(format_ranking(ranking_metrics(res, args.n_boot, args.seed), f"ranking from {args.from_residues}"))
        return

    from nesscan.dataset.prepare import NESDB_FILE, training_proteins
    from nesscan.predictor import Predictor

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = Predictor.load()
    proteins = training_proteins(data, model.config)
    examples = pd.read_csv(model.path / "examples.tsv", sep="\t")
    result: dict = {"model": {"path": model.path.name, "weights_sha256": model.config.weights_sha256},
                    "args": vars(args)}
    checks = set(args.checks.split(","))
    if "designs" in checks:
        d = check_designs(model, proteins, model.known_nes, args.limit, log)
        result["designs"] = d
        print(f"designs: {d['designed']} of the {d['nes_called']} NESdb NESs called today ({100 * d['designed_share']:.1f}%) "
              f"have a design of <= 3 substitutions below the call with no new call (sizes {d['substitutions']}); "
              f"{d['with_control']} with a control; {d['nes_scored']} NESs scored, {d['seconds']} s")
    if "ranking" in checks:
        mutated = mutated_residues(data / NESDB_FILE, args.max_mutation_span)
        windows = nes_windows(examples, mutated)
        if args.limit:
            windows = windows.iloc[:args.limit]
        t0 = time.time()
        folds, models = fold_models(examples, proteins, model.config, args.folds, args.seed, log)
        fold_of = dict(zip(zip(examples.accession, examples.start), folds))
        res = importance_rows(windows, lambda i: models[fold_of[(windows.accession[i], windows.start[i])]],
                              proteins, mutated, log)
        res.to_csv(out / "ranking_residues.csv", index=False)
        m = ranking_metrics(res, args.n_boot, args.seed)
        single = mutated_residues(data / NESDB_FILE, 1)
        m1 = ranking_metrics(res.assign(label=[p in single.get(a, ()) for a, p in zip(res.accession, res.position)])
                             .groupby("nes").filter(lambda g: g.label.any()), args.n_boot, args.seed)
        m["seconds"], m1["note"] = round(time.time() - t0, 1), "labels: single-residue mutation ranges only"
        result["ranking_out_of_fold"], result["ranking_single_residue"] = m, m1
        print(format_ranking(m, f"ranking, out of fold ({args.folds} folds by homology cluster)"))
        print(format_ranking(m1, "ranking, out of fold, single-residue mutations only"))
        if args.in_sample:
            res_in = importance_rows(windows, lambda i: model, proteins, mutated, log)
            result["ranking_in_sample"] = mi = ranking_metrics(res_in, args.n_boot, args.seed)
            print(format_ranking(mi, "ranking, shipped model (in sample)"))
    (out / "design_check.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    log(f"-> {out / 'design_check.json'}")


if __name__ == "__main__":
    main()

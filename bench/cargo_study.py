"""Which whole-protein features separate CRM1 cargo from non-binders (Kirli et al. 2015)?

Labels: :func:`nesscan.io.read_cargo` (Cargo A/B/Low Abundant = 1, Non-binder = 0; one row
per human accession). Every labelled protein is clustered with the NESdb parents by
:func:`nesscan.dataset.split.cluster_proteins` (MMseqs2, 30% identity, 50% coverage); outer CV:
5 folds of whole clusters (``StratifiedGroupKFold``, seeded); inside each outer training part an
inner 3-fold grouped CV picks the logistic regression's C, the gradient-boosting settings and the
family (logistic, GBM, or their mean) for the "nested" score. Reported per feature set: pooled
out-of-fold ROC AUC with a 95% stratified bootstrap CI (proteins resampled within class), AUC
within length quartiles, the paired bootstrap difference against composition + log length (same
resampled proteins), Cargo A vs non-binders, proteins without an MT/ER/TM flag, proteins detected
in the input (within tertiles of input abundance), and every set without the shipped window model's
training proteins (NESdb parents and mitochondrial negatives) or their homologues. No input is
derived from the experiment's measurements; abundance and partition are only used to stratify the
evaluation and as correlations.

Usage::

    python bench/cargo_study.py --data ../shared/data -o /tmp/cargo_study [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cargo_features as cf  # noqa: E402

LR_GRID = [{"C": c} for c in (0.001, 0.01, 0.1, 1.0)]
GBM_GRID = [{"learning_rate": 0.05, "max_depth": 2, "max_iter": 300},
            {"learning_rate": 0.05, "max_depth": 3, "max_iter": 200},
            {"learning_rate": 0.1, "max_leaf_nodes": 8, "max_iter": 100, "l2_regularization": 1.0}]
BASE, REF2 = "comp+len", "+b+c"
#: Feature set -> groups (see bench/cargo_features.py).
SETS = {
    "length": ["loglen"],
    "composition": ["composition"],
    BASE: ["composition", "loglen"],
    "+dipeptide (a)": ["composition", "loglen", "dipeptide"],
    "+reduced 3-mers (a)": ["composition", "loglen", "reduced3"],
    "+disorder/pLDDT (b)": ["composition", "loglen", "disorder"],
    "+charge/hydro (c)": ["composition", "loglen", "charge"],
    "+consensus only (d, no model)": ["composition", "loglen", "consensus"],
    "+NES window model (d)": ["composition", "loglen", "window", "consensus"],
    REF2: ["composition", "loglen", "disorder", "charge"],
    "+b+c+d": ["composition", "loglen", "disorder", "charge", "window", "consensus"],
    "all (a+b+c+d)": ["composition", "loglen", "dipeptide", "reduced3", "disorder", "charge", "window",
                      "consensus"],
    "all but d": ["composition", "loglen", "dipeptide", "reduced3", "disorder", "charge"],
}
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:6.0f} s] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data
def clusters_of(proteins: dict, cache: Path) -> dict[str, str]:
    """Accession -> MMseqs2 cluster (30% identity, 50% coverage), cached by content."""
    key = hashlib.sha1("".join(f">{a}\n{p.sequence}\n" for a, p in sorted(proteins.items())).encode()).hexdigest()
    path = cache / f"clusters-{key[:16]}.tsv"
    if path.exists():
        table = pd.read_csv(path, sep="\t", dtype=str)
    else:
        from nesscan.dataset.split import cluster_proteins

        log(f"MMseqs2 on {len(proteins)} proteins")
        table = cluster_proteins(proteins, threads=1)
        cache.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, sep="\t", index=False)
    return dict(zip(table.accession, table.cluster))


def load(data: Path, cache: Path):
    """The labelled table with its homology cluster and leakage / abundance flags."""
    from nesscan.io import nesdb_proteins, read_cargo, read_mito, read_nesdb
    from nesscan.io.cargo import CARGO_FILE
    from nesscan.predictor import Predictor

    cargo = read_cargo(data / CARGO_FILE)
    parents = nesdb_proteins(read_nesdb(data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv"))
    mito = read_mito(data / "negatives" / "mitochondrial_proteins.csv")
    union = {p.accession: p for p in parents}
    union.update(cargo.proteins)  # the cargo table's human sequence wins for shared accessions
    cluster_of = clusters_of(union, cache)
    # the shipped window model's training proteins (NESdb parents, mitochondrial negatives) and
    # their homologues: a second clustering that also holds the mitochondrial proteins
    trained = set(pd.read_csv(Predictor.load().path / "examples.tsv", sep="\t", usecols=["accession"]).accession)
    wide = {p.accession: p for p in [*parents, *mito]}
    wide.update(cargo.proteins)
    wide_of = clusters_of(wide, cache)
    trained_clusters = {wide_of[a] for a in trained if a in wide_of}
    nesdb = {p.accession for p in parents}
    # the commonest input molar fraction (0.025088 ppm, 584 of 3,347 sheet rows) is a placeholder for
    # "not quantified in the input"; a few rows sit below it (0 to 0.022)
    floor = float(cargo.table.input_fraction_ppm.mode().iloc[0])
    t = cargo.table.assign(cluster=lambda d: d.accession.map(cluster_of),
                           nesdb=lambda d: d.accession.isin(nesdb),
                           wm_train=lambda d: d.accession.isin(trained),
                           wm_homolog=lambda d: d.accession.map(wide_of).isin(trained_clusters),
                           detected=lambda d: d.input_fraction_ppm > floor)
    info = {"counts": cargo.counts, "categories": cargo.categories, "union_proteins": len(union),
            "clusters_all": int(len(set(cluster_of.values()))), "clusters_labelled": int(t.cluster.nunique()),
            "largest_cluster": int(t.cluster.value_counts().max()),
            "nesdb_parents": len(nesdb), "nesdb_in_table": int(t.nesdb.sum()),
            "nesdb_in_table_by_category": t[t.nesdb].category.value_counts().to_dict(),
            "wm_train_in_table": t[t.wm_train].category.value_counts().to_dict(),
            "wm_homolog_in_table": t[t.wm_homolog].category.value_counts().to_dict(),
            "input_floor_ppm": float(floor),
            "at_input_floor": t[~t.detected].category.value_counts().to_dict()}
    return t, cargo.proteins, info


def features(seqs: list[str], cache: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    groups = {name: getattr(cf, name)(seqs) for name in ("composition", "loglen", "dipeptide", "reduced3",
                                                          "charge", "consensus")}
    log("charge/composition features done")
    dis, plddt = cf.metapredict_tracks(seqs, cache, log)
    groups["disorder"] = cf.disorder(seqs, dis, plddt)
    groups["window"] = cf.window(seqs, cf.window_scores(seqs, cache, log), dis, plddt)
    log("all features done")
    return groups


# --------------------------------------------------------------------------- nested CV
class QuantileBins:
    """Each feature as its unweighted quantile-bin index (at most ``n_bins`` values), fitted on the
    training part. HistGradientBoosting bins the same way itself, but with ``class_weight`` it
    computes weighted percentiles one call per bin and feature (sklearn 1.9: 15 s for 1,000 x 400,
    whatever max_iter); features with at most 255 distinct values skip that path."""

    def __init__(self, n_bins: int = 255) -> None:
        self.n_bins = n_bins

    def fit(self, x: np.ndarray, y=None) -> "QuantileBins":
        self.edges_ = np.quantile(x, np.linspace(0, 1, self.n_bins + 1)[1:-1], axis=0).T
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.searchsorted(e, x[:, j], side="right") for j, e in enumerate(self.edges_)]
                               ).astype(float)

    def get_params(self, deep: bool = True) -> dict:
        return {"n_bins": self.n_bins}

    def set_params(self, **params) -> "QuantileBins":
        self.n_bins = params.get("n_bins", self.n_bins)
        return self


def model(family: str, params: dict, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if family == "lr":
        return make_pipeline(StandardScaler(), LogisticRegression(C=params["C"], class_weight="balanced",
                                                                  max_iter=5000))
    return make_pipeline(QuantileBins(), HistGradientBoostingClassifier(
        **params, class_weight="balanced", early_stopping=False, random_state=seed))


def fit_predict(family, params, x, y, tr, te, seed) -> np.ndarray:
    return model(family, params, seed).fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]


def grouped_folds(y: np.ndarray, groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    fold = np.zeros(len(y), int)
    for f, (_, te) in enumerate(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(y, y, groups)):
        fold[te] = f
    return fold


def nested_cv(x: np.ndarray, y: np.ndarray, groups: np.ndarray, outer: np.ndarray, seed: int):
    """Out-of-fold scores of logistic, GBM, their mean and the inner-CV-chosen family."""
    from sklearn.metrics import roc_auc_score

    oof = {k: np.zeros(len(y)) for k in ("lr", "gbm", "ens", "nested")}
    chosen = []
    for f in np.unique(outer):
        tr_idx, te_idx = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        inner = grouped_folds(y[tr_idx], groups[tr_idx], 3, seed + 101 * (f + 1))
        preds = {}
        for family, grid in (("lr", LR_GRID), ("gbm", GBM_GRID)):
            for i, params in enumerate(grid):
                p = np.zeros(len(tr_idx))
                for g in range(3):
                    p[inner == g] = fit_predict(family, params, x, y, tr_idx[inner != g], tr_idx[inner == g], seed)
                preds[family, i] = p

        def inner_auc(p: np.ndarray) -> float:
            return float(np.mean([roc_auc_score(y[tr_idx][inner == g], p[inner == g]) for g in range(3)]))

        best = {fam: max(range(len(grid)), key=lambda i: inner_auc(preds[fam, i]))
                for fam, grid in (("lr", LR_GRID), ("gbm", GBM_GRID))}
        cand = {"lr": preds["lr", best["lr"]], "gbm": preds["gbm", best["gbm"]]}
        cand["ens"] = (cand["lr"] + cand["gbm"]) / 2
        family = max(cand, key=lambda k: inner_auc(cand[k]))
        p_lr = fit_predict("lr", LR_GRID[best["lr"]], x, y, tr_idx, te_idx, seed)
        p_gbm = fit_predict("gbm", GBM_GRID[best["gbm"]], x, y, tr_idx, te_idx, seed)
        out = {"lr": p_lr, "gbm": p_gbm, "ens": (p_lr + p_gbm) / 2}
        for k, v in out.items():
            oof[k][te_idx] = v
        oof["nested"][te_idx] = out[family]
        chosen.append({"fold": int(f), "family": family, "C": LR_GRID[best["lr"]]["C"], "gbm": best["gbm"]})
    return oof, chosen


# --------------------------------------------------------------------------- evaluation
def boot_indices(y: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Stratified bootstrap: each row resamples positives and negatives separately (sorted so
    that the positives come first)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    return np.hstack([rng.choice(pos, (n_boot, len(pos))), rng.choice(neg, (n_boot, len(neg)))])


def boot_auc(score: np.ndarray, idx: np.ndarray, n_pos: int) -> np.ndarray:
    """AUC (Mann-Whitney, ties averaged) of every bootstrap row of ``idx``."""
    from scipy.stats import rankdata

    r = rankdata(score[idx], axis=1)
    n_neg = idx.shape[1] - n_pos
    return (r[:, :n_pos].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def evaluate(scores: dict[str, np.ndarray], y: np.ndarray, mask: np.ndarray, n_boot: int, seed: int,
             refs: tuple[str, ...] = (BASE, REF2)) -> dict:
    """AUC, its CI and the paired difference to each reference of every score on ``mask``
    (``diff``/``diff_ci`` against :data:`BASE`, ``diff2``/``diff2_ci`` against :data:`REF2`)."""
    ym = y[mask]
    idx = boot_indices(ym, n_boot, seed)
    boots = {k: boot_auc(s[mask], idx, int(ym.sum())) for k, s in scores.items()}
    out = {}
    for k, s in scores.items():
        a = auc(ym, s[mask])
        out[k] = {"auc": a, "ci": np.percentile(boots[k], [2.5, 97.5]).tolist(), "n_pos": int(ym.sum()),
                  "n_neg": int(len(ym) - ym.sum())}
        for tag, ref in zip(("diff", "diff2"), refs):
            if ref in scores:
                out[k][tag] = a - auc(ym, scores[ref][mask])
                out[k][tag + "_ci"] = np.percentile(boots[k] - boots[ref], [2.5, 97.5]).tolist()
    return out


def quartile_aucs(s: np.ndarray, y: np.ndarray, length: np.ndarray) -> list[float]:
    q = np.quantile(length, [0.25, 0.5, 0.75])
    bins = np.searchsorted(q, length, side="right")
    return [auc(y[bins == b], s[bins == b]) for b in range(4)]


def spearman_within(s: np.ndarray, other: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from scipy.stats import spearmanr

    out = {}
    for lab, name in ((1, "cargo"), (0, "non-binder")):
        m = (y == lab) & np.isfinite(other)
        out[name] = float(spearmanr(s[m], other[m]).statistic)
    return out


# --------------------------------------------------------------------------- report
def fmt_ci(r: dict) -> str:
    return f"{r['auc']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]"


def fmt_diff(r: dict, tag: str = "diff") -> str:
    if tag not in r:
        return "-"
    return f"{r[tag]:+.3f} [{r[tag + '_ci'][0]:+.3f}, {r[tag + '_ci'][1]:+.3f}]"


def tertile_aucs(s: np.ndarray, y: np.ndarray, v: np.ndarray) -> list[str]:
    """AUC within tertiles of ``v`` (with the class counts)."""
    q = np.quantile(v, [1 / 3, 2 / 3])
    bins = np.searchsorted(q, v, side="right")
    return [f"{auc(y[bins == b], s[bins == b]):.3f} ({y[bins == b].sum()}/{(y[bins == b] == 0).sum()})"
            for b in range(3)]


def run_seed(t: pd.DataFrame, mats: dict, seed: int, n_boot: int, sets: list[str]) -> dict:
    y = t.label.to_numpy()
    groups = t.cluster.to_numpy()
    outer = grouped_folds(y, groups, 5, seed)
    oof, chosen = {}, {}
    for name in sets:
        start = time.perf_counter()
        oof[name], chosen[name] = nested_cv(mats[name], y, groups, outer, seed)
        log(f"seed {seed} {name}: nested AUC {auc(y, oof[name]['nested']):.3f} "
            f"({mats[name].shape[1]} features, {time.perf_counter() - start:.0f} s)")
    return {"outer": outer, "oof": oof, "chosen": chosen}


def table_rows(title: str, ev: dict, masks: list[str], sets: list[str], ref2: bool = False) -> list[str]:
    """A Markdown table: one row per set, per subset its AUC and Δ vs comp+len (and vs +b+c)."""
    head = [f"{m} (n={ev[m][BASE]['n_pos']}/{ev[m][BASE]['n_neg']})" for m in masks]
    lines = ["", title, "", "| feature set | " + " | ".join(head) + " |", "|---|" + "---|" * len(masks)]
    for k in sets:
        cells = []
        for m in masks:
            r = ev[m][k]
            cell = f"{r['auc']:.3f} (Δ {fmt_diff(r)})"
            if ref2 and "diff2" in r and k != REF2 and set(SETS[REF2]) <= set(SETS[k]):
                cell += f"; vs +b+c {fmt_diff(r, 'diff2')}"
            cells.append(cell)
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return lines


def report(t: pd.DataFrame, info: dict, runs: dict[int, dict], mats: dict, n_boot: int, seconds: float,
           univariate: pd.DataFrame) -> tuple[str, dict]:
    y, length = t.label.to_numpy(), t.length.to_numpy()
    seed0 = min(runs)
    oof = runs[seed0]["oof"]
    sets = list(oof)
    nested = {k: v["nested"] for k, v in oof.items()}
    masks = {"all": np.ones(len(y), bool),
             "Cargo A vs non-binder": t.category.isin(["Cargo A", "Non-binder"]).to_numpy(),
             "no MT/ER/TM flag": (t["flags"] == "").to_numpy(),
             "detected in input": t.detected.to_numpy(),
             "no NESdb protein": ~t.nesdb.to_numpy(),
             "no window-model training protein": ~t.wm_train.to_numpy(),
             "no homologue of one": ~t.wm_homolog.to_numpy()}
    ev = {m: evaluate(nested, y, mask, n_boot, 7) for m, mask in masks.items()}
    fam = {f: evaluate({k: v[f] for k, v in oof.items()}, y, masks["all"], n_boot, 7) for f in ("lr", "gbm", "ens")}
    best = max(sets, key=lambda k: ev["all"][k]["auc"])
    c = info["counts"]
    lines = [
        "# CRM1 cargo vs non-binders: whole-protein features (nested, homology-grouped CV)", "",
        f"Labelled proteins after dedup: {c['proteins']} ({c['cargo']} cargo = "
        + ", ".join(f"{k} {v}" for k, v in t[t.label == 1].category.value_counts().items())
        + f"; {c['non_binders']} non-binders). "
        f"Rows {c['rows']}: ambiguous {c['ambiguous']}, machinery {c['machinery']}, no human entry "
        f"{c['no_entry_name']}, entry name not in the FASTA {c['unmapped']}, merged {c['merged_rows']}, "
        f"conflicts {c['conflicts']}.",
        f"MMseqs2 clusters (30% id, 50% cov) over {info['union_proteins']} proteins (labelled + NESdb parents): "
        f"{info['clusters_all']}; {info['clusters_labelled']} hold labelled proteins (largest: "
        f"{info['largest_cluster']}).",
        f"Window-model leakage: NESdb accessions among the labelled {info['nesdb_in_table']} "
        f"{info['nesdb_in_table_by_category']}; training proteins of the shipped window model (NESdb parents and "
        f"mitochondrial negatives) {info['wm_train_in_table']}; in a cluster with one (MMseqs2 over labelled + "
        f"NESdb + mitochondrial) {info['wm_homolog_in_table']}.",
        f"Input abundance: {info['at_input_floor']} sit at or below the placeholder value "
        f"{info['input_floor_ppm']:.6f} ppm (not quantified in the input); no non-binder does.",
        f"Outer 5 grouped folds (seed {seed0}), inner 3 grouped folds; {n_boot} stratified bootstrap resamples; "
        f"run time {seconds / 60:.1f} min.", "",
        "Nested = family (logistic / GBM / mean) chosen by the inner CV per outer fold. "
        "Δ = paired bootstrap difference (same resampled proteins). Q1-Q4: AUC within length quartiles "
        f"(edges {', '.join(f'{q:.0f}' for q in np.quantile(length, [0.25, 0.5, 0.75]))} aa).", "",
        "| feature set | n feat | nested AUC [95% CI] | Q1 | Q2 | Q3 | Q4 | Δ vs comp+len [95% CI] | "
        "Δ vs +b+c [95% CI] | LR | GBM | mean | chosen |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for k in sets:
        r = ev["all"][k]
        q = quartile_aucs(nested[k], y, length)
        picks = pd.Series([ch["family"] for ch in runs[seed0]["chosen"][k]]).value_counts()
        lines.append(f"| {k} | {mats[k].shape[1]} | {fmt_ci(r)} | " + " | ".join(f"{v:.3f}" for v in q)
                     + f" | {fmt_diff(r)} | {fmt_diff(r, 'diff2')} | "
                     + " | ".join(f"{fam[f][k]['auc']:.3f}" for f in ("lr", "gbm", "ens"))
                     + " | " + ", ".join(f"{f}×{n}" for f, n in picks.items()) + " |")
    lines += ["", f"Length alone, raw (no model): AUC {auc(y, length):.3f}."]
    names = list(masks)
    lines += table_rows("## Subsets (nested scores of the main run; Δ vs comp+len on the same subset)",
                        ev, names[1:4], sets)
    lines += table_rows("## Window-model leakage (Δ vs comp+len, and vs +b+c for its supersets)",
                        ev, names[4:], sets, ref2=True)
    det = masks["detected in input"]
    v = t.input_fraction_ppm.to_numpy()[det]
    edges = np.quantile(v, [1 / 3, 2 / 3])
    lines += ["", "## Within input abundance (proteins quantified in the input; tertiles of molar fraction, "
              f"edges {edges[0]:.1f}, {edges[1]:.1f} ppm; AUC (cargo/non-binders))", "",
              "| feature set | T1 (least abundant) | T2 | T3 (most abundant) |", "|---|---|---|---|"]
    for k in sets:
        lines.append(f"| {k} | " + " | ".join(tertile_aucs(nested[k][det], y[det], v)) + " |")
    lines += ["", "## Seed stability (nested AUC; outer and inner folds reseeded)", "",
              "| feature set | " + " | ".join(f"seed {s}" for s in runs) + " |", "|---|" + "---|" * len(runs)]
    for k in sets:
        lines.append(f"| {k} | " + " | ".join(
            f"{auc(y, runs[s]['oof'][k]['nested']):.3f}" if k in runs[s]["oof"] else "-" for s in runs) + " |")
    corr = {}
    for k in dict.fromkeys([best, REF2, BASE, "length"]):
        if k in nested:
            corr[k] = {"length": spearman_within(nested[k], length.astype(float), y),
                       "input_fraction_ppm": spearman_within(nested[k], t.input_fraction_ppm.to_numpy(), y),
                       "nuc_cyt_log10": spearman_within(nested[k], t.nuc_cyt_log10.to_numpy(), y)}
    lines += ["", f"## Confounds (Spearman within class of the nested out-of-fold score; best set: {best})", "",
              "| feature set | vs length (cargo / non-binder) | vs input molar fraction | vs nuc/cyt log10 |",
              "|---|---|---|---|"]
    for k, val in corr.items():
        lines.append(f"| {k} | " + " | ".join(f"{val[m]['cargo']:+.2f} / {val[m]['non-binder']:+.2f}"
                                               for m in ("length", "input_fraction_ppm", "nuc_cyt_log10")) + " |")
    lines += ["", "## Univariate AUC of single features (descriptive, whole table, no fitting)", "",
              "| feature | group | AUC |", "|---|---|---|"]
    for _, r in univariate.iterrows():
        lines.append(f"| {r.feature} | {r.group} | {r.auc:.3f} |")
    results = {"info": info, "evaluation": ev, "families": fam, "correlations": corr, "best": best,
               "seconds": seconds, "chosen": {s: runs[s]["chosen"] for s in runs},
               "seed_auc": {s: {k: auc(y, v["nested"]) for k, v in runs[s]["oof"].items()} for s in runs}}
    return "\n".join(lines) + "\n", results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("NESSCAN_DATA", "../shared/data")))
    ap.add_argument("-o", "--out", type=Path, default=Path("/tmp/cargo_study"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cargo_study_cache"),
                    help="per-residue metapredict and window-model scores, clusters")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--sets", nargs="+", default=list(SETS), help="feature sets (default: all)")
    ap.add_argument("--stability-sets", nargs="+",
                    default=["length", "composition", BASE, REF2, "+NES window model (d)", "+b+c+d", "all but d"],
                    help="feature sets rerun with the later seeds")
    ap.add_argument("--boot", type=int, default=2000)
    args = ap.parse_args()

    t, proteins, info = load(args.data, args.cache)
    seqs = [proteins[a].sequence for a in t.accession]
    groups = features(seqs, args.cache)
    mats = {k: np.hstack([groups[g][1] for g in SETS[k]]) for k in args.sets}
    y = t.label.to_numpy()
    univariate = pd.DataFrame([{"feature": n, "group": g, "auc": auc(y, groups[g][1][:, i])}
                               for g in ("loglen", "disorder", "charge", "window", "consensus")
                               for i, n in enumerate(groups[g][0])])
    univariate = univariate.assign(dist=(univariate.auc - 0.5).abs()).sort_values("dist", ascending=False).head(15)
    runs = {}
    for i, seed in enumerate(args.seeds):
        runs[seed] = run_seed(t, mats, seed, args.boot, args.sets if i == 0 else
                              [s for s in args.stability_sets if s in args.sets])
    seconds = time.perf_counter() - T0
    text, results = report(t, info, runs, mats, args.boot, seconds, univariate)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(text)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=float) + "\n")
    first = runs[args.seeds[0]]
    scores = t[["accession", "entry_name", "category", "label", "length", "cluster", "nesdb", "wm_train",
                "wm_homolog", "detected", "flags"]].assign(
        fold=first["outer"], **{k: v["nested"] for k, v in first["oof"].items()})
    scores.to_csv(args.out / "oof_scores.tsv", sep="\t", index=False)
    print(text)


if __name__ == "__main__":
    main()

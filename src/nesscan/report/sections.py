"""Report text: the methods paragraph with its numbers filled in, and figure captions."""

from __future__ import annotations

import pandas as pd

from nesscan.report.data import ORIGINAL_THRESHOLD, RunData, ScoreGroup, proteome_label
from nesscan.report.model_text import (
    embedder_label,
    flat_sentence,
    is_flat,
    model_label,
)
from nesscan.report.tables import NA, SCORER_ORDER, fdr_lookup, fmt_auc

SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test"}


def _by_split(frame: pd.DataFrame) -> str:
    counts = frame["split"].value_counts() if "split" in frame else pd.Series(dtype=int)
    return ", ".join(f"{SPLIT_NAMES.get(s, s)} {counts.get(s, 0):,}" for s in ("train", "val", "test"))


def _truthy(col: pd.Series) -> pd.Series:
    return col.astype(str).str.lower().isin(("true", "1"))


def data_sentences(data: RunData) -> list[str]:
    """Positives, negatives, proteins per split and the homology clustering."""
    out = []
    ex = data.examples
    if ex is not None and {"source", "label", "centred"} <= set(ex.columns):
        cen = _truthy(ex["centred"])
        pos = ex[(ex.source == "nesdb") & cen]
        aug = int(((ex.source == "nesdb") & ~cen).sum())
        doubt = int(((ex.source == "nesdb_doubtful") & cen).sum())
        out.append(f"Positives: {len(pos):,} NESdb NES windows of 22 residues centred on an annotated NES "
                   f"({_by_split(pos)}); training also used {aug:,} shifted windows holding the same NESs "
                   f"(augmentation, never evaluated), and {doubt:,} NESs that NESdb marks as doubtful were "
                   f"scored but never trained on.")
        neg = ex[ex.label == 0]
        sets = "; ".join(f"{src} {len(grp):,} ({_by_split(grp)})" for src, grp in neg.groupby("source"))
        sep = (data.metrics or {}).get("separate") or {}
        apart = "".join(f" {g} is trained on but not pooled into all negatives: it {note}." for g, note in sep.items())
        out.append(f"Negatives, evaluated set by set: {sets}.{apart}")
    else:
        counts = data.model.get("examples", {}).get("examples_by_source", {})
        out.append("Examples by source (model/config.json): "
                   + (", ".join(f"{k} {v:,}" for k, v in counts.items()) or NA) + ".")
    sp = data.split
    if sp is not None and {"split", "cluster"} <= set(sp.columns):
        out.append(f"All {len(sp):,} proteins (NES parents and negative proteins together) were clustered with "
                   f"MMseqs2 easy-cluster at 30% sequence identity over 50% coverage into "
                   f"{sp.cluster.nunique():,} clusters, and whole clusters were assigned to one split each, so "
                   f"no homologue sits on both sides: proteins {_by_split(sp)}.")
    return out


def model_sentences(data: RunData) -> list[str]:
    """Featurizer, classifier, held-out AUCs beside baselines, threshold."""
    cfg, met = data.model, data.metrics
    p = cfg.get("params", {})
    emb = embedder_label(cfg.get("embedder"))
    out = [flat_sentence(cfg)] if is_flat(cfg) else [f"Each 22-residue window (stride 1) was embedded per residue with {emb} "
           f"({cfg.get('in_dim', NA)} dimensions, {cfg.get('context', NA)} context) and scored by a Transformer "
           f"encoder ({p.get('n_layers', NA)} layers, d_model {p.get('d_model', NA)}, {p.get('n_heads', NA)} heads, "
           f"{ {'flatten': 'all positions read by the output layer', 'mean': 'mean pooling'}.get(p.get('pooling', 'mean'), NA)}) trained with class-weighted binary cross-entropy and AdamW (learning rate "
           f"{p.get('lr', NA)}, weight decay {p.get('weight_decay', NA)}, at most {p.get('max_epochs', NA)} epochs, "
           f"early stopping after {p.get('patience', NA)} epochs without a better validation AUC; seed "
           f"{cfg.get('seed', NA)})."]
    sc = met["scorers"]
    m = sc["model"]
    base = ", ".join(f"{s} {fmt_auc(sc[s])}" for s in SCORER_ORDER[1:] if s in sc)
    sep = met.get("separate") or {}
    groups = "; ".join(f"{g} {fmt_auc(v['scorers'].get('model'))} (composition "
                       f"{fmt_auc(v['scorers'].get('composition'))}"
                       + (f"; not in all negatives: it {sep[g]}" if g in sep else "") + ")"
                       for g, v in met.get("groups", {}).items())
    level = round(100 * (1 - met.get("alpha", 0.05)))
    out.append(f"On the held-out test split ({m.get('n_pos', NA)} NES against {m.get('n_neg', NA)} negative "
               f"windows) the model's ROC AUC is {fmt_auc(m)} ({level}% stratified bootstrap CI, "
               f"{met.get('n_boot', NA)} replicates); the trivial baselines on the same windows: {base}."
               + (f" Against each negative set alone: {groups}." if groups else ""))
    thr = cfg.get("threshold")
    if thr is not None:
        rec, fpr = met.get("recall_at_threshold"), met.get("false_positive_rate_at_threshold")
        out.append(f"The call threshold is {thr:.3f}, chosen as {cfg.get('threshold_rule', NA)}"
                   + (f"; on the test split it recalls {100 * rec:.1f}% of NESs at a false-positive rate of "
                      f"{100 * fpr:.2f}%." if rec is not None and fpr is not None else "."))
    return out


def screen_sentences(data: RunData) -> list[str]:
    """Calls per proteome at 0.9, the model threshold and FDR 10%; novel calls; the control."""
    if not data.screens:
        return ["Not computed in this run: no proteome was screened."]
    thr = float(data.model.get("threshold", ORIGINAL_THRESHOLD))
    out = []
    for s in data.screens:
        n_prot = s.summary.get("proteins", len(s.proteins))
        cands = s.candidates
        novel = int((~_truthy(cands["known_nes"])).sum()) if "known_nes" in cands else None
        at09 = s.regions.get(ORIGINAL_THRESHOLD)
        text = (f"{proteome_label(s.name)}: {n_prot:,} proteins"
                + (f", {s.windows.n:,} windows" if s.windows is not None else "")
                + "; candidate regions: "
                + (f"{at09:,} at the original fixed 0.9 threshold, " if at09 is not None else "")
                + f"{len(cands):,} at the model threshold {thr:.3f}"
                + (f", of which {novel:,} are novel (overlap no NESdb NES)" if novel is not None else ""))
        if s.fdr:
            f10, f5 = fdr_lookup(s.fdr, "calls", 0.10), fdr_lookup(s.fdr, "calls", 0.05)
            t10 = fdr_lookup(s.fdr, "threshold", 0.10)
            text += (f"; {NA if f10 is None else f'{f10:,}'} calls at an estimated FDR of 10%"
                     + (f" (score >= {t10:.3f})" if isinstance(t10, (int, float)) else "")
                     + f" and {NA if f5 is None else f'{f5:,}'} at 5%")
        else:
            text += "; FDR not computed in this run (no fdr.json)"
        if s.name == data.control and n_prot:
            text += (f". As a proteome with no nucleus and no CRM1 this is the negative control: every call is "
                     f"a false positive, {100 * len(cands) / n_prot:.1f} per 100 proteins (target: at most 1)")
        out.append(text + ".")
    if data.control is None:
        out.append("No negative-control proteome (a screen named like E.coli) in this run: the held-out "
                   "mitochondrial windows serve as the negative control of Figures 2 and 3.")
    return out


def version_sentence(data: RunData) -> str:
    """Software versions from run.json."""
    v = data.run.get("versions", {})
    if not v:
        return "Versions: not recorded (no run.json)."
    commit = v.get("nesscan_git_commit")
    keys = [k for k in ("python", "numpy", "pandas", "torch", "scikit-learn", "transformers", "pyarrow") if k in v]
    return (f"Software: nesscan {v.get('nesscan', NA)}" + (f" (git {commit[:10]})" if commit else "")
            + ", " + ", ".join(f"{k} {v[k]}" for k in keys) + f"; run started {data.run.get('started', NA)}.")


def caption_roc(data: RunData) -> str:
    """Figure 1 caption: n, model (:func:`nesscan.report.model_text.model_label`), AUC with CI, baselines."""
    met, m = data.metrics, data.metrics["scorers"]["model"]
    sets = ", ".join(g for g in met.get("groups", {}) if g not in (met.get("separate") or {})) or "all negative sets"
    base = ", ".join(f"{s} {fmt_auc(met['scorers'][s])}" for s in SCORER_ORDER[1:] if s in met["scorers"])
    return (f"Figure 1. ROC on the held-out homology-split test set: {m.get('n_pos', NA)} centred NESdb NES "
            f"windows against {m.get('n_neg', NA)} negative windows ({sets}). Model "
            f"({model_label(data.model)}): AUC "
            f"{fmt_auc(m)} (95% stratified bootstrap CI, {met.get('n_boot', NA)} replicates). Dashed: "
            f"trivial baselines on the same windows, {base}. Red dot: the model threshold.")


def _groups_text(groups: list[ScoreGroup], attr: str, unit: str) -> str:
    parts = [f"{g.label} (n = {getattr(g, attr).n:,} {unit})" for g in groups
             if getattr(g, attr) is not None and getattr(g, attr).n]
    return "; ".join(parts) or NA


def caption_distribution(groups: list[ScoreGroup], threshold: float) -> str:
    """Figure 2 caption with every group's n."""
    cal = any(g.calibrated is not None and len(g.calibrated) for g in groups)
    return ("Figure 2. Score distributions, each screened proteome against the negative control. (a) Window "
            f"scores: {_groups_text(groups, 'windows', 'windows')}. (b) Protein scores (each protein's best "
            f"window): {_groups_text(groups, 'proteins', 'proteins')}."
            + (" (c) Length-calibrated protein scores (calibrated_score in proteins.csv)." if cal else "")
            + f" y: fraction of the group per bin (bin width in the legend), log scale. Vertical lines: the fixed 0.9 threshold and the "
            f"model threshold {threshold:.3f}. Window histograms are streamed from windows.parquet.")


def caption_boxplot(groups: list[ScoreGroup]) -> str:
    """Figure 3 caption."""
    return ("Figure 3. Box plots of the groups of Figure 2: box from the 25th to the 75th percentile, black "
            "line the median, diamond the mean, whiskers the 1st and 99th percentiles (outliers not drawn). "
            "Quantiles come from the streamed histograms (bin width 0.0005, so exact to 0.0005). Window "
            f"groups: {_groups_text(groups, 'windows', 'windows')}.")

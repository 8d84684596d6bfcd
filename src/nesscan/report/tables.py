"""The report's tables, built from a run folder's files (absent columns show "n/a")."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from nesscan.report.data import ScreenData, proteome_label
from nesscan.report.render import Table

NA = "n/a"
SCORER_ORDER = ("model", "composition", "consensus_count", "hydrophobic_count", "length")


def fmt_auc(m: dict[str, Any] | None) -> str:
    """``0.835 [0.777, 0.891]`` from a dict with ``auc``, ``auc_lo``, ``auc_hi``."""
    if m is None or m.get("auc") is None:
        return NA
    lo, hi = m.get("auc_lo"), m.get("auc_hi")
    return f"{m['auc']:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else "")


def fmt_num(x: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals (q-values in scientific notation when tiny); NA when missing."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return NA
    if math.isnan(v):
        return NA
    return f"{v:.2e}" if 0 < abs(v) < 10 ** -digits else f"{v:.{digits}f}"


def _cell(row: pd.Series, col: str) -> str:
    v = row.get(col)
    return NA if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "" else str(v)


def _ordered(scorers: dict[str, Any]) -> list[str]:
    return [s for s in SCORER_ORDER if s in scorers] + [s for s in scorers if s not in SCORER_ORDER]


#: The explanation's order part when the screened FASTA is not found.
NO_FASTA = "no predicted order: FASTA not found"


def screened_sequences(screen: ScreenData, accessions: set[str]) -> dict[str, str] | None:
    """The sequences of ``accessions`` in the FASTA a screen recorded in ``screen.json``
    (:func:`nesscan.screen.outputs.find_fasta`), or None when it is not found or unreadable."""
    import json

    from nesscan.errors import NesscanError
    from nesscan.io.fasta import iter_fasta
    from nesscan.screen.outputs import find_fasta

    try:
        config = json.loads((screen.path / "screen.json").read_text())["config"]
        fasta = find_fasta(screen.path, config.get("fasta"), config.get("fasta_sha256"))
        if fasta is None:
            return None
        return {p.accession: p.sequence for p in iter_fasta(fasta) if p.accession in accessions}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, NesscanError):
        return None


def explanations(screen: ScreenData, c: pd.DataFrame) -> list[str]:
    """Each candidate row of ``c`` in words (:func:`nesscan.explain.explain`): class and
    anchors from the row (annotated from its window when the table lacks them), predicted
    order from metapredict run on the whole protein read from the screened FASTA, or
    :data:`NO_FASTA`."""
    from nesscan.explain import explain, order_tracks
    from nesscan.screen.annotate import annotate_candidates

    if not len(c):
        return []
    if "nes_class" not in c.columns or "anchors" not in c.columns:
        c = annotate_candidates(c)
    sequences = screened_sequences(screen, set(c["accession"].astype(str)))
    tracks: dict[str, tuple] = {}
    out = []
    for _, r in c.iterrows():
        acc, start, end = str(r["accession"]), int(r["start"]), int(r["end"])
        anchors = "" if _cell(r, "anchors") == NA else str(r["anchors"])
        protein = None if sequences is None else sequences.get(acc)
        if protein is None:
            missing = NO_FASTA if sequences is None else "no predicted order: protein not in the FASTA"
            out.append(explain(r.get("nes_class"), anchors, str(r["sequence"]), start, end, offset=start,
                               missing=missing))
            continue
        if acc not in tracks:
            tracks[acc] = order_tracks(protein)
        out.append(explain(r.get("nes_class"), anchors, protein, start, end, *tracks[acc]))
    return out


def top_candidates(screen: ScreenData, n: int = 10) -> Table:
    """Table 1 for one proteome: its ``n`` best candidates by score, each explained in words
    (:func:`explanations`)."""
    c = screen.candidates.sort_values("score", ascending=False, kind="stable").head(n)
    anchors = "anchors" in c.columns
    words = explanations(screen, c)
    header = ("rank", "accession", "gene", "start", "sequence", "score", "q-value", "class") \
        + (("anchors",) if anchors else ()) + ("known or novel", "explanation")
    rows = []
    for rank, (_, r) in enumerate(c.iterrows(), 1):
        known = str(r.get("known_nes", "")).lower() == "true"
        status = NA if "known_nes" not in c.columns else (
            f"known (NESdb {r['known_nes_ids']})" if known and _cell(r, "known_nes_ids") != NA else
            "known (NESdb)" if known else "novel")
        row = (str(rank), _cell(r, "accession"), _cell(r, "gene"), _cell(r, "start"), _cell(r, "sequence"),
               fmt_num(r.get("score")), fmt_num(r.get("q_value")), _cell(r, "nes_class")) \
            + ((_cell(r, "anchors"),) if anchors else ()) + (status, words[rank - 1])
        rows.append(row)
    total = len(screen.candidates)
    caption = (f"Table 1 ({proteome_label(screen.name)}): top {len(rows)} of {total:,} candidate regions "
               f"(start: 1-based first residue of the best 22-residue window; q-value: target-decoy FDR; "
               f"class: Kosugi consensus class; anchors: 1-based residues of the hydrophobic anchors; "
               f"explanation: class and anchors in words, and the window's mean sequence-predicted pLDDT "
               f"and disorder (metapredict on the whole protein): pLDDT < 50 disordered, 50-70 low "
               f"confidence, > 70 ordered (AlphaFold's bands); disorder > 0.5 disordered)")
    return Table(caption, header, tuple(rows), mono=("sequence",))


SEPARATE_MARK = "†"
"""Marks a negative set that is not pooled into "all negatives" (``separate`` in the metrics)."""


def set_label(group: str, metrics: dict[str, Any]) -> str:
    """A negative set's row label: its name, marked when it is not in "all negatives"."""
    return group + (SEPARATE_MARK if group in (metrics.get("separate") or {}) else "")


def separate_note(metrics: dict[str, Any]) -> str:
    """Caption sentence on the sets not pooled into "all negatives" ("" when there are none)."""
    sep = metrics.get("separate") or {}
    return "".join(f". {SEPARATE_MARK} {g}: trained on, but not pooled into all negatives; it {note}"
                   for g, note in sep.items())


def negative_set_table(metrics: dict[str, Any]) -> Table:
    """Held-out AUC [95% CI] of the model and each baseline, overall and per negative set."""
    scorers = metrics["scorers"]
    names = _ordered(scorers)
    first = scorers["model"]
    rows = [("all negatives", str(first.get("n_pos", NA)), str(first.get("n_neg", NA)))
            + tuple(fmt_auc(scorers[s]) for s in names)]
    for group, g in metrics.get("groups", {}).items():
        rows.append((set_label(group, metrics), str(g.get("n_pos", NA)), str(g.get("n_neg", NA)))
                    + tuple(fmt_auc(g["scorers"].get(s)) for s in names))
    if metrics.get("doubtful_positives"):
        d = metrics["doubtful_positives"]
        rows.append(("doubtful NESdb positives vs all negatives", str(d.get("n_pos", NA)), str(d.get("n_neg", NA)),
                     fmt_auc(d)) + (NA,) * (len(names) - 1))
    return Table("Table 2: held-out test ROC AUC [95% bootstrap CI] per negative set, model beside the baselines"
                 + separate_note(metrics), ("negative set", "NES", "negatives") + tuple(names), tuple(rows))


def cv_table(cv: dict[str, Any]) -> Table:
    """k-fold CV table, generic over ``{negative_set: {scorer: {mean, sd, auc, auc_lo, auc_hi}}}``.

    Also accepts :func:`nesscan.validate.cv.cross_validate`'s output, whose ``summary`` has that
    shape with ``pooled_auc``, ``pooled_lo``, ``pooled_hi``.
    """
    summary = cv.get("summary", cv)
    rows = []
    for group, per in summary.items():
        if not isinstance(per, dict):
            continue
        scorers = {k: v for k, v in per.items() if isinstance(v, dict) and ("mean" in v or "auc" in v)}
        for s in _ordered(scorers):
            m = scorers[s]
            pooled = {"auc": m.get("pooled_auc", m.get("auc")), "auc_lo": m.get("pooled_lo", m.get("auc_lo")),
                      "auc_hi": m.get("pooled_hi", m.get("auc_hi"))}
            mean_sd = NA if m.get("mean") is None else f"{m['mean']:.3f} ± {fmt_num(m.get('sd'))}"
            rows.append((set_label(group, cv), s, mean_sd, fmt_auc(pooled), str(m.get("n_folds", cv.get("k", NA)))))
    k = cv.get("k")
    caption = (f"Table 3: {k}-fold" if k else "Table 3:") + " homology-clustered cross-validation: mean ± sd of " \
        "per-fold AUC and pooled out-of-fold AUC [95% CI], per negative set" + separate_note(cv)
    return Table(caption, ("negative set", "scorer", "AUC mean ± sd", "pooled AUC [95% CI]", "folds"), tuple(rows))


def site_table(site: dict[str, Any]) -> Table:
    """Site localisation: top-1 / top-3 hit rates per scorer (fractions shown as %)."""
    def pct(x: Any) -> str:
        s = fmt_num(x, 3)
        return s if s == NA else (f"{100 * float(x):.1f}%" if float(x) <= 1 else s)

    rows = tuple((name, pct(m.get("top1")), pct(m.get("top3")), str(m.get("n", NA)))
                 for name, m in site.items() if isinstance(m, dict) and ("top1" in m or "top3" in m))
    return Table("Table 4: site localisation in held-out NESdb proteins: how often the top-scoring window "
                 "(top-1) or one of the three best distinct peaks (top-3) overlaps the annotated NES",
                 ("scorer", "top-1", "top-3", "proteins"), rows)


def protein_level_table(level: dict[str, Any]) -> Table:
    """Protein-level AUC (NES parents vs mitochondrial proteins) overall and per length quartile."""
    blocks = [("all lengths", level.get("overall", {}))] + [
        (f"Q{i + 1}: {q.get('min_length', NA)}-{q.get('max_length', NA)} aa", q)
        for i, q in enumerate(level.get("quartiles", []))]
    names = ("calibrated_score", "max_score", "calibrated_anchor_score", "calibrated_regex_score")
    oof = level.get("scored_out_of_fold", False)
    rows = tuple((label, f"{b.get('n_pos', NA)} / {b.get('n_neg', NA)}",
                  *(fmt_auc(b.get("auc", {}).get(n)) for n in (names if oof else names[:2])),
                  fmt_auc(b.get("auc", {}).get("length")))
                 for label, b in blocks)
    rho = level.get("spearman_length_negatives", {})
    where = ("each scored out of fold by its cross-validation fold's model" if oof else "of the test split")
    header = ("protein score (best window, length-matched)", "best window",
              *(("anchor rule, length-matched", "regex (most matches in a window), length-matched") if oof else ()))
    return Table(f"Table 5: protein-level AUC, NESdb parents against mitochondrial proteins, {where}, "
                 "within length quartiles. Length-matched: -log10 p against the best windows of shuffled decoys "
                 "of nearest length (the screen's protein score); anchor rule: only windows holding a whole Kosugi "
                 "consensus match count "
                 f"(Spearman rho with length on the negatives: best window {fmt_num(rho.get('max_score'), 2)}, "
                 f"length-matched {fmt_num(rho.get('calibrated_score'), 2)}"
                 + (f", anchor rule {fmt_num(rho.get('calibrated_anchor_score'), 2)})" if oof else ")"),
                 ("proteins", "NES / non-NES", *header, "length alone"), rows)


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> ``{"a.b": scalar}`` (lists are skipped)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif not isinstance(v, (list, tuple)):
            out[key] = v
    return out


_LEVEL = {0.10: r"(?<!\d)(?<!\d\.)(?:10|0\.10?)(?!\d)", 0.05: r"(?<!\d)(?<!\d\.)(?:5|05|0\.05)(?!\d)"}


def fdr_lookup(fdr: dict[str, Any], what: str, level: float | None) -> Any:
    """Find a number in a ``fdr.json`` of unknown exact layout, or None.

    ``what`` is "calls" or "threshold"; ``level`` an FDR level (0.05 or 0.10), or None
    for the calls at the fixed 0.9 threshold. Keys are matched on the flattened dict,
    e.g. ``calls_at_fdr_10``, ``fdr.0.1.calls``, ``threshold_at_fdr_10``, ``calls_at_0.9``.
    """
    for key, value in flatten(fdr).items():
        k = key.lower()
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        is_thr = "thresh" in k
        if (what == "threshold") != is_thr or (what == "calls" and "call" not in k and "n_" not in k):
            continue
        if level is None:
            if re.search(r"0[._]?9(?!\d)", k) and "fdr" not in k:
                return value
        elif "fdr" in k and re.search(_LEVEL[level], k):
            return value
    return None


FDR_ROWS = (("0.9", "fixed 0.9 (original method)", "fdr_at_0.9"),
            ("model_threshold", "model threshold", "fdr_at_model_threshold"),
            ("fdr_10", "FDR 10%", None), ("fdr_5", "FDR 5%", None))


def fdr_table(screen: ScreenData) -> Table:
    """A screen's ``fdr.json`` as one row per threshold: the score cut-off, the estimated
    FDR there, calls, novel calls and calls per 100 proteins; "none reached" where no
    score reaches an FDR level (not ``None``)."""
    fdr = screen.fdr or {}
    thresholds = fdr.get("thresholds") or {}
    rows = []
    for key, label, fdr_key in FDR_ROWS:
        if key not in thresholds:
            continue
        t = thresholds[key]
        reached = t is not None
        est = fdr.get(fdr_key) if fdr_key else (float(key.split("_")[1]) / 100 if reached else None)
        per100 = fdr.get(f"calls_per_100_proteins_at_{key}")
        rows.append((label, fmt_num(t, 3) if reached else "none reached",
                     NA if est is None else (f"≤ {est:.2f}" if fdr_key is None else f"{est:.2f}"),
                     f"{fdr.get(f'calls_at_{key}', 0):,}" if reached else "0",
                     f"{fdr.get(f'novel_calls_at_{key}', 0):,}" if reached else "0",
                     NA if per100 is None else f"{per100:.1f}"))
    if not rows:  # an fdr.json of another layout: its scalars, missing values as n/a
        rows = [(k, NA if v is None else fmt_num(v, 4) if isinstance(v, float) else str(v))
                for k, v in flatten(fdr).items()]
        return Table(f"FDR estimate for {proteome_label(screen.name)} (fdr.json)", ("quantity", "value"),
                     tuple(rows))
    lowest = fdr.get("lowest_q_value")
    decoys = (f"{fdr.get('n_decoy_proteins', NA):,} decoy proteins ({fdr.get('decoys', 'shuffle')}d), "
              f"{fdr.get('n_decoy_windows', 0):,} decoy windows against {fdr.get('n_target_windows', 0):,} "
              f"target windows" if isinstance(fdr.get("n_decoy_proteins"), int) else "")
    caption = (f"FDR estimate for {proteome_label(screen.name)} (target-decoy, fdr.json): calls at each threshold"
               + (f"; {decoys}" if decoys else "")
               + (f"; lowest q-value of any window {lowest:.2f}" if isinstance(lowest, float) else ""))
    return Table(caption, ("threshold", "score cut-off", "estimated FDR", "calls", "novel calls",
                           "calls per 100 proteins"), tuple(rows))


def screen_table(screens: list[ScreenData], control: str | None, threshold: float) -> Table:
    """Per proteome: proteins, windows, calls at 0.9 / the model threshold / FDR 10%, novel calls."""
    rows = []
    for s in screens:
        n_prot = s.summary.get("proteins", len(s.proteins))
        n_win = s.windows.n if s.windows is not None else s.summary.get("windows", NA)
        at_thr = len(s.candidates)
        novel = (int((s.candidates["known_nes"].astype(str).str.lower() != "true").sum())
                 if "known_nes" in s.candidates else NA)
        fdr10 = fdr_lookup(s.fdr, "calls", 0.10) if s.fdr else None
        per100 = f"{100 * at_thr / n_prot:.1f}" if n_prot else NA
        rows.append((proteome_label(s.name) + (" [control]" if s.name == control else ""), f"{n_prot:,}",
                     f"{n_win:,}" if isinstance(n_win, int) else str(n_win),
                     f"{s.regions[0.9]:,}" if 0.9 in s.regions else NA, f"{at_thr:,}", str(novel),
                     NA if fdr10 is None else f"{fdr10:,}", per100))
    return Table(f"Screened proteomes: candidate regions (runs of overlapping windows at or above a threshold) "
                 f"at the fixed 0.9 threshold, at the model threshold {threshold:.3f} and at FDR 10%",
                 ("proteome", "proteins", "windows", "calls at 0.9", f"calls at {threshold:.3f}",
                  f"novel at {threshold:.3f}", "calls at FDR 10%", "calls per 100 proteins"), tuple(rows))

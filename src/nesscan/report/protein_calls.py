"""The report's protein-level results per screen: the proteins called, beside the windows.

For each screen whose ``proteins.csv`` has a ``protein_score`` (a model with a protein
model, :mod:`nesscan.model.cargo`): the proteins the compartment gate set aside
(:mod:`nesscan.localisation.model`), the protein-level calls at a batch q-value of 5%
and 10% among the proteins it let through, beside the window-level calls at an estimated
FDR of 10% (all from ``fdr.json``, recomputed from ``proteins.csv`` when an older
``fdr.json`` lacks the protein keys), and the top proteins by protein score, among those
that can be cargo, with their best NES window.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from nesscan.report.data import ScreenData, proteome_label
from nesscan.report.render import Block, Para, Table
from nesscan.report.tables import NA, fmt_num, screened_sequences


def has_protein_scores(screen: ScreenData) -> bool:
    """Whether a screen's ``proteins.csv`` holds protein scores (its model had a protein model)."""
    col = screen.proteins.get("protein_score")
    return col is not None and bool(pd.to_numeric(col, errors="coerce").notna().any())


def _q(screen: ScreenData) -> pd.Series:
    col = "cargo_q_value_batch" if "cargo_q_value_batch" in screen.proteins else "protein_q_value"
    return pd.to_numeric(screen.proteins.get(col, pd.Series(dtype=float)), errors="coerce")


def _assessed(screen: ScreenData) -> pd.Series:
    """True for proteins the compartment gate let through (every protein of an older screen)."""
    status = screen.proteins.get("call_status")
    if status is None:
        return pd.Series(True, index=screen.proteins.index)
    return ~status.fillna("").astype(str).str.startswith("not assessed")


def protein_calls(screen: ScreenData, level: int) -> dict[str, Any]:
    """Protein-level calls at a batch q-value of ``level`` % (5 or 10): ``scored`` (proteins
    assessed: scored and let through by the compartment gate), ``set_aside``, ``calls``,
    ``per100`` (per 100 proteins screened), ``cutoff`` (lowest protein score called; None
    when none), ``lowest`` (lowest q-value), from ``fdr.json``
    (:mod:`nesscan.screen.calibration`), else from ``proteins.csv``."""
    fdr = screen.fdr or {}
    if f"protein_calls_at_q_{level}" in fdr and "proteins_assessed" in fdr:
        return {"scored": fdr.get("proteins_assessed"), "set_aside": fdr.get("proteins_set_aside"),
                "calls": fdr[f"protein_calls_at_q_{level}"],
                "per100": fdr.get(f"protein_calls_per_100_proteins_at_q_{level}"),
                "cutoff": fdr.get(f"protein_score_threshold_at_q_{level}"),
                "lowest": fdr.get("lowest_cargo_q_value_batch")}
    q = _q(screen)
    scores = pd.to_numeric(screen.proteins["protein_score"], errors="coerce")
    assessed = _assessed(screen)
    scored = int((scores.notna() & assessed).sum())
    called = (q <= level / 100).to_numpy() & assessed.to_numpy()
    n = len(screen.proteins)
    return {"scored": scored, "set_aside": int((scores.notna() & ~assessed).sum()),
            "calls": int(called.sum()) if q.notna().any() else None,
            "per100": 100.0 * called.sum() / n if n and q.notna().any() else None,
            "cutoff": float(scores[called].min()) if called.any() else None,
            "lowest": float(q[assessed].min()) if q[assessed].notna().any() else None}


def _count(x: Any) -> str:
    return NA if x is None else f"{int(x):,}"


def _per100(x: Any) -> str:
    return NA if x is None else f"{float(x):.1f}"


def _window_cutoff(fdr: dict[str, Any]) -> str:
    """The window score at an estimated FDR of 10% ("none reached" when no score reaches it)."""
    thresholds = fdr.get("thresholds") or {}
    key, where = ("fdr_10", thresholds) if "fdr_10" in thresholds else ("threshold_at_fdr_10", fdr)
    if key not in where:
        return NA
    return "none reached" if where[key] is None else fmt_num(where[key])


def calls_table(screens: list[ScreenData], control: str | None) -> Table:
    """Per screen: protein-level calls at q 5% and 10% beside window-level calls at FDR 10%."""
    rows = []
    for s in screens:
        p5, p10 = protein_calls(s, 5), protein_calls(s, 10)
        fdr = s.fdr or {}
        win_calls = fdr.get("calls_at_fdr_10")
        rows.append((proteome_label(s.name) + (" [control]" if s.name == control else ""), _count(p10["set_aside"]),
                     _count(p10["scored"]), _count(p5["calls"]), _count(p10["calls"]), _per100(p10["per100"]),
                     "none reached" if p10["calls"] == 0 else fmt_num(p10["cutoff"]), fmt_num(p10["lowest"]),
                     _count(win_calls), _per100(fdr.get("calls_per_100_proteins_at_fdr_10")),
                     _window_cutoff(fdr),
                     fmt_num(fdr.get("lowest_q_value"))))
    null = next((s.fdr.get("protein_null_size") for s in screens if s.fdr and s.fdr.get("protein_null_size")), None)
    caption = ("Table 8: protein-level calls beside window-level calls, per proteome. Set aside: proteins the "
               "compartment gate predicts cannot be CRM1 cargo (membrane, secretory pathway, mitochondrial: not "
               "assessed); assessed: the rest. Protein level: assessed proteins whose batch q-value is at most 5% or "
               "10% (Benjamini-Hochberg over the assessed proteins of the p-values of their protein score against "
               "the out-of-fold protein scores of the "
               + (f"{null:,} " if null else "") + "training non-binders, a null fixed with the model); "
               "window level: candidate regions at an estimated target-decoy FDR of 10% (unchanged). The two answer "
               "different questions: is this protein exported, and is this window an NES")
    if control is not None and any(s.name == control for s in screens):
        caption += "; on the negative-control proteome every call of either kind is a false positive"
    return Table(caption, ("proteome", "proteins set aside", "proteins assessed", "proteins at q 5%", "proteins at q 10%",
                           "per 100 proteins at q 10%", "protein score cut-off at q 10%", "lowest batch q-value",
                           "window calls at FDR 10%", "window calls per 100 proteins", "window score cut-off",
                           "lowest window q-value"), tuple(rows))


def _candidate_at(cands: pd.DataFrame, accession: str, start: int) -> pd.Series | None:
    if not len(cands) or "accession" not in cands or "start" not in cands:
        return None
    hit = cands[(cands["accession"].astype(str) == accession) & (pd.to_numeric(cands["start"]) == start)]
    return hit.iloc[0] if len(hit) else None


def _int(x: Any) -> int | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else int(v)


def top_proteins(screen: ScreenData, window: int, threshold: float, n: int = 10) -> Table:
    """The ``n`` proteins of a screen with the highest protein score, each with its cargo
    probability, batch q-value and best NES window (proteins set aside by the compartment
    gate are left out) (``best_start`` of ``proteins.csv``;
    its sequence from ``candidates.csv`` when the window is a candidate, else from the
    screened FASTA when it is at hand)."""
    prots = screen.proteins.assign(_ps=pd.to_numeric(screen.proteins["protein_score"], errors="coerce"))
    top = prots[prots["_ps"].notna() & _assessed(screen)].sort_values("_ps", ascending=False, kind="stable").head(n)
    cands = screen.candidates
    missing = {str(r.accession) for r in top.itertuples()
               if _int(r.best_start) is not None and _candidate_at(cands, str(r.accession), _int(r.best_start)) is None}
    fasta = screened_sequences(screen, missing) if missing else {}
    rows = []
    for rank, (_, r) in enumerate(top.iterrows(), 1):
        acc, start = str(r["accession"]), _int(r.get("best_start"))
        cand = None if start is None else _candidate_at(cands, acc, start)
        seq = NA
        if cand is not None and isinstance(cand.get("sequence"), str):
            seq = cand["sequence"]
        elif start is not None and fasta and acc in fasta:
            seq = fasta[acc][start - 1:start - 1 + window] or NA
        if cand is not None:
            known = str(cand.get("known_nes", "")).lower() == "true"
            call = "candidate, known NES (NESdb)" if known else "candidate, novel"
        else:
            call = NA if start is None else f"below the threshold {threshold:.3f}"
        rows.append((str(rank), acc, "" if pd.isna(r.get("gene")) else str(r.get("gene", "")),
                     _count(_int(r.get("length"))), fmt_num(r["_ps"]), fmt_num(r.get("cargo_probability")),
                     fmt_num(r.get("cargo_q_value_batch", r.get("protein_q_value"))), NA if start is None else f"{start}-{start + window - 1}",
                     fmt_num(r.get("max_score")), seq, call,
                     NA if cand is None else fmt_num(cand.get("q_value"))))
    label = proteome_label(screen.name)
    caption = (f"Table 9 ({label}): top proteins, the {len(rows)} proteins with the highest protein score, of "
               f"{int((prots['_ps'].notna() & _assessed(screen)).sum()):,} assessed (proteins the compartment gate sets "
               f"aside are left out). Cargo probability: P(CRM1 cargo) from the whole protein; "
               f"q-value: the batch q-value of the protein score against the training non-binders; best window: 1-based residues "
               f"of the protein's best {window}-residue window (best_start of proteins.csv), its score, its sequence "
               f"(from candidates.csv, else from the screened FASTA; n/a when neither is at hand), whether it is a "
               f"candidate and its window-level q-value. A protein near the top need not hold a good window: the "
               f"protein score weighs the whole protein first (some cargoes ride on a partner)")
    return Table(caption, ("rank", "accession", "gene", "length", "protein score", "cargo probability",
                           "q-value (batch)", "best window", "window score", "window sequence", "window call",
                           "window q-value"), tuple(rows), mono=("window sequence",))


def screen_blocks(screens: list[ScreenData], control: str | None, window: int, threshold: float) -> list[Block]:
    """The per-screen part of the protein-level section: the calls table and each target
    proteome's top proteins (the control's only when it is the sole screen)."""
    if not screens:
        return [Para("Not computed in this run: no proteome was screened.")]
    scored = [s for s in screens if has_protein_scores(s)]
    unscored = [proteome_label(s.name) for s in screens if not has_protein_scores(s)]
    blocks: list[Block] = []
    if unscored:
        blocks.append(Para(f"Not computed in this run for {', '.join(unscored)}: proteins.csv has no protein_score "
                           "(screened with a model that has no protein model, or by an older nesscan)."))
    if not scored:
        return blocks
    blocks.append(calls_table(scored, control))
    targets = [s for s in scored if s.name != control] or scored
    blocks += [top_proteins(s, window, threshold) for s in targets]
    for table in (reason_table(scored), class_table(scored)):
        if table is not None:
            blocks.append(table)
    return blocks


def reason_table(screens: list[ScreenData]) -> Table | None:
    """Table 10: per proteome, the proteins not assessed at the protein level, by the reason in
    their ``call_status`` (None when no screen has the column)."""
    rows = []
    for s in screens:
        status = s.proteins.get("call_status")
        if status is None:
            continue
        reasons = status.fillna("").astype(str)
        reasons = reasons[reasons.str.startswith("not assessed")].str.removeprefix("not assessed: ")
        counts = reasons.str.replace(r" \(\d+ TM (helix|helices)\)$", "", regex=True).value_counts()
        for reason, n in counts.items():
            rows.append((proteome_label(s.name), reason, _count(n), _per100(100.0 * n / max(len(s.proteins), 1))))
    if not rows:
        return None
    caption = ("Table 10: proteins not assessed at the protein level, per proteome and reason (call_status of "
               "proteins.csv): the compartment gate predicts from the sequence that they live in a membrane, the "
               "secretory pathway or mitochondria, where CRM1 never meets them as free soluble proteins; their cargo "
               "probability and protein score stay in proteins.csv, but they get no p-value, no q-value and no call")
    return Table(caption, ("proteome", "reason", "proteins", "per 100 proteins"), tuple(rows))


CLASS_FILE = "protein_classes.tsv"


def class_table(screens: list[ScreenData]) -> Table | None:
    """Table 11: call rates in protein classes that cannot be cargo, per screen, from each
    screen folder's ``protein_classes.tsv`` (written by ``nesscan run``,
    :func:`nesscan.validate.protein_classes.class_call_rates`); None when no screen has one."""
    rows = []
    for s in screens:
        path = s.path / CLASS_FILE
        if not path.is_file():
            continue
        t = pd.read_csv(path, sep="\t")
        for _, r in t[t.proteins > 0].iterrows():
            without = r["called_without_gate_pct"]
            rows.append((proteome_label(s.name), str(r["class"]), str(r["defined_by"]), _count(r["proteins"]),
                         _count(r["called"]), _per100(r["called_pct"]), NA if pd.isna(without) else _per100(without)))
    if not rows:
        return None
    caption = ("Table 11: the check of the protein calls, per proteome: the share of each class called (the compartment "
               "gate let the protein through and its batch q-value is at most 0.10), beside the share that would be called "
               "without the gate. Classes predicted from the sequence are set aside by construction; classes named in the "
               "protein names (e.g. olfactory receptors, seven-transmembrane receptors of the plasma membrane) test the gate "
               "from outside, since nothing in it reads names. Every call in a class that cannot be CRM1 cargo is a false "
               "call; the NESdb parents, real cargoes, should stay called")
    return Table(caption, ("proteome", "class", "defined by", "proteins", "called", "called %",
                           "called % without the gate"), tuple(rows))

"""The report's optional structure section: ``screen/<name>/structure.csv`` of
``nesscan structure`` (columns: :mod:`nesscan.structure.table`), when present.

For each screen that has one: a sentence of how many candidates had a usable model,
Table S (the top candidates ranked by the combined score beside their rank by the
sequence score alone) and Figure 4 (anchor RSA against window pLDDT, coloured by the
combined score, known NESs marked).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nesscan.report.data import ScreenData, proteome_label, read_table
from nesscan.report.render import Block, FigureRef, Heading, Para, Table
from nesscan.report.tables import fmt_num

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _known(table: pd.DataFrame) -> np.ndarray:
    if "known_nes" not in table.columns:
        return np.zeros(len(table), bool)
    return table["known_nes"].astype(str).str.lower().eq("true").to_numpy()


def figure_stem(screen: ScreenData) -> str:
    """``fig4_structure_<screen name>`` with unsafe characters replaced."""
    return "fig4_structure_" + re.sub(r"[^A-Za-z0-9_.-]", "_", screen.name)


def before_after_table(screen: ScreenData, table: pd.DataFrame, n: int = 15) -> Table:
    """The ``n`` best candidates by ``combined_score`` with their rank by ``score`` alone."""
    t = table.assign(rank_before=table["score"].rank(ascending=False, method="first").astype(int),
                     rank_after=table["combined_score"].rank(ascending=False, method="first").astype(int))
    t = t.sort_values("rank_after").head(n)
    known = _known(t)
    rows = tuple((str(r.rank_after), str(r.rank_before), str(r.accession), str(r.get("gene", "") or ""),
                  str(r.start), fmt_num(r.score), fmt_num(r.structural_score), fmt_num(r.combined_score),
                  str(r.structure_explanation), str(r.structure_status), "known" if k else "novel")
                 for (_, r), k in zip(t.iterrows(), known))
    caption = (f"Table S ({proteome_label(screen.name)}): candidates before and after structural scoring: "
               f"top {len(rows)} of {len(table):,} by the combined score (0.75 x score + 0.25 x structural "
               f"score), with their rank by the sequence score alone (start: 1-based first residue of the best window)")
    return Table(caption, ("rank after", "rank before", "accession", "gene", "start", "score", "structural",
                           "combined", "structure", "status", "known or novel"), rows)


def structure_figure(table: pd.DataFrame, title: str) -> Figure:
    """Anchor RSA (x) against window pLDDT (y) per candidate, coloured by combined score."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    ok = table["rsa_anchors"].notna() & table["plddt_window"].notna()
    t, known = table[ok], _known(table)[ok.to_numpy()]
    sc = ax.scatter(t["rsa_anchors"], t["plddt_window"], c=t["combined_score"], cmap="viridis", s=14,
                    vmin=float(np.nanmin(table["combined_score"])) if len(t) else 0, vmax=1.0, lw=0)
    if known.any():
        ax.scatter(t["rsa_anchors"][known], t["plddt_window"][known], s=60, facecolors="none",
                   edgecolors="red", lw=1.2, label="known NES (NESdb)")
        ax.legend(loc="lower right", fontsize=8)
    ax.axvline(0.20, color="0.5", ls="--", lw=0.8)
    for y in (50, 70):
        ax.axhline(y, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("mean RSA of the anchor residues")
    ax.set_ylabel("mean pLDDT of the window")
    ax.set_title(title, fontsize=10)
    fig.colorbar(sc, ax=ax, label="combined score")
    fig.tight_layout()
    return fig


def structure_section(screens: list[ScreenData]) -> tuple[list[Block], dict[str, Figure]]:
    """Blocks and figures of the structure section; empty when no screen has ``structure.csv``.
    A ``structure.csv`` derived from another ``candidates.csv`` than the one beside it
    (:func:`nesscan.screen.outputs.derived_status`) is not reported; a line says why."""
    blocks: list[Block] = []
    figs: dict[str, Figure] = {}
    from nesscan.screen.outputs import derived_status

    for screen in screens:
        table = read_table(screen.path / "structure.csv")
        if table is None or table.empty:
            continue
        stale = derived_status(screen.path / "structure.csv", screen.path / "candidates.csv")
        if stale is not None:  # derived from an earlier screen: its rows are not this screen's
            if not blocks:
                blocks.append(Heading(2, "Structure (AlphaFold models)"))
            blocks.append(Para(f"{proteome_label(screen.name)}: structure.csv not reported: {stale}."))
            continue
        if not blocks:
            blocks.append(Heading(2, "Structure (AlphaFold models)"))
        status = table["structure_status"].fillna("")
        predicted = table["plddt_source"].fillna("").eq("metapredict") if "plddt_source" in table else \
            pd.Series(False, index=table.index)
        usable = int((table["structural_score"].notna() & ~predicted).sum())
        counts = ", ".join(f"{k} {v}" for k, v in status.value_counts().items())
        label = proteome_label(screen.name)
        blocks.append(Para(
            f"{label}: {usable:,} of {len(table):,} candidates had a usable AlphaFold model ({counts}). "
            "Structure re-weights candidates and removes none: the structural score (0-1) rises with the "
            "anchors' relative solvent accessibility where pLDDT is high, and is 0.75 in disordered "
            "regions (pLDDT < 50), whose burial means nothing; rows without a model keep a neutral 0.5"
            + (f", or, for the {int(predicted.sum()):,} flagged predicted_plddt, are scored from "
               "metapredict's sequence-predicted pLDDT alone (0.75 disordered to 0.5 folded, exposure unknown)"
               if predicted.any() else "") + "."))
        blocks.append(before_after_table(screen, table))
        stem = figure_stem(screen)
        figs[stem] = structure_figure(table, f"{label}: candidates by accessibility and confidence")
        blocks.append(FigureRef(stem, f"Figure 4 ({label}). Mean relative solvent accessibility of the "
                                "anchor residues against mean pLDDT of the window, one point per candidate "
                                "with a model, coloured by the combined score; red rings: known NESdb NESs. "
                                "Dashed: RSA 0.20 (exposed/buried); dotted: pLDDT 50 and 70."))
    return blocks, figs

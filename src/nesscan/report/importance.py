"""The report's per-residue importance section: ``importance.csv`` of a screen (the alanine
scan of its top called windows, :mod:`nesscan.design.importance`).

Per screen: a heat map (rows: the called windows, ``protein:start-end``; columns: the
window's residues; colour: the change of the window score when the residue is changed to
alanine; the Kosugi anchors boxed) and a table of the residues whose alanine lowers the
score most. A screen without ``importance.csv`` (screened by an older nesscan) gets one line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nesscan.report.data import ScreenData, proteome_label, read_table
from nesscan.report.render import Block, FigureRef, Heading, Para, Table
from nesscan.report.tables import NA, fmt_num

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TITLE = "Which residues carry the top calls (in-silico alanine scan)"
#: Residues named per call in the table (largest drops first).
N_DROPS = 3
#: What the scan is and is not (one paragraph under the heading).
MEANING = (
    "Each residue of a top called window (at most 10, as in the headline's table) is changed to alanine on its "
    "own and the whole mutant protein is scored again by the same model; the change of the window score "
    "(mutant minus wild type; below 0: the residue supports the call) is the model's view of what carries the "
    "call, not a measurement. On NESdb's export-affecting residues this ranking did not beat the hydrophobic "
    "residues or the Kosugi anchors alone (docs: Benchmarks, designed mutants and per-residue importance); read "
    "a large drop at a non-anchor residue as something to test, not as a found anchor.")


def figure_stem(screen: ScreenData) -> str:
    """``fig5_importance_<screen name>`` with unsafe characters replaced."""
    return "fig5_importance_" + re.sub(r"[^A-Za-z0-9_.-]", "_", screen.name)


def _calls(table: pd.DataFrame) -> list[tuple[str, int, int]]:
    """The scanned windows (accession, start, end) in the file's order."""
    keys = table[["accession", "start", "end"]].drop_duplicates()
    return [(str(a), int(s), int(e)) for a, s, e in keys.itertuples(index=False)]


def _labels(screen: ScreenData, calls: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    """``GENE (ACC):start-end`` per call (the gene from ``candidates.csv`` when it has one)."""
    c = screen.candidates
    genes: dict[tuple[str, int], str] = {}
    if {"accession", "start", "gene"} <= set(c.columns):
        genes = {(str(a), int(s)): str(g) for a, s, g in c[["accession", "start", "gene"]].itertuples(index=False)
                 if isinstance(g, str) and g}
    return {k: (f"{genes[k[:2]]} ({k[0]})" if k[:2] in genes else k[0]) + f":{k[1]}-{k[2]}" for k in calls}


def _anchor(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.lower().eq("true").to_numpy()


def importance_figure(table: pd.DataFrame, labels: dict[tuple[str, int, int], str], title: str) -> Figure:
    """The heat map: a row per call, a column per residue of its window, colour ``delta``."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    calls = _calls(table)
    width = max(e - s + 1 for _, s, e in calls)
    delta = np.full((len(calls), width), np.nan)
    letters = [[""] * width for _ in calls]
    anchors: list[tuple[int, int]] = []
    for i, (acc, s, e) in enumerate(calls):
        rows = table[(table.accession.astype(str) == acc) & (table.start == s) & (table.end == e)]
        for (_, r), anchor in zip(rows.iterrows(), _anchor(rows["anchor"])):
            j = int(r.position) - s
            delta[i, j] = float(r.delta)
            letters[i][j] = str(r.wt)
            if anchor:
                anchors.append((i, j))
    span = float(np.nanmax(np.abs(delta))) if np.isfinite(delta).any() else 0.0
    span = max(span, 1e-6)
    fig = Figure(figsize=(max(6.4, 0.34 * width + 3.2), 0.42 * len(calls) + 1.9))
    ax = fig.add_subplot()
    cmap = _cmap()
    im = ax.imshow(np.ma.masked_invalid(delta), cmap=cmap, norm=TwoSlopeNorm(0.0, -span, span), aspect="auto")
    for i, row in enumerate(letters):
        for j, letter in enumerate(row):
            if not letter:  # an alanine of the wild type: no row in the scan
                continue
            strong = abs(delta[i, j]) > 0.6 * span
            ax.text(j, i, letter, ha="center", va="center", fontsize=7, family="monospace",
                    color="white" if strong else "black")
    for i, j in anchors:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1.4))
    ax.set_yticks(range(len(calls)), [labels[k] for k in calls], fontsize=7.5)
    ax.set_xticks(range(width), [str(j + 1) for j in range(width)], fontsize=7)
    ax.set_xlabel("residue of the window (1 = its first; letter: wild type; boxed: Kosugi anchor; grey: alanine)")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label="window score change (x to alanine)", fraction=0.04, pad=0.02)
    fig.tight_layout()
    return fig


def _cmap():
    from matplotlib import colormaps

    return colormaps["RdBu"].with_extremes(bad="0.85")  # red: the alanine lowers the score; grey: no row


def drops_table(screen: ScreenData, table: pd.DataFrame, labels: dict[tuple[str, int, int], str]) -> Table:
    """Per call: its anchors, the :data:`N_DROPS` residues whose alanine lowers the window score
    most, how many of them are anchors, and how many single alanines lose the call."""
    rows = []
    for rank, key in enumerate(_calls(table), 1):
        acc, s, e = key
        t = table[(table.accession.astype(str) == key[0]) & (table.start == s) & (table.end == e)]
        anchor = _anchor(t["anchor"])
        top = t.assign(is_anchor=anchor).sort_values(["delta", "position"]).head(N_DROPS)
        drops = "; ".join(f"{r.substitution.removeprefix('p.')} {r.delta:+.3f}" for r in top.itertuples())
        lost = int((t["call_before"].astype(str).eq("called") & ~t["call_after"].astype(str).eq("called")).sum())
        rows.append((str(rank), labels[key], fmt_num(t["window_score_before"].iloc[0]),
                     ", ".join(str(p) for p in t.position[anchor]) or NA, drops,
                     f"{int(top.is_anchor.sum())} of {len(top)}", f"{lost} of {len(t)}"))
    return Table(f"Residues that carry the top calls of {proteome_label(screen.name)} (importance.csv): per called "
                 f"window, the {N_DROPS} single alanines that lower its window score most (change after minus "
                 "before), how many of those are Kosugi anchors, and how many of the window's single alanines "
                 "lose the call (the protein alone against the model's reference nulls, as `nesscan mutate`)",
                 ("rank", "call", "window score", "anchors", f"largest drops (top {N_DROPS})",
                  "anchors among them", "alanines losing the call"), tuple(rows))


def importance_section(screens: list[ScreenData], control: str | None = None
                       ) -> tuple[list[Block], dict[str, Figure]]:
    """Blocks and figures of the section, for each screen but the negative control."""
    blocks: list[Block] = [Heading(2, TITLE), Para(MEANING)]
    figs: dict[str, Figure] = {}
    for screen in screens:
        if screen.name == control:
            continue
        label = proteome_label(screen.name)
        table = read_table(screen.path / "importance.csv")
        if table is None:
            blocks.append(Para(f"{label}: no importance.csv in the screen folder (screened by an older nesscan): "
                               "no per-residue importance."))
            continue
        if table.empty:
            blocks.append(Para(f"{label}: no window is called: nothing was scanned (importance.csv is empty)."))
            continue
        calls = _calls(table)
        labels = _labels(screen, calls)
        stem = figure_stem(screen)
        figs[stem] = importance_figure(table, labels, f"{label}: alanine scan of the top {len(calls)} called windows")
        blocks.append(FigureRef(stem, f"Figure 5 ({label}). Per-residue importance of the top {len(calls)} called "
                                "windows, in the headline's order: each cell is the change of the window score "
                                "when that residue alone is changed to alanine (red: lower, blue: higher; one "
                                "colour scale for all rows); black boxes: the Kosugi anchors of the window; grey: "
                                "a wild-type alanine (not scanned)."))
        blocks.append(drops_table(screen, table, labels))
    return blocks, figs

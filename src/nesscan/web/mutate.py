"""The predict page's mutation box: one variant of a pasted protein, and the alanine scan of
one of its windows.

A variant is scored by :func:`nesscan.variants.mutate.score_variants` with whole rescoring
(every window of the mutant scored again), so the page's row is the row ``nesscan mutate
--rescoring whole`` writes for it; the mutant's residue track is drawn over the wild type's.
The alanine scan is :func:`nesscan.design.alanine_scan` (every mutant a whole protein through
the model), of the range the box names or, by default, of the protein's best candidate (its
best window when it has none). ``POST /`` (the page) and ``POST /api/mutate`` (JSON) call
:func:`mutate` and :func:`scan`.
"""

from __future__ import annotations

import re
from html import escape

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.screen.few_proteins import Prediction, json_row, residue_track

__all__ = ["mutate", "scan", "scan_range", "default_scan_range", "importance_svg", "saturation_svg", "effect_summary"]

#: The residues of a saturation scan, in the heat map's row order.
SATURATION_RESIDUES = "ACDEFGHIKLMNPQRSTVWY"

_RANGE = re.compile(r"^\s*(\d+)\s*[-:.]{1,2}\s*(\d+)\s*$")


def mutate(protein: Protein, variant: str, model: Predictor, threshold: float | None = None) -> dict:
    """The effect of ``variant`` on ``protein``: the ``variants.csv`` row (JSON-ready) and the
    mutant's per-residue track.

    Raises
    ------
    NesscanError
        A variant that cannot be applied (one line: its notation, a reference mismatch, a
        residue past the end, a frameshift without its new residues).
    """
    from nesscan.variants.mutate import apply_variant, score_variants
    from nesscan.variants.table import VariantInput

    variant = str(variant).strip()
    if not variant:
        raise NesscanError("type a variant in HGVS protein notation, e.g. p.L38A or p.Leu38Ala")
    v = VariantInput(1, protein.accession, variant)
    result = score_variants([protein], [v], model, threshold=threshold, method="whole", keep_scores=True)
    if result.errors:
        raise NesscanError(result.errors[0].removeprefix(f"{v.label}: "))
    _, _, mutant = apply_variant(v, protein)
    track = residue_track(np.asarray(result.mutant_scores.get(0, [])), model.window)
    return {"variant": json_row(result.table.iloc[0].to_dict()), "mutant_sequence": mutant,
            "residue_scores_after": [round(float(x), 6) for x in track]}


def default_scan_range(prediction: Prediction, window: int) -> tuple[int, int] | None:
    """The best candidate's window, else the best window; None for a protein without a window."""
    if prediction.candidates:
        best = max(prediction.candidates, key=lambda c: c["score"])
        return int(best["start"]), int(best["end"])
    if len(prediction.scores):
        i = int(np.argmax(prediction.scores))
        return i + 1, i + window
    return None


def scan_range(text: str, length: int) -> tuple[int, int]:
    """``"START-END"`` (1-based inclusive) checked against the protein's length.

    >>> scan_range("38-47", 75)
    (38, 47)

    Raises
    ------
    NesscanError
        Not START-END, or outside 1..length, or longer than 60 residues.
    """
    m = _RANGE.match(str(text))
    if m is None or int(m[1]) > int(m[2]):
        raise NesscanError(f"scan range {text!r}: give START-END, 1-based residues with START <= END (e.g. 38-47)")
    start, end = int(m[1]), int(m[2])
    if not 1 <= start <= end <= length:
        raise NesscanError(f"scan range {start}-{end} is outside the protein (residues 1-{length})")
    if end - start + 1 > 60:
        raise NesscanError(f"scan range {start}-{end}: at most 60 residues (an NES is 8-15, a window 22)")
    return start, end


def scan(prediction: Prediction, where: str | None, model: Predictor, saturation: bool = False
         ) -> tuple[int, int, pd.DataFrame]:
    """``(start, end, rows)``: the alanine scan (:func:`nesscan.design.alanine_scan`) of the
    range ``where`` (``"START-END"``; None or empty: :func:`default_scan_range`) of a predicted
    protein, or with ``saturation`` every other standard residue at each position (19 mutants
    a residue).

    Raises
    ------
    NesscanError
        A bad range (:func:`scan_range`), or a protein without a window.
    """
    from nesscan.design import alanine_scan

    if where:
        start, end = scan_range(where, len(prediction.protein.sequence))
    elif (at := default_scan_range(prediction, model.window)) is not None:
        start, end = at
    else:
        raise NesscanError("this protein has no window to scan")
    return start, end, alanine_scan(prediction.protein, start, end, model, SATURATION_RESIDUES if saturation else "A")


def effect_summary(row: dict) -> list[tuple[str, str]]:
    """The row's main numbers as (label, text) pairs, for the page."""
    def num(v, fmt="{:.3f}"):
        return "–" if v is None else fmt.format(v)

    pairs = [("best window near the change",
              f"{row['best_start_before']}-{row['best_end_before']} {num(row['best_score_before'])} → "
              f"{row['best_start_after']}-{row['best_end_after']} {num(row['best_score_after'])} "
              f"({num(row['score_change'], '{:+.3f}')})" if row.get("best_start_after") is not None else "–"),
             ("calls", f"{row['n_called_before']} → {row['n_called_after']}"
                       + (f"; gained {row['called_gained']}" if row.get("called_gained") else "")
                       + (f"; lost {row['called_lost']}" if row.get("called_lost") else "")),
             ("candidates", f"{row['n_candidates_before']} → {row['n_candidates_after']}"
                            + (f"; gained {row['candidates_gained']}" if row.get("candidates_gained") else "")
                            + (f"; lost {row['candidates_lost']}" if row.get("candidates_lost") else ""))]
    if row.get("cargo_probability_before") is not None:
        pairs.append(("cargo probability", f"{num(row['cargo_probability_before'])} → "
                                           f"{num(row['cargo_probability_after'])}"))
    if row.get("compartment_evidence"):
        pairs.append(("compartment", f"{row['compartment_before']} → {row['compartment_after']} "
                                     f"({row['compartment_evidence']})"))
    return pairs


def importance_svg(table: pd.DataFrame, label: str = "") -> str:
    """A bar per scanned residue: the change in the target's window score when it becomes
    alanine (below the axis: the NES weakens), anchors in a darker bar; the residue letters
    and numbers under the axis. Parts: ``rect.bar`` (``data-position``, ``data-delta``),
    ``rect.bar.anchor``, ``text.residue``."""
    width, height, left, top, plot = 960, 170, 44, 12, 110
    rows = table.sort_values("position").to_dict("records")
    n = max(len(rows), 1)
    step = (width - left - 12) / n
    lim = max(0.05, float(np.abs(table["delta"]).max()) if len(table) else 0.05)
    zero = top + plot / 2

    def y(v: float) -> float:
        return zero - v / lim * (plot / 2)

    parts = [f'<svg class="importance-svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
             f'<line class="axis-zero" x1="{left}" x2="{width - 12}" y1="{zero}" y2="{zero}"/>']
    for v in (-lim, 0.0, lim):
        parts.append(f'<text class="axis" x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:+.2f}</text>')
    for i, r in enumerate(rows):
        x0, d = left + i * step, float(r["delta"])
        top_y, bottom_y = min(y(d), zero), max(y(d), zero)
        cls = "bar anchor" if r["anchor"] else "bar"
        parts.append(f'<rect class="{cls}" data-position="{int(r["position"])}" data-delta="{d:.4f}" '
                     f'x="{x0 + step * 0.15:.1f}" y="{top_y:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{max(bottom_y - top_y, 0.5):.1f}"><title>{escape(r["substitution"])}: window score '
                     f'{float(r["window_score_before"]):.3f} → {float(r["window_score_after"]):.3f}'
                     f'{" (anchor)" if r["anchor"] else ""}</title></rect>')
        parts.append(f'<text class="residue" x="{x0 + step / 2:.1f}" y="{top + plot + 16}" text-anchor="middle">'
                     f'{escape(r["wt"])}</text><text class="axis" x="{x0 + step / 2:.1f}" y="{top + plot + 30}" '
                     f'text-anchor="middle">{int(r["position"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def saturation_svg(table: pd.DataFrame, label: str = "") -> str:
    """A heat map of a saturation scan: a column per scanned residue, a row per new residue
    (:data:`SATURATION_RESIDUES`), colour the change in the window score (red: weaker, blue:
    stronger); the wild-type cell of each column is marked. Parts: ``rect.cell``
    (``data-position``, ``data-mut``, ``data-delta``), ``rect.wild-type``."""
    positions = sorted(int(p) for p in table["position"].unique())
    wild = dict(zip(table["position"].astype(int), table["wt"]))
    n, rows = max(len(positions), 1), SATURATION_RESIDUES
    left, top, cell_h = 30, 8, 11
    step = (960 - left - 12) / n
    height = top + cell_h * len(rows) + 34
    lim = max(0.05, float(np.abs(table["delta"]).max()) if len(table) else 0.05)
    col = {p: i for i, p in enumerate(positions)}

    def colour(d: float) -> str:
        t = min(abs(d) / lim, 1.0)
        r, g, b = (178, 24, 43) if d < 0 else (33, 102, 172)
        mix = [round(255 + (c - 255) * t) for c in (r, g, b)]
        return f"rgb({mix[0]},{mix[1]},{mix[2]})"

    parts = [f'<svg class="saturation-svg" viewBox="0 0 960 {height}" role="img" aria-label="{escape(label)}">']
    for k, aa in enumerate(rows):
        parts.append(f'<text class="residue" x="{left - 4}" y="{top + k * cell_h + 9}" text-anchor="end">{aa}</text>')
    for r in table.to_dict("records"):
        x, y = left + col[int(r["position"])] * step, top + rows.index(r["mut"]) * cell_h
        d = float(r["delta"])
        parts.append(f'<rect class="cell" data-position="{int(r["position"])}" data-mut="{r["mut"]}" '
                     f'data-delta="{d:.4f}" x="{x:.1f}" y="{y}" width="{step:.1f}" height="{cell_h}" '
                     f'fill="{colour(d)}"><title>{escape(r["substitution"])}: {d:+.3f}</title></rect>')
    for p in positions:
        if wild[p] in rows:
            x, y = left + col[p] * step, top + rows.index(wild[p]) * cell_h
            parts.append(f'<rect class="wild-type" x="{x + 1:.1f}" y="{y + 1}" width="{max(step - 2, 1):.1f}" '
                         f'height="{cell_h - 2}"/>')
        parts.append(f'<text class="residue" x="{left + col[p] * step + step / 2:.1f}" y="{height - 20}" '
                     f'text-anchor="middle">{escape(wild[p])}</text><text class="axis" '
                     f'x="{left + col[p] * step + step / 2:.1f}" y="{height - 6}" text-anchor="middle">{p}</text>')
    parts.append("</svg>")
    return "".join(parts)

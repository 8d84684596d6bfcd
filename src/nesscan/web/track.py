"""Draw a protein's scores for a page: an SVG score track and a highlighted sequence.

Both are built here as plain data and strings so that the templates stay simple and the
drawing is testable without a browser. Residue numbers are 1-based inclusive throughout.

The SVG has these parts, each with a class the page's stylesheet and the browser tests use:
``path.track`` (per-residue score, :func:`nesscan.web.predict.residue_track`),
``line.threshold``, ``rect.nes-window`` (best window of each candidate, with
``data-start``/``data-end``), ``rect.nes-region`` (the candidate's run of windows),
``line.anchor`` (hydrophobic anchor residues), ``rect.known-nes`` (known NES ranges, in a
lane under the plot), and with a variant from the mutation box ``polyline.track-mutant`` (the
mutant's track, in the mutant's residue numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH, HEIGHT = 960, 190
LEFT, RIGHT, TOP, PLOT = 44, 12, 10, 120
LANE = TOP + PLOT + 14  # y of the known-NES lane


@dataclass(frozen=True)
class Segment:
    """A run of residues drawn alike in the sequence view."""

    start: int  # 1-based first residue
    text: str
    css: str  # space-separated classes: "w" in a candidate window, "a" anchor, "k" known NES


def _ticks(length: int) -> list[int]:
    """Round residue numbers for the x axis, about 8 of them."""
    raw = max(length / 8, 1)
    step = min((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000)
                if s >= raw), default=5000)
    return [1] + list(range(step, length + 1, step))


def track_svg(track: np.ndarray, length: int, candidates: list[dict], known: list[dict],
              threshold: float, label: str = "", mutant_track: np.ndarray | None = None) -> str:
    """The SVG drawing of one protein's per-residue scores.

    Parameters
    ----------
    track
        Per-residue scores 0-1 (``length`` values, or empty when the protein is shorter
        than the window: the plot is then drawn without a curve).
    length
        Protein length in residues.
    candidates
        Rows with ``start``, ``end``, ``region_start``, ``region_end``, ``score``,
        ``nes_class`` and ``anchors`` (comma-separated residue numbers).
    known
        Known NES ranges, dicts with ``start``, ``end``, ``nes_ids``.
    threshold
        Drawn as a dashed line.
    label
        Accessible name of the figure.
    mutant_track
        A mutant's per-residue scores, drawn over the track (the axis spans the longer of the
        two proteins).
    """
    mutant_track = np.zeros(0) if mutant_track is None else np.asarray(mutant_track, float)
    length = max(int(length), len(mutant_track), 1)
    span = WIDTH - LEFT - RIGHT

    def x(residue: float) -> float:  # left edge of a 1-based residue
        return LEFT + (residue - 1) / length * span

    def y(score: float) -> float:
        return TOP + (1.0 - float(score)) * PLOT

    parts = [f'<svg class="track-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" data-length="{length}" preserveAspectRatio="none">',
             f'<rect class="plot-bg" x="{LEFT}" y="{TOP}" width="{span}" height="{PLOT}"/>']
    for row in candidates:
        rs, re_ = int(row.get("region_start", row["start"])), int(row.get("region_end", row["end"]))
        parts.append(f'<rect class="nes-region" x="{x(rs):.2f}" y="{TOP}" width="{x(re_ + 1) - x(rs):.2f}" '
                     f'height="{PLOT}"/>')
    for row in candidates:
        s, e = int(row["start"]), int(row["end"])
        title = (f'candidate {s}-{e}, score {float(row["score"]):.3f}, class {row.get("nes_class", "")}'
                 + (f', anchors {row["anchors"]}' if row.get("anchors") else ""))
        parts.append(f'<rect class="nes-window" data-start="{s}" data-end="{e}" x="{x(s):.2f}" y="{TOP}" '
                     f'width="{x(e + 1) - x(s):.2f}" height="{PLOT}"><title>{escape(title)}</title></rect>')
        for a in str(row.get("anchors") or "").split(","):
            if a.strip():
                ax = x(int(a) + 0.5)
                parts.append(f'<line class="anchor" data-residue="{int(a)}" x1="{ax:.2f}" x2="{ax:.2f}" '
                             f'y1="{TOP + PLOT - 10}" y2="{TOP + PLOT}"/>')
    for k in known:
        s, e = int(k["start"]), int(k["end"])
        parts.append(f'<rect class="known-nes" data-start="{s}" data-end="{e}" x="{x(s):.2f}" y="{LANE - 5}" '
                     f'width="{max(x(e + 1) - x(s), 2):.2f}" height="10"><title>known NES {s}-{e}: '
                     f'{escape(str(k.get("nes_ids", "")))}</title></rect>')
    if known:
        parts.append(f'<text class="lane-label" x="{LEFT - 4}" y="{LANE + 4}" text-anchor="end">known</text>')
    if len(track):
        pts = " ".join(f"{x(i + 1.5):.1f},{y(v):.1f}" for i, v in enumerate(np.asarray(track, float)))
        parts.append(f'<polyline class="track" points="{pts}"/>')
    if len(mutant_track):
        pts = " ".join(f"{x(i + 1.5):.1f},{y(v):.1f}" for i, v in enumerate(mutant_track))
        parts.append(f'<polyline class="track-mutant" points="{pts}"/>')
    ty = y(threshold)
    parts.append(f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
                 f'<text class="threshold-label" x="{WIDTH - RIGHT - 2}" y="{ty - 3:.1f}" text-anchor="end">'
                 f'threshold {threshold:.3f}</text>')
    for v in (0.0, 0.5, 1.0):
        parts.append(f'<text class="axis" x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    base = TOP + PLOT
    for t in _ticks(length):
        tx = x(t + 0.5)
        parts.append(f'<line class="tick" x1="{tx:.1f}" x2="{tx:.1f}" y1="{base}" y2="{base + 4}"/>'
                     f'<text class="axis" x="{tx:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{t}</text>')
    parts.append(f'<line class="cursor" x1="0" x2="0" y1="{TOP}" y2="{base}" visibility="hidden"/></svg>')
    return "".join(parts)


ORDER_HEIGHT, ORDER_PANEL, ORDER_TOP, ORDER_STEP = 156, 48, 18, 66  # two panels: predicted pLDDT, predicted disorder


def order_svg(plddt: np.ndarray, disorder: np.ndarray, length: int, label: str = "") -> str:
    """The SVG of a protein's predicted pLDDT (0-100) and disorder (0-1) tracks, drawn under
    :func:`track_svg` on the same x axis (same width and margins).

    Parts: ``g.panel-plddt`` with ``polyline.plddt`` and the dashed bands ``line.band``
    at pLDDT 50 and 70; ``g.panel-disorder`` with ``polyline.disorder`` and the dashed
    cut-off ``line.band`` at 0.5 (the thresholds of :mod:`nesscan.explain`). Each panel has
    its axis label (``text.panel-label``) and y-axis values (``text.axis``).
    """
    from nesscan.explain import DISORDER_CUTOFF, PLDDT_DISORDERED, PLDDT_ORDERED

    length = max(int(length), 1)
    span = WIDTH - LEFT - RIGHT

    def x(residue: float) -> float:
        return LEFT + (residue - 1) / length * span

    parts = [f'<svg class="order-svg" viewBox="0 0 {WIDTH} {ORDER_HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" data-length="{length}" preserveAspectRatio="none">']
    panels = (("plddt", "predicted pLDDT", plddt, 100.0, (0, 50, 100), (PLDDT_DISORDERED, PLDDT_ORDERED), "{:g}"),
              ("disorder", "predicted disorder", disorder, 1.0, (0, 0.5, 1), (DISORDER_CUTOFF,), "{:g}"))
    for i, (name, title, values, top, ticks, bands, tf) in enumerate(panels):
        y0 = ORDER_TOP + i * ORDER_STEP

        def y(v: float, y0: float = y0, top: float = top) -> float:
            return y0 + (1.0 - float(v) / top) * ORDER_PANEL

        parts.append(f'<g class="panel-{name}"><rect class="plot-bg" x="{LEFT}" y="{y0}" width="{span}" '
                     f'height="{ORDER_PANEL}"/>')
        for b in bands:
            parts.append(f'<line class="band" data-value="{b:g}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                         f'y1="{y(b):.1f}" y2="{y(b):.1f}"/>')
        if len(values):
            pts = " ".join(f"{x(j + 1.5):.1f},{y(v):.1f}" for j, v in enumerate(np.asarray(values, float)))
            parts.append(f'<polyline class="{name}" points="{pts}"/>')
        for t in ticks:
            parts.append(f'<text class="axis" x="{LEFT - 4}" y="{y(t) + 4:.1f}" text-anchor="end">{tf.format(t)}</text>')
        parts.append(f'<text class="panel-label" x="{LEFT}" y="{y0 - 4:.1f}">{title} '
                     f'({"0-100; &lt; 50 disordered, &gt; 70 ordered" if name == "plddt" else "0-1; &gt; 0.5 disordered"}'
                     f')</text></g>')
    for t in _ticks(length):
        tx = x(t + 0.5)
        parts.append(f'<text class="axis" x="{tx:.1f}" y="{ORDER_HEIGHT - 4}" text-anchor="middle">{t}</text>')
    parts.append("</svg>")
    return "".join(parts)

def sequence_segments(sequence: str, candidates: list[dict], known: list[dict]) -> list[list[Segment]]:
    """The sequence in lines of 60 residues, cut into runs drawn alike.

    Returns
    -------
    list of list of Segment
        One list per line; classes: ``w`` inside a candidate's best window, ``a`` an
        anchor residue, ``k`` inside a known NES range.

    Examples
    --------
    >>> lines = sequence_segments("MKVLLAG", [{"start": 2, "end": 4, "anchors": "3"}], [])
    >>> [(s.start, s.text, s.css) for s in lines[0]]
    [(1, 'M', ''), (2, 'K', 'w'), (3, 'V', 'w a'), (4, 'L', 'w'), (5, 'LAG', '')]
    """
    n = len(sequence)
    window, anchor, knw = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    for row in candidates:
        window[int(row["start"]) - 1:int(row["end"])] = True
        for a in str(row.get("anchors") or "").split(","):
            if a.strip() and 0 < int(a) <= n:
                anchor[int(a) - 1] = True
    for k in known:
        knw[int(k["start"]) - 1:int(k["end"])] = True
    css = [" ".join(c for c, on in (("w", window[i]), ("a", anchor[i]), ("k", knw[i])) if on) for i in range(n)]
    lines = []
    for line_start in range(0, n, 60):
        segs: list[Segment] = []
        for i in range(line_start, min(line_start + 60, n)):
            if segs and segs[-1].css == css[i]:
                last = segs[-1]
                segs[-1] = Segment(last.start, last.text + sequence[i], last.css)
            else:
                segs.append(Segment(i + 1, sequence[i], css[i]))
        lines.append(segs)
    return lines

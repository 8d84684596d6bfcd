"""The report's figures as matplotlib ``Figure`` objects (Agg canvas, no pyplot state).

Each function returns a Figure; :func:`save_figure` writes it as PNG (150 dpi) and SVG
(no timestamp, fixed hash salt: the same inputs give the same bytes).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from nesscan.report.data import ORIGINAL_THRESHOLD, Distribution, ScoreGroup

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BASELINE_LABELS = {"composition": "composition (logistic regression on aa counts)",
                   "consensus_count": "consensus regex count (Kosugi classes)",
                   "hydrophobic_count": "hydrophobic residue count", "length": "length (constant: chance)"}
_FIXED = {"control": ("0.25", "-", 2.2), "heldout_neg": ("tab:brown", "--", 1.6),
          "heldout_pos": ("tab:green", ":", 2.0)}


def _style(group: ScoreGroup, i: int) -> dict[str, Any]:
    color, ls, lw = _FIXED.get(group.role, (f"C{i % 10}", "-", 1.6))
    return {"color": color, "ls": ls, "lw": lw}


def _new(figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def roc_figure(metrics: dict[str, Any], embedder: str) -> Figure:
    """Figure 1: held-out ROC of the model (solid) and every baseline (dashed).

    ``metrics``: :func:`nesscan.validate.evaluate.evaluate_with_baselines` output (with the
    optional ``threshold``, ``recall_at_threshold``, ``false_positive_rate_at_threshold``).
    """
    fig = _new((6.4, 5.6))
    ax = fig.add_subplot()
    for i, (name, m) in enumerate(metrics["scorers"].items()):
        main = name == "model"
        label = f"{'model (' + embedder + ')' if main else BASELINE_LABELS.get(name, name)}\n" \
                f"  AUC {m['auc']:.3f} [{m['auc_lo']:.3f}, {m['auc_hi']:.3f}]"
        ax.plot(m["fpr"], m["tpr"], color="black" if main else f"C{i % 10}", lw=2.4 if main else 1.3,
                ls="-" if main else "--", label=label, zorder=3 if main else 2)
    if metrics.get("recall_at_threshold") is not None and metrics.get("threshold") is not None:
        ax.plot([metrics["false_positive_rate_at_threshold"]], [metrics["recall_at_threshold"]], "o",
                color="tab:red", ms=7, zorder=4, label=f"model threshold {metrics['threshold']:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="chance")
    m = metrics["scorers"]["model"]
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), xlabel="False positive rate (fraction of negatives)",
           ylabel="True positive rate (fraction of NESs)",
           title=f"Held-out test set: {m['n_pos']} NES vs {m['n_neg']} negative windows")
    ax.legend(loc="lower right", fontsize=7, title="scorer, AUC [95% CI]", title_fontsize=7.5)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return fig


def _hist(ax: Axes, dist: Distribution, bins: int, **style: Any) -> None:
    edges, counts = dist.coarse(bins)
    frac = counts / max(dist.n, 1)
    ax.stairs(np.where(frac > 0, frac, np.nan), edges, **style)


def _thresholds(ax: Axes, threshold: float | None, vertical: bool = True) -> None:
    line = ax.axvline if vertical else ax.axhline
    line(ORIGINAL_THRESHOLD, color="tab:orange", ls="-.", lw=1.0, label=f"fixed {ORIGINAL_THRESHOLD} threshold")
    if threshold is not None and abs(threshold - ORIGINAL_THRESHOLD) > 1e-9:
        line(threshold, color="tab:red", ls="--", lw=1.0, label=f"model threshold {threshold:.3f}")


def distribution_figure(groups: Sequence[ScoreGroup], threshold: float | None) -> Figure:
    """Figure 2: histograms of window scores, protein max scores (and calibrated scores).

    The y axis is the fraction of a group's windows (or proteins) per bin, log scale, so
    groups of any size compare. One legend below the panels (the groups are the same in
    each) gives each group's n and bin widths, in a font that stays readable when the
    figure is scaled to the report's page width.
    """
    from matplotlib.lines import Line2D

    has_cal = any(g.calibrated is not None and len(g.calibrated) for g in groups)
    panels = 3 if has_cal else 2
    rows = max(1, math.ceil(len(groups) / 2))
    fig = _new((4.3 * panels, 4.4 + 0.32 * (rows + 1)))
    axes = fig.subplots(1, panels)
    handles, labels = [], []
    for i, g in enumerate(groups):
        st = _style(g, i)
        parts = []
        if g.windows is not None and g.windows.n:
            bins = 50 if g.windows.n >= 5000 else 20 if g.windows.n >= 300 else 10
            _hist(axes[0], g.windows, bins, **st)
            parts.append(f"{g.windows.n:,} windows (bin {1 / bins:g})")
        if g.proteins is not None and g.proteins.n:
            bins = 50 if g.proteins.n >= 2000 else 20
            _hist(axes[1], g.proteins, bins, **st)
            parts.append(f"{g.proteins.n:,} proteins (bin {1 / bins:g})")
        if has_cal and g.calibrated is not None and len(g.calibrated):
            hi = max(float(np.nanmax(x.calibrated)) for x in groups if x.calibrated is not None and len(x.calibrated))
            _hist(axes[2], Distribution.from_values(g.calibrated, 0.0, max(hi, 1e-6), 40), 40, **st)
        if parts:
            handles.append(Line2D([], [], **st))
            labels.append(f"{g.label}: {', '.join(parts)}")
    for ax in axes[:2]:
        _thresholds(ax, threshold)
    for h, lab in zip(*axes[0].get_legend_handles_labels()):  # the threshold lines, once
        handles.append(h)
        labels.append(lab)
    axes[0].set(xlabel="window score (0-1)", ylabel="fraction per bin (log scale)",
                title="a  Window scores", yscale="log", xlim=(0, 1))
    axes[1].set(xlabel="best window's score (0-1)", ylabel="fraction per bin (log scale)",
                title="b  Protein scores (max over windows)", yscale="log", xlim=(0, 1))
    if has_cal:
        axes[2].set(xlabel="-log10 length-corrected p", ylabel="fraction per bin (log scale)",
                    title="c  Length-calibrated protein scores", yscale="log")
    for ax in axes:
        ax.grid(alpha=0.25)
        ax.title.set_fontsize(12)
        ax.xaxis.label.set_fontsize(11)
        ax.yaxis.label.set_fontsize(10)
    legend_rows = math.ceil(len(labels) / 2)
    bottom = min(0.4, (0.2 * legend_rows + 0.25) / fig.get_figheight())
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=10.5, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def box_stats(dist: Distribution, label: str) -> dict[str, Any]:
    """Box-plot statistics from a histogram: quartiles, whiskers at the 1st/99th percentile."""
    q = {p: dist.quantile(p) for p in (0.01, 0.25, 0.5, 0.75, 0.99)}
    return {"label": label, "med": q[0.5], "q1": q[0.25], "q3": q[0.75], "whislo": q[0.01],
            "whishi": q[0.99], "mean": dist.mean(), "fliers": []}


def boxplot_figure(groups: Sequence[ScoreGroup], threshold: float | None) -> Figure:
    """Figure 3: box plots of window and protein scores per group (from the histograms)."""
    win = [(g, i) for i, g in enumerate(groups) if g.windows is not None and g.windows.n]
    prot = [(g, i) for i, g in enumerate(groups) if g.proteins is not None and g.proteins.n]
    fig = _new((12.0, 1.2 + 0.75 * max(len(win), len(prot), 1)))
    axes = fig.subplots(1, 2)
    for ax, items, attr, unit, title in ((axes[0], win, "windows", "windows", "a  Window scores"),
                                         (axes[1], prot, "proteins", "proteins", "b  Protein scores (max)")):
        stats = [box_stats(getattr(g, attr), f"{g.label}\nn = {getattr(g, attr).n:,} {unit}") for g, _ in items]
        if stats:
            art = ax.bxp(stats[::-1], orientation="horizontal", showmeans=True, patch_artist=True,
                         meanprops={"marker": "D", "markersize": 4, "markerfacecolor": "white", "markeredgecolor": "black"},
                         medianprops={"color": "black", "lw": 1.8})
            for box, (g, i) in zip(art["boxes"], items[::-1]):
                box.set(facecolor=_style(g, i)["color"], alpha=0.45)
        else:
            ax.text(0.5, 0.5, "no proteome screened in this run", ha="center", transform=ax.transAxes)
            ax.set_yticks([])
        _thresholds(ax, threshold)
        ax.set(xlim=(0, 1), title=title, xlabel="score (NES probability, 0-1)")
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(alpha=0.25, axis="x")
    axes[1].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def flowchart_figure(top: Sequence[str], bottom: Sequence[str], up_label: str = "") -> Figure:
    """Pipeline flowchart: a row of screening steps above a row of training steps.

    The last training box sits under the last-but-one screening box (the classifier)
    and feeds it with an upward arrow labelled ``up_label``.
    """
    from matplotlib.patches import FancyBboxPatch

    n = len(top)
    fig = _new((2.5 * n, 3.3))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, n), ylim=(0, 1))
    ax.axis("off")
    w, h = 0.86, 0.30
    rows = ((top, 0.72, "#dbe9f6", "screening"), (bottom, 0.21, "#fde9d2", "training"))
    for texts, y, color, name in rows:
        ax.text(0.04, y + h / 2 + 0.025, name, fontsize=8.5, style="italic", color="0.35", va="bottom")
        for j, text in enumerate(texts):
            ax.add_patch(FancyBboxPatch((j + 0.5 - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                        facecolor=color, edgecolor="0.3", lw=1.0))
            ax.text(j + 0.5, y, text, ha="center", va="center", fontsize=8.5)
            if j:
                ax.annotate("", xy=(j + 0.5 - w / 2 - 0.02, y), xytext=(j - 0.5 + w / 2 + 0.02, y),
                            arrowprops={"arrowstyle": "-|>", "color": "0.2", "lw": 1.3})
    if bottom and n >= 2:
        x = min(len(bottom) - 1, n - 2) + 0.5
        ax.annotate("", xy=(x, 0.72 - h / 2 - 0.02), xytext=(x, 0.21 + h / 2 + 0.02),
                    arrowprops={"arrowstyle": "-|>", "color": "tab:red", "lw": 1.6})
        ax.text(x + 0.04, 0.465, up_label, fontsize=7.5, color="tab:red", va="center")
    return fig


def save_figure(fig: Figure, out_dir: Path, stem: str) -> dict[str, Path]:
    """Write ``stem.png`` (150 dpi) and ``stem.svg`` into ``out_dir`` atomically."""
    import matplotlib

    out: dict[str, Path] = {}
    for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None})):
        path = Path(out_dir) / f"{stem}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        with matplotlib.rc_context({"svg.hashsalt": "nesscan", "svg.fonttype": "path"}):
            fig.savefig(tmp, format=fmt, dpi=150, metadata=meta)
        os.replace(tmp, path)
        out[fmt] = path
    return out

"""ROC/PR metrics with bootstrap CIs, always reported beside the trivial baselines.

Schema of :func:`evaluate_with_baselines` (plain JSON types, written as ``metrics.json``)::

    n_pos, n_neg        int      positives / negatives evaluated overall
    n_boot, seed, alpha          bootstrap settings (CI level = 1 - alpha)
    scorers             {name: evaluate_scores(...)} for "model" and BASELINE_NAMES,
                        overall: every negative except the ``separate`` sets
    groups              {negative set: {n_pos, n_neg, scorers: {name: {auc, auc_lo,
                        auc_hi, average_precision}}}}; {} when no groups were given
    separate            {negative set: note} of the groups left out of the overall
                        scores (e.g. ``locnes_neg``: its AUC is a lower bound)

and of :func:`evaluate_scores`: ``auc, auc_lo, auc_hi, average_precision, n_pos, n_neg``
plus the curves ``fpr, tpr`` (ROC) and ``precision, recall`` (PR), lists of floats thinned
to at most ``MAX_CURVE_POINTS`` for plotting (metrics always use every example).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.validate.baselines import baseline_scores

MAX_CURVE_POINTS = 1000
"""Curves stored in metrics dicts are thinned to at most this many points."""


def _check(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y, s = np.asarray(y_true), np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(f"y_true and scores must be 1-D, equal length; got {y.shape}, {s.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 (negative) and 1 (positive)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite (no NaN or inf)")
    y = y.astype(int)
    if y.size == 0 or y.min() == y.max():
        only = "no examples" if y.size == 0 else f"only {'positives' if y[0] else 'negatives'}"
        raise ValueError(f"ROC AUC needs both positives (1) and negatives (0), got {only}")
    return y, s


def _auc_weighted(w_pos: np.ndarray, w_neg: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC (ties = 1/2) per row of ``(b, n_unique)`` counts of sorted scores."""
    below = np.cumsum(w_neg, axis=1) - w_neg
    return (w_pos * (below + 0.5 * w_neg)).sum(axis=1) / (w_pos.sum(axis=1) * w_neg.sum(axis=1))


def _counts(codes: np.ndarray, n_unique: int, b: int, rng: Any) -> np.ndarray:
    """``(b, n_unique)`` counts of score codes in ``b`` resamples (``rng=None``: none)."""
    drawn = codes[None] if rng is None else codes[rng.integers(0, codes.size, (b, codes.size))]
    flat = (np.arange(b)[:, None] * n_unique + drawn).ravel()
    return np.bincount(flat, minlength=b * n_unique).reshape(b, n_unique).astype(float)


def roc_auc_ci(
    y_true: Any, scores: Any, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> tuple[float, float, float]:
    """ROC AUC with a stratified bootstrap percentile confidence interval.

    Each replicate resamples positives and negatives separately, with replacement, so
    every replicate keeps the class counts. Tied scores count 1/2 (Mann-Whitney).

    Parameters
    ----------
    y_true, scores
        0/1 labels and scores (higher = more likely positive), shape ``(n,)``.
    n_boot, seed
        Bootstrap replicates (0 gives ``(auc, auc, auc)``) and their seed.
    alpha
        The interval covers ``1 - alpha``.

    Returns
    -------
    tuple of float
        ``(auc, lower, upper)``. Raises ValueError if a class is missing or inputs are bad.

    Examples
    --------
    >>> roc_auc_ci([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_boot=0)
    (0.75, 0.75, 0.75)
    """
    y, s = _check(y_true, scores)
    uniq, inv = np.unique(s, return_inverse=True)
    pos, neg, nu = inv[y == 1], inv[y == 0], uniq.size
    auc = float(_auc_weighted(_counts(pos, nu, 1, None), _counts(neg, nu, 1, None))[0])
    if n_boot <= 0:
        return auc, auc, auc
    rng = np.random.default_rng(seed)
    chunk, boots = max(1, 4_000_000 // (y.size + nu)), []
    for done in range(0, n_boot, chunk):
        b = min(chunk, n_boot - done)
        boots.append(_auc_weighted(_counts(pos, nu, b, rng), _counts(neg, nu, b, rng)))
    lo, hi = np.quantile(np.concatenate(boots), [alpha / 2, 1 - alpha / 2])
    return auc, float(lo), float(hi)


def average_precision(y_true: Any, scores: Any) -> float:
    """Average precision (area under the PR curve, step interpolation; scikit-learn)."""
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(*_check(y_true, scores)))


def _thin(*curves: np.ndarray) -> list[list[float]]:
    n = curves[0].size  # evenly spaced indices, first and last kept
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS)).round().astype(int))
    return [c[idx].astype(float).tolist() for c in curves]


def evaluate_scores(
    y_true: Any, scores: Any, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """AUC with CI, average precision, class counts and ROC/PR points (see module doc)."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    y, s = _check(y_true, scores)
    auc, lo, hi = roc_auc_ci(y, s, n_boot=n_boot, seed=seed, alpha=alpha)
    fpr, tpr = _thin(*roc_curve(y, s)[:2])
    precision, recall = _thin(*precision_recall_curve(y, s)[:2])
    return {
        "auc": auc, "auc_lo": lo, "auc_hi": hi, "average_precision": average_precision(y, s),
        "n_pos": int(y.sum()), "n_neg": int((1 - y).sum()),
        "fpr": fpr, "tpr": tpr, "precision": precision, "recall": recall,
    }


def group_masks(y: np.ndarray, groups: np.ndarray, separate: Collection[str]) -> dict[str, np.ndarray]:
    """Rows of each AUC group: ``"all"`` (positives and every negative not in ``separate``),
    then each negative set (positives and that set), the ``separate`` ones last.

    Examples
    --------
    >>> m = group_masks(np.array([1, 0, 0]), np.array(["nesdb", "b", "a"]), {"b"})
    >>> {k: v.tolist() for k, v in m.items()}
    {'all': [True, False, True], 'a': [True, False, True], 'b': [True, True, False]}
    """
    names = sorted(set(groups[y == 0].tolist()))
    out = {"all": (y == 1) | ~np.isin(groups, list(separate))}
    for name in [*(n for n in names if n not in separate), *(n for n in names if n in separate)]:
        out[name] = (y == 1) | (groups == name)
    return out


def evaluate_with_baselines(
    y_true: Any, model_scores: Any, train_seqs: Sequence[str], train_y: Any,
    test_seqs: Sequence[str], groups: np.ndarray | None = None, seed: int = 0,
    n_boot: int = 1000, alpha: float = 0.05, separate: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Metrics of the model and every trivial baseline on the same test examples.

    Parameters
    ----------
    y_true, model_scores
        Test labels (0/1) and model scores, shape ``(n,)``.
    train_seqs, train_y
        Training windows and labels, used to fit the composition baseline.
    test_seqs
        The ``n`` test windows, in the order of ``y_true``.
    groups
        Optional per-example negative-set name, shape ``(n,)``; for each name found
        among the negatives, all positives are compared with that set's negatives only.
    seed, n_boot, alpha
        Bootstrap settings (the composition baseline's CV also uses ``seed``).
    separate
        Negative set -> note of the sets (``groups`` names) left out of the overall
        scores, each reported only in its own group, after the others (default, when
        ``groups`` is given: the registry's sets with ``in_all=False``,
        :func:`nesscan.dataset.registry.separate_sources`).

    Returns
    -------
    dict
        JSON-serialisable; schema in the module docstring.
    """
    y, s = _check(y_true, model_scores)
    if len(test_seqs) != y.size:
        raise ValueError(f"{len(test_seqs)} test sequences but {y.size} labels")
    g = None if groups is None else np.asarray(groups).astype(str)
    if g is not None and g.shape != y.shape:
        raise ValueError(f"groups must have shape {y.shape}, got {g.shape}")
    if separate is None and g is not None:
        from nesscan.dataset.negatives import separate_sources

        separate = separate_sources()
    sep = dict(separate or {})
    masks = group_masks(y, g, sep) if g is not None else {"all": np.ones(y.size, bool)}
    scores = {"model": s, **baseline_scores(train_seqs, train_y, test_seqs, random_state=seed)}
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha}
    overall = masks.pop("all")
    out: dict[str, Any] = {
        "n_pos": int(y[overall].sum()), "n_neg": int((1 - y[overall]).sum()), **boot,
        "scorers": {name: evaluate_scores(y[overall], sc[overall], **boot) for name, sc in scores.items()},
        "groups": {}, "separate": {k: v for k, v in sep.items() if k in masks},
    }
    for name, keep in masks.items():
        per = {}
        for scorer, sc in scores.items():
            m = dict(zip(("auc", "auc_lo", "auc_hi"), roc_auc_ci(y[keep], sc[keep], **boot)))
            per[scorer] = {**m, "average_precision": average_precision(y[keep], sc[keep])}
        n_neg = int(keep.sum() - y.sum())
        out["groups"][name] = {"n_pos": int(y.sum()), "n_neg": n_neg, "scorers": per}
    return out


def _scorers(metrics: dict[str, Any]) -> dict[str, Any]:
    return metrics["scorers"] if "scorers" in metrics else {"model": metrics}


def _plot(metrics: dict[str, Any], path: Path, title: str, pr: bool) -> None:
    from matplotlib.figure import Figure  # Agg canvas, no pyplot: no global backend change

    scorers, fig = _scorers(metrics), Figure(figsize=(5.5, 5.0))
    ax = fig.add_subplot()
    for i, (name, m) in enumerate(scorers.items()):
        main = name == "model"
        style = {"color": "black" if main else f"C{i % 10}", "lw": 2.2 if main else 1.3,
                 "ls": "-" if main else "--"}
        if pr:
            ax.step(m["recall"], m["precision"], where="post",
                    label=f"{name}  AP {m['average_precision']:.3f}", **style)
        else:
            ax.plot(m["fpr"], m["tpr"], **style,
                    label=f"{name}  AUC {m['auc']:.3f} [{m['auc_lo']:.3f}, {m['auc_hi']:.3f}]")
    first = next(iter(scorers.values()))
    n_pos, n_neg = first["n_pos"], first["n_neg"]
    rate = n_pos / (n_pos + n_neg)
    ax.plot([0, 1], [rate, rate] if pr else [0, 1], color="grey", lw=0.8, ls=":",
            label=f"chance (prevalence {rate:.2f})" if pr else "chance")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), title=title,
           xlabel="Recall" if pr else "False positive rate",
           ylabel="Precision" if pr else "True positive rate")
    ax.legend(loc="lower left" if pr else "lower right", fontsize=7.5)
    level = round(100 * (1 - metrics.get("alpha", 0.05)))
    note = f"n = {n_pos} pos / {n_neg} neg" + ("" if pr else f"; {level}% bootstrap CI")
    ax.text(1.0, -0.13, note, transform=ax.transAxes, ha="right", fontsize=7)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(tmp := Path(path).with_name(Path(path).name + ".tmp"), format="png", dpi=150)
    os.replace(tmp, path)


def plot_roc(metrics: dict[str, Any], path: Path, title: str) -> None:
    """ROC curves of the model (solid) and baselines (dashed) to a PNG (dpi 150, atomic).

    ``metrics``: output of :func:`evaluate_with_baselines` (or :func:`evaluate_scores`).
    """
    _plot(metrics, path, title, pr=False)


def plot_pr(metrics: dict[str, Any], path: Path, title: str) -> None:
    """Precision-recall curves, like :func:`plot_roc`, with the prevalence line."""
    _plot(metrics, path, title, pr=True)


def format_metrics_table(metrics: dict[str, Any]) -> str:
    """Plain-text table: AUC [CI] and AP of model and baselines, overall and per negative set."""
    level = round(100 * (1 - metrics.get("alpha", 0.05)))
    header = f"{'scorer':<20} {f'ROC AUC [{level}% CI]':<24}   AP"
    scorers = _scorers(metrics)
    first = next(iter(scorers.values()))
    blocks = [("All negatives", first["n_pos"], first["n_neg"], scorers)]
    separate = metrics.get("separate", {})
    blocks += [(f"Negative set {group}" + (f" (not in all negatives: {separate[group]})" if group in separate else ""),
                gm["n_pos"], gm["n_neg"], gm["scorers"]) for group, gm in metrics.get("groups", {}).items()]
    lines: list[str] = []
    for label, n_pos, n_neg, rows in blocks:
        lines += ["", f"{label}: {n_pos} positives, {n_neg} negatives", header, "-" * len(header)]
        for name, m in rows.items():
            auc = f"{m['auc']:.3f} [{m['auc_lo']:.3f}, {m['auc_hi']:.3f}]"
            lines.append(f"{name:<20} {auc:<24}   {m['average_precision']:.3f}")
    return "\n".join(lines[1:])


def auc_by_length_quartile(protein_table: pd.DataFrame, scores: Sequence[str] = ("max_score", "calibrated_score"),
                           n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """AUC of NES vs non-NES proteins within protein-length quartiles, and length correlations.

    Parameters
    ----------
    protein_table
        One row per protein: ``length``, ``label`` (1 NES protein, 0 not) and one
        column per name in ``scores``.
    scores
        Score columns to evaluate (higher = more NES-like).
    n_boot, seed
        Bootstrap settings of the AUC CIs (:func:`roc_auc_ci`).

    Returns
    -------
    dict
        JSON-serialisable: ``quartile_edges`` (the 25/50/75% points of the pooled
        lengths); ``overall`` and ``quartiles`` (a list of four) each with
        ``n_pos``, ``n_neg``, length range ``min_length``/``max_length`` and
        ``auc[score] = {auc, auc_lo, auc_hi}`` (None when a class is missing; the
        ``overall`` block also scores ``length`` itself); ``spearman_length_negatives``
        and ``spearman_length_positives``: ``{score: rho}``.
    """
    from scipy.stats import spearmanr

    t = protein_table.reset_index(drop=True)
    length, y = t.length.to_numpy(float), t.label.to_numpy(int)
    edges = np.quantile(length, [0.25, 0.5, 0.75])
    quartile = np.searchsorted(edges, length, side="left")  # q0: <= edge0, ..., q3: > edge2

    def block(keep: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
        yy = y[keep]
        out: dict[str, Any] = {"n_pos": int(yy.sum()), "n_neg": int((1 - yy).sum()),
                               "min_length": int(length[keep].min()) if keep.any() else None,
                               "max_length": int(length[keep].max()) if keep.any() else None, "auc": {}}
        for name in names:
            values = length if name == "length" else t[name].to_numpy(float)
            if 0 < yy.sum() < len(yy):
                auc, lo, hi = roc_auc_ci(yy, values[keep], n_boot=n_boot, seed=seed)
                out["auc"][name] = {"auc": auc, "auc_lo": lo, "auc_hi": hi}
            else:
                out["auc"][name] = None
        return out

    def rho(mask: np.ndarray) -> dict[str, float | None]:
        if mask.sum() < 3:
            return {s: None for s in scores}
        return {s: float(spearmanr(t[s].to_numpy(float)[mask], length[mask]).statistic) for s in scores}

    return {"quartile_edges": edges.tolist(),
            "overall": block(np.ones(len(t), bool), [*scores, "length"]),
            "quartiles": [block(quartile == q, scores) for q in range(4)],
            "spearman_length_negatives": rho(y == 0), "spearman_length_positives": rho(y == 1)}

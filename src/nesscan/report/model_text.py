"""Words for the model that made a run's numbers, from its ``config.json`` (both formats).

Format 2 (flat window classifiers, the default): window features computed on the parent
protein, scored by logistic regression, boosted trees or their ensemble. Format 1: a
per-residue embedder and the Transformer classifier. The report names whichever one
produced its figures (legend, captions, methods, flowchart) instead of assuming one.
"""

from __future__ import annotations

from typing import Any

NA = "n/a"

FAMILY_NAMES = {"ensemble": "ensemble of L2 logistic regression and boosted trees",
                "logistic": "L2 logistic regression", "gbm": "boosted trees"}


def is_flat(cfg: dict[str, Any]) -> bool:
    """Whether ``cfg`` is a flat (window-feature) model: format 2 or a classifier family."""
    return int(cfg.get("format", 1)) >= 2 or bool((cfg.get("classifier") or {}).get("family"))


def embedder_label(spec: dict[str, Any] | None) -> str:
    """``esm2 (esm2_t6_8M_UR50D, layer -1)`` or ``physchem`` from an embedder spec.

    Examples
    --------
    >>> embedder_label({"name": "esm2", "model": "esm2_t6_8M_UR50D", "layer": -1})
    'esm2 (esm2_t6_8M_UR50D, layer -1)'
    """
    if not spec:
        return NA
    extra = ", ".join(f"{k} {v}" if k == "layer" else str(v) for k, v in spec.items() if k != "name")
    return f"{spec.get('name', NA)}" + (f" ({extra})" if extra else "")


def feature_blocks(cfg: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Names of a flat model's window-feature blocks and of its per-residue tracks.

    Examples
    --------
    >>> feature_blocks({"features": {"tracks": [{"name": "metapredict_plddt"}], "window": [
    ...     {"name": "consensus"}, {"name": "track_means", "columns": ["plddt"]}]}})
    (['consensus', 'track_means (plddt)'], ['metapredict_plddt'])
    """
    feats = cfg.get("features") or {}
    blocks = [w.get("name", NA) + (f" ({', '.join(w['columns'])})" if w.get("columns") else "")
              for w in feats.get("window", [])]
    return blocks, [t.get("name", NA) for t in feats.get("tracks", [])]


def model_label(cfg: dict[str, Any]) -> str:
    """One line: ``ensemble of ... on 65 window features (tracks: metapredict_plddt)`` or
    ``physchem embedding, Transformer classifier``.

    Examples
    --------
    >>> model_label({"format": 1, "embedder": {"name": "physchem"}})
    'physchem embedding, Transformer classifier'
    """
    if not is_flat(cfg):
        return f"{embedder_label(cfg.get('embedder'))} embedding, Transformer classifier"
    family = (cfg.get("classifier") or {}).get("family", "ensemble")
    _, tracks = feature_blocks(cfg)
    return (f"{FAMILY_NAMES.get(family, family)} on {cfg.get('in_dim', NA)} window features"
            + (f" (tracks: {', '.join(tracks)})" if tracks else ""))


def flat_sentence(cfg: dict[str, Any]) -> str:
    """Methods sentence of a flat model: features, classifier, inner selection, seed."""
    blocks, tracks = feature_blocks(cfg)
    clf = cfg.get("classifier") or {}
    chosen = clf.get("chosen") or {}
    parts = []
    if "logistic" in chosen:
        parts.append(f"logistic regression C {chosen['logistic'].get('C', NA)}")
    if "gbm" in chosen:
        g = chosen["gbm"]
        parts.append(f"boosted trees learning rate {g.get('learning_rate', NA)}, depth {g.get('max_depth', NA)}, "
                     f"{g.get('max_iter', NA)} iterations")
    return (f"Each 22-residue window (stride 1) was described by {cfg.get('in_dim', NA)} features computed on "
            f"its parent protein ({', '.join(blocks) or NA}"
            + (f"; per-residue tracks {', '.join(tracks)}, one pass per protein" if tracks else "")
            + f") and scored by the {FAMILY_NAMES.get(clf.get('family', 'ensemble'), clf.get('family', NA))}"
            + (f" ({'; '.join(parts)})" if parts else "")
            + f", hyper-parameters chosen by {clf.get('inner_folds', NA)}-fold inner cross-validation grouped by "
              f"{clf.get('grouping', 'homology cluster')} on the training split only (inner score "
              f"{_num(clf.get('inner_family_auc'))}); seed {cfg.get('seed', NA)}.")


def flowchart_boxes(cfg: dict[str, Any], test_auc: float) -> tuple[str, str, str]:
    """(features box, classifier box, training box) of the report's flowchart."""
    if is_flat(cfg):
        blocks, tracks = feature_blocks(cfg)
        names = [b.split(" (")[0] for b in blocks]
        lines = [", ".join(names[i:i + 2]) for i in range(0, len(names), 2)]  # two per line: the box is narrow
        feats = (f"{cfg.get('in_dim', '?')} window features\nfrom the parent protein:\n" + ",\n".join(lines)
                 + (f"\n+ track {', '.join(tracks)}" if tracks else ""))
        family = (cfg.get("classifier") or {}).get("family", "ensemble")
        clf = {"ensemble": "logistic regression\n+ boosted trees", "logistic": "logistic regression",
               "gbm": "boosted trees"}.get(family, family) + "\nNES probability per window"
        train = f"fit; inner homology CV\npicks hyper-parameters\nand threshold\ntest AUC {test_auc:.3f}"
        return feats, clf, train
    p = cfg.get("params", {})
    emb = embedder_label(cfg.get("embedder")).replace(" (", "\n(")
    return (f"embedding per residue\n{emb}\n{cfg.get('in_dim', '?')} dims, {cfg.get('context', '?')} context",
            f"Transformer classifier\n{p.get('n_layers', '?')} layers, d_model {p.get('d_model', '?')}\n"
            "NES probability per window",
            f"train (AdamW, early stop\non validation AUC)\ntest AUC {test_auc:.3f}")


def _num(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else NA

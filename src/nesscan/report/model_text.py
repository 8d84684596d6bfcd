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


def chosen_parts(chosen: dict[str, Any]) -> list[str]:
    """The chosen hyper-parameters of a logistic / boosted-trees pair, in words.

    >>> chosen_parts({"logistic": {"C": 0.1}})
    ['logistic regression C 0.1']
    """
    parts = []
    if "logistic" in chosen:
        parts.append(f"logistic regression C {chosen['logistic'].get('C', NA)}")
    if "gbm" in chosen:
        g = chosen["gbm"]
        parts.append(f"boosted trees learning rate {g.get('learning_rate', NA)}, depth {g.get('max_depth', NA)}, "
                     f"{g.get('max_iter', NA)} iterations")
    return parts


def flat_sentence(cfg: dict[str, Any]) -> str:
    """Methods sentence of a flat model: features, classifier, inner selection, seed."""
    blocks, tracks = feature_blocks(cfg)
    clf = cfg.get("classifier") or {}
    chosen = clf.get("chosen") or {}
    parts = chosen_parts(chosen)
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


#: Whole-protein feature groups in words (:data:`nesscan.features.protein.GROUPS`).
PROTEIN_GROUPS = {"composition": "amino-acid composition", "length": "log length",
                  "plddt": "predicted-pLDDT (disorder) summaries",
                  "charge": "charge, hydropathy and low complexity"}
#: The protein score's inputs in words (:data:`nesscan.model.cargo.COMBINER_INPUTS`).
COMBINER_NAMES = {"cargo_logit": "cargo logit", "best_window_logit": "best-window logit",
                  "best_exposed_window_logit": "best-exposed-window logit",
                  "log1p_windows_ge_09_per_100": "log(1 + windows >= 0.9 per 100 residues)"}


def protein_model_sentence(cfg: dict[str, Any]) -> str | None:
    """Methods sentence of the protein-level model (``protein_model`` in ``config.json``,
    :func:`nesscan.model.cargo.fit_cargo_model`), or None when the model has none.

    Examples
    --------
    >>> protein_model_sentence({}) is None
    True
    >>> s = protein_model_sentence({"protein_model": {"proteins": 10, "cargo": 6, "non_binders": 4,
    ...     "feature_set": "+plddt", "groups": ["composition", "plddt"], "inner_cargo_auc": 0.8,
    ...     "combiner": {"weights_per_unit": {"cargo_logit": 1.0}}, "null_size": 4}})
    >>> "feature set +plddt (amino-acid composition, predicted-pLDDT" in s and "cargo logit 1.000" in s
    True
    """
    pm = cfg.get("protein_model")
    if not pm:
        return None
    chosen = pm.get("chosen") or {}
    parts = chosen_parts(chosen)
    sets = pm.get("inner_auc_by_feature_set") or {}
    tried = ", ".join(f"{s} {_num(a)}" for s, a in sets.items())
    groups = ", ".join(PROTEIN_GROUPS.get(g, g) for g in pm.get("groups", []))
    weights = (pm.get("combiner") or {}).get("weights_per_unit") or {}
    combo = ", ".join(f"{COMBINER_NAMES.get(k, k)} {v:.3f}" for k, v in weights.items())
    return (f"Protein-level model: trained on {pm.get('proteins', NA)} labelled proteins of the CRM1 cargo table "
            f"(Kirli et al. 2015, eLife 4:e11466: {pm.get('cargo', NA)} cargo of classes A, B and low-abundance "
            f"against {pm.get('non_binders', NA)} non-binders). The cargo probability is the mean of L2 logistic "
            f"regression and boosted trees" + (f" ({'; '.join(parts)})" if parts else "")
            + f" on whole-protein features, feature set {pm.get('feature_set', NA)} ({groups or NA}), chosen by "
            f"{pm.get('inner_folds', NA)}-fold inner cross-validation grouped by homology cluster"
            + (f" among {tried} (inner out-of-fold AUC)" if tried else "")
            + f"; inner out-of-fold AUC of the cargo probability {_num(pm.get('inner_cargo_auc'))}. The protein "
            f"score is a logistic regression on the cargo probability's logit and the window evidence, fitted on "
            f"out-of-fold inputs" + (f" (weights per unit: {combo})" if combo else "")
            + f"; inner out-of-fold AUC {_num(pm.get('inner_protein_score_auc'))}. Protein q-values compare a "
            f"proteome's protein scores with the out-of-fold protein scores of the {pm.get('null_size', NA)} "
            f"training non-binders (the null).")

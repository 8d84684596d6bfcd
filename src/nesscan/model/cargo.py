"""The protein-level model: which proteins CRM1 exports, and the one protein score to sort by.

Trained on the labelled proteins of the CRM1 cargo table (Kirli et al. 2015, eLife
4:e11466; :func:`nesscan.io.read_cargo`: Cargo A/B/low = 1, non-binder = 0), in three
stages, each fitted on the training proteins only:

cargo model
    ``cargo_probability`` = P(cargo | whole-protein features,
    :mod:`nesscan.features.protein`): the mean of a standardised L2 logistic regression
    and boosted trees (the window model's families, :mod:`nesscan.model.flat`), fitted
    without class weights, so the probability is at the table's mix of cargo and
    non-binders (58% cargo), not a proteome-wide rate. The feature groups
    (:data:`FEATURE_SETS`) and each component's hyper-parameters (:data:`GRID`) are
    chosen by an inner cross-validation whose folds are whole homology clusters
    (``StratifiedGroupKFold``), by the mean inner out-of-fold AUC.
protein score
    ``protein_score`` = a logistic regression on the cargo model's logit and the window
    model's evidence (:func:`nesscan.features.protein.window_evidence`: best window, best
    window in an exposed segment, windows >= 0.9 per 100 residues). It is fitted on
    out-of-fold inputs only: the cargo model's inner out-of-fold probabilities, and window
    evidence from window models that never saw the protein or its homologues (the
    caller's, :func:`nesscan.model.cargo_train.train_protein_model`). Its weights say how
    much the window evidence adds to the whole-protein view.
null
    The out-of-fold protein scores of the training non-binders: a fixed reference null,
    shipped with the model, against which a screen gives each protein a p-value
    (:func:`nesscan.length_null.cargo_p_values`); a protein is *called* when its
    Benjamini-Hochberg q-value among the proteins scored together is at most
    :data:`PROTEIN_CALL_Q` (:func:`call_status`).

A high cargo probability says a protein looks like the proteins CRM1 exports; it does
not locate an NES (some cargoes ride on a partner). The windows do that.

Arrays saved with the window model (``model.safetensors``, prefix ``cargo.``): the cargo
classifier's (``cargo.lr.*``, ``cargo.gbm.*``), the combiner's (``cargo.combine.lr.*``) and
``cargo.null``; the groups and the selection go to ``config.json`` (``protein_model``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from nesscan.features.protein import EVIDENCE, GROUPS, feature_names, protein_features, window_evidence
from nesscan.model.flat import FlatClassifier, fit_flat
from nesscan.stats import logit

#: Candidate feature groups, in order of preference on a tie (fewer first).
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "composition+length": ("composition", "length"),
    "+plddt": ("composition", "length", "plddt"),
    "+charge": ("composition", "length", "charge"),
    "+plddt+charge": ("composition", "length", "plddt", "charge"),
}
#: Inner-CV grid per component of the cargo model.
GRID: dict[str, list[dict[str, Any]]] = {
    "logistic": [{"C": c} for c in (0.01, 0.1, 1.0, 10.0)],
    "gbm": [{"learning_rate": 0.05, "max_depth": 3, "max_iter": 200},
            {"learning_rate": 0.1, "max_depth": 2, "max_iter": 100}],
}
COMBINER_C = 1.0
COMBINER_INPUTS = ("cargo_logit", "best_window_logit", "best_exposed_window_logit", "log1p_windows_ge_09_per_100")
PREFIX = "cargo."


#: clipping of the probabilities whose logit the protein score takes (:func:`nesscan.stats.logit`)
LOGIT_EPS = 1e-6


def combiner_inputs(cargo_probability: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """The protein score's inputs (:data:`COMBINER_INPUTS`) from the cargo probability and
    :func:`~nesscan.features.protein.window_evidence` rows."""
    ev = np.asarray(evidence, np.float64).reshape(len(cargo_probability), len(EVIDENCE))
    return np.column_stack([logit(cargo_probability, LOGIT_EPS), logit(ev[:, 0], LOGIT_EPS),
                            logit(ev[:, 1], LOGIT_EPS), np.log1p(ev[:, 2])])


@dataclass
class CargoModel:
    """A fitted protein-level model (see the module docstring); a
    :class:`~nesscan.model.base.Classifier` of whole-protein feature rows.

    Attributes
    ----------
    groups
        Feature groups of the cargo model (:data:`nesscan.features.protein.GROUPS`).
    classifier
        The cargo classifier (``ensemble``).
    combiner
        The protein score's logistic regression over :data:`COMBINER_INPUTS`.
    null
        Out-of-fold protein scores of the training non-binders, ascending.
    """

    groups: tuple[str, ...]
    classifier: FlatClassifier
    combiner: FlatClassifier
    null: np.ndarray

    def features(self, sequences: Sequence[str], plddt: Sequence[np.ndarray]) -> np.ndarray:
        """The cargo classifier's input: whole-protein feature rows of its groups
        (:func:`~nesscan.features.protein.protein_features`; pLDDT / 100 per residue)."""
        return protein_features(sequences, plddt, self.groups)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(cargo) (float64) of whole-protein feature rows (:meth:`features`): the
        :class:`~nesscan.model.base.Classifier` contract."""
        if len(x) == 0:
            return np.zeros(0)
        return self.classifier.predict_proba(x)

    def cargo_probability(self, sequences: Sequence[str], plddt: Sequence[np.ndarray]) -> np.ndarray:
        """P(cargo) of whole proteins (float64; their predicted pLDDT / 100 per residue)."""
        if len(sequences) == 0:
            return np.zeros(0)
        return self.predict_proba(self.features(sequences, plddt))

    def protein_score(self, cargo_probability: np.ndarray, evidence: np.ndarray) -> np.ndarray:
        """The combined protein score from the cargo probability and the window evidence."""
        if len(cargo_probability) == 0:
            return np.zeros(0)
        return self.combiner.predict_proba(combiner_inputs(cargo_probability, evidence))

    def score(self, sequences: Sequence[str], plddt: Sequence[np.ndarray], window_scores: Sequence[np.ndarray],
              window: int) -> tuple[np.ndarray, np.ndarray]:
        """``(cargo_probability, protein_score)`` of proteins from their sequences, pLDDT
        tracks and window scores (empty for a protein shorter than the window)."""
        p = self.cargo_probability(sequences, plddt)
        ev = window_evidence(window_scores, plddt, [len(s) for s in sequences], window)
        return p, self.protein_score(p, ev)

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save (prefix ``cargo.``)."""
        out = {PREFIX + k: v for k, v in self.classifier.state().items()}
        out.update({PREFIX + "combine." + k: v for k, v in self.combiner.state().items()})
        out[PREFIX + "null"] = np.ascontiguousarray(self.null, np.float64)
        return out

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], groups: Sequence[str]) -> "CargoModel":
        """Restore :meth:`state` (keys with the ``cargo.`` prefix; others are ignored)."""
        mine = {k[len(PREFIX):]: np.asarray(v) for k, v in state.items() if k.startswith(PREFIX)}
        combine = {k[len("combine."):]: v for k, v in mine.items() if k.startswith("combine.")}
        own = {k: v for k, v in mine.items() if k.startswith(("lr.", "gbm."))}
        return cls(tuple(groups), FlatClassifier("ensemble", own), FlatClassifier("logistic", combine),
                   np.sort(mine["null"]))


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def fit_cargo_model(sequences: Sequence[str], plddt: Sequence[np.ndarray], y: np.ndarray, clusters: Sequence[str],
                    evidence: np.ndarray, seed: int = 0, inner_folds: int = 3,
                    log: Callable[[str], None] = lambda msg: None,
                    feature_sets: Mapping[str, tuple[str, ...]] = FEATURE_SETS
                    ) -> tuple[CargoModel, dict[str, Any], dict]:
    """Fit the three stages on labelled proteins (see the module docstring).

    Parameters
    ----------
    sequences, plddt
        The labelled proteins and their predicted pLDDT / 100 per residue.
    y
        1 cargo, 0 non-binder.
    clusters
        Homology cluster of each protein: inner folds are whole clusters.
    evidence
        :func:`~nesscan.features.protein.window_evidence` of each protein, from window
        models that did not see it.
    seed
        Seed of the folds and of the boosted trees.
    feature_sets
        The candidate feature sets (default :data:`FEATURE_SETS`; one set, e.g. composition
        and length, for a baseline fitted the same way).

    Returns
    -------
    model, selection, out_of_fold
        The fitted :class:`CargoModel`; the selection record for ``config.json`` (groups,
        hyper-parameters, inner AUCs, combiner weights, counts); and the inner out-of-fold
        ``cargo_probability`` and ``protein_score`` of every protein.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(y, int)
    x_all = protein_features(sequences, plddt)
    names = feature_names(tuple(GROUPS))
    cols = {s: [names.index(n) for n in feature_names(g)] for s, g in feature_sets.items()}
    k = int(min(inner_folds, np.bincount(y).min(), len(set(clusters))))
    folds = list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(x_all, y, np.asarray(clusters)))
    oof: dict[tuple[str, str, int], np.ndarray] = {}
    for tr, te in folds:
        for name, c in cols.items():
            x = x_all[:, c]
            for comp, points in GRID.items():
                for g, point in enumerate(points):
                    model = fit_flat(x[tr], y[tr], comp, {comp: point}, seed, balanced=False)
                    oof.setdefault((name, comp, g), np.full(len(y), np.nan))[te] = model.predict_proba(x[te])
    inner = {f"{s}|{c}|{g}": _auc(y, v) for (s, c, g), v in oof.items()}
    best, per_set = {}, {}
    for name in feature_sets:
        best[name] = {comp: max(range(len(points)), key=lambda g: (inner[f"{name}|{comp}|{g}"], -g))
                      for comp, points in GRID.items()}
        per_set[name] = _auc(y, np.mean([oof[(name, c, g)] for c, g in best[name].items()], axis=0))
    chosen = max(feature_sets, key=lambda s: (per_set[s], -list(feature_sets).index(s)))
    hyper = {c: GRID[c][g] for c, g in best[chosen].items()}
    cargo_oof = np.mean([oof[(chosen, c, g)] for c, g in best[chosen].items()], axis=0)
    log(f"cargo model: {chosen} (inner AUC {per_set[chosen]:.3f}), {hyper}")
    classifier = fit_flat(x_all[:, cols[chosen]], y, "ensemble", hyper, seed, balanced=False)
    z = combiner_inputs(cargo_oof, evidence)
    protein_oof = np.full(len(y), np.nan)
    for tr, te in folds:  # cross-fitted: out-of-fold protein scores for the null
        protein_oof[te] = fit_flat(z[tr], y[tr], "logistic", {"logistic": {"C": COMBINER_C}},
                                   balanced=False).predict_proba(z[te])
    combiner = fit_flat(z, y, "logistic", {"logistic": {"C": COMBINER_C}}, balanced=False)
    null = np.sort(protein_oof[y == 0])
    weights = combiner.arrays["lr.coef"] / combiner.arrays["lr.scale"]
    selection = {
        "labels": "Kirli et al. 2015 cargo table: Cargo A/B/low = 1, non-binder = 0",
        "proteins": int(len(y)), "cargo": int(y.sum()), "non_binders": int((y == 0).sum()),
        "inner_folds": k, "grouping": "homology cluster (StratifiedGroupKFold)",
        "metric": "inner out-of-fold AUC (cargo vs non-binder)",
        "feature_sets": {s: list(g) for s, g in feature_sets.items()}, "grid": GRID,
        "inner_auc_by_feature_set": per_set, "groups": list(feature_sets[chosen]), "feature_set": chosen,
        "chosen": {c: {**GRID[c][g], "inner_auc": inner[f"{chosen}|{c}|{g}"]} for c, g in best[chosen].items()},
        "inner_cargo_auc": _auc(y, cargo_oof), "inner_protein_score_auc": _auc(y, protein_oof),
        "combiner": {"inputs": list(COMBINER_INPUTS), "C": COMBINER_C,
                     "weights_per_unit": dict(zip(COMBINER_INPUTS, weights.round(6).tolist()))},
        "null": "out-of-fold protein scores of the training non-binders", "null_size": int(len(null)),
    }
    model = CargoModel(tuple(feature_sets[chosen]), classifier, combiner, null)
    return model, selection, {"cargo_probability": cargo_oof, "protein_score": protein_oof}


#: the batch q-value at or below which a protein that can be cargo is called (``call_status``)
PROTEIN_CALL_Q = 0.10


def call_status(gate_reason: Any, protein_score: Any, q_value: Any, has_window: Any) -> np.ndarray:
    """The ``call_status`` of each protein: the compartment gate's reason when it set the
    protein aside ("not assessed: predicted ..."), "not assessed: no protein model" or
    "not assessed: shorter than the window" when there is no protein score, else "called"
    when its batch q-value is at most :data:`PROTEIN_CALL_Q`, else "not called".

    >>> call_status(["", "not assessed: predicted signal peptide (secretory pathway)", "", ""],
    ...             [0.9, 0.9, 0.2, np.nan], [0.01, np.nan, 0.6, np.nan], [True, True, True, False]).tolist()
    ['called', 'not assessed: predicted signal peptide (secretory pathway)', 'not called', 'not assessed: shorter than the window']
    """
    reason = np.asarray(gate_reason, dtype=object).astype(str)
    reason[reason == "nan"] = ""
    score = np.asarray(protein_score, np.float64)
    q = np.asarray(q_value, np.float64)
    window = np.asarray(has_window, bool)
    missing = np.where(window, "not assessed: no protein model", "not assessed: shorter than the window")
    return np.where(reason != "", reason, np.where(~np.isfinite(score), missing,
                                                   np.where(q <= PROTEIN_CALL_Q, "called", "not called"))).astype(object)

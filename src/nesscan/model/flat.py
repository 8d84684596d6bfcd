"""Classifiers of flat window-feature rows: ``logistic``, ``gbm`` and their ``ensemble``.

``logistic``
    Standardised L2 logistic regression (scikit-learn ``StandardScaler`` +
    ``LogisticRegression``, balanced class weights), fitted to its optimum (Newton's
    method, ``tol=1e-8``): the weights depend on the data, not on the optimiser's path.
``gbm``
    scikit-learn ``HistGradientBoostingClassifier`` (balanced class weights, no early
    stopping, seeded).
``ensemble``
    The mean of both probabilities (the default).

Every fit runs on one thread (:func:`nesscan.reproducibility.fixed_threads`): the same
rows give the same arrays on any number of cores.

Nothing is pickled. :meth:`FlatClassifier.state` turns the fitted estimators into
plain arrays saved in ``model.safetensors``: the logistic regression as the scaler's
mean/scale, the coefficients and the intercept; the boosted trees as their nodes'
arrays (value, feature index, numeric threshold, missing-goes-left, children, leaf
flag, from each ``TreePredictor.nodes``) and the baseline log-odds. Scoring uses only
these arrays (:func:`tree_raw`, a small numpy tree evaluator), for a fitted model and a
loaded one alike; it equals scikit-learn's ``predict_proba`` to rounding (tested).

References
----------
Xu D et al. LocNES. Bioinformatics 2015;31:1357 (an SVM over PSSM and
disorder-context features of NES candidates, the design this family follows).
Fu SC et al. NESsential. Nucleic Acids Res 2011;39:e111.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nesscan.stats import sigmoid

FAMILIES = ("logistic", "gbm", "ensemble")
_NODE_FIELDS = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf")


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float, balanced: bool = True) -> dict[str, np.ndarray]:
    """Standardised L2 logistic regression (``balanced``: class weights inversely proportional
    to class frequencies); returns its arrays (``lr.*``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from nesscan.reproducibility import fixed_threads

    x = np.asarray(x, np.float64)
    with fixed_threads():
        scaler = StandardScaler().fit(x)
        lr = LogisticRegression(C=c, class_weight="balanced" if balanced else None, solver="newton-cholesky",
                                tol=1e-8, max_iter=100).fit(scaler.transform(x), y)
    return {"lr.mean": scaler.mean_.astype(np.float64), "lr.scale": scaler.scale_.astype(np.float64),
            "lr.coef": lr.coef_[0].astype(np.float64), "lr.intercept": lr.intercept_.astype(np.float64)}


def gbm_estimator(learning_rate: float, max_depth: int, max_iter: int, seed: int, balanced: bool = True) -> Any:
    """The ``HistGradientBoostingClassifier`` of the ``gbm`` family."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(learning_rate=learning_rate, max_depth=max_depth, max_iter=max_iter,
                                          l2_regularization=1.0, min_samples_leaf=20,
                                          class_weight="balanced" if balanced else None,
                                          early_stopping=False, random_state=seed)


def gbm_arrays(estimator: Any) -> dict[str, np.ndarray]:
    """A fitted binary ``HistGradientBoostingClassifier`` as plain arrays (``gbm.*``).

    Raises
    ------
    ValueError
        Categorical features (their bitsets are not stored) or more than one tree per
        iteration (not a binary classifier).
    """
    if getattr(estimator, "is_categorical_", None) is not None and np.any(estimator.is_categorical_):
        raise ValueError("categorical features are not supported by the stored tree format")
    nodes, offsets = [], [0]
    for trees in estimator._predictors:
        if len(trees) != 1:
            raise ValueError("only binary classifiers (one tree per iteration) are stored")
        nodes.append(trees[0].nodes)
        offsets.append(offsets[-1] + len(trees[0].nodes))
    allnodes = np.concatenate(nodes)
    out = {"gbm.baseline": np.asarray(estimator._baseline_prediction, np.float64).reshape(-1),
           "gbm.tree_offsets": np.asarray(offsets, np.int64)}
    for name in _NODE_FIELDS:
        kind = np.float64 if name in ("value", "num_threshold") else np.int64
        out[f"gbm.{name}"] = np.ascontiguousarray(allnodes[name].astype(kind))
    return out


def _tree_tables(state: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Global child indices (leaves loop on themselves), split feature, threshold, missing
    side, leaf values, roots and the deepest path of the stored trees."""
    offsets = state["gbm.tree_offsets"]
    roots = offsets[:-1]
    tree_of = np.repeat(np.arange(len(roots)), np.diff(offsets))
    leaf = state["gbm.is_leaf"].astype(bool)
    own = np.arange(len(leaf))
    left = np.where(leaf, own, state["gbm.left"] + roots[tree_of]).astype(np.intp)
    right = np.where(leaf, own, state["gbm.right"] + roots[tree_of]).astype(np.intp)
    feat = np.where(leaf, 0, state["gbm.feature_idx"]).astype(np.intp)
    thr = np.where(leaf, np.inf, state["gbm.num_threshold"])
    depth, frontier = 0, roots
    while True:  # deepest path over all trees
        inner = frontier[~leaf[frontier]]
        if len(inner) == 0:
            break
        frontier, depth = np.concatenate([left[inner], right[inner]]), depth + 1
    return left, right, feat, thr, state["gbm.missing_go_to_left"].astype(bool), state["gbm.value"], roots, depth


def tree_raw(state: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Raw log-odds of the stored boosted trees for rows ``x`` (all trees at once).

    A row goes left when its value is ``<= num_threshold``, or is NaN and the node's
    missing values go left (scikit-learn's rule for numeric splits).
    """
    left, right, feat, thr, miss, value, roots, depth = _tree_tables(state)
    x = np.asarray(x)
    raw = np.full(len(x), float(state["gbm.baseline"][0]))
    step = 4096
    for lo in range(0, len(x), step):  # bounded memory: rows x trees at a time
        xb = x[lo:lo + step]
        has_nan = bool(np.isnan(xb).any())
        node = np.broadcast_to(roots, (len(xb), len(roots)))
        base = (np.arange(len(xb)) * xb.shape[1])[:, None]
        flat_x = xb.reshape(-1)
        for _ in range(depth):
            v = flat_x[base + feat[node]]
            go_left = v <= thr[node]
            if has_nan:
                go_left = np.where(np.isnan(v), miss[node], go_left)
            node = np.where(go_left, left[node], right[node])
        raw[lo:lo + len(xb)] += value[node].sum(axis=1)
    return raw


@dataclass
class FlatClassifier:
    """A fitted ``logistic``, ``gbm`` or ``ensemble`` classifier as arrays (a
    :class:`~nesscan.model.base.WindowClassifier`).

    Attributes
    ----------
    family
        One of :data:`FAMILIES`.
    arrays
        ``lr.*`` and/or ``gbm.*`` arrays (see the module docstring).
    feature_state
        Fitted window features' parameters (e.g. ``pssm.*``), saved beside them.
    protein
        The protein-level model, saved beside them (``cargo.*`` arrays), or None.
    """

    family: str
    arrays: dict[str, np.ndarray]
    feature_state: dict[str, np.ndarray] = field(default_factory=dict)
    #: the protein-level model trained beside it (:class:`nesscan.model.cargo.CargoModel`), or None
    protein: Any = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"classifier family must be one of {', '.join(FAMILIES)}, not {self.family!r}")
        need = {"logistic": ("lr.coef",), "gbm": ("gbm.value",), "ensemble": ("lr.coef", "gbm.value")}[self.family]
        missing = [k for k in need if k not in self.arrays]
        if missing:
            raise ValueError(f"{self.family} classifier lacks {', '.join(missing)}")

    def logistic(self, x: np.ndarray) -> np.ndarray:
        """Logistic-regression probabilities."""
        a = self.arrays
        z = ((np.asarray(x, np.float64) - a["lr.mean"]) / a["lr.scale"]) @ a["lr.coef"] + a["lr.intercept"][0]
        return sigmoid(z)

    def gbm(self, x: np.ndarray) -> np.ndarray:
        """Boosted-trees probabilities."""
        return sigmoid(tree_raw(self.arrays, x))

    def predict_proba(self, x: np.ndarray, *, batch_size: int = 0, bfloat16: bool = False) -> np.ndarray:
        """P(positive) (float64) of each row of ``x`` (mean of both for the ensemble); all rows
        at once, in float64 (``batch_size`` and ``bfloat16``, of the
        :class:`~nesscan.model.base.WindowClassifier` contract, do not apply)."""
        if len(x) == 0:
            return np.zeros(0)
        if self.family == "logistic":
            return self.logistic(x)
        if self.family == "gbm":
            return self.gbm(x)
        return 0.5 * (self.logistic(x) + self.gbm(x))

    @property
    def device(self) -> str:
        """``"cpu"``: numpy."""
        return "cpu"

    def to_device(self, device: str | None) -> "FlatClassifier":
        """Stay on the CPU (numpy) whatever ``device``; returns itself."""
        return self

    def state(self) -> dict[str, np.ndarray]:
        """Everything to save (classifier, fitted feature and protein-level model arrays)."""
        return {**self.arrays, **self.feature_state, **(self.protein.state() if self.protein is not None else {})}

    @classmethod
    def from_state(cls, family: str, state: dict[str, np.ndarray]) -> "FlatClassifier":
        """Split a saved state into classifier arrays and fitted feature state (the protein
        model's ``cargo.*`` arrays are left to :meth:`nesscan.model.cargo.CargoModel.from_state`)."""
        arrays = {k: np.asarray(v) for k, v in state.items() if k.startswith(("lr.", "gbm."))}
        rest = {k: np.asarray(v) for k, v in state.items() if not k.startswith(("lr.", "gbm.", "cargo."))}
        return cls(family, arrays, rest)


def fit_flat(x: np.ndarray, y: np.ndarray, family: str, hyper: dict[str, Any], seed: int = 0,
             rows: dict[str, np.ndarray] | None = None, balanced: bool = True) -> FlatClassifier:
    """Fit a flat classifier.

    Parameters
    ----------
    x, y
        Feature rows and 0/1 labels.
    family
        One of :data:`FAMILIES`.
    hyper
        ``{"logistic": {"C": ...}, "gbm": {"learning_rate": ..., "max_depth": ...,
        "max_iter": ...}}`` (the components the family uses).
    rows
        Per component, the rows of ``x`` it is trained on (e.g. with or without offset
        augmentation); all rows when absent.
    balanced
        Class weights inversely proportional to class frequencies (the window model's);
        ``False``: probabilities at the training data's class mix (the cargo model's).
    """
    from nesscan.reproducibility import fixed_threads

    arrays: dict[str, np.ndarray] = {}
    rows = rows or {}
    if family in ("logistic", "ensemble"):
        r = rows.get("logistic", np.arange(len(x)))
        arrays.update(fit_logistic(x[r], y[r], float(hyper["logistic"]["C"]), balanced))
    if family in ("gbm", "ensemble"):
        r = rows.get("gbm", np.arange(len(x)))
        g = hyper["gbm"]
        with fixed_threads():
            est = gbm_estimator(float(g["learning_rate"]), int(g["max_depth"]), int(g["max_iter"]), seed, balanced)
            est.fit(x[r], y[r])
        arrays.update(gbm_arrays(est))
    return FlatClassifier(family, arrays)

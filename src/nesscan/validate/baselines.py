"""Trivial baselines reported beside every model metric.

A model that does not beat these has learned composition or motif counting, not NES
biology: the data README measures composition alone at AUC ~0.86 against random
windows of mitochondrial proteins.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nesscan.consensus import HYDROPHOBIC, count_consensus_many

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
"""The 20 standard residues, in the column order of :func:`composition_features`."""

BASELINE_NAMES: tuple[str, ...] = ("composition", "consensus_count", "hydrophobic_count", "length")
"""Keys of :func:`baseline_scores`, in report order."""

_AA_INDEX = np.full(256, len(AMINO_ACIDS), dtype=np.int64)
_AA_INDEX[np.frombuffer(AMINO_ACIDS.encode(), dtype=np.uint8)] = np.arange(len(AMINO_ACIDS))
_HYDRO = np.zeros(256, dtype=np.int64)
_HYDRO[np.frombuffer(HYDROPHOBIC.encode(), dtype=np.uint8)] = 1


def _codes(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte codes of all sequences concatenated, the sequence id per byte, and lengths."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    codes = np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)
    owner = np.repeat(np.arange(len(seqs)), lengths)
    return codes, owner, lengths


def composition_features(seqs: Sequence[str]) -> np.ndarray:
    """Amino-acid composition of each sequence.

    Parameters
    ----------
    seqs
        Upper-case one-letter sequences.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(len(seqs), 20)``: the fraction of each residue of
        :data:`AMINO_ACIDS` among all residues (non-standard letters count in the
        length only). An empty sequence gives a row of zeros.

    Examples
    --------
    >>> composition_features(["LLAA"])[0, [0, 9]].tolist()
    [0.5, 0.5]
    """
    n, k = len(seqs), len(AMINO_ACIDS) + 1
    if n == 0:
        return np.zeros((0, k - 1))
    codes, owner, lengths = _codes(seqs)
    counts = np.bincount(owner * k + _AA_INDEX[codes], minlength=n * k).reshape(n, k)
    return counts[:, :-1] / np.maximum(lengths, 1)[:, None]


class CompositionBaseline:
    """Amino-acid composition + standardised L2 logistic regression (Newton-Cholesky solver).

    ``C`` is picked from ``Cs`` by stratified 5-fold cross-validation on ROC AUC
    (the first best on ties); with fewer than 5 examples of a class the folds shrink,
    and with fewer than 2 (or a single candidate) no CV is run: ``C = 1`` (or that
    candidate) is used.

    Parameters
    ----------
    random_state
        Seed of the CV fold shuffling.
    Cs
        Candidate inverse regularisation strengths.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted scaler + classifier.
    C_ : float
        The chosen regularisation strength.
    """

    def __init__(self, random_state: int = 0, Cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0)) -> None:
        self.random_state = random_state
        self.Cs = Cs

    def fit(self, train_seqs: Sequence[str], y: Any) -> "CompositionBaseline":
        """Fit on sequences and 0/1 labels; returns ``self``."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from nesscan.reproducibility import fixed_threads

        y = np.asarray(y).astype(int)
        if len(y) != len(train_seqs):
            raise ValueError(f"{len(train_seqs)} sequences but {len(y)} labels")
        if set(np.unique(y).tolist()) != {0, 1}:
            raise ValueError("CompositionBaseline.fit needs labels 0 and 1, both present, in y")
        x = composition_features(train_seqs)

        def make(c: float) -> Any:
            clf = LogisticRegression(C=c, solver="newton-cholesky", tol=1e-8, max_iter=500)
            return make_pipeline(StandardScaler(), clf)

        n_folds = min(5, int(np.bincount(y).min()))
        self.C_ = float(self.Cs[0]) if len(self.Cs) == 1 else 1.0
        with fixed_threads():
            if n_folds >= 2 and len(self.Cs) > 1:
                folds = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
                cv_auc = [cross_val_score(make(c), x, y, cv=folds, scoring="roc_auc").mean()
                          for c in self.Cs]
                self.C_ = float(self.Cs[int(np.argmax(cv_auc))])
            self.pipeline_ = make(self.C_).fit(x, y)
        return self

    def decision_function(self, seqs: Sequence[str]) -> np.ndarray:
        """Log-odds of NES per sequence, float64 array of shape ``(len(seqs),)``."""
        return np.asarray(self.pipeline_.decision_function(composition_features(seqs)), dtype=float)


def consensus_count_score(seqs: Sequence[str]) -> np.ndarray:
    """Number of Kosugi consensus matches per sequence (see :mod:`nesscan.consensus`).

    Examples
    --------
    >>> consensus_count_score(["NSNELALKLAGLDIN", "AAAAAAAAAAAAAAA"]).tolist()
    [2.0, 0.0]
    """
    return count_consensus_many(seqs).astype(float)


def hydrophobic_count_score(seqs: Sequence[str]) -> np.ndarray:
    """Number of L, I, V, F, M residues per sequence.

    Examples
    --------
    >>> hydrophobic_count_score(["LIVFMA", ""]).tolist()
    [5.0, 0.0]
    """
    if len(seqs) == 0:
        return np.zeros(0)
    codes, owner, _ = _codes(seqs)
    return np.bincount(owner, weights=_HYDRO[codes], minlength=len(seqs)).astype(float)


def length_score(seqs: Sequence[str]) -> np.ndarray:
    """Sequence length: constant for fixed windows, so AUC 0.5 (kept to prove it)."""
    return np.array([len(s) for s in seqs], dtype=float)


def baseline_scores(
    train_seqs: Sequence[str], train_y: Any, test_seqs: Sequence[str], random_state: int = 0
) -> dict[str, np.ndarray]:
    """Score ``test_seqs`` with every baseline (the composition one fitted on train).

    Returns
    -------
    dict of str to numpy.ndarray
        Keys :data:`BASELINE_NAMES`; each value has shape ``(len(test_seqs),)``, higher
        meaning more NES-like.
    """
    model = CompositionBaseline(random_state=random_state).fit(train_seqs, train_y)
    return {
        "composition": model.decision_function(test_seqs),
        "consensus_count": consensus_count_score(test_seqs),
        "hydrophobic_count": hydrophobic_count_score(test_seqs),
        "length": length_score(test_seqs),
    }

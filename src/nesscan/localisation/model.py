"""Where a protein lives, from its sequence: the gate in front of the protein-level call.

CRM1 exports proteins from the nucleoplasm. A protein that is inserted into a membrane,
enters the secretory pathway or is imported into mitochondria never meets CRM1 as a free
soluble protein, and the cargo table the protein model learns from (Kirli et al. 2015, a
binding assay in a cytosolic extract) holds none: the cargo model has never seen one and
scores it by extrapolation. :class:`CompartmentModel` says, per protein:

``tm_helices``
    ``tm_min_count`` TopPred segments (:mod:`nesscan.localisation.toppred`) scoring at least
    ``tm_min_score`` make a predicted membrane protein; its helix count is then the number
    of segments at TopPred's own "certain" cut-off (:data:`CERTAIN`), and 0 for a protein
    not predicted to be in a membrane (at TopPred's cut-offs alone, 40% of soluble
    proteins would have one).
``signal_peptide``
    P(an N-terminal signal of the secretory pathway: a cleaved signal peptide or an
    uncleaved signal anchor), from :mod:`nesscan.localisation.features`.
``mito_presequence``
    P(a mitochondrial presequence).
``compartment``
    ``membrane``, ``secretory``, ``mitochondrial`` (in that order of precedence) or
    ``nucleocytoplasmic``: the first rule that fires.

The two probabilities are each the mean of a standardised logistic regression and boosted
trees (:mod:`nesscan.model.flat`), trained on the MultiLoc set (:func:`nesscan.io.read_multiloc`:
secretory = every protein with a signal peptide or anchor, mitochondrial = every
presequence, against nuclear, cytoplasmic and peroxisomal proteins and the other class).
Every cut-off is chosen inside the training proteins (:func:`fit_compartment_model`): the
lowest that flags at most ``budget`` (1%) of the nuclear and cytoplasmic proteins, out of
fold over homology clusters for the probabilities; for the membrane rule, the (score, count)
pair that flags the most plasma-membrane proteins within the same budget.

Saved beside a window model as ``compartment.safetensors`` (arrays ``secretory.*``,
``mitochondrial.*``) and ``compartment.json`` (the cut-offs and their selection); a model
directory without them uses the packaged one (``nesscan/models/compartment``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from nesscan.localisation.features import GROUPS, compartment_features, tm_count
from nesscan.model.flat import FlatClassifier, fit_flat

WEIGHTS, CONFIG = "compartment.safetensors", "compartment.json"
COMPONENTS = ("secretory", "mitochondrial")
HYPER = {"logistic": {"C": 1.0}, "gbm": {"learning_rate": 0.1, "max_depth": 3, "max_iter": 150}}
#: candidate membrane rules: (least TopPred score, least number of segments)
TM_RULES = [(s, k) for s in (1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5) for k in (1, 2, 3)]
REASONS = {
    "membrane": "not assessed: predicted membrane protein ({n} TM {helices})",
    "secretory": "not assessed: predicted signal peptide (secretory pathway)",
    "mitochondrial": "not assessed: predicted mitochondrial presequence",
}
#: TopPred's default cut-off of a "certain" transmembrane segment: the helix count of a membrane protein
CERTAIN = 1.0
COLUMNS = ("tm_helices", "signal_peptide", "mito_presequence", "compartment")


@dataclass
class CompartmentModel:
    """A fitted compartment gate (see the module docstring)."""

    secretory: FlatClassifier
    mitochondrial: FlatClassifier
    secretory_cutoff: float
    mito_cutoff: float
    tm_min_score: float
    tm_min_count: int
    selection: dict

    def predict(self, sequences: Sequence[str], segments: Sequence[np.ndarray] | None = None) -> pd.DataFrame:
        """One row per sequence: :data:`COLUMNS` and ``gate_reason`` ("" for a protein that
        can be cargo). TopPred runs when ``segments`` is None."""
        if segments is None:
            from nesscan.localisation.toppred import toppred_segments

            segments = toppred_segments(sequences)
        x = compartment_features(sequences, segments)
        sp = self.secretory.predict_proba(x) if len(x) else np.zeros(0)
        mt = self.mitochondrial.predict_proba(x) if len(x) else np.zeros(0)
        strong = np.array([tm_count(s, self.tm_min_score) for s in segments], np.int64)
        membrane = strong >= self.tm_min_count
        tm = np.where(membrane, [tm_count(s, CERTAIN) for s in segments], 0).astype(np.int64)
        label = np.where(membrane, "membrane",
                         np.where(sp >= self.secretory_cutoff, "secretory",
                                  np.where(mt >= self.mito_cutoff, "mitochondrial", "nucleocytoplasmic")))
        reason = [REASONS[c].format(n=n, helices="helix" if n == 1 else "helices") if c in REASONS else ""
                  for c, n in zip(label, tm)]
        return pd.DataFrame({"tm_helices": tm, "signal_peptide": sp, "mito_presequence": mt,
                             "compartment": label, "gate_reason": reason})

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save."""
        out = {f"secretory.{k}": v for k, v in self.secretory.arrays.items()}
        out.update({f"mitochondrial.{k}": v for k, v in self.mitochondrial.arrays.items()})
        return out

    def config(self) -> dict:
        """What ``compartment.json`` holds."""
        return {"format": 1, "features": {k: list(v) for k, v in GROUPS.items()},
                "secretory_cutoff": self.secretory_cutoff, "mito_cutoff": self.mito_cutoff,
                "tm_min_score": self.tm_min_score, "tm_min_count": self.tm_min_count, "selection": self.selection}

    def save(self, directory: str | Path) -> None:
        """Write ``compartment.safetensors`` and ``compartment.json`` into ``directory``."""
        from safetensors.numpy import save_file

        from nesscan.atomic import write_text

        directory = Path(directory)
        save_file({k: np.ascontiguousarray(v) for k, v in self.state().items()}, str(directory / WEIGHTS))
        write_text(directory / CONFIG, json.dumps(self.config(), indent=2) + "\n")


def packaged_dir() -> Path:
    """The compartment model shipped inside the package (``nesscan/models/compartment``)."""
    from importlib.resources import files

    return Path(str(files("nesscan") / "models" / "compartment"))


def load_compartment_model(directory: str | Path | None = None) -> CompartmentModel:
    """The compartment model of a model directory, or the packaged one when the directory
    has none (or is None).

    Raises
    ------
    NesscanError
        The files are there but unreadable, incomplete, or for other features.
    """
    from safetensors.numpy import load_file

    from nesscan.errors import NesscanError

    d = Path(directory) if directory is not None else None
    if d is None or not (d / WEIGHTS).is_file():
        d = packaged_dir()
    try:
        cfg = json.loads((d / CONFIG).read_text())
        state = load_file(str(d / WEIGHTS))
    except (OSError, ValueError) as err:
        raise NesscanError(f"{d}: unreadable compartment model ({err})") from None
    if cfg.get("features") != {k: list(v) for k, v in GROUPS.items()}:
        raise NesscanError(f"{d / CONFIG}: this compartment model was trained on other features than this "
                           "nesscan computes; retrain it (nesscan train --compartment-only)")
    missing = [k for k in ("secretory_cutoff", "mito_cutoff", "tm_min_score", "tm_min_count") if k not in cfg]
    if missing:
        raise NesscanError(f"{d / CONFIG}: compartment model lacks {', '.join(missing)}")
    parts = {c: {k[len(c) + 1:]: v for k, v in state.items() if k.startswith(c + ".")} for c in COMPONENTS}
    return CompartmentModel(FlatClassifier("ensemble", parts["secretory"]),
                            FlatClassifier("ensemble", parts["mitochondrial"]),
                            float(cfg["secretory_cutoff"]), float(cfg["mito_cutoff"]), float(cfg["tm_min_score"]),
                            int(cfg["tm_min_count"]), cfg.get("selection", {}))


def training_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Per MultiLoc protein (:func:`nesscan.io.read_multiloc`): ``soluble`` (nuclear or
    cytoplasmic: the budget set), and the 0/1/NaN targets ``secretory`` and
    ``mitochondrial`` (NaN: not trained on; chloroplast transit peptides for the latter),
    and ``plasma_membrane`` (the membrane rule's target)."""
    sig, comp = table.signal.to_numpy(), table.compartment.to_numpy()
    soluble = np.isin(comp, ["nuclear", "cytoplasmic"]) & (sig == "")
    neutral = soluble | ((comp == "peroxisomal") & (sig == ""))
    secretory = np.where(np.isin(sig, ["SP", "SA"]), 1.0, np.where(neutral | np.isin(sig, ["mTP", "cTP"]), 0.0, np.nan))
    mito = np.where(sig == "mTP", 1.0, np.where(neutral | np.isin(sig, ["SP", "SA"]), 0.0, np.nan))
    return pd.DataFrame({"soluble": soluble, "secretory": secretory, "mitochondrial": mito,
                         "plasma_membrane": comp == "plasma_membrane"})


def _cutoff(scores: np.ndarray, budget: float) -> float:
    """The lowest cut-off that flags at most ``budget`` of ``scores`` (flag: score >= cut-off)."""
    s = np.sort(scores)[::-1]
    allowed = int(np.floor(budget * len(s)))
    return float(np.nextafter(s[allowed], np.inf)) if allowed < len(s) else 0.0


def fit_compartment_model(sequences: Sequence[str], labels: pd.DataFrame, clusters: Sequence[str],
                          segments: Sequence[np.ndarray] | None = None, budget: float = 0.01, seed: int = 0,
                          inner_folds: int = 5, log: Callable[[str], None] = lambda msg: None) -> CompartmentModel:
    """Fit the gate on labelled proteins, every cut-off inside them (module docstring).

    Parameters
    ----------
    sequences
        The training proteins.
    labels
        :func:`training_labels` of each.
    clusters
        Homology cluster of each protein: the inner folds keep clusters whole.
    segments
        TopPred segments of each (computed when None).
    budget
        Largest share of the nuclear and cytoplasmic proteins each rule may flag.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    if segments is None:
        from nesscan.localisation.toppred import toppred_segments

        segments = toppred_segments(sequences)
    x = compartment_features(sequences, segments)
    soluble = labels.soluble.to_numpy(bool)
    groups = np.asarray(clusters)
    fitted: dict[str, Any] = {}
    selection: dict[str, Any] = {"budget": budget, "inner_folds": inner_folds, "hyper": HYPER,
                                 "grouping": "homology cluster (GroupKFold)", "proteins": int(len(x)),
                                 "soluble": int(soluble.sum())}
    for name in COMPONENTS:
        y = labels[name].to_numpy(float)
        use = np.flatnonzero(np.isfinite(y))
        oof = np.full(len(x), np.nan)
        folds = GroupKFold(inner_folds, shuffle=True, random_state=seed).split(use, groups=groups[use])
        for tr, te in folds:
            m = fit_flat(x[use[tr]], y[use[tr]].astype(int), "ensemble", HYPER, seed, balanced=False)
            oof[use[te]] = m.predict_proba(x[use[te]])
        fitted[name] = fit_flat(x[use], y[use].astype(int), "ensemble", HYPER, seed, balanced=False)
        cut = _cutoff(oof[soluble], budget)
        pos = use[y[use] == 1]
        selection[name] = {"positives": int(len(pos)), "negatives": int(len(use) - len(pos)), "cutoff": cut,
                           "inner_auc": float(roc_auc_score(y[use], oof[use])),
                           "inner_recall_at_cutoff": float((oof[pos] >= cut).mean())}
        log(f"compartment {name}: inner AUC {selection[name]['inner_auc']:.3f}, cut-off {cut:.3f}, "
            f"recall {selection[name]['inner_recall_at_cutoff']:.3f}")
    pm = labels.plasma_membrane.to_numpy(bool)
    best = None
    rules = {}
    for s, k in TM_RULES:
        flagged = np.array([tm_count(seg, s) >= k for seg in segments])
        rate, recall = float(flagged[soluble].mean()), float(flagged[pm].mean())
        rules[f"{s}x{k}"] = {"soluble_flagged": rate, "plasma_membrane_flagged": recall}
        if rate <= budget and (best is None or (recall, -rate, s, k) > best[0]):  # ties: fewer false flags, stricter
            best = ((recall, -rate, s, k), s, k)
    if best is None:
        raise ValueError("no membrane rule keeps within the budget")
    selection["membrane"] = {"rules": rules, "tm_min_score": best[1], "tm_min_count": best[2]}
    log(f"compartment membrane: >= {best[2]} segments scoring >= {best[1]}")
    return CompartmentModel(fitted["secretory"], fitted["mitochondrial"], selection["secretory"]["cutoff"],
                            selection["mitochondrial"]["cutoff"], best[1], best[2], selection)

"""Per-candidate structure features, a soft structural score, and a one-line explanation.

CRM1 binds an NES in a groove between its HEAT repeats 11 and 12, with the
hydrophobic anchor residues (Φ0-Φ4) in five pockets; bound NESs are helical or
helix-plus-extended (Güttler et al. 2010, doi:10.1038/nsmb.1931; Fung et al. 2015,
doi:10.7554/eLife.10034). An NES whose anchors are buried in a folded domain cannot
reach the groove unless the domain opens, which some regulated NESs do; so structure
*re-weights* a candidate, it never removes one.

The structural score, in [0, 1]::

    c = clip((pLDDT_window - 50) / 40, 0, 1)          # trust in the model's burial call
    e = 1 / (1 + exp(-(RSA_anchors - 0.20) / 0.05))   # anchors exposed (0.10 -> 0.12, 0.30 -> 0.88)
    h = helix fraction of the window
    structural = c * e * (0.85 + 0.15 * h) + (1 - c) * 0.75

* ``c`` follows AlphaFold's pLDDT bands (Jumper et al. 2021, doi:10.1038/s41586-021-03819-2):
  below 50 a region is typically disordered and its burial means nothing; from 90 up
  the side chains are placed reliably.
* ``e`` uses the anchors' mean RSA: the Kosugi consensus anchors, or, in a window
  with no consensus match, its hydrophobic residues L, I, V, F, M (the residues that
  must reach CRM1's pockets; the whole window when it has none); 0.20 is a usual exposed/buried cut-off of RSA (e.g. Tien et al. 2013,
  doi:10.1371/journal.pone.0080635), softened by a logistic of width 0.05.
* ``h``: a helix already in place is a small bonus (at most 15 %), since bound NESs
  are mostly helical but some bind extended.
* a disordered window (``c = 0``) scores 0.75: accessible, free to fold on binding, but
  the model cannot confirm an amphipathic helix. A confidently buried window scores
  near 0, a confidently exposed helix near 1.

The combined score is a fixed blend, ``(1 - STRUCTURE_WEIGHT) * score + STRUCTURE_WEIGHT
* structural`` with weight 0.25: a prior, not fitted (no labelled set of buried and
exposed NESs is large enough to fit it). With no usable model the structural score is
empty and the blend uses a neutral 0.5 (said in the explanation).

Without any AlphaFold model (none exists, or every model is corrupt) the window's pLDDT
is *predicted* from sequence by metapredict (:func:`predicted_structural_score`); there
is no structure, so no RSA and no helix, and the exposure term takes its neutral prior::

    structural_predicted = c * 0.5 + (1 - c) * 0.75     # c from the predicted pLDDT as above

A window predicted disordered scores 0.75 as with a model; one predicted confidently
folded scores the neutral 0.5 (folded, but buried or exposed is unknown).
"""

from __future__ import annotations

import numpy as np

from nesscan.stats import sigmoid

STRUCTURE_WEIGHT = 0.25
"""Weight of the structural score in the combined score."""
NEUTRAL = 0.5
"""Structural value used in the combined score when there is no usable model."""
DISORDERED_VALUE = 0.75
"""Structural score of a window AlphaFold models as disordered (pLDDT <= 50)."""
EXPOSED_RSA = 0.20
"""RSA above which a residue counts as exposed (logistic midpoint, and the explanation's cut-off)."""
BURIED_RSA = 0.10
"""RSA below which anchors are called "buried" in the explanation (0.10-0.20: "partly buried")."""


def structural_score(rsa_anchors: float, plddt_window: float, helix_fraction: float) -> float:
    """Soft structural score in [0, 1] (formula in the module docstring).

    Examples
    --------
    >>> round(structural_score(0.45, 92.0, 1.0), 3)   # exposed helix, confident
    0.993
    >>> round(structural_score(0.03, 92.0, 1.0), 3)   # buried, confident
    0.032
    >>> structural_score(0.03, 35.0, 0.0)             # disordered: burial not trusted
    0.75
    """
    c = float(np.clip((plddt_window - 50.0) / 40.0, 0.0, 1.0))
    e = sigmoid((rsa_anchors - EXPOSED_RSA) / 0.05)
    return float(c * e * (0.85 + 0.15 * helix_fraction) + (1.0 - c) * DISORDERED_VALUE)


def predicted_structural_score(plddt_window: float) -> float:
    """Structural score from a *predicted* pLDDT alone (no model: exposure unknown, neutral 0.5).

    Examples
    --------
    >>> predicted_structural_score(35.0)   # predicted disordered
    0.75
    >>> predicted_structural_score(95.0)   # predicted folded: burial unknown
    0.5
    >>> predicted_structural_score(70.0)
    0.625
    """
    if not np.isfinite(plddt_window):
        return float("nan")
    c = float(np.clip((plddt_window - 50.0) / 40.0, 0.0, 1.0))
    return float(c * NEUTRAL + (1.0 - c) * DISORDERED_VALUE)


def explain_predicted(plddt_window: float, why: str = "no AlphaFold model") -> str:
    """Explanation of a window scored from metapredict's predicted pLDDT.

    Examples
    --------
    >>> explain_predicted(45.2)
    'no AlphaFold model: predicted pLDDT 45 (metapredict), likely disordered'
    >>> explain_predicted(88.0, "model unreadable")
    'model unreadable: predicted pLDDT 88 (metapredict), likely folded, burial unknown'
    """
    if plddt_window < 50:
        state = "likely disordered"
    elif plddt_window < 70:
        state = "low confidence"
    else:
        state = "likely folded, burial unknown"
    return f"{why}: predicted pLDDT {plddt_window:.0f} (metapredict), {state}"


def combined_score(score: float, structural: float | None) -> float:
    """``(1 - w) * score + w * structural`` with ``w`` = :data:`STRUCTURE_WEIGHT`; neutral 0.5 if ``None``/NaN."""
    s = NEUTRAL if structural is None or not np.isfinite(structural) else structural
    return float((1.0 - STRUCTURE_WEIGHT) * score + STRUCTURE_WEIGHT * s)


def explain(rsa_anchors: float, plddt_window: float, helix_fraction: float, strand_fraction: float,
            rsa_window: float = float("nan")) -> str:
    """A few words on what the model says about a window.

    ``rsa_anchors`` is the anchors' mean RSA (column ``rsa_anchors`` of
    :mod:`nesscan.structure.table`): it decides exposed or buried and is quoted as
    "anchors' RSA", with the window's mean RSA (``rsa_window``, when given) beside it;
    with no anchor RSA (NaN) the window's decides and is quoted as "window RSA".
    ``plddt_window`` is the window's mean pLDDT, the fractions those of the window.

    Examples
    --------
    >>> explain(0.45, 88.0, 0.9, 0.0)
    "exposed helix, anchors' RSA 0.45, pLDDT 88"
    >>> explain(0.17, 84.0, 0.41, 0.18, rsa_window=0.40)
    "partly buried mixed helix/strand/coil in a confident domain, anchors' RSA 0.17 (window 0.40), pLDDT 84"
    >>> explain(float("nan"), 93.0, 0.0, 0.6, rsa_window=0.05)
    'buried strand in a confident domain, window RSA 0.05, pLDDT 93'
    >>> explain(0.7, 32.0, 0.0, 0.3)
    'disordered, pLDDT < 50'
    """
    anchored = bool(np.isfinite(rsa_anchors))
    rsa = rsa_anchors if anchored else rsa_window
    if plddt_window < 50:
        return "disordered, pLDDT < 50"
    if rsa >= EXPOSED_RSA:
        where = "exposed"
    elif rsa >= BURIED_RSA:
        where = "partly buried"
    else:
        where = "buried"
    if helix_fraction >= 0.5:
        shape = "helix"
    elif strand_fraction >= 0.3:
        shape = "strand"
    elif helix_fraction + strand_fraction >= 0.3:
        shape = "mixed helix/strand/coil"
    else:
        shape = "coil"
    text = f"{where} {shape}"
    if where != "exposed" and plddt_window >= 70:
        text += " in a confident domain"
    elif plddt_window < 70:
        text += " (low confidence)"
    if not anchored:
        quoted = f"window RSA {rsa_window:.2f}"
    else:
        quoted = f"anchors' RSA {rsa_anchors:.2f}" + (f" (window {rsa_window:.2f})" if np.isfinite(rsa_window) else "")
    return f"{text}, {quoted}, pLDDT {plddt_window:.0f}"

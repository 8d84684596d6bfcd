"""The screen's window calls against two nulls, and the headline they add up to.

The call statistic and the nulls are defined in :mod:`nesscan.screen.nulls`. Here:

* :func:`fit_call_curves`: the FDR curve of the screen's call scores against each null
  (the shuffle null pools the model's reference shuffles with the screen's own decoys:
  the reference gives a small input its error estimate, a large input's own decoys,
  which share its composition exactly, then carry most of the weight);
* :func:`annotate_calls`: per candidate, ``call_score``, ``q_value_shuffle``,
  ``q_value_natural``, ``call_q_value`` (the larger: the call must hold against both)
  and ``call`` ("called", "not called", or "protein set aside" by the compartment gate);
* :func:`order_candidates`: ``candidates.csv`` leads with the call and its error rate,
  called rows first;
* :func:`call_summary` and :func:`headline`: the counts of ``fdr.json``'s ``call`` section
  and the sentence ``nesscan screen`` prints and the report opens with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from nesscan.screen.nulls import CALL_Q, NULLS, TAIL_FLOOR

if TYPE_CHECKING:
    from nesscan.screen.fdr_binned import BinnedFdrCurve, ScoreHistogram
    from nesscan.screen.nulls import ReferenceNull

#: what ``candidates.csv`` starts with, in this order (the rest follow as they come)
LEADING = ["call", "call_q_value", "accession", "entry_name", "gene", "start", "end", "sequence", "score",
           "call_score", "cargo_probability", "q_value_shuffle", "q_value_natural"]
CALLED, NOT_CALLED, SET_ASIDE = "called", "not called", "protein set aside"
NULL_LABELS = {"shuffle": "shuffled decoys", "natural": "natural proteins that cannot use an NES"}


def fit_call_curves(targets: "ScoreHistogram", own_decoys: "ScoreHistogram",
                    reference: Mapping[str, "ReferenceNull"]) -> tuple[dict[str, "BinnedFdrCurve"], dict]:
    """The call-score FDR curve against each null that has windows, and what each null holds.

    Returns
    -------
    curves
        Null name -> :class:`~nesscan.screen.fdr_binned.BinnedFdrCurve` (a null with no
        windows is left out).
    info
        Null name -> ``{"n_windows", "reference_windows", "own_decoy_windows", "source"}``.
    """
    from nesscan.screen.fdr_binned import ScoreHistogram, binned_fdr_curve

    curves, info = {}, {}
    for name in NULLS:
        ref = reference.get(name)
        hist = ScoreHistogram()
        own = own_decoys.n if name == "shuffle" else 0
        if own:
            hist.counts += own_decoys.counts
        if ref is not None:
            ref.add_to(hist)
        sources = ([ref.source] if ref is not None else []) + (["the screen's own decoys"] if own else [])
        info[name] = {"n_windows": hist.n, "reference_windows": ref.n if ref is not None else 0,
                      "own_decoy_windows": own, "source": "; ".join(sources) or "none"}
        if hist.n and targets.n:
            curves[name] = binned_fdr_curve(targets, hist)
    return curves, info


def call_arrays(s: np.ndarray, curves: Mapping[str, "BinnedFdrCurve"]) -> dict[str, np.ndarray]:
    """:func:`annotate_calls`' columns (``q_value_<null>``, ``call_q_value``, ``call``) of the
    call scores ``s`` (NaN: no call score), as arrays."""
    s = np.asarray(s, float)
    out: dict[str, np.ndarray] = {}
    qs = []
    for name in NULLS:
        q = curves[name].q_of(np.nan_to_num(s, nan=0.0)) if name in curves else np.full(len(s), np.nan)
        q = np.where(np.isfinite(s), np.where(s >= TAIL_FLOOR, q, 1.0), np.nan)
        out[f"q_value_{name}"] = q
        qs.append(q)
    stacked = np.vstack(qs) if qs else np.full((1, len(s)), np.nan)
    has = np.isfinite(stacked).any(axis=0)
    call_q = np.where(has, np.nanmax(np.where(np.isfinite(stacked), stacked, -np.inf), axis=0), np.nan)
    out["call_q_value"] = call_q
    status = np.where(np.isfinite(call_q) & (call_q <= CALL_Q), CALLED, NOT_CALLED).astype(object)
    status[np.isfinite(s) & (s <= 0)] = SET_ASIDE
    out["call"] = status
    return out


def annotate_calls(candidates: pd.DataFrame, curves: Mapping[str, "BinnedFdrCurve"]) -> pd.DataFrame:
    """Add ``q_value_shuffle``, ``q_value_natural``, ``call_q_value`` and ``call`` (module
    docstring) to candidates that have a ``call_score``; a null without windows gives NaN,
    and then the call rests on the other null alone (``fdr.json`` says which nulls were there)."""
    out = candidates.copy()
    s = pd.to_numeric(out.get("call_score", pd.Series(np.nan, index=out.index)), errors="coerce").to_numpy(float)
    for name, values in call_arrays(s, curves).items():
        out[name] = values
    return out


def order_candidates(candidates: pd.DataFrame) -> pd.DataFrame:
    """Columns :data:`LEADING` first; called rows first (lowest ``call_q_value``, then highest
    ``call_score``), then the rest by window score."""
    out = candidates.copy()
    for col in ("call", "call_q_value", "call_score", "q_value_shuffle", "q_value_natural"):
        if col not in out:
            out[col] = "" if col == "call" else np.nan
    called = (out.call == CALLED).to_numpy()
    key = pd.DataFrame({"rank": np.where(called, 0, 1), "q": np.where(called, out.call_q_value, 0.0),
                        "cs": np.where(called, -out.call_score.fillna(0).to_numpy(float), 0.0),
                        "s": -out.score.to_numpy(float), "acc": out.accession.to_numpy(),
                        "start": out.start.to_numpy()}, index=out.index)
    order = key.sort_values(["rank", "q", "cs", "s", "acc", "start"], kind="stable").index
    cols = [c for c in LEADING if c in out] + [c for c in out if c not in LEADING]
    return out.loc[order, cols].reset_index(drop=True)


def _recovered(rows: pd.DataFrame) -> int:
    ids = {i for v in rows.known_nes_ids.fillna("").astype(str) for i in v.split("; ") if i}
    return len(ids)


def call_summary(candidates: pd.DataFrame, curves: Mapping[str, "BinnedFdrCurve"], info: dict,
                 n_known: int, left_out: list[str] | tuple = ()) -> dict:
    """``fdr.json``'s ``call`` section: per null and for the default call (both nulls), the
    candidates called at FDR :data:`CALL_Q`, the novel ones (no NESdb NES overlapped), the
    proteins holding them, the lowest q-value and how many of the ``n_known`` NESdb NESs of
    the screened proteins a call overlaps; the notes of the nulls ``left_out``; and the
    :func:`headline`."""
    out: dict = {"statistic": "window score x cargo probability; 0 where the compartment gate sets the protein "
                              "aside", "fdr": CALL_Q, "nulls": {}, "known_nes_in_screen": int(n_known)}

    def counts(called: np.ndarray) -> dict:
        rows = candidates[called]
        novel = rows[~rows.known_nes.astype(bool)]
        return {"calls": int(len(rows)), "novel_calls": int(len(novel)),
                "proteins_with_novel_calls": int(novel.accession.nunique()),
                "known_nes_recovered": _recovered(rows)}

    for name in NULLS:
        col = candidates.get(f"q_value_{name}")
        entry = dict(info.get(name, {"n_windows": 0}))
        if name in curves and col is not None:
            q = col.to_numpy(float)
            entry.update(counts(np.isfinite(q) & (q <= CALL_Q)))
            entry["lowest_q_value"] = float(np.nanmin(q)) if np.isfinite(q).any() else None
        out["nulls"][name] = entry
    out["default_nulls"] = [n for n in NULLS if n in curves]
    out.update(counts((candidates.get("call", pd.Series("", index=candidates.index)) == CALLED).to_numpy()))
    q = pd.to_numeric(candidates.get("call_q_value", pd.Series(dtype=float)), errors="coerce")
    out["lowest_call_q_value"] = float(q.min()) if q.notna().any() else None
    out["nulls_left_out"] = list(left_out)
    out["headline"] = headline(out)
    return out


def headline(call: dict) -> str:
    """The screen's headline sentence from :func:`call_summary`.

    >>> headline({"novel_calls": 3, "proteins_with_novel_calls": 2, "fdr": 0.1, "default_nulls": ["shuffle"],
    ...           "nulls": {"shuffle": {"novel_calls": 3}}, "known_nes_recovered": 1, "known_nes_in_screen": 4})
    '3 novel NES candidates in 2 proteins at an estimated FDR of 10% against shuffled decoys (novel calls against it alone: 3); 1 of the 4 known NESdb NESs in the screened proteins (25%) is recovered at the same cutoff.'
    """
    nulls = call.get("default_nulls", [])
    if not nulls:
        return "no error rate: the screen has no decoys and the model no reference null, so nothing is called."
    alone = " and ".join(str(call["nulls"][n].get("novel_calls", 0)) for n in nulls)
    if len(nulls) > 1:
        against = f"both nulls, {' and '.join(NULL_LABELS[n] for n in nulls)} (novel calls against each alone: {alone})"
    else:
        against = f"{NULL_LABELS[nulls[0]]} (novel calls against it alone: {alone})"
    k, n = call.get("known_nes_recovered", 0), call.get("known_nes_in_screen", 0)
    known = (f"{k} of the {n} known NESdb NESs in the screened proteins ({100 * k / n:.0f}%) "
             f"{'is' if k == 1 else 'are'} recovered at the same cutoff" if n else
             "the screened proteins hold no known NESdb NES")
    novel, npro = call.get("novel_calls", 0), call.get("proteins_with_novel_calls", 0)
    left = "".join(f" ({note})" for note in call.get("nulls_left_out", []))
    return (f"{novel} novel NES candidate{'s' if novel != 1 else ''} in {npro} protein{'s' if npro != 1 else ''} "
            f"at an estimated FDR of {100 * call['fdr']:.0f}% against {against}{left}; {known}.")

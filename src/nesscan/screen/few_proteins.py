"""A few proteins through the model at once, each with its candidates' calls and error rates
(:func:`predict_proteins`; :func:`nesscan.api.predict` is the public entry, whose module
docstring defines ``call_p_value``, ``call_q_value`` and ``known_nes_via``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.screen.assess import Assessment, assess_proteins

#: the columns of a predicted candidate, in order
CANDIDATE_COLUMNS = ["accession", "entry_name", "gene", "start", "end", "sequence", "score", "nes_class", "anchors",
                     "call", "call_q_value", "call_p_value", "call_score", "cargo_probability", "protein_score",
                     "q_value_shuffle", "q_value_natural", "region_start", "region_end", "n_windows",
                     "known_nes", "known_nes_ids", "known_nes_via", "explanation"]


@dataclass(frozen=True)
class Prediction:
    """What the model says of one protein (:class:`nesscan.api.Prediction` documents it)."""

    protein: Protein
    scores: np.ndarray
    track: np.ndarray
    candidates: list[dict] = field(default_factory=list)
    known: list[dict] = field(default_factory=list)
    threshold: float = 0.5
    window: int = 22
    plddt: np.ndarray = field(default_factory=lambda: np.zeros(0))
    disorder: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cargo_probability: float | None = None
    protein_score: float | None = None
    where: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``"ok"``, or ``"shorter_than_window"`` when the protein has no window."""
        return "ok" if len(self.scores) else "shorter_than_window"

    @property
    def called(self) -> list[dict]:
        """The candidates called (``call == "called"``)."""
        return [c for c in self.candidates if c.get("call") == "called"]

    def to_json(self) -> dict:
        """The prediction as JSON-ready Python values (``POST /api/predict`` and
        ``nesscan predict --format json`` write one per protein)."""
        prot = self.protein
        return {"accession": prot.accession, "entry_name": prot.entry_name, "gene": prot.gene,
                "description": prot.description, "length": len(prot.sequence), "status": self.status,
                "max_score": float(self.scores.max()) if len(self.scores) else None,
                "cargo_probability": self.cargo_probability, "protein_score": self.protein_score, **self.where,
                "candidates": [json_row(c) for c in self.candidates], "known_nes": self.known,
                "window_scores": [round(float(v), 6) for v in self.scores],
                "residue_scores": [round(float(v), 6) for v in self.track],
                "predicted_plddt": [round(float(v), 1) for v in self.plddt],
                "predicted_disorder": [round(float(v), 3) for v in self.disorder]}


def model_info(model: Predictor) -> dict:
    """The model in a few JSON fields (its directory's name, never a path: a server's paths
    stay on the server)."""
    return {"name": model.path.name if model.path else None, "weights_sha256": model.config.weights_sha256,
            "family": model.config.family, "embedder": model.config.embedder.get("name"), "window": model.window,
            "threshold": model.threshold, "protein_model": model.protein_model is not None}


def json_row(row: dict) -> dict:
    """A row with numpy scalars as Python ones and NaN as None, for JSON.

    >>> json_row({"start": np.int64(3), "score": np.float32(0.5), "q": float("nan"), "known": np.bool_(True)})
    {'start': 3, 'score': 0.5, 'q': None, 'known': True}
    """
    out = {}
    for k, v in row.items():
        if isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, (np.floating, float)):
            v = None if np.isnan(v) else float(v)
        elif isinstance(v, np.bool_):
            v = bool(v)
        out[k] = v
    return out


def predict_proteins(proteins: list[Protein], model: Predictor, threshold: float | None = None, *,
                     order: bool = True, homologues: bool = True) -> list[Prediction]:
    """Score ``proteins`` together and report each one's candidates, calls and known NESs.

    Raises
    ------
    NesscanError
        A threshold outside 0-1, or a duplicate accession.
    """
    from nesscan.explain import explain, order_tracks
    from nesscan.screen.annotate import annotate_candidates

    threshold = model.threshold if threshold is None else float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise NesscanError(f"threshold {threshold} is outside 0-1")
    ids = [p.accession for p in proteins]
    if len(set(ids)) != len(ids):
        raise NesscanError(f"duplicate id {next(a for a in ids if ids.count(a) > 1)!r}")
    known = known_ranges(model, proteins, homologues)
    assessed = assess_proteins(model, proteins, threshold, {a: k for a, k in known.items() if len(k)})
    calls = call_columns(model, assessed)
    gate = _protein_calls(model, assessed)
    next_call, out = iter(calls), []
    for a in assessed:
        p, s = a.protein, a.scores if a.scores is not None else np.zeros(0)
        plddt, disorder = order_tracks(p.sequence) if order else (None, None)
        rows = a.candidates
        if rows:
            rows = annotate_candidates(pd.DataFrame(rows)).to_dict("records")
            k = known[p.accession]
            for row in rows:
                row.update(next(next_call))
                hit = k[(k.start_1b <= row["end"]) & (k.end_1b >= row["start"])]
                row["known_nes_via"] = "; ".join(dict.fromkeys(hit.via)) if len(hit) else ""
                row["explanation"] = explain(row.get("nes_class"), row.get("anchors"), p.sequence, int(row["start"]),
                                             int(row["end"]), plddt, disorder)
            rows = [{c: row.get(c) for c in CANDIDATE_COLUMNS} for row in rows]
        k = known[p.accession]
        ranges = [{"start": int(s0), "end": int(e0), "nes_ids": str(i), "via": str(v)}
                  for s0, e0, i, v in zip(k.start_1b, k.end_1b, k.nes_ids, k.via)]
        tracks = {"plddt": plddt, "disorder": disorder} if order else {}
        out.append(Prediction(p, np.asarray(s, float), residue_track(s, model.window), rows, ranges, threshold,
                              model.window, cargo_probability=a.cargo_probability, protein_score=a.protein_score,
                              where=gate.get(p.accession, {}), **tracks))
    return out


def known_ranges(model: Predictor, proteins: list[Protein], homologues: bool = True) -> dict[str, pd.DataFrame]:
    """Accession -> known NES ranges on it (``start_1b``, ``end_1b``, ``nes_ids``, ``via``):
    the model's NESdb ranges of that accession ("same accession"), and with ``homologues``
    those of homologous NESdb proteins (:func:`nesscan.model.known.homologous_nes`)."""
    from nesscan.model.known import known_probes, homologous_nes

    probes = known_probes(model.path) if homologues else None
    out = {}
    for p in proteins:
        own = model.known_nes[model.known_nes.accession == p.accession]
        frames = [pd.DataFrame({"start_1b": own.start_1b.astype(int), "end_1b": own.end_1b.astype(int),
                                "nes_ids": own.nes_ids.astype(str), "via": "same accession"})]
        if probes is not None and len(probes):
            h = homologous_nes(p.sequence, p.accession, probes)
            frames.append(pd.DataFrame({"start_1b": h.start_1b, "end_1b": h.end_1b, "nes_ids": h.nes_ids,
                                        "via": [f"{a} ({i:.0%} identical window)"
                                                for a, i in zip(h.accession, h.identity)]}))
        frames = [f for f in frames if len(f)]
        out[p.accession] = (pd.concat(frames, ignore_index=True) if frames
                            else pd.DataFrame(columns=["start_1b", "end_1b", "nes_ids", "via"]))
    return out


def call_columns(model: Predictor, assessed: list[Assessment], nulls: dict | None = None) -> list[dict]:
    """Per candidate, in order: ``call``, ``call_q_value``, ``q_value_shuffle``,
    ``q_value_natural`` (the screen's :func:`nesscan.screen.calls.annotate_calls`, with the
    request's windows as targets) and ``call_p_value`` (:func:`call_p_values`).

    ``nulls``: the model's usable reference nulls, when the caller loaded them already
    (:func:`nesscan.screen.nulls.load_nulls`, :func:`~nesscan.screen.nulls.usable_nulls`)."""
    from nesscan.screen.calls import annotate_calls, fit_call_curves
    from nesscan.screen.fdr_binned import ScoreHistogram
    from nesscan.screen.nulls import call_scores, load_nulls, usable_nulls

    rows = [c for a in assessed for c in a.candidates]
    if not rows:
        return []
    with_windows = [a for a in assessed if a.scores is not None]
    targets = ScoreHistogram()
    targets.add(call_scores([a.scores for a in with_windows], [a.call_factor for a in with_windows]))
    if nulls is None:
        nulls, _ = usable_nulls(load_nulls(model.path), "")
    curves, _ = fit_call_curves(targets, ScoreHistogram(), nulls)
    table = annotate_calls(pd.DataFrame(rows), curves)
    table["call_p_value"] = call_p_values(table.call_score.to_numpy(float), nulls)
    cols = ["call", "call_q_value", "call_p_value", "q_value_shuffle", "q_value_natural"]
    return [{c: (None if isinstance(v, float) and np.isnan(v) else v) for c, v in r.items()}
            for r in table[cols].to_dict("records")]


def call_p_values(call_scores: np.ndarray, nulls: dict) -> np.ndarray:
    """The larger over ``nulls`` of ``(N + 1) / (n + 1)``, ``N`` of a null's ``n`` windows
    scoring at least the call score; 1 below the nulls' floor and NaN without a null.

    >>> from nesscan.screen.nulls import reference_null
    >>> null = reference_null("shuffle", np.array([0.0] * 96 + [0.4, 0.5, 0.8, 0.9]), "test")
    >>> call_p_values(np.array([0.85, 0.95, 0.1]), {"shuffle": null}).round(4).tolist()
    [0.0198, 0.0099, 1.0]
    """
    from nesscan.screen.nulls import TAIL_FLOOR

    s = np.asarray(call_scores, float)
    if not nulls:
        return np.full(len(s), np.nan)
    p = np.zeros(len(s))
    for r in nulls.values():
        above = len(r.tail) - np.searchsorted(np.asarray(r.tail, float), s, side="left")
        p = np.maximum(p, (above + 1) / (r.n + 1))
    return np.where(s >= TAIL_FLOOR, p, 1.0)


def _protein_calls(model: Predictor, assessed: list[Assessment]) -> dict[str, dict]:
    """Accession -> the gate's columns and the protein call (``cargo_p_value``,
    ``cargo_q_value_batch`` over the proteins given, ``call_status``), as in ``proteins.csv``."""
    from nesscan.length_null import cargo_p_values
    from nesscan.model.cargo import call_status
    from nesscan.stats import bh_q_values

    ok = [a for a in assessed if a.scores is not None]
    if not ok:
        return {}
    reason = np.array([a.where["gate_reason"] for a in ok], object)
    scores = np.array([np.nan if a.protein_score is None else a.protein_score for a in ok], np.float64)
    assessable = np.isfinite(scores) & (reason == "")
    pvals = np.full(len(ok), np.nan)
    if model.protein_model is not None:
        pvals[assessable] = cargo_p_values(scores[assessable], model.protein_model.null)
    qvals = bh_q_values(pvals)
    status = call_status(reason, scores, qvals, np.ones(len(ok), bool))
    out = {}
    for i, a in enumerate(ok):
        w = a.where
        out[a.protein.accession] = {
            "tm_helices": w["tm_helices"], "signal_peptide": w["signal_peptide"],
            "mito_presequence": w["mito_presequence"], "compartment": w["compartment"],
            "cargo_p_value": None if np.isnan(pvals[i]) else float(pvals[i]),
            "cargo_q_value_batch": None if np.isnan(qvals[i]) else float(qvals[i]), "call_status": str(status[i])}
    return out


def residue_track(scores: np.ndarray, window: int) -> np.ndarray:
    """Per-residue score: the maximum over the windows covering each residue.

    Window ``i`` covers residues ``i + 1 .. i + window``; returns ``len(scores) + window - 1``
    values (float64), empty when ``scores`` is.

    >>> residue_track(np.array([0.1, 0.9, 0.2]), 2).tolist()
    [0.1, 0.9, 0.9, 0.2]
    """
    if len(scores) == 0:
        return np.zeros(0)
    padded = np.concatenate([np.full(window - 1, -np.inf), np.asarray(scores, float), np.full(window - 1, -np.inf)])
    return np.lib.stride_tricks.sliding_window_view(padded, window).max(axis=1)

"""Anchor-aligned NES PSSM, fitted on training positives only: the ``anchor_pssm`` window feature.

After LocNES (Xu D, Marquez A, Farmer A, Chook YM. Bioinformatics 2015;31:1357): NES
candidates are aligned on their hydrophobic anchors (Kosugi spacings, both
orientations: :data:`nesscan.consensus.CLASS_OFFSETS`), scored
with a position-specific log-odds matrix, and the score's *rank within the same
protein* is a feature of its own (a protein rarely has two NESs; a window that is the
protein's best candidate is more likely the real one).

Slots of a placement with Φ1 at residue ``p``: four residues before Φ1 (Φ0 region,
``-4..-1``), the four anchors, the spacer residues between anchors (one pooled slot,
added as the mean log-odds times :data:`GAP_WEIGHT`), and three residues after Φ4.
Flank slots may reach outside the window (the parent sequence is used), anchors may not.

Fitting (:meth:`AnchorPSSM.fit`): every training positive window is aligned on its
best placement (start: most Φ anchors, then Leu anchors, as in
:func:`nesscan.features.window.consensus_features`), the log-odds are estimated against the
residue composition of the training negatives' windows (pseudocount ``alpha``), then
placements are re-chosen by the PSSM itself (``n_iter`` hard-EM rounds).

Must be refit inside every (inner and outer) training fold: scoring a window with a
PSSM that saw its own NES is a leak. Its fitted log-odds are saved with the
classifier's weights (:meth:`AnchorPSSM.state`, keys ``pssm.fixed_lo`` and
``pssm.gap_lo``) and restored with :meth:`AnchorPSSM.load_state`.

References
----------
Xu D, Marquez A, Farmer A, Chook YM. LocNES: a computational tool for locating
classical NESs in CRM1 cargo proteins. Bioinformatics 2015;31:1357.
Fu SC, Imai K, Horton P. Prediction of leucine-rich nuclear export signal containing
proteins with NESsential. Nucleic Acids Res 2011;39:e111.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nesscan.consensus import CLASS_OFFSETS, CLASS_ORDER
from nesscan.features.registry import register_window_feature
from nesscan.features.window import codes

PRE, POST = 4, 3
GAP_WEIGHT = 5.0
PSSM_NAMES = ("pssm_score", "pssm_rank_frac", "pssm_z", "pssm_minus_protein_max", "pssm_local_peak")
"""The columns of ``anchor_pssm``; with ``{"excess": true}`` in its spec also ``pssm_excess``: the best
placement's score minus its expectation when the window's residues are in random order."""
_HYD = np.zeros(21, bool)
_HYD[[ "ACDEFGHIKLMNPQRSTVWY".index(a) for a in "LIVFM"]] = True


def _slot_positions(offsets: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """Relative positions of the 11 fixed slots and of the spacer residues."""
    fixed = list(range(-PRE, 0)) + list(offsets) + [offsets[-1] + k for k in range(1, POST + 1)]
    gaps = [i for i in range(offsets[-1]) if i not in offsets]
    return fixed, gaps


class AnchorPSSM:
    """Fit/transform anchor-aligned PSSM (see the module docstring).

    Parameters
    ----------
    alpha
        Pseudocount weight (times the background frequency) per slot.
    n_iter
        Hard-EM re-alignment rounds.
    """

    parent = True
    fitted = True
    names = list(PSSM_NAMES)
    dim = len(PSSM_NAMES)

    def __init__(self, alpha: float = 5.0, n_iter: int = 2, excess: bool = False) -> None:
        self.alpha = alpha
        self.n_iter = n_iter
        self.excess = excess
        if excess:  # an instance attribute: the class default stays the 5 columns of older models
            self.names = list(PSSM_NAMES) + ["pssm_excess"]
            self.dim = len(self.names)
        self.fixed_lo: np.ndarray | None = None  # (11, 21) log-odds
        self.gap_lo: np.ndarray | None = None  # (21,)

    # ----- scoring -----
    def _placement_scores(self, c: np.ndarray) -> dict[str, np.ndarray]:
        """Per class, the score of the placement with Φ1 at each residue (``-inf`` past the end)."""
        n = len(c)
        pad = np.concatenate([np.full(PRE, 20), c, np.full(POST + 12, 20)])
        out = {}
        for name in CLASS_ORDER:
            offs = CLASS_OFFSETS[name]
            fixed, gaps = _slot_positions(offs)
            m = n - offs[-1]
            if m <= 0:
                out[name] = np.full(0, -np.inf)
                continue
            p = np.arange(m) + PRE
            sc = sum(self.fixed_lo[k, pad[p + r]] for k, r in enumerate(fixed))
            sc = sc + GAP_WEIGHT * np.mean([self.gap_lo[pad[p + r]] for r in gaps], axis=0)
            out[name] = sc
        return out

    def _window_best(self, c: np.ndarray, starts: np.ndarray, window: int, locate: bool = False
                     ) -> tuple[np.ndarray, list]:
        """Best placement score in each window, and (class, Φ1) of it."""
        best = np.full(len(starts), -np.inf)
        where: list = [None] * len(starts)
        for name, sc in self._placement_scores(c).items():
            span = CLASS_OFFSETS[name][-1] + 1
            w = window - span + 1
            if len(sc) == 0 or w <= 0:
                continue
            scp = np.concatenate([sc, np.full(w, -np.inf)])
            a = np.clip(starts, 0, len(sc) - 1)
            sl = sliding_window_view(scp, w)[a]
            arg = sl.argmax(axis=1)
            val = sl[np.arange(len(a)), arg]
            better = val > best
            best = np.where(better, val, best)
            if locate:
                for i in np.flatnonzero(better):
                    where[i] = (name, int(a[i] + arg[i]))
        return best, where

    # ----- fitting -----
    def _estimate(self, aligned: list[tuple[np.ndarray, str, int]], bg: np.ndarray) -> None:
        fixed_counts = np.zeros((PRE + 4 + POST, 21))
        gap_counts = np.zeros(21)
        for c, name, p in aligned:
            fixed, gaps = _slot_positions(CLASS_OFFSETS[name])
            for k, r in enumerate(fixed):
                if 0 <= p + r < len(c):
                    fixed_counts[k, c[p + r]] += 1
            for r in gaps:
                gap_counts[c[p + r]] += 1.0 / len(gaps)
        fixed_counts[:, 20] = 0
        gap_counts[20] = 0
        f = (fixed_counts + self.alpha * bg) / (fixed_counts.sum(1, keepdims=True) + self.alpha)
        g = (gap_counts + self.alpha * bg) / (gap_counts.sum() + self.alpha)
        with np.errstate(divide="ignore"):
            self.fixed_lo = np.log(f / bg)
            self.gap_lo = np.log(g / bg)
        self.fixed_lo[:, 20] = 0.0
        self.gap_lo[20] = 0.0

    def fit(self, positives: Sequence[tuple[str, int]], negative_windows: Sequence[str], window: int = 22
            ) -> "AnchorPSSM":
        """Fit on positive windows given as (parent sequence, 0-based start).

        Parameters
        ----------
        positives
            Training positives: whole parent and window start (flank slots need it).
        negative_windows
            Training negative windows: their residue composition is the background.
        """
        neg = np.concatenate([codes(s) for s in negative_windows])
        bg = np.bincount(neg[neg < 20], minlength=21).astype(float) + 1.0
        bg[20] = 0
        bg = bg / bg.sum()
        bg[20] = 1.0  # unknown residues: log-odds forced to 0 below
        seqs = [(codes(s), int(a)) for s, a in positives]
        # initial alignment: most Φ anchors, then Leu (a flat PSSM that rewards them)
        self.fixed_lo = np.zeros((PRE + 4 + POST, 21))
        self.gap_lo = np.zeros(21)
        leu = "ACDEFGHIKLMNPQRSTVWY".index("L")
        for k in range(PRE, PRE + 4):
            self.fixed_lo[k, _HYD] = 1.0
            self.fixed_lo[k, leu] = 1.1
        for it in range(self.n_iter + 1):
            aligned = []
            for c, a in seqs:
                _, where = self._window_best(c, np.array([a]), window, locate=True)
                if where[0] is not None:
                    aligned.append((c, where[0][0], where[0][1]))
            self._estimate(aligned, bg)
        return self

    def transform(self, sequence: str, starts: np.ndarray, window: int = 22) -> np.ndarray:
        """PSSM features of the windows at ``starts`` of ``sequence`` (:data:`PSSM_NAMES`).

        Rank and z-score are among *all* windows (stride 1) of the same sequence.
        ``pssm_local_peak`` is 1 when no window within ``window // 2`` residues scores higher.

        Window scores are rounded to 1e-9 (nats) before they are ranked and compared, and
        the z-score is 0 for a sequence whose windows all score the same: the log-odds
        are fitted with numpy's ``log``, whose last bit differs between CPUs, and without
        the rounding a tie between two windows, or a spread of exactly 0 against 1e-16,
        turned into a different rank or a z-score of 0 against 1 (measured: one yeast
        window's score moved by 0.09 between two trainings under different kernels).
        """
        c = codes(sequence)
        return self.columns(self.all_windows(c, window), c, starts, window)

    def all_windows(self, c: np.ndarray, window: int = 22) -> np.ndarray:
        """The best placement score of every window (stride 1) of the residue codes ``c``, before
        :meth:`columns` rounds them: what :meth:`transform` ranks the windows by."""
        return self._window_best(c, np.arange(max(len(c) - window + 1, 1)), window)[0]

    def all_windows_edited(self, reference: np.ndarray, c: np.ndarray, start: int, end: int, shift: int,
                           window: int = 22) -> np.ndarray:
        """:meth:`all_windows` of a mutant (codes ``c``) from its reference's (``reference``), the
        residues ``start:end`` of the mutant changed (``shift`` residues gained): only the windows
        whose placements read a changed residue are scored again, on the residues they read; the
        others are the reference's, shifted past the change. The same values as
        :meth:`all_windows` on the whole mutant (each window's score is computed elementwise)."""
        n = len(c)
        n_win = max(n - window + 1, 1)
        reach = window + PRE + POST + 2  # a window at a reads residues a - PRE .. a + window - 1 + POST
        a0, a1 = max(start - reach, 0), min(max(end, start + 1) + reach, n_win)
        if n - window + 1 < 1 or len(reference) != max(n - shift - window + 1, 1) or a1 - a0 >= n_win:
            return self.all_windows(c, window)
        x0, x1 = max(a0 - PRE - 16, 0), min(a1 + window + POST + 16, n)
        local = self._window_best(c[x0:x1], np.arange(a0, a1) - x0, window)[0]
        return np.concatenate([reference[:a0], local, reference[a1 - shift:]])

    def columns(self, raw: np.ndarray, c: np.ndarray, starts: np.ndarray, window: int = 22) -> np.ndarray:
        """:meth:`transform`'s columns from every window's score ``raw`` (:meth:`all_windows`)."""
        starts = np.asarray(starts, np.int64)
        n_win = max(len(c) - window + 1, 1)
        allsc = raw
        allsc = np.where(np.isfinite(allsc), allsc, np.nan)
        fill = np.nanmin(allsc) if np.isfinite(allsc).any() else 0.0
        allsc = np.round(np.nan_to_num(allsc, nan=fill), 9)
        s = allsc[np.clip(starts, 0, n_win - 1)]
        ranked = np.sort(allsc)  # share of windows scoring higher: O(n log n) (a pairwise table is O(n^2):
        rank = (len(ranked) - np.searchsorted(ranked, s, side="right")) / len(ranked)  # 1.2 GB for titin)
        flat = allsc.max() == allsc.min()  # every window the same: no spread to standardise by
        z = np.zeros(len(s)) if flat else np.round((s - allsc.mean()) / allsc.std(), 6)
        h = window // 2
        padded = np.concatenate([np.full(h, -np.inf), allsc, np.full(h, -np.inf)])
        local = sliding_window_view(padded, 2 * h + 1).max(axis=1)[np.clip(starts, 0, n_win - 1)]
        cols = [s, rank, z, s - allsc.max(), (s >= local).astype(float)]
        if self.excess:
            cols.append(np.round(s - self._expected(c, starts, window), 9))
        return np.column_stack(cols).astype(np.float32)

    def _expected(self, c: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
        """``pssm_excess``'s baseline: the expected score of a placement when the window's residues
        are put in a random order (every slot drawn from the window's composition; linear in it),
        so that the best placement's excess over it is what the *order* of the residues adds."""
        per_residue = self.fixed_lo.sum(axis=0) + GAP_WEIGHT * self.gap_lo  # (21,) summed over the slots
        onehot = np.zeros((len(c) + 1, 21))
        onehot[np.arange(len(c)) + 1, c] = 1
        cum = np.cumsum(onehot, axis=0)
        lo = np.clip(starts, 0, len(c))
        hi = np.clip(starts + window, 0, len(c))
        comp = (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)[:, None]
        return comp @ per_residue

    def window_scores(self, sequence: str, window: int = 22) -> np.ndarray:
        """PSSM score of every window (stride 1): the in-fold PSSM baseline scorer."""
        c = codes(sequence)
        sc, _ = self._window_best(c, np.arange(max(len(c) - window + 1, 1)), window)
        return sc

    def __call__(self, parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None) -> np.ndarray:
        """:meth:`transform` (the parent window feature interface)."""
        if self.fixed_lo is None:
            raise ValueError("anchor_pssm is not fitted (fit it on training positives or load its state)")
        return self.transform(parent, starts, window)

    def state(self) -> dict[str, np.ndarray]:
        """Fitted parameters as named float64 arrays (saved in ``model.safetensors``)."""
        if self.fixed_lo is None or self.gap_lo is None:
            raise ValueError("anchor_pssm is not fitted")
        return {"pssm.fixed_lo": np.ascontiguousarray(self.fixed_lo, np.float64),
                "pssm.gap_lo": np.ascontiguousarray(self.gap_lo, np.float64)}

    def load_state(self, state: dict[str, np.ndarray]) -> "AnchorPSSM":
        """Restore :meth:`state`."""
        fixed, gap = np.asarray(state["pssm.fixed_lo"], np.float64), np.asarray(state["pssm.gap_lo"], np.float64)
        if fixed.shape != (PRE + 4 + POST, 21) or gap.shape != (21,):
            raise ValueError(f"anchor_pssm state has shapes {fixed.shape}, {gap.shape}")
        self.fixed_lo, self.gap_lo = fixed, gap
        return self


@register_window_feature("anchor_pssm")
def _anchor_pssm(spec: dict, runtime: Any) -> AnchorPSSM:
    return AnchorPSSM(alpha=float(spec.get("alpha", 5.0)), n_iter=int(spec.get("n_iter", 2)),
                      excess=bool(spec.get("excess", False)))

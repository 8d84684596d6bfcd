"""Call rates in protein classes that cannot be CRM1 cargo: the check of a screen's protein calls.

A protein that never reaches the nucleoplasm as a free soluble protein cannot be CRM1
cargo, so every call in such a class is a false call. :func:`class_call_rates` counts, in
a screen's ``proteins.csv``, the share called (``call_status`` "called") in

* the classes the sequence predicts (``compartment``: membrane, secretory, mitochondrial;
  :mod:`nesscan.localisation.model`), which the gate sets aside by construction, so their
  rate without the gate is given beside it;
* classes named unambiguously in the protein names (:data:`NAME_CLASSES`, e.g. olfactory
  receptors: seven-transmembrane receptors of the plasma membrane), which test the gate
  from outside: nothing in it reads names;
* beside them, every protein of the screen, the proteins assessed, and the parents of known
  NESs (the model's NESdb accessions): real cargoes, which should stay called.

"Without the gate" is the call every scored protein would get if none were set aside: its
protein score's p-value against the model's null, Benjamini-Hochberg over all of them,
called at the same batch q-value.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

#: class -> regular expression on the protein name (the FASTA description, without OS= etc.)
NAME_CLASSES: dict[str, str] = {
    "olfactory receptors": r"^Olfactory receptor",
    "taste receptors type 2": r"^Taste receptor type 2",
    "immunoglobulin V segments": r"^Immunoglobulin (heavy|kappa|lambda) variable",
    "T-cell receptor V segments": r"^T cell receptor (alpha|beta|gamma|delta) variable",
    "collagen chains": r"^Collagen alpha-\d",
    "solute carriers": r"^Solute carrier family",
    "mitochondrial ribosomal proteins": r"ribosomal protein [LS]\d+\w*, mitochondrial$",
}
COLUMNS = ["class", "defined_by", "proteins", "called", "called_pct", "called_without_gate",
           "called_without_gate_pct"]


def _name(description: str) -> str:
    return re.split(r"\s[A-Z]{2}=", description or "", maxsplit=1)[0].strip()


def class_call_rates(proteins: pd.DataFrame, descriptions: Mapping[str, str], known: Iterable[str] = (),
                     null: np.ndarray | None = None) -> pd.DataFrame:
    """The call rate of each class (module docstring), one row per class (:data:`COLUMNS`).

    Parameters
    ----------
    proteins
        A screen's ``proteins.csv`` (with ``call_status`` and ``compartment``).
    descriptions
        Accession -> FASTA description (the protein name, then ``OS=`` ...).
    known
        Accessions of NES-holding proteins (NESdb parents).
    null
        The protein model's null (:attr:`nesscan.model.cargo.CargoModel.null`) for the
        rate without the gate; the columns are empty without it.
    """
    from nesscan.length_null import cargo_p_values
    from nesscan.model.cargo import PROTEIN_CALL_Q
    from nesscan.stats import bh_q_values

    t = proteins.reset_index(drop=True)
    status = t.get("call_status", pd.Series("", index=t.index)).fillna("").astype(str)
    called = (status == "called").to_numpy()
    scores = pd.to_numeric(t.get("protein_score", pd.Series(np.nan, index=t.index)), errors="coerce").to_numpy(float)
    ungated = np.full(len(t), False)
    if null is not None and np.isfinite(scores).any():
        ungated = bh_q_values(cargo_p_values(scores, null)) <= PROTEIN_CALL_Q
    compartment = t.get("compartment", pd.Series("", index=t.index)).fillna("").astype(str).to_numpy()
    names = np.array([_name(descriptions.get(str(a), "")) for a in t.accession], dtype=object)
    known = set(map(str, known))
    classes: list[tuple[str, str, np.ndarray]] = [
        ("all proteins", "all", np.ones(len(t), bool)),
        ("assessed (can be cargo)", "sequence prediction", ~status.str.startswith("not assessed").to_numpy()),
        ("NESdb parents", "known NES", t.accession.astype(str).isin(known).to_numpy()),
        ("predicted membrane", "sequence prediction", compartment == "membrane"),
        ("predicted secretory", "sequence prediction", compartment == "secretory"),
        ("predicted mitochondrial", "sequence prediction", compartment == "mitochondrial"),
    ]
    classes += [(name, "protein name", np.array([bool(re.search(rx, n)) for n in names], bool))
                for name, rx in NAME_CLASSES.items()]
    rows = []
    for name, how, mask in classes:
        n = int(mask.sum())
        c, u = int(called[mask].sum()), int(ungated[mask].sum())
        rows.append((name, how, n, c, 100.0 * c / n if n else np.nan,
                     u if null is not None else np.nan, 100.0 * u / n if n and null is not None else np.nan))
    return pd.DataFrame(rows, columns=COLUMNS)


def screen_class_rates(screen_dir, fasta, known: Iterable[str] = (), null: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`class_call_rates` of a screen folder and the FASTA it screened."""
    from pathlib import Path

    from nesscan.io import iter_fasta

    proteins = pd.read_csv(Path(screen_dir) / "proteins.csv", low_memory=False)
    descriptions = {p.accession: p.description for p in iter_fasta(fasta)}
    return class_call_rates(proteins, descriptions, known, null)


def write_class_rates(screen_dir, fasta, model, log=lambda msg: None) -> None:
    """Write ``protein_classes.tsv`` into a screen folder (nothing for a model without a
    protein model): :func:`screen_class_rates` with the model's NESdb accessions and null."""
    from pathlib import Path

    from nesscan.atomic import write_text

    if model.protein_model is None:
        return
    screen_dir = Path(screen_dir)
    rates = screen_class_rates(screen_dir, fasta, set(model.known_nes.accession), model.protein_model.null)
    write_text(screen_dir / "protein_classes.tsv", rates.to_csv(sep="\t", index=False, float_format="%.4g"))
    top = rates.set_index("class")
    parents = top.called_pct["NESdb parents"]
    log(f"{screen_dir.name}: proteins called {top.called_pct['all proteins']:.1f}% "
        f"(NESdb parents {'none' if np.isnan(parents) else f'{parents:.1f}%'}, set aside "
        f"{100 - 100 * top.proteins['assessed (can be cargo)'] / max(top.proteins['all proteins'], 1):.1f}%)")

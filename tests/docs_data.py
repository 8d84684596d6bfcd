"""A small synthetic data folder with the layout and file names of the real one (``NESSCAN_DATA``),
for running the docs' code blocks (``tests/test_docs.py``) and making the docs' figures
(``scripts/docs_figures.py``).

``make_docs_data(base, root)`` copies ``base`` (the ``tiny_cargo_data`` fixture of
``tests/conftest.py``: synthetic NESdb, mitochondrial negatives, a CRM1 cargo table and the
human proteome its entry names map to) into ``root`` and adds what the docs name:

* ``proteomes/UP000002311-S.cerevisiae.fasta.gz``: the fixture's ``tiny.fasta`` (4 NESdb
  parents, 15 random yeast-headed proteins, one shorter than the window) plus 10 yeast-headed
  proteins with a planted leucine-rich NES; ``tiny.fasta`` itself is removed, as the real folder
  has no such file;
* ``proteomes/UP000000625-E.coli.fasta.gz``: 20 random proteins with E. coli headers (the
  natural null of ``nesscan run``);
* ``proteomes/human_swissprot_assembled.fasta.gz``: the fixture's, plus human PKI-alpha
  (P61925, PKIA_HUMAN; 76 residues, NES 36-50 in NESdb), the README's example;
* ``localisation/multiloc/``: a small MultiLoc-like folder (the compartment gate's training set);
* ``structures/``: the AlphaFold models (``AF-*``) and ``residue_annotations.csv`` of the real
  data folder when one is given (copied into the temporary folder at test time, never into the
  repository; four human proteins, none of them in the synthetic proteomes), else none;
* ``README.md`` saying that the rest is synthetic.

Nothing here is committed from the real data (its README forbids copying it into the repository).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np

STANDARD = "ACDEFGHIKLMNPQRSTVWY"
HYDROPHOBIC = "LIVFM"
#: Human PKI-alpha (UniProt P61925), the README's example protein.
PKIA = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
#: A transmembrane helix for the MultiLoc membrane proteins.
TM = "LLIVALAVLGFLIAVLLVAV"


def _seq(rng: np.random.Generator, n: int, alphabet: str = STANDARD) -> str:
    return "".join(rng.choice(list(alphabet), n))


def _nes(rng: np.random.Generator) -> str:
    """A class-1a-like NES, Phi-x3-Phi-x2-Phi-x-Phi."""
    return "".join(rng.choice(list(HYDROPHOBIC)) if k in (0, 4, 7, 9) else rng.choice(list("ESTDQNKRAG"))
                   for k in range(10))


def _fasta(records: list[tuple[str, str]]) -> str:
    return "".join(f"{h}\n" + "\n".join(s[i:i + 60] for i in range(0, len(s), 60)) + "\n" for h, s in records)


def _read(path: Path) -> list[tuple[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        text = fh.read()
    out = []
    for block in text.split(">")[1:]:
        head, *lines = block.splitlines()
        out.append((">" + head, "".join(lines)))
    return out


def _write_gz(path: Path, records: list[tuple[str, str]]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # same bytes every time
        fh.write(_fasta(records).encode())


def _multiloc(folder: Path, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sp = lambda: "MK" + _seq(rng, 12, "LLLIVAFAL") + "AQA"  # noqa: E731
    mtp = lambda: "M" + _seq(rng, 25, "RRLLSSARLA")  # noqa: E731
    sets = {"nuclear.fasta": [(f">N{i}", _seq(rng, 200)) for i in range(40)],
            "cytoplasmic.fasta": [(f">C{i}", _seq(rng, 220)) for i in range(40)],
            "extracellular.fasta": [(f">E{i} SP 17", sp() + _seq(rng, 200)) for i in range(25)],
            "mitochondrial.fasta": [(f">M{i} mTP 26", mtp() + _seq(rng, 200)) for i in range(25)],
            "plasma_membrane.fasta": [(f">P{i} SP 17", sp() + _seq(rng, 100) + TM + _seq(rng, 60))
                                      for i in range(25)]}
    for name, records in sets.items():
        (folder / name).write_text(_fasta(records))


def make_docs_data(base: Path, root: Path, real: Path | None = None) -> Path:
    """Copy ``base`` (``tiny_cargo_data``) to ``root`` and add the files the docs name, with the
    structure models of the real data folder ``real`` if it has them; returns ``root``."""
    rng = np.random.default_rng(20260101)
    shutil.copytree(base, root)
    proteomes = root / "proteomes"

    yeast = _read(proteomes / "tiny.fasta")
    for i in range(10):
        seq = _seq(rng, int(rng.integers(120, 300)))
        at = int(rng.integers(10, len(seq) - 20))
        seq = seq[:at] + _nes(rng) + seq[at + 10:]
        acc = f"P8{i:04d}"
        yeast.append((f">sp|{acc}|EXP{i}_YEAST Exported protein {i} OS=Saccharomyces cerevisiae (strain ATCC "
                      f"204508 / S288c) OX=559292 GN=EXP{i} PE=1 SV=1", seq))
    _write_gz(proteomes / "UP000002311-S.cerevisiae.fasta.gz", yeast)
    (proteomes / "tiny.fasta").unlink()

    ecoli = [(f">sp|P7{i:04d}|ECO{i}_ECOLI Bacterial protein {i} OS=Escherichia coli (strain K12) OX=83333 "
              f"GN=eco{i} PE=1 SV=1", _seq(rng, int(rng.integers(80, 300)))) for i in range(20)]
    _write_gz(proteomes / "UP000000625-E.coli.fasta.gz", ecoli)

    human = proteomes / "human_swissprot_assembled.fasta.gz"
    records = _read(human)
    records.append((">sp|P61925|IPKA_HUMAN cAMP-dependent protein kinase inhibitor alpha OS=Homo sapiens "
                    "OX=9606 GN=PKIA PE=1 SV=2", PKIA))
    _write_gz(human, records)

    _multiloc(root / "localisation" / "multiloc", rng)
    structures = root / "structures"
    structures.mkdir(exist_ok=True)
    if real is not None and (real / "structures").is_dir():
        for path in sorted((real / "structures").iterdir()):
            if path.name.startswith("AF-") or path.name == "residue_annotations.csv":
                shutil.copyfile(path, structures / path.name)
    (root / "README.md").write_text(
        "# A stand-in for the nesscan data folder\n\n"
        "Same layout and file names as the real one; every sequence is random or planted by\n"
        "tests/docs_data.py (but PKI-alpha, P61925), the structure models (if any) are the real ones.\n"
        "Numbers computed on it mean nothing.\n")
    return root

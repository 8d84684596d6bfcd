"""Shared fixtures: the real data folder (skipped when absent), a synthetic data folder
in the same layout, and classifier settings small enough for tests to train in seconds.

``slow`` marks a test that takes more than about 2 s on a 2-core machine, by itself or through
the fixtures it needs; ``pytest -m "not slow"`` is the fast selection for development. A test
that needs one of :data:`SLOW_FIXTURES` (MMseqs2, a training, the real example set) is marked
here, at collection, whatever its module says.

Nothing here imports torch: the fixtures that train import what they need when they run.
"""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from nesscan.model.classifier import ClassifierParams

# One intra-op thread for torch/OpenMP, set before torch is imported: the test models are
# tiny, and on a busy 2-core machine two spinning OpenMP threads made a 3-epoch training
# ~75x slower (7.6 s instead of 0.1 s). Override by setting OMP_NUM_THREADS yourself.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Session fixtures that cost from about 8 s to minutes to build (measured on 2 busy cores): every
# test that needs one is slow.
SLOW_FIXTURES = {
    "real_examples",     # build_examples on the real NESdb and negatives
    "real_split",        # pipeline.prepare on the real data (MMseqs2 on ~1,900 proteins)
    "tiny_model",        # MMseqs2 on the synthetic proteins, then a training
    "tiny_cargo_model",  # MMseqs2, then the default window model and a protein model beside it
}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


STANDARD = "ACDEFGHIKLMNPQRSTVWY"
HYDROPHOBIC = "LIVFM"  # NES anchor residues
WINDOW = 22


def _real_data_dir() -> Path:
    env = os.environ.get("NESSCAN_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's real data folder (``$NESSCAN_DATA`` or ``../shared/data``)."""
    root = _real_data_dir()
    if not (root / "nesdb" / "NesDB_all_CRM1_with_peptides.csv").is_file():
        pytest.skip(f"real data not found at {root} (set NESSCAN_DATA)")
    return root


@pytest.fixture(scope="session")
def real_examples(data_dir: Path):
    """``build_examples`` on the real NESdb and mitochondrial sets (default settings)."""
    from nesscan.dataset.examples import build_examples
    from nesscan.io import read_mito, read_nesdb

    annotations = read_nesdb(data_dir / "nesdb" / "NesDB_all_CRM1_with_peptides.csv")
    mito = read_mito(data_dir / "negatives" / "mitochondrial_proteins.csv")
    return annotations, mito, build_examples(annotations, mito)


@pytest.fixture(scope="session")
def real_split(data_dir: Path):
    """``pipeline.prepare`` on the real data: the example table with ``split``/``cluster``
    (MMseqs2 on ~1,900 proteins: the slowest fixture, shared by every test that needs it)."""
    from nesscan.pipeline import prepare

    return prepare(data_dir, seed=0)


@pytest.fixture(scope="session", autouse=True)
def cluster_cache():
    """Memoise :func:`nesscan.dataset.split.cluster_proteins` by content for the whole session.

    MMseqs2 ``easy-cluster`` costs ~10-20 s per call whatever the input size (its
    prefilter builds a k-mer index three times), and every ``pipeline.train`` on the
    same data clusters the same proteins: the real function runs once per distinct
    input. Yields the cache (key -> cluster table).
    """
    import nesscan.dataset.split as split

    original = split.cluster_proteins
    cache: dict = {}

    def cached(proteins, min_seq_id: float = 0.3, coverage: float = 0.5, threads: int = 2):
        key = (tuple(sorted((acc, p.sequence) for acc, p in proteins.items())), min_seq_id, coverage)
        if key not in cache:
            cache[key] = original(proteins, min_seq_id, coverage, threads)
        return cache[key].copy()

    patch = pytest.MonkeyPatch()
    patch.setattr(split, "cluster_proteins", cached)
    yield cache
    patch.undo()


# --------------------------------------------------------------------------- synthetic data


def _random_seq(rng: np.random.Generator, length: int, alphabet: str = STANDARD,
                p: np.ndarray | None = None) -> str:
    return "".join(rng.choice(list(alphabet), size=length, p=p))


def _nes_motif(rng: np.random.Generator) -> str:
    """A class-1a-like NES, Phi-x3-Phi-x2-Phi-x-Phi (10 residues), anchors hydrophobic."""
    filler = "ESTDQNKRAG"
    out = []
    for k in range(10):
        out.append(rng.choice(list(HYDROPHOBIC)) if k in (0, 4, 7, 9) else rng.choice(list(filler)))
    return "".join(out)


def _plant(rng: np.random.Generator, seq: str, start0: int, length: int) -> tuple[str, tuple[int, int]]:
    """Put a motif into ``seq`` inside a range of ``length`` residues starting at ``start0``
    (0-based); returns the new sequence and the 1-based inclusive range."""
    motif = _nes_motif(rng)
    offset = int(rng.integers(0, length - len(motif) + 1))
    at = start0 + offset
    seq = seq[:at] + motif + seq[at + len(motif):]
    return seq, (start0 + 1, start0 + length)


def mutate(rng: np.random.Generator, seq: str, fraction: float) -> str:
    """``seq`` with ``round(fraction * len(seq))`` positions changed to another residue."""
    out = list(seq)
    for k in rng.choice(len(seq), size=round(fraction * len(seq)), replace=False):
        out[k] = rng.choice([a for a in STANDARD if a != seq[k]])
    return "".join(out)


def _wrap(seq: str, width: int = 60) -> str:
    return "\n".join(seq[i:i + width] for i in range(0, len(seq), width))


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """A synthetic data folder in the nesscan layout (seeded, dissimilar random proteins).

    * ``nesdb/NesDB_all_CRM1_with_peptides.csv``: 40 proteins of 80-300 residues, each
      with one planted leucine-rich NES in a 10-15 residue range; proteins 0-3 are
      doubtful, proteins 4-7 carry a second NES range (two NESdb rows for protein 4).
    * ``negatives/mitochondrial_proteins.csv``: 80 random A/R/S-rich proteins of
      60-200 residues with no planted motif (M00001 is a 90%-identical mutant of
      M00000, the one homologous pair), plus one row that repeats an NESdb
      accession (a known NES cargo, to be dropped from the negatives).
    * ``proteomes/tiny.fasta``: 20 proteins: 4 NESdb parents, 15 random, and one of
      15 residues (shorter than the window).
    """
    rng = np.random.default_rng(20240607)
    root = tmp_path_factory.mktemp("tiny_data")
    for sub in ("nesdb", "negatives", "proteomes"):
        (root / sub).mkdir()

    nesdb_rows = []
    nesdb_seqs: list[tuple[str, str, str]] = []  # (accession, header, sequence)
    for i in range(40):
        length = int(rng.integers(80, 301))
        seq = _random_seq(rng, length)
        r_len = int(rng.integers(10, 16))
        start0 = int(rng.integers(5, length // 2 - r_len))
        seq, r1 = _plant(rng, seq, start0, r_len)
        ranges = [r1]
        if 4 <= i < 8:  # a second NES in the C-terminal half
            r2_len = int(rng.integers(10, 16))
            s2 = int(rng.integers(length // 2 + 2, length - r2_len - 2))
            seq, r2 = _plant(rng, seq, s2, r2_len)
            ranges.append(r2)
        acc = f"Q{i:05d}"
        gene = f"NES{i}"
        header = f">sp|{acc}|{gene}_HUMAN Exported protein {i} OS=Homo sapiens OX=9606 GN={gene} PE=1 SV=1"
        nesdb_seqs.append((acc, header, seq))
        rows = [ranges] if i != 4 else [[ranges[0]], [ranges[1]]]  # protein 4: one row per NES
        for k, rr in enumerate(rows):
            nesdb_rows.append({
                "ID": f"Protein{i} (NES ID: {100 + i}{k})",
                "Full Name": f"Exported protein {i}",
                "Organism": "Homo sapiens (Human)",
                "Experimental Evidence for CRM1-mediated Export": "LMB Sensitive",
                "Fasta Header": header,
                "Sequence": seq,
                "is_NesDB_doubt": "True" if i < 4 else "False",
                "Merged ranges": repr([tuple(r) for r in rr]),
            })
    with open(root / "nesdb" / "NesDB_all_CRM1_with_peptides.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(nesdb_rows[0]))
        writer.writeheader()
        writer.writerows(nesdb_rows)

    mito_p = np.full(20, 0.6 / 17)
    for aa in "ARS":
        mito_p[STANDARD.index(aa)] = 0.4 / 3
    mito_rows = []
    for i in range(80):
        acc = f"M{i:05d}"
        if i == 1:  # M00001: a 90%-identical mutant of M00000 (one homology cluster)
            seq = mutate(rng, mito_rows[0]["sequence"], 0.1)
        else:
            seq = _random_seq(rng, int(rng.integers(60, 201)), p=mito_p)
        mito_rows.append({"protein_id": acc,
                          "description": f"sp|{acc}|MIT{i}_HUMAN Mitochondrial protein {i} OS=Homo sapiens "
                                         f"OX=9606 GN=MIT{i} PE=1 SV=1",
                          "sequence": seq})
    acc, header, seq = nesdb_seqs[10]  # a known NES cargo also listed as mitochondrial (cf. PINK1)
    mito_rows.append({"protein_id": acc, "description": header[1:], "sequence": seq})
    with open(root / "negatives" / "mitochondrial_proteins.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["protein_id", "description", "sequence"])
        writer.writeheader()
        writer.writerows(mito_rows)

    records = [(h, s) for _, h, s in nesdb_seqs[20:24]]
    for i in range(15):
        acc = f"P9{i:04d}"
        records.append((f">tr|{acc}|{acc}_YEAST Screened protein {i} OS=Saccharomyces cerevisiae OX=559292 "
                        f"GN=SCR{i} PE=4 SV=1", _random_seq(rng, int(rng.integers(40, 181)))))
    records.append((">sp|P00001|SHORT_YEAST Short peptide OS=Saccharomyces cerevisiae OX=559292 GN=SHT1",
                    _random_seq(rng, 15)))
    (root / "proteomes" / "tiny.fasta").write_text("".join(f"{h}\n{_wrap(s)}\n" for h, s in records))
    return root


@pytest.fixture(scope="session")
def fast_params() -> ClassifierParams:
    """A classifier that trains in about a second on the synthetic data."""
    from nesscan.model.classifier import ClassifierParams

    return ClassifierParams(d_model=16, n_heads=2, n_layers=1, d_ff=32, max_epochs=3, patience=2)


@pytest.fixture(scope="session")
def tiny_model(tiny_data: Path, fast_params: ClassifierParams, tmp_path_factory) -> Path:
    """A physchem model trained on ``tiny_data`` (shared by the pipeline and CLI tests)."""
    from nesscan.pipeline import train

    return train(tiny_data, tmp_path_factory.mktemp("models") / "physchem", embedder_spec="physchem", context="peptide",
                 params=fast_params, seed=0, classifier="transformer")


# --------------------------------------------------------------------------- a cargo table

CARGO_COLUMNS = ["Leading Protein ID", "Xenopus UniProt Link", "Human UniProt Link",
                 "Nuc to Cyt concentration ratio (log10) ", "Molar Fraction in Input (×10^6)", "Category", "Flags"]


@pytest.fixture(scope="session")
def tiny_cargo_data(tiny_data: Path, tmp_path_factory) -> Path:
    """``tiny_data`` plus a CRM1 cargo table in the real layout (``cargo/elife-11466-supp2-v4.xlsx``,
    sheet ``Main table`` with a caption row) and the human proteome its entry names map to
    (``proteomes/human_swissprot_assembled.fasta.gz``).

    50 cargoes (Cargo A / B / Low Abundant in turn: acidic, charged, low-complexity, each with a
    planted leucine-rich NES), 40 non-binders (hydrophobic, ordered-looking composition), two
    NESdb parents of ``tiny_data`` (one cargo, one non-binder: the non-binder gives no
    ``nonbinder`` window), one Ambiguous protein and one entry name missing from the FASTA.
    """
    import shutil

    openpyxl = pytest.importorskip("openpyxl")
    root = Path(shutil.copytree(tiny_data, tmp_path_factory.mktemp("tiny_cargo") / "data"))
    (root / "cargo").mkdir()
    rng = np.random.default_rng(20251205)
    cargo_p = np.full(20, 0.3 / 12)
    for aa in "EDKSPQGR":
        cargo_p[STANDARD.index(aa)] = 0.7 / 8
    binder_p = np.full(20, 0.4 / 13)
    for aa in "LIVFAGT":
        binder_p[STANDARD.index(aa)] = 0.6 / 7
    records, rows = [], []
    categories = ["Cargo A", "Cargo B", "Low Abundant Cargo"]
    for i in range(50):
        seq = _random_seq(rng, int(rng.integers(120, 400)), p=cargo_p)
        seq, _ = _plant(rng, seq, int(rng.integers(5, len(seq) - 30)), 15)
        records.append((f"C{i:05d}", f"CRG{i}_HUMAN", seq))
        rows.append([f"cc{i}", f"XC{i}_XENLA", f"CRG{i}_HUMAN", 1.0, None if i % 3 == 2 else 0.5,
                     categories[i % 3], None])
    for i in range(40):
        records.append((f"B{i:05d}", f"NBD{i}_HUMAN", _random_seq(rng, int(rng.integers(120, 400)), p=binder_p)))
        rows.append([f"cb{i}", f"XB{i}_XENLA", f"NBD{i}_HUMAN", -1.0, 20.0, "Non-binder", None])
    with open(root / "nesdb" / "NesDB_all_CRM1_with_peptides.csv", newline="") as fh:
        nesdb = list(csv.DictReader(fh))
    for row, category in ((nesdb[12], "Cargo A"), (nesdb[14], "Non-binder")):
        acc, entry = row["Fasta Header"].split("|")[1], row["Fasta Header"].split("|")[2].split()[0]
        records.append((acc, entry, row["Sequence"]))
        rows.append([f"cn{acc}", "XN_XENLA", entry, 0.0, 1.0, category, None])
    records.append(("A00001", "AMB1_HUMAN", _random_seq(rng, 200)))
    rows.append(["ca1", "XA_XENLA", "AMB1_HUMAN", 0.0, 1.0, "Ambiguous", None])
    rows.append(["cz1", "XZ_XENLA", "GONE1_HUMAN", 0.0, 1.0, "Cargo B", None])
    book = openpyxl.Workbook()
    book.active.title = "Index"
    sheet = book.create_sheet("Main table")
    sheet.append(["Protein identifiers", None, None, "Quantification"])
    sheet.append(CARGO_COLUMNS)
    for row in rows:
        sheet.append(row)
    book.save(root / "cargo" / "elife-11466-supp2-v4.xlsx")
    text = "".join(f">sp|{acc}|{entry} Protein {acc} OS=Homo sapiens OX=9606 GN=G{acc} PE=1 SV=1\n{_wrap(seq)}\n"
                   for acc, entry, seq in records)
    with gzip.open(root / "proteomes" / "human_swissprot_assembled.fasta.gz", "wt") as fh:
        fh.write(text)
    return root


@pytest.fixture(scope="session")
def tiny_cargo_model(tiny_cargo_data: Path, tmp_path_factory) -> Path:
    """The default (ensemble) model trained on ``tiny_cargo_data``: a protein model beside it."""
    from nesscan.pipeline import train

    return train(tiny_cargo_data, tmp_path_factory.mktemp("models") / "cargo", seed=0)

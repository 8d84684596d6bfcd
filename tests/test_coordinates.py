"""nesscan's coordinate rule (:mod:`nesscan.records`), checked on the files themselves.

Tables written for people (screen tables, web CSV/JSON) give 1-based inclusive residue
numbers: ``sequence[start - 1:end]``. The example table written for nesscan itself
(``examples.tsv``) has a 0-based ``start``: the window is ``parent[start:start + window]``,
beside the NES's 1-based inclusive ``range_1b``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan import pipeline
from nesscan.io import read_fasta, read_mito, read_nesdb
from nesscan.predictor import Predictor, Runtime

WINDOW = 22
SYNTHETIC = {"anchor_mutant", "shuffled", "core_shuffled"}  # windows that are not a slice of their parent


@pytest.fixture(scope="module")
def screened(tiny_model: Path, tiny_data: Path, tmp_path_factory) -> tuple[dict[str, str], Path]:
    fasta = tiny_data / "proteomes" / "tiny.fasta"
    out = tmp_path_factory.mktemp("coordinates") / "screen"
    pipeline.screen(fasta, out, tiny_model, threshold=0.5, decoy_fraction=0.0)
    return {p.accession: p.sequence for p in read_fasta(fasta)}, out


def test_candidates_csv_is_1_based_inclusive(screened) -> None:
    seqs, out = screened
    cands = pd.read_csv(out / "candidates.csv", keep_default_na=False)
    assert len(cands)
    for c in cands.itertuples(index=False):
        seq = seqs[c.accession]
        assert seq[c.start - 1:c.end] == c.sequence and c.end - c.start + 1 == WINDOW
        assert 1 <= c.region_start <= c.start and c.end <= c.region_end <= len(seq)
        for a in str(c.anchors).split(","):  # 1-based protein residues inside the best window
            if a:
                assert c.start <= int(a) <= c.end and seq[int(a) - 1] in "LIVFMWYCAT"


def test_windows_parquet_is_1_based_inclusive(screened) -> None:
    seqs, out = screened
    windows = pd.read_parquet(out / "windows.parquet")
    for acc, w in windows.groupby("accession", sort=False):
        n = len(seqs[acc]) - WINDOW + 1
        assert w.start.tolist() == list(range(1, n + 1))  # the first window starts at residue 1
        assert (w.end - w.start + 1 == WINDOW).all() and w.end.max() == len(seqs[acc])


def test_proteins_csv_best_start_is_a_windows_parquet_start(screened) -> None:
    seqs, out = screened
    windows = pd.read_parquet(out / "windows.parquet")
    prots = pd.read_csv(out / "proteins.csv", keep_default_na=False)
    ok = prots[prots.status == "ok"]
    assert len(ok)
    for p in ok.itertuples(index=False):
        w = windows[windows.accession == p.accession]
        best = w[w.start == int(p.best_start)]
        assert len(best) == 1 and np.isclose(best.score.iloc[0], float(p.max_score), atol=1e-5)
        assert np.isclose(w.score.max(), float(p.max_score), atol=1e-5)


def test_web_prediction_is_1_based_inclusive(tiny_model: Path, tiny_data: Path) -> None:
    from nesscan.web import predict as pred

    model = Predictor.load(tiny_model, Runtime())
    protein = read_fasta(tiny_data / "proteomes" / "tiny.fasta")[0]
    [p] = pred.predict(f">{protein.accession}\n{protein.sequence}", model, threshold=0.0)
    assert p.candidates
    for c in p.candidates:
        assert protein.sequence[c["start"] - 1:c["end"]] == c["sequence"]
    residues = pred.residues_frame([p])
    assert residues.position.tolist() == list(range(1, len(protein.sequence) + 1))
    assert "".join(residues.residue) == protein.sequence


def _check_examples(examples: pd.DataFrame, parents: dict[str, str]) -> None:
    real = examples[~examples.source.isin(SYNTHETIC)]
    assert len(real) and SYNTHETIC & set(examples.source)
    for e in real.itertuples(index=False):
        start = int(e.start)  # 0-based
        assert parents[e.accession][start:start + WINDOW] == e.sequence, (e.source, e.accession, start)
        if e.range_1b:  # the NES, 1-based inclusive, lies inside the window
            s, t = (int(x) for x in e.range_1b.split("-"))
            assert start + 1 <= s <= t <= start + WINDOW


def test_examples_tsv_start_is_0_based(tiny_model: Path, tiny_data: Path) -> None:
    examples = pd.read_csv(tiny_model / "examples.tsv", sep="\t", keep_default_na=False)
    parents = {p.accession: p.sequence for p in read_mito(tiny_data / "negatives" / "mitochondrial_proteins.csv")}
    parents.update({a.protein.accession: a.protein.sequence
                    for a in read_nesdb(tiny_data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv")})
    _check_examples(examples, parents)


@pytest.mark.slow
def test_real_examples_start_is_0_based(real_examples) -> None:
    _, _, example_set = real_examples
    _check_examples(example_set.examples, {a: p.sequence for a, p in example_set.proteins.items()})
